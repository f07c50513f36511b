/*
 * ingest_service.c: the Kafka ingest service; contract in ingest_service.h.
 *
 * Invariants:
 *  1. A table's `positions` hold, per consumed partition, the offset after
 *     the last message whose effect is in the table's write buffer or
 *     snapshots; a commit stores exactly those positions with the rows.
 *  2. Messages sent to the dead-letter topic are flushed before the commit
 *     that moves past them.
 *  3. On assignment every partition starts at its table's committed
 *     position (or the beginning when the table has none).
 *
 * Loop: poll -> decode -> put (-> commit when interval/rows due) -> full
 * compaction + Iceberg sync when due -> stats; stop flag, fatal error or
 * "caught up" end it; the end commits everything.
 */
#define _GNU_SOURCE
#include "ingest_service.h"

#include <librdkafka/rdkafka.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "compaction.h"
#include "compactor.h"
#include "dbz_decode.h"
#include "dbz_scan.h"
#include "floe_fs.h"
#include "floe_log.h"
#include "iceberg.h"
#include "lsm_merge.h"
#include "lsm_writer.h"
#include "mariadb_schema.h"

typedef struct part {
    char *topic;
    int32_t partition;
    int64_t next; /* next offset to consume */
    int64_t end;  /* high watermark seen at assignment */
} part;

typedef struct tstate {
    char *topic;
    char *name; /* db.table */
    floe_lsm_table *t;
    floe_lsm_writer *w;
    floe_compactor *comp;
    floe_dbz_fields fields;
    json_t *schema_cache;
    json_t *positions; /* {"kafka":{topic:{"p":offset}}} */
    /* the integer objects inside positions last stored to, so the usual
     * message updates one in place (borrowed; positions owns them) */
    struct {
        const char *topic;
        int32_t partition;
        json_t *v;
    } pos_cache[4];
    floe_dbz_scanner *scan; /* the fast path; planned for fields + schema */
    int scan_planned;       /* cleared whenever the jansson path ran */
    uint64_t pending;
    int dirty;
    int paused;            /* partitions paused: sorted runs above the stop trigger */
    int64_t paused_at_ms;
    int64_t last_iceberg_ms;
} tstate;

typedef struct topic_cache {
    char *topic;
    floe_dbz_schema_cache c;
} topic_cache;

struct floe_ingest {
    const floe_config *cfg;
    char warehouse[1024], database[256], dlq_topic[256], binmode[32];
    int dlq_policy, compaction;
    int parse_only; /* benchmark.parse-only: consume and decode, write nothing */
    int64_t commit_interval_ms, commit_max_rows, iceberg_interval_ms, stats_interval_ms;
    int64_t buffer, buckets;
    json_t *table_options; /* table.option.<key> = value, for tables it creates */
    json_t *tableless;     /* {topic:{"p":next}}: positions of topics without a table
                              (loaded per topic on assignment) */
    json_t *tableless_dirty; /* {topic:true}: changed since the last save */
    json_t *tableless_legacy; /* the per-database file earlier versions wrote ({} when none) */
    char tableless_dir[1400];
    uint64_t pauses;       /* times a table's partitions were paused */
    rd_kafka_t *rk, *dlq;
    tstate **tables;
    size_t ntables;
    part *parts;
    size_t nparts, capparts;
    int assigned;
    atomic_int stop;
    floe_err fatal;
    int fatal_set;
    floe_buf arena;
    floe_value *vals, *bvals; /* after and before values, nvals each */
    size_t nvals;
    uint64_t fast, slow; /* messages decoded by the scanner / the jansson path */
    floe_ingest_stats st;
    topic_cache *caches;
    size_t ncaches;
    floe_dbz_schema_cache nocache;
    uint64_t rows_at_last_stats;
    int64_t last_stats_ms;
};

static int64_t now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void set_fatal(floe_ingest *in, const floe_err *e) {
    if (in->fatal_set) return;
    in->fatal = *e;
    in->fatal_set = 1;
}

/* ---- tables ---- */

static void tstate_free(tstate *ts) {
    if (!ts) return;
    floe_compactor_stop(ts->comp);
    floe_lsm_writer_destroy(ts->w);
    floe_lsm_table_destroy(ts->t);
    floe_dbz_fields_free(&ts->fields);
    floe_dbz_scanner_destroy(ts->scan);
    json_decref(ts->schema_cache);
    json_decref(ts->positions);
    free(ts->topic);
    free(ts->name);
    free(ts);
}

static const char *last_segment(const char *topic) {
    const char *dot = strrchr(topic, '.');
    return dot ? dot + 1 : topic;
}

static tstate *find_table(floe_ingest *in, const char *topic) {
    for (size_t i = 0; i < in->ntables; i++)
        if (!strcmp(in->tables[i]->topic, topic)) return in->tables[i];
    return NULL;
}

static floe_status open_writer(floe_ingest *in, tstate *ts, floe_err *err) {
    floe_lsm_writer_opts wo;
    floe_lsm_writer_opts_init(&wo);
    wo.buffer_bytes = (uint64_t)in->buffer;
    wo.commit_user = "floe-ingest";
    floe_compact_opts co;
    FLOE_TRY(floe_compact_opts_from_table(ts->t, &co, err));
    wo.codec = floe_compact_codec(&co, 0);
    FLOE_TRY(floe_lsm_writer_open(ts->t, &wo, &ts->w, err));
    if (in->compaction && !ts->comp)
        FLOE_TRY(floe_compactor_start(in->warehouse, ts->name, NULL, &ts->comp, err));
    return FLOE_OK;
}

/* table.option.* applies to the tables the service creates: say so when an
 * existing table has a different value, rather than ignore it silently. */
static void warn_option_drift(const floe_ingest *in, const floe_lsm_table *t) {
    const char *k;
    json_t *v;
    json_object_foreach(in->table_options, k, v) {
        json_t *have = json_object_get(t->options, k);
        if (have && json_is_string(have) && !strcmp(json_string_value(have), json_string_value(v)))
            continue;
        floe_log_warn("ingest",
                      "table option in the config differs from the table's table=%s option=%s "
                      "config=\"%s\" table_has=\"%s\" hint=\"table.option.* applies to tables "
                      "this service creates; change this one with floe table alter --option, "
                      "then restart\"",
                      t->name, k, json_string_value(v),
                      have && json_is_string(have) ? json_string_value(have) : "(default)");
    }
}

/* Open the state of an existing table (NULL in *out when it does not
 * exist yet). */
