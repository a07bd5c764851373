//! `kinesis-starrocks generate-assets --out DIR`: the man pages and shell completions, generated
//! from the CLI definition itself so the packages never ship stale ones
//! (packaging/build-packages.sh runs it on the release binary). Not a subcommand of the CLI, so
//! that neither the pages nor the completions mention it.

use clap::Parser;
use std::ffi::OsString;
use std::path::{Path, PathBuf};

/// The first argument that selects this instead of the CLI.
pub const COMMAND: &str = "generate-assets";

/// Write the man pages and shell completions of kinesis-starrocks (for packaging).
#[derive(Debug, Parser)]
#[command(name = "kinesis-starrocks generate-assets")]
struct AssetsArgs {
    /// The folder to write: `man/` (one page per command and subcommand) and `completions/`
    /// (bash, zsh, fish). Created; existing files are replaced.
    #[arg(long)]
    out: PathBuf,
}

/// The completion files, named as Debian's shells look them up (packaging/build-packages.sh
/// installs them under bash-completion/completions, zsh/vendor-completions and
/// fish/vendor_completions.d).
const COMPLETIONS: [(clap_complete::Shell, &str); 3] = [
    (clap_complete::Shell::Bash, "kinesis-starrocks"),
    (clap_complete::Shell::Zsh, "_kinesis-starrocks"),
    (clap_complete::Shell::Fish, "kinesis-starrocks.fish"),
];

/// Writes the assets for `cmd` (the whole CLI) and returns the exit code; `args` starts with
/// [`COMMAND`].
pub fn run(cmd: clap::Command, args: impl IntoIterator<Item = OsString>) -> i32 {
    let args = AssetsArgs::parse_from(args);
    match write_assets(cmd, &args.out) {
        Ok(()) => 0,
        Err(e) => {
            eprintln!("error: writing {}: {e}", args.out.display());
            super::EXIT_FAILED
        }
    }
}

fn write_assets(mut cmd: clap::Command, out: &Path) -> std::io::Result<()> {
    let man = out.join("man");
    std::fs::create_dir_all(&man)?;
    // One page per command: kinesis-starrocks.1, kinesis-starrocks-run.1,
    // kinesis-starrocks-export-flink.1, …
    clap_mangen::generate_to(cmd.clone(), &man)?;
    let completions = out.join("completions");
    std::fs::create_dir_all(&completions)?;
    let name = cmd.get_name().to_string();
    for (shell, file) in COMPLETIONS {
        let mut f = std::fs::File::create(completions.join(file))?;
        clap_complete::generate(shell, &mut cmd, &name, &mut f);
    }
    Ok(())
}
