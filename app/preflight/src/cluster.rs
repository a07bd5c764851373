//! The Cluster checks: the jdbc-url side (DNS, TCP, TLS, MySQL login, version, grants).
//!
//! TLS is negotiated inside the MySQL handshake (SSLRequest before the login packet), and whether
//! a server *requires* TLS only shows at the login (ERROR 3159). So `cluster.tls` and
//! `cluster.login` are both read from one [`MysqlAdmin::connect`] attempt: a TLS failure or a 3159
//! fails `cluster.tls` (the login is then skipped), a 1045 passes `cluster.tls` (the handshake got
//! as far as the password) and fails `cluster.login`.

use crate::{Checklist, PreflightContext};
use ks_core::check::{CheckGroup, CheckResult, CheckStatus};
use ks_core::config::{JdbcUrl, PasswordError, SslMode, keyring_account};
use ks_starrocks::{AdminError, MysqlAdmin};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

const G: CheckGroup = CheckGroup::Cluster;

pub const DNS: &str = "cluster.dns";
pub const TCP: &str = "cluster.tcp";
pub const TLS: &str = "cluster.tls";
pub const LOGIN: &str = "cluster.login";
pub const VERSION: &str = "cluster.version";
pub const GRANTS: &str = "cluster.grants";

pub async fn run(ctx: &PreflightContext, list: &mut Checklist<'_>) {
    let sink = &ctx.config.sink;
    let Some(jdbc) = sink.jdbc_url.as_ref() else {
        list.push(CheckResult::fail(
            G,
            DNS,
            "DNS of the jdbc-url host",
            "sink.jdbc-url is not set",
            "Set sink.jdbc-url = \"jdbc:mysql://<FE host>:9030\" (CelerData: the query endpoint shown in the console).",
        ));
        skip_from(list, jdbc_titles(None), 1, DNS);
        return;
    };
    let titles = jdbc_titles(Some(jdbc));

    // DNS
    let addrs = match resolve(&jdbc.host, jdbc.port, ctx.timeout).await {
        Ok(r) => {
            list.push(CheckResult::pass(G, DNS, &titles[0], r.detail.clone()));
            r.addrs
        }
        Err(why) => {
            list.push(CheckResult::fail(
                G,
                DNS,
                &titles[0],
                format!("resolving {}: {why}", jdbc.host),
                format!(
                    "The host {} in sink.jdbc-url does not resolve: copy the query endpoint from the CelerData console (or the FE host name/address of a self-managed cluster) into sink.jdbc-url.",
                    jdbc.host
                ),
            ));
            skip_from(list, titles, 1, DNS);
            return;
        }
    };

    // TCP
    match tcp_connect(&addrs, ctx.timeout).await {
        Ok(detail) => list.push(CheckResult::pass(G, TCP, &titles[1], detail)),
        Err(failure) => {
            let remediation = match failure.kind {
                TcpFailKind::Refused => format!(
                    "Nothing listens on {}: check the port in sink.jdbc-url (the FE query port, 9030 unless the cluster changed query_port) and that the FE is running.",
                    jdbc.authority()
                ),
                TcpFailKind::Timeout => format!(
                    "no route: the security group or network blocks port {} from this machine; add an inbound rule for this machine's address (see the Security groups checks) or run from inside the cluster's network.",
                    jdbc.port
                ),
                TcpFailKind::Other => format!(
                    "This machine cannot open a TCP connection to {}: check its network (VPN, proxy, firewall) and the address in sink.jdbc-url.",
                    jdbc.authority()
                ),
            };
            list.push(CheckResult::fail(
                G,
                TCP,
                &titles[1],
                failure.detail,
                remediation,
            ));
            skip_from(list, titles, 2, TCP);
            return;
        }
    }

    // TLS + login (one handshake, see the module docs)
    let Some(password) = ctx.password.as_ref() else {
        list.push(CheckResult {
            status: CheckStatus::Skipped,
            ..CheckResult::pass(
                G,
                TLS,
                &titles[2],
                "not tested: TLS is negotiated during the MySQL login, and there is no password to log in with (see cluster.login)",
            )
        });
        let err = PasswordError::NotFound {
            account: keyring_account(sink),
            keyring_error: None,
        };
        list.push(CheckResult::fail(
            G,
            LOGIN,
            &titles[3],
            err.to_string(),
            "Give the StarRocks password one of three ways: password-file = \"…\" in [sink], the STARROCKS_PASSWORD environment variable, or the OS keyring (`kinesis-starrocks secret set --config FILE` or the app's Cluster step).",
        ));
        skip_from(list, titles, 4, LOGIN);
        return;
    };
    let mode = sink.ssl_mode;
    let started = Instant::now();
    let attempt = tokio::time::timeout(
        // The TCP connect, the TLS handshake and the login: three round trips at least.
        ctx.timeout * 2,
        MysqlAdmin::connect_with_ca(
            jdbc,
            &sink.username,
            password,
            mode,
            sink.ssl_ca.clone(),
            ctx.timeout,
        ),
    )
    .await;
    let ms = started.elapsed().as_millis();
    let admin = match attempt {
        Err(_) => {
            list.push(CheckResult::fail(
                G,
                TLS,
                &titles[2],
                format!(
                    "the MySQL handshake with {} (ssl-mode {}) did not finish within {} ms",
                    jdbc.authority(),
                    mode.as_str(),
                    (ctx.timeout * 2).as_millis()
                ),
                format!(
                    "Failed to get StarRocks version (FAQ 2): {} accepts TCP but does not complete a MySQL handshake, so sink.jdbc-url is wrong: it must name the FE query port (9030; CelerData: the console's query endpoint), not the HTTP port (8030) or another service.",
                    jdbc.authority()
                ),
            ));
            skip_from(list, titles, 3, TLS);
            return;
        }
        Ok(Ok(admin)) => {
            list.push(CheckResult::pass(
                G,
                TLS,
                &titles[2],
                tls_pass_detail(mode, admin.is_tls(), jdbc, sink.ssl_ca.as_deref()),
            ));
            list.push(CheckResult::pass(
                G,
                LOGIN,
                &titles[3],
                format!(
                    "logged in to {} as {:?} ({}) in {ms} ms",
                    jdbc.authority(),
                    sink.username,
                    if admin.is_tls() {
                        "TLS"
                    } else {
                        "not encrypted"
                    }
                ),
            ));
            admin
        }
        Ok(Err(e)) => {
            login_failure(list, &titles, jdbc, &sink.username, mode, e);
            return;
        }
    };

    // Version (the connector's first query; FAQ 2)
    match tokio::time::timeout(ctx.timeout, admin.version()).await {
        Ok(Ok(v)) => list.push(CheckResult::pass(
            G,
            VERSION,
            &titles[4],
            format!("select current_version() → {:?} (StarRocks {v})", v.text),
        )),
        other => {
            let why = match other {
                Ok(Err(AdminError::Version { message })) => message,
                Ok(Err(e)) => e.to_string(),
                Err(_) => format!("no answer within {} ms", ctx.timeout.as_millis()),
                Ok(Ok(_)) => unreachable!("handled above"),
            };
            list.push(CheckResult::fail(
                G,
                VERSION,
                &titles[4],
                format!("Failed to get StarRocks version: select current_version() on {}: {why}", jdbc.authority()),
                "Failed to get StarRocks version: sink.jdbc-url must point at a StarRocks FE query port (9030 by default; CelerData: the console's query endpoint), not at another MySQL server or the HTTP port.",
            ));
            skip_from(list, titles, 5, VERSION);
            return;
        }
    }

    // Grants
    list.push(grants_check(ctx, &admin, &titles[5]).await);
}

