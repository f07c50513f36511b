/*
 * floe_cmd_ingest.c: `floe ingest --config FILE [--until-caught-up]`, the
 * long-running Kafka ingest service (ingest/ingest_service.h).
 */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_cli.h"
#include "floe_config.h"
#include "floe_log.h"
#include "ingest_service.h"

static floe_ingest *g_ingest;

static void on_signal(int sig) {
    (void)sig;
    if (g_ingest) floe_ingest_request_stop(g_ingest);
}

static void usage(FILE *f) {
    fprintf(f,
            "usage: floe ingest --config FILE [--set KEY=VALUE ...] [--until-caught-up]\n"
            "\n"
            "Consumes Debezium change events (JSON converter, schemas on or off) from\n"
            "Kafka into floe tables, exactly once: consumed offsets are committed inside\n"
            "each table's snapshot. SIGTERM/SIGINT commit and exit cleanly.\n"
            "--until-caught-up stops at the end offsets seen at start, commits, runs a\n"
            "full compaction and Iceberg sync, and exits 0 (batch runs and tests).\n"
            "\n"
            "Config (Java properties; secrets as ${env:NAME} or ${file:PATH}):\n"
            "  warehouse=DIR                 floe warehouse (required)\n"
            "  database=NAME                 floe database for the tables (required)\n"
            "  topics=a,b | topics.regex=RE  Debezium topics <prefix>.<db>.<table>\n"
            "  kafka.bootstrap.servers=...   kafka.* keys go to librdkafka as they are\n"
            "  kafka.group.id=...            default floe-ingest-<database>\n"
            "  commit.interval.ms=10s        commit.max.rows=500000\n"
            "  buffer.size=256MiB            buckets=1 (for new tables)\n"
            "  compaction=on                 background compaction per table\n"
            "  iceberg.interval.ms=5m        full compaction + Iceberg sync cadence (0: at end only)\n"
            "  errors.policy=fail|dead-letter, errors.dead-letter.topic=TOPIC\n"
            "  stats.interval.ms=10s         progress log lines (rows/s, lag)\n"
            "  binary.handling.mode=bytes|hex|base64-url-safe, bigint.unsigned.handling.mode=long|precise\n"
            "  decimal.handling.mode=precise|string|double (as the connector; schemas off)\n"
            "  mariadb.host/port/socket/user/password  table definitions when schemas are off\n");
}

int floe_cmd_ingest(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv)) {
        usage(stdout);
        return 0;
    }
    const char *config = NULL;
    int until = 0;
    floe_err e = {0};
    floe_config *cfg = NULL;
    if (floe_config_new(&cfg, &e) != FLOE_OK) return 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--config") && i + 1 < argc) config = argv[++i];
        else if (!strcmp(argv[i], "--until-caught-up")) until = 1;
        else if (!strcmp(argv[i], "--set") && i + 1 < argc) {
            if (floe_config_set_pair(cfg, argv[++i], &e) != FLOE_OK) {
                fprintf(stderr, "floe ingest: %s\n", e.msg);
                floe_config_destroy(cfg);
                return 2;
            }
        } else {
            fprintf(stderr, "floe ingest: unexpected argument %s\n", argv[i]);
            usage(stderr);
            floe_config_destroy(cfg);
            return 2;
        }
    }
    if (!config) {
        usage(stderr);
        floe_config_destroy(cfg);
        return 2;
    }
    /* file first, then --set overrides: reload in that order */
    floe_config *full = NULL;
    if (floe_config_new(&full, &e) != FLOE_OK || floe_config_load_file(full, config, &e) != FLOE_OK) {
        fprintf(stderr, "floe ingest: %s\n", e.msg);
        floe_config_destroy(full);
        floe_config_destroy(cfg);
        return 1;
    }
    for (size_t i = 1; i < (size_t)argc; i++)
        if (!strcmp(argv[i], "--set") && i + 1 < (size_t)argc) floe_config_set_pair(full, argv[++i], &e);
    floe_config_destroy(cfg);
    floe_ingest *in = NULL;
    if (floe_ingest_create(full, &in, &e) != FLOE_OK) {
        fprintf(stderr, "floe ingest: %s\n", e.msg);
        floe_config_destroy(full);
        return 1;
    }
    g_ingest = in;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigaction(SIGTERM, &sa, NULL);
    sigaction(SIGINT, &sa, NULL);
    floe_status s = floe_ingest_run(in, until, &e);
    g_ingest = NULL;
    floe_ingest_destroy(in);
    floe_config_destroy(full);
    if (s != FLOE_OK) {
        fprintf(stderr, "floe ingest: %s\n", e.msg);
        return 1;
    }
    return 0;
}
