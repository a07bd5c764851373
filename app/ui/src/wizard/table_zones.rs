//! The Table step's time zones, shown when the table has a DATETIME column: the zone of the
//! records' date-times that carry none, and the zone the table's DATETIMEs are in (Stream Load's
//! `timezone` property, StarRocks' Asia/Shanghai when unset). The mapping preview proposes the
//! `convert_tz` fix from both and shows the value that lands (`ks_core::schema::zones`).
//!
//! Labels the tests drive: "Zone of date-times without one", "Zone the table's DATETIMEs are in".

use super::Draft;
use ks_core::config::{property, set_property};
use ks_core::schema::{ColumnSpec, ColumnType, parse_type, zones};

pub const NAIVE_ZONE: &str = "Zone of date-times without one";
pub const TABLE_ZONE: &str = "Zone the table's DATETIMEs are in";

pub fn zones_ui(ui: &mut egui::Ui, draft: &mut Draft, columns: &[ColumnSpec]) {
    let has_datetime = columns
        .iter()
        .any(|c| parse_type(&c.sql_type).is_ok_and(|t| t == ColumnType::DateTime));
    if !has_datetime {
        return;
    }
    let table_zone = property(&draft.properties, "timezone")
        .unwrap_or_default()
        .to_string();
    let mut chosen_table = table_zone.clone();
    zone_combo(
        ui,
        TABLE_ZONE,
        &mut chosen_table,
        &format!("{} (StarRocks' default)", zones::STARROCKS_DEFAULT_ZONE),
    );
    zone_combo(ui, NAIVE_ZONE, &mut draft.naive_zone, "the table's zone");
    if chosen_table != table_zone {
        let value = (!chosen_table.is_empty()).then_some(chosen_table);
        set_property(&mut draft.properties, "timezone", value);
    }
    ui.add(
        egui::Label::new(
            egui::RichText::new(
                "DATETIME has no zone: values with Z or ±hh:mm, and values in another zone, are \
                 converted by the fix below (an offset alone would load as NULL).",
            )
            .weak(),
        )
        .wrap(),
    );
}

/// A combo of the common zones; `""` shows `unset`.
fn zone_combo(ui: &mut egui::Ui, label: &str, value: &mut String, unset: &str) {
    let shown = if value.is_empty() {
        unset.to_string()
    } else {
        value.clone()
    };
    egui::ComboBox::from_label(label)
        .selected_text(shown)
        // The whole list at once: no scrolling for the zone you want.
        .height(480.0)
        .show_ui(ui, |ui| {
            ui.selectable_value(value, String::new(), unset);
            for z in zones::COMMON_ZONES {
                ui.selectable_value(value, (*z).to_string(), *z);
            }
            if !value.is_empty() && !zones::COMMON_ZONES.contains(&value.as_str()) {
                let other = value.clone();
                ui.selectable_value(value, other.clone(), other);
            }
        });
}
