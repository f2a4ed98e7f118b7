#!/usr/bin/env python3
"""boto3's TransferManager against a Rampart server: a multipart upload_file and a ranged,
threaded download_file of one large file.

Usage: boto3_transfer.py ENDPOINT BUCKET SOURCE_FILE DEST_FILE
Creates BUCKET, uploads SOURCE_FILE as `big.bin` in 8 MiB parts with 8 threads, checks the
multipart ETag, and downloads it to DEST_FILE (8 MiB ranges, 8 threads). The caller compares
the files. Credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION. Run by the Rust test `clients::boto3_transfer_manager_100_mib`.
"""

import os
import sys

try:
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
except ImportError as e:  # pragma: no cover - environment problem, not a test failure
    sys.stderr.write(f"boto3 is not installed ({e}); install it with: pip install boto3\n")
    sys.exit(2)

MIB = 1024 * 1024
CHUNK = 8 * MIB


def expect(cond, what):
    if not cond:
        raise AssertionError(what)


def main():
    if len(sys.argv) != 5:
        sys.stderr.write(__doc__)
        sys.exit(2)
    endpoint, bucket, source, dest = sys.argv[1:]
    s3 = boto3.client(
        "s3",
        endpoint_url=endpoint,
        config=Config(
            s3={"addressing_style": "path"},
            retries={"max_attempts": 1},
            max_pool_connections=16,
        ),
    )
    config = TransferConfig(
        multipart_threshold=CHUNK,
        multipart_chunksize=CHUNK,
        max_concurrency=8,
        use_threads=True,
    )

    s3.create_bucket(Bucket=bucket)
    size = os.path.getsize(source)
    s3.upload_file(source, bucket, "big.bin", Config=config)

    head = s3.head_object(Bucket=bucket, Key="big.bin")
    parts = -(-size // CHUNK)
    expect(head["ContentLength"] == size, f"HEAD: ContentLength {head['ContentLength']} != {size}")
    expect(
        head["ETag"].startswith('"') and head["ETag"].endswith(f'-{parts}"'),
        f"HEAD: ETag {head['ETag']} is not a {parts}-part multipart ETag",
    )

    s3.download_file(bucket, "big.bin", dest, Config=config)
    got = os.path.getsize(dest)
    expect(got == size, f"download_file wrote {got} bytes, want {size}")

    s3.delete_object(Bucket=bucket, Key="big.bin")
    s3.delete_bucket(Bucket=bucket)
    print(f"boto3 transfer: ok ({parts} parts)")


if __name__ == "__main__":
    main()
