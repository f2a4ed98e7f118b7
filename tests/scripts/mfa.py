#!/usr/bin/env python3
"""boto3 against a Rampart server: virtual MFA devices for an IAM user and for the account
root, TOTP codes computed here (RFC 6238), GetSessionToken with SerialNumber/TokenCode, and
an IAM policy that allows a call only when aws:MultiFactorAuthPresent is true.

Usage: mfa.py ENDPOINT
The root credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION. Run by the Rust test `mfa::boto3_mfa_scenario`. Prints "mfa: ok" at the
end; exits non-zero with a message on any unexpected outcome.
"""

import base64
import hashlib
import hmac
import json
import struct
import sys
import time

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:  # pragma: no cover - environment problem, not a test failure
    sys.stderr.write(f"boto3 is not installed ({e}); install it with: pip install boto3\n")
    sys.exit(2)

CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})
# EnableMFADevice's UserName is required in the SDK's model; the root omits it as the
# console does, which needs the client-side check off.
UNCHECKED = Config(retries={"max_attempts": 1}, parameter_validation=False)
STEP = 30


class Unexpected(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Unexpected(what)


def client(service, endpoint, creds=None, config=CONFIG):
    kwargs = {}
    if creds is not None:
        kwargs = {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
        }
        if creds.get("SessionToken"):
            kwargs["aws_session_token"] = creds["SessionToken"]
    return boto3.client(service, endpoint_url=endpoint, config=config, **kwargs)


def expect_error(what, code, status, fn, *args, **kwargs):
    """Calls fn, which must fail with this error code and HTTP status; returns the message."""
    try:
        result = fn(*args, **kwargs)
    except ClientError as e:
        got_code = e.response.get("Error", {}).get("Code")
        got_status = e.response["ResponseMetadata"]["HTTPStatusCode"]
        expect(
            (got_code, got_status) == (code, status),
            f"{what}: expected {code} ({status}), got {got_code} ({got_status}): {e}",
        )
        return e.response.get("Error", {}).get("Message", "")
    raise Unexpected(f"{what}: expected {code} ({status}), but the call succeeded: {result}")


def totp(seed, step):
    """RFC 6238 / RFC 4226: HMAC-SHA1, dynamic truncation, 6 digits."""
    digest = hmac.new(seed, struct.pack(">Q", step), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def fresh_step():
    """The current time step, at least 5 seconds before it ends (so that a few calls made
    now still see it as the current step)."""
    now = time.time()
    if STEP - (now % STEP) < 5:
        time.sleep(STEP - (now % STEP) + 0.2)
    return int(time.time()) // STEP


def seed_of(created):
    device = created["VirtualMFADevice"]
    text = device["Base32StringSeed"]
    expect(isinstance(text, bytes) and len(text) == 64, f"Base32StringSeed: {text!r}")
    return device["SerialNumber"], base64.b32decode(text)


def main():
    endpoint = sys.argv[1]
    iam = client("iam", endpoint)
    root_sts = client("sts", endpoint)
    account = root_sts.get_caller_identity()["Account"]

    # A user whose only permission needs MFA.
    iam.create_user(UserName="mfa-alice")
    only_with_mfa = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "s3:ListAllMyBuckets",
                "Resource": "*",
                "Condition": {"Bool": {"aws:MultiFactorAuthPresent": "true"}},
            }
        ],
    }
    iam.put_user_policy(
        UserName="mfa-alice", PolicyName="mfa-only", PolicyDocument=json.dumps(only_with_mfa)
    )
    key = iam.create_access_key(UserName="mfa-alice")["AccessKey"]

    # Her device: the seed comes once, Base32.
    created = iam.create_virtual_mfa_device(VirtualMFADeviceName="alice-phone", Path="/people/")
    serial, seed = seed_of(created)
    expect(serial == f"arn:aws:iam::{account}:mfa/people/alice-phone", serial)
    expect_error(
        "the same name again",
        "EntityAlreadyExists",
        409,
        iam.create_virtual_mfa_device,
        VirtualMFADeviceName="alice-phone",
    )
    unassigned = iam.list_virtual_mfa_devices(AssignmentStatus="Unassigned")["VirtualMFADevices"]
    expect([d["SerialNumber"] for d in unassigned] == [serial], f"unassigned: {unassigned}")
    expect("Base32StringSeed" not in unassigned[0], "listings never show the seed")

    step = fresh_step()
    wrong = f"{(int(totp(seed, step)) + 1) % 1_000_000:06d}"
    expect_error(
        "a wrong first code",
        "InvalidAuthenticationCode",
        403,
        iam.enable_mfa_device,
        UserName="mfa-alice",
        SerialNumber=serial,
        AuthenticationCode1=wrong,
        AuthenticationCode2=totp(seed, step),
    )
    expect_error(
        "codes not consecutive",
        "InvalidAuthenticationCode",
        403,
        iam.enable_mfa_device,
        UserName="mfa-alice",
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, step),
        AuthenticationCode2=totp(seed, step - 1),
    )
    # The previous step's code and the current one.
    iam.enable_mfa_device(
        UserName="mfa-alice",
        SerialNumber=serial,
        AuthenticationCode1=totp(seed, step - 1),
        AuthenticationCode2=totp(seed, step),
    )
    listed = iam.list_mfa_devices(UserName="mfa-alice")["MFADevices"]
    expect(len(listed) == 1 and listed[0]["SerialNumber"] == serial, f"listed: {listed}")
    expect(listed[0]["UserName"] == "mfa-alice", f"listed: {listed}")
    assigned = iam.list_virtual_mfa_devices(AssignmentStatus="Assigned")["VirtualMFADevices"]
    expect(
        len(assigned) == 1 and assigned[0]["User"]["UserName"] == "mfa-alice",
        f"assigned: {assigned}",
    )
    expect("EnableDate" in assigned[0], f"assigned: {assigned}")
    expect_error(
        "deleting an assigned device",
        "DeleteConflict",
        409,
        iam.delete_virtual_mfa_device,
        SerialNumber=serial,
    )
    expect_error(
        "deleting a user with a device",
        "DeleteConflict",
        409,
        iam.delete_user,
        UserName="mfa-alice",
    )

    # Without MFA the policy's condition does not hold; with a session made with a code, it does.
    alice_s3 = client("s3", endpoint, key)
    expect_error("ListBuckets without MFA", "AccessDenied", 403, alice_s3.list_buckets)
    alice_sts = client("sts", endpoint, key)
    plain = alice_sts.get_session_token()["Credentials"]
    expect_error(
        "ListBuckets with a session made without MFA",
        "AccessDenied",
        403,
        client("s3", endpoint, plain).list_buckets,
    )
    expect_error(
        "a wrong TokenCode",
        "AccessDenied",
        403,
        alice_sts.get_session_token,
        SerialNumber=serial,
        TokenCode=wrong,
    )
    expect_error(
        "SerialNumber without TokenCode",
        "AccessDenied",
        403,
        alice_sts.get_session_token,
        SerialNumber=serial,
    )
    code = totp(seed, step + 1)
    with_mfa = alice_sts.get_session_token(SerialNumber=serial, TokenCode=code)["Credentials"]
    client("s3", endpoint, with_mfa).list_buckets()
    message = expect_error(
        "the same code again",
        "AccessDenied",
        403,
        alice_sts.get_session_token,
        SerialNumber=serial,
        TokenCode=code,
    )
    expect("invalid MFA one time pass code" in message, message)
    # A code spent when enabling cannot be replayed either.
    expect_error(
        "an enabling code",
        "AccessDenied",
        403,
        alice_sts.get_session_token,
        SerialNumber=serial,
        TokenCode=totp(seed, step),
    )

    # The root's own device, attached without a UserName.
    root_created = iam.create_virtual_mfa_device(VirtualMFADeviceName="root-account-mfa-device")
    root_serial, root_seed = seed_of(root_created)
    step = fresh_step()
    client("iam", endpoint, config=UNCHECKED).enable_mfa_device(
        SerialNumber=root_serial,
        AuthenticationCode1=totp(root_seed, step),
        AuthenticationCode2=totp(root_seed, step + 1),
    )
    mine = iam.list_mfa_devices()["MFADevices"]
    expect([d["SerialNumber"] for d in mine] == [root_serial], f"root's devices: {mine}")
    expect(mine[0]["UserName"] == account, f"root's devices: {mine}")
    everything = iam.list_virtual_mfa_devices()["VirtualMFADevices"]
    root_row = [d for d in everything if d["SerialNumber"] == root_serial]
    expect(
        len(root_row) == 1 and root_row[0]["User"]["Arn"] == f"arn:aws:iam::{account}:root",
        f"all devices: {everything}",
    )
    # The root's session with MFA: the root may use GetSessionToken with its own device.
    root_session = None
    for attempt in range(2):
        # Codes up to step + 1 are spent; wait into the next step if needed.
        now_step = int(time.time()) // STEP
        if now_step + 1 > step + 1:
            root_session = root_sts.get_session_token(
                SerialNumber=root_serial, TokenCode=totp(root_seed, now_step + 1)
            )["Credentials"]
            break
        time.sleep(STEP - (time.time() % STEP) + 0.2)
    expect(root_session is not None, "no root session with MFA")
    expect(root_session["AccessKeyId"].startswith("ASIA"), f"{root_session}")

    # Deactivate and delete both.
    iam.deactivate_mfa_device(UserName="mfa-alice", SerialNumber=serial)
    expect(iam.list_mfa_devices(UserName="mfa-alice")["MFADevices"] == [], "alice's devices")
    iam.delete_virtual_mfa_device(SerialNumber=serial)
    iam.deactivate_mfa_device(UserName=account, SerialNumber=root_serial)
    iam.delete_virtual_mfa_device(SerialNumber=root_serial)
    expect(iam.list_virtual_mfa_devices()["VirtualMFADevices"] == [], "devices left")
    expect_error(
        "a deleted device",
        "NoSuchEntity",
        404,
        iam.delete_virtual_mfa_device,
        SerialNumber=serial,
    )

    iam.delete_access_key(UserName="mfa-alice", AccessKeyId=key["AccessKeyId"])
    iam.delete_user_policy(UserName="mfa-alice", PolicyName="mfa-only")
    iam.delete_user(UserName="mfa-alice")
    print("mfa: ok")


if __name__ == "__main__":
    try:
        main()
    except Unexpected as e:
        sys.stderr.write(f"unexpected: {e}\n")
        sys.exit(1)
