//! The operation log's bytes (drawn in `docs/design.md`, "Operation log").
//!
//! The file is a log of the commit log's shape ([`crate::wal::format`]: header block, then
//! blake3-checked frames) under its own header magic. Each frame carries the operations of one
//! group commit:
//!
//! ```text
//! payload:  first_seq u64 | count u32 | count × (len u32 | operation)
//! operation: 1 u8 | now i64 | json_len u32 | JSON array of fills   (save trades)
//!          | 2 u8 | json_len u32 | JSON object of a document put     (put a document version)
//!          | 3 u8 | json_len u32 | JSON object of a state save       (save a bot state version)
//!          | 4 u8 | now i64 | len u32 | fills, binary ([`super::fills`]) (import trades:
//!                                                          duplicates skipped)
//! ```
//!
//! All integers are little-endian. Operation `i` of a frame has sequence number
//! `first_seq + i`; sequence numbers only grow, across frames and generations.

use crate::documents::put::DocPut;
use crate::state::StateSave;
use crate::trades::NewTrade;
use crate::wal::format::{FRAME_HEADER_LEN, MAX_PAYLOAD};

/// Header magic of the operation log.
pub const REDO_MAGIC: &[u8; 8] = b"TSREDO\0\x01";

const TAG_SAVE_TRADES: u8 = 1;
const TAG_PUT_DOC: u8 = 2;
const TAG_SAVE_STATE: u8 = 3;
const TAG_IMPORT_TRADES: u8 = 4;
/// Bytes of a payload before its operations.
const PAYLOAD_HEADER: usize = 8 + 4;

/// One logged operation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Op {
    /// Fills saved all-or-nothing (`Store::save_trade`, `Store::save_trades`), at time `now`
    /// (ns), the default time of a fill that names none.
    SaveTrades {
        /// The time of saving.
        now: i64,
        /// The fills, as given.
        trades: Vec<NewTrade>,
    },
    /// A document version appended (`Collection::put` and what builds on it).
    PutDoc(DocPut),
    /// A bot state version saved (`Store::save_state`).
    SaveState(StateSave),
    /// Fills imported all-or-nothing (`Store::import_trades`): a fill whose (venue, order id) is
    /// already stored, or repeated earlier in the batch, is skipped and counted, not refused.
    ImportTrades {
        /// The time of importing.
        now: i64,
        /// The fills, as given.
        trades: Vec<NewTrade>,
    },
}

/// The encoded form of `op`, or `None` if it is too large to log (it is then committed to the
/// store file directly).
pub fn encode_op(op: &Op) -> Option<Vec<u8>> {
    match op {
        Op::SaveTrades { now, trades } => encode_save_trades(*now, trades),
        Op::ImportTrades { now, trades } => encode_import_trades(*now, trades),
        Op::PutDoc(put) => encode_put_doc(put),
        Op::SaveState(save) => encode_save_state(save),
    }
}

/// The encoded form of [`Op::PutDoc`], without building the operation.
pub fn encode_put_doc(put: &DocPut) -> Option<Vec<u8>> {
    encode_json(TAG_PUT_DOC, put)
}

/// The encoded form of [`Op::SaveState`], without building the operation.
pub fn encode_save_state(save: &StateSave) -> Option<Vec<u8>> {
    encode_json(TAG_SAVE_STATE, save)
}

fn encode_json(tag: u8, value: &impl serde::Serialize) -> Option<Vec<u8>> {
    let json = serde_json::to_vec(value).ok()?;
    let mut out = Vec::with_capacity(1 + 4 + json.len());
    out.push(tag);
    out.extend_from_slice(&u32::try_from(json.len()).ok()?.to_le_bytes());
    out.extend_from_slice(&json);
    (out.len() <= MAX_OP).then_some(out)
}

/// The encoded form of [`Op::SaveTrades`], without building the operation.
pub fn encode_save_trades(now: i64, trades: &[NewTrade]) -> Option<Vec<u8>> {
    encode_fills(TAG_SAVE_TRADES, now, trades.len() * 320, |out| {
        serde_json::to_writer(out, trades).ok()
    })
}

