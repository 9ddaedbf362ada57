//! Secret fields: stored as given, but never printed unless asked for.
//!
//! A field is secret when its name, split into lower-case words (`apiKey`, `api-key` and `API_KEY`
//! all give `api key`), holds one of the marker words below, or one of the marker pairs.

use serde_json::Value;

/// What a redacted value is replaced with.
pub const REDACTED: &str = "[REDACTED]";

const WORDS: [&str; 12] = [
    "password",
    "passwd",
    "passphrase",
    "secret",
    "token",
    "credential",
    "credentials",
    "auth",
    "authorization",
    "mnemonic",
    "apikey",
    "privatekey",
];
const PAIRS: [(&str, &str); 4] = [
    ("api", "key"),
    ("private", "key"),
    ("api", "secret"),
    ("seed", "phrase"),
];

/// The marker starting with (lower-case ASCII) `first`. Every marker word and pair holds one of
/// these: an ASCII name that holds none of them (in any case) is not secret, without splitting
/// it into words. `phrase` is looked for as `hrase`, as `pass` already starts with `p`.
fn marker_from(first: u8) -> Option<&'static [u8]> {
    Some(match first {
        b'p' => b"pass",
        b's' => b"secret",
        b't' => b"token",
        b'c' => b"credential",
        b'a' => b"auth",
        b'm' => b"mnemonic",
        b'k' => b"key",
        b'h' => b"hrase",
        _ => return None,
    })
}

/// Whether `name` may be secret: false only when it cannot be (see [`marker_from`]). One pass
/// over the name, trying at each position the one marker starting with its letter.
fn may_be_secret(name: &str) -> bool {
    if !name.is_ascii() {
        // Lower-casing may turn other letters into ASCII ones (the Kelvin sign into `k`).
        return true;
    }
    let b = name.as_bytes();
    (0..b.len()).any(|i| {
        marker_from(b[i].to_ascii_lowercase())
            .is_some_and(|m| b[i..].get(..m.len()).is_some_and(|w| w.eq_ignore_ascii_case(m)))
    })
}

fn words(name: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if !c.is_alphanumeric() {
            if !cur.is_empty() {
                out.push(std::mem::take(&mut cur));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        cur.extend(c.to_lowercase());
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// Whether a field called `name` holds a secret (`api_key`, `apiSecret`, `password`,
/// `auth_token`, `private-key`, …).
///
/// # Examples
/// ```
/// use tradestore::documents::is_secret_name;
/// assert!(is_secret_name("api_key") && is_secret_name("apiSecret") && is_secret_name("AUTH"));
/// assert!(!is_secret_name("author") && !is_secret_name("pair"));
/// ```
pub fn is_secret_name(name: &str) -> bool {
    may_be_secret(name) && holds_marker_words(name)
}

/// Whether the words of `name` hold a marker word or pair.
fn holds_marker_words(name: &str) -> bool {
    let w = words(name);
    w.iter().any(|x| WORDS.contains(&x.as_str()))
        || w.windows(2)
            .any(|p| PAIRS.iter().any(|(a, b)| p[0] == *a && p[1] == *b))
}

/// Whether any field anywhere in `v` is secret.
pub fn contains_secret(v: &Value) -> bool {
    match v {
        Value::Object(m) => m.iter().any(|(k, v)| is_secret_name(k) || contains_secret(v)),
        Value::Array(a) => a.iter().any(contains_secret),
        _ => false,
    }
}

/// A copy of `v` with the value of every secret field replaced by [`REDACTED`].
///
/// # Examples
/// ```
/// use serde_json::json;
/// let doc = json!({"venue": "kraken", "api_key": "k-123", "nested": {"password": "p"}});
/// let shown = tradestore::documents::redact(&doc);
/// assert_eq!(shown, json!({"venue": "kraken", "api_key": "[REDACTED]", "nested": {"password": "[REDACTED]"}}));
/// ```
pub fn redact(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let shown = if is_secret_name(k) {
                        Value::String(REDACTED.into())
                    } else {
                        redact(v)
                    };
                    (k.clone(), shown)
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(redact).collect()),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_names_into_words() {
        for s in [
            "api_key",
            "apiKey",
            "API_KEY",
            "api-key",
            "exchange_api_secret",
            "privateKey",
            "authToken",
        ] {
            assert!(is_secret_name(s), "{s}");
        }
        for s in ["author", "keyboard", "tokenizer_model", "pair", "secretary_name_len"] {
            // "secretary" and "tokenizer" are words of their own; only whole words count.
            assert!(!is_secret_name(s), "{s}");
        }
    }

    #[test]
    fn the_pre_filter_never_hides_a_secret_name() {
        let parts = [
            "api",
            "Api",
            "API",
            "key",
            "Key",
            "KEY",
            "secret",
            "Secret",
            "pass",
            "word",
            "Word",
            "passwd",
            "phrase",
            "seed",
            "Seed",
            "private",
            "token",
            "Token",
            "auth",
            "Auth",
            "or",
            "author",
            "credentials",
            "mnemonic",
            "x",
            "1",
            "_",
            "-",
            ".",
            " ",
            "\u{212a}ey",
            "mon",
            "key2",
        ];
        let mut names = vec![String::new()];
        for _ in 0..3 {
            let grown: Vec<String> = names
                .iter()
                .flat_map(|n| parts.iter().map(move |p| format!("{n}{p}")))
                .collect();
            names.extend(grown);
        }
        let mut secret = 0;
        for n in &names {
            assert_eq!(is_secret_name(n), holds_marker_words(n), "{n:?}");
            secret += usize::from(holds_marker_words(n));
        }
        assert!(
            secret > 1000 && secret < names.len() - 1000,
            "{secret} of {}",
            names.len()
        );
    }
}
