//! What a row of the key table is ([`KeySpec`]: section, name, type, default, doc, since, and how
//! the key is read and written), and the lists derived from the table (known keys, "did you mean").

use super::KEYS;
use crate::config::model::PipelineConfig;
use crate::config::reader::KeyReader;
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::path::PathBuf;

/// The table a key lives in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The top level of the file (`name`, `state-dir`, …).
    Top,
    Source,
    Sink,
    Network,
}

impl Section {
    /// The TOML table's name (`None` for the top level).
    pub fn table(self) -> Option<&'static str> {
        match self {
            Section::Top => None,
            Section::Source => Some("source"),
            Section::Sink => Some("sink"),
            Section::Network => Some("network"),
        }
    }
}

/// A key's value type, as written in the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    /// A string.
    Str,
    /// A file or directory path (relative to the config file's directory; `~/` is home).
    Path,
    /// A non-negative integer.
    Int,
    /// One of these spellings.
    Choice(&'static [&'static str]),
    /// An RFC 3339 timestamp.
    Timestamp,
    /// An array of strings.
    StrList,
    /// `properties.<header> = value`: any number of Stream Load headers.
    Properties,
}

/// What a key is when the file does not set it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyDefault {
    /// No default: the file must set it.
    Required,
    /// Optional; when absent the feature it configures is not used.
    Unset,
    /// Computed from other values; the text says how.
    Derived(&'static str),
    /// This string.
    Str(&'static str),
    /// This integer.
    Int(u64),
}

impl KeyDefault {
    /// The default as a TOML value (`"stop"`, `30000`), when it is a fixed value.
    pub fn toml(&self) -> Option<String> {
        match self {
            KeyDefault::Str(s) => Some(toml::Value::String(s.to_string()).to_string()),
            KeyDefault::Int(n) => Some(n.to_string()),
            _ => None,
        }
    }
}

/// The least value an integer key takes, and why (both quoted by validation).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Minimum {
    pub(crate) least: u64,
    /// The reason, ending in "; " (or empty), put before "the default is …".
    pub(crate) why: &'static str,
}

/// A key's value as the writer sees it; the writer turns each kind into TOML text.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum KeyValue {
    Str(String),
    Path(PathBuf),
    Int(u64),
    Timestamp(DateTime<Utc>),
    StrList(Vec<String>),
    /// `properties.*`: one `properties.<key> = "value"` line each.
    Properties(BTreeMap<String, String>),
}

/// Reads a key's value out of the file into the field it lands in; an absent key leaves the
/// field at its default, a wrong one is reported through the reader.
pub(crate) type ReadFn = fn(&mut KeyReader<'_, '_>, &mut PipelineConfig);
/// The value the writer writes for the key; `None`: the key is left out.
pub(crate) type GetFn = fn(&PipelineConfig) -> Option<KeyValue>;

/// One config key.
#[derive(Debug, Clone, Copy)]
pub struct KeySpec {
    pub section: Section,
    /// The key inside its section; a dotted name (`buffer-flush.max-bytes`) is a sub-table's key,
    /// `properties.*` stands for any Stream Load property.
    pub name: &'static str,
    pub kind: KeyKind,
    pub default: KeyDefault,
    /// One line of documentation.
    pub doc: &'static str,
    /// The version that introduced the key.
    pub since: &'static str,
    /// The least value, for integer keys that have one (checked by validation).
    pub(crate) min: Option<Minimum>,
    pub(crate) read: ReadFn,
    pub(crate) get: GetFn,
}

impl KeySpec {
    /// The dotted path used in messages: `name`, `source.stream`, `sink.buffer-flush.max-rows`.
    pub fn path(&self) -> String {
        match self.section.table() {
            None => self.name.to_string(),
            Some(t) => format!("{t}.{}", self.name),
        }
    }

    /// This key with a least value (`why` ends in "; " or is empty).
    pub(crate) const fn at_least(mut self, least: u64, why: &'static str) -> KeySpec {
        self.min = Some(Minimum { least, why });
        self
    }

