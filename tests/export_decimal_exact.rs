//! `export trades` writes money as Decimal128 at the column's largest scale: every value reads
//! back exactly, timestamps are UTC, and the time filter is `since <= ts < until`.

use std::fs::File;

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, TimestampNanosecondType};
use arrow_schema::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use rust_decimal::Decimal;
use tradestore::export::ExportRange;
use tradestore::{NewTrade, Result, Side, Store};

#[test]
fn exported_money_is_exact_and_filtered() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let t0 = 1_704_067_200_000_000_000i64;
    let prices = ["50000.10", "0.000000012345678901", "12345678901234.5"];
    for (i, p) in prices.iter().enumerate() {
        store.save_trade(
            NewTrade::new("BTC-EUR", Side::Buy, Decimal::new(3, 1), p.parse().unwrap())
                .fee(Decimal::new(1, 8))
                .ts(t0 + i as i64 * 1_000_000_000),
        )?;
    }
    let out = dir.path().join("t.parquet");
    let report = store.export_trades(
        &out,
        &ExportRange {
            since: Some(t0),
            until: Some(t0 + 2_000_000_000),
        },
    )?;
    assert_eq!(report.rows, 2);

    let reader = ParquetRecordBatchReaderBuilder::try_new(File::open(&out).unwrap())
        .unwrap()
        .build()
        .unwrap();
    let batches: Vec<_> = reader.map(|b| b.unwrap()).collect();
    let batch = &batches[0];
    let schema = batch.schema();
    assert_eq!(
        schema.field_with_name("price").unwrap().data_type(),
        &DataType::Decimal128(38, 18)
    );
    assert_eq!(
        schema.field_with_name("ts").unwrap().data_type(),
        &DataType::Timestamp(arrow_schema::TimeUnit::Nanosecond, Some("UTC".into()))
    );
    let price = batch.column_by_name("price").unwrap().as_primitive::<Decimal128Type>();
    for (i, want) in prices.iter().take(2).enumerate() {
        let got = Decimal::from_i128_with_scale(price.value(i), 18).normalize();
        assert_eq!(got, want.parse::<Decimal>().unwrap().normalize());
    }
    let ts = batch
        .column_by_name("ts")
        .unwrap()
        .as_primitive::<TimestampNanosecondType>();
    assert_eq!((ts.value(0), ts.value(1), ts.len()), (t0, t0 + 1_000_000_000, 2));
    Ok(())
}
