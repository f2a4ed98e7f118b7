//! Conditional requests, evaluated in the order RFC 9110 §13.2.2 gives and S3 follows.

use rampart_types::ETag;

use crate::{EngineError, Timestamp};

/// `If-Match`, `If-None-Match`, `If-Modified-Since`, `If-Unmodified-Since` on GET/HEAD, or
/// their `x-amz-copy-source-if-*` forms on a copy.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReadConditions {
    pub if_match: Option<String>,
    pub if_none_match: Option<String>,
    pub if_modified_since: Option<Timestamp>,
    pub if_unmodified_since: Option<Timestamp>,
}

impl ReadConditions {
    /// GET/HEAD: a failed If-Match / If-Unmodified-Since is 412; a satisfied If-None-Match /
    /// not-modified If-Modified-Since is 304.
    pub fn evaluate(&self, etag: &ETag, last_modified: Timestamp) -> Result<(), EngineError> {
        self.evaluate_with_names(etag, last_modified, false)
    }

    /// CopyObject's source conditions: every failure is 412, never 304.
    pub fn evaluate_for_copy(
        &self,
        etag: &ETag,
        last_modified: Timestamp,
    ) -> Result<(), EngineError> {
        self.evaluate_with_names(etag, last_modified, true)
    }

    fn evaluate_with_names(
        &self,
        etag: &ETag,
        last_modified: Timestamp,
        copy: bool,
    ) -> Result<(), EngineError> {
        let name =
            |plain: &'static str, copy_name: &'static str| if copy { copy_name } else { plain };
        if let Some(if_match) = &self.if_match {
            if !etag.matches_header(if_match) {
                return Err(EngineError::PreconditionFailed {
                    condition: name("If-Match", "x-amz-copy-source-If-Match"),
                });
            }
        } else if let Some(since) = self.if_unmodified_since
            && last_modified > since
        {
            return Err(EngineError::PreconditionFailed {
                condition: name(
                    "If-Unmodified-Since",
                    "x-amz-copy-source-If-Unmodified-Since",
                ),
            });
        }
        let not_modified = if let Some(if_none_match) = &self.if_none_match {
            etag.matches_header(if_none_match)
                .then_some(name("If-None-Match", "x-amz-copy-source-If-None-Match"))
        } else if let Some(since) = self.if_modified_since {
            // A date in the future is ignored, as HTTP requires.
            (since <= Timestamp::now() && last_modified <= since).then_some(name(
                "If-Modified-Since",
                "x-amz-copy-source-If-Modified-Since",
            ))
        } else {
            None
        };
        match not_modified {
            Some(condition) if copy => Err(EngineError::PreconditionFailed { condition }),
            Some(_) => Err(EngineError::NotModified {
                etag: etag.clone(),
                last_modified,
            }),
            None => Ok(()),
        }
    }
}

/// Conditional writes: `If-None-Match: *` (create only) and `If-Match: <etag>` (replace only
/// that version).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum WriteCondition {
    #[default]
    None,
    IfNoneMatchStar,
    IfMatch(String),
}

impl WriteCondition {
    pub(crate) fn check(&self, current: Option<&ETag>) -> Result<(), EngineError> {
        match (self, current) {
            (Self::None, _) => Ok(()),
            (Self::IfNoneMatchStar, None) => Ok(()),
            (Self::IfNoneMatchStar, Some(_)) => Err(EngineError::PreconditionFailed {
                condition: "If-None-Match",
            }),
            (Self::IfMatch(_), None) => Err(EngineError::NoSuchKey),
            (Self::IfMatch(tag), Some(etag)) => {
                if etag.matches_header(tag) {
                    Ok(())
                } else {
                    Err(EngineError::PreconditionFailed {
                        condition: "If-Match",
                    })
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn etag() -> ETag {
        ETag::from_raw("abc")
    }

    fn at(secs: i64) -> Timestamp {
        Timestamp::from_unix_seconds(secs)
    }

    fn failed(r: Result<(), EngineError>) -> Option<&'static str> {
        match r {
            Err(EngineError::PreconditionFailed { condition }) => Some(condition),
            _ => None,
        }
    }

    #[test]
    fn if_match_wins_over_if_unmodified_since() {
        let c = ReadConditions {
            if_match: Some("\"abc\"".into()),
            if_unmodified_since: Some(at(50)),
            ..Default::default()
        };
        assert!(c.evaluate(&etag(), at(100)).is_ok());
        let c = ReadConditions {
            if_match: Some("\"zzz\"".into()),
            ..Default::default()
        };
        assert_eq!(failed(c.evaluate(&etag(), at(100))), Some("If-Match"));
    }

    #[test]
    fn unmodified_since() {
        let c = ReadConditions {
            if_unmodified_since: Some(at(50)),
            ..Default::default()
        };
        assert_eq!(
            failed(c.evaluate(&etag(), at(100))),
            Some("If-Unmodified-Since")
        );
        assert!(c.evaluate(&etag(), at(50)).is_ok());
    }

    #[test]
    fn if_none_match_wins_over_if_modified_since() {
        let c = ReadConditions {
            if_none_match: Some("\"other\"".into()),
            if_modified_since: Some(at(200)),
            ..Default::default()
        };
        assert!(c.evaluate(&etag(), at(100)).is_ok());
        let c = ReadConditions {
            if_none_match: Some("\"abc\"".into()),
            ..Default::default()
        };
        assert!(matches!(
            c.evaluate(&etag(), at(100)),
            Err(EngineError::NotModified { .. })
        ));
    }

    #[test]
    fn modified_since() {
        let c = ReadConditions {
            if_modified_since: Some(at(100)),
            ..Default::default()
        };
        assert!(matches!(
            c.evaluate(&etag(), at(100)),
            Err(EngineError::NotModified { .. })
        ));
        assert!(c.evaluate(&etag(), at(101)).is_ok());
        // A future date is ignored.
        let future = ReadConditions {
            if_modified_since: Some(Timestamp::from_unix_seconds(i64::MAX / 2)),
            ..Default::default()
        };
        assert!(future.evaluate(&etag(), at(100)).is_ok());
    }

    #[test]
    fn copy_source_conditions_fail_with_412() {
        let c = ReadConditions {
            if_none_match: Some("\"abc\"".into()),
            ..Default::default()
        };
        assert_eq!(
            failed(c.evaluate_for_copy(&etag(), at(1))),
            Some("x-amz-copy-source-If-None-Match")
        );
        let c = ReadConditions {
            if_match: Some("\"abc\"".into()),
            if_unmodified_since: Some(at(0)),
            ..Default::default()
        };
        assert!(c.evaluate_for_copy(&etag(), at(1)).is_ok());
    }

    #[test]
    fn write_conditions() {
        let e = etag();
        assert!(WriteCondition::IfNoneMatchStar.check(None).is_ok());
        assert_eq!(
            failed(WriteCondition::IfNoneMatchStar.check(Some(&e))),
            Some("If-None-Match")
        );
        assert!(matches!(
            WriteCondition::IfMatch("\"abc\"".into()).check(None),
            Err(EngineError::NoSuchKey)
        ));
        assert!(
            WriteCondition::IfMatch("\"abc\"".into())
                .check(Some(&e))
                .is_ok()
        );
        assert_eq!(
            failed(WriteCondition::IfMatch("\"x\"".into()).check(Some(&e))),
            Some("If-Match")
        );
    }
}
