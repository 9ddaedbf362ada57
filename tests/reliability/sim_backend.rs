//! A simulated disk under the real engine (redb `StorageBackend`).
//!
//! It keeps two images: what reads see (every write so far) and the durable image (what the
//! last successful `sync_data` made permanent), plus the writes in between. At each sync it can
//! record crash images: the durable image plus a random subset of the unsynced writes, some of
//! them torn (only some 512-byte sectors of a write, or a byte prefix of a short one), exactly
//! what a power cut during that sync could leave. It also injects faults: a full disk after N
//! bytes, failing writes, failing fsync, failing reads.
//!
//! Two disks can be [linked](Sim::link) (two files of one machine, such as a store file and its
//! commit log): a power cut is one moment for both, so each image recorded at a sync of either
//! carries its partner's image at that same moment (the partner's durable image plus a random
//! subset of its own unsynced writes, torn too).

use std::io;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

/// One write or resize not yet made durable.
#[derive(Debug, Clone)]
pub enum PendingOp {
    /// `write(offset, data)`.
    Write {
        /// Byte offset.
        offset: u64,
        /// Bytes written.
        data: Vec<u8>,
    },
    /// `set_len(len)`.
    SetLen(u64),
}

/// Faults to inject; all off by default.
#[derive(Debug, Clone, Default)]
pub struct Faults {
    /// Bytes that may still be written (file growth counts too) before writes fail with
    /// "no space left on device".
    pub write_budget: Option<u64>,
    /// The file may not grow ("no space left on device"), but writes inside its current length
    /// succeed: a full disk under a file system that overwrites in place (ext4, xfs), where
    /// `write_budget` models one that allocates on every write.
    pub no_growth: bool,
    /// Every write fails with an I/O error.
    pub fail_writes: bool,
    /// The file system is read-only (as after an ext4 `errors=remount-ro`): every write, growth
    /// and fsync fails with "read-only file system"; reads go on.
    pub read_only: bool,
    /// Every `sync_data` fails with an I/O error.
    pub fail_sync: bool,
    /// Every read fails with an I/O error.
    pub fail_reads: bool,
}

/// What the disk could hold after a power cut during one sync.
#[derive(Debug, Clone)]
pub struct CrashImage {
    /// Which sync (1-based) was cut.
    pub sync_no: u64,
    /// How many items were acknowledged when the cut happened (see [`Sim::set_acked`]).
    pub acked: u64,
    /// Whether some write in it is torn.
    pub torn: bool,
    /// Unsynced operations kept, of how many.
    pub kept: (usize, usize),
    /// The [linked](Sim::link) disk's image at the same moment.
    pub partner: Option<Box<CrashImage>>,
    base: Arc<Vec<u8>>,
    ops: Vec<PendingOp>,
}

impl CrashImage {
    /// The bytes of the image.
    pub fn bytes(&self) -> Vec<u8> {
        let mut img = (*self.base).clone();
        for op in &self.ops {
            apply(&mut img, op);
        }
        img
    }
}

fn apply(img: &mut Vec<u8>, op: &PendingOp) {
    match op {
        PendingOp::SetLen(len) => img.resize(*len as usize, 0),
        PendingOp::Write { offset, data } => {
            let start = *offset as usize;
            if img.len() < start + data.len() {
                img.resize(start + data.len(), 0);
            }
            img[start..start + data.len()].copy_from_slice(data);
        }
    }
}

struct State {
    data: Vec<u8>,
    durable: Arc<Vec<u8>>,
    pending: Vec<PendingOp>,
    faults: Faults,
    syncs: u64,
    failed_calls: u64,
    images_per_sync: usize,
    acked: u64,
    images: Vec<CrashImage>,
    rng: fastrand::Rng,
    partner: Option<Weak<Mutex<State>>>,
}

/// The test's handle on a simulated disk; [`Sim::backend`] gives the engine its side.
#[derive(Clone)]
pub struct Sim(Arc<Mutex<State>>);

/// The engine's side of a [`Sim`].
pub struct SimBackend(Arc<Mutex<State>>);

impl std::fmt::Debug for SimBackend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SimBackend")
    }
}

