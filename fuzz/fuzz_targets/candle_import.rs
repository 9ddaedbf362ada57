//! Arbitrary bytes as a candle file (CSV, freqtrade JSON, feather or Parquet) through
//! `Market::import_file` into a store that already holds a few candles of the series: never a
//! panic. A refused import leaves the market catalog exactly as it was; an accepted one leaves
//! the series equal to the candles it held, merged with the file's rows that keep every rule
//! (last of equal `ts` wins), and every candle read back keeps the rules.
//!
//! Input: one prefix byte, `timeframe index << 3 | skip_bad << 2 | format`, then the file.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;

use libfuzzer_sys::fuzz_target;
use tradestore::Store;
use tradestore::market::import::{Format, parse_file};
use tradestore::market::{Candle, Timeframe};

const TIMEFRAMES: [&str; 9] = ["1m", "5m", "15m", "1h", "4h", "1d", "3d", "1w", "1M"];
const FORMATS: [(Format, &str); 4] = [
    (Format::Csv, "csv"),
    (Format::FreqtradeJson, "json"),
    (Format::Feather, "feather"),
    (Format::Parquet, "parquet"),
];
/// 2024-01-01T00:00:00Z, a Monday.
const T0: i64 = 1_704_067_200_000_000_000;
const DAY: i64 = 86_400_000_000_000;

/// The rules every stored candle keeps, written out here rather than taken from the engine.
fn keeps_rules(tf: Timeframe, c: &Candle) -> bool {
    let finite = [c.open, c.high, c.low, c.close, c.volume].iter().all(|v| v.is_finite());
    finite
        && c.high >= c.open.max(c.close)
        && c.low <= c.open.min(c.close)
        && c.volume >= 0.0
        && c.ts >= 0
        && tf.is_aligned(c.ts)
}

fn bits(c: &Candle) -> (i64, [u64; 5]) {
    (c.ts, [c.open, c.high, c.low, c.close, c.volume].map(f64::to_bits))
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("tradestore-fuzz-candles-{}", std::process::id()))
}

fuzz_target!(|data: &[u8]| {
    let Some((&head, body)) = data.split_first() else {
        return;
    };
    let (format, ext) = FORMATS[usize::from(head & 3)];
    let skip_bad = head & 4 != 0;
    let tf: Timeframe = TIMEFRAMES[usize::from(head >> 3) % TIMEFRAMES.len()]
        .parse()
        .expect("a listed timeframe parses");

    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let file = dir.join(format!("in.{ext}"));
    std::fs::write(&file, body).expect("scratch file");
    let store = Store::open(dir.join("store")).expect("a fresh store opens");
    let market = store.market();

    // Two candles already stored: the first may be replaced by the file, the other is far off.
    let mut base = T0;
    while !tf.is_aligned(base) {
        base -= DAY;
    }
    let far = match tf.nanos() {
        Some(step) => base + 1000 * step,
        None => 1_735_689_600_000_000_000,
    };
    let pre = [base, far].map(|ts| Candle {
        ts,
        open: 100.0,
        high: 110.0,
        low: 90.0,
        close: 105.0,
        volume: 3.0,
    });
    market
        .write_candles("BTC-EUR", tf, &pre)
        .expect("valid candles are written");
    let catalog = market.list().expect("catalog lists");

    match market.import_file(&file, "BTC-EUR", tf, format, skip_bad) {
        Err(_) => {
            assert_eq!(
                market.list().expect("catalog lists"),
                catalog,
                "a refused import changed the catalog"
            );
        }
        Ok(report) => {
            let parsed = parse_file(&file, format).expect("a file that imported parses");
            if !skip_bad {
                assert!(
                    parsed.unparsed.is_empty(),
                    "rows that did not parse were imported quietly"
                );
                assert!(report.skipped.is_empty());
            }
            let mut want: BTreeMap<i64, Candle> = pre.iter().map(|c| (c.ts, *c)).collect();
            let mut good = 0;
            for c in parsed.rows {
                if keeps_rules(tf, &c) {
                    good += 1;
                    want.insert(c.ts, c);
                } else {
                    assert!(skip_bad, "a candle breaking a rule was imported: {c:?}");
                }
            }
            assert_eq!(report.imported, good, "imported count");
            let got = market
                .candles("BTC-EUR", tf, None, None)
                .expect("imported candles read back");
            for c in &got {
                assert!(keeps_rules(tf, c), "a stored candle breaks a rule: {c:?}");
            }
            let got: Vec<_> = got.iter().map(bits).collect();
            let want: Vec<_> = want.values().map(bits).collect();
            assert_eq!(got, want, "the series is not the merge of what it held and the file");
        }
    }
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
});
