//! The official JSON schemas of CSAF 2.0 (documents, provider metadata, the
//! ROLIE feed), embedded with the CVSS schemas they reference: a check never
//! goes to the network for a schema.

use std::sync::OnceLock;

use serde_json::Value;

/// Which schema.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schema {
    /// `csaf_json_schema.json`: a CSAF document.
    Csaf,
    /// `provider_json_schema.json`: `provider-metadata.json`.
    Provider,
    /// `ROLIE_feed_json_schema.json`: a ROLIE feed of CSAF documents.
    RolieFeed,
}

const CSAF: &str = include_str!("schemas/csaf_json_schema.json");
const PROVIDER: &str = include_str!("schemas/provider_json_schema.json");
const ROLIE: &str = include_str!("schemas/ROLIE_feed_json_schema.json");
const CVSS_V2: &str = include_str!("schemas/cvss-v2.0.json");
const CVSS_V30: &str = include_str!("schemas/cvss-v3.0.json");
const CVSS_V31: &str = include_str!("schemas/cvss-v3.1.json");

struct Validators {
    csaf: jsonschema::Validator,
    provider: jsonschema::Validator,
    rolie: jsonschema::Validator,
}

fn parse(text: &str) -> Value {
    serde_json::from_str(text).expect("embedded schema is JSON")
}

fn validators() -> &'static Validators {
    static REGISTRY: OnceLock<jsonschema::Registry<'static>> = OnceLock::new();
    static VALIDATORS: OnceLock<Validators> = OnceLock::new();
    VALIDATORS.get_or_init(|| {
        let registry = REGISTRY.get_or_init(|| {
            let mut r = jsonschema::Registry::new();
            for (uri, text) in [
                ("https://www.first.org/cvss/cvss-v2.0.json", CVSS_V2),
                ("https://www.first.org/cvss/cvss-v3.0.json", CVSS_V30),
                ("https://www.first.org/cvss/cvss-v3.1.json", CVSS_V31),
                (
                    "https://docs.oasis-open.org/csaf/csaf/v2.0/csaf_json_schema.json",
                    CSAF,
                ),
            ] {
                r = r
                    .add(uri, jsonschema::Resource::from_contents(parse(text)))
                    .expect("embedded schema registers");
            }
            r.prepare().expect("embedded schemas resolve")
        });
        let build = |text: &str| {
            jsonschema::options()
                .should_validate_formats(true)
                .with_registry(registry)
                .build(&parse(text))
                .expect("embedded schema compiles")
        };
        Validators {
            csaf: build(CSAF),
            provider: build(PROVIDER),
            rolie: build(ROLIE),
        }
    })
}

/// Whether `e` only says that a plain-HTTP URL on a loopback address is not
/// https: that is the `not-https` warning (a local test server stands in for
/// the real one), not a schema error.
fn is_loopback_http(e: &jsonschema::ValidationError<'_>) -> bool {
    let jsonschema::error::ValidationErrorKind::Pattern { pattern } = e.kind() else {
        return false;
    };
    let Some(url) = e.instance().as_str() else {
        return false;
    };
    pattern.starts_with("^https://")
        && url
            .strip_prefix("http://")
            .is_some_and(|rest| super::fetch::is_loopback(rest.split('/').next().unwrap_or(rest)))
}

/// The schema errors of `doc` (at most `max`), each `message at /path`;
/// empty when it is valid.
pub fn errors(schema: Schema, doc: &Value, max: usize) -> Vec<String> {
    let v = validators();
    let validator = match schema {
        Schema::Csaf => &v.csaf,
        Schema::Provider => &v.provider,
        Schema::RolieFeed => &v.rolie,
    };
    validator
        .iter_errors(doc)
        .filter(|e| !is_loopback_http(e))
        .take(max)
        .map(|e| {
            let at = e.instance_path().to_string();
            format!("{e} at {}", if at.is_empty() { "/" } else { &at })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schemas_compile_and_judge() {
        assert!(!errors(Schema::Csaf, &serde_json::json!({}), 5).is_empty());
        assert!(!errors(Schema::Provider, &serde_json::json!({"role": 1}), 5).is_empty());
        assert!(!errors(Schema::RolieFeed, &serde_json::json!([]), 5).is_empty());
    }
}
