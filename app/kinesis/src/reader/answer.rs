//! A GetRecords answer in the reader's own shape, parsed in one pass.
//!
//! The SDK's deserializer builds a `String` per record's base64 `Data` and then a `Vec` per
//! decoded payload: a third of the engine's CPU time (BENCHMARKS.md). The SDK still signs, sends,
//! retries and classifies errors; only a successful answer's body is parsed here, by a
//! deserializer swapped in for the one call ([`FastGetRecords`]): one pass over the JSON
//! (strings borrowed from the body), every payload base64-decoded into one buffer, each record a
//! [`Bytes`] slice of it (no allocation per payload), each payload followed in the buffer by the
//! record separator when there is one, so that a batch body can be slices of the buffer.
//! Anything it does not recognise goes to the
//! SDK's own deserializer, so errors keep their types.

use super::pool::BufferPool;
use aws_sdk_kinesis::operation::get_records::{GetRecords, GetRecordsOutput};
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextMut, Error as OperationError, Output,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpResponse, OrchestratorError};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_runtime_api::client::runtime_plugin::RuntimePlugin;
use aws_smithy_runtime_api::client::ser_de::{DeserializeResponse, SharedResponseDeserializer};
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::Frame;
use ks_core::SeqNum;
use serde::Deserialize;
use std::borrow::Cow;
use std::pin::Pin;
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context, Poll};

/// One Kinesis record as read (before KPL de-aggregation).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RawRecord {
    /// The parsed sequence number, or the text that is not one.
    pub sequence: Result<SeqNum, String>,
    pub partition_key: String,
    pub data: Bytes,
    /// ApproximateArrivalTimestamp, epoch milliseconds (0 when absent).
    pub arrival_ms: i64,
}

/// What the reader needs of one GetRecords answer.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Answer {
    pub records: Vec<RawRecord>,
    pub next_shard_iterator: Option<String>,
    pub millis_behind_latest: Option<i64>,
    pub child_shards: Vec<String>,
    /// The buffer every `data` is a slice of, when each is followed in it by the separator.
    pub framed: Option<Bytes>,
}

impl RawRecord {
    fn from_sdk(r: aws_sdk_kinesis::types::Record) -> RawRecord {
        RawRecord {
            sequence: SeqNum::parse(&r.sequence_number).map_err(|_| r.sequence_number),
            partition_key: r.partition_key.unwrap_or_default(),
            data: r.data.into_bytes(),
            arrival_ms: r
                .approximate_arrival_timestamp
                .and_then(|t| t.to_millis().ok())
                .unwrap_or(0),
        }
    }
}

