//! Deleting one file below the store root without following any symlink.
//!
//! On Unix every directory on the way is opened relative to the previous one with `O_NOFOLLOW`,
//! and the file is unlinked relative to its directory only if it is (still) a regular file: a
//! directory swapped for a symlink between the scan and the delete cannot redirect it outside.

use std::io;
use std::path::{Component, Path};

use crate::store::DB_FILE;

fn refuse(what: &str) -> io::Error {
    io::Error::new(io::ErrorKind::PermissionDenied, what.to_owned())
}

/// Removes `root/rel`, a regular file. Refuses paths that leave the root, the store file, and
/// anything that is not a regular file at the moment of deletion.
pub(crate) fn remove_beneath(root: &Path, rel: &Path) -> io::Result<()> {
    let parts: Vec<&std::ffi::OsStr> = rel
        .components()
        .map(|c| match c {
            Component::Normal(n) => Ok(n),
            _ => Err(refuse("path leaves the managed root")),
        })
        .collect::<io::Result<_>>()?;
    let Some((name, dirs)) = parts.split_last() else {
        return Err(refuse("empty path"));
    };
    if dirs.is_empty()
        && [DB_FILE, crate::wal::WAL_FILE, crate::redo::REDO_FILE]
            .iter()
            .any(|f| *name == *f)
    {
        return Err(refuse("the store file and its logs are never deleted"));
    }
    imp::remove(root, dirs, name)
}

#[cfg(unix)]
mod imp {
    use std::ffi::OsStr;
    use std::io;
    use std::path::Path;

    use rustix::fs::{AtFlags, CWD, FileType, Mode, OFlags, openat, statat, unlinkat};

    pub(super) fn remove(root: &Path, dirs: &[&OsStr], name: &OsStr) -> io::Result<()> {
        let flags = OFlags::DIRECTORY | OFlags::RDONLY | OFlags::CLOEXEC;
        let mut dir = openat(CWD, root, flags, Mode::empty())?;
        for d in dirs {
            dir = openat(&dir, *d, flags | OFlags::NOFOLLOW, Mode::empty())?;
        }
        let st = statat(&dir, name, AtFlags::SYMLINK_NOFOLLOW)?;
        if FileType::from_raw_mode(st.st_mode) != FileType::RegularFile {
            return Err(super::refuse("not a regular file"));
        }
        unlinkat(&dir, name, AtFlags::empty())?;
        Ok(())
    }
}

#[cfg(not(unix))]
mod imp {
    use std::ffi::OsStr;
    use std::io;
    use std::path::Path;

    pub(super) fn remove(root: &Path, dirs: &[&OsStr], name: &OsStr) -> io::Result<()> {
        let mut p = root.to_path_buf();
        for d in dirs {
            p.push(d);
            if !std::fs::symlink_metadata(&p)?.file_type().is_dir() {
                return Err(super::refuse("a directory on the way is a link"));
            }
        }
        p.push(name);
        if !std::fs::symlink_metadata(&p)?.file_type().is_file() {
            return Err(super::refuse("not a regular file"));
        }
        std::fs::remove_file(p)
    }
}
