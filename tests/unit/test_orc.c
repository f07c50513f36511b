/* Unit tests of the ORC writer and reader together (in memory): every type,
 * NULLs, every codec, several stripes, dictionary and direct strings,
 * sorted mode, and hostile input. Conformance with Apache ORC's own readers
 * is tested in tests/readers (pyarrow, orc-tools). */
#define _GNU_SOURCE
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_io.h"
#include "floe_schema.h"
#include "floe_test.h"
#include "floe_value.h"
#include "orc_reader.h"
#include "orc_writer.h"

static const char *SCHEMA =
    "{\"columns\":["
    "{\"name\":\"id\",\"type\":\"bigint\",\"nullable\":false,\"id\":7},"
    "{\"name\":\"b\",\"type\":\"boolean\"},"
    "{\"name\":\"t\",\"type\":\"tinyint\"},"
    "{\"name\":\"s\",\"type\":\"smallint\"},"
    "{\"name\":\"i\",\"type\":\"int\"},"
    "{\"name\":\"f\",\"type\":\"float\"},"
    "{\"name\":\"d\",\"type\":\"double\"},"
    "{\"name\":\"dec\",\"type\":\"decimal(38,6)\"},"
    "{\"name\":\"str\",\"type\":\"string\"},"
    "{\"name\":\"low\",\"type\":\"string\"},"
    "{\"name\":\"bin\",\"type\":\"binary\"},"
    "{\"name\":\"dt\",\"type\":\"date\"},"
    "{\"name\":\"ts\",\"type\":\"timestamp\"}],"
    "\"primary_key\":[\"id\"]}";

/* Deterministic value for row r, column c. */
static uint64_t mix(uint64_t x) {
    x ^= x >> 33;
    x *= 0xff51afd7ed558ccdull;
    x ^= x >> 33;
    x *= 0xc4ceb9fe1a85ec53ull;
    return x ^ (x >> 33);
}

static void make_row(uint64_t r, floe_value *v, floe_buf *arena) {
    memset(v, 0, 13 * sizeof *v);
    arena->len = 0;
    uint64_t h = mix(r);
    v[0].v.i64 = (int64_t)r * 3 - 1000;
    for (int c = 1; c < 13; c++) v[c].is_null = ((mix(r * 13 + (uint64_t)c) % 7) == 0);
    v[1].v.i64 = (int64_t)(h & 1);
    v[2].v.i64 = (int8_t)(h >> 8);
    v[3].v.i64 = (int16_t)(h >> 16);
    v[4].v.i64 = (int32_t)(h >> 24);
    v[5].v.f64 = (float)((double)(int32_t)(h >> 32) / 7.0);
    v[6].v.f64 = r % 1000 == 5 ? NAN : (double)(int64_t)h / 3.0;
    v[7].v.dec = ((floe_i128)(int64_t)h * (floe_i128)1000000007) * ((r & 1) ? -1 : 1);
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "value-%llu-\xf0\x9f\x98\x80", (unsigned long long)(h % 100000));
    v[8].v.bytes.off = arena->len;
    v[8].v.bytes.len = (size_t)n;
    floe_buf_append(arena, tmp, (size_t)n, NULL);
    n = snprintf(tmp, sizeof tmp, "k%llu", (unsigned long long)(h % 5));
    v[9].v.bytes.off = arena->len;
    v[9].v.bytes.len = r % 11 == 0 ? 0 : (size_t)n;
    floe_buf_append(arena, tmp, (size_t)n, NULL);
    size_t bl = (size_t)(h % 40);
    v[10].v.bytes.off = arena->len;
    v[10].v.bytes.len = bl;
    for (size_t i = 0; i < bl; i++) floe_buf_put_u8(arena, (uint8_t)(h >> (i % 56)), NULL);
    v[11].v.i64 = (int32_t)(h % 200000) - 100000;
    v[12].v.i64 = (int64_t)(h % 4000000000000000ull) - 2000000000000000ll;
}

