//! AWS's six-field cron (`Minutes Hours Day-of-month Month Day-of-week Year`): its rules, which
//! are Quartz's rather than Unix cron's (day-of-week 1-7 with 1 = SUN, one of the two day fields
//! must be `?`, `L`, `W` and `#`), and its translation to the five-field pattern `croner`
//! matches. `croner` has no year field, so this module evaluates the year itself.

use std::fmt;

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveDateTime, SubsecRound, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use super::ScheduleError;
use crate::diagnostic::shorten;

/// A validated AWS six-field cron expression.
///
/// Keeps the user's field text (for display), the equivalent five-field `croner`
/// pattern (minutes..day-of-week, day-of-week renumbered to croner's 0 = SUN) and the
/// year field, which this module evaluates itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AwsCron {
    // Always six entries. Heap-held (like `cron`) to keep `Schedule` small: a parsed
    // `croner::Cron` is several hundred bytes.
    fields: Vec<String>,
    croner_pattern: String,
    years: YearSpec,
    cron: Box<croner::Cron>,
}

impl AwsCron {
    /// Parses the text between `cron(` and `)`.
    pub fn parse(fields: &str) -> Result<Self, ScheduleError> {
        parse_cron(fields)
    }

    /// The six fields as the user wrote them (whitespace normalised).
    pub fn fields(&self) -> &[String] {
        &self.fields
    }

    /// The five-field pattern handed to `croner` (no seconds, no year).
    pub fn croner_pattern(&self) -> &str {
        &self.croner_pattern
    }

    /// Whether the year field allows `year`.
    pub fn year_matches(&self, year: i32) -> bool {
        self.years.contains(year)
    }

    /// Whether the expression matches the wall-clock minute `local`, whether or not that time
    /// exists in a zone: used to find actions set at a time a clock change skips or repeats.
    pub fn matches_local(&self, local: NaiveDateTime) -> bool {
        let minute = local.with_second(0).unwrap_or(local).with_nanosecond(0).unwrap_or(local);
        self.years.contains(minute.year()) && self.cron.is_time_matching(&minute).unwrap_or(false)
    }

    pub(super) fn next_after(&self, after: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        // Patterns fire on whole minutes, so dropping sub-seconds keeps "strictly after"
        // exact while avoiding any doubt about how croner treats nanoseconds.
        let mut from = after.trunc_subsecs(0).with_timezone(&tz);
        let mut inclusive = false;
        // croner has no notion of AWS's year field (it evaluates the year as `*` here),
        // so skip whole years that the field excludes. Each turn moves to a strictly
        // later year, so this ends after at most 230 turns (1970-2199).
        loop {
            let occurrence = self.cron.find_next_occurrence(&from, inclusive).ok()?;
            let year = occurrence.year();
            if self.years.contains(year) {
                return Some(occurrence.with_timezone(&Utc));
            }
            let next_year = self.years.first_at_or_after(year.checked_add(1)?)?;
            from = start_of_year(tz, next_year)?;
            inclusive = true;
        }
    }
}

impl fmt::Display for AwsCron {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "cron({})", self.fields.join(" "))
    }
}

/// First instant of local `year` in `tz`. Local midnight can fall in a DST gap in a
/// few zones, so walk forward hour by hour to the first wall-clock time that exists.
fn start_of_year(tz: Tz, year: i32) -> Option<DateTime<Tz>> {
    let midnight = NaiveDate::from_ymd_opt(year, 1, 1)?.and_hms_opt(0, 0, 0)?;
    (0..48).find_map(|h| tz.from_local_datetime(&(midnight + Duration::hours(h))).earliest())
}

/// The six AWS cron fields, in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Minutes,
    Hours,
    DayOfMonth,
    Month,
    DayOfWeek,
    Year,
}

const KINDS: [Kind; 6] = [Kind::Minutes, Kind::Hours, Kind::DayOfMonth, Kind::Month, Kind::DayOfWeek, Kind::Year];

const MONTH_NAMES: [&str; 12] = ["JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"];
/// AWS order: index 0 is value 1 = SUN (Quartz numbering, not Unix's 0 = SUN).
const DAY_NAMES: [&str; 7] = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"];

const YEAR_MIN: u32 = 1970;
const YEAR_MAX: u32 = 2199;

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Minutes => "minutes",
            Kind::Hours => "hours",
            Kind::DayOfMonth => "day-of-month",
            Kind::Month => "month",
            Kind::DayOfWeek => "day-of-week",
            Kind::Year => "year",
        }
    }

    fn bounds(self) -> (u32, u32) {
        match self {
            Kind::Minutes => (0, 59),
            Kind::Hours => (0, 23),
            Kind::DayOfMonth => (1, 31),
            Kind::Month => (1, 12),
            Kind::DayOfWeek => (1, 7),
            Kind::Year => (YEAR_MIN, YEAR_MAX),
        }
    }

    fn range_text(self) -> String {
        let (lo, hi) = self.bounds();
        if self == Kind::DayOfWeek {
            format!("{lo}-{hi} (1 = SUN)")
        } else {
            format!("{lo}-{hi}")
        }
    }

    fn names(self) -> &'static [&'static str] {
        match self {
            Kind::Month => &MONTH_NAMES,
            Kind::DayOfWeek => &DAY_NAMES,
            _ => &[],
        }
    }
}

