"""Iceberg conformance: real Iceberg engines read the tables floe publishes.

floe keeps a table as a primary-key LSM and publishes every fully compacted
snapshot as an Iceberg v2 snapshot with the same id (catalog/iceberg.h).
Here floe's tables are read by engines nobody here wrote, pyiceberg
(StaticTable on vN.metadata.json, ORC through pyarrow) and Apache Iceberg
Java (tests/readers/verifier, IcebergGenerics), and compared with `floe scan`
and with an in-test model of the table (a dict of rows by primary key):

1. Randomized, seeded workloads (a bigint key with 4 buckets, a composite
   string+int key with 3 buckets): many commits, a small write buffer,
   background compaction on and off, `floe compact` and `floe compact --full`
   interleaved, inserts, upserts, deletes, primary-key changes, a bucket
   emptied and refilled, rounds that touch only some buckets. After every
   full compaction both readers equal `floe scan` and the model (and
   pyiceberg's filtered scans, which prune files by the manifests' bounds,
   equal the filtered model). At the end every Iceberg snapshot is read
   again by id (time travel) and must equal the model at that floe snapshot.
   Manifest lists and manifests (fastavro) are checked: a bucket whose files
   did not change keeps its manifest (same path), file sizes and record
   counts are exact, value/null counts and lower/upper bounds (Iceberg's
   single-value serialisation) equal what the ORC file holds (read by pyorc).
2. Every floe type as a column, with NULLs and edge values.
3. Schema evolution: add, widen int->bigint, rename, drop, each followed by
   writes and a full compaction, with some buckets never rewritten so old
   files keep the old schema; refused changes write nothing.
4. Broken metadata (truncated, deleted, a missing manifest list): syncing
   fails naming the file and never writes over it.

Known reader disagreements would be xfail(strict=True) with the reason; none remain.

Run: ctest --test-dir build -R iceberg_conformance --output-on-failure, or
  FLOE_BIN=build/cli/floe ~/.cache/floe/venv/bin/python -m pytest \
      -c tests/readers/pytest.ini tests/readers/test_iceberg_conformance.py
"""

import base64
import concurrent.futures as cf
import datetime as dt
import decimal
import hashlib
import json
import logging
import os
import random
import re
import struct
import subprocess
import zoneinfo
from pathlib import Path

import fastavro
import pyarrow as pa
import pyorc
import pytest
from pyiceberg import expressions as E
from pyiceberg.table import StaticTable

from readers_common import HERE, VERIFIER, json_lines, typed_rows

FLOE = os.environ.get("FLOE_BIN") or str(HERE.parents[1] / "build" / "cli" / "floe")
FLOE_ENV = dict(os.environ, FLOE_LOG_LEVEL="warn")
EPOCH = dt.datetime(1970, 1, 1)
EPOCH_DAY = dt.date(1970, 1, 1)
# pyiceberg warns on every ORC file that its timestamp[ns] is read as us (floe's are us)
logging.getLogger("pyiceberg.io.pyarrow").setLevel(logging.ERROR)
POOL = cf.ThreadPoolExecutor(max_workers=2)  # JVM runs beside pyiceberg


# ---------------------------------------------------------------- running things


def floe(*args, stdin=None, ok=True):
    p = subprocess.run([FLOE, *map(str, args)], input=stdin, capture_output=True, text=True,
                       env=FLOE_ENV)
    if ok and p.returncode != 0:
        raise AssertionError(f"floe {' '.join(map(str, args))} exited {p.returncode}\n"
                             f"stdout:\n{p.stdout[-3000:]}\nstderr:\n{p.stderr[-3000:]}")
    return p


def java(*args):
    p = subprocess.run([VERIFIER, *map(str, args)], capture_output=True, text=True)
    if p.returncode != 0:
        raise AssertionError(f"verifier {' '.join(map(str, args))} exited {p.returncode}\n"
                             f"stderr:\n{p.stderr[-4000:]}")
    return p.stdout


def java_rows_async(meta, snapshot=None):
    args = ["iceberg-read", meta] + (["--snapshot", snapshot] if snapshot is not None else [])
    return POOL.submit(lambda: json_lines(java(*args)))


# ---------------------------------------------------------------- types and values


def arrow_type(t):
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return pa.decimal128(int(m[1]), int(m[2]))
    return {"boolean": pa.bool_(), "tinyint": pa.int32(), "smallint": pa.int32(), "int": pa.int32(),
            "bigint": pa.int64(), "float": pa.float32(), "double": pa.float64(), "string": pa.string(),
            "binary": pa.binary(), "date": pa.date32(), "timestamp": pa.timestamp("us")}[t]


def iceberg_type(t):
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        return f"decimal({m[1]}, {m[2]})"
    return {"boolean": "boolean", "tinyint": "int", "smallint": "int", "int": "int", "bigint": "long",
            "float": "float", "double": "double", "string": "string", "binary": "binary",
            "date": "date", "timestamp": "timestamp"}[t]


def ts_text(micros):
    return (EPOCH + dt.timedelta(microseconds=micros)).isoformat(timespec="microseconds")


def day_text(days):
    return (EPOCH_DAY + dt.timedelta(days=days)).isoformat()


def dec_text(unscaled, scale):
    sign = "-" if unscaled < 0 else ""
    s = str(abs(unscaled)).rjust(scale + 1, "0")
    return f"{sign}{s[:-scale]}.{s[-scale:]}" if scale else f"{sign}{s}"


TEXTS = ["", "a", "A", "zz", "wiki", "Wikipedia:Village pump", "\u00e9t\u00e9", "\u65e5\u672c\u8a9e",
         "\U0001f600 emoji", 'quote " and \\ slash', "tab\tnew\nline", "~~~~"]


def gen_value(rng, t, extreme=False):
    """A random value of floe type t, in floe's JSON value form."""
    if t == "boolean":
        return rng.random() < 0.5
    if t in ("tinyint", "smallint", "int", "bigint"):
        bits = {"tinyint": 8, "smallint": 16, "int": 32, "bigint": 64}[t]
        lo, hi = -(1 << (bits - 1)), (1 << (bits - 1)) - 1
        return rng.choice([lo, hi, 0, -1, rng.randint(max(lo, -1000), min(hi, 1000)), rng.randint(lo, hi),
                           rng.randint(lo, hi)])
    if t == "float":
        return rng.choice([0.5, -0.0, 1.0e30, -2.5e-30, rng.uniform(-1e6, 1e6), float(rng.randint(-99, 99))])
    if t == "double":
        return rng.choice([0.1, -0.0, 1.0e300, -5e-324, rng.uniform(-1e12, 1e12), rng.gauss(0, 1)])
    m = re.fullmatch(r"decimal\((\d+),\s*(\d+)\)", t)
    if m:
        p, s = int(m[1]), int(m[2])
        big = 10 ** p - 1
        return dec_text(rng.choice([big, -big, 0, 1, -1, rng.randint(-big, big), rng.randint(-10**6, 10**6)]), s)
    if t == "string":
        return rng.choice(TEXTS) if rng.random() < 0.5 else "".join(
            rng.choice("abcxyz\u00e9\u00fc\u4e2d \U0001f40d") for _ in range(rng.randint(0, 12)))
    if t == "binary":
        return base64.b64encode(bytes(rng.randrange(256) for _ in range(rng.randint(0, 16)))).decode()
    if t == "date":
        if extreme and rng.random() < 0.3:
            return rng.choice(["9999-12-31", "1582-10-15", "2000-02-29"])
        return day_text(rng.randint(-30000, 60000))
    if t == "timestamp":
        if extreme and rng.random() < 0.2:
            return rng.choice(["1677-09-22T00:12:43.145225", "2262-04-11T23:47:16.854775",
                               "1900-01-01T00:00:00.000000", "1969-12-31T23:59:59.000000",
                               "1969-12-31T23:59:58.999999"])
        while True:  # 1900..2200; not in (-1 s, 0): no ORC reader reads those right (ORC-645)
            us = rng.randint(-2208988800 * 10**6, 7258118400 * 10**6)
            if not -10**6 < us < 0:
                return ts_text(us)
    raise ValueError(t)


