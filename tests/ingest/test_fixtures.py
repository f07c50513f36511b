"""floe ingest on hand-made Debezium change events (tests/ingest/dbz_fixtures.py).

Every op Debezium's MariaDB connector sends (r snapshot reads, c, u, d with
its tombstone, t truncate, a primary-key update as d + tombstone + c) and
every MariaDB type as Debezium encodes it (tinyint..bigint, unsigned,
BIGINT UNSIGNED precise as Decimal(20,0), DECIMAL as base64 bytes with a
scale, decimal.handling.mode=string, FLOAT/DOUBLE, BIT(1) and BIT(n) Bits,
CHAR/VARCHAR/TEXT, ENUM/SET, JSON, BINARY/VARBINARY/BLOB base64, Date,
Timestamp, MicroTimestamp, ZonedTimestamp, MicroTime, Year), with extreme
values and NULLs, sent to the test broker with kcat; `floe ingest
--until-caught-up` runs twice (the second run resumes from the offsets in
the table's snapshot); after each `floe scan` and pyiceberg's scan of the
published Iceberg metadata must equal the expected rows.

- schemas on (JsonConverter schemas.enable=true): the table comes from the
  message schema; the second batch adds a field and widens INT to BIGINT.
- schemas off: the table comes from a real MariaDB table of the same
  columns (information_schema, read as the least-privilege CDC user); the
  second batch follows an ALTER TABLE ADD COLUMN and MODIFY INT -> BIGINT.
- decimal.handling.mode=string with schemas off.
- `floe table alter --option` while the service runs, then a new field:
  the service adopts the altered table and evolves on top of it.

Needs the kafka and mariadb fixtures (FLOE_KAFKA_ENV, FLOE_MARIADB_ENV) and
FLOE_BIN; run by ctest (tests/integration/ingest.cmake) or
  FLOE_BIN=build/cli/floe FLOE_KAFKA_ENV=... FLOE_MARIADB_ENV=... \\
    ~/.cache/floe/venv/bin/python -m pytest -c tests/ingest/pytest.ini tests/ingest/test_fixtures.py
"""

import json
import signal
import subprocess
import time

import pytest

from dbz_fixtures import COLS, DEC_STRING, FLOAT32, KEY, ROW1, ROW2, ROW3, ROW4, Col, Topic, \
    canon_row, with_
from ingest_common import FLOE, RUN, floe, assert_rows, create_topics, iceberg_rows, iceberg_types, ingest, \
    ingest_config, mariadb, mariadb_config, metadata_files, norm, produce, scan

DB = "shop"  # the floe database
NOTE = Col("note", "VARCHAR(20)", "string", ice="string")
I64 = Col("i", "BIGINT", "int64", ice="long")


def check_table(wh, table, expected, cols, key=KEY):
    want = norm([canon_row(r, cols) for r in expected], FLOAT32)
    assert_rows(norm(scan(wh, f"{DB}.{table}"), FLOAT32), want, f"floe scan {table}", key)
    assert_rows(norm(iceberg_rows(wh, DB, table), FLOAT32), want, f"pyiceberg {table}", key)


def check_types(wh, table, cols):
    types = iceberg_types(wh, DB, table)
    assert types == {c.name: c.ice for c in cols}, types


def run_ops(topic, ops):
    msgs = []
    for op in ops:
        msgs += op
    produce(topic.name, msgs)
    return len(msgs)


def first_batch(t):
    """r r r c, u, d (+ tombstone), a primary-key update; returns the rows after it."""
    row5 = with_(ROW1, id=5, region="xx")
    ops = [t.read(ROW1), t.read(ROW2), t.read(ROW3), t.insert(ROW4), t.insert(row5),
           t.update(ROW1, with_(ROW1, i=-1, vc="updated", d=None, ts=ROW2["ts"], st="y")),
           t.delete(row5),
           t.update(ROW3, with_(ROW3, id=30))]            # primary key 3 -> 30
    return run_ops(t, ops), [with_(ROW1, i=-1, vc="updated", d=None, ts=ROW2["ts"], st="y"),
                             ROW2, with_(ROW3, id=30), ROW4]


def second_batch(t, t2):
    """c, t (truncate), then with the evolved columns of t2: c, u, c, d."""
    ops1 = [t.insert(with_(ROW1, id=6))] + [t.truncate()]
    r7 = with_(ROW2, id=7, i=2 ** 40, note="first")
    r8 = with_(ROW3, id=8, note=None)
    ops2 = [t2.insert(r7), t2.update(r7, with_(r7, note="second", i=-(2 ** 40))), t2.insert(r8),
            t2.insert(with_(ROW4, id=9)), t2.delete(r8)]
    return run_ops(t, ops1) + run_ops(t2, ops2), [with_(r7, note="second", i=-(2 ** 40)),
                                                  with_(ROW4, id=9, note=None)]


