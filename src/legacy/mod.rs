//! Importing a bot's legacy JSON data directory.
//!
//! ```text
//! DIR/
//!   portfolio.json (+ .bak)    one snapshot, a list, or {"snapshots"|"history": [...]}
//!                              → portfolio snapshots
//!   state.json | bot_state.json (+ .bak)              → a bot state version
//!   config.json (+ .bak)       → document config/config
//!   performance/*.json         → documents performance/<file stem>
//!   <collection>/<key>.json    → documents <collection>/<key>, for every other folder
//! ```
//!
//! Every file whose primary copy is missing or unparsable is read from its `.bak` copy instead,
//! and reported as repaired. Importing is idempotent: a document whose latest version already
//! equals the file, a state equal to the latest state, and a portfolio snapshot already stored at
//! the same time with the same content are left alone.

mod files;
mod portfolio;

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::Value;

use files::{Loaded, json_files, load};

use crate::documents::{check_collection, check_key};
use crate::timefmt::now_ns;
use crate::{Error, Result, Store};

/// What [`Store::import_legacy`] did.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct LegacyReport {
    /// New items stored, by kind (`documents`, `portfolio_snapshots`, `state_versions`).
    pub imported: BTreeMap<String, u64>,
    /// Files read from their `.bak` copy, and why the primary was not used.
    pub repaired: Vec<(String, String)>,
    /// Files not imported, and why.
    pub skipped: Vec<(String, String)>,
    /// Items already in the store, left alone.
    pub already_present: u64,
}

impl LegacyReport {
    fn add(&mut self, kind: &str) {
        *self.imported.entry(kind.to_owned()).or_default() += 1;
    }
}

fn rel(dir: &Path, p: &Path) -> String {
    p.strip_prefix(dir).unwrap_or(p).display().to_string()
}

impl Store {
    /// Imports a legacy JSON data directory (layout in [`crate::legacy`]).
    ///
    /// # Errors
    /// [`Error::NotFound`] if `dir` is not a directory; [`Error::Db`] if the store fails.
    /// Problems with single files are reported in [`LegacyReport::skipped`].
    pub fn import_legacy(&self, dir: &Path) -> Result<LegacyReport> {
        if !dir.is_dir() {
            return Err(Error::NotFound(format!("legacy data directory {}", dir.display())));
        }
        let mut r = LegacyReport::default();
        let read = |path: &Path, r: &mut LegacyReport| -> Option<Value> {
            match load(path) {
                Loaded::Primary(v) => Some(v),
                Loaded::FromBackup(v, why) => {
                    r.repaired
                        .push((rel(dir, path), format!("{why}; used {}.bak", rel(dir, path))));
                    Some(v)
                }
                Loaded::Unreadable(why) => {
                    r.skipped.push((rel(dir, path), why));
                    None
                }
            }
        };
        let present = |name: &str| dir.join(name).exists() || files::backup_of(&dir.join(name)).exists();
        if present("portfolio.json")
            && let Some(v) = read(&dir.join("portfolio.json"), &mut r)
        {
            self.legacy_portfolio(&v, &mut r)?;
        }
        for name in ["state.json", "bot_state.json"] {
            if present(name)
                && let Some(v) = read(&dir.join(name), &mut r)
            {
                let same = self
                    .load_latest_valid()?
                    .is_some_and(|l| serde_json::from_str::<Value>(&l.state.json).ok() == Some(v.clone()));
                if same {
                    r.already_present += 1;
                } else {
                    self.save_state(&v.to_string(), Some("legacy import"))?;
                    r.add("state_versions");
                }
            }
        }
        if present("config.json")
            && let Some(v) = read(&dir.join("config.json"), &mut r)
        {
            self.legacy_doc("config", "config", &v, &mut r, "config.json")?;
        }
        let mut folders: Vec<_> = std::fs::read_dir(dir)
            .map_err(|e| Error::io(dir, e))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .filter(|p| p.is_dir())
            .collect();
        folders.sort();
        for folder in folders {
            let Some(collection) = folder.file_name().and_then(|n| n.to_str()).map(str::to_owned) else {
                continue;
            };
            if check_collection(&collection).is_err() {
                r.skipped
                    .push((rel(dir, &folder), "folder name is not a collection name".into()));
                continue;
            }
            for file in json_files(&folder).map_err(|e| Error::io(&folder, e))? {
                let name = rel(dir, &file);
                let key = file.file_stem().and_then(|s| s.to_str()).unwrap_or_default().to_owned();
                if check_key(&key).is_err() {
                    r.skipped.push((name, "file name is not a document key".into()));
                    continue;
                }
                if let Some(v) = read(&file, &mut r) {
                    self.legacy_doc(&collection, &key, &v, &mut r, &name)?;
                }
            }
        }
        Ok(r)
    }

    fn legacy_doc(&self, collection: &str, key: &str, v: &Value, r: &mut LegacyReport, file: &str) -> Result<()> {
        let c = self.collection(collection)?;
        match c.get(key) {
            Ok(d) if &d.json == v => {
                r.already_present += 1;
                return Ok(());
            }
            Ok(_) | Err(Error::NotFound(_)) => {}
            Err(e) => return Err(e),
        }
        match c.put(key, v) {
            Ok(_) => r.add("documents"),
            Err(e @ (Error::Schema(_) | Error::Validation { .. })) => r.skipped.push((file.to_owned(), e.to_string())),
            Err(e) => return Err(e),
        }
        Ok(())
    }

    fn legacy_portfolio(&self, v: &Value, r: &mut LegacyReport) -> Result<()> {
        let snaps = match portfolio::snapshots(v, portfolio::ns_to_ms(now_ns())) {
            Ok(s) => s,
            Err(e) => {
                r.skipped.push(("portfolio.json".into(), e.to_string()));
                return Ok(());
            }
        };
        for s in snaps {
            if self
                .portfolio_history(Some(s.ts), Some(s.ts.saturating_add(1)))?
                .contains(&s)
            {
                r.already_present += 1;
                continue;
            }
            match self.save_portfolio_snapshot(&s) {
                Ok(()) => r.add("portfolio_snapshots"),
                Err(e @ Error::Validation { .. }) => r.skipped.push(("portfolio.json".into(), e.to_string())),
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }
}
