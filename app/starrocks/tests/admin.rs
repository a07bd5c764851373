//! MysqlAdmin against the StarRocks stand-in's MySQL port: version, schema, grants, DDL, and the
//! failure classes a user meets (wrong password, TLS required, nothing listening).

mod common;

use common::*;
use ks_core::Secret;
use ks_core::config::{JdbcUrl, SslMode};
use ks_starrocks::{AdminError, MysqlAdmin};
use starrocks_sim::SimConfig;
use std::time::Duration;

const T: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn version_schema_grants_and_ddl() {
    let sim = start(sim_config()).await;
    let admin = admin(&sim).await;
    assert!(!admin.is_tls());
    assert_eq!(admin.address(), sim.mysql_addr().to_string());

    let v = admin.version().await.unwrap();
    assert_eq!((v.major, v.minor, v.patch), (3, 3, 5));
    assert!(
        v.text.starts_with("3.3.5 ") && v.text.len() == "3.3.5 ".len() + 7,
        "{v:?}"
    );

    assert!(!admin.database_exists(DB).await.unwrap());
    assert_eq!(admin.table_schema(DB, TABLE).await.unwrap(), None);
    for sql in seed_ddl() {
        admin.execute(sql).await.unwrap();
    }
    assert!(admin.database_exists(DB).await.unwrap());
    assert!(admin.table_exists(DB, TABLE).await.unwrap());
    assert!(!admin.table_exists(DB, "nope").await.unwrap());

    let cols = admin
        .table_schema(DB, TABLE)
        .await
        .unwrap()
        .expect("the seed table");
    let names: Vec<&str> = cols.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["EVENT_TIME", "TICKER", "PRICE"]);
    assert_eq!(
        cols.iter().map(|c| c.ordinal).collect::<Vec<_>>(),
        [1, 2, 3]
    );
    assert_eq!(
        cols.iter()
            .map(|c| c.data_type.as_str())
            .collect::<Vec<_>>(),
        ["datetime", "varchar", "float"]
    );
    assert_eq!(
        cols.iter().map(|c| c.nullable).collect::<Vec<_>>(),
        [false, false, true]
    );
    assert_eq!(
        cols.iter().map(|c| c.key).collect::<Vec<_>>(),
        [true, false, false]
    );
    assert_eq!(cols[1].column_type, "varchar(65533)");
    assert_eq!(cols[1].size, Some(65533));

    // A Primary Key table with a DECIMAL: keys, size and digits.
    admin
        .execute(
            "CREATE TABLE example_db.orders (id BIGINT NOT NULL, amount DECIMAL(18, 4)) \
             PRIMARY KEY (id) DISTRIBUTED BY HASH(id) BUCKETS 4",
        )
        .await
        .unwrap();
    let cols = admin.table_schema(DB, "orders").await.unwrap().unwrap();
    assert!(cols[0].key && !cols[1].key);
    assert_eq!(cols[1].data_type, "decimal");
    assert_eq!((cols[1].size, cols[1].digits), (Some(18), Some(4)));

    let grants = admin.grants().await.unwrap();
    assert!(!grants.is_empty());
    assert!(grants[0].starts_with("GRANT"), "{grants:?}");

    // SQL errors carry StarRocks' code and message.
    let err = admin
        .execute("CREATE TABLE example_db.stock (a INT)")
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Sql { .. }), "{err:?}");
    assert!(err.to_string().contains("already exists"), "{err}");
    let err = admin.query("select * from nosuch_db.t").await.unwrap_err();
    assert!(err.code().is_some(), "{err:?}");
    // The connection is still usable afterwards.
    assert_eq!(admin.version().await.unwrap(), v);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grants_of_a_restricted_user() {
    let sim = start(SimConfig {
        insert_grants: Some(vec!["example_db.stock".into()]),
        ..sim_config()
    })
    .await;
    let grants = admin(&sim).await.grants().await.unwrap();
    assert!(
        grants
            .iter()
            .any(|g| g.contains("INSERT") && g.contains("example_db.stock")),
        "{grants:?}"
    );
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_password_is_access_denied() {
    let sim = start(sim_config()).await;
    let err = MysqlAdmin::connect(
        &jdbc(&sim),
        "root",
        &Secret::new("not-the-password"),
        SslMode::Disabled,
        T,
    )
    .await
    .unwrap_err();
    assert!(matches!(err, AdminError::AccessDenied { .. }), "{err:?}");
    assert_eq!(err.code(), Some(1045));
    let m = err.to_string();
    assert!(m.contains("Access denied for user"), "{m}");
    assert!(m.contains("check sink.username and the password"), "{m}");
    assert!(!m.contains("not-the-password"), "{m}");
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nothing_listening_or_no_such_host_is_unreachable() {
    let jdbc = JdbcUrl::parse(&format!("jdbc:mysql://127.0.0.1:{}", dead_port())).unwrap();
    let err = MysqlAdmin::connect(&jdbc, "root", &Secret::new("x"), SslMode::Disabled, T)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Unreachable { .. }), "{err:?}");
    assert!(err.to_string().contains(&jdbc.authority()), "{err}");

    let jdbc = JdbcUrl::parse("jdbc:mysql://fe.nowhere.invalid:9030").unwrap();
    let err = MysqlAdmin::connect(&jdbc, "root", &Secret::new("x"), SslMode::Preferred, T)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Unreachable { .. }), "{err:?}");
    let m = err.to_string();
    assert!(
        m.contains("fe.nowhere.invalid:9030") && m.contains("sink.jdbc-url"),
        "{m}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_required_by_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let (tls, _ca_pem) = self_signed(dir.path());
    let cert_path = tls.cert.clone();
    let sim = start(SimConfig {
        tls: Some(tls),
        require_secure_transport: true,
        ..sim_config()
    })
    .await;
    let j = jdbc(&sim);
    let pw = Secret::new(PASSWORD);

    let err = MysqlAdmin::connect(&j, "root", &pw, SslMode::Disabled, T)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::TlsRequired { .. }), "{err:?}");
    assert_eq!(err.code(), Some(3159));
    let m = err.to_string();
    assert!(
        m.contains("requires TLS") && m.contains("ssl-mode = \"required\""),
        "{m}"
    );

    for mode in [SslMode::Required, SslMode::Preferred] {
        let admin = MysqlAdmin::connect(&j, "root", &pw, mode, T)
            .await
            .unwrap_or_else(|e| panic!("{mode}: {e}"));
        assert!(admin.is_tls(), "{mode}");
        assert_eq!(admin.version().await.unwrap().major, 3);
    }

    // verify-identity checks the chain: a self-signed certificate is not trusted by default…
    let err = MysqlAdmin::connect(&j, "root", &pw, SslMode::VerifyIdentity, T)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::Tls { .. }), "{err:?}");
    // …and is with the CA given (sink.ssl-ca).
    let admin = MysqlAdmin::connect_with_ca(&j, "root", &pw, SslMode::VerifyCa, Some(cert_path), T)
        .await
        .unwrap();
    assert!(admin.is_tls());
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tls_preferred_falls_back_when_the_server_has_none_and_required_says_so() {
    let sim = start(sim_config()).await;
    let j = jdbc(&sim);
    let pw = Secret::new(PASSWORD);
    let admin = MysqlAdmin::connect(&j, "root", &pw, SslMode::Preferred, T)
        .await
        .unwrap();
    assert!(!admin.is_tls());
    let err = MysqlAdmin::connect(&j, "root", &pw, SslMode::Required, T)
        .await
        .unwrap_err();
    assert!(matches!(err, AdminError::TlsNotOffered { .. }), "{err:?}");
    assert!(err.to_string().contains("does not offer TLS"), "{err}");
    sim.shutdown().await;
}
