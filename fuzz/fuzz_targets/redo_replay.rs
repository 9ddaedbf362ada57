//! Arbitrary bytes as the operation log (`tradestore.redo`), read as the store reads it at open:
//! never a panic, and what is read is exactly what was written. The first byte picks how the
//! input is used:
//! - 0: the input is one frame's payload: `decode_payload` never panics, and when it accepts the
//!   bytes, encoding the operations again (`encode_op`, `encode_frame`) and decoding that gives
//!   the same first sequence number and operations, and encoding them once more the same bytes;
//! - 1: the input is the whole log (header included);
//! - 2: a valid header of the operation log, then the input as the frame area. Modes 1 and 2
//!   read the frames with `read_frames` and `decode_payload` over an in-memory file: the frames
//!   counted fit in the bytes, and reading the log cut after the last frame counted, or with
//!   every intact frame accepted, agrees;
//! - 3: a structured log: valid frames of operations derived from the input, built with
//!   `tradestore::redo::format` and `tradestore::wal::format`, then stale frames of another
//!   generation, then one byte flipped or the log truncated. Reading must return exactly the
//!   operations of the frames before the first damaged one, in order.
#![no_main]

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use redb::backends::InMemoryBackend;
use rust_decimal::Decimal;
use tradestore::documents::put::DocPut;
use tradestore::redo::format::{Op, REDO_MAGIC, decode_payload, encode_frame, encode_op};
use tradestore::wal::format::{self, FRAME_HEADER_LEN, FRAMES_START, LOG_MAGIC};
use tradestore::wal::{Replayed, read_frames};
use tradestore::{NewTrade, Side};

#[path = "common/damaged_log.rs"]
mod damaged_log;
use damaged_log::{Damage, backend_of};

/// Generation of the header mode 2 puts in front of the input.
const GENERATION: u64 = 0x5eed_0f_4ed0;
/// Smallest frame a decodable payload makes: the frame header, then first_seq and count.
const MIN_FRAME: u64 = (FRAME_HEADER_LEN + 8 + 4) as u64;

/// The frames of `log` read as the store reads its operation log, and their operations.
fn read(log: &[u8]) -> (Replayed, Vec<(u64, Vec<Op>)>) {
    let mut frames = Vec::new();
    let found = read_frames(
        &backend_of::<InMemoryBackend>(log),
        REDO_MAGIC,
        |payload| match decode_payload(payload) {
            Some(frame) => {
                frames.push(frame);
                true
            }
            None => false,
        },
    )
    .expect("an in-memory read cannot fail");
    assert_eq!(found.frames, frames.len() as u64, "frames counted against frames taken");
    (found, frames)
}

/// A frame (header filled in) for the encoded operations `ops`, the `seq`th of its generation.
fn frame(generation: u64, seq: u64, first_seq: u64, ops: &[Vec<u8>]) -> Option<Vec<u8>> {
    let mut frame = encode_frame(first_seq, ops.iter().map(Vec::as_slice))?;
    let head = format::frame_header(generation, seq, &frame[FRAME_HEADER_LEN..]);
    frame[..FRAME_HEADER_LEN].copy_from_slice(&head);
    Some(frame)
}

/// Mode 0: the input as a payload.
fn payload(bytes: &[u8]) {
    let Some((first_seq, ops)) = decode_payload(bytes) else {
        return;
    };
    let Some(encoded) = ops.iter().map(encode_op).collect::<Option<Vec<_>>>() else {
        // An operation too large to log: the writer commits it to the store file instead.
        return;
    };
    let Some(frame) = encode_frame(first_seq, encoded.iter().map(Vec::as_slice)) else {
        return;
    };
    let again = decode_payload(&frame[FRAME_HEADER_LEN..]).expect("an encoded frame decodes");
    assert_eq!(again.0, first_seq, "first sequence number");
    assert!(again.1 == ops, "operations differ after a round trip");
    let re_encoded: Vec<Vec<u8>> = again.1.iter().map(|op| encode_op(op).expect("encoded once")).collect();
    assert!(re_encoded == encoded, "encoding is not stable across a round trip");
}

/// Modes 1 and 2: the input as (part of) a log.
fn whole_log(log: &[u8]) {
    let (found, frames) = read(log);
    let area = (log.len() as u64).saturating_sub(FRAMES_START);
    if found.generation.is_none() {
        assert_eq!(found.frames, 0, "frames without a header");
    }
    assert!(found.bytes <= area, "{} bytes of frames in {area} bytes", found.bytes);
    assert!(
        found.frames * MIN_FRAME <= found.bytes,
        "{} frames in {} bytes",
        found.frames,
        found.bytes
    );
    let ops: usize = frames.iter().map(|(_, ops)| ops.len()).sum();
    assert!(
        ops as u64 * 9 <= found.bytes,
        "{ops} operations in {} bytes",
        found.bytes
    );
    if found.frames > 0 {
        // The log cut right after the last frame counted reads the same.
        let cut = (FRAMES_START + found.bytes) as usize;
        let (again, _) = read(&log[..cut]);
        assert_eq!(again, found, "the log cut after its last frame");
    }
    // Accepting every intact frame reads at least as far: decoding only ever ends the log early.
    let all = read_frames(&backend_of::<InMemoryBackend>(log), REDO_MAGIC, |_| true).expect("in-memory read");
    assert_eq!(all.generation, found.generation, "generation");
    assert!(
        all.frames >= found.frames && all.bytes >= found.bytes,
        "a decoded frame was not intact"
    );
    // A log of the other kind is not an operation log, and the other way round.
    let other = read_frames(&backend_of::<InMemoryBackend>(log), LOG_MAGIC, |_| true).expect("in-memory read");
    assert!(
        other.generation.is_none() || found.generation.is_none(),
        "one header of both kinds"
    );
}

