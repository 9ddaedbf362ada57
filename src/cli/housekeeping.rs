//! `tradestore housekeeping usage|alerts|dashboard|cleanup|monitor`.

use std::sync::Arc;

use serde_json::{Map, Value, json};

use super::Ctx;
use super::args::{HousekeepingArgs, HousekeepingCmd};
use super::output::{human_bytes, print_json, print_table};
use crate::housekeeping::{
    CONFIG_FILE, CleanupOptions, CleanupReport, Housekeeper, HousekeepingConfig, MonitorPass, Trigger, UsageReport,
};
use crate::timefmt::format_ts;
use crate::{Error, Result, Store};

pub(crate) fn run(ctx: &Ctx, args: HousekeepingArgs) -> Result<()> {
    let config = match &args.config {
        Some(p) => HousekeepingConfig::load(p)?,
        None => {
            let p = ctx.store_dir.join(CONFIG_FILE);
            if p.exists() {
                HousekeepingConfig::load(&p)?
            } else {
                HousekeepingConfig::default()
            }
        }
    };
    let mut config = config;
    if let HousekeepingCmd::Monitor {
        interval: Some(secs), ..
    } = &args.cmd
    {
        config.monitor.usage_interval_secs = (*secs).max(1);
    }
    // An unknown component is refused before the layout is made: a refused call creates nothing.
    if let HousekeepingCmd::Cleanup {
        component: Some(name), ..
    } = &args.cmd
        && config.component(name).is_none()
    {
        return Err(Error::NotFound(format!(
            "component {name:?} in the housekeeping configuration"
        )));
    }
    let hk = Housekeeper::new(config)?;
    let store = ctx.open_or_create()?;
    hk.ensure_layout(&store)?;
    match args.cmd {
        HousekeepingCmd::Usage => {
            let u = hk.usage(&store)?;
            if ctx.json {
                return print_json(&to_json(&u)?);
            }
            print_usage(&u);
            Ok(())
        }
        HousekeepingCmd::Alerts { limit, hours } => {
            let since = hours.map_or(i64::MAX, |h| (h * 3600e9) as i64);
            let alerts = hk.alerts(&store, since, limit)?;
            if ctx.json {
                return print_json(&to_json(&alerts)?);
            }
            if alerts.is_empty() {
                outln!("no alerts");
            }
            let rows: Vec<Vec<String>> = alerts
                .iter()
                .map(|a| vec![format_ts(a.ts), a.level.clone(), a.scope.clone(), a.message.clone()])
                .collect();
            print_table(&["time", "level", "scope", "message"], &rows);
            Ok(())
        }
        HousekeepingCmd::Dashboard { window_hours } => {
            let d = hk.dashboard(&store, window_hours)?;
            if ctx.json {
                return print_json(&to_json(&d)?);
            }
            print_usage(&d.usage);
            outln!();
            let rows: Vec<Vec<String>> = d
                .trends
                .iter()
                .map(|t| {
                    vec![
                        t.name.clone(),
                        t.samples.to_string(),
                        human_bytes(t.last_bytes),
                        format!("{:.0}", t.bytes_per_hour),
                        t.hours_to_full.map_or("-".into(), |h| format!("{h:.1}")),
                    ]
                })
                .collect();
            print_table(&["trend", "samples", "now", "bytes/h", "hours to full"], &rows);
            outln!("\n{} alerts in the last 24 h", d.alerts.len());
            for c in d.last_cleanups.iter().rev().take(5) {
                outln!(
                    "cleanup {} {} ({}, {}): {} removed, {}",
                    format_ts(c.ts),
                    c.target,
                    c.strategy,
                    c.trigger,
                    c.removed,
                    human_bytes(c.bytes)
                );
            }
            outln!("compaction pending: {}", d.compaction.pending);
            Ok(())
        }
        HousekeepingCmd::Cleanup {
            component,
            strategy,
            dry_run,
        } => {
            let opts = CleanupOptions {
                component,
                strategy: strategy.as_deref().map(str::parse).transpose()?,
                dry_run,
                trigger: Trigger::Manual,
            };
            let r = hk.cleanup(&store, &opts)?;
            if ctx.json {
                return print_json(&to_json(&r)?);
            }
            print_cleanup(&r);
            Ok(())
        }
        HousekeepingCmd::Monitor { once, .. } => monitor(ctx, &hk, &store, once),
    }
}

fn monitor(ctx: &Ctx, hk: &Housekeeper, store: &Store, once: bool) -> Result<()> {
    if once {
        let pass = hk.monitor_once(store)?;
        if ctx.json {
            return print_json(&to_json(&pass)?);
        }
        print_pass(&pass);
        return Ok(());
    }
    // Foreground: the same loops as the library's background monitor, reporting each pass.
    let hk = Arc::new(hk.clone());
    let every = std::time::Duration::from_secs(hk.config().monitor.usage_interval_secs);
    loop {
        let pass = hk.monitor_once(store)?;
        if ctx.json {
            outln!(
                "{}",
                serde_json::to_string(&to_json(&pass)?).map_err(|e| Error::validation("output", e.to_string()))?
            );
        } else {
            print_pass(&pass);
        }
        std::thread::sleep(every);
    }
}

