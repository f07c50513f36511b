/*
 * dbz_decode.c: Debezium change events (JsonConverter, MariaDB connector)
 * into floe rows; see dbz_decode.h.
 *
 * Decisions beyond the header:
 * - Every problem with a message (bad JSON, bad envelope, a value that does
 *   not fit its column) is FLOE_ERR_BAD_INPUT; a schema floe cannot
 *   represent (struct/array/map fields, decimals wider than 38 digits,
 *   MariaDB types such as GEOMETRY or UUID) is FLOE_ERR_UNSUPPORTED; a bad
 *   argument (binary_mode, key names) is FLOE_ERR_INVALID.
 * - Envelope: {"schema":S,"payload":P} with exactly those two keys is
 *   schemas-on when S is a struct schema, and also when S is null (a value
 *   without a schema; value_schema is then NULL); a null payload is a
 *   tombstone. before/after/source must be objects or null.
 * - JsonConverter always writes Connect BYTES as standard base64, so a
 *   "bytes" field is BYTES_BASE64 whatever binary_mode says. With
 *   binary.handling.mode=base64|hex|base64-url-safe Debezium sends binary
 *   columns as plain "string" fields that the schema cannot tell from text;
 *   such fields get type string and the binary_mode encoding, and the
 *   decoder applies that encoding only when the target column is binary (a
 *   string column takes the text as is). A field whose parameters carry
 *   __debezium.source.column.type (column.propagate.source.type) naming a
 *   binary MariaDB type gets type binary.
 * - Timestamps: years 0001..9999 only (floe's range); sub-microsecond parts
 *   (NanoTimestamp, 7..9 fraction digits) must be zero, never rounded.
 * - Decimals are never rounded: a value with more fraction digits than the
 *   column's scale, or more integer digits than it allows, is an error.
 * - decimal.format=NUMERIC: jansson parses JSON numbers into int64 or
 *   double and keeps no text, so a fractional number is recovered as the
 *   shortest decimal that reads back to the same double. That is exact for
 *   every value of at most 15 significant digits; a number whose shortest
 *   form has 16 or 17 digits is refused (it may not be what was sent), and
 *   a number with more than 15 significant digits that happens to round to
 *   a double with a short form (0.30000000000000000001 -> 0.3) cannot be
 *   detected. Integers beyond int64 make jansson reject the whole message.
 *   The default decimal.format=BASE64 (or decimal.handling.mode=string) has
 *   none of these limits.
 */
#define _POSIX_C_SOURCE 200809L
#include "dbz_decode.h"
#include "dbz_internal.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>



/* ---- small helpers --------------------------------------------------------- */

/* "string \"abc\"", "number 12", "an object"... for messages. */

static floe_status expected(floe_err *err, const char *what, const json_t *j) {
    char found[96];
    floe_json_describe(j, found, sizeof found);
    return floe_err_set(err, FLOE_ERR_BAD_INPUT, "expected %s, got %s", what, found);
}

static const char *enc_name(floe_dbz_enc e) {
    switch (e) {
    case FLOE_DBZ_PLAIN: return "plain JSON";
    case FLOE_DBZ_DATE_DAYS: return "io.debezium.time.Date (days)";
    case FLOE_DBZ_TS_MS: return "io.debezium.time.Timestamp (milliseconds)";
    case FLOE_DBZ_TS_US: return "io.debezium.time.MicroTimestamp (microseconds)";
    case FLOE_DBZ_TS_NS: return "io.debezium.time.NanoTimestamp (nanoseconds)";
    case FLOE_DBZ_TS_ZONED: return "io.debezium.time.ZonedTimestamp (ISO-8601 string)";
    case FLOE_DBZ_TIME_MS: return "io.debezium.time.Time (milliseconds)";
    case FLOE_DBZ_TIME_US: return "io.debezium.time.MicroTime (microseconds)";
    case FLOE_DBZ_TIME_NS: return "io.debezium.time.NanoTime (nanoseconds)";
    case FLOE_DBZ_DECIMAL_BYTES: return "org.apache.kafka.connect.data.Decimal";
    case FLOE_DBZ_DECIMAL_VAR: return "io.debezium.data.VariableScaleDecimal";
    case FLOE_DBZ_BYTES_BASE64: return "base64 bytes";
    case FLOE_DBZ_BYTES_HEX: return "hex bytes";
    case FLOE_DBZ_BYTES_BASE64URL: return "base64url bytes";
    }
    return "unknown encoding";
}

static floe_status wrong_target(floe_err *err, floe_dbz_enc e, floe_type t) {
    char tn[48];
    floe_type_format(t, tn, sizeof tn);
    return floe_err_set(err, FLOE_ERR_BAD_INPUT, "a %s value cannot be stored in a %s column",
                        enc_name(e), tn);
}


static floe_status ts_range(int64_t us, floe_err *err, const char *what, const json_t *j) {
    if (us >= MIN_US && us <= MAX_US) return FLOE_OK;
    char found[96];
    floe_json_describe(j, found, sizeof found);
    return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                        "%s %s is outside years 0001..9999", what, found);
}

/* Put n bytes decoded by fn into the arena as a string/binary value. */
static floe_status arena_begin(floe_buf *arena, size_t n, floe_err *err) {
    if (!arena)
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "floe_dbz_decode_row: string and binary values need an arena");
    /* at least a byte so arena->data is never NULL for a value */
    return floe_buf_reserve(arena, n ? n : 1, err);
}

static void set_bytes(floe_value *out, size_t off, size_t len) {
    out->v.bytes.ptr = NULL;
    out->v.bytes.off = off;
    out->v.bytes.len = len;
}

/* ---- base64 / hex ---------------------------------------------------------- */

static int b64v(unsigned char c, int url) {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == (url ? '-' : '+')) return 62;
    if (c == (url ? '_' : '/')) return 63;
    return -1;
}

/* Decode base64 (url: the URL-safe alphabet, padding optional; else the
 * standard alphabet, padding required) into out, which has room for
 * n / 4 * 3 + 3 bytes. */
floe_status floe__dbz_b64_decode(const char *s, size_t n, int url, uint8_t *out, size_t *outlen,
                              floe_err *err) {
    const char *name = url ? "base64url" : "base64";
    size_t data = n;
    while (data > 0 && s[data - 1] == '=' && n - data < 2) data--;
    for (size_t i = 0; i < data; i++) {
        if (b64v((unsigned char)s[i], url) < 0) {
            unsigned char c = (unsigned char)s[i];
            if (c > 0x20 && c < 0x7f)
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "invalid %s: character '%c' at offset %zu", name, c, i);
            return floe_err_set(err, FLOE_ERR_BAD_INPUT, "invalid %s: byte 0x%02x at offset %zu",
                                name, c, i);
        }
    }
    if (data < n || !url) {
        if (n % 4 != 0)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "invalid %s: length %zu is not a multiple of 4%s", name, n,
                                url ? "" : " (padded standard base64 expected)");
    }
    if (data % 4 == 1)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "invalid %s: truncated (length %zu)", name,
                            n);
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < data; i++) {
        acc = (acc << 6) | (uint32_t)b64v((unsigned char)s[i], url);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (uint8_t)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    *outlen = o;
    return FLOE_OK;
}

