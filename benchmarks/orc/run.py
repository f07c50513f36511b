#!/usr/bin/env python3
"""ORC write benchmark: floe's writer against pyarrow's (Apache ORC C++), same
rows, same codec, same stripe size (64 MiB), in the same run.

    benchmarks/orc/run.py [--rows N] [--repeat K] [--codec zstd|lz4|zlib|none]

Run with the reference-reader venv's python (scripts/setup-readers):
    ~/.cache/floe/venv/bin/python benchmarks/orc/run.py
Prints each writer's median seconds, rows/s and MB/s of output, file sizes,
and the ratios floe/pyarrow. Timed: encoding, compression and writing the
file; not: generating the rows (done once, shared by both writers).
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.orc as po

ROOT = Path(__file__).resolve().parents[2]
REC = 109


def generate(n, seed=7):
    rng = np.random.default_rng(seed)
    rev_id = np.arange(1, n + 1, dtype=np.int64)
    rev_page = rng.integers(1, 200_000, n, dtype=np.int64)
    rev_comment_id = rev_id * 3 + rng.integers(0, 3, n)
    rev_actor = rng.integers(1, 50_000, n, dtype=np.int64)
    rev_len = rng.integers(0, 300_000, n, dtype=np.int64)
    len_null = rng.random(n) < 0.05
    rev_parent_id = np.maximum(rev_id - rng.integers(1, 1000, n), 0)
    rev_minor = (rng.random(n) < 0.3).astype(np.int64)
    rev_deleted = (rng.random(n) < 0.01).astype(np.int64)
    # timestamps: increasing seconds, formatted YYYYMMDDHHMMSS
    base = np.datetime64("2020-01-01T00:00:00")
    secs = base + (rev_id * 7).astype("timedelta64[s]")
    ts = np.char.replace(np.char.replace(np.char.replace(
        np.datetime_as_string(secs, unit="s").astype("U19"), "-", ""), ":", ""), "T", "")
    alphabet = np.frombuffer(b"0123456789abcdefghijklmnopqrstuvwxyz", dtype=np.uint8)
    sha = alphabet[rng.integers(0, 36, (n, 31))]
    return dict(rev_id=rev_id, rev_page=rev_page, rev_comment_id=rev_comment_id,
                rev_actor=rev_actor, rev_len=rev_len, len_null=len_null,
                rev_parent_id=rev_parent_id, rev_minor_edit=rev_minor,
                rev_deleted=rev_deleted, ts=ts.astype("S14"), sha=sha)


def write_rows_bin(d, path):
    n = len(d["rev_id"])
    rec = np.zeros((n, REC), dtype=np.uint8)
    ints = np.stack([d["rev_id"], d["rev_page"], d["rev_comment_id"], d["rev_actor"],
                     np.where(d["len_null"], np.iinfo(np.int64).min, d["rev_len"]),
                     d["rev_parent_id"], d["rev_minor_edit"], d["rev_deleted"]], axis=1)
    rec[:, :64] = ints.astype("<i8").view(np.uint8).reshape(n, 64)
    rec[:, 64:78] = np.frombuffer(d["ts"].tobytes(), dtype=np.uint8).reshape(n, 14)
    rec[:, 78:109] = d["sha"]
    rec.tofile(path)


def arrow_table(d):
    n = len(d["rev_id"])
    return pa.table({
        "rev_id": pa.array(d["rev_id"]),
        "rev_page": pa.array(d["rev_page"]),
        "rev_comment_id": pa.array(d["rev_comment_id"]),
        "rev_actor": pa.array(d["rev_actor"]),
        "rev_len": pa.array(d["rev_len"].astype(np.int32), mask=d["len_null"]),
        "rev_parent_id": pa.array(d["rev_parent_id"]),
        "rev_minor_edit": pa.array(d["rev_minor_edit"].astype(np.int8)),
        "rev_deleted": pa.array(d["rev_deleted"].astype(np.int8)),
        "rev_timestamp": pa.array(d["ts"].astype(str)),
        "rev_sha1": pa.array([bytes(r).decode() for r in d["sha"]]) if n <= 0 else
                    pa.array(np.frombuffer(d["sha"].tobytes(), dtype="S31").astype(str)),
    })


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=2_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--codec", default="zstd")
    ap.add_argument("--bench-bin", default=str(ROOT / "build/benchmarks/orc_write_bench"))
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="floe-orc-bench-"))
    d = generate(args.rows)
    write_rows_bin(d, tmp / "rows.bin")
    table = arrow_table(d)
    # floe
    out = subprocess.run([args.bench_bin, str(tmp / "rows.bin"), str(tmp / "floe.orc"), args.codec,
                          str(args.repeat)], check=True, capture_output=True, text=True)
    floe = json.loads(out.stdout)
    # pyarrow
    codec = {"zstd": "zstd", "lz4": "lz4", "zlib": "zlib", "none": "uncompressed"}[args.codec]
    pa_secs = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        po.write_table(table, str(tmp / "pyarrow.orc"), compression=codec,
                       stripe_size=64 * 1024 * 1024, file_version="0.12")
        pa_secs.append(time.perf_counter() - t0)
    # both files must hold the same rows (checked with pyarrow's reader)
    a = po.ORCFile(str(tmp / "floe.orc")).read()
    b = po.ORCFile(str(tmp / "pyarrow.orc")).read()
    assert a.num_rows == b.num_rows == args.rows
    assert a.column("rev_sha1").equals(b.column("rev_sha1"))
    assert a.column("rev_len").equals(b.column("rev_len"))
    fm, pm = statistics.median(floe["seconds"]), statistics.median(pa_secs)
    fs, ps = os.path.getsize(tmp / "floe.orc"), os.path.getsize(tmp / "pyarrow.orc")
    res = {
        "rows": args.rows, "codec": args.codec, "repeat": args.repeat,
        "floe": {"median_s": round(fm, 4), "runs_s": [round(x, 4) for x in floe["seconds"]],
                 "rows_per_s": round(args.rows / fm), "out_MB_per_s": round(fs / fm / 1e6, 1),
                 "file_bytes": fs, "peak_rss_kb": floe["peak_rss_kb"]},
        "pyarrow": {"version": pa.__version__, "median_s": round(pm, 4),
                    "runs_s": [round(x, 4) for x in pa_secs], "rows_per_s": round(args.rows / pm),
                    "out_MB_per_s": round(ps / pm / 1e6, 1), "file_bytes": ps},
        "ratio_throughput_floe_over_pyarrow": round(pm / fm, 2),
        "ratio_size_floe_over_pyarrow": round(fs / ps, 3),
    }
    print(json.dumps(res, indent=2))
    for f in tmp.iterdir():
        f.unlink()
    tmp.rmdir()


if __name__ == "__main__":
    sys.exit(main())
