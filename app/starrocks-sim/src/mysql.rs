//! The FE query port (protocol reference §5) on opensrv-mysql: handshake version "5.1.0",
//! `mysql_native_password` against the configured user, StarRocks' login errors (1045, 3159),
//! optional TLS, and every statement handed to [`crate::sql`].

use crate::SimContext;
use crate::faults::accept_loop;
use crate::sql::{self, ColType, Param, QueryResult, Session, SqlError};
use crate::tls::TlsMaterial;
use async_trait::async_trait;
use opensrv_mysql::{
    AsyncMysqlIntermediary, AsyncMysqlShim, Column, ColumnFlags, ColumnType, ErrorKind, InitWriter,
    IntermediaryOptions, OkResponse, ParamParser, QueryResultWriter, StatementMetaWriter,
    ValueInner, plain_run_with_options,
};
use std::collections::HashMap;
use std::io;
use std::pin::Pin;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::watch;
use tokio_rustls_025::rustls::ServerConfig as ServerConfig022;

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

static NEXT_CONNECTION_ID: AtomicU32 = AtomicU32::new(1);

type TlsTransport =
    tokio::io::Join<tokio::io::Chain<std::io::Cursor<Vec<u8>>, OwnedReadHalf>, OwnedWriteHalf>;
type TlsStream = tokio_rustls_025::server::TlsStream<TlsTransport>;

/// The connection's read side: plain TCP until the client asks for TLS, then the TLS stream.
/// opensrv keeps it inside its packet reader, whose `r` field is public, so it can be switched
/// after opensrv read the SSLRequest.
///
/// It also clears CLIENT_SESSION_TRACK in the first packet the client sends on each stream (the
/// handshake response, or the SSLRequest and then the handshake response over TLS). opensrv
/// adopts the client's capability flags as they are, although it never advertised session
/// tracking; with that bit its end-of-fields packet for COM_FIELD_LIST grows to 8 bytes, which
/// libmariadb no longer takes for an EOF, and the `mysql` CLI hangs after `USE db` (it lists
/// every table's fields for tab completion).
struct Input {
    stream: InputStream,
    /// Bytes read so far on the current stream, until the flag byte went past.
    seen: usize,
}

enum InputStream {
    Plain(OwnedReadHalf),
    /// While switching: reads hit end-of-file, so draining the packet reader only yields what
    /// it had already buffered (the first bytes of the TLS ClientHello).
    Switching,
    Tls(tokio::io::ReadHalf<TlsStream>),
}

/// Offset of the capability byte holding bit 23 (CLIENT_SESSION_TRACK) in the client's first
/// packet: a 4-byte packet header, then the capability flags as a little-endian u32.
const SESSION_TRACK_BYTE: usize = 4 + 2;
const SESSION_TRACK_BIT: u8 = 0x80;

impl Input {
    fn new(stream: InputStream) -> Input {
        Input { stream, seen: 0 }
    }
}

impl AsyncRead for Input {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        let before = buf.filled().len();
        match &mut this.stream {
            InputStream::Plain(r) => ready!(Pin::new(r).poll_read(cx, buf))?,
            InputStream::Switching => return Poll::Ready(Ok(())),
            InputStream::Tls(r) => ready!(Pin::new(r).poll_read(cx, buf))?,
        }
        let n = buf.filled().len() - before;
        if this.seen <= SESSION_TRACK_BYTE && SESSION_TRACK_BYTE < this.seen + n {
            buf.filled_mut()[before + SESSION_TRACK_BYTE - this.seen] &= !SESSION_TRACK_BIT;
        }
        this.seen = this.seen.saturating_add(n);
        Poll::Ready(Ok(()))
    }
}

enum Output {
    Plain(OwnedWriteHalf),
    Tls(tokio::io::WriteHalf<TlsStream>),
    Gone,
}

impl AsyncWrite for Output {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Output::Plain(w) => Pin::new(w).poll_write(cx, buf),
            Output::Tls(w) => Pin::new(w).poll_write(cx, buf),
            Output::Gone => Poll::Ready(Err(io::ErrorKind::NotConnected.into())),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Output::Plain(w) => Pin::new(w).poll_flush(cx),
            Output::Tls(w) => Pin::new(w).poll_flush(cx),
            Output::Gone => Poll::Ready(Ok(())),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Output::Plain(w) => Pin::new(w).poll_shutdown(cx),
            Output::Tls(w) => Pin::new(w).poll_shutdown(cx),
            Output::Gone => Poll::Ready(Ok(())),
        }
    }
}

/// The ERR packet StarRocks sends when a login fails.
#[derive(Debug, Clone)]
struct LoginError {
    code: u16,
    sqlstate: &'static str,
    message: String,
}

