//! The Managed Service for Apache Flink side: the runtime properties the job reads and the
//! `kinesisanalyticsv2 CreateApplication` request (shapes as in botocore's
//! `kinesisanalyticsv2/2018-05-23/service-2.json`).

use serde_json::{Value, json};

/// MSF's runtime for the job. flink-connector-starrocks runs on Flink 1.16–1.20, not on 2.x.
pub const RUNTIME_ENVIRONMENT: &str = "FLINK-1_20";
/// The property group the runner reads (`PipelineJob.java`).
pub const PROPERTY_GROUP: &str = "StarRocks";
/// Placeholders the user replaces before `create-application` (the README says where).
pub const ACCOUNT_PLACEHOLDER: &str = "111122223333";
pub const ROLE_PLACEHOLDER: &str = "REPLACE-WITH-ROLE-NAME";
pub const BUCKET_PLACEHOLDER: &str = "replace-with-your-bucket";
pub const SECRET_PLACEHOLDER: &str = "REPLACE-WITH-SECRET-ARN";

/// The MSF application's name: letters, digits, `_`, `.` and `-` (the pipeline name already is).
pub fn application_name(pipeline: &str) -> String {
    format!("kinesis-starrocks-{pipeline}")
}

/// The code's S3 key.
pub fn code_key(pipeline: &str, jar: &str) -> String {
    format!("kinesis-starrocks/{pipeline}/{jar}")
}

/// The runtime properties: the Secrets Manager secret that holds the password.
pub fn property_groups(region: &str) -> Value {
    json!([{
        "PropertyGroupId": PROPERTY_GROUP,
        "PropertyMap": { "password.secret-id": format!(
            "arn:aws:secretsmanager:{region}:{ACCOUNT_PLACEHOLDER}:secret:{SECRET_PLACEHOLDER}") }
    }])
}

pub struct ApplicationRequest<'a> {
    pub pipeline: &'a str,
    pub jar: &'a str,
    pub checkpoint_interval_ms: u64,
    pub parallelism: u32,
    pub region: &'a str,
}

/// `create-application.json`, for `aws kinesisanalyticsv2 create-application --cli-input-json`.
pub fn create_application(request: &ApplicationRequest<'_>) -> Value {
    // MSF's own default pause is 5 s; a shorter checkpoint interval needs a shorter pause or
    // checkpoints (and so loads) come no faster than that.
    let min_pause_ms = request.checkpoint_interval_ms.min(5_000) / 2;
    json!({
        "ApplicationName": application_name(request.pipeline),
        "ApplicationDescription": format!(
            "Kinesis Data Streams to StarRocks, pipeline {} (exported by kinesis-starrocks)",
            request.pipeline),
        "RuntimeEnvironment": RUNTIME_ENVIRONMENT,
        "ServiceExecutionRole": format!("arn:aws:iam::{ACCOUNT_PLACEHOLDER}:role/{ROLE_PLACEHOLDER}"),
        "ApplicationConfiguration": {
            "ApplicationCodeConfiguration": {
                "CodeContent": {
                    "S3ContentLocation": {
                        "BucketARN": format!("arn:aws:s3:::{BUCKET_PLACEHOLDER}"),
                        "FileKey": code_key(request.pipeline, request.jar)
                    }
                },
                "CodeContentType": "ZIPFILE"
            },
            "EnvironmentProperties": { "PropertyGroups": property_groups(request.region) },
            "FlinkApplicationConfiguration": {
                "CheckpointConfiguration": {
                    "ConfigurationType": "CUSTOM",
                    "CheckpointingEnabled": true,
                    "CheckpointInterval": request.checkpoint_interval_ms,
                    "MinPauseBetweenCheckpoints": min_pause_ms
                },
                "MonitoringConfiguration": {
                    "ConfigurationType": "CUSTOM",
                    "MetricsLevel": "APPLICATION",
                    "LogLevel": "INFO"
                },
                "ParallelismConfiguration": {
                    "ConfigurationType": "CUSTOM",
                    "Parallelism": request.parallelism,
                    "ParallelismPerKPU": 1,
                    "AutoScalingEnabled": false
                }
            },
            "ApplicationSnapshotConfiguration": { "SnapshotsEnabled": true }
        },
        "CloudWatchLoggingOptions": [{
            "LogStreamARN": format!(
                "arn:aws:logs:{}:{ACCOUNT_PLACEHOLDER}:log-group:/aws/kinesis-analytics/{}:log-stream:kinesis-analytics-log-stream",
                request.region, application_name(request.pipeline))
        }]
    })
}

/// The service execution role's policy: the seed's (read the stream) plus the secret and logs.
pub fn iam_policy(stream_arn: &str, region: &str) -> Value {
    json!({
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "ReadInputStream",
                "Effect": "Allow",
                "Action": [
                    "kinesis:DescribeStream", "kinesis:DescribeStreamSummary",
                    "kinesis:GetShardIterator", "kinesis:GetRecords", "kinesis:ListShards",
                    "kinesis:SubscribeToShard", "kinesis:DescribeStreamConsumer",
                    "kinesis:RegisterStreamConsumer", "kinesis:DeregisterStreamConsumer"
                ],
                "Resource": [stream_arn, format!("{stream_arn}/consumer/*")]
            },
            {
                "Sid": "ReadCodeFromS3",
                "Effect": "Allow",
                "Action": ["s3:GetObject", "s3:GetObjectVersion"],
                "Resource": format!("arn:aws:s3:::{BUCKET_PLACEHOLDER}/kinesis-starrocks/*")
            },
            {
                "Sid": "ReadStarRocksPassword",
                "Effect": "Allow",
                "Action": "secretsmanager:GetSecretValue",
                "Resource": format!("arn:aws:secretsmanager:{region}:{ACCOUNT_PLACEHOLDER}:secret:{SECRET_PLACEHOLDER}")
            },
            {
                "Sid": "WriteLogs",
                "Effect": "Allow",
                "Action": ["logs:DescribeLogGroups", "logs:DescribeLogStreams", "logs:PutLogEvents"],
                "Resource": "*"
            }
        ]
    })
}
