#define _GNU_SOURCE
#include "floe_fs.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

floe_status floe_fs_mkdirs(const char *path, floe_err *err) {
    char buf[4096];
    size_t n = strlen(path);
    if (n >= sizeof buf) return floe_err_set(err, FLOE_ERR_INVALID, "path too long: %s", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] == '/' || buf[i] == '\0') {
            char c = buf[i];
            buf[i] = '\0';
            if (mkdir(buf, 0755) != 0 && errno != EEXIST)
                return floe_err_set(err, FLOE_ERR_IO, "cannot create directory %s: %s", buf,
                                    strerror(errno));
            buf[i] = c;
        }
    }
    return FLOE_OK;
}

floe_status floe_fs_fsync_dir(const char *dir, floe_err *err) {
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return floe_err_set(err, FLOE_ERR_IO, "cannot open directory %s: %s", dir, strerror(errno));
    int r = fsync(fd);
    int e = errno;
    close(fd);
    if (r != 0) return floe_err_set(err, FLOE_ERR_IO, "fsync of directory %s: %s", dir, strerror(e));
    return FLOE_OK;
}

static floe_status write_tmp(const char *path, const void *data, size_t len, char *tmp,
                             size_t tmpsz, floe_err *err) {
    char uuid[33];
    floe_fs_uuid(uuid);
    char dirbuf[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    const char *dir = dirname(dirbuf);
    if ((size_t)snprintf(tmp, tmpsz, "%s/.tmp-%s", dir, uuid) >= tmpsz)
        return floe_err_set(err, FLOE_ERR_INVALID, "path too long: %s", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) return floe_err_set(err, FLOE_ERR_IO, "cannot create %s: %s", tmp, strerror(errno));
    const char *p = data;
    size_t done = 0;
    while (done < len) {
        ssize_t w = write(fd, p + done, len - done);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return floe_err_set(err, FLOE_ERR_IO, "write %s: %s", tmp, strerror(e));
        }
        done += (size_t)w;
    }
    if (fsync(fd) != 0) {
        int e = errno;
        close(fd);
        unlink(tmp);
        return floe_err_set(err, FLOE_ERR_IO, "fsync %s: %s", tmp, strerror(e));
    }
    if (close(fd) != 0) {
        int e = errno;
        unlink(tmp);
        return floe_err_set(err, FLOE_ERR_IO, "close %s: %s", tmp, strerror(e));
    }
    return FLOE_OK;
}

static floe_status sync_parent(const char *path, floe_err *err) {
    char dirbuf[4096];
    snprintf(dirbuf, sizeof dirbuf, "%s", path);
    return floe_fs_fsync_dir(dirname(dirbuf), err);
}

floe_status floe_fs_publish(const char *path, const void *data, size_t len, floe_err *err) {
    char tmp[4200];
    FLOE_TRY(write_tmp(path, data, len, tmp, sizeof tmp, err));
    if (link(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        if (e == EEXIST) return floe_err_set(err, FLOE_ERR_EXISTS, "%s already exists", path);
        return floe_err_set(err, FLOE_ERR_IO, "cannot link %s: %s", path, strerror(e));
    }
    unlink(tmp);
    return sync_parent(path, err);
}

floe_status floe_fs_replace(const char *path, const void *data, size_t len, floe_err *err) {
    char tmp[4200];
    FLOE_TRY(write_tmp(path, data, len, tmp, sizeof tmp, err));
    if (rename(tmp, path) != 0) {
        int e = errno;
        unlink(tmp);
        return floe_err_set(err, FLOE_ERR_IO, "cannot rename to %s: %s", path, strerror(e));
    }
    return sync_parent(path, err);
}

floe_status floe_fs_read_all(const char *path, size_t max_len, floe_buf *out, floe_err *err) {
    out->len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return floe_err_set(err, errno == ENOENT ? FLOE_ERR_NOT_FOUND : FLOE_ERR_IO,
                            "cannot open %s: %s", path, strerror(errno));
    floe_status s = FLOE_OK;
    for (;;) {
        if ((s = floe_buf_reserve(out, 65536, err)) != FLOE_OK) break;
        ssize_t r = read(fd, out->data + out->len, out->cap - out->len - 1);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            s = floe_err_set(err, FLOE_ERR_IO, "read %s: %s", path, strerror(errno));
            break;
        }
        if (r == 0) break;
        out->len += (size_t)r;
        if (out->len > max_len) {
            s = floe_err_set(err, FLOE_ERR_LIMIT, "%s is larger than %zu bytes", path, max_len);
            break;
        }
    }
    close(fd);
    if (s == FLOE_OK) out->data[out->len] = '\0';
    return s;
}

floe_status floe_fs_read_json(const char *path, size_t max_len, json_t **out, floe_err *err) {
    *out = NULL;
    floe_buf b = FLOE_BUF_INIT;
    floe_status s = floe_fs_read_all(path, max_len, &b, err);
    if (s == FLOE_OK) {
        json_error_t je;
        *out = json_loadb((const char *)b.data, b.len, JSON_ALLOW_NUL, &je);
        if (!*out)
            s = floe_err_set(err, FLOE_ERR_CORRUPT, "%s: not valid JSON (line %d: %s)", path,
                             je.line, je.text);
    }
    floe_buf_free(&b);
    return s;
}

int floe_fs_exists(const char *path) {
    struct stat st;
    return stat(path, &st) == 0;
}

floe_status floe_fs_size(const char *path, uint64_t *size, floe_err *err) {
    struct stat st;
    if (stat(path, &st) != 0)
        return floe_err_set(err, errno == ENOENT ? FLOE_ERR_NOT_FOUND : FLOE_ERR_IO,
                            "cannot stat %s: %s", path, strerror(errno));
    *size = (uint64_t)st.st_size;
    return FLOE_OK;
}

void floe_fs_uuid(char out[33]) {
    uint8_t b[16];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t r = getrandom(b + got, sizeof b - got, 0);
        if (r <= 0) {
            /* fall back to time and address entropy; uniqueness, not secrecy */
            uint64_t t = (uint64_t)floe_now_ms() ^ (uint64_t)(uintptr_t)out ^ ((uint64_t)getpid() << 32);
            for (size_t i = got; i < sizeof b; i++) b[i] = (uint8_t)(t >> (8 * (i % 8)));
            break;
        }
        got += (size_t)r;
    }
    static const char hex[] = "0123456789abcdef";
    for (int i = 0; i < 16; i++) {
        out[2 * i] = hex[b[i] >> 4];
        out[2 * i + 1] = hex[b[i] & 15];
    }
    out[32] = '\0';
}

int64_t floe_now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
