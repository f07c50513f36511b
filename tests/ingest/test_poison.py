"""floe ingest and poison messages.

errors.policy=fail: a message that is not valid JSON, one without "op", and
one whose value does not fit its column (each after five good messages and
before three more) stop `floe ingest` with a non-zero exit and an error that
names the topic, partition, offset and field. Everything before the bad
message is committed (rows and the stored offset, which is the bad
message's), nothing after it; a second run fails the same way and changes
nothing (no new snapshot), so nothing is lost or applied twice.

errors.policy=dead-letter: the same bad messages (and a bad first message of
a table not created yet, and a topic with nothing but a bad message) go to
the dead-letter topic with their key and value and the headers floe.error,
floe.topic, floe.partition, floe.offset; ingest goes on and exits 0, every
good row is in the tables; a second run sends nothing more, also for the
topic that has no table (its position is in the database's table-less
positions file).

Needs the kafka fixture (FLOE_KAFKA_ENV) and FLOE_BIN (tests/integration/ingest.cmake).
"""

import json
import shutil

import pytest

from dbz_fixtures import Col, Topic, dumps
from ingest_common import RUN, consume, create_topics, floe, ingest, ingest_config, produce, scan

DB = "poison"
COLS = [Col("id", "INT NOT NULL", "int32", key=True), Col("qty", "SMALLINT", "int16"),
        Col("name", "VARCHAR(20)", "string")]


def row(i, qty=None, name=None):
    return dict(id=i, qty=i * 10 if qty is None else qty, name=name or f"n{i}")


def good(t, ids):
    msgs = []
    for i in ids:
        msgs += t.insert(row(i))
    return msgs


