//! A damaged, truncated or missing blob is refused with `Error::Corruption` on load and export,
//! no damaged byte is handed out, and `verify_artifacts` reports it.

use tradestore::{Error, Result, Store};

fn blob_path(root: &std::path::Path, bytes: &[u8]) -> std::path::PathBuf {
    let hex = blake3::hash(bytes).to_hex().to_string();
    root.join("artifacts/blobs").join(&hex[..2]).join(hex)
}

#[test]
fn damaged_blob_is_corruption() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let a = store.artifacts();
    let weights: Vec<u8> = (0..100_000u32).map(|i| (i * 31 % 251) as u8).collect();
    a.save_model("price_predictor", "1.2.0", &weights, None)?;
    let path = blob_path(dir.path(), &weights);

    // Flip one byte in the middle: same size, wrong hash.
    let mut damaged = weights.clone();
    damaged[50_000] ^= 0x40;
    std::fs::write(&path, &damaged).unwrap();
    let err = a.load_model("price_predictor", None).unwrap_err();
    assert!(matches!(err, Error::Corruption { .. }), "{err}");
    assert_eq!(err.exit_code(), 4);
    let out = dir.path().join("restored.bin");
    assert!(matches!(
        a.export_model("price_predictor", None, &out),
        Err(Error::Corruption { .. })
    ));
    assert!(!out.exists(), "nothing may appear at the destination");
    let check = a.verify_artifacts()?;
    assert_eq!(check.problems.len(), 1);
    assert_eq!(check.problems[0].what, "corrupt blob");

    // Truncated.
    std::fs::write(&path, &weights[..1000]).unwrap();
    assert!(matches!(
        a.load_model("price_predictor", None),
        Err(Error::Corruption { .. })
    ));
    // Missing.
    std::fs::remove_file(&path).unwrap();
    assert!(matches!(
        a.load_model("price_predictor", None),
        Err(Error::Corruption { .. })
    ));
    // Saving the same content again repairs it (also a damaged copy of the same size).
    a.save_model("price_predictor", "1.2.0", &weights, None)?;
    std::fs::write(&path, &damaged).unwrap();
    a.save_model("price_predictor", "1.2.0", &weights, None)?;
    assert_eq!(a.load_model("price_predictor", None)?.bytes, weights);
    a.export_model("price_predictor", Some("1.2.0"), &out)?;
    assert_eq!(std::fs::read(&out).unwrap(), weights);
    assert!(a.verify_artifacts()?.problems.is_empty());
    Ok(())
}
