#!/usr/bin/env python3
"""Many versions of one key: GET, HEAD and ListObjectsV2 before and after 10,000 versions of
one key (boto3, one client). Usage: many_versions.py ENDPOINT, with the root credentials in
AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION, against a fresh server
(`cargo build --release -p rampart && target/release/rampart serve --data-dir …`).
Figures in docs/PERFORMANCE.md ("Versioning: many versions of one key")."""
import statistics
import sys
import time

import boto3
from botocore.config import Config
from concurrent.futures import ThreadPoolExecutor
E = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=E, config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))
b = "vbench"
s3.create_bucket(Bucket=b)
s3.put_bucket_versioning(Bucket=b, VersioningConfiguration={"Status": "Enabled"})
for i in range(1000):
    s3.put_object(Bucket=b, Key=f"other/{i:04d}", Body=b"x")
s3.put_object(Bucket=b, Key="one", Body=b"x" * 1000)
s3.put_object(Bucket=b, Key="hot", Body=b"x" * 1000)

def timed(fn, n=300):
    fn()
    xs = []
    for _ in range(n):
        t = time.perf_counter(); fn(); xs.append((time.perf_counter() - t) * 1000)
    xs.sort()
    return f"median {statistics.median(xs):.2f} ms, p90 {xs[int(len(xs)*0.9)]:.2f} ms"
print("ListObjectsV2 before (1,002 keys, one version each):", timed(lambda: s3.list_objects_v2(Bucket=b), 100))
t = time.time()
with ThreadPoolExecutor(8) as ex:
    list(ex.map(lambda i: s3.put_object(Bucket=b, Key="hot", Body=b"x" * 1000), range(10000)))
print(f"10,000 versions written in {time.time()-t:.1f} s")
print("GET latest, 1 version:      ", timed(lambda: s3.get_object(Bucket=b, Key="one")["Body"].read()))
print("GET latest, 10,001 versions:", timed(lambda: s3.get_object(Bucket=b, Key="hot")["Body"].read()))
print("HEAD, 1 version:            ", timed(lambda: s3.head_object(Bucket=b, Key="one")))
print("HEAD, 10,001 versions:      ", timed(lambda: s3.head_object(Bucket=b, Key="hot")))
print("ListObjectsV2 (1,002 keys, one with 10,001 versions):", timed(lambda: s3.list_objects_v2(Bucket=b), 100))
r = s3.list_objects_v2(Bucket=b)
print("  keys listed:", r["KeyCount"], "truncated:", r["IsTruncated"])
print("ListObjectVersions first page (1000):", timed(lambda: s3.list_object_versions(Bucket=b, Prefix="hot"), 50))
