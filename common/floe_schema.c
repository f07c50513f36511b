/*
 * floe_schema.c: column types and table schemas, parsed from and written to
 * floe's schema JSON (see floe_schema.h).
 *
 * Parsing is strict on purpose: unknown fields, duplicate keys, duplicate
 * names or ids and wrong JSON types are errors naming the JSON path, so a
 * typo in a schema never passes silently.
 */
#define _POSIX_C_SOURCE 200809L
#include "floe_schema.h"
#include "floe_value.h"

#include <errno.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- types ---------------------------------------------------------------- */

static const char *const type_names[] = {
    [FLOE_T_BOOLEAN] = "boolean", [FLOE_T_TINYINT] = "tinyint",
    [FLOE_T_SMALLINT] = "smallint", [FLOE_T_INT] = "int",
    [FLOE_T_BIGINT] = "bigint",   [FLOE_T_FLOAT] = "float",
    [FLOE_T_DOUBLE] = "double",   [FLOE_T_DECIMAL] = "decimal",
    [FLOE_T_STRING] = "string",   [FLOE_T_BINARY] = "binary",
    [FLOE_T_DATE] = "date",       [FLOE_T_TIMESTAMP] = "timestamp",
};
#define NTYPES (sizeof type_names / sizeof type_names[0])

void floe_type_format(floe_type t, char *out, size_t outsz) {
    if (!out || outsz == 0) return;
    if ((unsigned)t.kind >= NTYPES) {
        snprintf(out, outsz, "type#%d", (int)t.kind);
    } else if (t.kind == FLOE_T_DECIMAL) {
        snprintf(out, outsz, "decimal(%u,%u)", (unsigned)t.precision, (unsigned)t.scale);
    } else {
        snprintf(out, outsz, "%s", type_names[t.kind]);
    }
}

int floe_type_is_integer(floe_type_kind k) {
    return k == FLOE_T_TINYINT || k == FLOE_T_SMALLINT || k == FLOE_T_INT ||
           k == FLOE_T_BIGINT || k == FLOE_T_DATE;
}

static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
static int is_digit(char c) { return c >= '0' && c <= '9'; }
static char lower(char c) { return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c; }

/* Compare s[0..n) to a lower-case word, ignoring ASCII case. */
static int word_eq(const char *s, size_t n, const char *word) {
    if (strlen(word) != n) return 0;
    for (size_t i = 0; i < n; i++)
        if (lower(s[i]) != word[i]) return 0;
    return 1;
}

/* A small decimal number (up to 3 digits, so "0001" style stays bounded). */
static int parse_small_uint(const char **pp, unsigned *out) {
    const char *p = *pp;
    unsigned v = 0;
    size_t nd = 0;
    while (is_digit(*p)) {
        if (v > 100000) return 0; /* absurd; reported as out of range below */
        v = v * 10 + (unsigned)(*p - '0');
        p++;
        nd++;
    }
    if (nd == 0) return 0;
    *pp = p;
    *out = v;
    return 1;
}

