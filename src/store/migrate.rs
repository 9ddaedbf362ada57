//! Store format migrations: opening a store of an older format upgrades it in place.
//!
//! Before anything changes, a snapshot of the store as it was is written to
//! `<store>/snapshots/pre-migration-v<N>-<time>.tsnap`. Then every step from the stored format up
//! to [`FORMAT_VERSION`] runs in **one** write transaction, which also records the new format
//! version: a failing step leaves the store exactly as it was.
//!
//! To change the file format: bump [`FORMAT_VERSION`], append a [`Step`] from the previous
//! version to [`STEPS`], and check in a fixture store of the old version under `tests/fixtures/`
//! with a load test proving it still opens.

use std::path::Path;

use redb::{Database, ReadableDatabase, WriteTransaction};

use crate::tables::{FORMAT_VERSION, META, META_FORMAT_VERSION};
use crate::{Error, Result};

/// One format upgrade: from `from` to `from + 1`.
pub(crate) struct Step {
    pub(crate) from: u64,
    pub(crate) apply: fn(&WriteTransaction) -> Result<()>,
}

/// Every upgrade step, oldest first. Format 1 is the first released format: nothing to do yet.
pub(crate) const STEPS: &[Step] = &[];

/// The format version recorded in the store, if any.
fn stored_version(db: &Database) -> Result<Option<u64>> {
    let rtx = db.begin_read()?;
    let meta = match rtx.open_table(META) {
        Ok(t) => t,
        Err(redb::TableError::TableDoesNotExist(_)) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    Ok(meta.get(META_FORMAT_VERSION)?.map(|v| v.value()))
}

/// Upgrades the store to [`FORMAT_VERSION`] if it is older. Returns the version migrated from.
pub(crate) fn upgrade(db: &Database, root: &Path) -> Result<Option<u64>> {
    upgrade_to(db, root, FORMAT_VERSION, STEPS)
}

pub(crate) fn upgrade_to(db: &Database, root: &Path, target: u64, steps: &[Step]) -> Result<Option<u64>> {
    let Some(found) = stored_version(db)? else {
        return Ok(None);
    };
    if found >= target {
        return Ok(None);
    }
    let plan: Vec<&Step> = (found..target)
        .map(|v| {
            steps.iter().find(|s| s.from == v).ok_or(Error::Incompatible {
                found,
                supported: target,
            })
        })
        .collect::<Result<_>>()?;
    crate::snapshot::create_from(db, root, None, &format!("pre-migration-v{found}-"))?;
    let txn = db.begin_write()?;
    for step in plan {
        (step.apply)(&txn)?;
    }
    txn.open_table(META)?.insert(META_FORMAT_VERSION, target)?;
    txn.commit()?;
    Ok(Some(found))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Store;

    fn add_marker(txn: &WriteTransaction) -> Result<()> {
        txn.open_table(META)?.insert("migrated_marker", 7)?;
        Ok(())
    }

    fn fail(_: &WriteTransaction) -> Result<()> {
        Err(Error::Db("step failed".into()))
    }

    /// A fresh store's database file, and two steps from the current format: `add_marker`, then
    /// `second`.
    fn db_and_steps(second: fn(&WriteTransaction) -> Result<()>) -> (tempfile::TempDir, Database, [Step; 2]) {
        let dir = tempfile::tempdir().unwrap();
        drop(Store::open(dir.path()).unwrap());
        let db = Database::create(dir.path().join(crate::store::DB_FILE)).unwrap();
        let steps = [
            Step {
                from: FORMAT_VERSION,
                apply: add_marker,
            },
            Step {
                from: FORMAT_VERSION + 1,
                apply: second,
            },
        ];
        (dir, db, steps)
    }

    fn meta(db: &Database, key: &str) -> Option<u64> {
        let rtx = db.begin_read().unwrap();
        rtx.open_table(META).unwrap().get(key).unwrap().map(|v| v.value())
    }

    #[test]
    fn upgrades_in_one_transaction_after_a_snapshot() {
        let (dir, db, steps) = db_and_steps(add_marker);
        let target = FORMAT_VERSION + 2;
        assert_eq!(
            upgrade_to(&db, dir.path(), target, &steps).unwrap(),
            Some(FORMAT_VERSION)
        );
        assert_eq!(meta(&db, META_FORMAT_VERSION), Some(target));
        assert_eq!(meta(&db, "migrated_marker"), Some(7));
        let snaps = crate::snapshot::list_in(dir.path()).unwrap();
        assert_eq!(snaps.len(), 1);
        assert!(
            snaps[0]
                .path
                .file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("pre-migration-v1-")
        );
        assert_eq!(snaps[0].store_format, FORMAT_VERSION);
        // Already current: nothing happens.
        assert_eq!(upgrade_to(&db, dir.path(), target, &steps).unwrap(), None);
    }

    #[test]
    fn a_failing_step_changes_nothing() {
        let (dir, db, steps) = db_and_steps(fail);
        assert!(upgrade_to(&db, dir.path(), FORMAT_VERSION + 2, &steps).is_err());
        assert_eq!(meta(&db, META_FORMAT_VERSION), Some(FORMAT_VERSION));
        assert_eq!(meta(&db, "migrated_marker"), None);
        // A gap in the steps is refused before anything happens.
        let err = upgrade_to(&db, dir.path(), FORMAT_VERSION + 3, &steps[..1]).unwrap_err();
        assert!(matches!(err, Error::Incompatible { .. }), "{err}");
    }
}
