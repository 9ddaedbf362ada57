//! The hub: the collections a trading bot keeps, ready-made with their schemas.

use serde_json::Value;

use super::collection::Collection;
use crate::{Error, Result, Store};

/// The hub's collections and their JSON Schemas (draft 2020-12). Money fields accept a decimal
/// string (`"12.50"`, kept exact) or a JSON number; times accept RFC 3339 or epoch milliseconds.
pub const HUB_COLLECTIONS: [(&str, &str); 7] = [
    ("trades", include_str!("schemas/trades.json")),
    ("opportunities", include_str!("schemas/opportunities.json")),
    ("market_data", include_str!("schemas/market_data.json")),
    ("config", include_str!("schemas/config.json")),
    ("performance", include_str!("schemas/performance.json")),
    ("errors", include_str!("schemas/errors.json")),
    ("health", include_str!("schemas/health.json")),
];

/// Access to the ready-made collections. Each one gets its schema the first time it is opened
/// through the hub (a collection that already has a schema keeps it).
///
/// # Examples
/// ```
/// use serde_json::json;
/// # let dir = tempfile::tempdir()?;
/// # let store = tradestore::Store::open(dir.path())?;
/// let health = store.hub().health()?;
/// health.put("rpc", &json!({"component": "rpc", "status": "ok", "timestamp": 1700000000000i64}))?;
/// let refused = health.put("rpc", &json!({"component": "rpc", "status": "sleepy"}));
/// assert!(matches!(refused, Err(tradestore::Error::Schema(_))));
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone)]
pub struct Hub {
    store: Store,
}

impl Store {
    /// The ready-made collections of a trading bot.
    pub fn hub(&self) -> Hub {
        Hub { store: self.clone() }
    }
}

macro_rules! hub_collection {
    ($($fn:ident => $name:literal),*) => {$(
        #[doc = concat!("The `", $name, "` collection, with its schema.")]
        ///
        /// # Errors
        /// [`Error::Db`] if the schema cannot be installed.
        pub fn $fn(&self) -> Result<Collection> {
            self.open($name)
        }
    )*};
}

impl Hub {
    /// The hub collection `name` (one of [`HUB_COLLECTIONS`]), installing its schema when the
    /// collection has none.
    ///
    /// # Errors
    /// [`Error::NotFound`] if `name` is not a hub collection.
    pub fn open(&self, name: &str) -> Result<Collection> {
        let (_, text) = HUB_COLLECTIONS
            .iter()
            .find(|(n, _)| *n == name)
            .ok_or_else(|| Error::NotFound(format!("hub collection {name}")))?;
        let c = self.store.collection(name)?;
        if c.current_schema()?.0 == 0 {
            let schema: Value = serde_json::from_str(text).map_err(|e| Error::Schema(format!("{name}: {e}")))?;
            c.set_schema(&schema)?;
        }
        Ok(c)
    }

    hub_collection!(trades => "trades", opportunities => "opportunities", market_data => "market_data",
        config => "config", performance => "performance", errors => "errors", health => "health");
}
