/*
 * orc_reader.c: the ORC v1 reader; contract in orc_reader.h.
 *
 * Invariants:
 *  1. Every byte range taken from the file (tail, stripe, stream) has been
 *     checked against the file size (or the enclosing range) before it is
 *     read; decoders only see buffers of exactly the stream's length.
 *  2. Decompressed bytes held for one stripe never exceed max_stripe_bytes.
 *  3. rows_left_in_stripe counts down to 0; all column decoders have
 *     produced exactly (stripe rows - rows_left) rows.
 */
#define _GNU_SOURCE
#include "orc_reader.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "floe_log.h"
#include "orc_rle.h"
#include "orc_writer.h" /* FLOE_ORC_TS_BASE */

#define TAIL_READ 16384
#define FOOTER_LIMIT (256u << 20)

typedef struct colr {
    size_t schema_col; /* index in r->schema */
    size_t orc_col;    /* ORC column id */
    floe_type type;
    floe_buf present, data, aux, dict;
    int has_present;
    floe_orc_bool_dec present_dec;
    floe_orc_rle2_dec *rle_data, *rle_aux;
    floe_orc_byte_dec byte_data;
    floe_orc_bool_dec bool_data;
    size_t data_pos; /* float/double/decimal/binary/string direct cursor */
    int dict_enc;
    uint64_t *dict_off; /* dict_size + 1 offsets into dict */
    uint32_t dict_size;
    int64_t *tmp;
    uint8_t *flags;
} colr;

struct floe_orc_reader {
    floe_input *in;
    const char *name;
    floe_orc_reader_opts o;
    FloeOrc__PostScript *ps;
    FloeOrc__Footer *footer;
    FloeOrc__Metadata *meta;
    floe_orc_codec_ctx *codec;
    floe_schema *schema;
    size_t *sel;
    size_t nsel;
    colr *cols;
    size_t stripe;        /* next stripe to load */
    uint64_t rows_left;   /* in the loaded stripe */
    int loaded;
    floe_orc_batch batch;
    floe_buf raw;
    uint64_t stripe_bytes;
};

static floe_status corrupt(floe_orc_reader *r, floe_err *err, floe_status code, const char *fmt,
                           ...) __attribute__((format(printf, 4, 5)));
static floe_status corrupt(floe_orc_reader *r, floe_err *err, floe_status code, const char *fmt,
                           ...) {
    va_list ap;
    va_start(ap, fmt);
    floe_err_vset(err, code, fmt, ap);
    va_end(ap);
    return floe_err_prefix(err, "%s: ", r->name);
}

const floe_schema *floe_orc_reader_schema(const floe_orc_reader *r) { return r->schema; }
uint64_t floe_orc_reader_num_rows(const floe_orc_reader *r) {
    return r->footer->has_number_of_rows ? r->footer->number_of_rows : 0;
}
const FloeOrc__PostScript *floe_orc_reader_postscript(const floe_orc_reader *r) { return r->ps; }
const FloeOrc__Footer *floe_orc_reader_footer(const floe_orc_reader *r) { return r->footer; }
const FloeOrc__Metadata *floe_orc_reader_metadata(const floe_orc_reader *r) { return r->meta; }

static void col_clear(colr *c) {
    floe_buf_free(&c->present);
    floe_buf_free(&c->data);
    floe_buf_free(&c->aux);
    floe_buf_free(&c->dict);
    free(c->rle_data);
    free(c->rle_aux);
    free(c->dict_off);
    free(c->tmp);
    free(c->flags);
    c->rle_data = c->rle_aux = NULL;
    c->dict_off = NULL;
    c->tmp = NULL;
    c->flags = NULL;
}

static void free_batch(floe_orc_reader *r) {
    if (r->batch.cols)
        for (size_t i = 0; i < r->batch.ncols; i++) free(r->batch.cols[i]);
    free(r->batch.cols);
    r->batch.cols = NULL;
    free(r->batch.rows);
    r->batch.rows = NULL;
}

void floe_orc_reader_close(floe_orc_reader *r) {
    if (!r) return;
    if (r->cols)
        for (size_t i = 0; i < r->nsel; i++) col_clear(&r->cols[i]);
    free(r->cols);
    free_batch(r);
    free(r->sel);
    if (r->ps) floe_orc__post_script__free_unpacked(r->ps, NULL);
    if (r->footer) floe_orc__footer__free_unpacked(r->footer, NULL);
    if (r->meta) floe_orc__metadata__free_unpacked(r->meta, NULL);
    floe_orc_codec_ctx_destroy(r->codec);
    floe_schema_destroy(r->schema);
    floe_buf_free(&r->raw);
    free(r);
}

/* Read [off, off+len) of the file and decompress it (a tail section or a
 * stripe footer) into out. */
