#!/usr/bin/env python3
"""Model check of `floe write` racing concurrent `floe compact` processes.

usage: compact_race.py FLOE [--lines N] [--keys N] [--chunks N] [--seed S]
                       [--variants off,on] [--keep]

For each variant (the writer's own background compaction off, then on) a
fresh table gets crash_writer.py's deterministic change stream, cut into
chunks; each chunk is one `floe write --commit-every K --buffer 64KiB
--compaction V` process (K varies per chunk). All the while a loop runs
`floe compact` (plain, --full, or more aggressive --trigger 2 / small
target files; 1 or 2 threads) against the same table as separate
processes, back to back, as fast as it can (with the writer's compaction
off a second loop of plain compactions races the first, so compactions
also lose to compactions). After each chunk (the compactors still
running):

  * `floe scan` equals the model of every line written so far (nothing
    lost, nothing resurrected: deleted keys stay deleted);
  * snapshot ids are contiguous, and each COMPACT snapshot carries its
    predecessor's source positions;
  * a random sample of the chunk's snapshots (up to --snapshot-scans,
    two thirds COMPACT ones, the rest APPEND ones) scanned with --snapshot
    equals the model at the source position the snapshot records (a
    COMPACT snapshot must hold exactly what its base held).

At the end of each variant the compactor loops stop, one last
`floe compact --full` runs and the table is checked again. Compaction
outcomes are counted from the processes' JSON and logs: committed, nothing
to do, rebased ("rebased onto snapshot"), abandoned ("abandoned"), gave up
(rc 1 "kept losing"); the test needs some commits and at least one race
(a rebase or an abandonment), and prints the figures. Standard library
only.
"""
import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import threading
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_writer as cw  # noqa: E402  (the stream generator and the model)

Fail = cw.Fail
TABLE = cw.TABLE


def scan_text(floe, wh, snapshot=None):
    cmd = [floe, "scan", "--warehouse", wh, TABLE]
    if snapshot is not None:
        cmd += ["--snapshot", str(snapshot)]
    return cw.run(cmd)


def compare(text, model, what):
    rows = [json.loads(l) for l in text.splitlines() if l]
    keys = [r["id"] for r in rows]
    if keys != sorted(keys) or len(set(keys)) != len(keys):
        raise Fail("%s: scan is not in ascending unique key order" % what)
    if len(rows) != len(model) or any(r != model.get(r["id"]) for r in rows):
        got = {r["id"]: r for r in rows}
        missing = [k for k in model if k not in got][:3]
        extra = [k for k in got if k not in model][:3]
        diff = [k for k in got if k in model and got[k] != model[k]][:3]
        raise Fail("%s: table != model: %d rows vs %d; missing %s, extra (resurrected?) %s, "
                   "differing %s" % (what, len(rows), len(model), missing, extra, diff))
    return len(rows)


class CompactLoop(threading.Thread):
    """Runs `floe compact` back to back until stopped; counts outcomes."""

    def __init__(self, floe, wh, rng, logdir, name, full=True):
        super().__init__(daemon=True)
        self.floe, self.wh, self.rng, self.logdir = floe, wh, rng, logdir
        self.name, self.full = name, full
        self.stop_ev = threading.Event()
        self.error = None
        self.n = {"runs": 0, "committed": 0, "full_committed": 0, "nothing": 0, "rebased": 0,
                  "abandoned": 0, "gave_up": 0, "multi_attempt": 0, "iceberg_published": 0}

    def run(self):
        i = 0
        try:
            while not self.stop_ev.is_set():
                x = self.rng.random()
                args = []
                if x < 0.25 and self.full:
                    args.append("--full")
                elif x < 0.45:
                    args += ["--trigger", "2"]
                elif x < 0.55:
                    args += ["--target-file-size", "48KiB"]
                args += ["--threads", self.rng.choice(["1", "2"])]
                log = os.path.join(self.logdir, "compact-%s-%d.log" % (self.name, i % 4))
                with open(log, "wb") as err:
                    p = subprocess.run([self.floe, "compact", "--warehouse", self.wh, TABLE] + args,
                                       stdout=subprocess.PIPE, stderr=err, timeout=300)
                with open(log, errors="replace") as f:
                    text = f.read()
                self.n["runs"] += 1
                self.n["rebased"] += text.count("rebased onto snapshot")
                self.n["abandoned"] += text.count("abandoned")
                if p.returncode != 0:
                    if p.returncode == 1 and "kept losing to concurrent commits" in text:
                        self.n["gave_up"] += 1
                    else:
                        raise Fail("floe compact %s failed (rc %d): %s" %
                                   (" ".join(args), p.returncode, text[-2000:]))
                else:
                    r = json.loads(p.stdout.decode())
                    if r["snapshot"]:
                        self.n["committed"] += 1
                        if "--full" in args:
                            self.n["full_committed"] += 1
                    else:
                        self.n["nothing"] += 1
                    if r["attempts"] > 1:
                        self.n["multi_attempt"] += 1
                    self.n["iceberg_published"] += r.get("iceberg_published", 0)
                i += 1
        except Exception as e:  # reported by the main thread
            self.error = e

    def stop(self):
        self.stop_ev.set()
        self.join()
        if self.error:
            raise self.error


