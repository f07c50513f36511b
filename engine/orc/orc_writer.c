/*
 * orc_writer.c: the ORC v1 writer; contract in orc_writer.h.
 *
 * Invariants (checked by writer_check() in debug builds):
 *  1. Every column has recorded one row-group position set for each row
 *     group started in the current stripe: rg_count == ceil(rows_in_stripe /
 *     stride) (or 1 with no row index and rows > 0).
 *  2. Encoders are flushed at every row-group boundary, so every recorded
 *     RLE position has zero values to skip inside a run.
 *  3. A failed writer (failed != 0) never writes another byte.
 *  4. Staged rows (w->nstage) all belong to the current row group: the
 *     stage is drained before a row group ends and every 1,024 stripe rows.
 *  5. A stream's raw buffer holds its bytes from raw_done on; everything
 *     before is compressed in comp, in whole compression blocks, so a
 *     position's block is raw offset / block size.
 *
 * Stripe life cycle: add_row -> (integer-like columns: stage the value;
 * others: encode it) -> every 1,024 rows and at row-group ends:
 * stage_drain encodes the staged values and compresses every full block
 * -> (row-group boundary: mark positions, close row-group statistics) ->
 * (a string column's 10,000th value: string_probe may switch it to DIRECT
 * for the rest of the stripe) -> stripe_flush when the uncompressed bytes
 * reach stripe_size or at close: finish encoders, choose the remaining
 * string encodings, compress the streams' last blocks, build row indexes
 * from the chunk offsets, write index streams + data streams + stripe
 * footer, record stripe statistics.
 */
#define _GNU_SOURCE
#include "orc_writer.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#include "floe_version.h"
#include "orc_format.pb-c.h"
#include "orc_rle.h"
#include "orc_stats.h"

/* Not a registered ORC writer id: readers treat unknown ids as a future
 * writer with every known bug fixed, which is the truth for floe. */
#define FLOE_ORC_WRITER_ID 99
#define FLOE_ORC_WRITER_VERSION 6

/* One stream of the current stripe. Encoders append to `raw`; each full
 * compression block is compressed into `comp` once a batch of rows is
 * done (os_spill), so a stripe keeps its streams compressed plus one open
 * block each. Positions count raw bytes from the start of the stream
 * (os_pos), and block i starts at chunks[i] in comp. */
typedef struct ostream {
    floe_buf raw;      /* bytes not compressed yet */
    uint64_t raw_done; /* raw bytes already compressed into comp */
    floe_buf comp;
    uint64_t *chunks; /* nchunks + 1 entries once the stream is finished */
    size_t nchunks, chunks_cap;
} ostream;

static inline uint64_t os_pos(const ostream *s) { return s->raw_done + s->raw.len; }

static void os_reset(ostream *s) {
    s->raw.len = s->comp.len = 0;
    s->raw_done = 0;
    s->nchunks = 0;
}

static void os_free(ostream *s) {
    floe_buf_free(&s->raw);
    floe_buf_free(&s->comp);
    free(s->chunks);
    memset(s, 0, sizeof *s);
}

/* Compress raw[0..n) (whole blocks, or the last part of the stream). */
static floe_status os_compress(floe_orc_codec_ctx *codec, ostream *s, size_t n, floe_err *err) {
    size_t bs = floe_orc_codec_ctx_block_size(codec);
    size_t k = (n + bs - 1) / bs;
    if (s->nchunks + k + 1 > s->chunks_cap) {
        size_t cap = s->chunks_cap ? s->chunks_cap * 2 : 16;
        while (cap < s->nchunks + k + 1) cap *= 2;
        uint64_t *c = realloc(s->chunks, cap * sizeof *c);
        if (!c) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        s->chunks = c;
        s->chunks_cap = cap;
    }
    if (n == 0) return FLOE_OK;
    uint64_t base = s->comp.len;
    FLOE_TRY(floe_orc_compress(codec, s->raw.data, n, &s->comp, s->chunks + s->nchunks, err));
    for (size_t i = 0; i < k; i++) s->chunks[s->nchunks + i] += base;
    s->nchunks += k;
    memmove(s->raw.data, s->raw.data + n, s->raw.len - n);
    s->raw.len -= n;
    s->raw_done += n;
    return FLOE_OK;
}

static floe_status os_spill(floe_orc_codec_ctx *codec, ostream *s, floe_err *err) {
    size_t bs = floe_orc_codec_ctx_block_size(codec);
    if (s->raw.len < bs) return FLOE_OK;
    return os_compress(codec, s, s->raw.len / bs * bs, err);
}

/* Compress the rest and close the chunk table with an end marker. */
static floe_status os_finish(floe_orc_codec_ctx *codec, ostream *s, floe_err *err) {
    FLOE_TRY(os_compress(codec, s, s->raw.len, err));
    s->chunks[s->nchunks] = s->comp.len;
    return FLOE_OK;
}

typedef struct rgpos {
    uint64_t present_off, data_off, aux_off, nonnull;
    int present_bits, data_bits;
} rgpos;

/* Integer-like columns are staged: add_row stores their values and null
 * flags, and stage_drain encodes up to STAGE rows of one column at a time
 * (statistics, RLE), never across a row-group boundary. Binary columns
 * stage their lengths the same way (their bytes go to DATA at once). */
#define STAGE 1024
enum { STAGE_NONE, STAGE_RLE2, STAGE_BYTE, STAGE_BOOL, STAGE_BINLEN };

typedef struct colw {
    floe_type type;
    int stage_kind;
    int str_direct;     /* strings: this stripe is written DIRECT as it comes */
    int str_probed;     /* strings: the first 10,000 values were checked */
    uint64_t str_bytes; /* strings: bytes of this stripe's values */
    int64_t *sv;     /* staged values */
    uint8_t *snull;  /* staged null flags */
    ostream present, data, aux, dict;
    floe_orc_bool_enc present_enc;
    floe_orc_rle2_enc *rle_data, *rle_aux;
    floe_orc_byte_enc byte_data;
    floe_orc_bool_enc bool_data;
    int stripe_nulls;
    /* strings: the stripe's non-null values */
    floe_buf sbytes;
    uint64_t *soff;
    uint32_t *slen;
    size_t sn, scap;
    /* row groups of the current stripe */
    rgpos *rg;
    size_t nrg, rgcap;
    floe_buf rgstats; /* packed ColumnStats of finished row groups, varint-length prefixed */
    floe_orc_stats st_rg, st_stripe, st_file;
    /* per stripe result */
    int enc_kind;
    uint32_t dict_size;
} colw;

struct floe_orc_writer {
    floe_output *out;
    floe_schema *schema;
    floe_orc_writer_opts o;
    floe_orc_codec_ctx *codec;
    colw *cols;
    size_t ncols;
    int failed;
    uint64_t rows, stripe_rows, rg_rows;
    size_t nstage; /* rows staged: the last nstage rows of the stripe */
    /* add_row's two column lists: staged columns, then the others */
    struct stage_slot {
        int64_t *sv;
        uint8_t *snull;
        size_t col;
    } *staged;
    size_t nstaged, *unstaged, nunstaged;
    struct stage_slot *bstaged; /* binary columns: staged lengths */
    size_t nbstaged;
    floe_orc_stats root_rg, root_stripe, root_file; /* counts only */
    floe_buf root_rgstats;
    /* sorted mode */
    size_t sort_key_end; /* 1 + the largest sort key column */
    int int_sort_key;    /* the sort key when it is one integer-like column, else -1 */
    floe_value *prev;
    floe_buf prev_arena;
    int have_prev;
    /* stripe assembly */
    floe_buf stripe_footer, stripe_index, scratch;
    /* tail */
    FloeOrc__StripeInformation *stripes;
    size_t nstripes, stripes_cap;
    floe_buf metadata; /* packed Metadata: repeated StripeStatistics */
    FloeOrc__UserMetadataItem *umeta;
    size_t numeta;
    char **attr_strings;
    size_t nattr_strings;
};

void floe_orc_writer_opts_init(floe_orc_writer_opts *o) {
    memset(o, 0, sizeof *o);
    o->codec = FLOE_ORC_ZSTD;
    o->block_size = FLOE_ORC_DEFAULT_BLOCK_SIZE;
    o->stripe_size = 64ull << 20;
    o->row_index_stride = 10000;
    o->dict_threshold = 0.8;
}

static floe_status fail(floe_orc_writer *w, floe_status s) {
    if (s != FLOE_OK) w->failed = 1;
    return s;
}

#define WTRY(expr)                                                             \
    do {                                                                       \
        floe_status wtry__s = (expr);                                          \
        if (wtry__s != FLOE_OK) return fail(w, wtry__s);                       \
    } while (0)

static int uses_aux(floe_type_kind k) {
    return k == FLOE_T_STRING || k == FLOE_T_BINARY || k == FLOE_T_DECIMAL ||
           k == FLOE_T_TIMESTAMP;
}

