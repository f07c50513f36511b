/* avro_out.c: Avro container writer; see avro_out.h. */
#define _GNU_SOURCE
#include "avro_out.h"

#include <stdio.h>
#include <string.h>

#include "floe_fs.h"

floe_status floe_avro_put_long(floe_buf *b, int64_t v, floe_err *err) {
    return floe_buf_put_uvarint(b, floe_zigzag_enc(v), err);
}

floe_status floe_avro_put_bool(floe_buf *b, int v, floe_err *err) {
    return floe_buf_put_u8(b, v ? 1 : 0, err);
}

floe_status floe_avro_put_bytes(floe_buf *b, const void *p, size_t n, floe_err *err) {
    FLOE_TRY(floe_avro_put_long(b, (int64_t)n, err));
    return floe_buf_append(b, p, n, err);
}

floe_status floe_avro_put_string(floe_buf *b, const char *s, floe_err *err) {
    return floe_avro_put_bytes(b, s, strlen(s), err);
}

floe_status floe_avro_write_file(const char *path, const char *schema_json,
                                 const char *const *keys, const char *const *values,
                                 size_t nmeta, const floe_buf *records, uint64_t count,
                                 uint64_t *length, floe_err *err) {
    floe_buf f = FLOE_BUF_INIT;
    floe_status s = floe_buf_append(&f, "Obj\x01", 4, err);
    /* metadata map: one block of nmeta + 2 entries, then 0 */
    if (s == FLOE_OK) s = floe_avro_put_long(&f, (int64_t)nmeta + 2, err);
    if (s == FLOE_OK) s = floe_avro_put_string(&f, "avro.schema", err);
    if (s == FLOE_OK) s = floe_avro_put_string(&f, schema_json, err);
    if (s == FLOE_OK) s = floe_avro_put_string(&f, "avro.codec", err);
    if (s == FLOE_OK) s = floe_avro_put_string(&f, "null", err);
    for (size_t i = 0; i < nmeta && s == FLOE_OK; i++) {
        s = floe_avro_put_string(&f, keys[i], err);
        if (s == FLOE_OK) s = floe_avro_put_string(&f, values[i], err);
    }
    if (s == FLOE_OK) s = floe_avro_put_long(&f, 0, err);
    char uuid[33];
    floe_fs_uuid(uuid);
    uint8_t sync[16];
    for (int i = 0; i < 16; i++) {
        unsigned v;
        sscanf(uuid + 2 * i, "%2x", &v);
        sync[i] = (uint8_t)v;
    }
    if (s == FLOE_OK) s = floe_buf_append(&f, sync, 16, err);
    if (s == FLOE_OK && count > 0) {
        s = floe_avro_put_long(&f, (int64_t)count, err);
        if (s == FLOE_OK) s = floe_avro_put_long(&f, (int64_t)records->len, err);
        if (s == FLOE_OK) s = floe_buf_append(&f, records->data, records->len, err);
        if (s == FLOE_OK) s = floe_buf_append(&f, sync, 16, err);
    }
    if (s == FLOE_OK) s = floe_fs_publish(path, f.data, f.len, err);
    if (s == FLOE_OK) *length = f.len;
    floe_buf_free(&f);
    return s;
}
