//! tradestore: the storage engine a trading bot links into its own process.
//!
//! One embedded, transactional, checksummed store for a bot's trades, state and portfolio
//! history. Every stored value is an envelope (magic, format version, record kind, payload
//! length, blake3 of the payload) around a zero-copy rkyv payload, verified on every read.
//! Writes go through one writer thread that shares each durable commit among every caller
//! queued behind it (group commit).
//!
//! # Examples
//!
//! ```
//! use rust_decimal::Decimal;
//! use tradestore::{NewTrade, Side, Store};
//! # let dir = tempfile::tempdir()?;
//! let store = Store::open(dir.path())?;
//! let trade = store.save_trade(
//!     NewTrade::new("BTC-EUR", Side::Buy, Decimal::new(5, 1), Decimal::new(5_000_000, 2))
//!         .fee(Decimal::new(125, 2))
//!         .strategy("grid")
//!         .venue("kraken")
//!         .order_id("O-1"),
//! )?;
//! assert_eq!(store.get_trade(trade.id)?.qty, Decimal::new(5, 1));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![deny(unsafe_code, missing_docs)]
#![cfg_attr(not(test), deny(clippy::unwrap_used))]

pub mod analytics;
pub mod artifacts;
pub mod cli;
pub mod documents;
pub mod envelope;
mod error;
pub mod export;
pub mod housekeeping;
pub mod kv;
pub mod legacy;
pub mod market;
mod poll;
pub mod portfolio;
pub mod records;
pub mod redo;
pub mod snapshot;
pub mod state;
pub mod store;
pub mod tables;
pub mod timefmt;
pub mod trades;
pub mod verify;
pub mod wal;

pub use documents::{Collection, DocMeta, Document, Hub};
pub use error::{Error, Result};
pub use portfolio::PortfolioSnapshot;
pub use records::{BotState, Holding, Position, Side, Trade};
pub use state::{LatestValid, StateVersionInfo};
pub use store::{Concurrency, Durability, Store, StoreBuilder, StoreStats, WeakStore};
pub use trades::{NewTrade, TradeOrder, TradePage, TradeQuery};
