//! Arbitrary bytes into the envelope decoder of every record type: never a panic. The input is
//! tried as it is (exercising the header checks) and also wrapped in a valid header with the
//! right length and blake3 (so the fuzzer reaches the rkyv structure check). Whatever decodes
//! must survive an encode/decode round trip unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tradestore::envelope::{self, ENVELOPE_VERSION, MAGIC, Record};
use tradestore::records::{BotState, PortfolioSnapshot, Position, Trade};

fn wrap(kind: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(envelope::HEADER_LEN + payload.len());
    out.extend_from_slice(&MAGIC);
    out.push(ENVELOPE_VERSION);
    out.push(kind);
    out.extend_from_slice(&(payload.len() as u32).to_le_bytes());
    let mut h = blake3::Hasher::new();
    h.update(&out[..8]);
    h.update(payload);
    out.extend_from_slice(h.finalize().as_bytes());
    out.extend_from_slice(payload);
    out
}

fn check<T: Record + PartialEq + std::fmt::Debug>(data: &[u8]) {
    let _ = envelope::open::<T>(data, "fuzz", &0);
    let wrapped = wrap(T::KIND, data);
    if let Ok(value) = envelope::decode::<T>(&wrapped, "fuzz", &0) {
        let again = envelope::encode(&value).expect("a decoded record encodes");
        let back = envelope::decode::<T>(&again, "fuzz", &0).expect("an encoded record decodes");
        assert_eq!(back, value);
    }
}

fuzz_target!(|data: &[u8]| {
    check::<Trade>(data);
    check::<Position>(data);
    check::<BotState>(data);
    check::<PortfolioSnapshot>(data);
});
