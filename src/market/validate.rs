//! Row rules for candles and ticks. A write or import checks every row before anything is
//! written; a bad row refuses the whole input unless the caller asks to skip bad rows.

use super::schema::{Candle, Tick};
use super::timeframe::Timeframe;
use crate::timefmt::format_ts;
use crate::{Error, Result};

/// Earliest time accepted: 1970-01-01T00:00:00Z.
pub const MIN_MARKET_TS: i64 = 0;
/// Latest time accepted: the last i64 nanosecond (2262-04-11).
pub const MAX_MARKET_TS: i64 = i64::MAX;
/// Longest tick trade id accepted, in bytes.
pub const MAX_TRADE_ID_LEN: usize = 128;

/// A rule a candle broke.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Rule {
    /// Every field parses (a number, a timestamp) and is present.
    Parse,
    /// Every value is a finite number.
    Finite,
    /// `high ≥ max(open, close)`.
    HighAboveOpenClose,
    /// `low ≤ min(open, close)`.
    LowBelowOpenClose,
    /// `volume ≥ 0` (ticks: `amount ≥ 0`).
    VolumeNonNegative,
    /// The timestamp is a candle open time of the timeframe.
    Aligned,
    /// The timestamp is not before 1970-01-01.
    TimeInRange,
    /// Tick price is greater than zero.
    PricePositive,
    /// Tick trade id is at most 128 bytes without control characters.
    TradeId,
}

impl Rule {
    /// How the rule reads in messages.
    pub fn text(self) -> &'static str {
        match self {
            Rule::Parse => "fields must parse and be present",
            Rule::Finite => "values must be finite",
            Rule::HighAboveOpenClose => "high >= max(open, close)",
            Rule::LowBelowOpenClose => "low <= min(open, close)",
            Rule::VolumeNonNegative => "volume >= 0",
            Rule::Aligned => "ts aligned to the timeframe",
            Rule::TimeInRange => "ts at or after 1970-01-01",
            Rule::PricePositive => "price > 0",
            Rule::TradeId => "trade_id at most 128 bytes, no control characters",
        }
    }
}

/// One refused row: its index in the input, the rule and the values that broke it.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct BadRow {
    /// Index of the row in the input (0-based).
    pub index: usize,
    /// The rule it broke.
    pub rule: Rule,
    /// The offending values.
    pub detail: String,
}

fn in_range(ts: i64) -> bool {
    (MIN_MARKET_TS..=MAX_MARKET_TS).contains(&ts)
}

/// The first rule `c` breaks, with the offending values.
pub fn check_candle(tf: Timeframe, c: &Candle) -> Option<(Rule, String)> {
    let vals = [c.open, c.high, c.low, c.close, c.volume];
    if vals.iter().any(|v| !v.is_finite()) {
        return Some((Rule::Finite, format!("{vals:?}")));
    }
    if c.high < c.open.max(c.close) {
        return Some((
            Rule::HighAboveOpenClose,
            format!("high {} open {} close {}", c.high, c.open, c.close),
        ));
    }
    if c.low > c.open.min(c.close) {
        return Some((
            Rule::LowBelowOpenClose,
            format!("low {} open {} close {}", c.low, c.open, c.close),
        ));
    }
    if c.volume < 0.0 {
        return Some((Rule::VolumeNonNegative, format!("volume {}", c.volume)));
    }
    if !in_range(c.ts) {
        return Some((Rule::TimeInRange, format!("ts {}", c.ts)));
    }
    if !tf.is_aligned(c.ts) {
        return Some((Rule::Aligned, format!("ts {} is not a {tf} open time", format_ts(c.ts))));
    }
    None
}

/// The first rule `t` breaks, with the offending values.
pub fn check_tick(t: &Tick) -> Option<(Rule, String)> {
    if !t.price.is_finite() || !t.amount.is_finite() {
        return Some((Rule::Finite, format!("price {} amount {}", t.price, t.amount)));
    }
    if t.price <= 0.0 {
        return Some((Rule::PricePositive, format!("price {}", t.price)));
    }
    if t.amount < 0.0 {
        return Some((Rule::VolumeNonNegative, format!("amount {}", t.amount)));
    }
    if !in_range(t.ts) {
        return Some((Rule::TimeInRange, format!("ts {}", t.ts)));
    }
    if t.trade_id.len() > MAX_TRADE_ID_LEN || t.trade_id.chars().any(char::is_control) {
        return Some((Rule::TradeId, format!("trade_id {:?}", t.trade_id)));
    }
    None
}

/// Every bad row of `rows`, in input order.
pub fn bad_rows<T>(rows: &[T], check: impl Fn(&T) -> Option<(Rule, String)>) -> Vec<BadRow> {
    rows.iter()
        .enumerate()
        .filter_map(|(index, r)| check(r).map(|(rule, detail)| BadRow { index, rule, detail }))
        .collect()
}

/// Rows below which [`refuse_bad`] checks on the calling thread only.
const PARALLEL_CHECK_ROWS: usize = 1 << 16;

/// The first bad row of `rows` (index within `rows`).
fn first_bad<T>(rows: &[T], check: &impl Fn(&T) -> Option<(Rule, String)>) -> Option<(usize, Rule, String)> {
    rows.iter()
        .enumerate()
        .find_map(|(index, r)| check(r).map(|(rule, detail)| (index, rule, detail)))
}

/// Refuses `rows` whole at the first bad row, naming `what[index]` and the rule. Large inputs
/// are checked in slices on every core; the error still names the first bad row.
///
/// # Errors
/// [`Error::Validation`] for the first bad row.
pub fn refuse_bad<T: Sync>(what: &str, rows: &[T], check: impl Fn(&T) -> Option<(Rule, String)> + Sync) -> Result<()> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let bad = if cores <= 1 || rows.len() < PARALLEL_CHECK_ROWS {
        first_bad(rows, &check)
    } else {
        let per = rows.len().div_ceil(cores);
        let check = &check;
        std::thread::scope(|s| {
            let slices: Vec<_> = rows
                .chunks(per)
                .enumerate()
                .map(|(i, slice)| (i * per, s.spawn(move || first_bad(slice, check))))
                .collect();
            // Slices in input order: the first one with a bad row holds the first bad row.
            slices.into_iter().find_map(|(offset, handle)| {
                let found = handle.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic));
                found.map(|(i, rule, detail)| (offset + i, rule, detail))
            })
        })
    };
    match bad {
        Some((index, rule, detail)) => Err(Error::validation(
            format!("{what}[{index}]"),
            format!("breaks rule `{}` ({detail})", rule.text()),
        )),
        None => Ok(()),
    }
}
