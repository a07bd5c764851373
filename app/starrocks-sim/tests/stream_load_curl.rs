//! The stand-in against real clients, the way StarRocks' docs use them: the `mysql` CLI for DDL and
//! queries, `curl --location-trusted` for Stream Load. One test per documented response shape.

mod proc;

use proc::{PASSWORD, SEED_DDL, SimProcess, curl, stock_records, write_file};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

fn auth() -> String {
    format!("root:{PASSWORD}")
}

/// Runs the seed DDL through `mysql` (stdin), exactly as a user pastes it.
fn seed_table(sim: &SimProcess) {
    proc::require("mysql", "mariadb-client");
    let mut child = Command::new("mysql")
        .args([
            "-h",
            "127.0.0.1",
            "-P",
            &sim.mysql_port.to_string(),
            "-u",
            "root",
        ])
        .arg(format!("-p{PASSWORD}"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mysql");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(SEED_DDL.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "seed DDL failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A running stand-in with the seed table, and a scratch folder for the files a test uploads.
fn seeded_sim(flags: &[&str]) -> (SimProcess, tempfile::TempDir) {
    let sim = SimProcess::start(flags);
    seed_table(&sim);
    (sim, tempfile::tempdir().unwrap())
}

fn stock_json(n: usize, offset: usize) -> Vec<u8> {
    serde_json::to_vec(&stock_records(n, offset)).unwrap()
}

/// Writes `n` stock records (from `offset`) as one JSON array to `name` in `dir`.
fn stock_file(dir: &tempfile::TempDir, name: &str, n: usize, offset: usize) -> PathBuf {
    write_file(dir.path(), name, &stock_json(n, offset))
}

/// `-H <header>` for each of `headers`, in order.
fn header_args<'a>(headers: &[&'a str]) -> Vec<&'a str> {
    headers.iter().flat_map(|header| ["-H", header]).collect()
}

/// `curl <login> -H <header>… -T <file> -XPUT <url>`: an upload as the docs write it, with the
/// headers in the order given.
fn put(login: &[&str], headers: &[&str], file: &Path, url: &str) -> proc::CurlResult {
    let mut args = login.to_vec();
    args.extend(header_args(headers));
    args.extend(["-T", file.to_str().unwrap(), "-XPUT", url]);
    curl(&args)
}

/// [`put`] with the docs' login: `--location-trusted -u root:<password>`, which follows the
/// FE's redirect to the BE with the credentials.
fn trusted_put(headers: &[&str], file: &Path, url: &str) -> proc::CurlResult {
    put(&["--location-trusted", "-u", &auth()], headers, file, url)
}

/// The docs' JSON load for the seed table: format json, strip_outer_array, the seed's jsonpaths,
/// then the `extra` headers.
fn load_stock(sim: &SimProcess, label: &str, file: &Path, extra: &[&str]) -> proc::CurlResult {
    let label_h = format!("label:{label}");
    let mut headers = vec![
        "Expect:100-continue",
        &label_h,
        "format: json",
        "strip_outer_array: true",
        r#"jsonpaths: ["$.event_time", "$.ticker", "$.price"]"#,
    ];
    headers.extend_from_slice(extra);
    trusted_put(&headers, file, &sim.load_url("example_db", "stock"))
}

