//! CloudTrail's `requestParameters` and `responseElements` for IAM, STS and KMS calls: the
//! request's own parameters and the result it returned, with CloudTrail's lower-camel-case
//! names (`UserName` → `userName`, `Tags.member.1.Key` → `tags[0].key`). Secrets are
//! redacted when the event is written; KMS plaintext and ciphertext are never kept at all.

use quick_xml::events::Event;
use serde_json::{Map, Value};

/// KMS members that carry key material or data, which CloudTrail does not record.
const KMS_DATA_MEMBERS: &[&str] = &["Plaintext", "CiphertextBlob", "CiphertextForRecipient"];

/// KMS operations whose results CloudTrail records as `null` (they are data).
const KMS_DATA_OPERATIONS: &[&str] = &[
    "Encrypt",
    "Decrypt",
    "ReEncrypt",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "GenerateDataKeyPair",
    "GenerateDataKeyPairWithoutPlaintext",
    "GenerateRandom",
    "Sign",
    "Verify",
    "GenerateMac",
    "VerifyMac",
];

/// `UserName` → `userName`; `SSEKMSKeyId` → `sSEKMSKeyId`, as CloudTrail writes it.
fn lower_camel(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// A form value as CloudTrail types it: integers and booleans as JSON ones.
fn typed(value: &str) -> Value {
    match value {
        "true" => Value::Bool(true),
        "false" => Value::Bool(false),
        v if !v.is_empty() && v.len() <= 15 && v.bytes().all(|b| b.is_ascii_digit()) => {
            v.parse::<u64>().map_or_else(|_| v.into(), Value::from)
        }
        v => v.into(),
    }
}

/// An IAM or STS call's form parameters (without `Action` and `Version`), structured:
/// `X.member.N.Y` becomes the Nth element of array `x`.
pub(crate) fn query_parameters<'a>(params: impl Iterator<Item = (&'a str, &'a str)>) -> Value {
    let mut root = Value::Object(Map::new());
    for (name, value) in params {
        if name == "Action" || name == "Version" {
            continue;
        }
        let path: Vec<&str> = name.split('.').collect();
        insert(&mut root, &path, typed(value));
    }
    root
}

fn insert(target: &mut Value, path: &[&str], value: Value) {
    let Some(object) = target.as_object_mut() else {
        return;
    };
    let Some((first, rest)) = path.split_first() else {
        return;
    };
    let key = lower_camel(first);
    if rest.is_empty() {
        object.insert(key, value);
        return;
    }
    let index = match rest {
        ["member" | "entry", n, ..] => n.parse::<usize>().ok().filter(|n| *n >= 1),
        _ => None,
    };
    match index {
        Some(n) => {
            let slot = object
                .entry(key)
                .or_insert_with(|| Value::Array(Vec::new()));
            if !slot.is_array() {
                *slot = Value::Array(Vec::new());
            }
            let Some(items) = slot.as_array_mut() else {
                return;
            };
            // Member indexes come from the caller: a list is as long as its members, no more.
            if n > items.len() + 1000 {
                return;
            }
            if items.len() < n {
                items.resize(n, Value::Null);
            }
            let item = &mut items[n - 1];
            if rest.len() == 2 {
                *item = value;
            } else {
                if !item.is_object() {
                    *item = Value::Object(Map::new());
                }
                insert(item, &rest[2..], value);
            }
        }
        None => {
            let child = object
                .entry(key)
                .or_insert_with(|| Value::Object(Map::new()));
            if !child.is_object() {
                *child = Value::Object(Map::new());
            }
            insert(child, rest, value);
        }
    }
}

/// A KMS call's JSON body, its top-level members in lower camel case, without data members.
pub(crate) fn kms_parameters(body: &[u8]) -> Option<Value> {
    let Value::Object(members) = serde_json::from_slice(body).ok()? else {
        return None;
    };
    Some(Value::Object(
        members
            .into_iter()
            .filter(|(name, _)| !KMS_DATA_MEMBERS.contains(&name.as_str()))
            .map(|(name, value)| (lower_camel(&name), value))
            .collect(),
    ))
}

