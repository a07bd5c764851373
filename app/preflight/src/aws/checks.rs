//! The AWS check group: `aws.credentials`, `aws.stream`, `aws.load-frequency`,
//! `aws.read-permission` (and the read calls it exercises), and with `reader = "efo"`
//! `aws.efo-consumer`.

use super::error::classify;
use super::identity::who_am_i_with;
use super::policy::{efo_policy_statement, read_policy_statement, stream_arn};
use super::sdk::{kinesis_client, region_of, sdk_config};
use super::streams::{StreamListing, describe_stream, stream_names};
use super::{
    AwsError, CREDENTIAL_WAYS, GROUP, ID_CREDENTIALS, ID_EFO_CONSUMER, ID_LOAD_FREQUENCY,
    ID_READ_PERMISSION, ID_STREAM,
};
use crate::{Checklist, PreflightContext};
use aws_sdk_kinesis::types::ShardIteratorType;
use ks_core::check::CheckResult;
use ks_core::load_frequency::LoadFrequency;

const REJECTED_REMEDIATION: &str = "The credentials were not accepted: check the access key id \
     and secret, refresh expired session credentials (`aws sso login --profile name`), or choose \
     another profile.";

/// Runs `aws.credentials`, `aws.stream`, `aws.load-frequency`, `aws.read-permission`.
pub async fn run(ctx: &PreflightContext, list: &mut Checklist<'_>) {
    let sdk = sdk_config(ctx).await;
    let src = &ctx.config.source;
    let stream = src.stream_name.clone();

    // ---- aws.credentials
    let title = "AWS credentials and identity";
    list.begin(ID_CREDENTIALS, title);
    let region = match region_of(&sdk) {
        Ok(r) => r,
        Err(e) => {
            list.push(CheckResult::fail(
                GROUP,
                ID_CREDENTIALS,
                title,
                e.to_string(),
                "Set `source.region` in the config (e.g. \"us-west-2\"), the AWS_REGION \
                 environment variable, or a region in the AWS profile.",
            ));
            skip_stream_checks(list, ID_CREDENTIALS);
            return;
        }
    };
    let mut account: Option<String> = None;
    match who_am_i_with(ctx, &sdk).await {
        Ok(id) => {
            account = Some(id.account.clone()).filter(|a| !a.is_empty());
            list.push(CheckResult::pass(
                GROUP,
                ID_CREDENTIALS,
                title,
                format!(
                    "credentials: {}\nprincipal: {}\naccount: {}\nuser id: {}\nregion: {region}",
                    id.credential_source, id.arn, id.account, id.user_id
                ),
            ));
        }
        Err(e @ AwsError::NoCredentials { .. }) => {
            list.push(CheckResult::fail(
                GROUP,
                ID_CREDENTIALS,
                title,
                e.to_string(),
                format!("No AWS credentials were found: {CREDENTIAL_WAYS}."),
            ));
            skip_stream_checks(list, ID_CREDENTIALS);
            return;
        }
        Err(e) => {
            // Credentials exist but STS refused or could not be reached: the stream checks still
            // run (they say more, e.g. behind a VPC endpoint without STS).
            let remediation = match &e {
                AwsError::CredentialsRejected { .. } | AwsError::AccessDenied { .. } => {
                    REJECTED_REMEDIATION
                }
                _ => "STS could not be reached: check the network, proxy and region.",
            };
            let unreachable = matches!(e, AwsError::Unreachable { .. } | AwsError::Timeout { .. });
            if unreachable && let Some(endpoint) = &src.endpoint_url {
                // A local emulator or a VPC endpoint for Kinesis only: the stream checks below
                // say whether reading works; the identity is merely unknown.
                list.push(CheckResult::warn(
                    GROUP,
                    ID_CREDENTIALS,
                    title,
                    e.to_string(),
                    format!(
                        "The stream is read from the custom endpoint {endpoint}, but STS did not answer, so the identity is unknown: fine for a local emulator; behind a \
                         VPC endpoint, point AWS_ENDPOINT_URL_STS at the STS endpoint."
                    ),
                ));
            } else {
                list.push(CheckResult::fail(
                    GROUP,
                    ID_CREDENTIALS,
                    title,
                    e.to_string(),
                    remediation,
                ));
            }
        }
    }

    // ---- aws.stream
    let title = STREAM_TITLE;
    let (client, endpoint) = kinesis_client(ctx, &sdk);
    let where_ = if src.endpoint_url.is_some() {
        format!("region {region}, endpoint {endpoint}")
    } else {
        format!("region {region}")
    };
    let known_arn = |listing: Option<&StreamListing>| -> Option<String> {
        listing
            .map(|s| s.arn.clone())
            .or_else(|| src.stream_arn.clone())
            .or_else(|| account.as_deref().map(|a| stream_arn(&region, a, &stream)))
    };
    let policy_hint = |arn: Option<String>| -> String {
        match arn {
            Some(arn) => format!(
                "The principal may not describe the stream: add this statement to its IAM policy:\n{}",
                read_policy_statement(&arn)
            ),
            None => format!(
                "Add this statement to the principal's IAM policy (with your account id):\n{}",
                read_policy_statement(&stream_arn(&region, "ACCOUNT_ID", &stream))
            ),
        }
    };
    if stream.trim().is_empty() {
        list.push(CheckResult::fail(
            GROUP,
            ID_STREAM,
            title,
            "no stream in the config (`source.stream` is empty)",
            "Set `source.stream` to the name or ARN of the Kinesis stream to read.",
        ));
        skip_stream_checks(list, ID_STREAM);
        return;
    }
    list.begin(ID_STREAM, title);
    let listing = match describe_stream(&client, &endpoint, &stream, src.stream_arn.as_deref())
        .await
    {
        Ok(s) => {
            let detail = format!(
                "stream {:?} ({where_})\nstatus: {}\nopen shards: {}\nretention: {} hours\nmode: {}\narn: {}",
                s.name,
                s.status,
                s.shards,
                s.retention_hours,
                s.mode.as_deref().unwrap_or("unknown"),
                s.arn
            );
            match s.status.as_str() {
                "ACTIVE" => list.push(CheckResult::pass(GROUP, ID_STREAM, title, detail)),
                "CREATING" | "UPDATING" => list.push(CheckResult::warn(
                    GROUP,
                    ID_STREAM,
                    title,
                    detail,
                    format!(
                        "The stream is {}: wait until it is ACTIVE (usually under a minute), then check again.",
                        s.status
                    ),
                )),
                _ => list.push(CheckResult::fail(
                    GROUP,
                    ID_STREAM,
                    title,
                    detail,
                    format!(
                        "The stream is {}: it cannot be read; point `source.stream` at an ACTIVE stream.",
                        s.status
                    ),
                )),
            }
            Some(s)
        }
        Err(e) => {
            let (detail, remediation) = match &e {
                AwsError::NotFound { .. } => {
                    let others = match stream_names(&client, &endpoint).await {
                        Ok(names) if names.is_empty() => "there are no streams there".to_string(),
                        Ok(names) => format!("the streams there: {}", names.join(", ")),
                        Err(le) => format!("the streams there could not be listed: {le}"),
                    };
                    (
                        format!("{e}\n{others}"),
                        format!(
                            "Stream {stream:?} does not exist in {where_}; {others}. Fix `source.stream` \
                             or `source.region`, or create the stream."
                        ),
                    )
                }
                AwsError::CredentialsRejected { .. } => {
                    (e.to_string(), REJECTED_REMEDIATION.to_string())
                }
                AwsError::AccessDenied { .. } => (e.to_string(), policy_hint(known_arn(None))),
                _ => (
                    e.to_string(),
                    format!(
                        "Kinesis did not answer DescribeStreamSummary for {stream:?} ({where_}): check the region, `source.endpoint-url` and the network."
                    ),
                ),
            };
            list.push(CheckResult::fail(
                GROUP,
                ID_STREAM,
                title,
                detail,
                remediation,
            ));
            None
        }
    };

    // ---- aws.load-frequency
    list.push(match &listing {
        Some(s) => load_frequency(&ctx.config.sink.buffer_flush, s.shards),
        None => CheckResult::skipped(GROUP, ID_LOAD_FREQUENCY, LOAD_FREQUENCY_TITLE, ID_STREAM),
    });

    // ---- aws.read-permission
    let title = READ_PERMISSION_TITLE;
    let Some(listing) = listing else {
        list.push(CheckResult::skipped(
            GROUP,
            ID_READ_PERMISSION,
            title,
            ID_STREAM,
        ));
        return;
    };
    if !matches!(listing.status.as_str(), "ACTIVE" | "UPDATING") {
        // A stream that is not ACTIVE (yet) cannot be read: nothing to learn about permissions.
        list.push(CheckResult {
            detail: format!("skipped: the stream is {}", listing.status),
            ..CheckResult::skipped(GROUP, ID_READ_PERMISSION, title, ID_STREAM)
        });
        return;
    }
    let arn = listing.arn.clone();
    list.begin(ID_READ_PERMISSION, title);
    let reads = exercise_reads(&client, &endpoint, &stream, &arn).await;
    push_read_permission(list, reads, &arn);
    if ctx.config.source.reader == ks_core::ReaderKind::Efo {
        list.begin(ID_EFO_CONSUMER, EFO_TITLE);
        list.push(efo_consumer(ctx, &client, &endpoint, &arn, listing.shards as usize).await);
    }
}

