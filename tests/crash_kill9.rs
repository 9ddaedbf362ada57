//! A writer process is killed with SIGKILL at random moments (and, with the cargo feature
//! `crash-points`, aborted at each named point inside the engine in turn: before and after a
//! commit, once a group's operation log frame is synced, in a checkpoint of the commit log, before and after the rename of a new Parquet
//! partition, part-way through writing a snapshot and before its rename). After each kill the store reopens with every acknowledged
//! item present and correct (trades, state versions, portfolio snapshots, document versions, KV
//! values and counters, candles, snapshot files), counters and documents at most one write
//! ahead of their acknowledgements, a full scan of every record passes (no torn trade, no
//! half-applied position), `verify` finds nothing (records, indexes, documents, every listed
//! snapshot hashed, market partitions re-hashed against the catalog), and no interrupted
//! snapshot is listed.
//!
//! The child prints `ack <json>` for each item only after the call that stored it returned.
//! Default: 20 kills. Long mode: `TRADESTORE_CRASH_KILLS=1000` (a fresh store every 50 kills).
//!
//! A second test kills writers while they create their store (40 fresh directories, at random
//! moments of their first open, and at the two crash points around the new file's link; more
//! with `TRADESTORE_CREATION_KILLS`): each directory then opens as a store and verifies clean.

mod reliability;

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader};
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reliability::items::{self, Item};
use reliability::workload::{Mix, Workload};
use tradestore::Store;

const CHILD_DIR: &str = "TRADESTORE_KILL9_DIR";
const CHILD_TAG: &str = "TRADESTORE_KILL9_TAG";
/// Kills against one store before the next round starts a fresh one: keeps the full scan after
/// every kill cheap in the long mode.
const KILLS_PER_STORE: u64 = 50;
/// The named crash points (see `src/store/crash.rs`), each with the (exclusive) bound of the
/// random `n` in `<name>:<n>`: small for points the workload reaches rarely, so the child gets
/// there soon.
const POINTS: [(&str, u32); 8] = [
    ("before_commit", 30),
    ("after_commit", 30),
    ("redo_synced", 20),
    ("wal_checkpoint", 10),
    ("parquet_before_rename", 4),
    ("parquet_after_rename", 4),
    ("snapshot_mid_write", 3),
    ("snapshot_before_rename", 3),
];
/// The child's commit log size between checkpoints.
const CHECKPOINT_BYTES: u64 = 256 << 10;
const SIGKILL: i32 = 9;
const SIGABRT: i32 = 6;

/// The writer process; does nothing in a normal test run.
#[test]
fn child_writer() -> reliability::TestResult {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return Ok(());
    };
    let tag = std::env::var(CHILD_TAG)?;
    // The checking parent has just dropped its handle; threads of its last reads may still be
    // finishing and holding the file for a moment.
    let deadline = Instant::now() + Duration::from_secs(10);
    let store = loop {
        // A small commit log: checkpoints every few commits, so kills land in them too.
        match Store::builder().log_checkpoint_bytes(CHECKPOINT_BYTES).open(&dir) {
            Err(tradestore::Error::Locked(_)) if Instant::now() < deadline => {
                std::thread::sleep(Duration::from_millis(20))
            }
            other => break other?,
        }
    };
    let mut w = Workload::with_mix(fastrand::u64(..), tag, Mix::ALL);
    println!("ready");
    // The random mix makes few snapshots and candle writes: with a crash point inside one of
    // them, start with three of that kind, so the point is reached at once (after one to three
    // complete ones).
    let point = std::env::var("TRADESTORE_CRASH_POINT").unwrap_or_default();
    for _ in 0..3 {
        let first = if point.starts_with("snapshot_") {
            w.store_snapshot(&store)?
        } else if point.starts_with("parquet_") {
            w.append_candles(&store)?
        } else {
            break;
        };
        for item in first {
            println!("ack {}", serde_json::to_string(&item)?);
        }
    }
    for _ in 0..100_000 {
        for item in w.step(&store)? {
            println!("ack {}", serde_json::to_string(&item)?);
        }
    }
    Ok(())
}

/// When the parent kills a child that has no crash point to reach: once it has acknowledged
/// `acks` items (or printed its first line, for 0), after a random pause below `max_pause_us`.
#[derive(Clone, Copy)]
struct KillAt {
    acks: usize,
    max_pause_us: u64,
}

/// What a killed child printed: its acknowledgements, and whether it had opened its store.
struct Run {
    acks: Vec<Item>,
    ready: bool,
}

