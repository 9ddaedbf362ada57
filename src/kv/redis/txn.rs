//! Transactions on Redis: `WATCH` the keys, check every operation against what the keys hold,
//! then `MULTI … EXEC`.
//!
//! `MULTI/EXEC` alone is not all-or-nothing: a command that fails inside it (wrong type,
//! overflow) leaves the others applied. So the keys are watched, their types and the values that
//! matter are read, and the operations are played on that model first; a transaction that would
//! fail is refused before anything is sent. If another client changes a watched key in between,
//! `EXEC` applies nothing and the whole round is retried.

use std::collections::{BTreeSet, HashMap};

use redis::{Connection, Pipeline, RedisResult, Value};

use super::ops;
use crate::kv::types::{incr, wrong_type};
use crate::kv::{Op, Reply};
use crate::{Error, Result};

const MAX_ROUNDS: usize = 64;

enum Model {
    None,
    Str(Vec<u8>),
    Hash(BTreeSet<String>),
    List(i64),
}

impl Model {
    fn name(&self) -> &'static str {
        match self {
            Model::None => "none",
            Model::Str(_) => "string",
            Model::Hash(_) => "hash",
            Model::List(_) => "list",
        }
    }
}

fn want(key: &str, m: &Model, wanted: &str) -> Result<()> {
    match m {
        Model::None => Ok(()),
        Model::Str(_) if wanted == "string" => Ok(()),
        Model::Hash(_) if wanted == "hash" => Ok(()),
        Model::List(_) if wanted == "list" => Ok(()),
        other => Err(wrong_type(key, other.name(), wanted)),
    }
}

/// Plays `ops` on `models`; an error means the transaction would fail on the server.
fn check(ops: &[Op], models: &mut HashMap<String, Model>) -> Result<()> {
    for op in ops {
        let key = op.key();
        let m = models.entry(key.to_owned()).or_insert(Model::None);
        match op {
            Op::Set { value, .. } => *m = Model::Str(value.clone()),
            Op::Get { .. } => want(key, m, "string")?,
            Op::Del { .. } => *m = Model::None,
            Op::Expire { .. } => {}
            Op::IncrBy { by, .. } => {
                want(key, m, "string")?;
                let cur = match m {
                    Model::Str(v) => v.as_slice(),
                    _ => &[],
                };
                *m = Model::Str(incr(key, cur, *by)?.to_string().into_bytes());
            }
            Op::HSet { field, .. } => {
                want(key, m, "hash")?;
                if let Model::Hash(f) = m {
                    f.insert(field.clone());
                } else {
                    *m = Model::Hash(BTreeSet::from([field.clone()]));
                }
            }
            Op::HGet { .. } => want(key, m, "hash")?,
            Op::HDel { field, .. } => {
                want(key, m, "hash")?;
                if let Model::Hash(f) = m {
                    f.remove(field);
                    if f.is_empty() {
                        *m = Model::None;
                    }
                }
            }
            Op::LPush { values, .. } | Op::RPush { values, .. } => {
                want(key, m, "list")?;
                let n = i64::try_from(values.len()).unwrap_or(i64::MAX);
                *m = Model::List(if let Model::List(l) = m { l.saturating_add(n) } else { n });
            }
            Op::LPop { .. } | Op::RPop { .. } => {
                want(key, m, "list")?;
                if let Model::List(l) = m {
                    *m = if *l <= 1 { Model::None } else { Model::List(*l - 1) };
                }
            }
        }
    }
    Ok(())
}

/// Reads what the watched `keys` hold.
fn load(conn: &mut Connection, keys: &[&str]) -> RedisResult<Result<HashMap<String, Model>>> {
    let mut pipe = Pipeline::new();
    for k in keys {
        pipe.cmd("TYPE").arg(*k);
    }
    let types: Vec<String> = pipe.query(conn)?;
    let mut pipe = Pipeline::new();
    for (k, t) in keys.iter().zip(&types) {
        match t.as_str() {
            "string" => pipe.cmd("GET").arg(*k),
            "list" => pipe.cmd("LLEN").arg(*k),
            "hash" => pipe.cmd("HKEYS").arg(*k),
            _ => pipe.cmd("EXISTS").arg(*k),
        };
    }
    let values: Vec<Value> = pipe.query(conn)?;
    let mut out = HashMap::new();
    for ((k, t), v) in keys.iter().zip(&types).zip(values) {
        let m = match (t.as_str(), v) {
            ("string", Value::BulkString(b)) => Model::Str(b),
            ("list", Value::Int(n)) => Model::List(n),
            ("hash", Value::Array(fields)) => Model::Hash(
                fields
                    .into_iter()
                    .filter_map(|f| match f {
                        Value::BulkString(b) => String::from_utf8(b).ok(),
                        _ => None,
                    })
                    .collect(),
            ),
            ("none", _) => Model::None,
            (other, _) => {
                return Ok(Err(wrong_type(k, other, "string, hash or list")));
            }
        };
        out.insert((*k).to_owned(), m);
    }
    Ok(Ok(out))
}

/// Runs `ops` as one atomic transaction. The outer error is a connection failure; the inner
/// one a transaction refused before anything was applied.
pub(super) fn run(conn: &mut Connection, ops: &[Op]) -> RedisResult<Result<Vec<Reply>>> {
    let keys: Vec<&str> = ops.iter().map(Op::key).collect::<BTreeSet<_>>().into_iter().collect();
    for _ in 0..MAX_ROUNDS {
        redis::cmd("WATCH").arg(&keys).query::<()>(conn)?;
        let refused = match load(conn, &keys)? {
            Ok(mut models) => check(ops, &mut models).err(),
            Err(e) => Some(e),
        };
        if let Some(e) = refused {
            redis::cmd("UNWATCH").query::<()>(conn)?;
            return Ok(Err(e));
        }
        let mut pipe = Pipeline::new();
        pipe.atomic();
        for op in ops {
            pipe.add_command(ops::cmd(op));
        }
        let done: Option<Vec<Value>> = pipe.query(conn)?;
        if let Some(values) = done {
            return Ok(ops.iter().zip(values).map(|(op, v)| ops::reply(op, v)).collect());
        }
    }
    Ok(Err(Error::Conflict {
        detail: format!("the transaction's keys kept changing under it; gave up after {MAX_ROUNDS} rounds"),
        existing_id: None,
    }))
}
