#!/usr/bin/env python3
"""boto3 over HTTPS: MFA Delete on a versioned bucket. The bucket owner's root attaches a
virtual MFA device, turns MFA Delete on with a code, and from then on permanently deleting a
version (DeleteObject with VersionId, DeleteObjects with VersionIds) and changing the
versioning state need a fresh code; plain deletes (delete markers) do not. Codes are computed
here (RFC 6238) and each is accepted once.

Usage: mfa_delete.py ENDPOINT CA_BUNDLE
The root credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION. Run by the Rust test `versioning::mfa_delete_with_boto3_over_https`.
Prints "mfa-delete: ok" at the end; exits non-zero with a message on any unexpected outcome.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from mfa import STEP, UNCHECKED, expect, seed_of, totp  # noqa: E402

import boto3  # noqa: E402
from botocore.config import Config  # noqa: E402
from botocore.exceptions import ClientError  # noqa: E402

ENDPOINT, CA = sys.argv[1], sys.argv[2]
CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})


def error_of(fn, **kwargs):
    try:
        fn(**kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise SystemExit(f"{fn.__name__} succeeded; an error was expected")


def wait_for_step(step):
    """Sleeps until `step` is at most one step ahead of the current one (so it is accepted)."""
    while int(time.time()) // STEP < step - 1:
        time.sleep(0.5)


s3 = boto3.client("s3", endpoint_url=ENDPOINT, verify=CA, config=CONFIG)
iam = boto3.client("iam", endpoint_url=ENDPOINT, verify=CA, config=UNCHECKED)
bucket = f"mfa-delete-{int(time.time() * 1000) % 10**9}"
s3.create_bucket(Bucket=bucket)
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})

# The root's own virtual device (no UserName, as the console does it).
serial, seed = seed_of(iam.create_virtual_mfa_device(VirtualMFADeviceName="root-device"))
now = int(time.time()) // STEP
iam.enable_mfa_device(SerialNumber=serial, AuthenticationCode1=totp(seed, now - 1),
                      AuthenticationCode2=totp(seed, now))
step = now + 1


def mfa():
    global step
    wait_for_step(step)
    code = f"{serial} {totp(seed, step)}"
    step += 1
    return code


# A bucket policy sees aws:MultiFactorAuthPresent for a request carrying a valid code.
policy = {"Version": "2012-10-17", "Statement": [{
    "Effect": "Deny", "Principal": "*", "Action": "s3:PutBucketVersioning",
    "Resource": f"arn:aws:s3:::{bucket}",
    "Condition": {"BoolIfExists": {"aws:MultiFactorAuthPresent": "false"}}}]}
s3.put_bucket_policy(Bucket=bucket, Policy=json.dumps(policy))
expect(error_of(s3.put_bucket_versioning, Bucket=bucket,
                VersioningConfiguration={"Status": "Enabled"}) == ("AccessDenied", 403),
       "a policy requiring MFA, without it")
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"}, MFA=mfa())
s3.delete_bucket_policy(Bucket=bucket)

# Turning MFA Delete on needs the device.
config = {"Status": "Enabled", "MFADelete": "Enabled"}
expect(error_of(s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration=config)
       == ("AccessDenied", 403), "MFA Delete without a code")
expect(error_of(s3.put_bucket_versioning, Bucket=bucket, VersioningConfiguration=config,
                MFA=f"{serial} 000000") == ("AccessDenied", 403), "MFA Delete with a wrong code")
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration=config, MFA=mfa())
got = s3.get_bucket_versioning(Bucket=bucket)
expect(got["Status"] == "Enabled" and got["MFADelete"] == "Enabled", str(got))

v1 = s3.put_object(Bucket=bucket, Key="k", Body=b"one")["VersionId"]
v2 = s3.put_object(Bucket=bucket, Key="k", Body=b"two")["VersionId"]
# A plain delete only adds a marker: no MFA needed.
marker = s3.delete_object(Bucket=bucket, Key="k")
expect(marker["DeleteMarker"], str(marker))
# Permanent deletes need it, one code per request, each code once.
expect(error_of(s3.delete_object, Bucket=bucket, Key="k", VersionId=v1) == ("AccessDenied", 403),
       "a version delete without MFA")
expect(error_of(s3.delete_objects, Bucket=bucket,
                Delete={"Objects": [{"Key": "k", "VersionId": v1}]}) == ("AccessDenied", 403),
       "DeleteObjects with a version and no MFA")
code = mfa()
s3.delete_object(Bucket=bucket, Key="k", VersionId=v1, MFA=code)
expect(error_of(s3.delete_object, Bucket=bucket, Key="k", VersionId=v2, MFA=code)
       == ("AccessDenied", 403), "a replayed code")
s3.delete_objects(Bucket=bucket, Delete={"Objects": [{"Key": "k", "VersionId": v2}]}, MFA=mfa())
left = s3.list_object_versions(Bucket=bucket)
expect(not left.get("Versions") and len(left.get("DeleteMarkers", [])) == 1, str(left))
# Suspending versioning needs the device too; so does turning MFA Delete off.
expect(error_of(s3.put_bucket_versioning, Bucket=bucket,
                VersioningConfiguration={"Status": "Suspended", "MFADelete": "Enabled"})
       == ("AccessDenied", 403), "a state change without MFA")
s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Suspended",
                                                                 "MFADelete": "Disabled"},
                         MFA=mfa())
got = s3.get_bucket_versioning(Bucket=bucket)
expect(got["Status"] == "Suspended" and got["MFADelete"] == "Disabled", str(got))
print("mfa-delete: ok")
