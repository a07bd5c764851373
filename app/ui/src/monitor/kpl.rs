//! The KPL notice: KPL sub-records outside their shard's hash-key range, what they mean, and
//! whether they are kept (the default: shown once, until dismissed) or dropped (always shown).

use super::{Monitor, thousands};

/// Label of the button that dismisses the "kept" notice.
pub const GOT_IT: &str = "Got it";

/// The notice's heading while such records are kept.
pub const KEPT_HEADING: &str = "KPL records outside their shard: kept, nothing dropped";
/// The notice's heading while they are dropped (`kpl-out-of-range = "drop"`).
pub const DROPPED_HEADING: &str = "KPL records outside their shard are being DROPPED";

pub fn ui(ui: &mut egui::Ui, m: &mut Monitor) {
    let Some(s) = &m.snapshot else { return };
    let (count, dropped) = (s.totals.kpl_out_of_range, s.totals.kpl_dropped);
    if s.kpl_drops_out_of_range {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(
                egui::RichText::new(DROPPED_HEADING)
                    .strong()
                    .color(ui.visuals().warn_fg_color),
            );
            ui.add(
                egui::Label::new(format!(
                    "The config sets kpl-out-of-range = \"drop\" (KCL's rule): KPL sub-records \
                     whose partition key hashes outside the shard they arrived in are not loaded. \
                     {} dropped so far in this run. An aggregate lands in exactly one shard, so \
                     these records exist nowhere else in the stream; remove the key from the \
                     config to keep them.",
                    thousands(dropped)
                ))
                .wrap(),
            );
        });
        ui.add_space(6.0);
    } else if count > 0 && !m.kpl_notice_dismissed {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.label(egui::RichText::new(KEPT_HEADING).strong());
            ui.add(
                egui::Label::new(format!(
                    "{} records arrived inside KPL aggregates whose partition keys hash outside \
                     the shard the aggregate landed in. Your producer packs records of any key \
                     into one aggregate (as the kinesis-aggregation libraries do, common in Lambda \
                     functions). An aggregate lands in exactly one shard, so these records exist \
                     nowhere else: they are kept and loaded like any other. KCL and the older \
                     Flink consumer drop them; this pipeline does not. The count stays in the \
                     shards table.",
                    thousands(count)
                ))
                .wrap(),
            );
            if ui.button(GOT_IT).clicked() {
                m.kpl_notice_dismissed = true;
            }
        });
        ui.add_space(6.0);
    }
}