/// The encoded form of [`Op::ImportTrades`], without building the operation.
pub fn encode_import_trades(now: i64, trades: &[NewTrade]) -> Option<Vec<u8>> {
    encode_fills(TAG_IMPORT_TRADES, now, trades.len() * 200, |out| {
        super::fills::encode(trades, out)
    })
}

/// `tag | now | len | fills`, the fills written by `write` straight after the header, into a
/// buffer sized for `size` bytes of them, so that a batch of thousands is neither copied nor
/// regrown on the way.
fn encode_fills(tag: u8, now: i64, size: usize, write: impl FnOnce(&mut Vec<u8>) -> Option<()>) -> Option<Vec<u8>> {
    const HEADER: usize = 1 + 8 + 4;
    let mut out = Vec::with_capacity(HEADER + size);
    out.push(tag);
    out.extend_from_slice(&now.to_le_bytes());
    out.extend_from_slice(&[0; 4]);
    write(&mut out)?;
    let len = u32::try_from(out.len() - HEADER).ok()?;
    out[HEADER - 4..HEADER].copy_from_slice(&len.to_le_bytes());
    (out.len() <= MAX_OP).then_some(out)
}

/// Largest encoded operation that is logged: whatever fits in a frame alone. A larger batch is
/// written straight to the store file in a durable commit of its own. Through the log, a large
/// batch is synced as one sequential write while the writer applies it, where a durable commit
/// would first apply it and then write and sync every page it changed (`docs/benchmarks.md`,
/// imports).
pub const MAX_OP: usize = MAX_PAYLOAD - PAYLOAD_HEADER - 4;

/// A frame (room for the frame header, then the payload) for the encoded operations `ops`,
/// numbered from `first_seq`; `None` if they do not fit in one frame.
pub fn encode_frame<'a>(first_seq: u64, ops: impl Iterator<Item = &'a [u8]> + Clone) -> Option<Vec<u8>> {
    let count = ops.clone().count();
    let size = PAYLOAD_HEADER + ops.clone().map(|o| 4 + o.len()).sum::<usize>();
    if size > MAX_PAYLOAD {
        return None;
    }
    let mut frame = Vec::with_capacity(FRAME_HEADER_LEN + size);
    frame.resize(FRAME_HEADER_LEN, 0);
    frame.extend_from_slice(&first_seq.to_le_bytes());
    frame.extend_from_slice(&u32::try_from(count).ok()?.to_le_bytes());
    for op in ops {
        frame.extend_from_slice(&u32::try_from(op.len()).ok()?.to_le_bytes());
        frame.extend_from_slice(op);
    }
    Some(frame)
}

/// The first sequence number and the operations of a payload, all or nothing: `None` if
/// anything is truncated, left over, unknown or not the JSON of fills.
pub fn decode_payload(payload: &[u8]) -> Option<(u64, Vec<Op>)> {
    let (first_seq, rest) = take_u64(payload)?;
    let (count, mut rest) = take_u32(rest)?;
    let mut ops = Vec::new();
    for _ in 0..count {
        let (len, after) = take_u32(rest)?;
        let op = after.get(..len as usize)?;
        ops.push(decode_op(op)?);
        rest = &after[len as usize..];
    }
    rest.is_empty().then_some((first_seq, ops))
}

/// One operation from its encoded form; `None` if it is truncated, unknown or bad JSON.
pub fn decode_op(bytes: &[u8]) -> Option<Op> {
    let (&tag, rest) = bytes.split_first()?;
    match tag {
        TAG_SAVE_TRADES => {
            let (now, rest) = take_u64(rest)?;
            let trades = decode_json(rest)?;
            Some(Op::SaveTrades {
                now: now as i64,
                trades,
            })
        }
        TAG_IMPORT_TRADES => {
            let (now, rest) = take_u64(rest)?;
            let trades = super::fills::decode(sized(rest)?)?;
            Some(Op::ImportTrades {
                now: now as i64,
                trades,
            })
        }
        TAG_PUT_DOC => decode_json(rest).map(Op::PutDoc),
        TAG_SAVE_STATE => decode_json(rest).map(Op::SaveState),
        _ => None,
    }
}

