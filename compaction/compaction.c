/*
 * compaction.c: universal compaction and expiry; contract in compaction.h.
 *
 * Invariants:
 *  1. A compaction's inputs are a prefix (newest first) of one bucket's
 *     sorted runs, so every row left out is older than every input row.
 *  2. Outputs are complete and fsynced before the snapshot that lists them.
 *  3. Expiry deletes only files that no remaining snapshot lists and that
 *     are older than the safety age, and keeps every snapshot from
 *     keep_from_id on (the ones Iceberg metadata still lists).
 */
#define _GNU_SOURCE
#include "compaction.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "floe_fs.h"
#include "floe_log.h"
#include "lsm_merge.h"
#include "lsm_writer.h"

void floe_compact_opts_init(floe_compact_opts *o) {
    memset(o, 0, sizeof *o);
    o->trigger = 5;
    o->max_size_amp_percent = 200;
    o->size_ratio_percent = 1;
    o->levels = 6;
    o->target_file_size = 128ull << 20;
    o->codec = FLOE_ORC_ZSTD;
    o->max_attempts = 10;
    o->threads = 2;
    for (size_t l = 0; l < FLOE_LSM_MAX_LEVELS; l++) o->level_codec[l] = -1;
}

floe_orc_codec floe_compact_codec(const floe_compact_opts *o, uint32_t level) {
    if (level < FLOE_LSM_MAX_LEVELS && o->level_codec[level] >= 0)
        return (floe_orc_codec)o->level_codec[level];
    return o->codec;
}

/* "0:lz4,3:zstd" into o->level_codec; -1 when malformed. */
static int parse_per_level(const char *v, floe_compact_opts *o) {
    const char *p = v;
    while (*p) {
        char *end;
        errno = 0;
        long level = strtol(p, &end, 10);
        if (end == p || errno || level < 0 || level >= FLOE_LSM_MAX_LEVELS || *end != ':') return -1;
        p = end + 1;
        size_t n = strcspn(p, ",");
        char name[16];
        if (n == 0 || n >= sizeof name) return -1;
        memcpy(name, p, n);
        name[n] = 0;
        int c = floe_orc_codec_parse(name);
        if (c < 0) return -1;
        o->level_codec[level] = c;
        p += n;
        if (*p == ',') p++;
    }
    return 0;
}

static floe_status opt_int(const floe_lsm_table *t, const char *key, long lo, long hi, int *out,
                           floe_err *err) {
    const char *v = json_string_value(json_object_get(t->options, key));
    if (!v) return FLOE_OK;
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (end == v || *end || errno || x < lo || x > hi)
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "table %s: option %s = \"%s\": expected an integer in %ld..%ld", t->name,
                            key, v, lo, hi);
    *out = (int)x;
    return FLOE_OK;
}

/* A memory size as Paimon (Flink's MemorySize) writes it: a number, an
 * optional space, a unit b/k/kb/m/mb/g/gb (any case; binary multiples). */
