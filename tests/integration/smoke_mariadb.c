/*
 * Smoke test of the MariaDB that `scripts/services start mariadb` runs:
 * the admin user can write and read; the CDC user sees the binlog position
 * (file/position and GTID) advance after a write, and cannot change anything.
 *
 * usage: smoke_mariadb ENV_FILE [TEST_FILTER]
 * ENV_FILE holds the KEY=value lines the script printed (DIR/env).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "floe_config.h"
#include "floe_test.h"

static floe_config *g_env;

static const char *env_get(const char *key) {
    const char *v = floe_config_get_raw(g_env, key);
    if (!v || !*v) {
        fprintf(stderr, "env file lacks %s\n", key);
        exit(2);
    }
    return v;
}

/* Connect over TCP (the way a CDC reader does) as the admin or CDC user. */
static MYSQL *connect_as(int cdc) {
    MYSQL *m = mysql_init(NULL);
    FT_CHECK(m != NULL);
    unsigned int timeout = 10;
    mysql_options(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
    mysql_options(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    const char *user = env_get(cdc ? "MARIADB_CDC_USER" : "MARIADB_USER");
    const char *pw = env_get(cdc ? "MARIADB_CDC_PASSWORD" : "MARIADB_PASSWORD");
    unsigned port = (unsigned)strtoul(env_get("MARIADB_PORT"), NULL, 10);
    if (!mysql_real_connect(m, env_get("MARIADB_HOST"), user, pw, "floe_test", port,
                            NULL, 0)) {
        fprintf(stderr, "connect as %s: %s\n", user, mysql_error(m));
        mysql_close(m);
        FT_CHECK(!"connect failed");
    }
    return m;
}

static void exec_ok(MYSQL *m, const char *sql) {
    if (mysql_query(m, sql) != 0) {
        fprintf(stderr, "%s: %s\n", sql, mysql_error(m));
        FT_CHECK(!"query failed");
    }
    MYSQL_RES *r = mysql_store_result(m);
    if (r) mysql_free_result(r);
}

/* First column of the first row into out ("" for NULL / no row). */
static void query_str(MYSQL *m, const char *sql, char *out, size_t outsz) {
    out[0] = '\0';
    if (mysql_query(m, sql) != 0) {
        fprintf(stderr, "%s: %s\n", sql, mysql_error(m));
        FT_CHECK(!"query failed");
    }
    MYSQL_RES *r = mysql_store_result(m);
    FT_CHECK(r != NULL);
    MYSQL_ROW row = mysql_fetch_row(r);
    if (row && row[0]) snprintf(out, outsz, "%s", row[0]);
    mysql_free_result(r);
}

typedef struct binlog_pos {
    char file[256];
    unsigned long long pos;
    char gtid[256];
} binlog_pos;

static void read_binlog_pos(MYSQL *m, binlog_pos *bp) {
    memset(bp, 0, sizeof *bp);
    /* SHOW BINLOG STATUS is the newer spelling (10.5.2+); fall back. */
    if (mysql_query(m, "SHOW BINLOG STATUS") != 0) exec_ok(m, "SHOW MASTER STATUS");
    MYSQL_RES *r = mysql_store_result(m);
    FT_CHECK(r != NULL);
    MYSQL_ROW row = mysql_fetch_row(r);
    FT_CHECK(row != NULL && row[0] != NULL && row[1] != NULL);
    snprintf(bp->file, sizeof bp->file, "%s", row[0]);
    bp->pos = strtoull(row[1], NULL, 10);
    mysql_free_result(r);
    query_str(m, "SELECT @@gtid_binlog_pos", bp->gtid, sizeof bp->gtid);
}

/* Sequence number of the domain-0 GTID "0-1-N" (0 when absent). */
static unsigned long long gtid_seq(const char *gtid) {
    const char *last = strrchr(gtid, '-');
    return last ? strtoull(last + 1, NULL, 10) : 0;
}

static void test_admin_roundtrip(void) {
    MYSQL *m = connect_as(0);
    exec_ok(m, "DROP TABLE IF EXISTS smoke_rt");
    exec_ok(m, "CREATE TABLE smoke_rt (id INT PRIMARY KEY, name VARCHAR(64), "
               "amount DECIMAL(10,2), ts DATETIME(6)) ENGINE=InnoDB");
    exec_ok(m, "INSERT INTO smoke_rt VALUES (1, 'alpha', 12.50, '2024-01-02 03:04:05.678901'),"
               " (2, 'βeta', -0.01, NULL)");
    FT_EQ_INT(mysql_query(m, "SELECT id, name, amount, ts FROM smoke_rt ORDER BY id"), 0);
    MYSQL_RES *r = mysql_store_result(m);
    FT_CHECK(r != NULL);
    FT_EQ_INT(mysql_num_rows(r), 2);
    MYSQL_ROW row = mysql_fetch_row(r);
    FT_EQ_STR(row[0], "1");
    FT_EQ_STR(row[1], "alpha");
    FT_EQ_STR(row[2], "12.50");
    FT_EQ_STR(row[3], "2024-01-02 03:04:05.678901");
    row = mysql_fetch_row(r);
    FT_EQ_STR(row[0], "2");
    FT_EQ_STR(row[1], "βeta");
    FT_EQ_STR(row[2], "-0.01");
    FT_CHECK(row[3] == NULL);
    mysql_free_result(r);
    exec_ok(m, "DROP TABLE smoke_rt");
    mysql_close(m);
}

static void test_server_settings(void) {
    MYSQL *m = connect_as(0);
    char v[256];
    query_str(m, "SELECT @@log_bin", v, sizeof v);
    FT_EQ_STR(v, "1");
    query_str(m, "SELECT @@binlog_format", v, sizeof v);
    FT_EQ_STR(v, "ROW");
    query_str(m, "SELECT @@binlog_row_image", v, sizeof v);
    FT_EQ_STR(v, "FULL");
    query_str(m, "SELECT @@binlog_row_metadata", v, sizeof v);
    FT_EQ_STR(v, "FULL");
    query_str(m, "SELECT @@gtid_strict_mode", v, sizeof v);
    FT_EQ_STR(v, "1");
    query_str(m, "SELECT @@server_id", v, sizeof v);
    FT_EQ_STR(v, "1");
    query_str(m, "SELECT @@bind_address", v, sizeof v);
    FT_EQ_STR(v, "127.0.0.1");
    mysql_close(m);
}

static void test_cdc_binlog_position_advances(void) {
    MYSQL *admin = connect_as(0);
    MYSQL *cdc = connect_as(1);
    exec_ok(admin, "DROP TABLE IF EXISTS smoke_cdc");
    exec_ok(admin, "CREATE TABLE smoke_cdc (id INT PRIMARY KEY, v VARCHAR(32))");
    exec_ok(admin, "INSERT INTO smoke_cdc VALUES (1, 'one')");

    binlog_pos a, b;
    read_binlog_pos(cdc, &a);
    FT_CHECK(a.file[0] != '\0');
    FT_CHECK(a.pos > 4);
    FT_CHECK(a.gtid[0] != '\0');
    FT_CHECK(gtid_seq(a.gtid) > 0);

    exec_ok(admin, "INSERT INTO smoke_cdc VALUES (2, 'two')");
    read_binlog_pos(cdc, &b);
    FT_CHECK(strcmp(b.file, a.file) > 0 || (strcmp(b.file, a.file) == 0 && b.pos > a.pos));
    FT_CHECK(gtid_seq(b.gtid) > gtid_seq(a.gtid));

    /* The CDC user reads rows (snapshots) and the binlog list. */
    char v[64];
    query_str(cdc, "SELECT v FROM smoke_cdc WHERE id = 2", v, sizeof v);
    FT_EQ_STR(v, "two");
    exec_ok(cdc, "SHOW BINARY LOGS");

    exec_ok(admin, "DROP TABLE smoke_cdc");
    mysql_close(cdc);
    mysql_close(admin);
}

static void expect_denied(MYSQL *m, const char *sql) {
    int rc = mysql_query(m, sql);
    if (rc == 0) {
        MYSQL_RES *r = mysql_store_result(m);
        if (r) mysql_free_result(r);
        fprintf(stderr, "CDC user was allowed: %s\n", sql);
    }
    FT_CHECK(rc != 0);
    unsigned e = mysql_errno(m);
    FT_CHECK(e == ER_TABLEACCESS_DENIED_ERROR || e == ER_DBACCESS_DENIED_ERROR ||
             e == ER_SPECIFIC_ACCESS_DENIED_ERROR || e == ER_ACCESS_DENIED_ERROR);
}

static void test_cdc_least_privilege(void) {
    MYSQL *admin = connect_as(0);
    exec_ok(admin, "DROP TABLE IF EXISTS smoke_priv");
    exec_ok(admin, "CREATE TABLE smoke_priv (id INT PRIMARY KEY)");
    exec_ok(admin, "INSERT INTO smoke_priv VALUES (1)");

    MYSQL *cdc = connect_as(1);
    expect_denied(cdc, "INSERT INTO smoke_priv VALUES (2)");
    expect_denied(cdc, "UPDATE smoke_priv SET id = 3");
    expect_denied(cdc, "DELETE FROM smoke_priv");
    expect_denied(cdc, "DROP TABLE smoke_priv");
    expect_denied(cdc, "CREATE TABLE smoke_evil (id INT)");
    expect_denied(cdc, "CREATE DATABASE smoke_evil");
    expect_denied(cdc, "CREATE USER 'evil'@'localhost'");
    mysql_close(cdc);

    char v[32];
    query_str(admin, "SELECT COUNT(*) FROM smoke_priv", v, sizeof v);
    FT_EQ_STR(v, "1");
    exec_ok(admin, "DROP TABLE smoke_priv");
    mysql_close(admin);
}

/* FT_MAIN would take argv[1] as its test filter; here argv[1] is the env file. */
int main(int argc, char **argv) {
    static const ft__fn fns[] = {test_admin_roundtrip, test_server_settings,
                                 test_cdc_binlog_position_advances,
                                 test_cdc_least_privilege};
    static const char *const names[] = {"test_admin_roundtrip", "test_server_settings",
                                        "test_cdc_binlog_position_advances",
                                        "test_cdc_least_privilege"};
    if (argc < 2) {
        fprintf(stderr, "usage: %s ENV_FILE [TEST_FILTER]\n", argv[0]);
        return 2;
    }
    floe_err err;
    if (floe_config_new(&g_env, &err) != FLOE_OK ||
        floe_config_load_file(g_env, argv[1], &err) != FLOE_OK) {
        fprintf(stderr, "%s: %s\n", argv[1], err.msg);
        return 2;
    }
    if (mysql_library_init(0, NULL, NULL) != 0) return 2;
    int rc = ft__run(names, fns, (int)(sizeof fns / sizeof fns[0]), argc - 1, argv + 1);
    mysql_library_end();
    floe_config_destroy(g_env);
    return rc;
}
