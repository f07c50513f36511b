"""Hand-made Debezium change events (MariaDB connector, JsonConverter) for
the ingest tests: one column list that says, for every MariaDB type, how
Debezium encodes it (Connect schema, JSON value) and what floe must store
(floe's JSON value form, the Iceberg type), rows with ordinary, extreme and
NULL values, and envelope builders for schemas on (JsonConverter
schemas.enable=true: {"schema":..., "payload":...}) and off (bare payload).

The encodings are those of Debezium 3.x with its defaults
(decimal.handling.mode=precise, time.precision.mode=adaptive_time_microseconds,
binary.handling.mode=bytes) and bigint.unsigned.handling.mode=precise, as
tests/ingest/test_debezium.py sees the real connector produce them.
"""

import datetime as dt
import json

from ingest_common import EPOCH_DAY, b64, dec_text, enc_bits, enc_decimal, micros, ts_text, zoned

D = dt.datetime
DEC = "org.apache.kafka.connect.data.Decimal"


def ident(v):
    return v


class Col:
    def __init__(self, name, sql, ctype, lname=None, params=None, enc=ident, canon=ident,
                 ice=None, key=False):
        self.name, self.sql, self.ctype, self.lname, self.params = name, sql, ctype, lname, params
        self.enc, self.canon, self.ice, self.key = enc, canon, ice, key

    def field(self, optional=None):
        f = {"type": self.ctype, "optional": (not self.key) if optional is None else optional}
        if self.lname:
            f["name"] = self.lname
            f["version"] = 1
        if self.params:
            f["parameters"] = dict(self.params)
        f["field"] = self.name
        return f


def dec_col(name, p, s):
    return Col(name, f"DECIMAL({p},{s})", "bytes", DEC,
               {"scale": str(s), "connect.decimal.precision": str(p)},
               enc_decimal(s), lambda v, s=s: dec_text(v, s), f"decimal({p}, {s})")


