//! JSON Schemas (draft 2020-12): compiled once per (collection, schema version) and cached.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use serde_json::Value;

use crate::{Error, Result};

/// One way a document fails its schema.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// JSON pointer to the offending value (`""` for the whole document).
    pub pointer: String,
    /// Why it fails. Values are not quoted, so secrets never leak into messages.
    pub reason: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, "{at}: {}", self.reason)
    }
}

/// A compiled schema.
pub(crate) type Compiled = Arc<jsonschema::Validator>;

/// Compiles a draft 2020-12 schema.
///
/// # Errors
/// [`Error::Schema`] saying why the schema is invalid.
pub(crate) fn compile(schema: &Value) -> Result<Compiled> {
    if !schema.is_object() && !schema.is_boolean() {
        return Err(Error::Schema("a JSON Schema must be an object or a boolean".into()));
    }
    jsonschema::draft202012::new(schema)
        .map(Arc::new)
        .map_err(|e| Error::Schema(format!("invalid JSON Schema (draft 2020-12): {}", e.masked())))
}

/// Every violation of `doc` against `schema`, in document order.
pub(crate) fn violations(schema: &jsonschema::Validator, doc: &Value) -> Vec<Violation> {
    // Most documents match: checking stops at the first violation, where listing them all
    // visits every keyword and builds an error for each.
    if schema.is_valid(doc) {
        return Vec::new();
    }
    let mut out: Vec<Violation> = schema
        .iter_errors(doc)
        .map(|e| Violation {
            pointer: e.instance_path().as_str().to_owned(),
            reason: e.masked().to_string(),
        })
        .collect();
    out.sort_by(|a, b| a.pointer.cmp(&b.pointer));
    out
}

/// The refusal of a document, listing every violation.
pub(crate) fn refusal(collection: &str, key: &str, version: u32, v: &[Violation]) -> Error {
    let list: Vec<String> = v.iter().map(ToString::to_string).collect();
    Error::Schema(format!(
        "document {collection}/{key} does not match schema version {version} ({} violation{}): {}; nothing was stored",
        v.len(),
        if v.len() == 1 { "" } else { "s" },
        list.join("; ")
    ))
}

/// Compiled schemas by (collection, schema version). Schema versions are immutable once written,
/// so an entry never goes stale, even with several processes sharing the store.
#[derive(Default)]
pub(crate) struct SchemaCache {
    map: Mutex<HashMap<(String, u32), Compiled>>,
}

impl SchemaCache {
    /// The compiled schema, compiling `load()`'s JSON on a miss.
    pub(crate) fn get_or_compile(
        &self,
        collection: &str,
        version: u32,
        load: impl FnOnce() -> Result<Value>,
    ) -> Result<Compiled> {
        let key = (collection.to_owned(), version);
        if let Some(c) = self.map.lock().ok().and_then(|m| m.get(&key).cloned()) {
            return Ok(c);
        }
        let compiled = compile(&load()?)?;
        if let Ok(mut m) = self.map.lock() {
            m.insert(key, compiled.clone());
        }
        Ok(compiled)
    }
}
