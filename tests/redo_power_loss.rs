//! Simulated power cuts under the operation log: the store file and `tradestore.redo` are two
//! simulated disks of one machine ([`Sim::link`]), so a cut at any sync of either leaves both
//! files at that same moment — each its durable image plus a random subset of its own unsynced
//! writes, some torn. With the flush timer at an hour, the saves of fills, states and documents
//! are durable only in the log until a write that is not logged (a KV set, a portfolio
//! snapshot) commits the store file durably, so most images need the log replayed.
//!
//! Each pair of images is opened as a store, which must open and hold every item acknowledged
//! before the cut, intact; nothing newer than the write in flight is served; the full scan and
//! `verify` find nothing.
//!
//! Default: 30 operations, 3 images per sync. Long mode: `TRADESTORE_REDO_POWER_STEPS=200`,
//! `TRADESTORE_REDO_POWER_IMAGES=10`.

mod reliability;

use std::time::Duration;

use reliability::power::{Report, describe, judge, kinds, linked_disks, linked_images, opened, pair};
use reliability::sim_backend::Sim;
use reliability::workload::{Mix, Workload};
use tradestore::Store;
use tradestore::redo::format::REDO_MAGIC;

/// Intact frames in a log image.
fn frames(log: &[u8]) -> u64 {
    let disk = Sim::from_bytes(log.to_vec(), 0);
    tradestore::wal::read_frames(&disk.backend(), REDO_MAGIC, |_| true).map_or(0, |r| r.frames)
}

fn builder() -> tradestore::StoreBuilder {
    Store::builder().flush_interval(Duration::from_secs(3600))
}

#[test]
fn power_cuts_under_the_operation_log_lose_no_acknowledged_save() -> reliability::TestResult {
    let seed = reliability::seed("redo_power_loss");
    let steps = reliability::env_count("TRADESTORE_REDO_POWER_STEPS", 30) as usize;
    let per_sync = reliability::env_count("TRADESTORE_REDO_POWER_IMAGES", 3) as usize;
    let dir = tempfile::tempdir()?;
    let (main, log) = linked_disks(seed, 0x7ed0, per_sync);
    let mut acked = Vec::new();
    {
        let store = builder().open_with_backend_and_log(dir.path(), main.backend(), log.backend())?;
        let mut w = Workload::with_mix(seed, "redo", Mix::STORE_FILE);
        for _ in 0..steps {
            acked.extend(w.step(&store)?);
            main.set_acked(acked.len() as u64);
            log.set_acked(acked.len() as u64);
        }
    }
    let mut r = Report {
        sync_points: main.syncs() + log.syncs(),
        ..Report::default()
    };
    let mut needed_the_log = 0u64;
    let mut failures = Vec::new();
    for (n, (img, log_syncing)) in linked_images(&main, &log).iter().enumerate() {
        let Some((main_img, log_img)) = pair(img, *log_syncing) else {
            failures.push(format!("image {n} has no partner"));
            continue;
        };
        r.images += 1;
        r.torn += u64::from(main_img.torn || log_img.torn);
        let (main_bytes, log_bytes) = (main_img.bytes(), log_img.bytes());
        let what = describe(img, *log_syncing, main_img, log_img);
        needed_the_log += u64::from(img.acked > 0 && frames(&log_bytes) > 0);
        let (main_disk, log_disk) = (Sim::from_bytes(main_bytes, 0), Sim::from_bytes(log_bytes, 0));
        let open =
            builder()
                .cache_bytes(0)
                .open_with_backend_and_log(dir.path(), main_disk.backend(), log_disk.backend());
        let Some(store) = opened(open, img.acked, &what, &mut r, &mut failures) else {
            continue;
        };
        if let Err(e) = judge(&store, &acked[..img.acked as usize], &mut r) {
            failures.push(format!("{what}: {}", e.get(..300).unwrap_or(&e)));
        }
    }
    let kinds = kinds(&acked);
    eprintln!(
        "redo power loss: {} sync points ({} of the log) = {} image pairs ({} with torn writes, {} with log frames behind acknowledged items), {} acknowledged items {kinds:?}; {}",
        r.sync_points,
        log.syncs(),
        r.images,
        r.torn,
        needed_the_log,
        acked.len(),
        r.outcome()
    );
    assert!(failures.is_empty(), "{failures:#?}");
    assert!(needed_the_log > 0, "no image had acknowledged saves in the log");
    Ok(())
}

