//! The `on-data-error` policy: records that cannot be sent and batches StarRocks refuses either
//! stop the pipeline or are set aside in `state-dir/dead-letter/*.jsonl` with their origins.

use super::handle::EngineError;
use super::main_loop::Run;
use super::shared::{Shared, now_ms};
use crate::batch::{Batch, BodyFormat, Malformed, RowOrigins};
use crate::checkpoint::StoreError;
use crate::snapshot::{DeadLetterEntry, Event, LoadSummary, RECENT_DEAD_LETTERS, RECENT_LOADS};
use ks_core::config::OnDataError;

impl Shared {
    /// Rows set aside in `path`: counted apart from filtered rows, listed in the snapshot (the
    /// monitor shows the file), shown in recent loads when they were a batch, logged with the path.
    pub(super) fn dead_lettered(
        &self,
        label: &str,
        rows: u64,
        path: &std::path::Path,
        reason: &str,
        batch: Option<LoadSummary>,
    ) {
        let path = path.display().to_string();
        tracing::warn!(target: super::LOG, "{label}: {rows} row(s) set aside in {path} (on-data-error = dead-letter), each with its \
             shard and sequence number; not retried, the pipeline goes on. Reason: {reason}"
        );
        self.with(|s| {
            s.totals.rows_dead_lettered += rows;
            s.dead_letters.push_front(DeadLetterEntry {
                at_ms: now_ms(),
                label: label.to_string(),
                rows,
                path: path.clone(),
                reason: reason.to_string(),
            });
            s.dead_letters.truncate(RECENT_DEAD_LETTERS);
            if let Some(summary) = batch {
                s.recent_loads.push_front(summary);
                s.recent_loads.truncate(RECENT_LOADS);
            }
        });
        self.emit(Event::DeadLettered {
            label: label.to_string(),
            rows,
            path,
        });
    }
}

impl Run {
    /// Malformed records: stop with a clear error, or set them aside in the dead-letter dir.
    pub(super) fn handle_malformed(&mut self, batch: &Batch) -> Result<(), EngineError> {
        if batch.malformed.is_empty() {
            return Ok(());
        }
        for m in &batch.malformed {
            self.shared.emit(Event::RecordMalformed {
                shard: m.shard.clone(),
                position: m.position,
                reason: m.reason.clone(),
            });
            self.shared.error(
                format!("record {}/{}", m.shard, m.position),
                None,
                m.reason.clone(),
                None,
                vec![preview(&m.data)],
            );
        }
        self.shared
            .with(|s| s.totals.records_malformed += batch.malformed.len() as u64);
        match self.config.on_data_error {
            OnDataError::Stop => {
                let m = &batch.malformed[0];
                Err(EngineError::Data(format!(
                    "record {} in {} ({}) cannot be loaded: {}. Fix the producer, or set \
                     on-data-error = \"dead-letter\" to set such records aside in {}/dead-letter and go on",
                    m.position,
                    m.shard,
                    preview(&m.data),
                    m.reason,
                    self.config.state_dir.display()
                )))
            }
            OnDataError::DeadLetter => {
                let first = &batch.malformed[0];
                let name = format!("malformed-{}-{}", first.shard, first.position);
                let path = write_dead_letter(&self.config.state_dir, &name, &batch.malformed)?;
                self.shared.dead_lettered(
                    &name,
                    batch.malformed.len() as u64,
                    &path,
                    &first.reason,
                    None,
                );
                Ok(())
            }
        }
    }
}

fn preview(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(&data[..data.len().min(200)]).into_owned();
    let escaped: String = text.escape_debug().collect();
    if data.len() > 200 {
        format!("{escaped}…")
    } else {
        escaped
    }
}

/// Splits a body back into its rows (for the dead-letter file).
pub(super) fn split_body(format: &BodyFormat, body: &[u8]) -> Vec<Vec<u8>> {
    match format {
        BodyFormat::Json => {
            match serde_json::from_slice::<Vec<Box<serde_json::value::RawValue>>>(body) {
                Ok(rows) => rows
                    .into_iter()
                    .map(|r| r.get().as_bytes().to_vec())
                    .collect(),
                Err(_) => vec![body.to_vec()],
            }
        }
        BodyFormat::Csv { row_delimiter } => {
            let mut rows = Vec::new();
            let mut start = 0;
            let mut i = 0;
            while i + row_delimiter.len() <= body.len() {
                if &body[i..i + row_delimiter.len()] == row_delimiter.as_slice() {
                    rows.push(body[start..i].to_vec());
                    i += row_delimiter.len();
                    start = i;
                } else {
                    i += 1;
                }
            }
            if start < body.len() {
                rows.push(body[start..].to_vec());
            }
            rows
        }
    }
}

fn dead_letter_dir(state_dir: &std::path::Path) -> Result<std::path::PathBuf, EngineError> {
    let dir = state_dir.join("dead-letter");
    std::fs::create_dir_all(&dir).map_err(|source| StoreError::Io {
        path: dir.clone(),
        source,
    })?;
    Ok(dir)
}

/// `dead-letter/<name>.jsonl`: one line per record, with its shard, sequence number and reason.
/// Returns the file's path.
fn write_dead_letter(
    state_dir: &std::path::Path,
    name: &str,
    records: &[Malformed],
) -> Result<std::path::PathBuf, EngineError> {
    let dir = dead_letter_dir(state_dir)?;
    let mut out = Vec::new();
    for m in records {
        let line = serde_json::json!({
            "shard": m.shard.0,
            "sequence": m.position.seq.to_string(),
            "sub_sequence": m.position.sub,
            "reason": m.reason,
            "data": String::from_utf8_lossy(&m.data),
        });
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    let path = dir.join(format!("{}.jsonl", sanitize(name)));
    crate::checkpoint::write_atomic(&path, &out)?;
    Ok(path)
}

/// `dead-letter/<label>.jsonl`: a header line (label, reason, StarRocks' error lines), then one
/// line per row with the shard and sequence number it was read at. Returns the file's path.
pub(super) fn write_dead_letter_rows(
    state_dir: &std::path::Path,
    label: &str,
    rows: &[Vec<u8>],
    origins: &RowOrigins,
    reason: &str,
    error_lines: &[String],
) -> Result<std::path::PathBuf, EngineError> {
    let dir = dead_letter_dir(state_dir)?;
    let mut out = Vec::new();
    let header = serde_json::json!({"label": label, "reason": reason, "error_lines": error_lines});
    out.extend_from_slice(header.to_string().as_bytes());
    out.push(b'\n');
    // Rows and origins line up unless a body could not be split back into its rows.
    let aligned = rows.len() == origins.len();
    for (i, r) in rows.iter().enumerate() {
        let mut line = serde_json::json!({"row": String::from_utf8_lossy(r)});
        if let Some((shard, position)) = origins.get(i).filter(|_| aligned) {
            line["shard"] = serde_json::json!(shard.0);
            line["sequence"] = serde_json::json!(position.seq.to_string());
            line["sub_sequence"] = serde_json::json!(position.sub);
        }
        out.extend_from_slice(line.to_string().as_bytes());
        out.push(b'\n');
    }
    let path = dir.join(format!("{}.jsonl", sanitize(label)));
    crate::checkpoint::write_atomic(&path, &out)?;
    Ok(path)
}

fn sanitize(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' || c == '.' {
                c
            } else {
                '_'
            }
        })
        .collect()
}