static int hexv(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static floe_status hex_decode(const char *s, size_t n, uint8_t *out, size_t *outlen,
                              floe_err *err) {
    if (n % 2)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "invalid hex: odd length %zu", n);
    for (size_t i = 0; i < n; i += 2) {
        int hi = hexv((unsigned char)s[i]), lo = hexv((unsigned char)s[i + 1]);
        if (hi < 0 || lo < 0) {
            size_t at = hi < 0 ? i : i + 1;
            unsigned char c = (unsigned char)s[at];
            if (c > 0x20 && c < 0x7f)
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "invalid hex: character '%c' at offset %zu", c, at);
            return floe_err_set(err, FLOE_ERR_BAD_INPUT, "invalid hex: byte 0x%02x at offset %zu",
                                c, at);
        }
        out[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    *outlen = n / 2;
    return FLOE_OK;
}

floe_status floe__dbz_bytes_decode(floe_dbz_enc e, const char *s, size_t n, uint8_t *out,
                                size_t *outlen, floe_err *err) {
    if (e == FLOE_DBZ_BYTES_HEX) return hex_decode(s, n, out, outlen, err);
    return floe__dbz_b64_decode(s, n, e == FLOE_DBZ_BYTES_BASE64URL, out, outlen, err);
}

/* ---- decimals -------------------------------------------------------------- */

static u128 pow10_u(int n) {
    u128 v = 1;
    while (n-- > 0) v *= 10;
    return v;
}

/* Text of unscaled v at scale es, for messages. */
static void dec_text(int neg, u128 mag, int64_t es, char *out /* >= 96 */) {
    floe_i128 v = neg ? -(floe_i128)(mag - 1) - 1 : (floe_i128)mag;
    if (es >= 0 && es <= FLOE_DECIMAL_MAX_PRECISION && mag <= ((u128)1 << 127) - (neg ? 0 : 1)) {
        floe_decimal_format(v, (uint8_t)es, out);
        return;
    }
    char digs[48];
    floe_decimal_format(v, 0, digs);
    snprintf(out, 96, "%se%" PRId64, digs, -es);
}

/* Store sign/magnitude at scale es as a value of decimal type t, without
 * rounding. */
floe_status floe__dbz_dec_store(int neg, u128 mag, int64_t es, floe_type t, floe_value *out,
                             floe_err *err) {
    char tn[48], txt[96];
    int64_t d = (int64_t)t.scale - es;
    u128 limit = pow10_u(t.precision);
    if (d < 0 && mag != 0) {
        /* |mag| < 2^127 < 10^39: only 0 is a multiple of 10^39 and up */
        if (-d > FLOE_DECIMAL_MAX_PRECISION || mag % pow10_u((int)-d) != 0) {
            floe_type_format(t, tn, sizeof tn);
            dec_text(neg, mag, es, txt);
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "decimal %s has more fraction digits than %s allows (not "
                                "rounded)", txt, tn);
        }
        mag /= pow10_u((int)-d);
    } else if (d > 0 && mag != 0) {
        if (d > t.precision || mag >= pow10_u(t.precision - (int)d)) goto range;
        mag *= pow10_u((int)d);
    }
    if (mag >= limit) goto range;
    out->v.dec = neg ? -(floe_i128)mag : (floe_i128)mag;
    return FLOE_OK;
range:
    floe_type_format(t, tn, sizeof tn);
    dec_text(neg, mag, es, txt);
    return floe_err_set(err, FLOE_ERR_BAD_INPUT, "decimal %s out of range for %s", txt, tn);
}

/* Big-endian two's complement bytes (BigInteger.toByteArray) into
 * sign/magnitude. */
floe_status floe__dbz_dec_from_bytes(const uint8_t *b, size_t n, int *neg, u128 *mag,
                                  floe_err *err) {
    if (n == 0)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "decimal has no bytes (empty value)");
    if (n > 17)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "decimal of %zu bytes is wider than 38 digits", n);
    if (n == 17) {
        uint8_t ext = (b[1] & 0x80) ? 0xff : 0x00;
        if (b[0] != ext)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "decimal of 17 bytes is wider than 38 digits");
        b++;
        n--;
    }
    u128 u = (b[0] & 0x80) ? ~(u128)0 : 0;
    for (size_t i = 0; i < n; i++) u = (u << 8) | b[i];
    *neg = (b[0] & 0x80) != 0;
    *mag = *neg ? ~u + 1 : u;
    return FLOE_OK;
}

/* A JSON number (decimal.format=NUMERIC) as a decimal; see the top. */
static floe_status dec_from_number(const json_t *j, floe_type t, floe_value *out,
                                   floe_err *err) {
    if (json_is_integer(j)) {
        json_int_t v = json_integer_value(j);
        u128 mag = v < 0 ? (u128)(-(v + 1)) + 1 : (u128)v;
        return floe__dbz_dec_store(v < 0, mag, 0, t, out, err);
    }
    double x = json_real_value(j);
    if (!isfinite(x)) return expected(err, "a finite number", j);
    return floe__dbz_dec_from_double(x, t, out, err);
}

const floe_dbz_field *floe__dbz_field_for(const floe_dbz_fields *fs, size_t i, const char *name) {
    size_t nf = fs ? fs->n : 0;
    if (i < nf && strcmp(fs->f[i].name, name) == 0) return &fs->f[i];
    for (size_t k = 0; k < nf; k++)
        if (strcmp(fs->f[k].name, name) == 0) return &fs->f[k];
    return NULL;
}

floe_status floe__dbz_dec_from_double(double x, floe_type t, floe_value *out, floe_err *err) {
    char buf[48];
    int p = 1;
    for (; p <= 17; p++) {
        snprintf(buf, sizeof buf, "%.*e", p - 1, x);
        if (strtod(buf, NULL) == x) break;
    }
    if (p > 15) {
        char tn[48];
        floe_type_format(t, tn, sizeof tn);
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "JSON number %s for %s has more than 15 significant digits and "
                            "cannot be read exactly (JSON numbers are parsed as doubles); use "
                            "decimal.format=BASE64 or decimal.handling.mode=string", buf, tn);
    }
    /* buf is "[-]d[.ddd]e(+|-)XX" */
    const char *s = buf;
    int neg = *s == '-';
    if (neg) s++;
    u128 mag = 0;
    int nd = 0;
    for (; *s && *s != 'e'; s++)
        if (*s >= '0' && *s <= '9') {
            mag = mag * 10 + (unsigned)(*s - '0');
            nd++;
        }
    long ex = *s == 'e' ? strtol(s + 1, NULL, 10) : 0;
    return floe__dbz_dec_store(neg, mag, (int64_t)(nd - 1) - ex, t, out, err);
}

