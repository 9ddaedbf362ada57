//! Strings with a time to live: expired keys are never returned, on either backend.

mod common;

use std::time::Duration;

use tradestore::kv::{KeyTtl, Kv};

#[test]
fn set_get_del_exists_expire_ttl() {
    common::on_each_backend(|kv| {
        assert_eq!(kv.get("s:a").unwrap(), None);
        kv.set("s:a", b"one", None).unwrap();
        assert_eq!(kv.get("s:a").unwrap(), Some(b"one".to_vec()));
        assert!(kv.exists("s:a").unwrap());
        assert_eq!(kv.ttl("s:a").unwrap(), KeyTtl::Persistent);
        assert!(kv.expire("s:a", Duration::from_secs(100)).unwrap());
        match kv.ttl("s:a").unwrap() {
            KeyTtl::Expires(d) => assert!(d > Duration::from_secs(98) && d <= Duration::from_secs(100), "{d:?}"),
            other => panic!("expected an expiry, got {other:?}"),
        }
        // SET without a TTL clears the expiry, as in Redis.
        kv.set("s:a", b"two", None).unwrap();
        assert_eq!(kv.ttl("s:a").unwrap(), KeyTtl::Persistent);
        assert!(kv.del("s:a").unwrap());
        assert!(!kv.del("s:a").unwrap());
        assert!(!kv.exists("s:a").unwrap());
        assert_eq!(kv.ttl("s:a").unwrap(), KeyTtl::Missing);
        assert!(!kv.expire("s:a", Duration::from_secs(1)).unwrap());
        // Binary values survive as they are.
        let bytes: Vec<u8> = (0..=255).collect();
        kv.set("s:bin", &bytes, None).unwrap();
        assert_eq!(kv.get("s:bin").unwrap(), Some(bytes));
    });
}

#[test]
fn expired_keys_are_never_returned() {
    common::on_each_backend(|kv| {
        // TTLs long enough that the durable writes before the first read cannot outlast them on
        // a loaded machine, and a sleep well past them.
        let ttl = Duration::from_millis(600);
        kv.set("s:short", b"x", Some(ttl)).unwrap();
        kv.hset("s:h", "f", b"v").unwrap();
        kv.expire("s:h", ttl).unwrap();
        kv.rpush("s:l", &[b"a", b"b"]).unwrap();
        kv.expire("s:l", ttl).unwrap();
        assert_eq!(kv.get("s:short").unwrap(), Some(b"x".to_vec()));
        std::thread::sleep(ttl + Duration::from_millis(400));
        assert_eq!(kv.get("s:short").unwrap(), None);
        assert!(!kv.exists("s:short").unwrap());
        assert_eq!(kv.ttl("s:short").unwrap(), KeyTtl::Missing);
        assert_eq!(kv.hget("s:h", "f").unwrap(), None);
        assert!(kv.hgetall("s:h").unwrap().is_empty());
        assert!(kv.lrange("s:l", 0, -1).unwrap().is_empty());
        assert_eq!(kv.llen("s:l").unwrap(), 0);
        // A write on an expired key starts from nothing.
        assert_eq!(kv.rpush("s:l", &[b"c"]).unwrap(), 1);
        assert_eq!(kv.incr_by("s:short", 5).unwrap(), 5);
    });
}

#[test]
fn zero_ttl_is_refused() {
    common::on_each_backend(|kv| {
        let err = kv.set("s:z", b"x", Some(Duration::ZERO)).unwrap_err();
        assert!(matches!(err, tradestore::Error::Validation { .. }), "{err}");
        assert_eq!(kv.get("s:z").unwrap(), None);
    });
}
