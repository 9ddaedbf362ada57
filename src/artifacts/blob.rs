//! Content-addressed blob files: `<store>/artifacts/blobs/ab/<blake3-hex>`.
//!
//! A blob is written to `artifacts/tmp/`, fsynced, renamed to its final name and the directory
//! fsynced, so a blob file is either absent or complete. Identical content has one name and is
//! stored once: a save of content already there checks the stored copy and rewrites it only if
//! it is damaged. Reads hash while they read and refuse content whose hash or size differs.

use std::fs::{File, OpenOptions};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use crate::store::{create_dir_private, sync_dir};
use crate::{Error, Result};

/// Table name used in corruption errors about blob files.
pub(crate) const BLOBS: &str = "artifacts/blobs";
const CHUNK: usize = 1 << 20;

pub(crate) fn blobs_dir(root: &Path) -> PathBuf {
    root.join("artifacts").join("blobs")
}

fn tmp_dir(root: &Path) -> PathBuf {
    root.join("artifacts").join("tmp")
}

/// Whether `hex` is a blake3 name (64 lower-case hex digits): only such names become paths.
pub(crate) fn is_blob_name(hex: &str) -> bool {
    hex.len() == 64 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// The path of blob `hex`.
pub(crate) fn blob_path(root: &Path, hex: &str) -> Result<PathBuf> {
    if !is_blob_name(hex) {
        return Err(Error::corruption(BLOBS, hex, "not a blake3 hex name"));
    }
    Ok(blobs_dir(root).join(&hex[..2]).join(hex))
}

/// Size of blob `hex` if it is a regular file (symlinks are not followed).
pub(crate) fn blob_len(root: &Path, hex: &str) -> Result<Option<u64>> {
    let path = blob_path(root, hex)?;
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => Ok(Some(m.len())),
        Ok(_) => Ok(None),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Creates `dir` under the store root (0750) and refuses it if it, or any directory between the
/// root and it, is a symlink: blobs never leave the store's own tree.
fn real_dir(root: &Path, dir: &Path) -> Result<()> {
    create_dir_private(dir)?;
    let rel = dir.strip_prefix(root).unwrap_or(dir);
    let mut at = root.to_path_buf();
    for part in rel.components() {
        at.push(part);
        let meta = std::fs::symlink_metadata(&at).map_err(|e| Error::io(&at, e))?;
        if !meta.is_dir() {
            return Err(Error::io(
                &at,
                std::io::Error::other(
                    "is a symlink or not a directory; the store does not follow links out of its root",
                ),
            ));
        }
    }
    Ok(())
}

fn create_private_file(path: &Path) -> Result<File> {
    let mut o = OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o640);
    }
    o.open(path).map_err(|e| Error::io(path, e))
}

/// A blob being written: the temp file, its hash and size so far.
struct Pending {
    path: PathBuf,
    file: File,
    hasher: blake3::Hasher,
    size: u64,
}

impl Pending {
    fn new(root: &Path) -> Result<Pending> {
        let dir = tmp_dir(root);
        real_dir(root, &dir)?;
        let path = dir.join(format!("{:016x}{:016x}.tmp", fastrand::u64(..), fastrand::u64(..)));
        Ok(Pending {
            file: create_private_file(&path)?,
            path,
            hasher: blake3::Hasher::new(),
            size: 0,
        })
    }

    fn write(&mut self, chunk: &[u8]) -> Result<()> {
        self.hasher.update(chunk);
        self.size += chunk.len() as u64;
        self.file.write_all(chunk).map_err(|e| Error::io(&self.path, e))
    }

    /// Makes the content durable under its final name (unless an identical blob is there).
    fn finish(self, root: &Path) -> Result<Stored> {
        let hex = self.hasher.finalize().to_hex().to_string();
        self.file.sync_all().map_err(|e| Error::io(&self.path, e))?;
        drop(self.file);
        let done = place(root, &self.path, &hex, self.size);
        if done.as_ref().map_or(true, |s| !s.written) {
            let _ = std::fs::remove_file(&self.path);
        }
        done
    }
}

/// What storing content did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Stored {
    pub(crate) hex: String,
    pub(crate) size: u64,
    /// False when an identical blob was already there (deduplicated).
    pub(crate) written: bool,
}

