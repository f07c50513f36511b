"""ORC conformance of floe's writer and reader, judged by readers nobody here wrote.

Writer. floe writes generated tables (every floe type, NULLs and edge values,
seeded) sorted by primary key, once per codec: zstd with 1,000,000 rows in
8 MiB stripes, lz4, zlib and none with 150,000 rows each (small stripes, the
default layout, another row index stride). Then:
  - pyarrow (ORC C++) reads every value back, and the field ids and required
    flags as Arrow field metadata;
  - pyorc (ORC C++) reads every value back and the type attributes, and seeks
    to rows through the row index;
  - the Java verifier (Apache ORC Java) reads every value back;
  - orc-tools (Apache ORC Java) `data` agrees on the first rows, which hold
    every edge value, and `meta` shows the codec, stripes, type attributes,
    encodings and the statistics the data implies, and a row index with one
    entry per row group of every stripe.
Reader. floe reads files that pyarrow and pyorc wrote with every codec floe
shares with them (dictionary-encoded strings and NULLs included), refuses
snappy with a clear error, fails cleanly on truncated and garbage files, and
does not crash on corrupt stripes.

All values are compared in floe's JSON value forms (common/floe_value.h):
booleans and integers as Python ints; float/double as floats (float columns:
the float32 value) or "NaN", "Infinity", "-Infinity"; decimals as strings with
exactly `scale` fraction digits; binary as base64; dates "YYYY-MM-DD";
timestamps "YYYY-MM-DDTHH:MM:SS.ffffff"; NULL as None. That is what floe reads
as input, what `floe orc cat` and the verifier print, and what every other
reader's output is converted to. Floats compare by repr, so -0.0 != 0.0.

Discrepancies found would be marked xfail(strict=True) with the reason; the
two found (row index positions cut at 0xff bytes, an error message without
the file name) are fixed.

Run: ctest --test-dir build -R orc_conformance --output-on-failure, or
  FLOE_BIN=build/cli/floe ~/.cache/floe/venv/bin/python -m pytest \
      -c tests/readers/pytest.ini tests/readers/test_orc_conformance.py
"""

import base64
import contextlib
import dataclasses
import datetime as dt
import decimal
import functools
import gc
import json
import math
import os
import random
import re
import subprocess
from array import array

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.orc as po
import pyorc
import pytest

from readers_common import HERE, ORC_TOOLS, VERIFIER, stderr_json

FLOE = os.environ.get("FLOE_BIN") or str(HERE.parents[1] / "build" / "cli" / "floe")


# ---------------------------------------------------------------- the table


@dataclasses.dataclass(frozen=True)
class Col:
    name: str
    type: str  # floe type
    id: int  # field id (iceberg.id)
    nullable: bool = True

    @property
    def scale(self):
        return int(self.type.split(",")[1].rstrip(")")) if self.type.startswith("decimal") else None


COLUMNS = (
    Col("id", "bigint", 5, nullable=False),  # the primary key, written sorted
    Col("flag", "boolean", 6),
    Col("i8", "tinyint", 7),
    Col("i16", "smallint", 8),
    Col("i32", "int", 9),
    Col("i64", "bigint", 10),
    Col("f32", "float", 11),
    Col("f64", "double", 12),
    Col("dec38", "decimal(38,10)", 13),
    Col("dec10", "decimal(10,2)", 14),
    Col("txt", "string", 15),  # nearly all distinct: DIRECT_V2
    Col("tag", "string", 16, nullable=False),  # 8 distinct values: DICTIONARY_V2
    Col("blob", "binary", 17),
    Col("day", "date", 18),
    Col("ts", "timestamp", 19),
    Col("nothing", "int", 20),  # NULL in every row
)
COL = {c.name: c for c in COLUMNS}
NAMES = [c.name for c in COLUMNS]
INTEGER_TYPES = ("tinyint", "smallint", "int", "bigint")

SCHEMA_JSON = {
    "columns": [{"name": c.name, "type": c.type, "nullable": c.nullable, "id": c.id} for c in COLUMNS],
    "primary_key": ["id"],
}

ARROW_TYPES = {
    "boolean": pa.bool_(), "tinyint": pa.int8(), "smallint": pa.int16(), "int": pa.int32(),
    "bigint": pa.int64(), "float": pa.float32(), "double": pa.float64(),
    "decimal(38,10)": pa.decimal128(38, 10), "decimal(10,2)": pa.decimal128(10, 2),
    "string": pa.string(), "binary": pa.binary(), "date": pa.date32(), "timestamp": pa.timestamp("us"),
}
ARROW_SCHEMA = pa.schema([pa.field(c.name, ARROW_TYPES[c.type], nullable=c.nullable) for c in COLUMNS])
ORC_SCHEMA = "struct<" + ",".join(f"{c.name}:{c.type}" for c in COLUMNS) + ">"  # ORC's type names are floe's


def attributes(c):
    """The ORC type attributes floe writes for a column."""
    return {"iceberg.id": str(c.id), "iceberg.required": "false" if c.nullable else "true"}


@dataclasses.dataclass(frozen=True)
class FloeTable:
    """A table floe writes: `floe orc write --codec codec --sort-key id *args`."""

    codec: str
    rows: int
    seed: int
    args: tuple = ()  # extra `floe orc write` options
    min_stripes: int = 1

    @property
    def stride(self):
        a = list(self.args)
        return int(a[a.index("--row-index-stride") + 1]) if "--row-index-stride" in a else 10_000


