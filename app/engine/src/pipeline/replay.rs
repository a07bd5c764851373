//! Replaying intents an earlier run left unconfirmed: re-read each range and load it again
//! under the same label (StarRocks answers "already loaded" for what had succeeded).

use super::handle::EngineError;
use super::load::{LoadDone, load_until_done};
use super::main_loop::Run;
use crate::batch::{BatchBuilder, Row};
use crate::checkpoint::Intent;
use ks_core::ShardId;
use ks_core::config::{KplOutOfRange, OnDataError};
use ks_kinesis::{ShardInfo, ShardStats, StartPosition};
use ks_starrocks::RetryPolicy;
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::Semaphore;

impl Run {
    /// Re-reads a pending intent's ranges and loads them again under the same label.
    pub(super) async fn replay(&mut self, intent: Intent) -> Result<(), EngineError> {
        let shards = self.source.list_shards().await?;
        // Re-read the batch with the KPL rule it was read with, or the counts would differ.
        // Polled even for enhanced fan-out: a bounded re-read, where a subscription would keep
        // pushing past the range.
        let source = (*self.source).clone().with_polling().with_kpl_out_of_range(
            if intent.kpl_drops_out_of_range {
                KplOutOfRange::Drop
            } else {
                KplOutOfRange::Keep
            },
        );
        let by_id: HashMap<&ShardId, &ShardInfo> = shards.iter().map(|s| (&s.id, s)).collect();
        let mut builder = BatchBuilder::new(self.format.clone())
            .body_capacity(self.config.sink.buffer_flush.max_bytes)
            .recording_origins(self.config.on_data_error == OnDataError::DeadLetter);
        for (shard, range) in &intent.ranges {
            let info = by_id.get(shard).ok_or_else(|| EngineError::Replay {
                label: intent.label.clone(),
                reason: format!(
                    "shard {shard} is no longer in the stream (its records are past the retention period); \
                     the batch cannot be re-read. Remove {} to skip it",
                    self.store.dir().join("intents").display()
                ),
            })?;
            let start = match range.after {
                Some(after) => StartPosition::After(after),
                None => StartPosition::At(range.first),
            };
            let stats = Arc::new(ShardStats::default());
            let mut reader = source.reader(info, start, stats);
            let mut found = 0u64;
            let mut prev = range.after;
            'read: loop {
                let batch = reader.next_batch().await.map_err(|e| EngineError::Replay {
                    label: intent.label.clone(),
                    reason: e.to_string(),
                })?;
                let empty = batch.records.is_empty();
                for rec in batch.records {
                    if rec.position > range.last {
                        break 'read;
                    }
                    found += 1;
                    builder.push(
                        Row {
                            shard: rec.shard,
                            position: rec.position,
                            data: rec.data,
                            buffer: rec.buffer,
                        },
                        prev,
                    );
                    prev = Some(rec.position);
                    if rec.position == range.last {
                        break 'read;
                    }
                }
                if batch.shard_end || (empty && batch.millis_behind_latest.unwrap_or(0) == 0) {
                    break;
                }
            }
            if found != range.records {
                return Err(EngineError::Replay {
                    label: intent.label.clone(),
                    reason: format!(
                        "shard {shard} gave {found} of the batch's {} records between {} and {} \
                         (records past the stream's retention period cannot be re-read)",
                        range.records, range.first, range.last
                    ),
                });
            }
        }
        for shard in &intent.shards_ended {
            builder.shard_ended(shard.clone());
        }
        let batch = builder.take();
        self.handle_malformed(&batch)?;
        tracing::info!(target: super::LOG, "replaying {} ({} rows) under its label",
            intent.label,
            batch.rows
        );
        let policy = RetryPolicy::from_sink(&self.config.sink);
        let started = Instant::now();
        let result = if batch.rows == 0 {
            self.store.confirm(&intent)?;
            self.after_confirm(&intent);
            self.replayed += 1;
            return Ok(());
        } else {
            // Replays run one at a time, in batch order: each has its turn at once.
            load_until_done(
                &self.client,
                &intent,
                batch.body.clone(),
                policy,
                &self.shared,
                None,
            )
            .await
        };
        let budget = Arc::new(Semaphore::new(0));
        self.finish_load(
            LoadDone {
                intent,
                permits: 0,
                result,
                started,
                body: batch.body,
                origins: batch.origins,
            },
            &budget,
        )
        .await?;
        self.replayed += 1;
        Ok(())
    }
}