#[test]
fn json_and_csv_load_as_the_docs_show_and_select_sees_the_rows() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "stock.json", 250, 0);
    let r = load_stock(&sim, "stock_0001", &file, &[]);
    assert_eq!(r.status, 200, "{r:?}");
    let j = r.json();
    assert_eq!(j["Status"], "Success", "{}", r.body);
    assert_eq!(j["Message"], "OK");
    assert_eq!(j["NumberTotalRows"], 250);
    assert_eq!(j["NumberLoadedRows"], 250);
    assert_eq!(j["NumberFilteredRows"], 0);
    assert_eq!(sim.count("example_db.stock"), 250);
    // The microseconds of the stock.py timestamp survive.
    let first = sim.mysql(
        "select EVENT_TIME, TICKER, PRICE from example_db.stock order by EVENT_TIME limit 1",
    );
    assert_eq!(first, "2024-05-28 19:00:00\tAAPL\t0");
    let t = sim.mysql(
        "select EVENT_TIME from example_db.stock where TICKER = 'AMZN' order by EVENT_TIME limit 1",
    );
    assert_eq!(t, "2024-05-28 19:00:01.000001");

    // CSV, as in the StarRocks Stream Load docs: `id,name,score` with column_separator and columns.
    sim.mysql(
        "CREATE TABLE example_db.table1 (id INT NOT NULL, name STRING NULL, score INT NOT NULL DEFAULT \"0\") \
         ENGINE=OLAP PRIMARY KEY(id) DISTRIBUTED BY HASH(id)",
    );
    let csv = write_file(
        dir.path(),
        "example1.csv",
        b"1,Lily,23\n2,Rose,23\n3,Alice,24\n4,Julia,25\n",
    );
    let r = trusted_put(
        &[
            "label:123",
            "Expect:100-continue",
            "column_separator:,",
            "columns: id, name, score",
        ],
        &csv,
        &sim.load_url("example_db", "table1"),
    );
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
    assert_eq!(r.json()["NumberLoadedRows"], 4);
    assert_eq!(
        sim.mysql("select name from example_db.table1 where id = 3"),
        "Alice"
    );
    // Primary key upsert: loading id 3 again replaces it; __op=1 deletes id 4.
    let upd = write_file(dir.path(), "upd.csv", b"3,Alicia,30,0\n4,Julia,25,1\n");
    let r = trusted_put(
        &[
            "label:124",
            "Expect:100-continue",
            "column_separator:,",
            "columns: id, name, score, __op",
        ],
        &upd,
        &sim.load_url("example_db", "table1"),
    );
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
    assert_eq!(sim.count("example_db.table1"), 3);
    assert_eq!(
        sim.mysql("select name, score from example_db.table1 where id = 3"),
        "Alicia\t30"
    );
    // Partial update: only the columns named change; a new key takes defaults for the others.
    let part = write_file(dir.path(), "part.csv", b"3,31\n9,90\n");
    let r = trusted_put(
        &[
            "label:125",
            "Expect:100-continue",
            "column_separator:,",
            "partial_update:true",
            "columns: id, score",
        ],
        &part,
        &sim.load_url("example_db", "table1"),
    );
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
    assert_eq!(
        sim.mysql("select name, score from example_db.table1 where id = 3"),
        "Alicia\t31",
        "the name is kept"
    );
    assert_eq!(
        sim.mysql("select name, score from example_db.table1 where id = 9"),
        "NULL\t90"
    );
    // The trap the connector's users hit: without the key among the columns, or on a table
    // without a primary key, the load is refused rather than guessed.
    let r = trusted_put(
        &[
            "label:126",
            "column_separator:,",
            "partial_update:true",
            "columns: name",
        ],
        &write_file(dir.path(), "part2.csv", b"Zed\n"),
        &sim.load_url("example_db", "table1"),
    );
    assert_eq!(r.json()["Status"], "Fail", "{}", r.body);
    assert!(
        r.json()["Message"]
            .as_str()
            .unwrap_or_default()
            .contains("every key column, and 'id'"),
        "{}",
        r.body
    );
    let r = trusted_put(
        &["label:127", "partial_update:true", "columns: EVENT_TIME"],
        &write_file(dir.path(), "part3.csv", b"2024-05-28 19:00:00\n"),
        &sim.load_url("example_db", "stock"),
    );
    assert_eq!(r.json()["Status"], "Fail", "{}", r.body);
    assert!(
        r.body.contains("only supported by PRIMARY KEY tables"),
        "{}",
        r.body
    );
}