static floe_status read_section(floe_orc_reader *r, uint64_t off, uint64_t len, floe_buf *out,
                                uint64_t limit, const char *what, floe_err *err) {
    if (len > floe_input_size(r->in) || off > floe_input_size(r->in) - len)
        return corrupt(r, err, FLOE_ERR_TRUNCATED,
                       "%s at offset %llu length %llu passes the end of the file", what,
                       (unsigned long long)off, (unsigned long long)len);
    r->raw.len = 0;
    FLOE_TRY(floe_buf_reserve(&r->raw, (size_t)len, err));
    FLOE_TRY(floe_input_read(r->in, off, r->raw.data, (size_t)len, err));
    r->raw.len = (size_t)len;
    out->len = 0;
    floe_status s = floe_orc_decompress(r->codec, r->raw.data, r->raw.len, out, limit, NULL, err);
    if (s != FLOE_OK) floe_err_prefix(err, "%s: %s at offset %llu: ", r->name, what,
                                      (unsigned long long)off);
    return s;
}

static floe_status type_from_orc(const FloeOrc__Type *t, floe_type *out) {
    memset(out, 0, sizeof *out);
    switch (t->kind) {
    case FLOE_ORC__TYPE__KIND__BOOLEAN: out->kind = FLOE_T_BOOLEAN; break;
    case FLOE_ORC__TYPE__KIND__BYTE: out->kind = FLOE_T_TINYINT; break;
    case FLOE_ORC__TYPE__KIND__SHORT: out->kind = FLOE_T_SMALLINT; break;
    case FLOE_ORC__TYPE__KIND__INT: out->kind = FLOE_T_INT; break;
    case FLOE_ORC__TYPE__KIND__LONG: out->kind = FLOE_T_BIGINT; break;
    case FLOE_ORC__TYPE__KIND__FLOAT: out->kind = FLOE_T_FLOAT; break;
    case FLOE_ORC__TYPE__KIND__DOUBLE: out->kind = FLOE_T_DOUBLE; break;
    case FLOE_ORC__TYPE__KIND__STRING:
    case FLOE_ORC__TYPE__KIND__VARCHAR:
    case FLOE_ORC__TYPE__KIND__CHAR: out->kind = FLOE_T_STRING; break;
    case FLOE_ORC__TYPE__KIND__BINARY: out->kind = FLOE_T_BINARY; break;
    case FLOE_ORC__TYPE__KIND__DATE: out->kind = FLOE_T_DATE; break;
    case FLOE_ORC__TYPE__KIND__TIMESTAMP:
    case FLOE_ORC__TYPE__KIND__TIMESTAMP_INSTANT: out->kind = FLOE_T_TIMESTAMP; break;
    case FLOE_ORC__TYPE__KIND__DECIMAL:
        out->kind = FLOE_T_DECIMAL;
        out->precision = t->has_precision && t->precision ? (uint8_t)t->precision : 38;
        out->scale = t->has_scale ? (uint8_t)t->scale : (t->has_precision ? 0 : 10);
        if (!t->has_precision && t->has_scale) out->precision = 38;
        if ((t->has_precision && (t->precision > 38)) || (t->has_scale && t->scale > 38) ||
            out->scale > out->precision)
            return FLOE_ERR_CORRUPT;
        break;
    default: return FLOE_ERR_UNSUPPORTED;
    }
    return FLOE_OK;
}

static const char *attr(const FloeOrc__Type *t, const char *key) {
    for (size_t i = 0; i < t->n_attributes; i++)
        if (t->attributes[i]->key && !strcmp(t->attributes[i]->key, key))
            return t->attributes[i]->value;
    return NULL;
}

