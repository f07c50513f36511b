/*
 * dbz_scan.c: the one-pass Debezium scanner; contract in dbz_scan.h.
 *
 * Invariants:
 *  1. Success implies the jansson path succeeds with the same result. So
 *     the scanner is at least as strict as json_loadb(JSON_DECODE_ANY |
 *     JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES) + floe_dbz_parse: strict
 *     grammar, whitespace " \t\n\r" only, strict UTF-8 everywhere (no
 *     overlongs, surrogates or code points past U+10FFFF), no raw control
 *     characters in strings, \u escapes with paired surrogates, integers
 *     within int64 (jansson rejects bigger ones), reals that do not
 *     overflow, no duplicate keys at any level. Stricter where it is
 *     simpler: escaped keys, nesting deeper than MAX_DEPTH, objects with
 *     more than MAX_KEYS keys outside the rows, reals of 64 characters or
 *     more, and any envelope other than a plain payload object or
 *     {"schema":<cached text>,"payload":...} with exactly those bytes all
 *     make it give up (return 0).
 *  2. A value is decoded with the rules of dbz_decode.c's decode_value and
 *     common's floe_value_from_json, using the shared helpers of
 *     dbz_internal.h; any value that would be an error there makes the
 *     scanner give up, so it never needs an error message.
 *  3. Nothing is allocated per message beyond the arena (decoded values)
 *     and two scratch buffers that grow to the largest string seen.
 *
 * Members of a row are matched to columns by name; the column order of the
 * previous row of the same kind (before/after) is tried first, so the usual
 * message costs one length check and one memcmp per member.
 */
#define _POSIX_C_SOURCE 200809L
#include "dbz_scan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dbz_internal.h"

#define MAX_DEPTH 16
#define MAX_KEYS 64
#define NO_COL 0xffffffffu

typedef struct scol {
    const char *name;
    size_t len;
    floe_type t;
    floe_dbz_enc enc;
    floe_type_kind fkind; /* the field's own type kind (bytes on string columns) */
    int scale;
} scol;

struct floe_dbz_scanner {
    int ready;
    scol *cols;
    size_t ncols;
    uint32_t *seen; /* seen[i] == gen: column i was in the current row */
    uint32_t gen;
    uint32_t *order[2]; /* column of the k-th member of the last before/after row */
    size_t norder[2];
    floe_buf tmp;  /* unescaped strings */
    floe_buf ctmp; /* NUL-terminated copies */
};

floe_status floe_dbz_scanner_create(floe_dbz_scanner **out, floe_err *err) {
    *out = calloc(1, sizeof **out);
    if (!*out) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    return FLOE_OK;
}

void floe_dbz_scanner_reset(floe_dbz_scanner *sc) {
    if (!sc) return;
    free(sc->cols);
    free(sc->seen);
    free(sc->order[0]);
    free(sc->order[1]);
    sc->cols = NULL;
    sc->seen = sc->order[0] = sc->order[1] = NULL;
    sc->ncols = sc->norder[0] = sc->norder[1] = 0;
    sc->gen = 0;
    sc->ready = 0;
}

void floe_dbz_scanner_destroy(floe_dbz_scanner *sc) {
    if (!sc) return;
    floe_dbz_scanner_reset(sc);
    floe_buf_free(&sc->tmp);
    floe_buf_free(&sc->ctmp);
    free(sc);
}

int floe_dbz_scanner_ready(const floe_dbz_scanner *sc) { return sc && sc->ready; }

floe_status floe_dbz_scanner_plan(floe_dbz_scanner *sc, const floe_dbz_fields *fs,
                                  const floe_schema *s, floe_err *err) {
    floe_dbz_scanner_reset(sc);
    if (!s || s->ncols == 0 || s->ncols >= NO_COL)
        return floe_err_set(err, FLOE_ERR_INVALID, "floe_dbz_scanner_plan: no columns");
    size_t n = s->ncols;
    sc->cols = calloc(n, sizeof *sc->cols);
    sc->seen = calloc(n, sizeof *sc->seen);
    sc->order[0] = calloc(n, sizeof *sc->order[0]);
    sc->order[1] = calloc(n, sizeof *sc->order[1]);
    if (!sc->cols || !sc->seen || !sc->order[0] || !sc->order[1]) {
        floe_dbz_scanner_reset(sc);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const floe_column *c = &s->cols[i];
        const floe_dbz_field *f = floe__dbz_field_for(fs, i, c->name);
        scol *o = &sc->cols[i];
        o->name = c->name;
        o->len = strlen(c->name);
        o->t = c->type;
        o->enc = f ? f->enc : FLOE_DBZ_PLAIN;
        o->fkind = f ? f->type.kind : c->type.kind;
        o->scale = f ? f->scale : 0;
    }
    sc->ncols = n;
    sc->ready = 1;
    return FLOE_OK;
}

