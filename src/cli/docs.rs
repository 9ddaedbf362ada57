//! `tradestore doc ...` and `tradestore schema ...`.

use std::time::Duration;

use serde_json::{Value, json};

use super::args::{DocCmd, SchemaCmd};
use super::output::{print_json, print_table};
use super::{Ctx, read_input};
use crate::documents::{HUB_COLLECTIONS, MigrationStep, Retention, redact};
use crate::timefmt::format_ts;
use crate::{Collection, Error, Result, Store};

/// A collection to write to: the hub's collections get their schema on first use.
fn writable(store: &Store, name: &str) -> Result<Collection> {
    if HUB_COLLECTIONS.iter().any(|(n, _)| *n == name) {
        store.hub().open(name)
    } else {
        store.collection(name)
    }
}

fn parse_json(text: &str, what: &str) -> Result<Value> {
    serde_json::from_str(text).map_err(|e| Error::validation(what, format!("not valid JSON: {e}")))
}

fn read_file(path: &std::path::Path) -> Result<String> {
    std::fs::read_to_string(path).map_err(|e| Error::io(path, e))
}

pub(crate) fn run(ctx: &Ctx, cmd: DocCmd) -> Result<()> {
    match cmd {
        DocCmd::Put { collection, key, file } => {
            let doc = parse_json(read_input(file.as_deref())?.trim(), "document")?;
            let store = ctx.open_or_create()?;
            let meta = writable(&store, &collection)?.put(&key, &doc)?;
            if ctx.json {
                return print_json(&meta.to_json());
            }
            outln!(
                "stored {collection}/{key} version {} (schema {}, checksum {})",
                meta.version,
                meta.schema_version,
                &meta.checksum[..16]
            );
            Ok(())
        }
        DocCmd::Get {
            collection,
            key,
            version,
            show_secrets,
        } => {
            let c = ctx.open_existing()?.collection(&collection)?;
            let doc = match version {
                Some(n) => c.get_version(&key, n)?,
                None => c.get(&key)?,
            };
            let body = if show_secrets {
                doc.json.clone()
            } else {
                redact(&doc.json)
            };
            if ctx.json {
                let mut out = doc.meta.to_json();
                out["document"] = body;
                out["migrated_to"] = json!(doc.migrated_to);
                return print_json(&out);
            }
            outln!(
                "# {collection}/{key} version {} updated {} (schema {}{})",
                doc.meta.version,
                format_ts(doc.meta.updated_at),
                doc.meta.schema_version,
                doc.migrated_to
                    .map(|v| format!(", migrated to {v} on read"))
                    .unwrap_or_default()
            );
            print_json(&body)
        }
        DocCmd::History { collection, key } => {
            let hist = ctx.open_existing()?.collection(&collection)?.history(&key)?;
            if ctx.json {
                let rows = hist
                    .iter()
                    .map(|h| match &h.meta {
                        Some(m) => {
                            let mut v = m.to_json();
                            v["bytes"] = json!(h.bytes);
                            v["valid"] = json!(true);
                            v
                        }
                        None => json!({"version": h.version, "bytes": h.bytes, "valid": false}),
                    })
                    .collect();
                return print_json(&Value::Array(rows));
            }
            let rows: Vec<Vec<String>> = hist
                .iter()
                .map(|h| match &h.meta {
                    Some(m) => vec![
                        h.version.to_string(),
                        format_ts(m.updated_at),
                        m.schema_version.to_string(),
                        h.bytes.to_string(),
                        if m.deleted { "deleted".into() } else { "ok".into() },
                        m.origin.clone().unwrap_or_default(),
                    ],
                    None => vec![
                        h.version.to_string(),
                        "-".into(),
                        "-".into(),
                        h.bytes.to_string(),
                        "CORRUPT".into(),
                        String::new(),
                    ],
                })
                .collect();
            print_table(&["version", "saved", "schema", "bytes", "check", "origin"], &rows);
            Ok(())
        }
        DocCmd::Restore {
            collection,
            key,
            version,
        } => {
            let store = ctx.open_or_create()?;
            let meta = writable(&store, &collection)?.restore(&key, version)?;
            if ctx.json {
                return print_json(&meta.to_json());
            }
            outln!(
                "{collection}/{key} version {} saved as a copy of version {version}",
                meta.version
            );
            Ok(())
        }
        DocCmd::Delete {
            collection,
            key,
            purge_history,
        } => {
            ctx.open_existing()?
                .collection(&collection)?
                .delete(&key, !purge_history)?;
            if ctx.json {
                return print_json(&json!({"collection": collection, "key": key, "history_kept": !purge_history}));
            }
            let how = if purge_history {
                "with its history"
            } else {
                "(history kept)"
            };
            outln!("deleted {collection}/{key} {how}");
            Ok(())
        }
        DocCmd::List {
            collection,
            prefix,
            after,
            limit,
        } => {
            let c = ctx.open_existing()?.collection(&collection)?;
            let page = c.list_keys(&prefix, after.as_deref(), limit)?;
            let metas = page.keys.iter().map(|k| c.metadata(k)).collect::<Result<Vec<_>>>()?;
            if ctx.json {
                return print_json(&Value::Array(metas.iter().map(|m| m.to_json()).collect()));
            }
            let rows: Vec<Vec<String>> = metas
                .iter()
                .map(|m| {
                    vec![
                        m.key.clone(),
                        m.version.to_string(),
                        format_ts(m.updated_at),
                        m.schema_version.to_string(),
                    ]
                })
                .collect();
            print_table(&["key", "version", "updated", "schema"], &rows);
            if let Some(n) = page.next {
                outln!("more: --after {n}");
            }
            Ok(())
        }
        DocCmd::Migrate { collection } => {
            let report = ctx.open_existing()?.collection(&collection)?.migrate_all()?;
            if ctx.json {
                return print_json(&json!({"migrated": report.migrated, "current": report.current,
                    "failed": report.failed.iter().map(|(k, why)| json!({"key": k, "reason": why})).collect::<Vec<_>>()}));
            }
            outln!(
                "{} migrated, {} already current, {} failed",
                report.migrated,
                report.current,
                report.failed.len()
            );
            for (k, why) in &report.failed {
                outln!("  {k}: {why}");
            }
            Ok(())
        }
        DocCmd::Retention {
            collection,
            keep_last,
            keep_days,
        } => {
            let r = Retention {
                keep_last,
                keep_newer_than: keep_days.map(|d| Duration::from_secs(d.saturating_mul(86_400))),
            };
            let removed = ctx.open_or_create()?.collection(&collection)?.set_retention(r)?;
            if ctx.json {
                return print_json(&json!({"collection": collection, "removed_versions": removed}));
            }
            outln!("retention of {collection} set; {removed} old versions removed");
            Ok(())
        }
    }
}

