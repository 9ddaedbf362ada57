//! Single-bit, single-byte and zeroed-page corruptions of artifact blob files: `load_model`
//! refuses the model or returns exactly the bytes saved, `export_model` refuses it without
//! leaving a file at the destination (or writes exactly the bytes saved), `verify_artifacts`
//! reports the blob, and nothing panics. Blobs from 37 bytes to just over the 1 MiB read chunk.
//!
//! Default: 600 corruptions. Long mode: `TRADESTORE_BITFLIPS_ARTIFACT=5000`.

mod reliability;

use std::path::{Path, PathBuf};

use reliability::corrupt::{self, Verdict};
use tradestore::Store;

/// One saved model: name, its bytes, its blob file.
struct Model {
    name: &'static str,
    bytes: Vec<u8>,
    blob: PathBuf,
}

fn judge(store: &Store, m: &Model, dest: &Path) -> Verdict {
    let a = store.artifacts();
    let mut refused = false;
    match a.load_model(m.name, None) {
        Err(_) => refused = true,
        Ok(got) if got.bytes != m.bytes => {
            return Verdict::Wrong(format!("load_model returned {} other bytes", got.bytes.len()));
        }
        Ok(_) => {}
    }
    let exported = a.export_model(m.name, Some("1.0.0"), dest);
    let on_disk = std::fs::read(dest).ok();
    let _ = std::fs::remove_file(dest);
    match (exported, on_disk) {
        (Err(_), None) => refused = true,
        (Err(e), Some(_)) => return Verdict::Wrong(format!("export refused ({e}) but left a file")),
        (Ok(_), Some(b)) if b == m.bytes => {}
        (Ok(_), _) => return Verdict::Wrong("export wrote other bytes".into()),
    }
    match a.verify_artifacts() {
        Ok(check) if check.problems.is_empty() => {
            return Verdict::Wrong("verify_artifacts passed a damaged blob".into());
        }
        _ => {}
    }
    if refused { Verdict::ReadError } else { Verdict::Correct }
}

#[test]
fn corrupted_blobs_are_refused_or_load_exactly() -> reliability::TestResult {
    let seed = reliability::seed("bit_flips_artifact");
    let n = reliability::env_count("TRADESTORE_BITFLIPS_ARTIFACT", 600);
    let dir = tempfile::tempdir()?;
    let root = dir.path().join("store");
    let store = Store::open(&root)?;
    let mut rng = fastrand::Rng::with_seed(seed);
    // Sizes: tiny, under a page, several pages, and the 1 MiB read chunk plus a tail.
    let sizes = [
        ("tiny", 37),
        ("small", 3_000),
        ("mid", 70_000),
        ("big", (1 << 20) + 3_001),
    ];
    let mut models = Vec::new();
    for (name, size) in sizes {
        let bytes: Vec<u8> = (0..size).map(|_| rng.u8(..)).collect();
        store.artifacts().save_model(name, "1.0.0", &bytes, None)?;
        let hex = blake3::hash(&bytes).to_hex().to_string();
        let blob = root.join("artifacts/blobs").join(&hex[..2]).join(&hex);
        assert_eq!(std::fs::read(&blob)?, bytes, "blob layout");
        models.push(Model { name, bytes, blob });
    }
    let dest = dir.path().join("exported.bin");
    for m in &models {
        assert_eq!(
            judge(&store, m, &dest),
            Verdict::Wrong("verify_artifacts passed a damaged blob".into())
        );
    }
    assert!(store.artifacts().verify_artifacts()?.problems.is_empty());
    let mut tally = corrupt::Tally::default();
    // The big blob costs ~30 times the others per trial: it gets a tenth of the corruptions.
    for (i, m) in models.iter().enumerate() {
        let share = if m.name == "big" { n / 10 } else { (n - n / 10) / 3 };
        tally.merge(corrupt::drive(&m.bytes, share, seed ^ i as u64, |copy| {
            let _restore = corrupt::install(&m.blob, &m.bytes, &copy);
            judge(&store, m, &dest)
        }));
    }
    assert!(
        store.artifacts().verify_artifacts()?.problems.is_empty(),
        "a blob was left damaged"
    );
    eprintln!(
        "{}",
        tally.summary(
            &format!(
                "artifact blobs: {} files of {:?} bytes",
                models.len(),
                sizes.map(|s| s.1)
            ),
            "-",
            "refused at load"
        )
    );
    tally.assert_never_served();
    Ok(())
}
