//! How often the window repaints for the backend's periodic news. A running pipeline sends 4
//! snapshots a second (and its load events); while the user works in the window each one is
//! shown at once, but a monitor left open and untouched shows them once a second, and once every
//! two seconds while another window has the focus. Every frame costs a layout, a GL draw and a
//! copy to the display server (and, without a GPU, a software rasterizer's pass over the whole
//! window), so an unwatched monitor should not draw 4 a second. Replies the user waits for
//! (checks, saves, start, stop) always repaint at once, and any input (focusing the window
//! included) makes the window lively again in the same frame.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// No input for this long: the window counts as unwatched.
pub const UNWATCHED_AFTER_S: f64 = 5.0;
/// While unwatched and focused, snapshots and events are shown this often.
pub const UNWATCHED_FRAME_MS: u64 = 1000;
/// While unwatched and another window has the focus (or, as under Xvfb without a window manager,
/// none does), this often: like a browser's background tab.
pub const UNFOCUSED_FRAME_MS: u64 = 2000;

/// Why the backend wakes the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// A reply the user is waiting for: repaint now.
    Reply,
    /// Periodic news (a snapshot, an engine event): may wait for the next paced frame.
    News,
}

/// Shared between the window (which says whether it is watched) and the backend's wake callback:
/// clones share the pace; only the window's own copy calls [`FramePace::observe`].
#[derive(Clone, Default)]
pub struct FramePace {
    /// How long news may wait for a frame, in milliseconds; 0 while the window is watched.
    news_wait_ms: Arc<AtomicU64>,
    /// `egui`'s input time of the last input event seen, in seconds.
    last_input_s: Option<f64>,
}

impl FramePace {
    /// Asks `ctx` for the frame that shows what woke it.
    pub fn wake(&self, ctx: &egui::Context, wake: Wake) {
        match (wake, self.news_wait_ms()) {
            (Wake::News, wait_ms) if wait_ms > 0 => {
                ctx.request_repaint_after(Duration::from_millis(wait_ms))
            }
            _ => ctx.request_repaint(),
        }
    }

    /// How long periodic news may wait for a frame, in milliseconds (0: none).
    pub fn news_wait_ms(&self) -> u64 {
        self.news_wait_ms.load(Ordering::Relaxed)
    }

    /// Called once per frame: any input event (pointer, keys, focus, resize) means the user is
    /// there.
    pub fn observe(&mut self, ctx: &egui::Context) {
        let (now_s, had_input, focused) = ctx.input(|i| (i.time, !i.events.is_empty(), i.focused));
        if had_input || self.last_input_s.is_none() {
            self.last_input_s = Some(now_s);
        }
        let idle_s = now_s - self.last_input_s.unwrap_or(now_s);
        let wait_ms = if idle_s < UNWATCHED_AFTER_S {
            0
        } else if focused {
            UNWATCHED_FRAME_MS
        } else {
            UNFOCUSED_FRAME_MS
        };
        self.news_wait_ms.store(wait_ms, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(ctx: &egui::Context, pace: &mut FramePace, time: f64, events: Vec<egui::Event>) {
        frame_with_focus(ctx, pace, time, events, true)
    }

    fn frame_with_focus(
        ctx: &egui::Context,
        pace: &mut FramePace,
        time: f64,
        events: Vec<egui::Event>,
        focused: bool,
    ) {
        let input = egui::RawInput {
            time: Some(time),
            events,
            focused,
            ..Default::default()
        };
        let mut output = ctx.run_ui(input, |ui| pace.observe(ui.ctx()));
        output.textures_delta.clear();
    }

    #[test]
    fn news_waits_only_while_no_input_came_for_a_while() {
        let ctx = egui::Context::default();
        let mut pace = FramePace::default();
        let shared = pace.clone();
        frame(&ctx, &mut pace, 0.0, vec![]);
        assert_eq!(shared.news_wait_ms(), 0, "a fresh window is watched");
        frame(&ctx, &mut pace, UNWATCHED_AFTER_S - 0.1, vec![]);
        assert_eq!(shared.news_wait_ms(), 0);
        frame(&ctx, &mut pace, UNWATCHED_AFTER_S + 0.1, vec![]);
        assert!(
            shared.news_wait_ms() > 0,
            "no input for {UNWATCHED_AFTER_S} s"
        );
        frame(
            &ctx,
            &mut pace,
            UNWATCHED_AFTER_S + 0.2,
            vec![egui::Event::PointerMoved(egui::pos2(10.0, 10.0))],
        );
        assert_eq!(shared.news_wait_ms(), 0, "the pointer moved");
    }

    #[test]
    fn an_unfocused_window_waits_longer_once_unwatched() {
        let ctx = egui::Context::default();
        let mut pace = FramePace::default();
        let shared = pace.clone();
        frame_with_focus(&ctx, &mut pace, 0.0, vec![], false);
        assert_eq!(
            shared.news_wait_ms(),
            0,
            "a fresh window shows news at once"
        );
        frame_with_focus(&ctx, &mut pace, UNWATCHED_AFTER_S + 0.1, vec![], true);
        assert_eq!(
            shared.news_wait_ms(),
            UNWATCHED_FRAME_MS,
            "focused, untouched"
        );
        frame_with_focus(&ctx, &mut pace, UNWATCHED_AFTER_S + 0.2, vec![], false);
        assert_eq!(
            shared.news_wait_ms(),
            UNFOCUSED_FRAME_MS,
            "another window has the focus"
        );
        frame_with_focus(
            &ctx,
            &mut pace,
            UNWATCHED_AFTER_S + 0.3,
            vec![egui::Event::WindowFocused(true)],
            true,
        );
        assert_eq!(shared.news_wait_ms(), 0, "focusing the window is input");
    }
}