/* ---- temporal -------------------------------------------------------------- */

static int digs(const char *s, size_t n, size_t at, int k, unsigned *out) {
    if (at + (size_t)k > n) return 0;
    unsigned v = 0;
    for (int i = 0; i < k; i++) {
        char c = s[at + (size_t)i];
        if (c < '0' || c > '9') return 0;
        v = v * 10 + (unsigned)(c - '0');
    }
    *out = v;
    return 1;
}

/* ISO-8601 "YYYY-MM-DDTHH:MM[:SS[.fffffffff]][Z|+HH:MM[:SS]|+HHMM|+HH]" (no
 * offset: UTC) into UTC microseconds. */
floe_status floe__dbz_parse_iso_ts(const char *s, size_t n, int64_t *micros, floe_err *err) {
    char shown[80];
    size_t k = 0;
    for (; k < n && k < 64; k++) {
        unsigned char c = (unsigned char)s[k];
        shown[k] = c >= 0x20 && c < 0x7f ? (char)c : '?';
    }
    shown[k] = '\0';
    unsigned y, mo, d, hh, mi, ss = 0;
    if (!digs(s, n, 0, 4, &y) || n < 16 || s[4] != '-' || !digs(s, n, 5, 2, &mo) ||
        s[7] != '-' || !digs(s, n, 8, 2, &d) || (s[10] != 'T' && s[10] != 't') ||
        !digs(s, n, 11, 2, &hh) || s[13] != ':' || !digs(s, n, 14, 2, &mi))
        goto bad;
    size_t p = 16;
    int64_t frac = 0;
    if (p < n && s[p] == ':') {
        if (!digs(s, n, p + 1, 2, &ss)) goto bad;
        p += 3;
        if (p < n && s[p] == '.') {
            p++;
            int nd = 0;
            int64_t sub = 0; /* digits beyond microseconds */
            for (; p < n && s[p] >= '0' && s[p] <= '9'; p++, nd++) {
                if (nd >= 9) goto bad;
                if (nd < 6)
                    frac = frac * 10 + (s[p] - '0');
                else
                    sub = sub * 10 + (s[p] - '0');
            }
            if (nd == 0) goto bad;
            for (int i = nd; i < 6; i++) frac *= 10;
            if (sub != 0)
                return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                    "timestamp \"%s\" has a sub-microsecond part; floe "
                                    "timestamps are microseconds (not rounded)", shown);
        }
    }
    int64_t off = 0;
    if (p < n && (s[p] == 'Z' || s[p] == 'z')) {
        p++;
    } else if (p < n && (s[p] == '+' || s[p] == '-')) {
        int sign = s[p] == '-' ? -1 : 1;
        unsigned oh, om = 0, os = 0;
        p++;
        if (!digs(s, n, p, 2, &oh)) goto bad;
        p += 2;
        if (p < n && s[p] == ':') {
            if (!digs(s, n, p + 1, 2, &om)) goto bad;
            p += 3;
            if (p < n && s[p] == ':') {
                if (!digs(s, n, p + 1, 2, &os)) goto bad;
                p += 3;
            }
        } else if (digs(s, n, p, 2, &om)) {
            p += 2;
        }
        if (oh > 18 || om > 59 || os > 59 || oh * 3600 + om * 60 + os > 18 * 3600)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "timestamp \"%s\": offset out of range (at most 18:00)", shown);
        off = sign * (int64_t)(oh * 3600 + om * 60 + os);
    }
    if (p != n) goto bad;
    if (y < 1 || mo < 1 || mo > 12 || d < 1 || hh > 23 || mi > 59 || ss > 59) goto range;
    int64_t days = floe_days_from_civil(y, mo, d);
    {
        int64_t yy;
        unsigned mm, dd;
        floe_civil_from_days(days, &yy, &mm, &dd);
        if (yy != (int64_t)y || mm != mo || dd != d) goto range;
    }
    int64_t us = days * US_PER_DAY + ((int64_t)hh * 3600 + mi * 60 + ss - off) * US_PER_SEC + frac;
    if (us < MIN_US || us > MAX_US)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "timestamp \"%s\" is outside years 0001..9999 (UTC)", shown);
    *micros = us;
    return FLOE_OK;
bad:
    return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                        "invalid timestamp \"%s\": expected ISO-8601 such as "
                        "2024-05-01T12:34:56.123456Z or 2024-05-01T12:34:56+02:00", shown);
range:
    return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                        "invalid timestamp \"%s\": no such date or time", shown);
}

/* An integer JSON value scaled to microseconds: unit 1000 (ms), 1 (us),
 * -1000 (ns, must be exact). */
static floe_status int_to_us(const json_t *j, int unit, int64_t *us, floe_err *err) {
    if (!json_is_integer(j)) return expected(err, "an integer", j);
    int64_t v = json_integer_value(j);
    if (unit > 0) {
        if (v > INT64_MAX / unit || v < INT64_MIN / unit)
            return expected(err, "an integer in range", j);
        *us = v * unit;
    } else {
        if (v % (-unit) != 0) {
            char found[96];
            floe_json_describe(j, found, sizeof found);
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "%s nanoseconds has a sub-microsecond part; floe keeps "
                                "microseconds (not rounded)", found);
        }
        *us = v / (-unit);
    }
    return FLOE_OK;
}

static floe_status int_range(int64_t v, floe_type t, floe_value *out, floe_err *err) {
    FLOE_TRY(floe_int_check_range(v, t, err));
    out->v.i64 = v;
    return FLOE_OK;
}

/* ---- one value ------------------------------------------------------------- */

static floe_status decode_bytes(const json_t *j, floe_dbz_enc e, floe_type_kind field_kind,
                                floe_type t, floe_value *out, floe_buf *arena, floe_err *err) {
    if (!json_is_string(j)) return expected(err, "a string", j);
    const char *s = json_string_value(j);
    size_t n = json_string_length(j);
    if (t.kind == FLOE_T_STRING && field_kind == FLOE_T_STRING)
        return floe_value_from_json(j, t, out, arena, err); /* text column sent as text */
    if (t.kind != FLOE_T_BINARY && t.kind != FLOE_T_STRING) return wrong_target(err, e, t);
    FLOE_TRY(arena_begin(arena, n + 3, err)); /* decoded bytes never outnumber the text */
    size_t off = arena->len, len = 0;
    floe_status st = floe__dbz_bytes_decode(e, s, n, arena->data + off, &len, err);
    if (st != FLOE_OK) return st;
    if (t.kind == FLOE_T_STRING && !floe_utf8_valid(arena->data + off, len))
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "bytes are not valid UTF-8 for a string column");
    arena->len += len;
    set_bytes(out, off, len);
    return FLOE_OK;
}

