//! Step 3, Stream: pick the stream (listed from the backend, filterable), the start position
//! (LATEST / TRIM_HORIZON / AT_TIMESTAMP with an RFC 3339 field validated as you type), and a
//! "Sample" table of records. The samples go into the draft for the Table step.
//!
//! Labels the tests drive: "Refresh streams", "Filter streams", each stream's name, the
//! positions "LATEST" / "TRIM_HORIZON" / "AT_TIMESTAMP", "Start timestamp (RFC 3339)",
//! "Sample from", "Sample"; the reader choice's in `stream_reader.rs`.

#[path = "stream_reader.rs"]
pub mod stream_reader;

use super::call::Call;
use super::protocol::{SampleFrom, StreamInfo, WizardReply, WizardRequest};
use super::{Draft, Gate};
use crate::protocol::{BackendLink, Ticket};
use ks_core::InitialPosition;
use ks_core::sample::SampledRecord;

/// How many records a Sample asks for.
pub const SAMPLE_COUNT: usize = 20;

/// Where the Sample button reads from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SampleChoice {
    /// The oldest records still kept (there is something to see on a quiet stream).
    #[default]
    Oldest,
    /// Records that arrive in the next seconds.
    New,
    /// From the AT_TIMESTAMP start position.
    StartTimestamp,
}

impl SampleChoice {
    fn text(self) -> &'static str {
        match self {
            SampleChoice::Oldest => "oldest kept records",
            SampleChoice::New => "new records (waits 5 s)",
            SampleChoice::StartTimestamp => "the start timestamp",
        }
    }
}

#[derive(Default)]
pub struct StreamStep {
    streams: Call<Vec<StreamInfo>>,
    /// The endpoint/region/profile the list was asked for (asked again when they change).
    listed_for: Option<(String, String, String)>,
    filter: String,
    sample_from: SampleChoice,
    sample_ticket: Option<Ticket>,
    /// The stream the pending Sample reads.
    sample_for: String,
    sample_error: Option<String>,
    /// Row of the sample table whose record is shown in full.
    selected_sample: Option<usize>,
    /// The stream the draft's samples came from.
    sampled_stream: Option<String>,
    /// Polling or enhanced fan-out.
    reader: stream_reader::ReaderPart,
}

/// RFC 3339 check for the AT_TIMESTAMP field: `None` when it parses.
pub fn timestamp_error(text: &str) -> Option<String> {
    let t = text.trim();
    if t.is_empty() {
        return Some("type a date and time such as 2026-11-25T00:00:00Z".into());
    }
    match chrono::DateTime::parse_from_rfc3339(t) {
        Ok(_) => None,
        Err(e) => Some(format!(
            "not an RFC 3339 timestamp ({e}): write it like 2026-11-25T00:00:00Z or 2026-11-25T01:00:00+01:00"
        )),
    }
}

/// `…` + the last 10 digits of a sequence number (they are up to 56 digits long).
pub fn abbreviate_sequence(seq: &str) -> String {
    let n = seq.chars().count();
    if n <= 12 {
        seq.to_string()
    } else {
        format!("…{}", seq.chars().skip(n - 10).collect::<String>())
    }
}

