//! Document put with schema validation, durable: a bot's configuration (about 1.1 KiB of
//! compact JSON, checked against a schema with required fields, enums, patterns for decimals and
//! symbols, bounds and no unknown fields) into a tradestore collection, which also keeps every
//! version, against the JSON-file pattern validating with the same `jsonschema` crate. One
//! writer, then 8 writers each owning its keys (as each bot owns its files).

use serde_json::{Value, json};
use tradestore::{Collection, Store};

use crate::harness::engine::{JSON_FILES, TRADESTORE};
use crate::harness::stats::{ThreadsOp, threads_rates, time_interleaved};
use crate::harness::{Ctx, Registry, Result, Sample, Target};
use crate::peers::json_docs::JsonDocs;

const RATE: &str = "document_put";
const P50: &str = "document_put_p50";
const CONCURRENT: &str = "document_put_8_writers";
/// Concurrent writers.
const WRITERS: u64 = 8;
/// Bots whose configurations one writer keeps in a full run; each is revised in turn. Quick
/// runs keep fewer, so that each is revised as many times as in a full run: most puts then
/// replace a document (the JSON-file pattern copying the previous one to `.bak`), as in a full
/// run, rather than create one.
const BOTS: usize = 50;
/// Puts before timing starts.
const WARMUP: usize = 10;
/// The collection.
const COLLECTION: &str = "bot_config";

/// Registers the document workloads and their targets.
pub fn register(reg: &mut Registry) {
    reg.workload("document_put", put_one_writer);
    reg.workload("document_put_8_writers", put_many_writers);
    reg.target(Target::ratio(RATE, JSON_FILES, 5.0));
    reg.target(Target::ratio(CONCURRENT, JSON_FILES, 5.0));
}

/// The JSON Schema of a bot's configuration (draft 2020-12).
fn schema() -> Value {
    let decimal = json!({"type": "string", "pattern": "^-?[0-9]+(\\.[0-9]+)?$"});
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "bot configuration",
        "type": "object",
        "required": ["bot_id", "mode", "exchange", "pairs", "strategy", "risk", "revision"],
        "additionalProperties": false,
        "$defs": {"decimal": decimal},
        "properties": {
            "bot_id": {"type": "string", "pattern": "^[a-z0-9-]{3,40}$"},
            "mode": {"enum": ["live", "paper", "backtest"]},
            "revision": {"type": "integer", "minimum": 0},
            "updated_by": {"type": "string", "maxLength": 64},
            "exchange": {
                "type": "object",
                "required": ["name", "account"],
                "additionalProperties": false,
                "properties": {
                    "name": {"enum": ["kraken", "binance", "coinbase", "bitstamp"]},
                    "account": {"type": "string", "minLength": 1},
                    "rate_limit_per_s": {"type": "integer", "minimum": 1, "maximum": 100},
                    "testnet": {"type": "boolean"}
                }
            },
            "pairs": {
                "type": "array", "minItems": 1, "maxItems": 50,
                "items": {
                    "type": "object",
                    "required": ["symbol", "enabled", "max_position"],
                    "additionalProperties": false,
                    "properties": {
                        "symbol": {"type": "string", "pattern": "^[A-Z0-9]{2,10}-[A-Z0-9]{2,10}$"},
                        "enabled": {"type": "boolean"},
                        "max_position": {"$ref": "#/$defs/decimal"},
                        "min_notional": {"$ref": "#/$defs/decimal"}
                    }
                }
            },
            "strategy": {
                "type": "object",
                "required": ["name", "params"],
                "properties": {
                    "name": {"enum": ["grid", "momentum", "mean-revert", "dca"]},
                    "params": {
                        "type": "object",
                        "properties": {
                            "levels": {"type": "integer", "minimum": 1, "maximum": 500},
                            "spacing_bps": {"type": "number", "exclusiveMinimum": 0},
                            "take_profit_bps": {"type": "number", "exclusiveMinimum": 0},
                            "rebalance_s": {"type": "integer", "minimum": 1}
                        }
                    }
                }
            },
            "risk": {
                "type": "object",
                "required": ["max_drawdown_pct", "max_open_orders", "max_daily_loss", "kill_switch"],
                "additionalProperties": false,
                "properties": {
                    "max_drawdown_pct": {"$ref": "#/$defs/decimal"},
                    "max_open_orders": {"type": "integer", "minimum": 1, "maximum": 1000},
                    "max_daily_loss": {"$ref": "#/$defs/decimal"},
                    "kill_switch": {"type": "boolean"}
                }
            },
            "fees": {
                "type": "object",
                "properties": {"maker_bps": {"$ref": "#/$defs/decimal"}, "taker_bps": {"$ref": "#/$defs/decimal"}}
            },
            "notifications": {
                "type": "object",
                "properties": {
                    "chat_id": {"type": "string"},
                    "email": {"type": "string", "pattern": "^[^@ ]+@[^@ ]+$"},
                    "levels": {"type": "array", "uniqueItems": true, "items": {"enum": ["debug", "info", "fill", "warn", "error"]}}
                }
            },
            "schedule": {
                "type": "object",
                "properties": {
                    "trading_hours_utc": {"type": "array", "items": {"type": "string", "pattern": "^[0-2][0-9]:[0-5][0-9]-[0-2][0-9]:[0-5][0-9]$"}},
                    "poll_interval_s": {"type": "number", "minimum": 0.1}
                }
            }
        }
    })
}

