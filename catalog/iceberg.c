/*
 * iceberg.c: Iceberg v2 metadata generation; contract in iceberg.h.
 *
 * Invariants:
 *  1. Iceberg snapshot id == floe snapshot id; Iceberg snapshots appear in
 *     floe snapshot order with increasing sequence numbers.
 *  2. Manifests and manifest lists are complete files before the metadata
 *     version that names them is published.
 *  3. A reused manifest is named in the previous snapshot's summary
 *     (floe.manifest.b<bucket>) with the hash of its bucket's file list.
 */
#define _GNU_SOURCE
#include "iceberg.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "avro_out.h"
#include "floe_fs.h"
#include "floe_log.h"
#include "floe_value.h"
#include "orc_reader.h"

#define META_MAX (256u << 20)

static const char MANIFEST_LIST_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_file\",\"fields\":["
    "{\"name\":\"manifest_path\",\"type\":\"string\",\"field-id\":500},"
    "{\"name\":\"manifest_length\",\"type\":\"long\",\"field-id\":501},"
    "{\"name\":\"partition_spec_id\",\"type\":\"int\",\"field-id\":502},"
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":517},"
    "{\"name\":\"sequence_number\",\"type\":\"long\",\"field-id\":515},"
    "{\"name\":\"min_sequence_number\",\"type\":\"long\",\"field-id\":516},"
    "{\"name\":\"added_snapshot_id\",\"type\":\"long\",\"field-id\":503},"
    "{\"name\":\"added_files_count\",\"type\":\"int\",\"field-id\":504},"
    "{\"name\":\"existing_files_count\",\"type\":\"int\",\"field-id\":505},"
    "{\"name\":\"deleted_files_count\",\"type\":\"int\",\"field-id\":506},"
    "{\"name\":\"added_rows_count\",\"type\":\"long\",\"field-id\":512},"
    "{\"name\":\"existing_rows_count\",\"type\":\"long\",\"field-id\":513},"
    "{\"name\":\"deleted_rows_count\",\"type\":\"long\",\"field-id\":514},"
    "{\"name\":\"partitions\",\"type\":[\"null\",{\"type\":\"array\",\"element-id\":508,"
    "\"items\":{\"type\":\"record\",\"name\":\"r508\",\"fields\":["
    "{\"name\":\"contains_null\",\"type\":\"boolean\",\"field-id\":509},"
    "{\"name\":\"contains_nan\",\"type\":[\"null\",\"boolean\"],\"default\":null,\"field-id\":518},"
    "{\"name\":\"lower_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":510},"
    "{\"name\":\"upper_bound\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":511}]}}],"
    "\"default\":null,\"field-id\":507},"
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":519}]}";

#define MAP_TYPE(k, v, vt)                                                                         \
    "[\"null\",{\"type\":\"array\",\"logicalType\":\"map\",\"items\":{\"type\":\"record\","        \
    "\"name\":\"k" #k "_v" #v "\",\"fields\":[{\"name\":\"key\",\"type\":\"int\",\"field-id\":" #k \
    "},{\"name\":\"value\",\"type\":\"" vt "\",\"field-id\":" #v "}]}}]"

static const char MANIFEST_SCHEMA[] =
    "{\"type\":\"record\",\"name\":\"manifest_entry\",\"fields\":["
    "{\"name\":\"status\",\"type\":\"int\",\"field-id\":0},"
    "{\"name\":\"snapshot_id\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":1},"
    "{\"name\":\"sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":3},"
    "{\"name\":\"file_sequence_number\",\"type\":[\"null\",\"long\"],\"default\":null,\"field-id\":4},"
    "{\"name\":\"data_file\",\"field-id\":2,\"type\":{\"type\":\"record\",\"name\":\"r2\",\"fields\":["
    "{\"name\":\"content\",\"type\":\"int\",\"field-id\":134},"
    "{\"name\":\"file_path\",\"type\":\"string\",\"field-id\":100},"
    "{\"name\":\"file_format\",\"type\":\"string\",\"field-id\":101},"
    "{\"name\":\"partition\",\"type\":{\"type\":\"record\",\"name\":\"r102\",\"fields\":[]},\"field-id\":102},"
    "{\"name\":\"record_count\",\"type\":\"long\",\"field-id\":103},"
    "{\"name\":\"file_size_in_bytes\",\"type\":\"long\",\"field-id\":104},"
    "{\"name\":\"column_sizes\",\"type\":" MAP_TYPE(117, 118, "long") ",\"default\":null,\"field-id\":108},"
    "{\"name\":\"value_counts\",\"type\":" MAP_TYPE(119, 120, "long") ",\"default\":null,\"field-id\":109},"
    "{\"name\":\"null_value_counts\",\"type\":" MAP_TYPE(121, 122, "long") ",\"default\":null,\"field-id\":110},"
    "{\"name\":\"nan_value_counts\",\"type\":" MAP_TYPE(138, 139, "long") ",\"default\":null,\"field-id\":137},"
    "{\"name\":\"lower_bounds\",\"type\":" MAP_TYPE(126, 127, "bytes") ",\"default\":null,\"field-id\":125},"
    "{\"name\":\"upper_bounds\",\"type\":" MAP_TYPE(129, 130, "bytes") ",\"default\":null,\"field-id\":128},"
    "{\"name\":\"key_metadata\",\"type\":[\"null\",\"bytes\"],\"default\":null,\"field-id\":131},"
    "{\"name\":\"split_offsets\",\"type\":[\"null\",{\"type\":\"array\",\"element-id\":133,\"items\":\"long\"}],\"default\":null,\"field-id\":132},"
    "{\"name\":\"equality_ids\",\"type\":[\"null\",{\"type\":\"array\",\"element-id\":136,\"items\":\"int\"}],\"default\":null,\"field-id\":135},"
    "{\"name\":\"sort_order_id\",\"type\":[\"null\",\"int\"],\"default\":null,\"field-id\":140},"
    "{\"name\":\"referenced_data_file\",\"type\":[\"null\",\"string\"],\"default\":null,\"field-id\":143}]}}]}";

void floe_iceberg_type(floe_type t, char *out, size_t outsz) {
    switch (t.kind) {
    case FLOE_T_BOOLEAN: snprintf(out, outsz, "boolean"); break;
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT: snprintf(out, outsz, "int"); break;
    case FLOE_T_BIGINT: snprintf(out, outsz, "long"); break;
    case FLOE_T_FLOAT: snprintf(out, outsz, "float"); break;
    case FLOE_T_DOUBLE: snprintf(out, outsz, "double"); break;
    case FLOE_T_DECIMAL: snprintf(out, outsz, "decimal(%u, %u)", t.precision, t.scale); break;
    case FLOE_T_STRING: snprintf(out, outsz, "string"); break;
    case FLOE_T_BINARY: snprintf(out, outsz, "binary"); break;
    case FLOE_T_DATE: snprintf(out, outsz, "date"); break;
    case FLOE_T_TIMESTAMP: snprintf(out, outsz, "timestamp"); break;
    }
}

