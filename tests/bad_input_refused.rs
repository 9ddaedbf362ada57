//! A table of bad inputs across the library API and the CLI: non-finite and negative numbers,
//! empty and oversized strings, wrong types, malformed CSV and JSON, unknown enum values, time
//! travel, path traversal in names that become (or could become) paths. Each is refused with an
//! error that names what was wrong, and the store is unchanged afterwards (same row counts, same
//! records, and no file added or removed anywhere around it).

mod reliability;

use std::path::Path;
use std::process::Command;

use reliability::items;
use reliability::workload::T0;
use rust_decimal::Decimal;
use std::str::FromStr;

use tradestore::housekeeping::HousekeepingConfig;
use tradestore::kv::Kv;
use tradestore::market::{Candle, Timeframe};
use tradestore::{Concurrency, Error, Holding, NewTrade, PortfolioSnapshot, Side, Store, TradeQuery};

/// Every path under `base` (files and directories), so that a name that escaped into the file
/// system shows up wherever it landed below the test's own directory.
fn tree(base: &Path) -> Vec<String> {
    let mut out = Vec::new();
    let mut todo = vec![base.to_path_buf()];
    while let Some(dir) = todo.pop() {
        for e in std::fs::read_dir(&dir).expect("list").flatten() {
            let p = e.path();
            out.push(p.strip_prefix(base).expect("under base").display().to_string());
            if e.file_type().expect("type").is_dir() {
                todo.push(p);
            }
        }
    }
    out.sort();
    out
}

/// Everything observable about the store: row counts, every record, and the files around it
/// (`dir`'s parent holds the store and nothing else but the inputs of the CLI cases).
fn fingerprint(dir: &Path) -> String {
    let around = dir.parent().map(tree).unwrap_or_default();
    let store = Store::builder()
        .concurrency(Concurrency::Shared)
        .open(dir)
        .expect("open");
    // Empty tables are left out: an open may create the tables of a newer build, which is no
    // change to what the store holds.
    let counts: Vec<(String, u64)> = store
        .table_counts()
        .expect("counts")
        .into_iter()
        .filter(|(_, n)| *n > 0)
        .collect();
    let scan = items::full_scan(&store).expect("scan");
    let market = store.market().list().expect("market catalog");
    format!("{counts:?}{scan:?}{market:?}{around:?}")
}

fn fill() -> NewTrade {
    NewTrade::new("BTC-EUR", Side::Buy, Decimal::ONE, Decimal::new(100, 0)).ts(T0)
}

fn snap() -> PortfolioSnapshot {
    PortfolioSnapshot {
        ts: T0,
        total_value: Decimal::ONE,
        positions: vec![],
        balances: vec![],
        snapshot_type: "periodic".into(),
        session_id: "s".into(),
    }
}

/// A call against the store that must be refused.
type Call = Box<dyn Fn(&Store) -> tradestore::Result<()>>;
/// Name, a word the error must contain, the call.
type ApiCase = (&'static str, &'static str, Call);
/// Name, CLI arguments, an optional input file (name, content) put where `FILE` stands, and a
/// word the error must contain.
type CliCase = (
    &'static str,
    Vec<&'static str>,
    Option<(&'static str, &'static str)>,
    &'static str,
);

fn trade(t: NewTrade) -> Call {
    Box::new(move |s| s.save_trade(t.clone()).map(drop))
}

/// A few valid hourly candles, so that only the pair can be wrong.
fn candles() -> Vec<Candle> {
    (0..3)
        .map(|i| Candle {
            ts: T0 + i * 3_600_000_000_000,
            open: 1.0,
            high: 2.0,
            low: 0.5,
            close: 1.5,
            volume: 3.0,
        })
        .collect()
}

fn write_candles(pair: &'static str) -> Call {
    Box::new(move |s| {
        s.market()
            .write_candles(pair, Timeframe::from_str("1h")?, &candles())
            .map(drop)
    })
}