/// A KMS call's result: `null` for data operations, otherwise its JSON with every member name
/// in lower camel case (`KeyMetadata.AWSAccountId` → `keyMetadata.aWSAccountId`).
pub(crate) fn kms_elements(operation: &str, body: &[u8]) -> Option<Value> {
    if KMS_DATA_OPERATIONS.contains(&operation) {
        return None;
    }
    let value: Value = serde_json::from_slice(body).ok()?;
    fn camel_all(value: Value) -> Value {
        match value {
            Value::Object(members) => Value::Object(
                members
                    .into_iter()
                    .filter(|(name, _)| !KMS_DATA_MEMBERS.contains(&name.as_str()))
                    .map(|(name, value)| (lower_camel(&name), camel_all(value)))
                    .collect(),
            ),
            Value::Array(items) => Value::Array(items.into_iter().map(camel_all).collect()),
            other => other,
        }
    }
    Some(camel_all(value))
}

/// An IAM or STS result (`<XResult>` inside `<XResponse>`) as JSON: elements with children
/// become objects, `member` lists arrays, text leaves strings. `None` when there is no result
/// element, or it is empty (CloudTrail's `null`).
pub(crate) fn query_elements(xml: &[u8]) -> Option<Value> {
    let mut reader = quick_xml::Reader::from_reader(xml);
    reader.config_mut().trim_text(true);
    // Elements open, each with its name and what has been read inside it.
    let mut stack: Vec<(String, Node)> = Vec::new();
    let mut in_result = false;
    loop {
        match reader.read_event().ok()? {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_owned();
                if !in_result {
                    in_result = name.ends_with("Result");
                    if in_result {
                        stack.push((name, Node::Empty));
                    }
                    continue;
                }
                stack.push((name, Node::Empty));
            }
            Event::Empty(_) if !in_result => {}
            Event::Empty(start) => {
                let name = start.local_name().as_ref().to_owned();
                add_child(stack.last_mut()?, name, Value::String(String::new()));
            }
            Event::Text(text) if in_result => {
                append_text(stack.last_mut()?, &text.xml10_content());
            }
            // Text arrives in pieces around each entity reference (`a&amp;b`).
            Event::GeneralRef(reference) if in_result => {
                let resolved = match reference.resolve_char_ref().ok()? {
                    Some(c) => c.to_string(),
                    None => {
                        quick_xml::escape::resolve_predefined_entity(&reference.xml10_content())?
                            .to_owned()
                    }
                };
                append_text(stack.last_mut()?, &resolved);
            }
            Event::End(_) if in_result => {
                let (name, node) = stack.pop()?;
                let value = node.into_value();
                match stack.last_mut() {
                    Some(parent) => add_child(parent, name, value),
                    // The result element itself closed.
                    None => {
                        return match value {
                            Value::Object(m) if !m.is_empty() => Some(Value::Object(m)),
                            _ => None,
                        };
                    }
                }
            }
            Event::Eof => return None,
            _ => {}
        }
    }
}

enum Node {
    Empty,
    Text(String),
    Object(Map<String, Value>),
    List(Vec<Value>),
}

impl Node {
    fn into_value(self) -> Value {
        match self {
            Self::Empty => Value::String(String::new()),
            Self::Text(text) => Value::String(text),
            Self::Object(map) => Value::Object(map),
            Self::List(items) => Value::Array(items),
        }
    }
}

fn append_text(open: &mut (String, Node), text: &str) {
    match &mut open.1 {
        Node::Text(t) => t.push_str(text),
        node @ Node::Empty => *node = Node::Text(text.to_owned()),
        // Text beside child elements (only whitespace in these answers) is not kept.
        Node::Object(_) | Node::List(_) => {}
    }
}

