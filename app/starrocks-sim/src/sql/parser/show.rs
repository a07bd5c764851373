//! Parsing `SHOW …`.

use super::Parser;
use crate::sql::SqlError;
use crate::sql::ast::Statement;
use crate::sql::lexer::Tok;

impl Parser<'_> {
    fn like_clause(&mut self) -> Result<Option<String>, SqlError> {
        if self.eat_kw("like") {
            Ok(Some(self.string()?))
        } else {
            Ok(None)
        }
    }

    pub(super) fn show(&mut self) -> Result<Statement, SqlError> {
        let full = self.eat_kw("full");
        if self.eat_kw("global") || self.eat_kw("session") || self.eat_kw("local") {
            if self.eat_kw("variables") {
                return self.show_variables();
            }
            if self.eat_kw("status") {
                self.skip_rest();
                return Ok(Statement::ShowEmpty(vec!["Variable_name", "Value"]));
            }
            return Err(self.unexpected("'VARIABLES'"));
        }
        let Tok::Word(w) = self.peek().clone() else {
            return Err(self.unexpected(SHOW_TARGETS));
        };
        let w = w.to_ascii_lowercase();
        self.advance();
        match w.as_str() {
            "databases" | "schemas" => Ok(Statement::ShowDatabases {
                like: self.like_clause()?,
            }),
            "tables" => {
                let db = if self.eat_kw("from") || self.eat_kw("in") {
                    let r = self.table_ref()?;
                    Some(r.name)
                } else {
                    None
                };
                Ok(Statement::ShowTables {
                    db,
                    full,
                    like: self.like_clause()?,
                })
            }
            "variables" => self.show_variables(),
            "create" => {
                if self.eat_kw("database") || self.eat_kw("schema") {
                    return Ok(Statement::ShowCreateDatabase(self.ident()?));
                }
                self.eat_kw("table");
                Ok(Statement::ShowCreateTable(self.table_ref()?))
            }
            "columns" | "fields" => {
                if !(self.eat_kw("from") || self.eat_kw("in")) {
                    return Err(self.unexpected("'FROM'"));
                }
                let mut t = self.table_ref()?;
                if self.eat_kw("from") || self.eat_kw("in") {
                    t.db = Some(self.ident()?);
                }
                Ok(Statement::Describe(t))
            }
            "grants" => {
                self.skip_rest();
                Ok(Statement::ShowGrants)
            }
            "backends" => Ok(Statement::ShowBackends),
            "frontends" => Ok(Statement::ShowFrontends),
            "compute" if self.eat_kw("nodes") => Ok(Statement::ShowComputeNodes),
            "processlist" => Ok(Statement::ShowProcesslist),
            "warnings" | "errors" => {
                self.skip_rest();
                Ok(Statement::ShowEmpty(vec!["Level", "Code", "Message"]))
            }
            "status" => {
                self.skip_rest();
                Ok(Statement::ShowEmpty(vec!["Variable_name", "Value"]))
            }
            _ => {
                self.pos -= 1;
                Err(self.unexpected(SHOW_TARGETS))
            }
        }
    }

    pub(super) fn show_variables(&mut self) -> Result<Statement, SqlError> {
        if self.eat_kw("where") {
            let filter = self.expr()?;
            return Ok(Statement::ShowVariables {
                like: None,
                filter: Some(filter),
            });
        }
        Ok(Statement::ShowVariables {
            like: self.like_clause()?,
            filter: None,
        })
    }
}

const SHOW_TARGETS: &str = "'DATABASES', 'TABLES', 'VARIABLES', 'CREATE', 'COLUMNS', 'GRANTS', \
                            'BACKENDS', 'FRONTENDS', 'PROCESSLIST', 'WARNINGS', 'STATUS'";
