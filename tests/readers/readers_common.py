"""Helpers shared by the reference-reader smoke tests.

Every reader's output is brought to one canonical form so they can be
compared with plain ==:  integers and floats as Python numbers, decimals as
strings with the type's scale, strings as str, binary as base64 text, dates
as YYYY-MM-DD, timestamps as YYYY-MM-DDTHH:MM:SS.ffffff (UTC, "+00:00"
appended for timestamps with time zone), lists as lists, structs and
string-keyed maps as dicts, null as None. This is also the form that the
Java verifier (tests/readers/verifier) prints.
"""

import base64
import datetime
import decimal
import json
import struct
import subprocess
from pathlib import Path

HERE = Path(__file__).resolve().parent
VERIFIER = str(HERE / "verifier")
ORC_TOOLS = str(HERE / "orc-tools")


def canon(v, scale=None):
    """Canonical form of one Python value (as pyarrow/pyorc/pyiceberg give it)."""
    if v is None:
        return None
    if isinstance(v, bool):
        return v
    if isinstance(v, (int, float, str)):
        return v
    if isinstance(v, decimal.Decimal):
        if scale is not None:
            with decimal.localcontext() as ctx:
                ctx.prec = 100  # decimal(38, s) needs more than the default 28 digits
                v = v.quantize(decimal.Decimal(1).scaleb(-scale))
        return format(v, "f")
    if isinstance(v, (bytes, bytearray, memoryview)):
        return base64.b64encode(bytes(v)).decode("ascii")
    if isinstance(v, datetime.datetime):
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
            return v.strftime("%Y-%m-%dT%H:%M:%S.%f") + "+00:00"
        return v.strftime("%Y-%m-%dT%H:%M:%S.%f")
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, datetime.time):
        return v.strftime("%H:%M:%S.%f")
    if isinstance(v, dict):
        return {k: canon(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        # pyarrow gives maps as lists of (key, value) tuples
        if v and all(isinstance(e, tuple) and len(e) == 2 and isinstance(e[0], str) for e in v):
            return {k: canon(x) for k, x in v}
        return [canon(x) for x in v]
    raise TypeError(f"no canonical form for {type(v).__name__}: {v!r}")


def canon_typed(v, t):
    """Canonical form of a value of Arrow type t, from any reader's form of it:
    Python objects (pyarrow, pyorc, pyiceberg) or JSON (orc-tools `data`:
    timestamps with a space and trimmed fraction, binary as a list of byte
    values, maps as [{"_key":..,"_value":..}])."""
    import pyarrow as pa

    if v is None:
        return None
    if pa.types.is_timestamp(t):
        if isinstance(v, str):
            v = datetime.datetime.fromisoformat(v.replace(" ", "T"))
        if v.tzinfo is not None:
            v = v.astimezone(datetime.timezone.utc).replace(tzinfo=None)
        s = v.strftime("%Y-%m-%dT%H:%M:%S.%f")
        return s + "+00:00" if t.tz is not None else s
    if pa.types.is_date(t):
        return v if isinstance(v, str) else v.isoformat()
    if pa.types.is_decimal(t):
        return canon(decimal.Decimal(str(v)), t.scale)
    if pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_fixed_size_binary(t):
        if isinstance(v, list):
            v = bytes(b & 0xFF for b in v)
        return canon(v)
    if pa.types.is_float32(t):
        return struct.unpack("<f", struct.pack("<f", float(v)))[0]
    if pa.types.is_floating(t):
        return float(v)
    if pa.types.is_map(t):
        if isinstance(v, dict):
            items = list(v.items())
        elif v and isinstance(v[0], dict):
            items = [(e.get("_key", e.get("key")), e.get("_value", e.get("value"))) for e in v]
        else:
            items = list(v)
        kt, vt = t.key_type, t.item_type
        if pa.types.is_string(kt) or pa.types.is_large_string(kt):
            return {k: canon_typed(x, vt) for k, x in items}
        return [{"key": canon_typed(k, kt), "value": canon_typed(x, vt)} for k, x in items]
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return [canon_typed(x, t.value_type) for x in v]
    if pa.types.is_struct(t):
        return {f.name: canon_typed(v.get(f.name), f.type) for f in t}
    return canon(v)


def typed_rows(rows, schema):
    """Canonical form of row dicts, typed by an Arrow schema."""
    return [{f.name: canon_typed(r.get(f.name), f.type) for f in schema} for r in rows]


def arrow_rows(table):
    """Canonical rows of a pyarrow Table."""
    return typed_rows(table.to_pylist(), table.schema)


def run(cmd, **kw):
    """Run a reader, fail with its stderr if it fails."""
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode != 0:
        raise AssertionError(f"{cmd} exited {p.returncode}\nstdout:\n{p.stdout[-4000:]}\nstderr:\n{p.stderr[-4000:]}")
    return p


def json_lines(text, exact=False):
    """JSON lines; with exact=True non-integer numbers come back as Decimal."""
    kw = {"parse_float": decimal.Decimal} if exact else {}
    # orc-tools also prints banners ("Processing data file ...", "____") on stdout
    return [json.loads(line, **kw) for line in text.splitlines() if line.startswith(("{", "["))]


def verifier(*args):
    """Run the Java verifier; returns (stdout JSON lines, stderr text)."""
    p = run([VERIFIER, *map(str, args)])
    return json_lines(p.stdout), p.stderr


def orc_tools(*args):
    return run([ORC_TOOLS, *map(str, args)])


def stderr_json(stderr):
    """The JSON line(s) that `verifier orc-read` writes on stderr."""
    return [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]


def sort_rows(rows, key="id"):
    return sorted(rows, key=lambda r: (r[key] is None, r[key]))

