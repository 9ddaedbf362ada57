//! Portfolio snapshots: the bot's valuation over time.

use redb::ReadableTable;

use crate::envelope::{self, RecBytes};
pub use crate::records::PortfolioSnapshot;
use crate::tables::{META, META_NEXT_PORTFOLIO_SEQ, PORTFOLIO};
use crate::trades::check_name;
use crate::{Error, Result, Store};

const TABLE: &str = "portfolio";
/// Most positions or balances accepted in one snapshot.
pub const MAX_HOLDINGS: usize = 10_000;

fn validate(s: &PortfolioSnapshot) -> Result<()> {
    if s.ts < crate::trades::MIN_TS {
        return Err(Error::validation("ts", "is before 2000-01-01"));
    }
    check_name("snapshot_type", &s.snapshot_type, true)?;
    check_name("session_id", &s.session_id, false)?;
    for (field, list) in [("positions", &s.positions), ("balances", &s.balances)] {
        if list.len() > MAX_HOLDINGS {
            return Err(Error::validation(
                field,
                format!("{} entries, more than {MAX_HOLDINGS}", list.len()),
            ));
        }
        for h in list.iter() {
            check_name(&format!("{field}.symbol"), &h.symbol, true)?;
        }
    }
    Ok(())
}

impl Store {
    /// Records a portfolio snapshot.
    ///
    /// # Examples
    /// ```
    /// # use rust_decimal::Decimal;
    /// # use tradestore::{PortfolioSnapshot, Store};
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// # let store = Store::open(dir.path())?;
    /// store.save_portfolio_snapshot(&PortfolioSnapshot {
    ///     ts: 1_700_000_000_000_000_000,
    ///     total_value: Decimal::new(1_000_050, 2),
    ///     positions: vec![],
    ///     balances: vec![],
    ///     snapshot_type: "periodic".into(),
    ///     session_id: "s1".into(),
    /// })?;
    /// assert_eq!(store.portfolio_history(None, None)?.len(), 1);
    /// # Ok::<(), tradestore::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] naming the bad field.
    pub fn save_portfolio_snapshot(&self, snap: &PortfolioSnapshot) -> Result<()> {
        validate(snap)?;
        let bytes = envelope::encode(snap)?;
        let ts = snap.ts;
        self.write(move |txn| {
            let mut meta = txn.open_table(META)?;
            let seq = meta.get(META_NEXT_PORTFOLIO_SEQ)?.map_or(0, |v| v.value());
            meta.insert(META_NEXT_PORTFOLIO_SEQ, seq + 1)?;
            txn.open_table(PORTFOLIO)?.insert((ts, seq), RecBytes::new(&bytes))?;
            Ok(())
        })
    }

    /// Snapshots with `since <= ts < until`, oldest first.
    ///
    /// # Errors
    /// [`Error::Corruption`] for a snapshot that fails its checks.
    pub fn portfolio_history(&self, since: Option<i64>, until: Option<i64>) -> Result<Vec<PortfolioSnapshot>> {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(PORTFOLIO)?;
        let lo = (since.unwrap_or(i64::MIN), 0u64);
        let range = match until {
            Some(u) => table.range(lo..(u, 0u64))?,
            None => table.range(lo..)?,
        };
        let mut out = Vec::new();
        for row in range {
            let (k, v) = row?;
            let (ts, seq) = k.value();
            out.push(v.value().decode(TABLE, &format_args!("{ts}/{seq}"))?);
        }
        Ok(out)
    }
}
