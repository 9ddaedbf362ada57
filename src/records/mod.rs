//! Record types as stored in the tables: each derives rkyv (zero-copy, validated) and serde.
//!
//! Money is `rust_decimal::Decimal` everywhere; timestamps are i64 nanoseconds since the Unix
//! epoch, UTC.

mod decimal;
mod document;
mod portfolio;
mod position;
mod state;
mod trade;

pub use decimal::{ArchivedRkyvDecimal, RkyvDecimal, archived_decimal};
pub use document::{DocCollection, DocMigration, DocSchema, DocVersion};
pub use portfolio::{Holding, PortfolioSnapshot};
pub use position::Position;
pub use state::BotState;
pub use trade::{ArchivedSide, ArchivedTrade, Side, Trade};
