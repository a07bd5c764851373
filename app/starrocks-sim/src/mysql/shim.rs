//! One connection's protocol handler: the login (`mysql_native_password`, StarRocks' 1045 and
//! 3159) and the statements, prepared or not, handed to [`crate::sql`].

use super::transport::{LoginError, LoginFailure};
use super::wire::{columns_of, error_kind, param_of, write_result};
use crate::SimContext;
use crate::sql::{self, Param, Session};
use async_trait::async_trait;
use opensrv_mysql::{
    AsyncMysqlShim, Column, ColumnFlags, ColumnType, ErrorKind, InitWriter, ParamParser,
    QueryResultWriter, StatementMetaWriter,
};
use std::collections::HashMap;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use tokio::io::AsyncWrite;

static NEXT_CONNECTION_ID: AtomicU32 = AtomicU32::new(1);

/// One connection's protocol handler.
pub(super) struct Shim {
    ctx: Arc<SimContext>,
    pub(super) session: Session,
    connection_id: u32,
    salt: [u8; 20],
    failure: LoginFailure,
    /// Plain connection while `require_secure_transport` is on: every login fails with 3159.
    pub(super) insecure_refused: bool,
    statements: HashMap<u32, String>,
    next_statement: u32,
}

impl Shim {
    pub(super) fn new(ctx: Arc<SimContext>, failure: LoginFailure) -> Shim {
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
pub(super) fn native_password_scramble(salt: &[u8], password: &str) -> Vec<u8> {
    use sha1::{Digest, Sha1};
    let stage1 = Sha1::digest(password.as_bytes());
    let stage2 = Sha1::digest(stage1);
    let mut h = Sha1::new();
    h.update(salt);
    h.update(stage2);
    let mix = h.finalize();
    stage1.iter().zip(mix.iter()).map(|(a, b)| a ^ b).collect()
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
