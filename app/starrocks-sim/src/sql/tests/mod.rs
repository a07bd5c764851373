//! Tests of the SQL engine through its entry points.

use super::*;
use crate::catalog::{Catalog, DefaultValue, Distribution, KeysType};
use crate::faults::Faults;
use crate::types::SqlType;
use crate::{SimContext, SimInfo};
use std::sync::Arc;

mod ddl;

/// The seed's CREATE TABLE verbatim (the fixture the mysql-client tests pipe in, from its
/// `CREATE TABLE` on; the trailing space after `ENGINE=OLAP` included).
fn seed_ddl() -> &'static str {
    let fixture = include_str!("../../../tests/fixtures/seed_ddl.sql");
    let start = fixture
        .find("CREATE TABLE")
        .expect("the fixture has the CREATE TABLE");
    fixture[start..].trim_end()
}

fn ctx() -> SimContext {
    let addr: std::net::SocketAddr = "127.0.0.1:9030".parse().unwrap();
    SimContext {
        info: SimInfo {
            version: "3.3.5".into(),
            commit_hash: "a1b2c3d".into(),
            user: "root".into(),
            password: String::new(),
            mysql_addr: addr,
            http_addr: "127.0.0.1:8030".parse().unwrap(),
            be_addr: "127.0.0.1:8040".parse().unwrap(),
            be_host: "127.0.0.1".into(),
            be_redirect_port: 8040,
            https: false,
            require_secure_transport: false,
            insert_grants: None,
            started_ms: 0,
            max_json_bytes: crate::load::DEFAULT_MAX_JSON_BYTES,
        },
        catalog: Arc::new(Catalog::in_memory()),
        faults: Arc::new(Faults::default()),
        tls: None,
    }
}

fn session() -> Session {
    Session {
        user: "root".into(),
        connection_id: 7,
        ..Default::default()
    }
}

fn rows_of(r: QueryResult) -> Vec<Vec<Option<String>>> {
    match r {
        QueryResult::Rows { rows, .. } => rows,
        other => panic!("expected rows, got {other:?}"),
    }
}

fn one(ctx: &SimContext, s: &mut Session, sql: &str) -> String {
    let r = rows_of(execute(ctx, s, sql).unwrap());
    r[0][0].clone().unwrap_or_else(|| "NULL".into())
}

fn err(ctx: &SimContext, s: &mut Session, sql: &str) -> SqlError {
    execute(ctx, s, sql).expect_err(sql)
}

fn seeded() -> (SimContext, Session) {
    let c = ctx();
    let mut s = session();
    execute(&c, &mut s, "CREATE DATABASE IF NOT EXISTS example_db;").unwrap();
    execute(&c, &mut s, "USE example_db;").unwrap();
    execute(&c, &mut s, seed_ddl()).unwrap();
    (c, s)
}

#[test]
fn seed_ddl_parses_verbatim() {
    let (c, _) = seeded();
    let def = c.catalog.table_def("example_db", "stock").unwrap();
    assert_eq!(def.keys_type, KeysType::Duplicate);
    assert_eq!(def.key_columns, vec!["EVENT_TIME"]);
    assert_eq!(def.columns.len(), 3);
    assert_eq!(def.columns[1].ty, SqlType::Varchar(65533));
    assert!(!def.columns[1].nullable);
    assert!(def.columns[2].nullable);
    assert_eq!(def.columns[2].ty, SqlType::Float);
    assert_eq!(
        def.distribution,
        Some(Distribution::Hash {
            columns: vec!["EVENT_TIME".into()],
            buckets: Some(2)
        })
    );
    assert_eq!(def.properties, vec![("replication_num".into(), "1".into())]);
}

