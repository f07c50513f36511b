/*
 * Model-based randomized tests of the LSM table engine (engine/lsm).
 *
 * A seeded workload of upserts and deletes runs against a real table in a
 * temporary warehouse and, in parallel, against a simple in-memory model
 * (one slot per key: present or not, the row's values, the sequence number
 * of its last change). The write buffer is small so that many level-0 runs
 * exist; commits come at random intervals. After every commit the latest
 * snapshot is scanned (k-way merge, deletes dropped) and compared row by row
 * with the model: same keys in primary-key order, same values, same
 * sequence numbers. At random points the table and writer are reopened
 * (persistence; sequence numbers continue), sometimes after an uncommitted
 * tail of changes that is thrown away (as if the process had died).
 *
 * Variants: (a) bigint key, (b) composite string+int key in non-leading
 * columns, (c) every floe type as a value column with NULLs and extremes,
 * (d) schema changes mid-stream (add, widen, rename, drop, re-add a dropped
 * name, reorder, rename the key) and refused changes, (e) few keys
 * (bigint; strings sharing a long prefix; a single key) so that a flush
 * holds many versions of each; (f) keys and values of 16 MiB and more.
 *
 * Size: FLOE_MODEL_OPS (default 1000000) ops for (a), 15% of that for (b)
 * and (d), 10% for (c); FLOE_MODEL_SEED changes the seed. The warehouse is
 * left in place (its path printed) when a check fails.
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "floe_buf.h"
#include "floe_schema.h"
#include "floe_test.h"
#include "floe_value.h"
#include "lsm_merge.h"
#include "lsm_table.h"
#include "lsm_writer.h"

/* ---- helpers ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rnd(rng *r) {
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}
static uint64_t rnd_below(rng *r, uint64_t n) { return n ? rnd(r) % n : 0; }
static uint64_t rnd_range(rng *r, uint64_t lo, uint64_t hi) { return lo + rnd_below(r, hi - lo + 1); }

static long env_long(const char *name, long dflt) {
    const char *v = getenv(name);
    if (!v || !*v) return dflt;
    char *end;
    long x = strtol(v, &end, 10);
    return *end || x <= 0 ? dflt : x;
}

static uint64_t seed_for(const char *variant) {
    uint64_t s = (uint64_t)env_long("FLOE_MODEL_SEED", 20240611);
    for (const char *p = variant; *p; p++) s = s * 131 + (uint8_t)*p;
    return s;
}

static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void rm_rf(const char *dir) { nftw(dir, rm_entry, 32, FTW_DEPTH | FTW_PHYS); }

static int is_bytes(floe_type t) { return t.kind == FLOE_T_STRING || t.kind == FLOE_T_BINARY; }

/* Owned copy of bytes (never a NULL pointer, even for length 0). */
static const uint8_t *dup_bytes(const uint8_t *p, size_t n) {
    uint8_t *d = malloc(n ? n : 1);
    if (!d) abort();
    if (n) memcpy(d, p, n);
    return d;
}

static void fmt_val(const floe_value *v, floe_type t, char *out, size_t outsz) {
    floe_buf b = FLOE_BUF_INIT;
    floe_err e = {0};
    if (floe_value_to_json(v, t, NULL, &b, &e) != FLOE_OK) {
        snprintf(out, outsz, "<unprintable: %.100s>", e.msg);
    } else {
        size_t n = b.len < outsz - 1 ? b.len : outsz - 1;
        memcpy(out, b.data, n);
        out[n] = 0;
    }
    floe_buf_free(&b);
}

/* Exact equality for the model: NULLs, -0/+0 and every NaN as one value. */
static int val_eq(const floe_value *a, const floe_value *b, floe_type t) {
    if (a->is_null || b->is_null) return a->is_null == b->is_null;
    switch (t.kind) {
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE:
        if (isnan(a->v.f64) || isnan(b->v.f64)) return isnan(a->v.f64) && isnan(b->v.f64);
        return memcmp(&a->v.f64, &b->v.f64, sizeof(double)) == 0;
    case FLOE_T_DECIMAL: return a->v.dec == b->v.dec;
    case FLOE_T_STRING:
    case FLOE_T_BINARY:
        return a->v.bytes.len == b->v.bytes.len &&
               (a->v.bytes.len == 0 || memcmp(a->v.bytes.ptr, b->v.bytes.ptr, a->v.bytes.len) == 0);
    default: return a->v.i64 == b->v.i64;
    }
}

/* The model's own key order (independent of floe_value_compare): integers
 * numerically, strings as unsigned bytes then length. */
static int key_cmp(const floe_schema *s, const floe_value *a, const floe_value *b) {
    for (size_t k = 0; k < s->npk; k++) {
        size_t c = s->pk[k];
        const floe_value *x = &a[c], *y = &b[c];
        int r = 0;
        if (is_bytes(s->cols[c].type)) {
            size_t m = x->v.bytes.len < y->v.bytes.len ? x->v.bytes.len : y->v.bytes.len;
            r = m ? memcmp(x->v.bytes.ptr, y->v.bytes.ptr, m) : 0;
            if (!r) r = (x->v.bytes.len > y->v.bytes.len) - (x->v.bytes.len < y->v.bytes.len);
        } else {
            r = (x->v.i64 > y->v.i64) - (x->v.i64 < y->v.i64);
        }
        if (r) return r < 0 ? -1 : 1;
    }
    return 0;
}

static floe_schema *parse_schema(const char *json) {
    floe_schema *s = NULL;
    floe_err e = {0};
    if (floe_schema_parse(json, strlen(json), &s, &e) != FLOE_OK) {
        fprintf(stderr, "schema does not parse: %s\n%s\n", e.msg, json);
        abort();
    }
    return s;
}

/* ---- the model ---- */

typedef struct slot {
    uint8_t present;
    uint64_t seq;
    floe_value *vals; /* ncols; key columns always set; bytes owned */
} slot;

typedef struct undo {
    size_t k;
    slot old;
} undo;

typedef void (*make_key_fn)(size_t k, const floe_schema *s, floe_value *vals);

typedef struct model {
    floe_schema *s; /* owned */
    size_t nkeys;
    slot *slots;
    size_t *order; /* key ids in primary-key order */
    uint64_t next_seq;
    undo *undo;
    size_t nundo, capundo;
    size_t live;
} model;

static void vals_free(const floe_schema *s, floe_value *v) {
    if (!v) return;
    for (size_t i = 0; i < s->ncols; i++)
        if (!v[i].is_null && is_bytes(s->cols[i].type)) free((void *)v[i].v.bytes.ptr);
    free(v);
}

static floe_value *vals_new(const floe_schema *s) {
    floe_value *v = calloc(s->ncols, sizeof *v);
    if (!v) abort();
    for (size_t i = 0; i < s->ncols; i++) v[i].is_null = 1;
    return v;
}