static floe_status open_existing(floe_ingest *in, const char *topic, tstate **out, floe_err *err) {
    *out = find_table(in, topic);
    if (*out) return FLOE_OK;
    char name[600];
    snprintf(name, sizeof name, "%s.%s", in->database, last_segment(topic));
    floe_lsm_table *t = NULL;
    floe_status s = floe_lsm_table_open(in->warehouse, name, &t, err);
    if (s == FLOE_ERR_NOT_FOUND) {
        floe_err_clear(err);
        return FLOE_OK;
    }
    FLOE_TRY(s);
    warn_option_drift(in, t);
    tstate *ts = calloc(1, sizeof *ts);
    tstate **nt = realloc(in->tables, (in->ntables + 1) * sizeof *nt);
    if (!ts || !nt) {
        free(ts);
        floe_lsm_table_destroy(t);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    in->tables = nt;
    ts->topic = strdup(topic);
    ts->name = strdup(name);
    ts->t = t;
    ts->last_iceberg_ms = now_ms();
    in->tables[in->ntables++] = ts;
    in->st.tables = in->ntables;
    FLOE_TRY(open_writer(in, ts, err));
    json_t *sp = floe_lsm_writer_source_positions(ts->w);
    ts->positions = sp && json_object_get(sp, "kafka") ? json_deep_copy(sp) : json_pack("{s:{}}", "kafka");
    *out = ts;
    return FLOE_OK;
}

static int64_t stored_offset(tstate *ts, const char *topic, int32_t partition) {
    char p[16];
    snprintf(p, sizeof p, "%d", (int)partition);
    json_t *v = json_object_get(json_object_get(json_object_get(ts->positions, "kafka"), topic), p);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static void store_offset(tstate *ts, const char *topic, int32_t partition, int64_t next) {
    size_t nc = sizeof ts->pos_cache / sizeof ts->pos_cache[0];
    for (size_t i = 0; i < nc; i++)
        if (ts->pos_cache[i].v && ts->pos_cache[i].partition == partition &&
            (ts->pos_cache[i].topic == topic || !strcmp(ts->pos_cache[i].topic, topic))) {
            json_integer_set(ts->pos_cache[i].v, next);
            return;
        }
    json_t *k = json_object_get(ts->positions, "kafka");
    json_t *tp = json_object_get(k, topic);
    if (!tp) json_object_set_new(k, topic, tp = json_object());
    char p[16];
    snprintf(p, sizeof p, "%d", (int)partition);
    json_t *v = json_integer(next);
    if (json_object_set_new(tp, p, v) != 0) return;
    /* topic names live as long as the table's topic handle; keep a copy's
     * key: the object member name */
    memmove(&ts->pos_cache[1], &ts->pos_cache[0], (nc - 1) * sizeof ts->pos_cache[0]);
    ts->pos_cache[0].topic = json_object_iter_key(json_object_iter_at(k, topic));
    ts->pos_cache[0].partition = partition;
    ts->pos_cache[0].v = v;
}

/* ---- backpressure ---- */

/* Pause or resume every assigned partition of the table's topic. Paused
 * partitions fetch nothing; librdkafka drops what it prefetched for them and
 * resumes at the next offset the service has not consumed. The consumer
 * keeps polling meanwhile, so it stays in its group and other tables go on. */
static void set_paused(floe_ingest *in, tstate *ts, int pause, uint32_t runs) {
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    for (size_t i = 0; i < in->nparts; i++)
        if (!strcmp(in->parts[i].topic, ts->topic))
            rd_kafka_topic_partition_list_add(l, ts->topic, in->parts[i].partition);
    if (l->cnt) {
        if (pause) rd_kafka_pause_partitions(in->rk, l);
        else rd_kafka_resume_partitions(in->rk, l);
    }
    int64_t now = now_ms();
    if (pause) {
        in->pauses++;
        ts->paused_at_ms = now;
        floe_log_warn("ingest",
                      "paused table=%s partitions=%d sorted_runs=%u stop_trigger=%u: writes wait "
                      "for compaction",
                      ts->name, l->cnt, runs, floe_compactor_stop_trigger(ts->comp));
    } else {
        floe_log_info("ingest", "resumed table=%s partitions=%d sorted_runs=%u paused_ms=%lld",
                      ts->name, l->cnt, runs, (long long)(now - ts->paused_at_ms));
    }
    rd_kafka_topic_partition_list_destroy(l);
    ts->paused = pause;
}

/* After a commit, and now and then while paused: wake background
 * compaction above its trigger; above the stop trigger pause the table's
 * partitions until compaction (adopted by refreshing the writer's base)
 * brings the sorted runs back under it. Writes wait; nothing is dropped. */
static floe_status backpressure(floe_ingest *in, tstate *ts, floe_err *err) {
    if (!ts->comp || in->parse_only) return FLOE_OK;
    if (ts->paused) FLOE_TRY(floe_lsm_writer_refresh(ts->w, err));
    uint32_t runs = floe_lsm_writer_max_runs(ts->w);
    int stalled = 0;
    FLOE_TRY(floe_compactor_request(ts->comp, runs, &stalled, err));
    if (stalled != ts->paused) set_paused(in, ts, stalled, runs);
    return FLOE_OK;
}

/* ---- commits ---- */

/* Advisory group offsets (for lag tools; never read back). */
static void commit_group_offsets(floe_ingest *in, tstate *ts) {
    json_t *tp = json_object_get(json_object_get(ts->positions, "kafka"), ts->topic);
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(4);
    const char *p;
    json_t *v;
    json_object_foreach(tp, p, v) {
        rd_kafka_topic_partition_list_add(l, ts->topic, (int32_t)atoi(p))->offset = json_integer_value(v);
    }
    if (l->cnt) rd_kafka_commit(in->rk, l, 1);
    rd_kafka_topic_partition_list_destroy(l);
}

/* Commit a table's buffer; full: merged with the table into the top level
 * in the same step (floe_lsm_writer_commit_full), *fully = 1 when that
 * happened (it falls back to a plain commit when a compaction won a race). */
static floe_status commit_table_ex(floe_ingest *in, tstate *ts, const floe_compact_opts *full,
                                   int *fully, floe_err *err) {
    if (fully) *fully = 0;
    if (!ts->dirty || in->parse_only) return FLOE_OK;
    if (in->dlq) rd_kafka_flush(in->dlq, 30000);
    int64_t snap;
    floe_status s = FLOE_ERR_CONFLICT;
    if (full) {
        s = floe_lsm_writer_commit_full(ts->w, (int64_t)in->st.messages, ts->positions,
                                        (uint32_t)(full->levels - 1), full->target_file_size,
                                        floe_compact_codec(full, (uint32_t)(full->levels - 1)),
                                        &snap, err);
        if (s == FLOE_OK && fully) *fully = 1;
        if (s == FLOE_ERR_CONFLICT) {
            floe_log_info("ingest", "commit with full compaction lost a race table=%s: plain commit",
                          ts->name);
            floe_err_clear(err);
        }
    }
    if (s == FLOE_ERR_CONFLICT)
        s = floe_lsm_writer_commit(ts->w, (int64_t)in->st.messages, ts->positions, &snap, err);
    FLOE_TRY(s);
    in->st.commits++;
    ts->dirty = 0;
    ts->pending = 0;
    FLOE_TRY(backpressure(in, ts, err));
    commit_group_offsets(in, ts);
    floe_log_debug("ingest", "committed table=%s snapshot=%lld", ts->name, (long long)snap);
    return FLOE_OK;
}

static floe_status commit_table(floe_ingest *in, tstate *ts, floe_err *err) {
    return commit_table_ex(in, ts, NULL, NULL, err);
}

/* Positions of topics that have no table (every message so far went to
 * the dead-letter topic) live in <warehouse>/<database>.db/
 * _ingest-tableless-offsets/<topic>.json, one file per topic so services
 * that share a database do not overwrite each other's, written (after the
 * dead letters are flushed) with the commits, so a restart does not
 * dead-letter them again. A table's snapshot positions take precedence once
 * the table exists. The per-database file older versions wrote
 * (_ingest-tableless-offsets.json) is still read for topics without a file. */
static floe_status save_tableless(floe_ingest *in, floe_err *err) {
    if (!json_object_size(in->tableless_dirty) || in->parse_only) return FLOE_OK;
    if (in->dlq) rd_kafka_flush(in->dlq, 30000);
    floe_status s = floe_fs_mkdirs(in->tableless_dir, err);
    const char *topic;
    json_t *v;
    json_object_foreach(in->tableless_dirty, topic, v) {
        if (s != FLOE_OK) break;
        char *text = json_dumps(json_object_get(in->tableless, topic), JSON_COMPACT | JSON_SORT_KEYS);
        if (!text) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        char path[1700];
        snprintf(path, sizeof path, "%s/%s.json", in->tableless_dir, topic);
        s = floe_fs_replace(path, text, strlen(text), err);
        free(text);
    }
    if (s == FLOE_OK) json_object_clear(in->tableless_dirty);
    return s;
}

/* Read a JSON object file into *out (NULL when the file does not exist). */
static floe_status load_object_file(const char *path, json_t **out, floe_err *err) {
    floe_status s = floe_fs_read_json(path, 16u << 20, out, err);
    if (s == FLOE_ERR_NOT_FOUND) {
        floe_err_clear(err);
        return FLOE_OK;
    }
    if (s == FLOE_OK && !json_is_object(*out)) {
        json_decref(*out);
        *out = NULL;
        s = floe_err_set(err, FLOE_ERR_CORRUPT, "%s: not a JSON object", path);
    }
    return s;
}

/* The topic's table-less positions, from its file (or the legacy file)
 * on first use. */
static floe_status tableless_load(floe_ingest *in, const char *topic, floe_err *err) {
    if (json_object_get(in->tableless, topic)) return FLOE_OK;
    char path[1700];
    snprintf(path, sizeof path, "%s/%s.json", in->tableless_dir, topic);
    json_t *tp;
    FLOE_TRY(load_object_file(path, &tp, err));
    if (!tp) {
        json_t *old = json_object_get(in->tableless_legacy, topic);
        tp = json_is_object(old) ? json_deep_copy(old) : json_object();
    }
    json_object_set_new(in->tableless, topic, tp);
    return FLOE_OK;
}

static int64_t tableless_offset(floe_ingest *in, const char *topic, int32_t partition) {
    char p[16];
    snprintf(p, sizeof p, "%d", (int)partition);
    json_t *v = json_object_get(json_object_get(in->tableless, topic), p);
    return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

static floe_status commit_all(floe_ingest *in, floe_err *err) {
    for (size_t i = 0; i < in->ntables; i++) FLOE_TRY(commit_table(in, in->tables[i], err));
    return save_tableless(in, err);
}

/* Full compaction and Iceberg metadata. Buffered rows are committed with
 * the full compaction in one step (no level-0 file written and read back);
 * when there are none, or that commit lost a race, a plain full compaction
 * runs (nothing to do when the table is already one top-level run). */
static floe_status iceberg_refresh(floe_ingest *in, tstate *ts, floe_err *err) {
    floe_compact_opts o;
    FLOE_TRY(floe_compact_opts_from_table(ts->t, &o, err));
    o.full = 1;
    int fully = 0;
    FLOE_TRY(commit_table_ex(in, ts, &o, &fully, err));
    floe_compact_result r;
    if (!fully) FLOE_TRY(floe_compact_table(ts->t, &o, &r, err));
    floe_iceberg_result ir;
    FLOE_TRY(floe_iceberg_sync(ts->t, (uint32_t)(o.levels - 1), NULL, &ir, err));
    FLOE_TRY(floe_lsm_writer_refresh(ts->w, err));
    ts->last_iceberg_ms = now_ms();
    return FLOE_OK;
}

/* ---- rebalancing ---- */

static part *find_part(floe_ingest *in, const char *topic, int32_t p) {
    for (size_t i = 0; i < in->nparts; i++)
        if (in->parts[i].partition == p && !strcmp(in->parts[i].topic, topic)) return &in->parts[i];
    return NULL;
}

static void rebalance_cb(rd_kafka_t *rk, rd_kafka_resp_err_t e, rd_kafka_topic_partition_list_t *l,
                         void *opaque) {
    floe_ingest *in = opaque;
    floe_err err = {0};
    if (e == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
        for (int i = 0; i < l->cnt; i++) {
            rd_kafka_topic_partition_t *tp = &l->elems[i];
            tstate *ts = NULL;
            if (open_existing(in, tp->topic, &ts, &err) != FLOE_OK) {
                set_fatal(in, &err);
                break;
            }
            int64_t off = ts ? stored_offset(ts, tp->topic, tp->partition) : -1;
            if (off < 0) {
                if (tableless_load(in, tp->topic, &err) != FLOE_OK) {
                    set_fatal(in, &err);
                    break;
                }
                off = tableless_offset(in, tp->topic, tp->partition);
            }
            int64_t lo = 0, hi = 0;
            rd_kafka_query_watermark_offsets(rk, tp->topic, tp->partition, &lo, &hi, 10000);
            tp->offset = off >= 0 ? off : RD_KAFKA_OFFSET_BEGINNING;
            if (in->nparts == in->capparts) {
                size_t cap = in->capparts ? in->capparts * 2 : 16;
                part *np = realloc(in->parts, cap * sizeof *np);
                if (!np) break;
                in->parts = np;
                in->capparts = cap;
            }
            in->parts[in->nparts++] = (part){strdup(tp->topic), tp->partition, off >= 0 ? off : lo, hi};
            floe_log_info("ingest", "assigned topic=%s partition=%d start=%s%lld end=%lld", tp->topic,
                          (int)tp->partition, off >= 0 ? "" : "beginning:", (long long)(off >= 0 ? off : lo),
                          (long long)hi);
        }
        rd_kafka_assign(rk, l);
        /* a partition may come back still paused from an earlier assignment:
         * start unpaused; the next commit pauses again if still needed */
        rd_kafka_resume_partitions(rk, l);
        for (size_t i = 0; i < in->ntables; i++) in->tables[i]->paused = 0;
        in->assigned = 1;
    } else {
        if (commit_all(in, &err) != FLOE_OK) set_fatal(in, &err);
        for (size_t i = 0; i < in->nparts; i++) free(in->parts[i].topic);
        in->nparts = 0;
        in->assigned = 0;
        rd_kafka_assign(rk, NULL);
    }
}

/* ---- messages ---- */

static floe_status key_names(const rd_kafka_message_t *m, char ***names, size_t *n, floe_err *err) {
    *names = NULL;
    *n = 0;
    if (!m->key || !m->key_len)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "message has no key: cannot tell the primary key");
    json_t *k = json_loadb(m->key, m->key_len, 0, NULL);
    json_t *fields = json_object_get(json_object_get(k, "schema"), "fields");
    json_t *payload = json_object_get(k, "payload");
    size_t cnt = fields ? json_array_size(fields) : json_object_size(payload ? payload : k);
    *names = calloc(cnt ? cnt : 1, sizeof **names);
    if (fields) {
        size_t i;
        json_t *f;
        json_array_foreach(fields, i, f) {
            const char *fn = json_string_value(json_object_get(f, "field"));
            if (fn) (*names)[(*n)++] = strdup(fn);
        }
    } else if (json_is_object(payload ? payload : k)) {
        const char *key;
        json_t *v;
        json_object_foreach(payload ? payload : k, key, v)(*names)[(*n)++] = strdup(key);
    }
    json_decref(k);
    if (*n == 0) return floe_err_set(err, FLOE_ERR_BAD_INPUT, "message key names no column");
    return FLOE_OK;
}

static void free_names(char **names, size_t n) {
    for (size_t i = 0; i < n; i++) free(names[i]);
    free(names);
}

static int type_widens(floe_type from, floe_type to) {
    static const int rank[] = {[FLOE_T_TINYINT] = 1, [FLOE_T_SMALLINT] = 2, [FLOE_T_INT] = 3,
                               [FLOE_T_BIGINT] = 4};
    if (from.kind == to.kind)
        return from.kind == FLOE_T_DECIMAL && to.scale == from.scale && to.precision > from.precision;
    if (from.kind <= FLOE_T_BIGINT && to.kind <= FLOE_T_BIGINT && from.kind >= FLOE_T_TINYINT &&
        to.kind >= FLOE_T_TINYINT)
        return rank[to.kind] > rank[from.kind];
    return from.kind == FLOE_T_FLOAT && to.kind == FLOE_T_DOUBLE;
}

/* A fresh writer and compactor for the table's current schema (after
 * everything buffered was committed); with reopen, the table is read
 * again first, so its schema and options are the latest on disk. */
static floe_status restart_writer(floe_ingest *in, tstate *ts, int reopen, floe_err *err) {
    floe_compactor_stop(ts->comp);
    ts->comp = NULL;
    floe_lsm_writer_destroy(ts->w);
    ts->w = NULL;
    if (reopen) {
        floe_lsm_table *t = NULL;
        FLOE_TRY(floe_lsm_table_open(in->warehouse, ts->name, &t, err));
        floe_lsm_table_destroy(ts->t);
        ts->t = t;
    }
    return open_writer(in, ts, err);
}

static floe_status evolve_once(floe_ingest *in, tstate *ts, int retried, floe_err *err);

/* Bring the table schema up to the message's fields: new columns are
 * added, widened types widened. When another process wrote the next schema
 * version first (`floe table alter`), the table is reopened and the
 * change made on top of it. */
static floe_status evolve(floe_ingest *in, tstate *ts, floe_err *err) {
    return evolve_once(in, ts, 0, err);
}

static floe_status evolve_once(floe_ingest *in, tstate *ts, int retried, floe_err *err) {
    const floe_schema *cur = ts->t->schema;
    size_t extra = 0;
    int change = 0;
    for (size_t i = 0; i < ts->fields.n; i++) {
        int c = floe_schema_find(cur, ts->fields.f[i].name);
        if (c < 0) {
            extra++;
            change = 1;
        } else if (memcmp(&cur->cols[c].type, &ts->fields.f[i].type, sizeof(floe_type)) != 0) {
            if (!type_widens(cur->cols[c].type, ts->fields.f[i].type)) {
                char a[40], b[40];
                floe_type_format(cur->cols[c].type, a, sizeof a);
                floe_type_format(ts->fields.f[i].type, b, sizeof b);
                /* a narrower message type still fits the column */
                if (type_widens(ts->fields.f[i].type, cur->cols[c].type)) continue;
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "field %s changed from %s to %s, which is not a widening", 
                                    ts->fields.f[i].name, a, b);
            }
            change = 1;
        }
    }
    if (!change) return FLOE_OK;
    FLOE_TRY(commit_table(in, ts, err));
    floe_schema ns = *cur;
    ns.cols = calloc(cur->ncols + extra, sizeof *ns.cols);
    int *has_id = calloc(cur->ncols + extra, sizeof *has_id);
    if (!ns.cols || !has_id) {
        free(ns.cols);
        free(has_id);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    memcpy(ns.cols, cur->cols, cur->ncols * sizeof *ns.cols);
    for (size_t i = 0; i < cur->ncols; i++) has_id[i] = 1;
    ns.ncols = cur->ncols;
    for (size_t i = 0; i < ts->fields.n; i++) {
        int c = floe_schema_find(cur, ts->fields.f[i].name);
        if (c < 0) {
            floe_column *nc = &ns.cols[ns.ncols++];
            nc->name = ts->fields.f[i].name;
            nc->type = ts->fields.f[i].type;
            nc->nullable = 1;
            nc->id = 0;
        } else if (type_widens(cur->cols[c].type, ts->fields.f[i].type)) {
            ns.cols[c].type = ts->fields.f[i].type;
        }
    }
    floe_status s = floe_lsm_table_alter(ts->t, &ns, has_id, err);
    free(ns.cols);
    free(has_id);
    if (s == FLOE_ERR_CONFLICT && !retried) {
        floe_log_info("ingest", "schema changed by another process, reopening table=%s "
                      "schema_id=%d", ts->name, (int)ts->t->schema_id);
        floe_err_clear(err);
        FLOE_TRY(restart_writer(in, ts, 1, err));
        return evolve_once(in, ts, 1, err);
    }
    FLOE_TRY(s);
    floe_log_info("ingest", "schema evolved table=%s schema_id=%d columns=%zu", ts->name,
                  (int)ts->t->schema_id, ts->t->schema->ncols);
    /* writer and compactor follow the new schema */
    return restart_writer(in, ts, 0, err);
}

/* Does the event's row carry a member the table has no column for? */
static int row_has_unknown(const tstate *ts, const floe_dbz_event *ev) {
    const json_t *row = ev->after && json_is_object(ev->after) ? ev->after : ev->before;
    if (!json_is_object(row)) return 0;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)row, k, v) {
        if (floe_schema_find(ts->t->schema, k) < 0) return 1;
    }
    return 0;
}

