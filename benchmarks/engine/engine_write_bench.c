/*
 * engine_write_bench: floe's primary-key table writer on the
 * "floe-revision-v1" workload (benchmarks/peers/paimon/README.md), the
 * floe side of benchmarks/engine/run.py.
 *
 *   engine_write_bench --dir DIR [--seed N] [--ops N] [--update-ratio R]
 *                      [--delete-ratio R] [--buffer BYTES] [--codec C]
 *                      [--commit-every N] [--flush-codec C] [--final-full] [--no-verify]
 *                      [--ingest-shape]
 *   engine_write_bench --gen-only [--emit-ops FILE] [generator options]
 *
 * One run: generate the whole workload into memory (not timed), create table
 * bench.revision (the Paimon peer's columns and types, 1 bucket) in the fresh
 * warehouse DIR, then, timed: one floe_lsm_writer_put per operation (+I
 * INSERT, +U UPDATE_AFTER, -D DELETE; values straight from the arrays, no
 * JSON) and one commit at the end (or every N operations). --flush-codec: the
 * codec of the flushed level-0 files (default --codec); --final-full: the
 * last commit merges everything into the top level (5) with --codec, as
 * `floe ingest --until-caught-up` ends. --ingest-shape: the column types
 * `floe ingest` gives MediaWiki's revision table (read from MariaDB:
 * binary rev_timestamp and rev_sha1, smallint flags, bigint rev_len)
 * instead of the Paimon peer's. Afterwards (not
 * timed) the latest snapshot is read back through floe_lsm_merge and its
 * checksum compared with the generator's expected one; exit 1 if they differ.
 * Prints one JSON object on stdout.
 */
#include "revision_gen.h"

#include <errno.h>
#include <sys/stat.h>

#include "floe_schema.h"
#include "lsm_writer.h"

static void usage(void) {
    fprintf(stderr,
            "usage: engine_write_bench --dir DIR [--seed N] [--ops N] [--update-ratio R]\n"
            "                          [--delete-ratio R] [--buffer BYTES] [--codec C]\n"
            "                          [--commit-every N] [--flush-codec C] [--final-full]\n"
            "                          [--no-verify] [--ingest-shape]\n"
            "       engine_write_bench --gen-only [--emit-ops FILE] [generator options]\n");
}

static int fail(const char *what, const floe_err *e) {
    fprintf(stderr, "engine_write_bench: %s: %s\n", what, e->msg);
    return 1;
}

/* The table `floe ingest` makes of MediaWiki's revision table from its
 * MariaDB definition (benchmarks/ingest/run.py's REVISION_DDL). */
static const char INGEST_SCHEMA[] =
    "{\"columns\":["
    "{\"name\":\"rev_id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_page\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_comment_id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_actor\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_timestamp\",\"type\":\"binary\",\"nullable\":false},"
    "{\"name\":\"rev_minor_edit\",\"type\":\"smallint\",\"nullable\":false},"
    "{\"name\":\"rev_deleted\",\"type\":\"smallint\",\"nullable\":false},"
    "{\"name\":\"rev_len\",\"type\":\"bigint\"},"
    "{\"name\":\"rev_parent_id\",\"type\":\"bigint\"},"
    "{\"name\":\"rev_sha1\",\"type\":\"binary\",\"nullable\":false}],"
    "\"primary_key\":[\"rev_id\"]}";

