//! Document migrations: declarative steps from schema version n to n + 1, stored in the store so
//! every process (and the CLI) applies the same ones.

use serde_json::Value;

use crate::{Error, Result};

/// One step of a migration. Paths are JSON pointers (`/fees/gas`); their parent must be an
/// object (missing parents are created by `set` and `set_default`).
///
/// As JSON: `{"op": "rename", "from": "/dex", "to": "/venue"}`, `{"op": "remove", "path": "/x"}`,
/// `{"op": "set_default", "path": "/status", "value": "open"}`, `{"op": "set", ...}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
#[non_exhaustive]
pub enum MigrationStep {
    /// Moves the value at `from` to `to` (nothing happens when `from` is absent).
    Rename {
        /// Source pointer.
        from: String,
        /// Destination pointer.
        to: String,
    },
    /// Removes the value at `path`, if present.
    Remove {
        /// Pointer.
        path: String,
    },
    /// Sets `path` to `value` unless it already holds a value.
    SetDefault {
        /// Pointer.
        path: String,
        /// Value to set.
        value: Value,
    },
    /// Sets `path` to `value`, replacing what is there.
    Set {
        /// Pointer.
        path: String,
        /// Value to set.
        value: Value,
    },
}

fn split(path: &str) -> Result<(Vec<String>, String)> {
    let rest = path
        .strip_prefix('/')
        .ok_or_else(|| Error::validation("migration path", format!("{path:?} is not a JSON pointer")))?;
    let mut parts: Vec<String> = rest
        .split('/')
        .map(|s| s.replace("~1", "/").replace("~0", "~"))
        .collect();
    let last = parts.pop().unwrap_or_default();
    Ok((parts, last))
}

fn parent<'a>(
    doc: &'a mut Value,
    parts: &[String],
    create: bool,
) -> Result<Option<&'a mut serde_json::Map<String, Value>>> {
    let mut cur = doc;
    for p in parts {
        let obj = match cur {
            Value::Object(m) => m,
            _ => return Ok(None),
        };
        if !obj.contains_key(p) {
            if !create {
                return Ok(None);
            }
            obj.insert(p.clone(), Value::Object(serde_json::Map::new()));
        }
        cur = match obj.get_mut(p) {
            Some(v) => v,
            None => return Ok(None),
        };
    }
    match cur {
        Value::Object(m) => Ok(Some(m)),
        _ if create => Err(Error::validation("migration path", "parent is not an object")),
        _ => Ok(None),
    }
}

fn take(doc: &mut Value, path: &str) -> Result<Option<Value>> {
    let (parts, last) = split(path)?;
    Ok(parent(doc, &parts, false)?.and_then(|m| m.remove(&last)))
}

fn put(doc: &mut Value, path: &str, value: Value, replace: bool) -> Result<()> {
    let (parts, last) = split(path)?;
    if let Some(m) = parent(doc, &parts, true)?
        && (replace || !m.contains_key(&last))
    {
        m.insert(last, value);
    }
    Ok(())
}

/// Applies `steps` to `doc`.
///
/// # Examples
/// ```
/// use serde_json::json;
/// use tradestore::documents::{MigrationStep, apply_steps};
/// let mut doc = json!({"dex": "uniswap", "profit": "1.5"});
/// apply_steps(&mut doc, &[
///     MigrationStep::Rename { from: "/dex".into(), to: "/venue".into() },
///     MigrationStep::SetDefault { path: "/status".into(), value: json!("closed") },
/// ])?;
/// assert_eq!(doc, json!({"venue": "uniswap", "profit": "1.5", "status": "closed"}));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// # Errors
/// [`Error::Validation`] for a path that is not a JSON pointer or runs through a non-object.
pub fn apply_steps(doc: &mut Value, steps: &[MigrationStep]) -> Result<()> {
    for s in steps {
        match s {
            MigrationStep::Rename { from, to } => {
                if let Some(v) = take(doc, from)? {
                    put(doc, to, v, true)?;
                }
            }
            MigrationStep::Remove { path } => {
                take(doc, path)?;
            }
            MigrationStep::SetDefault { path, value } => put(doc, path, value.clone(), false)?,
            MigrationStep::Set { path, value } => put(doc, path, value.clone(), true)?,
        }
    }
    Ok(())
}
