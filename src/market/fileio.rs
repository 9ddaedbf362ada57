//! The file seam of the market store: atomic replacement of a file, the write lock, and reads
//! that verify a file against its catalog row before anything in it is used.
//!
//! Atomic replacement: the new content goes to a temp file in the target's own directory
//! (`.NAME.<random>.tmp`), is fsynced, renamed over the target, and the directory is fsynced so
//! the rename itself is durable. Readers see the old file or the new one, never a mix.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::records::PartitionMeta;
use crate::store::{create_dir_private, restrict_file};
use crate::{Error, Result};

/// Mode of the store's data files.
const FILE_MODE: u32 = 0o640;

/// A file being written next to its final place; see the module docs.
pub struct AtomicFile {
    out: BufWriter<File>,
    temp: PathBuf,
    target: PathBuf,
    hasher: blake3::Hasher,
    bytes: u64,
}

impl AtomicFile {
    /// Starts writing `target` (creating its directory, 0750) through a temp file beside it.
    ///
    /// # Errors
    /// [`Error::Io`] if the directory or the temp file cannot be created.
    pub fn create(target: &Path) -> Result<AtomicFile> {
        let dir = target.parent().unwrap_or(Path::new("."));
        create_dir_private(dir)?;
        let name = target.file_name().and_then(|n| n.to_str()).unwrap_or("file");
        let temp = dir.join(format!(".{name}.{:016x}.tmp", fastrand::u64(..)));
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(&temp)
            .map_err(|e| Error::io(&temp, e))?;
        restrict_file(&temp, FILE_MODE)?;
        Ok(AtomicFile {
            out: BufWriter::with_capacity(1 << 20, file),
            temp,
            target: target.to_path_buf(),
            hasher: blake3::Hasher::new(),
            bytes: 0,
        })
    }

    /// Flushes and fsyncs the temp file. The target is not touched yet.
    ///
    /// # Errors
    /// [`Error::Io`] if the data cannot be written or synced (the temp file is removed).
    pub fn finish(self) -> Result<Finished> {
        self.complete(true)
    }

    /// Flushes the temp file without fsyncing it: the caller fsyncs [`Finished::temp_path`]
    /// (see [`sync_files`]) before renaming it or recording it anywhere.
    ///
    /// # Errors
    /// [`Error::Io`] if the data cannot be written (the temp file is removed).
    pub fn finish_unsynced(self) -> Result<Finished> {
        self.complete(false)
    }

