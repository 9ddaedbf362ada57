//! Printing: JSON documents for scripts, aligned tables for people.

use serde_json::{Value, json};

use crate::records::Trade;
use crate::timefmt::format_ts;
use crate::{Error, Result};

/// Writes one line of command output to stdout (through [`outln!`]). When the reader has gone
/// away the command ends with exit code 0, as a Unix tool killed by `SIGPIPE` would; another
/// write error ends it with exit code 1 and says so on stderr.
pub(crate) fn write_line(args: std::fmt::Arguments<'_>) {
    use std::io::Write;
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.write_all(b"\n")) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
        eprintln!("error: writing to stdout: {e}");
        std::process::exit(1);
    }
}

/// Prints one JSON document on stdout.
pub(crate) fn print_json(v: &Value) -> Result<()> {
    let text = serde_json::to_string_pretty(v).map_err(|e| Error::validation("output", e.to_string()))?;
    outln!("{text}");
    Ok(())
}

/// A trade as the CLI contract spells it: decimals as strings, RFC 3339 times.
pub(crate) fn trade_json(t: &Trade) -> Value {
    let meta = t
        .meta
        .as_deref()
        .map(|m| serde_json::from_str::<Value>(m).unwrap_or_else(|_| Value::String(m.to_owned())));
    json!({
        "id": t.id,
        "symbol": t.symbol,
        "side": t.side.as_str(),
        "qty": t.qty.to_string(),
        "price": t.price.to_string(),
        "fee": t.fee.to_string(),
        "fee_currency": t.fee_currency,
        "ts": format_ts(t.ts),
        "strategy": t.strategy,
        "venue": t.venue,
        "order_id": t.order_id,
        "model": t.model,
        "meta": meta,
        "realized_pnl": t.realized_pnl.to_string(),
    })
}

/// Prints rows under a header, each column as wide as its widest cell; numbers right-aligned.
pub(crate) fn print_table(header: &[&str], rows: &[Vec<String>]) {
    let mut width: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for r in rows {
        for (w, c) in width.iter_mut().zip(r) {
            *w = (*w).max(c.chars().count());
        }
    }
    let numeric: Vec<bool> = (0..header.len())
        .map(|i| {
            rows.iter().all(|r| {
                r.get(i)
                    .is_some_and(|c| c.is_empty() || c.parse::<f64>().is_ok() || c.ends_with('%'))
            }) && !rows.is_empty()
        })
        .collect();
    let line = |cells: Vec<String>| {
        let parts: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let w = width.get(i).copied().unwrap_or(0);
                if numeric.get(i).copied().unwrap_or(false) {
                    format!("{c:>w$}")
                } else {
                    format!("{c:<w$}")
                }
            })
            .collect();
        outln!("{}", parts.join("  ").trim_end());
    };
    line(header.iter().map(|h| h.to_string()).collect());
    for r in rows {
        line(r.clone());
    }
}

/// `1536` → `1.5 KiB`.
pub(crate) fn human_bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut v = n as f64;
    let mut u = 0;
    while v >= 1024.0 && u < UNITS.len() - 1 {
        v /= 1024.0;
        u += 1;
    }
    if u == 0 {
        format!("{n} B")
    } else {
        format!("{v:.1} {}", UNITS[u])
    }
}

/// A spinner saying `msg` on stderr, for long work at a terminal (none with `--json` or when
/// not at a terminal). Clear it with `finish_and_clear` before printing results.
pub(crate) fn spinner(ctx: &super::Ctx, msg: impl Into<String>) -> Option<indicatif::ProgressBar> {
    ctx.progress().then(|| {
        let b = indicatif::ProgressBar::new_spinner();
        b.set_message(msg.into());
        b.enable_steady_tick(std::time::Duration::from_millis(100));
        b
    })
}

/// Clears a spinner made by [`spinner`].
pub(crate) fn done(bar: Option<indicatif::ProgressBar>) {
    if let Some(b) = bar {
        b.finish_and_clear();
    }
}
