//! `tradestore demo`: several bots trade a simulated market into one store, concurrently and
//! durably, then the store is closed, reopened and checked like a bot restarting after a crash.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use rust_decimal::Decimal;
use serde_json::json;

use super::Ctx;
use super::args::DemoArgs;
use super::output::{human_bytes, print_json, print_table};
use crate::records::Holding;
use crate::timefmt::NANOS_PER_SEC;
use crate::{Error, NewTrade, PortfolioSnapshot, Result, Side, Store, TradeQuery};

pub(super) const SYMBOLS: [(&str, i64); 3] = [("BTC-EUR", 60_000), ("ETH-EUR", 3_000), ("SOL-EUR", 150)];
const STRATEGIES: [&str; 3] = ["grid", "momentum", "mean_revert"];
/// Marks a directory the demo created, so a later demo may replace it.
const MARKER: &str = ".tradestore-demo";
/// 2024-01-01T00:00:00Z in ns.
pub(super) const START_NS: i64 = 1_704_067_200 * NANOS_PER_SEC;

/// Prepares a fresh directory: the demo never overwrites a store it did not create.
fn fresh_dir(dir: &Path) -> Result<()> {
    if dir.exists() {
        let empty = std::fs::read_dir(dir).map_err(|e| Error::io(dir, e))?.next().is_none();
        if !empty && !dir.join(MARKER).exists() {
            return Err(Error::Conflict {
                detail: format!(
                    "{} is not empty and was not made by `tradestore demo`; pass --store with a new directory",
                    dir.display()
                ),
                existing_id: None,
            });
        }
        if !empty {
            std::fs::remove_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
    }
    crate::store::create_dir_private(dir)?;
    std::fs::write(dir.join(MARKER), b"made by tradestore demo\n").map_err(|e| Error::io(dir.join(MARKER), e))
}

struct Bot {
    symbol: &'static str,
    base_price: i64,
    strategy: &'static str,
    fills: u64,
    seed: u64,
}

/// Time between one bot's fills: 20 minutes, or less so that a long run stays within 90 days
/// (at least a second). Spreads the demo over several days, so it has a daily equity curve.
fn fill_spacing(fills: u64) -> i64 {
    let span = 90 * 86_400 * NANOS_PER_SEC;
    (span / (fills.max(1) as i64)).clamp(NANOS_PER_SEC, 20 * 60 * NANOS_PER_SEC)
}

/// One bot: a random-walk market, fills that lean back towards flat so positions open and
/// close, a state save every 200 fills and a portfolio snapshot every 500.
fn run_bot(store: &Store, bot: &Bot, duplicates: &AtomicU64) -> Result<()> {
    let mut rng = fastrand::Rng::with_seed(bot.seed);
    let mut price = Decimal::from(bot.base_price);
    let mut pos = Decimal::ZERO;
    let mut cash = Decimal::from(100_000);
    let tick = Decimal::new(1, 2);
    for n in 0..bot.fills {
        let step = Decimal::new(rng.i64(-150..=150), 4); // ±1.5 %
        price = (price * (Decimal::ONE + step)).round_dp(2).max(tick);
        let lean = if pos > Decimal::ZERO {
            0.62
        } else if pos < Decimal::ZERO {
            0.38
        } else {
            0.5
        };
        let side = if rng.f64() < lean { Side::Sell } else { Side::Buy };
        let notional = Decimal::from(rng.i64(200..=2_000));
        let qty = (notional / price).round_dp(6).max(Decimal::new(1, 6));
        let fee = (qty * price * Decimal::new(1, 3)).round_dp(8);
        let ts = START_NS + (n as i64) * fill_spacing(bot.fills) + rng.i64(0..NANOS_PER_SEC);
        let order_id = format!("{}-{}-{n}", bot.strategy, bot.symbol);
        let fill = NewTrade::new(bot.symbol, side, qty, price)
            .fee(fee)
            .fee_currency("EUR")
            .ts(ts)
            .strategy(bot.strategy)
            .venue("sim")
            .order_id(order_id)
            .model(if n < bot.fills / 2 {
                "price_predictor@1.2.0"
            } else {
                "price_predictor@1.3.0"
            });
        store.save_trade(fill.clone())?;
        // Exchanges re-send fills; the store must refuse the copy.
        if n % 997 == 0 {
            match store.save_trade(fill) {
                Err(Error::Conflict { .. }) => {
                    duplicates.fetch_add(1, Ordering::Relaxed);
                }
                other => return Err(Error::Db(format!("a re-sent fill was not refused: {other:?}"))),
            }
        }
        let signed = if side == Side::Buy { qty } else { -qty };
        pos += signed;
        cash -= signed * price + fee;
        if n % 200 == 199 {
            let state = json!({"strategy": bot.strategy, "symbol": bot.symbol, "fills": n + 1,
                               "position": pos.to_string(), "last_price": price.to_string()});
            store.save_state(&state.to_string(), Some(bot.strategy))?;
        }
        if n % 500 == 499 {
            let value = (pos * price).round_dp(2);
            store.save_portfolio_snapshot(&PortfolioSnapshot {
                ts,
                total_value: (cash + value).round_dp(2),
                positions: vec![Holding {
                    symbol: bot.symbol.into(),
                    qty: pos,
                    value,
                }],
                balances: vec![Holding {
                    symbol: "EUR".into(),
                    qty: cash.round_dp(2),
                    value: cash.round_dp(2),
                }],
                snapshot_type: "periodic".into(),
                session_id: format!("demo-{}-{}", bot.strategy, bot.symbol),
            })?;
        }
    }
    Ok(())
}

pub(crate) fn run(ctx: &Ctx, args: &DemoArgs, store_given: bool) -> Result<()> {
    let dir = if store_given {
        ctx.store_dir.clone()
    } else {
        Path::new("tradestore-demo").to_path_buf()
    };
    if args.trades == 0 {
        return Err(Error::validation("--trades", "must be at least 1"));
    }
    fresh_dir(&dir)?;
    let store = Store::open(&dir)?;
    let bots: Vec<Bot> = SYMBOLS
        .iter()
        .flat_map(|&(symbol, base_price)| STRATEGIES.iter().map(move |&strategy| (symbol, base_price, strategy)))
        .enumerate()
        .map(|(i, (symbol, base_price, strategy))| Bot {
            symbol,
            base_price,
            strategy,
            fills: args.trades / 9 + u64::from((i as u64) < args.trades % 9),
            seed: args.seed.wrapping_mul(1_000_003).wrapping_add(i as u64),
        })
        .collect();
    let duplicates = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = bots
            .iter()
            .map(|bot| {
                let (store, dups) = (store.clone(), duplicates.clone());
                s.spawn(move || run_bot(&store, bot, &dups))
            })
            .collect();
        for h in handles {
            h.join().map_err(|_| Error::Db("a demo bot thread panicked".into()))??;
        }
        Ok(())
    })?;
    let elapsed = started.elapsed().as_secs_f64();
    let positions = store.positions()?;
    let market = super::demo_market::run(&store, &SYMBOLS, START_NS, args.seed)?;
    drop(store);

    // Restart, as a bot would after a crash: everything acknowledged must be there.
    let store = Store::open(&dir)?;
    let counts: std::collections::BTreeMap<String, u64> = store.table_counts()?.into_iter().collect();
    let stored = counts.get("trades").copied().unwrap_or(0);
    if stored != args.trades {
        return Err(Error::Db(format!(
            "{} fills acknowledged but {stored} found after reopening",
            args.trades
        )));
    }
    let kv = super::demo_kv::run(&store, &SYMBOLS.map(|(s, _)| s), &STRATEGIES)?;
    let latest = store.load_latest_valid()?;
    let last_page = store.trade_history(&TradeQuery {
        symbol: Some("BTC-EUR".into()),
        limit: 5,
        order: crate::TradeOrder::Desc,
        ..Default::default()
    })?;
    let (report, models) = super::demo_analytics::analytics_step(&store)?;
    let total_pnl: Decimal = positions.iter().map(|p| p.realized_pnl).sum();
    let total_fees: Decimal = positions.iter().map(|p| p.fees).sum();
    let rate = args.trades as f64 / elapsed.max(1e-9);
    let docs = super::demo_docs::documents_and_snapshot(&store, &positions)?;
    if ctx.json {
        return print_json(&json!({
            "documents": docs.documents,
            "document_versions": docs.versions,
            "schema_refusals": docs.refused,
            "snapshot": docs.snapshot.path.display().to_string(),
            "snapshot_bytes": docs.snapshot.bytes,
            "path": dir.display().to_string(),
            "trades": stored,
            "seconds": elapsed,
            "trades_per_second": rate,
            "duplicates_refused": duplicates.load(Ordering::Relaxed),
            "state_versions": counts.get("state_versions"),
            "portfolio_snapshots": counts.get("portfolio"),
            "realized_pnl": total_pnl.round_dp(2).to_string(),
            "fees": total_fees.round_dp(2).to_string(),
            "bytes": store.stats().file_bytes,
            "analytics": super::analytics::report_json(&report),
            "models": models.iter().map(|g| -> Result<serde_json::Value> {
                let mut m = super::analytics::trade_fields(&g.stats.metrics()?);
                m.insert("model".into(), json!(g.key));
                Ok(serde_json::Value::Object(m))
            }).collect::<Result<Vec<_>>>()?,
            "market": { "candles": market.candles, "partitions": market.partitions },
            "export": { "path": market.export.display().to_string(), "trades": market.exported },
            "kv": kv,
        }));
    }
    outln!(
        "tradestore demo: 9 bots (3 symbols x 3 strategies) trading into {}",
        dir.display()
    );
    outln!(
        "  {stored} durable fills in {elapsed:.2} s ({rate:.0} fills/s acknowledged, group commit), {} re-sent fills refused",
        duplicates.load(Ordering::Relaxed)
    );
    outln!(
        "  {} state versions, {} portfolio snapshots, store file {}",
        counts.get("state_versions").copied().unwrap_or(0),
        counts.get("portfolio").copied().unwrap_or(0),
        human_bytes(store.stats().file_bytes)
    );
    outln!(
        "  {} hourly candles in {} Parquet partitions; {} fills exported to {}",
        market.candles,
        market.partitions,
        market.exported,
        market.export.display()
    );
    outln!();
    let rows: Vec<Vec<String>> = positions
        .iter()
        .map(|p| {
            vec![
                p.symbol.clone(),
                p.strategy.clone(),
                p.fills.to_string(),
                p.qty.round_dp(6).to_string(),
                p.avg_price()
                    .map(|a| a.round_dp(2).to_string())
                    .unwrap_or_else(|| "-".into()),
                p.realized_pnl.round_dp(2).to_string(),
                p.fees.round_dp(2).to_string(),
            ]
        })
        .collect();
    print_table(
        &[
            "symbol",
            "strategy",
            "fills",
            "open qty",
            "avg price",
            "realized P&L",
            "fees",
        ],
        &rows,
    );
    outln!(
        "  total realized P&L {} EUR after {} EUR fees",
        total_pnl.round_dp(2),
        total_fees.round_dp(2)
    );
    outln!();
    outln!("after restart: all {stored} fills present");
    if let Some(l) = latest {
        outln!(
            "  bot state resumes from version {} ({} corrupt versions skipped)",
            l.state.version,
            l.skipped.len()
        );
    }
    if let Some(t) = last_page.trades.first() {
        outln!(
            "  newest BTC-EUR fill: #{} {} {} @ {}",
            t.id,
            t.side.as_str(),
            t.qty,
            t.price
        );
    }
    outln!(
        "  kv: {} orders placed under per-pair locks ({} backend), {} order signals received",
        kv["locked_orders"],
        kv["backend"].as_str().unwrap_or("?"),
        kv["signals_received"]
    );
    outln!();
    super::demo_analytics::print_performance(&report);
    outln!();
    outln!("model lineage: price_predictor 1.2.0 and 1.3.0 stored (production -> 1.2.0, staging -> 1.3.0);");
    outln!("  each fill names the model version whose signal produced it:");
    print_table(&super::analytics::GROUP_HEADER, &super::analytics::group_rows(&models)?);
    outln!();
    outln!(
        "documents: {} in the hub collections ({} versions kept as history), {} refused by their schema",
        docs.documents,
        docs.versions,
        docs.refused
    );
    outln!(
        "snapshot: {} ({}), verified: {}",
        docs.snapshot.path.display(),
        human_bytes(docs.snapshot.bytes),
        if docs.verified { "ok" } else { "PROBLEMS" }
    );
    outln!();

    outln!(
        "explore: tradestore --store {} status | trades list --symbol ETH-EUR --limit 5 | market list",
        dir.display()
    );
    outln!(
        "         tradestore --store {} analytics --by model | artifacts list 'price_*'",
        dir.display()
    );
    Ok(())
}
