/*
 * floe_log.h: the one logging facility of floe.
 *
 * Lines go to stderr as logfmt: `ts=2026-11-24T13:00:00.123Z level=info
 * comp=orc msg="wrote stripe" rows=10000`. The threshold comes from
 * floe_log_set_level() or, at first use, the FLOE_LOG_LEVEL environment
 * variable (error, warn, info, debug; default info). Callers add key=value
 * pairs after the message with floe_log_kv-style formatting themselves:
 * the message is the format, extra fields are part of it.
 *
 * Never log secrets: configuration values whose key looks like a password,
 * secret or key are masked by floe_config_dump, the only place that logs
 * configuration.
 *
 * Thread-safety: safe from any thread; one line is one write(2) call.
 */
#ifndef FLOE_LOG_H
#define FLOE_LOG_H

typedef enum floe_log_level {
    FLOE_LOG_ERROR = 0,
    FLOE_LOG_WARN = 1,
    FLOE_LOG_INFO = 2,
    FLOE_LOG_DEBUG = 3
} floe_log_level;

void floe_log_set_level(floe_log_level level);
floe_log_level floe_log_get_level(void);
/* Parse "error|warn|info|debug"; returns -1 when unknown. */
int floe_log_level_parse(const char *name);

/* comp: the module name ("orc", "lsm", "ingest"...). fmt: message text,
 * followed by optional " key=value" fields the caller formats. */
void floe_log(floe_log_level level, const char *comp, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#define floe_log_error(comp, ...) floe_log(FLOE_LOG_ERROR, comp, __VA_ARGS__)
#define floe_log_warn(comp, ...) floe_log(FLOE_LOG_WARN, comp, __VA_ARGS__)
#define floe_log_info(comp, ...) floe_log(FLOE_LOG_INFO, comp, __VA_ARGS__)
#define floe_log_debug(comp, ...) floe_log(FLOE_LOG_DEBUG, comp, __VA_ARGS__)

#endif
