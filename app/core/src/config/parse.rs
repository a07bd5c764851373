//! Parsing a config file: TOML text to [`PipelineConfig`], every problem named by its key path.
//! Each section's keys are read by walking the key table (`keys.rs`); what is left is unknown.

use super::errors::{ConfigError, KeyError};
use super::fields::Fields;
use super::keys::{self, KEYS, KeySpec, Section};
use super::model::*;
use super::reader::KeyReader;
use super::validate::{is_password_like, password_refusal};
use std::path::{Path, PathBuf};

impl PipelineConfig {
    /// Reads and validates a config file.
    pub fn load(path: impl AsRef<Path>) -> Result<PipelineConfig, ConfigError> {
        let path = path.as_ref();
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Read {
            path: path.to_path_buf(),
            message: e.to_string(),
        })?;
        PipelineConfig::from_toml_str(&text, path)
    }

    /// Parses and validates TOML text. `path_for_messages` prefixes error messages, and relative
    /// paths (`state-dir`, `password-file`, `ssl-ca`) are resolved against its directory.
    pub fn from_toml_str(
        text: &str,
        path_for_messages: &Path,
    ) -> Result<PipelineConfig, ConfigError> {
        let table: toml::Table =
            text.parse()
                .map_err(|e: toml::de::Error| ConfigError::Syntax {
                    path: path_for_messages.to_path_buf(),
                    message: e.to_string().trim_end().to_string(),
                })?;
        let mut errors = Vec::new();
        let config = parse_pipeline(table, path_for_messages, &mut errors);
        if let Err(more) = config.validate() {
            // A key that already failed to parse is not reported twice.
            let failed: Vec<String> = errors.iter().map(|e| e.key.clone()).collect();
            errors.extend(more.into_iter().filter(|e| {
                !failed
                    .iter()
                    .any(|k| e.key == *k || e.key.starts_with(&format!("{k}.")))
            }));
        }
        if errors.is_empty() {
            return Ok(config);
        }
        let mut seen = std::collections::HashSet::new();
        errors.retain(|e| seen.insert((e.key.clone(), e.message.clone())));
        Err(ConfigError::Invalid {
            path: path_for_messages.to_path_buf(),
            errors,
        })
    }
}

/// The default `state-dir` for a pipeline: `<XDG data dir>/pipelines/<name>` (on Linux
/// `~/.local/share/kinesis-starrocks/pipelines/<name>`). `None` when there is no home directory.
pub fn default_state_dir(name: &str) -> Option<PathBuf> {
    directories::ProjectDirs::from("io.github", "kinesis-starrocks", "kinesis-starrocks")
        .map(|d| d.data_dir().join("pipelines").join(name))
}

/// Reads the keys of `section` out of `f`, row by row in table order; a sub-table's keys
/// (`buffer-flush.*`) are read together, and what is left in the sub-table is unknown.
fn read_rows(f: &mut Fields<'_>, section: Section, path: &Path, c: &mut PipelineConfig) {
    let rows: Vec<&'static KeySpec> = KEYS.iter().filter(|k| k.section == section).collect();
    let mut i = 0;
    while i < rows.len() {
        let row = rows[i];
        match row.name.split_once('.') {
            Some((table, rest)) if rest != "*" => {
                let prefix = format!("{table}.");
                let group: Vec<&'static KeySpec> = rows[i..]
                    .iter()
                    .take_while(|k| k.name.starts_with(&prefix))
                    .copied()
                    .collect();
                i += group.len();
                let Some(t) = f.table(table) else {
                    continue;
                };
                let mut sub = Fields::new(&f.path(table), t, &mut *f.errors);
                for k in group {
                    let name = &k.name[prefix.len()..];
                    (k.read)(&mut KeyReader::new(&mut sub, k, name, path), c);
                }
                sub.finish(&keys::names_in_subtable(section, table), &|_| None);
            }
            split => {
                // `properties.*` is read as the table `properties`.
                let name = split.map_or(row.name, |(table, _)| table);
                (row.read)(&mut KeyReader::new(f, row, name, path), c);
                i += 1;
            }
        }
    }
}

fn parse_pipeline(table: toml::Table, path: &Path, errors: &mut Vec<KeyError>) -> PipelineConfig {
    let mut c = PipelineConfig::blank();
    let mut top = Fields::new("", table, errors);
    read_rows(&mut top, Section::Top, path, &mut c);
    let source_t = top.table("source");
    let sink_t = top.table("sink");
    let network_t = top.table("network");
    top.finish(&keys::names_in(Section::Top), &|k| {
        is_password_like(k).then(password_refusal)
    });

    match source_t {
        Some(t) => parse_source(t, path, errors, &mut c),
        None => {
            if !errors.iter().any(|e| e.key == "source") {
                errors.push(KeyError::new(
                    "source",
                    "required: a [source] table with at least `stream`",
                ));
            }
        }
    }
    match sink_t {
        Some(t) => parse_sink(t, path, errors, &mut c),
        None => {
            if !errors.iter().any(|e| e.key == "sink") {
                errors.push(KeyError::new(
                    "sink",
                    "required: a [sink] table with `load-url`, `username`, `database-name`, `table-name`",
                ));
            }
        }
    }
    if let Some(t) = network_t {
        let mut f = Fields::new("network", t, errors);
        read_rows(&mut f, Section::Network, path, &mut c);
        f.finish(&keys::names_in(Section::Network), &|_| None);
    }

    if c.state_dir.as_os_str().is_empty() {
        match default_state_dir(&c.name) {
            Some(d) => c.state_dir = d,
            None => errors.push(KeyError::new(
                "state-dir",
                "no home directory to put the default state dir in; set state-dir",
            )),
        }
    }
    c
}

fn parse_source(
    table: toml::Table,
    path: &Path,
    errors: &mut Vec<KeyError>,
    c: &mut PipelineConfig,
) {
    let mut f = Fields::new("source", table, errors);
    read_rows(&mut f, Section::Source, path, c);
    f.finish(&keys::names_in(Section::Source), &|k| {
        let l = k.to_ascii_lowercase();
        (l.contains("secret") || l.contains("access-key") || l.contains("access_key")).then(|| {
            "AWS credentials never go in the config; they come from the AWS SDK's default chain \
             (environment, `profile`, SSO, instance role)"
                .to_string()
        })
    });
}

fn parse_sink(table: toml::Table, path: &Path, errors: &mut Vec<KeyError>, c: &mut PipelineConfig) {
    let mut f = Fields::new("sink", table, errors);
    if f.take("password").is_some() {
        f.err("password", password_refusal());
    }
    read_rows(&mut f, Section::Sink, path, c);
    f.finish(&keys::names_in(Section::Sink), &|k| {
        if k == "sink" {
            return Some(
                "drop the `sink.` prefix: inside [sink] the connector's `sink.properties.format` is \
                 written `properties.format`, `sink.buffer-flush.max-bytes` is `buffer-flush.max-bytes`"
                    .to_string(),
            );
        }
        is_password_like(k).then(password_refusal)
    });
}
