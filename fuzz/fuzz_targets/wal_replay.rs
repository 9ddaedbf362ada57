//! Arbitrary bytes as the commit log, replayed onto an in-memory store file: never a panic, never
//! more memory than the log's own size (plus a capped store file). The first byte picks how the
//! input becomes a log:
//! - 0: the input is the whole log (header included);
//! - 1: a valid header, then the input as the frame area;
//! - 2: a valid header and one frame with a valid checksum around the input as its payload, so
//!   the fuzzer reaches the entry parser and the writes it makes;
//! - 3: a structured log: valid frames built with `tradestore::wal::format`, then stale frames of
//!   another generation, then one byte flipped or the log truncated. Replay must apply exactly
//!   the frames before the first damaged one, leave the store file as applying them in order
//!   does, and a second replay must change nothing.
#![no_main]

use std::io;

use arbitrary::{Arbitrary, Unstructured};
use libfuzzer_sys::fuzz_target;
use redb::StorageBackend;
use redb::backends::InMemoryBackend;
use tradestore::wal::format::{self, FRAMES_START};
use tradestore::wal::replay;

#[path = "common/damaged_log.rs"]
mod damaged_log;
use damaged_log::{Damage, backend_of};

/// Largest store file the replay may grow: a bigger resize fails like a full disk.
const MAIN_CAP: u64 = 1 << 20;
/// Generation of the header modes 1 and 2 put in front of the input.
const GENERATION: u64 = 0x5eed_0f_10c;

/// An in-memory store file on a small disk.
#[derive(Debug, Default)]
struct Capped(InMemoryBackend);

impl StorageBackend for Capped {
    fn len(&self) -> io::Result<u64> {
        self.0.len()
    }
    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        self.0.read(offset, out)
    }
    fn set_len(&self, len: u64) -> io::Result<()> {
        if len > MAIN_CAP {
            return Err(io::Error::new(io::ErrorKind::StorageFull, "no space left on device"));
        }
        self.0.set_len(len)
    }
    fn sync_data(&self) -> io::Result<()> {
        self.0.sync_data()
    }
    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        self.0.write(offset, data)
    }
    fn close(&self) -> io::Result<()> {
        self.0.close()
    }
}

fn contents(b: &dyn StorageBackend) -> Vec<u8> {
    let mut out = vec![0u8; b.len().expect("in-memory len") as usize];
    b.read(0, &mut out).expect("in-memory read");
    out
}

/// The store file before the replay: 4 KiB of a recognisable pattern.
fn initial_main() -> Vec<u8> {
    (0..4096u32).map(|i| (i % 251) as u8).collect()
}

fn frame(generation: u64, seq: u64, payload: &[u8]) -> Vec<u8> {
    let mut out = format::frame_header(generation, seq, payload).to_vec();
    out.extend_from_slice(payload);
    out
}

/// Replays `log` onto the initial store file; returns what the replay reported and the file.
fn run(log: &[u8]) -> (io::Result<tradestore::wal::Replayed>, Vec<u8>) {
    let main: Capped = backend_of(&initial_main());
    let log: InMemoryBackend = backend_of(log);
    let result = replay(&main, &log);
    (result, contents(&main))
}

/// One entry of a structured frame.
#[derive(Debug, Arbitrary)]
enum Op {
    Write { offset: u16, len: u16, fill: u8 },
    SetLen(u16),
}

#[derive(Debug, Arbitrary)]
struct Structured {
    generation: u64,
    frames: Vec<Vec<Op>>,
    stale: u8,
    damage: Damage,
}

/// Applies a frame's entries to the model of the store file, as a replay must.
fn model_apply(main: &mut Vec<u8>, ops: &[(u64, Option<Vec<u8>>)]) {
    for (at, data) in ops {
        match data {
            Some(d) => {
                let end = *at as usize + d.len();
                if end > main.len() {
                    main.resize(end, 0);
                }
                main[*at as usize..end].copy_from_slice(d);
            }
            None => main.resize(*at as usize, 0),
        }
    }
}

fn structured(u: &mut Unstructured<'_>) -> arbitrary::Result<()> {
    let s = Structured::arbitrary(u)?;
    let mut log = format::encode_header(s.generation);
    // Each frame: its byte range in the log and its entries, (offset, Some(data)) for a write
    // and (len, None) for a resize.
    let mut frames = Vec::new();
    for (seq, ops) in s.frames.iter().take(8).enumerate() {
        let mut payload = Vec::new();
        let mut entries = Vec::new();
        for op in ops.iter().take(6) {
            match *op {
                Op::Write { offset, len, fill } => {
                    let data = vec![fill; usize::from(len % 2048)];
                    format::push_write(&mut payload, u64::from(offset), &data);
                    entries.push((u64::from(offset), Some(data)));
                }
                Op::SetLen(len) => {
                    format::push_set_len(&mut payload, u64::from(len));
                    entries.push((u64::from(len), None));
                }
            }
        }
        let start = log.len();
        log.extend(frame(s.generation, seq as u64, &payload));
        frames.push((start, log.len(), entries));
    }
    // Stale frames of another generation, continuing the sequence: never applied.
    let other = s.generation.wrapping_add(1);
    for k in 0..u64::from(s.stale % 3) {
        let mut payload = Vec::new();
        format::push_write(&mut payload, 0, &[0xEE; 64]);
        log.extend(frame(other, frames.len() as u64 + k, &payload));
    }
    let spans: Vec<(usize, usize)> = frames.iter().map(|(a, b, _)| (*a, *b)).collect();
    let (header_ok, intact) = s.damage.apply(&mut log, &spans);
    let mut expected = initial_main();
    for (_, _, entries) in &frames[..intact] {
        model_apply(&mut expected, entries);
    }
    let (result, main) = run(&log);
    let replayed = result.expect("an in-memory replay of small frames cannot fail");
    assert_eq!(replayed.generation, header_ok.then_some(s.generation), "generation");
    assert_eq!(replayed.frames, intact as u64, "frames applied");
    let bytes = frames[..intact]
        .last()
        .map_or(0, |(_, end, _)| (end - FRAMES_START as usize) as u64);
    assert_eq!(replayed.bytes, bytes, "bytes of log applied");
    assert!(
        main == expected,
        "the store file differs from the frames applied in order"
    );
    // Again onto the replayed file: nothing changes.
    let again: Capped = backend_of(&main);
    let log_backend: InMemoryBackend = backend_of(&log);
    let second = replay(&again, &log_backend).expect("second replay");
    assert_eq!(second, replayed, "second replay");
    assert!(contents(&again) == main, "a second replay changed the store file");
    Ok(())
}

fuzz_target!(|data: &[u8]| {
    let Some((&mode, rest)) = data.split_first() else {
        return;
    };
    match mode % 4 {
        0 => {
            let _ = run(rest);
        }
        1 => {
            let mut log = format::encode_header(GENERATION);
            log.extend_from_slice(rest);
            let _ = run(&log);
        }
        2 => {
            let mut log = format::encode_header(GENERATION);
            log.extend(frame(GENERATION, 0, rest));
            let (result, main) = run(&log);
            // Applied whole or refused whole: either the file grew or changed as the entries
            // say, or it is untouched; an entry past the cap is a full disk, an error.
            if let Ok(r) = result {
                assert!(r.frames <= 1);
                if r.frames == 0 {
                    assert!(main == initial_main(), "a refused frame changed the store file");
                }
            }
        }
        _ => {
            let _ = structured(&mut Unstructured::new(rest));
        }
    }
});
