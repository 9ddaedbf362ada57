//! The commit log's bytes: a header block, then checksummed frames (drawn in `docs/design.md`).
//!
//! ```text
//! header (at 0, HEADER_LEN bytes, zero padded)
//!   magic "TSWAL\0\0\x01" | generation u64 | blake3(magic ‖ generation) [32]
//! frame (from FRAMES_START, back to back)
//!   magic "TWF1" | payload_len u32 | generation u64 | seq u64
//!   | blake3(generation ‖ seq ‖ payload_len ‖ payload) [32] | payload
//! payload: entries back to back
//!   1 u8 | offset u64 | len u32 | bytes      (a write into the store file)
//!   2 u8 | len u64                           (the store file's new length)
//! ```
//!
//! All integers are little-endian. A frame belongs to the log only if its generation is the
//! header's and its sequence number is the next one expected; anything else (stale frames of an
//! earlier generation, a torn tail, zero padding) ends the log.

/// Size of the header block; frames start right after it.
pub const HEADER_LEN: u64 = 4096;
/// Offset of the first frame.
pub const FRAMES_START: u64 = HEADER_LEN;
/// Bytes of a frame before its payload.
pub const FRAME_HEADER_LEN: usize = 4 + 4 + 8 + 8 + 32;
/// Largest payload a frame may carry. Writes beyond it between two syncs bypass the log (the
/// sync then flushes the store file itself), so a valid log never holds a bigger frame.
pub const MAX_PAYLOAD: usize = 8 << 20;

/// Magic of the commit log's header.
pub const LOG_MAGIC: &[u8; 8] = b"TSWAL\0\0\x01";
const FRAME_MAGIC: &[u8; 4] = b"TWF1";
const TAG_WRITE: u8 = 1;
const TAG_SET_LEN: u8 = 2;
/// Bytes of a write entry before its data.
pub const WRITE_ENTRY_HEADER: usize = 1 + 8 + 4;
/// Largest file offset or length an entry may name (256 TiB): refuses absurd values from a
/// damaged log before they reach the file system.
const MAX_FILE_BYTES: u64 = 1 << 48;

/// One change to the store file, as logged.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Entry<'a> {
    /// `data` written at `offset`.
    Write {
        /// Byte offset in the store file.
        offset: u64,
        /// The bytes written.
        data: &'a [u8],
    },
    /// The store file resized to `len` bytes.
    SetLen(u64),
}

/// The commit log's header block for `generation`.
pub fn encode_header(generation: u64) -> Vec<u8> {
    encode_header_for(LOG_MAGIC, generation)
}

/// The generation a commit log header names, or `None` if it is not an intact header.
pub fn decode_header(bytes: &[u8]) -> Option<u64> {
    decode_header_for(LOG_MAGIC, bytes)
}

/// The header block of a log of frames whose kind is `magic`, for `generation`.
pub fn encode_header_for(magic: &[u8; 8], generation: u64) -> Vec<u8> {
    let mut out = vec![0u8; HEADER_LEN as usize];
    out[..8].copy_from_slice(magic);
    out[8..16].copy_from_slice(&generation.to_le_bytes());
    let hash = blake3::hash(&out[..16]);
    out[16..48].copy_from_slice(hash.as_bytes());
    out
}

/// The generation a header block of kind `magic` names, or `None` if it is not an intact
/// header of that kind.
pub fn decode_header_for(magic: &[u8; 8], bytes: &[u8]) -> Option<u64> {
    let head = bytes.get(..48)?;
    if &head[..8] != magic || blake3::hash(&head[..16]).as_bytes() != &head[16..48] {
        return None;
    }
    Some(u64::from_le_bytes(head[8..16].try_into().ok()?))
}

/// Appends a write entry to a payload.
pub fn push_write(payload: &mut Vec<u8>, offset: u64, data: &[u8]) {
    payload.push(TAG_WRITE);
    payload.extend_from_slice(&offset.to_le_bytes());
    // Callers keep payloads under MAX_PAYLOAD, so a single write always fits in u32.
    payload.extend_from_slice(&(data.len() as u32).to_le_bytes());
    payload.extend_from_slice(data);
}

/// Appends a resize entry to a payload.
pub fn push_set_len(payload: &mut Vec<u8>, len: u64) {
    payload.push(TAG_SET_LEN);
    payload.extend_from_slice(&len.to_le_bytes());
}

