//! A feather file whose block table or compressed buffers lie about their lengths is refused
//! with an error, before the Arrow reader trusts them (one asked the allocator for exabytes and
//! aborted the process; a buffer past the end of its block and a negative body length made the
//! reader panic).

use std::path::{Path, PathBuf};

use arrow_ipc::{root_as_footer, root_as_message};
use tradestore::market::export::FreqtradeFormat;
use tradestore::market::import::Format;
use tradestore::market::{Candle, Timeframe};
use tradestore::{Error, Result, Store};

const T0: i64 = 1_704_067_200_000_000_000;
const HOUR: i64 = 3_600_000_000_000;

/// A real feather file of six candles, written by the engine's export.
fn feather(store: &Store, dir: &Path) -> Result<PathBuf> {
    let tf: Timeframe = "1h".parse()?;
    let rows: Vec<Candle> = (0..6)
        .map(|i| Candle {
            ts: T0 + i * HOUR,
            open: 100.0,
            high: 101.0,
            low: 99.0,
            close: 100.5,
            volume: 2.0,
        })
        .collect();
    store.market().write_candles("BTC-EUR", tf, &rows)?;
    let out = dir.join("export");
    std::fs::create_dir_all(&out).map_err(|e| Error::io(&out, e))?;
    Ok(store
        .market()
        .export_freqtrade(&out, "BTC-EUR", tf, FreqtradeFormat::Feather, None, None)?
        .path)
}

/// Where the first record batch block sits: (footer bytes range, block offset, metadata length).
fn first_block(bytes: &[u8]) -> (usize, usize, usize) {
    let n = bytes.len();
    let footer_len = i32::from_le_bytes(bytes[n - 10..n - 6].try_into().expect("4 bytes")) as usize;
    let footer_at = n - 10 - footer_len;
    let footer = root_as_footer(&bytes[footer_at..n - 10]).expect("a valid footer");
    let block = footer.recordBatches().expect("record batches").get(0);
    (footer_at, block.offset() as usize, block.metaDataLength() as usize)
}

fn import(store: &Store, bytes: &[u8], dir: &Path) -> Result<()> {
    let file = dir.join("hostile.feather");
    std::fs::write(&file, bytes).map_err(|e| Error::io(&file, e))?;
    store
        .market()
        .import_file(&file, "ETH-EUR", "1h".parse()?, Format::Feather, false)
        .map(|_| ())
}

fn refused(r: Result<()>) {
    match r {
        Err(Error::Validation { reason, .. }) => assert!(reason.contains("feather"), "{reason}"),
        other => panic!("expected a validation error, got {other:?}"),
    }
}

#[test]
fn lying_lengths_are_refused() -> Result<()> {
    let dir = tempfile::tempdir().map_err(|e| Error::io("tempdir", e))?;
    let store = Store::open(dir.path().join("store"))?;
    let good = std::fs::read(feather(&store, dir.path())?).map_err(|e| Error::io("feather", e))?;
    let before = store.market().list()?;
    // The untouched file imports.
    import(&store, &good, dir.path())?;
    let imported = store.market().list()?;
    assert_ne!(imported, before);

    // A compressed buffer claiming 2^60 bytes once uncompressed.
    let (_, offset, meta_len) = first_block(&good);
    let msg = root_as_message(&good[offset + 8..offset + meta_len]).expect("a valid message");
    let batch = msg.header_as_record_batch().expect("a record batch");
    assert!(batch.compression().is_some(), "the export is compressed");
    let buf = batch
        .buffers()
        .expect("buffers")
        .iter()
        .find(|b| b.length() >= 8)
        .expect("a non-empty buffer");
    let at = offset + meta_len + buf.offset() as usize;
    let mut bad = good.clone();
    bad[at..at + 8].copy_from_slice(&(1i64 << 60).to_le_bytes());
    refused(import(&store, &bad, dir.path()));

    // A buffer reaching far past the block's body: the buffer struct in the message is
    // offset (8) | length (8).
    let mut pattern = buf.offset().to_le_bytes().to_vec();
    pattern.extend_from_slice(&buf.length().to_le_bytes());
    let pos = good[offset..offset + meta_len]
        .windows(16)
        .position(|w| w == pattern.as_slice())
        .expect("the buffer in the message")
        + offset;
    let mut bad = good.clone();
    bad[pos + 8..pos + 16].copy_from_slice(&(1i64 << 50).to_le_bytes());
    refused(import(&store, &bad, dir.path()));

    // A block with a negative body length: the block struct in the footer is
    // offset (8) | metadata length (4) | padding (4) | body length (8).
    let (footer_at, offset, meta_len) = first_block(&good);
    let mut pattern = (offset as i64).to_le_bytes().to_vec();
    pattern.extend_from_slice(&(meta_len as i32).to_le_bytes());
    let pos = good[footer_at..]
        .windows(pattern.len())
        .position(|w| w == pattern.as_slice())
        .expect("the block in the footer")
        + footer_at;
    let mut bad = good.clone();
    bad[pos + 16..pos + 24].copy_from_slice(&(-5i64).to_le_bytes());
    refused(import(&store, &bad, dir.path()));

    assert_eq!(store.market().list()?, imported, "a refused import changed the catalog");
    Ok(())
}
