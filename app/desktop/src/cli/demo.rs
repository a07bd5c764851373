//! `kinesis-starrocks demo --headless`: the local demo in the terminal, through the same backend
//! the window uses.

use kinesis_starrocks::backend::demo::{
    DEMO_DATABASE, DEMO_PASSWORD, DEMO_STREAM, DEMO_TABLE, demo_counts,
};
use ks_ui::protocol::Reply;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

/// `kinesis-starrocks demo --headless`: the demo in the terminal. Starts the local services and
/// the demo pipeline, prints a status line every few seconds, and on Ctrl-C stops it (flush,
/// confirm, checkpoint) and prints the rows in the stand-in. Returns the exit code.
pub fn run() -> i32 {
    use ks_ui::protocol::Request;
    use std::sync::atomic::AtomicBool;
    let dir = match tempfile::Builder::new()
        .prefix("kinesis-starrocks-demo-")
        .tempdir()
    {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: a temporary directory for the demo: {e}");
            return 1;
        }
    };
    let options =
        kinesis_starrocks::backend::BackendOptions::headless_demo(dir.path().join("unused"));
    let backend = kinesis_starrocks::backend::spawn(options, |_| {});
    let replies = backend.take_replies();
    let interrupted = Arc::new(AtomicBool::new(false));
    let flag = interrupted.clone();
    backend.runtime().spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            flag.store(true, Ordering::Relaxed);
        }
    });
    backend.link.send(Request::StartDemo);
    let mut name: Option<String> = None;
    let mut stopping = false;
    let mut last_line = std::time::Instant::now();
    loop {
        if interrupted.load(Ordering::Relaxed) && !stopping {
            stopping = true;
            match &name {
                Some(n) => {
                    eprintln!("stopping: loading, confirming and checkpointing what was read…");
                    backend.link.send(Request::Stop { name: n.clone() });
                }
                None => return 130,
            }
        }
        let reply = match replies.recv_timeout(Duration::from_millis(200)) {
            Ok(r) => r,
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => continue,
            Err(_) => return 1,
        };
        match reply {
            Reply::DemoReady {
                name: n,
                config,
                password,
                ..
            } => {
                println!(
                    "local demo: Kinesis {} (stream {DEMO_STREAM}), StarRocks stand-in {} \
                     (table {DEMO_DATABASE}.{DEMO_TABLE}, user root, password {DEMO_PASSWORD})",
                    config.source.endpoint_url.as_deref().unwrap_or_default(),
                    config
                        .sink
                        .jdbc_url
                        .as_ref()
                        .map(|j| j.text.as_str())
                        .unwrap_or_default(),
                );
                backend.link.send(Request::Save {
                    ticket: 1,
                    name: n.clone(),
                    config,
                    password: Some(password),
                });
                name = Some(n);
            }
            Reply::Saved {
                result, name: n, ..
            } => match result {
                Ok(_) => backend.link.send(Request::Start { name: n }),
                Err(e) => {
                    eprintln!("error: {e}");
                    return 1;
                }
            },
            Reply::Snapshot { snapshot, .. } if last_line.elapsed() >= Duration::from_secs(3) => {
                last_line = std::time::Instant::now();
                let t = &snapshot.totals;
                println!(
                    "{:?}: {} records read, {} rows loaded in {} loads, {} filtered (Ctrl-C stops)",
                    snapshot.state, t.records_read, t.rows_loaded, t.loads_ok, t.rows_filtered
                );
            }
            Reply::Ended { result, .. } => {
                let rows = backend.runtime().block_on(demo_counts(&backend.ctx));
                match (result, rows) {
                    (Ok(summary), Ok((rows, produced))) => {
                        // The producer runs until the demo ends: what it wrote after the readers
                        // stopped is in the stream, not lost.
                        let waiting = match produced.saturating_sub(rows) {
                            0 => String::new(),
                            n => format!(
                                " ({n} not read before the stop: they wait in the stream for the next start)"
                            ),
                        };
                        println!(
                            "{summary}; {rows} rows in {DEMO_DATABASE}.{DEMO_TABLE}, {produced} records produced{waiting}"
                        );
                        return 0;
                    }
                    (Err(e), _) | (_, Err(e)) => {
                        eprintln!("error: {e}");
                        return 1;
                    }
                }
            }
            Reply::Error(error) => {
                eprintln!("error: {error}");
                return 1;
            }
            _ => {}
        }
    }
}
