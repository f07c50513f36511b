#!/usr/bin/env python3
"""Crash test of `floe compact`: SIGKILL it at random moments, then check.

usage: crash_compact.py FLOE [--kills N] [--base-rows N] [--lines N] [--seed S]
                        [--strategies time,data,manifest,snapshot,iceberg,hint] [--keep]

A table (4 buckets) gets a bulk of rows (300k; a full compaction of it
takes a few tenths of a second), then crash_writer.py's deterministic
change stream in chunks, each written by `floe write --compaction off`
with a small buffer (8-32 KiB), so that every chunk leaves a pile of tens
to hundreds of level-0 runs per bucket. Each round:

  1. `floe compact` (plain, plain merging every run (--size-ratio 10000),
     or --full; 1 or 2 threads; default or small target file size) is
     SIGKILLed by one of these strategies:
       time      after a random delay within the time such a compaction
                 takes (learnt from step 3 of earlier rounds);
       data      as soon as it creates its first output file in bucket-*/;
       manifest  as soon as it starts writing its manifest (commit);
       snapshot  as soon as it starts publishing its snapshot (so also
                 during the LATEST hint and the Iceberg sync of --full);
       iceberg   (--full) as soon as it writes Iceberg metadata;
       hint      (--full) the moment its new v<N>.metadata.json appears,
                 before version-hint.text names it;
     the trigger-based ones plus a random 0-20 ms now and then;
  2. `floe scan` equals the model, snapshot ids are contiguous and each
     COMPACT snapshot carries its predecessor's source positions, and at
     most one new (COMPACT) snapshot appeared;
  3. the same compaction runs to completion and exits 0 (the table accepts
     a compaction; its time is what the killed one needed);
  4. the next chunk is written (the table accepts a write) and `floe scan`
     equals the model (rows the chunk did not touch must be byte for byte
     as verified in step 2, which also checks step 3's result).
Every 10 rounds `floe expire --retain-snapshots 3 --older-than 0s` (default
safety age) must remove snapshots but no file.

The stream is replayed cyclically when the rounds need more of it (the
model applies any sequence of lines). Files a killed compaction left in
bucket-*/ that no snapshot lists are counted as orphans. At the end (with
"hint" among the strategies) the state a kill between publishing
v<N>.metadata.json and replacing version-hint.text leaves is set up exactly
(the hint set back to N-1) and a write and `floe compact --full` must
succeed; then `floe expire --retain-snapshots 1 --older-than 0s
--safety-age 0s` must remove every orphan: afterwards bucket-*/ holds
exactly the files of the latest snapshot (`floe inspect`
latest[].files[].path), manifest/ only its manifest, snapshot/ only its
snapshot and no temporary file; the table equals the model; the current
Iceberg snapshot is the latest and its manifest list, manifests and data
files all exist; and the table still accepts a write and a full
compaction. Standard library only.
"""
import argparse
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import crash_writer as cw  # noqa: E402  (the stream generator and the model)

Fail = cw.Fail
TABLE = cw.TABLE
BUCKETS = 4


def key_of(line):
    # scan lines (bytes) start with {"id":<int>, (id is the first column)
    return int(line[6:line.index(b",", 6)])


class Verified:
    """The last scan output (bytes) known to equal the model, and its lines
    by key."""

    def __init__(self):
        self.text = b""
        self.by_key = {}

    def full_check(self, text, model, touched, what):
        """Check text against the model; keys not in touched must keep the
        line they had in the last verified scan (verified then)."""
        lines = text.split(b"\n")
        if lines and not lines[-1]:
            lines.pop()
        by_key = {}
        last = None
        for l in lines:
            k = key_of(l)
            if last is not None and k <= last:
                raise Fail("%s: scan is not in ascending unique key order at key %d" % (what, k))
            last = k
            by_key[k] = l
        if len(by_key) != len(model) or by_key.keys() != model.keys():
            missing = [k for k in model if k not in by_key][:3]
            extra = [k for k in by_key if k not in model][:3]
            raise Fail("%s: table != model: %d rows vs %d; missing %s, extra (resurrected?) %s" %
                       (what, len(by_key), len(model), missing, extra))
        for k, l in by_key.items():
            if k in touched or self.by_key.get(k) != l:
                r = json.loads(l)
                if r != model[k]:
                    raise Fail("%s: key %d differs: got %r want %r" % (what, k, r, model[k]))
        self.text = text
        self.by_key = by_key
        return len(by_key)

    def same(self, text, model, what):
        if text != self.text:
            # diagnose: a full check names the difference
            self.full_check(text, model, set(model), what)
            raise Fail("%s: scan text changed although the table did not" % what)
        return len(self.by_key)


