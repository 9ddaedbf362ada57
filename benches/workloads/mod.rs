//! The workloads of the comparison, one module per capability. Each module's `register` adds its
//! workloads and the targets they are held to.

mod candles;
mod dataset;
mod documents;
mod kv;
mod memory;
mod state;
mod trade_reads;
mod trade_writes;

use crate::harness::{Registry, Result};

/// Registers every workload, in the order they run.
pub fn register_all(reg: &mut Registry) {
    trade_writes::register(reg);
    trade_reads::register(reg);
    state::register(reg);
    documents::register(reg);
    kv::register(reg);
    candles::register(reg);
    memory::register(reg);
}

/// Runs the child process `name` (see [`crate::harness::child`]) with its arguments.
pub fn run_child(name: &str, args: &[String]) -> Result<()> {
    match name {
        memory::CHILD => memory::run_child(args),
        other => Err(format!("no child process called {other}").into()),
    }
}
