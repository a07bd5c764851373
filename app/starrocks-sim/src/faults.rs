//! Fault injection and request recording, for the engine's tests: fail the next N loads in a
//! chosen way, go down for a while, and keep every request (secrets redacted) for assertions.
//! Driven from the library API or the FE's admin endpoint (`/_sim/…`, see http/admin.rs).

use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// What the next Stream Load (on the BE, or a transaction `load`) does instead of loading normally.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// Answer with this HTTP status (e.g. 500, 503) and a short text body; nothing is loaded.
    HttpStatus { status: u16 },
    /// Read the request head, then reset the TCP connection (RST); nothing is loaded.
    ResetConnection,
    /// Load normally, but wait this long before answering.
    Delay { ms: u64 },
    /// Load (the rows become visible) but answer `Publish Timeout`.
    PublishTimeout,
    /// Take the load but keep the transaction RUNNING for `finish_after_ms`, answering
    /// `Label Already Exists` + `ExistingJobStatus: RUNNING`; afterwards it is FINISHED.
    LabelRunning { finish_after_ms: u64 },
    /// Fail with `Status: Fail` and this message; nothing is loaded and the label stays reusable.
    Fail { message: String },
}

/// One request as the stand-in saw it; `Authorization` and password values are redacted.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// `fe` or `be`.
    pub port: String,
    pub method: String,
    pub uri: String,
    pub version: String,
    pub headers: Vec<(String, String)>,
    pub body_bytes: u64,
    pub status: u16,
    /// The `Status` of a Stream Load answer, when there is one.
    pub load_status: Option<String>,
    pub at_ms: u64,
}

#[derive(Debug)]
pub struct Faults {
    queue: Mutex<VecDeque<Fault>>,
    /// Faults for the load whose label ends with the key, taken before the queue: with several
    /// loads in flight their requests arrive in any order.
    by_label: Mutex<Vec<(String, Fault)>>,
    down_until: watch::Sender<Option<Instant>>,
    requests: Mutex<Vec<RecordedRequest>>,
}

impl Default for Faults {
    fn default() -> Self {
        Faults {
            queue: Mutex::new(VecDeque::new()),
            by_label: Mutex::new(Vec::new()),
            down_until: watch::channel(None).0,
            requests: Mutex::new(Vec::new()),
        }
    }
}

/// How many requests are kept for assertions (oldest dropped first).
const MAX_RECORDED: usize = 100_000;

impl Faults {
    /// Queues `fault` for the next `times` loads (after anything already queued).
    pub fn inject(&self, fault: Fault, times: usize) {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        for _ in 0..times {
            q.push_back(fault.clone());
        }
    }

    /// Gives `fault` to the first load whose label ends with `label_suffix` (e.g. `-1`, the
    /// engine's batch 1), whatever the order loads arrive in.
    pub fn inject_for_label(&self, label_suffix: &str, fault: Fault) {
        self.by_label
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push((label_suffix.to_string(), fault));
    }

    /// Takes the fault for the load of `label` being handled now, if any: one injected for its
    /// label first, else the next queued one.
    pub fn take_for(&self, label: &str) -> Option<Fault> {
        let mut by_label = self.by_label.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(i) = by_label
            .iter()
            .position(|(s, _)| label.ends_with(s.as_str()))
        {
            return Some(by_label.remove(i).1);
        }
        drop(by_label);
        self.take()
    }

    /// Takes the next queued fault, if any.
    fn take(&self) -> Option<Fault> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .pop_front()
    }

    /// Whether the next load would get a reset (peeked at accept time).
    pub(crate) fn take_if_reset(&self) -> bool {
        let mut q = self.queue.lock().unwrap_or_else(|p| p.into_inner());
        if q.front() == Some(&Fault::ResetConnection) {
            q.pop_front();
            true
        } else {
            false
        }
    }

    pub fn pending(&self) -> Vec<Fault> {
        self.queue
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .cloned()
            .collect()
    }

    pub fn clear(&self) {
        self.queue.lock().unwrap_or_else(|p| p.into_inner()).clear();
    }

    /// Closes every listener for `duration` (connections are refused), then reopens them.
    pub fn go_down(&self, duration: Duration) {
        let _ = self.down_until.send(Some(Instant::now() + duration));
    }

    pub fn is_down(&self) -> bool {
        self.down_until
            .borrow()
            .is_some_and(|until| Instant::now() < until)
    }

    pub(crate) fn record(&self, req: RecordedRequest) {
        let mut r = self.requests.lock().unwrap_or_else(|p| p.into_inner());
        if r.len() >= MAX_RECORDED {
            r.remove(0);
        }
        r.push(req);
    }

    /// Every request recorded so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    pub fn clear_requests(&self) {
        self.requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    fn subscribe_down(&self) -> watch::Receiver<Option<Instant>> {
        self.down_until.subscribe()
    }

    /// Resolves when an outage starts, so open connections can be cut like a crashed server's.
    pub(crate) async fn outage_started(&self) {
        let mut rx = self.subscribe_down();
        loop {
            if self.is_down() {
                return;
            }
            if rx.changed().await.is_err() {
                std::future::pending::<()>().await;
            }
        }
    }
}

/// Replaces secrets in a header value: Basic credentials and anything named like a password.
pub fn redact_header(name: &str, value: &str) -> String {
    let lower = name.to_ascii_lowercase();
    if lower == "authorization" || lower == "proxy-authorization" {
        match value.split_once(' ') {
            Some((scheme, _)) => format!("{scheme} <redacted>"),
            None => "<redacted>".into(),
        }
    } else if lower.contains("password") || lower.contains("secret") || lower.contains("token") {
        "<redacted>".into()
    } else {
        value.to_string()
    }
}

/// Accepts connections until shutdown, closing the listener while the stand-in is "down" and
/// re-binding the same address afterwards, so clients see connection refused during an outage.
pub(crate) async fn accept_loop<F, Fut>(
    listener: TcpListener,
    faults: std::sync::Arc<Faults>,
    mut shutdown: watch::Receiver<bool>,
    handle: F,
) where
    F: Fn(TcpStream, SocketAddr) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let addr = match listener.local_addr() {
        Ok(a) => a,
        Err(_) => return,
    };
    let mut down = faults.subscribe_down();
    let mut listener = Some(listener);
    loop {
        if *shutdown.borrow() {
            return;
        }
        let until = *down.borrow_and_update();
        if let Some(until) = until.filter(|u| Instant::now() < *u) {
            listener = None;
            tokio::select! {
                _ = tokio::time::sleep_until(until.into()) => {}
                _ = shutdown.changed() => return,
                _ = down.changed() => {}
            }
            continue;
        }
        let l = match &listener {
            Some(l) => l,
            None => match rebind(addr).await {
                Some(l) => listener.insert(l),
                None => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        tokio::select! {
            accepted = l.accept() => match accepted {
                Ok((stream, peer)) => {
                    tokio::spawn(handle(stream, peer));
                }
                Err(e) => {
                    tracing::warn!("accept on {addr}: {e}");
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
            },
            _ = shutdown.changed() => return,
            _ = down.changed() => {}
        }
    }
}

async fn rebind(addr: SocketAddr) -> Option<TcpListener> {
    match TcpListener::bind(addr).await {
        Ok(l) => Some(l),
        Err(e) => {
            tracing::warn!("re-binding {addr} after an outage: {e}");
            None
        }
    }
}