static int values_equal(const floe_value *a, const floe_buf *arena, const floe_value *b,
                        floe_type t) {
    if (a->is_null || b->is_null) return a->is_null == b->is_null;
    if (t.kind == FLOE_T_DOUBLE || t.kind == FLOE_T_FLOAT) {
        if (isnan(a->v.f64)) return isnan(b->v.f64);
    }
    return floe_value_compare(a, b, t, arena, NULL) == 0;
}

static void roundtrip(floe_orc_codec codec, uint64_t nrows, uint64_t stripe_size) {
    floe_err e = {0};
    floe_schema *s;
    FT_OK(floe_schema_parse(SCHEMA, strlen(SCHEMA), &s, &e), &e);
    floe_output *out;
    FT_OK(floe_output_open_mem(&out, &e), &e);
    floe_orc_writer_opts o;
    floe_orc_writer_opts_init(&o);
    o.codec = codec;
    o.stripe_size = stripe_size;
    size_t key = 0;
    o.sort_key = &key;
    o.nsort_key = 1;
    o.sort_strict = 1;
    floe_orc_writer *w;
    FT_OK(floe_orc_writer_open(out, s, &o, &w, &e), &e);
    floe_value v[13];
    floe_buf arena = FLOE_BUF_INIT;
    for (uint64_t r = 0; r < nrows; r++) {
        make_row(r, v, &arena);
        FT_OK(floe_orc_writer_add_row(w, v, &arena, &e), &e);
    }
    FT_OK(floe_orc_writer_close(w, &e), &e);
    floe_orc_writer_destroy(w);
    size_t len;
    const uint8_t *data = floe_output_mem_data(out, &len);
    floe_input *in;
    FT_OK(floe_input_open_mem(data, len, "mem.orc", &in, &e), &e);
    floe_orc_reader *r;
    FT_OK(floe_orc_reader_open(in, NULL, &r, &e), &e);
    const floe_schema *rs = floe_orc_reader_schema(r);
    FT_EQ_INT(rs->ncols, 13);
    FT_EQ_INT(rs->cols[0].id, 7);
    FT_EQ_INT(rs->cols[0].nullable, 0);
    FT_EQ_INT(rs->cols[7].type.precision, 38);
    FT_EQ_INT(rs->cols[7].type.scale, 6);
    FT_EQ_U64(floe_orc_reader_num_rows(r), nrows);
    if (stripe_size < (1u << 20) && nrows > 100000)
        FT_CHECK(floe_orc_reader_footer(r)->n_stripes > 1);
    uint64_t row = 0;
    for (;;) {
        floe_orc_batch b;
        FT_OK(floe_orc_reader_next(r, &b, &e), &e);
        if (b.nrows == 0) break;
        for (size_t i = 0; i < b.nrows; i++, row++) {
            make_row(row, v, &arena);
            for (int c = 0; c < 13; c++) {
                if (!values_equal(&v[c], &arena, &b.cols[c][i], s->cols[c].type))
                    FT__FAIL("codec %d row %llu column %s differs", (int)codec,
                             (unsigned long long)row, s->cols[c].name);
            }
        }
    }
    FT_EQ_U64(row, nrows);
    floe_orc_reader_close(r);
    floe_input_close(in);
    floe_output_destroy(out);
    floe_buf_free(&arena);
    floe_schema_destroy(s);
}

static void test_roundtrip_zstd(void) { roundtrip(FLOE_ORC_ZSTD, 250000, 4u << 20); }
static void test_roundtrip_lz4(void) { roundtrip(FLOE_ORC_LZ4, 30000, 64u << 20); }
static void test_roundtrip_zlib(void) { roundtrip(FLOE_ORC_ZLIB, 30000, 1u << 20); }
static void test_roundtrip_none(void) { roundtrip(FLOE_ORC_NONE, 30000, 1u << 20); }
static void test_roundtrip_small(void) {
    roundtrip(FLOE_ORC_ZSTD, 1, 64u << 20);
    roundtrip(FLOE_ORC_ZSTD, 0, 64u << 20);
    roundtrip(FLOE_ORC_NONE, 10001, 64u << 20);
}

