/*
 * revision_gen.h: the "floe-revision-v1" benchmark workload generator and
 * table-state checksum, in C, written from benchmarks/peers/paimon/README.md
 * (the same spec PaimonBench.java and gen_reference.py implement), plus the
 * pieces the floe benchmark drivers share: the table schema (the Paimon
 * peer's columns and types), the row-to-floe_value conversion, the merged
 * read-back checksum, CPU and memory probes.
 *
 * Header-only (static functions) so each driver is one translation unit.
 * Benchmark tooling only: nothing in floe's libraries uses it.
 */
#ifndef FLOE_BENCH_REVISION_GEN_H
#define FLOE_BENCH_REVISION_GEN_H

#define _GNU_SOURCE
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "floe_value.h"
#include "lsm_merge.h"
#include "lsm_table.h"

/* ---- the generator ---- */

enum { RG_INSERT = 0, RG_UPDATE = 2, RG_DELETE = 3 }; /* = FLOE_KIND_* / Paimon RowKind bytes */
#define RG_TS_LEN 14
#define RG_SHA_LEN 31

/* The whole workload, column-wise (as PaimonBench's Ops), generated before
 * anything is timed. */
typedef struct rg_ops {
    size_t n;
    uint8_t *kind;
    int64_t *id, *page, *comment, *actor, *parent;
    int32_t *len;
    uint8_t *minor, *deleted;
    char *ts;  /* n * 14 */
    char *sha; /* n * 31 */
    uint64_t inserted, updates, deletes;
} rg_ops;

/* Bytes an operation takes in rg_ops (PaimonBench's input_bytes: 92). */
#define RG_OP_BYTES (1 + 8 * 5 + 4 + 2 + RG_TS_LEN + RG_SHA_LEN)

