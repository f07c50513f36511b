#include "floe_buf.h"

#include <stdlib.h>
#include <string.h>

void floe_buf_free(floe_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

floe_status floe_buf_grow(floe_buf *b, size_t extra, floe_err *err) {
    if (extra <= b->cap - b->len) return FLOE_OK;
    if (extra > SIZE_MAX / 2 - b->len)
        return floe_err_set(err, FLOE_ERR_NOMEM, "buffer size overflow");
    size_t need = b->len + extra;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < need) cap *= 2;
    uint8_t *p = realloc(b->data, cap);
    if (!p)
        return floe_err_set(err, FLOE_ERR_NOMEM,
                            "out of memory growing a buffer to %zu bytes", cap);
    b->data = p;
    b->cap = cap;
    return FLOE_OK;
}

floe_status floe_buf_put_u8(floe_buf *b, uint8_t v, floe_err *err) {
    FLOE_TRY(floe_buf_reserve(b, 1, err));
    b->data[b->len++] = v;
    return FLOE_OK;
}

floe_status floe_buf_put_uvarint(floe_buf *b, uint64_t v, floe_err *err) {
    FLOE_TRY(floe_buf_reserve(b, 10, err));
    while (v >= 0x80) {
        b->data[b->len++] = (uint8_t)(v | 0x80);
        v >>= 7;
    }
    b->data[b->len++] = (uint8_t)v;
    return FLOE_OK;
}

floe_status floe_buf_put_svarint(floe_buf *b, int64_t v, floe_err *err) {
    return floe_buf_put_uvarint(b, floe_zigzag_enc(v), err);
}
