/*
 * orc_compress.h: ORC's chunked stream compression (spec "Compression").
 *
 * A compressed ORC stream is a sequence of chunks, each with a 3-byte
 * little-endian header holding (length << 1) | is_original, followed by
 * `length` bytes that are either the codec's output or, when compressing
 * did not make the chunk smaller, the original bytes. Every chunk
 * decompresses to at most the file's compression block size. Codecs: ZLIB
 * is raw deflate (no zlib header), LZ4 a raw LZ4 block, ZSTD a complete
 * zstd frame. With NONE there are no chunk headers at all.
 *
 * Ownership: outputs are appended to caller-owned floe_bufs.
 * Errors: decompression of outside bytes returns FLOE_ERR_TRUNCATED or
 * FLOE_ERR_CORRUPT with the offset of the bad chunk, FLOE_ERR_UNSUPPORTED
 * for codecs floe does not implement (SNAPPY, LZO, BROTLI) and
 * FLOE_ERR_LIMIT when the output would exceed the caller's limit.
 * Thread-safety: a floe_orc_codec_ctx is used by one thread at a time.
 */
#ifndef FLOE_ORC_COMPRESS_H
#define FLOE_ORC_COMPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "floe_buf.h"
#include "floe_status.h"

typedef enum floe_orc_codec {
    FLOE_ORC_NONE = 0,
    FLOE_ORC_ZLIB = 1,
    FLOE_ORC_SNAPPY = 2,
    FLOE_ORC_LZO = 3,
    FLOE_ORC_LZ4 = 4,
    FLOE_ORC_ZSTD = 5,
    FLOE_ORC_BROTLI = 6,
} floe_orc_codec;

#define FLOE_ORC_DEFAULT_BLOCK_SIZE (256 * 1024)
/* Largest block size a reader accepts (the header holds 23 bits). */
#define FLOE_ORC_MAX_BLOCK_SIZE ((1u << 23) - 1)

const char *floe_orc_codec_name(floe_orc_codec c); /* "ZSTD"... */
/* Parse "zstd|lz4|zlib|none" (case-insensitive); -1 when unknown. */
int floe_orc_codec_parse(const char *name);

typedef struct floe_orc_codec_ctx floe_orc_codec_ctx;

/* level: codec level (ZSTD 1..19, ZLIB 1..9, LZ4 ignored), 0 = default. */
floe_status floe_orc_codec_ctx_new(floe_orc_codec codec, int level, size_t block_size,
                                   floe_orc_codec_ctx **out, floe_err *err);
void floe_orc_codec_ctx_destroy(floe_orc_codec_ctx *c);
floe_orc_codec floe_orc_codec_ctx_codec(const floe_orc_codec_ctx *c);
size_t floe_orc_codec_ctx_block_size(const floe_orc_codec_ctx *c);

/* Compress `len` bytes as a sequence of chunks of block_size input bytes,
 * appending to out. When chunk_starts is not NULL, chunk_starts[i] receives
 * the offset in `out` (relative to its length at entry) of chunk i, which
 * holds input bytes [i*block_size, (i+1)*block_size): row index positions
 * are derived from it. It must have room for ceil(len/block_size) entries. */
floe_status floe_orc_compress(floe_orc_codec_ctx *c, const uint8_t *in, size_t len,
                              floe_buf *out, uint64_t *chunk_starts, floe_err *err);

/* Decompress a whole stream, appending to out. chunk_map (optional) gets,
 * per chunk, pairs (compressed offset, decompressed offset) so positions
 * can be translated; it is reset first. limit caps the decompressed size. */
typedef struct floe_orc_chunk_map {
    uint64_t *comp_off;
    uint64_t *raw_off;
    size_t n, cap;
} floe_orc_chunk_map;
void floe_orc_chunk_map_free(floe_orc_chunk_map *m);

floe_status floe_orc_decompress(floe_orc_codec_ctx *c, const uint8_t *in, size_t len,
                                floe_buf *out, uint64_t limit, floe_orc_chunk_map *map,
                                floe_err *err);

#endif
