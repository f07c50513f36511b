/*
 * dbz_diff.h: differential check of the one-pass Debezium scanner
 * (ingest/dbz_scan.h) against the jansson path (floe_dbz_parse_cached +
 * floe_dbz_decode_row), shared by tests/unit/test_dbz_decode.c and
 * tests/fuzz/fuzz_dbz_scan.c (header only).
 *
 * dbz_diff runs both on one message value. When the scanner decodes it,
 * the jansson path must succeed too, with the same op, schema, rows and
 * values (strings/binary by content, doubles bit for bit) and the same
 * "unknown member" verdict. When the scanner gives up there is nothing to
 * compare: the jansson path's result or error stands (that is the
 * contract). The scanner runs first because the jansson path may update
 * the schema cache.
 */
#ifndef FLOE_DBZ_DIFF_H
#define FLOE_DBZ_DIFF_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbz_scan.h"

static int dbz_diff_vals_equal(const floe_schema *s, const floe_value *a, const floe_buf *aa,
                               const floe_value *b, const floe_buf *ba, char *why,
                               size_t whysz) {
    for (size_t i = 0; i < s->ncols; i++) {
        const floe_value *x = &a[i], *y = &b[i];
        const char *name = s->cols[i].name;
        if (x->is_null != y->is_null) {
            snprintf(why, whysz, "column %s: null %d vs %d", name, x->is_null, y->is_null);
            return 0;
        }
        if (x->is_null) continue;
        int same = 1;
        switch (s->cols[i].type.kind) {
        case FLOE_T_FLOAT:
        case FLOE_T_DOUBLE: same = memcmp(&x->v.f64, &y->v.f64, sizeof(double)) == 0; break;
        case FLOE_T_DECIMAL: same = x->v.dec == y->v.dec; break;
        case FLOE_T_STRING:
        case FLOE_T_BINARY:
            same = x->v.bytes.len == y->v.bytes.len &&
                   (x->v.bytes.len == 0 || memcmp(floe_value_bytes(x, aa), floe_value_bytes(y, ba),
                                                  x->v.bytes.len) == 0);
            break;
        default: same = x->v.i64 == y->v.i64; break;
        }
        if (!same) {
            snprintf(why, whysz, "column %s: values differ", name);
            return 0;
        }
    }
    return 1;
}

static int dbz_diff_has_unknown(const json_t *row, const floe_schema *s) {
    if (!json_is_object(row)) return 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)row, k, v) {
        if (floe_schema_find(s, k) < 0) return 1;
    }
    return 0;
}

/* Returns 1 when both paths agree (or the scanner gave up), 0 with a
 * reason in why. *scanned: whether the scanner decoded the message. */
static int dbz_diff(floe_dbz_scanner *sc, const char *msg, size_t len, const floe_dbz_fields *fs,
                    const floe_schema *s, floe_dbz_schema_cache *cache, int *scanned, char *why,
                    size_t whysz) {
    size_t n = s->ncols;
    floe_value *vb = calloc(n, sizeof *vb), *va = calloc(n, sizeof *va);
    floe_value *jv = calloc(n, sizeof *jv);
    floe_buf arena = FLOE_BUF_INIT, jarena = FLOE_BUF_INIT;
    floe_dbz_scanned r;
    int ok = 1;
    if (!vb || !va || !jv) abort();
    *scanned = floe_dbz_scan(sc, msg, len, cache, &r, vb, va, &arena);
    floe_dbz_event ev;
    json_t *root = NULL;
    floe_err err;
    floe_status st = floe_dbz_parse_cached(msg, len, cache, &ev, &root, &err);
    if (!*scanned) goto done;
    if (st != FLOE_OK) {
        snprintf(why, whysz, "scanner decoded, jansson path failed: %s", err.msg);
        ok = 0;
        goto done;
    }
    if (r.op != ev.op || (r.value_schema == NULL) != (ev.value_schema == NULL) ||
        (r.value_schema && !json_equal((json_t *)r.value_schema, (json_t *)ev.value_schema)) ||
        r.has_before != (ev.before != NULL) || r.has_after != (ev.after != NULL)) {
        snprintf(why, whysz,
                 "envelope differs: op %d/%d schema %d/%d before %d/%d after %d/%d", r.op, ev.op,
                 r.value_schema != NULL, ev.value_schema != NULL, r.has_before, ev.before != NULL,
                 r.has_after, ev.after != NULL);
        ok = 0;
        goto done;
    }
    int unknown = dbz_diff_has_unknown(ev.before, s) || dbz_diff_has_unknown(ev.after, s);
    if (unknown != r.unknown) {
        snprintf(why, whysz, "unknown member: scanner %d, jansson %d", r.unknown, unknown);
        ok = 0;
        goto done;
    }
    const json_t *rows[2] = {ev.before, ev.after};
    floe_value *sv[2] = {vb, va};
    for (int k = 0; k < 2 && ok; k++) {
        if (!rows[k]) continue;
        jarena.len = 0;
        st = floe_dbz_decode_row(rows[k], fs, s, k ? "after" : "before", jv, &jarena, &err);
        if (st != FLOE_OK) {
            snprintf(why, whysz, "scanner decoded, jansson decode_row failed: %s", err.msg);
            ok = 0;
        } else if (!dbz_diff_vals_equal(s, sv[k], &arena, jv, &jarena, why, whysz)) {
            ok = 0;
        }
    }
done:
    json_decref(root);
    free(vb);
    free(va);
    free(jv);
    floe_buf_free(&arena);
    floe_buf_free(&jarena);
    return ok;
}

#endif