static floe_status table_for_message(floe_ingest *in, const rd_kafka_message_t *m,
                                     const floe_dbz_event *ev, tstate **out, floe_err *err) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    FLOE_TRY(open_existing(in, topic, out, err));
    tstate *ts = *out;
    if (!ts) {
        /* first sight: create the table */
        floe_dbz_fields fields = {0};
        char **key = NULL;
        size_t nkey = 0;
        floe_status s;
        if (ev->value_schema) {
            s = floe_dbz_fields_from_schema(ev->value_schema, in->binmode, &fields, err);
            if (s == FLOE_OK) s = key_names(m, &key, &nkey, err);
        } else if (floe_mariadb_configured(in->cfg)) {
            const char *db = json_string_value(json_object_get(ev->source, "db"));
            const char *tb = json_string_value(json_object_get(ev->source, "table"));
            if (!db || !tb)
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "schemas are off and the message has no source.db/source.table");
            s = floe_mariadb_table_fields(in->cfg, db, tb, &fields, &key, &nkey, err);
        } else {
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "topic %s carries no schema (JsonConverter schemas.enable=false) and "
                                "no mariadb.* connection is configured: cannot create table %s.%s",
                                topic, in->database, last_segment(topic));
        }
        floe_schema *schema = NULL;
        if (s == FLOE_OK) s = floe_dbz_schema(&fields, (const char *const *)key, nkey, &schema, err);
        char name[600];
        snprintf(name, sizeof name, "%s.%s", in->database, last_segment(topic));
        if (s == FLOE_OK)
            s = floe_lsm_table_create_with(in->warehouse, name, schema, (uint32_t)in->buckets,
                                           in->table_options, err);
        floe_schema_destroy(schema);
        free_names(key, nkey);
        floe_dbz_fields_free(&fields);
        if (s == FLOE_ERR_EXISTS) s = FLOE_OK; /* created concurrently */
        FLOE_TRY(s);
        floe_log_info("ingest", "created table=%s from topic=%s", name, topic);
        FLOE_TRY(open_existing(in, topic, out, err));
        ts = *out;
        if (!ts) return floe_err_set(err, FLOE_ERR_STATE, "table %s vanished after creation", name);
    }
    /* decoding fields: from the message schema when it changes, else once */
    if (ev->value_schema) {
        /* the parse cache hands out the same schema object while the text
         * is unchanged, and we hold a reference: pointer equality is exact */
        if (ts->schema_cache != ev->value_schema) {
            if (!ts->schema_cache || !json_equal(ts->schema_cache, (json_t *)ev->value_schema)) {
                floe_dbz_fields_free(&ts->fields);
                FLOE_TRY(floe_dbz_fields_from_schema(ev->value_schema, in->binmode, &ts->fields, err));
                FLOE_TRY(evolve(in, ts, err));
            }
            json_decref(ts->schema_cache);
            ts->schema_cache = json_incref((json_t *)ev->value_schema);
        }
    } else if (ts->fields.n == 0 || row_has_unknown(ts, ev)) {
        /* schemas off: the definition comes from MariaDB, at first sight and
         * again whenever a row carries a column the table lacks (ALTER) */
        floe_dbz_fields_free(&ts->fields);
        if (!floe_mariadb_configured(in->cfg))
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "topic %s carries no schema and no mariadb.* connection is configured",
                                topic);
        const char *db = json_string_value(json_object_get(ev->source, "db"));
        const char *tb = json_string_value(json_object_get(ev->source, "table"));
        char **key = NULL;
        size_t nkey = 0;
        FLOE_TRY(floe_mariadb_table_fields(in->cfg, db ? db : in->database, tb ? tb : last_segment(topic),
                                           &ts->fields, &key, &nkey, err));
        free_names(key, nkey);
        FLOE_TRY(evolve(in, ts, err));
    }
    return FLOE_OK;
}

