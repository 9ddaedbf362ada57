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
//! is unknown. Rows are inserted in the order they were read, so each key's position in that
//! order (its rank) is the comparison: keys inserted earlier are smaller. The resulting tree is
//! exactly the tree the real key type would build.

use std::cell::RefCell;
use std::cmp::Ordering;
use std::collections::HashMap;

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
    key_rank: HashMap<Vec<u8>, u64>,
    value_rank: HashMap<Vec<u8>, u64>,
}

thread_local! {
    static SHAPE: RefCell<Shape> = RefCell::new(Shape::default());
}

fn probe() -> TypeName {
    TypeName::new("tradestore::snapshot::probe")
}

fn rank_cmp(a: &[u8], b: &[u8], value: bool) -> Ordering {
    SHAPE.with(|s| {
        let s = s.borrow();
        let ranks = if value { &s.value_rank } else { &s.key_rank };
        match (ranks.get(a), ranks.get(b)) {
            (Some(x), Some(y)) => x.cmp(y),
            _ => a.cmp(b),
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
        let mut s = s.borrow_mut();
        let map = if value { &mut s.value_rank } else { &mut s.key_rank };
        map.insert(bytes.to_vec(), n);
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
            SHAPE.with(|s| s.borrow_mut().value_rank.clear());
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
