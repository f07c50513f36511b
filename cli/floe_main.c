/*
 * floe_main.c: the `floe` command. Each subcommand is a function in cli/
 * that parses its own flags and calls into the module libraries; this file
 * only dispatches. A subcommand is listed in --help only once it exists.
 */
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_cli.h"
#include "floe_version.h"

static const floe_cli_command commands[] = {
    {"ingest", "the Kafka ingest service: Debezium events into floe tables, exactly once", floe_cmd_ingest},
    {"table", "create or alter a primary-key table (create, alter)", floe_cmd_table},
    {"write", "apply changes (JSON lines) to a table and commit", floe_cmd_write},
    {"scan", "print a table's merged rows in primary-key order", floe_cmd_scan},
    {"inspect", "show a table's schema, snapshots, buckets, levels and files", floe_cmd_inspect},
    {"compact", "compact a table's sorted runs (the cron job; --full for the top level)", floe_cmd_compact},
    {"expire", "remove old snapshots and files no snapshot references", floe_cmd_expire},
    {"iceberg", "publish and show Iceberg metadata for compacted snapshots (sync, show)", floe_cmd_iceberg},
    {"sample", "print sample MediaWiki Debezium change events (for demos and tests)", floe_cmd_sample},
    {"orc", "write, print and inspect ORC files (write, cat, meta)", floe_cmd_orc},
    {"version", "print floe's version and the library versions it runs with", floe_cmd_version},
    {"help", "show this help, or a subcommand's help: floe help SUBCOMMAND", NULL},
};

static void usage(FILE *f) {
    fprintf(f,
            "floe %s: a lake writer for MariaDB change streams\n"
            "\n"
            "usage: floe SUBCOMMAND [ARGS...]\n"
            "       floe SUBCOMMAND --help\n"
            "\n"
            "subcommands:\n",
            FLOE_VERSION);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fprintf(f,
            "\n"
            "environment:\n"
            "  FLOE_LOG_LEVEL   error|warn|info|debug (default info); logs go to stderr\n"
            "  FLOE_WAREHOUSE   default for --warehouse\n");
}

/* floe allocates and frees buffers of a few MiB to 32 MiB per flush,
 * stripe and compaction (sort arrays, stream buffers). glibc serves those
 * with mmap and returns them at free, so every flush faulted its memory in
 * again. Serving them from the heap and keeping freed heap memory cut page
 * faults by a quarter and CPU by ~8% in the engine benchmark (docs/
 * learnings.md). GLIBC_TUNABLES, when set, wins. */
static void tune_malloc(void) {
    if (getenv("GLIBC_TUNABLES")) return;
    mallopt(M_MMAP_THRESHOLD, 32 << 20);
    mallopt(M_TRIM_THRESHOLD, 512 << 20);
}

int main(int argc, char **argv) {
    tune_malloc();
    if (argc < 2) {
        usage(stderr);
        return 2;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h")) {
        usage(stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) cmd = "version";
    if (!strcmp(cmd, "help")) {
        if (argc < 3) {
            usage(stdout);
            return 0;
        }
        cmd = argv[2];
        for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
            if (commands[i].fn && !strcmp(commands[i].name, cmd)) {
                char *help_argv[] = {argv[2], "--help", NULL};
                return commands[i].fn(2, help_argv);
            }
        }
        fprintf(stderr, "floe: unknown subcommand '%s' (see floe --help)\n", cmd);
        return 2;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (commands[i].fn && !strcmp(commands[i].name, cmd))
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "floe: unknown subcommand '%s' (see floe --help)\n", cmd);
    return 2;
}
