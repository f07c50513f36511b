/*
 * floe_cmd_table.c: `floe table create|alter`, `floe write`, `floe scan`,
 * `floe inspect`: the primary-key table engine from the command line.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_cli.h"
#include "floe_config.h"
#include "floe_fs.h"
#include "floe_log.h"
#include "floe_schema.h"
#include "compactor.h"
#include "floe_value.h"
#include "lsm_merge.h"
#include "compaction.h"
#include "lsm_table.h"
#include "lsm_writer.h"

typedef struct targs {
    const char *warehouse, *table, *schema, *snapshot, *format, *commit_every, *buffer,
        *buckets, *codec, *compaction;
    json_t *options; /* --option KEY=VALUE (create, alter), --unset-option KEY
                        (alter: the key maps to JSON null) */
} targs;

/* Parse the common flags; returns 0, or the exit code for bad usage. */
static int parse_args(const char *cmd, int argc, char **argv, targs *a, const char *allowed) {
    memset(a, 0, sizeof *a);
    a->warehouse = getenv("FLOE_WAREHOUSE");
    for (int i = 1; i < argc; i++) {
        const char *s = argv[i];
        const char **slot = NULL;
        const char *name = s + 2;
        if (s[0] == '-' && s[1] == '-') {
            if (!strstr(allowed, name) ) {
                fprintf(stderr, "floe %s: unknown option %s\n", cmd, s);
                return 2;
            }
            if (!strcmp(name, "warehouse")) slot = &a->warehouse;
            else if (!strcmp(name, "schema")) slot = &a->schema;
            else if (!strcmp(name, "snapshot")) slot = &a->snapshot;
            else if (!strcmp(name, "format")) slot = &a->format;
            else if (!strcmp(name, "commit-every")) slot = &a->commit_every;
            else if (!strcmp(name, "buffer")) slot = &a->buffer;
            else if (!strcmp(name, "buckets")) slot = &a->buckets;
            else if (!strcmp(name, "codec")) slot = &a->codec;
            else if (!strcmp(name, "compaction")) slot = &a->compaction;
            else if (!strcmp(name, "option")) {
                const char *eq = i + 1 < argc ? strchr(argv[i + 1], '=') : NULL;
                if (!eq || eq == argv[i + 1]) {
                    fprintf(stderr, "floe %s: --option needs KEY=VALUE\n", cmd);
                    json_decref(a->options);
                    return 2;
                }
                if (!a->options) a->options = json_object();
                char key[256];
                snprintf(key, sizeof key, "%.*s", (int)(eq - argv[i + 1]), argv[i + 1]);
                json_object_set_new(a->options, key, json_string(eq + 1));
                i++;
                continue;
            } else if (!strcmp(name, "unset-option")) {
                if (i + 1 >= argc || !argv[i + 1][0]) {
                    fprintf(stderr, "floe %s: --unset-option needs KEY\n", cmd);
                    json_decref(a->options);
                    return 2;
                }
                if (!a->options) a->options = json_object();
                json_object_set_new(a->options, argv[++i], json_null());
                continue;
            } else {
                fprintf(stderr, "floe %s: unknown option %s\n", cmd, s);
                return 2;
            }
            if (i + 1 >= argc) {
                fprintf(stderr, "floe %s: %s needs a value\n", cmd, s);
                return 2;
            }
            *slot = argv[++i];
        } else if (!a->table) {
            a->table = s;
        } else {
            fprintf(stderr, "floe %s: unexpected argument %s\n", cmd, s);
            return 2;
        }
    }
    if (!a->warehouse || !a->table) {
        fprintf(stderr, "floe %s: needs --warehouse DIR (or FLOE_WAREHOUSE) and DB.TABLE (see "
                        "floe %s --help)\n",
                cmd, cmd);
        return 2;
    }
    return 0;
}

static int die(const char *cmd, const floe_err *e) {
    fprintf(stderr, "floe %s: %s\n", cmd, e->msg);
    return 1;
}

/* ---- table create / alter ---- */

