/*
 * floe_value.c: cell values and floe's JSON value forms (see floe_value.h),
 * with the helpers for decimals, dates, timestamps, base64 and UTF-8.
 *
 * Numbers: doubles are written in the shortest form that reads back to the
 * same value (float columns: the same float), in Python repr style: fixed
 * notation with at least one fraction digit for 1e-4 <= |x| < 1e16 ("1.0",
 * "-0.0", "0.001"), exponent notation otherwise ("1e+16", "1.5e-07"). So a
 * written double is never a bare JSON integer, and -0.0 survives.
 */
#define _POSIX_C_SOURCE 200809L
#include "floe_value.h"

#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 floe_u128;

#define US_PER_SEC INT64_C(1000000)
#define US_PER_DAY INT64_C(86400000000)

/* ---- calendar (proleptic Gregorian, H. Hinnant's algorithms) ---------------
 * Valid for |y| and |days| far beyond any int32 day count or int64
 * microsecond timestamp; m in 1..12, d in 1..31. */

int64_t floe_days_from_civil(int64_t y, unsigned m, unsigned d) {
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void floe_civil_from_days(int64_t days, int64_t *y, unsigned *m, unsigned *d) {
    int64_t z = days + 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0; }

static unsigned days_in_month(int64_t y, unsigned m) {
    static const unsigned dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Days of 0001-01-01 and 9999-12-31. */
#define MIN_DAYS INT64_C(-719162)
#define MAX_DAYS INT64_C(2932896)

static int digits_n(const char *s, int n, unsigned *out) {
    unsigned v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    *out = v;
    return 1;
}

/* "YYYY-MM-DD" at the start of s; `what` names the value in messages. */
static floe_status parse_ymd(const char *s, const char *what, int64_t *days, floe_err *err) {
    unsigned y, m, d;
    if (strnlen(s, 10) < 10 || !digits_n(s, 4, &y) || s[4] != '-' || !digits_n(s + 5, 2, &m) ||
        s[7] != '-' || !digits_n(s + 8, 2, &d))
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "invalid %s \"%.64s\": expected %s", what,
                            s, what[0] == 'd' ? "YYYY-MM-DD" : "YYYY-MM-DDTHH:MM:SS[.ffffff][Z]");
    if (y < 1)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "%s \"%.64s\" out of range (years 0001..9999)", what, s);
    if (m < 1 || m > 12)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "invalid %s \"%.64s\": month %02u", what,
                            s, m);
    if (d < 1 || d > days_in_month(y, m))
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid %s \"%.64s\": day %02u does not exist in %04u-%02u", what,
                            s, d, y, m);
    *days = floe_days_from_civil(y, m, d);
    return FLOE_OK;
}

floe_status floe_date_parse(const char *s, int32_t *days, floe_err *err) {
    int64_t dd = 0;
    FLOE_TRY(parse_ymd(s, "date", &dd, err));
    if (s[10] != '\0')
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid date \"%.64s\": expected YYYY-MM-DD", s);
    *days = (int32_t)dd;
    return FLOE_OK;
}

/* Year as 4 digits in 0..9999, else with a sign (such years do not parse back). */
static int fmt_year(int64_t y, char *out, size_t outsz) {
    if (y >= 0 && y <= 9999) return snprintf(out, outsz, "%04d", (int)y);
    if (y < 0) return snprintf(out, outsz, "-%04" PRId64, -y);
    return snprintf(out, outsz, "+%" PRId64, y);
}

size_t floe_date_format(int32_t days, char *out) {
    int64_t y;
    unsigned m, d;
    floe_civil_from_days(days, &y, &m, &d);
    int n = fmt_year(y, out, 16);
    n += snprintf(out + n, 16 - (size_t)n, "-%02u-%02u", m, d);
    return (size_t)n;
}

