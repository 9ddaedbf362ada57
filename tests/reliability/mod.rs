//! The reliability harness shared by the crash, power-loss, fault, bit-flip and load tests.
//!
//! - [`items`]: the kinds of acknowledged items a test can hold the store to (trades, state
//!   versions, portfolio snapshots, document versions, KV values and counters, candles, snapshot
//!   files), each with its check; [`items::full_scan`], which reads every record of every table;
//!   [`items::verify_clean`], the store's own integrity scan.
//! - [`workload`]: a seeded mix of writes that returns what each call acknowledged; a
//!   [`workload::Mix`] picks the kinds (the store file only, or files beside it too).
//! - [`sim_backend`]: a redb storage backend that keeps the durable image apart from unsynced
//!   writes, builds crash images, and injects faults.
//! - [`power`]: judging a store opened from a crash image.
//! - [`corrupt`]: the bit-flip driver: corrupt a copy of a store file, open, read, judge.
#![allow(dead_code)]

pub mod corrupt;
pub mod items;
pub mod panics;
pub mod power;
pub mod sim_backend;
pub mod workload;

/// A test's error type.
pub type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Reads a count from the environment (long modes), else `default`.
pub fn env_count(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A seed from `TRADESTORE_SEED`, else a fresh one; printed so a failure can be replayed.
pub fn seed(test: &str) -> u64 {
    let s = env_count("TRADESTORE_SEED", fastrand::u64(..));
    eprintln!("{test}: seed {s} (replay with TRADESTORE_SEED={s})");
    s
}
