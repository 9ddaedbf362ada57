//! The bit-flip driver: corrupts copies of a file and asks an oracle what a reader got.
//!
//! It knows nothing about stores: hand it the original bytes and a `trial` that opens a
//! corrupted copy, reads everything and compares with what was written. Parquet partitions,
//! snapshot files or artifact blobs plug in the same way.

use std::panic::{AssertUnwindSafe, catch_unwind};

use super::panics;

/// One corruption of a copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mutation {
    /// Flip bit `bit` of byte `pos`.
    BitFlip {
        /// Byte offset.
        pos: usize,
        /// Bit 0..8.
        bit: u8,
    },
    /// Replace byte `pos` by `value` (different from the original).
    Byte {
        /// Byte offset.
        pos: usize,
        /// New value.
        value: u8,
    },
    /// Zero the 4 KiB page `page`.
    ZeroPage {
        /// Page index.
        page: usize,
    },
}

/// What a reader of a corrupted copy got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Opening failed with an error.
    OpenError,
    /// Opening worked; some read failed with an error (the corruption was detected).
    ReadError,
    /// Everything read back equal to the original.
    Correct,
    /// A value was served that differs from what was written, or an item vanished without any
    /// read reporting an error.
    Wrong(String),
}

/// Counts of outcomes.
#[derive(Debug, Clone, Default)]
pub struct Tally {
    /// Corruptions tried, by kind: bit flips, byte overwrites, zeroed pages.
    pub tried: [u64; 3],
    /// Errors at open.
    pub open_errors: u64,
    /// Errors at read.
    pub read_errors: u64,
    /// All values correct.
    pub correct: u64,
    /// Wrong values served (must be 0).
    pub wrong: u64,
    /// Panics on any thread (must be 0).
    pub panics: u64,
    /// Of those, panics that reached the reader's own call (the rest happened on other threads
    /// or were caught inside the engine).
    pub escaped: u64,
    /// The first few wrong outcomes and panics, for the failure message.
    pub examples: Vec<String>,
}

impl Tally {
    /// Total corruptions tried.
    pub fn total(&self) -> u64 {
        self.tried.iter().sum()
    }

    /// Adds the counts of `other` (a run over another file of the same kind).
    pub fn merge(&mut self, other: Tally) {
        for (a, b) in self.tried.iter_mut().zip(other.tried) {
            *a += b;
        }
        self.open_errors += other.open_errors;
        self.read_errors += other.read_errors;
        self.correct += other.correct;
        self.wrong += other.wrong;
        self.panics += other.panics;
        self.escaped += other.escaped;
        self.examples.extend(other.examples);
    }

    /// One line of counts, naming the two kinds of refusal as the file's reader calls them.
    pub fn summary(&self, what: &str, open: &str, read: &str) -> String {
        format!(
            "{what}: tried {} (bit {}, byte {}, zeroed page {}): {open} {}, {read} {}, correct {}, wrong {}, panics {}",
            self.total(),
            self.tried[0],
            self.tried[1],
            self.tried[2],
            self.open_errors,
            self.read_errors,
            self.correct,
            self.wrong,
            self.panics
        )
    }

    /// Fails the test if any corruption was served as a value or made anything panic.
    pub fn assert_never_served(&self) {
        assert!(
            self.wrong == 0 && self.panics == 0,
            "{} wrong, {} panics: {:#?}",
            self.wrong,
            self.panics,
            self.examples
        );
    }
}

/// Puts the original content back at `path` when dropped, also when the trial panicked.
pub struct Restore<'a> {
    /// The file.
    pub path: &'a std::path::Path,
    /// Its original bytes.
    pub original: &'a [u8],
}

impl Drop for Restore<'_> {
    fn drop(&mut self) {
        // Every trial writes its own copy over the file, so a failed restore only needs telling.
        if let Err(e) = std::fs::write(self.path, self.original) {
            eprintln!("cannot restore {}: {e}", self.path.display());
        }
    }
}

/// Writes `copy` over `path` and returns a guard that puts `original` back.
pub fn install<'a>(path: &'a std::path::Path, original: &'a [u8], copy: &[u8]) -> Restore<'a> {
    if let Err(e) = std::fs::write(path, copy) {
        panic!("cannot write {}: {e}", path.display());
    }
    Restore { path, original }
}

const PAGE: usize = 4096;

/// Picks a corruption: half of the byte positions uniformly over the file, half among its
/// non-zero bytes (where the data is); pages only among non-empty ones.
pub fn pick(rng: &mut fastrand::Rng, original: &[u8], used: &[usize], used_pages: &[usize]) -> Mutation {
    let pos = if rng.bool() || used.is_empty() {
        rng.usize(..original.len())
    } else {
        used[rng.usize(..used.len())]
    };
    match rng.u32(..10) {
        0..6 => Mutation::BitFlip { pos, bit: rng.u8(..8) },
        6..9 => {
            let mut value = rng.u8(..);
            if value == original[pos] {
                value = !value;
            }
            Mutation::Byte { pos, value }
        }
        _ => Mutation::ZeroPage {
            page: used_pages[rng.usize(..used_pages.len())],
        },
    }
}

/// Applies `m` to a copy of `original`.
pub fn mutate(original: &[u8], m: Mutation) -> Vec<u8> {
    let mut copy = original.to_vec();
    match m {
        Mutation::BitFlip { pos, bit } => copy[pos] ^= 1 << bit,
        Mutation::Byte { pos, value } => copy[pos] = value,
        Mutation::ZeroPage { page } => {
            let end = ((page + 1) * PAGE).min(copy.len());
            copy[page * PAGE..end].fill(0);
        }
    }
    copy
}

/// Runs `n` corruptions of `original` through `trial` and counts the outcomes. A panic inside
/// `trial` (or on any other thread meanwhile) is counted, never propagated.
pub fn drive(original: &[u8], n: u64, seed: u64, mut trial: impl FnMut(Vec<u8>) -> Verdict) -> Tally {
    panics::install();
    let mut rng = fastrand::Rng::with_seed(seed);
    let used: Vec<usize> = (0..original.len()).filter(|&i| original[i] != 0).collect();
    let used_pages: Vec<usize> = (0..original.len().div_ceil(PAGE))
        .filter(|&p| page_used(original, p))
        .collect();
    let mut t = Tally::default();
    for _ in 0..n {
        let m = pick(&mut rng, original, &used, &used_pages);
        t.tried[match m {
            Mutation::BitFlip { .. } => 0,
            Mutation::Byte { .. } => 1,
            Mutation::ZeroPage { .. } => 2,
        }] += 1;
        let before = panics::count();
        let verdict = catch_unwind(AssertUnwindSafe(|| trial(mutate(original, m))));
        let panicked = panics::count() > before;
        if verdict.is_err() {
            t.escaped += 1;
        }
        match verdict {
            _ if panicked => {
                t.panics += 1;
                if t.examples.len() < 10 {
                    t.examples.push(format!("{m:?}: panic"));
                }
            }
            Ok(Verdict::OpenError) => t.open_errors += 1,
            Ok(Verdict::ReadError) => t.read_errors += 1,
            Ok(Verdict::Correct) => t.correct += 1,
            Ok(Verdict::Wrong(why)) => {
                t.wrong += 1;
                if t.examples.len() < 10 {
                    t.examples.push(format!("{m:?}: {why}"));
                }
            }
            Err(_) => t.panics += 1,
        }
    }
    t
}

fn page_used(original: &[u8], p: usize) -> bool {
    let end = ((p + 1) * PAGE).min(original.len());
    original[p * PAGE..end].iter().any(|&b| b != 0)
}
