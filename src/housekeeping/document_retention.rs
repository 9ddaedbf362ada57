//! Retention of document versions by each collection's own settings (`set_retention`).

use super::retention::{RetentionItem, RetentionPlan, RetentionSource};
use crate::documents::{StaleVersion, remove_stale_versions, stale_versions};
use crate::{Result, Store};

/// Document versions that their collection's retention (keep the last N, keep those newer than
/// a duration) no longer keeps at housekeeping's clock. Writes prune as they go; this removes the
/// versions that aged out since. A key's latest version always stays, and collections without
/// retention settings are left alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct DocumentVersionRetention;

fn items(found: Vec<StaleVersion>) -> Vec<RetentionItem> {
    found
        .into_iter()
        .map(|s| RetentionItem {
            what: format!("document {}/{} version {}", s.collection, s.key, s.version),
            bytes: s.bytes,
        })
        .collect()
}

impl RetentionSource for DocumentVersionRetention {
    fn name(&self) -> &str {
        "document_versions"
    }

    fn plan(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        Ok(RetentionPlan::new(self.name(), items(stale_versions(store, now_ns)?)))
    }

    fn apply(&self, store: &Store, now_ns: i64) -> Result<RetentionPlan> {
        Ok(RetentionPlan::new(
            self.name(),
            items(remove_stale_versions(store, now_ns)?),
        ))
    }
}
