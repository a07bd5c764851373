//! The client itself: picking a load-url, the header-only probe and the PUT of the body (see the
//! module docs of [`super`]), `get_load_state`, and reading the answer into an outcome or error.

use super::network_error::{connect_error, error_chain};
use super::redirects::{Hop, authority, is_redirect};
use super::settings::{SettingsError, StreamLoadSettings, basic_auth, property_headers};
use super::verdict::{http_status_error, outcome_of, verdict};
use super::{ERROR_LOG_MAX_BYTES, ERROR_LOG_MAX_LINES, LoadBody, LoadOutcome, LoadStatus};
use crate::error::{FailClass, LoadError, classify_fail_message};
use crate::response::{Answer, snippet};
use crate::tls::ensure_crypto_provider;
use ks_core::Label;
use ks_core::config::LoadUrl;
use reqwest::Url;
use reqwest::header::{HeaderMap, HeaderValue};
use std::collections::HashSet;
use std::fmt;
use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// Answers larger than this are not Stream Load answers.
pub(super) const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// The Stream Load client. Cheap to share (`Arc`); every method takes `&self`.
pub struct StreamLoadClient {
    pub(super) http: reqwest::Client,
    load_urls: Vec<LoadUrl>,
    pub(super) database: String,
    pub(super) table: String,
    username: String,
    /// `Basic …`, marked sensitive (never printed by hyper/reqwest).
    pub(super) auth: HeaderValue,
    pub(super) properties: HeaderMap,
    connect_timeout: Duration,
    pub(super) request_timeout: Duration,
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

impl StreamLoadClient {
    pub fn new(settings: StreamLoadSettings) -> Result<StreamLoadClient, SettingsError> {
        ensure_crypto_provider();
        if settings.load_urls.is_empty() {
            return Err(SettingsError::NoLoadUrl);
        }
        if settings.username.contains(':') {
            return Err(SettingsError::BadUsername(settings.username.clone()));
        }
        let auth = basic_auth(&settings.username, &settings.password)?;
        let properties = property_headers(&settings.properties)?;

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

    /// One Stream Load attempt of `body` under `label` (see the `stream_load` module docs for the
    /// redirect handling). Retrying is the caller's choice: see [`LoadError::is_retryable`] and
    /// [`StreamLoadClient::load_with_retries`].
    pub async fn load(
        &self,
        label: &Label,
        body: impl Into<LoadBody>,
    ) -> Result<LoadOutcome, LoadError> {
        let started = Instant::now();
        let result = self.load_inner(label, body.into(), started).await;
        match &result {
            Ok(o) => tracing::debug!(
                label = %label,
                node = %o.node,
                status = o.status.as_str(),
                rows = o.stats.loaded_rows,
                filtered = o.stats.filtered_rows,
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
        body: LoadBody,
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
                .put(&hop.url, None, LoadBody::default(), self.probe_timeout())
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
        let timeout = self.probe_timeout();
        let (resp, hop) = self
            .send_following(label, url, timeout, |url| {
                self.http
                    .get(url.clone())
                    .header(reqwest::header::AUTHORIZATION, self.auth.clone())
            })
            .await?;
        let node = authority(&hop.url);
        let (answer, body) = read_answer(resp, label, &node, AnswerOf::LoadState).await?;
        if let Some(state) = answer.state.filter(|s| !s.is_empty()) {
            return Ok(state.to_ascii_uppercase());
        }
        let message = answer.message.unwrap_or_default();
        Err(match classify_fail_message(&message) {
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
        })
    }

    // ---------------------------------------------------------------------------------------
    // pieces

    /// Sends the request `build` makes for a URL, following redirects by hand (≤
    /// [`super::MAX_REDIRECTS`], no loops); the final answer and the hop it came from.
    pub(super) async fn send_following(
        &self,
        label: &Label,
        url: Url,
        timeout: Duration,
        build: impl Fn(&Url) -> reqwest::RequestBuilder,
    ) -> Result<(reqwest::Response, Hop), LoadError> {
        let mut hop = Hop::new(url);
        loop {
            let resp = build(&hop.url)
                .timeout(timeout)
                .send()
                .await
                .map_err(|e| self.connect_error(e, label, &hop, timeout))?;
            if !is_redirect(resp.status()) {
                return Ok((resp, hop));
            }
            hop.follow(&resp, label)?;
        }
    }

    /// The probe waits for an FE that may be busy (GC), but not for a whole batch's timeout.
    pub(super) fn probe_timeout(&self) -> Duration {
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
    pub(super) async fn pick_base(&self, label: &Label) -> Result<&LoadUrl, LoadError> {
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

    pub(super) fn api_url(
        &self,
        base: &LoadUrl,
        segments: &[&str],
        query: Option<(&str, &str)>,
    ) -> Url {
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
        body: LoadBody,
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
        req.body(body.to_request_body()).send().await
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
    pub(super) async fn interpret(
        &self,
        resp: reqwest::Response,
        label: &Label,
        node: &str,
    ) -> Result<LoadOutcome, LoadError> {
        let (answer, body) = read_answer(resp, label, node, AnswerOf::StreamLoad).await?;
        self.classify(answer, &body, label, node).await
    }

    /// Turns a parsed answer into the outcome or the classified error, fetching the ErrorURL's
    /// lines and asking `get_load_state` where the answer calls for it.
    pub(super) async fn classify(
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
            Ok(o) if o.stats.filtered_rows > 0 => {
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
    pub(super) fn connect_error(
        &self,
        e: reqwest::Error,
        label: &Label,
        hop: &Hop,
        timeout: Duration,
    ) -> LoadError {
        connect_error(e, label, hop, timeout, self.connect_timeout)
    }
}

/// Which request an answer is to, for [`read_answer`]'s errors.
#[derive(Debug, Clone, Copy)]
pub(super) enum AnswerOf {
    StreamLoad,
    LoadState,
    Transaction,
}

/// A StarRocks JSON answer: read (capped), its HTTP status judged, parsed.
pub(super) async fn read_answer(
    resp: reqwest::Response,
    label: &Label,
    node: &str,
    of: AnswerOf,
) -> Result<(Answer, Vec<u8>), LoadError> {
    let status = resp.status();
    let body = read_capped(resp, MAX_ANSWER_BYTES)
        .await
        .map_err(|e| LoadError::Transient {
            label: label.to_string(),
            node: node.to_string(),
            reason: match of {
                AnswerOf::StreamLoad => format!(
                    "the connection broke while reading the answer ({e}); the load may have finished on the server"
                ),
                AnswerOf::LoadState => format!("reading the get_load_state answer failed: {e}"),
                AnswerOf::Transaction => format!(
                    "the connection broke while reading the transaction answer ({e}); the batch is prepared again under the same label"
                ),
            },
        })?;
    if let Some(err) = http_status_error(status, &body, label.as_str(), node) {
        return Err(err);
    }
    let answer = Answer::parse(&body).map_err(|why| LoadError::Protocol {
        label: label.to_string(),
        node: node.to_string(),
        message: match of {
            AnswerOf::StreamLoad => format!(
                "the answer (HTTP {status}) is not StarRocks JSON ({why}): {}; not retried blindly — check what serves the load-url",
                snippet(&body, 300)
            ),
            AnswerOf::LoadState => format!(
                "get_load_state answered something that is not StarRocks JSON ({why}): {}",
                snippet(&body, 300)
            ),
            AnswerOf::Transaction => format!(
                "the transaction API answered something that is not StarRocks JSON ({why}): {}",
                snippet(&body, 300)
            ),
        },
    })?;
    Ok((answer, body))
}

/// Reads at most `max` bytes of a body.
pub(super) async fn read_capped(
    mut resp: reqwest::Response,
    max: usize,
) -> Result<Vec<u8>, String> {
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
