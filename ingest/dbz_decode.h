/*
 * dbz_decode.h: Debezium change events (JSON converter, MariaDB/MySQL
 * connector) into floe rows.
 *
 * A message value is either {"schema":{...},"payload":{...}} (JsonConverter
 * schemas.enable=true) or the bare payload (false). The payload carries op
 * (c, u, d, r, t), before, after and source (gtid, file, pos, row,
 * server_id, ts_ms...). A null value (tombstone) is an event of op 0.
 *
 * Field encodings: Debezium renders MariaDB types in a handful of ways
 * (io.debezium.time.Date days, Timestamp ms, MicroTimestamp us,
 * NanoTimestamp ns, ZonedTimestamp ISO-8601 string, Time ms, MicroTime us,
 * NanoTime ns, org.apache.kafka.connect.data.Decimal base64 unscaled
 * big-endian two's complement with a scale, or a JSON number with
 * decimal.format=NUMERIC, or a string with decimal.handling.mode=string,
 * io.debezium.data.VariableScaleDecimal {scale, value}, Enum/EnumSet/Json
 * strings, Bits and binary columns as base64 (or hex with
 * binary.handling.mode=hex), BIGINT UNSIGNED precise as Decimal(20,0)).
 * A floe_dbz_field says how one column arrives; it comes from the message's
 * schema (floe_dbz_fields_from_schema) or, with schemas off, from the
 * MariaDB column definition (floe_dbz_field_from_mariadb).
 *
 * floe types chosen for Debezium types: int8 tinyint, int16 smallint,
 * int32 int, int64 bigint, float32 float, float64 double, boolean boolean,
 * string string, bytes binary, Date date, Timestamp/MicroTimestamp/
 * NanoTimestamp/ZonedTimestamp timestamp (UTC micros), Time/MicroTime/
 * NanoTime bigint (microseconds of the day), Decimal decimal(p,s) (p from
 * connect.decimal.precision, else 38), VariableScaleDecimal decimal(38,10)
 * when exact, Enum/EnumSet/Json string, Bits binary.
 *
 * Errors: FLOE_ERR_BAD_INPUT naming the field ("after.rev_len: expected an
 * integer, got \"abc\""); callers prefix topic/partition/offset.
 * Ownership: decoded string/binary values live in the caller's arena.
 * Thread-safety: pure functions.
 */
#ifndef FLOE_DBZ_DECODE_H
#define FLOE_DBZ_DECODE_H

#include <jansson.h>

#include "floe_buf.h"
#include "floe_schema.h"
#include "floe_status.h"
#include "floe_value.h"

typedef enum floe_dbz_enc {
    FLOE_DBZ_PLAIN = 0,     /* JSON value in the target type's natural form */
    FLOE_DBZ_DATE_DAYS,     /* int days since epoch */
    FLOE_DBZ_TS_MS,         /* int milliseconds since epoch (UTC) */
    FLOE_DBZ_TS_US,
    FLOE_DBZ_TS_NS,
    FLOE_DBZ_TS_ZONED,      /* ISO-8601 string with offset or Z */
    FLOE_DBZ_TIME_MS,       /* time of day -> bigint micros */
    FLOE_DBZ_TIME_US,
    FLOE_DBZ_TIME_NS,
    FLOE_DBZ_DECIMAL_BYTES, /* base64 unscaled BE two's complement; scale below */
    FLOE_DBZ_DECIMAL_VAR,   /* {"scale":s,"value":base64} */
    FLOE_DBZ_BYTES_BASE64,
    FLOE_DBZ_BYTES_HEX,
    FLOE_DBZ_BYTES_BASE64URL,
} floe_dbz_enc;

typedef struct floe_dbz_field {
    char *name;
    floe_type type;    /* the floe type this column gets */
    floe_dbz_enc enc;
    int scale;         /* decimals: the scale of the encoded value */
    int optional;
} floe_dbz_field;

typedef struct floe_dbz_fields {
    floe_dbz_field *f;
    size_t n;
} floe_dbz_fields;

void floe_dbz_fields_free(floe_dbz_fields *fs);

/* From a Kafka Connect struct schema (the "after"/"before" field schema of
 * an envelope, or the whole value schema: the row struct is found inside).
 * binary_mode: "bytes"/"base64" (base64), "hex", "base64-url-safe". */
floe_status floe_dbz_fields_from_schema(const json_t *value_schema, const char *binary_mode,
                                        floe_dbz_fields *out, floe_err *err);

/* From one MariaDB column definition (information_schema.COLUMNS):
 * data_type ("int", "varbinary", "datetime"...), column_type ("int(10)
 * unsigned"), precision/scale (-1 when NULL), datetime_precision (-1 when
 * NULL), nullable. Debezium's defaults are assumed (precise decimals,
 * adaptive_time_microseconds, bigint.unsigned.handling.mode=long unless
 * unsigned_precise). */
floe_status floe_dbz_field_from_mariadb(const char *name, const char *data_type,
                                        const char *column_type, long precision, long scale,
                                        long datetime_precision, int nullable,
                                        const char *binary_mode, int unsigned_precise,
                                        floe_dbz_field *out, floe_err *err);

/* A floe schema (ids 1..n in order) from fields; key names the primary key
 * columns (in order). */
floe_status floe_dbz_schema(const floe_dbz_fields *fs, const char *const *key, size_t nkey,
                            floe_schema **out, floe_err *err);

typedef struct floe_dbz_event {
    char op;               /* 'c','u','d','r','t'; 0 for a tombstone */
    const json_t *before;  /* row objects inside the parsed message, or NULL */
    const json_t *after;
    const json_t *source;
    const json_t *value_schema; /* NULL with schemas off */
} floe_dbz_event;

/* Parse the envelope of a message value (len 0 or "null" = tombstone).
 * *root receives the parsed JSON the event points into (json_decref it). */
floe_status floe_dbz_parse(const char *value, size_t len, floe_dbz_event *ev, json_t **root,
                           floe_err *err);

/* A parsed value schema remembered by its exact text: JsonConverter repeats
 * the same schema in every message, so when the text is unchanged only the
 * payload needs parsing. Owned by the caller; floe_dbz_schema_cache_free
 * releases it. */
typedef struct floe_dbz_schema_cache {
    char *text;
    size_t len;
    json_t *schema;
} floe_dbz_schema_cache;

void floe_dbz_schema_cache_free(floe_dbz_schema_cache *c);

/* floe_dbz_parse with a schema cache: same results; ev->value_schema then
 * points into the cache (valid until the cache changes or is freed). */
floe_status floe_dbz_parse_cached(const char *value, size_t len, floe_dbz_schema_cache *cache,
                                  floe_dbz_event *ev, json_t **root, floe_err *err);

/* Decode one row object into vals (one per column of s; a column the row
 * lacks is NULL), using fields (matched by column name; a column without a
 * field is decoded PLAIN). which: "before"/"after" for messages. */
floe_status floe_dbz_decode_row(const json_t *row, const floe_dbz_fields *fs, const floe_schema *s,
                                const char *which, floe_value *vals, floe_buf *arena,
                                floe_err *err);

#endif
