//! Copying every table of a store without knowing its types.
//!
//! redb checks a table's stored key and value type names (and fixed widths) when it is opened,
//! and offers no untyped iteration. [`RawKey`] and [`RawValue`] are byte types whose type name
//! and width come from a per-thread [`Shape`], learnt from the store itself: a first open with a
//! probe name fails with the stored names, a second with the stored widths. With the shape set,
//! any table (including ones added after this module was written) reads as raw bytes, in its
//! own key order.
//!
//! Writing the rows into a fresh database needs that same order, but the key type's comparison
//! is unknown. Rows are inserted in the order they were read, so the row being inserted is
//! greater than every row already stored, and two stored rows compare by when they were
//! inserted. The resulting tree is exactly the tree the real key type would build.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};

use redb::{
    MultimapTableDefinition, MultimapTableHandle, ReadOnlyMultimapTable, ReadOnlyTable, ReadTransaction,
    ReadableMultimapTable, ReadableTable, TableDefinition, TableError, TableHandle, TypeName, WriteTransaction,
};

use crate::{Error, Result};

#[derive(Default)]
struct Shape {
    key: Option<TypeName>,
    value: Option<TypeName>,
    key_width: Option<usize>,
    value_width: Option<usize>,
    /// The key (value) being inserted: greater than every one inserted before it.
    key_now: Vec<u8>,
    value_now: Vec<u8>,
    /// Insertion position of every row of the table being copied, for comparisons between two
    /// stored rows (redb makes some, e.g. in debug assertions).
    key_rank: HashMap<Vec<u8>, u64, BuildHasherDefault<Fx>>,
    value_rank: HashMap<Vec<u8>, u64, BuildHasherDefault<Fx>>,
}

/// A fast non-cryptographic hasher for the rank maps (keys come from the store itself).
#[derive(Default)]
struct Fx(u64);

impl Hasher for Fx {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut a = [0u8; 8];
            a[..chunk.len()].copy_from_slice(chunk);
            self.0 = (self.0.rotate_left(5) ^ u64::from_le_bytes(a)).wrapping_mul(0x517c_c1b7_2722_0a95);
        }
    }

    fn finish(&self) -> u64 {
        self.0
    }
}

thread_local! {
    static SHAPE: RefCell<Shape> = RefCell::new(Shape::default());
}

fn probe() -> TypeName {
    TypeName::new("tradestore::snapshot::probe")
}

/// Orders rows by insertion: the row being inserted is greater than every stored one, and two
/// stored rows compare by when they were inserted.
fn rank_cmp(a: &[u8], b: &[u8], value: bool) -> Ordering {
    SHAPE.with(|s| {
        let s = s.borrow();
        let (now, ranks) = if value {
            (&s.value_now, &s.value_rank)
        } else {
            (&s.key_now, &s.key_rank)
        };
        match (a == now.as_slice(), b == now.as_slice()) {
            (true, true) => Ordering::Equal,
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (false, false) => match (ranks.get(a), ranks.get(b)) {
                (Some(x), Some(y)) => x.cmp(y),
                _ => a.cmp(b),
            },
        }
    })
}

macro_rules! raw_type {
    ($t:ident, $name:ident, $width:ident, $is_value:expr) => {
        /// Bytes of a table whose type is only known at run time (see the module docs).
        #[derive(Debug)]
        pub(crate) struct $t;

        impl redb::Value for $t {
            type SelfType<'a> = &'a [u8];
            type AsBytes<'a> = &'a [u8];

            fn fixed_width() -> Option<usize> {
                SHAPE.with(|s| s.borrow().$width)
            }

            fn from_bytes<'a>(data: &'a [u8]) -> &'a [u8]
            where
                Self: 'a,
            {
                data
            }

            fn as_bytes<'a, 'b: 'a>(value: &'a &'b [u8]) -> &'a [u8]
            where
                Self: 'b,
            {
                value
            }

            fn type_name() -> TypeName {
                SHAPE.with(|s| s.borrow().$name.clone()).unwrap_or_else(probe)
            }
        }

        impl redb::Key for $t {
            fn compare(a: &[u8], b: &[u8]) -> Ordering {
                rank_cmp(a, b, $is_value)
            }
        }
    };
}

