//! The fix of a failed port check: the missing inbound rule added to the security group after the
//! user confirms, with a description saying who added it and when.

use super::rules::Cidr;
use crate::PreflightContext;
use crate::aws::{self, AwsError};
use ks_core::check::IngressRule;

/// Adds `rule` to its security group (AuthorizeSecurityGroupIngress, with its description). An
/// identical rule that already exists counts as added. Call only after the user confirmed.
pub async fn apply_fix(ctx: &PreflightContext, rule: &IngressRule) -> Result<(), AwsError> {
    let sdk = aws::sdk_config(ctx).await;
    let (ec2, endpoint) = aws::ec2_client(ctx, &sdk);
    let op = "ec2:AuthorizeSecurityGroupIngress";
    let Some(cidr) = Cidr::parse(&rule.cidr) else {
        return Err(AwsError::Service {
            operation: op.into(),
            endpoint,
            code: None,
            message: format!("{:?} is not a CIDR (expected 203.0.113.7/32)", rule.cidr),
        });
    };
    let (range, cidr_key) = if cidr.addr.is_ipv4() {
        ("IpRanges", "CidrIp")
    } else {
        ("Ipv6Ranges", "CidrIpv6")
    };
    let params = vec![
        ("GroupId".to_string(), rule.group_id.clone()),
        ("IpPermissions.1.IpProtocol".into(), rule.protocol.clone()),
        (
            "IpPermissions.1.FromPort".into(),
            rule.from_port.to_string(),
        ),
        ("IpPermissions.1.ToPort".into(), rule.to_port.to_string()),
        (
            format!("IpPermissions.1.{range}.1.{cidr_key}"),
            cidr.to_string(),
        ),
        (
            format!("IpPermissions.1.{range}.1.Description"),
            rule.description.clone(),
        ),
    ];
    match ec2.call("AuthorizeSecurityGroupIngress", &params).await {
        Ok(_) => Ok(()),
        Err(e) if e.code() == Some("InvalidPermission.Duplicate") => Ok(()),
        Err(e) => Err(e),
    }
}

/// The description a fix rule carries: `kinesis-starrocks from <host> <YYYY-MM-DD>` (only the
/// characters EC2 accepts in a rule description).
pub fn fix_description(host: &str, date: chrono::NaiveDate) -> String {
    let host: String = host
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "._-:/()#,@[]+=&;{}!$* ".contains(c) {
                c
            } else {
                '-'
            }
        })
        .take(120)
        .collect();
    let host = if host.trim().is_empty() {
        "this machine".to_string()
    } else {
        host
    };
    format!("kinesis-starrocks from {host} {}", date.format("%Y-%m-%d"))
}

pub(super) fn this_host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|s| s.trim().to_string())
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_default()
}
