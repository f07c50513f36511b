/*
 * floe_cmd_sample.c: `floe sample revision`: MediaWiki-revision-shaped
 * Debezium change events (MariaDB connector, JsonConverter with schemas),
 * one message per line as KEY<TAB>VALUE for `kcat -K '\t'`. Used by the
 * demo and by tests; deterministic for a seed.
 */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_buf.h"
#include "floe_cli.h"
#include "floe_value.h"

static uint64_t rng_state;
static uint64_t next_rand(void) {
    uint64_t z = (rng_state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static const char *FIELDS =
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_id\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_page\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_comment_id\"},"
    "{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_actor\"},"
    "{\"type\":\"bytes\",\"optional\":false,\"field\":\"rev_timestamp\"},"
    "{\"type\":\"int16\",\"optional\":false,\"field\":\"rev_minor_edit\"},"
    "{\"type\":\"int16\",\"optional\":false,\"field\":\"rev_deleted\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"rev_len\"},"
    "{\"type\":\"int64\",\"optional\":true,\"field\":\"rev_parent_id\"},"
    "{\"type\":\"bytes\",\"optional\":false,\"field\":\"rev_sha1\"}";

static void row_json(floe_buf *b, uint64_t id, int version) {
    uint64_t h = id * 0x9E3779B97F4A7C15ull + (uint64_t)version;
    char ts[15], sha[32];
    snprintf(ts, sizeof ts, "2026%02d%02d%02d%02d%02d", (int)(id / 300000 % 12 + 1),
             (int)(id / 10000 % 28 + 1), (int)(id / 400 % 24), (int)(id / 7 % 60), (int)(id % 60));
    static const char a[] = "0123456789abcdefghijklmnopqrstuvwxyz";
    uint64_t x = h ^ 0x5bd1e995u;
    for (int i = 0; i < 31; i++) {
        x = x * 6364136223846793005ull + 1442695040888963407ull;
        sha[i] = a[(x >> 33) % 36];
    }
    sha[31] = 0;
    floe_buf t64 = FLOE_BUF_INIT, s64 = FLOE_BUF_INIT;
    floe_base64_encode((const uint8_t *)ts, 14, &t64, NULL);
    floe_base64_encode((const uint8_t *)sha, 31, &s64, NULL);
    floe_buf_put_u8(&t64, 0, NULL);
    floe_buf_put_u8(&s64, 0, NULL);
    char tmp[512];
    int n = snprintf(tmp, sizeof tmp,
                     "{\"rev_id\":%llu,\"rev_page\":%llu,\"rev_comment_id\":%llu,\"rev_actor\":%llu,"
                     "\"rev_timestamp\":\"%s\",\"rev_minor_edit\":%d,\"rev_deleted\":0,"
                     "\"rev_len\":%llu,\"rev_parent_id\":%s%llu,\"rev_sha1\":\"%s\"}",
                     (unsigned long long)id, (unsigned long long)(h % 5000 + 1),
                     (unsigned long long)(id * 3 + (uint64_t)version),
                     (unsigned long long)(h % 20000 + 1), (const char *)t64.data, (int)(h >> 7 & 1),
                     (unsigned long long)(h % 200000 + (uint64_t)version), "",
                     (unsigned long long)(id > 1 ? id - 1 : 0), (const char *)s64.data);
    floe_buf_append(b, tmp, (size_t)n, NULL);
    floe_buf_free(&t64);
    floe_buf_free(&s64);
}

static int g_schemas = 1;

/* The payload's before and after rows (version -1: null) after "before":. */
static void before_after(floe_buf *out, uint64_t id, int before_v, int after_v) {
    if (before_v >= 0) row_json(out, id, before_v);
    else floe_buf_append(out, "null", 4, NULL);
    floe_buf_append(out, ",\"after\":", 9, NULL);
    if (after_v >= 0) row_json(out, id, after_v);
    else floe_buf_append(out, "null", 4, NULL);
}

static void emit(floe_buf *out, const char *prefix, const char *db, uint64_t id, char op,
                 int before_v, int after_v, uint64_t pos) {
    char tmp[1024];
    if (!g_schemas) {
        /* JsonConverter with schemas.enable=false: bare key and payload */
        int n = snprintf(tmp, sizeof tmp, "{\"rev_id\":%llu}\t{\"before\":", (unsigned long long)id);
        floe_buf_append(out, tmp, (size_t)n, NULL);
        before_after(out, id, before_v, after_v);
        n = snprintf(tmp, sizeof tmp,
                     ",\"source\":{\"version\":\"3.0.0.Final\",\"connector\":\"mariadb\",\"name\":\"%s\","
                     "\"ts_ms\":%llu,\"snapshot\":\"false\",\"db\":\"%s\",\"table\":\"revision\","
                     "\"server_id\":1,\"gtid\":\"0-1-%llu\",\"file\":\"mysql-bin.000001\",\"pos\":%llu,"
                     "\"row\":0,\"thread\":7},\"op\":\"%c\",\"ts_ms\":%llu}\n",
                     prefix, (unsigned long long)(1795500000000ull + pos), db, (unsigned long long)pos,
                     (unsigned long long)(pos * 100), op, (unsigned long long)(1795500000000ull + pos));
        floe_buf_append(out, tmp, (size_t)n, NULL);
        return;
    }
    int n = snprintf(tmp, sizeof tmp,
                     "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"name\":\"%s.%s.revision.Key\","
                     "\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_id\"}]},"
                     "\"payload\":{\"rev_id\":%llu}}\t",
                     prefix, db, (unsigned long long)id);
    floe_buf_append(out, tmp, (size_t)n, NULL);
    n = snprintf(tmp, sizeof tmp,
                 "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"name\":\"%s.%s.revision.Envelope\","
                 "\"fields\":[{\"type\":\"struct\",\"optional\":true,\"name\":\"%s.%s.revision.Value\","
                 "\"field\":\"before\",\"fields\":[",
                 prefix, db, prefix, db);
    floe_buf_append(out, tmp, (size_t)n, NULL);
    floe_buf_append(out, FIELDS, strlen(FIELDS), NULL);
    n = snprintf(tmp, sizeof tmp,
                 "]},{\"type\":\"struct\",\"optional\":true,\"name\":\"%s.%s.revision.Value\","
                 "\"field\":\"after\",\"fields\":[",
                 prefix, db);
    floe_buf_append(out, tmp, (size_t)n, NULL);
    floe_buf_append(out, FIELDS, strlen(FIELDS), NULL);
    const char *rest =
        "]},{\"type\":\"struct\",\"optional\":false,\"name\":\"io.debezium.connector.mariadb.Source\","
        "\"field\":\"source\",\"fields\":[{\"type\":\"string\",\"optional\":false,\"field\":\"connector\"},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"db\"},{\"type\":\"string\",\"optional\":true,"
        "\"field\":\"table\"},{\"type\":\"string\",\"optional\":true,\"field\":\"gtid\"},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"file\"},{\"type\":\"int64\",\"optional\":false,"
        "\"field\":\"pos\"},{\"type\":\"int32\",\"optional\":false,\"field\":\"row\"}]},"
        "{\"type\":\"string\",\"optional\":false,\"field\":\"op\"},{\"type\":\"int64\",\"optional\":true,"
        "\"field\":\"ts_ms\"}]},\"payload\":{\"before\":";
    floe_buf_append(out, rest, strlen(rest), NULL);
    before_after(out, id, before_v, after_v);
    n = snprintf(tmp, sizeof tmp,
                 ",\"source\":{\"connector\":\"mariadb\",\"db\":\"%s\",\"table\":\"revision\","
                 "\"gtid\":\"0-1-%llu\",\"file\":\"mysql-bin.000001\",\"pos\":%llu,\"row\":0},"
                 "\"op\":\"%c\",\"ts_ms\":%llu}}\n",
                 db, (unsigned long long)pos, (unsigned long long)(pos * 100), op,
                 (unsigned long long)(1795500000000ull + pos));
    floe_buf_append(out, tmp, (size_t)n, NULL);
}

int floe_cmd_sample(int argc, char **argv) {
    if (floe_cli_wants_help(argc, argv) || argc < 2 || strcmp(argv[1], "revision")) {
        printf("usage: floe sample revision [--events N] [--seed S] [--prefix P] [--db D]\n"
               "                            [--schemas on|off]\n\n"
               "Prints N (default 10000) Debezium change events for a MediaWiki `revision`\n"
               "table (MariaDB connector, JsonConverter with schemas; BINARY/VARBINARY\n"
               "columns as base64 bytes), as KEY<TAB>VALUE lines for `kcat -P -K '\\t'`.\n"
               "About 70%% inserts, 20%% updates, 10%% deletes (a delete is followed by a\n"
               "tombstone, as Debezium does). Topic: P.D.revision (default mediawiki.wiki).\n");
        return floe_cli_wants_help(argc, argv) ? 0 : 2;
    }
    long long events = 10000;
    uint64_t seed = 1;
    const char *prefix = "mediawiki", *db = "wiki";
    for (int i = 2; i + 1 < argc; i += 2) {
        if (!strcmp(argv[i], "--events")) events = atoll(argv[i + 1]);
        else if (!strcmp(argv[i], "--seed")) seed = strtoull(argv[i + 1], NULL, 10);
        else if (!strcmp(argv[i], "--prefix")) prefix = argv[i + 1];
        else if (!strcmp(argv[i], "--db")) db = argv[i + 1];
        else if (!strcmp(argv[i], "--schemas")) g_schemas = strcmp(argv[i + 1], "off") != 0;
        else {
            fprintf(stderr, "floe sample: unknown option %s\n", argv[i]);
            return 2;
        }
    }
    rng_state = seed;
    uint64_t next_id = 1;
    int *version = calloc((size_t)events + 2, sizeof *version); /* -1 = deleted */
    floe_buf out = FLOE_BUF_INIT;
    for (long long e = 0; e < events; e++) {
        uint64_t r = next_rand() % 100;
        out.len = 0;
        if (r < 70 || next_id == 1) {
            uint64_t id = next_id++;
            emit(&out, prefix, db, id, 'c', -1, 0, (uint64_t)e);
        } else {
            uint64_t id = 1 + next_rand() % (next_id - 1);
            if (version[id] < 0) {
                version[id] = 0;
                emit(&out, prefix, db, id, 'c', -1, 0, (uint64_t)e);
            } else if (r < 90) {
                emit(&out, prefix, db, id, 'u', version[id], version[id] + 1, (uint64_t)e);
                version[id]++;
            } else {
                emit(&out, prefix, db, id, 'd', version[id], -1, (uint64_t)e);
                version[id] = -1;
                /* tombstone: key, empty value */
                char tmp[256];
                int n = g_schemas
                            ? snprintf(tmp, sizeof tmp,
                                       "{\"schema\":{\"type\":\"struct\",\"optional\":false,\"name\":\"%s.%s.revision.Key\","
                                       "\"fields\":[{\"type\":\"int64\",\"optional\":false,\"field\":\"rev_id\"}]},"
                                       "\"payload\":{\"rev_id\":%llu}}\t\n",
                                       prefix, db, (unsigned long long)id)
                            : snprintf(tmp, sizeof tmp, "{\"rev_id\":%llu}\t\n", (unsigned long long)id);
                floe_buf_append(&out, tmp, (size_t)n, NULL);
            }
        }
        fwrite(out.data, 1, out.len, stdout);
    }
    floe_buf_free(&out);
    free(version);
    return 0;
}