#[test]
fn the_response_keeps_the_be_key_order_and_pretty_printing() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "s.json", 3, 0);
    let r = load_stock(&sim, "order_1", &file, &[]);
    let keys = [
        "TxnId",
        "Label",
        "Status",
        "Message",
        "NumberTotalRows",
        "NumberLoadedRows",
        "NumberFilteredRows",
        "NumberUnselectedRows",
        "LoadBytes",
        "LoadTimeMs",
        "BeginTxnTimeMs",
        "StreamLoadPlanTimeMs",
        "ReadDataTimeMs",
        "WriteDataTimeMs",
        "CommitAndPublishTimeMs",
    ];
    let positions: Vec<usize> = keys
        .iter()
        .map(|k| {
            r.body
                .find(&format!("\"{k}\""))
                .unwrap_or_else(|| panic!("{k} missing: {}", r.body))
        })
        .collect();
    assert!(
        positions.windows(2).all(|w| w[0] < w[1]),
        "key order: {}",
        r.body
    );
    assert!(
        r.body.contains("\n    \"TxnId\": "),
        "4-space pretty print: {}",
        r.body
    );
    assert_eq!(
        r.json()["LoadBytes"],
        std::fs::metadata(&file).unwrap().len()
    );
}

#[test]
fn a_duplicate_label_is_refused_with_the_existing_job_status() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "s.json", 10, 0);
    assert_eq!(
        load_stock(&sim, "dup_label", &file, &[]).json()["Status"],
        "Success"
    );
    let r = load_stock(&sim, "dup_label", &file, &[]);
    let j = r.json();
    assert_eq!(j["Status"], "Label Already Exists", "{}", r.body);
    assert_eq!(j["ExistingJobStatus"], "FINISHED");
    assert_eq!(j["Message"], "Label [dup_label] has already been used.");
    assert!(r.body.find("\"ExistingJobStatus\"").unwrap() < r.body.find("\"Message\"").unwrap());
    assert_eq!(
        sim.count("example_db.stock"),
        10,
        "the duplicate must not load twice"
    );
}

#[test]
fn wrong_credentials_get_401_with_www_authenticate() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "s.json", 1, 0);
    let r = put(
        &["--location-trusted", "-u", "root:wrong"],
        &["Expect:100-continue", "format: json"],
        &file,
        &sim.load_url("example_db", "stock"),
    );
    assert_eq!(r.status, 401, "{r:?}");
    assert!(
        r.headers
            .to_ascii_lowercase()
            .contains("www-authenticate: basic realm=\"\""),
        "{}",
        r.headers
    );
    let j = r.json();
    assert_eq!(j["status"], "FAILED");
    assert_eq!(j["code"], "1");
    assert_eq!(j["msg"], "Access denied for root@127.0.0.1");
    // No credentials at all.
    let r = put(
        &[],
        &["Expect:100-continue"],
        &file,
        &sim.load_url("example_db", "stock"),
    );
    assert_eq!(r.status, 401);
    assert_eq!(r.json()["msg"], "Need auth information.");
    assert_eq!(sim.count("example_db.stock"), 0);
}

#[test]
fn without_expect_100_continue_the_fe_refuses_over_http_1_1() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "s.json", 1, 0);
    let a = auth();
    // `-H "Expect:"` stops curl from adding the header by itself.
    let r = trusted_put(
        &["Expect:", "format: json"],
        &file,
        &sim.load_url("example_db", "stock"),
    );
    assert_eq!(r.status, 200);
    assert!(
        r.headers.to_ascii_lowercase().contains("connection: close"),
        "{}",
        r.headers
    );
    assert_eq!(
        r.body,
        "{\n  \"Status\": \"FAILED\",\n  \"Message\": \"class com.starrocks.common.DdlException: There is no 100-continue header\"\n}"
    );
    // HTTP/1.0 is exempt (StarRocks PRs #52582/#53010).
    let r = put(
        &["--http1.0", "--location-trusted", "-u", &a],
        &["format: json", "strip_outer_array: true", "label: http10"],
        &file,
        &sim.load_url("example_db", "stock"),
    );
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
}