# ---------------------------------------------------------------- canonical rows


def _norm_value(v):
    if isinstance(v, float):
        return repr(v)  # NaN == NaN, -0.0 != 0.0
    return v


def canon_rows(rows, cols):
    """Rows (any reader's form) in the canonical form of readers_common,
    floats as repr; cols: {name: Col} of the columns to expect."""
    schema = pa.schema([(c.name, arrow_type(c.type)) for c in cols.values()])
    return [{k: _norm_value(v) for k, v in r.items()} for r in typed_rows(rows, schema)]


class Col:
    def __init__(self, id, name, type, nullable=True):
        self.id, self.name, self.type, self.nullable = id, name, type, nullable

    def __repr__(self):
        return f"Col({self.id}, {self.name!r}, {self.type!r}, {self.nullable})"


# ---------------------------------------------------------------- a floe table and its model


class Table:
    """A floe table under test and a Python model of its rows."""

    def __init__(self, wh, name, columns, pk, buckets):
        self.wh, self.name, self.pk, self.buckets = str(wh), name, list(pk), buckets
        db, t = name.split(".")
        self.dir = Path(wh) / f"{db}.db" / t
        self.meta_dir = self.dir / "metadata"
        schema = {"columns": columns, "primary_key": pk}
        sf = Path(wh) / f"{t}.schema.json"
        Path(wh).mkdir(parents=True, exist_ok=True)
        sf.write_text(json.dumps(schema))
        floe("table", "create", "--warehouse", wh, name, "--schema", sf, "--buckets", buckets)
        self.cols = {}
        self._load_schema()
        self.model = {}  # key tuple -> row (floe JSON forms, current column names)
        self.states = {}  # floe snapshot id -> model dict at that snapshot
        self.known = 0
        self.key_bucket = {}  # key tuple -> bucket, learned from data files

    def _load_schema(self):
        ins = json.loads(floe("inspect", "--warehouse", self.wh, self.name).stdout)
        self.cols = {c["id"]: Col(c["id"], c["name"], c["type"], c["nullable"])
                     for c in ins["schema"]["columns"]}
        self.pk = ins["schema"]["primary_key"]
        return ins

    def col(self, name):
        return next(c for c in self.cols.values() if c.name == name)

    def key(self, row):
        return tuple(row[k] for k in self.pk)

    # -- changes

    def apply(self, ch):
        op = ch["op"]
        if op == "d":
            self.model.pop(self.key(ch["before"]), None)
            return
        after = {c.name: ch["after"].get(c.name) for c in self.cols.values()}
        if op == "u" and ch.get("before") is not None and self.key(ch["before"]) != self.key(after):
            self.model.pop(self.key(ch["before"]), None)
        self.model[self.key(after)] = after

    def write(self, changes, commit_every=None, buffer=None, compaction="on"):
        n = len(changes)
        points = set(range(commit_every, n + 1, commit_every)) if commit_every else set()
        points.add(n)
        prefix = {}
        for i, ch in enumerate(changes, 1):
            self.apply(ch)
            if i in points:
                prefix[i] = dict(self.model)
        args = ["write", "--warehouse", self.wh, self.name, "--compaction", compaction]
        if commit_every:
            args += ["--commit-every", commit_every]
        if buffer:
            args += ["--buffer", buffer]
        floe(*args, stdin="".join(json.dumps(c) + "\n" for c in changes))
        self._record(prefix)

    def compact(self, full):
        out = floe("compact", "--warehouse", self.wh, self.name, *(["--full"] if full else []))
        self._record({})
        return json.loads(out.stdout)

    def _record(self, prefix):
        """Model state of every floe snapshot published since the last call:
        an APPEND holds the changes up to its source position, a COMPACT the
        rows of the snapshot before it."""
        ins = self._load_schema()
        for s in sorted(ins["snapshots"], key=lambda s: s["id"]):
            if s["id"] <= self.known:
                continue
            if s["kind"] == "APPEND":
                line = s["source_positions"]["stdin_line"]
                assert line in prefix, \
                    f"floe snapshot {s['id']} committed at line {line}, not a commit point {sorted(prefix)}"
                self.states[s["id"]] = prefix[line]
            else:
                self.states[s["id"]] = self.states[s["id"] - 1]
            self.known = s["id"]
        assert self.states[self.known] == self.model

    # -- reading

    def metadata(self):
        hint = (self.meta_dir / "version-hint.text").read_text()
        assert hint.isdigit(), hint
        versions = sorted(int(m[1]) for p in self.meta_dir.iterdir()
                          if (m := re.fullmatch(r"v(\d+)\.metadata\.json", p.name)))
        assert versions and versions[-1] == int(hint) and versions == list(range(1, int(hint) + 1))
        return self.meta_dir / f"v{hint}.metadata.json"

    def rows(self, state=None):
        return canon_rows(list((self.model if state is None else state).values()), self.cols_by_name())

    def cols_by_name(self):
        return {c.name: c for c in self.cols.values()}

    def floe_rows(self, snapshot=None):
        out = floe("scan", "--warehouse", self.wh, self.name,
                   *(["--snapshot", snapshot] if snapshot else []))
        return canon_rows(json_lines(out.stdout), self.cols_by_name())

    def sort(self, rows):
        return sorted(rows, key=lambda r: tuple(r[k] for k in self.pk))


def py_scan(meta, snapshot=None, row_filter=None):
    tbl = StaticTable.from_metadata(str(meta))
    kw = {}
    if snapshot is not None:
        kw["snapshot_id"] = snapshot
    if row_filter is not None:
        kw["row_filter"] = row_filter
    return tbl.scan(**kw).to_arrow().to_pylist()


# ---------------------------------------------------------------- manifests and metrics


def avro(path):
    with open(path, "rb") as f:
        r = fastavro.reader(f)
        return r.metadata, list(r)


def as_map(v):
    return {} if v is None else {e["key"]: e["value"] for e in v}


def min_twos_len(v):
    n = 1
    while not -(1 << (8 * n - 1)) <= v < (1 << (8 * n - 1)):
        n += 1
    return n