/* A fresh row array holding (copies of) the key values of slot k. */
static floe_value *vals_with_key(const model *m, size_t k) {
    floe_value *v = vals_new(m->s);
    for (size_t j = 0; j < m->s->npk; j++) {
        size_t c = m->s->pk[j];
        v[c] = m->slots[k].vals[c];
        if (is_bytes(m->s->cols[c].type))
            v[c].v.bytes.ptr = dup_bytes(v[c].v.bytes.ptr, v[c].v.bytes.len);
    }
    return v;
}

static const model *sort_ctx;
static int order_cmp(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return key_cmp(sort_ctx->s, sort_ctx->slots[x].vals, sort_ctx->slots[y].vals);
}

static void model_sort(model *m) {
    for (size_t k = 0; k < m->nkeys; k++) m->order[k] = k;
    sort_ctx = m;
    qsort(m->order, m->nkeys, sizeof *m->order, order_cmp);
    for (size_t k = 1; k < m->nkeys; k++)
        if (key_cmp(m->s, m->slots[m->order[k - 1]].vals, m->slots[m->order[k]].vals) == 0) {
            fprintf(stderr, "test bug: keys %zu and %zu are equal\n", m->order[k - 1], m->order[k]);
            abort();
        }
}

static void model_init(model *m, const floe_schema *s, size_t nkeys, make_key_fn mk) {
    memset(m, 0, sizeof *m);
    floe_err e = {0};
    if (floe_schema_clone(s, &m->s, &e) != FLOE_OK) abort();
    m->nkeys = nkeys;
    m->slots = calloc(nkeys, sizeof *m->slots);
    m->order = calloc(nkeys, sizeof *m->order);
    if (!m->slots || !m->order) abort();
    for (size_t k = 0; k < nkeys; k++) {
        m->slots[k].vals = vals_new(s);
        mk(k, s, m->slots[k].vals);
    }
    m->next_seq = 1;
    model_sort(m);
}

static void model_commit(model *m) {
    for (size_t i = 0; i < m->nundo; i++) vals_free(m->s, m->undo[i].old.vals);
    m->nundo = 0;
}

/* The writer died: everything since the last commit is lost. */
static void model_abandon(model *m, uint64_t committed_next_seq) {
    while (m->nundo > 0) {
        undo *u = &m->undo[--m->nundo];
        slot *sl = &m->slots[u->k];
        if (sl->present) m->live--;
        if (u->old.present) m->live++;
        vals_free(m->s, sl->vals);
        *sl = u->old;
    }
    m->next_seq = committed_next_seq;
}

/* Replace slot k by (present, vals), remembering the old state. */
static void model_set(model *m, size_t k, int present, floe_value *vals) {
    if (m->nundo == m->capundo) {
        m->capundo = m->capundo ? m->capundo * 2 : 1024;
        m->undo = realloc(m->undo, m->capundo * sizeof *m->undo);
        if (!m->undo) abort();
    }
    slot *sl = &m->slots[k];
    m->undo[m->nundo].k = k;
    m->undo[m->nundo].old = *sl;
    m->nundo++;
    if (sl->present) m->live--;
    if (present) m->live++;
    sl->present = (uint8_t)present;
    sl->seq = m->next_seq++;
    sl->vals = vals;
}

static void model_free(model *m) {
    model_commit(m);
    for (size_t k = 0; k < m->nkeys; k++) vals_free(m->s, m->slots[k].vals);
    free(m->slots);
    free(m->order);
    free(m->undo);
    floe_schema_destroy(m->s);
    memset(m, 0, sizeof *m);
}

/* Schema change in the model: columns of `ns` take the values of the old
 * column with the same id; a new id reads NULL. */
static void model_alter(model *m, const floe_schema *ns) {
    FT_EQ_INT(m->nundo, 0);
    floe_schema *old = m->s;
    for (size_t k = 0; k < m->nkeys; k++) {
        floe_value *ov = m->slots[k].vals, *nv = vals_new(ns);
        for (size_t i = 0; i < ns->ncols; i++)
            for (size_t j = 0; j < old->ncols; j++)
                if (old->cols[j].id == ns->cols[i].id) {
                    nv[i] = ov[j];
                    ov[j].is_null = 1; /* moved */
                }
        vals_free(old, ov);
        m->slots[k].vals = nv;
    }
    floe_err e = {0};
    if (floe_schema_clone(ns, &m->s, &e) != FLOE_OK) abort();
    floe_schema_destroy(old);
    model_sort(m);
}

/* ---- value generation ---- */

static const char *const UTF8_PIECES[] = {"a", "b", "z", "0", " ", "\xc3\xa9", "\xe2\x82\xac",
                                          "\xf0\x9f\x98\x80", "\"", "\\", "\n", ",", "~"};

static void gen_string(rng *r, size_t maxlen, floe_buf *tmp) {
    tmp->len = 0;
    size_t n = rnd_below(r, maxlen + 1);
    if (rnd_below(r, 200) == 0) n = rnd_range(r, 1000, 5000); /* now and then a long one */
    while (tmp->len < n) {
        const char *p = UTF8_PIECES[rnd_below(r, sizeof UTF8_PIECES / sizeof *UTF8_PIECES)];
        floe_buf_append(tmp, p, strlen(p), NULL);
    }
}

static int64_t gen_int(rng *r, int bits) {
    int64_t lo = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
    int64_t hi = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;
    switch (rnd_below(r, 8)) {
    case 0: return lo;
    case 1: return hi;
    case 2: return (int64_t)rnd_below(r, 21) - 10;
    default: {
        uint64_t x = rnd(r);
        if (bits < 64) return lo + (int64_t)(x % (uint64_t)(hi - lo + 1));
        return (int64_t)x;
    }
    }
}

