//! `verify`: a full integrity scan of the store.
//!
//! Each [`Check`] walks part of the store inside one read transaction and records what it
//! checked and every problem it found; nothing stops at the first problem. The built-in checks
//! ([`builtin_checks`]) cover every record (blake3 + structure, via the envelope), the trade
//! indexes against the trades table, documents against their heads and schemas, and the snapshot
//! files. Other parts of the store add their own checks to that list.
//!
//! # Examples
//! ```
//! # let dir = tempfile::tempdir()?;
//! # let store = tradestore::Store::open(dir.path())?;
//! let report = store.verify()?;
//! assert!(report.ok);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, HashSet};
use std::fmt::Display;
use std::ops::ControlFlow;

use redb::{ReadTransaction, ReadableTable, TableDefinition};

use crate::documents::rows;
use crate::envelope::{self, Rec, Record};
use crate::records::{
    BotState, DocCollection, DocMigration, DocSchema, DocVersion, KvEntry, KvItem, KvLock, MetricPoint, PartitionMeta,
    PortfolioSnapshot, Position, Trade, TradeStats,
};
use crate::tables::{
    ANALYTICS_AGGREGATES, DOC_COLLECTIONS, DOC_HEADS, DOC_MIGRATIONS, DOC_SCHEMAS, DOC_VERSIONS, KV_HASH, KV_KEYS,
    KV_LIST, KV_LOCKS, MARKET_CATALOG, METRICS, ORDER_IDS, PORTFOLIO, POSITIONS, STATE_VERSIONS, TRADE_IDS, TRADES,
    TRADES_BY_STRATEGY, TRADES_BY_TIME,
};
use crate::{Result, Store};

/// One thing found wrong.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Problem {
    /// What kind of problem (`corrupt record`, `index mismatch`, `damaged snapshot`, …).
    pub what: String,
    /// Where: `table/key`, or a file path.
    #[serde(rename = "where")]
    pub place: String,
    /// What failed.
    pub detail: String,
}

/// The outcome of [`Store::verify`].
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct Report {
    /// No problem found.
    pub ok: bool,
    /// How many items each check looked at, by name (`trades`, `trade_ids`, `snapshots`, …).
    pub checked: BTreeMap<String, u64>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

impl Report {
    /// Counts `n` more items checked under `name`.
    pub fn count(&mut self, name: &str, n: u64) {
        *self.checked.entry(name.to_owned()).or_default() += n;
    }

    /// Records a problem.
    pub fn problem(&mut self, what: &str, place: impl Display, detail: impl Display) {
        self.problems.push(Problem {
            what: what.to_owned(),
            place: place.to_string(),
            detail: detail.to_string(),
        });
    }
}

/// What a check gets: the store and one read transaction shared by every check.
pub struct CheckCtx<'a> {
    /// The store.
    pub store: &'a Store,
    /// The read transaction every check of one run uses.
    pub rtx: &'a ReadTransaction,
}

/// One part of the integrity scan.
pub trait Check: Send + Sync {
    /// Short name, used in progress output.
    fn name(&self) -> &'static str;
    /// Walks what this check covers, counting and recording problems. An `Err` means the check
    /// could not run at all (it is reported as a problem too).
    ///
    /// # Errors
    /// When the store cannot be read.
    fn run(&self, ctx: &CheckCtx<'_>, report: &mut Report) -> Result<()>;
}

/// The checks `verify` runs, in order. Add a line here for every new kind of stored data.
pub fn builtin_checks() -> Vec<Box<dyn Check>> {
    vec![
        Box::new(Records),
        Box::new(TradeIndexes),
        Box::new(Documents),
        Box::new(Snapshots),
        Box::new(MarketFiles),
        Box::new(ArtifactBlobs),
    ]
}

impl Store {
    /// Runs every built-in check (see [`builtin_checks`]).
    ///
    /// # Errors
    /// [`crate::Error::Db`] if no read transaction can be started; everything else is reported
    /// in the [`Report`].
    pub fn verify(&self) -> Result<Report> {
        self.verify_with(&builtin_checks())
    }