fn add_child(parent: &mut (String, Node), name: String, value: Value) {
    let node = &mut parent.1;
    if name == "member" {
        if !matches!(node, Node::List(_)) {
            *node = Node::List(Vec::new());
        }
        if let Node::List(items) = node {
            items.push(value);
        }
        return;
    }
    if !matches!(node, Node::Object(_)) {
        *node = Node::Object(Map::new());
    }
    if let Node::Object(map) = node {
        map.insert(lower_camel(&name), value);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn form_parameters_are_structured_and_typed() {
        let form = [
            ("Action", "AssumeRole"),
            ("Version", "2011-06-15"),
            ("RoleArn", "arn:aws:iam::123456789012:role/R"),
            ("RoleSessionName", "s1"),
            ("DurationSeconds", "3600"),
            ("Tags.member.2.Key", "team"),
            ("Tags.member.2.Value", "ops"),
            ("Tags.member.1.Key", "env"),
            ("Tags.member.1.Value", "dev"),
            (
                "PolicyArns.member.1.arn",
                "arn:aws:iam::aws:policy/ReadOnly",
            ),
            ("TransitiveTagKeys.member.1", "env"),
        ];
        assert_eq!(
            query_parameters(form.into_iter()),
            json!({
                "roleArn": "arn:aws:iam::123456789012:role/R",
                "roleSessionName": "s1",
                "durationSeconds": 3600,
                "tags": [{"key": "env", "value": "dev"}, {"key": "team", "value": "ops"}],
                "policyArns": [{"arn": "arn:aws:iam::aws:policy/ReadOnly"}],
                "transitiveTagKeys": ["env"]
            })
        );
        // An absurd member index does not grow a list.
        let v = query_parameters([("Tags.member.999999999.Key", "x")].into_iter());
        assert_eq!(v, json!({"tags": []}));
    }

    #[test]
    fn kms_parameters_drop_data() {
        let body =
            br#"{"KeyId":"alias/app","Plaintext":"c2VjcmV0","EncryptionContext":{"Dept":"x"}}"#;
        assert_eq!(
            kms_parameters(body),
            Some(json!({"keyId": "alias/app", "encryptionContext": {"Dept": "x"}}))
        );
        assert_eq!(
            kms_elements("Encrypt", br#"{"CiphertextBlob":"AQ=="}"#),
            None
        );
        assert_eq!(
            kms_elements(
                "CreateKey",
                br#"{"KeyMetadata":{"AWSAccountId":"123456789012","KeyId":"k"}}"#
            ),
            Some(json!({"keyMetadata": {"aWSAccountId": "123456789012", "keyId": "k"}}))
        );
    }

    #[test]
    fn xml_results_become_json() {
        let xml = br#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAEXAMPLE</AccessKeyId>
      <SecretAccessKey>wJalr</SecretAccessKey>
      <SessionToken>IQoJ</SessionToken>
      <Expiration>2026-11-23T09:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/R/s1</Arn></AssumedRoleUser>
  </AssumeRoleResult>
  <ResponseMetadata><RequestId>r</RequestId></ResponseMetadata>
</AssumeRoleResponse>"#;
        assert_eq!(
            query_elements(xml),
            Some(json!({
                "credentials": {
                    "accessKeyId": "ASIAEXAMPLE",
                    "secretAccessKey": "wJalr",
                    "sessionToken": "IQoJ",
                    "expiration": "2026-11-23T09:00:00Z"
                },
                "assumedRoleUser": {"arn": "arn:aws:sts::123456789012:assumed-role/R/s1"}
            }))
        );
        let list = br#"<ListUsersResponse><ListUsersResult><Users><member><UserName>a&amp;b</UserName></member><member><UserName>c</UserName></member></Users><IsTruncated>false</IsTruncated></ListUsersResult></ListUsersResponse>"#;
        assert_eq!(
            query_elements(list),
            Some(
                json!({"users": [{"userName": "a&b"}, {"userName": "c"}], "isTruncated": "false"})
            )
        );
        let empty = br#"<DeleteUserResponse><ResponseMetadata><RequestId>r</RequestId></ResponseMetadata></DeleteUserResponse>"#;
        assert_eq!(query_elements(empty), None);
    }
}
