//! The Stream step's reader choice: GetRecords polling or enhanced fan-out, what each gives, what
//! enhanced fan-out costs in words (`ks_core::efo`, the same words as `check`), the consumer's
//! lifecycle, and the consumers already registered on the stream.
//!
//! Labels the tests drive: [`POLLING`], [`EFO`], [`DEREGISTER`], [`KEEP`], "Refresh consumers".

use crate::protocol::{BackendLink, Ticket};
use crate::wizard::Draft;
use crate::wizard::call::Call;
use crate::wizard::protocol::{ConsumerInfo, WizardReply, WizardRequest};
use crate::wizard::{checks, fields};

pub const POLLING: &str = "Polling (GetRecords)";
pub const EFO: &str = "Enhanced fan-out";
pub const DEREGISTER: &str = "Deregister the consumer when the pipeline is deleted";
pub const KEEP: &str = "Keep the consumer registered";

#[derive(Default)]
pub struct ReaderPart {
    consumers: Call<Vec<ConsumerInfo>>,
    /// The stream and AWS target the consumers were listed for (listed again when they change).
    listed_for: Option<String>,
}

impl ReaderPart {
    /// `shards`: the chosen stream's open shards, when the stream list knows them.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        draft: &mut Draft,
        shards: Option<usize>,
        backend: &BackendLink,
    ) {
        ui.strong("How the shards are read");
        ui.horizontal(|ui| {
            ui.radio_value(&mut draft.enhanced_fan_out, false, POLLING);
            ui.radio_value(&mut draft.enhanced_fan_out, true, EFO);
        });
        let weak = |ui: &mut egui::Ui, text: &str| {
            ui.add(egui::Label::new(egui::RichText::new(text).weak()).wrap());
        };
        if !draft.enhanced_fan_out {
            weak(ui, ks_core::efo::POLLING);
            return;
        }
        weak(ui, ks_core::efo::BENEFIT);
        ui.add(
            egui::Label::new(
                egui::RichText::new(format!("{}.", ks_core::efo::cost_words(shards)))
                    .color(checks::warn_color(ui)),
            )
            .wrap(),
        );
        let config = draft.build_config();
        let name = config.efo_consumer_name();
        ui.horizontal(|ui| {
            ui.label("Consumer");
            ui.monospace(&name);
            if draft.name.trim().is_empty() {
                ui.label(egui::RichText::new("(named after the pipeline: Review step)").weak());
            }
        });
        ui.horizontal(|ui| {
            ui.radio_value(&mut draft.keep_efo_consumer, false, DEREGISTER);
            ui.radio_value(&mut draft.keep_efo_consumer, true, KEEP);
        });
        weak(
            ui,
            if draft.keep_efo_consumer {
                "It stays registered, and billed, after the pipeline is deleted: deregister it \
                 yourself (aws kinesis deregister-stream-consumer)."
            } else {
                "Deleting the pipeline in this app deregisters it, so no bill outlives the \
                 pipeline. Every start reuses it."
            },
        );
        self.consumer_list(ui, draft, &name, backend);
    }

    fn consumer_list(
        &mut self,
        ui: &mut egui::Ui,
        draft: &Draft,
        name: &str,
        backend: &BackendLink,
    ) {
        let stream = draft.stream.trim();
        if stream.is_empty() {
            return;
        }
        let target = format!(
            "{stream}|{}|{}|{}",
            draft.endpoint_url.trim(),
            draft.region.trim(),
            draft.profile.trim()
        );
        let refresh = ui
            .horizontal(|ui| {
                ui.label(format!("Consumers registered on {stream}"));
                let clicked = ui.button("Refresh consumers").clicked();
                if self.consumers.pending() {
                    ui.spinner();
                }
                clicked
            })
            .inner;
        if refresh || (!self.consumers.pending() && self.listed_for.as_ref() != Some(&target)) {
            self.listed_for = Some(target);
            self.consumers
                .sent(backend.wizard(WizardRequest::ListConsumers {
                    config: Box::new(draft.build_config()),
                }));
        }
        match self.consumers.answer() {
            None => {}
            Some(Err(e)) => {
                fields::copyable(ui, &format!("Cannot list consumers: {e}"), "Copy");
            }
            Some(Ok(list)) if list.is_empty() => {
                ui.label(format!(
                    "None yet: the first start registers {name} and waits until it is ACTIVE."
                ));
            }
            Some(Ok(list)) => {
                egui::Grid::new("consumer_list")
                    .striped(true)
                    .num_columns(4)
                    .show(ui, |ui| {
                        for h in ["Consumer", "Status", "Registered", ""] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        for c in list {
                            ui.label(&c.name);
                            ui.label(&c.status);
                            ui.label(c.registered.as_deref().unwrap_or("—"));
                            ui.label(if c.name == name {
                                "this pipeline's: reused at start"
                            } else {
                                ""
                            });
                            ui.end_row();
                        }
                    });
                if !list.iter().any(|c| c.name == name) {
                    ui.label(format!("The first start registers {name}."));
                }
            }
        }
    }

    /// True when the reply answered this part's request.
    pub fn on_reply(&mut self, ticket: Ticket, reply: &WizardReply) -> bool {
        match reply {
            WizardReply::Consumers { result, .. } => self.consumers.settle(ticket, result),
            _ => false,
        }
    }
}