floe_status floe_timestamp_parse(const char *s, int64_t *micros, floe_err *err) {
    int64_t days = 0;
    FLOE_TRY(parse_ymd(s, "timestamp", &days, err));
    const char *p = s + 10;
    unsigned hh, mi, ss;
    if (p[0] != 'T' || strnlen(p, 9) < 9 || !digits_n(p + 1, 2, &hh) || p[3] != ':' ||
        !digits_n(p + 4, 2, &mi) || p[6] != ':' || !digits_n(p + 7, 2, &ss))
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid timestamp \"%.64s\": expected "
                            "YYYY-MM-DDTHH:MM:SS[.ffffff][Z]", s);
    if (hh > 23 || mi > 59 || ss > 59)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid timestamp \"%.64s\": time %02u:%02u:%02u out of range",
                            s, hh, mi, ss);
    p += 9;
    int64_t frac = 0;
    if (*p == '.') {
        p++;
        int nd = 0;
        while (*p >= '0' && *p <= '9') {
            if (++nd > 6)
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "invalid timestamp \"%.64s\": more than 6 fraction digits "
                                    "(microseconds)", s);
            frac = frac * 10 + (*p - '0');
            p++;
        }
        if (nd == 0)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "invalid timestamp \"%.64s\": no digits after '.'", s);
        for (; nd < 6; nd++) frac *= 10;
    }
    if (*p == 'Z') p++;
    if (*p != '\0') {
        if (*p == '+' || *p == '-')
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "invalid timestamp \"%.64s\": time zone offsets are not "
                                "supported; timestamps are UTC (an optional trailing Z)", s);
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid timestamp \"%.64s\": expected "
                            "YYYY-MM-DDTHH:MM:SS[.ffffff][Z]", s);
    }
    *micros = days * US_PER_DAY + ((int64_t)hh * 3600 + mi * 60 + ss) * US_PER_SEC + frac;
    return FLOE_OK;
}

size_t floe_timestamp_format(int64_t micros, char *out) {
    int64_t days = micros / US_PER_DAY, rem = micros % US_PER_DAY;
    if (rem < 0) {
        days--;
        rem += US_PER_DAY;
    }
    int64_t y;
    unsigned m, d;
    floe_civil_from_days(days, &y, &m, &d);
    int64_t secs = rem / US_PER_SEC, us = rem % US_PER_SEC;
    int n = fmt_year(y, out, 40);
    n += snprintf(out + n, 40 - (size_t)n, "-%02u-%02uT%02d:%02d:%02d.%06d", m, d,
                  (int)(secs / 3600), (int)(secs / 60 % 60), (int)(secs % 60), (int)us);
    return (size_t)n;
}

/* ---- decimals -------------------------------------------------------------- */

floe_status floe_decimal_parse(const char *s, uint8_t precision, uint8_t scale,
                               floe_i128 *out, floe_err *err) {
    if (precision < 1 || precision > FLOE_DECIMAL_MAX_PRECISION || scale > precision)
        return floe_err_set(err, FLOE_ERR_INVALID, "invalid decimal type decimal(%u,%u)",
                            (unsigned)precision, (unsigned)scale);
    const char *p = s;
    int neg = 0;
    if (*p == '-' || *p == '+') neg = *p++ == '-';
    floe_u128 v = 0;
    int int_sig = 0, frac_digits = 0, ndigits = 0;
    for (; *p >= '0' && *p <= '9'; p++) {
        ndigits++;
        if (int_sig == 0 && *p == '0') continue;
        if (++int_sig <= FLOE_DECIMAL_MAX_PRECISION) v = v * 10 + (unsigned)(*p - '0');
    }
    const char *frac = NULL;
    if (*p == '.') {
        frac = ++p;
        for (; *p >= '0' && *p <= '9'; p++) frac_digits++;
        ndigits += frac_digits;
    }
    if (*p != '\0' || ndigits == 0)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid decimal \"%.64s\": expected digits with an optional sign "
                            "and decimal point, e.g. \"-12.34\"", s);
    if (frac_digits > scale)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "decimal \"%.64s\" has %d fraction digits, more than the scale of "
                            "decimal(%u,%u)", s, frac_digits, (unsigned)precision,
                            (unsigned)scale);
    if (int_sig > (int)precision - (int)scale)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "decimal \"%.64s\" out of range for decimal(%u,%u) (at most %d "
                            "integer digits)", s, (unsigned)precision, (unsigned)scale,
                            (int)precision - (int)scale);
    /* int_sig + scale <= precision <= 38: no overflow below. */
    for (int i = 0; i < scale; i++) v = v * 10 + (unsigned)(i < frac_digits ? frac[i] - '0' : 0);
    *out = neg ? -(floe_i128)v : (floe_i128)v;
    return FLOE_OK;
}

