/*
 * orc_reader.h: reads ORC v1 files of flat rows (a root struct of
 * primitive columns), stripe by stripe, with column projection.
 *
 * Reads what floe's writer produces and what Apache ORC writers (Java, C++
 * in pyarrow/pyorc) produce for the same types: RLE v2 integers in all four
 * sub-encodings, DIRECT_V2 and DICTIONARY_V2 strings, PRESENT streams, and
 * the NONE, ZLIB, LZ4 and ZSTD codecs. RLE v1 encodings, nested types,
 * SNAPPY/LZO/BROTLI, and timestamps written in a time zone other than UTC
 * are refused with FLOE_ERR_UNSUPPORTED.
 *
 * Hostile input: every length and offset from the file is checked against
 * the file size before use; a truncated, corrupt or crafted file yields
 * FLOE_ERR_TRUNCATED or FLOE_ERR_CORRUPT with the file, stripe and column
 * named; memory is bounded by `max_stripe_bytes` of decompressed streams
 * for the selected columns of one stripe (FLOE_ERR_LIMIT beyond it), plus
 * the footer.
 *
 * Ownership: the reader borrows `in` (the caller closes it after
 * floe_orc_reader_close). Values in a batch point into the reader's stripe
 * buffers: they are valid until the next floe_orc_reader_next or close.
 * Thread-safety: one reader, one thread; distinct readers are independent.
 */
#ifndef FLOE_ORC_READER_H
#define FLOE_ORC_READER_H

#include <stddef.h>
#include <stdint.h>

#include "floe_io.h"
#include "floe_schema.h"
#include "floe_status.h"
#include "floe_value.h"
#include "orc_compress.h"
#include "orc_format.pb-c.h"

typedef struct floe_orc_reader_opts {
    uint64_t max_stripe_bytes; /* default 1 GiB */
    size_t batch_rows;         /* default 1024 */
    int row_major;             /* batches by row (floe_orc_batch.rows), not by column */
} floe_orc_reader_opts;

typedef struct floe_orc_reader floe_orc_reader;

typedef struct floe_orc_batch {
    size_t nrows;
    size_t ncols;        /* selected columns */
    floe_value **cols;   /* cols[c][row]; bytes set via .ptr (NULL with row_major) */
    floe_value *rows;    /* row_major: row r's values at rows[r * ncols + c] (else NULL) */
} floe_orc_batch;

floe_status floe_orc_reader_open(floe_input *in, const floe_orc_reader_opts *opts,
                                 floe_orc_reader **out, floe_err *err);
void floe_orc_reader_close(floe_orc_reader *r);

/* The file's columns: names, types, ids from `iceberg.id` attributes,
 * nullable from `iceberg.required`. A column without an id (floe's system
 * columns) has id 0; a file where no column has one is numbered 1..n. */
const floe_schema *floe_orc_reader_schema(const floe_orc_reader *r);
uint64_t floe_orc_reader_num_rows(const floe_orc_reader *r);
/* Decoded tail; valid until close. */
const FloeOrc__PostScript *floe_orc_reader_postscript(const floe_orc_reader *r);
const FloeOrc__Footer *floe_orc_reader_footer(const floe_orc_reader *r);
/* Stripe statistics (may be NULL when the file has none). */
const FloeOrc__Metadata *floe_orc_reader_metadata(const floe_orc_reader *r);
/* Read and decode stripe i's footer; free with
 * floe_orc__stripe_footer__free_unpacked(f, NULL). */
floe_status floe_orc_reader_stripe_footer(floe_orc_reader *r, size_t i,
                                          FloeOrc__StripeFooter **out, floe_err *err);

/* Read only these schema columns, in this order (default: all). Must be
 * called before the first next. */
floe_status floe_orc_reader_select(floe_orc_reader *r, const size_t *cols, size_t n,
                                   floe_err *err);
/* Next batch of up to batch_rows rows; b->nrows == 0 at the end. */
floe_status floe_orc_reader_next(floe_orc_reader *r, floe_orc_batch *b, floe_err *err);

#endif
