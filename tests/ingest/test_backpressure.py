"""Commit triggers and backpressure.

Backpressure: a table whose sorted runs exceed the stop trigger pauses its
Kafka partitions until background compaction catches up, and loses or
repeats nothing.

The table is created by `floe ingest` with table options from the config
(`table.option.num-sorted-run.compaction-trigger=2`, `...stop-trigger=2`)
and commits every 1,500 messages, so nearly every commit leaves more sorted
runs than the stop trigger allows. Checked: the log shows pauses and
resumes; `floe inspect` shows the options on the table and the end offsets
in the last snapshot; every message was consumed once (messages=N); `floe
scan` equals the model of `floe sample revision`'s events.

Batch end: with --until-caught-up and the size trigger due on the last
message, the run ends with one snapshot (the full compaction), not a
level-0 commit followed by a merge of it.

Needs the kafka fixture (FLOE_KAFKA_ENV) and FLOE_BIN.
"""

import json
import os
import subprocess

import pytest

from ingest_common import FLOE, RUN, bootstrap, create_topics, end_offsets, floe, ingest, \
    ingest_config

EVENTS = int(os.environ.get("FLOE_BACKPRESSURE_EVENTS", "60000"))
COLUMNS = ["rev_id", "rev_page", "rev_comment_id", "rev_actor", "rev_timestamp",
           "rev_minor_edit", "rev_deleted", "rev_len", "rev_parent_id", "rev_sha1"]


def sampled_topic(prefix, partitions, events, seed):
    """`floe sample revision` events produced to <prefix>.wiki.revision:
    (topic, the sample's text, end offsets)."""
    topic = f"{prefix}.wiki.revision"
    create_topics((topic, partitions))
    text = subprocess.run([FLOE, "sample", "revision", "--events", str(events), "--prefix", prefix,
                           "--seed", str(seed)], capture_output=True, text=True, check=True).stdout
    kcat = subprocess.run(["kcat", "-P", "-b", bootstrap(), "-t", topic, "-K", "\t", "-Z"],
                          input=text, capture_output=True, text=True)
    assert kcat.returncode == 0, kcat.stderr[-2000:]
    return topic, text, end_offsets(topic, partitions)


def scanned(wh):
    """floe scan of wiki.revision by rev_id; a key seen twice fails."""
    got = {}
    for line in floe("scan", "--warehouse", wh, "wiki.revision").stdout.splitlines():
        r = json.loads(line)
        assert r["rev_id"] not in got, f"key {r['rev_id']} twice"
        got[r["rev_id"]] = tuple(r[c] for c in COLUMNS)
    return got


def model_of(text):
    model = {}
    for line in text.splitlines():
        _, value = line.split("\t", 1)
        if not value:
            continue
        ev = json.loads(value[value.rindex(',"payload":') + 11:-1])
        if ev["op"] == "d":
            model.pop(ev["before"]["rev_id"], None)
        else:
            model[ev["after"]["rev_id"]] = tuple(ev["after"][c] for c in COLUMNS)
    return model


def test_pause_until_compaction_catches_up(tmp_path):
    topic, text, ends = sampled_topic(f"bp{RUN}", 2, EVENTS, 7)
    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, topic, database="wiki",
                        **{"commit.max.rows": "1500", "commit.interval.ms": "60000",
                           "table.option.num-sorted-run.compaction-trigger": "2",
                           "table.option.num-sorted-run.stop-trigger": "2",
                           "table.option.target-file-size": "64mb"})
    p = ingest(cfg)
    log = p.stderr
    pauses, resumes = log.count('msg="paused"'), log.count('msg="resumed"')
    print(f"backpressure: {sum(ends)} messages, {pauses} pauses, {resumes} resumes")
    assert pauses > 0 and resumes > 0, log[-3000:]
    assert f"messages={sum(ends)} " in log, log[-2000:]
    info = json.loads(floe("inspect", "--warehouse", wh, "wiki.revision").stdout)
    assert info["options"]["num-sorted-run.compaction-trigger"] == "2", info["options"]
    pos = info["snapshots"][-1]["source_positions"]["kafka"][topic]
    assert pos == {"0": ends[0], "1": ends[1]}, pos
    assert info["compaction"]["max_sorted_runs_now"] == 1, info["compaction"]
    model = model_of(text)
    got = scanned(wh)
    assert got.keys() == model.keys(), (len(got), len(model))
    bad = [k for k in model if got[k] != model[k]][:5]
    assert not bad, [(got[k], model[k]) for k in bad]


def test_batch_commit_due_at_the_end_writes_no_level0_run(tmp_path):
    """--until-caught-up with the size trigger due on the last message: the
    final commit merges the write buffer straight into the top level; no
    level-0 run is written only to be read back by that merge."""
    topic, text, ends = sampled_topic(f"bq{RUN}", 1, 3000, 11)
    wh = str(tmp_path / "wh")
    cfg = ingest_config(tmp_path / "ingest.properties", wh, topic, database="wiki",
                        **{"commit.max.rows": str(ends[0]), "commit.interval.ms": "600000"})
    log = ingest(cfg).stderr
    assert f"messages={ends[0]} " in log, log[-2000:]
    info = json.loads(floe("inspect", "--warehouse", wh, "wiki.revision").stdout)
    snaps = info["snapshots"]
    assert len(snaps) == 1, [(x["id"], x["kind"], x["properties"]) for x in snaps]
    assert snaps[0]["properties"].get("full_compaction") is True, snaps[0]
    assert snaps[0]["source_positions"]["kafka"][topic] == {"0": ends[0]}, snaps[0]
    model = model_of(text)
    got = scanned(wh)
    assert got == model, (len(got), len(model))


def test_config_option_differing_from_an_existing_table_is_reported(tmp_path):
    """table.option.* applies to tables the service creates; for an existing
    table with another value the service says so, and after `floe table
    alter --option` it no longer does."""
    topic, _, ends = sampled_topic(f"bo{RUN}", 1, 500, 13)
    wh = str(tmp_path / "wh")
    key = "table.option.num-sorted-run.compaction-trigger"
    cfg = ingest_config(tmp_path / "a.properties", wh, topic, database="wiki", **{key: "4"})
    assert "option=" not in ingest(cfg).stderr
    cfg = ingest_config(tmp_path / "b.properties", wh, topic, database="wiki", **{key: "6"})
    log = ingest(cfg).stderr
    assert ('table=wiki.revision option=num-sorted-run.compaction-trigger config="6" '
            'table_has="4"') in log, log[-2000:]
    floe("table", "alter", "--warehouse", wh, "wiki.revision", "--option",
         "num-sorted-run.compaction-trigger=6")
    assert "option=" not in ingest(cfg).stderr
    info = json.loads(floe("inspect", "--warehouse", wh, "wiki.revision").stdout)
    assert info["options"]["num-sorted-run.compaction-trigger"] == "6", info["options"]
    assert info["snapshots"][-1]["source_positions"]["kafka"][topic] == {"0": ends[0]}


if __name__ == "__main__":
    raise SystemExit(pytest.main([__file__, "-q", "-s"]))