impl Answer {
    /// From the SDK's output (an answer the fast path handed to the SDK's deserializer).
    pub(crate) fn from_sdk(out: GetRecordsOutput) -> Answer {
        Answer {
            records: out.records.into_iter().map(RawRecord::from_sdk).collect(),
            next_shard_iterator: out.next_shard_iterator,
            millis_behind_latest: out.millis_behind_latest,
            child_shards: out
                .child_shards
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.shard_id)
                .collect(),
            framed: None,
        }
    }

    /// From a SubscribeToShard event (enhanced fan-out). The shard has ended when the event has
    /// no continuation sequence number (AWS), or brings the child shards with no records
    /// (ferrokinesis sends ChildShards with every event of a closed shard, and a continuation
    /// even with the last).
    pub(crate) fn from_event(ev: aws_sdk_kinesis::types::SubscribeToShardEvent) -> Answer {
        let child_shards: Vec<String> = ev
            .child_shards
            .unwrap_or_default()
            .into_iter()
            .map(|c| c.shard_id)
            .collect();
        let ended = ev.continuation_sequence_number.is_empty()
            || (ev.records.is_empty() && !child_shards.is_empty());
        Answer {
            records: ev.records.into_iter().map(RawRecord::from_sdk).collect(),
            // Not an iterator: the reader subscribes again after its last record.
            next_shard_iterator: (!ended).then_some(ev.continuation_sequence_number),
            millis_behind_latest: Some(ev.millis_behind_latest),
            child_shards: if ended { child_shards } else { Vec::new() },
            framed: None,
        }
    }

    /// Parses a successful GetRecords body (awsJson1.1). `None` when it is not the shape
    /// expected, for the SDK's deserializer to judge.
    /// `separator` is written after each payload ([`ReaderOptions::record_separator`]).
    ///
    /// [`ReaderOptions::record_separator`]: crate::ReaderOptions::record_separator
    pub(crate) fn parse(
        body: &[u8],
        separator: Option<&[u8]>,
        pool: &Arc<BufferPool>,
    ) -> Option<Answer> {
        let wire: WireAnswer<'_> = serde_json::from_slice(body).ok()?;
        let gap = separator.unwrap_or_default();
        let mut capacity = 0usize;
        for r in &wire.records {
            capacity += base64_simd::STANDARD.estimated_decoded_length(r.data.len()) + gap.len();
        }
        let mut buffer = pool.take(capacity);
        let mut spans = Vec::with_capacity(wire.records.len());
        for r in &wire.records {
            let start = buffer.len();
            base64_simd::STANDARD
                .decode_append(&r.data, &mut buffer)
                .ok()?;
            spans.push((start, buffer.len()));
            buffer.extend_from_slice(gap);
        }
        let buffer = pool.share(buffer);
        let mut records = Vec::with_capacity(wire.records.len());
        for (r, (start, end)) in wire.records.into_iter().zip(spans) {
            records.push(RawRecord {
                sequence: SeqNum::parse(&r.sequence_number)
                    .map_err(|_| r.sequence_number.into_owned()),
                partition_key: r.partition_key.map(Cow::into_owned).unwrap_or_default(),
                data: buffer.slice(start..end),
                arrival_ms: r.arrival_s.map_or(0, |s| (s * 1000.0).round() as i64),
            });
        }
        Some(Answer {
            records,
            next_shard_iterator: wire.next_shard_iterator,
            millis_behind_latest: wire.millis_behind_latest,
            child_shards: wire
                .child_shards
                .unwrap_or_default()
                .into_iter()
                .map(|c| c.shard_id)
                .collect(),
            framed: separator.map(|_| buffer),
        })
    }
}

/// The body as sent; strings are borrowed unless they hold escapes.
#[derive(Deserialize)]
struct WireAnswer<'a> {
    #[serde(rename = "Records", borrow)]
    records: Vec<WireRecord<'a>>,
    #[serde(rename = "NextShardIterator", default)]
    next_shard_iterator: Option<String>,
    #[serde(rename = "MillisBehindLatest", default)]
    millis_behind_latest: Option<i64>,
    #[serde(rename = "ChildShards", default)]
    child_shards: Option<Vec<WireChild>>,
}

#[derive(Deserialize)]
struct WireRecord<'a> {
    /// Read as bytes: base64 needs no UTF-8 check (the decoder refuses anything else), and
    /// serde_json's UTF-8 check of every answer's payloads was ~3 % of the engine's CPU.
    #[serde(rename = "Data", borrow)]
    data: Cow<'a, [u8]>,
    #[serde(rename = "PartitionKey", borrow, default)]
    partition_key: Option<Cow<'a, str>>,
    #[serde(rename = "SequenceNumber", borrow)]
    sequence_number: Cow<'a, str>,
    #[serde(rename = "ApproximateArrivalTimestamp", default)]
    arrival_s: Option<f64>,
}

#[derive(Deserialize)]
struct WireChild {
    #[serde(rename = "ShardId")]
    shard_id: String,
}

/// Where the fast path leaves a parsed answer for the caller of one GetRecords call.
pub(crate) type AnswerSlot = Arc<Mutex<Option<Answer>>>;

/// An interceptor for one GetRecords call: swaps in [`FastDeserializer`] just before the
/// answer is deserialized (the SDK loads the deserializer from the config bag after this hook).
#[derive(Debug)]
pub(crate) struct FastGetRecords {
    pub slot: AnswerSlot,
    pub separator: Option<Vec<u8>>,
    pub pool: Arc<BufferPool>,
    /// Where the received JSON bodies are collected ([`PooledBody`]).
    pub bodies: Arc<BufferPool>,
}

