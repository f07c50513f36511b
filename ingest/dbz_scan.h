/*
 * dbz_scan.h: a one-pass scanner for Debezium change events (JsonConverter
 * JSON), the fast path in front of dbz_decode.h's jansson decoder.
 *
 * floe_dbz_scan walks a message value once: it checks that the whole value
 * is valid JSON (strict RFC 8259 grammar, UTF-8, no duplicate keys, integers
 * within 64 bits, finite reals, bounded nesting), finds op, before and
 * after (and, with schemas on, skips a schema whose text equals the cached
 * one), and decodes the members of before/after straight into floe_values
 * per column, with the same floe_dbz_field encodings and the same value
 * code as floe_dbz_decode_row.
 *
 * Contract: when floe_dbz_scan returns 1 the result is exactly what
 * floe_dbz_parse_cached + floe_dbz_decode_row give for every row present.
 * It never reports an error: anything it does not handle (invalid JSON, a
 * value that does not decode, a changed schema, escaped keys, a duplicate
 * key, deep nesting, an unusual envelope) makes it return 0, and the caller
 * takes the jansson path, which produces the result or the error message.
 * So errors are the jansson path's by construction; differential tests and
 * a fuzz target (tests/fuzz/fuzz_dbz_scan.c) check the success side.
 *
 * Ownership: the scanner owns its plan (per-column encodings, the member
 * order of the last row) and a scratch buffer; fs and s passed to
 * floe_dbz_scanner_plan must outlive the plan (call it again, or
 * floe_dbz_scanner_reset, when they change). Decoded string/binary values
 * live in the caller's arena (both rows share it). Memory per message is
 * bounded by the message size.
 * Thread-safety: a scanner is used by one thread at a time.
 */
#ifndef FLOE_DBZ_SCAN_H
#define FLOE_DBZ_SCAN_H

#include "dbz_decode.h"

typedef struct floe_dbz_scanner floe_dbz_scanner;

floe_status floe_dbz_scanner_create(floe_dbz_scanner **out, floe_err *err);
void floe_dbz_scanner_destroy(floe_dbz_scanner *sc); /* NULL: no-op */

/* Decode rows against the columns of s, fields matched by name (a column
 * without a field is PLAIN), as floe_dbz_decode_row does. */
floe_status floe_dbz_scanner_plan(floe_dbz_scanner *sc, const floe_dbz_fields *fs,
                                  const floe_schema *s, floe_err *err);
/* Forget the plan (floe_dbz_scan then returns 0 until the next plan). */
void floe_dbz_scanner_reset(floe_dbz_scanner *sc);
/* Is there a plan? */
int floe_dbz_scanner_ready(const floe_dbz_scanner *sc);

typedef struct floe_dbz_scanned {
    char op;                    /* 'c','u','d','r','t'; 0 for a tombstone */
    const json_t *value_schema; /* the cache's schema (schemas on) or NULL */
    int has_before, has_after;  /* the row was an object, decoded into the array */
    int unknown;                /* a row member named no column of the plan */
} floe_dbz_scanned;

/* One message value (len 0 or "null": tombstone). before/after: arrays of
 * s->ncols values, filled when the row is present. cache: the topic's
 * schema cache (read only here; may be NULL). Returns 1 when decoded, 0
 * when the caller must take the jansson path (then out, the arrays and
 * the arena's contents past its length at the call are unspecified). */
int floe_dbz_scan(floe_dbz_scanner *sc, const char *value, size_t len,
                  const floe_dbz_schema_cache *cache, floe_dbz_scanned *out, floe_value *before,
                  floe_value *after, floe_buf *arena);

#endif
