//! Unit tests of inference, DDL, jsonpaths and grid validation.

use super::*;
use serde_json::json;

fn stock(id: u64) -> serde_json::Value {
    let ticker = ["AAPL", "AMZN", "MSFT"][(id % 3) as usize];
    json!({
        "event_time": format!("2024-05-28T19:53:{:02}.497201", id % 60),
        "ticker": ticker,
        "price": id as f64 / 100.0 + 0.5,
        "id": id,
    })
}

#[test]
fn stock_records_infer_the_expected_table() {
    let samples: Vec<_> = (0..20).map(stock).collect();
    let cols = infer(&samples);
    let got: Vec<(&str, &str, bool, bool)> = cols
        .iter()
        .map(|c| (c.name.as_str(), c.sql_type.as_str(), c.nullable, c.key))
        .collect();
    assert_eq!(
        got,
        vec![
            ("id", "BIGINT", false, true),
            ("event_time", "DATETIME", false, false),
            ("ticker", "VARCHAR(64)", false, false),
            ("price", "DOUBLE", false, false),
        ]
    );
    let spec = TableSpec {
        database: "example_db".into(),
        table: "stock".into(),
        columns: cols,
        buckets: Some(4),
        replication_num: None,
        ..TableSpec::default()
    };
    assert_eq!(spec.validate(), Ok(()));
    assert_eq!(
        spec.ddl(),
        "CREATE TABLE IF NOT EXISTS `example_db`.`stock` (\n    `id` BIGINT NOT NULL,\n    \
         `event_time` DATETIME NOT NULL,\n    `ticker` VARCHAR(64) NOT NULL,\n    `price` DOUBLE NOT NULL\n)\n\
         DUPLICATE KEY(`id`)\nDISTRIBUTED BY HASH(`id`) BUCKETS 4"
    );
    assert_eq!(
        spec.jsonpaths(),
        r#"["$.id","$.event_time","$.ticker","$.price"]"#
    );
    assert_eq!(
        spec.create_database_ddl(),
        "CREATE DATABASE IF NOT EXISTS `example_db`"
    );
}

#[test]
fn types_nullability_and_mixed_kinds() {
    let samples = vec![
        json!({"n": 1, "mix": 1, "flag": true, "d": "2024-05-28", "when": "2024-05-28 19:53:17",
               "z": "2024-05-28T19:53:17Z", "off": "2024-05-28T19:53:17+02:00", "nested": {"a": 1},
               "arr": [1], "s": 5, "maybe": null, "big": 18446744073709551615u64}),
        json!({"n": 2, "mix": 2.5, "flag": false, "d": "2024-05-29", "when": "2024-05-28T19:53:17.5",
               "z": "2024-05-28T19:53:17.1Z", "off": "x", "nested": 3, "arr": [], "s": "five",
               "extra": "later", "big": 1}),
    ];
    let cols = infer(&samples);
    let t = |n: &str| {
        let c = cols.iter().find(|c| c.name == n).unwrap();
        (c.sql_type.clone(), c.nullable)
    };
    assert_eq!(t("n"), ("BIGINT".into(), false));
    assert_eq!(t("mix"), ("DOUBLE".into(), false));
    assert_eq!(t("flag"), ("BOOLEAN".into(), false));
    assert_eq!(t("d"), ("DATE".into(), false));
    assert_eq!(t("when"), ("DATETIME".into(), false));
    assert_eq!(t("z"), ("DATETIME".into(), false));
    // StarRocks does not parse offsets into DATETIME: text it is.
    assert_eq!(t("off"), ("VARCHAR(64)".into(), false));
    assert_eq!(t("nested"), ("JSON".into(), false));
    assert_eq!(t("arr"), ("JSON".into(), false));
    assert_eq!(t("s"), ("VARCHAR(64)".into(), false));
    assert_eq!(t("maybe"), ("VARCHAR(64)".into(), true));
    assert_eq!(t("extra"), ("VARCHAR(64)".into(), true));
    assert_eq!(t("big"), ("LARGEINT".into(), false));
    // No id column: the first DATE/DATETIME column is the key, moved first.
    assert_eq!(cols[0].name, "d");
    assert!(cols[0].key);
    assert_eq!(cols.iter().filter(|c| c.key).count(), 1);
}

