//! A loopback STS that answers every request with one fixed identity: ferrokinesis has no STS, and
//! the wizard's "who am I" and credentials checks ask it.

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// The local identity's account.
pub const LOCAL_ACCOUNT: &str = "000000000000";
/// The local identity's ARN.
pub const LOCAL_ARN: &str = "arn:aws:iam::000000000000:user/local-demo";

/// GetCallerIdentity's answer for the local identity.
const IDENTITY_XML: &str = "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\
<GetCallerIdentityResult><Arn>arn:aws:iam::000000000000:user/local-demo</Arn>\
<UserId>AIDALOCALDEMO</UserId><Account>000000000000</Account></GetCallerIdentityResult>\
<ResponseMetadata><RequestId>local-demo</RequestId></ResponseMetadata></GetCallerIdentityResponse>";

/// The loopback STS on `127.0.0.1:PORT`; dropping it stops the server.
pub struct LocalSts {
    /// `http://127.0.0.1:PORT`: the STS endpoint URL.
    pub url: String,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for LocalSts {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl LocalSts {
    pub async fn start() -> std::io::Result<LocalSts> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            while let Ok((conn, _)) = listener.accept().await {
                tokio::spawn(answer(conn));
            }
        });
        Ok(LocalSts {
            url: format!("http://{addr}"),
            task,
        })
    }
}

/// Reads one request (headers and a Content-Length body), answers with the identity, closes.
async fn answer(mut conn: tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = conn.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf);
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    let (k, v) = l.split_once(':')?;
                    k.eq_ignore_ascii_case("content-length")
                        .then(|| v.trim().parse::<usize>().ok())?
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                break;
            }
        }
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/xml\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{IDENTITY_XML}",
        IDENTITY_XML.len()
    );
    let _ = conn.write_all(response.as_bytes()).await;
    let _ = conn.shutdown().await;
}
