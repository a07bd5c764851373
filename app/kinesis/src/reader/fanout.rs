//! Enhanced fan-out: the reader's records come from SubscribeToShard events instead of
//! GetRecords. A session lasts up to 5 minutes; the reader then subscribes again after the last
//! record it read (AFTER_SEQUENCE_NUMBER), so the checkpoints, KPL handling and start rules are
//! the polling reader's. ChildShards in the last event end the shard, and the engine starts the
//! children once every parent is drained, as for polling.

use super::answer::Answer;
use super::rate::backoff;
use super::{ReadBatch, ShardReader, ShardStats};
use crate::error::{Kind, ReadError, SourceError, classify};
use aws_sdk_kinesis::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_sdk_kinesis::types::{StartingPosition, SubscribeToShardEventStream};
use aws_smithy_types::event_stream::RawMessage;
use std::time::{Duration, Instant};

/// AWS allows one SubscribeToShard per second per consumer and shard.
const MIN_SUBSCRIBE_INTERVAL: Duration = Duration::from_secs(1);

impl ShardReader {
    /// The next event's records: subscribes when no session is open (first call, a 5-minute
    /// session that ended, a failed one), waits for the next push otherwise.
    pub(super) async fn next_event(&mut self, consumer_arn: &str) -> Result<ReadBatch, ReadError> {
        let mut throttles = 0u32;
        let mut transients = 0u32;
        loop {
            if self.subscription.is_none() {
                if let Some(at) = self.subscribed_at {
                    let next = at + MIN_SUBSCRIBE_INTERVAL;
                    let now = Instant::now();
                    if next > now {
                        tokio::time::sleep(next - now).await;
                    }
                }
                self.subscribed_at = Some(Instant::now());
                ShardStats::add(&self.stats.subscriptions, 1);
                let start = self.next_start();
                let position = StartingPosition::builder()
                    .r#type(start.kind)
                    .set_sequence_number(start.sequence)
                    .set_timestamp(start.timestamp.map(super::to_smithy))
                    .build()
                    .map_err(|e| {
                        self.read_error(SourceError::Config {
                            stream: self.source.stream_name().into(),
                            message: format!("SubscribeToShard starting position: {e}"),
                        })
                    })?;
                let result = self
                    .source
                    .client()
                    .subscribe_to_shard()
                    .consumer_arn(consumer_arn)
                    .shard_id(&self.shard.id.0)
                    .starting_position(position)
                    .send()
                    .await;
                match result {
                    Ok(out) => {
                        tracing::debug!(shard = %self.shard.id, "subscribed (enhanced fan-out)");
                        self.subscription = Some(out);
                    }
                    Err(e) => {
                        let ctx = self.source.ctx("SubscribeToShard", Some(&self.shard.id.0));
                        let (error, kind) = classify(&e, &ctx);
                        // The previous session of this consumer and shard is still open (a
                        // restart within seconds, or a kill -9): it closes by itself; wait.
                        let in_use = e
                            .as_service_error()
                            .is_some_and(|s| s.is_resource_in_use_exception());
                        if in_use || kind == Kind::Throttled {
                            // Not GetRecords throttling (the monitor's "throttled" counts that):
                            // a session still open, or subscribing too often. Logged, waited out.
                            throttles += 1;
                            let d = backoff(
                                self.opts.throttle_backoff_base.max(MIN_SUBSCRIBE_INTERVAL),
                                self.opts.throttle_backoff_max,
                                throttles,
                            );
                            tracing::info!(shard = %self.shard.id, "SubscribeToShard: {error}; subscribing again in {d:?}");
                            tokio::time::sleep(d).await;
                            continue;
                        }
                        // Not the shard: the consumer is gone (deregistered while running).
                        let consumer_gone = e.as_service_error().is_some_and(|s| {
                            s.is_resource_not_found_exception()
                                && s.message().unwrap_or("").contains("onsumer")
                        });
                        let error = if consumer_gone {
                            SourceError::Other {
                                operation: "SubscribeToShard".into(),
                                stream: self.source.stream_name().into(),
                                endpoint: self.source.endpoint().into(),
                                region: self.source.region().into(),
                                message: format!(
                                    "the enhanced fan-out consumer {consumer_arn} no longer \
                                     exists (deregistered while the pipeline ran?); start the \
                                     pipeline again to register it: {error}"
                                ),
                            }
                        } else {
                            error
                        };
                        self.handle_failure(error, kind, &mut throttles, &mut transients)
                            .await?;
                        continue;
                    }
                }
            }
            let Some(session) = self.subscription.as_mut() else {
                continue;
            };
            match session.event_stream.recv().await {
                Ok(Some(SubscribeToShardEventStream::SubscribeToShardEvent(event))) => {
                    let batch = self.process(Answer::from_event(event))?;
                    if batch.shard_end {
                        self.subscription = None;
                    }
                    return Ok(batch);
                }
                // An event type this SDK does not know: nothing to read in it.
                Ok(Some(_)) => {}
                Ok(None) => {
                    // The session's 5 minutes are over (or the service closed it): renew.
                    tracing::debug!(shard = %self.shard.id, "subscription ended; subscribing again");
                    self.subscription = None;
                }
                Err(e) => {
                    self.subscription = None;
                    let (error, kind) = self.stream_error(&e);
                    self.handle_failure(error, kind, &mut throttles, &mut transients)
                        .await?;
                }
            }
        }
    }

    /// An error inside an open subscription: access and missing-consumer errors end the read;
    /// anything else (the service's internal failures, a dropped connection) is retried by
    /// subscribing again after the last record read.
    fn stream_error<E>(&self, e: &SdkError<E, RawMessage>) -> (SourceError, Kind)
    where
        E: ProvideErrorMetadata + std::error::Error + 'static,
    {
        let code = e.as_service_error().and_then(|s| s.code()).unwrap_or("");
        let message = match e.as_service_error() {
            Some(s) => format!("{code}: {}", s.message().unwrap_or("")),
            None => DisplayErrorContext(e).to_string(),
        };
        let fatal = code == "ResourceNotFoundException"
            || code.starts_with("AccessDenied")
            || code == "KMSAccessDeniedException"
            || code == "KMSNotFoundException"
            || code == "KMSDisabledException";
        let operation = "SubscribeToShard".to_string();
        let stream = self.source.stream_name().to_string();
        if fatal {
            (
                SourceError::Other {
                    operation,
                    stream,
                    endpoint: self.source.endpoint().into(),
                    region: self.source.region().into(),
                    message: format!("shard {}: {message}", self.shard.id),
                },
                Kind::Fatal,
            )
        } else {
            (
                SourceError::ServiceError {
                    operation,
                    stream,
                    endpoint: self.source.endpoint().into(),
                    message: format!("shard {}: {message}", self.shard.id),
                },
                Kind::Transient,
            )
        }
    }
}
