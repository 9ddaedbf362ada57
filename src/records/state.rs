use rkyv::{Archive, Deserialize, Serialize};

use crate::envelope::Record;

/// One version of a bot's state: any JSON document, stored as text.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct BotState {
    /// Version number, starting at 1, increasing by one per save.
    pub version: u64,
    /// When it was saved, ns since the Unix epoch, UTC.
    pub ts: i64,
    /// Optional label (e.g. `"after-fill"`, `"rollback of 3"`).
    pub label: Option<String>,
    /// The state, as JSON text.
    pub json: String,
}

impl Record for BotState {
    const KIND: u8 = 3;
    const NAME: &'static str = "BotState";
}
