"""Smoke test of the Iceberg reference readers: pyiceberg writes a small table
(SqlCatalog on sqlite, file:// warehouse), the Java verifier (Apache Iceberg's
IcebergGenerics) and pyiceberg's StaticTable read it back the same. A second
table has an ORC data file (written by pyarrow, committed through pyiceberg),
which exercises the ORC paths of both readers, as floe's tables will.

Run with the readers' venv:  $FLOE_VENV/bin/python -m pytest tests/readers
"""

import datetime as dt
import decimal as D
import os
from urllib.parse import urlparse

import pyarrow as pa
import pyarrow.orc as po
import pytest
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.io.pyarrow import schema_to_pyarrow
from pyiceberg.manifest import DataFile, DataFileContent, FileFormat
from pyiceberg.schema import Schema
from pyiceberg.table import StaticTable
from pyiceberg.typedef import Record
from pyiceberg.types import (
    BinaryType, BooleanType, DateType, DecimalType, DoubleType, FloatType, IntegerType, ListType,
    LongType, MapType, NestedField, StringType, StructType, TimestampType, TimestamptzType,
)

from readers_common import arrow_rows, sort_rows, verifier

SCHEMA = Schema(
    NestedField(1, "id", LongType(), required=True),
    NestedField(2, "name", StringType(), required=False),
    NestedField(3, "amount", DoubleType(), required=False),
    NestedField(4, "day", DateType(), required=False),
    NestedField(5, "ts", TimestampType(), required=False),
    NestedField(6, "ts_tz", TimestamptzType(), required=False),
    NestedField(7, "price", DecimalType(10, 2), required=False),
    NestedField(8, "payload", BinaryType(), required=False),
    NestedField(9, "flag", BooleanType(), required=False),
    NestedField(10, "n32", IntegerType(), required=False),
    NestedField(11, "f32", FloatType(), required=False),
    NestedField(12, "tags", ListType(15, StringType(), element_required=False), required=False),
    NestedField(13, "point", StructType(
        NestedField(16, "px", LongType(), required=False),
        NestedField(17, "py", StringType(), required=False)), required=False),
    NestedField(14, "attrs", MapType(18, StringType(), 19, LongType(), value_required=False),
                required=False),
)  # ids as create_table assigns them (top level first), so they survive it
UTC = dt.timezone.utc


def _row(i, **over):
    r = dict(id=i, name=f"row {i} \u00e9", amount=i * 1.25, day=dt.date(2024, 1, 1) + dt.timedelta(days=i),
             ts=dt.datetime(2024, 1, 1, 12, 0, 0, 1000 + i), ts_tz=dt.datetime(2024, 6, 1, 8, 30, i, 250000, tzinfo=UTC),
             price=D.Decimal(f"{i}.{i % 100:02d}"), payload=bytes([i % 256, 0, 255]), flag=i % 2 == 0,
             n32=-i, f32=0.5 * i, tags=[f"t{i}", None], point={"px": i, "py": str(i)}, attrs=[("a", i), ("b", None)])
    r.update(over)
    return r


BATCH1 = [_row(1), _row(2, name=None, amount=None, day=None, ts=None, ts_tz=None, price=None, payload=None,
                        flag=None, n32=None, f32=None, tags=None, point=None, attrs=None)]
BATCH2 = [_row(3), _row(4, ts=dt.datetime(1969, 12, 31, 23, 59, 58), day=dt.date(1900, 1, 1),
                        price=D.Decimal("-99999999.99"), tags=[], attrs=[])]


def _path(uri):
    return urlparse(uri).path if uri.startswith("file:") else uri