static floe_status build_schema(floe_orc_reader *r, floe_err *err) {
    const FloeOrc__Footer *f = r->footer;
    if (f->n_types == 0 || f->types[0]->kind != FLOE_ORC__TYPE__KIND__STRUCT)
        return corrupt(r, err, FLOE_ERR_UNSUPPORTED, "the root type is not a struct");
    const FloeOrc__Type *root = f->types[0];
    size_t n = root->n_subtypes;
    if (root->n_field_names != n)
        return corrupt(r, err, FLOE_ERR_CORRUPT, "root struct has %zu field names for %zu fields",
                       root->n_field_names, n);
    if (f->n_types != n + 1)
        return corrupt(r, err, FLOE_ERR_UNSUPPORTED,
                       "nested types are not supported (%zu types for %zu columns)", f->n_types, n);
    floe_schema *s = calloc(1, sizeof *s);
    if (!s) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    s->cols = calloc(n ? n : 1, sizeof *s->cols);
    if (!s->cols) {
        free(s);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    r->schema = s;
    size_t with_id = 0;
    for (size_t i = 0; i < n; i++) {
        if (root->subtypes[i] != i + 1)
            return corrupt(r, err, FLOE_ERR_UNSUPPORTED,
                           "column %zu is not a flat child of the root struct", i);
        const FloeOrc__Type *t = f->types[i + 1];
        floe_column *c = &s->cols[i];
        c->name = strdup(root->field_names[i] ? root->field_names[i] : "");
        if (!c->name) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        s->ncols = i + 1;
        floe_status st = type_from_orc(t, &c->type);
        if (st != FLOE_OK)
            return corrupt(r, err, st, "column %s: %s ORC type kind %d", c->name,
                           st == FLOE_ERR_CORRUPT ? "invalid" : "unsupported", (int)t->kind);
        const char *req = attr(t, "iceberg.required");
        c->nullable = !(req && !strcmp(req, "true"));
        const char *id = attr(t, "iceberg.id");
        char *end = NULL;
        long v = id ? strtol(id, &end, 10) : 0;
        if (id && !*end && v > 0 && v <= INT32_MAX) {
            c->id = (int32_t)v;
            with_id++;
        }
    }
    /* a duplicated id is meaningless: drop it on both columns */
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (s->cols[i].id && s->cols[i].id == s->cols[j].id) {
                floe_log_warn("orc", "%s: columns %s and %s share iceberg.id %d; ignoring it",
                              r->name, s->cols[j].name, s->cols[i].name, (int)s->cols[i].id);
                s->cols[i].id = s->cols[j].id = 0;
            }
    /* files without any id (written by other tools) are numbered 1..n */
    if (with_id == 0)
        for (size_t i = 0; i < n; i++) s->cols[i].id = (int32_t)i + 1;
    return FLOE_OK;
}

floe_status floe_orc_reader_open(floe_input *in, const floe_orc_reader_opts *opts,
                                 floe_orc_reader **out, floe_err *err) {
    *out = NULL;
    floe_orc_reader *r = calloc(1, sizeof *r);
    if (!r) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    r->in = in;
    r->name = floe_input_name(in);
    if (opts) r->o = *opts;
    if (!r->o.max_stripe_bytes) r->o.max_stripe_bytes = 1ull << 30;
    if (!r->o.batch_rows) r->o.batch_rows = 1024;
    floe_status s;
    uint64_t size = floe_input_size(in);
    uint8_t tail[TAIL_READ];
    size_t tl;
    if (size < 4) {
        s = corrupt(r, err, FLOE_ERR_TRUNCATED, "file of %llu bytes is too short for ORC",
                    (unsigned long long)size);
        goto fail;
    }
    tl = size < TAIL_READ ? (size_t)size : TAIL_READ;
    if ((s = floe_input_read(in, size - tl, tail, tl, err)) != FLOE_OK) goto fail;
    size_t pslen = tail[tl - 1];
    if (pslen == 0 || pslen + 1 > tl) {
        s = corrupt(r, err, FLOE_ERR_CORRUPT, "postscript length %zu is invalid", pslen);
        goto fail;
    }
    r->ps = floe_orc__post_script__unpack(NULL, pslen, tail + tl - 1 - pslen);
    if (!r->ps || !r->ps->magic || strcmp(r->ps->magic, "ORC") != 0) {
        s = corrupt(r, err, FLOE_ERR_CORRUPT, "not an ORC file (no valid postscript)");
        goto fail;
    }
    if (r->ps->n_version >= 1 && r->ps->version[0] != 0) {
        s = corrupt(r, err, FLOE_ERR_UNSUPPORTED, "ORC format version %u is not supported",
                    r->ps->version[0]);
        goto fail;
    }
    floe_orc_codec codec = r->ps->has_compression ? (floe_orc_codec)r->ps->compression
                                                  : FLOE_ORC_NONE;
    uint64_t bs = r->ps->has_compression_block_size ? r->ps->compression_block_size
                                                    : FLOE_ORC_DEFAULT_BLOCK_SIZE;
    if (bs == 0 || bs > FLOE_ORC_MAX_BLOCK_SIZE) {
        s = corrupt(r, err, FLOE_ERR_CORRUPT, "compression block size %llu is invalid",
                    (unsigned long long)bs);
        goto fail;
    }
    if ((s = floe_orc_codec_ctx_new(codec, 0, (size_t)bs, &r->codec, err)) != FLOE_OK) {
        floe_err_prefix(err, "%s: ", r->name);
        goto fail;
    }
    uint64_t flen = r->ps->footer_length, mlen = r->ps->metadata_length;
    uint64_t tail_end = size - 1 - pslen;
    if (flen > tail_end || mlen > tail_end - flen || tail_end - flen - mlen < 3) {
        s = corrupt(r, err, FLOE_ERR_CORRUPT,
                    "footer (%llu bytes) and metadata (%llu bytes) do not fit in the file",
                    (unsigned long long)flen, (unsigned long long)mlen);
        goto fail;
    }
    floe_buf sec = FLOE_BUF_INIT;
    if ((s = read_section(r, tail_end - flen, flen, &sec, FOOTER_LIMIT, "footer", err)) != FLOE_OK) {
        floe_buf_free(&sec);
        goto fail;
    }
    r->footer = floe_orc__footer__unpack(NULL, sec.len, sec.data);
    if (!r->footer) {
        floe_buf_free(&sec);
        s = corrupt(r, err, FLOE_ERR_CORRUPT, "footer is not a valid protobuf message");
        goto fail;
    }
    if (mlen) {
        if ((s = read_section(r, tail_end - flen - mlen, mlen, &sec, FOOTER_LIMIT, "metadata",
                              err)) != FLOE_OK) {
            floe_buf_free(&sec);
            goto fail;
        }
        r->meta = floe_orc__metadata__unpack(NULL, sec.len, sec.data);
        if (!r->meta) {
            floe_buf_free(&sec);
            s = corrupt(r, err, FLOE_ERR_CORRUPT, "metadata is not a valid protobuf message");
            goto fail;
        }
    }
    floe_buf_free(&sec);
    uint64_t content_end = tail_end - flen - mlen;
    for (size_t i = 0; i < r->footer->n_stripes; i++) {
        const FloeOrc__StripeInformation *si = r->footer->stripes[i];
        uint64_t a = si->offset, b = si->index_length, c = si->data_length, d = si->footer_length;
        if (a < 3 || a > content_end || b > content_end - a || c > content_end - a - b ||
            d > content_end - a - b - c) {
            s = corrupt(r, err, FLOE_ERR_CORRUPT, "stripe %zu (offset %llu) lies outside the file",
                        i, (unsigned long long)a);
            goto fail;
        }
    }
    if ((s = build_schema(r, err)) != FLOE_OK) goto fail;
    *out = r;
    return FLOE_OK;
fail:
    floe_orc_reader_close(r);
    return s;
}

floe_status floe_orc_reader_select(floe_orc_reader *r, const size_t *cols, size_t n,
                                   floe_err *err) {
    if (r->loaded || r->stripe)
        return floe_err_set(err, FLOE_ERR_STATE, "select must come before the first read");
    size_t *sel = malloc((n ? n : 1) * sizeof *sel);
    if (!sel) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        if (cols[i] >= r->schema->ncols) {
            free(sel);
            return floe_err_set(err, FLOE_ERR_INVALID, "column %zu out of range", cols[i]);
        }
        sel[i] = cols[i];
    }
    free(r->sel);
    r->sel = sel;
    r->nsel = n;
    return FLOE_OK;
}

