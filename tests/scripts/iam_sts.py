#!/usr/bin/env python3
"""boto3 against a Rampart server: IAM users, groups, managed policies and roles, STS
AssumeRole and session credentials, and the S3 calls those allow and deny.

Usage: iam_sts.py ENDPOINT BUCKET
The root credentials and region come from AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
AWS_DEFAULT_REGION. Run by the Rust test `sts::boto3_iam_sts_scenario`. Prints
"iam_sts: ok" at the end; exits non-zero with a message on any unexpected outcome.
"""

import json
import sys

try:
    import boto3
    from botocore.config import Config
    from botocore.exceptions import ClientError
except ImportError as e:  # pragma: no cover - environment problem, not a test failure
    sys.stderr.write(f"boto3 is not installed ({e}); install it with: pip install boto3\n")
    sys.exit(2)

CONFIG = Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1})


class Unexpected(Exception):
    pass


def expect(cond, what):
    if not cond:
        raise Unexpected(what)


def client(service, endpoint, creds=None):
    kwargs = {}
    if creds is not None:
        kwargs = {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
        }
        if creds.get("SessionToken"):
            kwargs["aws_session_token"] = creds["SessionToken"]
    return boto3.client(service, endpoint_url=endpoint, config=CONFIG, **kwargs)


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


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(actions, resources):
    return {"Effect": "Allow", "Action": actions, "Resource": resources}


