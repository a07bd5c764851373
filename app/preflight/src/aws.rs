//! The AWS group: which credentials answer and whose they are (STS GetCallerIdentity), the stream
//! (DescribeStreamSummary), and the read calls the engine makes (ListShards, GetShardIterator,
//! GetRecords). On AccessDenied the remediation carries the exact IAM policy statement to add, with
//! the real stream ARN.
//!
//! Also the AWS helpers the wizard calls: [`sdk_config`], [`who_am_i`], [`list_profiles`],
//! [`list_streams`], [`read_policy_statement`].

use crate::{Checklist, PreflightContext};
use aws_config::{BehaviorVersion, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::ProvideCredentials;
use aws_sdk_kinesis::config::Region;
use aws_sdk_kinesis::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_kinesis::types::ShardIteratorType;
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;
use ks_core::check::{CheckGroup, CheckResult};
use std::path::{Path, PathBuf};

const GROUP: CheckGroup = CheckGroup::Aws;

/// Check ids of this group (stable: `check --json` documents them).
pub const ID_CREDENTIALS: &str = "aws.credentials";
pub const ID_STREAM: &str = "aws.stream";
pub const ID_READ_PERMISSION: &str = "aws.read-permission";

/// The ways to give the SDK credentials, for messages.
pub const CREDENTIAL_WAYS: &str = "give AWS credentials one of these ways: `source.profile = \"name\"` \
     in the config (a profile in ~/.aws/config or ~/.aws/credentials), the AWS_PROFILE environment \
     variable, the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or \
     `aws sso login --profile name` for an SSO profile";

const REJECTED_REMEDIATION: &str = "The credentials were not accepted: check the access key id \
     and secret, refresh expired session credentials (`aws sso login --profile name`), or choose \
     another profile.";

/// A failed AWS call, readable as `code: message` with what was called and where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AwsError {
    #[error("no AWS credentials found ({message}); {CREDENTIAL_WAYS}")]
    NoCredentials { message: String },
    #[error(
        "no AWS region: set `source.region` in the config, AWS_REGION, or a region in the AWS profile"
    )]
    NoRegion,
    #[error("{operation} was refused (access denied): {message}")]
    AccessDenied { operation: String, message: String },
    #[error("{operation}: the credentials were not accepted: {message}")]
    CredentialsRejected { operation: String, message: String },
    #[error("{operation}: not found: {message}")]
    NotFound { operation: String, message: String },
    #[error("cannot reach {endpoint} for {operation}: {message}")]
    Unreachable {
        operation: String,
        endpoint: String,
        message: String,
    },
    #[error("{operation} timed out ({endpoint}): {message}")]
    Timeout {
        operation: String,
        endpoint: String,
        message: String,
    },
    #[error("{operation} failed ({endpoint}): {message}")]
    Service {
        operation: String,
        endpoint: String,
        /// The service's error code (`InvalidGroup.NotFound`, …) when it sent one.
        code: Option<String>,
        message: String,
    },
}

impl AwsError {
    pub fn is_access_denied(&self) -> bool {
        matches!(self, AwsError::AccessDenied { .. })
    }

    /// The service's error code, when there was one.
    pub fn code(&self) -> Option<&str> {
        match self {
            AwsError::Service { code, .. } => code.as_deref(),
            _ => None,
        }
    }
}

const ACCESS_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnauthorizedOperation",
];

/// The credentials themselves were not accepted (unknown key, bad secret, expired session): no
/// policy change helps.
const REJECTED_CODES: &[&str] = &[
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "AuthFailure",
    "ExpiredToken",
    "ExpiredTokenException",
    "MissingAuthenticationToken",
];

