//! `tradestore housekeeping usage|alerts|dashboard|cleanup|monitor` keep the CLI contract:
//! one JSON document with RFC 3339 times under `--json`, exit codes 1 (bad input), 2 (usage),
//! 3 (unknown component), and the store's `housekeeping.toml` is read when present.

mod common;

use std::time::{Duration, SystemTime};

use common::{cli, cli_json as json};

// The real disk's fullness is not the test's to choose: keep its thresholds out of reach.
const CONFIG: &str = r#"
[disk]
warning_percent = 99.99
emergency_percent = 99.99
critical_percent = 99.99

[[component]]
name = "bot"
importance = "normal"
allocation_mb = 1
strategy = "time"
interval_hours = 1
retention = { data_days = 30, logs_days = 7, cache_hours = 24 }
"#;

#[test]
fn housekeeping_commands() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    let s = dir.path();
    std::fs::create_dir_all(s)?;
    std::fs::write(s.join("housekeeping.toml"), CONFIG)?;

    let u = json(&cli(s, &["--json", "housekeeping", "usage"]));
    assert_eq!(u["components"].as_array().map(Vec::len), Some(1));
    assert_eq!(u["components"][0]["name"], "bot");
    assert!(u["store_file_bytes"].as_u64().unwrap_or(0) > 0);
    assert!(u["fs"]["total_bytes"].as_u64().is_some());
    assert!(u["ts"].as_str().is_some_and(|t| t.ends_with('Z')), "{}", u["ts"]);
    assert!(s.join("components/bot/logs").is_dir());

    // An expired log and a fresh one; 850 kB in use raises a warning.
    let old = s.join("components/bot/logs/old.log");
    std::fs::write(&old, vec![0u8; 600_000])?;
    std::fs::File::options()
        .write(true)
        .open(&old)?
        .set_modified(SystemTime::now() - Duration::from_secs(8 * 86_400))?;
    std::fs::write(s.join("components/bot/logs/new.log"), vec![0u8; 250_000])?;

    let dry = json(&cli(s, &["--json", "housekeeping", "cleanup", "--dry-run"]));
    assert_eq!(dry["dry_run"], true);
    let planned = &dry["components"][0]["planned"];
    assert_eq!(planned.as_array().map(Vec::len), Some(1));
    assert_eq!(planned[0]["rel"], "components/bot/logs/old.log");
    assert_eq!(planned[0]["bytes"], 600_000);
    assert!(old.exists());

    let pass = json(&cli(s, &["--json", "housekeeping", "monitor", "--once"]));
    assert_eq!(pass["alerts"][0]["level"], "warning");
    assert_eq!(pass["alerts"][0]["scope"], "bot");
    assert_eq!(pass["cleanups"][0]["removed_files"], 1);
    assert!(!old.exists());

    let alerts = json(&cli(s, &["--json", "housekeeping", "alerts"]));
    assert_eq!(alerts.as_array().map(Vec::len), Some(1));
    assert!(alerts[0]["ts"].as_str().is_some_and(|t| t.ends_with('Z')));

    let d = json(&cli(s, &["--json", "housekeeping", "dashboard"]));
    for key in ["usage", "trends", "alerts", "last_cleanups", "compaction"] {
        assert!(!d[key].is_null(), "dashboard lacks {key}");
    }
    assert_eq!(d["last_cleanups"][0]["target"], "bot");

    let people = cli(s, &["housekeeping", "cleanup", "--dry-run", "--strategy", "size"]);
    assert!(people.status.success());
    assert!(String::from_utf8_lossy(&people.stdout).contains("would remove"));

    let bad = cli(s, &["housekeeping", "cleanup", "--strategy", "fifo"]);
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).starts_with("error: "));
    assert_eq!(
        cli(s, &["housekeeping", "cleanup", "--component", "nope"])
            .status
            .code(),
        Some(3)
    );
    assert_eq!(cli(s, &["housekeeping", "frobnicate"]).status.code(), Some(2));
    std::fs::write(s.join("housekeeping.toml"), "warning_percent = \"lots\"")?;
    let broken = cli(s, &["housekeeping", "usage"]);
    assert_eq!(broken.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("housekeeping.toml"));
    Ok(())
}