static int parse_option_size(const char *v, uint64_t *out) {
    char *end;
    errno = 0;
    unsigned long long x = strtoull(v, &end, 10);
    if (end == v || errno || *v == '-') return -1;
    while (*end == ' ') end++;
    static const struct {
        const char *unit;
        int shift;
    } units[] = {{"", 0},  {"b", 0},  {"bytes", 0}, {"k", 10}, {"kb", 10}, {"kib", 10},
                 {"m", 20}, {"mb", 20}, {"mib", 20}, {"g", 30}, {"gb", 30}, {"gib", 30}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (!strcasecmp(end, units[i].unit)) {
            if (x > (UINT64_MAX >> units[i].shift)) return -1;
            *out = (uint64_t)x << units[i].shift;
            return 0;
        }
    return -1;
}

floe_status floe_compact_opts_from_table(const floe_lsm_table *t, floe_compact_opts *o,
                                         floe_err *err) {
    floe_compact_opts_init(o);
    int levels = 0;
    FLOE_TRY(opt_int(t, "num-sorted-run.compaction-trigger", 1, 1000, &o->trigger, err));
    FLOE_TRY(opt_int(t, "num-sorted-run.stop-trigger", o->trigger, 100000, &o->stop_trigger, err));
    FLOE_TRY(opt_int(t, "num-levels", 2, FLOE_LSM_MAX_LEVELS, &levels, err));
    o->levels = levels ? levels : o->trigger + 1;
    if (o->levels > FLOE_LSM_MAX_LEVELS) o->levels = FLOE_LSM_MAX_LEVELS;
    FLOE_TRY(opt_int(t, "compaction.max-size-amplification-percent", 1, 1000000,
                     &o->max_size_amp_percent, err));
    FLOE_TRY(opt_int(t, "compaction.size-ratio", 0, 1000000, &o->size_ratio_percent, err));
    FLOE_TRY(opt_int(t, "compaction.threads", 1, 64, &o->threads, err));
    const char *v = json_string_value(json_object_get(t->options, "target-file-size"));
    if (v) {
        uint64_t sz;
        if (parse_option_size(v, &sz) != 0 || sz < 1)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "table %s: option target-file-size = \"%s\": expected a size "
                                "such as 128mb",
                                t->name, v);
        o->target_file_size = sz;
    }
    v = json_string_value(json_object_get(t->options, "file.compression"));
    int codec = v ? floe_orc_codec_parse(v) : (int)o->codec;
    if (codec < 0)
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "table %s: option file.compression = \"%s\": expected zstd, lz4, "
                            "zlib or none",
                            t->name, v);
    o->codec = (floe_orc_codec)codec;
    const char *pl = json_string_value(json_object_get(t->options, "file.compression.per.level"));
    if (pl && parse_per_level(pl, o) != 0)
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "table %s: option file.compression.per.level = \"%s\": expected "
                            "LEVEL:CODEC pairs separated by commas, such as 0:lz4,5:zstd",
                            t->name, pl);
    if (!pl && !v) o->level_codec[0] = FLOE_ORC_NONE;
    return FLOE_OK;
}

typedef struct run {
    uint32_t level;
    uint64_t size;
    size_t *files; /* indexes into the snapshot's file list */
    size_t nfiles;
} run;

typedef struct bucket_runs {
    run *runs;
    size_t n;
} bucket_runs;

static void runs_free(bucket_runs *br) {
    for (size_t i = 0; i < br->n; i++) free(br->runs[i].files);
    free(br->runs);
    br->runs = NULL;
    br->n = 0;
}

static const floe_lsm_file *g_files; /* for qsort of level-0 files */
static int cmp_l0(const void *a, const void *b) {
    const floe_lsm_file *x = &g_files[*(const size_t *)a], *y = &g_files[*(const size_t *)b];
    return x->max_seq > y->max_seq ? -1 : x->max_seq < y->max_seq;
}

static floe_status build_runs(const floe_lsm_file *files, size_t nfiles, uint32_t bucket,
                              bucket_runs *br, floe_err *err) {
    br->runs = calloc(nfiles + FLOE_LSM_MAX_LEVELS, sizeof *br->runs);
    if (!br->runs) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    br->n = 0;
    size_t *l0 = malloc((nfiles ? nfiles : 1) * sizeof *l0);
    if (!l0) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    size_t n0 = 0;
    for (size_t i = 0; i < nfiles; i++)
        if (files[i].bucket == bucket && files[i].level == 0) l0[n0++] = i;
    g_files = files;
    qsort(l0, n0, sizeof *l0, cmp_l0);
    for (size_t i = 0; i < n0; i++) {
        run *r = &br->runs[br->n++];
        r->level = 0;
        r->files = malloc(sizeof *r->files);
        if (!r->files) {
            free(l0);
            return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        }
        r->files[0] = l0[i];
        r->nfiles = 1;
        r->size = files[l0[i]].size;
    }
    free(l0);
    for (uint32_t lv = 1; lv < FLOE_LSM_MAX_LEVELS; lv++) {
        size_t cnt = 0;
        for (size_t i = 0; i < nfiles; i++)
            if (files[i].bucket == bucket && files[i].level == lv) cnt++;
        if (!cnt) continue;
        run *r = &br->runs[br->n++];
        r->level = lv;
        r->files = malloc(cnt * sizeof *r->files);
        if (!r->files) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < nfiles; i++)
            if (files[i].bucket == bucket && files[i].level == lv) {
                r->files[r->nfiles++] = i;
                r->size += files[i].size;
            }
    }
    return FLOE_OK;
}

