//! Identical content is stored once, however many versions (or models) share it.

use tradestore::{Result, Store};

fn blob_files(root: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for shard in std::fs::read_dir(root.join("artifacts/blobs")).unwrap() {
        for f in std::fs::read_dir(shard.unwrap().path()).unwrap() {
            out.push(f.unwrap().path());
        }
    }
    out
}

#[test]
fn identical_content_is_one_blob_named_by_its_blake3() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let a = store.artifacts();
    let weights = vec![7u8; 300_000];
    let id1 = a.save_model("price_predictor", "1.2.0", &weights, None)?;
    let id2 = a.save_model("price_predictor", "1.3.0", &weights, None)?;
    let id3 = a.save_model_from("shadow", "0.1.0", &weights[..], Some(r#"{"note":"copy"}"#))?;
    assert_eq!((id1, id2, id3), (1, 2, 3));
    // Saving the same version with the same content again is idempotent.
    assert_eq!(a.save_model("price_predictor", "1.2.0", &weights, None)?, id1);

    let files = blob_files(dir.path());
    assert_eq!(files.len(), 1);
    let hex = blake3::hash(&weights).to_hex().to_string();
    assert_eq!(files[0], dir.path().join("artifacts/blobs").join(&hex[..2]).join(&hex));
    assert_eq!(std::fs::metadata(&files[0]).unwrap().len(), 300_000);
    for r in ["price_predictor@1.2.0", "price_predictor@1.3.0", "shadow@0.1.0"] {
        assert_eq!(a.resolve(r)?.blake3, hex);
    }
    assert_eq!(a.load_model("shadow", Some("0.1.0"))?.bytes, weights);
    // No temp file is left behind.
    let tmp: Vec<_> = std::fs::read_dir(dir.path().join("artifacts/tmp")).unwrap().collect();
    assert!(tmp.is_empty());
    assert!(a.verify_artifacts()?.problems.is_empty());
    Ok(())
}
