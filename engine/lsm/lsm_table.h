/*
 * lsm_table.h: a floe primary-key table on disk: its schema versions, its
 * snapshots and the manifests that list each snapshot's data files.
 *
 * Layout under <warehouse>/<db>.db/<table>/ (docs/table-format.md):
 *   schema/schema-<N>            schema versions (JSON), N = 0, 1, ...
 *   snapshot/snapshot-<N>        snapshots (JSON), N = 1, 2, ...
 *   snapshot/LATEST, EARLIEST    hints only; the files are the truth
 *   manifest/manifest-<uuid>     the full file list of one snapshot (JSON)
 *   bucket-<B>/data-<uuid>-<n>.orc   sorted runs
 *
 * Commit protocol (invariants):
 *  1. Data files and the manifest are written and fsynced before the
 *     snapshot that names them.
 *  2. A snapshot becomes visible by an atomic create-if-absent of
 *     snapshot-<N> (floe_fs_publish, link(2)); whoever creates it first
 *     wins, the loser gets FLOE_ERR_CONFLICT and its files are orphans.
 *  3. Snapshot ids are contiguous: snapshot-<N> exists for every N between
 *     EARLIEST and the latest, until expiry removes old ones.
 *  4. A snapshot never changes after it is published.
 *
 * Ownership: floe_lsm_table, floe_lsm_snapshot are created by the open/load
 * functions and freed by their destroy functions (NULL is a no-op). A
 * snapshot is immutable and may be read by several threads.
 * Errors: FLOE_ERR_NOT_FOUND for a missing table or snapshot, FLOE_ERR_CORRUPT
 * for a metadata file that does not parse (naming the file), FLOE_ERR_EXISTS
 * when creating a table that exists, FLOE_ERR_CONFLICT for a lost commit race,
 * FLOE_ERR_INVALID for a refused schema change.
 */
#ifndef FLOE_LSM_TABLE_H
#define FLOE_LSM_TABLE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "floe_schema.h"
#include "floe_status.h"
#include "floe_value.h"

#define FLOE_LSM_FORMAT_VERSION 1
#define FLOE_LSM_MAX_LEVELS 64

/* Field ids of the system columns in data files: outside every schema and
 * below Iceberg's reserved range, so that readers that map columns by id
 * (pyiceberg needs an id on every column, or maps all of them by name)
 * find each table column exactly and ignore these two. */
#define FLOE_LSM_SEQ_FIELD_ID 2147483400
#define FLOE_LSM_KIND_FIELD_ID 2147483401

/* _VALUE_KIND values, as Paimon's RowKind. */
enum { FLOE_KIND_INSERT = 0, FLOE_KIND_UPDATE_BEFORE = 1, FLOE_KIND_UPDATE_AFTER = 2,
       FLOE_KIND_DELETE = 3 };

typedef struct floe_lsm_file {
    char *path; /* relative to the table directory */
    uint32_t bucket;
    uint32_t level;
    uint64_t size;
    uint64_t rows;
    uint64_t delete_rows;
    uint64_t min_seq, max_seq;
    int32_t schema_id;
    json_t *min_key, *max_key; /* JSON arrays of key values in floe's value forms */
} floe_lsm_file;

typedef struct floe_lsm_snapshot {
    int64_t id;
    int32_t schema_id;
    char *manifest;
    char *commit_user;
    char *commit_kind; /* "APPEND" | "COMPACT" */
    int64_t commit_identifier;
    int64_t time_ms;
    uint64_t next_sequence;
    json_t *source_positions; /* opaque to the engine; JSON object */
    json_t *properties;       /* free-form, e.g. compaction figures */
    floe_lsm_file *files;
    size_t nfiles;
} floe_lsm_snapshot;

typedef struct floe_lsm_table {
    char *dir;
    char *name; /* db.table */
    floe_schema *schema;
    int32_t schema_id;
    int32_t highest_field_id;
    uint32_t buckets;
    json_t *options;
} floe_lsm_table;

/* Create a table with schema version 0. The schema needs a primary key. */
floe_status floe_lsm_table_create(const char *warehouse, const char *name,
                                  const floe_schema *schema, uint32_t buckets, floe_err *err);
