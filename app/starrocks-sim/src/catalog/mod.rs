//! Databases, tables, rows, labels and transactions — the state both the MySQL side and the
//! Stream Load side work on. With a data dir every change is appended to `events.jsonl` and
//! replayed on start, so rows, tables and labels survive a restart.

mod events;
mod storage;

// The table definition and load counters are starrocks-model's (the mapping preview uses them
// too); re-exported at their old path.
pub use starrocks_model::load::LoadStats;
pub use starrocks_model::table::{
    AggType, ColumnDef, DefaultValue, Distribution, KeysType, RowOp, TableDef,
};
pub use storage::Table;

use events::Event;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Default)]
pub struct Database {
    pub tables: BTreeMap<String, Table>,
}

/// Transaction states as `get_load_state` reports them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum TxnState {
    Prepare,
    Prepared,
    Committed,
    Visible,
    Aborted,
}

impl TxnState {
    pub fn name(&self) -> &'static str {
        match self {
            TxnState::Prepare => "PREPARE",
            TxnState::Prepared => "PREPARED",
            TxnState::Committed => "COMMITTED",
            TxnState::Visible => "VISIBLE",
            TxnState::Aborted => "ABORTED",
        }
    }

    /// `ExistingJobStatus` for a duplicate label: RUNNING while not yet committed.
    pub fn existing_job_status(&self) -> &'static str {
        match self {
            TxnState::Committed | TxnState::Visible => "FINISHED",
            _ => "RUNNING",
        }
    }
}

#[derive(Debug, Clone)]
pub struct LabelRecord {
    pub txn_id: i64,
    pub table: String,
    pub state: TxnState,
    pub reason: String,
    /// Rows staged by the transaction API's `load` calls, applied at commit.
    pub staged: Vec<RowOp>,
    pub staged_stats: LoadStats,
    /// ErrorURL lines of rows filtered by the staged loads.
    pub staged_errors: Vec<String>,
    pub created_ms: u64,
}

impl LabelRecord {
    /// A label's record with nothing staged, created now.
    fn new(txn_id: i64, table: String, state: TxnState) -> LabelRecord {
        LabelRecord {
            txn_id,
            table,
            state,
            reason: String::new(),
            staged: Vec::new(),
            staged_stats: LoadStats::default(),
            staged_errors: Vec::new(),
            created_ms: now_ms(),
        }
    }
}

/// Errors with the messages StarRocks uses.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    #[error("unknown database, database={0}")]
    UnknownDatabase(String),
    #[error("unknown table, table={0}")]
    UnknownTable(String),
    #[error("Can't create database '{0}'; database exists")]
    DatabaseExists(String),
    #[error("Table '{0}' already exists")]
    TableExists(String),
    #[error("Label [{label}] has already been used.")]
    LabelAlreadyExists { label: String, state: TxnState },
    #[error("Transaction with label {0} not exists")]
    TxnNotExists(String),
    #[error("{0}")]
    Invalid(String),
}

#[derive(Default)]
struct State {
    databases: BTreeMap<String, Database>,
    /// db → label → record.
    labels: HashMap<String, HashMap<String, LabelRecord>>,
    next_txn_id: i64,
    error_logs: HashMap<String, Vec<String>>,
    error_log_order: VecDeque<String>,
}

impl State {
    fn database(&self, db: &str) -> Result<&Database, CatalogError> {
        self.databases
            .get(db)
            .ok_or_else(|| CatalogError::UnknownDatabase(db.to_string()))
    }

    fn table(&self, db: &str, table: &str) -> Result<&Table, CatalogError> {
        self.database(db)?
            .tables
            .get(table)
            .ok_or_else(|| CatalogError::UnknownTable(table.to_string()))
    }

    /// The transaction under `label` in `db`, if `usable` accepts its state; TxnNotExists if not.
    fn txn_mut(
        &mut self,
        db: &str,
        label: &str,
        usable: impl FnOnce(TxnState) -> bool,
    ) -> Result<&mut LabelRecord, CatalogError> {
        self.labels
            .get_mut(db)
            .and_then(|m| m.get_mut(label))
            .filter(|r| usable(r.state))
            .ok_or_else(|| CatalogError::TxnNotExists(label.to_string()))
    }
}

/// What a statement with IF [NOT] EXISTS does when there is nothing to do: nothing when it
/// said so (`tolerated`), else `err`.
fn nothing_to_do(tolerated: bool, err: CatalogError) -> Result<(), CatalogError> {
    if tolerated { Ok(()) } else { Err(err) }
}

/// How many ErrorURL logs are kept (oldest dropped first).
const MAX_ERROR_LOGS: usize = 1000;

pub struct Catalog {
    state: Mutex<State>,
    log: Option<Mutex<File>>,
    data_dir: Option<PathBuf>,
}

pub(crate) fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or(0)
}

impl Catalog {
    /// An in-memory catalog (nothing survives a restart).
    pub fn in_memory() -> Catalog {
        Catalog {
            state: Mutex::new(State {
                next_txn_id: 1000,
                ..Default::default()
            }),
            log: None,
            data_dir: None,
        }
    }

