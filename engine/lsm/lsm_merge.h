/*
 * lsm_merge.h: the read path: a k-way merge over sorted runs.
 *
 * Opens an ORC reader per data file and merges their rows in primary-key
 * order. For each key the row with the highest sequence number wins
 * (deduplicate merge engine); with FLOE_MERGE_DROP_DELETES a winning -D row
 * hides the key, otherwise it is returned (compaction below the top level
 * keeps tombstones). Old files are read through the table's current schema
 * by field id (`iceberg.id`): a column a file lacks reads as NULL, widened
 * types read as the wider type. Memory: one ORC batch per file plus one
 * stripe's decompressed streams per file.
 *
 * Ownership: the merge borrows the table and the file list (both must
 * outlive it). Rows returned by next are valid until the next call.
 * Errors: reader errors name the file; a file whose key columns are missing
 * or out of order is FLOE_ERR_CORRUPT.
 * Thread-safety: one merge, one thread.
 */
#ifndef FLOE_LSM_MERGE_H
#define FLOE_LSM_MERGE_H

#include "floe_value.h"
#include "lsm_table.h"

#define FLOE_MERGE_DROP_DELETES 1

typedef struct floe_lsm_merge floe_lsm_merge;

floe_status floe_lsm_merge_open(const floe_lsm_table *t, const floe_lsm_file *files,
                                size_t nfiles, int flags, floe_lsm_merge **out, floe_err *err);
/* An input that is not a file (the writer's sorted buffer): each call
 * returns 1 with the next row in key order (one per key, through the
 * table's current schema, strings and binaries through .ptr with *arena
 * NULL, valid until its next call), 0 at the end, -1 with err set. Same
 * signature as floe_lsm_row_source (lsm_writer.h). */
typedef int (*floe_lsm_merge_source)(void *ud, const floe_value **vals, const floe_buf **arena,
                                     uint64_t *seq, int *kind, floe_err *err);
/* floe_lsm_merge_open with one more input, src (NULL: none). */
floe_status floe_lsm_merge_open_with(const floe_lsm_table *t, const floe_lsm_file *files,
                                     size_t nfiles, floe_lsm_merge_source src, void *src_ud,
                                     int flags, floe_lsm_merge **out, floe_err *err);
/* *vals = NULL at the end. vals has one value per current schema column
 * (string bytes via .ptr). */
floe_status floe_lsm_merge_next(floe_lsm_merge *m, const floe_value **vals, uint64_t *seq,
                                int *kind, floe_err *err);
/* The merge as a row source for floe_lsm_write_run (ud = the merge):
 * 1 with the next row, 0 at the end, -1 with err set. */
int floe_lsm_merge_source_next(void *merge, const floe_value **vals, const floe_buf **arena,
                               uint64_t *seq, int *kind, floe_err *err);
/* Rows read from files, including superseded versions. */
uint64_t floe_lsm_merge_rows_read(const floe_lsm_merge *m);
/* Rows returned by next so far. */
uint64_t floe_lsm_merge_rows_returned(const floe_lsm_merge *m);
void floe_lsm_merge_close(floe_lsm_merge *m);

#endif
