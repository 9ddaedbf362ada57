//! Bringing the store file up to date from the commit log at open.

use std::io;

use redb::StorageBackend;

use super::format::{self, Entry, FRAME_HEADER_LEN, FRAMES_START, HEADER_LEN};

/// What a replay found in the log.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Replayed {
    /// The log's generation, `None` for an empty, new or unreadable header.
    pub generation: Option<u64>,
    /// Intact frames applied to the store file.
    pub frames: u64,
    /// Bytes of the log those frames took.
    pub bytes: u64,
}

/// Applies every intact frame of `log` to `main`, in order, then syncs `main`.
///
/// The log is read as untrusted: the header and each frame are checked (magic, generation,
/// sequence number, blake3, every entry in bounds) before any of a frame's entries is applied,
/// and the first frame that fails ends the log. Applying a log twice leaves `main` as applying
/// it once did, so a crash during a replay is repaired by the next one.
///
/// # Errors
/// The backends' I/O errors; `main` may then be partly updated, and the log, which is not
/// touched, still holds everything to apply again.
pub fn replay(main: &dyn StorageBackend, log: &dyn StorageBackend) -> io::Result<Replayed> {
    let mut entries_io = Ok(());
    let out = read_frames(log, format::LOG_MAGIC, |payload| {
        let Some(entries) = format::parse_entries(payload) else {
            return false;
        };
        entries_io = apply(main, &entries);
        entries_io.is_ok()
    })?;
    entries_io?;
    if out.frames > 0 {
        main.sync_data()?;
    }
    Ok(out)
}

fn apply(main: &dyn StorageBackend, entries: &[Entry<'_>]) -> io::Result<()> {
    for entry in entries {
        match *entry {
            Entry::Write { offset, data } => {
                let end = offset + data.len() as u64;
                if end > main.len()? {
                    main.set_len(end)?;
                }
                main.write(offset, data)?;
            }
            Entry::SetLen(len) => main.set_len(len)?,
        }
    }
    Ok(())
}

/// Calls `take` with the payload of every intact frame of `log` (a log of kind `magic`), in
/// order, until a frame fails its checks or `take` returns `false` (that frame is then not
/// counted). The log is read as untrusted: header and frame magic, generation, sequence number
/// and blake3 are checked before `take` sees a payload.
///
/// # Errors
/// The log's I/O errors.
pub fn read_frames(
    log: &dyn StorageBackend,
    magic: &[u8; 8],
    mut take: impl FnMut(&[u8]) -> bool,
) -> io::Result<Replayed> {
    let mut out = Replayed::default();
    let log_len = log.len()?;
    if log_len < HEADER_LEN {
        return Ok(out);
    }
    let mut header = vec![0u8; 48];
    log.read(0, &mut header)?;
    let Some(generation) = format::decode_header_for(magic, &header) else {
        return Ok(out);
    };
    out.generation = Some(generation);
    let mut pos = FRAMES_START;
    let mut payload = Vec::new();
    while let Some(payload_start) = pos.checked_add(FRAME_HEADER_LEN as u64).filter(|&p| p <= log_len) {
        let mut head = [0u8; FRAME_HEADER_LEN];
        log.read(pos, &mut head)?;
        let Some(len) = format::frame_payload_len(&head, generation, out.frames) else {
            break;
        };
        if payload_start + len as u64 > log_len {
            break;
        }
        payload.resize(len, 0);
        log.read(payload_start, &mut payload)?;
        if !format::check_frame(&head, generation, out.frames, &payload) || !take(&payload) {
            break;
        }
        out.frames += 1;
        pos = payload_start + len as u64;
        out.bytes = pos - FRAMES_START;
    }
    Ok(out)
}
