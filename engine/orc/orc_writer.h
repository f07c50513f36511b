/*
 * orc_writer.h: writes one ORC v1 file (format version 0.12) of flat rows.
 *
 * The file's root is a struct whose fields are the schema's columns. Rows
 * are added one at a time; the writer keeps the current stripe's streams in
 * memory, compressed block by block as they fill (strings bound for a
 * dictionary stay uncompressed until the stripe ends), and when their
 * uncompressed size reaches the stripe size, or at close, appends the
 * stripe to the output. Every column carries the type attributes `iceberg.id` (the
 * column's field id) and `iceberg.required`, unless the caller omits them
 * (system columns), plus any extra attributes the caller sets.
 *
 * Encodings: integers and dates RLE v2 (DIRECT_V2); tinyint byte RLE and
 * boolean bit RLE (DIRECT); float/double IEEE little-endian (DIRECT);
 * strings DICTIONARY_V2 when a stripe's distinct values are at most
 * `dict_threshold` of its values, else DIRECT_V2; binary DIRECT_V2;
 * decimal varint + RLE v2 scale; timestamp seconds since 2015-01-01 UTC +
 * encoded nanos, writer_timezone "UTC". PRESENT streams only in stripes with
 * nulls. Row index every `row_index_stride` rows, file/stripe/row-group
 * statistics.
 *
 * Sorted mode: with sort_key set, each row's key (compared column by column
 * with floe_value_compare) must be >= the previous row's (> with
 * sort_strict); an out-of-order row fails with FLOE_ERR_BAD_INPUT.
 *
 * Ownership: the writer borrows `out` (the caller finishes and destroys it
 * after floe_orc_writer_close) and copies the schema and options. Values
 * passed to add_row are copied before it returns.
 * Errors: any failure makes the writer sticky-failed: later calls return
 * FLOE_ERR_STATE, and the partial output must be discarded.
 * Thread-safety: one writer, one thread.
 */
#ifndef FLOE_ORC_WRITER_H
#define FLOE_ORC_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "floe_io.h"
#include "floe_schema.h"
#include "floe_status.h"
#include "floe_value.h"
#include "orc_compress.h"

typedef struct floe_orc_attr {
    size_t column; /* index in the schema */
    const char *key;
    const char *value;
} floe_orc_attr;

typedef struct floe_orc_writer_opts {
    floe_orc_codec codec;      /* default ZSTD */
    int codec_level;           /* 0 = codec default */
    size_t block_size;         /* compression chunk size, default 256 KiB */
    uint64_t stripe_size;      /* default 64 MiB of buffered stream bytes */
    uint32_t row_index_stride; /* default 10000; 0 = no row index */
    double dict_threshold;     /* default 0.8 */
    const size_t *sort_key;    /* column indexes, or NULL */
    size_t nsort_key;
    int sort_strict;           /* keys strictly increasing */
    const uint8_t *no_iceberg_attrs; /* per column: 1 = omit iceberg.* attrs */
    const floe_orc_attr *attrs;      /* extra type attributes */
    size_t nattrs;
} floe_orc_writer_opts;

/* Fill opts with the defaults above. */
void floe_orc_writer_opts_init(floe_orc_writer_opts *opts);

typedef struct floe_orc_writer floe_orc_writer;

floe_status floe_orc_writer_open(floe_output *out, const floe_schema *schema,
                                 const floe_orc_writer_opts *opts, floe_orc_writer **w,
                                 floe_err *err);
/* vals has one value per schema column; string/binary bytes are resolved
 * with floe_value_bytes(val, arena). */
floe_status floe_orc_writer_add_row(floe_orc_writer *w, const floe_value *vals,
                                    const floe_buf *arena, floe_err *err);
/* The same row given in two parts: the first ncols - ntail columns from
 * vals, the last ntail from tail (saves callers that append columns, such
 * as the LSM's system columns, a copy of every row). Sort keys must lie in
 * vals. */
floe_status floe_orc_writer_add_row_tail(floe_orc_writer *w, const floe_value *vals,
                                         const floe_buf *arena, const floe_value *tail,
                                         size_t ntail, floe_err *err);
/* Key-value user metadata stored in the footer (e.g. floe's own facts). */
floe_status floe_orc_writer_add_user_metadata(floe_orc_writer *w, const char *name,
                                              const void *value, size_t len, floe_err *err);
/* Write the last stripe and the file tail. The output is not finished. */
floe_status floe_orc_writer_close(floe_orc_writer *w, floe_err *err);
uint64_t floe_orc_writer_rows(const floe_orc_writer *w);
void floe_orc_writer_destroy(floe_orc_writer *w);

/* 0 when a timestamp (UTC micros) cannot be stored exactly: ORC readers
 * read 1969-12-31T23:59:59.001000 .. 23:59:59.999999 (a negative epoch
 * second with at least a millisecond of fraction) one second late
 * (ORC-645), so the writer and the engine refuse them. */
static inline int floe_orc_timestamp_storable(int64_t micros) {
    return !(micros >= -999000 && micros <= -1);
}

/* ORC's timestamp epoch: 2015-01-01T00:00:00Z in seconds since 1970. */
#define FLOE_ORC_TS_BASE 1420070400LL

#endif
