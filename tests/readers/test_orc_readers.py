"""Smoke test of the ORC reference readers: pyarrow writes an ORC file; pyarrow,
pyorc, the Java verifier (orc-core) and orc-tools all read it back the same.

Run with the readers' venv:  $FLOE_VENV/bin/python -m pytest tests/readers
"""

import datetime as dt
import decimal as D

import pyarrow as pa
import pyarrow.orc as po
import pyorc
import pytest

from readers_common import arrow_rows, canon_typed, orc_tools, stderr_json, typed_rows, verifier


def _field(name, typ, fid, nullable=True):
    # pyarrow writes Arrow field metadata as ORC type attributes (and reads them back).
    return pa.field(name, typ, nullable=nullable, metadata={"iceberg.id": str(fid)})


SCHEMA = pa.schema([
    _field("id", pa.int64(), 1, nullable=False),
    _field("i32", pa.int32(), 2),
    _field("flag", pa.bool_(), 3),
    _field("f32", pa.float32(), 4),
    _field("x", pa.float64(), 5),
    _field("name", pa.string(), 6),
    _field("d", pa.date32(), 7),
    _field("ts", pa.timestamp("us"), 8),
    _field("dec", pa.decimal128(10, 2), 9),
    _field("big", pa.decimal128(38, 10), 10),
    _field("b", pa.binary(), 11),
    _field("tags", pa.list_(pa.string()), 12),
    _field("point", pa.struct([pa.field("px", pa.int64()), pa.field("py", pa.string())]), 13),
    _field("attrs", pa.map_(pa.string(), pa.int64()), 14),
])

ROWS = [
    dict(id=1, i32=7, flag=True, f32=1.5, x=3.25, name='héllo "q"\n\u2603', d=dt.date(2024, 2, 29),
         ts=dt.datetime(2024, 2, 29, 23, 59, 59, 123456), dec=D.Decimal("12.34"),
         big=D.Decimal("-1234567890123456789012345678.0123456789"), b=b"\x00\xff", tags=["a", "b"],
         point={"px": 1, "py": "p"}, attrs=[("k", 1), ("l", -2)]),
    dict(id=2, i32=None, flag=None, f32=None, x=None, name=None, d=None, ts=None, dec=None, big=None,
         b=None, tags=None, point=None, attrs=None),
    # Pre-1970 timestamp on a whole second (see test_pre_epoch_fraction_* for fractions).
    dict(id=-9223372036854775808, i32=-2147483648, flag=False, f32=-0.25, x=-1e300, name="",
         d=dt.date(1969, 7, 20), ts=dt.datetime(1969, 7, 20, 20, 17, 40), dec=D.Decimal("-0.01"),
         big=D.Decimal("0E-10"), b=b"", tags=[None, ""], point={"px": None, "py": None},
         attrs=[("z", None)]),
    dict(id=9223372036854775807, i32=2147483647, flag=True, f32=0.0, x=5e-324, name="x" * 300,
         d=dt.date(9999, 12, 31), ts=dt.datetime(2262, 4, 11, 23, 47, 16, 854775),
         dec=D.Decimal("99999999.99"), big=D.Decimal("0.0000000001"), b=bytes(range(256)), tags=[],
         point={"px": 0, "py": ""}, attrs=[]),
]


@pytest.fixture(scope="module")
def orc_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("orc") / "types.orc"
    table = pa.Table.from_pylist(ROWS, schema=SCHEMA)
    po.write_table(table, str(path), compression="zstd")
    return path, table


@pytest.fixture(scope="module")
def expected(orc_file):
    return arrow_rows(orc_file[1])


def test_pyarrow_roundtrip(orc_file):
    path, table = orc_file
    f = po.ORCFile(str(path))
    assert f.nrows == len(ROWS)
    assert f.compression == "ZSTD"
    back = f.read()
    # ORC timestamps come back as ns; everything else, field metadata included, as written.
    assert back.schema.field("ts").type == pa.timestamp("ns")
    back = back.cast(SCHEMA)
    assert back.equals(table, check_metadata=True)
    for i, fld in enumerate(SCHEMA):
        assert back.schema.field(fld.name).metadata == {b"iceberg.id": str(i + 1).encode()}


