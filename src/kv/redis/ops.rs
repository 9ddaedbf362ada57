//! KV operations as Redis commands, and Redis replies as [`Reply`]s.

use redis::{Pipeline, Value};

use crate::kv::{Op, Reply};
use crate::{Error, Result};

/// Appends the command of `op` to `pipe`.
pub(super) fn add(pipe: &mut Pipeline, op: &Op) {
    match op {
        Op::Set { key, value, ttl_ms } => {
            pipe.cmd("SET").arg(key).arg(value);
            if let Some(ms) = ttl_ms {
                pipe.arg("PX").arg(*ms);
            }
        }
        Op::Get { key } => {
            pipe.cmd("GET").arg(key);
        }
        Op::Del { key } => {
            pipe.cmd("DEL").arg(key);
        }
        Op::Expire { key, ttl_ms } => {
            pipe.cmd("PEXPIRE").arg(key).arg(*ttl_ms);
        }
        Op::IncrBy { key, by } => {
            pipe.cmd("INCRBY").arg(key).arg(*by);
        }
        Op::HSet { key, field, value } => {
            pipe.cmd("HSET").arg(key).arg(field).arg(value);
        }
        Op::HGet { key, field } => {
            pipe.cmd("HGET").arg(key).arg(field);
        }
        Op::HDel { key, field } => {
            pipe.cmd("HDEL").arg(key).arg(field);
        }
        Op::LPush { key, values } => {
            pipe.cmd("LPUSH").arg(key).arg(values);
        }
        Op::RPush { key, values } => {
            pipe.cmd("RPUSH").arg(key).arg(values);
        }
        Op::LPop { key } => {
            pipe.cmd("LPOP").arg(key);
        }
        Op::RPop { key } => {
            pipe.cmd("RPOP").arg(key);
        }
    }
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
pub(super) fn bytes(op: &dyn std::fmt::Debug, v: Value) -> Result<Option<Vec<u8>>> {
    match v {
        Value::Nil => Ok(None),
        Value::BulkString(b) => Ok(Some(b)),
        Value::SimpleString(s) => Ok(Some(s.into_bytes())),
        other => Err(Error::Db(format!("redis answered {other:?} to {op:?}"))),
    }
}
