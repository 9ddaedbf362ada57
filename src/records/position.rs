use rkyv::{Archive, Deserialize, Serialize};
use rust_decimal::Decimal;

use super::decimal::RkyvDecimal;
use crate::envelope::Record;

/// An average-cost position per (symbol, strategy).
///
/// `qty` is signed: positive long, negative short. `cost` is the signed cost basis of the open
/// quantity including opening fees (long: paid; short: negative of proceeds net of fees), so the
/// average entry price is `cost / qty`.
#[derive(
    Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq, Default,
)]
pub struct Position {
    /// Instrument.
    pub symbol: String,
    /// Strategy.
    pub strategy: String,
    /// Signed open quantity.
    #[rkyv(with = RkyvDecimal)]
    pub qty: Decimal,
    /// Signed cost basis of the open quantity, opening fees included.
    #[rkyv(with = RkyvDecimal)]
    pub cost: Decimal,
    /// Realized P&L of this position so far.
    #[rkyv(with = RkyvDecimal)]
    pub realized_pnl: Decimal,
    /// Fees paid so far.
    #[rkyv(with = RkyvDecimal)]
    pub fees: Decimal,
    /// Number of fills applied.
    pub fills: u64,
    /// Time of the last fill applied.
    pub last_ts: i64,
}

impl Position {
    /// Average entry price (`cost / qty`), `None` when flat.
    pub fn avg_price(&self) -> Option<Decimal> {
        if self.qty.is_zero() {
            None
        } else {
            self.cost.checked_div(self.qty)
        }
    }
}

impl Record for Position {
    const KIND: u8 = 2;
    const NAME: &'static str = "Position";
}
