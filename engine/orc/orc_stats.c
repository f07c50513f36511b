/* orc_stats.c: ORC column statistics; see orc_stats.h. */
#define _GNU_SOURCE
#include "orc_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define STRING_BOUND_MAX 1024

void floe_orc_stats_reset(floe_orc_stats *s) {
    floe_buf smin = s->smin, smax = s->smax;
    memset(s, 0, sizeof *s);
    s->smin = smin;
    s->smax = smax;
    s->smin.len = s->smax.len = 0;
    s->sum_ok = 1;
}

void floe_orc_stats_free(floe_orc_stats *s) {
    floe_buf_free(&s->smin);
    floe_buf_free(&s->smax);
}

static int bytes_cmp(const uint8_t *a, size_t al, const uint8_t *b, size_t bl) {
    size_t n = al < bl ? al : bl;
    int c = n ? memcmp(a, b, n) : 0;
    if (c) return c;
    return al < bl ? -1 : al > bl;
}

/* Bytes [off, off + 8) of p[0..n) as a big-endian word, zero padded. */
static inline uint64_t prefix8(const uint8_t *p, size_t n, size_t off) {
    if (n >= off + 8) {
        uint64_t v;
        memcpy(&v, p + off, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
        v = __builtin_bswap64(v);
#endif
        return v;
    }
    uint64_t v = 0;
    for (size_t i = off; i < off + 8; i++) v = (v << 8) | (i < n ? p[i] : 0);
    return v;
}

/* Compare a value (with prefix words a1, a2) to a bound (b1, b2): the
 * words decide unless equal, then the bytes (zero padding hides length). */
static inline int pfx_cmp(uint64_t a1, uint64_t a2, const uint8_t *a, size_t al, uint64_t b1,
                          uint64_t b2, const floe_buf *b) {
    if (a1 != b1) return a1 < b1 ? -1 : 1;
    if (a2 != b2) return a2 < b2 ? -1 : 1;
    return bytes_cmp(a, al, b->data, b->len);
}

static floe_status set_buf(floe_buf *b, const uint8_t *p, size_t n, floe_err *err) {
    b->len = 0;
    return floe_buf_append(b, p, n, err);
}

/* IEEE order with -0.0 before +0.0 (NaN never reaches here). */
static int dbl_lt(double a, double b) { return a < b || (a == b && signbit(a) && !signbit(b)); }

static int add_overflows(int64_t a, int64_t b, int64_t *r) { return __builtin_add_overflow(a, b, r); }

/* 10^38 - 1: the largest unscaled decimal(38, s) */
#define DEC_MAX ((floe_i128)10000000000000000000ull * (floe_i128)10000000000000000000ull - 1)

floe_status floe_orc_stats_add(floe_orc_stats *s, floe_type t, const floe_value *v,
                               const uint8_t *bytes, floe_err *err) {
    if (v->is_null) {
        s->has_null = 1;
        return FLOE_OK;
    }
    int first = s->count == 0;
    s->count++;
    switch (t.kind) {
    case FLOE_T_BOOLEAN:
        s->isum += v->v.i64 ? 1 : 0;
        break;
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
    case FLOE_T_DATE:
    case FLOE_T_TIMESTAMP: {
        int64_t x = v->v.i64;
        if (first || x < s->imin) s->imin = x;
        if (first || x > s->imax) s->imax = x;
        if (s->sum_ok && add_overflows(s->isum, x, &s->isum)) s->sum_ok = 0;
        s->has_bounds = 1;
        break;
    }
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: {
        double x = v->v.f64;
        if (isnan(x)) {
            s->saw_nan = 1;
        } else {
            if (!s->has_bounds || dbl_lt(x, s->dmin)) s->dmin = x;
            if (!s->has_bounds || dbl_lt(s->dmax, x)) s->dmax = x;
            s->has_bounds = 1;
        }
        s->dsum += x;
        break;
    }
    case FLOE_T_DECIMAL: {
        floe_i128 x = v->v.dec;
        if (first || x < s->cmin) s->cmin = x;
        if (first || x > s->cmax) s->cmax = x;
        if (s->sum_ok) {
            if (__builtin_add_overflow(s->csum, x, &s->csum) || s->csum > DEC_MAX || s->csum < -DEC_MAX) s->sum_ok = 0;
        }
        s->has_bounds = 1;
        break;
    }
    case FLOE_T_STRING: {
        size_t n = v->v.bytes.len;
        s->total_len += n;
        /* Compare 16-byte prefixes first: most values differ there, and
         * the full comparison runs only on equal prefixes. */
        uint64_t p = prefix8(bytes, n, 0), p2 = prefix8(bytes, n, 8);
        if (first) {
            FLOE_TRY(set_buf(&s->smin, bytes, n, err));
            FLOE_TRY(set_buf(&s->smax, bytes, n, err));
            s->smin_pfx = s->smax_pfx = p;
            s->smin_pfx2 = s->smax_pfx2 = p2;
        } else {
            if (pfx_cmp(p, p2, bytes, n, s->smin_pfx, s->smin_pfx2, &s->smin) < 0) {
                FLOE_TRY(set_buf(&s->smin, bytes, n, err));
                s->smin_pfx = p;
                s->smin_pfx2 = p2;
            }
            if (pfx_cmp(p, p2, bytes, n, s->smax_pfx, s->smax_pfx2, &s->smax) > 0) {
                FLOE_TRY(set_buf(&s->smax, bytes, n, err));
                s->smax_pfx = p;
                s->smax_pfx2 = p2;
            }
        }
        s->has_bounds = 1;
        break;
    }
    case FLOE_T_BINARY:
        s->total_len += v->v.bytes.len;
        break;
    }
    return FLOE_OK;
}

floe_status floe_orc_stats_merge(floe_orc_stats *d, const floe_orc_stats *s, floe_type t,
                                 floe_err *err) {
    if (s->has_null) d->has_null = 1;
    if (s->count == 0) return FLOE_OK;
    int first = d->count == 0;
    int bounds = s->has_bounds && (first || d->has_bounds);
    d->count += s->count;
    d->total_len += s->total_len;
    d->saw_nan |= s->saw_nan;
    if (!s->sum_ok) d->sum_ok = 0;
    switch (t.kind) {
    case FLOE_T_BOOLEAN: d->isum += s->isum; break;
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
    case FLOE_T_DATE:
    case FLOE_T_TIMESTAMP:
        if (first || s->imin < d->imin) d->imin = s->imin;
        if (first || s->imax > d->imax) d->imax = s->imax;
        if (d->sum_ok && add_overflows(d->isum, s->isum, &d->isum)) d->sum_ok = 0;
        break;
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE:
        if (s->has_bounds) {
            if (!d->has_bounds || dbl_lt(s->dmin, d->dmin)) d->dmin = s->dmin;
            if (!d->has_bounds || dbl_lt(d->dmax, s->dmax)) d->dmax = s->dmax;
        }
        d->dsum += s->dsum;
        bounds = s->has_bounds || d->has_bounds;
        break;
    case FLOE_T_DECIMAL:
        if (first || s->cmin < d->cmin) d->cmin = s->cmin;
        if (first || s->cmax > d->cmax) d->cmax = s->cmax;
        if (d->sum_ok) {
            if (__builtin_add_overflow(d->csum, s->csum, &d->csum) || d->csum > DEC_MAX || d->csum < -DEC_MAX) d->sum_ok = 0;
        }
        break;
    case FLOE_T_STRING:
        if (s->has_bounds) {
            if (first || bytes_cmp(s->smin.data, s->smin.len, d->smin.data, d->smin.len) < 0) {
                FLOE_TRY(set_buf(&d->smin, s->smin.data, s->smin.len, err));
                d->smin_pfx = s->smin_pfx;
                d->smin_pfx2 = s->smin_pfx2;
            }
            if (first || bytes_cmp(s->smax.data, s->smax.len, d->smax.data, d->smax.len) > 0) {
                FLOE_TRY(set_buf(&d->smax, s->smax.data, s->smax.len, err));
                d->smax_pfx = s->smax_pfx;
                d->smax_pfx2 = s->smax_pfx2;
            }
        }
        break;
    case FLOE_T_BINARY: break;
    }
    d->has_bounds = bounds;
    return FLOE_OK;
}

static char *dup_bound(const floe_buf *b) {
    if (b->len > STRING_BOUND_MAX || (b->len && memchr(b->data, 0, b->len))) return NULL;
    char *p = malloc(b->len + 1);
    if (!p) return NULL;
    if (b->len) memcpy(p, b->data, b->len);
    p[b->len] = '\0';
    return p;
}

static int64_t floor_div(int64_t a, int64_t b) {
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0))) q--;
    return q;
}