/// The frame header for `payload`.
pub fn frame_header(generation: u64, seq: u64, payload: &[u8]) -> [u8; FRAME_HEADER_LEN] {
    let len = payload.len() as u32;
    let mut out = [0u8; FRAME_HEADER_LEN];
    out[..4].copy_from_slice(FRAME_MAGIC);
    out[4..8].copy_from_slice(&len.to_le_bytes());
    out[8..16].copy_from_slice(&generation.to_le_bytes());
    out[16..24].copy_from_slice(&seq.to_le_bytes());
    out[24..56].copy_from_slice(frame_hash(generation, seq, payload).as_bytes());
    out
}

fn frame_hash(generation: u64, seq: u64, payload: &[u8]) -> blake3::Hash {
    let mut h = blake3::Hasher::new();
    h.update(&generation.to_le_bytes());
    h.update(&seq.to_le_bytes());
    h.update(&(payload.len() as u32).to_le_bytes());
    h.update(payload);
    h.finalize()
}

/// What a frame header announces, once its magic, generation and sequence number are the ones
/// expected: the payload length, to be read and then checked with [`check_frame`].
pub fn frame_payload_len(head: &[u8; FRAME_HEADER_LEN], generation: u64, seq: u64) -> Option<usize> {
    if &head[..4] != FRAME_MAGIC || head[8..16] != generation.to_le_bytes() || head[16..24] != seq.to_le_bytes() {
        return None;
    }
    let len = u32::from_le_bytes([head[4], head[5], head[6], head[7]]) as usize;
    (len <= MAX_PAYLOAD).then_some(len)
}

/// Whether `payload` is the one the frame header was written for.
pub fn check_frame(head: &[u8; FRAME_HEADER_LEN], generation: u64, seq: u64, payload: &[u8]) -> bool {
    frame_hash(generation, seq, payload).as_bytes() == &head[24..56]
}

/// The entries of a payload, all or nothing: `None` if any entry is truncated, unknown or names
/// an impossible offset or length.
pub fn parse_entries(mut payload: &[u8]) -> Option<Vec<Entry<'_>>> {
    let mut out = Vec::new();
    while let Some((&tag, rest)) = payload.split_first() {
        match tag {
            TAG_WRITE => {
                let offset = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
                let len = u32::from_le_bytes(rest.get(8..12)?.try_into().ok()?) as usize;
                let data = rest.get(12..12 + len)?;
                if offset.checked_add(len as u64)? > MAX_FILE_BYTES {
                    return None;
                }
                out.push(Entry::Write { offset, data });
                payload = &rest[12 + len..];
            }
            TAG_SET_LEN => {
                let len = u64::from_le_bytes(rest.get(..8)?.try_into().ok()?);
                if len > MAX_FILE_BYTES {
                    return None;
                }
                out.push(Entry::SetLen(len));
                payload = &rest[8..];
            }
            _ => return None,
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trips_and_refuses_any_flipped_byte() {
        let h = encode_header(0xdead_beef);
        assert_eq!(decode_header(&h), Some(0xdead_beef));
        for i in 0..48 {
            let mut bad = h.clone();
            bad[i] ^= 0x40;
            assert_eq!(decode_header(&bad), None, "byte {i}");
        }
        assert_eq!(decode_header(&h[..47]), None);
    }

    #[test]
    fn frames_check_their_payload_generation_and_sequence() {
        let mut p = Vec::new();
        push_set_len(&mut p, 8192);
        push_write(&mut p, 4096, b"hello");
        let head = frame_header(7, 3, &p);
        assert_eq!(frame_payload_len(&head, 7, 3), Some(p.len()));
        assert!(check_frame(&head, 7, 3, &p));
        assert_eq!(frame_payload_len(&head, 8, 3), None);
        assert_eq!(frame_payload_len(&head, 7, 4), None);
        let mut flipped = p.clone();
        flipped[3] ^= 1;
        assert!(!check_frame(&head, 7, 3, &flipped));
        assert_eq!(
            parse_entries(&p),
            Some(vec![
                Entry::SetLen(8192),
                Entry::Write {
                    offset: 4096,
                    data: b"hello"
                }
            ])
        );
    }

    #[test]
    fn truncated_or_unknown_entries_refuse_the_whole_payload() {
        let mut p = Vec::new();
        push_write(&mut p, 0, b"abc");
        for cut in 1..p.len() {
            assert_eq!(parse_entries(&p[..cut]), None, "cut at {cut}");
        }
        let mut unknown = p.clone();
        unknown.push(9);
        assert_eq!(parse_entries(&unknown), None);
        let mut huge = Vec::new();
        push_set_len(&mut huge, u64::MAX);
        assert_eq!(parse_entries(&huge), None);
    }
}