/* ---- committer ---- */

static floe_status fs_commit(void *ud, const char *dir, int version, json_t *metadata,
                             floe_err *err) {
    (void)ud;
    char path[4400];
    snprintf(path, sizeof path, "%s/v%d.metadata.json", dir, version);
    char *text = json_dumps(metadata, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
    if (!text) return floe_err_set(err, FLOE_ERR_NOMEM, "cannot serialise %s", path);
    floe_status s = floe_fs_publish(path, text, strlen(text), err);
    free(text);
    if (s == FLOE_ERR_EXISTS)
        return floe_err_set(err, FLOE_ERR_CONFLICT, "%s was created concurrently", path);
    FLOE_TRY(s);
    char hint[32];
    int n = snprintf(hint, sizeof hint, "%d", version); /* no newline: pyiceberg checks isnumeric */
    snprintf(path, sizeof path, "%s/version-hint.text", dir);
    return floe_fs_replace(path, hint, (size_t)n, err);
}

const floe_iceberg_committer floe_iceberg_fs_committer = {fs_commit, NULL};

/* ---- loading ---- */

floe_status floe_iceberg_load(const floe_lsm_table *t, int *version, json_t **metadata,
                              floe_err *err) {
    *version = 0;
    *metadata = NULL;
    char dir[4400], path[4500];
    snprintf(dir, sizeof dir, "%s/metadata", t->dir);
    snprintf(path, sizeof path, "%s/version-hint.text", dir);
    floe_buf b = FLOE_BUF_INIT;
    floe_status s = floe_fs_read_all(path, 64, &b, err);
    int v = 0;
    if (s == FLOE_OK) {
        char *end;
        long x = strtol((const char *)b.data, &end, 10);
        if (end == (char *)b.data || *end || x < 1) {
            floe_buf_free(&b);
            return floe_err_set(err, FLOE_ERR_CORRUPT, "%s: \"%s\" is not a version number", path,
                                (const char *)b.data);
        }
        v = (int)x;
    } else if (s == FLOE_ERR_NOT_FOUND) {
        /* no hint: the highest v<N>.metadata.json, as Iceberg readers do */
        DIR *d = opendir(dir);
        if (d) {
            struct dirent *e;
            while ((e = readdir(d))) {
                int x;
                char tail[64];
                if (sscanf(e->d_name, "v%d.metadata.js%63s", &x, tail) == 2 && !strcmp(tail, "on") &&
                    x > v)
                    v = x;
            }
            closedir(d);
        }
        s = FLOE_OK;
    }
    floe_buf_free(&b);
    FLOE_TRY(s);
    if (v == 0) return FLOE_OK;
    /* The hint may lag: a committer that died between publishing
     * v<N+1>.metadata.json and replacing the hint leaves it at N. Step
     * forward while newer versions exist, as Iceberg's Hadoop tables do. */
    for (;;) {
        snprintf(path, sizeof path, "%s/v%d.metadata.json", dir, v + 1);
        if (!floe_fs_exists(path)) break;
        v++;
    }
    snprintf(path, sizeof path, "%s/v%d.metadata.json", dir, v);
    json_t *j = NULL;
    s = floe_fs_read_json(path, META_MAX, &j, err);
    if (s == FLOE_ERR_NOT_FOUND)
        return floe_err_set(err, FLOE_ERR_CORRUPT,
                            "Iceberg metadata %s is missing (version-hint.text names it); refusing "
                            "to write over a broken table",
                            path);
    if (s == FLOE_ERR_CORRUPT) {
        /* "PATH: not valid JSON (line N: what)" */
        if (err) {
            floe_err_prefix(err, "Iceberg metadata ");
            size_t n = strlen(err->msg);
            snprintf(err->msg + n, sizeof err->msg - n, "; refusing to write over a broken table");
        }
        return s;
    }
    FLOE_TRY(s);
    if (!json_is_object(j) || !json_is_array(json_object_get(j, "snapshots"))) {
        json_decref(j);
        return floe_err_set(err, FLOE_ERR_CORRUPT,
                            "Iceberg metadata %s has no snapshots array; refusing to write over "
                            "a broken table",
                            path);
    }
    *version = v;
    *metadata = j;
    return FLOE_OK;
}

/* ---- schemas ---- */

static json_t *schema_json(const floe_schema *s, int32_t id) {
    json_t *fields = json_array(), *ids = json_array();
    for (size_t i = 0; i < s->ncols; i++) {
        char ty[48];
        floe_iceberg_type(s->cols[i].type, ty, sizeof ty);
        json_array_append_new(fields, json_pack("{s:i, s:s, s:b, s:s}", "id", (int)s->cols[i].id,
                                                "name", s->cols[i].name, "required",
                                                !s->cols[i].nullable, "type", ty));
    }
    for (size_t k = 0; k < s->npk; k++) json_array_append_new(ids, json_integer(s->cols[s->pk[k]].id));
    return json_pack("{s:s, s:i, s:o, s:o}", "type", "struct", "schema-id", (int)id,
                     "identifier-field-ids", ids, "fields", fields);
}

/* ---- metrics from an ORC footer ---- */

typedef struct metrics {
    int32_t id;
    int64_t values, nulls;
    floe_buf lower, upper;
    int has_bounds;
} metrics;

static void put_le(floe_buf *b, uint64_t v, int n) {
    b->len = 0;
    for (int i = 0; i < n; i++) floe_buf_put_u8(b, (uint8_t)(v >> (8 * i)), NULL);
}

static void put_decimal_be(floe_buf *b, floe_i128 v) {
    /* minimal two's-complement big-endian */
    uint8_t tmp[16];
    unsigned __int128 u = (unsigned __int128)v;
    for (int i = 15; i >= 0; i--) {
        tmp[i] = (uint8_t)u;
        u >>= 8;
    }
    int start = 0;
    while (start < 15 && ((tmp[start] == 0x00 && !(tmp[start + 1] & 0x80)) ||
                          (tmp[start] == 0xff && (tmp[start + 1] & 0x80))))
        start++;
    b->len = 0;
    floe_buf_append(b, tmp + start, (size_t)(16 - start), NULL);
}

static int bounds_from_stats(const FloeOrc__ColumnStats *cs, const FloeOrc__Type *ot,
                             floe_type ft, metrics *m) {
    if (!cs || !cs->has_number_of_values || cs->number_of_values == 0) return 0;
    switch (ot->kind) {
    case FLOE_ORC__TYPE__KIND__BYTE:
    case FLOE_ORC__TYPE__KIND__SHORT:
    case FLOE_ORC__TYPE__KIND__INT:
        if (!cs->int_statistics || !cs->int_statistics->has_minimum || !cs->int_statistics->has_maximum)
            return 0;
        put_le(&m->lower, (uint64_t)(uint32_t)(int32_t)cs->int_statistics->minimum, 4);
        put_le(&m->upper, (uint64_t)(uint32_t)(int32_t)cs->int_statistics->maximum, 4);
        return 1;
    case FLOE_ORC__TYPE__KIND__LONG:
        if (!cs->int_statistics || !cs->int_statistics->has_minimum || !cs->int_statistics->has_maximum)
            return 0;
        put_le(&m->lower, (uint64_t)cs->int_statistics->minimum, 8);
        put_le(&m->upper, (uint64_t)cs->int_statistics->maximum, 8);
        return 1;
    case FLOE_ORC__TYPE__KIND__FLOAT:
    case FLOE_ORC__TYPE__KIND__DOUBLE: {
        const FloeOrc__DoubleStats *d = cs->double_statistics;
        if (!d || !d->has_minimum || !d->has_maximum || isnan(d->minimum) || isnan(d->maximum))
            return 0;
        if (ot->kind == FLOE_ORC__TYPE__KIND__FLOAT) {
            float lo = (float)d->minimum, hi = (float)d->maximum;
            uint32_t a, b;
            memcpy(&a, &lo, 4);
            memcpy(&b, &hi, 4);
            put_le(&m->lower, a, 4);
            put_le(&m->upper, b, 4);
        } else {
            uint64_t a, b;
            memcpy(&a, &d->minimum, 8);
            memcpy(&b, &d->maximum, 8);
            put_le(&m->lower, a, 8);
            put_le(&m->upper, b, 8);
        }
        return 1;
    }
    case FLOE_ORC__TYPE__KIND__STRING:
    case FLOE_ORC__TYPE__KIND__VARCHAR:
    case FLOE_ORC__TYPE__KIND__CHAR:
        if (!cs->string_statistics || !cs->string_statistics->minimum ||
            !cs->string_statistics->maximum)
            return 0;
        m->lower.len = m->upper.len = 0;
        floe_buf_append(&m->lower, cs->string_statistics->minimum,
                        strlen(cs->string_statistics->minimum), NULL);
        floe_buf_append(&m->upper, cs->string_statistics->maximum,
                        strlen(cs->string_statistics->maximum), NULL);
        return 1;
    case FLOE_ORC__TYPE__KIND__DATE:
        if (!cs->date_statistics || !cs->date_statistics->has_minimum ||
            !cs->date_statistics->has_maximum)
            return 0;
        put_le(&m->lower, (uint64_t)(uint32_t)cs->date_statistics->minimum, 4);
        put_le(&m->upper, (uint64_t)(uint32_t)cs->date_statistics->maximum, 4);
        return 1;
    case FLOE_ORC__TYPE__KIND__TIMESTAMP: {
        const FloeOrc__TimestampStats *ts = cs->timestamp_statistics;
        if (!ts || !ts->has_minimum_utc || !ts->has_maximum_utc) return 0;
        int64_t lo = ts->minimum_utc * 1000 + (ts->has_minimum_nanos ? (ts->minimum_nanos - 1) / 1000 : 0);
        int64_t hi = ts->maximum_utc * 1000 + (ts->has_maximum_nanos ? (ts->maximum_nanos - 1) / 1000 : 999);
        put_le(&m->lower, (uint64_t)lo, 8);
        put_le(&m->upper, (uint64_t)hi, 8);
        return 1;
    }
    case FLOE_ORC__TYPE__KIND__DECIMAL: {
        const FloeOrc__DecimalStats *d = cs->decimal_statistics;
        if (!d || !d->minimum || !d->maximum || ft.kind != FLOE_T_DECIMAL) return 0;
        floe_i128 lo, hi;
        uint8_t scale = ot->has_scale ? (uint8_t)ot->scale : ft.scale;
        if (floe_decimal_parse(d->minimum, 38, scale, &lo, NULL) != FLOE_OK ||
            floe_decimal_parse(d->maximum, 38, scale, &hi, NULL) != FLOE_OK)
            return 0;
        put_decimal_be(&m->lower, lo);
        put_decimal_be(&m->upper, hi);
        return 1;
    }
    case FLOE_ORC__TYPE__KIND__BOOLEAN: {
        if (!cs->bucket_statistics || cs->bucket_statistics->n_count < 1) return 0;
        uint64_t trues = cs->bucket_statistics->count[0];
        put_le(&m->lower, trues == cs->number_of_values ? 1 : 0, 1);
        put_le(&m->upper, trues > 0 ? 1 : 0, 1);
        return 1;
    }
    default: return 0;
    }
}

typedef struct file_info {
    uint64_t rows;
    metrics *m;
    size_t nm;
    int64_t *stripes;
    size_t nstripes;
} file_info;

static void file_info_free(file_info *fi) {
    for (size_t i = 0; i < fi->nm; i++) {
        floe_buf_free(&fi->m[i].lower);
        floe_buf_free(&fi->m[i].upper);
    }
    free(fi->m);
    free(fi->stripes);
    memset(fi, 0, sizeof *fi);
}

static floe_status read_file_info(const char *path, file_info *fi, floe_err *err) {
    memset(fi, 0, sizeof *fi);
    floe_input *in = NULL;
    floe_orc_reader *r = NULL;
    FLOE_TRY(floe_input_open_file(path, &in, err));
    floe_status s = floe_orc_reader_open(in, NULL, &r, err);
    if (s != FLOE_OK) {
        floe_input_close(in);
        return s;
    }
    const FloeOrc__Footer *f = floe_orc_reader_footer(r);
    const floe_schema *fs = floe_orc_reader_schema(r);
    fi->rows = floe_orc_reader_num_rows(r);
    fi->m = calloc(fs->ncols ? fs->ncols : 1, sizeof *fi->m);
    fi->stripes = calloc(f->n_stripes ? f->n_stripes : 1, sizeof *fi->stripes);
    if (!fi->m || !fi->stripes) s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; s == FLOE_OK && i < f->n_stripes; i++)
        fi->stripes[fi->nstripes++] = (int64_t)f->stripes[i]->offset;
    for (size_t j = 0; s == FLOE_OK && j < fs->ncols; j++) {
        if (fs->cols[j].id <= 0 || fs->cols[j].id == FLOE_LSM_SEQ_FIELD_ID ||
            fs->cols[j].id == FLOE_LSM_KIND_FIELD_ID)
            continue; /* system columns */
        metrics *m = &fi->m[fi->nm++];
        m->id = fs->cols[j].id;
        m->values = (int64_t)fi->rows;
        const FloeOrc__ColumnStats *cs = j + 1 < f->n_statistics ? f->statistics[j + 1] : NULL;
        m->nulls = cs && cs->has_number_of_values ? (int64_t)(fi->rows - cs->number_of_values) : -1;
        m->has_bounds = bounds_from_stats(cs, f->types[j + 1], fs->cols[j].type, m);
    }
    floe_orc_reader_close(r);
    floe_input_close(in);
    if (s != FLOE_OK) file_info_free(fi);
    return s;
}