static floe_status decode_decimal_bytes(const json_t *j, floe_dbz_enc e, int scale, floe_type t,
                                        floe_value *out, floe_err *err) {
    if (t.kind != FLOE_T_DECIMAL) return wrong_target(err, e, t);
    const json_t *jv = j;
    int64_t es = scale;
    if (e == FLOE_DBZ_DECIMAL_VAR) {
        if (!json_is_object(j))
            return expected(err, "an object {\"scale\":S,\"value\":base64}", j);
        const json_t *js = json_object_get(j, "scale");
        jv = json_object_get(j, "value");
        floe_status st = FLOE_OK;
        if (!json_is_integer(js) || json_integer_value(js) < -1000 ||
            json_integer_value(js) > 1000)
            st = expected(err, "\"scale\": an integer in -1000..1000", js);
        else if (!json_is_string(jv))
            st = expected(err, "\"value\": a base64 string", jv);
        if (st != FLOE_OK) return st;
        es = json_integer_value(js);
    } else if (json_is_number(j)) {
        return dec_from_number(j, t, out, err); /* decimal.format=NUMERIC */
    } else if (!json_is_string(j)) {
        return expected(err, "base64 decimal bytes or a number", j);
    }
    const char *s = json_string_value(jv);
    size_t n = json_string_length(jv);
    if (n > 24) {
        char found[96];
        floe_json_describe(jv, found, sizeof found);
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "decimal bytes %s are wider than 38 digits", found);
    }
    uint8_t b[24];
    size_t len = 0;
    floe_status st = floe__dbz_b64_decode(s, n, 0, b, &len, err);
    if (st != FLOE_OK) {
        char found[96];
        floe_json_describe(jv, found, sizeof found);
        floe_err_prefix(err, "expected base64 decimal bytes, got %s: ", found);
        return st;
    }
    int neg = 0;
    u128 mag = 0;
    FLOE_TRY(floe__dbz_dec_from_bytes(b, len, &neg, &mag, err));
    return floe__dbz_dec_store(neg, mag, es, t, out, err);
}

static floe_status decode_plain(const json_t *j, floe_type t, floe_value *out, floe_buf *arena,
                                floe_err *err) {
    if (t.kind == FLOE_T_DECIMAL && json_is_number(j)) return dec_from_number(j, t, out, err);
    if (t.kind == FLOE_T_TIMESTAMP) {
        if (!json_is_string(j))
            return expected(err, "an ISO-8601 timestamp string", j);
        return floe__dbz_parse_iso_ts(json_string_value(j), json_string_length(j), &out->v.i64, err);
    }
    return floe_value_from_json(j, t, out, arena, err);
}

static floe_status decode_value(const json_t *j, const floe_dbz_field *f, floe_type t,
                                floe_value *out, floe_buf *arena, floe_err *err) {
    memset(out, 0, sizeof *out);
    if (!j || json_is_null(j)) {
        out->is_null = 1;
        return FLOE_OK;
    }
    floe_dbz_enc e = f ? f->enc : FLOE_DBZ_PLAIN;
    int64_t us;
    switch (e) {
    case FLOE_DBZ_PLAIN: return decode_plain(j, t, out, arena, err);
    case FLOE_DBZ_DATE_DAYS: {
        if (t.kind != FLOE_T_DATE && t.kind != FLOE_T_TIMESTAMP) return wrong_target(err, e, t);
        if (!json_is_integer(j)) return expected(err, "an integer (days since 1970-01-01)", j);
        int64_t days = json_integer_value(j);
        if (days < MIN_DAYS || days > MAX_DAYS)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "date of %" PRId64 " days is outside years 0001..9999", days);
        out->v.i64 = t.kind == FLOE_T_DATE ? days : days * US_PER_DAY;
        return FLOE_OK;
    }
    case FLOE_DBZ_TS_MS:
    case FLOE_DBZ_TS_US:
    case FLOE_DBZ_TS_NS:
        if (t.kind != FLOE_T_TIMESTAMP) return wrong_target(err, e, t);
        FLOE_TRY(int_to_us(j, e == FLOE_DBZ_TS_MS ? 1000 : e == FLOE_DBZ_TS_US ? 1 : -1000, &us,
                           err));
        FLOE_TRY(ts_range(us, err, "timestamp", j));
        out->v.i64 = us;
        return FLOE_OK;
    case FLOE_DBZ_TS_ZONED:
        if (t.kind != FLOE_T_TIMESTAMP) return wrong_target(err, e, t);
        if (!json_is_string(j)) return expected(err, "an ISO-8601 timestamp string", j);
        return floe__dbz_parse_iso_ts(json_string_value(j), json_string_length(j), &out->v.i64, err);
    case FLOE_DBZ_TIME_MS:
    case FLOE_DBZ_TIME_US:
    case FLOE_DBZ_TIME_NS:
        if (!floe_type_is_integer(t.kind) || t.kind == FLOE_T_DATE) return wrong_target(err, e, t);
        FLOE_TRY(int_to_us(j, e == FLOE_DBZ_TIME_MS ? 1000 : e == FLOE_DBZ_TIME_US ? 1 : -1000,
                           &us, err));
        return int_range(us, t, out, err);
    case FLOE_DBZ_DECIMAL_BYTES:
    case FLOE_DBZ_DECIMAL_VAR: return decode_decimal_bytes(j, e, f->scale, t, out, err);
    case FLOE_DBZ_BYTES_BASE64:
    case FLOE_DBZ_BYTES_HEX:
    case FLOE_DBZ_BYTES_BASE64URL:
        return decode_bytes(j, e, f->type.kind, t, out, arena, err);
    }
    return floe_err_set(err, FLOE_ERR_INVALID, "unknown Debezium encoding %d", (int)e);
}

floe_status floe_dbz_decode_row(const json_t *row, const floe_dbz_fields *fs, const floe_schema *s,
                                const char *which, floe_value *vals, floe_buf *arena,
                                floe_err *err) {
    if (!which) which = "row";
    if (!s || !vals) return floe_err_set(err, FLOE_ERR_INVALID, "floe_dbz_decode_row: no schema");
    if (!json_is_object(row)) {
        floe_status st = expected(err, "a row object", row);
        floe_err_prefix(err, "%s: ", which);
        return st;
    }
    for (size_t i = 0; i < s->ncols; i++) {
        const floe_column *c = &s->cols[i];
        const floe_dbz_field *f = floe__dbz_field_for(fs, i, c->name);
        floe_status st = decode_value(json_object_get(row, c->name), f, c->type, &vals[i], arena,
                                      err);
        if (st != FLOE_OK) {
            floe_err_prefix(err, "%s.%s: ", which, c->name);
            return st;
        }
    }
    return FLOE_OK;
}

/* ---- envelope -------------------------------------------------------------- */

