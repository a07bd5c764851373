//! What went wrong loading a config: one [`KeyError`] per key, wrapped in a [`ConfigError`].

use std::fmt;
use std::path::PathBuf;

/// One problem with one key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyError {
    /// Dotted key path, e.g. `sink.load-url`, `sink.buffer-flush.max-bytes`, `name`.
    pub key: String,
    /// What is wrong and what is expected.
    pub message: String,
}

impl KeyError {
    pub fn new(key: impl Into<String>, message: impl Into<String>) -> KeyError {
        KeyError {
            key: key.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for KeyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.key, self.message)
    }
}

/// Why a config could not be loaded. `Display` starts with the file's path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read the config file {}: {message}", path.display())]
    Read { path: PathBuf, message: String },
    #[error("{}: not valid TOML: {message}", path.display())]
    Syntax { path: PathBuf, message: String },
    /// One or more keys are wrong; each names its key path.
    #[error("{}: {}", path.display(), format_key_errors(errors))]
    Invalid {
        path: PathBuf,
        errors: Vec<KeyError>,
    },
}

fn format_key_errors(errors: &[KeyError]) -> String {
    match errors {
        [one] => one.to_string(),
        many => {
            let mut s = format!("{} problems:", many.len());
            for e in many {
                s.push_str("\n  ");
                s.push_str(&e.to_string());
            }
            s
        }
    }
}

impl ConfigError {
    /// The key errors (empty for read and syntax errors).
    pub fn key_errors(&self) -> &[KeyError] {
        match self {
            ConfigError::Invalid { errors, .. } => errors,
            _ => &[],
        }
    }

    /// The key path of the first problem, if the error is about a key.
    pub fn key(&self) -> Option<&str> {
        self.key_errors().first().map(|e| e.key.as_str())
    }

    /// The problem reported for `key`, if any.
    pub fn for_key(&self, key: &str) -> Option<&KeyError> {
        self.key_errors().iter().find(|e| e.key == key)
    }
}
