//! Housekeeping configuration: components, their quotas and retention, thresholds, intervals.
//!
//! Built in code ([`HousekeepingConfig::default`] plus field edits) or read from TOML
//! ([`HousekeepingConfig::from_toml`]); unknown keys are refused so a typo cannot silently
//! turn a limit off.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// How much a component matters. Critical components' `data` is only ever removed by time
/// retention, never to make room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Importance {
    /// Must keep running; its data is protected from size-driven cleanup.
    Critical,
    /// Important.
    High,
    /// Default.
    Normal,
    /// Expendable.
    Low,
}

/// A cleanup strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StrategyKind {
    /// Files older than their storage type's retention.
    Time,
    /// Largest files first until under target.
    Size,
    /// Least recently used (accessed) files first until under target.
    Lru,
    /// By storage type (temp → cache → logs → data → backup → config), oldest first, until under
    /// target.
    Priority,
    /// Time first, then escalating (halved, quartered retention, then priority) while still
    /// over target.
    Adaptive,
}

impl StrategyKind {
    /// The name used in configuration, the CLI and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            StrategyKind::Time => "time",
            StrategyKind::Size => "size",
            StrategyKind::Lru => "lru",
            StrategyKind::Priority => "priority",
            StrategyKind::Adaptive => "adaptive",
        }
    }
}

impl std::str::FromStr for StrategyKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        Ok(match s {
            "time" => StrategyKind::Time,
            "size" => StrategyKind::Size,
            "lru" => StrategyKind::Lru,
            "priority" => StrategyKind::Priority,
            "adaptive" => StrategyKind::Adaptive,
            other => {
                return Err(Error::validation(
                    "strategy",
                    format!("{other:?} is not one of time, size, lru, priority, adaptive"),
                ));
            }
        })
    }
}

/// How long files of each storage type are kept by time retention. `None` = kept forever.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Retention {
    /// `data/`, in days.
    pub data_days: Option<f64>,
    /// `logs/`, in days.
    pub logs_days: Option<f64>,
    /// `cache/`, in hours.
    pub cache_hours: Option<f64>,
    /// `temp/`, in hours. Default = 24.
    #[serde(default = "default_temp_hours")]
    pub temp_hours: Option<f64>,
    /// `backup/`, in days. Default = forever.
    #[serde(default)]
    pub backup_days: Option<f64>,
    /// `config/`, in days. Default = forever.
    #[serde(default)]
    pub config_days: Option<f64>,
}

fn default_temp_hours() -> Option<f64> {
    Some(24.0)
}

/// One managed component.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComponentConfig {
    /// Name; also the directory under `components/`. Letters, digits, `_`, `-`, `.`.
    pub name: String,
    /// How much it matters.
    pub importance: Importance,
    /// Its disk allocation in MB (10^6 bytes).
    pub allocation_mb: u64,
    /// Retention by storage type.
    pub retention: Retention,
    /// Its scheduled strategy.
    pub strategy: StrategyKind,
    /// Hours between scheduled cleanups.
    pub interval_hours: f64,
    /// Whether the component's files may be compressed (recorded in the configuration and
    /// reported; tradestore does not rewrite component files).
    #[serde(default = "yes")]
    pub compression: bool,
    /// Warning threshold, percent of the allocation. Default = the global one (80).
    #[serde(default)]
    pub warning_percent: Option<f64>,
    /// Critical threshold, percent of the allocation. Default = the global one (95).
    #[serde(default)]
    pub critical_percent: Option<f64>,
}

fn yes() -> bool {
    true
}

impl ComponentConfig {
    /// The allocation in bytes.
    pub fn allocation_bytes(&self) -> u64 {
        self.allocation_mb.saturating_mul(1_000_000)
    }
}

/// File-system thresholds, percent of the disk in use.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DiskThresholds {
    /// Warning. Default = 85.
    pub warning_percent: f64,
    /// Emergency cleanup (adaptive, every component). Default = 90.
    pub emergency_percent: f64,
    /// Critical. Default = 95.
    pub critical_percent: f64,
}

impl Default for DiskThresholds {
    fn default() -> Self {
        DiskThresholds {
            warning_percent: 85.0,
            emergency_percent: 90.0,
            critical_percent: 95.0,
        }
    }
}

/// Background loop intervals and history.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MonitorConfig {
    /// Seconds between usage measurements (and alert checks). Default = 30.
    pub usage_interval_secs: u64,
    /// Seconds between health passes. Default = 1800.
    pub health_interval_secs: u64,
    /// Seconds before the same alert may be raised again. Default = 600.
    pub alert_cooldown_secs: u64,
    /// Days of usage history, alerts and cleanup records kept. Default = 30.
    pub history_days: u64,
}