size_t floe_decimal_format(floe_i128 v, uint8_t scale, char *out) {
    if (scale > FLOE_DECIMAL_MAX_PRECISION) scale = FLOE_DECIMAL_MAX_PRECISION;
    floe_u128 u = v < 0 ? (floe_u128)(-(v + 1)) + 1 : (floe_u128)v;
    char digs[48];
    int n = 0;
    do {
        digs[n++] = (char)('0' + (int)(u % 10));
        u /= 10;
    } while (u);
    while (n < scale + 1) digs[n++] = '0';
    size_t pos = 0;
    if (v < 0) out[pos++] = '-';
    for (int i = n - 1; i >= scale; i--) out[pos++] = digs[i];
    if (scale) {
        out[pos++] = '.';
        for (int i = scale - 1; i >= 0; i--) out[pos++] = digs[i];
    }
    out[pos] = '\0';
    return pos;
}

/* ---- base64 ---------------------------------------------------------------- */

static const char b64_chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static int b64_val(unsigned char c) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
}

floe_status floe_base64_encode(const uint8_t *p, size_t len, floe_buf *out, floe_err *err) {
    if (len > (SIZE_MAX / 4 - 1) * 3)
        return floe_err_set(err, FLOE_ERR_NOMEM, "base64 output too large");
    if (len == 0) return FLOE_OK;
    size_t olen = (len + 2) / 3 * 4;
    FLOE_TRY(floe_buf_reserve(out, olen, err));
    uint8_t *o = out->data + out->len;
    size_t i = 0;
    for (; i + 3 <= len; i += 3) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8 | p[i + 2];
        *o++ = (uint8_t)b64_chars[w >> 18];
        *o++ = (uint8_t)b64_chars[(w >> 12) & 63];
        *o++ = (uint8_t)b64_chars[(w >> 6) & 63];
        *o++ = (uint8_t)b64_chars[w & 63];
    }
    if (len - i == 1) {
        uint32_t w = (uint32_t)p[i] << 16;
        *o++ = (uint8_t)b64_chars[w >> 18];
        *o++ = (uint8_t)b64_chars[(w >> 12) & 63];
        *o++ = '=';
        *o++ = '=';
    } else if (len - i == 2) {
        uint32_t w = (uint32_t)p[i] << 16 | (uint32_t)p[i + 1] << 8;
        *o++ = (uint8_t)b64_chars[w >> 18];
        *o++ = (uint8_t)b64_chars[(w >> 12) & 63];
        *o++ = (uint8_t)b64_chars[(w >> 6) & 63];
        *o++ = '=';
    }
    out->len += olen;
    return FLOE_OK;
}

static floe_status b64_bad_char(const char *s, size_t i, floe_err *err) {
    unsigned char c = (unsigned char)s[i];
    if (c == '=')
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid base64: misplaced '=' padding at offset %zu", i);
    if (c > 0x20 && c < 0x7f)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid base64: character '%c' at offset %zu", c, i);
    return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                        "invalid base64: byte 0x%02x at offset %zu", c, i);
}

