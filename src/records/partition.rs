use rkyv::{Archive, Deserialize, Serialize};

use crate::envelope::Record;

/// A market partition as the catalog records it. The key (pair, timeframe, period) names the
/// file; this row says what the file must be.
///
/// Only fixed-size fields, so the archived payload is exactly 80 bytes in declaration order,
/// integers little-endian (see `docs/market.md`).
#[derive(Archive, Serialize, Deserialize, serde::Serialize, Debug, Clone, Copy, PartialEq, Eq)]
pub struct PartitionMeta {
    /// Rows in the file.
    pub rows: u64,
    /// Smallest `ts` in the file, ns since the epoch, UTC.
    pub first_ts: i64,
    /// Largest `ts` in the file, ns since the epoch, UTC.
    pub last_ts: i64,
    /// File size in bytes.
    pub bytes: u64,
    /// blake3 of the whole file.
    pub blake3: [u8; 32],
    /// When the file was written, ns since the epoch, UTC.
    pub written_at: i64,
    /// Row groups in the file.
    pub row_groups: u64,
}

impl Record for PartitionMeta {
    const KIND: u8 = 30;
    const NAME: &'static str = "PartitionMeta";
}
