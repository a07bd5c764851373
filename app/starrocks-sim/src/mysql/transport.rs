//! The connection's byte streams: a reader that can switch from TCP to TLS mid-handshake (and
//! clears CLIENT_SESSION_TRACK), the matching writer, and the writer that replaces opensrv's
//! login ERR packet with StarRocks'.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, ready};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

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
pub(super) struct Input {
    pub(super) stream: InputStream,
    /// Bytes read so far on the current stream, until the flag byte went past.
    seen: usize,
}

pub(super) enum InputStream {
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
    pub(super) fn new(stream: InputStream) -> Input {
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

pub(super) enum Output {
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
pub(super) struct LoginError {
    pub(super) code: u16,
    pub(super) sqlstate: &'static str,
    pub(super) message: String,
}

/// Set by the shim when it refuses a login; read by [`ErrRewrite`].
pub(super) type LoginFailure = Arc<Mutex<Option<LoginError>>>;

/// opensrv answers a refused login with its own ERR packet (1698 "Authenticate failed…"). This
/// writer swallows that next packet (4-byte header: 3-byte LE length + seq, then the payload)
/// once the shim has flagged a failure, and sends StarRocks' ERR packet with the same seq
/// instead. Everything else passes through untouched.
pub(super) struct ErrRewrite {
    pub(super) inner: Output,
    failure: LoginFailure,
    /// Bytes of the packet being swallowed.
    held: Vec<u8>,
    /// The replacement packet still to be written.
    out: Vec<u8>,
    out_pos: usize,
}

impl ErrRewrite {
    pub(super) fn new(inner: Output, failure: LoginFailure) -> ErrRewrite {
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
