//! BLAKE3 of up to 16 short inputs side by side, for scans that verify many small records.
//!
//! One record's checksum is 4–5 compressions of 64-byte blocks, each depending on the one before:
//! hashed one record at a time, a processor's vector units sit mostly idle. Here the state of 16
//! hashes is held word by word in 512-bit registers (one lane per input), so one pass of the
//! compression function advances 16 records by one block. It is written with AVX-512
//! instructions through `pulp`, whose token proves at run time that the processor has them;
//! [`Lanes::new`] returns `None` on one without, where the `blake3` crate one record at a time
//! is used. The crate keeps its own many-input hashing internal, and it only takes inputs of
//! equal whole blocks.
//!
//! An input here is at most [`MAX_INPUT`] bytes: one BLAKE3 chunk, so its hash is the root
//! compression of its last block (chunk counter 0, flags `CHUNK_START` on the first block,
//! `CHUNK_END | ROOT` on the last). The tests check every length against `blake3::hash`.

use std::arch::x86_64::__m512i;

use pulp::x86::V4;

/// Inputs hashed together: 32-bit words in a 512-bit register.
pub(crate) const LANES: usize = 16;
/// The longest input: one BLAKE3 chunk.
pub(crate) const MAX_INPUT: usize = 1024;

const MAX_BLOCKS: usize = MAX_INPUT / 64;

/// One state or message word of every lane.
type V = [u32; LANES];

/// One 64-byte block of an input.
type Block = [u8; 64];

const IV: [u32; 8] = [
    0x6A09_E667,
    0xBB67_AE85,
    0x3C6E_F372,
    0xA54F_F53A,
    0x510E_527F,
    0x9B05_688C,
    0x1F83_D9AB,
    0x5BE0_CD19,
];
const CHUNK_START: u32 = 1;
const CHUNK_END: u32 = 2;
const ROOT: u32 = 8;

/// The message word order of each of the 7 rounds: the identity, then BLAKE3's permutation
/// applied once more per round.
const SCHEDULE: [[usize; 16]; 7] = {
    const PERMUTATION: [usize; 16] = [2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8];
    let mut s = [[0; 16]; 7];
    let mut i = 0;
    while i < 16 {
        s[0][i] = i;
        i += 1;
    }
    let mut r = 1;
    while r < 7 {
        let mut i = 0;
        while i < 16 {
            s[r][i] = s[r - 1][PERMUTATION[i]];
            i += 1;
        }
        r += 1;
    }
    s
};

/// Up to [`LANES`] inputs waiting to be hashed together, each copied whole into a lane of its
/// own and zero-padded to its last block (16 KiB; keep one and reuse it). The compression wants
/// word `w` of every lane in one register; [`transpose`] turns each block of the 16 lanes around
/// in registers as it is hashed, which costs far less than placing every word of every input
/// one by one.
pub(crate) struct Lanes {
    simd: V4,
    blocks: [[Block; MAX_BLOCKS]; LANES],
    lens: [u32; LANES],
    n: usize,
}

impl Lanes {
    /// An empty set of lanes, or `None` when this processor lacks AVX-512.
    pub(crate) fn new() -> Option<Box<Lanes>> {
        V4::try_new().map(|simd| {
            Box::new(Lanes {
                simd,
                blocks: [[[0; 64]; MAX_BLOCKS]; LANES],
                lens: [0; LANES],
                n: 0,
            })
        })
    }

    /// Inputs added since the last [`Lanes::finish`].
    pub(crate) fn len(&self) -> usize {
        self.n
    }

    /// Adds the input `head ‖ rest` as the next lane. Returns `false`, adding nothing, when all
    /// lanes are taken or the input is longer than [`MAX_INPUT`].
    pub(crate) fn push(&mut self, head: &[u8; 8], rest: &[u8]) -> bool {
        let l = self.n;
        let total = head.len() + rest.len();
        if l >= LANES || total > MAX_INPUT {
            return false;
        }
        let end = total.div_ceil(64).max(1) * 64;
        let lane = self.blocks[l].as_flattened_mut();
        lane[..head.len()].copy_from_slice(head);
        lane[head.len()..total].copy_from_slice(rest);
        lane[total..end].fill(0);
        // `total` is at most MAX_INPUT, checked above.
        self.lens[l] = total as u32;
        self.n += 1;
        true
    }

