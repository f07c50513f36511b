/*
 * floe_value.h: one cell value, and floe's JSON value forms.
 *
 * The JSON forms are one convention everywhere in floe (CLI input/output,
 * write, scan): integers as JSON numbers, exact over the full 64-bit range;
 * float/double as numbers, with "NaN", "Infinity", "-Infinity" as strings;
 * decimal as a string ("-12.340", exactly `scale` fraction digits on
 * output; on input fewer digits are padded, more are an error; integers
 * are accepted for decimals too); string as a JSON string (valid UTF-8);
 * binary as base64 (standard alphabet, padded); date as "YYYY-MM-DD";
 * timestamp as "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC, six fraction digits on
 * output; on input 0-6 fraction digits and an optional trailing "Z");
 * null as null.
 *
 * Ownership: a floe_value of string/binary kind points at bytes it does not
 * own: floe_value_from_json puts decoded bytes in the caller's floe_buf
 * arena and the value stays valid until that arena is reset or freed
 * (the value stores an offset, resolved with floe_value_bytes).
 * Errors: FLOE_ERR_BAD_INPUT naming the expected type and what was found;
 * callers prefix the line and column.
 * Thread-safety: pure functions.
 */
#ifndef FLOE_VALUE_H
#define FLOE_VALUE_H

#include <jansson.h>
#include <stdint.h>

#include "floe_buf.h"
#include "floe_schema.h"
#include "floe_status.h"

typedef __int128 floe_i128;

typedef struct floe_value {
    uint8_t is_null;
    union {
        int64_t i64;   /* boolean(0/1), tinyint..bigint, date (days), timestamp (us) */
        double f64;    /* float (already rounded to float) and double */
        floe_i128 dec; /* decimal unscaled value */
        struct {
            const uint8_t *ptr; /* when set directly by the caller */
            size_t off;         /* offset in the arena when ptr == NULL */
            size_t len;
        } bytes;                /* string, binary */
    } v;
} floe_value;

/* Bytes of a string/binary value (arena may be NULL when ptr is set). */
static inline const uint8_t *floe_value_bytes(const floe_value *val, const floe_buf *arena) {
    return val->v.bytes.ptr ? val->v.bytes.ptr : arena->data + val->v.bytes.off;
}

/* Convert a JSON value to a floe value of type t. Range checks: tinyint,
 * smallint, int bounds; decimal precision; dates in years 0001..9999. */
floe_status floe_value_from_json(const json_t *j, floe_type t, floe_value *out,
                                 floe_buf *arena, floe_err *err);
/* Append the JSON form of a value (a JSON token, e.g. `12`, `"a\"b"`, `null`). */
floe_status floe_value_to_json(const floe_value *val, floe_type t, const floe_buf *arena,
                               floe_buf *out, floe_err *err);

/* Helpers shared by the encoders and the CLI. */
floe_status floe_decimal_parse(const char *s, uint8_t precision, uint8_t scale,
                               floe_i128 *out, floe_err *err);
/* Writes e.g. "-12.340" into out (at least 48 bytes); returns the length. */
size_t floe_decimal_format(floe_i128 v, uint8_t scale, char *out);
floe_status floe_date_parse(const char *s, int32_t *days, floe_err *err);
size_t floe_date_format(int32_t days, char *out); /* "YYYY-MM-DD", >= 16 bytes */
floe_status floe_timestamp_parse(const char *s, int64_t *micros, floe_err *err);
size_t floe_timestamp_format(int64_t micros, char *out); /* >= 40 bytes */
/* Days from civil date (proleptic Gregorian) and back. */
int64_t floe_days_from_civil(int64_t y, unsigned m, unsigned d);
void floe_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d);
floe_status floe_base64_decode(const char *s, size_t len, floe_buf *out, floe_err *err);
floe_status floe_base64_encode(const uint8_t *p, size_t len, floe_buf *out, floe_err *err);
/* Returns 1 when p[0..len) is valid UTF-8 (no overlongs, no surrogates). */
int floe_utf8_valid(const uint8_t *p, size_t len);

/* Short description of a JSON value for error messages: `string "x"`,
 * `number 3`, `an object`, `nothing` for NULL (printable ASCII only). */
void floe_json_describe(const json_t *j, char *out, size_t outsz);
/* FLOE_ERR_BAD_INPUT ("value 300 out of range for tinyint (-128..127)")
 * when v does not fit the integer type t. */
floe_status floe_int_check_range(int64_t v, floe_type t, floe_err *err);

/* 1 when floe_value_compare on kind k is the comparison of v.i64 (boolean,
 * the integers, date, timestamp): hot loops may compare those directly. */
int floe_type_compares_as_i64(floe_type_kind k);
/* Compare two non-null values of one type: <0, 0, >0. Strings and binary
 * compare as unsigned bytes; doubles by IEEE total order with -0 < +0 and
 * NaN last. */
int floe_value_compare(const floe_value *a, const floe_value *b, floe_type t,
                       const floe_buf *arena_a, const floe_buf *arena_b);

#endif