floe_status floe_base64_decode(const char *s, size_t len, floe_buf *out, floe_err *err) {
    if (len % 4 != 0) {
        for (size_t i = 0; i < len; i++)
            if (b64_val((unsigned char)s[i]) < 0 && s[i] != '=') return b64_bad_char(s, i, err);
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "invalid base64: length %zu is not a multiple of 4 (standard "
                            "base64 with '=' padding expected)", len);
    }
    if (len == 0) return FLOE_OK;
    FLOE_TRY(floe_buf_reserve(out, len / 4 * 3, err));
    uint8_t *o = out->data + out->len;
    for (size_t i = 0; i < len; i += 4) {
        int last = i + 4 == len;
        int v[4];
        int npad = 0;
        for (int k = 0; k < 4; k++) {
            unsigned char c = (unsigned char)s[i + k];
            if (c == '=' && last && k >= 2) {
                npad++;
                v[k] = 0;
                continue;
            }
            v[k] = b64_val(c);
            if (v[k] < 0 || npad) return b64_bad_char(s, i + k, err);
        }
        uint32_t w = (uint32_t)v[0] << 18 | (uint32_t)v[1] << 12 | (uint32_t)v[2] << 6 |
                     (uint32_t)v[3];
        *o++ = (uint8_t)(w >> 16);
        if (npad < 2) *o++ = (uint8_t)(w >> 8);
        if (npad < 1) *o++ = (uint8_t)w;
    }
    out->len = (size_t)(o - out->data);
    return FLOE_OK;
}

/* ---- UTF-8 ----------------------------------------------------------------- */

int floe_utf8_valid(const uint8_t *p, size_t len) {
    size_t i = 0;
    while (i < len) {
        uint8_t c = p[i];
        if (c < 0x80) {
            i++;
            continue;
        }
        size_t n;
        uint8_t lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
        if (c >= 0xc2 && c <= 0xdf) {
            n = 2;
        } else if (c >= 0xe0 && c <= 0xef) {
            n = 3;
            if (c == 0xe0) lo = 0xa0;      /* overlong */
            else if (c == 0xed) hi = 0x9f; /* surrogates */
        } else if (c >= 0xf0 && c <= 0xf4) {
            n = 4;
            if (c == 0xf0) lo = 0x90;      /* overlong */
            else if (c == 0xf4) hi = 0x8f; /* > U+10FFFF */
        } else {
            return 0;
        }
        if (len - i < n) return 0;
        if (p[i + 1] < lo || p[i + 1] > hi) return 0;
        for (size_t k = 2; k < n; k++)
            if ((p[i + k] & 0xc0) != 0x80) return 0;
        i += n;
    }
    return 1;
}

/* ---- doubles --------------------------------------------------------------- */

static int roundtrips(const char *buf, double v, int is_float) {
    double back = strtod(buf, NULL);
    return is_float ? (float)back == (float)v : back == v;
}

