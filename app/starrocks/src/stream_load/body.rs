//! A Stream Load body as a list of slices, sent one after another with one `Content-Length`.
//!
//! The engine's batches point into the GetRecords answers their records were decoded into
//! instead of copying every record into one buffer (BENCHMARKS.md, "(a) after issue 12"): a body
//! is then a few large slices (runs of consecutive records with their separators) and a few
//! small ones (the brackets, records that had to be copied).

use bytes::Bytes;
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

/// The bytes of one load. Cloning it is cheap (the slices are shared), so a redirect or a retry
/// sends the same body again without a copy.
#[derive(Clone, Default)]
pub struct LoadBody {
    parts: Arc<[Bytes]>,
    len: u64,
}

impl LoadBody {
    /// A body of these slices, in order (empty ones are left out).
    pub fn from_parts(parts: Vec<Bytes>) -> LoadBody {
        let parts: Arc<[Bytes]> = parts.into_iter().filter(|p| !p.is_empty()).collect();
        let len = parts.iter().map(|p| p.len() as u64).sum();
        LoadBody { parts, len }
    }

    /// Length in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The slices, in order.
    pub fn parts(&self) -> &[Bytes] {
        &self.parts
    }

    /// The body in one buffer (a copy): for the paths that read its rows (dead letters, tests).
    pub fn to_vec(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::try_from(self.len).unwrap_or(0));
        for p in self.parts.iter() {
            out.extend_from_slice(p);
        }
        out
    }

    /// The request body: one slice as it is; several as a stream of them whose exact length
    /// hyper sends as `Content-Length` (Stream Load needs it; no chunked encoding).
    pub(crate) fn to_request_body(&self) -> reqwest::Body {
        match &self.parts[..] {
            [] => reqwest::Body::from(Bytes::new()),
            [one] => reqwest::Body::from(one.clone()),
            _ => reqwest::Body::wrap(PartsBody {
                parts: self.parts.clone(),
                next: 0,
                remaining: self.len,
            }),
        }
    }
}

impl std::fmt::Debug for LoadBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LoadBody")
            .field("len", &self.len)
            .field("parts", &self.parts.len())
            .finish()
    }
}

impl From<Bytes> for LoadBody {
    fn from(b: Bytes) -> LoadBody {
        LoadBody::from_parts(vec![b])
    }
}

/// The slices as an `http_body::Body`: one data frame each, the exact length known up front.
struct PartsBody {
    parts: Arc<[Bytes]>,
    next: usize,
    remaining: u64,
}

impl http_body::Body for PartsBody {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<http_body::Frame<Bytes>, Infallible>>> {
        let Some(part) = self.parts.get(self.next).cloned() else {
            return Poll::Ready(None);
        };
        self.next += 1;
        self.remaining -= part.len() as u64;
        Poll::Ready(Some(Ok(http_body::Frame::data(part))))
    }

    fn is_end_stream(&self) -> bool {
        self.next >= self.parts.len()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        http_body::SizeHint::with_exact(self.remaining)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use http_body_util::BodyExt;

    #[tokio::test]
    async fn parts_are_sent_in_order_with_their_exact_length() {
        let body = LoadBody::from_parts(vec![
            Bytes::from_static(b"["),
            Bytes::new(),
            Bytes::from_static(br#"{"a":1},{"a":2}"#),
            Bytes::from_static(b"]"),
        ]);
        assert_eq!(body.len(), 17);
        assert_eq!(body.parts().len(), 3, "empty slices are left out");
        let request = body.to_request_body();
        assert_eq!(http_body::Body::size_hint(&request).exact(), Some(17));
        let sent = request.collect().await.unwrap().to_bytes();
        assert_eq!(&sent[..], br#"[{"a":1},{"a":2}]"#);
        assert_eq!(body.to_vec(), sent.to_vec());
    }

    /// What goes on the wire: a `Content-Length`, never chunked encoding (StarRocks' Stream Load
    /// wants the length).
    #[tokio::test]
    async fn the_request_carries_content_length() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut conn, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            // Headers, then the 17 bytes of body.
            while !got.windows(4).any(|w| w == b"\r\n\r\n")
                || got.len() - got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() - 4 < 17
            {
                let n = conn.read(&mut buf).await.unwrap();
                assert!(
                    n > 0,
                    "the client closed early: {}",
                    String::from_utf8_lossy(&got)
                );
                got.extend_from_slice(&buf[..n]);
            }
            conn.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
                .await
                .unwrap();
            String::from_utf8(got).unwrap()
        });
        let body = LoadBody::from_parts(vec![
            Bytes::from_static(b"["),
            Bytes::from_static(br#"{"a":1},{"a":2}"#),
            Bytes::from_static(b"]"),
        ]);
        reqwest::Client::new()
            .put(format!("http://{addr}/api/db/t/_stream_load"))
            .body(body.to_request_body())
            .send()
            .await
            .unwrap();
        let request = server.await.unwrap().to_ascii_lowercase();
        assert!(request.contains("content-length: 17\r\n"), "{request}");
        assert!(!request.contains("transfer-encoding"), "{request}");
        assert!(request.ends_with(r#"[{"a":1},{"a":2}]"#), "{request}");
    }
}
