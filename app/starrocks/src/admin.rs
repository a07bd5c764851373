//! The MySQL-protocol side of StarRocks (FE query port, 9030): version, table schema, grants and
//! DDL, over the synchronous `mysql` crate. Every call runs on tokio's blocking pool.
//!
//! Queries are the ones flink-connector-starrocks runs (protocol reference §4): `select
//! current_version() as ver` and the `information_schema.COLUMNS` prepared statement.

use crate::tls::ensure_crypto_provider;
use ks_core::Secret;
use ks_core::config::{JdbcUrl, SslMode};
use mysql::prelude::Queryable;
use mysql::{Conn, OptsBuilder, Row, SslOpts, Value};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// `select current_version() as ver`, parsed.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct StarRocksVersion {
    pub major: u32,
    pub minor: u32,
    pub patch: u32,
    /// As StarRocks sent it, e.g. `3.3.5 a1b2c3d`.
    pub text: String,
}

impl StarRocksVersion {
    /// Parses `^(\d+)\.(\d+)\.(\d+)` like the connector's `StarRocksVersion`.
    pub fn parse(text: &str) -> Option<StarRocksVersion> {
        let t = text.trim();
        let mut nums = [0u32; 3];
        let mut rest = t;
        for (i, n) in nums.iter_mut().enumerate() {
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            if digits.is_empty() {
                return None;
            }
            *n = digits.parse().ok()?;
            rest = &rest[digits.len()..];
            if i < 2 {
                rest = rest.strip_prefix('.')?;
            }
        }
        Some(StarRocksVersion {
            major: nums[0],
            minor: nums[1],
            patch: nums[2],
            text: t.to_string(),
        })
    }

    /// Whether this is at least `major.minor.patch`.
    pub fn at_least(&self, major: u32, minor: u32, patch: u32) -> bool {
        (self.major, self.minor, self.patch) >= (major, minor, patch)
    }
}

impl fmt::Display for StarRocksVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.major, self.minor, self.patch)
    }
}

/// One column of a table, from `information_schema.COLUMNS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ColumnInfo {
    pub name: String,
    /// 1-based.
    pub ordinal: u64,
    /// Lower-case base type: `bigint`, `varchar`, `datetime`, `decimal`, `json`, …
    pub data_type: String,
    /// The full type, e.g. `varchar(65533)`, `decimal(18,4)` (may be empty on old versions).
    pub column_type: String,
    pub nullable: bool,
    /// A key column (`COLUMN_KEY` non-empty: `PRI`, `UNI`, `DUP`, `AGG`).
    pub key: bool,
    /// `COLUMN_SIZE`.
    pub size: Option<u64>,
    /// `DECIMAL_DIGITS`.
    pub digits: Option<u64>,
}

/// Why a MySQL-protocol call failed, classified for the preflight checks and the CLI.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AdminError {
    /// DNS or TCP: the host:port cannot be reached.
    #[error(
        "cannot connect to StarRocks at {address}: {reason}; check sink.jdbc-url (the FE query port, usually 9030), that the cluster is up, and that this machine is allowed on that port (security group inbound rule)"
    )]
    Unreachable { address: String, reason: String },
    /// ERROR 3159: the server refuses connections without TLS (CelerData).
    #[error(
        "StarRocks at {address} requires TLS ({message}); set sink.ssl-mode = \"required\" (or verify-ca / verify-identity)"
    )]
    TlsRequired { address: String, message: String },
    /// ssl-mode requires TLS but the server does not offer it.
    #[error(
        "StarRocks at {address} does not offer TLS on the MySQL port, but sink.ssl-mode = \"{mode}\" requires it; enable TLS on the FE or use ssl-mode = \"preferred\""
    )]
    TlsNotOffered { address: String, mode: String },
    /// The TLS handshake or the certificate check failed.
    #[error(
        "TLS with StarRocks at {address} failed: {message}; with ssl-mode verify-ca/verify-identity the server certificate must chain to a trusted CA (sink.ssl-ca for a private one) and, for verify-identity, name the host"
    )]
    Tls { address: String, message: String },
    /// ERROR 1045.
    #[error(
        "StarRocks at {address} refused the login of {user:?}: {message}; check sink.username and the password (password-file, STARROCKS_PASSWORD or the keyring)"
    )]
    AccessDenied {
        address: String,
        user: String,
        message: String,
    },
    /// ERROR 1049.
    #[error("{message}; create the database or fix sink.database-name")]
    UnknownDatabase { message: String },
    /// `select current_version()` failed (the connector's "Failed to get StarRocks version").
    #[error(
        "Failed to get StarRocks version: {message}; check that sink.jdbc-url points at a StarRocks FE query port"
    )]
    Version { message: String },
    /// Any other SQL error.
    #[error("StarRocks ERROR {code}: {message}")]
    Sql { code: u16, message: String },
    /// Anything else (connection lost mid-query, a value we cannot read…).
    #[error("StarRocks at {address}: {message}")]
    Other { address: String, message: String },
}

