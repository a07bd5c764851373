//! Turns source records into Stream Load bodies: a JSON array (with `strip_outer_array`) or CSV
//! rows, and remembers, per shard, which records the batch holds (its intent's ranges).
//!
//! A body is not one copied buffer: the reader decodes each GetRecords answer with the body's
//! separator after every payload ([`BodyFormat::separator`]), so a run of consecutive records is
//! already body bytes, and the body is a list of slices of those buffers ([`LoadBody`]). Only
//! what is not laid out so (the brackets, KPL sub-records, answers the SDK parsed) is copied.

use crate::checkpoint::ShardRange;
use bytes::Bytes;
use ks_core::{ExtendedSeq, ShardId};
use ks_starrocks::LoadBody;
use std::collections::{BTreeMap, BTreeSet};
use std::time::Instant;

/// The body format, from `properties.format`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BodyFormat {
    /// Each record is one JSON value; the body is `[r1,r2,…]` (sent with `strip_outer_array`).
    Json,
    /// Each record is one CSV row; rows end with the row delimiter.
    Csv { row_delimiter: Vec<u8> },
}

impl BodyFormat {
    /// What follows each row: `,` between JSON array elements, the row delimiter for CSV. The
    /// reader writes it after every payload it decodes (`ReaderOptions::record_separator`).
    pub fn separator(&self) -> &[u8] {
        match self {
            BodyFormat::Json => b",",
            BodyFormat::Csv { row_delimiter } => row_delimiter,
        }
    }

    pub fn from_properties(props: &BTreeMap<String, String>) -> BodyFormat {
        match props.get("format").map(|f| f.to_ascii_lowercase()) {
            Some(f) if f == "json" => BodyFormat::Json,
            _ => BodyFormat::Csv {
                row_delimiter: props
                    .get("row_delimiter")
                    .map(|d| unescape_delimiter(d))
                    .unwrap_or_else(|| b"\n".to_vec()),
            },
        }
    }
}

fn unescape_delimiter(d: &str) -> Vec<u8> {
    match d {
        "\\n" => b"\n".to_vec(),
        "\\r\\n" => b"\r\n".to_vec(),
        "\\t" => b"\t".to_vec(),
        other => {
            if let Some(hex) = other.strip_prefix("\\x")
                && hex.len() % 2 == 0
                && let Ok(bytes) = (0..hex.len())
                    .step_by(2)
                    .map(|i| u8::from_str_radix(&hex[i..i + 2], 16))
                    .collect::<Result<Vec<u8>, _>>()
            {
                return bytes;
            }
            other.as_bytes().to_vec()
        }
    }
}

/// Why a record cannot go into a body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malformed {
    pub shard: ShardId,
    pub position: ExtendedSeq,
    pub reason: String,
    pub data: Vec<u8>,
}

/// One record on its way into a batch.
#[derive(Debug, Clone)]
pub struct Row {
    pub shard: ShardId,
    pub position: ExtendedSeq,
    pub data: Bytes,
    /// The buffer `data` lies in, followed by the format's separator (`SourceRecord::buffer`):
    /// the row then goes into the body as a slice of it, not as a copy.
    pub buffer: Option<Bytes>,
}

/// Checks that a record can be one row of the body.
pub fn check_record(format: &BodyFormat, data: &[u8]) -> Result<(), String> {
    match format {
        BodyFormat::Json => {
            if data.iter().all(u8::is_ascii_whitespace) {
                return Err("empty record: not a JSON value".into());
            }
            serde_json::from_slice::<serde::de::IgnoredAny>(data)
                .map(|_| ())
                .map_err(|e| format!("not JSON: {e}"))
        }
        BodyFormat::Csv { .. } => {
            if data.is_empty() {
                Err("empty record: not a CSV row".into())
            } else {
                Ok(())
            }
        }
    }
}