    fn complete(mut self, sync: bool) -> Result<Finished> {
        let temp = std::mem::take(&mut self.temp);
        let result = self
            .out
            .flush()
            .and_then(|()| if sync { self.out.get_ref().sync_all() } else { Ok(()) });
        let done = Finished {
            temp,
            target: std::mem::take(&mut self.target),
            bytes: self.bytes,
            blake3: *self.hasher.finalize().as_bytes(),
        };
        result.map_err(|e| Error::io(&done.temp, e))?;
        Ok(done)
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.out.write(buf)?;
        self.hasher.update(&buf[..n]);
        self.bytes += n as u64;
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            // Abandoned before finish: the temp file is garbage.
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

/// A fully written, fsynced temp file waiting to be renamed into place.
#[derive(Debug)]
pub struct Finished {
    temp: PathBuf,
    target: PathBuf,
    /// Size in bytes.
    pub bytes: u64,
    /// blake3 of the content.
    pub blake3: [u8; 32],
}

impl Finished {
    /// The temp file.
    pub fn temp_path(&self) -> &Path {
        &self.temp
    }

    /// Renames the temp file over the target and fsyncs the directory.
    ///
    /// # Errors
    /// [`Error::Io`] if the rename or the directory sync fails.
    pub fn rename_into_place(self) -> Result<()> {
        let target = self.target.clone();
        self.rename_to(&target)
    }

    /// Renames the temp file to `target` instead (same directory: the rename stays atomic) and
    /// fsyncs the directory.
    ///
    /// # Errors
    /// [`Error::Io`] if the rename or the directory sync fails.
    pub fn rename_to(mut self, target: &Path) -> Result<()> {
        let temp = std::mem::take(&mut self.temp);
        std::fs::rename(&temp, target).map_err(|e| Error::io(target, e))?;
        sync_dir(target.parent().unwrap_or(Path::new(".")))
    }

    /// Renames the temp file over the target and returns the directory that must be fsynced
    /// (see [`sync_dirs`]) before the rename is durable.
    ///
    /// # Errors
    /// [`Error::Io`] if the rename fails.
    pub fn rename_unsynced(mut self) -> Result<PathBuf> {
        let temp = std::mem::take(&mut self.temp);
        std::fs::rename(&temp, &self.target).map_err(|e| Error::io(&self.target, e))?;
        Ok(self.target.parent().unwrap_or(Path::new(".")).to_path_buf())
    }
}

/// Most files or directories fsynced at once (the work is waiting on the disk, not CPU).
const SYNC_THREADS: usize = 8;

/// Fsyncs every file of `files`, several at a time; returns the first failure.
///
/// # Errors
/// [`Error::Io`].
pub fn sync_files(files: &[PathBuf]) -> Result<()> {
    let sync = |p: &PathBuf| {
        File::options()
            .write(true)
            .open(p)
            .and_then(|f| f.sync_all())
            .map_err(|e| Error::io(p, e))
    };
    in_parallel(files, sync)
}

/// Fsyncs every directory of `dirs`, several at a time; returns the first failure.
///
/// # Errors
/// [`Error::Io`].
pub fn sync_dirs(dirs: &[PathBuf]) -> Result<()> {
    in_parallel(dirs, |d| sync_dir(d))
}

fn in_parallel(paths: &[PathBuf], sync: impl Fn(&PathBuf) -> Result<()> + Sync) -> Result<()> {
    if paths.len() <= 1 {
        return paths.iter().try_for_each(&sync);
    }
    let per = paths.len().div_ceil(SYNC_THREADS.min(paths.len()));
    let sync = &sync;
    std::thread::scope(|s| {
        let handles: Vec<_> = paths
            .chunks(per)
            .map(|share| s.spawn(move || share.iter().try_for_each(sync)))
            .collect();
        handles.into_iter().try_for_each(|h| {
            h.join()
                .unwrap_or_else(|_| Err(Error::Unavailable("an fsync thread stopped".into())))
        })
    })
}

impl Drop for Finished {
    fn drop(&mut self) {
        if !self.temp.as_os_str().is_empty() {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

pub use crate::store::sync_dir;

/// Takes the store-wide market write lock (`<dir>/.lock`), across threads and processes.
/// Released when the returned file is dropped.
///
/// # Errors
/// [`Error::Io`] if the lock file cannot be created or locked.
pub fn lock(dir: &Path) -> Result<File> {
    create_dir_private(dir)?;
    let path = dir.join(".lock");
    let file = File::options()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(|e| Error::io(&path, e))?;
    restrict_file(&path, FILE_MODE)?;
    file.lock().map_err(|e| Error::io(&path, e))?;
    Ok(file)
}

/// How a file differs from its catalog row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Mismatch {
    /// The file does not exist.
    Missing,
    /// Its size differs from the recorded size (a truncated or partly written file).
    Torn {
        /// Size on disk.
        found: u64,
    },
    /// Same size, different content.
    Altered,
}

impl Mismatch {
    /// Short name used in verify reports.
    pub fn what(&self) -> &'static str {
        match self {
            Mismatch::Missing => "missing",
            Mismatch::Torn { .. } => "torn",
            Mismatch::Altered => "altered",
        }
    }

    /// What was found, for messages.
    pub fn detail(&self, meta: &PartitionMeta) -> String {
        match self {
            Mismatch::Missing => "the catalog lists this file but it does not exist".into(),
            Mismatch::Torn { found } => format!("{found} bytes on disk, the catalog recorded {}", meta.bytes),
            Mismatch::Altered => "blake3 of the file differs from the catalog".into(),
        }
    }
}

/// Reads `path` whole and checks it against `meta`: `Ok(Err(mismatch))` when it does not match.
///
/// # Errors
/// [`Error::Io`] for a read failure other than a missing file.
pub fn read_checked(path: &Path, meta: &PartitionMeta) -> Result<std::result::Result<bytes::Bytes, Mismatch>> {
    let data = match std::fs::read(path) {
        Ok(d) => d,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Err(Mismatch::Missing)),
        Err(e) => return Err(Error::io(path, e)),
    };
    if data.len() as u64 != meta.bytes {
        return Ok(Err(Mismatch::Torn {
            found: data.len() as u64,
        }));
    }
    if blake3::hash(&data).as_bytes() != &meta.blake3 {
        return Ok(Err(Mismatch::Altered));
    }
    Ok(Ok(bytes::Bytes::from(data)))
}

/// blake3 and size of the file at `path`, `None` if it does not exist.
///
/// # Errors
/// [`Error::Io`] for a read failure other than a missing file.
pub fn hash_file(path: &Path) -> Result<Option<(u64, [u8; 32])>> {
    let mut file = match File::open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(Error::io(path, e)),
    };
    let mut h = blake3::Hasher::new();
    let n = std::io::copy(&mut file, &mut h).map_err(|e| Error::io(path, e))?;
    Ok(Some((n, *h.finalize().as_bytes())))
}
