//! Checks an Arrow IPC (feather v2) file's block table before `arrow-ipc` reads it.
//!
//! The reader trusts what the file says: a block with a negative body length panics, a block
//! whose metadata is shorter than its 8-byte prefix panics, and a compressed buffer's 8-byte
//! "uncompressed length" prefix is handed to the allocator as it is, so a file of a few hundred
//! bytes can ask for exabytes and abort the process, and a buffer reaching past its block's body
//! panics. This module walks the same footer and message headers the reader walks and refuses
//! such a file with an error first.

use arrow_ipc::{Block, root_as_footer, root_as_message};

/// Largest expansion of an LZ4 frame: a byte of input never yields more than 255 bytes of
/// output (plus a little for the frame header), so a claimed uncompressed length above this
/// ratio cannot be honest.
const MAX_RATIO: u64 = 256;
const SLACK: u64 = 1024;

fn le_i32(b: &[u8]) -> Option<i32> {
    Some(i32::from_le_bytes(b.get(..4)?.try_into().ok()?))
}

/// Why `bytes` (a whole Arrow IPC file) must not be handed to the reader, or `Ok` when every
/// block and compressed buffer it declares is within the file and plausible. Files the reader
/// refuses on its own (bad magic, bad flatbuffers) pass here and are refused there.
pub(crate) fn check(bytes: &[u8]) -> std::result::Result<(), String> {
    let n = bytes.len();
    let Some(trailer) = n.checked_sub(10).and_then(|at| bytes.get(at..)) else {
        return Ok(());
    };
    let Some(footer_len) = le_i32(trailer).and_then(|l| usize::try_from(l).ok()) else {
        return Ok(());
    };
    let Some(footer) = (n - 10).checked_sub(footer_len).and_then(|at| bytes.get(at..n - 10)) else {
        return Ok(());
    };
    let Ok(footer) = root_as_footer(footer) else {
        return Ok(());
    };
    let blocks = footer
        .dictionaries()
        .into_iter()
        .flatten()
        .chain(footer.recordBatches().into_iter().flatten());
    for (i, block) in blocks.enumerate() {
        check_block(bytes, block).map_err(|e| format!("block {i}: {e}"))?;
    }
    Ok(())
}

fn check_block(bytes: &[u8], block: &Block) -> std::result::Result<(), String> {
    let offset = usize::try_from(block.offset()).map_err(|_| format!("negative offset {}", block.offset()))?;
    let meta_len = usize::try_from(block.metaDataLength())
        .ok()
        .filter(|l| *l >= 8)
        .ok_or_else(|| format!("metadata length {} is too small", block.metaDataLength()))?;
    let body_len =
        usize::try_from(block.bodyLength()).map_err(|_| format!("negative body length {}", block.bodyLength()))?;
    let end = offset
        .checked_add(meta_len)
        .and_then(|e| e.checked_add(body_len))
        .filter(|e| *e <= bytes.len())
        .ok_or_else(|| "extends past the end of the file".to_owned())?;
    let meta = &bytes[offset..offset + meta_len];
    let body = &bytes[offset + meta_len..end];
    let msg = if meta[..4] == [0xff; 4] { &meta[8..] } else { &meta[4..] };
    let Ok(msg) = root_as_message(msg) else {
        return Ok(());
    };
    let batch = msg
        .header_as_record_batch()
        .or_else(|| msg.header_as_dictionary_batch().and_then(|d| d.data()));
    let Some(batch) = batch else {
        return Ok(());
    };
    let compressed = batch.compression().is_some();
    for (i, buf) in batch.buffers().into_iter().flatten().enumerate() {
        let data = usize::try_from(buf.offset())
            .ok()
            .zip(usize::try_from(buf.length()).ok())
            .and_then(|(at, len)| body.get(at..at.checked_add(len)?))
            .ok_or_else(|| {
                format!(
                    "buffer {i} (offset {}, length {}) lies outside the {}-byte body",
                    buf.offset(),
                    buf.length(),
                    body.len()
                )
            })?;
        let Some(prefix) = data.get(..8).filter(|_| compressed) else {
            continue;
        };
        let claimed = i64::from_le_bytes(prefix.try_into().unwrap_or([0; 8]));
        // -1 marks a buffer stored uncompressed.
        if claimed == -1 || claimed == 0 {
            continue;
        }
        let most = (data.len() as u64 - 8).saturating_mul(MAX_RATIO).saturating_add(SLACK);
        if u64::try_from(claimed).ok().is_none_or(|c| c > most) {
            return Err(format!(
                "compressed buffer {i} of {} bytes claims {claimed} bytes uncompressed",
                data.len()
            ));
        }
    }
    Ok(())
}