/* The output level for merging the k newest runs: one below the next run
 * left out. Output never goes to level 0: when the next run is at level 0
 * or 1, the unit grows over the remaining level-0 runs and the first run
 * above level 0, and the output takes that run's level (so level-0 files
 * can always be merged, even when every level above is occupied). When the
 * unit covers every run, the output is the top level. */
static int unit_level(const bucket_runs *br, uint32_t max_level, size_t k, size_t *count,
                      uint32_t *out_level) {
    size_t n = br->n;
    uint32_t out = 0;
    if (k < n && br->runs[k].level > 1) out = br->runs[k].level - 1;
    if (k < n && out == 0) {
        while (k < n) {
            uint32_t lv = br->runs[k++].level;
            if (lv != 0) {
                out = lv;
                break;
            }
        }
    }
    if (k >= n) {
        *count = n;
        *out_level = max_level;
        return 1;
    }
    *count = k;
    *out_level = out;
    return 1;
}

/* Pick runs[0..*count) and the output level; returns 0 when nothing to do. */
static int pick(const floe_compact_opts *o, const bucket_runs *br, size_t *count,
                uint32_t *out_level) {
    uint32_t max_level = (uint32_t)(o->levels - 1);
    size_t n = br->n;
    if (n == 0) return 0;
    if (o->full) {
        /* already one run at the top level with nothing to drop? */
        if (n == 1 && br->runs[0].level == max_level) return 0;
        *count = n;
        *out_level = max_level;
        return 1;
    }
    if (n == 1) return 0;
    /* size amplification */
    uint64_t newer = 0;
    for (size_t i = 0; i + 1 < n; i++) newer += br->runs[i].size;
    if (newer * 100 > (uint64_t)o->max_size_amp_percent * br->runs[n - 1].size) {
        *count = n;
        *out_level = max_level;
        return 1;
    }
    size_t k = 0;
    if (n > (size_t)o->trigger) {
        /* size ratio */
        uint64_t cand = br->runs[0].size;
        size_t i = 1;
        for (; i < n; i++) {
            if (cand * (100 + (uint64_t)o->size_ratio_percent) / 100 < br->runs[i].size) break;
            cand += br->runs[i].size;
        }
        if (i > 1) k = i;
        /* file number */
        if (k == 0) k = n - (size_t)o->trigger + 1;
    }
    if (k < 2) return 0;
    return unit_level(br, max_level, k, count, out_level);
}

typedef struct plan {
    size_t *inputs;   /* indexes into base->files */
    size_t ninputs;
    floe_lsm_file *outputs;
    size_t noutputs;
} plan;

static void plan_free(plan *p) {
    free(p->inputs);
    for (size_t i = 0; i < p->noutputs; i++) floe_lsm_file_free(&p->outputs[i]);
    free(p->outputs);
    memset(p, 0, sizeof *p);
}

static floe_status add_input(plan *p, size_t idx, floe_err *err) {
    size_t *ni = realloc(p->inputs, (p->ninputs + 1) * sizeof *ni);
    if (!ni) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    p->inputs = ni;
    p->inputs[p->ninputs++] = idx;
    return FLOE_OK;
}

/* Plan and execute compaction of every bucket of `base`. */
/* One bucket's merge, run on a worker thread. */
typedef struct merge_job {
    const floe_lsm_table *t;
    const floe_compact_opts *o;
    uint32_t bucket, out_level;
    int drop;
    floe_lsm_file *in;
    size_t nin;
    floe_lsm_file *outputs;
    size_t noutputs;
    uint64_t rows_read, rows_written;
    floe_status st;
    floe_err err;
} merge_job;

