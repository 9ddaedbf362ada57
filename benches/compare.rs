//! Side-by-side comparison: the same workloads on tradestore and on the stores bots use today
//! (SQLite, the JSON-file pattern, Redis over loopback, pyarrow), with a raw write + fdatasync
//! loop as the floor, in one run (resident memory is measured in a child process).
//!
//! `cargo bench --bench compare` prints medians and ratios and writes
//! `target/bench-compare.json`. `--quick` (or `TRADESTORE_BENCH_QUICK=1`) runs small sizes,
//! five rounds, and exits non-zero when the median of a ratio falls below half its target (or,
//! for a shortfall recorded in `docs/benchmarks.md`, below its floor) or a memory budget is
//! exceeded twice over. Workload names given as arguments select a subset. See
//! `docs/benchmarks.md`.

mod common;
mod harness;
mod peers;
mod workloads;

use std::process::ExitCode;

use harness::target::{Kind, fmt_num};
use harness::{Options, Registry, report};

fn main() -> ExitCode {
    if let Some((name, args)) = harness::child::requested() {
        return match workloads::run_child(&name, &args) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("compare child {name}: {e}");
                ExitCode::from(2)
            }
        };
    }
    let opts = Options::from_env_and_args();
    let mut reg = Registry::default();
    workloads::register_all(&mut reg);
    match run(&opts, &reg) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("compare: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(opts: &Options, reg: &Registry) -> harness::Result<ExitCode> {
    let mut base = tempfile::Builder::new();
    base.prefix("tradestore-compare");
    let base = match &opts.dir {
        Some(dir) => base.tempdir_in(dir)?,
        None => base.tempdir()?,
    };
    eprintln!(
        "tradestore compare: {} mode, {} round(s) per workload, in {}",
        if opts.quick { "quick" } else { "full" },
        opts.rounds,
        base.path().display()
    );
    let harness::Outcome {
        medians,
        order,
        failed: broken,
    } = reg.run(opts, base.path())?;
    report::print_table(&medians, &order);
    for n in harness::notes() {
        println!("note: {n}");
    }
    let checks = report::check_targets(&medians, reg.targets());
    report::write_json(&medians, &order, &opts.json_path)?;
    println!("\nwrote {}", opts.json_path.display());
    if !broken.is_empty() {
        for b in &broken {
            eprintln!("failed workload: {b}");
        }
        return Ok(ExitCode::from(2));
    }
    // Ratios gate (they compare engines on the same machine in the same run) and so do memory
    // budgets; absolute speeds move with the hardware and do not.
    let failed: Vec<_> = checks
        .iter()
        .filter(|c| c.target.kind.gates() && !c.gate_holds)
        .collect();
    if opts.quick && !failed.is_empty() {
        for c in &failed {
            let achieved = match c.target.kind {
                Kind::Ratio { .. } => format!("{:.2}×", c.achieved),
                _ => fmt_num(c.achieved),
            };
            eprintln!(
                "regression: {} at {achieved} misses its target by more than half{}",
                c.target.workload,
                c.target
                    .floor
                    .map_or(String::new(), |f| format!(" and falls below its shortfall floor {f}×"))
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