#[test]
fn the_fe_answers_307_to_the_be_without_reading_the_body() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "s.json", 1, 0);
    let a = auth();
    let url = format!("{}?x=1", sim.load_url("example_db", "stock"));
    let r = put(
        &["-u", &a],
        &["Expect:100-continue", "label:r1"],
        &file,
        &url,
    );
    assert_eq!(r.status, 307, "{r:?}");
    let expected = format!(
        "location: http://127.0.0.1:{}/api/example_db/stock/_stream_load?x=1",
        sim.be_port
    );
    assert!(
        r.headers.to_ascii_lowercase().contains(&expected),
        "{}",
        r.headers
    );
    assert!(r.headers.to_ascii_lowercase().contains("connection: close"));
    assert_eq!(sim.count("example_db.stock"), 0);

    // The cloud/Kubernetes failure: the BE registered under a name this machine cannot resolve.
    let sim2 = SimProcess::start(&["--be-host", "be-0.starrocks-be-search.invalid"]);
    seed_table(&sim2);
    let r = trusted_put(
        &["Expect:100-continue"],
        &file,
        &sim2.load_url("example_db", "stock"),
    );
    assert_eq!(r.exit_code, 6, "curl: could not resolve host, got {r:?}");
    assert!(
        r.stderr.contains("be-0.starrocks-be-search.invalid"),
        "{}",
        r.stderr
    );
}

#[test]
fn filtered_rows_are_counted_and_the_error_url_is_readable() {
    let (sim, dir) = seeded_sim(&[]);
    let mut records = stock_records(3, 0);
    records[1].as_object_mut().unwrap().remove("ticker");
    let file = write_file(dir.path(), "s.json", &serde_json::to_vec(&records).unwrap());
    let r = load_stock(&sim, "filtered_1", &file, &["max_filter_ratio: 0.5"]);
    let j = r.json();
    assert_eq!(j["Status"], "Success", "{}", r.body);
    assert_eq!(j["NumberTotalRows"], 3);
    assert_eq!(j["NumberLoadedRows"], 2);
    assert_eq!(j["NumberFilteredRows"], 1);
    let url = j["ErrorURL"].as_str().expect("ErrorURL");
    assert!(url.starts_with(&format!(
        "http://127.0.0.1:{}/api/_load_error_log?file=error_log_",
        sim.be_port
    )));
    let log = curl(&[url]);
    assert_eq!(log.status, 200);
    assert_eq!(
        log.body.trim_end(),
        "Error: NULL value in non-nullable column 'TICKER'. Row: [2024-05-28 19:00:01.000001, NULL, 0.01]"
    );
    assert_eq!(sim.count("example_db.stock"), 2);
}

#[test]
fn too_many_filtered_rows_fails_the_whole_load() {
    let (sim, dir) = seeded_sim(&[]);
    let mut records = stock_records(4, 0);
    records[2]["ticker"] = serde_json::Value::Null;
    let file = write_file(dir.path(), "s.json", &serde_json::to_vec(&records).unwrap());
    let r = load_stock(&sim, "too_many", &file, &[]);
    let j = r.json();
    assert_eq!(j["Status"], "Fail", "{}", r.body);
    assert_eq!(j["Message"], "too many filtered rows");
    assert_eq!(j["NumberFilteredRows"], 1);
    assert!(j["TxnId"].as_i64().unwrap() > 0);
    assert!(j["ErrorURL"].is_string());
    assert_eq!(
        sim.count("example_db.stock"),
        0,
        "nothing of a failed load is visible"
    );
    // The label of a failed (aborted) load may be used again.
    let good = stock_file(&dir, "g.json", 4, 0);
    assert_eq!(
        load_stock(&sim, "too_many", &good, &[]).json()["Status"],
        "Success"
    );
}