    /// A catalog persisted in `dir/events.jsonl`, replaying what is already there.
    pub fn open(dir: &Path) -> std::io::Result<Catalog> {
        std::fs::create_dir_all(dir)?;
        let path = dir.join("events.jsonl");
        let catalog = Catalog::in_memory();
        if path.exists() {
            let reader = BufReader::new(File::open(&path)?);
            let mut st = catalog.lock();
            for (n, line) in reader.lines().enumerate() {
                let line = line?;
                if line.trim().is_empty() {
                    continue;
                }
                match serde_json::from_str::<Event>(&line) {
                    Ok(ev) => st.replay(ev),
                    // A torn last line (the process was killed mid-write) is ignored.
                    Err(e) => tracing::warn!("{}: line {} ignored: {e}", path.display(), n + 1),
                }
            }
        }
        let file = OpenOptions::new().create(true).append(true).open(&path)?;
        Ok(Catalog {
            state: catalog.state,
            log: Some(Mutex::new(file)),
            data_dir: Some(dir.to_path_buf()),
        })
    }

    pub fn data_dir(&self) -> Option<&Path> {
        self.data_dir.as_deref()
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Persists `ev` (with a data dir) and applies it to `st`.
    fn record(&self, st: &mut State, ev: Event) {
        self.persist(&ev);
        st.replay(ev);
    }

    fn persist(&self, ev: &Event) {
        if let Some(log) = &self.log {
            let mut line = serde_json::to_string(ev).expect("events serialise");
            line.push('\n');
            let mut f = log.lock().unwrap_or_else(|p| p.into_inner());
            if let Err(e) = f.write_all(line.as_bytes()).and_then(|_| f.flush()) {
                tracing::error!("could not persist a catalog event: {e}");
            }
        }
    }

    pub fn database_names(&self) -> Vec<String> {
        self.lock().databases.keys().cloned().collect()
    }

    pub fn database_exists(&self, db: &str) -> bool {
        self.lock().databases.contains_key(db)
    }

    pub fn table_names(&self, db: &str) -> Result<Vec<String>, CatalogError> {
        Ok(self.lock().database(db)?.tables.keys().cloned().collect())
    }

    pub fn table_def(&self, db: &str, table: &str) -> Result<TableDef, CatalogError> {
        self.with_table(db, table, |t| t.def.clone())
    }

    /// Runs `f` on a table under the catalog lock (keep it short).
    pub fn with_table<R>(
        &self,
        db: &str,
        table: &str,
        f: impl FnOnce(&Table) -> R,
    ) -> Result<R, CatalogError> {
        Ok(f(self.lock().table(db, table)?))
    }

    pub fn create_database(&self, name: &str, if_not_exists: bool) -> Result<(), CatalogError> {
        let mut st = self.lock();
        if st.databases.contains_key(name) {
            return nothing_to_do(
                if_not_exists,
                CatalogError::DatabaseExists(name.to_string()),
            );
        }
        let ev = Event::CreateDatabase {
            name: name.to_string(),
        };
        self.record(&mut st, ev);
        Ok(())
    }

    pub fn drop_database(&self, name: &str, if_exists: bool) -> Result<(), CatalogError> {
        let mut st = self.lock();
        if !st.databases.contains_key(name) {
            return nothing_to_do(if_exists, CatalogError::UnknownDatabase(name.to_string()));
        }
        let ev = Event::DropDatabase {
            name: name.to_string(),
        };
        self.record(&mut st, ev);
        Ok(())
    }

    pub fn create_table(
        &self,
        db: &str,
        def: TableDef,
        if_not_exists: bool,
    ) -> Result<(), CatalogError> {
        let mut st = self.lock();
        if st.database(db)?.tables.contains_key(&def.name) {
            return nothing_to_do(if_not_exists, CatalogError::TableExists(def.name.clone()));
        }
        let ev = Event::CreateTable {
            db: db.to_string(),
            def,
        };
        self.record(&mut st, ev);
        Ok(())
    }

    pub fn drop_table(&self, db: &str, table: &str, if_exists: bool) -> Result<(), CatalogError> {
        let mut st = self.lock();
        if !st.database(db)?.tables.contains_key(table) {
            return nothing_to_do(if_exists, CatalogError::UnknownTable(table.to_string()));
        }
        let ev = Event::DropTable {
            db: db.to_string(),
            table: table.to_string(),
        };
        self.record(&mut st, ev);
        Ok(())
    }

    /// `ALTER TABLE … ADD COLUMN`: appended after the last column; existing rows get its
    /// default (a literal) or NULL. Like StarRocks, a NOT NULL column needs a default.
    pub fn add_column(&self, db: &str, table: &str, column: ColumnDef) -> Result<(), CatalogError> {
        let mut st = self.lock();
        let t = st.table(db, table)?;
        if t.def.column_index(&column.name).is_some() {
            return Err(CatalogError::Invalid(format!(
                "Getting analyzing error. Detail message: Column '{}' already exists.",
                column.name
            )));
        }
        if !column.nullable && column.default.is_none() {
            return Err(CatalogError::Invalid(format!(
                "Getting analyzing error. Detail message: Can not add column which is NOT NULL \
                 and has no default value: {}.",
                column.name
            )));
        }
        let ev = Event::AddColumn {
            db: db.to_string(),
            table: table.to_string(),
            column,
        };
        self.record(&mut st, ev);
        Ok(())
    }

    /// Begins a transaction under `label`: the label must not belong to a non-aborted one.
    pub fn begin(
        &self,
        db: &str,
        table: &str,
        label: &str,
    ) -> Result<(i64, TableDef), CatalogError> {
        let mut st = self.lock();
        let def = st.table(db, table)?.def.clone();
        if let Some(rec) = st.labels.get(db).and_then(|m| m.get(label))
            && rec.state != TxnState::Aborted
        {
            return Err(CatalogError::LabelAlreadyExists {
                label: label.to_string(),
                state: rec.state,
            });
        }
        let txn_id = st.next_txn_id;
        st.next_txn_id += 1;
        st.labels.entry(db.to_string()).or_default().insert(
            label.to_string(),
            LabelRecord::new(txn_id, table.to_string(), TxnState::Prepare),
        );
        Ok((txn_id, def))
    }

    pub fn label(&self, db: &str, label: &str) -> Option<LabelRecord> {
        self.lock()
            .labels
            .get(db)
            .and_then(|m| m.get(label))
            .cloned()
    }

    /// Adds rows to an open transaction (transaction API `load`).
    pub fn stage(
        &self,
        db: &str,
        label: &str,
        ops: Vec<RowOp>,
        stats: &LoadStats,
        errors: Vec<String>,
    ) -> Result<LabelRecord, CatalogError> {
        let mut st = self.lock();
        let rec = st.txn_mut(db, label, |s| s == TxnState::Prepare)?;
        rec.staged.extend(ops);
        rec.staged_stats.add(stats);
        rec.staged_errors.extend(errors);
        Ok(LabelRecord {
            staged: Vec::new(),
            ..rec.clone()
        })
    }

    /// PREPARE → PREPARED (transaction API `prepare`).
    pub fn prepare(&self, db: &str, label: &str) -> Result<LabelRecord, CatalogError> {
        let mut st = self.lock();
        let rec = st.txn_mut(db, label, |s| {
            matches!(s, TxnState::Prepare | TxnState::Prepared)
        })?;
        rec.state = TxnState::Prepared;
        Ok(rec.clone())
    }

    /// Applies `ops` (plus anything staged) and makes the transaction VISIBLE.
    pub fn commit(
        &self,
        db: &str,
        label: &str,
        ops: Vec<RowOp>,
    ) -> Result<LabelRecord, CatalogError> {
        let mut st = self.lock();
        let rec = st.txn_mut(db, label, |_| true)?;
        match rec.state {
            TxnState::Prepare | TxnState::Prepared => {}
            TxnState::Committed | TxnState::Visible => return Ok(rec.clone()),
            TxnState::Aborted => return Err(CatalogError::TxnNotExists(label.to_string())),
        }
        let mut all = std::mem::take(&mut rec.staged);
        all.extend(ops);
        let ev = Event::Commit {
            db: db.to_string(),
            table: rec.table.clone(),
            label: label.to_string(),
            txn_id: rec.txn_id,
            ops: all,
        };
        self.record(&mut st, ev);
        Ok(st.labels[db][label].clone())
    }

    /// Aborts an open transaction; its label may be used again.
    pub fn abort(&self, db: &str, label: &str, reason: &str) -> Result<LabelRecord, CatalogError> {
        let mut st = self.lock();
        let rec = st.txn_mut(db, label, |_| true)?;
        match rec.state {
            TxnState::Prepare | TxnState::Prepared => {}
            TxnState::Aborted => return Ok(rec.clone()),
            _ => {
                return Err(CatalogError::Invalid(format!(
                    "Transaction with label {label} is already {}; it cannot be aborted",
                    rec.state.name()
                )));
            }
        }
        let ev = Event::Abort {
            db: db.to_string(),
            table: rec.table.clone(),
            label: label.to_string(),
            txn_id: rec.txn_id,
            reason: reason.to_string(),
        };
        self.record(&mut st, ev);
        Ok(st.labels[db][label].clone())
    }

    /// Stores the lines of an ErrorURL log under `file`.
    pub fn put_error_log(&self, file: &str, lines: Vec<String>) {
        let mut st = self.lock();
        st.error_logs.insert(file.to_string(), lines);
        st.error_log_order.push_back(file.to_string());
        while st.error_log_order.len() > MAX_ERROR_LOGS {
            if let Some(old) = st.error_log_order.pop_front() {
                st.error_logs.remove(&old);
            }
        }
    }

    pub fn error_log(&self, file: &str) -> Option<Vec<String>> {
        self.lock().error_logs.get(file).cloned()
    }
}
