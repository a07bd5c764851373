//! The backend: a tokio runtime on its own thread. It receives `ks_ui::protocol::Request`s, does
//! the I/O (preflight checks, engine start/stop) and queues `Reply`s, waking the UI after each.
//! Placeholder until the GUI issue's backend lands.

pub mod wizard;