    /// Runs the given checks in one read transaction.
    ///
    /// # Errors
    /// As [`Store::verify`].
    pub fn verify_with(&self, checks: &[Box<dyn Check>]) -> Result<Report> {
        let rtx = self.read_txn()?;
        let ctx = CheckCtx { store: self, rtx: &rtx };
        let mut report = Report::default();
        for c in checks {
            if let Err(e) = c.run(&ctx, &mut report) {
                report.problem("check failed", c.name(), e);
            }
        }
        report.ok = report.problems.is_empty();
        Ok(report)
    }
}

/// Opens every record of `def`, counting it under the table's name.
fn records<K, T>(ctx: &CheckCtx<'_>, def: TableDefinition<K, Rec<T>>, report: &mut Report) -> Result<()>
where
    K: redb::Key + 'static,
    for<'a> K::SelfType<'a>: std::fmt::Debug,
    T: Record,
{
    let name = redb::TableHandle::name(&def).to_owned();
    let table = ctx.rtx.open_table(def)?;
    let mut n = 0;
    envelope::visit_in_batches(table.iter()?, |k, bytes, sum| {
        let key = format!("{k:?}");
        if let Err(e) = envelope::open_summed::<T>(bytes, sum, &name, &key) {
            report.problem("corrupt record", format!("{name}/{key}"), e);
        }
        n += 1;
        Ok(ControlFlow::Continue(()))
    })?;
    report.count(&name, n);
    Ok(())
}

/// Every record of every record table: length, magic, kind, blake3 and structure.
struct Records;

impl Check for Records {
    fn name(&self) -> &'static str {
        "records"
    }

    fn run(&self, ctx: &CheckCtx<'_>, r: &mut Report) -> Result<()> {
        records::<_, Trade>(ctx, TRADES, r)?;
        records::<_, Position>(ctx, POSITIONS, r)?;
        records::<_, BotState>(ctx, STATE_VERSIONS, r)?;
        records::<_, PortfolioSnapshot>(ctx, PORTFOLIO, r)?;
        records::<_, DocVersion>(ctx, DOC_VERSIONS, r)?;
        records::<_, DocCollection>(ctx, DOC_COLLECTIONS, r)?;
        records::<_, DocSchema>(ctx, DOC_SCHEMAS, r)?;
        records::<_, DocMigration>(ctx, DOC_MIGRATIONS, r)?;
        records::<_, TradeStats>(ctx, ANALYTICS_AGGREGATES, r)?;
        records::<_, MetricPoint>(ctx, METRICS, r)?;
        records::<_, PartitionMeta>(ctx, MARKET_CATALOG, r)?;
        records::<_, KvEntry>(ctx, KV_KEYS, r)?;
        records::<_, KvItem>(ctx, KV_HASH, r)?;
        records::<_, KvItem>(ctx, KV_LIST, r)?;
        records::<_, KvLock>(ctx, KV_LOCKS, r)?;
        Ok(())
    }
}

/// The trade indexes against the trades table, both ways.
struct TradeIndexes;

impl Check for TradeIndexes {
    fn name(&self) -> &'static str {
        "trade indexes"
    }

    fn run(&self, ctx: &CheckCtx<'_>, r: &mut Report) -> Result<()> {
        let bad = |r: &mut Report, place: String, detail: String| r.problem("index mismatch", place, detail);
        // (id) -> (symbol, ts, strategy, venue, order_id) of every readable trade.
        let mut trades = BTreeMap::new();
        for row in ctx.rtx.open_table(TRADES)?.iter()? {
            let (k, v) = row?;
            let (sym, ts, id) = k.value();
            if let Ok(t) = v.value().open("trades", &id) {
                if t.symbol.as_str() != sym || t.ts.to_native() != ts || t.id.to_native() != id {
                    bad(r, format!("trades/{id}"), "the record does not match its key".into());
                }
                let oid = t.order_id.as_ref().map(|o| o.as_str().to_owned());
                trades.insert(
                    id,
                    (
                        sym.to_owned(),
                        ts,
                        t.strategy.as_str().to_owned(),
                        t.venue.as_str().to_owned(),
                        oid,
                    ),
                );
            }
        }
        let ids = ctx.rtx.open_table(TRADE_IDS)?;
        let mut n = 0;
        for row in ids.iter()? {
            let (k, v) = row?;
            let id = k.value();
            let (sym, ts) = v.value();
            if trades.get(&id).is_none_or(|t| t.0 != sym || t.1 != ts) {
                bad(r, format!("trade_ids/{id}"), "points at no matching trade".into());
            }
            n += 1;
        }
        r.count("trade_ids", n);
        let (time, strat, orders) = (
            ctx.rtx.open_table(TRADES_BY_TIME)?,
            ctx.rtx.open_table(TRADES_BY_STRATEGY)?,
            ctx.rtx.open_table(ORDER_IDS)?,
        );
        let mut seen = [0u64; 3];
        for row in time.iter()? {
            let (k, v) = row?;
            let (ts, id) = k.value();
            if trades.get(&id).is_none_or(|t| t.1 != ts || t.0 != v.value()) {
                bad(
                    r,
                    format!("trades_by_time/{ts}/{id}"),
                    "points at no matching trade".into(),
                );
            }
            seen[0] += 1;
        }
        for row in strat.iter()? {
            let (k, v) = row?;
            let (s, ts, id) = k.value();
            if trades
                .get(&id)
                .is_none_or(|t| t.2 != s || t.1 != ts || t.0 != v.value())
            {
                bad(
                    r,
                    format!("trades_by_strategy/{s}/{id}"),
                    "points at no matching trade".into(),
                );
            }
            seen[1] += 1;
        }
        let mut with_order = HashSet::new();
        for row in orders.iter()? {
            let (k, v) = row?;
            let (venue, oid) = k.value();
            let id = v.value();
            if trades
                .get(&id)
                .is_none_or(|t| t.3 != venue || t.4.as_deref() != Some(oid))
            {
                bad(
                    r,
                    format!("order_ids/{venue}/{oid}"),
                    "points at no matching trade".into(),
                );
            }
            with_order.insert(id);
            seen[2] += 1;
        }
        for (id, (_, ts, s, _, oid)) in &trades {
            if ids.get(*id)?.is_none()
                || time.get((*ts, *id))?.is_none()
                || strat.get((s.as_str(), *ts, *id))?.is_none()
            {
                bad(r, format!("trades/{id}"), "missing from an index".into());
            }
            if oid.is_some() && !with_order.contains(id) {
                bad(
                    r,
                    format!("trades/{id}"),
                    "its order id is missing from order_ids".into(),
                );
            }
        }
        r.count("trades_by_time", seen[0]);
        r.count("trades_by_strategy", seen[1]);
        r.count("order_ids", seen[2]);
        Ok(())
    }
}