/// Set by the shim when it refuses a login; read by [`ErrRewrite`].
type LoginFailure = Arc<Mutex<Option<LoginError>>>;

/// opensrv answers a refused login with its own ERR packet (1698 "Authenticate failed…"). This
/// writer swallows that next packet (4-byte header: 3-byte LE length + seq, then the payload)
/// once the shim has flagged a failure, and sends StarRocks' ERR packet with the same seq
/// instead. Everything else passes through untouched.
struct ErrRewrite {
    inner: Output,
    failure: LoginFailure,
    /// Bytes of the packet being swallowed.
    held: Vec<u8>,
    /// The replacement packet still to be written.
    out: Vec<u8>,
    out_pos: usize,
}

impl ErrRewrite {
    fn new(inner: Output, failure: LoginFailure) -> ErrRewrite {
        ErrRewrite {
            inner,
            failure,
            held: Vec::new(),
            out: Vec::new(),
            out_pos: 0,
        }
    }

    fn swallowing(&self) -> bool {
        !self.held.is_empty() || self.failure.lock().map(|f| f.is_some()).unwrap_or(false)
    }

    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        while self.out_pos < self.out.len() {
            let n = ready!(Pin::new(&mut self.inner).poll_write(cx, &self.out[self.out_pos..]))?;
            if n == 0 {
                return Poll::Ready(Err(io::ErrorKind::WriteZero.into()));
            }
            self.out_pos += n;
        }
        self.out.clear();
        self.out_pos = 0;
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ErrRewrite {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        if !this.swallowing() {
            return Pin::new(&mut this.inner).poll_write(cx, buf);
        }
        this.held.extend_from_slice(buf);
        if this.held.len() >= 4 {
            let len = usize::from(this.held[0])
                | usize::from(this.held[1]) << 8
                | usize::from(this.held[2]) << 16;
            if this.held.len() >= 4 + len {
                let seq = this.held[3];
                let rest = this.held.split_off(4 + len);
                this.held.clear();
                let err = this
                    .failure
                    .lock()
                    .ok()
                    .and_then(|mut f| f.take())
                    .unwrap_or(LoginError {
                        code: 1045,
                        sqlstate: "28000",
                        message: "Access denied".into(),
                    });
                let mut payload = vec![0xff];
                payload.extend_from_slice(&err.code.to_le_bytes());
                payload.push(b'#');
                payload.extend_from_slice(err.sqlstate.as_bytes());
                payload.extend_from_slice(err.message.as_bytes());
                let plen = payload.len() as u32;
                this.out.extend_from_slice(&plen.to_le_bytes()[..3]);
                this.out.push(seq);
                this.out.extend_from_slice(&payload);
                this.out.extend_from_slice(&rest);
            }
        }
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        Pin::new(&mut this.inner).poll_shutdown(cx)
    }
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

/// One connection's protocol handler.
struct Shim {
    ctx: Arc<SimContext>,
    session: Session,
    connection_id: u32,
    salt: [u8; 20],
    failure: LoginFailure,
    /// Plain connection while `require_secure_transport` is on: every login fails with 3159.
    insecure_refused: bool,
    statements: HashMap<u32, String>,
    next_statement: u32,
}

impl Shim {
    fn new(ctx: Arc<SimContext>, failure: LoginFailure) -> Shim {
        let connection_id = NEXT_CONNECTION_ID.fetch_add(1, Ordering::Relaxed);
        let mut salt = [0u8; 20];
        for b in &mut salt {
            // Printable ASCII without '$' (and never 0), like MySQL's scrambles.
            *b = loop {
                let c = rand::random_range(33u8..127);
                if c != b'$' {
                    break c;
                }
            };
        }
        Shim {
            session: Session {
                current_db: None,
                user: ctx.info.user.clone(),
                tls: false,
                connection_id,
            },
            ctx,
            connection_id,
            salt,
            failure,
            insecure_refused: false,
            statements: HashMap::new(),
            next_statement: 1,
        }
    }

