"""Builds one store with the tradestore CLI for every interop test to read.

The binary is $TRADESTORE_BIN (set by tests/interop_python.rs), else the debug build in
$CARGO_TARGET_DIR or ./target.
"""
import json
import os
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
T0_MS = 1704067200000  # 2024-01-01T00:00:00Z


def tradestore_bin() -> str:
    if os.environ.get("TRADESTORE_BIN"):
        return os.environ["TRADESTORE_BIN"]
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    return str(target / "debug" / "tradestore")


def run(store, *args, check=True):
    out = subprocess.run(
        [tradestore_bin(), "--store", str(store), *map(str, args)],
        capture_output=True, text=True,
    )
    if check and out.returncode != 0:
        raise AssertionError(f"tradestore {args} failed ({out.returncode}): {out.stderr}")
    return out


def run_json(store, *args):
    return json.loads(run(store, "--json", *args).stdout)


def daily_rows(n=800):
    """Daily candles across three calendar years, with values a test can recompute."""
    rows = []
    for i in range(n):
        o = 100.0 + i * 0.25
        c = o + (0.5 if i % 2 else -0.5)
        rows.append((T0_MS - 400 * 86400000 + i * 86400000, o, max(o, c) + 1.0, min(o, c) - 1.0, c, float(i % 13)))
    return rows


@pytest.fixture(scope="session")
def store(tmp_path_factory):
    d = tmp_path_factory.mktemp("interop") / "store"
    run(d, "demo", "--trades", "900", "--seed", "7")
    csv = d.parent / "XRP_EUR-1d.csv"
    with open(csv, "w") as f:
        f.write("date,open,high,low,close,volume\n")
        for ts, o, h, l, c, v in daily_rows():
            f.write(f"{ts},{o!r},{h!r},{l!r},{c!r},{v!r}\n")
    run(d, "market", "import", csv, "--pair", "XRP/EUR", "--timeframe", "1d")
    return d