def bad_value(t, kind):
    """(key, value text) of a bad message, and the words its error must contain."""
    if kind == "json":
        v = dumps(t.value("c", after=row(99)))
        return t.key(row(99)), v[: len(v) // 2], ["not valid JSON"]
    if kind == "op":
        v = t.value("c", after=row(99))
        del v["payload"]["op"]
        return t.key(row(99)), dumps(v), ['"op"']
    if kind == "range":
        return t.key(row(99)), dumps(t.value("c", after=row(99, qty=70000))), \
            ["after.qty", "70000", "smallint"]
    raise ValueError(kind)


def snapshots(wh, table):
    p = floe("inspect", "--warehouse", wh, f"{DB}.{table}")
    return json.loads(p.stdout)["snapshots"]


def position(wh, table, topic):
    return snapshots(wh, table)[-1]["source_positions"]["kafka"][topic]


def rows_of(wh, table):
    return {r["id"]: r for r in scan(wh, f"{DB}.{table}")}


def expect_rows(ids):
    return {i: dict(row(i)) for i in ids}


@pytest.mark.parametrize("kind", ["json", "op", "range"])
def test_fail_policy(tmp_path, kind):
    table = f"t{kind}"
    t = Topic(f"poison{RUN}", "floe_test", table, COLS)
    create_topics(t.name)
    k, v, words = bad_value(t, kind)
    produce(t.name, good(t, range(1, 6)) + [(k, v)] + good(t, range(6, 9)))
    wh = str(tmp_path / "wh")
    # no periodic commit: what is before the bad message is committed on the way out
    cfg = ingest_config(tmp_path / "ingest.properties", wh, t.name, database=DB,
                        **{"errors.policy": "fail", "commit.interval.ms": "1h"})
    p = ingest(cfg, ok=False)
    assert p.returncode != 0, p.stderr[-2000:]
    err = p.stderr.strip().splitlines()[-1]
    assert f"topic {t.name} partition 0 offset 5:" in err, err
    for w in words:
        assert w in err, err
    assert rows_of(wh, table) == expect_rows(range(1, 6))
    assert position(wh, table, t.name) == {"0": 5}
    n = len(snapshots(wh, table))

    # again: the same failure, nothing lost, nothing new
    p2 = ingest(cfg, ok=False)
    assert p2.returncode != 0
    assert p2.stderr.strip().splitlines()[-1] == err
    assert rows_of(wh, table) == expect_rows(range(1, 6))
    assert len(snapshots(wh, table)) == n


def test_dead_letter_policy(tmp_path):
    prefix = f"dlq{RUN}"
    t = Topic(prefix, "floe_test", "mixed", COLS)
    first = Topic(prefix, "floe_test", "firstbad", COLS)   # the first message is bad
    only = Topic(prefix, "floe_test", "onlybad", COLS)     # nothing but a bad message
    dlq = f"{prefix}.dead-letters"
    create_topics(t.name, first.name, only.name, dlq)

    bad = {kind: bad_value(t, kind) for kind in ("json", "op", "range")}
    msgs = (good(t, [1, 2]) + [bad["json"][:2]] + good(t, [3]) + [bad["op"][:2]] +
            t.update(row(1), row(1, name="upd")) + [bad["range"][:2]] + t.delete(row(2)) +
            good(t, [4]))
    produce(t.name, msgs)
    fk, fv, _ = bad_value(first, "range")
    produce(first.name, [(fk, fv)] + good(first, [1, 2]))
    ok_, ov, _ = bad_value(only, "op")
    produce(only.name, [(ok_, ov)])

    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, f"{t.name},{first.name},{only.name}",
                        database=DB, **{"errors.policy": "dead-letter",
                                        "errors.dead-letter.topic": dlq})
    p = ingest(cfg)
    assert "dead_lettered=5" in p.stderr, p.stderr[-3000:]

    want = expect_rows([1, 3, 4])
    want[1]["name"] = "upd"
    assert rows_of(wh, "mixed") == want
    assert rows_of(wh, "firstbad") == expect_rows([1, 2])

    letters = consume(dlq)
    got = sorted((m["headers"]["floe.topic"], int(m["headers"]["floe.offset"])) for m in letters)
    assert got == sorted([(t.name, 2), (t.name, 4), (t.name, 6), (first.name, 0), (only.name, 0)]), got
    sent = {(t.name, 2): bad["json"], (t.name, 4): bad["op"], (t.name, 6): bad["range"],
            (first.name, 0): (fk, fv, ["after.qty"]), (only.name, 0): (ok_, ov, ['"op"'])}
    for m in letters:
        h = m["headers"]
        where = (h["floe.topic"], int(h["floe.offset"]))
        k, v, words = sent[where]
        assert h["floe.partition"] == "0"
        assert m["payload"] == v and json.loads(m["key"]) == k, m
        assert f"topic {where[0]} partition 0 offset {where[1]}:" in h["floe.error"], h
        for w in words:
            assert w in h["floe.error"], h

    # A second run applies nothing again and dead-letters nothing again, also
    # for the topic whose table was never created: its position lives in the
    # topic's table-less positions file (group offsets are never trusted).
    tl_dir = tmp_path / "wh" / f"{DB}.db" / "_ingest-tableless-offsets"
    assert sorted(p.name for p in tl_dir.iterdir()) == [f"{only.name}.json"]
    tl = json.loads((tl_dir / f"{only.name}.json").read_text())
    assert tl == {"0": 1}, tl
    p = ingest(cfg)
    assert "dead_lettered=0" in p.stderr, p.stderr[-3000:]
    assert "messages=0 " in p.stderr, p.stderr[-3000:]
    assert consume(dlq)[5:] == []
    assert rows_of(wh, "mixed") == want
    assert rows_of(wh, "firstbad") == expect_rows([1, 2])

    # a new good message on that topic creates its table and starts from the
    # table-less position (the bad message is not dead-lettered again), here
    # from the one per-database file earlier versions wrote
    legacy = tl_dir.parent / "_ingest-tableless-offsets.json"
    legacy.write_text(json.dumps({only.name: tl}))
    shutil.rmtree(tl_dir)
    produce(only.name, good(only, [7]))
    p = ingest(cfg)
    assert "dead_lettered=0" in p.stderr and "messages=1 " in p.stderr, p.stderr[-3000:]
    assert rows_of(wh, "onlybad") == expect_rows([7])


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q"]))