static void run_job(merge_job *jb) {
    floe_lsm_merge *m = NULL;
    jb->st = floe_lsm_merge_open(jb->t, jb->in, jb->nin, jb->drop ? FLOE_MERGE_DROP_DELETES : 0,
                                 &m, &jb->err);
    if (jb->st != FLOE_OK) return;
    jb->st = floe_lsm_write_run(jb->t, floe_compact_codec(jb->o, jb->out_level), jb->bucket, jb->out_level,
                                floe_lsm_merge_source_next, m, jb->o->target_file_size,
                                &jb->outputs, &jb->noutputs, &jb->err);
    jb->rows_read = floe_lsm_merge_rows_read(m);
    jb->rows_written = floe_lsm_merge_rows_returned(m);
    floe_lsm_merge_close(m);
}

typedef struct job_pool {
    merge_job *jobs;
    size_t n;
    atomic_size_t next;
} job_pool;

static void *pool_worker(void *arg) {
    job_pool *pl = arg;
    for (;;) {
        size_t k = atomic_fetch_add(&pl->next, 1);
        if (k >= pl->n) return NULL;
        run_job(&pl->jobs[k]);
    }
}

/* Plan every bucket of `base` (sequentially), run the merges on up to
 * o->threads threads (buckets are independent), then gather outputs in
 * bucket order. */
static floe_status compact_once(floe_lsm_table *t, const floe_compact_opts *o,
                                const floe_lsm_snapshot *base, plan *p, floe_compact_result *res,
                                floe_err *err) {
    uint32_t max_level = (uint32_t)(o->levels - 1);
    merge_job *jobs = calloc(t->buckets ? t->buckets : 1, sizeof *jobs);
    if (!jobs) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    size_t njobs = 0;
    floe_status s = FLOE_OK;
    for (uint32_t b = 0; b < t->buckets && s == FLOE_OK; b++) {
        bucket_runs br = {0};
        s = build_runs(base->files, base->nfiles, b, &br, err);
        if (s != FLOE_OK) {
            runs_free(&br);
            break;
        }
        if (br.n > res->max_runs_before) res->max_runs_before = (uint32_t)br.n;
        size_t count;
        uint32_t out_level;
        if (!pick(o, &br, &count, &out_level)) {
            runs_free(&br);
            continue;
        }
        size_t nin = 0;
        uint64_t deletes = 0;
        for (size_t r = 0; r < count; r++) nin += br.runs[r].nfiles;
        floe_lsm_file *in = calloc(nin, sizeof *in);
        if (!in) {
            runs_free(&br);
            s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            break;
        }
        size_t at = 0;
        for (size_t r = 0; r < count && s == FLOE_OK; r++)
            for (size_t f = 0; f < br.runs[r].nfiles && s == FLOE_OK; f++) {
                size_t idx = br.runs[r].files[f];
                in[at++] = base->files[idx]; /* shallow: base owns the strings */
                deletes += base->files[idx].delete_rows;
                s = add_input(p, idx, err);
            }
        /* drop deletes only when nothing older lies below the output */
        int drop = 1;
        for (size_t r = count; r < br.n; r++)
            if (br.runs[r].level >= out_level) drop = 0;
        /* a file moves up a level without a rewrite when nothing would
         * change: same schema, no deletes to drop, and the same codec at
         * both levels (a level-0 run, uncompressed by default, is rewritten
         * into a compressed level) */
        int upgrade = nin == 1 && in[0].schema_id == t->schema_id &&
                      !(out_level == max_level && deletes > 0) && in[0].level != out_level &&
                      floe_compact_codec(o, in[0].level) == floe_compact_codec(o, out_level);
        if (s == FLOE_OK && nin == 1 && in[0].level == out_level && !(drop && deletes > 0)) {
            p->ninputs--; /* a single file already where it belongs */
            free(in);
        } else if (s == FLOE_OK && upgrade) {
            floe_lsm_file nf;
            s = floe_lsm_file_copy(&nf, &in[0], err);
            if (s == FLOE_OK) {
                nf.level = out_level;
                floe_lsm_file *no = realloc(p->outputs, (p->noutputs + 1) * sizeof *no);
                if (!no) {
                    floe_lsm_file_free(&nf);
                    s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                } else {
                    p->outputs = no;
                    p->outputs[p->noutputs++] = nf;
                    res->files_upgraded++;
                    res->units++;
                }
            }
            free(in);
        } else if (s == FLOE_OK) {
            jobs[njobs++] = (merge_job){.t = t, .o = o, .bucket = b, .out_level = out_level,
                                        .drop = drop, .in = in, .nin = nin};
        } else {
            free(in);
        }
        runs_free(&br);
    }
    if (s == FLOE_OK && njobs) {
        job_pool pl = {jobs, njobs, 0};
        int nthreads = o->threads > 1 ? o->threads : 1;
        if ((size_t)nthreads > njobs) nthreads = (int)njobs;
        pthread_t th[64];
        int started = 0;
        for (int k = 1; k < nthreads && k < 64; k++)
            if (pthread_create(&th[started], NULL, pool_worker, &pl) == 0) started++;
        pool_worker(&pl); /* the calling thread works too */
        for (int k = 0; k < started; k++) pthread_join(th[k], NULL);
    }
    for (size_t k = 0; k < njobs; k++) {
        merge_job *jb = &jobs[k];
        if (s == FLOE_OK && jb->st != FLOE_OK) {
            s = jb->st;
            if (err) *err = jb->err;
        }
        if (s == FLOE_OK) {
            floe_lsm_file *no = realloc(p->outputs, (p->noutputs + jb->noutputs + 1) * sizeof *no);
            if (!no) {
                s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            } else {
                p->outputs = no;
                res->files_out += jb->noutputs;
                for (size_t i = 0; i < jb->noutputs; i++) {
                    p->outputs[p->noutputs++] = jb->outputs[i];
                    res->bytes_written += jb->outputs[i].size;
                }
                jb->noutputs = 0; /* moved */
                for (size_t i = 0; i < jb->nin; i++) res->bytes_read += jb->in[i].size;
                res->rows_read += jb->rows_read;
                res->rows_written += jb->rows_written;
                res->files_in += jb->nin;
                res->units++;
            }
        }
        for (size_t i = 0; i < jb->noutputs; i++) floe_lsm_file_free(&jb->outputs[i]);
        free(jb->outputs);
        free(jb->in);
    }
    free(jobs);
    return s;
}