impl AdminError {
    /// The MySQL error code, when StarRocks sent one.
    pub fn code(&self) -> Option<u16> {
        match self {
            AdminError::TlsRequired { .. } => Some(3159),
            AdminError::AccessDenied { .. } => Some(1045),
            AdminError::UnknownDatabase { .. } => Some(1049),
            AdminError::Sql { code, .. } => Some(*code),
            _ => None,
        }
    }
}

/// The connector's schema query, extended with two standard columns (`COLUMN_TYPE`,
/// `IS_NULLABLE`), run as a prepared statement.
pub const COLUMNS_QUERY: &str = "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, `DATA_TYPE`, \
     `COLUMN_SIZE`, `DECIMAL_DIGITS`, `COLUMN_TYPE`, `IS_NULLABLE` from `information_schema`.`COLUMNS` \
     where `TABLE_SCHEMA`=? and `TABLE_NAME`=?";

/// A connection to the FE's MySQL port. Cheap to clone; calls are serialized on one connection.
#[derive(Clone)]
pub struct MysqlAdmin {
    conn: Arc<Mutex<Conn>>,
    address: String,
    user: String,
    /// Whether the session is encrypted.
    tls: bool,
}

impl fmt::Debug for MysqlAdmin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MysqlAdmin")
            .field("address", &self.address)
            .field("user", &self.user)
            .field("tls", &self.tls)
            .finish()
    }
}

impl MysqlAdmin {
    /// Connects and logs in. TLS per `ssl_mode` (MySQL's semantics): `disabled` never,
    /// `preferred` when the server offers it (certificate not checked), `required` always
    /// (certificate not checked), `verify-ca` checks the chain, `verify-identity` also the name.
    /// `timeout` bounds the TCP connect and each read/write.
    pub async fn connect(
        jdbc: &JdbcUrl,
        user: &str,
        password: &Secret,
        ssl_mode: SslMode,
        timeout: Duration,
    ) -> Result<MysqlAdmin, AdminError> {
        MysqlAdmin::connect_with_ca(jdbc, user, password, ssl_mode, None, timeout).await
    }

    /// [`MysqlAdmin::connect`] with a CA certificate file (PEM) trusted in addition to the
    /// built-in roots, for verify-ca / verify-identity against a private CA (`sink.ssl-ca`).
    pub async fn connect_with_ca(
        jdbc: &JdbcUrl,
        user: &str,
        password: &Secret,
        ssl_mode: SslMode,
        ca: Option<PathBuf>,
        timeout: Duration,
    ) -> Result<MysqlAdmin, AdminError> {
        ensure_crypto_provider();
        let host = jdbc.host.clone();
        let port = jdbc.port;
        let address = jdbc.authority();
        let user = user.to_string();
        let password = password.clone();
        let addr = address.clone();
        let u = user.clone();
        let (conn, tls) = tokio::task::spawn_blocking(move || {
            let base = OptsBuilder::new()
                .ip_or_hostname(Some(host))
                .tcp_port(port)
                .user(Some(u.clone()))
                .pass(Some(password.expose().to_string()))
                .prefer_socket(false)
                .tcp_connect_timeout(Some(timeout))
                .read_timeout(Some(timeout.max(Duration::from_secs(30))))
                .write_timeout(Some(timeout.max(Duration::from_secs(30))))
                .stmt_cache_size(Some(16));
            let tls_opts = |verify_chain: bool, verify_name: bool| {
                let mut o = SslOpts::default()
                    .with_danger_accept_invalid_certs(!verify_chain)
                    .with_danger_skip_domain_validation(!verify_name);
                if let Some(ca) = &ca {
                    o = o.with_root_cert_path(Some(ca.clone()));
                }
                o
            };
            let attempt = |ssl: Option<SslOpts>| {
                let tls = ssl.is_some();
                Conn::new(base.clone().ssl_opts(ssl))
                    .map(|c| (c, tls))
                    .map_err(|e| classify(e, &addr, &u, ssl_mode))
            };
            match ssl_mode {
                SslMode::Disabled => attempt(None),
                SslMode::Preferred => match attempt(Some(tls_opts(false, false))) {
                    Err(AdminError::TlsNotOffered { .. }) => attempt(None),
                    other => other,
                },
                SslMode::Required => attempt(Some(tls_opts(false, false))),
                SslMode::VerifyCa => attempt(Some(tls_opts(true, false))),
                SslMode::VerifyIdentity => attempt(Some(tls_opts(true, true))),
            }
        })
        .await
        .map_err(|e| AdminError::Other {
            address: address.clone(),
            message: format!("the connect task failed: {e}"),
        })??;
        tracing::debug!(address = %address, user = %user, tls, "connected to StarRocks (MySQL protocol)");
        Ok(MysqlAdmin {
            conn: Arc::new(Mutex::new(conn)),
            address,
            user,
            tls,
        })
    }

