//! Judging a store opened from a crash image, shared by the power-loss tests.

use std::collections::BTreeMap;

use tradestore::Store;

use super::items::{self, Item, Outcome};
use super::sim_backend::{CrashImage, Sim};

/// What the images of a power-loss run came to.
#[derive(Debug, Default)]
pub struct Report {
    /// Syncs of the workload (each a moment a cut was simulated at).
    pub sync_points: u64,
    /// Crash images opened.
    pub images: u64,
    /// Images holding a torn write.
    pub torn: u64,
    /// Images that lost an acknowledged item.
    pub lost: u64,
    /// Images serving something never written (wrong data read without an error).
    pub undetected: u64,
    /// Images whose damage the store reported (a refused read, `verify` problems).
    pub detected: u64,
    /// Images the store refused to open after something was acknowledged.
    pub unopenable: u64,
    /// Images cut before anything was acknowledged that the store refused to open (the file was being created).
    pub cut_while_creating: u64,
}

impl Report {
    /// What the images came to, for the run's summary line.
    pub fn outcome(&self) -> String {
        format!(
            "lost {}, undetected corruptions {}, detected corruptions {}, unopenable {} (+{} cut while the file was being created)",
            self.lost, self.undetected, self.detected, self.unopenable, self.cut_while_creating
        )
    }
}

/// Acknowledged items by kind, for the run's summary line.
pub fn kinds(items: &[Item]) -> BTreeMap<&'static str, u64> {
    let mut kinds = BTreeMap::new();
    for item in items {
        *kinds.entry(item.kind()).or_insert(0) += 1;
    }
    kinds
}

/// A store file's disk and its log's, linked ([`Sim::link`]), each recording `per_sync` crash
/// images at every sync; the log's disk is seeded from `seed ^ salt`.
pub fn linked_disks(seed: u64, salt: u64, per_sync: usize) -> (Sim, Sim) {
    let main = Sim::new(seed);
    let log = Sim::new(seed ^ salt);
    main.link(&log);
    main.record_images(per_sync);
    log.record_images(per_sync);
    (main, log)
}

/// Judges one image: every item acknowledged before the cut reads back, whatever else the
/// full scan finds is newer than every acknowledged item (the commit in flight), and `verify`
/// passes.
pub fn judge(store: &Store, acked: &[Item], r: &mut Report) -> Result<(), String> {
    for item in acked {
        match item.check(store) {
            Outcome::Correct => {}
            Outcome::Wrong(w) => {
                r.undetected += 1;
                return Err(w);
            }
            other => {
                r.lost += 1;
                return Err(format!("acknowledged {} lost: {other:?}", item.kind()));
            }
        }
    }
    if let Err(e) = items::check_not_ahead(store, acked) {
        r.undetected += 1;
        return Err(e);
    }
    let scan = match items::full_scan(store) {
        Ok(s) => s,
        Err(e) => {
            r.detected += 1;
            return Err(format!("full scan: {e}"));
        }
    };
    let mut known_trades = BTreeMap::new();
    let mut max_state = 0;
    for item in acked {
        match item {
            Item::Trade(t) => {
                known_trades.insert(t.id, t);
            }
            Item::State { version, .. } => max_state = max_state.max(*version),
            _ => {}
        }
    }
    let max_trade = known_trades.keys().max().copied().unwrap_or(0);
    for (id, t) in &scan.trades {
        if let Some(k) = known_trades.get(id) {
            if *k != t {
                r.undetected += 1;
                return Err(format!("trade {id} differs from the acknowledged one"));
            }
        } else if *id <= max_trade {
            r.undetected += 1;
            return Err(format!(
                "trade {id} was never acknowledged yet sits among acknowledged ids"
            ));
        }
    }
    if let Err(e) = items::verify_clean(store) {
        r.detected += 1;
        return Err(e);
    }
    Ok(())
}

/// Every image the linked disks `main` and `log` recorded ([`Sim::link`]), each with whether the
/// log was the disk syncing: the cuts at the store file's syncs, then those at the log's.
pub fn linked_images(main: &Sim, log: &Sim) -> Vec<(CrashImage, bool)> {
    main.take_images()
        .into_iter()
        .map(|i| (i, false))
        .chain(log.take_images().into_iter().map(|i| (i, true)))
        .collect()
}

/// The store file's and the log's images of one cut, whichever disk was syncing.
pub fn pair(img: &CrashImage, log_syncing: bool) -> Option<(&CrashImage, &CrashImage)> {
    let partner = img.partner.as_deref()?;
    Some(if log_syncing { (partner, img) } else { (img, partner) })
}

/// One cut of two linked disks, for a failure message.
pub fn describe(img: &CrashImage, log_syncing: bool, main_img: &CrashImage, log_img: &CrashImage) -> String {
    format!(
        "{} sync {} acked {} (store file kept {:?} torn {}, log kept {:?} torn {})",
        if log_syncing { "log" } else { "store file" },
        img.sync_no,
        img.acked,
        main_img.kept,
        main_img.torn,
        log_img.kept,
        log_img.torn
    )
}

/// The store opened from a crash image, or `None` (counted in `r`) when there is none to judge:
/// refused while the store file was being created, before anything was acknowledged (the
/// database refuses the half-written header with an error, "not a redb database": nothing is
/// lost, the store has to be created again), or refused after acknowledgements — a failure,
/// described by `what` and pushed to `failures`.
pub fn opened(
    opened: tradestore::Result<Store>,
    acked: u64,
    what: &str,
    r: &mut Report,
    failures: &mut Vec<String>,
) -> Option<Store> {
    match opened {
        Ok(s) => Some(s),
        Err(_) if acked == 0 => {
            r.cut_while_creating += 1;
            None
        }
        Err(e) => {
            r.unopenable += 1;
            failures.push(format!("{what}: open failed: {e}"));
            None
        }
    }
}
