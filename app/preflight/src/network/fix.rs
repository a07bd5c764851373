//! The fix of a failed port check: the missing inbound rule added to the security group after the
//! user confirms, with a description saying who added it and when.

use super::rules::Cidr;
use crate::PreflightContext;
use crate::aws::{self, AwsError};
use aws_sdk_ec2::types::{IpPermission, IpRange, Ipv6Range};
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
    let mut perm = IpPermission::builder()
        .ip_protocol(&rule.protocol)
        .from_port(i32::from(rule.from_port))
        .to_port(i32::from(rule.to_port));
    perm = if cidr.addr.is_ipv4() {
        perm.ip_ranges(
            IpRange::builder()
                .cidr_ip(cidr.to_string())
                .description(&rule.description)
                .build(),
        )
    } else {
        perm.ipv6_ranges(
            Ipv6Range::builder()
                .cidr_ipv6(cidr.to_string())
                .description(&rule.description)
                .build(),
        )
    };
    match ec2
        .authorize_security_group_ingress()
        .group_id(&rule.group_id)
        .ip_permissions(perm.build())
        .send()
        .await
    {
        Ok(_) => Ok(()),
        Err(e) => {
            let e = aws::classify(op, &endpoint, &e);
            if e.code() == Some("InvalidPermission.Duplicate") {
                Ok(())
            } else {
                Err(e)
            }
        }
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
