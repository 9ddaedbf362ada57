//! `tradestore artifacts put|get|list|alias|log-metric|metric-history|cleanup`.

use serde_json::{Value, json};

use super::Ctx;
use super::args::ArtifactsCmd;
use super::output::{human_bytes, print_json, print_table};
use crate::artifacts::{ArtifactRecord, CleanupReport};
use crate::timefmt::format_ts;
use crate::{Error, Result};

fn record_json(r: &ArtifactRecord) -> Value {
    let metadata = r
        .metadata
        .as_deref()
        .map(|m| serde_json::from_str::<Value>(m).unwrap_or_else(|_| Value::String(m.to_owned())));
    json!({
        "id": r.id, "name": r.name, "version": r.version, "blake3": r.blake3, "size": r.size,
        "created_ts": format_ts(r.created_ts), "metadata": metadata,
    })
}

/// Parses `NAME=VALUE` pairs.
fn parse_pairs(values: &[String]) -> Result<Vec<(String, f64)>> {
    values
        .iter()
        .map(|p| {
            let (name, value) = p
                .split_once('=')
                .ok_or_else(|| Error::validation("metric", format!("{p:?} is not NAME=VALUE")))?;
            let v: f64 = value
                .trim()
                .parse()
                .map_err(|_| Error::validation(format!("metric {name}"), format!("{value:?} is not a number")))?;
            Ok((name.to_owned(), v))
        })
        .collect()
}

fn print_cleanup(r: &CleanupReport) {
    let verb = if r.dry_run { "would remove" } else { "removed" };
    for v in &r.removed {
        outln!("{verb} {}@{} ({})", v.name, v.version, human_bytes(v.size));
    }
    outln!(
        "{verb} {} versions, kept {}; {} blob files, {} freed{}",
        r.removed.len(),
        r.kept,
        r.blobs_removed,
        human_bytes(r.bytes_freed),
        if r.dry_run { " (dry run: nothing changed)" } else { "" }
    );
}

pub(crate) fn run(ctx: &Ctx, cmd: ArtifactsCmd) -> Result<()> {
    match cmd {
        ArtifactsCmd::Put {
            name,
            version,
            file,
            meta,
        } => {
            let store = ctx.open_or_create()?;
            let a = store.artifacts();
            let f = std::fs::File::open(&file).map_err(|e| Error::io(&file, e))?;
            let id = a.save_model_from(&name, &version, std::io::BufReader::new(f), meta.as_deref())?;
            let rec = a.artifact(&name, Some(&version))?;
            if ctx.json {
                return print_json(&record_json(&rec));
            }
            outln!(
                "stored {}@{} as artifact {id}: {} blake3 {}",
                rec.name,
                rec.version,
                human_bytes(rec.size),
                rec.blake3
            );
            Ok(())
        }
        ArtifactsCmd::Get { name, version, out } => {
            let store = ctx.open_existing()?;
            let rec = store.artifacts().export_model(&name, version.as_deref(), &out)?;
            if ctx.json {
                let mut v = record_json(&rec);
                if let Value::Object(m) = &mut v {
                    m.insert("out".into(), json!(out.display().to_string()));
                }
                return print_json(&v);
            }
            outln!(
                "wrote {}@{} ({}, blake3 verified) to {}",
                rec.name,
                rec.version,
                human_bytes(rec.size),
                out.display()
            );
            Ok(())
        }
        ArtifactsCmd::List { pattern } => {
            let store = ctx.open_existing()?;
            let list = store.artifacts().list_artifacts(pattern.as_deref())?;
            if ctx.json {
                let rows = list
                    .iter()
                    .map(|i| {
                        let mut v = record_json(&i.record);
                        if let Value::Object(m) = &mut v {
                            m.insert("aliases".into(), json!(i.aliases));
                            m.insert("latest".into(), json!(i.latest));
                        }
                        v
                    })
                    .collect();
                return print_json(&Value::Array(rows));
            }
            let rows: Vec<Vec<String>> = list
                .iter()
                .map(|i| {
                    let r = &i.record;
                    let mut tags = i.aliases.clone();
                    if i.latest {
                        tags.insert(0, "latest".into());
                    }
                    vec![
                        r.name.clone(),
                        r.version.clone(),
                        human_bytes(r.size),
                        format_ts(r.created_ts),
                        tags.join(","),
                        r.blake3.chars().take(12).collect(),
                    ]
                })
                .collect();
            print_table(&["name", "version", "size", "created", "aliases", "blake3"], &rows);
            Ok(())
        }
        ArtifactsCmd::Alias { name, alias, version } => {
            let store = ctx.open_or_create()?;
            let target = store.artifacts().set_alias(&name, &alias, &version)?;
            if ctx.json {
                return print_json(&json!({"name": name, "alias": alias, "version": target}));
            }
            outln!("{name}@{alias} -> {target}");
            Ok(())
        }
        ArtifactsCmd::LogMetric {
            experiment,
            values,
            step,
        } => {
            let pairs = parse_pairs(&values)?;
            let refs: Vec<(&str, f64)> = pairs.iter().map(|(n, v)| (n.as_str(), *v)).collect();
            let store = ctx.open_or_create()?;
            let step = store.artifacts().save_metrics(&experiment, &refs, step)?;
            if ctx.json {
                return print_json(&json!({"experiment": experiment, "step": step, "logged": pairs.len()}));
            }
            outln!("logged {} metrics of {experiment} at step {step}", pairs.len());
            Ok(())
        }
        ArtifactsCmd::MetricHistory { experiment, name } => {
            let store = ctx.open_existing()?;
            let points = store.artifacts().metric_history(&experiment, &name)?;
            if ctx.json {
                let rows = points
                    .iter()
                    .map(|p| json!({"step": p.step, "value": p.value, "ts": format_ts(p.ts)}))
                    .collect();
                return print_json(&Value::Array(rows));
            }
            let rows: Vec<Vec<String>> = points
                .iter()
                .map(|p| vec![p.step.to_string(), p.value.to_string(), format_ts(p.ts)])
                .collect();
            print_table(&["step", "value", "ts"], &rows);
            Ok(())
        }
        ArtifactsCmd::Cleanup {
            retention_days,
            keep_latest,
            dry_run,
        } => {
            let store = ctx.open_existing()?;
            let r = store
                .artifacts()
                .cleanup_old_artifacts(retention_days, keep_latest, dry_run)?;
            if ctx.json {
                return print_json(&serde_json::to_value(&r).map_err(|e| Error::validation("output", e.to_string()))?);
            }
            print_cleanup(&r);
            Ok(())
        }
    }
}
