/*
 * test_dbz_decode.c: Debezium MariaDB change events (JsonConverter) into
 * floe rows: envelopes with schemas on and off, every op, tombstones, the
 * type mapping from message schemas and from MariaDB column definitions,
 * exact conversions, and the errors for bad input.
 *
 * The fixtures follow Debezium's documented event format for the MariaDB
 * connector (shared-mariadb-mysql.adoc: envelope, source block, type
 * mappings); expected values were computed independently (Python's
 * datetime and int.to_bytes).
 */
#include <math.h>

#include "dbz_decode.h"
#include "dbz_diff.h"
#include "floe_test.h"

/* ---- both paths ------------------------------------------------------------
 * Every row decoded and every message parsed below also goes through the
 * one-pass scanner (dbz_scan.h) and is compared with the jansson path
 * (dbz_diff.h): a row as the "after" (or "before") of a message of its own,
 * a message against the alltypes table of MariaDB definitions. */

static int diff_scanned, diff_runs;

static void diff_message(const char *msg, size_t len, const floe_dbz_fields *fs,
                         const floe_schema *s) {
    floe_dbz_scanner *sc = NULL;
    floe_err err;
    char why[512];
    int scanned = 0;
    if (floe_dbz_scanner_create(&sc, &err) != FLOE_OK) abort();
    if (floe_dbz_scanner_plan(sc, fs, s, &err) == FLOE_OK) {
        floe_dbz_schema_cache cache = {0};
        /* twice: the second run meets a cached schema */
        for (int round = 0; round < 2; round++) {
            int ok = dbz_diff(sc, msg, len, fs, s, &cache, &scanned, why, sizeof why);
            diff_runs++;
            diff_scanned += scanned;
            if (!ok) {
                floe_dbz_schema_cache_free(&cache);
                floe_dbz_scanner_destroy(sc);
                FT__FAIL("scanner and jansson differ on %.*s: %s", (int)(len > 300 ? 300 : len),
                         msg ? msg : "", why);
            }
        }
        floe_dbz_schema_cache_free(&cache);
    }
    floe_dbz_scanner_destroy(sc);
}

static floe_status decode_row_both(const json_t *row, const floe_dbz_fields *fs,
                                   const floe_schema *s, const char *which, floe_value *vals,
                                   floe_buf *arena, floe_err *err) {
    floe_status st = floe_dbz_decode_row(row, fs, s, which, vals, arena, err);
    int before = which && !strcmp(which, "before");
    json_t *m = json_pack("{s:s,s:O}", "op", before ? "d" : "c", before ? "before" : "after",
                          (json_t *)row);
    if (m) {
        char *text = json_dumps(m, JSON_COMPACT | JSON_ENCODE_ANY);
        json_decref(m);
        if (text) {
            floe_err keep = *err; /* the caller checks the jansson path's error */
            diff_message(text, strlen(text), fs, s);
            *err = keep;
            free(text);
        }
    }
    return st;
}

static floe_status diff_fixed_table(floe_dbz_fields *fs, floe_schema **s);

static floe_status parse_both(const char *msg, size_t len, floe_dbz_event *ev, json_t **root,
                              floe_err *err) {
    floe_status st = floe_dbz_parse(msg, len, ev, root, err);
    static floe_dbz_fields fs;
    static floe_schema *s;
    floe_err e2;
    if (!s && diff_fixed_table(&fs, &s) != FLOE_OK) abort();
    (void)e2;
    floe_err keep = *err;
    diff_message(msg, len, &fs, s);
    *err = keep;
    return st;
}

#define floe_dbz_decode_row decode_row_both
#define floe_dbz_parse parse_both

/* ---- fixtures --------------------------------------------------------------
 * MediaWiki's revision table:
 *   rev_id INT UNSIGNED AUTO_INCREMENT NOT NULL, rev_page INT UNSIGNED NOT NULL,
 *   rev_comment_id BIGINT UNSIGNED DEFAULT 0 NOT NULL,
 *   rev_actor BIGINT UNSIGNED DEFAULT 0 NOT NULL, rev_timestamp BINARY(14) NOT NULL,
 *   rev_minor_edit TINYINT UNSIGNED DEFAULT 0 NOT NULL,
 *   rev_deleted TINYINT UNSIGNED DEFAULT 0 NOT NULL, rev_len INT UNSIGNED,
 *   rev_parent_id INT UNSIGNED, rev_sha1 VARBINARY(32) DEFAULT '' NOT NULL,
 *   PRIMARY KEY (rev_id)
 */
#define REV_ROW_SCHEMA(FIELD)                                                                      \
    "{\"type\":\"struct\",\"fields\":["                                                            \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_id\"},"                                \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_page\"},"                              \
    "{\"type\":\"int64\",\"optional\":false,\"default\":0,\"field\":\"rev_comment_id\"},"          \
    "{\"type\":\"int64\",\"optional\":false,\"default\":0,\"field\":\"rev_actor\"},"               \
    "{\"type\":\"bytes\",\"optional\":false,\"field\":\"rev_timestamp\"},"                         \
    "{\"type\":\"int16\",\"optional\":false,\"default\":0,\"field\":\"rev_minor_edit\"},"          \
    "{\"type\":\"int16\",\"optional\":false,\"default\":0,\"field\":\"rev_deleted\"},"             \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"rev_len\"},"                                \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"rev_parent_id\"},"                          \
    "{\"type\":\"bytes\",\"optional\":false,\"default\":\"\",\"field\":\"rev_sha1\"}],"            \
    "\"optional\":true,\"name\":\"mw.wikidb.revision.Value\",\"field\":\"" FIELD "\"}"

#define SOURCE_SCHEMA                                                                              \
    "{\"type\":\"struct\",\"fields\":["                                                            \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"version\"},"                              \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"                            \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"name\"},"                                 \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"ts_ms\"},"                                 \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"                                  \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"},"                                  \
    "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,"     \
    "\"parameters\":{\"allowed\":\"true,first,first_in_data_collection,last_in_data_collection,"   \
    "last,false,incremental\"},\"default\":\"false\",\"field\":\"snapshot\"},"                     \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},"                                   \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"sequence\"},"                              \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"table\"},"                                 \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"server_id\"},"                             \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"gtid\"},"                                  \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"file\"},"                                 \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"pos\"},"                                   \
    "{\"type\":\"int32\",\"optional\":false,\"field\":\"row\"},"                                   \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"thread\"},"                                 \
    "{\"type\":\"string\",\"optional\":true,\"field\":\"query\"}],"                                \
    "\"optional\":false,\"name\":\"io.debezium.connector.mariadb.Source\",\"version\":1,"          \
    "\"field\":\"source\"}"

#define ENVELOPE_TAIL(NAME)                                                                        \
    "{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"id\"},"  \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"total_order\"},"                           \
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"data_collection_order\"}],"                \
    "\"optional\":true,\"name\":\"event.block\",\"version\":1,\"field\":\"transaction\"},"         \
    "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},"                                   \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ms\"},"                                  \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_us\"},"                                  \
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"ts_ns\"}],"                                 \
    "\"optional\":false,\"name\":\"" NAME "\",\"version\":2}"

#define REV_ENVELOPE_SCHEMA                                                                        \
    "{\"type\":\"struct\",\"fields\":[" REV_ROW_SCHEMA("before") "," REV_ROW_SCHEMA("after")      \
    "," SOURCE_SCHEMA "," ENVELOPE_TAIL("mw.wikidb.revision.Envelope")

#define REV_SOURCE(FILEPOS, ROW, SNAP)                                                             \
    "{\"version\":\"3.0.0.Final\",\"connector\":\"mariadb\",\"name\":\"mw\","                      \
    "\"ts_ms\":1714566896000,\"ts_us\":1714566896000000,\"ts_ns\":1714566896000000000,"            \
    "\"snapshot\":\"" SNAP "\",\"db\":\"wikidb\",\"sequence\":null,\"table\":\"revision\","        \
    "\"server_id\":1,\"gtid\":\"0-1-4711\",\"file\":\"mariadb-bin.000003\",\"pos\":" FILEPOS ","   \
    "\"row\":" ROW ",\"thread\":42,\"query\":null}"

/* rev 1001: rev_timestamp "20240501123456", rev_sha1 "phoiac9h4m842xq45sp7s6u21eteeq1" */
#define REV_AFTER                                                                                  \
    "{\"rev_id\":1001,\"rev_page\":17,\"rev_comment_id\":5,\"rev_actor\":3,"                       \
    "\"rev_timestamp\":\"MjAyNDA1MDExMjM0NTY=\",\"rev_minor_edit\":0,\"rev_deleted\":0,"           \
    "\"rev_len\":2048,\"rev_parent_id\":null,"                                                     \
    "\"rev_sha1\":\"cGhvaWFjOWg0bTg0MnhxNDVzcDdzNnUyMWV0ZWVxMQ==\"}"

static const char rev_create_on[] =
    "{\"schema\":" REV_ENVELOPE_SCHEMA ",\"payload\":{\"before\":null,\"after\":" REV_AFTER
    ",\"source\":" REV_SOURCE("1543", "0", "false")
    ",\"transaction\":null,\"op\":\"c\",\"ts_ms\":1714566896512,\"ts_us\":1714566896512345,"
    "\"ts_ns\":1714566896512345000}}";

/* schemas.enable=false: the bare payload; an update of rev_deleted (revdel) */
static const char rev_update_off[] =
    "{\"before\":" REV_AFTER ",\"after\":{\"rev_id\":1001,\"rev_page\":17,\"rev_comment_id\":5,"
    "\"rev_actor\":3,\"rev_timestamp\":\"MjAyNDA1MDExMjM0NTY=\",\"rev_minor_edit\":0,"
    "\"rev_deleted\":6,\"rev_len\":2048,\"rev_parent_id\":null,"
    "\"rev_sha1\":\"cGhvaWFjOWg0bTg0MnhxNDVzcDdzNnUyMWV0ZWVxMQ==\"},\"source\":"
    REV_SOURCE("2210", "0", "false") ",\"transaction\":null,\"op\":\"u\","
    "\"ts_ms\":1714566900001,\"ts_us\":1714566900001000,\"ts_ns\":1714566900001000000}";

static const char rev_delete_on[] =
    "{\"schema\":" REV_ENVELOPE_SCHEMA ",\"payload\":{\"before\":" REV_AFTER ",\"after\":null,"
    "\"source\":" REV_SOURCE("3001", "0", "false") ",\"transaction\":null,\"op\":\"d\","
    "\"ts_ms\":1714566910000,\"ts_us\":1714566910000000,\"ts_ns\":1714566910000000000}}";

static const char rev_read_off[] =
    "{\"before\":null,\"after\":" REV_AFTER ",\"source\":" REV_SOURCE("154", "0", "last")
    ",\"transaction\":null,\"op\":\"r\",\"ts_ms\":1714566800000,\"ts_us\":1714566800000000,"
    "\"ts_ns\":1714566800000000000}";

static const char rev_truncate_off[] =
    "{\"before\":null,\"after\":null,\"source\":" REV_SOURCE("4000", "0", "false")
    ",\"transaction\":null,\"op\":\"t\",\"ts_ms\":1714566920000,\"ts_us\":1714566920000000,"
    "\"ts_ns\":1714566920000000000}";

/* A table with every type (Debezium defaults):
 *   id INT NOT NULL PRIMARY KEY, c_tinyint TINYINT, c_tinyint_u TINYINT UNSIGNED,
 *   c_smallint SMALLINT, c_smallint_u SMALLINT UNSIGNED, c_mediumint MEDIUMINT,
 *   c_int INT, c_int_u INT UNSIGNED, c_bigint BIGINT, c_bigint_u BIGINT UNSIGNED,
 *   c_dec10_2 DECIMAL(10,2), c_dec38_6 DECIMAL(38,6), c_float FLOAT, c_double DOUBLE,
 *   c_varchar VARCHAR(255), c_varbinary VARBINARY(64), c_blob BLOB, c_date DATE,
 *   c_dt0 DATETIME, c_dt6 DATETIME(6), c_ts TIMESTAMP, c_time TIME(6),
 *   c_enum ENUM('a','b','c'), c_bit1 BIT(1), c_bit8 BIT(8), c_json JSON
 */
#define F(T, NAME) "{\"type\":\"" T "\",\"optional\":true,\"field\":\"" NAME "\"}"
#define FL(T, LOGICAL, NAME)                                                                       \
    "{\"type\":\"" T "\",\"optional\":true,\"name\":\"" LOGICAL "\",\"version\":1,\"field\":\""    \
    NAME "\"}"
#define FDEC(P, S, NAME)                                                                           \
    "{\"type\":\"bytes\",\"optional\":true,\"name\":\"org.apache.kafka.connect.data.Decimal\","    \
    "\"version\":1,\"parameters\":{\"scale\":\"" S "\",\"connect.decimal.precision\":\"" P "\"},"  \
    "\"field\":\"" NAME "\"}"
