//! The HTTP `Range` header as S3 interprets it: one byte range per request.

use std::ops::Range;

/// A single byte range from a `Range: bytes=…` header, not yet resolved against an object size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-last` (inclusive).
    Closed { first: u64, last: u64 },
    /// `bytes=first-`.
    From { first: u64 },
    /// `bytes=-length`: the final `length` bytes.
    Suffix { length: u64 },
}

/// The range cannot be satisfied for an object of this size (416 `InvalidRange`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the requested range is not satisfiable for an object of {size} bytes")]
pub struct RangeNotSatisfiable {
    pub size: u64,
}

impl ByteRange {
    /// Parses a `Range` header value. S3 serves the whole object, ignoring the header, when it
    /// is not a single well-formed byte range (several ranges, another unit, bad syntax), so
    /// those give `None`.
    pub fn parse_header(value: &str) -> Option<Self> {
        let spec = value.trim().strip_prefix("bytes=")?.trim();
        if spec.contains(',') {
            return None;
        }
        let (first, last) = spec.split_once('-')?;
        let (first, last) = (first.trim(), last.trim());
        let number = |s: &str| -> Option<u64> {
            if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            s.parse().ok()
        };
        match (first.is_empty(), last.is_empty()) {
            (true, true) => None,
            (true, false) => Some(Self::Suffix {
                length: number(last)?,
            }),
            (false, true) => Some(Self::From {
                first: number(first)?,
            }),
            (false, false) => {
                let (first, last) = (number(first)?, number(last)?);
                (first <= last).then_some(Self::Closed { first, last })
            }
        }
    }

    /// The half-open byte range this selects in an object of `size` bytes. A last position past
    /// the end is clamped, as HTTP requires; a first position at or past the end, or a zero-length
    /// suffix, cannot be satisfied.
    pub fn resolve(self, size: u64) -> Result<Range<u64>, RangeNotSatisfiable> {
        let unsatisfiable = Err(RangeNotSatisfiable { size });
        match self {
            Self::Closed { first, last } => {
                if first >= size {
                    return unsatisfiable;
                }
                Ok(first..last.saturating_add(1).min(size))
            }
            Self::From { first } => {
                if first >= size {
                    return unsatisfiable;
                }
                Ok(first..size)
            }
            Self::Suffix { length } => {
                if length == 0 || size == 0 {
                    return unsatisfiable;
                }
                Ok(size.saturating_sub(length)..size)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            ByteRange::parse_header("bytes=0-499"),
            Some(ByteRange::Closed {
                first: 0,
                last: 499
            })
        );
        assert_eq!(
            ByteRange::parse_header("bytes=500-"),
            Some(ByteRange::From { first: 500 })
        );
        assert_eq!(
            ByteRange::parse_header("bytes=-500"),
            Some(ByteRange::Suffix { length: 500 })
        );
    }

    #[test]
    fn ignores_what_s3_ignores() {
        for v in [
            "bytes=0-1,4-5",
            "items=0-1",
            "bytes=5-1",
            "bytes=-",
            "bytes=a-b",
            "bytes=+1-2",
            "0-1",
            "bytes=99999999999999999999999-",
        ] {
            assert_eq!(ByteRange::parse_header(v), None, "{v}");
        }
    }

    #[test]
    fn resolves_against_size() {
        let r = |v: &str, size| ByteRange::parse_header(v).unwrap().resolve(size);
        assert_eq!(r("bytes=0-9", 100), Ok(0..10));
        assert_eq!(r("bytes=90-200", 100), Ok(90..100));
        assert_eq!(r("bytes=99-", 100), Ok(99..100));
        assert_eq!(r("bytes=-10", 100), Ok(90..100));
        assert_eq!(r("bytes=-1000", 100), Ok(0..100));
        assert_eq!(r("bytes=100-", 100), Err(RangeNotSatisfiable { size: 100 }));
        assert_eq!(
            r("bytes=100-200", 100),
            Err(RangeNotSatisfiable { size: 100 })
        );
        assert_eq!(r("bytes=-0", 100), Err(RangeNotSatisfiable { size: 100 }));
        assert_eq!(r("bytes=0-0", 0), Err(RangeNotSatisfiable { size: 0 }));
        assert_eq!(r("bytes=-5", 0), Err(RangeNotSatisfiable { size: 0 }));
    }
}