floe_status floe_compact_table(floe_lsm_table *t, const floe_compact_opts *opts,
                               floe_compact_result *res, floe_err *err) {
    floe_compact_opts o;
    if (opts) o = *opts;
    else floe_compact_opts_init(&o);
    if (o.trigger < 1) o.trigger = 5;
    if (o.levels < 2) o.levels = o.trigger + 1;
    if (o.levels > FLOE_LSM_MAX_LEVELS) o.levels = FLOE_LSM_MAX_LEVELS;
    if (!o.max_attempts) o.max_attempts = 10;
    memset(res, 0, sizeof *res);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    floe_status s = FLOE_OK;
    for (int attempt = 1; attempt <= o.max_attempts; attempt++) {
        res->attempts = (uint32_t)attempt;
        floe_lsm_snapshot *base = NULL;
        FLOE_TRY(floe_lsm_table_latest(t, &base, err));
        if (!base) return FLOE_OK;
        plan p = {0};
        floe_compact_result r = {0};
        r.attempts = (uint32_t)attempt;
        s = compact_once(t, &o, base, &p, &r, err);
        if (s != FLOE_OK || r.units == 0) {
            r.max_runs_after = r.max_runs_before;
            *res = r;
            plan_free(&p);
            floe_lsm_snapshot_destroy(base);
            return s;
        }
        /* commit, rebasing while our inputs survive */
        for (;;) {
            size_t n = 0;
            floe_lsm_file *all = calloc(base->nfiles + p.noutputs + 1, sizeof *all);
            if (!all) {
                s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                break;
            }
            /* p.inputs index base->files; a rebase below remaps them */
            for (size_t i = 0; i < base->nfiles; i++) {
                int used = 0;
                for (size_t k = 0; k < p.ninputs && !used; k++) used = p.inputs[k] == i;
                if (!used) all[n++] = base->files[i];
            }
            for (size_t i = 0; i < p.noutputs; i++) all[n++] = p.outputs[i];
            floe_lsm_snapshot tmpl = {0};
            tmpl.schema_id = t->schema_id;
            tmpl.commit_user = "compaction";
            tmpl.commit_kind = "COMPACT";
            tmpl.commit_identifier = base->commit_identifier;
            tmpl.next_sequence = base->next_sequence;
            tmpl.source_positions = base->source_positions;
            struct timespec tn;
            clock_gettime(CLOCK_MONOTONIC, &tn);
            double secs = (double)(tn.tv_sec - t0.tv_sec) + (double)(tn.tv_nsec - t0.tv_nsec) / 1e9;
            json_t *props = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:i, s:f}",
                                      "compaction_bytes_read", (json_int_t)r.bytes_read,
                                      "compaction_bytes_written", (json_int_t)r.bytes_written,
                                      "compaction_files_in", (json_int_t)r.files_in,
                                      "compaction_files_out", (json_int_t)r.files_out,
                                      "compaction_rows_read", (json_int_t)r.rows_read,
                                      "compaction_rows_written", (json_int_t)r.rows_written,
                                      "sorted_runs_before", (int)r.max_runs_before,
                                      "compaction_seconds", secs);
            tmpl.properties = props;
            int64_t new_id = 0;
            s = floe_lsm_table_commit(t, base->id, &tmpl, all, n, &new_id, err);
            json_decref(props);
            free(all);
            if (s == FLOE_OK) {
                r.snapshot_id = new_id;
                floe_lsm_snapshot *ns = NULL;
                if (floe_lsm_table_snapshot(t, new_id, &ns, NULL) == FLOE_OK) {
                    for (uint32_t b = 0; b < t->buckets; b++) {
                        uint32_t runs = floe_lsm_sorted_runs(ns->files, ns->nfiles, b);
                        if (runs > r.max_runs_after) r.max_runs_after = runs;
                    }
                    floe_lsm_snapshot_destroy(ns);
                }
                break;
            }
            if (s != FLOE_ERR_CONFLICT) break;
            /* someone committed first: rebase if every input survives */
            floe_lsm_snapshot *latest = NULL;
            floe_err e2;
            if (floe_lsm_table_latest(t, &latest, &e2) != FLOE_OK || !latest) break;
            int survive = 1;
            size_t *remap = malloc((p.ninputs ? p.ninputs : 1) * sizeof *remap);
            for (size_t k = 0; k < p.ninputs && survive && remap; k++) {
                const floe_lsm_file *f = &base->files[p.inputs[k]];
                survive = 0;
                for (size_t i = 0; i < latest->nfiles; i++)
                    if (!strcmp(latest->files[i].path, f->path) && latest->files[i].level == f->level) {
                        remap[k] = i;
                        survive = 1;
                        break;
                    }
            }
            if (!survive || !remap) {
                free(remap);
                floe_log_info("compact",
                              "abandoned: inputs changed by snapshot %lld table=%s attempt=%d",
                              (long long)latest->id, t->name, attempt);
                floe_lsm_snapshot_destroy(latest);
                s = FLOE_ERR_CONFLICT;
                break;
            }
            for (size_t k = 0; k < p.ninputs; k++) p.inputs[k] = remap[k];
            free(remap);
            floe_log_info("compact", "rebased onto snapshot %lld table=%s", (long long)latest->id,
                          t->name);
            floe_lsm_snapshot_destroy(base);
            base = latest;
        }
        plan_free(&p);
        floe_lsm_snapshot_destroy(base);
        *res = r;
        if (s == FLOE_OK) break;
        if (s != FLOE_ERR_CONFLICT) return s;
        floe_err_clear(err);
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    res->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    if (s == FLOE_ERR_CONFLICT)
        return floe_err_set(err, FLOE_ERR_CONFLICT,
                            "table %s: compaction kept losing to concurrent commits (%u attempts)",
                            t->name, res->attempts);
    if (s == FLOE_OK && res->snapshot_id)
        floe_log_info("compact",
                      "committed table=%s snapshot=%lld units=%u files_in=%llu files_out=%llu "
                      "upgraded=%llu bytes_read=%llu bytes_written=%llu rows_read=%llu "
                      "rows_written=%llu runs_before=%u runs_after=%u seconds=%.3f",
                      t->name, (long long)res->snapshot_id, res->units,
                      (unsigned long long)res->files_in, (unsigned long long)res->files_out,
                      (unsigned long long)res->files_upgraded, (unsigned long long)res->bytes_read,
                      (unsigned long long)res->bytes_written, (unsigned long long)res->rows_read,
                      (unsigned long long)res->rows_written, res->max_runs_before,
                      res->max_runs_after, res->seconds);
    return s;
}