#[test]
fn version_and_variables() {
    let c = ctx();
    let mut s = session();
    let r = execute(&c, &mut s, "select current_version() as ver;").unwrap();
    let QueryResult::Rows { columns, rows } = r else {
        panic!()
    };
    assert_eq!(columns, vec![("ver".to_string(), ColType::Text)]);
    assert_eq!(rows[0][0].as_deref(), Some("3.3.5 a1b2c3d"));
    assert_eq!(
        one(&c, &mut s, "select @@version_comment limit 1"),
        "StarRocks version 3.3.5"
    );
    assert_eq!(one(&c, &mut s, "SELECT version()"), "5.1.0");
    let r = execute(
        &c,
        &mut s,
        "SELECT @@max_allowed_packet,@@wait_timeout,@@socket",
    )
    .unwrap();
    let QueryResult::Rows { columns, rows } = r else {
        panic!()
    };
    assert_eq!(
        columns[0],
        ("@@max_allowed_packet".to_string(), ColType::Int)
    );
    assert_eq!(
        rows[0],
        vec![
            Some("67108864".into()),
            Some("28800".into()),
            Some(String::new())
        ]
    );
    let r = execute(
        &c,
        &mut s,
        "SELECT @@session.auto_increment_increment AS auto_increment_increment, \
         @@character_set_client AS character_set_client, @@tx_isolation AS tx_isolation",
    )
    .unwrap();
    let QueryResult::Rows { columns, rows: r } = r else {
        panic!()
    };
    assert_eq!(columns[0].0, "auto_increment_increment");
    assert_eq!(r[0][1].as_deref(), Some("utf8"));
    assert_eq!(r[0][2].as_deref(), Some("REPEATABLE-READ"));
    let e = err(&c, &mut s, "select @@nosuch");
    assert_eq!(
        (e.code, e.message.as_str()),
        (1193, "Unknown system variable 'nosuch'")
    );
    assert_eq!(one(&c, &mut s, "select 1"), "1");
    assert_eq!(one(&c, &mut s, "select user()"), "'root'@'%'");
    assert_eq!(one(&c, &mut s, "select connection_id()"), "7");
    assert_eq!(one(&c, &mut s, "select database()"), "NULL");
    assert!(matches!(
        execute(&c, &mut s, "SET NAMES utf8mb4").unwrap(),
        QueryResult::Ok { .. }
    ));
    assert!(matches!(
        execute(&c, &mut s, "set session query_timeout = 600").unwrap(),
        QueryResult::Ok { .. }
    ));
    let vars = rows_of(execute(&c, &mut s, "show variables like '%timeout%'").unwrap());
    assert!(vars.iter().any(|r| r[0].as_deref() == Some("wait_timeout")));
    let vars = rows_of(
        execute(
            &c,
            &mut s,
            "SHOW VARIABLES WHERE Variable_name = 'time_zone'",
        )
        .unwrap(),
    );
    assert_eq!(
        vars,
        vec![vec![Some("time_zone".into()), Some("Asia/Shanghai".into())]]
    );
}

/// What JDBC (Connector/J 8, as the Flink connector uses it), sqlx and mysql_async send on
/// connect.
#[test]
fn driver_connect_queries() {
    let c = ctx();
    let mut s = session();
    let jdbc = "/* mysql-connector-java-8.0.28 (Revision: 7ff2161da3899f379fb3171b6538b191b1c5c7e2) \
                */SELECT  @@session.auto_increment_increment AS auto_increment_increment, \
                @@character_set_client AS character_set_client, @@character_set_connection AS \
                character_set_connection, @@character_set_results AS character_set_results, \
                @@character_set_server AS character_set_server, @@collation_server AS \
                collation_server, @@collation_connection AS collation_connection, \
                @@init_connect AS init_connect, @@interactive_timeout AS interactive_timeout, \
                @@license AS license, @@lower_case_table_names AS lower_case_table_names, \
                @@max_allowed_packet AS max_allowed_packet, @@net_write_timeout AS \
                net_write_timeout, @@performance_schema AS performance_schema, \
                @@query_cache_size AS query_cache_size, @@query_cache_type AS \
                query_cache_type, @@sql_mode AS sql_mode, @@system_time_zone AS \
                system_time_zone, @@time_zone AS time_zone, @@transaction_isolation AS \
                transaction_isolation, @@wait_timeout AS wait_timeout";
    let r = execute(&c, &mut s, jdbc).unwrap();
    let QueryResult::Rows { columns, rows: r } = r else {
        panic!()
    };
    assert_eq!(columns.len(), 21);
    assert_eq!(columns[20].0, "wait_timeout");
    assert_eq!(r[0][9].as_deref(), Some("Apache License 2.0"));
    for sql in [
        "SET NAMES utf8mb4",
        "SET character_set_results = NULL",
        "SET autocommit=1",
        "SET sql_mode=(SELECT CONCAT(@@sql_mode, ',PIPES_AS_CONCAT,NO_ENGINE_SUBSTITUTION')),\
         time_zone='+00:00',NAMES utf8mb4 COLLATE utf8mb4_unicode_ci",
    ] {
        assert_eq!(
            execute(&c, &mut s, sql).unwrap(),
            QueryResult::Ok { affected_rows: 0 },
            "{sql}"
        );
    }
    assert_eq!(one(&c, &mut s, "SELECT @@session.tx_read_only"), "0");
    let old_jdbc = rows_of(
        execute(
            &c,
            &mut s,
            "SHOW VARIABLES WHERE Variable_name ='language' OR Variable_name = \
             'net_write_timeout' OR Variable_name = 'interactive_timeout'",
        )
        .unwrap(),
    );
    assert_eq!(old_jdbc.len(), 3);
}

