//! Counters: atomic increments from many threads, overflow and non-integers refused.

mod common;

use tradestore::Error;
use tradestore::kv::Kv;

#[test]
fn counters() {
    common::on_each_backend(|kv| {
        assert_eq!(kv.incr_by("c:n", 5).unwrap(), 5);
        assert_eq!(kv.incr_by("c:n", -7).unwrap(), -2);
        assert_eq!(kv.get("c:n").unwrap(), Some(b"-2".to_vec()));

        kv.set("c:max", i64::MAX.to_string().as_bytes(), None).unwrap();
        let err = kv.incr_by("c:max", 1).unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err}");
        assert_eq!(kv.get("c:max").unwrap(), Some(i64::MAX.to_string().into_bytes()));

        kv.set("c:text", b"abc", None).unwrap();
        let err = kv.incr_by("c:text", 1).unwrap_err();
        assert!(matches!(err, Error::Validation { .. }), "{err}");

        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..50 {
                        kv.incr_by("c:shared", 1).unwrap();
                    }
                });
            }
        });
        assert_eq!(kv.get("c:shared").unwrap(), Some(b"400".to_vec()));
    });
}
