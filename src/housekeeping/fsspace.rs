//! Capacity and free space of the file system holding the store.

use std::path::Path;

use serde::Serialize;

use crate::{Error, Result};

/// File-system space, from `statvfs`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct FsSpace {
    /// Capacity in bytes.
    pub total_bytes: u64,
    /// Bytes available to unprivileged users.
    pub available_bytes: u64,
    /// Percent in use as `df` shows it: used / (used + available), where blocks reserved for
    /// the superuser count neither as used nor as available.
    pub used_percent: f64,
}

impl FsSpace {
    /// Figures for a file system of `total_bytes` with `available_bytes` free to use (nothing
    /// reserved).
    pub fn new(total_bytes: u64, available_bytes: u64) -> FsSpace {
        FsSpace::with_reserved(total_bytes, available_bytes, available_bytes)
    }

    /// Figures from a `statvfs`-style triple: capacity, free blocks (including those reserved
    /// for the superuser) and blocks available to everyone.
    pub fn with_reserved(total_bytes: u64, free_bytes: u64, available_bytes: u64) -> FsSpace {
        let used = total_bytes.saturating_sub(free_bytes);
        let denom = used.saturating_add(available_bytes);
        let used_percent = if denom == 0 {
            0.0
        } else {
            100.0 * used as f64 / denom as f64
        };
        FsSpace {
            total_bytes,
            available_bytes,
            used_percent,
        }
    }
}

/// Measures the file system holding `path`.
///
/// # Errors
/// [`Error::Io`] if the file system cannot be queried.
pub fn fs_space(path: &Path) -> Result<FsSpace> {
    #[cfg(unix)]
    {
        let st = rustix::fs::statvfs(path).map_err(|e| Error::io(path, e.into()))?;
        let frag = st.f_frsize.max(1);
        Ok(FsSpace::with_reserved(
            st.f_blocks.saturating_mul(frag),
            st.f_bfree.saturating_mul(frag),
            st.f_bavail.saturating_mul(frag),
        ))
    }
    #[cfg(not(unix))]
    {
        Err(Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::Unsupported, "free-space query needs a Unix system"),
        ))
    }
}