fn run_child(
    dir: &Path,
    log: &Path,
    tag: &str,
    rng: &mut fastrand::Rng,
    crash_point: Option<&str>,
    kill: KillAt,
) -> Result<Run, Box<dyn std::error::Error>> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["--exact", "child_writer", "--nocapture", "--test-threads", "1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_TAG, tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::from(std::fs::File::create(log)?));
    if let Some(cp) = crash_point {
        cmd.env("TRADESTORE_CRASH_POINT", cp);
    }
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = crossbeam_channel::unbounded();
    let reader = std::thread::spawn(move || {
        let mut stdout = BufReader::new(stdout);
        let mut line = String::new();
        // A line the kill cut short (no newline) is not an acknowledgement the test can read.
        while matches!(stdout.read_line(&mut line), Ok(n) if n > 0) && line.ends_with('\n') {
            if tx.send(line.trim_end().to_owned()).is_err() {
                break;
            }
            line.clear();
        }
    });
    let mut acks = Vec::new();
    let mut ready = false;
    let mut killed = false;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => {
                // The test harness prints the test's name on the same line.
                ready |= line.ends_with("ready");
                if let Some(json) = line.strip_prefix("ack ") {
                    acks.push(serde_json::from_str::<Item>(json)?);
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
        }
        if crash_point.is_none() && !killed && acks.len() >= kill.acks {
            // Land the kill at a random moment, not just after an ack line.
            std::thread::sleep(Duration::from_micros(rng.u64(0..kill.max_pause_us)));
            child.kill()?;
            killed = true;
        }
        if Instant::now() > deadline {
            child.kill()?;
            return Err("child neither finished nor crashed within 60 s".into());
        }
    }
    // Everything the child printed before it died is an acknowledgement: collect the rest.
    while let Ok(line) = rx.try_recv() {
        if let Some(json) = line.strip_prefix("ack ") {
            acks.push(serde_json::from_str::<Item>(json)?);
        }
    }
    reader.join().map_err(|_| "reader thread panicked")?;
    let status = child.wait()?;
    let expected = if crash_point.is_some() { SIGABRT } else { SIGKILL };
    if status.signal() != Some(expected) {
        let err = std::fs::read_to_string(log).unwrap_or_default();
        let lines: Vec<&str> = err.lines().collect();
        let tail = lines[lines.len().saturating_sub(20)..].join("\n");
        return Err(format!("the writer ended with {status}, not signal {expected}; its stderr ends:\n{tail}").into());
    }
    Ok(Run { acks, ready })
}

#[derive(Debug, Default)]
struct Totals {
    sigkills: u64,
    points: BTreeMap<&'static str, u64>,
    acked: BTreeMap<&'static str, u64>,
    candles: u64,
    /// Files an interrupted snapshot left in `snapshots/` (never listed), refused by a full
    /// verification (cut mid-write) or complete (cut before the rename).
    leftover_refused: u64,
    leftover_complete: u64,
}

#[test]
fn acknowledged_writes_survive_kill_9() -> reliability::TestResult {
    if std::env::var(CHILD_DIR).is_ok() {
        return Ok(());
    }
    let seed = reliability::seed("crash_kill9");
    let mut rng = fastrand::Rng::with_seed(seed);
    let kills = reliability::env_count("TRADESTORE_CRASH_KILLS", 20);
    let logs = tempfile::tempdir()?;
    let log = logs.path().join("child.stderr");
    let mut dir = tempfile::tempdir()?;
    let mut acked: Vec<Item> = Vec::new();
    let mut t = Totals::default();
    let mut seen_leftovers = std::collections::BTreeSet::new();
    let started = Instant::now();
    for round in 0..kills {
        if round > 0 && round % KILLS_PER_STORE == 0 {
            dir = tempfile::tempdir()?;
            acked.clear();
            seen_leftovers.clear();
        }
        // With crash points, every other round aborts at the next point in turn.
        let point =
            (cfg!(feature = "crash-points") && round % 2 == 1).then(|| POINTS[(round / 2) as usize % POINTS.len()]);
        let spec = point.map(|(name, max)| format!("{name}:{}", rng.u32(1..max)));
        let kill = KillAt {
            acks: rng.usize(0..40),
            max_pause_us: 3000,
        };
        let acks = run_child(dir.path(), &log, &format!("r{round}"), &mut rng, spec.as_deref(), kill)?.acks;
        match point {
            Some((name, _)) => *t.points.entry(name).or_default() += 1,
            None => t.sigkills += 1,
        }
        for item in &acks {
            *t.acked.entry(item.kind()).or_default() += 1;
            if let Item::Candles { candles, .. } = item {
                t.candles += candles.len() as u64;
            }
        }
        acked.extend(acks);
        let store = Store::open(dir.path())?;
        let ctx = |what: &str, e: String| format!("round {round} ({spec:?}): {what}: {e}");
        items::check_all(&store, &acked).map_err(|e| ctx("acknowledged items", e))?;
        let scan = items::full_scan(&store).map_err(|e| ctx("full scan", e))?;
        let acked_trades = acked.iter().filter(|i| matches!(i, Item::Trade(_))).count();
        if scan.trades.len() < acked_trades {
            return Err(ctx("full scan", "fewer trades than acknowledged".into()).into());
        }
        for path in items::verify_clean(&store).map_err(|e| ctx("verify", e))? {
            if !seen_leftovers.insert(path.clone()) {
                continue;
            }
            if items::snapshot_verifies(&path) {
                if spec.as_deref().is_some_and(|s| s.starts_with("snapshot_mid_write"))
                    && path.extension().is_some_and(|e| e == "partial")
                {
                    return Err(ctx("snapshot", format!("{} was cut mid-write yet verifies", path.display())).into());
                }
                t.leftover_complete += 1;
            } else {
                t.leftover_refused += 1;
            }
        }
    }
    eprintln!(
        "kill -9: {kills} crashes ({} SIGKILL, {} at named crash points {:?}); acknowledged items all present: {} ({:?}, {} candles); leftover files of interrupted snapshots, never listed: {} refused by verification, {} complete; full scans and verify passed; {:.1} s",
        t.sigkills,
        t.points.values().sum::<u64>(),
        t.points,
        t.acked.values().sum::<u64>(),
        t.acked,
        t.candles,
        t.leftover_refused,
        t.leftover_complete,
        started.elapsed().as_secs_f64()
    );
    if cfg!(feature = "crash-points") && kills >= 2 * POINTS.len() as u64 {
        for (name, _) in POINTS {
            assert!(t.points.contains_key(name), "crash point {name} was never exercised");
        }
    }
    Ok(())
}