fn doc_put(collection: &'static str) -> Call {
    Box::new(move |s| {
        s.collection(collection)?
            .put("k", &serde_json::json!({"a": 1}))
            .map(drop)
    })
}

fn housekeeping_component(name: &'static str) -> Call {
    Box::new(move |_| {
        let toml = format!(
            "[[component]]\nname = {name:?}\nimportance = \"low\"\nallocation_mb = 10\nstrategy = \"time\"\ninterval_hours = 1\nretention = {{}}\n"
        );
        HousekeepingConfig::from_toml(&toml).map(drop)
    })
}

/// Names that must never become paths: market pairs, document collections, housekeeping
/// components, artifact versions; snapshot targets that would overwrite something.
fn traversal_cases() -> Vec<ApiCase> {
    vec![
        ("pair ../x", "pair", write_candles("../x")),
        ("pair ..", "pair", write_candles("..")),
        ("pair /etc/passwd", "pair", write_candles("/etc/passwd")),
        ("pair with a backslash", "pair", write_candles("..\\x")),
        ("pair with NUL", "pair", write_candles("BTC\0EUR")),
        ("empty pair", "pair", write_candles("")),
        (
            "ticks read of pair ../../etc",
            "pair",
            Box::new(|s: &Store| s.market().ticks("../../etc", None, None).map(drop)),
        ),
        (
            "candle read of pair /",
            "pair",
            Box::new(|s: &Store| {
                s.market()
                    .candles("/", Timeframe::from_str("1h")?, None, None)
                    .map(drop)
            }),
        ),
        (
            "timeframe ../1h",
            "timeframe",
            Box::new(|_: &Store| Timeframe::from_str("../1h").map(drop)),
        ),
        ("collection ../x", "collection", doc_put("../x")),
        ("collection a/b", "collection", doc_put("a/b")),
        ("collection ..", "collection", doc_put("..")),
        ("collection /tmp/x", "collection", doc_put("/tmp/x")),
        ("collection with NUL", "collection", doc_put("a\0b")),
        ("empty collection", "collection", doc_put("")),
        (
            "artifact version ../1.0.0",
            "version",
            Box::new(|s: &Store| s.artifacts().save_model("m", "../1.0.0", b"w", None).map(drop)),
        ),
        (
            "artifact name with NUL",
            "name",
            Box::new(|s: &Store| s.artifacts().save_model("m\0", "1.0.0", b"w", None).map(drop)),
        ),
        (
            "empty artifact name",
            "name",
            Box::new(|s: &Store| s.artifacts().save_model("", "1.0.0", b"w", None).map(drop)),
        ),
        ("component ../evil", "component name", housekeeping_component("../evil")),
        ("component a/b", "component name", housekeeping_component("a/b")),
        ("component ..", "component name", housekeeping_component("..")),
        ("component /abs", "component name", housekeeping_component("/abs")),
        (
            "component tree for ../../escape",
            "component name",
            Box::new(|s: &Store| tradestore::housekeeping::ensure_component(s.path(), "../../escape")),
        ),
        (
            "KV key with NUL",
            "key",
            Box::new(|s: &Store| s.kv().set("a\0b", b"v", None)),
        ),
        (
            "snapshot over an existing file",
            "already exists",
            Box::new(|s: &Store| s.create_snapshot(Some(&s.path().join("tradestore.redb"))).map(drop)),
        ),
        (
            "restore over the live store",
            "already holds a store",
            Box::new(|s: &Store| {
                let snap = s.path().join("nothing.tsnap");
                tradestore::snapshot::restore(&snap, s.path()).map(drop)
            }),
        ),
        (
            "restore of a file that is not a snapshot",
            "snapshot",
            Box::new(|s: &Store| {
                tradestore::snapshot::restore(&s.path().join("tradestore.redb"), &s.path().join("restored")).map(drop)
            }),
        ),
    ]
}

