//! Random sequences of single operations and transactions give the same replies and the same
//! final data as a reference model of Redis's semantics — wrong types, non-integers and
//! overflows included, where a failing transaction must change nothing. Checked on the embedded
//! backend and, where a `redis-server` exists, on the Redis backend.

mod common;

use std::collections::{BTreeMap, VecDeque};

use proptest::prelude::*;
use tradestore::Error;
use tradestore::kv::{Kv, KvHandle, Op, Reply};

#[derive(Clone, Debug, PartialEq)]
enum V {
    S(Vec<u8>),
    H(BTreeMap<String, Vec<u8>>),
    L(VecDeque<Vec<u8>>),
}

#[derive(Debug, PartialEq)]
enum Fail {
    WrongType,
    Invalid,
}

type Model = BTreeMap<String, V>;

fn apply(m: &mut Model, op: &Op) -> Result<Reply, Fail> {
    let key = op.key().to_owned();
    let cur = m.get(&key).cloned();
    Ok(match op {
        Op::Set { value, .. } => {
            m.insert(key, V::S(value.clone()));
            Reply::Ok
        }
        Op::Get { .. } => match cur {
            None => Reply::Value(None),
            Some(V::S(v)) => Reply::Value(Some(v)),
            _ => return Err(Fail::WrongType),
        },
        Op::Del { .. } => Reply::Bool(m.remove(&key).is_some()),
        Op::IncrBy { by, .. } => {
            let n = match cur {
                None => 0,
                Some(V::S(v)) => String::from_utf8(v)
                    .ok()
                    .and_then(|s| s.parse::<i64>().ok())
                    .ok_or(Fail::Invalid)?,
                _ => return Err(Fail::WrongType),
            };
            let n = n.checked_add(*by).ok_or(Fail::Invalid)?;
            m.insert(key, V::S(n.to_string().into_bytes()));
            Reply::Int(n)
        }
        Op::HSet { field, value, .. } => {
            let mut h = match cur {
                None => BTreeMap::new(),
                Some(V::H(h)) => h,
                _ => return Err(Fail::WrongType),
            };
            let new = h.insert(field.clone(), value.clone()).is_none();
            m.insert(key, V::H(h));
            Reply::Bool(new)
        }
        Op::HGet { field, .. } => match cur {
            None => Reply::Value(None),
            Some(V::H(h)) => Reply::Value(h.get(field).cloned()),
            _ => return Err(Fail::WrongType),
        },
        Op::HDel { field, .. } => match cur {
            None => Reply::Bool(false),
            Some(V::H(mut h)) => {
                let had = h.remove(field).is_some();
                if h.is_empty() {
                    m.remove(&key);
                } else {
                    m.insert(key, V::H(h));
                }
                Reply::Bool(had)
            }
            _ => return Err(Fail::WrongType),
        },
        Op::LPush { values, .. } | Op::RPush { values, .. } => {
            let mut l = match cur {
                None => VecDeque::new(),
                Some(V::L(l)) => l,
                _ => return Err(Fail::WrongType),
            };
            for v in values {
                if matches!(op, Op::LPush { .. }) {
                    l.push_front(v.clone());
                } else {
                    l.push_back(v.clone());
                }
            }
            let n = l.len() as i64;
            m.insert(key, V::L(l));
            Reply::Int(n)
        }
        Op::LPop { .. } | Op::RPop { .. } => match cur {
            None => Reply::Value(None),
            Some(V::L(mut l)) => {
                let v = if matches!(op, Op::LPop { .. }) {
                    l.pop_front()
                } else {
                    l.pop_back()
                };
                if l.is_empty() {
                    m.remove(&key);
                } else {
                    m.insert(key, V::L(l));
                }
                Reply::Value(v)
            }
            _ => return Err(Fail::WrongType),
        },
        other => panic!("not generated: {other:?}"),
    })
}

