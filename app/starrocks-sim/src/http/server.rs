//! The FE and BE accept loops, one HTTP/1.1 connection, and the request recorder.

use super::be::be;
use super::fe::fe;
use super::response::{BodyBytes, LoadStatus, Resp};
use crate::SimContext;
use crate::catalog::now_ms;
use crate::faults::{RecordedRequest, redact_header};
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

/// Accepts connections on `port`'s listener until shutdown (none while a `down` fault holds).
pub async fn serve(
    port: Port,
    listener: TcpListener,
    ctx: Arc<SimContext>,
    shutdown: watch::Receiver<bool>,
) {
    let faults = ctx.faults.clone();
    crate::faults::accept_loop(listener, faults, shutdown, move |stream, peer| {
        let ctx = ctx.clone();
        async move {
            match port {
                Port::Fe => fe_connection(stream, ctx, peer).await,
                Port::Be => be_connection(stream, ctx, peer).await,
            }
        }
    })
    .await;
}

/// The FE speaks HTTPS when the stand-in has TLS files.
async fn fe_connection(stream: TcpStream, ctx: Arc<SimContext>, peer: SocketAddr) {
    match ctx.tls.as_ref().map(|t| t.https.clone()) {
        Some(config) => {
            let acceptor = tokio_rustls::TlsAcceptor::from(config);
            match acceptor.accept(stream).await {
                Ok(tls) => serve_conn(TokioIo::new(tls), ctx, peer, Port::Fe).await,
                Err(e) => tracing::debug!("FE TLS handshake with {peer}: {e}"),
            }
        }
        None => serve_conn(TokioIo::new(stream), ctx, peer, Port::Fe).await,
    }
}

/// The BE takes a `reset_connection` fault on a load's first request before answering it.
async fn be_connection(stream: TcpStream, ctx: Arc<SimContext>, peer: SocketAddr) {
    if is_load_request(&stream).await && ctx.faults.take_if_reset() {
        tracing::info!("fault: resetting the load connection from {peer}");
        let _ = stream.set_zero_linger();
        drop(stream);
        return;
    }
    serve_conn(TokioIo::new(stream), ctx, peer, Port::Be).await
}

/// Peeks at the request head: is this a Stream Load / transaction `load`?
async fn is_load_request(stream: &TcpStream) -> bool {
    let mut buf = [0u8; 2048];
    let deadline = Instant::now() + Duration::from_secs(2);
    loop {
        let n = match tokio::time::timeout_at(deadline.into(), stream.peek(&mut buf)).await {
            Ok(Ok(n)) => n,
            _ => return false,
        };
        let head = &buf[..n];
        let line_end = head.windows(2).position(|w| w == b"\r\n");
        if let Some(end) = line_end {
            let line = String::from_utf8_lossy(&head[..end]);
            return line.starts_with("PUT ")
                && (line.contains("/_stream_load") || line.contains("/api/transaction/load"));
        }
        if n == 0 || n == buf.len() {
            return false;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

/// Which of the stand-in's HTTP ports a connection came in on.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Port {
    Fe,
    Be,
}

async fn serve_conn<IO>(io: TokioIo<IO>, ctx: Arc<SimContext>, peer: SocketAddr, port: Port)
where
    IO: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let faults = ctx.faults.clone();
    let reset = Arc::new(tokio::sync::Notify::new());
    let handle = ResetHandle(reset.clone());
    let service = service_fn(move |mut req: Request<Incoming>| {
        let ctx = ctx.clone();
        req.extensions_mut().insert(handle.clone());
        async move { Ok::<_, Infallible>(recorded(req, ctx, peer, port).await) }
    });
    let conn = http1::Builder::new()
        .keep_alive(true)
        .serve_connection(io, service);
    tokio::select! {
        res = conn => if let Err(e) = res {
            tracing::debug!("HTTP connection from {peer}: {e}");
        },
        // An outage drops open (keep-alive) connections too.
        _ = faults.outage_started() => {}
        // A `reset_connection` fault taken on a kept-alive connection (the accept-time check
        // only sees a connection's first request): drop it without answering.
        _ = reset.notified() => {
            tracing::info!("fault: dropping the load connection from {peer} without an answer");
        }
    }
}

/// Lets a request handler drop its own (kept-alive) connection without answering.
#[derive(Clone)]
struct ResetHandle(Arc<tokio::sync::Notify>);

/// Applies a `reset_connection` fault taken on a kept-alive connection: the connection is
/// dropped and this never returns.
pub(super) async fn reset_this_connection(req: &Request<Incoming>) -> ! {
    if let Some(ResetHandle(n)) = req.extensions().get::<ResetHandle>() {
        n.notify_one();
    }
    std::future::pending().await
}

async fn recorded(
    req: Request<Incoming>,
    ctx: Arc<SimContext>,
    peer: SocketAddr,
    port: Port,
) -> Resp {
    let method = req.method().to_string();
    let uri = req.uri().to_string();
    let version = format!("{:?}", req.version());
    let headers: Vec<(String, String)> = req
        .headers()
        .iter()
        .map(|(k, v)| {
            let v = String::from_utf8_lossy(v.as_bytes());
            (k.to_string(), redact_header(k.as_str(), &v))
        })
        .collect();
    let is_admin = req.uri().path().starts_with("/_sim/");
    let resp = match port {
        Port::Fe => fe(req, &ctx, peer).await,
        Port::Be => be(req, &ctx, peer).await,
    };
    if !is_admin {
        ctx.faults.record(RecordedRequest {
            port: if port == Port::Fe { "fe" } else { "be" }.into(),
            method,
            uri,
            version,
            headers,
            body_bytes: resp
                .extensions()
                .get::<BodyBytes>()
                .map(|b| b.0)
                .unwrap_or(0),
            status: resp.status().as_u16(),
            load_status: resp.extensions().get::<LoadStatus>().map(|s| s.0.clone()),
            at_ms: now_ms(),
        });
    }
    resp
}
