//! The JSON-file pattern: one file per record, written to a temp file, fsynced, renamed over the
//! previous one (which is first copied to `.bak`), then the directory fsynced. Loading parses the
//! file, falling back to `.bak` when it does not parse.

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::harness::Result;

/// One record kept as `<dir>/<name>.json` with `<name>.json.bak` beside it.
pub struct JsonFile {
    dir: PathBuf,
    path: PathBuf,
    tmp: PathBuf,
    bak: PathBuf,
}

impl JsonFile {
    /// The record `name` in `dir` (created if needed).
    pub fn new(dir: &Path, name: &str) -> Result<JsonFile> {
        fs::create_dir_all(dir)?;
        Ok(JsonFile {
            dir: dir.to_path_buf(),
            path: dir.join(format!("{name}.json")),
            tmp: dir.join(format!("{name}.json.tmp")),
            bak: dir.join(format!("{name}.json.bak")),
        })
    }

    /// Durably replaces the record with `json`, keeping the previous one as `.bak`.
    pub fn save(&self, json: &str) -> Result<()> {
        if self.path.exists() {
            fs::copy(&self.path, &self.bak)?;
        }
        let mut f = File::create(&self.tmp)?;
        f.write_all(json.as_bytes())?;
        f.sync_all()?;
        drop(f);
        fs::rename(&self.tmp, &self.path)?;
        File::open(&self.dir)?.sync_all()?;
        Ok(())
    }

    /// The record's JSON text, checked by parsing it; the `.bak` copy if the file does not parse.
    pub fn load(&self) -> Result<String> {
        match read_valid(&self.path) {
            Ok(s) => Ok(s),
            Err(_) => read_valid(&self.bak),
        }
    }
}

fn read_valid(p: &Path) -> Result<String> {
    let s = fs::read_to_string(p)?;
    serde_json::from_str::<serde::de::IgnoredAny>(&s)?;
    Ok(s)
}