/// Turns an SDK error into an [`AwsError`]: service errors as `code: message`, transport errors with
/// their cause chain.
pub(crate) fn classify<E>(
    operation: &str,
    endpoint: &str,
    err: &SdkError<E, HttpResponse>,
) -> AwsError
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    let operation = operation.to_string();
    let endpoint = endpoint.to_string();
    match err {
        SdkError::TimeoutError(_) => AwsError::Timeout {
            operation,
            endpoint,
            message: error_chain(err),
        },
        SdkError::DispatchFailure(d) => {
            let message = error_chain(err);
            // The credentials chain failing surfaces as a dispatch/construction failure.
            if !d.is_io() && !d.is_timeout() && message.contains("credentials") {
                AwsError::NoCredentials { message }
            } else {
                AwsError::Unreachable {
                    operation,
                    endpoint,
                    message,
                }
            }
        }
        SdkError::ServiceError(se) => {
            let code = se.err().code().map(str::to_string);
            let text = se.err().message().map(str::to_string);
            from_response(operation, endpoint, se.raw(), code, text)
        }
        // An answer the SDK could not parse: a proxy's page, or an XML error body sent to a
        // JSON-protocol client (moto's IAM enforcement does that).
        SdkError::ResponseError(re) => from_response(operation, endpoint, re.raw(), None, None),
        SdkError::ConstructionFailure(_) => {
            let message = error_chain(err);
            if message.contains("credentials") {
                AwsError::NoCredentials { message }
            } else {
                AwsError::Service {
                    operation,
                    endpoint,
                    code: None,
                    message,
                }
            }
        }
        _ => AwsError::Service {
            operation,
            endpoint,
            code: None,
            message: error_chain(err),
        },
    }
}

/// Classifies an error response. When the SDK did not find a code (an unexpected body shape such
/// as `<ErrorResponse><Errors><Error>`), `<Code>`/`<Message>` are read from the body.
fn from_response(
    operation: String,
    endpoint: String,
    raw: &HttpResponse,
    code: Option<String>,
    text: Option<String>,
) -> AwsError {
    let status = raw.status().as_u16();
    let body = body_excerpt(raw);
    let tag = |t: &str| {
        let open = format!("<{t}>");
        let start = body.find(&open)? + open.len();
        let end = body[start..].find("</")? + start;
        Some(body[start..end].to_string())
    };
    let (code, text) = match code {
        Some(c) => (Some(c), text),
        None => (
            tag("Code"),
            text.filter(|t| !t.is_empty()).or_else(|| tag("Message")),
        ),
    };
    let text = text.filter(|t| !t.is_empty());
    let message = match (&code, &text) {
        (Some(c), Some(t)) => format!("{c}: {t}"),
        (Some(c), None) => c.clone(),
        (None, Some(t)) => format!("HTTP {status}: {t}"),
        (None, None) => format!("HTTP {status}: {body}"),
    };
    let code_str = code.as_deref().unwrap_or("");
    if REJECTED_CODES.contains(&code_str) {
        AwsError::CredentialsRejected { operation, message }
    } else if ACCESS_CODES.contains(&code_str)
        || message.contains("not authorized")
        || (code.is_none() && status == 403)
    {
        AwsError::AccessDenied { operation, message }
    } else if code_str == "ResourceNotFoundException" || code_str.ends_with(".NotFound") {
        AwsError::NotFound { operation, message }
    } else {
        AwsError::Service {
            operation,
            endpoint,
            code,
            message,
        }
    }
}

/// An error and its causes, `a: b: c` (no Debug dump; repeated texts once).
pub(crate) fn error_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        let t = c.to_string();
        if !s.contains(&t) {
            s.push_str(": ");
            s.push_str(&t);
        }
        cur = c.source();
    }
    s
}

/// The start of a body the SDK could not parse (an emulator answering XML to a JSON client).
fn body_excerpt(raw: &HttpResponse) -> String {
    let bytes = raw.body().bytes().unwrap_or(&[]);
    let text = String::from_utf8_lossy(bytes);
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}

// -------------------------------------------------------------------------------------------------
// Shared SDK config and clients

/// One SDK config for every AWS check: the config's profile and region, the context's static
/// credentials (tests, emulators) or the default chain, one attempt per call (checks are
/// interactive) and timeouts from `ctx.timeout`. Makes no network call.
pub async fn sdk_config(ctx: &PreflightContext) -> SdkConfig {
    let src = &ctx.config.source;
    let attempt = ctx.timeout.max(std::time::Duration::from_millis(100));
    let mut loader = aws_config::defaults(BehaviorVersion::latest())
        .timeout_config(
            TimeoutConfig::builder()
                .connect_timeout(attempt)
                .operation_attempt_timeout(attempt)
                .operation_timeout(attempt * 2)
                .build(),
        )
        .retry_config(RetryConfig::standard().with_max_attempts(1));
    if let Some(profile) = src.profile.as_deref().filter(|p| !p.is_empty()) {
        loader = loader.profile_name(profile);
    }
    if let Some(region) = src.region.as_deref().filter(|r| !r.is_empty()) {
        loader = loader.region(Region::new(region.to_string()));
    }
    if let Some(creds) = ctx.aws.credentials.clone() {
        loader = loader.credentials_provider(creds);
    }
    loader.load().await
}