static void table_usage(FILE *f) {
    fprintf(f,
            "usage: floe table create --warehouse DIR DB.TABLE --schema SCHEMA.json [--buckets N]\n"
            "                         [--option KEY=VALUE]...\n"
            "       floe table alter  --warehouse DIR DB.TABLE [--schema SCHEMA.json]\n"
            "                         [--option KEY=VALUE]... [--unset-option KEY]...\n"
            "\n"
            "create: a primary-key table (the schema must name primary_key); N hash\n"
            "        buckets (default 1). FLOE_WAREHOUSE may replace --warehouse.\n"
            "        --option sets a table option (Paimon's names), e.g.\n"
            "        num-sorted-run.compaction-trigger=5, num-sorted-run.stop-trigger=8,\n"
            "        num-levels=6, compaction.max-size-amplification-percent=200,\n"
            "        compaction.size-ratio=1, target-file-size=128mb,\n"
            "        file.compression=zstd, file.compression.per.level=0:none,\n"
            "        compaction.threads=2 (docs/operations.md).\n"
            "alter:  declarative by field id: a column with a known id and a new name\n"
            "        is a rename, with a new type a widening (int->bigint, float->double,\n"
            "        decimal precision up); a column without id is added (nullable);\n"
            "        a known id that is absent is dropped. Anything else is refused.\n"
            "        --option / --unset-option change table options (a new schema\n"
            "        version with the same columns); processes that have the table\n"
            "        open (floe ingest, floe compact) see them after a restart.\n");
}

static int table_create(int argc, char **argv) {
    targs a;
    int rc = parse_args("table create", argc, argv, &a, "warehouse schema buckets option");
    if (rc) return rc;
    if (!a.schema) {
        table_usage(stderr);
        json_decref(a.options);
        return 2;
    }
    floe_err e = {0};
    if (a.options) { /* refuse options compaction would refuse later */
        floe_lsm_table probe = {0};
        probe.name = (char *)a.table;
        probe.options = a.options;
        floe_compact_opts co;
        if (floe_compact_opts_from_table(&probe, &co, &e) != FLOE_OK) {
            json_decref(a.options);
            return die("table create", &e);
        }
    }
    long buckets = 1;
    if (a.buckets) {
        char *end;
        buckets = strtol(a.buckets, &end, 10);
        if (*end || buckets < 1 || buckets > 65536) {
            fprintf(stderr, "floe table create: --buckets must be 1..65536\n");
            json_decref(a.options);
            return 2;
        }
    }
    floe_schema *s = NULL;
    if (floe_schema_load_file(a.schema, &s, &e) != FLOE_OK) {
        json_decref(a.options);
        return die("table create", &e);
    }
    floe_status st =
        floe_lsm_table_create_with(a.warehouse, a.table, s, (uint32_t)buckets, a.options, &e);
    floe_schema_destroy(s);
    json_decref(a.options);
    if (st != FLOE_OK) return die("table create", &e);
    printf("created %s\n", a.table);
    return 0;
}

static int table_alter(int argc, char **argv) {
    targs a;
    int rc = parse_args("table alter", argc, argv, &a, "warehouse schema option unset-option");
    if (rc) return rc;
    if (!a.schema && !a.options) {
        table_usage(stderr);
        return 2;
    }
    floe_err e = {0};
    floe_schema *s = NULL;
    floe_lsm_table *t = NULL;
    int *has_id = NULL;
    rc = 1;
    if (a.schema) {
        if (floe_schema_load_file(a.schema, &s, &e) != FLOE_OK) goto out;
        /* which columns carried an explicit id */
        json_error_t je;
        json_t *j = json_load_file(a.schema, 0, &je);
        json_t *cols = json_object_get(j, "columns");
        has_id = calloc(s->ncols ? s->ncols : 1, sizeof *has_id);
        if (!has_id) {
            json_decref(j);
            floe_err_set(&e, FLOE_ERR_NOMEM, "out of memory");
            goto out;
        }
        for (size_t i = 0; i < s->ncols && i < json_array_size(cols); i++)
            has_id[i] = json_object_get(json_array_get(cols, i), "id") != NULL;
        json_decref(j);
    }
    if (floe_lsm_table_open(a.warehouse, a.table, &t, &e) != FLOE_OK) goto out;
    if (a.options) { /* refuse options compaction would refuse later, before any change */
        floe_lsm_table probe = *t;
        if (floe_lsm_options_apply(t->name, t->options, a.options, &probe.options, &e) != FLOE_OK)
            goto out;
        floe_compact_opts co;
        floe_status st = floe_compact_opts_from_table(&probe, &co, &e);
        json_decref(probe.options);
        if (st != FLOE_OK) goto out;
    }
    if (s) {
        if (floe_lsm_table_alter(t, s, has_id, &e) != FLOE_OK) goto out;
        printf("altered %s: schema %d\n", a.table, (int)t->schema_id);
    }
    if (a.options) {
        int changed = 0;
        if (floe_lsm_table_set_options(t, a.options, &changed, &e) != FLOE_OK) goto out;
        if (changed) printf("altered %s: schema %d (options)\n", a.table, (int)t->schema_id);
        else printf("%s: options unchanged (schema %d)\n", a.table, (int)t->schema_id);
    }
    rc = 0;
out:
    if (rc) die("table alter", &e);
    free(has_id);
    floe_lsm_table_destroy(t);
    floe_schema_destroy(s);
    json_decref(a.options);
    return rc;
}

