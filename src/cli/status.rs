//! `tradestore init` and `tradestore status`.

use serde_json::{Map, Value, json};

use super::Ctx;
use super::output::{human_bytes, print_json, print_table};
use crate::Result;
use crate::store::DB_FILE;
use crate::tables::FORMAT_VERSION;

pub(crate) fn init(ctx: &Ctx) -> Result<()> {
    let store = ctx.open_or_create()?;
    let root = store.path().display().to_string();
    if ctx.json {
        return print_json(&json!({
            "path": root, "format_version": FORMAT_VERSION, "db": store.path().join(DB_FILE),
        }));
    }
    outln!("store ready at {root} (format version {FORMAT_VERSION})");
    outln!("  {DB_FILE:<40} transactional tables (trades, state, portfolio, ...)");
    Ok(())
}

pub(crate) fn status(ctx: &Ctx) -> Result<()> {
    let store = ctx.open_existing()?;
    let counts = store.table_counts()?;
    let stats = store.stats();
    let last_snapshot = store.list_snapshots()?.into_iter().rfind(|s| s.problem.is_none());
    let (partitions, market_rows) = store.market().summary()?;
    let kv = crate::kv::Kv::stats(&store.kv())?;
    if ctx.json {
        let counts: Map<String, Value> = counts.into_iter().map(|(k, v)| (k, json!(v))).collect();
        return print_json(&json!({
            "format_version": FORMAT_VERSION,
            "path": store.path().display().to_string(),
            "counts": counts,
            "bytes": stats.file_bytes,
            "cache": { "hits": stats.cache.hits, "misses": stats.cache.misses, "bytes": stats.cache.bytes },
            "market": { "partitions": partitions, "rows": market_rows },
            "kv": kv,
            "last_snapshot": last_snapshot.as_ref().map(|s| json!({
                "path": s.path.display().to_string(), "created_at": crate::timefmt::format_ts(s.created_at), "bytes": s.bytes,
            })),
        }));
    }
    outln!("store   {}", store.path().display());
    outln!("format  {FORMAT_VERSION}");
    outln!("size    {}", human_bytes(stats.file_bytes));
    if let Some(s) = &last_snapshot {
        outln!(
            "last snapshot {} ({})",
            crate::timefmt::format_ts(s.created_at),
            s.path.display()
        );
    }
    outln!("market  {partitions} partitions, {market_rows} rows");
    let health = if kv.degraded {
        "degraded: Redis unreachable, serving from the embedded tables"
    } else {
        "ok"
    };
    let cache = if kv.memory_limit == 0 {
        "cache off in this process".to_owned()
    } else {
        format!(
            "cache {} of {}, {} evictions",
            human_bytes(kv.memory_bytes),
            human_bytes(kv.memory_limit),
            kv.evictions
        )
    };
    outln!("kv      {} backend, {} keys, {cache}; {health}", kv.backend, kv.keys);
    let rows: Vec<Vec<String>> = counts.into_iter().map(|(k, v)| vec![k, v.to_string()]).collect();
    print_table(&["table", "rows"], &rows);
    Ok(())
}