#[test]
fn an_unknown_table_or_database_fails_with_starrocks_message() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "s.json", 1, 0);
    let r = trusted_put(
        &["Expect:100-continue", "format: json"],
        &file,
        &sim.load_url("example_db", "t_missing"),
    );
    let j = r.json();
    assert_eq!(j["Status"], "Fail");
    assert_eq!(j["TxnId"], -1);
    assert_eq!(j["Message"], "unknown table, table=t_missing");
    let r = trusted_put(
        &["Expect:100-continue"],
        &file,
        &sim.load_url("no_db", "stock"),
    );
    assert_eq!(r.json()["Message"], "unknown database, database=no_db");
}

#[test]
fn bad_json_is_filtered_with_the_parser_reason() {
    let (sim, dir) = seeded_sim(&[]);
    let file = write_file(
        dir.path(),
        "bad.json",
        b"[{\"event_time\": \"2024-05-28T19:53:17\", \"ticker\": ",
    );
    let r = load_stock(&sim, "bad_json", &file, &[]);
    let j = r.json();
    assert_eq!(j["Status"], "Fail", "{}", r.body);
    assert_eq!(j["Message"], "too many filtered rows");
    let log = curl(&[j["ErrorURL"].as_str().unwrap()]);
    assert!(
        log.body.starts_with("Error: parse json failed: "),
        "{}",
        log.body
    );
    // Newline-delimited JSON: one broken line is one filtered row; the others load.
    let ndjson = b"{\"event_time\":\"2024-05-28 10:00:00\",\"ticker\":\"A\",\"price\":1}\nnot json\n{\"event_time\":\"2024-05-28 10:00:01\",\"ticker\":\"B\",\"price\":2}\n";
    let file = write_file(dir.path(), "nd.json", ndjson);
    let r = trusted_put(
        &[
            "Expect:100-continue",
            "format: json",
            "max_filter_ratio: 0.5",
            "label: nd1",
        ],
        &file,
        &sim.load_url("example_db", "stock"),
    );
    let j = r.json();
    assert_eq!(
        (
            j["NumberLoadedRows"].as_u64(),
            j["NumberFilteredRows"].as_u64()
        ),
        (Some(2), Some(1)),
        "{}",
        r.body
    );
}

#[test]
fn conversion_follows_non_strict_and_strict_mode() {
    let sim = SimProcess::start(&[]);
    seed_table(&sim);
    sim.mysql("CREATE TABLE example_db.conv (id INT NOT NULL, n TINYINT NULL, s VARCHAR(5) NULL, t DATETIME NULL) DUPLICATE KEY(id) DISTRIBUTED BY HASH(id)");
    let dir = tempfile::tempdir().unwrap();
    // Non-strict: out of range, too long and epoch millis all load as NULL (StarRocks issue #33606).
    let body = br#"[{"id":1,"n":2000,"s":"abcdefg","t":1716925997000},{"id":2,"n":7,"s":"abc","t":"2024-05-28T19:53:17.497201Z"}]"#;
    let file = write_file(dir.path(), "c.json", body);
    let url = sim.load_url("example_db", "conv");
    let r = trusted_put(
        &[
            "Expect:100-continue",
            "format: json",
            "strip_outer_array: true",
            "label: conv1",
        ],
        &file,
        &url,
    );
    let j = r.json();
    assert_eq!(
        (j["Status"].as_str(), j["NumberFilteredRows"].as_u64()),
        (Some("Success"), Some(0)),
        "{}",
        r.body
    );
    assert_eq!(
        sim.mysql("select n, s, t from example_db.conv where id = 1"),
        "NULL\tNULL\tNULL"
    );
    assert_eq!(
        sim.mysql("select n, s, t from example_db.conv where id = 2"),
        "7\tabc\t2024-05-28 19:53:17.497201"
    );
    // Strict: the same row is filtered instead.
    let r = trusted_put(
        &[
            "Expect:100-continue",
            "format: json",
            "strip_outer_array: true",
            "strict_mode: true",
            "max_filter_ratio: 1",
            "label: conv2",
        ],
        &file,
        &url,
    );
    let j = r.json();
    assert_eq!(
        (
            j["NumberLoadedRows"].as_u64(),
            j["NumberFilteredRows"].as_u64()
        ),
        (Some(1), Some(1)),
        "{}",
        r.body
    );
}