fn region_of(sdk: &SdkConfig) -> Result<String, AwsError> {
    sdk.region()
        .map(|r| r.to_string())
        .ok_or(AwsError::NoRegion)
}

/// The endpoint a client of `service` talks to, for messages: the explicit override, else the
/// SDK's environment overrides (`AWS_ENDPOINT_URL_<SERVICE>`, `AWS_ENDPOINT_URL`, which the SDK
/// applies itself), else the region's public endpoint.
fn endpoint_text(service: &str, explicit: Option<&str>, sdk: &SdkConfig) -> String {
    let from_env = |name: String| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    explicit
        .map(str::to_string)
        .or_else(|| from_env(format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase())))
        .or_else(|| from_env("AWS_ENDPOINT_URL".to_string()))
        .unwrap_or_else(|| {
            let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
            format!("https://{service}.{region}.amazonaws.com")
        })
}

/// The Kinesis client on `source.endpoint-url` (or the region's endpoint) and its URL for messages.
pub fn kinesis_client(
    ctx: &PreflightContext,
    sdk: &SdkConfig,
) -> (aws_sdk_kinesis::Client, String) {
    let mut b = aws_sdk_kinesis::config::Builder::from(sdk);
    let url = ctx
        .config
        .source
        .endpoint_url
        .as_deref()
        .filter(|u| !u.is_empty());
    if let Some(u) = url {
        b = b.endpoint_url(u);
    }
    let endpoint = endpoint_text("kinesis", url, sdk);
    (aws_sdk_kinesis::Client::from_conf(b.build()), endpoint)
}

/// The STS client (the context's `sts_endpoint_url` when set) and its URL for messages.
pub fn sts_client(ctx: &PreflightContext, sdk: &SdkConfig) -> (aws_sdk_sts::Client, String) {
    let url = ctx.aws.sts_endpoint_url.as_deref();
    let mut b = aws_sdk_sts::config::Builder::from(sdk);
    if let Some(u) = url {
        b = b.endpoint_url(u);
    }
    let endpoint = endpoint_text("sts", url, sdk);
    (aws_sdk_sts::Client::from_conf(b.build()), endpoint)
}

/// The EC2 client (the context's `ec2_endpoint_url` when set) and its URL for messages.
pub fn ec2_client(ctx: &PreflightContext, sdk: &SdkConfig) -> (aws_sdk_ec2::Client, String) {
    let url = ctx.aws.ec2_endpoint_url.as_deref();
    let mut b = aws_sdk_ec2::config::Builder::from(sdk);
    if let Some(u) = url {
        b = b.endpoint_url(u);
    }
    let endpoint = endpoint_text("ec2", url, sdk);
    (aws_sdk_ec2::Client::from_conf(b.build()), endpoint)
}

// -------------------------------------------------------------------------------------------------
// Identity

/// Whose credentials answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    /// `arn:aws:iam::123456789012:user/name`, `arn:aws:sts::…:assumed-role/…`.
    pub arn: String,
    pub user_id: String,
    /// Where the credentials came from, as far as the SDK says ("profile \"dev\"", "environment
    /// variables", "SSO (profile \"dev\")", "static credentials (…)").
    pub credential_source: String,
}

/// The profile the SDK reads: `source.profile`, else AWS_PROFILE, else `default`.
fn profile_in_use(ctx: &PreflightContext) -> String {
    ctx.config
        .source
        .profile
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_string())
}

