//! IAM's response structures (`User`, `Group`, `Role`, `AccessKey`, `Policy`, …), written as
//! the IAM API reference and botocore's service model shape them.

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use rampart_iam::{AccessKey, Group, ManagedPolicy, PolicyVersion, Role, Tag, User};

use crate::query_api::XmlWriter;

/// What stays unescaped when IAM URL-encodes a policy document in a response (RFC 3986's
/// unreserved characters); spaces become `%20`, which clients' `unquote` reverses.
const DOCUMENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A policy document as IAM returns it: URL-encoded.
pub fn encode_document(document: &str) -> String {
    utf8_percent_encode(document, DOCUMENT).to_string()
}

/// How much of an entity a response shows: `Get*` everything, `Create*` all but usage
/// (`RoleLastUsed`), `List*` no tags and no description of policies.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    Full,
    Created,
    Listing,
}

pub fn user(w: &mut XmlWriter, user: &User, detail: Detail) {
    w.text("Path", &user.path);
    w.text("UserName", &user.name);
    w.text("UserId", &user.user_id);
    w.text("Arn", &user.arn);
    w.date("CreateDate", user.created);
    if detail != Detail::Listing && !user.tags.is_empty() {
        tags(w, &user.tags);
    }
}

pub fn tags(w: &mut XmlWriter, tags: &[Tag]) {
    w.list("Tags", tags, |w, tag| {
        w.text("Key", &tag.key);
        w.text("Value", &tag.value);
    });
}

pub fn group(w: &mut XmlWriter, group: &Group) {
    w.text("Path", &group.path);
    w.text("GroupName", &group.name);
    w.text("GroupId", &group.group_id);
    w.text("Arn", &group.arn);
    w.date("CreateDate", group.created);
}

pub fn role(w: &mut XmlWriter, role: &Role, detail: Detail) {
    w.text("Path", &role.path);
    w.text("RoleName", &role.name);
    w.text("RoleId", &role.role_id);
    w.text("Arn", &role.arn);
    w.date("CreateDate", role.created);
    w.text(
        "AssumeRolePolicyDocument",
        &encode_document(&role.trust_policy),
    );
    w.opt_text("Description", role.description.as_deref());
    w.number("MaxSessionDuration", role.max_session_duration);
    if detail != Detail::Listing && !role.tags.is_empty() {
        tags(w, &role.tags);
    }
    if detail == Detail::Full {
        // Not tracked: GetRole shows an empty RoleLastUsed, as AWS does for a role never used.
        w.element("RoleLastUsed", |_| {});
    }
}

/// `AccessKeyMetadata` (ListAccessKeys) — no secret.
pub fn access_key_metadata(w: &mut XmlWriter, key: &AccessKey) {
    w.opt_text("UserName", key.user_name.as_deref());
    w.text("AccessKeyId", key.id.as_str());
    w.text("Status", key.status.as_str());
    w.date("CreateDate", key.created);
}

pub fn policy(w: &mut XmlWriter, policy: &ManagedPolicy, detail: Detail) {
    w.text("PolicyName", &policy.name);
    w.text("PolicyId", &policy.policy_id);
    w.text("Arn", &policy.arn);
    w.text("Path", &policy.path);
    w.text("DefaultVersionId", &policy.default_version_id);
    w.number("AttachmentCount", policy.attachment_count);
    w.number("PermissionsBoundaryUsageCount", 0);
    w.bool("IsAttachable", policy.is_attachable);
    if detail != Detail::Listing {
        w.opt_text("Description", policy.description.as_deref());
    }
    w.date("CreateDate", policy.created);
    w.date("UpdateDate", policy.updated);
}

/// `PolicyVersion`; the document is included only when `with_document`, URL-encoded.
pub fn policy_version(w: &mut XmlWriter, version: &PolicyVersion, with_document: bool) {
    if with_document {
        w.text("Document", &encode_document(&version.document));
    }
    w.text("VersionId", &version.version_id);
    w.bool("IsDefaultVersion", version.is_default);
    w.date("CreateDate", version.created);
}

