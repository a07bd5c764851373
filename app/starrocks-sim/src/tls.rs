//! TLS material from PEM files: HTTPS on the FE port (rustls 0.23) and TLS on the MySQL port
//! (opensrv-mysql builds its own config from the same PEM bytes).

use crate::TlsFiles;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::sync::Arc;

#[derive(Clone)]
pub struct TlsMaterial {
    pub cert_pem: Vec<u8>,
    pub key_pem: Vec<u8>,
    /// For the FE HTTPS listener.
    pub https: Arc<rustls::ServerConfig>,
}

impl TlsMaterial {
    pub fn load(files: &TlsFiles) -> Result<TlsMaterial, String> {
        let cert_pem = std::fs::read(&files.cert)
            .map_err(|e| format!("cannot read the certificate {}: {e}", files.cert.display()))?;
        let key_pem = std::fs::read(&files.key)
            .map_err(|e| format!("cannot read the key {}: {e}", files.key.display()))?;
        TlsMaterial::from_pem(cert_pem, key_pem)
    }

    pub fn from_pem(cert_pem: Vec<u8>, key_pem: Vec<u8>) -> Result<TlsMaterial, String> {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(&cert_pem)
            .collect::<Result<_, _>>()
            .map_err(|e| format!("certificate PEM: {e}"))?;
        if certs.is_empty() {
            return Err("the certificate file holds no certificate".into());
        }
        let key = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| format!("key PEM: {e}"))?;
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| e.to_string())?
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .map_err(|e| format!("certificate and key do not match: {e}"))?;
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(TlsMaterial {
            cert_pem,
            key_pem,
            https: Arc::new(config),
        })
    }
}