/* ---- the JSON grammar ------------------------------------------------------ */

typedef struct cur {
    const uint8_t *p, *end;
    floe_dbz_scanner *sc;
    floe_buf *arena;
    int unknown;
} cur;

/* 0: plain ASCII inside a string, 1 '"', 2 '\\', 3 control, 4 non-ASCII */
static const uint8_t sclass[256] = {
    3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3, 3,
    0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0, 0,
    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
    4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4,
};

static inline void ws(cur *c) {
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\n' || *c->p == '\r' || *c->p == '\t'))
        c->p++;
}

/* Consume byte ch (after whitespace). */
static inline int expect(cur *c, uint8_t ch) {
    ws(c);
    if (c->p >= c->end || *c->p != ch) return -1;
    c->p++;
    return 0;
}

static int literal(cur *c, const char *word, size_t n) {
    if ((size_t)(c->end - c->p) < n || memcmp(c->p, word, n) != 0) return -1;
    c->p += n;
    return 0;
}

/* Length of the strict UTF-8 sequence at p (lead byte >= 0x80), 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, const uint8_t *end) {
    uint8_t c = p[0];
    size_t avail = (size_t)(end - p);
    if (c < 0xC2) return 0;
    if (c <= 0xDF) return avail >= 2 && (p[1] & 0xC0) == 0x80 ? 2 : 0;
    if (c <= 0xEF) {
        if (avail < 3) return 0;
        uint8_t lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 ? 3 : 0;
    }
    if (c <= 0xF4) {
        if (avail < 4) return 0;
        uint8_t lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
        return p[1] >= lo && p[1] <= hi && (p[2] & 0xC0) == 0x80 && (p[3] & 0xC0) == 0x80 ? 4
                                                                                          : 0;
    }
    return 0;
}

static int hexd(uint8_t c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* The 4 hex digits at p (p + 4 <= end checked by the caller). */
static int hex4(const uint8_t *p, unsigned *u) {
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        int d = hexd(p[i]);
        if (d < 0) return -1;
        v = v << 4 | (unsigned)d;
    }
    *u = v;
    return 0;
}

/* A string token; c->p is at the opening quote. On return s and n give
 * the raw bytes between the quotes and esc whether they contain escapes. */
static int scan_string(cur *c, const uint8_t **s, size_t *n, int *esc) {
    const uint8_t *p = c->p + 1, *end = c->end;
    int e = 0;
    for (;;) {
        while (p < end && sclass[*p] == 0) p++;
        if (p >= end) return -1;
        uint8_t k = sclass[*p];
        if (k == 1) break;
        if (k == 2) {
            e = 1;
            if (end - p < 2) return -1;
            uint8_t x = p[1];
            if (x == 'u') {
                unsigned u, u2;
                if (end - p < 6 || hex4(p + 2, &u)) return -1;
                p += 6;
                if (u >= 0xD800 && u <= 0xDBFF) {
                    if (end - p < 6 || p[0] != '\\' || p[1] != 'u' || hex4(p + 2, &u2) ||
                        u2 < 0xDC00 || u2 > 0xDFFF)
                        return -1;
                    p += 6;
                } else if (u >= 0xDC00 && u <= 0xDFFF) {
                    return -1;
                }
            } else if (x == '"' || x == '\\' || x == '/' || x == 'b' || x == 'f' || x == 'n' ||
                       x == 'r' || x == 't') {
                p += 2;
            } else {
                return -1;
            }
            continue;
        }
        if (k == 3) return -1;
        size_t l = utf8_seq(p, end);
        if (!l) return -1;
        p += l;
    }
    *s = c->p + 1;
    *n = (size_t)(p - (c->p + 1));
    *esc = e;
    c->p = p + 1;
    return 0;
}

