//! A counting, throttling HTTP proxy in front of a Kinesis endpoint.

use std::net::SocketAddr;

/// A loopback HTTP/1.1 proxy in front of a Kinesis endpoint that counts ListShards and GetRecords
/// calls and, while [`throttle`](Self::throttle) is on, answers every other GetRecords with
/// `ProvisionedThroughputExceededException` instead of forwarding it (ferrokinesis never
/// throttles reads). For tests and benchmarks.
pub struct KinesisProxy {
    /// `http://127.0.0.1:PORT`: use it as the endpoint URL.
    pub url: String,
    pub counts: std::sync::Arc<ProxyCounts>,
    task: tokio::task::JoinHandle<()>,
}

/// What a [`KinesisProxy`] saw.
#[derive(Debug, Default)]
pub struct ProxyCounts {
    pub list_shards: std::sync::atomic::AtomicU64,
    pub get_records: std::sync::atomic::AtomicU64,
    pub throttled: std::sync::atomic::AtomicU64,
    /// While true, every other GetRecords is throttled.
    pub throttle: std::sync::atomic::AtomicBool,
}

impl KinesisProxy {
    pub async fn start(upstream: SocketAddr) -> std::io::Result<KinesisProxy> {
        use std::sync::atomic::Ordering::Relaxed;
        use tokio::io::AsyncWriteExt;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let url = format!("http://{}", listener.local_addr()?);
        let counts = std::sync::Arc::new(ProxyCounts::default());
        let shared = counts.clone();
        let task = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let counts = shared.clone();
                tokio::spawn(async move {
                    let Ok(mut server) = tokio::net::TcpStream::connect(upstream).await else {
                        return;
                    };
                    while let Some(request) = read_http_message(&mut client).await {
                        let has = |n: &[u8]| request.windows(n.len()).any(|w| w == n);
                        if has(b"Kinesis_20131202.ListShards") {
                            counts.list_shards.fetch_add(1, Relaxed);
                        }
                        if has(b"Kinesis_20131202.GetRecords") {
                            let n = counts.get_records.fetch_add(1, Relaxed);
                            if counts.throttle.load(Relaxed) && n.is_multiple_of(2) {
                                counts.throttled.fetch_add(1, Relaxed);
                                let body = r#"{"__type":"ProvisionedThroughputExceededException","message":"Rate exceeded for shard (throttled by the test proxy)."}"#;
                                let answer = format!(
                                    "HTTP/1.1 400 Bad Request\r\nContent-Type: application/x-amz-json-1.1\r\nContent-Length: {}\r\n\r\n{body}",
                                    body.len()
                                );
                                if client.write_all(answer.as_bytes()).await.is_err() {
                                    return;
                                }
                                continue;
                            }
                        }
                        if server.write_all(&request).await.is_err() {
                            return;
                        }
                        let Some(response) = read_http_message(&mut server).await else {
                            return;
                        };
                        if client.write_all(&response).await.is_err() {
                            return;
                        }
                    }
                });
            }
        });
        Ok(KinesisProxy { url, counts, task })
    }
}

impl Drop for KinesisProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// One HTTP/1.1 message with a Content-Length body (what the SDK and ferrokinesis send).
async fn read_http_message(conn: &mut tokio::net::TcpStream) -> Option<Vec<u8>> {
    use tokio::io::AsyncReadExt;
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Some(buf);
            }
        }
        let n = conn.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
}
