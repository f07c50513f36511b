/*
 * floe_cmd_compact.c: `floe compact` (the compaction cron job) and
 * `floe expire` (snapshot and file clean-up).
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "compaction.h"
#include "floe_cli.h"
#include "floe_config.h"
#include "floe_log.h"
#include "iceberg.h"

static int usage_compact(FILE *f) {
    fprintf(f,
            "usage: floe compact --warehouse DIR DB.TABLE [--full] [--trigger N]\n"
            "                    [--max-size-amp PCT] [--size-ratio PCT]\n"
            "                    [--target-file-size SIZE] [--threads N]\n"
            "\n"
            "Runs Paimon-style universal compaction over every bucket once and commits\n"
            "a COMPACT snapshot, merging up to N buckets in parallel (default 2).\n"
            "Settings come from the table's options (floe table create --option;\n"
            "defaults: trigger 5 sorted runs, 6 levels, max size amplification 200%%,\n"
            "size ratio 1%%, target file size 128MiB); the flags override them for\n"
            "this run. --full merges every bucket\n"
            "into one run at the top level, dropping deleted keys. Safe while a writer\n"
            "is live: a compaction whose inputs a concurrent commit replaced is\n"
            "abandoned and redone. After --full, the Iceberg metadata is brought up to\n"
            "date (floe iceberg sync). Prints a JSON summary; exit 0 when nothing to do.\n");
    return f == stdout ? 0 : 2;
}

static int usage_expire(FILE *f) {
    fprintf(f,
            "usage: floe expire --warehouse DIR DB.TABLE [--retain-snapshots N]\n"
            "                   [--older-than DURATION] [--safety-age DURATION] [--dry-run]\n"
            "\n"
            "Removes snapshots beyond the newest N (default 10) that are also older\n"
            "than DURATION (default 1h), then deletes data files and manifests that no\n"
            "remaining snapshot lists and that are older than the safety age (default\n"
            "1h, so a running writer's or reader's files are never touched).\n"
            "\n"
            "The Iceberg metadata (if the table has any) is expired first by the same\n"
            "rules (a new metadata version without the old snapshots; the current one\n"
            "always stays; unused manifest lists and manifests older than the safety\n"
            "age are deleted). Every floe snapshot from the oldest one the Iceberg\n"
            "metadata still lists is kept, and with it every data file an Iceberg\n"
            "reader can still be sent to. Prints a JSON summary.\n");
    return f == stdout ? 0 : 2;
}

typedef struct cargs {
    const char *warehouse, *table;
    int full, dry_run;
    const char *trigger, *amp, *ratio, *target, *retain, *older, *safety, *threads;
} cargs;

static int parse(const char *cmd, int argc, char **argv, cargs *a) {
    memset(a, 0, sizeof *a);
    a->warehouse = getenv("FLOE_WAREHOUSE");
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char **slot = NULL;
        if (!strcmp(s, "--full") && !strcmp(cmd, "compact")) { a->full = 1; continue; }
        if (!strcmp(s, "--dry-run") && !strcmp(cmd, "expire")) { a->dry_run = 1; continue; }
        if (!strcmp(s, "--warehouse")) slot = &a->warehouse;
        else if (!strcmp(cmd, "compact") && !strcmp(s, "--trigger")) slot = &a->trigger;
        else if (!strcmp(cmd, "compact") && !strcmp(s, "--max-size-amp")) slot = &a->amp;
        else if (!strcmp(cmd, "compact") && !strcmp(s, "--size-ratio")) slot = &a->ratio;
        else if (!strcmp(cmd, "compact") && !strcmp(s, "--target-file-size")) slot = &a->target;
        else if (!strcmp(cmd, "compact") && !strcmp(s, "--threads")) slot = &a->threads;
        else if (!strcmp(cmd, "expire") && !strcmp(s, "--retain-snapshots")) slot = &a->retain;
        else if (!strcmp(cmd, "expire") && !strcmp(s, "--older-than")) slot = &a->older;
        else if (!strcmp(cmd, "expire") && !strcmp(s, "--safety-age")) slot = &a->safety;
        else if (s[0] == '-') {
            fprintf(stderr, "floe %s: unknown option %s\n", cmd, s);
            return 2;
        } else if (!a->table) {
            a->table = s;
            continue;
        } else {
            fprintf(stderr, "floe %s: unexpected argument %s\n", cmd, s);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "floe %s: %s needs a value\n", cmd, s);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!a->warehouse || !a->table) {
        fprintf(stderr, "floe %s: needs --warehouse DIR (or FLOE_WAREHOUSE) and DB.TABLE\n", cmd);
        return 2;
    }
    return 0;
}

static int int_arg(const char *cmd, const char *name, const char *v, long lo, long hi, long *out) {
    char *end;
    long x = strtol(v, &end, 10);
    if (*end || x < lo || x > hi) {
        fprintf(stderr, "floe %s: %s must be an integer in %ld..%ld\n", cmd, name, lo, hi);
        return 2;
    }
    *out = x;
    return 0;
}

int floe_cmd_compact(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv)) return usage_compact(stdout);
    cargs a;
    int rc = parse("compact", argc, argv, &a);
    if (rc) return rc;
    /* the table's options, then the flags over them */
    floe_err e = {0};
    floe_lsm_table *t = NULL;
    if (floe_lsm_table_open(a.warehouse, a.table, &t, &e) != FLOE_OK) {
        fprintf(stderr, "floe compact: %s\n", e.msg);
        return 1;
    }
    floe_compact_opts o;
    if (floe_compact_opts_from_table(t, &o, &e) != FLOE_OK) {
        fprintf(stderr, "floe compact: %s\n", e.msg);
        floe_lsm_table_destroy(t);
        return 1;
    }
    o.full = a.full;
    long v;
    rc = 0;
    if (!rc && a.trigger && !(rc = int_arg("compact", "--trigger", a.trigger, 1, 60, &v)))
        o.trigger = (int)v;
    if (!rc && a.amp && !(rc = int_arg("compact", "--max-size-amp", a.amp, 1, 100000, &v)))
        o.max_size_amp_percent = (int)v;
    if (!rc && a.ratio && !(rc = int_arg("compact", "--size-ratio", a.ratio, 0, 10000, &v)))
        o.size_ratio_percent = (int)v;
    if (!rc && a.threads && !(rc = int_arg("compact", "--threads", a.threads, 1, 64, &v)))
        o.threads = (int)v;
    if (!rc && a.target) {
        int64_t sz;
        if (floe_parse_size(a.target, &sz, &e) != FLOE_OK || sz < 1) {
            fprintf(stderr, "floe compact: --target-file-size: %s\n", e.msg);
            rc = 2;
        } else {
            o.target_file_size = (uint64_t)sz;
        }
    }
    if (rc) {
        floe_lsm_table_destroy(t);
        return rc;
    }
    floe_compact_result r;
    floe_status s = floe_compact_table(t, &o, &r, &e);
    floe_iceberg_result ir = {0};
    /* a full compaction makes the table's Iceberg view current */
    if (s == FLOE_OK && o.full) s = floe_iceberg_sync(t, (uint32_t)(o.levels - 1), NULL, &ir, &e);
    floe_lsm_table_destroy(t);
    if (s != FLOE_OK) {
        fprintf(stderr, "floe compact: %s\n", e.msg);
        return 1;
    }
    double wa = r.bytes_read ? (double)r.bytes_written / (double)r.bytes_read : 0;
    printf("{\"snapshot\":%lld,\"units\":%u,\"files_in\":%llu,\"files_out\":%llu,"
           "\"files_upgraded\":%llu,\"bytes_read\":%llu,\"bytes_written\":%llu,"
           "\"rows_read\":%llu,\"rows_written\":%llu,\"sorted_runs_before\":%u,"
           "\"sorted_runs_after\":%u,\"attempts\":%u,\"seconds\":%.3f,"
           "\"written_over_read\":%.3f,\"iceberg_published\":%u,\"iceberg_snapshot\":%lld}\n",
           (long long)r.snapshot_id, r.units, (unsigned long long)r.files_in,
           (unsigned long long)r.files_out, (unsigned long long)r.files_upgraded,
           (unsigned long long)r.bytes_read, (unsigned long long)r.bytes_written,
           (unsigned long long)r.rows_read, (unsigned long long)r.rows_written, r.max_runs_before,
           r.max_runs_after, r.attempts, r.seconds, wa, ir.published, (long long)ir.snapshot_id);
    return 0;
}

