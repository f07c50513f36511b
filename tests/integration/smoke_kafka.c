/*
 * Smoke test of the Kafka broker that `scripts/services start kafka` runs:
 * topics are created through the Admin API only (auto-creation is off),
 * messages with keys and headers go through an idempotent producer and come
 * back in order to a consumer group, and the topic is deleted again.
 *
 * usage: smoke_kafka ENV_FILE [TEST_FILTER]
 * ENV_FILE holds the KEY=value lines the script printed (DIR/env).
 */
#define _GNU_SOURCE
#include <librdkafka/rdkafka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "floe_config.h"
#include "floe_test.h"

#define N_MSGS 5

static const char *g_bootstrap;

static rd_kafka_t *new_handle(rd_kafka_type_t type, const char *const *kv) {
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    if (rd_kafka_conf_set(conf, "bootstrap.servers", g_bootstrap, errstr, sizeof errstr) !=
        RD_KAFKA_CONF_OK) {
        fprintf(stderr, "conf: %s\n", errstr);
        rd_kafka_conf_destroy(conf);
        FT_CHECK(!"bad bootstrap.servers");
    }
    for (; kv && kv[0]; kv += 2) {
        if (rd_kafka_conf_set(conf, kv[0], kv[1], errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
            fprintf(stderr, "conf %s=%s: %s\n", kv[0], kv[1], errstr);
            rd_kafka_conf_destroy(conf);
            FT_CHECK(!"bad client config");
        }
    }
    rd_kafka_t *rk = rd_kafka_new(type, conf, errstr, sizeof errstr);
    if (!rk) {
        fprintf(stderr, "rd_kafka_new: %s\n", errstr);
        FT_CHECK(!"rd_kafka_new failed");
    }
    return rk;
}

static void unique_name(char *out, size_t outsz, const char *what) {
    snprintf(out, outsz, "floe_smoke_%s_%ld_%ld", what, (long)getpid(), (long)time(NULL));
}

/* Wait for one admin result event on q; NULL on timeout. */
static rd_kafka_event_t *admin_wait(rd_kafka_queue_t *q, rd_kafka_event_type_t type) {
    rd_kafka_event_t *ev = rd_kafka_queue_poll(q, 30000);
    if (!ev) return NULL;
    if (rd_kafka_event_type(ev) != type) {
        fprintf(stderr, "admin: unexpected event %s: %s\n", rd_kafka_event_name(ev),
                rd_kafka_event_error_string(ev));
        rd_kafka_event_destroy(ev);
        return NULL;
    }
    return ev;
}

static rd_kafka_resp_err_t create_topic(rd_kafka_t *rk, const char *name, int partitions) {
    char errstr[512];
    rd_kafka_NewTopic_t *nt = rd_kafka_NewTopic_new(name, partitions, 1, errstr, sizeof errstr);
    if (!nt) {
        fprintf(stderr, "NewTopic: %s\n", errstr);
        return RD_KAFKA_RESP_ERR__INVALID_ARG;
    }
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_CreateTopics(rk, &nt, 1, NULL, q);
    rd_kafka_NewTopic_destroy(nt);
    rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_CREATETOPICS_RESULT);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (ev) {
        err = rd_kafka_event_error(ev);
        if (!err) {
            size_t n;
            const rd_kafka_topic_result_t **tr = rd_kafka_CreateTopics_result_topics(
                rd_kafka_event_CreateTopics_result(ev), &n);
            err = n == 1 ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__FAIL;
            if (err)
                fprintf(stderr, "create %s: %s\n", name, rd_kafka_topic_result_error_string(tr[0]));
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    return err;
}

static rd_kafka_resp_err_t delete_topic(rd_kafka_t *rk, const char *name) {
    rd_kafka_DeleteTopic_t *dt = rd_kafka_DeleteTopic_new(name);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteTopics(rk, &dt, 1, NULL, q);
    rd_kafka_DeleteTopic_destroy(dt);
    rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_DELETETOPICS_RESULT);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (ev) {
        err = rd_kafka_event_error(ev);
        if (!err) {
            size_t n;
            const rd_kafka_topic_result_t **tr = rd_kafka_DeleteTopics_result_topics(
                rd_kafka_event_DeleteTopics_result(ev), &n);
            err = n == 1 ? rd_kafka_topic_result_error(tr[0]) : RD_KAFKA_RESP_ERR__FAIL;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    return err;
}

static rd_kafka_resp_err_t delete_group(rd_kafka_t *rk, const char *group) {
    rd_kafka_DeleteGroup_t *dg = rd_kafka_DeleteGroup_new(group);
    rd_kafka_queue_t *q = rd_kafka_queue_new(rk);
    rd_kafka_DeleteGroups(rk, &dg, 1, NULL, q);
    rd_kafka_DeleteGroup_destroy(dg);
    rd_kafka_event_t *ev = admin_wait(q, RD_KAFKA_EVENT_DELETEGROUPS_RESULT);
    rd_kafka_resp_err_t err = RD_KAFKA_RESP_ERR__TIMED_OUT;
    if (ev) {
        err = rd_kafka_event_error(ev);
        if (!err) {
            size_t n;
            const rd_kafka_group_result_t **gr =
                rd_kafka_DeleteGroups_result_groups(rd_kafka_event_DeleteGroups_result(ev), &n);
            const rd_kafka_error_t *ge = n == 1 ? rd_kafka_group_result_error(gr[0]) : NULL;
            err = n != 1 ? RD_KAFKA_RESP_ERR__FAIL : ge ? rd_kafka_error_code(ge) : 0;
        }
        rd_kafka_event_destroy(ev);
    }
    rd_kafka_queue_destroy(q);
    return err;
}

/* Does the cluster's metadata list the topic? -1 on a metadata error. */
static int topic_exists(rd_kafka_t *rk, const char *name) {
    const struct rd_kafka_metadata *md;
    if (rd_kafka_metadata(rk, 1, NULL, &md, 10000) != RD_KAFKA_RESP_ERR_NO_ERROR) return -1;
    int found = 0;
    for (int i = 0; i < md->topic_cnt; i++)
        if (strcmp(md->topics[i].topic, name) == 0 && md->topics[i].err == 0) found = 1;
    rd_kafka_metadata_destroy(md);
    return found;
}

/* Delivery reports, indexed by the message's opaque (its sequence number). */
static struct {
    int reported;
    rd_kafka_resp_err_t err;
    int64_t offset;
} g_dr[N_MSGS + 1];

static void dr_cb(rd_kafka_t *rk, const rd_kafka_message_t *m, void *opaque) {
    (void)rk;
    (void)opaque;
    size_t i = (size_t)(uintptr_t)m->_private;
    if (i > N_MSGS) return;
    g_dr[i].reported = 1;
    g_dr[i].err = m->err;
    g_dr[i].offset = m->offset;
}

/* Producing to a topic nobody created fails and does not create it. */
static void test_auto_create_disabled(void) {
    char topic[128];
    unique_name(topic, sizeof topic, "missing");
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    FT_EQ_INT(rd_kafka_conf_set(conf, "bootstrap.servers", g_bootstrap, errstr, sizeof errstr),
              RD_KAFKA_CONF_OK);
    FT_EQ_INT(rd_kafka_conf_set(conf, "topic.metadata.propagation.max.ms", "1000", errstr,
                                sizeof errstr),
              RD_KAFKA_CONF_OK);
    FT_EQ_INT(rd_kafka_conf_set(conf, "message.timeout.ms", "8000", errstr, sizeof errstr),
              RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    FT_CHECK(rk != NULL);
    memset(g_dr, 0, sizeof g_dr);
    rd_kafka_resp_err_t perr = rd_kafka_producev(
        rk, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_VALUE("x", 1),
        RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY), RD_KAFKA_V_OPAQUE((void *)(uintptr_t)0),
        RD_KAFKA_V_END);
    if (perr == RD_KAFKA_RESP_ERR_NO_ERROR) {
        rd_kafka_flush(rk, 15000);
        FT_EQ_INT(g_dr[0].reported, 1);
        /* UNKNOWN_TOPIC_OR_PART from the broker, __UNKNOWN_TOPIC locally. */
        if (g_dr[0].err == RD_KAFKA_RESP_ERR_NO_ERROR)
            fprintf(stderr, "message to %s was delivered\n", topic);
        FT_CHECK(g_dr[0].err != RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    FT_EQ_INT(topic_exists(rk, topic), 0);
    rd_kafka_destroy(rk);
}

static void test_produce_consume_roundtrip(void) {
    char topic[128], group[128];
    unique_name(topic, sizeof topic, "topic");
    unique_name(group, sizeof group, "group");

    /* Producer: idempotent, with a delivery report per message. */
    char errstr[512];
    rd_kafka_conf_t *conf = rd_kafka_conf_new();
    FT_EQ_INT(rd_kafka_conf_set(conf, "bootstrap.servers", g_bootstrap, errstr, sizeof errstr),
              RD_KAFKA_CONF_OK);
    FT_EQ_INT(rd_kafka_conf_set(conf, "enable.idempotence", "true", errstr, sizeof errstr),
              RD_KAFKA_CONF_OK);
    rd_kafka_conf_set_dr_msg_cb(conf, dr_cb);
    rd_kafka_t *prod = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
    FT_CHECK(prod != NULL);

    rd_kafka_resp_err_t cerr = create_topic(prod, topic, 1);
    if (cerr) fprintf(stderr, "create %s: %s\n", topic, rd_kafka_err2str(cerr));
    FT_EQ_INT(cerr, RD_KAFKA_RESP_ERR_NO_ERROR);
    FT_EQ_INT(topic_exists(prod, topic), 1);

    memset(g_dr, 0, sizeof g_dr);
    for (int i = 0; i < N_MSGS; i++) {
        char key[16], val[32], seq[16];
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "value-%d", i);
        snprintf(seq, sizeof seq, "%d", i);
        rd_kafka_resp_err_t perr = rd_kafka_producev(
            prod, RD_KAFKA_V_TOPIC(topic), RD_KAFKA_V_KEY(key, strlen(key)),
            RD_KAFKA_V_VALUE(val, strlen(val)), RD_KAFKA_V_HEADER("seq", seq, (ssize_t)strlen(seq)),
            RD_KAFKA_V_HEADER("src", "floe", 4), RD_KAFKA_V_MSGFLAGS(RD_KAFKA_MSG_F_COPY),
            RD_KAFKA_V_OPAQUE((void *)(uintptr_t)i), RD_KAFKA_V_END);
        FT_EQ_INT(perr, RD_KAFKA_RESP_ERR_NO_ERROR);
    }
    FT_EQ_INT(rd_kafka_flush(prod, 30000), RD_KAFKA_RESP_ERR_NO_ERROR);
    for (int i = 0; i < N_MSGS; i++) {
        FT_EQ_INT(g_dr[i].reported, 1);
        if (g_dr[i].err) fprintf(stderr, "msg %d: %s\n", i, rd_kafka_err2str(g_dr[i].err));
        FT_EQ_INT(g_dr[i].err, RD_KAFKA_RESP_ERR_NO_ERROR);
        FT_EQ_INT(g_dr[i].offset, i);
    }

    /* Consumer group from the earliest offset, manual commits. */
    const char *ckv[] = {"group.id", group, "auto.offset.reset", "earliest",
                         "enable.auto.commit", "false", "session.timeout.ms", "10000", NULL};
    rd_kafka_t *cons = new_handle(RD_KAFKA_CONSUMER, ckv);
    rd_kafka_poll_set_consumer(cons);
    rd_kafka_topic_partition_list_t *sub = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(sub, topic, RD_KAFKA_PARTITION_UA);
    FT_EQ_INT(rd_kafka_subscribe(cons, sub), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_topic_partition_list_destroy(sub);

    int got = 0;
    time_t deadline = time(NULL) + 60;
    while (got < N_MSGS && time(NULL) < deadline) {
        rd_kafka_message_t *m = rd_kafka_consumer_poll(cons, 500);
        if (!m) continue;
        if (m->err) {
            fprintf(stderr, "consume: %s\n", rd_kafka_message_errstr(m));
            rd_kafka_message_destroy(m);
            continue;
        }
        char want_key[16], want_val[32], want_seq[16];
        snprintf(want_key, sizeof want_key, "k%d", got);
        snprintf(want_val, sizeof want_val, "value-%d", got);
        snprintf(want_seq, sizeof want_seq, "%d", got);
        int ok = m->offset == got && m->partition == 0 && m->key_len == strlen(want_key) &&
                 memcmp(m->key, want_key, m->key_len) == 0 && m->len == strlen(want_val) &&
                 memcmp(m->payload, want_val, m->len) == 0;
        rd_kafka_headers_t *hdrs = NULL;
        const void *hv;
        size_t hl;
        ok = ok && rd_kafka_message_headers(m, &hdrs) == RD_KAFKA_RESP_ERR_NO_ERROR &&
             rd_kafka_header_cnt(hdrs) == 2 &&
             rd_kafka_header_get_last(hdrs, "seq", &hv, &hl) == RD_KAFKA_RESP_ERR_NO_ERROR &&
             hl == strlen(want_seq) && memcmp(hv, want_seq, hl) == 0 &&
             rd_kafka_header_get_last(hdrs, "src", &hv, &hl) == RD_KAFKA_RESP_ERR_NO_ERROR &&
             hl == 4 && memcmp(hv, "floe", 4) == 0;
        if (!ok)
            fprintf(stderr, "message %d: unexpected offset %lld key/value/headers\n", got,
                    (long long)m->offset);
        rd_kafka_message_destroy(m);
        FT_CHECK(ok);
        got++;
    }
    FT_EQ_INT(got, N_MSGS);
    FT_EQ_INT(rd_kafka_commit(cons, NULL, 0), RD_KAFKA_RESP_ERR_NO_ERROR);

    /* The committed offset is the next one to read. */
    rd_kafka_topic_partition_list_t *parts = rd_kafka_topic_partition_list_new(1);
    rd_kafka_topic_partition_list_add(parts, topic, 0);
    FT_EQ_INT(rd_kafka_committed(cons, parts, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    FT_EQ_INT(parts->elems[0].offset, N_MSGS);
    rd_kafka_topic_partition_list_destroy(parts);

    FT_EQ_INT(rd_kafka_consumer_close(cons), RD_KAFKA_RESP_ERR_NO_ERROR);
    rd_kafka_destroy(cons);

    FT_EQ_INT(delete_group(prod, group), RD_KAFKA_RESP_ERR_NO_ERROR);
    FT_EQ_INT(delete_topic(prod, topic), RD_KAFKA_RESP_ERR_NO_ERROR);
    int exists = 1;
    for (int i = 0; i < 50 && exists; i++) {
        exists = topic_exists(prod, topic);
        if (exists) usleep(100 * 1000);
    }
    FT_EQ_INT(exists, 0);
    rd_kafka_destroy(prod);
}

/* FT_MAIN would take argv[1] as its test filter; here argv[1] is the env file. */
int main(int argc, char **argv) {
    static const ft__fn fns[] = {test_auto_create_disabled, test_produce_consume_roundtrip};
    static const char *const names[] = {"test_auto_create_disabled",
                                        "test_produce_consume_roundtrip"};
    if (argc < 2) {
        fprintf(stderr, "usage: %s ENV_FILE [TEST_FILTER]\n", argv[0]);
        return 2;
    }
    floe_config *env = NULL;
    floe_err err;
    if (floe_config_new(&env, &err) != FLOE_OK ||
        floe_config_load_file(env, argv[1], &err) != FLOE_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], err.msg);
        return 2;
    }
    g_bootstrap = floe_config_get_raw(env, "KAFKA_BOOTSTRAP");
    if (!g_bootstrap || !*g_bootstrap) {
        fprintf(stderr, "%s lacks KAFKA_BOOTSTRAP\n", argv[1]);
        return 2;
    }
    int rc = ft__run(names, fns, (int)(sizeof fns / sizeof fns[0]), argc - 1, argv + 1);
    floe_config_destroy(env);
    return rc;
}