    /// `host:port` of the FE.
    pub fn address(&self) -> &str {
        &self.address
    }

    /// Whether the session is encrypted.
    pub fn is_tls(&self) -> bool {
        self.tls
    }

    /// Runs `f` on the connection on the blocking pool.
    async fn with_conn<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Conn) -> Result<R, mysql::Error> + Send + 'static,
    ) -> Result<R, AdminError> {
        let conn = self.conn.clone();
        let address = self.address.clone();
        let user = self.user.clone();
        let a = address.clone();
        tokio::task::spawn_blocking(move || {
            let mut c = conn.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut c).map_err(|e| classify(e, &a, &user, SslMode::Disabled))
        })
        .await
        .map_err(|e| AdminError::Other {
            address,
            message: format!("the query task failed: {e}"),
        })?
    }

    /// `select current_version() as ver` → `3.3.5 a1b2c3d`, parsed.
    pub async fn version(&self) -> Result<StarRocksVersion, AdminError> {
        let text = self
            .with_conn(|c| c.query_first::<Row, _>("select current_version() as ver"))
            .await
            .map_err(|e| AdminError::Version {
                message: e.to_string(),
            })?;
        let text = text
            .and_then(|row| row.as_ref(0).and_then(value_text))
            .ok_or_else(|| AdminError::Version {
                message: "select current_version() returned no row".into(),
            })?;
        StarRocksVersion::parse(&text).ok_or_else(|| AdminError::Version {
            message: format!("cannot read a version number in {text:?}"),
        })
    }

    /// The columns of `db.table` in ordinal order, or `None` when the table does not exist.
    pub async fn table_schema(
        &self,
        db: &str,
        table: &str,
    ) -> Result<Option<Vec<ColumnInfo>>, AdminError> {
        let (d, t) = (db.to_string(), table.to_string());
        let rows: Vec<Row> = self
            .with_conn(move |c| c.exec(COLUMNS_QUERY, (d, t)))
            .await?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut columns = Vec::with_capacity(rows.len());
        for row in &rows {
            let text = |i: usize| row.as_ref(i).and_then(value_text);
            let num = |i: usize| row.as_ref(i).and_then(value_u64);
            let name = text(0).ok_or_else(|| AdminError::Other {
                address: self.address.clone(),
                message: "information_schema.COLUMNS returned a column without a name".into(),
            })?;
            let nullable = text(7)
                .map(|v| v.eq_ignore_ascii_case("yes"))
                .unwrap_or(true);
            columns.push(ColumnInfo {
                name,
                ordinal: num(1).unwrap_or(0),
                key: text(2).is_some_and(|k| !k.trim().is_empty()),
                data_type: text(3).unwrap_or_default().to_ascii_lowercase(),
                size: num(4),
                digits: num(5),
                column_type: text(6).unwrap_or_default(),
                nullable,
            });
        }
        columns.sort_by_key(|c| c.ordinal);
        Ok(Some(columns))
    }

    /// `SHOW GRANTS`: the `Grants` column of each row, e.g.
    /// `GRANT SELECT, INSERT ON TABLE example_db.stock TO USER 'u'@'%'`.
    pub async fn grants(&self) -> Result<Vec<String>, AdminError> {
        let rows: Vec<Row> = self.with_conn(|c| c.query("SHOW GRANTS")).await?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                // `Grants` by name; else the last column (role grants have other headings).
                let idx = r
                    .columns_ref()
                    .iter()
                    .position(|c| c.name_str().eq_ignore_ascii_case("grants"))
                    .unwrap_or_else(|| r.len().saturating_sub(1));
                r.as_ref(idx).and_then(value_text)
            })
            .collect())
    }

    /// Runs one statement (DDL, `USE`, `SET`…), discarding any result.
    pub async fn execute(&self, sql: &str) -> Result<(), AdminError> {
        let sql = sql.to_string();
        self.with_conn(move |c| c.query_drop(sql)).await
    }

    /// Runs a query and returns its rows as text (`None` for NULL).
    pub async fn query(&self, sql: &str) -> Result<Vec<Vec<Option<String>>>, AdminError> {
        let sql = sql.to_string();
        let rows: Vec<Row> = self.with_conn(move |c| c.query(sql)).await?;
        Ok(rows
            .iter()
            .map(|r| {
                (0..r.len())
                    .map(|i| r.as_ref(i).and_then(value_text))
                    .collect()
            })
            .collect())
    }

    pub async fn database_exists(&self, db: &str) -> Result<bool, AdminError> {
        let d = db.to_string();
        let rows: Vec<Row> = self
            .with_conn(move |c| {
                c.exec(
                    "select SCHEMA_NAME from information_schema.SCHEMATA where SCHEMA_NAME = ?",
                    (d,),
                )
            })
            .await?;
        Ok(!rows.is_empty())
    }

    pub async fn table_exists(&self, db: &str, table: &str) -> Result<bool, AdminError> {
        let (d, t) = (db.to_string(), table.to_string());
        let rows: Vec<Row> = self
            .with_conn(move |c| {
                c.exec(
                    "select TABLE_NAME from information_schema.TABLES where TABLE_SCHEMA = ? and TABLE_NAME = ?",
                    (d, t),
                )
            })
            .await?;
        Ok(!rows.is_empty())
    }
}

