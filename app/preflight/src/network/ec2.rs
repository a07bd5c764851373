//! Reading the cluster's security groups from EC2: discovery from the hosts' network interfaces,
//! their inbound rules, and the managed prefix lists those name.

use super::rules::{Cidr, InboundRule, RuleSource};
use crate::aws::{self, AwsError};
use aws_sdk_ec2::types::Filter;
use std::net::IpAddr;

/// The groups of the network interfaces that hold `addresses` (private or public), and one line
/// per interface found.
pub async fn discover_security_groups(
    ec2: &aws_sdk_ec2::Client,
    endpoint: &str,
    addresses: &[IpAddr],
) -> Result<(Vec<String>, Vec<String>), AwsError> {
    let v4: Vec<String> = addresses
        .iter()
        .filter(|a| a.is_ipv4())
        .map(|a| a.to_string())
        .collect();
    let v6: Vec<String> = addresses
        .iter()
        .filter(|a| a.is_ipv6())
        .map(|a| a.to_string())
        .collect();
    let mut queries: Vec<(&str, Vec<String>)> = Vec::new();
    if !v4.is_empty() {
        queries.push(("addresses.private-ip-address", v4.clone()));
        queries.push(("association.public-ip", v4));
    }
    if !v6.is_empty() {
        queries.push(("ipv6-addresses.ipv6-address", v6));
    }
    let mut groups: Vec<String> = Vec::new();
    let mut found = Vec::new();
    let mut first_err: Option<AwsError> = None;
    let mut any_ok = false;
    for (name, values) in queries {
        let filter = Filter::builder()
            .name(name)
            .set_values(Some(values))
            .build();
        match ec2
            .describe_network_interfaces()
            .filters(filter)
            .send()
            .await
        {
            Ok(out) => {
                any_ok = true;
                for eni in out.network_interfaces.unwrap_or_default() {
                    let ids: Vec<String> = eni
                        .groups
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|g| g.group_id)
                        .collect();
                    let line = format!(
                        "{} ({}{}): {}",
                        eni.network_interface_id.as_deref().unwrap_or("?"),
                        eni.private_ip_address.as_deref().unwrap_or("?"),
                        eni.association
                            .and_then(|a| a.public_ip)
                            .map(|p| format!(", public {p}"))
                            .unwrap_or_default(),
                        ids.join(", ")
                    );
                    if !found.contains(&line) {
                        found.push(line);
                    }
                    for id in ids {
                        if !groups.contains(&id) {
                            groups.push(id);
                        }
                    }
                }
            }
            Err(e) => {
                let e = aws::classify("ec2:DescribeNetworkInterfaces", endpoint, &e);
                if matches!(
                    e,
                    AwsError::AccessDenied { .. } | AwsError::CredentialsRejected { .. }
                ) {
                    return Err(e);
                }
                first_err.get_or_insert(e);
            }
        }
    }
    match (any_ok, first_err) {
        (false, Some(e)) => Err(e),
        _ => Ok((groups, found)),
    }
}

/// Reads the entries of a managed prefix list (paginated).
pub async fn prefix_list_entries(
    ec2: &aws_sdk_ec2::Client,
    endpoint: &str,
    id: &str,
) -> Result<Vec<Cidr>, AwsError> {
    let mut out = Vec::new();
    let mut token: Option<String> = None;
    loop {
        let page = ec2
            .get_managed_prefix_list_entries()
            .prefix_list_id(id)
            .set_next_token(token.clone())
            .send()
            .await
            .map_err(|e| aws::classify("ec2:GetManagedPrefixListEntries", endpoint, &e))?;
        out.extend(
            page.entries
                .unwrap_or_default()
                .into_iter()
                .filter_map(|e| e.cidr.as_deref().and_then(Cidr::parse)),
        );
        match page.next_token {
            Some(t) if !t.is_empty() => token = Some(t),
            _ => break,
        }
    }
    Ok(out)
}

/// The inbound rules of `group_ids` (DescribeSecurityGroups), prefix lists resolved when possible.
pub async fn inbound_rules(
    ec2: &aws_sdk_ec2::Client,
    endpoint: &str,
    group_ids: &[String],
) -> Result<Vec<InboundRule>, AwsError> {
    let out = ec2
        .describe_security_groups()
        .set_group_ids(Some(group_ids.to_vec()))
        .send()
        .await
        .map_err(|e| aws::classify("ec2:DescribeSecurityGroups", endpoint, &e))?;
    let mut rules = Vec::new();
    for g in out.security_groups.unwrap_or_default() {
        let group_id = g.group_id.unwrap_or_default();
        for p in g.ip_permissions.unwrap_or_default() {
            let base = |source: RuleSource, description: Option<String>| InboundRule {
                group_id: group_id.clone(),
                protocol: p.ip_protocol.clone().unwrap_or_else(|| "-1".into()),
                from_port: p.from_port,
                to_port: p.to_port,
                source,
                description,
            };
            for r in p.ip_ranges() {
                if let Some(c) = r.cidr_ip.as_deref().and_then(Cidr::parse) {
                    rules.push(base(RuleSource::Cidr(c), r.description.clone()));
                }
            }
            for r in p.ipv6_ranges() {
                if let Some(c) = r.cidr_ipv6.as_deref().and_then(Cidr::parse) {
                    rules.push(base(RuleSource::Cidr(c), r.description.clone()));
                }
            }
            for pl in p.prefix_list_ids() {
                let Some(id) = pl.prefix_list_id.clone() else {
                    continue;
                };
                let entries = prefix_list_entries(ec2, endpoint, &id)
                    .await
                    .map_err(|e| e.to_string());
                rules.push(base(
                    RuleSource::PrefixList { id, entries },
                    pl.description.clone(),
                ));
            }
            for pair in p.user_id_group_pairs() {
                if let Some(id) = pair.group_id.clone() {
                    rules.push(base(RuleSource::Group { id }, pair.description.clone()));
                }
            }
        }
    }
    Ok(rules)
}
