/*
 * compactor.h: compaction on a background thread beside a table writer.
 *
 * The writer's thread calls floe_compactor_after_commit() after each
 * commit with the sorted-run count of its fullest bucket. Above the
 * compaction trigger the compactor thread is woken to run one round of
 * universal compaction (floe_compact_table, which commits on its own; the
 * writer's next commit rebases onto it). Above the stop trigger the call
 * blocks until a round has finished, then returns so the writer
 * can re-read its base and check again: writes wait, they never fail or
 * drop. A compaction error is logged and reported by the next call; a
 * round that gives up after losing every commit race (FLOE_ERR_CONFLICT,
 * e.g. to a `floe compact` cron job) is only logged as a warning.
 *
 * Options: opts, or when NULL the table's options
 * (floe_compact_opts_from_table). The stop trigger is opts->stop_trigger,
 * trigger + 3 when unset.
 *
 * Ownership: the compactor opens its own handle on the table; start/stop
 * pair; stop(NULL) is a no-op; stop waits for a running round to finish.
 * Threads: after_commit and stop are called from the writer's thread; the
 * compactor thread only touches its own table handle.
 */
#ifndef FLOE_COMPACTOR_H
#define FLOE_COMPACTOR_H

#include "compaction.h"

typedef struct floe_compactor floe_compactor;

floe_status floe_compactor_start(const char *warehouse, const char *table,
                                 const floe_compact_opts *opts, floe_compactor **out,
                                 floe_err *err);
/* runs: the writer's current maximum sorted runs per bucket. Returns the
 * last compaction error (once) or FLOE_OK. *waited = 1 when it blocked. */
floe_status floe_compactor_after_commit(floe_compactor *c, uint32_t runs, int *waited,
                                        floe_err *err);
/* The non-blocking form, for a writer that must keep serving other work
 * (the ingest service pauses the table's Kafka partitions instead of
 * waiting): wakes the compactor above the trigger; *stalled = 1 when runs
 * exceed the stop trigger (the caller must not write to the table until a
 * later call, after floe_lsm_writer_refresh, says 0). Returns the last
 * compaction error (once) or FLOE_OK. */
floe_status floe_compactor_request(floe_compactor *c, uint32_t runs, int *stalled,
                                   floe_err *err);
uint32_t floe_compactor_stop_trigger(const floe_compactor *c);
/* Totals over every round so far. */
void floe_compactor_totals(floe_compactor *c, floe_compact_result *sum, uint64_t *rounds);
void floe_compactor_stop(floe_compactor *c);

#endif