    /// The hashes of the inputs added, in the order added (the first [`Lanes::len`] entries);
    /// the lanes are then empty again.
    pub(crate) fn finish(&mut self) -> [[u8; 32]; LANES] {
        let mut out = [[0; 32]; LANES];
        let simd = self.simd;
        simd.vectorize(HashLanes {
            simd,
            lanes: self,
            out: &mut out,
        });
        self.n = 0;
        out
    }
}

/// Turns 16 rows of 16 words around: word `w` of row `r` becomes word `r` of row `w`. Four
/// rounds of interleaving, of 32-bit words, 64-bit pairs, then 128-bit quarters twice.
#[inline(always)]
fn transpose(simd: V4, rows: [__m512i; 16]) -> [__m512i; 16] {
    let f = simd.avx512f;
    let mut pairs = [f._mm512_setzero_si512(); 16];
    let mut quads = pairs;
    let mut octs = pairs;
    let mut out = pairs;
    // 2q and 2q + 1: rows 2q and 2q + 1, in each quarter k, at words 4k and 4k + 1, and at words
    // 4k + 2 and 4k + 3.
    for q in 0..8 {
        let (a, b) = (rows[2 * q], rows[2 * q + 1]);
        pairs[2 * q] = f._mm512_unpacklo_epi32(a, b);
        pairs[2 * q + 1] = f._mm512_unpackhi_epi32(a, b);
    }
    // 4g + i: rows 4g to 4g + 3, in each quarter k, at word 4k + i.
    for g in 0..4 {
        for h in 0..2 {
            let (a, b) = (pairs[4 * g + h], pairs[4 * g + 2 + h]);
            quads[4 * g + 2 * h] = f._mm512_unpacklo_epi64(a, b);
            quads[4 * g + 2 * h + 1] = f._mm512_unpackhi_epi64(a, b);
        }
    }
    // 8h + i (i < 4): rows 8h to 8h + 7 at words i and 8 + i; 8h + 4 + i: at words 4 + i and
    // 12 + i.
    for h in 0..2 {
        for i in 0..4 {
            let (a, b) = (quads[8 * h + i], quads[8 * h + 4 + i]);
            octs[8 * h + i] = f._mm512_shuffle_i32x4::<0x88>(a, b);
            octs[8 * h + 4 + i] = f._mm512_shuffle_i32x4::<0xdd>(a, b);
        }
    }
    for w in 0..8 {
        let (a, b) = (octs[w], octs[8 + w]);
        out[w] = f._mm512_shuffle_i32x4::<0x88>(a, b);
        out[8 + w] = f._mm512_shuffle_i32x4::<0xdd>(a, b);
    }
    out
}

/// [`hash_lanes`] as the operation [`V4::vectorize`] runs with AVX-512 enabled. It is not a
/// closure on purpose: a closure's body is a function of its own, which the compiler may leave
/// out of line, and every vector instruction in it then becomes a call (ten times slower).
/// The functions it runs per block are `#[inline(always)]`, for the same reason.
struct HashLanes<'a> {
    simd: V4,
    lanes: &'a Lanes,
    out: &'a mut [[u8; 32]; LANES],
}

impl pulp::NullaryFnOnce for HashLanes<'_> {
    type Output = ();

    #[inline(always)]
    fn call(self) {
        let Lanes { blocks, lens, n, .. } = self.lanes;
        hash_lanes(self.simd, blocks, lens, *n, self.out);
    }
}

/// Every lane set to `x`.
#[inline(always)]
fn splat(simd: V4, x: u32) -> __m512i {
    simd.avx512f._mm512_set1_epi32(x as i32)
}

