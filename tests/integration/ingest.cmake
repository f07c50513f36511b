# The ingest service's proof (labels "integration;ingest"): Python tests in
# tests/ingest, run with the readers' venv (pyiceberg) against the kafka and
# mariadb fixtures of services.cmake, on floe ingest/scan ($<TARGET_FILE:floe>).
#   ingest_fixtures  hand-made Debezium events: every op and every MariaDB
#                    type encoding, schemas on and off, schema evolution
#   ingest_poison    errors.policy=fail and dead-letter on bad messages
#   ingest_debezium  real Debezium (embedded engine, MariaDB connector,
#                    JsonConverter) on a scripted MariaDB workload, compared
#                    row for row with SELECT; needs scripts/setup-debezium
#   ingest_backpressure  paused partitions while compaction catches up; a batch
#                    run whose size trigger falls on its last message
#   ingest_crash     1M events, 50 SIGKILLs, exactly once (FLOE_CRASH_EVENTS,
#                    FLOE_CRASH_KILLS scale it)
# Run: ctest --test-dir build -L ingest --output-on-failure

set(_floe_ingest_src "${PROJECT_SOURCE_DIR}/tests/ingest")
set(_floe_ingest_env
  ${_floe_readers_env}
  "FLOE_BIN=$<TARGET_FILE:floe>"
  "FLOE_KAFKA_ENV=${FLOE_KAFKA_ENV}"
  "FLOE_MARIADB_ENV=${FLOE_MARIADB_ENV}")

# Fails with a hint when the Debezium runner is not built; ingest_debezium then does not run.
add_test(NAME debezium_installed
  COMMAND sh -c "test -s \"$1/debezium.classpath\" || { echo \"Debezium runner missing under $1: run scripts/setup-debezium\" >&2; exit 1; }"
          sh "${FLOE_READERS_CACHE}")
set_tests_properties(debezium_installed PROPERTIES
  LABELS "integration;ingest" FIXTURES_SETUP floe_debezium)

foreach(_t fixtures poison backpressure debezium crash)
  set(_fixtures floe_readers kafka)
  set(_timeout 600)
  if(_t STREQUAL "fixtures")
    list(APPEND _fixtures mariadb)
  elseif(_t STREQUAL "debezium")
    list(APPEND _fixtures mariadb floe_debezium)
    set(_timeout 900)
  elseif(_t STREQUAL "crash")
    set(_timeout 1200)
  endif()
  add_test(NAME ingest_${_t}
    COMMAND "${FLOE_VENV}/bin/python" -m pytest -q -s
            -c "${_floe_ingest_src}/pytest.ini" --rootdir "${_floe_ingest_src}"
            --basetemp "${CMAKE_CURRENT_BINARY_DIR}/ingest-${_t}.tmp"
            "${_floe_ingest_src}/test_${_t}.py"
    WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
  set_tests_properties(ingest_${_t} PROPERTIES
    LABELS "integration;ingest"
    FIXTURES_REQUIRED "${_fixtures}"
    ENVIRONMENT "${_floe_ingest_env}"
    TIMEOUT ${_timeout})
endforeach()
