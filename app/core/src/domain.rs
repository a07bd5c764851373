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

/// A Kinesis sequence number: a decimal string of up to 129 digits (AWS' pattern
/// `0|([1-9]\d{0,128})`). Real ones are ~56 digits (≈ 2^185: e.g.
/// `49590338271490256608559692538361571095921575989136588898`), far beyond `u128`, so this is a
/// fixed-width 448-bit unsigned integer: `Copy`, compared numerically (never as text), printed
/// and serialized as its decimal string.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SeqNum {
    /// Little-endian 64-bit limbs.
    limbs: [u64; SeqNum::LIMBS],
}

impl SeqNum {
    const LIMBS: usize = 7;
    /// The most decimal digits a Kinesis sequence number has.
    pub const MAX_DIGITS: usize = 129;
    pub const ZERO: SeqNum = SeqNum {
        limbs: [0; SeqNum::LIMBS],
    };

    /// Parses a decimal sequence number (surrounding whitespace ignored).
    pub fn parse(s: &str) -> Result<SeqNum, String> {
        let t = s.trim();
        let bad = || format!("not a Kinesis sequence number: {s:?}");
        if t.is_empty() || t.len() > Self::MAX_DIGITS || !t.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let mut n = SeqNum::ZERO;
        // 19 digits at a time (the most a u64 holds): n = n * 10^len + chunk. A hot path: every
        // record read carries a ~56-digit sequence number.
        for chunk in t.as_bytes().chunks(19) {
            let mut value = 0u64;
            let mut scale = 1u64;
            for b in chunk {
                value = value * 10 + u64::from(b - b'0');
                scale *= 10;
            }
            let mut carry = u128::from(value);
            for limb in n.limbs.iter_mut() {
                let v = u128::from(*limb) * u128::from(scale) + carry;
                *limb = v as u64;
                carry = v >> 64;
            }
            if carry != 0 {
                return Err(bad());
            }
        }
        Ok(n)
    }

    /// The value as a `u128`, if it fits.
    pub fn to_u128(&self) -> Option<u128> {
        if self.limbs[2..].iter().any(|l| *l != 0) {
            return None;
        }
        Some(u128::from(self.limbs[1]) << 64 | u128::from(self.limbs[0]))
    }

    pub fn is_zero(&self) -> bool {
        self.limbs.iter().all(|l| *l == 0)
    }
}

impl From<u128> for SeqNum {
    fn from(v: u128) -> SeqNum {
        let mut n = SeqNum::ZERO;
        n.limbs[0] = v as u64;
        n.limbs[1] = (v >> 64) as u64;
        n
    }
}

impl PartialEq<u128> for SeqNum {
    fn eq(&self, other: &u128) -> bool {
        *self == SeqNum::from(*other)
    }
}

impl PartialOrd<u128> for SeqNum {
    fn partial_cmp(&self, other: &u128) -> Option<std::cmp::Ordering> {
        Some(self.cmp(&SeqNum::from(*other)))
    }
}

impl PartialEq<SeqNum> for u128 {
    fn eq(&self, other: &SeqNum) -> bool {
        SeqNum::from(*self) == *other
    }
}

impl PartialOrd<SeqNum> for u128 {
    fn partial_cmp(&self, other: &SeqNum) -> Option<std::cmp::Ordering> {
        Some(SeqNum::from(*self).cmp(other))
    }
}

impl Ord for SeqNum {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.limbs.iter().rev().cmp(other.limbs.iter().rev())
    }
}

impl PartialOrd for SeqNum {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl std::str::FromStr for SeqNum {
    type Err = String;
    fn from_str(s: &str) -> Result<SeqNum, String> {
        SeqNum::parse(s)
    }
}

impl fmt::Display for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if let Some(v) = self.to_u128() {
            return write!(f, "{v}");
        }
        // Repeated division by 10^19 (the largest power of ten in a u64).
        const CHUNK: u64 = 10_000_000_000_000_000_000;
        let mut n = self.limbs;
        let mut chunks = Vec::new();
        while n.iter().any(|l| *l != 0) {
            let mut rem = 0u128;
            for limb in n.iter_mut().rev() {
                let cur = (rem << 64) | u128::from(*limb);
                *limb = (cur / u128::from(CHUNK)) as u64;
                rem = cur % u128::from(CHUNK);
            }
            chunks.push(rem as u64);
        }
        let mut text = String::new();
        for (i, c) in chunks.iter().rev().enumerate() {
            if i == 0 {
                text.push_str(&c.to_string());
            } else {
                text.push_str(&format!("{c:019}"));
            }
        }
        f.write_str(&text)
    }
}

