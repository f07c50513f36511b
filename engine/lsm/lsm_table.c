/* lsm_table.c: table metadata on disk; contract and invariants in lsm_table.h. */
#define _GNU_SOURCE
#include "lsm_table.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_fs.h"

#define META_MAX (512u << 20)

void floe_lsm_table_path(const floe_lsm_table *t, const char *rel, char *out, size_t outsz) {
    snprintf(out, outsz, "%s/%s", t->dir, rel);
}

static floe_status table_dir(const char *warehouse, const char *name, char *out, size_t outsz,
                             floe_err *err) {
    const char *dot = strchr(name, '.');
    if (!dot || dot == name || !dot[1] || strchr(dot + 1, '.') || strchr(name, '/'))
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "table name \"%s\" must be DB.TABLE (no '/' and one '.')", name);
    if ((size_t)snprintf(out, outsz, "%s/%.*s.db/%s", warehouse, (int)(dot - name), name,
                         dot + 1) >= outsz)
        return floe_err_set(err, FLOE_ERR_INVALID, "warehouse path too long");
    return FLOE_OK;
}

/* ---- schema files ---- */

static json_t *schema_file_json(const floe_schema *s, int32_t id, int32_t highest,
                                uint32_t buckets, json_t *options, floe_err *err) {
    floe_buf b = FLOE_BUF_INIT;
    if (floe_schema_to_json(s, &b, err) != FLOE_OK) {
        floe_buf_free(&b);
        return NULL;
    }
    json_error_t je;
    json_t *sj = json_loadb((const char *)b.data, b.len, 0, &je);
    floe_buf_free(&b);
    if (!sj) {
        floe_err_set(err, FLOE_ERR_STATE, "schema JSON did not parse back: %s", je.text);
        return NULL;
    }
    /* "o" steals: a fresh empty object must not be incref'd ("O") */
    return json_pack("{s:i, s:i, s:o, s:i, s:i, s:o, s:I}", "version", FLOE_LSM_FORMAT_VERSION,
                     "id", id, "schema", sj, "highest_field_id", highest, "buckets",
                     (int)buckets, "options", options ? json_incref(options) : json_object(), "time_millis",
                     (json_int_t)floe_now_ms());
}