/* Shortest round-trip text of a finite double (see the top of the file). */
static size_t fmt_double(double v, int is_float, char *out /* >= 40 */) {
    if (v == 0) return (size_t)snprintf(out, 40, signbit(v) ? "-0.0" : "0.0");
    char tmp[40];
    int lo = 1, hi = is_float ? 9 : 17;
    /* Rounding to more digits is never farther from v, so the digit counts
     * that round-trip are (practically) all counts from some minimum up:
     * binary search for it; the result is always verified. */
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        snprintf(tmp, sizeof tmp, "%.*e", mid - 1, v);
        if (roundtrips(tmp, v, is_float))
            hi = mid;
        else
            lo = mid + 1;
    }
    snprintf(tmp, sizeof tmp, "%.*e", lo - 1, v);
    if (!roundtrips(tmp, v, is_float)) snprintf(tmp, sizeof tmp, "%.*e", is_float ? 8 : 16, v);
    /* tmp is "[-]d[.ddd]e(+|-)XX": split into digits and exponent. */
    const char *p = tmp;
    int neg = *p == '-';
    if (neg) p++;
    char digs[24];
    int nd = 0;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9' && nd < (int)sizeof digs - 1) digs[nd++] = *p;
    int exp = *p == 'e' ? atoi(p + 1) : 0;
    while (nd > 1 && digs[nd - 1] == '0') nd--;
    digs[nd] = '\0';
    size_t pos = 0;
    if (neg) out[pos++] = '-';
    if (exp >= -4 && exp < 16) {
        if (exp >= 0) {
            for (int i = 0; i <= exp; i++) out[pos++] = i < nd ? digs[i] : '0';
            out[pos++] = '.';
            if (nd > exp + 1)
                for (int i = exp + 1; i < nd; i++) out[pos++] = digs[i];
            else
                out[pos++] = '0';
        } else {
            out[pos++] = '0';
            out[pos++] = '.';
            for (int i = 0; i < -exp - 1; i++) out[pos++] = '0';
            for (int i = 0; i < nd; i++) out[pos++] = digs[i];
        }
        out[pos] = '\0';
    } else {
        out[pos++] = digs[0];
        if (nd > 1) {
            out[pos++] = '.';
            for (int i = 1; i < nd; i++) out[pos++] = digs[i];
        }
        pos += (size_t)snprintf(out + pos, 40 - pos, "e%c%02d", exp < 0 ? '-' : '+',
                                exp < 0 ? -exp : exp);
    }
    return pos;
}

/* ---- JSON <-> values ------------------------------------------------------- */

void floe_json_describe(const json_t *j, char *out, size_t outsz) {
    if (!j) {
        snprintf(out, outsz, "nothing");
        return;
    }
    switch (json_typeof(j)) {
    case JSON_OBJECT: snprintf(out, outsz, "an object"); break;
    case JSON_ARRAY: snprintf(out, outsz, "an array"); break;
    case JSON_STRING: {
        const char *s = json_string_value(j);
        size_t n = json_string_length(j), k = 0;
        char tmp[48];
        /* printable ASCII only; anything else as '?' */
        for (; k < n && k < 40; k++) {
            unsigned char c = (unsigned char)s[k];
            tmp[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
        }
        tmp[k] = '\0';
        snprintf(out, outsz, "string \"%s%s\"", tmp, n > 40 ? "..." : "");
        break;
    }
    case JSON_INTEGER:
        snprintf(out, outsz, "number %" JSON_INTEGER_FORMAT, json_integer_value(j));
        break;
    case JSON_REAL: {
        char num[40];
        fmt_double(json_real_value(j), 0, num);
        snprintf(out, outsz, "number %s", num);
        break;
    }
    case JSON_TRUE: snprintf(out, outsz, "true"); break;
    case JSON_FALSE: snprintf(out, outsz, "false"); break;
    default: snprintf(out, outsz, "null"); break;
    }
}

floe_status floe_int_check_range(int64_t v, floe_type t, floe_err *err) {
    int64_t lo = t.kind == FLOE_T_TINYINT    ? INT8_MIN
                 : t.kind == FLOE_T_SMALLINT ? INT16_MIN
                 : t.kind == FLOE_T_INT      ? INT32_MIN
                                             : INT64_MIN;
    int64_t hi = t.kind == FLOE_T_TINYINT    ? INT8_MAX
                 : t.kind == FLOE_T_SMALLINT ? INT16_MAX
                 : t.kind == FLOE_T_INT      ? INT32_MAX
                                             : INT64_MAX;
    if (v < lo || v > hi) {
        char tn[48];
        floe_type_format(t, tn, sizeof tn);
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "value %" PRId64 " out of range for %s (%" PRId64 "..%" PRId64 ")", v,
                            tn, lo, hi);
    }
    return FLOE_OK;
}

