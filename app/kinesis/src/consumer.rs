//! Enhanced fan-out consumers: list, register (or reuse) and wait until ACTIVE, deregister.
//!
//! A consumer is billed per consumer-shard-hour from registration to deregistration, read or not
//! (docs/kinesis.md §7), so the engine registers one only for `reader = "efo"`, reuses the one of
//! its name, and the app deregisters it with the pipeline (`efo-consumer = "pipeline"`).

use crate::error::{SourceError, classify};
use crate::source::KinesisSource;
use aws_sdk_kinesis::types::ConsumerStatus;
use chrono::{DateTime, Utc};
use std::time::{Duration, Instant};

/// A registered consumer of the stream.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EfoConsumerInfo {
    pub name: String,
    pub arn: String,
    /// `CREATING`, `ACTIVE` or `DELETING`.
    pub status: String,
    pub created: Option<DateTime<Utc>>,
}

/// What [`KinesisSource::ensure_consumer`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActiveConsumer {
    pub consumer: EfoConsumerInfo,
    /// False when a consumer of that name was registered already (by an earlier run) and reused.
    pub registered_now: bool,
}

/// How long registration may take before the engine gives up (AWS: usually seconds).
pub const CONSUMER_ACTIVE_TIMEOUT: Duration = Duration::from_secs(120);

fn to_chrono(t: &aws_smithy_types::DateTime) -> Option<DateTime<Utc>> {
    DateTime::from_timestamp_millis(t.to_millis().ok()?)
}

impl KinesisSource {
    /// The stream's ARN: from the config, or DescribeStreamSummary once.
    pub async fn ensure_stream_arn(&self) -> Result<String, SourceError> {
        match self.stream_arn() {
            Some(arn) => Ok(arn),
            None => Ok(self.describe().await?.arn),
        }
    }

    /// Every consumer registered on the stream (ListStreamConsumers, paginated).
    pub async fn list_consumers(&self) -> Result<Vec<EfoConsumerInfo>, SourceError> {
        let arn = self.ensure_stream_arn().await?;
        let ctx = self.ctx("ListStreamConsumers", None);
        let mut out = Vec::new();
        let mut token: Option<String> = None;
        loop {
            let page = self
                .client()
                .list_stream_consumers()
                .stream_arn(&arn)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| classify(&e, &ctx).0)?;
            for c in page.consumers.unwrap_or_default() {
                out.push(EfoConsumerInfo {
                    created: to_chrono(&c.consumer_creation_timestamp),
                    name: c.consumer_name,
                    arn: c.consumer_arn,
                    status: c.consumer_status.as_str().to_string(),
                });
            }
            match page.next_token {
                Some(t) if !t.is_empty() => token = Some(t),
                _ => break,
            }
        }
        Ok(out)
    }

    /// The consumer `name`, or `None` when the stream has none of that name.
    pub async fn describe_consumer(
        &self,
        name: &str,
    ) -> Result<Option<EfoConsumerInfo>, SourceError> {
        let arn = self.ensure_stream_arn().await?;
        let result = self
            .client()
            .describe_stream_consumer()
            .stream_arn(&arn)
            .consumer_name(name)
            .send()
            .await;
        match result {
            Ok(out) => Ok(out.consumer_description.map(|d| EfoConsumerInfo {
                created: to_chrono(&d.consumer_creation_timestamp),
                name: d.consumer_name,
                arn: d.consumer_arn,
                status: d.consumer_status.as_str().to_string(),
            })),
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(None)
            }
            Err(e) => Err(classify(&e, &self.ctx("DescribeStreamConsumer", None)).0),
        }
    }

    /// The consumer `name` once ACTIVE: reused when it exists, registered otherwise (a consumer
    /// being deleted is waited out, then registered again). Waits at most `timeout`.
    pub async fn ensure_consumer(
        &self,
        name: &str,
        timeout: Duration,
    ) -> Result<ActiveConsumer, SourceError> {
        let arn = self.ensure_stream_arn().await?;
        let deadline = Instant::now() + timeout;
        let mut registered_now = false;
        loop {
            match self.describe_consumer(name).await? {
                Some(c) if c.status == ConsumerStatus::Active.as_str() => {
                    return Ok(ActiveConsumer {
                        consumer: c,
                        registered_now,
                    });
                }
                // CREATING, or DELETING (registered again once gone): wait.
                Some(_) => {}
                None => {
                    let result = self
                        .client()
                        .register_stream_consumer()
                        .stream_arn(&arn)
                        .consumer_name(name)
                        .send()
                        .await;
                    match result {
                        Ok(_) => {
                            registered_now = true;
                            tracing::info!(
                                stream = self.stream_name(),
                                "registered the enhanced fan-out consumer {name}"
                            );
                        }
                        // Registered meanwhile by another process: describe it again.
                        Err(e)
                            if e.as_service_error()
                                .is_some_and(|s| s.is_resource_in_use_exception()) => {}
                        Err(e) => {
                            return Err(classify(&e, &self.ctx("RegisterStreamConsumer", None)).0);
                        }
                    }
                }
            }
            if Instant::now() >= deadline {
                return Err(SourceError::Other {
                    operation: "RegisterStreamConsumer".into(),
                    stream: self.stream_name().into(),
                    endpoint: self.endpoint().into(),
                    region: self.region().into(),
                    message: format!(
                        "the enhanced fan-out consumer {name:?} did not become ACTIVE within {} s",
                        timeout.as_secs()
                    ),
                });
            }
            // DescribeStreamConsumer allows 20 calls a second per stream: 4 is plenty.
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }

    /// Deregisters the consumer `name`; `Ok(false)` when there was none of that name.
    pub async fn deregister_consumer(&self, name: &str) -> Result<bool, SourceError> {
        let arn = self.ensure_stream_arn().await?;
        let result = self
            .client()
            .deregister_stream_consumer()
            .stream_arn(&arn)
            .consumer_name(name)
            .send()
            .await;
        match result {
            Ok(_) => {
                tracing::info!(
                    stream = self.stream_name(),
                    "deregistered the enhanced fan-out consumer {name}"
                );
                Ok(true)
            }
            Err(e)
                if e.as_service_error()
                    .is_some_and(|s| s.is_resource_not_found_exception()) =>
            {
                Ok(false)
            }
            Err(e) => Err(classify(&e, &self.ctx("DeregisterStreamConsumer", None)).0),
        }
    }
}
