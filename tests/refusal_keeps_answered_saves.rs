//! A save refused right after saves that were answered but not yet committed to the store file
//! (the writer shares one commit across consecutive logged saves) rolls back only itself: the
//! answered saves stay stored, under the ids, positions and P&L they were given, before and
//! after a reopen.

mod common;

use std::collections::BTreeMap;

use common::fill;
use tradestore::{Error, Side, Store, Trade};

fn check(store: &Store, answered: &BTreeMap<u64, Trade>) -> common::TestResult {
    for (id, t) in answered {
        assert_eq!(&store.get_trade(*id)?, t, "trade {id} changed or was lost");
    }
    let stored = store
        .table_counts()?
        .into_iter()
        .find(|(name, _)| name == "trades")
        .map(|(_, n)| n);
    assert_eq!(
        stored,
        Some(answered.len() as u64),
        "stored trades that were never answered"
    );
    Ok(())
}

#[test]
fn a_duplicate_between_saves_leaves_the_answered_ones() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().cache_bytes(0).open(dir.path())?;
    let mut answered = BTreeMap::new();
    for round in 0..40 {
        let a = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").order_id(format!("a{round}")))?;
        let b = store.save_trade(fill("BTC-EUR", Side::Sell, "1", "110").order_id(format!("b{round}")))?;
        let dup = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").order_id(format!("a{round}")));
        assert!(
            matches!(dup, Err(Error::Conflict { existing_id: Some(id), .. }) if id == a.id),
            "{dup:?}"
        );
        let c = store.save_trade(fill("ETH-EUR", Side::Buy, "3", "7").order_id(format!("c{round}")))?;
        assert_eq!((b.id, c.id), (a.id + 1, a.id + 2), "the refusal took an id");
        assert_eq!(b.realized_pnl, common::d("10"));
        answered.extend([(a.id, a), (b.id, b), (c.id, c)]);
    }
    check(&store, &answered)?;
    drop(store);
    check(&Store::open(dir.path())?, &answered)?;
    Ok(())
}

/// The duplicate check skips the lookup of an order id above its venue's greatest stored one,
/// which the writer keeps in memory across the saves it holds uncommitted: it must follow every
/// save, or the newest order id of a venue could be stored twice.
#[test]
fn the_newest_order_id_of_each_venue_is_refused_again() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().cache_bytes(0).open(dir.path())?;
    for i in 0..100 {
        for venue in ["kraken", "binance"] {
            let oid = format!("o-{i:04}");
            let first = store.save_trade(
                fill("BTC-EUR", Side::Buy, "1", "100")
                    .venue(venue)
                    .order_id(oid.clone()),
            )?;
            let again = store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue(venue).order_id(oid));
            assert!(
                matches!(again, Err(Error::Conflict { existing_id: Some(id), .. }) if id == first.id),
                "{venue} order {i} stored twice: {again:?}"
            );
        }
    }
    Ok(())
}

#[test]
fn refusals_among_concurrent_saves_leave_the_answered_ones() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::builder().cache_bytes(0).open(dir.path())?;
    let answered = std::thread::scope(|s| -> Result<BTreeMap<u64, Trade>, Error> {
        let workers: Vec<_> = (0..6)
            .map(|w| {
                let store = &store;
                s.spawn(move || -> Result<Vec<Trade>, Error> {
                    let mut mine = Vec::new();
                    for i in 0..120 {
                        let t =
                            store.save_trade(fill("SOL-EUR", Side::Buy, "1", "20").order_id(format!("w{w}-{i}")))?;
                        // Every fourth save repeats an order id another save already holds.
                        if i % 4 == 3 {
                            let again = fill("SOL-EUR", Side::Buy, "1", "20").order_id(format!("w{w}-{}", i - 1));
                            assert!(matches!(store.save_trade(again), Err(Error::Conflict { .. })));
                        }
                        mine.push(t);
                    }
                    Ok(mine)
                })
            })
            .collect();
        let mut all = BTreeMap::new();
        for w in workers {
            for t in w.join().map_err(|_| Error::Db("worker panicked".into()))?? {
                all.insert(t.id, t);
            }
        }
        Ok(all)
    })?;
    assert_eq!(answered.len(), 6 * 120);
    assert_eq!(
        answered.keys().copied().collect::<Vec<_>>(),
        (1..=720).collect::<Vec<_>>()
    );
    check(&store, &answered)?;
    let position = store
        .positions()?
        .into_iter()
        .find(|p| p.symbol == "SOL-EUR")
        .ok_or("no position")?;
    assert_eq!(position.fills, 720);
    drop(store);
    check(&Store::open(dir.path())?, &answered)?;
    Ok(())
}
