//! The catalog row format is frozen: an envelope (kind 30) around an 80-byte payload of
//! fixed-size little-endian fields, exactly as `docs/market.md` draws it.

use tradestore::envelope;
use tradestore::records::PartitionMeta;

#[test]
fn catalog_row_bytes_match_the_documented_layout() {
    let meta = PartitionMeta {
        rows: 744,
        first_ts: 1_704_067_200_000_000_000,
        last_ts: 1_706_742_000_000_000_000,
        bytes: 25_478,
        blake3: [0xab; 32],
        written_at: 1_763_000_000_000_000_000,
        row_groups: 1,
    };
    let bytes = envelope::encode(&meta).unwrap();
    assert_eq!(bytes.len(), 40 + 80);
    assert_eq!(&bytes[..4], &[b'T', b'S', 1, 30]);
    assert_eq!(&bytes[4..8], &80u32.to_le_bytes());
    let p = &bytes[40..];
    assert_eq!(&p[0..8], &744u64.to_le_bytes());
    assert_eq!(&p[8..16], &meta.first_ts.to_le_bytes());
    assert_eq!(&p[16..24], &meta.last_ts.to_le_bytes());
    assert_eq!(&p[24..32], &25_478u64.to_le_bytes());
    assert_eq!(&p[32..64], &[0xab; 32]);
    assert_eq!(&p[64..72], &meta.written_at.to_le_bytes());
    assert_eq!(&p[72..80], &1u64.to_le_bytes());
    let back: PartitionMeta = envelope::decode(&bytes, "market_catalog", &"k").unwrap();
    assert_eq!(back, meta);
}
