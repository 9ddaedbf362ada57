//! What the log fuzz targets (`wal_replay`, `redo_replay`) share: an in-memory file holding given
//! bytes, and the damage a structured log takes, with what it leaves intact.

use arbitrary::Arbitrary;
use redb::StorageBackend;
use tradestore::wal::format::HEADER_LEN;

/// Bytes of the header a flip must spare for the header to stay valid.
const HEADER_CHECKED: usize = 48;

/// An in-memory file holding `bytes`.
pub fn backend_of<B: StorageBackend + Default>(bytes: &[u8]) -> B {
    let b = B::default();
    b.set_len(bytes.len() as u64).expect("in-memory resize");
    b.write(0, bytes).expect("in-memory write");
    b
}

/// Damage done to a structured log.
#[derive(Debug, Arbitrary)]
pub enum Damage {
    None,
    Flip { at: u32, mask: u8 },
    Truncate { to: u32 },
}

impl Damage {
    /// Pads `log` with zeros, as the log grows by whole steps, then damages it. `frames` are the
    /// byte ranges of its frames, in order. Returns whether the header is still valid and how
    /// many frames a reader must take: those before the first damaged one, none without a header.
    pub fn apply(&self, log: &mut Vec<u8>, frames: &[(usize, usize)]) -> (bool, usize) {
        log.resize(log.len() + 512, 0);
        let full = log.len();
        let (header_ok, intact) = match *self {
            Damage::None => (true, frames.len()),
            Damage::Flip { at, mask } => {
                let at = at as usize % full;
                log[at] ^= mask.max(1);
                let hit = frames.iter().position(|(a, b)| (*a..*b).contains(&at));
                (at >= HEADER_CHECKED, hit.unwrap_or(frames.len()))
            }
            Damage::Truncate { to } => {
                let to = to as usize % (full + 1);
                log.truncate(to);
                let cut = frames.iter().position(|(_, b)| *b > to);
                (to >= HEADER_LEN as usize, cut.unwrap_or(frames.len()))
            }
        };
        (header_ok, if header_ok { intact } else { 0 })
    }
}
