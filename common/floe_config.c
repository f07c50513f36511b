#define _GNU_SOURCE
#include "floe_config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kv {
    char *key;
    char *value;
} kv;

struct floe_config {
    kv *items;
    size_t n, cap;
};

floe_status floe_config_new(floe_config **out, floe_err *err) {
    *out = calloc(1, sizeof **out);
    if (!*out) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    return FLOE_OK;
}

void floe_config_destroy(floe_config *c) {
    if (!c) return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->items[i].key);
        free(c->items[i].value);
    }
    free(c->items);
    free(c);
}

static kv *find(const floe_config *c, const char *key) {
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->items[i].key, key) == 0) return &c->items[i];
    return NULL;
}

floe_status floe_config_set(floe_config *c, const char *key, const char *value,
                            floe_err *err) {
    char *v = strdup(value);
    if (!v) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    kv *e = find(c, key);
    if (e) {
        free(e->value);
        e->value = v;
        return FLOE_OK;
    }
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        kv *items = realloc(c->items, cap * sizeof *items);
        if (!items) {
            free(v);
            return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        }
        c->items = items;
        c->cap = cap;
    }
    char *k = strdup(key);
    if (!k) {
        free(v);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    c->items[c->n].key = k;
    c->items[c->n].value = v;
    c->n++;
    return FLOE_OK;
}

static char *trim(char *s) {
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

static floe_status set_line(floe_config *c, char *line, const char *where, floe_err *err) {
    char *s = trim(line);
    if (*s == '\0' || *s == '#' || *s == '!') return FLOE_OK;
    char *sep = strpbrk(s, "=:");
    if (!sep)
        return floe_err_set(err, FLOE_ERR_INVALID, "%s: expected key=value, got \"%s\"",
                            where, s);
    *sep = '\0';
    char *key = trim(s), *val = trim(sep + 1);
    if (*key == '\0') return floe_err_set(err, FLOE_ERR_INVALID, "%s: empty key", where);
    return floe_config_set(c, key, val, err);
}

floe_status floe_config_set_pair(floe_config *c, const char *pair, floe_err *err) {
    char *dup = strdup(pair);
    if (!dup) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    floe_status s = set_line(c, dup, "--set", err);
    free(dup);
    return s;
}

floe_status floe_config_load_file(floe_config *c, const char *path, floe_err *err) {
    FILE *f = fopen(path, "r");
    if (!f)
        return floe_err_set(err, FLOE_ERR_IO, "cannot open config %s: %s", path,
                            strerror(errno));
    char *line = NULL;
    size_t cap = 0;
    long lineno = 0;
    floe_status s = FLOE_OK;
    while (getline(&line, &cap, f) >= 0) {
        lineno++;
        char where[600];
        snprintf(where, sizeof where, "%s:%ld", path, lineno);
        s = set_line(c, line, where, err);
        if (s != FLOE_OK) break;
    }
    free(line);
    fclose(f);
    return s;
}

const char *floe_config_get_raw(const floe_config *c, const char *key) {
    kv *e = find(c, key);
    return e ? e->value : NULL;
}

static floe_status resolve(const char *key, const char *raw, char *out, size_t outsz,
                           floe_err *err) {
    size_t rl = strlen(raw);
    if (rl > 3 && strncmp(raw, "${", 2) == 0 && raw[rl - 1] == '}') {
        char ref[512];
        if (rl - 3 >= sizeof ref)
            return floe_err_set(err, FLOE_ERR_INVALID, "config %s: reference too long", key);
        memcpy(ref, raw + 2, rl - 3);
        ref[rl - 3] = '\0';
        if (strncmp(ref, "env:", 4) == 0) {
            const char *v = getenv(ref + 4);
            if (!v)
                return floe_err_set(err, FLOE_ERR_INVALID,
                                    "config %s: environment variable %s is not set", key,
                                    ref + 4);
            raw = v;
        } else if (strncmp(ref, "file:", 5) == 0) {
            FILE *f = fopen(ref + 5, "r");
            if (!f)
                return floe_err_set(err, FLOE_ERR_IO, "config %s: cannot read %s: %s", key,
                                    ref + 5, strerror(errno));
            size_t n = fread(out, 1, outsz - 1, f);
            fclose(f);
            while (n > 0 && (out[n - 1] == '\n' || out[n - 1] == '\r')) n--;
            out[n] = '\0';
            return FLOE_OK;
        }
    }
    if (strlen(raw) >= outsz)
        return floe_err_set(err, FLOE_ERR_INVALID, "config %s: value too long", key);
    strcpy(out, raw);
    return FLOE_OK;
}

floe_status floe_config_get_str(const floe_config *c, const char *key, const char *def,
                                char *out, size_t outsz, floe_err *err) {
    const char *raw = floe_config_get_raw(c, key);
    if (!raw) raw = def ? def : "";
    return resolve(key, raw, out, outsz, err);
}

floe_status floe_config_get_i64(const floe_config *c, const char *key, int64_t def,
                                int64_t *out, floe_err *err) {
    char v[128];
    *out = def;
    if (!floe_config_get_raw(c, key)) return FLOE_OK;
    FLOE_TRY(floe_config_get_str(c, key, NULL, v, sizeof v, err));
    char *end;
    errno = 0;
    long long x = strtoll(v, &end, 10);
    if (errno || end == v || *end)
        return floe_err_set(err, FLOE_ERR_INVALID, "config %s: \"%s\" is not an integer",
                            key, v);
    *out = x;
    return FLOE_OK;
}

floe_status floe_config_get_bool(const floe_config *c, const char *key, int def, int *out,
                                 floe_err *err) {
    char v[32];
    *out = def;
    if (!floe_config_get_raw(c, key)) return FLOE_OK;
    FLOE_TRY(floe_config_get_str(c, key, NULL, v, sizeof v, err));
    if (!strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes")) *out = 1;
    else if (!strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no")) *out = 0;
    else
        return floe_err_set(err, FLOE_ERR_INVALID, "config %s: \"%s\" is not true/false",
                            key, v);
    return FLOE_OK;
}

floe_status floe_parse_duration_ms(const char *s, int64_t *out, floe_err *err) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || x < 0)
        return floe_err_set(err, FLOE_ERR_INVALID, "\"%s\" is not a duration", s);
    double mul;
    if (!*end || !strcmp(end, "ms")) mul = 1;
    else if (!strcmp(end, "s")) mul = 1e3;
    else if (!strcmp(end, "m") || !strcmp(end, "min")) mul = 60e3;
    else if (!strcmp(end, "h")) mul = 3600e3;
    else if (!strcmp(end, "d")) mul = 86400e3;
    else
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "\"%s\": unknown duration unit (use ms, s, m, h, d)", s);
    if (x * mul > 9.2e18)
        return floe_err_set(err, FLOE_ERR_INVALID, "\"%s\": duration too large", s);
    *out = (int64_t)(x * mul);
    return FLOE_OK;
}

