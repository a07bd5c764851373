"""A producer written the way many Lambda functions are: Python's `aws-kinesis-agg` packs user
records, each with its own random partition key, into KPL aggregates, and boto3 puts each
aggregate with the partition key of its first user record (what the library's `get_contents`
returns). On a stream of several shards most user records then hash outside the shard their
aggregate lands in: KCL's de-aggregation drops them; kinesis-starrocks must keep them.

Used by the tests against the local Kinesis emulator only (127.0.0.1):

    python aggregating_producer.py --endpoint http://127.0.0.1:PORT --stream S \
        --first-id 0 --count 600 --per-aggregate 25 [--seed 7]

Prints one JSON line: {"records": N, "aggregates": M}.
"""

import argparse
import json
import random
import uuid

import boto3
from aws_kinesis_agg.aggregator import RecordAggregator

TICKERS = ["AAPL", "AMZN", "MSFT", "INTC", "TBV"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("--first-id", type=int, default=0)
    p.add_argument("--count", type=int, required=True)
    p.add_argument("--per-aggregate", type=int, default=25)
    p.add_argument("--seed", type=int, default=None)
    a = p.parse_args()
    rng = random.Random(a.seed)
    kinesis = boto3.client(
        "kinesis",
        endpoint_url=a.endpoint,
        region_name="us-east-1",
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="test-secret",
    )
    aggregator = RecordAggregator()
    aggregates = 0

    def put(agg_record):
        nonlocal aggregates
        partition_key, explicit_hash_key, data = agg_record.get_contents()
        request = {"StreamName": a.stream, "Data": data, "PartitionKey": partition_key}
        if explicit_hash_key:
            request["ExplicitHashKey"] = explicit_hash_key
        kinesis.put_record(**request)
        aggregates += 1

    for i in range(a.first_id, a.first_id + a.count):
        record = {
            "id": i,
            "event_time": "2024-05-28T19:53:17.497201",
            "ticker": TICKERS[i % len(TICKERS)],
            "price": round(rng.random() * 100, 2),
        }
        # A random key per user record, as a Lambda fanning out events would use.
        key = str(uuid.UUID(int=rng.getrandbits(128)))
        full = aggregator.add_user_record(key, json.dumps(record))
        if full is not None:
            put(full)
        if aggregator.get_num_user_records() >= a.per_aggregate:
            put(aggregator.clear_and_get())
    rest = aggregator.clear_and_get()
    if rest is not None:
        put(rest)
    print(json.dumps({"records": a.count, "aggregates": aggregates}))


if __name__ == "__main__":
    main()