int floe_cmd_table(int argc, char **argv) {
    if (argc < 2 || floe_cli_wants_help(argc, argv)) {
        table_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (!strcmp(argv[1], "create")) return table_create(argc - 1, argv + 1);
    if (!strcmp(argv[1], "alter")) return table_alter(argc - 1, argv + 1);
    fprintf(stderr, "floe table: unknown action '%s' (create, alter)\n", argv[1]);
    return 2;
}

/* ---- write ---- */

static int row_from_json(const floe_schema *s, json_t *obj, const char *which, long lineno,
                         floe_value *vals, floe_buf *arena, int need_all, floe_err *e) {
    if (!json_is_object(obj)) {
        floe_err_set(e, FLOE_ERR_BAD_INPUT, "line %ld: \"%s\" must be an object", lineno, which);
        return 0;
    }
    const char *key;
    json_t *jv;
    json_object_foreach(obj, key, jv) {
        if (floe_schema_find(s, key) < 0) {
            floe_err_set(e, FLOE_ERR_BAD_INPUT, "line %ld: %s has unknown column '%s'", lineno,
                         which, key);
            return 0;
        }
    }
    for (size_t i = 0; i < s->ncols; i++) {
        const floe_column *c = &s->cols[i];
        json_t *v = json_object_get(obj, c->name);
        if (!v || json_is_null(v)) {
            int is_key = 0;
            for (size_t k = 0; k < s->npk; k++) is_key |= s->pk[k] == i;
            if (is_key || (need_all && !c->nullable)) {
                floe_err_set(e, FLOE_ERR_BAD_INPUT, "line %ld column %s: %s in %s", lineno, c->name,
                             v ? "NULL" : "missing value", is_key ? "a primary key column" : "a NOT NULL column");
                return 0;
            }
            memset(&vals[i], 0, sizeof vals[i]);
            vals[i].is_null = 1;
            continue;
        }
        if (floe_value_from_json(v, c->type, &vals[i], arena, e) != FLOE_OK) {
            floe_err_prefix(e, "line %ld column %s: ", lineno, c->name);
            return 0;
        }
    }
    return 1;
}

static int keys_differ(const floe_schema *s, const floe_value *a, const floe_value *b,
                       const floe_buf *arena) {
    for (size_t k = 0; k < s->npk; k++) {
        size_t c = s->pk[k];
        if (floe_value_compare(&a[c], &b[c], s->cols[c].type, arena, arena)) return 1;
    }
    return 0;
}

/* After a commit: wake background compaction; above the stop trigger wait
 * for it, re-read the base and check again (bounded, then go on). */
static floe_status after_commit(floe_compactor *comp, floe_lsm_writer *w, floe_err *e) {
    for (int round = 0; round < 100; round++) {
        int waited = 0;
        FLOE_TRY(floe_compactor_after_commit(comp, floe_lsm_writer_max_runs(w), &waited, e));
        if (!waited) return FLOE_OK;
        FLOE_TRY(floe_lsm_writer_refresh(w, e));
    }
    floe_log_warn("write", "sorted runs stay above the stop trigger after 100 compaction rounds");
    return FLOE_OK;
}

static void write_usage(FILE *f) {
    fprintf(f,
            "usage: floe write --warehouse DIR DB.TABLE [--commit-every N] [--buffer SIZE]\n"
            "                  [--codec zstd|lz4|zlib|none] [--compaction on|off]\n"
            "                  < changes.jsonl\n"
            "\n"
            "stdin: one change per line, shaped like a Debezium change event payload:\n"
            "  {\"op\":\"c|u|d|r\",\"before\":{...}|null,\"after\":{...}|null}\n"
            "c and r insert `after`; u upserts `after` (a changed primary key deletes\n"
            "the `before` key first); d deletes the key in `before`. Values use floe's\n"
            "JSON value forms. One commit at the end of input, and every N lines with\n"
            "--commit-every. A bad line stops the run before its commit: nothing from\n"
            "an uncommitted chunk becomes visible. Buffer default 256MiB. --codec:\n"
            "of the flushed level-0 files (default: the table's options, none).\n"
            "Compaction (default on) runs on a background thread after commits; when\n"
            "a bucket has more than 8 sorted runs, writing waits for it.\n");
}

int floe_cmd_write(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv)) {
        write_usage(stdout);
        return 0;
    }
    targs a;
    int rc = parse_args("write", argc, argv, &a, "warehouse commit-every buffer codec compaction");
    if (rc) return rc;
    floe_err e = {0};
    floe_lsm_table *t = NULL;
    floe_lsm_writer *w = NULL;
    floe_lsm_writer_opts o;
    floe_lsm_writer_opts_init(&o);
    long long every = 0;
    if (a.commit_every) {
        char *end;
        every = strtoll(a.commit_every, &end, 10);
        if (*end || every < 1) {
            fprintf(stderr, "floe write: --commit-every must be a positive count\n");
            return 2;
        }
    }
    if (a.buffer) {
        int64_t sz;
        if (floe_parse_size(a.buffer, &sz, &e) != FLOE_OK || sz < 1) {
            fprintf(stderr, "floe write: --buffer: %s\n", e.msg);
            return 2;
        }
        o.buffer_bytes = (uint64_t)sz;
    }
    if (a.codec) {
        int c = floe_orc_codec_parse(a.codec);
        if (c < 0) {
            fprintf(stderr, "floe write: unknown codec %s\n", a.codec);
            return 2;
        }
        o.codec = (floe_orc_codec)c;
    }
    int compaction = 1;
    if (a.compaction) {
        if (!strcmp(a.compaction, "off")) compaction = 0;
        else if (strcmp(a.compaction, "on")) {
            fprintf(stderr, "floe write: --compaction must be on or off\n");
            return 2;
        }
    }
    if (floe_lsm_table_open(a.warehouse, a.table, &t, &e) != FLOE_OK) return die("write", &e);
    floe_compactor *comp = NULL;
    if (compaction && floe_compactor_start(a.warehouse, a.table, NULL, &comp, &e) != FLOE_OK) {
        floe_lsm_table_destroy(t);
        return die("write", &e);
    }
    const floe_schema *s = t->schema;
    floe_value *after = calloc(s->ncols, sizeof *after), *before = calloc(s->ncols, sizeof *before);
    floe_buf arena = FLOE_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0, since = 0;
    int64_t snap = 0;
    rc = 1;
    if (!after || !before) goto out;
    if (!a.codec) {
        floe_compact_opts co;
        if (floe_compact_opts_from_table(t, &co, &e) != FLOE_OK) goto fail;
        o.codec = floe_compact_codec(&co, 0);
    }
    if (floe_lsm_writer_open(t, &o, &w, &e) != FLOE_OK) goto fail;
    ssize_t got;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        if (got <= 1 && (got == 0 || line[0] == '\n')) continue;
        json_error_t je;
        json_t *ev = json_loadb(line, (size_t)got, JSON_ALLOW_NUL, &je);
        if (!ev) {
            floe_err_set(&e, FLOE_ERR_BAD_INPUT, "line %ld: invalid JSON: %s", lineno, je.text);
            goto fail;
        }
        const char *op = json_string_value(json_object_get(ev, "op"));
        json_t *jb = json_object_get(ev, "before"), *ja = json_object_get(ev, "after");
        arena.len = 0;
        floe_status st = FLOE_OK;
        if (!op || strlen(op) != 1 || !strchr("curd", op[0])) {
            floe_err_set(&e, FLOE_ERR_BAD_INPUT, "line %ld: \"op\" must be one of c, u, d, r",
                         lineno);
            st = FLOE_ERR_BAD_INPUT;
        } else if (op[0] == 'd') {
            if (!row_from_json(s, jb, "before", lineno, before, &arena, 0, &e)) st = FLOE_ERR_BAD_INPUT;
            else st = floe_lsm_writer_put(w, FLOE_KIND_DELETE, before, &arena, &e);
        } else {
            if (!row_from_json(s, ja, "after", lineno, after, &arena, 1, &e)) {
                st = FLOE_ERR_BAD_INPUT;
            } else if (op[0] == 'u' && jb && !json_is_null(jb)) {
                if (!row_from_json(s, jb, "before", lineno, before, &arena, 0, &e)) st = FLOE_ERR_BAD_INPUT;
                else if (keys_differ(s, before, after, &arena))
                    st = floe_lsm_writer_put(w, FLOE_KIND_DELETE, before, &arena, &e);
            }
            if (st == FLOE_OK)
                st = floe_lsm_writer_put(w, op[0] == 'u' ? FLOE_KIND_UPDATE_AFTER : FLOE_KIND_INSERT,
                                         after, &arena, &e);
        }
        json_decref(ev);
        if (st != FLOE_OK) {
            if (!strstr(e.msg, "line ")) floe_err_prefix(&e, "line %ld: ", lineno);
            goto fail;
        }
        if (every && ++since >= every) {
            json_t *pos = json_pack("{s:I}", "stdin_line", (json_int_t)lineno);
            st = floe_lsm_writer_commit(w, lineno, pos, &snap, &e);
            json_decref(pos);
            if (st != FLOE_OK) goto fail;
            if (comp && after_commit(comp, w, &e) != FLOE_OK) goto fail;
            since = 0;
        }
    }
    if (since > 0 || snap == 0) {
        json_t *pos = json_pack("{s:I}", "stdin_line", (json_int_t)lineno);
        floe_status st = floe_lsm_writer_commit(w, lineno, pos, &snap, &e);
        json_decref(pos);
        if (st != FLOE_OK) goto fail;
    }
    {
        floe_lsm_writer_stats ws;
        floe_lsm_writer_get_stats(w, &ws);
        floe_log_info("write",
                      "done table=%s lines=%ld snapshot=%lld rows=%llu files=%llu bytes=%llu",
                      t->name, lineno, (long long)snap, (unsigned long long)ws.rows_put,
                      (unsigned long long)ws.files_written, (unsigned long long)ws.bytes_written);
    }
    rc = 0;
    goto out;
