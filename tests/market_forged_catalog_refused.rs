//! A catalog row whose key is not a partition name the store writes (here a period with `../`
//! that would lead from an existing partition directory to a file outside the store) is refused
//! as corruption by every market call that lists or reads the catalog, and the file it points
//! at is never touched.

mod common;

use common::{HOUR, T0};
use redb::{Database, ReadableDatabase};
use tradestore::envelope::RecBytes;
use tradestore::market::Candle;
use tradestore::tables::MARKET_CATALOG;
use tradestore::{Error, Store};

#[test]
fn forged_catalog_key_is_corruption() -> Result<(), Box<dyn std::error::Error>> {
    let base = tempfile::tempdir()?;
    let root = base.path().join("store");
    {
        let store = Store::open(&root)?;
        let candles = common::candles(T0, HOUR, 3, 1.5);
        store.market().write_candles("BTC-EUR", "1h".parse()?, &candles)?;
    }
    // market/pair=BTC-EUR/timeframe=1h/period=2024-01/../../../../../victim/data.parquet
    let victim = base.path().join("victim");
    std::fs::create_dir(&victim)?;
    std::fs::write(victim.join("data.parquet"), b"not the store's")?;
    let forged = "2024-01/../../../../../victim";
    {
        let db = Database::open(root.join("tradestore.redb"))?;
        let bytes = {
            let rtx = db.begin_read()?;
            let table = rtx.open_table(MARKET_CATALOG)?;
            let row = table.get(("BTC-EUR", "1h", "2024-01"))?.ok_or("no catalog row")?;
            row.value().bytes().to_vec()
        };
        let wtx = db.begin_write()?;
        wtx.open_table(MARKET_CATALOG)?
            .insert(("BTC-EUR", "1h", forged), RecBytes::new(&bytes))?;
        wtx.commit()?;
    }
    let store = Store::open(&root)?;
    let m = store.market();
    let corrupt = |r: tradestore::Result<()>, what: &str| match r {
        Err(Error::Corruption { detail, .. }) => assert!(detail.contains("partition name"), "{what}: {detail}"),
        other => panic!("{what}: {other:?}"),
    };
    corrupt(m.list().map(drop), "list");
    corrupt(m.series().map(drop), "series");
    corrupt(m.candles("BTC-EUR", "1h".parse()?, None, None).map(drop), "candles");
    corrupt(store.verify_market().map(drop), "verify_market");
    // A write only touches the partitions it computes from its own rows, never the forged one.
    m.write_candles(
        "BTC-EUR",
        "1h".parse()?,
        &[Candle {
            ts: T0,
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: 3.0,
        }],
    )?;
    assert_eq!(std::fs::read(victim.join("data.parquet"))?, b"not the store's");
    Ok(())
}
