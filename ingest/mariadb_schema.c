/* mariadb_schema.c: table definitions from information_schema; see header. */
#define _GNU_SOURCE
#include "mariadb_schema.h"

#include <mysql.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int floe_mariadb_configured(const floe_config *c) {
    return floe_config_get_raw(c, "mariadb.host") || floe_config_get_raw(c, "mariadb.socket");
}

static floe_status connect_db(const floe_config *c, MYSQL **out, floe_err *err) {
    char host[256], user[256], pass[512], sock[1024];
    int64_t port;
    FLOE_TRY(floe_config_get_str(c, "mariadb.host", "127.0.0.1", host, sizeof host, err));
    FLOE_TRY(floe_config_get_str(c, "mariadb.user", "root", user, sizeof user, err));
    FLOE_TRY(floe_config_get_str(c, "mariadb.password", "", pass, sizeof pass, err));
    FLOE_TRY(floe_config_get_str(c, "mariadb.socket", "", sock, sizeof sock, err));
    FLOE_TRY(floe_config_get_i64(c, "mariadb.port", 3306, &port, err));
    MYSQL *m = mysql_init(NULL);
    if (!m) return floe_err_set(err, FLOE_ERR_NOMEM, "mysql_init failed");
    unsigned int timeout = 10;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    if (!mysql_real_connect(m, sock[0] ? NULL : host, user, pass, NULL, (unsigned)port,
                            sock[0] ? sock : NULL, 0)) {
        floe_status s = floe_err_set(err, FLOE_ERR_EXTERNAL, "cannot connect to MariaDB %s:%lld as %s: %s",
                                     sock[0] ? sock : host, (long long)port, user, mysql_error(m));
        mysql_close(m);
        return s;
    }
    *out = m;
    return FLOE_OK;
}

static long num_or(const char *s) { return s ? strtol(s, NULL, 10) : -1; }

floe_status floe_mariadb_table_fields(const floe_config *c, const char *db, const char *table,
                                      floe_dbz_fields *fields, char ***key, size_t *nkey,
                                      floe_err *err) {
    memset(fields, 0, sizeof *fields);
    *key = NULL;
    *nkey = 0;
    char binmode[64], unsig[64], decmode[64];
    FLOE_TRY(floe_config_get_str(c, "binary.handling.mode", "bytes", binmode, sizeof binmode, err));
    FLOE_TRY(floe_config_get_str(c, "bigint.unsigned.handling.mode", "long", unsig, sizeof unsig, err));
    FLOE_TRY(floe_config_get_str(c, "decimal.handling.mode", "precise", decmode, sizeof decmode, err));
    if (strcmp(decmode, "precise") && strcmp(decmode, "string") && strcmp(decmode, "double"))
        return floe_err_set(err, FLOE_ERR_INVALID,
                            "config decimal.handling.mode must be precise, string or double, not %s",
                            decmode);
    MYSQL *m = NULL;
    FLOE_TRY(connect_db(c, &m, err));
    char edb[512], etable[512], q[2048];
    if (strlen(db) > 200 || strlen(table) > 200) {
        mysql_close(m);
        return floe_err_set(err, FLOE_ERR_INVALID, "database or table name too long");
    }
    mysql_real_escape_string(m, edb, db, (unsigned long)strlen(db));
    mysql_real_escape_string(m, etable, table, (unsigned long)strlen(table));
    snprintf(q, sizeof q,
             "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, NUMERIC_PRECISION, NUMERIC_SCALE, "
             "DATETIME_PRECISION, IS_NULLABLE FROM information_schema.COLUMNS WHERE "
             "TABLE_SCHEMA='%s' AND TABLE_NAME='%s' ORDER BY ORDINAL_POSITION",
             edb, etable);
    floe_status s = FLOE_OK;
    if (mysql_query(m, q) != 0) {
        s = floe_err_set(err, FLOE_ERR_EXTERNAL, "reading the columns of %s.%s: %s", db, table,
                         mysql_error(m));
        mysql_close(m);
        return s;
    }
    MYSQL_RES *res = mysql_store_result(m);
    size_t n = res ? (size_t)mysql_num_rows(res) : 0;
    if (n == 0) {
        if (res) mysql_free_result(res);
        mysql_close(m);
        return floe_err_set(err, FLOE_ERR_NOT_FOUND, "MariaDB has no table %s.%s", db, table);
    }
    fields->f = calloc(n, sizeof *fields->f);
    if (!fields->f) s = floe_err_set(err, FLOE_ERR_NOMEM, "out of memory");
    MYSQL_ROW row;
    while (s == FLOE_OK && (row = mysql_fetch_row(res))) {
        s = floe_dbz_field_from_mariadb(row[0], row[1], row[2], num_or(row[3]), num_or(row[4]),
                                        num_or(row[5]), row[6] && !strcmp(row[6], "YES"), binmode,
                                        !strcmp(unsig, "precise"), &fields->f[fields->n], err);
        /* decimal.handling.mode=string|double: DECIMAL columns arrive as JSON
         * strings or numbers, which the plain decoding reads into decimal(p,s) */
        if (s == FLOE_OK && strcmp(decmode, "precise") && row[1] &&
            (!strcasecmp(row[1], "decimal") || !strcasecmp(row[1], "numeric")))
            fields->f[fields->n].enc = FLOE_DBZ_PLAIN;
        if (s == FLOE_OK) fields->n++;
    }
    mysql_free_result(res);
    if (s == FLOE_OK) {
        snprintf(q, sizeof q,
                 "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE "
                 "TABLE_SCHEMA='%s' AND TABLE_NAME='%s' AND CONSTRAINT_NAME='PRIMARY' ORDER BY "
                 "ORDINAL_POSITION",
                 edb, etable);
        if (mysql_query(m, q) != 0 || !(res = mysql_store_result(m))) {
            s = floe_err_set(err, FLOE_ERR_EXTERNAL, "reading the primary key of %s.%s: %s", db,
                             table, mysql_error(m));
        } else {
            size_t k = (size_t)mysql_num_rows(res);
            *key = calloc(k ? k : 1, sizeof **key);
            while (*key && (row = mysql_fetch_row(res))) (*key)[(*nkey)++] = strdup(row[0]);
            mysql_free_result(res);
            if (*nkey == 0)
                s = floe_err_set(err, FLOE_ERR_NOT_FOUND,
                                 "MariaDB table %s.%s has no primary key; floe tables need one", db,
                                 table);
        }
    }
    mysql_close(m);
    if (s != FLOE_OK) {
        floe_dbz_fields_free(fields);
        for (size_t i = 0; i < *nkey; i++) free((*key)[i]);
        free(*key);
        *key = NULL;
        *nkey = 0;
    }
    return s;
}
