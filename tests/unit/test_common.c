/* Unit tests of common/: status table, buffers, varints, config, I/O. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "floe_buf.h"
#include "floe_config.h"
#include "floe_fs.h"
#include "floe_io.h"
#include "floe_status.h"
#include "floe_test.h"

static void test_status_names(void) {
    FT_EQ_STR(floe_status_name(FLOE_OK), "OK");
    FT_EQ_STR(floe_status_name(FLOE_ERR_CORRUPT), "ERR_CORRUPT");
    FT_EQ_STR(floe_status_name((floe_status)999), "ERR_UNKNOWN");
    floe_err e;
    FT_EQ_INT(floe_err_set(&e, FLOE_ERR_IO, "file %s", "x.orc"), FLOE_ERR_IO);
    floe_err_prefix(&e, "stripe %d: ", 3);
    FT_EQ_STR(e.msg, "stripe 3: file x.orc");
    FT_EQ_INT(e.code, FLOE_ERR_IO);
}

static void test_varint_zigzag(void) {
    floe_err e;
    floe_buf b = FLOE_BUF_INIT;
    FT_OK(floe_buf_put_uvarint(&b, 300, &e), &e);
    FT_EQ_INT(b.len, 2);
    FT_EQ_INT(b.data[0], 0xac);
    FT_EQ_INT(b.data[1], 0x02);
    int64_t vals[] = {0, -1, 1, INT64_MIN, INT64_MAX};
    for (int i = 0; i < 5; i++) FT_EQ_INT(floe_zigzag_dec(floe_zigzag_enc(vals[i])), vals[i]);
    FT_EQ_U64(floe_zigzag_enc(-1), 1);
    FT_EQ_U64(floe_zigzag_enc(1), 2);
    floe_buf_free(&b);
}

static void test_config(void) {
    floe_err e;
    char path[] = "/tmp/floe_test_cfgXXXXXX";
    int fd = mkstemp(path);
    FT_CHECK(fd >= 0);
    const char *text = "# comment\nwarehouse = /tmp/wh\ncommit.interval.ms=5s\n"
                       "buffer: 64MiB\nkafka.sasl.password=${env:FLOE_TEST_SECRET}\n";
    FT_CHECK(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
    close(fd);
    setenv("FLOE_TEST_SECRET", "hunter2", 1);
    floe_config *c;
    FT_OK(floe_config_new(&c, &e), &e);
    FT_OK(floe_config_load_file(c, path, &e), &e);
    unlink(path);
    char v[64];
    FT_OK(floe_config_get_str(c, "warehouse", NULL, v, sizeof v, &e), &e);
    FT_EQ_STR(v, "/tmp/wh");
    int64_t ms, sz;
    FT_OK(floe_config_get_duration_ms(c, "commit.interval.ms", 0, &ms, &e), &e);
    FT_EQ_INT(ms, 5000);
    FT_OK(floe_config_get_size(c, "buffer", 0, &sz, &e), &e);
    FT_EQ_INT(sz, 64 << 20);
    FT_OK(floe_config_get_str(c, "kafka.sasl.password", NULL, v, sizeof v, &e), &e);
    FT_EQ_STR(v, "hunter2");
    FT_CHECK(floe_config_key_is_secret("kafka.sasl.password"));
    FT_CHECK(!floe_config_key_is_secret("warehouse"));
    FT_OK(floe_config_set_pair(c, "buffer=oops", &e), &e);
    FT_EQ_INT(floe_config_get_size(c, "buffer", 0, &sz, &e), FLOE_ERR_INVALID);
    FT_CHECK(strstr(e.msg, "buffer") != NULL);
    floe_config_destroy(c);
    floe_config_destroy(NULL);
}

static void test_io_mem_and_faults(void) {
    floe_err e;
    floe_output *o;
    FT_OK(floe_output_open_mem(&o, &e), &e);
    FT_OK(floe_output_write(o, "hello", 5, &e), &e);
    FT_EQ_INT(floe_output_offset(o), 5);
    size_t n;
    const uint8_t *d = floe_output_mem_data(o, &n);
    floe_input *in;
    FT_OK(floe_input_open_mem(d, n, "mem", &in, &e), &e);
    char got[8] = {0};
    FT_OK(floe_input_read(in, 1, got, 3, &e), &e);
    FT_EQ_STR(got, "ell");
    FT_EQ_INT(floe_input_read(in, 3, got, 3, &e), FLOE_ERR_TRUNCATED);
    floe_io_fault_at(1);
    FT_EQ_INT(floe_input_read(in, 0, got, 1, &e), FLOE_ERR_IO);
    FT_OK(floe_input_read(in, 0, got, 1, &e), &e);
    floe_io_fault_at(1);
    FT_EQ_INT(floe_output_write(o, "x", 1, &e), FLOE_ERR_IO);
    FT_EQ_INT(floe_output_write(o, "x", 1, &e), FLOE_ERR_STATE); /* sticky */
    floe_input_close(in);
    floe_output_destroy(o);
}

static void test_io_file(void) {
    floe_err e;
    char path[] = "/tmp/floe_test_ioXXXXXX";
    int fd = mkstemp(path);
    close(fd);
    floe_output *o;
    FT_OK(floe_output_open_file(path, &o, &e), &e);
    FT_OK(floe_output_write(o, "abcdef", 6, &e), &e);
    FT_OK(floe_output_finish(o, 1, &e), &e);
    floe_output_destroy(o);
    floe_input *in;
    FT_OK(floe_input_open_file(path, &in, &e), &e);
    FT_EQ_INT(floe_input_size(in), 6);
    char got[4] = {0};
    FT_OK(floe_input_read(in, 3, got, 3, &e), &e);
    FT_EQ_STR(got, "def");
    floe_input_close(in);
    unlink(path);
    FT_EQ_INT(floe_input_open_file("/nonexistent/x", &in, &e), FLOE_ERR_NOT_FOUND);
    FT_CHECK(strstr(e.msg, "/nonexistent/x") != NULL);
}

/* floe_fs_read_json: a missing file, a file that is not JSON (path and
 * line in the message), one over the size limit, and a good one. */
static void test_read_json(void) {
    floe_err e;
    char path[] = "/tmp/floe_test_jsonXXXXXX";
    int fd = mkstemp(path);
    FT_CHECK(fd >= 0);
    FT_CHECK(write(fd, "{\"a\": 1,\n \"b\": }", 17) == 17);
    close(fd);
    json_t *j = NULL;
    FT_EQ_INT(floe_fs_read_json(path, 1024, &j, &e), FLOE_ERR_CORRUPT);
    FT_CHECK(j == NULL);
    FT_CHECK(strstr(e.msg, path) != NULL && strstr(e.msg, "not valid JSON (line 2") != NULL);
    FT_EQ_INT(floe_fs_read_json(path, 4, &j, &e), FLOE_ERR_LIMIT);
    FT_OK(floe_fs_replace(path, "{\"a\": [1, 2]}", 13, &e), &e);
    FT_OK(floe_fs_read_json(path, 1024, &j, &e), &e);
    FT_EQ_INT(json_array_size(json_object_get(j, "a")), 2);
    json_decref(j);
    unlink(path);
    FT_EQ_INT(floe_fs_read_json(path, 1024, &j, &e), FLOE_ERR_NOT_FOUND);
    FT_CHECK(strstr(e.msg, path) != NULL);
}

FT_MAIN(test_status_names, test_varint_zigzag, test_config, test_io_mem_and_faults, test_io_file,
        test_read_json)