/* A random non-null value of type t (bytes owned by the value). */
static void gen_value(rng *r, floe_type t, floe_value *v, floe_buf *tmp) {
    memset(v, 0, sizeof *v);
    switch (t.kind) {
    case FLOE_T_BOOLEAN: v->v.i64 = (int64_t)rnd_below(r, 2); break;
    case FLOE_T_TINYINT: v->v.i64 = gen_int(r, 8); break;
    case FLOE_T_SMALLINT: v->v.i64 = gen_int(r, 16); break;
    case FLOE_T_INT: v->v.i64 = gen_int(r, 32); break;
    case FLOE_T_BIGINT: v->v.i64 = gen_int(r, 64); break;
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: {
        double d;
        switch (rnd_below(r, 12)) {
        case 0: d = NAN; break;
        case 1: d = INFINITY; break;
        case 2: d = -INFINITY; break;
        case 3: d = -0.0; break;
        case 4: d = 0.0; break;
        case 5: d = t.kind == FLOE_T_FLOAT ? 1e-45 : 5e-324; break; /* denormal */
        case 6: {
            uint64_t bits = rnd(r);
            memcpy(&d, &bits, sizeof d);
            if (isnan(d)) d = 1.5;
            break;
        }
        default: d = ((double)(int64_t)rnd(r)) / (double)(1 + rnd_below(r, 1000000)); break;
        }
        if (t.kind == FLOE_T_FLOAT) d = (double)(float)d;
        v->v.f64 = d;
        break;
    }
    case FLOE_T_DECIMAL: {
        floe_i128 max = 1;
        for (int i = 0; i < t.precision; i++) max *= 10;
        max -= 1;
        floe_i128 x;
        switch (rnd_below(r, 8)) {
        case 0: x = max; break;
        case 1: x = -max; break;
        case 2: x = (floe_i128)rnd_below(r, 2000001) - 1000000; break;
        default: {
            unsigned __int128 u = ((unsigned __int128)rnd(r) << 64) | rnd(r);
            x = (floe_i128)(u % ((unsigned __int128)max * 2 + 1) - (unsigned __int128)max);
        }
        }
        v->v.dec = x;
        break;
    }
    case FLOE_T_STRING:
        gen_string(r, 24, tmp);
        v->v.bytes.ptr = dup_bytes(tmp->data, tmp->len);
        v->v.bytes.len = tmp->len;
        break;
    case FLOE_T_BINARY: {
        tmp->len = 0;
        size_t n = rnd_below(r, 40);
        for (size_t i = 0; i < n; i++) floe_buf_put_u8(tmp, (uint8_t)(rnd_below(r, 3) ? rnd(r) : 0), NULL);
        v->v.bytes.ptr = dup_bytes(tmp->data, tmp->len);
        v->v.bytes.len = tmp->len;
        break;
    }
    case FLOE_T_DATE: {
        int64_t lo = floe_days_from_civil(1, 1, 1), hi = floe_days_from_civil(9999, 12, 31);
        switch (rnd_below(r, 6)) {
        case 0: v->v.i64 = lo; break;
        case 1: v->v.i64 = hi; break;
        case 2: v->v.i64 = (int64_t)rnd_below(r, 200) - 100; break;
        default: v->v.i64 = lo + (int64_t)rnd_below(r, (uint64_t)(hi - lo + 1));
        }
        break;
    }
    case FLOE_T_TIMESTAMP: {
        int64_t lo = floe_days_from_civil(1, 1, 1) * 86400000000LL;
        int64_t hi = (floe_days_from_civil(9999, 12, 31) + 1) * 86400000000LL - 1;
        switch (rnd_below(r, 8)) {
        case 0: v->v.i64 = lo; break;
        case 1: v->v.i64 = hi; break;
        case 2: v->v.i64 = (int64_t)rnd_below(r, 4000001) - 2000000; break; /* around 1970 */
        case 3: /* around ORC's 2015 epoch */
            v->v.i64 = 1420070400000000LL + (int64_t)rnd_below(r, 4000001) - 2000000;
            break;
        case 4: v->v.i64 = -(int64_t)rnd_below(r, 1000000) * 1000000; break; /* whole seconds */
        default: v->v.i64 = lo + (int64_t)rnd_below(r, (uint64_t)(hi - lo));
        }
        break;
    }
    }
}

/* ---- the engine side ---- */

typedef struct harness {
    char warehouse[256];
    const char *name;
    floe_lsm_table *t;
    floe_lsm_writer *w;
    floe_lsm_writer_opts o;
    model m;
    rng r;
    floe_buf tmp;
    uint64_t ops_done;      /* ops applied since the start (abandoned ones excluded) */
    uint64_t ops_committed; /* ops_done at the last commit */
    uint64_t committed_next_seq;
    int64_t last_snapshot;
    unsigned commits, reopens, abandoned, verifies, full_commits;
    size_t files; /* data files in the latest snapshot */
    uint64_t rows_verified;
    int null_pct;       /* chance of NULL in a nullable column */
    int delete_pct;     /* chance that an op is a delete */
    int empty_strings;  /* the first rows use empty strings (empty string arena) */
} harness;

static void h_open_writer(harness *h) {
    floe_err e = {0};
    FT_OK(floe_lsm_table_open(h->warehouse, h->name, &h->t, &e), &e);
    FT_OK(floe_lsm_writer_open(h->t, &h->o, &h->w, &e), &e);
    FT_EQ_INT(floe_lsm_writer_base_id(h->w), h->last_snapshot);
    json_t *sp = floe_lsm_writer_source_positions(h->w);
    if (h->last_snapshot > 0) {
        FT_CHECK(sp != NULL);
        FT_EQ_U64((uint64_t)json_integer_value(json_object_get(sp, "ops")), h->ops_committed);
    }
}

static void h_close_writer(harness *h) {
    floe_lsm_writer_destroy(h->w);
    floe_lsm_table_destroy(h->t);
    h->w = NULL;
    h->t = NULL;
}

static void h_init(harness *h, const char *variant, const char *name, const floe_schema *s,
                   uint32_t buckets, size_t nkeys, make_key_fn mk, uint64_t buffer,
                   floe_orc_codec codec) {
    memset(h, 0, sizeof *h);
    snprintf(h->warehouse, sizeof h->warehouse, "/tmp/floe-lsm-model-XXXXXX");
    FT_CHECK(mkdtemp(h->warehouse) != NULL);
    h->name = name;
    h->r.s = seed_for(variant);
    printf("%s: warehouse %s, seed FLOE_MODEL_SEED=%ld\n", variant, h->warehouse,
           env_long("FLOE_MODEL_SEED", 20240611));
    fflush(stdout);
    h->null_pct = 20;
    h->delete_pct = 25;
    floe_lsm_writer_opts_init(&h->o);
    h->o.buffer_bytes = buffer;
    h->o.codec = codec;
    h->o.commit_user = "model-test";
    model_init(&h->m, s, nkeys, mk);
    h->committed_next_seq = 1;
    floe_err e = {0};
    FT_OK(floe_lsm_table_create(h->warehouse, name, s, buckets, &e), &e);
    /* creating it again is refused */
    FT_EQ_INT(floe_lsm_table_create(h->warehouse, name, s, buckets, &e), FLOE_ERR_EXISTS);
    h_open_writer(h);
    /* an empty table scans as empty */
    floe_lsm_snapshot *snap = NULL;
    FT_OK(floe_lsm_table_latest(h->t, &snap, &e), &e);
    FT_CHECK(snap == NULL);
}

static void h_finish(harness *h, const char *variant, double t0) {
    h_close_writer(h);
    printf("%s: %llu ops, %u commits (%u with a full compaction), %u reopens (%u after an "
           "abandoned tail), %u scans of %llu rows, %zu live keys of %zu, %zu files, %.1fs\n",
           variant, (unsigned long long)h->ops_done, h->commits, h->full_commits, h->reopens,
           h->abandoned,
           h->verifies, (unsigned long long)h->rows_verified, h->m.live, h->m.nkeys,
           h->files, now_s() - t0);
    model_free(&h->m);
    floe_buf_free(&h->tmp);
    rm_rf(h->warehouse);
}

