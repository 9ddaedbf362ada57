//! Tick files in: CSV with a header `ts`, `price`, `amount`, `side`, `trade_id` (freqtrade's
//! trades export names: `timestamp`, `id`, `price`, `amount`, `side` are accepted too).

use std::path::Path;

use super::import::{ImportReport, Parsed, parse_csv_rows, screen};
use super::schema::Tick;
use super::validate::check_tick;
use super::{Market, normalize_pair};
use crate::{Error, Result};

/// Parses a tick CSV file.
///
/// # Errors
/// [`Error::Validation`] if the header lacks a column; [`Error::Io`].
pub fn parse_ticks_csv(path: &Path) -> Result<Parsed<Tick>> {
    parse_csv_rows(
        path,
        &[
            &["ts", "timestamp", "date", "time"],
            &["price"],
            &["amount", "qty", "quantity"],
            &["side"],
            &["trade_id", "id"],
        ],
        |r| {
            Ok(Tick {
                ts: r.ts(0)?,
                price: r.num(1, "price")?,
                amount: r.num(2, "amount")?,
                side: r.text(3).parse().map_err(|e: Error| e.to_string())?,
                trade_id: r.text(4).to_owned(),
            })
        },
    )
}

impl Market<'_> {
    /// Imports a tick CSV file for `pair`; bad rows as in [`Market::import_file`].
    ///
    /// # Errors
    /// [`Error::Validation`] naming the file, the line and the rule; as [`Market::write_ticks`].
    pub fn import_ticks_file(&self, path: &Path, pair: &str, skip_bad: bool) -> Result<ImportReport> {
        let pair = normalize_pair(pair)?;
        let (good, skipped) = screen(path, "line", parse_ticks_csv(path)?, check_tick, skip_bad)?;
        let write = self.write_ticks(&pair, &good)?;
        Ok(ImportReport {
            pair,
            timeframe: super::layout::TICKS.into(),
            imported: good.len() as u64,
            skipped,
            write,
        })
    }
}