static void test_sorted_mode_rejects(void) {
    floe_err e = {0};
    floe_schema *s;
    const char *js = "{\"columns\":[{\"name\":\"k\",\"type\":\"string\"}]}";
    FT_OK(floe_schema_parse(js, strlen(js), &s, &e), &e);
    floe_output *out;
    FT_OK(floe_output_open_mem(&out, &e), &e);
    floe_orc_writer_opts o;
    floe_orc_writer_opts_init(&o);
    size_t key = 0;
    o.sort_key = &key;
    o.nsort_key = 1;
    floe_orc_writer *w;
    FT_OK(floe_orc_writer_open(out, s, &o, &w, &e), &e);
    floe_value v = {0};
    v.v.bytes.ptr = (const uint8_t *)"b";
    v.v.bytes.len = 1;
    FT_OK(floe_orc_writer_add_row(w, &v, NULL, &e), &e);
    FT_OK(floe_orc_writer_add_row(w, &v, NULL, &e), &e); /* equal is fine */
    v.v.bytes.ptr = (const uint8_t *)"a";
    FT_EQ_INT(floe_orc_writer_add_row(w, &v, NULL, &e), FLOE_ERR_BAD_INPUT);
    FT_CHECK(strstr(e.msg, "row 2") != NULL);
    /* sticky */
    v.v.bytes.ptr = (const uint8_t *)"z";
    FT_EQ_INT(floe_orc_writer_add_row(w, &v, NULL, &e), FLOE_ERR_STATE);
    FT_EQ_INT(floe_orc_writer_close(w, &e), FLOE_ERR_STATE);
    floe_orc_writer_destroy(w);
    floe_output_destroy(out);
    floe_schema_destroy(s);
}

/* Write a small file, then check that every truncation and many corruptions
 * of it end in an error or a clean read, never a crash (ASan checks). */
static void test_hostile_input(void) {
    floe_err e = {0};
    floe_schema *s;
    FT_OK(floe_schema_parse(SCHEMA, strlen(SCHEMA), &s, &e), &e);
    floe_output *out;
    FT_OK(floe_output_open_mem(&out, &e), &e);
    floe_orc_writer_opts o;
    floe_orc_writer_opts_init(&o);
    o.row_index_stride = 100;
    floe_orc_writer *w;
    FT_OK(floe_orc_writer_open(out, s, &o, &w, &e), &e);
    floe_value v[13];
    floe_buf arena = FLOE_BUF_INIT;
    for (uint64_t r = 0; r < 300; r++) {
        make_row(r, v, &arena);
        FT_OK(floe_orc_writer_add_row(w, v, &arena, &e), &e);
    }
    FT_OK(floe_orc_writer_close(w, &e), &e);
    floe_orc_writer_destroy(w);
    size_t len;
    const uint8_t *data = floe_output_mem_data(out, &len);
    uint8_t *copy = malloc(len);
    int errors = 0, oks = 0;
    for (size_t cut = 0; cut < len; cut += (cut < 64 || len - cut < 600) ? 1 : 37) {
        floe_input *in;
        FT_OK(floe_input_open_mem(data, cut, "cut.orc", &in, &e), &e);
        floe_orc_reader *r;
        if (floe_orc_reader_open(in, NULL, &r, &e) == FLOE_OK) {
            floe_orc_batch b;
            while (floe_orc_reader_next(r, &b, &e) == FLOE_OK && b.nrows) {}
            floe_orc_reader_close(r);
        } else {
            FT_CHECK(strstr(e.msg, "cut.orc") != NULL);
            errors++;
        }
        floe_input_close(in);
    }
    uint64_t seed = 1;
    for (int iter = 0; iter < 3000; iter++) {
        memcpy(copy, data, len);
        int flips = 1 + iter % 4;
        for (int k = 0; k < flips; k++) {
            seed = mix(seed + (uint64_t)iter);
            copy[seed % len] ^= (uint8_t)(1u << ((seed >> 20) % 8));
        }
        floe_input *in;
        FT_OK(floe_input_open_mem(copy, len, "flip.orc", &in, &e), &e);
        floe_orc_reader *r;
        if (floe_orc_reader_open(in, NULL, &r, &e) == FLOE_OK) {
            floe_orc_batch b;
            floe_status st;
            while ((st = floe_orc_reader_next(r, &b, &e)) == FLOE_OK && b.nrows) {}
            if (st == FLOE_OK) oks++;
            floe_orc_reader_close(r);
        }
        floe_input_close(in);
    }
    FT_CHECK(errors > 0);
    free(copy);
    floe_output_destroy(out);
    floe_buf_free(&arena);
    floe_schema_destroy(s);
}