/* Scan the latest snapshot and compare with the model. */
static void h_verify(harness *h) {
    floe_err e = {0};
    floe_lsm_table *t = NULL;
    /* read through a fresh table handle, as a reader process would */
    FT_OK(floe_lsm_table_open(h->warehouse, h->name, &t, &e), &e);
    floe_lsm_snapshot *snap = NULL;
    FT_OK(floe_lsm_table_latest(t, &snap, &e), &e);
    FT_CHECK(snap != NULL);
    FT_EQ_INT(snap->id, h->last_snapshot);
    FT_EQ_U64(snap->next_sequence, h->m.next_seq);
    FT_EQ_U64((uint64_t)json_integer_value(json_object_get(snap->source_positions, "ops")),
              h->ops_committed);
    FT_EQ_STR(snap->commit_kind, "APPEND");
    FT_EQ_STR(snap->commit_user, "model-test");
    FT_EQ_INT(snap->commit_identifier, (int64_t)h->commits);
    uint64_t file_rows = 0;
    for (size_t i = 0; i < snap->nfiles; i++) {
        const floe_lsm_file *f = &snap->files[i];
        char prefix[32];
        snprintf(prefix, sizeof prefix, "bucket-%u/", f->bucket);
        FT_CHECK(f->bucket < t->buckets);
        FT_CHECK(f->level == 0 || f->level == 5); /* 5: after a full commit */
        FT_CHECK(strncmp(f->path, prefix, strlen(prefix)) == 0);
        FT_CHECK(f->rows > 0 && f->delete_rows <= f->rows);
        FT_CHECK(f->min_seq >= 1 && f->min_seq <= f->max_seq && f->max_seq < snap->next_sequence);
        FT_CHECK(f->max_seq - f->min_seq + 1 >= f->rows);
        FT_CHECK(f->min_key && f->max_key);
        file_rows += f->rows;
    }
    floe_lsm_merge *mg = NULL;
    FT_OK(floe_lsm_merge_open(t, snap->files, snap->nfiles, FLOE_MERGE_DROP_DELETES, &mg, &e), &e);
    const model *m = &h->m;
    const floe_schema *s = t->schema;
    FT_EQ_INT(s->ncols, m->s->ncols);
    size_t at = 0, rows = 0;
    for (;;) {
        const floe_value *vals = NULL;
        uint64_t seq = 0;
        int kind = -1;
        FT_OK(floe_lsm_merge_next(mg, &vals, &seq, &kind, &e), &e);
        while (at < m->nkeys && !m->slots[m->order[at]].present) at++;
        if (!vals) {
            if (at < m->nkeys) {
                char kb[128];
                size_t c = s->pk[0];
                fmt_val(&m->slots[m->order[at]].vals[c], s->cols[c].type, kb, sizeof kb);
                FT__FAIL("snapshot %lld: scan ended after %zu rows, model has more (key %s...)",
                         (long long)snap->id, rows, kb);
            }
            break;
        }
        rows++;
        FT_CHECK(kind == FLOE_KIND_INSERT || kind == FLOE_KIND_UPDATE_AFTER);
        if (at >= m->nkeys) FT__FAIL("snapshot %lld: scan has an extra row %zu", (long long)snap->id, rows);
        const slot *sl = &m->slots[m->order[at]];
        int kc = key_cmp(s, vals, sl->vals);
        if (kc != 0) {
            char got[128], want[128];
            size_t c = s->pk[0];
            fmt_val(&vals[c], s->cols[c].type, got, sizeof got);
            fmt_val(&sl->vals[c], s->cols[c].type, want, sizeof want);
            FT__FAIL("snapshot %lld row %zu: key %s, model expects key %s (%s)", (long long)snap->id,
                     rows, got, want, kc < 0 ? "a deleted/unknown key is visible" : "a key is missing");
        }
        for (size_t i = 0; i < s->ncols; i++) {
            if (!val_eq(&vals[i], &sl->vals[i], s->cols[i].type)) {
                char got[160], want[160], key[128];
                size_t c = s->pk[0];
                fmt_val(&vals[i], s->cols[i].type, got, sizeof got);
                fmt_val(&sl->vals[i], s->cols[i].type, want, sizeof want);
                fmt_val(&sl->vals[c], s->cols[c].type, key, sizeof key);
                FT__FAIL("snapshot %lld key %s column %s: got %s, model has %s",
                         (long long)snap->id, key, s->cols[i].name, got, want);
            }
        }
        if (seq != sl->seq)
            FT__FAIL("snapshot %lld row %zu: sequence %llu, model has %llu", (long long)snap->id,
                     rows, (unsigned long long)seq, (unsigned long long)sl->seq);
        at++;
    }
    FT_EQ_U64(rows, m->live);
    FT_CHECK(floe_lsm_merge_rows_read(mg) == file_rows);
    floe_lsm_merge_close(mg);
    h->files = snap->nfiles;
    floe_lsm_snapshot_destroy(snap);
    floe_lsm_table_destroy(t);
    h->verifies++;
    h->rows_verified += rows;
}

static void h_commit(harness *h) {
    floe_err e = {0};
    json_t *pos = json_pack("{s:I}", "ops", (json_int_t)h->ops_done);
    int64_t id = 0;
    /* now and then a commit with a full compaction (the ingest service's
     * at Iceberg refreshes): the table then holds top-level files only */
    int full = rnd_below(&h->r, 6) == 0;
    floe_status st;
    if (full) {
        uint64_t target = rnd_below(&h->r, 2) ? 128u << 20 : (uint64_t)rnd_range(&h->r, 16, 256) << 10;
        st = floe_lsm_writer_commit_full(h->w, (int64_t)h->commits + 1, pos, 5, target,
                                         FLOE_ORC_ZSTD, &id, &e);
    } else {
        st = floe_lsm_writer_commit(h->w, (int64_t)h->commits + 1, pos, &id, &e);
    }
    json_decref(pos);
    FT_OK(st, &e);
    FT_EQ_INT(id, h->last_snapshot + 1);
    if (full) {
        floe_lsm_snapshot *sn = NULL;
        FT_OK(floe_lsm_table_snapshot(h->t, id, &sn, &e), &e);
        for (size_t i = 0; i < sn->nfiles; i++) {
            FT_EQ_INT(sn->files[i].level, 5);
            FT_EQ_U64(sn->files[i].delete_rows, 0);
        }
        floe_lsm_snapshot_destroy(sn);
        h->full_commits++;
    }
    h->commits++;
    h->last_snapshot = id;
    h->ops_committed = h->ops_done;
    h->committed_next_seq = h->m.next_seq;
    model_commit(&h->m);
    /* nothing new: no snapshot */
    int64_t id2 = -1;
    FT_OK(floe_lsm_writer_commit(h->w, 999, NULL, &id2, &e), &e);
    FT_EQ_INT(id2, id);
    h_verify(h);
}