fn print_pass(p: &MonitorPass) {
    let worst = p.usage.components.iter().map(|c| c.level).max();
    outln!(
        "{}  components {}  worst {:?}  disk {}  alerts {}  cleanups {}{}{}",
        format_ts(p.usage.ts),
        p.usage.components.len(),
        worst.unwrap_or(crate::housekeeping::Level::Ok),
        p.usage.fs.map_or("?".into(), |f| format!("{:.1} %", f.used_percent)),
        p.alerts.len(),
        p.cleanups.len(),
        if p.emergency.is_some() {
            "  EMERGENCY CLEANUP"
        } else {
            ""
        },
        if p.health.is_some() { "  health checked" } else { "" },
    );
    for a in &p.alerts {
        outln!("  {} {}: {}", a.level, a.scope, a.message);
    }
}

fn print_usage(u: &UsageReport) {
    let rows: Vec<Vec<String>> = u
        .components
        .iter()
        .map(|c| {
            vec![
                c.name.clone(),
                human_bytes(c.bytes),
                human_bytes(c.allocation_bytes),
                format!("{:.1}%", c.percent),
                format!("{:?}", c.level).to_lowercase(),
                c.files.to_string(),
            ]
        })
        .collect();
    print_table(&["component", "used", "allocation", "use", "level", "files"], &rows);
    outln!();
    let mut rows = vec![vec![
        "store file".to_string(),
        human_bytes(u.store_file_bytes),
        String::new(),
    ]];
    for d in &u.dirs {
        rows.push(vec![format!("{}/", d.name), human_bytes(d.bytes), d.files.to_string()]);
    }
    print_table(&["store", "bytes", "files"], &rows);
    if let Some(fs) = u.fs {
        outln!(
            "\nfile system: {} free of {} ({:.1} % used, {:?})",
            human_bytes(fs.available_bytes),
            human_bytes(fs.total_bytes),
            fs.used_percent,
            u.fs_level
        );
    }
    if u.symlinks_skipped > 0 {
        outln!("{} symlinks not followed", u.symlinks_skipped);
    }
    for p in &u.problems {
        eprintln!("warning: {}: {}", p.path.display(), p.detail);
    }
}

fn print_cleanup(r: &CleanupReport) {
    let verb = if r.dry_run { "would remove" } else { "removed" };
    for c in &r.components {
        let (n, b) = if r.dry_run {
            (c.planned.len() as u64, c.planned_bytes)
        } else {
            (c.removed_files, c.removed_bytes)
        };
        outln!(
            "{} ({}): {verb} {n} files, {}",
            c.component,
            c.strategy.as_str(),
            human_bytes(b)
        );
        if r.dry_run {
            for p in &c.planned {
                outln!("  {:>10}  {}  ({})", human_bytes(p.bytes), p.rel.display(), p.reason);
            }
        }
        for f in &c.failed {
            eprintln!("warning: {}: {}", f.path.display(), f.detail);
        }
    }
    for s in &r.store {
        outln!(
            "store {}: {verb} {} rows, {}",
            s.source,
            s.items.len(),
            human_bytes(s.bytes)
        );
        if r.dry_run {
            for i in &s.items {
                outln!("  {:>10}  {}", human_bytes(i.bytes), i.what);
            }
        }
    }
    for e in &r.store_errors {
        eprintln!("warning: store {}: {}", e.path.display(), e.detail);
    }
    if let Some(c) = &r.compaction {
        outln!(
            "store file {}: {} reclaimable{}",
            human_bytes(c.file_bytes),
            human_bytes(c.reclaimable_bytes),
            if c.requested {
                ", compaction requested (runs when the store closes)"
            } else {
                ""
            }
        );
    }
    outln!("total: {verb} {}", human_bytes(r.bytes()));
}

/// Serializes `v` and spells its times as the CLI contract wants: `ts` and every `*_ns` field
/// (renamed without the suffix) become RFC 3339 strings.
fn to_json<T: serde::Serialize>(v: &T) -> Result<Value> {
    let v = serde_json::to_value(v).map_err(|e| Error::validation("output", e.to_string()))?;
    Ok(times(v))
}

fn times(v: Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut out = Map::new();
            for (k, v) in m {
                let as_time = |v: &Value| v.as_i64().map(|n| json!(format_ts(n)));
                if k == "ts" {
                    out.insert(k, as_time(&v).unwrap_or(v));
                } else if let Some(base) = k.strip_suffix("_ns") {
                    out.insert(base.to_owned(), as_time(&v).unwrap_or(v));
                } else {
                    out.insert(k, times(v));
                }
            }
            Value::Object(out)
        }
        Value::Array(a) => Value::Array(a.into_iter().map(times).collect()),
        other => other,
    }
}