pub(crate) fn schema(ctx: &Ctx, cmd: SchemaCmd) -> Result<()> {
    match cmd {
        SchemaCmd::Set { collection, file } => {
            let schema = parse_json(&read_file(&file)?, "schema")?;
            let report = ctx.open_or_create()?.collection(&collection)?.set_schema(&schema)?;
            if ctx.json {
                let failing: Vec<Value> = report
                    .failing
                    .iter()
                    .map(|(k, v)| json!({"key": k, "violations": v}))
                    .collect();
                return print_json(&json!({"collection": collection, "version": report.version,
                    "checked": report.checked, "failing": failing}));
            }
            outln!(
                "schema version {} set for {collection}; {} stored documents checked",
                report.version,
                report.checked
            );
            for (k, v) in &report.failing {
                outln!("  {k} would fail:");
                for x in v {
                    outln!("    {x}");
                }
            }
            Ok(())
        }
        SchemaCmd::Show { collection } => {
            let (v, schema) = ctx
                .open_existing()?
                .collection(&collection)?
                .schema()?
                .ok_or_else(|| Error::NotFound(format!("schema of collection {collection}")))?;
            if ctx.json {
                return print_json(&json!({"collection": collection, "version": v, "schema": schema}));
            }
            outln!("# {collection} schema version {v}");
            print_json(&schema)
        }
        SchemaCmd::Migration { collection, from, file } => {
            let steps: Vec<MigrationStep> = serde_json::from_str(&read_file(&file)?)
                .map_err(|e| Error::validation("migration", format!("not a list of steps: {e}")))?;
            ctx.open_or_create()?
                .collection(&collection)?
                .register_migration(from, &steps)?;
            if ctx.json {
                return print_json(
                    &json!({"collection": collection, "from": from, "to": from + 1, "steps": steps.len()}),
                );
            }
            outln!(
                "migration of {collection} from schema {from} to {} registered ({} steps)",
                from + 1,
                steps.len()
            );
            Ok(())
        }
    }
}
