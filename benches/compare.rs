//! Side-by-side comparison: the same workloads on tradestore and on the stores bots use today
//! (SQLite, the JSON-file pattern), with a raw write + fdatasync loop as the floor, in one
//! process and one run.
//!
//! `cargo bench --bench compare` prints medians and ratios and writes
//! `target/bench-compare.json`. `--quick` (or `TRADESTORE_BENCH_QUICK=1`) runs small sizes once
//! and exits non-zero when a ratio target falls below half its value. Workload names given as
//! arguments select a subset. See `docs/benchmarks.md`.

mod common;
mod harness;
mod peers;
mod workloads;

use std::process::ExitCode;

use harness::target::Kind;
use harness::{Options, Registry, report};

fn main() -> ExitCode {
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
    let base = tempfile::Builder::new().prefix("tradestore-compare").tempdir()?;
    eprintln!(
        "tradestore compare: {} mode, {} round(s) per workload, in {}",
        if opts.quick { "quick" } else { "full" },
        opts.rounds,
        base.path().display()
    );
    let (medians, order) = reg.run(opts, base.path())?;
    report::print_table(&medians, &order);
    let checks = report::check_targets(&medians, reg.targets());
    report::write_json(&medians, &order, &opts.json_path)?;
    println!("\nwrote {}", opts.json_path.display());
    // Only ratios gate: they compare engines on the same machine in the same run, whereas
    // absolute figures move with the hardware.
    let failed: Vec<_> = checks
        .iter()
        .filter(|c| matches!(c.target.kind, Kind::Ratio { .. }) && !c.half_holds)
        .collect();
    if opts.quick && !failed.is_empty() {
        for c in &failed {
            eprintln!(
                "regression: {} at {:.2}× is below half its target",
                c.target.workload, c.achieved
            );
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
