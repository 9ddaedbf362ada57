use rkyv::{Archive, Deserialize, Serialize};

use crate::envelope::Record;

/// One alert raised by housekeeping (a component or the file system over a threshold).
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct AlertRecord {
    /// When it was raised, ns since the Unix epoch, UTC.
    pub ts: i64,
    /// `"warning"`, `"critical"` or `"emergency"`.
    pub level: String,
    /// The component name, or `"filesystem"`.
    pub scope: String,
    /// What happened, for people.
    pub message: String,
    /// Bytes in use when it was raised.
    pub used_bytes: u64,
    /// The allocation (component) or capacity (file system) it is measured against.
    pub limit_bytes: u64,
    /// `used_bytes / limit_bytes` in hundredths of a percent (9512 = 95.12 %).
    pub percent_bp: u32,
}

impl Record for AlertRecord {
    const KIND: u8 = 50;
    const NAME: &'static str = "AlertRecord";
}

/// One component's size in a [`UsageSample`].
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ComponentSample {
    /// Component name.
    pub name: String,
    /// Bytes of regular files under `components/<name>/`.
    pub bytes: u64,
    /// Number of those files.
    pub files: u64,
}

/// One point of the usage history that housekeeping keeps for trends.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct UsageSample {
    /// When it was measured, ns since the Unix epoch, UTC.
    pub ts: i64,
    /// Every configured component.
    pub components: Vec<ComponentSample>,
    /// Size of the store file.
    pub store_file_bytes: u64,
    /// File system capacity.
    pub fs_total_bytes: u64,
    /// File system bytes available to the store's user.
    pub fs_available_bytes: u64,
}

impl Record for UsageSample {
    const KIND: u8 = 51;
    const NAME: &'static str = "UsageSample";
}

/// One finished cleanup of a component or of the store's own tables.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct CleanupRecord {
    /// When it finished, ns since the Unix epoch, UTC.
    pub ts: i64,
    /// Component name, or `"store:<source>"` for in-store retention.
    pub target: String,
    /// Strategy name (`time`, `size`, `lru`, `priority`, `adaptive`, `retention`).
    pub strategy: String,
    /// Why it ran: `"scheduled"`, `"manual"` or `"emergency"`.
    pub trigger: String,
    /// Files (or rows) removed.
    pub removed: u64,
    /// Bytes removed.
    pub bytes: u64,
    /// Items that could not be removed (vanished, permission denied, ...).
    pub failed: u64,
}

impl Record for CleanupRecord {
    const KIND: u8 = 52;
    const NAME: &'static str = "CleanupRecord";
}
