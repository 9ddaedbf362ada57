//! The snapshot file format: a verified header, hashed chunks, a trailer hashing the whole file.
//!
//! ```text
//! header (64 bytes)
//!   0   8  magic "TSSNAP\r\n"
//!   8   4  snapshot format version, u32 LE (1)
//!   12  4  chunk size: most payload bytes per chunk, u32 LE (1 KiB ..= 64 MiB)
//!   16  8  store format version of the contents, u64 LE
//!   24  8  created at, ns since the Unix epoch, i64 LE
//!   32 32  blake3 of bytes 0..32
//! chunk i = 0, 1, 2, … (40 + len bytes)
//!   0   4  i, u32 LE
//!   4   4  len, u32 LE (1 ..= chunk size)
//!   8  32  blake3 of bytes 0..8 of the chunk followed by the payload
//!   40 len payload
//! trailer (56 bytes)
//!   0   4  0xFFFF_FFFF (no chunk has this index)
//!   4   4  chunk count, u32 LE
//!   8   8  payload bytes in all chunks, u64 LE
//!   16 32  blake3 of every byte of the file before this field
//!   48  8  end magic "TSSNAPOK"
//! ```
//!
//! The payloads, concatenated, are a redb database file holding every table of the store as one
//! read transaction saw it. Every byte of the file is covered by at least one hash or is a
//! magic checked literally, so any damage is detected before anything is used.

use std::io::{Read, Write};

use crate::{Error, Result};

/// Magic opening every snapshot file.
pub const MAGIC: [u8; 8] = *b"TSSNAP\r\n";
/// Magic closing every snapshot file.
pub const END_MAGIC: [u8; 8] = *b"TSSNAPOK";
/// Version of this layout.
pub const SNAPSHOT_FORMAT: u32 = 1;
/// Header length in bytes.
pub const HEADER_LEN: usize = 64;
/// Chunk header length in bytes.
pub const CHUNK_HEAD_LEN: usize = 40;
/// Trailer length in bytes.
pub const TRAILER_LEN: usize = 56;
/// Chunk size written by default.
pub const DEFAULT_CHUNK: u32 = 1 << 20;
const MIN_CHUNK: u32 = 1 << 10;
const MAX_CHUNK: u32 = 64 << 20;
const TRAILER_MARK: u32 = u32::MAX;

/// What a snapshot header says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// Most payload bytes per chunk.
    pub chunk_size: u32,
    /// Store format version of the contents.
    pub store_format: u64,
    /// Creation time, ns since the epoch.
    pub created_at: i64,
}

fn le32(b: &[u8]) -> u32 {
    let mut a = [0u8; 4];
    a.copy_from_slice(&b[..4]);
    u32::from_le_bytes(a)
}

fn le64(b: &[u8]) -> u64 {
    let mut a = [0u8; 8];
    a.copy_from_slice(&b[..8]);
    u64::from_le_bytes(a)
}

impl Header {
    /// The 64 header bytes.
    pub fn encode(&self) -> [u8; HEADER_LEN] {
        let mut h = [0u8; HEADER_LEN];
        h[..8].copy_from_slice(&MAGIC);
        h[8..12].copy_from_slice(&SNAPSHOT_FORMAT.to_le_bytes());
        h[12..16].copy_from_slice(&self.chunk_size.to_le_bytes());
        h[16..24].copy_from_slice(&self.store_format.to_le_bytes());
        h[24..32].copy_from_slice(&self.created_at.to_le_bytes());
        let hash = blake3::hash(&h[..32]);
        h[32..].copy_from_slice(hash.as_bytes());
        h
    }

    /// Parses and verifies the 64 header bytes.
    ///
    /// # Errors
    /// [`Error::Snapshot`] saying which check failed.
    pub fn decode(h: &[u8]) -> Result<Header> {
        let bad = |m: &str| Error::Snapshot(format!("header: {m}"));
        if h.len() < HEADER_LEN {
            return Err(bad("file is shorter than the 64-byte header"));
        }
        if h[..8] != MAGIC {
            return Err(bad("not a tradestore snapshot (bad magic)"));
        }
        if blake3::hash(&h[..32]).as_bytes() != &h[32..HEADER_LEN] {
            return Err(bad("blake3 checksum mismatch"));
        }
        let version = le32(&h[8..]);
        if version != SNAPSHOT_FORMAT {
            return Err(bad(&format!(
                "snapshot format {version} is not supported (this build reads {SNAPSHOT_FORMAT})"
            )));
        }
        let chunk_size = le32(&h[12..]);
        if !(MIN_CHUNK..=MAX_CHUNK).contains(&chunk_size) {
            return Err(bad(&format!("chunk size {chunk_size} is out of range")));
        }
        Ok(Header {
            chunk_size,
            store_format: le64(&h[16..]),
            created_at: le64(&h[24..]) as i64,
        })
    }
}