/* ---- Avro records ---- */

static floe_status put_map_long(floe_buf *b, const file_info *fi, int nulls, floe_err *err) {
    size_t n = 0;
    for (size_t i = 0; i < fi->nm; i++)
        if (!nulls || fi->m[i].nulls >= 0) n++;
    FLOE_TRY(floe_avro_put_long(b, 1, err)); /* union branch: the map */
    if (n) {
        FLOE_TRY(floe_avro_put_long(b, (int64_t)n, err));
        for (size_t i = 0; i < fi->nm; i++) {
            if (nulls && fi->m[i].nulls < 0) continue;
            FLOE_TRY(floe_avro_put_int(b, fi->m[i].id, err));
            FLOE_TRY(floe_avro_put_long(b, nulls ? fi->m[i].nulls : fi->m[i].values, err));
        }
    }
    return floe_avro_put_long(b, 0, err);
}

static floe_status put_map_bounds(floe_buf *b, const file_info *fi, int upper, floe_err *err) {
    size_t n = 0;
    for (size_t i = 0; i < fi->nm; i++) n += fi->m[i].has_bounds;
    FLOE_TRY(floe_avro_put_long(b, 1, err));
    if (n) {
        FLOE_TRY(floe_avro_put_long(b, (int64_t)n, err));
        for (size_t i = 0; i < fi->nm; i++) {
            if (!fi->m[i].has_bounds) continue;
            const floe_buf *v = upper ? &fi->m[i].upper : &fi->m[i].lower;
            FLOE_TRY(floe_avro_put_int(b, fi->m[i].id, err));
            FLOE_TRY(floe_avro_put_bytes(b, v->data, v->len, err));
        }
    }
    return floe_avro_put_long(b, 0, err);
}