/* Unescape a scanned string into sc->tmp (never longer than the raw text). */
static int unescape(floe_dbz_scanner *sc, const uint8_t *s, size_t n, const uint8_t **out,
                    size_t *outlen) {
    floe_err e;
    sc->tmp.len = 0;
    if (floe_buf_reserve(&sc->tmp, n + 1, &e) != FLOE_OK) return -1;
    uint8_t *o = sc->tmp.data;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            *o++ = s[i++];
            continue;
        }
        uint8_t x = s[i + 1];
        i += 2;
        switch (x) {
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned u = 0, u2 = 0;
            hex4(s + i, &u);
            i += 4;
            if (u >= 0xD800 && u <= 0xDBFF) {
                hex4(s + i + 2, &u2);
                i += 6;
                u = 0x10000 + ((u - 0xD800) << 10) + (u2 - 0xDC00);
            }
            if (u < 0x80) {
                *o++ = (uint8_t)u;
            } else if (u < 0x800) {
                *o++ = (uint8_t)(0xC0 | u >> 6);
                *o++ = (uint8_t)(0x80 | (u & 0x3F));
            } else if (u < 0x10000) {
                *o++ = (uint8_t)(0xE0 | u >> 12);
                *o++ = (uint8_t)(0x80 | (u >> 6 & 0x3F));
                *o++ = (uint8_t)(0x80 | (u & 0x3F));
            } else {
                *o++ = (uint8_t)(0xF0 | u >> 18);
                *o++ = (uint8_t)(0x80 | (u >> 12 & 0x3F));
                *o++ = (uint8_t)(0x80 | (u >> 6 & 0x3F));
                *o++ = (uint8_t)(0x80 | (u & 0x3F));
            }
            break;
        }
        default: *o++ = x; /* " \ / */
        }
    }
    *out = sc->tmp.data;
    *outlen = (size_t)(o - sc->tmp.data);
    return 0;
}

enum { K_NULL, K_TRUE, K_FALSE, K_INT, K_REAL, K_STR };

typedef struct tokv {
    int k;
    int64_t i;
    double r;
    const uint8_t *s; /* K_STR: unescaped bytes */
    size_t n;
} tokv;

static inline int is_digit(uint8_t c) { return c >= '0' && c <= '9'; }

/* A number token as jansson reads it: integers by strtoll rules (an
 * overflow is an error there), reals by strtod (an overflow too). */
static int scan_number(cur *c, tokv *v) {
    const uint8_t *p = c->p, *end = c->end, *start = p;
    int neg = 0, real = 0;
    if (*p == '-') {
        neg = 1;
        p++;
    }
    if (p >= end) return -1;
    if (*p == '0') {
        p++;
    } else if (*p >= '1' && *p <= '9') {
        while (p < end && is_digit(*p)) p++;
    } else {
        return -1;
    }
    if (p < end && *p == '.') {
        p++;
        if (p >= end || !is_digit(*p)) return -1;
        while (p < end && is_digit(*p)) p++;
        real = 1;
    }
    if (p < end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < end && (*p == '+' || *p == '-')) p++;
        if (p >= end || !is_digit(*p)) return -1;
        while (p < end && is_digit(*p)) p++;
        real = 1;
    }
    if (!real) {
        uint64_t acc = 0, lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
        for (const uint8_t *q = start + neg; q < p; q++) {
            uint64_t d = (uint64_t)(*q - '0');
            if (acc > (lim - d) / 10) return -1;
            acc = acc * 10 + d;
        }
        v->k = K_INT;
        v->i = neg ? (acc == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)acc) : (int64_t)acc;
    } else {
        char buf[64];
        size_t n = (size_t)(p - start);
        if (n >= sizeof buf) return -1;
        memcpy(buf, start, n);
        buf[n] = '\0';
        double x = strtod(buf, NULL);
        if (isinf(x)) return -1;
        v->k = K_REAL;
        v->r = x;
    }
    c->p = p;
    return 0;
}

/* Duplicate-key detection for objects outside the rows. */
typedef struct keyset {
    uint64_t bloom;
    int n;
    struct {
        const uint8_t *p;
        uint32_t len, h;
    } k[MAX_KEYS];
} keyset;

