#!/usr/bin/env python3
"""boto3 over HTTPS: SSE-KMS with keys made through Rampart's own KMS API — key ids, ARNs and
aliases, the account's aws/s3 key, encryption contexts, bucket defaults with bucket keys,
multipart uploads and copies, disabled and pending-deletion keys, key rotation, and the
caller's kms:GenerateDataKey / kms:Decrypt permissions. SSE-S3 over HTTPS as well.

Usage: sse_kms.py ENDPOINT CA_BUNDLE
The root credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION. Run by the Rust test `sse_kms::sse_kms_with_boto3_over_https`. Prints
"sse-kms: ok" at the end; exits non-zero with a message on any unexpected outcome.
"""

import base64
import hashlib
import json
import sys
import time

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:  # pragma: no cover - environment problem, not a test failure
    sys.stderr.write(f"boto3 is not installed ({e}); install it with: pip install boto3\n")
    sys.exit(2)

ENDPOINT, CA = sys.argv[1], sys.argv[2]
CONFIG = Config(retries={"max_attempts": 1}, s3={"addressing_style": "path"})


class Unexpected(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Unexpected(what)


def error_of(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise Unexpected(f"{fn.__name__} succeeded; an error was expected")


def client(service, **creds):
    return boto3.client(service, endpoint_url=ENDPOINT, verify=CA, config=CONFIG, **creds)


s3, kms, iam = client("s3"), client("kms"), client("iam")
BUCKET = f"sse-kms-{int(time.time() * 1000) % 10**9}"
s3.create_bucket(Bucket=BUCKET)


def get(key, s3=s3):
    return s3.get_object(Bucket=BUCKET, Key=key)


def check_kms_object(key, body, key_arn, bucket_key=False):
    got = get(key)
    expect(got["Body"].read() == body, f"{key}: body differs")
    expect(got["ServerSideEncryption"] == "aws:kms", f"{key}: {got['ServerSideEncryption']}")
    expect(got["SSEKMSKeyId"] == key_arn, f"{key}: key {got.get('SSEKMSKeyId')} != {key_arn}")
    expect(got.get("BucketKeyEnabled", False) == bucket_key, f"{key}: bucket key")
    head = s3.head_object(Bucket=BUCKET, Key=key)
    expect(head["SSEKMSKeyId"] == key_arn, f"{key}: HEAD key")


# SSE-S3 over HTTPS, as the default and on request.
s3.put_object(Bucket=BUCKET, Key="s3-default", Body=b"default")
expect(s3.head_object(Bucket=BUCKET, Key="s3-default")["ServerSideEncryption"] == "AES256",
       "the default is SSE-S3")
put = s3.put_object(Bucket=BUCKET, Key="s3", Body=b"sse-s3", ServerSideEncryption="AES256")
expect(put["ServerSideEncryption"] == "AES256", "SSE-S3 echo")
expect(put["ETag"].strip('"') == hashlib.md5(b"sse-s3").hexdigest(), "an SSE-S3 ETag is the MD5")

# A customer managed key and an alias, made through the KMS API.
key = kms.create_key(Description="s3 data")["KeyMetadata"]
key_id, key_arn = key["KeyId"], key["Arn"]
kms.create_alias(AliasName="alias/s3data", TargetKeyId=key_id)
alias_arn = key_arn.split(":key/")[0] + ":alias/s3data"

body = b"kms body " * 1000
for i, ref in enumerate([key_id, key_arn, "alias/s3data", alias_arn]):
    put = s3.put_object(Bucket=BUCKET, Key=f"k{i}", Body=body,
                        ServerSideEncryption="aws:kms", SSEKMSKeyId=ref)
    expect(put["ServerSideEncryption"] == "aws:kms", f"{ref}: echo")
    expect(put["SSEKMSKeyId"] == key_arn, f"{ref}: resolved to {put['SSEKMSKeyId']}")
    expect(put["ETag"].strip('"') != hashlib.md5(body).hexdigest(),
           "an SSE-KMS ETag is not the MD5 of the data")
    check_kms_object(f"k{i}", body, key_arn)
got = s3.get_object(Bucket=BUCKET, Key="k0", Range="bytes=100-199")
expect(got["Body"].read() == body[100:200], "a range of an SSE-KMS object")

# A caller's encryption context is bound to the data key and echoed on the write.
context = base64.b64encode(json.dumps({"project": "alpha"}).encode()).decode()
put = s3.put_object(Bucket=BUCKET, Key="ctx", Body=b"with context",
                    ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id,
                    SSEKMSEncryptionContext=context)
echoed = json.loads(base64.b64decode(put["SSEKMSEncryptionContext"]))
expect(echoed == {"project": "alpha", "aws:s3:arn": f"arn:aws:s3:::{BUCKET}/ctx"}, str(echoed))
check_kms_object("ctx", b"with context", key_arn)
expect(error_of(s3.put_object, Bucket=BUCKET, Key="bad", Body=b"x", ServerSideEncryption="aws:kms",
                SSEKMSEncryptionContext="not base64 json") == ("InvalidArgument", 400),
       "a malformed context")

# aws:kms without a key: the account's AWS managed key aws/s3, made on first use.
put = s3.put_object(Bucket=BUCKET, Key="managed", Body=b"managed", ServerSideEncryption="aws:kms")
managed = kms.describe_key(KeyId="alias/aws/s3")["KeyMetadata"]
expect(managed["KeyManager"] == "AWS", str(managed))
expect(put["SSEKMSKeyId"] == managed["Arn"], "aws/s3 is used")
check_kms_object("managed", b"managed", managed["Arn"])

# Unknown keys.
missing = "11111111-2222-3333-4444-555555555555"
expect(error_of(s3.put_object, Bucket=BUCKET, Key="x", Body=b"x", ServerSideEncryption="aws:kms",
                SSEKMSKeyId=missing) == ("KMS.NotFoundException", 400), "unknown key")

# A bucket default of aws:kms with a bucket key.
s3.put_bucket_encryption(Bucket=BUCKET, ServerSideEncryptionConfiguration={"Rules": [{
    "ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "aws:kms", "KMSMasterKeyID": "alias/s3data"},
    "BucketKeyEnabled": True}]})
rule = s3.get_bucket_encryption(Bucket=BUCKET)["ServerSideEncryptionConfiguration"]["Rules"][0]
expect(rule["ApplyServerSideEncryptionByDefault"] == {"SSEAlgorithm": "aws:kms",
                                                     "KMSMasterKeyID": "alias/s3data"}, str(rule))
expect(rule["BucketKeyEnabled"] is True, str(rule))
put = s3.put_object(Bucket=BUCKET, Key="by-default", Body=b"defaulted")
expect(put["ServerSideEncryption"] == "aws:kms" and put["BucketKeyEnabled"], str(put))
check_kms_object("by-default", b"defaulted", key_arn, bucket_key=True)

# Multipart: the upload's key, every part sealed under it.
part1, part2 = b"a" * (5 * 1024 * 1024), b"b" * 1000
mpu = s3.create_multipart_upload(Bucket=BUCKET, Key="mpu", ServerSideEncryption="aws:kms",
                                 SSEKMSKeyId=key_id, BucketKeyEnabled=False)
expect(mpu["SSEKMSKeyId"] == key_arn, "CreateMultipartUpload echo")
parts = []
for n, data in [(1, part1), (2, part2)]:
    p = s3.upload_part(Bucket=BUCKET, Key="mpu", UploadId=mpu["UploadId"], PartNumber=n, Body=data)
    expect(p["ServerSideEncryption"] == "aws:kms", "UploadPart echo")
    parts.append({"PartNumber": n, "ETag": p["ETag"]})
done = s3.complete_multipart_upload(Bucket=BUCKET, Key="mpu", UploadId=mpu["UploadId"],
                                    MultipartUpload={"Parts": parts})
expect(done["ServerSideEncryption"] == "aws:kms", "Complete echo")
check_kms_object("mpu", part1 + part2, key_arn)

# Copies: out of SSE-KMS into SSE-S3, and into SSE-KMS under another key.
s3.copy_object(Bucket=BUCKET, Key="copy-s3", CopySource=f"{BUCKET}/k0", ServerSideEncryption="AES256")
got = get("copy-s3")
expect(got["ServerSideEncryption"] == "AES256" and got["Body"].read() == body, "copy to SSE-S3")
other = kms.create_key()["KeyMetadata"]
copied = s3.copy_object(Bucket=BUCKET, Key="copy-kms", CopySource=f"{BUCKET}/s3",
                        ServerSideEncryption="aws:kms", SSEKMSKeyId=other["KeyId"])
expect(copied["SSEKMSKeyId"] == other["Arn"], "copy to SSE-KMS")
# Without the bucket-key header, a write takes the bucket's BucketKeyEnabled (as on S3).
check_kms_object("copy-kms", b"sse-s3", other["Arn"], bucket_key=True)

# A disabled key: reads and writes fail as S3 reports it; enabled again, they work.
kms.disable_key(KeyId=key_id)
expect(error_of(get, "k0") == ("KMS.DisabledException", 400), "GET under a disabled key")
expect(error_of(s3.put_object, Bucket=BUCKET, Key="x", Body=b"x", ServerSideEncryption="aws:kms",
                SSEKMSKeyId=key_id) == ("KMS.DisabledException", 400), "PUT under a disabled key")
kms.enable_key(KeyId=key_id)
check_kms_object("k0", body, key_arn)

# Pending deletion: KMSInvalidStateException; cancelled, the key is disabled until enabled.
kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
expect(error_of(get, "k1") == ("KMS.KMSInvalidStateException", 400), "GET under a key pending deletion")
kms.cancel_key_deletion(KeyId=key_id)
expect(error_of(get, "k1") == ("KMS.DisabledException", 400), "a cancelled deletion leaves the key disabled")
kms.enable_key(KeyId=key_id)

# Rotation: objects sealed under the old material still open; new ones use the new material.
kms.rotate_key_on_demand(KeyId=key_id)
rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
expect(len(rotations) == 1, str(rotations))
check_kms_object("k2", body, key_arn)
s3.put_object(Bucket=BUCKET, Key="after-rotation", Body=b"new material",
              ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
check_kms_object("after-rotation", b"new material", key_arn, bucket_key=True)

# The caller's own KMS permissions: S3 uses the key as the caller.
iam.create_user(UserName="reader")
creds = iam.create_access_key(UserName="reader")["AccessKey"]
iam.put_user_policy(UserName="reader", PolicyName="s3", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}))
user_s3 = client("s3", aws_access_key_id=creds["AccessKeyId"],
                 aws_secret_access_key=creds["SecretAccessKey"])
for _ in range(50):  # a new key may take a moment to be accepted
    try:
        user_s3.head_object(Bucket=BUCKET, Key="k0")
        break
    except ClientError:
        time.sleep(0.1)
expect(error_of(get, "k0", s3=user_s3) == ("AccessDenied", 403),
       "GET without kms:Decrypt on the customer managed key")
expect(error_of(user_s3.put_object, Bucket=BUCKET, Key="u", Body=b"x", ServerSideEncryption="aws:kms",
                SSEKMSKeyId=key_id) == ("AccessDenied", 403), "PUT without kms:GenerateDataKey")
# The aws/s3 key lets every principal of the account use it through S3.
user_s3.put_object(Bucket=BUCKET, Key="u-managed", Body=b"user", ServerSideEncryption="aws:kms")
expect(get("u-managed", s3=user_s3)["Body"].read() == b"user", "aws/s3 through S3")
iam.put_user_policy(UserName="reader", PolicyName="kms", PolicyDocument=json.dumps({
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": ["kms:Decrypt", "kms:GenerateDataKey"],
                   "Resource": key_arn}]}))
expect(get("k0", s3=user_s3)["Body"].read() == body, "GET with kms:Decrypt")
user_s3.put_object(Bucket=BUCKET, Key="u", Body=b"x", ServerSideEncryption="aws:kms", SSEKMSKeyId=key_id)
# The bucket default asks the KMS as the caller too: the other key is not the user's.
expect(error_of(get, "copy-kms", s3=user_s3) == ("AccessDenied", 403), "the other key is not granted")

print("sse-kms: ok")
