use super::*;
use crate::ExportError;
use starrocks_model::SqlType;
use std::collections::BTreeMap;

fn columns(names: &[&str]) -> Vec<TableColumn> {
    names
        .iter()
        .map(|n| TableColumn {
            name: n.to_string(),
            sql_type: SqlType::String,
        })
        .collect()
}

fn props(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
    pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn config(extra_sink: &str, top: &str) -> PipelineConfig {
    let text = format!(
        "name = \"clicks\"\n{top}\n[source]\nstream = \"s\"\nregion = \"eu-west-1\"\n\
         [sink]\njdbc-url = \"jdbc:mysql://fe:9030\"\nload-url = \"fe:8030\"\nusername = \"u\"\n\
         database-name = \"d\"\ntable-name = \"t\"\nproperties.format = \"json\"\n{extra_sink}\n"
    );
    PipelineConfig::from_toml_str(&text, std::path::Path::new("/tmp/clicks.toml"))
        .expect("a valid config")
}

#[test]
fn without_jsonpaths_the_table_columns_bind_by_name() {
    let m = flink_mapping(&props(&[("format", "json")]), &columns(&["a", "b"])).unwrap();
    let names: Vec<&str> = m.bindings.iter().map(|b| b.name.as_str()).collect();
    assert_eq!(names, ["a", "b"]);
    assert_eq!(m.sink_properties["columns"], "`a`, `b`");
    assert_eq!(m.sink_properties["jsonpaths"], r#"["$.a","$.b"]"#);
    assert_eq!(m.sink_properties["strip_outer_array"], "true");
}

#[test]
fn nested_paths_and_json_root_become_rows_and_keep_their_binding_names() {
    let m = flink_mapping(
        &props(&[
            ("format", "json"),
            ("json_root", "$.data"),
            ("jsonpaths", r#"["$.user.id", "$.user.name", "$.ts"]"#),
            ("columns", "uid, uname, t, at = from_unixtime(t)"),
            ("max_filter_ratio", "0.1"),
        ]),
        &columns(&["uid", "uname", "at"]),
    )
    .unwrap();
    assert_eq!(m.bindings[0].keys, ["data", "user", "id"]);
    assert_eq!(m.source_fields.len(), 1, "one top-level field: data");
    assert_eq!(
        m.source_fields[0].children.len(),
        2,
        "data.user and data.ts"
    );
    assert_eq!(m.sink_properties["max_filter_ratio"], "0.1");
    assert_eq!(
        m.sink_properties["columns"],
        "uid, uname, t, at = from_unixtime(t)"
    );
    assert!(!m.sink_properties.contains_key("json_root"));
}

#[test]
fn what_flink_cannot_read_is_refused_with_the_setting_named() {
    let refused = |pairs: &[(&str, &str)]| {
        flink_mapping(&props(pairs), &columns(&["a", "b"]))
            .unwrap_err()
            .to_string()
    };
    assert!(refused(&[("format", "csv")]).starts_with("sink.properties.format = csv"));
    assert!(refused(&[]).starts_with("sink.properties.format = csv"));
    let text = refused(&[("format", "json"), ("jsonpaths", r#"["$.a[0]", "$.b"]"#)]);
    assert!(
        text.starts_with("sink.properties.jsonpaths = $.a[0]"),
        "{text}"
    );
    let text = refused(&[("format", "json"), ("jsonpaths", r#"["$.a"]"#)]);
    assert!(text.contains("1 paths for 2 columns"), "{text}");
    let text = refused(&[("format", "json"), ("jsonpaths", r#"["$.a", "$.a.b"]"#)]);
    assert!(
        text.contains("`a` is read both as a value and as an object"),
        "{text}"
    );
}

#[test]
fn settings_with_no_flink_equivalent_refuse_or_are_noted() {
    let err = flink_settings(&config("", "on-data-error = \"dead-letter\"")).unwrap_err();
    assert!(matches!(err, ExportError::Unsupported { ref key, .. } if key == "on-data-error"));
    let settings = flink_settings(&config("buffer-flush.max-rows = 10", "")).unwrap();
    let changed: Vec<&str> = settings
        .notes
        .iter()
        .filter(|n| n.changed)
        .map(|n| n.key)
        .collect();
    assert_eq!(changed, ["sink.buffer-flush.max-rows"]);
    assert!(
        settings
            .notes
            .iter()
            .any(|n| n.key == "source.kpl-out-of-range"),
        "the KCL rule on Flink is said, not hidden"
    );
    assert_eq!(settings.checkpoint_interval_ms, 5_000);
    let label = settings
        .sink_options
        .iter()
        .find(|(k, _)| k == "sink.label-prefix")
        .unwrap();
    assert_eq!(label.1, "ks-clicks-flink");
}

#[test]
fn the_export_holds_no_password_and_a_placeholder_the_runner_fills() {
    let cfg = config("", "");
    let export = export_flink(&FlinkExportInput {
        config: &cfg,
        columns: &columns(&["a"]),
        parallelism: 3,
        stream_arn: None,
    })
    .unwrap();
    let sql = &export
        .files
        .iter()
        .find(|f| f.path == "pipeline.sql")
        .unwrap()
        .contents;
    assert!(
        sql.contains("'password' = '${STARROCKS_PASSWORD}'"),
        "{sql}"
    );
    let java = &export
        .files
        .iter()
        .find(|f| f.path.ends_with("PipelineJob.java"))
        .unwrap()
        .contents;
    assert!(
        java.contains(PASSWORD_PLACEHOLDER),
        "the runner replaces what the SQL holds"
    );
    let request = &export
        .files
        .iter()
        .find(|f| f.path == "create-application.json")
        .unwrap()
        .contents;
    let request: serde_json::Value = serde_json::from_str(request).unwrap();
    let flink = &request["ApplicationConfiguration"]["FlinkApplicationConfiguration"];
    assert_eq!(flink["ParallelismConfiguration"]["Parallelism"], 3);
    assert_eq!(flink["CheckpointConfiguration"]["CheckpointInterval"], 5000);
    assert_eq!(request["RuntimeEnvironment"], RUNTIME_ENVIRONMENT);
}
