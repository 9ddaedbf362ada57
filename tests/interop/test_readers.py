"""pyarrow, polars and DuckDB read the market partitions as they are."""
import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.parquet as pq

from conftest import daily_rows, run_json


def catalog_rows(store):
    return run_json(store, "status")["market"]["rows"]


def test_pyarrow_reads_every_row_tz_aware_and_snappy(store):
    dataset = ds.dataset(store / "market", format="parquet", partitioning="hive")
    table = dataset.to_table()
    assert table.num_rows == catalog_rows(store)
    assert table.schema.field("ts").type == pa.timestamp("ms", tz="UTC")
    for col in ["open", "high", "low", "close", "volume"]:
        assert table.schema.field(col).type == pa.float64()
    for part in run_json(store, "market", "list"):
        meta = pq.ParquetFile(part["path"]).metadata
        assert meta.num_rows == part["rows"]
        for rg in range(meta.num_row_groups):
            for c in range(meta.num_columns):
                assert meta.row_group(rg).column(c).compression == "SNAPPY"
            ts = meta.row_group(rg).column(0).statistics
            assert ts is not None and ts.has_min_max


def test_duckdb_hive_glob_returns_every_row_with_values(store):
    con = duckdb.connect()
    glob = str(store / "market" / "**" / "*.parquet")
    n, = con.execute(f"SELECT count(*) FROM read_parquet('{glob}', hive_partitioning=true)").fetchone()
    assert n == catalog_rows(store)
    types = {r[0]: r[1] for r in con.execute(f"DESCRIBE SELECT * FROM read_parquet('{glob}', hive_partitioning=true)").fetchall()}
    assert types["ts"] == "TIMESTAMP WITH TIME ZONE"
    assert types["open"] == "DOUBLE"
    got = con.execute(
        f"""SELECT epoch_ms(ts), open, high, low, close, volume
            FROM read_parquet('{glob}', hive_partitioning=true)
            WHERE pair = 'XRP-EUR' AND timeframe = '1d' ORDER BY ts"""
    ).fetchall()
    assert [tuple(r) for r in got] == daily_rows()
    pairs = {r[0] for r in con.execute(f"SELECT DISTINCT pair FROM read_parquet('{glob}', hive_partitioning=true)").fetchall()}
    assert pairs == {"BTC-EUR", "ETH-EUR", "SOL-EUR", "XRP-EUR"}


def test_polars_scans_the_glob_tz_aware(store):
    df = pl.read_parquet(str(store / "market" / "**" / "*.parquet"), hive_partitioning=True)
    assert df.height == catalog_rows(store)
    assert df.schema["ts"] == pl.Datetime("ms", "UTC")
    xrp = df.filter(pl.col("pair") == "XRP-EUR").sort("ts")
    assert xrp["close"].to_list() == [r[4] for r in daily_rows()]