static int keyset_add(keyset *ks, const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 16777619u;
    uint64_t bit = UINT64_C(1) << (h & 63);
    if (ks->bloom & bit)
        for (int j = 0; j < ks->n; j++)
            if (ks->k[j].h == h && ks->k[j].len == n && memcmp(ks->k[j].p, p, n) == 0) return -1;
    if (ks->n == MAX_KEYS) return -1;
    ks->k[ks->n].p = p;
    ks->k[ks->n].len = (uint32_t)n;
    ks->k[ks->n].h = h;
    ks->n++;
    ks->bloom |= bit;
    return 0;
}

/* An object key (c->p at the quote; escaped keys: give up), then ':'. */
static int scan_key(cur *c, const uint8_t **k, size_t *n) {
    int esc;
    ws(c);
    if (c->p >= c->end || *c->p != '"') return -1;
    if (scan_string(c, k, n, &esc) || esc) return -1;
    return expect(c, ':');
}

/* After a member: ',' (returns 1: another member follows) or '}' (0). */
static int next_member(cur *c, uint8_t close) {
    ws(c);
    if (c->p >= c->end) return -1;
    if (*c->p == ',') {
        c->p++;
        return 1;
    }
    if (*c->p == close) {
        c->p++;
        return 0;
    }
    return -1;
}

static int skip_value(cur *c, int depth);

static int skip_object(cur *c, int depth) {
    if (depth > MAX_DEPTH) return -1;
    keyset ks;
    ks.bloom = 0;
    ks.n = 0;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
        return 0;
    }
    for (;;) {
        const uint8_t *k;
        size_t n;
        if (scan_key(c, &k, &n) || keyset_add(&ks, k, n) || skip_value(c, depth)) return -1;
        int m = next_member(c, '}');
        if (m <= 0) return m;
    }
}

static int skip_array(cur *c, int depth) {
    if (depth > MAX_DEPTH) return -1;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == ']') {
        c->p++;
        return 0;
    }
    for (;;) {
        if (skip_value(c, depth)) return -1;
        int m = next_member(c, ']');
        if (m <= 0) return m;
    }
}

static int skip_value(cur *c, int depth) {
    ws(c);
    if (c->p >= c->end) return -1;
    const uint8_t *s;
    size_t n;
    int esc;
    tokv v;
    switch (*c->p) {
    case '"': return scan_string(c, &s, &n, &esc);
    case '{': return skip_object(c, depth + 1);
    case '[': return skip_array(c, depth + 1);
    case 't': return literal(c, "true", 4);
    case 'f': return literal(c, "false", 5);
    case 'n': return literal(c, "null", 4);
    default: return scan_number(c, &v);
    }
}

/* A scalar value token (c->p at its first byte, after whitespace). */
static int scan_scalar(cur *c, tokv *v) {
    int esc;
    switch (*c->p) {
    case '"':
        if (scan_string(c, &v->s, &v->n, &esc)) return -1;
        if (esc && unescape(c->sc, v->s, v->n, &v->s, &v->n)) return -1;
        v->k = K_STR;
        return 0;
    case 't': v->k = K_TRUE; return literal(c, "true", 4);
    case 'f': v->k = K_FALSE; return literal(c, "false", 5);
    case 'n': v->k = K_NULL; return literal(c, "null", 4);
    default: return scan_number(c, v);
    }
}

/* ---- values (the rules of decode_value / floe_value_from_json) ------------ */

static int arena_put(floe_buf *arena, const void *p, size_t n, floe_value *out) {
    floe_err e;
    if (floe_buf_reserve(arena, n ? n : 1, &e) != FLOE_OK) return -1;
    size_t off = arena->len;
    if (n) memcpy(arena->data + off, p, n);
    arena->len += n;
    out->v.bytes.ptr = NULL;
    out->v.bytes.off = off;
    out->v.bytes.len = n;
    return 0;
}

/* A NUL-terminated copy of a string without NULs (json_cstr's rule). */
static const char *cstr(floe_dbz_scanner *sc, const tokv *v) {
    floe_err e;
    if (memchr(v->s, 0, v->n)) return NULL;
    sc->ctmp.len = 0;
    if (floe_buf_reserve(&sc->ctmp, v->n + 1, &e) != FLOE_OK) return NULL;
    memcpy(sc->ctmp.data, v->s, v->n);
    sc->ctmp.data[v->n] = 0;
    return (const char *)sc->ctmp.data;
}

