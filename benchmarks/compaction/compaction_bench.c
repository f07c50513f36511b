/*
 * compaction_bench: floe's write path with background compaction and a final
 * full compaction on the "floe-revision-v1" workload, the floe side of
 * benchmarks/compaction/run.py.
 *
 *   compaction_bench --dir DIR [--seed N] [--ops N] [--update-ratio R]
 *                    [--delete-ratio R] [--commit-every N] [--buffer BYTES]
 *                    [--trigger N] [--target-file-size BYTES] [--codec C]
 *                    [--no-full-compact] [--no-verify]
 *
 * One run (as `floe write` with compaction on, then `floe compact --full`):
 *  1. generate the workload into memory (not timed); create bench.revision
 *     (1 bucket) in the fresh warehouse DIR/warehouse;
 *  2. write phase (timed): a floe_compactor thread (universal compaction,
 *     the given trigger and target file size) beside one table writer that
 *     puts every operation and commits every N operations, calling
 *     floe_compactor_after_commit after each commit exactly as
 *     cli/floe_cmd_table.c does (waiting above the stop trigger); the phase
 *     ends with the last commit and floe_compactor_stop (which lets a running
 *     round finish);
 *  3. full compaction (timed) on the main thread: floe_compact_table(full);
 *  4. figures: every data file ever written (the bucket directories are
 *     walked: nothing is expired, so each file written is still there),
 *     the final snapshot's files, write amplification = written / final;
 *     compaction bytes read (sum of the compaction results' input sizes;
 *     an upgraded file is not read) and compaction CPU: the compactor
 *     thread's CPU (process CPU minus the main thread's over the write phase;
 *     the only other thread) plus the main thread's CPU in the full
 *     compaction; merge throughput = bytes read / CPU seconds;
 *  5. read back through floe_lsm_merge and compare the checksum with the
 *     generator's expected one (exit 1 if they differ).
 * Prints one JSON object on stdout.
 */
#include "revision_gen.h"

#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>

#include "compaction.h"
#include "compactor.h"
#include "floe_log.h"
#include "floe_schema.h"
#include "lsm_writer.h"

static void usage(void) {
    fprintf(stderr,
            "usage: compaction_bench --dir DIR [--seed N] [--ops N] [--update-ratio R]\n"
            "                        [--delete-ratio R] [--commit-every N] [--buffer BYTES]\n"
            "                        [--trigger N] [--target-file-size BYTES] [--codec C]\n"
            "                        [--no-full-compact] [--no-verify]\n");
}

static int fail(const char *what, const floe_err *e) {
    fprintf(stderr, "compaction_bench: %s: %s\n", what, e->msg);
    return 1;
}

/* Sum of the sizes of the files in every bucket-* directory of the table. */
static uint64_t dir_data_bytes(const char *table_dir, uint64_t *nfiles) {
    uint64_t sum = 0;
    *nfiles = 0;
    DIR *d = opendir(table_dir);
    if (!d) return 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strncmp(de->d_name, "bucket-", 7)) continue;
        char bdir[4400];
        snprintf(bdir, sizeof bdir, "%s/%s", table_dir, de->d_name);
        DIR *b = opendir(bdir);
        if (!b) continue;
        struct dirent *fe;
        while ((fe = readdir(b))) {
            if (fe->d_name[0] == '.') continue;
            char p[4700];
            struct stat st;
            snprintf(p, sizeof p, "%s/%s", bdir, fe->d_name);
            if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
                sum += (uint64_t)st.st_size;
                (*nfiles)++;
            }
        }
        closedir(b);
    }
    closedir(d);
    return sum;
}

