//! The stores bots use today, driven the way bots drive them. Kept in the benches so the
//! library's own dependencies stay lean.

pub mod fdatasync;
pub mod json_docs;
pub mod json_files;
pub mod pyarrow;
pub mod redis;
pub mod sqlite;
