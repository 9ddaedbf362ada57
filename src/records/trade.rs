use rkyv::{Archive, Deserialize, Serialize};
use rust_decimal::Decimal;

use super::decimal::RkyvDecimal;
use crate::envelope::Record;

/// Direction of a fill.
#[derive(
    Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, Hash,
)]
#[serde(rename_all = "lowercase")]
#[rkyv(derive(Debug, PartialEq, Eq))]
pub enum Side {
    /// Buy: increases the position.
    Buy,
    /// Sell: decreases the position.
    Sell,
}

impl Side {
    /// `"buy"` or `"sell"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Side::Buy => "buy",
            Side::Sell => "sell",
        }
    }
}

impl ArchivedSide {
    /// The owned side.
    pub fn to_side(&self) -> Side {
        match self {
            ArchivedSide::Buy => Side::Buy,
            ArchivedSide::Sell => Side::Sell,
        }
    }
}

impl std::str::FromStr for Side {
    type Err = crate::Error;
    fn from_str(s: &str) -> crate::Result<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "buy" | "b" | "long" => Ok(Side::Buy),
            "sell" | "s" | "short" => Ok(Side::Sell),
            other => Err(crate::Error::validation(
                "side",
                format!("{other:?} is not buy or sell"),
            )),
        }
    }
}

/// A stored fill. Created by [`crate::Store::save_trade`] from a [`crate::NewTrade`].
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Trade {
    /// Store-assigned id, increasing in commit order.
    pub id: u64,
    /// Instrument, e.g. `BTC-EUR`.
    pub symbol: String,
    /// Buy or sell.
    pub side: Side,
    /// Quantity filled (> 0).
    #[rkyv(with = RkyvDecimal)]
    pub qty: Decimal,
    /// Fill price (> 0).
    #[rkyv(with = RkyvDecimal)]
    pub price: Decimal,
    /// Fee paid (≥ 0), counted in the quote currency for P&L.
    #[rkyv(with = RkyvDecimal)]
    pub fee: Decimal,
    /// Currency the venue charged the fee in (informational).
    pub fee_currency: String,
    /// Fill time, nanoseconds since the Unix epoch, UTC.
    pub ts: i64,
    /// Strategy that placed the order.
    pub strategy: String,
    /// Venue / exchange.
    pub venue: String,
    /// The venue's order id, unique per venue when present.
    pub order_id: Option<String>,
    /// Model (`name@version`) whose signal produced the trade, if any.
    pub model: Option<String>,
    /// Free-form JSON metadata, as JSON text.
    pub meta: Option<String>,
    /// P&L this fill realized against the average-cost position (fees included).
    #[rkyv(with = RkyvDecimal)]
    pub realized_pnl: Decimal,
}

impl Record for Trade {
    const KIND: u8 = 1;
    const NAME: &'static str = "Trade";
}
