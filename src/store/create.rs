//! A new store file appears whole or not at all.
//!
//! The database initialises a new file in place: it sizes the file, writes its first pages and
//! syncs, and only then writes its magic number. A process killed in between leaves a file of
//! the full size with no magic number, which every later open refuses as "not a database", so a
//! bot that crashed while creating its store could not start again until someone deleted the
//! file. Here the file is created and synced under a temporary name in the store directory and
//! linked to its real name only once it is a complete, empty database: a kill at any moment
//! leaves either no store file (the next open creates one) or a complete one.

use std::io;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{crash, restrict_file, sync_dir};
use crate::{Error, Result};

/// Prefix of the temporary name a store file is created under
/// (`tradestore.redb.new-<pid>-<n>-<random>`).
const TEMP_PREFIX: &str = "tradestore.redb.new-";

/// Makes sure `file` (the store file in directory `dir`) exists as a complete database,
/// creating an empty one if there is none, and removes what creations killed before they
/// finished left behind.
///
/// Several processes may create the same store at once: each builds its own temporary file,
/// the first link wins, and the others open the winner's file.
///
/// # Errors
/// [`Error::Io`] or [`Error::Db`] when the directory cannot hold a new file.
pub(crate) fn ensure_store_file(dir: &Path, file: &Path) -> Result<()> {
    let exists = match std::fs::metadata(file) {
        // An empty file holds no data and is what a creation by an earlier version, killed
        // before its first write, can leave; it is created again like a missing one.
        Ok(m) if m.len() == 0 => {
            remove_if_present(file)?;
            false
        }
        Ok(_) => true,
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(Error::io(file, e)),
    };
    if !exists {
        create(dir, file)?;
    }
    remove_leftovers(dir);
    Ok(())
}

fn create(dir: &Path, file: &Path) -> Result<()> {
    let temp = temp_name(dir);
    let placed = build(&temp).and_then(|()| {
        crash::hit("create_before_link");
        put_in_place(&temp, file)
    });
    if let Err(e) = placed {
        let _ = std::fs::remove_file(&temp);
        // Another process created the store meanwhile (its cleanup may even have removed our
        // temporary file under us): theirs is the store.
        return if file.exists() { Ok(()) } else { Err(e) };
    }
    sync_dir(dir)?;
    crash::hit("create_after_link");
    remove_if_present(&temp)?;
    sync_dir(dir)
}

/// Creates an empty database at `temp` (a name nobody else uses), durable with its size and
/// mode.
fn build(temp: &Path) -> Result<()> {
    let db = redb::Builder::new()
        .create(temp)
        .map_err(|e| Error::Db(format!("creating {}: {e}", temp.display())))?;
    drop(db);
    // The database synced its pages and header; the file's size must be durable too.
    std::fs::OpenOptions::new()
        .write(true)
        .open(temp)
        .and_then(|f| f.sync_all())
        .map_err(|e| Error::io(temp, e))?;
    restrict_file(temp, 0o640)
}

/// Gives the complete file `temp` the name `file`, which does not exist yet.
///
/// A hard link never replaces a file, so of several creators the first wins and the others
/// find its file (an `Err` with `file` in place). On a file system without hard links (FAT,
/// some network and FUSE mounts) a rename is used once `file` is seen not to exist; there two
/// processes creating the same store in the same instant could both succeed, the later file
/// replacing the earlier, both empty.
fn put_in_place(temp: &Path, file: &Path) -> Result<()> {
    match std::fs::hard_link(temp, file) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists || file.exists() => Err(Error::io(file, e)),
        Err(e) => std::fs::rename(temp, file).map_err(|_| Error::io(file, e)),
    }
}

/// A name no other creation uses at the same time: in this process (a counter), in another
/// process of this machine (its id) or of another machine or container sharing the directory,
/// where process ids repeat (64 random bits).
fn temp_name(dir: &Path) -> PathBuf {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    dir.join(format!(
        "{TEMP_PREFIX}{}-{n}-{:016x}",
        std::process::id(),
        fastrand::u64(..)
    ))
}

fn remove_if_present(path: &Path) -> Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => Err(Error::io(path, e)),
        _ => Ok(()),
    }
}

/// Removes temporary files of creations that were killed or lost the race. Best effort: a file
/// that cannot be removed now is removed by a later open. A creation still running elsewhere
/// whose file is removed finds the store file in place and opens it.
fn remove_leftovers(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        if entry.file_name().to_str().is_some_and(|n| n.starts_with(TEMP_PREFIX)) {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::DB_FILE;

    #[test]
    fn leftovers_of_killed_creations_are_removed_and_the_store_created() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(DB_FILE);
        // What a creation killed inside the database's initialisation leaves: a full-size file
        // with no magic number, under the temporary name.
        let stale = dir.path().join(format!("{TEMP_PREFIX}999999-0"));
        std::fs::write(&stale, vec![0u8; 1 << 20]).unwrap();
        ensure_store_file(dir.path(), &file).unwrap();
        assert!(!stale.exists());
        let names: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names, [DB_FILE]);
        redb::Database::open(&file).unwrap();
    }

    #[test]
    fn an_existing_store_file_is_left_untouched() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(DB_FILE);
        std::fs::write(&file, b"not a database").unwrap();
        ensure_store_file(dir.path(), &file).unwrap();
        assert_eq!(std::fs::read(&file).unwrap(), b"not a database");
    }

    #[test]
    fn an_empty_store_file_is_created_again() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(DB_FILE);
        std::fs::File::create(&file).unwrap();
        ensure_store_file(dir.path(), &file).unwrap();
        redb::Database::open(&file).unwrap();
    }

    #[test]
    fn racing_creations_agree_on_one_file() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join(DB_FILE);
        std::thread::scope(|s| {
            for _ in 0..4 {
                s.spawn(|| ensure_store_file(dir.path(), &file).unwrap());
            }
        });
        redb::Database::open(&file).unwrap();
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }
}