/// Titles of the six checks, in order.
fn jdbc_titles(jdbc: Option<&JdbcUrl>) -> Vec<String> {
    let (host, port) = jdbc
        .map(|j| (j.host.clone(), j.port.to_string()))
        .unwrap_or_else(|| ("the jdbc-url host".into(), "9030".into()));
    vec![
        format!("DNS of {host}"),
        format!("TCP to {port}"),
        "TLS".into(),
        "MySQL login".into(),
        "StarRocks version".into(),
        "Grants (INSERT, CREATE TABLE)".into(),
    ]
}

const IDS: [&str; 6] = [DNS, TCP, TLS, LOGIN, VERSION, GRANTS];

/// Pushes checks `from..` as skipped because `because` failed.
fn skip_from(list: &mut Checklist<'_>, titles: Vec<String>, from: usize, because: &str) {
    for (id, title) in IDS.iter().zip(titles).skip(from) {
        list.push(CheckResult::skipped(G, id, title, because));
    }
}

/// What a TLS check that passed says, per ssl-mode.
fn tls_pass_detail(
    mode: SslMode,
    tls: bool,
    jdbc: &JdbcUrl,
    ca: Option<&std::path::Path>,
) -> String {
    let ca = ca
        .map(|p| {
            format!(
                " (trusting {} in addition to the system roots)",
                p.display()
            )
        })
        .unwrap_or_default();
    match (mode, tls) {
        (SslMode::Disabled, _) => format!(
            "ssl-mode disabled: plain connection to {}; the server did not ask for TLS (traffic, including the login, is not encrypted)",
            jdbc.authority()
        ),
        (SslMode::Preferred, false) => format!(
            "ssl-mode preferred: {} does not offer TLS on its MySQL port, so the connection fell back to plain (not encrypted)",
            jdbc.authority()
        ),
        (SslMode::Preferred | SslMode::Required, true) => format!(
            "ssl-mode {}: TLS handshake with {} completed; the certificate is not verified in this mode (verify-ca checks the chain, verify-identity also the name)",
            mode.as_str(),
            jdbc.authority()
        ),
        (SslMode::VerifyCa, _) => format!(
            "ssl-mode verify-ca: TLS handshake with {} completed and the certificate chains to a trusted CA{ca} (the host name is not checked in this mode)",
            jdbc.authority()
        ),
        (SslMode::VerifyIdentity, _) => format!(
            "ssl-mode verify-identity: TLS handshake with {} completed, the certificate chains to a trusted CA{ca} and names {}",
            jdbc.authority(),
            jdbc.host
        ),
        (SslMode::Required, false) => format!(
            "ssl-mode required but the session is not encrypted ({})",
            jdbc.authority()
        ),
    }
}