/* A column whose first NULL comes late in a stripe (after several row
 * groups): the PRESENT stream is built lazily and must still decode. */
static void test_late_first_null(void) {
    floe_err e = {0};
    floe_schema *s;
    const char *js = "{\"columns\":[{\"name\":\"a\",\"type\":\"bigint\"},"
                     "{\"name\":\"b\",\"type\":\"boolean\"},"
                     "{\"name\":\"c\",\"type\":\"binary\"}]}";
    FT_OK(floe_schema_parse(js, strlen(js), &s, &e), &e);
    floe_output *out;
    FT_OK(floe_output_open_mem(&out, &e), &e);
    floe_orc_writer *w;
    FT_OK(floe_orc_writer_open(out, s, NULL, &w, &e), &e);
    const uint64_t n = 45123;
    for (uint64_t r = 0; r < n; r++) {
        floe_value v[3] = {0};
        v[0].is_null = r == 25003 || r == 40000;
        v[0].v.i64 = (int64_t)r;
        v[1].is_null = r >= 44000;
        v[1].v.i64 = r & 1;
        v[2].is_null = r == 12345 || r >= 44999;
        v[2].v.bytes.ptr = (const uint8_t *)"0123456789";
        v[2].v.bytes.len = r % 11;
        FT_OK(floe_orc_writer_add_row(w, v, NULL, &e), &e);
    }
    FT_OK(floe_orc_writer_close(w, &e), &e);
    floe_orc_writer_destroy(w);
    size_t len;
    const uint8_t *data = floe_output_mem_data(out, &len);
    floe_input *in;
    FT_OK(floe_input_open_mem(data, len, "late.orc", &in, &e), &e);
    floe_orc_reader *r;
    FT_OK(floe_orc_reader_open(in, NULL, &r, &e), &e);
    uint64_t row = 0;
    for (;;) {
        floe_orc_batch b;
        FT_OK(floe_orc_reader_next(r, &b, &e), &e);
        if (!b.nrows) break;
        for (size_t i = 0; i < b.nrows; i++, row++) {
            int null_a = row == 25003 || row == 40000;
            FT_EQ_INT(b.cols[0][i].is_null, null_a);
            if (!null_a) FT_EQ_INT(b.cols[0][i].v.i64, (int64_t)row);
            FT_EQ_INT(b.cols[1][i].is_null, row >= 44000);
            if (row < 44000) FT_EQ_INT(b.cols[1][i].v.i64, (int64_t)(row & 1));
            int null_c = row == 12345 || row >= 44999;
            FT_EQ_INT(b.cols[2][i].is_null, null_c);
            if (!null_c) {
                FT_EQ_U64(b.cols[2][i].v.bytes.len, row % 11);
                FT_CHECK(memcmp(b.cols[2][i].v.bytes.ptr, "0123456789", row % 11) == 0);
            }
        }
    }
    FT_EQ_U64(row, n);
    floe_orc_reader_close(r);
    floe_input_close(in);
    floe_output_destroy(out);
    floe_schema_destroy(s);
}

/* add_row_tail writes the same file as add_row given the whole row; a
 * sort key in the tail is refused. The integer sort key's fast check
 * refuses what the generic one does. */
