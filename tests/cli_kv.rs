//! The `kv` commands of the CLI: output, JSON, and exit codes (missing key 3, held lock 1).

use std::process::{Command, Output};

fn ts(dir: &std::path::Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tradestore"))
        .arg("--store")
        .arg(dir)
        .args(args)
        .env_remove("TRADESTORE_REDIS_URL")
        .output()
        .unwrap()
}

fn ok(dir: &std::path::Path, args: &[&str]) -> String {
    let o = ts(dir, args);
    assert!(o.status.success(), "{args:?}: {}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

fn json(dir: &std::path::Path, args: &[&str]) -> serde_json::Value {
    let mut a = vec!["--json"];
    a.extend_from_slice(args);
    serde_json::from_str(&ok(dir, &a)).unwrap()
}

#[test]
fn kv_commands() {
    let tmp = tempfile::tempdir().unwrap();
    let d = tmp.path();
    ok(d, &["kv", "set", "mode", "live"]);
    assert_eq!(ok(d, &["kv", "get", "mode"]), "live\n");
    assert_eq!(json(d, &["kv", "get", "mode"])["value"], "live");
    ok(d, &["kv", "set", "tmp", "x", "--ttl", "0.05"]);
    std::thread::sleep(std::time::Duration::from_millis(100));
    let o = ts(d, &["kv", "get", "tmp"]);
    assert_eq!(o.status.code(), Some(3));
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("error: "));
    assert_eq!(ts(d, &["kv", "get", "nope"]).status.code(), Some(3));
    assert_eq!(ts(d, &["kv", "del", "nope"]).status.code(), Some(3));
    ok(d, &["kv", "del", "mode"]);

    assert_eq!(ok(d, &["kv", "incr", "n"]), "1\n");
    assert_eq!(json(d, &["kv", "incr", "n", "--by", "-5"])["value"], -4);
    ok(d, &["kv", "set", "word", "abc"]);
    assert_eq!(ts(d, &["kv", "incr", "word"]).status.code(), Some(1));

    assert_eq!(json(d, &["kv", "hset", "cfg", "pair", "BTC-EUR"])["new"], true);
    ok(d, &["kv", "hset", "cfg", "size", "0.5"]);
    assert_eq!(ok(d, &["kv", "hget", "cfg", "pair"]), "BTC-EUR\n");
    assert_eq!(ts(d, &["kv", "hget", "cfg", "nope"]).status.code(), Some(3));
    let all = json(d, &["kv", "hgetall", "cfg"]);
    assert_eq!(all, serde_json::json!({"pair": "BTC-EUR", "size": "0.5"}));
    // A string key is the wrong type for hash commands.
    assert_eq!(ts(d, &["kv", "hget", "word", "f"]).status.code(), Some(1));

    assert_eq!(ok(d, &["kv", "rpush", "q", "a", "b"]), "2\n");
    assert_eq!(json(d, &["kv", "lpush", "q", "z"])["len"], 3);
    assert_eq!(
        json(d, &["kv", "lrange", "q", "0", "-1"]),
        serde_json::json!(["z", "a", "b"])
    );
    assert_eq!(ok(d, &["kv", "lrange", "q", "-2", "-1"]), "a\nb\n");
    assert_eq!(ok(d, &["kv", "lpop", "q"]), "z\n");
    assert_eq!(ok(d, &["kv", "rpop", "q"]), "b\n");
    assert_eq!(ok(d, &["kv", "rpop", "q"]), "a\n");
    assert_eq!(ts(d, &["kv", "rpop", "q"]).status.code(), Some(3));

    let lock = json(d, &["kv", "lock", "pair:BTC-EUR", "--ttl", "30", "--owner", "bot-1"]);
    let token = lock["token"].as_str().unwrap().to_owned();
    assert_eq!(lock["fencing"], 1);
    let held = ts(d, &["kv", "lock", "pair:BTC-EUR", "--ttl", "30"]);
    assert_eq!(held.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&held.stderr).contains("bot-1"));
    assert_eq!(
        ts(d, &["kv", "unlock", "pair:BTC-EUR", "--token", "wrong"])
            .status
            .code(),
        Some(1)
    );
    ok(d, &["kv", "unlock", "pair:BTC-EUR", "--token", &token]);
    assert_eq!(
        ts(d, &["kv", "unlock", "pair:BTC-EUR", "--token", &token])
            .status
            .code(),
        Some(3)
    );
    let again = ok(d, &["kv", "lock", "pair:BTC-EUR", "--ttl", "30"]);
    assert!(again.contains("fencing  2"), "{again}");

    let status = json(d, &["status"]);
    let kv = &status["kv"];
    assert_eq!(kv["backend"], "embedded");
    assert_eq!(kv["degraded"], false);
    assert!(kv["keys"].as_u64().unwrap() >= 3);
    assert!(kv["memory_bytes"].is_u64());
    assert!(kv["evictions"].is_u64());
}
