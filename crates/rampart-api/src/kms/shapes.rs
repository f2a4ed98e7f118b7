//! KMS's JSON shapes: reading request members and writing key metadata, dates and blobs.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use rampart_kms::{EncryptionContext, Key, KeyState};
use serde_json::{Map, Value, json};

use super::error::KmsApiError;

/// A request's JSON members.
pub struct Input(Map<String, Value>);

fn lower_first(name: &str) -> String {
    let mut c = name.chars();
    c.next()
        .map(|f| f.to_ascii_lowercase().to_string() + c.as_str())
        .unwrap_or_default()
}

fn wrong_type(name: &str) -> KmsApiError {
    KmsApiError::serialization(format!(
        "Start of structure or map found where not expected, or a value of the wrong type for member '{name}'"
    ))
}

impl Input {
    /// Parses a request body: a JSON object (an empty body is an empty object).
    pub fn parse(body: &[u8]) -> Result<Input, KmsApiError> {
        if body.iter().all(u8::is_ascii_whitespace) {
            return Ok(Input(Map::new()));
        }
        match serde_json::from_slice::<Value>(body) {
            Ok(Value::Object(map)) => Ok(Input(map)),
            Ok(_) => Err(KmsApiError::serialization(
                "Start of list found where not expected",
            )),
            Err(_) => Err(KmsApiError {
                kind: "SerializationException",
                message: None,
                status: http::StatusCode::BAD_REQUEST,
            }),
        }
    }

    fn value(&self, name: &str) -> Option<&Value> {
        self.0.get(name).filter(|v| !v.is_null())
    }

    pub fn str(&self, name: &str) -> Result<Option<&str>, KmsApiError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::String(s)) => Ok(Some(s)),
            Some(_) => Err(wrong_type(name)),
        }
    }

    pub fn required_str(&self, name: &str) -> Result<&str, KmsApiError> {
        self.str(name)?.ok_or_else(|| {
            KmsApiError::validation(format!(
                "1 validation error detected: Value null at '{}' failed to satisfy constraint: Member must not be null",
                lower_first(name)
            ))
        })
    }

    pub fn int(&self, name: &str) -> Result<Option<i64>, KmsApiError> {
        match self.value(name) {
            None => Ok(None),
            Some(Value::Number(n)) => n.as_i64().map(Some).ok_or_else(|| wrong_type(name)),
            Some(_) => Err(wrong_type(name)),
        }
    }

    pub fn bool(&self, name: &str) -> Result<bool, KmsApiError> {
        match self.value(name) {
            None => Ok(false),
            Some(Value::Bool(b)) => Ok(*b),
            Some(_) => Err(wrong_type(name)),
        }
    }

    /// A base64 blob member.
    pub fn blob(&self, name: &str) -> Result<Option<Vec<u8>>, KmsApiError> {
        match self.str(name)? {
            None => Ok(None),
            Some(s) => BASE64
                .decode(s)
                .map(Some)
                .map_err(|_| KmsApiError::serialization(format!("Invalid base64: \"{s}\""))),
        }
    }

    pub fn required_blob(&self, name: &str) -> Result<Vec<u8>, KmsApiError> {
        self.required_str(name)?;
        Ok(self.blob(name)?.unwrap_or_default())
    }

    /// `EncryptionContext` (or another string map member).
    pub fn context(&self, name: &str) -> Result<EncryptionContext, KmsApiError> {
        match self.value(name) {
            None => Ok(EncryptionContext::new()),
            Some(Value::Object(map)) => map
                .iter()
                .map(|(k, v)| match v {
                    Value::String(s) => Ok((k.clone(), s.clone())),
                    _ => Err(wrong_type(name)),
                })
                .collect(),
            Some(_) => Err(wrong_type(name)),
        }
    }

    /// `Tags`: a list of `{TagKey, TagValue}`.
    pub fn tags(&self) -> Result<Vec<(String, String)>, KmsApiError> {
        let Some(v) = self.value("Tags") else {
            return Ok(Vec::new());
        };
        let Value::Array(list) = v else {
            return Err(wrong_type("Tags"));
        };
        list.iter()
            .map(|t| {
                let key = t.get("TagKey").and_then(Value::as_str);
                let value = t.get("TagValue").and_then(Value::as_str);
                match (key, value) {
                    (Some(k), Some(v)) => Ok((k.to_owned(), v.to_owned())),
                    _ => Err(wrong_type("Tags")),
                }
            })
            .collect()
    }

    /// `Limit` for list operations: 1–1000, 100 when absent.
    pub fn limit(&self) -> Result<usize, KmsApiError> {
        match self.int("Limit")? {
            None => Ok(rampart_kms::DEFAULT_LIST_LIMIT),
            Some(n) if (1..=rampart_kms::MAX_LIST_LIMIT as i64).contains(&n) => Ok(n as usize),
            Some(n) => Err(KmsApiError::validation(format!(
                "1 validation error detected: Value '{n}' at 'limit' failed to satisfy constraint: Member must have value between 1 and {}",
                rampart_kms::MAX_LIST_LIMIT
            ))),
        }
    }
}

/// A timestamp as KMS's JSON carries it: seconds since the epoch, with fractions.
pub fn epoch(t: SystemTime) -> Value {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs() as f64 + f64::from(d.subsec_millis()) / 1000.0;
    json!(secs)
}

pub fn blob(bytes: &[u8]) -> Value {
    Value::String(BASE64.encode(bytes))
}

/// DescribeKey's `KeyMetadata`.
pub fn key_metadata(key: &Key) -> Value {
    let mut m = json!({
        "AWSAccountId": key.account.as_str(),
        "KeyId": key.id,
        "Arn": key.arn,
        "CreationDate": epoch(key.created),
        "Enabled": key.state == KeyState::Enabled,
        "Description": key.description,
        "KeyUsage": "ENCRYPT_DECRYPT",
        "KeyState": key.state.as_str(),
        "Origin": "AWS_KMS",
        "KeyManager": key.manager.as_str(),
        "CustomerMasterKeySpec": "SYMMETRIC_DEFAULT",
        "KeySpec": "SYMMETRIC_DEFAULT",
        "EncryptionAlgorithms": ["SYMMETRIC_DEFAULT"],
        "MultiRegion": false,
    });
    if let Some(d) = key.deletion_date {
        m["DeletionDate"] = epoch(d);
    }
    if let Some(days) = key.pending_window_days {
        m["PendingDeletionWindowInDays"] = json!(days);
    }
    m
}

/// Sets `Truncated` and, when more follow, `NextMarker`.
pub fn paging(out: &mut Value, next_marker: Option<String>) {
    out["Truncated"] = json!(next_marker.is_some());
    if let Some(m) = next_marker {
        out["NextMarker"] = json!(m);
    }
}
