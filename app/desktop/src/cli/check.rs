//! `kinesis-starrocks check --config F [--json] [--fix [--yes]]`: every preflight check
//! (docs/preflight.md), printed as each lands (✓ pass, ! warning, ✗ failure with the remediation
//! under it, a dash for skipped) or as one JSON document (the format is documented in docs/check-json.md). The
//! `--fix` flag offers the fixes the checks propose (security-group rules), each only after the
//! user confirms. Exit 0 when nothing failed, 1 when something did, 2 for bad usage or config.

use super::{EXIT_FAILED, confirm, load_config, runtime, secrets};
use ks_core::check::{CheckFix, CheckGroup, CheckReport, CheckResult, CheckStatus, IngressRule};
use ks_preflight::PreflightContext;
use std::io::Write;
use std::path::PathBuf;

/// Version of the `--json` document; bumped only on incompatible changes.
pub const JSON_FORMAT_VERSION: u32 = 1;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The pipeline's TOML config.
    #[arg(long)]
    pub config: PathBuf,
    /// Print one JSON document instead of the table (see docs/check-json.md).
    #[arg(long)]
    pub json: bool,
    /// Offer the fixes the checks propose (e.g. the missing inbound rule for this machine), each
    /// after a confirmation.
    #[arg(long)]
    pub fix: bool,
    /// With --fix: apply without asking (scripts).
    #[arg(long, requires = "fix")]
    pub yes: bool,
    /// Only these groups (repeatable): cluster, stream-load, aws, network, table.
    #[arg(long = "only", value_parser = parse_group)]
    pub only: Vec<CheckGroup>,
}

fn parse_group(text: &str) -> Result<CheckGroup, String> {
    CheckGroup::ALL
        .into_iter()
        .find(|g| group_key(*g) == text)
        .ok_or_else(|| {
            let keys: Vec<&str> = CheckGroup::ALL.into_iter().map(group_key).collect();
            format!(
                "unknown group {text:?}; expected one of {}",
                keys.join(", ")
            )
        })
}

fn group_key(group: CheckGroup) -> &'static str {
    match group {
        CheckGroup::Cluster => "cluster",
        CheckGroup::StreamLoad => "stream-load",
        CheckGroup::Aws => "aws",
        CheckGroup::Network => "network",
        CheckGroup::Table => "table",
    }
}

/// Runs the checks and returns the process exit code.
pub fn run(args: CheckArgs) -> i32 {
    let config = match load_config(&args.config) {
        Ok(c) => c,
        Err(code) => return code,
    };
    // No password is not a usage error here: the login check reports it, with the ways to give one.
    let password = match secrets::password_for(&config.sink) {
        Ok((p, source)) => {
            tracing::info!("password from {source}");
            Some(p)
        }
        Err(e) => {
            tracing::debug!("no password: {e}");
            None
        }
    };
    let Some(runtime) = runtime() else {
        return EXIT_FAILED;
    };
    let groups: Vec<CheckGroup> = if args.only.is_empty() {
        CheckGroup::ALL.to_vec()
    } else {
        args.only.clone()
    };
    let ctx = PreflightContext::new(config, password);
    runtime.block_on(async {
        let report = run_and_print(&ctx, &groups, args.json).await;
        if !args.fix {
            return exit_code(&report);
        }
        let rules: Vec<IngressRule> = report
            .checks
            .iter()
            .filter_map(|c| match &c.fix {
                Some(CheckFix::AddIngressRule(rule)) if c.status == CheckStatus::Fail => {
                    Some(rule.clone())
                }
                _ => None,
            })
            .collect();
        if rules.is_empty() {
            println!("\nNothing that --fix can change.");
            return exit_code(&report);
        }
        let mut applied = 0;
        for rule in &rules {
            if !args.yes && !confirm(&format!("\nAdd this inbound rule?\n  {rule}\n[y/N] ")) {
                println!("  not added");
                continue;
            }
            match ks_preflight::network::apply_fix(&ctx, rule).await {
                Ok(()) => {
                    applied += 1;
                    println!("  added: {rule}");
                }
                Err(e) => println!("  could not add the rule to {}: {e}", rule.group_id),
            }
        }
        if applied == 0 {
            return exit_code(&report);
        }
        println!("\nChecking the security groups again:");
        let again = run_and_print(&ctx, &[CheckGroup::Network], args.json).await;
        // The final verdict: the first run with the network group replaced by the re-run.
        let mut merged = report.clone();
        merged.checks.retain(|c| c.group != CheckGroup::Network);
        merged.checks.extend(again.checks);
        exit_code(&merged)
    })
}

