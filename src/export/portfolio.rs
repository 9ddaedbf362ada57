//! `export portfolio`: one row per portfolio snapshot, in time order.

use std::sync::Arc;

use arrow_array::{RecordBatch, StringArray, TimestampNanosecondArray, UInt32Array};
use arrow_schema::{DataType, Field, Schema, TimeUnit};

use super::decimal::{self, scale_for};
use super::{ExportRange, ExportReport, ExportSink};
use crate::{Error, Result, Store};

impl Store {
    /// Writes every portfolio snapshot with `since <= ts < until` to the Parquet file `out`.
    ///
    /// Columns: `ts` (UTC), `total_value` (Decimal128), `snapshot_type`, `session_id`,
    /// `positions` and `balances` (count and JSON text with decimal strings).
    ///
    /// # Errors
    /// [`Error::Io`] if the file cannot be written; [`Error::Corruption`] for a bad record.
    pub fn export_portfolio(&self, out: &std::path::Path, range: &ExportRange) -> Result<ExportReport> {
        let snaps = self.portfolio_history(range.since, range.until)?;
        let scale = scale_for(snaps.iter().map(|s| s.total_value));
        let schema = Arc::new(Schema::new(vec![
            Field::new(
                "ts",
                DataType::Timestamp(TimeUnit::Nanosecond, Some("UTC".into())),
                false,
            ),
            decimal::field("total_value", scale, false),
            Field::new("snapshot_type", DataType::Utf8, false),
            Field::new("session_id", DataType::Utf8, false),
            Field::new("n_positions", DataType::UInt32, false),
            Field::new("positions", DataType::Utf8, false),
            Field::new("balances", DataType::Utf8, false),
        ]));
        let json = |v: &[crate::Holding]| serde_json::to_string(v).unwrap_or_default();
        let batch = RecordBatch::try_new(
            schema.clone(),
            vec![
                Arc::new(TimestampNanosecondArray::from_iter_values(snaps.iter().map(|s| s.ts)).with_timezone("UTC")),
                decimal::column(
                    "total_value",
                    &snaps.iter().map(|s| s.total_value).collect::<Vec<_>>(),
                    scale,
                )?,
                Arc::new(StringArray::from_iter_values(
                    snaps.iter().map(|s| s.snapshot_type.as_str()),
                )),
                Arc::new(StringArray::from_iter_values(
                    snaps.iter().map(|s| s.session_id.as_str()),
                )),
                Arc::new(UInt32Array::from_iter_values(
                    snaps
                        .iter()
                        .map(|s| u32::try_from(s.positions.len()).unwrap_or(u32::MAX)),
                )),
                Arc::new(StringArray::from_iter_values(snaps.iter().map(|s| json(&s.positions)))),
                Arc::new(StringArray::from_iter_values(snaps.iter().map(|s| json(&s.balances)))),
            ],
        )
        .map_err(|e| Error::validation("export", e.to_string()))?;
        let mut sink = ExportSink::new(out, schema)?;
        sink.write(&batch)?;
        sink.finish()
    }
}
