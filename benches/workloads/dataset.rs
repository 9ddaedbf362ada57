//! The trades the read workloads run against, written once per run into both engines.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use tradestore::{NewTrade, Store};

use crate::common::fixture;
use crate::harness::{Ctx, Result};
use crate::peers::sqlite::{Sqlite, Sync};

/// Fills per import call or SQLite transaction when loading.
pub const CHUNK: usize = 10_000;

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

/// The dataset of this run, built on first use in the run's base directory (removed with it).
pub fn get(ctx: &Ctx) -> Result<&'static Dataset> {
    if let Some(d) = DATASET.get() {
        return Ok(d);
    }
    let n = ctx.opts.size(1_000_000, 20_000);
    let dir = ctx.base.join("dataset");
    std::fs::create_dir_all(&dir)?;
    let store = dir.join("tradestore");
    let sqlite = dir.join("trades.sqlite");
    eprintln!("  building the read dataset: {n} trades in each engine");
    let fills = fixture::fills(0, n);
    import_into_store(&store, &fills)?;
    import_into_sqlite(&sqlite, &fills)?;
    Ok(DATASET.get_or_init(|| Dataset { n, store, sqlite }))
}