/// One comma-separated element of a list field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Base {
    Star,
    Value(u32),
    Range(u32, u32),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Part {
    base: Base,
    step: Option<u32>,
}

/// A parsed field. The special forms must make up the whole field, as in Quartz and
/// EventBridge (AWS documents them only on their own).
#[derive(Debug, Clone, PartialEq, Eq)]
enum Field {
    /// `?`: "no specific value", day-of-month / day-of-week only.
    Question,
    List(Vec<Part>),
    /// Day-of-month `L`: last day of the month.
    LastDay,
    /// Day-of-month `LW`: last weekday (Mon-Fri) of the month.
    LastWeekday,
    /// Day-of-month `15W`: weekday nearest the 15th, within the month.
    NearestWeekday(u32),
    /// Day-of-week `6L`: last such weekday of the month (AWS numbering).
    LastOfWeekday(u32),
    /// Day-of-week `6#3`: third such weekday of the month (AWS numbering).
    Nth(u32, u32),
}

const CRON_LAYOUT: &str = "Minutes Hours Day-of-month Month Day-of-week Year";

fn parse_cron(inner: &str) -> Result<AwsCron, ScheduleError> {
    let raw: Vec<&str> = inner.split_whitespace().collect();
    if raw.len() != 6 {
        return Err(field_count_error(&raw));
    }
    let fields: Vec<String> = raw.iter().map(|f| f.to_string()).collect();

    let mut parsed = Vec::with_capacity(6);
    for (kind, text) in KINDS.iter().zip(raw.iter()) {
        parsed.push(parse_field(*kind, text)?);
    }

    // AWS (unlike Unix cron) refuses to OR day-of-month with day-of-week: exactly one
    // of them must be `?`.
    let dom_q = parsed[2] == Field::Question;
    let dow_q = parsed[4] == Field::Question;
    if !dom_q && !dow_q {
        let mut fixed = raw.clone();
        // Keep whichever field carries the user's intent; `*` is the one to drop.
        if raw[4] == "*" && raw[2] != "*" {
            fixed[4] = "?";
        } else {
            fixed[2] = "?";
        }
        return Err(ScheduleError::new(
            "day-of-month and day-of-week cannot both be specified; one of them must be `?`",
        )
        .help(format!("use `?` in one of them, e.g. cron({})", fixed.join(" "))));
    }
    if dom_q && dow_q {
        let mut fixed = raw.clone();
        fixed[2] = "*";
        return Err(ScheduleError::new("day-of-month and day-of-week cannot both be `?`")
            .help(format!("use `*` in one of them, e.g. cron({})", fixed.join(" "))));
    }

    let years = match &parsed[5] {
        Field::List(parts) => YearSpec::from_parts(parts),
        // parse_field only accepts lists for the year field.
        _ => YearSpec::all(),
    };
    let croner_pattern = KINDS[..5]
        .iter()
        .zip(parsed.iter())
        .map(|(kind, field)| render_croner(*kind, field))
        .collect::<Vec<_>>()
        .join(" ");
    let cron = croner::parser::CronParser::new()
        .parse(&croner_pattern)
        .map_err(|e| ScheduleError::new(format!("cron({}) could not be evaluated: {e}", shorten(&fields.join(" ")))))?;
    Ok(AwsCron { fields, croner_pattern, years, cron: Box::new(cron) })
}

fn field_count_error(raw: &[&str]) -> ScheduleError {
    let err = ScheduleError::new(format!("cron() needs 6 fields ({CRON_LAYOUT}), found {}", raw.len()));
    match raw.len() {
        5 => {
            // Probably a Unix crontab line: add the year, and if it also sets both day
            // fields (Unix allows that), propose the `?` fix at the same time.
            let mut fixed: Vec<&str> = raw.to_vec();
            fixed.push("*");
            if fixed[2] != "?" && fixed[4] != "?" {
                if fixed[4] == "*" && fixed[2] != "*" {
                    fixed[4] = "?";
                } else {
                    fixed[2] = "?";
                }
            }
            // Unix numbers day-of-week 0-7 from SUN = 0 (and 7), AWS 1-7 from SUN = 1: the same
            // digits name other days, so the suggestion spells the days out.
            let named = unix_day_of_week_names(fixed[4]);
            let renumbered = named.as_deref().is_some_and(|n| n != fixed[4]);
            if let Some(named) = &named {
                fixed[4] = named;
            }
            let mut help = format!("add the year field, usually `*`: cron({})", shorten(&fixed.join(" ")));
            if renumbered {
                help.push_str(&format!(
                    "; day-of-week `{}` read as Unix cron (0 = SUN, 1 = MON) and written as names, because AWS numbers 1 = SUN",
                    shorten(raw[4])
                ));
            } else if raw[4].bytes().any(|b| b.is_ascii_digit()) {
                help.push_str("; note that AWS numbers day-of-week 1-7 with 1 = SUN, unlike Unix cron");
            }
            err.help(help)
        }
        7 => err.help("AWS cron has no seconds field; if the first field is seconds, remove it"),
        0 => err.help("e.g. cron(0 8 ? * MON-FRI *)"),
        _ => err.help(format!("fields are: {CRON_LAYOUT}, e.g. cron(0 8 ? * MON-FRI *)")),
    }
}

