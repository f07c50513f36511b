#!/usr/bin/env python3
"""Compaction benchmark: write amplification and merge throughput of floe's
universal compaction against Apache Paimon's (benchmarks/peers/paimon), same
update-heavy workload, same options, same run.

    benchmarks/compaction/run.py [--ops N | --10m] [--update-ratio R] [--delete-ratio R]
                                 [--commit-every N] [--repeat K] [--build DIR] [--json FILE]

Workload: "floe-revision-v1" (benchmarks/peers/paimon/README.md), seed 42,
update ratio 0.9: a tenth of the operations insert new keys, the rest update
uniformly random existing keys (10M operations -> 1,000,000 keys, 9M
updates; the default 2M operations -> 200,000 keys, the same 9 updates per
key). --10m runs the issue's full size.

Both sides, same options: write buffer 256 MiB, 1 bucket, ORC + ZSTD, a
commit every 100,000 operations, compaction on (trigger 5 sorted runs,
levels 6, max size amplification 200%, size ratio 1%, target file size
128 MiB: Paimon's defaults, passed explicitly), then one full compaction.
floe: compaction_bench (a floe_compactor thread beside the writer, as `floe
write`, then floe_compact_table(full) as `floe compact --full`). Paimon:
`run --commit-every N --full-compact --verify` (its compaction thread, then
`compact(full=true)`).

Reported per side (medians of K runs, alternating floe and Paimon):
  - write amplification = bytes of every data file written (flushes and
    compactions, each file once; nothing is expired) / bytes of the final
    snapshot's data files;
  - compaction bytes read = sizes of the files compactions rewrote (an
    upgraded file is not read); for floe from the COMPACT snapshots, for
    Paimon from its COMPACT snapshots' delta manifests (Avro, read with
    fastavro if it is importable: run with ~/.cache/floe/venv/bin/python;
    otherwise bytes_written - final_bytes, which equals it on both sides);
  - compaction CPU seconds = CPU of the compaction threads: floe's compactor
    thread (process CPU minus the writer thread's) plus the full compaction
    (main thread); Paimon's `*-compaction` threads, sampled from
    /proc/PID/task every 50 ms (excludes GC and JIT threads);
  - merge throughput = compaction bytes read / compaction CPU seconds
    (MB/s per core, MB = 10^6 bytes of compressed ORC input), over the whole
    run and for the full compaction alone (Paimon: its process CPU in the
    full-compaction phase, `compact_cpu_seconds`);
  - the write phase's wall and process CPU seconds, total process CPU,
    peak RSS.
After each run the table is read back and checksummed; the benchmark fails
(exit 1) unless every checksum equals the generator's.
Targets (the issue): write amplification <= Paimon's; merge >= 100 MB/s per core.
"""
import argparse
import ctypes
import ctypes.util
import io
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchlib import ROOT, add_peer_args, add_workload_args, bench_env, checksum, machine, run_json  # noqa: E402
CLK_TCK = os.sysconf("SC_CLK_TCK")


def run_sampled(cmd, env, workdir):
    """Run the JVM peer, sampling every thread's CPU from /proc/PID/task.
    Returns (json, {tid: (name, cpu_seconds)})."""
    out_f, err_f = workdir / "peer.out", workdir / "peer.err"
    with open(out_f, "w") as so, open(err_f, "w") as se:
        p = subprocess.Popen(cmd, stdout=so, stderr=se, env=env)
        threads = {}
        while p.poll() is None:
            try:
                tids = os.listdir(f"/proc/{p.pid}/task")
            except OSError:
                tids = []
            for tid in tids:
                try:
                    with open(f"/proc/{p.pid}/task/{tid}/stat") as f:
                        st = f.read()
                    with open(f"/proc/{p.pid}/task/{tid}/comm") as f:
                        name = f.read().strip()
                except OSError:
                    continue
                fields = st[st.rindex(")") + 2:].split()
                cpu = (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime
                prev = threads.get(tid)
                if prev is None or cpu >= prev[1]:
                    threads[tid] = (name, cpu)
            time.sleep(0.05)
    text = out_f.read_text().strip().splitlines()
    if p.returncode != 0 or not text:
        sys.stderr.write(err_f.read_text()[-4000:])
        raise SystemExit(f"FAILED (exit {p.returncode}): {' '.join(cmd)}")
    return json.loads(text[-1]), threads


# ---- Paimon's manifests (Avro, zstd blocks) ----

def avro_reader():
    """fastavro's pure-Python reader with a zstd block codec through libzstd
    (ctypes), or None when fastavro is not importable."""
    try:
        import fastavro._read_py as fr
    except ImportError:
        return None
    lib = ctypes.util.find_library("zstd")
    if not lib:
        return None
    z = ctypes.CDLL(lib)
    z.ZSTD_decompress.restype = ctypes.c_size_t
    z.ZSTD_decompress.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_char_p, ctypes.c_size_t]
    z.ZSTD_isError.restype = ctypes.c_uint
    z.ZSTD_isError.argtypes = [ctypes.c_size_t]

    def decompress(data):
        cap = max(1 << 16, len(data) * 16)
        while cap < (1 << 31):
            out = ctypes.create_string_buffer(cap)
            r = z.ZSTD_decompress(out, cap, data, len(data))
            if not z.ZSTD_isError(r):
                return out.raw[:r]
            cap *= 4
        raise ValueError("zstd block does not decompress")

    def read_block(decoder):
        n = decoder.read_long()
        return io.BytesIO(decompress(decoder.read_fixed(n)))

    fr.BLOCK_READERS["zstandard"] = read_block
    return fr.reader


