"""floe ingest on change events from real Debezium.

Debezium's embedded engine with its MariaDB connector and the JsonConverter
(schemas on; tests/java/debezium, built by scripts/setup-debezium) reads the
test MariaDB's binlog as the least-privilege CDC user (SELECT, REPLICATION
SLAVE, BINLOG MONITOR) and produces every change event to the test Kafka
broker, topic = <prefix>.<db>.<table>, as a Kafka Connect worker would.

Tables: a MediaWiki-like `revision` (unsigned ids, BIGINT UNSIGNED actor and
comment ids, BINARY(14) timestamps, VARBINARY sha1) and a table with every
MariaDB type Debezium maps (composite key). Rows present before Debezium
starts arrive as snapshot reads (op r). The scripted workload then inserts
(single rows and multi-row transactions), updates, deletes, changes primary
keys (d + tombstone + c), truncates (op t), runs ALTER TABLE ADD COLUMN and
MODIFY INT -> BIGINT mid-stream, and ends with a marker row. When the
marker has reached Kafka, Debezium is stopped (SIGTERM: a clean shutdown
that flushes the producer) and `floe ingest --until-caught-up` runs. Then
pyiceberg's scan of the published Iceberg table and `floe scan` must equal
`SELECT * FROM` the MariaDB table, row for row (values normalised: binary
and text selected as HEX, BIT as numbers, TIME in microseconds, DATETIME
and TIMESTAMP in UTC as floe prints them, FLOAT compared as float32).

Debezium 3.2.0.Final (see tests/java/debezium/pom.xml for why that one),
bigint.unsigned.handling.mode=precise, skipped.operations=none (so TRUNCATE
is sent), snapshot.locking.mode=none (the CDC user has no RELOAD/LOCK).
Needs the kafka and mariadb fixtures, FLOE_BIN, scripts/setup-debezium.
"""

import base64
import decimal
import json
import os
import random
import re
import signal
import subprocess
import time
from pathlib import Path

import pytest

from ingest_common import RUN, assert_rows, bootstrap, consume, f32, iceberg_rows, \
    iceberg_types, ingest, ingest_config, mariadb, mariadb_env, run, scan

CACHE = Path(os.environ.get("FLOE_CACHE") or Path.home() / ".cache" / "floe")
CP_FILE = CACHE / "debezium.classpath"
DB = "wiki"
SEED = int(os.environ.get("FLOE_DEBEZIUM_SEED", "7"))

INTS = {"tinyint", "smallint", "mediumint", "int", "bigint", "year"}
TEXT = {"char", "varchar", "tinytext", "text", "mediumtext", "longtext", "enum", "set", "json"}
BINARY = {"binary", "varbinary", "tinyblob", "blob", "mediumblob", "longblob"}


# ---------------------------------------------------------------- MariaDB as the judge


def hexlit(b):
    return "X''" if not b else "X'" + bytes(b).hex() + "'"


def strlit(s):
    return "NULL" if s is None else f"CONVERT({hexlit(s.encode())} USING utf8mb4)"


def lit(v):
    if v is None:
        return "NULL"
    if isinstance(v, (bytes, bytearray)):
        return hexlit(v)
    if isinstance(v, str):
        return strlit(v)
    return str(v)