/// The crash points inside the creation of a new store file (see `src/store/crash.rs`).
const CREATE_POINTS: [&str; 2] = ["create_before_link", "create_after_link"];
/// Writer processes killed while they create their store, each in a fresh directory.
const CREATION_KILLS: u64 = 40;
/// A child opens its new store about 15 ms after its first line in a debug build: kills spread
/// over 0–20 ms land before, inside and just after the creation.
const CREATION_KILL: KillAt = KillAt {
    acks: 0,
    max_pause_us: 20_000,
};

/// A writer killed while it creates its store leaves a directory that opens as a store: killed
/// at random moments from its first line (most of them inside its first open) and, with crash
/// points, aborted just before and just after the new file is linked into place. Whatever it
/// acknowledged is there, `verify` finds nothing, and no temporary file of the creation is left.
#[test]
fn killed_creation_leaves_a_store_that_opens() -> reliability::TestResult {
    if std::env::var(CHILD_DIR).is_ok() {
        return Ok(());
    }
    let seed = reliability::seed("crash_kill9 creation");
    let mut rng = fastrand::Rng::with_seed(seed);
    let logs = tempfile::tempdir()?;
    let log = logs.path().join("child.stderr");
    let kills = reliability::env_count("TRADESTORE_CREATION_KILLS", CREATION_KILLS);
    let (mut opening, mut at_points) = (0, 0);
    for round in 0..kills {
        let dir = tempfile::tempdir()?;
        let point = (cfg!(feature = "crash-points") && round < 2 * CREATE_POINTS.len() as u64)
            .then(|| format!("{}:1", CREATE_POINTS[round as usize % CREATE_POINTS.len()]));
        let run = run_child(
            dir.path(),
            &log,
            &format!("c{round}"),
            &mut rng,
            point.as_deref(),
            CREATION_KILL,
        )?;
        let ctx = |what: &str, e: String| format!("creation round {round} ({point:?}): {what}: {e}");
        if point.is_some() {
            at_points += 1;
        } else if !run.ready {
            opening += 1;
        }
        let store = Store::open(dir.path()).map_err(|e| ctx("reopen", e.to_string()))?;
        items::check_all(&store, &run.acks).map_err(|e| ctx("acknowledged items", e))?;
        let leftovers = items::verify_clean(&store).map_err(|e| ctx("verify", e))?;
        if !leftovers.is_empty() {
            return Err(ctx("verify", format!("unexpected files {leftovers:?}")).into());
        }
        drop(store);
        let db_file = tradestore::store::DB_FILE;
        let mut names: Vec<String> = std::fs::read_dir(dir.path())?
            .map(|e| Ok(e?.file_name().to_string_lossy().into_owned()))
            .collect::<std::io::Result<_>>()?;
        names.retain(|n| n.starts_with(db_file) && n != db_file);
        if !names.is_empty() {
            return Err(ctx("temporary files", format!("left in the store directory: {names:?}")).into());
        }
    }
    eprintln!(
        "creation: {kills} writers killed while starting ({at_points} at the creation's crash points, {opening} before their store was open); every store reopened and verified clean"
    );
    Ok(())
}