/// A batch being filled.
pub struct BatchBuilder {
    format: BodyFormat,
    body: BodyWriter,
    rows: u64,
    ranges: BTreeMap<ShardId, ShardRange>,
    ended: BTreeSet<ShardId>,
    malformed: Vec<Malformed>,
    origins: RowOrigins,
    /// Whether `origins` is kept: only the dead-letter policy needs it, and it costs about 72
    /// bytes per row (a 448-bit sequence number, a sub-sequence, a shard index).
    record_origins: bool,
    /// Bytes reserved for a body's copied rows when its first row is copied: such a body grows
    /// to `max-bytes` anyway, and growing it step by step copied it several times per batch
    /// (BENCHMARKS.md).
    body_capacity: usize,
    opened: Option<Instant>,
    /// Back-pressure permits held by the records in this batch.
    pub permits: u64,
}

/// Where each row of a body came from, in body order: a dead-lettered row names its shard and
/// sequence number so that a user can find the record in the stream. Shards are kept once, rows
/// point at them by index (no shard-id copy per record).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RowOrigins {
    shards: Vec<ShardId>,
    rows: Vec<(u32, ExtendedSeq)>,
}

impl RowOrigins {
    fn push(&mut self, shard: &ShardId, position: ExtendedSeq) {
        let index = match self.shards.iter().rposition(|s| s == shard) {
            Some(i) => i,
            None => {
                self.shards.push(shard.clone());
                self.shards.len() - 1
            }
        };
        self.rows.push((index as u32, position));
    }

    /// The shard and position of the `row`-th row of the body.
    pub fn get(&self, row: usize) -> Option<(&ShardId, ExtendedSeq)> {
        self.rows
            .get(row)
            .map(|(i, position)| (&self.shards[*i as usize], *position))
    }

    pub fn len(&self) -> usize {
        self.rows.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rows.is_empty()
    }
}

/// A body being written: slices of the answers' buffers where rows lie there followed by their
/// separator, copies of everything else, in order.
#[derive(Default)]
struct BodyWriter {
    parts: Vec<Bytes>,
    /// Bytes copied since the last slice. Empty while `run` is open.
    copied: Vec<u8>,
    /// The open slice: a buffer and the range of it written so far.
    run: Option<(Bytes, usize, usize)>,
    len: usize,
    /// Whether a row was written as a slice (then copied rows need no big reservation).
    sliced: bool,
}

impl BodyWriter {
    fn copy(&mut self, bytes: &[u8]) {
        self.close_run();
        self.copied.extend_from_slice(bytes);
        self.len += bytes.len();
    }

    /// Writes `data` and `separator` as a slice of `buffer` if they lie there back to back;
    /// `false` (nothing written) if not.
    fn slice(&mut self, buffer: &Bytes, data: &[u8], separator: &[u8]) -> bool {
        let Some(start) = (data.as_ptr() as usize).checked_sub(buffer.as_ptr() as usize) else {
            return false;
        };
        let end = start + data.len() + separator.len();
        if end > buffer.len() || &buffer[start + data.len()..end] != separator {
            return false;
        }
        match &mut self.run {
            // The same buffer (both alive, so the same pointer and length are the same one).
            Some((open, _, open_end))
                if *open_end == start
                    && open.as_ptr() == buffer.as_ptr()
                    && open.len() == buffer.len() =>
            {
                *open_end = end;
            }
            _ => {
                self.close_run();
                self.close_copied();
                self.run = Some((buffer.clone(), start, end));
            }
        }
        self.len += end - start;
        self.sliced = true;
        true
    }

    fn close_run(&mut self) {
        if let Some((buffer, start, end)) = self.run.take() {
            self.parts.push(buffer.slice(start..end));
        }
    }

    fn close_copied(&mut self) {
        if !self.copied.is_empty() {
            self.parts
                .push(Bytes::from(std::mem::take(&mut self.copied)));
        }
    }

    /// Takes back the last `n` bytes written (the separator after a JSON array's last row; they
    /// are in the open slice or the copied bytes, whichever was written last).
    fn unwrite(&mut self, n: usize) {
        if let Some((_, start, end)) = &mut self.run {
            *end = (*end - n).max(*start);
        } else {
            let keep = self.copied.len().saturating_sub(n);
            self.copied.truncate(keep);
        }
        self.len = self.len.saturating_sub(n);
    }