/* ---- expiry ---- */

void floe_expire_opts_init(floe_expire_opts *o) {
    memset(o, 0, sizeof *o);
    o->retain_snapshots = 10;
    o->older_than_ms = 3600 * 1000;
    o->safety_age_ms = 3600 * 1000;
}

/* The set of paths the remaining snapshots reference: a jansson object
 * used as a hash set (path -> true); every file of every retained snapshot
 * goes in, so a linear set would be quadratic. */
static floe_status set_add(json_t *set, const char *x, floe_err *err) {
    if (json_object_set_new(set, x, json_true()) != 0)
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    return FLOE_OK;
}

/* Delete unreferenced files in dir (relative prefix rel) older than cutoff. */
static floe_status sweep_dir(const floe_lsm_table *t, const char *rel, const json_t *keep,
                             int only_tmp, int64_t cutoff_ms, int dry, uint64_t *files,
                             uint64_t *bytes, floe_err *err) {
    char dir[4400];
    floe_lsm_table_path(t, rel, dir, sizeof dir);
    DIR *d = opendir(dir);
    if (!d) {
        if (errno == ENOENT) return FLOE_OK;
        return floe_err_set(err, FLOE_ERR_IO, "cannot list %s: %s", dir, strerror(errno));
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        int is_tmp = strncmp(e->d_name, ".tmp-", 5) == 0;
        if (e->d_name[0] == '.' && !is_tmp) continue;
        if (only_tmp && !is_tmp) continue;
        char relpath[600], path[5000];
        snprintf(relpath, sizeof relpath, "%s/%s", rel, e->d_name);
        const char *key = !strcmp(rel, "manifest") ? e->d_name : relpath;
        if (json_object_get(keep, key)) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISREG(st.st_mode)) continue;
        int64_t mtime = (int64_t)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
        if (mtime > cutoff_ms) continue;
        if (!dry && unlink(path) != 0 && errno != ENOENT) {
            closedir(d);
            return floe_err_set(err, FLOE_ERR_IO, "cannot delete %s: %s", path, strerror(errno));
        }
        (*files)++;
        *bytes += (uint64_t)st.st_size;
        floe_log_debug("expire", "%s %s", dry ? "would delete" : "deleted", path);
    }
    closedir(d);
    return FLOE_OK;
}

