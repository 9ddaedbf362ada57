//! The [`Housekeeper`]: one object tying configuration, clock, sinks and sources to a store.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use super::alerts::{self, AlertSink, DeliveryFailure, default_sinks};
use super::cleanup::{CleanupOptions, ComponentCleanup, Trigger, clean_component};
use super::clock::{Clock, SystemClock, dur_ns};
use super::config::{HousekeepingConfig, StrategyKind};
use super::fsspace::{FsSpace, fs_space};
use super::history;
use super::layout::ensure_component;
use super::retention::{RetentionPlan, RetentionSource, configured_sources};
use super::scan::ScanProblem;
use super::usage::{self, Level, UsageReport, component_usage, scan_component};
use crate::records::{AlertRecord, CleanupRecord, ComponentSample, UsageSample};
use crate::tables::{HK_CLEANUPS, HK_METRICS};
use crate::{Error, Result, Store};

/// Where free-space figures come from (the file system by default; tests inject a full disk).
pub trait SpaceProbe: Send + Sync {
    /// Space of the file system holding `path`.
    ///
    /// # Errors
    /// Whatever the query fails with.
    fn space(&self, path: &Path) -> Result<FsSpace>;
}

/// [`SpaceProbe`] asking the operating system (`statvfs`).
#[derive(Debug, Clone, Copy, Default)]
pub struct StatvfsProbe;

impl SpaceProbe for StatvfsProbe {
    fn space(&self, path: &Path) -> Result<FsSpace> {
        fs_space(path)
    }
}

/// Whether the store file was worth compacting after a cleanup.
#[derive(Debug, Clone, Serialize)]
pub struct CompactionCheck {
    /// Size of the store file.
    pub file_bytes: u64,
    /// Free or fragmented bytes inside it.
    pub reclaimable_bytes: u64,
    /// Whether a compaction was requested (runs when the store next closes or opens).
    pub requested: bool,
}

/// What one cleanup did (or, in a dry run, would do).
#[derive(Debug, Clone, Serialize)]
pub struct CleanupReport {
    /// Whether nothing was removed.
    pub dry_run: bool,
    /// Why it ran.
    pub trigger: Trigger,
    /// Per component.
    pub components: Vec<ComponentCleanup>,
    /// In-store retention, per source.
    pub store: Vec<RetentionPlan>,
    /// Sources that failed, with the error.
    pub store_errors: Vec<ScanProblem>,
    /// The compaction decision, when in-store retention ran.
    pub compaction: Option<CompactionCheck>,
}

impl CleanupReport {
    /// Bytes planned (dry run) or removed, files and store rows together.
    pub fn bytes(&self) -> u64 {
        let files: u64 = self
            .components
            .iter()
            .map(|c| if self.dry_run { c.planned_bytes } else { c.removed_bytes })
            .sum();
        files + self.store.iter().map(|s| s.bytes).sum::<u64>()
    }
}

/// One health pass.
#[derive(Debug, Clone, Serialize)]
pub struct HealthReport {
    /// Component directories that could not be created or are not real directories.
    pub layout_problems: Vec<String>,
    /// History rows older than the configured horizon that were removed.
    pub pruned_rows: u64,
    /// The compaction decision.
    pub compaction: CompactionCheck,
}

/// What [`Housekeeper::usage_pass`] did.
#[derive(Debug, Clone, Serialize)]
pub struct UsagePass {
    /// The usage measured.
    pub usage: UsageReport,
    /// Alerts raised (after cooldown).
    pub alerts: Vec<AlertRecord>,
    /// Sinks that failed to take an alert.
    pub delivery_failures: Vec<DeliveryFailure>,
    /// The emergency cleanup, when the disk crossed its emergency threshold.
    pub emergency: Option<CleanupReport>,
}

/// One pass of the monitor: what `housekeeping monitor --once` prints.
#[derive(Debug, Clone, Serialize)]
pub struct MonitorPass {
    /// The usage measured.
    pub usage: UsageReport,
    /// Alerts raised (after cooldown).
    pub alerts: Vec<AlertRecord>,
    /// Sinks that failed to take an alert.
    pub delivery_failures: Vec<DeliveryFailure>,
    /// The emergency cleanup, when the disk crossed its emergency threshold.
    pub emergency: Option<CleanupReport>,
    /// Scheduled cleanups that were due.
    pub cleanups: Vec<ComponentCleanup>,
    /// The health pass, when due.
    pub health: Option<HealthReport>,
}