static floe_status put_entry(floe_buf *b, int64_t snap, int64_t seq, const char *path,
                             uint64_t size, const file_info *fi, floe_err *err) {
    FLOE_TRY(floe_avro_put_int(b, 1, err)); /* status ADDED */
    FLOE_TRY(floe_avro_put_long(b, 1, err));
    FLOE_TRY(floe_avro_put_long(b, snap, err));
    FLOE_TRY(floe_avro_put_long(b, 1, err));
    FLOE_TRY(floe_avro_put_long(b, seq, err));
    FLOE_TRY(floe_avro_put_long(b, 1, err));
    FLOE_TRY(floe_avro_put_long(b, seq, err));
    /* data_file */
    FLOE_TRY(floe_avro_put_int(b, 0, err)); /* content: data */
    FLOE_TRY(floe_avro_put_string(b, path, err));
    FLOE_TRY(floe_avro_put_string(b, "ORC", err));
    /* partition: empty record, no bytes */
    FLOE_TRY(floe_avro_put_long(b, (int64_t)fi->rows, err));
    FLOE_TRY(floe_avro_put_long(b, (int64_t)size, err));
    FLOE_TRY(floe_avro_put_long(b, 0, err)); /* column_sizes: null */
    FLOE_TRY(put_map_long(b, fi, 0, err));   /* value_counts */
    FLOE_TRY(put_map_long(b, fi, 1, err));   /* null_value_counts */
    FLOE_TRY(floe_avro_put_long(b, 0, err)); /* nan_value_counts: null */
    FLOE_TRY(put_map_bounds(b, fi, 0, err));
    FLOE_TRY(put_map_bounds(b, fi, 1, err));
    FLOE_TRY(floe_avro_put_long(b, 0, err)); /* key_metadata */
    FLOE_TRY(floe_avro_put_long(b, 1, err)); /* split_offsets */
    if (fi->nstripes) {
        FLOE_TRY(floe_avro_put_long(b, (int64_t)fi->nstripes, err));
        for (size_t i = 0; i < fi->nstripes; i++) FLOE_TRY(floe_avro_put_long(b, fi->stripes[i], err));
    }
    FLOE_TRY(floe_avro_put_long(b, 0, err));
    FLOE_TRY(floe_avro_put_long(b, 0, err)); /* equality_ids */
    FLOE_TRY(floe_avro_put_long(b, 1, err)); /* sort_order_id */
    FLOE_TRY(floe_avro_put_int(b, 1, err));
    return floe_avro_put_long(b, 0, err);    /* referenced_data_file */
}

typedef struct mf {
    char path[4400];
    uint64_t length;
    int64_t added_snapshot, seq;
    uint64_t files, rows;
    char hash[17];
    int reused;
} mf;

static void bucket_hash(const floe_lsm_snapshot *s, uint32_t b, char out[17]) {
    /* order-independent: xor of per-path hashes, plus the count */
    uint64_t h = 0, n = 0;
    for (size_t i = 0; i < s->nfiles; i++) {
        if (s->files[i].bucket != b) continue;
        uint64_t x = 1469598103934665603ull;
        for (const char *p = s->files[i].path; *p; p++) x = (x ^ (uint8_t)*p) * 1099511628211ull;
        h ^= x * 0x9e3779b97f4a7c15ull;
        n++;
    }
    h ^= n * 0xbf58476d1ce4e5b9ull;
    snprintf(out, 17, "%016llx", (unsigned long long)h);
}

static floe_status manifest_list_record(floe_buf *b, const mf *m, floe_err *err) {
    FLOE_TRY(floe_avro_put_string(b, m->path, err));
    FLOE_TRY(floe_avro_put_long(b, (int64_t)m->length, err));
    FLOE_TRY(floe_avro_put_int(b, 0, err));
    FLOE_TRY(floe_avro_put_int(b, 0, err));
    FLOE_TRY(floe_avro_put_long(b, m->seq, err));
    FLOE_TRY(floe_avro_put_long(b, m->seq, err));
    FLOE_TRY(floe_avro_put_long(b, m->added_snapshot, err));
    FLOE_TRY(floe_avro_put_int(b, (int32_t)m->files, err));
    FLOE_TRY(floe_avro_put_int(b, 0, err));
    FLOE_TRY(floe_avro_put_int(b, 0, err));
    FLOE_TRY(floe_avro_put_long(b, (int64_t)m->rows, err));
    FLOE_TRY(floe_avro_put_long(b, 0, err));
    FLOE_TRY(floe_avro_put_long(b, 0, err));
    FLOE_TRY(floe_avro_put_long(b, 0, err)); /* partitions: null */
    return floe_avro_put_long(b, 0, err);    /* key_metadata: null */
}

static int fully_compacted(const floe_lsm_snapshot *s, uint32_t top) {
    for (size_t i = 0; i < s->nfiles; i++)
        if (s->files[i].level != top || s->files[i].delete_rows) return 0;
    return 1;
}

