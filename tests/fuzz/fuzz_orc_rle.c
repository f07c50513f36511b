/*
 * fuzz_orc_rle.c: libFuzzer target for the ORC run-length codecs.
 *
 * The first input byte selects the mode, the rest is the payload:
 *   0 integer RLEv2 decoder, unsigned     1 integer RLEv2 decoder, signed
 *   2 byte RLE decoder                    3 boolean RLE decoder
 *   4 integer RLEv2 encoder round trip (payload = values), unsigned
 *   5 the same, signed
 * Decoders read everything in varying chunks, then again with skips and a
 * seek, and must agree with themselves; statuses other than OK, TRUNCATED
 * and CORRUPT abort. Encoder round trips must give back the values.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "orc_rle.h"

#define MAXV 65536

static int64_t vals[MAXV], got[MAXV];
static uint8_t bvals[MAXV], bgot[MAXV];

static void check_status(floe_status s) {
    if (s != FLOE_OK && s != FLOE_ERR_TRUNCATED && s != FLOE_ERR_CORRUPT) abort();
}

static void fuzz_rle2_dec(const uint8_t *data, size_t size, int sg) {
    static floe_orc_rle2_dec d;
    floe_err err;
    size_t n = 0;
    floe_status s = FLOE_OK;
    floe_orc_rle2_dec_init(&d, data, size, sg);
    for (size_t step = 1; n < MAXV; step = step % 700 + 13) {
        size_t k = step < MAXV - n ? step : MAXV - n;
        s = floe_orc_rle2_dec_next(&d, vals + n, k, &err);
        if (s != FLOE_OK) break;
        n += k;
    }
    check_status(s);
    /* values before the failing chunk are good; find how many exactly */
    if (s != FLOE_OK) {
        floe_orc_rle2_dec_init(&d, data, size, sg);
        size_t m = 0;
        while (m < MAXV && floe_orc_rle2_dec_next(&d, vals + m, 1, &err) == FLOE_OK) m++;
        if (m < n) abort();
        n = m;
    }
    /* again with skips */
    floe_orc_rle2_dec_init(&d, data, size, sg);
    for (size_t i = 0, step = 1; i < n; step = step * 3 % 1031 + 1) {
        size_t k = step < n - i ? step : n - i;
        if (step & 1) {
            if (floe_orc_rle2_dec_skip(&d, k, &err) != FLOE_OK) abort();
        } else {
            if (floe_orc_rle2_dec_next(&d, got, k, &err) != FLOE_OK) abort();
            if (memcmp(got, vals + i, k * sizeof *got) != 0) abort();
        }
        i += k;
    }
    /* a seek to every byte offset must never misbehave */
    for (size_t off = 0; off <= size && off < 16; off++) {
        s = floe_orc_rle2_dec_seek(&d, off, off * 7, &err);
        check_status(s);
        if (s == FLOE_OK) check_status(floe_orc_rle2_dec_next(&d, got, 5, &err));
    }
    check_status(floe_orc_rle2_dec_seek(&d, size + 1, 0, &err));
}

static void fuzz_byte_dec(const uint8_t *data, size_t size) {
    floe_orc_byte_dec d;
    floe_err err;
    size_t n = 0;
    floe_status s = FLOE_OK;
    floe_orc_byte_dec_init(&d, data, size);
    for (size_t step = 1; n < MAXV; step = step % 300 + 7) {
        size_t k = step < MAXV - n ? step : MAXV - n;
        s = floe_orc_byte_dec_next(&d, bvals + n, k, &err);
        if (s != FLOE_OK) break;
        n += k;
    }
    if (s != FLOE_OK && s != FLOE_ERR_TRUNCATED) abort();
    floe_orc_byte_dec_init(&d, data, size);
    for (size_t i = 0, step = 1; i < n; step = step * 5 % 257 + 1) {
        size_t k = step < n - i ? step : n - i;
        if (step & 1) {
            if (floe_orc_byte_dec_skip(&d, k, &err) != FLOE_OK) abort();
        } else {
            if (floe_orc_byte_dec_next(&d, bgot, k, &err) != FLOE_OK) abort();
            if (memcmp(bgot, bvals + i, k) != 0) abort();
        }
        i += k;
    }
    for (size_t off = 0; off <= size + 1 && off < 16; off++)
        check_status(floe_orc_byte_dec_seek(&d, off, off * 3, &err));
}