impl StreamStep {
    pub fn ui(&mut self, ui: &mut egui::Ui, draft: &mut Draft, backend: &BackendLink) {
        let config = draft.build_config();
        let target = (
            config.source.endpoint_url.clone().unwrap_or_default(),
            config.source.region.clone().unwrap_or_default(),
            config.source.profile.clone().unwrap_or_default(),
        );
        // Listed once per AWS target, without a click: the step opens with its streams.
        if !self.streams.pending() && self.listed_for.as_ref() != Some(&target) {
            self.request_list(draft, backend, target);
        }

        ui.horizontal(|ui| {
            let label = ui.label("Filter streams");
            ui.add(egui::TextEdit::singleline(&mut self.filter).desired_width(200.0))
                .labelled_by(label.id);
            if ui.button("Refresh streams").clicked() {
                let t = self.listed_for.clone().unwrap_or_default();
                self.request_list(draft, backend, t);
            }
            if self.streams.pending() {
                ui.spinner();
            }
        });
        self.stream_table(ui, draft);

        ui.horizontal(|ui| {
            let label = ui.label("Stream name");
            ui.add(egui::TextEdit::singleline(&mut draft.stream).desired_width(320.0))
                .labelled_by(label.id);
        });
        if draft.stream.trim().is_empty() {
            super::fields::error_line(ui, Some("choose a stream above or type its name or ARN"));
        }
        // Samples of another stream would mislead the Table step.
        if self
            .sampled_stream
            .as_deref()
            .is_some_and(|s| s != draft.stream.trim())
        {
            draft.samples.clear();
            self.sampled_stream = None;
            self.selected_sample = None;
        }

        ui.add_space(8.0);
        ui.strong("Start position");
        ui.horizontal(|ui| {
            for (pos, text) in [
                (InitialPosition::Latest, "LATEST"),
                (InitialPosition::TrimHorizon, "TRIM_HORIZON"),
                (InitialPosition::AtTimestamp, "AT_TIMESTAMP"),
            ] {
                ui.radio_value(&mut draft.initial_position, pos, text);
            }
        });
        ui.label(
            egui::RichText::new(match draft.initial_position {
                InitialPosition::Latest => "Only records that arrive after the first start.",
                InitialPosition::TrimHorizon => {
                    "Every record the stream still keeps, oldest first (a catch-up)."
                }
                InitialPosition::AtTimestamp => "Records that arrived at or after this time.",
            })
            .weak(),
        );
        if draft.initial_position == InitialPosition::AtTimestamp {
            ui.horizontal(|ui| {
                let label = ui.label("Start timestamp (RFC 3339)");
                ui.add(
                    egui::TextEdit::singleline(&mut draft.initial_timestamp)
                        .hint_text("2026-11-25T00:00:00Z")
                        .desired_width(240.0),
                )
                .labelled_by(label.id);
            });
            super::fields::error_line(ui, timestamp_error(&draft.initial_timestamp).as_deref());
        }

        ui.add_space(8.0);
        let shards = match self.streams.answer() {
            Some(Ok(streams)) => streams
                .iter()
                .find(|s| draft.stream.trim() == s.name || draft.stream.trim() == s.arn)
                .map(|s| s.shards),
            _ => None,
        };
        self.reader.ui(ui, draft, shards, backend);

        ui.add_space(8.0);
        ui.strong("Sample records");
        ui.horizontal(|ui| {
            let ts_ok = draft.initial_position == InitialPosition::AtTimestamp
                && timestamp_error(&draft.initial_timestamp).is_none();
            if self.sample_from == SampleChoice::StartTimestamp && !ts_ok {
                self.sample_from = SampleChoice::Oldest;
            }
            egui::ComboBox::from_label("Sample from")
                .selected_text(self.sample_from.text())
                .show_ui(ui, |ui| {
                    ui.selectable_value(
                        &mut self.sample_from,
                        SampleChoice::Oldest,
                        SampleChoice::Oldest.text(),
                    );
                    ui.selectable_value(
                        &mut self.sample_from,
                        SampleChoice::New,
                        SampleChoice::New.text(),
                    );
                    if ts_ok {
                        ui.selectable_value(
                            &mut self.sample_from,
                            SampleChoice::StartTimestamp,
                            SampleChoice::StartTimestamp.text(),
                        );
                    }
                });
            let can = !draft.stream.trim().is_empty() && self.sample_ticket.is_none();
            if ui.add_enabled(can, egui::Button::new("Sample")).clicked() {
                let from = match self.sample_from {
                    SampleChoice::Oldest => SampleFrom::TrimHorizon,
                    SampleChoice::New => SampleFrom::Latest,
                    SampleChoice::StartTimestamp => draft
                        .build_config()
                        .source
                        .initial_timestamp
                        .map(SampleFrom::AtTimestamp)
                        .unwrap_or(SampleFrom::TrimHorizon),
                };
                self.sample_error = None;
                self.sample_for = draft.stream.trim().to_string();
                self.sample_ticket = Some(backend.wizard(WizardRequest::Sample {
                    config: Box::new(draft.build_config()),
                    count: SAMPLE_COUNT,
                    from,
                }));
            }
            if self.sample_ticket.is_some() {
                ui.spinner();
                ui.label("reading the stream…");
            }
        });
        if let Some(e) = &self.sample_error {
            super::fields::copyable(ui, e, "Copy sample error");
        }
        self.sample_table(ui, &draft.samples);
    }

    fn request_list(
        &mut self,
        draft: &Draft,
        backend: &BackendLink,
        target: (String, String, String),
    ) {
        self.listed_for = Some(target);
        self.streams
            .sent(backend.wizard(WizardRequest::ListStreams {
                config: Box::new(draft.build_config()),
            }));
    }

    fn stream_table(&mut self, ui: &mut egui::Ui, draft: &mut Draft) {
        match self.streams.answer() {
            None => {
                ui.label(egui::RichText::new("Asking Kinesis for the streams…").weak());
            }
            Some(Err(e)) => {
                super::fields::copyable(ui, &format!("Cannot list streams: {e}"), "Copy");
            }
            Some(Ok(streams)) if streams.is_empty() => {
                ui.label("No stream in this region (or none this identity may list).");
            }
            Some(Ok(streams)) => {
                let filter = self.filter.trim().to_lowercase();
                egui::Grid::new("stream_list")
                    .striped(true)
                    .num_columns(5)
                    .show(ui, |ui| {
                        for h in ["Stream", "Status", "Shards", "Mode", "Retention"] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        for s in streams.iter().filter(|s| {
                            filter.is_empty() || s.name.to_lowercase().contains(&filter)
                        }) {
                            let chosen =
                                draft.stream.trim() == s.name || draft.stream.trim() == s.arn;
                            if ui.selectable_label(chosen, &s.name).clicked() {
                                draft.stream = s.name.clone();
                            }
                            let status = egui::RichText::new(&s.status);
                            ui.label(if s.status == "ACTIVE" {
                                status
                            } else {
                                status.color(super::checks::warn_color(ui))
                            });
                            ui.label(s.shards.to_string());
                            ui.label(&s.mode);
                            ui.label(format!("{} h", s.retention_hours));
                            ui.end_row();
                        }
                    });
            }
        }
    }

