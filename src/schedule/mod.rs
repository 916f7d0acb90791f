//! Schedule expressions for Application Auto Scaling scheduled actions: parsing,
//! validating against AWS's own rules (not Unix cron's), printing back in canonical
//! AWS form, and computing the next fire time of `at(...)`, `rate(...)` and
//! `cron(...)` in an IANA time zone.
//!
//! This module owns the [`Schedule`] type, its error, and the `kind(...)` wrapper every
//! expression shares; each kind's own grammar and evaluation live beside it:
//!
//! - `at_rate`: `at(yyyy-mm-ddThh:mm:ss)` and `rate(value unit)`;
//! - `cron`: AWS's six-field cron and its translation to `croner`, which does the matching;
//! - `timezone`: IANA time zone names, with a suggestion for a near miss and the zones an
//!   abbreviation (`CST`, `IST`) may mean.

mod at_rate;
mod cron;
mod timezone;

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, NaiveDateTime, Utc};
use chrono_tz::Tz;

use crate::diagnostic::shorten;

pub use at_rate::RateUnit;
pub use cron::AwsCron;
pub use timezone::parse_timezone;

/// A parse or validation error, shown to the user as `error: <message>` with an
/// optional `help: <help>` line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct ScheduleError {
    /// One sentence, lowercase, no trailing period.
    pub message: String,
    /// How to fix it, when there is a clear fix.
    pub help: Option<String>,
}

impl ScheduleError {
    fn new(message: impl Into<String>) -> Self {
        ScheduleError { message: message.into(), help: None }
    }

    fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}

/// The three expression kinds accepted by PutScheduledAction's `Schedule`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// `at(yyyy-mm-ddThh:mm:ss)`: one wall-clock time in the action's time zone.
    At(NaiveDateTime),
    /// `rate(value unit)`: a fixed interval (not calendar aware: `rate(1 day)` is 24h).
    Rate { value: u32, unit: RateUnit },
    /// `cron(Minutes Hours Day-of-month Month Day-of-week Year)`.
    Cron(AwsCron),
}

impl Schedule {
    /// The first fire time strictly after `after`, evaluated in `tz`; `None` when there
    /// is none (an `at` in the past, a cron whose years are over).
    ///
    /// `start` is the instant `rate()` counts from (AWS counts rate from the action's
    /// start time or creation; the caller passes it). Fires are taken at
    /// `start + k * interval` for `k >= 1`: the first one is one interval after `start`.
    /// `tz` does not affect `rate()`, which is a fixed duration.
    ///
    /// Daylight-saving edges (AWS does not document its own behaviour): a cron time
    /// inside a spring-forward gap fires at the first minute after the gap, a fixed cron
    /// time in a fall-back overlap fires once (its first pass), following `croner`; an
    /// `at` inside a gap is moved forward by the gap length.
    pub fn next_after(&self, after: DateTime<Utc>, tz: Tz, start: DateTime<Utc>) -> Option<DateTime<Utc>> {
        match self {
            Schedule::At(local) => at_rate::next_at(*local, after, tz),
            Schedule::Rate { value, unit } => at_rate::next_rate(*value, *unit, after, start),
            Schedule::Cron(cron) => cron.next_after(after, tz),
        }
    }

    /// Up to `count` successive fire times after `after` (see [`Schedule::next_after`]).
    pub fn upcoming(&self, after: DateTime<Utc>, tz: Tz, start: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        let mut out = Vec::new();
        let mut cursor = after;
        while out.len() < count {
            match self.next_after(cursor, tz, start) {
                Some(next) => {
                    out.push(next);
                    cursor = next;
                }
                None => break,
            }
        }
        out
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::At(t) => write!(f, "at({})", t.format("%Y-%m-%dT%H:%M:%S")),
            Schedule::Rate { value, unit } => write!(f, "rate({value} {})", unit.word(*value)),
            Schedule::Cron(c) => c.fmt(f),
        }
    }
}

const EXPECTED_KINDS: &str = "expected at(...), rate(...) or cron(...)";

impl FromStr for Schedule {
    type Err = ScheduleError;