FLOE_TABLES = {
    "zstd": FloeTable("zstd", 1_000_000, seed=1, args=("--stripe-size", "8MiB"), min_stripes=8),
    "lz4": FloeTable("lz4", 150_000, seed=2, args=("--stripe-size", "4MiB"), min_stripes=4),
    "zlib": FloeTable("zlib", 150_000, seed=3),
    "none": FloeTable("none", 150_000, seed=4, args=("--row-index-stride", "4000")),
}
FOREIGN_ROWS = 40_000  # per file written by pyarrow / pyorc

# ------------------------------------------------------------ generated data

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
EPOCH = dt.datetime(1970, 1, 1)
US = dt.timedelta(microseconds=1)
# pyarrow reads ORC timestamps as int64 nanoseconds: stay within that range.
TS_MIN_US = (dt.datetime(1678, 1, 1) - EPOCH) // US
TS_MAX_US = (dt.datetime(2262, 4, 11, 23, 47, 16, 854775) - EPOCH) // US
GREGORIAN = "1582-10-15"  # the first Gregorian day; Java's hybrid calendar is Julian before it

TEXT_PIECES = ["a", "wiki", "Zürich", "naïve", "日本語", "한국어", "😀", "🏳️‍🌈", "𝄞", '"', "'", "\\", "\t",
               "\n", "\r", "\x01", "\x1f", "\x7f", "\u2028", "\ufeff", "{", "}", ",", ":", " ", "null"]
TAGS = ["", "page", "user", "talk", "😀 emoji", "Ünïcödé", '"quoted"', "a\tb"]


def f32(x):
    """x rounded to the nearest float32, as a Python float."""
    return array("f", [x])[0]


def dec(unscaled, scale):
    q, r = divmod(abs(unscaled), 10**scale)
    return f"{'-' if unscaled < 0 else ''}{q}.{r:0{scale}d}"


def ts(us):
    return (EPOCH + dt.timedelta(microseconds=us)).isoformat(timespec="microseconds")


def b64(data):
    return base64.b64encode(data).decode("ascii")