/// A Unix cron day-of-week field (0 or 7 = SUN, 1 = MON ... 6 = SAT) with its numbers written as
/// AWS day names: `1-5` becomes `MON-FRI`. A range ending on Sunday (`5-7`, `5-0`) becomes
/// `FRI-SAT,SUN`, because AWS refuses a range that runs backwards. `None` when a part is not
/// plain Unix syntax (a step, `#`, `L`, a number above 7): the caller then keeps the field.
fn unix_day_of_week_names(field: &str) -> Option<String> {
    let day = |t: &str| t.parse::<usize>().ok().filter(|n| *n <= 7);
    let name = |n: usize| DAY_NAMES[n % 7];
    let mut parts = Vec::new();
    for item in field.split(',') {
        if item == "*" || item == "?" || DAY_NAMES.iter().any(|d| item.eq_ignore_ascii_case(d)) {
            parts.push(item.to_string());
        } else if let Some(n) = day(item) {
            parts.push(name(n).to_string());
        } else {
            let (a, b) = item.split_once('-')?;
            let (a, b) = (day(a)?, day(b)?);
            if a % 7 != 0 && b % 7 == 0 {
                // Ends on Sunday: AWS counts Sunday first, so split it off.
                parts.push(if a == 6 { "SAT,SUN".to_string() } else { format!("{}-SAT,SUN", name(a)) });
            } else if a <= b {
                parts.push(format!("{}-{}", name(a), name(b)));
            } else {
                return None;
            }
        }
    }
    Some(parts.join(","))
}

fn parse_field(kind: Kind, text: &str) -> Result<Field, ScheduleError> {
    let name = kind.name();
    // Uppercased copy for classification only; messages echo the user's own text.
    let upper = text.to_ascii_uppercase();
    let up = upper.as_str();

    match kind {
        Kind::DayOfMonth | Kind::DayOfWeek if up.contains('?') => {
            if up == "?" {
                return Ok(Field::Question);
            }
            return Err(ScheduleError::new(format!("`?` must be the whole {name} field, found `{}`", shorten(text)))
                .help(format!("write just `?` in {name}")));
        }
        Kind::DayOfMonth if up.contains('L') || up.contains('W') => {
            return parse_dom_special(text);
        }
        Kind::DayOfWeek if up.contains('#') || up == "L" || up.ends_with('L') => {
            return parse_dow_special(text);
        }
        _ => {}
    }

    let mut parts = Vec::new();
    for element in text.split(',') {
        if element.is_empty() {
            return Err(ScheduleError::new(format!("{name} has an empty list element in `{}`", shorten(text)))
                .help("remove the extra `,`"));
        }
        parts.push(parse_part(kind, element)?);
    }
    Ok(Field::List(parts))
}

fn parse_part(kind: Kind, element: &str) -> Result<Part, ScheduleError> {
    let name = kind.name();
    let (base_text, step) = match element.split_once('/') {
        Some((base, step_text)) => {
            let step =
                step_text.parse::<u32>().ok().filter(|s| *s > 0 && step_text.bytes().all(|b| b.is_ascii_digit()));
            let Some(step) = step else {
                return Err(ScheduleError::new(format!(
                    "{name} step `{}` in `{}` must be a positive integer",
                    shorten(step_text),
                    shorten(element)
                )));
            };
            (base, Some(step))
        }
        None => (element, None),
    };
    let base = if base_text == "*" {
        Base::Star
    } else if let Some((a, b)) = base_text.split_once('-') {
        if a.is_empty() || b.is_empty() {
            return Err(ScheduleError::new(format!("{name} range `{}` needs a start and an end", shorten(base_text)))
                .help("e.g. `1-5`"));
        }
        let lo = parse_value(kind, a)?;
        let hi = parse_value(kind, b)?;
        if lo > hi {
            // Quartz would wrap around; AWS does not document that, so ask for the
            // explicit (and unambiguous) two-range form instead.
            let (min, max) = kind.bounds();
            return Err(ScheduleError::new(format!("{name} range `{}` runs backwards", shorten(base_text)))
                .help(format!("split it into two ranges: `{lo}-{max},{min}-{hi}`")));
        }
        Base::Range(lo, hi)
    } else if base_text.is_empty() {
        return Err(ScheduleError::new(format!(
            "{name} step `{}` needs a start, e.g. `*/{}`",
            shorten(element),
            step.unwrap_or(1)
        )));
    } else {
        Base::Value(parse_value(kind, base_text)?)
    };
    Ok(Part { base, step })
}

