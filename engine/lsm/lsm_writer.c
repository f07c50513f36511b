/*
 * lsm_writer.c: write buffer, level-0 flushes and commits; contract in
 * lsm_writer.h.
 *
 * Invariants:
 *  1. Every buffered row has seq in [base next_sequence, w->next_seq).
 *  2. After a flush the buffer is empty and w->pending lists, in flush
 *     order, every file written since the last commit.
 *  3. w->base is the snapshot the next commit builds on; its files plus
 *     w->pending are the table as the next commit will publish it.
 */
#define _GNU_SOURCE
#include "lsm_writer.h"

#include "lsm_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floe_fs.h"
#include "floe_log.h"
#include "orc_writer.h"

/* A buffered row, packed: header, a null bitmap of ceil(ncols/64) words,
 * then one slot per column at w->plan[c].slot: 8 bytes for integers, dates,
 * timestamps, booleans and float/double bits; 16 for decimals (low, high);
 * 8 for strings and binary: offset into w->strs << 24 | length, where
 * length STR_LONG means the length is the 8 bytes at the offset and the
 * bytes follow them. 10 columns take 104 bytes instead of 496 as
 * floe_values: fewer fresh pages to fill and cache lines to fetch. */
typedef struct rowrec {
    uint64_t seq;
    uint32_t bucket;
    int32_t kind;
} rowrec;

/* What put and the flush need of a column, in one small array. */
enum { PLAN_INT, PLAN_F64, PLAN_DEC, PLAN_BYTES };
typedef struct colplan {
    uint32_t slot;   /* byte offset of the column's slot in a record */
    uint8_t cls;     /* PLAN_* */
    uint8_t key;     /* a primary key column */
    uint8_t notnull; /* NOT NULL */
    uint8_t ts;      /* a timestamp (the ORC-645 check) */
} colplan;

#define STR_LEN_BITS 24
#define STR_LONG ((1ull << STR_LEN_BITS) - 1)
#define STR_MAX_OFF (1ull << (64 - STR_LEN_BITS))

struct floe_lsm_writer {
    floe_lsm_table *t;
    floe_lsm_writer_opts o;
    char commit_user[40];
    floe_lsm_snapshot *base;
    uint64_t next_seq;
    floe_buf rows;    /* rowrec + values, back to back */
    floe_buf strs;    /* string/binary bytes of buffered rows */
    size_t nidx;      /* rows in the buffer: row i at rows.data + i * rec_size, in
                         increasing seq order */
    size_t rec_size;
    size_t null_words;
    floe_value *out;   /* decoded row handed to the run writer */
    floe_value *kx, *ky; /* decoded keys for comparisons */
    size_t *strcols;     /* the string and binary columns */
    size_t nstr;
    int has_dec;         /* a decimal column (16-byte slot) */
    colplan *plan;       /* per column */
    floe_lsm_file *pending;
    size_t npending, cappending;
    int failed;
    floe_lsm_writer_stats st;
    char uuid[33];
    uint64_t file_counter;
};

void floe_lsm_writer_opts_init(floe_lsm_writer_opts *o) {
    memset(o, 0, sizeof *o);
    o->buffer_bytes = 256ull << 20;
    o->codec = FLOE_ORC_ZSTD;
}

