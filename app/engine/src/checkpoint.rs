//! The per-pipeline state on disk: checkpoints, load intents and the store id.
//!
//! Exactly once without Flink (docs/engine.md §6–§7): before a batch is sent, its *intent* (label + the
//! per-shard ranges it holds) is written durably; after StarRocks confirms, the checkpoint advances
//! and the intent is removed. On restart every remaining intent is replayed, in order, under its
//! label — StarRocks' label dedupe turns an already-loaded batch into a no-op. Labels carry the
//! store id, created with the store: a lost store gets a new id, so an old label can never make a
//! new batch look "already loaded".
//!
//! Files are written to a temporary name, fsynced and renamed, so a kill -9 at any moment leaves
//! either the old or the new version.

use ks_core::{ExtendedSeq, ShardId};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("state dir {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("state file {path} is corrupt: {message}")]
    Corrupt { path: PathBuf, message: String },
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> StoreError + '_ {
    move |source| StoreError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Where one shard's records of a batch begin and end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ShardRange {
    /// The batch holds this shard's records strictly after `after` (None: from `first` on).
    pub after: Option<ExtendedSeq>,
    /// The first record in the batch (inclusive).
    pub first: ExtendedSeq,
    /// The last record in the batch (inclusive).
    pub last: ExtendedSeq,
    /// How many records of this shard the batch holds (a replay must find exactly these).
    pub records: u64,
}

/// A batch about to be loaded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Intent {
    pub batch_no: u64,
    pub label: String,
    pub ranges: BTreeMap<ShardId, ShardRange>,
    /// Shards whose end was reached with this batch: finished once it is confirmed.
    pub shards_ended: BTreeSet<ShardId>,
    pub rows: u64,
    pub bytes: u64,
    pub created_ms: i64,
    /// The batch was read with `kpl-out-of-range = "drop"`: a replay must drop the same KPL
    /// sub-records to find the same records. Intents written before the setting existed were
    /// read with KCL's rule (dropped), hence the default.
    #[serde(default = "dropped_before_the_setting")]
    pub kpl_drops_out_of_range: bool,
    /// The batch is loaded with the transaction API (begin, load, prepare, then commit in batch
    /// order: `max-inflight-loads` > 1). A replay uses the same API, so that a transaction a
    /// killed run left prepared under this label is rolled back rather than waited on.
    #[serde(default)]
    pub transaction: bool,
}

fn dropped_before_the_setting() -> bool {
    true
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// Last confirmed record per shard.
    pub positions: BTreeMap<ShardId, ExtendedSeq>,
    /// Shards read to their end and fully confirmed.
    pub finished: BTreeSet<ShardId>,
    /// The next batch number (labels are `<prefix>-<store id>-<batch no>`).
    pub next_batch_no: u64,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
struct StoreFile {
    /// Random id created with the store; part of every label.
    store_id: String,
    pipeline: String,
    stream: String,
    created_ms: i64,
    checkpoint: Checkpoint,
}

/// The durable state of one pipeline in its state dir.
pub struct CheckpointStore {
    dir: PathBuf,
    file: StoreFile,
}

impl CheckpointStore {
    /// Opens (or creates, with a fresh store id) the store in `dir`.
    pub fn open(dir: &Path, pipeline: &str, stream: &str) -> Result<CheckpointStore, StoreError> {
        fs::create_dir_all(dir.join("intents")).map_err(io_err(dir))?;
        let path = dir.join("checkpoint.json");
        let file = if path.exists() {
            let text = fs::read_to_string(&path).map_err(io_err(&path))?;
            let f: StoreFile = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                path: path.clone(),
                message: e.to_string(),
            })?;
            if f.stream != stream {
                tracing::warn!(
                    "the checkpoints in {} are for stream {:?}, the config names {:?}: \
                     positions of shards that do not exist in this stream are ignored",
                    dir.display(),
                    f.stream,
                    stream
                );
            }
            f
        } else {
            let id: [u8; 4] = rand::random();
            let f = StoreFile {
                store_id: id.iter().map(|b| format!("{b:02x}")).collect(),
                pipeline: pipeline.to_string(),
                stream: stream.to_string(),
                created_ms: chrono::Utc::now().timestamp_millis(),
                checkpoint: Checkpoint::default(),
            };
            write_atomic(&path, &serde_json::to_vec_pretty(&f).expect("serialises"))?;
            f
        };
        Ok(CheckpointStore {
            dir: dir.to_path_buf(),
            file,
        })
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    pub fn store_id(&self) -> &str {
        &self.file.store_id
    }

    /// When the store was created: the pipeline's first start.
    pub fn created(&self) -> chrono::DateTime<chrono::Utc> {
        chrono::DateTime::from_timestamp_millis(self.file.created_ms).unwrap_or_default()
    }

    pub fn checkpoint(&self) -> &Checkpoint {
        &self.file.checkpoint
    }

    /// Takes the next batch number (persisted with the intent that uses it).
    pub fn allocate_batch_no(&mut self) -> u64 {
        let n = self.file.checkpoint.next_batch_no;
        self.file.checkpoint.next_batch_no += 1;
        n
    }

    fn intent_path(&self, batch_no: u64) -> PathBuf {
        self.dir
            .join("intents")
            .join(format!("{batch_no:012}.json"))
    }

    /// Writes an intent durably (before its load is sent).
    pub fn write_intent(&self, intent: &Intent) -> Result<(), StoreError> {
        let path = self.intent_path(intent.batch_no);
        write_atomic(
            &path,
            &serde_json::to_vec_pretty(intent).expect("serialises"),
        )
    }

    /// The intents still on disk, oldest first.
    pub fn pending_intents(&self) -> Result<Vec<Intent>, StoreError> {
        let dir = self.dir.join("intents");
        let mut out = Vec::new();
        for entry in fs::read_dir(&dir).map_err(io_err(&dir))? {
            let entry = entry.map_err(io_err(&dir))?;
            let path = entry.path();
            if path.extension().and_then(|e| e.to_str()) != Some("json") {
                continue;
            }
            let text = fs::read_to_string(&path).map_err(io_err(&path))?;
            let intent: Intent = serde_json::from_str(&text).map_err(|e| StoreError::Corrupt {
                path: path.clone(),
                message: e.to_string(),
            })?;
            out.push(intent);
        }
        out.sort_by_key(|i| i.batch_no);
        Ok(out)
    }

    /// After StarRocks confirmed `intent`: advance the checkpoint over it, then drop the intent.
    pub fn confirm(&mut self, intent: &Intent) -> Result<(), StoreError> {
        let cp = &mut self.file.checkpoint;
        for (shard, range) in &intent.ranges {
            let pos = cp.positions.entry(shard.clone()).or_default();
            if range.last > *pos {
                *pos = range.last;
            }
        }
        for shard in &intent.shards_ended {
            cp.finished.insert(shard.clone());
        }
        cp.next_batch_no = cp.next_batch_no.max(intent.batch_no + 1);
        self.save()?;
        let path = self.intent_path(intent.batch_no);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err(&path)(e)),
        }
        sync_dir(&self.dir.join("intents"));
        Ok(())
    }

    /// Marks shards finished that ended without any record in a batch.
    pub fn mark_finished(&mut self, shards: &BTreeSet<ShardId>) -> Result<(), StoreError> {
        let before = self.file.checkpoint.finished.len();
        self.file.checkpoint.finished.extend(shards.iter().cloned());
        if self.file.checkpoint.finished.len() != before {
            self.save()?;
        }
        Ok(())
    }

    fn save(&self) -> Result<(), StoreError> {
        write_atomic(
            &self.dir.join("checkpoint.json"),
            &serde_json::to_vec_pretty(&self.file).expect("serialises"),
        )
    }
}

