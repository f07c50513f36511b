# Reference-reader smoke tests (labels "integration;readers"): pyarrow, pyorc,
# pyiceberg, the Java verifier (Iceberg + ORC Java libraries) and orc-tools
# read files written by pyarrow/pyiceberg and must agree. They prove the judges
# that floe's own output is checked with. They need scripts/setup-readers
# (a venv and Java caches outside the tree); see docs/readers.md.

if(DEFINED ENV{FLOE_CACHE})
  set(_floe_cache_default "$ENV{FLOE_CACHE}")
else()
  set(_floe_cache_default "$ENV{HOME}/.cache/floe")
endif()
if(DEFINED ENV{FLOE_VENV})
  set(_floe_venv_default "$ENV{FLOE_VENV}")
else()
  set(_floe_venv_default "${_floe_cache_default}/venv")
endif()
set(FLOE_READERS_CACHE "${_floe_cache_default}" CACHE PATH
  "Cache of the reference readers: verifier classpath, orc-tools path (scripts/setup-readers)")
set(FLOE_VENV "${_floe_venv_default}" CACHE PATH
  "Python venv with the reference readers (scripts/setup-readers)")

set(_floe_readers_src "${PROJECT_SOURCE_DIR}/tests/readers")
set(_floe_readers_tmp "${CMAKE_CURRENT_BINARY_DIR}")  # pytest --basetemp lives here
set(_floe_readers_env
  "FLOE_CACHE=${FLOE_READERS_CACHE}"
  "FLOE_VENV=${FLOE_VENV}"
  "PYTHONDONTWRITEBYTECODE=1")

# Fails with a hint when the readers are not installed; the others then do not run.
add_test(NAME readers_installed
  COMMAND sh -c "test -x \"$1/bin/python\" && test -s \"$2/verifier.classpath\" && test -s \"$2/orc-tools.path\" || { echo \"reference readers missing under $1 and $2: run scripts/setup-readers\" >&2; exit 1; }"
          sh "${FLOE_VENV}" "${FLOE_READERS_CACHE}")
set_tests_properties(readers_installed PROPERTIES
  LABELS "integration;readers" FIXTURES_SETUP floe_readers)

foreach(_t orc iceberg)
  add_test(NAME readers_${_t}
    COMMAND "${FLOE_VENV}/bin/python" -m pytest -q
            -c "${_floe_readers_src}/pytest.ini" --rootdir "${_floe_readers_src}"
            --basetemp "${_floe_readers_tmp}/readers-${_t}.tmp"
            "${_floe_readers_src}/test_${_t}_readers.py"
    WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  set_tests_properties(readers_${_t} PROPERTIES
    LABELS "integration;readers"
    FIXTURES_REQUIRED floe_readers
    ENVIRONMENT "${_floe_readers_env}"
    TIMEOUT 600)
endforeach()

# floe's ORC writer and reader judged by the reference readers: generated
# tables with every type and edge value, 1M rows (zstd) plus smaller lz4, zlib
# and none tables; floe reading pyarrow's and pyorc's files; hostile input.
add_test(NAME orc_conformance
  COMMAND "${FLOE_VENV}/bin/python" -m pytest -q
          -c "${_floe_readers_src}/pytest.ini" --rootdir "${_floe_readers_src}"
          --basetemp "${_floe_readers_tmp}/orc-conformance.tmp"
          "${_floe_readers_src}/test_orc_conformance.py"
  WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
set_tests_properties(orc_conformance PROPERTIES
  LABELS "integration;readers;orc"
  FIXTURES_REQUIRED floe_readers
  ENVIRONMENT "${_floe_readers_env};FLOE_BIN=$<TARGET_FILE:floe>"
  TIMEOUT 1200)

# Real Iceberg engines read floe's tables: randomized workloads (many commits,
# compactions, deletes, key changes), every type, schema evolution, time
# travel and broken metadata, judged by pyiceberg and Iceberg Java against
# `floe scan` and a model; manifests and metrics checked with fastavro/pyorc.
add_test(NAME iceberg_conformance
  COMMAND "${FLOE_VENV}/bin/python" -m pytest -q
          -c "${_floe_readers_src}/pytest.ini" --rootdir "${_floe_readers_src}"
          --basetemp "${_floe_readers_tmp}/iceberg-conformance.tmp"
          "${_floe_readers_src}/test_iceberg_conformance.py"
  WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
set_tests_properties(iceberg_conformance PROPERTIES
  LABELS "integration;readers;iceberg"
  FIXTURES_REQUIRED floe_readers
  ENVIRONMENT "${_floe_readers_env};FLOE_BIN=$<TARGET_FILE:floe>"
  TIMEOUT 1200)