floe_status floe_type_parse(const char *s, floe_type *out, floe_err *err) {
    if (!s) return floe_err_set(err, FLOE_ERR_INVALID, "type is missing");
    const char *b = s, *e = s + strlen(s);
    while (b < e && is_space(*b)) b++;
    while (e > b && is_space(e[-1])) e--;
    const char *w = b;
    while (w < e && ((*w >= 'a' && *w <= 'z') || (*w >= 'A' && *w <= 'Z'))) w++;
    size_t wl = (size_t)(w - b);
    floe_type t = {0};
    if (word_eq(b, wl, "decimal")) {
        const char *p = w;
        while (p < e && is_space(*p)) p++;
        if (p == e)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "type \"%s\": decimal needs a precision and scale, "
                                "e.g. decimal(10,2)", s);
        unsigned prec = 0, scale = 0;
        if (*p != '(') goto bad_decimal;
        p++;
        while (p < e && is_space(*p)) p++;
        if (!parse_small_uint(&p, &prec)) goto bad_decimal;
        while (p < e && is_space(*p)) p++;
        if (p < e && *p == ',') {
            p++;
            while (p < e && is_space(*p)) p++;
            if (!parse_small_uint(&p, &scale)) goto bad_decimal;
            while (p < e && is_space(*p)) p++;
        }
        if (p >= e || *p != ')') goto bad_decimal;
        p++;
        if (p != e) goto bad_decimal;
        if (prec < 1 || prec > FLOE_DECIMAL_MAX_PRECISION)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "type \"%s\": decimal precision %u is out of range 1..%d",
                                s, prec, FLOE_DECIMAL_MAX_PRECISION);
        if (scale > prec)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "type \"%s\": decimal scale %u exceeds the precision %u", s,
                                scale, prec);
        t.kind = FLOE_T_DECIMAL;
        t.precision = (uint8_t)prec;
        t.scale = (uint8_t)scale;
        *out = t;
        return FLOE_OK;
    bad_decimal:
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "type \"%s\": malformed decimal type, expected decimal(P,S)", s);
    }
    if (w == e) {
        for (size_t k = 0; k < NTYPES; k++) {
            if (k != FLOE_T_DECIMAL && word_eq(b, wl, type_names[k])) {
                t.kind = (floe_type_kind)k;
                *out = t;
                return FLOE_OK;
            }
        }
    }
    return floe_err_set(err, FLOE_ERR_INVALID,
                        "unknown type \"%s\" (known: boolean, tinyint, smallint, int, "
                        "bigint, float, double, decimal(P,S), string, binary, date, "
                        "timestamp)", s);
}

/* ---- schemas ------------------------------------------------------------- */

void floe_schema_destroy(floe_schema *s) {
    if (!s) return;
    for (size_t i = 0; i < s->ncols; i++) free(s->cols[i].name);
    free(s->cols);
    free(s->pk);
    free(s);
}

int floe_schema_find(const floe_schema *s, const char *name) {
    if (!s || !name) return -1;
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->cols[i].name, name) == 0) return (int)i;
    return -1;
}

static int name_eq_nocase(const char *a, const char *b) {
    for (; *a && *b; a++, b++)
        if (lower(*a) != lower(*b)) return 0;
    return *a == *b;
}


static floe_status wrong_json_type(floe_err *err, const char *path, const char *want,
                                   const json_t *j) {
    char found[96];
    floe_json_describe(j, found, sizeof found);
    return floe_err_set(err, FLOE_ERR_INVALID, "%s: expected %s, found %s", path, want, found);
}

/* A column being parsed: id_given says whether "id" was present. */
typedef struct col_tmp {
    int id_given;
    int nullable_given;
} col_tmp;

