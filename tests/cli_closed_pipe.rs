//! Command output piped into a reader that stops early (`tradestore trades list | head`) ends
//! the command quietly with exit code 0: no panic, no error message.

mod common;

use std::io::Read;
use std::process::{Command, Stdio};

use tradestore::{Side, Store};

#[test]
fn listing_into_a_closed_pipe_exits_quietly() -> common::TestResult {
    let dir = tempfile::tempdir()?;
    {
        let store = Store::open(dir.path())?;
        let fills: Vec<_> = (0..3_000)
            .map(|i| common::fill("BTC-EUR", Side::Buy, "0.01", "50000").ts(1_700_000_000_000_000_000 + i))
            .collect();
        store.save_trades(&fills)?;
    }
    // Far more output than a pipe buffers, in both the table and the JSON form.
    for json in [false, true] {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tradestore"));
        cmd.arg("--store").arg(dir.path());
        if json {
            cmd.arg("--json");
        }
        let mut child = cmd
            .args(["trades", "list", "--limit", "3000"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()?;
        let mut stdout = child.stdout.take().ok_or("no stdout")?;
        let mut first = [0u8; 16];
        stdout.read_exact(&mut first)?;
        drop(stdout);
        let out = child.wait_with_output()?;
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "json={json}: {:?}, stderr: {stderr}", out.status);
        assert!(stderr.is_empty(), "json={json}: nothing on stderr, got: {stderr}");
    }
    Ok(())
}