impl Intercept for FastGetRecords {
    fn name(&self) -> &'static str {
        "ks-kinesis fast GetRecords"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _runtime_components: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        // A hint only, and bounded: a GetRecords answer holds at most 10 MB of records (~14 MB
        // of JSON); a larger body grows the buffer as it arrives.
        let length = response
            .headers()
            .get("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .map(|n| n.min(MAX_BODY_HINT_BYTES));
        let inner = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = SdkBody::from_body_1_x(PooledBody {
            inner,
            buffer: Some(self.bodies.take(length.unwrap_or(0))),
            trailers: None,
            pool: self.bodies.clone(),
        });
        cfg.interceptor_state()
            .store_put(SharedResponseDeserializer::new(FastDeserializer {
                slot: self.slot.clone(),
                separator: self.separator.clone(),
                pool: self.pool.clone(),
            }));
        Ok(())
    }
}

/// The most a Content-Length may reserve up front.
const MAX_BODY_HINT_BYTES: usize = 16 << 20;

/// A GetRecords response body collected into a pooled buffer and handed on as one chunk. The
/// SDK keeps a one-chunk body as it is; of several chunks it makes a fresh buffer per answer
/// (~2.7 MB of JSON for 2 MiB of records), which the allocator gives back and the kernel
/// faults in and zeroes again for the next one.
struct PooledBody {
    inner: SdkBody,
    /// `None` once the data was handed on.
    buffer: Option<Vec<u8>>,
    /// Trailers that came after the data (none from Kinesis; passed on all the same).
    trailers: Option<http::HeaderMap>,
    pool: Arc<BufferPool>,
}

impl http_body::Body for PooledBody {
    type Data = Bytes;
    type Error = aws_smithy_types::body::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.get_mut();
        while let Some(buffer) = this.buffer.as_mut() {
            match std::task::ready!(Pin::new(&mut this.inner).poll_frame(cx)) {
                Some(Ok(frame)) => match frame.into_data() {
                    Ok(data) => buffer.extend_from_slice(&data),
                    Err(frame) => this.trailers = frame.into_trailers().ok(),
                },
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => {
                    let data = this.pool.share(std::mem::take(buffer));
                    this.buffer = None;
                    return Poll::Ready(Some(Ok(Frame::data(data))));
                }
            }
        }
        Poll::Ready(this.trailers.take().map(|t| Ok(Frame::trailers(t))))
    }
}

/// Parses a 2xx answer itself (the records go to the slot; the SDK gets an empty output), and
/// leaves everything else to the SDK's deserializer.
#[derive(Debug)]
struct FastDeserializer {
    slot: AnswerSlot,
    separator: Option<Vec<u8>>,
    pool: Arc<BufferPool>,
}

/// The SDK's own GetRecords deserializer (the one the operation installs), for the answers the
/// fast path leaves to it. It lives in the operation's config layer: built once.
fn sdk_deserializer() -> Option<&'static SharedResponseDeserializer> {
    static SDK: OnceLock<ConfigBag> = OnceLock::new();
    SDK.get_or_init(|| {
        let mut bag = ConfigBag::base();
        if let Some(layer) = RuntimePlugin::config(&GetRecords::new()) {
            bag.push_shared_layer(layer);
        }
        bag
    })
    .load::<SharedResponseDeserializer>()
}