static floe_status parse_column(const json_t *jc, size_t i, floe_column *c, col_tmp *ct,
                                floe_err *err) {
    char path[64];
    snprintf(path, sizeof path, "columns[%zu]", i);
    if (!json_is_object(jc)) return wrong_json_type(err, path, "an object", jc);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)jc, key, v) {
        if (strcmp(key, "name") && strcmp(key, "type") && strcmp(key, "nullable") &&
            strcmp(key, "id"))
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "%s: unknown field \"%s\" (known: name, type, nullable, id)",
                                path, key);
    }
    char fpath[80];
    /* name */
    json_t *jn = json_object_get(jc, "name");
    snprintf(fpath, sizeof fpath, "%s.name", path);
    if (!jn) return floe_err_set(err, FLOE_ERR_INVALID, "%s: missing field \"name\"", path);
    if (!json_is_string(jn)) return wrong_json_type(err, fpath, "a string", jn);
    const char *name = json_string_value(jn);
    size_t nlen = json_string_length(jn);
    if (nlen == 0) return floe_err_set(err, FLOE_ERR_INVALID, "%s: empty column name", fpath);
    if (strlen(name) != nlen)
        return floe_err_set(err, FLOE_ERR_INVALID, "%s: column name contains a NUL character",
                            fpath);
    for (size_t k = 0; k < nlen; k++) {
        unsigned char ch = (unsigned char)name[k];
        if (ch < 0x20 || ch == 0x7f)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "%s: column name contains control character 0x%02x", fpath,
                                ch);
    }
    /* type */
    json_t *jt = json_object_get(jc, "type");
    snprintf(fpath, sizeof fpath, "%s.type", path);
    if (!jt) return floe_err_set(err, FLOE_ERR_INVALID, "%s: missing field \"type\"", path);
    if (!json_is_string(jt)) return wrong_json_type(err, fpath, "a string", jt);
    if (strlen(json_string_value(jt)) != json_string_length(jt))
        return floe_err_set(err, FLOE_ERR_INVALID, "%s: type contains a NUL character", fpath);
    floe_type type;
    floe_status st = floe_type_parse(json_string_value(jt), &type, err);
    if (st != FLOE_OK) {
        floe_err_prefix(err, "%s: ", fpath);
        return st;
    }
    /* nullable */
    int nullable = 1;
    json_t *jnl = json_object_get(jc, "nullable");
    ct->nullable_given = jnl != NULL;
    if (jnl) {
        snprintf(fpath, sizeof fpath, "%s.nullable", path);
        if (!json_is_boolean(jnl)) return wrong_json_type(err, fpath, "true or false", jnl);
        nullable = json_is_true(jnl);
    }
    /* id */
    int32_t id = 0;
    json_t *ji = json_object_get(jc, "id");
    ct->id_given = ji != NULL;
    if (ji) {
        snprintf(fpath, sizeof fpath, "%s.id", path);
        if (!json_is_integer(ji)) return wrong_json_type(err, fpath, "a positive integer", ji);
        json_int_t iv = json_integer_value(ji);
        if (iv < 1 || iv > INT32_MAX)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "%s: id %" JSON_INTEGER_FORMAT " is out of range 1..%d",
                                fpath, iv, INT32_MAX);
        id = (int32_t)iv;
    }
    c->name = strdup(name);
    if (!c->name) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    c->type = type;
    c->nullable = nullable;
    c->id = id;
    return FLOE_OK;
}