/// One number or name (names are case-insensitive).
fn parse_value(kind: Kind, tok: &str) -> Result<u32, ScheduleError> {
    let name = kind.name();
    let (min, max) = kind.bounds();
    if !tok.is_empty() && tok.bytes().all(|b| b.is_ascii_digit()) {
        // Long digit strings would overflow u32: they are out of range either way.
        let value = tok.parse::<u32>().ok().filter(|v| (min..=max).contains(v));
        return match value {
            Some(v) => Ok(v),
            None => {
                let err = ScheduleError::new(format!(
                    "{name} value `{}` is out of range {}",
                    shorten(tok),
                    kind.range_text()
                ));
                Err(if kind == Kind::DayOfWeek && tok.trim_start_matches('0').is_empty() {
                    // Unix cron's Sunday.
                    err.help("AWS numbers day-of-week 1-7 with 1 = SUN; use `1` or `SUN` for Sunday")
                } else {
                    err
                })
            }
        };
    }
    if let Some(i) = kind.names().iter().position(|n| n.eq_ignore_ascii_case(tok)) {
        // Both name tables are in value order starting at the field's minimum (1).
        return Ok(min + i as u32);
    }
    // Point out AWS-only characters used in the wrong field before the generic message.
    for (ch, allowed) in [
        ('?', "day-of-month or day-of-week"),
        ('L', "day-of-month or day-of-week"),
        ('W', "day-of-month"),
        ('#', "day-of-week"),
    ] {
        if tok.contains(ch) || tok.contains(ch.to_ascii_lowercase()) {
            let misplaced = match ch {
                '?' | 'L' => !matches!(kind, Kind::DayOfMonth | Kind::DayOfWeek),
                'W' => kind != Kind::DayOfMonth,
                _ => kind != Kind::DayOfWeek,
            };
            if misplaced {
                return Err(ScheduleError::new(format!("`{ch}` is only allowed in {allowed}, not in {name}")));
            }
        }
    }
    let message = match kind {
        Kind::Month => format!("month value `{}` is not a number 1-12 or a name JAN-DEC", shorten(tok)),
        Kind::DayOfWeek => format!("day-of-week value `{}` is not a number 1-7 or a name SUN-SAT", shorten(tok)),
        _ => format!("{name} value `{}` is not a number {}", shorten(tok), kind.range_text()),
    };
    Err(ScheduleError::new(message))
}

fn parse_dom_special(text: &str) -> Result<Field, ScheduleError> {
    if text.eq_ignore_ascii_case("L") {
        return Ok(Field::LastDay);
    }
    if text.eq_ignore_ascii_case("LW") {
        return Ok(Field::LastWeekday);
    }
    if let Some(day) = text.strip_suffix(['W', 'w']) {
        if !day.is_empty() && day.bytes().all(|b| b.is_ascii_digit()) {
            return parse_value(Kind::DayOfMonth, day).map(Field::NearestWeekday);
        }
    }
    Err(ScheduleError::new(format!(
        "day-of-month `{}` is not valid: `L` and `W` must stand alone, as in `L`, `LW` or `15W`",
        shorten(text)
    )))
}

fn parse_dow_special(text: &str) -> Result<Field, ScheduleError> {
    let standalone = || {
        ScheduleError::new(format!(
            "day-of-week `{}` is not valid: `L` and `#` must stand alone, as in `L`, `6L` or `6#3`",
            shorten(text)
        ))
    };
    if text.contains([',', '-', '/', '*']) {
        return Err(standalone());
    }
    // Quartz: a bare `L` in day-of-week means the last day of the week, Saturday (7).
    if text.eq_ignore_ascii_case("L") {
        return Ok(Field::List(vec![Part { base: Base::Value(7), step: None }]));
    }
    if let Some((day, nth)) = text.split_once('#') {
        if day.is_empty() || nth.is_empty() {
            return Err(standalone());
        }
        let day = parse_value(Kind::DayOfWeek, day)?;
        let nth_ok = nth.len() == 1 && matches!(nth.as_bytes()[0], b'1'..=b'5');
        if !nth_ok {
            return Err(ScheduleError::new(format!(
                "day-of-week `{}`: the occurrence after `#` must be 1-5",
                shorten(text)
            ))
            .help("for the last one in the month use `L`, e.g. `6L` for the last Friday"));
        }
        return Ok(Field::Nth(day, u32::from(nth.as_bytes()[0] - b'0')));
    }
    match text.strip_suffix(['L', 'l']) {
        Some(day) if !day.is_empty() => parse_value(Kind::DayOfWeek, day).map(Field::LastOfWeekday),
        _ => Err(standalone()),
    }
}