/* Upsert or delete one random key. */
static void h_op(harness *h) {
    model *m = &h->m;
    const floe_schema *s = m->s;
    size_t k = (size_t)rnd_below(&h->r, m->nkeys);
    floe_err e = {0};
    if ((int)rnd_below(&h->r, 100) < h->delete_pct) {
        floe_value *v = vals_with_key(m, k); /* non-key columns NULL, even NOT NULL ones */
        FT_OK(floe_lsm_writer_put(h->w, FLOE_KIND_DELETE, v, NULL, &e), &e);
        model_set(m, k, 0, v);
    } else {
        floe_value *v = vals_with_key(m, k);
        for (size_t i = 0; i < s->ncols; i++) {
            int is_key = 0;
            for (size_t j = 0; j < s->npk; j++) is_key |= s->pk[j] == i;
            if (is_key) continue;
            if (s->cols[i].nullable && (int)rnd_below(&h->r, 100) < h->null_pct) continue;
            gen_value(&h->r, s->cols[i].type, &v[i], &h->tmp);
            if (h->empty_strings && h->ops_done < 64 && is_bytes(s->cols[i].type)) {
                free((void *)v[i].v.bytes.ptr);
                v[i].v.bytes.ptr = dup_bytes(NULL, 0);
                v[i].v.bytes.len = 0;
            }
        }
        /* Instants in 1969-12-31T23:59:59.001 .. .999999 cannot be stored
         * in ORC exactly (ORC-645) and are refused: check, then move them. */
        for (size_t i = 0; i < s->ncols; i++)
            if (s->cols[i].type.kind == FLOE_T_TIMESTAMP && !v[i].is_null &&
                v[i].v.i64 >= -999000 && v[i].v.i64 <= -1) {
                FT_EQ_INT(floe_lsm_writer_put(h->w, FLOE_KIND_INSERT, v, NULL, &e), FLOE_ERR_BAD_INPUT);
                v[i].v.i64 -= 1000000;
            }
        int kind = rnd_below(&h->r, 2) ? FLOE_KIND_INSERT : FLOE_KIND_UPDATE_AFTER;
        FT_OK(floe_lsm_writer_put(h->w, kind, v, NULL, &e), &e);
        model_set(m, k, 1, v);
    }
    h->ops_done++;
}

/* Reopen table and writer; with `abandon`, first write an uncommitted tail
 * and throw it away (the writer is destroyed without a commit). */
static void h_reopen(harness *h, int abandon) {
    if (abandon) {
        uint64_t n = rnd_range(&h->r, 1, 20000), done = h->ops_done;
        for (uint64_t i = 0; i < n; i++) h_op(h);
        h->ops_done = done;
        model_abandon(&h->m, h->committed_next_seq);
        h->abandoned++;
    }
    h_close_writer(h);
    h_open_writer(h);
    h->reopens++;
    h_verify(h);
}

/* Run n ops with commits every [cmin, cmax] ops and random reopens. */
static void h_run(harness *h, uint64_t n, uint64_t cmin, uint64_t cmax) {
    uint64_t end = h->ops_done + n;
    while (h->ops_done < end) {
        uint64_t chunk = rnd_range(&h->r, cmin, cmax);
        if (chunk > end - h->ops_done) chunk = end - h->ops_done;
        for (uint64_t i = 0; i < chunk; i++) h_op(h);
        h_commit(h);
        if (rnd_below(&h->r, 100) < 15) h_reopen(h, (int)rnd_below(&h->r, 2));
    }
}

static uint64_t total_ops(void) { return (uint64_t)env_long("FLOE_MODEL_OPS", 1000000); }

/* ---- (a) bigint key ---- */

static void key_bigint(size_t k, const floe_schema *s, floe_value *v) {
    size_t c = s->pk[0];
    v[c].is_null = 0;
    if (k == 0) v[c].v.i64 = INT64_MIN;
    else if (k == 1) v[c].v.i64 = INT64_MAX;
    else if (k == 2) v[c].v.i64 = 0;
    else v[c].v.i64 = ((int64_t)(k * 2654435761u % 1000003u) - 500000) * 1000003;
}

static void test_model_bigint_key(void) {
    double t0 = now_s();
    floe_schema *s = parse_schema(
        "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false},"
        "{\"name\":\"v\",\"type\":\"bigint\"},{\"name\":\"s\",\"type\":\"string\"}],"
        "\"primary_key\":[\"id\"]}");
    harness h;
    h_init(&h, "bigint", "db.bigint_key", s, 3, 50000, key_bigint, 1u << 20, FLOE_ORC_ZSTD);
    floe_schema_destroy(s);
    uint64_t n = total_ops();
    h_run(&h, n, n / 200 > 0 ? n / 200 : 1, n / 20 > 0 ? n / 20 : 1);
    h_reopen(&h, 1);
    h_finish(&h, "bigint key", t0);
}

/* ---- (b) composite key: string + int, not the leading columns ---- */

static void key_composite(size_t k, const floe_schema *s, floe_value *v) {
    /* 500 strings: empty, prefixes of each other, multibyte, an embedded
     * NUL, long ones; times 40 ints (negative too) */
    char name[400];
    size_t si = k % 500, n;
    switch (si) {
    case 0: n = 0; break;
    case 1: n = (size_t)snprintf(name, sizeof name, "a"); break;
    case 2: n = (size_t)snprintf(name, sizeof name, "ab"); break;
    case 3: n = (size_t)snprintf(name, sizeof name, "abc"); break;
    case 4: n = (size_t)snprintf(name, sizeof name, "\xc3\xa9t\xc3\xa9"); break;
    case 5: n = (size_t)snprintf(name, sizeof name, "\xf0\x9f\x98\x80"); break;
    case 6: n = (size_t)snprintf(name, sizeof name, "~"); break;
    case 7:
        memcpy(name, "nul\0byte", 8);
        n = 8;
        break;
    default: {
        /* distinct prefixes; suffix lengths 0..12, now and then 300 */
        n = (size_t)snprintf(name, sizeof name, "user-%03zu-", (si * 7919) % 1000);
        size_t extra = si % 9 == 0 ? 300 : si % 13;
        memset(name + n, 'x', extra);
        n += extra;
    }
    }
    size_t cs = s->pk[0], ci = s->pk[1];
    v[cs].is_null = 0;
    v[cs].v.bytes.ptr = dup_bytes((const uint8_t *)name, n);
    v[cs].v.bytes.len = n;
    v[ci].is_null = 0;
    int64_t i = (int64_t)(k / 500);
    v[ci].v.i64 = i == 0 ? INT32_MIN : i == 1 ? INT32_MAX : (i - 20) * 1000;
}