static floe_status col_init(colw *c, floe_type t, floe_err *err) {
    memset(c, 0, sizeof *c);
    c->type = t;
    floe_orc_bool_enc_init(&c->present_enc);
    floe_orc_byte_enc_init(&c->byte_data);
    floe_orc_bool_enc_init(&c->bool_data);
    floe_orc_stats_reset(&c->st_rg);
    floe_orc_stats_reset(&c->st_stripe);
    floe_orc_stats_reset(&c->st_file);
    switch (t.kind) {
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
    case FLOE_T_DATE:
    case FLOE_T_TIMESTAMP:
        c->rle_data = malloc(sizeof *c->rle_data);
        if (!c->rle_data) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        floe_orc_rle2_enc_init(c->rle_data, 1);
        break;
    default: break;
    }
    if (t.kind == FLOE_T_STRING) {
        /* the index/length encoders are made at stripe flush */
        c->rle_data = malloc(sizeof *c->rle_data);
        if (!c->rle_data) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    switch (t.kind) {
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
    case FLOE_T_DATE: c->stage_kind = STAGE_RLE2; break;
    case FLOE_T_TINYINT: c->stage_kind = STAGE_BYTE; break;
    case FLOE_T_BOOLEAN: c->stage_kind = STAGE_BOOL; break;
    case FLOE_T_BINARY: c->stage_kind = STAGE_BINLEN; break;
    default: c->stage_kind = STAGE_NONE; break;
    }
    if (c->stage_kind != STAGE_NONE) {
        c->sv = malloc(STAGE * sizeof *c->sv);
        c->snull = malloc(STAGE);
        if (!c->sv || !c->snull) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    if (uses_aux(t.kind)) {
        c->rle_aux = malloc(sizeof *c->rle_aux);
        if (!c->rle_aux) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        /* decimal scale is signed; lengths and nanos are unsigned */
        floe_orc_rle2_enc_init(c->rle_aux, t.kind == FLOE_T_DECIMAL);
    }
    return FLOE_OK;
}

static void col_free(colw *c) {
    os_free(&c->present);
    os_free(&c->data);
    os_free(&c->aux);
    os_free(&c->dict);
    floe_buf_free(&c->sbytes);
    floe_buf_free(&c->rgstats);
    free(c->rle_data);
    free(c->rle_aux);
    free(c->sv);
    free(c->snull);
    free(c->soff);
    free(c->slen);
    free(c->rg);
    floe_orc_stats_free(&c->st_rg);
    floe_orc_stats_free(&c->st_stripe);
    floe_orc_stats_free(&c->st_file);
}

void floe_orc_writer_destroy(floe_orc_writer *w) {
    if (!w) return;
    for (size_t i = 0; i < w->ncols; i++) col_free(&w->cols[i]);
    free(w->cols);
    free(w->staged);
    free(w->bstaged);
    free(w->unstaged);
    floe_schema_destroy(w->schema);
    floe_orc_codec_ctx_destroy(w->codec);
    free(w->prev);
    floe_buf_free(&w->prev_arena);
    floe_buf_free(&w->stripe_footer);
    floe_buf_free(&w->stripe_index);
    floe_buf_free(&w->scratch);
    floe_buf_free(&w->metadata);
    floe_buf_free(&w->root_rgstats);
    free(w->stripes);
    for (size_t i = 0; i < w->numeta; i++) {
        free(w->umeta[i].name);
        free(w->umeta[i].value.data);
    }
    free(w->umeta);
    free((void *)w->o.sort_key);
    free((void *)w->o.no_iceberg_attrs);
    for (size_t i = 0; i < w->nattr_strings; i++) free(w->attr_strings[i]);
    free(w->attr_strings);
    free(w);
}

floe_status floe_orc_writer_open(floe_output *out, const floe_schema *schema,
                                 const floe_orc_writer_opts *opts, floe_orc_writer **wp,
                                 floe_err *err) {
    *wp = NULL;
    floe_orc_writer *w = calloc(1, sizeof *w);
    if (!w) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    floe_status s = FLOE_OK;
    if (opts) w->o = *opts;
    else floe_orc_writer_opts_init(&w->o);
    w->o.sort_key = NULL;
    w->o.no_iceberg_attrs = NULL;
    w->o.attrs = NULL;
    w->o.nattrs = 0;
    if (w->o.block_size == 0) w->o.block_size = FLOE_ORC_DEFAULT_BLOCK_SIZE;
    if (w->o.stripe_size == 0) w->o.stripe_size = 64ull << 20;
    if (w->o.dict_threshold <= 0) w->o.dict_threshold = 0.8;
    w->out = out;
    w->int_sort_key = -1;
    if ((s = floe_schema_clone(schema, &w->schema, err)) != FLOE_OK) goto fail;
    if ((s = floe_orc_codec_ctx_new(w->o.codec, w->o.codec_level, w->o.block_size, &w->codec,
                                    err)) != FLOE_OK)
        goto fail;
    w->ncols = schema->ncols;
    w->cols = calloc(w->ncols ? w->ncols : 1, sizeof *w->cols);
    if (!w->cols) {
        s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < w->ncols; i++)
        if ((s = col_init(&w->cols[i], schema->cols[i].type, err)) != FLOE_OK) goto fail;
    w->staged = calloc(w->ncols ? w->ncols : 1, sizeof *w->staged);
    w->bstaged = calloc(w->ncols ? w->ncols : 1, sizeof *w->bstaged);
    w->unstaged = calloc(w->ncols ? w->ncols : 1, sizeof *w->unstaged);
    if (!w->staged || !w->bstaged || !w->unstaged) {
        s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < w->ncols; i++) {
        colw *c = &w->cols[i];
        if (c->stage_kind == STAGE_BINLEN)
            w->bstaged[w->nbstaged++] = (struct stage_slot){c->sv, c->snull, i};
        else if (c->stage_kind != STAGE_NONE)
            w->staged[w->nstaged++] = (struct stage_slot){c->sv, c->snull, i};
        else
            w->unstaged[w->nunstaged++] = i;
    }
    floe_orc_stats_reset(&w->root_rg);
    floe_orc_stats_reset(&w->root_stripe);
    floe_orc_stats_reset(&w->root_file);
    if (opts && opts->nsort_key) {
        size_t *k = malloc(opts->nsort_key * sizeof *k);
        w->prev = calloc(w->ncols ? w->ncols : 1, sizeof *w->prev);
        if (!k || !w->prev) {
            free(k);
            s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            goto fail;
        }
        for (size_t i = 0; i < opts->nsort_key; i++) {
            if (opts->sort_key[i] >= w->ncols) {
                free(k);
                s = floe_err_set(err, FLOE_ERR_INVALID, "sort key column %zu out of range",
                                 opts->sort_key[i]);
                goto fail;
            }
            k[i] = opts->sort_key[i];
            if (k[i] + 1 > w->sort_key_end) w->sort_key_end = k[i] + 1;
        }
        w->o.sort_key = k;
        w->o.nsort_key = opts->nsort_key;
        if (opts->nsort_key == 1 && floe_type_compares_as_i64(schema->cols[k[0]].type.kind))
            w->int_sort_key = (int)k[0];
    }
    if (opts && opts->no_iceberg_attrs) {
        uint8_t *m = malloc(w->ncols ? w->ncols : 1);
        if (!m) {
            s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            goto fail;
        }
        memcpy(m, opts->no_iceberg_attrs, w->ncols);
        w->o.no_iceberg_attrs = m;
    }
    if (opts && opts->nattrs) {
        floe_orc_attr *a = calloc(opts->nattrs, sizeof *a);
        w->attr_strings = calloc(opts->nattrs * 2, sizeof *w->attr_strings);
        if (!a || !w->attr_strings) {
            free(a);
            s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            goto fail;
        }
        w->o.attrs = a;
        w->o.nattrs = opts->nattrs;
        for (size_t i = 0; i < opts->nattrs; i++) {
            if (opts->attrs[i].column >= w->ncols) {
                s = floe_err_set(err, FLOE_ERR_INVALID, "attribute column %zu out of range",
                                 opts->attrs[i].column);
                goto fail;
            }
            a[i].column = opts->attrs[i].column;
            a[i].key = w->attr_strings[w->nattr_strings++] = strdup(opts->attrs[i].key);
            a[i].value = w->attr_strings[w->nattr_strings++] = strdup(opts->attrs[i].value);
            if (!a[i].key || !a[i].value) {
                s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                goto fail;
            }
        }
    }
    if ((s = floe_output_write(out, "ORC", 3, err)) != FLOE_OK) goto fail;
    *wp = w;
    return FLOE_OK;
fail:
    if (w->o.attrs) free((void *)w->o.attrs);
    w->o.attrs = NULL;
    floe_orc_writer_destroy(w);
    return s;
}

uint64_t floe_orc_writer_rows(const floe_orc_writer *w) { return w->rows; }

/* ---- protobuf helpers for messages built by hand ---- */

static floe_status put_len_field(floe_buf *b, unsigned field, const uint8_t *p, size_t n,
                                 floe_err *err) {
    FLOE_TRY(floe_buf_put_uvarint(b, ((uint64_t)field << 3) | 2, err));
    FLOE_TRY(floe_buf_put_uvarint(b, n, err));
    return floe_buf_append(b, p, n, err);
}

static floe_status pack_stats(floe_buf *out, const floe_orc_stats *s, const floe_type *t,
                              floe_buf *scratch, floe_err *err) {
    floe_orc_stats_pb pb;
    floe_status st = floe_orc_stats_pb_fill(&pb, s, t, err);
    if (st == FLOE_OK) {
        size_t n = floe_orc__column_stats__get_packed_size(&pb.cs);
        scratch->len = 0;
        st = floe_buf_reserve(scratch, n, err);
        if (st == FLOE_OK) {
            floe_orc__column_stats__pack(&pb.cs, scratch->data);
            scratch->len = n;
            st = floe_buf_put_uvarint(out, n, err);
            if (st == FLOE_OK) st = floe_buf_append(out, scratch->data, n, err);
        }
    }
    floe_orc_stats_pb_free(&pb);
    return st;
}

/* ---- row groups ---- */

static floe_status rg_begin(floe_orc_writer *w, floe_err *err) {
    for (size_t i = 0; i < w->ncols; i++) {
        colw *c = &w->cols[i];
        if (c->nrg == c->rgcap) {
            size_t cap = c->rgcap ? c->rgcap * 2 : 16;
            rgpos *r = realloc(c->rg, cap * sizeof *r);
            if (!r) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            c->rg = r;
            c->rgcap = cap;
        }
        rgpos *p = &c->rg[c->nrg++];
        memset(p, 0, sizeof *p);
        if (c->stripe_nulls) {
            FLOE_TRY(floe_orc_bool_enc_mark(&c->present_enc, &c->present.raw, &p->present_bits, err));
            p->present_off = os_pos(&c->present);
        }
        switch (c->type.kind) {
        case FLOE_T_BOOLEAN:
            FLOE_TRY(floe_orc_bool_enc_mark(&c->bool_data, &c->data.raw, &p->data_bits, err));
            break;
        case FLOE_T_TINYINT: FLOE_TRY(floe_orc_byte_enc_flush(&c->byte_data, &c->data.raw, err)); break;
        case FLOE_T_SMALLINT:
        case FLOE_T_INT:
        case FLOE_T_BIGINT:
        case FLOE_T_DATE:
        case FLOE_T_TIMESTAMP:
            FLOE_TRY(floe_orc_rle2_enc_flush(c->rle_data, &c->data.raw, err));
            break;
        default: break;
        }
        /* undecided string columns get their positions in string_encode */
        if (c->rle_aux && (c->type.kind != FLOE_T_STRING || c->str_direct))
            FLOE_TRY(floe_orc_rle2_enc_flush(c->rle_aux, &c->aux.raw, err));
        p->data_off = os_pos(&c->data);
        p->aux_off = os_pos(&c->aux);
        p->nonnull = c->sn;
    }
    return FLOE_OK;
}

static floe_status rg_end(floe_orc_writer *w, floe_err *err) {
    for (size_t i = 0; i < w->ncols; i++) {
        colw *c = &w->cols[i];
        if (w->o.row_index_stride)
            FLOE_TRY(pack_stats(&c->rgstats, &c->st_rg, &c->type, &w->scratch, err));
        FLOE_TRY(floe_orc_stats_merge(&c->st_stripe, &c->st_rg, c->type, err));
        floe_orc_stats_reset(&c->st_rg);
    }
    if (w->o.row_index_stride)
        FLOE_TRY(pack_stats(&w->root_rgstats, &w->root_rg, NULL, &w->scratch, err));
    w->root_stripe.count += w->root_rg.count;
    floe_orc_stats_reset(&w->root_rg);
    w->rg_rows = 0;
    return FLOE_OK;
}

/* ---- values ---- */

static floe_status put_le(floe_buf *b, uint64_t v, int n, floe_err *err) {
    FLOE_TRY(floe_buf_reserve(b, (size_t)n, err));
    for (int i = 0; i < n; i++) b->data[b->len++] = (uint8_t)(v >> (8 * i));
    return FLOE_OK;
}

static floe_status put_i128_varint(floe_buf *b, floe_i128 v, floe_err *err) {
    unsigned __int128 z = ((unsigned __int128)v << 1) ^ (unsigned __int128)(v >> 127);
    FLOE_TRY(floe_buf_reserve(b, 19, err));
    while (z >= 0x80) {
        b->data[b->len++] = (uint8_t)(z | 0x80);
        z >>= 7;
    }
    b->data[b->len++] = (uint8_t)z;
    return FLOE_OK;
}

/* Nanos as ORC stores them: trailing decimal zeros stripped into 3 bits. */
static uint64_t encode_nanos(uint32_t nanos) {
    if (nanos == 0) return 0;
    if (nanos % 100 != 0) return (uint64_t)nanos << 3;
    nanos /= 100;
    int z = 1;
    while (nanos % 10 == 0 && z < 7) {
        nanos /= 10;
        z++;
    }
    return ((uint64_t)nanos << 3) | (uint64_t)z;
}

static floe_status string_push(colw *c, const uint8_t *p, size_t n, floe_err *err) {
    if (n > UINT32_MAX) return floe_err_set(err, FLOE_ERR_LIMIT, "string value over 4 GiB");
    c->str_bytes += n;
    if (c->str_direct) {
        c->sn++;
        FLOE_TRY(floe_buf_append(&c->data.raw, p, n, err));
        return floe_orc_rle2_enc_put(c->rle_aux, (int64_t)n, &c->aux.raw, err);
    }
    if (c->sn == c->scap) {
        size_t cap = c->scap ? c->scap * 2 : 1024;
        uint64_t *o = realloc(c->soff, cap * sizeof *o);
        if (!o) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        c->soff = o;
        uint32_t *l = realloc(c->slen, cap * sizeof *l);
        if (!l) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        c->slen = l;
        c->scap = cap;
    }
    c->soff[c->sn] = c->sbytes.len;
    c->slen[c->sn] = (uint32_t)n;
    c->sn++;
    return floe_buf_append(&c->sbytes, p, n, err);
}

/* The PRESENT stream is only kept in stripes with a NULL: until the first
 * NULL of a stripe nothing is encoded; at that NULL the stream is built for
 * the rows before it (all present), with the positions of every row group
 * already begun. `row` is the row's index in the stripe. */
static floe_status present_activate(colw *c, uint64_t row, uint32_t stride, floe_err *err) {
    floe_orc_bool_enc_init(&c->present_enc);
    os_reset(&c->present);
    uint64_t r = 0;
    for (size_t g = 0; g < c->nrg; g++) {
        uint64_t start = stride ? (uint64_t)g * stride : 0;
        for (; r < start; r++) FLOE_TRY(floe_orc_bool_enc_put(&c->present_enc, 1, &c->present.raw, err));
        FLOE_TRY(floe_orc_bool_enc_mark(&c->present_enc, &c->present.raw, &c->rg[g].present_bits, err));
        c->rg[g].present_off = os_pos(&c->present);
    }
    for (; r < row; r++) FLOE_TRY(floe_orc_bool_enc_put(&c->present_enc, 1, &c->present.raw, err));
    c->stripe_nulls = 1;
    return FLOE_OK;
}

/* One value of an unstaged column. */
static floe_status col_add(colw *c, const floe_value *v, const uint8_t *bytes, uint64_t row,
                           uint32_t stride, floe_err *err) {
    if (v->is_null && !c->stripe_nulls) FLOE_TRY(present_activate(c, row, stride, err));
    if (c->stripe_nulls)
        FLOE_TRY(floe_orc_bool_enc_put(&c->present_enc, !v->is_null, &c->present.raw, err));
    if (v->is_null) return floe_orc_stats_add(&c->st_rg, c->type, v, bytes, err);
    floe_type_kind k = c->type.kind;
    FLOE_TRY(floe_orc_stats_add(&c->st_rg, c->type, v, bytes, err));
    switch (k) {
    case FLOE_T_BOOLEAN:
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
    case FLOE_T_DATE: break; /* staged: stage_drain_col */
    case FLOE_T_FLOAT: {
        float f = (float)v->v.f64;
        uint32_t u;
        memcpy(&u, &f, 4);
        return put_le(&c->data.raw, u, 4, err);
    }
    case FLOE_T_DOUBLE: {
        uint64_t u;
        memcpy(&u, &v->v.f64, 8);
        return put_le(&c->data.raw, u, 8, err);
    }
    case FLOE_T_DECIMAL:
        FLOE_TRY(put_i128_varint(&c->data.raw, v->v.dec, err));
        return floe_orc_rle2_enc_put(c->rle_aux, c->type.scale, &c->aux.raw, err);
    case FLOE_T_STRING: return string_push(c, bytes, v->v.bytes.len, err);
    case FLOE_T_BINARY: break; /* staged: add_row and stage_drain_col */
    case FLOE_T_TIMESTAMP: {
        int64_t us = v->v.i64;
        if (!floe_orc_timestamp_storable(us))
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "timestamp %lld us lies in 1969-12-31T23:59:59.001 .. .999999, "
                                "which ORC readers read one second late (ORC-645)",
                                (long long)us);
        int64_t secs = us / 1000000, rem = us % 1000000;
        if (rem < 0) {
            secs -= 1;
            rem += 1000000;
        }
        uint32_t nanos = (uint32_t)rem * 1000u;
        /* ORC readers (Java and C++) subtract a second from a negative
         * epoch second whose nanos exceed 999999, so writers store such
         * seconds one higher. The one value range this cannot express,
         * (-1 s, -0.001 s], reads back a second late in every reader
         * (ORC-645); docs/table-format.md says so. */
        if (secs < 0 && nanos > 999999) secs += 1;
        int64_t rel = secs - FLOE_ORC_TS_BASE;
        FLOE_TRY(floe_orc_rle2_enc_put(c->rle_data, rel, &c->data.raw, err));
        return floe_orc_rle2_enc_put(c->rle_aux, (int64_t)encode_nanos(nanos), &c->aux.raw, err);
    }
    }
    return FLOE_OK;
}

/* Integer statistics of m non-null values, the same as m calls of
 * floe_orc_stats_add (the sum is given up at the first overflowing
 * partial sum). */
static void int_stats_batch(floe_orc_stats *st, const int64_t *v, size_t m) {
    if (m == 0) return;
    int64_t mn = v[0], mx = v[0];
    uint64_t sum = 0;
    for (size_t i = 0; i < m; i++) {
        int64_t x = v[i];
        mn = x < mn ? x : mn;
        mx = x > mx ? x : mx;
        sum += (uint64_t)x;
    }
    if (st->count == 0 || mn < st->imin) st->imin = mn;
    if (st->count == 0 || mx > st->imax) st->imax = mx;
    if (st->sum_ok) {
        /* no partial sum can overflow when |isum| + m * max|x| fits */
        __int128 amx = mx < 0 ? -(__int128)mx : (__int128)mx;
        __int128 amn = mn < 0 ? -(__int128)mn : (__int128)mn;
        __int128 bound = (amx > amn ? amx : amn) * (__int128)m;
        __int128 acc = st->isum < 0 ? -(__int128)st->isum : (__int128)st->isum;
        if (acc + bound <= (__int128)INT64_MAX) {
            st->isum = (int64_t)((uint64_t)st->isum + sum);
        } else {
            for (size_t i = 0; i < m; i++)
                if (__builtin_add_overflow(st->isum, v[i], &st->isum)) {
                    st->sum_ok = 0;
                    break;
                }
        }
    }
    st->has_bounds = 1;
    st->count += m;
}

/* Encode the staged rows of one column: rows [row0, row0 + n) of the
 * stripe, all in the current row group. */
static floe_status stage_drain_col(colw *c, size_t n, uint64_t row0, uint32_t stride,
                                   floe_err *err) {
    size_t m = n;
    unsigned any_null = 0;
    for (size_t i = 0; i < n; i++) any_null |= c->snull[i];
    if (any_null) {
        size_t f = 0;
        while (!c->snull[f]) f++;
        if (!c->stripe_nulls) FLOE_TRY(present_activate(c, row0 + f, stride, err));
        else f = 0;
        /* present bits: 1 = value present */
        uint8_t bits[STAGE];
        for (size_t i = f; i < n; i++) bits[i] = !c->snull[i];
        FLOE_TRY(floe_orc_bool_enc_put_n(&c->present_enc, bits + f, n - f, &c->present.raw, err));
        c->st_rg.has_null = 1;
        m = 0;
        for (size_t i = 0; i < n; i++) {
            c->sv[m] = c->sv[i];
            m += !c->snull[i];
        }
    } else if (c->stripe_nulls) {
        uint8_t bits[STAGE];
        memset(bits, 1, n);
        FLOE_TRY(floe_orc_bool_enc_put_n(&c->present_enc, bits, n, &c->present.raw, err));
    }
    switch (c->stage_kind) {
    case STAGE_RLE2:
        int_stats_batch(&c->st_rg, c->sv, m);
        return floe_orc_rle2_enc_put_n(c->rle_data, c->sv, m, &c->data.raw, err);
    case STAGE_BYTE: {
        uint8_t b[STAGE];
        for (size_t i = 0; i < m; i++) b[i] = (uint8_t)c->sv[i];
        int_stats_batch(&c->st_rg, c->sv, m);
        return floe_orc_byte_enc_put_n(&c->byte_data, b, m, &c->data.raw, err);
    }
    case STAGE_BOOL: {
        uint8_t b[STAGE];
        uint64_t t = 0;
        for (size_t i = 0; i < m; i++) {
            b[i] = c->sv[i] != 0;
            t += b[i];
        }
        c->st_rg.isum += (int64_t)t;
        c->st_rg.count += m;
        return floe_orc_bool_enc_put_n(&c->bool_data, b, m, &c->data.raw, err);
    }
    case STAGE_BINLEN: {
        uint64_t t = 0;
        for (size_t i = 0; i < m; i++) t += (uint64_t)c->sv[i];
        c->st_rg.count += m;
        c->st_rg.total_len += t;
        return floe_orc_rle2_enc_put_n(c->rle_aux, c->sv, m, &c->aux.raw, err);
    }
    default: return FLOE_OK;
    }
}

/* Encode the staged rows, then compress every stream's full blocks. */
static floe_status stage_drain(floe_orc_writer *w, floe_err *err) {
    size_t n = w->nstage;
    w->nstage = 0;
    uint64_t row0 = w->stripe_rows - n;
    for (size_t i = 0; i < w->ncols; i++) {
        colw *c = &w->cols[i];
        floe_status s = FLOE_OK;
        if (c->stage_kind != STAGE_NONE && n) s = stage_drain_col(c, n, row0, w->o.row_index_stride, err);
        if (s == FLOE_OK) s = os_spill(w->codec, &c->present, err);
        if (s == FLOE_OK) s = os_spill(w->codec, &c->data, err);
        if (s == FLOE_OK) s = os_spill(w->codec, &c->aux, err);
        if (s != FLOE_OK) {
            floe_err_prefix(err, "column %s: ", w->schema->cols[i].name);
            return s;
        }
    }
    return FLOE_OK;
}

static size_t col_buffered(const colw *c) {
    /* strings count as their bytes plus 12 per value, however encoded */
    if (c->type.kind == FLOE_T_STRING) return os_pos(&c->present) + c->str_bytes + c->sn * 12;
    return os_pos(&c->present) + os_pos(&c->data) + os_pos(&c->aux);
}

/* ---- sorted mode ---- */

static floe_status order_error(floe_orc_writer *w, int cmp, floe_err *err) {
    return floe_err_set(err, FLOE_ERR_BAD_INPUT, "row %llu: sort key is %s the previous row's (column %s)",
                        (unsigned long long)w->rows, cmp == 0 ? "equal to" : "less than",
                        w->schema->cols[w->o.sort_key[0]].name);
}

static floe_status check_order(floe_orc_writer *w, const floe_value *vals,
                               const floe_buf *arena, floe_err *err) {
    if (w->int_sort_key >= 0) {
        /* one integer-like key column, not NULL here nor in the previous
         * row: the comparison below without its generic steps */
        floe_value *p = &w->prev[w->int_sort_key];
        const floe_value *v = &vals[w->int_sort_key];
        if (!v->is_null && (!w->have_prev || !p->is_null)) {
            if (w->have_prev) {
                int cmp = (v->v.i64 > p->v.i64) - (v->v.i64 < p->v.i64);
                if (cmp < 0 || (cmp == 0 && w->o.sort_strict)) return order_error(w, cmp, err);
            }
            p->is_null = 0;
            p->v.i64 = v->v.i64;
            w->have_prev = 1;
            return FLOE_OK;
        }
    }
    if (w->have_prev) {
        int cmp = 0;
        for (size_t k = 0; k < w->o.nsort_key && cmp == 0; k++) {
            size_t i = w->o.sort_key[k];
            const floe_value *a = &w->prev[i], *b = &vals[i];
            if (a->is_null || b->is_null) cmp = (int)b->is_null - (int)a->is_null;
            else
                cmp = -floe_value_compare(a, b, w->schema->cols[i].type, &w->prev_arena, arena);
        }
        if (cmp < 0 || (cmp == 0 && w->o.sort_strict)) return order_error(w, cmp, err);
    }
    w->prev_arena.len = 0;
    for (size_t k = 0; k < w->o.nsort_key; k++) {
        size_t i = w->o.sort_key[k];
        w->prev[i] = vals[i];
        floe_type_kind kind = w->schema->cols[i].type.kind;
        if (!vals[i].is_null && (kind == FLOE_T_STRING || kind == FLOE_T_BINARY)) {
            const uint8_t *p = floe_value_bytes(&vals[i], arena);
            w->prev[i].v.bytes.ptr = NULL;
            w->prev[i].v.bytes.off = w->prev_arena.len;
            FLOE_TRY(floe_buf_append(&w->prev_arena, p, vals[i].v.bytes.len, err));
        }
    }
    w->have_prev = 1;
    return FLOE_OK;
}

static floe_status stripe_flush(floe_orc_writer *w, floe_err *err);
static floe_status string_probe(floe_orc_writer *w, colw *c, floe_err *err);

floe_status floe_orc_writer_add_row(floe_orc_writer *w, const floe_value *vals,
                                    const floe_buf *arena, floe_err *err) {
    return floe_orc_writer_add_row_tail(w, vals, arena, NULL, 0, err);
}

floe_status floe_orc_writer_add_row_tail(floe_orc_writer *w, const floe_value *vals,
                                         const floe_buf *arena, const floe_value *tail,
                                         size_t ntail, floe_err *err) {
    if (w->failed) return floe_err_set(err, FLOE_ERR_STATE, "ORC writer failed earlier");
    if (ntail > w->ncols || w->sort_key_end > w->ncols - ntail)
        return floe_err_set(err, FLOE_ERR_INVALID, "%zu tail values for %zu columns (sort keys end at %zu)",
                            ntail, w->ncols, w->sort_key_end);
    /* column i's value: vals[i] below `split`, tail[i - split] from there */
    size_t split = w->ncols - ntail;
#define COLV(i) ((i) < split ? &vals[i] : &tail[(i) - split])
    if (w->o.nsort_key) WTRY(check_order(w, vals, arena, err));
    int new_rg = w->stripe_rows == 0 ||
                 (w->o.row_index_stride && w->rg_rows == w->o.row_index_stride);
    if (new_rg) {
        WTRY(stage_drain(w, err));
        if (w->stripe_rows) WTRY(rg_end(w, err));
        WTRY(rg_begin(w, err));
    }
    size_t si = w->nstage;
    for (size_t j = 0; j < w->nstaged; j++) {
        const struct stage_slot *st = &w->staged[j];
        const floe_value *v = COLV(st->col);
        st->sv[si] = v->v.i64;
        st->snull[si] = v->is_null;
    }
    for (size_t j = 0; j < w->nbstaged; j++) {
        const struct stage_slot *st = &w->bstaged[j];
        const floe_value *v = COLV(st->col);
        st->snull[si] = v->is_null;
        if (v->is_null) continue;
        st->sv[si] = (int64_t)v->v.bytes.len;
        floe_status s = floe_buf_append(&w->cols[st->col].data.raw, floe_value_bytes(v, arena),
                                        v->v.bytes.len, err);
        if (s != FLOE_OK) {
            floe_err_prefix(err, "column %s: ", w->schema->cols[st->col].name);
            return fail(w, s);
        }
    }
    for (size_t j = 0; j < w->nunstaged; j++) {
        size_t i = w->unstaged[j];
        colw *c = &w->cols[i];
        const floe_value *v = COLV(i);
        const uint8_t *bytes = NULL;
        floe_type_kind k = c->type.kind;
        if (!v->is_null && k == FLOE_T_STRING) bytes = floe_value_bytes(v, arena);
        floe_status s = col_add(c, v, bytes, w->stripe_rows, w->o.row_index_stride, err);
        if (s == FLOE_OK && k == FLOE_T_STRING && c->sn == 10000 && !c->str_probed)
            s = string_probe(w, c, err);
        if (s != FLOE_OK) {
            floe_err_prefix(err, "column %s: ", w->schema->cols[i].name);
            return fail(w, s);
        }
    }
#undef COLV
    w->nstage = si + 1;
    w->rows++;
    w->stripe_rows++;
    w->rg_rows++;
    w->root_rg.count++;
    if ((w->stripe_rows & (STAGE - 1)) == 0) {
        WTRY(stage_drain(w, err));
        size_t total = 0;
        for (size_t i = 0; i < w->ncols; i++) total += col_buffered(&w->cols[i]);
        if (total >= w->o.stripe_size) WTRY(stripe_flush(w, err));
    }
    return FLOE_OK;
}

/* ---- stripe assembly ---- */

typedef struct stream_rec {
    int kind;
    uint32_t column;
    uint64_t length;
    const ostream *os; /* data streams: the bytes; NULL for index streams */
} stream_rec;

typedef struct stripe_ctx {
    stream_rec *streams;
    size_t nstreams, cap;
} stripe_ctx;

/* Finish a stream of the stripe and list it (its bytes are written from
 * its own buffer when the stripe is assembled). */
static floe_status emit_stream(floe_orc_writer *w, stripe_ctx *sc, int kind, uint32_t col,
                               ostream *os, floe_err *err) {
    FLOE_TRY(os_finish(w->codec, os, err));
    if (sc->nstreams == sc->cap) {
        size_t cap = sc->cap ? sc->cap * 2 : 32;
        stream_rec *s = realloc(sc->streams, cap * sizeof *s);
        if (!s) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        sc->streams = s;
        sc->cap = cap;
    }
    sc->streams[sc->nstreams++] = (stream_rec){kind, col, os->comp.len, os};
    return FLOE_OK;
}

/* Row index positions are collected as raw uint64 words (8 bytes each, no
 * separators: any byte value can occur in a position) and varint-encoded
 * only when the RowIndexEntry is built. */
static floe_status put_u64(floe_buf *b, uint64_t v, floe_err *err) {
    return floe_buf_append(b, &v, sizeof v, err);
}

/* Translate an uncompressed offset in a finished stream into row index
 * positions. */
static floe_status put_pos(floe_orc_writer *w, floe_buf *pos, uint64_t raw_off,
                           const ostream *os, floe_err *err) {
    if (w->o.codec == FLOE_ORC_NONE) return put_u64(pos, raw_off, err);
    uint64_t raw_len = os_pos(os);
    size_t bs = w->o.block_size;
    size_t nchunks = (raw_len + bs - 1) / bs;
    size_t ci = (size_t)(raw_off / bs);
    uint64_t within = raw_off - (uint64_t)ci * bs;
    if (ci >= nchunks) {
        ci = nchunks; /* the end marker slot */
        within = 0;
    }
    FLOE_TRY(put_u64(pos, os->chunks[ci], err));
    return put_u64(pos, within, err);
}

typedef struct strhash {
    uint32_t *slots; /* value index + 1, 0 = empty */
    size_t mask;
} strhash;

static uint64_t hash_bytes(const uint8_t *p, size_t n) {
    uint64_t h = 1469598103934665603ull ^ n;
    for (size_t i = 0; i < n; i++) h = (h ^ p[i]) * 1099511628211ull;
    return h ^ (h >> 29);
}

/* Resize the table for n values and re-insert the nd distinct ones. */
static floe_status strhash_grow(strhash *h, const colw *c, const uint32_t *distinct, size_t nd,
                                size_t n, floe_err *err) {
    size_t cap = 16;
    while (cap < n * 2) cap *= 2;
    if (cap - 1 <= h->mask) return FLOE_OK;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    for (size_t d = 0; d < nd; d++) {
        uint32_t j = distinct[d];
        size_t slot = hash_bytes(c->sbytes.data + c->soff[j], c->slen[j]) & (cap - 1);
        while (slots[slot]) slot = (slot + 1) & (cap - 1);
        slots[slot] = (uint32_t)d + 1;
    }
    free(h->slots);
    h->slots = slots;
    h->mask = cap - 1;
    return FLOE_OK;
}

static int cmp_dict(const void *a, const void *b, void *ctx) {
    const colw *c = ctx;
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    size_t lx = c->slen[x], ly = c->slen[y], n = lx < ly ? lx : ly;
    int r = n ? memcmp(c->sbytes.data + c->soff[x], c->sbytes.data + c->soff[y], n) : 0;
    if (r) return r;
    return lx < ly ? -1 : lx > ly;
}

/* Write a string column's buffered values DIRECT: the bytes to DATA, the
 * lengths to LENGTH (flushed at each row group's first value), and each
 * row group's positions. The encoder keeps its last run open. */
static floe_status string_replay_direct(colw *c, floe_err *err) {
    size_t n = c->sn;
    floe_orc_rle2_enc_init(c->rle_aux, 0);
    size_t g = 0;
    for (size_t i = 0; i <= n; i++) {
        while (g < c->nrg && c->rg[g].nonnull == i) {
            FLOE_TRY(floe_orc_rle2_enc_flush(c->rle_aux, &c->aux.raw, err));
            c->rg[g].aux_off = os_pos(&c->aux);
            c->rg[g].data_off = os_pos(&c->data);
            g++;
        }
        if (i == n) break;
        FLOE_TRY(floe_orc_rle2_enc_put(c->rle_aux, c->slen[i], &c->aux.raw, err));
        if (c->slen[i])
            FLOE_TRY(floe_buf_append(&c->data.raw, c->sbytes.data + c->soff[i], c->slen[i], err));
    }
    return FLOE_OK;
}

/* At a string column's 10,000th value of a stripe: when those values are
 * too distinct for a dictionary (string_encode's early check, which would
 * decide the same at the stripe's end), switch the column to DIRECT for
 * the rest of the stripe, so that its bytes are compressed as they come
 * instead of being held until the stripe ends. */
static floe_status string_probe(floe_orc_writer *w, colw *c, floe_err *err) {
    c->str_probed = 1;
    size_t n = c->sn, cap = 16, nd = 0;
    while (cap < n * 2) cap *= 2;
    uint32_t *slots = calloc(cap, sizeof *slots), *distinct = malloc(n * sizeof *distinct);
    if (!slots || !distinct) {
        free(slots);
        free(distinct);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const uint8_t *p = c->sbytes.data + c->soff[i];
        size_t slot = hash_bytes(p, c->slen[i]) & (cap - 1);
        for (;;) {
            uint32_t e = slots[slot];
            if (e == 0) {
                slots[slot] = (uint32_t)nd + 1;
                distinct[nd++] = (uint32_t)i;
                break;
            }
            uint32_t j = distinct[e - 1];
            if (c->slen[j] == c->slen[i] &&
                (c->slen[i] == 0 || memcmp(c->sbytes.data + c->soff[j], p, c->slen[i]) == 0))
                break;
            slot = (slot + 1) & (cap - 1);
        }
    }
    free(slots);
    free(distinct);
    if ((double)nd <= w->o.dict_threshold * (double)n) return FLOE_OK;
    FLOE_TRY(string_replay_direct(c, err));
    c->str_direct = 1;
    c->sbytes.len = 0;
    return FLOE_OK;
}

/* Encode a string column's stripe: DICTIONARY_V2 or DIRECT_V2. Fills
 * c->data (indexes or bytes), c->aux (lengths), c->dict and, for each row
 * group, rg[].data_off / aux_off (uncompressed offsets). */
static floe_status string_encode(floe_orc_writer *w, colw *c, floe_err *err) {
    size_t n = c->sn;
    if (c->str_direct) {
        c->enc_kind = FLOE_ORC__COLUMN_ENCODING__KIND__DIRECT_V2;
        c->dict_size = 0;
        return floe_orc_rle2_enc_flush(c->rle_aux, &c->aux.raw, err);
    }
    os_reset(&c->data);
    os_reset(&c->aux);
    os_reset(&c->dict);
    /* a stripe of empty strings leaves sbytes unallocated: give it a byte
     * so that offsets into it never apply to a NULL pointer */
    FLOE_TRY(floe_buf_reserve(&c->sbytes, 1, err));
    uint32_t *ids = NULL, *distinct = NULL, *rank = NULL;
    strhash h = {0};
    floe_status s = FLOE_OK;
    size_t nd = 0;
    int use_dict = 0;
    if (n > 0 && n <= UINT32_MAX - 1) {
        /* Early check, as the Java writer does: when the first row group's
         * worth of values is already too distinct, go direct without
         * hashing the rest of the stripe. The table starts at the size the
         * check needs and grows to the stripe's size only past it. */
        size_t probe = n < 10000 ? n : 10000;
        size_t cap = 16;
        while (cap < probe * 2) cap *= 2;
        h.slots = calloc(cap, sizeof *h.slots);
        ids = malloc(n * sizeof *ids);
        distinct = malloc(n * sizeof *distinct);
        if (!h.slots || !ids || !distinct) {
            s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            goto done;
        }
        h.mask = cap - 1;
        size_t limit = (size_t)(w->o.dict_threshold * (double)n);
        int early_direct = 0;
        for (size_t i = 0; i < n; i++) {
            if (i == probe) {
                if ((double)nd > w->o.dict_threshold * (double)probe) {
                    early_direct = 1;
                    break;
                }
                if ((s = strhash_grow(&h, c, distinct, nd, n, err)) != FLOE_OK) goto done;
            }
            const uint8_t *p = c->sbytes.data + c->soff[i];
            size_t slot = hash_bytes(p, c->slen[i]) & h.mask;
            for (;;) {
                uint32_t e = h.slots[slot];
                if (e == 0) {
                    h.slots[slot] = (uint32_t)nd + 1;
                    distinct[nd] = (uint32_t)i;
                    ids[i] = (uint32_t)nd++;
                    break;
                }
                uint32_t j = distinct[e - 1];
                if (c->slen[j] == c->slen[i] && (c->slen[i] == 0 ||
                    memcmp(c->sbytes.data + c->soff[j], p, c->slen[i]) == 0)) {
                    ids[i] = e - 1;
                    break;
                }
                slot = (slot + 1) & h.mask;
            }
            if (nd > limit) break;
        }
        use_dict = !early_direct && nd <= limit;
    }
    if (use_dict) {
        /* sort the dictionary; rank[id] = position in sorted order */
        qsort_r(distinct, nd, sizeof *distinct, cmp_dict, c);
        rank = malloc(nd * sizeof *rank);
        if (!rank) {
            s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (size_t r = 0; r < nd; r++) {
            uint32_t vi = distinct[r];
            rank[ids[vi]] = (uint32_t)r;
        }
        floe_orc_rle2_enc_init(c->rle_data, 0);
        floe_orc_rle2_enc_init(c->rle_aux, 0);
        size_t g = 0;
        for (size_t i = 0; i <= n; i++) {
            while (g < c->nrg && c->rg[g].nonnull == i) {
                if ((s = floe_orc_rle2_enc_flush(c->rle_data, &c->data.raw, err)) != FLOE_OK) goto done;
                c->rg[g].data_off = os_pos(&c->data);
                g++;
            }
            if (i == n) break;
            if ((s = floe_orc_rle2_enc_put(c->rle_data, rank[ids[i]], &c->data.raw, err)) != FLOE_OK)
                goto done;
        }
        if ((s = floe_orc_rle2_enc_flush(c->rle_data, &c->data.raw, err)) != FLOE_OK) goto done;
        for (size_t r = 0; r < nd; r++) {
            uint32_t vi = distinct[r];
            if ((s = floe_buf_append(&c->dict.raw, c->sbytes.data + c->soff[vi], c->slen[vi],
                                     err)) != FLOE_OK ||
                (s = floe_orc_rle2_enc_put(c->rle_aux, c->slen[vi], &c->aux.raw, err)) != FLOE_OK)
                goto done;
        }
        s = floe_orc_rle2_enc_flush(c->rle_aux, &c->aux.raw, err);
        c->enc_kind = FLOE_ORC__COLUMN_ENCODING__KIND__DICTIONARY_V2;
        c->dict_size = (uint32_t)nd;
    } else {
        if ((s = string_replay_direct(c, err)) != FLOE_OK ||
            (s = floe_orc_rle2_enc_flush(c->rle_aux, &c->aux.raw, err)) != FLOE_OK)
            goto done;
        c->enc_kind = FLOE_ORC__COLUMN_ENCODING__KIND__DIRECT_V2;
        c->dict_size = 0;
    }
done:
    free(h.slots);
    free(ids);
    free(distinct);
    free(rank);
    return s;
}

static int col_encoding(floe_type_kind k) {
    switch (k) {
    case FLOE_T_BOOLEAN:
    case FLOE_T_TINYINT:
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: return FLOE_ORC__COLUMN_ENCODING__KIND__DIRECT;
    default: return FLOE_ORC__COLUMN_ENCODING__KIND__DIRECT_V2;
    }
}

static floe_status stripe_flush(floe_orc_writer *w, floe_err *err) {
    if (w->stripe_rows == 0) return FLOE_OK;
    FLOE_TRY(stage_drain(w, err));
    FLOE_TRY(rg_end(w, err));
    stripe_ctx sc = {0};
    floe_status s = FLOE_OK;
    w->stripe_footer.len = w->stripe_index.len = 0;
    /* per column: raw stream sizes and, per row group, positions */
    floe_buf *positions = calloc(w->ncols ? w->ncols : 1, sizeof *positions);
    size_t *pos_per_rg = calloc(w->ncols ? w->ncols : 1, sizeof *pos_per_rg);
    if (!positions || !pos_per_rg) {
        free(positions);
        free(pos_per_rg);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < w->ncols && s == FLOE_OK; i++) {
        colw *c = &w->cols[i];
        uint32_t col = (uint32_t)i + 1;
        if (c->stripe_nulls &&
            (s = floe_orc_bool_enc_finish(&c->present_enc, &c->present.raw, err)) != FLOE_OK)
            break;
        c->enc_kind = col_encoding(c->type.kind);
        switch (c->type.kind) {
        case FLOE_T_BOOLEAN: s = floe_orc_bool_enc_finish(&c->bool_data, &c->data.raw, err); break;
        case FLOE_T_TINYINT: s = floe_orc_byte_enc_flush(&c->byte_data, &c->data.raw, err); break;
        case FLOE_T_SMALLINT:
        case FLOE_T_INT:
        case FLOE_T_BIGINT:
        case FLOE_T_DATE:
        case FLOE_T_TIMESTAMP: s = floe_orc_rle2_enc_flush(c->rle_data, &c->data.raw, err); break;
        case FLOE_T_STRING: s = string_encode(w, c, err); break;
        default: break;
        }
        if (s == FLOE_OK && c->type.kind != FLOE_T_STRING && c->rle_aux)
            s = floe_orc_rle2_enc_flush(c->rle_aux, &c->aux.raw, err);
        if (s != FLOE_OK) break;
        /* streams: PRESENT, DATA, LENGTH|SECONDARY, DICTIONARY_DATA; the
         * positions of each are computed right after it is compressed. */
        if (c->stripe_nulls)
            s = emit_stream(w, &sc, FLOE_ORC__STREAM__KIND__PRESENT, col, &c->present, err);
        /* Positions need chunk tables of several streams at once: compute
         * them stream by stream into separate lists, then interleave. */
        floe_buf ppos[3] = {FLOE_BUF_INIT, FLOE_BUF_INIT, FLOE_BUF_INIT};
        if (s == FLOE_OK && c->stripe_nulls) {
            for (size_t g = 0; g < c->nrg && s == FLOE_OK; g++) {
                s = put_pos(w, &ppos[0], c->rg[g].present_off, &c->present, err);
                if (s == FLOE_OK) s = put_u64(&ppos[0], 0, err);
                if (s == FLOE_OK)
                    s = put_u64(&ppos[0], (uint64_t)c->rg[g].present_bits, err);
            }
        }
        if (s == FLOE_OK) s = emit_stream(w, &sc, FLOE_ORC__STREAM__KIND__DATA, col, &c->data, err);
        if (s == FLOE_OK) {
            int c_nulls = c->stripe_nulls;
            c->stripe_nulls = 0; /* col_positions without PRESENT, AUX added below */
            for (size_t g = 0; g < c->nrg && s == FLOE_OK; g++) {
                floe_type_kind k = c->type.kind;
                s = put_pos(w, &ppos[1], c->rg[g].data_off, &c->data, err);
                if (s == FLOE_OK) {
                    if (k == FLOE_T_BOOLEAN) {
                        s = put_u64(&ppos[1], 0, err);
                        if (s == FLOE_OK)
                            s = put_u64(&ppos[1], (uint64_t)c->rg[g].data_bits, err);
                    } else if (k == FLOE_T_TINYINT || k == FLOE_T_SMALLINT || k == FLOE_T_INT ||
                               k == FLOE_T_BIGINT || k == FLOE_T_DATE || k == FLOE_T_TIMESTAMP ||
                               (k == FLOE_T_STRING &&
                                c->enc_kind == FLOE_ORC__COLUMN_ENCODING__KIND__DICTIONARY_V2)) {
                        s = put_u64(&ppos[1], 0, err);
                    }
                }
            }
            c->stripe_nulls = c_nulls;
        }
        int has_aux = uses_aux(c->type.kind);
        int aux_kind = (c->type.kind == FLOE_T_STRING || c->type.kind == FLOE_T_BINARY)
                           ? FLOE_ORC__STREAM__KIND__LENGTH
                           : FLOE_ORC__STREAM__KIND__SECONDARY;
        int aux_in_index = has_aux && !(c->type.kind == FLOE_T_STRING &&
                                        c->enc_kind == FLOE_ORC__COLUMN_ENCODING__KIND__DICTIONARY_V2);
        if (s == FLOE_OK && has_aux && aux_kind == FLOE_ORC__STREAM__KIND__LENGTH)
            s = emit_stream(w, &sc, aux_kind, col, &c->aux, err);
        if (s == FLOE_OK && c->type.kind == FLOE_T_STRING &&
            c->enc_kind == FLOE_ORC__COLUMN_ENCODING__KIND__DICTIONARY_V2)
            s = emit_stream(w, &sc, FLOE_ORC__STREAM__KIND__DICTIONARY_DATA, col, &c->dict, err);
        if (s == FLOE_OK && has_aux && aux_kind == FLOE_ORC__STREAM__KIND__SECONDARY)
            s = emit_stream(w, &sc, aux_kind, col, &c->aux, err);
        if (s == FLOE_OK && aux_in_index) {
            for (size_t g = 0; g < c->nrg && s == FLOE_OK; g++) {
                s = put_pos(w, &ppos[2], c->rg[g].aux_off, &c->aux, err);
                if (s == FLOE_OK) s = put_u64(&ppos[2], 0, err);
            }
        }
        if (s == FLOE_OK && c->nrg) {
            /* interleave the three lists row group by row group; each list
             * holds the same number of words for every row group */
            size_t per[3], total = 0;
            for (int k = 0; k < 3; k++) {
                per[k] = ppos[k].len / sizeof(uint64_t) / c->nrg;
                total += per[k];
            }
            pos_per_rg[i] = total;
            for (size_t g = 0; g < c->nrg && s == FLOE_OK; g++)
                for (int k = 0; k < 3 && s == FLOE_OK; k++)
                    s = floe_buf_append(&positions[i], ppos[k].data + g * per[k] * sizeof(uint64_t),
                                        per[k] * sizeof(uint64_t), err);
        }
        for (int k = 0; k < 3; k++) floe_buf_free(&ppos[k]);
    }
    /* Row indexes: one ROW_INDEX stream per column (root included). */
    if (s == FLOE_OK && w->o.row_index_stride) {
        floe_buf idx = FLOE_BUF_INIT, entry = FLOE_BUF_INIT, posb = FLOE_BUF_INIT;
        for (size_t i = 0; i <= w->ncols && s == FLOE_OK; i++) {
            idx.len = 0;
            const floe_buf *stats = i == 0 ? &w->root_rgstats : &w->cols[i - 1].rgstats;
            size_t sat = 0;
            size_t nrg = w->ncols ? w->cols[0].nrg : 1;
            for (size_t g = 0; g < nrg && s == FLOE_OK; g++) {
                entry.len = posb.len = 0;
                if (i > 0) {
                    size_t per = pos_per_rg[i - 1];
                    const uint8_t *words = positions[i - 1].data;
                    for (size_t k = 0; k < per && s == FLOE_OK; k++) {
                        uint64_t v;
                        memcpy(&v, words + (g * per + k) * sizeof v, sizeof v);
                        s = floe_buf_put_uvarint(&posb, v, err);
                    }
                }
                /* decode stats length prefix */
                uint64_t sl = 0;
                int shift = 0;
                while (sat < stats->len) {
                    uint8_t b = stats->data[sat++];
                    sl |= (uint64_t)(b & 0x7f) << shift;
                    shift += 7;
                    if (!(b & 0x80)) break;
                }
                if (s == FLOE_OK && posb.len) s = put_len_field(&entry, 1, posb.data, posb.len, err);
                if (s == FLOE_OK) s = put_len_field(&entry, 2, stats->data + sat, (size_t)sl, err);
                sat += (size_t)sl;
                if (s == FLOE_OK) s = put_len_field(&idx, 1, entry.data, entry.len, err);
            }
            if (s == FLOE_OK) {
                size_t before = w->stripe_index.len;
                s = floe_orc_compress(w->codec, idx.data, idx.len, &w->stripe_index, NULL, err);
                if (s == FLOE_OK) {
                    stream_rec r = {FLOE_ORC__STREAM__KIND__ROW_INDEX, (uint32_t)i,
                                    w->stripe_index.len - before, NULL};
                    /* index streams are listed first */
                    if (sc.nstreams == sc.cap) {
                        size_t cap = sc.cap ? sc.cap * 2 : 32;
                        stream_rec *ns = realloc(sc.streams, cap * sizeof *ns);
                        if (!ns) s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                        else {
                            sc.streams = ns;
                            sc.cap = cap;
                        }
                    }
                    if (s == FLOE_OK) {
                        memmove(sc.streams + i + 1, sc.streams + i,
                                (sc.nstreams - i) * sizeof *sc.streams);
                        sc.streams[i] = r;
                        sc.nstreams++;
                    }
                }
            }
        }
        floe_buf_free(&idx);
        floe_buf_free(&entry);
        floe_buf_free(&posb);
    }
    for (size_t i = 0; i < w->ncols; i++) floe_buf_free(&positions[i]);
    free(positions);
    free(pos_per_rg);
    /* Stripe footer */
    FloeOrc__StripeFooter sf = FLOE_ORC__STRIPE_FOOTER__INIT;
    FloeOrc__Stream *st = NULL, **stp = NULL;
    FloeOrc__ColumnEncoding *ce = NULL, **cep = NULL;
    if (s == FLOE_OK) {
        st = calloc(sc.nstreams ? sc.nstreams : 1, sizeof *st);
        stp = calloc(sc.nstreams ? sc.nstreams : 1, sizeof *stp);
        ce = calloc(w->ncols + 1, sizeof *ce);
        cep = calloc(w->ncols + 1, sizeof *cep);
        if (!st || !stp || !ce || !cep) s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    uint64_t index_len = w->stripe_index.len, data_len = 0, footer_len = 0;
    for (size_t i = 0; i < sc.nstreams; i++)
        if (sc.streams[i].os) data_len += sc.streams[i].length;
    if (s == FLOE_OK) {
        for (size_t i = 0; i < sc.nstreams; i++) {
            floe_orc__stream__init(&st[i]);
            st[i].has_kind = st[i].has_column = st[i].has_length = 1;
            st[i].kind = (FloeOrc__Stream__Kind)sc.streams[i].kind;
            st[i].column = sc.streams[i].column;
            st[i].length = sc.streams[i].length;
            stp[i] = &st[i];
        }
        for (size_t i = 0; i <= w->ncols; i++) {
            floe_orc__column_encoding__init(&ce[i]);
            ce[i].has_kind = 1;
            ce[i].kind = i == 0 ? FLOE_ORC__COLUMN_ENCODING__KIND__DIRECT
                                : (FloeOrc__ColumnEncoding__Kind)w->cols[i - 1].enc_kind;
            if (i > 0 && w->cols[i - 1].enc_kind == FLOE_ORC__COLUMN_ENCODING__KIND__DICTIONARY_V2) {
                ce[i].has_dictionary_size = 1;
                ce[i].dictionary_size = w->cols[i - 1].dict_size;
            }
            cep[i] = &ce[i];
        }
        sf.n_streams = sc.nstreams;
        sf.streams = stp;
        sf.n_columns = w->ncols + 1;
        sf.columns = cep;
        sf.writer_timezone = "UTC";
        size_t n = floe_orc__stripe_footer__get_packed_size(&sf);
        w->scratch.len = 0;
        s = floe_buf_reserve(&w->scratch, n, err);
        if (s == FLOE_OK) {
            floe_orc__stripe_footer__pack(&sf, w->scratch.data);
            w->scratch.len = n;
            s = floe_orc_compress(w->codec, w->scratch.data, n, &w->stripe_footer, NULL, err);
            footer_len = w->stripe_footer.len;
        }
    }
    free(st);
    free(stp);
    free(ce);
    free(cep);
    uint64_t offset = floe_output_offset(w->out);
    if (s == FLOE_OK) s = floe_output_write(w->out, w->stripe_index.data, w->stripe_index.len, err);
    for (size_t i = 0; i < sc.nstreams && s == FLOE_OK; i++)
        if (sc.streams[i].os)
            s = floe_output_write(w->out, sc.streams[i].os->comp.data, sc.streams[i].length, err);
    if (s == FLOE_OK)
        s = floe_output_write(w->out, w->stripe_footer.data, w->stripe_footer.len, err);
    free(sc.streams);
    if (s != FLOE_OK) return s;
    /* stripe information and statistics */
    if (w->nstripes == w->stripes_cap) {
        size_t cap = w->stripes_cap ? w->stripes_cap * 2 : 8;
        FloeOrc__StripeInformation *si = realloc(w->stripes, cap * sizeof *si);
        if (!si) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        w->stripes = si;
        w->stripes_cap = cap;
    }
    FloeOrc__StripeInformation *si = &w->stripes[w->nstripes++];
    floe_orc__stripe_information__init(si);
    si->has_offset = si->has_index_length = si->has_data_length = si->has_footer_length =
        si->has_number_of_rows = 1;
    si->offset = offset;
    si->index_length = index_len;
    si->data_length = data_len;
    si->footer_length = footer_len;
    si->number_of_rows = w->stripe_rows;
    floe_buf ss = FLOE_BUF_INIT, one = FLOE_BUF_INIT;
    s = FLOE_OK;
    for (size_t i = 0; i <= w->ncols && s == FLOE_OK; i++) {
        one.len = 0;
        if (i == 0) s = pack_stats(&one, &w->root_stripe, NULL, &w->scratch, err);
        else s = pack_stats(&one, &w->cols[i - 1].st_stripe, &w->cols[i - 1].type, &w->scratch, err);
        /* pack_stats prefixes a length; as a field we need tag + length */
        if (s == FLOE_OK) s = floe_buf_put_u8(&ss, (1 << 3) | 2, err);
        if (s == FLOE_OK) s = floe_buf_append(&ss, one.data, one.len, err);
    }
    if (s == FLOE_OK) s = put_len_field(&w->metadata, 1, ss.data, ss.len, err);
    floe_buf_free(&ss);
    floe_buf_free(&one);
    if (s != FLOE_OK) return s;
    /* reset the stripe */
    w->root_file.count += w->root_stripe.count;
    floe_orc_stats_reset(&w->root_stripe);
    w->root_rgstats.len = 0;
    for (size_t i = 0; i < w->ncols; i++) {
        colw *c = &w->cols[i];
        FLOE_TRY(floe_orc_stats_merge(&c->st_file, &c->st_stripe, c->type, err));
        floe_orc_stats_reset(&c->st_stripe);
        os_reset(&c->present);
        os_reset(&c->data);
        os_reset(&c->aux);
        os_reset(&c->dict);
        c->sbytes.len = 0;
        c->sn = 0;
        c->str_direct = c->str_probed = 0;
        c->str_bytes = 0;
        c->nrg = 0;
        c->rgstats.len = 0;
        c->stripe_nulls = 0;
        floe_orc_bool_enc_init(&c->present_enc);
        floe_orc_byte_enc_init(&c->byte_data);
        floe_orc_bool_enc_init(&c->bool_data);
        if (c->type.kind != FLOE_T_STRING && c->rle_data)
            floe_orc_rle2_enc_init(c->rle_data, 1);
        if (c->rle_aux) floe_orc_rle2_enc_init(c->rle_aux, c->type.kind == FLOE_T_DECIMAL);
    }
    w->stripe_rows = 0;
    w->rg_rows = 0;
    return FLOE_OK;
}

floe_status floe_orc_writer_add_user_metadata(floe_orc_writer *w, const char *name,
                                              const void *value, size_t len, floe_err *err) {
    if (w->failed) return floe_err_set(err, FLOE_ERR_STATE, "ORC writer failed earlier");
    FloeOrc__UserMetadataItem *u = realloc(w->umeta, (w->numeta + 1) * sizeof *u);
    if (!u) return fail(w, floe_err_set(err, FLOE_ERR_NOMEM, "out of memory"));
    w->umeta = u;
    FloeOrc__UserMetadataItem *it = &u[w->numeta];
    floe_orc__user_metadata_item__init(it);
    it->name = strdup(name);
    it->value.data = malloc(len ? len : 1);
    if (!it->name || !it->value.data) {
        free(it->name);
        free(it->value.data);
        return fail(w, floe_err_set(err, FLOE_ERR_NOMEM, "out of memory"));
    }
    if (len) memcpy(it->value.data, value, len);
    it->value.len = len;
    it->has_value = 1;
    w->numeta++;
    return FLOE_OK;
}

static FloeOrc__Type__Kind orc_kind(floe_type_kind k) {
    switch (k) {
    case FLOE_T_BOOLEAN: return FLOE_ORC__TYPE__KIND__BOOLEAN;
    case FLOE_T_TINYINT: return FLOE_ORC__TYPE__KIND__BYTE;
    case FLOE_T_SMALLINT: return FLOE_ORC__TYPE__KIND__SHORT;
    case FLOE_T_INT: return FLOE_ORC__TYPE__KIND__INT;
    case FLOE_T_BIGINT: return FLOE_ORC__TYPE__KIND__LONG;
    case FLOE_T_FLOAT: return FLOE_ORC__TYPE__KIND__FLOAT;
    case FLOE_T_DOUBLE: return FLOE_ORC__TYPE__KIND__DOUBLE;
    case FLOE_T_DECIMAL: return FLOE_ORC__TYPE__KIND__DECIMAL;
    case FLOE_T_STRING: return FLOE_ORC__TYPE__KIND__STRING;
    case FLOE_T_BINARY: return FLOE_ORC__TYPE__KIND__BINARY;
    case FLOE_T_DATE: return FLOE_ORC__TYPE__KIND__DATE;
    case FLOE_T_TIMESTAMP: return FLOE_ORC__TYPE__KIND__TIMESTAMP;
    }
    return FLOE_ORC__TYPE__KIND__STRUCT;
}

floe_status floe_orc_writer_close(floe_orc_writer *w, floe_err *err) {
    if (w->failed) return floe_err_set(err, FLOE_ERR_STATE, "ORC writer failed earlier");
    WTRY(stripe_flush(w, err));
    size_t n = w->ncols;
    floe_status s = FLOE_OK;
    FloeOrc__Type *types = calloc(n + 1, sizeof *types);
    FloeOrc__Type **typep = calloc(n + 1, sizeof *typep);
    uint32_t *sub = calloc(n ? n : 1, sizeof *sub);
    char **names = calloc(n ? n : 1, sizeof *names);
    /* attributes: up to 2 iceberg + extras per column */
    FloeOrc__StringPair *pairs = calloc(2 * n + w->o.nattrs + 1, sizeof *pairs);
    FloeOrc__StringPair **pairp = calloc(2 * n + w->o.nattrs + 1, sizeof *pairp);
    char (*idstr)[16] = calloc(n ? n : 1, sizeof *idstr);
    floe_orc_stats_pb *pbs = calloc(n + 1, sizeof *pbs);
    FloeOrc__ColumnStats **statp = calloc(n + 1, sizeof *statp);
    FloeOrc__StripeInformation **sip = calloc(w->nstripes ? w->nstripes : 1, sizeof *sip);
    FloeOrc__UserMetadataItem **ump = calloc(w->numeta ? w->numeta : 1, sizeof *ump);
    if (!types || !typep || !sub || !names || !pairs || !pairp || !idstr || !pbs || !statp ||
        !sip || !ump) {
        s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        goto out;
    }
    floe_orc__type__init(&types[0]);
    types[0].has_kind = 1;
    types[0].kind = FLOE_ORC__TYPE__KIND__STRUCT;
    types[0].n_subtypes = n;
    types[0].subtypes = sub;
    types[0].n_field_names = n;
    types[0].field_names = names;
    typep[0] = &types[0];
    size_t np = 0;
    for (size_t i = 0; i < n; i++) {
        const floe_column *col = &w->schema->cols[i];
        FloeOrc__Type *t = &types[i + 1];
        floe_orc__type__init(t);
        sub[i] = (uint32_t)i + 1;
        names[i] = col->name;
        t->has_kind = 1;
        t->kind = orc_kind(col->type.kind);
        if (col->type.kind == FLOE_T_DECIMAL) {
            t->has_precision = t->has_scale = 1;
            t->precision = col->type.precision;
            t->scale = col->type.scale;
        }
        size_t first = np;
        if (!(w->o.no_iceberg_attrs && w->o.no_iceberg_attrs[i])) {
            snprintf(idstr[i], sizeof idstr[i], "%d", (int)col->id);
            floe_orc__string_pair__init(&pairs[np]);
            pairs[np].key = "iceberg.id";
            pairs[np].value = idstr[i];
            pairp[np] = &pairs[np];
            np++;
            floe_orc__string_pair__init(&pairs[np]);
            pairs[np].key = "iceberg.required";
            pairs[np].value = col->nullable ? "false" : "true";
            pairp[np] = &pairs[np];
            np++;
        }
        for (size_t a = 0; a < w->o.nattrs; a++) {
            if (w->o.attrs[a].column != i) continue;
            floe_orc__string_pair__init(&pairs[np]);
            pairs[np].key = (char *)w->o.attrs[a].key;
            pairs[np].value = (char *)w->o.attrs[a].value;
            pairp[np] = &pairs[np];
            np++;
        }
        t->n_attributes = np - first;
        t->attributes = np > first ? &pairp[first] : NULL;
        typep[i + 1] = t;
    }
    for (size_t i = 0; i <= n && s == FLOE_OK; i++) {
        if (i == 0) s = floe_orc_stats_pb_fill(&pbs[0], &w->root_file, NULL, err);
        else s = floe_orc_stats_pb_fill(&pbs[i], &w->cols[i - 1].st_file, &w->cols[i - 1].type, err);
        statp[i] = &pbs[i].cs;
    }
    if (s != FLOE_OK) goto out;
    for (size_t i = 0; i < w->nstripes; i++) sip[i] = &w->stripes[i];
    for (size_t i = 0; i < w->numeta; i++) ump[i] = &w->umeta[i];
    FloeOrc__Footer f = FLOE_ORC__FOOTER__INIT;
    f.has_header_length = f.has_content_length = f.has_number_of_rows = 1;
    f.header_length = 3;
    f.content_length = floe_output_offset(w->out) - 3;
    f.n_stripes = w->nstripes;
    f.stripes = sip;
    f.n_types = n + 1;
    f.types = typep;
    f.n_metadata = w->numeta;
    f.metadata = ump;
    f.number_of_rows = w->rows;
    f.n_statistics = n + 1;
    f.statistics = statp;
    f.has_row_index_stride = 1;
    f.row_index_stride = w->o.row_index_stride;
    f.has_writer = 1;
    f.writer = FLOE_ORC_WRITER_ID;
    /* No calendar: Apache ORC Java then reads dates and timestamps as the
     * plain epoch days/seconds floe stores (proleptic Gregorian, as Iceberg
     * requires). Marking files PROLEPTIC_GREGORIAN makes ORC Java (and so
     * Iceberg Java, Spark, Trino) rebase days before 1582-10-15 to the
     * Julian calendar: 0001-01-01 read as 0000-12-30. */
    f.software_version = "floe-" FLOE_VERSION;
    /* Metadata (stripe statistics), then footer, compressed. */
    floe_buf tail = FLOE_BUF_INIT;
    s = floe_orc_compress(w->codec, w->metadata.data, w->metadata.len, &tail, NULL, err);
    uint64_t meta_len = tail.len;
    size_t fl = floe_orc__footer__get_packed_size(&f);
    w->scratch.len = 0;
    if (s == FLOE_OK) s = floe_buf_reserve(&w->scratch, fl, err);
    uint64_t footer_len = 0;
    if (s == FLOE_OK) {
        floe_orc__footer__pack(&f, w->scratch.data);
        s = floe_orc_compress(w->codec, w->scratch.data, fl, &tail, NULL, err);
        footer_len = tail.len - meta_len;
    }
    if (s == FLOE_OK) {
        FloeOrc__PostScript ps = FLOE_ORC__POST_SCRIPT__INIT;
        uint32_t version[2] = {0, 12};
        ps.has_footer_length = ps.has_compression = ps.has_compression_block_size =
            ps.has_metadata_length = ps.has_writer_version = 1;
        ps.footer_length = footer_len;
        ps.compression = (FloeOrc__CompressionKind)w->o.codec;
        ps.compression_block_size = w->o.block_size;
        ps.n_version = 2;
        ps.version = version;
        ps.metadata_length = meta_len;
        ps.writer_version = FLOE_ORC_WRITER_VERSION;
        ps.magic = "ORC";
        size_t pl = floe_orc__post_script__get_packed_size(&ps);
        uint8_t psb[256];
        if (pl >= 256) {
            s = floe_err_set(err, FLOE_ERR_STATE, "postscript too large (%zu bytes)", pl);
        } else {
            floe_orc__post_script__pack(&ps, psb);
            psb[pl] = (uint8_t)pl;
            s = floe_buf_append(&tail, psb, pl + 1, err);
        }
    }
    if (s == FLOE_OK) s = floe_output_write(w->out, tail.data, tail.len, err);
    floe_buf_free(&tail);
out:
    if (pbs)
        for (size_t i = 0; i <= n; i++) floe_orc_stats_pb_free(&pbs[i]);
    free(types);
    free(typep);
    free(sub);
    free(names);
    free(pairs);
    free(pairp);
    free(idstr);
    free(pbs);
    free(statp);
    free(sip);
    free(ump);
    if (s != FLOE_OK) w->failed = 1;
    else w->failed = 2; /* closed: no more rows */
    return s;
}
