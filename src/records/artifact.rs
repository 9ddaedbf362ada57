use rkyv::{Archive, Deserialize, Serialize};

use crate::envelope::Record;

/// One stored model version: its name, semantic version and the blob holding its bytes.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct ArtifactRecord {
    /// Store-assigned id, increasing in save order.
    pub id: u64,
    /// Model name, e.g. `price_predictor`.
    pub name: String,
    /// Semantic version, e.g. `1.2.0`.
    pub version: String,
    /// blake3 of the content, lower-case hex; names the blob file.
    pub blake3: String,
    /// Content size in bytes.
    pub size: u64,
    /// When it was saved, ns since the Unix epoch, UTC.
    pub created_ts: i64,
    /// Free-form JSON metadata, as JSON text.
    pub metadata: Option<String>,
}

impl Record for ArtifactRecord {
    const KIND: u8 = 41;
    const NAME: &'static str = "ArtifactRecord";
}

/// One logged value of an experiment metric.
#[derive(Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, PartialEq)]
pub struct MetricPoint {
    /// Step (epoch, iteration) the value belongs to.
    pub step: u64,
    /// The value (finite).
    pub value: f64,
    /// When it was logged, ns since the Unix epoch, UTC.
    pub ts: i64,
}

impl Record for MetricPoint {
    const KIND: u8 = 42;
    const NAME: &'static str = "MetricPoint";
}