static floe_status row_member(const json_t *payload, const char *key, const json_t **out,
                              floe_err *err) {
    const json_t *j = json_object_get(payload, key);
    *out = NULL;
    if (!j || json_is_null(j)) return FLOE_OK;
    if (!json_is_object(j)) {
        floe_status st = expected(err, "an object or null", j);
        floe_err_prefix(err, "%s: ", key);
        return st;
    }
    *out = j;
    return FLOE_OK;
}

floe_status floe_dbz_parse(const char *value, size_t len, floe_dbz_event *ev, json_t **root,
                           floe_err *err) {
    memset(ev, 0, sizeof *ev);
    *root = NULL;
    if (len == 0 || !value) return FLOE_OK; /* tombstone */
    json_error_t je;
    json_t *r = json_loadb(value, len, JSON_DECODE_ANY | JSON_ALLOW_NUL | JSON_REJECT_DUPLICATES,
                           &je);
    if (!r)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "message value is not valid JSON: line %d, column %d: %s%s", je.line,
                            je.column, je.text,
                            strstr(je.text, "too big") ? " (numbers must fit in 64 bits; with "
                                                         "decimal.format=NUMERIC use BASE64)"
                                                       : "");
    if (json_is_null(r)) {
        json_decref(r);
        return FLOE_OK;
    }
    floe_status st = FLOE_OK;
    const json_t *payload = r;
    if (json_is_object(r) && json_object_size(r) == 2 && json_object_get(r, "payload")) {
        const json_t *sc = json_object_get(r, "schema");
        if (sc && (json_is_null(sc) ||
                   (json_is_object(sc) &&
                    json_is_string(json_object_get(sc, "type")) &&
                    strcmp(json_string_value(json_object_get(sc, "type")), "struct") == 0))) {
            payload = json_object_get(r, "payload");
            ev->value_schema = json_is_object(sc) ? sc : NULL;
            if (json_is_null(payload)) { /* tombstone with a schema envelope */
                ev->value_schema = NULL;
                *root = r;
                return FLOE_OK;
            }
        }
    }
    if (!json_is_object(payload)) {
        st = expected(err, "a JSON object (Debezium change event)", payload);
        floe_err_prefix(err, "message value: ");
        goto fail;
    }
    const json_t *op = json_object_get(payload, "op");
    if (!op) {
        st = floe_err_set(err, FLOE_ERR_BAD_INPUT,
                          "message value has no \"op\" (expected a Debezium change event with "
                          "op c, u, d, r or t)");
        goto fail;
    }
    const char *o = json_string_value(op);
    if (!o || json_string_length(op) != 1 || !strchr("cudrt", o[0])) {
        char found[96];
        floe_json_describe(op, found, sizeof found);
        st = floe_err_set(err, FLOE_ERR_BAD_INPUT,
                          "op: expected one of \"c\", \"u\", \"d\", \"r\", \"t\", got %s", found);
        goto fail;
    }
    ev->op = o[0];
    if ((st = row_member(payload, "before", &ev->before, err)) != FLOE_OK) goto fail;
    if ((st = row_member(payload, "after", &ev->after, err)) != FLOE_OK) goto fail;
    if ((st = row_member(payload, "source", &ev->source, err)) != FLOE_OK) goto fail;
    *root = r;
    return FLOE_OK;
fail:
    memset(ev, 0, sizeof *ev);
    json_decref(r);
    return st;
}

/* ---- fields ---------------------------------------------------------------- */

void floe_dbz_fields_free(floe_dbz_fields *fs) {
    if (!fs) return;
    for (size_t i = 0; i < fs->n; i++) free(fs->f[i].name);
    free(fs->f);
    fs->f = NULL;
    fs->n = 0;
}

static floe_status binary_enc(const char *mode, floe_dbz_enc *e, floe_err *err) {
    if (!mode || !strcmp(mode, "bytes") || !strcmp(mode, "base64"))
        *e = FLOE_DBZ_BYTES_BASE64;
    else if (!strcmp(mode, "hex"))
        *e = FLOE_DBZ_BYTES_HEX;
    else if (!strcmp(mode, "base64-url-safe"))
        *e = FLOE_DBZ_BYTES_BASE64URL;
    else
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "unknown binary.handling.mode \"%s\" (known: bytes, base64, "
                            "base64-url-safe, hex)", mode);
    return FLOE_OK;
}