/* Build and publish one Iceberg snapshot for floe snapshot `s`. */
static floe_status publish(const floe_lsm_table *t, const char *location, const char *mdir,
                           const floe_lsm_snapshot *s, json_t *prev, int prev_version,
                           const floe_iceberg_committer *c, floe_iceberg_result *res,
                           floe_err *err) {
    floe_status st = FLOE_OK;
    int64_t last_seq = 0, prev_snap = 0, last_ts = 0;
    json_t *prev_summary = NULL;
    if (prev) {
        json_t *ls = json_object_get(prev, "last-sequence-number");
        last_seq = json_is_integer(ls) ? json_integer_value(ls) : 0;
        json_t *cs = json_object_get(prev, "current-snapshot-id");
        prev_snap = json_is_integer(cs) ? json_integer_value(cs) : 0;
        json_t *snaps = json_object_get(prev, "snapshots");
        size_t i;
        json_t *sn;
        json_array_foreach(snaps, i, sn) {
            if (json_integer_value(json_object_get(sn, "snapshot-id")) == prev_snap)
                prev_summary = json_object_get(sn, "summary");
            int64_t ts = json_integer_value(json_object_get(sn, "timestamp-ms"));
            if (ts > last_ts) last_ts = ts;
        }
    }
    int64_t seq = last_seq + 1, snap = s->id;
    int64_t ts = s->time_ms > last_ts ? s->time_ms : last_ts + 1;
    floe_schema *sch = NULL;
    st = floe_lsm_table_schema(t, s->schema_id, &sch, err);
    if (st != FLOE_OK) return st;
    json_t *summary = json_object();
    uint64_t total_rows = 0, total_files = 0, total_size = 0, added_files = 0, added_rows = 0;
    mf *mfs = calloc(t->buckets, sizeof *mfs);
    size_t nmf = 0;
    floe_buf rec = FLOE_BUF_INIT;
    char uuid[33];
    if (!mfs) st = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    char *schema_text = NULL;
    if (st == FLOE_OK) {
        json_t *sj = schema_json(sch, s->schema_id);
        schema_text = json_dumps(sj, JSON_COMPACT);
        json_decref(sj);
    }
    for (uint32_t b = 0; st == FLOE_OK && b < t->buckets; b++) {
        uint64_t files = 0, rows = 0;
        for (size_t i = 0; i < s->nfiles; i++)
            if (s->files[i].bucket == b) {
                files++;
                rows += s->files[i].rows;
                total_size += s->files[i].size;
            }
        total_files += files;
        total_rows += rows;
        if (!files) continue;
        mf *m = &mfs[nmf];
        bucket_hash(s, b, m->hash);
        char key[32];
        snprintf(key, sizeof key, "floe.manifest.b%u", b);
        const char *old = prev_summary ? json_string_value(json_object_get(prev_summary, key)) : NULL;
        char ohash[17], opath[4400];
        unsigned long long olen, ofiles, orows;
        long long osnap, oseq;
        if (old && sscanf(old, "%16[0-9a-f]|%llu|%lld|%lld|%llu|%llu|%4399s", ohash, &olen, &osnap,
                          &oseq, &ofiles, &orows, opath) == 7 &&
            !strcmp(ohash, m->hash) && floe_fs_exists(opath)) {
            snprintf(m->path, sizeof m->path, "%s", opath);
            m->length = olen;
            m->added_snapshot = osnap;
            m->seq = oseq;
            m->files = ofiles;
            m->rows = orows;
            m->reused = 1;
            res->manifests_reused++;
        } else {
            rec.len = 0;
            for (size_t i = 0; st == FLOE_OK && i < s->nfiles; i++) {
                if (s->files[i].bucket != b) continue;
                char fpath[4400];
                snprintf(fpath, sizeof fpath, "%s/%s", location, s->files[i].path);
                file_info fi;
                st = read_file_info(fpath, &fi, err);
                if (st != FLOE_OK) break;
                st = put_entry(&rec, snap, seq, fpath, s->files[i].size, &fi, err);
                file_info_free(&fi);
            }
            if (st != FLOE_OK) break;
            floe_fs_uuid(uuid);
            snprintf(m->path, sizeof m->path, "%s/%lld-b%u-%s.avro", mdir, (long long)snap, b, uuid);
            char sid[24];
            snprintf(sid, sizeof sid, "%d", (int)s->schema_id);
            const char *keys[] = {"schema", "schema-id", "partition-spec", "partition-spec-id",
                                  "format-version", "content"};
            const char *vals[] = {schema_text, sid, "[]", "0", "2", "data"};
            st = floe_avro_write_file(m->path, MANIFEST_SCHEMA, keys, vals, 6, &rec, files,
                                      &m->length, err);
            if (st != FLOE_OK) break;
            m->added_snapshot = snap;
            m->seq = seq;
            m->files = files;
            m->rows = rows;
            added_files += files;
            added_rows += rows;
            res->manifests_written++;
        }
        char val[4600];
        snprintf(val, sizeof val, "%s|%llu|%lld|%lld|%llu|%llu|%s", m->hash,
                 (unsigned long long)m->length, (long long)m->added_snapshot, (long long)m->seq,
                 (unsigned long long)m->files, (unsigned long long)m->rows, m->path);
        json_object_set_new(summary, key, json_string(val));
        nmf++;
    }
    char list_path[4400] = "";
    if (st == FLOE_OK) {
        rec.len = 0;
        for (size_t i = 0; st == FLOE_OK && i < nmf; i++) st = manifest_list_record(&rec, &mfs[i], err);
        floe_fs_uuid(uuid);
        snprintf(list_path, sizeof list_path, "%s/snap-%lld-%s.avro", mdir, (long long)snap, uuid);
        char ssnap[24], sparent[24], sseq[24];
        snprintf(ssnap, sizeof ssnap, "%lld", (long long)snap);
        snprintf(sparent, sizeof sparent, "%lld", (long long)prev_snap);
        snprintf(sseq, sizeof sseq, "%lld", (long long)seq);
        const char *keys[] = {"snapshot-id", "sequence-number", "format-version", "parent-snapshot-id"};
        const char *vals[] = {ssnap, sseq, "2", sparent};
        uint64_t len;
        if (st == FLOE_OK)
            st = floe_avro_write_file(list_path, MANIFEST_LIST_SCHEMA, keys, vals, prev_snap ? 4 : 3,
                                      &rec, nmf, &len, err);
    }
    free(schema_text);
    floe_buf_free(&rec);
    free(mfs);
    if (st != FLOE_OK) {
        json_decref(summary);
        floe_schema_destroy(sch);
        return st;
    }
    char num[32];
    json_object_set_new(summary, "operation", json_string(prev_snap ? "overwrite" : "append"));
#define SUM(k, v)                                                                                  \
    do {                                                                                           \
        snprintf(num, sizeof num, "%llu", (unsigned long long)(v));                                \
        json_object_set_new(summary, k, json_string(num));                                         \
    } while (0)
    SUM("total-records", total_rows);
    SUM("total-data-files", total_files);
    SUM("total-files-size", total_size);
    SUM("added-data-files", added_files);
    SUM("added-records", added_rows);
    SUM("total-delete-files", 0);
    SUM("total-position-deletes", 0);
    SUM("total-equality-deletes", 0);
    SUM("floe.snapshot-id", s->id);
    SUM("floe.commit-identifier", s->commit_identifier);
#undef SUM
    char *sp = json_dumps(s->source_positions, JSON_COMPACT | JSON_SORT_KEYS);
    json_object_set_new(summary, "floe.source-positions", json_string(sp ? sp : "{}"));
    free(sp);
    json_t *snapshot = json_pack("{s:I, s:I, s:I, s:s, s:o, s:i}", "snapshot-id", (json_int_t)snap,
                                 "sequence-number", (json_int_t)seq, "timestamp-ms", (json_int_t)ts,
                                 "manifest-list", list_path, "summary", summary, "schema-id",
                                 (int)s->schema_id);
    if (prev_snap) json_object_set_new(snapshot, "parent-snapshot-id", json_integer(prev_snap));
    /* the whole metadata document */
    json_t *schemas = json_array();
    json_t *names = json_object(); /* field id -> array of names, newest first */
    for (int32_t id = t->schema_id; id >= 0; id--) {
        floe_schema *hs = NULL;
        if (floe_lsm_table_schema(t, id, &hs, NULL) != FLOE_OK) continue;
        json_array_insert_new(schemas, 0, schema_json(hs, id));
        for (size_t i = 0; i < hs->ncols; i++) {
            char k[16];
            snprintf(k, sizeof k, "%d", (int)hs->cols[i].id);
            json_t *arr = json_object_get(names, k);
            if (!arr) json_object_set_new(names, k, arr = json_array());
            int dup = 0;
            size_t x;
            json_t *nv;
            json_array_foreach(arr, x, nv) dup |= !strcmp(json_string_value(nv), hs->cols[i].name);
            if (!dup) json_array_append_new(arr, json_string(hs->cols[i].name));
        }
        floe_schema_destroy(hs);
    }
    /* Every field id of the schema history is mapped, dropped ones too:
     * files written before a drop still hold the column, and a reader that
     * maps by name (pyiceberg, see below) fails on a file column the
     * mapping lacks. A name maps to one id: a current column's name first,
     * then older names, newest first. */
    json_t *mapping = json_array(), *taken = json_object();
    for (size_t i = 0; i < t->schema->ncols; i++)
        json_object_set_new(taken, t->schema->cols[i].name, json_true());
    for (int pass = 0; pass < 2; pass++) {
        for (int32_t id = 1; id > 0 && id <= t->highest_field_id; id++) {
            const floe_column *cur = NULL;
            for (size_t i = 0; i < t->schema->ncols; i++)
                if (t->schema->cols[i].id == id) cur = &t->schema->cols[i];
            if ((pass == 0) != (cur != NULL)) continue; /* current columns, then dropped */
            char k[16];
            snprintf(k, sizeof k, "%d", (int)id);
            json_t *hist = json_object_get(names, k), *nm = json_array();
            if (cur) json_array_append_new(nm, json_string(cur->name));
            size_t x;
            json_t *nv;
            json_array_foreach(hist, x, nv) {
                const char *n = json_string_value(nv);
                if (cur && !strcmp(n, cur->name)) continue;
                if (json_object_get(taken, n)) continue;
                json_object_set_new(taken, n, json_true());
                json_array_append_new(nm, json_string(n));
            }
            if (json_array_size(nm))
                json_array_append_new(mapping, json_pack("{s:i, s:o}", "field-id", (int)id, "names", nm));
            else
                json_decref(nm);
        }
    }
    json_decref(taken);
    json_decref(names);
    /* floe's system columns carry ids no schema uses (lsm_table.h); list
     * them for readers that fall back to the mapping for files without. */
    json_array_append_new(mapping, json_pack("{s:i, s:[s]}", "field-id", FLOE_ICEBERG_SEQ_ID,
                                             "names", "_SEQUENCE_NUMBER"));
    json_array_append_new(mapping, json_pack("{s:i, s:[s]}", "field-id", FLOE_ICEBERG_KIND_ID,
                                             "names", "_VALUE_KIND"));
    char *mapping_text = json_dumps(mapping, JSON_COMPACT);
    json_decref(mapping);
    json_t *sort_fields = json_array();
    for (size_t k = 0; k < t->schema->npk; k++)
        json_array_append_new(sort_fields,
                              json_pack("{s:s, s:i, s:s, s:s}", "transform", "identity", "source-id",
                                        (int)t->schema->cols[t->schema->pk[k]].id, "direction",
                                        "asc", "null-order", "nulls-first"));
    json_t *snapshots = prev ? json_deep_copy(json_object_get(prev, "snapshots")) : json_array();
    json_array_append_new(snapshots, snapshot);
    json_t *snap_log = prev && json_is_array(json_object_get(prev, "snapshot-log"))
                           ? json_deep_copy(json_object_get(prev, "snapshot-log"))
                           : json_array();
    json_array_append_new(snap_log, json_pack("{s:I, s:I}", "snapshot-id", (json_int_t)snap,
                                              "timestamp-ms", (json_int_t)ts));
    json_t *meta_log = prev && json_is_array(json_object_get(prev, "metadata-log"))
                           ? json_deep_copy(json_object_get(prev, "metadata-log"))
                           : json_array();
    if (prev) {
        char pp[4500];
        snprintf(pp, sizeof pp, "%s/v%d.metadata.json", mdir, prev_version);
        json_t *lu = json_object_get(prev, "last-updated-ms");
        json_array_append_new(meta_log, json_pack("{s:s, s:I}", "metadata-file", pp, "timestamp-ms",
                                                  (json_int_t)(json_is_integer(lu) ? json_integer_value(lu) : ts)));
    }
    const char *uuid_s = prev ? json_string_value(json_object_get(prev, "table-uuid")) : NULL;
    char tuuid[40];
    if (uuid_s) snprintf(tuuid, sizeof tuuid, "%s", uuid_s);
    else {
        floe_fs_uuid(uuid);
        snprintf(tuuid, sizeof tuuid, "%.8s-%.4s-4%.3s-a%.3s-%.12s", uuid, uuid + 8, uuid + 13,
                 uuid + 17, uuid + 20);
    }
    json_t *md = json_pack(
        "{s:i, s:s, s:s, s:I, s:I, s:i, s:o, s:i, s:[{s:i, s:[]}], s:i, s:i,"
        " s:[{s:i, s:[]}, {s:i, s:o}], s:i, s:{s:s, s:s, s:s}, s:I, s:o, s:o, s:o,"
        " s:{s:{s:I, s:s}}}",
        "format-version", 2, "table-uuid", tuuid, "location", location, "last-sequence-number",
        (json_int_t)seq, "last-updated-ms", (json_int_t)floe_now_ms(), "last-column-id",
        (int)t->highest_field_id, "schemas", schemas, "current-schema-id", (int)t->schema_id,
        "partition-specs", "spec-id", 0, "fields", "default-spec-id", 0, "last-partition-id", 999,
        "sort-orders", "order-id", 0, "fields", "order-id", 1, "fields", sort_fields,
        "default-sort-order-id", 1, "properties", "schema.name-mapping.default",
        mapping_text ? mapping_text : "[]", "write.format.default", "orc", "floe.table", t->name,
        "current-snapshot-id", (json_int_t)snap, "snapshots", snapshots, "snapshot-log", snap_log,
        "metadata-log", meta_log, "refs", "main", "snapshot-id", (json_int_t)snap, "type", "branch");
    free(mapping_text);
    floe_schema_destroy(sch);
    if (!md) return floe_err_set(err, FLOE_ERR_NOMEM, "cannot build the metadata document");
    st = c->commit(c->ud, mdir, prev_version + 1, md, err);
    json_decref(md);
    if (st == FLOE_OK) {
        res->published++;
        res->snapshot_id = snap;
        res->version = prev_version + 1;
        floe_log_info("iceberg", "published table=%s snapshot=%lld version=%d files=%llu rows=%llu",
                      t->name, (long long)snap, prev_version + 1, (unsigned long long)total_files,
                      (unsigned long long)total_rows);
    }
    return st;
}