static floe_status publish_json(const char *path, json_t *j, floe_err *err) {
    char *text = json_dumps(j, JSON_INDENT(1) | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
    if (!text) return floe_err_set(err, FLOE_ERR_NOMEM, "cannot serialise %s", path);
    floe_status s = floe_fs_publish(path, text, strlen(text), err);
    free(text);
    return s;
}

static floe_status load_json(const char *path, json_t **out, floe_err *err) {
    return floe_fs_read_json(path, META_MAX, out, err);
}

static floe_status parse_schema_file(const char *path, json_t *j, floe_schema **schema,
                                     int32_t *id, int32_t *highest, uint32_t *buckets,
                                     json_t **options, floe_err *err) {
    json_t *sj = json_object_get(j, "schema");
    json_t *jid = json_object_get(j, "id"), *jh = json_object_get(j, "highest_field_id");
    json_t *jb = json_object_get(j, "buckets"), *jv = json_object_get(j, "version");
    if (!json_is_integer(jv) || json_integer_value(jv) != FLOE_LSM_FORMAT_VERSION)
        return floe_err_set(err, json_is_integer(jv) ? FLOE_ERR_UNSUPPORTED : FLOE_ERR_CORRUPT,
                            "%s: unsupported or missing format version", path);
    if (!json_is_object(sj) || !json_is_integer(jid) || !json_is_integer(jh) ||
        !json_is_integer(jb) || json_integer_value(jb) < 1 || json_integer_value(jb) > 65536)
        return floe_err_set(err, FLOE_ERR_CORRUPT, "%s: missing or invalid fields", path);
    char *text = json_dumps(sj, 0);
    if (!text) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    floe_status s = floe_schema_parse(text, strlen(text), schema, err);
    free(text);
    if (s != FLOE_OK) return floe_err_prefix(err, "%s: ", path);
    *id = (int32_t)json_integer_value(jid);
    *highest = (int32_t)json_integer_value(jh);
    *buckets = (uint32_t)json_integer_value(jb);
    if (options) {
        json_t *o = json_object_get(j, "options");
        *options = json_is_object(o) ? json_incref(o) : json_object();
    }
    return FLOE_OK;
}

floe_status floe_lsm_table_create(const char *warehouse, const char *name,
                                  const floe_schema *schema, uint32_t buckets, floe_err *err) {
    return floe_lsm_table_create_with(warehouse, name, schema, buckets, NULL, err);
}

floe_status floe_lsm_table_create_with(const char *warehouse, const char *name,
                                       const floe_schema *schema, uint32_t buckets,
                                       json_t *options, floe_err *err) {
    char dir[4096], path[4200];
    if (options) {
        const char *k;
        json_t *v;
        if (!json_is_object(options))
            return floe_err_set(err, FLOE_ERR_INVALID, "table %s: options must be an object", name);
        json_object_foreach(options, k, v) {
            if (!json_is_string(v))
                return floe_err_set(err, FLOE_ERR_INVALID,
                                    "table %s: option %s: the value must be a string", name, k);
        }
    }
    FLOE_TRY(table_dir(warehouse, name, dir, sizeof dir, err));
    if (schema->npk == 0)
        return floe_err_set(err, FLOE_ERR_INVALID, "table %s: the schema needs a primary_key",
                            name);
    if (buckets < 1 || buckets > 65536)
        return floe_err_set(err, FLOE_ERR_INVALID, "table %s: buckets must be 1..65536", name);
    for (size_t i = 0; i < schema->ncols; i++) {
        const char *n = schema->cols[i].name;
        if (!strcmp(n, "_SEQUENCE_NUMBER") || !strcmp(n, "_VALUE_KIND"))
            return floe_err_set(err, FLOE_ERR_INVALID, "column name %s is reserved", n);
    }
    snprintf(path, sizeof path, "%s/schema", dir);
    FLOE_TRY(floe_fs_mkdirs(path, err));
    snprintf(path, sizeof path, "%s/snapshot", dir);
    FLOE_TRY(floe_fs_mkdirs(path, err));
    snprintf(path, sizeof path, "%s/manifest", dir);
    FLOE_TRY(floe_fs_mkdirs(path, err));
    int32_t highest = 0;
    for (size_t i = 0; i < schema->ncols; i++)
        if (schema->cols[i].id > highest) highest = schema->cols[i].id;
    json_t *j = schema_file_json(schema, 0, highest, buckets, options, err);
    if (!j) return err ? err->code : FLOE_ERR_NOMEM;
    snprintf(path, sizeof path, "%s/schema/schema-0", dir);
    floe_status s = publish_json(path, j, err);
    json_decref(j);
    if (s == FLOE_ERR_EXISTS)
        return floe_err_set(err, FLOE_ERR_EXISTS, "table %s already exists (%s)", name, dir);
    return s;
}

/* Highest N with <dir>/<prefix>N present, scanning the directory. */
static floe_status scan_ids(const char *dir, const char *prefix, int64_t *lo, int64_t *hi,
                            floe_err *err) {
    *lo = *hi = -1;
    DIR *d = opendir(dir);
    if (!d)
        return floe_err_set(err, errno == ENOENT ? FLOE_ERR_NOT_FOUND : FLOE_ERR_IO,
                            "cannot list %s: %s", dir, strerror(errno));
    size_t pl = strlen(prefix);
    struct dirent *e;
    while ((e = readdir(d))) {
        if (strncmp(e->d_name, prefix, pl) != 0) continue;
        char *end;
        long long v = strtoll(e->d_name + pl, &end, 10);
        if (*end || end == e->d_name + pl || v < 0) continue;
        if (*hi < 0 || v > *hi) *hi = v;
        if (*lo < 0 || v < *lo) *lo = v;
    }
    closedir(d);
    return FLOE_OK;
}

floe_status floe_lsm_table_schema(const floe_lsm_table *t, int32_t id, floe_schema **out,
                                  floe_err *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s/schema/schema-%d", t->dir, (int)id);
    json_t *j;
    FLOE_TRY(load_json(path, &j, err));
    int32_t sid, highest;
    uint32_t buckets;
    floe_status s = parse_schema_file(path, j, out, &sid, &highest, &buckets, NULL, err);
    json_decref(j);
    return s;
}

floe_status floe_lsm_table_open(const char *warehouse, const char *name, floe_lsm_table **out,
                                floe_err *err) {
    *out = NULL;
    char dir[4096], path[4200];
    FLOE_TRY(table_dir(warehouse, name, dir, sizeof dir, err));
    snprintf(path, sizeof path, "%s/schema", dir);
    int64_t lo, hi;
    floe_status s = scan_ids(path, "schema-", &lo, &hi, err);
    if (s == FLOE_ERR_NOT_FOUND || (s == FLOE_OK && hi < 0))
        return floe_err_set(err, FLOE_ERR_NOT_FOUND, "table %s does not exist in %s", name,
                            warehouse);
    FLOE_TRY(s);
    floe_lsm_table *t = calloc(1, sizeof *t);
    if (!t) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    t->dir = strdup(dir);
    t->name = strdup(name);
    if (!t->dir || !t->name) {
        floe_lsm_table_destroy(t);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    snprintf(path, sizeof path, "%s/schema/schema-%lld", dir, (long long)hi);
    json_t *j;
    s = load_json(path, &j, err);
    if (s == FLOE_OK) {
        s = parse_schema_file(path, j, &t->schema, &t->schema_id, &t->highest_field_id,
                              &t->buckets, &t->options, err);
        json_decref(j);
    }
    if (s != FLOE_OK) {
        floe_lsm_table_destroy(t);
        return s;
    }
    *out = t;
    return FLOE_OK;
}

void floe_lsm_table_destroy(floe_lsm_table *t) {
    if (!t) return;
    free(t->dir);
    free(t->name);
    floe_schema_destroy(t->schema);
    json_decref(t->options);
    free(t);
}

/* ---- schema evolution ---- */

static int int_rank(floe_type_kind k) {
    switch (k) {
    case FLOE_T_TINYINT: return 1;
    case FLOE_T_SMALLINT: return 2;
    case FLOE_T_INT: return 3;
    case FLOE_T_BIGINT: return 4;
    default: return 0;
    }
}

/* Is `from` -> `to` a widening Iceberg can express (or no change)? */
static int widening_ok(floe_type from, floe_type to) {
    if (from.kind == to.kind) {
        if (from.kind != FLOE_T_DECIMAL) return 1;
        return to.scale == from.scale && to.precision >= from.precision;
    }
    if (int_rank(from.kind) && int_rank(to.kind)) return int_rank(to.kind) > int_rank(from.kind);
    return from.kind == FLOE_T_FLOAT && to.kind == FLOE_T_DOUBLE;
}

/* Write schema-<N+1> (N = t's schema id); FLOE_ERR_CONFLICT when another
 * process wrote it first. t is not changed. */
static floe_status publish_next_schema(const floe_lsm_table *t, const floe_schema *schema,
                                       int32_t highest, json_t *options, floe_err *err) {
    json_t *j = schema_file_json(schema, t->schema_id + 1, highest, t->buckets, options, err);
    if (!j) return err ? err->code : FLOE_ERR_NOMEM;
    char path[4200];
    snprintf(path, sizeof path, "%s/schema/schema-%d", t->dir, (int)t->schema_id + 1);
    floe_status s = publish_json(path, j, err);
    json_decref(j);
    if (s == FLOE_ERR_EXISTS)
        s = floe_err_set(err, FLOE_ERR_CONFLICT,
                         "schema %d was created concurrently; reopen and retry",
                         (int)t->schema_id + 1);
    return s;
}

floe_status floe_lsm_table_alter(floe_lsm_table *t, const floe_schema *wanted,
                                 const int *has_id, floe_err *err) {
    const floe_schema *cur = t->schema;
    /* build the new schema: wanted's order, ids resolved */
    floe_schema *ns;
    FLOE_TRY(floe_schema_clone(wanted, &ns, err));
    floe_status s = FLOE_OK;
    int32_t highest = t->highest_field_id;
    for (size_t i = 0; i < ns->ncols && s == FLOE_OK; i++) {
        floe_column *c = &ns->cols[i];
        /* key columns are NOT NULL by definition: whether the key changed
         * is checked below, with a message that says so */
        int is_key = 0;
        for (size_t k = 0; k < ns->npk; k++) is_key |= ns->pk[k] == i;
        if (!has_id[i]) {
            c->id = ++highest;
            if (!c->nullable && !is_key)
                s = floe_err_set(err, FLOE_ERR_INVALID,
                                 "added column %s must be nullable (old rows have no value)",
                                 c->name);
            continue;
        }
        int found = -1;
        for (size_t k = 0; k < cur->ncols; k++)
            if (cur->cols[k].id == c->id) found = (int)k;
        if (found < 0) {
            s = floe_err_set(err, FLOE_ERR_INVALID,
                             "column %s has id %d, which the table does not have (a new column "
                             "must come without an id)",
                             c->name, (int)c->id);
            break;
        }
        const floe_column *old = &cur->cols[found];
        if (!widening_ok(old->type, c->type)) {
            char a[40], b[40];
            floe_type_format(old->type, a, sizeof a);
            floe_type_format(c->type, b, sizeof b);
            s = floe_err_set(err, FLOE_ERR_INVALID,
                             "column %s (id %d): changing %s to %s is not a widening Iceberg "
                             "allows (int->bigint, float->double, decimal precision up)",
                             c->name, (int)c->id, a, b);
        } else if (old->nullable && !c->nullable && !is_key) {
            s = floe_err_set(err, FLOE_ERR_INVALID,
                             "column %s (id %d): a nullable column cannot become NOT NULL",
                             c->name, (int)c->id);
        }
    }
    /* names unique among the new schema is checked by clone/parse; check ids */
    for (size_t i = 0; i < ns->ncols && s == FLOE_OK; i++)
        for (size_t k = 0; k < i; k++)
            if (ns->cols[i].id == ns->cols[k].id)
                s = floe_err_set(err, FLOE_ERR_INVALID, "columns %s and %s have the same id %d",
                                 ns->cols[k].name, ns->cols[i].name, (int)ns->cols[i].id);
    /* the primary key keeps its columns (by id) and order */
    if (s == FLOE_OK) {
        if (ns->npk != cur->npk) {
            s = floe_err_set(err, FLOE_ERR_INVALID,
                             "the primary key cannot change (%zu columns before, %zu now)",
                             cur->npk, ns->npk);
        } else {
            for (size_t k = 0; k < cur->npk && s == FLOE_OK; k++)
                if (ns->cols[ns->pk[k]].id != cur->cols[cur->pk[k]].id)
                    s = floe_err_set(err, FLOE_ERR_INVALID,
                                     "the primary key cannot change: key column %zu was %s",
                                     k + 1, cur->cols[cur->pk[k]].name);
        }
    }
    if (s == FLOE_OK) s = publish_next_schema(t, ns, highest, t->options, err);
    if (s != FLOE_OK) {
        floe_schema_destroy(ns);
        return s;
    }
    floe_schema_destroy(t->schema);
    t->schema = ns;
    t->schema_id++;
    t->highest_field_id = highest;
    return FLOE_OK;
}

floe_status floe_lsm_options_apply(const char *table, const json_t *options, json_t *changes,
                                   json_t **out, floe_err *err) {
    *out = NULL;
    if (!json_is_object(changes))
        return floe_err_set(err, FLOE_ERR_INVALID, "table %s: option changes must be an object",
                            table);
    json_t *opts = options ? json_deep_copy(options) : json_object();
    if (!opts) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    const char *k;
    json_t *v;
    json_object_foreach(changes, k, v) {
        if (json_is_null(v)) {
            json_object_del(opts, k);
        } else if (json_is_string(v)) {
            json_object_set(opts, k, v);
        } else {
            json_decref(opts);
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "table %s: option %s: the value must be a string (or null to "
                                "remove it)",
                                table, k);
        }
    }
    *out = opts;
    return FLOE_OK;
}

floe_status floe_lsm_table_set_options(floe_lsm_table *t, json_t *changes, int *changed,
                                       floe_err *err) {
    if (changed) *changed = 0;
    json_t *opts;
    FLOE_TRY(floe_lsm_options_apply(t->name, t->options, changes, &opts, err));
    int same = t->options ? json_equal(t->options, opts) : json_object_size(opts) == 0;
    floe_status s =
        same ? FLOE_OK : publish_next_schema(t, t->schema, t->highest_field_id, opts, err);
    if (same || s != FLOE_OK) {
        json_decref(opts);
        return s;
    }
    json_decref(t->options);
    t->options = opts;
    t->schema_id++;
    if (changed) *changed = 1;
    return FLOE_OK;
}

/* ---- files, manifests, snapshots ---- */

void floe_lsm_file_free(floe_lsm_file *f) {
    free(f->path);
    json_decref(f->min_key);
    json_decref(f->max_key);
    memset(f, 0, sizeof *f);
}

floe_status floe_lsm_file_copy(floe_lsm_file *dst, const floe_lsm_file *src, floe_err *err) {
    *dst = *src;
    dst->path = strdup(src->path);
    if (!dst->path) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    dst->min_key = src->min_key ? json_deep_copy(src->min_key) : NULL;
    dst->max_key = src->max_key ? json_deep_copy(src->max_key) : NULL;
    return FLOE_OK;
}

void floe_lsm_snapshot_destroy(floe_lsm_snapshot *s) {
    if (!s) return;
    free(s->manifest);
    free(s->commit_user);
    free(s->commit_kind);
    json_decref(s->source_positions);
    json_decref(s->properties);
    for (size_t i = 0; i < s->nfiles; i++) floe_lsm_file_free(&s->files[i]);
    free(s->files);
    free(s);
}

static json_t *file_json(const floe_lsm_file *f) {
    return json_pack("{s:s, s:i, s:i, s:I, s:I, s:I, s:I, s:I, s:i, s:O, s:O}", "path", f->path,
                     "bucket", (int)f->bucket, "level", (int)f->level, "size",
                     (json_int_t)f->size, "rows", (json_int_t)f->rows, "delete_rows",
                     (json_int_t)f->delete_rows, "min_seq", (json_int_t)f->min_seq, "max_seq",
                     (json_int_t)f->max_seq, "schema_id", (int)f->schema_id, "min_key",
                     f->min_key ? f->min_key : json_null(), "max_key",
                     f->max_key ? f->max_key : json_null());
}

static int get_u64(json_t *o, const char *k, uint64_t *out) {
    json_t *v = json_object_get(o, k);
    if (!json_is_integer(v) || json_integer_value(v) < 0) return 0;
    *out = (uint64_t)json_integer_value(v);
    return 1;
}

static floe_status parse_manifest(const char *path, json_t *j, floe_lsm_snapshot *s,
                                  floe_err *err) {
    json_t *files = json_object_get(j, "files");
    json_t *v = json_object_get(j, "version");
    if (!json_is_integer(v) || json_integer_value(v) != FLOE_LSM_FORMAT_VERSION ||
        !json_is_array(files))
        return floe_err_set(err, FLOE_ERR_CORRUPT, "%s: not a floe manifest (version %d)", path,
                            FLOE_LSM_FORMAT_VERSION);
    size_t n = json_array_size(files);
    s->files = calloc(n ? n : 1, sizeof *s->files);
    if (!s->files) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *o = json_array_get(files, i);
        floe_lsm_file *f = &s->files[i];
        const char *p = json_string_value(json_object_get(o, "path"));
        uint64_t bucket, level, sid;
        if (!p || strstr(p, "..") || p[0] == '/' || !get_u64(o, "bucket", &bucket) ||
            !get_u64(o, "level", &level) || level >= FLOE_LSM_MAX_LEVELS ||
            !get_u64(o, "size", &f->size) || !get_u64(o, "rows", &f->rows) ||
            !get_u64(o, "delete_rows", &f->delete_rows) || !get_u64(o, "min_seq", &f->min_seq) ||
            !get_u64(o, "max_seq", &f->max_seq) || !get_u64(o, "schema_id", &sid))
            return floe_err_set(err, FLOE_ERR_CORRUPT, "%s: file entry %zu is invalid", path, i);
        f->path = strdup(p);
        if (!f->path) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
        s->nfiles = i + 1;
        f->bucket = (uint32_t)bucket;
        f->level = (uint32_t)level;
        f->schema_id = (int32_t)sid;
        json_t *mk = json_object_get(o, "min_key"), *xk = json_object_get(o, "max_key");
        f->min_key = json_is_array(mk) ? json_incref(mk) : NULL;
        f->max_key = json_is_array(xk) ? json_incref(xk) : NULL;
    }
    return FLOE_OK;
}