    fn sample_table(&mut self, ui: &mut egui::Ui, samples: &[SampledRecord]) {
        if samples.is_empty() {
            return;
        }
        ui.label(format!("{} records", samples.len()));
        egui::ScrollArea::horizontal()
            .id_salt("sample_scroll")
            .show(ui, |ui| {
                egui::Grid::new("sample_table")
                    .striped(true)
                    .num_columns(3)
                    .show(ui, |ui| {
                        for h in ["Shard", "Sequence", "Record"] {
                            ui.strong(h);
                        }
                        ui.end_row();
                        for (i, r) in samples.iter().enumerate() {
                            ui.label(&r.shard);
                            ui.label(abbreviate_sequence(&r.sequence))
                                .on_hover_text(r.position());
                            let text = r.display();
                            let short: String = text.chars().take(120).collect();
                            let shown = if short.len() < text.len() {
                                format!("{short}…")
                            } else {
                                short
                            };
                            if ui
                                .selectable_label(self.selected_sample == Some(i), shown)
                                .clicked()
                            {
                                self.selected_sample =
                                    (self.selected_sample != Some(i)).then_some(i);
                            }
                            ui.end_row();
                        }
                    });
            });
        if let Some(r) = self.selected_sample.and_then(|i| samples.get(i)) {
            ui.label(format!("Record at {}", r.position()));
            let mut text = match r.json() {
                Some(v) => serde_json::to_string_pretty(&v).unwrap_or_else(|_| r.display()),
                None => r.display(),
            };
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .code_editor()
                    .desired_rows(4)
                    .desired_width(f32::INFINITY),
            )
            .on_hover_text("The selected record (read-only)");
        }
    }

    /// True when the reply answered one of this step's requests.
    pub fn on_reply(&mut self, ticket: Ticket, reply: &WizardReply, draft: &mut Draft) -> bool {
        if self.reader.on_reply(ticket, reply) {
            return true;
        }
        match reply {
            WizardReply::Streams(result) => self.streams.settle(ticket, result),
            WizardReply::Samples(result) if self.sample_ticket == Some(ticket) => {
                self.sample_ticket = None;
                match result {
                    Ok(records) if records.is_empty() => {
                        self.sample_error = Some(format!(
                            "no records in {} from the {}: produce some, or sample from another position",
                            draft.stream.trim(),
                            self.sample_from.text()
                        ));
                    }
                    // The user picked another stream meanwhile: these are not its records.
                    Ok(_) if self.sample_for != draft.stream.trim() => {}
                    Ok(records) => {
                        draft.samples = records.clone();
                        self.sampled_stream = Some(self.sample_for.clone());
                        self.selected_sample = None;
                    }
                    Err(e) => self.sample_error = Some(e.clone()),
                }
                true
            }
            _ => false,
        }
    }

    /// Next is enabled: a stream is named and an AT_TIMESTAMP start has a valid time.
    pub fn complete(&self, draft: &Draft) -> bool {
        !draft.stream.trim().is_empty()
            && (draft.initial_position != InitialPosition::AtTimestamp
                || timestamp_error(&draft.initial_timestamp).is_none())
    }

    /// Next's state with the reason when blocked.
    pub fn gate(&self, draft: &Draft) -> Gate {
        if draft.stream.trim().is_empty() {
            Gate::Blocked("choose a stream".into())
        } else if !self.complete(draft) {
            Gate::Blocked("the start timestamp is not valid".into())
        } else {
            Gate::Ready
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_checked_as_typed() {
        assert_eq!(timestamp_error("2026-11-25T00:00:00Z"), None);
        assert_eq!(timestamp_error(" 2026-11-25T01:00:00+01:00 "), None);
        assert!(timestamp_error("").unwrap().contains("type a date"));
        assert!(
            timestamp_error("2026-11-25 00:00")
                .unwrap()
                .contains("not an RFC 3339 timestamp")
        );
    }

    #[test]
    fn long_sequences_keep_their_tail() {
        assert_eq!(abbreviate_sequence("12345"), "12345");
        let seq = "49651234567890123456789012345678901234567890123456789012";
        assert_eq!(abbreviate_sequence(seq), "…3456789012");
    }
}