    fn from_str(input: &str) -> Result<Self, ScheduleError> {
        let s = input.trim();
        if s.is_empty() {
            return Err(ScheduleError::new("schedule expression is empty")
                .help(format!("{EXPECTED_KINDS}, e.g. cron(0 8 ? * MON-FRI *)")));
        }
        // All splitting below is on ASCII delimiters found by `find`, so the byte
        // indices are always char boundaries, whatever the input contains.
        let Some(open) = s.find('(') else {
            return Err(unknown_kind(s));
        };
        let kind = &s[..open];
        let rest = &s[open + 1..];
        let canonical = ["at", "rate", "cron"].into_iter().find(|k| kind.trim().eq_ignore_ascii_case(k));
        let Some(canonical) = canonical else {
            return Err(unknown_kind(s));
        };
        if kind != canonical {
            let fixed = format!("{canonical}({rest}");
            let message = if kind.trim() == canonical {
                format!("unexpected space before `(` in `{}`", shorten(s))
            } else {
                format!("schedule kind `{}` must be lowercase", kind.trim())
            };
            return Err(ScheduleError::new(message).help(format!("write {}", shorten(&fixed))));
        }
        let Some(close) = rest.rfind(')') else {
            return Err(ScheduleError::new(format!("`{kind}(` is missing its closing `)`"))
                .help(format!("write {kind}({})", shorten(rest.trim_end()))));
        };
        let trailing = &rest[close + 1..];
        if !trailing.is_empty() {
            return Err(ScheduleError::new(format!("unexpected text `{}` after the closing `)`", shorten(trailing)))
                .help(format!("remove it: {kind}({})", shorten(&rest[..close]))));
        }
        let inner = &rest[..close];
        match kind {
            "at" => at_rate::parse_at(inner.trim()).map(Schedule::At),
            "rate" => at_rate::parse_rate(inner.trim()),
            _ => AwsCron::parse(inner).map(Schedule::Cron),
        }
    }
}

fn unknown_kind(s: &str) -> ScheduleError {
    // The caller already quotes the whole expression, so the message does not repeat it.
    let err = ScheduleError::new(EXPECTED_KINDS);
    // Common slip: bare cron fields or a bare timestamp without the wrapper.
    let n = s.split_whitespace().count();
    if n == 6 {
        err.help(format!("wrap the fields: cron({})", shorten(s)))
    } else if at_rate::parse_at(s).is_ok() {
        err.help(format!("wrap the time: at({s})"))
    } else {
        err.help("e.g. cron(0 8 ? * MON-FRI *), rate(5 minutes) or at(2026-12-01T07:30:00)")
    }
}

/// Helpers shared by the tests of this module and its submodules.
#[cfg(test)]
mod test_support {
    use chrono::{DateTime, Utc};
    use chrono_tz::Tz;

    use super::{Schedule, ScheduleError};

