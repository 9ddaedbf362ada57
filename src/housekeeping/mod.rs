//! Housekeeping: per-component disk quotas, retention, cleanup strategies, alerts, background
//! monitoring, and compaction of the store file.
//!
//! A [`Housekeeper`] holds the configuration, a [`Clock`], the [`AlertSink`]s alerts go to and
//! the [`RetentionSource`]s that keep the store's own history in bounds. Every operation takes
//! the [`Store`] it works on; [`Housekeeper::spawn`] runs the loops in background threads that
//! stop when the store closes. See `docs/operations.md`.
//!
//! # Examples
//! ```
//! use tradestore::housekeeping::{CleanupOptions, Housekeeper, HousekeepingConfig};
//! # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
//! let store = tradestore::Store::open(dir.path())?;
//! let hk = Housekeeper::new(HousekeepingConfig::default())?;
//! hk.ensure_layout(&store)?;
//! let usage = hk.usage(&store)?;
//! assert_eq!(usage.components.len(), 7);
//! let dry = hk.cleanup(&store, &CleanupOptions::dry_run())?;
//! assert!(dry.components.iter().all(|c| c.planned.is_empty()));
//! # Ok::<(), tradestore::Error>(())
//! ```

mod alerts;
mod artifact_retention;
mod cleanup;
mod clock;
mod config;
mod dashboard;
mod defaults;
mod document_retention;
mod fsspace;
mod history;
mod housekeeper;
mod kv_retention;
mod layout;
mod market_retention;
mod monitor;
mod remove;
mod retention;
mod scan;
mod snapshot_retention;
mod strategy;
mod usage;

pub use alerts::{ALERT_CHANNEL, AlertSink, DeliveryFailure, PublishedAlerts, StoredAlerts, evaluate};
pub use artifact_retention::ArtifactRetention;
pub use cleanup::{CleanupOptions, ComponentCleanup, Removal, Trigger, remove_planned};
pub use clock::{Clock, FakeClock, SystemClock};
pub use config::{
    ComponentConfig, DiskThresholds, HousekeepingConfig, Importance, MonitorConfig, Retention, StoreRetention,
    StrategyKind,
};
pub use dashboard::{CompactionStatus, Dashboard, Trend};
pub use document_retention::DocumentVersionRetention;
pub use fsspace::{FsSpace, fs_space};
pub use housekeeper::{
    CleanupReport, CompactionCheck, HealthReport, Housekeeper, MonitorPass, SpaceProbe, StatvfsProbe, UsagePass,
};
pub use kv_retention::ExpiredKvRetention;
pub use layout::{COMPONENTS_DIR, StorageType, component_dir, ensure_component};
pub use market_retention::MarketPartitionRetention;
pub use monitor::MonitorHandle;
pub use retention::{RetentionItem, RetentionPlan, RetentionSource, StateVersionRetention};
pub use scan::{FileEntry, Scan, ScanProblem, scan};
pub use snapshot_retention::AutoSnapshotRetention;
pub use strategy::{Candidate, plan, target_bytes};
pub use usage::{ComponentUsage, DirUsage, Level, STORE_DIRS, TableUsage, TypeUsage, UsageReport};

/// File name of the housekeeping configuration inside the store directory, read by the CLI when
/// no `--config` is given.
pub const CONFIG_FILE: &str = "housekeeping.toml";