impl Default for MonitorConfig {
    fn default() -> Self {
        MonitorConfig {
            usage_interval_secs: 30,
            health_interval_secs: 1800,
            alert_cooldown_secs: 600,
            history_days: 30,
        }
    }
}

/// Retention inside the store file and when to compact it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct StoreRetention {
    /// Bot-state versions: keep at least the newest N. Default = off (keep all).
    pub state_keep_last: Option<u64>,
    /// Bot-state versions beyond `state_keep_last` older than this many days go. Default = off.
    pub state_max_age_days: Option<f64>,
    /// Reclaim expired KV keys in each cleanup of the store. Default = false (the KV sweeper
    /// reclaims them in the background anyway).
    pub kv_expired: bool,
    /// Expired KV keys reclaimed per cleanup at most (one transaction). Default = 10 000.
    pub kv_expired_max_keys: usize,
    /// Keep this many scheduled (`auto-`) snapshots; older ones go in each cleanup of the
    /// store. Snapshots taken by hand are never removed. Default = off (the snapshot schedule's
    /// own keep count applies).
    pub snapshot_keep: Option<usize>,
    /// Remove model artifact versions older than this many days in each cleanup of the store
    /// (aliased versions and the newest `artifact_keep_latest` of each name stay), as
    /// `artifacts cleanup` does. Default = off.
    pub artifact_retention_days: Option<u64>,
    /// Highest versions of each artifact name always kept. Default = 1.
    pub artifact_keep_latest: usize,
    /// Apply each document collection's own retention (its `set_retention` settings) in each
    /// cleanup of the store, removing the versions that aged out since their last write.
    /// Default = false.
    pub document_versions: bool,
    /// Remove market partitions whose newest row is older than this many days (never the
    /// partition holding a series' newest data). Default = off.
    pub market_horizon_days: Option<f64>,
    /// Request a compaction when at least this many bytes of the store file are free.
    /// Default = 16 MiB.
    pub compact_min_bytes: u64,
    /// ... or when at least this percent of the file is free (and ≥ 1 MiB). Default = 25.
    pub compact_min_percent: f64,
}

impl Default for StoreRetention {
    fn default() -> Self {
        StoreRetention {
            state_keep_last: None,
            state_max_age_days: None,
            kv_expired: false,
            kv_expired_max_keys: 10_000,
            snapshot_keep: None,
            artifact_retention_days: None,
            artifact_keep_latest: 1,
            document_versions: false,
            market_horizon_days: None,
            compact_min_bytes: 16 << 20,
            compact_min_percent: 25.0,
        }
    }
}

/// The whole housekeeping configuration.
///
/// # Examples
/// ```
/// use tradestore::housekeeping::HousekeepingConfig;
/// let cfg = HousekeepingConfig::from_toml(r#"
///     warning_percent = 75.0
///     [[component]]
///     name = "bot"
///     importance = "critical"
///     allocation_mb = 100
///     strategy = "priority"
///     interval_hours = 6
///     retention = { data_days = 30, logs_days = 7, cache_hours = 12 }
/// "#)?;
/// assert_eq!(cfg.components.len(), 1);
/// assert_eq!(cfg.warning_for(&cfg.components[0]), 75.0);
/// # Ok::<(), tradestore::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HousekeepingConfig {
    /// Component warning threshold, percent of allocation. Default = 80.
    pub warning_percent: f64,
    /// Component critical threshold, percent of allocation. Default = 95.
    pub critical_percent: f64,
    /// Size-driven strategies delete until usage is at or below this percent. Default = 70.
    pub target_percent: f64,
    /// File-system thresholds.
    pub disk: DiskThresholds,
    /// Background loops.
    pub monitor: MonitorConfig,
    /// Retention inside the store file.
    pub store: StoreRetention,
    /// The managed components. Default = the seven of a typical arbitrage system.
    #[serde(rename = "component")]
    pub components: Vec<ComponentConfig>,
}

impl Default for HousekeepingConfig {
    fn default() -> Self {
        HousekeepingConfig {
            warning_percent: 80.0,
            critical_percent: 95.0,
            target_percent: 70.0,
            disk: DiskThresholds::default(),
            monitor: MonitorConfig::default(),
            store: StoreRetention::default(),
            components: super::defaults::components(),
        }
    }
}

