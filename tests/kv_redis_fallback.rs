//! The Redis backend falls back to the embedded tables when the server dies mid-run, reports
//! `degraded`, and switches back when the server returns. Writes made during the fallback stay
//! in the embedded tables (they are not replayed into Redis).

mod common;

#[cfg(not(feature = "redis"))]
#[test]
fn needs_the_redis_feature() {
    common::require_redis_feature();
    eprintln!("note: built without the `redis` feature; the Redis fallback test did not run");
}

#[cfg(feature = "redis")]
#[test]
fn falls_back_and_recovers() -> tradestore::Result<()> {
    use std::time::{Duration, Instant};

    use tradestore::kv::{Kv, KvHandle};

    let Some(mut server) = common::RedisServer::start(&[]) else {
        return Ok(());
    };
    let (_dir, store) = common::redis_store(&server);
    let kv = store.kv();
    assert!(matches!(kv, KvHandle::Redis(_)));
    kv.set("before", b"in redis", None)?;
    assert!(!kv.stats()?.degraded);

    let early = kv.subscribe("early")?;

    server.kill();
    // Calls keep working, served by the embedded backend.
    kv.set("during", b"local", None)?;
    assert_eq!(kv.incr_by("n", 1)?, 1);
    let s = kv.stats()?;
    assert!(s.degraded, "{s:?}");
    assert!(s.fallback_writes >= 2, "{s:?}");
    assert_eq!(kv.get("during")?, Some(b"local".to_vec()));
    assert_eq!(kv.get("before")?, None, "Redis data is not visible while Redis is down");
    let g = kv.acquire_lock("during-outage", Duration::from_secs(30), "me")?;
    kv.release_lock("during-outage", &g.token)?;

    server.restart();
    let deadline = Instant::now() + Duration::from_secs(20);
    while kv.stats()?.degraded {
        assert!(Instant::now() < deadline, "never switched back to Redis");
        std::thread::sleep(Duration::from_millis(50));
    }
    kv.set("after", b"in redis again", None)?;
    let mut raw = redis::Client::open(server.url()).unwrap().get_connection().unwrap();
    let v: Option<Vec<u8>> = redis::cmd("GET").arg("after").query(&mut raw).unwrap();
    assert_eq!(v, Some(b"in redis again".to_vec()));
    // The fallback write was not replayed into Redis.
    let v: Option<Vec<u8>> = redis::cmd("GET").arg("during").query(&mut raw).unwrap();
    assert_eq!(v, None);
    assert_eq!(kv.get("during")?, None);
    // ...but it is still in this store's embedded tables.
    assert_eq!(
        tradestore::kv::EmbeddedKv::new(&store).get("during")?,
        Some(b"local".to_vec())
    );

    // A subscription made before the outage gets messages again once the subscriber
    // connection has reconnected and subscribed again.
    let deadline = Instant::now() + Duration::from_secs(20);
    while kv.publish("early", b"back")? == 0 {
        assert!(Instant::now() < deadline, "the subscriber never came back");
        std::thread::sleep(Duration::from_millis(50));
    }
    assert_eq!(
        early.recv_timeout(Duration::from_secs(5)).map(|m| m.payload),
        Some(b"back".to_vec())
    );

    // New subscriptions work too.
    let sub = kv.subscribe("after-restart")?;
    assert!(kv.publish("after-restart", b"hello")? >= 1);
    assert_eq!(
        sub.recv_timeout(Duration::from_secs(5)).map(|m| m.payload),
        Some(b"hello".to_vec())
    );
    Ok(())
}
