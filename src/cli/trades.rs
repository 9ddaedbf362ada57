//! `tradestore trades add|import|list|get`.

use std::path::Path;

use rust_decimal::Decimal;
use serde_json::json;

use super::Ctx;
use super::args::{TradeAddArgs, TradeListArgs, TradesCmd};
use super::output::{print_json, print_table, trade_json};
use crate::timefmt::{format_ts, parse_ts};
use crate::trades::{parse_csv, parse_jsonl};
use crate::{Error, NewTrade, Result, TradeOrder, TradeQuery};

pub(crate) fn run(ctx: &Ctx, cmd: TradesCmd) -> Result<()> {
    match cmd {
        TradesCmd::Add(a) => add(ctx, a),
        TradesCmd::Import { file } => import(ctx, &file),
        TradesCmd::List(a) => list(ctx, a),
        TradesCmd::Get { id } => get(ctx, id),
    }
}

fn decimal(field: &str, s: &str) -> Result<Decimal> {
    Decimal::from_str_exact(s.trim()).map_err(|_| Error::validation(field, format!("{s:?} is not a decimal number")))
}

fn add(ctx: &Ctx, a: TradeAddArgs) -> Result<()> {
    let mut t = NewTrade::new(
        a.symbol,
        a.side.parse()?,
        decimal("qty", &a.qty)?,
        decimal("price", &a.price)?,
    );
    if let Some(f) = &a.fee {
        t.fee = decimal("fee", f)?;
    }
    if let Some(c) = a.fee_currency {
        t.fee_currency = c;
    }
    if let Some(ts) = &a.ts {
        t.ts = Some(parse_ts("ts", ts)?);
    }
    if let Some(s) = a.strategy {
        t.strategy = s;
    }
    if let Some(v) = a.venue {
        t.venue = v;
    }
    t.order_id = a.order_id;
    t.model = a.model;
    t.meta = a.meta;
    t.validate()?;
    let saved = ctx.open_or_create()?.save_trade(t)?;
    if ctx.json {
        print_json(&json!({ "id": saved.id }))
    } else {
        outln!(
            "trade {} saved: {} {} {} @ {} (realized P&L {})",
            saved.id,
            saved.side.as_str(),
            saved.qty,
            saved.symbol,
            saved.price,
            saved.realized_pnl
        );
        Ok(())
    }
}

fn import(ctx: &Ctx, file: &Path) -> Result<()> {
    let text = std::fs::read_to_string(file).map_err(|e| Error::io(file, e))?;
    let ext = file
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let trades = match ext.as_str() {
        "csv" => parse_csv(&text),
        "jsonl" | "ndjson" => parse_jsonl(&text),
        other => Err(Error::validation(
            "file",
            format!("unknown extension {other:?}; use .csv or .jsonl"),
        )),
    }
    .map_err(|e| match e {
        Error::Validation { field, reason } => Error::Validation {
            field: format!("{} {field}", file.display()),
            reason,
        },
        other => other,
    })?;
    let store = ctx.open_or_create()?;
    let bar = super::output::spinner(ctx, format!("importing {} fills", trades.len()));
    let report = store.import_trades(&trades)?;
    super::output::done(bar);
    if ctx.json {
        print_json(&json!({ "imported": report.imported, "skipped_duplicates": report.skipped_duplicates }))
    } else {
        outln!(
            "imported {} fills from {}, skipped {} duplicates",
            report.imported,
            file.display(),
            report.skipped_duplicates
        );
        Ok(())
    }
}

fn list(ctx: &Ctx, a: TradeListArgs) -> Result<()> {
    let q = TradeQuery {
        symbol: a.symbol,
        strategy: a.strategy,
        side: a.side.map(|s| s.parse()).transpose()?,
        since: a.since.map(|s| parse_ts("since", &s)).transpose()?,
        until: a.until.map(|s| parse_ts("until", &s)).transpose()?,
        limit: a.limit,
        after: a.after,
        order: if a.desc { TradeOrder::Desc } else { TradeOrder::Asc },
    };
    let page = ctx.open_existing()?.trade_history(&q)?;
    if ctx.json {
        let trades: Vec<_> = page.trades.iter().map(trade_json).collect();
        return print_json(&json!({ "trades": trades, "next_cursor": page.next_cursor }));
    }
    let rows: Vec<Vec<String>> = page
        .trades
        .iter()
        .map(|t| {
            vec![
                t.id.to_string(),
                format_ts(t.ts),
                t.symbol.clone(),
                t.side.as_str().into(),
                t.qty.to_string(),
                t.price.to_string(),
                t.fee.to_string(),
                t.realized_pnl.to_string(),
                t.strategy.clone(),
                t.venue.clone(),
            ]
        })
        .collect();
    print_table(
        &[
            "id", "ts", "symbol", "side", "qty", "price", "fee", "pnl", "strategy", "venue",
        ],
        &rows,
    );
    if let Some(c) = page.next_cursor {
        outln!("more: --after {c}");
    }
    Ok(())
}

fn get(ctx: &Ctx, id: u64) -> Result<()> {
    let t = ctx.open_existing()?.get_trade(id)?;
    let v = trade_json(&t);
    if ctx.json {
        return print_json(&v);
    }
    if let Some(obj) = v.as_object() {
        for (k, val) in obj {
            let shown = match val {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => "-".into(),
                other => other.to_string(),
            };
            outln!("{k:<13} {shown}");
        }
    }
    Ok(())
}
