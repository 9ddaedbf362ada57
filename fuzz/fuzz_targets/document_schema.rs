//! Structured input: JSON Schemas and documents built from arbitrary data (both known keywords
//! with arbitrary values and arbitrary JSON text), driven through a document collection:
//! `set_schema`, `put`, `put_str`. Never a panic, and against a count of versions per key:
//! - a refused schema leaves the collection's schema as it was; an accepted one reads back equal;
//! - `put` is refused with a schema error exactly when `check` lists violations;
//! - a refused document leaves no version; an accepted one is the next version and reads back
//!   equal to what was put.
#![no_main]

use std::collections::BTreeMap;
use std::path::PathBuf;

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use serde_json::{Map, Number, Value, json};
use tradestore::{Collection, Error, Store};

const NAMES: [&str; 10] = ["id", "pair", "price", "qty", "api_key", "tags", "mode", "a", "", "$ref"];
const KEYS: [&str; 4] = ["bot", "k1", "a/b", ""];
const TYPES: [&str; 8] = [
    "integer", "number", "string", "object", "array", "boolean", "null", "bogus",
];
const PATTERNS: [&str; 6] = ["^[A-Z]+-[A-Z]+$", "a*", "(a+)+$", "[", "\\d{2,}", "^(?!x).*$"];
const FORMATS: [&str; 8] = ["date-time", "email", "uri", "ipv4", "uuid", "regex", "date", "bogus"];
const REFS: [&str; 6] = [
    "#",
    "#/$defs/a",
    "#/properties/a",
    "#/nope",
    "http://example.com/s.json",
    "urn:x",
];
const DEPTH: u8 = 6;

#[derive(Arbitrary, Debug)]
enum Name {
    Known(u8),
    Any(String),
}

impl Name {
    fn text(&self, list: &[&str]) -> String {
        match self {
            Name::Known(i) => list[usize::from(*i) % list.len()].to_owned(),
            Name::Any(s) => s.clone(),
        }
    }
}

/// A JSON value.
#[derive(Arbitrary, Debug)]
enum J {
    Null,
    Bool(bool),
    Int(i64),
    UInt(u64),
    Float(f64),
    Str(Name),
    Arr(Vec<J>),
    Obj(Vec<(Name, J)>),
}

impl J {
    fn value(&self, depth: u8) -> Value {
        if depth == 0 {
            return Value::Null;
        }
        match self {
            J::Null => Value::Null,
            J::Bool(b) => Value::Bool(*b),
            J::Int(i) => json!(i),
            J::UInt(u) => json!(u),
            J::Float(f) => Number::from_f64(*f).map_or(Value::Null, Value::Number),
            J::Str(s) => Value::String(s.text(&NAMES)),
            J::Arr(v) => Value::Array(v.iter().take(8).map(|j| j.value(depth - 1)).collect()),
            J::Obj(v) => Value::Object(
                v.iter()
                    .take(8)
                    .map(|(k, j)| (k.text(&NAMES), j.value(depth - 1)))
                    .collect(),
            ),
        }
    }
}

/// A JSON Schema.
#[derive(Arbitrary, Debug)]
enum S {
    Bool(bool),
    Type(u8),
    Types(Vec<u8>),
    Object {
        props: Vec<(Name, S)>,
        required: Vec<Name>,
        additional: Option<Box<S>>,
        min_props: Option<u8>,
        max_props: Option<u8>,
    },
    Array {
        items: Option<Box<S>>,
        prefix: Vec<S>,
        min: Option<u8>,
        max: Option<u8>,
        unique: bool,
        contains: Option<Box<S>>,
    },
    Str {
        min: Option<u8>,
        max: Option<u8>,
        pattern: Option<Name>,
        format: Option<u8>,
    },
    Num {
        integer: bool,
        minimum: Option<J>,
        maximum: Option<J>,
        exclusive_minimum: Option<J>,
        multiple_of: Option<J>,
    },
    Enum(Vec<J>),
    Const(J),
    AnyOf(Vec<S>),
    AllOf(Vec<S>),
    OneOf(Vec<S>),
    Not(Box<S>),
    IfThenElse(Box<S>, Box<S>, Box<S>),
    Ref(Name),
    Defs(Box<S>, Box<S>),
    /// Any keyword with any value.
    Keyword(Name, J, Box<S>),
    /// JSON text, used as the schema when it parses.
    Raw(String),
}