static void test_model_composite_key(void) {
    double t0 = now_s();
    /* key columns in the middle, key order (name, n) unlike column order */
    floe_schema *s = parse_schema(
        "{\"columns\":[{\"name\":\"v\",\"type\":\"bigint\"},"
        "{\"name\":\"n\",\"type\":\"int\",\"nullable\":false},"
        "{\"name\":\"payload\",\"type\":\"string\"},"
        "{\"name\":\"name\",\"type\":\"string\",\"nullable\":false},"
        "{\"name\":\"w\",\"type\":\"double\"}],"
        "\"primary_key\":[\"name\",\"n\"]}");
    harness h;
    h_init(&h, "composite", "db.composite_key", s, 3, 20000, key_composite, 256u << 10,
           FLOE_ORC_LZ4);
    floe_schema_destroy(s);
    uint64_t n = total_ops() * 3 / 20;
    h_run(&h, n, n / 100 > 0 ? n / 100 : 1, n / 10 > 0 ? n / 10 : 1);
    h_reopen(&h, 1);
    h_finish(&h, "composite key", t0);
}

/* ---- (c) every type as a value column, NULLs ---- */

static void test_model_all_types(void) {
    double t0 = now_s();
    floe_schema *s = parse_schema(
        "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false},"
        "{\"name\":\"b\",\"type\":\"boolean\"},{\"name\":\"ti\",\"type\":\"tinyint\"},"
        "{\"name\":\"si\",\"type\":\"smallint\"},{\"name\":\"i\",\"type\":\"int\"},"
        "{\"name\":\"bi\",\"type\":\"bigint\"},{\"name\":\"f\",\"type\":\"float\"},"
        "{\"name\":\"d\",\"type\":\"double\"},{\"name\":\"dec\",\"type\":\"decimal(38,6)\"},"
        "{\"name\":\"dec2\",\"type\":\"decimal(9,2)\"},"
        "{\"name\":\"s\",\"type\":\"string\"},{\"name\":\"bin\",\"type\":\"binary\"},"
        "{\"name\":\"dt\",\"type\":\"date\"},{\"name\":\"ts\",\"type\":\"timestamp\"},"
        "{\"name\":\"nn_i\",\"type\":\"int\",\"nullable\":false},"
        "{\"name\":\"nn_s\",\"type\":\"string\",\"nullable\":false},"
        "{\"name\":\"nn_ts\",\"type\":\"timestamp\",\"nullable\":false}],"
        "\"primary_key\":[\"id\"]}");
    harness h;
    h_init(&h, "types", "db.all_types", s, 2, 10000, key_bigint, 1u << 20, FLOE_ORC_ZLIB);
    floe_schema_destroy(s);
    h.null_pct = 30;
    h.empty_strings = 1;
    uint64_t n = total_ops() / 10;
    /* a first commit of only empty strings, then the random workload */
    for (int i = 0; i < 64; i++) h_op(&h);
    h_commit(&h);
    h_run(&h, n, n / 100 > 0 ? n / 100 : 1, n / 10 > 0 ? n / 10 : 1);
    /* a stretch of NULL-only rows */
    h.null_pct = 100;
    h_run(&h, n / 20 + 1, n / 40 + 1, n / 20 + 1);
    h_reopen(&h, 1);
    h_finish(&h, "all types", t0);
}

/* ---- (d) schema changes ---- */

static void check_schema(const floe_lsm_table *t, const floe_schema *want, int32_t want_id) {
    FT_EQ_INT(t->schema_id, want_id);
    const floe_schema *s = t->schema;
    FT_EQ_INT(s->ncols, want->ncols);
    for (size_t i = 0; i < s->ncols; i++) {
        FT_EQ_STR(s->cols[i].name, want->cols[i].name);
        FT_EQ_INT(s->cols[i].id, want->cols[i].id);
        FT_EQ_INT(s->cols[i].type.kind, want->cols[i].type.kind);
        FT_EQ_INT(s->cols[i].type.precision, want->cols[i].type.precision);
        FT_EQ_INT(s->cols[i].type.scale, want->cols[i].type.scale);
        FT_EQ_INT(s->cols[i].nullable, want->cols[i].nullable);
    }
    FT_EQ_INT(s->npk, want->npk);
    for (size_t k = 0; k < s->npk; k++) FT_EQ_INT(s->pk[k], want->pk[k]);
}

/* Alter the table to `wanted` (has_id per column), check, reopen, apply to
 * the model. `expect` is wanted with the ids the new columns must get. */
static void h_alter(harness *h, const char *wanted_json, const int *has_id, const char *expect_json) {
    floe_err e = {0};
    floe_schema *wanted = parse_schema(wanted_json), *expect = parse_schema(expect_json);
    int32_t sid = h->t->schema_id;
    h_close_writer(h);
    floe_lsm_table *t = NULL;
    FT_OK(floe_lsm_table_open(h->warehouse, h->name, &t, &e), &e);
    FT_OK(floe_lsm_table_alter(t, wanted, has_id, &e), &e);
    check_schema(t, expect, sid + 1);
    floe_lsm_table_destroy(t);
    model_alter(&h->m, expect);
    h_open_writer(h);
    check_schema(h->t, expect, sid + 1);
    /* the old schema version stays readable */
    floe_schema *old = NULL;
    FT_OK(floe_lsm_table_schema(h->t, sid, &old, &e), &e);
    floe_schema_destroy(old);
    floe_schema_destroy(wanted);
    floe_schema_destroy(expect);
    h->reopens++;
    h_verify(h); /* old files through the new schema */
}

/* A refused change: FLOE_ERR_INVALID with a message naming `needle`, and
 * the table unchanged (also on disk). */
static void h_refuse(harness *h, const char *wanted_json, const int *has_id, const char *needle) {
    floe_err e = {0};
    floe_schema *wanted = parse_schema(wanted_json);
    int32_t sid = h->t->schema_id;
    floe_lsm_table *t = NULL;
    FT_OK(floe_lsm_table_open(h->warehouse, h->name, &t, &e), &e);
    floe_status st = floe_lsm_table_alter(t, wanted, has_id, &e);
    if (st != FLOE_ERR_INVALID)
        FT__FAIL("alter to %s: status %d (%s), expected FLOE_ERR_INVALID", wanted_json, (int)st,
                 st ? e.msg : "accepted");
    if (!strstr(e.msg, needle))
        FT__FAIL("alter to %s: message \"%s\" does not mention \"%s\"", wanted_json, e.msg, needle);
    FT_EQ_INT(t->schema_id, sid);
    floe_lsm_table_destroy(t);
    FT_OK(floe_lsm_table_open(h->warehouse, h->name, &t, &e), &e);
    FT_EQ_INT(t->schema_id, sid);
    floe_lsm_table_destroy(t);
    floe_schema_destroy(wanted);
}

