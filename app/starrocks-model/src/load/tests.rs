//! Unit tests of the body-to-rows conversion.

use super::*;
use crate::sql_type::SqlType;

fn stock() -> TableDef {
    let mut ticker = ColumnDef::new("ticker", SqlType::Varchar(20));
    ticker.nullable = false;
    TableDef {
        name: "stock".into(),
        columns: vec![
            ColumnDef::new("event_time", SqlType::DateTime),
            ticker,
            ColumnDef::new("price", SqlType::Double),
        ],
        key_columns: vec!["event_time".into()],
        ..Default::default()
    }
}

fn params(h: &[(&str, &str)]) -> LoadParams {
    let map: HashMap<String, String> = h
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    parse_params(&|k| map.get(k).cloned()).unwrap()
}

#[test]
fn json_with_bare_jsonpaths_loads_and_filters_not_null() {
    let p = params(&[
        ("format", "json"),
        ("strip_outer_array", "true"),
        ("jsonpaths", r#"["event_time", "ticker", "price"]"#),
    ]);
    let body = br#"[{"event_time":"2024-05-28T19:53:17.497201","ticker":"AAPL","price":84.27},
                   {"event_time":"2024-05-28T19:53:18","price":1.5}]"#;
    let out = execute(&stock(), &p, body).unwrap();
    assert_eq!(out.stats.total_rows, 2);
    assert_eq!(out.stats.loaded_rows, 1);
    assert_eq!(out.stats.filtered_rows, 1);
    assert!(
        out.error_lines[0].starts_with("Error: NULL value in non-nullable column 'ticker'. Row: [")
    );
}

#[test]
fn csv_wrong_field_count_is_filtered_with_the_raw_row() {
    let p = params(&[("column_separator", ",")]);
    let out = execute(&stock(), &p, b"2024-05-28 10:00:00,AAPL,1.5\n0,aaaa\n").unwrap();
    assert_eq!(out.stats.loaded_rows, 1);
    assert_eq!(
        out.error_lines,
        vec!["Error: Value count does not match column count. Expect 3, but got 2. Row: 0,aaaa"]
    );
}

#[test]
fn columns_expression_converts_epoch_millis() {
    let p = params(&[
        ("format", "json"),
        (
            "columns",
            "ts, ticker, price, event_time = from_unixtime(ts / 1000)",
        ),
        ("timezone", "UTC"),
    ]);
    let out = execute(
        &stock(),
        &p,
        br#"{"ts":1716925997497,"ticker":"X","price":2}"#,
    )
    .unwrap();
    match &out.ops[0] {
        RowOp::Upsert(cells) => assert_eq!(cells[0].to_text().unwrap(), "2024-05-28 19:53:17"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn json_paths_parse_as_starrocks_accepts_them() {
    let doc = serde_json::json!({"a.b": {"c": [1, 2]}, "x": 1});
    assert_eq!(
        JsonPath::parse("$.\"a.b\".c[1]").unwrap().extract(&doc),
        Some(2.into())
    );
    assert_eq!(JsonPath::parse("x").unwrap().extract(&doc), Some(1.into()));
    assert_eq!(JsonPath::parse("$.missing").unwrap().extract(&doc), None);
}
