//! The executor: runs a parsed statement against the catalog; reads, writes and `SHOW`s are
//! in their own files.

mod eval;
mod information_schema;
mod insert;
mod select;
mod show;
mod value;

use super::ast::{Statement, TableRef, valid_db_name};
use super::{ColType, Param, QueryResult, Session, SqlError, use_database};
use crate::SimContext;
use crate::catalog::{CatalogError, TableDef};
use information_schema::INFO_TABLES;
use show::{show_compute_nodes, text_rows};
use value::like_match;

const VIRTUAL_DBS: &[&str] = &["information_schema", "_statistics_"];

pub(super) fn is_virtual_db(db: &str) -> bool {
    VIRTUAL_DBS.iter().any(|v| v.eq_ignore_ascii_case(db))
}

fn is_information_schema(db: &str) -> bool {
    db.eq_ignore_ascii_case("information_schema")
}

fn catalog_error(e: CatalogError, db: &str) -> SqlError {
    match e {
        CatalogError::UnknownDatabase(d) => SqlError::unknown_database(&d),
        CatalogError::UnknownTable(t) => SqlError::unknown_table(db, &t),
        CatalogError::DatabaseExists(d) => SqlError::new(
            1007,
            "HY000",
            format!("Can't create database '{d}'; database exists"),
        ),
        CatalogError::TableExists(t) => {
            SqlError::new(1050, "42S01", format!("Table '{t}' already exists"))
        }
        CatalogError::LabelAlreadyExists { label, .. } => {
            SqlError::analysis(format_args!("Label [{label}] has already been used"))
        }
        other => SqlError::new(1064, "42000", other.to_string()),
    }
}

pub(super) struct Exec<'e> {
    pub(super) ctx: &'e SimContext,
    pub(super) session: &'e mut Session,
    pub(super) params: &'e [Param],
}

