//! Targets: a ratio against a peer, or a bound on tradestore's own figure.

use super::{Medians, engine};

/// What a target demands of tradestore's figure for one workload.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Kind {
    /// tradestore at least `min` times better than `peer` (its rate divided by the peer's, or
    /// the peer's latency divided by its own).
    Ratio {
        /// The peer engine.
        peer: &'static str,
        /// Smallest acceptable advantage.
        min: f64,
    },
    /// The figure (a rate) is at least this.
    AtLeast(f64),
    /// The figure (a latency) is at most this.
    AtMost(f64),
    /// The figure (a resource such as resident memory) is at most this. Unlike the other bounds
    /// it does not move with the machine's speed, so it gates the quick mode like a ratio.
    Budget(f64),
}

impl Kind {
    /// Whether a miss by more than half fails the quick mode: ratios (engines compared on the
    /// same machine in the same run) and budgets (independent of the machine's speed).
    pub fn gates(&self) -> bool {
        matches!(self, Kind::Ratio { .. } | Kind::Budget(_))
    }
}

/// A target of the comparison.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The figure it applies to.
    pub workload: &'static str,
    /// What it demands.
    pub kind: Kind,
}

/// A target checked against one run.
#[derive(Debug, Clone)]
pub struct Check {
    /// The target.
    pub target: Target,
    /// The achieved advantage (ratio targets) or figure (bounds).
    pub achieved: f64,
    /// Whether the target holds.
    pub holds: bool,
    /// Whether at least half the target holds (the quick mode's gate).
    pub half_holds: bool,
}

impl Target {
    /// tradestore at least `min` times better than `peer`.
    pub const fn ratio(workload: &'static str, peer: &'static str, min: f64) -> Self {
        Target {
            workload,
            kind: Kind::Ratio { peer, min },
        }
    }

    /// tradestore's rate at least `v`.
    pub const fn at_least(workload: &'static str, v: f64) -> Self {
        Target {
            workload,
            kind: Kind::AtLeast(v),
        }
    }

    /// tradestore's latency at most `v`.
    pub const fn at_most(workload: &'static str, v: f64) -> Self {
        Target {
            workload,
            kind: Kind::AtMost(v),
        }
    }

    /// tradestore's figure at most `v`, gating the quick mode (see [`Kind::Budget`]).
    pub const fn budget(workload: &'static str, v: f64) -> Self {
        Target {
            workload,
            kind: Kind::Budget(v),
        }
    }

    /// How the target reads in the report, e.g. `≥ 1.2× sqlite`.
    pub fn describe(&self, unit: &str) -> String {
        match self.kind {
            Kind::Ratio { peer, min } => format!("≥ {min}× {peer}"),
            Kind::AtLeast(v) => format!("≥ {} {unit}", fmt_num(v)),
            Kind::AtMost(v) | Kind::Budget(v) => format!("≤ {} {unit}", fmt_num(v)),
        }
    }

    /// Checks the target; `None` when a figure it needs was not measured.
    pub fn check(&self, m: &Medians) -> Option<Check> {
        let ours = m.get(&(self.workload, engine::TRADESTORE))?;
        let (achieved, holds, half_holds) = match self.kind {
            Kind::Ratio { peer, min } => {
                let theirs = m.get(&(self.workload, peer))?;
                let a = advantage(ours.value, theirs.value, ours.higher_is_better);
                (a, a >= min, a >= min / 2.0)
            }
            Kind::AtLeast(v) => (ours.value, ours.value >= v, ours.value >= v / 2.0),
            Kind::AtMost(v) | Kind::Budget(v) => (ours.value, ours.value <= v, ours.value <= v * 2.0),
        };
        Some(Check {
            target: *self,
            achieved,
            holds,
            half_holds,
        })
    }
}

/// How many times better `ours` is than `theirs`.
pub fn advantage(ours: f64, theirs: f64, higher_is_better: bool) -> f64 {
    if higher_is_better { ours / theirs } else { theirs / ours }
}

/// A number with thousands grouped and sensible precision.
pub fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        let s = format!("{:.0}", v);
        let mut out = String::new();
        for (i, c) in s.chars().enumerate() {
            if i > 0 && (s.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}