/// `AttachedPolicy` (ListAttached*Policies).
pub fn attached_policy(w: &mut XmlWriter, policy: &ManagedPolicy) {
    w.text("PolicyName", &policy.name);
    w.text("PolicyArn", &policy.arn);
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, UNIX_EPOCH};

    use rampart_iam::{AccessKeyId, KeyStatus};
    use rampart_types::AccountId;

    use super::*;

    fn at(secs: u64) -> std::time::SystemTime {
        UNIX_EPOCH + Duration::from_secs(secs)
    }

    #[test]
    fn documents_are_url_encoded() {
        assert_eq!(
            encode_document("{\"Version\": \"2012-10-17\", \"Action\": \"s3:*\"}\n"),
            "%7B%22Version%22%3A%20%222012-10-17%22%2C%20%22Action%22%3A%20%22s3%3A%2A%22%7D%0A"
        );
        assert_eq!(encode_document("é"), "%C3%A9");
    }

    #[test]
    fn golden_user_and_role() {
        let user = User {
            account: AccountId::parse("123456789012").unwrap(),
            name: "alice".into(),
            path: "/eng/".into(),
            user_id: "AIDAEXAMPLE0000000001".into(),
            arn: "arn:aws:iam::123456789012:user/eng/alice".into(),
            created: at(1_795_341_600),
            tags: vec![Tag {
                key: "team".into(),
                value: "a&b".into(),
            }],
        };
        let mut w = XmlWriter::new();
        w.element("User", |w| self::user(w, &user, Detail::Full));
        assert_eq!(
            w.into_string(),
            "<User><Path>/eng/</Path><UserName>alice</UserName><UserId>AIDAEXAMPLE0000000001</UserId>\
             <Arn>arn:aws:iam::123456789012:user/eng/alice</Arn><CreateDate>2026-11-22T10:00:00Z</CreateDate>\
             <Tags><member><Key>team</Key><Value>a&amp;b</Value></member></Tags></User>"
        );
        let mut w = XmlWriter::new();
        self::user(&mut w, &user, Detail::Listing);
        assert!(!w.into_string().contains("Tags"));

        let role = Role {
            account: user.account.clone(),
            name: "R".into(),
            path: "/".into(),
            role_id: "AROAEXAMPLE".into(),
            arn: "arn:aws:iam::123456789012:role/R".into(),
            created: at(1_795_341_600),
            trust_policy: "{\"a\":1}".into(),
            description: None,
            max_session_duration: 3600,
            tags: vec![],
        };
        let mut w = XmlWriter::new();
        self::role(&mut w, &role, Detail::Full);
        assert_eq!(
            w.into_string(),
            "<Path>/</Path><RoleName>R</RoleName><RoleId>AROAEXAMPLE</RoleId>\
             <Arn>arn:aws:iam::123456789012:role/R</Arn><CreateDate>2026-11-22T10:00:00Z</CreateDate>\
             <AssumeRolePolicyDocument>%7B%22a%22%3A1%7D</AssumeRolePolicyDocument>\
             <MaxSessionDuration>3600</MaxSessionDuration><RoleLastUsed></RoleLastUsed>"
        );
    }

    #[test]
    fn golden_policy_and_key() {
        let policy = ManagedPolicy {
            arn: "arn:aws:iam::123456789012:policy/P".into(),
            name: "P".into(),
            path: "/".into(),
            policy_id: "ANPAEXAMPLE".into(),
            default_version_id: "v1".into(),
            attachment_count: 2,
            description: Some("d".into()),
            created: at(1_795_341_600),
            updated: at(1_795_341_601),
            is_attachable: true,
        };
        let mut w = XmlWriter::new();
        self::policy(&mut w, &policy, Detail::Full);
        assert_eq!(
            w.into_string(),
            "<PolicyName>P</PolicyName><PolicyId>ANPAEXAMPLE</PolicyId>\
             <Arn>arn:aws:iam::123456789012:policy/P</Arn><Path>/</Path>\
             <DefaultVersionId>v1</DefaultVersionId><AttachmentCount>2</AttachmentCount>\
             <PermissionsBoundaryUsageCount>0</PermissionsBoundaryUsageCount>\
             <IsAttachable>true</IsAttachable><Description>d</Description>\
             <CreateDate>2026-11-22T10:00:00Z</CreateDate><UpdateDate>2026-11-22T10:00:01Z</UpdateDate>"
        );
        let key = AccessKey {
            id: AccessKeyId::parse("AKIAIOSFODNN7EXAMPLE").unwrap(),
            user_name: None,
            status: KeyStatus::Inactive,
            created: at(1_795_341_600),
        };
        let mut w = XmlWriter::new();
        access_key_metadata(&mut w, &key);
        assert_eq!(
            w.into_string(),
            "<AccessKeyId>AKIAIOSFODNN7EXAMPLE</AccessKeyId><Status>Inactive</Status>\
             <CreateDate>2026-11-22T10:00:00Z</CreateDate>"
        );
    }
}