fn api_cases() -> Vec<ApiCase> {
    let big = Decimal::new(10_000_000_000_000_000, 0);
    let tiny = Decimal::new(1, 19);
    let now = tradestore::timefmt::now_ns();
    vec![
        (
            "zero qty",
            "qty",
            trade(NewTrade {
                qty: Decimal::ZERO,
                ..fill()
            }),
        ),
        (
            "negative qty",
            "qty",
            trade(NewTrade {
                qty: -Decimal::ONE,
                ..fill()
            }),
        ),
        (
            "negative price",
            "price",
            trade(NewTrade {
                price: Decimal::new(-5, 0),
                ..fill()
            }),
        ),
        ("negative fee", "fee", trade(fill().fee(Decimal::new(-1, 2)))),
        ("oversized qty", "qty", trade(NewTrade { qty: big, ..fill() })),
        (
            "too many decimal places",
            "price",
            trade(NewTrade { price: tiny, ..fill() }),
        ),
        (
            "empty symbol",
            "symbol",
            trade(NewTrade {
                symbol: String::new(),
                ..fill()
            }),
        ),
        (
            "oversized symbol",
            "symbol",
            trade(NewTrade {
                symbol: "X".repeat(10_000),
                ..fill()
            }),
        ),
        (
            "control char in symbol",
            "symbol",
            trade(NewTrade {
                symbol: "BTC\0EUR".into(),
                ..fill()
            }),
        ),
        ("blank strategy", "strategy", trade(fill().strategy("  "))),
        ("oversized venue", "venue", trade(fill().venue("v".repeat(129)))),
        ("empty order id", "order_id", trade(fill().order_id(""))),
        ("model without version", "model", trade(fill().model("gbm"))),
        ("malformed meta JSON", "meta", trade(fill().meta("{\"a\":"))),
        (
            "oversized meta",
            "meta",
            trade(fill().meta(format!("\"{}\"", "m".repeat(70_000)))),
        ),
        ("time travel to 1970", "ts", trade(fill().ts(0))),
        ("time travel to i64::MIN", "ts", trade(fill().ts(i64::MIN))),
        (
            "fill from next week",
            "ts",
            trade(fill().ts(now + 7 * 86_400 * 1_000_000_000)),
        ),
        (
            "batch with one bad fill",
            "trades[1].qty",
            Box::new(|s: &Store| {
                s.save_trades(&[
                    fill(),
                    NewTrade {
                        qty: Decimal::ZERO,
                        ..fill()
                    },
                ])
                .map(drop)
            }),
        ),
        (
            "batch repeating an order id",
            "already stored",
            Box::new(|s: &Store| {
                s.save_trades(&[fill().order_id("dup"), fill().order_id("dup")])
                    .map(drop)
            }),
        ),
        (
            "re-sent fill",
            "already stored",
            trade(fill().venue("v").order_id("A-1")),
        ),
        (
            "state that is not JSON",
            "state",
            Box::new(|s: &Store| s.save_state("{open_orders:", None).map(drop)),
        ),
        (
            "empty state",
            "state",
            Box::new(|s: &Store| s.save_state("", None).map(drop)),
        ),
        (
            "control char in label",
            "label",
            Box::new(|s: &Store| s.save_state("{}", Some("a\u{7}")).map(drop)),
        ),
        (
            "oversized label",
            "label",
            Box::new(|s: &Store| s.save_state("{}", Some(&"l".repeat(300))).map(drop)),
        ),
        (
            "rollback to a missing version",
            "state version 99",
            Box::new(|s: &Store| s.rollback(99).map(drop)),
        ),
        (
            "missing trade",
            "trade 4242",
            Box::new(|s: &Store| s.get_trade(4242).map(drop)),
        ),
        (
            "portfolio before 2000",
            "ts",
            Box::new(|s: &Store| s.save_portfolio_snapshot(&PortfolioSnapshot { ts: 0, ..snap() })),
        ),
        (
            "portfolio without a type",
            "snapshot_type",
            Box::new(|s: &Store| {
                s.save_portfolio_snapshot(&PortfolioSnapshot {
                    snapshot_type: String::new(),
                    ..snap()
                })
            }),
        ),
        (
            "portfolio with too many positions",
            "positions",
            Box::new(|s: &Store| {
                let h = Holding {
                    symbol: "X".into(),
                    qty: Decimal::ONE,
                    value: Decimal::ONE,
                };
                s.save_portfolio_snapshot(&PortfolioSnapshot {
                    positions: vec![h; 10_001],
                    ..snap()
                })
            }),
        ),
        (
            "history page too large",
            "limit",
            Box::new(|s: &Store| {
                s.trade_history(&TradeQuery {
                    limit: 1_000_000,
                    ..Default::default()
                })
                .map(drop)
            }),
        ),
        (
            "forged history cursor",
            "after",
            Box::new(|s: &Store| {
                s.trade_history(&TradeQuery {
                    after: Some("../../etc/passwd".into()),
                    ..Default::default()
                })
                .map(drop)
            }),
        ),
    ]
}

