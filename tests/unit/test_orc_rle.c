/*
 * test_orc_rle.c: ORC byte RLE, boolean RLE and integer RLE v2 — the
 * specification's worked examples byte for byte, the encoder's choice of
 * sub-encoding, seeded random round trips with flushes, skips and seeks,
 * and hostile input (every prefix, random byte flips, hand-made corrupt runs).
 */
#include <limits.h>
#include <stdint.h>

#include "floe_test.h"
#include "orc_rle.h"

/* ---- helpers ---- */

static uint64_t rng_state;
static void rng_seed(uint64_t s) { rng_state = s * 0x9e3779b97f4a7c15ull + 1; }
static uint64_t rng(void) { /* splitmix64 */
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t rng_below(uint64_t n) { return n ? rng() % n : 0; }

/* Encode vals (flushing at the end) into out. */
static void enc_all(int is_signed, const int64_t *vals, size_t n, floe_buf *out) {
    floe_orc_rle2_enc *e = malloc(sizeof *e);
    floe_err err = {0};
    FT_CHECK(e != NULL);
    floe_orc_rle2_enc_init(e, is_signed);
    for (size_t i = 0; i < n; i++) {
        floe_status s = floe_orc_rle2_enc_put(e, vals[i], out, &err);
        if (s != FLOE_OK) {
            free(e);
            FT_OK(s, &err);
        }
    }
    floe_status s = floe_orc_rle2_enc_flush(e, out, &err);
    free(e);
    FT_OK(s, &err);
}

static void check_enc(int is_signed, const int64_t *vals, size_t n, const uint8_t *want,
                      size_t want_len) {
    floe_buf out = FLOE_BUF_INIT;
    enc_all(is_signed, vals, n, &out);
    size_t got_len = out.len;
    int same = got_len == want_len && memcmp(out.data, want, want_len) == 0;
    if (!same) {
        fprintf(stderr, "got:");
        for (size_t i = 0; i < got_len; i++) fprintf(stderr, " %02x", out.data[i]);
        fprintf(stderr, "\n");
    }
    floe_buf_free(&out);
    FT_EQ_U64(got_len, want_len);
    FT_CHECK(same);
}

static void check_dec(int is_signed, const uint8_t *data, size_t len, const int64_t *want,
                      size_t n) {
    floe_orc_rle2_dec *d = malloc(sizeof *d);
    int64_t *got = malloc((n + 1) * sizeof *got);
    floe_err err = {0};
    FT_CHECK(d && got);
    floe_orc_rle2_dec_init(d, data, len, is_signed);
    floe_status s = floe_orc_rle2_dec_next(d, got, n, &err);
    int same = s == FLOE_OK && memcmp(got, want, n * sizeof *got) == 0;
    size_t left = (size_t)(d->end - d->p) + (d->run_len - d->run_pos);
    /* and nothing more */
    floe_status s2 = s == FLOE_OK ? floe_orc_rle2_dec_next(d, got, 1, &err) : FLOE_OK;
    free(d);
    free(got);
    FT_OK(s, &err);
    FT_CHECK(same);
    FT_EQ_U64(left, 0);
    FT_EQ_INT(s2, FLOE_ERR_TRUNCATED);
}

/* ---- the specification's examples ---- */

static void test_spec_short_repeat(void) {
    const int64_t v[] = {10000, 10000, 10000, 10000, 10000};
    const uint8_t b[] = {0x0a, 0x27, 0x10};
    check_enc(0, v, 5, b, sizeof b);
    check_dec(0, b, sizeof b, v, 5);
}

static void test_spec_direct(void) {
    const int64_t v[] = {23713, 43806, 57005, 48879};
    const uint8_t b[] = {0x5e, 0x03, 0x5c, 0xa1, 0xab, 0x1e, 0xde, 0xad, 0xbe, 0xef};
    check_enc(0, v, 4, b, sizeof b);
    check_dec(0, b, sizeof b, v, 4);
}

static void test_spec_patched_base(void) {
    const int64_t v[] = {2030, 2000, 2020, 1000000, 2040, 2050, 2060, 2070, 2080, 2090,
                         2100, 2110, 2120, 2130, 2140, 2150, 2160, 2170, 2180, 2190};
    const uint8_t b[] = {0x8e, 0x13, 0x2b, 0x21, 0x07, 0xd0, 0x1e, 0x00, 0x14, 0x70,
                         0x28, 0x32, 0x3c, 0x46, 0x50, 0x5a, 0x64, 0x6e, 0x78, 0x82,
                         0x8c, 0x96, 0xa0, 0xaa, 0xb4, 0xbe, 0xfc, 0xe8};
    check_enc(0, v, 20, b, sizeof b);
    check_dec(0, b, sizeof b, v, 20);
    /* the same values in a signed stream also decode (PATCHED_BASE has no zigzag) */
    check_dec(1, b, sizeof b, v, 20);
}

static void test_spec_delta(void) {
    const int64_t v[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
    const uint8_t b[] = {0xc6, 0x09, 0x02, 0x02, 0x22, 0x42, 0x42, 0x46};
    check_enc(0, v, 10, b, sizeof b);
    check_dec(0, b, sizeof b, v, 10);
}

static void test_spec_byte_rle(void) {
    floe_err err = {0};
    floe_buf out = FLOE_BUF_INIT;
    floe_orc_byte_enc e;
    floe_orc_byte_enc_init(&e);
    for (int i = 0; i < 100; i++) FT_OK(floe_orc_byte_enc_put(&e, 0, &out, &err), &err);
    FT_OK(floe_orc_byte_enc_flush(&e, &out, &err), &err);
    const uint8_t a[] = {0x61, 0x00};
    FT_EQ_U64(out.len, sizeof a);
    FT_EQ_MEM(out.data, a, sizeof a);
    floe_buf_reset(&out);
    FT_OK(floe_orc_byte_enc_put(&e, 0x44, &out, &err), &err);
    FT_OK(floe_orc_byte_enc_put(&e, 0x45, &out, &err), &err);
    FT_OK(floe_orc_byte_enc_flush(&e, &out, &err), &err);
    const uint8_t b[] = {0xfe, 0x44, 0x45};
    FT_EQ_U64(out.len, sizeof b);
    FT_EQ_MEM(out.data, b, sizeof b);
    floe_buf_free(&out);

    floe_orc_byte_dec d;
    uint8_t got[100];
    floe_orc_byte_dec_init(&d, a, sizeof a);
    FT_OK(floe_orc_byte_dec_next(&d, got, 100, &err), &err);
    for (int i = 0; i < 100; i++) FT_EQ_INT(got[i], 0);
    FT_EQ_INT(floe_orc_byte_dec_next(&d, got, 1, &err), FLOE_ERR_TRUNCATED);
    floe_orc_byte_dec_init(&d, b, sizeof b);
    FT_OK(floe_orc_byte_dec_next(&d, got, 2, &err), &err);
    FT_EQ_INT(got[0], 0x44);
    FT_EQ_INT(got[1], 0x45);
}

static void test_spec_boolean(void) {
    floe_err err = {0};
    floe_buf out = FLOE_BUF_INIT;
    floe_orc_bool_enc e;
    floe_orc_bool_enc_init(&e);
    FT_OK(floe_orc_bool_enc_put(&e, 1, &out, &err), &err);
    for (int i = 0; i < 7; i++) FT_OK(floe_orc_bool_enc_put(&e, 0, &out, &err), &err);
    FT_OK(floe_orc_bool_enc_finish(&e, &out, &err), &err);
    const uint8_t b[] = {0xff, 0x80};
    FT_EQ_U64(out.len, sizeof b);
    FT_EQ_MEM(out.data, b, sizeof b);
    floe_buf_free(&out);

    floe_orc_bool_dec d;
    uint8_t got[8];
    floe_orc_bool_dec_init(&d, b, sizeof b);
    FT_OK(floe_orc_bool_dec_next(&d, got, 8, &err), &err);
    const uint8_t want[8] = {1, 0, 0, 0, 0, 0, 0, 0};
    FT_EQ_MEM(got, want, 8);

    /* a partial byte is padded with zero bits */
    floe_orc_bool_enc_init(&e);
    FT_OK(floe_orc_bool_enc_put(&e, 1, &out, &err), &err);
    FT_OK(floe_orc_bool_enc_put(&e, 1, &out, &err), &err);
    FT_OK(floe_orc_bool_enc_put(&e, 0, &out, &err), &err);
    FT_OK(floe_orc_bool_enc_put(&e, 1, &out, &err), &err);
    FT_OK(floe_orc_bool_enc_finish(&e, &out, &err), &err);
    const uint8_t c[] = {0xff, 0xd0};
    FT_EQ_U64(out.len, sizeof c);
    FT_EQ_MEM(out.data, c, sizeof c);
    floe_buf_free(&out);
}

/* ---- encoder choices ---- */

static int first_kind(const floe_buf *b) { return b->len ? b->data[0] >> 6 : -1; }

static void test_choice_sorted_is_delta(void) {
    int64_t v[2000];
    floe_buf out = FLOE_BUF_INIT;
    /* a fixed delta: one tiny DELTA run per 512 values */
    for (int i = 0; i < 512; i++) v[i] = 1000000 + 3 * (int64_t)i;
    enc_all(1, v, 512, &out);
    FT_EQ_INT(first_kind(&out), 3);
    FT_EQ_INT(out.data[0] & 0x3e, 0); /* width 0 */
    FT_CHECK(out.len <= 8);
    check_dec(1, out.data, out.len, v, 512);
    floe_buf_reset(&out);
    /* a descending sequence counts too, in an unsigned stream */
    for (int i = 0; i < 512; i++) v[i] = 5000 - (int64_t)i;
    enc_all(0, v, 512, &out);
    FT_EQ_INT(first_kind(&out), 3);
    FT_CHECK(out.len <= 8);
    check_dec(0, out.data, out.len, v, 512);
    floe_buf_reset(&out);
    /* 2000 sequence numbers: four runs, a handful of bytes each */
    for (int i = 0; i < 2000; i++) v[i] = i + 1;
    enc_all(0, v, 2000, &out);
    FT_CHECK(out.len <= 4 * 6);
    check_dec(0, out.data, out.len, v, 2000);
    floe_buf_reset(&out);
    /* sorted with varying gaps: DELTA with small packed deltas */
    rng_seed(7);
    int64_t x = -1000000;
    for (int i = 0; i < 512; i++) v[i] = x += 1 + (int64_t)rng_below(200);
    enc_all(1, v, 512, &out);
    FT_EQ_INT(first_kind(&out), 3);
    FT_EQ_INT(out.data[0] & 0x3e, 7 << 1); /* 8-bit deltas */
    FT_CHECK(out.len <= 2 + 4 + 2 + 510);
    check_dec(1, out.data, out.len, v, 512);
    floe_buf_free(&out);
}

static void test_choice_repeats(void) {
    int64_t v[600];
    floe_buf out = FLOE_BUF_INIT;
    /* 11..512 equal values: a width-0 DELTA run with delta 0 */
    for (int i = 0; i < 600; i++) v[i] = -7;
    enc_all(1, v, 100, &out);
    const uint8_t b[] = {0xc0, 99, 13, 0};
    FT_EQ_U64(out.len, sizeof b);
    FT_EQ_MEM(out.data, b, sizeof b);
    floe_buf_reset(&out);
    /* 600 = 512 + 88 */
    enc_all(1, v, 600, &out);
    const uint8_t c[] = {0xc1, 0xff, 13, 0, 0xc0, 87, 13, 0};
    FT_EQ_U64(out.len, sizeof c);
    FT_EQ_MEM(out.data, c, sizeof c);
    floe_buf_reset(&out);
    /* 1 2 3 3 3 3: DIRECT [1 2], SHORT_REPEAT 3 x4 */
    const int64_t w[] = {1, 2, 3, 3, 3, 3};
    enc_all(0, w, 6, &out);
    const uint8_t d[] = {0x42, 0x01, 0x60, 0x01, 0x03};
    FT_EQ_U64(out.len, sizeof d);
    FT_EQ_MEM(out.data, d, sizeof d);
    floe_buf_free(&out);
}

static void test_choice_patched_and_direct(void) {
    int64_t v[512];
    floe_buf out = FLOE_BUF_INIT;
    /* small random values with a few huge outliers: PATCHED_BASE */
    rng_seed(11);
    for (int i = 0; i < 512; i++) v[i] = (int64_t)rng_below(1000);
    v[17] = 1ll << 40;
    v[300] = 1ll << 50;
    v[511] = 123456789012ll;
    enc_all(0, v, 512, &out);
    FT_EQ_INT(first_kind(&out), 2);
    FT_CHECK(out.len < 2 + 512 * 2);
    check_dec(0, out.data, out.len, v, 512);
    floe_buf_reset(&out);
    /* random values of one width: DIRECT, aligned to 16 bits */
    for (int i = 0; i < 512; i++) v[i] = (int64_t)rng_below(1 << 12) - 2048;
    enc_all(1, v, 512, &out);
    FT_EQ_INT(first_kind(&out), 1);
    FT_EQ_U64(out.len, 2 + 512 * 2);
    check_dec(1, out.data, out.len, v, 512);
    floe_buf_reset(&out);
    /* a span beyond int64: never DELTA, whatever the order */
    const int64_t big[] = {INT64_MIN, -1, 0, INT64_MAX, INT64_MAX};
    enc_all(1, big, 5, &out);
    FT_EQ_INT(first_kind(&out), 1);
    check_dec(1, out.data, out.len, big, 5);
    floe_buf_reset(&out);
    const int64_t big2[] = {INT64_MIN, 0, 1, INT64_MAX};
    enc_all(1, big2, 4, &out);
    FT_EQ_INT(first_kind(&out), 1);
    check_dec(1, out.data, out.len, big2, 4);
    floe_buf_reset(&out);
    /* unsigned full range */
    const int64_t u[] = {0, -1, 1, INT64_MIN, INT64_MAX, -2};
    enc_all(0, u, 6, &out);
    check_dec(0, out.data, out.len, u, 6);
    floe_buf_free(&out);
}

/* ---- random round trips ---- */

static int64_t gen_value(int dist, size_t i, int64_t prev) {
    switch (dist) {
    case 0: return 42;                                         /* constant */
    case 1: return (int64_t)rng_below(16);                     /* small */
    case 2: return (int64_t)rng();                             /* anything */
    case 3: return -(int64_t)rng_below(1000000) - 1;           /* negative */
    case 4: {                                                  /* extremes */
        static const int64_t ex[] = {INT64_MIN, INT64_MAX, 0, -1, 1, INT64_MIN + 1,
                                     INT64_MAX - 1};
        return ex[rng_below(7)];
    }
    case 5:                                                    /* outliers */
        return rng_below(50) == 0 ? (int64_t)(rng() >> rng_below(64))
                                  : (int64_t)rng_below(300);
    case 6: return prev + (int64_t)rng_below(1000);            /* increasing */
    case 7: return prev - (int64_t)rng_below(5);               /* decreasing */
    case 8: return (int64_t)(i * 17 + 5);                      /* fixed delta */
    case 9: {                                                  /* random width */
        unsigned w = (unsigned)rng_below(64);
        uint64_t x = rng() >> w;
        return (int64_t)(rng() & 1 ? x : (uint64_t)0 - x);
    }
    case 10:                                                   /* runs */
        return rng_below(6) == 0 ? (int64_t)rng_below(4) * 1000003 : prev;
    case 11: return (int64_t)((uint64_t)INT64_MAX + rng_below(3)); /* around 2^63 */
    case 12: return (int64_t)(i / 7) * 3 - 9000;              /* stairs */
    default:                                                   /* mixture */
        return gen_value((int)rng_below(12), i, prev);
    }
}

static void fill(int64_t *v, size_t n, int dist) {
    int64_t prev = (int64_t)rng_below(1000) - 500;
    int sub = -1;
    for (size_t i = 0; i < n; i++) {
        if (dist == 13 && (i % 64) == 0) sub = (int)rng_below(13);
        int dd = dist == 13 ? sub : dist;
        /* avoid signed overflow in the generators */
        if ((dd == 6 && prev > INT64_MAX / 2) || (dd == 7 && prev < INT64_MIN / 2)) prev = 0;
        v[i] = prev = gen_value(dd, i, prev);
    }
}

typedef struct mark {
    size_t off;   /* output length at the flush */
    size_t index; /* values written before it */
} mark;

static void roundtrip_one(int is_signed, const int64_t *v, size_t n, int flushes) {
    floe_err err = {0};
    floe_buf out = FLOE_BUF_INIT;
    floe_orc_rle2_enc *e = malloc(sizeof *e);
    floe_orc_rle2_dec *d = malloc(sizeof *d);
    int64_t *got = malloc((n + 1) * sizeof *got);
    mark *marks = malloc((n + 2) * sizeof *marks);
    size_t nm = 0;
    FT_CHECK(e && d && got && marks);
    floe_orc_rle2_enc_init(e, is_signed);
    marks[nm++] = (mark){0, 0};
    size_t i = 0;
    while (i < n) {
        size_t k = 1 + (size_t)rng_below(flushes ? 700 : n);
        if (k > n - i) k = n - i;
        if (rng() & 1) {
            FT_OK(floe_orc_rle2_enc_put_n(e, v + i, k, &out, &err), &err);
        } else {
            for (size_t j = 0; j < k; j++)
                FT_OK(floe_orc_rle2_enc_put(e, v[i + j], &out, &err), &err);
        }
        i += k;
        if (flushes) {
            FT_OK(floe_orc_rle2_enc_flush(e, &out, &err), &err);
            marks[nm++] = (mark){out.len, i};
        } else {
            /* a position without a flush: the buffered values follow out.len */
            marks[nm++] = (mark){out.len, i - e->n};
        }
    }
    FT_OK(floe_orc_rle2_enc_flush(e, &out, &err), &err);
    FT_OK(floe_orc_rle2_enc_flush(e, &out, &err), &err); /* idempotent */

    /* whole stream, in random chunk sizes */
    floe_orc_rle2_dec_init(d, out.data, out.len, is_signed);
    for (i = 0; i < n;) {
        size_t k = 1 + (size_t)rng_below(600);
        if (k > n - i) k = n - i;
        FT_OK(floe_orc_rle2_dec_next(d, got + i, k, &err), &err);
        i += k;
    }
    if (memcmp(got, v, n * sizeof *v) != 0) {
        for (i = 0; i < n && got[i] == v[i]; i++) {}
        fprintf(stderr, "signed=%d n=%zu: value %zu is %lld, wrote %lld\n", is_signed, n, i,
                (long long)got[i], (long long)v[i]);
        FT_CHECK(0);
    }
    FT_CHECK(d->p == d->end);
    FT_EQ_INT(floe_orc_rle2_dec_next(d, got, 1, &err), FLOE_ERR_TRUNCATED);

    /* skips mixed with reads */
    floe_orc_rle2_dec_init(d, out.data, out.len, is_signed);
    for (i = 0; i < n;) {
        size_t k = 1 + (size_t)rng_below(300);
        if (k > n - i) k = n - i;
        if (rng() & 1) {
            FT_OK(floe_orc_rle2_dec_skip(d, k, &err), &err);
        } else {
            FT_OK(floe_orc_rle2_dec_next(d, got, k, &err), &err);
            FT_CHECK(memcmp(got, v + i, k * sizeof *v) == 0);
        }
        i += k;
    }
    /* seeks to flush points plus an offset */
    for (int t = 0; t < 20 && nm > 0; t++) {
        mark m = marks[rng_below(nm)];
        if (m.index >= n) continue;
        size_t skip = (size_t)rng_below(n - m.index);
        size_t pos = m.index + skip;
        size_t k = 1 + (size_t)rng_below(n - pos);
        /* seek from any decoder state */
        FT_OK(floe_orc_rle2_dec_seek(d, m.off, skip, &err), &err);
        FT_OK(floe_orc_rle2_dec_next(d, got, k, &err), &err);
        FT_CHECK(memcmp(got, v + pos, k * sizeof *v) == 0);
    }
    free(e);
    free(d);
    free(got);
    free(marks);
    floe_buf_free(&out);
}

static void test_rle2_random_roundtrip(void) {
    int64_t *v = malloc(5000 * sizeof *v);
    FT_CHECK(v);
    rng_seed(12345);
    for (int iter = 0; iter < 3000; iter++) {
        int dist = iter % 14;
        size_t n = 1 + (size_t)rng_below(iter % 5 == 0 ? 5000 : 2000);
        if (iter % 7 == 0) n = 1 + (size_t)rng_below(20);
        fill(v, n, dist);
        roundtrip_one(iter & 1, v, n, (iter / 2) % 3 == 0);
    }
    free(v);
}

/* Each run length 1..1100 of a few shapes, so that run boundaries at 3, 10,
 * 11, 512 and 513 are all crossed. */
static void test_rle2_lengths(void) {
    int64_t *v = malloc(1100 * sizeof *v);
    FT_CHECK(v);
    rng_seed(99);
    for (size_t n = 1; n <= 1100; n += (n < 40 || (n > 500 && n < 530) ? 1 : 37)) {
        for (int shape = 0; shape < 5; shape++) {
            for (size_t i = 0; i < n; i++) {
                switch (shape) {
                case 0: v[i] = 5; break;
                case 1: v[i] = (int64_t)i; break;
                case 2: v[i] = (int64_t)(i % 3 == 0); break;
                case 3: v[i] = i == n / 2 ? INT64_MAX : (int64_t)(i & 7); break;
                default: v[i] = i < n / 2 ? 9 : (int64_t)rng_below(3); break;
                }
            }
            roundtrip_one(0, v, n, 0);
            roundtrip_one(1, v, n, 0);
        }
    }
    free(v);
}

/* Patched runs with the gap > 255 entries (one patch at the very end). */
static void test_rle2_patch_gaps(void) {
    int64_t v[512];
    floe_buf out = FLOE_BUF_INIT;
    for (int pos = 0; pos < 512; pos += 1) {
        for (int i = 0; i < 512; i++) v[i] = i & 1 ? 10 : 3;
        v[pos] = 1ll << 33;
        if (pos > 0) v[0] = 100;
        floe_buf_reset(&out);
        enc_all(pos & 1, v, 512, &out);
        FT_EQ_INT(first_kind(&out), 2);
        check_dec(pos & 1, out.data, out.len, v, 512);
    }
    /* negative base, signed */
    for (int i = 0; i < 512; i++) v[i] = -1000 + (i * 7919) % 100;
    v[511] = INT64_MAX / 3;
    floe_buf_reset(&out);
    enc_all(1, v, 512, &out);
    FT_EQ_INT(first_kind(&out), 2);
    check_dec(1, out.data, out.len, v, 512);
    /* patch widths up to the 56-bit cap */
    for (int w = 40; w < 64; w++) {
        for (int i = 0; i < 512; i++) v[i] = i % 2;
        v[200] = (int64_t)((1ull << w) - 1);
        v[201] = (int64_t)(1ull << (w - 1));
        floe_buf_reset(&out);
        enc_all(0, v, 512, &out);
        check_dec(0, out.data, out.len, v, 512);
        floe_buf_reset(&out);
        enc_all(1, v, 512, &out);
        check_dec(1, out.data, out.len, v, 512);
    }
    floe_buf_free(&out);
}

/* Hand-built DIRECT and DELTA runs of every width code (including the
 * widths our encoder never writes), packed bit by bit here. */
static void put_bits(uint8_t *buf, size_t *bitpos, uint64_t v, unsigned w) {
    for (unsigned k = w; k-- > 0; (*bitpos)++)
        if ((v >> k) & 1) buf[*bitpos / 8] |= (uint8_t)(0x80u >> (*bitpos % 8));
}

static void test_rle2_all_widths(void) {
    static const unsigned widths[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                        12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                        23, 24, 26, 28, 30, 32, 40, 48, 56, 64};
    static const size_t lens[] = {1, 2, 3, 7, 8, 9, 15, 16, 17, 100, 511, 512};
    uint8_t *buf = malloc(8 + 512 * 8 + 64);
    int64_t want[512];
    FT_CHECK(buf);
    rng_seed(2024);
    for (unsigned code = 0; code < 32; code++) {
        unsigned w = widths[code];
        uint64_t mask = w == 64 ? ~(uint64_t)0 : ((uint64_t)1 << w) - 1;
        for (size_t li = 0; li < sizeof lens / sizeof lens[0]; li++) {
            size_t n = lens[li];
            for (int sg = 0; sg < 2; sg++) {
                /* DIRECT */
                memset(buf, 0, 8 + 512 * 8 + 64);
                buf[0] = (uint8_t)(0x40 | (code << 1) | ((n - 1) >> 8));
                buf[1] = (uint8_t)(n - 1);
                size_t bp = 16;
                for (size_t i = 0; i < n; i++) {
                    uint64_t u = rng() & mask;
                    if (rng_below(4) == 0) u = mask;
                    put_bits(buf, &bp, u, w);
                    want[i] = sg ? floe_zigzag_dec(u) : (int64_t)u;
                }
                check_dec(sg, buf, (bp + 7) / 8, want, n);
                /* DELTA (needs 2+ values; code 0 is the fixed-delta form) */
                if (n < 2 || code == 0) continue;
                memset(buf, 0, 8 + 512 * 8 + 64);
                buf[0] = (uint8_t)(0xc0 | (code << 1) | ((n - 1) >> 8));
                buf[1] = (uint8_t)(n - 1);
                int up = (int)(rng() & 1);
                uint64_t x = rng();
                size_t bp2 = 16;
                /* base and first delta as varints */
                uint64_t base = sg ? floe_zigzag_enc((int64_t)x) : x;
                while (base >= 0x80) {
                    put_bits(buf, &bp2, (base & 0x7f) | 0x80, 8);
                    base >>= 7;
                }
                put_bits(buf, &bp2, base, 8);
                int64_t d0 = up ? 5 : -5;
                put_bits(buf, &bp2, floe_zigzag_enc(d0), 8);
                want[0] = (int64_t)x;
                want[1] = (int64_t)(x += (uint64_t)d0);
                for (size_t i = 2; i < n; i++) {
                    uint64_t dd = rng() & mask;
                    put_bits(buf, &bp2, dd, w);
                    x = up ? x + dd : x - dd;
                    want[i] = (int64_t)x;
                }
                check_dec(sg, buf, (bp2 + 7) / 8, want, n);
            }
        }
    }
    free(buf);
}

/* ---- hostile input ---- */

static void test_rle2_prefixes_and_flips(void) {
    int64_t *v = malloc(3000 * sizeof *v);
    int64_t *got = malloc(3000 * sizeof *got);
    floe_orc_rle2_dec *d = malloc(sizeof *d);
    floe_buf out = FLOE_BUF_INIT;
    floe_err err = {0};
    FT_CHECK(v && got && d);
    rng_seed(4242);
    for (int iter = 0; iter < 60; iter++) {
        size_t n = 1 + (size_t)rng_below(1500);
        fill(v, n, iter % 14);
        int sg = iter & 1;
        floe_buf_reset(&out);
        enc_all(sg, v, n, &out);
        /* every prefix: TRUNCATED, and whatever was returned before is right */
        for (size_t cut = 0; cut < out.len; cut++) {
            floe_orc_rle2_dec_init(d, out.data, cut, sg);
            size_t i = 0;
            floe_status s = FLOE_OK;
            while (i < n) {
                size_t k = 1 + (size_t)rng_below(100);
                if (k > n - i) k = n - i;
                s = floe_orc_rle2_dec_next(d, got + i, k, &err);
                if (s != FLOE_OK) break;
                i += k;
            }
            FT_EQ_INT(s, FLOE_ERR_TRUNCATED);
            FT_CHECK(memcmp(got, v, i * sizeof *v) == 0);
        }
        /* random flips: any status, no crash, no overread (ASan) */
        uint8_t *copy = malloc(out.len ? out.len : 1);
        FT_CHECK(copy);
        for (int t = 0; t < 200; t++) {
            memcpy(copy, out.data, out.len);
            int flips = 1 + (int)rng_below(4);
            for (int f = 0; f < flips && out.len; f++)
                copy[rng_below(out.len)] ^= (uint8_t)(1u << rng_below(8));
            floe_orc_rle2_dec_init(d, copy, out.len, sg);
            floe_status s = FLOE_OK;
            while (s == FLOE_OK) s = floe_orc_rle2_dec_next(d, got, 97, &err);
            FT_CHECK(s == FLOE_ERR_TRUNCATED || s == FLOE_ERR_CORRUPT);
        }
        free(copy);
    }
    free(v);
    free(got);
    free(d);
    floe_buf_free(&out);
}

static floe_status dec_bytes(int sg, const uint8_t *b, size_t len, size_t n, floe_err *err) {
    static floe_orc_rle2_dec d;
    static int64_t got[1024];
    floe_orc_rle2_dec_init(&d, b, len, sg);
    return floe_orc_rle2_dec_next(&d, got, n, err);
}

static void test_rle2_corrupt_runs(void) {
    floe_err err = {0};
    /* DELTA with a width and one value */
    const uint8_t a[] = {0xc2, 0x00, 0x02, 0x02};
    FT_EQ_INT(dec_bytes(0, a, sizeof a, 1, &err), FLOE_ERR_CORRUPT);
    FT_CHECK(strstr(err.msg, "DELTA") && strstr(err.msg, "byte 0"));
    /* ... at byte 3, after a short repeat */
    const uint8_t a2[] = {0x00, 0x05, 0xc2, 0x00, 0x02, 0x02};
    FT_EQ_INT(dec_bytes(0, a2, sizeof a2, 4, &err), FLOE_ERR_CORRUPT);
    FT_CHECK(strstr(err.msg, "DELTA run at byte 2") != NULL);
    /* a varint that overflows 64 bits */
    const uint8_t b[] = {0xc0, 0x02, 0xff, 0xff, 0xff, 0xff, 0xff,
                         0xff, 0xff, 0xff, 0xff, 0x7f, 0x00};
    FT_EQ_INT(dec_bytes(0, b, sizeof b, 3, &err), FLOE_ERR_CORRUPT);
    /* the largest unsigned base is fine */
    const uint8_t b2[] = {0xc0, 0x00, 0xff, 0xff, 0xff, 0xff, 0xff,
                          0xff, 0xff, 0xff, 0xff, 0x01, 0x00};
    FT_OK(dec_bytes(0, b2, sizeof b2, 1, &err), &err);
    /* PATCHED_BASE: empty patch list */
    const uint8_t c[] = {0x80, 0x00, 0x00, 0x00, 0x01, 0x00};
    FT_EQ_INT(dec_bytes(0, c, sizeof c, 1, &err), FLOE_ERR_CORRUPT);
    FT_CHECK(strstr(err.msg, "PATCHED_BASE") != NULL);
    /* PATCHED_BASE: patch width 64 + gap width 1 */
    const uint8_t d[] = {0x80, 0x00, 0x1f, 0x01, 0x01, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    FT_EQ_INT(dec_bytes(0, d, sizeof d, 1, &err), FLOE_ERR_CORRUPT);
    /* PATCHED_BASE: a patch beyond the run (1 value, gap 1) */
    const uint8_t e[] = {0x80, 0x00, 0x00, 0x01, 0x01, 0x00, 0xc0};
    FT_EQ_INT(dec_bytes(0, e, sizeof e, 1, &err), FLOE_ERR_CORRUPT);
    /* the same with gap 0 is valid: 1 + (1 << 1) */
    const uint8_t f[] = {0x80, 0x00, 0x00, 0x01, 0x01, 0x01, 0x40};
    int64_t want = 1 + (1 << 1);
    static floe_orc_rle2_dec dd;
    int64_t got = 0;
    floe_orc_rle2_dec_init(&dd, f, sizeof f, 0);
    FT_OK(floe_orc_rle2_dec_next(&dd, &got, 1, &err), &err);
    FT_EQ_INT(got, want);
    /* PATCHED_BASE: a list that ends in a gap-only entry (gap 255, patch 0) */
    /* 512 values of 1 bit (64 bytes), then one 9-bit entry: gap 255, patch 0 */
    uint8_t g[4 + 1 + 64 + 2] = {0x81, 0xff, 0x00, 0xe1};
    g[sizeof g - 2] = 0xff;
    FT_EQ_INT(dec_bytes(0, g, sizeof g, 512, &err), FLOE_ERR_CORRUPT);
    FT_CHECK(strstr(err.msg, "gap-only") != NULL);
    g[sizeof g - 1] = 0x80; /* patch 1 at value 255: fine */
    FT_OK(dec_bytes(0, g, sizeof g, 512, &err), &err);
    /* truncated headers and bodies */
    const uint8_t h[] = {0x5e, 0x03, 0x5c, 0xa1, 0xab};
    FT_EQ_INT(dec_bytes(0, h, sizeof h, 4, &err), FLOE_ERR_TRUNCATED);
    FT_CHECK(strstr(err.msg, "DIRECT") != NULL);
    FT_EQ_INT(dec_bytes(0, h, 1, 4, &err), FLOE_ERR_TRUNCATED);
    FT_EQ_INT(dec_bytes(0, h, 0, 1, &err), FLOE_ERR_TRUNCATED);
    FT_EQ_INT(dec_bytes(0, NULL, 0, 1, &err), FLOE_ERR_TRUNCATED);
    FT_OK(dec_bytes(0, NULL, 0, 0, &err), &err);
    /* seek beyond the end */
    floe_orc_rle2_dec_init(&dd, h, sizeof h, 0);
    FT_EQ_INT(floe_orc_rle2_dec_seek(&dd, 6, 0, &err), FLOE_ERR_CORRUPT);
    FT_OK(floe_orc_rle2_dec_seek(&dd, 5, 0, &err), &err);
    /* an empty stream given as NULL */
    floe_orc_rle2_dec_init(&dd, NULL, 0, 1);
    FT_OK(floe_orc_rle2_dec_seek(&dd, 0, 0, &err), &err);
    FT_EQ_INT(floe_orc_rle2_dec_seek(&dd, 0, 1, &err), FLOE_ERR_TRUNCATED);
    FT_EQ_INT(floe_orc_rle2_dec_skip(&dd, 1, &err), FLOE_ERR_TRUNCATED);
}

/* ---- byte and boolean RLE ---- */

static void test_byte_rle_random(void) {
    floe_err err = {0};
    floe_buf out = FLOE_BUF_INIT;
    uint8_t *v = malloc(20000), *got = malloc(20000);
    mark *marks = malloc(20001 * sizeof *marks);
    FT_CHECK(v && got && marks);
    rng_seed(777);
    for (int iter = 0; iter < 400; iter++) {
        size_t n = 1 + (size_t)rng_below(iter % 3 ? 2000 : 20000);
        int mode = iter % 4;
        uint8_t cur = 0;
        for (size_t i = 0; i < n; i++) {
            if (mode == 0) cur = (uint8_t)rng();
            else if (mode == 1) cur = rng_below(8) == 0 ? (uint8_t)rng_below(3) : cur;
            else if (mode == 2) cur = (uint8_t)rng_below(2);
            else cur = rng_below(300) == 0 ? (uint8_t)rng() : cur;
            v[i] = cur;
        }
        floe_orc_byte_enc e;
        floe_orc_byte_enc_init(&e);
        floe_buf_reset(&out);
        size_t nm = 0;
        marks[nm++] = (mark){0, 0};
        for (size_t i = 0; i < n; i++) {
            FT_OK(floe_orc_byte_enc_put(&e, v[i], &out, &err), &err);
            if (rng_below(500) == 0) {
                FT_OK(floe_orc_byte_enc_flush(&e, &out, &err), &err);
                marks[nm++] = (mark){out.len, i + 1};
            }
        }
        FT_OK(floe_orc_byte_enc_flush(&e, &out, &err), &err);
        /* group sizes are within 3..130 / 1..128 */
        for (size_t p = 0; p < out.len;) {
            unsigned h = out.data[p];
            p += h < 128 ? 2 : 1 + (256 - h);
            FT_CHECK(p <= out.len);
        }
        floe_orc_byte_dec d;
        floe_orc_byte_dec_init(&d, out.data, out.len);
        for (size_t i = 0; i < n;) {
            size_t k = 1 + (size_t)rng_below(400);
            if (k > n - i) k = n - i;
            if (rng() & 1) {
                FT_OK(floe_orc_byte_dec_next(&d, got, k, &err), &err);
                FT_CHECK(memcmp(got, v + i, k) == 0);
            } else {
                FT_OK(floe_orc_byte_dec_skip(&d, k, &err), &err);
            }
            i += k;
        }
        FT_EQ_INT(floe_orc_byte_dec_next(&d, got, 1, &err), FLOE_ERR_TRUNCATED);
        if (mode == 3) FT_CHECK(out.len < n / 10 + 20);
        for (int t = 0; t < 10; t++) {
            mark m = marks[rng_below(nm)];
            if (m.index >= n) continue;
            size_t skip = (size_t)rng_below(n - m.index);
            size_t k = 1 + (size_t)rng_below(n - m.index - skip);
            FT_OK(floe_orc_byte_dec_seek(&d, m.off, skip, &err), &err);
            FT_OK(floe_orc_byte_dec_next(&d, got, k, &err), &err);
            FT_CHECK(memcmp(got, v + m.index + skip, k) == 0);
        }
        /* prefixes */
        if (iter < 40) {
            for (size_t cut = 0; cut < out.len; cut++) {
                floe_orc_byte_dec_init(&d, out.data, cut);
                floe_status s = floe_orc_byte_dec_next(&d, got, n, &err);
                FT_EQ_INT(s, FLOE_ERR_TRUNCATED);
                floe_orc_byte_dec_init(&d, out.data, cut);
                FT_EQ_INT(floe_orc_byte_dec_skip(&d, n, &err), FLOE_ERR_TRUNCATED);
            }
        }
    }
    free(v);
    free(got);
    free(marks);
    floe_buf_free(&out);
}

static void test_bool_rle_random(void) {
    floe_err err = {0};
    floe_buf out = FLOE_BUF_INIT;
    uint8_t *v = malloc(30000), *got = malloc(30000);
    typedef struct bmark {
        size_t off, index;
        int bits;
    } bmark;
    bmark *marks = malloc(30001 * sizeof *marks);
    FT_CHECK(v && got && marks);
    rng_seed(31337);
    for (int iter = 0; iter < 300; iter++) {
        size_t n = 1 + (size_t)rng_below(iter % 3 ? 3000 : 30000);
        int mode = iter % 3;
        uint8_t cur = 0;
        for (size_t i = 0; i < n; i++) {
            if (mode == 0) cur = (uint8_t)(rng() & 1);
            else if (mode == 1) cur = rng_below(1000) == 0 ? !cur : cur;
            else cur = rng_below(10) == 0;
            v[i] = cur;
        }
        floe_orc_bool_enc e;
        floe_orc_bool_enc_init(&e);
        floe_buf_reset(&out);
        size_t nm = 0;
        marks[nm++] = (bmark){0, 0, 0};
        for (size_t i = 0; i < n; i++) {
            FT_OK(floe_orc_bool_enc_put(&e, v[i] ? 7 : 0, &out, &err), &err);
            if (rng_below(300) == 0) {
                int bits = -1;
                FT_OK(floe_orc_bool_enc_mark(&e, &out, &bits, &err), &err);
                FT_EQ_INT(bits, (int)((i + 1) % 8));
                marks[nm++] = (bmark){out.len, i + 1, bits};
            }
        }
        FT_OK(floe_orc_bool_enc_finish(&e, &out, &err), &err);
        floe_orc_bool_dec d;
        floe_orc_bool_dec_init(&d, out.data, out.len);
        for (size_t i = 0; i < n;) {
            size_t k = 1 + (size_t)rng_below(100);
            if (k > n - i) k = n - i;
            if (rng() & 1) {
                FT_OK(floe_orc_bool_dec_next(&d, got, k, &err), &err);
                FT_CHECK(memcmp(got, v + i, k) == 0);
            } else {
                FT_OK(floe_orc_bool_dec_skip(&d, k, &err), &err);
            }
            i += k;
        }
        /* padding bits then the end */
        size_t pad = (8 - n % 8) % 8;
        FT_OK(floe_orc_bool_dec_skip(&d, pad, &err), &err);
        FT_EQ_INT(floe_orc_bool_dec_next(&d, got, 1, &err), FLOE_ERR_TRUNCATED);
        /* seeks: position = (offset, whole bytes to skip = 0, bits) + values */
        for (int t = 0; t < 10; t++) {
            bmark m = marks[rng_below(nm)];
            if (m.index >= n) continue;
            size_t skip = (size_t)rng_below(n - m.index);
            size_t k = 1 + (size_t)rng_below(n - m.index - skip);
            FT_OK(floe_orc_bool_dec_seek(&d, m.off, 0, m.bits, &err), &err);
            FT_OK(floe_orc_bool_dec_skip(&d, skip, &err), &err);
            FT_OK(floe_orc_bool_dec_next(&d, got, k, &err), &err);
            FT_CHECK(memcmp(got, v + m.index + skip, k) == 0);
        }
        FT_EQ_INT(floe_orc_bool_dec_seek(&d, 0, 0, 9, &err), FLOE_ERR_CORRUPT);
        FT_EQ_INT(floe_orc_bool_dec_seek(&d, out.len + 1, 0, 0, &err), FLOE_ERR_CORRUPT);
    }
    free(v);
    free(got);
    free(marks);
    floe_buf_free(&out);
}

static void test_byte_bool_hostile(void) {
    floe_err err = {0};
    uint8_t got[4096];
    rng_seed(5);
    for (int t = 0; t < 20000; t++) {
        uint8_t b[64];
        size_t len = (size_t)rng_below(sizeof b);
        for (size_t i = 0; i < len; i++) b[i] = (uint8_t)rng();
        floe_orc_byte_dec d;
        floe_orc_byte_dec_init(&d, b, len);
        floe_status s = floe_orc_byte_dec_next(&d, got, (size_t)rng_below(sizeof got), &err);
        FT_CHECK(s == FLOE_OK || s == FLOE_ERR_TRUNCATED);
        floe_orc_bool_dec bd;
        floe_orc_bool_dec_init(&bd, b, len);
        s = floe_orc_bool_dec_skip(&bd, rng_below(200), &err);
        if (s == FLOE_OK) s = floe_orc_bool_dec_next(&bd, got, (size_t)rng_below(sizeof got), &err);
        FT_CHECK(s == FLOE_OK || s == FLOE_ERR_TRUNCATED);
    }
    /* a run header without its value byte; a literal group cut short */
    const uint8_t a[] = {0x05};
    floe_orc_byte_dec d;
    floe_orc_byte_dec_init(&d, a, 1);
    FT_EQ_INT(floe_orc_byte_dec_next(&d, got, 1, &err), FLOE_ERR_TRUNCATED);
    const uint8_t c[] = {0xfc, 1, 2};
    floe_orc_byte_dec_init(&d, c, sizeof c);
    FT_OK(floe_orc_byte_dec_next(&d, got, 2, &err), &err);
    FT_EQ_INT(floe_orc_byte_dec_next(&d, got, 1, &err), FLOE_ERR_TRUNCATED);
    FT_CHECK(strstr(err.msg, "byte RLE") != NULL);
    /* empty streams given as NULL */
    floe_orc_byte_dec_init(&d, NULL, 0);
    FT_OK(floe_orc_byte_dec_seek(&d, 0, 0, &err), &err);
    FT_EQ_INT(floe_orc_byte_dec_next(&d, got, 1, &err), FLOE_ERR_TRUNCATED);
    floe_orc_bool_dec bd;
    floe_orc_bool_dec_init(&bd, NULL, 0);
    FT_OK(floe_orc_bool_dec_seek(&bd, 0, 0, 0, &err), &err);
    FT_EQ_INT(floe_orc_bool_dec_seek(&bd, 0, 0, 3, &err), FLOE_ERR_TRUNCATED);
    FT_EQ_INT(floe_orc_bool_dec_next(&bd, got, 1, &err), FLOE_ERR_TRUNCATED);
}

/* put_n must write exactly the bytes of the same values put one by one,
 * whatever the chunking (the writer stages values and encodes them in
 * batches). */
static void test_put_n_same_bytes(void) {
    floe_err err = {0};
    floe_buf a = FLOE_BUF_INIT, b = FLOE_BUF_INIT, c = FLOE_BUF_INIT, d = FLOE_BUF_INIT;
    size_t cap = 5000;
    int64_t *v = malloc(cap * sizeof *v);
    uint8_t *u = malloc(cap);
    floe_orc_rle2_enc *e1 = malloc(sizeof *e1), *e2 = malloc(sizeof *e2);
    FT_CHECK(v && u && e1 && e2);
    rng_seed(4242);
    for (int iter = 0; iter < 600; iter++) {
        size_t n = 1 + (size_t)rng_below(iter % 4 ? 1500 : cap);
        int dist = iter % 14;
        fill(v, n, dist);
        int sgn = (int)(rng() & 1);
        floe_orc_rle2_enc_init(e1, sgn);
        floe_orc_rle2_enc_init(e2, sgn);
        floe_buf_reset(&a);
        floe_buf_reset(&b);
        for (size_t i = 0; i < n;) {
            size_t k = 1 + (size_t)rng_below(iter % 2 ? 40 : 1100);
            if (k > n - i) k = n - i;
            for (size_t j = 0; j < k; j++)
                FT_OK(floe_orc_rle2_enc_put(e1, v[i + j], &a, &err), &err);
            FT_OK(floe_orc_rle2_enc_put_n(e2, v + i, k, &b, &err), &err);
            i += k;
            if (rng_below(8) == 0) {
                FT_OK(floe_orc_rle2_enc_flush(e1, &a, &err), &err);
                FT_OK(floe_orc_rle2_enc_flush(e2, &b, &err), &err);
            }
        }
        FT_OK(floe_orc_rle2_enc_flush(e1, &a, &err), &err);
        FT_OK(floe_orc_rle2_enc_flush(e2, &b, &err), &err);
        FT_EQ_INT(a.len, b.len);
        FT_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);

        /* byte and boolean RLE */
        for (size_t i = 0; i < n; i++) u[i] = (uint8_t)(dist == 2 ? v[i] : v[i] & 1);
        floe_orc_byte_enc y1, y2;
        floe_orc_byte_enc_init(&y1);
        floe_orc_byte_enc_init(&y2);
        floe_orc_bool_enc o1, o2;
        floe_orc_bool_enc_init(&o1);
        floe_orc_bool_enc_init(&o2);
        floe_buf_reset(&a);
        floe_buf_reset(&b);
        floe_buf_reset(&c);
        floe_buf_reset(&d);
        for (size_t i = 0; i < n;) {
            size_t k = 1 + (size_t)rng_below(300);
            if (k > n - i) k = n - i;
            for (size_t j = 0; j < k; j++) {
                FT_OK(floe_orc_byte_enc_put(&y1, u[i + j], &a, &err), &err);
                FT_OK(floe_orc_bool_enc_put(&o1, u[i + j] & 1, &c, &err), &err);
            }
            FT_OK(floe_orc_byte_enc_put_n(&y2, u + i, k, &b, &err), &err);
            uint8_t bits[300];
            for (size_t j = 0; j < k; j++) bits[j] = u[i + j] & 1;
            FT_OK(floe_orc_bool_enc_put_n(&o2, bits, k, &d, &err), &err);
            i += k;
        }
        FT_OK(floe_orc_byte_enc_flush(&y1, &a, &err), &err);
        FT_OK(floe_orc_bool_enc_finish(&o1, &c, &err), &err);
        FT_OK(floe_orc_byte_enc_flush(&y2, &b, &err), &err);
        FT_OK(floe_orc_bool_enc_finish(&o2, &d, &err), &err);
        FT_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0);
        FT_CHECK(c.len == d.len && memcmp(c.data, d.data, c.len) == 0);
    }
    floe_buf_free(&a);
    floe_buf_free(&b);
    floe_buf_free(&c);
    floe_buf_free(&d);
    free(v);
    free(u);
    free(e1);
    free(e2);
}

FT_MAIN(test_spec_short_repeat, test_spec_direct, test_spec_patched_base, test_spec_delta,
        test_spec_byte_rle, test_spec_boolean, test_choice_sorted_is_delta,
        test_choice_repeats, test_choice_patched_and_direct, test_rle2_random_roundtrip,
        test_rle2_lengths, test_rle2_patch_gaps, test_rle2_all_widths, test_rle2_prefixes_and_flips,
        test_rle2_corrupt_runs, test_byte_rle_random, test_bool_rle_random,
        test_byte_bool_hostile, test_put_n_same_bytes)
