//! Experiment metrics come back per name as a series ordered by step; steps default to the
//! next one; non-finite values are refused whole.

use tradestore::{Error, Result, Store};

#[test]
fn metrics_form_a_series_by_step() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let a = store.artifacts();
    assert_eq!(a.save_metrics("pp-train", &[("loss", 0.9), ("auc", 0.51)], None)?, 0);
    assert_eq!(a.save_metrics("pp-train", &[("loss", 0.6), ("auc", 0.58)], None)?, 1);
    assert_eq!(a.save_metrics("pp-train", &[("loss", 0.4)], Some(10))?, 10);
    assert_eq!(a.save_metrics("pp-train", &[("auc", 0.61)], None)?, 2);
    assert_eq!(a.save_metrics("pp-train", &[("loss", 0.35)], Some(10))?, 10); // replaces step 10
    let series = |name| -> Result<Vec<(u64, f64)>> {
        Ok(a.metric_history("pp-train", name)?
            .iter()
            .map(|p| (p.step, p.value))
            .collect())
    };
    assert_eq!(series("loss")?, [(0, 0.9), (1, 0.6), (10, 0.35)]);
    assert_eq!(series("auc")?, [(0, 0.51), (1, 0.58), (2, 0.61)]);
    assert!(a.metric_history("other", "loss")?.is_empty());
    let bad = a.save_metrics("pp-train", &[("loss", 0.1), ("auc", f64::NAN)], Some(11));
    assert!(matches!(bad, Err(Error::Validation { .. })));
    assert_eq!(series("loss")?.len(), 3, "nothing of a refused call is stored");
    Ok(())
}
