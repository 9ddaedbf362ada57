//! 8 threads × 1,000 concurrent durable `save_trade` calls share commits and end with 8,000
//! trades, unique ids, all readable after reopening, whether the writer and the operation log's
//! thread poll for each other before sleeping or sleep at once. A failing operation in a shared
//! commit fails alone.

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::fill;
use tradestore::{Error, Side, Store, StoreBuilder};

#[test]
fn eight_threads_thousand_saves_each() -> common::TestResult {
    eight_threads_thousand_saves(Store::builder())
}

#[test]
fn eight_threads_thousand_saves_each_without_polling() -> common::TestResult {
    eight_threads_thousand_saves(Store::builder().spin_wait(Duration::ZERO))
}

#[test]
fn eight_threads_thousand_saves_each_polling_beyond_any_clock() -> common::TestResult {
    // Taken as the longest polling time; no deadline computed from it may overflow the clock.
    eight_threads_thousand_saves(Store::builder().spin_wait(Duration::MAX))
}

fn eight_threads_thousand_saves(builder: StoreBuilder) -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let ids: Vec<u64> = {
        let store = builder.open(dir.path())?;
        let handles: Vec<_> = (0..8)
            .map(|t| {
                let store = store.clone();
                std::thread::spawn(move || -> Vec<u64> {
                    (0..1000)
                        .map(|i| {
                            store
                                .save_trade(
                                    fill("BTC-EUR", Side::Buy, "1", "100")
                                        .venue("v")
                                        .order_id(format!("{t}-{i}")),
                                )
                                .expect("save")
                                .id
                        })
                        .collect()
                })
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().expect("thread")).collect()
    };
    let unique: HashSet<u64> = ids.iter().copied().collect();
    assert_eq!(unique.len(), 8000);
    let store = Store::open(dir.path())?;
    for id in &ids {
        assert_eq!(store.get_trade(*id)?.id, *id);
    }
    assert_eq!(store.positions()?[0].qty, common::d("8000"));
    Ok(())
}

#[test]
fn failing_operations_do_not_take_their_batch_down() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue("v").order_id("taken"))?;
    let handles: Vec<_> = (0..8)
        .map(|t| {
            let store = store.clone();
            std::thread::spawn(move || {
                let (mut ok, mut conflicts) = (0, 0);
                for i in 0..200 {
                    // Every third save re-sends the taken order id and must fail alone.
                    let oid = if i % 3 == 0 {
                        "taken".to_string()
                    } else {
                        format!("{t}-{i}")
                    };
                    match store.save_trade(fill("BTC-EUR", Side::Buy, "1", "100").venue("v").order_id(oid)) {
                        Ok(_) => ok += 1,
                        Err(Error::Conflict {
                            existing_id: Some(1), ..
                        }) => conflicts += 1,
                        Err(e) => panic!("{e}"),
                    }
                }
                (ok, conflicts)
            })
        })
        .collect();
    let (mut ok, mut conflicts) = (0, 0);
    for h in handles {
        let (o, c) = h.join().expect("thread");
        ok += o;
        conflicts += c;
    }
    assert_eq!((ok, conflicts), (8 * 133, 8 * 67));
    let count = store
        .table_counts()?
        .into_iter()
        .find(|(n, _)| n == "trades")
        .map(|(_, n)| n);
    assert_eq!(count, Some(1 + 8 * 133));
    Ok(())
}