/// Renders one validated field in croner's dialect.
fn render_croner(kind: Kind, field: &Field) -> String {
    // croner numbers day-of-week 0-6 with 0 = SUN; AWS uses 1-7 with 1 = SUN.
    let dow = |v: u32| v - 1;
    match field {
        // croner reads `?` as `*`; with the other day field set this keeps croner's
        // "star means the other field decides" rule, which is AWS's meaning of `?`.
        Field::Question => "*".to_string(),
        Field::LastDay => "L".to_string(),
        Field::LastWeekday => "LW".to_string(),
        Field::NearestWeekday(d) => format!("{d}W"),
        Field::LastOfWeekday(d) => format!("{}#L", dow(*d)),
        Field::Nth(d, n) => format!("{}#{n}", dow(*d)),
        Field::List(parts) => {
            let (min, max) = kind.bounds();
            let shift = |v: u32| if kind == Kind::DayOfWeek { dow(v) } else { v };
            parts
                .iter()
                .map(|p| {
                    let base = match p.base {
                        // `*` with a step is spelled as an explicit range: croner's
                        // day-of-week `*` spans 0-7, which would step differently.
                        Base::Star if p.step.is_some() => {
                            format!("{}-{}", shift(min), shift(max))
                        }
                        Base::Star => "*".to_string(),
                        // AWS/Quartz `a/n` means "from a, every n"; croner only takes
                        // steps on `*` or ranges, so spell it `a-max/n`.
                        Base::Value(v) if p.step.is_some() => {
                            format!("{}-{}", shift(v), shift(max))
                        }
                        Base::Value(v) => shift(v).to_string(),
                        Base::Range(a, b) => format!("{}-{}", shift(a), shift(b)),
                    };
                    match p.step {
                        Some(s) => format!("{base}/{s}"),
                        None => base,
                    }
                })
                .collect::<Vec<_>>()
                .join(",")
        }
    }
}

/// The set of years 1970-2199 allowed by the year field (croner is given `*`).
#[derive(Debug, Clone, PartialEq, Eq)]
struct YearSpec {
    bits: [u64; 4],
}

impl YearSpec {
    fn all() -> Self {
        let mut spec = YearSpec { bits: [0; 4] };
        for y in YEAR_MIN..=YEAR_MAX {
            spec.insert(y);
        }
        spec
    }

    fn from_parts(parts: &[Part]) -> Self {
        let mut spec = YearSpec { bits: [0; 4] };
        for p in parts {
            let (lo, hi) = match p.base {
                Base::Star => (YEAR_MIN, YEAR_MAX),
                Base::Value(v) if p.step.is_some() => (v, YEAR_MAX),
                Base::Value(v) => (v, v),
                Base::Range(a, b) => (a, b),
            };
            let step = p.step.unwrap_or(1).max(1) as usize;
            for y in (lo..=hi).step_by(step) {
                spec.insert(y);
            }
        }
        spec
    }

    fn insert(&mut self, year: u32) {
        if (YEAR_MIN..=YEAR_MAX).contains(&year) {
            let i = (year - YEAR_MIN) as usize;
            self.bits[i / 64] |= 1 << (i % 64);
        }
    }

    fn contains(&self, year: i32) -> bool {
        match u32::try_from(year) {
            Ok(y) if (YEAR_MIN..=YEAR_MAX).contains(&y) => {
                let i = (y - YEAR_MIN) as usize;
                self.bits[i / 64] & (1 << (i % 64)) != 0
            }
            _ => false,
        }
    }

    fn first_at_or_after(&self, year: i32) -> Option<i32> {
        let from = year.max(YEAR_MIN as i32);
        (from..=YEAR_MAX as i32).find(|y| self.contains(*y))
    }
}

#[cfg(test)]
mod tests {
    use crate::schedule::test_support::*;
    use chrono_tz::Tz;

    #[test]
    fn weekday_8am_new_york_across_dst_end() {
        let s = "cron(0 8 ? * MON-FRI *)";
        // Friday 2026-10-30 is still EDT (UTC-4).
        let fri = next(s, NY, "2026-10-30T00:00:00Z");
        assert_eq!(fri, Some(utc("2026-10-30T12:00:00Z")));
        // DST ends Sunday 2026-11-01; Monday is EST (UTC-5). Weekend is skipped.
        let mon = next(s, NY, "2026-10-30T12:00:00Z");
        assert_eq!(mon, Some(utc("2026-11-02T13:00:00Z")));
        let all = parse(s).upcoming(utc("2026-10-29T13:00:00Z"), NY, utc("2000-01-01T00:00:00Z"), 3);
        assert_eq!(all, vec![utc("2026-10-30T12:00:00Z"), utc("2026-11-02T13:00:00Z"), utc("2026-11-03T13:00:00Z")]);
    }

