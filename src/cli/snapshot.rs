//! `tradestore snapshot create|list|restore`.

use serde_json::{Map, Value, json};

use super::Ctx;
use super::args::SnapshotCmd;
use super::output::{done, human_bytes, print_json, print_table, spinner};
use crate::Result;
use crate::snapshot::{SnapshotInfo, restore};
use crate::timefmt::format_ts;

fn info_json(s: &SnapshotInfo) -> Value {
    let tables: Map<String, Value> = s.tables.iter().map(|(k, v)| (k.clone(), json!(v))).collect();
    json!({"path": s.path.display().to_string(), "bytes": s.bytes, "created_at": format_ts(s.created_at),
           "store_format": s.store_format, "tables": tables, "problem": s.problem})
}

pub(crate) fn run(ctx: &Ctx, cmd: SnapshotCmd) -> Result<()> {
    match cmd {
        SnapshotCmd::Create { out } => {
            let store = ctx.open_existing()?;
            let started = std::time::Instant::now();
            let bar = spinner(ctx, "writing snapshot");
            let s = store.create_snapshot(out.as_deref());
            done(bar);
            let s = s?;
            if ctx.json {
                return print_json(&info_json(&s));
            }
            let rows: u64 = s.tables.iter().map(|(_, n)| n).sum();
            outln!(
                "snapshot {} written: {} tables, {rows} rows, {} in {:.2} s",
                s.path.display(),
                s.tables.len(),
                human_bytes(s.bytes),
                started.elapsed().as_secs_f64()
            );
            Ok(())
        }
        SnapshotCmd::List => {
            let list = ctx.open_existing()?.list_snapshots()?;
            if ctx.json {
                return print_json(&Value::Array(list.iter().map(info_json).collect()));
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|s| {
                    vec![
                        s.path.display().to_string(),
                        if s.problem.is_some() {
                            "-".into()
                        } else {
                            format_ts(s.created_at)
                        },
                        human_bytes(s.bytes),
                        s.problem.clone().unwrap_or_else(|| "ok".into()),
                    ]
                })
                .collect();
            print_table(&["file", "taken", "size", "header"], &rows);
            Ok(())
        }
        SnapshotCmd::Restore { file, into } => {
            let bar = spinner(ctx, format!("verifying and restoring {}", file.display()));
            let restored = restore(&file, &into).and_then(|s| s.verify().map(|r| (s, r)));
            done(bar);
            let (store, report) = restored?;
            let counts: Map<String, Value> = store.table_counts()?.into_iter().map(|(k, v)| (k, json!(v))).collect();
            if ctx.json {
                return print_json(&json!({"path": into.display().to_string(), "verified": report.ok,
                    "counts": counts, "problems": report.problems}));
            }
            outln!("{} verified and restored into {}", file.display(), into.display());
            outln!(
                "restored store verifies {}",
                if report.ok {
                    "clean"
                } else {
                    "WITH PROBLEMS (run verify)"
                }
            );
            Ok(())
        }
    }
}
