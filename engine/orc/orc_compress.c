/* orc_compress.c: ORC chunked compression; see orc_compress.h. */
#define _GNU_SOURCE
#include "orc_compress.h"

#include <lz4.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <zlib.h>
#include <zstd.h>

struct floe_orc_codec_ctx {
    floe_orc_codec codec;
    int level;
    size_t block_size;
    ZSTD_CCtx *zc;
    ZSTD_DCtx *zd;
    z_stream def, inf;
    int def_ready, inf_ready;
    floe_buf scratch;
};

const char *floe_orc_codec_name(floe_orc_codec c) {
    switch (c) {
    case FLOE_ORC_NONE: return "NONE";
    case FLOE_ORC_ZLIB: return "ZLIB";
    case FLOE_ORC_SNAPPY: return "SNAPPY";
    case FLOE_ORC_LZO: return "LZO";
    case FLOE_ORC_LZ4: return "LZ4";
    case FLOE_ORC_ZSTD: return "ZSTD";
    case FLOE_ORC_BROTLI: return "BROTLI";
    }
    return "UNKNOWN";
}

int floe_orc_codec_parse(const char *name) {
    static const struct {
        const char *n;
        floe_orc_codec c;
    } t[] = {{"none", FLOE_ORC_NONE}, {"zlib", FLOE_ORC_ZLIB},
             {"lz4", FLOE_ORC_LZ4},   {"zstd", FLOE_ORC_ZSTD}};
    for (size_t i = 0; i < sizeof t / sizeof t[0]; i++)
        if (strcasecmp(name, t[i].n) == 0) return (int)t[i].c;
    return -1;
}

floe_status floe_orc_codec_ctx_new(floe_orc_codec codec, int level, size_t block_size,
                                   floe_orc_codec_ctx **out, floe_err *err) {
    *out = NULL;
    if (codec != FLOE_ORC_NONE && codec != FLOE_ORC_ZLIB && codec != FLOE_ORC_LZ4 &&
        codec != FLOE_ORC_ZSTD)
        return floe_err_set(err, FLOE_ERR_UNSUPPORTED, "compression %s is not supported",
                            floe_orc_codec_name(codec));
    if (block_size == 0 || block_size > FLOE_ORC_MAX_BLOCK_SIZE)
        return floe_err_set(err, FLOE_ERR_INVALID, "compression block size %zu out of range",
                            block_size);
    floe_orc_codec_ctx *c = calloc(1, sizeof *c);
    if (!c) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    c->codec = codec;
    c->block_size = block_size;
    c->level = level;
    *out = c;
    return FLOE_OK;
}

void floe_orc_codec_ctx_destroy(floe_orc_codec_ctx *c) {
    if (!c) return;
    ZSTD_freeCCtx(c->zc);
    ZSTD_freeDCtx(c->zd);
    if (c->def_ready) deflateEnd(&c->def);
    if (c->inf_ready) inflateEnd(&c->inf);
    floe_buf_free(&c->scratch);
    free(c);
}

floe_orc_codec floe_orc_codec_ctx_codec(const floe_orc_codec_ctx *c) { return c->codec; }
size_t floe_orc_codec_ctx_block_size(const floe_orc_codec_ctx *c) { return c->block_size; }

/* Compress one chunk into dst (capacity cap). Returns the compressed size,
 * or 0 when it does not fit / does not shrink (store the original then). */