#[test]
fn gzip_lz4_and_chunked_bodies_load() {
    let (sim, dir) = seeded_sim(&[]);
    let raw = stock_json(100, 0);
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    gz.write_all(&raw).unwrap();
    let gz_file = write_file(dir.path(), "s.json.gz", &gz.finish().unwrap());
    let r = load_stock(&sim, "gz1", &gz_file, &["Content-Encoding: gzip"]);
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
    let mut lz = lz4_flex::frame::FrameEncoder::new(Vec::new());
    lz.write_all(&stock_json(100, 100)).unwrap();
    let lz_file = write_file(dir.path(), "s.json.lz4", &lz.finish().unwrap());
    let r = load_stock(&sim, "lz1", &lz_file, &["compression: lz4_frame"]);
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
    // Both at once is an error, as in StarRocks.
    let r = load_stock(
        &sim,
        "lz2",
        &lz_file,
        &["compression: lz4_frame", "Content-Encoding: gzip"],
    );
    assert_eq!(
        r.json()["Message"],
        "Only one of http header content-encoding and compression can be set"
    );
    // Chunked transfer encoding.
    let plain = stock_file(&dir, "c.json", 50, 200);
    let r = load_stock(&sim, "chunked1", &plain, &["Transfer-Encoding: chunked"]);
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
    assert_eq!(sim.count("example_db.stock"), 250);
}

#[test]
fn the_json_size_limit_and_ignore_json_size() {
    let (sim, dir) = seeded_sim(&["--max-json-bytes", "2000"]);
    let file = stock_file(&dir, "big.json", 100, 0);
    let r = load_stock(&sim, "big1", &file, &[]);
    let j = r.json();
    assert_eq!(j["Status"], "Fail");
    let msg = j["Message"].as_str().unwrap();
    assert!(
        msg.starts_with("The size of this batch exceed the max size [2000] of json type data"),
        "{msg}"
    );
    assert!(msg.contains("Set ignore_json_size to skip the check"));
    let r = load_stock(&sim, "big1", &file, &["ignore_json_size: true"]);
    assert_eq!(r.json()["Status"], "Success", "{}", r.body);
    assert_eq!(sim.count("example_db.stock"), 100);
}

#[test]
fn data_tables_and_labels_survive_a_restart_with_a_data_dir() {
    let data = tempfile::tempdir().unwrap();
    let data_dir = data.path().to_str().unwrap().to_string();
    let sim = SimProcess::start(&["--data-dir", &data_dir]);
    seed_table(&sim);
    let dir = tempfile::tempdir().unwrap();
    let file = stock_file(&dir, "s.json", 40, 0);
    assert_eq!(
        load_stock(&sim, "persist_1", &file, &[]).json()["Status"],
        "Success"
    );
    // A crash, not a clean stop.
    sim.kill();
    let sim = SimProcess::start(&["--data-dir", &data_dir]);
    assert_eq!(sim.count("example_db.stock"), 40);
    assert!(
        sim.mysql("show create table example_db.stock")
            .contains("DUPLICATE KEY(`EVENT_TIME`)")
    );
    let r = load_stock(&sim, "persist_1", &file, &[]);
    assert_eq!(r.json()["Status"], "Label Already Exists", "{}", r.body);
    assert_eq!(r.json()["ExistingJobStatus"], "FINISHED");
    let file2 = stock_file(&dir, "s2.json", 5, 40);
    assert_eq!(
        load_stock(&sim, "persist_2", &file2, &[]).json()["Status"],
        "Success"
    );
    sim.stop();
    let sim = SimProcess::start(&["--data-dir", &data_dir]);
    assert_eq!(sim.count("example_db.stock"), 45);
}

