//! The trades the read workloads run against, written once per run into both engines: by the
//! first round of the bulk import when it runs, which loads the same fills the same way.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tradestore::{NewTrade, Store};

use crate::common::fixture;
use crate::harness::{Ctx, Options, Result};
use crate::peers::sqlite::{Sqlite, Sync};

/// Fills per import call or SQLite transaction when loading.
pub const CHUNK: usize = 10_000;
/// Trades in the dataset of a full run.
pub const FULL: u64 = 1_000_000;
/// The store's page cache by default (`StoreBuilder::page_cache_bytes`).
pub const DEFAULT_PAGE_CACHE_BYTES: usize = 64 << 20;

/// A store and a SQLite file holding the same `n` fills.
pub struct Dataset {
    /// Number of trades.
    pub n: u64,
    /// tradestore directory.
    pub store: PathBuf,
    /// SQLite file.
    pub sqlite: PathBuf,
}

static DATASET: OnceLock<Dataset> = OnceLock::new();

/// Imports `fills` into a store in `dir`, `CHUNK` per call (each call one durable commit).
pub fn import_into_store(dir: &Path, fills: &[NewTrade]) -> Result<()> {
    let store = Store::open(dir)?;
    for chunk in fills.chunks(CHUNK) {
        store.import_trades(chunk)?;
    }
    Ok(())
}

/// Inserts `fills` into a SQLite file at `path` (`synchronous=NORMAL`), `CHUNK` per transaction.
pub fn import_into_sqlite(path: &Path, fills: &[NewTrade]) -> Result<()> {
    let mut db = Sqlite::open(path, Sync::Normal)?;
    for chunk in fills.chunks(CHUNK) {
        db.insert_batch(chunk)?;
    }
    Ok(())
}

/// Trades in the dataset: as many as one round of the bulk import loads, so that its first
/// round can build it (see [`unbuilt`]).
pub fn size(opts: &Options) -> u64 {
    opts.size(FULL, 50_000)
}

/// The run's dataset, before anything is loaded: an empty directory in the run's base directory
/// (removed with it), cleared of what a failed attempt left there.
fn empty(ctx: &Ctx) -> Result<Dataset> {
    let dir = ctx.base.join("dataset");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    Ok(Dataset {
        n: size(ctx.opts),
        store: dir.join("tradestore"),
        sqlite: dir.join("trades.sqlite"),
    })
}

/// Where a bulk import may load fills `0..size` with [`import_into_store`] and
/// [`import_into_sqlite`], as [`get`] would, to then [`adopt`] them as the dataset; `None` once
/// the dataset is built.
pub fn unbuilt(ctx: &Ctx) -> Result<Option<Dataset>> {
    if DATASET.get().is_some() {
        return Ok(None);
    }
    empty(ctx).map(Some)
}

/// Makes `d`, given by [`unbuilt`] and loaded, the run's dataset.
pub fn adopt(d: Dataset) {
    let _ = DATASET.set(d);
}

/// The dataset of this run, built on first use unless the bulk import built it.
pub fn get(ctx: &Ctx) -> Result<&'static Dataset> {
    if let Some(d) = DATASET.get() {
        return Ok(d);
    }
    let d = empty(ctx)?;
    eprintln!("  building the read dataset: {} trades in each engine", d.n);
    let fills = fixture::fills(0, d.n);
    import_into_store(&d.store, &fills)?;
    import_into_sqlite(&d.sqlite, &fills)?;
    Ok(DATASET.get_or_init(|| d))
}