def place(rng, values, edges, nullable, copies=20):
    """Give a generated column its NULLs (about 10%, and the first and last
    row) and its edge values: each edge in the first rows (so a sample from
    the head holds them all) and at `copies` random rows."""
    n = len(values)
    if nullable:
        for i in rng.sample(range(n), n // 10):
            values[i] = None
    for k, e in enumerate(edges):
        values[1 + k] = e
        for i in rng.sample(range(1, n - 1), copies):
            values[i] = e
    if nullable:
        values[0] = values[-1] = None
    return values


def generate(n, seed):
    """Columns of n rows in floe's value forms, deterministic for a seed."""
    rng = random.Random(seed)
    r = rng.getrandbits  # several times faster than randint/randrange
    c = {}
    # Sorted unique keys from INT64_MIN to INT64_MAX.
    c["id"] = [i * 1000 + r(9) - n * 500 for i in range(n)]
    c["id"][0], c["id"][-1] = INT64_MIN, INT64_MAX
    c["flag"] = place(rng, [r(1) == 1 for _ in range(n)], [True, False], True)
    c["i8"] = place(rng, [r(8) - 2**7 for _ in range(n)], [-(2**7), 2**7 - 1, 0, -1], True)
    c["i16"] = place(rng, [r(16) - 2**15 for _ in range(n)], [-(2**15), 2**15 - 1, 0], True)
    c["i32"] = place(rng, [r(32) - 2**31 for _ in range(n)], [-(2**31), 2**31 - 1, 0], True)
    c["i64"] = place(rng, [r(r(6)) * (1 - 2 * r(1)) for _ in range(n)], [INT64_MIN, INT64_MAX, 0, -1], True)
    f32_values = array("f", [(rng.random() - 0.5) * 10.0 ** (r(6) - 30) for _ in range(n)]).tolist()
    c["f32"] = place(rng, f32_values, [
        -0.0, 0.0, "NaN", "Infinity", "-Infinity", f32(3.4028234663852886e38), f32(-3.4028234663852886e38),
        f32(1.1754943508222875e-38), f32(1.401298464324817e-45), f32(0.1), f32(1e-7), f32(2.0**63)], True)
    c["f64"] = place(rng, [(rng.random() - 0.5) * 10.0 ** (r(10) % 601 - 300) for _ in range(n)], [
        -0.0, 0.0, "NaN", "Infinity", "-Infinity", 1.7976931348623157e308, -1.7976931348623157e308,
        2.2250738585072014e-308, 5e-324, 0.1, 1e16, 1e-5, 1.5e-7, 2.0**63], True)
    max38 = 10**38 - 1
    # Unscaled values of 0 to 126 random bits (2**126 < 10**38), either sign.
    c["dec38"] = place(rng, [dec(r(r(7) % 127) * (1 - 2 * r(1)), 10) for _ in range(n)],
                       [dec(max38, 10), dec(-max38, 10), dec(0, 10), dec(1, 10), dec(-1, 10)], True)
    c["dec10"] = place(rng, [dec(r(35) % (2 * 10**10 - 1) - (10**10 - 1), 2) for _ in range(n)],
                       [dec(10**10 - 1, 2), dec(1 - 10**10, 2), dec(0, 2), dec(-1, 2)], True)
    c["txt"] = place(rng, ["".join(rng.choices(TEXT_PIECES, k=r(3))) + str(i) for i in range(n)],
                     ["", '"', "\\", "😀", "\x01\x1f\"\\\n", "x" * 100_000], True, copies=3)
    c["tag"] = place(rng, rng.choices(TAGS, k=n), TAGS, False)
    pool = rng.randbytes(1 << 16)
    c["blob"] = place(rng, [b64(pool[o:o + r(5)]) for o in (r(15) for _ in range(n))],
                      ["", b64(bytes(range(256)))], True)
    for i in (3, rng.randrange(4, n - 1), rng.randrange(4, n - 1)):  # 1 MiB values: one in the head
        c["blob"][i] = b64(rng.randbytes(1 << 20))
    c["day"] = place(rng, [dt.date.fromordinal(1 + r(22) % 3_652_059).isoformat() for _ in range(n)],
                     ["0001-01-01", "1969-12-31", "1970-01-01", "9999-12-31", "1582-10-04", GREGORIAN,
                      "2000-02-29"], True)
    # Microseconds since 1970, avoiding the open interval (-1 s, 0): every ORC
    # reader reads those with a fraction of 1 ms or more a second late (ORC-645;
    # docs/table-format.md). Two edges below 1 ms there are expressible.
    micros = [TS_MIN_US + r(64) % (TS_MAX_US - TS_MIN_US) for _ in range(n)]
    c["ts"] = place(rng, [ts(u - 1_000_000 if -1_000_000 < u < 0 else u) for u in micros], [
        ts(TS_MIN_US), ts(TS_MAX_US), ts(-1_000_000), ts(0), ts(-1_000_001), ts(1), ts(999_999),
        ts(-999_999), ts(-999_001), "1969-12-31T23:59:58.500000", "1900-01-01T00:00:00.000001",
        "2014-12-31T23:59:59.999999", "2015-01-01T00:00:00.000000"], True)
    c["nothing"] = [None] * n
    return {name: c[name] for name in NAMES}


JSON_TOKEN = {bool: lambda v: "true" if v else "false", int: str, float: repr,
              str: json.encoder.encode_basestring}


def write_jsonl(cols, path):
    """Rows as JSON lines, column by column for speed."""
    tokens = [["null" if v is None else JSON_TOKEN[type(v)](v) for v in values] for values in cols.values()]
    line = "{" + ",".join(f'"{name}":%s' for name in cols) + "}\n"
    with open(path, "w", encoding="utf-8") as f:
        f.writelines(line % row for row in zip(*tokens))


# ----------------------------------------------- canonical forms per reader


@contextlib.contextmanager
def gc_paused():
    """Building millions of small objects is several times faster without
    the cyclic collector scanning them over and over."""
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def canon_floats(values, single):
    """Floats from any reader (Python floats, JSON numbers, or the strings
    "NaN", "Infinity", "-Infinity"); with `single`, rounded to float32, as
    text readers print the shortest digits that identify the float32."""
    out = []
    for v in values:
        if v is None or isinstance(v, str):
            out.append(v)
        elif math.isnan(v):
            out.append("NaN")
        elif math.isinf(v):
            out.append("Infinity" if v > 0 else "-Infinity")
        else:
            out.append(float(v))
    if single:
        finite = iter(array("f", [v for v in out if isinstance(v, float)]).tolist())
        out = [next(finite) if isinstance(v, float) else v for v in out]
    return out


def canon_decimal(v, scale):
    if v is None:
        return None
    with decimal.localcontext() as ctx:
        ctx.prec = 100
        return format(decimal.Decimal(v).quantize(decimal.Decimal(1).scaleb(-scale)), "f")


def from_arrow(table):
    """Columns of a pyarrow Table (as read by pyarrow.orc) in canonical form."""
    out = {}
    for name in table.column_names:
        col, arr = COL[name], table.column(name)
        if col.type in ("float", "double"):
            out[name] = canon_floats(arr.to_pylist(), col.type == "float")
        elif col.scale is not None:
            # Arrow prints small decimals in scientific notation ("0E-10"): fix those few.
            out[name] = [s if s is None or "E" not in s else canon_decimal(s, col.scale)
                         for s in pc.cast(arr, pa.string()).to_pylist()]
        elif col.type == "binary":
            out[name] = [None if b is None else b64(b) for b in arr.to_pylist()]
        elif col.type == "date":
            out[name] = pc.cast(arr, pa.string()).to_pylist()
        elif col.type == "timestamp":  # read back as timestamp[ns]; the cast fails on sub-us digits
            s = pc.cast(pc.cast(arr, pa.timestamp("us")), pa.string())
            out[name] = pc.replace_substring(s, " ", "T", max_replacements=1).to_pylist()
        else:
            out[name] = arr.to_pylist()
    return out


def from_json_rows(rows):
    """Columns of JSON rows printed in floe's value forms (floe cat, verifier).
    Float columns are printed with the fewest digits that identify the
    float32, so they are rounded to it again."""
    cols = {name: [r[name] for r in rows] for name in (rows[0] if rows else NAMES)}
    for name in ("f32", "f64"):
        if name in cols:
            cols[name] = canon_floats(cols[name], name == "f32")
    return cols


def from_python_values(rows, names):
    """Columns of pyorc rows (tuples of Python objects)."""
    cols = dict(zip(names, (list(v) for v in zip(*rows))))
    for name, values in cols.items():
        col = COL[name]
        if col.type in ("float", "double"):
            cols[name] = canon_floats(values, col.type == "float")
        elif col.scale is not None:
            cols[name] = [canon_decimal(v, col.scale) for v in values]
        elif col.type == "binary":
            cols[name] = [None if v is None else b64(v) for v in values]
        elif col.type == "date":
            cols[name] = [None if v is None else v.isoformat() for v in values]
        elif col.type == "timestamp":  # pyorc: aware datetimes in UTC
            cols[name] = [None if v is None else v.astimezone(dt.timezone.utc).replace(tzinfo=None)
                          .isoformat(timespec="microseconds") for v in values]
    return cols


def from_orc_tools_rows(rows):
    """Columns of `orc-tools data` rows: timestamps with a space and a trimmed
    fraction, binary as lists of byte values, decimals trimmed."""
    cols = {name: [r.get(name) for r in rows] for name in NAMES}
    for name, values in cols.items():
        col = COL[name]
        if col.type in ("float", "double"):
            cols[name] = canon_floats(values, col.type == "float")
        elif col.scale is not None:
            cols[name] = [canon_decimal(str(v), col.scale) if v is not None else None for v in values]
        elif col.type == "binary":
            cols[name] = [None if v is None else b64(bytes(b & 0xFF for b in v)) for v in values]
        elif col.type == "timestamp":
            cols[name] = [None if v is None else dt.datetime.fromisoformat(v.replace(" ", "T"))
                          .isoformat(timespec="microseconds") for v in values]
    return cols


def parse_json_lines(data: bytes, **kw):
    """Rows of JSON lines output (other lines are skipped), parsed as one
    array, which is faster. Lines are split on b"\\n" only: strings may hold
    U+2028 or other characters that str.splitlines() breaks on."""
    lines = [line for line in data.split(b"\n") if line.startswith(b"{")]
    with gc_paused():
        return json.loads(b"[" + b",".join(lines) + b"]", **kw)


def assert_columns_equal(got, want, reader, rows=None):
    """Every column equal, value by value; floats by repr (-0.0 is not 0.0).
    `rows` limits the comparison to a list of row numbers."""
    assert list(got) == list(want), f"{reader}: columns {list(got)}, want {list(want)}"
    problems = []
    for name, w in want.items():
        g = got[name]
        if len(g) != len(w):
            problems.append(f"{name}: {len(g)} values, want {len(w)}")
            continue
        floats = COL[name].type in ("float", "double")
        if rows is None and not floats and g == w:
            continue
        idx = range(len(w)) if rows is None else rows
        key = repr if floats else (lambda v: v)
        bad = [i for i in idx if key(g[i]) != key(w[i])]
        if bad:
            shown = "; ".join(f"row {i}: {short(g[i])} != {short(w[i])}" for i in bad[:4])
            problems.append(f"{name}: {len(bad)} of {len(idx)} values differ: {shown}")
    assert not problems, f"{reader} disagrees with the generated data:\n  " + "\n  ".join(problems)


def short(v):
    r = repr(v)
    return r if len(r) <= 80 else r[:60] + f"...({len(r)} chars)"


# ----------------------------------------------------------------- running


def run(cmd, stdin=None, check=True):
    """Run a command; output as bytes (text mode would turn "\\r" into "\\n")."""
    p = subprocess.run([str(a) for a in cmd], stdin=stdin, capture_output=True)
    if check and p.returncode != 0:
        err = p.stderr.decode(errors="replace")[-4000:]
        raise AssertionError(f"{cmd} exited {p.returncode}\nstderr:\n{err}")
    return p


def floe(*args, **kw):
    return run([FLOE, *args], **kw)


def only(cols, rows):
    return {name: [values[i] for i in rows] for name, values in cols.items()}


# ------------------------------------------------------------- floe's files


class Written:
    """One floe-written file with its expected columns. The Java verifier
    starts reading it at once, in the background (it takes a while and
    leaves a core free for the Python readers); `verifier` waits for it."""

    def __init__(self, spec, path, want):
        self.spec, self.path, self.want = spec, path, want
        self._verifier_out = path.with_suffix(".verifier.jsonl")
        with open(self._verifier_out, "wb") as out:
            self._verifier = subprocess.Popen([VERIFIER, "orc-read", str(path)], stdout=out,
                                              stderr=subprocess.PIPE)

    @functools.cached_property
    def verifier(self):
        """(columns, file facts) as the verifier read them."""
        _, err = self._verifier.communicate()
        assert self._verifier.returncode == 0, err.decode(errors="replace")[-4000:]
        rows = parse_json_lines(self._verifier_out.read_bytes())
        self._verifier_out.unlink()  # hundreds of MB for the big table
        return from_json_rows(rows), stderr_json(err.decode())[0]

    @functools.cached_property
    def meta(self):
        return OrcToolsMeta(run([ORC_TOOLS, "meta", self.path]).stdout.decode())

    def close(self):
        if self._verifier.returncode is None:  # never waited for
            self._verifier.kill()
            self._verifier.communicate()


@pytest.fixture(scope="module", params=list(FLOE_TABLES))
def written(request, tmp_path_factory):
    spec = FLOE_TABLES[request.param]
    d = tmp_path_factory.mktemp(f"floe-{spec.codec}")
    with gc_paused():
        want = generate(spec.rows, spec.seed)
    (d / "schema.json").write_text(json.dumps(SCHEMA_JSON))
    write_jsonl(want, d / "rows.jsonl")
    with open(d / "rows.jsonl", "rb") as rows:
        floe("orc", "write", "--schema", d / "schema.json", "--codec", spec.codec, "--sort-key", "id",
             *spec.args, d / "t.orc", stdin=rows)
    (d / "rows.jsonl").unlink()
    w = Written(spec, d / "t.orc", want)
    yield w
    w.close()


def test_pyarrow_reads_floe(written):
    f = po.ORCFile(str(written.path))
    assert f.nrows == written.spec.rows
    assert f.compression == {"none": "UNCOMPRESSED"}.get(written.spec.codec, written.spec.codec.upper())
    assert f.nstripes >= written.spec.min_stripes
    table = f.read()
    for c in COLUMNS:
        assert table.schema.field(c.name).metadata == {
            k.encode(): v.encode() for k, v in attributes(c).items()}, c.name
    assert_columns_equal(from_arrow(table), written.want, "pyarrow")


@pytest.mark.parametrize("written", ["lz4", "zlib", "none"], indirect=True)  # pyarrow reads the big one
def test_pyorc_reads_floe(written):
    with open(written.path, "rb") as fh:
        r = pyorc.Reader(fh)
        assert str(r.schema) == ORC_SCHEMA
        for c in COLUMNS:
            assert r.schema.fields[c.name].attributes == attributes(c), c.name
        with gc_paused():
            rows = list(r)
    assert_columns_equal(from_python_values(rows, NAMES), written.want, "pyorc")


def test_pyorc_seeks_through_row_index(written):
    """ORC C++ jumps to a row through the row index positions, then skips
    rows: seek to the start of every row group and into each of them."""
    stride = written.spec.stride
    rng = random.Random(0)
    targets, first = [], 0
    with open(written.path, "rb") as fh:
        r = pyorc.Reader(fh)
        for k in range(r.num_of_stripes):
            rows = len(r.read_stripe(k))
            for start in range(first, first + rows, stride):
                targets.append(start)
                # Not within the first rows: ORC C++ fails to skip only NULLs and empty
                # strings right after a seek ("StringDirectColumnReader::skip: lastBuffer_
                # is null"), in pyarrow's files too.
                if first + rows - start > 200:
                    targets.append(rng.randrange(start + 100, min(start + stride, first + rows)))
            first += rows
        got = []
        for row in targets:
            r.seek(row)
            got.append(next(r))
    assert_columns_equal(from_python_values(got, NAMES), only(written.want, targets), "pyorc seek")


def test_java_verifier_reads_floe(written):
    got, facts = written.verifier
    assert facts["rows"] == written.spec.rows
    assert facts["compression"] == written.spec.codec.upper()
    assert facts["stripes"] >= written.spec.min_stripes
    assert facts["orc_schema"] == ORC_SCHEMA
    attrs = {c["path"]: c["attributes"] for c in facts["columns"]}
    for c in COLUMNS:
        assert attrs[f"root.{c.name}"] == attributes(c), c.name
    # Dates before 1582-10-15 too: Java's default (hybrid calendar) reader
    # shifts them when a file declares the proleptic Gregorian calendar.
    assert_columns_equal(got, written.want, "verifier (orc-core)")


def test_orc_tools_data_head(written):
    """orc-tools `data` on the first rows, which hold every edge value."""
    n = 400
    out = run([ORC_TOOLS, "data", "-n", n, written.path]).stdout
    rows = parse_json_lines(out, parse_float=decimal.Decimal)
    assert len(rows) == n
    want = only(written.want, range(n))
    want["day"] = orc_tools_dates(written, want["day"])
    assert_columns_equal(from_orc_tools_rows(rows), want, "orc-tools data")


class OrcToolsMeta:
    """The parts of `orc-tools meta` text output that the tests read."""

    def __init__(self, text):
        self.text = text
        head, _, rest = text.partition("\nFile Statistics:\n")
        file_stats, _, stripes = rest.partition("\nStripes:\n")
        self.rows = int(re.search(r"^Rows: (\d+)$", head, re.M).group(1))
        self.compression = re.search(r"^Compression: (\w+)$", head, re.M).group(1)
        self.proleptic = re.search(r"^Calendar: (.*)$", head, re.M).group(1) == "Proleptic Gregorian"
        self.attributes = {m.group(1): dict(re.findall(r"^  (\S+): (.*)$", m.group(2), re.M))
                           for m in re.finditer(r"^Attributes on root\.(\w+)\n((?:  .*\n)+)", head, re.M)}
        self.file_stats = self.parse_stats(file_stats)
        self.stripes = []
        for block in re.split(r"^  Stripe: ", stripes, flags=re.M)[1:]:
            self.stripes.append({
                "rows": int(re.match(r"offset: \d+ data: \d+ rows: (\d+)", block).group(1)),
                "encodings": dict((int(c), k) for c, k in re.findall(r"^    Encoding column (\d+): (\S+)$",
                                                                      block, re.M)),
                "row_index": {int(m.group(1)): self.parse_entries(m.group(2)) for m in re.finditer(
                    r"^    Row group indices for column (\d+):\n((?:      Entry .*\n)*)", block, re.M)},
            })

    @staticmethod
    def parse_stats(block):
        """{column: {"count", "hasNull", and "min", "max", "sum", "true" as printed}}.
        Split on the "Column N:" headers: string bounds may hold newlines."""
        parts = re.split(r"^  Column (\d+): ", block, flags=re.M)
        out = {}
        for col, body in zip(parts[1::2], parts[2::2]):
            m = re.match(r"count: (\d+) hasNull: (true|false)(.*)", body.rstrip("\n"), re.S)
            s = {"count": int(m.group(1)), "hasNull": m.group(2) == "true"}
            rest = m.group(3)
            b = re.match(r" min: (.*) max: (.*?)(?: sum: (\S+))?$", rest, re.S)
            if b:
                s["min"], s["max"] = b.group(1), b.group(2)
                if b.group(3) is not None:
                    s["sum"] = b.group(3)
            elif rest.startswith(" true: "):
                s["true"] = int(rest[len(" true: "):])
            elif rest.startswith(" sum: "):
                s["sum"] = rest[len(" sum: "):]
            out[int(col)] = s
        return out

    @staticmethod
    def parse_entries(block):
        """Row index entries: value count, the printed statistics, positions."""
        entry = r"Entry \d+: count: (\d+) hasNull: \w+(.*) positions: ([\d,]*)"
        return [{"count": int(c), "stats": stats, "positions": [int(p) for p in pos.split(",") if p]}
                for c, stats, pos in re.findall(entry, block)]


def orc_tools_date(s):
    """orc-tools prints date bounds as "Hybrid AD 1-01-01" (year unpadded)."""
    y, m, d = re.fullmatch(r"(?:Hybrid AD )?(\d+)-(\d\d)-(\d\d)", s).groups()
    return f"{int(y):04d}-{m}-{d}"


def hybrid_date(iso):
    """A date as orc-tools prints the same day number of a file that does not
    declare the proleptic Gregorian calendar: in Java's hybrid calendar
    (java.sql.Date), Julian before 1582-10-15. 0001-01-01 prints as 0001-01-03."""
    if iso is None or iso >= GREGORIAN:
        return iso
    c = dt.date.fromisoformat(iso).toordinal() + 1721425 + 32082  # Julian day number + 32082
    d = (4 * c + 3) // 1461
    e = c - 1461 * d // 4
    m = (5 * e + 2) // 153
    return f"{d - 4800 + m // 10:04d}-{m + 3 - 12 * (m // 10):02d}-{e - (153 * m + 2) // 5 + 1:02d}"


def orc_tools_dates(written, dates):
    """Dates as orc-tools prints them for this file."""
    return dates if written.meta.proleptic else [hybrid_date(d) for d in dates]


def expected_stats(col, values):
    """The statistics `orc-tools meta` must print for a column, from the data."""
    present = [v for v in values if v is not None]
    s = {"count": len(present), "hasNull": len(present) < len(values)}
    if not present:
        return s
    if col.type == "boolean":
        s["true"] = sum(present)
    elif col.type in INTEGER_TYPES:
        s["min"], s["max"] = min(present), max(present)
    elif col.type == "string":
        s["sum"] = sum(len(v.encode()) for v in present)
        lo, hi = min(present), max(present)
        if len(lo.encode()) <= 1024 and len(hi.encode()) <= 1024:  # floe omits longer bounds
            s["min"], s["max"] = lo, hi
    elif col.type == "binary":
        s["sum"] = sum(len(base64.b64decode(v)) for v in present)
    elif col.type == "date":
        s["min"], s["max"] = min(present), max(present)
    elif col.scale is not None:
        ds = [decimal.Decimal(v) for v in present]
        s["min"], s["max"] = min(ds), max(ds)
    elif col.type == "timestamp":
        s["min"], s["max"] = min(present), max(present)
    return s


def printed_stats(col, s):
    """orc-tools' printed statistics, in the forms expected_stats uses."""
    s = dict(s)
    if col.type in INTEGER_TYPES:
        if "min" in s:
            s["min"], s["max"] = int(s["min"]), int(s["max"])
        s.pop("sum", None)  # omitted on overflow; checked apart
    elif col.type in ("string", "binary") and "sum" in s:
        s["sum"] = int(s["sum"])
    elif col.type == "date" and "min" in s:
        s["min"], s["max"] = orc_tools_date(s["min"]), orc_tools_date(s["max"])
    elif col.scale is not None and "min" in s:
        s["min"], s["max"] = decimal.Decimal(s["min"]), decimal.Decimal(s["max"])
        s.pop("sum", None)
    elif col.type == "timestamp" and "min" in s:
        s["min"], s["max"] = (dt.datetime.fromisoformat(s[k]).isoformat("T", "microseconds")
                              for k in ("min", "max"))
    elif col.type in ("float", "double"):
        s = {k: s[k] for k in ("count", "hasNull")}  # min/max are dropped after a NaN
    return s


def test_orc_tools_meta(written):
    meta, spec = written.meta, written.spec
    assert meta.rows == spec.rows
    assert meta.compression == spec.codec.upper()
    assert len(meta.stripes) == po.ORCFile(str(written.path)).nstripes >= spec.min_stripes
    assert sum(s["rows"] for s in meta.stripes) == spec.rows
    for c in COLUMNS:
        assert meta.attributes[c.name] == attributes(c), c.name
    # Encodings: txt direct, tag from a dictionary, in every stripe.
    txt, tag = NAMES.index("txt") + 1, NAMES.index("tag") + 1
    for s in meta.stripes:
        assert s["encodings"][txt] == "DIRECT_V2"
        assert s["encodings"][tag].startswith("DICTIONARY_V2")
    # File statistics.
    assert meta.file_stats[0] == {"count": spec.rows, "hasNull": False}
    problems = []
    for k, c in enumerate(COLUMNS, start=1):
        values = written.want[c.name]
        if c.type == "date":
            values = orc_tools_dates(written, values)
        got, want = printed_stats(c, meta.file_stats[k]), expected_stats(c, values)
        if got != want:
            problems.append(f"{c.name}: orc-tools {got}, want {want}")
        if c.type in INTEGER_TYPES and "sum" in meta.file_stats[k]:  # present only without overflow
            if int(meta.file_stats[k]["sum"]) != sum(v for v in written.want[c.name] if v is not None):
                problems.append(f"{c.name}: sum {meta.file_stats[k]['sum']}")
    assert not problems, "statistics:\n  " + "\n  ".join(problems)


def test_orc_tools_row_index(written):
    """Every stripe has one row index entry per stride rows for every column,
    counting that column's values in exactly those rows, and every entry of a
    column has as many positions (its row groups have the same streams). For
    id, which is sorted, the entries hold the key range of their rows."""
    spec = written.spec
    columns = [k for k, c in enumerate(COLUMNS, start=1) if c.name != "txt"]  # txt bounds hold newlines
    meta = OrcToolsMeta(run([ORC_TOOLS, "meta", "--rowindex", ",".join(map(str, columns)), written.path])
                        .stdout.decode())
    problems, first = [], 0
    for n, s in enumerate(meta.stripes):
        end = first + s["rows"]
        groups = [range(a, min(a + spec.stride, end)) for a in range(first, end, spec.stride)]
        for k in columns:
            c, entries = COLUMNS[k - 1], s["row_index"].get(k, [])
            values = written.want[c.name]
            if [e["count"] for e in entries] != [sum(values[i] is not None for i in g) for g in groups]:
                problems.append(f"stripe {n} {c.name}: entry counts {[e['count'] for e in entries]}")
            if len({len(e["positions"]) for e in entries}) != 1:
                counts = [len(e["positions"]) for e in entries]
                problems.append(f"stripe {n} {c.name}: positions per entry {counts}")
        key_ranges = [tuple(map(int, re.search(r" min: (-?\d+) max: (-?\d+)", e["stats"]).groups()))
                      for e in s["row_index"][1]]
        if key_ranges != [(written.want["id"][g[0]], written.want["id"][g[-1]]) for g in groups]:
            problems.append(f"stripe {n} id: key ranges {key_ranges}")
        first = end
    assert first == spec.rows
    assert not problems, "row index:\n  " + "\n  ".join(problems[:20])


def test_row_index_position_with_a_0xff_byte(tmp_path):
    """The row index bug in its smallest form: one double column, no
    compression, a stride of 4080 rows: row group 1 starts at byte 32640 of
    the DATA stream, whose varint is 80 ff 01."""
    schema = {"columns": [{"name": "x", "type": "double", "nullable": False, "id": 1}]}
    (tmp_path / "schema.json").write_text(json.dumps(schema))
    (tmp_path / "rows.jsonl").write_text("".join(f'{{"x":{i}.5}}\n' for i in range(8200)))
    path = tmp_path / "x.orc"
    with open(tmp_path / "rows.jsonl", "rb") as rows:
        floe("orc", "write", "--schema", tmp_path / "schema.json", "--codec", "none",
             "--row-index-stride", "4080", path, stdin=rows)
    meta = OrcToolsMeta(run([ORC_TOOLS, "meta", "--rowindex", "1", path]).stdout.decode())
    assert [e["count"] for e in meta.stripes[0]["row_index"][1]] == [4080, 4080, 40]
    with open(path, "rb") as fh:
        r = pyorc.Reader(fh)
        r.seek(4081)
        assert next(r) == (4081.5,)


@pytest.mark.parametrize("written", ["lz4"], indirect=True)  # unit tests cover the rest
def test_floe_reads_own_file(written):
    got = from_json_rows(parse_json_lines(floe("orc", "cat", written.path).stdout))
    assert_columns_equal(got, written.want, "floe orc cat")
    cols = ["ts", "id", "tag"]
    out = floe("orc", "cat", written.path, "--columns", ",".join(cols)).stdout
    got = from_json_rows(parse_json_lines(out))
    assert_columns_equal(got, {c: written.want[c] for c in cols}, "floe orc cat --columns")


# ------------------------------------------------- other writers, floe reads


@pytest.fixture(scope="module")
def foreign():
    """Generated columns and the same data as an Arrow table."""
    with gc_paused():
        want = generate(FOREIGN_ROWS, seed=7)
    arrays = []
    for c in COLUMNS:
        values, t = want[c.name], ARROW_TYPES[c.type]
        if c.type in ("float", "double"):
            arrays.append(pa.array([v if v is None else float(v) for v in values], t))
        elif c.type == "binary":
            arrays.append(pa.array([v if v is None else base64.b64decode(v) for v in values], t))
        elif c.scale is not None or c.type in ("date", "timestamp"):
            arrays.append(pa.array(values, pa.string()).cast(t))
        else:
            arrays.append(pa.array(values, t))
    return want, pa.Table.from_arrays(arrays, schema=ARROW_SCHEMA)


def python_rows(want):
    """The generated columns as rows of Python objects for pyorc."""
    cols = []
    for c in COLUMNS:
        values = want[c.name]
        if c.type in ("float", "double"):
            values = [v if v is None else float(v) for v in values]
        elif c.scale is not None:
            values = [v if v is None else decimal.Decimal(v) for v in values]
        elif c.type == "binary":
            values = [v if v is None else base64.b64decode(v) for v in values]
        elif c.type == "date":
            values = [v if v is None else dt.date.fromisoformat(v) for v in values]
        elif c.type == "timestamp":
            values = [v if v is None else dt.datetime.fromisoformat(v).replace(tzinfo=dt.timezone.utc)
                      for v in values]
        cols.append(values)
    return list(zip(*cols))


def floe_cat_columns(path):
    return from_json_rows(parse_json_lines(floe("orc", "cat", path).stdout))


def floe_encodings(path, column):
    """Encoding kinds of one column in every stripe, from `floe orc meta`."""
    meta = json.loads(floe("orc", "meta", path).stdout)
    k = NAMES.index(column) + 1
    return {e["kind"] for s in meta["stripes"] for e in s["encodings"] if e["column"] == k}


PYARROW_CODECS = {"zstd": "zstd", "lz4": "lz4", "zlib": "zlib", "none": "uncompressed"}
PYORC_CODECS = {"zstd": pyorc.CompressionKind.ZSTD, "lz4": pyorc.CompressionKind.LZ4,
                "zlib": pyorc.CompressionKind.ZLIB, "none": pyorc.CompressionKind.NONE}


@pytest.mark.parametrize("codec", list(PYARROW_CODECS))
def test_floe_reads_pyarrow(foreign, codec, tmp_path):
    want, table = foreign
    path = tmp_path / f"pyarrow-{codec}.orc"
    po.write_table(table, str(path), compression=PYARROW_CODECS[codec], stripe_size=1 << 20,
                   dictionary_key_size_threshold=0.5)
    assert po.ORCFile(str(path)).nstripes > 1
    assert floe_encodings(path, "tag") == {"DICTIONARY_V2"}
    assert floe_encodings(path, "txt") == {"DIRECT_V2"}
    assert_columns_equal(floe_cat_columns(path), want, f"floe reading pyarrow's {codec} file")


@pytest.mark.parametrize("codec", list(PYORC_CODECS))
def test_floe_reads_pyorc(foreign, codec, tmp_path):
    want, _ = foreign
    path = tmp_path / f"pyorc-{codec}.orc"
    with open(path, "wb") as fh:
        with pyorc.Writer(fh, ORC_SCHEMA, compression=PYORC_CODECS[codec], stripe_size=1 << 20,
                          dict_key_size_threshold=0.5) as w:
            w.writerows(python_rows(want))
    with open(path, "rb") as fh:
        assert pyorc.Reader(fh).num_of_stripes > 1
    assert floe_encodings(path, "tag") == {"DICTIONARY_V2"}
    assert floe_encodings(path, "txt") == {"DIRECT_V2"}
    assert_columns_equal(floe_cat_columns(path), want, f"floe reading pyorc's {codec} file")


def test_floe_refuses_snappy(foreign, tmp_path):
    _, table = foreign
    path = tmp_path / "pyarrow-snappy.orc"
    po.write_table(table.slice(0, 100), str(path), compression="snappy")
    p = floe("orc", "cat", path, check=False)
    err = p.stderr.decode()
    assert p.returncode == 1 and not p.stdout, err
    assert "snappy" in err.lower() and "not supported" in err.lower(), err
    assert str(path) in err, err


# ----------------------------------------------------------- hostile input


@pytest.fixture(scope="module")
def small_floe_files(tmp_path_factory):
    """{codec: (file bytes, end of the last stripe)} for a 10,000-row table in 4 stripes."""
    d = tmp_path_factory.mktemp("hostile")
    (d / "schema.json").write_text(json.dumps(SCHEMA_JSON))
    write_jsonl(generate(10_000, seed=11), d / "rows.jsonl")
    out = {}
    for codec in ("zstd", "none"):
        with open(d / "rows.jsonl", "rb") as rows:
            floe("orc", "write", "--schema", d / "schema.json", "--codec", codec, "--stripe-size", "1MiB",
                 d / f"{codec}.orc", stdin=rows)
        last = json.loads(floe("orc", "meta", d / f"{codec}.orc").stdout)["stripes"][-1]
        out[codec] = ((d / f"{codec}.orc").read_bytes(),
                      last["offset"] + last["index_length"] + last["data_length"] + last["footer_length"])
    return out


def cat_exit(path):
    """Exit code and message of `floe orc cat`; never a crash."""
    p = floe("orc", "cat", path, check=False)
    err = p.stderr.decode(errors="replace")
    assert 0 <= p.returncode < 128, f"exit {p.returncode} (negative or >= 128: killed by a signal)\n{err}"
    return p.returncode, err


def assert_clean_failure(path):
    rc, err = cat_exit(path)
    assert rc == 1, f"exit {rc}\n{err}"
    assert str(path) in err, f"the message does not name the file: {err!r}"


@pytest.mark.parametrize("keep", [0, 3, 100, 0.5, -1, -2, -20, -300])
def test_floe_cat_rejects_truncated_file(small_floe_files, keep, tmp_path):
    """The file cut short: `keep` bytes, a fraction of it, or all but -keep bytes."""
    data, _ = small_floe_files["zstd"]
    n = int(len(data) * keep) if isinstance(keep, float) else (keep if keep >= 0 else len(data) + keep)
    path = tmp_path / "truncated.orc"
    path.write_bytes(data[:n])
    assert_clean_failure(path)


@pytest.mark.parametrize("kind", ["random", "orc-magic", "text", "zeroed-stripes", "garbage-then-tail"])
def test_floe_cat_rejects_garbage(small_floe_files, kind, tmp_path):
    rng = random.Random(kind)
    data, end = small_floe_files["zstd"]
    garbage = {
        "random": lambda: rng.randbytes(100_000),
        "orc-magic": lambda: b"ORC" + rng.randbytes(50_000),
        "text": lambda: b'{"not": "an orc file"}\n' * 100,
        "zeroed-stripes": lambda: b"ORC" + bytes(end - 3) + data[end:],  # intact metadata and tail
        "garbage-then-tail": lambda: rng.randbytes(10_000) + data[end:],
    }[kind]()
    path = tmp_path / f"garbage-{kind}.orc"
    path.write_bytes(garbage)
    assert_clean_failure(path)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.parametrize("codec", ["zstd", "none"])
def test_floe_cat_survives_corrupt_stripes(small_floe_files, codec, seed, tmp_path):
    """16 random bytes overwritten in the stripes: ORC has no checksums, so
    floe may read other values, or fail; it must not crash."""
    data, end = small_floe_files[codec]
    rng = random.Random(seed)
    b = bytearray(data)
    for _ in range(16):
        b[rng.randrange(3, end)] = rng.randrange(256)
    path = tmp_path / "corrupt.orc"
    path.write_bytes(b)
    rc, err = cat_exit(path)
    assert rc in (0, 1) and (rc == 0 or err), f"exit {rc}\n{err}"


def test_floe_cat_names_the_file_on_invalid_utf8(tmp_path):
    path = tmp_path / "invalid-utf8.orc"
    text = pa.array([b"ok", b"bad \xff\xfe", None], pa.binary()).view(pa.string())  # not validated
    po.write_table(pa.table({"id": [1, 2, 3], "s": text}), str(path))
    assert_clean_failure(path)
