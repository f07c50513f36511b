# Engine crash tests (labels "integration;engine"): drive the real `floe`
# binary and SIGKILL it at random moments; the table must stay readable,
# equal a model of the committed input, and accept the rest of the input.
# They need only Python's standard library (no services, no readers).

find_package(Python3 REQUIRED COMPONENTS Interpreter)

add_test(NAME crash_writer
  COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/crash_writer.py"
          "$<TARGET_FILE:floe>"
  WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
set_tests_properties(crash_writer PROPERTIES
  LABELS "integration;engine"
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1"
  TIMEOUT 900)

# Model check of `floe write` (background compaction off, then on) racing
# `floe compact` processes run back to back; counts committed, rebased,
# abandoned compactions.
add_test(NAME compact_race
  COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/compact_race.py"
          "$<TARGET_FILE:floe>"
  WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
set_tests_properties(compact_race PROPERTIES
  LABELS "integration;engine"
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1"
  TIMEOUT 900)

# SIGKILL of `floe compact` / `floe compact --full` at 50+ points (timed,
# and on its first output file, manifest, snapshot, Iceberg metadata);
# then orphan removal by `floe expire`.
add_test(NAME crash_compact
  COMMAND "${Python3_EXECUTABLE}" "${CMAKE_CURRENT_SOURCE_DIR}/crash_compact.py"
          "$<TARGET_FILE:floe>"
  WORKING_DIRECTORY "${CMAKE_CURRENT_BINARY_DIR}")
set_tests_properties(crash_compact PROPERTIES
  LABELS "integration;engine"
  ENVIRONMENT "PYTHONDONTWRITEBYTECODE=1"
  TIMEOUT 900)
