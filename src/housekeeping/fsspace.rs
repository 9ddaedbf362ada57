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
    /// Percent in use, counting the root-reserved blocks as used (what `df` shows).
    pub used_percent: f64,
}

impl FsSpace {
    /// Builds the figures from a capacity and what is available.
    pub fn new(total_bytes: u64, available_bytes: u64) -> FsSpace {
        let used_percent = if total_bytes == 0 {
            0.0
        } else {
            100.0 * (total_bytes.saturating_sub(available_bytes)) as f64 / total_bytes as f64
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
        Ok(FsSpace::new(
            st.f_blocks.saturating_mul(frag),
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