#[test]
fn empty_and_non_object_samples_give_no_columns() {
    assert!(infer(&[]).is_empty());
    assert!(infer(&[json!(1), json!("x"), json!([1, 2])]).is_empty());
    let spec = infer_table("db", "t", &[]);
    let errs = spec.validate().unwrap_err();
    assert!(errs[0].message.contains("no columns"), "{errs:?}");
}

#[test]
fn field_names_become_valid_columns_with_their_source_kept() {
    let cols = infer(&[
        json!({"price-usd": 1.5, "a.b": "x", "9lives": 1, "price_usd": 2.5,
                              "bad\"key": 1}),
    ]);
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, vec!["a_b", "price_usd", "_9lives", "price_usd_2"]);
    assert_eq!(cols[0].jsonpath(), "$.\"a.b\"");
    assert_eq!(cols[1].source.as_deref(), Some("price-usd"));
    assert_eq!(cols[3].source.as_deref(), Some("price_usd"));
    assert_eq!(
        jsonpaths(&cols),
        r#"["$.\"a.b\"","$.price-usd","$.9lives","$.price_usd"]"#
    );
}

#[test]
fn identifiers_are_backquoted_and_escaped() {
    assert_eq!(quote_ident("a`b"), "`a``b`");
    let spec = TableSpec {
        database: "d`b".into(),
        table: "order".into(),
        columns: vec![ColumnSpec::new("select", "INT")],
        buckets: None,
        replication_num: Some(1),
        ..TableSpec::default()
    };
    assert!(
        spec.ddl()
            .starts_with("CREATE TABLE IF NOT EXISTS `d``b`.`order` (\n    `select` INT NULL\n)")
    );
    assert!(
        spec.ddl()
            .ends_with("DISTRIBUTED BY RANDOM\nPROPERTIES (\"replication_num\" = \"1\")")
    );
    assert_eq!(
        spec.create_database_ddl(),
        "CREATE DATABASE IF NOT EXISTS `d``b`"
    );
    assert_eq!(
        add_column_ddl(
            "db",
            "t",
            &ColumnSpec {
                nullable: false,
                ..ColumnSpec::new("x", "BIGINT")
            }
        ),
        "ALTER TABLE `db`.`t` ADD COLUMN `x` BIGINT NULL"
    );
    let errs = spec.validate().unwrap_err();
    assert!(
        errs[0].message.contains("database name \"d`b\""),
        "{errs:?}"
    );
}

#[test]
fn grid_validation_names_the_column() {
    let mut k = ColumnSpec::new("id", "BIGINT");
    k.key = true;
    let mut late_key = ColumnSpec::new("ts", "DATETIME");
    late_key.key = true;
    let mut dkey = ColumnSpec::new("score", "DOUBLE");
    dkey.key = true;
    let cols = vec![
        dkey,
        k,
        ColumnSpec::new("", "INT"),
        ColumnSpec::new("ID", "INT"),
        ColumnSpec::new("price", "MONEY"),
        ColumnSpec::new("name", "VARCHAR(0)"),
        late_key,
    ];
    let errs: Vec<String> = validate_columns(&cols)
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(errs.contains(&"column 1 (score): a DOUBLE column cannot be a key column (FLOAT, DOUBLE, JSON and complex types cannot)".to_string()), "{errs:#?}");
    assert!(
        errs.contains(&"column 3: the name is empty".to_string()),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("column 4 (ID): duplicate column name (also column 2")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("column 5 (price): unknown type \"MONEY\"")),
        "{errs:#?}"
    );
    assert!(
        errs.iter().any(|e| e
            .starts_with("column 6 (name): \"VARCHAR(0)\": VARCHAR length must be 1 to 1048576")),
        "{errs:#?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.starts_with("column 7 (ts): key columns must come first")),
        "{errs:#?}"
    );
    assert_eq!(errs.len(), 6, "{errs:#?}");
}

