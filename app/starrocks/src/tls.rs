//! One rustls crypto provider for the whole process.
//!
//! The workspace enables both of rustls' providers (ring through our own rustls dependency and
//! the `mysql` crate's `rustls-tls-ring`, aws-lc-rs through reqwest and the AWS SDK). With both
//! compiled in, `rustls::ClientConfig::builder()` — which the `mysql` crate calls — panics with
//! "Could not automatically determine the process-level CryptoProvider" unless a process default
//! was installed. reqwest 0.13 uses the installed default when there is one (else aws-lc-rs), so
//! installing ring once, before any client is built, makes every TLS user in the process agree.

use std::sync::Once;

/// Installs ring as the process-level rustls provider (once; a provider installed earlier by
/// someone else is kept). Called by every client constructor in this crate; call it early in a
/// binary too if other code builds rustls configs with `ClientConfig::builder()`.
pub fn ensure_crypto_provider() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        if rustls::crypto::CryptoProvider::get_default().is_none() {
            // Losing a race with another installer is fine: some provider is then installed.
            let _ = rustls::crypto::ring::default_provider().install_default();
        }
    });
}