static floe_status ensure_vals(floe_ingest *in, size_t n, floe_err *err) {
    if (n <= in->nvals) return FLOE_OK;
    floe_value *v = realloc(in->vals, n * sizeof *v);
    if (!v) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    in->vals = v;
    v = realloc(in->bvals, n * sizeof *v);
    if (!v) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    in->bvals = v;
    in->nvals = n;
    return FLOE_OK;
}

static floe_status truncate_table(floe_ingest *in, tstate *ts, floe_err *err) {
    FLOE_TRY(commit_table(in, ts, err));
    floe_lsm_snapshot *snap = NULL;
    FLOE_TRY(floe_lsm_table_latest(ts->t, &snap, err));
    if (!snap) return FLOE_OK;
    floe_lsm_merge *mg = NULL;
    floe_status s = floe_lsm_merge_open(ts->t, snap->files, snap->nfiles, FLOE_MERGE_DROP_DELETES, &mg, err);
    uint64_t n = 0;
    while (s == FLOE_OK) {
        const floe_value *vals;
        uint64_t seq;
        int kind;
        s = floe_lsm_merge_next(mg, &vals, &seq, &kind, err);
        if (s != FLOE_OK || !vals) break;
        s = floe_lsm_writer_put(ts->w, FLOE_KIND_DELETE, vals, NULL, err);
        n++;
    }
    floe_lsm_merge_close(mg);
    floe_lsm_snapshot_destroy(snap);
    floe_log_info("ingest", "truncated table=%s rows=%llu", ts->name, (unsigned long long)n);
    return s;
}

