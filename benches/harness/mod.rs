//! The comparison harness: workloads register themselves with a [`Registry`], which runs each
//! for several rounds, keeps the median of every figure, prints a table of medians and ratios,
//! writes the rows as JSON and checks the targets.
//!
//! A workload is a function that runs one round and returns one [`Sample`] per (figure, engine).
//! Each capability is one module under `benches/workloads/` with a `register` function that adds
//! its workloads and targets; a workload whose figure must not share the process with the others
//! (resident memory) runs in a child process ([`child`]).

pub mod child;
pub mod report;
pub mod stats;
pub mod target;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};
use std::time::Instant;

pub use target::Target;

/// Errors of the harness: anything a peer or the store can return.
pub type BoxError = Box<dyn std::error::Error + Send + Sync>;
/// Result of the harness.
pub type Result<T> = std::result::Result<T, BoxError>;

/// Engine names as they appear in the JSON rows.
pub mod engine {
    /// This crate.
    pub const TRADESTORE: &str = "tradestore";
    /// SQLite through rusqlite.
    pub const SQLITE: &str = "sqlite";
    /// One JSON file per record, temp + fsync + rename, `.bak` kept.
    pub const JSON_FILES: &str = "json-files";
    /// Redis over loopback, driven with the `redis` crate.
    pub const REDIS: &str = "redis";
    /// pyarrow, through `benches/pyarrow_peer.py`.
    pub const PYARROW: &str = "pyarrow";
    /// A raw write + fdatasync loop: the floor for durable writes.
    pub const FDATASYNC: &str = "fdatasync";

    /// Every peer, in the order their columns appear.
    pub const PEERS: [&str; 5] = [SQLITE, JSON_FILES, REDIS, PYARROW, FDATASYNC];
}

/// Prints `msg` (a peer skipped, a caveat of a figure) on standard error the first time it is
/// given in this run, and keeps it for [`notes`].
pub fn note(msg: impl Into<String>) {
    let msg = msg.into();
    let mut seen = NOTES.lock().unwrap_or_else(PoisonError::into_inner);
    if !seen.contains(&msg) {
        eprintln!("  note: {msg}");
        seen.push(msg);
    }
}

/// The notes given so far, in order.
pub fn notes() -> Vec<String> {
    NOTES.lock().unwrap_or_else(PoisonError::into_inner).clone()
}

static NOTES: Mutex<Vec<String>> = Mutex::new(Vec::new());

/// One figure of one engine in one round.
#[derive(Debug, Clone)]
pub struct Sample {
    /// Figure name, e.g. `save_trade_durable_p50`.
    pub workload: &'static str,
    /// Engine name (see [`engine`]).
    pub engine: &'static str,
    /// The value, in `unit`.
    pub value: f64,
    /// Unit of `value`.
    pub unit: &'static str,
    /// Whether a larger value is better (a rate) or worse (a latency).
    pub higher_is_better: bool,
}

impl Sample {
    /// A rate: higher is better.
    pub fn rate(workload: &'static str, engine: &'static str, value: f64, unit: &'static str) -> Self {
        Sample {
            workload,
            engine,
            value,
            unit,
            higher_is_better: true,
        }
    }

    /// A latency: lower is better.
    pub fn latency(workload: &'static str, engine: &'static str, value: f64, unit: &'static str) -> Self {
        Sample {
            workload,
            engine,
            value,
            unit,
            higher_is_better: false,
        }
    }
}

/// How large a run is.
#[derive(Debug, Clone)]
pub struct Options {
    /// Small sizes, targets checked at half strength: for CI.
    pub quick: bool,
    /// Rounds per workload; the median of the rounds is reported.
    pub rounds: usize,
    /// Run only workloads whose name contains one of these.
    pub filters: Vec<String>,
    /// Where to write the JSON rows.
    pub json_path: PathBuf,
    /// The directory the run's stores and files go in (in a directory of their own, removed
    /// after the run); the system's temporary directory when not given.
    pub dir: Option<PathBuf>,
}

impl Options {
    /// From the command line (`--quick`, name filters given as arguments or as a comma-separated
    /// `--only a,b`; cargo's `--bench` is ignored) and the
    /// environment (`TRADESTORE_BENCH_QUICK=1`, `TRADESTORE_BENCH_ROUNDS=n`,
    /// `TRADESTORE_BENCH_JSON=path`, `TRADESTORE_BENCH_DIR=path`: on a tmpfs there, say, a sync
    /// costs nothing and the durable workloads measure the engines' CPU alone).
    pub fn from_env_and_args() -> Options {
        let mut quick = std::env::var("TRADESTORE_BENCH_QUICK").is_ok_and(|v| v == "1" || v == "true");
        let mut filters = Vec::new();
        let mut args = std::env::args().skip(1);
        while let Some(arg) = args.next() {
            match arg.as_str() {
                "--quick" => quick = true,
                "--only" => filters.extend(args.next().iter().flat_map(|l| split_list(l))),
                a if a.starts_with("--only=") => filters.extend(split_list(&a["--only=".len()..])),
                a if a.starts_with("--") => {}
                a => filters.push(a.to_string()),
            }
        }
        let rounds = std::env::var("TRADESTORE_BENCH_ROUNDS")
            .ok()
            .and_then(|r| r.parse().ok())
            .unwrap_or(if quick { 5 } else { 3 });
        let json_path = std::env::var_os("TRADESTORE_BENCH_JSON")
            .map(PathBuf::from)
            .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/bench-compare.json"));
        Options {
            quick,
            rounds: rounds.max(1),
            filters,
            json_path,
            dir: std::env::var_os("TRADESTORE_BENCH_DIR").map(PathBuf::from),
        }
    }

