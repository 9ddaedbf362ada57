//! Threads, and then processes, mixing KV operations, fenced locks and pub/sub with trade
//! appends and state saves, for a bounded time:
//!
//! - no lost update: every counter ends at the sum of the increments acknowledged, and no two
//!   increments of a shared counter were answered with the same value;
//! - no stale read: a read that starts after a `set` was acknowledged sees it (or a newer one),
//!   and a writer reads its own write back;
//! - no two lock holders: a flag set inside the critical section is never found set, and a
//!   counter read and rewritten (not incremented) under the lock ends equal to the number of
//!   acquisitions, across threads and processes;
//! - fencing numbers strictly increase from one holder to the next;
//! - pub/sub: each subscriber sees one publisher's messages in order, and what it received plus
//!   what its queue dropped is exactly what was published;
//! - bounded memory (RSS after warm-up) and file growth in proportion to the records written.
//!
//! Default: 2 s for the threads, 2 s for the processes. Long mode: `TRADESTORE_LOAD_SECS=300`.

mod reliability;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use reliability::workload::Workload;
use tradestore::kv::Kv;
use tradestore::{Concurrency, Store};

type R<T = ()> = Result<T, String>;

fn err(e: impl std::fmt::Display) -> String {
    e.to_string()
}

/// Resident memory of this process in KiB (`VmRSS` of /proc/self/status).
fn rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

const COUNTERS: usize = 3;
const SETTERS: usize = 2;
const LOCKERS: usize = 3;
const LOCK: &str = "load:lock";
const LOCK_TTL: Duration = Duration::from_secs(30);
const CHANNEL: &str = "load:ticks";

fn read_int(kv: &impl Kv, key: &str) -> R<i64> {
    match kv.get(key).map_err(err)? {
        None => Ok(0),
        Some(v) => String::from_utf8(v)
            .map_err(err)?
            .parse()
            .map_err(|e| format!("{key}: {e}")),
    }
}

/// One fenced critical section: checks mutual exclusion (in this process with `holder`, across
/// processes with the read-and-rewrite counter) and that fencing grows. Returns the fencing
/// number.
fn locked_section(kv: &impl Kv, owner: &str, holder: &AtomicBool, last_fencing: &AtomicU64) -> R<u64> {
    let g = kv
        .acquire_lock_wait(LOCK, LOCK_TTL, owner, Duration::from_secs(60))
        .map_err(err)?;
    if holder.swap(true, Ordering::SeqCst) {
        return Err(format!("{owner}: two holders of {LOCK} at once"));
    }
    let prev = last_fencing.swap(g.fencing, Ordering::SeqCst);
    if g.fencing <= prev {
        return Err(format!("{owner}: fencing {} after {prev}", g.fencing));
    }
    // Not an increment: a read and a rewrite, which only the lock keeps from losing updates.
    let n = read_int(kv, "load:locked")?;
    kv.set("load:locked", (n + 1).to_string().as_bytes(), None)
        .map_err(err)?;
    holder.store(false, Ordering::SeqCst);
    kv.release_lock(LOCK, &g.token).map_err(err)?;
    Ok(g.fencing)
}

#[derive(Default)]
struct Shared {
    stop: AtomicBool,
    /// Values the shared counter answered, over every thread.
    shared_answers: Mutex<Vec<i64>>,
    /// Last value acknowledged by each setter.
    set_acked: [AtomicU64; SETTERS],
    holder: AtomicBool,
    last_fencing: AtomicU64,
    acquisitions: AtomicU64,
    published: AtomicU64,
    /// Set by the publisher after its last message.
    pub_done: AtomicBool,
    reads: AtomicU64,
    trades: AtomicU64,
    states: AtomicU64,
    rss_peak: AtomicU64,
}

fn spawn(handles: &mut Vec<std::thread::JoinHandle<R>>, f: impl FnOnce() -> R + Send + 'static) {
    handles.push(std::thread::spawn(f));
}

/// What the pub/sub subscribers saw.
#[derive(Debug, Default)]
struct SubReport {
    received: u64,
    dropped: u64,
}