    #[test]
    fn next_is_strictly_after() {
        let s = "cron(0 8 ? * MON-FRI *)";
        assert_eq!(next(s, Tz::UTC, "2026-06-01T07:59:59.999Z"), Some(utc("2026-06-01T08:00:00Z")));
        assert_eq!(next(s, Tz::UTC, "2026-06-01T08:00:00Z"), Some(utc("2026-06-02T08:00:00Z")));
        assert_eq!(next(s, Tz::UTC, "2026-06-01T08:00:00.5Z"), Some(utc("2026-06-02T08:00:00Z")));
    }

    #[test]
    fn cron_dst_edges_in_new_york() {
        // 02:30 does not exist on 2026-03-08: fires right after the gap, 03:00 EDT.
        assert_eq!(next("cron(30 2 ? * * *)", NY, "2026-03-08T05:00:00Z"), Some(utc("2026-03-08T07:00:00Z")));
        // 01:30 happens twice on 2026-11-01: fires once, on the first (EDT) pass.
        let s = "cron(30 1 ? * * *)";
        assert_eq!(next(s, NY, "2026-11-01T04:00:00Z"), Some(utc("2026-11-01T05:30:00Z")));
        assert_eq!(next(s, NY, "2026-11-01T05:30:00Z"), Some(utc("2026-11-02T06:30:00Z")));
    }

    #[test]
    fn first_of_month() {
        assert_eq!(next("cron(0 0 1 * ? *)", Tz::UTC, "2026-06-15T10:00:00Z"), Some(utc("2026-07-01T00:00:00Z")));
    }

