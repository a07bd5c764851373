//! Setting up moto_server for the AWS tests with Query requests: EC2 resources for the
//! security-group tests (VPCs, subnets, groups, rules, managed prefix lists, network interfaces,
//! a group's inbound rules read back) and IAM users with a policy, then IAM enforcement.
//!
//! Deliberately not the product's EC2 client (`ks_preflight::aws::Ec2Client`): the tests set up
//! and read back with plain requests of their own, so a mistake in the product's requests or
//! parsing cannot be mirrored here. Until [`Moto::enforce_iam`], moto routes by the credential
//! scope of the `Authorization` header and does not check signatures; after it, it checks them
//! (with botocore's SigV4) and the caller's IAM policy.

use std::io::{Read, Write};
use std::time::Duration;

/// Query parameters: (`GroupId`, `sg-…`), (`IpPermissions.1.FromPort`, `9030`), …
pub type Params<'a> = &'a [(&'a str, &'a str)];

/// moto_server's APIs on `port` (us-east-1).
#[derive(Debug, Clone, Copy)]
pub struct Moto {
    pub port: u16,
}

/// One inbound rule as EC2 lists it: a permission's protocol and ports with one source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ingress {
    pub protocol: String,
    pub from_port: Option<i32>,
    pub to_port: Option<i32>,
    /// The list the source is in: `ipRanges`, `ipv6Ranges`, `prefixListIds` or `groups`.
    pub list: &'static str,
    /// `cidrIp`, `cidrIpv6`, `prefixListId` or the source group's `groupId`.
    pub source: String,
    pub description: Option<String>,
}

impl Moto {
    /// Calls EC2 `action`; the answer's XML. Panics with moto's answer when it is not a 200.
    pub fn call(&self, action: &str, params: Params) -> String {
        self.query_ok("ec2", "2016-11-15", action, params)
    }

    /// Calls IAM `action`; the answer's XML. Panics with moto's answer when it is not a 200.
    pub fn iam(&self, action: &str, params: Params) -> String {
        self.query_ok("iam", "2010-05-08", action, params)
    }

    fn query_ok(&self, service: &str, version: &str, action: &str, params: Params) -> String {
        let mut form = form_urlencoded::Serializer::new(String::new());
        form.append_pair("Action", action);
        form.append_pair("Version", version);
        for (k, v) in params {
            form.append_pair(k, v);
        }
        let (status, xml) = self.post(service, &form.finish(), Duration::from_secs(60));
        assert!(
            status == 200,
            "moto_server refused {service}:{action} {params:?}: HTTP {status}: {xml}"
        );
        xml
    }

    /// POSTs a Query `body` for `service` with an `Authorization` header naming it in us-east-1;
    /// the status and the body. moto routes by the credential scope (the signature is not checked
    /// until [`Moto::enforce_iam`]).
    pub fn post(&self, service: &str, body: &str, timeout: Duration) -> (u16, String) {
        let request = format!(
            "POST / HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Authorization: AWS4-HMAC-SHA256 Credential=AKIDTEST/20260101/us-east-1/{service}/\
             aws4_request, SignedHeaders=host, Signature=0\r\n\r\n{body}",
            self.port,
            body.len()
        );
        self.exchange(&request, timeout).unwrap_or_else(|e| {
            panic!("moto_server did not answer a {service} call within {timeout:?}: {e}")
        })
    }