static int is_binary_sql_type(const char *t) {
    static const char *const names[] = {"binary",   "varbinary",  "tinyblob",
                                        "blob",     "mediumblob", "longblob"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (!strcasecmp(t, names[i])) return 1;
    return 0;
}

/* A schema parameter as an integer (JsonConverter writes them as strings). */
static int param_int(const json_t *params, const char *key, long *out) {
    const json_t *p = json_object_get(params, key);
    if (json_is_integer(p)) {
        *out = (long)json_integer_value(p);
        return 1;
    }
    const char *s = json_string_value(p);
    if (!s || !*s) return 0;
    char *end;
    long v = strtol(s, &end, 10);
    if (*end) return -1;
    *out = v;
    return 1;
}

static floe_type tkind(floe_type_kind k) {
    floe_type t = {k, 0, 0};
    return t;
}

static floe_status map_field(const json_t *fj, const char *fname, const char *binary_mode,
                             floe_dbz_field *out, floe_err *err) {
    const char *type = json_string_value(json_object_get(fj, "type"));
    const char *lname = json_string_value(json_object_get(fj, "name"));
    const json_t *params = json_object_get(fj, "parameters");
    if (!type)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "field %s: schema has no \"type\"", fname);
    const json_t *jo = json_object_get(fj, "optional");
    if (jo && !json_is_boolean(jo))
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "field %s: \"optional\" must be true or false", fname);
    out->optional = json_is_true(jo);
    out->enc = FLOE_DBZ_PLAIN;
    out->scale = 0;
    if (!lname) lname = "";
    int is_str = !strcmp(type, "string"), is_bytes = !strcmp(type, "bytes");
    /* logical types first; a logical name on an unexpected base type falls back */
    if (is_bytes && !strcmp(lname, "org.apache.kafka.connect.data.Decimal")) {
        long scale = 0, prec = FLOE_DECIMAL_MAX_PRECISION;
        int hs = param_int(params, "scale", &scale);
        int hp = param_int(params, "connect.decimal.precision", &prec);
        if (hs <= 0 || hp < 0)
            return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                "field %s: Decimal schema without a valid \"scale\" parameter",
                                fname);
        if (prec > FLOE_DECIMAL_MAX_PRECISION || scale > FLOE_DECIMAL_MAX_PRECISION)
            return floe_err_set(err, FLOE_ERR_UNSUPPORTED,
                                "field %s: decimal(%ld,%ld) is wider than floe's 38 digits",
                                fname, prec, scale);
        if (prec < 1 || scale < 0 || scale > prec)
            return floe_err_set(err, FLOE_ERR_UNSUPPORTED,
                                "field %s: decimal(%ld,%ld) is not supported (scale must be "
                                "0..precision)", fname, prec, scale);
        out->type.kind = FLOE_T_DECIMAL;
        out->type.precision = (uint8_t)prec;
        out->type.scale = (uint8_t)scale;
        out->enc = FLOE_DBZ_DECIMAL_BYTES;
        out->scale = (int)scale;
        return FLOE_OK;
    }
    if (!strcmp(type, "struct") && !strcmp(lname, "io.debezium.data.VariableScaleDecimal")) {
        out->type.kind = FLOE_T_DECIMAL;
        out->type.precision = 38;
        out->type.scale = 10;
        out->enc = FLOE_DBZ_DECIMAL_VAR;
        out->scale = 10;
        return FLOE_OK;
    }
    static const struct {
        const char *name;
        const char *base;
        floe_type_kind kind;
        floe_dbz_enc enc;
    } logical[] = {
        {"io.debezium.time.Date", "int32", FLOE_T_DATE, FLOE_DBZ_DATE_DAYS},
        {"org.apache.kafka.connect.data.Date", "int32", FLOE_T_DATE, FLOE_DBZ_DATE_DAYS},
        {"io.debezium.time.Timestamp", "int64", FLOE_T_TIMESTAMP, FLOE_DBZ_TS_MS},
        {"org.apache.kafka.connect.data.Timestamp", "int64", FLOE_T_TIMESTAMP, FLOE_DBZ_TS_MS},
        {"io.debezium.time.MicroTimestamp", "int64", FLOE_T_TIMESTAMP, FLOE_DBZ_TS_US},
        {"io.debezium.time.NanoTimestamp", "int64", FLOE_T_TIMESTAMP, FLOE_DBZ_TS_NS},
        {"io.debezium.time.ZonedTimestamp", "string", FLOE_T_TIMESTAMP, FLOE_DBZ_TS_ZONED},
        {"io.debezium.time.IsoTimestamp", "string", FLOE_T_TIMESTAMP, FLOE_DBZ_TS_ZONED},
        {"io.debezium.time.Time", "int32", FLOE_T_BIGINT, FLOE_DBZ_TIME_MS},
        {"org.apache.kafka.connect.data.Time", "int32", FLOE_T_BIGINT, FLOE_DBZ_TIME_MS},
        {"io.debezium.time.MicroTime", "int64", FLOE_T_BIGINT, FLOE_DBZ_TIME_US},
        {"io.debezium.time.NanoTime", "int64", FLOE_T_BIGINT, FLOE_DBZ_TIME_NS},
        {"io.debezium.time.Year", "int32", FLOE_T_INT, FLOE_DBZ_PLAIN},
        {"io.debezium.data.Bits", "bytes", FLOE_T_BINARY, FLOE_DBZ_BYTES_BASE64},
        {"io.debezium.data.Enum", "string", FLOE_T_STRING, FLOE_DBZ_PLAIN},
        {"io.debezium.data.EnumSet", "string", FLOE_T_STRING, FLOE_DBZ_PLAIN},
        {"io.debezium.data.Json", "string", FLOE_T_STRING, FLOE_DBZ_PLAIN},
        {"io.debezium.data.Xml", "string", FLOE_T_STRING, FLOE_DBZ_PLAIN},
        {"io.debezium.data.Uuid", "string", FLOE_T_STRING, FLOE_DBZ_PLAIN},
    };
    for (size_t i = 0; i < sizeof logical / sizeof logical[0]; i++) {
        if (strcmp(lname, logical[i].name) || strcmp(type, logical[i].base)) continue;
        out->type = tkind(logical[i].kind);
        out->enc = logical[i].enc;
        return FLOE_OK;
    }
    /* base types */
    static const struct {
        const char *name;
        floe_type_kind kind;
    } base[] = {
        {"int8", FLOE_T_TINYINT},  {"int16", FLOE_T_SMALLINT}, {"int32", FLOE_T_INT},
        {"int64", FLOE_T_BIGINT},  {"float32", FLOE_T_FLOAT},  {"float64", FLOE_T_DOUBLE},
        /* JsonConverter's names for Connect FLOAT32/FLOAT64 */
        {"float", FLOE_T_FLOAT},   {"double", FLOE_T_DOUBLE},
        {"boolean", FLOE_T_BOOLEAN},
    };
    for (size_t i = 0; i < sizeof base / sizeof base[0]; i++) {
        if (strcmp(type, base[i].name)) continue;
        out->type = tkind(base[i].kind);
        return FLOE_OK;
    }
    if (is_bytes) {
        out->type = tkind(FLOE_T_BINARY);
        out->enc = FLOE_DBZ_BYTES_BASE64; /* JsonConverter: always standard base64 */
        return FLOE_OK;
    }
    if (is_str) {
        floe_dbz_enc be = FLOE_DBZ_BYTES_BASE64;
        FLOE_TRY(binary_enc(binary_mode, &be, err));
        const char *src =
            json_string_value(json_object_get(params, "__debezium.source.column.type"));
        int mode_bytes = !binary_mode || !strcmp(binary_mode, "bytes");
        if (src && is_binary_sql_type(src) && !mode_bytes) {
            out->type = tkind(FLOE_T_BINARY);
            out->enc = be;
        } else {
            /* text; a binary column sent as a string by binary.handling.mode
             * gets its encoding applied when the target column is binary */
            out->type = tkind(FLOE_T_STRING);
            out->enc = mode_bytes ? FLOE_DBZ_PLAIN : be;
        }
        return FLOE_OK;
    }
    if (!strcmp(type, "struct") || !strcmp(type, "array") || !strcmp(type, "map"))
        return floe_err_set(err, FLOE_ERR_UNSUPPORTED,
                            "field %s: Kafka Connect type %s%s%s%s is not supported", fname, type,
                            *lname ? " (" : "", lname, *lname ? ")" : "");
    return floe_err_set(err, FLOE_ERR_UNSUPPORTED, "field %s: unknown Kafka Connect type \"%s\"",
                        fname, type);
}

static int is_struct_schema(const json_t *j) {
    const char *t = json_string_value(json_object_get(j, "type"));
    return t && !strcmp(t, "struct") && json_is_array(json_object_get(j, "fields"));
}

static const json_t *struct_field(const json_t *st, const char *name) {
    const json_t *fields = json_object_get(st, "fields");
    for (size_t i = 0; i < json_array_size(fields); i++) {
        const json_t *f = json_array_get(fields, i);
        const char *n = json_string_value(json_object_get(f, "field"));
        if (n && !strcmp(n, name)) return f;
    }
    return NULL;
}

