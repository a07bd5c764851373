//! A StarRocks stand-in for tests and the local demo: the MySQL protocol on the query port, the FE
//! HTTP port (auth, the `Expect: 100-continue` rule, 307 to the BE, the transaction API) and the BE
//! HTTP port (Stream Load with labels, formats, conversions, filtering and ErrorURL), plus fault
//! injection. Built from `docs/starrocks-protocol.md`; see README.md for what it models
//! and what it does not.

pub mod catalog;
pub mod expr;
pub mod faults;
pub mod http;
pub mod load;
pub mod mysql;
pub mod sql;
pub mod tls;
pub mod types;

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use catalog::Catalog;
pub use faults::{Fault, Faults, RecordedRequest};

/// How to start the stand-in. Ports 0 mean "pick a free port".
#[derive(Debug, Clone)]
pub struct SimConfig {
    pub bind: IpAddr,
    pub mysql_port: u16,
    pub http_port: u16,
    pub be_port: u16,
    pub user: String,
    pub password: String,
    /// The host the FE's 307 points at (default: the bind address). A name that does not resolve
    /// reproduces the cloud/Kubernetes "redirect to an internal BE address" failure.
    pub be_host: Option<String>,
    /// Port in the 307 `Location` (default: the BE port actually bound).
    pub be_redirect_port: Option<u16>,
    /// StarRocks version, e.g. `3.3.5`; `select current_version()` answers `3.3.5 <hash>`.
    pub version: String,
    pub data_dir: Option<PathBuf>,
    /// PEM certificate and key: TLS on the MySQL port and HTTPS on the FE HTTP port.
    pub tls: Option<TlsFiles>,
    /// Refuse MySQL logins that did not switch to TLS (CelerData's behaviour).
    pub require_secure_transport: bool,
    /// Tables the user may INSERT into (`db.table` or `db.*`); `None` = all (the user is root-like).
    pub insert_grants: Option<Vec<String>>,
    /// The JSON body limit (BE `streaming_load_max_batch_size_mb`): 100 MB like StarRocks;
    /// tests lower it to exercise the limit cheaply.
    pub max_json_bytes: u64,
}

#[derive(Debug, Clone)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

impl TlsFiles {
    /// A fresh self-signed certificate for 127.0.0.1 and localhost, written to `cert.pem` and
    /// `key.pem` in `dir`; also returns the certificate's PEM (a client's CA for it).
    pub fn self_signed(dir: &std::path::Path) -> std::io::Result<(TlsFiles, Vec<u8>)> {
        let ck = rcgen::generate_simple_self_signed(vec![
            "127.0.0.1".to_string(),
            "localhost".to_string(),
        ])
        .map_err(std::io::Error::other)?;
        let cert = dir.join("cert.pem");
        let key = dir.join("key.pem");
        let pem = ck.cert.pem();
        std::fs::write(&cert, &pem)?;
        std::fs::write(&key, ck.signing_key.serialize_pem())?;
        Ok((TlsFiles { cert, key }, pem.into_bytes()))
    }
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            bind: IpAddr::V4(Ipv4Addr::LOCALHOST),
            mysql_port: 0,
            http_port: 0,
            be_port: 0,
            user: "root".into(),
            password: String::new(),
            be_host: None,
            be_redirect_port: None,
            version: "3.3.5".into(),
            data_dir: None,
            tls: None,
            require_secure_transport: false,
            insert_grants: None,
            max_json_bytes: load::DEFAULT_MAX_JSON_BYTES,
        }
    }
}

/// What the running stand-in is: shared read-only by every front end.
#[derive(Debug, Clone)]
pub struct SimInfo {
    pub version: String,
    /// 7-hex-digit build hash shown by `current_version()`.
    pub commit_hash: String,
    pub user: String,
    pub password: String,
    pub mysql_addr: SocketAddr,
    pub http_addr: SocketAddr,
    pub be_addr: SocketAddr,
    /// Host and port the FE redirects Stream Loads to.
    pub be_host: String,
    pub be_redirect_port: u16,
    pub https: bool,
    pub require_secure_transport: bool,
    pub insert_grants: Option<Vec<String>>,
    pub max_json_bytes: u64,
    pub started_ms: u64,
}

impl SimInfo {
    /// `3.3.5 a1b2c3d`.
    pub fn current_version(&self) -> String {
        format!("{} {}", self.version, self.commit_hash)
    }

    /// Whether the user may load into `db.table`.
    pub fn may_insert(&self, db: &str, table: &str) -> bool {
        match &self.insert_grants {
            None => true,
            Some(grants) => grants
                .iter()
                .any(|g| g == &format!("{db}.{table}") || g == &format!("{db}.*") || g == "*.*"),
        }
    }
}

/// Everything a connection handler needs.
pub struct SimContext {
    pub info: SimInfo,
    pub catalog: Arc<Catalog>,
    pub faults: Arc<Faults>,
    pub tls: Option<tls::TlsMaterial>,
}

