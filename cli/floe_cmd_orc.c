/*
 * floe_cmd_orc.c: `floe orc write|cat|meta`: convert JSON lines to ORC and
 * back, and show a file's metadata. The JSON value forms are floe's
 * (floe_value.h); the schema format is floe_schema.h's.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "floe_cli.h"
#include "floe_config.h"
#include "floe_io.h"
#include "floe_schema.h"
#include "floe_value.h"
#include "orc_reader.h"
#include "orc_writer.h"

static void orc_usage(FILE *f) {
    fprintf(f,
            "usage: floe orc write --schema SCHEMA.json [--codec zstd|lz4|zlib|none]\n"
            "                      [--sort-key COL,...] [--stripe-size SIZE]\n"
            "                      [--row-index-stride N] OUT.orc   < rows.jsonl\n"
            "       floe orc cat FILE.orc [--columns COL,...]\n"
            "       floe orc meta FILE.orc\n"
            "\n"
            "write: one JSON object per input line, keyed by column name; absent keys\n"
            "       are NULL. Default codec zstd, stripe size 64MiB, row index stride\n"
            "       10000. With --sort-key the rows must arrive in key order.\n"
            "cat:   prints the rows as JSON lines in the same value forms.\n"
            "meta:  prints types (with attributes), stripes, streams, encodings, codec\n"
            "       and statistics as one JSON document.\n"
            "\n"
            "Value forms: integers as numbers; float/double as numbers or \"NaN\",\n"
            "\"Infinity\", \"-Infinity\"; decimal as a string \"-12.340\"; binary as base64;\n"
            "date \"YYYY-MM-DD\"; timestamp \"YYYY-MM-DDTHH:MM:SS.ffffff\" (UTC).\n");
}

static int fail_msg(const char *what, const floe_err *e) {
    fprintf(stderr, "floe orc %s: %s\n", what, e->msg);
    return 1;
}

/* Split "a,b,c" into column indexes of schema s. */
static int parse_columns(const floe_schema *s, const char *list, size_t **out, size_t *n,
                         const char *what) {
    char *dup = strdup(list);
    size_t cap = 8, k = 0;
    size_t *idx = malloc(cap * sizeof *idx);
    if (!dup || !idx) {
        free(dup);
        free(idx);
        fprintf(stderr, "floe orc %s: out of memory\n", what);
        return 1;
    }
    for (char *save = NULL, *tok = strtok_r(dup, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        int i = floe_schema_find(s, tok);
        if (i < 0) {
            fprintf(stderr, "floe orc %s: no column named '%s'\n", what, tok);
            free(dup);
            free(idx);
            return 2;
        }
        if (k == cap) {
            cap *= 2;
            size_t *ni = realloc(idx, cap * sizeof *idx);
            if (!ni) {
                free(dup);
                free(idx);
                return 1;
            }
            idx = ni;
        }
        idx[k++] = (size_t)i;
    }
    free(dup);
    *out = idx;
    *n = k;
    return 0;
}

static int cmd_write(int argc, char **argv) {
    const char *schema_path = NULL, *codec = "zstd", *sort = NULL, *out_path = NULL;
    const char *stripe = NULL, *stride = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = NULL;
        if (!strcmp(a, "--schema")) slot = &schema_path;
        else if (!strcmp(a, "--codec")) slot = &codec;
        else if (!strcmp(a, "--sort-key")) slot = &sort;
        else if (!strcmp(a, "--stripe-size")) slot = &stripe;
        else if (!strcmp(a, "--row-index-stride")) slot = &stride;
        else if (a[0] == '-' && a[1]) {
            fprintf(stderr, "floe orc write: unknown option %s\n", a);
            return 2;
        } else if (!out_path) {
            out_path = a;
            continue;
        } else {
            fprintf(stderr, "floe orc write: unexpected argument %s\n", a);
            return 2;
        }
        if (i + 1 >= argc) {
            fprintf(stderr, "floe orc write: %s needs a value\n", a);
            return 2;
        }
        *slot = argv[++i];
    }
    if (!schema_path || !out_path) {
        orc_usage(stderr);
        return 2;
    }
    floe_err e = {0};
    floe_schema *schema = NULL;
    floe_orc_writer_opts o;
    floe_orc_writer_opts_init(&o);
    int c = floe_orc_codec_parse(codec);
    if (c < 0) {
        fprintf(stderr, "floe orc write: unknown codec '%s' (zstd, lz4, zlib, none)\n", codec);
        return 2;
    }
    o.codec = (floe_orc_codec)c;
    if (stripe) {
        int64_t sz;
        if (floe_parse_size(stripe, &sz, &e) != FLOE_OK || sz <= 0) {
            fprintf(stderr, "floe orc write: --stripe-size: %s\n", e.msg);
            return 2;
        }
        o.stripe_size = (uint64_t)sz;
    }
    if (stride) {
        char *end;
        long v = strtol(stride, &end, 10);
        if (*end || v < 0 || v > 100000000) {
            fprintf(stderr, "floe orc write: --row-index-stride: '%s' is not a count\n", stride);
            return 2;
        }
        o.row_index_stride = (uint32_t)v;
    }
    if (floe_schema_load_file(schema_path, &schema, &e) != FLOE_OK) return fail_msg("write", &e);
    size_t *keys = NULL, nkeys = 0;
    if (sort) {
        int rc = parse_columns(schema, sort, &keys, &nkeys, "write");
        if (rc) {
            floe_schema_destroy(schema);
            return rc;
        }
        o.sort_key = keys;
        o.nsort_key = nkeys;
    }
    floe_output *out = NULL;
    floe_orc_writer *w = NULL;
    floe_value *vals = calloc(schema->ncols ? schema->ncols : 1, sizeof *vals);
    floe_buf arena = FLOE_BUF_INIT;
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    int rc = 1;
    if (!vals) goto done;
    if (floe_output_open_file(out_path, &out, &e) != FLOE_OK) {
        fail_msg("write", &e);
        goto done;
    }
    if (floe_orc_writer_open(out, schema, &o, &w, &e) != FLOE_OK) {
        fail_msg("write", &e);
        goto done;
    }
    ssize_t got;
    while ((got = getline(&line, &cap, stdin)) >= 0) {
        lineno++;
        json_error_t je;
        json_t *row = json_loadb(line, (size_t)got, JSON_DECODE_ANY, &je);
        if (!row || !json_is_object(row)) {
            fprintf(stderr, "floe orc write: line %ld: %s\n", lineno,
                    row ? "expected a JSON object" : je.text);
            json_decref(row);
            goto done;
        }
        const char *key;
        json_t *jv;
        json_object_foreach(row, key, jv) {
            if (floe_schema_find(schema, key) < 0) {
                fprintf(stderr, "floe orc write: line %ld: unknown column '%s'\n", lineno, key);
                json_decref(row);
                goto done;
            }
        }
        arena.len = 0;
        for (size_t i = 0; i < schema->ncols; i++) {
            const floe_column *col = &schema->cols[i];
            json_t *j = json_object_get(row, col->name);
            if (!j || json_is_null(j)) {
                if (!col->nullable) {
                    fprintf(stderr, "floe orc write: line %ld column %s: NULL in a NOT NULL column\n",
                            lineno, col->name);
                    json_decref(row);
                    goto done;
                }
                memset(&vals[i], 0, sizeof vals[i]);
                vals[i].is_null = 1;
                continue;
            }
            if (floe_value_from_json(j, col->type, &vals[i], &arena, &e) != FLOE_OK) {
                fprintf(stderr, "floe orc write: line %ld column %s: %s\n", lineno, col->name, e.msg);
                json_decref(row);
                goto done;
            }
        }
        json_decref(row);
        if (floe_orc_writer_add_row(w, vals, &arena, &e) != FLOE_OK) {
            fprintf(stderr, "floe orc write: line %ld: %s\n", lineno, e.msg);
            goto done;
        }
    }
    if (floe_orc_writer_close(w, &e) != FLOE_OK || floe_output_finish(out, 1, &e) != FLOE_OK) {
        fail_msg("write", &e);
        goto done;
    }
    rc = 0;
done:
    if (rc != 0 && out) unlink(out_path);
    free(line);
    floe_buf_free(&arena);
    free(vals);
    floe_orc_writer_destroy(w);
    floe_output_destroy(out);
    free(keys);
    floe_schema_destroy(schema);
    return rc;
}