/// Hashes lanes `0..n`, writing lane `l`'s hash to `out[l]`.
#[inline(always)]
fn hash_lanes(
    simd: V4,
    blocks: &[[Block; MAX_BLOCKS]; LANES],
    lens: &[u32; LANES],
    n: usize,
    out: &mut [[u8; 32]; LANES],
) {
    let f = simd.avx512f;
    let last: V = std::array::from_fn(|l| lens[l].max(1).div_ceil(64) - 1);
    let count = last[..n].iter().max().map_or(0, |&b| b as usize + 1);
    let last_block: __m512i = pulp::cast(last);
    let remaining: __m512i = pulp::cast(*lens);
    let mut cv = [f._mm512_setzero_si512(); 8];
    for (c, iv) in cv.iter_mut().zip(IV) {
        *c = splat(simd, iv);
    }
    let mut hash = cv;
    // `j` picks the block of every lane in turn: there is no one slice to iterate.
    #[allow(clippy::needless_range_loop)]
    for j in 0..count {
        let mut rows = [f._mm512_setzero_si512(); LANES];
        for (row, lane) in rows.iter_mut().zip(blocks) {
            *row = pulp::cast(lane[j]);
        }
        let m = transpose(simd, rows);
        // At most MAX_BLOCKS.
        let j = j as u32;
        // The block's length: what is left of the input past 64·j bytes, at most 64.
        let left = f._mm512_max_epi32(f._mm512_sub_epi32(remaining, splat(simd, 64 * j)), splat(simd, 0));
        let len = f._mm512_min_epi32(left, splat(simd, 64));
        let ends = f._mm512_cmpeq_epi32_mask(splat(simd, j), last_block);
        let start = splat(simd, if j == 0 { CHUNK_START } else { 0 });
        let flags = f._mm512_mask_or_epi32(start, ends, start, splat(simd, CHUNK_END | ROOT));
        compress(simd, &mut cv, &m, len, flags);
        for (h, c) in hash.iter_mut().zip(cv) {
            *h = f._mm512_mask_mov_epi32(*h, ends, c);
        }
    }
    let hash: [V; 8] = std::array::from_fn(|i| pulp::cast(hash[i]));
    for (l, o) in out.iter_mut().enumerate().take(n) {
        for (i, h) in hash.iter().enumerate() {
            o[4 * i..4 * i + 4].copy_from_slice(&h[l].to_le_bytes());
        }
    }
}

#[inline(always)]
fn compress(simd: V4, cv: &mut [__m512i; 8], m: &[__m512i; 16], len: __m512i, flags: __m512i) {
    let f = simd.avx512f;
    let zero = f._mm512_setzero_si512();
    let [c0, c1, c2, c3, c4, c5, c6, c7] = *cv;
    let mut v = [
        c0,
        c1,
        c2,
        c3,
        c4,
        c5,
        c6,
        c7,
        splat(simd, IV[0]),
        splat(simd, IV[1]),
        splat(simd, IV[2]),
        splat(simd, IV[3]),
        zero,
        zero,
        len,
        flags,
    ];
    for s in &SCHEDULE {
        g(simd, &mut v, [0, 4, 8, 12], m[s[0]], m[s[1]]);
        g(simd, &mut v, [1, 5, 9, 13], m[s[2]], m[s[3]]);
        g(simd, &mut v, [2, 6, 10, 14], m[s[4]], m[s[5]]);
        g(simd, &mut v, [3, 7, 11, 15], m[s[6]], m[s[7]]);
        g(simd, &mut v, [0, 5, 10, 15], m[s[8]], m[s[9]]);
        g(simd, &mut v, [1, 6, 11, 12], m[s[10]], m[s[11]]);
        g(simd, &mut v, [2, 7, 8, 13], m[s[12]], m[s[13]]);
        g(simd, &mut v, [3, 4, 9, 14], m[s[14]], m[s[15]]);
    }
    for (i, c) in cv.iter_mut().enumerate() {
        *c = f._mm512_xor_si512(v[i], v[i + 8]);
    }
}

