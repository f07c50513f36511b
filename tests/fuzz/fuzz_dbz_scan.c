/*
 * fuzz_dbz_scan.c: libFuzzer target comparing the one-pass Debezium scanner
 * (ingest/dbz_scan.h) with the jansson path (floe_dbz_parse_cached +
 * floe_dbz_decode_row), via tests/dbz_diff.h.
 *
 * The input is a Kafka message value. It is decoded against fixed tables
 * (every MariaDB type, fields from the MariaDB definitions with the bytes
 * and hex binary modes) and, when it carries a schema, against the fields
 * and floe schema built from it. Each message runs twice with one schema
 * cache, so the second run meets its schema cached. Whenever the scanner
 * decodes a message, the jansson path must succeed with the same op, rows
 * and values; any disagreement aborts.
 *
 * Run: scripts/fuzz fuzz_dbz_scan (kept corpus: tests/fuzz/corpus/dbz_scan).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dbz_diff.h"

#define CHECK(c)                                                                   \
    do {                                                                           \
        if (!(c)) {                                                                \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c);  \
            abort();                                                               \
        }                                                                          \
    } while (0)

typedef struct mcol {
    const char *name, *data_type, *column_type;
    long precision, scale, dtp;
} mcol;

static const mcol table_cols[] = {
    {"id", "int", "int(11)", 10, 0, -1},
    {"c_tinyint", "tinyint", "tinyint(4)", 3, 0, -1},
    {"c_smallint_u", "smallint", "smallint(5) unsigned", 5, 0, -1},
    {"c_int", "int", "int(11)", 10, 0, -1},
    {"c_bigint", "bigint", "bigint(20)", 19, 0, -1},
    {"c_bigint_u", "bigint", "bigint(20) unsigned", 20, 0, -1},
    {"c_dec10_2", "decimal", "decimal(10,2)", 10, 2, -1},
    {"c_dec38_6", "decimal", "decimal(38,6)", 38, 6, -1},
    {"c_float", "float", "float", 12, -1, -1},
    {"c_double", "double", "double", 22, -1, -1},
    {"c_varchar", "varchar", "varchar(255)", -1, -1, -1},
    {"c_varbinary", "varbinary", "varbinary(64)", -1, -1, -1},
    {"c_date", "date", "date", -1, -1, -1},
    {"c_dt0", "datetime", "datetime", -1, -1, 0},
    {"c_dt6", "datetime", "datetime(6)", -1, -1, 6},
    {"c_ts", "timestamp", "timestamp", -1, -1, 0},
    {"c_time", "time", "time(6)", -1, -1, 6},
    {"c_bit1", "bit", "bit(1)", 1, -1, -1},
    {"c_bit8", "bit", "bit(8)", 8, -1, -1},
    /* MediaWiki revision columns */
    {"rev_id", "bigint", "bigint(20) unsigned", 20, 0, -1},
    {"rev_timestamp", "binary", "binary(14)", -1, -1, -1},
    {"rev_len", "bigint", "bigint(20)", 19, 0, -1},
    {"rev_sha1", "varbinary", "varbinary(32)", -1, -1, -1},
    {"rev_deleted", "tinyint", "tinyint(3) unsigned", 3, 0, -1},
};
#define NCOLS (sizeof table_cols / sizeof table_cols[0])

static floe_dbz_fields fixed_fields[2]; /* binary mode bytes, hex + precise */
static floe_schema *fixed_schema[2];
static floe_dbz_scanner *fixed_sc[2];

static void init(void) {
    floe_err err;
    static const char *const modes[2] = {"bytes", "hex"};
    const char *key[] = {"id"};
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
        CHECK(floe_dbz_schema(&fixed_fields[m], key, 1, &fixed_schema[m], &err) == FLOE_OK);
        CHECK(floe_dbz_scanner_create(&fixed_sc[m], &err) == FLOE_OK);
        CHECK(floe_dbz_scanner_plan(fixed_sc[m], &fixed_fields[m], fixed_schema[m], &err) ==
              FLOE_OK);
    }
}

static void both(floe_dbz_scanner *sc, const char *msg, size_t len, const floe_dbz_fields *fs,
                 const floe_schema *s) {
    char why[512];
    int scanned = 0;
    floe_dbz_schema_cache cache = {0};
    for (int round = 0; round < 2; round++)
        if (!dbz_diff(sc, msg, len, fs, s, &cache, &scanned, why, sizeof why)) {
            fprintf(stderr, "scanner and jansson path differ: %s\n", why);
            abort();
        }
    floe_dbz_schema_cache_free(&cache);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!fixed_schema[0]) init();
    const char *msg = (const char *)data;
    for (int m = 0; m < 2; m++) both(fixed_sc[m], msg, size, &fixed_fields[m], fixed_schema[m]);
    /* with a schema: the fields it defines */
    floe_dbz_event ev;
    json_t *root = NULL;
    floe_err err;
    if (floe_dbz_parse(msg, size, &ev, &root, &err) != FLOE_OK) return 0;
    if (ev.value_schema) {
        floe_dbz_fields fs;
        if (floe_dbz_fields_from_schema(ev.value_schema, NULL, &fs, &err) == FLOE_OK) {
            floe_schema *s = NULL;
            const char *key[] = {fs.f[0].name};
            int keyed = fs.f[0].type.kind != FLOE_T_FLOAT && fs.f[0].type.kind != FLOE_T_DOUBLE;
            floe_dbz_scanner *sc = NULL;
            if (floe_dbz_schema(&fs, key, keyed, &s, &err) == FLOE_OK &&
                floe_dbz_scanner_create(&sc, &err) == FLOE_OK &&
                floe_dbz_scanner_plan(sc, &fs, s, &err) == FLOE_OK)
                both(sc, msg, size, &fs, s);
            floe_dbz_scanner_destroy(sc);
            floe_schema_destroy(s);
            floe_dbz_fields_free(&fs);
        }
    }
    json_decref(root);
    return 0;
}
