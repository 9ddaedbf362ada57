//! The floor: appending a record-sized block to a file and fdatasync-ing it. No durable commit
//! on this disk can be faster than one of these.

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::Path;

use crate::harness::Result;

/// An append-only file synced after every write.
pub struct Floor {
    file: File,
    block: Vec<u8>,
}

impl Floor {
    /// Creates `path`; every [`Floor::append`] writes `block_len` bytes.
    pub fn create(path: &Path, block_len: usize) -> Result<Floor> {
        let file = OpenOptions::new().create(true).append(true).open(path)?;
        Ok(Floor {
            file,
            block: vec![0x5a; block_len],
        })
    }

    /// Appends one block and waits for it to be on disk.
    pub fn append(&mut self) -> Result<()> {
        self.file.write_all(&self.block)?;
        self.file.sync_data()?;
        Ok(())
    }
}