static size_t compress_chunk(floe_orc_codec_ctx *c, const uint8_t *in, size_t len,
                             uint8_t *dst, size_t cap) {
    switch (c->codec) {
    case FLOE_ORC_ZSTD: {
        if (!c->zc && !(c->zc = ZSTD_createCCtx())) return 0;
        size_t r = ZSTD_compressCCtx(c->zc, dst, cap, in, len, c->level ? c->level : 1);
        return ZSTD_isError(r) ? 0 : r;
    }
    case FLOE_ORC_LZ4: {
        int r = LZ4_compress_default((const char *)in, (char *)dst, (int)len, (int)cap);
        return r > 0 ? (size_t)r : 0;
    }
    case FLOE_ORC_ZLIB: {
        if (!c->def_ready) {
            memset(&c->def, 0, sizeof c->def);
            if (deflateInit2(&c->def, c->level ? c->level : Z_DEFAULT_COMPRESSION, Z_DEFLATED,
                             -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return 0;
            c->def_ready = 1;
        } else if (deflateReset(&c->def) != Z_OK) {
            return 0;
        }
        c->def.next_in = (Bytef *)in;
        c->def.avail_in = (uInt)len;
        c->def.next_out = dst;
        c->def.avail_out = (uInt)cap;
        int r = deflate(&c->def, Z_FINISH);
        return r == Z_STREAM_END ? cap - c->def.avail_out : 0;
    }
    default: return 0;
    }
}

floe_status floe_orc_compress(floe_orc_codec_ctx *c, const uint8_t *in, size_t len,
                              floe_buf *out, uint64_t *chunk_starts, floe_err *err) {
    if (c->codec == FLOE_ORC_NONE) {
        if (chunk_starts) {
            size_t nchunks = (len + c->block_size - 1) / c->block_size;
            for (size_t i = 0; i < nchunks; i++) chunk_starts[i] = i * c->block_size;
        }
        return floe_buf_append(out, in, len, err);
    }
    size_t base = out->len;
    for (size_t off = 0, i = 0; off < len; off += c->block_size, i++) {
        size_t n = len - off < c->block_size ? len - off : c->block_size;
        if (chunk_starts) chunk_starts[i] = out->len - base;
        /* Room for header + original: compressed output is only kept when
         * strictly smaller than the original. */
        FLOE_TRY(floe_buf_reserve(out, 3 + n, err));
        uint8_t *hdr = out->data + out->len;
        size_t clen = compress_chunk(c, in + off, n, hdr + 3, n - 1 > 0 ? n - 1 : 0);
        uint32_t h;
        if (clen > 0 && clen < n) {
            h = (uint32_t)clen << 1;
        } else {
            memcpy(hdr + 3, in + off, n);
            clen = n;
            h = ((uint32_t)n << 1) | 1u;
        }
        hdr[0] = (uint8_t)h;
        hdr[1] = (uint8_t)(h >> 8);
        hdr[2] = (uint8_t)(h >> 16);
        out->len += 3 + clen;
    }
    return FLOE_OK;
}

void floe_orc_chunk_map_free(floe_orc_chunk_map *m) {
    free(m->comp_off);
    free(m->raw_off);
    memset(m, 0, sizeof *m);
}

static floe_status map_add(floe_orc_chunk_map *m, uint64_t comp, uint64_t raw, floe_err *err) {
    if (m->n == m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 16;
        uint64_t *a = realloc(m->comp_off, cap * sizeof *a);
        if (!a) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        m->comp_off = a;
        uint64_t *b = realloc(m->raw_off, cap * sizeof *b);
        if (!b) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        m->raw_off = b;
        m->cap = cap;
    }
    m->comp_off[m->n] = comp;
    m->raw_off[m->n] = raw;
    m->n++;
    return FLOE_OK;
}

static floe_status decompress_chunk(floe_orc_codec_ctx *c, const uint8_t *in, size_t len,
                                    uint8_t *dst, size_t cap, size_t *got, size_t at,
                                    floe_err *err) {
    switch (c->codec) {
    case FLOE_ORC_ZSTD: {
        if (!c->zd && !(c->zd = ZSTD_createDCtx()))
            return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        size_t r = ZSTD_decompressDCtx(c->zd, dst, cap, in, len);
        if (ZSTD_isError(r))
            return floe_err_set(err, FLOE_ERR_CORRUPT,
                                "ZSTD chunk at stream offset %zu does not decompress "
                                "into the %zu-byte block size: %s",
                                at, cap, ZSTD_getErrorName(r));
        *got = r;
        return FLOE_OK;
    }
    case FLOE_ORC_LZ4: {
        int r = LZ4_decompress_safe((const char *)in, (char *)dst, (int)len, (int)cap);
        if (r < 0)
            return floe_err_set(err, FLOE_ERR_CORRUPT,
                                "LZ4 chunk at stream offset %zu is corrupt or exceeds the "
                                "%zu-byte block size",
                                at, cap);
        *got = (size_t)r;
        return FLOE_OK;
    }
    case FLOE_ORC_ZLIB: {
        if (!c->inf_ready) {
            memset(&c->inf, 0, sizeof c->inf);
            if (inflateInit2(&c->inf, -15) != Z_OK)
                return floe_err_set(err, FLOE_ERR_NOMEM, "cannot initialise inflate");
            c->inf_ready = 1;
        } else if (inflateReset(&c->inf) != Z_OK) {
            return floe_err_set(err, FLOE_ERR_NOMEM, "cannot reset inflate");
        }
        c->inf.next_in = (Bytef *)in;
        c->inf.avail_in = (uInt)len;
        c->inf.next_out = dst;
        c->inf.avail_out = (uInt)cap;
        int r = inflate(&c->inf, Z_FINISH);
        if (r != Z_STREAM_END)
            return floe_err_set(err, FLOE_ERR_CORRUPT,
                                "ZLIB chunk at stream offset %zu is corrupt or exceeds the "
                                "%zu-byte block size (zlib %d)",
                                at, cap, r);
        *got = cap - c->inf.avail_out;
        return FLOE_OK;
    }
    default:
        return floe_err_set(err, FLOE_ERR_UNSUPPORTED, "compression %s is not supported",
                            floe_orc_codec_name(c->codec));
    }
}

floe_status floe_orc_decompress(floe_orc_codec_ctx *c, const uint8_t *in, size_t len,
                                floe_buf *out, uint64_t limit, floe_orc_chunk_map *map,
                                floe_err *err) {
    if (map) map->n = 0;
    size_t start = out->len;
    if (c->codec == FLOE_ORC_NONE) {
        if (len > limit)
            return floe_err_set(err, FLOE_ERR_LIMIT, "stream of %zu bytes exceeds the limit",
                                len);
        if (map) FLOE_TRY(map_add(map, 0, 0, err));
        return floe_buf_append(out, in, len, err);
    }
    size_t off = 0;
    while (off < len) {
        if (len - off < 3)
            return floe_err_set(err, FLOE_ERR_TRUNCATED,
                                "chunk header at stream offset %zu is cut off", off);
        uint32_t h = (uint32_t)in[off] | ((uint32_t)in[off + 1] << 8) |
                     ((uint32_t)in[off + 2] << 16);
        size_t clen = h >> 1;
        int original = h & 1;
        if (clen > len - off - 3)
            return floe_err_set(err, FLOE_ERR_TRUNCATED,
                                "chunk at stream offset %zu claims %zu bytes, %zu remain", off,
                                clen, len - off - 3);
        if (map) FLOE_TRY(map_add(map, off, out->len - start, err));
        size_t cap = original ? clen : c->block_size;
        if (original && clen > c->block_size)
            return floe_err_set(err, FLOE_ERR_CORRUPT,
                                "original chunk at stream offset %zu is larger (%zu) than the "
                                "block size %zu",
                                off, clen, c->block_size);
        if (out->len - start + cap > limit) {
            /* Only an error if the data really grows past the limit. */
            cap = (size_t)(limit - (out->len - start));
        }
        size_t got = 0;
        if (original) {
            if (clen > cap)
                return floe_err_set(err, FLOE_ERR_LIMIT,
                                    "decompressed stream exceeds the limit of %llu bytes",
                                    (unsigned long long)limit);
            FLOE_TRY(floe_buf_append(out, in + off + 3, clen, err));
        } else if (c->codec == FLOE_ORC_ZSTD &&
                   ZSTD_getFrameContentSize(in + off + 3, clen) <= cap) {
            /* ZSTD frames state their size: decompress in place, exactly */
            unsigned long long fsz = ZSTD_getFrameContentSize(in + off + 3, clen);
            FLOE_TRY(floe_buf_reserve(out, (size_t)fsz + 1, err));
            FLOE_TRY(decompress_chunk(c, in + off + 3, clen, out->data + out->len, (size_t)fsz, &got,
                                      off, err));
            out->len += got;
        } else {
            /* Decompress into the context's block-sized scratch and append
             * only what came out: reserving a whole block per chunk in
             * every stream would make small files cost 256 KiB a stream. */
            c->scratch.len = 0;
            FLOE_TRY(floe_buf_reserve(&c->scratch, cap ? cap : 1, err));
            floe_status s =
                decompress_chunk(c, in + off + 3, clen, c->scratch.data, cap, &got, off, err);
            if (s != FLOE_OK) {
                if (cap < c->block_size)
                    return floe_err_set(err, FLOE_ERR_LIMIT,
                                        "decompressed stream exceeds the limit of %llu bytes "
                                        "(or chunk at offset %zu is corrupt)",
                                        (unsigned long long)limit, off);
                return s;
            }
            FLOE_TRY(floe_buf_append(out, c->scratch.data, got, err));
        }
        off += 3 + clen;
    }
    return FLOE_OK;
}
