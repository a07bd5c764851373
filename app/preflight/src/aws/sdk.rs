//! The one SDK config every AWS check shares, and the Kinesis, STS and EC2 clients built on it
//! with the endpoint each talks to (for messages).

use super::AwsError;
use super::ec2::Ec2Client;
use crate::PreflightContext;
use aws_config::{BehaviorVersion, SdkConfig};
use aws_sdk_kinesis::config::Region;
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

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

pub(super) fn region_of(sdk: &SdkConfig) -> Result<String, AwsError> {
    sdk.region()
        .map(|r| r.to_string())
        .ok_or(AwsError::NoRegion)
}

/// The endpoint a client of `service` talks to: the explicit override, else the SDK's overrides
/// (`AWS_ENDPOINT_URL_<SERVICE>`, then `AWS_ENDPOINT_URL` or a profile's `endpoint_url`, which the
/// SDK applies itself), else the region's public endpoint.
pub(super) fn endpoint_text(service: &str, explicit: Option<&str>, sdk: &SdkConfig) -> String {
    let from_env = |name: String| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
    explicit
        .map(str::to_string)
        .or_else(|| from_env(format!("AWS_ENDPOINT_URL_{}", service.to_ascii_uppercase())))
        .or_else(|| sdk.endpoint_url().map(str::to_string))
        .or_else(|| from_env("AWS_ENDPOINT_URL".to_string()))
        .unwrap_or_else(|| {
            let region = sdk.region().map(|r| r.to_string()).unwrap_or_default();
            let domain = if region.starts_with("cn-") {
                "amazonaws.com.cn"
            } else {
                "amazonaws.com"
            };
            format!("https://{service}.{region}.{domain}")
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
pub fn ec2_client(ctx: &PreflightContext, sdk: &SdkConfig) -> (Ec2Client, String) {
    Ec2Client::new(sdk, ctx.aws.ec2_endpoint_url.as_deref())
}
