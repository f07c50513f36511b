/*
 * orc_rle.c: ORC v1 byte RLE, boolean RLE and integer RLE version 2,
 * written from the ORC v1 specification ("Run Length Encoding").
 *
 * Integer RLE v2 encoder: values are buffered until a run ends. A run of
 * three or more equal values becomes SHORT_REPEAT (3..10) or a width-0
 * DELTA (11..512); the values before such a run, or 512 values without one,
 * form a "variable" run, for which the encoding is picked like the reference
 * writers do: monotonic sequences whose differences fit in int64 become
 * DELTA (width 0 when the difference is constant), sequences whose 100th
 * percentile bit width exceeds the 90th percentile by more than one bit
 * become PATCHED_BASE (data at the 95th percentile width plus a patch list),
 * all others DIRECT. DIRECT and DELTA use byte-friendly ("aligned") widths.
 * For the same values the bytes match those of the reference Java writer
 * with its default (SPEED) strategy; this was cross-checked on random data.
 *
 * All arithmetic on values is done in uint64_t so that wrap-around is
 * defined; int64_t <-> uint64_t conversions keep the bit pattern.
 */
#include "orc_rle.h"

#include <limits.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Bit widths                                                                */
/* ------------------------------------------------------------------------ */

enum { ENC_SHORT_REPEAT = 0, ENC_DIRECT = 1, ENC_PATCHED_BASE = 2, ENC_DELTA = 3 };

static const char *const enc_names[4] = {"SHORT_REPEAT", "DIRECT", "PATCHED_BASE",
                                         "DELTA"};

/* 5-bit width code -> width in bits (code 0 means 1 bit, except in DELTA). */
static const uint8_t code_width[32] = {1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,
                                       12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22,
                                       23, 24, 26, 28, 30, 32, 40, 48, 56, 64};

/* Number of significant bits (0..64) -> code of the closest fixed width
 * that holds it (0 bits -> 1 bit). */
static const uint8_t bits_code[65] = {
    0,  0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11,             /* 0..12  */
    12, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23,                 /* 13..24 */
    24, 24, 25, 25, 26, 26, 27, 27,                                 /* 25..32 */
    28, 28, 28, 28, 28, 28, 28, 28, 29, 29, 29, 29, 29, 29, 29, 29, /* 33..48 */
    30, 30, 30, 30, 30, 30, 30, 30, 31, 31, 31, 31, 31, 31, 31, 31, /* 49..64 */
};

/* Number of significant bits (0..64) -> aligned width (1,2,4,8,16,24,...). */
static const uint8_t bits_aligned[65] = {
    1,  1,  2,  4,  4,  8,  8,  8,  8,  16, 16, 16, 16, 16, 16, 16, 16,
    24, 24, 24, 24, 24, 24, 24, 24, 32, 32, 32, 32, 32, 32, 32, 32, 40,
    40, 40, 40, 40, 40, 40, 40, 48, 48, 48, 48, 48, 48, 48, 48, 56, 56,
    56, 56, 56, 56, 56, 56, 64, 64, 64, 64, 64, 64, 64, 64};

static inline unsigned nbits64(uint64_t v) {
    return v ? 64u - (unsigned)__builtin_clzll(v) : 0u;
}
static inline unsigned closest_bits(unsigned nbits) { return code_width[bits_code[nbits]]; }
static inline unsigned width_code(unsigned width) { return bits_code[width]; }

/* ------------------------------------------------------------------------ */
/* Big-endian bit packing                                                    */
/* ------------------------------------------------------------------------ */

static inline size_t packed_bytes(size_t n, unsigned w) {
    return (n * w + 7) / 8;
}

