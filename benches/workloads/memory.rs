//! Resident memory: a store holding the run's dataset (1 M trades in a full run), opened with
//! explicit cache sizes, after a scan of every trade and random point reads that fill the read
//! cache. Measured in a child process (see [`crate::harness::child`]) so that nothing the other
//! workloads allocated counts: `VmRSS` once the reads are done and `VmHWM`, the peak, from
//! `/proc/self/status`. The budget is the configured caches (the database's page cache and the
//! read cache of decoded trades) plus 64 MiB.

use std::ops::ControlFlow;

use tradestore::Store;

use super::dataset;
use crate::common::fixture::SYMBOLS;
use crate::harness::engine::TRADESTORE;
use crate::harness::{Ctx, Registry, Result, Sample, Target, child};

const RSS: &str = "memory_rss";
const PEAK: &str = "memory_peak";
const AT_START: &str = "memory_rss_before_open";
/// Read cache of decoded trades (the default).
const CACHE_BYTES: u64 = 32 << 20;
/// Database page cache (the default).
const PAGE_CACHE_BYTES: usize = dataset::DEFAULT_PAGE_CACHE_BYTES;
/// What the process may hold beyond the caches.
const HEADROOM_BYTES: u64 = 64 << 20;
/// The budget, MiB.
const BUDGET_MIB: f64 = ((CACHE_BYTES + PAGE_CACHE_BYTES as u64 + HEADROOM_BYTES) >> 20) as f64;
/// Name of the child process.
pub const CHILD: &str = "memory";

/// Registers the memory workload and its budget.
pub fn register(reg: &mut Registry) {
    reg.workload("memory", memory);
    reg.target(Target::budget(RSS, BUDGET_MIB));
    reg.target(Target::budget(PEAK, BUDGET_MIB));
}

fn memory(ctx: &Ctx) -> Result<Vec<Sample>> {
    let d = dataset::get(ctx)?;
    let reads = ctx.opts.size(100_000u64, 5_000);
    let seed = ctx.round as u64 + 31;
    let args = [
        d.store.display().to_string(),
        d.n.to_string(),
        reads.to_string(),
        seed.to_string(),
    ];
    let out = child::run(CHILD, &args)?;
    let v: serde_json::Value = serde_json::from_str(out.trim())?;
    let mib = |k: &str| -> Result<f64> {
        let kib = v[k]
            .as_f64()
            .ok_or_else(|| format!("memory child printed no {k}: {out}"))?;
        Ok(kib / 1024.0)
    };
    Ok(vec![
        Sample::latency(RSS, TRADESTORE, mib("rss_kib")?, "MiB"),
        Sample::latency(PEAK, TRADESTORE, mib("hwm_kib")?, "MiB"),
        Sample::latency(AT_START, TRADESTORE, mib("start_rss_kib")?, "MiB"),
    ])
}

/// `VmRSS` and `VmHWM` of this process, KiB.
fn status() -> Result<(u64, u64)> {
    let s = std::fs::read_to_string("/proc/self/status")?;
    let field = |name: &str| -> Result<u64> {
        let line = s
            .lines()
            .find(|l| l.starts_with(name))
            .ok_or_else(|| format!("no {name} in /proc/self/status"))?;
        let kib = line[name.len()..].trim().trim_end_matches("kB").trim();
        Ok(kib.parse()?)
    };
    Ok((field("VmRSS:")?, field("VmHWM:")?))
}

/// The child: `<store dir> <trades> <reads> <seed>`; prints
/// `{"start_rss_kib", "rss_kib", "hwm_kib"}` on standard output.
pub fn run_child(args: &[String]) -> Result<()> {
    let [dir, n, reads, seed] = args else {
        return Err(format!("expected <store dir> <trades> <reads> <seed>, got {args:?}").into());
    };
    let (n, reads, seed): (u64, u64, u64) = (n.parse()?, reads.parse()?, seed.parse()?);
    let (start_rss, _) = status()?;
    let store = Store::builder()
        .cache_bytes(CACHE_BYTES)
        .page_cache_bytes(PAGE_CACHE_BYTES)
        .open(dir)?;
    let mut rows = 0u64;
    for s in SYMBOLS {
        store.scan_symbol(s, None, None, |t| {
            rows += 1;
            std::hint::black_box(t);
            ControlFlow::Continue(())
        })?;
    }
    if rows != n {
        return Err(format!("scanned {rows} of {n} trades").into());
    }
    let mut rng = fastrand::Rng::with_seed(seed);
    for _ in 0..reads {
        std::hint::black_box(store.get_trade(rng.u64(1..=n))?);
    }
    let (rss, hwm) = status()?;
    println!(r#"{{"start_rss_kib":{start_rss},"rss_kib":{rss},"hwm_kib":{hwm}}}"#);
    Ok(())
}
