//! The Stream Load properties the engine actually sends for the configured `properties`.

use std::collections::BTreeMap;

/// The Stream Load properties the engine sends for `properties` as configured: the one place
/// that adds what our batches need, used by the reader, the Stream Load client and the mapping
/// preview so that the preview's verdict is the load's. Our JSON batches are arrays, so with
/// `format = json` StarRocks must strip the outer array unless the user said otherwise
/// (flink-connector-starrocks does the same).
pub fn stream_load_properties(properties: &BTreeMap<String, String>) -> BTreeMap<String, String> {
    let mut out = properties.clone();
    let is_json = properties
        .iter()
        .any(|(k, v)| k.eq_ignore_ascii_case("format") && v.trim().eq_ignore_ascii_case("json"));
    if is_json
        && !properties
            .keys()
            .any(|k| k.eq_ignore_ascii_case("strip_outer_array"))
    {
        out.insert("strip_outer_array".into(), "true".into());
    }
    out
}