fail:
    die("write", &e);
out:
    free(line);
    floe_buf_free(&arena);
    free(after);
    free(before);
    floe_compactor_stop(comp);
    floe_lsm_writer_destroy(w);
    floe_lsm_table_destroy(t);
    return rc;
}

/* ---- scan ---- */

static void scan_usage(FILE *f) {
    fprintf(f, "usage: floe scan --warehouse DIR DB.TABLE [--snapshot ID] [--format jsonl|csv]\n"
               "\n"
               "Prints the table's rows (merged: newest version per key, deletes\n"
               "applied) ordered by primary key, in floe's JSON value forms; csv prints\n"
               "a header line and the same forms unquoted where possible.\n");
}

static void csv_field(floe_buf *out, const uint8_t *p, size_t n) {
    int quote = 0;
    for (size_t i = 0; i < n; i++)
        if (p[i] == ',' || p[i] == '"' || p[i] == '\n' || p[i] == '\r') quote = 1;
    if (!quote) {
        floe_buf_append(out, p, n, NULL);
        return;
    }
    floe_buf_put_u8(out, '"', NULL);
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '"') floe_buf_put_u8(out, '"', NULL);
        floe_buf_put_u8(out, p[i], NULL);
    }
    floe_buf_put_u8(out, '"', NULL);
}

