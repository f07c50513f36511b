/*
 * floe_config.h: the one configuration facility of floe.
 *
 * A floe_config is an ordered set of string key/value pairs, loaded from a
 * Java-properties style file (`key=value` or `key: value`, `#`/`!` comments,
 * later keys override earlier ones) and from `--set key=value` overrides.
 * Values of the form `${env:NAME}` or `${file:/path}` are resolved at lookup
 * time, so secrets live in the environment or a file, not in the config.
 * Typed getters parse integers, booleans, durations ("500ms", "30s", "5m",
 * "2h", "7d") and sizes ("64KiB", "256MiB", "1GiB", plain bytes) and name the
 * key in their error.
 *
 * Ownership: the config owns its strings; values returned by
 * floe_config_get are valid until the config is destroyed or the key is set
 * again. floe_config_destroy(NULL) is a no-op.
 * Thread-safety: read-only use from several threads is safe after loading.
 */
#ifndef FLOE_CONFIG_H
#define FLOE_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "floe_status.h"

typedef struct floe_config floe_config;

floe_status floe_config_new(floe_config **out, floe_err *err);
void floe_config_destroy(floe_config *c);
floe_status floe_config_load_file(floe_config *c, const char *path, floe_err *err);
floe_status floe_config_set(floe_config *c, const char *key, const char *value,
                            floe_err *err);
/* Parse "key=value" and set it. */
floe_status floe_config_set_pair(floe_config *c, const char *pair, floe_err *err);

/* Raw value, NULL when absent (no ${...} resolution). */
const char *floe_config_get_raw(const floe_config *c, const char *key);
/* Resolved value copied into out (NUL-terminated); *found = 0 when absent. */
floe_status floe_config_get_str(const floe_config *c, const char *key, const char *def,
                                char *out, size_t outsz, floe_err *err);
floe_status floe_config_get_i64(const floe_config *c, const char *key, int64_t def,
                                int64_t *out, floe_err *err);
floe_status floe_config_get_bool(const floe_config *c, const char *key, int def,
                                 int *out, floe_err *err);
floe_status floe_config_get_duration_ms(const floe_config *c, const char *key,
                                        int64_t def, int64_t *out, floe_err *err);
floe_status floe_config_get_size(const floe_config *c, const char *key, int64_t def,
                                 int64_t *out, floe_err *err);

/* Parsers the getters use; exposed for the CLI's flags. */
floe_status floe_parse_duration_ms(const char *s, int64_t *out, floe_err *err);
floe_status floe_parse_size(const char *s, int64_t *out, floe_err *err);

/* Iterate: calls fn for every key with the given prefix, in file order. */
typedef void (*floe_config_visit_fn)(const char *key, const char *raw_value, void *ud);
void floe_config_each(const floe_config *c, const char *prefix, floe_config_visit_fn fn,
                      void *ud);

/* True when a key names a secret (password, secret, token, key material):
 * such values are masked wherever floe prints configuration. */
int floe_config_key_is_secret(const char *key);

#endif