/* The table's absolute location (Iceberg paths are absolute) and its
 * metadata directory. location holds PATH_MAX bytes. */
static floe_status table_location(const floe_lsm_table *t, char *location, char *mdir,
                                  size_t mdirsz, floe_err *err) {
    if (!realpath(t->dir, location))
        return floe_err_set(err, FLOE_ERR_IO, "cannot resolve %s: %s", t->dir, strerror(errno));
    snprintf(mdir, mdirsz, "%s/metadata", location);
    return FLOE_OK;
}

floe_status floe_iceberg_sync(const floe_lsm_table *t, uint32_t top_level,
                              const floe_iceberg_committer *committer, floe_iceberg_result *res,
                              floe_err *err) {
    memset(res, 0, sizeof *res);
    if (!committer) committer = &floe_iceberg_fs_committer;
    char location[PATH_MAX], mdir[4400];
    FLOE_TRY(table_location(t, location, mdir, sizeof mdir, err));
    FLOE_TRY(floe_fs_mkdirs(mdir, err));
    int version;
    json_t *prev;
    FLOE_TRY(floe_iceberg_load(t, &version, &prev, err));
    res->version = version;
    int64_t done = 0;
    if (prev) {
        /* a snapshot whose manifest list is gone: the table is broken */
        size_t i;
        json_t *sn;
        json_array_foreach(json_object_get(prev, "snapshots"), i, sn) {
            const char *ml = json_string_value(json_object_get(sn, "manifest-list"));
            if (ml && !floe_fs_exists(ml)) {
                floe_err_set(err, FLOE_ERR_CORRUPT,
                             "Iceberg metadata %s/v%d.metadata.json: snapshot %lld names manifest "
                             "list %s, which is missing; refusing to write over a broken table",
                             mdir, version,
                             (long long)json_integer_value(json_object_get(sn, "snapshot-id")), ml);
                json_decref(prev);
                return FLOE_ERR_CORRUPT;
            }
        }
        json_t *cs = json_object_get(prev, "current-snapshot-id");
        done = json_is_integer(cs) ? json_integer_value(cs) : 0;
        res->snapshot_id = done;
    }
    floe_lsm_snapshot *latest = NULL;
    floe_status s = floe_lsm_table_latest(t, &latest, err);
    if (s != FLOE_OK || !latest) {
        json_decref(prev);
        return s;
    }
    int64_t earliest = 1;
    floe_lsm_table_earliest_id(t, &earliest, NULL);
    int64_t from = done + 1 > earliest ? done + 1 : earliest;
    for (int64_t id = from; s == FLOE_OK && id <= latest->id; id++) {
        floe_lsm_snapshot *sn = NULL;
        s = floe_lsm_table_snapshot(t, id, &sn, err);
        if (s == FLOE_ERR_NOT_FOUND) { /* expired meanwhile */
            s = FLOE_OK;
            floe_err_clear(err);
            continue;
        }
        if (s != FLOE_OK) break;
        if (fully_compacted(sn, top_level)) {
            s = publish(t, location, mdir, sn, prev, version, committer, res, err);
            if (s == FLOE_OK) {
                json_decref(prev);
                s = floe_iceberg_load(t, &version, &prev, err);
            }
        }
        floe_lsm_snapshot_destroy(sn);
    }
    floe_lsm_snapshot_destroy(latest);
    json_decref(prev);
    return s;
}

