#!/usr/bin/env python3
"""boto3 against Rampart's built-in KMS: every operation it serves, key states, rotation,
aliases, encryption contexts, and key policies and IAM policies deciding together.

Usage: kms.py ENDPOINT
The root credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION. Run by the Rust test `kms::boto3_kms_scenario`. Prints "kms: ok" at the
end; exits non-zero with a message on any unexpected outcome.
"""

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

CONFIG = Config(retries={"max_attempts": 1})
ENDPOINT = sys.argv[1]


class Unexpected(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Unexpected(what)


def error_code(fn, *args, **kwargs):
    try:
        fn(*args, **kwargs)
    except ClientError as e:
        return e.response["Error"]["Code"], e.response["ResponseMetadata"]["HTTPStatusCode"]
    raise Unexpected(f"{fn.__name__} succeeded but should have failed")


def expect_error(code, fn, *args, **kwargs):
    got, status = error_code(fn, *args, **kwargs)
    expect(got == code, f"{fn.__name__}: expected {code}, got {got}")
    expect(status == 400, f"{fn.__name__}: expected status 400, got {status}")


def client(service, keys=None):
    kwargs = {"endpoint_url": ENDPOINT, "config": CONFIG}
    if keys:
        kwargs["aws_access_key_id"] = keys["AccessKeyId"]
        kwargs["aws_secret_access_key"] = keys["SecretAccessKey"]
    return boto3.client(service, **kwargs)


def user(iam, name, policy=None):
    iam.create_user(UserName=name)
    if policy:
        iam.put_user_policy(UserName=name, PolicyName="kms", PolicyDocument=json.dumps(policy))
    keys = iam.create_access_key(UserName=name)["AccessKey"]
    # Let the new key be usable (the server is consistent at once; this is for symmetry
    # with AWS's eventual consistency, and costs nothing here).
    return client("kms", keys)


def allow(actions, effect="Allow"):
    return {"Version": "2012-10-17",
            "Statement": [{"Effect": effect, "Action": actions, "Resource": "*"}]}


def main():
    kms = client("kms")
    iam = client("iam")
    sts = client("sts")
    account = sts.get_caller_identity()["Account"]

    # Keys and their metadata.
    meta = kms.create_key(Description="boto3 key", Tags=[{"TagKey": "t", "TagValue": "v"}])["KeyMetadata"]
    key_id, key_arn = meta["KeyId"], meta["Arn"]
    expect(key_arn == f"arn:aws:kms:us-east-1:{account}:key/{key_id}", key_arn)
    expect(meta["KeyState"] == "Enabled" and meta["Enabled"], meta)
    expect(meta["KeyUsage"] == "ENCRYPT_DECRYPT" and meta["KeySpec"] == "SYMMETRIC_DEFAULT", meta)
    expect(meta["KeyManager"] == "CUSTOMER" and meta["Origin"] == "AWS_KMS", meta)
    expect(hasattr(meta["CreationDate"], "year"), "CreationDate is a timestamp")
    described = kms.describe_key(KeyId=key_arn)["KeyMetadata"]
    expect(described["Description"] == "boto3 key", described)
    listed = [k["KeyId"] for k in kms.list_keys()["Keys"]]
    expect(key_id in listed, listed)
    expect_error("UnsupportedOperationException", kms.create_key, KeySpec="RSA_2048", KeyUsage="ENCRYPT_DECRYPT")
    expect_error("NotFoundException", kms.describe_key, KeyId="1234abcd-12ab-34cd-56ef-1234567890ab")
    expect_error("NotFoundException", kms.describe_key, KeyId="alias/nope")

    # Key policy.
    policy = kms.get_key_policy(KeyId=key_id, PolicyName="default")["Policy"]
    expect(f"arn:aws:iam::{account}:root" in policy, policy)
    expect(kms.list_key_policies(KeyId=key_id)["PolicyNames"] == ["default"], "policy names")
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy)
    expect_error("MalformedPolicyDocumentException", kms.put_key_policy, KeyId=key_id,
                 PolicyName="default", Policy='{"Version":"2012-10-17"}')

    # Aliases resolve everywhere.
    kms.create_alias(AliasName="alias/boto", TargetKeyId=key_id)
    expect_error("AlreadyExistsException", kms.create_alias, AliasName="alias/boto", TargetKeyId=key_id)
    expect_error("InvalidAliasNameException", kms.create_alias, AliasName="alias/aws/mine", TargetKeyId=key_id)
    alias_arn = f"arn:aws:kms:us-east-1:{account}:alias/boto"
    for ref in (key_id, key_arn, "alias/boto", alias_arn):
        expect(kms.describe_key(KeyId=ref)["KeyMetadata"]["KeyId"] == key_id, ref)
    aliases = kms.list_aliases(KeyId=key_id)["Aliases"]
    expect([a["AliasName"] for a in aliases] == ["alias/boto"], aliases)
    expect(aliases[0]["AliasArn"] == alias_arn and aliases[0]["TargetKeyId"] == key_id, aliases)

    # Encrypt / Decrypt, with and without an encryption context.
    blob = kms.encrypt(KeyId="alias/boto", Plaintext=b"top secret")["CiphertextBlob"]
    out = kms.decrypt(CiphertextBlob=blob)
    expect(out["Plaintext"] == b"top secret" and out["KeyId"] == key_arn, out)
    ctx = {"purpose": "e2e", "user": "boto3"}
    blob_ctx = kms.encrypt(KeyId=alias_arn, Plaintext=b"with context", EncryptionContext=ctx)["CiphertextBlob"]
    expect(kms.decrypt(CiphertextBlob=blob_ctx, EncryptionContext=ctx)["Plaintext"] == b"with context", "ctx")
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob_ctx)
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=blob_ctx,
                 EncryptionContext={"purpose": "other", "user": "boto3"})
    expect_error("InvalidCiphertextException", kms.decrypt, CiphertextBlob=b"garbage")

    # Data keys.
    dk = kms.generate_data_key(KeyId=key_id, KeySpec="AES_256", EncryptionContext=ctx)
    expect(len(dk["Plaintext"]) == 32 and dk["KeyId"] == key_arn, dk["KeyId"])
    expect(kms.decrypt(CiphertextBlob=dk["CiphertextBlob"], EncryptionContext=ctx)["Plaintext"] == dk["Plaintext"], "data key")
    dk16 = kms.generate_data_key(KeyId="alias/boto", NumberOfBytes=16)
    expect(len(dk16["Plaintext"]) == 16, "16 bytes")
    nop = kms.generate_data_key_without_plaintext(KeyId=key_id, KeySpec="AES_128")
    expect("Plaintext" not in nop, nop)
    expect(len(kms.decrypt(CiphertextBlob=nop["CiphertextBlob"])["Plaintext"]) == 16, "without plaintext")
    expect_error("ValidationException", kms.generate_data_key, KeyId=key_id)
    other = kms.create_key()["KeyMetadata"]["KeyId"]
    expect_error("IncorrectKeyException", kms.decrypt, CiphertextBlob=blob, KeyId=other)
    re = kms.re_encrypt(CiphertextBlob=blob, DestinationKeyId=other)
    expect(kms.decrypt(CiphertextBlob=re["CiphertextBlob"])["Plaintext"] == b"top secret", "re-encrypt")

    # Disable / enable.
    kms.disable_key(KeyId=key_id)
    expect(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled", "disabled")
    expect_error("DisabledException", kms.encrypt, KeyId=key_id, Plaintext=b"x")
    expect_error("DisabledException", kms.generate_data_key, KeyId=key_id, KeySpec="AES_256")
    expect_error("DisabledException", kms.decrypt, CiphertextBlob=blob)
    kms.enable_key(KeyId=key_id)
    expect(kms.decrypt(CiphertextBlob=blob)["Plaintext"] == b"top secret", "enabled again")

    # Rotation: old ciphertexts still decrypt, new ones use the new version.
    status = kms.get_key_rotation_status(KeyId=key_id)
    expect(status["KeyRotationEnabled"] is False, status)
    kms.enable_key_rotation(KeyId=key_id, RotationPeriodInDays=180)
    status = kms.get_key_rotation_status(KeyId=key_id)
    expect(status["KeyRotationEnabled"] and status["RotationPeriodInDays"] == 180, status)
    expect("NextRotationDate" in status, status)
    kms.disable_key_rotation(KeyId=key_id)
    expect(kms.get_key_rotation_status(KeyId=key_id)["KeyRotationEnabled"] is False, "rotation off")
    before = kms.encrypt(KeyId=key_id, Plaintext=b"before rotation")["CiphertextBlob"]
    expect(kms.rotate_key_on_demand(KeyId=key_id)["KeyId"] == key_arn, "rotate")
    after = kms.encrypt(KeyId=key_id, Plaintext=b"after rotation")["CiphertextBlob"]
    expect(before != after, "new ciphertext")
    expect(kms.decrypt(CiphertextBlob=before)["Plaintext"] == b"before rotation", "old decrypts")
    expect(kms.decrypt(CiphertextBlob=after)["Plaintext"] == b"after rotation", "new decrypts")
    rotations = kms.list_key_rotations(KeyId=key_id)["Rotations"]
    expect(len(rotations) == 1 and rotations[0]["RotationType"] == "ON_DEMAND", rotations)

    # Alias update and delete.
    kms.update_alias(AliasName="alias/boto", TargetKeyId=other)
    expect(kms.describe_key(KeyId="alias/boto")["KeyMetadata"]["KeyId"] == other, "updated alias")
    kms.delete_alias(AliasName="alias/boto")
    expect_error("NotFoundException", kms.delete_alias, AliasName="alias/boto")
    expect_error("NotFoundException", kms.encrypt, KeyId="alias/boto", Plaintext=b"x")

    # Deletion: pending deletion refuses use; cancelling leaves the key disabled.
    sched = kms.schedule_key_deletion(KeyId=key_id, PendingWindowInDays=7)
    expect(sched["KeyState"] == "PendingDeletion" and sched["PendingWindowInDays"] == 7, sched)
    expect(hasattr(sched["DeletionDate"], "year"), sched)
    expect_error("KMSInvalidStateException", kms.encrypt, KeyId=key_id, Plaintext=b"x")
    expect_error("KMSInvalidStateException", kms.decrypt, CiphertextBlob=blob)
    expect_error("KMSInvalidStateException", kms.generate_data_key, KeyId=key_id, KeySpec="AES_256")
    kms.cancel_key_deletion(KeyId=key_id)
    expect(kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyState"] == "Disabled", "cancelled")
    kms.enable_key(KeyId=key_id)

    # Key policies and IAM policies decide together.
    nobody = user(iam, "kms-nobody")
    expect_error("AccessDeniedException", nobody.encrypt, KeyId=key_id, Plaintext=b"x")
    expect_error("AccessDeniedException", nobody.create_key)
    encryptor = user(iam, "kms-encryptor", allow("kms:Encrypt"))
    encryptor.encrypt(KeyId=key_id, Plaintext=b"x")
    expect_error("AccessDeniedException", encryptor.decrypt, CiphertextBlob=blob)
    denied = user(iam, "kms-denied", {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Action": "kms:*", "Resource": "*"},
        {"Effect": "Deny", "Action": "kms:Encrypt", "Resource": key_arn}]})
    expect_error("AccessDeniedException", denied.encrypt, KeyId=key_id, Plaintext=b"x")
    denied.describe_key(KeyId=key_id)
    strict = json.dumps({"Version": "2012-10-17", "Statement": [{
        "Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{account}:user/kms-keyadmin"},
        "Action": "kms:*", "Resource": "*"}]})
    expect_error("MalformedPolicyDocumentException", kms.put_key_policy, KeyId=key_id,
                 PolicyName="default", Policy=strict)
    kms.put_key_policy(KeyId=key_id, PolicyName="default", Policy=strict,
                       BypassPolicyLockoutSafetyCheck=True)
    expect_error("AccessDeniedException", encryptor.encrypt, KeyId=key_id, Plaintext=b"x")
    expect_error("AccessDeniedException", kms.encrypt, KeyId=key_id, Plaintext=b"x")
    admin = user(iam, "kms-keyadmin")
    admin.encrypt(KeyId=key_id, Plaintext=b"x")
    # The default policy would lock the admin (who has no IAM policy) out: refused unless
    # the request bypasses the check.
    expect_error("MalformedPolicyDocumentException", admin.put_key_policy, KeyId=key_id,
                 PolicyName="default", Policy=policy)
    admin.put_key_policy(KeyId=key_id, PolicyName="default", Policy=policy,
                         BypassPolicyLockoutSafetyCheck=True)
    encryptor.encrypt(KeyId=key_id, Plaintext=b"x")

    # Clean up the IAM side.
    for name in ("kms-nobody", "kms-encryptor", "kms-denied", "kms-keyadmin"):
        for k in iam.list_access_keys(UserName=name)["AccessKeyMetadata"]:
            iam.delete_access_key(UserName=name, AccessKeyId=k["AccessKeyId"])
        for p in iam.list_user_policies(UserName=name)["PolicyNames"]:
            iam.delete_user_policy(UserName=name, PolicyName=p)
        iam.delete_user(UserName=name)
    print("kms: ok")


if __name__ == "__main__":
    try:
        main()
    except (Unexpected, ClientError) as e:
        sys.stderr.write(f"kms.py: {type(e).__name__}: {e}\n")
        sys.exit(1)
