/*
 * ingest_service.h: `floe ingest`, the long-running service that consumes
 * Debezium change events from Kafka into floe tables, exactly once.
 *
 * One floe table per source table; a topic's table is its name's last
 * segment (Debezium names topics <prefix>.<db>.<table>), in the configured
 * floe database. Tables are created on first sight from the message schema
 * (JsonConverter schemas.enable=true) or, with schemas off, from the
 * MariaDB definition (mariadb.* keys); new columns and widened types evolve
 * the table.
 *
 * Exactly once: the next offset of every consumed partition is stored in
 * the table's snapshot (source_positions {"kafka":{topic:{partition:
 * offset}}}) by the same commit that makes the rows visible. On every
 * partition assignment the service seeks to the offsets in the latest
 * snapshot (group offsets are committed too, for lag tools, but never
 * trusted). A crash anywhere loses nothing and duplicates nothing.
 *
 * Config keys (Java properties; docs/operations.md): warehouse, database,
 * topics | topics.regex, commit.interval.ms (10000), commit.max.rows
 * (500000), buffer.size (256MiB), buckets (1, for new tables), compaction
 * (on), iceberg.interval.ms (300000: full compaction + Iceberg sync per
 * table; 0 = only at --until-caught-up's end), errors.policy
 * (fail|dead-letter), errors.dead-letter.topic, stats.interval.ms (10000),
 * binary.handling.mode, bigint.unsigned.handling.mode, mariadb.*, and
 * kafka.* passed to librdkafka unchanged (kafka.bootstrap.servers,
 * kafka.group.id, SSL/SASL...).
 *
 * Threads: run() on one thread; request_stop() is async-signal-safe.
 */
#ifndef FLOE_INGEST_SERVICE_H
#define FLOE_INGEST_SERVICE_H

#include "floe_config.h"
#include "floe_status.h"

typedef struct floe_ingest floe_ingest;

typedef struct floe_ingest_stats {
    uint64_t messages, rows, tombstones, dead_lettered, commits, tables;
} floe_ingest_stats;

floe_status floe_ingest_create(const floe_config *cfg, floe_ingest **out, floe_err *err);
/* Consume until stopped, or with until_caught_up until every partition
 * reached the end offset seen when it was assigned; then commit, run a
 * full compaction + Iceberg sync when due, and return. */
floe_status floe_ingest_run(floe_ingest *in, int until_caught_up, floe_err *err);
void floe_ingest_request_stop(floe_ingest *in);
void floe_ingest_get_stats(const floe_ingest *in, floe_ingest_stats *st);
void floe_ingest_destroy(floe_ingest *in);

#endif
