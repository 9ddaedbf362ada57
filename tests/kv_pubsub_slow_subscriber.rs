//! Pub/sub: publish reaches every subscriber of the channel; a slow subscriber's full queue
//! drops its oldest messages (counted) and never blocks the publisher.

mod common;

use std::time::Duration;

use tradestore::Store;
use tradestore::kv::Kv;

#[test]
fn drop_oldest_when_full() -> tradestore::Result<()> {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::builder().kv_pubsub_capacity(4).open(dir.path())?;
    let kv = store.kv();
    let slow = kv.subscribe("signals")?;
    let other = kv.subscribe("signals")?;
    let elsewhere = kv.subscribe("fills")?;
    for i in 0..10u8 {
        assert_eq!(kv.publish("signals", &[i])?, 2);
        // `other` keeps up.
        assert_eq!(
            other.recv_timeout(Duration::from_secs(1)).map(|m| m.payload),
            Some(vec![i])
        );
    }
    let got: Vec<u8> = std::iter::from_fn(|| slow.try_recv()).map(|m| m.payload[0]).collect();
    assert_eq!(got, vec![6, 7, 8, 9]);
    assert_eq!(slow.dropped(), 6);
    assert_eq!(other.dropped(), 0);
    assert_eq!(kv.stats()?.pubsub_dropped, 6);
    assert!(elsewhere.try_recv().is_none());
    drop(slow);
    drop(other);
    assert_eq!(kv.publish("signals", b"nobody")?, 0);
    Ok(())
}

#[test]
fn publish_reaches_subscribers_on_each_backend() {
    common::on_each_backend(|kv| {
        let sub = kv.subscribe("p:ticks").unwrap();
        assert!(kv.publish("p:ticks", b"BTC 60000").unwrap() >= 1);
        let m = sub.recv_timeout(Duration::from_secs(5)).expect("message delivered");
        assert_eq!(m.channel, "p:ticks");
        assert_eq!(m.payload, b"BTC 60000");
    });
}
