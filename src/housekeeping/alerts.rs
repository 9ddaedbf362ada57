//! Alerts: thresholds crossed by a component or the file system, raised at most once per
//! cooldown, delivered to every [`AlertSink`].

use redb::ReadableTable;
use serde::Serialize;

use super::config::HousekeepingConfig;
use super::history;
use super::usage::{Level, UsageReport};
use crate::records::AlertRecord;
use crate::tables::{HK_ALERTS, HK_MARKS};
use crate::{Error, Result, Store};

/// Name of the pub/sub channel [`PublishedAlerts`] publishes alerts on.
pub const ALERT_CHANNEL: &str = "housekeeping.alerts";

/// Where raised alerts go. [`StoredAlerts`] keeps them in the store (listed by
/// `housekeeping alerts`); a pub/sub sink publishes them on [`ALERT_CHANNEL`].
pub trait AlertSink: Send + Sync {
    /// A short name for reports.
    fn name(&self) -> &str;
    /// Delivers one alert.
    ///
    /// # Errors
    /// Whatever delivery fails with; the other sinks still get the alert.
    fn deliver(&self, store: &Store, alert: &AlertRecord) -> Result<()>;
}

/// Keeps alerts in the store's `hk_alerts` table.
#[derive(Debug, Clone, Copy, Default)]
pub struct StoredAlerts;

impl AlertSink for StoredAlerts {
    fn name(&self) -> &str {
        "stored"
    }

    fn deliver(&self, store: &Store, alert: &AlertRecord) -> Result<()> {
        let a = alert.clone();
        store.write(move |txn| history::append(txn, HK_ALERTS, a.ts, &a))
    }
}

/// Publishes each alert, as JSON (the fields of [`AlertRecord`]), on the pub/sub channel
/// [`ALERT_CHANNEL`] through the store's KV backend ([`Store::kv`]). With the embedded backend
/// only subscribers of this process receive it; nobody subscribed is not a failure.
#[derive(Debug, Clone, Copy, Default)]
pub struct PublishedAlerts;

impl AlertSink for PublishedAlerts {
    fn name(&self) -> &str {
        "pubsub"
    }

    fn deliver(&self, store: &Store, alert: &AlertRecord) -> Result<()> {
        use crate::kv::Kv;
        let payload = serde_json::to_vec(alert).map_err(|e| Error::validation("alert", e.to_string()))?;
        store.kv().publish(ALERT_CHANNEL, &payload).map(|_| ())
    }
}

/// The sinks every [`super::Housekeeper`] starts with: the store's alert table and pub/sub.
pub(crate) fn default_sinks() -> Vec<std::sync::Arc<dyn AlertSink>> {
    vec![std::sync::Arc::new(StoredAlerts), std::sync::Arc::new(PublishedAlerts)]
}

/// An alert a sink could not take.
#[derive(Debug, Clone, Serialize)]
pub struct DeliveryFailure {
    /// The sink.
    pub sink: String,
    /// The error.
    pub error: String,
}

fn bp(percent: f64) -> u32 {
    (percent * 100.0).clamp(0.0, u32::MAX as f64) as u32
}

/// The alerts `usage` calls for, before cooldown.
pub fn evaluate(cfg: &HousekeepingConfig, usage: &UsageReport) -> Vec<AlertRecord> {
    let mut out = Vec::new();
    for c in &usage.components {
        let level = match c.level {
            Level::Ok => continue,
            Level::Warning => "warning",
            Level::Critical => "critical",
        };
        out.push(AlertRecord {
            ts: usage.ts,
            level: level.into(),
            scope: c.name.clone(),
            message: format!(
                "component {} uses {:.1} % of its {} MB allocation",
                c.name,
                c.percent,
                c.allocation_bytes / 1_000_000
            ),
            used_bytes: c.bytes,
            limit_bytes: c.allocation_bytes,
            percent_bp: bp(c.percent),
        });
    }
    if let Some(fs) = usage.fs {
        let used = fs.total_bytes.saturating_sub(fs.available_bytes);
        let mut push = |level: &str, what: &str| {
            out.push(AlertRecord {
                ts: usage.ts,
                level: level.into(),
                scope: "filesystem".into(),
                message: format!("file system {:.1} % full{what}", fs.used_percent),
                used_bytes: used,
                limit_bytes: fs.total_bytes,
                percent_bp: bp(fs.used_percent),
            });
        };
        if fs.used_percent >= cfg.disk.critical_percent {
            push("critical", "");
        } else if fs.used_percent >= cfg.disk.warning_percent {
            push("warning", "");
        }
        if fs.used_percent >= cfg.disk.emergency_percent {
            push("emergency", ": emergency cleanup started");
        }
    }
    out
}

/// Keeps the alerts whose `(scope, level)` was not raised within `cooldown_ns` and marks them
/// raised, in one transaction (so two processes do not both raise the same alert).
pub(crate) fn pass_cooldown(store: &Store, alerts: Vec<AlertRecord>, cooldown_ns: i64) -> Result<Vec<AlertRecord>> {
    if alerts.is_empty() {
        return Ok(alerts);
    }
    store.write(move |txn| {
        let mut marks = txn.open_table(HK_MARKS)?;
        let mut out = Vec::new();
        for a in &alerts {
            let key = format!("alert:{}:{}", a.scope, a.level);
            let last = marks.get(key.as_str())?.map(|v| v.value());
            if last.is_none_or(|t| a.ts.saturating_sub(t) >= cooldown_ns) {
                marks.insert(key.as_str(), a.ts)?;
                out.push(a.clone());
            }
        }
        Ok(out)
    })
}

/// Delivers each alert to each sink; returns what failed.
pub(crate) fn deliver(
    store: &Store,
    sinks: &[std::sync::Arc<dyn AlertSink>],
    alerts: &[AlertRecord],
) -> Vec<DeliveryFailure> {
    let mut failed = Vec::new();
    for a in alerts {
        for s in sinks {
            if let Err(e) = s.deliver(store, a) {
                failed.push(DeliveryFailure {
                    sink: s.name().to_owned(),
                    error: e.to_string(),
                });
            }
        }
    }
    failed
}
