//! Saving a name and version that is already stored with different content is a conflict, and
//! changes nothing.

use tradestore::{Error, Result, Store};

#[test]
fn same_version_different_content_is_refused() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let a = store.artifacts();
    let id = a.save_model("price_predictor", "1.2.0", b"weights A", None)?;
    match a.save_model("price_predictor", "1.2.0", b"weights B", None) {
        Err(Error::Conflict { existing_id, .. }) => assert_eq!(existing_id, Some(id)),
        other => panic!("expected a conflict, got {other:?}"),
    }
    match a.save_model_from("price_predictor", "1.2.0", &b"weights C"[..], None) {
        Err(Error::Conflict { .. }) => {}
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(a.load_model("price_predictor", Some("1.2.0"))?.bytes, b"weights A");
    assert_eq!(a.list_artifacts(None)?.len(), 1);
    // Bad versions and names are refused before anything is written.
    assert!(matches!(
        a.save_model("price_predictor", "v2", b"x", None),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        a.save_model("a@b", "1.0.0", b"x", None),
        Err(Error::Validation { .. })
    ));
    assert!(matches!(
        a.save_model("m", "1.0.0", b"x", Some("{not json")),
        Err(Error::Validation { .. })
    ));
    Ok(())
}
