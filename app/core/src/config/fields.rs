//! Reading one TOML table key by key, with typed errors and "did you mean" for what is left over.

use super::errors::KeyError;
use super::keys::{self, Section, unknown_key_message};

/// A TOML table being consumed: values are taken out one key at a time; what is left at the end
/// is an unknown key.
pub(super) struct Fields<'e> {
    prefix: String,
    table: toml::Table,
    pub(super) errors: &'e mut Vec<KeyError>,
}

#[derive(Clone, Copy)]
enum Kind {
    /// A string (any TOML scalar is refused).
    Str,
    /// A non-negative integer.
    Int,
}

impl<'e> Fields<'e> {
    pub(super) fn new(
        prefix: &str,
        table: toml::Table,
        errors: &'e mut Vec<KeyError>,
    ) -> Fields<'e> {
        Fields {
            prefix: prefix.to_string(),
            table,
            errors,
        }
    }

    pub(super) fn path(&self, key: &str) -> String {
        if self.prefix.is_empty() {
            key.to_string()
        } else {
            format!("{}.{key}", self.prefix)
        }
    }

    pub(super) fn err(&mut self, key: &str, message: impl Into<String>) {
        let path = self.path(key);
        self.errors.push(KeyError::new(path, message));
    }

    pub(super) fn take(&mut self, key: &str) -> Option<toml::Value> {
        self.table.remove(key)
    }

    pub(super) fn string(&mut self, key: &str) -> Option<String> {
        match self.take(key)? {
            toml::Value::String(s) => Some(s),
            other => {
                self.type_err(key, Kind::Str, &other);
                None
            }
        }
    }

    /// A non-empty string (an empty one is reported as missing).
    pub(super) fn nonempty(&mut self, key: &str) -> Option<String> {
        let s = self.string(key)?;
        if s.trim().is_empty() {
            self.err(key, "must not be empty");
            return None;
        }
        Some(s.trim().to_string())
    }

    pub(super) fn uint(&mut self, key: &str) -> Option<u64> {
        match self.take(key)? {
            toml::Value::Integer(i) if i >= 0 => Some(i as u64),
            toml::Value::Integer(i) => {
                self.err(key, format!("expected a non-negative integer, got {i}"));
                None
            }
            other => {
                self.type_err(key, Kind::Int, &other);
                None
            }
        }
    }

    fn type_err(&mut self, key: &str, kind: Kind, got: &toml::Value) {
        let expected = match kind {
            Kind::Str => "a string",
            Kind::Int => "an integer",
        };
        let hint = match (kind, got) {
            (Kind::Int, toml::Value::String(s)) if s.trim().parse::<u64>().is_ok() => {
                format!(" (write it without quotes: {} = {})", key, s.trim())
            }
            _ => String::new(),
        };
        self.err(
            key,
            format!("expected {expected}, got {}{hint}", describe(got)),
        );
    }

    /// A sub-table (`buffer-flush.max-bytes = …` or `[sink.buffer-flush]`).
    pub(super) fn table(&mut self, key: &str) -> Option<toml::Table> {
        match self.take(key)? {
            toml::Value::Table(t) => Some(t),
            other => {
                self.err(key, format!("expected a table, got {}", describe(&other)));
                None
            }
        }
    }

    /// Reports whatever was not consumed as unknown, with the nearest known key.
    pub(super) fn finish(self, known: &[&str], special: &dyn Fn(&str) -> Option<String>) {
        let prefix = self.prefix.clone();
        let mut leftover: Vec<String> = self.table.keys().cloned().collect();
        leftover.sort();
        for key in leftover {
            let path = if prefix.is_empty() {
                key.clone()
            } else {
                format!("{prefix}.{key}")
            };
            let message = special(&key).unwrap_or_else(|| unknown_key_message(&key, known));
            self.errors.push(KeyError::new(path, message));
        }
    }
}

pub(super) fn describe(v: &toml::Value) -> String {
    match v {
        toml::Value::String(s) => format!("the string {s:?}"),
        toml::Value::Integer(i) => format!("the integer {i}"),
        toml::Value::Float(f) => format!("the number {f}"),
        toml::Value::Boolean(b) => format!("the boolean {b}"),
        toml::Value::Datetime(d) => format!("the date-time {d}"),
        toml::Value::Array(_) => "an array".into(),
        toml::Value::Table(_) => "a table".into(),
    }
}

impl Fields<'_> {
    /// `key = N`, or the flink-connector-starrocks spelling with a dot (`connect.timeout-ms = N`,
    /// which TOML makes the table `connect`), so a Flink job's properties carry over.
    pub(super) fn uint_or_alias(&mut self, key: &str, table: &str, sub: &str) -> Option<u64> {
        let direct = self.uint(key);
        let Some(toml::Value::Table(_)) = self.table.get(table) else {
            return direct;
        };
        let Some(toml::Value::Table(mut t)) = self.take(table) else {
            return direct;
        };
        let v = t.remove(sub);
        for r in t.keys() {
            let dotted = format!("{table}.{r}");
            let message = unknown_key_message(&dotted, &keys::names_in(Section::Sink));
            self.err(&dotted, message);
        }
        match v {
            Some(toml::Value::Integer(i)) if i >= 0 => Some(i as u64),
            Some(other) => {
                self.err(
                    &format!("{table}.{sub}"),
                    format!("expected a non-negative integer, got {}", describe(&other)),
                );
                direct
            }
            None => direct,
        }
    }
}