/// A valid candle CSV, so that only the pair or timeframe can be wrong.
const CANDLE_CSV: &str = "ts,open,high,low,close,volume\n2024-01-01T00:00:00Z,1,2,0.5,1.5,3\n";

fn cli_traversal_cases() -> Vec<CliCase> {
    let query = |pair: &'static str, tf: &'static str| vec!["market", "query", "--pair", pair, "--timeframe", tf];
    let import =
        |pair: &'static str, tf: &'static str| vec!["market", "import", "FILE", "--pair", pair, "--timeframe", tf];
    vec![
        ("query pair ../x", query("../x", "1h"), None, "pair"),
        ("query timeframe ../1h", query("BTC-EUR", "../1h"), None, "timeframe"),
        (
            "import pair ../../x",
            import("../../x", "1h"),
            Some(("c.csv", CANDLE_CSV)),
            "pair",
        ),
        (
            "import pair /tmp/x",
            import("/tmp/x", "1h"),
            Some(("c.csv", CANDLE_CSV)),
            "pair",
        ),
        (
            "import timeframe 1h/../..",
            import("BTC-EUR", "1h/../.."),
            Some(("c.csv", CANDLE_CSV)),
            "timeframe",
        ),
        (
            "export pair ../x",
            vec!["export", "market", "--out", "OUTDIR", "--pair", "../x"],
            None,
            "pair",
        ),
        (
            "doc put into ../x",
            vec!["doc", "put", "../x", "k", "FILE"],
            Some(("d.json", "{\"a\":1}")),
            "collection",
        ),
        (
            "doc get from /etc",
            vec!["doc", "get", "/etc", "passwd"],
            None,
            "collection",
        ),
        (
            "schema set on ..",
            vec!["schema", "set", "..", "FILE"],
            Some(("s.json", "{\"type\":\"object\"}")),
            "collection",
        ),
        (
            "artifact version ../1.0.0",
            vec!["artifacts", "put", "m", "../1.0.0", "FILE"],
            Some(("w.bin", "weights")),
            "version",
        ),
        (
            "housekeeping component ../evil",
            vec!["housekeeping", "--config", "FILE", "usage"],
            Some((
                "hk.toml",
                "[[component]]\nname = \"../evil\"\nimportance = \"low\"\nallocation_mb = 10\nstrategy = \"time\"\ninterval_hours = 1\nretention = {}\n",
            )),
            "component name",
        ),
        (
            "cleanup of component ../evil",
            vec!["housekeeping", "cleanup", "--component", "../evil"],
            None,
            "../evil",
        ),
        ("KV key with a newline", vec!["kv", "set", "a\nb", "v"], None, "key"),
        (
            "restore of a file that is not a snapshot",
            vec!["snapshot", "restore", "FILE", "OUTDIR"],
            Some(("x.tsnap", "not a snapshot")),
            "snapshot",
        ),
    ]
}

