//! Whose credentials answer: where the SDK found them (profile, SSO, environment, …) and the
//! identity STS GetCallerIdentity gives.

use super::AwsError;
use super::error::{classify, error_chain};
use super::sdk::{region_of, sdk_config, sts_client};
use crate::PreflightContext;
use aws_config::SdkConfig;
use aws_credential_types::Credentials;
use aws_credential_types::credential_feature::AwsCredentialFeature;
use aws_credential_types::provider::ProvideCredentials;

/// Whose credentials answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub account: String,
    /// `arn:aws:iam::123456789012:user/name`, `arn:aws:sts::…:assumed-role/…`.
    pub arn: String,
    pub user_id: String,
    /// Where the credentials came from, as far as the SDK says ("profile \"dev\"", "environment
    /// variables", "SSO (profile \"dev\")", "static credentials (…)").
    pub credential_source: String,
}

/// The profile the SDK reads: `source.profile`, else AWS_PROFILE, else `default`.
fn profile_in_use(ctx: &PreflightContext) -> String {
    ctx.config
        .source
        .profile
        .clone()
        .filter(|p| !p.is_empty())
        .or_else(|| std::env::var("AWS_PROFILE").ok().filter(|p| !p.is_empty()))
        .unwrap_or_else(|| "default".to_string())
}

/// The name the provider gave the credentials (no public getter: read from the redacted Debug form,
/// which never prints the secret).
fn provider_name(creds: &Credentials) -> String {
    let dbg = format!("{creds:?}");
    dbg.split("provider_name: \"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("unknown provider")
        .to_string()
}

fn describe_source(creds: &Credentials, profile: &str, overridden: bool) -> String {
    use AwsCredentialFeature as F;
    if overridden {
        return format!("static credentials ({})", provider_name(creds));
    }
    let features: &[F] = creds
        .get_property::<Vec<F>>()
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let has = |f: &F| features.contains(f);
    let p = format!("profile \"{profile}\"");
    if has(&F::CredentialsSso) || has(&F::CredentialsProfileSso) {
        format!("SSO ({p})")
    } else if has(&F::CredentialsProcess) || has(&F::CredentialsProfileProcess) {
        format!("credential_process ({p})")
    } else if has(&F::CredentialsStsAssumeRole) || has(&F::CredentialsProfileSourceProfile) {
        format!("assumed role ({p})")
    } else if has(&F::CredentialsEnvVarsStsWebIdToken)
        || has(&F::CredentialsProfileStsWebIdToken)
        || has(&F::CredentialsStsAssumeRoleWebId)
    {
        "web identity token (AWS_WEB_IDENTITY_TOKEN_FILE)".to_string()
    } else if has(&F::CredentialsLogin) || has(&F::CredentialsProfileLogin) {
        format!("aws login ({p})")
    } else if has(&F::CredentialsEnvVars) {
        "environment variables (AWS_ACCESS_KEY_ID)".to_string()
    } else if has(&F::CredentialsProfile) {
        format!("{p} (shared config/credentials files)")
    } else if has(&F::CredentialsImds) {
        "EC2 instance metadata (instance role)".to_string()
    } else if has(&F::CredentialsHttp) {
        "container credentials endpoint (ECS/EKS)".to_string()
    } else {
        format!("{} ({p})", provider_name(creds))
    }
}

/// Resolves credentials (without calling STS) and says where they came from.
/// Credentials from the SDK config's chain (or its static ones); a failure is
/// [`AwsError::NoCredentials`] with the chain's reasons.
pub(super) async fn credentials_of(sdk: &SdkConfig) -> Result<Credentials, AwsError> {
    let provider = sdk
        .credentials_provider()
        .ok_or_else(|| AwsError::NoCredentials {
            message: "no credentials provider is configured".into(),
        })?;
    provider
        .provide_credentials()
        .await
        .map_err(|e| AwsError::NoCredentials {
            message: error_chain(&e),
        })
}

async fn resolve_credentials(
    ctx: &PreflightContext,
    sdk: &SdkConfig,
) -> Result<(Credentials, String), AwsError> {
    let creds = credentials_of(sdk).await?;
    let source = describe_source(&creds, &profile_in_use(ctx), ctx.aws.credentials.is_some());
    Ok((creds, source))
}

/// Whose credentials these are: STS GetCallerIdentity with the config's profile/region (or the
/// context's overrides).
pub async fn who_am_i(ctx: &PreflightContext) -> Result<Identity, AwsError> {
    let sdk = sdk_config(ctx).await;
    who_am_i_with(ctx, &sdk).await
}

pub(super) async fn who_am_i_with(
    ctx: &PreflightContext,
    sdk: &SdkConfig,
) -> Result<Identity, AwsError> {
    region_of(sdk)?;
    let (_, credential_source) = resolve_credentials(ctx, sdk).await?;
    let (sts, endpoint) = sts_client(ctx, sdk);
    let out = sts
        .get_caller_identity()
        .send()
        .await
        .map_err(|e| classify("sts:GetCallerIdentity", &endpoint, &e))?;
    Ok(Identity {
        account: out.account.unwrap_or_default(),
        arn: out.arn.unwrap_or_default(),
        user_id: out.user_id.unwrap_or_default(),
        credential_source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn static_credentials_say_so() {
        let c = Credentials::new("AKID", "secret", None, None, "unit-test");
        assert_eq!(provider_name(&c), "unit-test");
        let s = describe_source(&c, "default", true);
        assert_eq!(s, "static credentials (unit-test)");
        assert!(!s.contains("secret"));
    }

    #[test]
    fn profile_credentials_name_the_profile() {
        let mut c = Credentials::new("AKID", "secret", None, None, "ProfileFile");
        c.get_property_mut_or_default::<Vec<AwsCredentialFeature>>()
            .push(AwsCredentialFeature::CredentialsProfile);
        assert_eq!(
            describe_source(&c, "dev", false),
            "profile \"dev\" (shared config/credentials files)"
        );
        c.get_property_mut_or_default::<Vec<AwsCredentialFeature>>()
            .push(AwsCredentialFeature::CredentialsSso);
        assert_eq!(describe_source(&c, "dev", false), "SSO (profile \"dev\")");
    }
}