/* Unaligned big-endian loads and stores. */
static inline uint64_t load_be64(const uint8_t *p) {
    uint64_t x;
    memcpy(&x, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    return x;
}
static inline void store_be64(uint8_t *p, uint64_t x) {
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    x = __builtin_bswap64(x);
#endif
    memcpy(p, &x, 8);
}

/* Pack n values of w bits (w a fixed width from code_width), MSB first.
 * Every value must be < 2^w. Returns the new output pointer. May write up
 * to 8 bytes beyond the packed data (callers reserve that slack). */
static uint8_t *pack_be(uint8_t *o, const uint64_t *v, size_t n, unsigned w) {
    size_t i;
    if ((w & 7) == 0) {
        const unsigned nb = w / 8, sh = 64 - w;
        if (w == 8) {
            for (i = 0; i < n; i++) o[i] = (uint8_t)v[i];
            return o + n;
        }
        for (i = 0; i < n; i++, o += nb) store_be64(o, v[i] << sh);
        return o;
    }
    /* w <= 30: gather into a 64-bit accumulator, write 32 bits at a time */
    uint64_t acc = 0;
    unsigned bits = 0;
    for (i = 0; i < n; i++) {
        acc = (acc << w) | v[i];
        bits += w;
        if (bits >= 32) {
            bits -= 32;
            store_be64(o, (acc >> bits) << 32);
            o += 4;
        }
    }
    while (bits >= 8) {
        bits -= 8;
        *o++ = (uint8_t)(acc >> bits);
    }
    if (bits) *o++ = (uint8_t)(acc << (8 - bits));
    return o;
}

/* Unpack n values of w bits (1..64); the caller checked that
 * packed_bytes(n, w) bytes are readable at in. Never reads beyond them. */
static void unpack_be(const uint8_t *in, uint64_t *v, size_t n, unsigned w) {
    const size_t total = packed_bytes(n, w);
    size_t i = 0;
    if (w == 8) {
        for (i = 0; i < n; i++) v[i] = in[i];
        return;
    }
    if ((w & 7) == 0) {
        const unsigned nb = w / 8, sh = 64 - w;
        /* 8-byte loads while they stay inside the packed bytes */
        size_t fast = total >= 8 ? (total - 8) / nb + 1 : 0;
        for (; i < fast; i++) v[i] = load_be64(in + i * nb) >> sh;
        for (; i < n; i++) {
            const uint8_t *q = in + i * nb;
            uint64_t x = 0;
            for (unsigned k = 0; k < nb; k++) x = (x << 8) | q[k];
            v[i] = x;
        }
        return;
    }
    /* w <= 30: value i starts at bit i*w; an 8-byte window holds it */
    const uint64_t mask = ((uint64_t)1 << w) - 1;
    const unsigned sh = 64 - w;
    if (total >= 8) {
        size_t fast = ((total - 8) * 8) / w + 1; /* bit offsets whose byte + 8 <= total */
        if (fast > n) fast = n;
        for (; i < fast; i++) {
            size_t bit = i * w;
            v[i] = (load_be64(in + (bit >> 3)) << (bit & 7)) >> sh;
        }
    }
    for (; i < n; i++) {
        size_t bit = i * w, byte = bit >> 3;
        uint64_t x = 0;
        for (size_t k = byte; k < total && k < byte + 8; k++) x |= (uint64_t)in[k] << (56 - 8 * (k - byte));
        v[i] = ((x << (bit & 7)) >> sh) & mask;
    }
}

static inline uint8_t *put_uvarint(uint8_t *o, uint64_t v) {
    while (v >= 0x80) {
        *o++ = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    *o++ = (uint8_t)v;
    return o;
}

/* ------------------------------------------------------------------------ */
/* Integer RLE v2 encoder                                                    */
/* ------------------------------------------------------------------------ */

/* Upper bound of one run's size: 4 header bytes, 8 base bytes, 512 values of
 * 64 bits, 31 patches of 64 bits; DELTA: 2 + 10 + 10 + 510 * 8. */
#define RLE2_RUN_MAX (4 + 8 + FLOE_ORC_RLE2_MAX * 8 + 31 * 8 + 32)

void floe_orc_rle2_enc_init(floe_orc_rle2_enc *e, int is_signed) {
    e->is_signed = is_signed ? 1 : 0;
    e->n = 0;
    e->rep = 0;
}

static inline uint64_t enc_value(int is_signed, int64_t v) {
    return is_signed ? floe_zigzag_enc(v) : (uint64_t)v;
}

/* n equal values: SHORT_REPEAT for 3..10, a width-0 DELTA otherwise. */
static floe_status emit_repeat(floe_orc_rle2_enc *e, floe_buf *out, floe_err *err) {
    size_t n = e->n;
    FLOE_TRY(floe_buf_reserve(out, 32, err));
    uint8_t *o = out->data + out->len;
    uint64_t u = enc_value(e->is_signed, e->vals[0]);
    if (n >= 3 && n <= 10) {
        unsigned nb = (closest_bits(nbits64(u)) + 7) / 8;
        *o++ = (uint8_t)(((nb - 1) << 3) | (unsigned)(n - 3));
        for (unsigned k = nb; k-- > 0;) *o++ = (uint8_t)(u >> (8 * k));
    } else {
        size_t l = n - 1;
        *o++ = (uint8_t)(0xc0 | (l >> 8));
        *o++ = (uint8_t)l;
        o = put_uvarint(o, u);
        *o++ = 0; /* delta 0 */
    }
    out->len = (size_t)(o - out->data);
    return FLOE_OK;
}

/* Java-compatible percentile of bit widths: hist[c] counts values whose
 * closest fixed width has code c. */
static unsigned percentile_bits(const unsigned *hist, size_t n, double p) {
    long per = (long)((double)n * (1.0 - p));
    for (int c = 31; c >= 0; c--) {
        per -= (long)hist[c];
        if (per < 0) return code_width[c];
    }
    return 0;
}

/* Whether closest_bits(nbits64(or_all)) exceeds percentile_bits(hist, n,
 * 0.9) + 1, where hist counts the values' width codes, without building
 * hist. With cmax the largest code, that holds when the values of code >=
 * c_th (the smallest code whose width is >= code_width[cmax] - 1) are no
 * more than n / 10 (percentile_bits' `per`); a value has such a code when
 * it has more than code_width[c_th - 1] bits. */
static int zz_patch_candidate(const uint64_t *zz, size_t n, uint64_t or_all) {
    unsigned cmax = bits_code[nbits64(or_all)];
    unsigned c_th = 0;
    while (code_width[c_th] + 1 < code_width[cmax]) c_th++;
    if (c_th == 0) return 0; /* every value counts: more than n / 10 */
    unsigned t = code_width[c_th - 1];
    long per = (long)((double)n * (1.0 - 0.9));
    long count = 0;
    for (size_t i = 0; i < n; i++) count += (zz[i] >> t) != 0;
    return count <= per;
}

static uint8_t *write_direct(uint8_t *o, const uint64_t *zz, size_t n, uint64_t or_all) {
    unsigned w = bits_aligned[nbits64(or_all)];
    size_t l = n - 1;
    *o++ = (uint8_t)(0x40 | (width_code(w) << 1) | (unsigned)(l >> 8));
    *o++ = (uint8_t)l;
    return pack_be(o, zz, n, w);
}

/* Encode n (1..512) values that are not one repeat run. */
static floe_status emit_var(floe_orc_rle2_enc *e, const int64_t *v, size_t n, floe_buf *out,
                            floe_err *err) {
    uint64_t zz[FLOE_ORC_RLE2_MAX];
    uint64_t adj[FLOE_ORC_RLE2_MAX];
    FLOE_TRY(floe_buf_reserve(out, RLE2_RUN_MAX, err));
    uint8_t *o = out->data + out->len;
    const int sgn = e->is_signed;

    if (n > 3) {
        int64_t mn = v[0], mx = v[0];
        const uint64_t d0 = (uint64_t)v[1] - (uint64_t)v[0];
        int inc = 1, decr = 1, fixed = 1;
        uint64_t dor = 0; /* OR of |delta| for deltas 2.. */
        size_t j = 1;
        for (; j < n && (inc | decr | fixed); j++) {
            int64_t l1 = v[j], l0 = v[j - 1];
            uint64_t d = (uint64_t)l1 - (uint64_t)l0;
            mn = l1 < mn ? l1 : mn;
            mx = l1 > mx ? l1 : mx;
            inc &= l0 <= l1;
            decr &= l0 >= l1;
            fixed &= d == d0;
        }
        /* neither monotonic nor fixed: only the bounds are left, kept in
         * two pairs of accumulators for instruction-level parallelism */
        int64_t mn2 = mn, mx2 = mx;
        for (; j + 1 < n; j += 2) {
            int64_t a = v[j], b = v[j + 1];
            mn = a < mn ? a : mn;
            mx = a > mx ? a : mx;
            mn2 = b < mn2 ? b : mn2;
            mx2 = b > mx2 ? b : mx2;
        }
        if (j < n) {
            mn = v[j] < mn ? v[j] : mn;
            mx = v[j] > mx ? v[j] : mx;
        }
        mn = mn2 < mn ? mn2 : mn;
        mx = mx2 > mx ? mx2 : mx;
        const uint64_t span = (uint64_t)mx - (uint64_t)mn;
        if (span <= (uint64_t)INT64_MAX) {
            /* No difference between two values overflows int64. */
            if (fixed || (d0 != 0 && (inc || decr))) {
                size_t l = n - 1;
                unsigned w = 0;
                if (!fixed) {
                    /* |delta| of deltas 2..: all deltas have d0's sign */
                    for (size_t i = 2; i < n; i++) {
                        uint64_t d = (uint64_t)v[i] - (uint64_t)v[i - 1];
                        uint64_t a = decr ? (uint64_t)0 - d : d;
                        adj[i - 1] = a;
                        dor |= a;
                    }
                    w = bits_aligned[nbits64(dor)];
                    if (w == 1) w = 2; /* width code 0 means "fixed delta" */
                }
                *o++ = (uint8_t)(0xc0 | (w ? width_code(w) << 1 : 0u) | (unsigned)(l >> 8));
                *o++ = (uint8_t)l;
                o = put_uvarint(o, enc_value(sgn, v[0]));
                o = put_uvarint(o, floe_zigzag_enc((int64_t)d0));
                if (!fixed) o = pack_be(o, adj + 1, n - 2, w);
                out->len = (size_t)(o - out->data);
                return FLOE_OK;
            }
            /* PATCHED_BASE check: is the 100th percentile width more than
             * one bit above the 90th (percentile_bits(hist, n, 0.9))? */
            uint64_t or_all = 0;
            if (sgn) {
                for (size_t i = 0; i < n; i++) {
                    uint64_t z = floe_zigzag_enc(v[i]);
                    zz[i] = z;
                    or_all |= z;
                }
            } else {
                for (size_t i = 0; i < n; i++) {
                    zz[i] = (uint64_t)v[i];
                    or_all |= zz[i];
                }
            }
            uint64_t amin = mn < 0 ? (uint64_t)0 - (uint64_t)mn : (uint64_t)mn;
            if (zz_patch_candidate(zz, n, or_all) && amin < ((uint64_t)1 << 56)) {
                uint64_t *br = adj; /* reuse: base-reduced values */
                unsigned bh[32] = {0};
                uint64_t br_or = 0;
                for (size_t i = 0; i < n; i++) {
                    uint64_t b = (uint64_t)v[i] - (uint64_t)mn;
                    br[i] = b;
                    br_or |= b;
                    bh[bits_code[nbits64(b)]]++;
                }
                unsigned br95 = percentile_bits(bh, n, 0.95);
                unsigned br100 = closest_bits(nbits64(br_or));
                if (br100 != br95) {
                    unsigned pw = closest_bits(br100 - br95);
                    if (pw == 64) {
                        /* keep gap + patch within 64 bits */
                        pw = 56;
                        br95 = 8;
                    }
                    const uint64_t mask = ((uint64_t)1 << br95) - 1;
                    uint64_t patches[32];
                    unsigned gaps[32];
                    size_t np = 0, prev = 0, maxgap = 0;
                    for (size_t i = 0; i < n; i++) {
                        if (br[i] > mask) {
                            size_t gap = i - prev;
                            if (gap > maxgap) maxgap = gap;
                            prev = i;
                            gaps[np] = (unsigned)gap;
                            patches[np] = br[i] >> br95;
                            np++;
                            br[i] &= mask;
                        }
                    }
                    /* np <= 5% of n <= 25 and only one gap can exceed 255 */
                    unsigned pgw = maxgap == 0 ? 1 : closest_bits(nbits64(maxgap));
                    if (pgw > 8) pgw = 8;
                    uint64_t list[32];
                    size_t nl = 0;
                    for (size_t k = 0; k < np; k++) {
                        uint64_t g = gaps[k];
                        while (g > 255) {
                            list[nl++] = (uint64_t)255 << pw;
                            g -= 255;
                        }
                        list[nl++] = (g << pw) | patches[k];
                    }
                    /* base: sign and magnitude in the fewest bytes */
                    unsigned bw = (closest_bits(nbits64(amin)) + 1 + 7) / 8;
                    uint64_t base = amin;
                    if (mn < 0) base |= (uint64_t)1 << (bw * 8 - 1);
                    size_t l = n - 1;
                    *o++ = (uint8_t)(0x80 | (width_code(br95) << 1) | (unsigned)(l >> 8));
                    *o++ = (uint8_t)l;
                    *o++ = (uint8_t)(((bw - 1) << 5) | width_code(pw));
                    *o++ = (uint8_t)(((pgw - 1) << 5) | (unsigned)nl);
                    for (unsigned k = bw; k-- > 0;) *o++ = (uint8_t)(base >> (8 * k));
                    o = pack_be(o, br, n, br95);
                    o = pack_be(o, list, nl, closest_bits(pgw + pw));
                    out->len = (size_t)(o - out->data);
                    return FLOE_OK;
                }
            }
            o = write_direct(o, zz, n, or_all);
            out->len = (size_t)(o - out->data);
            return FLOE_OK;
        }
    }
    uint64_t or_all = 0;
    for (size_t i = 0; i < n; i++) {
        zz[i] = enc_value(sgn, v[i]);
        or_all |= zz[i];
    }
    o = write_direct(o, zz, n, or_all);
    out->len = (size_t)(o - out->data);
    return FLOE_OK;
}

/* One value. Invariant: vals[0..n) is buffered, its last `rep` values are
 * equal; rep == n && n >= 3 is a repeat run, anything else a variable run
 * (which never ends in 3 equal values). */
static inline floe_status enc_put1(floe_orc_rle2_enc *e, int64_t v, floe_buf *out,
                                   floe_err *err) {
    size_t n = e->n;
    if (n == 0) {
        e->vals[0] = v;
        e->n = 1;
        e->rep = 1;
        return FLOE_OK;
    }
    if (v == e->vals[n - 1]) {
        e->vals[n++] = v;
        e->n = n;
        size_t rep = ++e->rep;
        if (rep == n) {
            if (n == FLOE_ORC_RLE2_MAX) {
                FLOE_TRY(emit_repeat(e, out, err));
                e->n = e->rep = 0;
            }
        } else if (rep == 3) {
            /* a repeat starts: the values before it form a run */
            FLOE_TRY(emit_var(e, e->vals, n - 3, out, err));
            e->vals[0] = e->vals[1] = e->vals[2] = v;
            e->n = 3;
        } else if (n == FLOE_ORC_RLE2_MAX) {
            FLOE_TRY(emit_var(e, e->vals, n, out, err));
            e->n = e->rep = 0;
        }
        return FLOE_OK;
    }
    if (e->rep == n && n >= 3) {
        FLOE_TRY(emit_repeat(e, out, err));
        e->vals[0] = v;
        e->n = 1;
        e->rep = 1;
        return FLOE_OK;
    }
    e->vals[n++] = v;
    e->n = n;
    e->rep = 1;
    if (n == FLOE_ORC_RLE2_MAX) {
        FLOE_TRY(emit_var(e, e->vals, n, out, err));
        e->n = e->rep = 0;
    }
    return FLOE_OK;
}

floe_status floe_orc_rle2_enc_put(floe_orc_rle2_enc *e, int64_t v, floe_buf *out,
                                  floe_err *err) {
    return enc_put1(e, v, out, err);
}

floe_status floe_orc_rle2_enc_put_n(floe_orc_rle2_enc *e, const int64_t *v, size_t n,
                                    floe_buf *out, floe_err *err) {
    size_t i = 0;
    while (i < n) {
        size_t k = e->n;
        if (k == 0 || (e->rep == k && k >= 3)) {
            /* empty, or inside a repeat run: one value at a time */
            FLOE_TRY(enc_put1(e, v[i++], out, err));
            continue;
        }
        /* Inside a variable run (1 <= k < MAX). Each value that differs
         * from its predecessor only appends with rep = 1 (enc_put1's last
         * case), so copy such values up to the first equal neighbour. */
        int64_t last = e->vals[k - 1];
        size_t lim = n - i < FLOE_ORC_RLE2_MAX - k ? n : i + (FLOE_ORC_RLE2_MAX - k);
        size_t j = i;
        while (j < lim && v[j] != last) {
            last = v[j];
            e->vals[k++] = last;
            j++;
        }
        if (j == i) {
            FLOE_TRY(enc_put1(e, v[i++], out, err));
            continue;
        }
        e->n = k;
        e->rep = 1;
        i = j;
        if (k == FLOE_ORC_RLE2_MAX) {
            FLOE_TRY(emit_var(e, e->vals, k, out, err));
            e->n = e->rep = 0;
        }
    }
    return FLOE_OK;
}

floe_status floe_orc_rle2_enc_flush(floe_orc_rle2_enc *e, floe_buf *out, floe_err *err) {
    if (e->n == 0) return FLOE_OK;
    if (e->rep == e->n && e->n >= 3)
        FLOE_TRY(emit_repeat(e, out, err));
    else
        FLOE_TRY(emit_var(e, e->vals, e->n, out, err));
    e->n = e->rep = 0;
    return FLOE_OK;
}

/* ------------------------------------------------------------------------ */
/* Integer RLE v2 decoder                                                    */
/* ------------------------------------------------------------------------ */

void floe_orc_rle2_dec_init(floe_orc_rle2_dec *d, const uint8_t *data, size_t len,
                            int is_signed) {
    d->base = data;
    d->p = data;
    d->end = data ? data + len : data;
    d->is_signed = is_signed ? 1 : 0;
    d->run_len = d->run_pos = 0;
}

#define RUN_ERR(code, what, ...)                                                   \
    floe_err_set(err, code, "integer RLEv2: %s run at byte %zu: " what, enc_names[enc], \
                 start, __VA_ARGS__)

/* Read a varint at *pp (not past end). */
static floe_status rd_varint(const uint8_t **pp, const uint8_t *end, uint64_t *out,
                             int enc, size_t start, const char *what, floe_err *err) {
    const uint8_t *p = *pp;
    uint64_t v = 0;
    for (unsigned shift = 0;; shift += 7) {
        if (p == end)
            return RUN_ERR(FLOE_ERR_TRUNCATED, "stream ends inside the %s varint", what);
        unsigned b = *p++;
        if (shift == 63 && b > 1)
            return RUN_ERR(FLOE_ERR_CORRUPT, "the %s varint overflows 64 bits", what);
        v |= (uint64_t)(b & 0x7f) << shift;
        if (!(b & 0x80)) break;
    }
    *out = v;
    *pp = p;
    return FLOE_OK;
}

/* Decode the run at d->p into d->lit. */
static floe_status dec_run(floe_orc_rle2_dec *d, floe_err *err) {
    const uint8_t *p = d->p, *end = d->end;
    const size_t start = (size_t)(p - d->base);
    const size_t avail = (size_t)(end - p);
    uint64_t *lit = (uint64_t *)d->lit;
    const unsigned b0 = p[0];
    const int enc = (int)(b0 >> 6);
    size_t len;

    switch (enc) {
    case ENC_SHORT_REPEAT: {
        unsigned nb = ((b0 >> 3) & 7) + 1;
        len = (b0 & 7) + 3;
        if (avail < 1 + (size_t)nb)
            return RUN_ERR(FLOE_ERR_TRUNCATED, "needs %u bytes, %zu left", nb + 1, avail);
        uint64_t x = 0;
        for (unsigned k = 1; k <= nb; k++) x = (x << 8) | p[k];
        if (d->is_signed) x = (uint64_t)floe_zigzag_dec(x);
        for (size_t i = 0; i < len; i++) lit[i] = x;
        p += 1 + nb;
        break;
    }
    case ENC_DIRECT: {
        if (avail < 2) return RUN_ERR(FLOE_ERR_TRUNCATED, "needs %d header bytes, %zu left", 2, avail);
        unsigned w = code_width[(b0 >> 1) & 31];
        len = (((size_t)b0 & 1) << 8 | p[1]) + 1;
        size_t nb = packed_bytes(len, w);
        if (avail - 2 < nb)
            return RUN_ERR(FLOE_ERR_TRUNCATED, "%zu values of %u bits need %zu bytes, %zu left",
                           len, w, nb, avail - 2);
        unpack_be(p + 2, lit, len, w);
        if (d->is_signed)
            for (size_t i = 0; i < len; i++) lit[i] = (uint64_t)floe_zigzag_dec(lit[i]);
        p += 2 + nb;
        break;
    }
    case ENC_PATCHED_BASE: {
        if (avail < 4) return RUN_ERR(FLOE_ERR_TRUNCATED, "needs %d header bytes, %zu left", 4, avail);
        unsigned w = code_width[(b0 >> 1) & 31];
        len = (((size_t)b0 & 1) << 8 | p[1]) + 1;
        unsigned bw = (p[2] >> 5) + 1;
        unsigned pw = code_width[p[2] & 31];
        unsigned pgw = (p[3] >> 5) + 1;
        unsigned pll = p[3] & 31;
        if (pll == 0) return RUN_ERR(FLOE_ERR_CORRUPT, "has an empty patch list%s", "");
        if (pw + pgw > 64)
            return RUN_ERR(FLOE_ERR_CORRUPT, "patch width %u + gap width %u exceed 64 bits", pw,
                           pgw);
        unsigned pew = closest_bits(pw + pgw);
        size_t nd = packed_bytes(len, w), npl = packed_bytes(pll, pew);
        size_t need = 4 + bw + nd + npl;
        if (avail < need)
            return RUN_ERR(FLOE_ERR_TRUNCATED, "needs %zu bytes, %zu left", need, avail);
        p += 4;
        uint64_t base = 0;
        for (unsigned k = 0; k < bw; k++) base = (base << 8) | p[k];
        p += bw;
        uint64_t sign = (uint64_t)1 << (bw * 8 - 1);
        if (base & sign) base = (uint64_t)0 - (base & ~sign);
        unpack_be(p, lit, len, w);
        p += nd;
        uint64_t list[32];
        unpack_be(p, list, pll, pew);
        p += npl;
        const uint64_t pmask = ((uint64_t)1 << pw) - 1;
        size_t pos = 0;
        int first = 1;
        for (unsigned k = 0; k < pll; k++) {
            uint64_t gap = list[k] >> pw, patch = list[k] & pmask;
            pos += (size_t)gap; /* gap < 2^64 >> pw, pos stays small enough */
            if (gap == 255 && patch == 0) {
                if (k + 1 == pll)
                    return RUN_ERR(FLOE_ERR_CORRUPT, "patch list ends with a gap-only entry%s",
                                   "");
                if (pos >= len)
                    return RUN_ERR(FLOE_ERR_CORRUPT, "patch gap passes the run's %zu values", len);
                continue;
            }
            if (pos >= len)
                return RUN_ERR(FLOE_ERR_CORRUPT, "patch %u at value %zu is beyond the run's %zu values",
                               k, pos, len);
            if (!first && gap == 0)
                return RUN_ERR(FLOE_ERR_CORRUPT, "patch %u repeats value %zu", k, pos);
            first = 0;
            if (w >= 64) {
                if (patch)
                    return RUN_ERR(FLOE_ERR_CORRUPT, "patch %u on 64-bit values", k);
            } else {
                lit[pos] |= patch << w;
            }
        }
        for (size_t i = 0; i < len; i++) lit[i] += base;
        break;
    }
    default: { /* ENC_DELTA */
        if (avail < 2) return RUN_ERR(FLOE_ERR_TRUNCATED, "needs %d header bytes, %zu left", 2, avail);
        unsigned code = (b0 >> 1) & 31;
        unsigned w = code ? code_width[code] : 0;
        len = (((size_t)b0 & 1) << 8 | p[1]) + 1;
        p += 2;
        uint64_t first = 0, dbz = 0;
        FLOE_TRY(rd_varint(&p, end, &first, enc, start, "base value", err));
        FLOE_TRY(rd_varint(&p, end, &dbz, enc, start, "delta base", err));
        if (d->is_signed) first = (uint64_t)floe_zigzag_dec(first);
        const uint64_t db = (uint64_t)floe_zigzag_dec(dbz);
        if (w == 0) {
            uint64_t x = first;
            for (size_t i = 0; i < len; i++, x += db) lit[i] = x;
        } else {
            if (len < 2)
                return RUN_ERR(FLOE_ERR_CORRUPT, "has %zu value but a delta width of %u bits", len,
                               w);
            size_t nb = packed_bytes(len - 2, w);
            if ((size_t)(end - p) < nb)
                return RUN_ERR(FLOE_ERR_TRUNCATED, "%zu deltas of %u bits need %zu bytes, %zu left",
                               len - 2, w, nb, (size_t)(end - p));
            unpack_be(p, lit + 2, len - 2, w);
            p += nb;
            uint64_t x = first + db;
            lit[0] = first;
            lit[1] = x;
            if (dbz & 1) { /* negative delta base: decreasing */
                for (size_t i = 2; i < len; i++) lit[i] = x -= lit[i];
            } else {
                for (size_t i = 2; i < len; i++) lit[i] = x += lit[i];
            }
        }
        break;
    }
    }
    d->p = p;
    d->run_len = len;
    d->run_pos = 0;
    return FLOE_OK;
}

static floe_status dec_need_run(floe_orc_rle2_dec *d, uint64_t want, floe_err *err) {
    if (d->p >= d->end)
        return floe_err_set(err, FLOE_ERR_TRUNCATED,
                            "integer RLEv2: stream ends at byte %zu with %llu more values "
                            "expected",
                            (size_t)(d->end - d->base), (unsigned long long)want);
    return dec_run(d, err);
}

floe_status floe_orc_rle2_dec_next(floe_orc_rle2_dec *d, int64_t *out, size_t n,
                                   floe_err *err) {
    while (n > 0) {
        if (d->run_pos == d->run_len) FLOE_TRY(dec_need_run(d, n, err));
        size_t k = d->run_len - d->run_pos;
        if (k > n) k = n;
        memcpy(out, d->lit + d->run_pos, k * sizeof *out);
        d->run_pos += k;
        out += k;
        n -= k;
    }
    return FLOE_OK;
}

floe_status floe_orc_rle2_dec_skip(floe_orc_rle2_dec *d, uint64_t n, floe_err *err) {
    while (n > 0) {
        if (d->run_pos == d->run_len) FLOE_TRY(dec_need_run(d, n, err));
        size_t k = d->run_len - d->run_pos;
        if (k > n) k = (size_t)n;
        d->run_pos += k;
        n -= k;
    }
    return FLOE_OK;
}

floe_status floe_orc_rle2_dec_seek(floe_orc_rle2_dec *d, size_t off, uint64_t values,
                                   floe_err *err) {
    size_t len = (size_t)(d->end - d->base);
    if (off > len)
        return floe_err_set(err, FLOE_ERR_CORRUPT,
                            "integer RLEv2: seek to byte %zu beyond the stream's %zu bytes", off,
                            len);
    d->p = off ? d->base + off : d->base; /* no arithmetic on a NULL base */
    d->run_len = d->run_pos = 0;
    return floe_orc_rle2_dec_skip(d, values, err);
}

/* ------------------------------------------------------------------------ */
/* Byte RLE                                                                  */
/* ------------------------------------------------------------------------ */

void floe_orc_byte_enc_init(floe_orc_byte_enc *e) {
    e->n = 0;
    e->run = 0;
}

/* Write what is buffered: a run when run == n >= 3, else literals. */
static floe_status byte_emit(floe_orc_byte_enc *e, floe_buf *out, floe_err *err) {
    size_t n = e->n;
    if (n == 0) return FLOE_OK;
    FLOE_TRY(floe_buf_reserve(out, n + 1, err));
    uint8_t *o = out->data + out->len;
    if (e->run == n && n >= 3) {
        o[0] = (uint8_t)(n - 3);
        o[1] = e->buf[0];
        out->len += 2;
    } else {
        o[0] = (uint8_t)(256 - n);
        memcpy(o + 1, e->buf, n);
        out->len += n + 1;
    }
    e->n = e->run = 0;
    return FLOE_OK;
}

floe_status floe_orc_byte_enc_put(floe_orc_byte_enc *e, uint8_t v, floe_buf *out,
                                  floe_err *err) {
    size_t n = e->n;
    if (n == 0) {
        e->buf[0] = v;
        e->n = e->run = 1;
        return FLOE_OK;
    }
    if (e->run == n && n >= 3) { /* in a run */
        if (v == e->buf[0]) {
            e->n = e->run = n + 1;
            if (n + 1 == 130) return byte_emit(e, out, err);
            return FLOE_OK;
        }
        FLOE_TRY(byte_emit(e, out, err));
        e->buf[0] = v;
        e->n = e->run = 1;
        return FLOE_OK;
    }
    size_t run = v == e->buf[n - 1] ? e->run + 1 : 1;
    if (run == 3) {
        if (n > 2) {
            e->n = n - 2;
            e->run = 0;
            FLOE_TRY(byte_emit(e, out, err));
        }
        e->buf[0] = v;
        e->n = e->run = 3;
        return FLOE_OK;
    }
    e->buf[n] = v;
    e->n = n + 1;
    e->run = run;
    if (n + 1 == 128) return byte_emit(e, out, err);
    return FLOE_OK;
}

floe_status floe_orc_byte_enc_flush(floe_orc_byte_enc *e, floe_buf *out, floe_err *err) {
    return byte_emit(e, out, err);
}

void floe_orc_byte_dec_init(floe_orc_byte_dec *d, const uint8_t *data, size_t len) {
    d->base = data;
    d->p = data;
    d->end = data ? data + len : data;
    d->remaining = 0;
    d->is_run = 0;
    d->run_value = 0;
}

/* Start the next group; the literal bytes are checked as they are read. */
static floe_status byte_group(floe_orc_byte_dec *d, uint64_t want, floe_err *err) {
    size_t avail = (size_t)(d->end - d->p);
    if (avail == 0)
        return floe_err_set(err, FLOE_ERR_TRUNCATED,
                            "byte RLE: stream ends at byte %zu with %llu more values expected",
                            (size_t)(d->p - d->base), (unsigned long long)want);
    unsigned h = d->p[0];
    if (h < 128) {
        if (avail < 2)
            return floe_err_set(err, FLOE_ERR_TRUNCATED,
                                "byte RLE: run at byte %zu has no value byte",
                                (size_t)(d->p - d->base));
        d->is_run = 1;
        d->remaining = h + 3;
        d->run_value = d->p[1];
        d->p += 2;
    } else {
        d->is_run = 0;
        d->remaining = 256 - h;
        d->p += 1;
    }
    return FLOE_OK;
}

static floe_status byte_lit_truncated(floe_orc_byte_dec *d, floe_err *err) {
    return floe_err_set(err, FLOE_ERR_TRUNCATED,
                        "byte RLE: literal group ends early at byte %zu (%zu values missing)",
                        (size_t)(d->p - d->base), d->remaining);
}

floe_status floe_orc_byte_dec_next(floe_orc_byte_dec *d, uint8_t *out, size_t n,
                                   floe_err *err) {
    while (n > 0) {
        if (d->remaining == 0) FLOE_TRY(byte_group(d, n, err));
        size_t k = d->remaining < n ? d->remaining : n;
        if (d->is_run) {
            memset(out, d->run_value, k);
        } else {
            size_t avail = (size_t)(d->end - d->p);
            if (avail < k) {
                memcpy(out, d->p, avail);
                d->p += avail;
                d->remaining -= avail;
                return byte_lit_truncated(d, err);
            }
            memcpy(out, d->p, k);
            d->p += k;
        }
        d->remaining -= k;
        out += k;
        n -= k;
    }
    return FLOE_OK;
}

floe_status floe_orc_byte_dec_skip(floe_orc_byte_dec *d, uint64_t n, floe_err *err) {
    while (n > 0) {
        if (d->remaining == 0) FLOE_TRY(byte_group(d, n, err));
        size_t k = d->remaining < n ? d->remaining : (size_t)n;
        if (!d->is_run) {
            size_t avail = (size_t)(d->end - d->p);
            if (avail < k) {
                d->p += avail;
                d->remaining -= avail;
                return byte_lit_truncated(d, err);
            }
            d->p += k;
        }
        d->remaining -= k;
        n -= k;
    }
    return FLOE_OK;
}

floe_status floe_orc_byte_dec_seek(floe_orc_byte_dec *d, size_t off, uint64_t values,
                                   floe_err *err) {
    size_t len = (size_t)(d->end - d->base);
    if (off > len)
        return floe_err_set(err, FLOE_ERR_CORRUPT,
                            "byte RLE: seek to byte %zu beyond the stream's %zu bytes", off, len);
    d->p = off ? d->base + off : d->base; /* no arithmetic on a NULL base */
    d->remaining = 0;
    d->is_run = 0;
    return floe_orc_byte_dec_skip(d, values, err);
}

/* ------------------------------------------------------------------------ */
/* Boolean RLE                                                               */
/* ------------------------------------------------------------------------ */

void floe_orc_bool_enc_init(floe_orc_bool_enc *e) {
    floe_orc_byte_enc_init(&e->bytes);
    e->cur = 0;
    e->nbits = 0;
}

floe_status floe_orc_bool_enc_put(floe_orc_bool_enc *e, int bit, floe_buf *out,
                                  floe_err *err) {
    e->cur = (uint8_t)(e->cur | ((bit ? 1u : 0u) << (7 - e->nbits)));
    if (++e->nbits == 8) {
        uint8_t b = e->cur;
        e->cur = 0;
        e->nbits = 0;
        return floe_orc_byte_enc_put(&e->bytes, b, out, err);
    }
    return FLOE_OK;
}

floe_status floe_orc_byte_enc_put_n(floe_orc_byte_enc *e, const uint8_t *v, size_t n,
                                    floe_buf *out, floe_err *err) {
    for (size_t i = 0; i < n; i++) FLOE_TRY(floe_orc_byte_enc_put(e, v[i], out, err));
    return FLOE_OK;
}

floe_status floe_orc_bool_enc_put_n(floe_orc_bool_enc *e, const uint8_t *bits, size_t n,
                                    floe_buf *out, floe_err *err) {
    size_t i = 0;
    while (i < n && e->nbits != 0) FLOE_TRY(floe_orc_bool_enc_put(e, bits[i++], out, err));
    for (; i + 8 <= n; i += 8) {
        unsigned b = 0;
        for (int k = 0; k < 8; k++) b = (b << 1) | (bits[i + k] ? 1u : 0u);
        FLOE_TRY(floe_orc_byte_enc_put(&e->bytes, (uint8_t)b, out, err));
    }
    while (i < n) FLOE_TRY(floe_orc_bool_enc_put(e, bits[i++], out, err));
    return FLOE_OK;
}

floe_status floe_orc_bool_enc_mark(floe_orc_bool_enc *e, floe_buf *out, int *pending_bits,
                                   floe_err *err) {
    FLOE_TRY(floe_orc_byte_enc_flush(&e->bytes, out, err));
    if (pending_bits) *pending_bits = e->nbits;
    return FLOE_OK;
}

floe_status floe_orc_bool_enc_finish(floe_orc_bool_enc *e, floe_buf *out, floe_err *err) {
    if (e->nbits > 0) {
        uint8_t b = e->cur;
        e->cur = 0;
        e->nbits = 0;
        FLOE_TRY(floe_orc_byte_enc_put(&e->bytes, b, out, err));
    }
    return floe_orc_byte_enc_flush(&e->bytes, out, err);
}

void floe_orc_bool_dec_init(floe_orc_bool_dec *d, const uint8_t *data, size_t len) {
    floe_orc_byte_dec_init(&d->bytes, data, len);
    d->cur = 0;
    d->nbits = 0;
}

floe_status floe_orc_bool_dec_next(floe_orc_bool_dec *d, uint8_t *out, size_t n,
                                   floe_err *err) {
    while (n > 0 && d->nbits > 0) {
        *out++ = (uint8_t)((d->cur >> --d->nbits) & 1);
        n--;
    }
    uint8_t tmp[256];
    while (n >= 8) {
        size_t k = n / 8;
        if (k > sizeof tmp) k = sizeof tmp;
        FLOE_TRY(floe_orc_byte_dec_next(&d->bytes, tmp, k, err));
        for (size_t i = 0; i < k; i++) {
            unsigned b = tmp[i];
            out[0] = (uint8_t)(b >> 7);
            out[1] = (uint8_t)((b >> 6) & 1);
            out[2] = (uint8_t)((b >> 5) & 1);
            out[3] = (uint8_t)((b >> 4) & 1);
            out[4] = (uint8_t)((b >> 3) & 1);
            out[5] = (uint8_t)((b >> 2) & 1);
            out[6] = (uint8_t)((b >> 1) & 1);
            out[7] = (uint8_t)(b & 1);
            out += 8;
        }
        n -= k * 8;
    }
    if (n > 0) {
        FLOE_TRY(floe_orc_byte_dec_next(&d->bytes, &d->cur, 1, err));
        d->nbits = 8;
        while (n > 0) {
            *out++ = (uint8_t)((d->cur >> --d->nbits) & 1);
            n--;
        }
    }
    return FLOE_OK;
}

floe_status floe_orc_bool_dec_skip(floe_orc_bool_dec *d, uint64_t n, floe_err *err) {
    if (n <= (uint64_t)d->nbits) {
        d->nbits -= (int)n;
        return FLOE_OK;
    }
    n -= (uint64_t)d->nbits;
    d->nbits = 0;
    FLOE_TRY(floe_orc_byte_dec_skip(&d->bytes, n / 8, err));
    if (n % 8) {
        FLOE_TRY(floe_orc_byte_dec_next(&d->bytes, &d->cur, 1, err));
        d->nbits = 8 - (int)(n % 8);
    }
    return FLOE_OK;
}

floe_status floe_orc_bool_dec_seek(floe_orc_bool_dec *d, size_t off, uint64_t byte_values,
                                   int bits, floe_err *err) {
    if (bits < 0 || bits > 8)
        return floe_err_set(err, FLOE_ERR_CORRUPT,
                            "boolean RLE: seek position has %d bits consumed in a byte", bits);
    d->nbits = 0;
    FLOE_TRY(floe_orc_byte_dec_seek(&d->bytes, off, byte_values, err));
    if (bits > 0) {
        FLOE_TRY(floe_orc_byte_dec_next(&d->bytes, &d->cur, 1, err));
        d->nbits = 8 - bits;
    }
    return FLOE_OK;
}
