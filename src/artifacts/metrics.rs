//! Experiment metrics: named values per step, read back as a time series.

use redb::ReadableTable;

use super::Artifacts;
use super::names::check_ident;
use crate::envelope::{self, RecBytes};
use crate::records::MetricPoint;
use crate::tables::METRICS;
use crate::timefmt::now_ns;
use crate::{Error, Result};

const METRICS_NAME: &str = "metrics";
/// Most metrics accepted in one [`Artifacts::save_metrics`] call.
pub const MAX_METRICS_PER_CALL: usize = 1_000;

impl Artifacts<'_> {
    /// Logs `values` (metric name → finite value) for `experiment` at `step`, atomically. With
    /// `step` `None`, the step is one past the highest step any of these metrics has logged
    /// (0 for the first). Logging a step again replaces its value. Returns the step used.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir()?;
    /// # let store = tradestore::Store::open(dir.path())?;
    /// let a = store.artifacts();
    /// a.save_metrics("pp-train", &[("loss", 0.9), ("auc", 0.55)], Some(0))?;
    /// assert_eq!(a.save_metrics("pp-train", &[("loss", 0.7)], None)?, 1);
    /// let loss: Vec<_> = a.metric_history("pp-train", "loss")?.iter().map(|p| (p.step, p.value)).collect();
    /// assert_eq!(loss, [(0, 0.9), (1, 0.7)]);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] for a bad name, a non-finite value, or no values; nothing is
    /// stored then.
    pub fn save_metrics(&self, experiment: &str, values: &[(&str, f64)], step: Option<u64>) -> Result<u64> {
        check_ident("experiment", experiment)?;
        if values.is_empty() || values.len() > MAX_METRICS_PER_CALL {
            return Err(Error::validation(
                "metrics",
                format!("{} values; give 1 to {MAX_METRICS_PER_CALL}", values.len()),
            ));
        }
        for (name, v) in values {
            check_ident("metric", name)?;
            if !v.is_finite() {
                return Err(Error::validation(
                    format!("metric {name}"),
                    format!("{v} is not a finite number"),
                ));
            }
        }
        let experiment = experiment.to_owned();
        let values: Vec<(String, f64)> = values.iter().map(|(n, v)| ((*n).to_owned(), *v)).collect();
        let ts = now_ns();
        self.store.write(move |txn| {
            let mut table = txn.open_table(METRICS)?;
            let step = match step {
                Some(s) => s,
                None => {
                    let mut next = 0;
                    for (name, _) in &values {
                        let (e, n) = (experiment.as_str(), name.as_str());
                        let mut range = table.range((e, n, 0)..=(e, n, u64::MAX))?;
                        if let Some(last) = range.next_back() {
                            next = next.max(last?.0.value().2.saturating_add(1));
                        }
                    }
                    next
                }
            };
            for (name, value) in &values {
                let bytes = envelope::encode(&MetricPoint {
                    step,
                    value: *value,
                    ts,
                })?;
                table.insert((experiment.as_str(), name.as_str(), step), RecBytes::new(&bytes))?;
            }
            Ok(step)
        })
    }

    /// Every logged value of metric `name` in `experiment`, by step.
    ///
    /// # Errors
    /// [`Error::Corruption`] for a point that fails its checks.
    pub fn metric_history(&self, experiment: &str, name: &str) -> Result<Vec<MetricPoint>> {
        let rtx = self.store.read_txn()?;
        let table = rtx.open_table(METRICS)?;
        let mut out = Vec::new();
        for row in table.range((experiment, name, 0)..=(experiment, name, u64::MAX))? {
            let (k, v) = row?;
            let (_, _, step) = k.value();
            out.push(
                v.value()
                    .decode(METRICS_NAME, &format_args!("{experiment}/{name}/{step}"))?,
            );
        }
        Ok(out)
    }
}