static int cmd_cat(int argc, char **argv) {
    const char *path = NULL, *cols = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--columns") && i + 1 < argc) cols = argv[++i];
        else if (argv[i][0] == '-') {
            fprintf(stderr, "floe orc cat: unknown option %s\n", argv[i]);
            return 2;
        } else if (!path) path = argv[i];
        else {
            fprintf(stderr, "floe orc cat: unexpected argument %s\n", argv[i]);
            return 2;
        }
    }
    if (!path) {
        orc_usage(stderr);
        return 2;
    }
    floe_err e = {0};
    floe_input *in = NULL;
    floe_orc_reader *r = NULL;
    size_t *sel = NULL, nsel = 0;
    floe_buf out = FLOE_BUF_INIT;
    int rc = 1;
    if (floe_input_open_file(path, &in, &e) != FLOE_OK ||
        floe_orc_reader_open(in, NULL, &r, &e) != FLOE_OK) {
        fail_msg("cat", &e);
        goto done;
    }
    const floe_schema *s = floe_orc_reader_schema(r);
    if (cols) {
        int prc = parse_columns(s, cols, &sel, &nsel, "cat");
        if (prc) {
            rc = prc;
            goto done;
        }
        if (floe_orc_reader_select(r, sel, nsel, &e) != FLOE_OK) {
            fail_msg("cat", &e);
            goto done;
        }
    }
    uint64_t rows_done = 0;
    for (;;) {
        floe_orc_batch b;
        if (floe_orc_reader_next(r, &b, &e) != FLOE_OK) {
            fail_msg("cat", &e);
            goto done;
        }
        if (b.nrows == 0) break;
        for (size_t row = 0; row < b.nrows; row++) {
            out.len = 0;
            floe_buf_put_u8(&out, '{', &e);
            for (size_t k = 0; k < b.ncols; k++) {
                const floe_column *col = &s->cols[sel ? sel[k] : k];
                if (k) floe_buf_put_u8(&out, ',', &e);
                json_t *name = json_string(col->name);
                char *qn = json_dumps(name, JSON_ENCODE_ANY);
                floe_buf_append(&out, qn, strlen(qn), &e);
                free(qn);
                json_decref(name);
                floe_buf_put_u8(&out, ':', &e);
                if (floe_value_to_json(&b.cols[k][row], col->type, NULL, &out, &e) != FLOE_OK) {
                    fprintf(stderr, "floe orc cat: %s: row %llu column %s: %s\n", path,
                            (unsigned long long)(rows_done + row), col->name, e.msg);
                    goto done;
                }
            }
            floe_buf_append(&out, "}\n", 2, &e);
            if (fwrite(out.data, 1, out.len, stdout) != out.len) {
                fprintf(stderr, "floe orc cat: write to stdout failed: %s\n", strerror(errno));
                goto done;
            }
        }
        rows_done += b.nrows;
    }
    rc = 0;
