//! Writing a log's whole blocks straight to the disk.
//!
//! A log append is a small write followed by `fdatasync`: the kernel copies the bytes into its
//! page cache, writes the dirty page back, waits for it, then asks the disk to flush its cache.
//! Opened with `O_DIRECT | O_DSYNC`, the same file takes a write of whole, aligned blocks
//! straight from our buffer to the disk and returns once it is durable, with the flush: one
//! step instead of three. On the project machine's virtio disk that is about 15% off the
//! latency of a one-block durable append (`docs/benchmarks.md`, "Direct log writes").
//!
//! Only writes of whole [`BLOCK`]s at block offsets can go this way; [`Appender`] writes its
//! frames as such (it rewrites the block holding the previous frame's end together with the
//! new frame, the same bytes the page cache would write back). Anything else goes through the
//! page cache and is synced at the next [`DirectFile::sync_data`]. Where the platform or the
//! file system does not take direct writes (tmpfs before Linux 6.6, other systems), every write
//! goes through the page cache as before.
//!
//! [`Appender`]: super::Appender

use std::fs::File;
use std::io;
use std::path::Path;
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};

/// Size and alignment of a direct write: in file offset, length and memory address. 4 KiB
/// covers every logical block size Linux file systems use for direct I/O on common disks.
pub const BLOCK: usize = 4096;

/// Buffers of log writes larger than this are given back after the write, so an 8 MiB frame
/// does not keep 8 MiB of memory for the life of the store (here and in [`super::Appender`]).
pub const KEEP_BUFFER: usize = 64 << 10;

/// The log file's second handle, for direct synchronous writes.
#[derive(Debug)]
pub struct DirectFile {
    file: File,
    /// Where a write's bytes are copied to sit at a [`BLOCK`]-aligned address.
    buffer: Mutex<Vec<u8>>,
    /// Cleared when the file system refused a direct write: every later write goes through
    /// the page cache.
    usable: AtomicBool,
}

/// How a write was made.
#[derive(Debug, PartialEq, Eq)]
pub enum Written {
    /// Durable already: nothing to sync for it.
    Durable,
    /// Not taken (not whole blocks, or direct writes unavailable): the caller writes it through
    /// the page cache and syncs.
    NotTaken,
}

impl DirectFile {
    /// Opens `path` a second time for direct synchronous writes; `None` where that is not
    /// available (the caller then writes through the page cache alone).
    pub fn open(path: &Path) -> Option<DirectFile> {
        let file = open_direct(path)?;
        Some(DirectFile {
            file,
            buffer: Mutex::new(Vec::new()),
            usable: AtomicBool::new(true),
        })
    }

    /// Writes `data` at `offset` durably if both are whole blocks; see [`Written`].
    ///
    /// # Errors
    /// The disk's I/O errors. A refusal of direct I/O as such (`EINVAL`) is not an error: the
    /// write is then [`Written::NotTaken`] and direct writes are off from then on.
    pub fn write(&self, offset: u64, data: &[u8]) -> io::Result<Written> {
        if data.is_empty()
            || !offset.is_multiple_of(BLOCK as u64)
            || !data.len().is_multiple_of(BLOCK)
            || !self.usable.load(Ordering::Relaxed)
        {
            return Ok(Written::NotTaken);
        }
        let mut buffer = self.buffer.lock().unwrap_or_else(|p| p.into_inner());
        let Some(aligned) = aligned_copy(&mut buffer, data) else {
            return Ok(Written::NotTaken);
        };
        let result = write_all_at(&self.file, aligned, offset);
        if buffer.capacity() > KEEP_BUFFER {
            *buffer = Vec::new();
        }
        match result {
            Ok(()) => Ok(Written::Durable),
            // `EINVAL`: the file system does not take direct writes after all.
            Err(e) if e.kind() == io::ErrorKind::InvalidInput => {
                self.usable.store(false, Ordering::Relaxed);
                Ok(Written::NotTaken)
            }
            Err(e) => Err(e),
        }
    }
}

/// Copies `data` into `buffer` at a [`BLOCK`]-aligned address and returns that copy; `None` if
/// no aligned place could be found (the write then goes through the page cache).
fn aligned_copy<'a>(buffer: &'a mut Vec<u8>, data: &[u8]) -> Option<&'a [u8]> {
    let needed = data.len() + BLOCK;
    if buffer.len() < needed {
        buffer.resize(needed, 0);
    }
    let start = buffer.as_ptr().align_offset(BLOCK);
    let copy = buffer.get_mut(start..start.checked_add(data.len())?)?;
    copy.copy_from_slice(data);
    Some(copy)
}

#[cfg(target_os = "linux")]
fn open_direct(path: &Path) -> Option<File> {
    use std::os::unix::fs::OpenOptionsExt;
    std::fs::OpenOptions::new()
        .write(true)
        .custom_flags(libc::O_DIRECT | libc::O_DSYNC)
        .open(path)
        .ok()
}

#[cfg(not(target_os = "linux"))]
fn open_direct(_path: &Path) -> Option<File> {
    None
}

#[cfg(unix)]
fn write_all_at(file: &File, data: &[u8], offset: u64) -> io::Result<()> {
    std::os::unix::fs::FileExt::write_all_at(file, data, offset)
}

#[cfg(not(unix))]
fn write_all_at(_file: &File, _data: &[u8], _offset: u64) -> io::Result<()> {
    Err(io::ErrorKind::InvalidInput.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aligned_copy_sits_on_a_block_and_holds_the_bytes() {
        let mut buffer = Vec::new();
        let data: Vec<u8> = (0..3 * BLOCK).map(|i| (i % 251) as u8).collect();
        let copy = aligned_copy(&mut buffer, &data).unwrap();
        assert_eq!(copy.as_ptr().align_offset(BLOCK), 0);
        assert_eq!(copy, &data[..]);
    }

    #[test]
    fn whole_blocks_are_durable_and_the_rest_is_left_to_the_caller() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("log");
        std::fs::write(&path, vec![0u8; 4 * BLOCK]).unwrap();
        let Some(direct) = DirectFile::open(&path) else {
            eprintln!("direct writes are not available here; nothing to check");
            return;
        };
        let block = vec![7u8; BLOCK];
        assert_eq!(direct.write(0, &block[..100]).unwrap(), Written::NotTaken);
        assert_eq!(direct.write(100, &block).unwrap(), Written::NotTaken);
        let taken = direct.write(BLOCK as u64, &block).unwrap();
        if taken == Written::Durable {
            let on_disk = std::fs::read(&path).unwrap();
            assert_eq!(&on_disk[BLOCK..2 * BLOCK], &block[..]);
            assert!(on_disk[..BLOCK].iter().all(|&b| b == 0));
        }
    }
}