floe_status floe_lsm_table_snapshot(const floe_lsm_table *t, int64_t id,
                                    floe_lsm_snapshot **out, floe_err *err) {
    *out = NULL;
    char path[4200];
    snprintf(path, sizeof path, "%s/snapshot/snapshot-%lld", t->dir, (long long)id);
    json_t *j;
    floe_status st = load_json(path, &j, err);
    if (st == FLOE_ERR_NOT_FOUND)
        return floe_err_set(err, FLOE_ERR_NOT_FOUND, "table %s has no snapshot %lld", t->name,
                            (long long)id);
    FLOE_TRY(st);
    floe_lsm_snapshot *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(j);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    json_t *jv = json_object_get(j, "version"), *jid = json_object_get(j, "id");
    const char *manifest = json_string_value(json_object_get(j, "manifest"));
    uint64_t sid = 0, next = 0;
    if (!json_is_integer(jv) || json_integer_value(jv) != FLOE_LSM_FORMAT_VERSION ||
        !json_is_integer(jid) || json_integer_value(jid) != id || !manifest ||
        strchr(manifest, '/') || !get_u64(j, "schema_id", &sid) ||
        !get_u64(j, "next_sequence", &next)) {
        json_decref(j);
        floe_lsm_snapshot_destroy(s);
        return floe_err_set(err, FLOE_ERR_CORRUPT, "%s: not a valid floe snapshot", path);
    }
    s->id = id;
    s->schema_id = (int32_t)sid;
    s->next_sequence = next;
    s->manifest = strdup(manifest);
    const char *cu = json_string_value(json_object_get(j, "commit_user"));
    const char *ck = json_string_value(json_object_get(j, "commit_kind"));
    s->commit_user = strdup(cu ? cu : "");
    s->commit_kind = strdup(ck ? ck : "APPEND");
    json_t *ci = json_object_get(j, "commit_identifier"), *tm = json_object_get(j, "time_millis");
    s->commit_identifier = json_is_integer(ci) ? json_integer_value(ci) : 0;
    s->time_ms = json_is_integer(tm) ? json_integer_value(tm) : 0;
    json_t *sp = json_object_get(j, "source_positions"), *pr = json_object_get(j, "properties");
    s->source_positions = json_is_object(sp) ? json_incref(sp) : json_object();
    s->properties = json_is_object(pr) ? json_incref(pr) : json_object();
    json_decref(j);
    if (!s->manifest || !s->commit_user || !s->commit_kind) {
        floe_lsm_snapshot_destroy(s);
        return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    }
    snprintf(path, sizeof path, "%s/manifest/%s", t->dir, s->manifest);
    st = load_json(path, &j, err);
    if (st == FLOE_ERR_NOT_FOUND)
        st = floe_err_set(err, FLOE_ERR_CORRUPT, "snapshot %lld names manifest %s, which is missing",
                          (long long)id, path);
    if (st == FLOE_OK) {
        st = parse_manifest(path, j, s, err);
        json_decref(j);
    }
    if (st != FLOE_OK) {
        floe_lsm_snapshot_destroy(s);
        return st;
    }
    *out = s;
    return FLOE_OK;
}