/// The name the provider gave the credentials (no public getter: read from the redacted Debug form,
/// which never prints the secret).
fn provider_name(creds: &Credentials) -> String {
    let dbg = format!("{creds:?}");
    dbg.split("provider_name: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("unknown provider")
        .to_string()
}

fn describe_source(creds: &Credentials, profile: &str, overridden: bool) -> String {
    use AwsCredentialFeature as F;
    if overridden {
        return format!("static credentials ({})", provider_name(creds));
    }
    let features: &[F] = creds
        .get_property::<Vec<F>>()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let has = |f: &F| features.contains(f);
    let p = format!("profile \"{profile}\"");
    if has(&F::CredentialsSso) || has(&F::CredentialsProfileSso) {
        format!("SSO ({p})")
    } else if has(&F::CredentialsProcess) || has(&F::CredentialsProfileProcess) {
        format!("credential_process ({p})")
    } else if has(&F::CredentialsStsAssumeRole) || has(&F::CredentialsProfileSourceProfile) {
        format!("assumed role ({p})")
    } else if has(&F::CredentialsEnvVarsStsWebIdToken)
        || has(&F::CredentialsProfileStsWebIdToken)
        || has(&F::CredentialsStsAssumeRoleWebId)
    {
        "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)".to_string()
    } else if has(&F::CredentialsLogin) || has(&F::CredentialsProfileLogin) {
        format!("aws login ({p})")
    } else if has(&F::CredentialsEnvVars) {
        "environment variables (AWS_ACCESS_KEY_ID)".to_string()
    } else if has(&F::CredentialsProfile) {
        format!("{p} (shared config/credentials files)")
    } else if has(&F::CredentialsImds) {
        "EC2 instance metadata (instance role)".to_string()
    } else if has(&F::CredentialsHttp) {
        "container credentials endpoint (ECS/EKS)".to_string()
    } else {
        format!("{} ({p})", provider_name(creds))
    }
}

/// Resolves credentials (without calling STS) and says where they came from.
async fn resolve_credentials(
    ctx: &PreflightContext,
    sdk: &SdkConfig,
) -> Result<(Credentials, String), AwsError> {
    let provider = sdk
        .credentials_provider()
        .ok_or_else(|| AwsError::NoCredentials {
            message: "no credentials provider is configured".into(),
        })?;
    let creds = provider
        .provide_credentials()
        .await
        .map_err(|e| AwsError::NoCredentials {
            message: error_chain(&e),
        })?;
    let source = describe_source(&creds, &profile_in_use(ctx), ctx.aws.credentials.is_some());
    Ok((creds, source))
}

/// Whose credentials these are: STS GetCallerIdentity with the config's profile/region (or the
/// context's overrides).
pub async fn who_am_i(ctx: &PreflightContext) -> Result<Identity, AwsError> {
    let sdk = sdk_config(ctx).await;
    who_am_i_with(ctx, &sdk).await
}

async fn who_am_i_with(ctx: &PreflightContext, sdk: &SdkConfig) -> Result<Identity, AwsError> {
    region_of(sdk)?;
    let (_, credential_source) = resolve_credentials(ctx, sdk).await?;
    let (sts, endpoint) = sts_client(ctx, sdk);
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| classify("sts:GetCallerIdentity", &endpoint, &e))?;
    Ok(Identity {
        account: out.account.unwrap_or_default(),
        arn: out.arn.unwrap_or_default(),
        user_id: out.user_id.unwrap_or_default(),
        credential_source,
    })
}

// -------------------------------------------------------------------------------------------------
// Profiles

/// Profile names from the shared config file (`AWS_CONFIG_FILE`, else ~/.aws/config) and the
/// credentials file (`AWS_SHARED_CREDENTIALS_FILE`, else ~/.aws/credentials), sorted, no repeats.
/// Missing files give no names, not an error.
pub fn list_profiles() -> Vec<String> {
    let home = std::env::var_os("HOME").map(PathBuf::from);
    let from_env = |var: &str, default: &str| {
        std::env::var_os(var)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".aws").join(default)))
    };
    let config = from_env("AWS_CONFIG_FILE", "config");
    let credentials = from_env("AWS_SHARED_CREDENTIALS_FILE", "credentials");
    list_profiles_in(config.as_deref(), credentials.as_deref())
}