    fn refuse(&self, err: LoginError) -> bool {
        if let Ok(mut f) = self.failure.lock() {
            *f = Some(err);
        }
        false
    }
}

/// mysql_native_password: SHA1(pw) XOR SHA1(salt + SHA1(SHA1(pw))).
fn native_password_scramble(salt: &[u8], password: &str) -> Vec<u8> {
    use sha1::{Digest, Sha1};
    let stage1 = Sha1::digest(password.as_bytes());
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(salt);
    h.update(stage2);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
}

fn error_kind(code: u16) -> ErrorKind {
    match code {
        1007 => ErrorKind::ER_DB_CREATE_EXISTS,
        1008 => ErrorKind::ER_DB_DROP_EXISTS,
        1045 => ErrorKind::ER_ACCESS_DENIED_ERROR,
        1046 => ErrorKind::ER_NO_DB_ERROR,
        1049 => ErrorKind::ER_BAD_DB_ERROR,
        1050 => ErrorKind::ER_TABLE_EXISTS_ERROR,
        1051 => ErrorKind::ER_BAD_TABLE_ERROR,
        1064 => ErrorKind::ER_PARSE_ERROR,
        1146 => ErrorKind::ER_NO_SUCH_TABLE,
        1193 => ErrorKind::ER_UNKNOWN_SYSTEM_VARIABLE,
        1210 => ErrorKind::ER_WRONG_ARGUMENTS,
        1243 => ErrorKind::ER_UNKNOWN_STMT_HANDLER,
        _ => ErrorKind::ER_UNKNOWN_ERROR,
    }
}

fn mysql_type(t: ColType) -> ColumnType {
    match t {
        ColType::Text => ColumnType::MYSQL_TYPE_VAR_STRING,
        ColType::Int => ColumnType::MYSQL_TYPE_LONGLONG,
        ColType::Double => ColumnType::MYSQL_TYPE_DOUBLE,
        ColType::Decimal => ColumnType::MYSQL_TYPE_NEWDECIMAL,
    }
}

fn columns_of(cols: &[(String, ColType)]) -> Vec<Column> {
    cols.iter()
        .map(|(name, t)| Column {
            table: String::new(),
            column: name.clone(),
            coltype: mysql_type(*t),
            colflags: ColumnFlags::empty(),
        })
        .collect()
}

/// Writes a result (rows, OK or error). `binary` for `COM_STMT_EXECUTE`, where values must
/// match the column types.
async fn write_result<W: AsyncWrite + Send + Unpin>(
    results: QueryResultWriter<'_, W>,
    result: Result<QueryResult, SqlError>,
    binary: bool,
) -> io::Result<()> {
    match result {
        Ok(QueryResult::Ok { affected_rows }) => {
            results
                .completed(OkResponse {
                    affected_rows,
                    ..Default::default()
                })
                .await
        }
        Ok(QueryResult::Rows { columns, rows }) => {
            let cols = columns_of(&columns);
            let mut w = results.start(&cols).await?;
            for row in &rows {
                for (value, (_, t)) in row.iter().zip(&columns) {
                    let v = value.as_deref();
                    match (binary, t, v) {
                        (_, _, None) => w.write_col(None::<&str>)?,
                        (true, ColType::Int, Some(s)) => match s.parse::<i64>() {
                            Ok(i) => w.write_col(i)?,
                            Err(_) => w.write_col(None::<i64>)?,
                        },
                        (true, ColType::Double, Some(s)) => match s.parse::<f64>() {
                            Ok(x) => w.write_col(x)?,
                            Err(_) => w.write_col(None::<f64>)?,
                        },
                        (_, _, Some(s)) => w.write_col(s)?,
                    }
                }
                w.end_row().await?;
            }
            w.finish().await
        }
        Err(e) => {
            results
                .error(error_kind(e.code), e.message.as_bytes())
                .await
        }
    }
}

fn param_of(value: ValueInner<'_>) -> Param {
    match value {
        ValueInner::NULL => Param::Null,
        ValueInner::Bytes(b) => Param::Text(String::from_utf8_lossy(b).into_owned()),
        ValueInner::Int(i) => Param::Int(i),
        ValueInner::UInt(u) => Param::UInt(u),
        ValueInner::Double(x) => Param::Double(x),
        ValueInner::Date(b) | ValueInner::Datetime(b) => Param::Text(binary_datetime(b)),
        ValueInner::Time(_) => Param::Null,
    }
}

/// The binary DATE/DATETIME encoding: length-prefixed year (LE u16), month, day, h, m, s, µs.
fn binary_datetime(b: &[u8]) -> String {
    let get = |i: usize| b.get(i).copied().unwrap_or(0);
    let year = u16::from_le_bytes([get(0), get(1)]);
    let mut s = format!("{year:04}-{:02}-{:02}", get(2), get(3));
    if b.len() >= 7 {
        s.push_str(&format!(" {:02}:{:02}:{:02}", get(4), get(5), get(6)));
    }
    if b.len() >= 11 {
        let us = u32::from_le_bytes([get(7), get(8), get(9), get(10)]);
        s.push_str(&format!(".{us:06}"));
    }
    s
}

#[async_trait]
impl<W: AsyncWrite + Send + Unpin> AsyncMysqlShim<W> for Shim {
    type Error = io::Error;

    fn version(&self) -> String {
        sql::MYSQL_SERVER_VERSION.to_string()
    }

