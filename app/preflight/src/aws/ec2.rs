//! EC2's Query API for the few calls preflight makes (DescribeNetworkInterfaces,
//! DescribeSecurityGroups, GetManagedPrefixListEntries, AuthorizeSecurityGroupIngress).
//!
//! Why not aws-sdk-ec2: that crate holds every EC2 operation (1.2 M lines) and was the longest
//! unit of every build (5–7 min on one core, 8 GB of compiler memory) for four calls. This client
//! keeps the SDK's parts that matter: the same credentials chain and region (from the shared
//! [`SdkConfig`]), SigV4 signing by `aws-sigv4`, and the same errors ([`AwsError`]). The HTTP is
//! reqwest, the XML roxmltree.

use super::error::{body_excerpt, error_chain, from_status_body};
use super::{AwsError, sdk::endpoint_text};
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
use aws_sigv4::sign::v4;
use std::sync::Arc;
use std::time::{Duration, SystemTime};

/// Pages of a paginated action: at most this many (a runaway `nextToken` must not loop forever).
const MAX_PAGES: usize = 100;
/// The EC2 API version every action is sent with (the current one; moto answers it too).
const API_VERSION: &str = "2016-11-15";
const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
/// Cached credentials are used until this long before they expire.
const CREDENTIALS_MARGIN: Duration = Duration::from_secs(60);
/// When the SDK config sets no timeouts.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_millis(3100);
const DEFAULT_OPERATION_TIMEOUT: Duration = Duration::from_secs(30);

/// An EC2 client: one signed POST per action, the answer's XML as text.
#[derive(Clone)]
pub struct Ec2Client {
    http: reqwest::Client,
    sdk: SdkConfig,
    /// Where requests go: `…/` of the endpoint.
    url: String,
    operation_timeout: Duration,
    /// The last credentials resolved: an assume-role or SSO profile costs a round trip per
    /// resolution, and a check makes several calls (the SDK clients cache theirs the same way).
    credentials: Arc<tokio::sync::Mutex<Option<Credentials>>>,
}

impl std::fmt::Debug for Ec2Client {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ec2Client").field("url", &self.url).finish()
    }
}

impl Ec2Client {
    /// A client on `explicit_endpoint` when given, else on the SDK's endpoint overrides
    /// (`AWS_ENDPOINT_URL_EC2`, `AWS_ENDPOINT_URL`, a profile's `endpoint_url`), else on the
    /// region's public endpoint. Also returns that URL, for messages.
    pub fn new(sdk: &SdkConfig, explicit_endpoint: Option<&str>) -> (Ec2Client, String) {
        let url = endpoint_text("ec2", explicit_endpoint, sdk);
        let timeouts = sdk.timeout_config();
        let connect = timeouts
            .and_then(|t| t.connect_timeout())
            .unwrap_or(DEFAULT_CONNECT_TIMEOUT);
        let operation_timeout = timeouts
            .and_then(|t| t.operation_timeout().or(t.operation_attempt_timeout()))
            .unwrap_or(DEFAULT_OPERATION_TIMEOUT);
        // A builder with only timeouts set does not fail; if it ever did, the default client
        // still works (and the operation timeout below still applies).
        let http = reqwest::Client::builder()
            .connect_timeout(connect)
            .build()
            .unwrap_or_default();
        let client = Ec2Client {
            http,
            sdk: sdk.clone(),
            url: format!("{}/", url.trim_end_matches('/')),
            operation_timeout,
            credentials: Arc::default(),
        };
        (client, url)
    }

    /// The endpoint, for messages.
    pub fn endpoint(&self) -> &str {
        self.url.trim_end_matches('/')
    }

