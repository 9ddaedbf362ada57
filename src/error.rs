//! The crate's one error type: every variant names what happened and what to do about it.

use std::path::PathBuf;

/// Result alias used throughout tradestore.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can go wrong, in variants a caller can act on.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Input was refused; nothing was stored.
    #[error("invalid {field}: {reason}; nothing was stored")]
    Validation {
        /// The offending field (or `line N field` for file imports).
        field: String,
        /// Why it was refused.
        reason: String,
    },
    /// A JSON Schema was invalid or a document did not match it.
    #[error("schema error: {0}")]
    Schema(String),
    /// The thing asked for does not exist.
    #[error("{0} not found")]
    NotFound(String),
    /// The write clashes with what is stored (duplicate order id, version clash).
    #[error("conflict: {detail}")]
    Conflict {
        /// What clashed.
        detail: String,
        /// The id of the record that already holds the key, when there is one.
        existing_id: Option<u64>,
    },
    /// A stored record failed its checksum, length or structure check. It was not served.
    #[error(
        "record {table}/{key} is corrupt ({detail}): it was not served; run `tradestore verify` and restore from a snapshot"
    )]
    Corruption {
        /// The table holding the record.
        table: String,
        /// The record's key, printed.
        key: String,
        /// What check failed.
        detail: String,
    },
    /// The store was written by a newer tradestore, or is not a tradestore file.
    #[error("store format version {found} is not supported (this build reads up to {supported}): upgrade tradestore")]
    Incompatible {
        /// The format version found in the store.
        found: u64,
        /// The newest format this build understands.
        supported: u64,
    },
    /// A snapshot file was damaged or does not belong to this format.
    #[error("snapshot error: {0}")]
    Snapshot(String),
    /// A quota would be exceeded by the write.
    #[error("quota exceeded: {0}")]
    QuotaExceeded(String),
    /// The store or a named lock is held by someone else.
    #[error("locked: {0}")]
    Locked(String),
    /// A backend or the store's writer is not available.
    #[error("unavailable: {0}")]
    Unavailable(String),
    /// A file-system operation failed.
    #[error("I/O error on {}: {source}", path.display())]
    Io {
        /// The path being worked on.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
    /// The embedded database reported an error.
    #[error("database error: {0}; if it persists, run `tradestore verify`")]
    Db(String),
}

impl Error {
    /// Shorthand for a [`Error::Validation`].
    pub fn validation(field: impl Into<String>, reason: impl Into<String>) -> Self {
        Error::Validation {
            field: field.into(),
            reason: reason.into(),
        }
    }

    /// Shorthand for a [`Error::Corruption`].
    pub fn corruption(table: impl Into<String>, key: impl std::fmt::Display, detail: impl Into<String>) -> Self {
        Error::Corruption {
            table: table.into(),
            key: key.to_string(),
            detail: detail.into(),
        }
    }

    /// Wraps an I/O error with the path it concerns.
    pub fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Error::Io {
            path: path.into(),
            source,
        }
    }

    /// The CLI exit code for this error (see the CLI contract): 3 not found, 4 corruption,
    /// 1 otherwise.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::NotFound(_) => 3,
            Error::Corruption { .. } => 4,
            _ => 1,
        }
    }
}

macro_rules! db_error {
    ($($t:ty),*) => {$(
        impl From<$t> for Error {
            fn from(e: $t) -> Self {
                Error::Db(e.to_string())
            }
        }
    )*};
}
db_error!(
    redb::TransactionError,
    redb::TableError,
    redb::StorageError,
    redb::CommitError,
    redb::CompactionError,
    redb::SetDurabilityError
);

impl From<redb::DatabaseError> for Error {
    fn from(e: redb::DatabaseError) -> Self {
        match e {
            redb::DatabaseError::DatabaseAlreadyOpen => Error::Locked(
                "the store is open in another process that holds it exclusively; close it, or open both with shared concurrency".into(),
            ),
            other => Error::Db(other.to_string()),
        }
    }
}
