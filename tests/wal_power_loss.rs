//! Simulated power cuts under the commit log: the store file and its log are two simulated disks
//! of one machine ([`Sim::link`]), so a cut at any sync of either leaves both files at that same
//! moment — each its durable image plus a random subset of its own unsynced writes, some torn.
//! The store file's unsynced writes are everything since the last checkpoint, so most images
//! need the log replayed to be whole.
//!
//! Each pair of images is replayed and opened as a store, which must open and hold every item
//! acknowledged before the cut, intact; the write in flight is all there or not at all (a batch
//! of trades, a state save); nothing newer than it is served, and `verify` finds nothing. On a
//! sample of the images the log is also replayed twice (the second replay changes nothing) and
//! the first replay is itself cut by a power loss (the next replay completes it).
//!
//! The workload is the store-file mix of `power_loss_images`, then one KV value bigger than a
//! frame may carry, so the log switches to writing the store file directly and checkpoints:
//! cuts fall between the store file's sync and the new log header. The last call overwrites it
//! with a short value: the first frame of the new generation, over the stale frames of the old
//! one. The close checkpoints again.
//!
//! Default: 20 operations, 3 images per sync (2 once the store file holds the big value),
//! every 4th image replayed twice and cut during replay. Long mode:
//! `TRADESTORE_WAL_POWER_STEPS=200`, `TRADESTORE_WAL_POWER_IMAGES=10`.

mod reliability;

use reliability::items::{Item, Outcome};
use reliability::power::{Report, describe, judge, kinds, linked_disks, linked_images, opened, pair};
use reliability::sim_backend::Sim;
use reliability::workload::{Mix, Workload};
use tradestore::Store;
use tradestore::kv::Kv;
use tradestore::wal::{self, WalBackend};

/// Bytes of the one big value: more than a log frame may carry.
const BIG_VALUE: usize = wal::format::MAX_PAYLOAD + (1 << 20);
/// Its key. The next call overwrites it with a short value (a higher sequence number), so that
/// the images after it do not all read and hash megabytes.
const BIG_KEY: &str = "wal-big:blob";
/// Sequence number of the big value, above any the workload uses.
const BIG_SEQ: u64 = 1 << 40;

/// The acknowledged items, and where each call's items start.
#[derive(Default)]
struct Acked {
    items: Vec<Item>,
    starts: Vec<usize>,
}

impl Acked {
    /// The items of the call in flight when `acked` items were acknowledged.
    fn in_flight(&self, acked: usize) -> &[Item] {
        let Some(i) = self.starts.iter().position(|&s| s == acked) else {
            return &[];
        };
        let end = self.starts.get(i + 1).copied().unwrap_or(self.items.len());
        &self.items[acked..end]
    }
}

#[derive(Default)]
struct Counts {
    checkpoint_cuts: u64,
    old_header_kept: u64,
    replayed_twice: u64,
    replay_cuts: u64,
    frames_replayed: u64,
}

fn short(s: &str) -> &str {
    s.get(..300).unwrap_or(s)
}

/// The write in flight at the cut is there whole or not at all: every one of its trades, state
/// versions, portfolio snapshots and first values of KV keys reads back, or none does, and
/// none reads wrong.
fn all_or_nothing(store: &Store, before: &[Item], in_flight: &[Item]) -> Result<(), String> {
    let mut present = Vec::new();
    for item in in_flight {
        let first_value = match item {
            Item::KvSet { key, .. } => !before
                .iter()
                .any(|b| matches!(b, Item::KvSet { key: k, .. } if k == key)),
            _ => false,
        };
        if !first_value && !matches!(item, Item::Trade(_) | Item::State { .. } | Item::Portfolio(_)) {
            continue;
        }
        match item.check(store) {
            Outcome::Correct => present.push(true),
            Outcome::Missing(_) => present.push(false),
            other => return Err(format!("{} in flight: {}", item.kind(), short(&format!("{other:?}")))),
        }
    }
    if present.iter().any(|&p| p) && !present.iter().all(|&p| p) {
        return Err(format!("the write in flight is half there: {present:?}"));
    }
    Ok(())
}

/// Replays `log` onto `main` twice (the second changes nothing), and cuts the power during the
/// first replay's sync of the store file (replaying again from any such image gives the same
/// file).
fn replay_checks(main: &[u8], log: &[u8], seed: u64, c: &mut Counts) -> Result<(), String> {
    let err = |e: std::io::Error| format!("replay: {e}");
    let log_disk = Sim::from_bytes(log.to_vec(), 0);
    let once = Sim::from_bytes(main.to_vec(), seed);
    once.record_images(4);
    let first = wal::replay(&once.backend(), &log_disk.backend()).map_err(err)?;
    let replayed = once.data();
    let second = wal::replay(&once.backend(), &log_disk.backend()).map_err(err)?;
    if first != second || once.data() != replayed {
        return Err(format!(
            "a second replay changed the store file: {first:?} then {second:?}"
        ));
    }
    c.replayed_twice += 1;
    for cut in once.take_images().into_iter().take(4) {
        let disk = Sim::from_bytes(cut.bytes(), 0);
        wal::replay(&disk.backend(), &log_disk.backend()).map_err(err)?;
        if disk.data() != replayed {
            return Err(format!(
                "replaying after a cut during replay (kept {:?}, torn {}) gives another file",
                cut.kept, cut.torn
            ));
        }
        c.replay_cuts += 1;
    }
    if log_disk.syncs() != 0 || log_disk.data() != log {
        return Err("replay wrote to the log".into());
    }
    Ok(())
}

