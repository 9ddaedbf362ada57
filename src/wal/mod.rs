//! The commit log in front of the store file.
//!
//! A durable commit costs one sequential append and one `fdatasync` of the log instead of a sync
//! of every page the commit changed, wherever they lie in the store file. See
//! [`WalBackend`] for how, `docs/durability.md` for the guarantees and `docs/design.md` for the
//! bytes.

mod appender;
mod backend;
mod direct;
mod files;
pub mod format;
mod replay;

pub use appender::Appender;
pub use backend::{CHECKPOINT_BYTES, WalBackend};
pub use files::{FileWal, LogFile, WAL_FILE};
pub(crate) use files::{open, open_log, recover};
pub use replay::{Replayed, read_frames, replay};
