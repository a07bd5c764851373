//! Parsing `CREATE / DROP DATABASE`, `CREATE / DROP TABLE` and `ALTER TABLE … ADD COLUMN`.

use super::Parser;
use crate::sql::SqlError;
use crate::sql::ast::Statement;
use crate::sql::lexer::Tok;

impl Parser<'_> {
    fn if_not_exists(&mut self) -> Result<bool, SqlError> {
        if self.eat_kw("if") {
            self.expect_kw("not")?;
            self.expect_kw("exists")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn if_exists(&mut self) -> Result<bool, SqlError> {
        if self.eat_kw("if") {
            self.expect_kw("exists")?;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    pub(super) fn create(&mut self) -> Result<Statement, SqlError> {
        if self.eat_kw("database") || self.eat_kw("schema") {
            let if_not_exists = self.if_not_exists()?;
            let r = self.table_ref()?;
            self.skip_properties()?;
            return Ok(Statement::CreateDatabase {
                name: r.name,
                if_not_exists,
            });
        }
        for unsupported in ["temporary", "external"] {
            if self.is_kw(unsupported) && self.is_kw_at(1, "table") {
                return Err(SqlError::analysis(format_args!(
                    "CREATE {} TABLE is not supported by this StarRocks stand-in",
                    unsupported.to_ascii_uppercase()
                )));
            }
        }
        if !self.is_kw("table") {
            return Err(self.unexpected("'DATABASE', 'TABLE'"));
        }
        self.advance();
        let if_not_exists = self.if_not_exists()?;
        let table = self.table_ref()?;
        if self.is_kw("as") || self.is_kw("like") {
            return Err(SqlError::analysis(
                "CREATE TABLE … AS SELECT and CREATE TABLE … LIKE are not supported by this \
                 StarRocks stand-in",
            ));
        }
        let def = self.table_body(&table.name)?;
        Ok(Statement::CreateTable {
            table,
            if_not_exists,
            def: Box::new(def),
        })
    }

    /// `PROPERTIES (…)` after CREATE DATABASE: accepted and ignored.
    fn skip_properties(&mut self) -> Result<(), SqlError> {
        if self.eat_kw("properties") {
            self.properties_body()?;
        }
        Ok(())
    }

    pub(super) fn properties_body(&mut self) -> Result<Vec<(String, String)>, SqlError> {
        self.expect_sym("(")?;
        let mut props = Vec::new();
        if self.eat_sym(")") {
            return Ok(props);
        }
        loop {
            let k = match self.peek().clone() {
                Tok::Str(s) | Tok::Word(s) | Tok::Quoted(s) => {
                    self.advance();
                    s
                }
                _ => return Err(self.unexpected("a property name")),
            };
            self.expect_sym("=")?;
            let v = match self.peek().clone() {
                Tok::Str(s) | Tok::Word(s) | Tok::Num(s) => {
                    self.advance();
                    s
                }
                _ => return Err(self.unexpected("a property value")),
            };
            props.push((k, v));
            if self.eat_sym(")") {
                return Ok(props);
            }
            self.expect_sym(",")?;
        }
    }

    /// `ALTER TABLE t ADD COLUMN c TYPE [NULL | NOT NULL] [DEFAULT …] [COMMENT …]` (the
    /// stand-in models this one schema change).
    pub(super) fn alter(&mut self) -> Result<Statement, SqlError> {
        self.expect_kw("table")?;
        let table = self.table_ref()?;
        self.expect_kw("add")?;
        self.expect_kw("column")?;
        let (column, _, _) = self.column_def()?;
        Ok(Statement::AddColumn {
            table,
            column: Box::new(column),
        })
    }

    pub(super) fn drop(&mut self) -> Result<Statement, SqlError> {
        if self.eat_kw("database") || self.eat_kw("schema") {
            let if_exists = self.if_exists()?;
            let name = self.table_ref()?.name;
            self.eat_kw("force");
            return Ok(Statement::DropDatabase { name, if_exists });
        }
        if self.eat_kw("table") {
            let if_exists = self.if_exists()?;
            let table = self.table_ref()?;
            self.eat_kw("force");
            return Ok(Statement::DropTable { table, if_exists });
        }
        Err(self.unexpected("'DATABASE', 'TABLE'"))
    }
}