fn exit_code(report: &CheckReport) -> i32 {
    if report.passed() { 0 } else { EXIT_FAILED }
}

async fn run_and_print(ctx: &PreflightContext, groups: &[CheckGroup], json: bool) -> CheckReport {
    let mut current_group: Option<CheckGroup> = None;
    // Skips for one reason ("skipped: cluster.login failed") say it once, not under every check.
    let mut last_skip_detail: Option<String> = None;
    let mut print_line = |result: &CheckResult| {
        if json {
            return;
        }
        if current_group != Some(result.group) {
            current_group = Some(result.group);
            last_skip_detail = None;
            println!("\n{}", result.group.title());
        }
        let repeated = result.status == CheckStatus::Skipped
            && last_skip_detail.as_deref() == Some(result.detail.as_str());
        last_skip_detail = (result.status == CheckStatus::Skipped).then(|| result.detail.clone());
        if repeated {
            println!(
                "  {} {:<24} {}",
                result.status.mark(),
                result.id,
                result.title
            );
        } else {
            print!("{}", render_result(result));
        }
        let _ = std::io::stdout().flush();
    };
    let report = ks_preflight::run(ctx, groups, &mut print_line).await;
    if json {
        println!("{}", render_json(&report));
    } else {
        println!("\n{}", summary_line(&report));
    }
    report
}

/// One check as the human table shows it: mark, id and title on one line; the detail under it
/// (all of it for a warning or failure, its first line otherwise); the remediation after an arrow.
pub fn render_result(result: &CheckResult) -> String {
    let mut out = format!(
        "  {} {:<24} {}\n",
        result.status.mark(),
        result.id,
        result.title
    );
    let full = matches!(result.status, CheckStatus::Fail | CheckStatus::Warn);
    // A pass shows its first lines (enough for "SHOW GRANTS (1 row): …"); a problem shows all.
    let shown = if full {
        result.detail.lines().count()
    } else {
        4
    };
    for line in result.detail.lines().take(shown) {
        out.push_str(&format!("      {line}\n"));
    }
    if let Some(remedy) = &result.remediation
        && full
    {
        for (i, line) in remedy.lines().enumerate() {
            let lead = if i == 0 { "→" } else { " " };
            out.push_str(&format!("    {lead} {line}\n"));
        }
    }
    if let Some(CheckFix::AddIngressRule(rule)) = &result.fix {
        out.push_str(&format!(
            "      rule to add (`check --fix` adds it after you confirm): {rule}\n"
        ));
    }
    if let Some(CheckFix::Sql { statements }) = &result.fix {
        for statement in statements {
            out.push_str(&format!("      SQL: {statement}\n"));
        }
    }
    out
}

pub fn summary_line(report: &CheckReport) -> String {
    let warnings = report.count(CheckStatus::Warn);
    format!(
        "{} passed, {} warning{}, {} failed, {} skipped: {}",
        report.count(CheckStatus::Pass),
        warnings,
        if warnings == 1 { "" } else { "s" },
        report.count(CheckStatus::Fail),
        report.count(CheckStatus::Skipped),
        if report.passed() {
            "ready to run"
        } else {
            "fix the failures above, then run `check` again"
        }
    )
}

/// The `--json` document: `{"format-version": 1, "passed": bool, "counts": {...}, "checks": [...]}`.
pub fn render_json(report: &CheckReport) -> String {
    let value = serde_json::json!({
        "format-version": JSON_FORMAT_VERSION,
        "passed": report.passed(),
        "counts": {
            "pass": report.count(CheckStatus::Pass),
            "warn": report.count(CheckStatus::Warn),
            "fail": report.count(CheckStatus::Fail),
            "skipped": report.count(CheckStatus::Skipped),
        },
        "checks": report.checks,
    });
    serde_json::to_string_pretty(&value).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}
