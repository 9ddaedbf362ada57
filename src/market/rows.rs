//! What candles and ticks have in common for writing: a sort key, conversion to and from Arrow,
//! and the merge of a partition's stored rows with new ones.

use std::borrow::Cow;
use std::cmp::Ordering;

use arrow_array::RecordBatch;
use arrow_schema::SchemaRef;

use super::schema::{
    Candle, Tick, batch_to_candles, batch_to_ticks, candle_schema, candles_to_batch, tick_schema, ticks_to_batch,
};
use crate::Result;

/// A row of a market partition.
pub trait MarketRow: Clone + PartialEq + Send + Sync + 'static {
    /// The partition schema.
    fn schema() -> SchemaRef;
    /// Time, ns since the epoch.
    fn ts(&self) -> i64;
    /// Order of rows in a file; rows comparing equal are the same row (the newer one wins).
    fn key_cmp(&self, other: &Self) -> Ordering;
    /// Rows to a batch.
    fn to_batch(rows: &[Self]) -> Result<RecordBatch>;
    /// Appends a batch's rows.
    fn from_batch(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()>;
    /// ns per unit of the file's `ts` column.
    const TS_UNIT_NS: i64;
}

impl MarketRow for Candle {
    fn schema() -> SchemaRef {
        candle_schema()
    }
    fn ts(&self) -> i64 {
        self.ts
    }
    fn key_cmp(&self, other: &Self) -> Ordering {
        self.ts.cmp(&other.ts)
    }
    fn to_batch(rows: &[Self]) -> Result<RecordBatch> {
        candles_to_batch(rows)
    }
    fn from_batch(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        batch_to_candles(batch, out)
    }
    const TS_UNIT_NS: i64 = 1_000_000;
}

impl MarketRow for Tick {
    fn schema() -> SchemaRef {
        tick_schema()
    }
    fn ts(&self) -> i64 {
        self.ts
    }
    fn key_cmp(&self, other: &Self) -> Ordering {
        self.ts.cmp(&other.ts).then_with(|| self.trade_id.cmp(&other.trade_id))
    }
    fn to_batch(rows: &[Self]) -> Result<RecordBatch> {
        ticks_to_batch(rows)
    }
    fn from_batch(batch: &RecordBatch, out: &mut Vec<Self>) -> Result<()> {
        batch_to_ticks(batch, out)
    }
    const TS_UNIT_NS: i64 = 1;
}

/// Sorts rows by key and keeps the last of equal keys (the input's newest value). Input that
/// is already strictly ordered (the common case: a feed appends in time order) is borrowed.
pub fn sort_dedup<R: MarketRow>(rows: &[R]) -> Cow<'_, [R]> {
    if rows.windows(2).all(|w| w[0].key_cmp(&w[1]) == Ordering::Less) {
        return Cow::Borrowed(rows);
    }
    let mut v = rows.to_vec();
    // Stable: equal keys keep input order, so the last one is the newest.
    v.sort_by(R::key_cmp);
    let mut out: Vec<R> = Vec::with_capacity(v.len());
    for r in v {
        match out.last_mut() {
            Some(last) if last.key_cmp(&r) == Ordering::Equal => *last = r,
            _ => out.push(r),
        }
    }
    Cow::Owned(out)
}

/// Merges two sorted, deduplicated runs; on equal keys `new` wins.
pub fn merge<R: MarketRow>(old: Vec<R>, new: &[R]) -> Vec<R> {
    let mut out = Vec::with_capacity(old.len() + new.len());
    let mut old = old.into_iter().peekable();
    let mut new = new.iter().peekable();
    loop {
        match (old.peek(), new.peek()) {
            (Some(o), Some(n)) => match o.key_cmp(n) {
                Ordering::Less => out.extend(old.next()),
                Ordering::Greater => out.extend(new.next().cloned()),
                Ordering::Equal => {
                    old.next();
                    out.extend(new.next().cloned());
                }
            },
            (Some(_), None) => out.extend(old.by_ref()),
            (None, Some(_)) => out.extend(new.by_ref().cloned()),
            (None, None) => return out,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(ts: i64, close: f64) -> Candle {
        Candle {
            ts,
            open: close,
            high: close,
            low: close,
            close,
            volume: 1.0,
        }
    }

    #[test]
    fn newer_value_wins() {
        let input = [c(3, 1.0), c(1, 1.0), c(3, 2.0)];
        let sorted = sort_dedup(&input).into_owned();
        assert_eq!(sorted, vec![c(1, 1.0), c(3, 2.0)]);
        assert!(matches!(sort_dedup(&sorted), Cow::Borrowed(_)));
        let merged = merge(sorted, &[c(2, 5.0), c(3, 9.0), c(4, 1.0)]);
        assert_eq!(merged, vec![c(1, 1.0), c(2, 5.0), c(3, 9.0), c(4, 1.0)]);
    }
}
