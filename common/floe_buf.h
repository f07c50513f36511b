/*
 * floe_buf.h: a growable byte buffer, the workhorse of every encoder.
 *
 * Ownership: the buffer owns `data`; floe_buf_free releases it and leaves
 * an empty buffer that can be reused. Pointers into `data` are valid only
 * until the next call that may grow the buffer.
 * Errors: the append functions return FLOE_ERR_NOMEM (and set the message)
 * when memory runs out; the buffer keeps its old contents then.
 * Thread-safety: none; one buffer, one thread.
 */
#ifndef FLOE_BUF_H
#define FLOE_BUF_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "floe_status.h"

typedef struct floe_buf {
    uint8_t *data;
    size_t len;
    size_t cap;
} floe_buf;

#define FLOE_BUF_INIT {NULL, 0, 0}

void floe_buf_free(floe_buf *b);
static inline void floe_buf_reset(floe_buf *b) { b->len = 0; }
/* Grow the buffer to room for `extra` more bytes (the slow half of
 * floe_buf_reserve). */
floe_status floe_buf_grow(floe_buf *b, size_t extra, floe_err *err);
/* Ensure room for `extra` more bytes. Inline: encoders call these per
 * value, and the room is nearly always there. */
static inline floe_status floe_buf_reserve(floe_buf *b, size_t extra, floe_err *err) {
    if (extra <= b->cap - b->len) return FLOE_OK;
    return floe_buf_grow(b, extra, err);
}
static inline floe_status floe_buf_append(floe_buf *b, const void *p, size_t n, floe_err *err) {
    if (n == 0) return FLOE_OK;
    if (n > b->cap - b->len) {
        floe_status s = floe_buf_grow(b, n, err);
        if (s != FLOE_OK) return s;
    }
    memcpy(b->data + b->len, p, n);
    b->len += n;
    return FLOE_OK;
}
floe_status floe_buf_put_u8(floe_buf *b, uint8_t v, floe_err *err);
/* Base-128 varints as in protobuf and ORC (unsigned and zigzag signed). */
floe_status floe_buf_put_uvarint(floe_buf *b, uint64_t v, floe_err *err);
floe_status floe_buf_put_svarint(floe_buf *b, int64_t v, floe_err *err);

static inline uint64_t floe_zigzag_enc(int64_t v) {
    return ((uint64_t)v << 1) ^ (uint64_t)(v >> 63);
}
static inline int64_t floe_zigzag_dec(uint64_t v) {
    return (int64_t)(v >> 1) ^ -(int64_t)(v & 1);
}

#endif
