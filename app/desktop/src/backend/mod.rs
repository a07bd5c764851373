//! The backend: a tokio runtime on its own thread. It receives `ks_ui::protocol::Request`s, does
//! the I/O (saving pipelines, the keyring, preflight checks, engine start/stop, Flink exports,
//! the local demo) and queues `Reply`s, waking the UI after each.

pub mod demo;
pub mod engine;
pub mod export;
pub mod secrets;
pub mod store;
pub mod wizard;
pub mod wizard_table;

use ks_core::{PipelineConfig, Secret};
use ks_ui::frame_pace::Wake;
use ks_ui::protocol::{
    BackendError, BackendLink, PipelineEntry, REPLY_QUEUE, REQUEST_QUEUE, Reply, Request,
    RunStatus, SaveInfo,
};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

/// Where the backend keeps things and how it reaches AWS. The app uses [`BackendOptions::from_env`];
/// tests pass explicit directories and endpoints.
#[derive(Clone)]
pub struct BackendOptions {
    /// Saved pipelines: `<config_dir>/<name>.toml`.
    pub config_dir: PathBuf,
    /// Static credentials and endpoints instead of the AWS default chain (emulators, moto, tests).
    pub aws: ks_preflight::AwsOverrides,
    /// Where "my public IP" is asked (the security-group check).
    pub egress_ip_url: String,
    /// Send desktop notifications (stalls, filtered rows, recoveries).
    pub notifications: bool,
    /// Use the OS keyring for passwords (off: passwords live in memory for the session only).
    pub keyring: bool,
}

impl BackendOptions {
    /// The real app's options: `~/.config/kinesis-starrocks/pipelines` (XDG), the default AWS
    /// chain, notifications and the keyring on.
    pub fn from_env() -> BackendOptions {
        let config_dir =
            directories::ProjectDirs::from("io.github", "kinesis-starrocks", "kinesis-starrocks")
                .map(|d| d.config_dir().join("pipelines"))
                .unwrap_or_else(|| PathBuf::from("pipelines"));
        BackendOptions {
            config_dir,
            aws: Default::default(),
            egress_ip_url: ks_preflight::DEFAULT_EGRESS_IP_URL.to_string(),
            notifications: true,
            keyring: true,
        }
    }

    /// The headless demo's options: no saved pipelines (`config_dir` is unused: the demo's
    /// pipeline lives in its own temporary directory), the default AWS chain (the demo brings
    /// its emulator's credentials for its own endpoint only), no notifications, no keyring.
    pub fn headless_demo(config_dir: PathBuf) -> BackendOptions {
        BackendOptions {
            config_dir,
            aws: Default::default(),
            egress_ip_url: "http://127.0.0.1:1/".into(),
            notifications: false,
            keyring: false,
        }
    }

    /// Options for tests (no production path calls it): pipelines in `config_dir`, the local
    /// emulators' static credentials, no notifications. The keyring stays on (a test without a
    /// session bus sees the in-memory fallback and its warning).
    pub fn for_tests(config_dir: PathBuf) -> BackendOptions {
        BackendOptions {
            config_dir,
            aws: ks_preflight::AwsOverrides {
                credentials: Some(ks_local::emulator_credentials()),
                ..Default::default()
            },
            egress_ip_url: "http://127.0.0.1:1/".into(),
            notifications: false,
            keyring: true,
        }
    }
}

/// Queues replies for the UI and wakes it.
#[derive(Clone)]
pub struct ReplySender {
    tx: std::sync::mpsc::SyncSender<Reply>,
    wake: Arc<dyn Fn(Wake) + Send + Sync>,
}

impl ReplySender {
    /// Queues `reply` and wakes the UI. On a full queue (the UI has not drained it for a while)
    /// a snapshot is dropped, since the next one supersedes it, and any other reply waits for
    /// room: the queue stays bounded and nothing but a stale snapshot is lost.
    pub fn send(&self, reply: Reply) {
        use std::sync::mpsc::TrySendError;
        // Snapshots and events are periodic news an unwatched window shows once a second.
        let wake = match reply {
            Reply::Snapshot { .. } | Reply::Event { .. } => Wake::News,
            _ => Wake::Reply,
        };
        match self.tx.try_send(reply) {
            // A closed receiver: the window is gone; nothing to tell.
            Ok(())
            | Err(TrySendError::Disconnected(_))
            | Err(TrySendError::Full(Reply::Snapshot { .. })) => {}
            Err(TrySendError::Full(other)) => {
                (self.wake)(Wake::Reply);
                let _ = self.tx.send(other);
            }
        }
        (self.wake)(wake);
    }
}