/// `cluster.tls` and `cluster.login` (and the skips after them) for a failed connect.
fn login_failure(
    list: &mut Checklist<'_>,
    titles: &[String],
    jdbc: &JdbcUrl,
    user: &str,
    mode: SslMode,
    e: AdminError,
) {
    let detail = format!("ssl-mode {}: {e}", mode.as_str());
    let tls_fail =
        |remediation: String| CheckResult::fail(G, TLS, &titles[2], detail.clone(), remediation);
    let tls_result = match &e {
        AdminError::TlsRequired { .. } => Some(tls_fail(format!(
            "{} refuses connections without TLS (CelerData always does): set ssl-mode = \"required\" in [sink] (or \"verify-identity\" to also check the certificate).",
            jdbc.authority()
        ))),
        AdminError::TlsNotOffered { .. } => Some(tls_fail(format!(
            "{} does not offer TLS on its MySQL port: set ssl-mode = \"preferred\" (or \"disabled\") for a self-managed cluster without TLS, or enable TLS on the FE.",
            jdbc.authority()
        ))),
        AdminError::Tls { .. } => Some(tls_fail(match mode {
            SslMode::VerifyCa | SslMode::VerifyIdentity => format!(
                "The server certificate of {} did not verify: set sink.ssl-ca to the PEM of the CA that signed it (a private CA){}, or use ssl-mode = \"required\" to encrypt without verifying.",
                jdbc.authority(),
                if mode == SslMode::VerifyIdentity {
                    ", connect with the host name the certificate was issued for"
                } else {
                    ""
                }
            ),
            _ => format!(
                "The TLS handshake with {} failed: check that sink.jdbc-url names the FE query port (9030) and that the FE's TLS is configured.",
                jdbc.authority()
            ),
        })),
        AdminError::Unreachable { .. } | AdminError::Other { .. } => Some(tls_fail(format!(
            "Failed to get StarRocks version (FAQ 2): the connection to {} broke during the MySQL handshake, so sink.jdbc-url is wrong: it must name the FE query port (9030; CelerData: the console's query endpoint), not the HTTP port (8030) or another service.",
            jdbc.authority()
        ))),
        _ => None,
    };
    if let Some(r) = tls_result {
        list.push(r);
        skip_from(list, titles.to_vec(), 3, TLS);
        return;
    }
    // The handshake reached the login: TLS (if any) worked.
    list.push(CheckResult::pass(
        G,
        TLS,
        &titles[2],
        match mode {
            SslMode::Disabled => format!(
                "ssl-mode disabled: plain connection to {}; the server did not ask for TLS before the login",
                jdbc.authority()
            ),
            SslMode::Preferred => format!(
                "ssl-mode preferred: the handshake with {} reached the login step (TLS used if the server offers it)",
                jdbc.authority()
            ),
            _ => format!(
                "ssl-mode {}: the TLS handshake with {} completed (the login was then refused, see cluster.login)",
                mode.as_str(),
                jdbc.authority()
            ),
        },
    ));
    let remediation = match &e {
        AdminError::AccessDenied { .. } => format!(
            "StarRocks refused the login of {user:?} (ERROR 1045): fix sink.username or the password (password-file, the STARROCKS_PASSWORD environment variable, or the OS keyring via `kinesis-starrocks secret set --config FILE`)."
        ),
        _ => format!(
            "The login of {user:?} at {} failed: check sink.username, the password and that the user exists on this cluster.",
            jdbc.authority()
        ),
    };
    list.push(CheckResult::fail(
        G,
        LOGIN,
        &titles[3],
        e.to_string(),
        remediation,
    ));
    skip_from(list, titles.to_vec(), 4, LOGIN);
}

