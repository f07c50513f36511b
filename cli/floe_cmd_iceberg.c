/*
 * floe_cmd_iceberg.c: `floe iceberg sync|show`: publish Iceberg metadata for
 * a table's fully compacted snapshots, and show the Iceberg snapshots.
 */
#define _GNU_SOURCE
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_cli.h"
#include "compaction.h"
#include "iceberg.h"

static int usage(FILE *f) {
    fprintf(f,
            "usage: floe iceberg sync --warehouse DIR DB.TABLE [--top-level N]\n"
            "       floe iceberg show --warehouse DIR DB.TABLE\n"
            "\n"
            "sync: every floe snapshot whose files all sit at the top LSM level (after\n"
            "      `floe compact --full`; level N, default the table's num-levels - 1,\n"
            "      normally 5) and that is newer than the\n"
            "      Iceberg table's current snapshot becomes an Iceberg v2 snapshot with\n"
            "      the same id, under DIR/DB.db/TABLE/metadata (Hadoop table layout).\n"
            "show: prints the Iceberg metadata version and snapshots as JSON.\n"
            "\n"
            "Query with pyiceberg:  StaticTable.from_metadata(\"<table>/metadata/vN.metadata.json\")\n");
    return f == stdout ? 0 : 2;
}

int floe_cmd_iceberg(int argc, char **argv) {
    if (argc < 2 || floe_cli_wants_help(argc, argv)) return usage(argc < 2 ? stderr : stdout);
    const char *action = argv[1], *warehouse = getenv("FLOE_WAREHOUSE"), *table = NULL;
    long top = 0; /* 0: from the table's options */
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "--warehouse") && i + 1 < argc) warehouse = argv[++i];
        else if (!strcmp(argv[i], "--top-level") && i + 1 < argc) top = strtol(argv[++i], NULL, 10);
        else if (argv[i][0] == '-') {
            fprintf(stderr, "floe iceberg: unknown option %s\n", argv[i]);
            return 2;
        } else table = argv[i];
    }
    if (!warehouse || !table || top < 0 || top >= FLOE_LSM_MAX_LEVELS) return usage(stderr);
    floe_err e = {0};
    floe_lsm_table *t = NULL;
    if (floe_lsm_table_open(warehouse, table, &t, &e) != FLOE_OK) {
        fprintf(stderr, "floe iceberg: %s\n", e.msg);
        return 1;
    }
    if (top == 0) {
        floe_compact_opts co;
        if (floe_compact_opts_from_table(t, &co, &e) != FLOE_OK) {
            fprintf(stderr, "floe iceberg: %s\n", e.msg);
            floe_lsm_table_destroy(t);
            return 1;
        }
        top = co.levels - 1;
    }
    int rc = 1;
    if (!strcmp(action, "sync")) {
        floe_iceberg_result r;
        if (floe_iceberg_sync(t, (uint32_t)top, NULL, &r, &e) != FLOE_OK) {
            fprintf(stderr, "floe iceberg sync: %s\n", e.msg);
        } else {
            printf("{\"published\":%u,\"snapshot\":%lld,\"version\":%d,\"manifests_written\":%u,"
                   "\"manifests_reused\":%u,\"metadata\":\"%s/metadata/v%d.metadata.json\"}\n",
                   r.published, (long long)r.snapshot_id, r.version, r.manifests_written,
                   r.manifests_reused, t->dir, r.version);
            rc = 0;
        }
    } else if (!strcmp(action, "show")) {
        int version;
        json_t *md;
        if (floe_iceberg_load(t, &version, &md, &e) != FLOE_OK) {
            fprintf(stderr, "floe iceberg show: %s\n", e.msg);
        } else {
            json_t *out = json_object();
            json_object_set_new(out, "version", json_integer(version));
            if (md) {
                json_object_set(out, "current-snapshot-id", json_object_get(md, "current-snapshot-id"));
                json_object_set(out, "snapshots", json_object_get(md, "snapshots"));
            }
            json_dumpf(out, stdout, JSON_INDENT(2));
            putchar('\n');
            json_decref(out);
            json_decref(md);
            rc = 0;
        }
    } else {
        fprintf(stderr, "floe iceberg: unknown action '%s' (sync, show)\n", action);
        rc = 2;
    }
    floe_lsm_table_destroy(t);
    return rc;
}
