//! The backend's side of the local demo: `Request::StartDemo` starts the demo's services
//! ([`ks_local::demo::DemoServices`]) once and hands the UI its pipeline; `StopDemo` stops its
//! engines and the services.

use super::{BackendCtx, send_list};
use ks_core::Secret;
pub use ks_local::demo::{
    DEMO_DATABASE, DEMO_PASSWORD, DEMO_PIPELINE, DEMO_STREAM, DEMO_TABLE, DemoServices,
};
use ks_ui::protocol::{BackendError, Reply};
use std::time::Duration;

/// `Request::StartDemo`: starts the demo (once) and replies `DemoReady` with its pipeline.
pub async fn start(ctx: &BackendCtx) {
    let mut demo = ctx.demo.lock().await;
    if demo.is_none() {
        match DemoServices::start().await {
            Ok(d) => {
                let mut state = ctx.state.lock().expect("backend state");
                state.demo_dir = Some((
                    d.world.dir.path().join("pipelines"),
                    d.world.kinesis.endpoint_url().to_string(),
                ));
                state.demo_sts_url = Some(d.sts.url.clone());
                drop(state);
                *demo = Some(d);
            }
            Err(e) => {
                ctx.reply
                    .send(Reply::Error(BackendError::DemoFailed(e.to_string())));
                return;
            }
        }
    }
    let d = demo.as_ref().expect("started above");
    ctx.reply.send(Reply::DemoReady {
        name: DEMO_PIPELINE.into(),
        config: Box::new(d.config.clone()),
        password: Secret::new(DEMO_PASSWORD),
        records_per_s: d.producer.rate(),
    });
    send_list(ctx);
}

/// `Request::SetDemoRate`: the producer's new rate, held within the offered range.
pub async fn set_rate(ctx: &BackendCtx, records_per_s: u64) {
    let range = ks_ui::protocol::DEMO_RECORDS_PER_S;
    if let Some(d) = ctx.demo.lock().await.as_ref() {
        d.producer
            .set_rate(records_per_s.clamp(*range.start(), *range.end()));
    }
}

/// `Request::StopDemo`: stops the demo's engines, the producer and the services.
pub async fn stop(ctx: &BackendCtx) {
    let Some(d) = ctx.demo.lock().await.take() else {
        return;
    };
    let demo_names: Vec<String> = super::store::list(&d.world.dir.path().join("pipelines"))
        .into_iter()
        .map(|(n, _, _)| n)
        .collect();
    for n in &demo_names {
        super::engine::stop(ctx, n);
    }
    for _ in 0..200 {
        let running = {
            let s = ctx.state.lock().expect("backend state");
            demo_names.iter().any(|n| s.engines.contains_key(n))
        };
        if !running {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    {
        let mut s = ctx.state.lock().expect("backend state");
        s.demo_dir = None;
        s.demo_sts_url = None;
        for n in &demo_names {
            s.passwords.remove(n);
            s.statuses.remove(n);
        }
    }
    d.shutdown().await;
}

/// The running demo's row count in `demo.stock` and the records produced so far (tests).
pub async fn demo_counts(ctx: &BackendCtx) -> Result<(u64, u64), String> {
    let demo = ctx.demo.lock().await;
    let d = demo.as_ref().ok_or("the demo is not running")?;
    let rows = d.rows().await.map_err(|e| e.to_string())?;
    Ok((rows, d.produced()))
}