fn value_text(v: &Value) -> Option<String> {
    match v {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(d) => Some(d.to_string()),
        other => Some(other.as_sql(true).trim_matches('\'').to_string()),
    }
}

fn value_u64(v: &Value) -> Option<u64> {
    match v {
        Value::Int(i) => u64::try_from(*i).ok(),
        Value::UInt(u) => Some(*u),
        Value::Bytes(b) => std::str::from_utf8(b).ok()?.trim().parse().ok(),
        Value::Double(d) if *d >= 0.0 => Some(*d as u64),
        _ => None,
    }
}

/// Classifies a `mysql` crate error. `address`/`user` are for the messages.
fn classify(e: mysql::Error, address: &str, user: &str, ssl_mode: SslMode) -> AdminError {
    use mysql::DriverError as D;
    use mysql::Error as E;
    let address = address.to_string();
    match e {
        E::MySqlError(m) => match m.code {
            1045 => AdminError::AccessDenied {
                address,
                user: user.to_string(),
                message: m.message,
            },
            3159 => AdminError::TlsRequired {
                address,
                message: format!("ERROR 3159: {}", m.message),
            },
            1049 => AdminError::UnknownDatabase { message: m.message },
            code => AdminError::Sql {
                code,
                message: m.message,
            },
        },
        E::DriverError(D::CouldNotConnect(Some((_, desc, _)))) => AdminError::Unreachable {
            address,
            reason: desc,
        },
        E::DriverError(D::CouldNotConnect(None)) => AdminError::Unreachable {
            address,
            reason: "no address to connect to".into(),
        },
        E::DriverError(D::ConnectTimeout) => AdminError::Unreachable {
            address,
            reason: "the connection timed out".into(),
        },
        E::DriverError(D::TlsNotSupported) => AdminError::TlsNotOffered {
            address,
            mode: ssl_mode.as_str().to_string(),
        },
        E::TlsError(t) => AdminError::Tls {
            address,
            message: t.to_string(),
        },
        E::IoError(io) => {
            let text = io.to_string();
            let lower = text.to_ascii_lowercase();
            if lower.contains("lookup")
                || lower.contains("resolve")
                || lower.contains("name or service")
            {
                AdminError::Unreachable {
                    address,
                    reason: format!("the name does not resolve ({text})"),
                }
            } else if matches!(
                io.kind(),
                std::io::ErrorKind::ConnectionRefused | std::io::ErrorKind::TimedOut
            ) {
                AdminError::Unreachable {
                    address,
                    reason: text,
                }
            } else if lower.contains("certificate") || lower.contains("tls") {
                AdminError::Tls {
                    address,
                    message: text,
                }
            } else {
                AdminError::Other {
                    address,
                    message: text,
                }
            }
        }
        other => {
            // Certificate failures arrive wrapped (`CodecError { IO error: invalid peer
            // certificate: UnknownIssuer }`).
            let message = other.to_string();
            let lower = message.to_ascii_lowercase();
            if lower.contains("certificate") || lower.contains("tls") || lower.contains("handshake")
            {
                AdminError::Tls { address, message }
            } else {
                AdminError::Other { address, message }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_parse_like_the_connector() {
        let v = StarRocksVersion::parse("3.3.5 a1b2c3d").unwrap();
        assert_eq!((v.major, v.minor, v.patch), (3, 3, 5));
        assert_eq!(v.text, "3.3.5 a1b2c3d");
        assert_eq!(v.to_string(), "3.3.5");
        assert!(v.at_least(3, 3, 5) && !v.at_least(3, 3, 6) && v.at_least(2, 9, 9));
        assert_eq!(StarRocksVersion::parse("2.1.2-0782ad7").unwrap().patch, 2);
        assert!(StarRocksVersion::parse("5.1.0").is_some());
        assert!(StarRocksVersion::parse("3.3").is_none());
        assert!(StarRocksVersion::parse("x3.3.5").is_none());
    }
}
