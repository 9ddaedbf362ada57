//! Overlapping writes merge by `ts` (the newer value wins), writing the same candles again
//! changes nothing, and appending rewrites only the partitions the new candles fall in.

mod common;

use common::{HOUR, JAN_2024, candles, tf};
use tradestore::{Result, Store};

#[test]
fn rewrite_is_idempotent_and_newer_wins() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let m = store.market();
    let three_months = candles(JAN_2024, HOUR, 24 * 91, 100.0);
    let first = m.write_candles("BTC-EUR", tf("1h"), &three_months)?;
    assert_eq!(first.partitions_written, 3);
    let before = m.list()?;

    let again = m.write_candles("BTC-EUR", tf("1h"), &three_months)?;
    assert_eq!((again.partitions_written, again.partitions_unchanged), (0, 3));
    assert_eq!(m.list()?, before, "identical content must not rewrite any file");

    // Overlap the last day of March with new values and extend into April.
    let late = candles(JAN_2024 + (24 * 91 - 24) * HOUR, HOUR, 48, 9_000.0);
    let third = m.write_candles("BTC-EUR", tf("1h"), &late)?;
    assert_eq!((third.partitions_written, third.partitions_unchanged), (2, 0));
    let after = m.list()?;
    assert_eq!(after.len(), 4);
    assert_eq!(after[0].meta, before[0].meta, "January untouched");
    assert_eq!(after[1].meta, before[1].meta, "February untouched");

    let all = m.candles("BTC-EUR", tf("1h"), None, None)?;
    assert_eq!(all.len(), 24 * 91 + 24);
    assert!(all.windows(2).all(|w| w[0].ts < w[1].ts));
    let overlap = all.iter().find(|c| c.ts == late[0].ts).unwrap();
    assert_eq!(overlap.close, 9_000.0, "the newer value wins");

    // Within one call, the last of equal timestamps wins.
    let mut dup = candles(JAN_2024, HOUR, 1, 1.0);
    dup.extend(candles(JAN_2024, HOUR, 1, 2.0));
    m.write_candles("BTC-EUR", tf("1h"), &dup)?;
    assert_eq!(
        m.candles("BTC-EUR", tf("1h"), None, Some(JAN_2024 + HOUR))?[0].close,
        2.0
    );
    Ok(())
}
