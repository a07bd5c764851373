//! The wizard resumed from a saved draft, at the window's default size (1100 × 720): long text
//! wraps inside the window instead of running off its edge, and a setting in use is never hidden
//! behind an unticked "Advanced" box. The test holds the backend's end of the link.

use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use ks_tests::kittest::themed;
use ks_ui::KsApp;
use ks_ui::protocol::{BackendLink, Reply, Request, SaveInfo};
use ks_ui::settings::Settings;
use ks_ui::wizard::{Draft, Step, WizardDraft};
use std::collections::BTreeMap;
use std::sync::mpsc::{Receiver, Sender, channel, sync_channel};

/// The window's default inner size (gui.rs).
const WIDTH: f32 = 1100.0;
const HEIGHT: f32 = 720.0;

const LONG_COLUMNS: &str = "id, event_time_src, ticker_src, price_src, volume_src, exchange_src, \
currency_src, event_time=from_unixtime(event_time_src/1000), ticker=trim(ticker_src), \
price=cast(price_src as DECIMAL(18,4)), volume=cast(volume_src as BIGINT), \
exchange=upper(exchange_src), currency=upper(currency_src)";

const KEYRING_WARNING: &str = "the password could not be stored in the OS keyring (Platform \
secure storage failure: DBus error: Using X11 for dbus-daemon autolaunch was disabled at compile \
time, set your DBUS_SESSION_BUS_ADDRESS instead: no D-Bus session bus is running); it is kept in \
memory for this session only: set STARROCKS_PASSWORD or password-file for `run`";

fn app() -> (Harness<'static, KsApp>, Receiver<Request>, Sender<Reply>) {
    let (req_tx, requests) = sync_channel(ks_ui::protocol::REQUEST_QUEUE);
    let (replies, reply_rx) = channel();
    let draft = Draft {
        name: "stock".into(),
        host: "fe.example.com".into(),
        query_port: "9030".into(),
        load_url: "https://fe.example.com".into(),
        username: "admin".into(),
        region: "us-east-1".into(),
        endpoint_url: "http://127.0.0.1:4567".into(),
        stream: "ExampleInputStream".into(),
        database: "example_db".into(),
        table: "stock".into(),
        properties: BTreeMap::from([
            ("format".to_string(), "json".to_string()),
            ("columns".to_string(), LONG_COLUMNS.to_string()),
        ]),
        ..Draft::default()
    };
    let settings = Settings {
        wizard_draft: Some(WizardDraft {
            draft,
            completed: BTreeMap::new(),
        }),
        ..Default::default()
    };
    let app = KsApp::new(BackendLink::new(req_tx), reply_rx, settings);
    let harness = Harness::builder()
        .with_size(egui::vec2(WIDTH, HEIGHT))
        .build_ui_state(
            themed(ks_ui::theme::install, |ui, app: &mut KsApp| {
                app.logic(ui.ctx());
                app.ui(ui);
            }),
            app,
        );
    (harness, requests, replies)
}

fn go_to(h: &mut Harness<'_, KsApp>, step: Step) {
    h.state_mut()
        .wizard
        .as_mut()
        .expect("the resumed wizard")
        .go_to(step);
    h.run_steps(3);
}

/// Every text on screen that runs past the window's right edge.
fn clipped(h: &Harness<'_, KsApp>) -> Vec<String> {
    h.query_all(egui_kittest::kittest::by())
        .filter_map(|n| {
            let text = n.accesskit_node().label().or_else(|| n.value())?;
            (!text.is_empty() && n.rect().max.x > WIDTH + 0.5)
                .then(|| format!("{text:?} ends at x = {:.0}", n.rect().max.x))
        })
        .collect()
}

#[test]
fn an_endpoint_url_in_use_keeps_advanced_open_and_ticked() {
    let (mut h, _requests, _replies) = app();
    go_to(&mut h, Step::Aws);
    let advanced = h.get_by_label("Advanced");
    assert_eq!(
        advanced.accesskit_node().toggled(),
        Some(egui::accesskit::Toggled::True),
        "the box says the advanced settings are open"
    );
    assert_eq!(
        h.get_by_label("Endpoint URL").value().as_deref(),
        Some("http://127.0.0.1:4567")
    );
    assert!(clipped(&h).is_empty(), "{:#?}", clipped(&h));
}

#[test]
fn long_text_wraps_at_the_default_window_size() {
    let (mut h, _requests, replies) = app();
    go_to(&mut h, Step::Review);
    assert!(
        h.query_all_by_label_contains("event_time=from_unixtime")
            .next()
            .is_some()
    );
    assert!(clipped(&h).is_empty(), "{:#?}", clipped(&h));

    // A save whose password could not go to the keyring: the warning is shown in full.
    replies
        .send(Reply::Saved {
            ticket: 0,
            name: "stock".into(),
            result: Ok(SaveInfo {
                path: "/home/user/.config/kinesis-starrocks/pipelines/stock.toml".into(),
                keyring_warning: Some(KEYRING_WARNING.into()),
            }),
        })
        .unwrap();
    h.run_steps(3);
    assert!(
        h.query_all_by_label_contains("no D-Bus session bus is running")
            .next()
            .is_some()
    );
    assert!(clipped(&h).is_empty(), "{:#?}", clipped(&h));
}