static floe_status mismatch(floe_err *err, floe_type t, const char *form, const json_t *j) {
    char tn[48], found[96];
    floe_type_format(t, tn, sizeof tn);
    floe_json_describe(j, found, sizeof found);
    return floe_err_set(err, FLOE_ERR_BAD_INPUT, "expected %s (%s), found %s", tn, form, found);
}

/* A JSON string's bytes, refusing embedded NULs where text is parsed. */
static floe_status json_cstr(const json_t *j, floe_type t, const char **s, floe_err *err) {
    *s = json_string_value(j);
    if (strlen(*s) != json_string_length(j)) {
        char tn[48];
        floe_type_format(t, tn, sizeof tn);
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "expected %s, found a string with a NUL "
                            "character", tn);
    }
    return FLOE_OK;
}

static floe_status float_from_json(const json_t *j, floe_type t, floe_value *out,
                                   floe_err *err) {
    int is_float = t.kind == FLOE_T_FLOAT;
    const char *form = "a number, or \"NaN\", \"Infinity\", \"-Infinity\"";
    double x;
    if (json_is_integer(j)) {
        x = (double)json_integer_value(j);
    } else if (json_is_real(j)) {
        x = json_real_value(j);
    } else if (json_is_string(j)) {
        const char *s = json_string_value(j);
        size_t n = json_string_length(j);
        if (n == 3 && memcmp(s, "NaN", 3) == 0)
            x = NAN;
        else if (n == 8 && memcmp(s, "Infinity", 8) == 0)
            x = INFINITY;
        else if (n == 9 && memcmp(s, "-Infinity", 9) == 0)
            x = -INFINITY;
        else
            return mismatch(err, t, form, j);
        out->v.f64 = is_float ? (double)(float)x : x;
        return FLOE_OK;
    } else {
        return mismatch(err, t, form, j);
    }
    if (is_float) {
        float f = (float)x;
        if (isinf(f)) {
            char num[40];
            fmt_double(x, 0, num);
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "value %s out of range for float (largest is about "
                                "3.4028235e+38)", num);
        }
        x = (double)f;
    }
    out->v.f64 = x;
    return FLOE_OK;
}

floe_status floe_value_from_json(const json_t *j, floe_type t, floe_value *out,
                                 floe_buf *arena, floe_err *err) {
    memset(out, 0, sizeof *out);
    if (!j || json_is_null(j)) {
        out->is_null = 1;
        return FLOE_OK;
    }
    switch (t.kind) {
    case FLOE_T_BOOLEAN:
        if (json_is_boolean(j)) {
            out->v.i64 = json_is_true(j);
            return FLOE_OK;
        }
        if (json_is_integer(j) && (json_integer_value(j) == 0 || json_integer_value(j) == 1)) {
            out->v.i64 = json_integer_value(j);
            return FLOE_OK;
        }
        return mismatch(err, t, "true or false", j);
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT: {
        if (!json_is_integer(j))
            return mismatch(err, t, "an integer without fraction or exponent", j);
        json_int_t v = json_integer_value(j);
        FLOE_TRY(floe_int_check_range((int64_t)v, t, err));
        out->v.i64 = (int64_t)v;
        return FLOE_OK;
    }
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: return float_from_json(j, t, out, err);
    case FLOE_T_DECIMAL: {
        char num[32];
        const char *s;
        if (json_is_integer(j)) {
            snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(j));
            s = num;
        } else if (json_is_string(j)) {
            FLOE_TRY(json_cstr(j, t, &s, err));
        } else {
            return mismatch(err, t, "a string such as \"-12.34\", or an integer", j);
        }
        return floe_decimal_parse(s, t.precision, t.scale, &out->v.dec, err);
    }
    case FLOE_T_STRING:
    case FLOE_T_BINARY: {
        if (!json_is_string(j))
            return mismatch(err, t, t.kind == FLOE_T_STRING ? "a string" : "a base64 string",
                            j);
        if (!arena)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "floe_value_from_json: string and binary values need an arena");
        const char *s = json_string_value(j);
        size_t n = json_string_length(j);
        size_t off = arena->len;
        /* Reserve at least a byte so arena->data is never NULL for a value. */
        FLOE_TRY(floe_buf_reserve(arena, n ? n : 1, err));
        if (t.kind == FLOE_T_STRING) {
            if (!floe_utf8_valid((const uint8_t *)s, n))
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "expected string, found invalid UTF-8");
            FLOE_TRY(floe_buf_append(arena, s, n, err));
        } else {
            FLOE_TRY(floe_base64_decode(s, n, arena, err));
        }
        out->v.bytes.ptr = NULL;
        out->v.bytes.off = off;
        out->v.bytes.len = arena->len - off;
        return FLOE_OK;
    }
    case FLOE_T_DATE: {
        const char *s;
        if (!json_is_string(j)) return mismatch(err, t, "a \"YYYY-MM-DD\" string", j);
        FLOE_TRY(json_cstr(j, t, &s, err));
        int32_t days = 0;
        FLOE_TRY(floe_date_parse(s, &days, err));
        out->v.i64 = days;
        return FLOE_OK;
    }
    case FLOE_T_TIMESTAMP: {
        const char *s;
        if (!json_is_string(j))
            return mismatch(err, t, "a \"YYYY-MM-DDTHH:MM:SS[.ffffff][Z]\" string", j);
        FLOE_TRY(json_cstr(j, t, &s, err));
        return floe_timestamp_parse(s, &out->v.i64, err);
    }
    }
    return floe_err_set(err, FLOE_ERR_INVALID, "unknown type kind %d", (int)t.kind);
}