/// Revision `rev` of bot `bot`'s configuration: valid against [`schema`], about 1.1 KiB.
fn config(bot: &str, rev: usize) -> Value {
    let symbols = ["BTC-EUR", "ETH-EUR", "SOL-EUR", "XRP-EUR", "ADA-EUR", "DOT-EUR"];
    let pairs: Vec<Value> = symbols
        .iter()
        .enumerate()
        .map(|(k, s)| {
            json!({"symbol": s, "enabled": !(rev + k).is_multiple_of(5),
                   "max_position": format!("{}.{:02}", 1 + k, rev % 100), "min_notional": "10.00"})
        })
        .collect();
    json!({
        "bot_id": bot,
        "mode": "live",
        "revision": rev,
        "updated_by": "deploy",
        "exchange": {"name": "kraken", "account": "main", "rate_limit_per_s": 15, "testnet": false},
        "pairs": pairs,
        "strategy": {"name": "grid", "params": {"levels": 40 + rev % 10, "spacing_bps": 25.0,
                     "take_profit_bps": 60.0, "rebalance_s": 300}},
        "risk": {"max_drawdown_pct": "8.5", "max_open_orders": 24,
                 "max_daily_loss": format!("{}.00", 700 + rev % 100), "kill_switch": true},
        "fees": {"maker_bps": "1.6", "taker_bps": "2.6"},
        "notifications": {"chat_id": "-100123456", "email": "ops@example.com", "levels": ["fill", "warn", "error"]},
        "schedule": {"trading_hours_utc": ["00:00-23:59"], "poll_interval_s": 2.5}
    })
}

/// Put `i` of a writer keeping `bots` bots: bot `i % bots`, its `i / bots`-th revision.
fn put_args(writer: usize, bots: usize, i: usize) -> (String, Value) {
    let bot = format!("bot-{writer}-{:02}", i % bots);
    let doc = config(&bot, i / bots);
    (bot, doc)
}

fn open_collection(ctx: &Ctx) -> Result<(Store, Collection)> {
    let store = Store::open(ctx.dir.join("tradestore"))?;
    let c = store.collection(COLLECTION)?;
    c.set_schema(&schema())?;
    Ok((store, c))
}

/// One writer; documents built before timing, so both engines time validation and the write.
/// The engines take turns (see [`time_interleaved`]).
fn put_one_writer(ctx: &Ctx) -> Result<Vec<Sample>> {
    // Quick runs: 300 puts, so that one stall of the disk (tens of ms, on one engine's put)
    // does not decide the rate of the run.
    let n = ctx.opts.size(1_000, 300);
    let bots = ctx.opts.size(BOTS, 15);
    let docs: Vec<(String, Value)> = (0..WARMUP + n).map(|i| put_args(0, bots, i)).collect();

    let (_store, c) = open_collection(ctx)?;
    let files = JsonDocs::new(&ctx.dir.join("json"), &schema())?;
    for (k, d) in &docs[..WARMUP] {
        c.put(&format!("warm-{k}"), d)?;
        files.put(&format!("warm-{k}"), d)?;
    }
    let [ours, theirs] = time_interleaved(
        n,
        [
            &mut |i| {
                let (k, d) = &docs[WARMUP + i];
                c.put(k, d).map(drop).map_err(Into::into)
            },
            &mut |i| {
                let (k, d) = &docs[WARMUP + i];
                files.put(k, d)
            },
        ],
    )?;
    let first = &docs[WARMUP].0;
    let (kept, put) = (
        c.history(first)?.len(),
        docs[WARMUP..].iter().filter(|(k, _)| k == first).count(),
    );
    if kept != put {
        return Err(format!("tradestore kept {kept} versions of {first}, {put} were put").into());
    }
    Ok(vec![
        Sample::rate(RATE, TRADESTORE, ours.rate(), "puts/s"),
        Sample::latency(P50, TRADESTORE, ours.percentile_us(50.0), "µs"),
        Sample::rate(RATE, JSON_FILES, theirs.rate(), "puts/s"),
        Sample::latency(P50, JSON_FILES, theirs.percentile_us(50.0), "µs"),
    ])
}

/// Eight writers, each putting revisions of its own bots' configurations; the engines take
/// turns (see [`threads_rates`]).
fn put_many_writers(ctx: &Ctx) -> Result<Vec<Sample>> {
    let per_writer = ctx.opts.size(250, 40);
    let bots = ctx.opts.size(BOTS, 8);
    let docs: Vec<Vec<(String, Value)>> = (0..WRITERS)
        .map(|w| {
            (0..per_writer)
                .map(|i| put_args(w as usize, bots, i as usize))
                .collect()
        })
        .collect();
    let doc = |w: u64, i: u64| &docs[w as usize][i as usize];

    let (store, c) = open_collection(ctx)?;
    c.put("warm", &config("warm", 0))?;
    let files = JsonDocs::new(&ctx.dir.join("json"), &schema())?;
    files.put("warm", &config("warm", 0))?;
    let [ours, theirs] = threads_rates(
        WRITERS,
        [
            ThreadsOp {
                per_thread: per_writer,
                op: &|w, i| {
                    let (k, d) = doc(w, i);
                    c.put(k, d)?;
                    Ok(())
                },
            },
            ThreadsOp {
                per_thread: per_writer,
                op: &|w, i| {
                    let (k, d) = doc(w, i);
                    files.put(k, d)
                },
            },
        ],
    )?;
    drop((c, store));
    Ok(vec![
        Sample::rate(CONCURRENT, TRADESTORE, ours, "puts/s"),
        Sample::rate(CONCURRENT, JSON_FILES, theirs, "puts/s"),
    ])
}