int floe_cmd_expire(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv)) return usage_expire(stdout);
    cargs a;
    int rc = parse("expire", argc, argv, &a);
    if (rc) return rc;
    floe_expire_opts o;
    floe_expire_opts_init(&o);
    o.dry_run = a.dry_run;
    floe_err e = {0};
    long v;
    if (a.retain) {
        if ((rc = int_arg("expire", "--retain-snapshots", a.retain, 1, 1000000000, &v))) return rc;
        o.retain_snapshots = v;
    }
    int64_t ms;
    if (a.older) {
        if (floe_parse_duration_ms(a.older, &ms, &e) != FLOE_OK) {
            fprintf(stderr, "floe expire: --older-than: %s\n", e.msg);
            return 2;
        }
        o.older_than_ms = ms;
    }
    if (a.safety) {
        if (floe_parse_duration_ms(a.safety, &ms, &e) != FLOE_OK) {
            fprintf(stderr, "floe expire: --safety-age: %s\n", e.msg);
            return 2;
        }
        o.safety_age_ms = ms;
    }
    floe_lsm_table *t = NULL;
    if (floe_lsm_table_open(a.warehouse, a.table, &t, &e) != FLOE_OK) {
        fprintf(stderr, "floe expire: %s\n", e.msg);
        return 1;
    }
    /* Iceberg first: what its metadata still lists bounds the floe expiry */
    floe_iceberg_expire_opts io = {o.retain_snapshots, o.older_than_ms, o.safety_age_ms, o.dry_run};
    floe_iceberg_expire_result ir;
    floe_status s = floe_iceberg_expire(t, &io, NULL, &ir, &e);
    if (s == FLOE_OK && ir.oldest_snapshot_id > 0) {
        int64_t earliest = 0;
        s = floe_lsm_table_earliest_id(t, &earliest, &e);
        o.keep_from_id = ir.oldest_snapshot_id;
        if (s == FLOE_OK && earliest > ir.oldest_snapshot_id) {
            /* the floe snapshot is gone (expired by an older floe), so the
             * files Iceberg lists for it are not known here: delete none */
            floe_log_warn("expire",
                          "table=%s: Iceberg snapshot %lld has no floe snapshot left; no data "
                          "file is deleted until Iceberg expiry removes it",
                          t->name, (long long)ir.oldest_snapshot_id);
            o.keep_files = 1;
        }
    }
    floe_expire_result r = {0};
    if (s == FLOE_OK) s = floe_expire_table(t, &o, &r, &e);
    floe_lsm_table_destroy(t);
    if (s != FLOE_OK) {
        fprintf(stderr, "floe expire: %s\n", e.msg);
        return 1;
    }
    printf("{\"snapshots_removed\":%llu,\"data_files_removed\":%llu,\"manifests_removed\":%llu,"
           "\"bytes_removed\":%llu,\"iceberg_snapshots_removed\":%u,"
           "\"iceberg_files_removed\":%u,\"iceberg_bytes_removed\":%llu,"
           "\"iceberg_oldest_snapshot\":%lld,\"dry_run\":%s}\n",
           (unsigned long long)r.snapshots_removed, (unsigned long long)r.data_files_removed,
           (unsigned long long)r.manifests_removed, (unsigned long long)r.bytes_removed,
           ir.snapshots_removed, ir.files_removed, (unsigned long long)ir.bytes_removed,
           (long long)ir.oldest_snapshot_id, a.dry_run ? "true" : "false");
    return 0;
}