#[test]
fn show_and_describe() {
    let (c, mut s) = seeded();
    assert_eq!(one(&c, &mut s, "select database()"), "example_db");
    let dbs = rows_of(execute(&c, &mut s, "SHOW DATABASES").unwrap());
    let names: Vec<_> = dbs.iter().map(|r| r[0].clone().unwrap()).collect();
    assert!(names.contains(&"information_schema".to_string()));
    assert!(names.contains(&"_statistics_".to_string()));
    assert!(names.contains(&"example_db".to_string()));
    let r = execute(&c, &mut s, "show tables").unwrap();
    let QueryResult::Rows { columns, rows: t } = r else {
        panic!()
    };
    assert_eq!(columns[0].0, "Tables_in_example_db");
    assert_eq!(t, vec![vec![Some("stock".into())]]);
    let d = rows_of(execute(&c, &mut s, "DESC example_db.stock").unwrap());
    assert_eq!(
        d[0],
        vec![
            Some("EVENT_TIME".into()),
            Some("datetime".into()),
            Some("NO".into()),
            Some("true".into()),
            None,
            Some(String::new())
        ]
    );
    assert_eq!(d[2][2].as_deref(), Some("YES"));
    assert_eq!(d[2][3].as_deref(), Some("false"));
    let sc = rows_of(execute(&c, &mut s, "SHOW CREATE TABLE stock").unwrap());
    assert_eq!(sc[0][0].as_deref(), Some("stock"));
    assert!(
        sc[0][1]
            .as_ref()
            .unwrap()
            .contains("DUPLICATE KEY(`EVENT_TIME`)")
    );
    let b = execute(&c, &mut s, "SHOW BACKENDS").unwrap();
    let QueryResult::Rows { columns, rows: b } = b else {
        panic!()
    };
    assert_eq!(columns.len(), 23);
    assert_eq!(b[0][1].as_deref(), Some("127.0.0.1"));
    assert_eq!(b[0][4].as_deref(), Some("8040"));
    assert_eq!(b[0][18].as_deref(), Some("3.3.5-a1b2c3d"));
    let names = |columns: &[(String, ColType)]| {
        columns
            .iter()
            .map(|c| c.0.as_str())
            .collect::<Vec<_>>()
            .join(",")
    };
    assert_eq!(
        names(&columns),
        "BackendId,IP,HeartbeatPort,BePort,HttpPort,BrpcPort,LastStartTime,LastHeartbeat,Alive,\
         SystemDecommissioned,ClusterDecommissioned,TabletNum,DataUsedCapacity,AvailCapacity,\
         TotalCapacity,UsedPct,MaxDiskUsedPct,ErrMsg,Version,Status,DataTotalCapacity,DataUsedPct,\
         CpuCores"
    );
    let QueryResult::Rows { columns, rows } = execute(&c, &mut s, "SHOW COMPUTE NODES").unwrap()
    else {
        panic!()
    };
    assert!(rows.is_empty());
    assert_eq!(
        names(&columns),
        "ComputeNodeId,IP,HeartbeatPort,BePort,HttpPort,BrpcPort,LastStartTime,LastHeartbeat,Alive,\
         SystemDecommissioned,ErrMsg,Version"
    );
    let f = execute(&c, &mut s, "SHOW FRONTENDS").unwrap();
    let QueryResult::Rows { columns, rows: f } = f else {
        panic!()
    };
    assert_eq!(columns.len(), 16);
    assert_eq!(f[0][4].as_deref(), Some("9030"));
    assert_eq!(f[0][6].as_deref(), Some("LEADER"));
    let g = rows_of(execute(&c, &mut s, "SHOW GRANTS").unwrap());
    assert_eq!(
        g,
        vec![vec![
            Some("'root'@'%'".into()),
            None,
            Some("GRANT 'root' TO 'root'@'%'".into())
        ]]
    );
}

