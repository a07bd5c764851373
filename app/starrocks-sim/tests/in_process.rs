//! The library API: the same server started in-process on ephemeral 127.0.0.1 ports, with faults
//! injected and requests inspected through Rust calls instead of the admin endpoint.

use starrocks_sim::catalog::{ColumnDef, KeysType, TableDef};
use starrocks_sim::types::SqlType;
use starrocks_sim::{Fault, SimConfig, StarRocksSim};
use std::time::Duration;

fn orders_table() -> TableDef {
    let mut id = ColumnDef::new("id", SqlType::BigInt);
    id.nullable = false;
    TableDef {
        name: "orders".into(),
        columns: vec![
            id,
            ColumnDef::new(
                "amount",
                SqlType::Decimal {
                    precision: 10,
                    scale: 2,
                },
            ),
        ],
        keys_type: KeysType::Primary,
        key_columns: vec!["id".into()],
        ..Default::default()
    }
}

async fn put(client: &reqwest::Client, url: &str, label: &str, body: &str) -> reqwest::Response {
    client
        .put(url)
        .basic_auth("root", Some("pw"))
        .header("Expect", "100-continue")
        .header("label", label)
        .header("format", "json")
        .body(body.to_string())
        .send()
        .await
        .expect("request")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_server_redirects_loads_and_injects_faults() {
    let sim = StarRocksSim::start(SimConfig {
        password: "pw".into(),
        ..Default::default()
    })
    .await
    .expect("start");
    assert!(sim.mysql_addr().ip().is_loopback() && sim.http_addr().port() != 0);
    sim.catalog().create_database("shop", false).unwrap();
    sim.catalog()
        .create_table("shop", orders_table(), false)
        .unwrap();

    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let fe_url = format!("{}/api/shop/orders/_stream_load", sim.load_url());
    let r = put(&client, &fe_url, "l1", "").await;
    assert_eq!(r.status(), 307);
    let be_url = r.headers()["location"].to_str().unwrap().to_string();
    assert_eq!(
        be_url,
        format!("http://{}/api/shop/orders/_stream_load", sim.be_addr())
    );

    let body = r#"{"id": 1, "amount": "12.345"}
{"id": 2, "amount": 7}"#;
    let j: serde_json::Value = put(&client, &be_url, "l1", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(j["Status"], "Success", "{j}");
    let amounts = sim
        .catalog()
        .with_table("shop", "orders", |t| {
            t.rows()
                .map(|r| r[1].to_text().unwrap())
                .collect::<Vec<_>>()
        })
        .unwrap();
    assert_eq!(amounts, vec!["12.35", "7.00"]);

    sim.faults().inject(Fault::HttpStatus { status: 500 }, 2);
    for _ in 0..2 {
        assert_eq!(put(&client, &be_url, "l2", body).await.status(), 500);
    }
    let j: serde_json::Value = put(&client, &be_url, "l2", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(j["Status"], "Success");

    sim.faults().go_down(Duration::from_millis(600));
    tokio::time::sleep(Duration::from_millis(100)).await;
    let err = client.put(&be_url).send().await.expect_err("down");
    assert!(err.is_connect(), "{err:?}");
    tokio::time::sleep(Duration::from_millis(800)).await;
    let j: serde_json::Value = put(&client, &be_url, "l3", body)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(j["Status"], "Success");

    let loads: Vec<_> = sim
        .faults()
        .requests()
        .into_iter()
        .filter(|r| r.port == "be")
        .map(|r| r.status)
        .collect();
    assert_eq!(loads, vec![200, 500, 500, 200, 200]);
    sim.shutdown().await;
}