// ---------------------------------------------------------------------------------------------
// DNS and TCP (also used by the Stream Load checks)

pub(crate) struct Resolved {
    pub addrs: Vec<SocketAddr>,
    pub detail: String,
}

/// Resolves `host` (an IP literal resolves to itself) within `timeout`.
pub(crate) async fn resolve(host: &str, port: u16, timeout: Duration) -> Result<Resolved, String> {
    if let Ok(ip) = host.parse::<std::net::IpAddr>() {
        return Ok(Resolved {
            addrs: vec![SocketAddr::new(ip, port)],
            detail: format!("{host} is an IP address: nothing to resolve"),
        });
    }
    let started = Instant::now();
    match tokio::time::timeout(timeout, tokio::net::lookup_host((host, port))).await {
        Err(_) => Err(format!(
            "the DNS lookup did not answer within {} ms",
            timeout.as_millis()
        )),
        Ok(Err(e)) => Err(format!("the name does not resolve ({e})")),
        Ok(Ok(it)) => {
            let mut addrs: Vec<SocketAddr> = Vec::new();
            for a in it {
                if !addrs.contains(&a) {
                    addrs.push(a);
                }
            }
            if addrs.is_empty() {
                return Err("the name resolves to no address".into());
            }
            let list: Vec<String> = addrs.iter().map(|a| a.ip().to_string()).collect();
            Ok(Resolved {
                detail: format!(
                    "{host} → {} ({} ms)",
                    list.join(", "),
                    started.elapsed().as_millis()
                ),
                addrs,
            })
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TcpFailKind {
    Refused,
    Timeout,
    Other,
}

pub(crate) struct TcpFailure {
    pub kind: TcpFailKind,
    pub detail: String,
}

/// Connects to each address in turn until one accepts; `timeout` per address.
pub(crate) async fn tcp_connect(
    addrs: &[SocketAddr],
    timeout: Duration,
) -> Result<String, TcpFailure> {
    let mut tried = Vec::new();
    let mut kinds = Vec::new();
    for addr in addrs {
        let started = Instant::now();
        match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
            Ok(Ok(_)) => {
                let mut detail = format!(
                    "TCP connect to {addr} succeeded in {} ms",
                    started.elapsed().as_millis()
                );
                if !tried.is_empty() {
                    detail.push_str(&format!(" (before that: {})", tried.join("; ")));
                }
                return Ok(detail);
            }
            Ok(Err(e)) => {
                let kind = match e.kind() {
                    std::io::ErrorKind::ConnectionRefused => TcpFailKind::Refused,
                    std::io::ErrorKind::TimedOut => TcpFailKind::Timeout,
                    _ => TcpFailKind::Other,
                };
                kinds.push(kind);
                tried.push(format!(
                    "{addr}: {}",
                    if kind == TcpFailKind::Refused {
                        format!("connection refused ({e}): nothing listens on that port")
                    } else {
                        e.to_string()
                    }
                ));
            }
            Err(_) => {
                kinds.push(TcpFailKind::Timeout);
                tried.push(format!(
                    "{addr}: no answer within {} ms (packets dropped: a security group or firewall, or no route)",
                    timeout.as_millis()
                ));
            }
        }
    }
    // A timeout anywhere means a filter on the way; all refused means a wrong port.
    let kind = if kinds.contains(&TcpFailKind::Timeout) {
        TcpFailKind::Timeout
    } else if !kinds.is_empty() && kinds.iter().all(|k| *k == TcpFailKind::Refused) {
        TcpFailKind::Refused
    } else {
        TcpFailKind::Other
    };
    Err(TcpFailure {
        kind,
        detail: format!("TCP connect: {}", tried.join("; ")),
    })
}

// ---------------------------------------------------------------------------------------------
// Grants

async fn grants_check(ctx: &PreflightContext, admin: &MysqlAdmin, title: &str) -> CheckResult {
    let sink = &ctx.config.sink;
    let (db, table) = (sink.database_name.as_str(), sink.table_name.as_str());
    if db.trim().is_empty() || table.trim().is_empty() {
        // The wizard tests the cluster before the Table step names the target.
        return CheckResult::pass(
            G,
            GRANTS,
            title,
            "not checked yet: no database/table chosen (the Table step or sink.database-name and \
             sink.table-name set them)",
        );
    }
    let rows = match tokio::time::timeout(ctx.timeout, admin.grants()).await {
        Ok(Ok(rows)) => rows,
        Ok(Err(e)) => {
            return CheckResult::warn(
                G,
                GRANTS,
                title,
                format!("SHOW GRANTS failed: {e}"),
                format!(
                    "Could not read the grants of {:?}: ask an admin to confirm it has INSERT on {db}.{table} (and CREATE TABLE on {db} if the tool should create the table).",
                    sink.username
                ),
            );
        }
        Err(_) => {
            return CheckResult::warn(
                G,
                GRANTS,
                title,
                format!(
                    "SHOW GRANTS: no answer within {} ms",
                    ctx.timeout.as_millis()
                ),
                format!(
                    "Could not read the grants of {:?}: ask an admin to confirm it has INSERT on {db}.{table}.",
                    sink.username
                ),
            );
        }
    };
    let table_exists = tokio::time::timeout(ctx.timeout, admin.table_exists(db, table))
        .await
        .ok()
        .and_then(Result::ok);
    let verdict = evaluate_grants(&rows, db, table);
    let ident = verdict
        .identity
        .clone()
        .unwrap_or_else(|| format!("'{}'@'%'", sink.username));
    let mut detail = format!(
        "SHOW GRANTS ({} row{}):\n{}\nINSERT on {db}.{table}: {}\nCREATE TABLE on {db}: {}\ntable {db}.{table}: {}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" },
        if rows.is_empty() {
            "  (none)".to_string()
        } else {
            rows.iter()
                .map(|r| format!("  {r}"))
                .collect::<Vec<_>>()
                .join("\n")
        },
        verdict.insert.describe(),
        verdict.create.describe(),
        match table_exists {
            Some(true) => "exists",
            Some(false) => "does not exist yet",
            None => "unknown (information_schema.TABLES could not be read)",
        }
    );
    let grant_insert = format!("GRANT INSERT ON {db}.{table} TO USER {ident}");
    let grant_create = format!("GRANT CREATE TABLE ON DATABASE {db} TO USER {ident}");
    match (&verdict.insert, &verdict.create) {
        (Grant::Missing, _) => {
            let extra = if table_exists == Some(false) && verdict.create == Grant::Missing {
                format!(" (and `{grant_create};` so that init-table can create the table)")
            } else {
                String::new()
            };
            CheckResult::fail(
                G,
                GRANTS,
                title,
                detail,
                format!(
                    "{:?} may not load into {db}.{table}: have an admin run `{grant_insert};`{extra}.",
                    sink.username
                ),
            )
        }
        (Grant::ViaRoles(roles), _) => CheckResult::warn(
            G,
            GRANTS,
            title,
            detail,
            format!(
                "INSERT on {db}.{table} could only come through the role(s) {}, which this check cannot see into: confirm with `SHOW GRANTS FOR ROLE <name>`, or have an admin run `{grant_insert};`.",
                roles.join(", ")
            ),
        ),
        (Grant::Granted(_), Grant::Granted(_)) => CheckResult::pass(G, GRANTS, title, detail),
        (Grant::Granted(_), _) if table_exists != Some(false) => {
            detail.push_str("\n(CREATE TABLE is not needed: the table exists)");
            CheckResult::pass(G, GRANTS, title, detail)
        }
        (Grant::Granted(_), _) => CheckResult::warn(
            G,
            GRANTS,
            title,
            detail,
            format!(
                "The table {db}.{table} does not exist yet and {:?} may not create it: create it as an admin (`kinesis-starrocks init-table --print-ddl` prints the DDL) or have an admin run `{grant_create};` before init-table.",
                sink.username
            ),
        ),
    }
}

/// Whether a privilege is held on the target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Grant {
    /// By this grant text.
    Granted(String),
    /// Not visible directly, but roles were granted (other than the built-in all-powerful ones).
    ViaRoles(Vec<String>),
    Missing,
}

