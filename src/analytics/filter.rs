//! Which fills and which time window a report covers.

use crate::{Error, Result};

/// The scope of a report. `since` is inclusive, `until` exclusive (ns since the epoch, UTC).
/// Filters combine with AND.
///
/// `model` is either `name@version` (one version) or a bare `name` (every version of it).
///
/// # Examples
/// ```
/// use tradestore::analytics::Filter;
/// let f = Filter::default().strategy("grid").model("price_predictor@1.2.0");
/// assert!(f.validate().is_ok());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// Only fills at or after this time.
    pub since: Option<i64>,
    /// Only fills before this time.
    pub until: Option<i64>,
    /// Only this symbol.
    pub symbol: Option<String>,
    /// Only this strategy.
    pub strategy: Option<String>,
    /// Only this model (`name@version`) or every version of a model (`name`).
    pub model: Option<String>,
}

impl Filter {
    /// Sets the inclusive lower time bound (ns).
    pub fn since(mut self, ts: i64) -> Self {
        self.since = Some(ts);
        self
    }
    /// Sets the exclusive upper time bound (ns).
    pub fn until(mut self, ts: i64) -> Self {
        self.until = Some(ts);
        self
    }
    /// Only fills of `symbol`.
    pub fn symbol(mut self, s: impl Into<String>) -> Self {
        self.symbol = Some(s.into());
        self
    }
    /// Only fills of `strategy`.
    pub fn strategy(mut self, s: impl Into<String>) -> Self {
        self.strategy = Some(s.into());
        self
    }
    /// Only fills of `model` (`name@version`, or `name` for every version).
    pub fn model(mut self, m: impl Into<String>) -> Self {
        self.model = Some(m.into());
        self
    }

    /// Checks the bounds and names.
    ///
    /// # Errors
    /// [`Error::Validation`] when `since >= until` or a name is empty or malformed.
    pub fn validate(&self) -> Result<()> {
        if let (Some(s), Some(u)) = (self.since, self.until)
            && s >= u
        {
            return Err(Error::validation("until", "must be later than since"));
        }
        for (field, v) in [
            ("symbol", &self.symbol),
            ("strategy", &self.strategy),
            ("model", &self.model),
        ] {
            if let Some(v) = v {
                crate::trades::check_name(field, v, true)?;
            }
        }
        if let Some(m) = &self.model
            && (m.starts_with('@') || m.ends_with('@'))
        {
            return Err(Error::validation(
                "model",
                format!("{m:?} is neither name nor name@version"),
            ));
        }
        Ok(())
    }

    /// Whether the filter has no time bound.
    pub fn is_all_time(&self) -> bool {
        self.since.is_none() && self.until.is_none()
    }

    /// Whether the filter selects fills by symbol, strategy or model (so portfolio-level return
    /// metrics do not describe it).
    pub fn selects_fills(&self) -> bool {
        self.symbol.is_some() || self.strategy.is_some() || self.model.is_some()
    }

    /// Whether a fill with these attributes passes the name filters.
    pub(crate) fn matches(&self, symbol: &str, strategy: &str, model: Option<&str>) -> bool {
        self.symbol.as_deref().is_none_or(|s| s == symbol)
            && self.strategy.as_deref().is_none_or(|s| s == strategy)
            && self
                .model
                .as_deref()
                .is_none_or(|m| model.is_some_and(|t| model_matches(m, t)))
    }
}

/// Whether the trade tag `tag` (`name@version`) matches `wanted` (`name@version` or `name`).
pub(crate) fn model_matches(wanted: &str, tag: &str) -> bool {
    if wanted.contains('@') {
        wanted == tag
    } else {
        tag.strip_prefix(wanted).is_some_and(|rest| rest.starts_with('@'))
    }
}

/// The key range `[lo, hi)` of model tags matching a bare model name: every string that starts
/// with `name@` sorts at or after `name@` and before `nameA` (`A` follows `@` in byte order).
pub(crate) fn model_prefix_bounds(name: &str) -> (String, String) {
    (format!("{name}@"), format!("{name}A"))
}