raw_type!(RawKey, key, key_width, false);
raw_type!(RawValue, value, value_width, true);

fn reset() {
    SHAPE.with(|s| *s.borrow_mut() = Shape::default());
}

/// Opens `name` with [`RawKey`]/[`RawValue`], learning its shape from the errors redb gives.
fn learn<T>(mut open: impl FnMut() -> std::result::Result<T, TableError>) -> Result<T> {
    reset();
    for _ in 0..6 {
        match open() {
            Ok(t) => return Ok(t),
            Err(TableError::TableTypeMismatch { key, value, .. }) => SHAPE.with(|s| {
                let mut s = s.borrow_mut();
                s.key = Some(key);
                s.value = Some(value);
            }),
            Err(TableError::TypeDefinitionChanged { name, width, .. }) => SHAPE.with(|s| {
                let mut s = s.borrow_mut();
                // redb checks the key first: a mismatch on a key already at its stored width is the value's.
                if s.key.as_ref() == Some(&name) && s.key_width != width {
                    s.key_width = width;
                } else {
                    s.value_width = width;
                }
            }),
            Err(e) => return Err(e.into()),
        }
    }
    Err(Error::Db("cannot work out a table's key and value types".into()))
}

fn rank(value: bool, bytes: &[u8], n: u64) {
    SHAPE.with(|s| {
        let mut guard = s.borrow_mut();
        let s = &mut *guard;
        let (now, ranks) = if value {
            (&mut s.value_now, &mut s.value_rank)
        } else {
            (&mut s.key_now, &mut s.key_rank)
        };
        ranks.insert(bytes.to_vec(), n);
        now.clear();
        now.extend_from_slice(bytes);
    });
}

/// What [`copy_all`] copied.
#[derive(Debug, Default, Clone)]
pub(crate) struct Copied {
    pub(crate) tables: Vec<(String, u64)>,
}

/// Copies every table (plain and multimap) seen by `rtx` into `wtx`, row by row.
pub(crate) fn copy_all(rtx: &ReadTransaction, wtx: &WriteTransaction) -> Result<Copied> {
    let mut out = Copied::default();
    for handle in rtx.list_tables()? {
        let name = handle.name().to_owned();
        let def = TableDefinition::<RawKey, RawValue>::new(&name);
        let src: ReadOnlyTable<RawKey, RawValue> = learn(|| rtx.open_table(def))?;
        let mut dst = wtx.open_table(def)?;
        let mut n = 0u64;
        for row in src.iter()? {
            let (k, v) = row?;
            let (k, v) = (k.value(), v.value());
            rank(false, k, n);
            dst.insert(k, v)?;
            n += 1;
        }
        out.tables.push((name, n));
    }
    for handle in rtx.list_multimap_tables()? {
        let name = handle.name().to_owned();
        let def = MultimapTableDefinition::<RawKey, RawValue>::new(&name);
        let src: ReadOnlyMultimapTable<RawKey, RawValue> = learn(|| rtx.open_multimap_table(def))?;
        let mut dst = wtx.open_multimap_table(def)?;
        let mut n = 0u64;
        for row in src.iter()? {
            let (k, values) = row?;
            let k = k.value();
            rank(false, k, n);
            SHAPE.with(|s| {
                let mut s = s.borrow_mut();
                s.value_now.clear();
                s.value_rank.clear();
            });
            for (i, v) in values.enumerate() {
                let v = v?;
                let v: &[u8] = v.value();
                rank(true, v, i as u64);
                dst.insert(k, v)?;
                n += 1;
            }
        }
        out.tables.push((name, n));
    }
    reset();
    Ok(out)
}
