//! Medians and percentiles.

use std::time::{Duration, Instant};

use super::BoxError;

/// The median of `v` (the mean of the two middle values for an even count); 0 when empty.
pub fn median(mut v: Vec<f64>) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    }
}

/// Latencies of one run, sorted once.
pub struct Latencies(Vec<Duration>);

impl Latencies {
    /// From unsorted latencies.
    pub fn new(mut v: Vec<Duration>) -> Self {
        v.sort();
        Latencies(v)
    }

    /// The `p`-th percentile (0..=100), in microseconds.
    pub fn percentile_us(&self, p: f64) -> f64 {
        if self.0.is_empty() {
            return 0.0;
        }
        let i = ((self.0.len() - 1) as f64 * p / 100.0).round() as usize;
        self.0[i].as_secs_f64() * 1e6
    }

    /// Operations per second if they ran back to back.
    pub fn rate(&self) -> f64 {
        let total: Duration = self.0.iter().sum();
        self.0.len() as f64 / total.as_secs_f64()
    }
}

/// Calls in a row one engine makes before the next engine's turn in [`time_interleaved`].
pub const BLOCK: usize = 10;
/// Parts each engine's calls are cut into in [`mean_ns_interleaved`] and [`threads_rates`].
pub const PARTS: usize = 4;

/// Times `n` calls of each of `ops` (one per engine; call `i` of an op gets `i`), each call
/// separately, the engines taking turns in blocks of [`BLOCK`] calls, first in turn rotating. A
/// disk whose fsync latency changes while the engines run (another job starting to write)
/// then weighs on every engine alike instead of on whichever happened to run at the time, so
/// the ratios between them hold still from one run to the next. Latencies in the order of
/// `ops`.
pub fn time_interleaved<const N: usize>(
    n: usize,
    ops: [&mut dyn FnMut(usize) -> Result<(), BoxError>; N],
) -> Result<[Latencies; N], BoxError> {
    time_turns(n, BLOCK, Duration::ZERO, ops)
}

/// Times `n` calls of each of `ops` as [`time_interleaved`] does, except that the engines take
/// turns one call at a time and every call comes after `pause` without any call (not timed): the
/// pattern of a bot whose fills arrive a few at a second, where each write finds the engine's
/// threads, the processor and the disk idle. Latencies in the order of `ops`.
pub fn time_after_pause<const N: usize>(
    n: usize,
    pause: Duration,
    ops: [&mut dyn FnMut(usize) -> Result<(), BoxError>; N],
) -> Result<[Latencies; N], BoxError> {
    time_turns(n, 1, pause, ops)
}

/// The engines take turns in blocks of `block` calls, first in turn rotating; each call is
/// timed alone, after `pause` (none when zero).
fn time_turns<const N: usize>(
    n: usize,
    block: usize,
    pause: Duration,
    ops: [&mut dyn FnMut(usize) -> Result<(), BoxError>; N],
) -> Result<[Latencies; N], BoxError> {
    let mut all: [Vec<Duration>; N] = std::array::from_fn(|_| Vec::with_capacity(n));
    for (b, start) in (0..n).step_by(block).enumerate() {
        for k in 0..N {
            let e = (b + k) % N;
            for i in start..(start + block).min(n) {
                if !pause.is_zero() {
                    std::thread::sleep(pause);
                }
                let t = Instant::now();
                ops[e](i)?;
                all[e].push(t.elapsed());
            }
        }
    }
    Ok(all.map(Latencies::new))
}

/// Mean time per call of `n` calls of `f`, in nanoseconds.
pub fn mean_ns<E>(n: usize, mut f: impl FnMut(usize) -> Result<(), E>) -> Result<f64, E> {
    let t = std::time::Instant::now();
    for i in 0..n {
        f(i)?;
    }
    Ok(t.elapsed().as_secs_f64() * 1e9 / n as f64)
}

/// Mean time per call, in nanoseconds, of `n` calls of each of `ops` (call `i` of an op gets
/// `i`), the engines taking turns in [`PARTS`] parts of consecutive calls, first in turn
/// rotating, each part timed as a whole: a share of the CPU that changes while the engines run
/// (other jobs on the machine) then weighs on every engine alike (see [`time_interleaved`]).
/// In the order of `ops`.
pub fn mean_ns_interleaved<const N: usize>(
    n: usize,
    ops: [&mut dyn FnMut(usize) -> Result<(), BoxError>; N],
) -> Result<[f64; N], BoxError> {
    let mut took = [Duration::ZERO; N];
    for p in 0..PARTS {
        for k in 0..N {
            let e = (p + k) % N;
            let t = Instant::now();
            for i in n * p / PARTS..n * (p + 1) / PARTS {
                ops[e](i)?;
            }
            took[e] += t.elapsed();
        }
    }
    Ok(took.map(|t| t.as_secs_f64() * 1e9 / n as f64))
}

/// Runs calls `op(thread, i)` for `i` in `calls` on each of `threads` threads at once; returns
/// how long they took.
fn threads_time(
    threads: u64,
    calls: std::ops::Range<u64>,
    op: &(dyn Fn(u64, u64) -> Result<(), BoxError> + Sync),
) -> Result<Duration, BoxError> {
    let start = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let calls = calls.clone();
                s.spawn(move || calls.into_iter().try_for_each(|i| op(w, i)))
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| "a worker thread panicked")?)
    })?;
    Ok(start.elapsed())
}

/// One engine of [`threads_rates`]: `per_thread` calls of `op(thread, i)` on each thread.
pub struct ThreadsOp<'a> {
    /// Calls each thread makes.
    pub per_thread: u64,
    /// One call: `op(thread, i)`, `i` in `0..per_thread`.
    pub op: &'a (dyn Fn(u64, u64) -> Result<(), BoxError> + Sync),
}

/// For each engine of `ops`, runs its calls on `threads` threads at once and returns calls per
/// second over all of them, in the order of `ops`. Each engine's calls run in [`PARTS`] parts
/// (consecutive `i`), the engines taking turns part by part, first in turn rotating, for the
/// reason given at [`time_interleaved`]; a rate is the engine's calls over the time of its
/// parts.
pub fn threads_rates<const N: usize>(threads: u64, ops: [ThreadsOp<'_>; N]) -> Result<[f64; N], BoxError> {
    let parts = PARTS as u64;
    let mut took = [Duration::ZERO; N];
    for p in 0..parts {
        for k in 0..N {
            let e = (p as usize + k) % N;
            let o = &ops[e];
            let calls = o.per_thread * p / parts..o.per_thread * (p + 1) / parts;
            took[e] += threads_time(threads, calls, o.op)?;
        }
    }
    Ok(std::array::from_fn(|e| {
        (ops[e].per_thread * threads) as f64 / took[e].as_secs_f64()
    }))
}
