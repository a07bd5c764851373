//! Sampled stream records (`sample`, the wizard's preview, the table checks). Pure data: the
//! sampling itself is `ks_preflight::sample`.

use serde::{Deserialize, Serialize};

/// One user record read from the stream (a plain Kinesis record or one KPL sub-record).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampledRecord {
    pub shard: String,
    pub sequence: String,
    /// The KPL sub-sequence number when the record came out of an aggregate.
    pub sub: Option<u32>,
    /// ApproximateArrivalTimestamp, epoch milliseconds.
    pub arrival_ms: Option<i64>,
    pub data: Vec<u8>,
}

impl SampledRecord {
    /// The record parsed as JSON, if it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_slice(&self.data).ok()
    }

    /// What `sample` prints: compact JSON text when the record parses, else its bytes escaped
    /// (printable ASCII as is, everything else `\xNN`, plus `\n`, `\r`, `\t`, `\\`).
    pub fn display(&self) -> String {
        match self.json() {
            Some(v) => v.to_string(),
            None => escape_bytes(&self.data),
        }
    }

    /// `shard/sequence[/sub]`: where the record is, for messages.
    pub fn position(&self) -> String {
        match self.sub {
            Some(sub) => format!("{}/{}/{}", self.shard, self.sequence, sub),
            None => format!("{}/{}", self.shard, self.sequence),
        }
    }
}

/// Escapes bytes for display: printable ASCII as is, the rest as `\xNN`.
pub fn escape_bytes(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len());
    for &b in data {
        match b {
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\r' => out.push_str("\\r"),
            b'\t' => out.push_str("\\t"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(data: &[u8]) -> SampledRecord {
        SampledRecord {
            shard: "shardId-000000000000".into(),
            sequence: "495".into(),
            sub: None,
            arrival_ms: None,
            data: data.to_vec(),
        }
    }

    #[test]
    fn json_records_display_as_json_and_others_escaped() {
        let r = rec(br#"{ "a" : 1 }"#);
        assert_eq!(r.json(), Some(serde_json::json!({"a": 1})));
        assert_eq!(r.display(), r#"{"a":1}"#);
        let bin = rec(b"ab\x00\xff\n\\");
        assert_eq!(bin.json(), None);
        assert_eq!(bin.display(), "ab\\x00\\xff\\n\\\\");
        assert_eq!(rec(b"x").position(), "shardId-000000000000/495");
    }
}