/// A running stand-in. Dropping it does not stop it; call [`StarRocksSim::shutdown`].
pub struct StarRocksSim {
    ctx: Arc<SimContext>,
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("cannot bind {what} port {addr}: {source}")]
    Bind {
        what: &'static str,
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("cannot open the data dir {path}: {source}")]
    DataDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("TLS: {0}")]
    Tls(String),
}

impl StarRocksSim {
    /// Starts the three listeners and returns once they accept connections.
    pub async fn start(config: SimConfig) -> Result<StarRocksSim, StartError> {
        let bind = |port: u16, what: &'static str| {
            let addr = SocketAddr::new(config.bind, port);
            async move {
                TcpListener::bind(addr)
                    .await
                    .map_err(|source| StartError::Bind { what, addr, source })
            }
        };
        let mysql_listener = bind(config.mysql_port, "MySQL").await?;
        let http_listener = bind(config.http_port, "FE HTTP").await?;
        let be_listener = bind(config.be_port, "BE HTTP").await?;
        let local = |l: &TcpListener| l.local_addr().expect("bound listener has an address");
        let (mysql_addr, http_addr, be_addr) = (
            local(&mysql_listener),
            local(&http_listener),
            local(&be_listener),
        );

        let catalog = match &config.data_dir {
            Some(dir) => Catalog::open(dir).map_err(|source| StartError::DataDir {
                path: dir.clone(),
                source,
            })?,
            None => Catalog::in_memory(),
        };
        let tls = match &config.tls {
            Some(files) => Some(tls::TlsMaterial::load(files).map_err(StartError::Tls)?),
            None => None,
        };
        let info = SimInfo {
            commit_hash: commit_hash(&config.version),
            version: config.version.clone(),
            user: config.user.clone(),
            password: config.password.clone(),
            mysql_addr,
            http_addr,
            be_addr,
            be_host: config
                .be_host
                .clone()
                .unwrap_or_else(|| be_addr.ip().to_string()),
            be_redirect_port: config.be_redirect_port.unwrap_or(be_addr.port()),
            https: tls.is_some(),
            require_secure_transport: config.require_secure_transport,
            insert_grants: config.insert_grants.clone(),
            max_json_bytes: config.max_json_bytes,
            started_ms: catalog::now_ms(),
        };
        let ctx = Arc::new(SimContext {
            info,
            catalog: Arc::new(catalog),
            faults: Arc::new(Faults::default()),
            tls,
        });
        let (shutdown, rx) = watch::channel(false);
        let tasks = vec![
            tokio::spawn(mysql::serve(mysql_listener, ctx.clone(), rx.clone())),
            tokio::spawn(http::serve(
                http::Port::Fe,
                http_listener,
                ctx.clone(),
                rx.clone(),
            )),
            tokio::spawn(http::serve(http::Port::Be, be_listener, ctx.clone(), rx)),
        ];
        tracing::info!(
            "starrocks-sim {} listening: MySQL {mysql_addr}, FE HTTP {http_addr}, BE HTTP {be_addr}",
            ctx.info.current_version()
        );
        Ok(StarRocksSim {
            ctx,
            shutdown,
            tasks,
        })
    }

    pub fn info(&self) -> &SimInfo {
        &self.ctx.info
    }

    pub fn mysql_addr(&self) -> SocketAddr {
        self.ctx.info.mysql_addr
    }

    pub fn http_addr(&self) -> SocketAddr {
        self.ctx.info.http_addr
    }

    pub fn be_addr(&self) -> SocketAddr {
        self.ctx.info.be_addr
    }

    /// `http(s)://127.0.0.1:PORT` of the FE HTTP port, as a `load-url`.
    pub fn load_url(&self) -> String {
        let scheme = if self.ctx.info.https { "https" } else { "http" };
        format!("{scheme}://{}", self.ctx.info.http_addr)
    }

    /// `jdbc:mysql://127.0.0.1:PORT`.
    pub fn jdbc_url(&self) -> String {
        format!("jdbc:mysql://{}", self.ctx.info.mysql_addr)
    }

    pub fn catalog(&self) -> &Arc<Catalog> {
        &self.ctx.catalog
    }

    pub fn faults(&self) -> &Arc<Faults> {
        &self.ctx.faults
    }

    /// Stops accepting and ends the listener tasks.
    pub async fn shutdown(self) {
        let _ = self.shutdown.send(true);
        for t in self.tasks {
            let _ = t.await;
        }
    }
}

/// A stable fake build hash per version, so `current_version()` looks like StarRocks'.
fn commit_hash(version: &str) -> String {
    use sha1::{Digest, Sha1};
    let digest = Sha1::digest(format!("starrocks-sim {version}").as_bytes());
    digest
        .iter()
        .take(4)
        .map(|b| format!("{b:02x}"))
        .collect::<String>()[..7]
        .to_string()
}