static floe_dbz_schema_cache *schema_cache_for(floe_ingest *in, const char *topic) {
    for (size_t i = 0; i < in->ncaches; i++)
        if (!strcmp(in->caches[i].topic, topic)) return &in->caches[i].c;
    topic_cache *nc = realloc(in->caches, (in->ncaches + 1) * sizeof *nc);
    if (!nc) return &in->nocache;
    in->caches = nc;
    memset(&nc[in->ncaches], 0, sizeof nc[0]);
    nc[in->ncaches].topic = strdup(topic);
    return &nc[in->ncaches++].c;
}

static int fields_equal(const floe_dbz_fields *a, const floe_dbz_fields *b) {
    if (a->n != b->n) return 0;
    for (size_t i = 0; i < a->n; i++)
        if (strcmp(a->f[i].name, b->f[i].name) || a->f[i].enc != b->f[i].enc ||
            a->f[i].scale != b->f[i].scale || a->f[i].type.kind != b->f[i].type.kind ||
            a->f[i].type.precision != b->f[i].type.precision || a->f[i].type.scale != b->f[i].type.scale)
            return 0;
    return 1;
}

/* Schemas off, after a value did not fit: read the MariaDB definition again
 * (table_for_message does when there are no fields) and evolve the table.
 * Returns 1 when the definition changed; else (also when MariaDB cannot be
 * read) the old fields stay and 0 is returned. */
static int mariadb_changed(floe_ingest *in, const rd_kafka_message_t *m, const floe_dbz_event *ev,
                           tstate *ts) {
    if (!ts || !floe_mariadb_configured(in->cfg)) return 0;
    floe_dbz_fields old = ts->fields;
    ts->fields.f = NULL;
    ts->fields.n = 0;
    floe_err e = {0};
    tstate *again = NULL;
    if (table_for_message(in, m, ev, &again, &e) != FLOE_OK || again != ts) {
        floe_log_warn("ingest", "re-reading the MariaDB definition of table=%s failed: %s", ts->name,
                      e.msg);
        floe_dbz_fields_free(&ts->fields);
        ts->fields = old;
        return 0;
    }
    int changed = !fields_equal(&old, &ts->fields);
    floe_dbz_fields_free(&old);
    if (changed) floe_log_info("ingest", "MariaDB definition changed table=%s", ts->name);
    return changed;
}

/* Positions and counters after a message was applied (or skipped). */
static void applied(floe_ingest *in, tstate *ts, const char *topic, const rd_kafka_message_t *m) {
    if (ts) {
        store_offset(ts, topic, m->partition, m->offset + 1);
        ts->dirty = 1;
        ts->pending++;
    }
    part *p = find_part(in, topic, m->partition);
    if (p) p->next = m->offset + 1;
    in->st.messages++;
}

/* The fast path: the one-pass scanner (dbz_scan.h) on a table whose fields
 * are known. Returns 1 when the message was applied, 0 when nothing was
 * done and the jansson path must take it (anything unusual: a new table,
 * a changed schema, a member the table lacks with schemas off, a delete
 * without before, truncate, any decoding problem, a row the writer
 * refuses), -1 with err set when the writer failed. */
static int process_fast(floe_ingest *in, const rd_kafka_message_t *m, const char *topic,
                        floe_dbz_schema_cache *cache, floe_err *err) {
    tstate *ts = find_table(in, topic);
    if (!ts || ts->fields.n == 0 || !ts->w) return 0;
    const floe_schema *sc = ts->t->schema;
    if (!ts->scan_planned) {
        floe_err e = {0};
        if (!ts->scan && floe_dbz_scanner_create(&ts->scan, &e) != FLOE_OK) return 0;
        if (floe_dbz_scanner_plan(ts->scan, &ts->fields, sc, &e) != FLOE_OK) return 0;
        ts->scan_planned = 1;
    }
    if (ensure_vals(in, sc->ncols, err) != FLOE_OK) return -1;
    in->arena.len = 0;
    floe_dbz_scanned r;
    if (!floe_dbz_scan(ts->scan, m->payload, m->len, cache, &r, in->bvals, in->vals, &in->arena))
        return 0;
    if (r.op == 0) {
        in->st.tombstones++;
        applied(in, ts, topic, m);
        return 1;
    }
    if (r.value_schema ? r.value_schema != ts->schema_cache : r.unknown) return 0;
    const floe_value *row;
    int kind;
    switch (r.op) {
    case 'c':
    case 'r':
    case 'u':
        if (!r.has_after) return 0;
        row = in->vals;
        kind = r.op == 'u' ? FLOE_KIND_UPDATE_AFTER : FLOE_KIND_INSERT;
        break;
    case 'd':
        if (!r.has_before) return 0;
        row = in->bvals;
        kind = FLOE_KIND_DELETE;
        break;
    default: return 0;
    }
    if (!in->parse_only) {
        floe_err e; /* not = {0}: zeroing 516 bytes per row showed in profiles */
        floe_err_clear(&e);
        floe_status s = floe_lsm_writer_put(ts->w, kind, row, &in->arena, &e);
        if (s == FLOE_ERR_BAD_INPUT) return 0; /* refused before any change: the slow path
                                                  decides (MariaDB re-read, dead letter) */
        if (s != FLOE_OK) {
            *err = e;
            return -1;
        }
    }
    in->st.rows++;
    applied(in, ts, topic, m);
    return 1;
}