static floe_status read_hint(const floe_lsm_table *t, const char *name, int64_t *out) {
    char path[4200];
    snprintf(path, sizeof path, "%s/snapshot/%s", t->dir, name);
    floe_buf b = FLOE_BUF_INIT;
    floe_status s = floe_fs_read_all(path, 64, &b, NULL);
    *out = -1;
    if (s == FLOE_OK) {
        char *end;
        long long v = strtoll((const char *)b.data, &end, 10);
        if (end != (char *)b.data && v >= 0) *out = v;
    }
    floe_buf_free(&b);
    return FLOE_OK;
}

static floe_status latest_id(const floe_lsm_table *t, int64_t *id, floe_err *err) {
    int64_t hint;
    read_hint(t, "LATEST", &hint);
    char path[4200];
    if (hint > 0) {
        snprintf(path, sizeof path, "%s/snapshot/snapshot-%lld", t->dir, (long long)hint);
        if (floe_fs_exists(path)) {
            /* the hint may lag: walk forward */
            int64_t n = hint;
            for (;;) {
                snprintf(path, sizeof path, "%s/snapshot/snapshot-%lld", t->dir, (long long)n + 1);
                if (!floe_fs_exists(path)) break;
                n++;
            }
            *id = n;
            return FLOE_OK;
        }
    }
    snprintf(path, sizeof path, "%s/snapshot", t->dir);
    int64_t lo, hi;
    FLOE_TRY(scan_ids(path, "snapshot-", &lo, &hi, err));
    *id = hi < 0 ? 0 : hi;
    return FLOE_OK;
}