/// Whether blob `hex` is on disk with `size` bytes that hash to `hex`.
pub(crate) fn intact(root: &Path, hex: &str, size: u64) -> bool {
    read_verified(root, hex, size, |_| Ok(())).is_ok()
}

fn place(root: &Path, tmp: &Path, hex: &str, size: u64) -> Result<Stored> {
    if intact(root, hex, size) {
        return Ok(Stored {
            hex: hex.to_owned(),
            size,
            written: false,
        });
    }
    let dest = blob_path(root, hex)?;
    let dir = dest.parent().map(Path::to_path_buf).unwrap_or_else(|| blobs_dir(root));
    real_dir(root, &dir)?;
    std::fs::rename(tmp, &dest).map_err(|e| Error::io(&dest, e))?;
    sync_dir(&dir)?;
    Ok(Stored {
        hex: hex.to_owned(),
        size,
        written: true,
    })
}

/// Stores `bytes` as a blob (once per content).
pub(crate) fn store_bytes(root: &Path, bytes: &[u8]) -> Result<Stored> {
    let hex = blake3::hash(bytes).to_hex().to_string();
    if intact(root, &hex, bytes.len() as u64) {
        return Ok(Stored {
            hex,
            size: bytes.len() as u64,
            written: false,
        });
    }
    let mut p = Pending::new(root)?;
    for chunk in bytes.chunks(CHUNK) {
        p.write(chunk)?;
    }
    p.finish(root)
}

/// Stores everything `reader` yields as a blob, hashing while it streams.
pub(crate) fn store_reader(root: &Path, mut reader: impl Read) -> Result<Stored> {
    let mut p = Pending::new(root)?;
    let mut buf = vec![0u8; CHUNK];
    loop {
        let n = match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => {
                let _ = std::fs::remove_file(&p.path);
                return Err(Error::io("<model reader>", e));
            }
        };
        if let Err(e) = p.write(&buf[..n]) {
            let _ = std::fs::remove_file(&p.path);
            return Err(e);
        }
    }
    p.finish(root)
}

/// Refuses a missing blob or one whose size on disk is not `size`.
fn check_len(root: &Path, hex: &str, size: u64) -> Result<()> {
    let corrupt = |detail: String| Error::corruption(BLOBS, hex, detail);
    match blob_len(root, hex)? {
        None => Err(corrupt("the blob file is missing".into())),
        Some(n) if n != size => Err(corrupt(format!("{n} bytes on disk, {size} recorded"))),
        Some(_) => Ok(()),
    }
}

/// Streams blob `hex` into `sink`, hashing as it reads; fails with [`Error::Corruption`] if
/// the file is missing or its size or hash is not `size` / `hex`. `sink` may have received
/// bytes when it fails: callers that hand data out buffer it or write to a temp file.
pub(crate) fn read_verified(
    root: &Path,
    hex: &str,
    size: u64,
    mut sink: impl FnMut(&[u8]) -> Result<()>,
) -> Result<()> {
    let path = blob_path(root, hex)?;
    let corrupt = |detail: String| Error::corruption(BLOBS, hex, detail);
    check_len(root, hex, size)?;
    let mut file = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut hasher = blake3::Hasher::new();
    let mut buf = vec![0u8; CHUNK];
    let mut seen = 0u64;
    loop {
        let n = match file.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(Error::io(&path, e)),
        };
        seen += n as u64;
        if seen > size {
            return Err(corrupt(format!("longer than the {size} bytes recorded")));
        }
        hasher.update(&buf[..n]);
        sink(&buf[..n])?;
    }
    if seen != size {
        return Err(corrupt(format!("{seen} bytes read, {size} recorded")));
    }
    let got = hasher.finalize().to_hex();
    if got.as_str() != hex {
        return Err(corrupt(format!("content hashes to {got}")));
    }
    Ok(())
}

