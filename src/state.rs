//! Bot state: every save appends a version; history is never rewritten.

use redb::{ReadableTable, ReadableTableMetadata};

use crate::envelope::{self, RecBytes};
use crate::records::BotState;
use crate::tables::STATE_VERSIONS;
use crate::timefmt::now_ns;
use crate::trades::{check_json, check_name};
use crate::{Error, Result, Store};

const TABLE: &str = "state_versions";
/// Largest state document accepted, in bytes.
pub const MAX_STATE_BYTES: usize = 64 << 20;

/// One line of [`Store::state_history`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct StateVersionInfo {
    /// Version number.
    pub version: u64,
    /// Saved at (ns since the epoch), when the record is readable.
    pub ts: Option<i64>,
    /// Label, when the record is readable.
    pub label: Option<String>,
    /// Stored size in bytes.
    pub bytes: u64,
    /// Whether the record passed its checks; `false` means it is corrupt.
    pub valid: bool,
}

/// What [`Store::load_latest_valid`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatestValid {
    /// The newest version that passed its checks.
    pub state: BotState,
    /// Newer versions that were corrupt and skipped, newest first.
    pub skipped: Vec<u64>,
}

/// A save of a new state version, as the writer applies it and as the operation log records it
/// (see [`crate::redo`]).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct StateSave {
    /// Time of the save, ns since the epoch.
    pub now: i64,
    /// The state, JSON text.
    pub json: String,
    /// Its label.
    pub label: Option<String>,
    /// How many versions the store keeps (`StoreBuilder::state_keep_last`) at the time of the
    /// save: older ones are removed in the same transaction.
    pub keep_last: Option<u64>,
}

impl StateSave {
    /// Appends the version and returns its number. Depends on nothing but `txn` and `self`.
    pub(crate) fn apply(&self, txn: &redb::WriteTransaction) -> Result<u64> {
        append(txn, self.json.clone(), self.label.clone(), self.keep_last, self.now)
    }

    /// Checks a save read back from disk as a save from a caller is checked.
    pub(crate) fn check(&self) -> Result<()> {
        check_json("state", &self.json, MAX_STATE_BYTES)?;
        if self.keep_last == Some(0) {
            // The builder keeps at least one version; zero would remove the new one too.
            return Err(Error::validation("keep_last", "must keep at least one version"));
        }
        match &self.label {
            Some(l) => check_name("label", l, false),
            None => Ok(()),
        }
    }
}

fn append(
    txn: &redb::WriteTransaction,
    json: String,
    label: Option<String>,
    keep_last: Option<u64>,
    now: i64,
) -> Result<u64> {
    let mut table = txn.open_table(STATE_VERSIONS)?;
    let version = table.last()?.map_or(0, |(k, _)| k.value()) + 1;
    let rec = BotState {
        version,
        ts: now,
        label,
        json,
    };
    let bytes = envelope::encode(&rec)?;
    table.insert(version, RecBytes::new(&bytes))?;
    if let Some(keep) = keep_last
        && version > keep
    {
        let cut = version - keep;
        table.retain_in(..=cut, |_, _| false)?;
    }
    Ok(version)
}

impl Store {
    /// Saves a new version of the bot's state (any JSON text) and returns its version number.
    ///
    /// # Examples
    /// ```
    /// # let dir = tempfile::tempdir().map_err(|e| tradestore::Error::io("tempdir", e))?;
    /// # let store = tradestore::Store::open(dir.path())?;
    /// let v = store.save_state(r#"{"open_orders":[]}"#, Some("boot"))?;
    /// assert_eq!(store.load_state()?.map(|s| s.version), Some(v));
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::Validation`] if `json` is not valid JSON or too large.
    pub fn save_state(&self, json: &str, label: Option<&str>) -> Result<u64> {
        let save = StateSave {
            now: now_ns(),
            json: json.to_owned(),
            label: label.map(str::to_owned),
            keep_last: self.inner().config.state_keep_last,
        };
        save.check()?;
        let logged = self
            .inner()
            .writer_logs_ops()
            .then(|| crate::redo::format::encode_save_state(&save))
            .flatten();
        self.write_logged(move |shared| save.apply(shared.txn()?), logged)
    }

    /// The latest state version, or `None` if no state was ever saved.
    ///
    /// # Errors
    /// [`Error::Corruption`] if the latest version is corrupt: use
    /// [`Store::load_latest_valid`] to fall back to the newest good one.
    pub fn load_state(&self) -> Result<Option<BotState>> {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(STATE_VERSIONS)?;
        match table.last()? {
            Some((k, v)) => Ok(Some(v.value().decode(TABLE, &k.value())?)),
            None => Ok(None),
        }
    }

    /// Version `n` of the state.
    ///
    /// # Errors
    /// [`Error::NotFound`] if there is no such version; [`Error::Corruption`] if it is corrupt.
    pub fn load_state_version(&self, n: u64) -> Result<BotState> {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(STATE_VERSIONS)?;
        let v = table
            .get(n)?
            .ok_or_else(|| Error::NotFound(format!("state version {n}")))?;
        v.value().decode(TABLE, &n)
    }

    /// The newest version that passes its checks, and which newer ones were skipped as corrupt.
    /// `None` if no valid version exists.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read.
    pub fn load_latest_valid(&self) -> Result<Option<LatestValid>> {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(STATE_VERSIONS)?;
        let mut skipped = Vec::new();
        for row in table.iter()?.rev() {
            let (k, v) = row?;
            match v.value().decode(TABLE, &k.value()) {
                Ok(state) => return Ok(Some(LatestValid { state, skipped })),
                Err(Error::Corruption { .. }) => skipped.push(k.value()),
                Err(e) => return Err(e),
            }
        }
        Ok(None)
    }

    /// Every stored version, oldest first, marking corrupt ones instead of failing.
    ///
    /// # Errors
    /// [`Error::Db`] if the store cannot be read.
    pub fn state_history(&self) -> Result<Vec<StateVersionInfo>> {
        let rtx = self.read_txn()?;
        let table = rtx.open_table(STATE_VERSIONS)?;
        let mut out = Vec::with_capacity(usize::try_from(table.len()?).unwrap_or(0));
        for row in table.iter()? {
            let (k, v) = row?;
            let rec = v.value();
            let bytes = rec.bytes().len() as u64;
            let version = k.value();
            out.push(match rec.open(TABLE, &version) {
                Ok(s) => StateVersionInfo {
                    version,
                    ts: Some(s.ts.to_native()),
                    label: s.label.as_ref().map(|l| l.as_str().to_owned()),
                    bytes,
                    valid: true,
                },
                Err(_) => StateVersionInfo {
                    version,
                    ts: None,
                    label: None,
                    bytes,
                    valid: false,
                },
            });
        }
        Ok(out)
    }

    /// Appends a new version equal to version `n` (history is never rewritten) and returns the
    /// new version number.
    ///
    /// # Errors
    /// [`Error::NotFound`] / [`Error::Corruption`] if version `n` is missing or corrupt.
    pub fn rollback(&self, n: u64) -> Result<u64> {
        let keep = self.inner().config.state_keep_last;
        let now = now_ns();
        self.write(move |txn| {
            let old = {
                let table = txn.open_table(STATE_VERSIONS)?;
                let v = table
                    .get(n)?
                    .ok_or_else(|| Error::NotFound(format!("state version {n}")))?;
                v.value().decode(TABLE, &n)?
            };
            append(txn, old.json, Some(format!("rollback to {n}")), keep, now)
        })
    }
}
