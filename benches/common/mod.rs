//! Code shared by the bench binaries: deterministic trade rows shaped like real fills.

pub mod fixture;
