/*
 * orc_rle.h: the run-length encodings of ORC v1 (specification sections
 * "Run Length Encoding": byte RLE, boolean RLE, integer RLE version 2).
 *
 * Encoders append uncompressed stream bytes to a floe_buf. The integer RLE
 * v2 encoder buffers up to 512 values and picks, per run, the cheapest of
 * SHORT_REPEAT, DIRECT, PATCHED_BASE and DELTA the way a good writer does
 * (fixed-delta runs such as sorted keys and sequence numbers become DELTA).
 * `flush` ends the current run so the next value starts a new run at the
 * current end of the output: the ORC writer flushes at every row-group
 * boundary and records the output offset as the row index position.
 * (Without a flush, (out->len, e->n) is a valid position too: the buffered
 * values are all written after out->len, so skipping e->n values from
 * there lands on the next value.)
 *
 * Decoders read a whole uncompressed stream held in memory (pointer and
 * length). They never read outside it and never allocate: malformed input
 * returns FLOE_ERR_CORRUPT ("integer RLEv2: DELTA run at byte 1234 ...")
 * and running out of bytes returns FLOE_ERR_TRUNCATED; callers prefix the
 * file, stripe and column.
 *
 * Signedness: signed integer streams are zigzag-encoded; unsigned streams
 * (lengths, dictionary indexes, nanos) carry values up to 2^64-1, passed
 * around in int64_t as their bit pattern.
 *
 * Ownership: encoder and decoder structs are plain values owned by the
 * caller; init does not allocate, so there is nothing to free.
 * Thread-safety: none needed; one struct, one thread.
 */
#ifndef FLOE_ORC_RLE_H
#define FLOE_ORC_RLE_H

#include <stddef.h>
#include <stdint.h>

#include "floe_buf.h"
#include "floe_status.h"

#define FLOE_ORC_RLE2_MAX 512

/* ---- integer RLE v2 ---- */
typedef struct floe_orc_rle2_enc {
    int is_signed;
    size_t n;                         /* buffered values */
    size_t rep;                       /* length of the trailing run of equal values */
    int64_t vals[FLOE_ORC_RLE2_MAX];
} floe_orc_rle2_enc;

void floe_orc_rle2_enc_init(floe_orc_rle2_enc *e, int is_signed);
floe_status floe_orc_rle2_enc_put(floe_orc_rle2_enc *e, int64_t v, floe_buf *out,
                                  floe_err *err);
/* Same as calling put for v[0..n), without the per-value call. */
floe_status floe_orc_rle2_enc_put_n(floe_orc_rle2_enc *e, const int64_t *v, size_t n,
                                    floe_buf *out, floe_err *err);
/* Encode everything buffered; the encoder stays usable. */
floe_status floe_orc_rle2_enc_flush(floe_orc_rle2_enc *e, floe_buf *out, floe_err *err);

typedef struct floe_orc_rle2_dec {
    const uint8_t *base, *p, *end;
    int is_signed;
    /* current run */
    int64_t lit[FLOE_ORC_RLE2_MAX];
    size_t run_len, run_pos;
} floe_orc_rle2_dec;

void floe_orc_rle2_dec_init(floe_orc_rle2_dec *d, const uint8_t *data, size_t len,
                            int is_signed);
/* Read exactly n values. */
floe_status floe_orc_rle2_dec_next(floe_orc_rle2_dec *d, int64_t *out, size_t n,
                                   floe_err *err);
floe_status floe_orc_rle2_dec_skip(floe_orc_rle2_dec *d, uint64_t n, floe_err *err);
/* Restart at byte offset off (the start of a run), then skip `values`. */
floe_status floe_orc_rle2_dec_seek(floe_orc_rle2_dec *d, size_t off, uint64_t values,
                                   floe_err *err);

/* ---- byte RLE ---- */
typedef struct floe_orc_byte_enc {
    size_t n;          /* buffered bytes (a literal group or a run) */
    uint8_t buf[128];
    size_t run;        /* length of the trailing run of equal bytes in buf */
} floe_orc_byte_enc;

void floe_orc_byte_enc_init(floe_orc_byte_enc *e);
floe_status floe_orc_byte_enc_put(floe_orc_byte_enc *e, uint8_t v, floe_buf *out,
                                  floe_err *err);
/* Same as calling put for v[0..n). */
floe_status floe_orc_byte_enc_put_n(floe_orc_byte_enc *e, const uint8_t *v, size_t n,
                                    floe_buf *out, floe_err *err);
floe_status floe_orc_byte_enc_flush(floe_orc_byte_enc *e, floe_buf *out, floe_err *err);

typedef struct floe_orc_byte_dec {
    const uint8_t *base, *p, *end;
    size_t remaining; /* values left in the current group */
    int is_run;
    uint8_t run_value;
} floe_orc_byte_dec;

void floe_orc_byte_dec_init(floe_orc_byte_dec *d, const uint8_t *data, size_t len);
floe_status floe_orc_byte_dec_next(floe_orc_byte_dec *d, uint8_t *out, size_t n,
                                   floe_err *err);
floe_status floe_orc_byte_dec_skip(floe_orc_byte_dec *d, uint64_t n, floe_err *err);
floe_status floe_orc_byte_dec_seek(floe_orc_byte_dec *d, size_t off, uint64_t values,
                                   floe_err *err);

/* ---- boolean RLE (bits MSB first, then byte RLE) ---- */
typedef struct floe_orc_bool_enc {
    floe_orc_byte_enc bytes;
    uint8_t cur;
    int nbits; /* bits in cur */
} floe_orc_bool_enc;

void floe_orc_bool_enc_init(floe_orc_bool_enc *e);
floe_status floe_orc_bool_enc_put(floe_orc_bool_enc *e, int bit, floe_buf *out,
                                  floe_err *err);
/* Same as calling put for bits[0..n) (each 0 or nonzero). */
floe_status floe_orc_bool_enc_put_n(floe_orc_bool_enc *e, const uint8_t *bits, size_t n,
                                    floe_buf *out, floe_err *err);
/* Row-group boundary: flush complete bytes' runs to out, keep the partial
 * byte; *pending_bits = bits already in the partial byte (the 4th position
 * of a boolean stream in the row index). */
floe_status floe_orc_bool_enc_mark(floe_orc_bool_enc *e, floe_buf *out, int *pending_bits,
                                   floe_err *err);
/* End of stream: pad the partial byte with zero bits and flush. */
floe_status floe_orc_bool_enc_finish(floe_orc_bool_enc *e, floe_buf *out, floe_err *err);

typedef struct floe_orc_bool_dec {
    floe_orc_byte_dec bytes;
    uint8_t cur;
    int nbits; /* unread bits left in cur */
} floe_orc_bool_dec;

void floe_orc_bool_dec_init(floe_orc_bool_dec *d, const uint8_t *data, size_t len);
/* out[i] = 0 or 1 */
floe_status floe_orc_bool_dec_next(floe_orc_bool_dec *d, uint8_t *out, size_t n,
                                   floe_err *err);
floe_status floe_orc_bool_dec_skip(floe_orc_bool_dec *d, uint64_t n, floe_err *err);
floe_status floe_orc_bool_dec_seek(floe_orc_bool_dec *d, size_t off, uint64_t byte_values,
                                   int bits, floe_err *err);

#endif
