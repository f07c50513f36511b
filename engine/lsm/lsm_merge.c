/*
 * lsm_merge.c: k-way merge over sorted runs; contract in lsm_merge.h.
 *
 * Invariant: the heap holds every cursor that has a current row; heap[0]
 * is the smallest key, and among equal keys the highest sequence number.
 */
#define _GNU_SOURCE
#include "lsm_merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "orc_reader.h"

typedef struct cursor {
    floe_lsm_merge_source src; /* a non-file input (src_ud), or NULL */
    void *src_ud;
    floe_input *in;
    floe_orc_reader *r;
    floe_orc_batch b;
    size_t row;
    int *map;     /* current column i -> selected index in the batch, or -1 */
    int identity; /* map[i] == i for every column: rows are used in place */
    int seq_col, kind_col;
    const char *path;
    floe_value *cur; /* current row through the current schema */
    floe_value *own; /* cur's storage when the row must be rearranged */
    uint64_t seq;
    int kind;
} cursor;

struct floe_lsm_merge {
    const floe_lsm_table *t;
    int flags;
    cursor *cs;
    size_t ncs;
    cursor **heap;
    size_t nheap;
    cursor *pending; /* winner returned last time: advance on the next call */
    int int_key; /* the key column when the key is one integer-like column, else -1 */
    uint64_t rows_read, rows_returned;
};

static int cmp_key(const floe_lsm_merge *m, const cursor *a, const cursor *b) {
    if (m->int_key >= 0) {
        /* one integer-like key column: what floe_value_compare would do */
        int64_t x = a->cur[m->int_key].v.i64, y = b->cur[m->int_key].v.i64;
        return (x > y) - (x < y);
    }
    const floe_schema *s = m->t->schema;
    for (size_t k = 0; k < s->npk; k++) {
        size_t c = s->pk[k];
        int r = floe_value_compare(&a->cur[c], &b->cur[c], s->cols[c].type, NULL, NULL);
        if (r) return r;
    }
    return 0;
}

static int before(const floe_lsm_merge *m, const cursor *a, const cursor *b) {
    int r = cmp_key(m, a, b);
    if (r) return r < 0;
    return a->seq > b->seq;
}

static void sift_down(floe_lsm_merge *m, size_t i) {
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, best = i;
        if (l < m->nheap && before(m, m->heap[l], m->heap[best])) best = l;
        if (r < m->nheap && before(m, m->heap[r], m->heap[best])) best = r;
        if (best == i) return;
        cursor *tmp = m->heap[i];
        m->heap[i] = m->heap[best];
        m->heap[best] = tmp;
        i = best;
    }
}

static void sift_up(floe_lsm_merge *m, size_t i) {
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!before(m, m->heap[i], m->heap[p])) return;
        cursor *tmp = m->heap[i];
        m->heap[i] = m->heap[p];
        m->heap[p] = tmp;
        i = p;
    }
}

/* Load the cursor's next row into c->cur; returns 0 at the end. */
static floe_status advance(floe_lsm_merge *m, cursor *c, int *has, floe_err *err) {
    const floe_schema *s = m->t->schema;
    if (c->src) {
        const floe_value *vals;
        const floe_buf *arena = NULL;
        int r = c->src(c->src_ud, &vals, &arena, &c->seq, &c->kind, err);
        if (r < 0) return err ? err->code : FLOE_ERR_STATE;
        *has = r > 0;
        if (r > 0) {
            c->cur = (floe_value *)vals; /* owned by the source */
            m->rows_read++;
        }
        return FLOE_OK;
    }
    if (c->row + 1 < c->b.nrows) {
        c->row++;
    } else {
        floe_status st = floe_orc_reader_next(c->r, &c->b, err);
        if (st != FLOE_OK) return st;
        c->row = 0;
        if (c->b.nrows == 0) {
            *has = 0;
            return FLOE_OK;
        }
    }
    /* row-major batches: the row's values are the table's columns in order
     * (then the system columns) unless the file's schema differs */
    floe_value *row = c->b.rows + c->row * c->b.ncols;
    if (c->identity) {
        c->cur = row;
    } else {
        for (size_t i = 0; i < s->ncols; i++) {
            if (c->map[i] < 0) {
                memset(&c->own[i], 0, sizeof c->own[i]);
                c->own[i].is_null = 1;
            } else {
                c->own[i] = row[c->map[i]];
            }
        }
        c->cur = c->own;
    }
    c->seq = (uint64_t)row[c->seq_col].v.i64;
    c->kind = (int)row[c->kind_col].v.i64;
    m->rows_read++;
    *has = 1;
    return FLOE_OK;
}

