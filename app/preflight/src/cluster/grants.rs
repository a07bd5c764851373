//! `cluster.grants`: reading `SHOW GRANTS` (StarRocks 2.x and 3.x shapes) for INSERT on the
//! table and CREATE TABLE on its database.

use super::{G, GRANTS};
use crate::PreflightContext;
use ks_core::check::CheckResult;
use ks_starrocks::MysqlAdmin;

pub(super) async fn grants_check(
    ctx: &PreflightContext,
    admin: &MysqlAdmin,
    title: &str,
) -> CheckResult {
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
