/*
 * orc_write_bench: floe's ORC writer on MediaWiki revision-shaped rows.
 *
 *   orc_write_bench ROWS.bin OUT.orc CODEC REPEAT
 *
 * ROWS.bin is the fixed-width row file benchmarks/orc/run.py generates
 * (per row: 8 little-endian int64 = rev_id, rev_page, rev_comment_id,
 * rev_actor, rev_len (INT64_MIN = NULL), rev_parent_id, rev_minor_edit,
 * rev_deleted; then 14 bytes rev_timestamp and 31 bytes rev_sha1). The
 * rows are loaded first; only the ORC write (encode, compress, write the
 * file) is timed, REPEAT times. Prints one JSON object with every run's
 * seconds and the output size.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "floe_io.h"
#include "floe_schema.h"
#include "orc_writer.h"

#define REC 109

static const char *SCHEMA =
    "{\"columns\":["
    "{\"name\":\"rev_id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_page\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_comment_id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_actor\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_len\",\"type\":\"int\"},"
    "{\"name\":\"rev_parent_id\",\"type\":\"bigint\",\"nullable\":false},"
    "{\"name\":\"rev_minor_edit\",\"type\":\"tinyint\",\"nullable\":false},"
    "{\"name\":\"rev_deleted\",\"type\":\"tinyint\",\"nullable\":false},"
    "{\"name\":\"rev_timestamp\",\"type\":\"string\",\"nullable\":false},"
    "{\"name\":\"rev_sha1\",\"type\":\"string\",\"nullable\":false}],"
    "\"primary_key\":[\"rev_id\"]}";

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv) {
    if (argc != 5) {
        fprintf(stderr, "usage: %s ROWS.bin OUT.orc CODEC REPEAT\n", argv[0]);
        return 2;
    }
    FILE *f = fopen(argv[1], "rb");
    if (!f) {
        perror(argv[1]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fseek(f, 0, SEEK_SET);
    uint8_t *data = malloc((size_t)size);
    if (!data || fread(data, 1, (size_t)size, f) != (size_t)size) {
        fprintf(stderr, "cannot read %s\n", argv[1]);
        return 1;
    }
    fclose(f);
    size_t nrows = (size_t)size / REC;
    floe_err e = {0};
    floe_schema *s;
    if (floe_schema_parse(SCHEMA, strlen(SCHEMA), &s, &e) != FLOE_OK) {
        fprintf(stderr, "%s\n", e.msg);
        return 1;
    }
    int codec = floe_orc_codec_parse(argv[3]);
    int repeat = atoi(argv[4]);
    printf("{\"writer\":\"floe\",\"rows\":%zu,\"codec\":\"%s\",\"seconds\":[", nrows, argv[3]);
    uint64_t out_size = 0;
    for (int rep = 0; rep < repeat; rep++) {
        double t0 = now();
        floe_output *out;
        floe_orc_writer *w;
        floe_orc_writer_opts o;
        floe_orc_writer_opts_init(&o);
        o.codec = (floe_orc_codec)codec;
        if (floe_output_open_file(argv[2], &out, &e) != FLOE_OK ||
            floe_orc_writer_open(out, s, &o, &w, &e) != FLOE_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        floe_value v[10];
        memset(v, 0, sizeof v);
        for (size_t r = 0; r < nrows; r++) {
            const uint8_t *p = data + r * REC;
            for (int c = 0; c < 8; c++) {
                int64_t x;
                memcpy(&x, p + 8 * c, 8);
                v[c].is_null = (x == INT64_MIN);
                v[c].v.i64 = x;
            }
            v[8].v.bytes.ptr = p + 64;
            v[8].v.bytes.len = 14;
            v[9].v.bytes.ptr = p + 78;
            v[9].v.bytes.len = 31;
            if (floe_orc_writer_add_row(w, v, NULL, &e) != FLOE_OK) {
                fprintf(stderr, "%s\n", e.msg);
                return 1;
            }
        }
        if (floe_orc_writer_close(w, &e) != FLOE_OK || floe_output_finish(out, 0, &e) != FLOE_OK) {
            fprintf(stderr, "%s\n", e.msg);
            return 1;
        }
        out_size = floe_output_offset(out);
        floe_orc_writer_destroy(w);
        floe_output_destroy(out);
        printf("%s%.6f", rep ? "," : "", now() - t0);
        fflush(stdout);
    }
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("],\"file_bytes\":%llu,\"peak_rss_kb\":%ld}\n", (unsigned long long)out_size,
           ru.ru_maxrss);
    floe_schema_destroy(s);
    free(data);
    return 0;
}
