//! The model registry: model versions as content-addressed blobs with metadata, aliases,
//! experiment metrics, retention and an integrity check.
//!
//! Blobs live at `<store>/artifacts/blobs/ab/<blake3-hex>`; records, aliases, reference counts
//! and metrics live in the store's tables (see [`crate::tables`]).

mod blob;
mod cleanup;
mod metrics;
mod models;
mod names;
mod verify;

pub use cleanup::{CleanupReport, ORPHAN_GRACE, RemovedVersion};
pub use metrics::MAX_METRICS_PER_CALL;
pub use models::{ArtifactInfo, LoadedModel};
pub use names::LATEST;
pub use verify::{ArtifactCheck, Problem};

use crate::Store;
pub use crate::records::{ArtifactRecord, MetricPoint};

/// The model registry of one store. Get it with [`Store::artifacts`].
#[derive(Debug, Clone)]
pub struct Artifacts<'a> {
    store: &'a Store,
}

impl Store {
    /// The model registry of this store.
    pub fn artifacts(&self) -> Artifacts<'_> {
        Artifacts { store: self }
    }
}