fn decode_json<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Option<T> {
    serde_json::from_slice(sized(bytes)?).ok()
}

/// The body of `len u32 | body`, when the body is exactly `len` bytes long.
fn sized(bytes: &[u8]) -> Option<&[u8]> {
    let (len, rest) = take_u32(bytes)?;
    (rest.len() == len as usize).then_some(rest)
}

fn take_u64(b: &[u8]) -> Option<(u64, &[u8])> {
    let (head, rest) = b.split_first_chunk::<8>()?;
    Some((u64::from_le_bytes(*head), rest))
}

fn take_u32(b: &[u8]) -> Option<(u32, &[u8])> {
    let (head, rest) = b.split_first_chunk::<4>()?;
    Some((u32::from_le_bytes(*head), rest))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Side;
    use rust_decimal::Decimal;

    fn op(n: i64) -> Op {
        Op::SaveTrades {
            now: n,
            trades: vec![
                NewTrade::new("BTC-EUR", Side::Buy, Decimal::new(n, 2), Decimal::new(42_000, 0))
                    .order_id(format!("o-{n}"))
                    .meta(r#"{"k":1}"#),
            ],
        }
    }

    fn doc(n: i64) -> Op {
        Op::PutDoc(DocPut {
            now: n,
            collection: "orders".into(),
            key: format!("k{n}"),
            json: r#"{"px":"1.5"}"#.into(),
            schema_version: 2,
            origin: None,
            secret: false,
        })
    }

    #[test]
    fn frames_round_trip_in_order() {
        let state = Op::SaveState(StateSave {
            now: 4,
            json: r#"{"open":[]}"#.into(),
            label: Some("tick".into()),
            keep_last: Some(10),
        });
        let import = Op::ImportTrades {
            now: 5,
            trades: vec![NewTrade::new("ETH-EUR", Side::Sell, Decimal::ONE, Decimal::TEN).order_id("o-1")],
        };
        let all = [op(1), doc(2), op(3), state, import];
        let ops: Vec<Vec<u8>> = all.iter().map(|o| encode_op(o).expect("small op")).collect();
        let frame = encode_frame(41, ops.iter().map(Vec::as_slice)).expect("fits");
        let (first, decoded) = decode_payload(&frame[FRAME_HEADER_LEN..]).expect("decodes");
        assert_eq!(first, 41);
        assert_eq!(decoded, all);
    }

    #[test]
    fn truncated_extended_or_unknown_payloads_are_refused_whole() {
        let import = Op::ImportTrades {
            now: 8,
            trades: vec![NewTrade::new("ETH-EUR", Side::Sell, Decimal::ONE, Decimal::TEN).order_id("o-8")],
        };
        let ops = [
            encode_op(&op(7)).expect("small op"),
            encode_op(&import).expect("small op"),
        ];
        let frame = encode_frame(1, ops.iter().map(Vec::as_slice)).expect("fits");
        assert_eq!(
            decode_payload(&frame[FRAME_HEADER_LEN..]).map(|(_, ops)| ops),
            Some(vec![op(7), import])
        );
        let payload = &frame[FRAME_HEADER_LEN..];
        for cut in 0..payload.len() {
            assert_eq!(decode_payload(&payload[..cut]), None, "cut at {cut}");
        }
        let mut longer = payload.to_vec();
        longer.push(0);
        assert_eq!(decode_payload(&longer), None);
        let mut unknown = payload.to_vec();
        unknown[PAYLOAD_HEADER + 4] = 9;
        assert_eq!(decode_payload(&unknown), None);
    }

    #[test]
    fn an_operation_too_large_to_log_is_not_encoded() {
        let big = Op::SaveTrades {
            now: 0,
            trades: vec![NewTrade::new("X", Side::Buy, Decimal::ONE, Decimal::ONE).meta("x".repeat(MAX_OP))],
        };
        assert_eq!(encode_op(&big), None);
    }
}
