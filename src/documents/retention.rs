//! Retention run from outside a write: the versions each collection's retention no longer keeps
//! at a given instant. Writes prune as they go; this catches the versions that aged out since.

use redb::ReadableTable;

use super::rows;
use crate::envelope::Rec;
use crate::records::{DocCollection, DocVersion};
use crate::tables::{DOC_COLLECTIONS, DOC_HEADS, DOC_VERSIONS};
use crate::{Result, Store};

/// A document version the retention no longer keeps.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct StaleVersion {
    pub(crate) collection: String,
    pub(crate) key: String,
    pub(crate) version: u64,
    pub(crate) bytes: u64,
}

fn select<C, H, V>(cols: &C, heads: &H, versions: &V, now: i64) -> Result<Vec<StaleVersion>>
where
    C: ReadableTable<&'static str, Rec<DocCollection>>,
    H: ReadableTable<(&'static str, &'static str), (u64, bool)>,
    V: ReadableTable<(&'static str, &'static str, u64), Rec<DocVersion>>,
{
    let mut names = Vec::new();
    for row in cols.iter()? {
        names.push(row?.0.value().to_owned());
    }
    let mut out = Vec::new();
    for c in names {
        let cfg = rows::config(cols, &c)?;
        if cfg.keep_last.is_none() && cfg.keep_newer_than_ns.is_none() {
            continue;
        }
        for row in heads.range((c.as_str(), "")..)? {
            let (k, v) = row?;
            let (col, key) = k.value();
            if col != c {
                break;
            }
            for (version, bytes) in rows::doomed(versions, &c, key, v.value().0, &cfg, now)? {
                out.push(StaleVersion {
                    collection: c.clone(),
                    key: key.to_owned(),
                    version,
                    bytes,
                });
            }
        }
    }
    Ok(out)
}

/// The versions every collection's retention no longer keeps at `now`. Removes nothing.
pub(crate) fn stale_versions(store: &Store, now: i64) -> Result<Vec<StaleVersion>> {
    let rtx = store.read_txn()?;
    select(
        &rtx.open_table(DOC_COLLECTIONS)?,
        &rtx.open_table(DOC_HEADS)?,
        &rtx.open_table(DOC_VERSIONS)?,
        now,
    )
}

/// Removes the versions every collection's retention no longer keeps at `now`, in one
/// transaction, and returns them.
pub(crate) fn remove_stale_versions(store: &Store, now: i64) -> Result<Vec<StaleVersion>> {
    store.write(move |txn| {
        let mut versions = txn.open_table(DOC_VERSIONS)?;
        let stale = select(
            &txn.open_table(DOC_COLLECTIONS)?,
            &txn.open_table(DOC_HEADS)?,
            &versions,
            now,
        )?;
        for s in &stale {
            versions.remove((s.collection.as_str(), s.key.as_str(), s.version))?;
        }
        Ok(stale)
    })
}
