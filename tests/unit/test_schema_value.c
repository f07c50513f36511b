/* Unit tests of common/floe_schema and common/floe_value. */
#define _GNU_SOURCE
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "floe_schema.h"
#include "floe_test.h"
#include "floe_value.h"

/* ---- helpers --------------------------------------------------------------- */

static floe_type ty(const char *s) {
    floe_type t = {0};
    floe_err e;
    if (floe_type_parse(s, &t, &e) != FLOE_OK) {
        fprintf(stderr, "bad type %s: %s\n", s, e.msg);
        abort();
    }
    return t;
}

/* Parse a schema that must be rejected; the message must contain `want`. */
#define SCHEMA_BAD(json, want)                                                 \
    do {                                                                       \
        floe_err e_;                                                           \
        floe_schema *s_ = (floe_schema *)1;                                    \
        const char *j_ = (json);                                               \
        FT_EQ_INT(floe_schema_parse(j_, strlen(j_), &s_, &e_), FLOE_ERR_INVALID); \
        FT_CHECK(s_ == NULL);                                                  \
        if (!strstr(e_.msg, (want)))                                           \
            FT__FAIL("message \"%s\" lacks \"%s\"", e_.msg, (want));           \
    } while (0)

static json_t *load(const char *text) {
    json_error_t je;
    json_t *j = json_loads(text, JSON_DECODE_ANY, &je);
    if (!j) {
        fprintf(stderr, "test JSON %s: %s\n", text, je.text);
        abort();
    }
    return j;
}

/* from_json(in) must succeed and to_json must give `want`; parsing `want`
 * again must give an equal value (bit-identical for doubles). */
#define VAL_RT(type, in, want)                                                 \
    do {                                                                       \
        floe_err e_;                                                           \
        floe_type t_ = ty(type);                                               \
        floe_buf arena_ = FLOE_BUF_INIT, out_ = FLOE_BUF_INIT, arena2_ = FLOE_BUF_INIT; \
        floe_value v_, v2_;                                                    \
        json_t *j_ = load(in);                                                 \
        floe_status s_ = floe_value_from_json(j_, t_, &v_, &arena_, &e_);      \
        json_decref(j_);                                                       \
        FT_OK(s_, &e_);                                                        \
        FT_OK(floe_value_to_json(&v_, t_, &arena_, &out_, &e_), &e_);          \
        FT_OK(floe_buf_put_u8(&out_, 0, &e_), &e_);                            \
        FT_EQ_STR((const char *)out_.data, (want));                            \
        j_ = load((const char *)out_.data);                                    \
        s_ = floe_value_from_json(j_, t_, &v2_, &arena2_, &e_);                \
        json_decref(j_);                                                       \
        FT_OK(s_, &e_);                                                        \
        FT_EQ_INT(v2_.is_null, v_.is_null);                                    \
        if (!v_.is_null) {                                                     \
            FT_EQ_INT(floe_value_compare(&v_, &v2_, t_, &arena_, &arena2_), 0); \
            if (t_.kind == FLOE_T_FLOAT || t_.kind == FLOE_T_DOUBLE)           \
                FT_CHECK(memcmp(&v_.v.f64, &v2_.v.f64, 8) == 0 ||              \
                         (isnan(v_.v.f64) && isnan(v2_.v.f64)));               \
        }                                                                      \
        floe_buf_free(&arena_);                                                \
        floe_buf_free(&arena2_);                                               \
        floe_buf_free(&out_);                                                  \
    } while (0)

#define VAL_BAD(type, in, want)                                                \
    do {                                                                       \
        floe_err e_;                                                           \
        floe_buf arena_ = FLOE_BUF_INIT;                                       \
        floe_value v_;                                                         \
        json_t *j_ = load(in);                                                 \
        floe_status s_ = floe_value_from_json(j_, ty(type), &v_, &arena_, &e_); \
        json_decref(j_);                                                       \
        floe_buf_free(&arena_);                                                \
        FT_EQ_INT(s_, FLOE_ERR_BAD_INPUT);                                     \
        if (!strstr(e_.msg, (want)))                                           \
            FT__FAIL("message \"%s\" lacks \"%s\"", e_.msg, (want));           \
    } while (0)

/* ---- types ----------------------------------------------------------------- */

static void test_type_parse_format(void) {
    floe_err e;
    floe_type t;
    char buf[48];
    const char *names[] = {"boolean", "tinyint", "smallint", "int",    "bigint", "float",
                           "double",  "string",  "binary",   "date", "timestamp"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        FT_OK(floe_type_parse(names[i], &t, &e), &e);
        floe_type_format(t, buf, sizeof buf);
        FT_EQ_STR(buf, names[i]);
    }
    FT_OK(floe_type_parse("  BigInt ", &t, &e), &e);
    FT_EQ_INT(t.kind, FLOE_T_BIGINT);
    FT_OK(floe_type_parse(" Decimal ( 38 , 10 ) ", &t, &e), &e);
    FT_EQ_INT(t.kind, FLOE_T_DECIMAL);
    FT_EQ_INT(t.precision, 38);
    FT_EQ_INT(t.scale, 10);
    floe_type_format(t, buf, sizeof buf);
    FT_EQ_STR(buf, "decimal(38,10)");
    FT_OK(floe_type_parse("decimal(1,1)", &t, &e), &e);
    FT_OK(floe_type_parse("decimal(7)", &t, &e), &e);
    FT_EQ_INT(t.precision, 7);
    FT_EQ_INT(t.scale, 0);
    FT_CHECK(floe_type_is_integer(FLOE_T_DATE));
    FT_CHECK(floe_type_is_integer(FLOE_T_TINYINT));
    FT_CHECK(!floe_type_is_integer(FLOE_T_TIMESTAMP));
    FT_CHECK(!floe_type_is_integer(FLOE_T_BOOLEAN));

    const char *bad[] = {"int33", "",           "decimal",      "decimal(0,0)", "decimal(39,2)",
                         "decimal(5,6)", "decimal(5,)", "decimal(5,2", "decimal(5,2)x",
                         "big int", "decimal(-1,0)", "decimal(99999999999,1)", "int(3)"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        FT_EQ_INT(floe_type_parse(bad[i], &t, &e), FLOE_ERR_INVALID);
        FT_CHECK(e.msg[0] != '\0');
    }
    FT_EQ_INT(floe_type_parse("int33", &t, &e), FLOE_ERR_INVALID);
    FT_CHECK(strstr(e.msg, "unknown type \"int33\"") != NULL);
    FT_EQ_INT(floe_type_parse("decimal(39,2)", &t, &e), FLOE_ERR_INVALID);
    FT_CHECK(strstr(e.msg, "precision 39") != NULL);
    FT_EQ_INT(floe_type_parse("decimal(5,6)", &t, &e), FLOE_ERR_INVALID);
    FT_CHECK(strstr(e.msg, "scale 6") != NULL);
}

