//! Candle timeframes (`1m`, `5m`, `1h`, `4h`, `1d`, `1w`, `1M`, …): their length, how candle
//! timestamps align to them, and which calendar period partitions them.

use std::fmt;
use std::str::FromStr;

use time::{Date, Month, OffsetDateTime};

use crate::timefmt::NANOS_PER_SEC;
use crate::{Error, Result};

const MINUTE: i64 = 60 * NANOS_PER_SEC;
const HOUR: i64 = 60 * MINUTE;
const DAY: i64 = 24 * HOUR;
/// 1970-01-01 was a Thursday; weeks start on Monday, 4 days later.
const WEEK_OFFSET: i64 = 4 * DAY;

/// The unit of a [`Timeframe`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Unit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
}

/// How a timeframe's candles are split into files.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PeriodKind {
    /// One partition per calendar day (`2024-01-02`): ticks.
    Day,
    /// One partition per calendar month (`2024-01`): timeframes up to one hour.
    Month,
    /// One partition per calendar year (`2024`): timeframes above one hour.
    Year,
}

/// A candle timeframe: `N` minutes (`m`), hours (`h`), days (`d`), weeks (`w`) or months (`M`),
/// written as freqtrade and ccxt write it.
///
/// Candle timestamps are the candle's open time and must be aligned: minute, hour and day
/// timeframes to multiples of their length since the Unix epoch, weeks to Mondays 00:00 UTC,
/// months to the first of the month 00:00 UTC.
///
/// # Examples
/// ```
/// use tradestore::market::Timeframe;
/// let tf: Timeframe = "15m".parse()?;
/// assert_eq!(tf.to_string(), "15m");
/// assert!(tf.is_aligned(1_704_067_200_000_000_000 + 15 * 60_000_000_000));
/// assert!(!tf.is_aligned(1_704_067_200_000_000_000 + 60_000_000_000));
/// # Ok::<(), tradestore::Error>(())
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timeframe {
    unit: Unit,
    n: u32,
}

impl Timeframe {
    /// Length in nanoseconds, for fixed-length timeframes (everything but months).
    pub fn nanos(self) -> Option<i64> {
        let unit = match self.unit {
            Unit::Minute => MINUTE,
            Unit::Hour => HOUR,
            Unit::Day => DAY,
            Unit::Week => 7 * DAY,
            Unit::Month => return None,
        };
        Some(unit * i64::from(self.n))
    }

    /// Whether `ts` (ns since the epoch) is a valid candle open time for this timeframe.
    pub fn is_aligned(self, ts: i64) -> bool {
        match (self.unit, self.nanos()) {
            (Unit::Week, Some(len)) => (ts - WEEK_OFFSET).rem_euclid(len) == 0,
            (_, Some(len)) => ts.rem_euclid(len) == 0,
            (_, None) => month_aligned(ts, self.n),
        }
    }

    /// The calendar period that partitions candles of this timeframe: months up to one hour,
    /// years above.
    pub fn period_kind(self) -> PeriodKind {
        match self.nanos() {
            Some(len) if len <= HOUR => PeriodKind::Month,
            _ => PeriodKind::Year,
        }
    }

    /// The word the single-file legacy name uses (`minute`, `5minute`, `hour`, `day`, …).
    pub fn legacy_granularity(self) -> String {
        let word = match self.unit {
            Unit::Minute => "minute",
            Unit::Hour => "hour",
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
        };
        if self.n == 1 {
            word.into()
        } else {
            format!("{}{word}", self.n)
        }
    }

    /// Parses a legacy granularity word (`minute`, `5minute`, `hour`, `4hour`, `day`, …).
    ///
    /// # Errors
    /// [`Error::Validation`] for an unknown word.
    pub fn from_legacy_granularity(word: &str) -> Result<Timeframe> {
        let split = word.find(|c: char| !c.is_ascii_digit()).unwrap_or(word.len());
        let (num, unit) = word.split_at(split);
        let letter = match unit {
            "minute" | "min" => "m",
            "hour" => "h",
            "day" => "d",
            "week" => "w",
            "month" => "M",
            _ => {
                return Err(Error::validation(
                    "granularity",
                    format!("{word:?} is not a known granularity"),
                ));
            }
        };
        format!("{}{letter}", if num.is_empty() { "1" } else { num }).parse()
    }
}

fn month_aligned(ts: i64, n: u32) -> bool {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts)) {
        Ok(dt) => {
            let month_index = i64::from(dt.year()) * 12 + i64::from(u8::from(dt.month())) - 1;
            dt.day() == 1 && dt.time() == time::Time::MIDNIGHT && month_index.rem_euclid(i64::from(n)) == 0
        }
        Err(_) => false,
    }
}

impl FromStr for Timeframe {
    type Err = Error;
    fn from_str(s: &str) -> Result<Timeframe> {
        let bad = |why: &str| Error::validation("timeframe", format!("{s:?} {why} (e.g. 1m, 5m, 1h, 4h, 1d, 1w, 1M)"));
        let t = s.trim();
        let cut = t.char_indices().last().map_or(0, |(i, _)| i);
        let (num, unit) = t.split_at(cut);
        let n: u32 = num
            .parse()
            .map_err(|_| bad("is not a number followed by m, h, d, w or M"))?;
        let unit = match unit {
            "m" => Unit::Minute,
            "h" => Unit::Hour,
            "d" => Unit::Day,
            "w" => Unit::Week,
            "M" => Unit::Month,
            _ => return Err(bad("has an unknown unit")),
        };
        let max = match unit {
            Unit::Minute => 60 * 24,
            Unit::Hour => 24 * 7,
            Unit::Day => 366,
            Unit::Week => 1,
            Unit::Month => 12,
        };
        if n == 0 || n > max {
            return Err(bad("is out of range"));
        }
        Ok(Timeframe { unit, n })
    }
}

