//! Record types as stored in the tables: each derives rkyv (zero-copy, validated) and serde.
//!
//! Money is `rust_decimal::Decimal` everywhere; timestamps are i64 nanoseconds since the Unix
//! epoch, UTC.

mod analytics;
mod artifact;
mod decimal;
mod document;
mod housekeeping;
mod kv;
mod partition;
mod portfolio;
mod position;
mod state;
mod trade;

pub use analytics::{ArchivedTradeStats, TradeStats};
pub use artifact::{ArchivedArtifactRecord, ArchivedMetricPoint, ArtifactRecord, MetricPoint};
pub use decimal::{ArchivedRkyvDecimal, RkyvDecimal, archived_decimal};
pub use document::{DocCollection, DocMigration, DocSchema, DocVersion};
pub use housekeeping::{AlertRecord, CleanupRecord, ComponentSample, UsageSample};
pub use kv::{ArchivedKvKind, KvEntry, KvItem, KvKind, KvLock};
pub use partition::{ArchivedPartitionMeta, PartitionMeta};
pub use portfolio::{Holding, PortfolioSnapshot};
pub use position::Position;
pub use state::BotState;
pub use trade::{ArchivedSide, ArchivedTrade, Side, Trade};

#[cfg(test)]
mod layout_tests {
    //! The archived layouts are the file format: these sizes are drawn in docs/design.md and
    //! may only change with a format version bump and a migration.
    use super::*;
    use std::mem::{align_of, size_of};

    #[test]
    fn archived_layouts_are_frozen() {
        assert_eq!(align_of::<ArchivedTrade>(), 1);
        assert_eq!(size_of::<housekeeping::ArchivedAlertRecord>(), 52);
        assert_eq!(size_of::<housekeeping::ArchivedUsageSample>(), 40);
        assert_eq!(size_of::<housekeeping::ArchivedComponentSample>(), 24);
        assert_eq!(size_of::<housekeeping::ArchivedCleanupRecord>(), 56);
        assert_eq!(size_of::<ArchivedTrade>(), 140);
        assert_eq!(size_of::<position::ArchivedPosition>(), 96);
        assert_eq!(size_of::<state::ArchivedBotState>(), 33);
        assert_eq!(size_of::<portfolio::ArchivedPortfolioSnapshot>(), 56);
        assert_eq!(size_of::<portfolio::ArchivedHolding>(), 40);
    }
}