def main():
    if len(sys.argv) != 3:
        sys.stderr.write(__doc__)
        sys.exit(2)
    endpoint, bucket = sys.argv[1], sys.argv[2]
    iam = client("iam", endpoint)
    sts = client("sts", endpoint)
    s3 = client("s3", endpoint)
    barn = f"arn:aws:s3:::{bucket}"

    me = sts.get_caller_identity()
    account = me["Account"]
    expect(me["Arn"] == f"arn:aws:iam::{account}:root", f"root identity: {me}")

    s3.create_bucket(Bucket=bucket)
    s3.put_object(Bucket=bucket, Key="docs/a.txt", Body=b"docs")
    s3.put_object(Bucket=bucket, Key="secret/b.txt", Body=b"secret")

    # --- Users and keys -----------------------------------------------------------------
    user = iam.create_user(UserName="py-alice", Path="/team/")["User"]
    expect(user["Arn"] == f"arn:aws:iam::{account}:user/team/py-alice", f"user ARN: {user}")
    expect_error("duplicate user", "EntityAlreadyExists", 409, iam.create_user, UserName="py-alice")
    expect_error("missing user", "NoSuchEntity", 404, iam.get_user, UserName="py-nobody")
    alice_key = iam.create_access_key(UserName="py-alice")["AccessKey"]
    iam.create_user(UserName="py-bob")
    bob_key = iam.create_access_key(UserName="py-bob")["AccessKey"]
    listed = [u["UserName"] for u in iam.list_users(PathPrefix="/team/")["Users"]]
    expect(listed == ["py-alice"], f"list_users(PathPrefix=/team/): {listed}")
    alice_s3 = client("s3", endpoint, alice_key)
    who = client("sts", endpoint, alice_key).get_caller_identity()
    expect(who["Arn"] == user["Arn"] and who["UserId"] == user["UserId"], f"alice identity: {who}")

    message = expect_error("list with no policy", "AccessDenied", 403, alice_s3.list_objects_v2, Bucket=bucket)
    expect(
        f"{user['Arn']} is not authorized to perform: s3:ListBucket" in message
        and "because no identity-based policy allows the s3:ListBucket action" in message,
        f"AccessDenied message: {message}",
    )
    expect_error("alice calls IAM", "AccessDenied", 403, client("iam", endpoint, alice_key).list_users)

    # --- Groups ---------------------------------------------------------------------------
    iam.create_group(GroupName="py-readers")
    iam.put_group_policy(
        GroupName="py-readers",
        PolicyName="read-docs",
        PolicyDocument=doc(
            allow("s3:GetObject", f"{barn}/docs/*"),
            allow("s3:ListBucket", barn),
        ),
    )
    iam.add_user_to_group(GroupName="py-readers", UserName="py-alice")
    groups = [g["GroupName"] for g in iam.list_groups_for_user(UserName="py-alice")["Groups"]]
    expect(groups == ["py-readers"], f"groups of alice: {groups}")
    got = alice_s3.get_object(Bucket=bucket, Key="docs/a.txt")["Body"].read()
    expect(got == b"docs", f"docs/a.txt through the group: {got!r}")
    expect_error("secret/ not in the group policy", "AccessDenied", 403, alice_s3.get_object, Bucket=bucket, Key="secret/b.txt")
    expect_error("missing key with ListBucket", "NoSuchKey", 404, alice_s3.get_object, Bucket=bucket, Key="docs/none")
    keys = [o["Key"] for o in alice_s3.list_objects_v2(Bucket=bucket)["Contents"]]
    expect(keys == ["docs/a.txt", "secret/b.txt"], f"listing: {keys}")

    # --- Managed policies and versions ----------------------------------------------------
    policy = iam.create_policy(
        PolicyName="py-uploads",
        PolicyDocument=doc(allow(["s3:PutObject", "s3:GetObject"], f"{barn}/uploads/*")),
    )["Policy"]
    parn = policy["Arn"]
    expect(parn == f"arn:aws:iam::{account}:policy/py-uploads", f"policy ARN: {parn}")
    iam.attach_user_policy(UserName="py-alice", PolicyArn=parn)
    attached = iam.list_attached_user_policies(UserName="py-alice")["AttachedPolicies"]
    expect([p["PolicyArn"] for p in attached] == [parn], f"attached: {attached}")
    alice_s3.put_object(Bucket=bucket, Key="uploads/one", Body=b"1")
    v2 = iam.create_policy_version(
        PolicyArn=parn,
        PolicyDocument=doc(allow("s3:GetObject", f"{barn}/uploads/*")),
        SetAsDefault=True,
    )["PolicyVersion"]
    expect(v2["VersionId"] == "v2" and v2["IsDefaultVersion"], f"v2: {v2}")
    expect(iam.get_policy(PolicyArn=parn)["Policy"]["DefaultVersionId"] == "v2", "default version")
    expect_error("PutObject after v2", "AccessDenied", 403, alice_s3.put_object, Bucket=bucket, Key="uploads/two", Body=b"2")
    got = alice_s3.get_object(Bucket=bucket, Key="uploads/one")["Body"].read()
    expect(got == b"1", f"uploads/one: {got!r}")
    v1 = iam.get_policy_version(PolicyArn=parn, VersionId="v1")["PolicyVersion"]
    expect(not v1["IsDefaultVersion"], f"v1 still default: {v1}")
    expect(v1["Document"]["Statement"][0]["Action"] == ["s3:PutObject", "s3:GetObject"], f"v1 document: {v1}")
    expect_error(
        "malformed managed policy",
        "MalformedPolicyDocument",
        400,
        iam.create_policy,
        PolicyName="py-bad",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Maybe"}]}',
    )

    # --- Roles and AssumeRole -------------------------------------------------------------
    trust = doc({"Effect": "Allow", "Principal": {"AWS": user["Arn"]}, "Action": "sts:AssumeRole"})
    role = iam.create_role(RoleName="py-role", AssumeRolePolicyDocument=trust)["Role"]
    expect(role["Arn"] == f"arn:aws:iam::{account}:role/py-role", f"role ARN: {role}")
    iam.put_role_policy(
        RoleName="py-role",
        PolicyName="read-all",
        PolicyDocument=doc(allow(["s3:GetObject", "s3:ListBucket"], [barn, f"{barn}/*"])),
    )
    alice_sts = client("sts", endpoint, alice_key)
    assumed = alice_sts.assume_role(RoleArn=role["Arn"], RoleSessionName="py-session", DurationSeconds=900)
    session_arn = f"arn:aws:sts::{account}:assumed-role/py-role/py-session"
    expect(assumed["AssumedRoleUser"]["Arn"] == session_arn, f"assumed: {assumed['AssumedRoleUser']}")
    creds = assumed["Credentials"]
    expect(creds["AccessKeyId"].startswith("ASIA"), f"session key: {creds['AccessKeyId']}")
    role_s3 = client("s3", endpoint, creds)
    who = client("sts", endpoint, creds).get_caller_identity()
    expect(who["Arn"] == session_arn and who["Account"] == account, f"session identity: {who}")
    got = role_s3.get_object(Bucket=bucket, Key="secret/b.txt")["Body"].read()
    expect(got == b"secret", f"secret/b.txt through the role: {got!r}")
    message = expect_error("the role may not write", "AccessDenied", 403, role_s3.put_object, Bucket=bucket, Key="x", Body=b"x")
    expect(f"{session_arn} is not authorized to perform: s3:PutObject" in message, f"message: {message}")

    narrowed = alice_sts.assume_role(
        RoleArn=role["Arn"],
        RoleSessionName="py-narrow",
        Policy=doc(allow("s3:GetObject", f"{barn}/docs/*")),
    )["Credentials"]
    narrow_s3 = client("s3", endpoint, narrowed)
    expect(narrow_s3.get_object(Bucket=bucket, Key="docs/a.txt")["Body"].read() == b"docs", "narrowed docs/")
    expect_error("outside the session policy", "AccessDenied", 403, narrow_s3.get_object, Bucket=bucket, Key="secret/b.txt")
    expect_error("ListBucket outside the session policy", "AccessDenied", 403, narrow_s3.list_objects_v2, Bucket=bucket)

    bob_sts = client("sts", endpoint, bob_key)
    expect_error("bob is not trusted", "AccessDenied", 403, bob_sts.assume_role, RoleArn=role["Arn"], RoleSessionName="bob")
    # botocore refuses DurationSeconds < 900 itself; turn its check off to ask the server.
    unchecked = boto3.client(
        "sts",
        endpoint_url=endpoint,
        aws_access_key_id=alice_key["AccessKeyId"],
        aws_secret_access_key=alice_key["SecretAccessKey"],
        config=CONFIG.merge(Config(parameter_validation=False)),
    )
    expect_error(
        "duration below 900",
        "ValidationError",
        400,
        unchecked.assume_role,
        RoleArn=role["Arn"],
        RoleSessionName="short",
        DurationSeconds=60,
    )

    # A wrong session token is refused.
    forged = dict(creds, SessionToken=creds["SessionToken"][:-4] + "AAAA")
    expect_error("forged token (S3)", "InvalidToken", 400, client("s3", endpoint, forged).list_objects_v2, Bucket=bucket)
    expect_error("forged token (STS)", "InvalidClientTokenId", 403, client("sts", endpoint, forged).get_caller_identity)

    # --- Cleanup (and DeleteConflict along the way) ----------------------------------------
    expect_error("delete a user with keys", "DeleteConflict", 409, iam.delete_user, UserName="py-alice")
    expect_error("delete an attached policy", "DeleteConflict", 409, iam.delete_policy, PolicyArn=parn)
    iam.delete_role_policy(RoleName="py-role", PolicyName="read-all")
    iam.delete_role(RoleName="py-role")
    iam.detach_user_policy(UserName="py-alice", PolicyArn=parn)
    iam.delete_policy_version(PolicyArn=parn, VersionId="v1")
    iam.delete_policy(PolicyArn=parn)
    iam.remove_user_from_group(GroupName="py-readers", UserName="py-alice")
    iam.delete_group_policy(GroupName="py-readers", PolicyName="read-docs")
    iam.delete_group(GroupName="py-readers")
    for name, key in (("py-alice", alice_key), ("py-bob", bob_key)):
        iam.delete_access_key(UserName=name, AccessKeyId=key["AccessKeyId"])
        iam.delete_user(UserName=name)
    expect_error("deleted user's key", "InvalidAccessKeyId", 403, alice_s3.list_objects_v2, Bucket=bucket)
    expect_error("deleted user's key (STS)", "InvalidClientTokenId", 403, alice_sts.get_caller_identity)

    for key in ("docs/a.txt", "secret/b.txt", "uploads/one"):
        s3.delete_object(Bucket=bucket, Key=key)
    s3.delete_bucket(Bucket=bucket)
    print("iam_sts: ok")


if __name__ == "__main__":
    try:
        main()
    except Unexpected as e:
        sys.stderr.write(f"iam_sts: FAILED: {e}\n")
        sys.exit(1)
    except ClientError as e:
        sys.stderr.write(f"iam_sts: FAILED: unexpected error: {e}\n")
        sys.exit(1)