fn lock(m: &Mutex<State>) -> MutexGuard<'_, State> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Sim {
    /// An empty disk.
    pub fn new(seed: u64) -> Sim {
        Sim::from_bytes(Vec::new(), seed)
    }

    /// A disk holding `bytes`, all durable.
    pub fn from_bytes(bytes: Vec<u8>, seed: u64) -> Sim {
        Sim(Arc::new(Mutex::new(State {
            durable: Arc::new(bytes.clone()),
            data: bytes,
            pending: Vec::new(),
            faults: Faults::default(),
            syncs: 0,
            failed_calls: 0,
            images_per_sync: 0,
            acked: 0,
            images: Vec::new(),
            rng: fastrand::Rng::with_seed(seed),
            partner: None,
        })))
    }

    /// The backend to hand to `StoreBuilder::open_with_backend`.
    pub fn backend(&self) -> SimBackend {
        SimBackend(self.0.clone())
    }

    /// Makes `self` and `other` two files of one machine: every crash image either records
    /// from now on carries the other's image at the same moment ([`CrashImage::partner`]).
    /// Their syncs must not run concurrently (a backend that owns both serialises them).
    pub fn link(&self, other: &Sim) {
        lock(&self.0).partner = Some(Arc::downgrade(&other.0));
        lock(&other.0).partner = Some(Arc::downgrade(&self.0));
    }

    /// Injects `faults` from now on.
    pub fn set_faults(&self, faults: Faults) {
        lock(&self.0).faults = faults;
    }

    /// Records `n` crash images at every sync from now on (0 stops).
    pub fn record_images(&self, n: usize) {
        lock(&self.0).images_per_sync = n;
    }

    /// Tells the disk how many items the test has seen acknowledged so far.
    pub fn set_acked(&self, n: u64) {
        lock(&self.0).acked = n;
    }

    /// The crash images recorded so far.
    pub fn take_images(&self) -> Vec<CrashImage> {
        std::mem::take(&mut lock(&self.0).images)
    }

    /// What reads see now (the disk after a process crash without power loss).
    pub fn data(&self) -> Vec<u8> {
        lock(&self.0).data.clone()
    }

    /// The durable image (the disk after a power cut now, losing every unsynced write).
    pub fn durable(&self) -> Vec<u8> {
        (*lock(&self.0).durable).clone()
    }

    /// A power cut now: the durable image plus a random subset of the unsynced writes, some
    /// torn.
    pub fn cut_power(&self) -> CrashImage {
        let mut s = lock(&self.0);
        let (ops, torn) = s.random_subset();
        s.image(ops, torn)
    }

    /// Successful syncs so far.
    pub fn syncs(&self) -> u64 {
        lock(&self.0).syncs
    }

    /// Calls that failed because of an injected fault.
    pub fn failed_calls(&self) -> u64 {
        lock(&self.0).failed_calls
    }
}

impl State {
    /// The disk after a power cut now: the durable image plus `ops` of the unsynced writes.
    fn image(&self, ops: Vec<PendingOp>, torn: bool) -> CrashImage {
        CrashImage {
            sync_no: self.syncs + 1,
            acked: self.acked,
            torn,
            kept: (ops.len(), self.pending.len()),
            partner: None,
            base: self.durable.clone(),
            ops,
        }
    }

    fn fail(&mut self, kind: io::ErrorKind, what: &str) -> io::Error {
        self.failed_calls += 1;
        io::Error::new(kind, format!("injected fault: {what}"))
    }

    fn spend(&mut self, bytes: u64) -> io::Result<()> {
        if self.faults.read_only {
            return Err(self.fail(io::ErrorKind::ReadOnlyFilesystem, "read-only file system"));
        }
        if self.faults.fail_writes {
            return Err(self.fail(io::ErrorKind::Other, "write failed"));
        }
        if let Some(budget) = self.faults.write_budget {
            if bytes > budget {
                self.faults.write_budget = Some(0);
                return Err(self.fail(io::ErrorKind::StorageFull, "no space left on device"));
            }
            self.faults.write_budget = Some(budget - bytes);
        }
        Ok(())
    }