    /// Calls `action` with Query `params` (`GroupId.1`, `Filter.1.Name`, …) and returns the
    /// answer's XML. An error answer becomes the [`AwsError`] its code says
    /// (`ec2:<action>` in messages).
    pub async fn call(
        &self,
        action: &str,
        params: &[(String, String)],
    ) -> Result<String, AwsError> {
        let operation = format!("ec2:{action}");
        let region = self
            .sdk
            .region()
            .map(|r| r.to_string())
            .ok_or(AwsError::NoRegion)?;
        let credentials = self.credentials().await?;

        // In a block: the serializer is not Send, and must not live across an await.
        let body = {
            let mut form = form_urlencoded::Serializer::new(String::new());
            form.append_pair("Action", action);
            form.append_pair("Version", API_VERSION);
            for (k, v) in params {
                form.append_pair(k, v);
            }
            form.finish()
        };

        let identity = credentials.into();
        let signing_params = v4::SigningParams::builder()
            .identity(&identity)
            .region(&region)
            .name("ec2")
            .time(SystemTime::now())
            .settings(SigningSettings::default())
            .build()
            .map_err(|e| self.service_error(&operation, e.to_string()))?
            .into();
        let headers = [("content-type", CONTENT_TYPE)];
        let signable = SignableRequest::new(
            "POST",
            self.url.as_str(),
            headers.iter().copied(),
            SignableBody::Bytes(body.as_bytes()),
        )
        .map_err(|e| self.service_error(&operation, format!("{} is not a URL: {e}", self.url)))?;
        let (instructions, _signature) = sign(signable, &signing_params)
            .map_err(|e| self.service_error(&operation, e.to_string()))?
            .into_parts();

        let mut request = self
            .http
            .post(&self.url)
            .timeout(self.operation_timeout)
            .header("content-type", CONTENT_TYPE);
        for (name, value) in instructions.headers() {
            request = request.header(name, value);
        }
        let answer = request.body(body).send().await;
        let answer = match answer {
            Ok(a) => a,
            Err(e) => return Err(self.transport_error(&operation, &e)),
        };
        let status = answer.status().as_u16();
        let text = answer
            .text()
            .await
            .map_err(|e| self.transport_error(&operation, &e))?;
        if (200..300).contains(&status) {
            Ok(text)
        } else {
            Err(from_status_body(
                operation,
                self.endpoint().to_string(),
                status,
                &text,
                None,
                None,
            ))
        }
    }

    /// Calls paginated `action` page after page (`NextToken` from each answer's `nextToken`, at
    /// most [`MAX_PAGES`]) and hands each answer's root element to `each`.
    pub async fn pages(
        &self,
        action: &str,
        params: &[(String, String)],
        mut each: impl for<'a, 'i> FnMut(roxmltree::Node<'a, 'i>),
    ) -> Result<(), AwsError> {
        let operation = format!("ec2:{action}");
        let mut token: Option<String> = None;
        for _ in 0..MAX_PAGES {
            let mut page_params = params.to_vec();
            if let Some(t) = &token {
                page_params.push(("NextToken".into(), t.clone()));
            }
            let text = self.call(action, &page_params).await?;
            let doc = parse_answer(&operation, self.endpoint(), &text)?;
            let root = doc.root_element();
            each(root);
            token = xml::text(root, "nextToken").map(str::to_string);
            if token.is_none() {
                break;
            }
        }
        Ok(())
    }

    /// The cached credentials while they are fresh, else the SDK config's chain.
    async fn credentials(&self) -> Result<Credentials, AwsError> {
        let mut cached = self.credentials.lock().await;
        if let Some(c) = cached.as_ref() {
            let fresh = c
                .expiry()
                .is_none_or(|at| at > SystemTime::now() + CREDENTIALS_MARGIN);
            if fresh {
                return Ok(c.clone());
            }
        }
        let c = super::identity::credentials_of(&self.sdk).await?;
        *cached = Some(c.clone());
        Ok(c)
    }

    fn service_error(&self, operation: &str, message: String) -> AwsError {
        AwsError::Service {
            operation: operation.to_string(),
            endpoint: self.endpoint().to_string(),
            code: None,
            message,
        }
    }

    fn transport_error(&self, operation: &str, e: &reqwest::Error) -> AwsError {
        let operation = operation.to_string();
        let endpoint = self.endpoint().to_string();
        let message = error_chain(e);
        if e.is_timeout() {
            AwsError::Timeout {
                operation,
                endpoint,
                message,
            }
        } else {
            AwsError::Unreachable {
                operation,
                endpoint,
                message,
            }
        }
    }
}

/// Reading EC2's answers: every list is `<xSet>` or `<x>` holding `<item>`s, in the EC2 namespace.
pub mod xml {
    use roxmltree::Node;

    /// The first child element of `node` named `name` (namespace ignored).
    pub fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
        node.children()
            .find(|c| c.is_element() && c.tag_name().name() == name)
    }

    /// The text of child `name`, when it has some.
    pub fn text<'a>(node: Node<'a, '_>, name: &str) -> Option<&'a str> {
        child(node, name)
            .and_then(|c| c.text())
            .map(str::trim)
            .filter(|t| !t.is_empty())
    }

    /// The `<item>`s of list `name` under `node` (none when the list is absent or empty).
    pub fn items<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Vec<Node<'a, 'i>> {
        child(node, name)
            .map(|list| {
                list.children()
                    .filter(|c| c.is_element() && c.tag_name().name() == "item")
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Parses an answer's XML; a body that is not XML is a service error naming the action.
pub fn parse_answer<'i>(
    operation: &str,
    endpoint: &str,
    text: &'i str,
) -> Result<roxmltree::Document<'i>, AwsError> {
    roxmltree::Document::parse(text).map_err(|e| AwsError::Service {
        operation: operation.to_string(),
        endpoint: endpoint.to_string(),
        code: None,
        message: format!("the answer is not XML ({e}): {}", body_excerpt(text)),
    })
}