done:
    floe_buf_free(&out);
    free(sel);
    floe_orc_reader_close(r);
    floe_input_close(in);
    return rc;
}

/* ---- meta ---- */

static json_t *stats_json(const FloeOrc__ColumnStats *cs) {
    json_t *o = json_object();
    if (cs->has_number_of_values) json_object_set_new(o, "count", json_integer((json_int_t)cs->number_of_values));
    if (cs->has_has_null) json_object_set_new(o, "has_null", json_boolean(cs->has_null));
    if (cs->int_statistics) {
        const FloeOrc__IntStats *s = cs->int_statistics;
        if (s->has_minimum) json_object_set_new(o, "min", json_integer(s->minimum));
        if (s->has_maximum) json_object_set_new(o, "max", json_integer(s->maximum));
        if (s->has_sum) json_object_set_new(o, "sum", json_integer(s->sum));
    }
    if (cs->double_statistics) {
        const FloeOrc__DoubleStats *s = cs->double_statistics;
        if (s->has_minimum) json_object_set_new(o, "min", json_real(s->minimum));
        if (s->has_maximum) json_object_set_new(o, "max", json_real(s->maximum));
        if (s->has_sum) json_object_set_new(o, "sum", json_real(s->sum));
    }
    if (cs->string_statistics) {
        const FloeOrc__StringStats *s = cs->string_statistics;
        if (s->minimum) json_object_set_new(o, "min", json_string(s->minimum));
        if (s->maximum) json_object_set_new(o, "max", json_string(s->maximum));
        if (s->has_sum) json_object_set_new(o, "sum", json_integer(s->sum));
    }
    if (cs->decimal_statistics) {
        const FloeOrc__DecimalStats *s = cs->decimal_statistics;
        if (s->minimum) json_object_set_new(o, "min", json_string(s->minimum));
        if (s->maximum) json_object_set_new(o, "max", json_string(s->maximum));
        if (s->sum) json_object_set_new(o, "sum", json_string(s->sum));
    }
    if (cs->date_statistics) {
        const FloeOrc__DateStats *s = cs->date_statistics;
        char buf[32];
        if (s->has_minimum) {
            floe_date_format(s->minimum, buf);
            json_object_set_new(o, "min", json_string(buf));
        }
        if (s->has_maximum) {
            floe_date_format(s->maximum, buf);
            json_object_set_new(o, "max", json_string(buf));
        }
    }
    if (cs->timestamp_statistics) {
        const FloeOrc__TimestampStats *s = cs->timestamp_statistics;
        if (s->has_minimum_utc) json_object_set_new(o, "min_utc_ms", json_integer(s->minimum_utc));
        if (s->has_maximum_utc) json_object_set_new(o, "max_utc_ms", json_integer(s->maximum_utc));
    }
    if (cs->bucket_statistics && cs->bucket_statistics->n_count)
        json_object_set_new(o, "true_count", json_integer((json_int_t)cs->bucket_statistics->count[0]));
    if (cs->binary_statistics && cs->binary_statistics->has_sum)
        json_object_set_new(o, "sum", json_integer(cs->binary_statistics->sum));
    return o;
}

