//! The record envelope: how every stored value is framed and verified.
//!
//! ```text
//! offset  size  field
//! 0       2     magic "TS"
//! 2       1     envelope version (1)
//! 3       1     record kind (see `Record::KIND`)
//! 4       4     payload length, u32 little-endian
//! 8       32    blake3 over bytes 0..8 followed by the payload
//! 40      n     rkyv payload (archived with alignment 1, read in place)
//! ```
//!
//! Reads check, in this order: length, magic, version, kind, payload length, hash, and finally
//! the rkyv structure (bytecheck). Only then is the archived value handed out, as a reference
//! into the very bytes redb returned: no copy is made.

use std::fmt::{self, Debug, Display};
use std::marker::PhantomData;

use rkyv::api::high::{HighDeserializer, HighSerializer, HighValidator};
use rkyv::bytecheck::CheckBytes;
use rkyv::rancor;
use rkyv::ser::allocator::ArenaHandle;
use rkyv::{Archive, Deserialize, Portable, Serialize};

use crate::{Error, Result};

mod batch;
#[cfg(target_arch = "x86_64")]
mod lanes;

pub(crate) use batch::visit_in_batches;

/// Magic bytes opening every envelope.
pub const MAGIC: [u8; 2] = *b"TS";
/// Version of the envelope layout.
pub const ENVELOPE_VERSION: u8 = 1;
/// Bytes before the payload.
pub const HEADER_LEN: usize = 40;

/// A type stored in tradestore tables.
pub trait Record:
    Archive<
        Archived: Portable
                      + for<'a> CheckBytes<HighValidator<'a, rancor::Error>>
                      + for<'a> CheckBytes<HighValidator<'a, rancor::Failure>>
                      + Deserialize<Self, HighDeserializer<rancor::Error>>,
    > + for<'a> Serialize<HighSerializer<Vec<u8>, ArenaHandle<'a>, rancor::Error>>
    + Sized
{
    /// The record kind byte written into the envelope header. Unique per type.
    const KIND: u8;
    /// The type's name in the file format (used for redb's type name).
    const NAME: &'static str;
}

/// Encodes `value` into an envelope.
///
/// # Errors
/// [`Error::Validation`] if the record is larger than 4 GiB or cannot be archived.
pub fn encode<T: Record>(value: &T) -> Result<Vec<u8>> {
    // The payload is archived straight after room left for the header: archived positions are
    // relative and aligned to 1, so the payload bytes are the same as archived on their own.
    let mut out = Vec::with_capacity(HEADER_LEN + 256);
    out.resize(HEADER_LEN, 0);
    let mut out = rkyv::api::high::to_bytes_in::<_, rancor::Error>(value, out)
        .map_err(|e| Error::validation(T::NAME, format!("cannot be archived: {e}")))?;
    let len =
        u32::try_from(out.len() - HEADER_LEN).map_err(|_| Error::validation(T::NAME, "record larger than 4 GiB"))?;
    out[..2].copy_from_slice(&MAGIC);
    out[2] = ENVELOPE_VERSION;
    out[3] = T::KIND;
    out[4..8].copy_from_slice(&len.to_le_bytes());
    let (head, payload) = out.split_at(HEADER_LEN);
    let hash = digest(&head[..8], payload);
    out[8..HEADER_LEN].copy_from_slice(hash.as_bytes());
    Ok(out)
}

fn digest(head: &[u8], payload: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(head);
    h.update(payload);
    h.finalize()
}

/// Verifies an envelope and returns the archived record inside it, in place.
///
/// `table` and `key` only name the record in the error.
///
/// # Errors
/// [`Error::Corruption`] naming `table` and `key` when any check fails.
pub fn open<'a, T: Record>(bytes: &'a [u8], table: &str, key: &dyn Display) -> Result<&'a T::Archived> {
    open_summed::<T>(bytes, None, table, key)
}

/// As [`open`], with the checksum of `bytes` computed beforehand by [`visit_in_batches`] (`None`:
/// hash them here). Inlined, so that [`open`] compiles to the checks alone.
#[inline(always)]
pub(crate) fn open_summed<'a, T: Record>(
    bytes: &'a [u8],
    sum: Option<&[u8; 32]>,
    table: &str,
    key: &dyn Display,
) -> Result<&'a T::Archived> {
    let fail = |detail: String| Error::corruption(table, key, detail);
    if bytes.len() < HEADER_LEN {
        return Err(fail(format!(
            "{} bytes, shorter than the {HEADER_LEN}-byte header",
            bytes.len()
        )));
    }
    let (head, payload) = bytes.split_at(HEADER_LEN);
    if head[..2] != MAGIC {
        return Err(fail("bad magic".into()));
    }
    if head[2] != ENVELOPE_VERSION {
        return Err(fail(format!("unknown envelope version {}", head[2])));
    }
    if head[3] != T::KIND {
        return Err(fail(format!(
            "record kind {} where {} ({}) was expected",
            head[3],
            T::KIND,
            T::NAME
        )));
    }
    let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
    if len != payload.len() {
        return Err(fail(format!("payload length {} but header says {len}", payload.len())));
    }
    let matches = match sum {
        Some(sum) => sum[..] == head[8..HEADER_LEN],
        None => digest(&head[..8], payload).as_bytes()[..] == head[8..HEADER_LEN],
    };
    if !matches {
        return Err(fail("blake3 checksum mismatch".into()));
    }
    // The check runs with the error type that carries nothing (the common case costs least);
    // only a record that fails it is checked again to say why.
    match rkyv::access::<T::Archived, rancor::Failure>(payload) {
        Ok(archived) => Ok(archived),
        Err(_) => {
            let detail = match rkyv::access::<T::Archived, rancor::Error>(payload) {
                Err(e) => e.to_string(),
                Ok(_) => "rejected".to_string(),
            };
            Err(fail(format!("structure check failed: {detail}")))
        }
    }
}