/// Receives until the publisher has stopped and the queue is drained; checks order.
fn subscriber(sub: tradestore::kv::Subscription, sh: &Shared, slow: bool) -> R<SubReport> {
    let mut last: Option<u64> = None;
    let mut received = 0u64;
    loop {
        // Every message is queued before `publish` returns, so once the publisher is done an
        // empty queue means everything was seen.
        let done = sh.pub_done.load(Ordering::SeqCst);
        let Some(m) = sub.recv_timeout(Duration::from_millis(50)) else {
            if done {
                break;
            }
            continue;
        };
        let n: u64 = String::from_utf8(m.payload).map_err(err)?.parse().map_err(err)?;
        if last.is_some_and(|l| n <= l) {
            return Err(format!("message {n} after {last:?}: out of order"));
        }
        last = Some(n);
        received += 1;
        if slow && received.is_multiple_of(16) {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    Ok(SubReport {
        received,
        dropped: sub.dropped(),
    })
}

/// Starts every thread of the mix against `store`.
type Threads = Vec<std::thread::JoinHandle<R>>;
type Subscribers = Vec<std::thread::JoinHandle<R<SubReport>>>;

fn start(store: &Store, sh: &Arc<Shared>, seed: u64) -> R<(Threads, Subscribers)> {
    let mut handles = Vec::new();
    for t in 0..COUNTERS {
        let (kv, sh) = (store.kv(), sh.clone());
        spawn(&mut handles, move || {
            let own = format!("load:count:{t}");
            let mut mine = 0;
            let mut answers = Vec::new();
            while !sh.stop.load(Ordering::Relaxed) {
                answers.push(kv.incr_by("load:count", 1).map_err(err)?);
                mine += 1;
                let got = kv.incr_by(&own, 1).map_err(err)?;
                if got != mine {
                    return Err(format!("{own} answered {got} for increment {mine}"));
                }
                if read_int(&kv, &own)? != mine {
                    return Err(format!("{own}: stale read after increment {mine}"));
                }
            }
            sh.shared_answers.lock().map_err(err)?.extend(answers);
            Ok(())
        });
    }
    for t in 0..SETTERS {
        let (kv, sh) = (store.kv(), sh.clone());
        spawn(&mut handles, move || {
            let key = format!("load:str:{t}");
            let mut n = 0u64;
            while !sh.stop.load(Ordering::Relaxed) {
                n += 1;
                kv.set(&key, n.to_string().as_bytes(), None).map_err(err)?;
                sh.set_acked[t].store(n, Ordering::SeqCst);
                if read_int(&kv, &key)? != n as i64 {
                    return Err(format!("{key}: own write {n} not read back"));
                }
            }
            Ok(())
        });
    }
    {
        let (kv, sh) = (store.kv(), sh.clone());
        spawn(&mut handles, move || {
            let mut rng = fastrand::Rng::with_seed(seed);
            while !sh.stop.load(Ordering::Relaxed) {
                let t = rng.usize(..SETTERS);
                let floor = sh.set_acked[t].load(Ordering::SeqCst);
                let got = read_int(&kv, &format!("load:str:{t}"))? as u64;
                if got < floor {
                    return Err(format!("load:str:{t}: read {got} after {floor} was acknowledged"));
                }
                sh.reads.fetch_add(1, Ordering::Relaxed);
            }
            Ok(())
        });
    }
    for t in 0..LOCKERS {
        let (kv, sh) = (store.kv(), sh.clone());
        spawn(&mut handles, move || {
            let owner = format!("thread {t}");
            while !sh.stop.load(Ordering::Relaxed) {
                locked_section(&kv, &owner, &sh.holder, &sh.last_fencing)?;
                sh.acquisitions.fetch_add(1, Ordering::SeqCst);
            }
            Ok(())
        });
    }
    {
        let (store, sh) = (store.clone(), sh.clone());
        spawn(&mut handles, move || {
            let mut wl = Workload::new(seed, "kvload");
            let mut n = 0u64;
            while !sh.stop.load(Ordering::Relaxed) {
                let t = store.save_trade(wl.fill()).map_err(err)?;
                if store.get_trade(t.id).map_err(err)? != t {
                    return Err(format!("trade {} read back differently", t.id));
                }
                sh.trades.fetch_add(1, Ordering::SeqCst);
                n += 1;
                if n.is_multiple_of(4) {
                    let v = store.save_state(&format!(r#"{{"n":{n}}}"#), None).map_err(err)?;
                    if store.load_state().map_err(err)?.map_or(0, |s| s.version) < v {
                        return Err(format!("state {v} not the latest right after its save"));
                    }
                    sh.states.fetch_add(1, Ordering::SeqCst);
                }
            }
            Ok(())
        });
    }
    let mut subs = Vec::new();
    for slow in [false, true] {
        let sub = store.kv().subscribe(CHANNEL).map_err(err)?;
        let sh = sh.clone();
        subs.push(std::thread::spawn(move || subscriber(sub, &sh, slow)));
    }
    {
        let (kv, sh) = (store.kv(), sh.clone());
        spawn(&mut handles, move || {
            let mut n = 0u64;
            let mut result = Ok(());
            while result.is_ok() && !sh.stop.load(Ordering::Relaxed) {
                n += 1;
                result = kv.publish(CHANNEL, n.to_string().as_bytes()).map(drop).map_err(err);
                if result.is_ok() {
                    sh.published.store(n, Ordering::SeqCst);
                }
                if n.is_multiple_of(64) {
                    std::thread::sleep(Duration::from_micros(200));
                }
            }
            sh.pub_done.store(true, Ordering::SeqCst);
            result
        });
    }
    Ok((handles, subs))
}

/// Runs the mix for `secs`, sampling memory; returns (RSS after warm-up, peak RSS) in KiB.
fn run(sh: &Shared, secs: u64) -> (u64, u64) {
    let started = Instant::now();
    let total = Duration::from_secs(secs);
    let mut warm = 0;
    while started.elapsed() < total {
        std::thread::sleep(Duration::from_millis(100));
        let rss = rss_kib();
        if warm == 0 && started.elapsed() >= total / 5 {
            warm = rss;
        }
        sh.rss_peak.fetch_max(rss, Ordering::Relaxed);
    }
    sh.stop.store(true, Ordering::SeqCst);
    (warm, sh.rss_peak.load(Ordering::Relaxed))
}

/// Joins every thread and checks what the subscribers saw against what was published.
fn finish(handles: Threads, subs: Subscribers, sh: &Shared) -> R<Vec<SubReport>> {
    for h in handles {
        h.join().map_err(|_| "a load thread panicked".to_string())??;
    }
    let published = sh.published.load(Ordering::SeqCst);
    let mut reports = Vec::new();
    for s in subs {
        let r = s.join().map_err(|_| "a subscriber panicked".to_string())??;
        if r.received + r.dropped != published {
            return Err(format!("subscriber {r:?}: received + dropped != {published} published"));
        }
        reports.push(r);
    }
    Ok(reports)
}

/// Checks the counters after the run; `extra_*` are what child processes acknowledged.
fn check_totals(store: &Store, sh: &Shared, extra_incr: u64, extra_locks: u64) -> R<(u64, u64)> {
    let kv = store.kv();
    let answers = sh.shared_answers.lock().map_err(err)?.clone();
    let distinct: BTreeSet<i64> = answers.iter().copied().collect();
    if distinct.len() != answers.len() {
        return Err(format!(
            "{} increments answered with a value already given",
            answers.len() - distinct.len()
        ));
    }
    let incr = answers.len() as u64 + extra_incr;
    let total = read_int(&kv, "load:count")? as u64;
    if total != incr {
        return Err(format!("load:count is {total}, {incr} increments were acknowledged"));
    }
    let locks = sh.acquisitions.load(Ordering::SeqCst) + extra_locks;
    let locked = read_int(&kv, "load:locked")? as u64;
    if locked != locks {
        return Err(format!(
            "load:locked is {locked} after {locks} acquisitions: an update under the lock was lost"
        ));
    }
    Ok((incr, locks))
}

/// Memory may settle after warm-up, not climb with the number of operations: the caches are
/// bounded (4 MiB each here, 16 MiB of database pages) and nothing else is kept per operation.
const RSS_GROWTH_LIMIT_KIB: u64 = 64 * 1024;

fn check_growth(what: &str, warm: u64, peak: u64, file_bytes: u64, records: u64) -> R {
    let rss_growth = peak.saturating_sub(warm);
    if rss_growth > RSS_GROWTH_LIMIT_KIB {
        return Err(format!(
            "{what}: RSS grew {rss_growth} KiB after warm-up ({warm} -> {peak} KiB)"
        ));
    }
    // KV keys are rewritten in place; only trades and state versions add rows.
    let limit = 2 * 1024 * 1024 + 8 * 1024 * records;
    if file_bytes > limit {
        return Err(format!(
            "{what}: file {file_bytes} bytes for {records} records (limit {limit})"
        ));
    }
    Ok(())
}

fn builder() -> tradestore::StoreBuilder {
    Store::builder()
        .cache_bytes(4 << 20)
        .page_cache_bytes(16 << 20)
        .kv_cache_bytes(4 << 20)
        .kv_pubsub_capacity(256)
}

#[test]
fn kv_locks_and_pubsub_under_load_lose_nothing() -> reliability::TestResult {
    if std::env::var("TS_LOAD_KV_CHILD").is_ok() {
        return Ok(());
    }
    let seed = reliability::seed("concurrent_load_kv");
    let secs = reliability::env_count("TRADESTORE_LOAD_SECS", 2);
    let dir = tempfile::tempdir()?;
    // Exclusive: the KV read cache is on, so fresh reads also test its invalidation.
    let store = builder().open(dir.path())?;
    let sh = Arc::new(Shared::default());
    let (handles, subs) = start(&store, &sh, seed)?;
    let (warm, peak) = run(&sh, secs);
    let subs = finish(handles, subs, &sh)?;
    let (incr, locks) = check_totals(&store, &sh, 0, 0)?;
    let records = sh.trades.load(Ordering::SeqCst) + sh.states.load(Ordering::SeqCst);
    let file_bytes = store.stats().file_bytes;
    eprintln!(
        "kv load (threads, {secs} s): {incr} increments, {} sets + {} fresh reads, {locks} lock acquisitions, {} published ({subs:?}), {} trades + {} states; RSS {warm} KiB after warm-up, peak {peak} KiB; file {file_bytes} bytes",
        sh.set_acked.iter().map(|a| a.load(Ordering::SeqCst)).sum::<u64>(),
        sh.reads.load(Ordering::SeqCst),
        sh.published.load(Ordering::SeqCst),
        sh.trades.load(Ordering::SeqCst),
        sh.states.load(Ordering::SeqCst),
    );
    check_growth("threads", warm, peak, file_bytes, records)?;
    Ok(())
}

const CHILDREN: usize = 2;

/// Child mode: incr and fenced read-and-rewrite on the shared store until the deadline, then the
/// counts on the last line of stdout. Does nothing unless started by the test below.
#[test]
fn kv_load_child() -> reliability::TestResult {
    let Ok(dir) = std::env::var("TS_LOAD_KV_CHILD") else {
        return Ok(());
    };
    let secs: u64 = std::env::var("TS_LOAD_KV_SECS")?.parse()?;
    let store = builder().concurrency(Concurrency::Shared).open(&dir)?;
    let kv = store.kv();
    let (holder, last) = (AtomicBool::new(false), AtomicU64::new(0));
    let owner = format!("pid {}", std::process::id());
    let deadline = Instant::now() + Duration::from_secs(secs);
    let (mut incr, mut locks) = (0u64, 0u64);
    while Instant::now() < deadline {
        kv.incr_by("load:count", 1)?;
        incr += 1;
        locked_section(&kv, &owner, &holder, &last)?;
        locks += 1;
    }
    println!("child-counts {incr} {locks}");
    Ok(())
}

fn spawn_child(dir: &Path, secs: u64) -> std::io::Result<std::process::Child> {
    Command::new(std::env::current_exe()?)
        .args(["--exact", "kv_load_child", "--nocapture", "--test-threads=1"])
        .env("TS_LOAD_KV_CHILD", dir)
        .env("TS_LOAD_KV_SECS", secs.to_string())
        .stdout(std::process::Stdio::piped())
        .spawn()
}

#[test]
fn kv_locks_across_processes_lose_nothing() -> reliability::TestResult {
    if std::env::var("TS_LOAD_KV_CHILD").is_ok() {
        return Ok(());
    }
    let seed = reliability::seed("concurrent_load_kv_processes");
    let secs = reliability::env_count("TRADESTORE_LOAD_SECS", 2);
    let dir = tempfile::tempdir()?;
    let store = builder().concurrency(Concurrency::Shared).open(dir.path())?;
    let children: Vec<_> = (0..CHILDREN)
        .map(|_| spawn_child(dir.path(), secs))
        .collect::<Result<_, _>>()?;
    let sh = Arc::new(Shared::default());
    let (handles, subs) = start(&store, &sh, seed)?;
    let (warm, peak) = run(&sh, secs);
    let subs = finish(handles, subs, &sh)?;
    let (mut child_incr, mut child_locks) = (0, 0);
    for c in children {
        let out = c.wait_with_output()?;
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "a child failed: {text}");
        let line = text
            .lines()
            .find_map(|l| l.split_once("child-counts ").map(|(_, counts)| counts))
            .ok_or_else(|| format!("no counts from a child: {text}"))?;
        let f: Vec<u64> = line.split_whitespace().map(str::parse).collect::<Result<_, _>>()?;
        child_incr += f[0];
        child_locks += f[1];
    }
    let (incr, locks) = check_totals(&store, &sh, child_incr, child_locks)?;
    let records = sh.trades.load(Ordering::SeqCst) + sh.states.load(Ordering::SeqCst);
    let file_bytes = store.stats().file_bytes;
    eprintln!(
        "kv load (shared store, this process + {CHILDREN} children, {secs} s): {incr} increments ({child_incr} by children), {locks} lock acquisitions ({child_locks} by children), {} fresh reads, {} published ({subs:?}), {} trades + {} states; RSS {warm} KiB after warm-up, peak {peak} KiB; file {file_bytes} bytes",
        sh.reads.load(Ordering::SeqCst),
        sh.published.load(Ordering::SeqCst),
        sh.trades.load(Ordering::SeqCst),
        sh.states.load(Ordering::SeqCst),
    );
    check_growth("processes", warm, peak, file_bytes, records)?;
    Ok(())
}