    #[test]
    fn third_friday() {
        let s = "cron(30 7 ? * 6#3 *)";
        assert_eq!(next(s, Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2026-06-19T07:30:00Z")));
        assert_eq!(next(s, Tz::UTC, "2026-06-19T07:30:00Z"), Some(utc("2026-07-17T07:30:00Z")));
        // Names work with `#` too: first Monday of June 2026 is the 1st.
        assert_eq!(next("cron(0 9 ? * MON#1 *)", Tz::UTC, "2026-05-31T00:00:00Z"), Some(utc("2026-06-01T09:00:00Z")));
    }

    #[test]
    fn last_day_last_weekday_and_nearest_weekday() {
        let l = "cron(0 0 L * ? *)";
        assert_eq!(next(l, Tz::UTC, "2026-02-01T00:00:00Z"), Some(utc("2026-02-28T00:00:00Z")));
        assert_eq!(next(l, Tz::UTC, "2028-02-01T00:00:00Z"), Some(utc("2028-02-29T00:00:00Z")));
        // May 2026 ends on Sunday the 31st: last weekday is Friday the 29th.
        assert_eq!(next("cron(0 0 LW * ? *)", Tz::UTC, "2026-05-01T00:00:00Z"), Some(utc("2026-05-29T00:00:00Z")));
        // 2026-08-15 is a Saturday: 15W fires Friday the 14th.
        assert_eq!(next("cron(0 9 15W * ? *)", Tz::UTC, "2026-08-01T00:00:00Z"), Some(utc("2026-08-14T09:00:00Z")));
    }

    #[test]
    fn last_friday_with_year_range_ends() {
        let s = "cron(0 12 ? * 6L 2026-2030)";
        assert_eq!(next(s, Tz::UTC, "2024-03-01T00:00:00Z"), Some(utc("2026-01-30T12:00:00Z")));
        assert_eq!(next(s, Tz::UTC, "2030-12-01T00:00:00Z"), Some(utc("2030-12-27T12:00:00Z")));
        assert_eq!(next(s, Tz::UTC, "2030-12-27T12:00:00Z"), None);
        assert_eq!(next(s, Tz::UTC, "2035-01-01T00:00:00Z"), None);
    }

    #[test]
    fn year_steps_and_lists() {
        let s = "cron(0 0 1 1 ? 2026/2)";
        assert_eq!(next(s, Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2028-01-01T00:00:00Z")));
        // Year boundaries are local: New Year in New York is 05:00Z.
        assert_eq!(next("cron(0 0 1 1 ? 2027,2029)", NY, "2026-06-01T00:00:00Z"), Some(utc("2027-01-01T05:00:00Z")));
        assert_eq!(next("cron(0 0 1 1 ? 2199)", Tz::UTC, "2199-01-01T00:00:00Z"), None);
    }

    #[test]
    fn day_of_week_is_shifted_from_aws_numbering() {
        // 2026-05-31 is a Sunday. AWS 2 = MON, 1 = SUN, 7 = SAT.
        assert_eq!(next("cron(0 18 ? * 2-6 *)", Tz::UTC, "2026-05-31T00:00:00Z"), Some(utc("2026-06-01T18:00:00Z")));
        assert_eq!(next("cron(0 0 ? * 2 *)", Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2026-06-08T00:00:00Z")));
        assert_eq!(next("cron(0 0 ? * 1 *)", Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2026-06-07T00:00:00Z")));
        assert_eq!(next("cron(0 0 ? * 7 *)", Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2026-06-06T00:00:00Z")));
        // A bare `L` in day-of-week is Saturday, as in Quartz.
        assert_eq!(next("cron(0 0 ? * L *)", Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2026-06-06T00:00:00Z")));
        // `*/2` from 1: SUN, TUE, THU, SAT. From Monday 2026-06-01 the next is TUE.
        assert_eq!(next("cron(0 0 ? * */2 *)", Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2026-06-02T00:00:00Z")));
        // `3/2` from TUE: TUE, THU, SAT.
        assert_eq!(next("cron(0 0 ? * 3/2 *)", Tz::UTC, "2026-06-02T00:00:00Z"), Some(utc("2026-06-04T00:00:00Z")));
    }

    #[test]
    fn every_fifteen_minutes() {
        assert_eq!(next("cron(*/15 * ? * * *)", Tz::UTC, "2026-06-01T00:07:00Z"), Some(utc("2026-06-01T00:15:00Z")));
        assert_eq!(next("cron(5/15 * * * ? *)", Tz::UTC, "2026-06-01T00:50:00Z"), Some(utc("2026-06-01T01:05:00Z")));
    }

    #[test]
    fn impossible_date_returns_none() {
        // Parses (AWS does not reject it either) but never fires.
        assert_eq!(next("cron(0 0 30 2 ? *)", Tz::UTC, "2026-01-01T00:00:00Z"), None);
    }

    #[test]
    fn cron_field_count_errors() {
        assert_err(
            "cron(0 8 ? * MON-FRI)",
            "cron() needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), found 5",
            Some("add the year field, usually `*`: cron(0 8 ? * MON-FRI *)"),
        );
        // A Unix crontab line: also gets the `?` fix and a numbering warning.
        assert_err(
            "cron(0 8 * * 1-5)",
            "cron() needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), found 5",
            Some("add the year field, usually `*`: cron(0 8 ? * MON-FRI *); day-of-week `1-5` read as Unix cron (0 = SUN, 1 = MON) and written as names, because AWS numbers 1 = SUN"),
        );
        for (unix, aws) in [
            ("30 7 * * 1-5", "cron(30 7 ? * MON-FRI *)"),
            ("0 8 * * 0", "cron(0 8 ? * SUN *)"),
            ("0 8 * * 7", "cron(0 8 ? * SUN *)"),
            ("0 8 * * 1,3,5", "cron(0 8 ? * MON,WED,FRI *)"),
            ("0 8 * * 5-7", "cron(0 8 ? * FRI-SAT,SUN *)"),
            ("0 8 * * 6-0", "cron(0 8 ? * SAT,SUN *)"),
            ("0 8 * * 0-6", "cron(0 8 ? * SUN-SAT *)"),
            ("0 8 * * mon-fri", "cron(0 8 ? * mon-fri *)"),
        ] {
            let help = err(&format!("cron({unix})")).help.unwrap_or_default();
            assert!(help.starts_with(&format!("add the year field, usually `*`: {aws}")), "{unix}: {help}");
        }
        // Not plain Unix day numbers: kept as written, with the numbering note.
        assert_eq!(
            err("cron(0 8 * * 1-5/2)").help.as_deref(),
            Some("add the year field, usually `*`: cron(0 8 ? * 1-5/2 *); note that AWS numbers day-of-week 1-7 with 1 = SUN, unlike Unix cron"),
        );
        assert_err(
            "cron(0 0 8 ? * MON-FRI *)",
            "cron() needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), found 7",
            Some("AWS cron has no seconds field; if the first field is seconds, remove it"),
        );
        assert_err(
            "cron()",
            "cron() needs 6 fields (Minutes Hours Day-of-month Month Day-of-week Year), found 0",
            Some("e.g. cron(0 8 ? * MON-FRI *)"),
        );
    }

    #[test]
    fn cron_day_field_rule_errors() {
        assert_err(
            "cron(0 8 * * MON-FRI *)",
            "day-of-month and day-of-week cannot both be specified; one of them must be `?`",
            Some("use `?` in one of them, e.g. cron(0 8 ? * MON-FRI *)"),
        );
        assert_err(
            "cron(0 0 1 * * *)",
            "day-of-month and day-of-week cannot both be specified; one of them must be `?`",
            Some("use `?` in one of them, e.g. cron(0 0 1 * ? *)"),
        );
        assert_err(
            "cron(0 0 ? * ? *)",
            "day-of-month and day-of-week cannot both be `?`",
            Some("use `*` in one of them, e.g. cron(0 0 * * ? *)"),
        );
    }

    #[test]
    fn cron_value_errors() {
        let cases: &[(&str, &str, Option<&str>)] = &[
            ("cron(0 8 ? * 8 *)", "day-of-week value `8` is out of range 1-7 (1 = SUN)", None),
            (
                "cron(0 8 ? * 0 *)",
                "day-of-week value `0` is out of range 1-7 (1 = SUN)",
                Some("AWS numbers day-of-week 1-7 with 1 = SUN; use `1` or `SUN` for Sunday"),
            ),
            ("cron(60 8 ? * * *)", "minutes value `60` is out of range 0-59", None),
            ("cron(0 24 ? * * *)", "hours value `24` is out of range 0-23", None),
            ("cron(0 8 32 * ? *)", "day-of-month value `32` is out of range 1-31", None),
            ("cron(0 8 0 * ? *)", "day-of-month value `0` is out of range 1-31", None),
            ("cron(0 8 1 13 ? *)", "month value `13` is out of range 1-12", None),
            ("cron(0 8 1 * ? 2200)", "year value `2200` is out of range 1970-2199", None),
            (
                "cron(0 8 1 * ? 99999999999999999999)",
                "year value `99999999999999999999` is out of range 1970-2199",
                None,
            ),
            ("cron(0 8 1 JANUARY ? *)", "month value `JANUARY` is not a number 1-12 or a name JAN-DEC", None),
            ("cron(0 8 ? * MONDAY *)", "day-of-week value `MONDAY` is not a number 1-7 or a name SUN-SAT", None),
            (
                "cron(0 8 ? * fri-mon *)",
                "day-of-week range `fri-mon` runs backwards",
                Some("split it into two ranges: `6-7,1-2`"),
            ),
            ("cron(x 8 ? * * *)", "minutes value `x` is not a number 0-59", None),
            ("cron(0 ? ? * * *)", "`?` is only allowed in day-of-month or day-of-week, not in hours", None),
            ("cron(0 8 6#3 * ? *)", "`#` is only allowed in day-of-week, not in day-of-month", None),
            ("cron(0 8 ? * 15W *)", "`W` is only allowed in day-of-month, not in day-of-week", None),
            ("cron(L 8 ? * * *)", "`L` is only allowed in day-of-month or day-of-week, not in minutes", None),
            (
                "cron(0 8 ? * 6#6 *)",
                "day-of-week `6#6`: the occurrence after `#` must be 1-5",
                Some("for the last one in the month use `L`, e.g. `6L` for the last Friday"),
            ),
            ("cron(0 8 ? * 9#2 *)", "day-of-week value `9` is out of range 1-7 (1 = SUN)", None),
            (
                "cron(0 8 ? * 2,6#3 *)",
                "day-of-week `2,6#3` is not valid: `L` and `#` must stand alone, as in `L`, `6L` or `6#3`",
                None,
            ),
            (
                "cron(0 8 L-2 * ? *)",
                "day-of-month `L-2` is not valid: `L` and `W` must stand alone, as in `L`, `LW` or `15W`",
                None,
            ),
            ("cron(0 8 32W * ? *)", "day-of-month value `32` is out of range 1-31", None),
            (
                "cron(0 8 1? * * *)",
                "`?` must be the whole day-of-month field, found `1?`",
                Some("write just `?` in day-of-month"),
            ),
            (
                "cron(0 22-2 ? * * *)",
                "hours range `22-2` runs backwards",
                Some("split it into two ranges: `22-23,0-2`"),
            ),
            (
                "cron(0 8 ? * FRI-MON *)",
                "day-of-week range `FRI-MON` runs backwards",
                Some("split it into two ranges: `6-7,1-2`"),
            ),
            ("cron(*/0 8 ? * * *)", "minutes step `0` in `*/0` must be a positive integer", None),
            ("cron(*/x 8 ? * * *)", "minutes step `x` in `*/x` must be a positive integer", None),
            ("cron(1,,2 8 ? * * *)", "minutes has an empty list element in `1,,2`", Some("remove the extra `,`")),
            ("cron(-5 8 ? * * *)", "minutes range `-5` needs a start and an end", Some("e.g. `1-5`")),
        ];
        for (input, message, help) in cases {
            assert_err(input, message, *help);
        }
    }

    #[test]
    fn names_are_case_insensitive() {
        assert_eq!(next("cron(0 8 ? jun mon *)", Tz::UTC, "2026-05-01T00:00:00Z"), Some(utc("2026-06-01T08:00:00Z")));
        assert_eq!(next("cron(0 8 ? * fril *)", Tz::UTC, "2026-06-01T00:00:00Z"), Some(utc("2026-06-26T08:00:00Z")));
    }
}