/// Reads and verifies blob `hex` into memory, reading straight into the result and hashing each
/// chunk as it arrives.
pub(crate) fn read_all(root: &Path, hex: &str, size: u64) -> Result<Vec<u8>> {
    let corrupt = |detail: String| Error::corruption(BLOBS, hex, detail);
    let len = usize::try_from(size).map_err(|_| corrupt(format!("{size} bytes do not fit in memory")))?;
    check_len(root, hex, size)?;
    let path = blob_path(root, hex)?;
    let mut file = File::open(&path).map_err(|e| Error::io(&path, e))?;
    let mut out = vec![0u8; len];
    let mut hasher = blake3::Hasher::new();
    let mut at = 0;
    while at < len {
        let end = (at + CHUNK).min(len);
        match file.read(&mut out[at..end]) {
            Ok(0) => return Err(corrupt(format!("{at} bytes read, {size} recorded"))),
            Ok(n) => {
                hasher.update(&out[at..at + n]);
                at += n;
            }
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(Error::io(&path, e)),
        }
    }
    let mut probe = [0u8; 1];
    if matches!(file.read(&mut probe), Ok(n) if n > 0) {
        return Err(corrupt(format!("longer than the {size} bytes recorded")));
    }
    let got = hasher.finalize().to_hex();
    if got.as_str() != hex {
        return Err(corrupt(format!("content hashes to {got}")));
    }
    Ok(out)
}

/// Copies verified blob `hex` to `dest` atomically: nothing appears at `dest` unless the whole
/// content passed its hash.
pub(crate) fn export(root: &Path, hex: &str, size: u64, dest: &Path) -> Result<()> {
    let dir = match dest.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{:016x}.tmp", fastrand::u64(..)));
    let mut file = create_private_file(&tmp)?;
    let result = read_verified(root, hex, size, |chunk| {
        file.write_all(chunk).map_err(|e| Error::io(&tmp, e))
    })
    .and_then(|()| file.sync_all().map_err(|e| Error::io(&tmp, e)))
    .and_then(|()| std::fs::rename(&tmp, dest).map_err(|e| Error::io(dest, e)))
    .and_then(|()| sync_dir(&dir));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}

/// Removes blob `hex`; returns the bytes freed, `None` if it was not there.
pub(crate) fn remove(root: &Path, hex: &str) -> Result<Option<u64>> {
    let Some(len) = blob_len(root, hex)? else {
        return Ok(None);
    };
    let path = blob_path(root, hex)?;
    match std::fs::remove_file(&path) {
        Ok(()) => Ok(Some(len)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(Error::io(path, e)),
    }
}

/// Every blob file on disk: name, size and modification time. Anything that is not a regular
/// file with a blake3 name is skipped.
pub(crate) fn list_files(root: &Path) -> Result<Vec<(String, u64, std::time::SystemTime)>> {
    let mut out = Vec::new();
    let dir = blobs_dir(root);
    let Ok(shards) = std::fs::read_dir(&dir) else {
        return Ok(out);
    };
    for shard in shards {
        let shard = shard.map_err(|e| Error::io(&dir, e))?;
        if !shard.file_type().map_err(|e| Error::io(shard.path(), e))?.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(shard.path()).map_err(|e| Error::io(shard.path(), e))? {
            let f = f.map_err(|e| Error::io(shard.path(), e))?;
            let name = f.file_name().to_string_lossy().into_owned();
            let meta = f.metadata().map_err(|e| Error::io(f.path(), e))?;
            if meta.is_file() && is_blob_name(&name) {
                let mtime = meta.modified().unwrap_or(std::time::UNIX_EPOCH);
                out.push((name, meta.len(), mtime));
            }
        }
    }
    Ok(out)
}

/// Removes temp files (left by writes that died) last modified before `cutoff`; returns bytes.
pub(crate) fn remove_stale_temp(root: &Path, cutoff: std::time::SystemTime) -> Result<u64> {
    let dir = tmp_dir(root);
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return Ok(0);
    };
    let mut freed = 0;
    for e in entries {
        let e = e.map_err(|err| Error::io(&dir, err))?;
        let meta = e.metadata().map_err(|err| Error::io(e.path(), err))?;
        let old = meta.modified().is_ok_and(|m| m < cutoff);
        if meta.is_file() && old && std::fs::remove_file(e.path()).is_ok() {
            freed += meta.len();
        }
    }
    Ok(freed)
}