static floe_status parse_doc(const json_t *root, floe_schema *s, floe_err *err) {
    if (!json_is_object(root)) return wrong_json_type(err, "schema", "a JSON object", root);
    const char *key;
    json_t *v;
    json_object_foreach((json_t *)root, key, v) {
        if (strcmp(key, "columns") && strcmp(key, "primary_key"))
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "unknown field \"%s\" (known: columns, primary_key)", key);
    }
    json_t *jcols = json_object_get(root, "columns");
    if (!jcols) return floe_err_set(err, FLOE_ERR_INVALID, "missing field \"columns\"");
    if (!json_is_array(jcols)) return wrong_json_type(err, "columns", "an array", jcols);
    size_t n = json_array_size(jcols);
    if (n == 0)
        return floe_err_set(err, FLOE_ERR_INVALID, "columns: a schema needs at least one column");
    s->cols = calloc(n, sizeof *s->cols);
    col_tmp *ct = calloc(n, sizeof *ct);
    if (!s->cols || !ct) {
        free(ct);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    floe_status st = FLOE_OK;
    int64_t max_id = 0;
    for (size_t i = 0; i < n; i++) {
        st = parse_column(json_array_get(jcols, i), i, &s->cols[i], &ct[i], err);
        if (st != FLOE_OK) goto out;
        s->ncols = i + 1;
        for (size_t k = 0; k < i; k++) {
            if (name_eq_nocase(s->cols[k].name, s->cols[i].name)) {
                if (strcmp(s->cols[k].name, s->cols[i].name) == 0)
                    st = floe_err_set(err, FLOE_ERR_INVALID,
                                      "columns[%zu].name: duplicate column name \"%s\" "
                                      "(also columns[%zu])", i, s->cols[i].name, k);
                else
                    st = floe_err_set(err, FLOE_ERR_INVALID,
                                      "columns[%zu].name: column name \"%s\" differs from "
                                      "columns[%zu] \"%s\" only in case (names must be "
                                      "unique ignoring case)", i, s->cols[i].name, k,
                                      s->cols[k].name);
                goto out;
            }
            if (ct[i].id_given && ct[k].id_given && s->cols[k].id == s->cols[i].id) {
                st = floe_err_set(err, FLOE_ERR_INVALID,
                                  "columns[%zu].id: duplicate id %d (also columns[%zu])", i,
                                  (int)s->cols[i].id, k);
                goto out;
            }
        }
        if (ct[i].id_given && s->cols[i].id > max_id) max_id = s->cols[i].id;
    }
    for (size_t i = 0; i < n; i++) {
        if (ct[i].id_given) continue;
        if (max_id >= INT32_MAX) {
            st = floe_err_set(err, FLOE_ERR_INVALID,
                              "columns[%zu]: no id left to assign after the highest id %d",
                              i, INT32_MAX);
            goto out;
        }
        s->cols[i].id = (int32_t)++max_id;
    }
    json_t *jpk = json_object_get(root, "primary_key");
    if (jpk) {
        if (!json_is_array(jpk)) {
            st = wrong_json_type(err, "primary_key", "an array of column names", jpk);
            goto out;
        }
        size_t npk = json_array_size(jpk);
        if (npk) {
            s->pk = calloc(npk, sizeof *s->pk);
            if (!s->pk) {
                st = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
                goto out;
            }
        }
        for (size_t k = 0; k < npk; k++) {
            json_t *jk = json_array_get(jpk, k);
            char path[48];
            snprintf(path, sizeof path, "primary_key[%zu]", k);
            if (!json_is_string(jk)) {
                st = wrong_json_type(err, path, "a column name", jk);
                goto out;
            }
            const char *kn = json_string_value(jk);
            int idx = strlen(kn) == json_string_length(jk) ? floe_schema_find(s, kn) : -1;
            if (idx < 0) {
                st = floe_err_set(err, FLOE_ERR_INVALID, "%s: no column named \"%s\"", path,
                                  kn);
                goto out;
            }
            for (size_t m = 0; m < k; m++) {
                if (s->pk[m] == (size_t)idx) {
                    st = floe_err_set(err, FLOE_ERR_INVALID,
                                      "%s: column \"%s\" is listed twice (also "
                                      "primary_key[%zu])", path, kn, m);
                    goto out;
                }
            }
            floe_column *c = &s->cols[idx];
            if (c->type.kind == FLOE_T_FLOAT || c->type.kind == FLOE_T_DOUBLE) {
                st = floe_err_set(err, FLOE_ERR_INVALID,
                                  "%s: column \"%s\" has type %s; float and double columns "
                                  "cannot be key columns", path, kn,
                                  type_names[c->type.kind]);
                goto out;
            }
            if (c->nullable && ct[idx].nullable_given) {
                st = floe_err_set(err, FLOE_ERR_INVALID,
                                  "%s: column \"%s\" is declared nullable (columns[%d]."
                                  "nullable); key columns cannot be nullable", path, kn, idx);
                goto out;
            }
            c->nullable = 0;
            s->pk[k] = (size_t)idx;
            s->npk = k + 1;
        }
    }
out:
    free(ct);
    return st;
}