/* ---- schemas --------------------------------------------------------------- */

static void test_schema_parse_good(void) {
    floe_err e;
    floe_schema *s;
    const char *j = "{\"columns\":[{\"name\":\"rev_id\",\"type\":\"bigint\",\"nullable\":false,"
                    "\"id\":7},{\"name\":\"title\",\"type\":\"string\"},{\"name\":\"amt\","
                    "\"type\":\"decimal(10, 2)\",\"id\":3},{\"name\":\"ts\",\"type\":"
                    "\"TIMESTAMP\",\"nullable\":true}],\"primary_key\":[\"rev_id\"]}";
    FT_OK(floe_schema_parse(j, strlen(j), &s, &e), &e);
    FT_EQ_INT(s->ncols, 4);
    FT_EQ_STR(s->cols[0].name, "rev_id");
    FT_EQ_INT(s->cols[0].id, 7);
    FT_EQ_INT(s->cols[0].nullable, 0);
    FT_EQ_INT(s->cols[1].id, 8); /* after the highest given id, in order */
    FT_EQ_INT(s->cols[1].nullable, 1);
    FT_EQ_INT(s->cols[2].id, 3);
    FT_EQ_INT(s->cols[2].type.kind, FLOE_T_DECIMAL);
    FT_EQ_INT(s->cols[2].type.precision, 10);
    FT_EQ_INT(s->cols[2].type.scale, 2);
    FT_EQ_INT(s->cols[3].id, 9);
    FT_EQ_INT(s->cols[3].type.kind, FLOE_T_TIMESTAMP);
    FT_EQ_INT(s->npk, 1);
    FT_EQ_INT(s->pk[0], 0);
    FT_EQ_INT(floe_schema_find(s, "amt"), 2);
    FT_EQ_INT(floe_schema_find(s, "AMT"), -1);
    FT_EQ_INT(floe_schema_find(s, "nope"), -1);
    floe_schema_destroy(s);

    /* No ids: 1..n. Key columns without "nullable" become non-nullable. */
    j = "{\"primary_key\":[\"b\",\"a\"],\"columns\":[{\"name\":\"a\",\"type\":\"int\"},"
        "{\"name\":\"b\",\"type\":\"string\"},{\"name\":\"c\",\"type\":\"double\"}]}";
    FT_OK(floe_schema_parse(j, strlen(j), &s, &e), &e);
    FT_EQ_INT(s->cols[0].id, 1);
    FT_EQ_INT(s->cols[1].id, 2);
    FT_EQ_INT(s->cols[2].id, 3);
    FT_EQ_INT(s->npk, 2);
    FT_EQ_INT(s->pk[0], 1);
    FT_EQ_INT(s->pk[1], 0);
    FT_EQ_INT(s->cols[0].nullable, 0);
    FT_EQ_INT(s->cols[1].nullable, 0);
    FT_EQ_INT(s->cols[2].nullable, 1);
    floe_schema_destroy(s);

    /* Empty primary_key means no key; UTF-8 names are fine. */
    j = "{\"columns\":[{\"name\":\"\xc3\xa9t\xc3\xa9\",\"type\":\"binary\"}],\"primary_key\":[]}";
    FT_OK(floe_schema_parse(j, strlen(j), &s, &e), &e);
    FT_EQ_INT(s->npk, 0);
    FT_EQ_INT(floe_schema_find(s, "\xc3\xa9t\xc3\xa9"), 0);
    floe_schema_destroy(s);
    floe_schema_destroy(NULL);
}