int floe_cmd_scan(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv)) {
        scan_usage(stdout);
        return 0;
    }
    targs a;
    int rc = parse_args("scan", argc, argv, &a, "warehouse snapshot format");
    if (rc) return rc;
    int csv = 0;
    if (a.format) {
        if (!strcmp(a.format, "csv")) csv = 1;
        else if (strcmp(a.format, "jsonl")) {
            fprintf(stderr, "floe scan: --format must be jsonl or csv\n");
            return 2;
        }
    }
    floe_err e = {0};
    floe_lsm_table *t = NULL;
    floe_lsm_snapshot *snap = NULL;
    floe_lsm_merge *m = NULL;
    floe_buf out = FLOE_BUF_INIT, tmp = FLOE_BUF_INIT;
    rc = 1;
    if (floe_lsm_table_open(a.warehouse, a.table, &t, &e) != FLOE_OK) goto fail;
    if (a.snapshot) {
        char *end;
        long long id = strtoll(a.snapshot, &end, 10);
        if (*end || id < 1) {
            fprintf(stderr, "floe scan: --snapshot must be a snapshot id\n");
            rc = 2;
            goto out;
        }
        if (floe_lsm_table_snapshot(t, id, &snap, &e) != FLOE_OK) goto fail;
    } else if (floe_lsm_table_latest(t, &snap, &e) != FLOE_OK) {
        goto fail;
    }
    const floe_schema *s = t->schema;
    if (csv) {
        for (size_t i = 0; i < s->ncols; i++) {
            if (i) floe_buf_put_u8(&out, ',', NULL);
            csv_field(&out, (const uint8_t *)s->cols[i].name, strlen(s->cols[i].name));
        }
        floe_buf_put_u8(&out, '\n', NULL);
    }
    if (snap && floe_lsm_merge_open(t, snap->files, snap->nfiles, FLOE_MERGE_DROP_DELETES, &m, &e) != FLOE_OK)
        goto fail;
    /* pre-quoted column names for jsonl */
    floe_buf qnames = FLOE_BUF_INIT;
    size_t *qoff = calloc(s->ncols + 1, sizeof *qoff);
    for (size_t i = 0; i < s->ncols; i++) {
        qoff[i] = qnames.len;
        json_t *n = json_string(s->cols[i].name);
        char *q = json_dumps(n, JSON_ENCODE_ANY);
        floe_buf_append(&qnames, q, strlen(q), NULL);
        free(q);
        json_decref(n);
    }
    qoff[s->ncols] = qnames.len;
    for (;;) {
        const floe_value *vals = NULL;
        uint64_t seq;
        int kind;
        if (m && floe_lsm_merge_next(m, &vals, &seq, &kind, &e) != FLOE_OK) {
            free(qoff);
            floe_buf_free(&qnames);
            goto fail;
        }
        if (!vals) break;
        if (!csv) floe_buf_put_u8(&out, '{', NULL);
        for (size_t i = 0; i < s->ncols; i++) {
            if (i) floe_buf_put_u8(&out, ',', NULL);
            if (!csv) {
                floe_buf_append(&out, qnames.data + qoff[i], qoff[i + 1] - qoff[i], NULL);
                floe_buf_put_u8(&out, ':', NULL);
                if (floe_value_to_json(&vals[i], s->cols[i].type, NULL, &out, &e) != FLOE_OK) {
                    free(qoff);
                    floe_buf_free(&qnames);
                    goto fail;
                }
            } else {
                if (vals[i].is_null) continue;
                tmp.len = 0;
                if (floe_value_to_json(&vals[i], s->cols[i].type, NULL, &tmp, &e) != FLOE_OK) {
                    free(qoff);
                    floe_buf_free(&qnames);
                    goto fail;
                }
                /* strings: unquote the JSON string via jansson */
                if (tmp.len && tmp.data[0] == '"') {
                    json_t *jsv = json_loadb((const char *)tmp.data, tmp.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, NULL);
                    const char *sv = json_string_value(jsv);
                    csv_field(&out, (const uint8_t *)(sv ? sv : ""), sv ? json_string_length(jsv) : 0);
                    json_decref(jsv);
                } else {
                    csv_field(&out, tmp.data, tmp.len);
                }
            }
        }
        if (!csv) floe_buf_put_u8(&out, '}', NULL);
        floe_buf_put_u8(&out, '\n', NULL);
        if (out.len > (1u << 20)) {
            if (fwrite(out.data, 1, out.len, stdout) != out.len) {
                floe_err_set(&e, FLOE_ERR_IO, "write to stdout: %s", strerror(errno));
                free(qoff);
                floe_buf_free(&qnames);
                goto fail;
            }
            out.len = 0;
        }
    }
    free(qoff);
    floe_buf_free(&qnames);
    if (out.len && fwrite(out.data, 1, out.len, stdout) != out.len) {
        floe_err_set(&e, FLOE_ERR_IO, "write to stdout: %s", strerror(errno));
        goto fail;
    }
    rc = 0;
    goto out;
