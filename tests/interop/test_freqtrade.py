"""freqtrade's files: ours load the way freqtrade loads them, and theirs import."""
import json
import re

import pandas as pd

from conftest import T0_MS, run, run_json

COLUMNS = ["date", "open", "high", "low", "close", "volume"]


def load_like_freqtrade(path, fmt):
    """freqtrade's datahandlers: read, name the columns, floats, dates from epoch ms in UTC."""
    if fmt == "json":
        df = pd.read_json(path, orient="values")
    elif fmt == "feather":
        df = pd.read_feather(path)
    else:
        df = pd.read_parquet(path)
    df.columns = COLUMNS
    df = df.astype(dtype={"open": "float", "high": "float", "low": "float", "close": "float", "volume": "float"})
    df["date"] = pd.to_datetime(df["date"], unit="ms", utc=True)
    return df


def query(store, pair, tf):
    return run_json(store, "market", "query", "--pair", pair, "--timeframe", tf)


def test_exported_files_load_like_freqtrade(store, tmp_path):
    want = query(store, "BTC-EUR", "1h")
    for fmt in ["feather", "json", "parquet"]:
        out = tmp_path / fmt
        run_json(store, "export", "market", "--out", out, "--pair", "BTC-EUR", "--timeframe", "1h",
                 "--data-format", fmt)
        path = out / f"BTC_EUR-1h.{fmt}"
        df = load_like_freqtrade(path, fmt)
        assert isinstance(df["date"].dtype, pd.DatetimeTZDtype) and str(df["date"].dt.tz) == "UTC", fmt
        assert len(df) == len(want)
        assert df["close"].tolist() == [c["close"] for c in want], fmt
        first = pd.Timestamp(want[0]["ts"])
        assert df["date"].iloc[0] == first, fmt


def test_freqtrade_files_import(tmp_path):
    store = tmp_path / "s"
    rows = [[T0_MS + i * 300000, 10.0 + i, 12.0 + i, 9.0 + i, 11.0 + i, 5.5] for i in range(500)]
    (tmp_path / "ETH_EUR-5m.json").write_text(json.dumps(rows))
    df = pd.DataFrame(rows, columns=COLUMNS)
    df["date"] = pd.to_datetime(df["date"], unit="ms", utc=True)
    df.to_feather(tmp_path / "SOL_EUR-5m.feather", compression="lz4")
    df.to_parquet(tmp_path / "ADA_EUR-5m.parquet")
    for name in ["ETH_EUR-5m.json", "SOL_EUR-5m.feather", "ADA_EUR-5m.parquet"]:
        report = run_json(store, "market", "import", tmp_path / name)
        assert report["imported"] == 500, name
    for pair in ["ETH-EUR", "SOL-EUR", "ADA-EUR"]:
        got = query(store, pair, "5m")
        assert [c["close"] for c in got] == [r[4] for r in rows], pair


def test_legacy_single_file(store, tmp_path):
    run_json(store, "export", "market", "--out", tmp_path, "--pair", "XRP-EUR", "--layout", "legacy")
    (path,) = list(tmp_path.glob("*.parquet"))
    assert re.fullmatch(r"XRP-EUR_day_\d+d\.parquet", path.name)
    df = pd.read_parquet(path)
    assert len(df) == 800 and str(df["ts"].dtype).endswith("UTC]")
    other = tmp_path / "other"
    report = run_json(other, "market", "import", path)
    assert (report["pair"], report["timeframe"], report["imported"]) == ("XRP-EUR", "1d", 800)


def test_bad_row_refuses_file_naming_line_and_rule(tmp_path):
    store = tmp_path / "s"
    csv = tmp_path / "bad.csv"
    csv.write_text("ts,open,high,low,close,volume\n"
                   f"{T0_MS},1,2,0.5,1.5,3\n"
                   f"{T0_MS + 3600000},1,1.2,0.5,1.5,3\n")
    out = run(store, "market", "import", csv, "--pair", "BTC-EUR", "--timeframe", "1h", check=False)
    assert out.returncode == 1
    assert "line 3" in out.stderr and "high >= max(open, close)" in out.stderr