fn cli_cases() -> Vec<CliCase> {
    let add = |extra: &[&'static str]| {
        let mut v = vec!["trades", "add", "--symbol", "BTC-EUR", "--side", "buy"];
        v.extend_from_slice(extra);
        v
    };
    vec![
        ("qty NaN", add(&["--qty", "NaN", "--price", "1"]), None, "qty"),
        ("qty inf", add(&["--qty", "inf", "--price", "1"]), None, "qty"),
        ("price 1e999", add(&["--qty", "1", "--price", "1e999"]), None, "price"),
        ("negative qty", add(&["--qty", "-3", "--price", "1"]), None, "qty"),
        ("qty as a word", add(&["--qty", "one", "--price", "1"]), None, "qty"),
        (
            "unknown side",
            vec![
                "trades", "add", "--symbol", "X", "--side", "hold", "--qty", "1", "--price", "1",
            ],
            None,
            "side",
        ),
        (
            "unparseable time",
            add(&["--qty", "1", "--price", "1", "--ts", "yesterday"]),
            None,
            "ts",
        ),
        (
            "time in 2999",
            add(&["--qty", "1", "--price", "1", "--ts", "2999-01-01T00:00:00Z"]),
            None,
            "ts",
        ),
        (
            "malformed meta",
            add(&["--qty", "1", "--price", "1", "--meta", "{"]),
            None,
            "meta",
        ),
        (
            "empty symbol",
            vec![
                "trades", "add", "--symbol", "", "--side", "buy", "--qty", "1", "--price", "1",
            ],
            None,
            "symbol",
        ),
        ("trade id not a number", vec!["trades", "get", "seven"], None, "seven"),
        (
            "CSV with an unknown column",
            vec!["trades", "import", "FILE"],
            Some(("t.csv", "symbol,side,qty,price,colour\nBTC-EUR,buy,1,1,red\n")),
            "colour",
        ),
        (
            "CSV with a bad row",
            vec!["trades", "import", "FILE"],
            Some(("t.csv", "symbol,side,qty,price\nBTC-EUR,buy,1,1\nBTC-EUR,buy,x,1\n")),
            "line 3",
        ),
        (
            "CSV with an unclosed quote",
            vec!["trades", "import", "FILE"],
            Some(("t.csv", "symbol,side,qty,price\n\"BTC-EUR,buy,1,1\n")),
            "line",
        ),
        (
            "CSV without a price column",
            vec!["trades", "import", "FILE"],
            Some(("t.csv", "symbol,side,qty\nBTC-EUR,buy,1\n")),
            "price",
        ),
        (
            "CSV with NaN qty",
            vec!["trades", "import", "FILE"],
            Some(("t.csv", "symbol,side,qty,price\nBTC-EUR,buy,NaN,1\n")),
            "qty",
        ),
        (
            "JSONL with a list for qty",
            vec!["trades", "import", "FILE"],
            Some((
                "t.jsonl",
                "{\"symbol\":\"X\",\"side\":\"buy\",\"qty\":[1],\"price\":1}\n",
            )),
            "qty",
        ),
        (
            "JSONL line not an object",
            vec!["trades", "import", "FILE"],
            Some((
                "t.jsonl",
                "{\"symbol\":\"X\",\"side\":\"buy\",\"qty\":1,\"price\":1}\n[1,2]\n",
            )),
            "line 2",
        ),
        (
            "JSONL unknown side",
            vec!["trades", "import", "FILE"],
            Some((
                "t.jsonl",
                "{\"symbol\":\"X\",\"side\":\"hodl\",\"qty\":1,\"price\":1}\n",
            )),
            "side",
        ),
        (
            "JSONL unknown field",
            vec!["trades", "import", "FILE"],
            Some((
                "t.jsonl",
                "{\"symbol\":\"X\",\"side\":\"buy\",\"qty\":1,\"price\":1,\"leverage\":5}\n",
            )),
            "leverage",
        ),
        (
            "import of a missing file",
            vec!["trades", "import", "/nonexistent/fills.csv"],
            None,
            "fills.csv",
        ),
        (
            "state that is not JSON",
            vec!["state", "save", "FILE"],
            Some(("s.json", "{\"a\":")),
            "state",
        ),
        (
            "rollback to a missing version",
            vec!["state", "rollback", "77"],
            None,
            "77",
        ),
        (
            "portfolio with a NaN value",
            vec!["portfolio", "snapshot", "FILE"],
            Some(("p.json", "{\"total_value\":\"NaN\"}")),
            "total_value",
        ),
        (
            "portfolio with an unknown field",
            vec!["portfolio", "snapshot", "FILE"],
            Some(("p.json", "{\"total_value\":\"1\",\"leverage\":2}")),
            "leverage",
        ),
        (
            "history page too large",
            vec!["trades", "list", "--limit", "99999"],
            None,
            "limit",
        ),
        (
            "forged cursor",
            vec!["trades", "list", "--after", "zzzz"],
            None,
            "after",
        ),
    ]
}