/* Process one message; a bad-input error leaves positions untouched. */
static floe_status process(floe_ingest *in, const rd_kafka_message_t *m, floe_err *err) {
    floe_dbz_event ev;
    json_t *root = NULL;
    const char *topic = rd_kafka_topic_name(m->rkt);
    floe_dbz_schema_cache *cache = schema_cache_for(in, topic);
    int fast = process_fast(in, m, topic, cache, err);
    if (fast > 0) {
        in->fast++;
        return FLOE_OK;
    }
    if (fast < 0) return err->code;
    in->slow++;
    floe_status s = floe_dbz_parse_cached(m->payload, m->len, cache, &ev, &root, err);
    tstate *ts = NULL;
    if (s == FLOE_OK && ev.op == 0) {
        /* tombstone: nothing to apply; the position still moves */
        in->st.tombstones++;
        s = open_existing(in, topic, &ts, err);
    } else if (s == FLOE_OK) {
        int reread = 0;
    again:
        s = table_for_message(in, m, &ev, &ts, err);
        if (ts) ts->scan_planned = 0; /* fields or schema may have changed */
        if (s == FLOE_OK) s = ensure_vals(in, ts->t->schema->ncols, err);
        in->arena.len = 0;
        if (s == FLOE_OK) {
            const floe_schema *sc = ts->t->schema;
            switch (ev.op) {
            case 'c':
            case 'r':
            case 'u':
                if (!ev.after || json_is_null(ev.after)) {
                    s = floe_err_set(err, FLOE_ERR_BAD_INPUT, "op %c without \"after\"", ev.op);
                    break;
                }
                s = floe_dbz_decode_row(ev.after, &ts->fields, sc, "after", in->vals, &in->arena, err);
                if (s == FLOE_OK && in->parse_only) break;
                if (s == FLOE_OK)
                    s = floe_lsm_writer_put(ts->w, ev.op == 'u' ? FLOE_KIND_UPDATE_AFTER : FLOE_KIND_INSERT,
                                            in->vals, &in->arena, err);
                break;
            case 'd': {
                const json_t *row = ev.before && !json_is_null(ev.before) ? ev.before : NULL;
                json_t *key = NULL;
                if (!row && m->key) {
                    key = json_loadb(m->key, m->key_len, 0, NULL);
                    json_t *pl = json_object_get(key, "payload");
                    row = pl ? pl : key;
                }
                if (!row) s = floe_err_set(err, FLOE_ERR_BAD_INPUT, "delete without \"before\" or key");
                else s = floe_dbz_decode_row(row, &ts->fields, sc, "before", in->vals, &in->arena, err);
                if (s == FLOE_OK && !in->parse_only)
                    s = floe_lsm_writer_put(ts->w, FLOE_KIND_DELETE, in->vals, &in->arena, err);
                json_decref(key);
                break;
            }
            case 't': s = truncate_table(in, ts, err); break;
            default: s = floe_err_set(err, FLOE_ERR_BAD_INPUT, "unknown op %c", ev.op);
            }
            if (s == FLOE_ERR_BAD_INPUT && !reread && ev.op != 't' && !ev.value_schema &&
                mariadb_changed(in, m, &ev, ts)) {
                /* schemas off: the source table was altered (MODIFY to a wider
                 * type) after its definition was read: once more with the new one */
                reread = 1;
                floe_err_clear(err);
                goto again;
            }
            if (s == FLOE_OK) in->st.rows++;
        }
    }
    json_decref(root);
    if (s != FLOE_OK) return s;
    applied(in, ts, topic, m);
    return FLOE_OK;
}

static floe_status dead_letter(floe_ingest *in, const rd_kafka_message_t *m, const floe_err *why,
                               floe_err *err) {
    const char *topic = rd_kafka_topic_name(m->rkt);
    char part_s[16], off_s[24];
    snprintf(part_s, sizeof part_s, "%d", (int)m->partition);
    snprintf(off_s, sizeof off_s, "%lld", (long long)m->offset);
    rd_kafka_resp_err_t e = rd_kafka_producev(
        in->dlq, RD_KAFKA_V_TOPIC(in->dlq_topic), RD_KAFKA_V_KEY(m->key, m->key_len),
        RD_KAFKA_V_VALUE(m->payload, m->len), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
        RD_KAFKA_V_HEADER("floe.error", why->msg, -1), RD_KAFKA_V_HEADER("floe.topic", topic, -1),
        RD_KAFKA_V_HEADER("floe.partition", part_s, -1), RD_KAFKA_V_HEADER("floe.offset", off_s, -1),
        RD_KAFKA_V_END);
    if (e) return floe_err_set(err, FLOE_ERR_EXTERNAL, "dead-letter produce to %s: %s", in->dlq_topic, rd_kafka_err2str(e));
    in->st.dead_lettered++;
    floe_log_warn("ingest", "dead-lettered topic=%s partition=%d offset=%lld error=\"%s\"", topic,
                  (int)m->partition, (long long)m->offset, why->msg);
    /* move the position past it: in the table's next snapshot, or, while
     * the topic has no table, in the table-less positions file */
    tstate *ts = find_table(in, topic);
    if (ts) {
        store_offset(ts, topic, m->partition, m->offset + 1);
        ts->dirty = 1;
    } else {
        json_t *tp = json_object_get(in->tableless, topic);
        if (!tp) json_object_set_new(in->tableless, topic, tp = json_object());
        char pn[16];
        snprintf(pn, sizeof pn, "%d", (int)m->partition);
        json_object_set_new(tp, pn, json_integer(m->offset + 1));
        json_object_set_new(in->tableless_dirty, topic, json_true());
    }
    part *p = find_part(in, topic, m->partition);
    if (p) p->next = m->offset + 1;
    in->st.messages++;
    return FLOE_OK;
}

/* ---- lifecycle ---- */

typedef struct kconf_ctx {
    rd_kafka_conf_t *conf;
    floe_err *err;
    int failed;
    const floe_config *cfg;
    int consumer;
} kconf_ctx;

/* Consumer-only librdkafka properties a producer must not get. */
static int consumer_only(const char *prop) {
    static const char *const keys[] = {"group.id", "group.instance.id", "enable.auto.commit",
                                       "auto.commit.interval.ms", "auto.offset.reset",
                                       "enable.auto.offset.store", "session.timeout.ms",
                                       "heartbeat.interval.ms", "max.poll.interval.ms",
                                       "partition.assignment.strategy", "isolation.level",
                                       "fetch.min.bytes", "fetch.max.bytes", "fetch.wait.max.ms",
                                       "enable.partition.eof", "check.crcs"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(prop, keys[i])) return 1;
    return 0;
}

static void kconf_visit(const char *key, const char *raw, void *ud) {
    (void)raw;
    kconf_ctx *k = ud;
    if (k->failed) return;
    if (!k->consumer && consumer_only(key + 6)) return;
    char val[4096], errstr[512];
    if (floe_config_get_str(k->cfg, key, NULL, val, sizeof val, k->err) != FLOE_OK) {
        k->failed = 1;
        return;
    }
    if (rd_kafka_conf_set(k->conf, key + 6, val, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
        floe_err_set(k->err, FLOE_ERR_INVALID, "config %s: %s", key, errstr);
        k->failed = 1;
    }
}

static floe_status make_conf(const floe_config *cfg, rd_kafka_conf_t **out, int consumer,
                             floe_err *err) {
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    kconf_ctx k = {conf, err, 0, cfg, consumer};
    char errstr[512];
    if (consumer) {
        rd_kafka_conf_set(conf, "enable.auto.commit", "false", errstr, sizeof errstr);
        rd_kafka_conf_set(conf, "auto.offset.reset", "earliest", errstr, sizeof errstr);
        rd_kafka_conf_set(conf, "enable.auto.offset.store", "false", errstr, sizeof errstr);
        rd_kafka_conf_set(conf, "max.poll.interval.ms", "1800000", errstr, sizeof errstr);
    } else {
        rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr);
    }
    floe_config_each(cfg, "kafka.", kconf_visit, &k);
    if (k.failed) {
        rd_kafka_conf_destroy(conf);
        return err ? err->code : FLOE_ERR_INVALID;
    }
    *out = conf;
    return FLOE_OK;
}

