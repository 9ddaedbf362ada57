//! The one answer the writer thread sends to a caller waiting for its write.
//!
//! A caller waits for its answer as long as a sync of the operation log at least (tens to
//! hundreds of microseconds), so it sleeps on a condition variable at once. A channel would
//! first spin and yield the processor for a while, taking CPU time from the writer and the
//! log's sync thread on a machine with few cores.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use crossbeam_channel::RecvError;

enum State<T> {
    Waiting,
    Sent(T),
    /// The writer dropped the request without answering it (it stopped).
    Dropped,
}

struct Slot<T> {
    state: Mutex<State<T>>,
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

impl<T> Wait<T> {
    /// Sleeps until the answer comes; [`RecvError`] if the writer dropped the request.
    pub(super) fn recv(self) -> Result<T, RecvError> {
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

    #[test]
    fn an_answer_sent_from_another_thread_arrives() {
        let (reply, wait) = pair();
        let t = std::thread::spawn(move || reply.send(7));
        assert_eq!(wait.recv(), Ok(7));
        t.join().unwrap();
    }

    #[test]
    fn a_request_dropped_unanswered_is_an_error() {
        let (reply, wait) = pair::<u8>();
        std::thread::spawn(move || drop(reply)).join().unwrap();
        assert_eq!(wait.recv(), Err(RecvError));
    }
}
