//! The readers of the keys that need more than their kind's setter: `stream` (an ARN fills in
//! `region`), `load-url` (a `;`-separated list), `properties.*` and `security-group-ids`.

use super::fields::describe;
use super::model::{LoadUrl, PipelineConfig};
use super::reader::KeyReader;
use super::stream_load::stream_load_properties;
use super::validate::{is_password_like, password_refusal};
use super::values::parse_stream_arn;
use std::collections::BTreeMap;

/// `source.stream`, a name or an ARN. It reads `region` too: an ARN fills it in and must agree
/// with it (the `region` row then finds its key taken).
pub(super) fn stream(r: &mut KeyReader<'_, '_>, c: &mut PipelineConfig) {
    let stream = r.nonempty();
    let mut region = r.fields.nonempty("region");
    let (stream_name, stream_arn) = match stream {
        None => {
            r.required(
                "required: the Kinesis stream's name or ARN (arn:aws:kinesis:REGION:ACCOUNT:stream/NAME)",
            );
            (String::new(), None)
        }
        Some(s) if s.starts_with("arn:") => match parse_stream_arn(&s) {
            Some((arn_region, name)) => {
                match &region {
                    Some(reg) if *reg != arn_region => r.fields.err(
                        "region",
                        format!(
                            "{reg:?} differs from the region of the stream ARN ({arn_region:?}); drop `region` or make them agree"
                        ),
                    ),
                    Some(_) => {}
                    None => region = Some(arn_region),
                }
                (name, Some(s))
            }
            None => {
                r.err(format!(
                    "expected a stream name or arn:aws:kinesis:REGION:ACCOUNT:stream/NAME, got {s:?}"
                ));
                (String::new(), None)
            }
        },
        Some(s) => (s, None),
    };
    c.source.stream_name = stream_name;
    c.source.stream_arn = stream_arn;
    c.source.region = region;
}

/// `sink.load-url`: one or more `;`-separated URLs, duplicates dropped.
pub(super) fn load_url(r: &mut KeyReader<'_, '_>, c: &mut PipelineConfig) {
    let Some(s) = r.string() else {
        r.required(
            "required: the FE HTTP address(es), e.g. \"https://xxxx.cloud-app.celerdata.com\" or \"fe1:8030;fe2:8030\"",
        );
        return;
    };
    let load_urls = &mut c.sink.load_urls;
    let mut failed = false;
    for part in s.split(';').map(str::trim).filter(|p| !p.is_empty()) {
        match LoadUrl::parse(part) {
            Ok(u) => {
                if !load_urls.contains(&u) {
                    load_urls.push(u);
                }
            }
            Err(m) => {
                r.err(m);
                failed = true;
            }
        }
    }
    if load_urls.is_empty() && !failed {
        r.err(format!(
            "expected one or more ';'-separated http(s)://host[:port], got {s:?}"
        ));
    }
}

/// `sink.properties.*`: any number of Stream Load properties (no passwords), plus what our
/// batches need ([`stream_load_properties`]).
pub(super) fn properties(r: &mut KeyReader<'_, '_>, c: &mut PipelineConfig) {
    let mut properties = BTreeMap::new();
    if let Some(t) = r.table() {
        for (key, value) in t {
            let full = format!("{}.{key}", r.key());
            if is_password_like(&key) {
                r.fields.err(&full, password_refusal());
                continue;
            }
            match property_value(&key, value) {
                Ok(v) => {
                    properties.insert(key, v);
                }
                Err(m) => r.fields.err(&full, m),
            }
        }
    }
    c.sink.properties = stream_load_properties(&properties);
}

/// A property value: strings as they are; integers, floats and booleans stringified; an array
/// of strings only for `jsonpaths` (written as the JSON text StarRocks expects).
fn property_value(key: &str, v: toml::Value) -> Result<String, String> {
    match v {
        toml::Value::String(s) => Ok(s),
        toml::Value::Integer(i) => Ok(i.to_string()),
        toml::Value::Float(f) => Ok(f.to_string()),
        toml::Value::Boolean(b) => Ok(b.to_string()),
        toml::Value::Array(items) if key.eq_ignore_ascii_case("jsonpaths") => {
            let mut paths = Vec::new();
            for item in items {
                match item {
                    toml::Value::String(s) => paths.push(serde_json::Value::String(s)),
                    other => {
                        return Err(format!(
                            "expected an array of strings (JSON paths), found {}",
                            describe(&other)
                        ));
                    }
                }
            }
            Ok(serde_json::Value::Array(paths).to_string())
        }
        other => Err(format!(
            "expected a string, integer, number or boolean (it is sent as the Stream Load header `{key}`), got {}",
            describe(&other)
        )),
    }
}

/// `network.security-group-ids`: an array of strings, or one comma-separated string.
pub(super) fn security_group_ids(r: &mut KeyReader<'_, '_>, c: &mut PipelineConfig) {
    let ids = &mut c.network.security_group_ids;
    match r.take() {
        None => {}
        Some(toml::Value::Array(items)) => {
            for item in items {
                match item {
                    toml::Value::String(s) => ids.push(s.trim().to_string()),
                    other => r.err(format!(
                        "expected an array of strings like [\"sg-0abc…\"], found {}",
                        describe(&other)
                    )),
                }
            }
        }
        Some(toml::Value::String(s)) => {
            // One id, or a comma-separated list, written as a string.
            ids.extend(
                s.split(',')
                    .map(str::trim)
                    .filter(|x| !x.is_empty())
                    .map(String::from),
            );
        }
        Some(other) => r.err(format!(
            "expected an array of strings like [\"sg-0abc…\"], got {}",
            describe(&other)
        )),
    }
}
