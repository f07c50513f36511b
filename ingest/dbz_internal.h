/*
 * dbz_internal.h: value helpers shared by the two Debezium decoders of the
 * ingest module, the jansson one (dbz_decode.c) and the one-pass scanner
 * (dbz_scan.c), so both decode a value with the same code. Not part of any
 * contract outside ingest/. Errors as in dbz_decode.h (FLOE_ERR_BAD_INPUT
 * with a message, without the field name).
 */
#ifndef FLOE_DBZ_INTERNAL_H
#define FLOE_DBZ_INTERNAL_H

#include <stdint.h>

#include "dbz_decode.h"

typedef unsigned __int128 u128;

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY INT64_C(86400000000)
/* Days of 0001-01-01 and 9999-12-31 (floe's date and timestamp range). */
#define MIN_DAYS INT64_C(-719162)
#define MAX_DAYS INT64_C(2932896)
#define MIN_US (MIN_DAYS * US_PER_DAY)
#define MAX_US ((MAX_DAYS + 1) * US_PER_DAY - 1)

/* base64 (url: URL-safe alphabet, padding optional) or hex per e into out,
 * which has room for n / 4 * 3 + 3 bytes (n / 2 for hex). */
floe_status floe__dbz_b64_decode(const char *s, size_t n, int url, uint8_t *out, size_t *outlen,
                                 floe_err *err);
floe_status floe__dbz_bytes_decode(floe_dbz_enc e, const char *s, size_t n, uint8_t *out,
                                   size_t *outlen, floe_err *err);
/* ISO-8601 timestamp with optional offset into UTC microseconds. */
floe_status floe__dbz_parse_iso_ts(const char *s, size_t n, int64_t *micros, floe_err *err);
/* Sign/magnitude at scale es as a value of decimal type t, never rounded. */
floe_status floe__dbz_dec_store(int neg, u128 mag, int64_t es, floe_type t, floe_value *out,
                                floe_err *err);
/* Big-endian two's complement bytes into sign/magnitude. */
floe_status floe__dbz_dec_from_bytes(const uint8_t *b, size_t n, int *neg, u128 *mag,
                                     floe_err *err);
/* A finite double read from a JSON number (decimal.format=NUMERIC). */
floe_status floe__dbz_dec_from_double(double x, floe_type t, floe_value *out, floe_err *err);
/* The field of column `name`, which is usually field i (fields come in
 * column order); NULL when fs has none (the column is decoded PLAIN). */
const floe_dbz_field *floe__dbz_field_for(const floe_dbz_fields *fs, size_t i, const char *name);

#endif
