//! The Stream Load body conversion lives in `starrocks_model::load` (the app's mapping preview
//! runs it too); the stand-in adds undoing the body's compression.

pub use starrocks_model::load::*;
use std::io::Read;

/// Undoes `Content-Encoding` / `compression`.
pub fn decompress(body: &[u8], compression: Option<Compression>) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    let res = match compression {
        None => return Ok(body.to_vec()),
        Some(Compression::Gzip) => flate2::read::MultiGzDecoder::new(body).read_to_end(&mut out),
        Some(Compression::Deflate) => flate2::read::ZlibDecoder::new(body).read_to_end(&mut out),
        Some(Compression::Lz4Frame) => {
            lz4_flex::frame::FrameDecoder::new(body).read_to_end(&mut out)
        }
    };
    res.map(|_| out)
        .map_err(|e| format!("Failed to decompress the body ({compression:?}): {e}"))
}
