//! `at(...)` and `rate(...)`: their grammar (AWS's, which is stricter than chrono's parsers
//! and cares about singular and plural units) and their next fire time.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::{Schedule, ScheduleError};
use crate::diagnostic::shorten;

/// Unit of a `rate(...)` expression.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateUnit {
    Minute,
    Hour,
    Day,
}

impl RateUnit {
    pub(super) fn seconds(self) -> i64 {
        match self {
            RateUnit::Minute => 60,
            RateUnit::Hour => 3_600,
            RateUnit::Day => 86_400,
        }
    }

    /// AWS wants the singular word for 1 and the plural otherwise.
    pub(super) fn word(self, value: u32) -> &'static str {
        match (self, value == 1) {
            (RateUnit::Minute, true) => "minute",
            (RateUnit::Minute, false) => "minutes",
            (RateUnit::Hour, true) => "hour",
            (RateUnit::Hour, false) => "hours",
            (RateUnit::Day, true) => "day",
            (RateUnit::Day, false) => "days",
        }
    }
}

/// The `at` time as an instant if it is strictly after `after`.
pub(super) fn next_at(local: NaiveDateTime, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
    let instant = resolve_local(tz, local)?;
    (instant > after).then_some(instant)
}

/// Maps a wall-clock time in `tz` to an instant. An ambiguous time (DST fall-back)
/// takes its first occurrence; a time inside a DST gap is moved forward by the gap
/// (02:30 on a spring-forward night becomes 03:30), as the clock a person reads would.
fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    (0..48)
        .find_map(|h| tz.from_local_datetime(&(local + Duration::hours(h))).earliest().map(|t| t.with_timezone(&Utc)))
}

/// The first `start + k * interval` (`k >= 1`) strictly after `after`.
pub(super) fn next_rate(
    value: u32,
    unit: RateUnit,
    after: DateTime<Utc>,
    start: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    let period = i64::from(value).checked_mul(unit.seconds())?;
    if period <= 0 {
        return None;
    }
    let elapsed = after.signed_duration_since(start);
    // Whole periods elapsed; any positive remainder (even sub-second) is
    // covered by the `+ 1` because `num_seconds` truncates toward zero.
    let k = if elapsed < Duration::zero() { 1 } else { elapsed.num_seconds() / period + 1 };
    start.checked_add_signed(Duration::try_seconds(k.checked_mul(period)?)?)
}

const AT_FORM: &str = "yyyy-mm-ddThh:mm:ss";

pub(super) fn parse_at(inner: &str) -> Result<NaiveDateTime, ScheduleError> {
    if !at_shape_ok(inner) {
        let err = ScheduleError::new(format!("at() needs a time of the form {AT_FORM}, found `{}`", shorten(inner)));
        // Most common: an ISO timestamp with a zone or fractional seconds. AWS reads the
        // time in the action's time zone, so such a suffix is not just redundant but
        // misleading. `get` returns None off a char boundary, so unicode is safe here.
        if let (Some(prefix), Some(suffix)) = (inner.get(..19), inner.get(19..)) {
            if !suffix.is_empty() && at_shape_ok(prefix) {
                return Err(err.help(format!(
                    "drop `{}`: at() takes a wall-clock time in the action's time zone (UTC when none is set): at({prefix})",
                    shorten(suffix)
                )));
            }
        }
        let with_t = inner.replacen(' ', "T", 1);
        if at_shape_ok(&with_t) {
            return Err(err.help(format!("put `T` between the date and the time: at({with_t})")));
        }
        return Err(err.help("e.g. at(2026-12-01T07:30:00)"));
    }
    // The shape check guarantees ASCII digits at these byte positions.
    let num = |r: std::ops::Range<usize>| -> u32 {
        inner.as_bytes()[r].iter().fold(0, |acc, d| acc * 10 + u32::from(d - b'0'))
    };
    let (year, month, day) = (num(0..4), num(5..7), num(8..10));
    let (hour, minute, second) = (num(11..13), num(14..16), num(17..19));
    let date = i32::try_from(year)
        .ok()
        .and_then(|y| NaiveDate::from_ymd_opt(y, month, day))
        .ok_or_else(|| ScheduleError::new(format!("at() date `{}` does not exist", &inner[..10])))?;
    let time = chrono::NaiveTime::from_hms_opt(hour, minute, second).ok_or_else(|| {
        ScheduleError::new(format!(
            "at() time `{}` is out of range (hours 0-23, minutes and seconds 0-59)",
            &inner[11..]
        ))
    })?;
    Ok(date.and_time(time))
}

/// `yyyy-mm-ddThh:mm:ss` exactly. AWS takes only this shape; chrono's parser alone
/// would also accept signed or longer years, so the shape is checked by hand.
fn at_shape_ok(s: &str) -> bool {
    const SHAPE: &[u8; 19] = b"0000-00-00T00:00:00";
    let b = s.as_bytes();
    b.len() == SHAPE.len()
        && b.iter().zip(SHAPE.iter()).all(|(c, p)| if *p == b'0' { c.is_ascii_digit() } else { c == p })
}