fn list(v: &[S], depth: u8) -> Value {
    Value::Array(v.iter().take(6).map(|s| s.value(depth - 1)).collect())
}

impl S {
    fn value(&self, depth: u8) -> Value {
        if depth == 0 {
            return json!({});
        }
        let d = depth - 1;
        match self {
            S::Bool(b) => Value::Bool(*b),
            S::Type(t) => json!({"type": TYPES[usize::from(*t) % TYPES.len()]}),
            S::Types(ts) => {
                json!({"type": ts.iter().take(4).map(|t| TYPES[usize::from(*t) % TYPES.len()]).collect::<Vec<_>>()})
            }
            S::Object {
                props,
                required,
                additional,
                min_props,
                max_props,
            } => {
                let mut o = Map::new();
                o.insert("type".into(), json!("object"));
                let p: Map<String, Value> = props
                    .iter()
                    .take(6)
                    .map(|(n, s)| (n.text(&NAMES), s.value(d)))
                    .collect();
                o.insert("properties".into(), Value::Object(p));
                if !required.is_empty() {
                    let r: Vec<String> = required.iter().take(6).map(|n| n.text(&NAMES)).collect();
                    o.insert("required".into(), json!(r));
                }
                if let Some(a) = additional {
                    o.insert("additionalProperties".into(), a.value(d));
                }
                if let Some(n) = min_props {
                    o.insert("minProperties".into(), json!(n));
                }
                if let Some(n) = max_props {
                    o.insert("maxProperties".into(), json!(n));
                }
                Value::Object(o)
            }
            S::Array {
                items,
                prefix,
                min,
                max,
                unique,
                contains,
            } => {
                let mut o = Map::new();
                o.insert("type".into(), json!("array"));
                if let Some(i) = items {
                    o.insert("items".into(), i.value(d));
                }
                if !prefix.is_empty() {
                    o.insert("prefixItems".into(), list(prefix, depth));
                }
                if let Some(n) = min {
                    o.insert("minItems".into(), json!(n));
                }
                if let Some(n) = max {
                    o.insert("maxItems".into(), json!(n));
                }
                if *unique {
                    o.insert("uniqueItems".into(), json!(true));
                }
                if let Some(c) = contains {
                    o.insert("contains".into(), c.value(d));
                }
                Value::Object(o)
            }
            S::Str {
                min,
                max,
                pattern,
                format,
            } => {
                let mut o = Map::new();
                o.insert("type".into(), json!("string"));
                if let Some(n) = min {
                    o.insert("minLength".into(), json!(n));
                }
                if let Some(n) = max {
                    o.insert("maxLength".into(), json!(n));
                }
                if let Some(p) = pattern {
                    o.insert("pattern".into(), json!(p.text(&PATTERNS)));
                }
                if let Some(f) = format {
                    o.insert("format".into(), json!(FORMATS[usize::from(*f) % FORMATS.len()]));
                }
                Value::Object(o)
            }
            S::Num {
                integer,
                minimum,
                maximum,
                exclusive_minimum,
                multiple_of,
            } => {
                let mut o = Map::new();
                o.insert("type".into(), json!(if *integer { "integer" } else { "number" }));
                for (k, v) in [
                    ("minimum", minimum),
                    ("maximum", maximum),
                    ("exclusiveMinimum", exclusive_minimum),
                    ("multipleOf", multiple_of),
                ] {
                    if let Some(v) = v {
                        o.insert(k.into(), v.value(2));
                    }
                }
                Value::Object(o)
            }
            S::Enum(v) => json!({"enum": v.iter().take(6).map(|j| j.value(d)).collect::<Vec<_>>()}),
            S::Const(j) => json!({"const": j.value(d)}),
            S::AnyOf(v) => json!({"anyOf": list(v, depth)}),
            S::AllOf(v) => json!({"allOf": list(v, depth)}),
            S::OneOf(v) => json!({"oneOf": list(v, depth)}),
            S::Not(s) => json!({"not": s.value(d)}),
            S::IfThenElse(a, b, c) => json!({"if": a.value(d), "then": b.value(d), "else": c.value(d)}),
            S::Ref(r) => json!({"$ref": r.text(&REFS)}),
            S::Defs(root, a) => {
                let mut v = root.value(d);
                if let Value::Object(o) = &mut v {
                    o.insert("$defs".into(), json!({"a": a.value(d)}));
                }
                v
            }
            S::Keyword(k, j, s) => {
                let mut v = s.value(d);
                if let Value::Object(o) = &mut v {
                    o.insert(k.text(&NAMES), j.value(3));
                }
                v
            }
            S::Raw(text) => serde_json::from_str(text).unwrap_or_else(|_| Value::String(text.clone())),
        }
    }
}