/* Append p[0..n) as a JSON string (quotes included). */
static floe_status put_json_string(floe_buf *out, const uint8_t *p, size_t n, floe_err *err) {
    FLOE_TRY(floe_buf_reserve(out, n + 2, err));
    out->data[out->len++] = '"';
    size_t run = 0;
    for (size_t i = 0; i < n; i++) {
        uint8_t c = p[i];
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        FLOE_TRY(floe_buf_append(out, p + run, i - run, err));
        char esc[8];
        switch (c) {
        case '"': memcpy(esc, "\\\"", 3); break;
        case '\\': memcpy(esc, "\\\\", 3); break;
        case '\b': memcpy(esc, "\\b", 3); break;
        case '\f': memcpy(esc, "\\f", 3); break;
        case '\n': memcpy(esc, "\\n", 3); break;
        case '\r': memcpy(esc, "\\r", 3); break;
        case '\t': memcpy(esc, "\\t", 3); break;
        default: snprintf(esc, sizeof esc, "\\u%04X", c); break;
        }
        FLOE_TRY(floe_buf_append(out, esc, strlen(esc), err));
        run = i + 1;
    }
    FLOE_TRY(floe_buf_append(out, p + run, n - run, err));
    return floe_buf_put_u8(out, '"', err);
}

static const uint8_t *bytes_of(const floe_value *v, const floe_buf *arena) {
    if (v->v.bytes.len == 0) return (const uint8_t *)"";
    if (!v->v.bytes.ptr && (!arena || !arena->data)) return NULL;
    return floe_value_bytes(v, arena);
}

