/*
 * fuzz_dbz_decode.c: libFuzzer target for the Debezium decoder.
 *
 * The input is parsed as a Kafka message value (floe_dbz_parse); its rows
 * are decoded against a fixed table (every MariaDB type, fields from the
 * MariaDB definitions, plain and with a hex binary mode), and, when the
 * message carries a schema, against the fields and floe schema built from
 * it. Every failure must come with a message; every decoded value must
 * write as floe JSON and read back equal (so dates and timestamps are in
 * range, decimals fit their precision, strings are UTF-8). The input's first
 * two lines are also tried as a MariaDB data type and column type.
 *
 * Run: scripts/fuzz fuzz_dbz_decode (kept corpus: tests/fuzz/corpus/dbz_decode).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbz_decode.h"

#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);  \
            abort();                                                               \
        }                                                                          \
    } while (0)

static void failed_has_message(floe_status st, const floe_err *err) {
    if (st != FLOE_OK) {
        CHECK(err->code == st);
        CHECK(err->msg[0] != '\0');
    }
}

typedef struct mcol {
    const char *name, *data_type, *column_type;
    long precision, scale, dtp;
} mcol;

static const mcol table_cols[] = {
    {"id", "int", "int(11)", 10, 0, -1},
    {"c_tinyint", "tinyint", "tinyint(4)", 3, 0, -1},
    {"c_tinyint_u", "tinyint", "tinyint(3) unsigned", 3, 0, -1},
    {"c_smallint", "smallint", "smallint(6)", 5, 0, -1},
    {"c_smallint_u", "smallint", "smallint(5) unsigned", 5, 0, -1},
    {"c_mediumint", "mediumint", "mediumint(9)", 7, 0, -1},
    {"c_int", "int", "int(11)", 10, 0, -1},
    {"c_int_u", "int", "int(10) unsigned", 10, 0, -1},
    {"c_bigint", "bigint", "bigint(20)", 19, 0, -1},
    {"c_bigint_u", "bigint", "bigint(20) unsigned", 20, 0, -1},
    {"c_dec10_2", "decimal", "decimal(10,2)", 10, 2, -1},
    {"c_dec38_6", "decimal", "decimal(38,6)", 38, 6, -1},
    {"c_float", "float", "float", 12, -1, -1},
    {"c_double", "double", "double", 22, -1, -1},
    {"c_varchar", "varchar", "varchar(255)", -1, -1, -1},
    {"c_varbinary", "varbinary", "varbinary(64)", -1, -1, -1},
    {"c_blob", "blob", "blob", -1, -1, -1},
    {"c_date", "date", "date", -1, -1, -1},
    {"c_dt0", "datetime", "datetime", -1, -1, 0},
    {"c_dt6", "datetime", "datetime(6)", -1, -1, 6},
    {"c_ts", "timestamp", "timestamp", -1, -1, 0},
    {"c_time", "time", "time(6)", -1, -1, 6},
    {"c_enum", "enum", "enum('a','b','c')", -1, -1, -1},
    {"c_bit1", "bit", "bit(1)", 1, -1, -1},
    {"c_bit8", "bit", "bit(8)", 8, -1, -1},
    {"c_json", "longtext", "longtext", -1, -1, -1},
    /* MediaWiki revision columns */
    {"rev_id", "int", "int(10) unsigned", 10, 0, -1},
    {"rev_timestamp", "binary", "binary(14)", -1, -1, -1},
    {"rev_len", "int", "int(10) unsigned", 10, 0, -1},
    {"rev_sha1", "varbinary", "varbinary(32)", -1, -1, -1},
    {"rev_deleted", "tinyint", "tinyint(3) unsigned", 3, 0, -1},
};
#define NCOLS (sizeof table_cols / sizeof table_cols[0])

static floe_dbz_fields fixed_fields[2]; /* binary mode bytes, hex */
static floe_schema *fixed_schema;

static void init(void) {
    floe_err err;
    static const char *const modes[2] = {"bytes", "hex"};
    for (int m = 0; m < 2; m++) {
        fixed_fields[m].f = calloc(NCOLS, sizeof *fixed_fields[m].f);
        CHECK(fixed_fields[m].f);
        for (size_t i = 0; i < NCOLS; i++) {
            const mcol *c = &table_cols[i];
            CHECK(floe_dbz_field_from_mariadb(c->name, c->data_type, c->column_type, c->precision,
                                              c->scale, c->dtp, i != 0, modes[m], m,
                                              &fixed_fields[m].f[i], &err) == FLOE_OK);
            fixed_fields[m].n = i + 1;
        }
    }
    const char *key[] = {"id"};
    CHECK(floe_dbz_schema(&fixed_fields[0], key, 1, &fixed_schema, &err) == FLOE_OK);
}

