//! The block source: an HTTP JSON service that tells the current height of
//! the Bitcoin chain and the hash of the block at a height.
//!
//! Answers accepted from `tip_url`: a bare number (`871234`), a JSON string
//! holding one (`"871234"`), or a JSON object with a `height` field (number or
//! string). Answers accepted from `block_url` (with `{height}` replaced): a
//! bare hash (plain text), a JSON string, a JSON object with a `hash` field,
//! or an object with a `blocks` list whose first item has a `hash` field.

use serde_json::Value;

use super::FreshnessError;

/// What a block source's answer lacks.
fn bad(why: impl Into<String>) -> FreshnessError {
    FreshnessError::BadBlockAnswer(why.into())
}

/// A mined Bitcoin block's hash is below the difficulty-1 target, so it
/// starts with at least this many zero hex digits.
pub const MIN_LEADING_ZEROS: usize = 8;

/// Reads a chain height from a `tip_url` answer.
pub fn parse_height(body: &[u8]) -> Result<u64, FreshnessError> {
    let text = std::str::from_utf8(body).map_err(|_| bad("the answer is not UTF-8 text"))?;
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| {
        bad(format!(
            "the answer is not JSON (expected a number or an object with a `height` field): {e}"
        ))
    })?;
    let field = match &value {
        Value::Object(map) => map
            .get("height")
            .ok_or_else(|| bad("the JSON object has no `height` field"))?,
        other => other,
    };
    match field {
        Value::Number(n) => n
            .as_u64()
            .ok_or_else(|| bad("the height is not a whole non-negative number")),
        Value::String(s) => s
            .trim()
            .parse()
            .map_err(|e| bad(format!("the height {s:?} is not a whole number: {e}"))),
        other => Err(bad(format!("the height is {other}, not a number"))),
    }
}

/// Reads a block hash from a `block_url` answer; returns it in lower case.
pub fn parse_hash(body: &[u8]) -> Result<String, FreshnessError> {
    let text = std::str::from_utf8(body)
        .map_err(|_| bad("the answer is not UTF-8 text"))?
        .trim();
    let hash = if is_hex64(text) {
        text.to_string()
    } else {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| bad(format!("the answer is neither a block hash nor JSON: {e}")))?;
        let field = match &value {
            Value::Object(map) => match (map.get("hash"), map.get("blocks")) {
                (Some(h), _) => h,
                (None, Some(Value::Array(blocks))) => {
                    blocks.first().and_then(|b| b.get("hash")).ok_or_else(|| {
                        bad("the `blocks` list has no first item with a `hash` field")
                    })?
                }
                _ => return Err(bad("the JSON object has no `hash` field")),
            },
            other => other,
        };
        match field {
            Value::String(s) => s.trim().to_string(),
            other => return Err(bad(format!("the hash is {other}, not a string"))),
        }
    };
    if !is_hex64(&hash) {
        return Err(bad(format!(
            "{hash:?} is not a block hash (64 hexadecimal digits)"
        )));
    }
    let hash = hash.to_lowercase();
    if !hash.starts_with(&"0".repeat(MIN_LEADING_ZEROS)) {
        return Err(bad(format!(
            "{hash} is not a mined Bitcoin block hash (those start with at least {MIN_LEADING_ZEROS} zeros)"
        )));
    }
    Ok(hash)
}

fn is_hex64(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn heights_round_trip(h in any::<u64>()) {
            prop_assert_eq!(parse_height(h.to_string().as_bytes()).unwrap(), h);
            prop_assert_eq!(parse_height(format!("{{\"height\":{h}}}").as_bytes()).unwrap(), h);
        }

        #[test]
        fn hashes_round_trip(tail in "[0-9a-fA-F]{56}") {
            let hash = format!("00000000{tail}");
            prop_assert_eq!(parse_hash(hash.as_bytes()).unwrap(), hash.to_lowercase());
            prop_assert_eq!(parse_hash(format!("{{\"hash\":\"{hash}\"}}").as_bytes()).unwrap(), hash.to_lowercase());
        }

        #[test]
        fn never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..200)) {
            let _ = parse_height(&bytes);
            if let Ok(h) = parse_hash(&bytes) {
                prop_assert!(h.len() == 64 && h.starts_with("00000000"));
            }
        }
    }

    #[test]
    fn refusals() {
        assert!(parse_height(b"-5").is_err());
        assert!(parse_height(b"1.5").is_err());
        assert!(parse_height(b"{\"tip\": 5}").is_err());
        assert!(parse_hash(b"{\"hash\": 5}").is_err());
        assert!(parse_hash(&[b'0'; 63]).is_err());
    }
}