int main(int argc, char **argv) {
    uint64_t seed = 42;
    size_t ops = 2000000;
    double upd = 0.9, del = 0.0;
    uint64_t buffer = 256ull << 20, commit_every = 100000, target = 128ull << 20;
    long trigger = 5;
    const char *dir = NULL, *codec_name = "zstd";
    int verify = 1, full = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--seed") && v) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--ops") && v) ops = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--update-ratio") && v) upd = strtod(v, NULL);
        else if (!strcmp(a, "--delete-ratio") && v) del = strtod(v, NULL);
        else if (!strcmp(a, "--buffer") && v) buffer = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--commit-every") && v) commit_every = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--target-file-size") && v) target = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--trigger") && v) trigger = strtol(v, NULL, 10);
        else if (!strcmp(a, "--codec") && v) codec_name = v;
        else if (!strcmp(a, "--dir") && v) dir = v;
        else {
            takes = 0;
            if (!strcmp(a, "--no-verify")) verify = 0;
            else if (!strcmp(a, "--no-full-compact")) full = 0;
            else {
                usage();
                return 2;
            }
        }
        i += takes;
    }
    if (upd < 0 || del < 0 || upd + del > 1 || !dir || trigger < 1 || trigger > 60 ||
        commit_every < 1) {
        usage();
        return 2;
    }
    int codec = floe_orc_codec_parse(codec_name);
    if (codec < 0) {
        fprintf(stderr, "compaction_bench: unknown codec %s\n", codec_name);
        return 2;
    }

    /* ---- generate (not timed) ---- */
    double tg = rg_now();
    rg_ops o;
    if (rg_generate(&o, seed, ops, upd, del) != 0) {
        fprintf(stderr, "compaction_bench: out of memory generating %zu operations\n", ops);
        return 1;
    }
    double gen_seconds = rg_now() - tg;
    rg_checksum want;
    if (rg_expected(&o, &want) != 0) {
        fprintf(stderr, "compaction_bench: out of memory\n");
        return 1;
    }

    /* ---- the table ---- */
    floe_err e = {0};
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "compaction_bench: mkdir %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char wh[4096];
    snprintf(wh, sizeof wh, "%s/warehouse", dir);
    floe_schema *schema = NULL;
    if (floe_schema_parse(RG_SCHEMA, strlen(RG_SCHEMA), &schema, &e) != FLOE_OK)
        return fail("schema", &e);
    if (floe_lsm_table_create(wh, RG_TABLE, schema, 1, &e) != FLOE_OK)
        return fail("create table (is --dir fresh?)", &e);
    floe_schema_destroy(schema);
    floe_lsm_table *t = NULL;
    if (floe_lsm_table_open(wh, RG_TABLE, &t, &e) != FLOE_OK) return fail("open table", &e);
    floe_compact_opts co;
    floe_compact_opts_init(&co);
    co.trigger = (int)trigger;
    co.levels = (int)trigger + 1;
    co.target_file_size = target;
    co.codec = (floe_orc_codec)codec;
    floe_lsm_writer_opts wo;
    floe_lsm_writer_opts_init(&wo);
    wo.buffer_bytes = buffer;
    wo.codec = (floe_orc_codec)codec;
    wo.commit_user = "compaction_bench";

    /* ---- timed: write phase with background compaction ---- */
    double p0 = rg_cpu_process(), m0 = rg_cpu_thread(), t0 = rg_now();
    floe_compactor *comp = NULL;
    if (floe_compactor_start(wh, RG_TABLE, &co, &comp, &e) != FLOE_OK)
        return fail("start compactor", &e);
    floe_lsm_writer *w = NULL;
    if (floe_lsm_writer_open(t, &wo, &w, &e) != FLOE_OK) return fail("open writer", &e);
    floe_value v[10];
    memset(v, 0, sizeof v);
    int64_t snap = 0, commits = 0;
    uint64_t waits = 0, max_runs = 0;
    double wait_seconds = 0;
    for (size_t i = 0; i < o.n; i++) {
        rg_values(&o, i, v);
        if (floe_lsm_writer_put(w, o.kind[i], v, NULL, &e) != FLOE_OK) return fail("put", &e);
        int last = i + 1 == o.n;
        if ((i + 1) % commit_every == 0 || last) {
            if (floe_lsm_writer_commit(w, commits + 1, NULL, &snap, &e) != FLOE_OK)
                return fail("commit", &e);
            commits++;
            uint32_t runs = floe_lsm_writer_max_runs(w);
            if (runs > max_runs) max_runs = runs;
            if (last) break;
            /* as cli/floe_cmd_table.c: wake compaction, above the stop trigger
             * wait for a round, adopt its snapshot and check again */
            for (int round = 0; round < 100; round++) {
                int waited = 0;
                double tw = rg_now();
                if (floe_compactor_after_commit(comp, floe_lsm_writer_max_runs(w), &waited, &e) !=
                    FLOE_OK)
                    return fail("background compaction", &e);
                if (!waited) break;
                waits++;
                wait_seconds += rg_now() - tw;
                if (floe_lsm_writer_refresh(w, &e) != FLOE_OK) return fail("refresh", &e);
            }
        }
    }
    double t_loop = rg_now();
    floe_compact_result bg_seen;
    uint64_t rounds_seen = 0;
    floe_compactor_totals(comp, &bg_seen, &rounds_seen); /* a running round may still add */
    floe_compactor_stop(comp);                           /* lets a running round finish */
    double t_write = rg_now();
    double write_cpu = rg_cpu_process() - p0, write_main_cpu = rg_cpu_thread() - m0;
    double compactor_cpu = write_cpu - write_main_cpu;
    if (compactor_cpu < 0) compactor_cpu = 0;
    long hwm_write = rg_vm_kb("VmHWM");
    floe_lsm_writer_stats ws;
    floe_lsm_writer_get_stats(w, &ws);
    floe_lsm_writer_destroy(w);
    int64_t last_write_snapshot = 0;
    {
        floe_lsm_snapshot *s = NULL;
        if (floe_lsm_table_latest(t, &s, &e) != FLOE_OK || !s) return fail("latest", &e);
        last_write_snapshot = s->id;
        floe_lsm_snapshot_destroy(s);
    }

    /* ---- timed: full compaction on this thread ---- */
    floe_compact_result fr;
    memset(&fr, 0, sizeof fr);
    double full_seconds = 0, full_cpu = 0;
    if (full) {
        co.full = 1;
        double c0 = rg_cpu_thread(), tf = rg_now();
        if (floe_compact_table(t, &co, &fr, &e) != FLOE_OK) return fail("full compaction", &e);
        full_seconds = rg_now() - tf;
        full_cpu = rg_cpu_thread() - c0;
    }

    /* ---- figures ---- */
    floe_lsm_snapshot *latest = NULL;
    if (floe_lsm_table_latest(t, &latest, &e) != FLOE_OK || !latest) return fail("latest", &e);
    uint64_t final_bytes = 0, final_rows = 0, level_files[FLOE_LSM_MAX_LEVELS] = {0},
             level_bytes[FLOE_LSM_MAX_LEVELS] = {0};
    for (size_t i = 0; i < latest->nfiles; i++) {
        final_bytes += latest->files[i].size;
        final_rows += latest->files[i].rows;
        level_files[latest->files[i].level]++;
        level_bytes[latest->files[i].level] += latest->files[i].size;
    }
    size_t final_files = latest->nfiles;
    int64_t latest_id = latest->id;
    floe_lsm_snapshot_destroy(latest);
    /* every committed compaction, from the COMPACT snapshots' properties */
    uint64_t bg_rounds = 0, bg_read = 0, bg_written = 0, bg_files_in = 0, bg_files_out = 0;
    for (int64_t id = 1; id <= last_write_snapshot; id++) {
        floe_lsm_snapshot *s = NULL;
        if (floe_lsm_table_snapshot(t, id, &s, &e) != FLOE_OK) return fail("snapshot", &e);
        if (!strcmp(s->commit_kind, "COMPACT")) {
            bg_rounds++;
            bg_read += (uint64_t)json_integer_value(json_object_get(s->properties, "compaction_bytes_read"));
            bg_written += (uint64_t)json_integer_value(json_object_get(s->properties, "compaction_bytes_written"));
            bg_files_in += (uint64_t)json_integer_value(json_object_get(s->properties, "compaction_files_in"));
            bg_files_out += (uint64_t)json_integer_value(json_object_get(s->properties, "compaction_files_out"));
        }
        floe_lsm_snapshot_destroy(s);
    }
    uint64_t dir_files = 0, dir_bytes = dir_data_bytes(t->dir, &dir_files);
    uint64_t committed_written = ws.bytes_written + bg_written + fr.bytes_written;
    uint64_t comp_read = bg_read + fr.bytes_read;
    double comp_cpu = compactor_cpu + full_cpu;

    /* ---- verify (not timed) ---- */
    rg_checksum got = {0};
    uint64_t rows_read = 0;
    double tv = rg_now(), verify_seconds = 0;
    int ok = 1;
    if (verify) {
        if (rg_checksum_table(t, &got, &rows_read, &e) != FLOE_OK) return fail("read back", &e);
        verify_seconds = rg_now() - tv;
        ok = rg_checksum_equal(&got, &want);
    }

    double wsecs = t_write - t0;
    printf("{\"peer\":\"floe\",\"rows\":%zu,\"seconds\":%.6f,\"rows_per_sec\":%.1f,"
           "\"cpu_seconds\":%.6f,\"main_thread_cpu_seconds\":%.6f,"
           "\"compactor_thread_cpu_seconds\":%.6f,\"loop_seconds\":%.6f,\"stop_seconds\":%.6f,"
           "\"commits\":%" PRId64 ",\"writer_waits\":%" PRIu64 ",\"writer_wait_seconds\":%.3f,"
           "\"max_sorted_runs_after_commit\":%" PRIu64 ",",
           o.n, wsecs, (double)o.n / wsecs, write_cpu, write_main_cpu, compactor_cpu,
           t_loop - t0, t_write - t_loop, commits, waits, wait_seconds, max_runs);
    printf("\"write_phase\":{\"l0_files\":%" PRIu64 ",\"l0_bytes\":%" PRIu64
           ",\"compact_rounds\":%" PRIu64 ",\"compact_bytes_read\":%" PRIu64
           ",\"compact_bytes_written\":%" PRIu64 ",\"compact_files_in\":%" PRIu64
           ",\"compact_files_out\":%" PRIu64 ",\"compactor_rounds_seen\":%" PRIu64 "},",
           ws.files_written, ws.bytes_written, bg_rounds, bg_read, bg_written, bg_files_in,
           bg_files_out, rounds_seen);
    printf("\"full_compact\":{\"done\":%s,\"seconds\":%.6f,\"cpu_seconds\":%.6f,\"bytes_read\":%" PRIu64
           ",\"bytes_written\":%" PRIu64 ",\"files_in\":%" PRIu64 ",\"files_out\":%" PRIu64
           ",\"files_upgraded\":%" PRIu64 ",\"rows_read\":%" PRIu64 ",\"rows_written\":%" PRIu64
           ",\"snapshot\":%" PRId64 "},",
           full ? "true" : "false", full_seconds, full_cpu, fr.bytes_read, fr.bytes_written,
           fr.files_in, fr.files_out, fr.files_upgraded, fr.rows_read, fr.rows_written,
           fr.snapshot_id);
    printf("\"bytes_written\":%" PRIu64 ",\"bytes_written_committed\":%" PRIu64
           ",\"files_written\":%" PRIu64 ",\"final_bytes\":%" PRIu64 ",\"files\":%zu"
           ",\"final_file_rows\":%" PRIu64 ",\"write_amplification\":%.4f,\"levels\":{",
           dir_bytes, committed_written, dir_files, final_bytes, final_files, final_rows,
           final_bytes ? (double)dir_bytes / (double)final_bytes : 0.0);
    int first = 1;
    for (int l = 0; l < FLOE_LSM_MAX_LEVELS; l++)
        if (level_files[l]) {
            printf("%s\"%d\":{\"files\":%" PRIu64 ",\"bytes\":%" PRIu64 "}", first ? "" : ",", l,
                   level_files[l], level_bytes[l]);
            first = 0;
        }
    printf("},\"compaction_bytes_read\":%" PRIu64 ",\"compaction_cpu_seconds\":%.6f,"
           "\"merge_mb_per_cpu_sec\":%.2f,\"snapshots\":%" PRId64,
           comp_read, comp_cpu, comp_cpu > 0 ? (double)comp_read / 1e6 / comp_cpu : 0.0,
           latest_id);
    if (verify) {
        printf(",\"verify\":");
        rg_checksum_json(stdout, &got);
        printf(",\"verify_ok\":%s,\"verify_seconds\":%.3f", ok ? "true" : "false",
               verify_seconds);
    }
    printf(",\"expected\":");
    rg_checksum_json(stdout, &want);
    printf(",\"peak_rss_kb_write_phase\":%ld,\"peak_rss_kb\":%ld,\"process_cpu_seconds\":%.3f,"
           "\"gen_seconds\":%.3f,\"input_bytes\":%zu,\"options\":{"
           "\"generator\":\"floe-revision-v1\",\"seed\":\"%" PRIu64 "\",\"ops\":%zu,"
           "\"update_ratio\":%g,\"delete_ratio\":%g,\"inserts\":%" PRIu64 ",\"updates\":%" PRIu64
           ",\"deletes\":%" PRIu64 ",\"keys\":%" PRIu64 ",\"buffer_bytes\":%" PRIu64
           ",\"commit_every\":%" PRIu64 ",\"trigger\":%ld,\"levels\":%ld,"
           "\"target_file_size\":%" PRIu64 ",\"codec\":\"%s\",\"buckets\":1},\"dir\":\"%s\"}\n",
           hwm_write, rg_vm_kb("VmHWM"), rg_cpu_process(), gen_seconds, o.n * (size_t)RG_OP_BYTES,
           seed, ops, upd, del, (uint64_t)o.n - o.updates - o.deletes, o.updates, o.deletes,
           o.inserted, buffer, commit_every, trigger, trigger + 1, target, codec_name, dir);
    floe_lsm_table_destroy(t);
    rg_free(&o);
    if (!ok) {
        fprintf(stderr, "compaction_bench: verify FAILED: table differs from the expected state\n");
        return 1;
    }
    return 0;
}
