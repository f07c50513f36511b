"""Crash torture for floe ingest: exactly once under SIGKILL.

`floe sample revision` makes Debezium-shaped MediaWiki `revision` change
events (about 70% inserts, 20% updates, 10% deletes, each delete followed
by a tombstone; every update changes the row, so an event applied twice or
out of order shows in the final table); kcat sends them to a 2-partition
topic (keyed, so each key stays in one partition, in order). `floe ingest`
(commit.interval.ms=500, background compaction on, iceberg.interval.ms=0)
is SIGKILLed at FLOE_CRASH_KILLS random moments (uniform in 0.05 ..
FLOE_CRASH_MAX_DELAY s after start: during start-up, while consuming,
committing, compacting) and restarted each time; then
`--until-caught-up` finishes. Checked:

- the start offsets logged at every assignment (the offsets stored in the
  table's snapshot) never go back, and the final ones are the end offsets;
- `floe scan` equals the model computed from the events (last event per
  key; deletes remove), no key twice, none missing;
- pyiceberg reading the published Iceberg table agrees (same rows, no key
  twice: duplicates in Iceberg data files would show here).

The consumer uses static group membership (kafka.group.instance.id), as a
service restarted after crashes should: a dynamic member killed with
SIGKILL holds its partitions until its session times out (~45 s).

Scale: FLOE_CRASH_EVENTS (default 1000000), FLOE_CRASH_KILLS (50),
FLOE_CRASH_MAX_DELAY (1.8), FLOE_CRASH_SEED (random; printed),
FLOE_CRASH_ICEBERG_MS (iceberg.interval.ms, default 0; e.g. 1000 also kills
while Iceberg metadata is being published).
Needs the kafka fixture (FLOE_KAFKA_ENV) and FLOE_BIN.
"""

import base64
import json
import os
import random
import re
import signal
import subprocess
import time

import pytest

from ingest_common import FLOE, RUN, bootstrap, create_topics, end_offsets, floe, \
    iceberg_table, ingest, ingest_config

EVENTS = int(os.environ.get("FLOE_CRASH_EVENTS", "1000000"))
KILLS = int(os.environ.get("FLOE_CRASH_KILLS", "50"))
MAX_DELAY = float(os.environ.get("FLOE_CRASH_MAX_DELAY", "1.8"))
ICEBERG_MS = os.environ.get("FLOE_CRASH_ICEBERG_MS", "0")
SEED = int(os.environ.get("FLOE_CRASH_SEED") or random.randrange(1 << 30))
COLUMNS = ["rev_id", "rev_page", "rev_comment_id", "rev_actor", "rev_timestamp",
           "rev_minor_edit", "rev_deleted", "rev_len", "rev_parent_id", "rev_sha1"]
BINARY = {"rev_timestamp", "rev_sha1"}
ASSIGNED = re.compile(r'msg="assigned" topic=(\S+) partition=(\d+) start=(?:beginning:)?(\d+) end=(\d+)')


def say(msg):
    print(f"crash: {msg}", flush=True)


def sample_cmd(prefix):
    return [FLOE, "sample", "revision", "--events", str(EVENTS), "--prefix", prefix,
            "--seed", str(SEED)]


def model_of(prefix):
    """Final rows by rev_id from the events (the payload only is parsed)."""
    model = {}
    p = subprocess.Popen(sample_cmd(prefix), stdout=subprocess.PIPE, text=True, bufsize=1 << 20)
    n = 0
    for line in p.stdout:
        n += 1
        key, value = line.rstrip("\n").split("\t", 1)
        if not value:
            continue  # tombstone
        i = value.rindex(',"payload":')
        ev = json.loads(value[i + 11:-1])
        if ev["op"] == "d":
            model.pop(ev["before"]["rev_id"], None)
        else:
            row = ev["after"]
            model[row["rev_id"]] = tuple(row[c] for c in COLUMNS)
    assert p.wait() == 0
    return model, n


