//! Error classification: every AWS error becomes a message that names the stream, the endpoint
//! and the region, and carries the full cause chain (`DisplayErrorContext`), never just
//! "dispatch failure".

use aws_sdk_kinesis::error::{DisplayErrorContext, ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
use ks_core::ShardId;

/// A failed call to Kinesis (discovery, describe, iterator acquisition, …).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SourceError {
    #[error(
        "Kinesis stream {stream:?} does not exist in region {region} (endpoint {endpoint}): {message}"
    )]
    StreamNotFound {
        stream: String,
        region: String,
        endpoint: String,
        message: String,
    },
    #[error(
        "shard {shard} of Kinesis stream {stream:?} does not exist (region {region}): {message}"
    )]
    ShardNotFound {
        stream: String,
        shard: String,
        region: String,
        message: String,
    },
    #[error(
        "access denied: {action} on Kinesis stream {stream:?} (region {region}) was refused: {message}"
    )]
    AccessDenied {
        action: String,
        stream: String,
        region: String,
        message: String,
    },
    #[error(
        "cannot reach the Kinesis endpoint {endpoint} (region {region}) for {operation} on stream {stream:?}: {message}"
    )]
    Unreachable {
        endpoint: String,
        region: String,
        operation: String,
        stream: String,
        message: String,
    },
    #[error(
        "{operation} on Kinesis stream {stream:?} timed out (operation timeout {timeout_ms} ms, endpoint {endpoint}): {message}"
    )]
    Timeout {
        operation: String,
        stream: String,
        endpoint: String,
        timeout_ms: u64,
        message: String,
    },
    #[error("{operation} on Kinesis stream {stream:?} is being throttled by Kinesis: {message}")]
    Throttled {
        operation: String,
        stream: String,
        message: String,
    },
    /// 5xx, or a response that could not be read: Kinesis-side trouble, worth retrying.
    #[error(
        "{operation} on Kinesis stream {stream:?} failed on the service side (endpoint {endpoint}): {message}"
    )]
    ServiceError {
        operation: String,
        stream: String,
        endpoint: String,
        message: String,
    },
    #[error("AWS configuration for Kinesis stream {stream:?}: {message}")]
    Config { stream: String, message: String },
    /// The AWS default chain (or the configured profile) gave no credentials: retrying as is
    /// cannot help.
    #[error(
        "no AWS credentials to read Kinesis stream {stream:?}{}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, an AWS profile (source.profile or AWS_PROFILE), SSO, or an instance role ({message})",
        profile_note(.profile)
    )]
    NoCredentials {
        stream: String,
        profile: Option<String>,
        message: String,
    },
    #[error(
        "{operation} on Kinesis stream {stream:?} failed (endpoint {endpoint}, region {region}): {message}"
    )]
    Other {
        operation: String,
        stream: String,
        endpoint: String,
        region: String,
        message: String,
    },
}

fn profile_note(profile: &Option<String>) -> String {
    match profile {
        Some(p) => format!(
            " with source.profile = {p:?} (is that profile in ~/.aws/config or ~/.aws/credentials, with credentials, SSO or a role?)"
        ),
        None => String::new(),
    }
}

impl SourceError {
    /// Worth retrying later as is (network, timeouts, throttling, 5xx).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            SourceError::Unreachable { .. }
                | SourceError::Timeout { .. }
                | SourceError::Throttled { .. }
                | SourceError::ServiceError { .. }
        )
    }
}

/// A failed [`crate::ShardReader::next_batch`]. Throttling and expired iterators are handled
/// inside the reader (and counted); they do not surface here.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ReadError {
    /// The shard was read to its end (`shard_end: true` was returned); start its children.
    #[error("shard {shard} was already read to its end; its children take over")]
    ShardEnded { shard: ShardId },
    /// A Kinesis call failed; the reader keeps its position and may be called again.
    #[error("reading shard {shard}: {error}")]
    Source {
        shard: ShardId,
        #[source]
        error: Box<SourceError>,
    },
}

impl ReadError {
    /// Worth calling `next_batch` again later (the reader kept its iterator and position).
    pub fn is_transient(&self) -> bool {
        match self {
            ReadError::ShardEnded { .. } => false,
            ReadError::Source { error, .. } => error.is_transient(),
        }
    }

    pub fn source_error(&self) -> Option<&SourceError> {
        match self {
            ReadError::ShardEnded { .. } => None,
            ReadError::Source { error, .. } => Some(error),
        }
    }
}

/// How a failed call should be handled.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Throttled,
    ExpiredIterator,
    /// Network, timeout, 5xx, unparsable response: retry a few times.
    Transient,
    /// Not worth retrying as is.
    Fatal,
}

/// Where a call went, for messages.
#[derive(Debug, Clone)]
pub(crate) struct Ctx<'a> {
    pub operation: &'static str,
    pub stream: &'a str,
    pub region: &'a str,
    pub endpoint: &'a str,
    pub timeout_ms: u64,
    pub shard: Option<&'a str>,
    /// `source.profile`, for the message when it gives no credentials.
    pub profile: Option<&'a str>,
}

const THROTTLE_CODES: &[&str] = &[
    "ProvisionedThroughputExceededException",
    "ThrottlingException",
    "Throttling",
    "LimitExceededException",
    "KMSThrottlingException",
    "RequestLimitExceeded",
    "TooManyRequestsException",
    "SlowDown",
];

