//! `tradestore export trades|portfolio|market|metrics --out PATH`.

use serde_json::json;

use super::Ctx;
use super::args::{ExportArgs, ExportWhat};
use super::output::{human_bytes, print_json};
use crate::export::{ExportRange, ExportReport};
use crate::market::Timeframe;
use crate::market::export::FreqtradeFormat;
use crate::market::normalize_pair;
use crate::timefmt::parse_ts;
use crate::{Error, Result};

pub(crate) fn run(ctx: &Ctx, a: &ExportArgs) -> Result<()> {
    let range = ExportRange {
        since: a.since.as_deref().map(|t| parse_ts("since", t)).transpose()?,
        until: a.until.as_deref().map(|t| parse_ts("until", t)).transpose()?,
    };
    let store = ctx.open_existing()?;
    let files: Vec<ExportReport> = match a.what {
        ExportWhat::Trades => vec![store.export_trades(&a.out, &range)?],
        ExportWhat::Portfolio => vec![store.export_portfolio(&a.out, &range)?],
        ExportWhat::Metrics => vec![store.export_metrics(&a.out, &range)?],
        ExportWhat::Market => {
            let pair = a.pair.as_deref().map(normalize_pair).transpose()?;
            let tf = a.timeframe.as_deref().map(str::parse::<Timeframe>).transpose()?;
            let format: FreqtradeFormat = a.data_format.parse()?;
            let market = store.market();
            let mut out = Vec::new();
            for (p, t) in market.series()? {
                if pair.as_ref().is_some_and(|want| *want != p) || tf.is_some_and(|want| want != t) {
                    continue;
                }
                let file = match a.layout.as_str() {
                    "freqtrade" => market.export_freqtrade(&a.out, &p, t, format, range.since, range.until),
                    "legacy" => market.export_legacy(&a.out, &p, t, range.since, range.until),
                    other => {
                        return Err(Error::validation(
                            "--layout",
                            format!("{other:?} is not freqtrade or legacy"),
                        ));
                    }
                };
                match file {
                    Ok(f) => out.push(ExportReport {
                        path: f.path,
                        rows: f.rows,
                        bytes: f.bytes,
                    }),
                    // A series with no candle in the range is simply not exported.
                    Err(Error::NotFound(_)) => {}
                    Err(e) => return Err(e),
                }
            }
            if out.is_empty() {
                return Err(Error::NotFound("candles matching the export filters".into()));
            }
            out
        }
    };
    if ctx.json {
        let v: Vec<_> = files
            .iter()
            .map(|f| json!({"path": f.path.display().to_string(), "rows": f.rows, "bytes": f.bytes}))
            .collect();
        return print_json(&json!({ "files": v }));
    }
    for f in &files {
        outln!("wrote {} ({} rows, {})", f.path.display(), f.rows, human_bytes(f.bytes));
    }
    Ok(())
}
