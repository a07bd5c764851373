//! EC2 (moto) helpers for the tests that check security groups.

use aws_sdk_ec2::types::{IpPermission, IpRange};

/// Creates security group `name` ("StarRocks FE") allowing tcp `ports` from `cidr`; its id.
pub async fn security_group_allowing(
    ec2: &aws_sdk_ec2::Client,
    name: &str,
    ports: &[u16],
    cidr: &str,
) -> String {
    let id = ec2
        .create_security_group()
        .group_name(name)
        .description("StarRocks FE")
        .send()
        .await
        .unwrap()
        .group_id
        .unwrap();
    for port in ports {
        ec2.authorize_security_group_ingress()
            .group_id(&id)
            .ip_permissions(
                IpPermission::builder()
                    .ip_protocol("tcp")
                    .from_port(i32::from(*port))
                    .to_port(i32::from(*port))
                    .ip_ranges(IpRange::builder().cidr_ip(cidr).build())
                    .build(),
            )
            .send()
            .await
            .unwrap();
    }
    id
}
