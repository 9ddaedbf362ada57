//! `tradestore import-legacy DIR`.

use std::path::Path;

use serde_json::json;

use super::Ctx;
use super::output::{done, print_json, spinner};
use crate::Result;

pub(crate) fn run(ctx: &Ctx, dir: &Path) -> Result<()> {
    let store = ctx.open_or_create()?;
    let bar = spinner(ctx, format!("importing {}", dir.display()));
    let r = store.import_legacy(dir);
    done(bar);
    let r = r?;
    if ctx.json {
        let pairs = |v: &[(String, String)]| -> Vec<serde_json::Value> {
            v.iter().map(|(f, why)| json!({"file": f, "reason": why})).collect()
        };
        return print_json(&json!({"imported": r.imported, "repaired": pairs(&r.repaired),
            "skipped": pairs(&r.skipped), "already_present": r.already_present}));
    }
    let total: u64 = r.imported.values().sum();
    let parts: Vec<String> = r.imported.iter().map(|(k, v)| format!("{v} {k}")).collect();
    outln!(
        "imported {total}{}",
        if parts.is_empty() {
            String::new()
        } else {
            format!(" ({})", parts.join(", "))
        }
    );
    outln!("repaired {}", r.repaired.len());
    for (f, why) in &r.repaired {
        outln!("  {f}: {why}");
    }
    outln!(
        "skipped {} (and {} already present)",
        r.skipped.len(),
        r.already_present
    );
    for (f, why) in &r.skipped {
        outln!("  {f}: {why}");
    }
    Ok(())
}