PHASES = {}


class phase:
    """Accumulates wall time per phase (reported at the end)."""

    def __init__(self, name):
        self.name = name

    def __enter__(self):
        self.t = time.monotonic()

    def __exit__(self, *exc):
        PHASES[self.name] = PHASES.get(self.name, 0) + time.monotonic() - self.t


def scan(floe, wh):
    """`floe scan` output as bytes (through a file: quicker than a pipe)."""
    with phase("scan"), tempfile.TemporaryFile() as out:
        p = subprocess.run([floe, "scan", "--warehouse", wh, TABLE], stdout=out,
                           stderr=subprocess.PIPE, timeout=600)
        if p.returncode != 0:
            raise Fail("floe scan failed (rc %d): %s" %
                       (p.returncode, p.stderr.decode(errors="replace")[-2000:]))
        out.seek(0)
        return out.read()


def inspect(floe, wh):
    with phase("inspect"):
        return cw.inspect(floe, wh)


def bucket_files(tdir):
    out = set()
    for b in range(BUCKETS):
        d = os.path.join(tdir, "bucket-%d" % b)
        if os.path.isdir(d):
            out |= {"bucket-%d/%s" % (b, n) for n in os.listdir(d)}
    return out


def latest_files(info):
    return {f["path"] for b in info["latest"] for f in b["files"]}


def latest_id_fs(tdir):
    """The highest snapshot id on disk (quiet table: no concurrent commit)."""
    d = os.path.join(tdir, "snapshot")
    ids = [int(n[9:]) for n in os.listdir(d) if n.startswith("snapshot-")] if os.path.isdir(d) else []
    return max(ids, default=0)


def mtimes(paths):
    out = []
    for p in paths:
        try:
            out.append(os.stat(p).st_mtime_ns)
        except FileNotFoundError:
            out.append(None)
    return out


def run_compact(floe, wh, tdir, args, strategy, delay, extra, log):
    """Start floe compact, kill it per strategy. Returns (rc, seconds, what)."""
    watch = []
    if strategy == "data":
        watch = [os.path.join(tdir, "bucket-%d" % b) for b in range(BUCKETS)]
    elif strategy == "manifest":
        watch = [os.path.join(tdir, "manifest")]
    elif strategy == "snapshot":
        watch = [os.path.join(tdir, "snapshot")]
    elif strategy == "iceberg":
        watch = [os.path.join(tdir, "metadata")]
    mdir = os.path.join(tdir, "metadata")
    versions0 = {n for n in os.listdir(mdir) if n.endswith(".metadata.json")} \
        if os.path.isdir(mdir) else set()
    before = mtimes(watch)
    with open(log, "wb") as err:
        t0 = time.monotonic()
        p = subprocess.Popen([floe, "compact", "--warehouse", wh, TABLE] + args,
                             stdout=err, stderr=err)
        fired = None
        if strategy == "time":
            try:
                p.wait(timeout=delay)
            except subprocess.TimeoutExpired:
                fired = "after %.3fs" % delay
        else:
            while p.poll() is None:
                if time.monotonic() - t0 > 300:
                    fired = "timeout"
                    break
                if strategy == "hint":
                    if os.path.isdir(mdir):
                        new = {n for n in os.listdir(mdir) if n.endswith(".metadata.json")} - versions0
                        if new:
                            fired = "on %s" % sorted(new)[0]
                            break
                elif mtimes(watch) != before:
                    fired = "%s dir changed at %.3fs" % (strategy, time.monotonic() - t0)
                    if extra:
                        time.sleep(extra)
                    break
                time.sleep(0.0002)
        if fired and p.poll() is None:
            p.send_signal(signal.SIGKILL)
        rc = p.wait()
        return rc, time.monotonic() - t0, fired