def paimon_compactions(table_dir, reader):
    """Per COMPACT snapshot: bytes/rows/files of the rewritten inputs (DELETE
    entries whose file is not added back, i.e. not an upgrade) and outputs."""
    snaps = []
    sdir = table_dir / "snapshot"
    ids = sorted(int(p.name.split("-")[1]) for p in sdir.glob("snapshot-*"))
    for sid in ids:
        s = json.loads((sdir / f"snapshot-{sid}").read_text())
        rec = {"id": sid, "kind": s["commitKind"], "user": s["commitUser"]}
        if s["commitKind"] == "COMPACT":
            added, deleted = {}, {}
            with open(table_dir / "manifest" / s["deltaManifestList"], "rb") as f:
                manifests = [m["_FILE_NAME"] for m in reader(f)]
            for m in manifests:
                with open(table_dir / "manifest" / m, "rb") as f:
                    for e in reader(f):
                        fe = e["_FILE"]
                        (added if e["_KIND"] == 0 else deleted)[fe["_FILE_NAME"]] = (
                            fe["_FILE_SIZE"], fe["_ROW_COUNT"])
            inputs = {k: v for k, v in deleted.items() if k not in added}
            outputs = {k: v for k, v in added.items() if k not in deleted}
            rec.update(bytes_read=sum(v[0] for v in inputs.values()),
                       rows_read=sum(v[1] for v in inputs.values()), files_in=len(inputs),
                       bytes_written=sum(v[0] for v in outputs.values()), files_out=len(outputs),
                       upgraded=len([k for k in added if k in deleted]))
        snaps.append(rec)
    return snaps


def med(xs):
    return statistics.median(xs)