floe_status floe_lsm_table_earliest_id(const floe_lsm_table *t, int64_t *id, floe_err *err) {
    char path[4200];
    snprintf(path, sizeof path, "%s/snapshot", t->dir);
    int64_t lo, hi;
    FLOE_TRY(scan_ids(path, "snapshot-", &lo, &hi, err));
    *id = lo < 0 ? 0 : lo;
    return FLOE_OK;
}

floe_status floe_lsm_table_latest(const floe_lsm_table *t, floe_lsm_snapshot **out,
                                  floe_err *err) {
    *out = NULL;
    int64_t id;
    FLOE_TRY(latest_id(t, &id, err));
    if (id == 0) return FLOE_OK;
    return floe_lsm_table_snapshot(t, id, out, err);
}

floe_status floe_lsm_table_commit(const floe_lsm_table *t, int64_t base_id,
                                  const floe_lsm_snapshot *tmpl, const floe_lsm_file *files,
                                  size_t nfiles, int64_t *new_id, floe_err *err) {
    char uuid[33], name[64], path[4200];
    floe_fs_uuid(uuid);
    int64_t id = base_id + 1;
    snprintf(name, sizeof name, "manifest-%lld-%s", (long long)id, uuid);
    json_t *arr = json_array();
    for (size_t i = 0; i < nfiles; i++) json_array_append_new(arr, file_json(&files[i]));
    json_t *m = json_pack("{s:i, s:o}", "version", FLOE_LSM_FORMAT_VERSION, "files", arr);
    snprintf(path, sizeof path, "%s/manifest/%s", t->dir, name);
    floe_status s = publish_json(path, m, err);
    json_decref(m);
    FLOE_TRY(s);
    uint64_t total = 0, deletes = 0;
    for (size_t i = 0; i < nfiles; i++) {
        total += files[i].rows;
        deletes += files[i].delete_rows;
    }
    json_t *sj = json_pack(
        "{s:i, s:I, s:i, s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:o, s:o}", "version",
        FLOE_LSM_FORMAT_VERSION, "id", (json_int_t)id, "schema_id", (int)tmpl->schema_id,
        "manifest", name, "commit_user", tmpl->commit_user ? tmpl->commit_user : "",
        "commit_kind", tmpl->commit_kind ? tmpl->commit_kind : "APPEND", "commit_identifier",
        (json_int_t)tmpl->commit_identifier, "time_millis", (json_int_t)floe_now_ms(),
        "next_sequence", (json_int_t)tmpl->next_sequence, "total_file_rows", (json_int_t)total,
        "total_delete_rows", (json_int_t)deletes, "source_positions",
        tmpl->source_positions ? json_incref(tmpl->source_positions) : json_object(), "properties",
        tmpl->properties ? json_incref(tmpl->properties) : json_object());
    snprintf(path, sizeof path, "%s/snapshot/snapshot-%lld", t->dir, (long long)id);
    s = publish_json(path, sj, err);
    json_decref(sj);
    if (s == FLOE_ERR_EXISTS)
        return floe_err_set(err, FLOE_ERR_CONFLICT,
                            "table %s: snapshot %lld was committed by someone else first", t->name,
                            (long long)id);
    FLOE_TRY(s);
    char hint[32];
    int n = snprintf(hint, sizeof hint, "%lld", (long long)id);
    snprintf(path, sizeof path, "%s/snapshot/LATEST", t->dir);
    /* a hint: failing to update it is not a commit failure */
    floe_err ignore;
    floe_fs_replace(path, hint, (size_t)n, &ignore);
    if (base_id == 0) {
        snprintf(path, sizeof path, "%s/snapshot/EARLIEST", t->dir);
        floe_fs_replace(path, hint, (size_t)n, &ignore);
    }
    *new_id = id;
    return FLOE_OK;
}