floe_status floe_expire_table(floe_lsm_table *t, const floe_expire_opts *opts,
                              floe_expire_result *res, floe_err *err) {
    floe_expire_opts o;
    if (opts) o = *opts;
    else floe_expire_opts_init(&o);
    if (o.retain_snapshots < 1) o.retain_snapshots = 1;
    memset(res, 0, sizeof *res);
    floe_lsm_snapshot *latest = NULL;
    FLOE_TRY(floe_lsm_table_latest(t, &latest, err));
    if (!latest) return FLOE_OK;
    int64_t earliest;
    floe_status s = floe_lsm_table_earliest_id(t, &earliest, err);
    int64_t now = floe_now_ms();
    int64_t new_earliest = earliest;
    /* expire in id order, stopping at the first snapshot to keep */
    for (int64_t id = earliest; s == FLOE_OK && id <= latest->id - o.retain_snapshots; id++) {
        floe_lsm_snapshot *sn = NULL;
        if (floe_lsm_table_snapshot(t, id, &sn, err) != FLOE_OK) {
            s = err ? err->code : FLOE_ERR_IO;
            break;
        }
        int old = sn->time_ms < now - o.older_than_ms;
        floe_lsm_snapshot_destroy(sn);
        if (!old || (o.keep_from_id > 0 && id >= o.keep_from_id)) break;
        new_earliest = id + 1;
    }
    if (s != FLOE_OK) {
        floe_lsm_snapshot_destroy(latest);
        return s;
    }
    /* write the new EARLIEST hint first, then remove snapshot files oldest
     * first, so a reader never sees a gap below EARLIEST */
    char path[4400];
    if (!o.dry_run && new_earliest > earliest) {
        char hint[32];
        int n = snprintf(hint, sizeof hint, "%lld", (long long)new_earliest);
        snprintf(path, sizeof path, "%s/snapshot/EARLIEST", t->dir);
        s = floe_fs_replace(path, hint, (size_t)n, err);
        for (int64_t id = earliest; s == FLOE_OK && id < new_earliest; id++) {
            snprintf(path, sizeof path, "%s/snapshot/snapshot-%lld", t->dir, (long long)id);
            if (unlink(path) != 0 && errno != ENOENT)
                s = floe_err_set(err, FLOE_ERR_IO, "cannot delete %s: %s", path, strerror(errno));
            else res->snapshots_removed++;
        }
    } else if (o.dry_run) {
        res->snapshots_removed = (uint64_t)(new_earliest - earliest);
    }
    /* everything the remaining snapshots reference */
    json_t *keep = json_object();
    for (int64_t id = new_earliest; s == FLOE_OK && id <= latest->id; id++) {
        floe_lsm_snapshot *sn = NULL;
        s = floe_lsm_table_snapshot(t, id, &sn, err);
        if (s != FLOE_OK) break;
        s = set_add(keep, sn->manifest, err);
        for (size_t i = 0; i < sn->nfiles && s == FLOE_OK; i++) s = set_add(keep, sn->files[i].path, err);
        floe_lsm_snapshot_destroy(sn);
    }
    int64_t cutoff = now - o.safety_age_ms;
    int sweep = !o.keep_files;
    if (s == FLOE_OK && sweep)
        s = sweep_dir(t, "manifest", keep, 0, cutoff, o.dry_run, &res->manifests_removed,
                      &res->bytes_removed, err);
    for (uint32_t b = 0; s == FLOE_OK && sweep && b < t->buckets; b++) {
        char rel[64];
        snprintf(rel, sizeof rel, "bucket-%u", b);
        s = sweep_dir(t, rel, keep, 0, cutoff, o.dry_run, &res->data_files_removed,
                      &res->bytes_removed, err);
    }
    if (s == FLOE_OK && sweep) {
        uint64_t tmpf = 0, tmpb = 0;
        /* in snapshot/ and schema/ only abandoned temporary files go */
        s = sweep_dir(t, "snapshot", keep, 1, cutoff, o.dry_run, &tmpf, &tmpb, err);
        if (s == FLOE_OK)
            s = sweep_dir(t, "schema", keep, 1, cutoff, o.dry_run, &tmpf, &tmpb, err);
    }
    json_decref(keep);
    floe_lsm_snapshot_destroy(latest);
    if (s == FLOE_OK)
        floe_log_info("expire",
                      "expired table=%s snapshots_removed=%llu data_files_removed=%llu "
                      "manifests_removed=%llu bytes_removed=%llu%s",
                      t->name, (unsigned long long)res->snapshots_removed,
                      (unsigned long long)res->data_files_removed,
                      (unsigned long long)res->manifests_removed,
                      (unsigned long long)res->bytes_removed, o.dry_run ? " dry_run=true" : "");
    return s;
}