static void test_schema_parse_bad(void) {
    SCHEMA_BAD("", "schema JSON");
    SCHEMA_BAD("{\"columns\":[", "schema JSON");
    SCHEMA_BAD("[]", "expected a JSON object");
    SCHEMA_BAD("{}", "missing field \"columns\"");
    SCHEMA_BAD("{\"columns\":{}}", "columns: expected an array");
    SCHEMA_BAD("{\"columns\":[]}", "at least one column");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"}],\"primary_kye\":[\"a\"]}",
               "unknown field \"primary_kye\"");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"nulable\":false}]}",
               "columns[0]: unknown field \"nulable\"");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"b\",\"type\":"
               "\"int\"},{\"name\":\"c\",\"type\":\"int33\"}]}",
               "columns[2].type: unknown type \"int33\"");
    SCHEMA_BAD("{\"columns\":[{\"type\":\"int\"}]}", "columns[0]: missing field \"name\"");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\"}]}", "columns[0]: missing field \"type\"");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"\",\"type\":\"int\"}]}", "columns[0].name: empty");
    SCHEMA_BAD("{\"columns\":[{\"name\":5,\"type\":\"int\"}]}",
               "columns[0].name: expected a string, found number 5");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\\tb\",\"type\":\"int\"}]}",
               "columns[0].name: column name contains control character");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":7}]}", "columns[0].type: expected a string");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"decimal(40,2)\"}]}",
               "columns[0].type: type \"decimal(40,2)\": decimal precision 40");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"nullable\":\"no\"}]}",
               "columns[0].nullable: expected true or false, found string \"no\"");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"id\":0}]}",
               "columns[0].id: id 0 is out of range");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"id\":2147483648}]}",
               "columns[0].id: id 2147483648 is out of range");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"id\":1.5}]}",
               "columns[0].id: expected a positive integer");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"id\":4},{\"name\":\"b\","
               "\"type\":\"int\",\"id\":4}]}",
               "columns[1].id: duplicate id 4 (also columns[0])");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"id\":2147483647},{\"name\":"
               "\"b\",\"type\":\"int\"}]}",
               "columns[1]: no id left");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"a\",\"type\":"
               "\"int\"}]}",
               "columns[1].name: duplicate column name \"a\" (also columns[0])");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"Ab\",\"type\":\"int\"},{\"name\":\"aB\",\"type\":"
               "\"int\"}]}",
               "columns[1].name: column name \"aB\" differs from columns[0] \"Ab\" only in case");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"type\":\"int\"}]}",
               "duplicate");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"}],\"primary_key\":\"a\"}",
               "primary_key: expected an array of column names");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"}],\"primary_key\":[1]}",
               "primary_key[0]: expected a column name");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"}],\"primary_key\":[\"a\",\"b\"]}",
               "primary_key[1]: no column named \"b\"");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"}],\"primary_key\":[\"a\",\"a\"]}",
               "primary_key[1]: column \"a\" is listed twice");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\",\"nullable\":true}],"
               "\"primary_key\":[\"a\"]}",
               "primary_key[0]: column \"a\" is declared nullable (columns[0].nullable)");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"a\",\"type\":\"int\"},{\"name\":\"f\",\"type\":"
               "\"Float\"}],\"primary_key\":[\"a\",\"f\"]}",
               "primary_key[1]: column \"f\" has type float");
    SCHEMA_BAD("{\"columns\":[{\"name\":\"d\",\"type\":\"double\"}],\"primary_key\":[\"d\"]}",
               "has type double");
}

static void test_schema_round_trip_clone_file(void) {
    floe_err e;
    floe_schema *s, *s2, *c;
    const char *j = "{\"columns\":[{\"name\":\"k\",\"type\":\"decimal(38,10)\",\"id\":5},"
                    "{\"name\":\"q\\\"uote\",\"type\":\"date\",\"nullable\":false},"
                    "{\"name\":\"b\",\"type\":\"binary\"},{\"name\":\"t\",\"type\":"
                    "\"timestamp\",\"id\":2}],\"primary_key\":[\"t\",\"k\"]}";
    FT_OK(floe_schema_parse(j, strlen(j), &s, &e), &e);
    floe_buf b = FLOE_BUF_INIT;
    FT_OK(floe_schema_to_json(s, &b, &e), &e);
    FT_OK(floe_buf_put_u8(&b, 0, &e), &e);
    FT_EQ_STR((const char *)b.data,
              "{\"columns\":[{\"name\":\"k\",\"type\":\"decimal(38,10)\",\"nullable\":false,"
              "\"id\":5},{\"name\":\"q\\\"uote\",\"type\":\"date\",\"nullable\":false,\"id\":6},"
              "{\"name\":\"b\",\"type\":\"binary\",\"nullable\":true,\"id\":7},{\"name\":\"t\","
              "\"type\":\"timestamp\",\"nullable\":false,\"id\":2}],\"primary_key\":[\"t\","
              "\"k\"]}");
    FT_OK(floe_schema_parse((const char *)b.data, b.len - 1, &s2, &e), &e);
    FT_OK(floe_schema_clone(s, &c, &e), &e);
    const floe_schema *all[2] = {s2, c};
    for (int k = 0; k < 2; k++) {
        const floe_schema *x = all[k];
        FT_EQ_INT(x->ncols, s->ncols);
        FT_EQ_INT(x->npk, s->npk);
        for (size_t i = 0; i < s->ncols; i++) {
            FT_EQ_STR(x->cols[i].name, s->cols[i].name);
            FT_CHECK(x->cols[i].name != s->cols[i].name);
            FT_EQ_INT(x->cols[i].id, s->cols[i].id);
            FT_EQ_INT(x->cols[i].nullable, s->cols[i].nullable);
            FT_EQ_INT(x->cols[i].type.kind, s->cols[i].type.kind);
            FT_EQ_INT(x->cols[i].type.precision, s->cols[i].type.precision);
            FT_EQ_INT(x->cols[i].type.scale, s->cols[i].type.scale);
        }
        for (size_t i = 0; i < s->npk; i++) FT_EQ_INT(x->pk[i], s->pk[i]);
    }
    /* A schema without a key writes no primary_key. */
    floe_schema_destroy(s2);
    j = "{\"columns\":[{\"name\":\"x\",\"type\":\"boolean\"}]}";
    FT_OK(floe_schema_parse(j, strlen(j), &s2, &e), &e);
    floe_buf_reset(&b);
    FT_OK(floe_schema_to_json(s2, &b, &e), &e);
    FT_OK(floe_buf_put_u8(&b, 0, &e), &e);
    FT_EQ_STR((const char *)b.data,
              "{\"columns\":[{\"name\":\"x\",\"type\":\"boolean\",\"nullable\":true,\"id\":1}]}");

    /* Files: good, bad (the path named), missing. */
    char path[] = "/tmp/floe_test_schemaXXXXXX";
    int fd = mkstemp(path);
    FT_CHECK(fd >= 0);
    FT_CHECK(write(fd, j, strlen(j)) == (ssize_t)strlen(j));
    close(fd);
    floe_schema *f;
    FT_OK(floe_schema_load_file(path, &f, &e), &e);
    FT_EQ_INT(f->ncols, 1);
    floe_schema_destroy(f);
    FILE *fp = fopen(path, "w");
    FT_CHECK(fp != NULL);
    fputs("{\"columns\":[{\"name\":\"x\",\"type\":\"bool\"}]}", fp);
    fclose(fp);
    FT_EQ_INT(floe_schema_load_file(path, &f, &e), FLOE_ERR_INVALID);
    FT_CHECK(strstr(e.msg, path) != NULL);
    FT_CHECK(strstr(e.msg, "columns[0].type: unknown type \"bool\"") != NULL);
    unlink(path);
    FT_EQ_INT(floe_schema_load_file(path, &f, &e), FLOE_ERR_IO);
    FT_CHECK(strstr(e.msg, path) != NULL);
    FT_CHECK(f == NULL);

    floe_buf_free(&b);
    floe_schema_destroy(s);
    floe_schema_destroy(s2);
    floe_schema_destroy(c);
}

