//! The OS keyring (Secret Service over D-Bus on Linux), shared by the CLI (`secret set|delete`,
//! `run`) and the app's backend. Errors say why no keyring is reachable; they never hold the
//! password.

use ks_core::config::{PasswordSource, resolve_password};
use ks_core::{Secret, SinkConfig};

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
    // One store per process: the Secret Service session is set up once (~0.1 s).
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

/// Resolves the password from the three sources, in order (password-file, environment, keyring).
pub fn password_for(sink: &SinkConfig) -> Result<(Secret, PasswordSource), String> {
    resolve_password(sink, &|name| std::env::var(name).ok(), &keyring_get)
        .map_err(|e| e.to_string())
}
