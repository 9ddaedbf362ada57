//! `transaction` applies a mix of operations in one commit, or none of them when any fails.

mod common;

use tradestore::kv::{Kv, Reply};

#[test]
fn all_or_nothing() {
    common::on_each_backend(|kv| {
        kv.set("t:balance", b"100", None).unwrap();
        let replies = kv
            .transaction(|tx| {
                tx.incr_by("t:balance", -30)
                    .hset("t:order", "qty", "0.5")
                    .rpush("t:log", "filled")
                    .get("t:balance")
                    .del("t:missing");
                Ok(())
            })
            .unwrap();
        assert_eq!(
            replies,
            vec![
                Reply::Int(70),
                Reply::Bool(true),
                Reply::Int(1),
                Reply::Value(Some(b"70".to_vec())),
                Reply::Bool(false)
            ]
        );

        // The third operation fails (the key is a hash): nothing of the transaction is applied.
        let err = kv
            .transaction(|tx| {
                tx.incr_by("t:balance", -30)
                    .set("t:new", "x", None)
                    .rpush("t:order", "boom");
                Ok(())
            })
            .unwrap_err();
        assert!(matches!(err, tradestore::Error::Conflict { .. }), "{err}");
        assert_eq!(kv.get("t:balance").unwrap(), Some(b"70".to_vec()));
        assert_eq!(kv.get("t:new").unwrap(), None);

        // An overflow in the middle also rolls everything back.
        kv.set("t:big", i64::MAX.to_string().as_bytes(), None).unwrap();
        assert!(
            kv.transaction(|tx| {
                tx.rpush("t:log", "second").incr_by("t:big", 1);
                Ok(())
            })
            .is_err()
        );
        assert_eq!(kv.llen("t:log").unwrap(), 1);

        // An error from the builder applies nothing.
        assert!(
            kv.transaction(|tx| {
                tx.set("t:never", "x", None);
                Err(tradestore::Error::validation("test", "changed my mind"))
            })
            .is_err()
        );
        assert!(!kv.exists("t:never").unwrap());
    });
}
