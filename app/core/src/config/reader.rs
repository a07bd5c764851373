//! [`KeyReader`]: one key of a table being read, with a setter per kind of value (string, path,
//! integer, choice, timestamp). The key table's rows read their keys through it.

use super::fields::{Fields, describe};
use super::keys::KeySpec;
use chrono::{DateTime, Utc};
use std::path::{Path, PathBuf};

/// One key of the table `fields` holds (`key` is its name there: `max-bytes` inside
/// `buffer-flush`, `properties` for `properties.*`).
pub(crate) struct KeyReader<'f, 'e> {
    pub(super) fields: &'f mut Fields<'e>,
    spec: &'static KeySpec,
    key: &'static str,
    config_path: &'f Path,
}

/// What a choice's message says is expected.
pub(crate) enum Expected {
    /// The row's choices: `"a", "b" or "c"`.
    Choices,
    /// `one of "a", "b", "c"`.
    OneOf,
    /// This text (the choices with a word on each).
    Text(&'static str),
}

impl<'f, 'e> KeyReader<'f, 'e> {
    pub(super) fn new(
        fields: &'f mut Fields<'e>,
        spec: &'static KeySpec,
        key: &'static str,
        config_path: &'f Path,
    ) -> KeyReader<'f, 'e> {
        KeyReader {
            fields,
            spec,
            key,
            config_path,
        }
    }

    /// The row of the key being read.
    pub(super) fn spec(&self) -> &'static KeySpec {
        self.spec
    }

    pub(super) fn key(&self) -> &'static str {
        self.key
    }

    pub(super) fn err(&mut self, message: impl Into<String>) {
        self.fields.err(self.key, message);
    }

    pub(super) fn take(&mut self) -> Option<toml::Value> {
        self.fields.take(self.key)
    }

    pub(super) fn string(&mut self) -> Option<String> {
        self.fields.string(self.key)
    }

    /// A non-empty string, trimmed (an empty one is reported).
    pub(super) fn nonempty(&mut self) -> Option<String> {
        self.fields.nonempty(self.key)
    }

    pub(super) fn uint(&mut self) -> Option<u64> {
        self.fields.uint(self.key)
    }

    pub(super) fn table(&mut self) -> Option<toml::Table> {
        self.fields.table(self.key)
    }

    /// Reports `message` for a required key that is missing, unless the key already has an
    /// error (a wrong type, an empty string).
    pub(super) fn required(&mut self, message: &str) {
        let path = self.fields.path(self.key);
        if !self.fields.errors.iter().any(|e| e.key == path) {
            self.err(message);
        }
    }

    /// A path, resolved against the config file's directory.
    pub(super) fn resolve(&self, raw: &str) -> PathBuf {
        resolve_path(raw, self.config_path)
    }

    /// A string, trimmed; false when absent or not a string.
    pub(super) fn str_to(&mut self, field: &mut String) -> bool {
        match self.string() {
            Some(s) => {
                *field = s.trim().to_string();
                true
            }
            None => false,
        }
    }

    /// A non-empty string, trimmed.
    pub(super) fn opt_str_to(&mut self, field: &mut Option<String>) {
        if let Some(s) = self.nonempty() {
            *field = Some(s);
        }
    }

    /// A non-empty path, resolved against the config file's directory.
    pub(super) fn path_to(&mut self, field: &mut Option<PathBuf>) {
        if let Some(p) = self.nonempty() {
            *field = Some(self.resolve(&p));
        }
    }

    /// A non-negative integer.
    pub(super) fn int_to(&mut self, field: &mut u64) {
        if let Some(v) = self.uint() {
            *field = v;
        }
    }

    /// A non-negative integer, also under flink-connector-starrocks' spelling with a dot for the
    /// first dash (`connect.timeout-ms` for `connect-timeout-ms`).
    pub(super) fn int_or_flink_alias_to(&mut self, field: &mut u64) {
        let (table, sub) = self
            .key
            .split_once('-')
            .expect("a flink alias has a dash to replace");
        if let Some(v) = self.fields.uint_or_alias(self.key, table, sub) {
            *field = v;
        }
    }

    /// One of the row's spellings, as `parse` reads them.
    pub(super) fn choice_to<T>(
        &mut self,
        field: &mut T,
        parse: fn(&str) -> Option<T>,
        expected: Expected,
    ) {
        let Some(s) = self.string() else {
            return;
        };
        match parse(&s) {
            Some(v) => *field = v,
            None => {
                let expected = match expected {
                    Expected::Choices => self.spec.choices_or(),
                    Expected::OneOf => format!("one of {}", self.spec.choices_list()),
                    Expected::Text(t) => t.to_string(),
                };
                self.err(format!("expected {expected}, got {s:?}"));
            }
        }
    }

    /// An RFC 3339 timestamp with a zone, as a string or a TOML date-time.
    pub(super) fn timestamp_to(&mut self, field: &mut Option<DateTime<Utc>>) {
        if let Some(v) = self.take() {
            match parse_timestamp(v) {
                Ok(t) => *field = Some(t),
                Err(m) => self.err(m),
            }
        }
    }
}

/// Where relative paths in a config point: the config file's directory (like systemd units and
/// most tools); `~/` is the home directory.
fn resolve_path(raw: &str, config_path: &Path) -> PathBuf {
    let p = if let Some(rest) = raw.strip_prefix("~/") {
        match directories::BaseDirs::new() {
            Some(b) => b.home_dir().join(rest),
            None => PathBuf::from(raw),
        }
    } else {
        PathBuf::from(raw)
    };
    if p.is_relative()
        && let Some(dir) = config_path.parent()
        && !dir.as_os_str().is_empty()
    {
        return dir.join(p);
    }
    p
}

fn parse_timestamp(v: toml::Value) -> Result<DateTime<Utc>, String> {
    let text = match v {
        toml::Value::String(s) => s,
        toml::Value::Datetime(d) => d.to_string(),
        other => {
            return Err(format!(
                "expected an RFC 3339 timestamp such as \"2026-11-25T00:00:00Z\", got {}",
                describe(&other)
            ));
        }
    };
    DateTime::parse_from_rfc3339(text.trim())
        .map(|d| d.with_timezone(&Utc))
        .map_err(|_| {
            format!(
                "expected an RFC 3339 timestamp with a time zone such as \"2026-11-25T00:00:00Z\", got {text:?}"
            )
        })
}
