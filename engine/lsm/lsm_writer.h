/*
 * lsm_writer.h: the write path of a primary-key table.
 *
 * Changes (upsert or delete by primary key) enter a sorted write buffer
 * with a sequence number each (increasing across the table, so increasing
 * per bucket); the buffer deduplicates by key (the newest wins) and, when
 * its memory budget is reached or at commit, is flushed as one level-0
 * sorted run (an ORC file) per bucket. Commit publishes a snapshot that
 * adds the new runs to the base snapshot's files, with the caller's commit
 * identifier and source positions.
 *
 * A commit that loses the race for the next snapshot id re-reads the table:
 * if everything committed meanwhile was compaction (commit kind COMPACT),
 * the new runs are rebased onto it and the commit retried; if another
 * writer appended, the commit fails with FLOE_ERR_CONFLICT (one writer per
 * table). Rows put since the last commit are lost if the process dies;
 * files written for them are orphans.
 *
 * Ownership: the writer borrows the table (which must outlive it). Values
 * passed to put are copied. Thread-safety: one writer, one thread.
 * Errors: FLOE_ERR_BAD_INPUT for a row that breaks the schema (NULL key,
 * NULL in a NOT NULL column), I/O errors from flushes; after an I/O or
 * commit error the writer is failed (sticky) and must be destroyed.
 */
#ifndef FLOE_LSM_WRITER_H
#define FLOE_LSM_WRITER_H

#include <jansson.h>
#include <stdint.h>

#include "floe_value.h"
#include "lsm_table.h"
#include "orc_compress.h"

typedef struct floe_lsm_writer_opts {
    uint64_t buffer_bytes; /* write buffer budget, default 256 MiB */
    floe_orc_codec codec;  /* default ZSTD */
    const char *commit_user; /* default: a random id per writer */
} floe_lsm_writer_opts;

void floe_lsm_writer_opts_init(floe_lsm_writer_opts *o);

typedef struct floe_lsm_writer floe_lsm_writer;

typedef struct floe_lsm_writer_stats {
    uint64_t rows_put, rows_flushed, files_written, bytes_written, flushes, commits;
    uint64_t buffer_bytes, buffer_rows;
} floe_lsm_writer_stats;

floe_status floe_lsm_writer_open(floe_lsm_table *t, const floe_lsm_writer_opts *opts,
                                 floe_lsm_writer **out, floe_err *err);
/* kind: FLOE_KIND_INSERT, _UPDATE_AFTER or _DELETE. vals: one per column of
 * the table's current schema; for deletes only key columns matter. */
floe_status floe_lsm_writer_put(floe_lsm_writer *w, int kind, const floe_value *vals,
                                const floe_buf *arena, floe_err *err);
/* Flush and publish a snapshot. source_positions (may be NULL) is stored
 * as is. *snapshot_id = the new snapshot (unchanged base when nothing was
 * written since the last commit and source_positions is NULL). */
floe_status floe_lsm_writer_commit(floe_lsm_writer *w, int64_t commit_identifier,
                                   json_t *source_positions, int64_t *snapshot_id,
                                   floe_err *err);
/* Commit with a full compaction in one step: the write buffer is merged
 * with every file of the base snapshot (and of earlier flushes not yet
 * committed) straight into top_level, deletes dropped, output split at
 * target_size, and published as one APPEND snapshot whose files all sit at
 * top_level: what commit followed by a full compaction gives, without
 * writing the buffer as level-0 files and reading them back. A bucket that
 * is already one file at top_level without deletes and gets no new rows is
 * kept as it is. FLOE_ERR_CONFLICT when another commit (a compaction)
 * changed the table first: the writer is then NOT failed and keeps its
 * buffer, and the caller commits the usual way. */
floe_status floe_lsm_writer_commit_full(floe_lsm_writer *w, int64_t commit_identifier,
                                        json_t *source_positions, uint32_t top_level,
                                        uint64_t target_size, floe_orc_codec codec,
                                        int64_t *snapshot_id, floe_err *err);
/* Adopt the latest snapshot as the base when everything committed since
 * the base is compaction (nothing to do otherwise; FLOE_ERR_CONFLICT when
 * another writer appended). Call between commits. */
floe_status floe_lsm_writer_refresh(floe_lsm_writer *w, floe_err *err);
/* Largest number of sorted runs of a bucket in the base snapshot. */
uint32_t floe_lsm_writer_max_runs(const floe_lsm_writer *w);
/* The base snapshot's source positions (NULL when none); valid until the
 * next commit. */
json_t *floe_lsm_writer_source_positions(const floe_lsm_writer *w);
int64_t floe_lsm_writer_base_id(const floe_lsm_writer *w);
void floe_lsm_writer_get_stats(const floe_lsm_writer *w, floe_lsm_writer_stats *st);
void floe_lsm_writer_destroy(floe_lsm_writer *w);

/* Write rows (already sorted by key, unique) as one sorted-run file of
 * bucket/level, filling *file. Used by the writer and by compaction. The
 * row callback returns 1 and fills vals/seq/kind, or 0 at the end.
 * Level-0 files get stripes of FLOE_LSM_L0_STRIPE_SIZE buffered bytes,
 * the other levels the ORC writer's default (64 MiB). */
#define FLOE_LSM_L0_STRIPE_SIZE (4u << 20)
typedef int (*floe_lsm_row_source)(void *ud, const floe_value **vals, const floe_buf **arena,
                                   uint64_t *seq, int *kind, floe_err *err);
floe_status floe_lsm_write_run(const floe_lsm_table *t, floe_orc_codec codec, uint32_t bucket,
                               uint32_t level, floe_lsm_row_source src, void *ud,
                               uint64_t target_size, floe_lsm_file **files, size_t *nfiles,
                               floe_err *err);

#endif
