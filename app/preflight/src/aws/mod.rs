//! The AWS group: which credentials answer and whose they are (STS GetCallerIdentity), the stream
//! (DescribeStreamSummary), and the read calls the engine makes (ListShards, GetShardIterator,
//! GetRecords). On AccessDenied the remediation carries the exact IAM policy statement to add, with
//! the real stream ARN.
//!
//! Also the AWS helpers the wizard calls: [`sdk_config`], [`who_am_i`], [`list_profiles`],
//! [`list_streams`], [`read_policy_statement`].

mod checks;
pub mod ec2;
mod error;
mod identity;
mod policy;
mod profiles;
mod sdk;
mod streams;

pub use checks::run;
pub use ec2::Ec2Client;
pub use error::AwsError;
pub(crate) use error::error_chain;
pub use identity::{Identity, who_am_i};
pub use policy::{
    efo_actions, efo_policy_statement, read_actions, read_policy_statement, stream_arn,
};
pub use profiles::{list_profiles, list_profiles_in};
pub use sdk::{ec2_client, kinesis_client, sdk_config, sts_client};
pub use streams::{StreamListing, list_streams};

use ks_core::check::CheckGroup;

const GROUP: CheckGroup = CheckGroup::Aws;

/// Check ids of this group (stable: `check --json` documents them).
pub const ID_CREDENTIALS: &str = "aws.credentials";
pub const ID_STREAM: &str = "aws.stream";
pub const ID_READ_PERMISSION: &str = "aws.read-permission";
pub const ID_LOAD_FREQUENCY: &str = "aws.load-frequency";
/// Only with `reader = "efo"`.
pub const ID_EFO_CONSUMER: &str = "aws.efo-consumer";

/// The ways to give the SDK credentials, for messages.
pub const CREDENTIAL_WAYS: &str = "give AWS credentials one of these ways: `source.profile = \"name\"` \
     in the config (a profile in ~/.aws/config or ~/.aws/credentials), the AWS_PROFILE environment \
     variable, the AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY environment variables, or \
     `aws sso login --profile name` for an SSO profile";