#define ALL_ROW_SCHEMA(FIELD)                                                                      \
    "{\"type\":\"struct\",\"fields\":["                                                            \
    "{\"type\":\"int32\",\"optional\":false,\"field\":\"id\"}," F("int8", "c_tinyint") ","         \
    F("int16", "c_tinyint_u") "," F("int16", "c_smallint") "," F("int32", "c_smallint_u") ","      \
    F("int32", "c_mediumint") "," F("int32", "c_int") "," F("int64", "c_int_u") ","                \
    F("int64", "c_bigint") "," F("int64", "c_bigint_u") "," FDEC("10", "2", "c_dec10_2") ","       \
    FDEC("38", "6", "c_dec38_6") "," F("float32", "c_float") "," F("float64", "c_double") ","      \
    F("string", "c_varchar") "," F("bytes", "c_varbinary") "," F("bytes", "c_blob") ","            \
    FL("int32", "io.debezium.time.Date", "c_date") ","                                             \
    FL("int64", "io.debezium.time.Timestamp", "c_dt0") ","                                         \
    FL("int64", "io.debezium.time.MicroTimestamp", "c_dt6") ","                                    \
    FL("string", "io.debezium.time.ZonedTimestamp", "c_ts") ","                                    \
    FL("int64", "io.debezium.time.MicroTime", "c_time") ","                                        \
    "{\"type\":\"string\",\"optional\":true,\"name\":\"io.debezium.data.Enum\",\"version\":1,"     \
    "\"parameters\":{\"allowed\":\"a,b,c\"},\"field\":\"c_enum\"}," F("boolean", "c_bit1") ","     \
    "{\"type\":\"bytes\",\"optional\":true,\"name\":\"io.debezium.data.Bits\",\"version\":1,"      \
    "\"parameters\":{\"length\":\"8\"},\"field\":\"c_bit8\"},"                                     \
    FL("string", "io.debezium.data.Json", "c_json") "],"                                           \
    "\"optional\":true,\"name\":\"mw.wikidb.alltypes.Value\",\"field\":\"" FIELD "\"}"

#define ALL_ENVELOPE_SCHEMA                                                                        \
    "{\"type\":\"struct\",\"fields\":[" ALL_ROW_SCHEMA("before") "," ALL_ROW_SCHEMA("after")      \
    "," SOURCE_SCHEMA "," ENVELOPE_TAIL("mw.wikidb.alltypes.Envelope")

/* extremes of every type */
#define ALL_AFTER_MIN                                                                              \
    "{\"id\":1,\"c_tinyint\":-128,\"c_tinyint_u\":255,\"c_smallint\":-32768,"                      \
    "\"c_smallint_u\":65535,\"c_mediumint\":-8388608,\"c_int\":-2147483648,"                       \
    "\"c_int_u\":4294967295,\"c_bigint\":-9223372036854775808,\"c_bigint_u\":-1,"                  \
    "\"c_dec10_2\":\"SZYC0g==\",\"c_dec38_6\":\"SztMqFqGxHoJiiI//////w==\",\"c_float\":3.14,"      \
    "\"c_double\":2.718281828459045,\"c_varchar\":\"h\\u00e9llo w\\u00f6rld \\u2713\","            \
    "\"c_varbinary\":\"AAEC/w==\",\"c_blob\":\"SGVsbG8sIEJMT0I=\",\"c_date\":19844,"               \
    "\"c_dt0\":1714566896000,\"c_dt6\":1714566896123456,\"c_ts\":\"2024-05-01T10:34:56Z\","        \
    "\"c_time\":45296789000,\"c_enum\":\"b\",\"c_bit1\":true,\"c_bit8\":\"pQ==\","                 \
    "\"c_json\":\"{\\\"a\\\": [1, 2]}\"}"

static const char all_create_on[] =
    "{\"schema\":" ALL_ENVELOPE_SCHEMA ",\"payload\":{\"before\":null,\"after\":" ALL_AFTER_MIN
    ",\"source\":" REV_SOURCE("9000", "0", "false")
    ",\"transaction\":null,\"op\":\"c\",\"ts_ms\":1714566896512}}";

/* all nulls and negative decimals, schemas off */
static const char all_update_off[] =
    "{\"before\":" ALL_AFTER_MIN ",\"after\":{\"id\":1,\"c_tinyint\":null,\"c_tinyint_u\":null,"
    "\"c_smallint\":null,\"c_smallint_u\":null,\"c_mediumint\":null,\"c_int\":null,"
    "\"c_int_u\":null,\"c_bigint\":null,\"c_bigint_u\":null,\"c_dec10_2\":\"tmn9Lg==\","
    "\"c_dec38_6\":\"tMSzV6V5O4X2dd3AAAAAAQ==\",\"c_float\":\"NaN\",\"c_double\":\"-Infinity\","
    "\"c_varchar\":\"\",\"c_varbinary\":\"\",\"c_blob\":null,\"c_date\":null,\"c_dt0\":null,"
    "\"c_dt6\":null,\"c_ts\":\"2024-05-01T12:34:56.123456+02:00\",\"c_time\":null,"
    "\"c_enum\":null,\"c_bit1\":false,\"c_bit8\":null,\"c_json\":null},"
    "\"source\":" REV_SOURCE("9100", "1", "false") ",\"op\":\"u\",\"ts_ms\":1714566896999}";

/* ---- helpers --------------------------------------------------------------- */

typedef struct fixture {
    floe_dbz_event ev;
    json_t *root;
    floe_dbz_fields fields;
    floe_schema *schema;
    floe_value vals[64];
    floe_buf arena;
} fixture;

static void fx_free(fixture *fx) {
    json_decref(fx->root);
    floe_dbz_fields_free(&fx->fields);
    floe_schema_destroy(fx->schema);
    floe_buf_free(&fx->arena);
    memset(fx, 0, sizeof *fx);
}

static int col(const floe_schema *s, const char *name) {
    int i = floe_schema_find(s, name);
    if (i < 0) {
        fprintf(stderr, "no column %s\n", name);
        abort();
    }
    return i;
}

static const floe_value *val(const fixture *fx, const char *name) {
    return &fx->vals[col(fx->schema, name)];
}

static int bytes_eq(const fixture *fx, const char *name, const void *p, size_t n) {
    const floe_value *v = val(fx, name);
    return !v->is_null && v->v.bytes.len == n &&
           (n == 0 || memcmp(floe_value_bytes(v, &fx->arena), p, n) == 0);
}

static int64_t i64(const fixture *fx, const char *name) {
    const floe_value *v = val(fx, name);
    if (v->is_null) {
        fprintf(stderr, "%s is null\n", name);
        abort();
    }
    return v->v.i64;
}

static floe_status parse(const char *msg, fixture *fx, floe_err *err) {
    return floe_dbz_parse(msg, strlen(msg), &fx->ev, &fx->root, err);
}

/* One MariaDB column (information_schema.COLUMNS) for the field tests. */
typedef struct mcol {
    const char *name, *data_type, *column_type;
    long precision, scale, dtp;
    int nullable;
} mcol;

static const mcol alltypes_cols[] = {
    {"id", "int", "int(11)", 10, 0, -1, 0},
    {"c_tinyint", "tinyint", "tinyint(4)", 3, 0, -1, 1},
    {"c_tinyint_u", "tinyint", "tinyint(3) unsigned", 3, 0, -1, 1},
    {"c_smallint", "smallint", "smallint(6)", 5, 0, -1, 1},
    {"c_smallint_u", "smallint", "smallint(5) unsigned", 5, 0, -1, 1},
    {"c_mediumint", "mediumint", "mediumint(9)", 7, 0, -1, 1},
    {"c_int", "int", "int(11)", 10, 0, -1, 1},
    {"c_int_u", "int", "int(10) unsigned", 10, 0, -1, 1},
    {"c_bigint", "bigint", "bigint(20)", 19, 0, -1, 1},
    {"c_bigint_u", "bigint", "bigint(20) unsigned", 20, 0, -1, 1},
    {"c_dec10_2", "decimal", "decimal(10,2)", 10, 2, -1, 1},
    {"c_dec38_6", "decimal", "decimal(38,6)", 38, 6, -1, 1},
    {"c_float", "float", "float", 12, -1, -1, 1},
    {"c_double", "double", "double", 22, -1, -1, 1},
    {"c_varchar", "varchar", "varchar(255)", -1, -1, -1, 1},
    {"c_varbinary", "varbinary", "varbinary(64)", -1, -1, -1, 1},
    {"c_blob", "blob", "blob", -1, -1, -1, 1},
    {"c_date", "date", "date", -1, -1, -1, 1},
    {"c_dt0", "datetime", "datetime", -1, -1, 0, 1},
    {"c_dt6", "datetime", "datetime(6)", -1, -1, 6, 1},
    {"c_ts", "timestamp", "timestamp", -1, -1, 0, 1},
    {"c_time", "time", "time(6)", -1, -1, 6, 1},
    {"c_enum", "enum", "enum('a','b','c')", -1, -1, -1, 1},
    {"c_bit1", "bit", "bit(1)", 1, -1, -1, 1},
    {"c_bit8", "bit", "bit(8)", 8, -1, -1, 1},
    {"c_json", "longtext", "longtext", -1, -1, -1, 1},
};
#define NALL (sizeof alltypes_cols / sizeof alltypes_cols[0])

static floe_status fields_from_mariadb(const mcol *cols, size_t n, const char *binmode,
                                       int precise, floe_dbz_fields *out, floe_err *err) {
    out->f = calloc(n, sizeof *out->f);
    out->n = 0;
    for (size_t i = 0; i < n; i++) {
        floe_status st = floe_dbz_field_from_mariadb(
            cols[i].name, cols[i].data_type, cols[i].column_type, cols[i].precision,
            cols[i].scale, cols[i].dtp, cols[i].nullable, binmode, precise, &out->f[i], err);
        if (st != FLOE_OK) return st;
        out->n = i + 1;
    }
    return FLOE_OK;
}

static floe_status diff_fixed_table(floe_dbz_fields *fs, floe_schema **s) {
    floe_err err;
    const char *key[] = {"id"};
    FLOE_TRY(fields_from_mariadb(alltypes_cols, NALL, "bytes", 0, fs, &err));
    return floe_dbz_schema(fs, key, 1, s, &err);
}

static floe_status build(fixture *fx, const char *const *key, size_t nkey, floe_err *err) {
    return floe_dbz_schema(&fx->fields, key, nkey, &fx->schema, err);
}

#define CONTAINS(hay, needle)                                                                      \
    do {                                                                                           \
        if (!strstr((hay), (needle)))                                                              \
            FT__FAIL("message \"%s\" lacks \"%s\"", (hay), (needle));                              \
    } while (0)

/* ---- envelopes ------------------------------------------------------------- */

