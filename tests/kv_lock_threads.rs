//! Locks: tokens, fencing numbers, release and extend only with the right token, expiry, and
//! mutual exclusion between threads — on each backend.

mod common;

use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use tradestore::Error;
use tradestore::kv::Kv;

#[test]
fn token_fencing_release_extend_expiry() {
    common::on_each_backend(|kv| {
        let ttl = Duration::from_secs(30);
        let a = kv.acquire_lock("pair:BTC-EUR", ttl, "bot-a").unwrap();
        assert_eq!(a.token.len(), 32);
        assert!(a.token.chars().all(|c| c.is_ascii_hexdigit()));
        match kv.acquire_lock("pair:BTC-EUR", ttl, "bot-b") {
            Err(Error::Locked(why)) => assert!(why.contains("bot-a"), "{why}"),
            other => panic!("second taker got {other:?}"),
        }
        assert!(matches!(
            kv.release_lock("pair:BTC-EUR", "0".repeat(32).as_str()),
            Err(Error::Locked(_))
        ));
        assert!(matches!(
            kv.extend_lock("pair:BTC-EUR", "nope", ttl),
            Err(Error::Locked(_))
        ));
        let ext = kv
            .extend_lock("pair:BTC-EUR", &a.token, Duration::from_secs(60))
            .unwrap();
        assert_eq!(ext.fencing, a.fencing);
        assert!(ext.expires_at > a.expires_at);
        kv.release_lock("pair:BTC-EUR", &a.token).unwrap();
        assert!(matches!(
            kv.release_lock("pair:BTC-EUR", &a.token),
            Err(Error::NotFound(_))
        ));

        let b = kv
            .acquire_lock("pair:BTC-EUR", Duration::from_millis(100), "bot-b")
            .unwrap();
        assert!(b.fencing > a.fencing);
        assert_ne!(b.token, a.token);
        // A holder that does not extend loses the lock when its TTL runs out.
        std::thread::sleep(Duration::from_millis(250));
        assert!(matches!(
            kv.extend_lock("pair:BTC-EUR", &b.token, ttl),
            Err(Error::NotFound(_))
        ));
        let c = kv.acquire_lock("pair:BTC-EUR", ttl, "bot-c").unwrap();
        assert!(c.fencing > b.fencing);
        assert!(matches!(
            kv.release_lock("pair:BTC-EUR", &b.token),
            Err(Error::Locked(_))
        ));
        // Other names are independent.
        kv.acquire_lock("pair:ETH-EUR", ttl, "bot-a").unwrap();
    });
}

#[test]
fn threads_never_overlap() {
    common::on_each_backend(|kv| {
        let inside = AtomicBool::new(false);
        let order = Mutex::new(Vec::new());
        std::thread::scope(|s| {
            for t in 0..6 {
                let (inside, order) = (&inside, &order);
                s.spawn(move || {
                    for _ in 0..10 {
                        let g = kv
                            .acquire_lock_wait(
                                "shared",
                                Duration::from_secs(30),
                                &format!("t{t}"),
                                Duration::from_secs(60),
                            )
                            .unwrap();
                        assert!(!inside.swap(true, Ordering::SeqCst), "two holders at once");
                        order.lock().unwrap().push(g.fencing);
                        std::thread::sleep(Duration::from_micros(200));
                        inside.store(false, Ordering::SeqCst);
                        kv.release_lock("shared", &g.token).unwrap();
                    }
                });
            }
        });
        let order = order.into_inner().unwrap();
        assert_eq!(order.len(), 60);
        assert!(
            order.windows(2).all(|w| w[0] < w[1]),
            "fencing went backwards: {order:?}"
        );
    });
}
