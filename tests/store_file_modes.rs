//! The store directory is created 0750 and its database file 0640, whatever the umask allows
//! beyond that, through the library and through the CLI.
#![cfg(unix)]

use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;

fn mode(p: &Path) -> u32 {
    std::fs::metadata(p).expect("metadata").permissions().mode() & 0o777
}

#[test]
fn library_creates_private_dir_and_file() -> Result<(), Box<dyn std::error::Error>> {
    let root = tempfile::tempdir()?;
    let dir = root.path().join("nested/store");
    drop(tradestore::Store::open(&dir)?);
    assert_eq!(mode(&dir), 0o750, "store directory");
    assert_eq!(mode(&dir.join("tradestore.redb")), 0o640, "database file");
    // A file made world-readable behind the store's back is restricted again on open.
    std::fs::set_permissions(dir.join("tradestore.redb"), std::fs::Permissions::from_mode(0o666))?;
    drop(tradestore::Store::open(&dir)?);
    assert_eq!(mode(&dir.join("tradestore.redb")), 0o640, "database file after reopen");
    Ok(())
}

#[test]
fn cli_init_creates_private_dir_and_file() -> Result<(), Box<dyn std::error::Error>> {
    let root = tempfile::tempdir()?;
    let dir = root.path().join("cli-store");
    let out = Command::new(env!("CARGO_BIN_EXE_tradestore"))
        .arg("--store")
        .arg(&dir)
        .arg("init")
        .output()?;
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(mode(&dir), 0o750);
    assert_eq!(mode(&dir.join("tradestore.redb")), 0o640);
    Ok(())
}