/// Verifies an envelope and deserializes an owned copy of the record.
///
/// # Errors
/// As [`open`].
pub fn decode<T: Record>(bytes: &[u8], table: &str, key: &dyn Display) -> Result<T> {
    decode_summed(bytes, None, table, key)
}

/// As [`decode`], with the checksum computed beforehand, as for [`open_summed`].
pub(crate) fn decode_summed<T: Record>(
    bytes: &[u8],
    sum: Option<&[u8; 32]>,
    table: &str,
    key: &dyn Display,
) -> Result<T> {
    let archived = open_summed::<T>(bytes, sum, table, key)?;
    rkyv::deserialize::<T, rancor::Error>(archived)
        .map_err(|e| Error::corruption(table, key, format!("cannot be deserialized: {e}")))
}

/// redb value type for an envelope holding a `T`: `TableDefinition<u64, Rec<Trade>>`.
pub struct Rec<T>(PhantomData<T>);

impl<T> Debug for Rec<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Rec")
    }
}

/// The raw, not yet verified bytes of a stored envelope. Call [`RecBytes::open`] to verify.
pub struct RecBytes<'a, T> {
    bytes: &'a [u8],
    _t: PhantomData<T>,
}

impl<'a, T> RecBytes<'a, T> {
    /// Wraps encoded envelope bytes (from [`encode`]) for insertion.
    pub fn new(bytes: &'a [u8]) -> Self {
        RecBytes { bytes, _t: PhantomData }
    }

    /// The raw envelope bytes.
    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }
}

impl<T> Debug for RecBytes<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "RecBytes({} bytes)", self.bytes.len())
    }
}

impl<'a, T: Record> RecBytes<'a, T> {
    /// Verifies the envelope and returns the archived record in place.
    ///
    /// # Errors
    /// [`Error::Corruption`] naming `table` and `key`.
    pub fn open(&self, table: &str, key: &dyn Display) -> Result<&'a T::Archived> {
        open::<T>(self.bytes, table, key)
    }

    /// Verifies the envelope and deserializes an owned record.
    ///
    /// # Errors
    /// [`Error::Corruption`] naming `table` and `key`.
    pub fn decode(&self, table: &str, key: &dyn Display) -> Result<T> {
        decode::<T>(self.bytes, table, key)
    }
}

impl<T: Record> redb::Value for Rec<T> {
    type SelfType<'a>
        = RecBytes<'a, T>
    where
        Self: 'a;
    type AsBytes<'a>
        = &'a [u8]
    where
        Self: 'a;

    fn fixed_width() -> Option<usize> {
        None
    }

    fn from_bytes<'a>(data: &'a [u8]) -> RecBytes<'a, T>
    where
        Self: 'a,
    {
        RecBytes::new(data)
    }

    fn as_bytes<'a, 'b: 'a>(value: &'a RecBytes<'b, T>) -> &'a [u8]
    where
        Self: 'b,
    {
        value.bytes
    }

    fn type_name() -> redb::TypeName {
        redb::TypeName::new(&format!("tradestore::Rec<{}>", T::NAME))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::records::{Side, Trade};

    /// The envelope as first laid out: the payload archived on its own, then framed.
    fn framed_apart(value: &Trade) -> Vec<u8> {
        let payload = rkyv::to_bytes::<rancor::Error>(value).unwrap();
        let mut out = MAGIC.to_vec();
        out.push(ENVELOPE_VERSION);
        out.push(Trade::KIND);
        out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
        out.extend_from_slice(digest(&out[..8], &payload).as_bytes());
        out.extend_from_slice(&payload);
        out
    }

    #[test]
    fn encode_writes_the_same_bytes_as_archiving_the_payload_apart() {
        let mut t = Trade {
            id: 7,
            symbol: "BTC-EUR".into(),
            side: Side::Sell,
            qty: rust_decimal::Decimal::new(12345, 4),
            price: rust_decimal::Decimal::new(4_200_012, 2),
            fee: rust_decimal::Decimal::new(3, 1),
            fee_currency: "EUR".into(),
            ts: 1_700_000_000_000_000_000,
            strategy: "a strategy name longer than the inline limit".into(),
            venue: "kraken".into(),
            order_id: Some("OID-000000000007".into()),
            model: None,
            meta: Some(r#"{"signal":0.4213}"#.into()),
            realized_pnl: rust_decimal::Decimal::new(-17, 1),
        };
        assert_eq!(encode(&t).unwrap(), framed_apart(&t));
        t.model = Some("m@1".into());
        t.meta = None;
        let bytes = encode(&t).unwrap();
        assert_eq!(bytes, framed_apart(&t));
        assert_eq!(decode::<Trade>(&bytes, "trades", &7).unwrap(), t);
    }
}