#[test]
fn the_transaction_api_begin_load_prepare_commit_and_rollback() {
    let (sim, dir) = seeded_sim(&[]);
    let a = auth();
    let txn = |op: &str, label: &str, extra: &[&str]| {
        let url = format!("http://127.0.0.1:{}/api/transaction/{op}", sim.http_port);
        let label_h = format!("label:{label}");
        let mut args = vec![
            "--location-trusted",
            "-u",
            &a,
            "-H",
            &label_h,
            "-H",
            "db:example_db",
            "-H",
            "table:stock",
        ];
        args.extend_from_slice(extra);
        args.extend_from_slice(&["-XPOST", &url]);
        curl(&args)
    };
    // A load into the transaction: the body goes up with `-T`, as in Stream Load.
    let txn_load = |label: &str, headers: &[&str], file: &Path| {
        let mut extra = header_args(headers);
        extra.extend(["-T", file.to_str().unwrap(), "-XPUT"]);
        txn("load", label, &extra)
    };
    let load_state = |label: &str| {
        let url = format!(
            "http://127.0.0.1:{}/api/example_db/get_load_state?label={label}",
            sim.http_port
        );
        curl(&["-u", &a, &url]).json()["state"].clone()
    };
    let r = txn("begin", "txn_1", &[]);
    assert_eq!(r.json()["Status"], "OK", "{}", r.body);
    let f1 = stock_file(&dir, "a.json", 7, 0);
    let f2 = stock_file(&dir, "b.json", 3, 7);
    for f in [&f1, &f2] {
        let r = txn_load(
            "txn_1",
            &[
                "format: json",
                "strip_outer_array: true",
                "Expect:100-continue",
            ],
            f,
        );
        assert_eq!(r.json()["Status"], "OK", "{}", r.body);
    }
    assert_eq!(
        sim.count("example_db.stock"),
        0,
        "nothing visible before commit"
    );
    let r = txn("prepare", "txn_1", &[]);
    assert_eq!(r.json()["Status"], "OK", "{}", r.body);
    assert_eq!(r.json()["NumberLoadedRows"], 10);
    assert_eq!(load_state("txn_1"), "PREPARED");
    let r = txn("commit", "txn_1", &[]);
    assert_eq!(r.json()["Status"], "OK", "{}", r.body);
    assert_eq!(sim.count("example_db.stock"), 10);
    assert_eq!(load_state("txn_1"), "VISIBLE");
    // Commit again: already committed.
    assert_eq!(
        txn("commit", "txn_1", &[]).json()["Message"],
        "Transaction already commited"
    );
    // Begin with a used label.
    let r = txn("begin", "txn_1", &[]);
    assert_eq!(r.json()["Status"], "LABEL_ALREADY_EXISTS");
    assert_eq!(r.json()["ExistingJobStatus"], "FINISHED");
    // Rollback discards staged rows and frees the label.
    assert_eq!(txn("begin", "txn_2", &[]).json()["Status"], "OK");
    let r = txn_load("txn_2", &["format: json", "strip_outer_array: true"], &f1);
    assert_eq!(r.json()["Status"], "OK");
    assert_eq!(txn("rollback", "txn_2", &[]).json()["Status"], "OK");
    assert_eq!(load_state("txn_2"), "ABORTED");
    assert_eq!(
        txn("commit", "txn_2", &[]).json()["Status"],
        "TXN_NOT_EXISTS"
    );
    assert_eq!(sim.count("example_db.stock"), 10);
    // An unknown API on this FE.
    let r = curl(&[
        "-u",
        &a,
        &format!("http://127.0.0.1:{}/api/v2/whatever", sim.http_port),
    ]);
    assert_eq!(r.body, r#"{"status":"FAILED","msg":"Not implemented"}"#);
    // Cancel through the FE.
    assert_eq!(txn("begin", "txn_3", &[]).json()["Status"], "OK");
    let r = curl(&[
        "-u",
        &a,
        "-XPOST",
        &format!(
            "http://127.0.0.1:{}/api/example_db/stock/_cancel?label=txn_3",
            sim.http_port
        ),
    ]);
    assert_eq!(r.json()["status"], "OK", "{}", r.body);
}

#[test]
fn injected_faults_behave_as_named_and_requests_are_recorded_redacted() {
    let (sim, dir) = seeded_sim(&[]);
    let file = stock_file(&dir, "s.json", 5, 0);
    let admin = |path: &str, body: &str| {
        curl(&[
            "-XPOST",
            "-H",
            "content-type: application/json",
            "-d",
            body,
            &format!("http://127.0.0.1:{}{path}", sim.http_port),
        ])
    };
    // One fault, for the next request only.
    let inject = |fault: &str| admin("/_sim/faults", &format!(r#"{{"fault":{fault},"times":1}}"#));
    inject(r#"{"kind":"http_status","status":503}"#);
    let r = load_stock(&sim, "f1", &file, &[]);
    assert_eq!(r.status, 503);
    inject(r#"{"kind":"reset_connection"}"#);
    let r = load_stock(&sim, "f1", &file, &[]);
    assert_eq!(r.exit_code, 56, "connection reset: {r:?}");
    inject(r#"{"kind":"fail","message":"close index channel failed"}"#);
    let r = load_stock(&sim, "f1", &file, &[]);
    assert_eq!(
        (r.json()["Status"].as_str(), r.json()["Message"].as_str()),
        (Some("Fail"), Some("close index channel failed"))
    );
    assert_eq!(sim.count("example_db.stock"), 0);
    inject(r#"{"kind":"publish_timeout"}"#);
    let r = load_stock(&sim, "f1", &file, &[]);
    assert_eq!(r.json()["Status"], "Publish Timeout");
    assert_eq!(
        sim.count("example_db.stock"),
        5,
        "publish timeout still loads"
    );
    inject(r#"{"kind":"label_running","finish_after_ms":1500}"#);
    let r = load_stock(&sim, "f2", &file, &[]);
    assert_eq!(
        (
            r.json()["Status"].as_str(),
            r.json()["ExistingJobStatus"].as_str()
        ),
        (Some("Label Already Exists"), Some("RUNNING"))
    );
    let r = load_stock(&sim, "f2", &file, &[]);
    assert_eq!(r.json()["ExistingJobStatus"], "RUNNING", "{}", r.body);
    std::thread::sleep(std::time::Duration::from_millis(1800));
    let r = load_stock(&sim, "f2", &file, &[]);
    assert_eq!(r.json()["ExistingJobStatus"], "FINISHED", "{}", r.body);
    assert_eq!(sim.count("example_db.stock"), 10);
    inject(r#"{"kind":"delay","ms":800}"#);
    let t = std::time::Instant::now();
    assert_eq!(
        load_stock(&sim, "f3", &file, &[]).json()["Status"],
        "Success"
    );
    assert!(t.elapsed() >= std::time::Duration::from_millis(800));
    admin("/_sim/down", r#"{"seconds":1.5}"#);
    std::thread::sleep(std::time::Duration::from_millis(200));
    let r = load_stock(&sim, "f4", &file, &[]);
    assert_eq!(r.exit_code, 7, "connection refused while down: {r:?}");
    std::thread::sleep(std::time::Duration::from_millis(1600));
    assert_eq!(
        load_stock(&sim, "f4", &file, &[]).json()["Status"],
        "Success"
    );
    let recorded = curl(&[&format!("http://127.0.0.1:{}/_sim/requests", sim.http_port)]);
    assert!(!recorded.body.contains(PASSWORD));
    assert!(!recorded.body.contains(&base64_of(&auth())));
    let list = recorded.json();
    let statuses: Vec<&str> = list
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|r| r["load_status"].as_str())
        .collect();
    assert!(
        statuses.contains(&"Publish Timeout") && statuses.contains(&"Label Already Exists"),
        "{statuses:?}"
    );
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .any(|r| r["headers"].to_string().contains("Basic <redacted>"))
    );
}

fn base64_of(s: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::STANDARD.encode(s)
}
