"""Analyst exports: exact decimals, UTC timestamps, time filters."""
from decimal import Decimal, getcontext

# Exact sums: Python's default 28 significant digits would round realized P&L sums.
getcontext().prec = 100

import pyarrow as pa
import pyarrow.parquet as pq

from conftest import run_json


def all_trades(store):
    out, cursor = [], None
    while True:
        args = ["trades", "list", "--limit", "10000"] + (["--after", cursor] if cursor else [])
        page = run_json(store, *args)
        out += page["trades"]
        cursor = page["next_cursor"]
        if not cursor:
            return out


def test_trade_export_decimals_sum_exactly(store, tmp_path):
    out = tmp_path / "trades.parquet"
    run_json(store, "export", "trades", "--out", out)
    table = pq.read_table(out)
    trades = all_trades(store)
    assert table.num_rows == len(trades) == 900
    assert table.schema.field("ts").type == pa.timestamp("ns", tz="UTC")
    for col in ["qty", "price", "fee", "realized_pnl"]:
        assert pa.types.is_decimal128(table.schema.field(col).type)
        exported = sum(table.column(col).to_pylist(), Decimal(0))
        assert exported == sum((Decimal(t[col]) for t in trades), Decimal(0)), col
    assert pq.ParquetFile(out).metadata.row_group(0).column(0).compression == "SNAPPY"


def test_time_filter_selects_the_range(store, tmp_path):
    trades = all_trades(store)
    since = trades[100]["ts"]
    until = trades[200]["ts"]
    out = tmp_path / "window.parquet"
    run_json(store, "export", "trades", "--out", out, "--since", since, "--until", until)
    want = [t["id"] for t in trades if since <= t["ts"] < until]
    assert sorted(pq.read_table(out).column("id").to_pylist()) == sorted(want)


def test_metrics_pnl_matches_trades(store, tmp_path):
    out = tmp_path / "metrics.parquet"
    run_json(store, "export", "metrics", "--out", out)
    table = pq.read_table(out)
    trades = all_trades(store)
    assert sum(table.column("realized_pnl").to_pylist(), Decimal(0)) == sum(
        (Decimal(t["realized_pnl"]) for t in trades), Decimal(0))
    assert sum(table.column("fees").to_pylist(), Decimal(0)) == sum((Decimal(t["fee"]) for t in trades), Decimal(0))
    assert sum(table.column("trades").to_pylist()) == len(trades)


def test_portfolio_export_reads(store, tmp_path):
    out = tmp_path / "portfolio.parquet"
    report = run_json(store, "export", "portfolio", "--out", out)
    table = pq.read_table(out)
    assert table.num_rows == report["files"][0]["rows"]
    assert pa.types.is_decimal128(table.schema.field("total_value").type)
