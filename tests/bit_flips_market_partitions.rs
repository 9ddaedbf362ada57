//! Single-bit, single-byte and zeroed-page corruptions of the Parquet partition files under
//! `market/` and `ticks/`: every read through `store.market()` either fails with an error or
//! returns exactly the rows written (checked against the written rows), `verify_market` flags the
//! file, a write that would merge into it is refused, and nothing panics.
//!
//! Default: 400 corruptions. Long mode: `TRADESTORE_BITFLIPS_MARKET=5000`. With
//! `TRADESTORE_BITFLIP_MARKET_UNVERIFIED=1` the store is opened with
//! `verify_market_reads(false)`, so the Parquet decoder meets the damage itself; that mode only
//! reports its counts (see docs/reliability.md).

mod reliability;

use std::path::PathBuf;

use reliability::corrupt::{self, Verdict};
use reliability::workload::T0;
use tradestore::Store;
use tradestore::market::{Candle, PartitionInfo, Tick, Timeframe};

const HOUR: i64 = 3_600_000_000_000;
const PAIR: &str = "BTC-EUR";

/// The rows written: candles of one hourly series over three months, ticks over two days.
struct Oracle {
    candles: Vec<Candle>,
    ticks: Vec<Tick>,
}

fn rows(seed: u64) -> Oracle {
    let mut rng = fastrand::Rng::with_seed(seed);
    let candles = (0..24 * 75)
        .map(|i| {
            let open = 40_000.0 + rng.f64() * 1000.0;
            let close = 40_000.0 + rng.f64() * 1000.0;
            Candle {
                ts: T0 + i * HOUR,
                open,
                high: open.max(close) + rng.f64() * 50.0,
                low: open.min(close) - rng.f64() * 50.0,
                close,
                volume: rng.f64() * 10.0,
            }
        })
        .collect();
    let ticks = (0..600)
        .map(|i| Tick {
            ts: T0 + i * 288_000_000_000 + rng.i64(0..1000),
            price: 40_000.0 + rng.f64() * 1000.0,
            amount: rng.f64(),
            side: if rng.bool() {
                tradestore::Side::Buy
            } else {
                tradestore::Side::Sell
            },
            trade_id: format!("t{i}"),
        })
        .collect();
    Oracle { candles, ticks }
}

fn same_candles(got: &[Candle], want: &[Candle]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(a, b)| {
            a.ts == b.ts
                && [a.open, a.high, a.low, a.close, a.volume]
                    .iter()
                    .zip([b.open, b.high, b.low, b.close, b.volume])
                    .all(|(x, y)| x.to_bits() == y.to_bits())
        })
}

fn same_ticks(got: &[Tick], want: &[Tick]) -> bool {
    got.len() == want.len()
        && got.iter().zip(want).all(|(a, b)| {
            a.ts == b.ts
                && a.price.to_bits() == b.price.to_bits()
                && a.amount.to_bits() == b.amount.to_bits()
                && a.side == b.side
                && a.trade_id == b.trade_id
        })
}

/// What the reads of one damaged partition gave.
#[derive(Default)]
struct Reads {
    refused: bool,
    wrong: Option<String>,
}

impl Reads {
    /// A refusal must say what it is: corruption of the partition (exit code 4), not that a
    /// worker died or anything else.
    fn refused(&mut self, what: &str, e: &tradestore::Error) {
        if matches!(e, tradestore::Error::Corruption { .. }) {
            self.refused = true;
        } else {
            self.wrong
                .get_or_insert(format!("{what}: refused with {e:?} instead of a corruption error"));
        }
    }

    fn candles(&mut self, what: &str, got: tradestore::Result<Vec<Candle>>, want: &[Candle]) {
        match got {
            Err(e) => self.refused(what, &e),
            Ok(v) if !same_candles(&v, want) => {
                self.wrong.get_or_insert(format!(
                    "{what}: {} candles differ from the {} written",
                    v.len(),
                    want.len()
                ));
            }
            Ok(_) => {}
        }
    }

    fn ticks(&mut self, what: &str, got: tradestore::Result<Vec<Tick>>, want: &[Tick]) {
        match got {
            Err(e) => self.refused(what, &e),
            Ok(v) if !same_ticks(&v, want) => {
                self.wrong.get_or_insert(format!(
                    "{what}: {} ticks differ from the {} written",
                    v.len(),
                    want.len()
                ));
            }
            Ok(_) => {}
        }
    }
}

