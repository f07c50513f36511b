#define _POSIX_C_SOURCE 200809L
#include "floe_status.h"

#include <stdio.h>
#include <string.h>

static const char *const status_names[] = {
#define FLOE__NAME(name, desc) #name,
    FLOE_STATUS_TABLE(FLOE__NAME)
#undef FLOE__NAME
};

static const char *const status_descs[] = {
#define FLOE__DESC(name, desc) desc,
    FLOE_STATUS_TABLE(FLOE__DESC)
#undef FLOE__DESC
};

const char *floe_status_name(floe_status s) {
    if ((unsigned)s >= FLOE__STATUS_COUNT) return "ERR_UNKNOWN";
    return status_names[s];
}

const char *floe_status_str(floe_status s) {
    if ((unsigned)s >= FLOE__STATUS_COUNT) return "unknown status";
    return status_descs[s];
}

floe_status floe_err_vset(floe_err *err, floe_status code, const char *fmt,
                          va_list ap) {
    if (err) {
        err->code = code;
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    }
    return code;
}

floe_status floe_err_set(floe_err *err, floe_status code, const char *fmt,
                         ...) {
    va_list ap;
    va_start(ap, fmt);
    floe_err_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

floe_status floe_err_prefix(floe_err *err, const char *fmt, ...) {
    if (!err) return FLOE_OK;
    char head[FLOE_ERR_MSG_MAX], old[FLOE_ERR_MSG_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(head, sizeof head, fmt, ap);
    va_end(ap);
    memcpy(old, err->msg, sizeof old);
    size_t hl = strlen(head), ol = strnlen(old, sizeof old - 1);
    if (hl > sizeof err->msg - 1) hl = sizeof err->msg - 1;
    if (ol > sizeof err->msg - 1 - hl) ol = sizeof err->msg - 1 - hl;
    memcpy(err->msg, head, hl);
    memcpy(err->msg + hl, old, ol);
    err->msg[hl + ol] = '\0';
    return err->code;
}

void floe_err_clear(floe_err *err) {
    if (!err) return;
    err->code = FLOE_OK;
    err->msg[0] = '\0';
}
