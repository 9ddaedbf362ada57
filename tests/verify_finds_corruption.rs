//! `verify` reports a damaged record, a broken trade index and a damaged snapshot file, each
//! with where it is, and a clean store as ok.

use redb::ReadableTable;
use rust_decimal::Decimal;
use serde_json::json;
use tradestore::tables::{DOC_VERSIONS, TRADE_IDS, TRADES};
use tradestore::{NewTrade, Side, Store};

#[test]
fn reports_every_problem() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    for i in 0..5 {
        store.save_trade(
            NewTrade::new("ETH-EUR", Side::Buy, Decimal::ONE, Decimal::from(10 + i)).order_id(format!("o{i}")),
        )?;
    }
    let c = store.collection("opps")?;
    c.put("a", &json!({"profit": "1"}))?;
    c.put("b", &json!({"profit": "2"}))?;
    let snap = store.create_snapshot(None)?;
    let report = store.verify()?;
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.checked.get("trades"), Some(&5));
    assert_eq!(report.checked.get("snapshots"), Some(&1));
    drop((c, store));

    let db = redb::Database::create(dir.path().join("tradestore.redb")).unwrap();
    let w = db.begin_write().unwrap();
    {
        let mut docs = w.open_table(DOC_VERSIONS).unwrap();
        let mut bytes = docs.get(("opps", "b", 1)).unwrap().unwrap().value().bytes().to_vec();
        let last = bytes.len() - 3;
        bytes[last] ^= 0x20;
        docs.insert(("opps", "b", 1), tradestore::envelope::RecBytes::new(&bytes))
            .unwrap();
        w.open_table(TRADE_IDS).unwrap().remove(3).unwrap();
    }
    w.commit().unwrap();
    drop(db);
    let mut damaged = std::fs::read(&snap.path).unwrap();
    damaged[200] ^= 1;
    std::fs::write(&snap.path, damaged).unwrap();

    let store = Store::open(dir.path())?;
    let report = store.verify()?;
    assert!(!report.ok);
    let places: Vec<(&str, &str)> = report
        .problems
        .iter()
        .map(|p| (p.what.as_str(), p.place.as_str()))
        .collect();
    assert!(
        places
            .iter()
            .any(|(w, p)| *w == "corrupt record" && p.starts_with("doc_versions/")),
        "{places:?}"
    );
    assert!(
        places.iter().any(|(w, p)| *w == "index mismatch" && *p == "trades/3"),
        "{places:?}"
    );
    assert!(places.iter().any(|(w, _)| *w == "damaged snapshot"), "{places:?}");
    assert_eq!(report.problems.len(), 3, "{:?}", report.problems);
    assert!(matches!(
        store.collection("opps")?.get("b"),
        Err(tradestore::Error::Corruption { .. })
    ));
    assert_eq!(store.collection("opps")?.get("a")?.json["profit"], "1");
    Ok(())
}

/// `verify` checks a table's records a batch at a time: damaged records inside one batch are
/// each reported, and none of their neighbours is.
#[test]
fn reports_each_damaged_record_of_a_batch_and_no_other() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let fills: Vec<NewTrade> = (0..40)
        .map(|i| NewTrade::new("ETH-EUR", Side::Buy, Decimal::ONE, Decimal::from(10 + i)).order_id(format!("b{i}")))
        .collect();
    store.save_trades(&fills)?;
    drop(store);

    let db = redb::Database::create(dir.path().join("tradestore.redb")).unwrap();
    let w = db.begin_write().unwrap();
    let mut damaged = Vec::new();
    {
        let mut trades = w.open_table(TRADES).unwrap();
        let keys: Vec<(String, i64, u64)> = trades
            .iter()
            .unwrap()
            .map(|row| {
                let (k, _) = row.unwrap();
                let (s, ts, id) = k.value();
                (s.to_owned(), ts, id)
            })
            .collect();
        assert_eq!(keys.len(), 40);
        // Rows 19 and 22: both in the scan's second batch of 16.
        for row in [19, 22] {
            let (s, ts, id) = &keys[row];
            let key = (s.as_str(), *ts, *id);
            let mut bytes = trades.get(key).unwrap().unwrap().value().bytes().to_vec();
            let mid = bytes.len() / 2;
            bytes[mid] ^= 0x04;
            trades.insert(key, tradestore::envelope::RecBytes::new(&bytes)).unwrap();
            damaged.push(format!("trades/{key:?}"));
        }
    }
    w.commit().unwrap();
    drop(db);

    let report = Store::open(dir.path())?.verify()?;
    assert!(!report.ok);
    assert_eq!(report.checked.get("trades"), Some(&40));
    let corrupt: Vec<&str> = report
        .problems
        .iter()
        .filter(|p| p.what == "corrupt record")
        .map(|p| p.place.as_str())
        .collect();
    assert_eq!(corrupt, damaged, "{:?}", report.problems);
    Ok(())
}