impl DeserializeResponse for FastDeserializer {
    fn deserialize_nonstreaming_with_config(
        &self,
        response: &HttpResponse,
        cfg: &ConfigBag,
    ) -> Result<Output, OrchestratorError<OperationError>> {
        if response.status().is_success()
            && let Some(answer) = response
                .body()
                .bytes()
                .and_then(|body| Answer::parse(body, self.separator.as_deref(), &self.pool))
            && let Ok(empty) = GetRecordsOutput::builder()
                .set_records(Some(Vec::new()))
                .build()
            && let Ok(mut slot) = self.slot.lock()
        {
            *slot = Some(answer);
            return Ok(Output::erase(empty));
        }
        match sdk_deserializer() {
            Some(sdk) => sdk.deserialize_nonstreaming_with_config(response, cfg),
            None => Err(OrchestratorError::other(
                "ks-kinesis: the SDK's GetRecords deserializer is missing",
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool() -> Arc<BufferPool> {
        Arc::default()
    }

    #[test]
    fn buffers_come_back_when_the_last_slice_is_dropped() {
        let pool = pool();
        let body = br#"{"Records":[{"Data":"eyJhIjoxfQ==","SequenceNumber":"1"}],"NextShardIterator":"A"}"#;
        let a = Answer::parse(body, Some(b","), &pool).expect("parsed");
        let record = a.records[0].data.clone();
        let at = a.framed.as_ref().expect("framed").as_ptr();
        drop(a);
        assert_eq!(pool.kept(), 0, "a slice still holds it");
        drop(record);
        assert_eq!(pool.kept(), 1);
        // The next answer is decoded into the same memory.
        let b = Answer::parse(body, Some(b","), &pool).expect("parsed");
        assert_eq!(b.framed.as_ref().expect("framed").as_ptr(), at);
        assert_eq!(&b.records[0].data[..], br#"{"a":1}"#);
    }

    /// A body that arrives in several chunks, as hyper hands a large answer over.
    struct Chunks(std::collections::VecDeque<Bytes>);

    impl http_body::Body for Chunks {
        type Data = Bytes;
        type Error = std::convert::Infallible;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
            Poll::Ready(self.0.pop_front().map(|b| Ok(Frame::data(b))))
        }
    }

    /// Collects `body` as the SDK does (http-body-util's `collect().to_bytes()`).
    async fn collected(pool: &Arc<BufferPool>, chunks: &[&'static [u8]]) -> Bytes {
        use http_body_util::BodyExt;
        let inner = SdkBody::from_body_1_x(Chunks(
            chunks.iter().map(|c| Bytes::from_static(c)).collect(),
        ));
        let body = PooledBody {
            inner,
            buffer: Some(pool.take(0)),
            trailers: None,
            pool: pool.clone(),
        };
        body.collect().await.expect("collected").to_bytes()
    }

    #[tokio::test]
    async fn a_chunked_answer_is_received_into_a_reused_buffer() {
        let bodies = pool();
        let chunks: [&'static [u8]; 3] =
            [b"{\"Records\":[", b"],\"NextShardIt", b"erator\":\"A\"}"];
        let first = collected(&bodies, &chunks).await;
        assert_eq!(&first[..], br#"{"Records":[],"NextShardIterator":"A"}"#);
        let at = first.as_ptr();
        drop(first);
        assert_eq!(bodies.kept(), 1, "the buffer came back");
        // The SDK's collect kept the one chunk as is: the next answer lands in the same memory.
        let second = collected(&bodies, &chunks).await;
        assert_eq!(second.as_ptr(), at);
        assert_eq!(&second[..], br#"{"Records":[],"NextShardIterator":"A"}"#);
    }

    #[test]
    fn parses_records_into_one_buffer() {
        let body = br#"{"Records":[
            {"Data":"eyJhIjoxfQ==","PartitionKey":"k1","SequenceNumber":"49590338271490256608559692538361571095921575989136588801","ApproximateArrivalTimestamp":1.7000000001234E9,"EncryptionType":"NONE"},
            {"Data":"eyJiIjoyfQ==","PartitionKey":"k\u00e9","SequenceNumber":"2"}
        ],"NextShardIterator":"AAA","MillisBehindLatest":0,
        "ChildShards":[{"ShardId":"shardId-000000000002","ParentShards":["shardId-000000000000"],"HashKeyRange":{"StartingHashKey":"0","EndingHashKey":"1"}}]}"#;
        let a = Answer::parse(body, None, &pool()).expect("parsed");
        assert_eq!(a.records.len(), 2);
        assert_eq!(&a.records[0].data[..], br#"{"a":1}"#);
        assert_eq!(&a.records[1].data[..], br#"{"b":2}"#);
        assert_eq!(a.records[1].partition_key, "ké");
        assert_eq!(a.records[0].arrival_ms, 1_700_000_000_123);
        assert_eq!(a.records[1].arrival_ms, 0);
        assert_eq!(
            a.records[0].sequence,
            SeqNum::parse("49590338271490256608559692538361571095921575989136588801")
        );
        assert_eq!(a.next_shard_iterator.as_deref(), Some("AAA"));
        assert_eq!(a.millis_behind_latest, Some(0));
        assert_eq!(a.child_shards, vec!["shardId-000000000002".to_string()]);
    }

    #[test]
    fn a_separator_follows_each_payload_in_the_buffer() {
        let body = br#"{"Records":[{"Data":"eyJhIjoxfQ==","SequenceNumber":"1"},{"Data":"eyJiIjoyfQ==","SequenceNumber":"2"}],"NextShardIterator":"AAA"}"#;
        let a = Answer::parse(body, Some(b","), &pool()).expect("parsed");
        let buffer = a.framed.clone().expect("framed");
        assert_eq!(&buffer[..], br#"{"a":1},{"b":2},"#);
        assert_eq!(&a.records[1].data[..], br#"{"b":2}"#);
        assert!(
            Answer::parse(body, None, &pool())
                .expect("parsed")
                .framed
                .is_none()
        );
    }

    /// Streams can take records of up to 10 MiB (UpdateMaxRecordSize); the emulators here cap
    /// them at 1 MiB, so the largest answer is built by hand: one 10 MiB record and a small one.
    #[test]
    fn a_10_mib_record_comes_through_whole() {
        use base64_simd::STANDARD;
        let big: Vec<u8> = (0..10usize << 20).map(|i| b'a' + (i % 26) as u8).collect();
        let body = format!(
            r#"{{"Records":[{{"Data":"{}","SequenceNumber":"1"}},{{"Data":"{}","SequenceNumber":"2"}}],"NextShardIterator":"A"}}"#,
            STANDARD.encode_to_string(&big),
            STANDARD.encode_to_string(b"{}"),
        );
        let a = Answer::parse(body.as_bytes(), Some(b","), &pool()).expect("parsed");
        assert_eq!(a.records.len(), 2);
        assert!(
            a.records[0].data[..] == big[..],
            "the 10 MiB payload, byte for byte"
        );
        assert_eq!(&a.records[1].data[..], b"{}");
        assert_eq!(a.framed.expect("framed").len(), big.len() + 1 + 2 + 1);
    }

    #[test]
    fn escaped_base64_and_bad_sequence_numbers() {
        // Some JSON writers escape '/', which base64 uses.
        let body =
            br#"{"Records":[{"Data":"P\/8=","SequenceNumber":"12x"}],"NextShardIterator":null}"#;
        let a = Answer::parse(body, None, &pool()).expect("parsed");
        assert_eq!(&a.records[0].data[..], &[0x3f, 0xff]);
        assert_eq!(a.records[0].sequence, Err("12x".to_string()));
        assert_eq!(a.next_shard_iterator, None);
    }

    #[test]
    fn what_it_does_not_know_goes_to_the_sdk() {
        assert_eq!(
            Answer::parse(
                b"{\"Records\":[{\"Data\":\"!!\",\"SequenceNumber\":\"1\"}]}",
                None,
                &pool()
            ),
            None
        );
        assert_eq!(
            Answer::parse(b"{\"__type\":\"ExpiredIteratorException\"}", None, &pool()),
            None
        );
        assert_eq!(Answer::parse(b"not json", None, &pool()), None);
        // `Data` is read as bytes: an array of numbers is not a payload either.
        assert_eq!(
            Answer::parse(
                b"{\"Records\":[{\"Data\":[1,2],\"SequenceNumber\":\"1\"}]}",
                None,
                &pool()
            ),
            None
        );
    }
}