/* ---- bucketing ---- */

static uint64_t mix64(uint64_t h, uint64_t v) {
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h ^= h >> 31;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 29);
}

uint32_t floe_lsm_bucket_of(const floe_schema *s, const floe_value *vals, const floe_buf *arena,
                            uint32_t buckets) {
    uint64_t h = 0x666c6f65ull; /* "floe" */
    for (size_t k = 0; k < s->npk; k++) {
        const floe_value *v = &vals[s->pk[k]];
        switch (s->cols[s->pk[k]].type.kind) {
        case FLOE_T_STRING:
        case FLOE_T_BINARY: {
            const uint8_t *p = floe_value_bytes(v, arena);
            size_t n = v->v.bytes.len;
            h = mix64(h, n);
            for (size_t i = 0; i < n; i += 8) {
                uint64_t w = 0;
                size_t m = n - i < 8 ? n - i : 8;
                for (size_t b = 0; b < m; b++) w |= (uint64_t)p[i + b] << (8 * b);
                h = mix64(h, w);
            }
            break;
        }
        case FLOE_T_DECIMAL:
            h = mix64(h, (uint64_t)v->v.dec);
            h = mix64(h, (uint64_t)(v->v.dec >> 64));
            break;
        default: h = mix64(h, (uint64_t)v->v.i64); break;
        }
    }
    return (uint32_t)(h % buckets);
}

uint32_t floe_lsm_sorted_runs(const floe_lsm_file *files, size_t nfiles, uint32_t bucket) {
    uint32_t n = 0;
    uint8_t levels[FLOE_LSM_MAX_LEVELS] = {0};
    for (size_t i = 0; i < nfiles; i++) {
        if (files[i].bucket != bucket) continue;
        if (files[i].level == 0) n++;
        else if (files[i].level < FLOE_LSM_MAX_LEVELS) levels[files[i].level] = 1;
    }
    for (int l = 1; l < FLOE_LSM_MAX_LEVELS; l++) n += levels[l];
    return n;
}

uint32_t floe_lsm_max_sorted_runs(const floe_lsm_file *files, size_t nfiles, uint32_t buckets) {
    uint32_t m = 0;
    for (uint32_t b = 0; b < buckets; b++) {
        uint32_t r = floe_lsm_sorted_runs(files, nfiles, b);
        if (r > m) m = r;
    }
    return m;
}
