//! `tradestore state save|load|history|rollback`.

use serde_json::{Value, json};

use super::args::StateCmd;
use super::output::{print_json, print_table};
use super::{Ctx, read_input};
use crate::records::BotState;
use crate::timefmt::format_ts;
use crate::{Error, Result};

pub(crate) fn run(ctx: &Ctx, cmd: StateCmd) -> Result<()> {
    match cmd {
        StateCmd::Save { file, label } => {
            let text = read_input(file.as_deref())?;
            let v = ctx.open_or_create()?.save_state(text.trim(), label.as_deref())?;
            if ctx.json {
                print_json(&json!({ "version": v }))
            } else {
                outln!("state version {v} saved");
                Ok(())
            }
        }
        StateCmd::Load { version } => {
            let store = ctx.open_existing()?;
            let (state, skipped) = match version {
                Some(n) => (store.load_state_version(n)?, vec![]),
                None => {
                    let found = store
                        .load_latest_valid()?
                        .ok_or_else(|| Error::NotFound("bot state (no valid version saved)".into()))?;
                    (found.state, found.skipped)
                }
            };
            for v in &skipped {
                eprintln!("warning: state version {v} is corrupt and was skipped");
            }
            print_state(ctx, &state, &skipped)
        }
        StateCmd::History => {
            let hist = ctx.open_existing()?.state_history()?;
            if ctx.json {
                let rows: Vec<Value> = hist
                    .iter()
                    .map(|h| {
                        json!({"version": h.version, "ts": h.ts.map(format_ts), "label": h.label,
                               "bytes": h.bytes, "valid": h.valid})
                    })
                    .collect();
                return print_json(&Value::Array(rows));
            }
            let rows: Vec<Vec<String>> = hist
                .iter()
                .map(|h| {
                    vec![
                        h.version.to_string(),
                        h.ts.map(format_ts).unwrap_or_else(|| "-".into()),
                        h.bytes.to_string(),
                        if h.valid { "ok".into() } else { "CORRUPT".into() },
                        h.label.clone().unwrap_or_default(),
                    ]
                })
                .collect();
            print_table(&["version", "saved", "bytes", "check", "label"], &rows);
            Ok(())
        }
        StateCmd::Rollback { version } => {
            let v = ctx.open_or_create()?.rollback(version)?;
            if ctx.json {
                print_json(&json!({ "version": v, "copied_from": version }))
            } else {
                outln!("state version {v} saved as a copy of version {version}");
                Ok(())
            }
        }
    }
}

fn print_state(ctx: &Ctx, s: &BotState, skipped: &[u64]) -> Result<()> {
    let state: Value = serde_json::from_str(&s.json)
        .map_err(|e| Error::corruption("state_versions", s.version, format!("stored JSON unreadable: {e}")))?;
    if ctx.json {
        print_json(&json!({
            "version": s.version, "ts": format_ts(s.ts), "label": s.label,
            "skipped_corrupt": skipped, "state": state,
        }))
    } else {
        outln!("# version {} saved {}", s.version, format_ts(s.ts));
        print_json(&state)
    }
}
