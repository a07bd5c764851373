//! Reading the cluster's security groups from EC2: discovery from the hosts' network interfaces,
//! their inbound rules, and the managed prefix lists those name.

use super::rules::{Cidr, InboundRule, RuleSource};
use crate::aws::AwsError;
use crate::aws::ec2::{Ec2Client, parse_answer, xml};
use std::net::IpAddr;

/// The groups of the network interfaces that hold `addresses` (private or public), and one line
/// per interface found.
pub async fn discover_security_groups(
    ec2: &Ec2Client,
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
        let mut params = vec![("Filter.1.Name".to_string(), name.to_string())];
        for (i, v) in values.iter().enumerate() {
            params.push((format!("Filter.1.Value.{}", i + 1), v.clone()));
        }
        match describe_network_interfaces(ec2, &params).await {
            Ok(interfaces) => {
                any_ok = true;
                for eni in interfaces {
                    let line = format!(
                        "{} ({}{}): {}",
                        eni.id,
                        eni.private_ip,
                        eni.public_ip
                            .map(|p| format!(", public {p}"))
                            .unwrap_or_default(),
                        eni.group_ids.join(", ")
                    );
                    if !found.contains(&line) {
                        found.push(line);
                    }
                    for id in eni.group_ids {
                        if !groups.contains(&id) {
                            groups.push(id);
                        }
                    }
                }
            }
            Err(e) => {
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

/// A network interface as discovery needs it.
struct NetworkInterface {
    id: String,
    private_ip: String,
    public_ip: Option<String>,
    group_ids: Vec<String>,
}

/// DescribeNetworkInterfaces with `params` (filters), every page.
async fn describe_network_interfaces(
    ec2: &Ec2Client,
    params: &[(String, String)],
) -> Result<Vec<NetworkInterface>, AwsError> {
    let mut out = Vec::new();
    ec2.pages("DescribeNetworkInterfaces", params, |root| {
        for eni in xml::items(root, "networkInterfaceSet") {
            out.push(NetworkInterface {
                id: xml::text(eni, "networkInterfaceId").unwrap_or("?").into(),
                private_ip: xml::text(eni, "privateIpAddress").unwrap_or("?").into(),
                public_ip: xml::child(eni, "association")
                    .and_then(|a| xml::text(a, "publicIp"))
                    .map(str::to_string),
                group_ids: xml::items(eni, "groupSet")
                    .into_iter()
                    .filter_map(|g| xml::text(g, "groupId").map(str::to_string))
                    .collect(),
            });
        }
    })
    .await?;
    Ok(out)
}

/// Reads the entries of a managed prefix list (paginated).
pub async fn prefix_list_entries(ec2: &Ec2Client, id: &str) -> Result<Vec<Cidr>, AwsError> {
    let params = [("PrefixListId".to_string(), id.to_string())];
    let mut out = Vec::new();
    ec2.pages("GetManagedPrefixListEntries", &params, |root| {
        out.extend(
            xml::items(root, "entrySet")
                .into_iter()
                .filter_map(|e| xml::text(e, "cidr").and_then(Cidr::parse)),
        );
    })
    .await?;
    Ok(out)
}

/// The inbound rules of `group_ids` (DescribeSecurityGroups), prefix lists resolved when possible.
pub async fn inbound_rules(
    ec2: &Ec2Client,
    group_ids: &[String],
) -> Result<Vec<InboundRule>, AwsError> {
    let action = "DescribeSecurityGroups";
    let params: Vec<(String, String)> = group_ids
        .iter()
        .enumerate()
        .map(|(i, id)| (format!("GroupId.{}", i + 1), id.clone()))
        .collect();
    let text = ec2.call(action, &params).await?;
    let doc = parse_answer(&format!("ec2:{action}"), ec2.endpoint(), &text)?;
    let mut rules = Vec::new();
    for g in xml::items(doc.root_element(), "securityGroupInfo") {
        let group_id = xml::text(g, "groupId").unwrap_or_default().to_string();
        // `ipPermissions` only: `ipPermissionsEgress` is the outbound side.
        for p in xml::items(g, "ipPermissions") {
            let port = |name: &str| xml::text(p, name).and_then(|t| t.parse::<i32>().ok());
            let description = |n: roxmltree::Node| xml::text(n, "description").map(str::to_string);
            let base = |source: RuleSource, description: Option<String>| InboundRule {
                group_id: group_id.clone(),
                protocol: xml::text(p, "ipProtocol").unwrap_or("-1").to_string(),
                from_port: port("fromPort"),
                to_port: port("toPort"),
                source,
                description,
            };
            for r in xml::items(p, "ipRanges") {
                if let Some(c) = xml::text(r, "cidrIp").and_then(Cidr::parse) {
                    rules.push(base(RuleSource::Cidr(c), description(r)));
                }
            }
            for r in xml::items(p, "ipv6Ranges") {
                if let Some(c) = xml::text(r, "cidrIpv6").and_then(Cidr::parse) {
                    rules.push(base(RuleSource::Cidr(c), description(r)));
                }
            }
            for pl in xml::items(p, "prefixListIds") {
                let Some(id) = xml::text(pl, "prefixListId").map(str::to_string) else {
                    continue;
                };
                let entries = prefix_list_entries(ec2, &id)
                    .await
                    .map_err(|e| e.to_string());
                rules.push(base(
                    RuleSource::PrefixList { id, entries },
                    description(pl),
                ));
            }
            for pair in xml::items(p, "groups") {
                if let Some(id) = xml::text(pair, "groupId").map(str::to_string) {
                    rules.push(base(RuleSource::Group { id }, description(pair)));
                }
            }
        }
    }
    Ok(rules)
}