/// `aws.read-permission` from the read calls' outcome.
fn push_read_permission(
    list: &mut Checklist<'_>,
    reads: Result<String, (String, AwsError)>,
    arn: &str,
) {
    let title = READ_PERMISSION_TITLE;
    match reads {
        Ok(detail) => list.push(CheckResult::pass(GROUP, ID_READ_PERMISSION, title, detail)),
        Err((done, e @ AwsError::AccessDenied { .. })) => {
            let statement = read_policy_statement(arn);
            list.push(CheckResult::fail(
                GROUP,
                ID_READ_PERMISSION,
                title,
                format!("{done}{e}\n\npolicy statement to add:\n{statement}"),
                format!(
                    "The principal may not read the stream: add this statement to its IAM policy:\n{statement}"
                ),
            ));
        }
        Err((done, e)) => list.push(CheckResult::fail(
            GROUP,
            ID_READ_PERMISSION,
            title,
            format!("{done}{e}"),
            "A read call failed for another reason than permissions: see the detail; check the network and the stream.",
        )),
    }
}

const EFO_TITLE: &str = "Enhanced fan-out consumer";

/// `aws.efo-consumer`: whether the pipeline's consumer exists (reused) or will be registered at
/// start (and billed from then), whether the stream has room for it, and whether the principal
/// may list consumers.
async fn efo_consumer(
    ctx: &PreflightContext,
    client: &aws_sdk_kinesis::Client,
    endpoint: &str,
    arn: &str,
    shards: usize,
) -> CheckResult {
    let name = ctx.config.efo_consumer_name();
    let cost = ks_core::efo::cost_words(Some(shards));
    let lifecycle = match ctx.config.source.efo_consumer {
        ks_core::EfoConsumer::Pipeline => {
            "Deleting the pipeline in the app deregisters it (efo-consumer = \"pipeline\")."
        }
        ks_core::EfoConsumer::Keep => {
            "It stays registered, and billed, until you deregister it (efo-consumer = \"keep\")."
        }
    };
    // The engine's own listing (paginated), on this check's client and the stream's known ARN.
    let source = ks_kinesis::KinesisSource::from_client(
        client.clone(),
        ctx.config.source.stream_name.clone(),
        Some(arn.to_string()),
    );
    let consumers = match source.list_consumers().await {
        Ok(c) => c,
        Err(e) => {
            let remediation = if matches!(e, ks_kinesis::SourceError::AccessDenied { .. }) {
                format!(
                    "Enhanced fan-out needs the consumer actions: add this statement to the \
                     principal's IAM policy:\n{}",
                    efo_policy_statement(arn)
                )
            } else {
                "ListStreamConsumers failed for another reason than permissions: see the \
                 detail."
                    .to_string()
            };
            return CheckResult::fail(
                GROUP,
                ID_EFO_CONSUMER,
                EFO_TITLE,
                format!("{e} (endpoint {endpoint})"),
                remediation,
            );
        }
    };
    let listed: Vec<String> = consumers
        .iter()
        .map(|c| format!("{} ({})", c.name, c.status))
        .collect();
    let on_stream = if listed.is_empty() {
        "no consumer is registered on the stream".to_string()
    } else {
        format!("registered on the stream: {}", listed.join(", "))
    };
    match consumers.iter().find(|c| c.name == name) {
        Some(c) => CheckResult::pass(
            GROUP,
            ID_EFO_CONSUMER,
            EFO_TITLE,
            format!(
                "consumer {name} is registered ({}): the pipeline reuses it.\n{on_stream}\n{cost}. {lifecycle}",
                c.status
            ),
        ),
        None if consumers.len() >= ks_core::efo::MAX_CONSUMERS_PER_STREAM => CheckResult::fail(
            GROUP,
            ID_EFO_CONSUMER,
            EFO_TITLE,
            format!("consumer {name} is not registered, and {on_stream}"),
            format!(
                "The stream has {} consumers, AWS's limit: deregister one you no longer use, set \
                 `source.efo-consumer-name` to one of them, or read by polling (reader = \"polling\").",
                consumers.len()
            ),
        ),
        None => CheckResult::pass(
            GROUP,
            ID_EFO_CONSUMER,
            EFO_TITLE,
            format!(
                "consumer {name} is not registered yet: the first start registers it \
                 (kinesis:RegisterStreamConsumer) and waits until it is ACTIVE.\n{on_stream}\n{cost}. {lifecycle}"
            ),
        ),
    }
}

