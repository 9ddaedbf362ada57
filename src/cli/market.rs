//! `tradestore market import|query|list`.

use std::io::Write;

use serde_json::json;

use super::Ctx;
use super::args::{MarketCmd, MarketImportArgs, MarketQueryArgs};
use super::output::{human_bytes, print_json, print_table};
use crate::market::import::{Format, ImportReport, guess_from_name};
use crate::market::layout::TICKS;
use crate::market::{BatchReader, Candle, MarketRow, Tick, Timeframe};
use crate::timefmt::{format_ts, parse_ts};
use crate::{Error, Result};

pub(crate) fn run(ctx: &Ctx, cmd: MarketCmd) -> Result<()> {
    match cmd {
        MarketCmd::Import(a) => import(ctx, &a),
        MarketCmd::Query(a) => query(ctx, &a),
        MarketCmd::List => list(ctx),
    }
}

fn import(ctx: &Ctx, a: &MarketImportArgs) -> Result<()> {
    if a.timeframe.as_deref() == Some(TICKS) {
        let pair = a
            .pair
            .as_deref()
            .ok_or_else(|| Error::validation("--pair", "required for ticks"))?;
        let report = ctx
            .open_or_create()?
            .market()
            .import_ticks_file(&a.file, pair, a.skip_bad)?;
        return print_import(ctx, a, &report);
    }
    let guess = guess_from_name(&a.file);
    let pair = match (&a.pair, &guess) {
        (Some(p), _) => p.clone(),
        (None, Some((p, _))) => p.clone(),
        (None, None) => {
            return Err(Error::validation(
                "--pair",
                "required: the file name does not name the pair",
            ));
        }
    };
    let timeframe: Timeframe = match (&a.timeframe, &guess) {
        (Some(t), _) => t.parse()?,
        (None, Some((_, t))) => *t,
        (None, None) => {
            return Err(Error::validation(
                "--timeframe",
                "required: the file name does not name the timeframe",
            ));
        }
    };
    let format = match &a.format {
        Some(f) => f.parse()?,
        None => Format::from_path(&a.file).ok_or_else(|| {
            Error::validation(
                "--format",
                "required: the extension is not .csv, .json, .feather or .parquet",
            )
        })?,
    };
    let store = ctx.open_or_create()?;
    let bar = ctx.progress().then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_message(format!("importing {}", a.file.display()));
        b.enable_steady_tick(std::time::Duration::from_millis(100));
        b
    });
    let report = store
        .market()
        .import_file(&a.file, &pair, timeframe, format, a.skip_bad)?;
    if let Some(b) = bar {
        b.finish_and_clear();
    }
    print_import(ctx, a, &report)
}

fn print_import(ctx: &Ctx, a: &MarketImportArgs, report: &ImportReport) -> Result<()> {
    if ctx.json {
        return print_json(&json!({
            "pair": report.pair,
            "timeframe": report.timeframe,
            "imported": report.imported,
            "partitions_written": report.write.partitions_written,
            "partitions_unchanged": report.write.partitions_unchanged,
            "skipped": report.skipped,
        }));
    }
    outln!(
        "imported {} rows of {} {} from {} ({} partitions written, {} unchanged)",
        report.imported,
        report.pair,
        report.timeframe,
        a.file.display(),
        report.write.partitions_written,
        report.write.partitions_unchanged
    );
    if !report.skipped.is_empty() {
        outln!("skipped {} bad rows:", report.skipped.len());
        for s in &report.skipped {
            outln!("  line {}: breaks `{}` ({})", s.line, s.rule.text(), s.detail);
        }
    }
    Ok(())
}

fn query(ctx: &Ctx, a: &MarketQueryArgs) -> Result<()> {
    let from = a.from.as_deref().map(|t| parse_ts("from", t)).transpose()?;
    let to = a.to.as_deref().map(|t| parse_ts("to", t)).transpose()?;
    let json_out = match a.format.as_deref() {
        Some("json") => true,
        Some("csv") => false,
        None => ctx.json,
        Some(other) => return Err(Error::validation("--format", format!("{other:?} is not json or csv"))),
    };
    let store = ctx.open_existing()?;
    if a.timeframe == TICKS {
        let reader = store.market().read_ticks(&a.pair, from, to)?;
        return stream_rows(
            reader,
            json_out,
            "ts,price,amount,side,trade_id",
            |t: &Tick| {
                json!({"ts": format_ts(t.ts), "price": t.price, "amount": t.amount,
                       "side": t.side.as_str(), "trade_id": t.trade_id})
            },
            |t: &Tick| {
                let id = csv_field(&t.trade_id);
                format!("{},{},{},{},{id}", format_ts(t.ts), t.price, t.amount, t.side.as_str())
            },
        );
    }
    let timeframe: Timeframe = a.timeframe.parse()?;
    let reader = store.market().read_candles(&a.pair, timeframe, from, to)?;
    stream_rows(
        reader,
        json_out,
        "ts,open,high,low,close,volume",
        |c: &Candle| {
            json!({"ts": format_ts(c.ts), "open": c.open, "high": c.high, "low": c.low,
                   "close": c.close, "volume": c.volume})
        },
        |c: &Candle| {
            let ts = format_ts(c.ts);
            format!("{ts},{},{},{},{},{}", c.open, c.high, c.low, c.close, c.volume)
        },
    )
}

/// Prints every row of `reader` to stdout as a JSON array or CSV, batch by batch.
fn stream_rows<R: MarketRow>(
    reader: BatchReader,
    json_out: bool,
    header: &str,
    to_json: impl Fn(&R) -> serde_json::Value,
    to_csv: impl Fn(&R) -> String,
) -> Result<()> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let io = |e| Error::io("<stdout>", e);
    if json_out {
        out.write_all(b"[").map_err(io)?;
    } else {
        writeln!(out, "{header}").map_err(io)?;
    }
    let mut first = true;
    let mut rows: Vec<R> = Vec::new();
    for batch in reader {
        rows.clear();
        R::from_batch(&batch?, &mut rows)?;
        for r in &rows {
            if json_out {
                write!(out, "{}\n  {}", if first { "" } else { "," }, to_json(r)).map_err(io)?;
            } else {
                writeln!(out, "{}", to_csv(r)).map_err(io)?;
            }
            first = false;
        }
    }
    if json_out {
        out.write_all(if first { b"]\n" } else { b"\n]\n" }).map_err(io)?;
    }
    out.flush().map_err(io)
}

/// Quotes a CSV field when it holds a separator, quote or line break.
fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_owned()
    }
}

fn list(ctx: &Ctx) -> Result<()> {
    let store = ctx.open_existing()?;
    let parts = store.market().list()?;
    if ctx.json {
        let v: Vec<_> = parts
            .iter()
            .map(|p| {
                json!({
                    "pair": p.pair, "timeframe": p.timeframe, "period": p.period, "rows": p.meta.rows,
                    "first_ts": format_ts(p.meta.first_ts), "last_ts": format_ts(p.meta.last_ts),
                    "bytes": p.meta.bytes, "path": p.path.display().to_string(),
                })
            })
            .collect();
        return print_json(&serde_json::Value::Array(v));
    }
    let rows: Vec<Vec<String>> = parts
        .iter()
        .map(|p| {
            vec![
                p.pair.clone(),
                p.timeframe.clone(),
                p.period.clone(),
                p.meta.rows.to_string(),
                format_ts(p.meta.first_ts),
                format_ts(p.meta.last_ts),
                human_bytes(p.meta.bytes),
            ]
        })
        .collect();
    print_table(&["pair", "timeframe", "period", "rows", "first", "last", "size"], &rows);
    Ok(())
}
