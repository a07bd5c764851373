//! Domain types shared by the source, the loader and the engine.

use serde::{Deserialize, Serialize};
use std::fmt;

/// A Kinesis shard id, e.g. `shardId-000000000001`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ShardId(pub String);

impl fmt::Display for ShardId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ShardId {
    fn from(s: &str) -> Self {
        ShardId(s.to_string())
    }
}

/// A position inside a shard: the Kinesis sequence number (a decimal string of up to 128 bits,
/// compared numerically, never as text) and the KPL sub-sequence number (0 for plain records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ExtendedSeq {
    pub seq: u128,
    pub sub: u64,
}

impl ExtendedSeq {
    pub fn new(seq: u128, sub: u64) -> Self {
        ExtendedSeq { seq, sub }
    }

    /// Parses a Kinesis sequence number string.
    pub fn parse_seq(s: &str) -> Result<u128, String> {
        s.trim()
            .parse::<u128>()
            .map_err(|_| format!("not a Kinesis sequence number: {s:?}"))
    }
}

impl fmt::Display for ExtendedSeq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.sub == 0 {
            write!(f, "{}", self.seq)
        } else {
            write!(f, "{}.{}", self.seq, self.sub)
        }
    }
}

// Stored as "seq" or "seq.sub" text: JSON numbers cannot hold 128 bits safely.
impl Serialize for ExtendedSeq {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for ExtendedSeq {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        let (seq, sub) = text.split_once('.').unwrap_or((&text, "0"));
        Ok(ExtendedSeq {
            seq: ExtendedSeq::parse_seq(seq).map_err(serde::de::Error::custom)?,
            sub: sub.parse().map_err(serde::de::Error::custom)?,
        })
    }
}

/// Where a pipeline starts reading a shard the first time (afterwards: always the checkpoint).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum InitialPosition {
    #[default]
    #[serde(rename = "LATEST")]
    Latest,
    #[serde(rename = "TRIM_HORIZON")]
    TrimHorizon,
    #[serde(rename = "AT_TIMESTAMP")]
    AtTimestamp,
}

/// A Stream Load label: `[-_A-Za-z0-9:]`, at most 128 characters.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Label(String);

impl Label {
    pub const MAX_LEN: usize = 128;

    pub fn new(s: impl Into<String>) -> Result<Label, String> {
        let s = s.into();
        if s.is_empty() || s.len() > Self::MAX_LEN {
            return Err(format!(
                "label {s:?} must be 1 to {} characters long",
                Self::MAX_LEN
            ));
        }
        if let Some(c) = s
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_' || *c == ':'))
        {
            return Err(format!(
                "label {s:?} contains {c:?}; StarRocks labels allow only letters, digits, '-', '_' and ':'"
            ));
        }
        Ok(Label(s))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Label {
    type Error = String;
    fn try_from(s: String) -> Result<Self, String> {
        Label::new(s)
    }
}

impl From<Label> for String {
    fn from(l: Label) -> String {
        l.0
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sequence_numbers_compare_numerically() {
        let a = ExtendedSeq::parse_seq("49590338271490256608559692538361571095921575989136588898").unwrap();
        let b = ExtendedSeq::parse_seq("9590338271490256608559692538361571095921575989136588898").unwrap();
        assert!(a > b, "as strings b > a; as numbers a > b");
        let x = ExtendedSeq::new(a, 3);
        let text = serde_json::to_string(&x).unwrap();
        assert_eq!(serde_json::from_str::<ExtendedSeq>(&text).unwrap(), x);
    }

    #[test]
    fn labels_follow_starrocks_rules() {
        assert!(Label::new("ks_stock_9f2c_000123").is_ok());
        assert!(Label::new("a b").is_err());
        assert!(Label::new("x".repeat(129)).is_err());
    }
}
