//! Full disks, failing writes, failing fsync and failing reads under the real engine: the call
//! that hits the fault returns an error (it is never acknowledged), nothing panics, the store
//! keeps serving reads where the disk still reads, and once the fault clears a reopened store
//! holds every acknowledged item intact — after a process restart (the disk as written) and
//! after a power cut (the durable image only).

mod reliability;

use reliability::items::{self, Item};
use reliability::panics;
use reliability::sim_backend::{Faults, Sim};
use reliability::workload::Workload;
use tradestore::Store;

#[derive(Debug, Default)]
struct Counts {
    refused_calls: u64,
    acked_after_fault: u64,
    reads_served_during_fault: u64,
    reads_failed_during_fault: u64,
    reopen_while_full_errors: u64,
    reopen_while_full_ok: u64,
    reopen_while_full_unchecked_errors: u64,
    reopen_while_full_unchecked_ok: u64,
    reopen_while_full_in_place_errors: u64,
    reopen_while_full_in_place_ok: u64,
    writes_ok_after_clear_same_handle: u64,
    writes_refused_after_clear_same_handle: u64,
}

/// Runs `before` good steps, injects `faults`, runs `during` steps (each either refused or
/// acknowledged), then checks reads on the live store, drops it, clears the fault and reopens.
fn scenario(
    seed: u64,
    faults: Faults,
    before: usize,
    during: usize,
    c: &mut Counts,
    tiny_cache: bool,
) -> reliability::TestResult {
    let dir = tempfile::tempdir()?;
    let sim = Sim::new(seed);
    let mut acked: Vec<Item> = Vec::new();
    let mut w = Workload::new(seed, "fault");
    let full_disk = faults.write_budget.is_some();
    {
        let mut b = Store::builder();
        if tiny_cache {
            // No page or record cache: every read goes to the (failing) disk.
            b = b.page_cache_bytes(0).cache_bytes(0);
        }
        let store = b.open_with_backend(dir.path(), sim.backend())?;
        for _ in 0..before {
            acked.extend(w.step(&store)?);
        }
        sim.set_faults(faults.clone());
        for _ in 0..during {
            match w.step(&store) {
                Ok(items) => {
                    c.acked_after_fault += items.len() as u64;
                    acked.extend(items);
                }
                Err(_) => c.refused_calls += 1,
            }
        }
        // Reads while the fault is still there: served (the page cache) or refused, never wrong.
        for item in &acked {
            match item.check(&store) {
                items::Outcome::Correct => c.reads_served_during_fault += 1,
                items::Outcome::Wrong(w) => return Err(w.into()),
                _ => c.reads_failed_during_fault += 1,
            }
        }
        // The fault clears while the store is still open: a write works again or is refused
        // (the database may insist on a reopen after an I/O error); either way nothing is lost.
        sim.set_faults(Faults::default());
        match store.save_trade(w.fill()) {
            Ok(t) => {
                c.writes_ok_after_clear_same_handle += 1;
                acked.push(Item::Trade(t));
            }
            Err(_) => c.writes_refused_after_clear_same_handle += 1,
        }
    }
    if full_disk {
        // Reopen while the disk is still full: an error or a working store, never a panic.
        // Where the file system overwrites in place, the store must open and serve reads (the
        // database rewrites its header in place at open; tradestore writes nothing more).
        for (check, in_place) in [(true, false), (false, false), (true, true)] {
            let still_full = Sim::from_bytes(sim.data(), 0);
            still_full.set_faults(Faults {
                write_budget: (!in_place).then_some(0),
                no_growth: in_place,
                ..Faults::default()
            });
            let opened = Store::builder()
                .check_integrity_on_open(check)
                .open_with_backend(dir.path(), still_full.backend());
            let (ok, err) = match (check, in_place) {
                (_, true) => (
                    &mut c.reopen_while_full_in_place_ok,
                    &mut c.reopen_while_full_in_place_errors,
                ),
                (true, false) => (&mut c.reopen_while_full_ok, &mut c.reopen_while_full_errors),
                (false, false) => (
                    &mut c.reopen_while_full_unchecked_ok,
                    &mut c.reopen_while_full_unchecked_errors,
                ),
            };
            match opened {
                Ok(s) => {
                    *ok += 1;
                    items::check_all(&s, &acked)?;
                }
                Err(e) if in_place => return Err(format!("reopen on a full disk (in place) refused: {e}").into()),
                Err(_) => *err += 1,
            }
        }
    }
    for (what, image) in [("process restart", sim.data()), ("power cut", sim.durable())] {
        let disk = Sim::from_bytes(image, 0);
        let store = Store::builder().open_with_backend(dir.path(), disk.backend())?;
        items::check_all(&store, &acked).map_err(|e| format!("after {what}: {e}"))?;
        items::full_scan(&store).map_err(|e| format!("after {what}: {e}"))?;
        // The reopened store takes writes again.
        let t = store.save_trade(w.fill())?;
        assert_eq!(store.get_trade(t.id)?, t);
    }
    Ok(())
}

