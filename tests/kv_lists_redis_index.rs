//! Lists follow Redis's index rules: LPUSH order, negative indexes, clamped and empty ranges.
//! Checked against a reference model for random push/pop sequences and ranges.

mod common;

use std::collections::VecDeque;

use proptest::prelude::*;
use tradestore::kv::Kv;

fn model_range(m: &VecDeque<Vec<u8>>, start: i64, stop: i64) -> Vec<Vec<u8>> {
    let n = m.len() as i64;
    let s = if start < 0 { (start + n).max(0) } else { start };
    let e = if stop < 0 { stop + n } else { stop.min(n - 1) };
    if n == 0 || s > e || s >= n {
        return Vec::new();
    }
    (s..=e).map(|i| m[i as usize].clone()).collect()
}

#[test]
fn list_basics() {
    common::on_each_backend(|kv| {
        assert_eq!(kv.lpush("l:q", &[b"a", b"b", b"c"]).unwrap(), 3);
        assert_eq!(kv.rpush("l:q", &[b"d"]).unwrap(), 4);
        let all = kv.lrange("l:q", 0, -1).unwrap();
        assert_eq!(all, vec![b"c".to_vec(), b"b".to_vec(), b"a".to_vec(), b"d".to_vec()]);
        assert_eq!(kv.lrange("l:q", -2, -1).unwrap(), vec![b"a".to_vec(), b"d".to_vec()]);
        assert_eq!(kv.lrange("l:q", -100, 0).unwrap(), vec![b"c".to_vec()]);
        assert_eq!(kv.lrange("l:q", 2, 100).unwrap(), vec![b"a".to_vec(), b"d".to_vec()]);
        assert!(kv.lrange("l:q", 3, 1).unwrap().is_empty());
        assert!(kv.lrange("l:q", 10, 20).unwrap().is_empty());
        assert_eq!(kv.llen("l:q").unwrap(), 4);
        assert_eq!(kv.lpop("l:q").unwrap(), Some(b"c".to_vec()));
        assert_eq!(kv.rpop("l:q").unwrap(), Some(b"d".to_vec()));
        assert_eq!(kv.rpop("l:q").unwrap(), Some(b"a".to_vec()));
        assert_eq!(kv.rpop("l:q").unwrap(), Some(b"b".to_vec()));
        assert_eq!(kv.rpop("l:q").unwrap(), None);
        assert!(!kv.exists("l:q").unwrap());
    });
}

#[derive(Debug, Clone)]
enum Step {
    L(u8),
    R(u8),
    PopL,
    PopR,
    Range(i64, i64),
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        any::<u8>().prop_map(Step::L),
        any::<u8>().prop_map(Step::R),
        Just(Step::PopL),
        Just(Step::PopR),
        (-12i64..12, -12i64..12).prop_map(|(a, b)| Step::Range(a, b)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
    #[test]
    fn matches_the_model(steps in proptest::collection::vec(step(), 1..40)) {
        let (_d, store) = common::store();
        let kv = store.kv();
        let mut m: VecDeque<Vec<u8>> = VecDeque::new();
        for s in steps {
            match s {
                Step::L(v) => { m.push_front(vec![v]); prop_assert_eq!(kv.lpush("q", &[&[v]]).unwrap(), m.len() as u64); }
                Step::R(v) => { m.push_back(vec![v]); prop_assert_eq!(kv.rpush("q", &[&[v]]).unwrap(), m.len() as u64); }
                Step::PopL => prop_assert_eq!(kv.lpop("q").unwrap(), m.pop_front()),
                Step::PopR => prop_assert_eq!(kv.rpop("q").unwrap(), m.pop_back()),
                Step::Range(a, b) => prop_assert_eq!(kv.lrange("q", a, b).unwrap(), model_range(&m, a, b)),
            }
            prop_assert_eq!(kv.llen("q").unwrap(), m.len() as u64);
        }
    }
}
