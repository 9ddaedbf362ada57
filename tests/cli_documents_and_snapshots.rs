//! The CLI contract for documents, schemas, snapshots, verify and import-legacy: names, JSON
//! fields, redaction and exit codes (1 refused, 3 not found, 4 corruption).

use std::path::Path;
use std::process::{Command, Output};

fn ts(store: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_tradestore"));
    cmd.arg("--store").arg(store).args(args);
    cmd.stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    if let Some(s) = stdin {
        child.stdin.take().unwrap().write_all(s.as_bytes()).unwrap();
    }
    drop(child.stdin.take());
    child.wait_with_output().unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

#[test]
fn documents_snapshots_verify_import() {
    let tmp = tempfile::tempdir().unwrap();
    let s = tmp.path().join("store");
    let doc = r#"{"component": "rpc", "status": "ok", "timestamp": 1700000000000, "auth_token": "T0K3N"}"#;
    let put = json(&ts(&s, &["--json", "doc", "put", "health", "rpc", "-"], Some(doc)));
    assert_eq!(
        (put["version"].as_u64(), put["schema_version"].as_u64()),
        (Some(1), Some(1))
    );
    let refused = ts(
        &s,
        &["doc", "put", "health", "rpc", "-"],
        Some(r#"{"status": "sleepy"}"#),
    );
    assert_eq!(refused.status.code(), Some(1));
    let err = String::from_utf8_lossy(&refused.stderr);
    assert!(
        err.starts_with("error: ") && err.contains("/status") && err.contains("component"),
        "{err}"
    );

    let got = json(&ts(&s, &["--json", "doc", "get", "health", "rpc"], None));
    assert_eq!(got["document"]["auth_token"], "[REDACTED]");
    let shown = json(&ts(
        &s,
        &["--json", "doc", "get", "health", "rpc", "--show-secrets"],
        None,
    ));
    assert_eq!(shown["document"]["auth_token"], "T0K3N");
    let plain = ts(&s, &["doc", "get", "health", "rpc"], None);
    assert!(!String::from_utf8_lossy(&plain.stdout).contains("T0K3N"));

    json(&ts(
        &s,
        &["--json", "doc", "put", "health", "rpc", "-"],
        Some(r#"{"component": "rpc", "status": "down", "timestamp": 1}"#),
    ));
    let restored = json(&ts(&s, &["--json", "doc", "restore", "health", "rpc", "1"], None));
    assert_eq!(restored["version"], 3);
    let hist = json(&ts(&s, &["--json", "doc", "history", "health", "rpc"], None));
    assert_eq!(hist.as_array().unwrap().len(), 3);
    let list = json(&ts(&s, &["--json", "doc", "list", "health"], None));
    assert_eq!(list[0]["key"], "rpc");
    assert_eq!(ts(&s, &["doc", "get", "health", "nope"], None).status.code(), Some(3));

    std::fs::write(
        tmp.path().join("schema.json"),
        r#"{"type": "object", "required": ["x"]}"#,
    )
    .unwrap();
    json(&ts(
        &s,
        &["--json", "doc", "put", "misc", "a", "-"],
        Some(r#"{"y": 1}"#),
    ));
    let set = json(&ts(
        &s,
        &[
            "--json",
            "schema",
            "set",
            "misc",
            tmp.path().join("schema.json").to_str().unwrap(),
        ],
        None,
    ));
    assert_eq!(set["failing"][0]["key"], "a");
    assert_eq!(json(&ts(&s, &["--json", "schema", "show", "misc"], None))["version"], 1);

    let snap = json(&ts(&s, &["--json", "snapshot", "create"], None));
    let path = snap["path"].as_str().unwrap().to_owned();
    assert_eq!(
        json(&ts(&s, &["--json", "snapshot", "list"], None))
            .as_array()
            .unwrap()
            .len(),
        1
    );
    let into = tmp.path().join("copy");
    let r = json(&ts(
        &s,
        &["--json", "snapshot", "restore", &path, "--into", into.to_str().unwrap()],
        None,
    ));
    assert_eq!(r["verified"], true);

    let v = json(&ts(&s, &["--json", "verify"], None));
    assert_eq!(v["ok"], true);
    assert!(v["checked"].is_object() && v["problems"].as_array().unwrap().is_empty());
    let mut bytes = std::fs::read(&path).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 4;
    std::fs::write(&path, bytes).unwrap();
    let bad = ts(&s, &["--json", "verify"], None);
    assert_eq!(bad.status.code(), Some(4));
    let report: serde_json::Value = serde_json::from_slice(&bad.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["problems"][0]["what"], "damaged snapshot");
    assert!(report["problems"][0]["where"].as_str().unwrap().ends_with(".tsnap"));
    let refused = ts(
        &s,
        &[
            "snapshot",
            "restore",
            &path,
            "--into",
            tmp.path().join("x").to_str().unwrap(),
        ],
        None,
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("chunk"));

    let legacy = tmp.path().join("legacy");
    std::fs::create_dir_all(legacy.join("errors")).unwrap();
    std::fs::write(
        legacy.join("errors/e1.json"),
        r#"{"severity": "error", "message": "rpc timeout", "timestamp": 1}"#,
    )
    .unwrap();
    let first = json(&ts(&s, &["--json", "import-legacy", legacy.to_str().unwrap()], None));
    assert_eq!(first["imported"]["documents"], 1);
    let second = json(&ts(&s, &["--json", "import-legacy", legacy.to_str().unwrap()], None));
    assert_eq!(second["imported"], serde_json::json!({}));
    assert_eq!(second["already_present"], 1);
}
