//! The export's README: build, upload, create, start; the role's policy; the password; what
//! differs from the app.

use super::msf::{
    ACCOUNT_PLACEHOLDER, BUCKET_PLACEHOLDER, PROPERTY_GROUP, ROLE_PLACEHOLDER, SECRET_PLACEHOLDER,
    application_name, code_key,
};
use super::settings::FlinkSettings;
use super::{FLINK_VERSION, KINESIS_CONNECTOR_VERSION, STARROCKS_CONNECTOR_VERSION};
use ks_core::config::PipelineConfig;

pub struct ReadmeInput<'a> {
    pub config: &'a PipelineConfig,
    pub settings: &'a FlinkSettings,
    pub jar: &'a str,
    pub parallelism: u32,
    pub region: &'a str,
}

pub fn readme(input: &ReadmeInput<'_>) -> String {
    let ReadmeInput {
        config,
        settings,
        jar,
        parallelism,
        region,
    } = input;
    let name = &config.name;
    let app = application_name(name);
    let key = code_key(name, jar);
    let interval = settings.checkpoint_interval_ms;
    let notes: String = settings
        .notes
        .iter()
        .map(|n| format!("| `{}` | {} |\n", n.key, n.text))
        .collect();
    format!(
        r#"# Pipeline "{name}" as a Managed Service for Apache Flink application

Exported by `kinesis-starrocks export flink`. The job reads the same stream, loads the same table
with the same mapping, exactly once, on Flink {FLINK_VERSION} (MSF runtime `FLINK-1_20`).

| file | what it is |
|---|---|
| `pipeline.sql` | the Flink SQL: the Kinesis table, the StarRocks table, the INSERT |
| `src/main/java/.../PipelineJob.java` | the runner: reads the password, runs `pipeline.sql` |
| `pom.xml` | the build: one jar with both connectors (`mvn package`) |
| `application_properties.json` | the runtime properties (property group `{PROPERTY_GROUP}`) |
| `create-application.json` | the `kinesisanalyticsv2 CreateApplication` request |
| `iam-policy.json` | the policy of the application's service execution role |

Why a Java runner: MSF runs a jar's main class directly, and a Java application needs nothing
else installed (a PyFlink application would need the same jar plus Python-specific properties).
MSF has no plain-SQL application outside Studio notebooks, so the runner carries the SQL.

## 1. Build

Needs Java 11+ and Maven 3.8+:

```sh
mvn -q package          # writes target/{jar}
```

Connectors: `org.apache.flink:flink-connector-kinesis:{KINESIS_CONNECTOR_VERSION}` and
`com.starrocks:flink-connector-starrocks:{STARROCKS_CONNECTOR_VERSION}`.

## 2. Upload the jar and create the application

Replace the placeholders first: `{ACCOUNT_PLACEHOLDER}` (your account id), `{ROLE_PLACEHOLDER}`,
`{BUCKET_PLACEHOLDER}` and `{SECRET_PLACEHOLDER}` in `create-application.json` and
`iam-policy.json`.

```sh
aws s3 cp target/{jar} s3://{BUCKET_PLACEHOLDER}/{key}
aws iam put-role-policy --role-name {ROLE_PLACEHOLDER} --policy-name kinesis-starrocks-{name} \
    --policy-document file://iam-policy.json
aws kinesisanalyticsv2 create-application --region {region} \
    --cli-input-json file://create-application.json
aws kinesisanalyticsv2 start-application --region {region} --application-name {app} \
    --run-configuration '{{"FlinkRunConfiguration": {{"AllowNonRestoredState": false}}}}'
```

The role must be assumable by MSF (trust policy principal `kinesisanalytics.amazonaws.com`).
The policy is the seed's (read the stream) narrowed to the calls the connector makes, plus the
code in S3, the password's secret and the CloudWatch logs.

Parallelism: {parallelism}, one reader per open shard of the stream when exported. Checkpoints:
every {interval} ms — with exactly-once the sink loads at each checkpoint, so this is the
pipeline's `buffer-flush.interval-ms` and the latency to a visible row.

## 3. The password

The password is not in any of these files. The runner takes, first match wins:

1. `password.secret-id` in the property group `{PROPERTY_GROUP}`: an AWS Secrets Manager secret
   (its ARN or name) holding the password, or JSON with a `"password"` key. Recommended:

   ```sh
   aws secretsmanager create-secret --name kinesis-starrocks/{name} --secret-string 'the-password'
   ```

2. `password` in the property group `{PROPERTY_GROUP}`. **Warning:** runtime properties are shown
   in the MSF console and returned by `DescribeApplication`: anyone who can read the application
   can read the password.
3. The environment variable `STARROCKS_PASSWORD` (local runs only; MSF sets no environment).

## 4. Network

MSF must reach the cluster's FE (`jdbc-url`, MySQL port) and the Stream Load URLs: without a VPC
configuration the application reaches public endpoints (CelerData's); in a VPC it needs a NAT
gateway for them. Allow MSF's egress in the cluster's security group.

## 5. Exactly once, and what to keep an eye on

The sink uses StarRocks' transaction Stream Load (`sink.semantic = exactly-once`): a checkpoint
prepares the transaction, its completion commits it; after a failure the job restarts from the
last checkpoint and the connector aborts the transactions it had left open. Labels start with
`{label}`. StarRocks' `label_keep_max_second` and the prepared-transaction timeout must be
longer than the job may be down, or a recovery can lose or repeat a batch (the connector's docs
say the same).

The mapping is the app's: the Kinesis table reads the JSON fields the mapping binds, as strings,
and StarRocks evaluates the same `jsonpaths`, `columns` expressions, conversions and `where` that
it evaluates for the app's loads (`sink.properties.*` in `pipeline.sql`). A record StarRocks
rejects fails the load and the job restarts from its checkpoint: nothing is skipped silently.

## 6. Settings that do not carry over

| setting | on Flink |
|---|---|
{notes}
## Local run (what kinesis-starrocks' own test does)

```sh
mvn -q package dependency:build-classpath -Dmdep.includeScope=provided -Dmdep.outputFile=provided.cp
java {opens} \
    -cp target/{jar}:$(cat provided.cp) dev.kinesisstarrocks.job.PipelineJob \
    --properties application_properties.json --checkpoint-interval-ms {interval}
```
"#,
        label = super::settings::flink_label_prefix(config),
        opens = super::local_jvm_args().join(" \\\n    "),
    )
}
