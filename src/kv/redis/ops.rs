//! KV operations as Redis commands, and Redis replies as [`Reply`]s.

use redis::{Cmd, Value};

use crate::kv::{Op, Reply};
use crate::{Error, Result};

/// The command of `op`.
pub(super) fn cmd(op: &Op) -> Cmd {
    let mut c = Cmd::new();
    match op {
        Op::Set { key, value, ttl_ms } => {
            c.arg("SET").arg(key).arg(value);
            if let Some(ms) = ttl_ms {
                c.arg("PX").arg(*ms);
            }
        }
        Op::Get { key } => {
            c.arg("GET").arg(key);
        }
        Op::Del { key } => {
            c.arg("DEL").arg(key);
        }
        Op::Expire { key, ttl_ms } => {
            c.arg("PEXPIRE").arg(key).arg(*ttl_ms);
        }
        Op::IncrBy { key, by } => {
            c.arg("INCRBY").arg(key).arg(*by);
        }
        Op::HSet { key, field, value } => {
            c.arg("HSET").arg(key).arg(field).arg(value);
        }
        Op::HGet { key, field } => {
            c.arg("HGET").arg(key).arg(field);
        }
        Op::HDel { key, field } => {
            c.arg("HDEL").arg(key).arg(field);
        }
        Op::LPush { key, values } => {
            c.arg("LPUSH").arg(key).arg(values);
        }
        Op::RPush { key, values } => {
            c.arg("RPUSH").arg(key).arg(values);
        }
        Op::LPop { key } => {
            c.arg("LPOP").arg(key);
        }
        Op::RPop { key } => {
            c.arg("RPOP").arg(key);
        }
    }
    c
}

fn bad(op: &Op, v: &Value) -> Error {
    Error::Db(format!("redis answered {v:?} to {op:?}"))
}

/// Reads the reply of `op`.
pub(super) fn reply(op: &Op, v: Value) -> Result<Reply> {
    let int = |v: &Value| match v {
        Value::Int(n) => Ok(*n),
        other => Err(bad(op, other)),
    };
    Ok(match op {
        Op::Set { .. } => match v {
            Value::Okay | Value::SimpleString(_) => Reply::Ok,
            other => return Err(bad(op, &other)),
        },
        Op::Get { .. } | Op::HGet { .. } | Op::LPop { .. } | Op::RPop { .. } => Reply::Value(bytes(op, v)?),
        Op::Del { .. } | Op::Expire { .. } | Op::HDel { .. } => Reply::Bool(int(&v)? > 0),
        Op::HSet { .. } => Reply::Bool(int(&v)? == 1),
        Op::IncrBy { .. } | Op::LPush { .. } | Op::RPush { .. } => Reply::Int(int(&v)?),
    })
}

/// A bulk string or nil.
fn bytes(op: &Op, v: Value) -> Result<Option<Vec<u8>>> {
    match v {
        Value::Nil => Ok(None),
        Value::BulkString(b) => Ok(Some(b)),
        Value::SimpleString(s) => Ok(Some(s.into_bytes())),
        other => Err(bad(op, &other)),
    }
}
