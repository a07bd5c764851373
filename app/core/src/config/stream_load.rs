//! The Stream Load properties the engine actually sends for the configured `properties`.

use std::collections::BTreeMap;

/// The Stream Load properties the engine sends for `properties` as configured: the one place
/// that adds what our batches need, used by the reader, the Stream Load client and the mapping
/// preview so that the preview's verdict is the load's. Our JSON batches are arrays, so with
/// `format = json` StarRocks must strip the outer array unless the user said otherwise
/// (flink-connector-starrocks does the same).
pub fn stream_load_properties(properties: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = properties.clone();
    if is_json(properties) {
        default_to_true(&mut out, "strip_outer_array");
    }
    out
}

/// The headers the Stream Load client sends: [`stream_load_properties`], and for JSON batches
/// `ignore_json_size: true` unless set (as flink-connector-starrocks does): `buffer-flush.max-bytes`
/// already bounds the body, and without it StarRocks refuses JSON bodies over 100 MB as if the
/// rows were bad. (The preview leaves it out: it never sends a body that large.)
pub fn stream_load_headers(properties: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = stream_load_properties(properties);
    if is_json(properties) {
        default_to_true(&mut out, "ignore_json_size");
    }
    out
}

fn is_json(properties: &BTreeMap<String, String>) -> bool {
    property(properties, "format").is_some_and(|f| f.trim().eq_ignore_ascii_case("json"))
}

/// Sets `key` to "true" unless the user set it (in any case).
fn default_to_true(properties: &mut BTreeMap<String, String>, key: &str) {
    if property(properties, key).is_none() {
        properties.insert(key.into(), "true".into());
    }
}

/// The Stream Load property `name`, whatever case its key was written in (they are HTTP
/// headers: StarRocks reads them case-insensitively).
pub fn property<'a>(properties: &'a BTreeMap<String, String>, name: &str) -> Option<&'a str> {
    properties
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Sets (or with `None` removes) the property `name`, replacing a key written in another case
/// rather than adding a second header.
pub fn set_property(properties: &mut BTreeMap<String, String>, name: &str, value: Option<String>) {
    properties.retain(|k, _| !k.eq_ignore_ascii_case(name));
    if let Some(v) = value {
        properties.insert(name.to_string(), v);
    }
}