floe_status floe_lsm_writer_open(floe_lsm_table *t, const floe_lsm_writer_opts *opts,
                                 floe_lsm_writer **out, floe_err *err) {
    *out = NULL;
    floe_lsm_writer *w = calloc(1, sizeof *w);
    if (!w) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    w->t = t;
    if (opts) w->o = *opts;
    else floe_lsm_writer_opts_init(&w->o);
    if (!w->o.buffer_bytes) w->o.buffer_bytes = 256ull << 20;
    floe_fs_uuid(w->uuid);
    snprintf(w->commit_user, sizeof w->commit_user, "%s",
             w->o.commit_user ? w->o.commit_user : w->uuid);
    w->o.commit_user = NULL;
    size_t nc = t->schema->ncols;
    w->null_words = (nc + 63) / 64;
    w->plan = calloc(nc ? nc : 1, sizeof *w->plan);
    w->out = calloc(nc, sizeof *w->out);
    w->kx = calloc(nc, sizeof *w->kx);
    w->ky = calloc(nc, sizeof *w->ky);
    w->strcols = calloc(nc ? nc : 1, sizeof *w->strcols);
    if (!w->out || !w->kx || !w->ky || !w->strcols || !w->plan) {
        floe_lsm_writer_destroy(w);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    w->rec_size = sizeof(rowrec) + w->null_words * 8;
    for (size_t c = 0; c < nc; c++) {
        const floe_column *col = &t->schema->cols[c];
        colplan *cp = &w->plan[c];
        cp->slot = (uint32_t)w->rec_size;
        switch (col->type.kind) {
        case FLOE_T_FLOAT:
        case FLOE_T_DOUBLE: cp->cls = PLAN_F64; break;
        case FLOE_T_DECIMAL: cp->cls = PLAN_DEC; break;
        case FLOE_T_STRING:
        case FLOE_T_BINARY: cp->cls = PLAN_BYTES; break;
        default: cp->cls = PLAN_INT; break;
        }
        for (size_t k = 0; k < t->schema->npk; k++) cp->key |= t->schema->pk[k] == c;
        cp->notnull = !col->nullable;
        cp->ts = col->type.kind == FLOE_T_TIMESTAMP;
        w->rec_size += cp->cls == PLAN_DEC ? 16 : 8;
        if (cp->cls == PLAN_BYTES) w->strcols[w->nstr++] = c;
        if (cp->cls == PLAN_DEC) w->has_dec = 1;
    }
    floe_status s = floe_lsm_table_latest(t, &w->base, err);
    if (s != FLOE_OK) {
        floe_lsm_writer_destroy(w);
        return s;
    }
    w->next_seq = w->base ? w->base->next_sequence : 1;
    *out = w;
    return FLOE_OK;
}

void floe_lsm_writer_destroy(floe_lsm_writer *w) {
    if (!w) return;
    floe_lsm_snapshot_destroy(w->base);
    free(w->out);
    free(w->kx);
    free(w->ky);
    free(w->strcols);
    free(w->plan);
    floe_buf_free(&w->rows);
    floe_buf_free(&w->strs);
    for (size_t i = 0; i < w->npending; i++) floe_lsm_file_free(&w->pending[i]);
    free(w->pending);
    free(w);
}

json_t *floe_lsm_writer_source_positions(const floe_lsm_writer *w) {
    return w->base ? w->base->source_positions : NULL;
}
int64_t floe_lsm_writer_base_id(const floe_lsm_writer *w) { return w->base ? w->base->id : 0; }

void floe_lsm_writer_get_stats(const floe_lsm_writer *w, floe_lsm_writer_stats *st) {
    *st = w->st;
    st->buffer_bytes = w->rows.len + w->strs.len;
    st->buffer_rows = w->nidx;
}

/* Row i of the buffer (rows are fixed-size, back to back). */
static rowrec *row_at(const floe_lsm_writer *w, size_t row) {
    return (rowrec *)(w->rows.data + (uint64_t)row * w->rec_size);
}
static uint64_t *rec_nulls(rowrec *r) { return (uint64_t *)(r + 1); }
static uint64_t *rec_slot(const floe_lsm_writer *w, rowrec *r, size_t c) {
    return (uint64_t *)((uint8_t *)r + w->plan[c].slot);
}

/* The bytes of a string slot (valid until the buffer is reset). */
static const uint8_t *str_of(const floe_lsm_writer *w, uint64_t slot, size_t *len) {
    uint64_t off = slot >> STR_LEN_BITS, n = slot & STR_LONG;
    if (n == STR_LONG) {
        memcpy(&n, w->strs.data + off, 8);
        off += 8;
    }
    *len = (size_t)n;
    return n ? w->strs.data + off : (const uint8_t *)"";
}

/* Decode column c of a packed row into a floe_value (bytes via .ptr into
 * w->strs: valid until the buffer is reset). */
static void rec_get(const floe_lsm_writer *w, rowrec *r, size_t c, floe_value *out) {
    /* only the fields of the column's class are set (no memset: this runs
     * for every value a flush writes) */
    out->is_null = rec_nulls(r)[c / 64] >> (c % 64) & 1;
    if (out->is_null) return;
    const uint64_t *p = rec_slot(w, r, c);
    switch (w->plan[c].cls) {
    case PLAN_F64: memcpy(&out->v.f64, p, 8); break;
    case PLAN_DEC: out->v.dec = (floe_i128)(((unsigned __int128)p[1] << 64) | p[0]); break;
    case PLAN_BYTES: out->v.bytes.ptr = str_of(w, *p, &out->v.bytes.len); break;
    default: out->v.i64 = (int64_t)*p; break;
    }
}

/* Decode a whole packed row: every slot's 8 bytes as they are (integers,
 * and a double's bits), then the string and decimal columns fixed up. The
 * flush runs this for every row it writes. */
static void rec_decode(const floe_lsm_writer *w, rowrec *r, floe_value *out) {
    const uint64_t *nulls = rec_nulls(r);
    size_t nc = w->t->schema->ncols;
    for (size_t c = 0; c < nc; c++) {
        out[c].is_null = nulls[c / 64] >> (c % 64) & 1;
        memcpy(&out[c].v.i64, rec_slot(w, r, c), 8);
    }
    for (size_t k = 0; k < w->nstr; k++) {
        size_t c = w->strcols[k];
        if (out[c].is_null) continue;
        uint64_t q = (uint64_t)out[c].v.i64; /* the slot, before ptr overwrites it */
        out[c].v.bytes.ptr = str_of(w, q, &out[c].v.bytes.len);
    }
    if (w->has_dec)
        for (size_t c = 0; c < nc; c++)
            if (w->plan[c].cls == PLAN_DEC && !out[c].is_null) rec_get(w, r, c, &out[c]);
}

/* ---- sorted runs ---- */

static floe_status key_json(const floe_schema *s, const floe_value *vals, const floe_buf *arena,
                            json_t **out, floe_err *err) {
    floe_buf b = FLOE_BUF_INIT;
    floe_status st = floe_buf_put_u8(&b, '[', err);
    for (size_t k = 0; k < s->npk && st == FLOE_OK; k++) {
        if (k) st = floe_buf_put_u8(&b, ',', err);
        if (st == FLOE_OK)
            st = floe_value_to_json(&vals[s->pk[k]], s->cols[s->pk[k]].type, arena, &b, err);
    }
    if (st == FLOE_OK) st = floe_buf_put_u8(&b, ']', err);
    if (st == FLOE_OK) {
        json_error_t je;
        *out = json_loadb((const char *)b.data, b.len, JSON_ALLOW_NUL, &je);
        if (!*out) st = floe_err_set(err, FLOE_ERR_STATE, "key JSON: %s", je.text);
    }
    floe_buf_free(&b);
    return st;
}

typedef struct run_out {
    const floe_lsm_table *t;
    floe_orc_codec codec;
    uint32_t bucket, level;
    char rel[256], path[4400];
    floe_output *out;
    floe_orc_writer *ow;
    floe_lsm_file cur;
    floe_value ext[2]; /* _SEQUENCE_NUMBER and _VALUE_KIND, after the table columns */
    const floe_buf *last_arena;
    const floe_value *last_vals;
} run_out;

static floe_status run_begin(run_out *r, floe_err *err) {
    char uuid[33];
    floe_fs_uuid(uuid);
    snprintf(r->rel, sizeof r->rel, "bucket-%u/data-%s-0.orc", r->bucket, uuid);
    floe_lsm_table_path(r->t, r->rel, r->path, sizeof r->path);
    char dir[4400];
    snprintf(dir, sizeof dir, "%s/bucket-%u", r->t->dir, r->bucket);
    FLOE_TRY(floe_fs_mkdirs(dir, err));
    FLOE_TRY(floe_output_open_file(r->path, &r->out, err));
    const floe_schema *ts = r->t->schema;
    /* file schema = table columns + two system columns */
    floe_schema fs = *ts;
    size_t n = ts->ncols;
    floe_column *cols = calloc(n + 2, sizeof *cols);
    if (!cols) {
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    memcpy(cols, ts->cols, n * sizeof *cols);
    /* Iceberg has no 8- or 16-bit integers and its ORC readers map an
     * Iceberg int to ORC INT only: store tinyint/smallint as INT. */
    for (size_t i = 0; i < n; i++)
        if (cols[i].type.kind == FLOE_T_TINYINT || cols[i].type.kind == FLOE_T_SMALLINT)
            cols[i].type.kind = FLOE_T_INT;
    cols[n] = (floe_column){"_SEQUENCE_NUMBER", {FLOE_T_BIGINT, 0, 0}, 0, FLOE_LSM_SEQ_FIELD_ID};
    cols[n + 1] = (floe_column){"_VALUE_KIND", {FLOE_T_TINYINT, 0, 0}, 0, FLOE_LSM_KIND_FIELD_ID};
    fs.cols = cols;
    fs.ncols = n + 2;
    floe_orc_writer_opts o;
    floe_orc_writer_opts_init(&o);
    o.codec = r->codec;
    o.sort_key = ts->pk;
    o.nsort_key = ts->npk;
    o.sort_strict = 1;
    /* Level-0 runs are read back by the next compaction only: small stripes
     * keep the writer's and that reader's stream buffers small and reused
     * (a 64 MiB stripe of fresh buffers costs more to fault in than to fill). */
    if (r->level == 0) o.stripe_size = FLOE_LSM_L0_STRIPE_SIZE;
    floe_status s = floe_orc_writer_open(r->out, &fs, &o, &r->ow, err);
    free(cols);
    if (s != FLOE_OK) return s;
    memset(&r->cur, 0, sizeof r->cur);
    r->cur.bucket = r->bucket;
    r->cur.level = r->level;
    r->cur.schema_id = r->t->schema_id;
    r->cur.min_seq = UINT64_MAX;
    return FLOE_OK;
}

static floe_status run_end(run_out *r, floe_lsm_file **files, size_t *nfiles, floe_err *err) {
    FLOE_TRY(floe_orc_writer_close(r->ow, err));
    FLOE_TRY(floe_output_finish(r->out, 1, err));
    r->cur.size = floe_output_offset(r->out);
    floe_orc_writer_destroy(r->ow);
    floe_output_destroy(r->out);
    r->ow = NULL;
    r->out = NULL;
    FLOE_TRY(key_json(r->t->schema, r->last_vals, r->last_arena, &r->cur.max_key, err));
    r->cur.path = strdup(r->rel);
    if (!r->cur.path) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    floe_lsm_file *nf = realloc(*files, (*nfiles + 1) * sizeof *nf);
    if (!nf) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    *files = nf;
    nf[(*nfiles)++] = r->cur;
    memset(&r->cur, 0, sizeof r->cur);
    return FLOE_OK;
}

floe_status floe_lsm_write_run(const floe_lsm_table *t, floe_orc_codec codec, uint32_t bucket,
                               uint32_t level, floe_lsm_row_source src, void *ud,
                               uint64_t target_size, floe_lsm_file **files, size_t *nfiles,
                               floe_err *err) {
    run_out r = {0};
    r.t = t;
    r.codec = codec;
    r.bucket = bucket;
    r.level = level;
    size_t n = t->schema->ncols;
    floe_status s = FLOE_OK;
    /* The last row's key must stay readable until the file ends, but the
     * source may reuse its buffers: keep a copy of the key values. */
    floe_value *lastk = calloc(n, sizeof *lastk);
    floe_buf lastk_arena = FLOE_BUF_INIT;
    if (!lastk) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    for (;;) {
        const floe_value *vals;
        const floe_buf *arena;
        uint64_t seq;
        int kind;
        int got = src(ud, &vals, &arena, &seq, &kind, err);
        if (got < 0) {
            s = err ? err->code : FLOE_ERR_STATE;
            break;
        }
        if (got == 0) break;
        if (!r.ow) {
            if ((s = run_begin(&r, err)) != FLOE_OK) break;
            if ((s = key_json(t->schema, vals, arena, &r.cur.min_key, err)) != FLOE_OK) break;
        }
        r.ext[0].v.i64 = (int64_t)seq;
        r.ext[1].v.i64 = kind;
        if ((s = floe_orc_writer_add_row_tail(r.ow, vals, arena, r.ext, 2, err)) != FLOE_OK) break;
        r.cur.rows++;
        if (kind == FLOE_KIND_DELETE) r.cur.delete_rows++;
        if (seq < r.cur.min_seq) r.cur.min_seq = seq;
        if (seq > r.cur.max_seq) r.cur.max_seq = seq;
        /* remember the key of the last row */
        lastk_arena.len = 0;
        for (size_t k = 0; k < t->schema->npk && s == FLOE_OK; k++) {
            size_t c = t->schema->pk[k];
            lastk[c] = vals[c];
            floe_type_kind tk = t->schema->cols[c].type.kind;
            if (tk == FLOE_T_STRING || tk == FLOE_T_BINARY) {
                const uint8_t *p = floe_value_bytes(&vals[c], arena);
                lastk[c].v.bytes.ptr = NULL;
                lastk[c].v.bytes.off = lastk_arena.len;
                s = floe_buf_append(&lastk_arena, p, vals[c].v.bytes.len, err);
            }
        }
        r.last_vals = lastk;
        r.last_arena = &lastk_arena;
        if (s != FLOE_OK) break;
        if (target_size && (r.cur.rows & 4095) == 0 &&
            floe_output_offset(r.out) >= target_size) {
            if ((s = run_end(&r, files, nfiles, err)) != FLOE_OK) break;
        }
    }
    if (s == FLOE_OK && r.ow) s = run_end(&r, files, nfiles, err);
    if (s != FLOE_OK) {
        if (r.ow || r.out) unlink(r.path);
        floe_lsm_file_free(&r.cur);
    }
    floe_orc_writer_destroy(r.ow);
    floe_output_destroy(r.out);
    free(lastk);
    floe_buf_free(&lastk_arena);
    return s;
}

/* ---- the write buffer ---- */

/* First capacity of the row and string buffers. Grown by doubling from
 * small, each realloc below malloc's mmap threshold copies the buffer into
 * fresh pages (tens of MB of page faults per fill); a first capacity past
 * the threshold is address space only (pages are touched as rows arrive)
 * and later growth is mremap, without copies. */
#define BUFFER_FIRST_CAP (64u << 20)

static floe_status copy_row(floe_lsm_writer *w, int kind, const floe_value *vals,
                            const floe_buf *arena, floe_err *err) {
    const floe_schema *s = w->t->schema;
    if (w->rows.cap == 0) {
        size_t cap = w->o.buffer_bytes < BUFFER_FIRST_CAP ? (size_t)w->o.buffer_bytes : BUFFER_FIRST_CAP;
        FLOE_TRY(floe_buf_reserve(&w->rows, cap, err));
        if (w->nstr) FLOE_TRY(floe_buf_reserve(&w->strs, cap, err));
    }
    FLOE_TRY(floe_buf_reserve(&w->rows, w->rec_size, err));
    rowrec *r = row_at(w, w->nidx);
    memset(r, 0, w->rec_size);
    w->rows.len += w->rec_size;
    r->seq = w->next_seq++;
    r->kind = kind;
    r->bucket = w->t->buckets > 1 ? floe_lsm_bucket_of(s, vals, arena, w->t->buckets) : 0;
    for (size_t i = 0; i < s->ncols; i++) {
        const colplan *cp = &w->plan[i];
        uint64_t *p = rec_slot(w, r, i);
        if (kind == FLOE_KIND_DELETE && !cp->key) {
            /* a tombstone carries only its key; NOT NULL columns get a zero
             * value so the file stays valid (never visible) */
            if (!cp->notnull) rec_nulls(r)[i / 64] |= 1ull << (i % 64);
            continue;
        }
        const floe_value *v = &vals[i];
        if (v->is_null) {
            rec_nulls(r)[i / 64] |= 1ull << (i % 64);
            continue;
        }
        switch (cp->cls) {
        case PLAN_F64: memcpy(p, &v->v.f64, 8); break;
        case PLAN_DEC:
            p[0] = (uint64_t)(unsigned __int128)v->v.dec;
            p[1] = (uint64_t)((unsigned __int128)v->v.dec >> 64);
            break;
        case PLAN_BYTES: {
            const uint8_t *src = floe_value_bytes(v, arena);
            uint64_t soff = w->strs.len, n = v->v.bytes.len;
            if (soff >= STR_MAX_OFF)
                return floe_err_set(err, FLOE_ERR_NOMEM, "write buffer strings past %llu bytes",
                                    (unsigned long long)STR_MAX_OFF);
            if (n >= STR_LONG) FLOE_TRY(floe_buf_append(&w->strs, &n, 8, err));
            FLOE_TRY(floe_buf_append(&w->strs, src, n, err));
            *p = soff << STR_LEN_BITS | (n >= STR_LONG ? STR_LONG : n);
            break;
        }
        default: *p = (uint64_t)v->v.i64; break;
        }
    }
    w->nidx++;
    return FLOE_OK;
}

/* Sorting the buffer: 16-byte entries carry the bucket, an order-preserving
 * 64-bit prefix of the first key column and the row number (rows are in
 * sequence-number order, so it orders versions too). The order is
 * cmp_ents's: bucket, prefix, the full key when the prefix is partial
 * (string, binary, decimal or composite keys), then newest first. It is
 * made by a stable LSD radix sort on (bucket, prefix) of the entries in
 * newest-first order, and, when the prefix is partial, a comparison sort of
 * each run of equal (bucket, prefix); rows are decoded only there. */
typedef struct sortent {
    uint64_t kp;
    uint32_t bucket;
    uint32_t row; /* rows are in seq order: a larger row is newer */
} sortent;

static uint64_t key_prefix(const floe_lsm_writer *w, rowrec *r) {
    const floe_schema *s = w->t->schema;
    const uint64_t *p = rec_slot(w, r, s->pk[0]);
    switch (w->plan[s->pk[0]].cls) {
    case PLAN_BYTES: {
        size_t n;
        const uint8_t *b = str_of(w, *p, &n);
        uint64_t x = 0;
        for (size_t i = 0; i < 8; i++) x = (x << 8) | (i < n ? b[i] : 0);
        return x;
    }
    case PLAN_DEC: return p[1] ^ (1ull << 63);
    default: return *p ^ (1ull << 63);
    }
}

/* 1 when equal prefixes still need a full key comparison */
static int prefix_is_partial(const floe_schema *s) {
    floe_type_kind k = s->cols[s->pk[0]].type.kind;
    return s->npk > 1 || k == FLOE_T_STRING || k == FLOE_T_BINARY || k == FLOE_T_DECIMAL;
}

static int full_key_cmp(const floe_lsm_writer *w, size_t a, size_t b) {
    const floe_schema *s = w->t->schema;
    rowrec *x = row_at(w, a), *y = row_at(w, b);
    for (size_t k = 0; k < s->npk; k++) {
        size_t c = s->pk[k];
        rec_get(w, x, c, &w->kx[c]);
        rec_get(w, y, c, &w->ky[c]);
        int r = floe_value_compare(&w->kx[c], &w->ky[c], s->cols[c].type, NULL, NULL);
        if (r) return r;
    }
    return 0;
}

typedef struct sort_ctx {
    const floe_lsm_writer *w;
    int partial;
} sort_ctx;

static int cmp_ents(const void *pa, const void *pb, void *ctx) {
    const sortent *a = pa, *b = pb;
    const sort_ctx *sc = ctx;
    if (a->bucket != b->bucket) return a->bucket < b->bucket ? -1 : 1;
    if (a->kp != b->kp) return a->kp < b->kp ? -1 : 1;
    if (sc->partial) {
        int r = full_key_cmp(sc->w, a->row, b->row);
        if (r) return r;
    }
    /* newest first */
    return a->row > b->row ? -1 : a->row < b->row;
}

/* Sort a run by cmp_ents: insertion sort when short (runs are usually a
 * few versions of one key), qsort_r otherwise. */
static void sort_run(sortent *e, size_t n, sort_ctx *sc) {
    if (n > 16) {
        qsort_r(e, n, sizeof *e, cmp_ents, sc);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        sortent x = e[i];
        size_t j = i;
        for (; j > 0 && cmp_ents(&e[j - 1], &x, sc) > 0; j--) e[j] = e[j - 1];
        e[j] = x;
    }
}

/* Radix key of an entry: bucket in bits 64..95, prefix in bits 0..63. */
static inline unsigned __int128 rkey(const sortent *e) {
    return ((unsigned __int128)e->bucket << 64) | e->kp;
}

#define RADIX_MAX_BITS 11 /* digits of at most 2048 bins */

/* The buffer's entries in cmp_ents order (malloc'ed, n = w->nidx), or NULL
 * when out of memory. Uses one scratch array of n entries, freed here. */
static sortent *sort_buffer(const floe_lsm_writer *w, sort_ctx *sc) {
    size_t n = w->nidx;
    sortent *e = malloc(n * sizeof *e);
    if (!e) return NULL;
    /* newest first: the buffer holds rows in increasing seq order, so
     * reversing it gives the order cmp_ents wants among equal keys; the
     * radix sort keeps it (stable). The bits that vary across the buffer
     * bound the digits to sort on. */
    unsigned __int128 k0 = 0, diff = 0;
    for (size_t i = 0; i < n; i++) {
        rowrec *r = row_at(w, i);
        sortent *x = &e[n - 1 - i];
        *x = (sortent){key_prefix(w, r), r->bucket, (uint32_t)i};
        if (i == 0) k0 = rkey(x);
        else diff |= rkey(x) ^ k0;
    }
    if (n < 32) {
        /* too few entries for the histograms to pay off */
        qsort_r(e, n, sizeof *e, cmp_ents, sc);
        return e;
    }
    if (diff) {
        unsigned lo = 0, hi = 127;
        while (!((diff >> lo) & 1)) lo++;
        while (!((diff >> hi) & 1)) hi--;
        unsigned span = hi - lo + 1;
        unsigned npass = (span + RADIX_MAX_BITS - 1) / RADIX_MAX_BITS;
        unsigned width = (span + npass - 1) / npass;
        uint32_t mask = (1u << width) - 1, nbins = 1u << width;
        size_t *hist = calloc((size_t)npass * nbins, sizeof *hist);
        sortent *tmp = malloc(n * sizeof *tmp);
        if (!hist || !tmp) {
            free(hist);
            free(tmp);
            free(e);
            return NULL;
        }
        for (size_t i = 0; i < n; i++) {
            unsigned __int128 k = rkey(&e[i]) >> lo;
            for (unsigned p = 0; p < npass; p++, k >>= width)
                hist[(size_t)p * nbins + ((uint32_t)k & mask)]++;
        }
        for (unsigned p = 0; p < npass; p++) {
            size_t *h = hist + (size_t)p * nbins;
            unsigned shift = lo + p * width;
            /* a digit all entries share orders nothing */
            uint32_t d = (uint32_t)(rkey(&e[0]) >> shift) & mask;
            if (h[d] == n) continue;
            size_t sum = 0;
            for (uint32_t b = 0; b < nbins; b++) {
                size_t c = h[b];
                h[b] = sum;
                sum += c;
            }
            for (size_t i = 0; i < n; i++) {
                uint32_t b = (uint32_t)(rkey(&e[i]) >> shift) & mask;
                tmp[h[b]++] = e[i];
            }
            sortent *t = e;
            e = tmp;
            tmp = t;
        }
        free(tmp);
        free(hist);
    }
    if (sc->partial) {
        for (size_t i = 0; i < n;) {
            size_t j = i + 1;
            while (j < n && e[j].kp == e[i].kp && e[j].bucket == e[i].bucket) j++;
            if (j - i > 1) sort_run(e + i, j - i, sc);
            i = j;
        }
    }
    return e;
}

typedef struct flush_src {
    floe_lsm_writer *w;
    const sortent *e;
    size_t at, end;
    int partial;
} flush_src;

/* The flush visits the buffer in key order, a random walk over rows and
 * strs: fetch the record of the entry REC ahead, and the strings of the
 * one STR ahead (whose record the first fetch brought in), so their cache
 * misses overlap instead of stalling one by one. */
#define FLUSH_AHEAD_REC 16
#define FLUSH_AHEAD_STR 8

/* always_inline: GCC's pure-function analysis finds no side effect in a
 * function that only prefetches and deletes the call (learnings.md). */
static inline __attribute__((always_inline)) void flush_prefetch(const flush_src *f) {
    const floe_lsm_writer *w = f->w;
    if (f->at + FLUSH_AHEAD_REC < f->end) {
        const uint8_t *r = (const uint8_t *)row_at(w, f->e[f->at + FLUSH_AHEAD_REC].row);
        for (size_t o = 0; o < w->rec_size; o += 64) __builtin_prefetch(r + o);
        __builtin_prefetch(r + w->rec_size - 1);
    }
    if (w->nstr && f->at + FLUSH_AHEAD_STR < f->end) {
        rowrec *r = row_at(w, f->e[f->at + FLUSH_AHEAD_STR].row);
        for (size_t k = 0; k < w->nstr; k++) {
            uint64_t q = *rec_slot(w, r, w->strcols[k]), n = q & STR_LONG;
            if (n) { /* 0 for NULL and empty */
                const uint8_t *b = w->strs.data + (q >> STR_LEN_BITS);
                __builtin_prefetch(b);
                __builtin_prefetch(b + (n == STR_LONG ? 8 : n - 1));
            }
        }
    }
}

static int flush_next(void *ud, const floe_value **vals, const floe_buf **arena, uint64_t *seq,
                      int *kind, floe_err *err) {
    (void)err;
    flush_src *f = ud;
    if (f->at >= f->end) return 0;
    flush_prefetch(f);
    const sortent *first = &f->e[f->at];
    /* skip older versions of the same key */
    size_t j = f->at + 1;
    while (j < f->end && f->e[j].kp == first->kp &&
           (!f->partial || full_key_cmp(f->w, first->row, f->e[j].row) == 0))
        j++;
    f->at = j;
    rowrec *r = row_at(f->w, first->row);
    rec_decode(f->w, r, f->w->out);
    *vals = f->w->out;
    *arena = NULL;
    *seq = r->seq;
    *kind = r->kind;
    return 1;
}

static floe_status buffer_flush(floe_lsm_writer *w, floe_err *err) {
    if (w->nidx == 0) return FLOE_OK;
    const floe_schema *sch = w->t->schema;
    sort_ctx sc = {w, prefix_is_partial(sch)};
    sortent *e = sort_buffer(w, &sc);
    if (!e) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory sorting the write buffer");
    size_t i = 0;
    floe_status s = FLOE_OK;
    while (i < w->nidx) {
        uint32_t b = e[i].bucket;
        size_t j = i;
        while (j < w->nidx && e[j].bucket == b) j++;
        flush_src src = {w, e, i, j, sc.partial};
        size_t before = w->npending;
        floe_lsm_file *files = w->pending;
        size_t nfiles = w->npending;
        s = floe_lsm_write_run(w->t, w->o.codec, b, 0, flush_next, &src, 0, &files, &nfiles, err);
        w->pending = files;
        w->npending = nfiles;
        w->cappending = nfiles;
        if (s != FLOE_OK) break;
        for (size_t k = before; k < w->npending; k++) {
            w->st.files_written++;
            w->st.bytes_written += w->pending[k].size;
            w->st.rows_flushed += w->pending[k].rows;
        }
        i = j;
    }
    free(e);
    if (s != FLOE_OK) return s;
    floe_log_debug("lsm", "flushed write buffer table=%s rows=%zu files=%zu", w->t->name,
                   w->nidx, w->npending);
    w->st.flushes++;
    w->rows.len = w->strs.len = 0;
    w->nidx = 0;
    return FLOE_OK;
}

floe_status floe_lsm_writer_put(floe_lsm_writer *w, int kind, const floe_value *vals,
                                const floe_buf *arena, floe_err *err) {
    if (w->failed) return floe_err_set(err, FLOE_ERR_STATE, "table writer failed earlier");
    const floe_schema *s = w->t->schema;
    if (kind != FLOE_KIND_INSERT && kind != FLOE_KIND_UPDATE_AFTER && kind != FLOE_KIND_DELETE)
        return floe_err_set(err, FLOE_ERR_INVALID, "invalid row kind %d", kind);
    for (size_t k = 0; k < s->npk; k++)
        if (vals[s->pk[k]].is_null)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT, "column %s: NULL in a primary key column",
                                s->cols[s->pk[k]].name);
    for (size_t i = 0; i < s->ncols; i++) {
        if (vals[i].is_null) {
            if (w->plan[i].notnull && kind != FLOE_KIND_DELETE)
                return floe_err_set(err, FLOE_ERR_BAD_INPUT, "column %s: NULL in a NOT NULL column",
                                    s->cols[i].name);
        } else if (w->plan[i].ts && !floe_orc_timestamp_storable(vals[i].v.i64)) {
            char ts[48];
            floe_timestamp_format(vals[i].v.i64, ts);
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "column %s: timestamp %s lies in 1969-12-31T23:59:59.001 .. .999999, "
                                "which ORC readers read one second late (ORC-645); refused",
                                s->cols[i].name, ts);
        }
    }
    floe_status st = copy_row(w, kind, vals, arena, err);
    if (st != FLOE_OK) {
        w->failed = 1;
        return st;
    }
    w->st.rows_put++;
    if (w->rows.len + w->strs.len >= w->o.buffer_bytes || w->nidx == UINT32_MAX) {
        st = buffer_flush(w, err);
        if (st != FLOE_OK) w->failed = 1;
    }
    return st;
}

