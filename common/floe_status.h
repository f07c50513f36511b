/*
 * floe_status.h: the one error convention of floe.
 *
 * Every fallible function returns a floe_status and, as its last parameter,
 * takes a `floe_err *err` (which may be NULL). On failure the function fills
 * err->msg with a sentence that names what failed and where (file and offset,
 * topic/partition/offset, column, line...), and returns the same code it put
 * in err->code. On success err is left untouched.
 *
 * The status enum and its names/descriptions come from one X-macro table, so
 * they cannot drift apart. FLOE_ERR_TRUNCATED, FLOE_ERR_CORRUPT and
 * FLOE_ERR_UNSUPPORTED are kept apart on purpose: a reader of outside bytes
 * says whether input ended early, was wrong, or is valid but beyond us.
 *
 * Thread-safety: all functions here are reentrant; a floe_err belongs to the
 * caller and is never shared between threads by floe.
 */
#ifndef FLOE_STATUS_H
#define FLOE_STATUS_H

#include <stdarg.h>
#include <stddef.h>

#define FLOE_STATUS_TABLE(X)                                                   \
    X(OK, "success")                                                           \
    X(ERR_NOMEM, "out of memory")                                              \
    X(ERR_IO, "I/O error")                                                     \
    X(ERR_INVALID, "invalid argument or usage")                                \
    X(ERR_BAD_INPUT, "input does not match the schema")                        \
    X(ERR_TRUNCATED, "input ends early")                                       \
    X(ERR_CORRUPT, "input is corrupt")                                         \
    X(ERR_UNSUPPORTED, "valid but unsupported input")                          \
    X(ERR_NOT_FOUND, "not found")                                              \
    X(ERR_EXISTS, "already exists")                                            \
    X(ERR_CONFLICT, "lost a race with a concurrent committer")                 \
    X(ERR_STATE, "object is in a failed or wrong state")                       \
    X(ERR_LIMIT, "a configured or safety limit was exceeded")                  \
    X(ERR_EXTERNAL, "an external service failed")                              \
    X(ERR_INTERRUPTED, "interrupted by a signal")

typedef enum floe_status {
#define FLOE__ENUM(name, desc) FLOE_##name,
    FLOE_STATUS_TABLE(FLOE__ENUM)
#undef FLOE__ENUM
        FLOE__STATUS_COUNT
} floe_status;

#define FLOE_ERR_MSG_MAX 512

typedef struct floe_err {
    floe_status code;
    char msg[FLOE_ERR_MSG_MAX];
} floe_err;

/* "ERR_CORRUPT" style name; never NULL. */
const char *floe_status_name(floe_status s);
/* Human description of the code; never NULL. */
const char *floe_status_str(floe_status s);

/* Fill err (if not NULL) and return code. The message is truncated to fit. */
floe_status floe_err_set(floe_err *err, floe_status code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
floe_status floe_err_vset(floe_err *err, floe_status code, const char *fmt,
                          va_list ap);
/* Prefix an existing message with more context ("file x.orc: " + msg). */
floe_status floe_err_prefix(floe_err *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Reset to FLOE_OK and an empty message. */
void floe_err_clear(floe_err *err);

/* Propagate a non-OK status. */
#define FLOE_TRY(expr)                                                         \
    do {                                                                       \
        floe_status floe__s = (expr);                                          \
        if (floe__s != FLOE_OK) return floe__s;                                \
    } while (0)

#endif