static int int_fits(int64_t v, floe_type_kind k) {
    switch (k) {
    case FLOE_T_TINYINT: return v >= INT8_MIN && v <= INT8_MAX;
    case FLOE_T_SMALLINT: return v >= INT16_MIN && v <= INT16_MAX;
    case FLOE_T_INT: return v >= INT32_MIN && v <= INT32_MAX;
    default: return 1;
    }
}

static int dec_from_int(int64_t v, floe_type t, floe_value *out) {
    floe_err e;
    u128 mag = v < 0 ? (u128)(-(v + 1)) + 1 : (u128)v;
    return floe__dbz_dec_store(v < 0, mag, 0, t, out, &e) == FLOE_OK ? 0 : -1;
}

static int string_value(cur *c, const tokv *v, floe_value *out) {
    if (!floe_utf8_valid(v->s, v->n)) return -1;
    return arena_put(c->arena, v->s, v->n, out);
}

/* decode_plain + floe_value_from_json */
static int plain(cur *c, const tokv *v, floe_type t, floe_value *out) {
    floe_err e;
    const char *s;
    switch (t.kind) {
    case FLOE_T_BOOLEAN:
        if (v->k == K_TRUE || v->k == K_FALSE) {
            out->v.i64 = v->k == K_TRUE;
            return 0;
        }
        if (v->k == K_INT && (v->i == 0 || v->i == 1)) {
            out->v.i64 = v->i;
            return 0;
        }
        return -1;
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
        if (v->k != K_INT || !int_fits(v->i, t.kind)) return -1;
        out->v.i64 = v->i;
        return 0;
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: {
        int is_float = t.kind == FLOE_T_FLOAT;
        double x;
        if (v->k == K_INT) {
            x = (double)v->i;
        } else if (v->k == K_REAL) {
            x = v->r;
        } else if (v->k == K_STR) {
            if (v->n == 3 && memcmp(v->s, "NaN", 3) == 0)
                x = NAN;
            else if (v->n == 8 && memcmp(v->s, "Infinity", 8) == 0)
                x = INFINITY;
            else if (v->n == 9 && memcmp(v->s, "-Infinity", 9) == 0)
                x = -INFINITY;
            else
                return -1;
            out->v.f64 = is_float ? (double)(float)x : x;
            return 0;
        } else {
            return -1;
        }
        if (is_float) {
            float f = (float)x;
            if (isinf(f)) return -1;
            x = (double)f;
        }
        out->v.f64 = x;
        return 0;
    }
    case FLOE_T_DECIMAL:
        if (v->k == K_INT) return dec_from_int(v->i, t, out);
        if (v->k == K_REAL)
            return floe__dbz_dec_from_double(v->r, t, out, &e) == FLOE_OK ? 0 : -1;
        if (v->k != K_STR || !(s = cstr(c->sc, v))) return -1;
        return floe_decimal_parse(s, t.precision, t.scale, &out->v.dec, &e) == FLOE_OK ? 0 : -1;
    case FLOE_T_STRING:
        if (v->k != K_STR) return -1;
        return string_value(c, v, out);
    case FLOE_T_BINARY: {
        if (v->k != K_STR) return -1;
        size_t off = c->arena->len;
        if (floe_buf_reserve(c->arena, v->n ? v->n : 1, &e) != FLOE_OK ||
            floe_base64_decode((const char *)v->s, v->n, c->arena, &e) != FLOE_OK)
            return -1;
        out->v.bytes.ptr = NULL;
        out->v.bytes.off = off;
        out->v.bytes.len = c->arena->len - off;
        return 0;
    }
    case FLOE_T_DATE: {
        int32_t days = 0;
        if (v->k != K_STR || !(s = cstr(c->sc, v))) return -1;
        if (floe_date_parse(s, &days, &e) != FLOE_OK) return -1;
        out->v.i64 = days;
        return 0;
    }
    case FLOE_T_TIMESTAMP:
        if (v->k != K_STR) return -1;
        return floe__dbz_parse_iso_ts((const char *)v->s, v->n, &out->v.i64, &e) == FLOE_OK ? 0
                                                                                           : -1;
    }
    return -1;
}

/* int_to_us: unit 1000 (ms), 1 (us), -1000 (ns, exact) */
static int to_us(const tokv *v, int unit, int64_t *us) {
    if (v->k != K_INT) return -1;
    if (unit > 0) {
        if (v->i > INT64_MAX / unit || v->i < INT64_MIN / unit) return -1;
        *us = v->i * unit;
    } else {
        if (v->i % (-unit) != 0) return -1;
        *us = v->i / (-unit);
    }
    return 0;
}