static int only_compactions_since(const floe_lsm_table *t, int64_t base, int64_t latest,
                                  floe_err *err) {
    for (int64_t id = base + 1; id <= latest; id++) {
        floe_lsm_snapshot *s;
        if (floe_lsm_table_snapshot(t, id, &s, err) != FLOE_OK) return -1;
        int compact = !strcmp(s->commit_kind, "COMPACT");
        floe_lsm_snapshot_destroy(s);
        if (!compact) return 0;
    }
    return 1;
}

/* The APPEND snapshot a commit publishes (files are passed separately). */
static floe_lsm_snapshot append_template(floe_lsm_writer *w, int64_t commit_identifier,
                                         json_t *source_positions) {
    floe_lsm_snapshot tmpl = {0};
    tmpl.schema_id = w->t->schema_id;
    tmpl.commit_user = w->commit_user;
    tmpl.commit_kind = "APPEND";
    tmpl.commit_identifier = commit_identifier;
    tmpl.next_sequence = w->next_seq;
    tmpl.source_positions =
        source_positions ? source_positions : (w->base ? w->base->source_positions : NULL);
    return tmpl;
}

/* After a successful commit: snapshot new_id becomes the base and the
 * pending level-0 files are published (owned by it now). */
static floe_status adopt_commit(floe_lsm_writer *w, int64_t new_id, floe_err *err) {
    floe_lsm_snapshot *ns = NULL;
    floe_status s = floe_lsm_table_snapshot(w->t, new_id, &ns, err);
    if (s != FLOE_OK) {
        w->failed = 1;
        return s;
    }
    floe_lsm_snapshot_destroy(w->base);
    w->base = ns;
    for (size_t i = 0; i < w->npending; i++) floe_lsm_file_free(&w->pending[i]);
    w->npending = 0;
    w->st.commits++;
    return FLOE_OK;
}

