//! The plots: records/s, MB/s, lag (the largest MillisBehindLatest) and load latency over a
//! chosen window (1, 5 or 15 minutes). Each y-axis fits the points in the window, so a backlog's
//! spike stops flattening the steady rate once it has scrolled out.

use super::{HISTORY_S, Monitor, Rate};
use egui_plot::{Corner, Legend, Line, Plot, PlotPoints, Points, uniform_grid_spacer};

/// The window the monitor opens with.
pub const DEFAULT_WINDOW_S: f64 = 5.0 * 60.0;
/// The windows to choose from: (seconds, label).
pub const WINDOWS: [(f64, &str); 3] = [
    (60.0, "1 min"),
    (DEFAULT_WINDOW_S, "5 min"),
    (HISTORY_S, "15 min"),
];

/// The points of `rates` inside the last `window_s` seconds, as (seconds ago, value).
pub fn visible(
    rates: &[Rate],
    window_s: f64,
    value: impl Fn(&Rate) -> Option<f64>,
) -> Vec<[f64; 2]> {
    let now = rates.last().map_or(0.0, |r| r.t_s);
    rates
        .iter()
        .filter(|r| now - r.t_s <= window_s)
        .filter_map(|r| value(r).map(|v| [r.t_s - now, v]))
        .collect()
}

pub fn ui(ui: &mut egui::Ui, m: &mut Monitor) {
    ui.horizontal(|ui| {
        ui.label(egui::RichText::new("Throughput, lag and load latency").strong());
        for (seconds, label) in WINDOWS {
            ui.selectable_value(&mut m.plot_window_s, seconds, label);
        }
    });
    let rates: Vec<Rate> = m.rates.iter().copied().collect();
    let window = m.plot_window_s;
    let height = 120.0;
    let plot = |id: &str, name: &str| {
        Plot::new((id.to_string(), name.to_string()))
            .height(height)
            // Top left, over the oldest points: top right hid the newest ones of a steady rate.
            .legend(Legend::default().position(Corner::LeftTop))
            .x_axis_label("seconds ago")
            .include_x(-window)
            .include_x(0.0)
            .include_y(0.0)
            // Short tick labels (16k, not 16000) that always have room: a backlog's spike
            // otherwise left its axis with no number but 0.
            .y_axis_formatter(|mark, _| axis_label(mark.value))
            .y_axis_min_width(36.0)
            // Steps of 1, 2 or 5: egui_plot's powers of ten leave an 8,000 peak with no label
            // between 0 and the top on a plot this low (1,000 is too dense, 10,000 off the top).
            .y_grid_spacer(uniform_grid_spacer(|input| {
                let step = nice_step(input.bounds.1 - input.bounds.0, 3.0);
                [step / 10.0, step / 2.0, step]
            }))
            .allow_scroll(false)
            .allow_drag(false)
            .allow_zoom(false)
    };
    let name = m.name.clone();
    ui.columns(2, |cols| {
        let records = visible(&rates, window, |r| Some(r.records_per_s));
        plot("plot-records", &name).show(&mut cols[0], |p| {
            p.line(Line::new("records/s", PlotPoints::from(records)))
        });
        let mb = visible(&rates, window, |r| Some(r.mb_per_s));
        plot("plot-mb", &name).show(&mut cols[1], |p| {
            p.line(Line::new("MB/s", PlotPoints::from(mb)))
        });
    });
    ui.columns(2, |cols| {
        let lag = visible(&rates, window, |r| r.lag_s);
        // A floor of 1 keeps the axis from spreading around zero while nothing lags.
        plot("plot-lag", &name)
            .include_y(1.0)
            .show(&mut cols[0], |p| {
                p.line(Line::new(
                    "lag behind the stream (s)",
                    PlotPoints::from(lag),
                ))
            });
        // One point per confirmed load (loads are seconds apart: a line would invent values).
        let latency = visible(&rates, window, |r| r.load_ms);
        plot("plot-latency", &name)
            .include_y(1.0)
            .show(&mut cols[1], |p| {
                p.points(Points::new("load latency (ms)", PlotPoints::from(latency)).radius(2.5))
            });
    });
}

/// The step of 1, 2 or 5 × 10^k that splits `span` into at most `max_steps` steps.
pub fn nice_step(span: f64, max_steps: f64) -> f64 {
    let raw = span.abs() / max_steps;
    if !raw.is_finite() || raw <= 0.0 {
        return 1.0;
    }
    let power = 10f64.powf(raw.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * power)
        .find(|step| *step >= raw)
        .unwrap_or(10.0 * power)
}

/// A y tick label: `16k`, `2.5k`, `1.2M`, `100`, `0.01`.
pub fn axis_label(value: f64) -> String {
    fn trimmed(v: f64, decimals: usize) -> String {
        let text = format!("{v:.decimals$}");
        if text.contains('.') {
            text.trim_end_matches('0').trim_end_matches('.').to_string()
        } else {
            text
        }
    }
    let a = value.abs();
    if a >= 1e6 {
        format!("{}M", trimmed(value / 1e6, 1))
    } else if a >= 1e3 {
        format!("{}k", trimmed(value / 1e3, 1))
    } else if a >= 1.0 || a == 0.0 {
        trimmed(value, 1)
    } else {
        trimmed(value, 3)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_are_1_2_or_5() {
        assert_eq!(nice_step(8_000.0, 3.0), 5_000.0);
        assert_eq!(nice_step(16_000.0, 3.0), 10_000.0);
        assert_eq!(nice_step(150.0, 3.0), 50.0);
        assert_eq!(nice_step(1.0, 3.0), 0.5);
        assert_eq!(nice_step(0.012, 3.0), 0.005);
        assert_eq!(nice_step(0.0, 3.0), 1.0);
    }

    #[test]
    fn tick_labels_stay_short() {
        assert_eq!(axis_label(16_000.0), "16k");
        assert_eq!(axis_label(2_500.0), "2.5k");
        assert_eq!(axis_label(1_250_000.0), "1.2M");
        assert_eq!(axis_label(100.0), "100");
        assert_eq!(axis_label(0.0), "0");
        assert_eq!(axis_label(0.01), "0.01");
        assert_eq!(axis_label(12.5), "12.5");
    }

    fn rate(t_s: f64, records_per_s: f64) -> Rate {
        Rate {
            t_s,
            records_per_s,
            mb_per_s: records_per_s / 1000.0,
            lag_s: None,
            load_ms: None,
        }
    }

    #[test]
    fn the_window_drops_an_old_spike() {
        // A backlog at 50,000 records/s a quarter of an hour ago, then a steady 200 records/s.
        let mut rates = vec![rate(0.0, 50_000.0), rate(1.0, 48_000.0)];
        rates.extend((0..600).map(|i| rate(300.0 + i as f64, 200.0)));
        let peak = |window| {
            visible(&rates, window, |r| Some(r.records_per_s))
                .iter()
                .map(|p| p[1])
                .fold(0.0, f64::max)
        };
        assert_eq!(peak(60.0), 200.0, "1 min: the steady rate fills the axis");
        assert_eq!(peak(DEFAULT_WINDOW_S), 200.0);
        assert_eq!(peak(HISTORY_S), 50_000.0, "15 min still shows the backlog");
        let last = visible(&rates, 60.0, |r| Some(r.records_per_s));
        assert_eq!(last.len(), 61);
        assert_eq!(last.last().unwrap()[0], 0.0, "x is seconds ago");
    }
}
