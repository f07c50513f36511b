"""Helpers the benchmark scripts share (benchmarks/*/run.py): machine facts,
the generator's table checksum, running a benchmark binary that prints one
JSON line, and the options and environment of the Paimon peer."""
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHECKSUM_KEYS = ("rows", "sum_rev_id", "row_hash_sum", "row_hash_xor")


def checksum(d):
    """The floe-revision-v1 table checksum fields of a result, as strings."""
    return {k: str(d[k]) for k in CHECKSUM_KEYS}


def machine():
    """Cores, load, kernel, CPU model, memory and the git revision."""
    info = {"cores": os.cpu_count(), "loadavg_start": list(os.getloadavg()),
            "kernel": platform.release()}
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                info["cpu"] = line.split(":", 1)[1].strip()
                break
        for line in open("/proc/meminfo"):
            if line.startswith("MemTotal"):
                info["mem_total_kb"] = int(line.split()[1])
                break
    except OSError:
        pass
    try:
        info["git"] = subprocess.run(["git", "-C", str(ROOT), "describe", "--always", "--dirty"],
                                     capture_output=True, text=True).stdout.strip()
    except OSError:
        pass
    return info


def run_json(cmd, env=None):
    """Run cmd; its last stdout line is the JSON result. Exit on failure."""
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    out = p.stdout.strip().splitlines()
    if p.returncode != 0 or not out:
        sys.stderr.write(p.stderr[-4000:])
        raise SystemExit(f"FAILED (exit {p.returncode}): {' '.join(cmd)}")
    return json.loads(out[-1])


def add_workload_args(ap, ops, update_ratio):
    """The generator and peer options of the engine and compaction runs."""
    ap.add_argument("--ops", type=int, default=ops)
    ap.add_argument("--10m", dest="ten_m", action="store_true", help="10,000,000 operations")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--update-ratio", type=float, default=update_ratio)
    ap.add_argument("--delete-ratio", type=float, default=0.0)


def add_peer_args(ap, java_default_help):
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--build", default=str(ROOT / "build"), help="floe build directory")
    ap.add_argument("--peer", default=str(ROOT / "benchmarks/peers/paimon/run"))
    ap.add_argument("--java-opts", help="FLOE_PAIMON_JAVA_OPTS for the peer (default: run's "
                    f"-Xmx2g -XX:+UseParallelGC; {java_default_help})")
    ap.add_argument("--tmp", help="parent of the scratch directories (default: $TMPDIR)")
    ap.add_argument("--json", help="also write the result JSON to this file")


def bench_env(args):
    """floe's logs at warn; a bigger peer heap above 2M operations."""
    env = dict(os.environ)
    env.setdefault("FLOE_LOG_LEVEL", "warn")
    java_opts = args.java_opts or ("-Xmx4g -XX:+UseParallelGC" if args.ops > 2_000_000 else None)
    if java_opts:
        env["FLOE_PAIMON_JAVA_OPTS"] = java_opts
    return env