/// Pushes the stream checks that follow `because` as skipped: all of them after
/// `aws.credentials`, the ones after it after `aws.stream`.
fn skip_stream_checks(list: &mut Checklist<'_>, because: &str) {
    let checks = [
        (ID_STREAM, STREAM_TITLE),
        (ID_LOAD_FREQUENCY, LOAD_FREQUENCY_TITLE),
        (ID_READ_PERMISSION, READ_PERMISSION_TITLE),
    ];
    for (id, title) in checks.into_iter().filter(|(id, _)| *id != because) {
        list.push(CheckResult::skipped(GROUP, id, title, because));
    }
}

const STREAM_TITLE: &str = "Kinesis stream";
const READ_PERMISSION_TITLE: &str = "Kinesis read permissions";
const LOAD_FREQUENCY_TITLE: &str = "Load frequency";

/// `aws.load-frequency`: how often the flush settings load once the stream's open shards are
/// written at full capacity; a warning when StarRocks is likely to answer "too many tablet
/// versions" (ks_core::load_frequency).
fn load_frequency(flush: &ks_core::BufferFlush, open_shards: u32) -> CheckResult {
    let f = LoadFrequency::estimate(flush, open_shards);
    let detail = format!(
        "{}
buffer-flush: interval-ms {}, max-bytes {}, max-rows {}; {} open shard(s)",
        f.describe(),
        flush.interval_ms,
        flush.max_bytes,
        flush.max_rows,
        open_shards
    );
    if f.likely_too_frequent() {
        CheckResult::warn(
            GROUP,
            ID_LOAD_FREQUENCY,
            LOAD_FREQUENCY_TITLE,
            format!("{detail}\n{}", ks_core::load_frequency::WHY),
            ks_core::load_frequency::REMEDY,
        )
    } else {
        CheckResult::pass(GROUP, ID_LOAD_FREQUENCY, LOAD_FREQUENCY_TITLE, detail)
    }
}