def decode_bound(td, b):
    """Iceberg single-value serialisation, by the type floe wrote in the file."""
    K = pyorc.TypeKind
    k = td.kind
    if k == K.BOOLEAN:
        assert len(b) == 1 and b[0] in (0, 1), b
        return bool(b[0])
    if k in (K.BYTE, K.SHORT, K.INT, K.DATE):
        assert len(b) == 4, (k, b)
        return struct.unpack("<i", b)[0]
    if k in (K.LONG, K.TIMESTAMP):
        assert len(b) == 8, (k, b)
        return struct.unpack("<q", b)[0]
    if k == K.FLOAT:
        assert len(b) == 4
        return struct.unpack("<f", b)[0]
    if k == K.DOUBLE:
        assert len(b) == 8
        return struct.unpack("<d", b)[0]
    if k in (K.STRING, K.VARCHAR, K.CHAR):
        return b.decode("utf-8")
    if k == K.BINARY:
        return bytes(b)
    if k == K.DECIMAL:
        v = int.from_bytes(b, "big", signed=True)
        assert len(b) == min_twos_len(v), f"decimal bound {b.hex()} is not minimal"
        return v
    raise AssertionError(f"no bound decoding for {k}")


def comparable(td, v):
    """A value as pyorc reads it, in the domain of decode_bound."""
    K = pyorc.TypeKind
    if td.kind == K.DATE:
        return (v - EPOCH_DAY).days
    if td.kind == K.TIMESTAMP:
        return (v.replace(tzinfo=None) - EPOCH) // dt.timedelta(microseconds=1)
    if td.kind == K.DECIMAL:
        with decimal.localcontext() as ctx:
            ctx.prec = 100
            return int(v.scaleb(td.scale).to_integral_exact())
    return v


_FILE_FACTS = {}


def orc_facts(path):
    """(rows, {field id: (type, [values])}, {name: field id}, [(key, kind)]) of one data file."""
    st = os.stat(path)
    ck = (path, st.st_size, st.st_mtime_ns)
    if ck not in _FILE_FACTS:
        with open(path, "rb") as f:
            r = pyorc.Reader(f, struct_repr=pyorc.StructRepr.DICT, timezone=zoneinfo.ZoneInfo("UTC"))
            fields = r.schema.fields
            rows = list(r)
        # floe's system columns carry ids outside every schema (2147483400, ...401)
        all_ids = {n: int(td.attributes["iceberg.id"]) for n, td in fields.items() if "iceberg.id" in td.attributes}
        assert set(all_ids) == set(fields), f"{path}: every column needs an iceberg.id for pyiceberg"
        ids = {n: i for n, i in all_ids.items() if i not in SYSTEM_IDS}
        cols = {ids[n]: (fields[n], [row[n] for row in rows]) for n in ids}
        system = sorted(n for n, i in all_ids.items() if i in SYSTEM_IDS)
        _FILE_FACTS[ck] = (len(rows), cols, ids, system, rows)
    return _FILE_FACTS[ck]


SYSTEM_IDS = {2147483400: "_SEQUENCE_NUMBER", 2147483401: "_VALUE_KIND"}

BOUNDED = {pyorc.TypeKind.BOOLEAN, pyorc.TypeKind.BYTE, pyorc.TypeKind.SHORT, pyorc.TypeKind.INT,
           pyorc.TypeKind.LONG, pyorc.TypeKind.DATE, pyorc.TypeKind.TIMESTAMP, pyorc.TypeKind.DECIMAL,
           pyorc.TypeKind.STRING, pyorc.TypeKind.FLOAT, pyorc.TypeKind.DOUBLE}


def check_data_file(df, table=None):
    """One manifest entry's data_file against the ORC file it names."""
    path = df["file_path"]
    assert path.startswith("/") and os.path.exists(path), path
    assert df["content"] == 0 and df["file_format"] == "ORC"
    assert df["file_size_in_bytes"] == os.path.getsize(path), path
    n, cols, ids, system, rows = orc_facts(path)
    assert df["record_count"] == n, path
    assert system == ["_SEQUENCE_NUMBER", "_VALUE_KIND"], system
    assert all(r["_VALUE_KIND"] in (0, 2) for r in rows), f"{path}: a fully compacted file holds deletes"
    vc, nc = as_map(df["value_counts"]), as_map(df["null_value_counts"])
    lo, hi = as_map(df["lower_bounds"]), as_map(df["upper_bounds"])
    assert set(vc) == set(cols) and set(nc) == set(cols), (path, vc, nc, ids)
    assert set(lo) == set(hi) and set(lo) <= set(cols)
    for fid, (td, vals) in cols.items():
        assert vc[fid] == n, (path, fid)
        assert nc[fid] == sum(v is None for v in vals), (path, fid)
        present = [comparable(td, v) for v in vals if v is not None]
        nan = any(isinstance(v, float) and v != v for v in present)
        big = td.kind == pyorc.TypeKind.STRING and any(len(v.encode()) > 1024 or "\0" in v for v in present)
        if not present:
            assert fid not in lo, f"{path}: bounds for an all-NULL column {fid}"
            continue
        if td.kind in BOUNDED and not nan and not big:
            assert fid in lo, f"{path}: no bounds for column {fid} ({td.kind})"
        if fid in lo:
            lv, uv = decode_bound(td, lo[fid]), decode_bound(td, hi[fid])
            assert lv == min(present) and uv == max(present), \
                f"{path} column {fid} ({td.kind}): bounds [{lv!r}, {uv!r}], data [{min(present)!r}, {max(present)!r}]"
    if table is not None:  # learn the bucket of every key
        b = int(re.search(r"/bucket-(\d+)/", path)[1])
        for r in rows:
            table.key_bucket[tuple(r[name] for name in table.pk)] = b
    return n


def iceberg_snapshot_files(snap, table=None, checked=None):
    """Check one Iceberg snapshot's manifest list and manifests; returns
    {bucket: (manifest path, frozenset(data files), added snapshot id)} and
    the total record count."""
    ml_meta, mfs = avro(snap["manifest-list"])
    assert ml_meta["snapshot-id"] == str(snap["snapshot-id"])
    assert ml_meta["sequence-number"] == str(snap["sequence-number"])
    assert ml_meta["format-version"] == "2"
    by_bucket, total = {}, 0
    for m in mfs:
        path = m["manifest_path"]
        assert os.path.getsize(path) == m["manifest_length"], path
        assert m["content"] == 0 and m["partition_spec_id"] == 0
        assert m["existing_files_count"] == 0 and m["deleted_files_count"] == 0
        mmeta, entries = avro(path)
        assert mmeta["format-version"] == "2" and mmeta["content"] == "data"
        assert json.loads(mmeta["partition-spec"]) == []
        assert len(entries) == m["added_files_count"], path
        assert sum(e["data_file"]["record_count"] for e in entries) == m["added_rows_count"], path
        buckets = set()
        for e in entries:
            assert e["status"] == 1 and e["snapshot_id"] == m["added_snapshot_id"]
            assert e["sequence_number"] == m["sequence_number"] == e["file_sequence_number"]
            df = e["data_file"]
            buckets.add(int(re.search(r"/bucket-(\d+)/", df["file_path"])[1]))
            if checked is None or df["file_path"] not in checked:
                check_data_file(df, table)
                if checked is not None:
                    checked.add(df["file_path"])
            total += df["record_count"]
        assert len(buckets) == 1, f"{path} lists files of buckets {buckets}"
        (b,) = buckets
        assert b not in by_bucket, f"two manifests for bucket {b}"
        by_bucket[b] = (path, frozenset(e["data_file"]["file_path"] for e in entries), m["added_snapshot_id"])
    assert str(total) == snap["summary"]["total-records"]
    return by_bucket, total


