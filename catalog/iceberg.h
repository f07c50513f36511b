/*
 * iceberg.h: Apache Iceberg (format v2) metadata for a floe table's fully
 * compacted snapshots, so Iceberg engines read the table with no floe code.
 *
 * A floe snapshot in which every data file sits at the top LSM level holds
 * exactly one row per live key and no tombstones; such a snapshot becomes
 * an Iceberg snapshot with the same id. floe_iceberg_sync publishes every
 * such floe snapshot newer than the Iceberg table's current snapshot, in
 * order, under <table>/metadata/ (docs/table-format.md):
 *   v<N>.metadata.json      table metadata (schemas with history, sort
 *                           order on the primary key, snapshots, logs, refs,
 *                           schema.name-mapping.default)
 *   version-hint.text       "N", no newline
 *   snap-<id>-<uuid>.avro   manifest list
 *   <id>-b<bucket>-<uuid>.avro  one manifest per bucket; reused by later
 *                           snapshots while the bucket's files are unchanged
 * Only table columns are in the Iceberg schema; Iceberg field ids are floe
 * field ids. Column metrics (value/null counts, lower/upper bounds in
 * Iceberg's single-value serialisation) come from each ORC file's footer.
 *
 * Commit: v<N+1>.metadata.json is created if absent (link(2)); losing that
 * race is FLOE_ERR_CONFLICT. The hint is then replaced. The generator
 * produces a metadata document and the committer publishes it
 * (floe_iceberg_committer), so a REST catalog committer can be added beside
 * the file-system one.
 *
 * Errors: existing metadata that is missing or does not parse fails with
 * FLOE_ERR_CORRUPT naming the file and is never rewritten.
 * Thread-safety: one sync per table at a time.
 */
#ifndef FLOE_ICEBERG_H
#define FLOE_ICEBERG_H

#include <jansson.h>
#include <stdint.h>

#include "lsm_table.h"

/* Ids of floe's system columns (never in a schema; see lsm_table.h). */
#define FLOE_ICEBERG_SEQ_ID FLOE_LSM_SEQ_FIELD_ID
#define FLOE_ICEBERG_KIND_ID FLOE_LSM_KIND_FIELD_ID

typedef struct floe_iceberg_result {
    int64_t snapshot_id;  /* latest Iceberg snapshot after the call, 0 if none */
    int version;          /* metadata version after the call */
    uint32_t published;   /* snapshots published by this call */
    uint32_t manifests_written, manifests_reused;
} floe_iceberg_result;

/* The committer: publishes metadata version `version` (a JSON document). */
typedef struct floe_iceberg_committer {
    floe_status (*commit)(void *ud, const char *metadata_dir, int version, json_t *metadata,
                          floe_err *err);
    void *ud;
} floe_iceberg_committer;

/* The file-system committer (Hadoop table layout). */
extern const floe_iceberg_committer floe_iceberg_fs_committer;

/* top_level: the LSM level that counts as fully compacted (levels - 1,
 * default 5). */
floe_status floe_iceberg_sync(const floe_lsm_table *t, uint32_t top_level,
                              const floe_iceberg_committer *committer,
                              floe_iceberg_result *res, floe_err *err);

/* Current metadata version (0 when none) and its parsed document (NULL
 * when none; caller json_decref's). */
floe_status floe_iceberg_load(const floe_lsm_table *t, int *version, json_t **metadata,
                              floe_err *err);

/* Expiry of Iceberg snapshots, for `floe expire`. The oldest snapshots
 * beyond the newest retain_snapshots that are also older than
 * older_than_ms leave the metadata (a new version without them; the
 * current snapshot always stays). Then manifest lists and manifests in
 * metadata/ that no remaining snapshot uses, and that are older than
 * safety_age_ms (a sync still writing its manifests is younger), are
 * deleted; this also removes those of syncs that died before their
 * commit. Metadata JSON files are kept. Data files are never touched
 * here: res->oldest_snapshot_id tells floe_expire_table which floe
 * snapshots (same ids) must stay, and with them every data file the
 * Iceberg metadata lists. Losing the commit race to a sync retries. */
typedef struct floe_iceberg_expire_opts {
    int64_t retain_snapshots, older_than_ms, safety_age_ms;
    int dry_run;
} floe_iceberg_expire_opts;

typedef struct floe_iceberg_expire_result {
    uint32_t snapshots_removed, files_removed;
    uint64_t bytes_removed;
    int version;                /* metadata version after the call (0: none) */
    int64_t oldest_snapshot_id; /* oldest snapshot still listed, 0 when none */
} floe_iceberg_expire_result;

floe_status floe_iceberg_expire(const floe_lsm_table *t, const floe_iceberg_expire_opts *o,
                                const floe_iceberg_committer *committer,
                                floe_iceberg_expire_result *res, floe_err *err);

/* Iceberg type string of a floe type ("long", "decimal(10, 2)"...). */
void floe_iceberg_type(floe_type t, char *out, size_t outsz);

#endif
