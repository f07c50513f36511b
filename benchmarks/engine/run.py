#!/usr/bin/env python3
"""Engine write benchmark: floe's primary-key table writer against Apache
Paimon's Java writer (benchmarks/peers/paimon), same rows, same run.

    benchmarks/engine/run.py [--ops N | --10m] [--update-ratio R] [--delete-ratio R]
                             [--repeat K] [--build DIR] [--json FILE]

Workload: the "floe-revision-v1" generator (benchmarks/peers/paimon/README.md),
seed 42, 1,000,000 operations, 20% updates by default (--10m: 10,000,000).
Both sides pre-generate the operations into memory (not timed), then, timed:
every operation into the table writer (+I/+U/-D by primary key rev_id), one
commit at the end, write buffer 256 MiB, 1 bucket, ORC + ZSTD; Paimon with
`write-only=true` (no compaction), floe without a compactor.

Runs alternate floe, Paimon, floe, Paimon, ... (K each, default 3), each run a
fresh process and warehouse. Reported per side: medians of wall seconds,
rows/s, CPU seconds (the whole process during the timed window: getrusage on
floe's side, the JVM's process CPU on Paimon's), rows per CPU second (rows/s
per core), peak RSS (VmHWM right after the write; both include the
pre-generated input, about 92 bytes an operation), data files and bytes; and
the ratios floe/Paimon. After every run the table is read back (floe: its
k-way merge, as `floe scan`; Paimon: its ReadBuilder) and checksummed; the
benchmark fails (exit 1) unless every checksum equals the generator's.

Needs: the floe build (`cmake -S . -B /tmp/bench-build -G Ninja
-DCMAKE_BUILD_TYPE=Release && ninja -C /tmp/bench-build engine_write_bench`;
pass --build /tmp/bench-build) and the peer (scripts/setup-peers).
Plain python3 is enough (no third-party modules).
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchlib import ROOT, add_peer_args, add_workload_args, bench_env, checksum, machine, run_json  # noqa: E402


def med(runs, key):
    return statistics.median(r[key] for r in runs)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_workload_args(ap, ops=1_000_000, update_ratio=0.2)
    add_peer_args(ap, "--10m uses -Xmx4g")
    args = ap.parse_args()
    if args.ten_m:
        args.ops = 10_000_000
    binary = Path(args.build) / "benchmarks/engine_write_bench"
    if not binary.exists():
        raise SystemExit(f"no {binary}: build it first (see --help)")
    env = bench_env(args)
    gen = ["--seed", str(args.seed), "--ops", str(args.ops),
           "--update-ratio", repr(args.update_ratio), "--delete-ratio", repr(args.delete_ratio)]
    info = machine()
    tmp = Path(tempfile.mkdtemp(prefix="floe-engine-bench-", dir=args.tmp))
    floe_runs, paimon_runs, failures = [], [], []
    try:
        for k in range(args.repeat):
            d = tmp / f"floe-{k}"
            r = run_json([str(binary), "--dir", str(d)] + gen, env)
            floe_runs.append(r)
            shutil.rmtree(d, ignore_errors=True)
            print(f"floe   run {k + 1}: {r['seconds']:.2f} s, {r['cpu_seconds']:.2f} CPU s, "
                  f"{r['rows_per_cpu_sec']:.0f} rows/CPU s, verify {r['verify_ok']}",
                  file=sys.stderr)
            d = tmp / f"paimon-{k}"
            p = run_json([args.peer, "--write-only", "--verify", "--dir", str(d)] + gen, env)
            paimon_runs.append(p)
            shutil.rmtree(d, ignore_errors=True)
            print(f"paimon run {k + 1}: {p['seconds']:.2f} s, {p['cpu_seconds']:.2f} CPU s, "
                  f"{p['rows'] / p['cpu_seconds']:.0f} rows/CPU s, verify {p['verify']['ok']}",
                  file=sys.stderr)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    # ---- verification: every read-back equals the generator's expected state ----
    expected = checksum(floe_runs[0]["expected"])
    for r in floe_runs:
        if checksum(r["expected"]) != expected:
            failures.append("floe generator expected checksums differ between runs")
        if not r.get("verify_ok") or checksum(r["verify"]) != expected:
            failures.append(f"floe read-back {checksum(r['verify'])} != expected {expected}")
    for p in paimon_runs:
        if checksum(p["verify"]["expected"]) != expected:
            failures.append(f"Paimon's generator expected {checksum(p['verify']['expected'])} "
                            f"!= floe's generator {expected}")
        if not p["verify"]["ok"] or checksum(p["verify"]) != expected:
            failures.append(f"Paimon read-back {checksum(p['verify'])} != expected {expected}")

    for p in paimon_runs:
        p["rows_per_cpu_sec"] = p["rows"] / p["cpu_seconds"]
    f_rpc, p_rpc = med(floe_runs, "rows_per_cpu_sec"), med(paimon_runs, "rows_per_cpu_sec")
    f_rps, p_rps = med(floe_runs, "rows_per_sec"), med(paimon_runs, "rows_per_sec")
    f_rss, p_rss = med(floe_runs, "peak_rss_kb_write_phase"), med(paimon_runs, "peak_rss_kb_write_phase")
    f_sz, p_sz = med(floe_runs, "final_bytes"), med(paimon_runs, "final_bytes")

    def side(runs, rps_per_cpu):
        return {
            "median_seconds": round(med(runs, "seconds"), 3),
            "runs_seconds": [round(r["seconds"], 3) for r in runs],
            "median_rows_per_sec": round(med(runs, "rows_per_sec")),
            "median_cpu_seconds": round(med(runs, "cpu_seconds"), 3),
            "runs_cpu_seconds": [round(r["cpu_seconds"], 3) for r in runs],
            "median_rows_per_cpu_sec": round(rps_per_cpu),
            "median_peak_rss_kb_write_phase": round(med(runs, "peak_rss_kb_write_phase")),
            "median_peak_rss_kb": round(med(runs, "peak_rss_kb")),
            "final_bytes": [r["final_bytes"] for r in runs],
            "files": [r["files"] for r in runs],
            "bytes_written": [r["bytes_written"] for r in runs],
            "median_last_commit_seconds": round(med(runs, "last_commit_seconds"), 3),
        }

    floe_side = side(floe_runs, f_rpc)
    floe_side["flushes"] = [r["flushes"] for r in floe_runs]
    paimon_side = side(paimon_runs, p_rpc)
    paimon_side.update(version=paimon_runs[0]["version"], java=paimon_runs[0]["java"],
                       jvm_args=paimon_runs[0]["jvm_args"],
                       median_gc_seconds=round(med(paimon_runs, "gc_seconds"), 3))
    info["loadavg_end"] = list(os.getloadavg())
    o = floe_runs[0]["options"]
    res = {
        "benchmark": "engine-write",
        "workload": {k: o[k] for k in ("generator", "seed", "ops", "update_ratio", "delete_ratio",
                                       "inserts", "updates", "deletes", "keys")},
        "settings": {"buffer": "256 MiB", "buckets": 1, "commits": 1, "codec": "zstd",
                     "paimon": "write-only=true, spillable write buffer (default)",
                     "floe": "no compactor"},
        "repeat": args.repeat,
        "machine": info,
        "floe": floe_side,
        "paimon": paimon_side,
        "ratio_floe_over_paimon": {
            "rows_per_cpu_sec": round(f_rpc / p_rpc, 2),
            "rows_per_sec_wall": round(f_rps / p_rps, 2),
            "peak_rss": round(f_rss / p_rss, 3),
            "final_bytes": round(f_sz / p_sz, 3),
        },
        "target": "rows per CPU second >= 3x Paimon",
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