/* Every decoded value writes as floe JSON and reads back equal. */
static void check_vals(const floe_schema *s, const floe_value *vals, const floe_buf *arena) {
    floe_err err;
    for (size_t i = 0; i < s->ncols; i++) {
        floe_type t = s->cols[i].type;
        floe_buf o = FLOE_BUF_INIT, a2 = FLOE_BUF_INIT;
        CHECK(floe_value_to_json(&vals[i], t, arena, &o, &err) == FLOE_OK);
        json_error_t je;
        json_t *back = json_loadb((const char *)o.data, o.len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                                  &je);
        if (!back) {
            fprintf(stderr, "column %s: unparseable output %.*s: %s\n", s->cols[i].name,
                    (int)o.len, o.data, je.text);
            abort();
        }
        floe_value v2;
        floe_status st = floe_value_from_json(back, t, &v2, &a2, &err);
        if (st != FLOE_OK) {
            fprintf(stderr, "column %s: output %.*s does not read back: %s\n", s->cols[i].name,
                    (int)o.len, o.data, err.msg);
            abort();
        }
        CHECK(v2.is_null == vals[i].is_null);
        if (!v2.is_null) CHECK(floe_value_compare(&vals[i], &v2, t, arena, &a2) == 0);
        json_decref(back);
        floe_buf_free(&o);
        floe_buf_free(&a2);
    }
}

static void decode_both(const floe_dbz_event *ev, const floe_dbz_fields *fs, const floe_schema *s) {
    floe_value *vals = calloc(s->ncols, sizeof *vals);
    CHECK(vals);
    const json_t *rows[2] = {ev->before, ev->after};
    for (int r = 0; r < 2; r++) {
        if (!rows[r]) continue;
        floe_buf arena = FLOE_BUF_INIT;
        floe_err err;
        floe_status st = floe_dbz_decode_row(rows[r], fs, s, r ? "after" : "before", vals, &arena,
                                             &err);
        failed_has_message(st, &err);
        if (st == FLOE_OK)
            check_vals(s, vals, &arena);
        else
            CHECK(st == FLOE_ERR_BAD_INPUT);
        floe_buf_free(&arena);
    }
    free(vals);
}

static void check_mariadb_types(const uint8_t *data, size_t size) {
    if (size > 200) return;
    char buf[256];
    memcpy(buf, data, size);
    buf[size] = '\0';
    char *nl = strchr(buf, '\n');
    const char *ct = NULL;
    if (nl) {
        *nl = '\0';
        ct = nl + 1;
    }
    floe_dbz_field f;
    floe_err err;
    floe_status st = floe_dbz_field_from_mariadb("c", buf, ct, (long)(size % 70) - 1,
                                                 (long)(size % 40) - 1, (long)(size % 8) - 1,
                                                 (int)(size & 1), (size & 2) ? "hex" : NULL,
                                                 (int)(size & 4), &f, &err);
    failed_has_message(st, &err);
    if (st == FLOE_OK) {
        char tn[48];
        floe_type t;
        floe_type_format(f.type, tn, sizeof tn);
        CHECK(floe_type_parse(tn, &t, &err) == FLOE_OK);
        free(f.name);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fixed_schema) init();
    check_mariadb_types(data, size);

    floe_dbz_event ev;
    json_t *root = NULL;
    floe_err err;
    floe_status st = floe_dbz_parse((const char *)data, size, &ev, &root, &err);
    failed_has_message(st, &err);
    if (st != FLOE_OK) {
        CHECK(st == FLOE_ERR_BAD_INPUT);
        CHECK(root == NULL);
        return 0;
    }
    if (ev.op == 0) {
        CHECK(!ev.before && !ev.after && !ev.value_schema);
        json_decref(root);
        return 0;
    }
    CHECK(strchr("cudrt", ev.op) != NULL);
    decode_both(&ev, &fixed_fields[0], fixed_schema);
    decode_both(&ev, &fixed_fields[1], fixed_schema);
    decode_both(&ev, NULL, fixed_schema);
    if (ev.value_schema) {
        static const char *const modes[] = {NULL, "hex", "base64-url-safe"};
        for (size_t m = 0; m < 3; m++) {
            floe_dbz_fields fs;
            st = floe_dbz_fields_from_schema(ev.value_schema, modes[m], &fs, &err);
            failed_has_message(st, &err);
            if (st != FLOE_OK) {
                CHECK(fs.f == NULL && fs.n == 0);
                CHECK(st == FLOE_ERR_BAD_INPUT || st == FLOE_ERR_UNSUPPORTED);
                continue;
            }
            floe_schema *s = NULL;
            const char *key[] = {fs.f[0].name};
            st = floe_dbz_schema(&fs, key, fs.f[0].type.kind == FLOE_T_FLOAT ||
                                               fs.f[0].type.kind == FLOE_T_DOUBLE ? 0 : 1,
                                 &s, &err);
            failed_has_message(st, &err);
            if (st == FLOE_OK) {
                CHECK(s->ncols == fs.n);
                for (size_t i = 0; i < fs.n; i++) CHECK(s->cols[i].id == (int32_t)i + 1);
                decode_both(&ev, &fs, s);
                decode_both(&ev, &fs, fixed_schema); /* message fields, fixed table */
                floe_schema_destroy(s);
            }
            floe_dbz_fields_free(&fs);
        }
    }
    json_decref(root);
    return 0;
}