/* ---- expiry ---- */

/* The path a floe.manifest.b<B> summary value ends with (after six '|'). */
static const char *summary_manifest_path(const char *v) {
    for (int bars = 0; v && *v; v++)
        if (*v == '|' && ++bars == 6) return v + 1;
    return NULL;
}

/* Delete unreferenced manifest lists and manifests (*.avro) in mdir older
 * than cutoff. keep: the remaining metadata; its snapshots' manifest lists
 * and the manifests their floe.manifest.b<B> summaries name are used. */
static floe_status sweep_metadata(const char *mdir, const json_t *keep, int64_t cutoff_ms,
                                  int dry, floe_iceberg_expire_result *res, floe_err *err) {
    json_t *used = json_object(); /* path -> true */
    size_t i;
    json_t *sn;
    json_array_foreach(json_object_get(keep, "snapshots"), i, sn) {
        const char *ml = json_string_value(json_object_get(sn, "manifest-list"));
        if (ml) json_object_set_new(used, ml, json_true());
        const char *k;
        json_t *v;
        json_object_foreach(json_object_get(sn, "summary"), k, v) {
            const char *mp = strncmp(k, "floe.manifest.b", 15) ? NULL
                                                                : summary_manifest_path(json_string_value(v));
            if (mp) json_object_set_new(used, mp, json_true());
        }
    }
    DIR *d = opendir(mdir);
    if (!d) {
        json_decref(used);
        if (errno == ENOENT) return FLOE_OK;
        return floe_err_set(err, FLOE_ERR_IO, "cannot list %s: %s", mdir, strerror(errno));
    }
    floe_status st = FLOE_OK;
    struct dirent *e;
    while (st == FLOE_OK && (e = readdir(d))) {
        size_t nl = strlen(e->d_name);
        if (e->d_name[0] == '.' || nl < 6 || strcmp(e->d_name + nl - 5, ".avro")) continue;
        char path[4700];
        snprintf(path, sizeof path, "%s/%s", mdir, e->d_name);
        if (json_object_get(used, path)) continue;
        struct stat sb;
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode)) continue;
        int64_t mtime = (int64_t)sb.st_mtim.tv_sec * 1000 + sb.st_mtim.tv_nsec / 1000000;
        if (mtime > cutoff_ms) continue;
        if (!dry && unlink(path) != 0 && errno != ENOENT) {
            st = floe_err_set(err, FLOE_ERR_IO, "cannot delete %s: %s", path, strerror(errno));
            break;
        }
        res->files_removed++;
        res->bytes_removed += (uint64_t)sb.st_size;
        floe_log_debug("iceberg", "%s %s", dry ? "would delete" : "deleted", path);
    }
    closedir(d);
    json_decref(used);
    return st;
}