floe_status floe_dbz_fields_from_schema(const json_t *value_schema, const char *binary_mode,
                                        floe_dbz_fields *out, floe_err *err) {
    out->f = NULL;
    out->n = 0;
    floe_dbz_enc be;
    FLOE_TRY(binary_enc(binary_mode, &be, err));
    if (!is_struct_schema(value_schema))
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "value schema: expected a struct schema with \"fields\"");
    const json_t *row = value_schema;
    /* an envelope: before/after row structs next to op */
    const json_t *after = struct_field(value_schema, "after");
    const json_t *before = struct_field(value_schema, "before");
    const char *sname = json_string_value(json_object_get(value_schema, "name"));
    size_t snl = sname ? strlen(sname) : 0;
    int envelope = struct_field(value_schema, "op") != NULL ||
                   (snl >= 8 && !strcmp(sname + snl - 8, "Envelope"));
    if (envelope && is_struct_schema(after))
        row = after;
    else if (envelope && is_struct_schema(before))
        row = before;
    else if (envelope)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT,
                            "value schema: envelope without a struct \"after\" or \"before\"");
    const json_t *fields = json_object_get(row, "fields");
    size_t n = json_array_size(fields);
    if (n == 0)
        return floe_err_set(err, FLOE_ERR_BAD_INPUT, "value schema: the row struct has no fields");
    floe_dbz_field *fs = calloc(n, sizeof *fs);
    if (!fs) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    floe_status st = FLOE_OK;
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *fj = json_array_get(fields, i);
        const json_t *jn = json_object_get(fj, "field");
        if (!json_is_object(fj) || !json_is_string(jn) || json_string_length(jn) == 0 ||
            strlen(json_string_value(jn)) != json_string_length(jn)) {
            st = floe_err_set(err, FLOE_ERR_BAD_INPUT,
                              "value schema: fields[%zu] has no valid \"field\" name", i);
            break;
        }
        const char *name = json_string_value(jn);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(fs[k].name, name)) {
                st = floe_err_set(err, FLOE_ERR_BAD_INPUT,
                                  "value schema: field %s appears twice", name);
                break;
            }
        if (st != FLOE_OK) break;
        st = map_field(fj, name, binary_mode, &fs[i], err);
        if (st != FLOE_OK) break;
        fs[i].name = strdup(name);
        if (!fs[i].name) {
            st = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
            break;
        }
        done = i + 1;
    }
    if (st != FLOE_OK) {
        for (size_t i = 0; i < done; i++) free(fs[i].name);
        free(fs);
        return st;
    }
    out->f = fs;
    out->n = n;
    return FLOE_OK;
}

/* "(a,b)" numbers after the type name in a column_type such as
 * "decimal(10,2) unsigned"; returns how many were found. */
static int type_args(const char *column_type, long *a, long *b) {
    const char *p = column_type ? strchr(column_type, '(') : NULL;
    if (!p) return 0;
    char *end;
    *a = strtol(p + 1, &end, 10);
    if (end == p + 1) return 0;
    if (*end == ',') {
        const char *q = end + 1;
        *b = strtol(q, &end, 10);
        if (end == q) return 1;
        return 2;
    }
    return 1;
}

static int has_word(const char *s, const char *w) {
    if (!s) return 0;
    size_t n = strlen(w);
    for (const char *p = s; *p; p++)
        if (!strncasecmp(p, w, n)) return 1;
    return 0;
}

floe_status floe_dbz_field_from_mariadb(const char *name, const char *data_type,
                                        const char *column_type, long precision, long scale,
                                        long datetime_precision, int nullable,
                                        const char *binary_mode, int unsigned_precise,
                                        floe_dbz_field *out, floe_err *err) {
    memset(out, 0, sizeof *out);
    if (!name || !data_type)
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "floe_dbz_field_from_mariadb: column name and data type needed");
    floe_dbz_enc be;
    FLOE_TRY(binary_enc(binary_mode, &be, err));
    char dt[32];
    size_t k = 0;
    for (; data_type[k] && k < sizeof dt - 1; k++)
        dt[k] = (char)tolower((unsigned char)data_type[k]);
    dt[k] = '\0';
    int uns = has_word(column_type, "unsigned") || has_word(column_type, "zerofill");
    long a = -1, b = -1;
    int nargs = type_args(column_type, &a, &b);
    floe_dbz_field f = {0};
    f.optional = nullable != 0;
    f.enc = FLOE_DBZ_PLAIN;
#define IS(s) (!strcmp(dt, s))
    if (IS("tinyint") || IS("int1")) {
        f.type = tkind(uns ? FLOE_T_SMALLINT : FLOE_T_TINYINT);
    } else if (IS("smallint") || IS("int2")) {
        f.type = tkind(uns ? FLOE_T_INT : FLOE_T_SMALLINT);
    } else if (IS("mediumint") || IS("int3") || IS("middleint")) {
        f.type = tkind(FLOE_T_INT);
    } else if (IS("int") || IS("integer") || IS("int4")) {
        f.type = tkind(uns ? FLOE_T_BIGINT : FLOE_T_INT);
    } else if (IS("bigint") || IS("int8")) {
        if (uns && unsigned_precise) {
            f.type.kind = FLOE_T_DECIMAL;
            f.type.precision = 20;
            f.type.scale = 0;
            f.enc = FLOE_DBZ_DECIMAL_BYTES;
            f.scale = 0;
        } else {
            /* long mode: values above 2^63-1 arrive negative, as Debezium sends them */
            f.type = tkind(FLOE_T_BIGINT);
        }
    } else if (IS("bool") || IS("boolean")) {
        f.type = tkind(FLOE_T_BOOLEAN);
    } else if (IS("bit")) {
        long bits = nargs >= 1 ? a : precision > 0 ? precision : 1;
        if (bits <= 1) {
            f.type = tkind(FLOE_T_BOOLEAN);
        } else {
            f.type = tkind(FLOE_T_BINARY); /* io.debezium.data.Bits: Connect bytes */
            f.enc = FLOE_DBZ_BYTES_BASE64;
        }
    } else if (IS("decimal") || IS("numeric") || IS("dec") || IS("fixed")) {
        long p = precision >= 0 ? precision : nargs >= 1 ? a : 10;
        long s = scale >= 0 ? scale : nargs >= 2 ? b : 0;
        if (p > FLOE_DECIMAL_MAX_PRECISION)
            return floe_err_set(err, FLOE_ERR_UNSUPPORTED,
                                "column %s: decimal(%ld,%ld) is wider than floe's 38 digits", name,
                                p, s);
        if (p < 1 || s < 0 || s > p)
            return floe_err_set(err, FLOE_ERR_UNSUPPORTED, "column %s: invalid decimal(%ld,%ld)",
                                name, p, s);
        f.type.kind = FLOE_T_DECIMAL;
        f.type.precision = (uint8_t)p;
        f.type.scale = (uint8_t)s;
        f.enc = FLOE_DBZ_DECIMAL_BYTES;
        f.scale = (int)s;
    } else if (IS("float")) {
        /* Debezium: FLOAT and FLOAT(p<=24) are FLOAT32, FLOAT(M,D) FLOAT64 */
        int wide = nargs >= 2 || (nargs == 1 && a > 24);
        f.type = tkind(wide ? FLOE_T_DOUBLE : FLOE_T_FLOAT);
    } else if (IS("double") || IS("real") || IS("double precision")) {
        f.type = tkind(FLOE_T_DOUBLE);
    } else if (IS("char") || IS("varchar") || IS("tinytext") || IS("text") ||
               IS("mediumtext") || IS("longtext") || IS("enum") || IS("set") || IS("json") ||
               IS("nchar") || IS("nvarchar") || IS("long") || IS("long varchar")) {
        f.type = tkind(FLOE_T_STRING);
    } else if (is_binary_sql_type(dt)) {
        f.type = tkind(FLOE_T_BINARY);
        f.enc = be;
    } else if (IS("date")) {
        f.type = tkind(FLOE_T_DATE);
        f.enc = FLOE_DBZ_DATE_DAYS;
    } else if (IS("datetime")) {
        long fsp = datetime_precision >= 0 ? datetime_precision : nargs >= 1 ? a : 0;
        f.type = tkind(FLOE_T_TIMESTAMP);
        f.enc = fsp <= 3 ? FLOE_DBZ_TS_MS : FLOE_DBZ_TS_US;
    } else if (IS("timestamp")) {
        f.type = tkind(FLOE_T_TIMESTAMP);
        f.enc = FLOE_DBZ_TS_ZONED;
    } else if (IS("time")) {
        f.type = tkind(FLOE_T_BIGINT);
        f.enc = FLOE_DBZ_TIME_US;
    } else if (IS("year")) {
        f.type = tkind(FLOE_T_INT);
    } else {
        return floe_err_set(err, FLOE_ERR_UNSUPPORTED,
                            "column %s: MariaDB type %s%s%s%s is not supported", name, data_type,
                            column_type ? " (" : "", column_type ? column_type : "",
                            column_type ? ")" : "");
    }
