//! Bad candles are refused whole, naming the row (or file line) and the rule; `skip_bad`
//! imports the rest and lists what it skipped.

mod common;

use common::{HOUR, JAN_2024, candles, tf};
use tradestore::market::Candle;
use tradestore::market::import::Format;
use tradestore::market::validate::Rule;
use tradestore::{Error, Result, Store};

/// Breaks one candle.
type Breaker = fn(&mut Candle);

#[test]
fn each_rule_refuses_the_whole_write() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let good = candles(JAN_2024, HOUR, 10, 100.0);
    let breakers: [(Breaker, &str); 5] = [
        (|c| c.high = c.open - 1.0, "high >= max(open, close)"),
        (|c| c.low = c.close + 1.0, "low <= min(open, close)"),
        (|c| c.volume = -1.0, "volume >= 0"),
        (|c| c.close = f64::NAN, "finite"),
        (|c| c.ts += 60_000_000_000, "aligned"),
    ];
    for (breaker, rule) in breakers {
        let mut rows = good.clone();
        breaker(&mut rows[7]);
        match store.market().write_candles("BTC-EUR", tf("1h"), &rows) {
            Err(Error::Validation { field, reason }) => {
                assert_eq!(field, "candles[7]");
                assert!(reason.contains(rule), "{reason} should name {rule}");
            }
            other => panic!("expected a validation error, got {other:?}"),
        }
    }
    assert!(
        store.market().list()?.is_empty(),
        "nothing of a refused write is stored"
    );
    Ok(())
}

#[test]
fn import_names_the_line_and_skip_bad_lists_it() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s"))?;
    let csv = dir.path().join("c.csv");
    let ms = JAN_2024 / 1_000_000;
    let text = format!(
        "ts,open,high,low,close,volume\n{ms},1,2,0.5,1.5,3\n{},1,1.2,0.5,1.5,3\n{},1,2,0.5,1.5,x\n{},1,2,0.5,1.5,3\n",
        ms + 3_600_000,
        ms + 7_200_000,
        ms + 10_800_000
    );
    std::fs::write(&csv, text).unwrap();
    let m = store.market();
    match m.import_file(&csv, "BTC-EUR", tf("1h"), Format::Csv, false) {
        Err(Error::Validation { field, reason }) => {
            assert!(field.ends_with("line 3"), "{field}");
            assert!(reason.contains("high >= max(open, close)"), "{reason}");
            assert!(reason.contains("2 bad lines"), "{reason}");
        }
        other => panic!("expected a validation error, got {other:?}"),
    }
    assert!(m.list()?.is_empty());

    let report = m.import_file(&csv, "BTC-EUR", tf("1h"), Format::Csv, true)?;
    assert_eq!(report.imported, 2);
    let skipped: Vec<(u64, Rule)> = report.skipped.iter().map(|s| (s.line, s.rule)).collect();
    assert_eq!(skipped, vec![(3, Rule::HighAboveOpenClose), (4, Rule::Parse)]);
    assert_eq!(m.candles("BTC-EUR", tf("1h"), None, None)?.len(), 2);
    Ok(())
}