fail:
    die("scan", &e);
out:
    floe_buf_free(&out);
    floe_buf_free(&tmp);
    floe_lsm_merge_close(m);
    floe_lsm_snapshot_destroy(snap);
    floe_lsm_table_destroy(t);
    return rc;
}

/* ---- inspect ---- */

static int cmp_str_ptr(const void *a, const void *b) {
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* Paths of a snapshot's files, sorted (pointers into s). */
static const char **sorted_paths(const floe_lsm_snapshot *s) {
    const char **p = malloc((s->nfiles ? s->nfiles : 1) * sizeof *p);
    if (!p) return NULL;
    for (size_t i = 0; i < s->nfiles; i++) p[i] = s->files[i].path;
    qsort(p, s->nfiles, sizeof *p, cmp_str_ptr);
    return p;
}

/* Compaction figures over the retained snapshots: bytes the writers
 * flushed (files an APPEND snapshot added), what compaction read and wrote
 * (the COMPACT snapshots' properties), and write amplification = (flushed
 * + compaction written) / flushed. */
typedef struct wa_sum {
    uint64_t flushed, comp_read, comp_written, compactions;
    double comp_seconds;
    int max_runs;
} wa_sum;

static void wa_add(wa_sum *w, const floe_lsm_snapshot *prev, const char **prev_paths,
                   const floe_lsm_snapshot *s) {
    if (!strcmp(s->commit_kind, "COMPACT")) {
        json_t *p = s->properties;
        w->comp_read += (uint64_t)json_integer_value(json_object_get(p, "compaction_bytes_read"));
        w->comp_written += (uint64_t)json_integer_value(json_object_get(p, "compaction_bytes_written"));
        w->comp_seconds += json_number_value(json_object_get(p, "compaction_seconds"));
        int runs = (int)json_integer_value(json_object_get(p, "sorted_runs_before"));
        if (runs > w->max_runs) w->max_runs = runs;
        w->compactions++;
        return;
    }
    for (size_t i = 0; i < s->nfiles; i++) {
        const char *path = s->files[i].path;
        if (prev && bsearch(&path, prev_paths, prev->nfiles, sizeof *prev_paths, cmp_str_ptr)) continue;
        w->flushed += s->files[i].size;
    }
}

int floe_cmd_inspect(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv)) {
        printf("usage: floe inspect --warehouse DIR DB.TABLE\n\n"
               "Prints the table as JSON: schema, buckets, snapshots (COMPACT ones with\n"
               "their compaction figures), the latest snapshot's files per bucket and\n"
               "level with sizes, and \"compaction\": over the retained snapshots, bytes\n"
               "flushed by writers, bytes compaction read and wrote, write amplification\n"
               "((flushed + compaction written) / flushed), compaction seconds and sorted\n"
               "runs per bucket (the most any compaction started from, and now).\n");
        return 0;
    }
    targs a;
    int rc = parse_args("inspect", argc, argv, &a, "warehouse");
    if (rc) return rc;
    floe_err e = {0};
    floe_lsm_table *t = NULL;
    floe_lsm_snapshot *latest = NULL;
    if (floe_lsm_table_open(a.warehouse, a.table, &t, &e) != FLOE_OK) return die("inspect", &e);
    if (floe_lsm_table_latest(t, &latest, &e) != FLOE_OK) {
        floe_lsm_table_destroy(t);
        return die("inspect", &e);
    }
    json_t *root = json_object();
    json_object_set_new(root, "table", json_string(t->name));
    json_object_set_new(root, "location", json_string(t->dir));
    json_object_set_new(root, "schema_id", json_integer(t->schema_id));
    floe_buf sb = FLOE_BUF_INIT;
    floe_schema_to_json(t->schema, &sb, NULL);
    json_object_set_new(root, "schema", json_loadb((const char *)sb.data, sb.len, 0, NULL));
    floe_buf_free(&sb);
    json_object_set_new(root, "buckets", json_integer(t->buckets));
    if (t->options) json_object_set(root, "options", t->options);
    int64_t earliest = 0;
    floe_lsm_table_earliest_id(t, &earliest, &e);
    json_t *snaps = json_array();
    wa_sum wa = {0};
    floe_lsm_snapshot *prev = NULL;
    const char **prev_paths = NULL;
    if (latest) {
        for (int64_t id = earliest > 0 ? earliest : 1; id <= latest->id; id++) {
            floe_lsm_snapshot *s = NULL;
            if (floe_lsm_table_snapshot(t, id, &s, &e) != FLOE_OK) continue;
            /* the earliest retained snapshot's files have no known origin */
            if (prev) wa_add(&wa, prev, prev_paths, s);
            uint64_t rows = 0, bytes = 0;
            for (size_t i = 0; i < s->nfiles; i++) {
                rows += s->files[i].rows;
                bytes += s->files[i].size;
            }
            json_array_append_new(
                snaps, json_pack("{s:I, s:s, s:I, s:I, s:i, s:I, s:I, s:I, s:O, s:O}", "id",
                                 (json_int_t)s->id, "kind", s->commit_kind, "time_millis",
                                 (json_int_t)s->time_ms, "commit_identifier",
                                 (json_int_t)s->commit_identifier, "schema_id", (int)s->schema_id,
                                 "files", (json_int_t)s->nfiles, "file_rows", (json_int_t)rows,
                                 "bytes", (json_int_t)bytes, "source_positions",
                                 s->source_positions, "properties", s->properties));
            floe_lsm_snapshot_destroy(prev);
            free(prev_paths);
            prev = s;
            prev_paths = sorted_paths(s);
            if (!prev_paths) {
                floe_lsm_snapshot_destroy(prev);
                prev = NULL;
            }
        }
    }
    floe_lsm_snapshot_destroy(prev);
    free(prev_paths);
    json_object_set_new(root, "snapshots", snaps);
    json_object_set_new(
        root, "compaction",
        json_pack("{s:I, s:I, s:I, s:I, s:f, s:f, s:i, s:I}", "bytes_flushed",
                  (json_int_t)wa.flushed, "compaction_bytes_read", (json_int_t)wa.comp_read,
                  "compaction_bytes_written", (json_int_t)wa.comp_written, "compactions",
                  (json_int_t)wa.compactions, "compaction_seconds", wa.comp_seconds,
                  "write_amplification",
                  wa.flushed ? (double)(wa.flushed + wa.comp_written) / (double)wa.flushed : 0.0,
                  "max_sorted_runs_before_compaction", wa.max_runs, "max_sorted_runs_now",
                  (json_int_t)(latest ? floe_lsm_max_sorted_runs(latest->files, latest->nfiles,
                                                                 t->buckets)
                                      : 0)));
    json_t *buckets = json_array();
    for (uint32_t b = 0; latest && b < t->buckets; b++) {
        json_t *files = json_array();
        uint32_t runs_levels[FLOE_LSM_MAX_LEVELS] = {0};
        size_t l0 = 0;
        for (size_t i = 0; i < latest->nfiles; i++) {
            const floe_lsm_file *f = &latest->files[i];
            if (f->bucket != b) continue;
            if (f->level == 0) l0++;
            else runs_levels[f->level] = 1;
            json_array_append_new(
                files, json_pack("{s:s, s:i, s:I, s:I, s:I, s:I, s:I}", "path", f->path, "level",
                                 (int)f->level, "size", (json_int_t)f->size, "rows",
                                 (json_int_t)f->rows, "delete_rows", (json_int_t)f->delete_rows,
                                 "min_seq", (json_int_t)f->min_seq, "max_seq",
                                 (json_int_t)f->max_seq));
        }
        size_t runs = l0;
        for (int l = 1; l < FLOE_LSM_MAX_LEVELS; l++) runs += runs_levels[l];
        json_array_append_new(buckets, json_pack("{s:i, s:I, s:o}", "bucket", (int)b,
                                                 "sorted_runs", (json_int_t)runs, "files", files));
    }
    json_object_set_new(root, "latest", buckets);
    json_dumpf(root, stdout, JSON_INDENT(2));
    putchar('\n');
    json_decref(root);
    floe_lsm_snapshot_destroy(latest);
    floe_lsm_table_destroy(t);
    return 0;
}