floe_status floe_lsm_writer_commit(floe_lsm_writer *w, int64_t commit_identifier,
                                   json_t *source_positions, int64_t *snapshot_id,
                                   floe_err *err) {
    if (w->failed) return floe_err_set(err, FLOE_ERR_STATE, "table writer failed earlier");
    floe_status s = buffer_flush(w, err);
    if (s != FLOE_OK) {
        w->failed = 1;
        return s;
    }
    if (w->npending == 0 && !source_positions) {
        *snapshot_id = w->base ? w->base->id : 0;
        return FLOE_OK;
    }
    for (int attempt = 0;; attempt++) {
        size_t nbase = w->base ? w->base->nfiles : 0;
        floe_lsm_file *all = calloc(nbase + w->npending + 1, sizeof *all);
        if (!all) {
            w->failed = 1;
            return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < nbase; i++) all[i] = w->base->files[i];
        for (size_t i = 0; i < w->npending; i++) all[nbase + i] = w->pending[i];
        floe_lsm_snapshot tmpl = append_template(w, commit_identifier, source_positions);
        int64_t base_id = w->base ? w->base->id : 0, new_id = 0;
        s = floe_lsm_table_commit(w->t, base_id, &tmpl, all, nbase + w->npending, &new_id, err);
        free(all); /* shallow: entries still owned by base / pending */
        if (s == FLOE_ERR_CONFLICT && attempt < 100) {
            floe_lsm_snapshot *latest = NULL;
            floe_err e2;
            if (floe_lsm_table_latest(w->t, &latest, &e2) != FLOE_OK || !latest) {
                w->failed = 1;
                return s;
            }
            int ok = only_compactions_since(w->t, base_id, latest->id, &e2);
            if (ok != 1) {
                floe_lsm_snapshot_destroy(latest);
                w->failed = 1;
                return floe_err_set(err, FLOE_ERR_CONFLICT,
                                    "table %s: another writer committed snapshot %lld after %lld; "
                                    "a table takes one writer at a time",
                                    w->t->name, (long long)latest->id, (long long)base_id);
            }
            floe_log_info("lsm", "commit rebased onto compaction table=%s base=%lld latest=%lld",
                          w->t->name, (long long)base_id, (long long)latest->id);
            floe_lsm_snapshot_destroy(w->base);
            w->base = latest;
            continue;
        }
        if (s != FLOE_OK) {
            w->failed = 1;
            return s;
        }
        FLOE_TRY(adopt_commit(w, new_id, err));
        *snapshot_id = new_id;
        floe_log_debug("lsm", "committed table=%s snapshot=%lld", w->t->name, (long long)new_id);
        return FLOE_OK;
    }
}

