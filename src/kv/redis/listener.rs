//! The Redis subscriber thread: one connection in subscribe mode per store, forwarding every
//! message to this process's subscribers (the same bounded queues and drop-oldest policy as the
//! embedded backend).
//!
//! New channels are handed to the thread with an acknowledgement, so a `subscribe` returns only
//! once Redis has confirmed it. When the connection breaks, the thread reconnects with
//! exponential backoff (100 ms doubling to 5 s) and subscribes to every channel again; messages
//! published while it was away are lost, as with any Redis subscriber.

use std::collections::BTreeSet;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use redis::{Client, Connection};

use crate::kv::pubsub::PubSub;
use crate::{Error, Result};

const POLL: Duration = Duration::from_millis(50);

type Ask = (String, Sender<bool>);

pub(crate) struct Listener {
    asks: Sender<Ask>,
    stop: Arc<AtomicBool>,
    handle: std::sync::Mutex<Option<JoinHandle<()>>>,
}

impl Listener {
    pub(crate) fn start(client: Client, local: Arc<PubSub>) -> Result<Listener> {
        let (asks, rx) = crossbeam_channel::unbounded::<Ask>();
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let handle = std::thread::Builder::new()
            .name("tradestore-kv-redis-sub".into())
            .spawn(move || run(&client, &local, &rx, &flag))
            .map_err(|e| Error::io("tradestore-kv-redis-sub thread", e))?;
        Ok(Listener {
            asks,
            stop,
            handle: std::sync::Mutex::new(Some(handle)),
        })
    }

    /// Asks the thread to subscribe to `channel`; waits up to `wait` for Redis to confirm.
    /// Returns whether it did (false: Redis is unreachable; the thread keeps trying).
    pub(crate) fn subscribe(&self, channel: &str, wait: Duration) -> bool {
        let (tx, rx) = crossbeam_channel::bounded(1);
        if self.asks.send((channel.to_owned(), tx)).is_err() {
            return false;
        }
        rx.recv_timeout(wait).unwrap_or(false)
    }

    pub(crate) fn shutdown(&self) {
        self.stop.store(true, Ordering::Release);
        let h = self
            .handle
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        if let Some(h) = h {
            let _ = h.join();
        }
    }
}

fn connect(client: &Client) -> Option<Connection> {
    let c = client.get_connection_with_timeout(Duration::from_millis(250)).ok()?;
    c.set_read_timeout(Some(POLL)).ok()?;
    Some(c)
}

fn run(client: &Client, local: &PubSub, asks: &Receiver<Ask>, stop: &AtomicBool) {
    let mut channels: BTreeSet<String> = BTreeSet::new();
    let mut backoff = Duration::from_millis(100);
    while !stop.load(Ordering::Acquire) {
        let Some(mut conn) = connect(client) else {
            // Unreachable: refuse pending asks (they stay registered and are subscribed on
            // reconnect), then wait.
            while let Ok((ch, ack)) = asks.try_recv() {
                channels.insert(ch);
                let _ = ack.send(false);
            }
            sleep_unless_stopped(backoff, stop);
            backoff = (backoff * 2).min(Duration::from_secs(5));
            continue;
        };
        backoff = Duration::from_millis(100);
        let mut ps = conn.as_pubsub();
        if channels.iter().try_for_each(|c| ps.subscribe(c)).is_err() {
            continue;
        }
        while !stop.load(Ordering::Acquire) {
            while let Ok((ch, ack)) = asks.try_recv() {
                let ok = channels.contains(&ch) || ps.subscribe(&ch).is_ok();
                channels.insert(ch);
                let _ = ack.send(ok);
            }
            match ps.get_message() {
                Ok(msg) => {
                    let payload: Vec<u8> = msg.get_payload_bytes().to_vec();
                    local.deliver(msg.get_channel_name(), &payload);
                }
                Err(e) if e.is_timeout() => {}
                Err(_) => break,
            }
        }
    }
}

fn sleep_unless_stopped(d: Duration, stop: &AtomicBool) {
    let end = std::time::Instant::now() + d;
    while !stop.load(Ordering::Acquire) && std::time::Instant::now() < end {
        std::thread::sleep(POLL);
    }
}
