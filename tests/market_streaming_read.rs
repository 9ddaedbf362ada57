//! Reads stream: batches are at most the configured size and partitions are opened one at a
//! time as the caller pulls, so a long range never sits in memory whole.

mod common;

use common::{JAN_2024, MINUTE, candles, tf};
use tradestore::{Result, Store};

#[test]
fn reads_stream_partition_by_partition() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().market_batch_rows(4_096).open(dir.path())?;
    let rows = candles(JAN_2024, MINUTE, 60 * 24 * 121, 1.0); // January to April
    store.market().write_candles("ETH-EUR", tf("1m"), &rows)?;

    let mut reader = store.market().read_candles("ETH-EUR", tf("1m"), None, None)?;
    assert_eq!(reader.partitions_left(), 4);
    let first = reader.next().unwrap()?;
    assert_eq!(first.num_rows(), 4_096);
    assert_eq!((reader.partitions_left(), reader.stats().partitions_opened), (3, 1));
    let mut total = first.num_rows();
    for batch in reader.by_ref() {
        let batch = batch?;
        assert!(batch.num_rows() <= 4_096);
        total += batch.num_rows();
    }
    assert_eq!(total, rows.len());
    assert_eq!(reader.stats().partitions_opened, 4);
    Ok(())
}
