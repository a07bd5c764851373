//! What a client is built from: the settings of a sink, and their checks on the way to the
//! request headers (Basic auth, the properties sent as headers).

use base64::Engine;
use ks_core::Secret;
use ks_core::config::{LoadUrl, SinkConfig};
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::collections::BTreeMap;
use std::fmt;
use std::time::Duration;

/// Everything one client needs. `Debug` never shows the password.
#[derive(Clone)]
pub struct StreamLoadSettings {
    /// One or more FE (or BE, or proxy) base URLs; several rotate over the reachable ones.
    pub load_urls: Vec<LoadUrl>,
    pub username: String,
    pub password: Secret,
    pub database: String,
    pub table: String,
    /// Sent verbatim as headers on every request (`format`, `jsonpaths`, `strip_outer_array`, …).
    pub properties: BTreeMap<String, String>,
    /// TCP (and TLS) connect timeout, also for probing several load-urls.
    pub connect_timeout: Duration,
    /// Whole-request timeout of one load request (`socket-timeout-ms`).
    pub request_timeout: Duration,
    /// Extra trusted CA certificates (PEM), for an HTTPS load-url with a private CA. Public CAs
    /// are trusted through the OS store.
    pub extra_root_certs_pem: Vec<Vec<u8>>,
}

impl fmt::Debug for StreamLoadSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamLoadSettings")
            .field(
                "load_urls",
                &self.load_urls.iter().map(|u| &u.base).collect::<Vec<_>>(),
            )
            .field("username", &self.username)
            .field("password", &"<redacted>")
            .field("database", &self.database)
            .field("table", &self.table)
            .field("properties", &self.properties)
            .field("connect_timeout", &self.connect_timeout)
            .field("request_timeout", &self.request_timeout)
            .field("extra_root_certs", &self.extra_root_certs_pem.len())
            .finish()
    }
}

impl StreamLoadSettings {
    /// The settings of a pipeline's sink (the password comes from `resolve_password`). Reads
    /// `ssl-ca` if the config names one.
    pub fn from_sink(
        sink: &SinkConfig,
        password: Secret,
    ) -> Result<StreamLoadSettings, SettingsError> {
        let mut extra_root_certs_pem = Vec::new();
        if let Some(path) = &sink.ssl_ca {
            let pem = std::fs::read(path).map_err(|e| SettingsError::Ca {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
            extra_root_certs_pem.push(pem);
        }
        Ok(StreamLoadSettings {
            load_urls: sink.load_urls.clone(),
            username: sink.username.clone(),
            password,
            database: sink.database_name.clone(),
            table: sink.table_name.clone(),
            properties: sink.properties.clone(),
            connect_timeout: Duration::from_millis(sink.connect_timeout_ms),
            request_timeout: Duration::from_millis(sink.socket_timeout_ms),
            extra_root_certs_pem,
        })
    }
}

/// Why a client could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("no load-url: give at least one FE HTTP address")]
    NoLoadUrl,
    #[error("sink.username {0:?} cannot be sent with HTTP Basic auth (it contains ':')")]
    BadUsername(String),
    #[error("sink.properties.{key}: cannot be sent as an HTTP header: {reason}")]
    BadProperty { key: String, reason: String },
    #[error("cannot read the CA certificate {path}: {message}")]
    Ca { path: String, message: String },
    #[error("cannot build the HTTP client: {0}")]
    Client(String),
}

/// Headers the client sets itself (a property may not override them).
const OWN_HEADERS: &[&str] = &[
    "label",
    "expect",
    "authorization",
    "content-length",
    "transfer-encoding",
    "host",
    "connection",
];

/// The `Basic …` header of `username`/`password`, marked sensitive (never printed by
/// hyper/reqwest).
pub(super) fn basic_auth(username: &str, password: &Secret) -> Result<HeaderValue, SettingsError> {
    let credentials = format!("{}:{}", username, password.expose());
    let mut auth = HeaderValue::from_str(&format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    ))
    .map_err(|_| SettingsError::BadUsername(username.to_string()))?;
    auth.set_sensitive(true);
    Ok(auth)
}

/// The sink's properties as the headers sent on every request
/// (`ks_core::config::stream_load_headers`); a property may not replace a header the client sets
/// itself.
pub(super) fn property_headers(
    properties: &BTreeMap<String, String>,
) -> Result<HeaderMap, SettingsError> {
    let mut headers = HeaderMap::new();
    for (key, value) in &ks_core::config::stream_load_headers(properties) {
        if OWN_HEADERS.iter().any(|h| h.eq_ignore_ascii_case(key)) {
            return Err(SettingsError::BadProperty {
                key: key.clone(),
                reason: "the client sets this header itself".into(),
            });
        }
        let name =
            HeaderName::from_bytes(key.as_bytes()).map_err(|_| SettingsError::BadProperty {
                key: key.clone(),
                reason: "not a valid header name".into(),
            })?;
        // UTF-8 bytes as they are (columns and jsonpaths may name 价格): StarRocks reads header
        // values as UTF-8, as curl sends them.
        let value =
            HeaderValue::from_bytes(value.as_bytes()).map_err(|_| SettingsError::BadProperty {
                key: key.clone(),
                reason: "the value is not a valid header value (one line of text)".into(),
            })?;
        headers.insert(name, value);
    }
    Ok(headers)
}
