//! The catalog's change events: appended to `events.jsonl` with a data dir and replayed on
//! start, so rows, tables and labels survive a restart.

use super::{ColumnDef, LabelRecord, RowOp, State, Table, TableDef, TxnState};
use serde::{Deserialize, Serialize};

#[derive(Debug, Serialize, Deserialize)]
#[serde(tag = "event")]
pub(super) enum Event {
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

impl State {
    fn table_mut(&mut self, db: &str, table: &str) -> Option<&mut Table> {
        self.databases
            .get_mut(db)
            .and_then(|d| d.tables.get_mut(table))
    }

    /// The record of `label` in `db`; a fresh one in `state` when the log holds no `begin` for
    /// it (begins are not persisted).
    fn label_record(
        &mut self,
        db: String,
        label: String,
        txn_id: i64,
        table: String,
        state: TxnState,
    ) -> &mut LabelRecord {
        self.labels
            .entry(db)
            .or_default()
            .entry(label)
            .or_insert_with(|| LabelRecord::new(txn_id, table, state))
    }

    pub(super) fn replay(&mut self, ev: Event) {
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
                if let Some(t) = self.table_mut(&db, &table) {
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
                if let Some(t) = self.table_mut(&db, &table) {
                    t.apply(&ops);
                }
                self.next_txn_id = self.next_txn_id.max(txn_id + 1);
                let rec = self.label_record(db, label, txn_id, table, TxnState::Visible);
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
                let rec = self.label_record(db, label, txn_id, table, TxnState::Aborted);
                rec.state = TxnState::Aborted;
                rec.reason = reason;
                rec.staged.clear();
            }
        }
    }
}