def test_crash_torture(tmp_path):
    prefix = f"crash{RUN}"
    topic = f"{prefix}.wiki.revision"
    say(f"{EVENTS} events, {KILLS} kills, max delay {MAX_DELAY}s, seed {SEED} "
        f"(FLOE_CRASH_SEED={SEED} repeats the kill moments)")
    t0 = time.monotonic()
    create_topics((topic, 2))
    gen = subprocess.Popen(sample_cmd(prefix), stdout=subprocess.PIPE)
    kcat = subprocess.run(["kcat", "-P", "-b", bootstrap(), "-t", topic, "-K", "\t", "-Z",
                           "-z", "lz4", "-X", "enable.idempotence=true"], stdin=gen.stdout,
                          capture_output=True)
    gen.stdout.close()
    assert gen.wait() == 0 and kcat.returncode == 0, kcat.stderr[-2000:]
    ends = end_offsets(topic, 2)
    say(f"produced {sum(ends)} messages ({ends}) in {time.monotonic() - t0:.1f}s")

    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, topic, database="wiki",
                        **{"commit.interval.ms": "500", "iceberg.interval.ms": ICEBERG_MS,
                           "stats.interval.ms": "1000", "kafka.group.id": f"floe-crash-{RUN}",
                           "kafka.group.instance.id": f"floe-crash-{RUN}"})
    rng = random.Random(SEED)
    logs = tmp_path / "logs"
    logs.mkdir()
    last = {0: 0, 1: 0}
    busy = 0
    t1 = time.monotonic()
    for k in range(KILLS):
        log = logs / f"run{k:03d}.log"
        with open(log, "w") as f:
            p = subprocess.Popen([FLOE, "ingest", "--config", str(cfg)], stderr=f,
                                 env=dict(os.environ, FLOE_LOG_LEVEL="info"))
            time.sleep(rng.uniform(0.05, MAX_DELAY))
            if p.poll() is not None:
                raise AssertionError(f"run {k}: floe ingest exited {p.returncode} by itself:\n"
                                     f"{log.read_text()[-3000:]}")
            p.send_signal(signal.SIGKILL)
            p.wait()
        caught_up = True
        for m in ASSIGNED.finditer(log.read_text()):
            part, start, end = int(m[2]), int(m[3]), int(m[4])
            assert start >= last[part], f"run {k}: partition {part} went back {last[part]} -> {start}"
            assert start <= end == ends[part]
            last[part] = start
            caught_up &= start == end
        busy += not caught_up
    say(f"{KILLS} kills in {time.monotonic() - t1:.1f}s, {busy} of them before the table had "
        f"caught up; committed offsets then {last}")

    t2 = time.monotonic()
    p = ingest(cfg)
    (logs / "final.log").write_text(p.stderr)
    say(f"--until-caught-up in {time.monotonic() - t2:.1f}s")
    for m in ASSIGNED.finditer(p.stderr):
        assert int(m[3]) >= last[int(m[2])]
    info = json.loads(floe("inspect", "--warehouse", wh, "wiki.revision").stdout)
    pos = info["snapshots"][-1]["source_positions"]["kafka"][topic]
    assert pos == {"0": ends[0], "1": ends[1]}, pos

    t3 = time.monotonic()
    model, n = model_of(prefix)
    assert n == sum(ends)
    want = sorted(model.items())
    say(f"model: {len(want)} rows from {n} messages ({time.monotonic() - t3:.1f}s)")

    # floe scan: rows in key order, each once
    scan = floe("scan", "--warehouse", wh, "wiki.revision")
    got = []
    for line in scan.stdout.splitlines():
        r = json.loads(line)
        got.append((r["rev_id"], tuple(r[c] for c in COLUMNS)))
    ids = [i for i, _ in got]
    assert len(ids) == len(set(ids)), "floe scan returned a key twice"
    missing = sorted(set(model) - set(ids))[:10]
    extra = sorted(set(ids) - set(model))[:10]
    assert not missing and not extra, f"missing {missing}, unexpected {extra}"
    bad = [(g, w) for g, w in zip(got, want) if g != w][:5]
    assert not bad, f"rows differ from the model (floe scan, model): {bad}"
    assert len(got) == len(want)

    # pyiceberg on the published Iceberg table
    t4 = time.monotonic()
    tbl = iceberg_table(wh, "wiki", "revision").scan().to_arrow().sort_by("rev_id")
    assert tbl.num_rows == len(want), (tbl.num_rows, len(want))
    ice_ids = tbl.column("rev_id").to_pylist()
    assert len(set(ice_ids)) == len(ice_ids), "the Iceberg table holds a key twice"
    for ci, c in enumerate(COLUMNS):
        col = tbl.column(c).to_pylist()
        exp = [row[ci] for _, row in want]
        if c in BINARY:
            exp = [None if v is None else base64.b64decode(v) for v in exp]
        if col != exp:
            i = next(i for i, (a, b) in enumerate(zip(col, exp)) if a != b)
            raise AssertionError(f"pyiceberg {c} differs at rev_id {ice_ids[i]}: {col[i]!r} != {exp[i]!r}")
    say(f"pyiceberg agrees ({tbl.num_rows} rows, {time.monotonic() - t4:.1f}s); "
        f"total {time.monotonic() - t0:.1f}s")


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
