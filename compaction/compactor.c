/*
 * compactor.c: background compaction thread; contract in compactor.h.
 *
 * States: IDLE --after_commit(runs > trigger)--> REQUESTED --thread picks
 * up--> RUNNING --round done--> IDLE (rounds++, broadcast). stop sets
 * `stopping` and joins.
 */
#define _GNU_SOURCE
#include "compactor.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "floe_log.h"

struct floe_compactor {
    floe_lsm_table *t;
    floe_compact_opts o;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    int requested, running, stopping;
    uint64_t rounds;
    floe_status last_status;
    floe_err last_err;
    floe_compact_result sum;
};

static void *loop(void *arg) {
    floe_compactor *c = arg;
    pthread_mutex_lock(&c->mu);
    for (;;) {
        while (!c->requested && !c->stopping) pthread_cond_wait(&c->cv, &c->mu);
        if (c->stopping) break;
        c->requested = 0;
        c->running = 1;
        pthread_mutex_unlock(&c->mu);
        floe_compact_result r;
        floe_err e = {0};
        floe_status s = floe_compact_table(c->t, &c->o, &r, &e);
        if (s == FLOE_ERR_CONFLICT) {
            /* lost every race to other committers (a busy `floe compact`
             * cron job): nothing is wrong with the table; the next round
             * starts from the new latest snapshot */
            floe_log_warn("compact", "background compaction round gave up: %s", e.msg);
            s = FLOE_OK;
        } else if (s != FLOE_OK) {
            floe_log_error("compact", "background compaction failed: %s", e.msg);
        }
        pthread_mutex_lock(&c->mu);
        if (s != FLOE_OK) {
            c->last_status = s;
            c->last_err = e;
        }
        c->sum.units += r.units;
        c->sum.files_in += r.files_in;
        c->sum.files_out += r.files_out;
        c->sum.files_upgraded += r.files_upgraded;
        c->sum.bytes_read += r.bytes_read;
        c->sum.bytes_written += r.bytes_written;
        c->sum.rows_read += r.rows_read;
        c->sum.rows_written += r.rows_written;
        c->sum.seconds += r.seconds;
        c->running = 0;
        c->rounds++;
        pthread_cond_broadcast(&c->cv);
    }
    pthread_mutex_unlock(&c->mu);
    return NULL;
}

floe_status floe_compactor_start(const char *warehouse, const char *table,
                                 const floe_compact_opts *opts, floe_compactor **out,
                                 floe_err *err) {
    *out = NULL;
    floe_compactor *c = calloc(1, sizeof *c);
    if (!c) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    floe_status s = floe_lsm_table_open(warehouse, table, &c->t, err);
    if (s == FLOE_OK && opts) c->o = *opts;
    else if (s == FLOE_OK) s = floe_compact_opts_from_table(c->t, &c->o, err);
    if (s != FLOE_OK) {
        floe_lsm_table_destroy(c->t);
        free(c);
        return s;
    }
    if (c->o.stop_trigger < c->o.trigger) c->o.stop_trigger = c->o.trigger + 3;
    pthread_mutex_init(&c->mu, NULL);
    pthread_cond_init(&c->cv, NULL);
    if (pthread_create(&c->thread, NULL, loop, c) != 0) {
        floe_lsm_table_destroy(c->t);
        free(c);
        return floe_err_set(err, FLOE_ERR_NOMEM, "cannot start the compaction thread");
    }
    *out = c;
    return FLOE_OK;
}

/* With c->mu held: wake the thread for a round above the trigger. */
static void wake_locked(floe_compactor *c, uint32_t runs) {
    if (runs > (uint32_t)c->o.trigger && !c->running && !c->requested) {
        c->requested = 1;
        pthread_cond_broadcast(&c->cv);
    }
}

/* With c->mu held: the last round's error, reported once. */
static floe_status take_error_locked(floe_compactor *c, floe_err *err) {
    floe_status s = c->last_status;
    if (s != FLOE_OK && err) *err = c->last_err;
    c->last_status = FLOE_OK;
    return s;
}

floe_status floe_compactor_after_commit(floe_compactor *c, uint32_t runs, int *waited,
                                        floe_err *err) {
    *waited = 0;
    uint32_t stop = (uint32_t)c->o.stop_trigger;
    pthread_mutex_lock(&c->mu);
    wake_locked(c, runs);
    if (runs > stop) {
        uint64_t target = c->rounds + (c->running ? 1 : 0) + (c->requested ? 1 : 0);
        if (target == c->rounds) target++;
        *waited = 1;
        while (c->rounds < target && !c->stopping) pthread_cond_wait(&c->cv, &c->mu);
    }
    floe_status s = take_error_locked(c, err);
    pthread_mutex_unlock(&c->mu);
    return s;
}

floe_status floe_compactor_request(floe_compactor *c, uint32_t runs, int *stalled,
                                   floe_err *err) {
    pthread_mutex_lock(&c->mu);
    wake_locked(c, runs);
    *stalled = runs > (uint32_t)c->o.stop_trigger;
    floe_status s = take_error_locked(c, err);
    pthread_mutex_unlock(&c->mu);
    return s;
}

uint32_t floe_compactor_stop_trigger(const floe_compactor *c) { return (uint32_t)c->o.stop_trigger; }

void floe_compactor_totals(floe_compactor *c, floe_compact_result *sum, uint64_t *rounds) {
    pthread_mutex_lock(&c->mu);
    *sum = c->sum;
    *rounds = c->rounds;
    pthread_mutex_unlock(&c->mu);
}

void floe_compactor_stop(floe_compactor *c) {
    if (!c) return;
    pthread_mutex_lock(&c->mu);
    c->stopping = 1;
    pthread_cond_broadcast(&c->cv);
    pthread_mutex_unlock(&c->mu);
    pthread_join(c->thread, NULL);
    pthread_mutex_destroy(&c->mu);
    pthread_cond_destroy(&c->cv);
    floe_lsm_table_destroy(c->t);
    free(c);
}