typedef struct snap_age {
    int64_t id, ts;
} snap_age;

static int cmp_snap_age(const void *a, const void *b) {
    int64_t x = ((const snap_age *)a)->id, y = ((const snap_age *)b)->id;
    return (x > y) - (x < y);
}

floe_status floe_iceberg_expire(const floe_lsm_table *t, const floe_iceberg_expire_opts *o,
                                const floe_iceberg_committer *committer,
                                floe_iceberg_expire_result *res, floe_err *err) {
    memset(res, 0, sizeof *res);
    if (!committer) committer = &floe_iceberg_fs_committer;
    char location[PATH_MAX], mdir[4400];
    FLOE_TRY(table_location(t, location, mdir, sizeof mdir, err));
    int64_t retain = o->retain_snapshots < 1 ? 1 : o->retain_snapshots;
    floe_status st = FLOE_OK;
    json_t *md = NULL;
    for (int attempt = 0; attempt < 10; attempt++) {
        int version;
        json_t *prev = NULL;
        FLOE_TRY(floe_iceberg_load(t, &version, &prev, err));
        res->version = version;
        if (!prev) return FLOE_OK; /* never synced */
        json_t *snaps = json_object_get(prev, "snapshots");
        json_t *cs = json_object_get(prev, "current-snapshot-id");
        int64_t current = json_is_integer(cs) ? json_integer_value(cs) : -1;
        size_t n = json_array_size(snaps);
        int64_t now = floe_now_ms();
        /* expire the oldest snapshots (by id) beyond the newest `retain`
         * that are older than the age limit; never the current one */
        snap_age *sa = malloc((n ? n : 1) * sizeof *sa);
        if (!sa) {
            json_decref(prev);
            return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        }
        for (size_t i = 0; i < n; i++) {
            const json_t *x = json_array_get(snaps, i);
            sa[i].id = json_integer_value(json_object_get(x, "snapshot-id"));
            sa[i].ts = json_integer_value(json_object_get(x, "timestamp-ms"));
        }
        /* ascending id order is publication order; sort defensively */
        qsort(sa, n, sizeof *sa, cmp_snap_age);
        int64_t cut = INT64_MIN; /* snapshots with id <= cut go */
        for (size_t i = 0; i + (size_t)retain < n; i++) {
            if (sa[i].id == current || sa[i].ts >= now - o->older_than_ms) break;
            cut = sa[i].id;
        }
        free(sa);
        json_t *keep_snaps = json_array(), *keep_log = json_array();
        size_t k;
        json_t *x;
        json_array_foreach(snaps, k, x) {
            if (json_integer_value(json_object_get(x, "snapshot-id")) > cut)
                json_array_append(keep_snaps, x);
            else
                res->snapshots_removed++;
        }
        json_array_foreach(json_object_get(prev, "snapshot-log"), k, x) {
            if (json_integer_value(json_object_get(x, "snapshot-id")) > cut)
                json_array_append(keep_log, x);
        }
        res->oldest_snapshot_id = 0;
        json_array_foreach(keep_snaps, k, x) {
            int64_t id = json_integer_value(json_object_get(x, "snapshot-id"));
            if (!res->oldest_snapshot_id || id < res->oldest_snapshot_id) res->oldest_snapshot_id = id;
        }
        if (!res->snapshots_removed || o->dry_run) {
            json_decref(keep_snaps);
            json_decref(keep_log);
            md = prev;
            break;
        }
        md = json_deep_copy(prev);
        json_object_set_new(md, "snapshots", keep_snaps);
        json_object_set_new(md, "snapshot-log", keep_log);
        json_t *meta_log = json_object_get(md, "metadata-log");
        if (!json_is_array(meta_log)) json_object_set_new(md, "metadata-log", meta_log = json_array());
        char pp[4500];
        snprintf(pp, sizeof pp, "%s/v%d.metadata.json", mdir, version);
        json_t *lu = json_object_get(prev, "last-updated-ms");
        json_array_append_new(meta_log, json_pack("{s:s, s:I}", "metadata-file", pp, "timestamp-ms",
                                                  (json_int_t)(json_is_integer(lu) ? json_integer_value(lu) : now)));
        json_object_set_new(md, "last-updated-ms", json_integer(now));
        json_decref(prev);
        st = committer->commit(committer->ud, mdir, version + 1, md, err);
        if (st == FLOE_OK) {
            res->version = version + 1;
            break;
        }
        json_decref(md);
        md = NULL;
        if (st != FLOE_ERR_CONFLICT) return st;
        floe_err_clear(err);
        res->snapshots_removed = 0; /* a sync won: start over from its version */
    }
    if (!md) return st != FLOE_OK ? st : floe_err_set(err, FLOE_ERR_CONFLICT,
                                                      "Iceberg metadata of %s kept changing; "
                                                      "expiry gave up", t->name);
    /* Sweep only metadata floe wrote: a snapshot another engine committed
     * lists manifests floe cannot see in its summary. */
    int foreign = 0;
    size_t k;
    json_t *x;
    json_array_foreach(json_object_get(md, "snapshots"), k, x) {
        if (!json_object_get(json_object_get(x, "summary"), "floe.snapshot-id")) foreign = 1;
    }
    if (foreign)
        floe_log_warn("iceberg", "table=%s: a snapshot was not written by floe; its manifests "
                      "are unknown, so no manifest file is deleted", t->name);
    else
        st = sweep_metadata(mdir, md, floe_now_ms() - o->safety_age_ms, o->dry_run, res, err);
    json_decref(md);
    if (st == FLOE_OK)
        floe_log_info("iceberg",
                      "expired table=%s snapshots_removed=%u files_removed=%u bytes_removed=%llu "
                      "version=%d oldest_snapshot=%lld%s",
                      t->name, res->snapshots_removed, res->files_removed,
                      (unsigned long long)res->bytes_removed, res->version,
                      (long long)res->oldest_snapshot_id, o->dry_run ? " dry_run=true" : "");
    return st;
}