#[test]
fn type_parsing_and_lengths() {
    assert_eq!(parse_type("varchar(20)"), Ok(ColumnType::Varchar(20)));
    assert_eq!(parse_type(" int(11) "), Ok(ColumnType::Int));
    assert_eq!(
        parse_type("DECIMAL(18, 4)"),
        Ok(ColumnType::Decimal {
            precision: 18,
            scale: 4
        })
    );
    assert!(parse_type("decimal(4, 5)").is_err());
    assert_eq!(
        parse_type("ARRAY<INT>"),
        Ok(ColumnType::Complex("ARRAY<INT>".into()))
    );
    assert!(parse_type("double(3)").is_err());
    assert_eq!(varchar_len(0), 64);
    assert_eq!(varchar_len(32), 64);
    assert_eq!(varchar_len(33), 128);
    assert_eq!(varchar_len(40_000), 65533);
    assert_eq!(varchar_len(70_000), MAX_VARCHAR_BYTES);
    assert_eq!(
        temporal_shape("2024-05-28T19:53:17.497201"),
        Some(TemporalShape::DateTime)
    );
    assert_eq!(temporal_shape("2024-02-30"), None);
    assert_eq!(temporal_shape("2024-05-28 25:00:00"), None);
    assert_eq!(temporal_shape("20240528"), None);
}

/// Chinese field names keep their names as columns (StarRocks allows them); a table name may
/// hold Chinese and spaces; a database name stays ASCII, as StarRocks requires.
#[test]
fn chinese_names_are_columns_and_tables_but_not_databases() {
    let long = "价".repeat(70);
    let cols = infer(&[json!({"代码": "AAPL", "价格": 1.5, "9号": 1, long.clone(): 2})]);
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[..3], ["代码", "价格", "_9号"]);
    assert_eq!(names[3].chars().count(), 64, "cut by characters, not bytes");
    assert_eq!(cols[0].jsonpath(), "$.代码");
    let mut spec = TableSpec {
        database: "example_db".into(),
        table: "股票 行情".into(),
        columns: vec![ColumnSpec::new("代码", "VARCHAR(16)")],
        buckets: None,
        replication_num: Some(1),
        ..TableSpec::default()
    };
    assert_eq!(spec.validate(), Ok(()));
    assert!(
        spec.ddl().starts_with(
            "CREATE TABLE IF NOT EXISTS `example_db`.`股票 行情` (\n    `代码` VARCHAR(16)"
        ),
        "{}",
        spec.ddl()
    );
    spec.database = "数据库".into();
    spec.columns[0].name = "a=b".into();
    let errs = spec.validate().unwrap_err();
    assert!(
        errs[0].message.contains("database name \"数据库\""),
        "{errs:?}"
    );
    assert!(
        errs.iter()
            .any(|e| e.message.contains("\"a=b\" is not a valid column name")),
        "{errs:?}"
    );
}

#[test]
fn primary_key_tables_with_a_sort_key() {
    let mut id = ColumnSpec::new("id", "BIGINT");
    id.key = true;
    id.nullable = false;
    let mut spec = TableSpec {
        database: "d".into(),
        table: "quotes".into(),
        columns: vec![
            id,
            ColumnSpec::new("price", "DOUBLE"),
            ColumnSpec::new("ticker", "VARCHAR(8)"),
        ],
        model: TableModel::Primary,
        sort_key: vec!["ticker".into()],
        ..TableSpec::default()
    };
    assert_eq!(spec.validate(), Ok(()));
    let ddl = spec.ddl();
    assert!(
        ddl.ends_with("PRIMARY KEY(`id`)\nDISTRIBUTED BY HASH(`id`)\nORDER BY (`ticker`)"),
        "{ddl}"
    );
    // A nullable key, no key at all, a sort key naming no column: each said.
    spec.columns[0].nullable = true;
    spec.sort_key = vec!["nope".into()];
    let errors: Vec<String> = spec
        .validate()
        .unwrap_err()
        .iter()
        .map(|e| e.to_string())
        .collect();
    assert!(
        errors
            .iter()
            .any(|e| e.contains("primary key column is NOT NULL")),
        "{errors:?}"
    );
    assert!(
        errors
            .iter()
            .any(|e| e.contains("\"nope\", which is not a column")),
        "{errors:?}"
    );
    spec.columns[0].key = false;
    spec.sort_key.clear();
    let errors = spec.validate().unwrap_err();
    assert!(
        errors.iter().any(|e| e.message.contains("needs a key")),
        "{errors:?}"
    );
    // Duplicate key tables take no sort key.
    spec.model = TableModel::Duplicate;
    spec.sort_key = vec!["price".into()];
    assert!(spec.validate().is_err());
}
