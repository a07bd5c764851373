//! Labelled form fields that validate as the user types: the label is tied to the field (so
//! AccessKit and the kittest tests find it by its visible text) and the problem is shown right
//! under it.

use egui::{Response, RichText, Ui};
use ks_core::Secret;

/// Width of the value column.
pub const FIELD_WIDTH: f32 = 360.0;

/// A two-column form row: label, then the field with its error (if any) beneath.
/// `error` is computed from the current value by the caller, so it updates on every keystroke.
pub fn text_row(
    ui: &mut Ui,
    label: &str,
    value: &mut String,
    hint: &str,
    error: Option<&str>,
) -> Response {
    let l = ui.label(label);
    let resp = ui
        .vertical(|ui| {
            let resp = ui
                .add(
                    egui::TextEdit::singleline(value)
                        .hint_text(hint)
                        .desired_width(FIELD_WIDTH),
                )
                .labelled_by(l.id);
            error_line(ui, error);
            resp
        })
        .inner;
    ui.end_row();
    resp
}

/// The first of a step's field errors (`errors` in the order the fields are shown).
pub fn first_error<const N: usize>(errors: [&Option<String>; N]) -> Option<&str> {
    errors.into_iter().flatten().map(String::as_str).next()
}

/// The problem with a field, in the error colour (nothing when `None`).
pub fn error_line(ui: &mut Ui, error: Option<&str>) {
    if let Some(e) = error {
        ui.label(RichText::new(e).color(ui.visuals().error_fg_color).small());
    }
}

/// A masked password field with a "Show password" toggle. `buffer` is the editable text; the
/// secret is refreshed from it when it changes. Returns true when it changed.
pub fn password_row(
    ui: &mut Ui,
    label: &str,
    buffer: &mut String,
    secret: &mut Secret,
    show: &mut bool,
) -> bool {
    let l = ui.label(label);
    let changed = ui
        .horizontal(|ui| {
            let resp = ui
                .add(
                    egui::TextEdit::singleline(buffer)
                        .password(!*show)
                        .desired_width(FIELD_WIDTH - 130.0),
                )
                .labelled_by(l.id);
            ui.checkbox(show, "Show password");
            resp.changed()
        })
        .inner;
    ui.end_row();
    if changed || buffer.as_str() != secret.expose() {
        *secret = Secret::new(buffer.clone());
    }
    changed
}

/// A TCP port, 1–65535.
pub fn parse_port(text: &str) -> Result<u16, String> {
    let t = text.trim();
    if t.is_empty() {
        return Err("required: a port number".into());
    }
    match t.parse::<u32>() {
        Ok(n) if (1..=65535).contains(&n) => Ok(n as u16),
        _ => Err(format!("expected a port between 1 and 65535, got {t:?}")),
    }
}

/// A read-only value the user can select and copy, with a Copy button.
pub fn copyable(ui: &mut Ui, text: &str, copy_label: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.add(egui::Label::new(RichText::new(text).monospace()).selectable(true));
        if ui.small_button(copy_label).clicked() {
            ui.ctx().copy_text(text.to_string());
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports() {
        assert_eq!(parse_port(" 9030 "), Ok(9030));
        assert!(parse_port("").unwrap_err().contains("required"));
        assert!(parse_port("0").unwrap_err().contains("between 1 and 65535"));
        assert!(parse_port("70000").is_err());
        assert!(parse_port("abc").is_err());
    }
}