static void table_option_visit(const char *key, const char *raw, void *ud) {
    json_object_set_new((json_t *)ud, key + strlen("table.option."), json_string(raw));
}

floe_status floe_ingest_create(const floe_config *cfg, floe_ingest **out, floe_err *err) {
    *out = NULL;
    floe_ingest *in = calloc(1, sizeof *in);
    if (!in) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    in->cfg = cfg;
    floe_status s = FLOE_OK;
    char policy[32], comp[8];
#define GET(x) if (s == FLOE_OK) s = (x)
    GET(floe_config_get_str(cfg, "warehouse", "", in->warehouse, sizeof in->warehouse, err));
    GET(floe_config_get_str(cfg, "database", "", in->database, sizeof in->database, err));
    GET(floe_config_get_str(cfg, "errors.policy", "fail", policy, sizeof policy, err));
    GET(floe_config_get_str(cfg, "errors.dead-letter.topic", "", in->dlq_topic, sizeof in->dlq_topic, err));
    GET(floe_config_get_str(cfg, "binary.handling.mode", "bytes", in->binmode, sizeof in->binmode, err));
    GET(floe_config_get_str(cfg, "compaction", "on", comp, sizeof comp, err));
    GET(floe_config_get_duration_ms(cfg, "commit.interval.ms", 10000, &in->commit_interval_ms, err));
    GET(floe_config_get_i64(cfg, "commit.max.rows", 500000, &in->commit_max_rows, err));
    GET(floe_config_get_duration_ms(cfg, "iceberg.interval.ms", 300000, &in->iceberg_interval_ms, err));
    GET(floe_config_get_duration_ms(cfg, "stats.interval.ms", 10000, &in->stats_interval_ms, err));
    GET(floe_config_get_size(cfg, "buffer.size", 256ll << 20, &in->buffer, err));
    GET(floe_config_get_i64(cfg, "buckets", 1, &in->buckets, err));
    GET(floe_config_get_bool(cfg, "benchmark.parse-only", 0, &in->parse_only, err));
    in->table_options = json_object();
    if (s == FLOE_OK) {
        snprintf(in->tableless_dir, sizeof in->tableless_dir,
                 "%s/%s.db/_ingest-tableless-offsets", in->warehouse, in->database);
        char legacy[1500];
        snprintf(legacy, sizeof legacy, "%s/%s.db/_ingest-tableless-offsets.json", in->warehouse,
                 in->database);
        s = load_object_file(legacy, &in->tableless_legacy, err);
    }
    if (!in->tableless) in->tableless = json_object();
    if (!in->tableless_legacy) in->tableless_legacy = json_object();
    in->tableless_dirty = json_object();
    floe_config_each(cfg, "table.option.", table_option_visit, in->table_options);
    if (s == FLOE_OK && json_object_size(in->table_options)) {
        /* refuse now what compaction would refuse at the first table */
        floe_lsm_table probe = {0};
        probe.name = "(table.option.*)";
        probe.options = in->table_options;
        floe_compact_opts co;
        s = floe_compact_opts_from_table(&probe, &co, err);
    }
#undef GET
    if (s == FLOE_OK && (!in->warehouse[0] || !in->database[0]))
        s = floe_err_set(err, FLOE_ERR_INVALID, "config needs warehouse and database");
    if (s == FLOE_OK && strchr(in->database, '.'))
        s = floe_err_set(err, FLOE_ERR_INVALID, "config database \"%s\" may not contain '.'", in->database);
    if (s == FLOE_OK && strcmp(policy, "fail") && strcmp(policy, "dead-letter"))
        s = floe_err_set(err, FLOE_ERR_INVALID, "config errors.policy must be fail or dead-letter, not %s", policy);
    in->dlq_policy = !strcmp(policy, "dead-letter");
    if (s == FLOE_OK && in->dlq_policy && !in->dlq_topic[0])
        s = floe_err_set(err, FLOE_ERR_INVALID, "errors.policy=dead-letter needs errors.dead-letter.topic");
    in->compaction = strcmp(comp, "off") != 0;
    if (s == FLOE_OK && (in->buckets < 1 || in->buckets > 65536))
        s = floe_err_set(err, FLOE_ERR_INVALID, "config buckets must be 1..65536");
    if (s == FLOE_OK && !floe_config_get_raw(cfg, "topics") && !floe_config_get_raw(cfg, "topics.regex"))
        s = floe_err_set(err, FLOE_ERR_INVALID, "config needs topics or topics.regex");
    if (s == FLOE_OK && !floe_config_get_raw(cfg, "kafka.bootstrap.servers"))
        s = floe_err_set(err, FLOE_ERR_INVALID, "config needs kafka.bootstrap.servers");
    rd_kafka_conf_t *conf = NULL;
    char errstr[512];
    if (s == FLOE_OK) s = make_conf(cfg, &conf, 1, err);
    if (s == FLOE_OK) {
        if (!floe_config_get_raw(cfg, "kafka.group.id")) {
            char gid[300];
            snprintf(gid, sizeof gid, "floe-ingest-%s", in->database);
            rd_kafka_conf_set(conf, "group.id", gid, errstr, sizeof errstr);
        }
        rd_kafka_conf_set_rebalance_cb(conf, rebalance_cb);
        rd_kafka_conf_set_opaque(conf, in);
        in->rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, errstr, sizeof errstr);
        if (!in->rk) {
            rd_kafka_conf_destroy(conf);
            s = floe_err_set(err, FLOE_ERR_EXTERNAL, "cannot create the Kafka consumer: %s", errstr);
        } else {
            rd_kafka_poll_set_consumer(in->rk);
        }
    }
    if (s == FLOE_OK && in->dlq_policy) {
        rd_kafka_conf_t *pc = NULL;
        s = make_conf(cfg, &pc, 0, err);
        if (s == FLOE_OK) {
            in->dlq = rd_kafka_new(RD_KAFKA_PRODUCER, pc, errstr, sizeof errstr);
            if (!in->dlq) {
                rd_kafka_conf_destroy(pc);
                s = floe_err_set(err, FLOE_ERR_EXTERNAL, "cannot create the dead-letter producer: %s", errstr);
            }
        }
    }
    if (s != FLOE_OK) {
        floe_ingest_destroy(in);
        return s;
    }
    *out = in;
    return FLOE_OK;
}

void floe_ingest_request_stop(floe_ingest *in) { atomic_store(&in->stop, 1); }

void floe_ingest_get_stats(const floe_ingest *in, floe_ingest_stats *st) { *st = in->st; }

static int caught_up(floe_ingest *in) {
    if (!in->assigned) return 0;
    for (size_t i = 0; i < in->nparts; i++)
        if (in->parts[i].next < in->parts[i].end) return 0;
    return 1;
}

