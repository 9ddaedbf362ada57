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

/// Times `n` calls of `f`, each separately.
pub fn time_each<E>(n: usize, mut f: impl FnMut(usize) -> Result<(), E>) -> Result<Latencies, E> {
    let mut v = Vec::with_capacity(n);
    for i in 0..n {
        let t = std::time::Instant::now();
        f(i)?;
        v.push(t.elapsed());
    }
    Ok(Latencies::new(v))
}

/// Mean time per call of `n` calls of `f`, in nanoseconds.
pub fn mean_ns<E>(n: usize, mut f: impl FnMut(usize) -> Result<(), E>) -> Result<f64, E> {
    let t = std::time::Instant::now();
    for i in 0..n {
        f(i)?;
    }
    Ok(t.elapsed().as_secs_f64() * 1e9 / n as f64)
}

/// Runs `per_thread` calls of `op(thread, i)` on each of `threads` threads at once; returns
/// calls per second over all of them.
pub fn threads_rate<F>(threads: u64, per_thread: u64, op: F) -> Result<f64, BoxError>
where
    F: Fn(u64, u64) -> Result<(), BoxError> + Sync,
{
    let start = Instant::now();
    std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|w| {
                let op = &op;
                s.spawn(move || (0..per_thread).try_for_each(|i| op(w, i)))
            })
            .collect();
        handles
            .into_iter()
            .try_for_each(|h| h.join().map_err(|_| "a worker thread panicked")?)
    })?;
    Ok((per_thread * threads) as f64 / start.elapsed().as_secs_f64())
}
