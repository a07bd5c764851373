//! This machine's egress (public) address: from the config, else detected over HTTP.

use crate::PreflightContext;
use crate::aws::error_chain;
use std::net::IpAddr;

/// Why the egress address is not known.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EgressError {
    #[error("`[network] egress-ip` = {value:?} is not an IP address")]
    BadConfig { value: String },
    #[error("could not detect this machine's public address from {url}: {message}")]
    Detect { url: String, message: String },
}

/// This machine's public address: `[network] egress-ip`, else the body of GET `ctx.egress_ip_url`
/// (checkip.amazonaws.com answers with the bare address). Returns it and where it came from.
pub async fn egress_ip(ctx: &PreflightContext) -> Result<(IpAddr, String), EgressError> {
    if let Some(value) = ctx.config.network.egress_ip.as_deref() {
        let ip = value
            .trim()
            .parse::<IpAddr>()
            .map_err(|_| EgressError::BadConfig {
                value: value.to_string(),
            })?;
        return Ok((ip, "from `[network] egress-ip`".into()));
    }
    let url = ctx.egress_ip_url.clone();
    let detect = |message: String| EgressError::Detect {
        url: url.clone(),
        message,
    };
    let client = reqwest::Client::builder()
        .timeout(ctx.timeout)
        .connect_timeout(ctx.timeout)
        .build()
        .map_err(|e| detect(error_chain(&e)))?;
    let resp = client
        .get(&url)
        .send()
        .await
        .map_err(|e| detect(error_chain(&e)))?;
    let status = resp.status();
    let body = resp.text().await.map_err(|e| detect(error_chain(&e)))?;
    if !status.is_success() {
        return Err(detect(format!("HTTP {status}")));
    }
    let text = body.trim();
    let ip = text.parse::<IpAddr>().map_err(|_| {
        let shown: String = text.chars().take(80).collect();
        detect(format!("the answer {shown:?} is not an IP address"))
    })?;
    Ok((ip, format!("detected from {url}")))
}