/// ListShards, GetShardIterator(LATEST) on the first open shard, one GetRecords (reads nothing new).
/// On error: the calls that succeeded (as text) and the error.
async fn exercise_reads(
    client: &aws_sdk_kinesis::Client,
    endpoint: &str,
    stream: &str,
    arn: &str,
) -> Result<String, (String, AwsError)> {
    let mut done = String::new();
    let shards = client
        .list_shards()
        .stream_name(stream)
        .max_results(1000)
        .send()
        .await
        .map_err(|e| (done.clone(), classify("kinesis:ListShards", endpoint, &e)))?
        .shards
        .unwrap_or_default();
    done.push_str(&format!(
        "kinesis:ListShards: ok ({} shards)\n",
        shards.len()
    ));
    let Some(shard) = shards
        .iter()
        .find(|s| {
            s.sequence_number_range
                .as_ref()
                .is_none_or(|r| r.ending_sequence_number.is_none())
        })
        .or(shards.first())
    else {
        return Err((
            done,
            AwsError::Service {
                operation: "kinesis:ListShards".into(),
                endpoint: endpoint.to_string(),
                code: None,
                message: format!("stream {arn} has no shards"),
            },
        ));
    };
    let iterator = client
        .get_shard_iterator()
        .stream_name(stream)
        .shard_id(&shard.shard_id)
        .shard_iterator_type(ShardIteratorType::Latest)
        .send()
        .await
        .map_err(|e| {
            (
                done.clone(),
                classify("kinesis:GetShardIterator", endpoint, &e),
            )
        })?
        .shard_iterator
        .unwrap_or_default();
    done.push_str(&format!(
        "kinesis:GetShardIterator: ok ({} at LATEST)\n",
        shard.shard_id
    ));
    let records = client
        .get_records()
        .shard_iterator(iterator)
        .limit(1)
        .send()
        .await
        .map_err(|e| (done.clone(), classify("kinesis:GetRecords", endpoint, &e)))?;
    done.push_str(&format!(
        "kinesis:GetRecords: ok ({} records at LATEST)",
        records.records.len()
    ));
    Ok(done)
}