/// Housekeeping for one configuration.
#[derive(Clone)]
pub struct Housekeeper {
    config: HousekeepingConfig,
    clock: Arc<dyn Clock>,
    space: Arc<dyn SpaceProbe>,
    sinks: Vec<Arc<dyn AlertSink>>,
    sources: Vec<Arc<dyn RetentionSource>>,
}

impl std::fmt::Debug for Housekeeper {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Housekeeper")
            .field("config", &self.config)
            .field(
                "sinks",
                &self.sinks.iter().map(|s| s.name().to_owned()).collect::<Vec<_>>(),
            )
            .field(
                "sources",
                &self.sources.iter().map(|s| s.name().to_owned()).collect::<Vec<_>>(),
            )
            .finish_non_exhaustive()
    }
}

impl Housekeeper {
    /// A housekeeper on the system clock and file system, delivering alerts to the default
    /// sinks, with the in-store retention the configuration enables.
    ///
    /// # Errors
    /// [`Error::Validation`] if the configuration is invalid.
    pub fn new(config: HousekeepingConfig) -> Result<Housekeeper> {
        config.validate()?;
        Ok(Housekeeper {
            sources: configured_sources(&config.store),
            config,
            clock: Arc::new(SystemClock),
            space: Arc::new(StatvfsProbe),
            sinks: default_sinks(),
        })
    }