static void test_model_schema_changes(void) {
    double t0 = now_s();
    const char *s0 =
        "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
        "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
        "{\"name\":\"c\",\"type\":\"double\",\"id\":4}],\"primary_key\":[\"id\"]}";
    floe_schema *s = parse_schema(s0);
    harness h;
    h_init(&h, "alter", "db.evolving", s, 5, 20000, key_bigint, 256u << 10, FLOE_ORC_NONE);
    floe_schema_destroy(s);
    uint64_t n = total_ops() * 3 / 20, phase = n / 7 + 1, cmin = n / 100 + 1, cmax = n / 14 + 1;
    h_run(&h, phase, cmin, cmax);

    /* refused: a NOT NULL column added, a narrowing, a type change, the key */
    static const int ids4_new[] = {1, 1, 1, 1, 0};
    static const int ids4[] = {1, 1, 1, 1};
    h_refuse(&h,
             "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":4},"
             "{\"name\":\"x\",\"type\":\"int\",\"nullable\":false}],\"primary_key\":[\"id\"]}",
             ids4_new, "nullable");
    h_refuse(&h,
             "{\"columns\":[{\"name\":\"id\",\"type\":\"int\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":4}],\"primary_key\":[\"id\"]}",
             ids4, "bigint to int");
    h_refuse(&h,
             "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"int\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":4}],\"primary_key\":[\"id\"]}",
             ids4, "string to int");
    h_refuse(&h,
             "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"int\",\"nullable\":false,\"id\":2},"
             "{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":4}],\"primary_key\":[\"a\"]}",
             ids4, "primary key");
    h_refuse(&h,
             "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"int\",\"nullable\":false,\"id\":2},"
             "{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":4}],\"primary_key\":[\"id\",\"a\"]}",
             ids4, "primary key");
    static const int ids3[] = {1, 1, 1};
    h_refuse(&h, /* dropping the key column */
             "{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"nullable\":false,\"id\":2},"
             "{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":4}],\"primary_key\":[\"a\"]}",
             ids3, "primary key");
    h_refuse(&h, /* an id the table never had */
             "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":99}],\"primary_key\":[\"id\"]}",
             ids4, "id 99");

    /* 1. add a column: old rows read NULL */
    h_alter(&h,
            "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
            "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
            "{\"name\":\"c\",\"type\":\"double\",\"id\":4},{\"name\":\"e\",\"type\":\"string\"}],"
            "\"primary_key\":[\"id\"]}",
            ids4_new,
            "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
            "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
            "{\"name\":\"c\",\"type\":\"double\",\"id\":4},{\"name\":\"e\",\"type\":\"string\",\"id\":5}],"
            "\"primary_key\":[\"id\"]}");
    h_run(&h, phase, cmin, cmax);

    /* 2. widen a: int -> bigint (old int files read as bigint) */
    static const int ids5[] = {1, 1, 1, 1, 1};
    const char *s2 =
        "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
        "{\"name\":\"a\",\"type\":\"bigint\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
        "{\"name\":\"c\",\"type\":\"double\",\"id\":4},{\"name\":\"e\",\"type\":\"string\",\"id\":5}],"
        "\"primary_key\":[\"id\"]}";
    h_alter(&h, s2, ids5, s2);
    h_run(&h, phase, cmin, cmax);
    /* and back is refused */
    h_refuse(&h,
             "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"int\",\"id\":2},{\"name\":\"b\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"c\",\"type\":\"double\",\"id\":4},{\"name\":\"e\",\"type\":\"string\",\"id\":5}],"
             "\"primary_key\":[\"id\"]}",
             ids5, "bigint to int");

    /* 3. rename b -> b_renamed: data kept */
    const char *s3 =
        "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
        "{\"name\":\"a\",\"type\":\"bigint\",\"id\":2},{\"name\":\"b_renamed\",\"type\":\"string\",\"id\":3},"
        "{\"name\":\"c\",\"type\":\"double\",\"id\":4},{\"name\":\"e\",\"type\":\"string\",\"id\":5}],"
        "\"primary_key\":[\"id\"]}";
    h_alter(&h, s3, ids5, s3);
    h_run(&h, phase, cmin, cmax);

    /* 4. drop c: it disappears */
    const char *s4 =
        "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
        "{\"name\":\"a\",\"type\":\"bigint\",\"id\":2},{\"name\":\"b_renamed\",\"type\":\"string\",\"id\":3},"
        "{\"name\":\"e\",\"type\":\"string\",\"id\":5}],\"primary_key\":[\"id\"]}";
    static const int ids4b[] = {1, 1, 1, 1};
    h_alter(&h, s4, ids4b, s4);
    h_run(&h, phase, cmin, cmax);

    /* 5. a new column named like the dropped one (new id, other type): old
     * files' c (id 4) must not show through */
    static const int ids5_new[] = {1, 1, 1, 1, 0};
    h_alter(&h,
            "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
            "{\"name\":\"a\",\"type\":\"bigint\",\"id\":2},{\"name\":\"b_renamed\",\"type\":\"string\",\"id\":3},"
            "{\"name\":\"e\",\"type\":\"string\",\"id\":5},{\"name\":\"c\",\"type\":\"string\"}],"
            "\"primary_key\":[\"id\"]}",
            ids5_new,
            "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
            "{\"name\":\"a\",\"type\":\"bigint\",\"id\":2},{\"name\":\"b_renamed\",\"type\":\"string\",\"id\":3},"
            "{\"name\":\"e\",\"type\":\"string\",\"id\":5},{\"name\":\"c\",\"type\":\"string\",\"id\":6}],"
            "\"primary_key\":[\"id\"]}");
    h_run(&h, phase, cmin, cmax);
    /* the dropped id cannot come back */
    h_refuse(&h,
             "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
             "{\"name\":\"a\",\"type\":\"bigint\",\"id\":2},{\"name\":\"b_renamed\",\"type\":\"string\",\"id\":3},"
             "{\"name\":\"e\",\"type\":\"string\",\"id\":5},{\"name\":\"c\",\"type\":\"string\",\"id\":6},"
             "{\"name\":\"c_old\",\"type\":\"double\",\"id\":4}],\"primary_key\":[\"id\"]}",
             (const int[]){1, 1, 1, 1, 1, 1}, "id 4");

    /* 6. reorder the columns and rename the key column (same id: allowed) */
    const char *s6 =
        "{\"columns\":[{\"name\":\"c\",\"type\":\"string\",\"id\":6},"
        "{\"name\":\"e\",\"type\":\"string\",\"id\":5},"
        "{\"name\":\"rid\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
        "{\"name\":\"b_renamed\",\"type\":\"string\",\"id\":3},"
        "{\"name\":\"a\",\"type\":\"bigint\",\"id\":2}],\"primary_key\":[\"rid\"]}";
    h_alter(&h, s6, ids5, s6);
    h_run(&h, n > 6 * phase ? n - 6 * phase : phase, cmin, cmax);
    h_reopen(&h, 1);
    h_finish(&h, "schema changes", t0);
}