#[derive(Arbitrary, Debug)]
enum Op {
    SetSchema(S),
    Put(Name, J),
    PutStr(Name, String),
}

/// How many versions `key` has (0 for a key that cannot exist).
fn versions(c: &Collection, key: &str) -> usize {
    match c.history(key) {
        Ok(v) => v.len(),
        Err(Error::NotFound(_) | Error::Validation { .. }) => 0,
        Err(e) => panic!("history of {key:?}: {e}"),
    }
}

fn put(
    c: &Collection,
    counts: &mut BTreeMap<String, usize>,
    key: &str,
    doc: Option<&Value>,
    r: tradestore::Result<tradestore::DocMeta>,
) {
    let before = counts.get(key).copied().unwrap_or(0);
    match r {
        Err(e) => {
            assert_eq!(
                versions(c, key),
                before,
                "a refused put of {key:?} changed its versions: {e}"
            );
            if let Some(doc) = doc {
                let schema_refusal = matches!(e, Error::Schema(_));
                let violations = c.check(doc).expect("check runs");
                if schema_refusal {
                    assert!(
                        !violations.is_empty(),
                        "refused by the schema, yet check finds nothing: {e}"
                    );
                }
            }
        }
        Ok(meta) => {
            let doc = doc.expect("put_str accepts only valid JSON");
            assert!(
                c.check(doc).expect("check runs").is_empty(),
                "an accepted document has violations"
            );
            assert_eq!(meta.version as usize, before + 1, "version number");
            assert_eq!(versions(c, key), before + 1, "versions after a put");
            counts.insert(key.to_owned(), before + 1);
            let got = c.get(key).expect("an accepted document reads back");
            assert_eq!(got.meta, meta);
            assert!(
                &got.json == doc,
                "document read back differs: put {doc}, got {}",
                got.json
            );
        }
    }
}

fn scratch() -> PathBuf {
    std::env::temp_dir().join(format!("tradestore-fuzz-docs-{}", std::process::id()))
}

fuzz_target!(|ops: Vec<Op>| {
    let dir = scratch();
    let _ = std::fs::remove_dir_all(&dir);
    let store = Store::open(&dir).expect("a fresh store opens");
    let c = store.collection("fuzz").expect("a valid collection name");
    let mut counts = BTreeMap::new();
    for op in ops.iter().take(12) {
        match op {
            Op::SetSchema(s) => {
                let schema = s.value(DEPTH);
                let before = c.schema().expect("schema reads");
                match c.set_schema(&schema) {
                    Err(_) => assert_eq!(c.schema().expect("schema reads"), before, "a refused schema was kept"),
                    Ok(rep) => {
                        let now = c.schema().expect("schema reads");
                        assert!(
                            now == Some((rep.version, schema.clone())),
                            "schema read back differs: {now:?}"
                        );
                    }
                }
            }
            Op::Put(k, j) => {
                let key = k.text(&KEYS);
                let doc = j.value(DEPTH);
                // Check first: the schema compiled for `check` is the one `put` uses.
                let violations = c.check(&doc).expect("check runs");
                let r = c.put(&key, &doc);
                // A bad key or an oversized document is refused before the schema is looked at.
                if !violations.is_empty() {
                    assert!(
                        matches!(r, Err(Error::Schema(_) | Error::Validation { .. })),
                        "a document with violations was not refused: {r:?}"
                    );
                } else if let Err(Error::Schema(e)) = &r {
                    panic!("a document without violations was refused by the schema: {e}");
                }
                put(&c, &mut counts, &key, Some(&doc), r);
            }
            Op::PutStr(k, text) => {
                let key = k.text(&KEYS);
                let doc: Option<Value> = serde_json::from_str(text).ok();
                let r = c.put_str(&key, text);
                if doc.is_none() {
                    assert!(r.is_err(), "put_str accepted text that is not JSON");
                }
                put(&c, &mut counts, &key, doc.as_ref(), r);
            }
        }
    }
    drop(c);
    drop(store);
    let _ = std::fs::remove_dir_all(&dir);
});