/// BLAKE3's quarter-round on one column or diagonal (`[a, b, c, d]`) of every lane.
#[inline(always)]
fn g(simd: V4, v: &mut [__m512i; 16], [a, b, c, d]: [usize; 4], x: __m512i, y: __m512i) {
    let f = simd.avx512f;
    v[a] = f._mm512_add_epi32(f._mm512_add_epi32(v[a], v[b]), x);
    v[d] = f._mm512_ror_epi32::<16>(f._mm512_xor_si512(v[d], v[a]));
    v[c] = f._mm512_add_epi32(v[c], v[d]);
    v[b] = f._mm512_ror_epi32::<12>(f._mm512_xor_si512(v[b], v[c]));
    v[a] = f._mm512_add_epi32(f._mm512_add_epi32(v[a], v[b]), y);
    v[d] = f._mm512_ror_epi32::<8>(f._mm512_xor_si512(v[d], v[a]));
    v[c] = f._mm512_add_epi32(v[c], v[d]);
    v[b] = f._mm512_ror_epi32::<7>(f._mm512_xor_si512(v[b], v[c]));
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What `envelope::open` hashes: the header's first 8 bytes, then the payload.
    fn reference(head: &[u8; 8], rest: &[u8]) -> [u8; 32] {
        *super::super::digest(head, rest).as_bytes()
    }

    fn input(len: usize, seed: usize) -> Vec<u8> {
        (0..len)
            .map(|i| (i.wrapping_mul(31).wrapping_add(seed * 7) % 251) as u8)
            .collect()
    }

    #[test]
    fn every_length_of_one_chunk_hashes_as_blake3_does() {
        let Some(mut lanes) = Lanes::new() else {
            eprintln!("note: no AVX-512 on this processor, where scans hash one record at a time; skipped");
            return;
        };
        for total in 8..=MAX_INPUT {
            // Lanes of different lengths in one batch: each ends on its own block.
            let inputs: Vec<Vec<u8>> = (0..LANES)
                .map(|l| input(8 + (total - 8).saturating_sub(l * 13), l))
                .collect();
            for inp in &inputs {
                let head: [u8; 8] = inp[..8].try_into().unwrap();
                assert!(lanes.push(&head, &inp[8..]));
            }
            let got = lanes.finish();
            for (l, inp) in inputs.iter().enumerate() {
                let head: [u8; 8] = inp[..8].try_into().unwrap();
                assert_eq!(got[l], reference(&head, &inp[8..]), "length {} in lane {l}", inp.len());
            }
        }
    }

    #[test]
    fn refuses_a_seventeenth_input_and_one_longer_than_a_chunk() {
        let Some(mut lanes) = Lanes::new() else {
            eprintln!("note: no AVX-512 on this processor, where scans hash one record at a time; skipped");
            return;
        };
        assert!(!lanes.push(&[0; 8], &[0; MAX_INPUT - 7]));
        assert_eq!(lanes.len(), 0);
        assert!(lanes.push(&[0; 8], &[0; MAX_INPUT - 8]));
        for _ in 1..LANES {
            assert!(lanes.push(&[1; 8], b"x"));
        }
        assert!(!lanes.push(&[2; 8], b"y"));
        assert_eq!(lanes.len(), LANES);
        let got = lanes.finish();
        assert_eq!(got[0], reference(&[0; 8], &[0; MAX_INPUT - 8]));
        assert_eq!(got[LANES - 1], reference(&[1; 8], b"x"));
        assert_eq!(lanes.len(), 0);
    }

    #[test]
    fn transpose_turns_rows_into_columns() {
        let Some(simd) = V4::try_new() else {
            eprintln!("note: no AVX-512 on this processor, where scans hash one record at a time; skipped");
            return;
        };
        let rows: [V; 16] = std::array::from_fn(|r| std::array::from_fn(|w| (r * 100 + w) as u32));
        let got: [V; 16] = transpose(simd, rows.map(pulp::cast)).map(pulp::cast);
        for (w, col) in got.iter().enumerate() {
            for (r, &x) in col.iter().enumerate() {
                assert_eq!(x, rows[r][w], "row {r}, word {w}");
            }
        }
    }

    #[test]
    fn lanes_reused_after_longer_inputs_hash_the_new_ones_only() {
        let Some(mut lanes) = Lanes::new() else {
            eprintln!("note: no AVX-512 on this processor, where scans hash one record at a time; skipped");
            return;
        };
        for _ in 0..LANES {
            assert!(lanes.push(&[0xff; 8], &[0xff; MAX_INPUT - 8]));
        }
        lanes.finish();
        let inputs: Vec<Vec<u8>> = (0..LANES).map(|l| input(8 + l * 37, l)).collect();
        for inp in &inputs {
            assert!(lanes.push(inp[..8].try_into().unwrap(), &inp[8..]));
        }
        let got = lanes.finish();
        for (l, inp) in inputs.iter().enumerate() {
            assert_eq!(got[l], reference(inp[..8].try_into().unwrap(), &inp[8..]), "lane {l}");
        }
    }

    proptest! {
        #[test]
        fn any_batch_hashes_as_blake3_does(
            inputs in prop::collection::vec((any::<[u8; 8]>(), prop::collection::vec(any::<u8>(), 0..=MAX_INPUT - 8)), 1..=LANES),
        ) {
            // Without AVX-512 the first two tests print the note.
            let Some(mut lanes) = Lanes::new() else { return Ok(()) };
            for (head, rest) in &inputs {
                prop_assert!(lanes.push(head, rest));
            }
            let got = lanes.finish();
            for (l, (head, rest)) in inputs.iter().enumerate() {
                prop_assert_eq!(got[l], reference(head, rest));
            }
        }
    }
}