# ---------------------------------------------------------------- checks shared by the workloads


def check_current(t, filters=()):
    """After a full compaction: the latest Iceberg snapshot is the latest floe
    snapshot, and pyiceberg, Java, floe scan and the model agree."""
    meta = t.metadata()
    md = json.loads(meta.read_text())
    jfut = java_rows_async(t.dir)  # HadoopTables: metadata/version-hint.text
    assert md["current-snapshot-id"] == t.known, "Iceberg is behind the fully compacted floe snapshot"
    snap = md["snapshots"][-1]
    assert snap["snapshot-id"] == t.known and snap["summary"]["floe.snapshot-id"] == str(t.known)
    expect = t.sort(t.rows())
    got_floe = t.floe_rows()
    assert got_floe == expect, "floe scan != model"
    got_py = t.sort(canon_rows(py_scan(meta), t.cols_by_name()))
    assert got_py == expect, "pyiceberg != model"
    for f, pred in filters:
        got = t.sort(canon_rows(py_scan(meta, row_filter=f), t.cols_by_name()))
        assert got == [r for r in expect if pred(r)], f"pyiceberg with filter {f} != model"
    got_java = t.sort(canon_rows(jfut.result(), t.cols_by_name()))
    assert got_java == expect, "Java != model"
    _, total = iceberg_snapshot_files(snap, t)
    assert total == len(expect)
    return md


def check_history(t, md):
    """Time travel to every Iceberg snapshot, the snapshot chain, and manifest reuse."""
    meta = t.metadata()
    snaps = md["snapshots"]
    ids = [s["snapshot-id"] for s in snaps]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    assert [s["sequence-number"] for s in snaps] == list(range(1, len(snaps) + 1))
    assert [s.get("parent-snapshot-id") for s in snaps] == [None] + ids[:-1]
    assert [e["snapshot-id"] for e in md["snapshot-log"]] == ids
    assert md["refs"]["main"]["snapshot-id"] == ids[-1]
    assert len(md["metadata-log"]) == len(snaps) - 1
    futs = {sid: java_rows_async(meta, sid) for sid in ids[:-1]}
    prev, reused, rewritten, checked = None, 0, 0, set()
    for s in snaps:
        sid = s["snapshot-id"]
        assert s["summary"]["floe.snapshot-id"] == str(sid)
        expect = t.sort(t.rows(t.states[sid]))
        assert t.floe_rows(sid) == expect, f"floe scan --snapshot {sid} != model"
        assert t.sort(canon_rows(py_scan(meta, sid), t.cols_by_name())) == expect, \
            f"pyiceberg snapshot {sid} != model"
        cur, total = iceberg_snapshot_files(s, checked=checked)
        assert total == len(expect)
        if prev is not None:
            for b, (path, files, added) in cur.items():
                if b in prev and prev[b][1] == files:
                    assert path == prev[b][0], f"snapshot {sid} bucket {b}: files unchanged, manifest rewritten"
                    assert added == prev[b][2]
                    reused += 1
                else:
                    assert path not in {p for p, _, _ in prev.values()}
                    assert added == sid
                    rewritten += 1
        prev = cur
    for sid, fut in futs.items():
        expect = t.sort(t.rows(t.states[sid]))
        assert t.sort(canon_rows(fut.result(), t.cols_by_name())) == expect, f"Java snapshot {sid} != model"
    return reused, rewritten


# ---------------------------------------------------------------- 1. randomized workloads


class Workload:
    def __init__(self, table, rng, new_key, row_values):
        self.t, self.rng, self.new_key, self.row_values = table, rng, new_key, row_values

    def row(self, key):
        r = dict(zip(self.t.pk, key))
        r.update(self.row_values(self.rng))
        return r

    def changes(self, n, buckets=None):
        """n random changes; with buckets, only keys known to be in them."""
        t, rng = self.t, self.rng
        allowed = None
        if buckets is not None:
            allowed = [k for k, b in t.key_bucket.items() if b in buckets]
            assert allowed
        out, shadow = [], dict(t.model)
        for _ in range(n):
            keys = [k for k in shadow if allowed is None or t.key_bucket.get(k) in buckets]
            fresh = (lambda: rng.choice(allowed)) if allowed is not None else self.new_key
            x = rng.random()
            if x < 0.45 or not keys:
                ch = {"op": rng.choice("ccr"), "before": None, "after": self.row(fresh())}
            elif x < 0.7:  # update in place, with or without "before"
                k = rng.choice(keys)
                ch = {"op": "u", "before": shadow[k] if rng.random() < 0.7 else None, "after": self.row(k)}
            elif x < 0.8:  # primary-key change, sometimes onto a live key
                k = rng.choice(keys)
                k2 = rng.choice(keys) if rng.random() < 0.3 else fresh()
                ch = {"op": "u", "before": shadow[k], "after": self.row(k2)}
            elif x < 0.95:
                k = rng.choice(keys)
                before = shadow[k] if rng.random() < 0.5 else dict(zip(t.pk, k))
                ch = {"op": "d", "before": before, "after": None}
            else:  # delete of a key that is not there
                k = fresh()
                ch = {"op": "d", "before": dict(zip(t.pk, k)), "after": None}
            out.append(ch)
            self._shadow(shadow, ch)
        return out

    def _shadow(self, shadow, ch):
        t = self.t
        if ch["op"] == "d":
            shadow.pop(t.key(ch["before"]), None)
            return
        if ch["op"] == "u" and ch["before"] is not None:
            shadow.pop(t.key(ch["before"]), None)
        shadow[t.key(ch["after"])] = ch["after"]