    fn connect_id(&self) -> u32 {
        self.connection_id
    }

    fn salt(&self) -> [u8; 20] {
        self.salt
    }

    async fn authenticate(
        &self,
        _auth_plugin: &str,
        username: &[u8],
        salt: &[u8],
        auth_data: &[u8],
    ) -> bool {
        let user = String::from_utf8_lossy(username);
        if self.insecure_refused {
            return self.refuse(LoginError {
                code: 3159,
                sqlstate: "08004",
                message: "Connections using insecure transport are prohibited while \
                          --require_secure_transport=ON."
                    .into(),
            });
        }
        // Some clients send a lone NUL for an empty password.
        let auth_data = if auth_data == [0] { &[][..] } else { auth_data };
        let password = &self.ctx.info.password;
        let password_ok = if password.is_empty() {
            auth_data.is_empty()
        } else {
            auth_data == native_password_scramble(salt, password).as_slice()
        };
        if user == self.ctx.info.user && password_ok {
            return true;
        }
        tracing::debug!("MySQL login refused for user '{user}'");
        self.refuse(LoginError {
            code: 1045,
            sqlstate: "28000",
            message: format!(
                "Access denied for user '{user}' (using password: {})",
                if auth_data.is_empty() { "NO" } else { "YES" }
            ),
        })
    }

    async fn on_prepare<'a>(
        &'a mut self,
        query: &'a str,
        info: StatementMetaWriter<'a, W>,
    ) -> io::Result<()> {
        match sql::prepare(&self.ctx, &self.session, query) {
            Ok(p) => {
                let id = self.next_statement;
                self.next_statement = self.next_statement.wrapping_add(1).max(1);
                self.statements.insert(id, query.to_string());
                let params: Vec<Column> = (0..p.params)
                    .map(|_| Column {
                        table: String::new(),
                        column: "?".to_string(),
                        coltype: ColumnType::MYSQL_TYPE_VAR_STRING,
                        colflags: ColumnFlags::empty(),
                    })
                    .collect();
                let cols = columns_of(&p.columns);
                info.reply(id, &params, &cols).await
            }
            Err(e) => info.error(error_kind(e.code), e.message.as_bytes()).await,
        }
    }

    async fn on_execute<'a>(
        &'a mut self,
        id: u32,
        params: ParamParser<'a>,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        let Some(query) = self.statements.get(&id).cloned() else {
            return results
                .error(
                    ErrorKind::ER_UNKNOWN_STMT_HANDLER,
                    format!("Unknown prepared statement handler ({id}) given to EXECUTE")
                        .as_bytes(),
                )
                .await;
        };
        let values: Vec<Param> = params
            .into_iter()
            .map(|p| param_of(p.value.into_inner()))
            .collect();
        let result = sql::execute_with_params(&self.ctx, &mut self.session, &query, &values);
        write_result(results, result, true).await
    }

    async fn on_close<'a>(&'a mut self, stmt: u32)
    where
        W: 'async_trait,
    {
        self.statements.remove(&stmt);
    }

    async fn on_query<'a>(
        &'a mut self,
        query: &'a str,
        results: QueryResultWriter<'a, W>,
    ) -> io::Result<()> {
        tracing::trace!("MySQL query: {query}");
        let result = sql::execute(&self.ctx, &mut self.session, query);
        write_result(results, result, false).await
    }

    async fn on_init<'a>(&'a mut self, db: &'a str, writer: InitWriter<'a, W>) -> io::Result<()> {
        match sql::use_database(&self.ctx, &mut self.session, db) {
            Ok(()) => writer.ok().await,
            Err(e) => writer.error(error_kind(e.code), e.message.as_bytes()).await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scramble_matches_a_known_mysql_value() {
        // Verified against MySQL's algorithm: the server stores SHA1(SHA1(pw)) and checks
        // SHA1(scramble XOR SHA1(salt + stored)) == stored.
        use sha1::{Digest, Sha1};
        let salt = b"01234567890123456789";
        let s = native_password_scramble(salt, "s3cret");
        let stored = Sha1::digest(Sha1::digest(b"s3cret"));
        let mut h = Sha1::new();
        h.update(salt);
        h.update(stored);
        let mix = h.finalize();
        let stage1: Vec<u8> = s.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect();
        assert_eq!(Sha1::digest(&stage1).as_slice(), stored.as_slice());
    }

    #[test]
    fn binary_datetimes_render_as_text() {
        assert_eq!(binary_datetime(&[0xe8, 0x07, 5, 28]), "2024-05-28");
        assert_eq!(
            binary_datetime(&[0xe8, 0x07, 5, 28, 19, 53, 17]),
            "2024-05-28 19:53:17"
        );
    }
}
