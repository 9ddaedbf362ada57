//! Arbitrary text into the CSV and JSON Lines trade parsers: never a panic; every fill they
//! accept passes validation, and replaying the accepted fills through the P&L function never
//! panics either (it may refuse with an overflow error).
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradestore::Position;
use tradestore::trades::{apply_fill, parse_csv, parse_jsonl};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    for parsed in [parse_csv(text), parse_jsonl(text)] {
        let Ok(fills) = parsed else { continue };
        let mut pos = Position::default();
        for f in &fills {
            f.validate().expect("a parsed fill is valid");
            if let Ok((next, _)) = apply_fill(&pos, f.side, f.qty, f.price, f.fee, f.ts.unwrap_or(0)) {
                pos = next;
            }
        }
    }
});