static const char *type_kind_name(int k) {
    static const char *const n[] = {"BOOLEAN", "BYTE", "SHORT", "INT", "LONG", "FLOAT", "DOUBLE",
                                    "STRING", "BINARY", "TIMESTAMP", "LIST", "MAP", "STRUCT",
                                    "UNION", "DECIMAL", "DATE", "VARCHAR", "CHAR",
                                    "TIMESTAMP_INSTANT", "GEOMETRY"};
    return k >= 0 && k < (int)(sizeof n / sizeof n[0]) ? n[k] : "UNKNOWN";
}

static const char *stream_kind_name(int k) {
    switch (k) {
    case 0: return "PRESENT";
    case 1: return "DATA";
    case 2: return "LENGTH";
    case 3: return "DICTIONARY_DATA";
    case 4: return "DICTIONARY_COUNT";
    case 5: return "SECONDARY";
    case 6: return "ROW_INDEX";
    case 7: return "BLOOM_FILTER";
    case 8: return "BLOOM_FILTER_UTF8";
    default: return "OTHER";
    }
}

static int cmd_meta(int argc, char **argv) {
    if (argc != 2) {
        orc_usage(stderr);
        return 2;
    }
    const char *path = argv[1];
    floe_err e = {0};
    floe_input *in = NULL;
    floe_orc_reader *r = NULL;
    int rc = 1;
    json_t *root = NULL;
    if (floe_input_open_file(path, &in, &e) != FLOE_OK ||
        floe_orc_reader_open(in, NULL, &r, &e) != FLOE_OK) {
        fail_msg("meta", &e);
        goto done;
    }
    const FloeOrc__PostScript *ps = floe_orc_reader_postscript(r);
    const FloeOrc__Footer *f = floe_orc_reader_footer(r);
    const FloeOrc__Metadata *md = floe_orc_reader_metadata(r);
    root = json_object();
    json_object_set_new(root, "file", json_string(path));
    json_object_set_new(root, "file_size", json_integer((json_int_t)floe_input_size(in)));
    json_object_set_new(root, "rows", json_integer((json_int_t)f->number_of_rows));
    json_object_set_new(root, "compression",
                        json_string(floe_orc_codec_name((floe_orc_codec)ps->compression)));
    json_object_set_new(root, "compression_block_size",
                        json_integer((json_int_t)ps->compression_block_size));
    json_t *ver = json_array();
    for (size_t i = 0; i < ps->n_version; i++) json_array_append_new(ver, json_integer(ps->version[i]));
    json_object_set_new(root, "version", ver);
    if (f->has_writer) json_object_set_new(root, "writer", json_integer(f->writer));
    if (ps->has_writer_version) json_object_set_new(root, "writer_version", json_integer(ps->writer_version));
    if (f->software_version) json_object_set_new(root, "software_version", json_string(f->software_version));
    json_object_set_new(root, "row_index_stride", json_integer(f->row_index_stride));
    json_t *types = json_array();
    for (size_t i = 0; i < f->n_types; i++) {
        const FloeOrc__Type *t = f->types[i];
        json_t *jt = json_object();
        json_object_set_new(jt, "column", json_integer((json_int_t)i));
        if (i > 0 && i <= f->types[0]->n_field_names)
            json_object_set_new(jt, "name", json_string(f->types[0]->field_names[i - 1]));
        json_object_set_new(jt, "kind", json_string(type_kind_name((int)t->kind)));
        if (t->has_precision) json_object_set_new(jt, "precision", json_integer(t->precision));
        if (t->has_scale) json_object_set_new(jt, "scale", json_integer(t->scale));
        json_t *attrs = json_object();
        for (size_t a = 0; a < t->n_attributes; a++)
            if (t->attributes[a]->key)
                json_object_set_new(attrs, t->attributes[a]->key,
                                    json_string(t->attributes[a]->value ? t->attributes[a]->value : ""));
        json_object_set_new(jt, "attributes", attrs);
        json_array_append_new(types, jt);
    }
    json_object_set_new(root, "types", types);
    json_t *stripes = json_array();
    for (size_t i = 0; i < f->n_stripes; i++) {
        const FloeOrc__StripeInformation *si = f->stripes[i];
        json_t *js = json_object();
        json_object_set_new(js, "offset", json_integer((json_int_t)si->offset));
        json_object_set_new(js, "index_length", json_integer((json_int_t)si->index_length));
        json_object_set_new(js, "data_length", json_integer((json_int_t)si->data_length));
        json_object_set_new(js, "footer_length", json_integer((json_int_t)si->footer_length));
        json_object_set_new(js, "rows", json_integer((json_int_t)si->number_of_rows));
        FloeOrc__StripeFooter *sf = NULL;
        if (floe_orc_reader_stripe_footer(r, i, &sf, &e) != FLOE_OK) {
            json_decref(js);
            fail_msg("meta", &e);
            goto done;
        }
        if (sf->writer_timezone) json_object_set_new(js, "writer_timezone", json_string(sf->writer_timezone));
        json_t *streams = json_array();
        for (size_t k = 0; k < sf->n_streams; k++) {
            json_t *st = json_object();
            json_object_set_new(st, "kind", json_string(stream_kind_name((int)sf->streams[k]->kind)));
            json_object_set_new(st, "column", json_integer(sf->streams[k]->column));
            json_object_set_new(st, "length", json_integer((json_int_t)sf->streams[k]->length));
            json_array_append_new(streams, st);
        }
        json_object_set_new(js, "streams", streams);
        json_t *encs = json_array();
        static const char *const ek[] = {"DIRECT", "DICTIONARY", "DIRECT_V2", "DICTIONARY_V2"};
        for (size_t k = 0; k < sf->n_columns; k++) {
            json_t *en = json_object();
            unsigned kind = sf->columns[k]->kind;
            json_object_set_new(en, "column", json_integer((json_int_t)k));
            json_object_set_new(en, "kind", json_string(kind < 4 ? ek[kind] : "UNKNOWN"));
            if (sf->columns[k]->has_dictionary_size)
                json_object_set_new(en, "dictionary_size", json_integer(sf->columns[k]->dictionary_size));
            json_array_append_new(encs, en);
        }
        json_object_set_new(js, "encodings", encs);
        if (md && i < md->n_stripe_stats) {
            json_t *ss = json_array();
            for (size_t k = 0; k < md->stripe_stats[i]->n_col_stats; k++)
                json_array_append_new(ss, stats_json(md->stripe_stats[i]->col_stats[k]));
            json_object_set_new(js, "statistics", ss);
        }
        floe_orc__stripe_footer__free_unpacked(sf, NULL);
        json_array_append_new(stripes, js);
    }
    json_object_set_new(root, "stripes", stripes);
    json_t *fs = json_array();
    for (size_t i = 0; i < f->n_statistics; i++) json_array_append_new(fs, stats_json(f->statistics[i]));
    json_object_set_new(root, "statistics", fs);
    json_t *um = json_object();
    for (size_t i = 0; i < f->n_metadata; i++)
        if (f->metadata[i]->name)
            json_object_set_new(um, f->metadata[i]->name,
                                json_stringn((const char *)f->metadata[i]->value.data,
                                             f->metadata[i]->value.len));
    json_object_set_new(root, "user_metadata", um);
    if (json_dumpf(root, stdout, JSON_INDENT(2) | JSON_REAL_PRECISION(17)) != 0) goto done;
    putchar('\n');
    rc = 0;
done:
    json_decref(root);
    floe_orc_reader_close(r);
    floe_input_close(in);
    return rc;
}

int floe_cmd_orc(int argc, char **argv) {
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        orc_usage(argc < 2 ? stderr : stdout);
        return argc < 2 ? 2 : 0;
    }
    if (floe_cli_wants_help(argc - 1, argv + 1)) {
        orc_usage(stdout);
        return 0;
    }
    if (!strcmp(argv[1], "write")) return cmd_write(argc - 1, argv + 1);
    if (!strcmp(argv[1], "cat")) return cmd_cat(argc - 1, argv + 1);
    if (!strcmp(argv[1], "meta")) return cmd_meta(argc - 1, argv + 1);
    fprintf(stderr, "floe orc: unknown action '%s' (write, cat, meta)\n", argv[1]);
    return 2;
}