static void test_parse_schemas_on_create(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(parse(rev_create_on, &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 'c');
    FT_CHECK(fx.ev.before == NULL);
    FT_CHECK(json_is_object(fx.ev.after));
    FT_CHECK(json_is_object(fx.ev.source));
    FT_CHECK(json_is_object(fx.ev.value_schema));
    FT_EQ_STR(json_string_value(json_object_get(fx.ev.source, "gtid")), "0-1-4711");
    FT_EQ_INT(json_integer_value(json_object_get(fx.ev.source, "pos")), 1543);
    FT_EQ_STR(json_string_value(json_object_get(fx.ev.value_schema, "name")),
              "mw.wikidb.revision.Envelope");
    fx_free(&fx);
}

static void test_parse_schemas_off_ops(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(parse(rev_update_off, &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 'u');
    FT_CHECK(fx.ev.value_schema == NULL);
    FT_CHECK(json_is_object(fx.ev.before) && json_is_object(fx.ev.after));
    fx_free(&fx);

    FT_OK(parse(rev_delete_on, &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 'd');
    FT_CHECK(json_is_object(fx.ev.before) && fx.ev.after == NULL);
    fx_free(&fx);

    FT_OK(parse(rev_read_off, &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 'r');
    FT_EQ_STR(json_string_value(json_object_get(fx.ev.source, "snapshot")), "last");
    fx_free(&fx);

    FT_OK(parse(rev_truncate_off, &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 't');
    FT_CHECK(fx.ev.before == NULL && fx.ev.after == NULL && fx.ev.source != NULL);
    fx_free(&fx);
}

static void test_parse_tombstones(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(floe_dbz_parse("", 0, &fx.ev, &fx.root, &err), &err);
    FT_EQ_INT(fx.ev.op, 0);
    FT_CHECK(fx.root == NULL);
    FT_OK(floe_dbz_parse(NULL, 0, &fx.ev, &fx.root, &err), &err);
    FT_EQ_INT(fx.ev.op, 0);
    FT_OK(parse("null", &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 0);
    FT_CHECK(fx.ev.after == NULL && fx.ev.before == NULL && fx.ev.value_schema == NULL);
    fx_free(&fx);
    FT_OK(parse(" null\n", &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 0);
    fx_free(&fx);
    /* a converter that wraps a null value in an envelope */
    FT_OK(parse("{\"schema\":null,\"payload\":null}", &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 0);
    fx_free(&fx);
}

static void test_parse_envelope_detection(void) {
    fixture fx = {0};
    floe_err err = {0};
    /* schema null: a payload without a schema */
    FT_OK(parse("{\"schema\":null,\"payload\":{\"op\":\"c\",\"after\":{\"id\":1}}}", &fx, &err),
          &err);
    FT_EQ_INT(fx.ev.op, 'c');
    FT_CHECK(fx.ev.value_schema == NULL);
    FT_EQ_INT(json_integer_value(json_object_get(fx.ev.after, "id")), 1);
    fx_free(&fx);
    /* a row that happens to have columns named schema and payload is a payload */
    FT_CHECK(parse("{\"schema\":\"x\",\"payload\":{\"op\":\"c\"}}", &fx, &err) ==
             FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "no \"op\"");
    /* with schemas on the payload's before/after come from the payload */
    FT_OK(parse("{\"schema\":{\"type\":\"struct\",\"fields\":[]},\"payload\":{\"op\":\"d\","
                "\"before\":{\"id\":2},\"after\":null}}",
                &fx, &err),
          &err);
    FT_EQ_INT(fx.ev.op, 'd');
    FT_CHECK(fx.ev.value_schema != NULL && fx.ev.before != NULL && fx.ev.after == NULL);
    fx_free(&fx);
}

static void test_parse_errors(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_EQ_INT(parse("{\"op\":\"c\",", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "not valid JSON");
    FT_CHECK(fx.root == NULL);
    FT_EQ_INT(parse("{\"before\":null,\"after\":{\"id\":1}}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "no \"op\"");
    FT_EQ_INT(parse("{\"op\":\"x\",\"after\":{\"id\":1}}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "op: expected one of \"c\", \"u\", \"d\", \"r\", \"t\", got string \"x\"");
    FT_EQ_INT(parse("{\"op\":\"cu\"}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "got string \"cu\"");
    FT_EQ_INT(parse("{\"op\":1}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "got number 1");
    FT_EQ_INT(parse("{\"op\":\"c\",\"after\":5}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "after: expected an object or null, got number 5");
    FT_EQ_INT(parse("{\"op\":\"d\",\"before\":[1]}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "before: expected an object or null, got an array");
    FT_EQ_INT(parse("{\"op\":\"c\",\"source\":\"mariadb\"}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "source:");
    FT_EQ_INT(parse("[1,2]", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "message value: expected a JSON object");
    FT_EQ_INT(parse("{\"op\":\"c\",\"op\":\"d\"}", &fx, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "duplicate");
    FT_EQ_INT(parse("{\"op\":\"c\",\"after\":{\"c_dec\":123456789012345678901234}}", &fx, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "decimal.format=NUMERIC");
    FT_CHECK(fx.root == NULL && fx.ev.op == 0);
}

/* ---- MediaWiki revision ------------------------------------------------------ */

static void check_rev_after(const fixture *fx) {
    FT_EQ_INT(i64(fx, "rev_id"), 1001);
    FT_EQ_INT(i64(fx, "rev_page"), 17);
    FT_EQ_INT(i64(fx, "rev_comment_id"), 5);
    FT_EQ_INT(i64(fx, "rev_actor"), 3);
    FT_CHECK(bytes_eq(fx, "rev_timestamp", "20240501123456", 14));
    FT_EQ_INT(i64(fx, "rev_minor_edit"), 0);
    FT_EQ_INT(i64(fx, "rev_len"), 2048);
    FT_CHECK(val(fx, "rev_parent_id")->is_null);
    FT_CHECK(bytes_eq(fx, "rev_sha1", "phoiac9h4m842xq45sp7s6u21eteeq1", 31));
}

static void test_revision_schemas_on(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(parse(rev_create_on, &fx, &err), &err);
    FT_OK(floe_dbz_fields_from_schema(fx.ev.value_schema, "bytes", &fx.fields, &err), &err);
    FT_EQ_U64(fx.fields.n, 10);
    const char *key[] = {"rev_id"};
    FT_OK(build(&fx, key, 1, &err), &err);
    FT_EQ_U64(fx.schema->ncols, 10);
    FT_EQ_U64(fx.schema->npk, 1);
    FT_EQ_U64(fx.schema->pk[0], 0);
    floe_buf js = FLOE_BUF_INIT;
    FT_OK(floe_schema_to_json(fx.schema, &js, &err), &err);
    FT_OK(floe_buf_put_u8(&js, 0, &err), &err);
    FT_EQ_STR((const char *)js.data,
              "{\"columns\":[{\"name\":\"rev_id\",\"type\":\"bigint\",\"nullable\":false,\"id\":1},"
              "{\"name\":\"rev_page\",\"type\":\"bigint\",\"nullable\":false,\"id\":2},"
              "{\"name\":\"rev_comment_id\",\"type\":\"bigint\",\"nullable\":false,\"id\":3},"
              "{\"name\":\"rev_actor\",\"type\":\"bigint\",\"nullable\":false,\"id\":4},"
              "{\"name\":\"rev_timestamp\",\"type\":\"binary\",\"nullable\":false,\"id\":5},"
              "{\"name\":\"rev_minor_edit\",\"type\":\"smallint\",\"nullable\":false,\"id\":6},"
              "{\"name\":\"rev_deleted\",\"type\":\"smallint\",\"nullable\":false,\"id\":7},"
              "{\"name\":\"rev_len\",\"type\":\"bigint\",\"nullable\":true,\"id\":8},"
              "{\"name\":\"rev_parent_id\",\"type\":\"bigint\",\"nullable\":true,\"id\":9},"
              "{\"name\":\"rev_sha1\",\"type\":\"binary\",\"nullable\":false,\"id\":10}],"
              "\"primary_key\":[\"rev_id\"]}");
    floe_buf_free(&js);
    FT_OK(floe_dbz_decode_row(fx.ev.after, &fx.fields, fx.schema, "after", fx.vals, &fx.arena,
                              &err),
          &err);
    check_rev_after(&fx);
    fx_free(&fx);
}

static const mcol revision_cols[] = {
    {"rev_id", "int", "int(10) unsigned", 10, 0, -1, 0},
    {"rev_page", "int", "int(10) unsigned", 10, 0, -1, 0},
    {"rev_comment_id", "bigint", "bigint(20) unsigned", 20, 0, -1, 0},
    {"rev_actor", "bigint", "bigint(20) unsigned", 20, 0, -1, 0},
    {"rev_timestamp", "binary", "binary(14)", -1, -1, -1, 0},
    {"rev_minor_edit", "tinyint", "tinyint(3) unsigned", 3, 0, -1, 0},
    {"rev_deleted", "tinyint", "tinyint(3) unsigned", 3, 0, -1, 0},
    {"rev_len", "int", "int(10) unsigned", 10, 0, -1, 1},
    {"rev_parent_id", "int", "int(10) unsigned", 10, 0, -1, 1},
    {"rev_sha1", "varbinary", "varbinary(32)", -1, -1, -1, 0},
};

static void test_revision_schemas_off(void) {
    fixture fx = {0}, on = {0};
    floe_err err = {0};
    FT_OK(fields_from_mariadb(revision_cols, 10, NULL, 0, &fx.fields, &err), &err);
    /* the same fields the message schema gives */
    FT_OK(parse(rev_create_on, &on, &err), &err);
    FT_OK(floe_dbz_fields_from_schema(on.ev.value_schema, NULL, &on.fields, &err), &err);
    FT_EQ_U64(on.fields.n, fx.fields.n);
    for (size_t i = 0; i < fx.fields.n; i++) {
        FT_EQ_STR(fx.fields.f[i].name, on.fields.f[i].name);
        FT_EQ_INT(fx.fields.f[i].type.kind, on.fields.f[i].type.kind);
        FT_EQ_INT(fx.fields.f[i].enc, on.fields.f[i].enc);
        FT_EQ_INT(fx.fields.f[i].optional, on.fields.f[i].optional);
    }
    fx_free(&on);
    const char *key[] = {"rev_id"};
    FT_OK(build(&fx, key, 1, &err), &err);
    FT_OK(parse(rev_update_off, &fx, &err), &err);
    FT_OK(floe_dbz_decode_row(fx.ev.before, &fx.fields, fx.schema, "before", fx.vals, &fx.arena,
                              &err),
          &err);
    check_rev_after(&fx);
    FT_EQ_INT(i64(&fx, "rev_deleted"), 0);
    FT_OK(floe_dbz_decode_row(fx.ev.after, &fx.fields, fx.schema, "after", fx.vals, &fx.arena,
                              &err),
          &err);
    FT_EQ_INT(i64(&fx, "rev_deleted"), 6);
    json_decref(fx.root);
    fx.root = NULL;
    FT_OK(parse(rev_read_off, &fx, &err), &err);
    FT_OK(floe_dbz_decode_row(fx.ev.after, &fx.fields, fx.schema, "after", fx.vals, &fx.arena,
                              &err),
          &err);
    check_rev_after(&fx);
    fx_free(&fx);
}

static void test_revision_bad_values(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(fields_from_mariadb(revision_cols, 10, NULL, 0, &fx.fields, &err), &err);
    const char *key[] = {"rev_id"};
    FT_OK(build(&fx, key, 1, &err), &err);
    static const struct {
        const char *row, *msg;
    } bad[] = {
        {"{\"rev_id\":1,\"rev_len\":\"abc\"}",
         "after.rev_len: expected bigint (an integer without fraction or exponent), found "
         "string \"abc\""},
        {"{\"rev_id\":1,\"rev_len\":1.5}", "after.rev_len: expected bigint"},
        {"{\"rev_id\":1,\"rev_minor_edit\":40000}",
         "after.rev_minor_edit: value 40000 out of range for smallint"},
        {"{\"rev_id\":1,\"rev_sha1\":\"not base64!\"}",
         "after.rev_sha1: invalid base64: byte 0x20 at offset 3"},
        {"{\"rev_id\":1,\"rev_sha1\":\"YWJj!\"}",
         "after.rev_sha1: invalid base64: character '!' at offset 4"},
        {"{\"rev_id\":1,\"rev_sha1\":\"YWJ\"}", "after.rev_sha1: invalid base64: length 3"},
        {"{\"rev_id\":1,\"rev_timestamp\":20240501123456}",
         "after.rev_timestamp: expected a string, got number 20240501123456"},
        {"{\"rev_id\":true}", "after.rev_id: expected bigint"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_t *row = json_loads(bad[i].row, 0, NULL);
        FT_CHECK(row != NULL);
        floe_status st = floe_dbz_decode_row(row, &fx.fields, fx.schema, "after", fx.vals,
                                             &fx.arena, &err);
        json_decref(row);
        FT_EQ_INT(st, FLOE_ERR_BAD_INPUT);
        CONTAINS(err.msg, bad[i].msg);
    }
    json_t *arr = json_loads("[1]", 0, NULL);
    FT_EQ_INT(floe_dbz_decode_row(arr, &fx.fields, fx.schema, "before", fx.vals, &fx.arena, &err),
              FLOE_ERR_BAD_INPUT);
    json_decref(arr);
    CONTAINS(err.msg, "before: expected a row object, got an array");
    /* a column missing from the row is NULL; extra members are ignored */
    json_t *row = json_loads("{\"rev_id\":7,\"rev_extra\":\"x\"}", 0, NULL);
    FT_OK(floe_dbz_decode_row(row, &fx.fields, fx.schema, "after", fx.vals, &fx.arena, &err),
          &err);
    json_decref(row);
    FT_EQ_INT(i64(&fx, "rev_id"), 7);
    FT_CHECK(val(&fx, "rev_page")->is_null && val(&fx, "rev_sha1")->is_null);
    fx_free(&fx);
}

/* ---- every type ------------------------------------------------------------ */

static void check_all_min(const fixture *fx) {
    FT_EQ_INT(i64(fx, "id"), 1);
    FT_EQ_INT(i64(fx, "c_tinyint"), -128);
    FT_EQ_INT(i64(fx, "c_tinyint_u"), 255);
    FT_EQ_INT(i64(fx, "c_smallint"), -32768);
    FT_EQ_INT(i64(fx, "c_smallint_u"), 65535);
    FT_EQ_INT(i64(fx, "c_mediumint"), -8388608);
    FT_EQ_INT(i64(fx, "c_int"), INT32_MIN);
    FT_EQ_INT(i64(fx, "c_int_u"), 4294967295LL);
    FT_EQ_INT(i64(fx, "c_bigint"), INT64_MIN);
    FT_EQ_INT(i64(fx, "c_bigint_u"), -1); /* 18446744073709551615 in long mode */
    FT_CHECK(val(fx, "c_dec10_2")->v.dec == 1234567890);
    floe_i128 big = (floe_i128)99999999999999999LL * 1000000000000000000LL + 999999999999999999LL;
    big = big * 1000 + 999; /* 10^38 - 1 */
    FT_CHECK(val(fx, "c_dec38_6")->v.dec == big);
    FT_CHECK(val(fx, "c_float")->v.f64 == (double)3.14f);
    FT_CHECK(val(fx, "c_double")->v.f64 == 2.718281828459045);
    FT_CHECK(bytes_eq(fx, "c_varchar", "h\xc3\xa9llo w\xc3\xb6rld \xe2\x9c\x93", 17));
    FT_CHECK(bytes_eq(fx, "c_varbinary", "\x00\x01\x02\xff", 4));
    FT_CHECK(bytes_eq(fx, "c_blob", "Hello, BLOB", 11));
    FT_EQ_INT(i64(fx, "c_date"), 19844);
    FT_EQ_INT(i64(fx, "c_dt0"), 1714566896000000LL);
    FT_EQ_INT(i64(fx, "c_dt6"), 1714566896123456LL);
    FT_EQ_INT(i64(fx, "c_ts"), 1714566896000000LL - 2 * 3600 * 1000000LL);
    FT_EQ_INT(i64(fx, "c_time"), 45296789000LL);
    FT_CHECK(bytes_eq(fx, "c_enum", "b", 1));
    FT_EQ_INT(i64(fx, "c_bit1"), 1);
    FT_CHECK(bytes_eq(fx, "c_bit8", "\xa5", 1));
    FT_CHECK(bytes_eq(fx, "c_json", "{\"a\": [1, 2]}", 13));
}

static void test_alltypes_schema_mapping(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(parse(all_create_on, &fx, &err), &err);
    FT_OK(floe_dbz_fields_from_schema(fx.ev.value_schema, "bytes", &fx.fields, &err), &err);
    const char *key[] = {"id"};
    FT_OK(build(&fx, key, 1, &err), &err);
    static const char *const types[] = {
        "int",    "tinyint",       "smallint",      "smallint", "int",    "int",    "int",
        "bigint", "bigint",        "bigint",        "decimal(10,2)", "decimal(38,6)", "float",
        "double", "string",        "binary",        "binary",   "date",   "timestamp",
        "timestamp", "timestamp",  "bigint",        "string",   "boolean", "binary", "string",
    };
    FT_EQ_U64(fx.schema->ncols, sizeof types / sizeof types[0]);
    for (size_t i = 0; i < fx.schema->ncols; i++) {
        char tn[48];
        floe_type_format(fx.schema->cols[i].type, tn, sizeof tn);
        FT_EQ_STR(tn, types[i]);
        FT_EQ_INT(fx.schema->cols[i].id, (int)i + 1);
        FT_EQ_INT(fx.schema->cols[i].nullable, i != 0);
    }
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_dec10_2")].enc, FLOE_DBZ_DECIMAL_BYTES);
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_dec10_2")].scale, 2);
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_dt0")].enc, FLOE_DBZ_TS_MS);
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_dt6")].enc, FLOE_DBZ_TS_US);
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_ts")].enc, FLOE_DBZ_TS_ZONED);
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_time")].enc, FLOE_DBZ_TIME_US);
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_date")].enc, FLOE_DBZ_DATE_DAYS);
    FT_EQ_INT(fx.fields.f[col(fx.schema, "c_bit8")].enc, FLOE_DBZ_BYTES_BASE64);

    /* the MariaDB definitions give the same fields */
    floe_dbz_fields fm = {0};
    FT_OK(fields_from_mariadb(alltypes_cols, NALL, "bytes", 0, &fm, &err), &err);
    FT_EQ_U64(fm.n, fx.fields.n);
    for (size_t i = 0; i < fm.n; i++) {
        FT_EQ_STR(fm.f[i].name, fx.fields.f[i].name);
        char a[48], b[48];
        floe_type_format(fm.f[i].type, a, sizeof a);
        floe_type_format(fx.fields.f[i].type, b, sizeof b);
        FT_EQ_STR(a, b);
        FT_EQ_INT(fm.f[i].enc, fx.fields.f[i].enc);
        FT_EQ_INT(fm.f[i].scale, fx.fields.f[i].scale);
        FT_EQ_INT(fm.f[i].optional, fx.fields.f[i].optional);
    }
    floe_dbz_fields_free(&fm);
    FT_CHECK(fm.f == NULL && fm.n == 0);
    fx_free(&fx);
}

static void test_alltypes_decode(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(parse(all_create_on, &fx, &err), &err);
    FT_OK(floe_dbz_fields_from_schema(fx.ev.value_schema, NULL, &fx.fields, &err), &err);
    const char *key[] = {"id"};
    FT_OK(build(&fx, key, 1, &err), &err);
    FT_OK(floe_dbz_decode_row(fx.ev.after, &fx.fields, fx.schema, "after", fx.vals, &fx.arena,
                              &err),
          &err);
    check_all_min(&fx);
    json_decref(fx.root);
    fx.root = NULL;

    /* schemas off, fields from MariaDB */
    floe_dbz_fields_free(&fx.fields);
    FT_OK(fields_from_mariadb(alltypes_cols, NALL, NULL, 0, &fx.fields, &err), &err);
    FT_OK(parse(all_update_off, &fx, &err), &err);
    FT_EQ_INT(fx.ev.op, 'u');
    FT_OK(floe_dbz_decode_row(fx.ev.before, &fx.fields, fx.schema, "before", fx.vals, &fx.arena,
                              &err),
          &err);
    check_all_min(&fx);
    FT_OK(floe_dbz_decode_row(fx.ev.after, &fx.fields, fx.schema, "after", fx.vals, &fx.arena,
                              &err),
          &err);
    FT_CHECK(val(&fx, "c_tinyint")->is_null && val(&fx, "c_bigint_u")->is_null &&
             val(&fx, "c_blob")->is_null && val(&fx, "c_dt6")->is_null &&
             val(&fx, "c_json")->is_null);
    FT_CHECK(val(&fx, "c_dec10_2")->v.dec == -1234567890);
    floe_i128 big = (floe_i128)99999999999999999LL * 1000000000000000000LL + 999999999999999999LL;
    big = big * 1000 + 999;
    FT_CHECK(val(&fx, "c_dec38_6")->v.dec == -big);
    FT_CHECK(isnan(val(&fx, "c_float")->v.f64));
    FT_CHECK(val(&fx, "c_double")->v.f64 == -INFINITY);
    FT_CHECK(bytes_eq(&fx, "c_varchar", "", 0));
    FT_CHECK(bytes_eq(&fx, "c_varbinary", "", 0));
    FT_EQ_INT(i64(&fx, "c_ts"), 1714566896123456LL - 2 * 3600 * 1000000LL);
    FT_EQ_INT(i64(&fx, "c_bit1"), 0);
    fx_free(&fx);
}

static void test_alltypes_bad_values(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(fields_from_mariadb(alltypes_cols, NALL, NULL, 0, &fx.fields, &err), &err);
    const char *key[] = {"id"};
    FT_OK(build(&fx, key, 1, &err), &err);
    static const struct {
        const char *row, *msg;
    } bad[] = {
        {"{\"c_tinyint\":200}", "after.c_tinyint: value 200 out of range for tinyint (-128..127)"},
        {"{\"c_tinyint_u\":40000}", "after.c_tinyint_u: value 40000 out of range for smallint"},
        /* 12345678901.23: 11 integer digits in decimal(10,2) */
        {"{\"c_dec10_2\":\"AR9x+wTL\"}", "after.c_dec10_2: decimal 12345678901.23 out of range "
                                         "for decimal(10,2)"},
        {"{\"c_dec10_2\":\"AR9x*+sL\"}",
         "after.c_dec10_2: expected base64 decimal bytes, got string \"AR9x*+sL\": invalid "
         "base64: character '*' at offset 4"},
        {"{\"c_dec10_2\":\"\"}", "after.c_dec10_2: decimal has no bytes"},
        {"{\"c_dec10_2\":true}", "after.c_dec10_2: expected base64 decimal bytes or a number, "
                                 "got true"},
        {"{\"c_dec38_6\":\"AUs7TKhahsR6CYoiP/////8=\"}", "wider than 38 digits"},
        {"{\"c_dec38_6\":\"AAAAAAAAAAAAAAAAAAAAAAAA\"}", "wider than 38 digits"},
        /* 10^38 in 17 bytes: 39 digits */
        {"{\"c_dec38_6\":\"AEs7TKhahsR6CYoiQAAAAAA=\"}", "out of range for decimal(38,6)"},
        {"{\"c_float\":1e39}", "after.c_float: value 1e+39 out of range for float"},
        {"{\"c_float\":\"nan\"}", "after.c_float: expected float"},
        {"{\"c_bit1\":2}", "after.c_bit1: expected boolean (true or false), found number 2"},
        {"{\"c_varchar\":\"\\u00ff\\u0000\",\"c_int\":\"5\"}", "after.c_int: expected int"},
        {"{\"c_date\":2932897}", "after.c_date: date of 2932897 days is outside years 0001..9999"},
        {"{\"c_date\":\"2024-05-01\"}", "after.c_date: expected an integer (days since "
                                        "1970-01-01), got string \"2024-05-01\""},
        {"{\"c_dt0\":253402300800000}", "after.c_dt0: timestamp number 253402300800000 is "
                                        "outside years 0001..9999"},
        {"{\"c_dt6\":9223372036854775807,\"c_dt0\":9223372036854775807}",
         "after.c_dt0: expected an integer in range, got number 9223372036854775807"},
        {"{\"c_ts\":\"2024-13-01T00:00:00Z\"}",
         "after.c_ts: invalid timestamp \"2024-13-01T00:00:00Z\": no such date or time"},
        {"{\"c_ts\":\"2023-02-29T00:00:00Z\"}", "no such date or time"},
        {"{\"c_ts\":\"2024-05-01 12:34:56Z\"}", "after.c_ts: invalid timestamp"},
        {"{\"c_ts\":\"2024-05-01T12:34:56.1234567Z\"}", "sub-microsecond"},
        {"{\"c_ts\":\"2024-05-01T12:34:56.1234560000Z\"}", "invalid timestamp"},
        {"{\"c_ts\":\"2024-05-01T12:34:56+19:00\"}", "offset out of range"},
        {"{\"c_ts\":\"0001-01-01T00:30:00+01:00\"}", "outside years 0001..9999"},
        {"{\"c_ts\":\"+10000-01-01T00:00:00Z\"}", "invalid timestamp"},
        {"{\"c_ts\":1714566896000}", "after.c_ts: expected an ISO-8601 timestamp string"},
        {"{\"c_time\":\"12:00:00\"}", "after.c_time: expected an integer"},
        {"{\"c_time\":3.14}", "after.c_time: expected an integer, got number 3.14"},
        {"{\"c_bit8\":\"pQ\"}", "after.c_bit8: invalid base64: length 2"},
        {"{\"c_varchar\":\"\\ud800\"}", "not valid JSON"}, /* jansson: lone surrogate */
        {"{\"c_enum\":7}", "after.c_enum: expected string (a string), found number 7"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        json_error_t je;
        json_t *row = json_loads(bad[i].row, JSON_ALLOW_NUL, &je);
        floe_status st;
        if (!row) {
            snprintf(err.msg, sizeof err.msg, "not valid JSON: %s", je.text);
            st = FLOE_ERR_BAD_INPUT;
        } else {
            st = floe_dbz_decode_row(row, &fx.fields, fx.schema, "after", fx.vals, &fx.arena,
                                     &err);
            json_decref(row);
        }
        if (st != FLOE_ERR_BAD_INPUT) FT__FAIL("row %s: status %d", bad[i].row, (int)st);
        CONTAINS(err.msg, bad[i].msg);
    }
    fx_free(&fx);
}

/* ---- encodings ------------------------------------------------------------- */

/* Decode one JSON value with one field into one column of type tname. */
static floe_status dec1(const char *json, floe_dbz_enc enc, int scale, const char *field_type,
                        const char *tname, floe_value *out, floe_buf *arena, floe_err *err) {
    floe_type t, ft;
    if (floe_type_parse(tname, &t, err) != FLOE_OK) abort();
    if (floe_type_parse(field_type ? field_type : tname, &ft, err) != FLOE_OK) abort();
    floe_dbz_field f = {(char *)"x", ft, enc, scale, 1};
    floe_dbz_fields fs = {&f, 1};
    floe_column c = {(char *)"x", t, 1, 1};
    floe_schema s = {&c, 1, NULL, 0};
    char row[512];
    snprintf(row, sizeof row, "{\"x\":%s}", json);
    json_error_t je;
    json_t *j = json_loads(row, JSON_ALLOW_NUL, &je);
    if (!j) {
        fprintf(stderr, "bad test JSON %s: %s\n", row, je.text);
        abort();
    }
    floe_status st = floe_dbz_decode_row(j, &fs, &s, "after", out, arena, err);
    json_decref(j);
    return st;
}

static void test_decimal_rescale(void) {
    floe_value v;
    floe_err err = {0};
    floe_buf a = FLOE_BUF_INIT;
    /* 123.45 encoded at scale 2 into decimal(12,4) */
    FT_OK(dec1("\"MDk=\"", FLOE_DBZ_DECIMAL_BYTES, 2, "decimal(12,2)", "decimal(12,4)", &v, &a,
               &err), &err);
    FT_CHECK(v.v.dec == 1234500);
    /* 1.2300 encoded at scale 4 into decimal(10,2): exact */
    FT_OK(dec1("\"MAw=\"", FLOE_DBZ_DECIMAL_BYTES, 4, "decimal(10,4)", "decimal(10,2)", &v, &a,
               &err), &err);
    FT_CHECK(v.v.dec == 123);
    /* 1.2345 into scale 2: refused */
    FT_EQ_INT(dec1("\"MDk=\"", FLOE_DBZ_DECIMAL_BYTES, 4, "decimal(10,4)", "decimal(10,2)", &v,
                   &a, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "after.x: decimal 1.2345 has more fraction digits than decimal(10,2)");
    /* scaling up past the precision */
    FT_EQ_INT(dec1("\"MDk=\"", FLOE_DBZ_DECIMAL_BYTES, 0, "decimal(5,0)", "decimal(6,2)", &v, &a,
                   &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "decimal 12345 out of range for decimal(6,2)");
    /* -1 and 0 in one byte; 17-byte sign extension */
    FT_OK(dec1("\"/w==\"", FLOE_DBZ_DECIMAL_BYTES, 0, "decimal(1,0)", "decimal(1,0)", &v, &a,
               &err), &err);
    FT_CHECK(v.v.dec == -1);
    FT_OK(dec1("\"AA==\"", FLOE_DBZ_DECIMAL_BYTES, 3, "decimal(5,3)", "decimal(5,3)", &v, &a,
               &err), &err);
    FT_CHECK(v.v.dec == 0);
    FT_OK(dec1("\"AEs7TKhahsR6CYoiP/////8=\"", FLOE_DBZ_DECIMAL_BYTES, 0, "decimal(38,0)",
               "decimal(38,0)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec > 0 && v.v.dec % 1000 == 999);
    FT_OK(dec1("\"/7TEs1eleTuF9nXdwAAAAAE=\"", FLOE_DBZ_DECIMAL_BYTES, 0, "decimal(38,0)",
               "decimal(38,0)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec < 0 && v.v.dec % 1000 == -999);
    /* BIGINT UNSIGNED precise: Decimal(20,0) */
    FT_OK(dec1("\"AP//////////\"", FLOE_DBZ_DECIMAL_BYTES, 0, "decimal(20,0)", "decimal(20,0)",
               &v, &a, &err), &err);
    FT_CHECK(v.v.dec == (floe_i128)UINT64_MAX);
    /* a decimal into a non-decimal column */
    FT_EQ_INT(dec1("\"AA==\"", FLOE_DBZ_DECIMAL_BYTES, 0, "decimal(5,0)", "bigint", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "cannot be stored in a bigint column");
    floe_buf_free(&a);
}

static void test_decimal_numeric_and_string(void) {
    floe_value v;
    floe_err err = {0};
    floe_buf a = FLOE_BUF_INIT;
    /* decimal.format=NUMERIC */
    FT_OK(dec1("12345678.9", FLOE_DBZ_DECIMAL_BYTES, 2, NULL, "decimal(10,2)", &v, &a, &err),
          &err);
    FT_CHECK(v.v.dec == 1234567890);
    FT_OK(dec1("12345678.90", FLOE_DBZ_DECIMAL_BYTES, 2, NULL, "decimal(10,2)", &v, &a, &err),
          &err);
    FT_CHECK(v.v.dec == 1234567890);
    FT_OK(dec1("-0.10", FLOE_DBZ_DECIMAL_BYTES, 2, NULL, "decimal(10,2)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == -10);
    FT_OK(dec1("5", FLOE_DBZ_DECIMAL_BYTES, 2, NULL, "decimal(10,2)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == 500);
    FT_OK(dec1("0E-10", FLOE_DBZ_DECIMAL_BYTES, 10, NULL, "decimal(20,10)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == 0);
    FT_OK(dec1("1.5E+3", FLOE_DBZ_DECIMAL_BYTES, 0, NULL, "decimal(10,0)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == 1500);
    FT_OK(dec1("123456789012.345", FLOE_DBZ_DECIMAL_BYTES, 6, NULL, "decimal(38,6)", &v, &a,
               &err), &err);
    FT_CHECK(v.v.dec == (floe_i128)123456789012345000LL);
    FT_EQ_INT(dec1("0.125", FLOE_DBZ_DECIMAL_BYTES, 2, NULL, "decimal(10,2)", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "decimal 0.125 has more fraction digits than decimal(10,2)");
    FT_EQ_INT(dec1("1234567890.123456", FLOE_DBZ_DECIMAL_BYTES, 6, NULL, "decimal(38,6)", &v,
                   &a, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "more than 15 significant digits");
    /* decimal.handling.mode=string: a plain string field */
    FT_OK(dec1("\"-12.3\"", FLOE_DBZ_PLAIN, 0, "string", "decimal(10,2)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == -1230);
    FT_EQ_INT(dec1("\"1.234\"", FLOE_DBZ_PLAIN, 0, "string", "decimal(10,2)", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "after.x: decimal \"1.234\" has 3 fraction digits");
    /* decimal.handling.mode=double into a decimal column */
    FT_OK(dec1("99.95", FLOE_DBZ_PLAIN, 0, "double", "decimal(10,2)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == 9995);
    /* VariableScaleDecimal */
    FT_OK(dec1("{\"scale\":3,\"value\":\"MDk=\"}", FLOE_DBZ_DECIMAL_VAR, 10, NULL,
               "decimal(38,10)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == (floe_i128)123450000000LL);
    FT_OK(dec1("{\"scale\":-2,\"value\":\"MDk=\"}", FLOE_DBZ_DECIMAL_VAR, 10, NULL,
               "decimal(38,10)", &v, &a, &err), &err);
    FT_CHECK(v.v.dec == (floe_i128)12345 * 100 * 10000000000LL);
    FT_EQ_INT(dec1("{\"scale\":11,\"value\":\"MDk=\"}", FLOE_DBZ_DECIMAL_VAR, 10, NULL,
                   "decimal(38,10)", &v, &a, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "more fraction digits");
    FT_EQ_INT(dec1("{\"value\":\"MDk=\"}", FLOE_DBZ_DECIMAL_VAR, 10, NULL, "decimal(38,10)", &v,
                   &a, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "after.x: expected \"scale\"");
    FT_EQ_INT(dec1("\"MDk=\"", FLOE_DBZ_DECIMAL_VAR, 10, NULL, "decimal(38,10)", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "expected an object");
    floe_buf_free(&a);
}

static void test_temporal(void) {
    floe_value v;
    floe_err err = {0};
    floe_buf a = FLOE_BUF_INIT;
    const int64_t base = 1714566896000000LL; /* 2024-05-01T12:34:56Z */
    static const struct {
        const char *s;
        int64_t us;
    } zoned[] = {
        {"\"2024-05-01T12:34:56Z\"", 0},
        {"\"2024-05-01T12:34:56.123456Z\"", 123456},
        {"\"2024-05-01T12:34:56.1Z\"", 100000},
        {"\"2024-05-01T12:34:56.123456000Z\"", 123456},
        {"\"2024-05-01T12:34:56+02:00\"", -7200000000LL},
        {"\"2024-05-01T12:34:56-05:30\"", 19800000000LL},
        {"\"2024-05-01T12:34:56+0200\"", -7200000000LL},
        {"\"2024-05-01T12:34:56+02\"", -7200000000LL},
        {"\"2024-05-01T12:34:56+00:00:30\"", -30000000LL},
        {"\"2024-05-01T12:34Z\"", -56000000LL},
        {"\"2024-05-01T12:34:56\"", 0},
        {"\"2024-05-01t12:34:56z\"", 0},
    };
    for (size_t i = 0; i < sizeof zoned / sizeof zoned[0]; i++) {
        FT_OK(dec1(zoned[i].s, FLOE_DBZ_TS_ZONED, 0, "string", "timestamp", &v, &a, &err), &err);
        if (v.v.i64 != base + zoned[i].us)
            FT__FAIL("%s: %lld != %lld", zoned[i].s, (long long)v.v.i64,
                     (long long)(base + zoned[i].us));
    }
    FT_OK(dec1("\"0001-01-01T00:00:00Z\"", FLOE_DBZ_TS_ZONED, 0, "string", "timestamp", &v, &a,
               &err), &err);
    FT_EQ_INT(v.v.i64, -719162LL * 86400000000LL);
    FT_OK(dec1("\"9999-12-31T23:59:59.999999Z\"", FLOE_DBZ_TS_ZONED, 0, "string", "timestamp", &v,
               &a, &err), &err);
    FT_EQ_INT(v.v.i64, 2932897LL * 86400000000LL - 1);
    FT_OK(dec1("\"1969-12-31T23:59:59.999999Z\"", FLOE_DBZ_TS_ZONED, 0, "string", "timestamp", &v,
               &a, &err), &err);
    FT_EQ_INT(v.v.i64, -1);
    FT_OK(dec1("\"2024-02-29T00:00:00Z\"", FLOE_DBZ_TS_ZONED, 0, "string", "timestamp", &v, &a,
               &err), &err);
    /* numeric encodings */
    FT_OK(dec1("1714566896123", FLOE_DBZ_TS_MS, 0, "bigint", "timestamp", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, base + 123000);
    FT_OK(dec1("-1", FLOE_DBZ_TS_MS, 0, "bigint", "timestamp", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, -1000);
    FT_OK(dec1("1714566896123456000", FLOE_DBZ_TS_NS, 0, "bigint", "timestamp", &v, &a, &err),
          &err);
    FT_EQ_INT(v.v.i64, base + 123456);
    FT_EQ_INT(dec1("1714566896123456789", FLOE_DBZ_TS_NS, 0, "bigint", "timestamp", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "sub-microsecond");
    FT_OK(dec1("-1", FLOE_DBZ_DATE_DAYS, 0, "int", "date", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, -1);
    FT_OK(dec1("19844", FLOE_DBZ_DATE_DAYS, 0, "int", "timestamp", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, 19844LL * 86400000000LL);
    FT_OK(dec1("45296789", FLOE_DBZ_TIME_MS, 0, "int", "bigint", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, 45296789000LL);
    FT_OK(dec1("45296789000000", FLOE_DBZ_TIME_NS, 0, "bigint", "bigint", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, 45296789000LL);
    FT_EQ_INT(dec1("45296789000", FLOE_DBZ_TIME_US, 0, "bigint", "int", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "out of range for int");
    FT_EQ_INT(dec1("1", FLOE_DBZ_TS_US, 0, "bigint", "date", &v, &a, &err), FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "MicroTimestamp (microseconds) value cannot be stored in a date column");
    /* PLAIN into a timestamp: floe's own form and ISO forms */
    FT_OK(dec1("\"2024-05-01T12:34:56.000001\"", FLOE_DBZ_PLAIN, 0, "string", "timestamp", &v, &a,
               &err), &err);
    FT_EQ_INT(v.v.i64, base + 1);
    floe_buf_free(&a);
}

static void test_bytes_and_scalars(void) {
    floe_value v;
    floe_err err = {0};
    floe_buf a = FLOE_BUF_INIT;
    FT_OK(dec1("\"DEADbeef\"", FLOE_DBZ_BYTES_HEX, 0, "binary", "binary", &v, &a, &err), &err);
    FT_EQ_U64(v.v.bytes.len, 4);
    FT_EQ_MEM(floe_value_bytes(&v, &a), "\xde\xad\xbe\xef", 4);
    FT_EQ_INT(dec1("\"DEA\"", FLOE_DBZ_BYTES_HEX, 0, "binary", "binary", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "after.x: invalid hex: odd length 3");
    FT_EQ_INT(dec1("\"DEAG\"", FLOE_DBZ_BYTES_HEX, 0, "binary", "binary", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "invalid hex: character 'G' at offset 3");
    FT_OK(dec1("\"-_8\"", FLOE_DBZ_BYTES_BASE64URL, 0, "binary", "binary", &v, &a, &err), &err);
    FT_EQ_U64(v.v.bytes.len, 2);
    FT_EQ_MEM(floe_value_bytes(&v, &a), "\xfb\xff", 2);
    FT_OK(dec1("\"-_8=\"", FLOE_DBZ_BYTES_BASE64URL, 0, "binary", "binary", &v, &a, &err), &err);
    FT_EQ_U64(v.v.bytes.len, 2);
    FT_EQ_INT(dec1("\"+/8=\"", FLOE_DBZ_BYTES_BASE64URL, 0, "binary", "binary", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "invalid base64url: character '+'");
    FT_EQ_INT(dec1("\"-_8=\"", FLOE_DBZ_BYTES_BASE64, 0, "binary", "binary", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "invalid base64: character '-'");
    FT_OK(dec1("\"aGk=\"", FLOE_DBZ_BYTES_BASE64, 0, "binary", "binary", &v, &a, &err), &err);
    FT_EQ_MEM(floe_value_bytes(&v, &a), "hi", 2);
    /* a string field under binary.handling.mode=hex: text column as is */
    FT_OK(dec1("\"caf\\u00e9\"", FLOE_DBZ_BYTES_HEX, 0, "string", "string", &v, &a, &err), &err);
    FT_EQ_U64(v.v.bytes.len, 5);
    /* ... binary column decoded */
    FT_OK(dec1("\"6869\"", FLOE_DBZ_BYTES_HEX, 0, "string", "binary", &v, &a, &err), &err);
    FT_EQ_MEM(floe_value_bytes(&v, &a), "hi", 2);
    /* a binary field into a string column must be UTF-8 */
    FT_OK(dec1("\"aGk=\"", FLOE_DBZ_BYTES_BASE64, 0, "binary", "string", &v, &a, &err), &err);
    FT_EQ_INT(dec1("\"/w==\"", FLOE_DBZ_BYTES_BASE64, 0, "binary", "string", &v, &a, &err),
              FLOE_ERR_BAD_INPUT);
    CONTAINS(err.msg, "not valid UTF-8");
    /* floats, booleans */
    FT_OK(dec1("\"Infinity\"", FLOE_DBZ_PLAIN, 0, NULL, "double", &v, &a, &err), &err);
    FT_CHECK(v.v.f64 == INFINITY);
    FT_OK(dec1("\"-Infinity\"", FLOE_DBZ_PLAIN, 0, NULL, "float", &v, &a, &err), &err);
    FT_CHECK(v.v.f64 == -INFINITY);
    FT_OK(dec1("\"NaN\"", FLOE_DBZ_PLAIN, 0, NULL, "double", &v, &a, &err), &err);
    FT_CHECK(isnan(v.v.f64));
    FT_OK(dec1("1", FLOE_DBZ_PLAIN, 0, NULL, "double", &v, &a, &err), &err);
    FT_CHECK(v.v.f64 == 1.0);
    FT_OK(dec1("1", FLOE_DBZ_PLAIN, 0, NULL, "boolean", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, 1);
    FT_OK(dec1("false", FLOE_DBZ_PLAIN, 0, NULL, "boolean", &v, &a, &err), &err);
    FT_EQ_INT(v.v.i64, 0);
    /* strings with NUL survive */
    FT_OK(dec1("\"a\\u0000b\"", FLOE_DBZ_PLAIN, 0, NULL, "string", &v, &a, &err), &err);
    FT_EQ_U64(v.v.bytes.len, 3);
    /* a column without a field decodes plain */
    floe_type t;
    FT_OK(floe_type_parse("binary", &t, &err), &err);
    floe_column c = {(char *)"y", t, 1, 1};
    floe_schema s = {&c, 1, NULL, 0};
    json_t *row = json_loads("{\"y\":\"aGk=\"}", 0, NULL);
    FT_OK(floe_dbz_decode_row(row, NULL, &s, NULL, &v, &a, &err), &err);
    FT_EQ_MEM(floe_value_bytes(&v, &a), "hi", 2);
    json_decref(row);
    floe_buf_free(&a);
}

/* ---- fields from schemas and MariaDB ---------------------------------------- */

static floe_status schema_fields(const char *json, const char *mode, floe_dbz_fields *out,
                                 floe_err *err) {
    json_t *j = json_loads(json, 0, NULL);
    if (!j) abort();
    floe_status st = floe_dbz_fields_from_schema(j, mode, out, err);
    json_decref(j);
    return st;
}

static void test_fields_from_schema(void) {
    floe_dbz_fields fs = {0};
    floe_err err = {0};
    /* the row struct handed directly */
    FT_OK(schema_fields(REV_ROW_SCHEMA("after"), NULL, &fs, &err), &err);
    FT_EQ_U64(fs.n, 10);
    FT_EQ_STR(fs.f[9].name, "rev_sha1");
    FT_EQ_INT(fs.f[9].type.kind, FLOE_T_BINARY);
    FT_EQ_INT(fs.f[9].enc, FLOE_DBZ_BYTES_BASE64);
    FT_EQ_INT(fs.f[7].optional, 1);
    FT_EQ_INT(fs.f[0].optional, 0);
    floe_dbz_fields_free(&fs);
    /* unknown logical names fall back; parameters may be integers; precision defaults to 38 */
    FT_OK(schema_fields(
              "{\"type\":\"struct\",\"fields\":["
              "{\"type\":\"int64\",\"name\":\"io.example.Custom\",\"field\":\"a\"},"
              "{\"type\":\"bytes\",\"name\":\"org.apache.kafka.connect.data.Decimal\","
              "\"parameters\":{\"scale\":4},\"field\":\"b\"},"
              "{\"type\":\"string\",\"name\":\"io.debezium.time.Date\",\"field\":\"c\"},"
              "{\"type\":\"int32\",\"name\":\"io.debezium.time.Year\",\"field\":\"d\"},"
              "{\"type\":\"struct\",\"name\":\"io.debezium.data.VariableScaleDecimal\","
              "\"fields\":[{\"type\":\"int32\",\"field\":\"scale\"},{\"type\":\"bytes\","
              "\"field\":\"value\"}],\"field\":\"e\"},"
              "{\"type\":\"int32\",\"name\":\"io.debezium.time.Time\",\"field\":\"f\"},"
              "{\"type\":\"int64\",\"name\":\"io.debezium.time.NanoTimestamp\",\"field\":\"g\"},"
              "{\"type\":\"string\",\"field\":\"h\"}]}",
              "hex", &fs, &err),
          &err);
    FT_EQ_INT(fs.f[0].type.kind, FLOE_T_BIGINT);
    FT_EQ_INT(fs.f[0].enc, FLOE_DBZ_PLAIN);
    FT_EQ_INT(fs.f[1].type.kind, FLOE_T_DECIMAL);
    FT_EQ_INT(fs.f[1].type.precision, 38);
    FT_EQ_INT(fs.f[1].type.scale, 4);
    FT_EQ_INT(fs.f[1].scale, 4);
    FT_EQ_INT(fs.f[2].type.kind, FLOE_T_STRING);
    FT_EQ_INT(fs.f[3].type.kind, FLOE_T_INT);
    FT_EQ_INT(fs.f[4].enc, FLOE_DBZ_DECIMAL_VAR);
    FT_EQ_INT(fs.f[4].type.precision, 38);
    FT_EQ_INT(fs.f[4].type.scale, 10);
    FT_EQ_INT(fs.f[5].enc, FLOE_DBZ_TIME_MS);
    FT_EQ_INT(fs.f[5].type.kind, FLOE_T_BIGINT);
    FT_EQ_INT(fs.f[6].enc, FLOE_DBZ_TS_NS);
    FT_EQ_INT(fs.f[7].type.kind, FLOE_T_STRING); /* text or a hex binary: decided by the column */
    FT_EQ_INT(fs.f[7].enc, FLOE_DBZ_BYTES_HEX);
    floe_dbz_fields_free(&fs);
    /* column.propagate.source.type marks binary columns sent as strings */
    FT_OK(schema_fields("{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"parameters\":{"
                        "\"__debezium.source.column.type\":\"VARBINARY\","
                        "\"__debezium.source.column.length\":\"32\"},\"field\":\"rev_sha1\"}]}",
                        "base64-url-safe", &fs, &err),
          &err);
    FT_EQ_INT(fs.f[0].type.kind, FLOE_T_BINARY);
    FT_EQ_INT(fs.f[0].enc, FLOE_DBZ_BYTES_BASE64URL);
    floe_dbz_fields_free(&fs);

    static const struct {
        const char *schema;
        floe_status code;
        const char *msg;
    } bad[] = {
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"struct\",\"name\":"
         "\"io.debezium.data.geometry.Point\",\"fields\":[],\"field\":\"pt\"}]}",
         FLOE_ERR_UNSUPPORTED,
         "field pt: Kafka Connect type struct (io.debezium.data.geometry.Point) is not supported"},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"bytes\",\"name\":"
         "\"org.apache.kafka.connect.data.Decimal\",\"parameters\":{\"scale\":\"30\","
         "\"connect.decimal.precision\":\"65\"},\"field\":\"big\"}]}",
         FLOE_ERR_UNSUPPORTED, "field big: decimal(65,30) is wider than floe's 38 digits"},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"bytes\",\"name\":"
         "\"org.apache.kafka.connect.data.Decimal\",\"field\":\"d\"}]}",
         FLOE_ERR_BAD_INPUT, "field d: Decimal schema without a valid \"scale\""},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"array\",\"items\":{\"type\":\"int32\"},"
         "\"field\":\"arr\"}]}",
         FLOE_ERR_UNSUPPORTED, "field arr: Kafka Connect type array"},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"int128\",\"field\":\"x\"}]}",
         FLOE_ERR_UNSUPPORTED, "field x: unknown Kafka Connect type \"int128\""},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\",\"field\":\"x\"},"
         "{\"type\":\"int32\",\"field\":\"x\"}]}",
         FLOE_ERR_BAD_INPUT, "field x appears twice"},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"int32\"}]}", FLOE_ERR_BAD_INPUT,
         "fields[0] has no valid \"field\" name"},
        {"{\"type\":\"struct\",\"fields\":[{\"field\":\"x\"}]}", FLOE_ERR_BAD_INPUT,
         "field x: schema has no \"type\""},
        {"{\"type\":\"string\"}", FLOE_ERR_BAD_INPUT, "expected a struct schema"},
        {"{\"type\":\"struct\",\"fields\":[]}", FLOE_ERR_BAD_INPUT, "no fields"},
        {"{\"type\":\"struct\",\"fields\":[{\"type\":\"string\",\"optional\":false,"
         "\"field\":\"op\"}],\"name\":\"x.Envelope\"}",
         FLOE_ERR_BAD_INPUT, "envelope without a struct \"after\" or \"before\""},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        floe_status st = schema_fields(bad[i].schema, NULL, &fs, &err);
        if (st != bad[i].code) FT__FAIL("schema %zu: status %d: %s", i, (int)st, err.msg);
        CONTAINS(err.msg, bad[i].msg);
        FT_CHECK(fs.f == NULL && fs.n == 0);
    }
    /* an envelope whose after struct is missing: the before struct */
    FT_OK(schema_fields("{\"type\":\"struct\",\"fields\":[" REV_ROW_SCHEMA("before")
                        ",{\"type\":\"string\",\"optional\":false,\"field\":\"op\"}],"
                        "\"name\":\"mw.wikidb.revision.Envelope\"}",
                        NULL, &fs, &err),
          &err);
    FT_EQ_U64(fs.n, 10);
    FT_EQ_STR(fs.f[0].name, "rev_id");
    floe_dbz_fields_free(&fs);
    FT_EQ_INT(schema_fields(REV_ROW_SCHEMA("after"), "base32", &fs, &err), FLOE_ERR_INVALID);
    CONTAINS(err.msg, "unknown binary.handling.mode \"base32\"");
}

static void test_fields_from_mariadb(void) {
    floe_dbz_field f;
    floe_err err = {0};
    static const struct {
        const char *dt, *ct;
        long p, s, dtp;
        const char *mode;
        int precise;
        const char *type;
        floe_dbz_enc enc;
        int scale;
    } cases[] = {
        {"tinyint", "tinyint(1)", 3, 0, -1, NULL, 0, "tinyint", FLOE_DBZ_PLAIN, 0},
        {"tinyint", "tinyint(3) unsigned zerofill", 3, 0, -1, NULL, 0, "smallint", FLOE_DBZ_PLAIN,
         0},
        {"smallint", "smallint(5) unsigned", 5, 0, -1, NULL, 0, "int", FLOE_DBZ_PLAIN, 0},
        {"mediumint", "mediumint(8) unsigned", 7, 0, -1, NULL, 0, "int", FLOE_DBZ_PLAIN, 0},
        {"int", "int(10) unsigned", 10, 0, -1, NULL, 0, "bigint", FLOE_DBZ_PLAIN, 0},
        {"INT", "INT(11)", 10, 0, -1, NULL, 0, "int", FLOE_DBZ_PLAIN, 0},
        {"bigint", "bigint(20) unsigned", 20, 0, -1, NULL, 0, "bigint", FLOE_DBZ_PLAIN, 0},
        {"bigint", "bigint(20) unsigned", 20, 0, -1, NULL, 1, "decimal(20,0)",
         FLOE_DBZ_DECIMAL_BYTES, 0},
        {"bigint", "bigint(20)", 19, 0, -1, NULL, 1, "bigint", FLOE_DBZ_PLAIN, 0},
        {"bit", "bit(1)", 1, -1, -1, NULL, 0, "boolean", FLOE_DBZ_PLAIN, 0},
        {"bit", "bit(64)", 64, -1, -1, "hex", 0, "binary", FLOE_DBZ_BYTES_BASE64, 0},
        {"decimal", "decimal(10,2)", 10, 2, -1, NULL, 0, "decimal(10,2)", FLOE_DBZ_DECIMAL_BYTES,
         2},
        {"decimal", "decimal(38,6) unsigned", -1, -1, -1, NULL, 0, "decimal(38,6)",
         FLOE_DBZ_DECIMAL_BYTES, 6},
        {"numeric", "decimal(10,0)", 10, 0, -1, NULL, 0, "decimal(10,0)", FLOE_DBZ_DECIMAL_BYTES,
         0},
        {"float", "float", 12, -1, -1, NULL, 0, "float", FLOE_DBZ_PLAIN, 0},
        {"float", "float(10,2)", 10, 2, -1, NULL, 0, "double", FLOE_DBZ_PLAIN, 0},
        {"double", "double", 22, -1, -1, NULL, 0, "double", FLOE_DBZ_PLAIN, 0},
        {"real", "double", 22, -1, -1, NULL, 0, "double", FLOE_DBZ_PLAIN, 0},
        {"char", "char(3)", -1, -1, -1, "hex", 0, "string", FLOE_DBZ_PLAIN, 0},
        {"mediumtext", "mediumtext", -1, -1, -1, "hex", 0, "string", FLOE_DBZ_PLAIN, 0},
        {"set", "set('x','y')", -1, -1, -1, NULL, 0, "string", FLOE_DBZ_PLAIN, 0},
        {"json", "json", -1, -1, -1, NULL, 0, "string", FLOE_DBZ_PLAIN, 0},
        {"binary", "binary(14)", -1, -1, -1, NULL, 0, "binary", FLOE_DBZ_BYTES_BASE64, 0},
        {"varbinary", "varbinary(32)", -1, -1, -1, "base64", 0, "binary", FLOE_DBZ_BYTES_BASE64, 0},
        {"mediumblob", "mediumblob", -1, -1, -1, "hex", 0, "binary", FLOE_DBZ_BYTES_HEX, 0},
        {"longblob", "longblob", -1, -1, -1, "base64-url-safe", 0, "binary",
         FLOE_DBZ_BYTES_BASE64URL, 0},
        {"date", "date", -1, -1, -1, NULL, 0, "date", FLOE_DBZ_DATE_DAYS, 0},
        {"datetime", "datetime", -1, -1, 0, NULL, 0, "timestamp", FLOE_DBZ_TS_MS, 0},
        {"datetime", "datetime(3)", -1, -1, 3, NULL, 0, "timestamp", FLOE_DBZ_TS_MS, 0},
        {"datetime", "datetime(4)", -1, -1, 4, NULL, 0, "timestamp", FLOE_DBZ_TS_US, 0},
        {"datetime", "datetime(6)", -1, -1, -1, NULL, 0, "timestamp", FLOE_DBZ_TS_US, 0},
        {"timestamp", "timestamp(6)", -1, -1, 6, NULL, 0, "timestamp", FLOE_DBZ_TS_ZONED, 0},
        {"time", "time", -1, -1, 0, NULL, 0, "bigint", FLOE_DBZ_TIME_US, 0},
        {"year", "year(4)", -1, -1, -1, NULL, 0, "int", FLOE_DBZ_PLAIN, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FT_OK(floe_dbz_field_from_mariadb("col", cases[i].dt, cases[i].ct, cases[i].p, cases[i].s,
                                          cases[i].dtp, (int)(i % 2), cases[i].mode,
                                          cases[i].precise, &f, &err),
              &err);
        char tn[48];
        floe_type_format(f.type, tn, sizeof tn);
        if (strcmp(tn, cases[i].type) || f.enc != cases[i].enc || f.scale != cases[i].scale)
            FT__FAIL("%s %s: got %s enc %d scale %d", cases[i].dt, cases[i].ct, tn, (int)f.enc,
                     f.scale);
        FT_EQ_STR(f.name, "col");
        FT_EQ_INT(f.optional, (int)(i % 2));
        free(f.name);
    }
    FT_EQ_INT(floe_dbz_field_from_mariadb("geo", "geometry", "geometry", -1, -1, -1, 1, NULL, 0,
                                          &f, &err),
              FLOE_ERR_UNSUPPORTED);
    CONTAINS(err.msg, "column geo: MariaDB type geometry (geometry) is not supported");
    FT_CHECK(f.name == NULL);
    FT_EQ_INT(floe_dbz_field_from_mariadb("id", "uuid", "uuid", -1, -1, -1, 0, NULL, 0, &f, &err),
              FLOE_ERR_UNSUPPORTED);
    CONTAINS(err.msg, "column id: MariaDB type uuid");
    FT_EQ_INT(floe_dbz_field_from_mariadb("big", "decimal", "decimal(65,30)", 65, 30, -1, 0, NULL,
                                          0, &f, &err),
              FLOE_ERR_UNSUPPORTED);
    CONTAINS(err.msg, "column big: decimal(65,30) is wider than floe's 38 digits");
    FT_EQ_INT(floe_dbz_field_from_mariadb("b", "blob", "blob", -1, -1, -1, 0, "raw", 0, &f, &err),
              FLOE_ERR_INVALID);
    CONTAINS(err.msg, "unknown binary.handling.mode \"raw\"");
}

/* The table's columns in another order than the message fields (a table
 * evolved by floe, or a key-first layout): fields are matched by name. */
static void test_fields_matched_by_name(void) {
    fixture fx = {0};
    floe_err err = {0};
    FT_OK(parse(all_create_on, &fx, &err), &err);
    FT_OK(floe_dbz_fields_from_schema(fx.ev.value_schema, NULL, &fx.fields, &err), &err);
    floe_dbz_fields rev = {calloc(fx.fields.n, sizeof *rev.f), fx.fields.n};
    FT_CHECK(rev.f != NULL);
    for (size_t i = 0; i < fx.fields.n; i++) rev.f[i] = fx.fields.f[fx.fields.n - 1 - i];
    FT_OK(floe_dbz_schema(&rev, NULL, 0, &fx.schema, &err), &err);
    FT_EQ_STR(fx.schema->cols[0].name, "c_json");
    /* decode with the fields in message order against the reversed table */
    FT_OK(floe_dbz_decode_row(fx.ev.after, &fx.fields, fx.schema, "after", fx.vals, &fx.arena,
                              &err),
          &err);
    check_all_min(&fx);
    free(rev.f); /* names are owned by fx.fields */
    fx_free(&fx);
}

static void test_schema_build(void) {
    floe_err err = {0};
    fixture fx = {0};
    FT_OK(fields_from_mariadb(revision_cols, 10, NULL, 0, &fx.fields, &err), &err);
    const char *bad_key[] = {"rev_id", "rev_nope"};
    FT_EQ_INT(build(&fx, bad_key, 2, &err), FLOE_ERR_INVALID);
    CONTAINS(err.msg, "primary key column \"rev_nope\" is not a field of the table");
    FT_CHECK(fx.schema == NULL);
    /* a composite key, no key at all */
    const char *key2[] = {"rev_page", "rev_id"};
    FT_OK(build(&fx, key2, 2, &err), &err);
    FT_EQ_U64(fx.schema->npk, 2);
    FT_EQ_U64(fx.schema->pk[0], 1);
    FT_EQ_U64(fx.schema->pk[1], 0);
    floe_schema_destroy(fx.schema);
    FT_OK(build(&fx, NULL, 0, &err), &err);
    FT_EQ_U64(fx.schema->npk, 0);
    FT_EQ_INT(fx.schema->cols[7].nullable, 1);
    FT_EQ_INT(fx.schema->cols[9].id, 10);
    floe_schema_destroy(fx.schema);
    fx.schema = NULL;
    /* a nullable key column becomes NOT NULL */
    const char *key3[] = {"rev_len"};
    FT_OK(build(&fx, key3, 1, &err), &err);
    FT_EQ_INT(fx.schema->cols[7].nullable, 0);
    floe_schema_destroy(fx.schema);
    fx.schema = NULL;
    /* floe's schema rules still apply: no float keys */
    floe_dbz_fields_free(&fx.fields);
    FT_OK(fields_from_mariadb(alltypes_cols, NALL, NULL, 0, &fx.fields, &err), &err);
    const char *key4[] = {"c_float"};
    FT_EQ_INT(build(&fx, key4, 1, &err), FLOE_ERR_INVALID);
    CONTAINS(err.msg, "float and double columns cannot be key columns");
    floe_dbz_fields empty = {0};
    FT_EQ_INT(floe_dbz_schema(&empty, NULL, 0, &fx.schema, &err), FLOE_ERR_INVALID);
    fx_free(&fx);
}

/* The schema cache parses only the payload when the schema text repeats,
 * and gives the same results as a full parse. */
static void test_parse_cached(void) {
    floe_err e = {0};
    floe_dbz_schema_cache cache = {0};
    floe_dbz_event a, b, c;
    json_t *ra = NULL, *rb = NULL, *rc = NULL;
    FT_OK(floe_dbz_parse_cached(rev_create_on, strlen(rev_create_on), &cache, &a, &ra, &e), &e);
    FT_CHECK(a.value_schema != NULL);
    FT_OK(floe_dbz_parse_cached(rev_delete_on, strlen(rev_delete_on), &cache, &b, &rb, &e), &e);
    json_t *rfull = NULL;
    floe_dbz_event full;
    FT_OK(floe_dbz_parse(rev_delete_on, strlen(rev_delete_on), &full, &rfull, &e), &e);
    FT_EQ_INT(b.op, full.op);
    FT_CHECK(json_equal((json_t *)b.before, (json_t *)full.before));
    FT_CHECK(json_equal((json_t *)b.value_schema, (json_t *)full.value_schema));
    if (json_equal((json_t *)a.value_schema, (json_t *)b.value_schema))
        FT_CHECK(a.value_schema == b.value_schema); /* reused, not reparsed */
    /* a schemas-off message goes the plain way */
    FT_OK(floe_dbz_parse_cached(rev_update_off, strlen(rev_update_off), &cache, &c, &rc, &e), &e);
    FT_CHECK(c.value_schema == NULL);
    FT_EQ_INT(c.op, 'u');
    json_decref(ra);
    json_decref(rb);
    json_decref(rc);
    json_decref(rfull);
    floe_dbz_schema_cache_free(&cache);
}

/* ---- the scanner against the jansson path ----------------------------------- */

/* Run msg through dbz_diff with a persistent scanner and cache; returns
 * whether the scanner decoded it. */
static int diff_one(floe_dbz_scanner *sc, const char *msg, size_t len, const floe_dbz_fields *fs,
                    const floe_schema *s, floe_dbz_schema_cache *cache) {
    char why[512];
    int scanned = 0;
    if (!dbz_diff(sc, msg, len, fs, s, cache, &scanned, why, sizeof why))
        FT__FAIL("scanner and jansson differ on %.*s: %s", (int)(len > 400 ? 400 : len),
                 msg ? msg : "", why);
    return scanned;
}

/* The fixture messages: well-formed ones are decoded by the scanner (with
 * schemas on once the schema is cached), with the jansson path's values. */
static void test_scan_messages(void) {
    floe_err err = {0};
    fixture on = {0}, off = {0}, all = {0};
    FT_OK(parse(rev_create_on, &on, &err), &err);
    FT_OK(floe_dbz_fields_from_schema(on.ev.value_schema, NULL, &on.fields, &err), &err);
    const char *key[] = {"rev_id"}, *idkey[] = {"id"};
    FT_OK(build(&on, key, 1, &err), &err);
    FT_OK(fields_from_mariadb(revision_cols, sizeof revision_cols / sizeof revision_cols[0],
                              "bytes", 0, &off.fields, &err),
          &err);
    FT_OK(build(&off, key, 1, &err), &err);
    FT_OK(fields_from_mariadb(alltypes_cols, NALL, "bytes", 0, &all.fields, &err), &err);
    FT_OK(build(&all, idkey, 1, &err), &err);
    floe_dbz_scanner *sc = NULL;
    floe_dbz_schema_cache cache = {0};
    FT_OK(floe_dbz_scanner_create(&sc, &err), &err);
    FT_CHECK(!floe_dbz_scanner_ready(sc));
    FT_EQ_INT(floe_dbz_scan(sc, "{}", 2, NULL, &(floe_dbz_scanned){0}, all.vals, all.vals,
                            &all.arena),
              0);
    FT_OK(floe_dbz_scanner_plan(sc, &on.fields, on.schema, &err), &err);
    FT_EQ_INT(diff_one(sc, rev_create_on, strlen(rev_create_on), &on.fields, on.schema, &cache),
              0); /* the schema is not cached yet */
    FT_EQ_INT(diff_one(sc, rev_create_on, strlen(rev_create_on), &on.fields, on.schema, &cache),
              1);
    FT_EQ_INT(diff_one(sc, rev_delete_on, strlen(rev_delete_on), &on.fields, on.schema, &cache),
              1);
    FT_EQ_INT(diff_one(sc, "", 0, &on.fields, on.schema, &cache), 1);
    FT_EQ_INT(diff_one(sc, "null", 4, &on.fields, on.schema, &cache), 1);
    FT_OK(floe_dbz_scanner_plan(sc, &off.fields, off.schema, &err), &err);
    const char *offs[] = {rev_update_off, rev_read_off, rev_truncate_off};
    for (size_t i = 0; i < 3; i++)
        FT_EQ_INT(diff_one(sc, offs[i], strlen(offs[i]), &off.fields, off.schema, &cache), 1);
    /* the update's before and after, decoded in one pass */
    floe_dbz_scanned r;
    floe_value b[16], a[16];
    floe_buf arena = FLOE_BUF_INIT;
    FT_EQ_INT(floe_dbz_scan(sc, rev_update_off, strlen(rev_update_off), &cache, &r, b, a, &arena),
              1);
    FT_EQ_INT(r.op, 'u');
    FT_CHECK(r.has_before && r.has_after && !r.unknown && !r.value_schema);
    FT_EQ_INT(b[6].v.i64, 0);
    FT_EQ_INT(a[6].v.i64, 6);
    FT_CHECK(a[8].is_null);
    FT_EQ_INT(a[4].v.bytes.len, 14);
    FT_EQ_MEM(floe_value_bytes(&a[4], &arena), "20240501123456", 14);
    /* a member the table lacks is reported */
    static const char extra[] = "{\"op\":\"c\",\"after\":{\"rev_id\":1,\"rev_new\":2}}";
    FT_EQ_INT(floe_dbz_scan(sc, extra, strlen(extra), &cache, &r, b, a, &arena), 1);
    FT_CHECK(r.unknown && a[1].is_null && a[0].v.i64 == 1);
    floe_buf_free(&arena);
    FT_OK(floe_dbz_scanner_plan(sc, &all.fields, all.schema, &err), &err);
    FT_EQ_INT(diff_one(sc, all_update_off, strlen(all_update_off), &all.fields, all.schema, &cache),
              1);
    diff_one(sc, all_create_on, strlen(all_create_on), &all.fields, all.schema, &cache);
    FT_EQ_INT(diff_one(sc, all_create_on, strlen(all_create_on), &all.fields, all.schema, &cache),
              1);
    floe_dbz_schema_cache_free(&cache);
    floe_dbz_scanner_destroy(sc);
    fx_free(&on);
    fx_free(&off);
    fx_free(&all);
}

/* ---- randomized differential test ---- */

static uint64_t rnd_state;
static uint64_t rnd(void) {
    rnd_state ^= rnd_state << 13;
    rnd_state ^= rnd_state >> 7;
    rnd_state ^= rnd_state << 17;
    return rnd_state;
}
static size_t rnd_below(size_t n) { return (size_t)(rnd() % n); }
#define PICK(arr) (arr)[rnd_below(sizeof(arr) / sizeof((arr)[0]))]

typedef struct gbuf {
    char *p;
    size_t len, cap;
} gbuf;

static void gput(gbuf *g, const char *s, size_t n) {
    if (g->len + n + 1 > g->cap) {
        g->cap = (g->len + n + 1) * 2;
        g->p = realloc(g->p, g->cap);
        if (!g->p) abort();
    }
    memcpy(g->p + g->len, s, n);
    g->len += n;
    g->p[g->len] = 0;
}
static void gs(gbuf *g, const char *s) { gput(g, s, strlen(s)); }
static void gws(gbuf *g) {
    static const char *const w[] = {" ", "\n", "\t ", "\r\n  "};
    if (rnd_below(12) == 0) gs(g, PICK(w));
}

static const char *const v_int[] = {
    "0", "1", "-1", "127", "128", "-128", "-129", "255", "32767", "32768", "-32769",
    "2147483647", "2147483648", "-2147483649", "4294967295", "9223372036854775807",
    "-9223372036854775808", "9223372036854775808", "-9223372036854775809",
    "123456789012345678901234", "-0", "00", "01", "1714566896000", "1714566896000123",
    "1714566896000123456", "86399999999", "19844", "-719162", "2932897", "1234567890123"};
static const char *const v_real[] = {
    "1.0", "1e3", "-2.5", "0.1", "1e400", "-1e400", "1E-400", "3.4028235e38", "3.5e38",
    "12345.678", "1.5e-7", "0.30000000000000004", "1.", ".5", "1e", "-", "2.25E+2",
    "123456789012.34", "-0.0"};
static const char *const v_str[] = {
    "\"\"", "\"abc\"", "\"a\\\"b\"", "\"tab\\tnl\\n\\r\\b\\f\"", "\"\\u00e9t\\u00E9\"",
    "\"\\ud83d\\ude00\"", "\"\\ud83d\"", "\"\\ude00x\"", "\"\\u0000\"", "\"a\\u0000b\"",
    "\"caf\xc3\xa9\"", "\"\xe2\x82\xac 5\"", "\"\xf0\x9f\x98\x80\"", "\"\xc3\"", "\"\xed\xa0\x80\"",
    "\"\xc0\xaf\"", "\"\xf4\x90\x80\x80\"", "\"\x01\"", "\"\x7f\"", "\"\\x\"", "\"\\/\\\\\"",
    "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"nan\"", "\"12.5\"", "\"-0.01\"",
    "\"99999999.999\"", "\"1e5\"", "\"2024-05-01\"", "\"2024-02-30\"", "\"a,b\"",
    "\"\\u0041\\u00df\\u6771\\ud801\\udc37\"", "\"unterminated"};
static const char *const v_ts[] = {
    "\"2024-05-01T12:34:56Z\"", "\"2024-05-01T12:34:56.123456+02:00\"",
    "\"2024-05-01T12:34:56.1234567Z\"", "\"2024-05-01T12:34:56.123456000Z\"",
    "\"2024-02-30T00:00:00Z\"", "\"0000-01-01T00:00:00Z\"", "\"9999-12-31T23:59:59.999999Z\"",
    "\"2024-05-01T12:34\"", "\"2024-05-01 12:34:56\"", "\"2024-05-01T12:34:56+1800\"",
    "\"2024-05-01T12:34:56-18:01\"", "\"2024-05-01T12:34:56\\u005a\""};
static const char *const v_b64[] = {
    "\"AQ==\"", "\"AAE=\"", "\"/w==\"", "\"gAAAAAAAAAAAAAAAAAAAAAA=\"",
    "\"AP////////////////////8=\"", "\"MjAyNDA1MDExMjM0NTY=\"", "\"AQ\"", "\"A===\"",
    "\"@@@@\"", "\"\\/w==\"", "\"YQ==\"", "\"w6k=\"", "\"/w8=\"", "\"\"", "\"BNI=\"",
    "\"ff00\"", "\"0A1b\"", "\"abc\"", "\"-_8=\"", "\"QUJD\"", "\"QQ=A\"",
    "\"cGhvaWFjOWg0bTg0MnhxNDVzcDdzNnUyMWV0ZWVxMQ==\""};
static const char *const v_other[] = {
    "true", "false", "null", "nul", "tru", "{}", "[]", "[1,\"a\",null]",
    "{\"scale\":2,\"value\":\"AQ==\"}", "{\"a\":1,\"a\":2}", "{\"value\":\"AQ==\",\"scale\":-1}",
    "[[[[]]]]", "{\"x\":{\"y\":[true]}}"};

static const char *const g_int[] = {"0", "1", "-1", "42", "100", "-0", "127", "-128"};
static const char *const g_float[] = {"1.5", "0", "-2.25", "1e3", "\"NaN\"", "\"Infinity\"",
                                      "\"-Infinity\"", "12345.678", "-0.0", "3"};
static const char *const g_dec[] = {"\"AQ==\"", "\"BNI=\"", "\"/w==\"", "\"AAE=\"", "1", "-42",
                                     "\"AA==\""};
static const char *const g_str[] = {
    "\"\"", "\"abc\"", "\"a\\\"b\"", "\"tab\\tnl\\n\\r\\b\\f\"", "\"\\u00e9t\\u00E9\"",
    "\"\\ud83d\\ude00\"", "\"a\\u0000b\"", "\"caf\xc3\xa9\"", "\"\xe2\x82\xac 5\"",
    "\"\xf0\x9f\x98\x80\"", "\"\x7f\"", "\"\\/\\\\\"", "\"\\u0041\\u00df\\u6771\\ud801\\udc37\""};
static const char *const g_bin[] = {"\"AQ==\"", "\"\"", "\"MjAyNDA1MDExMjM0NTY=\"", "\"\\/w==\"",
                                    "\"w6k=\""};
static const char *const g_ts[] = {"\"2024-05-01T12:34:56Z\"",
                                   "\"2024-05-01T12:34:56.123456+02:00\"",
                                   "\"9999-12-31T23:59:59.999999Z\"",
                                   "\"2024-05-01T12:34:56.123456000Z\""};

static size_t g_noise; /* 1 in g_noise values is drawn from every pool (0: none) */

static void gen_value(gbuf *g, floe_type_kind k, floe_dbz_enc enc) {
    if (g_noise && rnd_below(g_noise) == 0) {
        switch (rnd_below(5)) {
        case 0: gs(g, PICK(v_other)); return;
        case 1: gs(g, PICK(v_str)); return;
        case 2: gs(g, PICK(v_real)); return;
        case 3: gs(g, PICK(v_ts)); return;
        default: gs(g, rnd_below(2) ? PICK(v_int) : PICK(v_b64)); return;
        }
    }
    if (enc == FLOE_DBZ_BYTES_HEX) {
        gs(g, rnd_below(2) ? "\"ff00\"" : "\"0A1b\"");
        return;
    }
    if (enc == FLOE_DBZ_TS_MS || enc == FLOE_DBZ_TS_US || enc == FLOE_DBZ_TS_NS) {
        gs(g, rnd_below(2) ? "1714566896000" : "-1000");
        return;
    }
    switch (k) {
    case FLOE_T_BOOLEAN: gs(g, rnd_below(2) ? (rnd_below(2) ? "true" : "false") : "1"); break;
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: gs(g, PICK(g_float)); break;
    case FLOE_T_DECIMAL: gs(g, PICK(g_dec)); break;
    case FLOE_T_STRING: gs(g, PICK(g_str)); break;
    case FLOE_T_BINARY: gs(g, PICK(g_bin)); break;
    case FLOE_T_TIMESTAMP: gs(g, PICK(g_ts)); break;
    default: gs(g, PICK(g_int)); break;
    }
}

static void gen_row(gbuf *g, const floe_schema *s, const floe_dbz_fields *fs) {
    size_t n = s->ncols, order[64];
    for (size_t i = 0; i < n; i++) order[i] = i;
    if (rnd_below(4) == 0)
        for (size_t i = n - 1; i > 0; i--) {
            size_t j = rnd_below(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    gs(g, "{");
    gws(g);
    int first = 1;
    for (size_t i = 0; i < n; i++) {
        if (rnd_below(20) == 0) continue; /* missing */
        size_t c = order[i];
        if (!first) gs(g, ",");
        first = 0;
        gws(g);
        size_t e = rnd_below(1500);
        gs(g, "\"");
        gs(g, e == 0 ? "zz_unknown" : e == 1 ? "\\u0069d" : s->cols[c].name);
        gs(g, "\"");
        gws(g);
        gs(g, ":");
        gws(g);
        if (rnd_below(8) == 0)
            gs(g, "null");
        else
            gen_value(g, s->cols[c].type.kind, fs->f[c].enc);
        if (rnd_below(2000) == 0) { /* a duplicate */
            gs(g, ",\"");
            gs(g, s->cols[c].name);
            gs(g, "\":1");
        }
    }
    gws(g);
    gs(g, "}");
}

static void gen_message(gbuf *g, const floe_schema *s, const floe_dbz_fields *fs,
                        const char *schema_text) {
    static const char *const ops[] = {"\"c\"", "\"u\"", "\"d\"", "\"r\"", "\"c\"", "\"u\"",
                                      "\"d\"", "\"t\"", "\"x\"", "\"cc\"", "1", "null",
                                      "\"\\u0063\""};
    static const char *const good_ops[] = {"\"c\"", "\"u\"", "\"d\"", "\"r\"", "\"c\"", "\"t\""};
    int env = schema_text && rnd_below(3) == 0;
    if (env) {
        gs(g, "{\"schema\":");
        gs(g, rnd_below(10) ? schema_text : "null");
        gs(g, ",\"payload\":");
        if (rnd_below(15) == 0) {
            gs(g, "null}");
            return;
        }
    }
    const char *members[] = {"before", "after", "source", "op", "ts_ms", "transaction", "xtra"};
    size_t m = sizeof members / sizeof members[0], order[8];
    for (size_t i = 0; i < m; i++) order[i] = i;
    if (rnd_below(5) == 0)
        for (size_t i = m - 1; i > 0; i--) {
            size_t j = rnd_below(i + 1), t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
    gws(g);
    gs(g, "{");
    int first = 1;
    for (size_t i = 0; i < m; i++) {
        size_t k = order[i];
        if ((k == 6 && rnd_below(10)) || (k != 3 && rnd_below(25) == 0) ||
            (k == 3 && rnd_below(40) == 0))
            continue;
        if (!first) gs(g, ",");
        first = 0;
        gws(g);
        gs(g, "\"");
        gs(g, members[k]);
        gs(g, "\":");
        gws(g);
        switch (k) {
        case 0:
        case 1:
            if (rnd_below(3) == 0)
                gs(g, rnd_below(30) ? "null" : PICK(v_other));
            else
                gen_row(g, s, fs);
            break;
        case 2:
            gs(g, rnd_below(50) ? REV_SOURCE("1543", "0", "false") : PICK(v_other));
            break;
        case 3: gs(g, rnd_below(10) ? PICK(good_ops) : PICK(ops)); break;
        case 4: gs(g, rnd_below(20) ? PICK(g_int) : rnd_below(2) ? PICK(v_int) : PICK(v_real)); break;
        case 5:
            gs(g, rnd_below(2) ? "null"
                               : "{\"id\":\"t1\",\"total_order\":1,\"data_collection_order\":1}");
            break;
        default: gs(g, PICK(v_other)); break;
        }
        if (k == 3 && rnd_below(100) == 0) gs(g, ",\"op\":\"c\""); /* duplicate */
    }
    gws(g);
    gs(g, "}");
    if (env) gs(g, "}");
    gws(g);
}

static void mutate(gbuf *g) {
    if (g->len == 0) return;
    size_t at = rnd_below(g->len);
    switch (rnd_below(4)) {
    case 0: g->len = at; break; /* truncated */
    case 1: g->p[at] = (char)rnd(); break;
    case 2: memmove(g->p + at, g->p + at + 1, g->len - at - 1); g->len--; break;
    default: g->p[at] = "{}[]\",:\\"[rnd_below(8)]; break;
    }
}

/* Seeded generator of envelopes (schemas on and off, escapes, nulls,
 * missing and unknown members, duplicates, bad values, mutations). Set
 * FLOE_DBZ_DIFF_N and FLOE_DBZ_DIFF_SEED for longer runs. */
static void test_scan_random(void) {
    floe_err err = {0};
    fixture all = {0};
    const char *idkey[] = {"id"};
    FT_OK(fields_from_mariadb(alltypes_cols, NALL, "bytes", 0, &all.fields, &err), &err);
    FT_OK(build(&all, idkey, 1, &err), &err);
    floe_dbz_fields hex = {0};
    FT_OK(fields_from_mariadb(alltypes_cols, NALL, "hex", 0, &hex, &err), &err);
    floe_dbz_scanner *sc[2] = {NULL, NULL};
    const floe_dbz_fields *fss[2] = {&all.fields, &hex};
    for (int i = 0; i < 2; i++) {
        FT_OK(floe_dbz_scanner_create(&sc[i], &err), &err);
        FT_OK(floe_dbz_scanner_plan(sc[i], fss[i], all.schema, &err), &err);
    }
    floe_dbz_schema_cache cache = {0};
    const char *env = getenv("FLOE_DBZ_DIFF_N"), *seed = getenv("FLOE_DBZ_DIFF_SEED");
    long n = env ? atol(env) : 20000;
    rnd_state = seed ? (uint64_t)atoll(seed) * 2654435761u + 1 : 88172645463325252ull;
    long scanned = 0, clean = 0, clean_scanned = 0;
    gbuf g = {0};
    for (long i = 0; i < n; i++) {
        g.len = 0;
        static const size_t noise[] = {0, 0, 400, 40, 5};
        g_noise = PICK(noise);
        int which = (int)rnd_below(2);
        gen_message(&g, all.schema, fss[which], REV_ENVELOPE_SCHEMA);
        int mutated = rnd_below(6) == 0;
        if (mutated) mutate(&g);
        int sd = diff_one(sc[which], g.p, g.len, fss[which], all.schema, &cache);
        scanned += sd;
        if (!mutated) {
            clean++;
            clean_scanned += sd;
        }
    }
    fprintf(stderr, "test_scan_random: %ld messages, %ld decoded by the scanner (%ld of %ld "
            "unmutated)\n", n, scanned, clean_scanned, clean);
    FT_CHECK(n < 1000 || scanned * 5 > n); /* the test must exercise the scanner */
    free(g.p);
    floe_dbz_schema_cache_free(&cache);
    for (int i = 0; i < 2; i++) floe_dbz_scanner_destroy(sc[i]);
    floe_dbz_fields_free(&hex);
    fx_free(&all);
}

/* The wrapped cases above went through both paths; some were decoded. */
static void test_scan_coverage(void) {
    fprintf(stderr, "both paths: %d runs, %d decoded by the scanner\n", diff_runs, diff_scanned);
    FT_CHECK(diff_runs == 0 || diff_scanned > 0);
}

FT_MAIN(test_parse_cached, test_parse_schemas_on_create, test_parse_schemas_off_ops, test_parse_tombstones,
        test_parse_envelope_detection, test_parse_errors, test_revision_schemas_on,
        test_revision_schemas_off, test_revision_bad_values, test_alltypes_schema_mapping,
        test_alltypes_decode, test_alltypes_bad_values, test_decimal_rescale,
        test_decimal_numeric_and_string, test_temporal, test_bytes_and_scalars,
        test_fields_from_schema, test_fields_from_mariadb, test_fields_matched_by_name,
        test_schema_build, test_scan_messages, test_scan_random, test_scan_coverage)