/// A sync of the log that fails: the save is answered with an error saying the reopen settles
/// it, every later write is refused, and a store reopened from what the disks hold durably has
/// every acknowledged save and either has the failed one or takes it when it is sent again.
#[test]
fn a_failed_sync_of_the_log_stops_writes_until_a_reopen_settles_them() -> reliability::TestResult {
    use reliability::sim_backend::Faults;
    use tradestore::kv::Kv;
    use tradestore::{Error, NewTrade, Side};
    let fill = |oid: &str| NewTrade::new("BTC-EUR", Side::Buy, 1.into(), 100.into()).order_id(oid);
    let dir = tempfile::tempdir()?;
    let (main, log) = (Sim::new(1), Sim::new(2));
    let store = builder().open_with_backend_and_log(dir.path(), main.backend(), log.backend())?;
    let first = store.save_trade(fill("o1"))?;
    log.set_faults(Faults {
        fail_sync: true,
        ..Faults::default()
    });
    let failed = store
        .save_trade(fill("o2"))
        .err()
        .ok_or("a save whose log sync failed succeeded")?;
    assert!(failed.to_string().contains("reopened"), "{failed}");
    assert!(matches!(store.save_trade(fill("o3")), Err(Error::Unavailable(_))));
    assert!(matches!(store.kv().set("k", b"v", None), Err(Error::Unavailable(_))));
    drop(store);

    let (main, log) = (Sim::from_bytes(main.durable(), 0), Sim::from_bytes(log.durable(), 0));
    let store = builder().open_with_backend_and_log(dir.path(), main.backend(), log.backend())?;
    assert_eq!(store.get_trade(first.id)?, first);
    match store.save_trade(fill("o2")) {
        Ok(t) => assert_eq!(t.id, 2, "not stored before: stored now"),
        Err(Error::Conflict { existing_id, .. }) => assert_eq!(existing_id, Some(2)),
        Err(e) => return Err(e.into()),
    }
    assert!(
        matches!(store.get_trade(3), Err(Error::NotFound(_))),
        "the refused save is not there"
    );
    Ok(())
}

/// A group whose log sync failed, but whose frame still reached the file (the kernel may write
/// back pages whose `fdatasync` reported an error): the reopen finds the frame and a store file
/// that may already hold the group, and stores it once, never twice.
#[test]
fn a_group_whose_sync_failed_is_stored_at_most_once() -> reliability::TestResult {
    use reliability::sim_backend::Faults;
    let dir = tempfile::tempdir()?;
    let (main, log) = (Sim::new(3), Sim::new(4));
    {
        let store = builder().open_with_backend_and_log(dir.path(), main.backend(), log.backend())?;
        store.save_state("{\"step\":0}", None)?;
        log.set_faults(Faults {
            fail_sync: true,
            ..Faults::default()
        });
        assert!(store.save_state("{\"step\":1}", None).is_err());
    }
    let (main, log) = (Sim::from_bytes(main.durable(), 0), Sim::from_bytes(log.data(), 0));
    let store = builder().open_with_backend_and_log(dir.path(), main.backend(), log.backend())?;
    let steps = store
        .state_history()?
        .into_iter()
        .map(|s| store.load_state_version(s.version).map(|v| v.json))
        .collect::<Result<Vec<_>, _>>()?;
    assert!(
        steps == ["{\"step\":0}"] || steps == ["{\"step\":0}", "{\"step\":1}"],
        "{steps:?}"
    );
    Ok(())
}
