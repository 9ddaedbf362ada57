//! Reading a legacy JSON file, falling back to its `.bak` copy when the primary is damaged.

use std::path::{Path, PathBuf};

use serde_json::Value;

/// A legacy file's JSON and how it was obtained.
pub(crate) enum Loaded {
    /// The primary file parsed.
    Primary(Value),
    /// The primary was missing or unparsable; the `.bak` copy was used. Holds why.
    FromBackup(Value, String),
    /// Neither parsed. Holds why.
    Unreadable(String),
}

fn parse(path: &Path) -> Result<Value, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read: {e}"))?;
    serde_json::from_slice(&text).map_err(|e| format!("not valid JSON: {e}"))
}

pub(crate) fn backup_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".bak");
    PathBuf::from(name)
}

/// Loads `path`, trying `path.bak` when the primary fails.
pub(crate) fn load(path: &Path) -> Loaded {
    match parse(path) {
        Ok(v) => Loaded::Primary(v),
        Err(why) => {
            let bak = backup_of(path);
            if !bak.exists() {
                return Loaded::Unreadable(why);
            }
            match parse(&bak) {
                Ok(v) => Loaded::FromBackup(v, why),
                Err(bak_why) => Loaded::Unreadable(format!("{why}; backup {bak_why}")),
            }
        }
    }
}

/// The `*.json` files directly in `dir` (not `.bak`), sorted by name.
pub(crate) fn json_files(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file() && p.extension().and_then(|e| e.to_str()) == Some("json"))
        .collect();
    // A primary that is gone but whose backup survived is still imported, from the backup.
    for bak in std::fs::read_dir(dir)?.filter_map(|e| e.ok().map(|e| e.path())) {
        if let Some(primary) = bak.to_str().and_then(|s| s.strip_suffix(".json.bak"))
            && !Path::new(&format!("{primary}.json")).exists()
        {
            out.push(PathBuf::from(format!("{primary}.json")));
        }
    }
    out.sort();
    Ok(out)
}
