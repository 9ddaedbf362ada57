//! In-process pub/sub over bounded crossbeam queues.
//!
//! Policy for a slow subscriber: the publisher never blocks. When a subscriber's queue is full,
//! its **oldest** message is dropped to make room for the new one and the drop is counted (per
//! subscription in [`Subscription::dropped`], in total in [`KvStats`](super::KvStats)). A
//! trading signal that is stale is worth less than the next one, and a stuck subscriber must
//! not stall the bot that publishes.
//!
//! Embedded pub/sub reaches the subscribers of the same process only: nothing is written to the
//! store file, so another process sharing the store does not see the messages. With the Redis
//! backend messages go through the Redis server and reach every process subscribed there.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError};

/// One published message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    /// The channel it was published on.
    pub channel: String,
    /// The payload.
    pub payload: Vec<u8>,
}

struct Queue {
    tx: Sender<Message>,
    // Kept so the publisher can drop the oldest message of a full queue.
    rx: Receiver<Message>,
    dropped: AtomicU64,
}

/// A subscription to one channel. Dropping it unsubscribes.
pub struct Subscription {
    queue: Arc<Queue>,
    channel: String,
}

impl std::fmt::Debug for Subscription {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subscription")
            .field("channel", &self.channel)
            .field("queued", &self.queue.rx.len())
            .finish()
    }
}

impl Subscription {
    /// The channel subscribed to.
    pub fn channel(&self) -> &str {
        &self.channel
    }

    /// The next message, waiting at most `timeout`; `None` if none came.
    pub fn recv_timeout(&self, timeout: Duration) -> Option<Message> {
        self.queue.rx.recv_timeout(timeout).ok()
    }

    /// The next message if one is queued.
    pub fn try_recv(&self) -> Option<Message> {
        self.queue.rx.try_recv().ok()
    }

    /// Messages dropped from this subscription's queue because it was full.
    pub fn dropped(&self) -> u64 {
        self.queue.dropped.load(Ordering::Relaxed)
    }
}

/// The subscribers of this process, by channel.
pub(crate) struct PubSub {
    channels: Mutex<HashMap<String, Vec<Weak<Queue>>>>,
    capacity: usize,
    dropped: AtomicU64,
}

impl PubSub {
    pub(crate) fn new(capacity: usize) -> Self {
        PubSub {
            channels: Mutex::new(HashMap::new()),
            capacity: capacity.max(1),
            dropped: AtomicU64::new(0),
        }
    }

    pub(super) fn subscribe(&self, channel: &str) -> Subscription {
        let (tx, rx) = crossbeam_channel::bounded(self.capacity);
        let queue = Arc::new(Queue {
            tx,
            rx,
            dropped: AtomicU64::new(0),
        });
        let mut map = self.channels.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        map.entry(channel.to_owned()).or_default().push(Arc::downgrade(&queue));
        Subscription {
            queue,
            channel: channel.to_owned(),
        }
    }

    /// Delivers `payload` to this process's subscribers of `channel`; returns how many.
    pub(super) fn deliver(&self, channel: &str, payload: &[u8]) -> usize {
        let queues: Vec<Arc<Queue>> = {
            let mut map = self.channels.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            let Some(list) = map.get_mut(channel) else { return 0 };
            list.retain(|w| w.strong_count() > 0);
            let live: Vec<Arc<Queue>> = list.iter().filter_map(Weak::upgrade).collect();
            if list.is_empty() {
                map.remove(channel);
            }
            live
        };
        let mut delivered = 0;
        for q in &queues {
            let mut msg = Message {
                channel: channel.to_owned(),
                payload: payload.to_vec(),
            };
            loop {
                match q.tx.try_send(msg) {
                    Ok(()) => {
                        delivered += 1;
                        break;
                    }
                    Err(TrySendError::Full(m)) => {
                        if q.rx.try_recv().is_ok() {
                            q.dropped.fetch_add(1, Ordering::Relaxed);
                            self.dropped.fetch_add(1, Ordering::Relaxed);
                        }
                        msg = m;
                    }
                    Err(TrySendError::Disconnected(_)) => break,
                }
            }
        }
        delivered
    }

    pub(super) fn dropped(&self) -> u64 {
        self.dropped.load(Ordering::Relaxed)
    }
}
