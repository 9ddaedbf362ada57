//! Single-bit, single-byte and zeroed-page corruptions of a snapshot file: `verify_file` refuses
//! it, `restore` refuses it without leaving a store behind — or restores exactly the original
//! (every trade, state version, portfolio snapshot, document and KV key, and the same row count
//! in every table) — and listing the snapshot folder reports the damage or the original header.
//! Nothing panics.
//!
//! Default: 500 corruptions. Long mode: `TRADESTORE_BITFLIPS_SNAPSHOT=5000`.

mod reliability;

use std::path::Path;

use reliability::corrupt::{self, Verdict};
use reliability::items::{self, Item};
use reliability::workload::Workload;
use serde_json::json;
use tradestore::Store;
use tradestore::kv::Kv;
use tradestore::snapshot::{self, SnapshotInfo};

/// What the snapshot holds.
struct Oracle {
    acked: Vec<Item>,
    scan: items::Scan,
    counts: Vec<(String, u64)>,
    docs: Vec<(String, serde_json::Value)>,
    kv: Vec<(String, Vec<u8>)>,
    header: SnapshotInfo,
}

fn nonzero_counts(store: &Store) -> tradestore::Result<Vec<(String, u64)>> {
    Ok(store.table_counts()?.into_iter().filter(|(_, n)| *n > 0).collect())
}

/// Whether `store` holds exactly what the snapshot was taken of; the first difference if not.
fn compare(store: &Store, o: &Oracle) -> Result<(), String> {
    items::check_all(store, &o.acked)?;
    if items::full_scan(store)? != o.scan {
        return Err("the full scan differs".into());
    }
    let counts = nonzero_counts(store).map_err(|e| e.to_string())?;
    if counts != o.counts {
        return Err(format!("table counts {counts:?}, expected {:?}", o.counts));
    }
    let c = store.collection("config").map_err(|e| e.to_string())?;
    for (k, v) in &o.docs {
        let got = c.get(k).map_err(|e| e.to_string())?.json;
        if got != *v {
            return Err(format!("document {k}: {got} instead of {v}"));
        }
    }
    let kv = store.kv();
    for (k, v) in &o.kv {
        if kv.get(k).map_err(|e| e.to_string())?.as_ref() != Some(v) {
            return Err(format!("KV key {k} differs"));
        }
    }
    Ok(())
}

/// Lists, verifies and restores the damaged copy at `path` (in `store_dir`'s snapshot folder).
fn judge(store: &Store, path: &Path, into: &Path, o: &Oracle) -> Verdict {
    // Listing reads the header only: damage there is reported, elsewhere the header is the same.
    match store.list_snapshots() {
        Err(e) => return Verdict::Wrong(format!("listing failed: {e}")),
        Ok(list) => match list.iter().find(|s| s.path == path) {
            None => return Verdict::Wrong("the snapshot is not listed".into()),
            Some(s)
                if s.problem.is_none()
                    && (s.created_at, s.store_format) != (o.header.created_at, o.header.store_format) =>
            {
                return Verdict::Wrong(format!("listed with a changed header: {s:?}"));
            }
            Some(_) => {}
        },
    }
    let verified = snapshot::verify_file(path).is_ok();
    let restored = snapshot::restore(path, into);
    let verdict = match restored {
        Err(_) if into.join("tradestore.redb").exists() => Verdict::Wrong("a refused restore left a store".into()),
        Err(_) if verified => Verdict::ReadError,
        Err(_) => Verdict::OpenError,
        Ok(store) => match compare(&store, o) {
            Ok(()) => Verdict::Correct,
            Err(why) => Verdict::Wrong(format!("restored a different store: {why}")),
        },
    };
    let _ = std::fs::remove_dir_all(into);
    verdict
}

#[test]
fn corrupted_snapshots_are_refused_or_restore_exactly() -> reliability::TestResult {
    let seed = reliability::seed("bit_flips_snapshot");
    let n = reliability::env_count("TRADESTORE_BITFLIPS_SNAPSHOT", 500);
    let dir = tempfile::tempdir()?;
    let live = dir.path().join("live");
    let store = Store::open(&live)?;
    let mut acked = Vec::new();
    let mut w = Workload::new(seed, "snap");
    for _ in 0..80 {
        acked.extend(w.step(&store)?);
    }
    let c = store.collection("config")?;
    let mut docs = Vec::new();
    for i in 0..20 {
        let v = json!({"pair": format!("P{i}-EUR"), "max_position": i * 10, "enabled": i % 2 == 0});
        c.put(&format!("bot{i}"), &v)?;
        docs.push((format!("bot{i}"), v));
    }
    let kv = store.kv();
    let mut kvs = Vec::new();
    for i in 0..20 {
        let v = format!("value {i}").into_bytes();
        kv.set(&format!("k{i}"), &v, None)?;
        kvs.push((format!("k{i}"), v));
    }
    let header = store.create_snapshot(None)?;
    let original = std::fs::read(&header.path)?;
    let o = Oracle {
        acked,
        scan: items::full_scan(&store)?,
        counts: nonzero_counts(&store)?,
        docs,
        kv: kvs,
        header: header.clone(),
    };
    let into = dir.path().join("restored");
    // The undamaged snapshot restores exactly.
    assert_eq!(judge(&store, &header.path, &into, &o), Verdict::Correct);
    let tally = corrupt::drive(&original, n, seed, |copy| {
        let _restore = corrupt::install(&header.path, &original, &copy);
        judge(&store, &header.path, &into, &o)
    });
    eprintln!(
        "{}",
        tally.summary(
            &format!("snapshot file: {} bytes, {} items", original.len(), o.acked.len()),
            "refused by verify and restore",
            "passed verify, refused by restore"
        )
    );
    tally.assert_never_served();
    Ok(())
}