#[test]
fn power_cuts_under_the_commit_log_lose_no_acknowledged_commit() -> reliability::TestResult {
    let seed = reliability::seed("wal_power_loss");
    let steps = reliability::env_count("TRADESTORE_WAL_POWER_STEPS", 20) as usize;
    let per_sync = reliability::env_count("TRADESTORE_WAL_POWER_IMAGES", 3) as usize;
    let dir = tempfile::tempdir()?;
    let (main, log) = linked_disks(seed, 0x5eed, per_sync);
    let mut acked = Acked::default();
    let main_syncs_before_close;
    {
        let backend = WalBackend::open(main.backend(), log.backend())?;
        let store = Store::builder().open_with_backend(dir.path(), backend)?;
        let mut w = Workload::with_mix(seed, "wal", Mix::STORE_FILE);
        for i in 0..steps {
            acked.starts.push(acked.items.len());
            if i + 2 >= steps {
                let (seq, len) = if i + 2 == steps {
                    (BIG_SEQ, BIG_VALUE)
                } else {
                    (BIG_SEQ + 1, 8)
                };
                let value = format!("{seq}|{}", "b".repeat(len));
                store.kv().set(BIG_KEY, value.as_bytes(), None)?;
                acked.items.push(Item::KvSet {
                    key: BIG_KEY.into(),
                    value,
                    ttl_secs: None,
                });
            } else {
                acked.items.extend(w.step(&store)?);
            }
            main.set_acked(acked.items.len() as u64);
            log.set_acked(acked.items.len() as u64);
            if i + 2 == steps {
                // From here every image holds a store file of tens of MiB: fewer of them.
                main.record_images(per_sync.div_ceil(2));
                log.record_images(per_sync.div_ceil(2));
            }
        }
        main_syncs_before_close = main.syncs();
    }
    assert!(
        main_syncs_before_close >= 1,
        "the big write never made the log checkpoint (store file synced {main_syncs_before_close} times)"
    );
    let mut r = Report {
        sync_points: main.syncs() + log.syncs(),
        ..Report::default()
    };
    let mut c = Counts::default();
    let mut failures = Vec::new();
    for (n, (img, log_syncing)) in linked_images(&main, &log).iter().enumerate() {
        let Some((main_img, log_img)) = pair(img, *log_syncing) else {
            failures.push(format!("image {n} has no partner"));
            continue;
        };
        r.images += 1;
        r.torn += u64::from(main_img.torn || log_img.torn);
        // A cut while a checkpoint starts the new log: the store file was just synced, the log's
        // only unsynced write is its new header.
        if *log_syncing && main_img.kept.1 == 0 && log_img.kept.1 > 0 && img.acked > 0 {
            c.checkpoint_cuts += 1;
            c.old_header_kept += u64::from(log_img.kept.0 == 0);
        }
        let (main_bytes, log_bytes) = (main_img.bytes(), log_img.bytes());
        let what = describe(img, *log_syncing, main_img, log_img);
        if n % 4 == 0
            && let Err(e) = replay_checks(&main_bytes, &log_bytes, seed ^ n as u64, &mut c)
        {
            failures.push(format!("{what}: {e}"));
            continue;
        }
        let (main_disk, log_disk) = (Sim::from_bytes(main_bytes, 0), Sim::from_bytes(log_bytes, 0));
        c.frames_replayed += wal::replay(&main_disk.backend(), &log_disk.backend())
            .map(|rep| rep.frames)
            .unwrap_or(0);
        let backend = match WalBackend::open(main_disk.backend(), log_disk.backend()) {
            Ok(b) => b,
            Err(e) => {
                r.unopenable += 1;
                failures.push(format!("{what}: the log did not open: {e}"));
                continue;
            }
        };
        let open = Store::builder().cache_bytes(0).open_with_backend(dir.path(), backend);
        let Some(store) = opened(open, img.acked, &what, &mut r, &mut failures) else {
            continue;
        };
        let acked_now = img.acked as usize;
        let judged = judge(&store, &acked.items[..acked_now], &mut r)
            .and_then(|()| all_or_nothing(&store, &acked.items[..acked_now], acked.in_flight(acked_now)));
        if let Err(e) = judged {
            failures.push(format!("{what}: {}", short(&e)));
        }
    }
    let kinds = kinds(&acked.items);
    eprintln!(
        "wal power loss: {} sync points ({} of the store file) = {} image pairs ({} with torn writes), {} acknowledged items {kinds:?}; {} cuts while a checkpoint started the new log ({} kept the old header), {} frames replayed, {} images replayed twice, {} cut during replay; {}",
        r.sync_points,
        main.syncs(),
        r.images,
        r.torn,
        acked.items.len(),
        c.checkpoint_cuts,
        c.old_header_kept,
        c.frames_replayed,
        c.replayed_twice,
        c.replay_cuts,
        r.outcome()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(
        c.checkpoint_cuts > 0 && c.old_header_kept > 0,
        "no cut fell in a checkpoint"
    );
    assert!(c.frames_replayed > 0, "no image needed the log");
    assert!(c.replay_cuts > 0, "no replay was cut");
    Ok(())
}
