//! The store's own files and directories: modes (directories 0750, files 0640, 0600 for
//! secrets) and durable directory entries.

use std::path::Path;

use crate::{Error, Result};

/// Creates `dir` (and parents) with mode 0750 where the platform has modes.
pub(crate) fn create_dir_private(dir: &Path) -> Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        b.mode(0o750);
    }
    b.create(dir).map_err(|e| Error::io(dir, e))
}

/// Sets `file`'s mode to `mode` (e.g. 0o640) where the platform has modes.
pub(crate) fn restrict_file(file: &Path, mode: u32) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(file, std::fs::Permissions::from_mode(mode)).map_err(|e| Error::io(file, e))?;
    }
    #[cfg(not(unix))]
    let _ = (file, mode);
    Ok(())
}

/// Fsyncs a directory so renames and creations inside it are durable.
///
/// # Errors
/// [`Error::Io`].
pub fn sync_dir(dir: &Path) -> Result<()> {
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| Error::io(dir, e))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}
