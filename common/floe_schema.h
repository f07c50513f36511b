/*
 * floe_schema.h: column types and table schemas, and their JSON form.
 *
 * The schema JSON is the one format used everywhere in floe (ORC files,
 * tables, ingest):
 *   {"columns":[{"name":"rev_id","type":"bigint","nullable":false,"id":1},...],
 *    "primary_key":["rev_id"]}
 * Types: boolean tinyint smallint int bigint float double decimal(P,S)
 * string binary date timestamp. `nullable` defaults to true; `id` is the
 * column's stable field id (Iceberg field id), optional: columns without an
 * id are numbered after the highest id given, in order (so a schema with no
 * ids gets 1..n). `primary_key` is optional for files, required for tables.
 *
 * Ownership: a floe_schema owns its column names; floe_schema_destroy frees
 * everything (NULL is a no-op). Schemas are immutable after parsing and may
 * be shared read-only between threads.
 * Errors: FLOE_ERR_INVALID with the JSON path ("columns[2].type: unknown
 * type \"int33\"") for malformed or inconsistent schemas.
 */
#ifndef FLOE_SCHEMA_H
#define FLOE_SCHEMA_H

#include <stddef.h>
#include <stdint.h>

#include "floe_buf.h"
#include "floe_status.h"

typedef enum floe_type_kind {
    FLOE_T_BOOLEAN,
    FLOE_T_TINYINT,
    FLOE_T_SMALLINT,
    FLOE_T_INT,
    FLOE_T_BIGINT,
    FLOE_T_FLOAT,
    FLOE_T_DOUBLE,
    FLOE_T_DECIMAL,
    FLOE_T_STRING,
    FLOE_T_BINARY,
    FLOE_T_DATE,
    FLOE_T_TIMESTAMP, /* microseconds since 1970-01-01T00:00:00 UTC */
} floe_type_kind;

#define FLOE_DECIMAL_MAX_PRECISION 38

typedef struct floe_type {
    floe_type_kind kind;
    uint8_t precision; /* decimal only: 1..38 */
    uint8_t scale;     /* decimal only: 0..precision */
} floe_type;

typedef struct floe_column {
    char *name;
    floe_type type;
    int nullable;
    int32_t id; /* > 0 */
} floe_column;

typedef struct floe_schema {
    floe_column *cols;
    size_t ncols;
    size_t *pk; /* indexes into cols, in key order */
    size_t npk;
} floe_schema;

/* "bigint", "decimal(10,2)"... Writes into out (at least 32 bytes). */
void floe_type_format(floe_type t, char *out, size_t outsz);
floe_status floe_type_parse(const char *s, floe_type *out, floe_err *err);
/* Integer kinds (tinyint..bigint) and date: stored as RLE integers. */
int floe_type_is_integer(floe_type_kind k);

floe_status floe_schema_parse(const char *json, size_t len, floe_schema **out,
                              floe_err *err);
floe_status floe_schema_load_file(const char *path, floe_schema **out, floe_err *err);
/* Appends the canonical JSON (ids and nullable always present). */
floe_status floe_schema_to_json(const floe_schema *s, floe_buf *out, floe_err *err);
/* Index of the column named `name`, or -1. */
int floe_schema_find(const floe_schema *s, const char *name);
floe_status floe_schema_clone(const floe_schema *s, floe_schema **out, floe_err *err);
void floe_schema_destroy(floe_schema *s);

#endif
