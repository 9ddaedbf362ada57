//! The JSON-file pattern for documents: each document checked against its JSON Schema with the
//! `jsonschema` crate (the validator tradestore uses, same draft), refused whole when it does not
//! match, then saved as one file per key with [`JsonFile`] (previous file copied to `.bak`, temp
//! file, fsync, rename, directory fsync).

use std::path::{Path, PathBuf};

use jsonschema::Validator;
use serde_json::Value;

use super::json_files::JsonFile;
use crate::harness::Result;

/// A directory of validated JSON documents.
pub struct JsonDocs {
    dir: PathBuf,
    schema: Validator,
}

impl JsonDocs {
    /// Documents in `dir` (created if needed), validated against `schema` (draft 2020-12).
    pub fn new(dir: &Path, schema: &Value) -> Result<JsonDocs> {
        std::fs::create_dir_all(dir)?;
        let schema = jsonschema::draft202012::new(schema).map_err(|e| format!("invalid schema: {e}"))?;
        Ok(JsonDocs {
            dir: dir.to_path_buf(),
            schema,
        })
    }

    /// Validates `doc` and durably replaces the document `key` with it.
    pub fn put(&self, key: &str, doc: &Value) -> Result<()> {
        let violations: Vec<String> = self
            .schema
            .iter_errors(doc)
            .map(|e| format!("{}: {e}", e.instance_path().as_str()))
            .collect();
        if !violations.is_empty() {
            return Err(format!("document {key} refused: {}", violations.join("; ")).into());
        }
        JsonFile::new(&self.dir, key)?.save(&serde_json::to_string(doc)?)
    }
}