/// Write to `path.tmp`, fsync, rename over `path`, fsync the directory.
pub(crate) fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StoreError> {
    let tmp = path.with_extension("tmp");
    {
        let mut f = OpenOptions::new()
            .create(true)
            .write(true)
            .truncate(true)
            .open(&tmp)
            .map_err(io_err(&tmp))?;
        f.write_all(bytes).map_err(io_err(&tmp))?;
        f.sync_all().map_err(io_err(&tmp))?;
    }
    fs::rename(&tmp, path).map_err(io_err(path))?;
    if let Some(parent) = path.parent() {
        sync_dir(parent);
    }
    Ok(())
}

fn sync_dir(dir: &Path) {
    if let Ok(d) = File::open(dir) {
        let _ = d.sync_all();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn range(a: u128, b: u128) -> ShardRange {
        ShardRange {
            after: None,
            first: ExtendedSeq::new(a, 0),
            last: ExtendedSeq::new(b, 0),
            records: 2,
        }
    }

    #[test]
    fn intents_survive_reopen_and_confirm_advances_the_checkpoint() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = CheckpointStore::open(dir.path(), "p", "s").unwrap();
        let id = store.store_id().to_string();
        let n = store.allocate_batch_no();
        let intent = Intent {
            batch_no: n,
            label: format!("ks-p-{id}-{n}"),
            ranges: [(ShardId::from("shardId-0"), range(10, 20))]
                .into_iter()
                .collect(),
            shards_ended: BTreeSet::new(),
            rows: 2,
            bytes: 10,
            created_ms: 0,
            kpl_drops_out_of_range: false,
            transaction: true,
        };
        store.write_intent(&intent).unwrap();
        drop(store);
        let mut store = CheckpointStore::open(dir.path(), "p", "s").unwrap();
        assert_eq!(store.store_id(), id, "the store id is kept");
        let pending = store.pending_intents().unwrap();
        assert_eq!(pending, vec![intent.clone()]);
        store.confirm(&intent).unwrap();
        assert!(store.pending_intents().unwrap().is_empty());
        let store = CheckpointStore::open(dir.path(), "p", "s").unwrap();
        assert_eq!(
            store.checkpoint().positions[&ShardId::from("shardId-0")],
            ExtendedSeq::new(20, 0)
        );
        assert_eq!(store.checkpoint().next_batch_no, 1);
    }

    #[test]
    fn an_intent_from_before_kpl_out_of_range_replays_with_the_old_rule() {
        let old = r#"{"batch_no":3,"label":"ks-p-0a0b0c0d-3","ranges":{},"shards_ended":[],
                      "rows":0,"bytes":0,"created_ms":0}"#;
        let intent: Intent = serde_json::from_str(old).unwrap();
        assert!(intent.kpl_drops_out_of_range);
    }

    #[test]
    fn a_lost_store_gets_a_new_id() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let s1 = CheckpointStore::open(a.path(), "p", "s").unwrap();
        let s2 = CheckpointStore::open(b.path(), "p", "s").unwrap();
        assert_ne!(s1.store_id(), s2.store_id());
    }
}
