//! The one answer the writer thread sends to a caller waiting for its write.
//!
//! A caller waits for its answer as long as a sync of the operation log at least (tens to
//! hundreds of microseconds). A caller waiting alone polls for it first (see [`Polling`]);
//! callers waiting together sleep on a condition variable at once. A channel would make every
//! caller spin and yield the processor for a while, taking CPU time from the writer and the
//! log's sync thread on a machine with few cores.

use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use crossbeam_channel::RecvError;

enum State<T> {
    Waiting,
    Sent(T),
    /// The writer dropped the request without answering it (it stopped).
    Dropped,
}

struct Slot<T> {
    state: Mutex<State<T>>,
    /// Raised once `state` is no longer [`State::Waiting`]: read without the lock by a polling
    /// caller.
    settled: AtomicBool,
    ready: Condvar,
}

impl<T> Slot<T> {
    fn lock(&self) -> MutexGuard<'_, State<T>> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Stores `to` unless an answer is already there, and wakes the caller after releasing the
    /// lock: a caller woken while the lock is still held would find it taken and sleep again
    /// until the unlock wakes it a second time.
    fn set(&self, to: State<T>) {
        let sent = {
            let mut state = self.lock();
            let waiting = matches!(*state, State::Waiting);
            if waiting {
                *state = to;
            }
            waiting
        };
        self.settled.store(true, Ordering::Release);
        if sent {
            self.ready.notify_one();
        }
    }
}

/// The writer's side: sends the answer once; dropped unanswered, it tells the caller so.
pub(super) struct Reply<T>(Arc<Slot<T>>);

/// The caller's side.
pub(super) struct Wait<T>(Arc<Slot<T>>);

/// A reply and the wait for it.
pub(super) fn pair<T>() -> (Reply<T>, Wait<T>) {
    let slot = Arc::new(Slot {
        state: Mutex::new(State::Waiting),
        settled: AtomicBool::new(false),
        ready: Condvar::new(),
    });
    (Reply(slot.clone()), Wait(slot))
}

impl<T> Reply<T> {
    /// Delivers `answer` (the caller may have stopped waiting: nothing to do then).
    pub(super) fn send(self, answer: T) {
        self.0.set(State::Sent(answer));
    }
}

impl<T> Drop for Reply<T> {
    fn drop(&mut self) {
        self.0.set(State::Dropped);
    }
}

/// Whether a waiting caller polls for its answer instead of sleeping.
///
/// A caller asleep on an idle core is woken by an interrupt, which on a virtual machine means
/// waking a halted virtual processor: 25–30 µs, a quarter of a durable save on a fast disk
/// (`docs/benchmarks.md`, "A caller polls for its answer"). A caller that waits alone and comes
/// back within the polling time of the last answer, as one saving write after write does, polls,
/// yielding the processor between polls. The others sleep at once:
/// - while other callers wait too, the cores are busy with the writer and the log's thread,
///   which do the work they wait for, and a poller would take time from them;
/// - after a pause, the writer and the log's thread have gone to sleep, and a poller would sit on
///   the core their wake-ups would pick.
pub(super) struct Polling {
    spin: Duration,
    /// Callers waiting for an answer.
    waiting: AtomicUsize,
    /// When the last wait ended, in nanoseconds from `since`.
    last_answer: AtomicU64,
    since: Instant,
}

/// How a caller's wait began.
#[derive(Debug, PartialEq, Eq)]
enum Polled {
    /// It slept at once.
    No,
    /// Its answer came while it polled.
    Answered,
    /// Another caller began to wait.
    Crowded,
    /// The polling time ran out.
    RanOut,
}

/// Counts a caller as waiting until dropped.
struct Waiting<'p>(&'p Polling);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        let polling = self.0;
        polling
            .last_answer
            .store(nanos(polling.since.elapsed()), Ordering::Release);
        polling.waiting.fetch_sub(1, Ordering::AcqRel);
    }
}

