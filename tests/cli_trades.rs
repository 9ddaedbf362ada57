//! The `tradestore trades` commands keep the CLI contract: JSON fields, decimals as strings,
//! exit codes, and imports refused whole with the line and field named.

mod common;

use common::{cli, cli_json as json};

#[test]
fn add_get_list_with_contract_fields() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let s = dir.path();
    let added = json(&cli(
        s,
        &[
            "--json",
            "trades",
            "add",
            "--symbol",
            "BTC-EUR",
            "--side",
            "buy",
            "--qty",
            "0.5",
            "--price",
            "50000.10",
            "--fee",
            "1.25",
            "--ts",
            "2024-01-02T03:04:05.123Z",
            "--strategy",
            "grid",
            "--venue",
            "kraken",
            "--order-id",
            "A1",
        ],
    ));
    assert_eq!(added, serde_json::json!({"id": 1}));
    let t = json(&cli(s, &["--json", "trades", "get", "1"]));
    assert_eq!(t["price"], "50000.10");
    assert_eq!(t["qty"], "0.5");
    assert_eq!(t["fee"], "1.25");
    assert_eq!(t["side"], "buy");
    assert_eq!(t["ts"], "2024-01-02T03:04:05.123Z");
    assert_eq!(t["realized_pnl"], "0");
    for field in [
        "id",
        "symbol",
        "side",
        "qty",
        "price",
        "fee",
        "ts",
        "strategy",
        "venue",
        "order_id",
        "realized_pnl",
    ] {
        assert!(t.get(field).is_some(), "missing {field}");
    }
    // Epoch milliseconds are accepted too.
    json(&cli(
        s,
        &[
            "--json",
            "trades",
            "add",
            "--symbol",
            "BTC-EUR",
            "--side",
            "sell",
            "--qty",
            "0.5",
            "--price",
            "51000",
            "--ts",
            "1704164646000",
            "--strategy",
            "grid",
        ],
    ));
    let page = json(&cli(
        s,
        &["--json", "trades", "list", "--symbol", "BTC-EUR", "--limit", "1"],
    ));
    assert_eq!(page["trades"].as_array().map(Vec::len), Some(1));
    let cursor = page["next_cursor"].as_str().expect("cursor").to_string();
    let next = json(&cli(
        s,
        &["--json", "trades", "list", "--symbol", "BTC-EUR", "--after", &cursor],
    ));
    assert_eq!(next["trades"][0]["id"], 2);
    assert!(next["next_cursor"].is_null());
    // 0.5 × 51000 − (0.5 × 50000.10 + 1.25 fee) = 498.70, exactly.
    assert_eq!(
        common::d(next["trades"][0]["realized_pnl"].as_str().expect("string")),
        common::d("498.70")
    );
    Ok(())
}

#[test]
fn exit_codes_follow_the_contract() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let s = dir.path();
    assert_eq!(
        cli(s, &["trades", "get", "1"]).status.code(),
        Some(3),
        "no store yet: not found"
    );
    json(&cli(s, &["--json", "init"]));
    assert_eq!(cli(s, &["trades", "get", "99"]).status.code(), Some(3));
    let bad = cli(
        s,
        &[
            "trades", "add", "--symbol", "X", "--side", "up", "--qty", "1", "--price", "1",
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: invalid side"));
    assert_eq!(cli(s, &["trades", "frobnicate"]).status.code(), Some(2));
    let dup = [
        "trades",
        "add",
        "--symbol",
        "X",
        "--side",
        "buy",
        "--qty",
        "1",
        "--price",
        "1",
        "--order-id",
        "o",
    ];
    assert!(cli(s, &dup).status.success());
    let again = cli(s, &dup);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("already stored as trade 1"));
    Ok(())
}

