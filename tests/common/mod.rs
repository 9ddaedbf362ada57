//! Helpers shared by the integration tests.
#![allow(dead_code)]

use rust_decimal::Decimal;
use tradestore::{NewTrade, Side};

/// 2024-01-01T00:00:00Z in ns.
pub const T0: i64 = 1_704_067_200_000_000_000;
/// One second in ns.
pub const SEC: i64 = 1_000_000_000;

pub fn d(s: &str) -> Decimal {
    s.parse().expect("decimal literal")
}

pub fn fill(symbol: &str, side: Side, qty: &str, price: &str) -> NewTrade {
    NewTrade::new(symbol, side, d(qty), d(price)).ts(T0)
}

pub type TestResult = Result<(), Box<dyn std::error::Error>>;

// Market helpers.

use tradestore::market::{Candle, Timeframe};

/// 2024-01-01T00:00:00Z in ns.
pub const JAN_2024: i64 = 1_704_067_200_000_000_000;
/// One minute in ns.
pub const MINUTE: i64 = 60_000_000_000;
/// One hour in ns.
pub const HOUR: i64 = 60 * MINUTE;
/// One day in ns.
pub const DAY: i64 = 24 * HOUR;

/// `n` valid candles `step` apart from `start`, closes `base + i`.
pub fn candles(start: i64, step: i64, n: usize, base: f64) -> Vec<Candle> {
    (0..n)
        .map(|i| {
            let close = base + i as f64;
            Candle {
                ts: start + i as i64 * step,
                open: close - 0.5,
                high: close + 1.0,
                low: close - 1.0,
                close,
                volume: (i % 10) as f64,
            }
        })
        .collect()
}

/// Parses a timeframe.
pub fn tf(s: &str) -> Timeframe {
    s.parse().unwrap()
}

// ---- KV helpers: stores, and a real redis-server on a free loopback port ----

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A `redis-server` child process on 127.0.0.1, killed on drop.
pub struct RedisServer {
    child: Option<Child>,
    pub port: u16,
    dir: tempfile::TempDir,
    extra: Vec<String>,
}

fn find_redis_server() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin"), PathBuf::from("/usr/bin")])
        .map(|d| d.join("redis-server"))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn ping(port: u16) -> bool {
    let Ok(mut s) = TcpStream::connect_timeout(&([127, 0, 0, 1], port).into(), Duration::from_millis(200)) else {
        return false;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    if s.write_all(b"PING\r\n").is_err() {
        return false;
    }
    let mut buf = [0u8; 7];
    s.read_exact(&mut buf).is_ok() && &buf == b"+PONG\r\n"
}

impl RedisServer {
    /// Starts a server, or returns `None` (after printing a note) where no `redis-server`
    /// binary exists. With `TRADESTORE_REQUIRE_REDIS=1` a missing binary fails the test.
    pub fn start(extra: &[&str]) -> Option<RedisServer> {
        if find_redis_server().is_none() {
            if std::env::var("TRADESTORE_REQUIRE_REDIS").as_deref() == Ok("1") {
                panic!("TRADESTORE_REQUIRE_REDIS=1 but no redis-server binary is installed");
            }
            eprintln!("note: no redis-server binary found; skipping the Redis part of this test");
            return None;
        }
        let mut s = RedisServer {
            child: None,
            port: free_port(),
            dir: tempfile::tempdir().unwrap(),
            extra: extra.iter().map(|s| s.to_string()).collect(),
        };
        s.spawn();
        Some(s)
    }

    fn spawn(&mut self) {
        let bin = find_redis_server().unwrap();
        let mut cmd = Command::new(bin);
        cmd.arg("--port")
            .arg(self.port.to_string())
            .arg("--bind")
            .arg("127.0.0.1")
            .arg("--save")
            .arg("")
            .arg("--dir")
            .arg(self.dir.path())
            .args(&self.extra)
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        self.child = Some(cmd.spawn().unwrap());
        let deadline = Instant::now() + Duration::from_secs(10);
        while !ping(self.port) {
            assert!(
                Instant::now() < deadline,
                "redis-server did not start on port {}",
                self.port
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}/", self.port)
    }

    /// Kills the server (SIGKILL) and waits for it to be gone.
    pub fn kill(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }

    /// Starts the server again on the same port (empty: it saves nothing).
    pub fn restart(&mut self) {
        self.kill();
        self.spawn();
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// A fresh store in a temporary directory.
pub fn store() -> (tempfile::TempDir, tradestore::Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = tradestore::Store::open(dir.path()).unwrap();
    (dir, store)
}

/// A fresh store whose KV layer runs on `server`.
#[cfg(feature = "redis")]
pub fn redis_store(server: &RedisServer) -> (tempfile::TempDir, tradestore::Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = tradestore::Store::builder()
        .redis_url(server.url())
        .open(dir.path())
        .unwrap();
    (dir, store)
}

/// Runs `check` on the embedded backend and, with the `redis` feature and a `redis-server`
/// binary, on a real Redis.
pub fn on_each_backend(check: impl Fn(&tradestore::kv::KvHandle)) {
    let (_d, store) = store();
    check(&store.kv());
    #[cfg(not(feature = "redis"))]
    require_redis_feature();
    #[cfg(feature = "redis")]
    if let Some(server) = RedisServer::start(&[]) {
        let (_d, store) = redis_store(&server);
        let kv = store.kv();
        assert!(matches!(kv, tradestore::kv::KvHandle::Redis(_)));
        check(&kv);
        assert!(!tradestore::kv::Kv::stats(&kv).unwrap().degraded);
    }
}

/// With `TRADESTORE_REQUIRE_REDIS=1`, a build without the `redis` feature fails instead of
/// silently skipping the Redis half of the tests.
#[cfg(not(feature = "redis"))]
pub fn require_redis_feature() {
    assert_ne!(
        std::env::var("TRADESTORE_REQUIRE_REDIS").as_deref(),
        Ok("1"),
        "TRADESTORE_REQUIRE_REDIS=1: run the tests with `--features redis`"
    );
}

pub mod hk;

/// Runs the `tradestore` binary on the store at `store` with `args`.
pub fn cli(store: &Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_tradestore"))
        .arg("--store")
        .arg(store)
        .args(args)
        .output()
        .expect("run tradestore")
}

/// The JSON document a successful command printed.
pub fn cli_json(out: &std::process::Output) -> serde_json::Value {
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}
