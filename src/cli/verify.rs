//! `tradestore verify`: exit 4 when anything is wrong.

use serde_json::json;

use super::Ctx;
use super::output::{done, print_json, print_table, spinner};
use crate::Result;

pub(crate) fn run(ctx: &Ctx) -> Result<i32> {
    let store = ctx.open_existing()?;
    let bar = spinner(ctx, "verifying every record, index and snapshot");
    let report = store.verify();
    done(bar);
    let report = report?;
    let code = if report.ok { 0 } else { 4 };
    if ctx.json {
        print_json(&json!({"ok": report.ok, "checked": report.checked, "problems": report.problems}))?;
        return Ok(code);
    }
    let rows: Vec<Vec<String>> = report
        .checked
        .iter()
        .map(|(k, v)| vec![k.clone(), v.to_string()])
        .collect();
    print_table(&["checked", "items"], &rows);
    if report.ok {
        outln!("ok: no problems found");
    } else {
        outln!();
        for p in &report.problems {
            outln!("{}: {} ({})", p.what, p.place, p.detail);
        }
        eprintln!(
            "error: {} problems found; restore from a snapshot (`tradestore snapshot list`)",
            report.problems.len()
        );
    }
    Ok(code)
}