/// Reads the whole series and the damaged partition's own range, runs `verify_market` and tries
/// a merge into the partition.
fn judge(store: &Store, part: &PartitionInfo, oracle: &Oracle) -> Verdict {
    let m = store.market();
    let (lo, hi) = (part.meta.first_ts, part.meta.last_ts + 1);
    let mut r = Reads::default();
    if part.timeframe == "ticks" {
        r.ticks("all ticks", m.ticks(PAIR, None, None), &oracle.ticks);
        let want: Vec<Tick> = oracle
            .ticks
            .iter()
            .filter(|t| t.ts >= lo && t.ts < hi)
            .cloned()
            .collect();
        r.ticks("ticks of the partition", m.ticks(PAIR, Some(lo), Some(hi)), &want);
    } else {
        let tf: Timeframe = match part.timeframe.parse() {
            Ok(tf) => tf,
            Err(e) => return Verdict::Wrong(format!("catalog timeframe {:?}: {e}", part.timeframe)),
        };
        r.candles("all candles", m.candles(PAIR, tf, None, None), &oracle.candles);
        let want: Vec<Candle> = oracle
            .candles
            .iter()
            .filter(|c| c.ts >= lo && c.ts < hi)
            .copied()
            .collect();
        r.candles(
            "candles of the partition",
            m.candles(PAIR, tf, Some(lo), Some(hi)),
            &want,
        );
        // A rewrite of the partition must not start from damaged content.
        if let Some(c) = want.first()
            && m.write_candles(PAIR, tf, &[*c]).is_ok()
        {
            return Verdict::Wrong("a write merged into the damaged partition".into());
        }
    }
    match store.verify_market() {
        Ok(report) if report.ok() => return Verdict::Wrong("verify_market passed the damaged file".into()),
        _ => {}
    }
    match r.wrong {
        Some(w) => Verdict::Wrong(w),
        None if r.refused => Verdict::ReadError,
        None => Verdict::Correct,
    }
}

#[test]
fn corrupted_partitions_are_refused_or_read_correctly() -> reliability::TestResult {
    let verified = std::env::var("TRADESTORE_BITFLIP_MARKET_UNVERIFIED").is_err();
    let seed = reliability::seed("bit_flips_market");
    let n = reliability::env_count("TRADESTORE_BITFLIPS_MARKET", 400);
    let dir = tempfile::tempdir()?;
    let oracle = rows(seed);
    {
        let store = Store::builder().market_row_group_rows(200).open(dir.path())?;
        store.market().write_candles(PAIR, "1h".parse()?, &oracle.candles)?;
        store.market().write_ticks(PAIR, &oracle.ticks)?;
    }
    let store = Store::builder()
        .market_row_group_rows(200)
        .market_batch_rows(97)
        .verify_market_reads(verified)
        .open(dir.path())?;
    let parts = store.market().list()?;
    assert!(parts.len() >= 5, "{} partitions", parts.len());
    let originals: Vec<(PartitionInfo, Vec<u8>)> = parts
        .into_iter()
        .map(|p| std::fs::read(&p.path).map(|b| (p, b)))
        .collect::<Result<_, _>>()?;
    // The undamaged store reads back what was written.
    assert!(same_candles(
        &store.market().candles(PAIR, "1h".parse()?, None, None)?,
        &oracle.candles
    ));
    assert!(same_ticks(&store.market().ticks(PAIR, None, None)?, &oracle.ticks));
    assert!(store.verify_market()?.ok());
    let mut tally = corrupt::Tally::default();
    let per_file = n.div_ceil(originals.len() as u64);
    for (i, (part, original)) in originals.iter().enumerate() {
        let path: PathBuf = part.path.clone();
        tally.merge(corrupt::drive(original, per_file, seed ^ i as u64, |copy| {
            let _restore = corrupt::install(&path, original, &copy);
            judge(&store, part, &oracle)
        }));
    }
    assert!(store.verify_market()?.ok(), "a partition was left damaged");
    let bytes: usize = originals.iter().map(|(_, b)| b.len()).sum();
    eprintln!(
        "{}",
        tally.summary(
            &format!(
                "market partitions (verified reads: {verified}): {} files, {bytes} bytes",
                originals.len()
            ),
            "-",
            "refused at read"
        )
    );
    if verified {
        tally.assert_never_served();
    } else {
        // Measurement for docs/reliability.md: wrong values are expected without the check;
        // a decoder panic must still come out as an error, never reach the caller.
        eprintln!(
            "unverified reads: {} panics inside the decoder, {} reached the caller; examples: {:#?}",
            tally.panics, tally.escaped, tally.examples
        );
        assert_eq!(tally.escaped, 0, "{:#?}", tally.examples);
    }
    Ok(())
}
