/*
 * Tests of compaction/ on real tables in temporary warehouses.
 *
 * runs_bounded: a sustained update-heavy load (70% updates of existing
 *   keys, 10% deletes, 20% inserts) from a writer with the background
 *   compactor on, committing often. After every commit (and the wait above
 *   the stop trigger that `floe write` and `floe ingest` do) the sorted
 *   runs of every bucket must stay within the stop trigger, and the table
 *   scanned at the end must equal a model (an array of key -> value).
 * levels_full: one bucket whose levels 1..5 are all occupied and which has
 *   level-0 files beyond the trigger (built by committing a file list with
 *   levels assigned by hand), level 1 much bigger than the level-0 runs.
 *   Plain (not full) compaction must still merge the level-0 files, into
 *   level 1 together with level 1's run (as Paimon does), instead of
 *   waiting for room below level 1 that never comes.
 *
 * level_codecs: file.compression and file.compression.per.level give each
 *   level its codec (level 0 none when neither is set); malformed values are
 *   refused naming the option.
 *
 * FLOE_COMPACTION_COMMITS scales runs_bounded (default 300 commits).
 */
#define _GNU_SOURCE
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compaction.h"
#include "compactor.h"
#include "floe_schema.h"
#include "floe_test.h"
#include "lsm_merge.h"
#include "lsm_table.h"
#include "lsm_writer.h"

static const char SCHEMA[] =
    "{\"columns\":[{\"name\":\"k\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"v\",\"type\":\"bigint\"},{\"name\":\"s\",\"type\":\"string\"}],"
    "\"primary_key\":[\"k\"]}";

