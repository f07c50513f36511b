/*
 * avro_out.h: writes Avro object container files with a schema kept
 * byte for byte.
 *
 * Iceberg readers find field ids (`field-id`, `element-id`) in the Avro
 * schema JSON of manifests and manifest lists; Avro C re-serialises a
 * schema and drops them, so floe writes the container itself: the magic
 * "Obj\x01", a metadata map holding `avro.schema` (the caller's JSON,
 * verbatim), `avro.codec` = "null" and the caller's keys, a 16-byte sync
 * marker, then one block (record count, byte size, records, sync). Records
 * are encoded by the caller with the floe_avro_put_* helpers (Avro binary
 * encoding: zigzag varints for int/long, length-prefixed strings/bytes,
 * union branch index as a long, arrays as counted blocks ending in 0).
 *
 * Errors: I/O errors name the file; FLOE_ERR_EXISTS when the file exists
 * (files are published create-if-absent).
 * Thread-safety: reentrant.
 */
#ifndef FLOE_AVRO_OUT_H
#define FLOE_AVRO_OUT_H

#include <stddef.h>
#include <stdint.h>

#include "floe_buf.h"
#include "floe_status.h"

floe_status floe_avro_put_long(floe_buf *b, int64_t v, floe_err *err);
static inline floe_status floe_avro_put_int(floe_buf *b, int32_t v, floe_err *err) {
    return floe_avro_put_long(b, v, err);
}
floe_status floe_avro_put_bool(floe_buf *b, int v, floe_err *err);
floe_status floe_avro_put_bytes(floe_buf *b, const void *p, size_t n, floe_err *err);
floe_status floe_avro_put_string(floe_buf *b, const char *s, floe_err *err);

/* Write path with the schema and metadata (keys[i] -> values[i]) and the
 * already-encoded records (count of them). *length = the file's size. */
floe_status floe_avro_write_file(const char *path, const char *schema_json,
                                 const char *const *keys, const char *const *values,
                                 size_t nmeta, const floe_buf *records, uint64_t count,
                                 uint64_t *length, floe_err *err);

#endif