/* ---- values ---------------------------------------------------------------- */

static void test_value_ints_bools(void) {
    VAL_RT("bigint", "null", "null");
    VAL_RT("boolean", "true", "true");
    VAL_RT("boolean", "false", "false");
    VAL_RT("boolean", "1", "true");
    VAL_RT("boolean", "0", "false");
    VAL_RT("tinyint", "-128", "-128");
    VAL_RT("tinyint", "127", "127");
    VAL_RT("smallint", "-32768", "-32768");
    VAL_RT("smallint", "32767", "32767");
    VAL_RT("int", "-2147483648", "-2147483648");
    VAL_RT("int", "2147483647", "2147483647");
    VAL_RT("bigint", "-9223372036854775808", "-9223372036854775808");
    VAL_RT("bigint", "9223372036854775807", "9223372036854775807");
    VAL_RT("bigint", "0", "0");
    VAL_RT("bigint", "-0", "0");

    VAL_BAD("boolean", "2", "expected boolean (true or false), found number 2");
    VAL_BAD("boolean", "\"true\"", "found string \"true\"");
    VAL_BAD("tinyint", "300", "value 300 out of range for tinyint");
    VAL_BAD("tinyint", "-129", "value -129 out of range for tinyint");
    VAL_BAD("smallint", "32768", "out of range for smallint");
    VAL_BAD("int", "2147483648", "value 2147483648 out of range for int");
    VAL_BAD("int", "-2147483649", "out of range for int");
    VAL_BAD("bigint", "1.5", "expected bigint (an integer without fraction or exponent), "
                             "found number 1.5");
    VAL_BAD("bigint", "1.0", "found number 1.0");
    VAL_BAD("bigint", "1e3", "found number 1000.0");
    VAL_BAD("int", "\"12\"", "expected int");
    VAL_BAD("int", "true", "found true");
    VAL_BAD("int", "[1]", "found an array");
    VAL_BAD("int", "{}", "found an object");

    /* Beyond int64: jansson refuses the document itself. */
    json_error_t je;
    FT_CHECK(json_loads("[9223372036854775808]", 0, &je) == NULL);
}

static void test_value_floats(void) {
    VAL_RT("double", "0.1", "0.1");
    VAL_RT("double", "1", "1.0");
    VAL_RT("double", "-0.0", "-0.0");
    VAL_RT("double", "0.0", "0.0");
    VAL_RT("double", "100", "100.0");
    VAL_RT("double", "123456.789", "123456.789");
    VAL_RT("double", "0.0001", "0.0001");
    VAL_RT("double", "0.00001", "1e-05");
    VAL_RT("double", "1.5e-7", "1.5e-07");
    VAL_RT("double", "1e15", "1000000000000000.0");
    VAL_RT("double", "1e16", "1e+16");
    VAL_RT("double", "1.7976931348623157e308", "1.7976931348623157e+308");
    VAL_RT("double", "-1.7976931348623157e308", "-1.7976931348623157e+308");
    VAL_RT("double", "5e-324", "5e-324");
    VAL_RT("double", "2.2250738585072014e-308", "2.2250738585072014e-308");
    VAL_RT("double", "0.30000000000000004", "0.30000000000000004");
    VAL_RT("double", "9007199254740993", "9007199254740992.0");
    VAL_RT("double", "-9223372036854775808", "-9.223372036854776e+18");
    VAL_RT("double", "\"NaN\"", "\"NaN\"");
    VAL_RT("double", "\"Infinity\"", "\"Infinity\"");
    VAL_RT("double", "\"-Infinity\"", "\"-Infinity\"");
    VAL_RT("float", "0.1", "0.1");
    VAL_RT("float", "16777217", "16777216.0");
    VAL_RT("float", "3.4028235e38", "3.4028235e+38");
    VAL_RT("float", "-3.4028235e38", "-3.4028235e+38");
    VAL_RT("float", "1e-45", "1e-45");
    VAL_RT("float", "1e-50", "0.0");
    VAL_RT("float", "-0.0", "-0.0");
    VAL_RT("float", "\"NaN\"", "\"NaN\"");
    VAL_RT("float", "\"-Infinity\"", "\"-Infinity\"");
    VAL_RT("float", "3.14159265358979", "3.1415927");

    /* A float column stores the value rounded to float. */
    floe_err e;
    floe_value v;
    json_t *j = load("0.1");
    FT_OK(floe_value_from_json(j, ty("float"), &v, NULL, &e), &e);
    json_decref(j);
    FT_CHECK(v.v.f64 == (double)0.1f);

    VAL_BAD("float", "3.5e38", "value 3.5e+38 out of range for float");
    VAL_BAD("float", "-1e300", "out of range for float");
    VAL_BAD("double", "\"nan\"", "expected double (a number, or \"NaN\", \"Infinity\", "
                                 "\"-Infinity\"), found string \"nan\"");
    VAL_BAD("double", "\"1.5\"", "found string \"1.5\"");
    VAL_BAD("float", "true", "expected float");
    /* jansson refuses doubles beyond the range as a whole document. */
    json_error_t je;
    FT_CHECK(json_loads("[1e999]", 0, &je) == NULL);
}