static int decimal_bytes(const uint8_t *s, size_t n, int64_t es, floe_type t, floe_value *out) {
    floe_err e;
    uint8_t b[24];
    size_t len = 0;
    int neg = 0;
    u128 mag = 0;
    if (n > 24 || floe__dbz_b64_decode((const char *)s, n, 0, b, &len, &e) != FLOE_OK ||
        floe__dbz_dec_from_bytes(b, len, &neg, &mag, &e) != FLOE_OK ||
        floe__dbz_dec_store(neg, mag, es, t, out, &e) != FLOE_OK)
        return -1;
    return 0;
}

static int decode_scalar(cur *c, const scol *col, const tokv *v, floe_value *out) {
    floe_err e;
    floe_type t = col->t;
    int64_t us;
    switch (col->enc) {
    case FLOE_DBZ_PLAIN: return plain(c, v, t, out);
    case FLOE_DBZ_DATE_DAYS:
        if ((t.kind != FLOE_T_DATE && t.kind != FLOE_T_TIMESTAMP) || v->k != K_INT ||
            v->i < MIN_DAYS || v->i > MAX_DAYS)
            return -1;
        out->v.i64 = t.kind == FLOE_T_DATE ? v->i : v->i * US_PER_DAY;
        return 0;
    case FLOE_DBZ_TS_MS:
    case FLOE_DBZ_TS_US:
    case FLOE_DBZ_TS_NS:
        if (t.kind != FLOE_T_TIMESTAMP ||
            to_us(v, col->enc == FLOE_DBZ_TS_MS ? 1000 : col->enc == FLOE_DBZ_TS_US ? 1 : -1000,
                  &us) ||
            us < MIN_US || us > MAX_US)
            return -1;
        out->v.i64 = us;
        return 0;
    case FLOE_DBZ_TS_ZONED:
        if (t.kind != FLOE_T_TIMESTAMP || v->k != K_STR) return -1;
        return floe__dbz_parse_iso_ts((const char *)v->s, v->n, &out->v.i64, &e) == FLOE_OK ? 0
                                                                                           : -1;
    case FLOE_DBZ_TIME_MS:
    case FLOE_DBZ_TIME_US:
    case FLOE_DBZ_TIME_NS:
        if (!floe_type_is_integer(t.kind) || t.kind == FLOE_T_DATE ||
            to_us(v,
                  col->enc == FLOE_DBZ_TIME_MS   ? 1000
                  : col->enc == FLOE_DBZ_TIME_US ? 1
                                                 : -1000,
                  &us) ||
            !int_fits(us, t.kind))
            return -1;
        out->v.i64 = us;
        return 0;
    case FLOE_DBZ_DECIMAL_BYTES:
        if (t.kind != FLOE_T_DECIMAL) return -1;
        if (v->k == K_INT) return dec_from_int(v->i, t, out);
        if (v->k == K_REAL)
            return floe__dbz_dec_from_double(v->r, t, out, &e) == FLOE_OK ? 0 : -1;
        if (v->k != K_STR) return -1;
        return decimal_bytes(v->s, v->n, col->scale, t, out);
    case FLOE_DBZ_DECIMAL_VAR: return -1; /* an object; see decimal_var */
    case FLOE_DBZ_BYTES_BASE64:
    case FLOE_DBZ_BYTES_HEX:
    case FLOE_DBZ_BYTES_BASE64URL: {
        if (v->k != K_STR) return -1;
        if (t.kind == FLOE_T_STRING && col->fkind == FLOE_T_STRING)
            return string_value(c, v, out);
        if (t.kind != FLOE_T_BINARY && t.kind != FLOE_T_STRING) return -1;
        floe_buf *a = c->arena;
        if (floe_buf_reserve(a, v->n + 3, &e) != FLOE_OK) return -1;
        size_t off = a->len, len = 0;
        if (floe__dbz_bytes_decode(col->enc, (const char *)v->s, v->n, a->data + off, &len, &e) !=
            FLOE_OK)
            return -1;
        if (t.kind == FLOE_T_STRING && !floe_utf8_valid(a->data + off, len)) return -1;
        a->len += len;
        out->v.bytes.ptr = NULL;
        out->v.bytes.off = off;
        out->v.bytes.len = len;
        return 0;
    }
    }
    return -1;
}

