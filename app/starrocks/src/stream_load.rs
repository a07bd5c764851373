//! The Stream Load client: one attempt of `PUT /api/{db}/{table}/_stream_load` under a label,
//! with the FE's 307 followed by hand (protocol reference §1), the outcome read from the JSON body
//! (§2), failures classified ([`LoadError`]), and the ErrorURL's lines fetched for display.
//!
//! ## How the body reaches the node that loads it
//!
//! hyper/reqwest do not wait for `100 Continue`: a request with a body sends it at once. Sending
//! a 64 MiB batch to an FE that only answers "307, go to the BE" would move it twice. So, like
//! RisingWave's sink, the client first sends the FE a **header-only probe** (`Content-Length: 0`,
//! `Expect: 100-continue`, auth and the properties, but **no label**), reads the 307 `Location`,
//! and PUTs the body (with the label) there; a further 307 (follower FE → leader FE) is followed
//! the same way, at most 3 hops, with loop detection and Basic auth re-attached on every hop
//! (reqwest would strip it across hosts).
//!
//! The probe never carries the label, because a load-url need not be an FE: it may be a BE/CN
//! given directly, or an FE proxy that follows the 307 itself. Those would *load* the probe's
//! empty body; under our label that would burn the label on zero rows and the real batch would
//! come back as "already loaded" — silent data loss. Without a label they load an empty batch
//! under a generated label, which is harmless. When the probe's answer is not a redirect, the
//! base URL is remembered as "does not redirect" and later loads to it send the body directly
//! (one request per load, no probe). A remembered base that does redirect after all is simply
//! followed (the body is then sent twice once, and the memory is corrected).

use crate::error::{FailClass, LoadError, LoadStats, UnreachableKind, classify_fail_message};
use crate::response::{Answer, snippet};
use crate::tls::ensure_crypto_provider;
use base64::Engine;
use bytes::Bytes;
use ks_core::config::{LoadUrl, SinkConfig};
use ks_core::{Label, Secret};
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// At most this many redirects are followed for one load (follower FE → leader FE → BE needs 2).
pub const MAX_REDIRECTS: usize = 3;
/// At most this much of an ErrorURL page is read.
pub const ERROR_LOG_MAX_BYTES: usize = 64 * 1024;
/// At most this many ErrorURL lines are kept.
pub const ERROR_LOG_MAX_LINES: usize = 100;
/// Answers larger than this are not Stream Load answers.
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

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

/// How a load ended well.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LoadStatus {
    /// `Success` (or `OK`): the rows are visible.
    Loaded,
    /// `Publish Timeout`: committed, visible shortly; a success (never retry it).
    PublishTimeout,
    /// `Label Already Exists` + `FINISHED`: an earlier attempt of this label loaded the batch.
    AlreadyLoaded,
}

impl LoadStatus {
    pub fn as_str(&self) -> &'static str {
        match self {
            LoadStatus::Loaded => "Success",
            LoadStatus::PublishTimeout => "Publish Timeout",
            LoadStatus::AlreadyLoaded => "Label Already Exists (FINISHED)",
        }
    }
}

/// A load StarRocks confirmed.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOutcome {
    pub label: String,
    pub status: LoadStatus,
    pub txn_id: Option<i64>,
    pub total_rows: u64,
    pub loaded_rows: u64,
    pub filtered_rows: u64,
    pub unselected_rows: u64,
    pub load_bytes: u64,
    /// StarRocks' `LoadTimeMs`.
    pub load_time_ms: u64,
    /// The ErrorURL of filtered rows, if any.
    pub error_url: Option<String>,
    /// The ErrorURL's first lines (`Error: <reason>. Row: <row>`), or a line saying why they
    /// could not be fetched.
    pub error_lines: Vec<String>,
    /// `host:port` of the node that answered (the BE/CN after a redirect).
    pub node: String,
    /// StarRocks' `Message`.
    pub message: String,
    /// Wall time of the attempt on this side, redirects included.
    pub elapsed: Duration,
}

impl LoadOutcome {
    pub fn stats(&self) -> LoadStats {
        LoadStats {
            txn_id: self.txn_id,
            total_rows: self.total_rows,
            loaded_rows: self.loaded_rows,
            filtered_rows: self.filtered_rows,
            unselected_rows: self.unselected_rows,
            load_bytes: self.load_bytes,
            load_time_ms: self.load_time_ms,
        }
    }
}

/// The Stream Load client. Cheap to share (`Arc`); every method takes `&self`.
pub struct StreamLoadClient {
    http: reqwest::Client,
    load_urls: Vec<LoadUrl>,
    database: String,
    table: String,
    username: String,
    /// `Basic …`, marked sensitive (never printed by hyper/reqwest).
    auth: HeaderValue,
    properties: HeaderMap,
    connect_timeout: Duration,
    request_timeout: Duration,
    /// Round-robin start over several load-urls.
    next: AtomicUsize,
    /// Base URLs whose answer to a probe was not a redirect (a BE, a proxy).
    direct: Mutex<HashSet<String>>,
}

impl fmt::Debug for StreamLoadClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StreamLoadClient")
            .field(
                "load_urls",
                &self.load_urls.iter().map(|u| &u.base).collect::<Vec<_>>(),
            )
            .field("database", &self.database)
            .field("table", &self.table)
            .field("username", &self.username)
            .field("auth", &"<redacted>")
            .finish()
    }
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

