/*
 * floe_fs.h: the few filesystem operations floe's commit protocols rely on.
 *
 * floe_fs_publish is the atomic create-if-absent of a whole file: the bytes
 * go to a temporary file beside the target, are fsynced, and are linked to
 * the target name with link(2), which fails with EEXIST instead of
 * replacing an existing file; the temporary name is then removed and the
 * directory fsynced. A crash leaves either no target or the complete
 * target (plus, at worst, a stray temporary file that clean-up removes).
 * floe_fs_replace is for hints that may be overwritten (rename(2)).
 *
 * Errors: FLOE_ERR_EXISTS when publish finds the target present,
 * FLOE_ERR_NOT_FOUND for a missing file, FLOE_ERR_IO otherwise, with the
 * path and errno text.
 * Thread-safety: reentrant; the file system serialises racing publishers.
 */
#ifndef FLOE_FS_H
#define FLOE_FS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "floe_buf.h"
#include "floe_status.h"

floe_status floe_fs_mkdirs(const char *path, floe_err *err);
floe_status floe_fs_publish(const char *path, const void *data, size_t len, floe_err *err);
floe_status floe_fs_replace(const char *path, const void *data, size_t len, floe_err *err);
/* Read a whole file (at most max_len bytes, else FLOE_ERR_LIMIT) into out,
 * NUL-terminated (the NUL is not counted in out->len). */
floe_status floe_fs_read_all(const char *path, size_t max_len, floe_buf *out, floe_err *err);
/* Read a whole file as JSON into *out (the caller's reference). Errors as
 * floe_fs_read_all, and FLOE_ERR_CORRUPT "PATH: not valid JSON (line N:
 * what)" when it does not parse. */
floe_status floe_fs_read_json(const char *path, size_t max_len, json_t **out, floe_err *err);
int floe_fs_exists(const char *path);
floe_status floe_fs_fsync_dir(const char *dir, floe_err *err);
/* Size of a file, or FLOE_ERR_NOT_FOUND. */
floe_status floe_fs_size(const char *path, uint64_t *size, floe_err *err);
/* 32 lowercase hex characters from the kernel's random source, + NUL. */
void floe_fs_uuid(char out[33]);
/* Milliseconds since the epoch. */
int64_t floe_now_ms(void);

#endif
