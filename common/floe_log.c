#define _POSIX_C_SOURCE 200809L
#include "floe_log.h"

#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

static atomic_int log_level = -1;

int floe_log_level_parse(const char *name) {
    static const char *const names[] = {"error", "warn", "info", "debug"};
    for (int i = 0; i < 4; i++)
        if (name && strcasecmp(name, names[i]) == 0) return i;
    return -1;
}

floe_log_level floe_log_get_level(void) {
    int l = atomic_load(&log_level);
    if (l < 0) {
        l = floe_log_level_parse(getenv("FLOE_LOG_LEVEL"));
        if (l < 0) l = FLOE_LOG_INFO;
        atomic_store(&log_level, l);
    }
    return (floe_log_level)l;
}

void floe_log_set_level(floe_log_level level) { atomic_store(&log_level, (int)level); }

void floe_log(floe_log_level level, const char *comp, const char *fmt, ...) {
    static const char *const names[] = {"error", "warn", "info", "debug"};
    if (level > floe_log_get_level()) return;
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    int n = snprintf(line, sizeof line,
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s comp=%s msg=\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
                     tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000L, names[level],
                     comp ? comp : "floe");
    if (n < 0 || (size_t)n >= sizeof line) return;
    /* The message goes in quotes; fields after the first " key=" are the
     * caller's. We quote up to the first " k=v" field: callers write the
     * human text first, then fields. */
    char msg[1800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    const char *fields = NULL;
    for (const char *p = msg; *p; p++) {
        if (*p == ' ') {
            const char *q = p + 1;
            while (*q && *q != ' ' && *q != '=' && *q != '"') q++;
            if (*q == '=' && q > p + 1) {
                fields = p;
                break;
            }
        }
    }
    size_t textlen = fields ? (size_t)(fields - msg) : strlen(msg);
    for (size_t i = 0; i < textlen && (size_t)n < sizeof line - 4; i++) {
        char c = msg[i];
        if (c == '"' || c == '\\') line[n++] = '\\';
        line[n++] = (c == '\n') ? ' ' : c;
    }
    line[n++] = '"';
    if (fields) {
        size_t fl = strlen(fields);
        if (fl > sizeof line - (size_t)n - 2) fl = sizeof line - (size_t)n - 2;
        memcpy(line + n, fields, fl);
        n += (int)fl;
    }
    line[n++] = '\n';
    ssize_t w = write(STDERR_FILENO, line, (size_t)n);
    (void)w;
}