floe_status floe_parse_size(const char *s, int64_t *out, floe_err *err) {
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (errno || end == s || x < 0)
        return floe_err_set(err, FLOE_ERR_INVALID, "\"%s\" is not a size", s);
    static const struct {
        const char *unit;
        double mul;
    } units[] = {{"", 1},        {"B", 1},         {"KiB", 1024.0},      {"K", 1024.0},
                 {"MiB", 1048576.0}, {"M", 1048576.0}, {"GiB", 1073741824.0},
                 {"G", 1073741824.0}, {"KB", 1e3},      {"MB", 1e6}, {"GB", 1e9}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            if (x * units[i].mul > 9.2e18)
                return floe_err_set(err, FLOE_ERR_INVALID, "\"%s\": size too large", s);
            *out = (int64_t)(x * units[i].mul);
            return FLOE_OK;
        }
    }
    return floe_err_set(err, FLOE_ERR_INVALID,
                        "\"%s\": unknown size unit (use B, KiB, MiB, GiB)", s);
}

floe_status floe_config_get_duration_ms(const floe_config *c, const char *key,
                                        int64_t def, int64_t *out, floe_err *err) {
    char v[64];
    *out = def;
    if (!floe_config_get_raw(c, key)) return FLOE_OK;
    FLOE_TRY(floe_config_get_str(c, key, NULL, v, sizeof v, err));
    floe_status s = floe_parse_duration_ms(v, out, err);
    if (s != FLOE_OK) floe_err_prefix(err, "config %s: ", key);
    return s;
}

floe_status floe_config_get_size(const floe_config *c, const char *key, int64_t def,
                                 int64_t *out, floe_err *err) {
    char v[64];
    *out = def;
    if (!floe_config_get_raw(c, key)) return FLOE_OK;
    FLOE_TRY(floe_config_get_str(c, key, NULL, v, sizeof v, err));
    floe_status s = floe_parse_size(v, out, err);
    if (s != FLOE_OK) floe_err_prefix(err, "config %s: ", key);
    return s;
}

void floe_config_each(const floe_config *c, const char *prefix, floe_config_visit_fn fn,
                      void *ud) {
    size_t pl = strlen(prefix);
    for (size_t i = 0; i < c->n; i++)
        if (strncmp(c->items[i].key, prefix, pl) == 0)
            fn(c->items[i].key, c->items[i].value, ud);
}

int floe_config_key_is_secret(const char *key) {
    static const char *const words[] = {"password", "secret", "token", "key.pem",
                                        "keystore", "sasl.jaas", "credential"};
    for (size_t i = 0; i < sizeof words / sizeof words[0]; i++)
        if (strcasestr(key, words[i])) return 1;
    return 0;
}