#[test]
fn bad_inputs_are_refused_and_change_nothing() -> reliability::TestResult {
    let base = tempfile::tempdir()?;
    // The store sits two levels down, so that `../` and `../../` from inside it stay in `base`.
    let dir = base.path().join("stores").join("store");
    let files = tempfile::tempdir()?;
    {
        let store = Store::open(&dir)?;
        store
            .market()
            .write_candles("BTC-EUR", Timeframe::from_str("1h")?, &candles())?;
        store.collection("config")?.put("bot", &serde_json::json!({"a": 1}))?;
        store.artifacts().save_model("m", "1.0.0", b"weights", None)?;
        store.save_trade(fill().venue("v").order_id("A-1"))?;
        store.save_state(r#"{"ok":true}"#, Some("boot"))?;
        store.save_portfolio_snapshot(&snap())?;
    }
    let before = fingerprint(&dir);
    let mut api = api_cases();
    let traversal = traversal_cases();
    let api_traversal = traversal.len();
    api.extend(traversal);
    let mut cli = cli_cases();
    let cli_traversal = cli_traversal_cases();
    let n_cli_traversal = cli_traversal.len();
    cli.extend(cli_traversal);
    {
        let store = Store::open(&dir)?;
        for (name, names, case) in &api {
            match case(&store) {
                Ok(()) => panic!("{name}: accepted"),
                Err(
                    e @ (Error::Validation { .. } | Error::Conflict { .. } | Error::NotFound(_) | Error::Snapshot(_)),
                ) => {
                    assert!(
                        e.to_string().contains(names),
                        "{name}: error {e:?} does not name {names:?}"
                    );
                }
                Err(e) => panic!("{name}: unexpected kind of error {e:?}"),
            }
        }
    }
    assert_eq!(fingerprint(&dir), before, "an API case changed the store");
    for (name, args, file, names) in &cli {
        let mut args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        if let Some((fname, content)) = file {
            let p = files.path().join(fname);
            std::fs::write(&p, content)?;
            for a in &mut args {
                if a == "FILE" {
                    *a = p.display().to_string();
                }
            }
        }
        for a in &mut args {
            if a == "OUTDIR" {
                *a = files.path().join("out").display().to_string();
            }
        }
        let out = Command::new(env!("CARGO_BIN_EXE_tradestore"))
            .arg("--store")
            .arg(&dir)
            .args(&args)
            .output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{name}: accepted");
        assert!(
            matches!(out.status.code(), Some(1..=3)),
            "{name}: exit {:?}",
            out.status.code()
        );
        assert!(stderr.starts_with("error"), "{name}: stderr {stderr:?}");
        assert!(stderr.contains(names), "{name}: {stderr:?} does not name {names:?}");
        assert_eq!(fingerprint(&dir), before, "{name} changed the store");
    }
    let total = api.len() + cli.len();
    eprintln!(
        "bad input: {} API + {} CLI = {total} cases refused, store unchanged; of them path traversal in names: {api_traversal} API + {n_cli_traversal} CLI",
        api.len(),
        cli.len()
    );
    assert!(total >= 40);
    Ok(())
}