/// What request handlers share (the wizard's handler gets it too).
pub struct BackendCtx {
    pub options: BackendOptions,
    pub reply: ReplySender,
    pub(crate) state: Mutex<State>,
    pub(crate) demo: tokio::sync::Mutex<Option<demo::DemoServices>>,
    pub(crate) notifier: crate::notify::Notifier,
}

impl BackendCtx {
    /// The AWS overrides for checks and reads of `config`: the demo's static credentials when
    /// the config points at the running demo's own Kinesis endpoint (and only then), else the
    /// options' (the default chain in the app).
    pub fn aws_for(&self, config: &PipelineConfig) -> ks_preflight::AwsOverrides {
        let mut aws = self.options.aws.clone();
        if self.is_demo_endpoint(config) {
            aws.credentials = Some(ks_local::emulator_credentials());
            aws.sts_endpoint_url = self
                .state
                .lock()
                .expect("backend state")
                .demo_sts_url
                .clone();
        }
        aws
    }

    /// Whether `config` reads from the running demo's Kinesis.
    pub fn is_demo_endpoint(&self, config: &PipelineConfig) -> bool {
        let state = self.state.lock().expect("backend state");
        matches!(
            (&state.demo_dir, config.source.endpoint_url.as_deref()),
            (Some((_, endpoint)), Some(url)) if endpoint == url
        )
    }
}

#[derive(Default)]
pub(crate) struct State {
    /// Passwords typed in this session (kept when no keyring is reachable; the demo's).
    pub passwords: HashMap<String, Secret>,
    pub engines: HashMap<String, engine::Running>,
    pub statuses: HashMap<String, RunStatus>,
    /// The demo's pipelines directory and its Kinesis endpoint, while the demo runs.
    pub demo_dir: Option<(PathBuf, String)>,
    /// The demo's STS endpoint (its "who am I"), while the demo runs.
    pub demo_sts_url: Option<String>,
    /// Which pipelines another process held in the last list the UI got (the lock watcher sends
    /// the list again when that changes).
    pub held_sent: Vec<(String, Option<String>)>,
}