floe_status floe_orc_reader_stripe_footer(floe_orc_reader *r, size_t i,
                                          FloeOrc__StripeFooter **out, floe_err *err) {
    *out = NULL;
    if (i >= r->footer->n_stripes)
        return floe_err_set(err, FLOE_ERR_INVALID, "stripe %zu out of range", i);
    const FloeOrc__StripeInformation *si = r->footer->stripes[i];
    floe_buf sec = FLOE_BUF_INIT;
    char what[64];
    snprintf(what, sizeof what, "stripe %zu footer", i);
    floe_status s = read_section(r, si->offset + si->index_length + si->data_length,
                                 si->footer_length, &sec, FOOTER_LIMIT, what, err);
    if (s == FLOE_OK) {
        *out = floe_orc__stripe_footer__unpack(NULL, sec.len, sec.data);
        if (!*out) s = corrupt(r, err, FLOE_ERR_CORRUPT, "%s is not a valid protobuf message", what);
    }
    floe_buf_free(&sec);
    return s;
}

static int is_utc(const char *tz) {
    return !tz || !*tz || !strcasecmp(tz, "UTC") || !strcasecmp(tz, "GMT") ||
           !strcasecmp(tz, "Etc/UTC") || !strcasecmp(tz, "Etc/GMT") || !strcmp(tz, "Z") ||
           !strcasecmp(tz, "Etc/Universal") || !strcasecmp(tz, "Universal") ||
           !strcasecmp(tz, "Zulu") || !strcasecmp(tz, "UCT");
}

