#!/usr/bin/env python3
"""Ingest benchmark: `floe ingest` of Debezium JSON change events from a local
Kafka topic, committed and compacted, against (a) the same process only
consuming and decoding the messages (`benchmark.parse-only=true`, the ceiling
of this design) and (b) Apache Paimon's Java writer on the same messages
(benchmarks/peers/paimon, `PaimonBench ingest`), in the same run.

    benchmarks/ingest/run.py [--events N] [--repeat K] [--build DIR] [--json FILE]

Setup (not timed): a private Kafka broker and MariaDB (scripts/services, under
a temporary directory; both are stopped at the end, also on failure), the
MediaWiki `revision` table in MariaDB (floe reads table definitions from
information_schema when messages carry no schema), the topic
`bench.wiki.revision` with 2 partitions, and N events (default 1,000,000) from
`floe sample revision --schemas off --events N --prefix bench --db wiki`
produced with `kcat -P -K '\\t' -Z -z lz4` (a delete is followed by a
tombstone, so the topic holds N + deletes messages, about 600 bytes each).
While producing, the script parses every event once and computes the
expected table: for every key its last operation unless that was a delete.

Timed, K runs of each side, alternating ceiling, floe, Paimon, ... each run
a fresh process, a fresh consumer group and a fresh warehouse, after a
sync (no writeback of an earlier run's files inside the window):

  ceiling  floe ingest --config C --until-caught-up --set benchmark.parse-only=true
  floe     floe ingest --config C --until-caught-up
           (commit.interval.ms 10s and commit.max.rows 500000 by default,
           background compaction on, iceberg.interval.ms=0: one full
           compaction + Iceberg metadata at the end; table options at
           their defaults: level-0 runs uncompressed, the rest zstd)
  paimon   benchmarks/peers/paimon/run ingest --bootstrap B --topic T --dir D --verify
           (Kafka Java client, Jackson, Paimon's writer: bucket 1, ORC zstd,
           write-buffer-size 256mb, a commit every 10 s or 500,000 messages,
           full compaction with the last commit)

The window: floe, from its "started" log line (the Kafka consumer exists,
before subscribing) to the process's exit, CPU from getrusage of the child
(wait4) minus /proc/PID/stat at "started"; Paimon, as the JVM reports it, from
before the table is created to after the last commit (so JVM start-up and the
verification read are outside). Peak RSS is the child's ru_maxrss on both
sides (whole process). Reported per side: medians of messages/s and rows/s
(wall), rows per CPU second (rows/s per core), wall and CPU seconds, peak
RSS; ratios floe/ceiling and floe/Paimon (of the medians, and per pair of
neighbouring runs, to show the noise). The Kafka broker's CPU during each
run is reported too (it serves both sides the same fetches).

Verification (exit 1 on failure): every run consumed every message; floe's
table (`floe scan`) and Paimon's (its ReadBuilder) have the expected
checksum ("floe-ingest-v1", IngestBench.java); floe's table is fully
compacted (one sorted run per bucket, top level) and has Iceberg metadata.

Needs: a floe build (cmake -S . -B /tmp/bench-build -G Ninja
-DCMAKE_BUILD_TYPE=Release && ninja -C /tmp/bench-build floe; pass --build),
scripts/setup-peers, kcat, mariadb-server, java. Plain python3.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchlib import ROOT, machine  # noqa: E402
TOPIC = "bench.wiki.revision"
COLS = ("rev_id", "rev_page", "rev_comment_id", "rev_actor", "rev_timestamp",
        "rev_minor_edit", "rev_deleted", "rev_len", "rev_parent_id", "rev_sha1")
BINARY = {"rev_timestamp", "rev_sha1"}
M64 = (1 << 64) - 1
CLK_TCK = os.sysconf("SC_CLK_TCK")

REVISION_DDL = """
CREATE DATABASE IF NOT EXISTS wiki;
DROP TABLE IF EXISTS wiki.revision;
-- MediaWiki's revision table, in the shape `floe sample revision` emits:
-- Debezium sends BIGINT (UNSIGNED, bigint.unsigned.handling.mode=long) as
-- int64, TINYINT UNSIGNED as int16 and BINARY/VARBINARY as base64 bytes.
CREATE TABLE wiki.revision (
  rev_id BIGINT UNSIGNED NOT NULL,
  rev_page BIGINT UNSIGNED NOT NULL,
  rev_comment_id BIGINT UNSIGNED NOT NULL,
  rev_actor BIGINT UNSIGNED NOT NULL,
  rev_timestamp BINARY(14) NOT NULL,
  rev_minor_edit TINYINT UNSIGNED NOT NULL DEFAULT 0,
  rev_deleted TINYINT UNSIGNED NOT NULL DEFAULT 0,
  rev_len BIGINT DEFAULT NULL,
  rev_parent_id BIGINT DEFAULT NULL,
  rev_sha1 VARBINARY(32) NOT NULL,
  PRIMARY KEY (rev_id)
) ENGINE=InnoDB;
"""


def log(msg):
    print(msg, file=sys.stderr, flush=True)


# ---- checksum "floe-ingest-v1" (IngestBench.Sum in the Paimon peer) ----

def row_hash(row):
    """row: dict of the 10 columns in floe's JSON value forms (binary as base64)."""
    parts = []
    for c in COLS:
        v = row.get(c)
        if v is None:
            parts.append(b"\\N")
        elif c in BINARY:
            parts.append(base64.b64decode(v))
        else:
            parts.append(str(int(v)).encode())
    return int.from_bytes(hashlib.md5(b"\t".join(parts)).digest()[:8], "big")


