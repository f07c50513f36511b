/*
 * floe_io.h: the small I/O interface all format code goes through.
 *
 * floe_input is random-access read-only bytes (a file, or memory for tests
 * and fuzzing); floe_output is an append-only byte sink (a file, or memory).
 * Format code never calls open/read/write itself, so it runs in memory in
 * tests, and I/O faults can be injected at any call (floe_io_fault_at).
 *
 * Ownership: open functions return a new object the caller destroys with
 * floe_input_close / floe_output_destroy (NULL is a no-op). A memory input
 * does not copy its bytes: they must outlive the input.
 * Errors: FLOE_ERR_IO with the path and errno text; floe_input_read returns
 * FLOE_ERR_TRUNCATED when the range reaches past the end.
 * Thread-safety: one object, one thread. Inputs use pread, so distinct
 * inputs on one file are independent.
 */
#ifndef FLOE_IO_H
#define FLOE_IO_H

#include <stddef.h>
#include <stdint.h>

#include "floe_status.h"

typedef struct floe_input floe_input;
typedef struct floe_output floe_output;

floe_status floe_input_open_file(const char *path, floe_input **out, floe_err *err);
floe_status floe_input_open_mem(const void *data, size_t len, const char *name,
                                floe_input **out, floe_err *err);
uint64_t floe_input_size(const floe_input *in);
/* The path or name given at open; valid while the input is open. */
const char *floe_input_name(const floe_input *in);
/* Read exactly len bytes at off. */
floe_status floe_input_read(floe_input *in, uint64_t off, void *buf, size_t len,
                            floe_err *err);
void floe_input_close(floe_input *in);

/* Create (truncating) a file. Data is buffered; floe_output_finish flushes,
 * fsyncs when `durable` and closes the descriptor. */
floe_status floe_output_open_file(const char *path, floe_output **out, floe_err *err);
floe_status floe_output_open_mem(floe_output **out, floe_err *err);
floe_status floe_output_write(floe_output *o, const void *p, size_t n, floe_err *err);
/* Bytes written so far (the offset of the next byte). */
uint64_t floe_output_offset(const floe_output *o);
floe_status floe_output_finish(floe_output *o, int durable, floe_err *err);
/* Memory output only: the bytes written; valid until destroy. */
const uint8_t *floe_output_mem_data(const floe_output *o, size_t *len);
const char *floe_output_name(const floe_output *o);
void floe_output_destroy(floe_output *o);

/* Test hook: make the n-th I/O call from now fail with FLOE_ERR_IO
 * (n = 0 disables). Counts input reads and output writes/finishes. */
void floe_io_fault_at(long n);

#endif
