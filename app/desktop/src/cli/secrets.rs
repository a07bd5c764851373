//! The StarRocks password: `password-file`, then `STARROCKS_PASSWORD`, then the OS keyring
//! (Secret Service over D-Bus on Linux). Never the config file, never a log line.

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

pub use kinesis_starrocks::backend::secrets::{keyring_delete, keyring_set, password_for};
