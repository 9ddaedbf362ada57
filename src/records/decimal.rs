//! How a `Decimal` is archived: its 16-byte serialized form (flags, lo, mid, hi; little-endian).
//! Every 16-byte pattern decodes to a valid decimal (the scale is clamped by `rust_decimal`),
//! so no archived bytes can produce an invalid value.

use rkyv::{Archive, Deserialize, Serialize};
use rust_decimal::Decimal;

/// rkyv remote layout of [`Decimal`]; use as `#[rkyv(with = RkyvDecimal)]`.
#[derive(Archive, Serialize, Deserialize, Debug)]
#[rkyv(remote = Decimal)]
pub struct RkyvDecimal {
    #[rkyv(getter = Decimal::serialize)]
    bytes: [u8; 16],
}

impl From<RkyvDecimal> for Decimal {
    fn from(RkyvDecimal { bytes }: RkyvDecimal) -> Self {
        Self::deserialize(bytes)
    }
}

/// Reads an archived decimal in place.
pub fn archived_decimal(a: &ArchivedRkyvDecimal) -> Decimal {
    Decimal::deserialize(a.bytes)
}