/* Load the stripe's streams for the selected columns. */
static floe_status load_stripe(floe_orc_reader *r, floe_err *err) {
    size_t si_idx = r->stripe;
    const FloeOrc__StripeInformation *si = r->footer->stripes[si_idx];
    FloeOrc__StripeFooter *sf = NULL;
    FLOE_TRY(floe_orc_reader_stripe_footer(r, si_idx, &sf, err));
    floe_status s = FLOE_OK;
    uint64_t used = 0;
    uint64_t limit = r->o.max_stripe_bytes;
    if (sf->n_columns != r->schema->ncols + 1) {
        s = corrupt(r, err, FLOE_ERR_CORRUPT, "stripe %zu: %zu column encodings for %zu columns",
                    si_idx, sf->n_columns, r->schema->ncols + 1);
        goto out;
    }
    for (size_t k = 0; k < r->nsel; k++) {
        colr *c = &r->cols[k];
        col_clear(c);
        c->present.len = c->data.len = c->aux.len = c->dict.len = 0;
        c->has_present = 0;
        c->data_pos = 0;
        c->dict_enc = 0;
        const floe_column *col = &r->schema->cols[c->schema_col];
        int enc = sf->columns[c->orc_col]->has_kind ? (int)sf->columns[c->orc_col]->kind : 0;
        floe_type_kind kind = c->type.kind;
        int want_direct = kind == FLOE_T_BOOLEAN || kind == FLOE_T_TINYINT ||
                          kind == FLOE_T_FLOAT || kind == FLOE_T_DOUBLE;
        int ok = want_direct ? enc == FLOE_ORC__COLUMN_ENCODING__KIND__DIRECT
                             : (enc == FLOE_ORC__COLUMN_ENCODING__KIND__DIRECT_V2 ||
                                (kind == FLOE_T_STRING &&
                                 enc == FLOE_ORC__COLUMN_ENCODING__KIND__DICTIONARY_V2));
        if (!ok) {
            s = corrupt(r, err, FLOE_ERR_UNSUPPORTED,
                        "stripe %zu column %s: encoding %d is not supported for this type "
                        "(RLE v1 files are not read)",
                        si_idx, col->name, enc);
            goto out;
        }
        c->dict_enc = enc == FLOE_ORC__COLUMN_ENCODING__KIND__DICTIONARY_V2;
        if (kind == FLOE_T_TIMESTAMP && !is_utc(sf->writer_timezone) &&
            r->footer->types[c->orc_col]->kind == FLOE_ORC__TYPE__KIND__TIMESTAMP) {
            s = corrupt(r, err, FLOE_ERR_UNSUPPORTED,
                        "stripe %zu column %s: timestamps written in time zone %s are not "
                        "supported (only UTC)",
                        si_idx, col->name, sf->writer_timezone);
            goto out;
        }
    }
    /* Walk the streams in file order. */
    uint64_t off = si->offset, end = si->offset + si->index_length + si->data_length;
    for (size_t i = 0; i < sf->n_streams; i++) {
        const FloeOrc__Stream *st = sf->streams[i];
        uint64_t len = st->length;
        if (len > end - off) {
            s = corrupt(r, err, FLOE_ERR_CORRUPT,
                        "stripe %zu: stream %zu (column %u kind %d, %llu bytes) passes the "
                        "stripe's end",
                        si_idx, i, st->column, (int)st->kind, (unsigned long long)len);
            goto out;
        }
        uint64_t at = off;
        off += len;
        colr *c = NULL;
        for (size_t k = 0; k < r->nsel; k++)
            if (r->cols[k].orc_col == st->column) c = &r->cols[k];
        if (!c) continue;
        floe_buf *dst = NULL;
        switch (st->kind) {
        case FLOE_ORC__STREAM__KIND__PRESENT: dst = &c->present; c->has_present = 1; break;
        case FLOE_ORC__STREAM__KIND__DATA: dst = &c->data; break;
        case FLOE_ORC__STREAM__KIND__LENGTH:
        case FLOE_ORC__STREAM__KIND__SECONDARY: dst = &c->aux; break;
        case FLOE_ORC__STREAM__KIND__DICTIONARY_DATA: dst = &c->dict; break;
        default: continue;
        }
        r->raw.len = 0;
        if ((s = floe_buf_reserve(&r->raw, (size_t)len, err)) != FLOE_OK) goto out;
        if ((s = floe_input_read(r->in, at, r->raw.data, (size_t)len, err)) != FLOE_OK) goto out;
        size_t before = dst->len;
        dst->len = 0;
        (void)before;
        s = floe_orc_decompress(r->codec, r->raw.data, (size_t)len, dst, limit - used, NULL, err);
        if (s != FLOE_OK) {
            floe_err_prefix(err, "%s: stripe %zu column %s stream kind %d: ", r->name, si_idx,
                            r->schema->cols[c->schema_col].name, (int)st->kind);
            goto out;
        }
        used += dst->len;
    }
    for (size_t k = 0; k < r->nsel && s == FLOE_OK; k++) {
        colr *c = &r->cols[k];
        floe_type_kind kind = c->type.kind;
        floe_orc_bool_dec_init(&c->present_dec, c->present.data, c->present.len);
        c->tmp = malloc(r->o.batch_rows * sizeof *c->tmp);
        c->flags = malloc(r->o.batch_rows);
        if (!c->tmp || !c->flags) {
            s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            break;
        }
        switch (kind) {
        case FLOE_T_BOOLEAN: floe_orc_bool_dec_init(&c->bool_data, c->data.data, c->data.len); break;
        case FLOE_T_TINYINT: floe_orc_byte_dec_init(&c->byte_data, c->data.data, c->data.len); break;
        case FLOE_T_SMALLINT:
        case FLOE_T_INT:
        case FLOE_T_BIGINT:
        case FLOE_T_DATE:
        case FLOE_T_TIMESTAMP:
            c->rle_data = malloc(sizeof *c->rle_data);
            if (!c->rle_data) s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            else floe_orc_rle2_dec_init(c->rle_data, c->data.data, c->data.len, 1);
            break;
        case FLOE_T_STRING:
            if (c->dict_enc) {
                c->rle_data = malloc(sizeof *c->rle_data);
                if (!c->rle_data) {
                    s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                    break;
                }
                floe_orc_rle2_dec_init(c->rle_data, c->data.data, c->data.len, 0);
            }
            break;
        default: break;
        }
        if (s != FLOE_OK) break;
        if (kind == FLOE_T_STRING || kind == FLOE_T_BINARY || kind == FLOE_T_DECIMAL ||
            kind == FLOE_T_TIMESTAMP) {
            c->rle_aux = malloc(sizeof *c->rle_aux);
            if (!c->rle_aux) {
                s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                break;
            }
            floe_orc_rle2_dec_init(c->rle_aux, c->aux.data, c->aux.len, kind == FLOE_T_DECIMAL);
        }
        if (c->dict_enc) {
            const FloeOrc__ColumnEncoding *ce = sf->columns[c->orc_col];
            uint64_t n = ce->has_dictionary_size ? ce->dictionary_size : 0;
            /* Each entry costs at least some bits of LENGTH stream; bound the
             * allocation by what the stream can hold. */
            if (n > 512 * (uint64_t)(c->aux.len + 1)) {
                s = corrupt(r, err, FLOE_ERR_CORRUPT,
                            "stripe %zu column %s: dictionary size %llu is impossible for a "
                            "%zu-byte LENGTH stream",
                            si_idx, r->schema->cols[c->schema_col].name, (unsigned long long)n,
                            c->aux.len);
                break;
            }
            c->dict_size = (uint32_t)n;
            c->dict_off = malloc((n + 1) * sizeof *c->dict_off);
            if (!c->dict_off) {
                s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                break;
            }
            c->dict_off[0] = 0;
            for (uint64_t i = 0; i < n && s == FLOE_OK; i++) {
                int64_t l;
                s = floe_orc_rle2_dec_next(c->rle_aux, &l, 1, err);
                if (s != FLOE_OK) break;
                if ((uint64_t)l > c->dict.len - c->dict_off[i]) {
                    s = corrupt(r, err, FLOE_ERR_CORRUPT,
                                "stripe %zu column %s: dictionary entry %llu passes the end of "
                                "DICTIONARY_DATA",
                                si_idx, r->schema->cols[c->schema_col].name,
                                (unsigned long long)i);
                    break;
                }
                c->dict_off[i + 1] = c->dict_off[i] + (uint64_t)l;
            }
            if (s != FLOE_OK && err && !strstr(err->msg, r->name))
                floe_err_prefix(err, "%s: stripe %zu column %s dictionary lengths: ", r->name,
                                si_idx, r->schema->cols[c->schema_col].name);
        }
    }
    r->stripe_bytes = used;
    r->rows_left = si->number_of_rows;
out:
    floe_orc__stripe_footer__free_unpacked(sf, NULL);
    return s;
}