/* {"scale":S,"value":base64} (io.debezium.data.VariableScaleDecimal) */
static int decimal_var(cur *c, const scol *col, floe_value *out, int depth) {
    if (col->t.kind != FLOE_T_DECIMAL) return -1;
    keyset ks;
    ks.bloom = 0;
    ks.n = 0;
    int has_scale = 0, has_value = 0;
    int64_t scale = 0;
    uint8_t val[24];
    size_t vlen = 0;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == '}') return -1; /* no scale */
    for (;;) {
        const uint8_t *k;
        size_t n;
        if (scan_key(c, &k, &n) || keyset_add(&ks, k, n)) return -1;
        ws(c);
        if (c->p >= c->end) return -1;
        if (n == 5 && memcmp(k, "scale", 5) == 0) {
            tokv v;
            if (*c->p == '{' || *c->p == '[' || scan_scalar(c, &v) || v.k != K_INT ||
                v.i < -1000 || v.i > 1000)
                return -1;
            scale = v.i;
            has_scale = 1;
        } else if (n == 5 && memcmp(k, "value", 5) == 0) {
            tokv v;
            if (*c->p != '"' || scan_scalar(c, &v) || v.n > sizeof val) return -1;
            memcpy(val, v.s, v.n);
            vlen = v.n;
            has_value = 1;
        } else if (skip_value(c, depth)) {
            return -1;
        }
        int m = next_member(c, '}');
        if (m < 0) return -1;
        if (m == 0) break;
    }
    if (!has_scale || !has_value) return -1;
    return decimal_bytes(val, vlen, scale, col->t, out);
}

static int decode_member(cur *c, const scol *col, floe_value *out, int depth) {
    memset(out, 0, sizeof *out);
    ws(c);
    if (c->p >= c->end) return -1;
    uint8_t ch = *c->p;
    if (ch == 'n') {
        out->is_null = 1;
        return literal(c, "null", 4);
    }
    if (ch == '{') return col->enc == FLOE_DBZ_DECIMAL_VAR ? decimal_var(c, col, out, depth + 1) : -1;
    if (ch == '[') return -1;
    tokv v;
    if (scan_scalar(c, &v)) return -1;
    return decode_scalar(c, col, &v, out);
}

/* ---- rows and the envelope -------------------------------------------------- */

static int find_col(const floe_dbz_scanner *sc, const uint8_t *k, size_t n) {
    for (size_t i = 0; i < sc->ncols; i++)
        if (sc->cols[i].len == n && memcmp(sc->cols[i].name, k, n) == 0) return (int)i;
    return -1;
}

static int scan_row(cur *c, int which, floe_value *vals) {
    floe_dbz_scanner *sc = c->sc;
    if (++sc->gen == 0) {
        memset(sc->seen, 0, sc->ncols * sizeof *sc->seen);
        sc->gen = 1;
    }
    uint32_t gen = sc->gen;
    uint32_t *order = sc->order[which];
    size_t norder = sc->norder[which], k = 0;
    keyset unknown;
    unknown.bloom = 0;
    unknown.n = 0;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == '}') {
        c->p++;
    } else {
        for (;;) {
            const uint8_t *key;
            size_t n;
            if (scan_key(c, &key, &n)) return -1;
            int col = -1;
            if (k < norder && order[k] != NO_COL) {
                const scol *e = &sc->cols[order[k]];
                if (e->len == n && memcmp(e->name, key, n) == 0) col = (int)order[k];
            }
            if (col < 0) col = find_col(sc, key, n);
            if (col >= 0) {
                if (sc->seen[col] == gen) return -1; /* duplicate key */
                sc->seen[col] = gen;
                if (decode_member(c, &sc->cols[col], &vals[col], 3)) return -1;
            } else {
                c->unknown = 1;
                if (keyset_add(&unknown, key, n) || skip_value(c, 3)) return -1;
            }
            if (k < sc->ncols) order[k] = col >= 0 ? (uint32_t)col : NO_COL;
            k++;
            int m = next_member(c, '}');
            if (m < 0) return -1;
            if (m == 0) break;
        }
    }
    sc->norder[which] = k < sc->ncols ? k : sc->ncols;
    if (k != sc->ncols || unknown.n)
        for (size_t i = 0; i < sc->ncols; i++)
            if (sc->seen[i] != gen) {
                memset(&vals[i], 0, sizeof vals[i]);
                vals[i].is_null = 1;
            }
    return 0;
}

