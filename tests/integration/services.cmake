# Real MariaDB and Kafka for integration tests (scripts/services; see
# docs/services.md). Each service is a ctest fixture: services_start_<svc>
# (FIXTURES_SETUP) starts it under ${CMAKE_BINARY_DIR}/services/<svc> and
# services_stop_<svc> (FIXTURES_CLEANUP) stops it, also when tests failed.
# A test that needs a service sets FIXTURES_REQUIRED <svc> and reads the
# KEY=value settings from ${FLOE_<SVC>_ENV}.

set(FLOE_SERVICES_SCRIPT ${PROJECT_SOURCE_DIR}/scripts/services)
set(FLOE_SERVICES_DIR ${CMAKE_BINARY_DIR}/services)
set(FLOE_MARIADB_ENV ${FLOE_SERVICES_DIR}/mariadb/env)
set(FLOE_KAFKA_ENV ${FLOE_SERVICES_DIR}/kafka/env)

foreach(svc mariadb kafka)
  add_test(NAME services_start_${svc}
           COMMAND ${FLOE_SERVICES_SCRIPT} start ${svc} --dir ${FLOE_SERVICES_DIR}/${svc})
  add_test(NAME services_stop_${svc}
           COMMAND ${FLOE_SERVICES_SCRIPT} stop ${svc} --dir ${FLOE_SERVICES_DIR}/${svc})
  # Start may include the first Kafka download from Maven Central.
  set_tests_properties(services_start_${svc} PROPERTIES
    FIXTURES_SETUP ${svc} LABELS "integration;services" TIMEOUT 600
    RESOURCE_LOCK floe_service_${svc})
  set_tests_properties(services_stop_${svc} PROPERTIES
    FIXTURES_CLEANUP ${svc} LABELS "integration;services" TIMEOUT 120
    RESOURCE_LOCK floe_service_${svc})
endforeach()

floe_add_test(smoke_mariadb SOURCES ${CMAKE_CURRENT_LIST_DIR}/smoke_mariadb.c
              LIBS floe_common PkgConfig::MARIADB
              LABELS integration services ARGS ${FLOE_MARIADB_ENV})
set_tests_properties(smoke_mariadb PROPERTIES FIXTURES_REQUIRED mariadb TIMEOUT 120)

floe_add_test(smoke_kafka SOURCES ${CMAKE_CURRENT_LIST_DIR}/smoke_kafka.c
              LIBS floe_common PkgConfig::RDKAFKA
              LABELS integration services ARGS ${FLOE_KAFKA_ENV})
set_tests_properties(smoke_kafka PROPERTIES FIXTURES_REQUIRED kafka TIMEOUT 180)
