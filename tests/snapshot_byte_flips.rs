//! Flipping any byte of a snapshot file makes it refused: header, every chunk header, payloads
//! (sampled all over), trailer. Nothing panics, and restore never writes a store from a damaged
//! file.

use serde_json::json;
use tradestore::Store;
use tradestore::snapshot::{format, verify_bytes};

#[test]
fn every_flip_is_refused() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("s"))?;
    let c = store.collection("opportunities")?;
    for i in 0..50 {
        c.put(&format!("k{i}"), &json!({"pair": "ETH-USDC", "profit": i.to_string()}))?;
    }
    let snap = store.create_snapshot(Some(&dir.path().join("a.tsnap")))?;
    let good = std::fs::read(&snap.path).unwrap();
    verify_bytes(&good)?;
    let len = good.len();
    let mut positions: Vec<usize> = (0..format::HEADER_LEN + format::CHUNK_HEAD_LEN).collect();
    positions.extend(len - format::TRAILER_LEN - format::CHUNK_HEAD_LEN..len);
    let chunk = format::DEFAULT_CHUNK as usize + format::CHUNK_HEAD_LEN;
    let mut at = format::HEADER_LEN;
    while at < len {
        positions.extend(at..(at + format::CHUNK_HEAD_LEN).min(len));
        at += chunk;
    }
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for _ in 0..400 {
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        positions.push((rng % len as u64) as usize);
    }
    positions.extend((0..len).step_by(4099));
    let mut bad = good.clone();
    for &p in &positions {
        for mask in [0x01u8, 0x80] {
            bad[p] ^= mask;
            assert!(
                verify_bytes(&bad).is_err(),
                "flip of bit {mask:#x} at {p} of {len} accepted"
            );
            bad[p] ^= mask;
        }
    }
    // Truncations and an extra byte are refused too.
    for cut in [0, 10, 64, 100, len / 2, len - 1] {
        assert!(verify_bytes(&good[..cut]).is_err(), "truncation at {cut} accepted");
    }
    let mut longer = good.clone();
    longer.push(0);
    assert!(verify_bytes(&longer).is_err());

    // A damaged file is refused by restore before anything is written.
    bad[len / 2] ^= 0x10;
    let damaged = dir.path().join("damaged.tsnap");
    std::fs::write(&damaged, &bad).unwrap();
    let into = dir.path().join("restored");
    let err = tradestore::snapshot::restore(&damaged, &into).unwrap_err();
    assert!(err.to_string().contains("chunk"), "{err}");
    assert!(!into.exists());
    Ok(())
}
