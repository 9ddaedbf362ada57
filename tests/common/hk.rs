//! Helpers for the housekeeping tests: files with chosen ages, a fake clock, a fake disk.
#![allow(dead_code)]

use std::fs::{File, FileTimes};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use tradestore::housekeeping::{
    ComponentConfig, FakeClock, FsSpace, Housekeeper, HousekeepingConfig, Importance, Retention, SpaceProbe,
    StrategyKind,
};

use super::T0;

pub const HOUR: u64 = 3600;
pub const DAY: u64 = 86_400;

/// A fake clock standing at T0 (2024-01-01).
pub fn clock() -> Arc<FakeClock> {
    Arc::new(FakeClock::new(T0))
}

/// The time `age_secs` before the clock's now.
pub fn before(clock: &FakeClock, age_secs: u64) -> SystemTime {
    use tradestore::housekeeping::Clock;
    let now = SystemTime::UNIX_EPOCH + Duration::from_nanos(clock.now_ns() as u64);
    now - Duration::from_secs(age_secs)
}

/// Writes `bytes` bytes at `root/rel`, modified and accessed `age_secs` before the clock's now.
pub fn file(root: &Path, rel: &str, bytes: usize, clock: &FakeClock, age_secs: u64) -> PathBuf {
    file_times(root, rel, bytes, before(clock, age_secs), before(clock, age_secs))
}

/// Writes a file with explicit modification and access times.
pub fn file_times(root: &Path, rel: &str, bytes: usize, modified: SystemTime, accessed: SystemTime) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    let mut f = File::create(&p).unwrap();
    f.write_all(&vec![7u8; bytes]).unwrap();
    f.set_times(FileTimes::new().set_modified(modified).set_accessed(accessed))
        .unwrap();
    p
}

/// One component named `name` with an allocation of `mb` MB.
pub fn component(name: &str, importance: Importance, mb: u64, strategy: StrategyKind) -> ComponentConfig {
    ComponentConfig {
        name: name.into(),
        importance,
        allocation_mb: mb,
        retention: Retention {
            data_days: Some(30.0),
            logs_days: Some(7.0),
            cache_hours: Some(24.0),
            temp_hours: Some(24.0),
            backup_days: None,
            config_days: None,
        },
        strategy,
        interval_hours: 6.0,
        compression: true,
        warning_percent: None,
        critical_percent: None,
    }
}

/// A configuration with exactly `components`.
pub fn config(components: Vec<ComponentConfig>) -> HousekeepingConfig {
    HousekeepingConfig {
        components,
        ..HousekeepingConfig::default()
    }
}

/// A housekeeper for `cfg` on `clock` and a disk that is `used_percent` full.
pub fn housekeeper(cfg: HousekeepingConfig, clock: &Arc<FakeClock>, used_percent: f64) -> Housekeeper {
    let total = 1_000_000_000_000u64;
    let avail = (total as f64 * (100.0 - used_percent) / 100.0) as u64;
    Housekeeper::new(cfg)
        .unwrap()
        .with_clock(clock.clone())
        .with_space_probe(Arc::new(FixedDisk(FsSpace::new(total, avail))))
}

/// A housekeeper of one component `name` (1 MB allocation) on `clock`, with the disk
/// `used_percent` full.
pub fn single(
    name: &str,
    importance: Importance,
    strategy: StrategyKind,
    clock: &Arc<FakeClock>,
    used_percent: f64,
) -> Housekeeper {
    housekeeper(
        config(vec![component(name, importance, 1, strategy)]),
        clock,
        used_percent,
    )
}

/// A disk whose fullness the test chooses.
pub struct FixedDisk(pub FsSpace);

impl SpaceProbe for FixedDisk {
    fn space(&self, _: &Path) -> tradestore::Result<FsSpace> {
        Ok(self.0)
    }
}

/// Sorted relative paths of the regular files left under `dir`.
pub fn files_left(root: &Path, dir: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut stack = vec![root.join(dir)];
    while let Some(d) = stack.pop() {
        let Ok(rd) = std::fs::read_dir(&d) else { continue };
        for e in rd.flatten() {
            let ft = e.file_type().unwrap();
            if ft.is_dir() {
                stack.push(e.path());
            } else if ft.is_file() {
                out.push(e.path().strip_prefix(root).unwrap().display().to_string());
            }
        }
    }
    out.sort();
    out
}