impl fmt::Debug for SeqNum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl Serialize for SeqNum {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for SeqNum {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        SeqNum::parse(&text).map_err(serde::de::Error::custom)
    }
}

/// A position inside a shard: the Kinesis sequence number (a decimal of up to 129 digits,
/// compared numerically, never as text) and the KPL sub-sequence number (0 for plain records).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Default)]
pub struct ExtendedSeq {
    pub seq: SeqNum,
    pub sub: u64,
}

impl ExtendedSeq {
    /// `ExtendedSeq::new(seq, sub)` with a [`SeqNum`] or a `u128`.
    pub fn new(seq: impl Into<SeqNum>, sub: u64) -> Self {
        ExtendedSeq {
            seq: seq.into(),
            sub,
        }
    }

    /// Parses a Kinesis sequence number string.
    pub fn parse_seq(s: &str) -> Result<SeqNum, String> {
        SeqNum::parse(s)
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

// Stored as "seq" or "seq.sub" text: JSON numbers cannot hold these safely.
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
            seq: SeqNum::parse(seq).map_err(serde::de::Error::custom)?,
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
        let a = ExtendedSeq::parse_seq("49590338271490256608559692538361571095921575989136588898")
            .unwrap();
        let b = ExtendedSeq::parse_seq("9590338271490256608559692538361571095921575989136588898")
            .unwrap();
        assert!(a > b, "as strings b > a; as numbers a > b");
        let x = ExtendedSeq::new(a, 3);
        let text = serde_json::to_string(&x).unwrap();
        assert_eq!(serde_json::from_str::<ExtendedSeq>(&text).unwrap(), x);
    }

    #[test]
    fn sequence_numbers_beyond_u128() {
        // ferrokinesis v2 / AWS-shaped: ~2^185.
        let real = "49590338271490256608559692538361571095921575989136588898";
        let a = SeqNum::parse(real).unwrap();
        assert_eq!(a.to_string(), real);
        assert_eq!(a.to_u128(), None);
        let max = "9".repeat(SeqNum::MAX_DIGITS);
        assert_eq!(SeqNum::parse(&max).unwrap().to_string(), max);
        assert!(SeqNum::parse(&format!("{max}9")).is_err());
        assert!(SeqNum::parse("").is_err());
        assert!(SeqNum::parse("-1").is_err());
        assert!(SeqNum::parse("12a").is_err());
        assert_eq!(SeqNum::parse("007").unwrap().to_string(), "7");
        assert_eq!(SeqNum::parse("0").unwrap(), SeqNum::ZERO);
        // Round trips across limb and chunk boundaries.
        for t in [
            "18446744073709551615",
            "18446744073709551616",
            "340282366920938463463374607431768211455",
            "340282366920938463463374607431768211456",
            "10000000000000000000000000000000000000000000000000000000",
            "10000000000000000000",
            "9999999999999999999",
        ] {
            assert_eq!(SeqNum::parse(t).unwrap().to_string(), t);
        }
        // Numeric order, neighbours included.
        let b = SeqNum::parse("49590338271490256608559692538361571095921575989136588899").unwrap();
        assert!(a < b);
        assert!(SeqNum::from(u128::MAX) < a);
        assert!(SeqNum::from(5u128) == 5u128 && SeqNum::from(5u128) < 6u128);
        assert!(4u128 < SeqNum::from(5u128) && 5u128 == SeqNum::from(5u128) && u128::MAX < a);
        // u128 literals still work with ExtendedSeq::new.
        let x = ExtendedSeq::new(5, 1);
        assert!(x > ExtendedSeq::new(5, 0) && x < ExtendedSeq::new(6, 0));
        let text = serde_json::to_string(&ExtendedSeq::new(b, 2)).unwrap();
        assert_eq!(
            text,
            "\"49590338271490256608559692538361571095921575989136588899.2\""
        );
        assert_eq!(
            serde_json::from_str::<ExtendedSeq>(&text).unwrap(),
            ExtendedSeq::new(b, 2)
        );
        assert_eq!(serde_json::to_string(&a).unwrap(), format!("\"{real}\""));
    }

    #[test]
    fn labels_follow_starrocks_rules() {
        assert!(Label::new("ks_stock_9f2c_000123").is_ok());
        assert!(Label::new("a b").is_err());
        assert!(Label::new("x".repeat(129)).is_err());
    }
}
