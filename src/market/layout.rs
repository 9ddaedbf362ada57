//! Where partitions live: hive-style directories under the store, derived from the catalog key.
//!
//! ```text
//! <store>/market/pair=BTC-EUR/timeframe=1h/period=2024-01/data.parquet   candles
//! <store>/ticks/pair=BTC-EUR/period=2024-01-02/data.parquet              ticks
//! ```
//! Ticks sit beside `market/`, not inside it, so that `market/**/*.parquet` only matches files
//! of the candle schema and every reader can scan it as one table.

use std::path::{Path, PathBuf};

use crate::{Error, Result};

/// Directory of candle partitions, relative to the store root.
pub const MARKET_DIR: &str = "market";
/// Directory of tick partitions, relative to the store root.
pub const TICKS_DIR: &str = "ticks";
/// File name of a partition's data inside its directory.
pub const DATA_FILE: &str = "data.parquet";
/// The catalog's timeframe for tick partitions.
pub const TICKS: &str = "ticks";
/// Prefix of a partition's in-flight temp files (`.data.parquet.<random>.tmp`).
pub const TEMP_PREFIX: &str = ".data.parquet.";
/// Suffix of in-flight temp files.
pub const TEMP_SUFFIX: &str = ".tmp";
/// Longest pair name accepted, in bytes.
pub const MAX_PAIR_LEN: usize = 64;

/// A pair name as stored: `BTC/EUR`, `BTC_EUR` and `BTC-EUR` all become `BTC-EUR`.
///
/// Letters, digits, `.` and `-` are kept; `/`, `_` and `:` become `-`; anything else is refused,
/// so a pair is always a safe single path component.
///
/// # Examples
/// ```
/// use tradestore::market::normalize_pair;
/// assert_eq!(normalize_pair("BTC/EUR")?, "BTC-EUR");
/// assert!(normalize_pair("../etc").is_err());
/// # Ok::<(), tradestore::Error>(())
/// ```
///
/// # Errors
/// [`Error::Validation`] for an empty, too long or unsafe name.
pub fn normalize_pair(pair: &str) -> Result<String> {
    let bad = |why: &str| Error::validation("pair", format!("{pair:?} {why}"));
    if pair.is_empty() || pair.len() > MAX_PAIR_LEN {
        return Err(bad("must be 1 to 64 bytes"));
    }
    let mut out = String::with_capacity(pair.len());
    for c in pair.chars() {
        match c {
            'A'..='Z' | 'a'..='z' | '0'..='9' | '.' | '-' => out.push(c),
            '/' | '_' | ':' => out.push('-'),
            _ => return Err(bad("may hold only letters, digits, '.', '-', '/', '_' and ':'")),
        }
    }
    if out.starts_with(['.', '-']) {
        return Err(bad("must start with a letter or digit"));
    }
    Ok(out)
}

/// One partition: the catalog key and what the path is built from.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PartitionKey {
    /// Normalized pair.
    pub pair: String,
    /// Timeframe text (`1h`), or [`TICKS`].
    pub timeframe: String,
    /// Period (`2024`, `2024-01` or `2024-01-02`).
    pub period: String,
}

impl PartitionKey {
    /// A key read back from a catalog table, checked to be one the store writes (a normalized
    /// pair, a timeframe of letters and digits, a period of digits and `-`) before it is ever
    /// joined to the store directory: a forged row cannot name a path outside the store.
    ///
    /// # Errors
    /// [`Error::Corruption`] naming `table` for any other key.
    pub fn from_stored(pair: &str, timeframe: &str, period: &str, table: &str) -> Result<PartitionKey> {
        let key = PartitionKey {
            pair: pair.into(),
            timeframe: timeframe.into(),
            period: period.into(),
        };
        let pair_ok = normalize_pair(pair).is_ok_and(|p| p == pair);
        let tf_ok = (1..=8).contains(&timeframe.len()) && timeframe.bytes().all(|b| b.is_ascii_alphanumeric());
        let period_ok = (4..=10).contains(&period.len()) && period.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if pair_ok && tf_ok && period_ok {
            Ok(key)
        } else {
            Err(Error::corruption(
                table,
                &key,
                "not a partition name the store writes; it is not used as a path",
            ))
        }
    }

    /// Whether this is a tick partition.
    pub fn is_ticks(&self) -> bool {
        self.timeframe == TICKS
    }

    /// The partition directory, relative to the store root.
    pub fn rel_dir(&self) -> PathBuf {
        if self.is_ticks() {
            Path::new(TICKS_DIR)
                .join(format!("pair={}", self.pair))
                .join(format!("period={}", self.period))
        } else {
            Path::new(MARKET_DIR)
                .join(format!("pair={}", self.pair))
                .join(format!("timeframe={}", self.timeframe))
                .join(format!("period={}", self.period))
        }
    }

    /// The data file, relative to the store root.
    pub fn rel_file(&self) -> PathBuf {
        self.rel_dir().join(DATA_FILE)
    }

    /// Parses a data file's path relative to the store root back into its key; `None` for a
    /// path that is not one the store writes.
    pub fn from_rel_file(rel: &Path) -> Option<PartitionKey> {
        let parts: Vec<&str> = rel.iter().map(|c| c.to_str()).collect::<Option<_>>()?;
        let value = |s: &str, name: &str| s.strip_prefix(name)?.strip_prefix('=').map(str::to_owned);
        let key = match parts.as_slice() {
            [MARKET_DIR, p, t, d, DATA_FILE] => PartitionKey {
                pair: value(p, "pair")?,
                timeframe: value(t, "timeframe")?,
                period: value(d, "period")?,
            },
            [TICKS_DIR, p, d, DATA_FILE] => PartitionKey {
                pair: value(p, "pair")?,
                timeframe: TICKS.into(),
                period: value(d, "period")?,
            },
            _ => return None,
        };
        (key.rel_file() == rel).then_some(key)
    }
}

impl std::fmt::Display for PartitionKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}/{}", self.pair, self.timeframe, self.period)
    }
}

/// Whether a file name is one of the store's in-flight temp files.
pub fn is_temp_name(name: &str) -> bool {
    name.starts_with(TEMP_PREFIX) && name.ends_with(TEMP_SUFFIX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_round_trip() {
        let k = PartitionKey {
            pair: "BTC-EUR".into(),
            timeframe: "1h".into(),
            period: "2024-01".into(),
        };
        assert_eq!(
            k.rel_file(),
            Path::new("market/pair=BTC-EUR/timeframe=1h/period=2024-01/data.parquet")
        );
        assert_eq!(PartitionKey::from_rel_file(&k.rel_file()), Some(k));
        let t = PartitionKey {
            pair: "ETH-EUR".into(),
            timeframe: TICKS.into(),
            period: "2024-01-02".into(),
        };
        assert_eq!(PartitionKey::from_rel_file(&t.rel_file()), Some(t));
        assert_eq!(PartitionKey::from_rel_file(Path::new("market/x.parquet")), None);
        assert!(is_temp_name(".data.parquet.abc.tmp"));
        assert_eq!(normalize_pair("BTC_USDT:USDT").unwrap(), "BTC-USDT-USDT");
    }
}
