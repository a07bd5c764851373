//! A table's definition: columns, keys type, distribution, and the row change a load produces.
//! `SHOW CREATE TABLE` renders it the way StarRocks prints it.

use crate::cell::Cell;
use crate::sql_type::SqlType;
use serde::{Deserialize, Serialize};

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

    /// Positions of the key columns, in key order.
    pub fn key_positions(&self) -> Vec<usize> {
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
    /// `partial_update` on a Primary Key table: only the columns marked `true` (those the
    /// `columns` parameter names) replace an existing row's; a new key takes the whole row.
    Update {
        row: Vec<Cell>,
        columns: Vec<bool>,
    },
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
