//! Field rules for incoming fills. Everything is checked before anything is written.

use rust_decimal::Decimal;

use super::NewTrade;
use crate::timefmt::{NANOS_PER_DAY, now_ns};
use crate::{Error, Result};

/// Longest symbol, strategy, venue, currency, order id or model name accepted, in bytes.
pub const MAX_NAME_LEN: usize = 128;
/// Largest JSON metadata accepted, in bytes.
pub const MAX_META_LEN: usize = 64 * 1024;
/// Largest quantity, price or fee accepted; keeps every product and sum of the P&L arithmetic
/// far inside `Decimal`'s range.
pub const MAX_AMOUNT: Decimal = Decimal::from_parts(0xA4C6_8000, 0x0003_8D7E, 0, false, 0); // 10^15
/// Most decimal places accepted in an amount.
pub const MAX_SCALE: u32 = 18;
/// Earliest fill time accepted: 2000-01-01T00:00:00Z.
pub const MIN_TS: i64 = 946_684_800 * 1_000_000_000;

pub(crate) fn check_name(field: &str, value: &str, required: bool) -> Result<()> {
    if required && value.trim().is_empty() {
        return Err(Error::validation(field, "must not be empty"));
    }
    if value.len() > MAX_NAME_LEN {
        return Err(Error::validation(
            field,
            format!("{} bytes, longer than {MAX_NAME_LEN}", value.len()),
        ));
    }
    if value != value.trim() {
        return Err(Error::validation(field, "has leading or trailing white space"));
    }
    if value.chars().any(char::is_control) {
        return Err(Error::validation(field, "contains control characters"));
    }
    Ok(())
}

fn check_amount(field: &str, v: Decimal, positive: bool) -> Result<()> {
    if positive && v <= Decimal::ZERO {
        return Err(Error::validation(field, format!("{v} must be greater than 0")));
    }
    if !positive && v < Decimal::ZERO {
        return Err(Error::validation(field, format!("{v} must not be negative")));
    }
    if v > MAX_AMOUNT {
        return Err(Error::validation(field, format!("{v} is larger than {MAX_AMOUNT}")));
    }
    if v.scale() > MAX_SCALE {
        return Err(Error::validation(
            field,
            format!("{v} has more than {MAX_SCALE} decimal places"),
        ));
    }
    Ok(())
}

pub(crate) fn validate(t: &NewTrade) -> Result<()> {
    check_name("symbol", &t.symbol, true)?;
    check_amount("qty", t.qty, true)?;
    check_amount("price", t.price, true)?;
    check_amount("fee", t.fee, false)?;
    check_name("fee_currency", &t.fee_currency, false)?;
    check_name("strategy", &t.strategy, true)?;
    check_name("venue", &t.venue, false)?;
    if let Some(o) = &t.order_id {
        check_name("order_id", o, true)?;
    }
    if let Some(m) = &t.model {
        check_name("model", m, true)?;
        if !m.contains('@') {
            return Err(Error::validation("model", format!("{m:?} is not name@version")));
        }
    }
    if let Some(ts) = t.ts {
        let latest = now_ns().saturating_add(NANOS_PER_DAY);
        if ts < MIN_TS || ts > latest {
            return Err(Error::validation(
                "ts",
                format!(
                    "{} is before 2000-01-01 or more than a day in the future",
                    crate::timefmt::format_ts(ts)
                ),
            ));
        }
    }
    if let Some(meta) = &t.meta {
        check_json("meta", meta, MAX_META_LEN)?;
    }
    Ok(())
}

/// Checks that `text` is one valid JSON document of at most `max` bytes.
pub(crate) fn check_json(field: &str, text: &str, max: usize) -> Result<()> {
    if text.len() > max {
        return Err(Error::validation(
            field,
            format!("{} bytes, larger than {max}", text.len()),
        ));
    }
    serde_json::from_str::<serde::de::IgnoredAny>(text)
        .map_err(|e| Error::validation(field, format!("not valid JSON: {e}")))?;
    Ok(())
}