    /// `"a", "b" or "c"`: the choices of a [`KeyKind::Choice`] key, for messages.
    pub(crate) fn choices_or(&self) -> String {
        let quoted = self.quoted_choices();
        match quoted.split_last() {
            Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
            _ => quoted.join(""),
        }
    }

    /// `"a", "b", "c"`: the choices of a [`KeyKind::Choice`] key, for messages.
    pub(crate) fn choices_list(&self) -> String {
        self.quoted_choices().join(", ")
    }

    fn quoted_choices(&self) -> Vec<String> {
        match self.kind {
            KeyKind::Choice(c) => c.iter().map(|c| format!("{c:?}")).collect(),
            _ => Vec::new(),
        }
    }

    /// The fixed default as text (`30000`, `stop`), for messages.
    pub(crate) fn default_text(&self) -> String {
        match self.default {
            KeyDefault::Str(s) => s.to_string(),
            KeyDefault::Int(n) => n.to_string(),
            KeyDefault::Derived(d) => d.to_string(),
            KeyDefault::Required | KeyDefault::Unset => String::new(),
        }
    }

    /// The message for a value below the row's minimum: "must be at least 1 (why; the default
    /// is 30000)".
    pub(crate) fn below_minimum(&self) -> Option<(u64, String)> {
        let m = self.min?;
        Some((
            m.least,
            format!(
                "must be at least {} ({}the default is {})",
                m.least,
                m.why,
                self.default_text()
            ),
        ))
    }
}

/// The row for a dotted path (`source.stream`); a caller passes a path from this table, so a
/// missing row is a bug the tests catch.
#[cfg(test)]
pub(crate) fn spec(path: &str) -> &'static KeySpec {
    KEYS.iter()
        .find(|k| k.path() == path)
        .unwrap_or_else(|| panic!("{path} is not in the config key table"))
}

/// The names accepted directly in `section`'s table, in table order: its keys, plus the
/// sub-tables dotted keys form (`buffer-flush`, `properties`) before their first key; at the top
/// level also the section tables.
pub(crate) fn names_in(section: Section) -> Vec<&'static str> {
    let mut names = Vec::new();
    for k in KEYS.iter().filter(|k| k.section == section) {
        if let Some((table, rest)) = k.name.split_once('.') {
            if !names.contains(&table) {
                names.push(table);
            }
            if rest == "*" {
                continue;
            }
        }
        names.push(k.name);
    }
    if section == Section::Top {
        let mut tables: Vec<&'static str> = Vec::new();
        for t in KEYS.iter().filter_map(|k| k.section.table()) {
            if !tables.contains(&t) {
                tables.push(t);
            }
        }
        names.extend(tables);
    }
    names
}

/// The keys of the sub-table `table` of `section` (`max-bytes`, … for `buffer-flush`).
pub(crate) fn names_in_subtable(section: Section, table: &str) -> Vec<&'static str> {
    KEYS.iter()
        .filter(|k| k.section == section)
        .filter_map(|k| k.name.strip_prefix(table)?.strip_prefix('.'))
        .collect()
}

/// Every key a config file accepts, as dotted paths (`name`, `source.stream`,
/// `sink.buffer-flush.max-rows`, …); `sink.properties.*` stands for the Stream Load properties.
/// Tables themselves (`source`, `sink.buffer-flush`, …) are not listed.
pub fn known_keys() -> Vec<String> {
    KEYS.iter().map(KeySpec::path).collect()
}

/// The message for an unknown key: the nearest known one, or the whole list when none is near.
pub(crate) fn unknown_key_message(key: &str, known: &[&str]) -> String {
    let best = known
        .iter()
        .map(|k| (levenshtein(&key.to_ascii_lowercase(), k), *k))
        .min_by_key(|(d, _)| *d);
    match best {
        Some((d, k)) if d <= (key.len() / 3).max(2) => {
            format!("unknown key; did you mean `{k}`?")
        }
        _ => format!(
            "unknown key; known keys here: {}",
            known
                .iter()
                .map(|k| format!("`{k}`"))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

fn levenshtein(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}
