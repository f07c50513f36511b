#define _GNU_SOURCE
#include "floe_io.h"

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "floe_buf.h"

#define FLOE_OUTPUT_FLUSH (1u << 20)

static atomic_long fault_countdown = 0;

void floe_io_fault_at(long n) { atomic_store(&fault_countdown, n); }

static int fault_now(void) {
    long v = atomic_load(&fault_countdown);
    if (v <= 0) return 0;
    return atomic_fetch_sub(&fault_countdown, 1) == 1;
}

struct floe_input {
    int fd; /* -1 for memory */
    const uint8_t *mem;
    uint64_t size;
    char *name;
};

struct floe_output {
    int fd; /* -1 for memory */
    floe_buf buf;
    uint64_t flushed;
    int failed;
    char *name;
};

floe_status floe_input_open_file(const char *path, floe_input **out, floe_err *err) {
    *out = NULL;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return floe_err_set(err, errno == ENOENT ? FLOE_ERR_NOT_FOUND : FLOE_ERR_IO,
                            "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) != 0) {
        int e = errno;
        close(fd);
        return floe_err_set(err, FLOE_ERR_IO, "cannot stat %s: %s", path, strerror(e));
    }
    floe_input *in = calloc(1, sizeof *in);
    char *name = strdup(path);
    if (!in || !name) {
        free(in);
        free(name);
        close(fd);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory opening %s", path);
    }
    in->fd = fd;
    in->size = (uint64_t)st.st_size;
    in->name = name;
    *out = in;
    return FLOE_OK;
}

floe_status floe_input_open_mem(const void *data, size_t len, const char *name,
                                floe_input **out, floe_err *err) {
    *out = NULL;
    floe_input *in = calloc(1, sizeof *in);
    char *n = strdup(name ? name : "<memory>");
    if (!in || !n) {
        free(in);
        free(n);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    in->fd = -1;
    in->mem = data;
    in->size = len;
    in->name = n;
    *out = in;
    return FLOE_OK;
}

uint64_t floe_input_size(const floe_input *in) { return in->size; }
const char *floe_input_name(const floe_input *in) { return in->name; }

floe_status floe_input_read(floe_input *in, uint64_t off, void *buf, size_t len,
                            floe_err *err) {
    if (off > in->size || len > in->size - off)
        return floe_err_set(err, FLOE_ERR_TRUNCATED,
                            "%s: read of %zu bytes at offset %llu passes the end "
                            "(size %llu)",
                            in->name, len, (unsigned long long)off,
                            (unsigned long long)in->size);
    if (fault_now())
        return floe_err_set(err, FLOE_ERR_IO, "%s: injected read fault at offset %llu",
                            in->name, (unsigned long long)off);
    if (in->fd < 0) {
        if (len) memcpy(buf, in->mem + off, len);
        return FLOE_OK;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t r = pread(in->fd, (char *)buf + done, len - done, (off_t)(off + done));
        if (r < 0 && errno == EINTR) continue;
        if (r < 0)
            return floe_err_set(err, FLOE_ERR_IO, "%s: read at offset %llu: %s", in->name,
                                (unsigned long long)(off + done), strerror(errno));
        if (r == 0)
            return floe_err_set(err, FLOE_ERR_TRUNCATED,
                                "%s: file shrank while reading at offset %llu", in->name,
                                (unsigned long long)(off + done));
        done += (size_t)r;
    }
    return FLOE_OK;
}

void floe_input_close(floe_input *in) {
    if (!in) return;
    if (in->fd >= 0) close(in->fd);
    free(in->name);
    free(in);
}

static floe_status output_new(int fd, const char *name, floe_output **out, floe_err *err) {
    floe_output *o = calloc(1, sizeof *o);
    char *n = strdup(name);
    if (!o || !n) {
        free(o);
        free(n);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    o->fd = fd;
    o->name = n;
    *out = o;
    return FLOE_OK;
}

floe_status floe_output_open_file(const char *path, floe_output **out, floe_err *err) {
    *out = NULL;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return floe_err_set(err, FLOE_ERR_IO, "cannot create %s: %s", path, strerror(errno));
    floe_status s = output_new(fd, path, out, err);
    if (s != FLOE_OK) close(fd);
    return s;
}

floe_status floe_output_open_mem(floe_output **out, floe_err *err) {
    *out = NULL;
    return output_new(-1, "<memory>", out, err);
}

/* Write p[0..n) at the file's current end (offset o->flushed). */
static floe_status output_write_all(floe_output *o, const uint8_t *p, size_t n, floe_err *err) {
    size_t done = 0;
    while (done < n) {
        ssize_t w = write(o->fd, p + done, n - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            o->failed = 1;
            return floe_err_set(err, FLOE_ERR_IO, "%s: write at offset %llu: %s", o->name,
                                (unsigned long long)(o->flushed + done), strerror(errno));
        }
        done += (size_t)w;
    }
    o->flushed += n;
    return FLOE_OK;
}

static floe_status output_flush(floe_output *o, floe_err *err) {
    FLOE_TRY(output_write_all(o, o->buf.data, o->buf.len, err));
    o->buf.len = 0;
    return FLOE_OK;
}

floe_status floe_output_write(floe_output *o, const void *p, size_t n, floe_err *err) {
    if (o->failed)
        return floe_err_set(err, FLOE_ERR_STATE, "%s: output failed earlier", o->name);
    if (fault_now()) {
        o->failed = 1;
        return floe_err_set(err, FLOE_ERR_IO, "%s: injected write fault", o->name);
    }
    if (o->fd >= 0 && n >= FLOE_OUTPUT_FLUSH) {
        /* a large write (an ORC stripe) goes out without a copy */
        if (o->buf.len) FLOE_TRY(output_flush(o, err));
        return output_write_all(o, p, n, err);
    }
    floe_status s = floe_buf_append(&o->buf, p, n, err);
    if (s != FLOE_OK) {
        o->failed = 1;
        return s;
    }
    if (o->fd >= 0 && o->buf.len >= FLOE_OUTPUT_FLUSH) return output_flush(o, err);
    return FLOE_OK;
}

uint64_t floe_output_offset(const floe_output *o) { return o->flushed + o->buf.len; }
const char *floe_output_name(const floe_output *o) { return o->name; }

floe_status floe_output_finish(floe_output *o, int durable, floe_err *err) {
    if (o->failed)
        return floe_err_set(err, FLOE_ERR_STATE, "%s: output failed earlier", o->name);
    if (o->fd < 0) return FLOE_OK;
    if (fault_now()) {
        o->failed = 1;
        return floe_err_set(err, FLOE_ERR_IO, "%s: injected fault at finish", o->name);
    }
    FLOE_TRY(output_flush(o, err));
    if (durable && fsync(o->fd) != 0) {
        o->failed = 1;
        return floe_err_set(err, FLOE_ERR_IO, "%s: fsync: %s", o->name, strerror(errno));
    }
    int fd = o->fd;
    o->fd = -2; /* finished file */
    if (close(fd) != 0)
        return floe_err_set(err, FLOE_ERR_IO, "%s: close: %s", o->name, strerror(errno));
    return FLOE_OK;
}

const uint8_t *floe_output_mem_data(const floe_output *o, size_t *len) {
    *len = o->buf.len;
    return o->buf.data;
}

void floe_output_destroy(floe_output *o) {
    if (!o) return;
    if (o->fd >= 0) close(o->fd);
    floe_buf_free(&o->buf);
    free(o->name);
    free(o);
}