impl fmt::Display for Timeframe {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let u = match self.unit {
            Unit::Minute => 'm',
            Unit::Hour => 'h',
            Unit::Day => 'd',
            Unit::Week => 'w',
            Unit::Month => 'M',
        };
        write!(f, "{}{u}", self.n)
    }
}

/// The period (`2024-01-02`, `2024-01` or `2024`) holding `ts`, and the half-open ns range
/// `[start, end)` it covers.
///
/// # Errors
/// [`Error::Validation`] for a time outside years 1970..=9999.
pub fn period_of(kind: PeriodKind, ts: i64) -> Result<(String, i64, i64)> {
    let dt = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ts))
        .map_err(|_| Error::validation("ts", format!("{ts} is out of range")))?;
    let (y, m, d) = (dt.year(), dt.month(), dt.day());
    if !(1970..=9999).contains(&y) {
        return Err(Error::validation("ts", format!("year {y} is outside 1970..=9999")));
    }
    let start_of = |date: Option<Date>| -> Result<i64> {
        let date = date.ok_or_else(|| Error::validation("ts", "date out of range"))?;
        i64::try_from(date.midnight().assume_utc().unix_timestamp_nanos())
            .map_err(|_| Error::validation("ts", "date out of range"))
    };
    let ymd = |y: i32, m: Month, d: u8| Date::from_calendar_date(y, m, d).ok();
    Ok(match kind {
        PeriodKind::Day => {
            let start = start_of(ymd(y, m, d))?;
            (format!("{y:04}-{:02}-{d:02}", u8::from(m)), start, start + DAY)
        }
        PeriodKind::Month => {
            let (ny, nm) = if m == Month::December {
                (y + 1, Month::January)
            } else {
                (y, m.next())
            };
            (
                format!("{y:04}-{:02}", u8::from(m)),
                start_of(ymd(y, m, 1))?,
                start_of(ymd(ny, nm, 1))?,
            )
        }
        PeriodKind::Year => (
            format!("{y:04}"),
            start_of(ymd(y, Month::January, 1))?,
            start_of(ymd(y + 1, Month::January, 1))?,
        ),
    })
}

/// The ns range `[start, end)` of a period string as [`period_of`] writes it.
///
/// # Errors
/// [`Error::Validation`] for text that is not a period.
pub fn period_range(period: &str) -> Result<(i64, i64)> {
    let bad = || Error::validation("period", format!("{period:?} is not YYYY, YYYY-MM or YYYY-MM-DD"));
    let parts: Vec<&str> = period.split('-').collect();
    let num = |i: usize| -> Result<i64> { parts.get(i).and_then(|p| p.parse::<i64>().ok()).ok_or_else(bad) };
    let y = num(0)?;
    let (kind, m, d) = match parts.len() {
        1 => (PeriodKind::Year, 1, 1),
        2 => (PeriodKind::Month, num(1)?, 1),
        3 => (PeriodKind::Day, num(1)?, num(2)?),
        _ => return Err(bad()),
    };
    let month = u8::try_from(m)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .ok_or_else(bad)?;
    let date = i32::try_from(y)
        .ok()
        .and_then(|y| Date::from_calendar_date(y, month, u8::try_from(d).ok()?).ok())
        .ok_or_else(bad)?;
    let ts = i64::try_from(date.midnight().assume_utc().unix_timestamp_nanos()).map_err(|_| bad())?;
    let (name, start, end) = period_of(kind, ts)?;
    if name != period {
        return Err(bad());
    }
    Ok((start, end))
}

#[cfg(test)]
mod tests {
    use super::*;

    const JAN_2024: i64 = 1_704_067_200 * NANOS_PER_SEC; // a Monday

    #[test]
    fn parses_and_aligns() {
        for s in ["1m", "5m", "15m", "1h", "4h", "1d", "3d", "1w", "1M"] {
            assert_eq!(s.parse::<Timeframe>().unwrap().to_string(), s);
        }
        assert!("0m".parse::<Timeframe>().is_err());
        assert!("1x".parse::<Timeframe>().is_err());
        assert!("1é".parse::<Timeframe>().is_err());
        assert!("".parse::<Timeframe>().is_err());
        let w: Timeframe = "1w".parse().unwrap();
        assert!(w.is_aligned(JAN_2024));
        assert!(!w.is_aligned(JAN_2024 + DAY));
        let mo: Timeframe = "1M".parse().unwrap();
        assert!(mo.is_aligned(JAN_2024));
        assert!(!mo.is_aligned(JAN_2024 + DAY));
        assert_eq!(Timeframe::from_legacy_granularity("hour").unwrap().to_string(), "1h");
        assert_eq!(Timeframe::from_legacy_granularity("5minute").unwrap().to_string(), "5m");
    }

    #[test]
    fn periods_cover_their_range() {
        let (p, s, e) = period_of(PeriodKind::Month, JAN_2024 + 40 * DAY).unwrap();
        assert_eq!(p, "2024-02");
        assert_eq!(period_range(&p).unwrap(), (s, e));
        assert_eq!(e - s, 29 * DAY);
        let (p, s, e) = period_of(PeriodKind::Year, JAN_2024).unwrap();
        assert_eq!((p.as_str(), s, e - s), ("2024", JAN_2024, 366 * DAY));
        let (p, _, _) = period_of(PeriodKind::Day, JAN_2024 + DAY + 5).unwrap();
        assert_eq!(p, "2024-01-02");
        assert!(period_range("2024-13").is_err());
    }
}
