//! The SQL the stand-in answers on its MySQL port (protocol reference §5, §5.1): a hand-written
//! tokenizer and recursive-descent parser for the statements clients and tests send, and an
//! executor over the [`Catalog`](crate::catalog::Catalog).
//!
//! Covered: `SELECT` of constants, functions (`current_version()`, `version()`, `database()`, …)
//! and `@@` variables; `SELECT` over tables and `information_schema` (`COLUMNS`, `TABLES`,
//! `SCHEMATA`) with `WHERE`, aggregates, `GROUP BY`, `ORDER BY`, `LIMIT`; `SET` (accepted and
//! ignored), `USE`; `SHOW DATABASES / TABLES / VARIABLES / CREATE TABLE / GRANTS / BACKENDS /
//! FRONTENDS`, `DESC`; `CREATE / DROP DATABASE`, `CREATE / DROP TABLE` (the §5.1 grammar) and
//! `INSERT … VALUES`. Anything else is a StarRocks-style 1064 syntax error.
//!
//! Layout: `lexer` turns text into tokens, `parser` builds the `ast`, `exec` runs it; `sysvars`
//! holds the `@@` variables; the types the MySQL front end sees are in `session`, `result` and
//! `error`.

mod ast;
mod error;
mod exec;
mod lexer;
mod parser;
mod result;
mod session;
mod sysvars;
#[cfg(test)]
mod tests;

pub use error::SqlError;
pub use result::{ColType, Prepared, QueryResult};
pub use session::{Param, Session};
pub use sysvars::MYSQL_SERVER_VERSION;

use crate::SimContext;
use ast::Statement;
use exec::{Exec, is_virtual_db};
use parser::parse;

/// Runs one statement (a trailing `;` is fine).
pub fn execute(
    ctx: &SimContext,
    session: &mut Session,
    sql: &str,
) -> Result<QueryResult, SqlError> {
    execute_with_params(ctx, session, sql, &[])
}

/// Runs one statement with `?` bound to `params`, in order.
pub fn execute_with_params(
    ctx: &SimContext,
    session: &mut Session,
    sql: &str,
    params: &[Param],
) -> Result<QueryResult, SqlError> {
    let (stmt, nparams) = parse(sql)?;
    if params.len() < nparams {
        return Err(SqlError::new(
            1210,
            "HY000",
            format!(
                "Incorrect arguments to EXECUTE: {nparams} parameters expected, {} given",
                params.len()
            ),
        ));
    }
    Exec {
        ctx,
        session,
        params,
    }
    .run(stmt)
}

/// Parses a statement for `COM_STMT_PREPARE`; for queries the result columns come from a dry
/// run with NULL parameters (statements that change state are not run).
pub fn prepare(ctx: &SimContext, session: &Session, sql: &str) -> Result<Prepared, SqlError> {
    let (stmt, nparams) = parse(sql)?;
    let read_only = matches!(
        stmt,
        Statement::Select(_)
            | Statement::ShowDatabases { .. }
            | Statement::ShowTables { .. }
            | Statement::ShowVariables { .. }
            | Statement::ShowCreateTable(_)
            | Statement::Describe(_)
            | Statement::ShowGrants
            | Statement::ShowBackends
            | Statement::ShowFrontends
    );
    let mut columns = Vec::new();
    if read_only {
        let mut s = session.clone();
        let nulls = vec![Param::Null; nparams];
        if let QueryResult::Rows { columns: c, .. } = (Exec {
            ctx,
            session: &mut s,
            params: &nulls,
        })
        .run(stmt)?
        {
            columns = c;
        }
    }
    Ok(Prepared {
        params: nparams,
        columns,
    })
}

/// `USE db` / `COM_INIT_DB`.
pub fn use_database(ctx: &SimContext, session: &mut Session, db: &str) -> Result<(), SqlError> {
    let db = db.trim().trim_end_matches(';').trim().trim_matches('`');
    let db = match db.split_once('.') {
        Some((catalog, name)) if catalog.trim_matches('`') == "default_catalog" => {
            name.trim_matches('`')
        }
        _ => db,
    };
    if is_virtual_db(db) || ctx.catalog.database_exists(db) {
        session.current_db = Some(db.to_string());
        Ok(())
    } else {
        Err(SqlError::unknown_database(db))
    }
}