fn nanos(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

impl Polling {
    /// Lets a caller poll for up to `spin` (`Duration::ZERO`: callers sleep at once).
    pub(super) fn new(spin: Duration) -> Self {
        Polling {
            spin,
            waiting: AtomicUsize::new(0),
            last_answer: AtomicU64::new(0),
            // Far enough back that the first wait does not count as coming back (when the clock
            // has not run that long, the first wait may poll: harmless).
            since: Instant::now().checked_sub(spin).unwrap_or_else(Instant::now),
        }
    }

    /// Counts the caller of `slot` as waiting and, when it waits alone and the last answer
    /// came less than the polling time ago, polls for its answer for up to that time, as long
    /// as no other caller starts waiting.
    fn poll<T>(&self, slot: &Slot<T>) -> (Waiting<'_>, Polled) {
        let back_in_time = self.back_in_time();
        let others = self.waiting.fetch_add(1, Ordering::AcqRel);
        let waiting = Waiting(self);
        if others > 0 || !back_in_time {
            return (waiting, Polled::No);
        }
        // `StoreBuilder::spin_wait` caps the time; past the clock's range, no polling.
        let Some(until) = Instant::now().checked_add(self.spin) else {
            return (waiting, Polled::No);
        };
        let ended = crate::poll::poll_until(until, || {
            slot.settled.load(Ordering::Acquire) || self.waiting.load(Ordering::Acquire) > 1
        });
        let polled = match (ended, slot.settled.load(Ordering::Acquire)) {
            (_, true) => Polled::Answered,
            (true, false) => Polled::Crowded,
            (false, false) => Polled::RanOut,
        };
        (waiting, polled)
    }

    /// Whether the last wait ended less than the polling time ago.
    pub(super) fn back_in_time(&self) -> bool {
        let since_answer = nanos(self.since.elapsed()).saturating_sub(self.last_answer.load(Ordering::Acquire));
        since_answer < nanos(self.spin)
    }
}

impl<T> Wait<T> {
    /// Waits until the answer comes, polling first when `polling` is given and lets it, then
    /// asleep; [`RecvError`] if the writer dropped the request.
    pub(super) fn recv(self, polling: Option<&Polling>) -> Result<T, RecvError> {
        let _waiting = polling.map(|p| p.poll(&self.0));
        let mut state = self
            .0
            .ready
            .wait_while(self.0.lock(), |s| matches!(s, State::Waiting))
            .unwrap_or_else(PoisonError::into_inner);
        match std::mem::replace(&mut *state, State::Dropped) {
            State::Sent(answer) => Ok(answer),
            State::Waiting | State::Dropped => Err(RecvError),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A polling whose last wait just ended, as after a caller's previous write.
    fn primed(spin: Duration) -> Polling {
        let polling = Polling::new(spin);
        let (reply, wait) = pair();
        reply.send(0);
        assert_eq!(wait.recv(Some(&polling)), Ok(0));
        polling
    }

    #[test]
    fn an_answer_sent_from_another_thread_arrives() {
        let (reply, wait) = pair();
        let t = std::thread::spawn(move || reply.send(7));
        assert_eq!(wait.recv(None), Ok(7));
        t.join().unwrap();
    }

    #[test]
    fn a_request_dropped_unanswered_is_an_error() {
        let (reply, wait) = pair::<u8>();
        std::thread::spawn(move || drop(reply)).join().unwrap();
        assert_eq!(wait.recv(Some(&primed(Duration::from_secs(5)))), Err(RecvError));
    }

    #[test]
    fn a_caller_back_within_the_polling_time_polls_until_its_answer_comes() {
        let polling = primed(Duration::from_secs(5));
        let (reply, wait) = pair();
        let started = Instant::now();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(20));
            reply.send(1);
        });
        let (waiting, polled) = polling.poll(&wait.0);
        assert_eq!(polled, Polled::Answered);
        assert!(started.elapsed() < Duration::from_secs(2), "polled on after the answer");
        drop(waiting);
        assert_eq!(wait.recv(None), Ok(1));
        t.join().unwrap();
        assert_eq!(polling.waiting.load(Ordering::Acquire), 0);
    }

    #[test]
    fn polling_stops_when_the_time_runs_out_and_the_answer_still_arrives() {
        let polling = primed(Duration::from_millis(5));
        let (reply, wait) = pair();
        let t = std::thread::spawn(move || {
            std::thread::sleep(Duration::from_millis(50));
            reply.send(2);
        });
        let (waiting, polled) = polling.poll(&wait.0);
        assert_eq!(polled, Polled::RanOut);
        drop(waiting);
        assert_eq!(wait.recv(None), Ok(2));
        t.join().unwrap();
    }

    #[test]
    fn a_caller_stops_polling_when_another_starts_waiting_and_that_one_sleeps() {
        let polling = primed(Duration::from_secs(5));
        let (first_reply, first) = pair::<u8>();
        let (second_reply, second) = pair::<u8>();
        std::thread::scope(|s| {
            let polling = &polling;
            let t = s.spawn(move || polling.poll(&first.0).1);
            while polling.waiting.load(Ordering::Acquire) == 0 {
                std::thread::yield_now();
            }
            let started = Instant::now();
            let (waiting, polled) = polling.poll(&second.0);
            assert_eq!(polled, Polled::No);
            assert_eq!(t.join().unwrap(), Polled::Crowded);
            assert!(started.elapsed() < Duration::from_secs(2), "the first caller polled on");
            drop(waiting);
        });
        drop((first_reply, second_reply));
        assert_eq!(polling.waiting.load(Ordering::Acquire), 0);
    }

    #[test]
    fn a_caller_sleeps_at_once_first_after_a_pause_and_with_no_polling_time() {
        let polling = Polling::new(Duration::from_millis(50));
        let (_reply, wait) = pair::<u8>();
        // Nothing answered yet: the threads it waits for may be asleep.
        assert_eq!(polling.poll(&wait.0).1, Polled::No);
        assert!(polling.back_in_time());
        std::thread::sleep(Duration::from_millis(60));
        assert!(!polling.back_in_time());
        assert_eq!(polling.poll(&wait.0).1, Polled::No);
        let never = primed(Duration::ZERO);
        assert!(!never.back_in_time());
        assert_eq!(never.poll(&wait.0).1, Polled::No);
    }

    #[test]
    fn a_huge_polling_time_does_not_overflow_the_clock() {
        let polling = primed(Duration::MAX);
        let (reply, wait) = pair();
        reply.send(3);
        assert_eq!(wait.recv(Some(&polling)), Ok(3));
    }

    #[test]
    fn callers_waiting_together_all_get_their_answers_and_stop_being_counted() {
        let polling = primed(Duration::from_millis(5));
        let (replies, waits): (Vec<_>, Vec<_>) = (0..8).map(|_| pair()).unzip();
        std::thread::scope(|s| {
            let callers: Vec<_> = waits
                .into_iter()
                .map(|wait| s.spawn(|| wait.recv(Some(&polling))))
                .collect();
            for (i, reply) in replies.into_iter().enumerate() {
                std::thread::sleep(Duration::from_millis(1));
                reply.send(i);
            }
            let answers: Vec<_> = callers.into_iter().map(|c| c.join().unwrap()).collect();
            assert_eq!(answers, (0..8).map(Ok).collect::<Vec<_>>());
        });
        assert_eq!(polling.waiting.load(Ordering::Acquire), 0);
    }
}