static void test_value_decimal(void) {
    VAL_RT("decimal(10,2)", "\"-12.34\"", "\"-12.34\"");
    VAL_RT("decimal(10,2)", "\"-12.3\"", "\"-12.30\"");
    VAL_RT("decimal(10,2)", "\"12\"", "\"12.00\"");
    VAL_RT("decimal(10,2)", "12", "\"12.00\"");
    VAL_RT("decimal(10,2)", "-7", "\"-7.00\"");
    VAL_RT("decimal(10,2)", "\"-0.5\"", "\"-0.50\"");
    VAL_RT("decimal(10,2)", "\"-0.05\"", "\"-0.05\"");
    VAL_RT("decimal(10,2)", "\"-0.00\"", "\"0.00\"");
    VAL_RT("decimal(10,2)", "\"00012.5\"", "\"12.50\"");
    VAL_RT("decimal(10,2)", "\"+.5\"", "\"0.50\"");
    VAL_RT("decimal(10,2)", "\"99999999.99\"", "\"99999999.99\"");
    VAL_RT("decimal(10,0)", "\"42\"", "\"42\"");
    VAL_RT("decimal(10,0)", "\"42.\"", "\"42\"");
    VAL_RT("decimal(1,1)", "\"0.9\"", "\"0.9\"");
    VAL_RT("decimal(1,1)", "\"-.9\"", "\"-0.9\"");
    VAL_RT("decimal(38,0)", "\"99999999999999999999999999999999999999\"",
           "\"99999999999999999999999999999999999999\"");
    VAL_RT("decimal(38,0)", "\"-99999999999999999999999999999999999999\"",
           "\"-99999999999999999999999999999999999999\"");
    VAL_RT("decimal(38,0)", "\"000099999999999999999999999999999999999999\"",
           "\"99999999999999999999999999999999999999\"");
    VAL_RT("decimal(38,0)", "-9223372036854775808", "\"-9223372036854775808\"");
    VAL_RT("decimal(38,10)", "\"1234567890123456789012345678.0123456789\"",
           "\"1234567890123456789012345678.0123456789\"");
    VAL_RT("decimal(38,10)", "\"-9999999999999999999999999999.9999999999\"",
           "\"-9999999999999999999999999999.9999999999\"");
    VAL_RT("decimal(38,10)", "\"0.0000000001\"", "\"0.0000000001\"");
    VAL_RT("decimal(38,38)", "\"-0.99999999999999999999999999999999999999\"",
           "\"-0.99999999999999999999999999999999999999\"");

    floe_err e;
    floe_i128 d;
    FT_OK(floe_decimal_parse("99999999999999999999999999999999999999", 38, 0, &d, &e), &e);
    floe_i128 max = 0;
    for (int i = 0; i < 38; i++) max = max * 10 + 9;
    FT_CHECK(d == max);
    char buf[48];
    FT_EQ_INT(floe_decimal_format(-max, 0, buf), 39);
    FT_EQ_STR(buf, "-99999999999999999999999999999999999999");
    FT_EQ_INT(floe_decimal_format(-5, 3, buf), 6);
    FT_EQ_STR(buf, "-0.005");
    FT_EQ_INT(floe_decimal_format(0, 0, buf), 1);
    FT_EQ_STR(buf, "0");

    VAL_BAD("decimal(10,2)", "\"1.234\"", "has 3 fraction digits, more than the scale of "
                                          "decimal(10,2)");
    VAL_BAD("decimal(10,2)", "\"1.230\"", "has 3 fraction digits");
    VAL_BAD("decimal(10,2)", "\"123456789\"", "out of range for decimal(10,2) (at most 8 "
                                              "integer digits)");
    VAL_BAD("decimal(38,0)", "\"100000000000000000000000000000000000000\"",
            "out of range for decimal(38,0)");
    VAL_BAD("decimal(38,0)", "\"99999999999999999999999999999999999999999999999999\"",
            "out of range");
    VAL_BAD("decimal(38,10)", "\"10000000000000000000000000000\"", "out of range");
    VAL_BAD("decimal(5,0)", "123456", "out of range for decimal(5,0)");
    VAL_BAD("decimal(10,2)", "1.5", "expected decimal(10,2) (a string such as \"-12.34\", or "
                                    "an integer), found number 1.5");
    VAL_BAD("decimal(10,2)", "\"1e5\"", "invalid decimal \"1e5\"");
    VAL_BAD("decimal(10,2)", "\"\"", "invalid decimal");
    VAL_BAD("decimal(10,2)", "\"-\"", "invalid decimal");
    VAL_BAD("decimal(10,2)", "\".\"", "invalid decimal");
    VAL_BAD("decimal(10,2)", "\" 1\"", "invalid decimal");
    VAL_BAD("decimal(10,2)", "\"1,5\"", "invalid decimal");
    VAL_BAD("decimal(10,2)", "\"--1\"", "invalid decimal");
    VAL_BAD("decimal(10,2)", "true", "expected decimal(10,2)");
    FT_EQ_INT(floe_decimal_parse("1", 39, 0, &d, &e), FLOE_ERR_INVALID);
}

