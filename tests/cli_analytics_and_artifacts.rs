//! The CLI's `analytics` and `artifacts` commands: the contract's JSON fields (money as decimal
//! strings, ratios as numbers or null), the per-model breakdown, and a model round trip with
//! integrity failure reported as exit code 4.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

fn run(store: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tradestore"))
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn json(store: &Path, args: &[&str]) -> Value {
    let mut all = vec!["--json"];
    all.extend_from_slice(args);
    let (code, out, err) = run(store, &all);
    assert_eq!(code, 0, "{args:?}: {err}");
    serde_json::from_str(&out).unwrap()
}

#[test]
fn analytics_and_artifacts_commands() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("s");
    for (side, px, model, ts) in [
        ("buy", "100", "pp@1.2.0", "2024-01-01T10:00:00Z"),
        ("sell", "110", "pp@1.2.0", "2024-01-01T11:00:00Z"),
        ("buy", "100", "pp@1.3.0", "2024-01-02T10:00:00Z"),
        ("sell", "97", "pp@1.3.0", "2024-01-02T11:00:00Z"),
    ] {
        let args = [
            "trades", "add", "--symbol", "BTC-EUR", "--side", side, "--qty", "1", "--price", px, "--fee", "0.5",
            "--model", model, "--ts", ts,
        ];
        assert_eq!(run(&store, &args).0, 0);
    }
    let r = json(&store, &["analytics"]);
    for field in [
        "trades",
        "realized_pnl",
        "fees",
        "win_rate",
        "avg_win",
        "avg_loss",
        "profit_factor",
        "expectancy",
        "total_return",
        "sharpe",
        "sortino",
        "max_drawdown",
        "max_drawdown_duration_s",
    ] {
        assert!(r.get(field).is_some(), "missing {field}");
    }
    // 110 − 100.5 − 0.5 = 9; 97 − 100.5 − 0.5 = −4.
    assert_eq!(r["trades"], 2);
    assert_eq!(r["realized_pnl"], "5");
    assert_eq!(r["fees"], "2");
    assert_eq!(r["win_rate"], 0.5);
    assert_eq!(r["profit_factor"], 2.25);
    assert_eq!((r["avg_win"].as_str(), r["avg_loss"].as_str()), (Some("9"), Some("-4")));
    assert!(r["sharpe"].is_null());

    let by = json(
        &store,
        &["analytics", "--by", "model", "--since", "2024-01-01T00:00:00Z"],
    );
    let groups: Vec<(String, String)> = by["groups"]
        .as_array()
        .unwrap()
        .iter()
        .map(|g| {
            (
                g["key"].as_str().unwrap().into(),
                g["realized_pnl"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(
        groups,
        [("pp@1.2.0".into(), "9".into()), ("pp@1.3.0".into(), "-4".into())]
    );
    let one = json(&store, &["analytics", "--model", "pp@1.3.0"]);
    assert_eq!(one["realized_pnl"], "-4");
    let (code, _, err) = run(
        &store,
        &[
            "analytics",
            "--since",
            "2024-02-01T00:00:00Z",
            "--until",
            "2024-01-01T00:00:00Z",
        ],
    );
    assert_eq!(code, 1);
    assert!(err.starts_with("error: "), "{err}");

    // Artifacts.
    let model = dir.path().join("model.bin");
    std::fs::write(&model, vec![42u8; 5000]).unwrap();
    let put = json(
        &store,
        &[
            "artifacts",
            "put",
            "pp",
            "1.2.0",
            model.to_str().unwrap(),
            "--meta",
            r#"{"auc":0.6}"#,
        ],
    );
    assert_eq!((put["id"].as_u64(), put["size"].as_u64()), (Some(1), Some(5000)));
    json(&store, &["artifacts", "put", "pp", "1.3.0", model.to_str().unwrap()]);
    let list = json(&store, &["artifacts", "list", "p*"]);
    assert_eq!(list.as_array().unwrap().len(), 2);
    assert_eq!(list[1]["latest"], true);
    let out = dir.path().join("out.bin");
    json(
        &store,
        &[
            "artifacts",
            "get",
            "pp",
            "--version",
            "1.2.0",
            "--out",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(std::fs::read(&out).unwrap(), vec![42u8; 5000]);
    let (code, _, _) = run(
        &store,
        &[
            "artifacts",
            "put",
            "pp",
            "1.2.0",
            out.to_str().unwrap().replace("out", "nope").as_str(),
        ],
    );
    assert_eq!(code, 1);

    json(&store, &["artifacts", "log-metric", "exp", "loss=0.5", "auc=0.61"]);
    json(&store, &["artifacts", "log-metric", "exp", "loss=0.25"]);
    let hist = json(&store, &["artifacts", "metric-history", "exp", "loss"]);
    assert_eq!(hist[1]["step"], 1);
    assert_eq!(hist[1]["value"], 0.25);

    let plan = json(
        &store,
        &[
            "artifacts",
            "cleanup",
            "--retention-days",
            "0",
            "--keep-latest",
            "1",
            "--dry-run",
        ],
    );
    assert_eq!(plan["removed"].as_array().unwrap().len(), 1);
    assert_eq!(plan["bytes_freed"], 0, "the blob is shared with the kept version");

    // Damage the blob: `get` refuses with exit code 4 and writes nothing.
    let hex = put["blake3"].as_str().unwrap();
    let blob = store.join("artifacts/blobs").join(&hex[..2]).join(hex);
    std::fs::write(&blob, vec![43u8; 5000]).unwrap();
    let out2 = dir.path().join("out2.bin");
    let (code, _, err) = run(&store, &["artifacts", "get", "pp", "--out", out2.to_str().unwrap()]);
    assert_eq!(code, 4, "{err}");
    assert!(!out2.exists());
}