def run_workload(t, wl, rounds, filters, initial):
    rng = wl.rng
    full_snaps = []
    keys = list(dict.fromkeys(wl.new_key() for _ in range(initial)))
    t.write([{"op": "r", "before": None, "after": wl.row(k)} for k in keys],
            commit_every=len(keys) // 3 + 1, buffer="64KiB")
    for r in range(rounds):
        restrict = None
        if r == rounds - 2:
            # empty bucket 0 (every live key is in a data file now, so its
            # bucket is known) and write to the other buckets only
            gone = [k for k in t.model if t.key_bucket[k] == 0]
            assert gone
            t.write([{"op": "d", "before": dict(zip(t.pk, k)), "after": None} for k in gone],
                    commit_every=97, buffer="8KiB")
            restrict = set(range(1, t.buckets))
        elif 2 <= r < rounds - 2 and r % 2 == 0:
            restrict = set(rng.sample(range(t.buckets), rng.randint(1, t.buckets - 1)))
        for _ in range(rng.randint(1, 3)):
            n = rng.randint(300, 1200)
            t.write(wl.changes(n, restrict), commit_every=rng.choice([25, 60, 150, 400]),
                    buffer=rng.choice(["4KiB", "16KiB", "64KiB", "1MiB"]),
                    compaction=rng.choice(["on", "on", "off"]))
            if rng.random() < 0.5:
                t.compact(full=False)
        res = t.compact(full=True)
        assert res["iceberg_snapshot"] == t.known, res
        md = check_current(t, filters(rng, t))
        if r == rounds - 2:
            lists = avro(md["snapshots"][-1]["manifest-list"])[1]
            assert not any(re.match(r"\d+-b0-", os.path.basename(m["manifest_path"])) for m in lists), \
                "a manifest for the emptied bucket"
        full_snaps.append(t.known)
    md = json.loads(t.metadata().read_text())
    ids = [s["snapshot-id"] for s in md["snapshots"]]
    assert set(full_snaps) <= set(ids) and len(ids) >= rounds
    reused, rewritten = check_history(t, md)
    assert reused > 0 and rewritten > 0, (reused, rewritten)
    print(f"{t.name}: {t.known} floe snapshots, {len(ids)} Iceberg snapshots {ids}, "
          f"{len(t.model)} rows, manifests reused {reused}, rewritten {rewritten}")
    return md


def bigint_table(tmp_path):
    cols = [{"name": "id", "type": "bigint", "nullable": False},
            {"name": "rev", "type": "bigint", "nullable": False},
            {"name": "title", "type": "string"},
            {"name": "len", "type": "int"},
            {"name": "day", "type": "date"},
            {"name": "touched", "type": "timestamp"},
            {"name": "score", "type": "decimal(10,2)"},
            {"name": "minor", "type": "boolean"}]
    return Table(tmp_path / "wh", "wiki.revision", cols, ["id"], 4)


def test_random_workload_bigint_key(tmp_path):
    rng = random.Random(20261124)
    t = bigint_table(tmp_path)
    pool = [rng.randint(-2**62, 2**62) for _ in range(4000)] + list(range(-50, 50))

    def values(rng):
        v = {"rev": rng.randint(0, 2**40), "title": gen_value(rng, "string"), "len": gen_value(rng, "int"),
             "day": gen_value(rng, "date"), "touched": gen_value(rng, "timestamp"),
             "score": gen_value(rng, "decimal(10,2)"), "minor": gen_value(rng, "boolean")}
        for k in ("title", "len", "day", "touched", "score", "minor"):
            if rng.random() < 0.12:
                v[k] = None
        return v

    wl = Workload(t, rng, lambda: (rng.choice(pool),), values)

    def filters(rng, t):
        rows = t.rows()
        if not rows:
            return []
        a = rng.choice(rows)
        return [
            (E.GreaterThanOrEqual("id", a["id"]), lambda r, v=a["id"]: r["id"] >= v),
            (E.LessThan("id", 0), lambda r: r["id"] < 0),
            (E.EqualTo("day", a["day"] or "2000-01-01"), lambda r, v=a["day"] or "2000-01-01": r["day"] == v),
            (E.GreaterThan("touched", "2100-01-01T00:00:00"),
             lambda r: r["touched"] is not None and r["touched"] > "2100-01-01T00:00:00.000000"),
            (E.LessThanOrEqual("len", -1000), lambda r: r["len"] is not None and r["len"] <= -1000),
            (E.StartsWith("title", "W"), lambda r: r["title"] is not None and r["title"].startswith("W")),
            (E.IsNull("score"), lambda r: r["score"] is None),
            (E.GreaterThan("score", decimal.Decimal("0.00")),
             lambda r: r["score"] is not None and decimal.Decimal(r["score"]) > 0),
        ]

    run_workload(t, wl, rounds=7, filters=filters, initial=3000)


def test_random_workload_composite_key(tmp_path):
    rng = random.Random(4242)
    cols = [{"name": "site", "type": "string", "nullable": False},
            {"name": "page", "type": "int", "nullable": False},
            {"name": "views", "type": "bigint"},
            {"name": "first_seen", "type": "date"},
            {"name": "note", "type": "string"},
            {"name": "ratio", "type": "double"}]
    t = Table(tmp_path / "wh", "stats.page_views", cols, ["site", "page"], 3)
    sites = ["enwiki", "dewiki", "frwiki", "", "zh-yue", "\u00e9wiki", "\U0001f600wiki"]
    pages = [rng.randint(-2**31, 2**31 - 1) for _ in range(100)] + list(range(20))

    def values(rng):
        v = {"views": gen_value(rng, "bigint"), "first_seen": gen_value(rng, "date"),
             "note": gen_value(rng, "string"), "ratio": gen_value(rng, "double")}
        for k in v:
            if rng.random() < 0.15:
                v[k] = None
        return v

    wl = Workload(t, rng, lambda: (rng.choice(sites), rng.choice(pages)), values)

    def filters(rng, t):
        return [
            (E.EqualTo("site", "dewiki"), lambda r: r["site"] == "dewiki"),
            (E.And(E.EqualTo("site", "enwiki"), E.LessThan("page", 10)),
             lambda r: r["site"] == "enwiki" and r["page"] < 10),
            (E.GreaterThan("site", "frwiki"), lambda r: r["site"] > "frwiki"),
            (E.NotNull("first_seen"), lambda r: r["first_seen"] is not None),
        ]

    run_workload(t, wl, rounds=5, filters=filters, initial=600)


# ---------------------------------------------------------------- 2. every floe type

ALL_TYPES = [("c_bool", "boolean"), ("c_i8", "tinyint"), ("c_i16", "smallint"), ("c_i32", "int"),
             ("c_i64", "bigint"), ("c_f32", "float"), ("c_f64", "double"), ("c_d38", "decimal(38,6)"),
             ("c_d10", "decimal(10,2)"), ("c_str", "string"), ("c_bin", "binary"), ("c_date", "date"),
             ("c_ts", "timestamp")]

EDGE_ROWS = [
    {"c_bool": True, "c_i8": -128, "c_i16": -32768, "c_i32": -2147483648, "c_i64": -9223372036854775808,
     "c_f32": "-Infinity", "c_f64": "-Infinity", "c_d38": "-99999999999999999999999999999999.999999",
     "c_d10": "-99999999.99", "c_str": "", "c_bin": "", "c_date": "1582-10-15",
     "c_ts": "1677-09-22T00:12:43.145225"},
    {"c_bool": False, "c_i8": 127, "c_i16": 32767, "c_i32": 2147483647, "c_i64": 9223372036854775807,
     "c_f32": "Infinity", "c_f64": "Infinity", "c_d38": "99999999999999999999999999999999.999999",
     "c_d10": "99999999.99", "c_str": "\U0010ffff\U0001f600 \u65e5\u672c", "c_bin": "AP8A/w==",
     "c_date": "9999-12-31", "c_ts": "2262-04-11T23:47:16.854775"},
    {"c_bool": True, "c_i8": 0, "c_i16": 0, "c_i32": 0, "c_i64": 0, "c_f32": -0.0, "c_f64": -0.0,
     "c_d38": "0.000000", "c_d10": "0.00", "c_str": "x" * 2000, "c_bin": base64.b64encode(bytes(range(256))).decode(),
     "c_date": "1970-01-01", "c_ts": "1970-01-01T00:00:00.000000"},
    {"c_bool": False, "c_i8": -1, "c_i16": -1, "c_i32": -1, "c_i64": -1, "c_f32": 3.4028234663852886e38,
     "c_f64": 1.7976931348623157e308, "c_d38": "-0.000001", "c_d10": "-0.01", "c_str": "a\u0000b",
     "c_bin": "AA==", "c_date": "1969-12-31", "c_ts": "1969-12-31T23:59:58.999999"},
    {"c_bool": True, "c_i8": 1, "c_i16": 1, "c_i32": 1, "c_i64": 1, "c_f32": 1.401298464324817e-45,
     "c_f64": 5e-324, "c_d38": "0.000001", "c_d10": "0.01", "c_str": "Z", "c_bin": "/w==",
     "c_date": "1582-10-16", "c_ts": "1900-01-01T00:00:00.000001"},
    {"c_bool": None, "c_i8": None, "c_i16": None, "c_i32": None, "c_i64": None, "c_f32": None,
     "c_f64": None, "c_d38": None, "c_d10": None, "c_str": None, "c_bin": None, "c_date": None,
     "c_ts": None},
    {"c_f32": "NaN", "c_f64": "NaN"},
]


def types_table(tmp_path, name="types.all"):
    cols = [{"name": "id", "type": "bigint", "nullable": False}] + [
        {"name": n, "type": ty} for n, ty in ALL_TYPES]
    return Table(tmp_path / "wh", name, cols, ["id"], 2)


def test_all_types(tmp_path):
    rng = random.Random(7)
    t = types_table(tmp_path)
    changes = [{"op": "c", "after": {"id": i, **r}} for i, r in enumerate(EDGE_ROWS)]
    for i in range(len(EDGE_ROWS), 400):
        row = {"id": i}
        for n, ty in ALL_TYPES:
            row[n] = None if rng.random() < 0.15 else gen_value(rng, ty, extreme=True)
        changes.append({"op": "c", "after": row})
    t.write(changes, commit_every=90, buffer="16KiB")
    upd = []
    for i in rng.sample(range(len(EDGE_ROWS), 400), 120):
        row = {"id": i, **{n: (None if rng.random() < 0.3 else gen_value(rng, ty, extreme=True))
                           for n, ty in ALL_TYPES}}
        upd.append({"op": "u", "before": {"id": i}, "after": row})
    upd += [{"op": "d", "before": {"id": i}} for i in rng.sample(range(len(EDGE_ROWS), 400), 40)]
    t.write(upd, commit_every=50)
    t.compact(full=True)
    meta = t.metadata()
    # the schema as both readers see it
    expect_fields = [(c.id, c.name, iceberg_type(c.type), not c.nullable) for c in t.cols.values()]
    tbl = StaticTable.from_metadata(str(meta))
    assert [(f.field_id, f.name, str(f.field_type), f.required) for f in tbl.schema().fields] == expect_fields
    (info,) = json_lines(java("iceberg-schema", meta))
    assert [(f["id"], f["name"], f["type"], f["required"]) for f in info["schema"]["fields"]] == expect_fields
    assert info["schema"]["identifier-field-ids"] == [t.col("id").id]
    assert info["sort_order"]["fields"] == [{"transform": "identity", "source-id": t.col("id").id,
                                             "direction": "asc", "null-order": "nulls-first"}]
    # values
    filters = []
    some = [r for r in t.rows() if all(r[n] is not None for n, _ in ALL_TYPES)]
    for n, ty in ALL_TYPES:
        if ty in ("float", "double", "binary", "boolean"):
            continue
        v = rng.choice(some)[n]
        lit = decimal.Decimal(v) if ty.startswith("decimal") else v
        filters.append((E.EqualTo(n, lit), lambda r, n=n, v=v: r[n] == v))
        if ty in ("int", "bigint", "tinyint", "smallint"):
            filters.append((E.GreaterThan(n, v), lambda r, n=n, v=v: r[n] is not None and r[n] > v))
    filters.append((E.IsNull("c_bin"), lambda r: r["c_bin"] is None))
    check_current(t, filters)


OLD_DATES = ["0001-01-01", "0999-12-31", "1000-06-15", "1582-10-04", "1582-10-14", "1582-10-15"]


@pytest.fixture(scope="module")
def old_dates(tmp_path_factory):
    t = Table(tmp_path_factory.mktemp("old_dates") / "wh", "dates.old",
              [{"name": "id", "type": "int", "nullable": False}, {"name": "d", "type": "date"}], ["id"], 1)
    t.write([{"op": "c", "after": {"id": i, "d": d}} for i, d in enumerate(OLD_DATES)])
    t.compact(full=True)
    assert t.floe_rows() == t.sort(t.rows())
    return t


def test_pyiceberg_reads_dates_before_1582(old_dates):
    t = old_dates
    assert t.sort(canon_rows(py_scan(t.metadata()), t.cols_by_name())) == t.sort(t.rows())
    md = json.loads(t.metadata().read_text())
    iceberg_snapshot_files(md["snapshots"][-1])


def test_java_reads_dates_before_1582(old_dates):
    t = old_dates
    got = t.sort(canon_rows(json_lines(java("iceberg-read", t.metadata())), t.cols_by_name()))
    assert got == t.sort(t.rows())


# ---------------------------------------------------------------- 3. schema evolution


def schema_fields_both(meta):
    tbl = StaticTable.from_metadata(str(meta))
    py = [(f.field_id, f.name, str(f.field_type), f.required) for f in tbl.schema().fields]
    (info,) = json_lines(java("iceberg-schema", meta))
    jv = [(f["id"], f["name"], f["type"], f["required"]) for f in info["schema"]["fields"]]
    return py, jv


def listing(d):
    """{path: (size, mtime_ns, sha256)} of every file under d."""
    out = {}
    for p in sorted(Path(d).rglob("*")):
        if p.is_file():
            st = p.stat()
            out[str(p)] = (st.st_size, st.st_mtime_ns, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


class Evolving:
    """A 4-bucket table whose later writes touch chosen buckets only."""

    def __init__(self, tmp_path):
        cols = [{"name": "id", "type": "bigint", "nullable": False},
                {"name": "a", "type": "int"}, {"name": "b", "type": "string"},
                {"name": "c", "type": "string"}, {"name": "x", "type": "int"}]
        self.t = Table(tmp_path / "wh", "evo.t", cols, ["id"], 4)
        self.schema_file = tmp_path / "wh" / "alter.schema.json"
        self.rng = random.Random(99)
        self.t.write([{"op": "c", "after": {"id": i, "a": i * 7, "b": f"b{i}", "c": f"c{i}", "x": -i}}
                      for i in range(1, 401)], commit_every=100, buffer="8KiB")
        self.t.compact(full=True)
        check_current(self.t)  # learns the buckets
        self.untouched = 3  # never written after the first compaction

    def alter(self, cols, ok=True):
        self.schema_file.write_text(json.dumps({"columns": cols, "primary_key": ["id"]}))
        p = floe("table", "alter", "--warehouse", self.t.wh, self.t.name, "--schema", self.schema_file, ok=ok)
        if ok:
            old = self.t.cols_by_name()
            self.t._load_schema()
            # the model follows by field id: renamed keep data, dropped leave, added are NULL
            by_id = {c.id: c.name for c in old.values()}
            new = self.t.cols
            for k, row in list(self.t.model.items()):
                self.t.model[k] = {new[fid].name: (row.get(by_id[fid]) if fid in by_id else None) for fid in new}
            self.t.states = {sid: None for sid in self.t.states}  # old states are in old names
        return p

    def write_bucket(self, bucket, values):
        keys = sorted(k for k, b in self.t.key_bucket.items() if b == bucket)
        assert keys
        ch = []
        for k in self.rng.sample(keys, min(40, len(keys))):
            row = dict(self.t.model.get(k) or {"id": k[0]})
            row.update(values(k[0]))
            ch.append({"op": "u", "before": None, "after": row})
        ch.append({"op": "d", "before": {"id": keys[0][0]}})
        self.t.write(ch, commit_every=15, buffer="4KiB")
        self.t.compact(full=True)

    def untouched_files(self):
        return sorted((self.t.dir / f"bucket-{self.untouched}").glob("*.orc"))


def test_schema_evolution(tmp_path):
    ev = Evolving(tmp_path)
    t = ev.t
    first_files = ev.untouched_files()
    def c(id, name, type, nullable=True):
        return {"id": id, "name": name, "type": type, "nullable": nullable}

    cols = [c(1, "id", "bigint", False), c(2, "a", "int"), c(3, "b", "string"), c(4, "c", "string"), c(5, "x", "int")]

    def both(expect_fields):
        meta = t.metadata()
        py, jv = schema_fields_both(meta)
        assert py == expect_fields, "pyiceberg schema"
        assert jv == expect_fields, "Java schema"

    # add a column
    ev.alter(cols + [{"name": "added", "type": "string"}])
    ev.write_bucket(0, lambda i: {"added": f"new{i}"})
    check_current(t)
    both([(1, "id", "long", True), (2, "a", "int", False), (3, "b", "string", False),
          (4, "c", "string", False), (5, "x", "int", False), (6, "added", "string", False)])
    assert any(r["added"] is None for r in t.model.values()) and any(r["added"] for r in t.model.values())
    cols.append(c(6, "added", "string"))
    # widen int -> bigint
    cols[4] = c(5, "x", "bigint")
    ev.alter(cols)
    ev.write_bucket(1, lambda i: {"x": 2**40 + i})
    check_current(t)
    both([(1, "id", "long", True), (2, "a", "int", False), (3, "b", "string", False),
          (4, "c", "string", False), (5, "x", "long", False), (6, "added", "string", False)])
    assert max(r["x"] for r in t.model.values() if r["x"] is not None) > 2**31
    # rename b -> title (same id, data kept)
    cols[2] = c(3, "title", "string")
    ev.alter(cols)
    ev.write_bucket(2, lambda i: {"title": f"t{i}"})
    check_current(t)
    both([(1, "id", "long", True), (2, "a", "int", False), (3, "title", "string", False),
          (4, "c", "string", False), (5, "x", "long", False), (6, "added", "string", False)])
    assert sum(1 for r in t.model.values() if (r["title"] or "").startswith("b")) > 50
    # drop c
    del cols[3]
    ev.alter(cols)
    ev.write_bucket(0, lambda i: {"a": -i})
    check_current(t)
    both([(1, "id", "long", True), (2, "a", "int", False), (3, "title", "string", False),
          (5, "x", "long", False), (6, "added", "string", False)])
    # the untouched bucket still holds the files of schema 0, read through ids
    assert ev.untouched_files() == first_files
    # ...and, by pyiceberg, through the name mapping, which keeps old names and dropped ids
    md = json.loads(t.metadata().read_text())
    mapping = {m["field-id"]: m["names"] for m in json.loads(md["properties"]["schema.name-mapping.default"])}
    assert {k: v for k, v in mapping.items() if k < 1000} == {
        1: ["id"], 2: ["a"], 3: ["title", "b"], 4: ["c"], 5: ["x"], 6: ["added"]}
    # refused changes write nothing
    before_schema, before_meta = listing(t.dir / "schema"), listing(t.meta_dir)
    for fid, old in ((5, "bigint"), (3, "string")):  # x bigint->int, title string->int
        wrong = [dict(col, type="int") if col["id"] == fid else col for col in cols]
        name = next(col["name"] for col in cols if col["id"] == fid)
        p = ev.alter(wrong, ok=False)
        assert p.returncode == 1, p
        assert f"column {name} (id {fid}): changing {old} to int is not a widening" in p.stderr, p.stderr
    r = json.loads(floe("iceberg", "sync", "--warehouse", t.wh, t.name).stdout)
    assert r["published"] == 0
    assert listing(t.dir / "schema") == before_schema
    assert listing(t.meta_dir) == before_meta
    check_current(t)


def test_readd_dropped_column_name(tmp_path):
    ev = Evolving(tmp_path)
    t = ev.t
    base = [{"id": 1, "name": "id", "type": "bigint", "nullable": False}, {"id": 2, "name": "a", "type": "int"},
            {"id": 3, "name": "b", "type": "string"}, {"id": 5, "name": "x", "type": "int"}]
    ev.alter(base)  # drop c (id 4)
    ev.write_bucket(0, lambda i: {"a": 0})
    ev.alter(base + [{"name": "c", "type": "string"}])  # a new column c, id 6
    ev.write_bucket(1, lambda i: {"c": f"again{i}"})
    meta = t.metadata()
    expect = t.sort(t.rows())
    assert t.floe_rows() == expect
    assert t.sort(canon_rows(json_lines(java("iceberg-read", meta)), t.cols_by_name())) == expect
    assert t.sort(canon_rows(py_scan(meta), t.cols_by_name())) == expect


def test_option_change_is_a_schema_version_readers_follow(tmp_path):
    """`floe table alter --option` writes a schema version with the same
    columns; Iceberg metadata lists it and pyiceberg and Java read on."""
    ev = Evolving(tmp_path)
    t = ev.t
    fields = schema_fields_both(t.metadata())
    # a value compaction would refuse changes nothing
    before = listing(t.dir / "schema")
    p = floe("table", "alter", "--warehouse", t.wh, t.name, "--option", "num-sorted-run.compaction-trigger=0",
             ok=False)
    assert p.returncode == 1 and "num-sorted-run.compaction-trigger" in p.stderr, p.stderr
    assert listing(t.dir / "schema") == before
    p = floe("table", "alter", "--warehouse", t.wh, t.name, "--option", "target-file-size=64mb",
             "--option", "num-sorted-run.compaction-trigger=3")
    assert "schema 1 (options)" in p.stdout, p.stdout
    assert "schema 1" in floe("table", "alter", "--warehouse", t.wh, t.name, "--option",
                              "target-file-size=64mb").stdout  # unchanged: no schema 2
    info = json.loads(floe("inspect", "--warehouse", t.wh, t.name).stdout)
    assert info["schema_id"] == 1
    assert info["options"] == {"target-file-size": "64mb", "num-sorted-run.compaction-trigger": "3"}
    ev.write_bucket(0, lambda i: {"a": i + 1})
    md = check_current(t)
    assert md["current-schema-id"] == 1 and [s["schema-id"] for s in md["schemas"]] == [0, 1]
    assert schema_fields_both(t.metadata()) == fields
    floe("table", "alter", "--warehouse", t.wh, t.name, "--unset-option", "target-file-size")
    info = json.loads(floe("inspect", "--warehouse", t.wh, t.name).stdout)
    assert info["schema_id"] == 2 and info["options"] == {"num-sorted-run.compaction-trigger": "3"}


# ---------------------------------------------------------------- 4. broken metadata


def _two_snapshots(tmp_path):
    cols = [{"name": "id", "type": "bigint", "nullable": False}, {"name": "v", "type": "string"}]
    t = Table(tmp_path / "wh", "broken.t", cols, ["id"], 2)
    t.write([{"op": "c", "after": {"id": i, "v": f"v{i}"}} for i in range(100)])
    t.compact(full=True)
    t.write([{"op": "u", "after": {"id": i, "v": f"w{i}"}} for i in range(0, 100, 3)])
    t.compact(full=True)
    return t


@pytest.mark.parametrize("damage", ["truncate", "delete-metadata", "delete-manifest-list"])
def test_broken_metadata_is_never_overwritten(tmp_path, damage):
    t = _two_snapshots(tmp_path)
    meta = t.metadata()
    assert meta.name == "v2.metadata.json"
    md = json.loads(meta.read_text())
    if damage == "truncate":
        text = meta.read_bytes()
        meta.write_bytes(text[: len(text) // 2])
        named = str(meta)
    elif damage == "delete-metadata":
        meta.unlink()
        named = str(meta)
    else:
        named = md["snapshots"][-1]["manifest-list"]
        os.unlink(named)
    before = listing(t.meta_dir)
    # another full compaction: floe compacts, then refuses to publish
    t.write([{"op": "d", "before": {"id": 1}}, {"op": "c", "after": {"id": 1000, "v": "new"}}])
    p = floe("compact", "--warehouse", t.wh, t.name, "--full", ok=False)
    assert p.returncode == 1 and named in p.stderr, p.stderr
    p = floe("iceberg", "sync", "--warehouse", t.wh, t.name, ok=False)
    assert p.returncode == 1 and named in p.stderr, p.stderr
    assert "refusing" in p.stderr, p.stderr
    assert listing(t.meta_dir) == before, "metadata changed"
    # the floe table itself is fine
    assert t.floe_rows() == t.sort(t.rows())


# ---------------------------------------------------------------- 5. expiry


def iceberg_files(md):
    """Every manifest list, manifest and data file the metadata lists."""
    out = set()
    for s in md["snapshots"]:
        out.add(s["manifest-list"])
        for m in avro(s["manifest-list"])[1]:
            out.add(m["manifest_path"])
            for e in avro(m["manifest_path"])[1]:
                out.add(e["data_file"]["file_path"])
    return out


def test_expire_respects_iceberg(tmp_path):
    """`floe expire` after the table moved on past the current Iceberg
    snapshot (more writes and a plain compaction that rewrote its files, so
    no newer snapshot is fully compacted): the Iceberg metadata is expired
    to its newest snapshots, and every file it still lists survives, so
    pyiceberg, Iceberg Java and time travel still read it; then a full
    compaction and a second expiry free the rest."""
    cols = [{"name": "id", "type": "bigint", "nullable": False}, {"name": "v", "type": "string"}]
    t = Table(tmp_path / "wh", "exp.t", cols, ["id"], 2)
    rng = random.Random(77)
    iceberg_states = {}
    for r in range(4):
        t.write([{"op": "c", "after": {"id": rng.randrange(3000), "v": f"r{r}-{i}"}} for i in range(800)],
                commit_every=200, buffer="16KiB", compaction="off")
        t.compact(full=True)
        iceberg_states[t.known] = dict(t.model)
    current = t.known
    # the table moves on: new level-0 runs, and a compaction that merges
    # every run (so the current Iceberg snapshot's files leave the floe table)
    t.write([{"op": "u", "after": {"id": k, "v": "late"}} for k in range(0, 3000, 7)],
            commit_every=100, buffer="8KiB", compaction="off")
    out = json.loads(floe("compact", "--warehouse", t.wh, t.name, "--size-ratio", "10000",
                          "--trigger", "1").stdout)
    t._record({})
    assert out["snapshot"] == t.known, out
    md_before = json.loads(t.metadata().read_text())
    assert [s["snapshot-id"] for s in md_before["snapshots"]] == sorted(iceberg_states)
    assert md_before["current-snapshot-id"] == current
    ins = json.loads(floe("inspect", "--warehouse", t.wh, t.name).stdout)
    live = {f["path"] for b in ins["latest"] for f in b["files"]}
    cur_files = {e["data_file"]["file_path"] for m in avro(md_before["snapshots"][-1]["manifest-list"])[1]
                 for e in avro(m["manifest_path"])[1]}
    assert live and not any(p.endswith(tuple("/" + f for f in live)) for p in cur_files), \
        "the plain compaction did not replace the Iceberg snapshot's files"

    res = json.loads(floe("expire", "--warehouse", t.wh, t.name, "--retain-snapshots", "2",
                          "--older-than", "0s", "--safety-age", "0s").stdout)
    md = json.loads(t.metadata().read_text())
    ids = [s["snapshot-id"] for s in md["snapshots"]]
    assert ids == sorted(iceberg_states)[-2:], ids
    assert md["current-snapshot-id"] == current
    assert res["iceberg_snapshots_removed"] == 2 and res["iceberg_oldest_snapshot"] == ids[0], res
    assert res["snapshots_removed"] > 0 and res["data_files_removed"] > 0, res
    assert [e["snapshot-id"] for e in md["snapshot-log"]] == ids
    for p in iceberg_files(md):
        assert os.path.exists(p), f"{p} is listed by the Iceberg metadata but was deleted"
    # the expired snapshots' manifest lists are gone
    for s in md_before["snapshots"]:
        if s["snapshot-id"] not in ids:
            assert not os.path.exists(s["manifest-list"])
    # every floe snapshot from the oldest Iceberg one on is still there
    ins = json.loads(floe("inspect", "--warehouse", t.wh, t.name).stdout)
    floe_ids = sorted(s["id"] for s in ins["snapshots"])
    assert floe_ids[0] == ids[0] and floe_ids[-1] == t.known, floe_ids
    # real readers: the current snapshot and time travel to the other
    meta = t.metadata()
    for sid in ids:
        expect = t.sort(t.rows(iceberg_states[sid]))
        assert t.sort(canon_rows(py_scan(meta, snapshot=sid), t.cols_by_name())) == expect, sid
    assert t.sort(canon_rows(json_lines(java("iceberg-read", meta)), t.cols_by_name())) == \
        t.sort(t.rows(iceberg_states[current]))

    # a full compaction publishes the latest state; expiry to one snapshot
    # then leaves exactly its files
    t.compact(full=True)
    res = json.loads(floe("expire", "--warehouse", t.wh, t.name, "--retain-snapshots", "1",
                          "--older-than", "0s", "--safety-age", "0s").stdout)
    md = json.loads(t.metadata().read_text())
    assert [s["snapshot-id"] for s in md["snapshots"]] == [t.known], res
    listed = iceberg_files(md)
    on_disk = {str(p.resolve()) for p in t.dir.rglob("*.orc")} | \
              {str(p.resolve()) for p in t.meta_dir.glob("*.avro")}
    assert on_disk == {str(Path(p).resolve()) for p in listed}, (on_disk ^ set(listed))
    assert t.sort(canon_rows(py_scan(t.metadata()), t.cols_by_name())) == t.sort(t.rows())