    fn finish(&mut self) -> LoadBody {
        self.close_run();
        self.close_copied();
        self.len = 0;
        self.sliced = false;
        LoadBody::from_parts(std::mem::take(&mut self.parts))
    }
}

/// A batch ready to load.
pub struct Batch {
    pub body: LoadBody,
    pub rows: u64,
    pub ranges: BTreeMap<ShardId, ShardRange>,
    pub ended: BTreeSet<ShardId>,
    pub malformed: Vec<Malformed>,
    /// Where each row of `body` came from (empty unless the builder was recording them).
    pub origins: RowOrigins,
    pub permits: u64,
}

impl BatchBuilder {
    pub fn new(format: BodyFormat) -> BatchBuilder {
        BatchBuilder {
            format,
            body: BodyWriter::default(),
            rows: 0,
            ranges: BTreeMap::new(),
            ended: BTreeSet::new(),
            malformed: Vec::new(),
            origins: RowOrigins::default(),
            record_origins: false,
            body_capacity: 0,
            opened: None,
            permits: 0,
        }
    }

    /// Keeps each row's shard and position ([`Batch::origins`]) when `on` (for dead letters).
    pub fn recording_origins(mut self, on: bool) -> BatchBuilder {
        self.record_origins = on;
        self
    }

    /// Reserves `bytes` for each new body (the flush size; capped at 256 MiB, which only costs
    /// address space until written).
    pub fn body_capacity(mut self, bytes: u64) -> BatchBuilder {
        self.body_capacity = usize::try_from(bytes.min(256 << 20)).unwrap_or(0);
        self
    }

    pub fn format(&self) -> &BodyFormat {
        &self.format
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty() && self.ended.is_empty()
    }

    pub fn rows(&self) -> u64 {
        self.rows
    }

    pub fn bytes(&self) -> u64 {
        self.body.len as u64
    }

    /// How long the batch has been open.
    pub fn age(&self) -> Option<std::time::Duration> {
        self.opened.map(|t| t.elapsed())
    }

    /// Adds a record. `after` is the position before it in its shard (the previous record in
    /// this pipeline, or the checkpoint), used for the intent's range. A malformed record is kept
    /// aside (it still advances the range: it was read and is accounted for).
    pub fn push(&mut self, row: Row, after: Option<ExtendedSeq>) {
        self.opened.get_or_insert_with(Instant::now);
        // Looked up before inserting: no clone of the shard id per record.
        let range = match self.ranges.get_mut(&row.shard) {
            Some(r) => r,
            None => self.ranges.entry(row.shard.clone()).or_insert(ShardRange {
                after,
                first: row.position,
                last: row.position,
                records: 0,
            }),
        };
        range.last = row.position;
        range.records += 1;
        if let Err(reason) = check_record(&self.format, &row.data) {
            self.malformed.push(Malformed {
                shard: row.shard,
                position: row.position,
                reason,
                data: row.data.to_vec(),
            });
            return;
        }
        if self.record_origins {
            self.origins.push(&row.shard, row.position);
        }
        if self.rows == 0 && self.format == BodyFormat::Json {
            self.body.copy(b"[");
        }
        // Every row is followed by its separator; a JSON array's last one is taken back.
        let separator: &[u8] = match &self.format {
            // A CSV row that ends with the delimiter already gets none.
            BodyFormat::Csv { row_delimiter } if row.data.ends_with(row_delimiter) => b"",
            format => format.separator(),
        };
        let sliced = row
            .buffer
            .as_ref()
            .is_some_and(|buffer| self.body.slice(buffer, &row.data, separator));
        if !sliced {
            if !self.body.sliced && self.body.copied.capacity() < self.body_capacity {
                // A row over the flush size still fits: the batch is flushed right after it.
                let want = self.body_capacity + row.data.len() + separator.len() + 2;
                self.body.copied.reserve(want - self.body.copied.len());
            }
            self.body.copy(&row.data);
            self.body.copy(separator);
        }
        self.rows += 1;
    }