static uint64_t rnd(uint64_t *s) {
    uint64_t z = (*s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw) {
    (void)sb, (void)flag, (void)ftw;
    return remove(path);
}

static floe_lsm_table *make_table(char *warehouse, size_t wsz, const char *name, uint32_t buckets) {
    snprintf(warehouse, wsz, "/tmp/floe-compaction-test-XXXXXX");
    if (!mkdtemp(warehouse)) return NULL;
    floe_err e = {0};
    floe_schema *s = NULL;
    if (floe_schema_parse(SCHEMA, strlen(SCHEMA), &s, &e) != FLOE_OK) return NULL;
    floe_lsm_table *t = NULL;
    if (floe_lsm_table_create(warehouse, name, s, buckets, &e) != FLOE_OK ||
        floe_lsm_table_open(warehouse, name, &t, &e) != FLOE_OK) {
        fprintf(stderr, "table: %s\n", e.msg);
        t = NULL;
    }
    floe_schema_destroy(s);
    return t;
}

/* value of key k in the model: INT64_MIN = absent */
#define ABSENT INT64_MIN

static void put(floe_lsm_writer *w, int kind, int64_t k, int64_t v) {
    char text[32];
    int n = snprintf(text, sizeof text, "s%lld", (long long)v);
    floe_value vals[3] = {0};
    vals[0].v.i64 = k;
    vals[1].v.i64 = v;
    vals[2].v.bytes.ptr = (const uint8_t *)text;
    vals[2].v.bytes.len = (size_t)n;
    floe_err e = {0};
    FT_OK(floe_lsm_writer_put(w, kind, vals, NULL, &e), &e);
}

/* scan the latest snapshot (deletes dropped) against the model */
static void check_scan(floe_lsm_table *t, const int64_t *model, size_t nkeys) {
    floe_err e = {0};
    floe_lsm_snapshot *sn = NULL;
    FT_OK(floe_lsm_table_latest(t, &sn, &e), &e);
    FT_CHECK(sn != NULL);
    floe_lsm_merge *m = NULL;
    FT_OK(floe_lsm_merge_open(t, sn->files, sn->nfiles, FLOE_MERGE_DROP_DELETES, &m, &e), &e);
    size_t k = 0;
    for (;;) {
        const floe_value *vals;
        uint64_t seq;
        int kind;
        FT_OK(floe_lsm_merge_next(m, &vals, &seq, &kind, &e), &e);
        if (!vals) break;
        while (k < nkeys && model[k] == ABSENT) k++;
        FT_CHECK(k < nkeys);
        FT_EQ_INT(vals[0].v.i64, (int64_t)k);
        FT_EQ_INT(vals[1].v.i64, model[k]);
        k++;
    }
    while (k < nkeys && model[k] == ABSENT) k++;
    FT_EQ_U64(k, nkeys);
    floe_lsm_merge_close(m);
    floe_lsm_snapshot_destroy(sn);
}

static void test_runs_bounded(void) {
    char wh[64];
    floe_lsm_table *t = make_table(wh, sizeof wh, "db.bounded", 2);
    FT_CHECK(t != NULL);
    floe_err e = {0};
    floe_lsm_writer_opts wo;
    floe_lsm_writer_opts_init(&wo);
    wo.buffer_bytes = 4u << 20; /* one flush per commit */
    floe_lsm_writer *w = NULL;
    FT_OK(floe_lsm_writer_open(t, &wo, &w, &e), &e);
    floe_compact_opts co;
    floe_compact_opts_init(&co);
    floe_compactor *comp = NULL;
    FT_OK(floe_compactor_start(wh, "db.bounded", &co, &comp, &e), &e);
    const char *env = getenv("FLOE_COMPACTION_COMMITS");
    long commits = env && *env ? atol(env) : 300;
    size_t cap = 400000, nkeys = 0;
    int64_t *model = malloc(cap * sizeof *model);
    FT_CHECK(model != NULL);
    uint64_t seed = 7;
    uint32_t stop = (uint32_t)co.trigger + 3, worst_after_commit = 0, worst_after_wait = 0;
    for (long c = 0; c < commits; c++) {
        for (int i = 0; i < 2000; i++) {
            uint64_t r = rnd(&seed) % 100;
            int64_t v = (int64_t)(rnd(&seed) >> 20);
            if (r < 20 || nkeys == 0) {
                FT_CHECK(nkeys < cap);
                put(w, FLOE_KIND_INSERT, (int64_t)nkeys, v);
                model[nkeys++] = v;
            } else {
                int64_t k = (int64_t)(rnd(&seed) % nkeys);
                if (r < 90) {
                    put(w, FLOE_KIND_UPDATE_AFTER, k, v);
                    model[k] = v;
                } else {
                    put(w, FLOE_KIND_DELETE, k, 0);
                    model[k] = ABSENT;
                }
            }
        }
        int64_t id;
        FT_OK(floe_lsm_writer_commit(w, c + 1, NULL, &id, &e), &e);
        uint32_t runs = floe_lsm_writer_max_runs(w);
        if (runs > worst_after_commit) worst_after_commit = runs;
        /* what `floe write` does after a commit */
        for (int round = 0; round < 100; round++) {
            int waited = 0;
            FT_OK(floe_compactor_after_commit(comp, floe_lsm_writer_max_runs(w), &waited, &e), &e);
            if (!waited) break;
            FT_OK(floe_lsm_writer_refresh(w, &e), &e);
        }
        runs = floe_lsm_writer_max_runs(w);
        if (runs > worst_after_wait) worst_after_wait = runs;
        FT_CHECK(runs <= stop);
    }
    floe_compact_result sum;
    uint64_t rounds;
    floe_compactor_totals(comp, &sum, &rounds);
    floe_compactor_stop(comp);
    printf("runs_bounded: %ld commits, %zu keys, %llu compaction rounds, sorted runs per bucket "
           "at most %u after a commit and %u after the wait (stop trigger %u)\n",
           commits, nkeys, (unsigned long long)rounds, worst_after_commit, worst_after_wait, stop);
    FT_CHECK(rounds > 0);
    FT_CHECK(worst_after_commit <= stop + 1);
    check_scan(t, model, nkeys);
    floe_lsm_writer_destroy(w);
    floe_lsm_table_destroy(t);
    free(model);
    nftw(wh, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_levels_full(void) {
    char wh[64];
    floe_lsm_table *t = make_table(wh, sizeof wh, "db.full", 1);
    FT_CHECK(t != NULL);
    floe_err e = {0};
    floe_lsm_writer *w = NULL;
    FT_OK(floe_lsm_writer_open(t, NULL, &w, &e), &e);
    enum { NKEYS = 60000, NFILES = 10 };
    int64_t *model = malloc(NKEYS * sizeof *model);
    FT_CHECK(model != NULL);
    uint64_t seed = 11;
    int64_t id = 0;
    /* file sizes (rows) oldest first: the oldest (level 5) holds every
     * key; the one that goes to level 1 is big enough that the size-ratio
     * rule stops at it, so the level-0 runs must merge into level 1; size
     * amplification stays under 200%, so no full compaction is forced */
    static const int rows[NFILES] = {NKEYS, 1500, 1500, 1500, 1500, 20000, 1500, 1500, 1500, 1500};
    for (int64_t k = 0; k < NKEYS; k++) {
        model[k] = (int64_t)(rnd(&seed) >> 20);
        put(w, FLOE_KIND_INSERT, k, model[k]);
    }
    FT_OK(floe_lsm_writer_commit(w, 1, NULL, &id, &e), &e);
    for (int f = 1; f < NFILES; f++) {
        for (int i = 0; i < rows[f]; i++) {
            int64_t k = (int64_t)(rnd(&seed) % NKEYS), v = (int64_t)(rnd(&seed) >> 20);
            put(w, FLOE_KIND_UPDATE_AFTER, k, v);
            model[k] = v;
        }
        FT_OK(floe_lsm_writer_commit(w, f + 1, NULL, &id, &e), &e);
    }
    floe_lsm_writer_destroy(w);
    /* levels by age: the oldest five files to levels 5..1, the rest stay at 0 */
    floe_lsm_snapshot *sn = NULL;
    FT_OK(floe_lsm_table_latest(t, &sn, &e), &e);
    FT_EQ_U64(sn->nfiles, NFILES);
    for (int lv = 5; lv >= 1; lv--) {
        size_t oldest = SIZE_MAX;
        for (size_t i = 0; i < sn->nfiles; i++)
            if (sn->files[i].level == 0 &&
                (oldest == SIZE_MAX || sn->files[i].max_seq < sn->files[oldest].max_seq))
                oldest = i;
        sn->files[oldest].level = (uint32_t)lv;
    }
    floe_lsm_snapshot tmpl = {0};
    tmpl.schema_id = sn->schema_id;
    tmpl.commit_user = "test";
    tmpl.commit_kind = "COMPACT";
    tmpl.commit_identifier = sn->commit_identifier;
    tmpl.next_sequence = sn->next_sequence;
    int64_t nid;
    FT_OK(floe_lsm_table_commit(t, sn->id, &tmpl, sn->files, sn->nfiles, &nid, &e), &e);
    floe_lsm_snapshot_destroy(sn);
    FT_OK(floe_lsm_table_latest(t, &sn, &e), &e);
    uint32_t before = floe_lsm_sorted_runs(sn->files, sn->nfiles, 0);
    floe_lsm_snapshot_destroy(sn);
    FT_EQ_INT(before, NFILES);
    floe_compact_opts co;
    floe_compact_opts_init(&co);
    floe_compact_result r;
    FT_OK(floe_compact_table(t, &co, &r, &e), &e);
    FT_CHECK(r.snapshot_id != 0);
    FT_OK(floe_lsm_table_latest(t, &sn, &e), &e);
    uint32_t after = floe_lsm_sorted_runs(sn->files, sn->nfiles, 0), l0 = 0;
    for (size_t i = 0; i < sn->nfiles; i++) l0 += sn->files[i].level == 0;
    floe_lsm_snapshot_destroy(sn);
    printf("levels_full: sorted runs %u -> %u, level-0 files left %u\n", before, after, l0);
    FT_CHECK(after <= (uint32_t)co.trigger);
    FT_EQ_INT(l0, 0);
    check_scan(t, model, NKEYS);
    floe_lsm_table_destroy(t);
    free(model);
    nftw(wh, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static void test_level_codecs(void) {
    floe_lsm_table t = {0};
    t.name = "db.codecs";
    t.options = json_object();
    floe_compact_opts o;
    floe_err e = {0};
    FT_OK(floe_compact_opts_from_table(&t, &o, &e), &e);
    FT_EQ_INT(floe_compact_codec(&o, 0), FLOE_ORC_NONE);
    FT_EQ_INT(floe_compact_codec(&o, 1), FLOE_ORC_ZSTD);
    FT_EQ_INT(floe_compact_codec(&o, 5), FLOE_ORC_ZSTD);
    /* file.compression alone: every level */
    json_object_set_new(t.options, "file.compression", json_string("zlib"));
    FT_OK(floe_compact_opts_from_table(&t, &o, &e), &e);
    FT_EQ_INT(floe_compact_codec(&o, 0), FLOE_ORC_ZLIB);
    FT_EQ_INT(floe_compact_codec(&o, 5), FLOE_ORC_ZLIB);
    json_object_set_new(t.options, "file.compression.per.level", json_string("0:none,3:LZ4"));
    FT_OK(floe_compact_opts_from_table(&t, &o, &e), &e);
    FT_EQ_INT(floe_compact_codec(&o, 0), FLOE_ORC_NONE);
    FT_EQ_INT(floe_compact_codec(&o, 2), FLOE_ORC_ZLIB);
    FT_EQ_INT(floe_compact_codec(&o, 3), FLOE_ORC_LZ4);
    /* per level alone: the others are zstd */
    json_object_del(t.options, "file.compression");
    json_object_set_new(t.options, "file.compression.per.level", json_string("5:lz4"));
    FT_OK(floe_compact_opts_from_table(&t, &o, &e), &e);
    FT_EQ_INT(floe_compact_codec(&o, 0), FLOE_ORC_ZSTD);
    FT_EQ_INT(floe_compact_codec(&o, 5), FLOE_ORC_LZ4);
    /* a trailing comma is tolerated */
    json_object_set_new(t.options, "file.compression.per.level", json_string("0:lz4,"));
    FT_OK(floe_compact_opts_from_table(&t, &o, &e), &e);
    static const char *bad[] = {"0:lz5", "x:lz4", "0lz4", "64:zstd", "0:", "-1:zstd"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_object_set_new(t.options, "file.compression.per.level", json_string(bad[i]));
        floe_err be = {0};
        FT_EQ_INT(floe_compact_opts_from_table(&t, &o, &be), FLOE_ERR_INVALID);
        FT_CHECK(strstr(be.msg, "file.compression.per.level") != NULL);
        FT_CHECK(strstr(be.msg, bad[i]) != NULL);
    }
    json_decref(t.options);
}

/* A single file moves to the output level without a rewrite only when
 * both levels have the same codec: by default a level-0 run (uncompressed)
 * is rewritten into the compressed top level. */
static void test_upgrade_needs_same_codec(void) {
    for (int same = 0; same < 2; same++) {
        char wh[64];
        floe_lsm_table *t = make_table(wh, sizeof wh, same ? "db.up_same" : "db.up_diff", 1);
        FT_CHECK(t != NULL);
        if (same) json_object_set_new(t->options, "file.compression", json_string("zstd"));
        floe_err e = {0};
        floe_compact_opts co;
        FT_OK(floe_compact_opts_from_table(t, &co, &e), &e);
        floe_lsm_writer_opts wo;
        floe_lsm_writer_opts_init(&wo);
        wo.codec = floe_compact_codec(&co, 0);
        floe_lsm_writer *w = NULL;
        FT_OK(floe_lsm_writer_open(t, &wo, &w, &e), &e);
        int64_t model[1000], id = 0;
        for (int64_t k = 0; k < 1000; k++) put(w, FLOE_KIND_INSERT, k, model[k] = k * 7);
        FT_OK(floe_lsm_writer_commit(w, 1, NULL, &id, &e), &e);
        floe_lsm_writer_destroy(w);
        co.full = 1;
        floe_compact_result r;
        FT_OK(floe_compact_table(t, &co, &r, &e), &e);
        FT_CHECK(r.snapshot_id != 0);
        FT_EQ_U64(r.files_upgraded, (uint64_t)same);
        FT_EQ_U64(r.files_out, (uint64_t)!same);
        floe_lsm_snapshot *sn = NULL;
        FT_OK(floe_lsm_table_latest(t, &sn, &e), &e);
        FT_EQ_U64(sn->nfiles, 1);
        FT_EQ_INT(sn->files[0].level, co.levels - 1);
        floe_lsm_snapshot_destroy(sn);
        check_scan(t, model, 1000);
        floe_lsm_table_destroy(t);
        nftw(wh, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
}

/* Options change by a new schema version; rows written before and after
 * read back; a stale handle gets a conflict; no change writes nothing. */
static void test_set_options(void) {
    char wh[64];
    floe_lsm_table *t = make_table(wh, sizeof wh, "db.opts", 1);
    FT_CHECK(t != NULL);
    floe_lsm_table *stale = NULL;
    floe_err e = {0};
    FT_OK(floe_lsm_table_open(wh, "db.opts", &stale, &e), &e);
    int64_t model[8];
    for (size_t k = 0; k < 8; k++) model[k] = ABSENT;
    floe_lsm_writer *w = NULL;
    FT_OK(floe_lsm_writer_open(t, NULL, &w, &e), &e);
    for (int64_t k = 0; k < 4; k++) {
        put(w, FLOE_KIND_INSERT, k, k * 10);
        model[k] = k * 10;
    }
    int64_t sid;
    FT_OK(floe_lsm_writer_commit(w, 1, NULL, &sid, &e), &e);
    floe_lsm_writer_destroy(w);

    json_t *ch = json_pack("{s:s, s:s}", "num-sorted-run.compaction-trigger", "4",
                           "target-file-size", "1mb");
    int changed = -1;
    FT_OK(floe_lsm_table_set_options(t, ch, &changed, &e), &e);
    FT_EQ_INT(changed, 1);
    FT_EQ_INT(t->schema_id, 1);
    /* the same values again: nothing written */
    FT_OK(floe_lsm_table_set_options(t, ch, &changed, &e), &e);
    FT_EQ_INT(changed, 0);
    FT_EQ_INT(t->schema_id, 1);
    /* a handle opened before the change cannot publish schema 1 again */
    floe_err ce = {0};
    FT_EQ_INT(floe_lsm_table_set_options(stale, ch, &changed, &ce), FLOE_ERR_CONFLICT);
    FT_CHECK(strstr(ce.msg, "schema 1") != NULL);
    json_decref(ch);
    /* null removes; anything but a string or null is refused */
    ch = json_pack("{s:n}", "target-file-size");
    FT_OK(floe_lsm_table_set_options(t, ch, &changed, &e), &e);
    FT_EQ_INT(changed, 1);
    json_decref(ch);
    ch = json_pack("{s:i}", "num-levels", 4);
    floe_err ie = {0};
    FT_EQ_INT(floe_lsm_table_set_options(t, ch, &changed, &ie), FLOE_ERR_INVALID);
    FT_CHECK(strstr(ie.msg, "num-levels") != NULL);
    json_decref(ch);
    floe_lsm_table_destroy(t);
    floe_lsm_table_destroy(stale);

    /* reopened: the options, the same columns, old and new rows */
    FT_OK(floe_lsm_table_open(wh, "db.opts", &t, &e), &e);
    FT_EQ_INT(t->schema_id, 2);
    FT_EQ_U64(t->schema->ncols, 3);
    FT_CHECK(!strcmp(json_string_value(json_object_get(t->options,
                                                       "num-sorted-run.compaction-trigger")),
                     "4"));
    FT_CHECK(json_object_get(t->options, "target-file-size") == NULL);
    floe_compact_opts co;
    FT_OK(floe_compact_opts_from_table(t, &co, &e), &e);
    FT_EQ_INT(co.trigger, 4);
    FT_OK(floe_lsm_writer_open(t, NULL, &w, &e), &e);
    for (int64_t k = 2; k < 8; k++) {
        put(w, FLOE_KIND_UPDATE_AFTER, k, k * 100);
        model[k] = k * 100;
    }
    FT_OK(floe_lsm_writer_commit(w, 2, NULL, &sid, &e), &e);
    floe_lsm_writer_destroy(w);
    check_scan(t, model, 8);
    floe_lsm_table_destroy(t);
    nftw(wh, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

FT_MAIN(test_level_codecs, test_upgrade_needs_same_codec, test_set_options, test_levels_full, test_runs_bounded)