static void test_value_strings_binary(void) {
    VAL_RT("string", "\"\"", "\"\"");
    VAL_RT("string", "\"hello\"", "\"hello\"");
    VAL_RT("string", "\"a\\\"b\\\\c\\/d\"", "\"a\\\"b\\\\c/d\"");
    VAL_RT("string", "\"\\n\\t\\r\\b\\f\\u0001\\u001f\\u007f\"",
           "\"\\n\\t\\r\\b\\f\\u0001\\u001F\x7f\"");
    VAL_RT("string", "\"\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9\"",
           "\"\xf0\x9f\x98\x80 \xe2\x82\xac \xc3\xa9\"");
    VAL_RT("string", "\"\\ud83d\\ude00\"", "\"\xf0\x9f\x98\x80\"");
    VAL_RT("binary", "\"\"", "\"\"");
    VAL_RT("binary", "\"AA==\"", "\"AA==\"");
    VAL_RT("binary", "\"AAE=\"", "\"AAE=\"");
    VAL_RT("binary", "\"AAEC\"", "\"AAEC\"");
    VAL_RT("binary", "\"+/+/\"", "\"+/+/\"");
    VAL_RT("binary", "\"aGVsbG8gd29ybGQ=\"", "\"aGVsbG8gd29ybGQ=\"");

    /* U+0000 inside a string (jansson with JSON_ALLOW_NUL). */
    floe_err e;
    floe_buf arena = FLOE_BUF_INIT, out = FLOE_BUF_INIT;
    json_error_t je;
    json_t *j = json_loads("\"a\\u0000b\"", JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    FT_CHECK(j != NULL);
    floe_value v;
    FT_OK(floe_value_from_json(j, ty("string"), &v, &arena, &e), &e);
    json_decref(j);
    FT_EQ_INT(v.v.bytes.len, 3);
    FT_EQ_MEM(floe_value_bytes(&v, &arena), "a\0b", 3);
    FT_OK(floe_value_to_json(&v, ty("string"), &arena, &out, &e), &e);
    FT_EQ_INT(out.len, 10);
    FT_EQ_MEM(out.data, "\"a\\u0000b\"", 10);

    /* Values from several calls share one arena; binary bytes decode exactly. */
    floe_buf_reset(&arena);
    floe_value a, b;
    j = load("\"AP8Q\"");
    FT_OK(floe_value_from_json(j, ty("binary"), &a, &arena, &e), &e);
    json_decref(j);
    j = load("\"xyz\"");
    FT_OK(floe_value_from_json(j, ty("string"), &b, &arena, &e), &e);
    json_decref(j);
    FT_EQ_INT(a.v.bytes.len, 3);
    FT_EQ_MEM(floe_value_bytes(&a, &arena), "\x00\xff\x10", 3);
    FT_EQ_MEM(floe_value_bytes(&b, &arena), "xyz", 3);

    /* Caller-set pointers; invalid UTF-8 is refused on output. */
    floe_value p = {0};
    p.v.bytes.ptr = (const uint8_t *)"\xc0\xaf";
    p.v.bytes.len = 2;
    floe_buf_reset(&out);
    FT_EQ_INT(floe_value_to_json(&p, ty("string"), NULL, &out, &e), FLOE_ERR_BAD_INPUT);
    FT_CHECK(strstr(e.msg, "UTF-8") != NULL);
    FT_OK(floe_value_to_json(&p, ty("binary"), NULL, &out, &e), &e);
    FT_EQ_INT(out.len, 6);
    FT_EQ_MEM(out.data, "\"wK8=\"", 6);
    floe_buf_free(&arena);
    floe_buf_free(&out);

    VAL_BAD("string", "5", "expected string (a string), found number 5");
    VAL_BAD("binary", "\"AAA\"", "length 3 is not a multiple of 4");
    VAL_BAD("binary", "\"AA=A\"", "invalid base64");
    VAL_BAD("binary", "\"A===\"", "misplaced '=' padding at offset 1");
    VAL_BAD("binary", "\"=AAA\"", "misplaced '=' padding at offset 0");
    VAL_BAD("binary", "\"AA==AA==\"", "misplaced '=' padding at offset 2");
    VAL_BAD("binary", "\"AA-_\"", "character '-' at offset 2");
    VAL_BAD("binary", "\"AA A\"", "byte 0x20 at offset 2");
    VAL_BAD("binary", "\"AA\\nA\"", "byte 0x0a at offset 2");
    VAL_BAD("binary", "\"AA*\"", "character '*' at offset 2");
    VAL_BAD("binary", "[]", "expected binary (a base64 string)");
}

static void test_utf8(void) {
    struct {
        const char *s;
        int ok;
    } cases[] = {
        {"", 1},
        {"abc", 1},
        {"\xc2\x80", 1},
        {"\xdf\xbf", 1},
        {"\xe0\xa0\x80", 1},
        {"\xed\x9f\xbf", 1},
        {"\xee\x80\x80", 1},
        {"\xef\xbf\xbf", 1},
        {"\xf0\x90\x80\x80", 1},
        {"\xf4\x8f\xbf\xbf", 1},
        {"\x80", 0},             /* lone continuation */
        {"\xc0\x80", 0},         /* overlong NUL */
        {"\xc1\xbf", 0},         /* overlong */
        {"\xe0\x9f\xbf", 0},     /* overlong */
        {"\xed\xa0\x80", 0},     /* surrogate */
        {"\xed\xbf\xbf", 0},     /* surrogate */
        {"\xf0\x8f\xbf\xbf", 0}, /* overlong */
        {"\xf4\x90\x80\x80", 0}, /* > U+10FFFF */
        {"\xf5\x80\x80\x80", 0},
        {"\xff", 0},
        {"\xc2", 0},             /* truncated */
        {"\xe2\x82", 0},         /* truncated */
        {"\xf0\x9f\x98", 0},     /* truncated */
        {"\xe2\x28\xa1", 0},     /* bad continuation */
        {"\xf0\x9f\x98\x28", 0}, /* bad continuation */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int got = floe_utf8_valid((const uint8_t *)cases[i].s, strlen(cases[i].s));
        if (got != cases[i].ok) FT__FAIL("utf8 case %zu: got %d", i, got);
    }
    FT_CHECK(floe_utf8_valid((const uint8_t *)"a\0b", 3));
}

static void test_value_dates_timestamps(void) {
    VAL_RT("date", "\"1970-01-01\"", "\"1970-01-01\"");
    VAL_RT("date", "\"1969-12-31\"", "\"1969-12-31\"");
    VAL_RT("date", "\"0001-01-01\"", "\"0001-01-01\"");
    VAL_RT("date", "\"9999-12-31\"", "\"9999-12-31\"");
    VAL_RT("date", "\"2000-02-29\"", "\"2000-02-29\"");
    VAL_RT("date", "\"2024-02-29\"", "\"2024-02-29\"");
    VAL_RT("date", "\"1600-03-01\"", "\"1600-03-01\"");
    VAL_RT("timestamp", "\"1970-01-01T00:00:00\"", "\"1970-01-01T00:00:00.000000\"");
    VAL_RT("timestamp", "\"1969-12-31T23:59:59.999999\"", "\"1969-12-31T23:59:59.999999\"");
    VAL_RT("timestamp", "\"1969-12-31T23:59:59.5Z\"", "\"1969-12-31T23:59:59.500000\"");
    VAL_RT("timestamp", "\"1970-01-01T00:00:00.000001Z\"", "\"1970-01-01T00:00:00.000001\"");
    VAL_RT("timestamp", "\"2024-06-30T12:34:56.789\"", "\"2024-06-30T12:34:56.789000\"");
    VAL_RT("timestamp", "\"0001-01-01T00:00:00\"", "\"0001-01-01T00:00:00.000000\"");
    VAL_RT("timestamp", "\"9999-12-31T23:59:59.999999Z\"", "\"9999-12-31T23:59:59.999999\"");
    VAL_RT("timestamp", "\"1900-01-01T00:00:00.123456\"", "\"1900-01-01T00:00:00.123456\"");

    floe_err e;
    int32_t days;
    int64_t us;
    FT_OK(floe_date_parse("1970-01-02", &days, &e), &e);
    FT_EQ_INT(days, 1);
    FT_OK(floe_date_parse("1969-12-31", &days, &e), &e);
    FT_EQ_INT(days, -1);
    FT_OK(floe_date_parse("0001-01-01", &days, &e), &e);
    FT_EQ_INT(days, -719162);
    FT_OK(floe_date_parse("9999-12-31", &days, &e), &e);
    FT_EQ_INT(days, 2932896);
    FT_OK(floe_timestamp_parse("1969-12-31T23:59:59.999999", &us, &e), &e);
    FT_EQ_INT(us, -1);
    FT_OK(floe_timestamp_parse("2001-09-09T01:46:40Z", &us, &e), &e);
    FT_EQ_INT(us, INT64_C(1000000000000000));
    char buf[48];
    FT_EQ_INT(floe_timestamp_format(-1, buf), 26);
    FT_EQ_STR(buf, "1969-12-31T23:59:59.999999");
    floe_timestamp_format(-86400000000, buf);
    FT_EQ_STR(buf, "1969-12-31T00:00:00.000000");
    floe_timestamp_format(-86400000001, buf);
    FT_EQ_STR(buf, "1969-12-30T23:59:59.999999");
    /* Extremes format without overflow (out of the parseable range). */
    floe_timestamp_format(INT64_MIN, buf);
    FT_EQ_STR(buf, "-290308-12-21T19:59:05.224192");
    floe_timestamp_format(INT64_MAX, buf);
    FT_EQ_STR(buf, "+294247-01-10T04:00:54.775807");
    FT_EQ_INT(floe_date_format(-1, buf), 10);
    FT_EQ_STR(buf, "1969-12-31");
    floe_date_format(INT32_MIN, buf);
    FT_EQ_STR(buf, "-5877641-06-23");
    floe_date_format(INT32_MAX, buf);
    FT_EQ_STR(buf, "+5881580-07-11");
    /* Every day of 1..9999 in steps round-trips through civil dates. */
    for (int64_t d = -719162; d <= 2932896; d += 97) {
        int64_t y;
        unsigned m, dd;
        floe_civil_from_days(d, &y, &m, &dd);
        if (floe_days_from_civil(y, m, dd) != d) FT__FAIL("civil round trip of day %lld",
                                                          (long long)d);
    }

    VAL_BAD("date", "\"0000-12-31\"", "out of range (years 0001..9999)");
    VAL_BAD("date", "\"10000-01-01\"", "invalid date");
    VAL_BAD("date", "\"2023-02-29\"", "day 29 does not exist in 2023-02");
    VAL_BAD("date", "\"1900-02-29\"", "day 29 does not exist");
    VAL_BAD("date", "\"2023-13-01\"", "month 13");
    VAL_BAD("date", "\"2023-00-01\"", "month 00");
    VAL_BAD("date", "\"2023-01-00\"", "day 00");
    VAL_BAD("date", "\"2023-1-01\"", "expected YYYY-MM-DD");
    VAL_BAD("date", "\"2023-01-01T00:00:00\"", "expected YYYY-MM-DD");
    VAL_BAD("date", "\"2023-01-01 \"", "expected YYYY-MM-DD");
    VAL_BAD("date", "19000", "expected date (a \"YYYY-MM-DD\" string), found number 19000");
    VAL_BAD("timestamp", "\"2023-01-01\"", "expected YYYY-MM-DDTHH:MM:SS");
    VAL_BAD("timestamp", "\"2023-01-01 00:00:00\"", "expected YYYY-MM-DDTHH:MM:SS");
    VAL_BAD("timestamp", "\"2023-01-01T24:00:00\"", "time 24:00:00 out of range");
    VAL_BAD("timestamp", "\"2023-01-01T23:60:00\"", "out of range");
    VAL_BAD("timestamp", "\"2023-01-01T23:59:60\"", "out of range");
    VAL_BAD("timestamp", "\"2023-01-01T00:00:00.\"", "no digits after '.'");
    VAL_BAD("timestamp", "\"2023-01-01T00:00:00.1234567\"", "more than 6 fraction digits");
    VAL_BAD("timestamp", "\"2023-01-01T00:00:00+02:00\"", "time zone offsets are not supported");
    VAL_BAD("timestamp", "\"2023-01-01T00:00:00ZZ\"", "invalid timestamp");
    VAL_BAD("timestamp", "\"0000-01-01T00:00:00\"", "out of range (years 0001..9999)");
    VAL_BAD("timestamp", "1700000000", "expected timestamp");
}

static void test_value_compare(void) {
    floe_value a = {0}, b = {0};
    floe_type d = ty("double");
    double order[] = {-INFINITY, -1e300, -1, -DBL_MIN, -0.0, 0.0, DBL_MIN, 1, INFINITY, NAN};
    int n = (int)(sizeof order / sizeof order[0]);
    for (int i = 0; i < n; i++) {
        for (int k = 0; k < n; k++) {
            a.v.f64 = order[i];
            b.v.f64 = order[k];
            int c = floe_value_compare(&a, &b, d, NULL, NULL);
            int want = (i > k) - (i < k);
            if ((c > 0) - (c < 0) != want) FT__FAIL("double compare %d vs %d: %d", i, k, c);
        }
    }
    a.v.f64 = NAN;
    b.v.f64 = -NAN;
    FT_EQ_INT(floe_value_compare(&a, &b, d, NULL, NULL), 0);

    floe_type s = ty("binary");
    const char *strs[] = {"", "\x00", "\x00\x00", "a", "ab", "b", "\x7f", "\x80", "\xff"};
    size_t lens[] = {0, 1, 2, 1, 2, 1, 1, 1, 1};
    for (int i = 0; i < 9; i++) {
        for (int k = 0; k < 9; k++) {
            a.v.bytes.ptr = (const uint8_t *)strs[i];
            a.v.bytes.len = lens[i];
            b.v.bytes.ptr = (const uint8_t *)strs[k];
            b.v.bytes.len = lens[k];
            int c = floe_value_compare(&a, &b, s, NULL, NULL);
            int want = (i > k) - (i < k);
            if ((c > 0) - (c < 0) != want) FT__FAIL("bytes compare %d vs %d: %d", i, k, c);
        }
    }
    floe_type dec = ty("decimal(38,0)");
    a.v.dec = -((floe_i128)1 << 100);
    b.v.dec = (floe_i128)1 << 100;
    FT_CHECK(floe_value_compare(&a, &b, dec, NULL, NULL) < 0);
    FT_CHECK(floe_value_compare(&b, &a, dec, NULL, NULL) > 0);
    FT_EQ_INT(floe_value_compare(&a, &a, dec, NULL, NULL), 0);
    floe_type bi = ty("bigint");
    a.v.i64 = INT64_MIN;
    b.v.i64 = INT64_MAX;
    FT_CHECK(floe_value_compare(&a, &b, bi, NULL, NULL) < 0);
    FT_CHECK(floe_value_compare(&b, &a, bi, NULL, NULL) > 0);
    /* the kinds hot loops compare as int64 are exactly those whose
     * comparison is the int64 one */
    static const char *as_i64[] = {"boolean", "tinyint", "smallint", "int", "bigint", "date", "timestamp"};
    static const char *not_i64[] = {"float", "double", "decimal(10,2)", "string", "binary"};
    int64_t xs[] = {INT64_MIN, -5, 0, 7, INT64_MAX};
    for (size_t i = 0; i < sizeof as_i64 / sizeof as_i64[0]; i++) {
        floe_type t = ty(as_i64[i]);
        FT_CHECK(floe_type_compares_as_i64(t.kind));
        for (int x = 0; x < 5; x++)
            for (int y = 0; y < 5; y++) {
                a.v.i64 = xs[x];
                b.v.i64 = xs[y];
                int c = floe_value_compare(&a, &b, t, NULL, NULL);
                FT_EQ_INT((c > 0) - (c < 0), (x > y) - (x < y));
            }
    }
    for (size_t i = 0; i < sizeof not_i64 / sizeof not_i64[0]; i++)
        FT_CHECK(!floe_type_compares_as_i64(ty(not_i64[i]).kind));
}

static void test_base64_helpers(void) {
    floe_err e;
    floe_buf b = FLOE_BUF_INIT, d = FLOE_BUF_INIT;
    uint8_t all[256];
    for (int i = 0; i < 256; i++) all[i] = (uint8_t)i;
    for (size_t len = 0; len <= 256; len += 1 + len / 8) {
        floe_buf_reset(&b);
        floe_buf_reset(&d);
        FT_OK(floe_base64_encode(all, len, &b, &e), &e);
        FT_EQ_INT(b.len, (len + 2) / 3 * 4);
        FT_OK(floe_base64_decode((const char *)b.data, b.len, &d, &e), &e);
        FT_EQ_INT(d.len, len);
        if (len) FT_EQ_MEM(d.data, all, len);
    }
    /* A failed decode leaves the buffer as it was. */
    floe_buf_reset(&d);
    FT_OK(floe_buf_append(&d, "xy", 2, &e), &e);
    FT_EQ_INT(floe_base64_decode("AAAA!AAA", 8, &d, &e), FLOE_ERR_BAD_INPUT);
    FT_EQ_INT(d.len, 2);
    floe_buf_free(&b);
    floe_buf_free(&d);
}

FT_MAIN(test_type_parse_format, test_schema_parse_good, test_schema_parse_bad,
        test_schema_round_trip_clone_file, test_value_ints_bools, test_value_floats,
        test_value_decimal, test_value_strings_binary, test_utf8, test_value_dates_timestamps,
        test_value_compare, test_base64_helpers)
