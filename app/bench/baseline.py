"""The baseline a user would write: read every shard with boto3 get_records and PUT each answer's
records to StarRocks Stream Load as one JSON array, with requests, the way
`curl --location-trusted -H "Expect:100-continue" -T batch.json` does it (a header-only request to
the FE, then the body to the BE its 307 names, Basic auth on both). Shards are read one after the
other. Prints one JSON line: records, loads, seconds (timed from the first AWS call; the
interpreter's start and the imports are not counted).

Used by `ks-bench e2e` (app/bench); not a test.
"""

import argparse
import json
import sys
import time

import boto3
import requests


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--endpoint", required=True)
    p.add_argument("--stream", required=True)
    p.add_argument("--load-url", required=True)
    p.add_argument("--db", required=True)
    p.add_argument("--table", required=True)
    p.add_argument("--user", required=True)
    p.add_argument("--password", required=True)
    a = p.parse_args()

    # The emulator takes any credentials; a session of its own keeps boto3 off the user's.
    session = boto3.session.Session(
        aws_access_key_id="AKIDTEST",
        aws_secret_access_key="test-secret",
        region_name="us-east-1",
    )
    kinesis = session.client("kinesis", endpoint_url=a.endpoint)
    http = requests.Session()
    auth = (a.user, a.password)
    url = f"{a.load_url}/api/{a.db}/{a.table}/_stream_load"
    props = {"format": "json", "strip_outer_array": "true"}

    def stream_load(label, body):
        headers = dict(props, label=label, Expect="100-continue")
        r = http.put(url, headers=headers, auth=auth, data=b"", allow_redirects=False)
        target = r.headers["Location"] if r.status_code == 307 else url
        r = http.put(target, headers=dict(props, label=label), auth=auth, data=body)
        answer = r.json()
        if answer.get("Status") not in ("Success", "Publish Timeout"):
            sys.exit(f"load {label} failed: {answer}")
        return answer

    t0 = time.perf_counter()
    records = loads = 0
    shards = kinesis.list_shards(StreamName=a.stream)["Shards"]
    for shard in shards:
        it = kinesis.get_shard_iterator(
            StreamName=a.stream, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
        )["ShardIterator"]
        n = 0
        while it:
            out = kinesis.get_records(ShardIterator=it, Limit=10000)
            recs = out["Records"]
            if not recs:
                break
            body = b"[" + b",".join(r["Data"] for r in recs) + b"]"
            stream_load(f"py-{shard['ShardId']}-{n}", body)
            n += 1
            loads += 1
            records += len(recs)
            it = out.get("NextShardIterator")
    print(json.dumps({"records": records, "loads": loads, "seconds": time.perf_counter() - t0}))


if __name__ == "__main__":
    main()
