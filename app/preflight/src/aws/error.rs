//! A failed AWS call as an [`AwsError`]: SDK errors classified by their code (access denied,
//! credentials rejected, not found) or their transport cause.

use super::CREDENTIAL_WAYS;
use aws_sdk_kinesis::error::{ProvideErrorMetadata, SdkError};
use aws_smithy_runtime_api::client::orchestrator::HttpResponse;

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

/// Classifies an error response the SDK received.
fn from_response(
    operation: String,
    endpoint: String,
    raw: &HttpResponse,
    code: Option<String>,
    text: Option<String>,
) -> AwsError {
    let bytes = raw.body().bytes().unwrap_or(&[]);
    let body = String::from_utf8_lossy(bytes);
    from_status_body(
        operation,
        endpoint,
        raw.status().as_u16(),
        &body,
        code,
        text,
    )
}

/// Classifies an error answer by its code. When no code was parsed (an unexpected body shape such
/// as EC2's `<Response><Errors><Error>`), `<Code>`/`<Message>` are read from the body.
pub(crate) fn from_status_body(
    operation: String,
    endpoint: String,
    status: u16,
    body: &str,
    code: Option<String>,
    text: Option<String>,
) -> AwsError {
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
        (None, None) => format!("HTTP {status}: {}", body_excerpt(body)),
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

/// The start of an error body (an emulator answering XML to a JSON client, a proxy's page).
pub(crate) fn body_excerpt(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((i, _)) => format!("{}…", &text[..i]),
        None => text.to_string(),
    }
}