static inline uint64_t rg_next(uint64_t *s) {
    uint64_t z = (*s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static inline void rg_digits(uint64_t v, int w, char *out) {
    for (int i = w - 1; i >= 0; i--) {
        out[i] = (char)('0' + v % 10);
        v /= 10;
    }
}

/* seconds since the epoch (>= 0) -> UTC YYYYMMDDHHMMSS, as
 * strftime("%Y%m%d%H%M%S", gmtime(t)) (H. Hinnant's civil_from_days). */
static inline void rg_timestamp(uint64_t t, char *out) {
    int64_t days = (int64_t)(t / 86400), sod = (int64_t)(t % 86400);
    int64_t z = days + 719468, era = z / 146097, doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1, m = mp < 10 ? mp + 3 : mp - 9;
    int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
    rg_digits((uint64_t)y, 4, out);
    rg_digits((uint64_t)m, 2, out + 4);
    rg_digits((uint64_t)d, 2, out + 6);
    rg_digits((uint64_t)(sod / 3600), 2, out + 8);
    rg_digits((uint64_t)(sod / 60 % 60), 2, out + 10);
    rg_digits((uint64_t)(sod % 60), 2, out + 12);
}

static inline char *rg_base36(uint64_t x, int digits, char *p) {
    static const char B36[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    for (int d = 0; d < digits; d++) {
        *p++ = B36[x % 36];
        x /= 36;
    }
    return p;
}

static inline void rg_free(rg_ops *o) {
    free(o->kind);
    free(o->id);
    free(o->page);
    free(o->comment);
    free(o->actor);
    free(o->parent);
    free(o->len);
    free(o->minor);
    free(o->deleted);
    free(o->ts);
    free(o->sha);
    memset(o, 0, sizeof *o);
}

/* Returns 0, or -1 when out of memory. */
static inline int rg_generate(rg_ops *o, uint64_t seed, size_t n, double update_ratio,
                       double delete_ratio) {
    memset(o, 0, sizeof *o);
    o->n = n;
    size_t m = n ? n : 1;
    o->kind = malloc(m);
    o->id = malloc(m * 8);
    o->page = malloc(m * 8);
    o->comment = malloc(m * 8);
    o->actor = malloc(m * 8);
    o->parent = malloc(m * 8);
    o->len = malloc(m * 4);
    o->minor = malloc(m);
    o->deleted = malloc(m);
    o->ts = malloc(m * RG_TS_LEN);
    o->sha = malloc(m * RG_SHA_LEN);
    if (!o->kind || !o->id || !o->page || !o->comment || !o->actor || !o->parent || !o->len ||
        !o->minor || !o->deleted || !o->ts || !o->sha) {
        rg_free(o);
        return -1;
    }
    uint64_t s = seed;
    uint64_t tu = (uint64_t)(update_ratio * 9007199254740992.0);
    uint64_t td = (uint64_t)(delete_ratio * 9007199254740992.0);
    uint64_t inserted = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t u = rg_next(&s) >> 11;
        uint8_t k;
        if (inserted == 0) k = RG_INSERT;
        else if (u < tu) k = RG_UPDATE;
        else if (u < tu + td) k = RG_DELETE;
        else k = RG_INSERT;
        uint64_t id = k == RG_INSERT ? ++inserted : 1 + rg_next(&s) % inserted;
        o->kind[i] = k;
        o->id[i] = (int64_t)id;
        o->page[i] = (int64_t)(1 + rg_next(&s) % 1000000u);
        o->comment[i] = (int64_t)(1 + rg_next(&s) % 1000000000u);
        o->actor[i] = (int64_t)(1 + rg_next(&s) % 100000u);
        rg_timestamp(978307200u + rg_next(&s) % 788918400u, o->ts + i * RG_TS_LEN);
        o->minor[i] = (uint8_t)(rg_next(&s) % 2);
        uint64_t x = rg_next(&s);
        o->deleted[i] = x % 32 == 0 ? (uint8_t)(1 + (x >> 5) % 15) : 0;
        o->len[i] = (int32_t)(rg_next(&s) % 200000u);
        o->parent[i] = (int64_t)(rg_next(&s) % id);
        char *p = o->sha + i * RG_SHA_LEN;
        p = rg_base36(rg_next(&s), 12, p);
        p = rg_base36(rg_next(&s), 12, p);
        rg_base36(rg_next(&s), 7, p);
        if (k == RG_UPDATE) o->updates++;
        else if (k == RG_DELETE) o->deletes++;
    }
    o->inserted = inserted;
    return 0;
}

/* The operations as JSON lines, byte-identical to PaimonBench --emit-ops. */
static inline int rg_emit_ops(const rg_ops *o, const char *path) {
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (size_t i = 0; i < o->n; i++) {
        const char *op = o->kind[i] == RG_INSERT ? "+I" : o->kind[i] == RG_UPDATE ? "+U" : "-D";
        fprintf(f,
                "{\"op\":\"%s\",\"rev_id\":%" PRId64 ",\"rev_page\":%" PRId64
                ",\"rev_comment_id\":%" PRId64 ",\"rev_actor\":%" PRId64
                ",\"rev_timestamp\":\"%.14s\",\"rev_minor_edit\":%u,\"rev_deleted\":%u"
                ",\"rev_len\":%" PRId32 ",\"rev_parent_id\":%" PRId64 ",\"rev_sha1\":\"%.31s\"}\n",
                op, o->id[i], o->page[i], o->comment[i], o->actor[i], o->ts + i * RG_TS_LEN,
                o->minor[i], o->deleted[i], o->len[i], o->parent[i], o->sha + i * RG_SHA_LEN);
    }
    return fclose(f) == 0 ? 0 : -1;
}

/* ---- the checksum of a table state ---- */

typedef struct rg_checksum {
    uint64_t rows, sum_id, hash_sum, hash_xor;
} rg_checksum;

static inline char *rg_udec(uint64_t v, char *p) {
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    while (n) *p++ = tmp[--n];
    return p;
}

/* Add one live row (columns in table order; all values non-negative). */
static inline void rg_checksum_add(rg_checksum *c, int64_t id, int64_t page, int64_t comment,
                            int64_t actor, const char *ts, size_t ts_len, int64_t minor,
                            int64_t deleted, int64_t len, int64_t parent, const char *sha,
                            size_t sha_len) {
    char line[256], *p = line;
    p = rg_udec((uint64_t)id, p);
    *p++ = '\t';
    p = rg_udec((uint64_t)page, p);
    *p++ = '\t';
    p = rg_udec((uint64_t)comment, p);
    *p++ = '\t';
    p = rg_udec((uint64_t)actor, p);
    *p++ = '\t';
    if (ts_len > 64) ts_len = 64;
    memcpy(p, ts, ts_len);
    p += ts_len;
    *p++ = '\t';
    p = rg_udec((uint64_t)minor, p);
    *p++ = '\t';
    p = rg_udec((uint64_t)deleted, p);
    *p++ = '\t';
    p = rg_udec((uint64_t)len, p);
    *p++ = '\t';
    p = rg_udec((uint64_t)parent, p);
    *p++ = '\t';
    if (sha_len > 64) sha_len = 64;
    memcpy(p, sha, sha_len);
    p += sha_len;
    uint64_t h = 0xcbf29ce484222325ull;
    for (const char *q = line; q < p; q++) {
        h ^= (uint8_t)*q;
        h *= 0x100000001b3ull;
    }
    c->rows++;
    c->sum_id += (uint64_t)id;
    c->hash_sum += h;
    c->hash_xor ^= h;
}

/* The expected final state: for every key its last operation, unless a
 * delete. Returns -1 when out of memory. */
static inline int rg_expected(const rg_ops *o, rg_checksum *c) {
    memset(c, 0, sizeof *c);
    int64_t *last = malloc((o->inserted + 1) * sizeof *last);
    if (!last) return -1;
    for (uint64_t k = 0; k <= o->inserted; k++) last[k] = -1;
    for (size_t i = 0; i < o->n; i++) last[o->id[i]] = (int64_t)i;
    for (uint64_t k = 1; k <= o->inserted; k++) {
        int64_t i = last[k];
        if (i < 0 || o->kind[i] == RG_DELETE) continue;
        rg_checksum_add(c, o->id[i], o->page[i], o->comment[i], o->actor[i],
                        o->ts + i * RG_TS_LEN, RG_TS_LEN, o->minor[i], o->deleted[i], o->len[i],
                        o->parent[i], o->sha + i * RG_SHA_LEN, RG_SHA_LEN);
    }
    free(last);
    return 0;
}

static inline int rg_checksum_equal(const rg_checksum *a, const rg_checksum *b) {
    return a->rows == b->rows && a->sum_id == b->sum_id && a->hash_sum == b->hash_sum &&
           a->hash_xor == b->hash_xor;
}

static inline void rg_checksum_json(FILE *f, const rg_checksum *c) {
    fprintf(f,
            "{\"rows\":%" PRIu64 ",\"sum_rev_id\":\"%" PRIu64 "\",\"row_hash_sum\":\"%" PRIu64
            "\",\"row_hash_xor\":\"%" PRIu64 "\"}",
            c->rows, c->sum_id, c->hash_sum, c->hash_xor);
}

/* ---- the table ---- */

/* The Paimon peer's table (PaimonBench.java), in the spec's column order. */
static const char RG_SCHEMA[] =
    "{\"columns\":["
    "{\"name\":\"rev_id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_page\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_comment_id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_actor\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_timestamp\",\"type\":\"string\",\"nullable\":false},"
    "{\"name\":\"rev_minor_edit\",\"type\":\"tinyint\",\"nullable\":false},"
    "{\"name\":\"rev_deleted\",\"type\":\"tinyint\",\"nullable\":false},"
    "{\"name\":\"rev_len\",\"type\":\"int\"},"
    "{\"name\":\"rev_parent_id\",\"type\":\"bigint\"},"
    "{\"name\":\"rev_sha1\",\"type\":\"string\",\"nullable\":false}],"
    "\"primary_key\":[\"rev_id\"]}";

#define RG_TABLE "bench.revision"

/* Fill v[10] for operation i (strings point into the ops arrays, so the
 * put needs no arena). The kind is o->kind[i]. */
static inline void rg_values(const rg_ops *o, size_t i, floe_value v[10]) {
    v[0].v.i64 = o->id[i];
    v[1].v.i64 = o->page[i];
    v[2].v.i64 = o->comment[i];
    v[3].v.i64 = o->actor[i];
    v[4].v.bytes.ptr = (const uint8_t *)o->ts + i * RG_TS_LEN;
    v[4].v.bytes.len = RG_TS_LEN;
    v[5].v.i64 = o->minor[i];
    v[6].v.i64 = o->deleted[i];
    v[7].v.i64 = o->len[i];
    v[8].v.i64 = o->parent[i];
    v[9].v.bytes.ptr = (const uint8_t *)o->sha + i * RG_SHA_LEN;
    v[9].v.bytes.len = RG_SHA_LEN;
}

/* Checksum of the latest snapshot read back through floe's merge (what
 * `floe scan` prints: newest version per key, deletes applied). */
static inline floe_status rg_checksum_table(const floe_lsm_table *t, rg_checksum *c, uint64_t *rows_read,
                                     floe_err *err) {
    memset(c, 0, sizeof *c);
    *rows_read = 0;
    floe_lsm_snapshot *snap = NULL;
    FLOE_TRY(floe_lsm_table_latest(t, &snap, err));
    if (!snap) return FLOE_OK;
    floe_lsm_merge *m = NULL;
    floe_status s =
        floe_lsm_merge_open(t, snap->files, snap->nfiles, FLOE_MERGE_DROP_DELETES, &m, err);
    while (s == FLOE_OK) {
        const floe_value *v = NULL;
        uint64_t seq;
        int kind;
        s = floe_lsm_merge_next(m, &v, &seq, &kind, err);
        if (s != FLOE_OK || !v) break;
        if (kind == FLOE_KIND_DELETE) {
            s = floe_err_set(err, FLOE_ERR_STATE, "merge returned a -D row");
            break;
        }
        for (int k = 0; k < 10; k++)
            if (v[k].is_null) {
                s = floe_err_set(err, FLOE_ERR_STATE, "unexpected NULL in column %d", k);
                break;
            }
        if (s != FLOE_OK) break;
        rg_checksum_add(c, v[0].v.i64, v[1].v.i64, v[2].v.i64, v[3].v.i64,
                        (const char *)v[4].v.bytes.ptr, v[4].v.bytes.len, v[5].v.i64, v[6].v.i64,
                        v[7].v.i64, v[8].v.i64, (const char *)v[9].v.bytes.ptr,
                        v[9].v.bytes.len);
    }
    if (m) *rows_read = floe_lsm_merge_rows_read(m);
    floe_lsm_merge_close(m);
    floe_lsm_snapshot_destroy(snap);
    return s;
}

/* ---- probes ---- */

static inline double rg_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU seconds (user + system) of the whole process, exited threads included. */
static inline double rg_cpu_process(void) {
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* CPU seconds (user + system) of the calling thread. */
static inline double rg_cpu_thread(void) {
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 +
           (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

/* A "kB" line of /proc/self/status (VmHWM, VmRSS), or -1. */
static inline long rg_vm_kb(const char *key) {
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    long v = -1;
    size_t kl = strlen(key);
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, key, kl) && line[kl] == ':') {
            v = strtol(line + kl + 1, NULL, 10);
            break;
        }
    fclose(f);
    return v;
}

#endif
