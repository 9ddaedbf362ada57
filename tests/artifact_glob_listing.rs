//! `list_artifacts` matches a glob against `name` or `name@version`, in semantic-version order,
//! with sizes, aliases and the latest flag.

use tradestore::{Error, Result, Store};

#[test]
fn glob_selects_names_and_versions() -> Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path())?;
    let a = store.artifacts();
    a.save_model("price_predictor", "1.10.0", &[0u8; 10], None)?;
    a.save_model("price_predictor", "1.2.0", &[0u8; 12], None)?;
    a.save_model("price_predictor", "2.0.0-rc.1", &[0u8; 20], None)?;
    a.save_model("price_scaler", "0.3.0", &[1u8; 3], None)?;
    a.save_model("risk_model", "1.0.0", &[2u8; 1], None)?;
    a.set_alias("price_predictor", "production", "1.10.0")?;

    let list = |p: Option<&str>| -> Result<Vec<String>> {
        Ok(a.list_artifacts(p)?
            .iter()
            .map(|i| format!("{}@{}:{}", i.record.name, i.record.version, i.record.size))
            .collect())
    };
    assert_eq!(
        list(Some("price_*"))?,
        [
            "price_predictor@1.2.0:12",
            "price_predictor@1.10.0:10",
            "price_predictor@2.0.0-rc.1:20",
            "price_scaler@0.3.0:3"
        ]
    );
    assert_eq!(
        list(Some("*@1.*"))?,
        [
            "price_predictor@1.2.0:12",
            "price_predictor@1.10.0:10",
            "risk_model@1.0.0:1"
        ]
    );
    assert_eq!(list(Some("risk_model"))?, ["risk_model@1.0.0:1"]);
    assert!(list(Some("nothing*"))?.is_empty());
    assert_eq!(list(None)?.len(), 5);

    let pp = a.list_artifacts(Some("price_predictor"))?;
    assert_eq!(pp[1].aliases, ["production"]);
    // A pre-release of 2.0.0 is above 1.10.0 in semantic-version order.
    assert!(pp[2].latest && !pp[1].latest);
    assert_eq!(a.resolve("price_predictor")?.version, "2.0.0-rc.1");
    assert!(matches!(
        a.list_artifacts(Some("[unclosed")),
        Err(Error::Validation { .. })
    ));
    Ok(())
}