    /// `full` in a full run, `quick` in quick mode.
    pub fn size<T>(&self, full: T, quick: T) -> T {
        if self.quick { quick } else { full }
    }
}

/// The non-empty names of a comma-separated list.
fn split_list(list: &str) -> Vec<String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect()
}

/// What a workload gets to run one round.
pub struct Ctx<'a> {
    /// Run options.
    pub opts: &'a Options,
    /// A fresh directory for this round, on the disk the store would use.
    pub dir: &'a Path,
    /// The run's directory, for data shared between workloads; removed at the end of the run.
    pub base: &'a Path,
    /// Zero-based round number.
    pub round: usize,
}

/// Runs one round of a workload.
pub type RunFn = fn(&Ctx) -> Result<Vec<Sample>>;

/// A registered workload.
pub struct Workload {
    /// Name, matched by command-line filters.
    pub name: &'static str,
    /// One round.
    pub run: RunFn,
}

/// Workloads and targets, in registration order.
#[derive(Default)]
pub struct Registry {
    workloads: Vec<Workload>,
    targets: Vec<Target>,
}

/// The median of every (figure, engine) over the rounds.
pub type Medians = BTreeMap<(&'static str, &'static str), Sample>;

impl Registry {
    /// Adds a workload.
    pub fn workload(&mut self, name: &'static str, run: RunFn) {
        self.workloads.push(Workload { name, run });
    }

    /// Adds a target.
    pub fn target(&mut self, t: Target) {
        self.targets.push(t);
    }

    /// The registered targets.
    pub fn targets(&self) -> &[Target] {
        &self.targets
    }

    /// Runs every workload `opts.filters` selects for `opts.rounds` rounds in temporary
    /// directories under `base`, and returns the medians, the order figures first appeared in,
    /// and the workloads that failed (reported, their figures left out, and the run carried on).
    pub fn run(&self, opts: &Options, base: &Path) -> Result<Outcome> {
        self.run_selected(opts, base, |w| {
            opts.filters.is_empty() || opts.filters.iter().any(|f| w.name.contains(f.as_str()))
        })
    }

    /// As [`Registry::run`], for the workloads named exactly `names`.
    pub fn run_named(&self, opts: &Options, base: &Path, names: &[&str]) -> Result<Outcome> {
        self.run_selected(opts, base, |w| names.contains(&w.name))
    }

    fn run_selected(&self, opts: &Options, base: &Path, select: impl Fn(&Workload) -> bool) -> Result<Outcome> {
        let mut all: BTreeMap<(&'static str, &'static str), Vec<Sample>> = BTreeMap::new();
        let mut order = Vec::new();
        let mut failed = Vec::new();
        let mut producers = BTreeMap::new();
        for w in self.workloads.iter().filter(|w| select(w)) {
            match self.rounds(w, opts, base) {
                Ok(samples) => {
                    for s in samples {
                        if !order.contains(&s.workload) {
                            order.push(s.workload);
                        }
                        producers.insert(s.workload, w.name);
                        all.entry((s.workload, s.engine)).or_default().push(s);
                    }
                }
                Err(e) => {
                    eprintln!("  workload {} FAILED: {e}", w.name);
                    failed.push(format!("{}: {e}", w.name));
                }
            }
        }
        let medians = all
            .into_iter()
            .map(|(k, v)| {
                let mut s = v[0].clone();
                s.value = stats::median(v.iter().map(|s| s.value).collect());
                (k, s)
            })
            .collect();
        Ok(Outcome {
            medians,
            order,
            failed,
            producers,
        })
    }

    /// Every round of one workload; its samples only if all of them succeed.
    fn rounds(&self, w: &Workload, opts: &Options, base: &Path) -> Result<Vec<Sample>> {
        let mut out = Vec::new();
        for round in 0..opts.rounds {
            let dir = tempfile::tempdir_in(base)?;
            let started = Instant::now();
            out.extend((w.run)(&Ctx {
                opts,
                dir: dir.path(),
                base,
                round,
            })?);
            eprintln!(
                "  {} round {}/{}: {:.1} s",
                w.name,
                round + 1,
                opts.rounds,
                started.elapsed().as_secs_f64()
            );
        }
        Ok(out)
    }
}

/// What a run measured.
pub struct Outcome {
    /// The median of every figure.
    pub medians: Medians,
    /// Figures in the order they first appeared.
    pub order: Vec<&'static str>,
    /// Workloads that failed, with their error.
    pub failed: Vec<String>,
    /// The workload that measured each figure.
    pub producers: BTreeMap<&'static str, &'static str>,
}
