//! The check list while a run goes on: the check that is running has its own row (spinner, title,
//! "running…") until its result lands in its place.

use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use ks_core::check::{CheckGroup, CheckResult};
use ks_ui::protocol::{BackendLink, Request};
use ks_ui::wizard::checks::{CheckRun, RUNNING};
use ks_ui::wizard::protocol::WizardReply;
use std::sync::mpsc::sync_channel;

#[test]
fn the_running_check_has_its_own_row_until_it_lands() {
    let (req_tx, requests) = sync_channel(ks_ui::protocol::REQUEST_QUEUE);
    let backend = BackendLink::new(req_tx);
    let mut run = CheckRun::default();
    let config = ks_ui::import::from_kda_properties(r#"{"jdbc-url": "jdbc:mysql://h:9030"}"#)
        .unwrap()
        .config;
    run.start(&backend, config, None, vec![CheckGroup::Cluster], 1);
    let Ok(Request::Wizard { ticket, .. }) = requests.try_recv() else {
        panic!("RunChecks was not sent");
    };
    let mut harness = Harness::new_ui_state(
        |ui, run: &mut CheckRun| {
            run.ui(ui);
        },
        run,
    );
    let begun = |id: &str, title: &str| WizardReply::CheckBegun {
        id: id.into(),
        title: title.into(),
    };
    assert!(
        harness
            .state_mut()
            .on_reply(ticket, &begun("cluster.dns", "DNS of h"))
    );
    harness.run_steps(2);
    harness.get_by_label("DNS of h");
    harness.get_by_label(RUNNING);

    let landed = CheckResult::pass(
        CheckGroup::Cluster,
        "cluster.dns",
        "DNS of h",
        "h → 10.0.0.1",
    );
    assert!(
        harness
            .state_mut()
            .on_reply(ticket, &WizardReply::CheckLanded(landed))
    );
    assert!(
        harness
            .state_mut()
            .on_reply(ticket, &begun("cluster.tcp", "TCP to h:9030"))
    );
    harness.run_steps(2);
    harness.get_by_label("h → 10.0.0.1");
    harness.get_by_label("TCP to h:9030");
    assert_eq!(
        harness.query_all_by_label(RUNNING).count(),
        1,
        "only the running check shows it"
    );
    // A reply to another run changes nothing.
    assert!(
        !harness
            .state_mut()
            .on_reply(ticket + 1, &begun("cluster.tls", "TLS"))
    );
}
