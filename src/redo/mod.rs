//! The operation log: durable saves of fills, document puts and bot-state saves acknowledged
//! after one small sequential sync.
//!
//! A durable commit of the store file costs the commit's CPU work (copying every B-tree page on
//! the way to each changed row) followed by a sync. For a save of fills, a put of a document
//! version or a save of bot state the writer instead appends the operation itself (its inputs and the time) to
//! `tradestore.redo` and
//! syncs that small frame on the log's own thread *while* it applies the same operation to the
//! store file in a commit that is not synced. The caller is answered once both are done.
//!
//! After a crash, opening the store replays, in order, every logged operation the store file
//! does not hold durably ([`META_REDO_APPLIED`](crate::tables::META_REDO_APPLIED) tells which).
//! Applying an operation is deterministic given the state it is applied to, and the state before a
//! logged operation is the durable store file plus the logged operations before it, so the
//! replay rebuilds exactly what the callers were told: the same ids, positions and P&L, and the
//! same refusals. Every durable commit of the store file (the flush timer, a write that is not
//! logged, a full log, closing) makes the logged operations durable there too, after which the
//! log starts over. See `docs/durability.md` for the guarantees and `docs/design.md` for the
//! bytes.

pub mod fills;
pub mod format;
mod log;
mod recover;

pub(crate) use log::{LogWaker, RedoLog};
pub use recover::REDO_FILE;
pub(crate) use recover::{open, open_on, reapply};
