//! Bot state: durable save of a ~3 KiB state document, and loading the latest version.

use std::hint::black_box;

use tradestore::Store;

use crate::common::fixture;
use crate::harness::engine::{FDATASYNC, JSON_FILES, SQLITE, TRADESTORE};
use crate::harness::stats::{mean_ns, time_interleaved};
use crate::harness::{Ctx, Registry, Result, Sample};
use crate::peers::fdatasync::Floor;
use crate::peers::json_files::JsonFile;
use crate::peers::sqlite::{Sqlite, Sync};

const SAVE: &str = "state_save_durable_p50";
const LOAD: &str = "state_load_latest";

/// Registers the bot-state workloads (no target is set for them).
pub fn register(reg: &mut Registry) {
    reg.workload("state", state);
}

/// Saves interleaved across the engines (see [`time_interleaved`]), then loads, engine by
/// engine.
fn state(ctx: &Ctx) -> Result<Vec<Sample>> {
    // No target gates these figures: quick runs make few durable saves.
    let n = ctx.opts.size(500, 50);
    let loads = ctx.opts.size(20_000, 2_000);
    let docs: Vec<String> = (0..n as u64).map(fixture::bot_state).collect();

    let mut floor = Floor::create(&ctx.dir.join("floor.log"), docs[0].len())?;
    let store = Store::open(ctx.dir.join("tradestore"))?;
    let db = Sqlite::open(&ctx.dir.join("state.sqlite"), Sync::Full)?;
    db.warm_wal()?;
    let file = JsonFile::new(&ctx.dir.join("json"), "bot_state")?;
    let [f, ours, theirs, files] = time_interleaved(
        n,
        [
            &mut |_| floor.append(),
            &mut |i| store.save_state(&docs[i], None).map(drop).map_err(Into::into),
            &mut |i| db.save_state(i as i64 + 1, fixture::T0, &docs[i]),
            &mut |i| file.save(&docs[i]),
        ],
    )?;
    let mut out = vec![
        Sample::latency(SAVE, FDATASYNC, f.percentile_us(50.0), "µs"),
        Sample::latency(SAVE, TRADESTORE, ours.percentile_us(50.0), "µs"),
        Sample::latency(SAVE, SQLITE, theirs.percentile_us(50.0), "µs"),
        Sample::latency(SAVE, JSON_FILES, files.percentile_us(50.0), "µs"),
    ];

    let load = mean_ns(loads, |_| -> Result<()> {
        let s = store.load_state()?.ok_or("no state")?;
        black_box(s);
        Ok(())
    })?;
    out.push(Sample::latency(LOAD, TRADESTORE, load / 1e3, "µs"));
    drop(store);
    let load = mean_ns(loads, |_| -> Result<()> {
        black_box(db.load_state()?.ok_or("no state")?);
        Ok(())
    })?;
    out.push(Sample::latency(LOAD, SQLITE, load / 1e3, "µs"));
    let load = mean_ns(loads, |_| -> Result<()> {
        black_box(file.load()?);
        Ok(())
    })?;
    out.push(Sample::latency(LOAD, JSON_FILES, load / 1e3, "µs"));
    Ok(out)
}