#[test]
fn grants_for_a_limited_user() {
    let mut c = ctx();
    c.info.user = "loader".into();
    c.info.insert_grants = Some(vec!["example_db.stock".into(), "other.*".into()]);
    let mut s = session();
    let g = rows_of(execute(&c, &mut s, "show grants").unwrap());
    assert_eq!(
        g[0][2].as_deref(),
        Some("GRANT SELECT, INSERT ON TABLE example_db.stock TO USER 'loader'@'%'")
    );
    assert_eq!(g[0][1].as_deref(), Some("default"));
    assert!(
        g.iter().any(|r| r[2].as_deref()
            == Some("GRANT CREATE TABLE ON DATABASE other TO USER 'loader'@'%'"))
    );
}

#[test]
fn errors_have_starrocks_codes() {
    let c = ctx();
    let mut s = session();
    let e = err(&c, &mut s, "FROBNICATE everything");
    assert_eq!(e.code, 1064);
    assert_eq!(e.sqlstate, "42000");
    assert!(
        e.message
            .starts_with("Getting syntax error at line 1, column 0."),
        "{}",
        e.message
    );
    assert!(e.message.contains("'FROBNICATE'"));
    let e = err(&c, &mut s, "use nosuchdb");
    assert_eq!(
        (e.code, e.message.as_str()),
        (1049, "Unknown database 'nosuchdb'")
    );
    let e = err(&c, &mut s, "show tables");
    assert_eq!(e.code, 1046);
    let e = err(&c, &mut s, "create table t (a int)");
    assert_eq!((e.code, e.message.as_str()), (1046, "No database selected"));
    let e = err(&c, &mut s, "select * from nosuch.t");
    assert_eq!(e.code, 1049);
    execute(&c, &mut s, "create database d").unwrap();
    let e = err(&c, &mut s, "select * from d.t");
    assert_eq!(e.code, 1064);
    assert_eq!(
        e.message,
        "Getting analyzing error. Detail message: Unknown table 'd.t'."
    );
    let e = err(&c, &mut s, "create database d");
    assert_eq!(e.code, 1007);
    assert!(err(&c, &mut s, "SHOW PROCESSLIST").code == 1064);
}

#[test]
fn information_schema_with_params() {
    let (c, mut s) = seeded();
    let sql = "select `COLUMN_NAME`, `ORDINAL_POSITION`, `COLUMN_KEY`, `DATA_TYPE`, \
               `COLUMN_SIZE`, `DECIMAL_DIGITS` from `information_schema`.`COLUMNS` where \
               `TABLE_SCHEMA`=? and `TABLE_NAME`=?";
    let p = prepare(&c, &s, sql).unwrap();
    assert_eq!(p.params, 2);
    assert_eq!(p.columns.len(), 6);
    let r = rows_of(
        execute_with_params(
            &c,
            &mut s,
            sql,
            &[
                Param::Text("example_db".into()),
                Param::Text("stock".into()),
            ],
        )
        .unwrap(),
    );
    assert_eq!(r.len(), 3);
    assert_eq!(r[0][2].as_deref(), Some("DUP"));
    assert_eq!(r[2][0].as_deref(), Some("PRICE"));
    assert_eq!(r[2][3].as_deref(), Some("float"));
    let t = rows_of(
        execute(
            &c,
            &mut s,
            "select table_name, table_rows from information_schema.tables where \
             table_schema = database()",
        )
        .unwrap(),
    );
    assert_eq!(t, vec![vec![Some("stock".into()), Some("0".into())]]);
    let sc = rows_of(
        execute(
            &c,
            &mut s,
            "SELECT SCHEMA_NAME FROM information_schema.SCHEMATA WHERE SCHEMA_NAME = 'example_db'",
        )
        .unwrap(),
    );
    assert_eq!(sc.len(), 1);
}

