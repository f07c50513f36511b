#!/usr/bin/env python3
"""Reference implementation of the benchmark workload generator
"floe-revision-v1" (README.md beside this file), written from the spec alone,
independently of PaimonBench.java. It prints the same one-line JSON as
`run --gen-only` and, with --emit-ops FILE, the same JSON lines, so the Java
peer, this script and floe's C generator can be checked against each other:

    gen_reference.py --ops 16 --update-ratio 0.3 --delete-ratio 0.2 --emit-ops a.jsonl
    run --gen-only   --ops 16 --update-ratio 0.3 --delete-ratio 0.2 --emit-ops b.jsonl
    cmp a.jsonl b.jsonl

Slow (pure Python, about 100k operations a second): for checking, not benchmarking.
"""
import argparse
import json
import time

M64 = (1 << 64) - 1
B36 = "0123456789abcdefghijklmnopqrstuvwxyz"
TS_BASE, TS_SPAN = 978307200, 788918400


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & M64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)


def base36(x, digits):
    out = []
    for _ in range(digits):
        out.append(B36[x % 36])
        x //= 36
    return "".join(out)


def generate(seed, ops, update_ratio, delete_ratio):
    r = SplitMix64(seed)
    tu = int(update_ratio * 2.0**53)
    td = int(delete_ratio * 2.0**53)
    inserted = 0
    for _ in range(ops):
        u = r.next() >> 11
        if inserted == 0:
            op = "+I"
        elif u < tu:
            op = "+U"
        elif u < tu + td:
            op = "-D"
        else:
            op = "+I"
        if op == "+I":
            inserted += 1
            rev_id = inserted
        else:
            rev_id = 1 + r.next() % inserted
        row = {"op": op, "rev_id": rev_id}
        row["rev_page"] = 1 + r.next() % 1_000_000
        row["rev_comment_id"] = 1 + r.next() % 1_000_000_000
        row["rev_actor"] = 1 + r.next() % 100_000
        t = TS_BASE + r.next() % TS_SPAN
        row["rev_timestamp"] = time.strftime("%Y%m%d%H%M%S", time.gmtime(t))
        row["rev_minor_edit"] = r.next() % 2
        x = r.next()
        row["rev_deleted"] = 1 + (x >> 5) % 15 if x % 32 == 0 else 0
        row["rev_len"] = r.next() % 200_000
        row["rev_parent_id"] = r.next() % rev_id
        row["rev_sha1"] = base36(r.next(), 12) + base36(r.next(), 12) + base36(r.next(), 7)
        yield row


COLUMNS = ["rev_id", "rev_page", "rev_comment_id", "rev_actor", "rev_timestamp",
           "rev_minor_edit", "rev_deleted", "rev_len", "rev_parent_id", "rev_sha1"]


def fnv1a64(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & M64
    return h


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--ops", type=int, default=1_000_000)
    p.add_argument("--update-ratio", type=float, default=0.2)
    p.add_argument("--delete-ratio", type=float, default=0.0)
    p.add_argument("--emit-ops")
    a = p.parse_args()

    final = {}
    counts = {"+I": 0, "+U": 0, "-D": 0}
    out = open(a.emit_ops, "w", encoding="utf-8") if a.emit_ops else None
    for row in generate(a.seed, a.ops, a.update_ratio, a.delete_ratio):
        counts[row["op"]] += 1
        final[row["rev_id"]] = row
        if out:
            out.write(json.dumps(row, separators=(",", ":")) + "\n")
    if out:
        out.close()

    rows = sum_id = hsum = hxor = 0
    for rev_id in sorted(final):
        row = final[rev_id]
        if row["op"] == "-D":
            continue
        h = fnv1a64("\t".join(str(row[c]) for c in COLUMNS).encode("ascii"))
        rows += 1
        sum_id = (sum_id + rev_id) & M64
        hsum = (hsum + h) & M64
        hxor ^= h
    res = {"peer": "paimon", "mode": "gen-only", "generator": "floe-revision-v1", "seed": str(a.seed),
           "ops": a.ops, "update_ratio": a.update_ratio, "delete_ratio": a.delete_ratio,
           "inserts": counts["+I"], "updates": counts["+U"], "deletes": counts["-D"], "keys": counts["+I"],
           "expected": {"rows": rows, "sum_rev_id": str(sum_id), "row_hash_sum": str(hsum),
                        "row_hash_xor": str(hxor)}}
    print(json.dumps(res, separators=(",", ":")))


if __name__ == "__main__":
    main()