def source_rows(table):
    """SELECT * in floe's value forms, plus the primary key columns."""
    cols = mariadb(f"SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, COLUMN_KEY FROM "
                   f"information_schema.COLUMNS WHERE TABLE_SCHEMA=DATABASE() AND "
                   f"TABLE_NAME='{table}' ORDER BY ORDINAL_POSITION")
    exprs, convs = [], []
    for name, dtype, ctype, ckey in cols:
        q = f"`{name}`"
        if dtype in TEXT:
            exprs.append(f"HEX({q})")
            convs.append(lambda s: bytes.fromhex(s).decode("utf-8"))
        elif dtype in BINARY:
            exprs.append(f"HEX({q})")
            convs.append(lambda s: base64.b64encode(bytes.fromhex(s)).decode())
        elif dtype == "bit":
            n = int(re.search(r"\((\d+)\)", ctype)[1])
            exprs.append(f"{q}+0")
            # BIT(1) is a boolean; BIT(n) io.debezium.data.Bits: little-endian bytes
            convs.append((lambda s: s == "1") if n == 1 else
                         (lambda s, n=n: base64.b64encode(int(s).to_bytes((n + 7) // 8, "little")).decode()))
        elif dtype == "bigint" and "unsigned" in ctype:
            exprs.append(q)
            convs.append(str)  # precise: decimal(20,0)
        elif dtype in INTS:
            exprs.append(q)
            convs.append(int)
        elif dtype == "decimal":
            exprs.append(q)
            convs.append(str)  # MariaDB prints the column's scale
        elif dtype in ("float", "double"):
            exprs.append(f"CAST({q} AS DOUBLE)")
            convs.append(float)
        elif dtype == "date":
            exprs.append(q)
            convs.append(str)
        elif dtype in ("datetime", "timestamp"):
            exprs.append(f"DATE_FORMAT({q}, '%Y-%m-%dT%H:%i:%s.%f')")
            convs.append(str)
        elif dtype == "time":
            exprs.append(f"TIME_TO_SEC({q}) * 1000000")
            convs.append(lambda s: int(decimal.Decimal(s)))
        else:
            raise AssertionError(f"no normalisation for {name} {ctype}")
    names = [c[0] for c in cols]
    key = [c[0] for c in cols if c[3] == "PRI"]
    rows = mariadb(f"SET time_zone='+00:00'; SELECT {', '.join(exprs)} FROM `{table}`")
    out = [{n: None if v is None else conv(v) for n, v, conv in zip(names, r, convs)} for r in rows]
    return out, key


def normalise(rows, types):
    """FLOAT as float32, DOUBLE to 15 significant digits (MariaDB's text vs Java's)."""
    out = []
    for r in rows:
        r = dict(r)
        for c, t in types.items():
            if r.get(c) is None:
                continue
            if t == "float":
                r[c] = f32(r[c])
            elif t == "double":
                r[c] = float("%.15g" % float(r[c]))
        out.append(r)
    return out


# ---------------------------------------------------------------- the workload


class Revisions:
    """A MediaWiki-like revision table and changes to it."""

    def __init__(self, name, rng):
        self.name, self.rng, self.ids, self.next_id = name, rng, [], 1
        self.big_len = False
        self.content_model = False

    def create(self):
        return (f"CREATE TABLE `{self.name}` ("
                "rev_id INT UNSIGNED NOT NULL AUTO_INCREMENT PRIMARY KEY,"
                "rev_page INT UNSIGNED NOT NULL,"
                "rev_comment_id BIGINT UNSIGNED NOT NULL DEFAULT 0,"
                "rev_actor BIGINT UNSIGNED NOT NULL DEFAULT 0,"
                "rev_timestamp BINARY(14) NOT NULL DEFAULT '',"
                "rev_minor_edit TINYINT UNSIGNED NOT NULL DEFAULT 0,"
                "rev_deleted TINYINT UNSIGNED NOT NULL DEFAULT 0,"
                "rev_len INT NULL,"  # signed INT: widened to BIGINT mid-stream
                "rev_parent_id INT UNSIGNED NULL,"
                "rev_sha1 VARBINARY(32) NOT NULL DEFAULT '') ENGINE=InnoDB;")

    def values(self, i):
        r = self.rng
        ts = f"2026{r.randint(1, 12):02d}{r.randint(1, 28):02d}{r.randint(0, 23):02d}{r.randint(0, 59):02d}{r.randint(0, 59):02d}"
        sha = "".join(r.choice("0123456789abcdefghijklmnopqrstuvwxyz") for _ in range(31))
        length = r.randint(0, 2 ** 40) if self.big_len else r.choice([None, r.randint(0, 2 ** 31 - 1)])
        v = [i, r.randint(1, 5000), r.randint(0, 2 ** 64 - 1), r.randint(1, 2 ** 63),
             ts.encode(), r.randint(0, 1), r.choice([0, 0, 0, 1, 6]), length,
             r.choice([None, r.randint(1, 2 ** 32 - 1)]), sha.encode()]
        if self.content_model:
            v.append(r.choice([None, "wikitext", "json", "Scribunto ✓"]))
        return v

    def insert(self, n=1):
        rows = []
        for _ in range(n):
            rows.append("(" + ", ".join(lit(x) for x in self.values(self.next_id)) + ")")
            self.ids.append(self.next_id)
            self.next_id += 1
        cols = ("rev_id, rev_page, rev_comment_id, rev_actor, rev_timestamp, rev_minor_edit, "
                "rev_deleted, rev_len, rev_parent_id, rev_sha1" +
                (", rev_content_model" if self.content_model else ""))
        return f"INSERT INTO `{self.name}` ({cols}) VALUES {', '.join(rows)};"

    def update(self):
        i = self.rng.choice(self.ids)
        v = self.values(i)
        sets = [f"rev_len = {lit(v[7])}", f"rev_minor_edit = {v[5]}", f"rev_sha1 = {lit(v[9])}",
                f"rev_actor = {v[3]}"]
        if self.content_model:
            sets.append(f"rev_content_model = {lit(v[10])}")
        return f"UPDATE `{self.name}` SET {', '.join(self.rng.sample(sets, 2))} WHERE rev_id = {i};"

    def delete(self):
        i = self.ids.pop(self.rng.randrange(len(self.ids)))
        return f"DELETE FROM `{self.name}` WHERE rev_id = {i};"

    def change_key(self):
        k = self.rng.randrange(len(self.ids))
        old, new = self.ids[k], self.next_id + 500000
        self.ids[k] = new
        self.next_id += 1
        return f"UPDATE `{self.name}` SET rev_id = {new} WHERE rev_id = {old};"


class Types:
    """A table with every MariaDB type Debezium maps, and a composite key."""

    COLS = [
        ("ti", "TINYINT", lambda r: r.randint(-128, 127)),
        ("tiu", "TINYINT UNSIGNED", lambda r: r.randint(0, 255)),
        ("bo", "BOOLEAN", lambda r: r.randint(0, 1)),
        ("si", "SMALLINT", lambda r: r.randint(-32768, 32767)),
        ("siu", "SMALLINT UNSIGNED", lambda r: r.randint(0, 65535)),
        ("mi", "MEDIUMINT", lambda r: r.randint(-8388608, 8388607)),
        ("miu", "MEDIUMINT UNSIGNED", lambda r: r.randint(0, 16777215)),
        ("i", "INT", lambda r: r.randint(-2 ** 31, 2 ** 31 - 1)),
        ("iu", "INT UNSIGNED", lambda r: r.randint(0, 2 ** 32 - 1)),
        ("bi", "BIGINT", lambda r: r.choice([-2 ** 63, 2 ** 63 - 1, r.randint(-2 ** 63, 2 ** 63 - 1)])),
        ("biu", "BIGINT UNSIGNED", lambda r: r.choice([0, 2 ** 64 - 1, r.randint(0, 2 ** 64 - 1)])),
        ("dec1", "DECIMAL(10,2)", lambda r: f"{r.randint(-99999999, 99999999)}.{r.randint(0, 99):02d}"),
        ("dec2", "DECIMAL(38,10)", lambda r: r.choice(["-9999999999999999999999999999.9999999999",
                                                        f"{r.randint(-10 ** 27, 10 ** 27)}.{r.randint(0, 10 ** 10 - 1):010d}"])),
        ("dec0", "DECIMAL(5,0)", lambda r: r.randint(-99999, 99999)),
        ("f", "FLOAT", lambda r: r.choice([1.5, -0.25, 3.0e38, r.uniform(-1e6, 1e6)])),
        ("d", "DOUBLE", lambda r: r.choice([1.7976931348623157e308, -5e-300, r.uniform(-1e12, 1e12)])),
        ("b1", "BIT(1)", lambda r: r.randint(0, 1)),
        ("b12", "BIT(12)", lambda r: r.randint(0, 4095)),
        ("b64", "BIT(64)", lambda r: r.randint(0, 2 ** 64 - 1)),
        ("ch", "CHAR(5)", lambda r: r.choice(["", "ab", "abcde", "äöü"])),
        ("vc", "VARCHAR(100)", lambda r: r.choice(["", "tab\there", "quote'\"\\", "emoji 🐟 ∑",
                                                   "x" * 100])),
        ("tx", "TEXT", lambda r: "long " * r.randint(0, 2000)),
        ("mt", "MEDIUMTEXT", lambda r: r.choice(["", "line1\nline2\r\n"])),
        ("en", "ENUM('small','medium','large')", lambda r: r.choice(["small", "medium", "large"])),
        ("st", "SET('x','y','z')", lambda r: r.choice(["", "x", "x,z", "x,y,z"])),
        ("js", "JSON", lambda r: r.choice(['{"a": 1, "b": [true, null]}', "[]", '"ü"'])),
        ("bn", "BINARY(4)", lambda r: bytes(r.randrange(256) for _ in range(4))),
        ("vb", "VARBINARY(50)", lambda r: bytes(r.randrange(256) for _ in range(r.randint(0, 50)))),
        ("bl", "BLOB", lambda r: bytes(r.randrange(256) for _ in range(r.randint(0, 3000)))),
        ("dt", "DATE", lambda r: r.choice(["1000-01-01", "9999-12-31", "1969-07-20", "2024-02-29"])),
        ("dtm", "DATETIME", lambda r: r.choice(["1677-09-22 00:12:44", "2024-02-29 23:59:59"])),
        ("dtm3", "DATETIME(3)", lambda r: r.choice(["1969-07-20 20:17:40.123", "2262-04-11 23:47:16.854"])),
        ("dtm6", "DATETIME(6)", lambda r: r.choice(["1970-01-01 00:00:00.000001", "2038-01-19 03:14:08.999999"])),
        ("ts", "TIMESTAMP(6) NULL", lambda r: r.choice(["1970-01-01 00:00:01", "2038-01-19 03:14:07.999999",
                                                        "2024-06-01 12:00:00.5"])),
        ("tm", "TIME", lambda r: r.choice(["00:00:00", "23:59:59", "100:00:00"])),
        ("tm6", "TIME(6)", lambda r: r.choice(["12:34:56.789012", "838:59:59.000000"])),
        ("yr", "YEAR", lambda r: r.choice([1901, 2155, 2024])),
    ]

    def __init__(self, name, rng):
        self.name, self.rng, self.keys, self.next_id = name, rng, [], 1

    def create(self):
        cols = ", ".join(f"`{n}` {t}" for n, t, _ in self.COLS)
        return (f"CREATE TABLE `{self.name}` (id BIGINT NOT NULL, k2 VARCHAR(16) NOT NULL, {cols}, "
                f"PRIMARY KEY (id, k2)) ENGINE=InnoDB;")

    def value(self, gen):
        return None if self.rng.random() < 0.1 else gen(self.rng)

    def insert(self):
        key = (self.next_id, self.rng.choice(["eu", "us", "ä"]))
        self.next_id += 1
        self.keys.append(key)
        vals = [lit(key[0]), lit(key[1])] + [lit(self.value(g)) for _, _, g in self.COLS]
        names = ", ".join(["id", "k2"] + [f"`{n}`" for n, _, _ in self.COLS])
        return f"INSERT INTO `{self.name}` ({names}) VALUES ({', '.join(vals)});"

    def update(self):
        k = self.rng.choice(self.keys)
        cols = self.rng.sample(self.COLS, 4)
        sets = ", ".join(f"`{n}` = {lit(self.value(g))}" for n, _, g in cols)
        return f"UPDATE `{self.name}` SET {sets} WHERE id = {k[0]} AND k2 = {lit(k[1])};"

    def delete(self):
        k = self.keys.pop(self.rng.randrange(len(self.keys)))
        return f"DELETE FROM `{self.name}` WHERE id = {k[0]} AND k2 = {lit(k[1])};"

    def change_key(self):
        i = self.rng.randrange(len(self.keys))
        old = self.keys[i]
        new = (old[0], old[1] + "2")
        self.keys[i] = new
        return f"UPDATE `{self.name}` SET k2 = {lit(new[1])} WHERE id = {old[0]} AND k2 = {lit(old[1])};"

    def truncate(self):
        self.keys = []
        return f"TRUNCATE TABLE `{self.name}`;"


def transaction(stmts):
    return "START TRANSACTION;\n" + "\n".join(stmts) + "\nCOMMIT;"


# ---------------------------------------------------------------- Debezium


class Debezium:
    def __init__(self, workdir, prefix, tables):
        env = mariadb_env()
        self.dir = Path(workdir)
        self.status = self.dir / "status"
        self.log = self.dir / "debezium.log"
        props = {
            "name": f"floe-test-{RUN}",
            "connector.class": "io.debezium.connector.mariadb.MariaDbConnector",
            "offset.storage": "org.apache.kafka.connect.storage.FileOffsetBackingStore",
            "offset.storage.file.filename": self.dir / "offsets.dat",
            "offset.flush.interval.ms": "1000",
            "schema.history.internal": "io.debezium.storage.file.history.FileSchemaHistory",
            "schema.history.internal.file.filename": self.dir / "schema-history.dat",
            "database.hostname": env["MARIADB_HOST"],
            "database.port": env["MARIADB_PORT"],
            "database.user": env["MARIADB_CDC_USER"],
            "database.password": env["MARIADB_CDC_PASSWORD"],
            "database.server.id": str(10000 + int(RUN) % 100000),
            "database.ssl.mode": "disable",
            "topic.prefix": prefix,
            "database.include.list": env["MARIADB_DATABASE"],
            "table.include.list": ",".join(f"{env['MARIADB_DATABASE']}\\\\.{t}" for t in tables),
            "snapshot.mode": "initial",
            "snapshot.locking.mode": "none",
            "include.schema.changes": "false",
            "bigint.unsigned.handling.mode": "precise",
            "skipped.operations": "none",
            "converter.schemas.enable": "true",
        }
        self.props = self.dir / "engine.properties"
        self.props.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
        self.proc = None

    def start(self):
        if not CP_FILE.is_file() or not CP_FILE.read_text().strip():
            raise AssertionError(f"{CP_FILE} is missing: run scripts/setup-debezium")
        self.logf = open(self.log, "w")
        self.proc = subprocess.Popen(
            ["java", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xmx512m",
             "-Duser.timezone=UTC", "-Dorg.slf4j.simpleLogger.defaultLogLevel=info",
             "-cp", CP_FILE.read_text().strip(), "floe.debezium.Runner",
             str(self.props), bootstrap(), str(self.status)],
            stdout=self.logf, stderr=subprocess.STDOUT)

    def records(self):
        try:
            text = self.status.read_text()
        except FileNotFoundError:
            return 0
        m = re.search(r"records=(\d+)", text)
        return int(m[1]) if m else 0

    def alive(self):
        if self.proc.poll() is not None:
            raise AssertionError(f"Debezium exited {self.proc.returncode}:\n"
                                 f"{self.log.read_text()[-5000:]}")

    def wait(self, pred, what, timeout=300):
        t0 = time.monotonic()
        while not pred():
            self.alive()
            if time.monotonic() - t0 > timeout:
                raise AssertionError(f"timed out waiting for {what}; Debezium log:\n"
                                     f"{self.log.read_text()[-5000:]}")
            time.sleep(0.5)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(120)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc:
            self.logf.close()


def topic_has_message(topic):
    p = run(["kcat", "-C", "-b", bootstrap(), "-t", topic, "-o", "beginning", "-e", "-q",
             "-f", "%o\n"], ok=False)
    return p.returncode == 0 and p.stdout.strip() != ""


def test_real_debezium(tmp_path):
    rng = random.Random(SEED)
    rev = Revisions(f"revision{RUN}", rng)
    ty = Types(f"types{RUN}", rng)
    marker = f"marker{RUN}"
    prefix = f"dbz{RUN}"
    mariadb("\n".join([rev.create(), ty.create(),
                       f"CREATE TABLE `{marker}` (id INT PRIMARY KEY, at DATETIME(6));"]))
    # rows before Debezium starts: its snapshot sends them as op r
    mariadb("\n".join([rev.insert(40) for _ in range(5)] + [ty.insert() for _ in range(20)]))

    dbz = Debezium(tmp_path, prefix, [rev.name, ty.name, marker])
    t0 = time.monotonic()
    dbz.start()
    try:
        dbz.wait(lambda: dbz.records() >= 220, "the snapshot (220 rows)")
        print(f"debezium: snapshot in {time.monotonic() - t0:.1f}s")

        # phase A: inserts, updates, deletes, primary-key changes, on both tables
        stmts = []
        for _ in range(20):
            stmts.append(transaction([rev.insert(10), rev.update(), ty.insert()]))
        stmts += [rev.update() for _ in range(80)] + [ty.update() for _ in range(40)]
        stmts += [rev.delete() for _ in range(25)] + [ty.delete() for _ in range(5)]
        stmts += [rev.change_key() for _ in range(10)] + [ty.change_key() for _ in range(3)]
        stmts.append(transaction([rev.update(), rev.delete(), rev.insert(3), rev.change_key()]))
        mariadb("\n".join(stmts))

        # phase B: a new column mid-stream
        rev.content_model = True
        stmts = [f"ALTER TABLE `{rev.name}` ADD COLUMN rev_content_model VARCHAR(32) NULL;"]
        stmts += [rev.insert(5) for _ in range(10)] + [rev.update() for _ in range(30)]
        mariadb("\n".join(stmts))

        # phase C: INT -> BIGINT mid-stream, values beyond 32 bits; truncate and refill
        rev.big_len = True
        stmts = [f"ALTER TABLE `{rev.name}` MODIFY rev_len BIGINT NULL;"]
        stmts += [rev.insert(3) for _ in range(10)] + [rev.update() for _ in range(20)]
        stmts += [rev.delete() for _ in range(10)] + [rev.change_key() for _ in range(3)]
        stmts += [ty.truncate()] + [ty.insert() for _ in range(40)] + [ty.update() for _ in range(20)]
        stmts += [ty.delete(), ty.change_key()]
        stmts.append(f"INSERT INTO `{marker}` VALUES (1, NOW(6));")
        mariadb("\n".join(stmts))

        env = mariadb_env()
        marker_topic = f"{prefix}.{env['MARIADB_DATABASE']}.{marker}"
        dbz.wait(lambda: topic_has_message(marker_topic), "the marker row in Kafka")
        produced = dbz.records()
        print(f"debezium: {produced} records in {time.monotonic() - t0:.1f}s")
    finally:
        dbz.stop()
    assert "stopped=1" in dbz.status.read_text(), dbz.log.read_text()[-5000:]

    # the stream holds every kind of event
    env = mariadb_env()
    ops = {}
    for table in (rev.name, ty.name):
        for m in consume(f"{prefix}.{env['MARIADB_DATABASE']}.{table}"):
            op = "tombstone" if m["payload"] is None else json.loads(m["payload"])["payload"]["op"]
            ops[table, op] = ops.get((table, op), 0) + 1
    print(f"debezium: events {ops}")
    assert ops[rev.name, "r"] == 200 and ops[ty.name, "r"] == 20, ops
    assert ops[ty.name, "t"] == 1, ops
    for table in (rev.name, ty.name):
        for op in ("c", "u", "d", "tombstone"):
            assert ops.get((table, op), 0) > 0, (table, op, ops)

    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, None, database=DB,
                        **{"topics.regex": re.escape(prefix) + r"\..*",
                           "bigint.unsigned.handling.mode": "precise"})
    t1 = time.monotonic()
    p = ingest(cfg)
    print(f"floe ingest: {time.monotonic() - t1:.1f}s; "
          + " ".join(line for line in p.stderr.splitlines() if 'msg="stopped"' in line))
    assert f"messages={dbz.records()} " in p.stderr, p.stderr[-3000:]

    for table in (rev.name, ty.name):
        want, key = source_rows(table)
        types = iceberg_types(wh, DB, table)
        assert set(types) == set(want[0]) if want else True, (types, list(want[0]))
        w = normalise(want, types)
        assert_rows(normalise(iceberg_rows(wh, DB, table), types), w, f"pyiceberg {table}", key)
        assert_rows(normalise(scan(wh, f"{DB}.{table}"), types), w, f"floe scan {table}", key)
        print(f"{table}: {len(want)} rows equal MariaDB's; Iceberg types {types}")
    assert iceberg_types(wh, DB, rev.name)["rev_len"] == "long"
    assert iceberg_types(wh, DB, rev.name)["rev_comment_id"] == "decimal(20, 0)"


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
