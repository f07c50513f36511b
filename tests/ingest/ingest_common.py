"""Helpers for the ingest service tests (tests/ingest): the test services
(scripts/services; their KEY=value settings in $FLOE_KAFKA_ENV and
$FLOE_MARIADB_ENV), kcat, `floe ingest`/`floe scan`, pyiceberg, and
Debezium's JSON encodings of MariaDB values.

Rows are compared in floe's JSON value forms (`floe orc --help`), which is
also the canonical form of tests/readers/readers_common.py: integers as
numbers, decimals as strings with the column's scale, binary as base64,
dates "YYYY-MM-DD", timestamps "YYYY-MM-DDTHH:MM:SS.ffffff" (UTC).
"""

import base64
import datetime as dt
import decimal
import json
import logging
import os
import struct
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests" / "readers"))

from readers_common import arrow_rows  # noqa: E402

FLOE = os.environ.get("FLOE_BIN") or str(ROOT / "build" / "cli" / "floe")
SERVICES = str(ROOT / "scripts" / "services")
# unique per run: the fixtures' broker and MariaDB live as long as the build dir
RUN = f"{int(time.time()) % 100000000:08d}{os.getpid() % 1000:03d}"
EPOCH = dt.datetime(1970, 1, 1)
EPOCH_DAY = dt.date(1970, 1, 1)
# pyiceberg warns on every ORC file that its timestamp[ns] is read as us
logging.getLogger("pyiceberg.io.pyarrow").setLevel(logging.ERROR)


# ---------------------------------------------------------------- services


def read_env(path):
    env = {}
    for line in Path(path).read_text().splitlines():
        if "=" in line and not line.startswith("#"):
            k, v = line.split("=", 1)
            env[k.strip()] = v.strip()
    return env


def kafka_env():
    path = os.environ.get("FLOE_KAFKA_ENV") or str(ROOT / "build" / "services" / "kafka" / "env")
    return read_env(path)


def mariadb_env():
    path = os.environ.get("FLOE_MARIADB_ENV") or str(ROOT / "build" / "services" / "mariadb" / "env")
    return read_env(path)


def bootstrap():
    return kafka_env()["KAFKA_BOOTSTRAP"]


def run(cmd, ok=True, **kw):
    kw.setdefault("capture_output", True)
    kw.setdefault("text", True)
    p = subprocess.run([str(c) for c in cmd], **kw)
    if ok and p.returncode != 0:
        raise AssertionError(f"{' '.join(map(str, cmd))} exited {p.returncode}\n"
                             f"stdout:\n{str(p.stdout)[-3000:]}\nstderr:\n{str(p.stderr)[-3000:]}")
    return p


def create_topics(*specs):
    """Create topics ("name" or ("name", partitions)); the broker makes none itself."""
    kdir = Path(os.environ.get("FLOE_KAFKA_ENV") or ROOT / "build" / "services" / "kafka" / "env").parent
    for s in specs:
        name, parts = (s, 1) if isinstance(s, str) else s
        run([SERVICES, "topic", "kafka", name, parts, "--dir", kdir])


def _text(x):
    if x is None:
        return ""
    s = x if isinstance(x, str) else json.dumps(x, separators=(",", ":"), ensure_ascii=False)
    assert "\t" not in s and "\n" not in s and s, f"cannot send {s!r} through kcat -K '\\t'"
    return s


def produce(topic, messages, partition=None):
    """Send (key, value) pairs in order (str, or JSON-able; None = null: a
    None value is a tombstone) with kcat, one partition at a time."""
    data = "".join(f"{_text(k)}\t{_text(v)}\n" for k, v in messages)
    cmd = ["kcat", "-P", "-b", bootstrap(), "-t", topic, "-K", "\t", "-Z",
           "-X", "enable.idempotence=true"]
    if partition is not None:
        cmd += ["-p", str(partition)]
    run(cmd, input=data.encode(), text=False)


def consume(topic):
    """All messages of a topic: dicts with partition, offset, key, payload
    (str or None) and headers (a dict)."""
    p = run(["kcat", "-C", "-b", bootstrap(), "-t", topic, "-o", "beginning", "-e", "-q", "-J"])
    out = []
    for line in p.stdout.splitlines():
        m = json.loads(line)
        h = m.get("headers") or []
        m["headers"] = dict(zip(h[0::2], h[1::2])) if isinstance(h, list) else h
        out.append(m)
    return out


def end_offsets(topic, partitions=1):
    out = []
    for p in range(partitions):
        r = run(["kcat", "-Q", "-b", bootstrap(), "-t", f"{topic}:{p}:-1"])
        out.append(int(r.stdout.split()[-1]))
    return out


def mariadb(sql, user="admin", database=None):
    """Run SQL (one or more statements) with the mariadb client as the admin
    or the cdc user; rows as lists of str (None for NULL) from the batch
    output, so select binary and text columns as HEX()."""
    env = mariadb_env()
    u, pw = ((env["MARIADB_USER"], env["MARIADB_PASSWORD"]) if user == "admin"
             else (env["MARIADB_CDC_USER"], env["MARIADB_CDC_PASSWORD"]))
    cmd = ["mariadb", "--no-defaults", "-h", env["MARIADB_HOST"], "-P", env["MARIADB_PORT"],
           "-u", u, "--batch", "--skip-column-names", "--default-character-set=utf8mb4",
           database or env["MARIADB_DATABASE"]]
    p = run(cmd, env=dict(os.environ, MYSQL_PWD=pw), input=sql)
    return [[None if c == "NULL" else c for c in line.split("\t")]
            for line in p.stdout.splitlines()]


