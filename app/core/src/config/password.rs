//! The StarRocks password's sources: `password-file`, systemd's credential, `STARROCKS_PASSWORD`,
//! the OS keyring.

use super::model::SinkConfig;
use crate::secret::Secret;
use std::fmt;
use std::path::PathBuf;

/// The environment variable holding the StarRocks password (third password source).
pub const PASSWORD_ENV: &str = "STARROCKS_PASSWORD";
/// systemd's credentials folder (`LoadCredential=`), set for the service's processes only.
pub const CREDENTIALS_DIRECTORY_ENV: &str = "CREDENTIALS_DIRECTORY";
/// The credential's name in that folder (second password source): the unit's
/// `LoadCredential=starrocks-password:/etc/kinesis-starrocks/%i.password`.
pub const PASSWORD_CREDENTIAL: &str = "starrocks-password";
/// The OS keyring service under which the GUI keeps the StarRocks password.
pub const KEYRING_SERVICE: &str = "kinesis-starrocks";

/// Where the password came from (shown to the user; never the password itself).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PasswordSource {
    /// `password-file` in [sink].
    File(PathBuf),
    /// systemd's credential `$CREDENTIALS_DIRECTORY/starrocks-password`.
    Credential(PathBuf),
    /// The `STARROCKS_PASSWORD` environment variable.
    Env,
    /// The OS keyring entry (service, account).
    Keyring { service: String, account: String },
}

impl fmt::Display for PasswordSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PasswordSource::File(p) => write!(f, "password-file {}", p.display()),
            PasswordSource::Credential(p) => write!(f, "the systemd credential {}", p.display()),
            PasswordSource::Env => write!(f, "the environment variable {PASSWORD_ENV}"),
            PasswordSource::Keyring { service, account } => {
                write!(f, "the OS keyring (service {service}, account {account})")
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PasswordError {
    /// `password-file` is set but cannot be read (the other sources are not tried: the config
    /// asked for this one).
    #[error("cannot read the StarRocks password from password-file {}: {message}", path.display())]
    FileUnreadable { path: PathBuf, message: String },
    /// The systemd credential is there but cannot be read.
    #[error("cannot read the StarRocks password from the systemd credential {}: {message}", path.display())]
    CredentialUnreadable { path: PathBuf, message: String },
    /// No source had a password.
    #[error(
        "no StarRocks password for {account}: set `password-file = \"…\"` in [sink], or systemd's \
         credential {PASSWORD_CREDENTIAL}, or the environment variable {PASSWORD_ENV}, or store it in the OS keyring (service {KEYRING_SERVICE}, account \
         {account}) with `kinesis-starrocks secret set --config FILE` or the app's Cluster step{}",
        keyring_error.as_ref().map(|e| format!(" (the OS keyring could not be read: {e})")).unwrap_or_default()
    )]
    NotFound {
        account: String,
        /// Why the keyring could not be asked (no session bus, locked…), if that was the case.
        keyring_error: Option<String>,
    },
}

/// Asks the OS keyring for `(service, account)`: `Ok(None)` when there is no entry, `Err` when the
/// store cannot be reached (no session bus, locked keyring…). The desktop crate provides it.
pub type KeyringLookup<'a> = dyn Fn(&str, &str) -> Result<Option<String>, String> + 'a;

/// The keyring account of a sink's password: `<username>@<host>`, where host is the jdbc-url's
/// host, or the first load-url's host when there is no jdbc-url (e.g. `admin@xxxx.cloud-app.celerdata.com`).
/// The service is [`KEYRING_SERVICE`].
pub fn keyring_account(sink: &SinkConfig) -> String {
    format!(
        "{}@{}",
        sink.username,
        sink.cluster_host().unwrap_or("localhost")
    )
}

/// Finds the StarRocks password; first match wins (docs/config.md §4):
/// 1. `password-file` (trailing newline trimmed) if the config names one — an unreadable file is
///    an error naming the path;
/// 2. systemd's credential `$CREDENTIALS_DIRECTORY/starrocks-password` when the folder has one
///    (`CREDENTIALS_DIRECTORY` looked up through `env`);
/// 3. the environment variable `STARROCKS_PASSWORD` (looked up through `env`);
/// 4. the OS keyring (`keyring(service, account)`, see [`keyring_account`]).
///
/// Otherwise an error that names all three ways.
pub fn resolve_password(
    sink: &SinkConfig,
    env: &dyn Fn(&str) -> Option<String>,
    keyring: &KeyringLookup<'_>,
) -> Result<(Secret, PasswordSource), PasswordError> {
    if let Some(path) = &sink.password_file {
        let text = std::fs::read_to_string(path).map_err(|e| PasswordError::FileUnreadable {
            path: path.clone(),
            message: e.to_string(),
        })?;
        return Ok((
            Secret::new(one_line(&text)),
            PasswordSource::File(path.clone()),
        ));
    }
    if let Some(dir) = env(CREDENTIALS_DIRECTORY_ENV) {
        // The folder may hold other credentials only: no file is not an error.
        let path = PathBuf::from(dir).join(PASSWORD_CREDENTIAL);
        if path.exists() {
            let text = std::fs::read_to_string(&path).map_err(|e| {
                PasswordError::CredentialUnreadable {
                    path: path.clone(),
                    message: e.to_string(),
                }
            })?;
            return Ok((
                Secret::new(one_line(&text)),
                PasswordSource::Credential(path),
            ));
        }
    }
    if let Some(pw) = env(PASSWORD_ENV) {
        return Ok((Secret::new(pw), PasswordSource::Env));
    }
    let account = keyring_account(sink);
    let keyring_error = match keyring(KEYRING_SERVICE, &account) {
        Ok(Some(pw)) => {
            return Ok((
                Secret::new(pw),
                PasswordSource::Keyring {
                    service: KEYRING_SERVICE.into(),
                    account,
                },
            ));
        }
        Ok(None) => None,
        Err(e) => Some(e),
    };
    Err(PasswordError::NotFound {
        account,
        keyring_error,
    })
}

/// A password file's content without its one trailing newline (LF or CRLF).
fn one_line(text: &str) -> &str {
    text.strip_suffix("\r\n")
        .or_else(|| text.strip_suffix('\n'))
        .unwrap_or(text)
}