/// The running backend: the UI's link to it and the replies for the UI to drain.
pub struct Backend {
    pub link: BackendLink,
    replies: Mutex<Option<std::sync::mpsc::Receiver<Reply>>>,
    pub ctx: Arc<BackendCtx>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Backend {
    /// The replies, for the UI to drain (once: the UI owns them).
    pub fn take_replies(&self) -> std::sync::mpsc::Receiver<Reply> {
        self.replies
            .lock()
            .expect("replies")
            .take()
            .expect("the replies are taken once")
    }

    /// Stops every running engine (flush and checkpoint, bounded) and the demo; for app exit.
    pub fn shutdown(&mut self, timeout: std::time::Duration) {
        if let Some(rt) = self.runtime.take() {
            let ctx = self.ctx.clone();
            rt.block_on(async move {
                let _ = tokio::time::timeout(timeout, engine::stop_all(&ctx)).await;
                demo::stop(&ctx).await;
            });
            rt.shutdown_timeout(std::time::Duration::from_secs(1));
        }
    }

    /// A handle on the backend's runtime (tests run their own async checks on it).
    pub fn runtime(&self) -> &tokio::runtime::Runtime {
        self.runtime.as_ref().expect("the backend is running")
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        self.shutdown(std::time::Duration::from_secs(10));
    }
}

/// Starts the backend: a multi-thread tokio runtime and a thread that hands each request to it.
/// `wake` is called after every queued reply (the app passes [`FramePace::wake`](ks_ui::frame_pace::FramePace::wake)).
pub fn spawn(options: BackendOptions, wake: impl Fn(Wake) + Send + Sync + 'static) -> Backend {
    ks_starrocks::ensure_crypto_provider();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("ks-backend")
        .enable_all()
        .build()
        .expect("the tokio runtime (threads and a timer) can be built");
    let (req_tx, req_rx) = std::sync::mpsc::sync_channel::<Request>(REQUEST_QUEUE);
    let (reply_tx, reply_rx) = std::sync::mpsc::sync_channel::<Reply>(REPLY_QUEUE);
    let notifier = crate::notify::Notifier::new(options.notifications);
    let ctx = Arc::new(BackendCtx {
        options,
        reply: ReplySender {
            tx: reply_tx,
            wake: Arc::new(wake),
        },
        state: Mutex::new(State::default()),
        demo: tokio::sync::Mutex::new(None),
        notifier,
    });
    let handle = runtime.handle().clone();
    handle.spawn(watch_locks(Arc::downgrade(&ctx)));
    let dispatch_ctx = ctx.clone();
    std::thread::Builder::new()
        .name("ks-requests".into())
        .spawn(move || {
            // Ends when every BackendLink is dropped (the window closed).
            while let Ok(request) = req_rx.recv() {
                let ctx = dispatch_ctx.clone();
                handle.spawn(async move { dispatch(ctx, request).await });
            }
        })
        .expect("a thread can be spawned");
    Backend {
        link: BackendLink::new(req_tx),
        replies: Mutex::new(Some(reply_rx)),
        ctx,
        runtime: Some(runtime),
    }
}

async fn dispatch(ctx: Arc<BackendCtx>, request: Request) {
    match request {
        Request::Wizard { ticket, request } => {
            wizard::handle(&ctx, ticket, request, &ctx.reply).await;
        }
        Request::Save {
            ticket,
            name,
            config,
            password,
        } => {
            let result = save(&ctx, &name, &config, password).await;
            ctx.reply.send(Reply::Saved {
                ticket,
                name,
                result,
            });
            send_list(&ctx);
        }
        Request::Start { name } => engine::start(ctx.clone(), name).await,
        Request::Stop { name } => engine::stop(&ctx, &name),
        Request::ListPipelines => send_list(&ctx),
        Request::Delete { name } => {
            let result = match deregister_consumer(&ctx, &name).await {
                Ok(()) => delete(&ctx, &name),
                Err(e) => Err(e),
            };
            if let Err(message) = result {
                ctx.reply
                    .send(Reply::Error(BackendError::DeleteFailed { name, message }));
            }
            send_list(&ctx);
        }
        Request::StartDemo => demo::start(&ctx).await,
        Request::SetDemoRate { records_per_s } => demo::set_rate(&ctx, records_per_s).await,
        Request::StopDemo => {
            demo::stop(&ctx).await;
            send_list(&ctx);
        }
        Request::ExportFlink {
            ticket,
            name,
            config,
            password,
            out_dir,
        } => export::export(ctx.clone(), ticket, name, *config, password, out_dir).await,
    }
}

/// The directory a pipeline's config lives in: the demo's temporary one for a config against
/// the running demo's Kinesis endpoint, else the saved-pipelines directory.
fn dir_for_config(ctx: &BackendCtx, config: &PipelineConfig) -> (PathBuf, bool) {
    let state = ctx.state.lock().expect("backend state");
    if let Some((dir, endpoint)) = &state.demo_dir
        && config.source.endpoint_url.as_deref() == Some(endpoint.as_str())
    {
        return (dir.clone(), true);
    }
    (ctx.options.config_dir.clone(), false)
}

/// Where pipeline `name` is saved: the demo's directory first (while the demo runs).
pub(crate) fn find(ctx: &BackendCtx, name: &str) -> Result<(PipelineConfig, bool), String> {
    let demo_dir = ctx.state.lock().expect("backend state").demo_dir.clone();
    if let Some((dir, _)) = demo_dir
        && let Ok(path) = store::path_for(&dir, name)
        && path.exists()
    {
        return store::load(&dir, name).map(|c| (c, true));
    }
    store::load(&ctx.options.config_dir, name).map(|c| (c, false))
}

async fn save(
    ctx: &BackendCtx,
    name: &str,
    config: &PipelineConfig,
    password: Option<Secret>,
) -> Result<SaveInfo, String> {
    let (dir, demo) = dir_for_config(ctx, config);
    let path = store::save(&dir, name, config)?;
    tracing::info!("saved pipeline {name} to {}", path.display());
    let mut keyring_warning = None;
    if let Some(password) = password {
        // The demo's password is the stand-in's, for this session only: never the OS keyring.
        if !demo && ctx.options.keyring {
            let account = ks_core::config::keyring_account(&config.sink);
            let pw = password.expose().to_string();
            let result = tokio::task::spawn_blocking(move || {
                secrets::keyring_set(ks_core::config::KEYRING_SERVICE, &account, &pw)
            })
            .await
            .unwrap_or_else(|e| Err(e.to_string()));
            if let Err(e) = result {
                keyring_warning = Some(format!(
                    "the password could not be stored in the OS keyring: {e}. It is kept in \
                         memory until the app closes; to keep it, set `password-file` in [sink] \
                         or the STARROCKS_PASSWORD environment variable"
                ));
            }
        }
        ctx.state
            .lock()
            .expect("backend state")
            .passwords
            .insert(name.to_string(), password);
    }
    Ok(SaveInfo {
        path,
        keyring_warning,
    })
}

/// With `reader = "efo"` and `efo-consumer = "pipeline"` (the default), the pipeline's enhanced
/// fan-out consumer goes with it: AWS bills it for as long as it is registered. A failure keeps
/// the pipeline, so that deleting again can retry.
async fn deregister_consumer(ctx: &BackendCtx, name: &str) -> Result<(), String> {
    if ctx
        .state
        .lock()
        .expect("backend state")
        .engines
        .contains_key(name)
    {
        return Err(format!("{name} is running: stop it first"));
    }
    let Ok(config) = store::load(&ctx.options.config_dir, name) else {
        // Unreadable: nothing says it has a consumer; the file still goes.
        return Ok(());
    };
    if config.source.reader != ks_core::ReaderKind::Efo
        || config.source.efo_consumer != ks_core::EfoConsumer::Pipeline
    {
        return Ok(());
    }
    let consumer = config.efo_consumer_name();
    let kept = |e: String| {
        format!(
            "the enhanced fan-out consumer {consumer} could not be deregistered ({e}). The \
             pipeline is kept so that Delete can try again; to delete it and leave the consumer \
             registered, set `efo-consumer = \"keep\"` in its [source]"
        )
    };
    let source = ks_kinesis::KinesisSource::connect_with(
        &config.source,
        ks_kinesis::ConnectOptions {
            credentials: ctx.options.aws.credentials.clone(),
            max_attempts: Some(2),
            reader: None,
        },
    )
    .await
    .map_err(|e| kept(e.to_string()))?;
    source
        .deregister_consumer(&consumer)
        .await
        .map_err(|e| kept(e.to_string()))?;
    Ok(())
}

fn delete(ctx: &BackendCtx, name: &str) -> Result<(), String> {
    let mut state = ctx.state.lock().expect("backend state");
    if state.engines.contains_key(name) {
        return Err(format!("{name} is running: stop it first"));
    }
    state.passwords.remove(name);
    state.statuses.remove(name);
    store::delete(&ctx.options.config_dir, name)
}

/// The pipeline list, as the UI shows it.
pub fn list(ctx: &BackendCtx) -> Vec<PipelineEntry> {
    let state = ctx.state.lock().expect("backend state");
    let mut out = Vec::new();
    let mut add = |dir: &std::path::Path, demo: bool| {
        for (name, path, config) in store::list(dir) {
            let status = state
                .statuses
                .get(&name)
                .cloned()
                .unwrap_or(RunStatus::Idle);
            // Not running here: does another process (a `run`, another window) hold it?
            let held_elsewhere = match &config {
                Ok(c) if !state.engines.contains_key(&name) => {
                    ks_engine::lock::holder(&c.state_dir).map(|h| h.to_string())
                }
                _ => None,
            };
            out.push(PipelineEntry {
                name,
                config,
                path,
                demo,
                status,
                held_elsewhere,
            });
        }
    };
    if let Some((dir, _)) = &state.demo_dir {
        add(dir, true);
    }
    add(&ctx.options.config_dir, false);
    out
}

pub(crate) fn send_list(ctx: &BackendCtx) {
    let list = list(ctx);
    ctx.state.lock().expect("backend state").held_sent = held_elsewhere(&list);
    ctx.reply.send(Reply::Pipelines(list));
}

fn held_elsewhere(list: &[PipelineEntry]) -> Vec<(String, Option<String>)> {
    list.iter()
        .map(|p| (p.name.clone(), p.held_elsewhere.clone()))
        .collect()
}

/// How often the backend looks whether another process took or freed a pipeline's lock.
const LOCK_WATCH_INTERVAL: std::time::Duration = std::time::Duration::from_secs(2);

/// Sends the pipeline list again whenever another process takes or frees a pipeline (a `run` in a
/// terminal, a systemd unit): the monitor then disables or enables Start on its own.
async fn watch_locks(ctx: std::sync::Weak<BackendCtx>) {
    loop {
        tokio::time::sleep(LOCK_WATCH_INTERVAL).await;
        let Some(ctx) = ctx.upgrade() else { return };
        let list = tokio::task::block_in_place(|| list(&ctx));
        let held = held_elsewhere(&list);
        let mut state = ctx.state.lock().expect("backend state");
        if state.held_sent != held {
            state.held_sent = held;
            drop(state);
            ctx.reply.send(Reply::Pipelines(list));
        }
    }
}
