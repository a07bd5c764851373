//! Writing a config back as TOML in the layout of docs/config.md §2: the key table gives the order,
//! the sections and each key's value (its row's `get`); [`toml_entries`] spells the value in TOML.

use super::keys::{KEYS, KeySpec, KeyValue, Section};
use super::model::PipelineConfig;
use chrono::SecondsFormat;

impl PipelineConfig {
    /// Writes the config as TOML in the layout of docs/config.md §2. `from_toml_str` of the result
    /// gives back an equal config. There is no password in it: the model has no field for one.
    /// `state-dir` is left out when it is the default for the name; a section with nothing to
    /// write (`[network]` unless set) is left out.
    pub fn to_toml_string(&self) -> String {
        let mut out = String::new();
        let mut section = Section::Top;
        let mut header: Option<&str> = None;
        for spec in KEYS {
            if spec.section != section {
                section = spec.section;
                header = section.table();
            }
            let Some(value) = (spec.get)(self) else {
                continue;
            };
            for (key, value) in toml_entries(spec, value) {
                if let Some(h) = header.take() {
                    out.push_str(&format!("\n[{h}]\n"));
                }
                out.push_str(&format!("{key} = {value}\n"));
            }
        }
        out
    }
}

fn quote(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// The `key = value` lines (key within its section, value as TOML) that write `value` for
/// `spec`: one, or one per property for `properties.*`.
fn toml_entries(spec: &KeySpec, value: KeyValue) -> Vec<(String, String)> {
    let text = match value {
        KeyValue::Str(s) => quote(&s),
        KeyValue::Path(p) => quote(&p.to_string_lossy()),
        KeyValue::Int(n) => n.to_string(),
        KeyValue::Timestamp(t) => quote(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true)),
        KeyValue::StrList(items) => {
            let items: Vec<String> = items.iter().map(|s| quote(s)).collect();
            format!("[{}]", items.join(", "))
        }
        KeyValue::Properties(map) => {
            // Keys are header names ([A-Za-z0-9_-]): always valid bare TOML keys.
            let prefix = spec.name.trim_end_matches('*');
            return map
                .into_iter()
                .map(|(key, value)| (format!("{prefix}{key}"), quote(&value)))
                .collect();
        }
    };
    vec![(spec.name.to_string(), text)]
}
