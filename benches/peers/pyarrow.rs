//! pyarrow, through `benches/pyarrow_peer.py` (the peer of `cargo bench --bench market`, called
//! with its command line): it builds the same candles from the same formulas, writes them to one
//! snappy Parquet file with `pq.write_table` plus an fsync, reads the file back with
//! `pq.read_table`, and prints the timings as JSON. Skipped with a note where python3 or pyarrow
//! is missing.

use std::path::Path;
use std::process::Command;

use crate::harness::{Result, note};

/// What the script measured for one dataset.
pub struct Timings {
    /// Seconds to write the file and fsync it.
    pub write_s: f64,
    /// Seconds to read the whole file.
    pub read_s: f64,
    /// File size.
    pub bytes: u64,
}

/// Runs the script on `n` one-minute candles (no ticks), written and read `reps` times, in
/// `dir`; its medians, `None` when it cannot run here.
pub fn candles(n: usize, reps: usize, dir: &Path) -> Result<Option<Timings>> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/benches/pyarrow_peer.py");
    let out = match Command::new("python3")
        .arg(script)
        .args([
            "--candles",
            &n.to_string(),
            "--ticks",
            "0",
            "--reps",
            &reps.to_string(),
            "--dir",
        ])
        .arg(dir)
        .output()
    {
        Ok(out) => out,
        Err(e) => {
            note(format!("python3 not runnable ({e}); the pyarrow figures are skipped"));
            return Ok(None);
        }
    };
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        if err.contains("ModuleNotFoundError") {
            note("pyarrow or numpy is not installed for python3; the pyarrow figures are skipped");
            return Ok(None);
        }
        return Err(format!("pyarrow peer failed: {err}").into());
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout)?;
    note(format!(
        "pyarrow {}",
        v["pyarrow"].as_str().unwrap_or("(version not reported)")
    ));
    let c = &v["candles"];
    match (c["write_s"].as_f64(), c["read_s"].as_f64(), c["bytes"].as_u64()) {
        (Some(write_s), Some(read_s), Some(bytes)) => Ok(Some(Timings { write_s, read_s, bytes })),
        _ => Err(format!("pyarrow peer printed no candle timings: {v}").into()),
    }
}
