//! The managed tree: `components/<name>/{data,logs,cache,config,temp,backup}/`.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::store::{create_dir_private, restrict_file};
use crate::{Error, Result};

/// Directory under the store root that holds every component's tree.
pub const COMPONENTS_DIR: &str = "components";

/// The six kinds of storage each component has, in the order a `priority` cleanup empties them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StorageType {
    /// Scratch files; first to go.
    Temp,
    /// Rebuildable caches.
    Cache,
    /// Log files.
    Logs,
    /// The component's data.
    Data,
    /// Backups the component made.
    Backup,
    /// Configuration; last to go.
    Config,
}

impl StorageType {
    /// All six, in `priority` cleanup order (temp → cache → logs → data → backup → config).
    pub const ALL: [StorageType; 6] = [
        StorageType::Temp,
        StorageType::Cache,
        StorageType::Logs,
        StorageType::Data,
        StorageType::Backup,
        StorageType::Config,
    ];

    /// The directory name.
    pub fn as_str(self) -> &'static str {
        match self {
            StorageType::Temp => "temp",
            StorageType::Cache => "cache",
            StorageType::Logs => "logs",
            StorageType::Data => "data",
            StorageType::Backup => "backup",
            StorageType::Config => "config",
        }
    }
}

/// `root/components/<name>`.
pub fn component_dir(root: &Path, name: &str) -> PathBuf {
    root.join(COMPONENTS_DIR).join(name)
}

/// Creates the six directories of component `name` (mode 0750). A path on the way that exists
/// as a symlink or a non-directory is refused, not followed; so is a name that is not a single
/// plain directory name (the rule of the configuration's component names).
///
/// # Errors
/// [`Error::Validation`] for such a name or if something other than a real directory is in the
/// way, [`Error::Io`] if a directory cannot be created.
pub fn ensure_component(root: &Path, name: &str) -> Result<()> {
    super::config::check_component_name(name)?;
    let mut dirs = vec![root.join(COMPONENTS_DIR), component_dir(root, name)];
    dirs.extend(
        StorageType::ALL
            .iter()
            .map(|t| component_dir(root, name).join(t.as_str())),
    );
    for dir in dirs {
        match std::fs::symlink_metadata(&dir) {
            Ok(m) if m.file_type().is_dir() => {}
            Ok(_) => {
                return Err(Error::validation(
                    "housekeeping layout",
                    format!(
                        "{} exists and is not a directory (symlinks are not followed)",
                        dir.display()
                    ),
                ));
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                create_dir_private(&dir)?;
                restrict_file(&dir, 0o750)?;
            }
            Err(e) => return Err(Error::io(&dir, e)),
        }
    }
    Ok(())
}