#[test]
fn select_over_rows() {
    let (c, mut s) = seeded();
    execute(
        &c,
        &mut s,
        "insert into stock values ('2024-05-28 10:00:00', 'AAPL', 190.5), \
         ('2024-05-28 10:00:01', 'AAPL', 191.25), ('2024-05-28 10:00:02', 'MSFT', 420), \
         ('2024-05-28 10:00:03', 'AAPL', 189.75), ('2024-05-28 10:00:04', 'AMZN', NULL)",
    )
    .unwrap();
    assert_eq!(one(&c, &mut s, "select count(*) from stock"), "5");
    assert_eq!(
        one(&c, &mut s, "select count(DISTINCT ticker) from stock"),
        "3"
    );
    assert_eq!(one(&c, &mut s, "select count(price) from stock"), "4");
    assert_eq!(
        one(
            &c,
            &mut s,
            "select count(*) from example_db.stock where ticker = 'AAPL'"
        ),
        "3"
    );
    let r = rows_of(
        execute(
            &c,
            &mut s,
            "select ticker, price from example_db.stock where ticker = 'AAPL' order by price \
             desc limit 2",
        )
        .unwrap(),
    );
    assert_eq!(
        r,
        vec![
            vec![Some("AAPL".into()), Some("191.25".into())],
            vec![Some("AAPL".into()), Some("190.5".into())]
        ]
    );
    assert_eq!(one(&c, &mut s, "select max(price) from stock"), "420");
    assert_eq!(
        one(&c, &mut s, "select min(event_time) from stock"),
        "2024-05-28 10:00:00"
    );
    assert_eq!(
        one(&c, &mut s, "select count(*) from stock where price is null"),
        "1"
    );
    assert_eq!(
        one(
            &c,
            &mut s,
            "select count(*) from stock where price > 190 and ticker != 'MSFT'"
        ),
        "2"
    );
    assert_eq!(
        one(
            &c,
            &mut s,
            "select count(*) from stock where event_time >= '2024-05-28 10:00:02'"
        ),
        "3"
    );
    let r = rows_of(
        execute(
            &c,
            &mut s,
            "select * from stock order by event_time limit 1, 2",
        )
        .unwrap(),
    );
    assert_eq!(r.len(), 2);
    assert_eq!(r[0][0].as_deref(), Some("2024-05-28 10:00:01"));
    let r = rows_of(execute(&c, &mut s, "select * from stock limit 2 offset 4").unwrap());
    assert_eq!(r.len(), 1);
    let r = rows_of(
        execute(
            &c,
            &mut s,
            "select ticker, count(*) as n from stock group by ticker order by n desc, ticker",
        )
        .unwrap(),
    );
    assert_eq!(r[0], vec![Some("AAPL".into()), Some("3".into())]);
    assert_eq!(r.len(), 3);
    let e = err(&c, &mut s, "select nosuch from stock");
    assert!(
        e.message.contains("Column 'nosuch' cannot be resolved"),
        "{e}"
    );
    assert_eq!(
        one(
            &c,
            &mut s,
            "select sum(price) from stock where ticker = 'MSFT'"
        ),
        "420"
    );
    let r = rows_of(
        execute(
            &c,
            &mut s,
            "select distinct ticker from stock order by ticker",
        )
        .unwrap(),
    );
    assert_eq!(r.len(), 3);
    assert_eq!(
        one(
            &c,
            &mut s,
            "select count(*) from stock where ticker in ('MSFT', 'AMZN')"
        ),
        "2"
    );
    assert_eq!(
        one(
            &c,
            &mut s,
            "select count(*) from stock where ticker like 'A%'"
        ),
        "4"
    );
}

#[test]
fn tokenizer_details() {
    let c = ctx();
    let mut s = session();
    assert_eq!(one(&c, &mut s, "select 'it''s' -- comment\n"), "it's");
    assert_eq!(one(&c, &mut s, "/* hi */ select \"a\\\"b\";"), "a\"b");
    let r = execute(&c, &mut s, "SELECT @@version_comment").unwrap();
    let QueryResult::Rows { columns, .. } = r else {
        panic!()
    };
    assert_eq!(columns[0].0, "@@version_comment");
    let e = err(&c, &mut s, "select 1 frob frob");
    assert_eq!(e.code, 1064, "{e}");
    let e = err(&c, &mut s, "select\n  1 +");
    assert!(e.message.contains("line 2"), "{e}");
    assert!(matches!(
        execute(&c, &mut s, "-- nothing\n;").unwrap(),
        QueryResult::Ok { .. }
    ));
}