    /// The `n` images a cut during a sync could leave: the durable image alone, with every
    /// unsynced write, then random subsets.
    fn cut_images(&mut self, n: usize) -> Vec<CrashImage> {
        (0..n)
            .map(|i| {
                let (ops, torn) = match i {
                    0 => (Vec::new(), false),
                    1 => (self.pending.clone(), false),
                    _ => self.random_subset(),
                };
                self.image(ops, torn)
            })
            .collect()
    }

    fn record_images(&mut self, mut partners: Vec<CrashImage>) {
        let n = self.images_per_sync;
        partners.truncate(n);
        let mut partners = partners.into_iter();
        for mut image in self.cut_images(n) {
            image.partner = partners.next().map(Box::new);
            self.images.push(image);
        }
    }

    fn random_subset(&mut self) -> (Vec<PendingOp>, bool) {
        let mut torn = false;
        let mut out = Vec::new();
        let keep_p = self.rng.f64();
        for op in &self.pending {
            if self.rng.f64() >= keep_p {
                continue;
            }
            match op {
                PendingOp::Write { offset, data } if self.rng.u32(..4) == 0 => {
                    torn = true;
                    if data.len() > 512 {
                        for (i, sector) in data.chunks(512).enumerate() {
                            if self.rng.bool() {
                                out.push(PendingOp::Write {
                                    offset: offset + (i * 512) as u64,
                                    data: sector.to_vec(),
                                });
                            }
                        }
                    } else {
                        let cut = self.rng.usize(..data.len().max(1));
                        out.push(PendingOp::Write {
                            offset: *offset,
                            data: data[..cut].to_vec(),
                        });
                    }
                }
                other => out.push(other.clone()),
            }
        }
        (out, torn)
    }
}

impl redb::StorageBackend for SimBackend {
    fn len(&self) -> io::Result<u64> {
        Ok(lock(&self.0).data.len() as u64)
    }

    fn read(&self, offset: u64, out: &mut [u8]) -> io::Result<()> {
        let mut s = lock(&self.0);
        if s.faults.fail_reads {
            return Err(s.fail(io::ErrorKind::Other, "read failed"));
        }
        let start = offset as usize;
        match s.data.get(start..start + out.len()) {
            Some(src) => {
                out.copy_from_slice(src);
                Ok(())
            }
            None => Err(io::Error::new(io::ErrorKind::UnexpectedEof, "read past the end")),
        }
    }

    fn set_len(&self, len: u64) -> io::Result<()> {
        let mut s = lock(&self.0);
        let growth = len.saturating_sub(s.data.len() as u64);
        if growth > 0 && s.faults.no_growth {
            return Err(s.fail(io::ErrorKind::StorageFull, "no space left on device"));
        }
        s.spend(growth)?;
        s.data.resize(len as usize, 0);
        s.pending.push(PendingOp::SetLen(len));
        Ok(())
    }

    fn sync_data(&self) -> io::Result<()> {
        let mut s = lock(&self.0);
        if s.faults.read_only {
            return Err(s.fail(io::ErrorKind::ReadOnlyFilesystem, "read-only file system"));
        }
        if s.faults.fail_sync {
            return Err(s.fail(io::ErrorKind::Other, "fsync failed"));
        }
        let n = s.images_per_sync;
        let partner = s.partner.as_ref().and_then(Weak::upgrade);
        let partners = match partner {
            Some(p) if n > 0 => {
                // One lock at a time: the partner's syncs take the locks the other way round.
                drop(s);
                let images = lock(&p).cut_images(n);
                s = lock(&self.0);
                images
            }
            _ => Vec::new(),
        };
        s.record_images(partners);
        s.durable = Arc::new(s.data.clone());
        s.pending.clear();
        s.syncs += 1;
        Ok(())
    }

    fn write(&self, offset: u64, data: &[u8]) -> io::Result<()> {
        let mut s = lock(&self.0);
        s.spend(data.len() as u64)?;
        let start = offset as usize;
        if start + data.len() > s.data.len() {
            return Err(io::Error::new(io::ErrorKind::InvalidInput, "write past the end"));
        }
        s.data[start..start + data.len()].copy_from_slice(data);
        s.pending.push(PendingOp::Write {
            offset,
            data: data.to_vec(),
        });
        Ok(())
    }
}
