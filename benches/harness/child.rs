//! Workloads that run in a child process: the bench binary re-executes itself with
//! `TRADESTORE_COMPARE_CHILD=<name>`, so that nothing the other workloads allocated (datasets,
//! peers' caches, the allocator's free lists) counts in the child's figures.

use std::ffi::OsStr;
use std::process::{Command, Stdio};

use super::Result;

const VAR: &str = "TRADESTORE_COMPARE_CHILD";

/// The child this process was started as, with its arguments; `None` in the parent.
pub fn requested() -> Option<(String, Vec<String>)> {
    let name = std::env::var(VAR).ok()?;
    Some((name, std::env::args().skip(1).collect()))
}

/// Runs the child `name` with `args` and returns what it printed on standard output (its
/// standard error goes to ours).
pub fn run<S: AsRef<OsStr>>(name: &str, args: &[S]) -> Result<String> {
    let out = Command::new(std::env::current_exe()?)
        .env(VAR, name)
        .args(args)
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()?;
    if !out.status.success() {
        return Err(format!("child process {name} failed ({})", out.status).into());
    }
    Ok(String::from_utf8(out.stdout)?)
}
