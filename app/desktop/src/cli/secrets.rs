//! The StarRocks password: `password-file`, then `STARROCKS_PASSWORD`, then the OS keyring
//! (Secret Service over D-Bus on Linux). Never the config file, never a log line.

use ks_core::config::{PasswordSource, resolve_password};
use ks_core::{Secret, SinkConfig};

use ks_core::PipelineConfig;
use ks_core::config::{KEYRING_SERVICE, keyring_account};
use std::io::BufRead;
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct SecretArgs {
    #[command(subcommand)]
    pub action: SecretAction,
}

#[derive(Debug, clap::Subcommand)]
pub enum SecretAction {
    /// Store the StarRocks password in the OS keyring (read from standard input, one line).
    Set {
        #[arg(long)]
        config: PathBuf,
    },
    /// Remove the StarRocks password from the OS keyring.
    Delete {
        #[arg(long)]
        config: PathBuf,
    },
}

/// `secret set|delete --config F`; returns the exit code.
pub fn run(args: SecretArgs) -> i32 {
    let path = match &args.action {
        SecretAction::Set { config } | SecretAction::Delete { config } => config,
    };
    let config = match PipelineConfig::load(path) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("error: {e}");
            return super::EXIT_USAGE;
        }
    };
    let account = keyring_account(&config.sink);
    let result = match args.action {
        SecretAction::Set { .. } => {
            eprintln!("StarRocks password for {account} (one line on standard input):");
            let mut line = String::new();
            if let Err(e) = std::io::stdin().lock().read_line(&mut line) {
                eprintln!("error: reading the password: {e}");
                return super::EXIT_USAGE;
            }
            let password = line.trim_end_matches(['\n', '\r']);
            if password.is_empty() {
                eprintln!("error: empty password; nothing stored");
                return super::EXIT_USAGE;
            }
            keyring_set(KEYRING_SERVICE, &account, password).map(|()| {
                format!("stored in the OS keyring (service {KEYRING_SERVICE}, account {account})")
            })
        }
        SecretAction::Delete { .. } => keyring_delete(KEYRING_SERVICE, &account).map(|()| {
            format!("removed from the OS keyring (service {KEYRING_SERVICE}, account {account})")
        }),
    };
    match result {
        Ok(msg) => {
            eprintln!("{msg}");
            0
        }
        Err(e) => {
            eprintln!(
                "error: {e}. Without a keyring, use `password-file` in [sink] or the STARROCKS_PASSWORD environment variable"
            );
            super::EXIT_FAILED
        }
    }
}

/// Reads `account` from the OS keyring. `Ok(None)`: no entry; `Err`: no keyring reachable.
pub fn keyring_get(service: &str, account: &str) -> Result<Option<String>, String> {
    let entry = keyring_entry(service, account)?;
    match entry.get_password() {
        Ok(p) => Ok(Some(p)),
        Err(keyring_core::Error::NoEntry) => Ok(None),
        Err(e) => Err(describe(&e)),
    }
}

/// Stores `password` for `account` in the OS keyring.
pub fn keyring_set(service: &str, account: &str, password: &str) -> Result<(), String> {
    keyring_entry(service, account)?
        .set_password(password)
        .map_err(|e| describe(&e))
}

/// Removes the entry (no entry is fine).
pub fn keyring_delete(service: &str, account: &str) -> Result<(), String> {
    match keyring_entry(service, account)?.delete_credential() {
        Ok(()) | Err(keyring_core::Error::NoEntry) => Ok(()),
        Err(e) => Err(describe(&e)),
    }
}

fn keyring_entry(service: &str, account: &str) -> Result<keyring_core::Entry, String> {
    use std::sync::OnceLock;
    static STORE: OnceLock<Result<(), String>> = OnceLock::new();
    STORE
        .get_or_init(|| {
            let store = zbus_secret_service_keyring_store::Store::new().map_err(|e| {
                format!("no Secret Service keyring is reachable ({})", describe(&e))
            })?;
            keyring_core::set_default_store(store);
            Ok(())
        })
        .clone()?;
    keyring_core::Entry::new(service, account).map_err(|e| describe(&e))
}

fn describe(e: &keyring_core::Error) -> String {
    match e {
        keyring_core::Error::NoStorageAccess(inner) => {
            format!("the keyring is locked or not reachable ({inner})")
        }
        keyring_core::Error::PlatformFailure(inner) => {
            format!("no keyring service is reachable (no D-Bus session or Secret Service: {inner})")
        }
        other => other.to_string(),
    }
}

/// Resolves the password from the three sources, in order.
pub fn password_for(sink: &SinkConfig) -> Result<(Secret, PasswordSource), String> {
    resolve_password(sink, &|name| std::env::var(name).ok(), &keyring_get)
        .map_err(|e| e.to_string())
}