static void test_add_row_tail(void) {
    floe_err e = {0};
    floe_schema *s;
    const char *js = "{\"columns\":[{\"name\":\"k\",\"type\":\"bigint\"},"
                     "{\"name\":\"v\",\"type\":\"binary\"},"
                     "{\"name\":\"seq\",\"type\":\"bigint\"},"
                     "{\"name\":\"kind\",\"type\":\"tinyint\"}]}";
    FT_OK(floe_schema_parse(js, strlen(js), &s, &e), &e);
    floe_orc_writer_opts o;
    floe_orc_writer_opts_init(&o);
    size_t key = 0;
    o.sort_key = &key;
    o.nsort_key = 1;
    o.sort_strict = 1;
    floe_output *out[2];
    for (int mode = 0; mode < 2; mode++) {
        FT_OK(floe_output_open_mem(&out[mode], &e), &e);
        floe_orc_writer *w;
        FT_OK(floe_orc_writer_open(out[mode], s, &o, &w, &e), &e);
        for (int64_t r = 0; r < 30000; r++) {
            floe_value v[4] = {0};
            v[0].v.i64 = r * 2 - 7000;
            v[1].is_null = r % 5 == 0;
            v[1].v.bytes.ptr = (const uint8_t *)"abcdefgh";
            v[1].v.bytes.len = (size_t)(r % 9);
            v[2].v.i64 = 1000000 - r;
            v[3].v.i64 = r % 4;
            if (mode == 0) FT_OK(floe_orc_writer_add_row(w, v, NULL, &e), &e);
            else FT_OK(floe_orc_writer_add_row_tail(w, v, NULL, v + 2, 2, &e), &e);
        }
        FT_OK(floe_orc_writer_close(w, &e), &e);
        floe_orc_writer_destroy(w);
    }
    size_t l0, l1;
    const uint8_t *d0 = floe_output_mem_data(out[0], &l0), *d1 = floe_output_mem_data(out[1], &l1);
    FT_EQ_U64(l0, l1);
    FT_CHECK(memcmp(d0, d1, l0) == 0);
    floe_output_destroy(out[0]);
    floe_output_destroy(out[1]);

    /* the key in the tail; then the integer key's order checks */
    floe_output *o2;
    FT_OK(floe_output_open_mem(&o2, &e), &e);
    floe_orc_writer *w;
    FT_OK(floe_orc_writer_open(o2, s, &o, &w, &e), &e);
    floe_value v[4] = {0};
    v[1].is_null = 1;
    FT_EQ_INT(floe_orc_writer_add_row_tail(w, v, NULL, v, 4, &e), FLOE_ERR_INVALID);
    v[0].v.i64 = 5;
    FT_OK(floe_orc_writer_add_row_tail(w, v, NULL, v + 2, 2, &e), &e);
    FT_EQ_INT(floe_orc_writer_add_row(w, v, NULL, &e), FLOE_ERR_BAD_INPUT); /* equal, strict */
    FT_CHECK(strstr(e.msg, "equal to") != NULL);
    floe_orc_writer_destroy(w);
    floe_output_destroy(o2);
    FT_OK(floe_output_open_mem(&o2, &e), &e);
    FT_OK(floe_orc_writer_open(o2, s, &o, &w, &e), &e);
    v[0].v.i64 = -3;
    FT_OK(floe_orc_writer_add_row(w, v, NULL, &e), &e);
    v[0].v.i64 = -4;
    FT_EQ_INT(floe_orc_writer_add_row(w, v, NULL, &e), FLOE_ERR_BAD_INPUT);
    FT_CHECK(strstr(e.msg, "less than") != NULL && strstr(e.msg, "row 1") != NULL);
    floe_orc_writer_destroy(w);
    floe_output_destroy(o2);
    /* NULL sorts last: a NULL after a value, then no value after it */
    FT_OK(floe_output_open_mem(&o2, &e), &e);
    FT_OK(floe_orc_writer_open(o2, s, &o, &w, &e), &e);
    v[0].v.i64 = 9;
    FT_OK(floe_orc_writer_add_row(w, v, NULL, &e), &e);
    v[0].is_null = 1;
    FT_OK(floe_orc_writer_add_row(w, v, NULL, &e), &e);
    v[0].is_null = 0;
    v[0].v.i64 = 10;
    FT_EQ_INT(floe_orc_writer_add_row(w, v, NULL, &e), FLOE_ERR_BAD_INPUT);
    floe_orc_writer_destroy(w);
    floe_output_destroy(o2);
    floe_schema_destroy(s);
}

FT_MAIN(test_add_row_tail, test_late_first_null, test_roundtrip_zstd, test_roundtrip_lz4, test_roundtrip_zlib, test_roundtrip_none,
        test_roundtrip_small, test_sorted_mode_rejects, test_hostile_input)
