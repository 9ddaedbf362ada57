//! A key holding one type refuses the operations of another (Redis's WRONGTYPE), changing
//! nothing; `set` and `del` work on any type.

mod common;

use tradestore::Error;
use tradestore::kv::Kv;

fn wrong(r: tradestore::Result<impl std::fmt::Debug>) {
    match r {
        Err(Error::Conflict { detail, .. }) => assert!(detail.contains("wrong type"), "{detail}"),
        other => panic!("expected a wrong-type conflict, got {other:?}"),
    }
}

#[test]
fn wrong_type_is_refused() {
    common::on_each_backend(|kv| {
        kv.set("w:s", b"1", None).unwrap();
        kv.hset("w:h", "f", b"1").unwrap();
        kv.rpush("w:l", &[b"1"]).unwrap();
        wrong(kv.hget("w:s", "f"));
        wrong(kv.hset("w:s", "f", b"1"));
        wrong(kv.lpush("w:s", &[b"1"]));
        wrong(kv.lrange("w:h", 0, -1));
        wrong(kv.get("w:h"));
        wrong(kv.incr_by("w:l", 1));
        wrong(kv.rpop("w:h"));
        wrong(kv.hgetall("w:l"));
        assert_eq!(kv.lrange("w:l", 0, -1).unwrap(), vec![b"1".to_vec()]);
        // SET replaces any type, DEL removes any type.
        kv.set("w:l", b"now a string", None).unwrap();
        assert_eq!(kv.get("w:l").unwrap(), Some(b"now a string".to_vec()));
        assert!(kv.del("w:h").unwrap());
        kv.rpush("w:h", &[b"x"]).unwrap();
    });
}
