//! Hashes: set, get, get all (sorted by field), delete; an emptied hash disappears.

mod common;

use tradestore::kv::Kv;

#[test]
fn hashes() {
    common::on_each_backend(|kv| {
        assert!(kv.hset("h:cfg", "max_pos", b"0.5").unwrap());
        assert!(kv.hset("h:cfg", "mode", b"paper").unwrap());
        assert!(!kv.hset("h:cfg", "mode", b"live").unwrap());
        assert_eq!(kv.hget("h:cfg", "mode").unwrap(), Some(b"live".to_vec()));
        assert_eq!(kv.hget("h:cfg", "nope").unwrap(), None);
        assert_eq!(kv.hget("h:none", "mode").unwrap(), None);
        assert_eq!(
            kv.hgetall("h:cfg").unwrap(),
            vec![
                ("max_pos".to_owned(), b"0.5".to_vec()),
                ("mode".to_owned(), b"live".to_vec())
            ]
        );
        assert!(kv.hdel("h:cfg", "mode").unwrap());
        assert!(!kv.hdel("h:cfg", "mode").unwrap());
        assert!(kv.hdel("h:cfg", "max_pos").unwrap());
        assert!(!kv.exists("h:cfg").unwrap());
        assert!(kv.hgetall("h:cfg").unwrap().is_empty());
    });
}
