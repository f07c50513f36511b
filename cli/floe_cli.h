/*
 * floe_cli.h: the subcommands of the `floe` executable.
 *
 * Each floe_cmd_* takes argv with argv[0] = the subcommand name, prints its
 * own usage on --help (exit 0) or on bad usage (exit 2), reports failures as
 * one "floe <cmd>: <message>" line on stderr, and returns the exit status:
 * 0 success, 1 failure, 2 bad usage. Runs on the main thread.
 */
#ifndef FLOE_CLI_H
#define FLOE_CLI_H

typedef struct floe_cli_command {
    const char *name;
    const char *summary;
    int (*fn)(int argc, char **argv);
} floe_cli_command;

int floe_cmd_version(int argc, char **argv);
int floe_cmd_orc(int argc, char **argv);
int floe_cmd_table(int argc, char **argv);
int floe_cmd_write(int argc, char **argv);
int floe_cmd_scan(int argc, char **argv);
int floe_cmd_inspect(int argc, char **argv);
int floe_cmd_compact(int argc, char **argv);
int floe_cmd_expire(int argc, char **argv);
int floe_cmd_iceberg(int argc, char **argv);
int floe_cmd_ingest(int argc, char **argv);
int floe_cmd_sample(int argc, char **argv);

/* True when argv has -h or --help. */
int floe_cli_wants_help(int argc, char **argv);

#endif