#undef IS
    f.name = strdup(name);
    if (!f.name) return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    *out = f;
    return FLOE_OK;
}

/* ---- floe schema ----------------------------------------------------------- */

floe_status floe_dbz_schema(const floe_dbz_fields *fs, const char *const *key, size_t nkey,
                            floe_schema **out, floe_err *err) {
    *out = NULL;
    if (!fs || fs->n == 0)
        return floe_err_set(err, FLOE_ERR_INVALID, "a table needs at least one field");
    for (size_t k = 0; k < nkey; k++) {
        size_t i = 0;
        while (i < fs->n && strcmp(fs->f[i].name, key[k])) i++;
        if (i == fs->n)
            return floe_err_set(err, FLOE_ERR_INVALID,
                                "primary key column \"%s\" is not a field of the table", key[k]);
    }
    json_t *root = json_object(), *cols = json_array(), *pk = json_array();
    floe_status st = FLOE_OK;
    if (!root || !cols || !pk || json_object_set(root, "columns", cols) ||
        json_object_set(root, "primary_key", pk))
        goto nomem;
    for (size_t i = 0; i < fs->n; i++) {
        char tn[48];
        floe_type_format(fs->f[i].type, tn, sizeof tn);
        int is_key = 0;
        for (size_t k = 0; k < nkey; k++) is_key |= !strcmp(key[k], fs->f[i].name);
        json_t *jn = json_string(fs->f[i].name);
        if (!jn) {
            json_decref(root);
            json_decref(cols);
            json_decref(pk);
            return floe_err_set(err, FLOE_ERR_INVALID, "field name is not valid UTF-8");
        }
        json_t *c = json_object();
        if (!c) {
            json_decref(jn);
            goto nomem;
        }
        if (json_object_set_new(c, "name", jn) || json_object_set_new(c, "type", json_string(tn)) ||
            json_object_set_new(c, "id", json_integer((json_int_t)i + 1))) {
            json_decref(c);
            goto nomem;
        }
        if (json_array_append_new(cols, c)) goto nomem;
        /* key columns: nullable left out, the parser makes them NOT NULL */
        if (!is_key && json_object_set_new(c, "nullable", json_boolean(fs->f[i].optional)))
            goto nomem;
    }
    for (size_t k = 0; k < nkey; k++)
        if (json_array_append_new(pk, json_string(key[k]))) goto nomem;
    char *text = json_dumps(root, JSON_COMPACT);
    if (!text) goto nomem;
    st = floe_schema_parse(text, strlen(text), out, err);
    free(text);
    json_decref(root);
    json_decref(cols);
    json_decref(pk);
    return st;
nomem:
    json_decref(root);
    json_decref(cols);
    json_decref(pk);
    return floe_err_set(err, FLOE_ERR_NOMEM, "out of memory building a schema");
}

/* ---- schema cache ---- */

void floe_dbz_schema_cache_free(floe_dbz_schema_cache *c) {
    free(c->text);
    json_decref(c->schema);
    memset(c, 0, sizeof *c);
}

/* End (one past) of the JSON object or array starting at p[0], or 0. */
static size_t json_span(const char *p, size_t len) {
    int depth = 0, in_str = 0;
    for (size_t i = 0; i < len; i++) {
        char ch = p[i];
        if (in_str) {
            if (ch == '\\') i++;
            else if (ch == '"') in_str = 0;
            continue;
        }
        if (ch == '"') in_str = 1;
        else if (ch == '{' || ch == '[') depth++;
        else if (ch == '}' || ch == ']') {
            if (--depth == 0) return i + 1;
        }
    }
    return 0;
}

floe_status floe_dbz_parse_cached(const char *value, size_t len, floe_dbz_schema_cache *cache,
                                  floe_dbz_event *ev, json_t **root, floe_err *err) {
    static const char head[] = "{\"schema\":", mid[] = ",\"payload\":";
    size_t hl = sizeof head - 1, ml = sizeof mid - 1;
    if (value && len > hl + ml + 2 && memcmp(value, head, hl) == 0 && value[hl] == '{' &&
        value[len - 1] == '}') {
        size_t send = json_span(value + hl, len - hl);
        if (send && hl + send + ml < len && memcmp(value + hl + send, mid, ml) == 0) {
            const char *sp = value + hl;
            const char *pp = value + hl + send + ml;
            size_t plen = (size_t)(value + len - 1 - pp);
            if (cache->schema && cache->len == send && memcmp(cache->text, sp, send) == 0) {
                /* the same schema: parse the payload alone */
                floe_status st = floe_dbz_parse(pp, plen, ev, root, err);
                if (st == FLOE_OK && ev->op) ev->value_schema = cache->schema;
                return st;
            }
            floe_status st = floe_dbz_parse(value, len, ev, root, err);
            if (st == FLOE_OK && ev->value_schema) {
                char *t = malloc(send);
                if (t) {
                    memcpy(t, sp, send);
                    floe_dbz_schema_cache_free(cache);
                    cache->text = t;
                    cache->len = send;
                    cache->schema = json_incref((json_t *)ev->value_schema);
                }
            }
            return st;
        }
    }
    return floe_dbz_parse(value, len, ev, root, err);
}
