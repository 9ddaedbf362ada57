//! The workloads of the comparison, one module per capability. Each module's `register` adds its
//! workloads and the targets they are held to.

mod dataset;
mod state;
mod trade_reads;
mod trade_writes;

use crate::harness::Registry;

/// Registers every workload, in the order they run.
pub fn register_all(reg: &mut Registry) {
    trade_writes::register(reg);
    trade_reads::register(reg);
    state::register(reg);
}
