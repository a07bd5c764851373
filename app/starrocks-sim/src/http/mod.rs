//! The FE and BE HTTP ports.
//!
//! FE (`--http-port`): Basic auth (401 + `WWW-Authenticate` + RestBaseResult), the
//! `Expect: 100-continue` rule, 307 to the BE without reading the body, the transaction API
//! (redirected to the BE too), `get_load_state`, `_cancel`, `Not implemented` for other `/api/…`,
//! and the `/_sim/…` admin endpoints for fault injection.
//!
//! BE (`--be-port`): Stream Load (labels, formats, conversion, filtering, ErrorURL), the
//! transaction API, and `/api/_load_error_log`.
//!
//! `server` accepts connections and records requests; `fe` and `be` route them; `stream_load`,
//! `transaction` and `admin` handle their endpoints; `auth`, `request` and `response` are the
//! shared helpers.

mod admin;
mod auth;
mod be;
mod fe;
mod request;
mod response;
mod server;
mod stream_load;
mod transaction;

pub use server::{Port, serve};
