//! DDL: CREATE TABLE's grammar and errors, DROP, ALTER TABLE … ADD COLUMN.

use super::*;

fn ddl_err(sql: &str) -> String {
    let c = ctx();
    let mut s = session();
    execute(&c, &mut s, "create database d").unwrap();
    execute(&c, &mut s, "use d").unwrap();
    let e = err(&c, &mut s, sql);
    assert_eq!(e.code, 1064, "{sql}: {e}");
    e.message
}

#[test]
fn bad_ddl_names_the_problem() {
    let m = ddl_err("create table t (a int, b float) duplicate key(b)");
    assert!(m.contains("ordered prefix"), "{m}");
    let m = ddl_err("create table t (a float, b int) duplicate key(a)");
    assert!(m.contains("float or double can not used as a key"), "{m}");
    let m = ddl_err("create table t (a int, b int) primary key(c)");
    assert!(m.contains("'c'"), "{m}");
    let m = ddl_err("create table t (a int, b int sum) duplicate key(a)");
    assert!(m.contains("aggregate type SUM"), "{m}");
    let m = ddl_err("create table t (a int, b int) aggregate key(a)");
    assert!(m.contains("non-key column[b]"), "{m}");
    let m = ddl_err("create table t (a int, a int)");
    assert!(m.contains("Duplicate column name 'a'"), "{m}");
    let m = ddl_err("create table t (__op int)");
    assert!(m.contains("reserved"), "{m}");
    let m = ddl_err("create table t (`a=b` int)");
    assert!(m.contains("Incorrect column name 'a=b'"), "{m}");
    let m = ddl_err("create table t (a int, b int) primary key(a) distributed by hash(b)");
    assert!(
        m.contains("Distribution column[b] is not key column"),
        "{m}"
    );
    let m = ddl_err("create table t (a int) distributed by hash(z) buckets 1");
    assert!(m.contains("Distribution column[z] does not exist"), "{m}");
    let m = ddl_err("create table t (a decimal(40, 2))");
    assert!(m.contains("precision"), "{m}");
    let m = ddl_err("create table t (a varchar(2000000))");
    assert!(m.contains("length"), "{m}");
    let m = ddl_err("create table t (a char(256))");
    assert!(m.contains("CHAR"), "{m}");
    let m = ddl_err("create table t (a int null, b int) primary key(a)");
    assert!(m.contains("cannot be nullable"), "{m}");
    let m = ddl_err("create table t (a int, b int as a + 1)");
    assert!(m.contains("generated columns"), "{m}");
    let m = ddl_err("create temporary table t (a int)");
    assert!(m.contains("TEMPORARY"), "{m}");
    let m = ddl_err("create table t (a int, b json) duplicate key(a, b)");
    assert!(m.contains("key"), "{m}");
    let m = ddl_err("create table t (a int, b int) primary key(a) distributed by random");
    assert!(m.contains("RANDOM"), "{m}");
    let m = ddl_err("create table t (a frobtype)");
    assert!(m.starts_with("Getting syntax error"), "{m}");
    let m = ddl_err("create table t (a int default 'x')");
    assert!(m.contains("Invalid default value for 'a'"), "{m}");
}