static void fuzz_bool_dec(const uint8_t *data, size_t size) {
    floe_orc_bool_dec d;
    floe_err err;
    size_t n = 0;
    floe_status s = FLOE_OK;
    floe_orc_bool_dec_init(&d, data, size);
    for (size_t step = 1; n < MAXV; step = step % 100 + 3) {
        size_t k = step < MAXV - n ? step : MAXV - n;
        s = floe_orc_bool_dec_next(&d, bvals + n, k, &err);
        if (s != FLOE_OK) break;
        n += k;
    }
    if (s != FLOE_OK && s != FLOE_ERR_TRUNCATED) abort();
    floe_orc_bool_dec_init(&d, data, size);
    for (size_t i = 0, step = 1; i < n; step = step * 7 % 131 + 1) {
        size_t k = step < n - i ? step : n - i;
        if (step & 1) {
            if (floe_orc_bool_dec_skip(&d, k, &err) != FLOE_OK) abort();
        } else {
            if (floe_orc_bool_dec_next(&d, bgot, k, &err) != FLOE_OK) abort();
            if (memcmp(bgot, bvals + i, k) != 0) abort();
            for (size_t j = 0; j < k; j++)
                if (bgot[j] > 1) abort();
        }
        i += k;
    }
    for (int bits = -1; bits <= 9; bits++)
        check_status(floe_orc_bool_dec_seek(&d, (size_t)(bits + 1), 2, bits, &err));
}

/* Values from the payload: each control byte picks how the next value is
 * made, so that runs, sequences, outliers and full-width values all occur. */
static void fuzz_rle2_roundtrip(const uint8_t *data, size_t size, int sg) {
    static floe_orc_rle2_enc e;
    static floe_orc_rle2_dec d;
    static size_t flush_at[MAXV];
    floe_buf out = FLOE_BUF_INIT;
    floe_err err;
    size_t n = 0, nf = 0, i = 0;
    int64_t prev = 0, step = 1;
    while (i < size && n < MAXV) {
        unsigned c = data[i++];
        unsigned reps = (c >> 3) + 1;
        uint64_t x = 0;
        unsigned nb = c & 7;
        for (unsigned k = 0; k <= nb && i < size; k++) x = (x << 8) | data[i++];
        for (unsigned r = 0; r < reps && n < MAXV; r++) {
            switch (nb & 3) {
            case 0: vals[n] = prev; break;                                 /* repeat */
            case 1: vals[n] = (int64_t)((uint64_t)prev + (uint64_t)step); break; /* sequence */
            case 2: vals[n] = (int64_t)x; break;                           /* literal */
            default: vals[n] = (int64_t)(x >> (r % 64)); break;            /* shrinking */
            }
            prev = vals[n++];
        }
        step = (int64_t)(x & 0xff) - 128;
        if ((c & 0xc0) == 0xc0) flush_at[nf++] = n;
    }
    floe_orc_rle2_enc_init(&e, sg);
    size_t f = 0, at = 0;
    for (size_t j = 0; j < n; j++) {
        if (floe_orc_rle2_enc_put(&e, vals[j], &out, &err) != FLOE_OK) abort();
        if (f < nf && flush_at[f] == j + 1) {
            if (floe_orc_rle2_enc_flush(&e, &out, &err) != FLOE_OK) abort();
            if (f == nf / 2) at = j + 1;
            /* remember the offset of the middle flush in flush_at's slot */
            if (f == nf / 2) flush_at[f] = out.len;
            f++;
        }
    }
    if (floe_orc_rle2_enc_flush(&e, &out, &err) != FLOE_OK) abort();
    floe_orc_rle2_dec_init(&d, out.data, out.len, sg);
    if (floe_orc_rle2_dec_next(&d, got, n, &err) != FLOE_OK) abort();
    if (memcmp(got, vals, n * sizeof *got) != 0) abort();
    if (d.p != d.end) abort();
    if (nf > 0 && at > 0 && at < n) {
        if (floe_orc_rle2_dec_seek(&d, flush_at[nf / 2], 0, &err) != FLOE_OK) abort();
        if (floe_orc_rle2_dec_next(&d, got, n - at, &err) != FLOE_OK) abort();
        if (memcmp(got, vals + at, (n - at) * sizeof *got) != 0) abort();
    }
    floe_buf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size == 0) return 0;
    unsigned mode = data[0] % 6;
    data++;
    size--;
    switch (mode) {
    case 0: fuzz_rle2_dec(data, size, 0); break;
    case 1: fuzz_rle2_dec(data, size, 1); break;
    case 2: fuzz_byte_dec(data, size); break;
    case 3: fuzz_bool_dec(data, size); break;
    case 4: fuzz_rle2_roundtrip(data, size, 0); break;
    default: fuzz_rle2_roundtrip(data, size, 1); break;
    }
    return 0;
}
