//! Answers the wizard's requests (`ks_ui::protocol::WizardRequest`) by calling ks-preflight: the
//! Cluster and AWS & network steps' here, the Stream and Table steps' in `wizard_table.rs`.
//! Check results are sent one by one as they land (the UI turns a spinner into a mark), then the
//! whole report.

use super::wizard_table::{self, preflight_ctx};
use super::{BackendCtx, ReplySender};
use ks_core::check::{CheckGroup, CheckResult, CheckStatus};
use ks_preflight::{aws, network};
use ks_ui::protocol::{BackendError, Reply, Ticket};
use ks_ui::wizard::protocol::{CallerIdentity, WizardReply, WizardRequest};

/// Answers one wizard request; every answer carries `ticket`.
pub async fn handle(ctx: &BackendCtx, ticket: Ticket, request: WizardRequest, reply: &ReplySender) {
    let send = |r: WizardReply| reply.send(Reply::Wizard { ticket, reply: r });
    if wizard_table::handles(&request) {
        wizard_table::handle(ctx, ticket, request, reply).await;
        return;
    }
    match request {
        WizardRequest::RunChecks {
            config,
            password,
            groups,
        } => {
            let no_stream = config.source.stream_name.trim().is_empty();
            let pctx = preflight_ctx(ctx, *config, password);
            let landed = reply.clone();
            let mut on_result = move |r: &CheckResult| {
                landed.send(Reply::Wizard {
                    ticket,
                    reply: WizardReply::CheckLanded(adjust(r, no_stream)),
                });
            };
            let begun = reply.clone();
            let mut on_begin = move |id: &str, title: &str| {
                begun.send(Reply::Wizard {
                    ticket,
                    reply: WizardReply::CheckBegun {
                        id: id.to_string(),
                        title: title.to_string(),
                    },
                });
            };
            let mut report =
                ks_preflight::run_observed(&pctx, &groups, &mut on_begin, &mut on_result).await;
            for r in &mut report.checks {
                *r = adjust(r, no_stream);
            }
            send(WizardReply::ChecksDone(report));
        }
        WizardRequest::Profiles => {
            let result = tokio::task::spawn_blocking(aws::list_profiles)
                .await
                .map_err(|e| format!("reading the AWS config files failed: {e}"));
            send(WizardReply::Profiles(result));
        }
        WizardRequest::WhoAmI { config } => {
            let pctx = preflight_ctx(ctx, *config, None);
            let result = aws::who_am_i(&pctx)
                .await
                .map(|id| CallerIdentity {
                    account: id.account,
                    arn: id.arn,
                    user_id: id.user_id,
                    source: Some(id.credential_source).filter(|s| !s.is_empty()),
                })
                .map_err(|e| e.to_string());
            send(WizardReply::Identity(result));
        }
        WizardRequest::ApplyIngressRule { config, rule } => {
            let pctx = preflight_ctx(ctx, *config, None);
            tracing::info!("adding the inbound rule the user confirmed: {rule}");
            let result = network::apply_fix(&pctx, &rule)
                .await
                .map(|()| rule.to_string())
                .map_err(|e| e.to_string());
            send(WizardReply::IngressRuleApplied(result));
        }
        other => {
            // A variant added to the protocol without a handler: say so rather than hang.
            reply.send(Reply::Error(BackendError::Unanswered(format!(
                "no backend handler for {other:?}"
            ))));
        }
    }
}

/// The AWS & network step runs before a stream is chosen: the stream checks then say so (the
/// Stream step lists and samples the streams these credentials can see) instead of failing on an
/// empty name.
fn adjust(r: &CheckResult, no_stream: bool) -> CheckResult {
    if no_stream
        && r.group == CheckGroup::Aws
        && [
            aws::ID_STREAM,
            aws::ID_LOAD_FREQUENCY,
            aws::ID_READ_PERMISSION,
        ]
        .contains(&r.id.as_str())
    {
        return CheckResult {
            status: CheckStatus::Skipped,
            detail: "no stream chosen yet: the Stream step lists the streams these credentials \
                     can see and reads samples from the one you pick"
                .into(),
            remediation: None,
            fix: None,
            ..r.clone()
        };
    }
    r.clone()
}
