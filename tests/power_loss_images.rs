//! Simulated power cuts: at every sync of a workload, crash images are built from the durable
//! image plus a random subset of the unsynced writes (some torn), and each image is opened as a
//! store. No acknowledged commit may be lost, and nothing corrupted may be served: every record
//! read is one that was written, the positions replay exactly from the trades, counters and
//! documents are at most the one write in flight ahead of their acknowledgements, and `verify`
//! finds nothing.
//!
//! The workload is everything that lives in the store file: trades, state saves, portfolio
//! snapshots, document puts (into a collection with a JSON schema), KV sets with and without a
//! TTL, KV counters. Candle appends and snapshots write files beside the store file, which the
//! simulated disk does not hold; the process-crash test covers them.
//!
//! Default: 30 operations, 5 images per sync. Long mode: `TRADESTORE_POWER_STEPS=300`,
//! `TRADESTORE_POWER_IMAGES=12`.

mod reliability;

use reliability::power::{Report, judge, kinds, opened};
use reliability::sim_backend::Sim;
use reliability::workload::{Mix, Workload};
use tradestore::Store;

#[test]
fn power_cuts_lose_no_acknowledged_commit() -> reliability::TestResult {
    let seed = reliability::seed("power_loss");
    let steps = reliability::env_count("TRADESTORE_POWER_STEPS", 30);
    let per_sync = reliability::env_count("TRADESTORE_POWER_IMAGES", 5) as usize;
    let dir = tempfile::tempdir()?;
    let sim = Sim::new(seed);
    sim.record_images(per_sync);
    let mut acked = Vec::new();
    {
        let store = Store::builder().open_with_backend(dir.path(), sim.backend())?;
        let mut w = Workload::with_mix(seed, "power", Mix::STORE_FILE);
        for _ in 0..steps {
            acked.extend(w.step(&store)?);
            sim.set_acked(acked.len() as u64);
        }
    }
    let images = sim.take_images();
    let mut r = Report {
        sync_points: sim.syncs(),
        ..Report::default()
    };
    let mut failures = Vec::new();
    for img in &images {
        r.images += 1;
        r.torn += u64::from(img.torn);
        let disk = Sim::from_bytes(img.bytes(), 0);
        let open = Store::builder()
            .cache_bytes(0)
            .open_with_backend(dir.path(), disk.backend());
        let what = format!("sync {} image kept {:?}", img.sync_no, img.kept);
        let Some(store) = opened(open, img.acked, &what, &mut r, &mut failures) else {
            continue;
        };
        if let Err(e) = judge(&store, &acked[..img.acked as usize], &mut r) {
            failures.push(format!(
                "sync {} image kept {:?} torn {}: {e}",
                img.sync_no, img.kept, img.torn
            ));
        }
    }
    let kinds = kinds(&acked);
    eprintln!(
        "power loss: {} sync points x {per_sync} images = {} images ({} with torn writes), {} acknowledged items {kinds:?}: {}",
        r.sync_points,
        r.images,
        r.torn,
        acked.len(),
        r.outcome()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    Ok(())
}