impl StreamLoadClient {
    pub fn new(settings: StreamLoadSettings) -> Result<StreamLoadClient, SettingsError> {
        ensure_crypto_provider();
        if settings.load_urls.is_empty() {
            return Err(SettingsError::NoLoadUrl);
        }
        if settings.username.contains(':') {
            return Err(SettingsError::BadUsername(settings.username.clone()));
        }
        let credentials = format!("{}:{}", settings.username, settings.password.expose());
        let mut auth = HeaderValue::from_str(&format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        ))
        .map_err(|_| SettingsError::BadUsername(settings.username.clone()))?;
        auth.set_sensitive(true);

        let mut properties = HeaderMap::new();
        for (key, value) in &ks_core::config::stream_load_properties(&settings.properties) {
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
            let value = HeaderValue::from_str(value).map_err(|_| SettingsError::BadProperty {
                key: key.clone(),
                reason: "the value is not a valid header value (one line of visible text)".into(),
            })?;
            properties.insert(name, value);
        }

        let mut builder = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("kinesis-starrocks/", env!("CARGO_PKG_VERSION")))
            .http1_only();
        let mut certs = Vec::new();
        for pem in &settings.extra_root_certs_pem {
            let bundle = reqwest::Certificate::from_pem_bundle(pem)
                .map_err(|e| SettingsError::Client(format!("CA certificate PEM: {e}")))?;
            certs.extend(bundle);
        }
        if !certs.is_empty() {
            builder = builder.tls_certs_merge(certs);
        }
        let http = builder
            .build()
            .map_err(|e| SettingsError::Client(error_chain(&e)))?;
        Ok(StreamLoadClient {
            http,
            load_urls: settings.load_urls,
            database: settings.database,
            table: settings.table,
            username: settings.username,
            auth,
            properties,
            connect_timeout: settings.connect_timeout,
            request_timeout: settings.request_timeout,
            next: AtomicUsize::new(0),
            direct: Mutex::new(HashSet::new()),
        })
    }

    pub fn load_urls(&self) -> &[LoadUrl] {
        &self.load_urls
    }

    /// One Stream Load attempt of `body` under `label` (see the module docs for the redirect
    /// handling). Retrying is the caller's choice: see [`LoadError::is_retryable`] and
    /// [`StreamLoadClient::load_with_retries`].
    pub async fn load(&self, label: &Label, body: Bytes) -> Result<LoadOutcome, LoadError> {
        let started = Instant::now();
        let result = self.load_inner(label, body, started).await;
        match &result {
            Ok(o) => tracing::debug!(
                label = %label,
                node = %o.node,
                status = o.status.as_str(),
                rows = o.loaded_rows,
                filtered = o.filtered_rows,
                ms = started.elapsed().as_millis() as u64,
                "stream load"
            ),
            Err(e) => tracing::debug!(
                label = %label,
                kind = e.kind(),
                retryable = e.is_retryable(),
                ms = started.elapsed().as_millis() as u64,
                error = %e,
                "stream load failed"
            ),
        }
        result
    }

    async fn load_inner(
        &self,
        label: &Label,
        body: Bytes,
        started: Instant,
    ) -> Result<LoadOutcome, LoadError> {
        let base = self.pick_base(label).await?;
        let first = self.api_url(
            base,
            &["api", &self.database, &self.table, "_stream_load"],
            None,
        );
        let mut hop = Hop::new(first);
        let known_direct = self.is_direct(&base.base);

        if !known_direct {
            let resp = self
                .put(&hop.url, None, Bytes::new(), self.probe_timeout())
                .await
                .map_err(|e| self.connect_error(e, label, &hop, self.probe_timeout()))?;
            if is_redirect(resp.status()) {
                hop.follow(&resp, label)?;
            } else {
                if let Some(verdict) = self.probe_verdict(resp, label, &hop).await {
                    return verdict;
                }
                self.set_direct(&base.base, true);
            }
        }

        loop {
            let resp = self
                .put(&hop.url, Some(label), body.clone(), self.request_timeout)
                .await
                .map_err(|e| self.connect_error(e, label, &hop, self.request_timeout))?;
            if is_redirect(resp.status()) {
                if hop.hops == 0 {
                    // A base we thought did not redirect does: probe it next time.
                    self.set_direct(&base.base, false);
                }
                hop.follow(&resp, label)?;
                continue;
            }
            let node = authority(&hop.url);
            let mut outcome = self.interpret(resp, label, &node).await?;
            outcome.elapsed = started.elapsed();
            return Ok(outcome);
        }
    }

    /// `GET /api/{db}/get_load_state?label=` → the transaction state (`UNKNOWN`, `PREPARE`,
    /// `PREPARED`, `COMMITTED`, `VISIBLE`, `ABORTED`).
    pub async fn get_load_state(&self, label: &Label) -> Result<String, LoadError> {
        let base = self.pick_base(label).await?;
        let url = self.api_url(
            base,
            &["api", &self.database, "get_load_state"],
            Some(("label", label.as_str())),
        );
        let mut hop = Hop::new(url);
        let timeout = self.probe_timeout();
        loop {
            let resp = self
                .http
                .get(hop.url.clone())
                .timeout(timeout)
                .header(reqwest::header::AUTHORIZATION, self.auth.clone())
                .send()
                .await
                .map_err(|e| self.connect_error(e, label, &hop, timeout))?;
            if is_redirect(resp.status()) {
                hop.follow(&resp, label)?;
                continue;
            }
            let node = authority(&hop.url);
            let status = resp.status();
            let body =
                read_capped(resp, MAX_ANSWER_BYTES)
                    .await
                    .map_err(|e| LoadError::Transient {
                        label: label.to_string(),
                        node: node.clone(),
                        reason: format!("reading the get_load_state answer failed: {e}"),
                    })?;
            if let Some(err) = http_status_error(status, &body, label.as_str(), &node) {
                return Err(err);
            }
            let answer = Answer::parse(&body).map_err(|why| LoadError::Protocol {
                label: label.to_string(),
                node: node.clone(),
                message: format!(
                    "get_load_state answered something that is not StarRocks JSON ({why}): {}",
                    snippet(&body, 300)
                ),
            })?;
            if let Some(state) = answer.state.filter(|s| !s.is_empty()) {
                return Ok(state.to_ascii_uppercase());
            }
            let message = answer.message.unwrap_or_default();
            return Err(match classify_fail_message(&message) {
                FailClass::Auth => LoadError::Auth {
                    label: label.to_string(),
                    node,
                    message,
                },
                FailClass::UnknownDatabase => LoadError::UnknownDatabase {
                    label: label.to_string(),
                    node,
                    message,
                },
                _ => LoadError::Protocol {
                    label: label.to_string(),
                    node,
                    message: format!("get_load_state gave no state: {}", snippet(&body, 300)),
                },
            });
        }
    }

    // ---------------------------------------------------------------------------------------
    // pieces

    /// The probe waits for an FE that may be busy (GC), but not for a whole batch's timeout.
    fn probe_timeout(&self) -> Duration {
        self.request_timeout
            .min((self.connect_timeout * 3).max(Duration::from_secs(30)))
    }

    fn is_direct(&self, base: &str) -> bool {
        self.direct
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .contains(base)
    }

    fn set_direct(&self, base: &str, direct: bool) {
        let mut set = self.direct.lock().unwrap_or_else(|p| p.into_inner());
        if direct {
            set.insert(base.to_string());
        } else {
            set.remove(base);
        }
    }

    /// One load-url used directly; several rotate: a round-robin start, then the first that
    /// accepts a TCP connection (flink-connector-starrocks' `getAvailableHost`).
    async fn pick_base(&self, label: &Label) -> Result<&LoadUrl, LoadError> {
        if self.load_urls.len() == 1 {
            return Ok(&self.load_urls[0]);
        }
        let n = self.load_urls.len();
        let start = self.next.fetch_add(1, Ordering::Relaxed) % n;
        let mut tried = Vec::new();
        for i in 0..n {
            let u = &self.load_urls[(start + i) % n];
            let addr = u.authority();
            match tokio::time::timeout(self.connect_timeout, tokio::net::TcpStream::connect(&addr))
                .await
            {
                Ok(Ok(_)) => return Ok(u),
                Ok(Err(e)) => {
                    tracing::debug!(load_url = %u.base, error = %e, "load-url not reachable, trying the next");
                    tried.push(format!("{} ({e})", u.base));
                }
                Err(_) => {
                    tracing::debug!(load_url = %u.base, "load-url connect timed out, trying the next");
                    tried.push(format!(
                        "{} (connect timed out after {} ms)",
                        u.base,
                        self.connect_timeout.as_millis()
                    ));
                }
            }
        }
        Err(LoadError::NoReachableHost {
            label: label.to_string(),
            hosts: tried,
        })
    }

    fn api_url(&self, base: &LoadUrl, segments: &[&str], query: Option<(&str, &str)>) -> Url {
        let mut url = Url::parse(&base.base).expect("a LoadUrl base is a valid URL");
        url.path_segments_mut()
            .expect("an http(s) URL has a path")
            .clear()
            .extend(segments);
        if let Some((k, v)) = query {
            url.query_pairs_mut().append_pair(k, v);
        }
        url
    }

    async fn put(
        &self,
        url: &Url,
        label: Option<&Label>,
        body: Bytes,
        timeout: Duration,
    ) -> Result<reqwest::Response, reqwest::Error> {
        let mut req = self
            .http
            .put(url.clone())
            .timeout(timeout)
            .header(reqwest::header::AUTHORIZATION, self.auth.clone())
            .header(reqwest::header::EXPECT, "100-continue")
            .headers(self.properties.clone());
        if let Some(l) = label {
            req = req.header("label", l.as_str());
        }
        if body.is_empty() {
            // Said explicitly: some proxies refuse a PUT without a length (411).
            req = req.header(reqwest::header::CONTENT_LENGTH, "0");
        }
        req.body(body).send().await
    }

    /// What a non-redirect answer to the probe means: `Some(final result)` when it settles the
    /// load (auth failure, 5xx, the FE's own error), `None` when the base does not redirect and
    /// the body must be sent to it.
    async fn probe_verdict(
        &self,
        resp: reqwest::Response,
        label: &Label,
        hop: &Hop,
    ) -> Option<Result<LoadOutcome, LoadError>> {
        let node = authority(&hop.url);
        let status = resp.status();
        let body = match read_capped(resp, MAX_ANSWER_BYTES).await {
            Ok(b) => b,
            Err(e) => {
                return Some(Err(LoadError::Transient {
                    label: label.to_string(),
                    node,
                    reason: format!("reading the answer failed: {e}"),
                }));
            }
        };
        if let Some(err) = http_status_error(status, &body, label.as_str(), &node) {
            return Some(Err(err));
        }
        match Answer::parse(&body) {
            // The FE's own answer (TransactionResult / RestBaseResult): an FE error that the
            // body would get too ("There is no 100-continue header", "No backend alive", …).
            Ok(a) if a.from_fe && matches!(a.status_norm().as_str(), "FAILED" | "FAIL") => {
                Some(self.classify(a, &body, label, &node).await)
            }
            // A BE's (or a proxy's) answer to the empty, label-less probe: send the body here.
            Ok(_) => None,
            Err(why) => Some(Err(LoadError::Protocol {
                label: label.to_string(),
                node,
                message: format!(
                    "the load-url answered HTTP {status} with something that is not StarRocks JSON ({why}): {}; is {} the FE HTTP port (8030) or the HTTPS endpoint?",
                    snippet(&body, 300),
                    hop.first
                ),
            })),
        }
    }

    /// The final answer of a load request.
    async fn interpret(
        &self,
        resp: reqwest::Response,
        label: &Label,
        node: &str,
    ) -> Result<LoadOutcome, LoadError> {
        let status = resp.status();
        let body = read_capped(resp, MAX_ANSWER_BYTES)
            .await
            .map_err(|e| LoadError::Transient {
                label: label.to_string(),
                node: node.to_string(),
                reason: format!(
                    "the connection broke while reading the answer ({e}); the load may have finished on the server"
                ),
            })?;
        if let Some(err) = http_status_error(status, &body, label.as_str(), node) {
            return Err(err);
        }
        let answer = Answer::parse(&body).map_err(|why| LoadError::Protocol {
            label: label.to_string(),
            node: node.to_string(),
            message: format!(
                "the answer (HTTP {status}) is not StarRocks JSON ({why}): {}; not retried blindly — check what serves the load-url",
                snippet(&body, 300)
            ),
        })?;
        self.classify(answer, &body, label, node).await
    }

    /// Turns a parsed answer into the outcome or the classified error, fetching the ErrorURL's
    /// lines and asking `get_load_state` where the answer calls for it.
    async fn classify(
        &self,
        a: Answer,
        body: &[u8],
        label: &Label,
        node: &str,
    ) -> Result<LoadOutcome, LoadError> {
        let mut result = match verdict(&a, body, label.as_str(), node) {
            Some(r) => r,
            // No ExistingJobStatus (older versions): ask the FE what became of the label.
            None => {
                let l = || label.to_string();
                let n = || node.to_string();
                match self.get_load_state(label).await.as_deref() {
                    Ok("VISIBLE") | Ok("COMMITTED") => Ok(outcome_of(
                        &a,
                        label.as_str(),
                        node,
                        LoadStatus::AlreadyLoaded,
                    )),
                    Ok("ABORTED") => Err(LoadError::Transient {
                        label: l(),
                        node: n(),
                        reason: "the label's earlier attempt was aborted, so it can be used again"
                            .into(),
                    }),
                    _ => Err(LoadError::LabelRunning {
                        label: l(),
                        node: n(),
                    }),
                }
            }
        };
        match &mut result {
            Ok(o) if o.filtered_rows > 0 => {
                if let Some(url) = o.error_url.clone() {
                    o.error_lines = self.fetch_error_lines(&url).await;
                }
            }
            Err(LoadError::DataQuality {
                error_url: Some(url),
                error_lines,
                ..
            })
            | Err(LoadError::Fail {
                error_url: Some(url),
                error_lines,
                ..
            }) => {
                *error_lines = self.fetch_error_lines(url).await;
            }
            _ => {}
        }
        result
    }

    /// GETs an ErrorURL (no auth, short timeout) and keeps its first lines. If it cannot be read,
    /// one line says why — usually the same private-address problem as the redirect.
    pub async fn fetch_error_lines(&self, url: &str) -> Vec<String> {
        let timeout = self.connect_timeout.min(Duration::from_secs(10)) * 2;
        let result = async {
            let resp = self
                .http
                .get(url)
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| error_chain(&e))?;
            let status = resp.status();
            let body = read_capped(resp, ERROR_LOG_MAX_BYTES).await?;
            if !status.is_success() {
                return Err(format!("HTTP {status}: {}", snippet(&body, 200)));
            }
            Ok(body)
        }
        .await;
        match result {
            Ok(body) => String::from_utf8_lossy(&body)
                .lines()
                .map(str::trim_end)
                .filter(|l| !l.is_empty())
                .take(ERROR_LOG_MAX_LINES)
                .map(String::from)
                .collect(),
            Err(reason) => vec![format!(
                "(could not fetch the rejected rows from {url}: {reason}. The ErrorURL points at the BE's own address, which — like a redirect target — may not be reachable from this machine; the same lines are in `select tracking_log from information_schema.load_tracking_logs where label = '…'`)"
            )],
        }
    }

    /// A transport error → the classified error for the address it happened on.
    fn connect_error(
        &self,
        e: reqwest::Error,
        label: &Label,
        hop: &Hop,
        timeout: Duration,
    ) -> LoadError {
        let address = authority(&hop.url);
        let reason = error_chain(&e);
        let redirected = hop.hops > 0;
        if e.is_connect() {
            let kind = connect_kind(&e);
            if redirected || matches!(kind, UnreachableKind::Dns | UnreachableKind::Tls) {
                return LoadError::Unreachable {
                    label: label.to_string(),
                    address,
                    reason,
                    kind,
                    redirected,
                    via: hop.via.clone(),
                };
            }
            let port = hop.url.port_or_known_default().unwrap_or(0);
            let reason = if kind == UnreachableKind::Timeout {
                format!(
                    "the connection to {address} timed out after {} ms (sink.connect-timeout-ms): \
                     packets to port {port} are dropped (a security group or firewall), or the host is down",
                    self.connect_timeout.as_millis()
                )
            } else {
                format!(
                    "cannot connect to {address} ({reason}); StarRocks may be down or restarting, or this machine is not allowed on port {port} (security group inbound rule)"
                )
            };
            return LoadError::Transient {
                label: label.to_string(),
                node: address.clone(),
                reason,
            };
        }
        if e.is_timeout() {
            return LoadError::Transient {
                label: label.to_string(),
                node: address.clone(),
                reason: format!(
                    "no answer from {address} within {} s (sink.socket-timeout-ms); the load may still finish on the server",
                    timeout.as_secs_f64()
                ),
            };
        }
        LoadError::Transient {
            label: label.to_string(),
            node: address.clone(),
            reason: format!("the request to {address} failed: {reason}"),
        }
    }
}