def check_chunk_snapshots(floe, wh, snaps, chunk_of, chunk_start, model_at_start, lines, rng,
                          cap, what):
    """Scan sampled snapshots of this chunk and compare with the model at
    their source position. chunk_of: id -> (chunk index, stdin_line) for
    every snapshot of the chunk (APPEND ones and COMPACT ones derived)."""
    cand = sorted(chunk_of)
    compacts = [i for i in cand if snaps[i]["kind"] == "COMPACT"]
    appends = [i for i in cand if snaps[i]["kind"] == "APPEND"]
    pick = set(rng.sample(compacts, min(len(compacts), cap * 2 // 3)))
    pick |= set(rng.sample(appends, min(len(appends), cap - len(pick))))
    order = sorted(pick, key=lambda i: (chunk_of[i], i))
    model = dict(model_at_start)
    pos = 0
    for sid in order:
        L = chunk_of[sid]
        for l in lines[chunk_start + pos:chunk_start + L]:
            cw.apply_line(model, l)
        pos = L
        compare(scan_text(floe, wh, sid), model, "%s: snapshot %d (%s, stdin_line %d)" %
                (what, sid, snaps[sid]["kind"], L))
    return len(order), len([i for i in order if snaps[i]["kind"] == "COMPACT"])


def run_variant(floe, tmp, variant, lines, a, rng):
    wh = os.path.join(tmp, "wh-" + variant)
    logdir = os.path.join(tmp, "logs-" + variant)
    os.makedirs(logdir)
    cw.run([floe, "table", "create", "--warehouse", wh, TABLE, "--schema",
            os.path.join(tmp, "schema.json"), "--buckets", "3"])
    # chunk boundaries
    cuts = sorted(rng.sample(range(1, len(lines)), a.chunks - 1))
    bounds = list(zip([0] + cuts, cuts + [len(lines)]))
    model = {}
    # with the writer's compaction off a second, plain-only loop races the
    # first (so that compactions also lose to compactions); with it on the
    # writer's background compactor does that
    loops = [CompactLoop(floe, wh, random.Random(rng.random()), logdir, "a")]
    if variant == "off":
        loops.append(CompactLoop(floe, wh, random.Random(rng.random()), logdir, "b", full=False))
    for lp in loops:
        lp.start()
    wstats = {"commits": 0, "rebased": 0, "abandoned": 0, "bg_failed": 0}
    snap_scans = compact_scans = 0
    prev_last = 0        # latest snapshot id seen after the previous chunk
    abs_pos = {}         # snapshot id -> absolute stream position it records
    try:
        for ci, (lo, hi) in enumerate(bounds):
            k = rng.choice([20, 50, 200, 1000])
            part = os.path.join(tmp, "part.jsonl")
            with open(part, "w", encoding="utf-8", newline="\n") as f:
                f.writelines(lines[lo:hi])
            pre = cw.inspect(floe, wh)["snapshots"]
            pre_id = pre[-1]["id"] if pre else 0
            log = os.path.join(logdir, "write-%d.log" % ci)
            what = "%s chunk %d (lines %d..%d, K=%d)" % (variant, ci, lo + 1, hi, k)
            t0 = time.monotonic()
            with open(part, "rb") as inp, open(log, "wb") as err:
                p = subprocess.run([floe, "write", "--warehouse", wh, TABLE, "--commit-every", str(k),
                                    "--buffer", "64KiB", "--compaction", variant],
                                   stdin=inp, stdout=subprocess.DEVNULL, stderr=err, timeout=600)
            wsec = time.monotonic() - t0
            with open(log, errors="replace") as f:
                text = f.read()
            if p.returncode != 0:
                raise Fail("%s: floe write failed (rc %d) racing floe compact: %s" %
                           (what, p.returncode, text[-3000:]))
            wstats["rebased"] += text.count("rebased onto snapshot")
            wstats["abandoned"] += text.count("abandoned")
            wstats["bg_failed"] += text.count("background compaction round gave up")
            model_start = dict(model)
            for l in lines[lo:hi]:
                cw.apply_line(model, l)
            n = compare(scan_text(floe, wh), model, what)
            snaps_l = cw.inspect(floe, wh)["snapshots"]
            cw.check_snapshots(snaps_l, what)
            snaps = {s["id"]: s for s in snaps_l}
            last = snaps_l[-1]["id"]
            # absolute positions: APPENDs after pre_id are this chunk's; a
            # COMPACT inherits its predecessor's (checked above)
            chunk_of = {}
            appends = 0
            for sid in range(prev_last + 1, last + 1):
                s = snaps[sid]
                if s["kind"] == "APPEND":
                    if sid <= pre_id:
                        raise Fail("%s: APPEND snapshot %d appeared while no writer ran" % (what, sid))
                    L = s["source_positions"].get("stdin_line")
                    if not isinstance(L, int) or L < 1 or L > hi - lo or (L % k and L != hi - lo):
                        raise Fail("%s: snapshot %d has stdin_line %r" % (what, sid, L))
                    abs_pos[sid] = lo + L
                    appends += 1
                else:
                    abs_pos[sid] = abs_pos.get(sid - 1, 0)
                if abs_pos[sid] >= lo and sid > pre_id:
                    chunk_of[sid] = abs_pos[sid] - lo
            if snaps[last]["source_positions"].get("stdin_line") != hi - lo:
                raise Fail("%s: the latest snapshot records %s, not the chunk's end %d" %
                           (what, snaps[last]["source_positions"], hi - lo))
            wstats["commits"] += appends
            ns, nc = check_chunk_snapshots(floe, wh, snaps, chunk_of, lo, model_start, lines, rng,
                                           a.snapshot_scans, what)
            snap_scans += ns
            compact_scans += nc
            prev_last = last
            print("%s: written in %.1fs, %d commits, %d rows; %d COMPACT snapshots so far; "
                  "%d snapshot scans (%d COMPACT) OK; compactors: %s" %
                  (what, wsec, appends, n, sum(1 for s in snaps_l if s["kind"] == "COMPACT"),
                   ns, nc, [lp.n for lp in loops]), flush=True)
            for lp in loops:
                if lp.error:
                    raise lp.error
    finally:
        for lp in loops:
            lp.stop_ev.set()
        for lp in loops:
            lp.join()
    for lp in loops:
        if lp.error:
            raise lp.error
    counts = {k: sum(lp.n[k] for lp in loops) for k in loops[0].n}
    # quiet table: one more full compaction, then the final state
    out = cw.run([floe, "compact", "--warehouse", wh, TABLE, "--full"])
    compare(scan_text(floe, wh), model, "%s after the final full compaction" % variant)
    snaps_l = cw.inspect(floe, wh)["snapshots"]
    cw.check_snapshots(snaps_l, variant + " final")
    kinds = [s["kind"] for s in snaps_l]
    print("%s: final full compaction %s; %d snapshots (%d APPEND, %d COMPACT), %d rows" %
          (variant, out.strip(), len(kinds), kinds.count("APPEND"), kinds.count("COMPACT"),
           len(model)), flush=True)
    return counts, wstats, snap_scans, compact_scans, kinds.count("COMPACT")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("floe")
    ap.add_argument("--lines", type=int, default=100000, help="stream lines per variant")
    ap.add_argument("--keys", type=int, default=20000)
    ap.add_argument("--chunks", type=int, default=10)
    ap.add_argument("--snapshot-scans", type=int, default=16, help="snapshot scans per chunk")
    ap.add_argument("--variants", default="off,on")
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FLOE_RACE_SEED", "777")))
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    floe = os.path.abspath(a.floe)
    t0 = time.monotonic()
    tmp = tempfile.mkdtemp(prefix="floe-compact-race-")
    with open(os.path.join(tmp, "schema.json"), "w") as f:
        json.dump(cw.SCHEMA, f)
    print("compact_race: seed %d, %d lines x %s, %d keys, %d chunks, dir %s" %
          (a.seed, a.lines, a.variants, a.keys, a.chunks, tmp), flush=True)
    ok = False
    totals = {}
    try:
        for vi, variant in enumerate(a.variants.split(",")):
            if variant not in ("on", "off"):
                raise Fail("--variants: on or off, not %r" % variant)
            lines = cw.gen_stream(a.seed + vi, a.lines, a.keys)
            rng = random.Random(a.seed * 31 + vi)
            c, w, ns, nc, ncompact = run_variant(floe, tmp, variant, lines, a, rng)
            totals[variant] = (c, w)
            if c["committed"] < 3:
                raise Fail("%s: only %d concurrent compactions committed (%s)" % (variant, c["committed"], c))
            print("compact_race: variant compaction=%s: floe compact: %d runs, %d committed (%d full), "
                  "%d nothing to do, %d rebased, %d abandoned (redone), %d gave up, %d needed >1 "
                  "attempt; writer: %d commits, its background compaction %d rebased, %d abandoned, "
                  "%d rounds gave up; %d snapshot scans (%d COMPACT); %d COMPACT snapshots" %
                  (variant, c["runs"], c["committed"], c["full_committed"], c["nothing"],
                   c["rebased"], c["abandoned"], c["gave_up"], c["multi_attempt"], w["commits"],
                   w["rebased"], w["abandoned"], w["bg_failed"], ns, nc, ncompact), flush=True)
        races = sum(c["rebased"] + c["abandoned"] + w["rebased"] + w["abandoned"]
                    for c, w in totals.values())
        if races == 0:
            raise Fail("no compaction ever rebased or was abandoned: the race was not exercised")
        print("compact_race: OK: %d rebases/abandonments in all, %.0fs" % (races, time.monotonic() - t0))
        ok = True
    except Fail as e:
        print("compact_race: FAIL: %s" % e, file=sys.stderr)
        print("compact_race: warehouse and logs kept at %s" % tmp, file=sys.stderr)
    finally:
        if ok and not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
