//! The Kinesis streams of a region as the wizard lists them, and the describe call the stream
//! check makes.

use super::AwsError;
use super::error::classify;
use super::sdk::{kinesis_client, region_of, sdk_config};
use crate::PreflightContext;

/// A stream as the wizard lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StreamListing {
    pub name: String,
    pub arn: String,
    /// `ACTIVE`, `CREATING`, `UPDATING`, `DELETING`.
    pub status: String,
    /// Open shards.
    pub shards: u32,
    /// `ON_DEMAND` or `PROVISIONED` (None when the service does not say).
    pub mode: Option<String>,
    pub retention_hours: u32,
}

pub(super) async fn stream_names(
    client: &aws_sdk_kinesis::Client,
    endpoint: &str,
) -> Result<Vec<String>, AwsError> {
    let mut names: Vec<String> = Vec::new();
    // ExclusiveStartStreamName paging works on every Kinesis and emulator (NextToken is newer).
    loop {
        let out = client
            .list_streams()
            .limit(100)
            .set_exclusive_start_stream_name(names.last().cloned())
            .send()
            .await
            .map_err(|e| classify("kinesis:ListStreams", endpoint, &e))?;
        let page = out.stream_names;
        let more = out.has_more_streams && !page.is_empty() && names.len() < 10_000;
        names.extend(page);
        if !more {
            break;
        }
    }
    Ok(names)
}

pub(super) async fn describe_stream(
    client: &aws_sdk_kinesis::Client,
    endpoint: &str,
    name: &str,
    arn: Option<&str>,
) -> Result<StreamListing, AwsError> {
    // The ARN too when the config has one (a stream in another account is only found by ARN).
    let out = client
        .describe_stream_summary()
        .stream_name(name)
        .set_stream_arn(arn.map(str::to_string))
        .send()
        .await
        .map_err(|e| classify("kinesis:DescribeStreamSummary", endpoint, &e))?;
    let d = out
        .stream_description_summary
        .ok_or_else(|| AwsError::Service {
            operation: "kinesis:DescribeStreamSummary".into(),
            endpoint: endpoint.to_string(),
            code: None,
            message: "the response has no StreamDescriptionSummary".into(),
        })?;
    Ok(StreamListing {
        name: d.stream_name,
        arn: d.stream_arn,
        status: d.stream_status.as_str().to_string(),
        shards: d.open_shard_count.max(0) as u32,
        mode: d
            .stream_mode_details
            .map(|m| m.stream_mode.as_str().to_string()),
        retention_hours: d.retention_period_hours.max(0) as u32,
    })
}

/// Every stream in the config's region (ListStreams, then DescribeStreamSummary for each).
pub async fn list_streams(ctx: &PreflightContext) -> Result<Vec<StreamListing>, AwsError> {
    let sdk = sdk_config(ctx).await;
    region_of(&sdk)?;
    let (client, endpoint) = kinesis_client(ctx, &sdk);
    let mut out = Vec::new();
    for name in stream_names(&client, &endpoint).await? {
        match describe_stream(&client, &endpoint, &name, None).await {
            Ok(s) => out.push(s),
            // Deleted between the two calls.
            Err(AwsError::NotFound { .. }) => {}
            Err(e) => return Err(e),
        }
    }
    Ok(out)
}