fn outcome_of(a: &Answer, label: &str, node: &str, status: LoadStatus) -> LoadOutcome {
    LoadOutcome {
        label: label.to_string(),
        status,
        txn_id: a.txn_id,
        total_rows: a.total_rows,
        loaded_rows: a.loaded_rows,
        filtered_rows: a.filtered_rows,
        unselected_rows: a.unselected_rows,
        load_bytes: a.load_bytes,
        load_time_ms: a.load_time_ms,
        error_url: a.error_url.clone(),
        error_lines: Vec::new(),
        node: node.to_string(),
        message: a.message.clone().unwrap_or_default(),
        elapsed: Duration::ZERO,
    }
}

/// Protocol reference §2: `Success`/`OK` and `Publish Timeout` are successes, `Label Already
/// Exists` + `FINISHED` is "already loaded", + `RUNNING` is "ask again later"; any other status
/// is a failure classified by its message (flink-connector-starrocks' rules).
///
/// `None`: `Label Already Exists` without `ExistingJobStatus` — ask `get_load_state`. The
/// ErrorURL's lines are not fetched here.
pub(crate) fn verdict(
    a: &Answer,
    body: &[u8],
    label: &str,
    node: &str,
) -> Option<Result<LoadOutcome, LoadError>> {
    let l = || label.to_string();
    let n = || node.to_string();
    let done = Some;
    match a.status_norm().as_str() {
        "SUCCESS" | "OK" => done(Ok(outcome_of(a, label, node, LoadStatus::Loaded))),
        "PUBLISH_TIMEOUT" => done(Ok(outcome_of(a, label, node, LoadStatus::PublishTimeout))),
        "LABEL_ALREADY_EXISTS" => {
            let existing = a
                .existing_job_status
                .as_deref()
                .map(|s| s.trim().to_ascii_uppercase());
            match existing.as_deref() {
                Some("FINISHED") => done(Ok(outcome_of(a, label, node, LoadStatus::AlreadyLoaded))),
                Some("RUNNING") => done(Err(LoadError::LabelRunning {
                    label: l(),
                    node: n(),
                })),
                _ => None,
            }
        }
        // The transaction API's "another load of this label is in progress".
        "TXN_IN_PROCESSING" => done(Err(LoadError::LabelRunning {
            label: l(),
            node: n(),
        })),
        "" => done(Err(LoadError::Protocol {
            label: l(),
            node: n(),
            message: format!(
                "the answer has no Status: {}; not retried blindly",
                snippet(body, 300)
            ),
        })),
        _ => {
            let message = a
                .message
                .clone()
                .filter(|m| !m.is_empty())
                .unwrap_or_else(|| format!("Status {}", a.status.clone().unwrap_or_default()));
            done(Err(match classify_fail_message(&message) {
                FailClass::Data => LoadError::DataQuality {
                    label: l(),
                    node: n(),
                    message,
                    error_url: a.error_url.clone(),
                    error_lines: Vec::new(),
                    stats: LoadStats {
                        txn_id: a.txn_id,
                        total_rows: a.total_rows,
                        loaded_rows: a.loaded_rows,
                        filtered_rows: a.filtered_rows,
                        unselected_rows: a.unselected_rows,
                        load_bytes: a.load_bytes,
                        load_time_ms: a.load_time_ms,
                    },
                },
                FailClass::Auth => LoadError::Auth {
                    label: l(),
                    node: n(),
                    message,
                },
                FailClass::UnknownTable => LoadError::UnknownTable {
                    label: l(),
                    node: n(),
                    message,
                },
                FailClass::UnknownDatabase => LoadError::UnknownDatabase {
                    label: l(),
                    node: n(),
                    message,
                },
                FailClass::NoContinue => LoadError::Protocol {
                    label: l(),
                    node: n(),
                    message: format!(
                        "StarRocks says \"{message}\": this client always sends `Expect: 100-continue`, so a proxy between here and the FE stripped it (nginx needs `proxy_http_version 1.1`); fix the proxy or point load-url at the FE"
                    ),
                },
                class => LoadError::Fail {
                    label: l(),
                    node: n(),
                    message,
                    retryable: matches!(class, FailClass::Transient),
                    error_url: a.error_url.clone(),
                    error_lines: Vec::new(),
                },
            }))
        }
    }
}

