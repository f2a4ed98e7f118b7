#!/usr/bin/env python3
"""Small PUTs into a bucket with Object Lock against a plain versioned bucket (boto3, 8
writers): a locked bucket stores every object as a blob (never inline in its metadata record)
and writes each locked blob's lock file beside it. Usage: object_lock_puts.py ENDPOINT, with
the root credentials in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_DEFAULT_REGION,
against a fresh release server. Figures in docs/PERFORMANCE.md ("Object Lock: small PUTs")."""
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import boto3
from botocore.config import Config

E = sys.argv[1]
s3 = boto3.client("s3", endpoint_url=E, config=Config(s3={"addressing_style": "path"}, max_pool_connections=16))
N = 2000
BODY = b"x" * 4096


def bucket(name, lock, default_days=None):
    if lock:
        s3.create_bucket(Bucket=name, ObjectLockEnabledForBucket=True)
    else:
        s3.create_bucket(Bucket=name)
        s3.put_bucket_versioning(Bucket=name, VersioningConfiguration={"Status": "Enabled"})
    if default_days:
        s3.put_object_lock_configuration(Bucket=name, ObjectLockConfiguration={
            "ObjectLockEnabled": "Enabled",
            "Rule": {"DefaultRetention": {"Mode": "GOVERNANCE", "Days": default_days}}})
    return name


def rate(name, round_no):
    t = time.perf_counter()
    with ThreadPoolExecutor(8) as ex:
        list(ex.map(lambda i: s3.put_object(Bucket=name, Key=f"r{round_no}/{i:05d}", Body=BODY), range(N)))
    return N / (time.perf_counter() - t)


cases = [("versioned, no lock", bucket("lbplain", False)),
         ("Object Lock, no retention", bucket("lbnone", True)),
         ("Object Lock, 1-day GOVERNANCE default", bucket("lbgov", True, 1))]
results = {label: [] for label, _ in cases}
for round_no in range(3):  # alternate the cases so drift on a shared machine hits each alike
    for label, name in cases:
        results[label].append(rate(name, round_no))
for label, xs in results.items():
    print(f"{label:40s} median {statistics.median(xs):7.0f} PUTs/s  ({', '.join(f'{x:.0f}' for x in xs)})")
