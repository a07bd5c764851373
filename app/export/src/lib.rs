//! A pipeline config exported as a job for the distributed engine our users already know: a
//! Managed Service for Apache Flink (MSF) application. Pure: the caller supplies the table's
//! columns and the parallelism (from the cluster and the stream, or from files) and writes the
//! files this returns. What the export does and why is in `docs/flink-export.md`.

pub mod ddl;
pub mod flink;

pub use ddl::{TableColumn, columns_from_create_table};
pub use flink::{
    ExportFile, FlinkExport, FlinkExportInput, SettingNote, export_flink, local_build_args,
    local_jvm_args, local_properties, local_run_args,
};

/// Why a pipeline cannot be exported. Each names the setting, column or path at fault.
#[derive(Debug, Clone, thiserror::Error, PartialEq, Eq)]
pub enum ExportError {
    /// A setting with no Flink equivalent, set to a value Flink cannot honour.
    #[error("{key} = {value}: {why}")]
    Unsupported {
        key: String,
        value: String,
        why: String,
    },
    /// A setting Flink needs and the config leaves out.
    #[error("{key} is required for the Flink export: {why}")]
    Missing { key: String, why: String },
    /// The table definition given to the export.
    #[error("table definition: {0}")]
    Table(String),
}