/* ---- (e) few, hot keys: many versions of a key in one flush ---- */

/* Strings sharing their first 12 bytes ("order-000000") and differing
 * later; key 0 is the bare 8-byte prefix "order-00", a prefix of the rest. */
static void key_shared_prefix(size_t k, const floe_schema *s, floe_value *v) {
    char name[64];
    size_t n = k == 0 ? (size_t)snprintf(name, sizeof name, "order-00")
                      : (size_t)snprintf(name, sizeof name, "order-000000%03zu-%zu", k * 37 % 1000,
                                         k % 3);
    size_t c = s->pk[0];
    v[c].is_null = 0;
    v[c].v.bytes.ptr = dup_bytes((const uint8_t *)name, n);
    v[c].v.bytes.len = n;
}

static void test_model_hot_keys(void) {
    /* The flush sorts the buffer with a radix sort on (bucket, key prefix)
     * and, for string keys, by the full key within equal prefixes; the
     * newest version of a key must come first. Few keys and big buffers
     * make hundreds of versions of each key per flush. */
    double t0 = now_s();
    uint64_t n = total_ops() / 50;
    if (n < 2000) n = 2000;
    floe_schema *s = parse_schema(
        "{\"columns\":[{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false},"
        "{\"name\":\"v\",\"type\":\"bigint\"}],\"primary_key\":[\"id\"]}");
    harness h;
    /* bigint: INT64_MIN, INT64_MAX, 0 and negatives, 4 buckets */
    h_init(&h, "hot-bigint", "db.hot_bigint", s, 4, 40, key_bigint, 4u << 20, FLOE_ORC_NONE);
    floe_schema_destroy(s);
    h_run(&h, n, n / 20, n / 4);
    h_finish(&h, "hot bigint keys", t0);

    t0 = now_s();
    s = parse_schema("{\"columns\":[{\"name\":\"k\",\"type\":\"string\",\"nullable\":false},"
                     "{\"name\":\"v\",\"type\":\"bigint\"}],\"primary_key\":[\"k\"]}");
    /* one prefix for all keys: every bucket is a single run of equal
     * prefixes, sorted by the full key */
    h_init(&h, "hot-string", "db.hot_string", s, 3, 60, key_shared_prefix, 4u << 20,
           FLOE_ORC_NONE);
    h_run(&h, n, n / 20, n / 4);
    h_finish(&h, "hot string keys", t0);

    t0 = now_s();
    /* a single key: all entries equal, one bucket */
    h_init(&h, "one-key", "db.one_key", s, 1, 1, key_shared_prefix, 4u << 20, FLOE_ORC_NONE);
    floe_schema_destroy(s);
    h_run(&h, n / 4, 1, n / 8);
    h_finish(&h, "one key", t0);
}

/* ---- (f) values of 16 MiB and more: the write buffer's long-string form ---- */

static void test_long_values(void) {
    floe_schema *s = parse_schema(
        "{\"columns\":[{\"name\":\"k\",\"type\":\"string\",\"nullable\":false},"
        "{\"name\":\"b\",\"type\":\"binary\"},{\"name\":\"n\",\"type\":\"bigint\"}],"
        "\"primary_key\":[\"k\"]}");
    char wh[] = "/tmp/floe-long-values-XXXXXX";
    FT_CHECK(mkdtemp(wh) != NULL);
    floe_err e = {0};
    FT_OK(floe_lsm_table_create(wh, "db.long", s, 1, &e), &e);
    floe_schema_destroy(s);
    floe_lsm_table *t = NULL;
    FT_OK(floe_lsm_table_open(wh, "db.long", &t, &e), &e);
    floe_lsm_writer *w = NULL;
    FT_OK(floe_lsm_writer_open(t, NULL, &w, &e), &e);
    /* lengths around the 2^24 - 1 boundary of a packed string slot; keys
     * long too, sharing their first 8 bytes (the sort prefix) */
    static const size_t lens[] = {0, 1, (1u << 24) - 2, (1u << 24) - 1, 1u << 24, (17u << 20) + 3};
    enum { N = sizeof lens / sizeof lens[0] };
    uint8_t *big = malloc((17u << 20) + 16);
    char *key = malloc((1u << 24) + 16);
    FT_CHECK(big && key);
    for (size_t i = 0; i < (17u << 20) + 16; i++) big[i] = (uint8_t)(i * 131 + 7);
    for (size_t r = 0; r < N; r++) {
        size_t kl = r % 2 ? (1u << 24) + r : 9 + r;
        memset(key, 'k', kl);
        key[kl - 1] = (char)('a' + r);
        floe_value v[3] = {0};
        v[0].v.bytes.ptr = (const uint8_t *)key;
        v[0].v.bytes.len = kl;
        v[1].v.bytes.ptr = big + r;
        v[1].v.bytes.len = lens[r];
        v[2].v.i64 = (int64_t)r;
        FT_OK(floe_lsm_writer_put(w, FLOE_KIND_INSERT, v, NULL, &e), &e);
    }
    int64_t snap;
    FT_OK(floe_lsm_writer_commit(w, 1, NULL, &snap, &e), &e);
    floe_lsm_writer_destroy(w);
    floe_lsm_snapshot *sn = NULL;
    FT_OK(floe_lsm_table_latest(t, &sn, &e), &e);
    floe_lsm_merge *m = NULL;
    FT_OK(floe_lsm_merge_open(t, sn->files, sn->nfiles, FLOE_MERGE_DROP_DELETES, &m, &e), &e);
    size_t seen = 0;
    for (;;) {
        const floe_value *vals;
        uint64_t seq;
        int kind;
        FT_OK(floe_lsm_merge_next(m, &vals, &seq, &kind, &e), &e);
        if (!vals) break;
        size_t r = (size_t)vals[2].v.i64;
        FT_CHECK(r < N);
        size_t kl = r % 2 ? (1u << 24) + r : 9 + r;
        FT_EQ_U64(vals[0].v.bytes.len, kl);
        FT_EQ_INT(vals[0].v.bytes.ptr[kl - 1], 'a' + (int)r);
        FT_EQ_U64(vals[1].v.bytes.len, lens[r]);
        FT_CHECK(lens[r] == 0 || memcmp(vals[1].v.bytes.ptr, big + r, lens[r]) == 0);
        seen++;
    }
    FT_EQ_U64(seen, N);
    floe_lsm_merge_close(m);
    floe_lsm_snapshot_destroy(sn);
    floe_lsm_table_destroy(t);
    free(big);
    free(key);
    rm_rf(wh);
}

FT_MAIN(test_model_bigint_key, test_model_composite_key, test_model_all_types,
        test_model_schema_changes, test_model_hot_keys, test_long_values)