def iceberg_check(tdir, latest_id, latest_paths, what):
    """The current Iceberg snapshot and everything it names must exist."""
    mdir = os.path.join(tdir, "metadata")
    if not os.path.isdir(mdir):
        return "no Iceberg metadata"
    with open(os.path.join(mdir, "version-hint.text")) as f:
        v = int(f.read().strip())
    with open(os.path.join(mdir, "v%d.metadata.json" % v)) as f:
        meta = json.load(f)
    cur = meta.get("current-snapshot-id")
    if cur != latest_id:
        raise Fail("%s: Iceberg current snapshot %s != latest floe snapshot %d" % (what, cur, latest_id))
    sn = [s for s in meta["snapshots"] if s["snapshot-id"] == cur]
    if len(sn) != 1:
        raise Fail("%s: v%d.metadata.json lists current snapshot %s %d times" % (what, v, cur, len(sn)))
    ml = sn[0]["manifest-list"]
    if not os.path.exists(ml):
        raise Fail("%s: Iceberg manifest list %s is missing" % (what, ml))
    loc = os.path.realpath(tdir).encode()
    with open(ml, "rb") as f:
        manifests = set(re.findall(re.escape(loc) + rb"/metadata/[0-9A-Za-z_.-]+?\.avro", f.read()))
    if not manifests:
        raise Fail("%s: no manifest named in %s" % (what, ml))
    data = set()
    for m in manifests:
        if not os.path.exists(m):
            raise Fail("%s: Iceberg manifest %s is missing" % (what, m.decode()))
        with open(m, "rb") as f:
            data |= set(re.findall(re.escape(loc) + rb"/bucket-[0-9]+/[0-9A-Za-z_.-]+?\.orc", f.read()))
    missing = [d.decode() for d in data if not os.path.exists(d)]
    if missing:
        raise Fail("%s: the current Iceberg snapshot names %d missing data files, e.g. %s" %
                   (what, len(missing), missing[:2]))
    want = {os.path.join(loc.decode(), p) for p in latest_paths}
    if {d.decode() for d in data} != want:
        raise Fail("%s: the current Iceberg snapshot's data files != the latest snapshot's" % what)
    return "Iceberg v%d current snapshot %d: %d manifests, %d data files present" % (
        v, cur, len(manifests), len(data))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("floe")
    ap.add_argument("--kills", type=int, default=50)
    ap.add_argument("--max-rounds", type=int, default=80)
    ap.add_argument("--base-rows", type=int, default=300000)
    ap.add_argument("--lines", type=int, default=60000, help="stream length (replayed cyclically)")
    ap.add_argument("--keys", type=int, default=30000)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("FLOE_CRASH_SEED", "4343")))
    ap.add_argument("--strategies", default="time,data,manifest,snapshot,iceberg,hint",
                    help="kill strategies to use (see the docstring)")
    ap.add_argument("--keep", action="store_true")
    a = ap.parse_args()
    floe = os.path.abspath(a.floe)
    t0 = time.monotonic()
    rng = random.Random(a.seed)
    with phase("generate"):
        lines = cw.gen_stream(a.seed, a.lines, a.keys)
        # the bulk: inserts of keys outside the stream's key range mostly
        brng = random.Random(a.seed + 7)
        base = [json.dumps({"op": "c", "before": None,
                            "after": cw.gen_row(brng, 10**12 + i * 7919)}) + "\n"
                for i in range(a.base_rows)]
    tmp = tempfile.mkdtemp(prefix="floe-crash-compact-")
    wh = os.path.join(tmp, "wh")
    tdir = os.path.join(wh, "db.db", "t")
    with open(os.path.join(tmp, "schema.json"), "w") as f:
        json.dump(cw.SCHEMA, f)
    print("crash_compact: seed %d, %d base rows, %d stream lines, %d keys, dir %s" %
          (a.seed, a.base_rows, a.lines, a.keys, tmp), flush=True)
    ok = False
    try:
        cw.run([floe, "table", "create", "--warehouse", wh, TABLE, "--schema",
                os.path.join(tmp, "schema.json"), "--buckets", str(BUCKETS)])
        model = {}
        ver = Verified()
        st = {"pos": 0, "info": None}  # next stream line (cyclic); last inspect

        def write(chunk_lines, k, buf, what):
            """The table accepts a write: it then equals the model."""
            part = os.path.join(tmp, "part.jsonl")
            with open(part, "w", encoding="utf-8", newline="\n") as f:
                f.writelines(chunk_lines)
            pre_id = latest_id_fs(tdir)
            with open(part, "rb") as inp, phase("write"):
                p = subprocess.run([floe, "write", "--warehouse", wh, TABLE, "--commit-every", str(k),
                                    "--buffer", buf, "--compaction", "off"], stdin=inp,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=600)
            if p.returncode != 0:
                raise Fail("%s: floe write failed (rc %d): %s" %
                           (what, p.returncode, p.stderr.decode(errors="replace")[-3000:]))
            touched = set()
            with phase("model"):
                for l in chunk_lines:
                    ev = json.loads(l)
                    for side in ("before", "after"):
                        if ev.get(side):
                            touched.add(ev[side]["id"])
                    cw.apply_line(model, l)
            info = st["info"] = inspect(floe, wh)
            cw.check_snapshots(info["snapshots"], what)
            if info["snapshots"][-1]["source_positions"].get("stdin_line") != len(chunk_lines):
                raise Fail("%s: latest snapshot records %s after %d lines" %
                           (what, info["snapshots"][-1]["source_positions"], len(chunk_lines)))
            if any(s["kind"] != "APPEND" for s in info["snapshots"] if s["id"] > pre_id):
                raise Fail("%s: a COMPACT snapshot appeared while only the writer ran" % what)
            text = scan(floe, wh)
            with phase("check"):
                return ver.full_check(text, model, touched, what)

        def pile(what):
            """The next chunk of the stream as a pile of level-0 runs."""
            size = rng.randrange(2000, 12000)
            chunk = []
            while len(chunk) < size:
                take = lines[st["pos"]:st["pos"] + size - len(chunk)]
                chunk += take
                st["pos"] = (st["pos"] + len(take)) % len(lines)
            k = rng.choice([1000, 3000, 10**9])
            buf = rng.choice(["8KiB", "8KiB", "16KiB", "32KiB"])
            write(chunk, k, buf, "%s (%d lines, K=%d, buffer %s)" % (what, len(chunk), k, buf))
            return "%d lines (buffer %s)" % (len(chunk), buf)

        # the bulk, in one commit, fully compacted; then the first pile
        write(base, 10**9, "64MiB", "bulk write")
        del base
        cw.run([floe, "compact", "--warehouse", wh, TABLE, "--full"])
        ver.same(scan(floe, wh), model, "after the bulk's full compaction")
        st["info"] = inspect(floe, wh)
        pile("first pile")

        # how long a compaction takes, from the completed ones: plain ones by
        # the number of files (level-0 piles), full ones as they come
        expect = {"plain": 0.0002, "full": 0.4}
        durations = {"plain": [], "full": []}
        stats = {"kills": 0, "completed": 0, "committed_before_kill": 0, "orphans": 0,
                 "by_strategy": {}, "mid_expiries": 0}
        orphans_all = set()
        rounds = 0
        while stats["kills"] < a.kills:
            rounds += 1
            if rounds > a.max_rounds:
                raise Fail("only %d kills in %d rounds" % (stats["kills"], a.max_rounds))
            info = st["info"]
            pre_id = info["snapshots"][-1]["id"]
            runs = max(b["sorted_runs"] for b in info["latest"])
            # plain compaction only when it has work (more runs than its trigger)
            mode = "full" if runs <= 5 or rng.random() < 0.5 else "plain"
            args = ["--full"] if mode == "full" else []
            if mode == "plain" and rng.random() < 0.4:
                args += ["--size-ratio", "10000"]  # merges every run: a rewrite of it all
            args += ["--threads", rng.choice(["1", "1", "2"])]
            tfs = rng.choice([None, None, "256KiB", "1MiB"])
            if tfs:
                args += ["--target-file-size", tfs]
            strategies = ["time"] * 4 + ["data", "manifest", "snapshot"]
            if mode == "full":
                strategies += ["iceberg", "hint"]
            strategies = [x for x in strategies if x in a.strategies.split(",")] or ["time"]
            strategy = rng.choice(strategies)
            nfiles = sum(len(b["files"]) for b in info["latest"])
            expected = expect["full"] if mode == "full" else expect["plain"] * nfiles
            delay = rng.uniform(0.01, 0.9) * expected
            extra = rng.choice([0, 0, rng.uniform(0, 0.003), rng.uniform(0, 0.02)])
            with phase("files"):
                files_before = bucket_files(tdir)
            log = os.path.join(tmp, "compact.log")
            with phase("killed compact"):
                rc, sec, fired = run_compact(floe, wh, tdir, args, strategy, delay, extra, log)
            with open(log, errors="replace") as f:
                text = f.read()
            what = "round %d: compact %s (%d runs) killed by %s" % (rounds, " ".join(args), runs,
                                                                    strategy)
            if rc == -signal.SIGKILL:
                stats["kills"] += 1
                stats["by_strategy"][strategy] = stats["by_strategy"].get(strategy, 0) + 1
                what += " (%s)" % fired
            elif rc == 0:
                stats["completed"] += 1
                what += " (completed in %.3fs before the kill)" % sec
            else:
                raise Fail("%s: floe compact failed with rc %d: %s" % (what, rc, text[-3000:]))
            # the table after the kill
            info = st["info"] = inspect(floe, wh)
            cw.check_snapshots(info["snapshots"], what)
            new = [s for s in info["snapshots"] if s["id"] > pre_id]
            if len(new) > 1 or any(s["kind"] != "COMPACT" for s in new):
                raise Fail("%s: unexpected new snapshots %s" % (what, new))
            if new and rc != 0:
                stats["committed_before_kill"] += 1
            ver.same(scan(floe, wh), model, what)
            with phase("files"):
                orphans = (bucket_files(tdir) - files_before) - latest_files(info)
            orphans_all |= orphans
            stats["orphans"] += len(orphans)
            # the table accepts a compaction: the same one, to completion
            t1 = time.monotonic()
            with phase("compact"):
                p = subprocess.run([floe, "compact", "--warehouse", wh, TABLE] + args,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=600)
            dt = time.monotonic() - t1
            if p.returncode != 0:
                raise Fail("%s: then floe compact %s failed (rc %d): %s" %
                           (what, " ".join(args), p.returncode,
                            p.stderr.decode(errors="replace")[-3000:]))
            r = json.loads(p.stdout.decode())
            if r["snapshot"]:
                durations[mode].append(dt)
                x = dt if mode == "full" else dt / max(1, nfiles)
                expect[mode] = 0.5 * expect[mode] + 0.5 * x
            # (its result is checked with the next write's: the table must
            # then equal the model, every row untouched by the write exactly
            # as verified after the kill)
            # now and then, expiry of old snapshots that must not touch files
            # (the safety age): keeps `floe inspect` quick
            if rounds % 10 == 0:
                e = json.loads(cw.run([floe, "expire", "--warehouse", wh, TABLE,
                                       "--retain-snapshots", "3", "--older-than", "0s"]))
                if e["data_files_removed"] or e["manifests_removed"]:
                    raise Fail("%s: expire with the default safety age removed files: %s" % (what, e))
                stats["mid_expiries"] += 1
            # the table accepts a write: the next pile
            desc = pile(what + ", then the next chunk")
            print("%s: %d orphans; redo %.3fs (%d files in, snapshot %d); then %s; %d rows OK" %
                  (what, len(orphans), dt, r["files_in"], r["snapshot"], desc, len(model)), flush=True)

        # a crash point too narrow to hit reliably by timing, set up
        # exactly: `floe compact --full` killed after publishing
        # v<N>.metadata.json (link) but before replacing version-hint.text,
        # which still names v<N-1>. The next --full must publish past it.
        # (Part of the "hint" strategy.)
        cw.run([floe, "compact", "--warehouse", wh, TABLE, "--full"])
        if "hint" in a.strategies.split(","):
            hint = os.path.join(tdir, "metadata", "version-hint.text")
            with open(hint) as f:
                v = int(f.read())
            if v < 2:
                raise Fail("expected several Iceberg metadata versions by now, hint says %d" % v)
            with open(hint + ".crash", "w") as f:
                f.write(str(v - 1))
            os.replace(hint + ".crash", hint)
            pile("after a crash between v%d.metadata.json and version-hint.text" % v)
            p = subprocess.run([floe, "compact", "--warehouse", wh, TABLE, "--full"],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            if p.returncode != 0:
                raise Fail("after a crash between publishing v%d.metadata.json and replacing "
                           "version-hint.text (it names v%d), floe compact --full fails (rc %d): "
                           "%s" % (v, v - 1, p.returncode,
                                   p.stderr.decode(errors="replace")[-2000:]))
        # the end: full compaction (above), then expiry of everything but the latest
        ver.same(scan(floe, wh), model, "final full compaction")
        info = inspect(floe, wh)
        latest_id = info["snapshots"][-1]["id"]
        keep = latest_files(info)
        before = bucket_files(tdir)
        left = orphans_all & before
        if left != orphans_all:
            raise Fail("orphans vanished before expiry: %s" % sorted(orphans_all - before)[:3])
        exp = json.loads(cw.run([floe, "expire", "--warehouse", wh, TABLE, "--retain-snapshots", "1",
                                 "--older-than", "0s", "--safety-age", "0s"]))
        after = bucket_files(tdir)
        if after != keep:
            raise Fail("after expire bucket-*/ holds %d files, the latest snapshot lists %d: extra %s, "
                       "missing %s" % (len(after), len(keep), sorted(after - keep)[:3],
                                       sorted(keep - after)[:3]))
        if exp["data_files_removed"] != len(before) - len(after):
            raise Fail("expire reports %d data files removed, %d went" %
                       (exp["data_files_removed"], len(before) - len(after)))
        with open(os.path.join(tdir, "snapshot", "snapshot-%d" % latest_id)) as f:
            manifest = json.load(f)["manifest"]
        mans = os.listdir(os.path.join(tdir, "manifest"))
        if mans != [manifest]:
            raise Fail("after expire manifest/ holds %s, not just %s" % (sorted(mans)[:4], manifest))
        snapdir = sorted(os.listdir(os.path.join(tdir, "snapshot")))
        if [x for x in snapdir if x.startswith(".tmp-")] or \
                [x for x in snapdir if x.startswith("snapshot-")] != ["snapshot-%d" % latest_id]:
            raise Fail("after expire snapshot/ holds %s" % snapdir)
        ver.same(scan(floe, wh), model, "after expire")
        info = st["info"] = inspect(floe, wh)
        cw.check_snapshots(info["snapshots"], "after expire")
        ice = iceberg_check(tdir, latest_id, keep, "after expire")
        # the table still works
        pile("after expire")
        cw.run([floe, "compact", "--warehouse", wh, TABLE, "--full"])
        ver.same(scan(floe, wh), model, "after expire, a write and a full compaction")
        info = inspect(floe, wh)
        ice2 = iceberg_check(tdir, info["snapshots"][-1]["id"], latest_files(info), "at the end")
        dur = sorted(durations["plain"] + durations["full"]) or [0]
        print("crash_compact: expire: %d data files in bucket-*/ before (%d orphans of killed "
              "compactions, %d replaced by compactions), %d after = the latest snapshot's; %s" %
              (len(before), len(left), len(before) - len(keep) - len(left), len(after), exp))
        print("crash_compact: %s; %s" % (ice, ice2))
        print("crash_compact: OK: %d kills %s in %d rounds (%d compactions completed before their "
              "kill, %d killed after their commit), %d orphan files, %d expiries on the way; "
              "completed compactions took %.2f..%.2fs (median %.2fs; %d plain, %d full); %d rows; "
              "%.0fs" %
              (stats["kills"], stats["by_strategy"], rounds, stats["completed"],
               stats["committed_before_kill"], stats["orphans"], stats["mid_expiries"], dur[0],
               dur[-1], dur[len(dur) // 2], len(durations["plain"]), len(durations["full"]),
               len(model), time.monotonic() - t0))
        print("crash_compact: seconds by phase: %s" %
              ", ".join("%s %.1f" % kv for kv in sorted(PHASES.items(), key=lambda kv: -kv[1])))
        ok = True
    except Fail as e:
        print("crash_compact: FAIL: %s" % e, file=sys.stderr)
        print("crash_compact: warehouse kept at %s" % wh, file=sys.stderr)
    finally:
        if ok and not a.keep:
            shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