#define KEY_IS(k, n, lit) ((n) == sizeof(lit) - 1 && memcmp((k), (lit), sizeof(lit) - 1) == 0)

/* The payload object (c->p at '{'); top: it is the whole message value, so
 * members named schema/payload would make jansson see an envelope. */
static int scan_payload(cur *c, int top, floe_dbz_scanned *out, floe_value *before,
                        floe_value *after) {
    keyset ks;
    ks.bloom = 0;
    ks.n = 0;
    c->p++;
    ws(c);
    if (c->p < c->end && *c->p == '}') return -1; /* no op */
    for (;;) {
        const uint8_t *k;
        size_t n;
        if (scan_key(c, &k, &n) || keyset_add(&ks, k, n)) return -1;
        ws(c);
        if (c->p >= c->end) return -1;
        uint8_t ch = *c->p;
        int row = KEY_IS(k, n, "after") ? 1 : KEY_IS(k, n, "before") ? 0 : -1;
        if (row >= 0) {
            if (ch == 'n') {
                if (literal(c, "null", 4)) return -1;
            } else if (ch == '{') {
                if (scan_row(c, row, row ? after : before)) return -1;
                if (row)
                    out->has_after = 1;
                else
                    out->has_before = 1;
            } else {
                return -1;
            }
        } else if (KEY_IS(k, n, "op")) {
            const uint8_t *s;
            size_t sn;
            int esc;
            if (ch != '"' || scan_string(c, &s, &sn, &esc) || esc || sn != 1 ||
                !memchr("cudrt", s[0], 5))
                return -1;
            out->op = (char)s[0];
        } else if (KEY_IS(k, n, "source")) {
            if (ch == 'n') {
                if (literal(c, "null", 4)) return -1;
            } else if (ch != '{' || skip_object(c, 3)) {
                return -1;
            }
        } else if (top && (KEY_IS(k, n, "schema") || KEY_IS(k, n, "payload"))) {
            return -1;
        } else if (skip_value(c, 2)) {
            return -1;
        }
        int m = next_member(c, '}');
        if (m < 0) return -1;
        if (m == 0) break;
    }
    return out->op ? 0 : -1;
}

static int at_end(cur *c) {
    ws(c);
    return c->p == c->end;
}

int floe_dbz_scan(floe_dbz_scanner *sc, const char *value, size_t len,
                  const floe_dbz_schema_cache *cache, floe_dbz_scanned *out, floe_value *before,
                  floe_value *after, floe_buf *arena) {
    memset(out, 0, sizeof *out);
    if (!value || len == 0) return 1; /* tombstone */
    if (!sc || !sc->ready || !arena) return 0;
    cur c = {(const uint8_t *)value, (const uint8_t *)value + len, sc, arena, 0};
    ws(&c);
    if (c.p >= c.end) return 0;
    if (*c.p == 'n') return literal(&c, "null", 4) == 0 && at_end(&c);
    if (*c.p != '{') return 0;
    static const char head[] = "{\"schema\":", mid[] = ",\"payload\":";
    size_t hl = sizeof head - 1, ml = sizeof mid - 1;
    if ((size_t)(c.end - c.p) >= hl && memcmp(c.p, head, hl) == 0) {
        if (!cache || !cache->schema || !cache->text) return 0;
        const uint8_t *q = c.p + hl;
        if ((size_t)(c.end - q) < cache->len + ml || memcmp(q, cache->text, cache->len) != 0 ||
            memcmp(q + cache->len, mid, ml) != 0)
            return 0;
        c.p = q + cache->len + ml;
        ws(&c);
        if (c.p >= c.end) return 0;
        if (*c.p == 'n') {
            if (literal(&c, "null", 4)) return 0; /* tombstone with a schema */
        } else if (*c.p == '{') {
            if (scan_payload(&c, 0, out, before, after)) return 0;
            out->value_schema = cache->schema;
        } else {
            return 0;
        }
        if (expect(&c, '}') || !at_end(&c)) return 0;
    } else {
        if (scan_payload(&c, 1, out, before, after) || !at_end(&c)) return 0;
    }
    out->unknown = c.unknown;
    return 1;
}
