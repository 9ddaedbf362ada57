//! Reading envelopes a batch at a time, so that their checksums can be computed side by side.

use std::ops::ControlFlow;

use redb::AccessGuard;

use super::{HEADER_LEN, Rec, Record};
use crate::{Error, Result};

/// Envelopes checked together: how many a scan reads before checking them (the lanes' width).
const BATCH: usize = 16;
#[cfg(target_arch = "x86_64")]
const _: () = assert!(BATCH == super::lanes::LANES);

/// Fewer envelopes than this are hashed one at a time: the lanes cost the same for one input as
/// for sixteen.
#[cfg(target_arch = "x86_64")]
const MIN_SIDE_BY_SIDE: usize = 4;

/// Computes the checksums of up to [`BATCH`] envelopes side by side, where the processor has the
/// vector units for it (see `lanes`); [`super::open_summed`] then compares each with its header.
struct BatchSums {
    #[cfg(target_arch = "x86_64")]
    lanes: Option<Box<super::lanes::Lanes>>,
}

impl BatchSums {
    /// Lanes for this processor, or none where hashing one envelope at a time is faster.
    fn new() -> Self {
        BatchSums {
            #[cfg(target_arch = "x86_64")]
            lanes: super::lanes::Lanes::new(),
        }
    }

    /// What each of `envelopes` (at most [`BATCH`]) hashes to, as [`open`] computes it: the
    /// first 8 bytes, then the payload. `None` for an envelope left to [`super::open_summed`] to hash
    /// and check whole: too short to have a header, longer than the lanes take, one of too few
    /// to be worth hashing side by side, or all of them on a processor without the lanes.
    #[cfg_attr(not(target_arch = "x86_64"), allow(unused_mut, unused_variables))]
    fn compute(&mut self, envelopes: &[&[u8]]) -> [Option<[u8; 32]>; BATCH] {
        let mut sums = [None; BATCH];
        #[cfg(target_arch = "x86_64")]
        if let Some(lanes) = self.lanes.as_mut()
            && envelopes.len() >= MIN_SIDE_BY_SIDE
        {
            let mut lane_of = [None; BATCH];
            for (slot, env) in lane_of.iter_mut().zip(envelopes) {
                let Some((head, payload)) = env.split_first_chunk::<HEADER_LEN>() else {
                    continue;
                };
                let Some(first) = head.first_chunk::<8>() else {
                    continue;
                };
                let lane = lanes.len();
                if lanes.push(first, payload) {
                    *slot = Some(lane);
                }
            }
            let hashes = lanes.finish();
            for (sum, lane) in sums.iter_mut().zip(lane_of) {
                *sum = lane.map(|l| hashes[l]);
            }
        }
        sums
    }
}

/// Walks `rows` (a redb range or iteration over a table of envelopes) a batch of [`BATCH`] rows
/// at a time: computes the batch's checksums together, then calls `visit` with each row in
/// order, with its key, its envelope's bytes and the checksum they hash to, for
/// [`super::open_summed`]. Stops when `visit` breaks or fails. An error reading a row is
/// returned once the rows read before it have been visited.
pub(crate) fn visit_in_batches<'t, K, T, E>(
    // Never asked for a row after the end or an error: a batch that comes up short is the last.
    mut rows: impl Iterator<Item = std::result::Result<(AccessGuard<'t, K>, AccessGuard<'t, Rec<T>>), E>>,
    mut visit: impl FnMut(K::SelfType<'_>, &[u8], Option<&[u8; 32]>) -> Result<ControlFlow<()>>,
) -> Result<()>
where
    K: redb::Key + 'static,
    T: Record + 'static,
    Error: From<E>,
{
    let mut sums = BatchSums::new();
    let mut batch = Vec::with_capacity(BATCH);
    loop {
        let mut failed = None;
        for row in rows.by_ref() {
            match row {
                Ok(kv) => batch.push(kv),
                Err(e) => {
                    failed = Some(e);
                    break;
                }
            }
            if batch.len() == BATCH {
                break;
            }
        }
        let mut bytes: [&[u8]; BATCH] = [&[]; BATCH];
        for (b, (_, v)) in bytes.iter_mut().zip(&batch) {
            *b = v.value().bytes();
        }
        let found = batch.len();
        let checked = sums.compute(&bytes[..found]);
        for ((k, _), (b, sum)) in batch.iter().zip(bytes.iter().zip(&checked)) {
            if visit(k.value(), b, sum.as_ref())?.is_break() {
                return Ok(());
            }
        }
        if let Some(e) = failed {
            return Err(e.into());
        }
        if found < BATCH {
            return Ok(());
        }
        batch.clear();
    }
}