@pytest.fixture(scope="module")
def catalog(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("iceberg")
    cat = SqlCatalog("floe_readers", uri=f"sqlite:///{tmp}/catalog.db", warehouse=f"file://{tmp}/warehouse")
    cat.create_namespace("floe")
    return cat


@pytest.fixture(scope="module")
def parquet_table(catalog):
    arrow_schema = schema_to_pyarrow(SCHEMA)
    tbl = catalog.create_table("floe.smoke", schema=SCHEMA, properties={"format-version": "2"})
    assert tbl.schema() == SCHEMA
    tbl.append(pa.Table.from_pylist(BATCH1, schema=arrow_schema))
    first = tbl.current_snapshot().snapshot_id
    tbl.append(pa.Table.from_pylist(BATCH2, schema=arrow_schema))
    tbl = catalog.load_table("floe.smoke")
    return tbl, first, arrow_schema


def _expected(rows, arrow_schema):
    return sort_rows(arrow_rows(pa.Table.from_pylist(rows, schema=arrow_schema)))


def test_java_reads_pyiceberg_table(parquet_table):
    tbl, _, arrow_schema = parquet_table
    rows, err = verifier("iceberg-read", _path(tbl.metadata_location))
    assert sort_rows(rows) == _expected(BATCH1 + BATCH2, arrow_schema), err


def test_java_reads_table_dir_and_old_snapshot(parquet_table):
    tbl, first, arrow_schema = parquet_table
    rows, _ = verifier("iceberg-read", _path(tbl.location()))  # newest 0000N-*.metadata.json
    assert sort_rows(rows) == _expected(BATCH1 + BATCH2, arrow_schema)
    rows, _ = verifier("iceberg-read", _path(tbl.metadata_location), "--snapshot", first)
    assert sort_rows(rows) == _expected(BATCH1, arrow_schema)


def test_java_schema(parquet_table):
    tbl, first, _ = parquet_table
    (info,), _ = verifier("iceberg-schema", _path(tbl.metadata_location))
    assert info["format_version"] == 2
    assert info["table_uuid"] == str(tbl.metadata.table_uuid)
    fields = {f["id"]: f for f in info["schema"]["fields"]}
    for f in SCHEMA.fields:
        j = fields[f.field_id]
        assert (j["name"], j["required"]) == (f.name, f.required)
    assert fields[1]["type"] == "long"
    assert fields[6]["type"] == "timestamptz"
    assert fields[7]["type"] == "decimal(10, 2)"
    assert fields[12]["type"] == {"type": "list", "element-id": 15, "element": "string", "element-required": False}
    assert [f["id"] for f in fields[13]["type"]["fields"]] == [16, 17]
    assert fields[14]["type"]["key-id"] == 18 and fields[14]["type"]["value-id"] == 19
    snaps = info["snapshots"]
    assert [s["snapshot_id"] for s in snaps] == [s.snapshot_id for s in tbl.snapshots()]
    assert snaps[0]["snapshot_id"] == first and snaps[1]["parent_id"] == first
    assert [s["operation"] for s in snaps] == ["append", "append"]
    assert info["current_snapshot_id"] == tbl.current_snapshot().snapshot_id
    assert snaps[1]["summary"]["total-records"] == "4"


def test_pyiceberg_static_table(parquet_table):
    tbl, _, arrow_schema = parquet_table
    static = StaticTable.from_metadata(tbl.metadata_location)
    got = static.scan().to_arrow()
    assert sort_rows(arrow_rows(got)) == _expected(BATCH1 + BATCH2, arrow_schema)


def _orc_field(nf):
    """Arrow field for an Iceberg field, with the ORC type attributes Iceberg uses
    (iceberg.id, iceberg.required) on every nested field too."""
    t = nf.field_type
    if isinstance(t, ListType):
        at = pa.list_(_orc_field(t.element_field))
    elif isinstance(t, MapType):
        at = pa.map_(_orc_field(t.key_field), _orc_field(t.value_field))
    elif isinstance(t, StructType):
        at = pa.struct([_orc_field(c) for c in t.fields])
    else:
        at = schema_to_pyarrow(t)
    md = {b"iceberg.id": str(nf.field_id).encode(), b"iceberg.required": str(nf.required).lower().encode()}
    return pa.field(nf.name, at, nullable=not nf.required, metadata=md)


@pytest.fixture(scope="module")
def orc_table(catalog):
    """A table whose data file is ORC with iceberg.id/iceberg.required type attributes,
    the way floe writes them; pyiceberg (0.12) writes only Parquet, so pyarrow writes
    the file and pyiceberg commits it."""
    tbl = catalog.create_table("floe.smoke_orc", schema=SCHEMA,
                               properties={"format-version": "2", "write.format.default": "orc"})
    assert tbl.schema() == SCHEMA
    orc_schema = pa.schema([_orc_field(f) for f in SCHEMA.fields])
    rows = BATCH1 + BATCH2
    path = os.path.join(_path(tbl.location()), "data", "00000-floe-smoke.orc")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    po.write_table(pa.Table.from_pylist(rows, schema=orc_schema), path, compression="zstd")
    df = DataFile.from_args(content=DataFileContent.DATA, file_path=f"file://{path}", file_format=FileFormat.ORC,
                            partition=Record(), record_count=len(rows), file_size_in_bytes=os.path.getsize(path),
                            spec_id=tbl.metadata.default_spec_id, sort_order_id=None, equality_ids=None,
                            key_metadata=None)
    with tbl.transaction() as tx:
        with tx.update_snapshot().fast_append() as fa:
            fa.append_data_file(df)
    return catalog.load_table("floe.smoke_orc"), schema_to_pyarrow(SCHEMA)


def test_java_reads_orc_table(orc_table):
    tbl, arrow_schema = orc_table
    rows, err = verifier("iceberg-read", _path(tbl.metadata_location))
    assert sort_rows(rows) == _expected(BATCH1 + BATCH2, arrow_schema), err


def test_pyiceberg_reads_orc_table(orc_table):
    tbl, arrow_schema = orc_table
    got = StaticTable.from_metadata(tbl.metadata_location).scan().to_arrow()
    assert sort_rows(arrow_rows(got)) == _expected(BATCH1 + BATCH2, arrow_schema)
