/*
 * fuzz_json_value.c: libFuzzer target for floe_schema and floe_value.
 *
 * The input is tried as a schema JSON, as a JSON row (array of values, or a
 * single value) for every column type, and as text for the decimal, date,
 * timestamp and base64 parsers. Whatever parses must write back and parse
 * again to an equal result; failures must come with a message.
 *
 * Build (not registered in CMake):
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -I common -I BUILD/common \
 *     tests/fuzz/fuzz_json_value.c common/floe_schema.c common/floe_value.c \
 *     common/floe_buf.c common/floe_status.c -ljansson -o fuzz_json_value
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_schema.h"
#include "floe_value.h"

#define CHECK(c)                                                               \
    do {                                                                       \
        if (!(c)) {                                                            \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #c); \
            abort();                                                           \
        }                                                                      \
    } while (0)

static const char *const type_names[] = {
    "boolean", "tinyint", "smallint",      "int",          "bigint",       "float",
    "double",  "string",  "binary",        "date",         "timestamp",    "decimal(38,10)",
    "decimal(38,0)", "decimal(5,2)", "decimal(1,1)", "decimal(38,38)",
};
#define NTYPES (sizeof type_names / sizeof type_names[0])

static floe_type types[NTYPES];

static void failed_has_message(floe_status st, const floe_err *err) {
    if (st != FLOE_OK) {
        CHECK(err->code == st);
        CHECK(err->msg[0] != '\0');
    }
}

static void check_schema(const uint8_t *data, size_t size) {
    floe_err err;
    floe_schema *s = NULL, *s2 = NULL, *c = NULL;
    floe_status st = floe_schema_parse((const char *)data, size, &s, &err);
    failed_has_message(st, &err);
    if (st != FLOE_OK) {
        CHECK(s == NULL);
        return;
    }
    floe_buf b1 = FLOE_BUF_INIT, b2 = FLOE_BUF_INIT;
    CHECK(floe_schema_to_json(s, &b1, &err) == FLOE_OK);
    CHECK(floe_schema_parse((const char *)b1.data, b1.len, &s2, &err) == FLOE_OK);
    CHECK(floe_schema_clone(s2, &c, &err) == FLOE_OK);
    CHECK(floe_schema_to_json(c, &b2, &err) == FLOE_OK);
    CHECK(b1.len == b2.len && memcmp(b1.data, b2.data, b1.len) == 0);
    CHECK(s->ncols == s2->ncols && s->npk == s2->npk);
    for (size_t i = 0; i < s->ncols; i++) {
        CHECK(strcmp(s->cols[i].name, s2->cols[i].name) == 0);
        CHECK(s->cols[i].id == s2->cols[i].id && s->cols[i].id > 0);
        CHECK(s->cols[i].nullable == s2->cols[i].nullable);
        CHECK(s->cols[i].type.kind == s2->cols[i].type.kind);
        CHECK(s->cols[i].type.precision == s2->cols[i].type.precision);
        CHECK(s->cols[i].type.scale == s2->cols[i].type.scale);
        CHECK(floe_schema_find(s, s->cols[i].name) == (int)i);
    }
    for (size_t k = 0; k < s->npk; k++) {
        CHECK(s->pk[k] == s2->pk[k]);
        CHECK(!s->cols[s->pk[k]].nullable);
    }
    floe_buf_free(&b1);
    floe_buf_free(&b2);
    floe_schema_destroy(s);
    floe_schema_destroy(s2);
    floe_schema_destroy(c);
}

/* One JSON value against one type: parse, write, parse again, compare. */
static void check_value(const json_t *j, floe_type t) {
    floe_err err;
    floe_buf arena = FLOE_BUF_INIT, arena2 = FLOE_BUF_INIT;
    floe_buf o1 = FLOE_BUF_INIT, o2 = FLOE_BUF_INIT;
    floe_value v, v2;
    floe_status st = floe_value_from_json(j, t, &v, &arena, &err);
    failed_has_message(st, &err);
    if (st == FLOE_OK) {
        CHECK(floe_value_to_json(&v, t, &arena, &o1, &err) == FLOE_OK);
        json_error_t je;
        json_t *back = json_loadb((const char *)o1.data, o1.len, JSON_DECODE_ANY | JSON_ALLOW_NUL,
                                  &je);
        if (!back) {
            fprintf(stderr, "unparseable output: %.*s: %s\n", (int)o1.len, o1.data, je.text);
            abort();
        }
        st = floe_value_from_json(back, t, &v2, &arena2, &err);
        if (st != FLOE_OK) {
            fprintf(stderr, "output %.*s does not parse back: %s\n", (int)o1.len, o1.data,
                    err.msg);
            abort();
        }
        json_decref(back);
        CHECK(v.is_null == v2.is_null);
        if (!v.is_null) {
            CHECK(floe_value_compare(&v, &v2, t, &arena, &arena2) == 0);
            if (t.kind == FLOE_T_FLOAT || t.kind == FLOE_T_DOUBLE)
                CHECK(memcmp(&v.v.f64, &v2.v.f64, sizeof(double)) == 0 ||
                      (isnan(v.v.f64) && isnan(v2.v.f64)));
        }
        CHECK(floe_value_to_json(&v2, t, &arena2, &o2, &err) == FLOE_OK);
        CHECK(o1.len == o2.len && memcmp(o1.data, o2.data, o1.len) == 0);
    }
    floe_buf_free(&arena);
    floe_buf_free(&arena2);
    floe_buf_free(&o1);
    floe_buf_free(&o2);
}