def test_schemas_on(tmp_path):
    cols = COLS + [DEC_STRING]
    t = Topic(f"fxon{RUN}", "floe_test", "items", cols, schemas=True)
    create_topics(t.name)
    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, t.name, database=DB,
                        extra={"bigint.unsigned.handling.mode": "precise"})
    n1, rows = first_batch(t)
    ingest(cfg)
    check_types(wh, "items", cols)
    check_table(wh, "items", rows, cols)
    assert len(metadata_files(wh, DB, "items")) == 1

    # second run: resumes after the first batch; evolves the schema
    cols2 = [I64 if c.name == "i" else c for c in cols] + [NOTE]
    t2 = Topic(t.prefix, t.db, t.table, cols2, schemas=True)
    t2.pos = t.pos + 1000
    n2, rows2 = second_batch(t, t2)
    p = ingest(cfg)
    assert f"messages={n2} " in p.stderr, p.stderr[-2000:]   # nothing consumed twice
    check_types(wh, "items", cols2)
    check_table(wh, "items", rows2, cols2)

    # a third run finds nothing new and changes nothing
    p = ingest(cfg)
    assert "messages=0 " in p.stderr, p.stderr[-2000:]
    check_table(wh, "items", rows2, cols2)


def test_schemas_off(tmp_path):
    table = f"fxoff{RUN}"
    t = Topic(f"fxoff{RUN}", "floe_test", table, COLS, schemas=False)
    mariadb(t.create_table_sql())
    create_topics(t.name)
    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, t.name, database=DB,
                        extra=dict(mariadb_config("cdc"), **{"bigint.unsigned.handling.mode": "precise"}))
    n1, rows = first_batch(t)
    ingest(cfg)
    check_types(wh, table, COLS)
    check_table(wh, table, rows, COLS)

    # the source table evolves: a new column, INT widened to BIGINT
    mariadb(f"ALTER TABLE `{table}` ADD COLUMN note VARCHAR(20) NULL, MODIFY i BIGINT")
    cols2 = [I64 if c.name == "i" else c for c in COLS] + [NOTE]
    t2 = Topic(t.prefix, t.db, t.table, cols2, schemas=False)
    t2.pos = t.pos + 1000
    n2, rows2 = second_batch(t, t2)
    ingest(cfg)
    check_types(wh, table, cols2)
    check_table(wh, table, rows2, cols2)


def count_rows(wh, table):
    p = floe("scan", "--warehouse", wh, f"{DB}.{table}", ok=False)
    return len(p.stdout.splitlines()) if p.returncode == 0 else -1


class Running:
    """`floe ingest --config cfg` in the background for a with block (as
    .proc); on leaving, SIGTERM, then its stderr in .err."""

    def __init__(self, cfg):
        self.cfg, self.err = cfg, ""

    def __enter__(self):
        self.proc = subprocess.Popen([FLOE, "ingest", "--config", str(self.cfg)],
                                     stderr=subprocess.PIPE, text=True)
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        self.err = self.proc.communicate(timeout=60)[1]
        return False


def wait_for(pred, what, timeout=120, proc=None):
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"floe ingest exited {proc.returncode} while waiting for {what}:\n"
                                 f"{proc.stderr.read()[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def test_schemas_off_alter_while_running(tmp_path):
    """Schemas off, the service running: after ALTER TABLE ADD COLUMN and
    MODIFY INT -> BIGINT in MariaDB, messages carry the new column and wider
    values; floe must pick the new definition up, not drop the column or
    refuse the values."""
    table = f"fxalt{RUN}"
    cols = [Col("id", "INT NOT NULL", "int32", ice="int", key=True),
            Col("i", "INT", "int32", ice="int"),
            Col("v", "VARCHAR(10)", "string", ice="string")]
    t = Topic(f"fxalt{RUN}", "floe_test", table, cols, schemas=False)
    mariadb(t.create_table_sql())
    create_topics(t.name)
    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, t.name, database=DB,
                        extra=dict(mariadb_config("cdc"), **{"commit.interval.ms": "200"}))
    with Running(cfg) as svc:
        proc = svc.proc
        r1 = dict(id=1, i=5, v="a")
        run_ops(t, [t.insert(r1)])
        wait_for(lambda: count_rows(wh, table) == 1, "the first row", proc=proc)
        # a new column, then (separately) a wider type
        mariadb(f"ALTER TABLE `{table}` ADD COLUMN note VARCHAR(20) NULL")
        cols2 = cols + [NOTE]
        t2 = Topic(t.prefix, t.db, t.table, cols2, schemas=False)
        t2.pos = t.pos + 1000
        r2 = dict(id=2, i=6, v="b", note="new")
        run_ops(t2, [t2.insert(r2), t2.update(dict(r1, note=None), dict(r1, note="m"))])
        wait_for(lambda: count_rows(wh, table) == 2, "the second row", proc=proc)
        mariadb(f"ALTER TABLE `{table}` MODIFY i BIGINT")
        cols3 = [Col("id", "INT NOT NULL", "int32", ice="int", key=True),
                 Col("i", "BIGINT", "int64", ice="long"),
                 Col("v", "VARCHAR(10)", "string", ice="string"), NOTE]
        t3 = Topic(t.prefix, t.db, t.table, cols3, schemas=False)
        t3.pos = t2.pos + 1000
        r3 = dict(id=3, i=2 ** 40, v="c", note=None)
        run_ops(t3, [t3.insert(r3)])
        wait_for(lambda: count_rows(wh, table) == 3, "the third row", proc=proc)
    assert proc.returncode == 0, svc.err[-3000:]
    ingest(cfg)  # publishes the Iceberg metadata
    check_types(wh, table, cols3)
    check_table(wh, table, [dict(r1, note="m"), r2, r3], cols3, key=["id"])


