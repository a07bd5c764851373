//! The job's Flink SQL: the Kinesis table, the StarRocks table, the INSERT.

use super::mapping::{FlinkMapping, SourceField};
use super::settings::FlinkSettings;

/// Stands for the password in the SQL; the runner replaces it at start (README: "The password").
pub const PASSWORD_PLACEHOLDER: &str = "${STARROCKS_PASSWORD}";
/// The Flink tables' names in the SQL.
pub const SOURCE_TABLE: &str = "kinesis_source";
pub const SINK_TABLE: &str = "starrocks_sink";

/// `pipeline.sql`: statements end with `;` at the end of a line (the runner splits there).
pub fn pipeline_sql(pipeline: &str, settings: &FlinkSettings, mapping: &FlinkMapping) -> String {
    let mut sql = format!(
        "-- Pipeline \"{pipeline}\", exported by kinesis-starrocks. The runner (PipelineJob.java)\n\
         -- executes these statements in order; {PASSWORD_PLACEHOLDER} is replaced at start.\n\n"
    );
    let source_columns: Vec<String> = mapping
        .source_fields
        .iter()
        .map(|f| format!("  {} {}", ident(&f.name), field_type(f)))
        .collect();
    sql += &create_table(SOURCE_TABLE, &source_columns, &settings.source_options);
    let sink_columns: Vec<String> = mapping
        .bindings
        .iter()
        .map(|b| format!("  {} STRING", ident(&b.name)))
        .collect();
    let mut sink_options = settings.sink_options.clone();
    sink_options.insert(6, ("password".into(), PASSWORD_PLACEHOLDER.into()));
    sink_options.extend(
        mapping
            .sink_properties
            .iter()
            .map(|(k, v)| (format!("sink.properties.{k}"), v.clone())),
    );
    sql += "\n";
    sql += &create_table(SINK_TABLE, &sink_columns, &sink_options);
    let select: Vec<String> = mapping
        .bindings
        .iter()
        .map(|b| {
            let path: Vec<String> = b.keys.iter().map(|k| ident(k)).collect();
            format!("  {} AS {}", path.join("."), ident(&b.name))
        })
        .collect();
    sql += &format!(
        "\nINSERT INTO {SINK_TABLE}\nSELECT\n{}\nFROM {SOURCE_TABLE};\n",
        select.join(",\n")
    );
    sql
}

fn create_table(name: &str, columns: &[String], options: &[(String, String)]) -> String {
    let options: Vec<String> = options
        .iter()
        .map(|(k, v)| format!("  {} = {}", literal(k), literal(v)))
        .collect();
    format!(
        "CREATE TABLE {name} (\n{}\n) WITH (\n{}\n);\n",
        columns.join(",\n"),
        options.join(",\n")
    )
}

fn field_type(field: &SourceField) -> String {
    if field.children.is_empty() {
        return "STRING".into();
    }
    let inner: Vec<String> = field
        .children
        .iter()
        .map(|c| format!("{} {}", ident(&c.name), field_type(c)))
        .collect();
    format!("ROW<{}>", inner.join(", "))
}

/// A Flink SQL identifier in backquotes.
pub fn ident(name: &str) -> String {
    format!("`{}`", name.replace('`', "``"))
}

/// A Flink SQL string literal.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}