#[test]
fn full_create_table_grammar() {
    let c = ctx();
    let mut s = session();
    execute(&c, &mut s, "create database d").unwrap();
    execute(
        &c,
        &mut s,
        r#"CREATE TABLE IF NOT EXISTS d.orders (
                -- the key
                order_id BIGINT NOT NULL COMMENT "id",
                dt DATE NOT NULL,
                /* values */
                amount DECIMAL(18, 2) DEFAULT "0",
                note VARCHAR(200) DEFAULT (uuid()),
                created DATETIME DEFAULT CURRENT_TIMESTAMP,
                tags ARRAY<VARCHAR(20)>,
                props MAP<VARCHAR(10), STRUCT<a INT, b ARRAY<INT>>>,
                n int(11) NULL,
                seq bigint AUTO_INCREMENT,
                INDEX idx_note (note) USING BITMAP COMMENT 'bitmap'
            ) ENGINE=OLAP
            PRIMARY KEY(order_id, dt)
            COMMENT "orders table"
            PARTITION BY RANGE(dt) (
                PARTITION p1 VALUES LESS THAN ("2024-01-01"),
                PARTITION p2 VALUES LESS THAN ("2025-01-01")
            )
            DISTRIBUTED BY HASH(order_id) BUCKETS 8
            ORDER BY (dt, amount)
            PROPERTIES ("replication_num" = "1", "enable_persistent_index" = "true");"#,
    )
    .unwrap();
    let def = c.catalog.table_def("d", "orders").unwrap();
    assert_eq!(def.keys_type, KeysType::Primary);
    assert!(!def.columns[0].nullable && !def.columns[1].nullable);
    assert!(def.columns[2].nullable);
    assert_eq!(
        def.columns[2].ty,
        SqlType::Decimal {
            precision: 18,
            scale: 2
        }
    );
    assert_eq!(
        def.columns[3].default,
        Some(DefaultValue::Expr("uuid()".into()))
    );
    assert_eq!(def.columns[4].default, Some(DefaultValue::CurrentTimestamp));
    assert_eq!(
        def.columns[5].ty,
        SqlType::Complex("ARRAY<VARCHAR(20)>".into())
    );
    assert_eq!(def.columns[7].ty, SqlType::Int);
    assert!(def.columns[8].auto_increment);
    assert_eq!(def.comment, "orders table");
    assert!(
        def.partition_desc
            .as_ref()
            .unwrap()
            .starts_with("PARTITION BY RANGE(dt) (")
    );
    assert!(def.partition_desc.as_ref().unwrap().ends_with(')'));
    assert_eq!(def.order_by, vec!["dt", "amount"]);
    execute(
        &c,
        &mut s,
        "create table d.agg (k int, v bigint sum, m int max, r varchar(10) replace_if_not_null) \
         aggregate key(k) distributed by hash(k)",
    )
    .unwrap();
    execute(
        &c,
        &mut s,
        "create table d.p (dt datetime, v int) partition by date_trunc('day', dt) \
         distributed by random buckets 3",
    )
    .unwrap();
    let p = c.catalog.table_def("d", "p").unwrap();
    assert_eq!(
        p.partition_desc.as_deref(),
        Some("partition by date_trunc('day', dt)")
    );
    // information_schema sees the PRIMARY KEY columns.
    let r = execute(
        &c,
        &mut s,
        "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, `DATA_TYPE`, `COLUMN_SIZE`, \
         `DECIMAL_DIGITS` from `information_schema`.`COLUMNS` where `TABLE_SCHEMA`='d' and \
         `TABLE_NAME`='orders'",
    )
    .unwrap();
    let QueryResult::Rows { columns, rows } = r else {
        panic!()
    };
    assert_eq!(columns[1], ("ORDINAL_POSITION".to_string(), ColType::Int));
    assert_eq!(rows.len(), 9);
    assert_eq!(
        rows[0],
        vec![
            Some("order_id".into()),
            Some("1".into()),
            Some("PRI".into()),
            Some("bigint".into()),
            Some("19".into()),
            Some("0".into())
        ]
    );
    assert_eq!(rows[2][5].as_deref(), Some("2"));
    assert_eq!(rows[3][2].as_deref(), Some(""));
}

#[test]
fn drop_statements() {
    let (c, mut s) = seeded();
    execute(&c, &mut s, "drop table stock").unwrap();
    assert!(
        err(&c, &mut s, "drop table stock")
            .message
            .contains("Unknown table")
    );
    execute(&c, &mut s, "drop table if exists stock").unwrap();
    execute(&c, &mut s, "drop database example_db").unwrap();
    assert_eq!(s.current_db, None);
    assert_eq!(err(&c, &mut s, "drop database example_db").code, 1008);
    execute(&c, &mut s, "drop database if exists example_db").unwrap();
}

#[test]
fn alter_table_add_column() {
    let (c, mut s) = seeded();
    execute(
        &c,
        &mut s,
        "insert into stock values ('2024-05-28 19:53:17', 'AAPL', 1.5)",
    )
    .unwrap();
    execute(
        &c,
        &mut s,
        "ALTER TABLE `example_db`.`stock` ADD COLUMN `ts` BIGINT NULL",
    )
    .unwrap();
    execute(
        &c,
        &mut s,
        "alter table stock add column venue varchar(8) not null default 'X'",
    )
    .unwrap();
    let def = c.catalog.table_def("example_db", "stock").unwrap();
    let names: Vec<&str> = def.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names[3..], ["ts", "venue"]);
    assert_eq!(
        one(&c, &mut s, "select count(*) from stock where ts is null"),
        "1"
    );
    assert_eq!(one(&c, &mut s, "select venue from stock"), "X");
    assert!(
        err(&c, &mut s, "alter table stock add column ts int")
            .message
            .contains("already exists")
    );
    assert!(
        err(&c, &mut s, "alter table stock add column n int not null")
            .message
            .contains("NOT NULL")
    );
    assert!(
        err(&c, &mut s, "alter table nope add column n int")
            .message
            .contains("Unknown table")
    );
}

/// StarRocks' naming rules (FeNameFormat): table and column names may be Chinese or contain
/// spaces (quoted with backticks); database names are ASCII letters, digits and '_'.
#[test]
fn non_ascii_table_and_column_names_database_names_ascii() {
    let c = ctx();
    let mut s = session();
    let e = err(&c, &mut s, "create database `数据库`");
    assert!(
        e.message.contains("Incorrect database name '数据库'"),
        "{e}"
    );
    execute(&c, &mut s, "create database d").unwrap();
    execute(
        &c,
        &mut s,
        "create table d.`股票 行情` (`编号` bigint not null, `代码` varchar(16), `价格` double) \
         duplicate key(`编号`) distributed by hash(`编号`) buckets 1",
    )
    .unwrap();
    execute(
        &c,
        &mut s,
        "insert into d.`股票 行情` values (1, 'AAPL', 1.5)",
    )
    .unwrap();
    assert_eq!(
        one(
            &c,
            &mut s,
            "select `价格` from d.`股票 行情` where `代码` = 'AAPL'"
        ),
        "1.5"
    );
    assert_eq!(one(&c, &mut s, "show tables from d"), "股票 行情");
}
