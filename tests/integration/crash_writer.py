#!/usr/bin/env python3
"""Crash test of `floe write`: SIGKILL at random moments, then check.

usage: crash_writer.py FLOE [--kills N] [--lines N] [--final-lines N] [--seed S] [--keep]

A deterministic change stream (JSON lines in `floe write`'s Debezium-like
format: c/r inserts, u updates including primary-key changes, d deletes,
NULLs, multibyte and NUL characters) is fed to
`floe write --commit-every K --buffer 64KiB` (K varies per run; background
compaction on in most runs, off in some). After a random delay the writer
is killed with SIGKILL. Then:

  * the table opens and `floe scan` succeeds;
  * snapshot ids are contiguous, a COMPACT snapshot carries its
    predecessor's source positions, and the latest snapshot's
    source_positions.stdin_line is L = the number of lines of THIS run's
    input that its last commit covered (0 when the run committed nothing),
    a multiple of K or the whole input;
  * the table equals the model after every line committed by earlier runs
    plus the first L lines of this run;
  * the next run is fed the stream from the first uncommitted line, so it
    proves the table still accepts writes.

At the end one run goes to completion over the rest of the stream (cut to
--final-lines) and the table must equal the model of the whole stream. Needs only the Python standard library.
"""
import argparse
import datetime
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time

TABLE = "db.t"
SCHEMA = {
    "columns": [
        {"name": "id", "type": "bigint", "nullable": False},
        {"name": "name", "type": "string"},
        {"name": "n", "type": "int"},
        {"name": "price", "type": "decimal(12,2)"},
        {"name": "flag", "type": "boolean"},
        {"name": "ts", "type": "timestamp"},
    ],
    "primary_key": ["id"],
}
COLS = [c["name"] for c in SCHEMA["columns"]]
PIECES = ["a", "b", "Z", "0", " ", "é", "€", "😀", '"', "\\", "\n", ",", "\u0000", "~"]
EPOCH = datetime.datetime(1970, 1, 1)


class Fail(Exception):
    pass


def gen_row(rng, key):
    row = {"id": key}
    if rng.random() < 0.1:
        row["name"] = None
    else:
        row["name"] = "".join(rng.choice(PIECES) for _ in range(rng.randrange(0, 12)))
    row["n"] = None if rng.random() < 0.15 else rng.randrange(-2**31, 2**31)
    if rng.random() < 0.15:
        row["price"] = None
    else:
        cents = rng.randrange(-10**12 + 1, 10**12)
        sign = "-" if cents < 0 else ""
        row["price"] = "%s%d.%02d" % (sign, abs(cents) // 100, abs(cents) % 100)
    row["flag"] = None if rng.random() < 0.15 else rng.random() < 0.5
    if rng.random() < 0.15:
        row["ts"] = None
    else:
        # 1900..2100; the (-1 s, 0) interval is a documented ORC limitation
        us = rng.randrange(-2208988800 * 10**6, 4102444800 * 10**6)
        if -10**6 < us < 0:
            us = 0
        row["ts"] = (EPOCH + datetime.timedelta(microseconds=us)).strftime("%Y-%m-%dT%H:%M:%S.%f")
    return row


def gen_stream(seed, nlines, nkeys):
    """Returns the list of JSON lines (str, with '\\n')."""
    rng = random.Random(seed)
    keys = set([-2**63, 2**63 - 1, 0, -1, 1])
    while len(keys) < nkeys:
        keys.add(rng.randrange(-2**63, 2**63) if rng.random() < 0.5 else rng.randrange(-10**6, 10**6))
    keys = sorted(keys)
    state = {}  # the stream's own view, for before images
    lines = []
    for _ in range(nlines):
        x = rng.random()
        if x < 0.40:
            op = "r" if rng.random() < 0.05 else "c"
            after = gen_row(rng, rng.choice(keys))
            ev = {"op": op, "before": None, "after": after}
            state[after["id"]] = after
        elif x < 0.72:  # update in place
            k = rng.choice(keys)
            before = state.get(k) or gen_row(rng, k)
            after = gen_row(rng, k)
            ev = {"op": "u", "before": before, "after": after}
            state[k] = after
        elif x < 0.82:  # primary-key change
            k1, k2 = rng.choice(keys), rng.choice(keys)
            before = state.get(k1) or gen_row(rng, k1)
            after = gen_row(rng, k2)
            ev = {"op": "u", "before": before, "after": after}
            state.pop(k1, None)
            state[k2] = after
        else:
            k = rng.choice(keys)
            before = state.get(k) or {"id": k}
            ev = {"op": "d", "before": before, "after": None}
            state.pop(k, None)
        lines.append(json.dumps(ev, ensure_ascii=rng.random() < 0.5) + "\n")
    return lines


def apply_line(model, line):
    """`floe write` semantics (see `floe write --help`)."""
    ev = json.loads(line)
    op, before, after = ev["op"], ev.get("before"), ev.get("after")
    if op == "d":
        model.pop(before["id"], None)
        return
    if op == "u" and before is not None and before["id"] != after["id"]:
        model.pop(before["id"], None)
    model[after["id"]] = {c: after.get(c) for c in COLS}


def run(cmd, **kw):
    p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, **kw)
    if p.returncode != 0:
        raise Fail("%s failed (rc %d): %s" % (" ".join(cmd), p.returncode,
                                              p.stderr.decode(errors="replace")[-2000:]))
    return p.stdout.decode()


