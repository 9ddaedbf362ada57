//! Records are read in place from the bytes redb hands back: the archived value must live
//! inside that very slice (no copy, no aligned buffer).

mod common;

use redb::ReadableDatabase;
use tradestore::envelope::{self, RecBytes};
use tradestore::{Side, Trade, tables};

#[test]
fn archived_trade_points_into_the_stored_bytes() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let db = redb::Database::create(dir.path().join("t.redb"))?;
    let trade = Trade {
        id: 7,
        symbol: "BTC-EUR".into(),
        side: Side::Sell,
        qty: common::d("0.25"),
        price: common::d("50000.10"),
        fee: common::d("1.25"),
        fee_currency: "EUR".into(),
        ts: common::T0,
        strategy: "grid".into(),
        venue: "kraken".into(),
        order_id: Some("O-1".into()),
        model: None,
        meta: Some(r#"{"k":1}"#.into()),
        realized_pnl: common::d("-3.5"),
    };
    let bytes = envelope::encode(&trade)?;
    let w = db.begin_write()?;
    w.open_table(tables::TRADES)?
        .insert(("BTC-EUR", common::T0, 7), RecBytes::new(&bytes))?;
    w.commit()?;

    let r = db.begin_read()?;
    let table = r.open_table(tables::TRADES)?;
    let guard = table.get(("BTC-EUR", common::T0, 7))?.expect("row");
    let rec = guard.value();
    let raw = rec.bytes();
    let archived = rec.open("trades", &7)?;
    let start = raw.as_ptr() as usize;
    let end = start + raw.len();
    let at = archived as *const _ as usize;
    assert!(at >= start && at < end, "archived value is not inside the stored bytes");
    let sym_ptr = archived.symbol.as_str().as_ptr() as usize;
    assert!(sym_ptr >= start && sym_ptr < end, "strings are not read in place");
    assert_eq!(archived.symbol.as_str(), "BTC-EUR");
    assert_eq!(archived.id.to_native(), 7);
    assert_eq!(rec.decode("trades", &7)?, trade);
    Ok(())
}