static void log_stats(floe_ingest *in, int64_t now) {
    int64_t lag = 0;
    for (size_t i = 0; i < in->nparts; i++) {
        int64_t lo = 0, hi = 0;
        if (rd_kafka_get_watermark_offsets(in->rk, in->parts[i].topic, in->parts[i].partition, &lo, &hi) ==
                RD_KAFKA_RESP_ERR_NO_ERROR &&
            hi > in->parts[i].next)
            lag += hi - in->parts[i].next;
    }
    double secs = (double)(now - in->last_stats_ms) / 1000.0;
    double rate = secs > 0 ? (double)(in->st.rows - in->rows_at_last_stats) / secs : 0;
    size_t paused = 0;
    for (size_t i = 0; i < in->ntables; i++) paused += in->tables[i]->paused != 0;
    floe_log_info("ingest",
                  "progress messages=%llu rows=%llu rows_per_s=%.0f lag=%lld tables=%zu commits=%llu "
                  "dead_lettered=%llu paused_tables=%zu pauses=%llu",
                  (unsigned long long)in->st.messages, (unsigned long long)in->st.rows, rate,
                  (long long)lag, in->ntables, (unsigned long long)in->st.commits,
                  (unsigned long long)in->st.dead_lettered, paused, (unsigned long long)in->pauses);
    in->rows_at_last_stats = in->st.rows;
    in->last_stats_ms = now;
}

static floe_status subscribe(floe_ingest *in, floe_err *err) {
    char buf[4096];
    rd_kafka_topic_partition_list_t *l = rd_kafka_topic_partition_list_new(8);
    if (floe_config_get_raw(in->cfg, "topics.regex")) {
        FLOE_TRY(floe_config_get_str(in->cfg, "topics.regex", NULL, buf + 1, sizeof buf - 1, err));
        buf[0] = '^';
        rd_kafka_topic_partition_list_add(l, buf[1] == '^' ? buf + 1 : buf, RD_KAFKA_PARTITION_UA);
    }
    if (floe_config_get_raw(in->cfg, "topics")) {
        FLOE_TRY(floe_config_get_str(in->cfg, "topics", NULL, buf, sizeof buf, err));
        char *save = NULL;
        for (char *t = strtok_r(buf, ", ", &save); t; t = strtok_r(NULL, ", ", &save))
            rd_kafka_topic_partition_list_add(l, t, RD_KAFKA_PARTITION_UA);
    }
    rd_kafka_resp_err_t e = rd_kafka_subscribe(in->rk, l);
    rd_kafka_topic_partition_list_destroy(l);
    if (e) return floe_err_set(err, FLOE_ERR_EXTERNAL, "subscribe: %s", rd_kafka_err2str(e));
    return FLOE_OK;
}

floe_status floe_ingest_run(floe_ingest *in, int until_caught_up, floe_err *err) {
    FLOE_TRY(subscribe(in, err));
    floe_log_info("ingest", "started warehouse=%s database=%s", in->warehouse, in->database);
    int64_t last_commit = now_ms(), last_backpressure = last_commit;
    in->last_stats_ms = last_commit;
    floe_status s = FLOE_OK;
    uint64_t pending = 0;
    while (!atomic_load(&in->stop) && !in->fatal_set) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(in->rk, 200);
        if (m) {
            if (m->err) {
                if (m->err != RD_KAFKA_RESP_ERR__PARTITION_EOF)
                    floe_log_warn("ingest", "kafka: %s", rd_kafka_message_errstr(m));
                if (m->err == RD_KAFKA_RESP_ERR__UNKNOWN_TOPIC || m->err == RD_KAFKA_RESP_ERR__AUTHENTICATION)
                    s = floe_err_set(err, FLOE_ERR_EXTERNAL, "kafka: %s", rd_kafka_message_errstr(m));
            } else {
                floe_err why; /* cleared, not zeroed: once per message */
                floe_err_clear(&why);
                floe_status ps = process(in, m, &why);
                if (ps != FLOE_OK) {
                    floe_err_prefix(&why, "topic %s partition %d offset %lld: ", rd_kafka_topic_name(m->rkt),
                                    (int)m->partition, (long long)m->offset);
                    if ((ps == FLOE_ERR_BAD_INPUT || ps == FLOE_ERR_CORRUPT || ps == FLOE_ERR_UNSUPPORTED) &&
                        in->dlq_policy)
                        ps = dead_letter(in, m, &why, err);
                    else {
                        *err = why;
                        s = ps;
                    }
                } else {
                    pending++;
                }
            }
            rd_kafka_message_destroy(m);
            if (s != FLOE_OK) break;
        }
        int64_t now = now_ms();
        /* caught up in a batch run: the commit after the loop merges the
         * buffer straight into the top level; a commit here would write a
         * level-0 run only for that merge to read it back */
        int done = until_caught_up && caught_up(in);
        if (!done && (now - last_commit >= in->commit_interval_ms || (int64_t)pending >= in->commit_max_rows)) {
            if ((s = commit_all(in, err)) != FLOE_OK) break;
            last_commit = now;
            pending = 0;
        }
        if (now - last_backpressure >= 100) {
            for (size_t i = 0; i < in->ntables && s == FLOE_OK; i++)
                if (in->tables[i]->paused) s = backpressure(in, in->tables[i], err);
            if (s != FLOE_OK) break;
            last_backpressure = now;
        }
        if (in->iceberg_interval_ms > 0 && !in->parse_only)
            for (size_t i = 0; i < in->ntables; i++)
                if (now - in->tables[i]->last_iceberg_ms >= in->iceberg_interval_ms)
                    if ((s = iceberg_refresh(in, in->tables[i], err)) != FLOE_OK) break;
        if (s != FLOE_OK) break;
        if (now - in->last_stats_ms >= in->stats_interval_ms) log_stats(in, now);
        if (done) break;
    }
    if (in->fatal_set && s == FLOE_OK) {
        *err = in->fatal;
        s = err->code;
    }
    /* caught up: each table's last commit comes with its full compaction
     * and Iceberg metadata */
    if (s == FLOE_OK && until_caught_up && !in->parse_only)
        for (size_t i = 0; i < in->ntables && s == FLOE_OK; i++) s = iceberg_refresh(in, in->tables[i], err);
    /* whatever happened, what was applied gets committed: positions never
     * include a message that failed */
    floe_err e2 = {0};
    floe_status cs = commit_all(in, &e2);
    if (cs != FLOE_OK && s == FLOE_OK) {
        *err = e2;
        s = cs;
    }
    log_stats(in, now_ms());
    rd_kafka_consumer_close(in->rk);
    floe_log_info("ingest", "stopped messages=%llu rows=%llu commits=%llu scanned=%llu jansson=%llu%s",
                  (unsigned long long)in->st.messages, (unsigned long long)in->st.rows,
                  (unsigned long long)in->st.commits, (unsigned long long)in->fast,
                  (unsigned long long)in->slow, s == FLOE_OK ? "" : " status=error");
    return s;
}

void floe_ingest_destroy(floe_ingest *in) {
    if (!in) return;
    for (size_t i = 0; i < in->ntables; i++) tstate_free(in->tables[i]);
    free(in->tables);
    for (size_t i = 0; i < in->nparts; i++) free(in->parts[i].topic);
    free(in->parts);
    if (in->rk) rd_kafka_destroy(in->rk);
    if (in->dlq) {
        rd_kafka_flush(in->dlq, 10000);
        rd_kafka_destroy(in->dlq);
    }
    for (size_t i = 0; i < in->ncaches; i++) {
        free(in->caches[i].topic);
        floe_dbz_schema_cache_free(&in->caches[i].c);
    }
    free(in->caches);
    floe_dbz_schema_cache_free(&in->nocache);
    floe_buf_free(&in->arena);
    free(in->vals);
    free(in->bvals);
    json_decref(in->table_options);
    json_decref(in->tableless);
    json_decref(in->tableless_dirty);
    json_decref(in->tableless_legacy);
    free(in);
}
