//! `kinesis-starrocks import-kda FILE --out pipeline.toml`: a Kinesis Data Analytics / MSF
//! application's runtime properties (the seed's property groups) as a pipeline config, through the
//! same import the app's welcome page uses (ks_core::config::import).

use super::{EXIT_FAILED, EXIT_USAGE};
use std::path::PathBuf;

#[derive(Debug, clap::Args)]
pub struct ImportKdaArgs {
    /// The runtime properties: `aws kinesisanalyticsv2 describe-application` output, the
    /// property groups, or a flat key/value JSON object.
    pub file: PathBuf,
    /// Where to write the pipeline config (refused if it exists).
    #[arg(long)]
    pub out: PathBuf,
}

pub fn run(args: ImportKdaArgs) -> i32 {
    let text = match std::fs::read_to_string(&args.file) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return EXIT_USAGE;
        }
    };
    let mut imported = match ks_core::config::import::from_kda_properties(&text) {
        Ok(i) => i,
        Err(e) => {
            eprintln!("error: {}: {e}", args.file.display());
            return EXIT_USAGE;
        }
    };
    // The import leaves the state dir to whoever saves the pipeline: here, the default one
    // (which the written file then leaves out).
    if imported.config.state_dir.as_os_str().is_empty() {
        imported.config.state_dir =
            ks_core::config::default_state_dir(&imported.name).unwrap_or_default();
    }
    if args.out.exists() {
        eprintln!(
            "error: {} exists; choose another --out (nothing was written)",
            args.out.display()
        );
        return EXIT_USAGE;
    }
    if let Err(e) = std::fs::write(&args.out, imported.config.to_toml_string()) {
        eprintln!("error: {}: {e}", args.out.display());
        return EXIT_FAILED;
    }
    println!(
        "wrote pipeline {:?} to {}",
        imported.name,
        args.out.display()
    );
    for key in &imported.ignored {
        eprintln!("warning: {key}: not a setting of this tool; not imported");
    }
    if imported.password.is_some() {
        eprintln!(
            "note: the properties hold a password; it is not written to {}. Store it in the OS \
             keyring: kinesis-starrocks secret set --config {}",
            args.out.display(),
            args.out.display()
        );
    }
    println!(
        "next: kinesis-starrocks check --config {}",
        args.out.display()
    );
    0
}