/// The URL being requested and how we got there.
struct Hop {
    url: Url,
    /// The load-url's URL, for messages.
    first: Url,
    /// Redirects followed so far.
    hops: usize,
    /// `host:port` of the node that sent the last redirect.
    via: Option<String>,
    visited: Vec<Url>,
}

impl Hop {
    fn new(url: Url) -> Hop {
        Hop {
            first: url.clone(),
            visited: vec![url.clone()],
            url,
            hops: 0,
            via: None,
        }
    }

    /// Moves to the redirect's `Location` (≤ [`MAX_REDIRECTS`], no loops, http(s) only).
    fn follow(&mut self, resp: &reqwest::Response, label: &Label) -> Result<(), LoadError> {
        let location = resp
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok());
        self.follow_location(resp.status().as_u16(), location, label.as_str())
    }

    fn follow_location(
        &mut self,
        status: u16,
        location: Option<&str>,
        label: &str,
    ) -> Result<(), LoadError> {
        let node = authority(&self.url);
        let protocol = |message: String| LoadError::Protocol {
            label: label.to_string(),
            node: node.clone(),
            message,
        };
        let location =
            location.ok_or_else(|| protocol(format!("HTTP {status} without a Location header")))?;
        let next = self
            .url
            .join(location.trim())
            .map_err(|e| protocol(format!("redirect to an invalid Location {location:?}: {e}")))?;
        if next.scheme() != "http" && next.scheme() != "https" {
            return Err(protocol(format!(
                "redirect to {location:?}, which is not http(s)"
            )));
        }
        if self.visited.contains(&next) {
            let chain: Vec<String> = self
                .visited
                .iter()
                .map(authority)
                .chain(std::iter::once(authority(&next)))
                .collect();
            return Err(protocol(format!(
                "redirect loop: {}; check the FE's configuration",
                chain.join(" → ")
            )));
        }
        if self.hops >= MAX_REDIRECTS {
            return Err(protocol(format!(
                "more than {MAX_REDIRECTS} redirects ({} → …); check the FE's configuration",
                self.visited
                    .iter()
                    .map(authority)
                    .collect::<Vec<_>>()
                    .join(" → ")
            )));
        }
        tracing::debug!(label = %label, from = %node, to = %authority(&next), "following redirect");
        self.via = Some(node);
        self.hops += 1;
        self.visited.push(next.clone());
        self.url = next;
        Ok(())
    }
}

