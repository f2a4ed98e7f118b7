#!/usr/bin/env python3
"""boto3 against a Rampart server: create_bucket, put_object, get_object, list_objects_v2,
delete_object, delete_bucket.

Usage: boto3_smoke.py ENDPOINT BUCKET
Credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION. Run by the Rust test `cli::boto3_smoke_script`.
"""

import hashlib
import sys

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:  # pragma: no cover - environment problem, not a test failure
    sys.stderr.write(f"boto3 is not installed ({e}); install it with: pip install boto3\n")
    sys.exit(2)


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    endpoint, bucket = sys.argv[1], sys.argv[2]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1}),
    )

    s3.create_bucket(Bucket=bucket)
    names = [b["Name"] for b in s3.list_buckets()["Buckets"]]
    expect(bucket in names, f"{bucket} not in {names}")

    objects = {
        "hello.txt": b"hello, rampart\n",
        "dir/binary.bin": bytes(range(256)) * 400,  # 100 KiB: stored as a blob, not inline
        "dir/unicodé key+plus": b"",
    }
    for key, body in objects.items():
        put = s3.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/x-test")
        want = '"' + hashlib.md5(body).hexdigest() + '"'
        expect(put["ETag"] == want, f"PUT {key}: ETag {put['ETag']} != {want}")

    for key, body in objects.items():
        got = s3.get_object(Bucket=bucket, Key=key)
        data = got["Body"].read()
        expect(data == body, f"GET {key}: {len(data)} bytes differ from {len(body)} sent")
        expect(got["ContentType"] == "application/x-test", f"GET {key}: {got['ContentType']}")
        expect(got["ContentLength"] == len(body), f"GET {key}: length {got['ContentLength']}")

    listed = s3.list_objects_v2(Bucket=bucket)
    keys = sorted(o["Key"] for o in listed.get("Contents", []))
    expect(keys == sorted(objects), f"list: {keys}")
    delimited = s3.list_objects_v2(Bucket=bucket, Delimiter="/")
    expect([o["Key"] for o in delimited.get("Contents", [])] == ["hello.txt"], f"{delimited}")
    expect([p["Prefix"] for p in delimited.get("CommonPrefixes", [])] == ["dir/"], f"{delimited}")

    for key in objects:
        s3.delete_object(Bucket=bucket, Key=key)
    try:
        s3.head_object(Bucket=bucket, Key="hello.txt")
        raise AssertionError("hello.txt still exists after delete_object")
    except ClientError as e:
        status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        expect(status == 404, f"HEAD after delete: {status}")
    expect(s3.list_objects_v2(Bucket=bucket)["KeyCount"] == 0, "bucket not empty")

    s3.delete_bucket(Bucket=bucket)
    print("boto3 smoke: ok")


if __name__ == "__main__":
    main()
