/*
 * mariadb_schema.h: a MariaDB table's definition, read through libmariadb
 * from information_schema, as Debezium fields (for topics whose messages
 * carry no schema).
 *
 * Connection settings come from the config keys mariadb.host, mariadb.port,
 * mariadb.socket, mariadb.user, mariadb.password (use ${env:...} or
 * ${file:...}), plus the ingest keys binary.handling.mode,
 * bigint.unsigned.handling.mode and decimal.handling.mode (which must match
 * the connector's).
 * Errors: FLOE_ERR_EXTERNAL with MariaDB's message; FLOE_ERR_NOT_FOUND when
 * the table does not exist or has no primary key.
 * Thread-safety: one connection per call; reentrant.
 */
#ifndef FLOE_MARIADB_SCHEMA_H
#define FLOE_MARIADB_SCHEMA_H

#include "dbz_decode.h"
#include "floe_config.h"

/* 1 when the config has a mariadb.host or mariadb.socket. */
int floe_mariadb_configured(const floe_config *c);

/* fields: every column in ordinal order; key/nkey: the primary key column
 * names (caller frees each and the array). */
floe_status floe_mariadb_table_fields(const floe_config *c, const char *db, const char *table,
                                      floe_dbz_fields *fields, char ***key, size_t *nkey,
                                      floe_err *err);

#endif