/// [`list_profiles`] over explicit files.
pub fn list_profiles_in(config: Option<&Path>, credentials: Option<&Path>) -> Vec<String> {
    let mut names = Vec::new();
    let read = |p: Option<&Path>| p.and_then(|p| std::fs::read_to_string(p).ok());
    if let Some(text) = read(config) {
        for section in ini_sections(&text) {
            // The config file names profiles `[profile x]` (and `[default]`); `[sso-session x]`
            // and `[services x]` are not profiles.
            if section == "default" {
                names.push(section);
            } else if let Some(name) = section.strip_prefix("profile ") {
                names.push(name.trim().to_string());
            }
        }
    }
    if let Some(text) = read(credentials) {
        names.extend(ini_sections(&text));
    }
    names.retain(|n| !n.is_empty());
    names.sort();
    names.dedup();
    names
}

fn ini_sections(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter_map(|l| l.strip_prefix('[').and_then(|l| l.strip_suffix(']')))
        .map(|s| s.trim().to_string())
        .collect()
}

// -------------------------------------------------------------------------------------------------
// Streams

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

async fn stream_names(
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

async fn describe_stream(
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

// -------------------------------------------------------------------------------------------------
// IAM policy

/// The actions the engine calls on the stream. Enhanced fan-out is refused by the config (it is
/// not built), so no consumer actions are asked for.
pub fn read_actions() -> [&'static str; 4] {
    [
        "kinesis:DescribeStreamSummary",
        "kinesis:ListShards",
        "kinesis:GetShardIterator",
        "kinesis:GetRecords",
    ]
}

/// The seed's `ReadInputStream` statement narrowed to the actions the engine uses, for the given
/// stream ARN.
pub fn read_policy_statement(stream_arn: &str) -> String {
    let q = |s: &str| serde_json::Value::String(s.to_string()).to_string();
    let actions: Vec<String> = read_actions()
        .iter()
        .map(|a| format!("        {}", q(a)))
        .collect();
    format!(
        "{{\n    \"Sid\": \"ReadInputStream\",\n    \"Effect\": \"Allow\",\n    \"Action\": [\n{}\n    ],\n    \"Resource\": {}\n}}",
        actions.join(",\n"),
        q(stream_arn)
    )
}

/// `arn:aws:kinesis:region:account:stream/name` (aws-cn / aws-us-gov by region).
pub fn stream_arn(region: &str, account: &str, stream: &str) -> String {
    let partition = if region.starts_with("cn-") {
        "aws-cn"
    } else if region.starts_with("us-gov-") {
        "aws-us-gov"
    } else {
        "aws"
    };
    format!("arn:{partition}:kinesis:{region}:{account}:stream/{stream}")
}

// -------------------------------------------------------------------------------------------------
// The checks

/// Runs `aws.credentials`, `aws.stream`, `aws.read-permission`.
pub async fn run(ctx: &PreflightContext, list: &mut Checklist<'_>) {
    let sdk = sdk_config(ctx).await;
    let src = &ctx.config.source;
    let stream = src.stream_name.clone();

    // ---- aws.credentials
    let title = "AWS credentials and identity";
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
            list.push(CheckResult::skipped(
                GROUP,
                ID_STREAM,
                "Kinesis stream",
                ID_CREDENTIALS,
            ));
            list.push(CheckResult::skipped(
                GROUP,
                ID_READ_PERMISSION,
                "Kinesis read permissions",
                ID_CREDENTIALS,
            ));
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
            list.push(CheckResult::skipped(
                GROUP,
                ID_STREAM,
                "Kinesis stream",
                ID_CREDENTIALS,
            ));
            list.push(CheckResult::skipped(
                GROUP,
                ID_READ_PERMISSION,
                "Kinesis read permissions",
                ID_CREDENTIALS,
            ));
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
    let title = "Kinesis stream";
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
        list.push(CheckResult::skipped(
            GROUP,
            ID_READ_PERMISSION,
            "Kinesis read permissions",
            ID_STREAM,
        ));
        return;
    }
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
        Err(e @ AwsError::NotFound { .. }) => {
            let others = match stream_names(&client, &endpoint).await {
                Ok(names) if names.is_empty() => "there are no streams there".to_string(),
                Ok(names) => format!("the streams there: {}", names.join(", ")),
                Err(le) => format!("the streams there could not be listed: {le}"),
            };
            list.push(CheckResult::fail(
                GROUP,
                ID_STREAM,
                title,
                format!("{e}\n{others}"),
                format!(
                    "Stream {stream:?} does not exist in {where_}; {others}. Fix `source.stream` \
                     or `source.region`, or create the stream."
                ),
            ));
            None
        }
        Err(e @ AwsError::CredentialsRejected { .. }) => {
            list.push(CheckResult::fail(
                GROUP,
                ID_STREAM,
                title,
                e.to_string(),
                REJECTED_REMEDIATION,
            ));
            None
        }
        Err(e @ AwsError::AccessDenied { .. }) => {
            list.push(CheckResult::fail(
                GROUP,
                ID_STREAM,
                title,
                e.to_string(),
                policy_hint(known_arn(None)),
            ));
            None
        }
        Err(e) => {
            list.push(CheckResult::fail(
                GROUP,
                ID_STREAM,
                title,
                e.to_string(),
                format!("Kinesis did not answer DescribeStreamSummary for {stream:?} ({where_}): check the region, `source.endpoint-url` and the network."),
            ));
            None
        }
    };

    // ---- aws.read-permission
    let title = "Kinesis read permissions";
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
    match exercise_reads(&client, &endpoint, &stream, &arn).await {
        Ok(detail) => list.push(CheckResult::pass(GROUP, ID_READ_PERMISSION, title, detail)),
        Err((done, e @ AwsError::AccessDenied { .. })) => {
            let statement = read_policy_statement(&arn);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn policy_statement_is_json_with_the_arn_and_only_read_actions() {
        let arn = "arn:aws:kinesis:us-west-2:012345678901:stream/ExampleInputStream";
        let s = read_policy_statement(arn);
        let v: serde_json::Value = serde_json::from_str(&s).expect("valid JSON");
        assert_eq!(v["Sid"], "ReadInputStream");
        assert_eq!(v["Effect"], "Allow");
        assert_eq!(v["Resource"], arn);
        let actions: Vec<&str> = v["Action"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a.as_str().unwrap())
            .collect();
        assert_eq!(
            actions,
            [
                "kinesis:DescribeStreamSummary",
                "kinesis:ListShards",
                "kinesis:GetShardIterator",
                "kinesis:GetRecords"
            ]
        );
        assert!(!s.contains("kinesis:*"));
    }

    #[test]
    fn stream_arn_partitions() {
        assert_eq!(
            stream_arn("us-east-1", "123", "s"),
            "arn:aws:kinesis:us-east-1:123:stream/s"
        );
        assert!(stream_arn("cn-north-1", "1", "s").starts_with("arn:aws-cn:"));
        assert!(stream_arn("us-gov-west-1", "1", "s").starts_with("arn:aws-us-gov:"));
    }

    #[test]
    fn profiles_from_both_files() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("config");
        let creds = dir.path().join("credentials");
        std::fs::write(
            &config,
            "[default]\nregion = us-east-1\n\n[profile dev]\nsso_session = corp\n[sso-session corp]\n\
             sso_region = us-east-1\n[services local]\n[ profile  staging ]\n",
        )
        .unwrap();
        std::fs::write(&creds, "[default]\naws_access_key_id = x\n[ci]\n").unwrap();
        assert_eq!(
            list_profiles_in(Some(&config), Some(&creds)),
            ["ci", "default", "dev", "staging"]
        );
        assert!(list_profiles_in(Some(&dir.path().join("nope")), None).is_empty());
    }

    #[test]
    fn static_credentials_say_so() {
        let c = Credentials::new("AKID", "secret", None, None, "unit-test");
        assert_eq!(provider_name(&c), "unit-test");
        let s = describe_source(&c, "default", true);
        assert_eq!(s, "static credentials (unit-test)");
        assert!(!s.contains("secret"));
    }

    #[test]
    fn profile_credentials_name_the_profile() {
        let mut c = Credentials::new("AKID", "secret", None, None, "ProfileFile");
        c.get_property_mut_or_default::<Vec<AwsCredentialFeature>>()
            .push(AwsCredentialFeature::CredentialsProfile);
        assert_eq!(
            describe_source(&c, "dev", false),
            "profile \"dev\" (shared config/credentials files)"
        );
        c.get_property_mut_or_default::<Vec<AwsCredentialFeature>>()
            .push(AwsCredentialFeature::CredentialsSso);
        assert_eq!(describe_source(&c, "dev", false), "SSO (profile \"dev\")");
    }
}