/// Writes a snapshot: header, the payload cut into chunks, trailer. Returns bytes written.
pub(crate) fn write(out: &mut impl Write, header: &Header, mut payload: impl Read) -> Result<u64> {
    let io = |e| Error::io("snapshot file", e);
    let mut whole = blake3::Hasher::new();
    let mut emit = |out: &mut dyn Write, b: &[u8]| -> Result<()> {
        whole.update(b);
        out.write_all(b).map_err(io)
    };
    emit(out, &header.encode())?;
    let mut buf = vec![0u8; header.chunk_size as usize];
    let (mut index, mut total, mut written) = (0u32, 0u64, HEADER_LEN as u64);
    loop {
        let n = fill(&mut payload, &mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        if index == TRAILER_MARK {
            return Err(Error::Snapshot("too many chunks for one snapshot file".into()));
        }
        let mut head = [0u8; CHUNK_HEAD_LEN];
        head[..4].copy_from_slice(&index.to_le_bytes());
        head[4..8].copy_from_slice(&(n as u32).to_le_bytes());
        let mut h = blake3::Hasher::new();
        h.update(&head[..8]);
        h.update(&buf[..n]);
        head[8..].copy_from_slice(h.finalize().as_bytes());
        emit(out, &head)?;
        emit(out, &buf[..n])?;
        crate::store::crash::hit("snapshot_mid_write");
        index += 1;
        total += n as u64;
        written += (CHUNK_HEAD_LEN + n) as u64;
    }
    let mut t = [0u8; TRAILER_LEN];
    t[..4].copy_from_slice(&TRAILER_MARK.to_le_bytes());
    t[4..8].copy_from_slice(&index.to_le_bytes());
    t[8..16].copy_from_slice(&total.to_le_bytes());
    whole.update(&t[..16]);
    t[16..48].copy_from_slice(whole.finalize().as_bytes());
    t[48..].copy_from_slice(&END_MAGIC);
    out.write_all(&t).map_err(io)?;
    Ok(written + TRAILER_LEN as u64)
}

fn fill(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Reads a snapshot, verifying every hash, and hands each verified payload to `sink` in order.
/// Nothing unverified reaches `sink`; the caller must still treat the snapshot as bad (and undo
/// what `sink` did) if this returns an error, since the trailer is checked last.
///
/// # Errors
/// [`Error::Snapshot`] naming the chunk (and file offset) that failed.
pub(crate) fn read(input: &mut impl Read, mut sink: impl FnMut(&[u8]) -> Result<()>) -> Result<(Header, u64)> {
    let io = |e| Error::io("snapshot file", e);
    let mut whole = blake3::Hasher::new();
    let mut hb = [0u8; HEADER_LEN];
    let got = fill(input, &mut hb).map_err(io)?;
    let header = Header::decode(&hb[..got])?;
    whole.update(&hb);
    let mut buf = vec![0u8; header.chunk_size as usize];
    let (mut index, mut total, mut offset) = (0u32, 0u64, HEADER_LEN as u64);
    loop {
        let mut head = [0u8; CHUNK_HEAD_LEN];
        let at = offset;
        let got = fill(input, &mut head[..8]).map_err(io)?;
        if got < 8 {
            return Err(Error::Snapshot(format!(
                "file ends at offset {} inside chunk {index} (truncated)",
                at + got as u64
            )));
        }
        let mark = le32(&head[..4]);
        if mark == TRAILER_MARK {
            let mut t = [0u8; TRAILER_LEN];
            t[..8].copy_from_slice(&head[..8]);
            let got = fill(input, &mut t[8..]).map_err(io)?;
            let fail = |m: String| Error::Snapshot(format!("trailer at offset {at}: {m}"));
            if got < TRAILER_LEN - 8 {
                return Err(fail("truncated".into()));
            }
            if t[48..] != END_MAGIC {
                return Err(fail("bad end magic".into()));
            }
            whole.update(&t[..16]);
            if whole.finalize().as_bytes() != &t[16..48] {
                return Err(fail("whole-file blake3 mismatch".into()));
            }
            if le32(&t[4..]) != index || le64(&t[8..]) != total {
                return Err(fail(format!(
                    "says {} chunks / {} bytes, found {index} / {total}",
                    le32(&t[4..]),
                    le64(&t[8..])
                )));
            }
            let mut extra = [0u8; 1];
            if fill(input, &mut extra).map_err(io)? != 0 {
                return Err(fail("bytes follow the trailer".into()));
            }
            return Ok((header, total));
        }
        let fail = |m: String| Error::Snapshot(format!("chunk {index} at offset {at}: {m}; the snapshot is damaged"));
        if mark != index {
            return Err(fail(format!("carries index {mark}")));
        }
        let len = le32(&head[4..]);
        if len == 0 || len > header.chunk_size {
            return Err(fail(format!("length {len} is out of range")));
        }
        let got = fill(input, &mut head[8..]).map_err(io)?;
        let payload = &mut buf[..len as usize];
        let got_p = fill(input, payload).map_err(io)?;
        if got < CHUNK_HEAD_LEN - 8 || got_p < len as usize {
            return Err(fail("truncated".into()));
        }
        let mut h = blake3::Hasher::new();
        h.update(&head[..8]);
        h.update(payload);
        if h.finalize().as_bytes() != &head[8..] {
            return Err(fail("blake3 checksum mismatch".into()));
        }
        whole.update(&head);
        whole.update(payload);
        sink(payload)?;
        index = index.checked_add(1).ok_or_else(|| fail("too many chunks".into()))?;
        total += u64::from(len);
        offset += (CHUNK_HEAD_LEN as u64) + u64::from(len);
    }
}