floe_status floe_orc_stats_pb_fill(floe_orc_stats_pb *pb, const floe_orc_stats *s,
                                   const floe_type *t, floe_err *err) {
    (void)err;
    memset(pb, 0, sizeof *pb);
    floe_orc__column_stats__init(&pb->cs);
    pb->cs.has_number_of_values = 1;
    pb->cs.number_of_values = s->count;
    pb->cs.has_has_null = 1;
    pb->cs.has_null = s->has_null;
    if (!t) return FLOE_OK; /* root struct */
    switch (t->kind) {
    case FLOE_T_BOOLEAN:
        floe_orc__bucket_stats__init(&pb->bs);
        pb->bucket = (uint64_t)s->isum;
        pb->bs.n_count = 1;
        pb->bs.count = &pb->bucket;
        pb->cs.bucket_statistics = &pb->bs;
        break;
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
        floe_orc__int_stats__init(&pb->is);
        if (s->has_bounds) {
            pb->is.has_minimum = pb->is.has_maximum = 1;
            pb->is.minimum = s->imin;
            pb->is.maximum = s->imax;
        }
        if (s->sum_ok) {
            pb->is.has_sum = 1;
            pb->is.sum = s->isum;
        }
        pb->cs.int_statistics = &pb->is;
        break;
    case FLOE_T_DATE:
        floe_orc__date_stats__init(&pb->dts);
        if (s->has_bounds) {
            pb->dts.has_minimum = pb->dts.has_maximum = 1;
            pb->dts.minimum = (int32_t)s->imin;
            pb->dts.maximum = (int32_t)s->imax;
        }
        pb->cs.date_statistics = &pb->dts;
        break;
    case FLOE_T_TIMESTAMP:
        floe_orc__timestamp_stats__init(&pb->ts);
        if (s->has_bounds) {
            int64_t minms = floor_div(s->imin, 1000), maxms = floor_div(s->imax, 1000);
            int32_t minns = (int32_t)(s->imin - minms * 1000) * 1000;
            int32_t maxns = (int32_t)(s->imax - maxms * 1000) * 1000;
            pb->ts.has_minimum_utc = pb->ts.has_maximum_utc = 1;
            pb->ts.minimum_utc = minms;
            pb->ts.maximum_utc = maxms;
            /* Sub-millisecond nanos, stored + 1 so that 0 means "not set". */
            if (minns != 0) {
                pb->ts.has_minimum_nanos = 1;
                pb->ts.minimum_nanos = minns + 1;
            }
            if (maxns != 999999) {
                pb->ts.has_maximum_nanos = 1;
                pb->ts.maximum_nanos = maxns + 1;
            }
        }
        pb->cs.timestamp_statistics = &pb->ts;
        break;
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE:
        floe_orc__double_stats__init(&pb->ds);
        if (s->has_bounds && !s->saw_nan) {
            pb->ds.has_minimum = pb->ds.has_maximum = 1;
            pb->ds.minimum = s->dmin;
            pb->ds.maximum = s->dmax;
        }
        if (!s->saw_nan && isfinite(s->dsum)) {
            pb->ds.has_sum = 1;
            pb->ds.sum = s->dsum;
        }
        pb->cs.double_statistics = &pb->ds;
        break;
    case FLOE_T_DECIMAL:
        floe_orc__decimal_stats__init(&pb->dec);
        if (s->has_bounds) {
            floe_decimal_format(s->cmin, t->scale, pb->decmin);
            floe_decimal_format(s->cmax, t->scale, pb->decmax);
            pb->dec.minimum = pb->decmin;
            pb->dec.maximum = pb->decmax;
        }
        if (s->sum_ok) {
            floe_decimal_format(s->csum, t->scale, pb->decsum);
            pb->dec.sum = pb->decsum;
        }
        pb->cs.decimal_statistics = &pb->dec;
        break;
    case FLOE_T_STRING:
        floe_orc__string_stats__init(&pb->ss);
        if (s->has_bounds) {
            pb->smin = dup_bound(&s->smin);
            pb->smax = dup_bound(&s->smax);
            /* Only a pair makes a usable range; omit both otherwise. */
            if (pb->smin && pb->smax) {
                pb->ss.minimum = pb->smin;
                pb->ss.maximum = pb->smax;
            }
        }
        pb->ss.has_sum = 1;
        pb->ss.sum = (int64_t)s->total_len;
        pb->cs.string_statistics = &pb->ss;
        break;
    case FLOE_T_BINARY:
        floe_orc__binary_stats__init(&pb->bin);
        pb->bin.has_sum = 1;
        pb->bin.sum = (int64_t)s->total_len;
        pb->cs.binary_statistics = &pb->bin;
        break;
    }
    return FLOE_OK;
}

void floe_orc_stats_pb_free(floe_orc_stats_pb *pb) {
    free(pb->smin);
    free(pb->smax);
    pb->smin = pb->smax = NULL;
}
