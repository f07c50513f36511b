/*
 * compaction.h: universal compaction of a primary-key table's sorted runs,
 * and expiry of old snapshots and unreferenced files.
 *
 * Per bucket the sorted runs are: every level-0 file (newest first), then
 * each non-empty level 1..max as one run. The picker follows Paimon's
 * universal compaction (defaults: trigger 5 runs, max size amplification
 * 200%, size ratio 1, levels trigger+1, target file size 128 MiB): full
 * compaction on size amplification, else a prefix of runs by size ratio,
 * else the oldest runs beyond the trigger; outputs go to the level below
 * the next untouched run, or to the top level when every run is merged.
 * Output never goes to level 0: when the level below the next run would be
 * 0, the unit takes in the remaining level-0 runs and the first run above
 * them and writes at that run's level (so level 0 can always drain). A unit of one file with nothing to merge is upgraded to
 * its output level without rewriting. -D rows are dropped only when the
 * output is the top non-empty level.
 *
 * Commit: outputs are written and fsynced, then a COMPACT snapshot on top
 * of the snapshot the inputs came from. If another commit won meanwhile,
 * the compaction is rebased when all its inputs are still in the latest
 * snapshot (a writer only adds level-0 files), and abandoned otherwise (its
 * outputs become orphans for expiry) and redone from the new snapshot.
 * No row is lost or resurrected: inputs leave and outputs arrive in one
 * snapshot, and sequence numbers are carried through.
 *
 * Ownership: the table is borrowed. Thread-safety: one call per table at a
 * time in a process; concurrent processes are serialised by the commit.
 */
#ifndef FLOE_COMPACTION_H
#define FLOE_COMPACTION_H

#include <stdint.h>

#include "lsm_table.h"
#include "orc_compress.h"

typedef struct floe_compact_opts {
    int trigger;               /* num-sorted-run.compaction-trigger, default 5 */
    int max_size_amp_percent;  /* default 200 */
    int size_ratio_percent;    /* default 1 */
    int levels;                /* default trigger + 1 */
    uint64_t target_file_size; /* default 128 MiB */
    int full;                  /* merge every run of every bucket to the top level */
    floe_orc_codec codec;      /* file.compression, default ZSTD */
    int level_codec[FLOE_LSM_MAX_LEVELS]; /* file.compression.per.level; -1: codec */
    int max_attempts;          /* commit retries, default 10 */
    int threads;               /* buckets merged in parallel, default 2 */
    int stop_trigger;          /* writers wait above this many runs; 0: trigger + 3 */
} floe_compact_opts;

void floe_compact_opts_init(floe_compact_opts *o);

/* Defaults, then the table's options (Paimon's names; values are strings):
 *   num-sorted-run.compaction-trigger   trigger (>= 1)
 *   num-sorted-run.stop-trigger         stop_trigger (>= trigger)
 *   num-levels                          levels (2..FLOE_LSM_MAX_LEVELS; default trigger + 1)
 *   compaction.max-size-amplification-percent
 *   compaction.size-ratio               percent
 *   target-file-size                    a size ("128mb", "64 MB", "1g": binary units)
 *   file.compression                    zstd | lz4 | zlib | none
 *   file.compression.per.level          "0:lz4,3:zstd": the codec of files written
 *                                       at those levels (others: file.compression).
 *                                       When neither is set, level 0 is none (short-
 *                                       lived runs, written on the commit path) and
 *                                       every other level zstd.
 *   compaction.threads                  buckets merged in parallel (floe's own)
 * Unknown options are left alone (other engines' options may be there).
 * FLOE_ERR_INVALID names the option and the value that is not accepted. */
floe_status floe_compact_opts_from_table(const floe_lsm_table *t, floe_compact_opts *o,
                                         floe_err *err);

/* The codec of files written at level. */
floe_orc_codec floe_compact_codec(const floe_compact_opts *o, uint32_t level);

typedef struct floe_compact_result {
    int64_t snapshot_id;       /* the COMPACT snapshot, 0 when nothing was done */
    uint32_t units;            /* buckets compacted */
    uint64_t files_in, files_out, files_upgraded;
    uint64_t bytes_read, bytes_written, rows_read, rows_written;
    uint32_t attempts;
    double seconds;
    uint32_t max_runs_before, max_runs_after;
} floe_compact_result;

floe_status floe_compact_table(floe_lsm_table *t, const floe_compact_opts *opts,
                               floe_compact_result *res, floe_err *err);

typedef struct floe_expire_opts {
    int64_t retain_snapshots;  /* keep at least the newest N, default 10 */
    int64_t older_than_ms;     /* only expire snapshots older than this, default 1 h */
    int64_t safety_age_ms;     /* never delete a file younger than this, default 1 h */
    int64_t keep_from_id;      /* never expire snapshots with id >= this (0: no limit);
                                * `floe expire` passes the oldest snapshot the Iceberg
                                * metadata lists, so its data files stay */
    int keep_files;            /* expire snapshots but delete no file */
    int dry_run;
} floe_expire_opts;

typedef struct floe_expire_result {
    uint64_t snapshots_removed, data_files_removed, manifests_removed, bytes_removed;
} floe_expire_result;

void floe_expire_opts_init(floe_expire_opts *o);
floe_status floe_expire_table(floe_lsm_table *t, const floe_expire_opts *opts,
                              floe_expire_result *res, floe_err *err);

#endif
