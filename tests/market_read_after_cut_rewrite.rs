//! A crash between a partition's rename and its catalog commit used to make the acknowledged
//! candles of that partition unreadable until something ran recovery (a market write or
//! `verify`): reads checked the new file against the old catalog row only and refused it as
//! corrupt, telling the user to restore from a snapshot. Reads now also accept the file the
//! pending row describes (what recovery will promote); a file matching neither row is still
//! refused.

mod common;

use common::{HOUR, JAN_2024, candles, tf};
use tradestore::market::{PartitionKey, catalog};
use tradestore::{Result, Store};

/// Writes January twice, then puts the store in the state a crash after the rename of the
/// second write leaves: file new, catalog row old, pending row new.
fn cut_after_rename(dir: &std::path::Path) -> Result<PartitionKey> {
    let store = Store::open(dir)?;
    let m = store.market();
    m.write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024, HOUR, 100, 10.0))?;
    let old_meta = m.list()?[0].meta;
    m.write_candles("BTC-EUR", tf("1h"), &candles(JAN_2024 + 50 * HOUR, HOUR, 100, 500.0))?;
    let new_meta = m.list()?[0].meta;
    let key = PartitionKey {
        pair: "BTC-EUR".into(),
        timeframe: "1h".into(),
        period: "2024-01".into(),
    };
    catalog::promote(&store, &[(key.clone(), old_meta)])?;
    catalog::set_pending(&store, &[(key.clone(), new_meta)])?;
    Ok(key)
}

#[test]
fn candles_read_before_recovery_runs() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    cut_after_rename(dir.path())?;
    let store = Store::open(dir.path())?;
    let got = store.market().candles("BTC-EUR", tf("1h"), None, None)?;
    assert_eq!(got.len(), 150);
    assert_eq!(got[0].close, candles(JAN_2024, HOUR, 1, 10.0)[0].close);
    let report = store.verify_market()?;
    assert_eq!(report.recovered, 1);
    assert!(report.ok(), "{:?}", report.problems);
    Ok(())
}

#[test]
fn a_file_matching_neither_row_is_still_refused() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let key = cut_after_rename(dir.path())?;
    let file = dir.path().join(key.rel_file());
    let mut bytes = std::fs::read(&file).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(&file, &bytes).unwrap();
    let store = Store::open(dir.path())?;
    assert!(store.market().candles("BTC-EUR", tf("1h"), None, None).is_err());
    Ok(())
}