fn is_redirect(status: reqwest::StatusCode) -> bool {
    // 307 is the FE's; 308/301/302/303 come from gateways (http → https). All keep the PUT.
    matches!(status.as_u16(), 301 | 302 | 303 | 307 | 308)
}

/// `host:port` of a URL (default port filled in, IPv6 in brackets).
fn authority(url: &Url) -> String {
    // `host_str` keeps IPv6 addresses in brackets.
    let host = url.host_str().unwrap_or_default();
    match url.port_or_known_default() {
        Some(p) => format!("{host}:{p}"),
        None => host.to_string(),
    }
}

/// Errors that the HTTP status alone decides (`None` for 2xx).
fn http_status_error(
    status: reqwest::StatusCode,
    body: &[u8],
    label: &str,
    node: &str,
) -> Option<LoadError> {
    if status.is_success() {
        return None;
    }
    let message = || {
        Answer::parse(body)
            .ok()
            .and_then(|a| a.message)
            .filter(|m| !m.is_empty())
            .unwrap_or_else(|| snippet(body, 300))
    };
    let code = status.as_u16();
    Some(match code {
        401 | 403 => LoadError::Auth {
            label: label.to_string(),
            node: node.to_string(),
            message: format!("HTTP {code}: {}", message()),
        },
        408 | 429 | 500..=599 => LoadError::Transient {
            label: label.to_string(),
            node: node.to_string(),
            reason: format!("HTTP {code} from {node}: {}", message()),
        },
        404 | 405 => LoadError::Protocol {
            label: label.to_string(),
            node: node.to_string(),
            message: format!(
                "HTTP {code} ({}): this address does not serve Stream Load; the load-url must be the FE HTTP port (8030 by default), a BE/CN HTTP port (8040) or the CelerData HTTPS endpoint",
                message()
            ),
        },
        _ => LoadError::Protocol {
            label: label.to_string(),
            node: node.to_string(),
            message: format!("unexpected HTTP {code}: {}", message()),
        },
    })
}