    /// Sends one raw HTTP/1.0 `request` (the answer ends at close, never chunked); the status and
    /// the body.
    fn exchange(&self, request: &str, timeout: Duration) -> std::io::Result<(u16, String)> {
        let mut stream = std::net::TcpStream::connect(("127.0.0.1", self.port))?;
        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(request.as_bytes())?;
        let mut answer = String::new();
        stream.read_to_string(&mut answer)?;
        let (head, body) = answer.split_once("\r\n\r\n").unwrap_or((&answer, ""));
        let status = head
            .split_whitespace()
            .nth(1)
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| panic!("moto_server's answer has no status: {answer}"));
        Ok((status, body.to_string()))
    }

    /// An IAM user `name` with the inline `policy` (JSON) and an access key: (key id, secret).
    pub fn user_with_policy(&self, name: &str, policy: &str) -> (String, String) {
        self.iam("CreateUser", &[("UserName", name)]);
        self.iam(
            "PutUserPolicy",
            &[
                ("UserName", name),
                ("PolicyName", "test-policy"),
                ("PolicyDocument", policy),
            ],
        );
        let key = self.iam("CreateAccessKey", &[("UserName", name)]);
        (
            first_text(&key, "AccessKeyId"),
            first_text(&key, "SecretAccessKey"),
        )
    }

    /// From now on moto checks every request's signature and its caller's IAM policy
    /// (`/moto-api/reset-auth`): set up users first.
    pub fn enforce_iam(&self) {
        let request = format!(
            "POST /moto-api/reset-auth HTTP/1.0\r\nHost: 127.0.0.1:{}\r\n\
             Content-Length: 1\r\n\r\n0",
            self.port
        );
        let (status, answer) = self
            .exchange(&request, Duration::from_secs(60))
            .unwrap_or_else(|e| panic!("moto_server did not answer reset-auth: {e}"));
        assert!(
            status == 200,
            "moto_server refused reset-auth: HTTP {status}: {answer}"
        );
    }

    /// A VPC with `cidr`; its id.
    pub fn create_vpc(&self, cidr: &str) -> String {
        let xml = self.call("CreateVpc", &[("CidrBlock", cidr)]);
        first_text(&xml, "vpcId")
    }

    /// A subnet of `vpc` with `cidr`; its id.
    pub fn create_subnet(&self, vpc: &str, cidr: &str) -> String {
        let xml = self.call("CreateSubnet", &[("VpcId", vpc), ("CidrBlock", cidr)]);
        first_text(&xml, "subnetId")
    }

    /// A security group (in `vpc`, else the default VPC); its id.
    pub fn create_security_group(
        &self,
        name: &str,
        description: &str,
        vpc: Option<&str>,
    ) -> String {
        let mut params = vec![("GroupName", name), ("GroupDescription", description)];
        if let Some(vpc) = vpc {
            params.push(("VpcId", vpc));
        }
        let xml = self.call("CreateSecurityGroup", &params);
        first_text(&xml, "groupId")
    }

    /// Adds one inbound permission to `group`: `permission` are the keys after
    /// `IpPermissions.1.` (`IpProtocol`, `FromPort`, `IpRanges.1.CidrIp`, …).
    pub fn authorize_ingress(&self, group: &str, permission: Params) {
        let keys: Vec<(String, &str)> = permission
            .iter()
            .map(|(k, v)| (format!("IpPermissions.1.{k}"), *v))
            .collect();
        let mut params: Vec<(&str, &str)> = vec![("GroupId", group)];
        params.extend(keys.iter().map(|(k, v)| (k.as_str(), *v)));
        self.call("AuthorizeSecurityGroupIngress", &params);
    }

    /// Allows tcp `port` from `cidr` into `group`.
    pub fn allow_tcp_from(&self, group: &str, port: u16, cidr: &str) {
        let port = port.to_string();
        self.authorize_ingress(
            group,
            &[
                ("IpProtocol", "tcp"),
                ("FromPort", &port),
                ("ToPort", &port),
                ("IpRanges.1.CidrIp", cidr),
            ],
        );
    }

    /// A security group `name` (default VPC, described "StarRocks FE") allowing tcp `ports`
    /// from `cidr`; its id.
    pub fn security_group_allowing(&self, name: &str, ports: &[u16], cidr: &str) -> String {
        let id = self.create_security_group(name, "StarRocks FE", None);
        for port in ports {
            self.allow_tcp_from(&id, *port, cidr);
        }
        id
    }

    /// A managed IPv4 prefix list holding `cidrs`; its id.
    pub fn create_managed_prefix_list(&self, name: &str, cidrs: &[&str]) -> String {
        let keys: Vec<String> = (1..=cidrs.len())
            .map(|i| format!("Entry.{i}.Cidr"))
            .collect();
        let mut params = vec![
            ("PrefixListName", name),
            ("AddressFamily", "IPv4"),
            ("MaxEntries", "10"),
        ];
        params.extend(keys.iter().map(String::as_str).zip(cidrs.iter().copied()));
        let xml = self.call("CreateManagedPrefixList", &params);
        first_text(&xml, "prefixListId")
    }

    /// A network interface in `subnet` with `private_ip` and `groups`; its id.
    pub fn create_network_interface(
        &self,
        subnet: &str,
        private_ip: &str,
        groups: &[&str],
    ) -> String {
        let keys: Vec<String> = (1..=groups.len())
            .map(|i| format!("SecurityGroupId.{i}"))
            .collect();
        let mut params = vec![("SubnetId", subnet), ("PrivateIpAddress", private_ip)];
        params.extend(keys.iter().map(String::as_str).zip(groups.iter().copied()));
        let xml = self.call("CreateNetworkInterface", &params);
        first_text(&xml, "networkInterfaceId")
    }

    /// The inbound rules of `group`, one per source.
    pub fn ingress(&self, group: &str) -> Vec<Ingress> {
        let xml = self.call("DescribeSecurityGroups", &[("GroupId.1", group)]);
        let doc = roxmltree::Document::parse(&xml).expect("DescribeSecurityGroups answers XML");
        let mut out = Vec::new();
        for g in items(doc.root_element(), "securityGroupInfo") {
            for p in items(g, "ipPermissions") {
                let port = |name: &str| text(p, name).and_then(|t| t.parse().ok());
                for (list, key) in [
                    ("ipRanges", "cidrIp"),
                    ("ipv6Ranges", "cidrIpv6"),
                    ("prefixListIds", "prefixListId"),
                    ("groups", "groupId"),
                ] {
                    for source in items(p, list) {
                        out.push(Ingress {
                            protocol: text(p, "ipProtocol").unwrap_or_default(),
                            from_port: port("fromPort"),
                            to_port: port("toPort"),
                            list,
                            source: text(source, key).unwrap_or_default(),
                            description: text(source, "description"),
                        });
                    }
                }
            }
        }
        out
    }
}

fn child<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Option<roxmltree::Node<'a, 'i>> {
    n.children()
        .find(|c| c.is_element() && c.tag_name().name() == name)
}

fn text(n: roxmltree::Node<'_, '_>, name: &str) -> Option<String> {
    child(n, name)
        .and_then(|c| c.text())
        .map(|t| t.trim().to_string())
        .filter(|t| !t.is_empty())
}

/// The `<item>`s of list `name` under `n`.
fn items<'a, 'i>(n: roxmltree::Node<'a, 'i>, name: &str) -> Vec<roxmltree::Node<'a, 'i>> {
    child(n, name)
        .map(|l| {
            l.children()
                .filter(|c| c.tag_name().name() == "item")
                .collect()
        })
        .unwrap_or_default()
}

/// The text of the first element named `name` in `xml`.
fn first_text(xml: &str, name: &str) -> String {
    let doc = roxmltree::Document::parse(xml).unwrap_or_else(|e| panic!("{e}: {xml}"));
    doc.descendants()
        .find(|n| n.tag_name().name() == name)
        .and_then(|n| n.text())
        .map(str::to_string)
        .unwrap_or_else(|| panic!("no <{name}> in {xml}"))
}