def test_table_altered_by_floe_while_running(tmp_path):
    """`floe table alter --option` while the service has the table open
    writes schema 1; the service's own next schema change (a new field)
    finds schema 1 taken, reopens the table and evolves on top of it (the
    option kept), and nothing is lost."""
    table = f"fxopt{RUN}"
    cols = [Col("id", "INT NOT NULL", "int32", ice="int", key=True),
            Col("v", "VARCHAR(10)", "string", ice="string")]
    t = Topic(f"fxopt{RUN}", "floe_test", table, cols)
    create_topics(t.name)
    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, t.name, database=DB,
                        **{"commit.interval.ms": "200"})
    with Running(cfg) as svc:
        proc = svc.proc
        r1 = dict(id=1, v="a")
        run_ops(t, [t.insert(r1)])
        wait_for(lambda: count_rows(wh, table) == 1, "the first row", proc=proc)
        floe("table", "alter", "--warehouse", wh, f"{DB}.{table}", "--option", "num-levels=5")
        t2 = Topic(t.prefix, t.db, t.table, cols + [NOTE])
        t2.pos = t.pos + 1000
        r2 = dict(id=2, v="b", note="new")
        run_ops(t2, [t2.insert(r2), t2.update(dict(r1, note=None), dict(r1, note="m"))])
        wait_for(lambda: count_rows(wh, table) == 2, "the second row", proc=proc)
    assert proc.returncode == 0, svc.err[-3000:]
    assert 'msg="schema changed by another process, reopening"' in svc.err, svc.err[-3000:]
    info = json.loads(floe("inspect", "--warehouse", wh, f"{DB}.{table}").stdout)
    assert info["schema_id"] == 2 and info["options"] == {"num-levels": "5"}, info
    assert [c["name"] for c in info["schema"]["columns"]] == ["id", "v", "note"]
    ingest(cfg)  # publishes the Iceberg metadata
    check_types(wh, table, cols + [NOTE])
    check_table(wh, table, [dict(r1, note="m"), r2], cols + [NOTE], key=["id"])


def test_schemas_off_decimal_string(tmp_path):
    """decimal.handling.mode=string: DECIMAL columns arrive as JSON strings;
    with schemas off the table still gets decimal(p,s) from MariaDB."""
    table = f"fxdecs{RUN}"
    cols = [Col("id", "INT NOT NULL", "int32", ice="int", key=True),
            Col("amount", "DECIMAL(12,3)", "string", canon=lambda v: v, ice="decimal(12, 3)"),
            Col("big", "DECIMAL(38,0)", "string", canon=lambda v: v, ice="decimal(38, 0)"),
            Col("u", "BIGINT UNSIGNED", "int64", ice="long")]
    t = Topic(f"fxdecs{RUN}", "floe_test", table, cols, schemas=False)
    mariadb(t.create_table_sql())
    create_topics(t.name)
    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, t.name, database=DB,
                        extra=dict(mariadb_config("cdc"), **{"decimal.handling.mode": "string"}))
    rows = [dict(id=1, amount="-123456789.125", big="9" * 38, u=-1),   # long mode: 2^64-1 as -1
            dict(id=2, amount="0.000", big="-1", u=None),
            dict(id=3, amount=None, big="12345678901234567890123456789012345678", u=7)]
    run_ops(t, [t.insert(r) for r in rows] + [t.update(rows[1], with_(rows[1], amount="1.500"))])
    ingest(cfg)
    check_types(wh, table, cols)
    want = [rows[0], with_(rows[1], amount="1.500"), rows[2]]
    check_table(wh, table, want, cols, key=["id"])


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q"]))