def mariadb_config(user="cdc"):
    """mariadb.* ingest config keys for the test MariaDB."""
    env = mariadb_env()
    u, pw = ((env["MARIADB_USER"], env["MARIADB_PASSWORD"]) if user == "admin"
             else (env["MARIADB_CDC_USER"], env["MARIADB_CDC_PASSWORD"]))
    return {"mariadb.host": env["MARIADB_HOST"], "mariadb.port": env["MARIADB_PORT"],
            "mariadb.user": u, "mariadb.password": pw}


# ---------------------------------------------------------------- floe


def ingest_config(path, warehouse, topics, database="wiki", extra=None, **kw):
    keys = {"warehouse": warehouse, "database": database} | ({"topics": topics} if topics else {})
    group = f"floe-test-{RUN}-{Path(path).parent.name}"
    keys |= {"kafka.bootstrap.servers": bootstrap(), "kafka.group.id": group,
            "commit.interval.ms": "1000", "iceberg.interval.ms": "0", "stats.interval.ms": "5000"}
    keys.update(extra or {})
    keys.update(kw)
    Path(path).write_text("".join(f"{k}={v}\n" for k, v in keys.items()))
    return path


def ingest(config, until=True, ok=True, timeout=600, log_level="info"):
    cmd = [FLOE, "ingest", "--config", config] + (["--until-caught-up"] if until else [])
    return run(cmd, ok=ok, timeout=timeout, env=dict(os.environ, FLOE_LOG_LEVEL=log_level))


def floe(*args, ok=True):
    return run([FLOE, *args], ok=ok, env=dict(os.environ, FLOE_LOG_LEVEL="warn"))


def scan(warehouse, table):
    p = floe("scan", "--warehouse", warehouse, table)
    return [json.loads(line) for line in p.stdout.splitlines() if line.strip()]


def metadata_files(warehouse, db, table):
    d = Path(warehouse) / f"{db}.db" / table / "metadata"
    return sorted(d.glob("v*.metadata.json"), key=lambda p: int(p.name[1:].split(".")[0]))


def iceberg_table(warehouse, db, table):
    from pyiceberg.table import StaticTable

    files = metadata_files(warehouse, db, table)
    assert files, f"no Iceberg metadata for {db}.{table} in {warehouse}"
    return StaticTable.from_metadata(str(files[-1]))


def iceberg_rows(warehouse, db, table):
    """Rows of the newest Iceberg metadata, read by pyiceberg, canonical."""
    return arrow_rows(iceberg_table(warehouse, db, table).scan().to_arrow())


def iceberg_types(warehouse, db, table):
    return {f.name: str(f.field_type) for f in iceberg_table(warehouse, db, table).schema().fields}


def sort_rows(rows, key):
    return sorted(rows, key=lambda r: tuple(r[k] for k in key))


def f32(x):
    return struct.unpack("<f", struct.pack("<f", float(x)))[0]


def norm(rows, float32_cols=()):
    """Rows with float32 columns rounded to float32 (floe prints the shortest
    float32 text, readers give the double it widens to)."""
    out = []
    for r in rows:
        r = dict(r)
        for c in float32_cols:
            if r.get(c) is not None and not isinstance(r[c], str):
                r[c] = f32(r[c])
        out.append(r)
    return out


def assert_rows(actual, expected, what, key):
    a, e = sort_rows(actual, key), sort_rows(expected, key)
    if a == e:
        return
    ka = {tuple(r[k] for k in key): r for r in a}
    ke = {tuple(r[k] for k in key): r for r in e}
    lines = [f"{what}: {len(a)} rows, expected {len(e)}"]
    for k in sorted(set(ka) | set(ke), key=str):
        if ka.get(k) != ke.get(k):
            if k not in ka:
                lines.append(f"  missing {k}: {ke[k]}")
            elif k not in ke:
                lines.append(f"  unexpected {k}: {ka[k]}")
            else:
                diff = {c: (ka[k].get(c), ke[k].get(c)) for c in set(ka[k]) | set(ke[k])
                        if ka[k].get(c) != ke[k].get(c)}
                lines.append(f"  {k}: (actual, expected) {diff}")
        if len(lines) > 30:
            lines.append("  ...")
            break
    raise AssertionError("\n".join(lines))


# ---------------------------------------------------------------- Debezium encodings


def b64(b):
    return base64.b64encode(bytes(b)).decode("ascii")


def twos(n):
    """BigInteger.toByteArray(): minimal big-endian two's complement."""
    return n.to_bytes((n.bit_length() + 8) // 8, "big", signed=True)


def enc_decimal(scale):
    """org.apache.kafka.connect.data.Decimal: base64 of the unscaled value."""
    def enc(v):
        with decimal.localcontext() as c:
            c.prec = 100
            return b64(twos(int(decimal.Decimal(v).scaleb(scale))))
    return enc


def dec_text(v, scale):
    with decimal.localcontext() as c:
        c.prec = 100
        return format(decimal.Decimal(v).quantize(decimal.Decimal(1).scaleb(-scale)), "f")


def enc_bits(nbits):
    """io.debezium.data.Bits: little-endian bytes, ceil(nbits/8) of them."""
    return lambda v: b64(int(v).to_bytes((nbits + 7) // 8, "little"))


def micros(t):
    d = t - EPOCH
    return (d.days * 86400 + d.seconds) * 1000000 + d.microseconds


def ts_text(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S.%f").rjust(26, "0")


def zoned(t):
    """io.debezium.time.ZonedTimestamp text of a naive UTC datetime."""
    s = t.strftime("%Y-%m-%dT%H:%M:%S")
    if t.microsecond:
        s += (".%06d" % t.microsecond).rstrip("0")
    return s.rjust(19, "0") + "Z"