fn op() -> impl Strategy<Value = Op> {
    let key = prop_oneof![Just("a"), Just("b"), Just("c")].prop_map(String::from);
    let field = prop_oneof![Just("x"), Just("y")].prop_map(String::from);
    let val = prop_oneof![Just(b"1".to_vec()), Just(b"v".to_vec()), Just(b"-7".to_vec())];
    let by = prop_oneof![-3i64..4, Just(i64::MAX)];
    prop_oneof![
        (key.clone(), val.clone()).prop_map(|(key, value)| Op::Set {
            key,
            value,
            ttl_ms: None
        }),
        key.clone().prop_map(|key| Op::Get { key }),
        key.clone().prop_map(|key| Op::Del { key }),
        (key.clone(), by).prop_map(|(key, by)| Op::IncrBy { key, by }),
        (key.clone(), field.clone(), val.clone()).prop_map(|(key, field, value)| Op::HSet { key, field, value }),
        (key.clone(), field.clone()).prop_map(|(key, field)| Op::HGet { key, field }),
        (key.clone(), field).prop_map(|(key, field)| Op::HDel { key, field }),
        (key.clone(), val.clone()).prop_map(|(key, v)| Op::LPush { key, values: vec![v] }),
        (key.clone(), val).prop_map(|(key, v)| Op::RPush { key, values: vec![v] }),
        key.clone().prop_map(|key| Op::LPop { key }),
        key.prop_map(|key| Op::RPop { key }),
    ]
}

fn fail_of(e: &Error) -> Fail {
    match e {
        Error::Conflict { .. } => Fail::WrongType,
        Error::Validation { .. } => Fail::Invalid,
        other => panic!("unexpected error {other}"),
    }
}

/// Plays `steps` on `kv` and on the model; panics on the first difference.
fn check(kv: &KvHandle, steps: &[Vec<Op>]) {
    let mut model = Model::new();
    for ops in steps {
        let mut next = model.clone();
        let want: Result<Vec<Reply>, Fail> = ops.iter().map(|op| apply(&mut next, op)).collect();
        let got = kv.apply(ops.clone());
        match (&want, &got) {
            (Ok(w), Ok(g)) => {
                assert_eq!(w, g, "{ops:?}");
                model = next;
            }
            (Err(w), Err(g)) => assert_eq!(*w, fail_of(g), "{ops:?}: {g}"),
            _ => panic!("{ops:?}: model {want:?}, backend {got:?}"),
        }
    }
    for key in ["a", "b", "c"] {
        let stored = match model.get(key) {
            None => None,
            Some(V::S(v)) => Some(V::S(v.clone())),
            Some(V::H(_)) => Some(V::H(kv.hgetall(key).unwrap().into_iter().collect())),
            Some(V::L(_)) => Some(V::L(kv.lrange(key, 0, -1).unwrap().into())),
        };
        if let Some(V::S(_)) = stored {
            assert_eq!(kv.get(key).unwrap().map(V::S), model.get(key).cloned());
        } else {
            assert_eq!(stored.as_ref(), model.get(key), "final value of {key}");
        }
        assert_eq!(kv.exists(key).unwrap(), model.contains_key(key));
    }
}

fn steps() -> impl Strategy<Value = Vec<Vec<Op>>> {
    proptest::collection::vec(proptest::collection::vec(op(), 1..4), 1..30)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]
    #[test]
    fn embedded_matches_model(steps in steps()) {
        let (_d, store) = common::store();
        check(&store.kv(), &steps);
    }
}

#[cfg(feature = "redis")]
#[test]
fn redis_matches_model() {
    let Some(server) = common::RedisServer::start(&[]) else {
        return;
    };
    let (_d, store) = common::redis_store(&server);
    let kv = store.kv();
    let raw = std::cell::RefCell::new(redis::Client::open(server.url()).unwrap().get_connection().unwrap());
    let mut runner = proptest::test_runner::TestRunner::new(ProptestConfig {
        cases: 32,
        ..ProptestConfig::default()
    });
    runner
        .run(&steps(), |steps| {
            redis::cmd("FLUSHALL").query::<()>(&mut *raw.borrow_mut()).unwrap();
            check(&kv, &steps);
            Ok(())
        })
        .unwrap();
    assert!(!kv.stats().unwrap().degraded);
}