#[test]
fn import_is_all_or_nothing_and_skips_duplicates() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let s = dir.path().join("store");
    let csv = dir.path().join("fills.csv");
    std::fs::write(
        &csv,
        "symbol,side,qty,price,fee,ts,venue,order_id\nBTC-EUR,buy,1,100,0.1,2024-01-01T00:00:00Z,v,1\nBTC-EUR,sell,1,abc,0,2024-01-01T00:00:01Z,v,2\n",
    )?;
    let out = cli(&s, &["trades", "import", csv.to_str().expect("utf8")]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("line 3 field price"), "{err}");
    let listed = cli(&s, &["--json", "trades", "list"]);
    if listed.status.success() {
        assert_eq!(
            json(&listed)["trades"].as_array().map(Vec::len),
            Some(0),
            "a refused import stored rows"
        );
    }

    std::fs::write(
        &csv,
        "symbol,side,qty,price,venue,order_id\nBTC-EUR,buy,1,100,v,1\nBTC-EUR,sell,1,110,v,2\n",
    )?;
    let r = json(&cli(&s, &["--json", "trades", "import", csv.to_str().expect("utf8")]));
    assert_eq!(r, serde_json::json!({"imported": 2, "skipped_duplicates": 0}));
    let jsonl = dir.path().join("fills.jsonl");
    std::fs::write(
        &jsonl,
        "{\"symbol\":\"BTC-EUR\",\"side\":\"buy\",\"qty\":\"1\",\"price\":\"100\",\"venue\":\"v\",\"order_id\":\"2\"}\n\n{\"symbol\":\"ETH-EUR\",\"side\":\"buy\",\"qty\":2,\"price\":3000.5,\"venue\":\"v\",\"order_id\":\"3\"}\n",
    )?;
    let r = json(&cli(&s, &["--json", "trades", "import", jsonl.to_str().expect("utf8")]));
    assert_eq!(r, serde_json::json!({"imported": 1, "skipped_duplicates": 1}));
    Ok(())
}

#[test]
fn state_and_portfolio_commands() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let s = dir.path().join("store");
    let f = dir.path().join("state.json");
    std::fs::write(&f, r#"{"open_orders":[1,2]}"#)?;
    assert_eq!(
        json(&cli(
            &s,
            &["--json", "state", "save", f.to_str().expect("utf8"), "--label", "boot"]
        ))["version"],
        1
    );
    std::fs::write(&f, r#"{"open_orders":[]}"#)?;
    json(&cli(&s, &["--json", "state", "save", f.to_str().expect("utf8")]));
    assert_eq!(json(&cli(&s, &["--json", "state", "rollback", "1"]))["version"], 3);
    let loaded = json(&cli(&s, &["--json", "state", "load"]));
    assert_eq!(loaded["state"]["open_orders"], serde_json::json!([1, 2]));
    assert_eq!(
        json(&cli(&s, &["--json", "state", "load", "--version", "2"]))["state"]["open_orders"],
        serde_json::json!([])
    );
    assert_eq!(
        json(&cli(&s, &["--json", "state", "history"])).as_array().map(Vec::len),
        Some(3)
    );

    let p = dir.path().join("snap.json");
    std::fs::write(
        &p,
        r#"{"ts":"2024-03-01T00:00:00Z","total_value":"100000.50","positions":{"BTC-EUR":{"qty":"0.5","value":"30000"}},"balances":{"EUR":"70000.50"},"snapshot_type":"daily","session_id":"s1"}"#,
    )?;
    json(&cli(
        &s,
        &["--json", "portfolio", "snapshot", p.to_str().expect("utf8")],
    ));
    let hist = json(&cli(&s, &["--json", "portfolio", "history"]));
    assert_eq!(hist[0]["total_value"], "100000.50");
    assert_eq!(hist[0]["ts"], "2024-03-01T00:00:00.000Z");
    assert_eq!(hist[0]["balances"][0]["qty"], "70000.50");
    let status = json(&cli(&s, &["--json", "status"]));
    assert_eq!(status["counts"]["portfolio"], 1);
    assert!(status["format_version"].is_u64() && status["bytes"].is_u64() && status["cache"]["hits"].is_u64());
    Ok(())
}