class Checksum:
    def __init__(self):
        self.rows = self.sum_id = self.hash_sum = self.hash_xor = 0

    def add(self, rev_id, h):
        self.rows += 1
        self.sum_id = (self.sum_id + rev_id) & M64
        self.hash_sum = (self.hash_sum + h) & M64
        self.hash_xor ^= h

    def as_dict(self):
        return {"rows": self.rows, "sum_rev_id": str(self.sum_id),
                "row_hash_sum": str(self.hash_sum), "row_hash_xor": str(self.hash_xor)}


def same_sum(a, b):
    return all(str(a[k]) == str(b[k]) for k in ("rows", "sum_rev_id", "row_hash_sum", "row_hash_xor"))


# ---- machine ----

def proc_cpu(pid):
    """utime + stime of a live process (and its reaped children), seconds; None if gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            s = f.read()
    except OSError:
        return None
    fields = s[s.rindex(")") + 2:].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


# ---- services ----

class Services:
    def __init__(self, base):
        self.base = base
        self.started = []
        self.env = {}

    def start(self, name):
        d = self.base / name
        self.started.append(name)
        p = subprocess.run([str(ROOT / "scripts/services"), "start", name, "--dir", str(d)],
                           capture_output=True, text=True)
        if p.returncode != 0:
            sys.stderr.write(p.stderr[-3000:])
            raise SystemExit(f"FAILED: scripts/services start {name}")
        for line in p.stdout.splitlines():
            if "=" in line:
                k, v = line.split("=", 1)
                self.env[k] = v

    def pid(self, name):
        try:
            return int((self.base / name / "pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop_all(self):
        for name in reversed(self.started):
            subprocess.run([str(ROOT / "scripts/services"), "stop", name, "--dir", str(self.base / name)],
                           capture_output=True, text=True)
        self.started = []


# ---- the workload ----

def produce(floe, events, seed, bootstrap, kcat):
    """floe sample | kcat -P, parsing every event on the way. Returns the
    message count, counts by op and the expected checksum."""
    sample = subprocess.Popen([floe, "sample", "revision", "--schemas", "off", "--events", str(events),
                               "--seed", str(seed), "--prefix", "bench", "--db", "wiki"],
                              stdout=subprocess.PIPE)
    prod = subprocess.Popen([kcat, "-P", "-b", bootstrap, "-t", TOPIC, "-K", "\\t", "-Z", "-z", "lz4",
                             "-X", "linger.ms=50"], stdin=subprocess.PIPE)
    state = {}
    n = {"messages": 0, "tombstones": 0, "c": 0, "u": 0, "d": 0, "r": 0, "value_bytes": 0}
    loads = json.loads
    for line in sample.stdout:
        prod.stdin.write(line)
        n["messages"] += 1
        key, _, value = line.rstrip(b"\n").partition(b"\t")
        if not value:
            n["tombstones"] += 1
            continue
        n["value_bytes"] += len(value)
        ev = loads(value)
        op = ev["op"]
        n[op] += 1
        rid = loads(key)["rev_id"]
        if op == "d":
            state.pop(rid, None)
        else:
            state[rid] = row_hash(ev["after"])
    prod.stdin.close()
    if sample.wait() != 0 or prod.wait() != 0:
        raise SystemExit(f"FAILED: producing (floe sample exit {sample.returncode}, kcat exit {prod.returncode})")
    c = Checksum()
    for rid, h in state.items():
        c.add(rid, h)
    return n, c.as_dict()


def floe_scan_checksum(floe, warehouse):
    p = subprocess.Popen([floe, "scan", "--warehouse", str(warehouse), "wiki.revision"],
                         stdout=subprocess.PIPE)
    c = Checksum()
    for line in p.stdout:
        row = json.loads(line)
        c.add(int(row["rev_id"]), row_hash(row))
    if p.wait() != 0:
        raise SystemExit(f"FAILED: floe scan exit {p.returncode}")
    return c.as_dict()


def floe_table_state(floe, warehouse):
    """Files, sorted runs and levels of the latest snapshot, snapshot kinds, Iceberg metadata."""
    p = subprocess.run([floe, "inspect", "--warehouse", str(warehouse), "wiki.revision"],
                       capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"FAILED: floe inspect: {p.stderr[-2000:]}")
    d = json.loads(p.stdout)
    files = [f for b in d["latest"] for f in b["files"]]
    kinds = {}
    for s in d["snapshots"]:
        kinds[s["kind"]] = kinds.get(s["kind"], 0) + 1
    meta = sorted((Path(warehouse) / "wiki.db/revision/metadata").glob("v*.metadata.json"))
    top = max((f["level"] for f in files), default=0)
    return {"files": len(files), "bytes": sum(f["size"] for f in files),
            "file_rows": sum(f["rows"] for f in files),
            "sorted_runs": [b["sorted_runs"] for b in d["latest"]],
            "levels": sorted({f["level"] for f in files}), "top_level": top,
            "snapshots": kinds, "iceberg_metadata": [m.name for m in meta],
            "data_dir_bytes": sum(f.stat().st_size for f in (Path(warehouse) / "wiki.db/revision").glob("bucket-*/*")
                                  if f.is_file())}


# ---- one timed run ----

def run_child(cmd, env, broker_pid, started_re=None):
    """Run cmd; returns (stdout, stderr, result dict) with wall/CPU from wait4."""
    b0 = proc_cpu(broker_pid) if broker_pid else None
    t0 = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    mark = {}
    err_lines, out_chunks = [], []

    def read_err():
        for raw in p.stderr:
            line = raw.decode(errors="replace")
            if started_re and "t" not in mark and started_re.search(line):
                mark["t"] = time.monotonic()
                mark["cpu"] = proc_cpu(p.pid)
            err_lines.append(line)

    def read_out():
        out_chunks.append(p.stdout.read())

    th = [threading.Thread(target=read_err), threading.Thread(target=read_out)]
    for t in th:
        t.start()
    _, status, ru = os.wait4(p.pid, 0)
    t1 = time.monotonic()
    p.returncode = os.waitstatus_to_exitcode(status)
    for t in th:
        t.join()
    b1 = proc_cpu(broker_pid) if broker_pid else None
    r = {"exit": p.returncode, "process_wall_seconds": t1 - t0,
         "process_cpu_seconds": ru.ru_utime + ru.ru_stime,
         "user_seconds": ru.ru_utime, "sys_seconds": ru.ru_stime,
         "peak_rss_kb": ru.ru_maxrss,
         "broker_cpu_seconds": (b1 - b0) if b0 is not None and b1 is not None else None}
    if started_re:
        r["pre_window_cpu_seconds"] = mark.get("cpu") or 0.0
        r["pre_window_wall_seconds"] = (mark["t"] - t0) if "t" in mark else 0.0
    stdout = b"".join(c for c in out_chunks if c).decode(errors="replace")
    stderr = "".join(err_lines)
    if p.returncode != 0:
        sys.stderr.write(stderr[-4000:])
        raise SystemExit(f"FAILED (exit {p.returncode}): {' '.join(cmd)}")
    return stdout, stderr, r


STARTED = re.compile(r'msg="started"')
STOPPED = re.compile(r'msg="stopped" messages=(\d+) rows=(\d+) commits=(\d+)')


def run_floe(floe, config, warehouse, group, parse_only, env, broker_pid):
    cmd = [floe, "ingest", "--config", str(config), "--until-caught-up",
           "--set", f"warehouse={warehouse}", "--set", f"kafka.group.id={group}"]
    if parse_only:
        cmd += ["--set", "benchmark.parse-only=true"]
    _, err, r = run_child(cmd, env, broker_pid, STARTED)
    m = STOPPED.search(err)
    if not m:
        sys.stderr.write(err[-3000:])
        raise SystemExit("FAILED: no 'stopped' line from floe ingest")
    r["messages"], r["rows"], r["commits"] = int(m.group(1)), int(m.group(2)), int(m.group(3))
    r["seconds"] = r["process_wall_seconds"] - r["pre_window_wall_seconds"]
    r["cpu_seconds"] = r["process_cpu_seconds"] - r["pre_window_cpu_seconds"]
    r["compaction_log"] = [l.strip() for l in err.splitlines() if 'comp=compact' in l][-3:]
    return r


def run_paimon(peer, bootstrap, d, env, broker_pid, parse_only=False):
    cmd = [peer, "ingest", "--bootstrap", bootstrap, "--topic", TOPIC, "--dir", str(d)]
    cmd += ["--parse-only"] if parse_only else ["--verify"]
    out, _, r = run_child(cmd, env, broker_pid)
    lines = out.strip().splitlines()
    if not lines:
        raise SystemExit("FAILED: no JSON from the Paimon peer")
    j = json.loads(lines[-1])
    r.update({"messages": j["messages"], "rows": j["rows"], "commits": j["commits"],
              "seconds": j["seconds"], "cpu_seconds": j["cpu_seconds"], "gc_seconds": j["gc_seconds"],
              "consume_seconds": j["consume_seconds"], "final_commit_seconds": j["final_commit_seconds"],
              "jvm_peak_rss_kb_window": j["peak_rss_kb_window"], "peer": j})
    return r


def finish(r):
    r["messages_per_sec"] = r["messages"] / r["seconds"]
    r["rows_per_sec"] = r["rows"] / r["seconds"]
    r["rows_per_cpu_sec"] = r["rows"] / r["cpu_seconds"]
    return r


def summary(runs):
    def med(k):
        return statistics.median(r[k] for r in runs)
    s = {
        "runs": len(runs),
        "median_messages_per_sec": round(med("messages_per_sec")),
        "median_rows_per_sec": round(med("rows_per_sec")),
        "median_rows_per_cpu_sec": round(med("rows_per_cpu_sec")),
        "median_seconds": round(med("seconds"), 3),
        "median_cpu_seconds": round(med("cpu_seconds"), 3),
        "median_process_cpu_seconds": round(med("process_cpu_seconds"), 3),
        "median_peak_rss_kb": round(med("peak_rss_kb")),
        "runs_seconds": [round(r["seconds"], 3) for r in runs],
        "runs_cpu_seconds": [round(r["cpu_seconds"], 3) for r in runs],
        "runs_rows_per_cpu_sec": [round(r["rows_per_cpu_sec"]) for r in runs],
        "runs_peak_rss_kb": [r["peak_rss_kb"] for r in runs],
        "commits": [r["commits"] for r in runs],
    }
    if all(r.get("broker_cpu_seconds") is not None for r in runs):
        s["median_broker_cpu_seconds"] = round(med("broker_cpu_seconds"), 3)
    return s


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--events", type=int, default=1_000_000, help="change events to produce (1,000,000)")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build", default=str(ROOT / "build"), help="floe build directory (DIR/cli/floe)")
    ap.add_argument("--floe", help="the floe binary (default BUILD/cli/floe)")
    ap.add_argument("--peer", default=str(ROOT / "benchmarks/peers/paimon/run"))
    ap.add_argument("--java-opts", help="FLOE_PAIMON_JAVA_OPTS (default: run's -Xmx2g -XX:+UseParallelGC)")
    ap.add_argument("--sides", default="ceiling,floe,paimon",
                    help="comma list of ceiling, floe, paimon, paimon-ceiling (Paimon's consume+parse only)")
    ap.add_argument("--kcat", default=shutil.which("kcat") or "kcat")
    ap.add_argument("--tmp", help="parent of the scratch directory (default: $TMPDIR)")
    ap.add_argument("--keep", action="store_true", help="keep the scratch directory (services are stopped)")
    ap.add_argument("--json", help="also write the result JSON to this file")
    args = ap.parse_args()
    floe = args.floe or str(Path(args.build) / "cli/floe")
    if not Path(floe).exists():
        raise SystemExit(f"no {floe}: build it first (see --help)")
    sides = [s.strip() for s in args.sides.split(",") if s.strip()]
    for s in sides:
        if s not in ("ceiling", "floe", "paimon", "paimon-ceiling"):
            raise SystemExit(f"unknown side {s}")
    env = dict(os.environ)
    env["FLOE_LOG_LEVEL"] = "info"
    if args.java_opts:
        env["FLOE_PAIMON_JAVA_OPTS"] = args.java_opts

    info = machine()
    tmp = Path(tempfile.mkdtemp(prefix="floe-ingest-bench-", dir=args.tmp))
    svc = Services(tmp / "services")
    runs = {s: [] for s in sides}
    failures = []
    try:
        # ---- services, table, topic, events (not timed) ----
        log(f"starting Kafka and MariaDB under {tmp}/services")
        svc.start("kafka")
        svc.start("mariadb")
        bootstrap = svc.env["KAFKA_BOOTSTRAP"]
        p = subprocess.run(["mariadb", "--no-defaults", "--protocol=socket", f"--socket={svc.env['MARIADB_SOCKET']}",
                            f"-u{svc.env['MARIADB_USER']}", f"-p{svc.env['MARIADB_PASSWORD']}"],
                           input=REVISION_DDL, capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"FAILED: creating wiki.revision in MariaDB: {p.stderr}")
        p = subprocess.run([str(ROOT / "scripts/services"), "topic", "kafka", TOPIC, "2",
                            "--dir", str(tmp / "services/kafka")], capture_output=True, text=True)
        if p.returncode != 0:
            raise SystemExit(f"FAILED: creating topic {TOPIC}: {p.stderr[-2000:]}")
        log(f"producing {args.events} events to {TOPIC} (2 partitions, lz4)")
        t = time.monotonic()
        counts, expected = produce(floe, args.events, args.seed, bootstrap, args.kcat)
        log(f"produced {counts['messages']} messages ({counts['tombstones']} tombstones, "
            f"{counts['value_bytes'] / max(1, counts['messages'] - counts['tombstones']):.0f} bytes a value) "
            f"in {time.monotonic() - t:.1f} s; expected {expected['rows']} live rows")
        expected_rows = counts["messages"] - counts["tombstones"]
        config = tmp / "ingest.properties"
        config.write_text("\n".join([
            "database=wiki", f"topics={TOPIC}", f"kafka.bootstrap.servers={bootstrap}",
            "iceberg.interval.ms=0",
            f"mariadb.socket={svc.env['MARIADB_SOCKET']}", f"mariadb.user={svc.env['MARIADB_USER']}",
            f"mariadb.password={svc.env['MARIADB_PASSWORD']}", ""]))
        broker = svc.pid("kafka")

        # ---- timed runs, alternating ----
        for k in range(args.repeat):
            for side in sides:
                d = tmp / f"{side}-{k}"
                # the previous run's dirty pages are written back now, not
                # by kernel threads during this run's window
                os.sync()
                la = os.getloadavg()[0]
                if side in ("ceiling", "floe"):
                    r = run_floe(floe, config, d / "warehouse", f"bench-{side}-{k}-{os.getpid()}",
                                 side == "ceiling", env, broker)
                    if side == "floe":
                        r["verify"] = floe_scan_checksum(floe, d / "warehouse")
                        r["table"] = floe_table_state(floe, d / "warehouse")
                        tb = r["table"]
                        if not same_sum(r["verify"], expected):
                            failures.append(f"floe run {k + 1}: table {r['verify']} != expected {expected}")
                        if any(n != 1 for n in tb["sorted_runs"]) or len(tb["levels"]) != 1:
                            failures.append(f"floe run {k + 1}: not fully compacted: {tb}")
                        if not tb["iceberg_metadata"]:
                            failures.append(f"floe run {k + 1}: no Iceberg metadata")
                else:
                    d.mkdir(parents=True)
                    r = run_paimon(args.peer, bootstrap, d, env, broker, parse_only=side == "paimon-ceiling")
                    if side == "paimon":
                        r["verify"] = {k2: r["peer"]["verify"][k2]
                                       for k2 in ("rows", "sum_rev_id", "row_hash_sum", "row_hash_xor")}
                        r["table"] = {"files": r["peer"]["files"], "bytes": r["peer"]["final_bytes"],
                                      "levels": r["peer"]["levels"]}
                        if not same_sum(r["verify"], expected):
                            failures.append(f"paimon run {k + 1}: table {r['verify']} != expected {expected}")
                        if len(r["peer"]["levels"]) != 1:
                            failures.append(f"paimon run {k + 1}: not fully compacted: {r['peer']['levels']}")
                r["loadavg_1m_before"] = la
                r["loadavg_1m_after"] = os.getloadavg()[0]
                if r["messages"] != counts["messages"] or r["rows"] != expected_rows:
                    failures.append(f"{side} run {k + 1}: consumed {r['messages']} messages / {r['rows']} rows, "
                                    f"expected {counts['messages']} / {expected_rows}")
                finish(r)
                runs[side].append(r)
                shutil.rmtree(d, ignore_errors=True)
                log(f"{side:8} run {k + 1}: {r['seconds']:.2f} s, {r['cpu_seconds']:.2f} CPU s "
                    f"(process {r['process_cpu_seconds']:.2f}), {r['rows_per_cpu_sec']:.0f} rows/CPU s, "
                    f"{r['messages_per_sec']:.0f} msg/s, peak RSS {r['peak_rss_kb'] / 1024:.0f} MB, "
                    f"broker {r['broker_cpu_seconds'] or 0:.2f} CPU s, load {la:.1f}"
                    + (f", verify {'ok' if same_sum(r['verify'], expected) else 'FAILED'}" if 'verify' in r else ""))
    finally:
        svc.stop_all()
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)

    info["loadavg_end"] = list(os.getloadavg())
    res = {
        "benchmark": "ingest",
        "workload": {"generator": "floe sample revision --schemas off", "events": args.events,
                     "seed": args.seed, "topic": TOPIC, "partitions": 2, "compression": "lz4",
                     **counts, "live_rows": expected["rows"]},
        "settings": {"commit.interval.ms": 10000, "commit.max.rows": 500000, "buffer": "256 MiB",
                     "buckets": 1, "codec": "zstd (floe's level-0 runs: none, its default)", "compaction": "on, full compaction at the end",
                     "floe": "iceberg.interval.ms=0 (Iceberg metadata once, at the end)",
                     "paimon": "no Iceberg metadata"},
        "repeat": args.repeat,
        "machine": info,
        "expected": expected,
    }
    for side in sides:
        res[side.replace("-", "_")] = summary(runs[side])
    if "paimon" in runs and runs["paimon"]:
        p0 = runs["paimon"][0]["peer"]
        res["paimon"].update(version=p0["version"], java=p0["java"], jvm_args=p0["jvm_args"],
                             median_gc_seconds=round(statistics.median(r["gc_seconds"] for r in runs["paimon"]), 3),
                             median_final_commit_seconds=round(statistics.median(
                                 r["final_commit_seconds"] for r in runs["paimon"]), 3))
    if "floe" in runs and runs["floe"]:
        res["floe"]["table"] = runs["floe"][0]["table"]
    ratios = {}
    f = res.get("floe")
    for peer in ("ceiling", "paimon"):
        p = res.get(peer)
        if f and p:
            ratios[f"floe_over_{peer}"] = {
                "rows_per_cpu_sec": round(f["median_rows_per_cpu_sec"] / p["median_rows_per_cpu_sec"], 3),
                "messages_per_sec_wall": round(f["median_messages_per_sec"] / p["median_messages_per_sec"], 3),
                "peak_rss": round(f["median_peak_rss_kb"] / p["median_peak_rss_kb"], 3),
                # run i of each side ran next to each other: the spread of
                # these shows how much of the ratio is this machine's noise
                "rows_per_cpu_sec_per_pair": [
                    round(a["rows_per_cpu_sec"] / b["rows_per_cpu_sec"], 3)
                    for a, b in zip(runs["floe"], runs[peer])],
            }
            log(f"floe/{peer} rows per CPU s: {ratios[f'floe_over_{peer}']['rows_per_cpu_sec']} "
                f"(medians); per pair: {ratios[f'floe_over_{peer}']['rows_per_cpu_sec_per_pair']}")
    res["ratios"] = ratios
    res["targets"] = {"floe/ceiling rows per CPU s": ">= 0.8", "floe/Paimon rows per CPU s": ">= 3"}
    res["runs"] = {s: [{k: v for k, v in r.items() if k != "peer"} for r in runs[s]] for s in sides}
    res["verify"] = {"expected": expected, "ok": not failures, "failures": failures}
    text = json.dumps(res, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    if failures:
        for fl in failures:
            log("VERIFY FAILED: " + fl)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