def ts_ms_col(name, sql):
    return Col(name, sql, "int64", "io.debezium.time.Timestamp", None,
               lambda v: micros(v) // 1000, ts_text, "timestamp")


BYTES = dict(enc=b64, canon=b64, ice="binary")

COLS = [
    Col("id", "INT NOT NULL", "int32", ice="int", key=True),
    Col("region", "VARCHAR(8) NOT NULL", "string", ice="string", key=True),
    Col("ti", "TINYINT", "int8", ice="int"),
    Col("tiu", "TINYINT UNSIGNED", "int16", ice="int"),
    Col("si", "SMALLINT", "int16", ice="int"),
    Col("mi", "MEDIUMINT", "int32", ice="int"),
    Col("i", "INT", "int32", ice="int"),
    Col("iu", "INT UNSIGNED", "int64", ice="long"),
    Col("bi", "BIGINT", "int64", ice="long"),
    # BIGINT UNSIGNED, bigint.unsigned.handling.mode=precise: Decimal(20,0)
    Col("biu", "BIGINT UNSIGNED", "bytes", DEC, {"scale": "0", "connect.decimal.precision": "20"},
        enc_decimal(0), lambda v: dec_text(v, 0), "decimal(20, 0)"),
    dec_col("dec1", 10, 2),
    dec_col("dec2", 38, 10),
    # JsonConverter names Connect FLOAT32/FLOAT64 "float"/"double" in its schemas
    Col("f", "FLOAT", "float", ice="float"),
    Col("d", "DOUBLE", "double", ice="double"),
    Col("b1", "BIT(1)", "boolean", ice="boolean"),
    Col("b12", "BIT(12)", "bytes", "io.debezium.data.Bits", {"length": "12"}, enc_bits(12),
        lambda v: b64(int(v).to_bytes(2, "little")), "binary"),
    Col("ch", "CHAR(4)", "string", ice="string"),
    Col("vc", "VARCHAR(50)", "string", ice="string"),
    Col("tx", "TEXT", "string", ice="string"),
    Col("en", "ENUM('small','medium','large')", "string", "io.debezium.data.Enum",
        {"allowed": "small,medium,large"}, ice="string"),
    Col("st", "SET('x','y','z')", "string", "io.debezium.data.EnumSet", {"allowed": "x,y,z"},
        ice="string"),
    Col("js", "JSON", "string", "io.debezium.data.Json", ice="string"),
    Col("bn", "BINARY(4)", "bytes", **BYTES),
    Col("vb", "VARBINARY(20)", "bytes", **BYTES),
    Col("bl", "BLOB", "bytes", **BYTES),
    Col("dt", "DATE", "int32", "io.debezium.time.Date", None, lambda v: (v - EPOCH_DAY).days,
        lambda v: v.isoformat(), "date"),
    ts_ms_col("dtm", "DATETIME"),
    ts_ms_col("dtm3", "DATETIME(3)"),
    Col("dtm6", "DATETIME(6)", "int64", "io.debezium.time.MicroTimestamp", None, micros, ts_text,
        "timestamp"),
    Col("ts", "TIMESTAMP(6) NULL", "string", "io.debezium.time.ZonedTimestamp", None, zoned,
        ts_text, "timestamp"),
    # TIME(6) as io.debezium.time.MicroTime: microseconds (values here are micros already)
    Col("tm", "TIME(6)", "int64", "io.debezium.time.MicroTime", ice="long"),
    Col("yr", "YEAR", "int32", "io.debezium.time.Year", ice="int"),
]
# decimal.handling.mode=string: the schema says string, so floe keeps a string
DEC_STRING = Col("dec_s", None, "string", ice="string")
FLOAT32 = ["f"]
KEY = ["id", "region"]

ROW1 = dict(
    id=1, region="eu", ti=7, tiu=200, si=-1234, mi=1234567, i=123456789, iu=3000000000,
    bi=1234567890123, biu=18446744073709551615, dec1="12345.67",
    dec2="-1234567890123456789012345678.0123456789", f=1.5, d=3.141592653589793, b1=True,
    b12=0xA01, ch="abcd", vc='tab\there "q" \\ nl\n', tx="héllo wörld ✓ 🐟 ∑", en="medium",
    st="x,z", js='{"a": [1, 2.5, null], "b": "ü"}', bn=b"\x00\x01\xfe\xff",
    vb=b"\x00\t\n\r\"'\\", bl=bytes(range(256)), dt=dt.date(2024, 2, 29),
    dtm=D(2024, 2, 29, 23, 59, 59), dtm3=D(2024, 2, 29, 23, 59, 59, 123000),
    dtm6=D(2024, 2, 29, 23, 59, 59, 123456), ts=D(2024, 2, 29, 12, 0, 0, 500000),
    tm=45296500000, yr=2024, dec_s="123.450")
ROW2 = dict(  # maxima
    id=2, region="us", ti=127, tiu=255, si=32767, mi=8388607, i=2147483647, iu=4294967295,
    bi=9223372036854775807, biu=18446744073709551615, dec1="99999999.99",
    dec2="9999999999999999999999999999.9999999999", f=3.4028234663852886e38,
    d=1.7976931348623157e308, b1=False, b12=4095, ch="", vc="", tx="", en="large", st="",
    js="[]", bn=b"\xff\xff\xff\xff", vb=b"", bl=b"", dt=dt.date(9999, 12, 31),
    # timestamps within pyarrow's nanosecond range (pyiceberg reads ORC through it)
    dtm=D(2262, 4, 11, 23, 47, 16), dtm3=D(2262, 4, 11, 23, 47, 16, 854000),
    dtm6=D(2262, 4, 11, 23, 47, 16, 854775), ts=D(2038, 1, 19, 3, 14, 7, 999999),
    tm=3020399000000, yr=2155, dec_s="-0.001")
ROW3 = dict(  # minima, before 1970
    id=3, region="eu", ti=-128, tiu=0, si=-32768, mi=-8388608, i=-2147483648, iu=0,
    bi=-9223372036854775808, biu=0, dec1="-99999999.99",
    dec2="-9999999999999999999999999999.9999999999", f=-0.25, d=-1e-300, b1=False, b12=0,
    ch="z", vc="ü", tx="x" * 3000, en="small", st="x,y,z", js="null", bn=b"\x00\x00\x00\x00",
    vb=bytes(20), bl=b"\x00", dt=dt.date(1000, 1, 1), dtm=D(1677, 9, 22, 0, 12, 44),
    # (not 1969-12-31T23:59:59.xxx: floe refuses that second, ORC-645)
    dtm3=D(1969, 7, 20, 20, 17, 40, 123000), dtm6=D(1969, 12, 31, 23, 59, 58, 999999),
    ts=D(1970, 1, 1, 0, 0, 1), tm=-3020399000000, yr=1901, dec_s="0")
ROW4 = {c.name: None for c in COLS + [DEC_STRING]}  # every nullable column NULL
ROW4.update(id=4, region="eu")


def with_(row, **kw):
    r = dict(row)
    r.update(kw)
    return r


def canon_row(row, cols):
    """What floe must store for a row (floe's JSON value forms)."""
    return {c.name: None if row.get(c.name) is None else c.canon(row[c.name]) for c in cols}


def dbz_row(row, cols):
    return {c.name: None if row.get(c.name) is None else c.enc(row[c.name]) for c in cols}


class Topic:
    """Builds the messages Debezium's MariaDB connector would send for one
    table: key and value JSON, schemas on or off."""

    def __init__(self, prefix, db, table, cols, schemas=True):
        self.prefix, self.db, self.table, self.cols, self.schemas = prefix, db, table, cols, schemas
        self.name = f"{prefix}.{db}.{table}"
        self.pos = 1000

    def key(self, row):
        payload = {c.name: row[c.name] for c in self.cols if c.key}
        if not self.schemas:
            return payload
        return {"schema": {"type": "struct", "optional": False, "name": f"{self.name}.Key",
                           "fields": [c.field() for c in self.cols if c.key]},
                "payload": payload}

    def value_schema(self):
        row = {"type": "struct", "optional": True, "name": f"{self.name}.Value",
               "fields": [c.field() for c in self.cols]}
        src = {"type": "struct", "optional": False, "name": "io.debezium.connector.mariadb.Source",
               "field": "source",
               "fields": [{"type": "string", "optional": False, "field": f} for f in
                          ("version", "connector", "name")] +
               [{"type": "int64", "optional": False, "field": "ts_ms"},
                {"type": "string", "optional": False, "field": "db"},
                {"type": "string", "optional": True, "field": "table"},
                {"type": "int64", "optional": False, "field": "server_id"},
                {"type": "string", "optional": True, "field": "gtid"},
                {"type": "string", "optional": False, "field": "file"},
                {"type": "int64", "optional": False, "field": "pos"},
                {"type": "int32", "optional": False, "field": "row"}]}
        return {"type": "struct", "optional": False, "name": f"{self.name}.Envelope", "version": 2,
                "fields": [dict(row, field="before"), dict(row, field="after"), src,
                           {"type": "string", "optional": False, "field": "op"},
                           {"type": "int64", "optional": True, "field": "ts_ms"}]}

    def value(self, op, before=None, after=None):
        self.pos += 100
        payload = {
            "before": None if before is None else dbz_row(before, self.cols),
            "after": None if after is None else dbz_row(after, self.cols),
            "source": {"version": "3.2.0.Final", "connector": "mariadb", "name": self.prefix,
                       "ts_ms": 1767225600000, "db": self.db, "table": self.table,
                       "server_id": 1, "gtid": f"0-1-{self.pos}", "file": "mariadb-bin.000001",
                       "pos": self.pos, "row": 0},
            "op": op, "ts_ms": 1767225600123}
        if not self.schemas:
            return payload
        return {"schema": self.value_schema(), "payload": payload}

    # one change as Debezium sends it: a list of (key, value) messages
    def read(self, row):
        return [(self.key(row), self.value("r", after=row))]

    def insert(self, row):
        return [(self.key(row), self.value("c", after=row))]

    def update(self, old, new):
        if any(old[c.name] != new[c.name] for c in self.cols if c.key):
            # a primary-key change: delete + tombstone of the old key, create of the new
            return self.delete(old) + self.insert(new)
        return [(self.key(new), self.value("u", before=old, after=new))]

    def delete(self, row):
        return [(self.key(row), self.value("d", before=row)), (self.key(row), None)]

    def truncate(self):
        return [(None, self.value("t"))]

    def create_table_sql(self):
        cols = ", ".join(f"`{c.name}` {c.sql}" for c in self.cols)
        key = ", ".join(f"`{c.name}`" for c in self.cols if c.key)
        return f"CREATE TABLE `{self.table}` ({cols}, PRIMARY KEY ({key}))"


def dumps(x):
    return json.dumps(x, separators=(",", ":"), ensure_ascii=False)
