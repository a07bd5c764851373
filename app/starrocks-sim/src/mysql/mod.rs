//! The FE query port (protocol reference §5) on opensrv-mysql: handshake version "5.1.0",
//! `mysql_native_password` against the configured user, StarRocks' login errors (1045, 3159),
//! optional TLS, and every statement handed to [`crate::sql`].

mod shim;
#[cfg(test)]
mod tests;
mod transport;
mod wire;

use crate::SimContext;
use crate::faults::accept_loop;
use crate::tls::TlsMaterial;
use opensrv_mysql::{AsyncMysqlIntermediary, IntermediaryOptions, plain_run_with_options};
use shim::Shim;
use std::io;
use std::sync::{Arc, Mutex};
use tokio::io::AsyncReadExt;
use tokio::net::TcpStream;
use tokio::sync::watch;
use tokio_rustls_025::rustls::ServerConfig as ServerConfig022;
use transport::{ErrRewrite, Input, InputStream, LoginFailure, Output};

/// Serves the MySQL protocol until `shutdown`; outages (`Faults::go_down`) close the listener
/// and the open connections.
pub async fn serve(
    listener: tokio::net::TcpListener,
    ctx: Arc<SimContext>,
    shutdown: watch::Receiver<bool>,
) {
    let tls = match &ctx.tls {
        Some(material) => match mysql_tls_config(material) {
            Ok(c) => Some(c),
            Err(e) => {
                tracing::error!("TLS on the MySQL port is off: {e}");
                None
            }
        },
        None => None,
    };
    let faults = ctx.faults.clone();
    accept_loop(listener, faults, shutdown, move |stream, peer| {
        let ctx = ctx.clone();
        let tls = tls.clone();
        async move {
            let faults = ctx.faults.clone();
            tokio::select! {
                res = handle(stream, ctx, tls) => if let Err(e) = res {
                    tracing::debug!("MySQL connection from {peer}: {e}");
                },
                // An outage drops open connections too, like a crashed FE.
                _ = faults.outage_started() => {}
            }
        }
    })
    .await;
}

/// opensrv-mysql 0.7 speaks rustls 0.22 (through tokio-rustls 0.25): build that config from the
/// same PEM bytes the HTTPS side uses.
fn mysql_tls_config(material: &TlsMaterial) -> Result<Arc<ServerConfig022>, String> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&material.cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| format!("certificate PEM: {e}"))?;
    let key =
        PrivateKeyDer::from_pem_slice(&material.key_pem).map_err(|e| format!("key PEM: {e}"))?;
    let config = ServerConfig022::builder()
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| format!("certificate and key do not match: {e}"))?;
    Ok(Arc::new(config))
}

async fn handle(
    stream: TcpStream,
    ctx: Arc<SimContext>,
    tls: Option<Arc<ServerConfig022>>,
) -> io::Result<()> {
    let _ = stream.set_nodelay(true);
    let (read, write) = stream.into_split();
    let failure: LoginFailure = Arc::new(Mutex::new(None));
    let mut shim = Shim::new(ctx.clone(), failure.clone());
    let mut out = ErrRewrite::new(Output::Plain(write), failure.clone());
    let (wants_tls, (handshake, seq, caps, mut reader)) =
        AsyncMysqlIntermediary::<Shim, Input, ErrRewrite>::init_before_ssl(
            &mut shim,
            Input::new(InputStream::Plain(read)),
            &mut out,
            &tls,
        )
        .await?;
    let opts = IntermediaryOptions::default();
    match (wants_tls, tls) {
        (true, Some(config)) => {
            // Take the TCP read half back from opensrv's packet reader, collect what it had
            // buffered past the SSLRequest, and run TLS over "buffered bytes, then the socket".
            let switching = Input::new(InputStream::Switching);
            let Input {
                stream: InputStream::Plain(tcp_read),
                ..
            } = std::mem::replace(&mut reader.r, switching)
            else {
                return Err(io::Error::other("unexpected reader state"));
            };
            let mut buffered = vec![0u8; 2 << 20];
            let n = reader.read(&mut buffered).await?;
            buffered.truncate(n);
            let Output::Plain(tcp_write) = std::mem::replace(&mut out.inner, Output::Gone) else {
                return Err(io::Error::other("unexpected writer state"));
            };
            let transport =
                tokio::io::join(std::io::Cursor::new(buffered).chain(tcp_read), tcp_write);
            let tls_stream = tokio_rustls_025::TlsAcceptor::from(config)
                .accept(transport)
                .await?;
            let (tls_read, tls_write) = tokio::io::split(tls_stream);
            reader.r = Input::new(InputStream::Tls(tls_read));
            shim.session.tls = true;
            let out = ErrRewrite::new(Output::Tls(tls_write), failure);
            plain_run_with_options(shim, out, opts, (handshake, seq, caps, reader)).await
        }
        (true, None) => Err(io::Error::other(
            "the client asked for TLS, which was not offered",
        )),
        (false, _) => {
            shim.insecure_refused = ctx.info.require_secure_transport;
            plain_run_with_options(shim, out, opts, (handshake, seq, caps, reader)).await
        }
    }
}