    pub(super) fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).expect("test instant").with_timezone(&Utc)
    }

    pub(super) fn parse(s: &str) -> Schedule {
        s.parse().unwrap_or_else(|e: ScheduleError| panic!("{s}: {e} ({:?})", e.help))
    }

    pub(super) fn err(s: &str) -> ScheduleError {
        match s.parse::<Schedule>() {
            Ok(ok) => panic!("{s} should fail, parsed as {ok}"),
            Err(e) => e,
        }
    }

    /// Next fire time in UTC for a cron/at, with an irrelevant `start`.
    pub(super) fn next(s: &str, tz: Tz, after: &str) -> Option<DateTime<Utc>> {
        parse(s).next_after(utc(after), tz, utc("2000-01-01T00:00:00Z"))
    }

    pub(super) const NY: Tz = chrono_tz::America::New_York;

    pub(super) fn assert_err(input: &str, message: &str, help: Option<&str>) {
        let e = err(input);
        assert_eq!(e.message, message, "message for {input}");
        assert_eq!(e.help.as_deref(), help, "help for {input}");
        assert_eq!(e.to_string(), message);
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::*;
    use super::*;
    use chrono::NaiveDate;

    #[test]
    fn valid_examples_parse_and_round_trip() {
        for s in [
            "cron(0 8 ? * MON-FRI *)",
            "cron(0 0 1 * ? *)",
            "cron(0 18 ? * 2-6 *)",
            "cron(30 7 ? * 6#3 *)",
            "cron(0 0 L * ? *)",
            "cron(0 9 15W * ? *)",
            "cron(0 12 ? * 6L 2026-2030)",
            "cron(*/15 * ? * * *)",
            "cron(0/15 * * * ? *)",
            "cron(0 0 LW * ? *)",
            "cron(0 8 ? JAN-MAR,DEC MON#1 2026,2028/2)",
            "rate(1 hour)",
            "rate(5 minutes)",
            "rate(1 day)",
            "rate(30 days)",
            "at(2026-12-01T07:30:00)",
        ] {
            assert_eq!(parse(s).to_string(), s);
        }
    }

    #[test]
    fn parse_results_have_expected_shape() {
        assert_eq!(parse("rate(5 minutes)"), Schedule::Rate { value: 5, unit: RateUnit::Minute });
        let at = NaiveDate::from_ymd_opt(2026, 12, 1).and_then(|d| d.and_hms_opt(7, 30, 0)).expect("date");
        assert_eq!(parse("at(2026-12-01T07:30:00)"), Schedule::At(at));
        let Schedule::Cron(c) = parse("cron(0 8 ? * MON-FRI *)") else { panic!("not cron") };
        // AWS MON-FRI = 2-6 becomes croner 1-5.
        assert_eq!(c.croner_pattern(), "0 8 * * 1-5");
        let Schedule::Cron(c) = parse("cron(30 7 ? * 6#3 *)") else { panic!("not cron") };
        assert_eq!(c.croner_pattern(), "30 7 * * 5#3");
        let Schedule::Cron(c) = parse("cron(0 12 ? * 6L 2026-2030)") else { panic!("not cron") };
        assert_eq!(c.croner_pattern(), "0 12 * * 5#L");
        assert!(c.year_matches(2030) && !c.year_matches(2031) && !c.year_matches(2025));
    }

    #[test]
    fn whitespace_and_case_are_normalised() {
        let s = parse("  cron( 0   8 ? * mon-fri * )  ");
        assert_eq!(s.to_string(), "cron(0 8 ? * mon-fri *)");
        assert_eq!(parse(" rate(5 minutes) ").to_string(), "rate(5 minutes)");
    }

    #[test]
    fn wrapper_errors() {
        assert_err(
            "every(5 minutes)",
            "expected at(...), rate(...) or cron(...)",
            Some("e.g. cron(0 8 ? * MON-FRI *), rate(5 minutes) or at(2026-12-01T07:30:00)"),
        );
        assert_err(
            "0 8 ? * MON-FRI *",
            "expected at(...), rate(...) or cron(...)",
            Some("wrap the fields: cron(0 8 ? * MON-FRI *)"),
        );
        assert_err(
            "",
            "schedule expression is empty",
            Some("expected at(...), rate(...) or cron(...), e.g. cron(0 8 ? * MON-FRI *)"),
        );
        assert_err(
            "cron(0 8 ? * MON-FRI *",
            "`cron(` is missing its closing `)`",
            Some("write cron(0 8 ? * MON-FRI *)"),
        );
        assert_err(
            "CRON(0 8 ? * MON-FRI *)",
            "schedule kind `CRON` must be lowercase",
            Some("write cron(0 8 ? * MON-FRI *)"),
        );
        assert_err(
            "rate(5 minutes) x",
            "unexpected text ` x` after the closing `)`",
            Some("remove it: rate(5 minutes)"),
        );
    }

    #[test]
    fn unicode_input_never_panics() {
        let inputs = [
            "cron(0 8 ? * MON–FRI *)",
            "ｃron(0 8 ? * MON-FRI *)",
            "cron(0 8 ? * ＭON *)",
            "at(2026-12-01T07:30:0０)",
            "at(2026-12-01T07:30:00ü)",
            "at(2026-12-01T07:30:ü)",
            "at(é)",
            "rate(5 minütes)",
            "rate(５ minutes)",
            "cron(é é é é é é)",
            "cron(0 8 ? * 6#é *)",
            "cron(0 8 ? * é#3 *)",
            "cron(0 8 éW * ? *)",
            "cron(0 8 ? * éL *)",
            "日本語",
            "日本語(",
            "cron(日本語",
            "rate(5 minutes)日本語",
        ];
        for input in inputs {
            let e = err(input);
            assert!(!e.message.is_empty());
        }
        // Insert a multi-byte char at every position of valid expressions.
        for base in
            ["cron(0 8 ? * MON-FRI *)", "at(2026-12-01T07:30:00)", "rate(5 minutes)", "cron(30 7 ? * 6#3 2026-2030)"]
        {
            for (i, _) in base.char_indices() {
                for ins in ["é", "–", "日"] {
                    let mut s = base.to_string();
                    s.insert_str(i, ins);
                    let _ = s.parse::<Schedule>();
                }
            }
        }
        assert_eq!(
            err("at(2026-12-01T07:30:00ü)").help.as_deref(),
            Some("drop `ü`: at() takes a wall-clock time in the action's time zone (UTC when none is set): at(2026-12-01T07:30:00)")
        );
    }

    #[test]
    fn long_input_is_shortened_in_messages() {
        for long in [
            format!("cron(0 8 ? * {} *)", "é".repeat(500)),
            format!("cron(0 8 ? * MON {}", "é".repeat(500)),
            format!("at({})", "é".repeat(500)),
            format!("rate({} minutes)", "9".repeat(500)),
        ] {
            let e = err(&long);
            assert!(e.message.chars().count() < 150, "{}", e.message);
            let help = e.help.unwrap_or_default();
            assert!(help.chars().count() < 200, "{help}");
        }
    }
}