def check_table(floe, wh, model, what):
    out = run([floe, "scan", "--warehouse", wh, TABLE])
    rows = [json.loads(l) for l in out.splitlines() if l]
    keys = [r["id"] for r in rows]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        raise Fail("%s: scan is not in ascending unique key order" % what)
    if len(rows) != len(model) or any(r != model.get(r["id"]) for r in rows):
        got = {r["id"]: r for r in rows}
        missing = [k for k in model if k not in got][:3]
        extra = [k for k in got if k not in model][:3]
        diff = [k for k in got if k in model and got[k] != model[k]][:3]
        raise Fail("%s: table != model: %d rows vs %d; missing %s, extra %s, differing %s%s" %
                   (what, len(rows), len(model), missing, extra, diff,
                    "; e.g. got %r want %r" % (got[diff[0]], model[diff[0]]) if diff else ""))
    return len(rows)


def inspect(floe, wh):
    return json.loads(run([floe, "inspect", "--warehouse", wh, TABLE]))


def check_snapshots(snaps, what):
    ids = [s["id"] for s in snaps]
    if ids and ids != list(range(ids[0], ids[0] + len(ids))):
        raise Fail("%s: snapshot ids not contiguous: %s" % (what, ids))
    for a, b in zip(snaps, snaps[1:]):
        if b["kind"] == "COMPACT" and b["source_positions"] != a["source_positions"]:
            raise Fail("%s: COMPACT snapshot %d has source positions %s, its base %d has %s" %
                       (what, b["id"], b["source_positions"], a["id"], a["source_positions"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("floe")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--lines", type=int, default=800000, help="stream length for the kills")
    ap.add_argument("--final-lines", type=int, default=20000,
                    help="lines for the final run (the stream is cut there)")
    ap.add_argument("--keys", type=int, default=20000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FLOE_CRASH_SEED", "4242")))
    ap.add_argument("--keep", action="store_true", help="keep the warehouse")
    a = ap.parse_args()
    floe = os.path.abspath(a.floe)
    t0 = time.monotonic()
    lines = gen_stream(a.seed, a.lines, a.keys)
    tmp = tempfile.mkdtemp(prefix="floe-crash-writer-")
    wh = os.path.join(tmp, "wh")
    stream = os.path.join(tmp, "stream.jsonl")
    offsets = [0]
    with open(stream, "w", encoding="utf-8", newline="\n") as f:
        for l in lines:
            f.write(l)
            offsets.append(offsets[-1] + len(l.encode("utf-8")))
    with open(os.path.join(tmp, "schema.json"), "w") as f:
        json.dump(SCHEMA, f)
    print("crash_writer: seed %d, %d lines, %d keys, warehouse %s" % (a.seed, len(lines), a.keys, wh),
          flush=True)
    rng = random.Random(a.seed + 1)
    ok = False
    try:
        run([floe, "table", "create", "--warehouse", wh, TABLE, "--schema",
             os.path.join(tmp, "schema.json"), "--buckets", "3"])
        model = {}
        consumed = 0          # stream lines committed so far
        rate = None           # committed lines per second, measured
        stats = {"kills": 0, "no_commit": 0, "commits": 0, "compact": 0}
        log = os.path.join(tmp, "write.log")
        i = 0
        while True:
            final = stats["kills"] >= a.kills
            remaining = len(lines) - consumed
            if remaining == 0:
                raise Fail("the stream ran out after %d kills; raise --lines" % stats["kills"])
            k = rng.choice([50, 200, 1000, 3000] if not final else [1000, 3000])
            compaction = "off" if rng.random() < 0.25 and not final else "on"
            snaps = inspect(floe, wh)["snapshots"]
            pre_id = snaps[-1]["id"] if snaps else 0
            # a delay that keeps the stream from running out: aim at using
            # at most half of the remaining lines per remaining kill, on average
            budget = remaining / (a.kills - stats["kills"] + 1) if not final else remaining
            # the run gets a window of about 1.5 budgets; the kill lands, by
            # the measured rate, before the window is used up
            feed_guess = min(remaining, max(2000, int(1.5 * budget)))
            dmax = 0.3 if rate is None else max(0.02, min(1.5, 0.7 * feed_guess / rate))
            delay = rng.uniform(0, dmax)
            if final:
                # the end of the stream: at most --final-lines more lines
                end = consumed + min(remaining, a.final_lines)
                del lines[end:]
                remaining = end - consumed
                with open(stream, "r+b") as f:
                    f.truncate(offsets[end])
            # a run is fed at most a window of the stream: if it ends before
            # its kill it simply committed that window (not counted as a kill)
            feed = remaining if final else feed_guess
            part = os.path.join(tmp, "part.jsonl")
            with open(stream, "rb") as src, open(part, "wb") as dst:
                src.seek(offsets[consumed])
                dst.write(src.read(offsets[consumed + feed] - offsets[consumed]))
            remaining = feed
            with open(part, "rb") as inp, open(log, "wb") as err:
                started = time.monotonic()
                p = subprocess.Popen([floe, "write", "--warehouse", wh, TABLE, "--commit-every",
                                      str(k), "--buffer", "64KiB", "--compaction", compaction],
                                     stdin=inp, stdout=subprocess.DEVNULL, stderr=err)
                if final:
                    rc = p.wait(timeout=600)
                else:
                    try:
                        rc = p.wait(timeout=delay)
                    except subprocess.TimeoutExpired:
                        p.send_signal(signal.SIGKILL)
                        rc = p.wait()
                elapsed = time.monotonic() - started
            what = "run %d (from line %d, K=%d, compaction %s, %s after %.3fs)" % (
                i, consumed + 1, k, compaction,
                "final" if final else ("killed" if rc else "ended before its kill"), elapsed)
            if rc not in (0, -signal.SIGKILL):
                with open(log, errors="replace") as f:
                    raise Fail("%s: floe write failed with rc %d: %s" % (what, rc, f.read()[-3000:]))
            if rc == -signal.SIGKILL:
                stats["kills"] += 1
            snaps = inspect(floe, wh)["snapshots"]
            check_snapshots(snaps, what)
            mine = [s for s in snaps if s["id"] > pre_id]
            appends = [s for s in mine if s["kind"] == "APPEND"]
            stats["commits"] += len(appends)
            stats["compact"] += len(mine) - len(appends)
            if mine and not appends:
                raise Fail("%s: snapshots %s without a commit of this run" % (what, [s["id"] for s in mine]))
            if appends:
                L = snaps[-1]["source_positions"].get("stdin_line")
                if L != appends[-1]["source_positions"].get("stdin_line"):
                    raise Fail("%s: latest snapshot's stdin_line %r != last APPEND's %r" %
                               (what, L, appends[-1]["source_positions"]))
            else:
                L = 0
                stats["no_commit"] += 1
            if not isinstance(L, int) or L < 0 or L > remaining or (L % k and L != remaining):
                raise Fail("%s: committed stdin_line %r is not a multiple of K=%d nor the end (%d)" %
                           (what, L, k, remaining))
            if rc == 0 and L != remaining:
                raise Fail("%s: the run ended normally but committed %d of %d lines" % (what, L, remaining))
            for l in lines[consumed:consumed + L]:
                apply_line(model, l)
            consumed += L
            if L and elapsed > 0:
                r = L / elapsed
                rate = r if rate is None else 0.7 * rate + 0.3 * r
            n = check_table(floe, wh, model, what)
            print("%s: committed %d lines (%d so far), %d snapshots, %d rows" %
                  (what, L, consumed, len(mine), n), flush=True)
            i += 1
            if final:
                break
        if consumed != len(lines):
            raise Fail("the final run stopped at line %d of %d" % (consumed, len(lines)))
        print("crash_writer: OK: %d kills (%d before any commit), %d commits, %d compactions, "
              "%.0fs" % (stats["kills"], stats["no_commit"], stats["commits"], stats["compact"],
                         time.monotonic() - t0))
        ok = True
    except Fail as e:
        print("crash_writer: FAIL: %s" % e, file=sys.stderr)
        print("crash_writer: warehouse kept at %s" % wh, file=sys.stderr)
    finally:
        if ok and not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