/// Document heads against versions, document checksums, schemas.
struct Documents;

impl Check for Documents {
    fn name(&self) -> &'static str {
        "documents"
    }

    fn run(&self, ctx: &CheckCtx<'_>, r: &mut Report) -> Result<()> {
        let heads = ctx.rtx.open_table(DOC_HEADS)?;
        let versions = ctx.rtx.open_table(DOC_VERSIONS)?;
        let mut n = 0;
        for row in heads.iter()? {
            let (k, v) = row?;
            let (c, key) = k.value();
            let (latest, deleted) = v.value();
            let place = format!("doc_heads/{c}/{key}");
            match rows::version(&versions, c, key, latest) {
                Ok(Some(rec)) if rec.deleted != deleted => {
                    r.problem("index mismatch", place, "deletion flag differs from the latest version")
                }
                Ok(Some(_)) => {}
                Ok(None) => r.problem("index mismatch", place, format!("latest version {latest} is missing")),
                // A damaged latest version is reported once, by the version walk below.
                Err(_) => {}
            }
            n += 1;
        }
        r.count("doc_heads", n);
        let mut n = 0;
        for row in versions.iter()? {
            let (k, v) = row?;
            let (c, key, ver) = k.value();
            let rec = v.value();
            // Envelope failures are reported by the records check; this one checks the JSON hash.
            if rec.open(rows::VERSIONS, &ver).is_ok()
                && let Err(e) = rows::decode_version(&rec, c, key, ver)
            {
                r.problem("corrupt record", rows::vkey(c, key, ver), e);
            }
            if heads.get((c, key))?.is_none_or(|h| h.value().0 < ver) {
                r.problem(
                    "index mismatch",
                    rows::vkey(c, key, ver),
                    "version has no head at or above it",
                );
            }
            n += 1;
        }
        r.count("document_checksums", n);
        for row in ctx.rtx.open_table(DOC_COLLECTIONS)?.iter()? {
            let (k, v) = row?;
            let c = k.value();
            let Ok(cfg) = v.value().decode("doc_collections", &c) else {
                continue;
            };
            if cfg.schema_version > 0 {
                let compiled = rows::schema_json(&ctx.rtx.open_table(DOC_SCHEMAS)?, c, cfg.schema_version)
                    .and_then(|s| crate::documents::compile_schema(&s));
                if let Err(e) = compiled {
                    r.problem("bad schema", format!("doc_schemas/{c}@{}", cfg.schema_version), e);
                }
            }
            r.count("collections", 1);
        }
        Ok(())
    }
}

/// Every snapshot file in `<store>/snapshots/`, fully hashed.
struct Snapshots;

impl Check for Snapshots {
    fn name(&self) -> &'static str {
        "snapshots"
    }

    fn run(&self, ctx: &CheckCtx<'_>, r: &mut Report) -> Result<()> {
        for s in ctx.store.list_snapshots()? {
            if let Err(e) = crate::snapshot::verify_file(&s.path) {
                r.problem("damaged snapshot", s.path.display(), e);
            }
            r.count("snapshots", 1);
        }
        Ok(())
    }
}

/// Market partitions re-hashed against the catalog (missing, torn, altered, extra files).
struct MarketFiles;

impl Check for MarketFiles {
    fn name(&self) -> &'static str {
        "market"
    }

    fn run(&self, ctx: &CheckCtx<'_>, r: &mut Report) -> Result<()> {
        let m = ctx.store.verify_market()?;
        r.count("market_partitions", m.partitions);
        r.problems.extend(m.problems);
        Ok(())
    }
}

/// Artifact records and their content-addressed blobs.
struct ArtifactBlobs;

impl Check for ArtifactBlobs {
    fn name(&self) -> &'static str {
        "artifacts"
    }

    fn run(&self, ctx: &CheckCtx<'_>, r: &mut Report) -> Result<()> {
        let a = ctx.store.artifacts().verify_artifacts()?;
        r.count("artifacts", a.checked);
        r.problems.extend(a.problems);
        Ok(())
    }
}