const ACCESS_CODES: &[&str] = &[
    "AccessDeniedException",
    "AccessDenied",
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignature",
    "MissingAuthenticationToken",
    "InvalidClientTokenId",
    "ExpiredTokenException",
    "ExpiredToken",
    "KMSAccessDeniedException",
    "KMSDisabledException",
    "KMSNotFoundException",
    "KMSInvalidStateException",
    "KMSOptInRequired",
];

/// The call never left because the credentials provider found none: what the provider said, in
/// one line (without the SDK's Debug dump).
fn no_credentials<E>(err: &SdkError<E, HttpResponse>) -> Option<String>
where
    E: std::error::Error + 'static,
{
    use aws_credential_types::provider::error::CredentialsError;
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = source {
        if let Some(c) = e.downcast_ref::<CredentialsError>() {
            // Unhandled: the SDK's profile provider answers "initialization error already taken"
            // on every call after the first failed one (a missing profile stays missing).
            if !matches!(
                c,
                CredentialsError::CredentialsNotLoaded(_)
                    | CredentialsError::InvalidConfiguration(_)
                    | CredentialsError::Unhandled(_)
            ) {
                return None;
            }
            let mut parts = Vec::new();
            let mut next: Option<&(dyn std::error::Error + 'static)> = Some(c);
            while let Some(e) = next {
                let text = e.to_string();
                if !parts.iter().any(|p: &String| p.contains(&text)) {
                    parts.push(text);
                }
                next = e.source();
            }
            let line = parts.join(": ");
            return Some(
                line.split('\n')
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
        }
        source = e.source();
    }
    None
}

pub(crate) fn classify<E>(err: &SdkError<E, HttpResponse>, ctx: &Ctx<'_>) -> (SourceError, Kind)
where
    E: ProvideErrorMetadata + std::error::Error + 'static,
{
    // A service error's own code and message say it all; DisplayErrorContext would append the
    // whole Debug dump. Transport errors keep the full cause chain.
    let message = match err.as_service_error() {
        Some(service) => match (service.code(), service.message()) {
            (Some(code), Some(msg)) => format!("{code}: {msg}"),
            (Some(code), None) => code.to_string(),
            _ => DisplayErrorContext(err).to_string(),
        },
        None => DisplayErrorContext(err).to_string(),
    };
    let stream = ctx.stream.to_string();
    let operation = ctx.operation.to_string();
    let region = ctx.region.to_string();
    let endpoint = ctx.endpoint.to_string();
    let service = |message: String| SourceError::ServiceError {
        operation: operation.clone(),
        stream: stream.clone(),
        endpoint: endpoint.clone(),
        message,
    };
    let other = |message: String| SourceError::Other {
        operation: operation.clone(),
        stream: stream.clone(),
        endpoint: endpoint.clone(),
        region: region.clone(),
        message,
    };
    match err {
        SdkError::TimeoutError(_) => (
            SourceError::Timeout {
                operation: operation.clone(),
                stream: stream.clone(),
                endpoint: endpoint.clone(),
                timeout_ms: ctx.timeout_ms,
                message,
            },
            Kind::Transient,
        ),
        SdkError::DispatchFailure(_) if no_credentials(err).is_some() => (
            SourceError::NoCredentials {
                stream: stream.clone(),
                profile: ctx.profile.map(str::to_string),
                message: no_credentials(err).unwrap_or(message),
            },
            Kind::Fatal,
        ),
        SdkError::DispatchFailure(_) => (
            SourceError::Unreachable {
                endpoint: endpoint.clone(),
                region: region.clone(),
                operation: operation.clone(),
                stream: stream.clone(),
                message,
            },
            Kind::Transient,
        ),
        SdkError::ResponseError(_) => (service(message), Kind::Transient),
        SdkError::ConstructionFailure(_) => (
            SourceError::Config {
                stream: stream.clone(),
                message,
            },
            Kind::Fatal,
        ),
        SdkError::ServiceError(se) => {
            let code = se.err().code().unwrap_or("");
            let status = se.raw().status().as_u16();
            let is_5xx = (500..600).contains(&status);
            if code == "ExpiredIteratorException" {
                (other(message), Kind::ExpiredIterator)
            } else if THROTTLE_CODES.contains(&code) || status == 429 {
                (
                    SourceError::Throttled {
                        operation: operation.clone(),
                        stream: stream.clone(),
                        message,
                    },
                    Kind::Throttled,
                )
            } else if ACCESS_CODES.contains(&code) {
                (
                    SourceError::AccessDenied {
                        action: format!("kinesis:{operation}"),
                        stream: stream.clone(),
                        region: region.clone(),
                        message,
                    },
                    Kind::Fatal,
                )
            } else if code == "ResourceNotFoundException" {
                match ctx.shard {
                    Some(shard) if !se.err().message().unwrap_or("").contains("Stream ") => (
                        SourceError::ShardNotFound {
                            stream: stream.clone(),
                            shard: shard.to_string(),
                            region: region.clone(),
                            message,
                        },
                        Kind::Fatal,
                    ),
                    _ => (
                        SourceError::StreamNotFound {
                            stream: stream.clone(),
                            region: region.clone(),
                            endpoint: endpoint.clone(),
                            message,
                        },
                        Kind::Fatal,
                    ),
                }
            } else if is_5xx
                || matches!(
                    code,
                    "InternalFailure"
                        | "InternalFailureException"
                        | "InternalServerError"
                        | "ServiceUnavailable"
                        | "ServiceUnavailableException"
                )
            {
                (service(message), Kind::Transient)
            } else {
                (other(message), Kind::Fatal)
            }
        }
        _ => (other(message), Kind::Fatal),
    }
}
