//! Range reads open only the partitions the catalog says overlap the range, decode only the row
//! groups whose `ts` statistics overlap it, and return exactly the rows inside it.

mod common;

use common::{JAN_2024, MINUTE, candles, tf};
use tradestore::market::PartitionKey;
use tradestore::{Result, Store};

#[test]
fn reads_touch_only_what_overlaps() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().market_row_group_rows(1_000).open(dir.path())?;
    let m = store.market();
    let rows = candles(JAN_2024, MINUTE, 60 * 24 * 91, 1.0); // January to March
    m.write_candles("BTC-EUR", tf("1m"), &rows)?;
    assert_eq!(m.list()?.len(), 3);

    // Damage March: a read of February must not even open it.
    let march = PartitionKey {
        pair: "BTC-EUR".into(),
        timeframe: "1m".into(),
        period: "2024-03".into(),
    };
    std::fs::write(dir.path().join(march.rel_file()), b"garbage").unwrap();

    let from = rows[50_000].ts + 30 * 1_000_000_000; // mid-candle: the next candle is first
    let to = rows[52_500].ts;
    let mut reader = m.read_candles("BTC-EUR", tf("1m"), Some(from), Some(to))?;
    let mut got = Vec::new();
    for batch in reader.by_ref() {
        tradestore::market::schema::batch_to_candles(&batch?, &mut got)?;
    }
    assert_eq!(got, rows[50_001..52_500].to_vec());
    let stats = reader.stats();
    assert_eq!((stats.partitions_pruned, stats.partitions_opened), (2, 1));
    assert_eq!(stats.row_groups_read, 3, "{stats:?}");
    assert!(stats.row_groups_skipped >= 38, "{stats:?}");

    assert!(
        m.candles("BTC-EUR", tf("1m"), Some(from), None).is_err(),
        "March is corrupt and now read"
    );
    Ok(())
}