/// Reads at most `max` bytes of a body.
async fn read_capped(mut resp: reqwest::Response, max: usize) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(|e| error_chain(&e))? {
        let room = max.saturating_sub(out.len());
        out.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if out.len() >= max {
            break;
        }
    }
    Ok(out)
}

/// An error and its sources, joined: reqwest's own `Display` is often just "error sending request".
pub(crate) fn error_chain(e: &dyn std::error::Error) -> String {
    let mut parts = vec![e.to_string()];
    let mut cur = e.source();
    while let Some(s) = cur {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        cur = s.source();
    }
    parts.join(": ")
}

fn connect_kind(e: &reqwest::Error) -> UnreachableKind {
    let mut cur: Option<&dyn std::error::Error> = Some(e);
    let mut text = String::new();
    while let Some(s) = cur {
        if let Some(io) = s.downcast_ref::<std::io::Error>() {
            match io.kind() {
                std::io::ErrorKind::ConnectionRefused => return UnreachableKind::Refused,
                std::io::ErrorKind::TimedOut => return UnreachableKind::Timeout,
                _ => {}
            }
        }
        if s.downcast_ref::<rustls::Error>().is_some() {
            return UnreachableKind::Tls;
        }
        text.push_str(&s.to_string().to_ascii_lowercase());
        text.push(' ');
        cur = s.source();
    }
    if text.contains("dns error")
        || text.contains("failed to lookup address")
        || text.contains("name or service not known")
        || text.contains("no such host")
    {
        UnreachableKind::Dns
    } else if text.contains("connection refused") {
        UnreachableKind::Refused
    } else if e.is_timeout() || text.contains("timed out") || text.contains("deadline has elapsed")
    {
        UnreachableKind::Timeout
    } else if text.contains("certificate") || text.contains("tls") || text.contains("handshake") {
        UnreachableKind::Tls
    } else {
        UnreachableKind::Other
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(json: &str) -> Option<Result<LoadOutcome, LoadError>> {
        let a = Answer::parse(json.as_bytes()).unwrap();
        verdict(&a, json.as_bytes(), "L1", "be:8040")
    }

    fn ok(json: &str) -> LoadOutcome {
        match v(json) {
            Some(Ok(o)) => o,
            other => panic!("expected an outcome, got {other:?}"),
        }
    }

    fn err(json: &str) -> LoadError {
        match v(json) {
            Some(Err(e)) => e,
            other => panic!("expected an error, got {other:?}"),
        }
    }

    #[test]
    fn successes() {
        let o = ok(
            r#"{"TxnId":1003,"Label":"L1","Status":"Success","Message":"OK","NumberTotalRows":10,"NumberLoadedRows":9,"NumberFilteredRows":1,"NumberUnselectedRows":0,"LoadBytes":400,"LoadTimeMs":21,"ErrorURL":"http://be:8040/api/_load_error_log?file=x"}"#,
        );
        assert_eq!(o.status, LoadStatus::Loaded);
        assert_eq!(
            (o.txn_id, o.loaded_rows, o.filtered_rows),
            (Some(1003), 9, 1)
        );
        assert_eq!(o.node, "be:8040");
        assert!(o.error_url.is_some());
        assert_eq!(
            ok(r#"{"Status":"OK","Message":""}"#).status,
            LoadStatus::Loaded
        );
        assert_eq!(
            ok(r#"{"TxnId":5,"Status":"Publish Timeout","Message":"transaction commit successfully, BUT data will be visible later"}"#).status,
            LoadStatus::PublishTimeout
        );
        // 2.x names.
        let o =
            ok(r#"{"TxnId":1,"Status":"Success","NumberLoadedRows":3,"StreamLoadPutTimeMs":1}"#);
        assert_eq!(o.loaded_rows, 3);
    }

    #[test]
    fn duplicate_labels_both_shapes() {
        let be = r#"{"TxnId":-1,"Label":"L1","Status":"Label Already Exists","ExistingJobStatus":"FINISHED","Message":"Label [L1] has already been used.","NumberTotalRows":0}"#;
        assert_eq!(ok(be).status, LoadStatus::AlreadyLoaded);
        let running = be.replace("FINISHED", "RUNNING");
        assert!(matches!(err(&running), LoadError::LabelRunning { .. }));
        let fe = r#"{"Status":"LABEL_ALREADY_EXISTS","ExistingJobStatus":"FINISHED","Message":"Label [L1] has already been used."}"#;
        assert_eq!(ok(fe).status, LoadStatus::AlreadyLoaded);
        let bare =
            r#"{"Status":"Label Already Exists","Message":"Label [L1] has already been used."}"#;
        assert!(v(bare).is_none(), "asks get_load_state");
        assert!(matches!(
            err(r#"{"Status":"TXN_IN_PROCESSING","Label":"L1"}"#),
            LoadError::LabelRunning { .. }
        ));
    }

    #[test]
    fn failures_are_classified() {
        let dq = err(
            r#"{"TxnId":413190,"Label":"L1","Status":"Fail","Message":"too many filtered rows","NumberTotalRows":4,"NumberLoadedRows":0,"NumberFilteredRows":4,"ErrorURL":"http://x:8438/api/_load_error_log?file=error_log_1_2"}"#,
        );
        let LoadError::DataQuality {
            stats, error_url, ..
        } = &dq
        else {
            panic!("{dq:?}")
        };
        assert_eq!((stats.total_rows, stats.filtered_rows), (4, 4));
        assert!(error_url.is_some());
        assert!(!dq.is_retryable());

        let nc = err(
            "{\n  \"Status\": \"FAILED\",\n  \"Message\": \"class com.starrocks.common.DdlException: There is no 100-continue header\"\n}",
        );
        assert!(matches!(nc, LoadError::Protocol { .. }));
        assert!(
            nc.to_string()
                .contains("a proxy between here and the FE stripped it"),
            "{nc}"
        );

        let auth =
            err(r#"{"TxnId":-1,"Status":"Fail","Message":"Access denied for root@1.2.3.4"}"#);
        assert!(matches!(auth, LoadError::Auth { .. }));
        let auth = err(r#"{"status":"FAILED","msg":"Access denied for root@10.1.1.1"}"#);
        assert!(matches!(auth, LoadError::Auth { .. }));
        assert!(matches!(
            err(r#"{"TxnId":-1,"Status":"Fail","Message":"unknown table, table=t_missing"}"#),
            LoadError::UnknownTable { .. }
        ));
        let t = err(r#"{"TxnId":7,"Status":"Fail","Message":"timeout by txn manager"}"#);
        assert!(
            matches!(
                t,
                LoadError::Fail {
                    retryable: true,
                    ..
                }
            ) && t.is_retryable()
        );
        let busy = err(
            r#"{"Status":"Fail","Message":"current running txns on db 10 is 1000, larger than limit 1000"}"#,
        );
        assert!(!busy.is_retryable());
        let other = err(r#"{"Status":"INTERNAL_ERROR","Message":""}"#);
        assert!(
            other.to_string().contains("Status INTERNAL_ERROR"),
            "{other}"
        );
        assert!(!other.is_retryable());
        assert!(matches!(err(r#"{"TxnId":1}"#), LoadError::Protocol { .. }));
    }

    fn hop(url: &str) -> Hop {
        Hop::new(Url::parse(url).unwrap())
    }

    #[test]
    fn redirects_are_followed_at_most_three_times_without_loops() {
        let mut h = hop("http://fe1:8030/api/db/t/_stream_load");
        h.follow_location(307, Some("http://fe2:8030/api/db/t/_stream_load"), "L")
            .unwrap();
        assert_eq!((h.hops, h.via.as_deref()), (1, Some("fe1:8030")));
        h.follow_location(307, Some("http://be1:8040/api/db/t/_stream_load?x=1"), "L")
            .unwrap();
        h.follow_location(307, Some("/api/db/t/_stream_load?again"), "L")
            .unwrap();
        assert_eq!(
            authority(&h.url),
            "be1:8040",
            "relative Location keeps the host"
        );
        let e = h
            .follow_location(307, Some("http://be2:8040/api/db/t/_stream_load"), "L")
            .unwrap_err();
        assert!(e.to_string().contains("more than 3 redirects"), "{e}");

        let mut h = hop("http://fe1:8030/api/db/t/_stream_load");
        h.follow_location(307, Some("http://fe2:8030/api/db/t/_stream_load"), "L")
            .unwrap();
        let e = h
            .follow_location(307, Some("http://fe1:8030/api/db/t/_stream_load"), "L")
            .unwrap_err();
        assert!(
            e.to_string()
                .contains("redirect loop: fe1:8030 → fe2:8030 → fe1:8030"),
            "{e}"
        );

        let mut h = hop("http://fe1:8030/x");
        assert!(
            h.follow_location(307, None, "L")
                .unwrap_err()
                .to_string()
                .contains("without a Location")
        );
        assert!(h.follow_location(307, Some("ftp://be/x"), "L").is_err());
    }

    #[test]
    fn authorities_and_redirect_statuses() {
        assert_eq!(
            authority(&Url::parse("https://h.example.com/x").unwrap()),
            "h.example.com:443"
        );
        assert_eq!(
            authority(&Url::parse("http://[::1]:8040/x").unwrap()),
            "[::1]:8040"
        );
        for s in [301, 302, 303, 307, 308] {
            assert!(is_redirect(reqwest::StatusCode::from_u16(s).unwrap()));
        }
        assert!(!is_redirect(reqwest::StatusCode::OK));
    }

    #[test]
    fn http_statuses_decide_some_errors() {
        let e = http_status_error(
            reqwest::StatusCode::UNAUTHORIZED,
            br#"{"status":"FAILED","code":"1","msg":"Access denied for bob@10.0.0.5","message":"Access denied for bob@10.0.0.5"}"#,
            "L",
            "fe:8030",
        )
        .unwrap();
        assert!(matches!(e, LoadError::Auth { .. }));
        assert!(
            e.to_string()
                .contains("HTTP 401: Access denied for bob@10.0.0.5"),
            "{e}"
        );
        let e = http_status_error(
            reqwest::StatusCode::BAD_GATEWAY,
            b"<html>bad gateway</html>",
            "L",
            "lb:443",
        )
        .unwrap();
        assert!(matches!(e, LoadError::Transient { .. }));
        let e = http_status_error(
            reqwest::StatusCode::NOT_FOUND,
            br#"{"status":"FAILED","msg":"Not implemented"}"#,
            "L",
            "x:80",
        )
        .unwrap();
        assert!(matches!(e, LoadError::Protocol { .. }));
        assert!(e.to_string().contains("does not serve Stream Load"), "{e}");
        assert!(http_status_error(reqwest::StatusCode::OK, b"{}", "L", "x:80").is_none());
    }
}
