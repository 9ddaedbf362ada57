//! Every field of a fill is validated; a refused fill names its field and stores nothing.

mod common;

use common::{d, fill};
use tradestore::{Error, NewTrade, Side, Store};

#[test]
fn bad_fields_are_refused_by_name_and_nothing_is_stored() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let base = || fill("BTC-EUR", Side::Buy, "1", "100");
    let cases: Vec<(&str, NewTrade)> = vec![
        ("qty", NewTrade { qty: d("0"), ..base() }),
        ("qty", NewTrade { qty: d("-1"), ..base() }),
        (
            "price",
            NewTrade {
                price: d("0"),
                ..base()
            },
        ),
        (
            "price",
            NewTrade {
                price: d("-5"),
                ..base()
            },
        ),
        ("fee", base().fee(d("-0.01"))),
        (
            "symbol",
            NewTrade {
                symbol: String::new(),
                ..base()
            },
        ),
        (
            "symbol",
            NewTrade {
                symbol: "X".repeat(200),
                ..base()
            },
        ),
        (
            "symbol",
            NewTrade {
                symbol: " BTC".into(),
                ..base()
            },
        ),
        (
            "symbol",
            NewTrade {
                symbol: "BTC\nEUR".into(),
                ..base()
            },
        ),
        ("strategy", base().strategy("")),
        ("ts", base().ts(0)),
        ("ts", base().ts(i64::MAX)),
        ("meta", base().meta("{not json")),
        ("model", base().model("no-version")),
        ("order_id", base().order_id("")),
        (
            "qty",
            NewTrade {
                qty: d("10000000000000000"),
                ..base()
            },
        ),
        (
            "price",
            NewTrade {
                price: d("0.0000000000000000001"),
                ..base()
            },
        ),
    ];
    for (field, t) in cases {
        match store.save_trade(t.clone()) {
            Err(Error::Validation { field: f, .. }) => assert_eq!(f, field, "for {t:?}"),
            other => panic!("{t:?} gave {other:?}"),
        }
    }
    assert!(store.trade_history(&Default::default())?.trades.is_empty());
    assert!(store.positions()?.is_empty());
    Ok(())
}

#[test]
fn a_fill_without_ts_gets_the_time_of_saving() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let store = Store::open(dir.path())?;
    let before = tradestore::timefmt::now_ns();
    let t = store.save_trade(NewTrade::new("BTC-EUR", Side::Buy, d("1"), d("1")))?;
    assert!(t.ts >= before && t.ts <= tradestore::timefmt::now_ns());
    Ok(())
}