floe_status floe_schema_parse(const char *json, size_t len, floe_schema **out,
                              floe_err *err) {
    *out = NULL;
    if (!json) return floe_err_set(err, FLOE_ERR_INVALID, "schema JSON is missing");
    json_error_t jerr;
    json_t *root = json_loadb(json, len, JSON_REJECT_DUPLICATES, &jerr);
    if (!root)
        return floe_err_set(err, FLOE_ERR_INVALID, "schema JSON: line %d, column %d: %s",
                            jerr.line, jerr.column, jerr.text);
    floe_schema *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(root);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    floe_status st = parse_doc(root, s, err);
    json_decref(root);
    if (st != FLOE_OK) {
        floe_schema_destroy(s);
        return st;
    }
    *out = s;
    return FLOE_OK;
}

floe_status floe_schema_load_file(const char *path, floe_schema **out, floe_err *err) {
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return floe_err_set(err, FLOE_ERR_IO, "schema file %s: %s", path, strerror(errno));
    char *data = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (cap - len < 4096) {
            size_t ncap = cap ? cap * 2 : 8192;
            char *p = realloc(data, ncap);
            if (!p) {
                free(data);
                fclose(f);
                return floe_err_set(err, FLOE_ERR_NOMEM, "schema file %s: out of memory", path);
            }
            data = p;
            cap = ncap;
        }
        size_t got = fread(data + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int rerr = ferror(f);
    int saved = errno;
    fclose(f);
    if (rerr) {
        free(data);
        return floe_err_set(err, FLOE_ERR_IO, "schema file %s: read failed: %s", path,
                            strerror(saved));
    }
    floe_status st = floe_schema_parse(data, len, out, err);
    free(data);
    if (st != FLOE_OK) floe_err_prefix(err, "schema file %s: ", path);
    return st;
}

floe_status floe_schema_to_json(const floe_schema *s, floe_buf *out, floe_err *err) {
    json_t *root = json_object(), *cols = json_array();
    floe_status st = FLOE_OK;
    if (!root || !cols) goto nomem;
    if (json_object_set_new(root, "columns", cols)) {
        cols = NULL;
        goto nomem;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        const floe_column *c = &s->cols[i];
        char tb[48];
        floe_type_format(c->type, tb, sizeof tb);
        json_t *jc = json_object();
        if (!jc || json_array_append_new(cols, jc) ||
            json_object_set_new(jc, "name", json_string(c->name)) ||
            json_object_set_new(jc, "type", json_string(tb)) ||
            json_object_set_new(jc, "nullable", json_boolean(c->nullable)) ||
            json_object_set_new(jc, "id", json_integer(c->id)))
            goto nomem;
    }
    if (s->npk) {
        json_t *pk = json_array();
        if (!pk || json_object_set_new(root, "primary_key", pk)) goto nomem;
        for (size_t k = 0; k < s->npk; k++)
            if (json_array_append_new(pk, json_string(s->cols[s->pk[k]].name))) goto nomem;
    }
    char *text = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (!text) goto nomem;
    st = floe_buf_append(out, text, strlen(text), err);
    free(text);
    json_decref(root);
    return st;
nomem:
    json_decref(root);
    return floe_err_set(err, FLOE_ERR_NOMEM,
                        "cannot write the schema as JSON (out of memory, or a column "
                        "name is not valid UTF-8)");
}

floe_status floe_schema_clone(const floe_schema *s, floe_schema **out, floe_err *err) {
    *out = NULL;
    floe_schema *c = calloc(1, sizeof *c);
    if (!c) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    if (s->ncols) {
        c->cols = calloc(s->ncols, sizeof *c->cols);
        if (!c->cols) goto nomem;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        c->cols[i] = s->cols[i];
        c->cols[i].name = strdup(s->cols[i].name);
        if (!c->cols[i].name) goto nomem;
        c->ncols = i + 1;
    }
    if (s->npk) {
        c->pk = malloc(s->npk * sizeof *c->pk);
        if (!c->pk) goto nomem;
        memcpy(c->pk, s->pk, s->npk * sizeof *c->pk);
        c->npk = s->npk;
    }
    *out = c;
    return FLOE_OK;
nomem:
    floe_schema_destroy(c);
    return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory copying a schema");
}