def mbps(b, s):
    return round(b / 1e6 / s, 1) if s > 0 else None


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_workload_args(ap, ops=2_000_000, update_ratio=0.9)
    ap.add_argument("--commit-every", type=int, default=100_000)
    add_peer_args(ap, "above 2M operations -Xmx4g")
    args = ap.parse_args()
    if args.ten_m:
        args.ops = 10_000_000
    binary = Path(args.build) / "benchmarks/compaction_bench"
    if not binary.exists():
        raise SystemExit(f"no {binary}: build it first (see --help)")
    env = bench_env(args)
    reader = avro_reader()
    gen = ["--seed", str(args.seed), "--ops", str(args.ops),
           "--update-ratio", repr(args.update_ratio), "--delete-ratio", repr(args.delete_ratio)]
    info = machine()
    tmp = Path(tempfile.mkdtemp(prefix="floe-compaction-bench-", dir=args.tmp))
    floe_runs, paimon_runs, failures = [], [], []
    try:
        for k in range(args.repeat):
            d = tmp / f"floe-{k}"
            r = run_json([str(binary), "--dir", str(d), "--commit-every", str(args.commit_every),
                          "--trigger", "5", "--target-file-size", str(128 << 20),
                          "--buffer", str(256 << 20)] + gen, env)
            r["full_merge_mb_per_cpu_sec"] = mbps(r["full_compact"]["bytes_read"],
                                                  r["full_compact"]["cpu_seconds"])
            r["total_cpu_seconds"] = r["cpu_seconds"] + r["full_compact"]["cpu_seconds"]
            floe_runs.append(r)
            shutil.rmtree(d, ignore_errors=True)
            print(f"floe   run {k + 1}: WA {r['write_amplification']:.3f}, merge "
                  f"{r['merge_mb_per_cpu_sec']:.1f} MB/CPU s (full {r['full_merge_mb_per_cpu_sec']}), "
                  f"write {r['seconds']:.1f} s / {r['cpu_seconds']:.1f} CPU s, verify {r['verify_ok']}",
                  file=sys.stderr)

            d = tmp / f"paimon-{k}"
            d.mkdir()
            work = tmp / f"paimon-{k}-io"
            work.mkdir()
            p, threads = run_sampled(
                [args.peer, "--commit-every", str(args.commit_every), "--full-compact", "--verify",
                 "--write-buffer-size", "256mb", "--target-file-size", "128mb",
                 "--compaction-trigger", "5", "--dir", str(d)] + gen, env, work)
            comp_threads = {t: v for t, v in threads.items() if "compaction" in v[0]}
            p["compaction_threads"] = {f"{v[0]}/{t}": round(v[1], 2) for t, v in comp_threads.items()}
            p["compaction_cpu_seconds"] = sum(v[1] for v in comp_threads.values())
            p["sampled_process_cpu_seconds"] = sum(v[1] for v in threads.values())
            p["compaction_bytes_read_derived"] = p["bytes_written"] - p["final_bytes"]
            table_dir = d / "warehouse/bench.db/revision"
            if reader:
                snaps = paimon_compactions(table_dir, reader)
                comp = [s for s in snaps if s["kind"] == "COMPACT"]
                full_user = snaps[-1]["user"]
                full = [s for s in comp if s["user"] == full_user and s["user"] != snaps[0]["user"]]
                bg = [s for s in comp if s not in full]
                p["compaction_bytes_read"] = sum(s["bytes_read"] for s in comp)
                p["manifest_accounting"] = {
                    "write_phase_compact_snapshots": len(bg),
                    "write_phase_bytes_read": sum(s["bytes_read"] for s in bg),
                    "write_phase_bytes_written": sum(s["bytes_written"] for s in bg),
                    "write_phase_files_in": sum(s["files_in"] for s in bg),
                    "write_phase_upgrades": sum(s["upgraded"] for s in bg),
                    "full_bytes_read": sum(s["bytes_read"] for s in full),
                    "full_rows_read": sum(s["rows_read"] for s in full),
                    "full_files_in": sum(s["files_in"] for s in full),
                    "full_bytes_written": sum(s["bytes_written"] for s in full),
                }
                if p["compaction_bytes_read"] != p["compaction_bytes_read_derived"]:
                    print(f"note: Paimon manifests say {p['compaction_bytes_read']} bytes read, "
                          f"bytes_written - final_bytes = {p['compaction_bytes_read_derived']}",
                          file=sys.stderr)
                p["full_merge_mb_per_cpu_sec"] = mbps(p["manifest_accounting"]["full_bytes_read"],
                                                      p["compact_cpu_seconds"])
            else:
                p["compaction_bytes_read"] = p["compaction_bytes_read_derived"]
                p["full_merge_mb_per_cpu_sec"] = None
            p["merge_mb_per_cpu_sec"] = mbps(p["compaction_bytes_read"], p["compaction_cpu_seconds"])
            p["total_cpu_seconds"] = p["cpu_seconds"] + p.get("compact_cpu_seconds", 0)
            paimon_runs.append(p)
            shutil.rmtree(d, ignore_errors=True)
            shutil.rmtree(work, ignore_errors=True)
            print(f"paimon run {k + 1}: WA {p['write_amplification']:.3f}, merge "
                  f"{p['merge_mb_per_cpu_sec']} MB/CPU s (full {p['full_merge_mb_per_cpu_sec']}), "
                  f"write {p['seconds']:.1f} s / {p['cpu_seconds']:.1f} CPU s, "
                  f"verify {p['verify']['ok']}", file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    expected = checksum(floe_runs[0]["expected"])
    for r in floe_runs:
        if not r.get("verify_ok") or checksum(r["verify"]) != expected:
            failures.append(f"floe read-back {checksum(r['verify'])} != expected {expected}")
        if r["compaction_bytes_read"] != r["bytes_written"] - r["final_bytes"]:
            failures.append(f"floe accounting: compaction read {r['compaction_bytes_read']} != "
                            f"written - final {r['bytes_written'] - r['final_bytes']} (orphans?)")
    for p in paimon_runs:
        if checksum(p["verify"]["expected"]) != expected:
            failures.append(f"Paimon's generator expected {checksum(p['verify']['expected'])} "
                            f"!= floe's generator {expected}")
        if not p["verify"]["ok"] or checksum(p["verify"]) != expected:
            failures.append(f"Paimon read-back {checksum(p['verify'])} != expected {expected}")

    def m(runs, f):
        xs = [f(r) for r in runs]
        xs = [x for x in xs if x is not None]
        return med(xs) if xs else None

    def side(runs, paimon):
        s = {
            "median_write_amplification": round(m(runs, lambda r: r["write_amplification"]), 4),
            "runs_write_amplification": [round(r["write_amplification"], 4) for r in runs],
            "bytes_written": [r["bytes_written"] for r in runs],
            "files_written": [r["files_written"] for r in runs],
            "final_bytes": [r["final_bytes"] for r in runs],
            "compaction_bytes_read": [r["compaction_bytes_read"] for r in runs],
            "median_compaction_cpu_seconds": round(m(runs, lambda r: r["compaction_cpu_seconds"]), 3),
            "median_merge_mb_per_cpu_sec": m(runs, lambda r: r["merge_mb_per_cpu_sec"]),
            "runs_merge_mb_per_cpu_sec": [r["merge_mb_per_cpu_sec"] for r in runs],
            "median_full_merge_mb_per_cpu_sec": m(runs, lambda r: r["full_merge_mb_per_cpu_sec"]),
            "median_write_seconds": round(m(runs, lambda r: r["seconds"]), 3),
            "median_write_cpu_seconds": round(m(runs, lambda r: r["cpu_seconds"]), 3),
            "median_full_compact_seconds": round(m(runs, lambda r: r["full_compact"]["seconds"] if not paimon else r["compact_seconds"]), 3),
            "median_full_compact_cpu_seconds": round(m(runs, lambda r: r["full_compact"]["cpu_seconds"] if not paimon else r["compact_cpu_seconds"]), 3),
            "median_total_cpu_seconds": round(m(runs, lambda r: r["total_cpu_seconds"]), 3),
            "median_peak_rss_kb": round(m(runs, lambda r: r["peak_rss_kb_write_phase"])),
        }
        if paimon:
            s["compaction_threads"] = [r["compaction_threads"] for r in runs]
            s["manifest_accounting"] = [r.get("manifest_accounting") for r in runs]
            s["version"], s["java"], s["jvm_args"] = runs[0]["version"], runs[0]["java"], runs[0]["jvm_args"]
        else:
            s["write_phase"] = [r["write_phase"] for r in runs]
            s["full_compact"] = [r["full_compact"] for r in runs]
            s["writer_waits"] = [r["writer_waits"] for r in runs]
            s["max_sorted_runs_after_commit"] = [r["max_sorted_runs_after_commit"] for r in runs]
        return s

    fs, ps = side(floe_runs, False), side(paimon_runs, True)
    info["loadavg_end"] = list(os.getloadavg())
    o = floe_runs[0]["options"]

    def ratio(a, b, nd=2):
        return round(a / b, nd) if a is not None and b else None

    res = {
        "benchmark": "compaction",
        "workload": {k: o[k] for k in ("generator", "seed", "ops", "update_ratio", "delete_ratio",
                                       "inserts", "updates", "deletes", "keys")},
        "settings": {"buffer": "256 MiB", "buckets": 1, "codec": "zstd",
                     "commit_every": args.commit_every, "trigger": 5, "levels": 6,
                     "target_file_size": "128 MiB", "then": "one full compaction"},
        "repeat": args.repeat,
        "machine": info,
        "floe": fs,
        "paimon": ps,
        "ratio_floe_over_paimon": {
            "write_amplification": ratio(fs["median_write_amplification"], ps["median_write_amplification"], 3),
            "merge_mb_per_cpu_sec": ratio(fs["median_merge_mb_per_cpu_sec"], ps["median_merge_mb_per_cpu_sec"]),
            "full_merge_mb_per_cpu_sec": ratio(fs["median_full_merge_mb_per_cpu_sec"], ps["median_full_merge_mb_per_cpu_sec"]),
            "total_cpu_seconds": ratio(fs["median_total_cpu_seconds"], ps["median_total_cpu_seconds"], 3),
        },
        "targets": {"write_amplification_le_paimon": fs["median_write_amplification"] <= ps["median_write_amplification"],
                    "merge_ge_100_mb_per_cpu_sec": (fs["median_merge_mb_per_cpu_sec"] or 0) >= 100},
        "verify": {"expected": expected, "ok": not failures, "failures": failures},
    }
    text = json.dumps(res, indent=2)
    print(text)
    if args.json:
        Path(args.json).write_text(text + "\n")
    if failures:
        for f in failures:
            print("VERIFY FAILED: " + f, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
