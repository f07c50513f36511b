/*
 * orc_stats.h: column statistics as the ORC writer gathers them (per row
 * group, stripe and file) and their protobuf form. Internal to engine/orc.
 *
 * A bound that cannot be stated exactly is omitted, never approximated:
 * integer sums that overflow, double min/max when a NaN was seen, string
 * bounds longer than 1024 bytes or holding a NUL byte, decimal sums that
 * overflow 38 digits.
 * Ownership: a stats object owns its string bound buffers; free with
 * floe_orc_stats_free. floe_orc_stats_pb fills a caller-provided holder
 * whose storage lives until floe_orc_stats_pb_free.
 */
#ifndef FLOE_ORC_STATS_H
#define FLOE_ORC_STATS_H

#include <stdint.h>

#include "floe_buf.h"
#include "floe_schema.h"
#include "floe_value.h"
#include "orc_format.pb-c.h"

typedef struct floe_orc_stats {
    uint64_t count; /* non-null values */
    int has_null;
    int has_bounds;   /* min/max valid (count > 0 and no disqualifier) */
    int sum_ok;
    int saw_nan;
    int64_t imin, imax, isum; /* ints, dates, booleans (isum = true count), ts */
    double dmin, dmax, dsum;
    floe_i128 cmin, cmax, csum; /* decimals */
    floe_buf smin, smax;        /* strings */
    /* their first 16 bytes as two big-endian words, zero padded */
    uint64_t smin_pfx, smax_pfx, smin_pfx2, smax_pfx2;
    uint64_t total_len;         /* strings, binary */
} floe_orc_stats;

void floe_orc_stats_reset(floe_orc_stats *s);
void floe_orc_stats_free(floe_orc_stats *s);
/* Add one value (is_null handled). Returns FLOE_ERR_NOMEM only. */
floe_status floe_orc_stats_add(floe_orc_stats *s, floe_type t, const floe_value *v,
                               const uint8_t *bytes, floe_err *err);
floe_status floe_orc_stats_merge(floe_orc_stats *dst, const floe_orc_stats *src, floe_type t,
                                 floe_err *err);

typedef struct floe_orc_stats_pb {
    FloeOrc__ColumnStats cs;
    FloeOrc__IntStats is;
    FloeOrc__DoubleStats ds;
    FloeOrc__StringStats ss;
    FloeOrc__BucketStats bs;
    uint64_t bucket;
    FloeOrc__DecimalStats dec;
    FloeOrc__DateStats dts;
    FloeOrc__TimestampStats ts;
    FloeOrc__BinaryStats bin;
    char decmin[48], decmax[48], decsum[48];
    char *smin, *smax;
} floe_orc_stats_pb;

/* is_root: the struct column (count only). */
floe_status floe_orc_stats_pb_fill(floe_orc_stats_pb *pb, const floe_orc_stats *s,
                                   const floe_type *t, floe_err *err);
void floe_orc_stats_pb_free(floe_orc_stats_pb *pb);

#endif