pub(super) fn parse_rate(inner: &str) -> Result<Schedule, ScheduleError> {
    let parts: Vec<&str> = inner.split_whitespace().collect();
    let [value_text, unit_text] = parts.as_slice() else {
        return Err(ScheduleError::new(format!(
            "rate() needs a value and a unit separated by a space, found `{}`",
            shorten(inner)
        ))
        .help("e.g. rate(5 minutes) or rate(1 hour)"));
    };
    let value = if !value_text.is_empty() && value_text.bytes().all(|b| b.is_ascii_digit()) {
        value_text.parse::<u32>().ok()
    } else {
        None
    };
    let value = match value {
        Some(v) if v > 0 => v,
        _ => {
            return Err(ScheduleError::new(format!(
                "rate() value `{}` is not a positive integer",
                shorten(value_text)
            ))
            .help("e.g. rate(5 minutes)"));
        }
    };
    let lower = unit_text.to_ascii_lowercase();
    let unit = match lower.trim_end_matches('s') {
        "minute" => RateUnit::Minute,
        "hour" => RateUnit::Hour,
        "day" => RateUnit::Day,
        _ => {
            return Err(ScheduleError::new(format!(
                "rate() unit `{}` is not supported; use minute(s), hour(s) or day(s)",
                shorten(unit_text)
            ))
            .help(format!("e.g. rate({value} {})", RateUnit::Minute.word(value))));
        }
    };
    let expected = unit.word(value);
    if *unit_text != expected {
        let fix = format!("write rate({value} {expected})");
        // AWS rejects `rate(1 hours)` and `rate(5 minute)`: grammatical number matters.
        let message = if lower == expected {
            format!("rate() unit `{unit_text}` must be lowercase")
        } else if value == 1 {
            format!("rate() needs the singular unit `{expected}` when the value is 1")
        } else {
            format!("rate() needs the plural unit `{expected}` when the value is {value}")
        };
        return Err(ScheduleError::new(message).help(fix));
    }
    Ok(Schedule::Rate { value, unit })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schedule::test_support::*;

    #[test]
    fn rate_counts_from_start() {
        let s = parse("rate(5 minutes)");
        let start = utc("2026-01-01T00:00:00Z");
        let n = |after: &str| s.next_after(utc(after), Tz::UTC, start);
        assert_eq!(n("2025-12-31T00:00:00Z"), Some(utc("2026-01-01T00:05:00Z")));
        assert_eq!(n("2026-01-01T00:00:00Z"), Some(utc("2026-01-01T00:05:00Z")));
        assert_eq!(n("2026-01-01T00:07:00Z"), Some(utc("2026-01-01T00:10:00Z")));
        assert_eq!(n("2026-01-01T00:10:00Z"), Some(utc("2026-01-01T00:15:00Z")));
        assert_eq!(n("2026-01-01T00:09:59.5Z"), Some(utc("2026-01-01T00:10:00Z")));
        // Time zones do not bend a rate.
        let day = parse("rate(1 day)");
        assert_eq!(
            day.next_after(utc("2026-10-31T12:00:00Z"), NY, utc("2026-10-31T12:00:00Z")),
            Some(utc("2026-11-01T12:00:00Z"))
        );
    }

    #[test]
    fn at_in_time_zone_and_past() {
        let s = "at(2026-12-01T07:30:00)";
        assert_eq!(next(s, Tz::UTC, "2026-01-01T00:00:00Z"), Some(utc("2026-12-01T07:30:00Z")));
        assert_eq!(next(s, NY, "2026-01-01T00:00:00Z"), Some(utc("2026-12-01T12:30:00Z")));
        assert_eq!(next(s, Tz::UTC, "2026-12-01T07:30:00Z"), None);
        assert_eq!(next(s, Tz::UTC, "2027-01-01T00:00:00Z"), None);
        // Inside the spring-forward gap: moved forward by the gap.
        assert_eq!(next("at(2026-03-08T02:30:00)", NY, "2026-01-01T00:00:00Z"), Some(utc("2026-03-08T07:30:00Z")));
    }

    #[test]
    fn rate_errors() {
        assert_err(
            "rate(1 hours)",
            "rate() needs the singular unit `hour` when the value is 1",
            Some("write rate(1 hour)"),
        );
        assert_err(
            "rate(5 minute)",
            "rate() needs the plural unit `minutes` when the value is 5",
            Some("write rate(5 minutes)"),
        );
        assert_err("rate(0 minutes)", "rate() value `0` is not a positive integer", Some("e.g. rate(5 minutes)"));
        assert_err("rate(-5 minutes)", "rate() value `-5` is not a positive integer", Some("e.g. rate(5 minutes)"));
        assert_err(
            "rate(30 seconds)",
            "rate() unit `seconds` is not supported; use minute(s), hour(s) or day(s)",
            Some("e.g. rate(30 minutes)"),
        );
        assert_err(
            "rate(5minutes)",
            "rate() needs a value and a unit separated by a space, found `5minutes`",
            Some("e.g. rate(5 minutes) or rate(1 hour)"),
        );
        assert_err("rate(2 Hours)", "rate() unit `Hours` must be lowercase", Some("write rate(2 hours)"));
    }

    #[test]
    fn at_errors() {
        assert_err(
            "at(2026-12-01T07:30:00Z)",
            "at() needs a time of the form yyyy-mm-ddThh:mm:ss, found `2026-12-01T07:30:00Z`",
            Some("drop `Z`: at() takes a wall-clock time in the action's time zone (UTC when none is set): at(2026-12-01T07:30:00)"),
        );
        assert_err(
            "at(2026-12-01 07:30:00)",
            "at() needs a time of the form yyyy-mm-ddThh:mm:ss, found `2026-12-01 07:30:00`",
            Some("put `T` between the date and the time: at(2026-12-01T07:30:00)"),
        );
        assert_err(
            "at(tomorrow)",
            "at() needs a time of the form yyyy-mm-ddThh:mm:ss, found `tomorrow`",
            Some("e.g. at(2026-12-01T07:30:00)"),
        );
        assert_err("at(2026-02-30T07:30:00)", "at() date `2026-02-30` does not exist", None);
        assert_err(
            "at(2026-02-03T24:00:00)",
            "at() time `24:00:00` is out of range (hours 0-23, minutes and seconds 0-59)",
            None,
        );
    }
}