floe_status floe_value_to_json(const floe_value *val, floe_type t, const floe_buf *arena,
                               floe_buf *out, floe_err *err) {
    char tmp[64];
    size_t n;
    if (val->is_null) return floe_buf_append(out, "null", 4, err);
    switch (t.kind) {
    case FLOE_T_BOOLEAN:
        return val->v.i64 ? floe_buf_append(out, "true", 4, err)
                          : floe_buf_append(out, "false", 5, err);
    case FLOE_T_TINYINT:
    case FLOE_T_SMALLINT:
    case FLOE_T_INT:
    case FLOE_T_BIGINT:
        n = (size_t)snprintf(tmp, sizeof tmp, "%" PRId64, val->v.i64);
        return floe_buf_append(out, tmp, n, err);
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: {
        double d = val->v.f64;
        if (isnan(d)) return floe_buf_append(out, "\"NaN\"", 5, err);
        if (isinf(d))
            return d > 0 ? floe_buf_append(out, "\"Infinity\"", 10, err)
                         : floe_buf_append(out, "\"-Infinity\"", 11, err);
        n = fmt_double(d, t.kind == FLOE_T_FLOAT, tmp);
        return floe_buf_append(out, tmp, n, err);
    }
    case FLOE_T_DECIMAL:
        tmp[0] = '"';
        n = 1 + floe_decimal_format(val->v.dec, t.scale, tmp + 1);
        tmp[n++] = '"';
        return floe_buf_append(out, tmp, n, err);
    case FLOE_T_DATE:
        if (val->v.i64 < INT32_MIN || val->v.i64 > INT32_MAX)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT, "date value %" PRId64
                                " days is out of range", val->v.i64);
        tmp[0] = '"';
        n = 1 + floe_date_format((int32_t)val->v.i64, tmp + 1);
        tmp[n++] = '"';
        return floe_buf_append(out, tmp, n, err);
    case FLOE_T_TIMESTAMP:
        tmp[0] = '"';
        n = 1 + floe_timestamp_format(val->v.i64, tmp + 1);
        tmp[n++] = '"';
        return floe_buf_append(out, tmp, n, err);
    case FLOE_T_STRING:
    case FLOE_T_BINARY: {
        const uint8_t *p = bytes_of(val, arena);
        size_t len = val->v.bytes.len;
        if (!p)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "floe_value_to_json: value refers to an arena, none given");
        if (t.kind == FLOE_T_STRING) {
            if (!floe_utf8_valid(p, len))
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "string value is not valid UTF-8");
            return put_json_string(out, p, len, err);
        }
        FLOE_TRY(floe_buf_put_u8(out, '"', err));
        FLOE_TRY(floe_base64_encode(p, len, out, err));
        return floe_buf_put_u8(out, '"', err);
    }
    }
    return floe_err_set(err, FLOE_ERR_INVALID, "unknown type kind %d", (int)t.kind);
}

/* ---- comparison ------------------------------------------------------------ */

static int cmp_i64(int64_t a, int64_t b) { return (a > b) - (a < b); }

int floe_type_compares_as_i64(floe_type_kind k) {
    switch (k) {
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE:
    case FLOE_T_DECIMAL:
    case FLOE_T_STRING:
    case FLOE_T_BINARY: return 0;
    default: return 1;
    }
}

int floe_value_compare(const floe_value *a, const floe_value *b, floe_type t,
                       const floe_buf *arena_a, const floe_buf *arena_b) {
    switch (t.kind) {
    case FLOE_T_FLOAT:
    case FLOE_T_DOUBLE: {
        double x = a->v.f64, y = b->v.f64;
        int nx = isnan(x), ny = isnan(y);
        if (nx || ny) return nx - ny;
        if (x < y) return -1;
        if (x > y) return 1;
        return (signbit(y) != 0) - (signbit(x) != 0); /* -0 < +0 */
    }
    case FLOE_T_DECIMAL: return (a->v.dec > b->v.dec) - (a->v.dec < b->v.dec);
    case FLOE_T_STRING:
    case FLOE_T_BINARY: {
        size_t la = a->v.bytes.len, lb = b->v.bytes.len;
        size_t m = la < lb ? la : lb;
        int c = m ? memcmp(bytes_of(a, arena_a), bytes_of(b, arena_b), m) : 0;
        if (c) return c < 0 ? -1 : 1;
        return (la > lb) - (la < lb);
    }
    default: return cmp_i64(a->v.i64, b->v.i64);
    }
}
