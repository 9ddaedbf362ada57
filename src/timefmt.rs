//! Timestamps: i64 nanoseconds since the Unix epoch, UTC; RFC 3339 or epoch milliseconds as text.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::{Error, Result};

/// Nanoseconds in one second.
pub const NANOS_PER_SEC: i64 = 1_000_000_000;
/// Nanoseconds in one day.
pub const NANOS_PER_DAY: i64 = 86_400 * NANOS_PER_SEC;

/// The current time in ns since the Unix epoch, UTC.
pub fn now_ns() -> i64 {
    i64::try_from(OffsetDateTime::now_utc().unix_timestamp_nanos()).unwrap_or(i64::MAX)
}

/// Parses an RFC 3339 timestamp (`2024-01-02T03:04:05.123Z`) or integer epoch milliseconds.
///
/// # Errors
/// [`Error::Validation`] naming `field` when the text is neither.
pub fn parse_ts(field: &str, text: &str) -> Result<i64> {
    let t = text.trim();
    if let Ok(ms) = t.parse::<i64>() {
        return ms
            .checked_mul(1_000_000)
            .ok_or_else(|| Error::validation(field, format!("{ms} ms is out of range")));
    }
    let dt = OffsetDateTime::parse(t, &Rfc3339)
        .map_err(|e| Error::validation(field, format!("{t:?} is neither RFC 3339 nor epoch milliseconds ({e})")))?;
    i64::try_from(dt.unix_timestamp_nanos()).map_err(|_| Error::validation(field, format!("{t:?} is out of range")))
}

/// Formats ns since the epoch as RFC 3339 UTC with milliseconds (`2024-01-02T03:04:05.123Z`).
pub fn format_ts(ns: i64) -> String {
    match OffsetDateTime::from_unix_timestamp_nanos(i128::from(ns)) {
        Ok(dt) => {
            let (y, mo, d) = (dt.year(), u8::from(dt.month()), dt.day());
            let (h, mi, s) = (dt.hour(), dt.minute(), dt.second());
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{:03}Z", dt.millisecond())
        }
        Err(_) => ns.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_rfc3339_and_accepts_epoch_ms() {
        let ns = parse_ts("ts", "2024-01-02T03:04:05.123Z").unwrap();
        assert_eq!(format_ts(ns), "2024-01-02T03:04:05.123Z");
        assert_eq!(parse_ts("ts", "1704164645123").unwrap(), ns);
        assert!(matches!(parse_ts("ts", "yesterday"), Err(Error::Validation { .. })));
    }
}