fn report(name: &str, c: &Counts) {
    eprintln!("{name}: {c:?}");
}

#[test]
fn full_disk_refuses_writes_and_loses_nothing() -> reliability::TestResult {
    panics::install();
    let seed = reliability::seed("full_disk");
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut c = Counts::default();
    for i in 0..12 {
        let budget = rng.u64(0..64 * 1024);
        scenario(
            seed + i,
            Faults {
                write_budget: Some(budget),
                ..Faults::default()
            },
            10,
            10,
            &mut c,
            false,
        )?;
    }
    report("full disk", &c);
    assert!(c.refused_calls > 0, "the fault never hit");
    assert_eq!(
        c.reopen_while_full_in_place_ok, 12,
        "reopened and served reads on every full disk"
    );
    assert_eq!(panics::count(), 0);
    Ok(())
}

#[test]
fn failing_fsync_is_never_acknowledged() -> reliability::TestResult {
    panics::install();
    let seed = reliability::seed("fsync");
    let mut c = Counts::default();
    for i in 0..4 {
        scenario(
            seed + i,
            Faults {
                fail_sync: true,
                ..Faults::default()
            },
            8,
            5,
            &mut c,
            false,
        )?;
    }
    report("failing fsync", &c);
    assert_eq!(c.acked_after_fault, 0, "a write was acknowledged although fsync failed");
    assert_eq!(panics::count(), 0);
    Ok(())
}

#[test]
fn failing_writes_are_never_acknowledged() -> reliability::TestResult {
    panics::install();
    let seed = reliability::seed("write_eio");
    let mut c = Counts::default();
    for i in 0..4 {
        scenario(
            seed + i,
            Faults {
                fail_writes: true,
                ..Faults::default()
            },
            8,
            5,
            &mut c,
            false,
        )?;
    }
    report("failing writes", &c);
    assert_eq!(
        c.acked_after_fault, 0,
        "a write was acknowledged although the disk refused it"
    );
    assert_eq!(panics::count(), 0);
    Ok(())
}

#[test]
fn read_only_file_system_refuses_writes_and_serves_reads() -> reliability::TestResult {
    panics::install();
    let seed = reliability::seed("read_only");
    let mut c = Counts::default();
    for i in 0..4 {
        scenario(
            seed + i,
            Faults {
                read_only: true,
                ..Faults::default()
            },
            8,
            5,
            &mut c,
            false,
        )?;
    }
    report("read-only file system", &c);
    assert!(c.refused_calls > 0, "the fault never hit");
    assert_eq!(
        c.acked_after_fault, 0,
        "a write was acknowledged on a read-only file system"
    );
    assert!(c.reads_served_during_fault > 0, "no read was served while read-only");
    // Opening a store on a read-only file system: an error that says so, never a panic (the
    // database rewrites its header at open).
    let dir = tempfile::tempdir()?;
    let sim = Sim::new(seed);
    {
        let store = Store::builder().open_with_backend(dir.path(), sim.backend())?;
        Workload::new(seed, "ro").step(&store)?;
    }
    let ro = Sim::from_bytes(sim.data(), 0);
    ro.set_faults(Faults {
        read_only: true,
        ..Faults::default()
    });
    match Store::builder().open_with_backend(dir.path(), ro.backend()) {
        Ok(_) => return Err("a store opened on a read-only file system".into()),
        Err(e) => assert!(e.to_string().contains("read-only file system"), "{e}"),
    }
    assert_eq!(panics::count(), 0);
    Ok(())
}

#[test]
fn failing_reads_are_errors_not_panics() -> reliability::TestResult {
    panics::install();
    let seed = reliability::seed("read_eio");
    let mut c = Counts::default();
    for i in 0..4 {
        scenario(
            seed + i,
            Faults {
                fail_reads: true,
                ..Faults::default()
            },
            8,
            5,
            &mut c,
            true,
        )?;
    }
    report("failing reads", &c);
    assert!(c.reads_failed_during_fault > 0, "no read reached the disk");
    assert_eq!(panics::count(), 0);
    Ok(())
}
