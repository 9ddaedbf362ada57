//! `tradestore portfolio snapshot|history`.

use serde_json::{Value, json};

use super::args::PortfolioCmd;
use super::output::{print_json, print_table};
use super::{Ctx, read_input};
use crate::Result;
use crate::records::Holding;
use crate::timefmt::{NANOS_PER_DAY, format_ts, now_ns};

fn holdings_json(h: &[Holding]) -> Value {
    Value::Array(
        h.iter()
            .map(|h| json!({"symbol": h.symbol, "qty": h.qty.to_string(), "value": h.value.to_string()}))
            .collect(),
    )
}

pub(crate) fn run(ctx: &Ctx, cmd: PortfolioCmd) -> Result<()> {
    match cmd {
        PortfolioCmd::Snapshot { file } => {
            let snap = crate::portfolio::snapshot_from_json(&read_input(file.as_deref())?)?;
            ctx.open_or_create()?.save_portfolio_snapshot(&snap)?;
            if ctx.json {
                print_json(&json!({"ts": format_ts(snap.ts), "total_value": snap.total_value.to_string()}))
            } else {
                outln!(
                    "snapshot at {} saved: total value {}",
                    format_ts(snap.ts),
                    snap.total_value
                );
                Ok(())
            }
        }
        PortfolioCmd::History { days } => {
            let since = days.map(|d| now_ns().saturating_sub(NANOS_PER_DAY.saturating_mul(d as i64)));
            let hist = ctx.open_existing()?.portfolio_history(since, None)?;
            if ctx.json {
                let rows: Vec<Value> = hist
                    .iter()
                    .map(|s| {
                        json!({"ts": format_ts(s.ts), "total_value": s.total_value.to_string(),
                               "positions": holdings_json(&s.positions), "balances": holdings_json(&s.balances),
                               "snapshot_type": s.snapshot_type, "session_id": s.session_id})
                    })
                    .collect();
                return print_json(&Value::Array(rows));
            }
            let rows: Vec<Vec<String>> = hist
                .iter()
                .map(|s| {
                    vec![
                        format_ts(s.ts),
                        s.total_value.to_string(),
                        s.positions.len().to_string(),
                        s.snapshot_type.clone(),
                        s.session_id.clone(),
                    ]
                })
                .collect();
            print_table(&["ts", "total_value", "positions", "type", "session"], &rows);
            Ok(())
        }
    }
}