impl Exec<'_> {
    pub(super) fn run(&mut self, stmt: Statement) -> Result<QueryResult, SqlError> {
        match stmt {
            Statement::NoOp => Ok(QueryResult::Ok { affected_rows: 0 }),
            Statement::Use(db) => {
                use_database(self.ctx, self.session, &db)?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::Select(sel) => self.select(&sel),
            Statement::ShowDatabases { like } => {
                let mut names: Vec<String> = VIRTUAL_DBS.iter().map(|s| (*s).to_string()).collect();
                names.extend(self.ctx.catalog.database_names());
                let rows = names
                    .into_iter()
                    .filter(|n| like.as_deref().is_none_or(|p| like_match(n, p, true)))
                    .map(|n| vec![Some(n)])
                    .collect();
                Ok(text_rows(&["Database"], rows))
            }
            Statement::ShowTables { db, full, like } => {
                let db = self.db_or_current(db.as_deref())?;
                let names = self.table_names(&db)?;
                let title = format!("Tables_in_{db}");
                let table_type = if is_information_schema(&db) {
                    "SYSTEM VIEW"
                } else {
                    "BASE TABLE"
                };
                let rows = names
                    .into_iter()
                    .filter(|n| like.as_deref().is_none_or(|p| like_match(n, p, true)))
                    .map(|n| {
                        let mut r = vec![Some(n)];
                        if full {
                            r.push(Some(table_type.to_string()));
                        }
                        r
                    })
                    .collect();
                let mut cols = vec![(title, ColType::Text)];
                if full {
                    cols.push(("Table_type".to_string(), ColType::Text));
                }
                Ok(QueryResult::Rows {
                    columns: cols,
                    rows,
                })
            }
            Statement::ShowVariables { like, filter } => self.show_variables(like, filter),
            Statement::ShowCreateTable(t) => {
                let (_, def) = self.table_def(&t)?;
                Ok(text_rows(
                    &["Table", "Create Table"],
                    vec![vec![Some(def.name.clone()), Some(def.show_create())]],
                ))
            }
            Statement::ShowCreateDatabase(db) => {
                if !(is_virtual_db(&db) || self.ctx.catalog.database_exists(&db)) {
                    return Err(SqlError::unknown_database(&db));
                }
                Ok(text_rows(
                    &["Database", "Create Database"],
                    vec![vec![
                        Some(db.clone()),
                        Some(format!("CREATE DATABASE `{db}`")),
                    ]],
                ))
            }
            Statement::Describe(t) => self.describe(&t),
            Statement::ShowGrants => Ok(self.show_grants()),
            Statement::ShowBackends => Ok(self.show_backends()),
            Statement::ShowComputeNodes => Ok(show_compute_nodes()),
            Statement::ShowFrontends => Ok(self.show_frontends()),
            Statement::ShowProcesslist => Err(SqlError::analysis(
                "SHOW PROCESSLIST is not supported by this StarRocks stand-in",
            )),
            Statement::ShowEmpty(cols) => Ok(text_rows(&cols, Vec::new())),
            Statement::CreateDatabase {
                name,
                if_not_exists,
            } => {
                if !valid_db_name(&name) {
                    return Err(SqlError::analysis(format_args!(
                        "Incorrect database name '{name}'. Database names start with a letter \
                         and contain only ASCII letters, digits and '_'"
                    )));
                }
                if is_virtual_db(&name) {
                    if if_not_exists {
                        return Ok(QueryResult::Ok { affected_rows: 0 });
                    }
                    return Err(catalog_error(CatalogError::DatabaseExists(name), ""));
                }
                self.ctx
                    .catalog
                    .create_database(&name, if_not_exists)
                    .map_err(|e| catalog_error(e, &name))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::DropDatabase { name, if_exists } => {
                if is_virtual_db(&name) {
                    return Err(SqlError::analysis(format_args!(
                        "Access denied; you can not drop the system database '{name}'"
                    )));
                }
                match self.ctx.catalog.drop_database(&name, if_exists) {
                    Ok(()) => {}
                    Err(CatalogError::UnknownDatabase(_)) => {
                        return Err(SqlError::new(
                            1008,
                            "HY000",
                            format!("Can't drop database '{name}'; database doesn't exist"),
                        ));
                    }
                    Err(e) => return Err(catalog_error(e, &name)),
                }
                if self.session.current_db.as_deref() == Some(name.as_str()) {
                    self.session.current_db = None;
                }
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::CreateTable {
                table,
                if_not_exists,
                def,
            } => {
                let db = self.db_or_current(table.db.as_deref())?;
                if is_virtual_db(&db) {
                    return Err(SqlError::analysis(format_args!(
                        "Access denied; you can not create tables in the system database '{db}'"
                    )));
                }
                if !self.ctx.catalog.database_exists(&db) {
                    return Err(SqlError::unknown_database(&db));
                }
                self.ctx
                    .catalog
                    .create_table(&db, *def, if_not_exists)
                    .map_err(|e| catalog_error(e, &db))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::AddColumn { table, column } => {
                let db = self.db_or_current(table.db.as_deref())?;
                if !self.ctx.catalog.database_exists(&db) {
                    return Err(SqlError::unknown_database(&db));
                }
                self.ctx
                    .catalog
                    .add_column(&db, &table.name, *column)
                    .map_err(|e| catalog_error(e, &db))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::DropTable { table, if_exists } => {
                let db = self.db_or_current(table.db.as_deref())?;
                if !self.ctx.catalog.database_exists(&db) {
                    return Err(SqlError::unknown_database(&db));
                }
                self.ctx
                    .catalog
                    .drop_table(&db, &table.name, if_exists)
                    .map_err(|e| catalog_error(e, &db))?;
                Ok(QueryResult::Ok { affected_rows: 0 })
            }
            Statement::Insert {
                table,
                label,
                columns,
                rows,
            } => self.insert(&table, label, columns, rows),
        }
    }

    fn db_or_current(&self, db: Option<&str>) -> Result<String, SqlError> {
        match db {
            Some(d) => Ok(d.to_string()),
            None => self
                .session
                .current_db
                .clone()
                .ok_or_else(SqlError::no_database),
        }
    }

    fn table_names(&self, db: &str) -> Result<Vec<String>, SqlError> {
        if is_information_schema(db) {
            return Ok(INFO_TABLES.iter().map(|s| (*s).to_string()).collect());
        }
        if is_virtual_db(db) {
            return Ok(Vec::new());
        }
        self.ctx
            .catalog
            .table_names(db)
            .map_err(|e| catalog_error(e, db))
    }

    fn table_def(&self, t: &TableRef) -> Result<(String, TableDef), SqlError> {
        let db = self.db_or_current(t.db.as_deref())?;
        if !is_virtual_db(&db) && !self.ctx.catalog.database_exists(&db) {
            return Err(SqlError::unknown_database(&db));
        }
        let def = self
            .ctx
            .catalog
            .table_def(&db, &t.name)
            .map_err(|e| catalog_error(e, &db))?;
        Ok((db, def))
    }
}