def test_pyorc(orc_file, expected):
    path, _ = orc_file
    with open(path, "rb") as fh:
        r = pyorc.Reader(fh, struct_repr=pyorc.StructRepr.DICT)
        assert len(r) == len(ROWS)
        assert str(r.schema).startswith("struct<id:bigint,i32:int,flag:boolean,")
        assert r.schema.fields["id"].attributes == {"iceberg.id": "1"}
        assert r.schema.fields["attrs"].attributes == {"iceberg.id": "14"}
        rows = list(r)
    assert typed_rows(rows, SCHEMA) == expected


def test_java_verifier(orc_file, expected):
    path, _ = orc_file
    rows, err = verifier("orc-read", path)
    assert rows == expected  # the verifier prints the canonical forms itself
    desc = stderr_json(err)[0]
    assert desc["rows"] == len(ROWS)
    assert desc["compression"] == "ZSTD"
    cols = {c["path"]: c for c in desc["columns"]}
    assert cols["root.id"]["attributes"] == {"iceberg.id": "1"}
    assert cols["root.big"]["precision"] == 38 and cols["root.big"]["scale"] == 10
    assert cols["root.point.px"]["category"] == "bigint"
    assert cols["root.attrs._value"]["column_id"] == 19


def test_orc_tools_data(orc_file, expected):
    path, _ = orc_file
    from readers_common import json_lines

    rows = json_lines(orc_tools("data", path).stdout, exact=True)
    assert len(rows) == len(ROWS)
    assert typed_rows(rows, SCHEMA) == expected


def test_orc_tools_meta(orc_file):
    path, _ = orc_file
    out = orc_tools("meta", path).stdout
    assert "Rows: 4" in out
    assert "Compression: ZSTD" in out
    assert "Type: struct<id:bigint,i32:int,flag:boolean,f32:float,x:double" in out
    for i, fld in enumerate(SCHEMA):
        assert f"Attributes on root.{fld.name}\n  iceberg.id: {i + 1}\n" in out


# --- pre-1970 timestamps with a fraction of a second --------------------------------
# ORC stores seconds and nanos apart; writers and readers have long disagreed on
# negative instants with a fraction (ORC-346, ORC-645, ORC-763, ORC-1287). These
# tests record what the pinned readers do, so floe's writer knows its target.

PRE_EPOCH = [dt.datetime(1969, 7, 20, 20, 17, 40, 500000), dt.datetime(1900, 1, 1, 0, 0, 0, 1)]


def test_pre_epoch_fraction_pyorc_written(tmp_path):
    """ORC C++ fed (floor seconds, positive nanos), as pyorc does: Java agrees."""
    path = tmp_path / "pre_epoch_pyorc.orc"
    with open(path, "wb") as fh:
        w = pyorc.Writer(fh, "struct<ts:timestamp>")
        for t in PRE_EPOCH:
            w.write((t.replace(tzinfo=dt.timezone.utc),))
        w.close()
    want = [{"ts": canon_typed(t, pa.timestamp("us"))} for t in PRE_EPOCH]
    rows, _ = verifier("orc-read", path)
    assert rows == want
    assert arrow_rows(po.ORCFile(str(path)).read().cast(pa.schema([("ts", pa.timestamp("us"))]))) == want


@pytest.mark.xfail(strict=True, reason="pyarrow's ORC writer stores negative nanos for pre-1970 "
                   "fractions; Java ORC then sees an invalid (millis, nanos) pair")
def test_pre_epoch_fraction_pyarrow_written(tmp_path):
    path = tmp_path / "pre_epoch_pyarrow.orc"
    po.write_table(pa.table({"ts": pa.array(PRE_EPOCH, pa.timestamp("us"))}), str(path))
    want = [{"ts": canon_typed(t, pa.timestamp("us"))} for t in PRE_EPOCH]
    rows, _ = verifier("orc-read", path)
    assert rows == want
