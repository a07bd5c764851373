//! The security-groups group: this machine's egress address (config `[network] egress-ip`, else
//! detected over HTTP), the cluster's security groups (config `[network] security-group-ids`, else
//! discovered from the cluster hosts' addresses with DescribeNetworkInterfaces), and their inbound
//! rules evaluated for the MySQL port and the load-url ports against that address.
//!
//! The evaluation ([`evaluate_port`]) is pure over a small rule model ([`InboundRule`]); the EC2
//! calls only fill the model. A missing rule comes with the exact rule to add
//! ([`CheckFix::AddIngressRule`](ks_core::check::CheckFix::AddIngressRule)), which [`apply_fix`]
//! adds after the user confirms.

mod checks;
mod ec2;
mod egress;
mod fix;
mod rules;
#[cfg(test)]
mod tests;

pub use checks::run;
pub use ec2::{discover_security_groups, inbound_rules, prefix_list_entries};
pub use egress::{EgressError, egress_ip};
pub use fix::{apply_fix, fix_description};
pub use rules::{Cidr, InboundRule, PortVerdict, RuleSource, evaluate_port};

use ks_core::check::CheckGroup;

const GROUP: CheckGroup = CheckGroup::Network;

pub const ID_EGRESS_IP: &str = "network.egress-ip";
pub const ID_SECURITY_GROUPS: &str = "network.security-groups";
pub const ID_OPEN_WORLD: &str = "network.sg-open-world";

/// The id of the inbound-rule check for one port: `network.sg-9030`, `network.sg-443`.
pub fn port_check_id(port: u16) -> String {
    format!("network.sg-{port}")
}
