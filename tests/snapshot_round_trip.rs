//! A snapshot taken while writers keep writing is consistent, holds every table (also ones the
//! snapshot code does not know), and restores into a store that verifies clean.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use rust_decimal::Decimal;
use serde_json::json;
use tradestore::{NewTrade, Side, Store};

#[test]
fn consistent_under_writes_and_restores_clean() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let store = Store::open(&live)?;
    for i in 0..200i64 {
        store.save_trade(
            NewTrade::new("BTC-EUR", Side::Buy, Decimal::ONE, Decimal::from(100 + i))
                .ts(1_700_000_000_000_000_000 + i)
                .order_id(format!("o{i}"))
                .venue("kraken"),
        )?;
    }
    store.save_state(r#"{"step": 1}"#, None)?;
    store
        .hub()
        .config()?
        .put("bot", &json!({"pairs": ["BTC-EUR"], "api_key": "k"}))?;
    let stop = Arc::new(AtomicBool::new(false));
    let writer = {
        let (store, stop) = (store.clone(), stop.clone());
        std::thread::spawn(move || -> tradestore::Result<u64> {
            let c = store.collection("ticks")?;
            let mut n = 0u64;
            while !stop.load(Ordering::Relaxed) {
                c.put(&format!("t{}", n % 50), &json!({"n": n}))?;
                n += 1;
            }
            Ok(n)
        })
    };
    let snap = store.create_snapshot(None)?;
    stop.store(true, Ordering::Relaxed);
    let written = writer.join().unwrap()?;
    assert!(snap.path.starts_with(live.join("snapshots")));
    let names: Vec<&str> = snap.tables.iter().map(|(n, _)| n.as_str()).collect();
    for t in [
        "meta",
        "trades",
        "trade_ids",
        "state_versions",
        "doc_versions",
        "doc_heads",
    ] {
        assert!(names.contains(&t), "{t} missing from {names:?}");
    }
    assert_eq!(store.list_snapshots()?.len(), 1);

    let restored = tradestore::snapshot::restore(&snap.path, &dir.path().join("copy"))?;
    let report = restored.verify()?;
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.checked.get("trades"), Some(&200));
    assert_eq!(restored.get_trade(7)?.price, Decimal::from(106));
    assert_eq!(restored.load_state()?.map(|s| s.version), Some(1));
    assert_eq!(restored.collection("config")?.get("bot")?.json["api_key"], "k");
    // The copy is one transaction's view: every head's latest version is present.
    let ticks = restored.collection("ticks")?;
    let keys = ticks.list_keys("", None, 100)?.keys;
    for k in &keys {
        ticks.get(k)?;
    }
    assert!(written > 0);
    // Restoring over an existing store is refused.
    assert!(tradestore::snapshot::restore(&snap.path, &dir.path().join("copy")).is_err());
    Ok(())
}

#[test]
fn copies_tables_it_does_not_know() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let live = dir.path().join("live");
    let store = Store::open(&live)?;
    drop(store);
    {
        let db = redb::Database::create(live.join("tradestore.redb")).unwrap();
        let w = db.begin_write().unwrap();
        {
            let mut t = w
                .open_table(redb::TableDefinition::<(u32, &str), u64>::new("someone_elses"))
                .unwrap();
            for i in (0..300u32).rev() {
                t.insert((i % 7, format!("k{i}").as_str()), u64::from(i) * 3).unwrap();
            }
            let mut m = w
                .open_multimap_table(redb::MultimapTableDefinition::<i64, &str>::new("lists"))
                .unwrap();
            for i in -20i64..20 {
                m.insert(i, "b").unwrap();
                m.insert(i, "a").unwrap();
            }
        }
        w.commit().unwrap();
    }
    let store = Store::open(&live)?;
    let snap = store.create_snapshot(Some(&dir.path().join("x.tsnap")))?;
    drop(store);
    tradestore::snapshot::restore(&snap.path, &dir.path().join("copy"))?;
    let db = redb::Database::create(dir.path().join("copy/tradestore.redb")).unwrap();
    let r = redb::ReadableDatabase::begin_read(&db).unwrap();
    let t = r
        .open_table(redb::TableDefinition::<(u32, &str), u64>::new("someone_elses"))
        .unwrap();
    assert_eq!(redb::ReadableTableMetadata::len(&t).unwrap(), 300);
    assert_eq!(t.get((3, "k10")).unwrap().unwrap().value(), 30);
    let keys: Vec<(u32, String)> = t
        .range((2, "")..(3, ""))
        .unwrap()
        .map(|r| {
            let (k, _) = r.unwrap();
            (k.value().0, k.value().1.to_owned())
        })
        .collect();
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted);
    assert!(!keys.is_empty());
    let m = r
        .open_multimap_table(redb::MultimapTableDefinition::<i64, &str>::new("lists"))
        .unwrap();
    let vals: Vec<String> = m.get(-5).unwrap().map(|v| v.unwrap().value().to_owned()).collect();
    assert_eq!(vals, vec!["a", "b"]);
    assert_eq!(m.range(-3i64..2).unwrap().count(), 5);
    Ok(())
}