impl HousekeepingConfig {
    /// Parses and validates TOML text.
    ///
    /// # Errors
    /// [`Error::Validation`] naming the line and key for bad TOML, and the field for values out
    /// of range.
    pub fn from_toml(text: &str) -> Result<HousekeepingConfig> {
        let cfg: HousekeepingConfig =
            toml::from_str(text).map_err(|e| Error::validation("housekeeping config", e.to_string()))?;
        cfg.validate()?;
        Ok(cfg)
    }

    /// Reads and validates a TOML file.
    ///
    /// # Errors
    /// [`Error::Io`] if it cannot be read; as [`HousekeepingConfig::from_toml`] otherwise.
    pub fn load(path: &Path) -> Result<HousekeepingConfig> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        Self::from_toml(&text).map_err(|e| match e {
            Error::Validation { field, reason } => Error::Validation {
                field: format!("{} ({field})", path.display()),
                reason,
            },
            other => other,
        })
    }

    /// The component named `name`.
    pub fn component(&self, name: &str) -> Option<&ComponentConfig> {
        self.components.iter().find(|c| c.name == name)
    }

    /// Warning threshold of `c`, in percent.
    pub fn warning_for(&self, c: &ComponentConfig) -> f64 {
        c.warning_percent.unwrap_or(self.warning_percent)
    }

    /// Critical threshold of `c`, in percent.
    pub fn critical_for(&self, c: &ComponentConfig) -> f64 {
        c.critical_percent.unwrap_or(self.critical_percent)
    }

    /// Checks every value; called by the loaders and by [`super::Housekeeper::new`].
    ///
    /// # Errors
    /// [`Error::Validation`] naming the first bad field.
    pub fn validate(&self) -> Result<()> {
        pct("warning_percent", self.warning_percent)?;
        pct("critical_percent", self.critical_percent)?;
        pct("target_percent", self.target_percent)?;
        pct("disk.warning_percent", self.disk.warning_percent)?;
        pct("disk.emergency_percent", self.disk.emergency_percent)?;
        pct("disk.critical_percent", self.disk.critical_percent)?;
        pct("store.compact_min_percent", self.store.compact_min_percent)?;
        if self.monitor.usage_interval_secs == 0 || self.monitor.health_interval_secs == 0 {
            return Err(Error::validation("monitor", "intervals must be at least 1 second"));
        }
        let mut seen = std::collections::BTreeSet::new();
        for c in &self.components {
            let field = |f: &str| format!("component {}: {f}", c.name);
            check_component_name(&c.name)?;
            if !seen.insert(c.name.as_str()) {
                return Err(Error::validation(field("name"), "appears twice"));
            }
            if c.allocation_mb == 0 {
                return Err(Error::validation(field("allocation_mb"), "must be at least 1"));
            }
            if !(c.interval_hours.is_finite() && c.interval_hours > 0.0) {
                return Err(Error::validation(field("interval_hours"), "must be a positive number"));
            }
            let (w, k) = (self.warning_for(c), self.critical_for(c));
            pct(&field("warning_percent"), w)?;
            pct(&field("critical_percent"), k)?;
            if w >= k {
                return Err(Error::validation(
                    field("warning_percent"),
                    "must be below critical_percent",
                ));
            }
            let r = &c.retention;
            for (n, v) in [
                ("data_days", r.data_days),
                ("logs_days", r.logs_days),
                ("cache_hours", r.cache_hours),
                ("temp_hours", r.temp_hours),
                ("backup_days", r.backup_days),
                ("config_days", r.config_days),
            ] {
                if let Some(v) = v
                    && !(v.is_finite() && v > 0.0)
                {
                    return Err(Error::validation(field(n), "must be a positive number"));
                }
            }
        }
        Ok(())
    }
}

fn pct(field: &str, v: f64) -> Result<()> {
    if v.is_finite() && v > 0.0 && v <= 100.0 {
        Ok(())
    } else {
        Err(Error::validation(field, format!("{v} is not a percentage in (0, 100]")))
    }
}

/// Component names become directory names: no separators, no `.`/`..`, nothing hidden.
pub(crate) fn check_component_name(name: &str) -> Result<()> {
    let ok = !name.is_empty()
        && name.len() <= 64
        && !name.starts_with('.')
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
    if ok {
        Ok(())
    } else {
        Err(Error::validation(
            "component name",
            format!("{name:?}: use 1-64 letters, digits, '_', '-', '.', not starting with '.'"),
        ))
    }
}
