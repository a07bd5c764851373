//! One engine per pipeline: an exclusive OS file lock on `<state-dir>/engine.lock`.
//!
//! Two engines on one state dir would each replay, checkpoint and label batches on their own, so
//! `run`, the app's Start and the demo all take this lock before they touch the checkpoint store
//! and hold it until the engine has flushed and stopped. It is a `flock` (through
//! `std::fs::File::try_lock`): the kernel releases it when the process dies, so a `kill -9` never
//! leaves a stale lock behind. The file's content says who holds it (pid, host, since when, and
//! which program), for the message a second engine gets.

use serde::{Deserialize, Serialize};
use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The lock file's name inside the state dir.
pub const LOCK_FILE: &str = "engine.lock";

/// Who holds a pipeline's lock (the lock file's content).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LockHolder {
    pub pipeline: String,
    pub pid: u32,
    pub host: String,
    /// When the lock was taken, RFC 3339.
    pub since: String,
    /// The program holding it: "kinesis-starrocks run", "kinesis-starrocks app", …
    pub holder: String,
}

impl std::fmt::Display for LockHolder {
    /// `pid 4242 on host, since 10:02:11, kinesis-starrocks run`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "pid {} on {}, since {}, {}",
            self.pid,
            self.host,
            since_text(&self.since),
            self.holder
        )
    }
}

/// The local time of day, with the date when it is not today.
fn since_text(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => {
            let local = t.with_timezone(&chrono::Local);
            if local.date_naive() == chrono::Local::now().date_naive() {
                local.format("%H:%M:%S").to_string()
            } else {
                local.format("%Y-%m-%d %H:%M:%S").to_string()
            }
        }
        Err(_) => rfc3339.to_string(),
    }
}

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("pipeline {pipeline} is already running ({}); stop it first", holder_text(.holder))]
    Held {
        pipeline: String,
        /// `None` when the holder has not written its name yet (it is starting this instant).
        holder: Option<Box<LockHolder>>,
        path: PathBuf,
    },
    #[error("cannot lock the pipeline's state dir ({path}): {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn holder_text(holder: &Option<Box<LockHolder>>) -> String {
    match holder {
        Some(h) => h.to_string(),
        None => "another process is starting it".into(),
    }
}

/// The held lock; released when dropped (or when the process ends, however it ends).
#[derive(Debug)]
pub struct PipelineLock {
    _file: File,
    path: PathBuf,
}

impl PipelineLock {
    /// Takes the lock of the pipeline whose state dir is `state_dir`, or says who holds it.
    /// `holder` names this program in the lock file ("kinesis-starrocks run").
    pub fn acquire(
        state_dir: &Path,
        pipeline: &str,
        holder: &str,
    ) -> Result<PipelineLock, LockError> {
        let path = state_dir.join(LOCK_FILE);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(state_dir).map_err(io)?;
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        // `holder()` probes by taking the lock for an instant: a few tries tell such a probe from
        // a real holder.
        let mut tries = 0;
        loop {
            match file.try_lock() {
                Ok(()) => break,
                Err(std::fs::TryLockError::WouldBlock) if tries < 10 => {
                    tries += 1;
                    std::thread::sleep(Duration::from_millis(20));
                }
                Err(std::fs::TryLockError::WouldBlock) => {
                    return Err(LockError::Held {
                        pipeline: pipeline.to_string(),
                        holder: read_holder(&mut file).map(Box::new),
                        path,
                    });
                }
                Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
            }
        }
        let me = LockHolder {
            pipeline: pipeline.to_string(),
            pid: std::process::id(),
            host: hostname(),
            since: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            holder: holder.to_string(),
        };
        let text = serde_json::to_string_pretty(&me).expect("serialises") + "\n";
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        file.write_all(text.as_bytes()).map_err(io)?;
        file.sync_data().map_err(io)?;
        Ok(PipelineLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Who holds the lock of the pipeline in `state_dir` right now, or `None` when it is free (or
/// the state dir does not exist yet). The app asks this to keep Start disabled while another
/// process runs the pipeline.
pub fn holder(state_dir: &Path) -> Option<LockHolder> {
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .open(state_dir.join(LOCK_FILE))
        .ok()?;
    match file.try_lock() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            Some(read_holder(&mut file).unwrap_or_else(|| LockHolder {
                pipeline: String::new(),
                pid: 0,
                host: "?".into(),
                since: String::new(),
                holder: "another process".into(),
            }))
        }
        Err(std::fs::TryLockError::Error(_)) => None,
    }
}

fn read_holder(file: &mut File) -> Option<LockHolder> {
    // The holder writes its name right after taking the lock: give it a moment.
    for _ in 0..10 {
        let mut text = String::new();
        if file.rewind().is_ok()
            && file.read_to_string(&mut text).is_ok()
            && let Ok(h) = serde_json::from_str::<LockHolder>(&text)
        {
            return Some(h);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

/// This machine's name (for the lock file; "localhost" when it cannot be read).
fn hostname() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .or_else(|| std::env::var("COMPUTERNAME").ok())
        .map(|h| h.trim().to_string())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_is_refused_naming_the_holder_and_freed_on_drop() {
        let dir = tempfile::tempdir().unwrap();
        let lock = PipelineLock::acquire(dir.path(), "stock", "kinesis-starrocks run").unwrap();
        let held = holder(dir.path()).expect("held");
        assert_eq!(held.pid, std::process::id());
        assert_eq!(held.holder, "kinesis-starrocks run");
        // Another open file description conflicts, even in the same process.
        let e = PipelineLock::acquire(dir.path(), "stock", "kinesis-starrocks app").unwrap_err();
        let text = e.to_string();
        assert!(
            text.starts_with("pipeline stock is already running (pid ")
                && text.contains(", kinesis-starrocks run); stop it first"),
            "{text}"
        );
        drop(lock);
        assert_eq!(holder(dir.path()), None);
        let again = PipelineLock::acquire(dir.path(), "stock", "kinesis-starrocks app").unwrap();
        assert_eq!(holder(dir.path()).unwrap().holder, "kinesis-starrocks app");
        drop(again);
    }

    #[test]
    fn no_state_dir_means_free() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(holder(&dir.path().join("missing")), None);
    }
}