    /// Records that `shard` was read to its end (finished when this batch is confirmed).
    pub fn shard_ended(&mut self, shard: ShardId) {
        self.opened.get_or_insert_with(Instant::now);
        self.ended.insert(shard);
    }

    /// Closes the batch and starts a new one.
    pub fn take(&mut self) -> Batch {
        if self.format == BodyFormat::Json && self.rows > 0 {
            self.body.unwrite(1);
            self.body.copy(b"]");
        }
        let batch = Batch {
            body: self.body.finish(),
            rows: self.rows,
            ranges: std::mem::take(&mut self.ranges),
            ended: std::mem::take(&mut self.ended),
            malformed: std::mem::take(&mut self.malformed),
            origins: std::mem::take(&mut self.origins),
            permits: self.permits,
        };
        self.rows = 0;
        self.opened = None;
        self.permits = 0;
        batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(shard: &str, seq: u128, data: &str) -> Row {
        Row {
            shard: ShardId::from(shard),
            position: ExtendedSeq::new(seq, 0),
            data: Bytes::from(data.to_string()),
            buffer: None,
        }
    }

    /// Rows as the reader hands them over: decoded into one buffer, each followed by `separator`.
    fn framed_rows(shard: &str, first_seq: u128, data: &[&str], separator: &str) -> Vec<Row> {
        let mut buffer = Vec::new();
        let mut spans = Vec::new();
        for d in data {
            spans.push((buffer.len(), buffer.len() + d.len()));
            buffer.extend_from_slice(d.as_bytes());
            buffer.extend_from_slice(separator.as_bytes());
        }
        let buffer = Bytes::from(buffer);
        spans
            .into_iter()
            .enumerate()
            .map(|(i, (start, end))| Row {
                shard: ShardId::from(shard),
                position: ExtendedSeq::new(first_seq + i as u128, 0),
                data: buffer.slice(start..end),
                buffer: Some(buffer.clone()),
            })
            .collect()
    }

    #[test]
    fn framed_rows_go_into_the_body_as_slices_of_their_buffer() {
        let mut b = BatchBuilder::new(BodyFormat::Json).body_capacity(1 << 20);
        let first = framed_rows(
            "s0",
            1,
            &[r#"{"a":1}"#, r#"{"a":2}"#, "oops", r#"{"a":3}"#],
            ",",
        );
        let second = framed_rows("s1", 10, &[r#"{"b":1}"#, r#"{"b":2}"#], ",");
        for r in first.into_iter().chain(second) {
            b.push(r, None);
        }
        b.push(row("s0", 20, r#"{"kpl":1}"#), None);
        let batch = b.take();
        assert_eq!(
            String::from_utf8(batch.body.to_vec()).unwrap(),
            r#"[{"a":1},{"a":2},{"a":3},{"b":1},{"b":2},{"kpl":1}]"#
        );
        assert_eq!(batch.rows, 5 + 1);
        assert_eq!(batch.malformed.len(), 1);
        // "[", the first two rows, the row after the malformed one, the second buffer's rows
        // (one slice each time), then the copied row with "]".
        let parts: Vec<String> = batch
            .body
            .parts()
            .iter()
            .map(|p| String::from_utf8(p.to_vec()).unwrap())
            .collect();
        assert_eq!(
            parts,
            [
                "[",
                r#"{"a":1},{"a":2},"#,
                r#"{"a":3},"#,
                r#"{"b":1},{"b":2},"#,
                r#"{"kpl":1}]"#
            ]
        );

        // The last row a slice: its separator is taken back from the slice.
        let mut b = BatchBuilder::new(BodyFormat::Json);
        for r in framed_rows("s0", 1, &[r#"{"a":1}"#, r#"{"a":2}"#], ",") {
            b.push(r, None);
        }
        let batch = b.take();
        assert_eq!(batch.body.to_vec(), br#"[{"a":1},{"a":2}]"#);
        assert_eq!(batch.body.len(), 17);
        assert_eq!(b.bytes(), 0, "a new batch starts empty");
    }

    #[test]
    fn framed_csv_rows_and_a_separator_that_does_not_match() {
        let mut props = BTreeMap::new();
        props.insert("format".to_string(), "csv".to_string());
        let format = BodyFormat::from_properties(&props);
        let mut b = BatchBuilder::new(format.clone());
        // A row that ends with the delimiter already gets none: "2,b\n" then "\n" in the buffer.
        for r in framed_rows("s0", 1, &["1,a", "2,b\n", "3,c"], "\n") {
            b.push(r, None);
        }
        assert_eq!(b.take().body.to_vec(), b"1,a\n2,b\n3,c\n");
        // A buffer written with another separator (not the body's): the rows are copied.
        let mut b = BatchBuilder::new(format);
        for r in framed_rows("s0", 1, &["1,a", "2,b"], ";") {
            b.push(r, None);
        }
        let batch = b.take();
        assert_eq!(batch.body.to_vec(), b"1,a\n2,b\n");
        assert_eq!(batch.body.parts().len(), 1);
    }

    #[test]
    fn origins_follow_the_body_rows_only_when_recorded() {
        let rows = || {
            [
                row("s0", 5, r#"{"a":1}"#),
                row("s1", 9, r#"{"a":2}"#),
                row("s0", 7, "not json"),
                row("s0", 8, r#"{"a":3}"#),
            ]
        };
        let mut b = BatchBuilder::new(BodyFormat::Json).recording_origins(true);
        rows().into_iter().for_each(|r| b.push(r, None));
        let batch = b.take();
        let got: Vec<(String, u128)> = (0..batch.origins.len())
            .map(|i| {
                let (shard, pos) = batch.origins.get(i).unwrap();
                (shard.0.clone(), pos.seq.to_string().parse().unwrap())
            })
            .collect();
        // The malformed record is not a body row: it has no origin here (its own dead letter
        // names it).
        assert_eq!(got, [("s0".into(), 5), ("s1".into(), 9), ("s0".into(), 8)]);
        assert!(b.take().origins.is_empty(), "a new batch starts empty");

        let mut off = BatchBuilder::new(BodyFormat::Json);
        rows().into_iter().for_each(|r| off.push(r, None));
        assert!(off.take().origins.is_empty());
    }

    #[test]
    fn json_batches_are_arrays_and_ranges_follow_shards() {
        let mut b = BatchBuilder::new(BodyFormat::Json);
        b.push(row("s0", 5, r#"{"a":1}"#), Some(ExtendedSeq::new(4, 0)));
        b.push(row("s1", 9, r#"{"a":2}"#), None);
        b.push(row("s0", 7, "not json"), None);
        b.push(row("s0", 8, r#"{"a":3}"#), None);
        let batch = b.take();
        assert_eq!(batch.body.to_vec(), br#"[{"a":1},{"a":2},{"a":3}]"#);
        assert_eq!(batch.rows, 3);
        let r0 = &batch.ranges[&ShardId::from("s0")];
        assert_eq!(
            (r0.after, r0.first.seq, r0.last.seq, r0.records),
            (Some(ExtendedSeq::new(4, 0)), 5u128.into(), 8u128.into(), 3)
        );
        assert_eq!(batch.malformed.len(), 1);
        assert!(batch.malformed[0].reason.starts_with("not JSON"));
        assert!(b.is_empty());
    }

    #[test]
    fn csv_rows_get_their_delimiter() {
        let mut props = BTreeMap::new();
        props.insert("format".to_string(), "csv".to_string());
        let mut b = BatchBuilder::new(BodyFormat::from_properties(&props));
        b.push(row("s0", 1, "1,a"), None);
        b.push(row("s0", 2, "2,b\n"), None);
        assert_eq!(b.take().body.to_vec(), b"1,a\n2,b\n");
    }
}