/* The same with table options: a JSON object of string values (Paimon's
 * option names, e.g. "num-sorted-run.compaction-trigger": "5"; the engine
 * stores them, compaction reads them: compaction.h). Borrowed. */
floe_status floe_lsm_table_create_with(const char *warehouse, const char *name,
                                       const floe_schema *schema, uint32_t buckets,
                                       json_t *options, floe_err *err);
floe_status floe_lsm_table_open(const char *warehouse, const char *name, floe_lsm_table **out,
                                floe_err *err);
void floe_lsm_table_destroy(floe_lsm_table *t);

/* Declarative schema change by field id (docs/table-format.md): a known id
 * with a new name renames, with a new type widens; a column without id is
 * added; a known id that is absent is dropped. Writes schema-<N+1>. */
floe_status floe_lsm_table_alter(floe_lsm_table *t, const floe_schema *wanted,
                                 const int *has_id, floe_err *err);
/* Change table options: `changes` maps an option name to its new string
 * value, or to JSON null to remove it (borrowed). When anything changes,
 * writes schema-<N+1> with the same columns and the merged options (as
 * Paimon's ALTER TABLE SET does) and *changed = 1; otherwise writes
 * nothing. Processes that opened the table before keep the options they
 * read. FLOE_ERR_CONFLICT when another process wrote schema N+1 first. */
floe_status floe_lsm_table_set_options(floe_lsm_table *t, json_t *changes, int *changed,
                                       floe_err *err);
/* `options` (borrowed, may be NULL) with `changes` applied, the same way,
 * as a new object in *out (the caller's); for checking a change before
 * making it. FLOE_ERR_INVALID names the table and the option. */
floe_status floe_lsm_options_apply(const char *table, const json_t *options, json_t *changes,
                                   json_t **out, floe_err *err);
/* Load schema version id (for readers of old snapshots). */
floe_status floe_lsm_table_schema(const floe_lsm_table *t, int32_t id, floe_schema **out,
                                  floe_err *err);

/* Latest snapshot, or *out = NULL when the table has none yet. */
floe_status floe_lsm_table_latest(const floe_lsm_table *t, floe_lsm_snapshot **out,
                                  floe_err *err);
floe_status floe_lsm_table_snapshot(const floe_lsm_table *t, int64_t id,
                                    floe_lsm_snapshot **out, floe_err *err);
/* Earliest snapshot id still present (0 when none). */
floe_status floe_lsm_table_earliest_id(const floe_lsm_table *t, int64_t *id, floe_err *err);
void floe_lsm_snapshot_destroy(floe_lsm_snapshot *s);

/* Publish snapshot base_id + 1 listing `files` (the whole table). The
 * snapshot's other fields come from `tmpl` (id, manifest and files are
 * ignored). On success *new_id is the published id. */
floe_status floe_lsm_table_commit(const floe_lsm_table *t, int64_t base_id,
                                  const floe_lsm_snapshot *tmpl, const floe_lsm_file *files,
                                  size_t nfiles, int64_t *new_id, floe_err *err);

/* Bucket of a primary key: a fixed hash of the key values (format-stable). */
uint32_t floe_lsm_bucket_of(const floe_schema *s, const floe_value *vals,
                            const floe_buf *arena, uint32_t buckets);

/* Sorted runs of one bucket in a file list: each level-0 file is a run,
 * each non-empty higher level one run. */
uint32_t floe_lsm_sorted_runs(const floe_lsm_file *files, size_t nfiles, uint32_t bucket);
/* The largest floe_lsm_sorted_runs over a table's buckets. */
uint32_t floe_lsm_max_sorted_runs(const floe_lsm_file *files, size_t nfiles, uint32_t buckets);

/* Helpers for paths: "<dir>/<rel>" into out. */
void floe_lsm_table_path(const floe_lsm_table *t, const char *rel, char *out, size_t outsz);
void floe_lsm_file_free(floe_lsm_file *f);
floe_status floe_lsm_file_copy(floe_lsm_file *dst, const floe_lsm_file *src, floe_err *err);

#endif