impl Grant {
    fn describe(&self) -> String {
        match self {
            Grant::Granted(by) => format!("yes ({by})"),
            Grant::ViaRoles(r) => format!("not directly; maybe through role(s) {}", r.join(", ")),
            Grant::Missing => "no".into(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct GrantVerdict {
    pub insert: Grant,
    pub create: Grant,
    /// `'user'@'host'` as SHOW GRANTS names it.
    pub identity: Option<String>,
}

/// Built-in StarRocks roles that hold INSERT and CREATE TABLE everywhere.
const ALL_POWERFUL_ROLES: &[&str] = &["root", "db_admin"];

/// Reads StarRocks' `SHOW GRANTS` lines (3.x: `GRANT INSERT, SELECT ON TABLE db.t TO USER
/// 'u'@'%'`, `GRANT CREATE TABLE ON DATABASE db …`, `… ON ALL TABLES IN DATABASE db …`, `… ON ALL
/// TABLES IN ALL DATABASES …`, `GRANT 'root' TO 'u'@'%'`; 2.x: `GRANT Select_priv, Load_priv ON
/// db.* TO 'u'@'%'`) for INSERT on `db.table` and CREATE TABLE on `db`.
pub(crate) fn evaluate_grants(rows: &[String], db: &str, table: &str) -> GrantVerdict {
    let mut insert = None;
    let mut create = None;
    let mut roles = Vec::new();
    let mut identity = None;
    for row in rows {
        let text = row.trim().trim_end_matches(';').replace('`', "");
        let upper = text.to_ascii_uppercase();
        let Some(rest) = upper.strip_prefix("GRANT ") else {
            continue;
        };
        let Some(to_at) = rest.rfind(" TO ") else {
            continue;
        };
        let offset = "GRANT ".len();
        if identity.is_none() {
            let who = text[offset + to_at + 4..].trim();
            let who = who
                .strip_prefix("USER ")
                .or_else(|| who.strip_prefix("user "))
                .unwrap_or(who);
            if who.contains('@') {
                identity = Some(who.to_string());
            }
        }
        let head = &text[offset..offset + to_at];
        if head.trim_start().starts_with('\'') {
            // A role grant: `GRANT 'root', 'r1' TO …`.
            for r in head.split(',') {
                let r = r.trim().trim_matches('\'').to_string();
                if ALL_POWERFUL_ROLES
                    .iter()
                    .any(|p| p.eq_ignore_ascii_case(&r))
                {
                    insert.get_or_insert_with(|| row.clone());
                    create.get_or_insert_with(|| row.clone());
                } else if !r.is_empty() {
                    roles.push(r);
                }
            }
            continue;
        }
        let head_upper = head.to_ascii_uppercase();
        let Some(on_at) = head_upper.find(" ON ") else {
            continue;
        };
        let privs: Vec<String> = head_upper[..on_at]
            .split(',')
            .map(|p| p.trim().to_string())
            .collect();
        let object = head[on_at + 4..].trim();
        let has = |names: &[&str]| privs.iter().any(|p| names.contains(&p.as_str()));
        let all = has(&["ALL", "ALL PRIVILEGES", "ALL_PRIV", "ADMIN_PRIV"]);
        let scope = Scope::parse(object);
        if (all || has(&["INSERT", "LOAD_PRIV"])) && scope.covers_table(db, table) {
            insert.get_or_insert_with(|| row.clone());
        }
        if (all || has(&["CREATE TABLE", "CREATE_PRIV"])) && scope.covers_database(db) {
            create.get_or_insert_with(|| row.clone());
        }
    }
    let decide = |g: Option<String>| match g {
        Some(by) => Grant::Granted(by),
        None if !roles.is_empty() => Grant::ViaRoles(roles.clone()),
        None => Grant::Missing,
    };
    GrantVerdict {
        insert: decide(insert),
        create: decide(create),
        identity,
    }
}

/// What a grant's `ON …` names.
#[derive(Debug, PartialEq, Eq)]
enum Scope {
    Everything,
    Database(String),
    Table(String, String),
    Unknown,
}

impl Scope {
    fn parse(object: &str) -> Scope {
        let o = object.trim();
        let upper = o.to_ascii_uppercase();
        if upper == "ALL DATABASES"
            || upper.starts_with("ALL TABLES IN ALL DATABASES")
            || upper == "*.*"
            || upper == "*.*.*"
            || upper == "SYSTEM"
        {
            return Scope::Everything;
        }
        for prefix in ["ALL TABLES IN DATABASE ", "DATABASE "] {
            if upper.starts_with(prefix) {
                return Scope::Database(last_segment(o[prefix.len()..].trim()).to_string());
            }
        }
        let name = if upper.starts_with("TABLE ") {
            o["TABLE ".len()..].trim()
        } else {
            o
        };
        // `db.t`, `catalog.db.t`, `db.*`.
        let parts: Vec<&str> = name.split('.').map(str::trim).collect();
        match parts.as_slice() {
            [.., d, t] if *d == "*" && *t == "*" => Scope::Everything,
            [.., d, t] if *t == "*" => Scope::Database(d.to_string()),
            [.., d, t] => Scope::Table(d.to_string(), t.to_string()),
            _ => Scope::Unknown,
        }
    }

    fn covers_table(&self, db: &str, table: &str) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Database(d) => d.eq_ignore_ascii_case(db),
            Scope::Table(d, t) => d.eq_ignore_ascii_case(db) && t.eq_ignore_ascii_case(table),
            Scope::Unknown => false,
        }
    }

    fn covers_database(&self, db: &str) -> bool {
        match self {
            Scope::Everything => true,
            Scope::Database(d) => d.eq_ignore_ascii_case(db),
            Scope::Table(..) | Scope::Unknown => false,
        }
    }
}

fn last_segment(s: &str) -> &str {
    s.rsplit('.').next().unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(rows: &[&str]) -> GrantVerdict {
        let rows: Vec<String> = rows.iter().map(|s| s.to_string()).collect();
        evaluate_grants(&rows, "example_db", "stock")
    }

    #[test]
    fn starrocks_grant_shapes() {
        let r = v(&["GRANT 'root' TO 'root'@'%'"]);
        assert!(matches!(r.insert, Grant::Granted(_)) && matches!(r.create, Grant::Granted(_)));
        assert_eq!(r.identity.as_deref(), Some("'root'@'%'"));

        let r = v(&["GRANT SELECT, INSERT ON TABLE example_db.stock TO USER 'loader'@'%'"]);
        assert!(matches!(r.insert, Grant::Granted(_)));
        assert_eq!(r.create, Grant::Missing);
        assert_eq!(r.identity.as_deref(), Some("'loader'@'%'"));

        let r = v(&[
            "GRANT SELECT, INSERT ON TABLE example_db.* TO USER 'loader'@'%'",
            "GRANT CREATE TABLE ON DATABASE example_db TO USER 'loader'@'%'",
        ]);
        assert!(matches!(r.insert, Grant::Granted(_)) && matches!(r.create, Grant::Granted(_)));

        let r = v(&["GRANT INSERT ON ALL TABLES IN DATABASE example_db TO USER 'u'@'%'"]);
        assert!(matches!(r.insert, Grant::Granted(_)));
        let r = v(&["GRANT INSERT ON ALL TABLES IN ALL DATABASES TO USER 'u'@'%'"]);
        assert!(matches!(r.insert, Grant::Granted(_)));
        let r = v(&["GRANT SELECT ON TABLE example_db.stock TO USER 'u'@'%'"]);
        assert_eq!(r.insert, Grant::Missing);
        let r = v(&["GRANT INSERT ON TABLE example_db.other TO USER 'u'@'%'"]);
        assert_eq!(r.insert, Grant::Missing);
        let r = v(&["GRANT INSERT ON TABLE other_db.stock TO USER 'u'@'%'"]);
        assert_eq!(r.insert, Grant::Missing);
        // 2.x privilege names.
        let r = v(&["GRANT Select_priv, Load_priv, Create_priv ON example_db.* TO 'u'@'%'"]);
        assert!(matches!(r.insert, Grant::Granted(_)) && matches!(r.create, Grant::Granted(_)));
        // A custom role: cannot see into it.
        let r = v(&["GRANT 'loaders' TO 'u'@'%'"]);
        assert_eq!(r.insert, Grant::ViaRoles(vec!["loaders".into()]));
        assert_eq!(v(&[]).insert, Grant::Missing);
    }
}