static const uint64_t pow10_u64[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};

static floe_i128 pow10_i128(unsigned n) {
    floe_i128 p = 1;
    while (n >= 19) {
        p *= (floe_i128)pow10_u64[19];
        n -= 19;
    }
    return p * (floe_i128)pow10_u64[n];
}

/* Decode n rows of one column into vals[0], vals[stride], vals[2 * stride]... */
static floe_status read_column(colr *c, floe_value *vals, size_t stride, size_t n,
                               floe_err *err) {
    uint8_t *present = c->flags;
    size_t nn = n;
    if (c->has_present) {
        FLOE_TRY(floe_orc_bool_dec_next(&c->present_dec, present, n, err));
        nn = 0;
        for (size_t i = 0; i < n; i++) nn += present[i];
    } else {
        memset(present, 1, n);
    }
    floe_type_kind kind = c->type.kind;
    int64_t *tmp = c->tmp;
    /* decode the nn non-null values into tmp / directly, then spread */
    switch (kind) {
    case FLOE_T_BOOLEAN: {
        uint8_t *b = (uint8_t *)tmp;
        FLOE_TRY(floe_orc_bool_dec_next(&c->bool_data, b, nn, err));
        for (size_t i = nn; i-- > 0;) tmp[i] = b[i];
        break;
    }
    case FLOE_T_TINYINT: {
        uint8_t *b = (uint8_t *)tmp;
        FLOE_TRY(floe_orc_byte_dec_next(&c->byte_data, b, nn, err));
        for (size_t i = nn; i-- > 0;) tmp[i] = (int8_t)b[i];
        break;
    }
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
    case FLOE_T_DATE:
        FLOE_TRY(floe_orc_rle2_dec_next(c->rle_data, tmp, nn, err));
        break;
    case FLOE_T_TIMESTAMP: FLOE_TRY(floe_orc_rle2_dec_next(c->rle_data, tmp, nn, err)); break;
    case FLOE_T_STRING:
    case FLOE_T_BINARY:
        if (c->dict_enc) FLOE_TRY(floe_orc_rle2_dec_next(c->rle_data, tmp, nn, err));
        else FLOE_TRY(floe_orc_rle2_dec_next(c->rle_aux, tmp, nn, err));
        break;
    default: break;
    }
    size_t j = 0;
    for (size_t i = 0; i < n; i++) {
        floe_value *v = &vals[i * stride];
        if (!present[i]) {
            memset(v, 0, sizeof *v);
            v->is_null = 1;
            continue;
        }
        v->is_null = 0;
        switch (kind) {
        case FLOE_T_BOOLEAN:
        case FLOE_T_TINYINT:
        case FLOE_T_BIGINT:
        case FLOE_T_SMALLINT:
        case FLOE_T_INT:
        case FLOE_T_DATE: {
            int64_t x = tmp[j++];
            if ((kind == FLOE_T_SMALLINT && (x < INT16_MIN || x > INT16_MAX)) ||
                ((kind == FLOE_T_INT || kind == FLOE_T_DATE) && (x < INT32_MIN || x > INT32_MAX)))
                return floe_err_set(err, FLOE_ERR_CORRUPT, "value %lld out of range for the type",
                                    (long long)x);
            v->v.i64 = x;
            break;
        }
        case FLOE_T_FLOAT: {
            if (c->data.len - c->data_pos < 4)
                return floe_err_set(err, FLOE_ERR_TRUNCATED, "float DATA stream ends early");
            uint32_t u;
            memcpy(&u, c->data.data + c->data_pos, 4);
            c->data_pos += 4;
            float f;
            memcpy(&f, &u, 4);
            v->v.f64 = f;
            break;
        }
        case FLOE_T_DOUBLE: {
            if (c->data.len - c->data_pos < 8)
                return floe_err_set(err, FLOE_ERR_TRUNCATED, "double DATA stream ends early");
            memcpy(&v->v.f64, c->data.data + c->data_pos, 8);
            c->data_pos += 8;
            break;
        }
        case FLOE_T_DECIMAL: {
            unsigned __int128 z = 0;
            int shift = 0;
            for (;;) {
                if (c->data_pos >= c->data.len)
                    return floe_err_set(err, FLOE_ERR_TRUNCATED, "decimal DATA stream ends early");
                uint8_t b = c->data.data[c->data_pos++];
                if (shift >= 126 && (b & 0x7f) > 3)
                    return floe_err_set(err, FLOE_ERR_CORRUPT,
                                        "decimal varint at byte %zu is too long", c->data_pos);
                z |= (unsigned __int128)(b & 0x7f) << shift;
                shift += 7;
                if (!(b & 0x80)) break;
            }
            floe_i128 x = (floe_i128)(z >> 1) ^ -(floe_i128)(z & 1);
            int64_t scale;
            FLOE_TRY(floe_orc_rle2_dec_next(c->rle_aux, &scale, 1, err));
            int64_t want = c->type.scale;
            if (scale < 0 || scale > 38)
                return floe_err_set(err, FLOE_ERR_CORRUPT, "decimal scale %lld is invalid",
                                    (long long)scale);
            if (scale < want) x *= pow10_i128((unsigned)(want - scale));
            else if (scale > want) {
                floe_i128 p = pow10_i128((unsigned)(scale - want));
                if (x % p != 0)
                    return floe_err_set(err, FLOE_ERR_UNSUPPORTED,
                                        "decimal with scale %lld does not fit the column's "
                                        "scale %lld exactly",
                                        (long long)scale, (long long)want);
                x /= p;
            }
            v->v.dec = x;
            break;
        }
        case FLOE_T_STRING:
        case FLOE_T_BINARY: {
            if (c->dict_enc) {
                uint64_t id = (uint64_t)tmp[j++];
                if (id >= c->dict_size)
                    return floe_err_set(err, FLOE_ERR_CORRUPT,
                                        "dictionary index %llu out of range (size %u)",
                                        (unsigned long long)id, c->dict_size);
                v->v.bytes.ptr = c->dict.data ? c->dict.data + c->dict_off[id] : (const uint8_t *)"";
                v->v.bytes.len = c->dict_off[id + 1] - c->dict_off[id];
            } else {
                uint64_t l = (uint64_t)tmp[j++];
                if (l > c->data.len - c->data_pos)
                    return floe_err_set(err, FLOE_ERR_CORRUPT,
                                        "value length %llu passes the end of the DATA stream",
                                        (unsigned long long)l);
                /* an empty DATA stream has no buffer: no offset on NULL */
                v->v.bytes.ptr = c->data.data ? c->data.data + c->data_pos : (const uint8_t *)"";
                v->v.bytes.len = (size_t)l;
                c->data_pos += (size_t)l;
            }
            if (!v->v.bytes.ptr) v->v.bytes.ptr = (const uint8_t *)"";
            v->v.bytes.off = 0;
            break;
        }
        case FLOE_T_TIMESTAMP: {
            int64_t secs = tmp[j++];
            int64_t enc;
            FLOE_TRY(floe_orc_rle2_dec_next(c->rle_aux, &enc, 1, err));
            /* Signed: the C++ writer behind pyarrow stores negative nanos
             * for instants before 1970. */
            int64_t nanos = enc >> 3;
            unsigned z = (unsigned)(enc & 7);
            if (z) {
                if (nanos > 9999999999LL || nanos < -9999999999LL)
                    return floe_err_set(err, FLOE_ERR_CORRUPT, "timestamp nanos out of range");
                nanos *= (int64_t)pow10_u64[z + 1];
            }
            if (nanos > 999999999LL || nanos < -999999999LL)
                return floe_err_set(err, FLOE_ERR_CORRUPT, "timestamp nanos %lld out of range",
                                    (long long)nanos);
            if (secs > INT64_MAX / 2000000 || secs < INT64_MIN / 2000000)
                return floe_err_set(err, FLOE_ERR_CORRUPT, "timestamp seconds %lld out of range",
                                    (long long)secs);
            int64_t epoch = secs + FLOE_ORC_TS_BASE;
            if (epoch < 0 && nanos > 999999) epoch -= 1;
            int64_t us = nanos / 1000;
            if (nanos % 1000 < 0) us -= 1; /* floor */
            v->v.i64 = epoch * 1000000 + us;
            break;
        }
        }
    }
    return FLOE_OK;
}

