//! Arbitrary bytes into the snapshot verify and restore path: never a panic.
//!
//! An input that is a valid snapshot is restored as it is. Any other input must be refused by
//! `verify_bytes` and by `restore` before anything is written; it is then also wrapped into a
//! valid snapshot frame (correct chunk and trailer hashes) so that the fuzzer reaches what lies
//! behind the hashes: the redb file of the restored store, its opening and its checks. A restore
//! either errors or gives a store that answers `verify` and reads, and reopens.
#![no_main]

use std::path::{Path, PathBuf};

use libfuzzer_sys::fuzz_target;
use tradestore::snapshot::format::{END_MAGIC, Header};
use tradestore::snapshot::{restore, verify_bytes};
use tradestore::{Store, TradeQuery};

/// A valid snapshot whose payload is `payload`, in chunks of 1 KiB (the smallest allowed, so
/// that inputs span several chunks).
fn frame(payload: &[u8]) -> Vec<u8> {
    let header = Header {
        chunk_size: 1024,
        store_format: 1,
        created_at: 1_704_067_200_000_000_000,
    };
    let mut out = header.encode().to_vec();
    let mut count = 0u32;
    for (i, chunk) in payload.chunks(1024).enumerate() {
        let mut head = Vec::with_capacity(8);
        head.extend_from_slice(&(i as u32).to_le_bytes());
        head.extend_from_slice(&(chunk.len() as u32).to_le_bytes());
        let mut h = blake3::Hasher::new();
        h.update(&head);
        h.update(chunk);
        out.extend_from_slice(&head);
        out.extend_from_slice(h.finalize().as_bytes());
        out.extend_from_slice(chunk);
        count += 1;
    }
    out.extend_from_slice(&u32::MAX.to_le_bytes());
    out.extend_from_slice(&count.to_le_bytes());
    out.extend_from_slice(&(payload.len() as u64).to_le_bytes());
    let whole = blake3::hash(&out);
    out.extend_from_slice(whole.as_bytes());
    out.extend_from_slice(&END_MAGIC);
    out
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("tradestore-fuzz-snap-{}", std::process::id()))
}

/// Restores `file` into a fresh directory; a restored store must answer its checks and reads.
fn try_restore(file: &Path, into: &Path, valid: bool) {
    match restore(file, into) {
        Err(e) => {
            // A file that fails verification is refused before anything is written.
            if !valid {
                assert!(!into.exists(), "a refused snapshot left {} behind: {e}", into.display());
            }
        }
        Ok(store) => {
            assert!(valid, "restore accepted a snapshot that verify_bytes refuses");
            exercise(&store);
            drop(store);
            // The restored store reopens (or is refused with an error) like any store.
            if let Ok(store) = Store::open(into) {
                exercise(&store);
            }
        }
    }
}

/// Reads everything the usual way; errors are fine, panics are not.
fn exercise(store: &Store) {
    let _ = store.verify();
    let _ = store.trade_history(&TradeQuery::default());
    let _ = store.positions();
    let _ = store.load_state();
    let _ = store.portfolio_history(None, None);
    let _ = store.market().list();
    if let Ok(c) = store.collection("config") {
        let _ = c.list_keys("", None, 100);
    }
}

fuzz_target!(|data: &[u8]| {
    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("scratch directory");
    let valid = verify_bytes(data).is_ok();
    let file = dir.join("in.tsnap");
    std::fs::write(&file, data).expect("scratch file");
    assert_eq!(
        tradestore::snapshot::verify_file(&file).is_ok(),
        valid,
        "verify_file and verify_bytes disagree"
    );
    try_restore(&file, &dir.join("as-is"), valid);
    if !valid {
        let framed = frame(data);
        assert!(
            verify_bytes(&framed).is_ok(),
            "a correctly framed payload fails verification"
        );
        std::fs::write(&file, &framed).expect("scratch file");
        try_restore(&file, &dir.join("framed"), true);
    }
    let _ = std::fs::remove_dir_all(&dir);
});
