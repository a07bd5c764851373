//! What the preflight tests share: running one group's checks with the assertions every report
//! meets, reading a check's status and texts, and the seed's stock table.

#![allow(dead_code)]

use ks_core::check::{CheckGroup, CheckReport, CheckResult, CheckStatus};
use ks_preflight::PreflightContext;

/// `example_db.stock` as the seed creates it (no id), for the checks that load into it.
pub const STOCK_NO_ID_DDL: &str = "CREATE TABLE example_db.stock (`event_time` DATETIME NULL, \
     `ticker` VARCHAR(20) NOT NULL, `price` DOUBLE NULL) ENGINE=OLAP DUPLICATE KEY(`event_time`) \
     DISTRIBUTED BY HASH(`ticker`) BUCKETS 2";

/// Runs `group`'s checks and asserts what holds for every report: the observer saw every result
/// in order, the ids are `ids`, each check is in `group`, `secret` is in no detail or
/// remediation, and a remediation comes with Warn and Fail only. `DUMP_REPORT=1` prints it.
pub async fn run_group(
    ctx: &PreflightContext,
    group: CheckGroup,
    ids: &[&str],
    secret: &str,
) -> CheckReport {
    let mut seen = Vec::new();
    let report = ks_preflight::run(ctx, &[group], &mut |r| seen.push(r.id.clone())).await;
    assert_eq!(
        seen,
        report
            .checks
            .iter()
            .map(|c| c.id.clone())
            .collect::<Vec<_>>()
    );
    if std::env::var_os("DUMP_REPORT").is_some() {
        for c in &report.checks {
            eprintln!(
                "{} {} {}\n  {}\n  => {:?}",
                c.status.mark(),
                c.id,
                c.title,
                c.detail.replace('\n', "\n  "),
                c.remediation
            );
        }
    }
    let got: Vec<&str> = report.checks.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(got, ids, "{report:#?}");
    for c in &report.checks {
        assert_eq!(c.group, group);
        let text = format!("{} {:?}", c.detail, c.remediation);
        assert!(
            !text.contains(secret),
            "the password leaked in {}: {text}",
            c.id
        );
        assert_eq!(
            c.remediation.is_some(),
            matches!(c.status, CheckStatus::Warn | CheckStatus::Fail),
            "{}: {c:#?}",
            c.id
        );
    }
    report
}

/// Check `id` of `report`; panics with the report when it is missing.
pub fn check<'a>(report: &'a CheckReport, id: &str) -> &'a CheckResult {
    report
        .get(id)
        .unwrap_or_else(|| panic!("no {id} in {report:#?}"))
}

pub fn status(report: &CheckReport, id: &str) -> CheckStatus {
    check(report, id).status
}

pub fn detail<'a>(report: &'a CheckReport, id: &str) -> &'a str {
    &check(report, id).detail
}

/// Check `id`'s remediation; panics when it has none.
pub fn remediation<'a>(report: &'a CheckReport, id: &str) -> &'a str {
    check(report, id)
        .remediation
        .as_deref()
        .unwrap_or_else(|| panic!("{id} has no remediation: {report:#?}"))
}
