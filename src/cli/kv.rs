//! `tradestore kv …`: the KV layer from the shell. Reading a key that does not exist exits 3;
//! taking a held lock exits 1.

use std::time::Duration;

use serde_json::{Map, Value, json};

use super::Ctx;
use super::args::KvCmd;
use super::output::{print_json, print_table};
use crate::kv::{Kv, KvHandle};
use crate::timefmt::format_ts;
use crate::{Error, Result};

fn text(v: &[u8]) -> String {
    String::from_utf8_lossy(v).into_owned()
}

fn secs(field: &str, s: &str) -> Result<Duration> {
    s.parse::<f64>()
        .ok()
        .and_then(|f| Duration::try_from_secs_f64(f).ok())
        .filter(|d| !d.is_zero())
        .ok_or_else(|| Error::validation(field, format!("`{s}` is not a positive number of seconds")))
}

fn missing(key: &str) -> Error {
    Error::NotFound(format!("key `{key}`"))
}

/// Prints one value: the bare text for people, `{"key", "value"}` for scripts.
fn print_value(ctx: &Ctx, key: &str, v: &Value) -> Result<()> {
    if ctx.json {
        return print_json(&json!({ "key": key, "value": v }));
    }
    match v {
        Value::String(s) => outln!("{s}"),
        other => outln!("{other}"),
    }
    Ok(())
}

pub(crate) fn run(ctx: &Ctx, cmd: KvCmd) -> Result<()> {
    let store = ctx.open_or_create()?;
    let kv = store.kv();
    match cmd {
        KvCmd::Set { key, value, ttl } => {
            let ttl = ttl.as_deref().map(|t| secs("ttl", t)).transpose()?;
            kv.set(&key, value.as_bytes(), ttl)?;
            if ctx.json {
                return print_json(&json!({ "ok": true }));
            }
            outln!("OK");
            Ok(())
        }
        KvCmd::Get { key } => {
            let v = kv.get(&key)?.ok_or_else(|| missing(&key))?;
            print_value(ctx, &key, &json!(text(&v)))
        }
        KvCmd::Del { key } => {
            if !kv.del(&key)? {
                return Err(missing(&key));
            }
            if ctx.json {
                return print_json(&json!({ "deleted": true }));
            }
            outln!("deleted {key}");
            Ok(())
        }
        KvCmd::Incr { key, by } => {
            let n = kv.incr_by(&key, by)?;
            print_value(ctx, &key, &json!(n))
        }
        KvCmd::Hset { key, field, value } => {
            let new = kv.hset(&key, &field, value.as_bytes())?;
            if ctx.json {
                return print_json(&json!({ "new": new }));
            }
            outln!("{}", if new { "new field" } else { "updated" });
            Ok(())
        }
        KvCmd::Hget { key, field } => {
            let v = kv
                .hget(&key, &field)?
                .ok_or_else(|| Error::NotFound(format!("field `{field}` of key `{key}`")))?;
            print_value(ctx, &key, &json!(text(&v)))
        }
        KvCmd::Hgetall { key } => hgetall(ctx, &kv, &key),
        KvCmd::Lpush { key, values } => push(ctx, &kv, &key, &values, true),
        KvCmd::Rpush { key, values } => push(ctx, &kv, &key, &values, false),
        KvCmd::Lpop { key } => {
            let v = kv.lpop(&key)?.ok_or_else(|| missing(&key))?;
            print_value(ctx, &key, &json!(text(&v)))
        }
        KvCmd::Rpop { key } => {
            let v = kv.rpop(&key)?.ok_or_else(|| missing(&key))?;
            print_value(ctx, &key, &json!(text(&v)))
        }
        KvCmd::Lrange { key, start, stop } => {
            if !kv.exists(&key)? {
                return Err(missing(&key));
            }
            let items: Vec<String> = kv.lrange(&key, start, stop)?.iter().map(|v| text(v)).collect();
            if ctx.json {
                return print_json(&json!(items));
            }
            for i in items {
                outln!("{i}");
            }
            Ok(())
        }
        KvCmd::Lock { name, ttl, owner } => {
            let owner = owner.unwrap_or_else(|| format!("tradestore-cli pid {}", std::process::id()));
            let g = kv.acquire_lock(&name, secs("ttl", &ttl)?, &owner)?;
            if ctx.json {
                return print_json(&json!({
                    "name": g.name, "token": g.token, "fencing": g.fencing, "owner": g.owner,
                    "expires_at": format_ts(g.expires_at),
                }));
            }
            outln!("token    {}", g.token);
            outln!("fencing  {}", g.fencing);
            outln!("expires  {}", format_ts(g.expires_at));
            Ok(())
        }
        KvCmd::Unlock { name, token } => {
            kv.release_lock(&name, &token)?;
            if ctx.json {
                return print_json(&json!({ "released": true }));
            }
            outln!("released {name}");
            Ok(())
        }
    }
}

fn hgetall(ctx: &Ctx, kv: &KvHandle, key: &str) -> Result<()> {
    let all = kv.hgetall(key)?;
    if all.is_empty() {
        return Err(missing(key));
    }
    if ctx.json {
        let m: Map<String, Value> = all.into_iter().map(|(f, v)| (f, json!(text(&v)))).collect();
        return print_json(&Value::Object(m));
    }
    let rows: Vec<Vec<String>> = all.into_iter().map(|(f, v)| vec![f, text(&v)]).collect();
    print_table(&["field", "value"], &rows);
    Ok(())
}

fn push(ctx: &Ctx, kv: &KvHandle, key: &str, values: &[String], left: bool) -> Result<()> {
    let vals: Vec<&[u8]> = values.iter().map(|v| v.as_bytes()).collect();
    let n = if left {
        kv.lpush(key, &vals)?
    } else {
        kv.rpush(key, &vals)?
    };
    if ctx.json {
        return print_json(&json!({ "len": n }));
    }
    outln!("{n}");
    Ok(())
}