/// One fill of a structured operation.
#[derive(Debug, Arbitrary)]
struct Fill {
    symbol: String,
    buy: bool,
    qty: (i64, u8),
    price: (i64, u8),
    fee: Option<(i64, u8)>,
    fee_currency: String,
    ts: Option<i64>,
    strategy: String,
    order_id: Option<String>,
    model: Option<String>,
    meta: Option<String>,
}

fn decimal((num, scale): (i64, u8)) -> Decimal {
    Decimal::try_new(num, u32::from(scale % 29)).unwrap_or(Decimal::ONE)
}

impl Fill {
    fn trade(self) -> NewTrade {
        let side = if self.buy { Side::Buy } else { Side::Sell };
        let mut t = NewTrade::new(self.symbol, side, decimal(self.qty), decimal(self.price));
        t.fee = self.fee.map_or(Decimal::ZERO, decimal);
        t.fee_currency = self.fee_currency;
        t.ts = self.ts;
        t.strategy = self.strategy;
        t.order_id = self.order_id;
        t.model = self.model;
        t.meta = self.meta;
        t
    }
}

#[derive(Debug, Arbitrary)]
enum SOp {
    Save {
        now: i64,
        fills: Vec<Fill>,
    },
    Put {
        now: i64,
        collection: String,
        key: String,
        json: String,
        schema_version: u32,
        origin: Option<String>,
        secret: bool,
    },
    Import {
        now: i64,
        fills: Vec<Fill>,
    },
}

impl SOp {
    fn op(self) -> Op {
        match self {
            SOp::Save { now, fills } => Op::SaveTrades {
                now,
                trades: fills.into_iter().take(4).map(Fill::trade).collect(),
            },
            SOp::Import { now, fills } => Op::ImportTrades {
                now,
                trades: fills.into_iter().take(4).map(Fill::trade).collect(),
            },
            SOp::Put {
                now,
                collection,
                key,
                json,
                schema_version,
                origin,
                secret,
            } => Op::PutDoc(DocPut {
                now,
                collection,
                key,
                json,
                schema_version,
                origin,
                secret,
            }),
        }
    }
}

#[derive(Debug, Arbitrary)]
struct Structured {
    generation: u64,
    first_seq: u64,
    frames: Vec<Vec<SOp>>,
    stale: u8,
    damage: Damage,
}

/// Mode 3: a structured log, damaged.
fn structured(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let s = Structured::arbitrary(u)?;
    let mut log = format::encode_header_for(REDO_MAGIC, s.generation);
    // Each frame: its byte range in the log and what it holds.
    let mut frames: Vec<(usize, usize, (u64, Vec<Op>))> = Vec::new();
    let mut next_seq = s.first_seq;
    for ops in s.frames.into_iter().take(6) {
        let ops: Vec<Op> = ops.into_iter().take(4).map(SOp::op).collect();
        // An operation or frame too large to log is committed to the store file instead.
        let Some(encoded) = ops.iter().map(encode_op).collect::<Option<Vec<_>>>() else {
            return Ok(());
        };
        let Some(f) = frame(s.generation, frames.len() as u64, next_seq, &encoded) else {
            return Ok(());
        };
        let start = log.len();
        log.extend(f);
        frames.push((start, log.len(), (next_seq, ops)));
        next_seq = next_seq.wrapping_add(encoded.len() as u64);
    }
    // Stale frames of another generation, continuing the sequence: never read.
    let other = s.generation.wrapping_add(1);
    for k in 0..u64::from(s.stale % 3) {
        let stale = encode_op(&Op::SaveTrades {
            now: 0,
            trades: Vec::new(),
        })
        .expect("empty save");
        log.extend(frame(other, frames.len() as u64 + k, next_seq, &[stale]).expect("fits"));
    }
    let spans: Vec<(usize, usize)> = frames.iter().map(|(a, b, _)| (*a, *b)).collect();
    let (header_ok, intact) = s.damage.apply(&mut log, &spans);
    let (found, read) = read(&log);
    assert_eq!(found.generation, header_ok.then_some(s.generation), "generation");
    assert_eq!(found.frames, intact as u64, "frames read");
    let bytes = frames[..intact]
        .last()
        .map_or(0, |(_, end, _)| (end - FRAMES_START as usize) as u64);
    assert_eq!(found.bytes, bytes, "bytes of log read");
    let expected: Vec<&(u64, Vec<Op>)> = frames[..intact].iter().map(|(_, _, f)| f).collect();
    assert!(
        read.iter().eq(expected.iter().copied()),
        "the operations read differ from those written"
    );
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => payload(rest),
        1 => whole_log(rest),
        2 => {
            let mut log = format::encode_header_for(REDO_MAGIC, GENERATION);
            log.extend_from_slice(rest);
            whole_log(&log);
        }
        _ => {
            let _ = structured(&mut Unstructured::new(rest));
        }
    }
});
