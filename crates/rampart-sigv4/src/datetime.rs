//! The two timestamp formats SigV4 meets: ISO 8601 basic (`20130524T000000Z`, in
//! `x-amz-date` and the string to sign) and HTTP dates (the `Date` header).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use time::{Date, Month, OffsetDateTime, PrimitiveDateTime, Time};

/// Parses `YYYYMMDDTHHMMSSZ` strictly (16 bytes, UTC).
pub fn parse_amz_date(s: &str) -> Option<SystemTime> {
    let b = s.as_bytes();
    if b.len() != 16 || b.get(8) != Some(&b'T') || b.get(15) != Some(&b'Z') {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<u32> {
        let digits = b.get(from..to)?;
        digits.iter().try_fold(0u32, |acc, &d| {
            d.is_ascii_digit().then(|| acc * 10 + u32::from(d - b'0'))
        })
    };
    let year = i32::try_from(num(0, 4)?).ok()?;
    let month = Month::try_from(u8::try_from(num(4, 6)?).ok()?).ok()?;
    let day = u8::try_from(num(6, 8)?).ok()?;
    let hour = u8::try_from(num(9, 11)?).ok()?;
    let minute = u8::try_from(num(11, 13)?).ok()?;
    let second = u8::try_from(num(13, 15)?).ok()?;
    let date = Date::from_calendar_date(year, month, day).ok()?;
    let time = Time::from_hms(hour, minute, second).ok()?;
    let unix = PrimitiveDateTime::new(date, time)
        .assume_utc()
        .unix_timestamp();
    from_unix(unix)
}

/// Parses an HTTP date (RFC 1123, RFC 850 or asctime).
pub fn parse_http_date(s: &str) -> Option<SystemTime> {
    httpdate::parse_http_date(s.trim()).ok()
}

/// Formats as `YYYYMMDDTHHMMSSZ`; `None` outside years 0000–9999.
pub fn format_amz_date(t: SystemTime) -> Option<String> {
    let dt = to_offset(t)?;
    let year = u16::try_from(dt.year()).ok().filter(|y| *y <= 9999)?;
    Some(format!(
        "{year:04}{:02}{:02}T{:02}{:02}{:02}Z",
        u8::from(dt.month()),
        dt.day(),
        dt.hour(),
        dt.minute(),
        dt.second()
    ))
}

/// Formats as ISO 8601 extended (`2013-05-24T00:00:00Z`), as S3 does in error bodies.
/// Falls back to seconds since the epoch for clocks outside years 0000–9999.
pub fn format_iso8601(t: SystemTime) -> String {
    match to_offset(t).filter(|dt| (0..=9999).contains(&dt.year())) {
        Some(dt) => format!(
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
            dt.year(),
            u8::from(dt.month()),
            dt.day(),
            dt.hour(),
            dt.minute(),
            dt.second()
        ),
        None => format!("{}", unix_seconds(t)),
    }
}

/// Whole seconds since the Unix epoch (negative before it), saturating.
pub fn unix_seconds(t: SystemTime) -> i64 {
    match t.duration_since(UNIX_EPOCH) {
        Ok(d) => i64::try_from(d.as_secs()).unwrap_or(i64::MAX),
        Err(e) => i64::try_from(e.duration().as_secs()).map_or(i64::MIN, |s| -s),
    }
}

fn from_unix(secs: i64) -> Option<SystemTime> {
    if secs >= 0 {
        UNIX_EPOCH.checked_add(Duration::from_secs(secs.unsigned_abs()))
    } else {
        UNIX_EPOCH.checked_sub(Duration::from_secs(secs.unsigned_abs()))
    }
}

fn to_offset(t: SystemTime) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(unix_seconds(t)).ok()
}

/// The absolute difference between two instants.
pub fn abs_diff(a: SystemTime, b: SystemTime) -> Duration {
    match a.duration_since(b) {
        Ok(d) => d,
        Err(e) => e.duration(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amz_date_round_trip() {
        let t = parse_amz_date("20130524T000000Z").unwrap();
        assert_eq!(unix_seconds(t), 1_369_353_600);
        assert_eq!(format_amz_date(t).unwrap(), "20130524T000000Z");
        assert_eq!(format_iso8601(t), "2013-05-24T00:00:00Z");
        let t = parse_amz_date("20150830T123600Z").unwrap();
        assert_eq!(format_amz_date(t).unwrap(), "20150830T123600Z");
    }

    #[test]
    fn amz_date_rejects_garbage() {
        for bad in [
            "",
            "20130524T000000",
            "20130524T000000z",
            "20130524 000000Z",
            "2013-05-24T00:00:00Z",
            "20131324T000000Z",
            "20130532T000000Z",
            "20130230T000000Z",
            "20130524T240000Z",
            "20130524T006000Z",
            "+0130524T000000Z",
            "2013052４T00000Z",
            "20130524T000000ZZ",
        ] {
            assert!(parse_amz_date(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn http_dates() {
        let t = parse_http_date("Fri, 24 May 2013 00:00:00 GMT").unwrap();
        assert_eq!(format_amz_date(t).unwrap(), "20130524T000000Z");
        assert!(parse_http_date("yesterday").is_none());
    }

    #[test]
    fn extreme_clocks_do_not_panic() {
        let far = UNIX_EPOCH + Duration::from_secs(u64::MAX / 4);
        assert!(format_amz_date(far).is_none());
        let _ = format_iso8601(far);
        let before = UNIX_EPOCH - Duration::from_secs(1);
        assert_eq!(unix_seconds(before), -1);
        assert_eq!(format_amz_date(before).unwrap(), "19691231T235959Z");
    }
}
