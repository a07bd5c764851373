//! Databases, tables, rows, labels and transactions — the state both the MySQL side and the
//! Stream Load side work on. With a data dir every change is appended to `events.jsonl` and
//! replayed on start, so rows, tables and labels survive a restart.

use crate::types::{Cell, SqlType};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard};
use std::time::{SystemTime, UNIX_EPOCH};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeysType {
    Duplicate,
    Aggregate,
    Unique,
    Primary,
}

impl KeysType {
    /// `DUPLICATE KEY`, `PRIMARY KEY`, … as SHOW CREATE TABLE prints it.
    pub fn sql(&self) -> &'static str {
        match self {
            KeysType::Duplicate => "DUPLICATE KEY",
            KeysType::Aggregate => "AGGREGATE KEY",
            KeysType::Unique => "UNIQUE KEY",
            KeysType::Primary => "PRIMARY KEY",
        }
    }

    /// The `Key`-column marker StarRocks uses in information_schema (`PRI`, `UNI`, `DUP`, `AGG`).
    pub fn column_key(&self) -> &'static str {
        match self {
            KeysType::Duplicate => "DUP",
            KeysType::Aggregate => "AGG",
            KeysType::Unique => "UNI",
            KeysType::Primary => "PRI",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AggType {
    Sum,
    Max,
    Min,
    Replace,
    ReplaceIfNotNull,
    HllUnion,
    BitmapUnion,
}

impl AggType {
    pub fn sql(&self) -> &'static str {
        match self {
            AggType::Sum => "SUM",
            AggType::Max => "MAX",
            AggType::Min => "MIN",
            AggType::Replace => "REPLACE",
            AggType::ReplaceIfNotNull => "REPLACE_IF_NOT_NULL",
            AggType::HllUnion => "HLL_UNION",
            AggType::BitmapUnion => "BITMAP_UNION",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum DefaultValue {
    /// `DEFAULT "v"`.
    Literal(String),
    /// `DEFAULT current_timestamp`.
    CurrentTimestamp,
    /// `DEFAULT (expr)`, kept as text.
    Expr(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ColumnDef {
    pub name: String,
    pub ty: SqlType,
    pub nullable: bool,
    pub default: Option<DefaultValue>,
    pub agg: Option<AggType>,
    pub auto_increment: bool,
    pub comment: String,
}

impl ColumnDef {
    pub fn new(name: &str, ty: SqlType) -> ColumnDef {
        ColumnDef {
            name: name.to_string(),
            ty,
            nullable: true,
            default: None,
            agg: None,
            auto_increment: false,
            comment: String::new(),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Distribution {
    Hash {
        columns: Vec<String>,
        buckets: Option<u32>,
    },
    Random {
        buckets: Option<u32>,
    },
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TableDef {
    pub name: String,
    pub columns: Vec<ColumnDef>,
    pub keys_type: KeysType,
    /// Key columns in order (for DUPLICATE tables without a KEY clause: the first column(s)).
    pub key_columns: Vec<String>,
    pub comment: String,
    /// `PARTITION BY …` kept as its text: partitions are not modelled.
    pub partition_desc: Option<String>,
    pub distribution: Option<Distribution>,
    pub order_by: Vec<String>,
    pub properties: Vec<(String, String)>,
}

impl TableDef {
    /// Column lookup is case-insensitive, as in StarRocks.
    pub fn column_index(&self, name: &str) -> Option<usize> {
        self.columns
            .iter()
            .position(|c| c.name.eq_ignore_ascii_case(name))
    }

    pub fn is_key(&self, column: &str) -> bool {
        self.key_columns
            .iter()
            .any(|k| k.eq_ignore_ascii_case(column))
    }

    fn key_positions(&self) -> Vec<usize> {
        self.key_columns
            .iter()
            .filter_map(|k| self.column_index(k))
            .collect()
    }

    /// `SHOW CREATE TABLE` text, in the shape StarRocks prints.
    pub fn show_create(&self) -> String {
        let mut s = format!("CREATE TABLE `{}` (\n", self.name);
        let cols: Vec<String> = self
            .columns
            .iter()
            .map(|c| {
                let mut line = format!("  `{}` {}", c.name, c.ty);
                if let Some(agg) = c.agg {
                    line.push(' ');
                    line.push_str(agg.sql());
                }
                line.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
                if c.auto_increment {
                    line.push_str(" AUTO_INCREMENT");
                }
                match &c.default {
                    Some(DefaultValue::Literal(v)) => line.push_str(&format!(" DEFAULT \"{v}\"")),
                    Some(DefaultValue::CurrentTimestamp) => {
                        line.push_str(" DEFAULT CURRENT_TIMESTAMP")
                    }
                    Some(DefaultValue::Expr(e)) => line.push_str(&format!(" DEFAULT ({e})")),
                    None => {}
                }
                line.push_str(&format!(" COMMENT \"{}\"", c.comment));
                line
            })
            .collect();
        s.push_str(&cols.join(",\n"));
        s.push_str("\n) ENGINE=OLAP \n");
        let keys: Vec<String> = self.key_columns.iter().map(|k| format!("`{k}`")).collect();
        s.push_str(&format!("{}({})\n", self.keys_type.sql(), keys.join(", ")));
        s.push_str(&format!(
            "COMMENT \"{}\"\n",
            if self.comment.is_empty() {
                "OLAP"
            } else {
                &self.comment
            }
        ));
        if let Some(p) = &self.partition_desc {
            s.push_str(p);
            s.push('\n');
        }
        match &self.distribution {
            Some(Distribution::Hash { columns, buckets }) => {
                let cols: Vec<String> = columns.iter().map(|c| format!("`{c}`")).collect();
                s.push_str(&format!("DISTRIBUTED BY HASH({})", cols.join(", ")));
                if let Some(b) = buckets {
                    s.push_str(&format!(" BUCKETS {b}"));
                }
                s.push_str(" \n");
            }
            Some(Distribution::Random { buckets }) => {
                s.push_str("DISTRIBUTED BY RANDOM");
                if let Some(b) = buckets {
                    s.push_str(&format!(" BUCKETS {b}"));
                }
                s.push_str(" \n");
            }
            None => {}
        }
        if !self.order_by.is_empty() {
            let cols: Vec<String> = self.order_by.iter().map(|c| format!("`{c}`")).collect();
            s.push_str(&format!("ORDER BY({})\n", cols.join(", ")));
        }
        let mut props = self.properties.clone();
        if !props.iter().any(|(k, _)| k == "replication_num") {
            props.insert(0, ("replication_num".into(), "1".into()));
        }
        s.push_str("PROPERTIES (\n");
        let props: Vec<String> = props
            .iter()
            .map(|(k, v)| format!("\"{k}\" = \"{v}\""))
            .collect();
        s.push_str(&props.join(",\n"));
        s.push_str("\n);");
        s
    }
}

/// One loaded row change.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum RowOp {
    Upsert(Vec<Cell>),
    /// `__op = 1` on a Primary Key table.
    Delete(Vec<Cell>),
}

#[derive(Debug, Default)]
pub struct Table {
    pub def: TableDef,
    rows: Vec<Option<Vec<Cell>>>,
    key_index: HashMap<String, usize>,
    live: usize,
}

impl Default for TableDef {
    fn default() -> Self {
        TableDef {
            name: String::new(),
            columns: Vec::new(),
            keys_type: KeysType::Duplicate,
            key_columns: Vec::new(),
            comment: String::new(),
            partition_desc: None,
            distribution: None,
            order_by: Vec::new(),
            properties: Vec::new(),
        }
    }
}

impl Table {
    fn new(def: TableDef) -> Table {
        Table {
            def,
            ..Default::default()
        }
    }

    fn add_column(&mut self, column: ColumnDef) {
        let fill = match &column.default {
            Some(DefaultValue::Literal(v)) => {
                crate::types::convert_text(v, &column.ty).unwrap_or(Cell::Null)
            }
            _ => Cell::Null,
        };
        for row in self.rows.iter_mut().flatten() {
            row.push(fill.clone());
        }
        self.def.columns.push(column);
    }

    /// The visible rows, in load order.
    pub fn rows(&self) -> impl Iterator<Item = &Vec<Cell>> {
        self.rows.iter().flatten()
    }

    pub fn row_count(&self) -> usize {
        self.live
    }

    fn key_of(&self, row: &[Cell], positions: &[usize]) -> String {
        let key: Vec<&Cell> = positions.iter().map(|p| &row[*p]).collect();
        serde_json::to_string(&key).unwrap_or_default()
    }

    fn apply(&mut self, ops: &[RowOp]) {
        let positions = self.def.key_positions();
        for op in ops {
            match (self.def.keys_type, op) {
                (KeysType::Duplicate, RowOp::Upsert(row)) => {
                    self.rows.push(Some(row.clone()));
                    self.live += 1;
                }
                (KeysType::Duplicate, RowOp::Delete(_)) => {}
                (_, RowOp::Upsert(row)) => {
                    let key = self.key_of(row, &positions);
                    match self.key_index.get(&key).copied() {
                        Some(i) if self.rows[i].is_some() => {
                            let merged = match (self.def.keys_type, &self.rows[i]) {
                                (KeysType::Aggregate, Some(old)) => aggregate(&self.def, old, row),
                                _ => row.clone(),
                            };
                            self.rows[i] = Some(merged);
                        }
                        _ => {
                            self.key_index.insert(key, self.rows.len());
                            self.rows.push(Some(row.clone()));
                            self.live += 1;
                        }
                    }
                }
                (_, RowOp::Delete(row)) => {
                    let key = self.key_of(row, &positions);
                    if let Some(i) = self.key_index.remove(&key)
                        && self.rows[i].take().is_some()
                    {
                        self.live -= 1;
                    }
                }
            }
        }
    }
}

fn aggregate(def: &TableDef, old: &[Cell], new: &[Cell]) -> Vec<Cell> {
    def.columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let (o, n) = (&old[i], &new[i]);
            match c.agg {
                None => o.clone(),
                Some(AggType::Sum) => match (o, n) {
                    (Cell::Null, x) | (x, Cell::Null) => x.clone(),
                    (Cell::Int(a), Cell::Int(b)) => Cell::Int(a + b),
                    (Cell::Decimal(a, s), Cell::Decimal(b, _)) => Cell::Decimal(a + b, *s),
                    (a, b) => Cell::Float(a.as_f64().unwrap_or(0.0) + b.as_f64().unwrap_or(0.0)),
                },
                Some(AggType::Max) => {
                    if n.is_null() || (!o.is_null() && o.sort_cmp(n).is_ge()) {
                        o.clone()
                    } else {
                        n.clone()
                    }
                }
                Some(AggType::Min) => {
                    if n.is_null() || (!o.is_null() && o.sort_cmp(n).is_le()) {
                        o.clone()
                    } else {
                        n.clone()
                    }
                }
                Some(AggType::ReplaceIfNotNull) if n.is_null() => o.clone(),
                Some(_) => n.clone(),
            }
        })
        .collect()
}

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

/// Row and byte counters of one load or transaction.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub total_rows: u64,
    pub loaded_rows: u64,
    pub filtered_rows: u64,
    pub unselected_rows: u64,
    pub load_bytes: u64,
}

impl LoadStats {
    pub fn add(&mut self, other: &LoadStats) {
        self.total_rows += other.total_rows;
        self.loaded_rows += other.loaded_rows;
        self.filtered_rows += other.filtered_rows;
        self.unselected_rows += other.unselected_rows;
        self.load_bytes += other.load_bytes;
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

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event")]
enum Event {
    CreateDatabase {
        name: String,
    },
    DropDatabase {
        name: String,
    },
    CreateTable {
        db: String,
        def: TableDef,
    },
    DropTable {
        db: String,
        table: String,
    },
    AddColumn {
        db: String,
        table: String,
        column: ColumnDef,
    },
    Commit {
        db: String,
        table: String,
        label: String,
        txn_id: i64,
        ops: Vec<RowOp>,
    },
    Abort {
        db: String,
        table: String,
        label: String,
        txn_id: i64,
        reason: String,
    },
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
        let st = self.lock();
        let d = st
            .databases
            .get(db)
            .ok_or_else(|| CatalogError::UnknownDatabase(db.to_string()))?;
        Ok(d.tables.keys().cloned().collect())
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
        let st = self.lock();
        let d = st
            .databases
            .get(db)
            .ok_or_else(|| CatalogError::UnknownDatabase(db.to_string()))?;
        let t = d
            .tables
            .get(table)
            .ok_or_else(|| CatalogError::UnknownTable(table.to_string()))?;
        Ok(f(t))
    }

    pub fn create_database(&self, name: &str, if_not_exists: bool) -> Result<(), CatalogError> {
        let mut st = self.lock();
        if st.databases.contains_key(name) {
            return if if_not_exists {
                Ok(())
            } else {
                Err(CatalogError::DatabaseExists(name.to_string()))
            };
        }
        let ev = Event::CreateDatabase {
            name: name.to_string(),
        };
        self.persist(&ev);
        st.replay(ev);
        Ok(())
    }

    pub fn drop_database(&self, name: &str, if_exists: bool) -> Result<(), CatalogError> {
        let mut st = self.lock();
        if !st.databases.contains_key(name) {
            return if if_exists {
                Ok(())
            } else {
                Err(CatalogError::UnknownDatabase(name.to_string()))
            };
        }
        let ev = Event::DropDatabase {
            name: name.to_string(),
        };
        self.persist(&ev);
        st.replay(ev);
        Ok(())
    }

    pub fn create_table(
        &self,
        db: &str,
        def: TableDef,
        if_not_exists: bool,
    ) -> Result<(), CatalogError> {
        let mut st = self.lock();
        let d = st
            .databases
            .get(db)
            .ok_or_else(|| CatalogError::UnknownDatabase(db.to_string()))?;
        if d.tables.contains_key(&def.name) {
            return if if_not_exists {
                Ok(())
            } else {
                Err(CatalogError::TableExists(def.name.clone()))
            };
        }
        let ev = Event::CreateTable {
            db: db.to_string(),
            def,
        };
        self.persist(&ev);
        st.replay(ev);
        Ok(())
    }

    pub fn drop_table(&self, db: &str, table: &str, if_exists: bool) -> Result<(), CatalogError> {
        let mut st = self.lock();
        let d = st
            .databases
            .get(db)
            .ok_or_else(|| CatalogError::UnknownDatabase(db.to_string()))?;
        if !d.tables.contains_key(table) {
            return if if_exists {
                Ok(())
            } else {
                Err(CatalogError::UnknownTable(table.to_string()))
            };
        }
        let ev = Event::DropTable {
            db: db.to_string(),
            table: table.to_string(),
        };
        self.persist(&ev);
        st.replay(ev);
        Ok(())
    }

    /// `ALTER TABLE … ADD COLUMN`: appended after the last column; existing rows get its
    /// default (a literal) or NULL. Like StarRocks, a NOT NULL column needs a default.
    pub fn add_column(&self, db: &str, table: &str, column: ColumnDef) -> Result<(), CatalogError> {
        let mut st = self.lock();
        let t = st
            .databases
            .get(db)
            .ok_or_else(|| CatalogError::UnknownDatabase(db.to_string()))?
            .tables
            .get(table)
            .ok_or_else(|| CatalogError::UnknownTable(table.to_string()))?;
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
        self.persist(&ev);
        st.replay(ev);
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
        let def = st
            .databases
            .get(db)
            .ok_or_else(|| CatalogError::UnknownDatabase(db.to_string()))?
            .tables
            .get(table)
            .ok_or_else(|| CatalogError::UnknownTable(table.to_string()))?
            .def
            .clone();
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
            LabelRecord {
                txn_id,
                table: table.to_string(),
                state: TxnState::Prepare,
                reason: String::new(),
                staged: Vec::new(),
                staged_stats: LoadStats::default(),
                staged_errors: Vec::new(),
                created_ms: now_ms(),
            },
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
        let rec = st
            .labels
            .get_mut(db)
            .and_then(|m| m.get_mut(label))
            .filter(|r| matches!(r.state, TxnState::Prepare))
            .ok_or_else(|| CatalogError::TxnNotExists(label.to_string()))?;
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
        let rec = st
            .labels
            .get_mut(db)
            .and_then(|m| m.get_mut(label))
            .filter(|r| matches!(r.state, TxnState::Prepare | TxnState::Prepared))
            .ok_or_else(|| CatalogError::TxnNotExists(label.to_string()))?;
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
        let rec = st
            .labels
            .get_mut(db)
            .and_then(|m| m.get_mut(label))
            .ok_or_else(|| CatalogError::TxnNotExists(label.to_string()))?;
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
        self.persist(&ev);
        st.replay(ev);
        Ok(st.labels[db][label].clone())
    }

    /// Aborts an open transaction; its label may be used again.
    pub fn abort(&self, db: &str, label: &str, reason: &str) -> Result<LabelRecord, CatalogError> {
        let mut st = self.lock();
        let rec = st
            .labels
            .get_mut(db)
            .and_then(|m| m.get_mut(label))
            .ok_or_else(|| CatalogError::TxnNotExists(label.to_string()))?;
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
        self.persist(&ev);
        st.replay(ev);
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

impl State {
    fn replay(&mut self, ev: Event) {
        match ev {
            Event::CreateDatabase { name } => {
                self.databases.entry(name).or_default();
            }
            Event::DropDatabase { name } => {
                self.databases.remove(&name);
                self.labels.remove(&name);
            }
            Event::CreateTable { db, def } => {
                if let Some(d) = self.databases.get_mut(&db) {
                    d.tables.insert(def.name.clone(), Table::new(def));
                }
            }
            Event::DropTable { db, table } => {
                if let Some(d) = self.databases.get_mut(&db) {
                    d.tables.remove(&table);
                }
            }
            Event::AddColumn { db, table, column } => {
                if let Some(t) = self
                    .databases
                    .get_mut(&db)
                    .and_then(|d| d.tables.get_mut(&table))
                {
                    t.add_column(column);
                }
            }
            Event::Commit {
                db,
                table,
                label,
                txn_id,
                ops,
            } => {
                if let Some(t) = self
                    .databases
                    .get_mut(&db)
                    .and_then(|d| d.tables.get_mut(&table))
                {
                    t.apply(&ops);
                }
                self.next_txn_id = self.next_txn_id.max(txn_id + 1);
                let rec = self
                    .labels
                    .entry(db)
                    .or_default()
                    .entry(label)
                    .or_insert_with(|| LabelRecord {
                        txn_id,
                        table: table.clone(),
                        state: TxnState::Visible,
                        reason: String::new(),
                        staged: Vec::new(),
                        staged_stats: LoadStats::default(),
                        staged_errors: Vec::new(),
                        created_ms: now_ms(),
                    });
                rec.txn_id = txn_id;
                rec.state = TxnState::Visible;
                rec.staged.clear();
            }
            Event::Abort {
                db,
                table,
                label,
                txn_id,
                reason,
            } => {
                self.next_txn_id = self.next_txn_id.max(txn_id + 1);
                let rec = self
                    .labels
                    .entry(db)
                    .or_default()
                    .entry(label)
                    .or_insert_with(|| LabelRecord {
                        txn_id,
                        table,
                        state: TxnState::Aborted,
                        reason: String::new(),
                        staged: Vec::new(),
                        staged_stats: LoadStats::default(),
                        staged_errors: Vec::new(),
                        created_ms: now_ms(),
                    });
                rec.state = TxnState::Aborted;
                rec.reason = reason;
                rec.staged.clear();
            }
        }
    }
}
