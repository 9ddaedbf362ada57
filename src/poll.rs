//! Waiting for a message by polling first, then sleeping.
//!
//! The writer thread and the operation log's thread hand work to each other many thousand times
//! a second. A thread asleep on an idle core is woken by an interrupt, which on a virtual
//! machine means waking a halted virtual processor: 25–30 µs before the thread runs, about a
//! third of a sync on a fast disk (`docs/benchmarks.md`, "Polling before sleeping"). So these
//! threads first poll their channel for a short while, yielding the processor between polls (a
//! thread that is ready to run gets it), and only then sleep.

use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, RecvTimeoutError, TryRecvError};

/// The next message of `rx`: polled for up to `spin`, then waited for asleep until `deadline`
/// (forever without one). A zero `spin` sleeps at once.
///
/// # Errors
/// [`RecvTimeoutError::Timeout`] once `deadline` passes, [`RecvTimeoutError::Disconnected`]
/// when every sender is gone and nothing is queued.
pub(crate) fn recv<T>(rx: &Receiver<T>, spin: Duration, deadline: Option<Instant>) -> Result<T, RecvTimeoutError> {
    if !spin.is_zero() {
        let now = Instant::now();
        let polled_until = deadline.map_or(now + spin, |d| d.min(now + spin));
        let mut taken = None;
        poll_until(polled_until, || {
            taken = match rx.try_recv() {
                Ok(msg) => Some(Ok(msg)),
                Err(TryRecvError::Disconnected) => Some(Err(RecvTimeoutError::Disconnected)),
                Err(TryRecvError::Empty) => None,
            };
            taken.is_some()
        });
        if let Some(outcome) = taken {
            return outcome;
        }
    }
    match deadline {
        Some(d) => rx.recv_deadline(d),
        None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
    }
}

/// Calls `ready` until it returns `true` or `until` passes, yielding the processor between
/// calls. Returns whether `ready` said so.
pub(crate) fn poll_until(until: Instant, mut ready: impl FnMut() -> bool) -> bool {
    loop {
        if ready() {
            return true;
        }
        if Instant::now() >= until {
            return false;
        }
        std::thread::yield_now();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_queued_message_is_taken_while_polling() {
        let (tx, rx) = crossbeam_channel::bounded(1);
        tx.send(1).unwrap();
        assert_eq!(recv(&rx, Duration::from_secs(5), None), Ok(1));
    }

    #[test]
    fn a_message_sent_after_the_polling_is_still_received() {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            tx.send(2).unwrap();
        });
        assert_eq!(recv(&rx, Duration::from_micros(50), None), Ok(2));
        t.join().unwrap();
    }

    #[test]
    fn the_deadline_ends_the_polling_and_the_wait() {
        let (_tx, rx) = crossbeam_channel::bounded::<u8>(1);
        let start = Instant::now();
        let deadline = start + Duration::from_millis(10);
        assert_eq!(
            recv(&rx, Duration::from_secs(5), Some(deadline)),
            Err(RecvTimeoutError::Timeout)
        );
        let took = start.elapsed();
        assert!(took >= Duration::from_millis(10), "returned after {took:?}");
    }

    #[test]
    fn a_closed_channel_ends_the_wait_with_or_without_polling() {
        for spin in [Duration::ZERO, Duration::from_secs(5)] {
            let (tx, rx) = crossbeam_channel::bounded::<u8>(1);
            drop(tx);
            assert_eq!(recv(&rx, spin, None), Err(RecvTimeoutError::Disconnected));
        }
    }
}