floe_status floe_lsm_writer_commit_full(floe_lsm_writer *w, int64_t commit_identifier,
                                        json_t *source_positions, uint32_t top_level,
                                        uint64_t target_size, floe_orc_codec codec,
                                        int64_t *snapshot_id, floe_err *err) {
    if (w->failed) return floe_err_set(err, FLOE_ERR_STATE, "table writer failed earlier");
    const floe_schema *sch = w->t->schema;
    sortent *e = NULL;
    sort_ctx sc = {w, prefix_is_partial(sch)};
    if (w->nidx) {
        e = sort_buffer(w, &sc);
        if (!e) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory sorting the write buffer");
    }
    size_t nbase = w->base ? w->base->nfiles : 0;
    floe_lsm_file *outs = NULL, *in = calloc(nbase + w->npending + 1, sizeof *in);
    size_t nouts = 0, at = 0;
    floe_status s = in ? FLOE_OK : floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    uint64_t rows_in = 0;
    for (uint32_t b = 0; s == FLOE_OK && b < w->t->buckets; b++) {
        size_t nin = 0, i = at;
        while (i < w->nidx && e[i].bucket == b) i++;
        for (size_t k = 0; k < nbase; k++)
            if (w->base->files[k].bucket == b) in[nin++] = w->base->files[k];
        for (size_t k = 0; k < w->npending; k++)
            if (w->pending[k].bucket == b) in[nin++] = w->pending[k];
        int has_rows = i > at;
        if (!has_rows && nin == 0) continue;
        if (!has_rows && nin == 1 && in[0].level == top_level && in[0].delete_rows == 0 &&
            in[0].schema_id == w->t->schema_id) {
            /* already what a full compaction would leave: keep it */
            floe_lsm_file *no = realloc(outs, (nouts + 1) * sizeof *no);
            if (!no) {
                s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                break;
            }
            outs = no;
            s = floe_lsm_file_copy(&outs[nouts], &in[0], err);
            if (s == FLOE_OK) nouts++;
            continue;
        }
        flush_src fs = {w, e, at, i, sc.partial};
        floe_lsm_merge *m = NULL;
        s = floe_lsm_merge_open_with(w->t, in, nin, has_rows ? flush_next : NULL, &fs,
                                     FLOE_MERGE_DROP_DELETES, &m, err);
        if (s == FLOE_OK)
            s = floe_lsm_write_run(w->t, codec, b, top_level, floe_lsm_merge_source_next, m,
                                   target_size, &outs, &nouts, err);
        if (m) rows_in += floe_lsm_merge_rows_read(m);
        floe_lsm_merge_close(m);
        at = i;
    }
    free(in);
    free(e);
    int64_t new_id = 0;
    if (s == FLOE_OK) {
        floe_lsm_snapshot tmpl = append_template(w, commit_identifier, source_positions);
        json_t *props = json_pack("{s:b, s:I}", "full_compaction", 1, "rows_merged",
                                  (json_int_t)rows_in);
        tmpl.properties = props;
        s = floe_lsm_table_commit(w->t, w->base ? w->base->id : 0, &tmpl, outs, nouts, &new_id,
                                  err);
        json_decref(props);
    }
    if (s != FLOE_OK) {
        /* nothing published: the outputs are orphans for expiry; the buffer
         * and pending files are untouched, so the caller can commit the
         * usual way (an I/O error fails the writer as a commit would) */
        for (size_t k = 0; k < nouts; k++) floe_lsm_file_free(&outs[k]);
        free(outs);
        if (s != FLOE_ERR_CONFLICT) w->failed = 1;
        return s;
    }
    for (size_t k = 0; k < nouts; k++) {
        w->st.files_written++;
        w->st.bytes_written += outs[k].size;
        floe_lsm_file_free(&outs[k]);
    }
    free(outs);
    FLOE_TRY(adopt_commit(w, new_id, err));
    w->st.rows_flushed += w->nidx;
    w->st.flushes++;
    w->rows.len = w->strs.len = 0;
    w->nidx = 0;
    *snapshot_id = new_id;
    floe_log_debug("lsm", "committed with full compaction table=%s snapshot=%lld", w->t->name,
                   (long long)new_id);
    return FLOE_OK;
}

floe_status floe_lsm_writer_refresh(floe_lsm_writer *w, floe_err *err) {
    if (w->failed) return floe_err_set(err, FLOE_ERR_STATE, "table writer failed earlier");
    floe_lsm_snapshot *latest = NULL;
    FLOE_TRY(floe_lsm_table_latest(w->t, &latest, err));
    int64_t base_id = w->base ? w->base->id : 0;
    if (!latest || latest->id == base_id) {
        floe_lsm_snapshot_destroy(latest);
        return FLOE_OK;
    }
    int ok = only_compactions_since(w->t, base_id, latest->id, err);
    if (ok != 1) {
        floe_lsm_snapshot_destroy(latest);
        if (ok < 0) return err ? err->code : FLOE_ERR_IO;
        return floe_err_set(err, FLOE_ERR_CONFLICT,
                            "table %s: another writer committed after snapshot %lld", w->t->name,
                            (long long)base_id);
    }
    floe_lsm_snapshot_destroy(w->base);
    w->base = latest;
    return FLOE_OK;
}

uint32_t floe_lsm_writer_max_runs(const floe_lsm_writer *w) {
    if (!w->base) return 0;
    return floe_lsm_max_sorted_runs(w->base->files, w->base->nfiles, w->t->buckets);
}