int main(int argc, char **argv) {
    uint64_t seed = 42;
    size_t ops = 1000000;
    double upd = 0.2, del = 0.0;
    uint64_t buffer = 256ull << 20, commit_every = 0;
    const char *dir = NULL, *codec_name = "zstd", *flush_codec_name = NULL, *emit = NULL;
    int verify = 1, gen_only = 0, final_full = 0, ingest_shape = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        int takes = 1;
        if (!strcmp(a, "--seed") && v) seed = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--ops") && v) ops = (size_t)strtoull(v, NULL, 10);
        else if (!strcmp(a, "--update-ratio") && v) upd = strtod(v, NULL);
        else if (!strcmp(a, "--delete-ratio") && v) del = strtod(v, NULL);
        else if (!strcmp(a, "--buffer") && v) buffer = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--commit-every") && v) commit_every = strtoull(v, NULL, 10);
        else if (!strcmp(a, "--codec") && v) codec_name = v;
        else if (!strcmp(a, "--flush-codec") && v) flush_codec_name = v;
        else if (!strcmp(a, "--dir") && v) dir = v;
        else if (!strcmp(a, "--emit-ops") && v) emit = v;
        else {
            takes = 0;
            if (!strcmp(a, "--no-verify")) verify = 0;
            else if (!strcmp(a, "--final-full")) final_full = 1;
            else if (!strcmp(a, "--ingest-shape")) ingest_shape = 1;
            else if (!strcmp(a, "--gen-only")) gen_only = 1;
            else {
                usage();
                return 2;
            }
        }
        i += takes;
    }
    if (upd < 0 || del < 0 || upd + del > 1 || (!gen_only && !dir)) {
        usage();
        return 2;
    }
    int codec = floe_orc_codec_parse(codec_name);
    int flush_codec = flush_codec_name ? floe_orc_codec_parse(flush_codec_name) : codec;
    if (codec < 0 || flush_codec < 0) {
        fprintf(stderr, "engine_write_bench: unknown codec %s\n",
                codec < 0 ? codec_name : flush_codec_name);
        return 2;
    }

    /* ---- generate (not timed) ---- */
    double tg = rg_now();
    rg_ops o;
    if (rg_generate(&o, seed, ops, upd, del) != 0) {
        fprintf(stderr, "engine_write_bench: out of memory generating %zu operations\n", ops);
        return 1;
    }
    double gen_seconds = rg_now() - tg;
    if (emit && rg_emit_ops(&o, emit) != 0) {
        fprintf(stderr, "engine_write_bench: cannot write %s\n", emit);
        return 1;
    }
    rg_checksum want;
    if (rg_expected(&o, &want) != 0) {
        fprintf(stderr, "engine_write_bench: out of memory\n");
        return 1;
    }
    char gen_json[512];
    snprintf(gen_json, sizeof gen_json,
             "\"generator\":\"floe-revision-v1\",\"seed\":\"%" PRIu64 "\",\"ops\":%zu,"
             "\"update_ratio\":%g,\"delete_ratio\":%g,\"inserts\":%" PRIu64 ",\"updates\":%" PRIu64
             ",\"deletes\":%" PRIu64 ",\"keys\":%" PRIu64,
             seed, ops, upd, del, (uint64_t)o.n - o.updates - o.deletes, o.updates, o.deletes,
             o.inserted);
    if (gen_only) {
        printf("{\"peer\":\"floe\",\"mode\":\"gen-only\",%s,\"expected\":", gen_json);
        rg_checksum_json(stdout, &want);
        printf("}\n");
        rg_free(&o);
        return 0;
    }

    /* ---- the table ---- */
    floe_err e = {0};
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "engine_write_bench: mkdir %s: %s\n", dir, strerror(errno));
        return 1;
    }
    char wh[4096];
    snprintf(wh, sizeof wh, "%s/warehouse", dir);
    floe_schema *schema = NULL;
    const char *sch = ingest_shape ? INGEST_SCHEMA : RG_SCHEMA;
    if (floe_schema_parse(sch, strlen(sch), &schema, &e) != FLOE_OK)
        return fail("schema", &e);
    if (floe_lsm_table_create(wh, RG_TABLE, schema, 1, &e) != FLOE_OK)
        return fail("create table (is --dir fresh?)", &e);
    floe_schema_destroy(schema);
    floe_lsm_table *t = NULL;
    if (floe_lsm_table_open(wh, RG_TABLE, &t, &e) != FLOE_OK) return fail("open table", &e);
    floe_lsm_writer_opts wo;
    floe_lsm_writer_opts_init(&wo);
    wo.buffer_bytes = buffer;
    wo.codec = (floe_orc_codec)flush_codec;
    wo.commit_user = "engine_write_bench";
    floe_lsm_writer *w = NULL;
    if (floe_lsm_writer_open(t, &wo, &w, &e) != FLOE_OK) return fail("open writer", &e);

    /* ---- timed: puts + commit ---- */
    floe_value v[10];
    memset(v, 0, sizeof v);
    int64_t snap = 0, commits = 0;
    double cpu0 = rg_cpu_process(), t0 = rg_now();
    for (size_t i = 0; i < o.n; i++) {
        rg_values(&o, i, v);
        if (floe_lsm_writer_put(w, o.kind[i], v, NULL, &e) != FLOE_OK) return fail("put", &e);
        if (commit_every && (i + 1) % commit_every == 0 && i + 1 < o.n) {
            if (floe_lsm_writer_commit(w, commits + 1, NULL, &snap, &e) != FLOE_OK)
                return fail("commit", &e);
            commits++;
        }
    }
    double t_loop = rg_now();
    if (final_full ? floe_lsm_writer_commit_full(w, commits + 1, NULL, 5, 128ull << 20,
                                                 (floe_orc_codec)codec, &snap, &e)
                   : floe_lsm_writer_commit(w, commits + 1, NULL, &snap, &e))
        return fail("commit", &e);
    commits++;
    double t_end = rg_now(), cpu = rg_cpu_process() - cpu0;
    long hwm_write = rg_vm_kb("VmHWM");
    floe_lsm_writer_stats ws;
    floe_lsm_writer_get_stats(w, &ws);
    floe_lsm_writer_destroy(w);

    /* ---- sizes ---- */
    floe_lsm_snapshot *latest = NULL;
    if (floe_lsm_table_latest(t, &latest, &e) != FLOE_OK || !latest) return fail("latest", &e);
    uint64_t final_bytes = 0, final_rows = 0;
    for (size_t i = 0; i < latest->nfiles; i++) {
        final_bytes += latest->files[i].size;
        final_rows += latest->files[i].rows;
    }
    size_t final_files = latest->nfiles;
    floe_lsm_snapshot_destroy(latest);

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

    double secs = t_end - t0;
    printf("{\"peer\":\"floe\",\"rows\":%zu,\"seconds\":%.6f,\"rows_per_sec\":%.1f,"
           "\"cpu_seconds\":%.6f,\"rows_per_cpu_sec\":%.1f,\"loop_seconds\":%.6f,"
           "\"last_commit_seconds\":%.6f,\"commits\":%" PRId64 ",\"flushes\":%" PRIu64
           ",\"files_written\":%" PRIu64 ",\"bytes_written\":%" PRIu64 ",\"final_bytes\":%" PRIu64
           ",\"files\":%zu,\"final_file_rows\":%" PRIu64 ",\"snapshot\":%" PRId64,
           o.n, secs, (double)o.n / secs, cpu, cpu > 0 ? (double)o.n / cpu : 0.0, t_loop - t0,
           t_end - t_loop, commits, ws.flushes, ws.files_written, ws.bytes_written, final_bytes,
           final_files, final_rows, snap);
    if (verify) {
        printf(",\"verify\":");
        rg_checksum_json(stdout, &got);
        printf(",\"verify_ok\":%s,\"verify_seconds\":%.3f,\"verify_rows_read\":%" PRIu64,
               ok ? "true" : "false", verify_seconds, rows_read);
    }
    printf(",\"expected\":");
    rg_checksum_json(stdout, &want);
    printf(",\"peak_rss_kb_write_phase\":%ld,\"peak_rss_kb\":%ld,\"process_cpu_seconds\":%.3f,"
           "\"gen_seconds\":%.3f,\"input_bytes\":%zu,\"options\":{%s,\"buffer_bytes\":%" PRIu64
           ",\"codec\":\"%s\",\"commit_every\":%" PRIu64 ",\"buckets\":1},\"dir\":\"%s\"}\n",
           hwm_write, rg_vm_kb("VmHWM"), rg_cpu_process(), gen_seconds, o.n * (size_t)RG_OP_BYTES,
           gen_json, buffer, codec_name, commit_every, dir);
    floe_lsm_table_destroy(t);
    rg_free(&o);
    if (!ok) {
        fprintf(stderr, "engine_write_bench: verify FAILED: table differs from the expected state\n");
        return 1;
    }
    return 0;
}
