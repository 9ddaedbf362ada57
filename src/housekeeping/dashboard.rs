//! What a dashboard needs in one document: usage now, trends from the stored history, recent
//! alerts, last cleanups and the compaction state.

use serde::Serialize;

use super::history;
use super::housekeeper::Housekeeper;
use super::usage::UsageReport;
use crate::records::{AlertRecord, CleanupRecord};
use crate::{Result, Store};

const HOUR_NS: f64 = 3600.0 * 1e9;

/// Growth of one component (or of the store file, named `store`) over the trend window.
#[derive(Debug, Clone, Serialize)]
pub struct Trend {
    /// Component name, or `store` for the store file.
    pub name: String,
    /// Samples in the window.
    pub samples: u64,
    /// Bytes at the first sample.
    pub first_bytes: u64,
    /// Bytes at the last sample.
    pub last_bytes: u64,
    /// Growth rate between them (negative when shrinking).
    pub bytes_per_hour: f64,
    /// Hours until the allocation is full at that rate; `None` when not growing or no
    /// allocation applies.
    pub hours_to_full: Option<f64>,
}

/// Compaction state of the store file.
#[derive(Debug, Clone, Serialize)]
pub struct CompactionStatus {
    /// A compaction waits for the store to close or reopen.
    pub pending: bool,
    /// When the last compaction ran, ns.
    pub last_ns: Option<i64>,
    /// Bytes it gave back.
    pub last_freed_bytes: Option<u64>,
}

/// Everything `housekeeping dashboard` shows.
#[derive(Debug, Clone, Serialize)]
pub struct Dashboard {
    /// Usage now.
    pub usage: UsageReport,
    /// Growth over the last `trend_window_hours`.
    pub trends: Vec<Trend>,
    /// The trend window.
    pub trend_window_hours: f64,
    /// Alerts of the last 24 h (at most 100), oldest first.
    pub alerts: Vec<AlertRecord>,
    /// The last 20 cleanups, oldest first.
    pub last_cleanups: Vec<CleanupRecord>,
    /// Compaction state.
    pub compaction: CompactionStatus,
}

fn trend(name: &str, points: &[(i64, u64)], allocation: Option<u64>) -> Option<Trend> {
    let (&(t0, b0), &(t1, b1)) = (points.first()?, points.last()?);
    let hours = (t1.saturating_sub(t0)) as f64 / HOUR_NS;
    let bytes_per_hour = if hours > 0.0 {
        (b1 as f64 - b0 as f64) / hours
    } else {
        0.0
    };
    let hours_to_full = match allocation {
        Some(a) if bytes_per_hour > 0.0 && a > b1 => Some((a - b1) as f64 / bytes_per_hour),
        _ => None,
    };
    Some(Trend {
        name: name.to_owned(),
        samples: points.len() as u64,
        first_bytes: b0,
        last_bytes: b1,
        bytes_per_hour,
        hours_to_full,
    })
}

impl Housekeeper {
    /// Builds the dashboard; trends cover the last `window_hours` of stored samples.
    ///
    /// # Errors
    /// [`Error::Db`](crate::Error::Db) if the store cannot be read.
    pub fn dashboard(&self, store: &Store, window_hours: f64) -> Result<Dashboard> {
        let now = self.now();
        let usage = self.usage(store)?;
        let since = now.saturating_sub((window_hours * HOUR_NS) as i64);
        let samples = history::samples_since(store, since)?;
        let mut trends = Vec::new();
        for c in &self.config().components {
            let pts: Vec<(i64, u64)> = samples
                .iter()
                .filter_map(|s| s.components.iter().find(|x| x.name == c.name).map(|x| (s.ts, x.bytes)))
                .collect();
            trends.extend(trend(&c.name, &pts, Some(c.allocation_bytes())));
        }
        let pts: Vec<(i64, u64)> = samples.iter().map(|s| (s.ts, s.store_file_bytes)).collect();
        trends.extend(trend("store", &pts, None));
        let day = (24.0 * HOUR_NS) as i64;
        Ok(Dashboard {
            usage,
            trends,
            trend_window_hours: window_hours,
            alerts: history::alerts_since(store, now.saturating_sub(day), 100)?,
            last_cleanups: history::cleanups(store, 20)?,
            compaction: CompactionStatus {
                pending: store.compaction_pending()?,
                last_ns: history::mark(store, "compaction:last")?,
                last_freed_bytes: history::mark(store, "compaction:freed")?.map(|v| u64::try_from(v).unwrap_or(0)),
            },
        })
    }
}