    /// Uses `clock` for "now" (file ages, schedules, cooldowns).
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.clock = clock;
        self
    }

    /// Uses `probe` for free-space figures.
    pub fn with_space_probe(mut self, probe: Arc<dyn SpaceProbe>) -> Self {
        self.space = probe;
        self
    }

    /// Adds a sink every raised alert is delivered to (besides the store).
    pub fn with_sink(mut self, sink: Arc<dyn AlertSink>) -> Self {
        self.sinks.push(sink);
        self
    }

    /// Adds an in-store retention source, run by every cleanup of all components.
    pub fn with_source(mut self, source: Arc<dyn RetentionSource>) -> Self {
        self.sources.push(source);
        self
    }

    /// The configuration.
    pub fn config(&self) -> &HousekeepingConfig {
        &self.config
    }

    /// "Now", from the clock.
    pub fn now(&self) -> i64 {
        self.clock.now_ns()
    }

    /// Creates every component's directories (mode 0750).
    ///
    /// # Errors
    /// The first component whose tree cannot be made (see [`ensure_component`]).
    pub fn ensure_layout(&self, store: &Store) -> Result<()> {
        for c in &self.config.components {
            ensure_component(store.path(), &c.name)?;
        }
        Ok(())
    }

    /// Measures every component, the store and the file system.
    ///
    /// # Errors
    /// [`Error::Db`] if the store's table counts cannot be read. Unreadable files are reported
    /// in [`UsageReport::problems`], not as errors.
    pub fn usage(&self, store: &Store) -> Result<UsageReport> {
        let root = store.path();
        let fs = self.space.space(root).ok();
        let mut report = UsageReport {
            ts: self.now(),
            components: Vec::new(),
            store_file_bytes: 0,
            tables: usage::store_tables(store)?,
            dirs: Vec::new(),
            fs_level: fs.map_or(Level::Ok, |f| {
                usage::level(
                    f.used_percent,
                    self.config.disk.warning_percent,
                    self.config.disk.critical_percent,
                )
            }),
            fs,
            symlinks_skipped: 0,
            problems: Vec::new(),
        };
        for c in &self.config.components {
            let scan = scan_component(root, c);
            report.components.push(component_usage(&self.config, c, &scan));
            report.symlinks_skipped += scan.symlinks_skipped;
            report.problems.extend(scan.problems);
        }
        usage::store_dirs(root, &mut report);
        Ok(report)
    }

    /// Runs a cleanup (see [`CleanupOptions`]).
    ///
    /// # Errors
    /// [`Error::NotFound`] for an unknown component; [`Error::Db`] if records cannot be stored.
    /// Files that cannot be removed are reported in the result, not as errors.
    pub fn cleanup(&self, store: &Store, opts: &CleanupOptions) -> Result<CleanupReport> {
        let now = self.now();
        let comps: Vec<_> = match &opts.component {
            Some(name) => vec![
                self.config
                    .component(name)
                    .ok_or_else(|| Error::NotFound(format!("component {name:?} in the housekeeping configuration")))?,
            ],
            None => self.config.components.iter().collect(),
        };
        let mut report = CleanupReport {
            dry_run: opts.dry_run,
            trigger: opts.trigger,
            components: Vec::new(),
            store: Vec::new(),
            store_errors: Vec::new(),
            compaction: None,
        };
        for c in comps {
            let kind = opts.strategy.unwrap_or(c.strategy);
            let done = clean_component(store.path(), &self.config, c, kind, opts.dry_run, now);
            if !opts.dry_run {
                self.record_cleanup(store, &done, opts.trigger, now)?;
            }
            report.components.push(done);
        }
        if opts.component.is_none() {
            self.store_retention(store, opts, now, &mut report)?;
        }
        Ok(report)
    }

    fn store_retention(
        &self,
        store: &Store,
        opts: &CleanupOptions,
        now: i64,
        report: &mut CleanupReport,
    ) -> Result<()> {
        for s in &self.sources {
            let r = if opts.dry_run {
                s.plan(store, now)
            } else {
                s.apply(store, now)
            };
            match r {
                Ok(plan) => {
                    if !opts.dry_run && !plan.items.is_empty() {
                        let rec = CleanupRecord {
                            ts: now,
                            target: format!("store:{}", plan.source),
                            strategy: "retention".into(),
                            trigger: opts.trigger.as_str().into(),
                            removed: plan.items.len() as u64,
                            bytes: plan.bytes,
                            failed: 0,
                        };
                        store.write(move |txn| history::append(txn, HK_CLEANUPS, rec.ts, &rec))?;
                    }
                    report.store.push(plan);
                }
                Err(e) => report.store_errors.push(ScanProblem {
                    path: s.name().into(),
                    detail: e.to_string(),
                }),
            }
        }
        if !self.sources.is_empty() {
            report.compaction = Some(self.compaction_check(store, !opts.dry_run)?);
        }
        Ok(())
    }

    fn record_cleanup(&self, store: &Store, done: &ComponentCleanup, trigger: Trigger, now: i64) -> Result<()> {
        let rec = CleanupRecord {
            ts: now,
            target: done.component.clone(),
            strategy: done.strategy.as_str().into(),
            trigger: trigger.as_str().into(),
            removed: done.removed_files,
            bytes: done.removed_bytes,
            failed: done.failed.len() as u64,
        };
        let key = format!("cleanup:{}", done.component);
        store.write(move |txn| {
            history::append(txn, HK_CLEANUPS, rec.ts, &rec)?;
            history::set_mark(txn, &key, rec.ts)
        })
    }

    /// Measures the free space inside the store file and, when `request` and it is worth it,
    /// asks for a compaction (see [`Store::request_compaction`]).
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read or written.
    pub fn compaction_check(&self, store: &Store, request: bool) -> Result<CompactionCheck> {
        // Commit once so pages freed by the last transaction count as free.
        store.flush()?;
        let reclaimable_bytes = store.reclaimable_bytes()?;
        let file_bytes = store.stats().file_bytes;
        let s = &self.config.store;
        let worth = reclaimable_bytes >= s.compact_min_bytes
            || (reclaimable_bytes >= 1 << 20
                && usage::percent_of(reclaimable_bytes, file_bytes) >= s.compact_min_percent);
        let requested = request && worth;
        if requested {
            store.request_compaction()?;
        }
        Ok(CompactionCheck {
            file_bytes,
            reclaimable_bytes,
            requested,
        })
    }

    /// Measures usage, stores a sample, raises alerts (after cooldown) and, when the disk is over
    /// its emergency threshold, runs an adaptive cleanup of every component.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read or written.
    pub fn usage_pass(&self, store: &Store) -> Result<UsagePass> {
        let usage = self.usage(store)?;
        let sample = UsageSample {
            ts: usage.ts,
            components: usage
                .components
                .iter()
                .map(|c| ComponentSample {
                    name: c.name.clone(),
                    bytes: c.bytes,
                    files: c.files,
                })
                .collect(),
            store_file_bytes: usage.store_file_bytes,
            fs_total_bytes: usage.fs.map_or(0, |f| f.total_bytes),
            fs_available_bytes: usage.fs.map_or(0, |f| f.available_bytes),
        };
        store.write(move |txn| history::append(txn, HK_METRICS, sample.ts, &sample))?;
        let cooldown = dur_ns(Duration::from_secs(self.config.monitor.alert_cooldown_secs));
        let raised = alerts::pass_cooldown(store, alerts::evaluate(&self.config, &usage), cooldown)?;
        let failures = alerts::deliver(store, &self.sinks, &raised);
        let emergency = match usage.fs {
            Some(fs) if fs.used_percent >= self.config.disk.emergency_percent => Some(self.cleanup(
                store,
                &CleanupOptions {
                    component: None,
                    strategy: Some(StrategyKind::Adaptive),
                    dry_run: false,
                    trigger: Trigger::Emergency,
                },
            )?),
            _ => None,
        };
        Ok(UsagePass {
            usage,
            alerts: raised,
            delivery_failures: failures,
            emergency,
        })
    }

    /// Runs the scheduled cleanup of every component whose interval has passed since its last
    /// cleanup (or that was never cleaned).
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read or written.
    pub fn due_cleanups(&self, store: &Store) -> Result<Vec<ComponentCleanup>> {
        let now = self.now();
        let mut out = Vec::new();
        for c in &self.config.components {
            let last = history::mark(store, &format!("cleanup:{}", c.name))?;
            let interval = (c.interval_hours * 3600.0 * 1e9) as i64;
            if last.is_none_or(|t| now.saturating_sub(t) >= interval) {
                let opts = CleanupOptions {
                    component: Some(c.name.clone()),
                    strategy: None,
                    dry_run: false,
                    trigger: Trigger::Scheduled,
                };
                out.extend(self.cleanup(store, &opts)?.components);
            }
        }
        Ok(out)
    }

    /// Runs the health pass if its interval has passed: repairs the layout, prunes old history,
    /// applies in-store retention and requests a compaction when worth it.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read or written.
    pub fn health_if_due(&self, store: &Store) -> Result<Option<HealthReport>> {
        let now = self.now();
        let interval = dur_ns(Duration::from_secs(self.config.monitor.health_interval_secs));
        if history::mark(store, "health")?.is_some_and(|t| now.saturating_sub(t) < interval) {
            return Ok(None);
        }
        self.health(store).map(Some)
    }

    /// The health pass, now.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read or written.
    pub fn health(&self, store: &Store) -> Result<HealthReport> {
        let now = self.now();
        let layout_problems = self
            .config
            .components
            .iter()
            .filter_map(|c| ensure_component(store.path(), &c.name).err().map(|e| e.to_string()))
            .collect();
        let horizon = dur_ns(Duration::from_secs(
            self.config.monitor.history_days.saturating_mul(86_400),
        ));
        let pruned_rows = history::prune(store, now.saturating_sub(horizon))?;
        let mut retention = CleanupReport {
            dry_run: false,
            trigger: Trigger::Scheduled,
            components: Vec::new(),
            store: Vec::new(),
            store_errors: Vec::new(),
            compaction: None,
        };
        let opts = CleanupOptions {
            trigger: Trigger::Scheduled,
            ..CleanupOptions::all()
        };
        self.store_retention(store, &opts, now, &mut retention)?;
        let compaction = match retention.compaction {
            Some(c) => c,
            None => self.compaction_check(store, true)?,
        };
        store.write(move |txn| history::set_mark(txn, "health", now))?;
        Ok(HealthReport {
            layout_problems,
            pruned_rows,
            compaction,
        })
    }

    /// One full monitor pass: usage and alerts, due cleanups, and the health pass when due.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read or written.
    pub fn monitor_once(&self, store: &Store) -> Result<MonitorPass> {
        let UsagePass {
            usage,
            alerts,
            delivery_failures,
            emergency,
        } = self.usage_pass(store)?;
        let cleanups = self.due_cleanups(store)?;
        let health = self.health_if_due(store)?;
        Ok(MonitorPass {
            usage,
            alerts,
            delivery_failures,
            emergency,
            cleanups,
            health,
        })
    }

    /// Stored alerts of the last `since_ns` before now, newest `limit`, oldest first.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read.
    pub fn alerts(&self, store: &Store, since_ns: i64, limit: usize) -> Result<Vec<AlertRecord>> {
        history::alerts_since(store, self.now().saturating_sub(since_ns), limit)
    }
}