static floe_status open_cursor(floe_lsm_merge *m, cursor *c, const floe_lsm_file *f,
                               floe_err *err) {
    const floe_schema *ts = m->t->schema;
    char path[4400];
    floe_lsm_table_path(m->t, f->path, path, sizeof path);
    c->path = f->path;
    FLOE_TRY(floe_input_open_file(path, &c->in, err));
    /* small batches: a merge touches one row per input at a time, and a
     * 1024-row batch per input falls out of cache (measured: 128 rows took
     * compaction from ~88 to ~100 MB/s per core) */
    floe_orc_reader_opts ro = {.max_stripe_bytes = 0, .batch_rows = 128, .row_major = 1};
    FLOE_TRY(floe_orc_reader_open(c->in, &ro, &c->r, err));
    const floe_schema *fs = floe_orc_reader_schema(c->r);
    int seq = floe_schema_find(fs, "_SEQUENCE_NUMBER"), kind = floe_schema_find(fs, "_VALUE_KIND");
    if (seq < 0 || kind < 0)
        return floe_err_set(err, FLOE_ERR_CORRUPT, "%s: not a floe data file (no system columns)",
                            path);
    /* selection: the mapped table columns, then the two system columns */
    size_t *sel = calloc(ts->ncols + 2, sizeof *sel);
    c->map = calloc(ts->ncols ? ts->ncols : 1, sizeof *c->map);
    c->own = calloc(ts->ncols ? ts->ncols : 1, sizeof *c->own);
    if (!sel || !c->map || !c->own) {
        free(sel);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    size_t nsel = 0;
    for (size_t i = 0; i < ts->ncols; i++) {
        c->map[i] = -1;
        for (size_t j = 0; j < fs->ncols; j++) {
            if ((int)j == seq || (int)j == kind) continue;
            if (fs->cols[j].id == ts->cols[i].id) {
                c->map[i] = (int)nsel;
                sel[nsel++] = j;
                break;
            }
        }
    }
    for (size_t k = 0; k < ts->npk; k++)
        if (c->map[ts->pk[k]] < 0) {
            free(sel);
            return floe_err_set(err, FLOE_ERR_CORRUPT, "%s: key column %s (id %d) is missing", path,
                                ts->cols[ts->pk[k]].name, (int)ts->cols[ts->pk[k]].id);
        }
    c->identity = 1;
    for (size_t i = 0; i < ts->ncols; i++) c->identity &= c->map[i] == (int)i;
    c->seq_col = (int)nsel;
    sel[nsel++] = (size_t)seq;
    c->kind_col = (int)nsel;
    sel[nsel++] = (size_t)kind;
    floe_status st = floe_orc_reader_select(c->r, sel, nsel, err);
    free(sel);
    return st;
}

floe_status floe_lsm_merge_open(const floe_lsm_table *t, const floe_lsm_file *files,
                                size_t nfiles, int flags, floe_lsm_merge **out, floe_err *err) {
    return floe_lsm_merge_open_with(t, files, nfiles, NULL, NULL, flags, out, err);
}

floe_status floe_lsm_merge_open_with(const floe_lsm_table *t, const floe_lsm_file *files,
                                     size_t nfiles, floe_lsm_merge_source src, void *src_ud,
                                     int flags, floe_lsm_merge **out, floe_err *err) {
    *out = NULL;
    floe_lsm_merge *m = calloc(1, sizeof *m);
    if (!m) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    m->t = t;
    m->flags = flags;
    m->int_key = t->schema->npk == 1 &&
                         floe_type_compares_as_i64(t->schema->cols[t->schema->pk[0]].type.kind)
                     ? (int)t->schema->pk[0]
                     : -1;
    size_t n = nfiles + (src ? 1 : 0);
    m->cs = calloc(n ? n : 1, sizeof *m->cs);
    m->heap = calloc(n ? n : 1, sizeof *m->heap);
    if (!m->cs || !m->heap) {
        floe_lsm_merge_close(m);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    m->ncs = n;
    for (size_t i = 0; i < n; i++) {
        cursor *c = &m->cs[i];
        floe_status s = FLOE_OK;
        if (i < nfiles) {
            s = open_cursor(m, c, &files[i], err);
        } else {
            c->src = src;
            c->src_ud = src_ud;
            c->path = "(write buffer)";
        }
        int has = 0;
        if (s == FLOE_OK) {
            c->row = 0;
            c->b.nrows = 0;
            s = advance(m, c, &has, err);
        }
        if (s != FLOE_OK) {
            floe_lsm_merge_close(m);
            return s;
        }
        if (has) {
            m->heap[m->nheap++] = c;
            sift_up(m, m->nheap - 1);
        }
    }
    *out = m;
    return FLOE_OK;
}

static floe_status step(floe_lsm_merge *m, cursor *c, floe_err *err) {
    /* c is heap[0]: advance it and restore the heap */
    int has;
    FLOE_TRY(advance(m, c, &has, err));
    if (has) {
        sift_down(m, 0);
    } else {
        m->heap[0] = m->heap[--m->nheap];
        if (m->nheap) sift_down(m, 0);
    }
    return FLOE_OK;
}

floe_status floe_lsm_merge_next(floe_lsm_merge *m, const floe_value **vals, uint64_t *seq,
                                int *kind, floe_err *err) {
    *vals = NULL;
    for (;;) {
        if (m->pending) {
            cursor *c = m->pending;
            m->pending = NULL;
            /* c is still at heap[0]: the previous call left it there */
            FLOE_TRY(step(m, c, err));
        }
        if (m->nheap == 0) return FLOE_OK;
        cursor *win = m->heap[0];
        /* drop older versions of the same key from the other cursors; the
         * winner stays at heap[0] while they are popped because it orders
         * first among equal keys */
        for (;;) {
            cursor *other = NULL;
            size_t l = 1, r = 2;
            if (l < m->nheap && cmp_key(m, m->heap[l], win) == 0) other = m->heap[l];
            else if (r < m->nheap && cmp_key(m, m->heap[r], win) == 0) other = m->heap[r];
            if (!other) break;
            /* advance the duplicate: take it out of the heap, advance, reinsert */
            size_t pos = other == m->heap[1] ? 1 : 2;
            int has;
            floe_status st = advance(m, other, &has, err);
            if (st != FLOE_OK) return floe_err_prefix(err, "%s: ", other->path);
            if (has) {
                sift_down(m, pos);
                sift_up(m, pos);
            } else {
                m->heap[pos] = m->heap[--m->nheap];
                if (pos < m->nheap) {
                    sift_down(m, pos);
                    sift_up(m, pos);
                }
            }
        }
        m->pending = win;
        if (win->kind == FLOE_KIND_DELETE && (m->flags & FLOE_MERGE_DROP_DELETES)) continue;
        *vals = win->cur;
        *seq = win->seq;
        *kind = win->kind;
        m->rows_returned++;
        return FLOE_OK;
    }
}

int floe_lsm_merge_source_next(void *merge, const floe_value **vals, const floe_buf **arena,
                               uint64_t *seq, int *kind, floe_err *err) {
    if (floe_lsm_merge_next(merge, vals, seq, kind, err) != FLOE_OK) return -1;
    if (!*vals) return 0;
    *arena = NULL;
    return 1;
}

uint64_t floe_lsm_merge_rows_read(const floe_lsm_merge *m) { return m->rows_read; }
uint64_t floe_lsm_merge_rows_returned(const floe_lsm_merge *m) { return m->rows_returned; }

void floe_lsm_merge_close(floe_lsm_merge *m) {
    if (!m) return;
    for (size_t i = 0; i < m->ncs; i++) {
        floe_orc_reader_close(m->cs[i].r);
        floe_input_close(m->cs[i].in);
        free(m->cs[i].map);
        free(m->cs[i].own);
    }
    free(m->cs);
    free(m->heap);
    free(m);
}
