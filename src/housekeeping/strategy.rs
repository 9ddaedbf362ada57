//! Choosing what a cleanup removes. Pure: a list of files in, a list of candidates out, so a dry
//! run and a real run pick exactly the same files.

use std::path::PathBuf;

use serde::Serialize;

use super::config::{ComponentConfig, HousekeepingConfig, Importance, Retention, StrategyKind};
use super::layout::StorageType;
use super::scan::FileEntry;
use super::usage::storage_of;

const HOUR_NS: f64 = 3600.0 * 1e9;
const DAY_NS: f64 = 24.0 * HOUR_NS;

/// A file a cleanup removes (or, in a dry run, would remove).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Path relative to the store root.
    pub rel: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// Its storage type.
    pub storage: StorageType,
    /// Why it goes.
    pub reason: String,
}

/// Retention of `st` in ns, if it has one.
fn retention_ns(r: &Retention, st: StorageType) -> Option<f64> {
    match st {
        StorageType::Data => r.data_days.map(|d| d * DAY_NS),
        StorageType::Logs => r.logs_days.map(|d| d * DAY_NS),
        StorageType::Cache => r.cache_hours.map(|h| h * HOUR_NS),
        StorageType::Temp => r.temp_hours.map(|h| h * HOUR_NS),
        StorageType::Backup => r.backup_days.map(|d| d * DAY_NS),
        StorageType::Config => r.config_days.map(|d| d * DAY_NS),
    }
}

fn human_age(ns: f64) -> String {
    if ns >= DAY_NS {
        format!("{:.3} d", ns / DAY_NS)
    } else {
        format!("{:.3} h", ns / HOUR_NS)
    }
    .replace(".000 ", " ")
}

/// Whether `st` of `c` may only go by (unscaled) time retention.
pub(crate) fn protected(c: &ComponentConfig, st: StorageType) -> bool {
    c.importance == Importance::Critical && st == StorageType::Data
}

/// The bytes a size-driven strategy brings component `c` down to.
pub fn target_bytes(cfg: &HousekeepingConfig, c: &ComponentConfig) -> u64 {
    (c.allocation_bytes() as f64 * cfg.target_percent / 100.0) as u64
}

struct Ctx<'a> {
    c: &'a ComponentConfig,
    files: Vec<(&'a FileEntry, StorageType)>,
    chosen: Vec<bool>,
    out: Vec<Candidate>,
    remaining: u64,
    target: u64,
    now: i64,
}

impl Ctx<'_> {
    fn take(&mut self, i: usize, reason: String) {
        if let (Some(false), Some((f, st))) = (self.chosen.get(i).copied(), self.files.get(i)) {
            self.out.push(Candidate {
                rel: f.rel.clone(),
                bytes: f.bytes,
                storage: *st,
                reason,
            });
            self.remaining = self.remaining.saturating_sub(f.bytes);
            if let Some(c) = self.chosen.get_mut(i) {
                *c = true;
            }
        }
    }

    /// Time retention with every retention multiplied by `scale` (1.0 = as configured; below 1
    /// only for escalation, which never touches protected storage).
    fn time(&mut self, scale: f64, label: &str) {
        for i in 0..self.files.len() {
            let Some(&(f, st)) = self.files.get(i) else { continue };
            if scale < 1.0 && protected(self.c, st) {
                continue;
            }
            let Some(keep) = retention_ns(&self.c.retention, st) else {
                continue;
            };
            let keep = keep * scale;
            let age = self.now.saturating_sub(f.modified_ns) as f64;
            if age > keep {
                let reason = format!("{label}: {} older than {}", st.as_str(), human_age(keep));
                self.take(i, reason);
            }
        }
    }

    /// Takes unprotected files in `order` until under target.
    fn until_target(
        &mut self,
        mut order: Vec<usize>,
        label: &str,
        key: impl Fn(&FileEntry, StorageType) -> (u64, i64),
    ) {
        order.sort_by_key(|&i| self.files.get(i).map(|&(f, st)| (key(f, st), f.rel.clone())));
        for i in order {
            if self.remaining <= self.target {
                break;
            }
            let Some(&(_, st)) = self.files.get(i) else { continue };
            if protected(self.c, st) {
                continue;
            }
            self.take(i, format!("{label}: over target"));
        }
    }
}

/// What `kind` removes from component `c`, whose files are `files`, at time `now_ns`.
pub fn plan(
    cfg: &HousekeepingConfig,
    c: &ComponentConfig,
    kind: StrategyKind,
    files: &[FileEntry],
    now_ns: i64,
) -> Vec<Candidate> {
    let typed: Vec<(&FileEntry, StorageType)> = files.iter().filter_map(|f| storage_of(f).map(|st| (f, st))).collect();
    let mut ctx = Ctx {
        c,
        chosen: vec![false; typed.len()],
        files: typed,
        out: Vec::new(),
        remaining: files.iter().map(|f| f.bytes).sum(),
        target: target_bytes(cfg, c),
        now: now_ns,
    };
    let all: Vec<usize> = (0..ctx.files.len()).collect();
    match kind {
        StrategyKind::Time => ctx.time(1.0, "time"),
        // Largest first: sort by negated size, i.e. u64::MAX - bytes.
        StrategyKind::Size => ctx.until_target(all, "size", |f, _| (u64::MAX - f.bytes, 0)),
        StrategyKind::Lru => ctx.until_target(all, "lru", |f, _| (0, f.accessed_ns)),
        StrategyKind::Priority => ctx.until_target(all, "priority", |f, st| (st as u64, f.modified_ns)),
        StrategyKind::Adaptive => {
            ctx.time(1.0, "adaptive/time");
            for (scale, label) in [(0.5, "adaptive/half-retention"), (0.25, "adaptive/quarter-retention")] {
                if ctx.remaining <= ctx.target {
                    break;
                }
                ctx.time(scale, label);
            }
            ctx.until_target(all, "adaptive/priority", |f, st| (st as u64, f.modified_ns));
        }
    }
    ctx.out
}
