//! A writer process is killed with SIGKILL at random moments (and, with the cargo feature
//! `crash-points`, aborted at named points inside the engine: before and after a commit).
//! After each kill the store reopens with every acknowledged item present and correct, and a
//! full scan of every record passes (no torn trade, no half-applied position).
//!
//! The child prints `ack <json>` for each item only after the call that stored it returned.
//! Default: 20 kills. Long mode: `TRADESTORE_CRASH_KILLS=1000` (a fresh store every 50 kills).

mod reliability;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use reliability::items::{self, Item};
use reliability::workload::Workload;
use tradestore::Store;

const CHILD_DIR: &str = "TRADESTORE_KILL9_DIR";
const CHILD_TAG: &str = "TRADESTORE_KILL9_TAG";
/// Kills against one store before the next round starts a fresh one: keeps the full scan after
/// every kill cheap in the long mode.
const KILLS_PER_STORE: u64 = 50;

/// The writer process; does nothing in a normal test run.
#[test]
fn child_writer() -> reliability::TestResult {
    let Ok(dir) = std::env::var(CHILD_DIR) else {
        return Ok(());
    };
    let tag = std::env::var(CHILD_TAG)?;
    let store = Store::open(&dir)?;
    let mut w = Workload::new(fastrand::u64(..), tag);
    println!("ready");
    for _ in 0..100_000 {
        for item in w.step(&store)? {
            println!("ack {}", serde_json::to_string(&item)?);
        }
    }
    Ok(())
}

struct Round {
    acks: Vec<Item>,
    killed_at_ack: Option<usize>,
}

fn run_child(
    dir: &std::path::Path,
    tag: &str,
    rng: &mut fastrand::Rng,
    crash_point: Option<String>,
) -> Result<Round, Box<dyn std::error::Error>> {
    let mut cmd = Command::new(std::env::current_exe()?);
    cmd.args(["--exact", "child_writer", "--nocapture", "--test-threads", "1"])
        .env(CHILD_DIR, dir)
        .env(CHILD_TAG, tag)
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    if let Some(cp) = &crash_point {
        cmd.env("TRADESTORE_CRASH_POINT", cp);
    }
    let mut child = cmd.spawn()?;
    let stdout = child.stdout.take().ok_or("no stdout")?;
    let (tx, rx) = crossbeam_channel::unbounded();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let kill_after = rng.usize(0..40);
    let mut acks = Vec::new();
    let mut killed_at_ack = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match rx.recv_timeout(Duration::from_millis(50)) {
            Ok(line) => {
                if let Some(json) = line.strip_prefix("ack ") {
                    acks.push(serde_json::from_str::<Item>(json)?);
                }
            }
            Err(crossbeam_channel::RecvTimeoutError::Disconnected) => break,
            Err(crossbeam_channel::RecvTimeoutError::Timeout) => {}
        }
        if crash_point.is_none() && killed_at_ack.is_none() && acks.len() >= kill_after {
            // Land the kill at a random moment, not just after an ack line.
            std::thread::sleep(Duration::from_micros(rng.u64(0..3000)));
            child.kill()?;
            killed_at_ack = Some(acks.len());
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
    if status.success() {
        return Err("the writer exited normally: it was neither killed nor crashed".into());
    }
    Ok(Round { acks, killed_at_ack })
}

#[test]
fn acknowledged_writes_survive_kill_9() -> reliability::TestResult {
    if std::env::var(CHILD_DIR).is_ok() {
        return Ok(());
    }
    let seed = reliability::seed("crash_kill9");
    let mut rng = fastrand::Rng::with_seed(seed);
    let kills = reliability::env_count("TRADESTORE_CRASH_KILLS", 20);
    let mut dir = tempfile::tempdir()?;
    let mut acked: Vec<Item> = Vec::new();
    let mut total_acked = 0;
    let (mut sigkills, mut aborts) = (0, 0);
    let started = Instant::now();
    for round in 0..kills {
        if round > 0 && round % KILLS_PER_STORE == 0 {
            dir = tempfile::tempdir()?;
            acked.clear();
        }
        let crash_point = (cfg!(feature = "crash-points") && rng.bool()).then(|| {
            format!(
                "{}:{}",
                ["before_commit", "after_commit"][rng.usize(..2)],
                rng.u32(1..30)
            )
        });
        let r = run_child(dir.path(), &format!("r{round}"), &mut rng, crash_point.clone())?;
        match r.killed_at_ack {
            Some(_) => sigkills += 1,
            None => aborts += 1,
        }
        total_acked += r.acks.len();
        acked.extend(r.acks);
        let store = Store::open(dir.path())?;
        items::check_all(&store, &acked).map_err(|e| format!("round {round} ({crash_point:?}): {e}"))?;
        let scan = items::full_scan(&store).map_err(|e| format!("round {round}: full scan: {e}"))?;
        let acked_trades = acked.iter().filter(|i| matches!(i, Item::Trade(_))).count();
        assert!(
            scan.trades.len() >= acked_trades,
            "round {round}: fewer trades than acknowledged"
        );
    }
    eprintln!(
        "kill -9: {kills} crashes ({sigkills} SIGKILL, {aborts} at named crash points), {total_acked} acknowledged items all present, full scans passed, {:.1} s",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
