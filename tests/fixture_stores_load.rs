//! The checked-in fixture stores still load: the format-1 store opens with every record intact,
//! and its corrupted copy opens too, with the one damaged record reported (never served) and
//! everything else readable. A format change must keep these passing (add a migration step).

use std::path::{Path, PathBuf};

use rust_decimal::Decimal;
use tradestore::{Error, Store};

fn copy_fixture(name: &str) -> (tempfile::TempDir, PathBuf) {
    let src = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .join("tradestore.redb");
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("store");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(src, dir.join("tradestore.redb")).unwrap();
    (tmp, dir)
}

#[test]
fn format_1_store_loads() -> tradestore::Result<()> {
    let (_tmp, dir) = copy_fixture("v1");
    let store = Store::open(&dir)?;
    let report = store.verify()?;
    assert!(report.ok, "{:?}", report.problems);
    assert_eq!(report.checked.get("trades"), Some(&20));
    assert_eq!(store.get_trade(5)?.price, Decimal::from(40_040));
    assert_eq!(store.load_state()?.map(|s| s.label), Some(Some("fixture".into())));
    assert_eq!(
        store.portfolio_history(None, None)?[0].total_value,
        Decimal::new(1_000_000, 2)
    );
    let opps = store.collection("opportunities")?;
    assert_eq!(opps.history("arb-1")?.len(), 3);
    assert_eq!(opps.get("arb-1")?.json["expected_profit"], "0.75");
    assert_eq!(opps.schema()?.map(|s| s.0), Some(1));
    assert_eq!(store.collection("config")?.get("bot")?.json["min_profit"], "0.5");
    assert!(store.collection("notes")?.get("fixture-marker").is_ok());
    Ok(())
}

#[test]
fn corrupted_copy_reports_the_damage() -> tradestore::Result<()> {
    let (_tmp, dir) = copy_fixture("v1-corrupt");
    let store = Store::open(&dir)?;
    let report = store.verify()?;
    assert!(!report.ok);
    assert_eq!(report.problems.len(), 1, "{:?}", report.problems);
    assert!(
        report.problems[0].place.contains("fixture-marker"),
        "{:?}",
        report.problems
    );
    assert!(matches!(
        store.collection("notes")?.get("fixture-marker"),
        Err(Error::Corruption { .. })
    ));
    assert_eq!(
        store.collection("opportunities")?.get("arb-1")?.json["expected_profit"],
        "0.75"
    );
    assert_eq!(store.trade_history(&Default::default())?.trades.len(), 20);
    Ok(())
}

#[test]
fn newer_format_is_refused() {
    let (_tmp, dir) = copy_fixture("v1");
    {
        let db = redb::Database::create(dir.join("tradestore.redb")).unwrap();
        let w = db.begin_write().unwrap();
        w.open_table(tradestore::tables::META)
            .unwrap()
            .insert(tradestore::tables::META_FORMAT_VERSION, 99)
            .unwrap();
        w.commit().unwrap();
    }
    let err = Store::open(&dir).unwrap_err();
    assert!(matches!(err, Error::Incompatible { found: 99, .. }), "{err}");
    assert!(err.to_string().contains("upgrade tradestore"));
}