floe_status floe_orc_reader_next(floe_orc_reader *r, floe_orc_batch *b, floe_err *err) {
    floe_status s;
    if (!r->cols) {
        if (!r->sel) {
            size_t n = r->schema->ncols;
            r->sel = malloc((n ? n : 1) * sizeof *r->sel);
            if (!r->sel) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            for (size_t i = 0; i < n; i++) r->sel[i] = i;
            r->nsel = n;
        }
        r->cols = calloc(r->nsel ? r->nsel : 1, sizeof *r->cols);
        if (!r->cols) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        r->batch.ncols = r->nsel;
        if (r->o.row_major) {
            r->batch.rows = malloc(r->o.batch_rows * (r->nsel ? r->nsel : 1) * sizeof *r->batch.rows);
            if (!r->batch.rows) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        } else {
            r->batch.cols = calloc(r->nsel ? r->nsel : 1, sizeof *r->batch.cols);
            if (!r->batch.cols) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        }
        for (size_t k = 0; k < r->nsel; k++) {
            r->cols[k].schema_col = r->sel[k];
            r->cols[k].orc_col = r->sel[k] + 1;
            r->cols[k].type = r->schema->cols[r->sel[k]].type;
            if (r->o.row_major) continue;
            r->batch.cols[k] = malloc(r->o.batch_rows * sizeof **r->batch.cols);
            if (!r->batch.cols[k]) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        }
    }
    while (!r->loaded || r->rows_left == 0) {
        if (r->stripe >= r->footer->n_stripes) {
            *b = r->batch;
            b->nrows = 0;
            return FLOE_OK;
        }
        FLOE_TRY(load_stripe(r, err));
        r->loaded = 1;
        r->stripe++;
    }
    size_t n = r->rows_left < r->o.batch_rows ? (size_t)r->rows_left : r->o.batch_rows;
    for (size_t k = 0; k < r->nsel; k++) {
        s = r->o.row_major ? read_column(&r->cols[k], r->batch.rows + k, r->nsel, n, err)
                           : read_column(&r->cols[k], r->batch.cols[k], 1, n, err);
        if (s != FLOE_OK) {
            uint64_t row = 0;
            for (size_t i = 0; i + 1 < r->stripe; i++) row += r->footer->stripes[i]->number_of_rows;
            row += r->footer->stripes[r->stripe - 1]->number_of_rows - r->rows_left;
            return floe_err_prefix(err, "%s: stripe %zu column %s rows from %llu: ", r->name,
                                   r->stripe - 1, r->schema->cols[r->cols[k].schema_col].name,
                                   (unsigned long long)row);
        }
    }
    r->rows_left -= n;
    *b = r->batch;
    b->nrows = n;
    return FLOE_OK;
}