static void check_row(const uint8_t *data, size_t size) {
    json_error_t je;
    json_t *row = json_loadb((const char *)data, size, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
    if (!row) return;
    if (json_is_array(row)) {
        size_t n = json_array_size(row);
        for (size_t i = 0; i < n && i < 64; i++)
            for (size_t k = 0; k < NTYPES; k++) check_value(json_array_get(row, i), types[k]);
    } else {
        for (size_t k = 0; k < NTYPES; k++) check_value(row, types[k]);
    }
    json_decref(row);
}

static void check_text(const uint8_t *data, size_t size) {
    if (size > 4096) return;
    char *s = malloc(size + 1);
    CHECK(s);
    memcpy(s, data, size);
    s[size] = '\0';
    floe_err err;
    char buf[64];

    static const uint8_t ps[][2] = {{38, 10}, {38, 0}, {5, 2}, {1, 1}, {38, 38}};
    for (size_t i = 0; i < sizeof ps / sizeof ps[0]; i++) {
        floe_i128 d, d2;
        floe_status st = floe_decimal_parse(s, ps[i][0], ps[i][1], &d, &err);
        failed_has_message(st, &err);
        if (st == FLOE_OK) {
            floe_decimal_format(d, ps[i][1], buf);
            CHECK(floe_decimal_parse(buf, ps[i][0], ps[i][1], &d2, &err) == FLOE_OK);
            CHECK(d == d2);
        }
    }
    int32_t days, days2;
    floe_status st = floe_date_parse(s, &days, &err);
    failed_has_message(st, &err);
    if (st == FLOE_OK) {
        CHECK(floe_date_format(days, buf) == 10);
        CHECK(floe_date_parse(buf, &days2, &err) == FLOE_OK && days == days2);
        CHECK(strncmp(buf, s, 10) == 0);
    }
    int64_t us, us2;
    st = floe_timestamp_parse(s, &us, &err);
    failed_has_message(st, &err);
    if (st == FLOE_OK) {
        CHECK(floe_timestamp_format(us, buf) == 26);
        CHECK(floe_timestamp_parse(buf, &us2, &err) == FLOE_OK && us == us2);
        CHECK(strncmp(buf, s, 19) == 0);
    }
    floe_buf b = FLOE_BUF_INIT, e = FLOE_BUF_INIT, b2 = FLOE_BUF_INIT;
    st = floe_base64_decode(s, size, &b, &err);
    failed_has_message(st, &err);
    if (st == FLOE_OK) {
        CHECK(b.len <= size / 4 * 3);
        CHECK(floe_base64_encode(b.data, b.len, &e, &err) == FLOE_OK);
        CHECK(e.len == size);
        CHECK(floe_base64_decode((const char *)e.data, e.len, &b2, &err) == FLOE_OK);
        CHECK(b2.len == b.len && (b.len == 0 || memcmp(b.data, b2.data, b.len) == 0));
    }
    floe_buf_free(&b);
    floe_buf_free(&e);
    floe_buf_free(&b2);
    (void)floe_utf8_valid(data, size);
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static int init;
    if (!init) {
        for (size_t k = 0; k < NTYPES; k++) {
            floe_err err;
            CHECK(floe_type_parse(type_names[k], &types[k], &err) == FLOE_OK);
        }
        init = 1;
    }
    check_schema(data, size);
    check_row(data, size);
    check_text(data, size);
    return 0;
}
