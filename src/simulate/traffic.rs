//! Traffic input for the simulator: invocations per minute of one endpoint over time.
//! Three sources feed it (a CSV file, AWS CLI CloudWatch JSON, a seeded generator) and
//! they agree exactly: the same numbers give bit-identical `f64`s whichever way they come in,
//! and `to_csv` / `to_cloudwatch_json` write what `parse_csv` / `parse_cloudwatch` read back.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Datelike, NaiveDateTime, SecondsFormat, TimeDelta, Timelike, Utc, Weekday};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;

use crate::diagnostic::shorten;

/// The longest traffic accepted from a file, in minutes (ten years): a pair of far-apart
/// timestamps must not make the parser allocate without bound.
pub const MAX_MINUTES: usize = 3660 * MINUTES_PER_DAY;

/// The most days [`generate`] produces (ten years, as [`MAX_MINUTES`]).
pub const MAX_DAYS: u32 = 3660;

const MINUTES_PER_DAY: usize = 1440;

/// Invocations of one endpoint in each minute from `start` (UTC, on a whole minute).
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    pub start: DateTime<Utc>,
    pub per_minute: Vec<f64>,
}

/// Why traffic input was rejected. `line` is the 1-based line of the input text (for JSON,
/// the line where the offending value starts).
#[derive(Debug, thiserror::Error, PartialEq)]
pub enum TrafficError {
    #[error(
        "the traffic input is empty; give a CSV with the header `timestamp,invocations` and one row per period, or the JSON of `aws cloudwatch get-metric-data`"
    )]
    Empty,
    #[error(
        "line {line}: expected the header `timestamp,invocations` but found `{found}`; make that header the first line"
    )]
    MissingHeader { line: usize, found: String },
    #[error(
        "line {line}: the CSV has a header but no data rows; add at least one row such as `2026-11-02T08:00:00Z,120`"
    )]
    NoRows { line: usize },
    #[error("line {line}: expected 2 columns (timestamp,invocations) but found {found}; write one timestamp and one number per row")]
    ColumnCount { line: usize, found: usize },
    #[error(
        "line {line}: `{value}` is not a timestamp; write RFC 3339 such as `2026-11-02T08:00:00Z` or `2026-11-02 08:00:00` (UTC)"
    )]
    BadTimestamp { line: usize, value: String },
    #[error("line {line}: timestamp `{value}` is not on a whole minute; round it to the minute (seconds :00)")]
    NotWholeMinute { line: usize, value: String },
    #[error("line {line}: invocations `{value}` is not a number; write a number of invocations such as 120 or 12.5")]
    BadNumber { line: usize, value: String },
    #[error("line {line}: invocations `{value}` is negative; write 0 or more")]
    Negative { line: usize, value: String },
    #[error("line {line}: invocations `{value}` is not a finite number; write a number of invocations such as 120")]
    NotFinite { line: usize, value: String },
    #[error("line {line}: timestamp `{value}` is earlier than the row before it (line {previous}); sort the rows oldest first")]
    Unsorted { line: usize, value: String, previous: usize },
    #[error("line {line}: timestamp `{value}` repeats line {previous}; keep one row per timestamp")]
    Duplicate { line: usize, value: String, previous: usize },
    #[error(
        "line {line}: this row is {seconds} seconds after the one before it, less than a minute; aggregate the data to 1-minute (or coarser) rows"
    )]
    SubMinuteStep { line: usize, seconds: i64 },
    #[error(
        "line {line}: this row is {gap} minutes after the one before it, which is not a multiple of the {step}-minute step set by the smallest gap (line {step_line}); use one regular step"
    )]
    IrregularStep { line: usize, gap: i64, step: i64, step_line: usize },
    #[error("the data spans {minutes} minutes, more than the {max} (ten years) accepted; trim the time range", max = MAX_MINUTES)]
    TooLong { minutes: i64 },
    #[error(
        "line {line}: the JSON is invalid ({reason}); pass the unmodified output of the AWS CLI with `--output json`"
    )]
    InvalidJson { line: usize, reason: String },
    #[error(
        "line {line}: the JSON object has neither `MetricDataResults` nor `Datapoints`; export the metric with `aws cloudwatch get-metric-data` or `aws cloudwatch get-metric-statistics`"
    )]
    UnknownJson { line: usize },
    #[error(
        "line {line}: {path} should be {expected}; pass the unmodified output of the AWS CLI with `--output json`"
    )]
    JsonShape { line: usize, path: String, expected: &'static str },
    #[error(
        "line {line}: {path} has {timestamps} timestamps but {values} values; pass the unmodified output of `aws cloudwatch get-metric-data`"
    )]
    LengthMismatch { line: usize, path: String, timestamps: usize, values: usize },
    #[error(
        "line {line}: {path} has no `Sum` because get-metric-statistics was run without --statistics Sum; run it again with `--statistics Sum`"
    )]
    MissingSum { line: usize, path: String },
    #[error(
        "the CloudWatch output has no datapoints; check the endpoint name, variant and time range (CloudWatch omits periods without invocations)"
    )]
    NoDatapoints,
    #[error("generator field `{field}` {problem}")]
    InvalidGenerator { field: &'static str, problem: String },
}

// ---------------------------------------------------------------------------------------------
// Shared: timestamps, numbers, and turning sorted (timestamp, value) points into minutes.
// ---------------------------------------------------------------------------------------------

/// One period read from the input: it starts at `at` and holds `value` invocations.
#[derive(Debug, Clone, Copy)]
struct Point {
    at: DateTime<Utc>,
    /// Whole minutes since the Unix epoch.
    minute: i64,
    value: f64,
    line: usize,
}

/// RFC 3339 (any offset, optional fraction) or a naive `YYYY-MM-DD[ T]HH:MM:SS[.fff]` in UTC.
fn parse_timestamp(s: &str) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|fmt| NaiveDateTime::parse_from_str(s, fmt).ok())
        .map(|n| n.and_utc())
}

/// The timestamp as whole minutes since the epoch, or `None` if it has seconds.
fn whole_minute(t: &DateTime<Utc>) -> Option<i64> {
    let seconds = t.timestamp();
    (seconds.rem_euclid(60) == 0 && t.timestamp_subsec_nanos() == 0).then(|| seconds.div_euclid(60))
}

/// Parses a count of invocations with Rust's correctly rounded parser (so CSV and JSON agree).
fn parse_invocations(text: &str, line: usize) -> Result<f64, TrafficError> {
    let value = shorten(text);
    let v: f64 = text.parse().map_err(|_| TrafficError::BadNumber { line, value: value.clone() })?;
    if !v.is_finite() {
        return Err(TrafficError::NotFinite { line, value });
    }
    if v < 0.0 {
        return Err(TrafficError::Negative { line, value });
    }
    // -0 becomes +0, so it prints back as `0`.
    Ok(v + 0.0)
}

/// Turns points sorted strictly ascending (at least one) into minutes. The step is the smallest
/// gap; every gap must be a multiple of it (missing periods are 0); each period's invocations
/// are spread evenly over its minutes. A single point is taken as one minute.
fn assemble(points: &[Point]) -> Result<Traffic, TrafficError> {
    let (Some(first), Some(last)) = (points.first(), points.last()) else {
        return Err(TrafficError::NoDatapoints);
    };
    let (step, step_line) = points
        .windows(2)
        .map(|w| (w[1].minute - w[0].minute, w[1].line))
        .min_by_key(|&(gap, _)| gap)
        .unwrap_or((1, first.line));
    let step = step.max(1);
    for w in points.windows(2) {
        let gap = w[1].minute - w[0].minute;
        if gap % step != 0 {
            return Err(TrafficError::IrregularStep { line: w[1].line, gap, step, step_line });
        }
    }
    let minutes = last.minute.saturating_sub(first.minute).saturating_add(step);
    let len = usize::try_from(minutes).ok().filter(|&m| m <= MAX_MINUTES).ok_or(TrafficError::TooLong { minutes })?;
    let mut per_minute = vec![0.0; len];
    // `step` <= `len` <= MAX_MINUTES, so these casts are exact.
    let step_len = step as usize;
    let divisor = step as f64;
    for p in points {
        let offset = (p.minute - first.minute) as usize;
        let share = p.value / divisor;
        per_minute[offset..offset + step_len].fill(share);
    }
    Ok(Traffic { start: first.at, per_minute })
}

// ---------------------------------------------------------------------------------------------
// CSV
// ---------------------------------------------------------------------------------------------

/// Removes a byte-order mark that spreadsheet exports put in front of the text.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// One CSV field, trimmed, without the double quotes a spreadsheet may put around it.
fn field(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|x| x.strip_suffix('"')).map(str::trim).unwrap_or(s)
}

/// Reads `timestamp,invocations` rows.
///
/// The header is required (case-insensitive, spaces allowed); blank lines and lines starting
/// with `#` are skipped. Timestamps are RFC 3339 (offsets are converted to UTC) or
/// `2026-11-02 08:00:00` / `2026-11-02T08:00:00` meaning UTC, on whole minutes, strictly
/// ascending, with a regular step of one minute or more (the smallest gap); missing rows count
/// as 0 and a coarser row's invocations are spread evenly over its minutes.
pub fn parse_csv(text: &str) -> Result<Traffic, TrafficError> {
    let mut rows = strip_bom(text).lines().enumerate().map(|(i, l)| (i + 1, l.trim())).filter(|(_, l)| {
        // Skip blank and comment lines.
        !l.is_empty() && !l.starts_with('#')
    });
    let (header_line, header) = rows.next().ok_or(TrafficError::Empty)?;
    let names: Vec<&str> = header.split(',').map(field).collect();
    let is_header = matches!(names.as_slice(), [t, i] if t.eq_ignore_ascii_case("timestamp") && i.eq_ignore_ascii_case("invocations"));
    if !is_header {
        return Err(TrafficError::MissingHeader { line: header_line, found: shorten(header) });
    }
    let mut points: Vec<Point> = Vec::new();
    for (line, row) in rows {
        let fields: Vec<&str> = row.split(',').map(field).collect();
        let [ts, inv] = fields.as_slice() else {
            return Err(TrafficError::ColumnCount { line, found: fields.len() });
        };
        let at = parse_timestamp(ts).ok_or_else(|| TrafficError::BadTimestamp { line, value: shorten(ts) })?;
        if let Some(prev) = points.last() {
            let seconds = (at - prev.at).num_seconds();
            if at == prev.at {
                return Err(TrafficError::Duplicate { line, value: shorten(ts), previous: prev.line });
            }
            if at < prev.at {
                return Err(TrafficError::Unsorted { line, value: shorten(ts), previous: prev.line });
            }
            if seconds < 60 {
                return Err(TrafficError::SubMinuteStep { line, seconds });
            }
        }
        let minute = whole_minute(&at).ok_or_else(|| TrafficError::NotWholeMinute { line, value: shorten(ts) })?;
        let value = parse_invocations(inv, line)?;
        points.push(Point { at, minute, value, line });
    }
    if points.is_empty() {
        return Err(TrafficError::NoRows { line: header_line });
    }
    assemble(&points)
}

/// The header and one row per minute: `2026-11-02T08:00:00Z,120`. Invocations use Rust's
/// shortest round-trip formatting, so [`parse_csv`] reads back identical `f64`s (an empty
/// traffic gives the header alone, which does not parse back).
pub fn to_csv(traffic: &Traffic) -> String {
    let mut out = String::with_capacity(32 * (traffic.per_minute.len() + 1));
    out.push_str("timestamp,invocations\n");
    for (at, v) in minutes(traffic) {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{},{v}", at.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    out
}

/// Each minute's start with its invocations (stopping, never panicking, at chrono's last date).
fn minutes(traffic: &Traffic) -> impl Iterator<Item = (DateTime<Utc>, f64)> + '_ {
    traffic.per_minute.iter().enumerate().map_while(|(i, &v)| {
        let at = traffic.start.checked_add_signed(TimeDelta::try_minutes(i64::try_from(i).ok()?)?)?;
        Some((at, v))
    })
}

// ---------------------------------------------------------------------------------------------
// CloudWatch JSON
// ---------------------------------------------------------------------------------------------

/// Reads the JSON the AWS CLI prints for the SageMaker `Invocations` metric:
///
/// - `aws cloudwatch get-metric-data`: `MetricDataResults[].Timestamps` / `.Values`; several
///   results (one per variant, or pages) are summed per timestamp; any order is accepted.
/// - `aws cloudwatch get-metric-statistics`: `Datapoints[].Timestamp` / `.Sum`.
///
/// The period is the smallest gap between timestamps; missing periods are 0 and each period is
/// spread evenly over its minutes, exactly as [`parse_csv`] does. Numbers are parsed with Rust's
/// correctly rounded parser, so the same text gives the same `f64` as in a CSV.
pub fn parse_cloudwatch(text: &str) -> Result<Traffic, TrafficError> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(TrafficError::Empty);
    }
    let root = json::parse(text)?;
    let json::Value::Object(_) = root.value else {
        return Err(shape(&root, "the JSON", "an object"));
    };
    let mut sums: BTreeMap<i64, Point> = BTreeMap::new();
    if let Some(results) = root.get("MetricDataResults") {
        let results = results.as_array().ok_or_else(|| shape(results, "MetricDataResults", "an array"))?;
        for (r, result) in results.iter().enumerate() {
            let path = format!("MetricDataResults[{r}]");
            if result.as_object().is_none() {
                return Err(shape(result, &path, "an object"));
            }
            let timestamps = array_field(result, &path, "Timestamps")?;
            let values = array_field(result, &path, "Values")?;
            if timestamps.len() != values.len() {
                return Err(TrafficError::LengthMismatch {
                    line: result.line,
                    path,
                    timestamps: timestamps.len(),
                    values: values.len(),
                });
            }
            let mut seen = HashSet::new();
            for (i, (ts, v)) in timestamps.iter().zip(values).enumerate() {
                let point =
                    cloudwatch_point(ts, &format!("{path}.Timestamps[{i}]"), v, &format!("{path}.Values[{i}]"))?;
                if !seen.insert(point.minute) {
                    let previous = sums.get(&point.minute).map_or(point.line, |p| p.line);
                    return Err(TrafficError::Duplicate { line: point.line, value: shorten(ts.text()), previous });
                }
                sums.entry(point.minute).and_modify(|p| p.value += point.value).or_insert(point);
            }
        }
    } else if let Some(datapoints) = root.get("Datapoints") {
        let datapoints = datapoints.as_array().ok_or_else(|| shape(datapoints, "Datapoints", "an array"))?;
        for (i, d) in datapoints.iter().enumerate() {
            let path = format!("Datapoints[{i}]");
            if d.as_object().is_none() {
                return Err(shape(d, &path, "an object"));
            }
            let ts = d.get("Timestamp").ok_or_else(|| shape(d, &path, "an object with a `Timestamp`"))?;
            let sum = d.get("Sum").ok_or_else(|| TrafficError::MissingSum { line: d.line, path: path.clone() })?;
            let point = cloudwatch_point(ts, &format!("{path}.Timestamp"), sum, &format!("{path}.Sum"))?;
            if let Some(previous) = sums.get(&point.minute) {
                return Err(TrafficError::Duplicate {
                    line: point.line,
                    value: shorten(ts.text()),
                    previous: previous.line,
                });
            }
            sums.insert(point.minute, point);
        }
    } else {
        return Err(TrafficError::UnknownJson { line: root.line });
    }
    if sums.is_empty() {
        return Err(TrafficError::NoDatapoints);
    }
    let points: Vec<Point> = sums.into_values().collect();
    assemble(&points)
}

fn shape(node: &json::Node<'_>, path: &str, expected: &'static str) -> TrafficError {
    TrafficError::JsonShape { line: node.line, path: path.to_string(), expected }
}

fn array_field<'n, 'a>(
    object: &'n json::Node<'a>,
    path: &str,
    key: &str,
) -> Result<&'n [json::Node<'a>], TrafficError> {
    let node = object.get(key).ok_or_else(|| shape(object, path, "an object with `Timestamps` and `Values`"))?;
    node.as_array().ok_or_else(|| shape(node, &format!("{path}.{key}"), "an array"))
}

fn cloudwatch_point(
    ts: &json::Node<'_>,
    ts_path: &str,
    value: &json::Node<'_>,
    value_path: &str,
) -> Result<Point, TrafficError> {
    let json::Value::String(s) = &ts.value else {
        return Err(shape(ts, ts_path, "a timestamp string"));
    };
    let line = ts.line;
    let at = parse_timestamp(s).ok_or_else(|| TrafficError::BadTimestamp { line, value: shorten(s) })?;
    let minute = whole_minute(&at).ok_or_else(|| TrafficError::NotWholeMinute { line, value: shorten(s) })?;
    let json::Value::Number(n) = value.value else {
        return Err(shape(value, value_path, "a number"));
    };
    let value = parse_invocations(n, value.line)?;
    Ok(Point { at, minute, value, line })
}

/// The traffic as `aws cloudwatch get-metric-data` prints it for a one-minute period: one
/// result, newest first, every minute listed (zeros too, so the period reads back as one
/// minute). [`parse_cloudwatch`] reads back identical `f64`s; a non-finite value is written as
/// `null`, which does not parse back.
pub fn to_cloudwatch_json(traffic: &Traffic) -> String {
    let rows: Vec<(DateTime<Utc>, f64)> = minutes(traffic).collect();
    let mut out = String::with_capacity(48 * (rows.len() + 4));
    out.push_str(
        "{\n    \"MetricDataResults\": [\n        {\n            \"Id\": \"invocations\",\n            \"Label\": \"Invocations\",\n            \"Timestamps\": [",
    );
    for (i, (at, _)) in rows.iter().rev().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        let _ = write!(out, "{sep}\n                \"{}\"", at.format("%Y-%m-%dT%H:%M:%S+00:00"));
    }
    out.push_str("\n            ],\n            \"Values\": [");
    for (i, (_, v)) in rows.iter().rev().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        if v.is_finite() {
            let _ = write!(out, "{sep}\n                {v}");
        } else {
            let _ = write!(out, "{sep}\n                null");
        }
    }
    out.push_str(
        "\n            ],\n            \"StatusCode\": \"Complete\"\n        }\n    ],\n    \"Messages\": []\n}\n",
    );
    out
}

/// Detects the format: a JSON object (first non-blank character `{`) is CloudWatch output,
/// anything else is CSV.
pub fn parse(text: &str) -> Result<Traffic, TrafficError> {
    if strip_bom(text).trim_start().starts_with('{') {
        parse_cloudwatch(text)
    } else {
        parse_csv(text)
    }
}

/// A small JSON reader that keeps numbers as their text. serde_json (without its
/// `float_roundtrip` feature) may round a 17-digit number one unit off, and the CloudWatch path
/// must give the same `f64` as the CSV path; it also gives every value its line for errors.
mod json {
    use super::TrafficError;

    /// Nesting deeper than this is rejected instead of risking the stack.
    const MAX_DEPTH: usize = 128;

    #[derive(Debug)]
    pub enum Value<'a> {
        Null,
        Bool,
        /// The number's text, valid JSON number syntax.
        Number(&'a str),
        String(String),
        Array(Vec<Node<'a>>),
        Object(Vec<(String, Node<'a>)>),
    }

    #[derive(Debug)]
    pub struct Node<'a> {
        /// 1-based line where the value starts.
        pub line: usize,
        pub value: Value<'a>,
    }

    impl<'a> Node<'a> {
        /// The member `key` of an object (the last one if repeated, as serde_json does).
        pub fn get(&self, key: &str) -> Option<&Node<'a>> {
            self.as_object()?.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
        }
        pub fn as_object(&self) -> Option<&[(String, Node<'a>)]> {
            match &self.value {
                Value::Object(members) => Some(members),
                _ => None,
            }
        }
        pub fn as_array(&self) -> Option<&[Node<'a>]> {
            match &self.value {
                Value::Array(items) => Some(items),
                _ => None,
            }
        }
        /// The string's text, or a short description of the value for error messages.
        pub fn text(&self) -> &str {
            match &self.value {
                Value::String(s) => s,
                Value::Number(n) => n,
                _ => "(not a string)",
            }
        }
    }

    pub fn parse(text: &str) -> Result<Node<'_>, TrafficError> {
        let mut p = Parser { text, pos: 0, line: 1 };
        p.skip_ws();
        let node = p.value(0)?;
        p.skip_ws();
        if p.pos < text.len() {
            return Err(p.error("unexpected text after the end of the JSON value"));
        }
        Ok(node)
    }

    struct Parser<'a> {
        text: &'a str,
        pos: usize,
        line: usize,
    }

    impl<'a> Parser<'a> {
        fn error(&self, reason: &str) -> TrafficError {
            TrafficError::InvalidJson { line: self.line, reason: reason.to_string() }
        }

        fn peek(&self) -> Option<u8> {
            self.text.as_bytes().get(self.pos).copied()
        }

        fn skip_ws(&mut self) {
            while let Some(b) = self.peek() {
                match b {
                    b'\n' => self.line += 1,
                    b' ' | b'\t' | b'\r' => {}
                    _ => break,
                }
                self.pos += 1;
            }
        }

        fn expect(&mut self, byte: u8, reason: &str) -> Result<(), TrafficError> {
            if self.peek() == Some(byte) {
                self.pos += 1;
                Ok(())
            } else {
                Err(self.error(reason))
            }
        }

        fn value(&mut self, depth: usize) -> Result<Node<'a>, TrafficError> {
            if depth > MAX_DEPTH {
                return Err(self.error("nested too deeply"));
            }
            let line = self.line;
            let value = match self.peek() {
                None => return Err(self.error("it ends where a value was expected")),
                Some(b'{') => self.object(depth)?,
                Some(b'[') => self.array(depth)?,
                Some(b'"') => Value::String(self.string()?),
                Some(b'-' | b'0'..=b'9') => Value::Number(self.number()?),
                Some(_) => self.literal()?,
            };
            Ok(Node { line, value })
        }

        fn literal(&mut self) -> Result<Value<'a>, TrafficError> {
            let rest = &self.text.as_bytes()[self.pos..];
            for (word, value) in [(&b"null"[..], Value::Null), (b"true", Value::Bool), (b"false", Value::Bool)] {
                if rest.starts_with(word) {
                    self.pos += word.len();
                    return Ok(value);
                }
            }
            Err(self.error("expected a value"))
        }

        fn object(&mut self, depth: usize) -> Result<Value<'a>, TrafficError> {
            self.pos += 1; // `{`
            let mut members = Vec::new();
            self.skip_ws();
            if self.peek() == Some(b'}') {
                self.pos += 1;
                return Ok(Value::Object(members));
            }
            loop {
                self.skip_ws();
                if self.peek() != Some(b'"') {
                    return Err(self.error("expected a quoted key"));
                }
                let key = self.string()?;
                self.skip_ws();
                self.expect(b':', "expected `:` after a key")?;
                self.skip_ws();
                let value = self.value(depth + 1)?;
                members.push((key, value));
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b'}') => {
                        self.pos += 1;
                        return Ok(Value::Object(members));
                    }
                    _ => return Err(self.error("expected `,` or `}` in an object")),
                }
            }
        }

        fn array(&mut self, depth: usize) -> Result<Value<'a>, TrafficError> {
            self.pos += 1; // `[`
            let mut items = Vec::new();
            self.skip_ws();
            if self.peek() == Some(b']') {
                self.pos += 1;
                return Ok(Value::Array(items));
            }
            loop {
                self.skip_ws();
                items.push(self.value(depth + 1)?);
                self.skip_ws();
                match self.peek() {
                    Some(b',') => self.pos += 1,
                    Some(b']') => {
                        self.pos += 1;
                        return Ok(Value::Array(items));
                    }
                    _ => return Err(self.error("expected `,` or `]` in an array")),
                }
            }
        }

        fn digits(&mut self) -> usize {
            let start = self.pos;
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.pos += 1;
            }
            self.pos - start
        }

        fn number(&mut self) -> Result<&'a str, TrafficError> {
            let start = self.pos;
            if self.peek() == Some(b'-') {
                self.pos += 1;
            }
            match self.peek() {
                Some(b'0') => self.pos += 1,
                Some(b'1'..=b'9') => {
                    self.digits();
                }
                _ => return Err(self.error("a number needs digits")),
            }
            if self.peek() == Some(b'.') {
                self.pos += 1;
                if self.digits() == 0 {
                    return Err(self.error("a number needs digits after `.`"));
                }
            }
            if matches!(self.peek(), Some(b'e' | b'E')) {
                self.pos += 1;
                if matches!(self.peek(), Some(b'+' | b'-')) {
                    self.pos += 1;
                }
                if self.digits() == 0 {
                    return Err(self.error("a number needs digits in its exponent"));
                }
            }
            // Only ASCII was consumed, so both ends are character boundaries.
            Ok(&self.text[start..self.pos])
        }

        fn string(&mut self) -> Result<String, TrafficError> {
            self.pos += 1; // opening quote
            let mut out = String::new();
            loop {
                let rest = &self.text[self.pos..];
                // Copy the run up to the next quote, backslash or control character at once.
                let run = rest.find(|c: char| c == '"' || c == '\\' || c < ' ').unwrap_or(rest.len());
                out.push_str(&rest[..run]);
                self.pos += run;
                match self.peek() {
                    None => return Err(self.error("a string is not closed")),
                    Some(b'"') => {
                        self.pos += 1;
                        return Ok(out);
                    }
                    Some(b'\\') => {
                        self.pos += 1;
                        let c = self.escape()?;
                        out.push(c);
                    }
                    Some(_) => return Err(self.error("a string contains a raw control character")),
                }
            }
        }

        fn escape(&mut self) -> Result<char, TrafficError> {
            let Some(b) = self.peek() else {
                return Err(self.error("a string is not closed"));
            };
            self.pos += 1;
            Ok(match b {
                b'"' => '"',
                b'\\' => '\\',
                b'/' => '/',
                b'b' => '\u{8}',
                b'f' => '\u{c}',
                b'n' => '\n',
                b'r' => '\r',
                b't' => '\t',
                b'u' => {
                    let high = self.hex4()?;
                    if (0xD800..0xDC00).contains(&high) {
                        if !self.text[self.pos..].starts_with("\\u") {
                            return Err(self.error("a \\u escape is half of a surrogate pair"));
                        }
                        self.pos += 2;
                        let low = self.hex4()?;
                        if !(0xDC00..0xE000).contains(&low) {
                            return Err(self.error("a \\u escape is half of a surrogate pair"));
                        }
                        let code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00);
                        char::from_u32(code).ok_or_else(|| self.error("a \\u escape is not a character"))?
                    } else {
                        char::from_u32(high).ok_or_else(|| self.error("a \\u escape is half of a surrogate pair"))?
                    }
                }
                _ => return Err(self.error("a string has an unknown escape")),
            })
        }

        fn hex4(&mut self) -> Result<u32, TrafficError> {
            let digits = self
                .text
                .as_bytes()
                .get(self.pos..self.pos + 4)
                .ok_or_else(|| self.error("a \\u escape is cut short"))?;
            let mut code = 0;
            for &d in digits {
                let v = char::from(d).to_digit(16).ok_or_else(|| self.error("a \\u escape needs 4 hex digits"))?;
                code = code * 16 + v;
            }
            self.pos += 4;
            Ok(code)
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Generator
// ---------------------------------------------------------------------------------------------

/// Synthetic traffic, reproducible from a seed: a base rate, a weekday business-hours peak in
/// a local time zone with linear ramps, busier first days of the month, Gaussian noise and
/// short bursts. The same `Generator` gives bit-identical output on every run and platform.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Generator {
    /// Seed of the ChaCha8 random stream (noise and bursts).
    pub seed: u64,
    /// First minute (UTC; seconds are dropped). In files: RFC 3339, e.g. `2026-11-01T00:00:00Z`.
    #[serde(with = "serde_rfc3339")]
    pub start: DateTime<Utc>,
    /// How many days to generate (1440 minutes each; at most [`MAX_DAYS`]).
    pub days: u32,
    /// Invocations per minute outside peaks.
    pub base_rpm: f64,
    /// How many times `base_rpm` the traffic is during the peak.
    pub peak_multiplier: f64,
    /// Local hour (0-24) the full peak starts, on `peak_days`.
    pub peak_start_hour: u32,
    /// Local hour (0-24) the full peak ends; an hour at or before `peak_start_hour` ends the next day.
    pub peak_end_hour: u32,
    /// Local weekdays with a peak (the day the peak starts). In files: `["Mon", "Tue", ...]`.
    #[serde(with = "serde_weekdays")]
    pub peak_days: Vec<Weekday>,
    /// IANA time zone of the peak hours, peak days and month starts; follows daylight saving.
    pub timezone: String,
    /// Minutes over which the peak ramps linearly up before `peak_start_hour` and down after
    /// `peak_end_hour` (0 makes it a step).
    pub ramp_minutes: u32,
    /// The first this many days of each month (local time) get `month_start_multiplier`.
    pub month_start_days: u32,
    /// Multiplier on those month-start days, on top of everything else.
    pub month_start_multiplier: f64,
    /// Relative standard deviation of the multiplicative Gaussian noise per minute (the value
    /// is clamped at 0).
    pub noise: f64,
    /// Expected short bursts per day: each minute starts one with probability `bursts_per_day / 1440`.
    pub bursts_per_day: f64,
    /// Multiplier during a burst, on top of everything else.
    pub burst_multiplier: f64,
    /// Length of a burst in minutes (a burst starting during another extends it).
    pub burst_minutes: u32,
}

impl Default for Generator {
    fn default() -> Self {
        Generator {
            seed: 1,
            start: DateTime::from_timestamp(1_793_491_200, 0).unwrap_or_default(), // 2026-11-01T00:00:00Z
            days: 30,
            base_rpm: 300.0,
            peak_multiplier: 4.0,
            peak_start_hour: 8,
            peak_end_hour: 18,
            peak_days: vec![Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri],
            timezone: "America/New_York".to_string(),
            ramp_minutes: 30,
            month_start_days: 2,
            month_start_multiplier: 1.8,
            noise: 0.1,
            bursts_per_day: 0.5,
            burst_multiplier: 3.0,
            burst_minutes: 10,
        }
    }
}

impl Generator {
    /// Checks every field; [`generate`] never panics on a generator that fails this, but it
    /// falls back (an unknown time zone is UTC, out-of-range numbers are clamped).
    pub fn validate(&self) -> Result<(), TrafficError> {
        let bad = |field, problem: String| Err(TrafficError::InvalidGenerator { field, problem });
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return bad(
                "timezone",
                format!(
                    "is `{}`, not an IANA time zone; use a name such as `America/New_York` or `UTC`",
                    shorten(&self.timezone)
                ),
            );
        }
        if self.days == 0 || self.days > MAX_DAYS {
            return bad("days", format!("is {}; use 1 to {MAX_DAYS}", self.days));
        }
        for (field, hour) in [("peak_start_hour", self.peak_start_hour), ("peak_end_hour", self.peak_end_hour)] {
            if hour > 24 {
                return bad(field, format!("is {hour}; use an hour from 0 to 24"));
            }
        }
        if self.ramp_minutes > MINUTES_PER_DAY as u32 {
            return bad("ramp_minutes", format!("is {}; use at most 1440 (a day)", self.ramp_minutes));
        }
        for (field, v) in [
            ("base_rpm", self.base_rpm),
            ("peak_multiplier", self.peak_multiplier),
            ("month_start_multiplier", self.month_start_multiplier),
            ("noise", self.noise),
            ("bursts_per_day", self.bursts_per_day),
            ("burst_multiplier", self.burst_multiplier),
        ] {
            if !v.is_finite() || v < 0.0 {
                return bad(field, format!("is {v}; use a finite number of 0 or more"));
            }
        }
        if self.bursts_per_day > MINUTES_PER_DAY as f64 {
            return bad("bursts_per_day", format!("is {}; use at most 1440 (one per minute)", self.bursts_per_day));
        }
        Ok(())
    }
}

/// A finite non-negative number, or 0.
fn sane(v: f64) -> f64 {
    if v.is_finite() && v >= 0.0 {
        v
    } else {
        0.0
    }
}

/// Generates `g.days * 1440` minutes from `g.start` (truncated to the minute).
///
/// Each minute is `base_rpm x peak x month start x burst x noise`, where the peak factor goes
/// from 1 to `peak_multiplier` (linearly over the ramps, evaluated at the middle of the minute)
/// in local time, and noise is `max(0, 1 + noise * z)` for a standard normal `z`. Every minute
/// draws exactly two numbers from `ChaCha8Rng::seed_from_u64(seed)` (burst, then noise), and
/// `z` comes from an inverse normal CDF built from `+ - * /` and `sqrt` alone, so the output is
/// bit-identical on every platform (no platform `ln`/`exp`).
pub fn generate(g: &Generator) -> Traffic {
    let start = g.start.with_second(0).and_then(|t| t.with_nanosecond(0)).unwrap_or(g.start);
    let tz: chrono_tz::Tz = g.timezone.parse().unwrap_or(chrono_tz::UTC);
    let days = g.days.min(MAX_DAYS) as usize;
    let peak = Peak {
        start_minute: i64::from(g.peak_start_hour.min(24)) * 60,
        end_minute: i64::from(g.peak_end_hour.min(24)) * 60,
        ramp: i64::from(g.ramp_minutes.min(MINUTES_PER_DAY as u32)),
        days: g.peak_days.clone(),
    };
    let base = sane(g.base_rpm);
    let peak_extra = sane(g.peak_multiplier) - 1.0;
    let month_multiplier = sane(g.month_start_multiplier);
    let noise = sane(g.noise);
    let burst_probability = (sane(g.bursts_per_day) / MINUTES_PER_DAY as f64).min(1.0);
    let burst_multiplier = sane(g.burst_multiplier);

    let mut rng = ChaCha8Rng::seed_from_u64(g.seed);
    let mut burst_left = 0u32;
    let mut per_minute = Vec::with_capacity(days * MINUTES_PER_DAY);
    for i in 0..days * MINUTES_PER_DAY {
        // Always two draws per minute, whatever the branches below do.
        let burst_draw = unit(rng.next_u64());
        let noise_draw = unit(rng.next_u64());
        let Some(at) = TimeDelta::try_minutes(i as i64).and_then(|d| start.checked_add_signed(d)) else {
            break;
        };
        let local = at.with_timezone(&tz).naive_local();
        let local_minute = local.and_utc().timestamp().div_euclid(60);

        let mut rate = base * (1.0 + peak_extra * peak.weight(local_minute));
        if local.day() <= g.month_start_days {
            rate *= month_multiplier;
        }
        if burst_draw < burst_probability {
            burst_left = burst_left.max(g.burst_minutes);
        }
        if burst_left > 0 {
            rate *= burst_multiplier;
            burst_left -= 1;
        }
        rate *= (1.0 + noise * inverse_normal_cdf(noise_draw)).max(0.0);
        per_minute.push(rate);
    }
    Traffic { start, per_minute }
}

/// The weekday peak in local wall-clock minutes.
struct Peak {
    /// Minutes after local midnight the full peak starts and ends.
    start_minute: i64,
    end_minute: i64,
    ramp: i64,
    days: Vec<Weekday>,
}

impl Peak {
    /// 0 (off peak) to 1 (full peak) for the local minute `m` (minutes since 1970-01-01 local).
    fn weight(&self, m: i64) -> f64 {
        if self.start_minute == self.end_minute {
            return 0.0;
        }
        let day = m.div_euclid(MINUTES_PER_DAY as i64);
        let mut best: f64 = 0.0;
        // A window that starts on day d spans at most [d - 1 day, d + 3 days), ramps included.
        for d in day - 3..=day + 1 {
            if !self.days.contains(&weekday(d)) {
                continue;
            }
            let s = d * MINUTES_PER_DAY as i64 + self.start_minute;
            let mut e = d * MINUTES_PER_DAY as i64 + self.end_minute;
            if e <= s {
                e += MINUTES_PER_DAY as i64;
            }
            let r = self.ramp;
            let w = if (s..e).contains(&m) {
                1.0
            } else if (s - r..s).contains(&m) {
                ((m - (s - r)) as f64 + 0.5) / r as f64
            } else if (e..e + r).contains(&m) {
                ((e + r - m) as f64 - 0.5) / r as f64
            } else {
                0.0
            };
            best = best.max(w);
        }
        best
    }
}

/// The weekday of day `d` counted from 1970-01-01 (a Thursday).
fn weekday(d: i64) -> Weekday {
    const WEEK: [Weekday; 7] =
        [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];
    WEEK[(d + 3).rem_euclid(7) as usize]
}

/// A uniform number in the open interval (0, 1) from 52 random bits: `(2k + 1) / 2^53`, exact
/// in an `f64` (so never 0 or 1) and symmetric around 1/2.
fn unit(bits: u64) -> f64 {
    ((bits >> 12) as f64 * 2.0 + 1.0) * (1.0 / (1u64 << 53) as f64)
}

/// Natural log from `+ - * /` only (`f64::ln` may differ between platforms' math libraries):
/// `x = m * 2^e` with `m` in [sqrt(1/2), sqrt(2)), `ln m = 2 atanh((m - 1) / (m + 1))` by its
/// series. Accurate to a few units in the last place for the normal `x > 0` used here.
fn portable_ln(x: f64) -> f64 {
    let bits = x.to_bits();
    let mut e = ((bits >> 52) & 0x7ff) as i64 - 1023;
    let mut m = f64::from_bits((bits & ((1u64 << 52) - 1)) | (1023u64 << 52));
    if m > std::f64::consts::SQRT_2 {
        m /= 2.0;
        e += 1;
    }
    let s = (m - 1.0) / (m + 1.0);
    let s2 = s * s;
    // |s| <= 0.172, so s^2 <= 0.0295 and 13 terms leave an error below 1e-19.
    let mut series = 0.0;
    for k in (0..13).rev() {
        series = series * s2 + 1.0 / f64::from(2 * k + 1);
    }
    e as f64 * std::f64::consts::LN_2 + 2.0 * s * series
}

/// The standard normal quantile of `p` in (0, 1) (Acklam's rational approximation, relative
/// error below 1.2e-9), using only portable arithmetic and `sqrt` (correctly rounded by IEEE 754).
fn inverse_normal_cdf(p: f64) -> f64 {
    const A: [f64; 6] = [
        -3.969683028665376e+01,
        2.209460984245205e+02,
        -2.759285104469687e+02,
        1.38357751867269e+02,
        -3.066479806614716e+01,
        2.506628277459239e+00,
    ];
    const B: [f64; 5] = [
        -5.447609879822406e+01,
        1.615858368580409e+02,
        -1.556989798598866e+02,
        6.680131188771972e+01,
        -1.328068155288572e+01,
    ];
    const C: [f64; 6] = [
        -7.784894002430293e-03,
        -3.223964580411365e-01,
        -2.400758277161838e+00,
        -2.549732539343734e+00,
        4.374664141464968e+00,
        2.938163982698783e+00,
    ];
    const D: [f64; 4] = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00];
    const P_LOW: f64 = 0.02425;
    let tail = |q: f64| {
        (((((C[0] * q + C[1]) * q + C[2]) * q + C[3]) * q + C[4]) * q + C[5])
            / ((((D[0] * q + D[1]) * q + D[2]) * q + D[3]) * q + 1.0)
    };
    if p < P_LOW {
        tail((-2.0 * portable_ln(p)).sqrt())
    } else if p <= 1.0 - P_LOW {
        let q = p - 0.5;
        let r = q * q;
        (((((A[0] * r + A[1]) * r + A[2]) * r + A[3]) * r + A[4]) * r + A[5]) * q
            / (((((B[0] * r + B[1]) * r + B[2]) * r + B[3]) * r + B[4]) * r + 1.0)
    } else {
        -tail((-2.0 * portable_ln(1.0 - p)).sqrt())
    }
}

/// `DateTime<Utc>` as an RFC 3339 string (chrono's own serde support is not enabled).
mod serde_rfc3339 {
    use chrono::{DateTime, SecondsFormat, Utc};
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(t: &DateTime<Utc>, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&t.to_rfc3339_opts(SecondsFormat::AutoSi, true))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<DateTime<Utc>, D::Error> {
        let text = String::deserialize(d)?;
        super::parse_timestamp(&text).ok_or_else(|| {
            serde::de::Error::custom(format!(
                "`{}` is not a timestamp; write RFC 3339 such as `2026-11-01T00:00:00Z`",
                crate::diagnostic::shorten(&text)
            ))
        })
    }
}

/// `Vec<Weekday>` as `["Mon", "Tue", ...]` (full names and any case are read too).
mod serde_weekdays {
    use chrono::Weekday;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(days: &[Weekday], s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(days.iter().map(|d| d.to_string()))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<Weekday>, D::Error> {
        Vec::<String>::deserialize(d)?
            .iter()
            .map(|name| {
                name.trim().parse::<Weekday>().map_err(|_| {
                    serde::de::Error::custom(format!(
                        "`{}` is not a weekday; use Mon, Tue, Wed, Thu, Fri, Sat or Sun",
                        crate::diagnostic::shorten(name)
                    ))
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    fn quiet(days: u32) -> Generator {
        Generator { days, noise: 0.0, bursts_per_day: 0.0, ..Generator::default() }
    }

    /// The value of `t` at the minute starting `at`.
    fn at(t: &Traffic, at: DateTime<Utc>) -> f64 {
        t.per_minute[usize::try_from((at - t.start).num_minutes()).unwrap()]
    }

    fn err(text: &str) -> String {
        parse(text).unwrap_err().to_string()
    }

    #[test]
    fn csv_one_minute_rows() {
        let t = parse_csv(
            "timestamp,invocations\n2026-11-02T08:00:00Z,12\n2026-11-02T08:01:00Z,0.5\n2026-11-02T08:02:00Z,7\n",
        )
        .unwrap();
        assert_eq!(t, Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![12.0, 0.5, 7.0] });
    }

    #[test]
    fn csv_header_comments_blank_lines_offsets_and_naive_times() {
        let text = "\u{feff}# exported by hand\n\n  Timestamp , INVOCATIONS  \r\n2026-11-02 03:00:00-05:00,1\r\n\n# note\n2026-11-02 08:01:00,2\n2026-11-02T08:02:00,3\n\"2026-11-02T08:03:00.000Z\",\"4\"\n";
        let t = parse_csv(text).unwrap();
        assert_eq!(t, Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![1.0, 2.0, 3.0, 4.0] });
    }

    #[test]
    fn csv_coarser_step_is_spread_over_its_minutes() {
        let t = parse_csv("timestamp,invocations\n2026-11-02T08:00:00Z,100\n2026-11-02T08:05:00Z,5\n").unwrap();
        assert_eq!(t.start, utc(2026, 11, 2, 8, 0));
        assert_eq!(t.per_minute, vec![20.0, 20.0, 20.0, 20.0, 20.0, 1.0, 1.0, 1.0, 1.0, 1.0]);
    }

    #[test]
    fn csv_gaps_are_zero() {
        let t = parse_csv(
            "timestamp,invocations\n2026-11-02T08:00:00Z,3\n2026-11-02T08:01:00Z,4\n2026-11-02T08:03:00Z,5\n",
        )
        .unwrap();
        assert_eq!(t.per_minute, vec![3.0, 4.0, 0.0, 5.0]);
        // A missing 5-minute row is five zero minutes.
        let t = parse_csv(
            "timestamp,invocations\n2026-11-02T08:00:00Z,10\n2026-11-02T08:05:00Z,10\n2026-11-02T08:15:00Z,10\n",
        )
        .unwrap();
        assert_eq!(t.per_minute, [[2.0; 5], [2.0; 5], [0.0; 5], [2.0; 5]].concat());
    }

    #[test]
    fn every_error_says_where_and_how_to_fix() {
        let h = "timestamp,invocations\n";
        let cases: Vec<(String, &str)> = vec![
            ("".into(), "the traffic input is empty; give a CSV with the header `timestamp,invocations` and one row per period, or the JSON of `aws cloudwatch get-metric-data`"),
            ("  \n# only a comment\n".into(), "the traffic input is empty; give a CSV with the header `timestamp,invocations` and one row per period, or the JSON of `aws cloudwatch get-metric-data`"),
            ("time,count\n2026-11-02T08:00:00Z,1\n".into(), "line 1: expected the header `timestamp,invocations` but found `time,count`; make that header the first line"),
            (h.into(), "line 1: the CSV has a header but no data rows; add at least one row such as `2026-11-02T08:00:00Z,120`"),
            (format!("{h}2026-11-02T08:00:00Z,1,2\n"), "line 2: expected 2 columns (timestamp,invocations) but found 3; write one timestamp and one number per row"),
            (format!("{h}yesterday,1\n"), "line 2: `yesterday` is not a timestamp; write RFC 3339 such as `2026-11-02T08:00:00Z` or `2026-11-02 08:00:00` (UTC)"),
            (format!("{h}2026-11-02T08:00:30Z,1\n"), "line 2: timestamp `2026-11-02T08:00:30Z` is not on a whole minute; round it to the minute (seconds :00)"),
            (format!("{h}2026-11-02T08:00:00Z,twelve\n"), "line 2: invocations `twelve` is not a number; write a number of invocations such as 120 or 12.5"),
            (format!("{h}2026-11-02T08:00:00Z,-1\n"), "line 2: invocations `-1` is negative; write 0 or more"),
            (format!("{h}2026-11-02T08:00:00Z,NaN\n"), "line 2: invocations `NaN` is not a finite number; write a number of invocations such as 120"),
            (format!("{h}2026-11-02T08:00:00Z,1e999\n"), "line 2: invocations `1e999` is not a finite number; write a number of invocations such as 120"),
            (format!("{h}2026-11-02T08:01:00Z,1\n2026-11-02T08:00:00Z,1\n"), "line 3: timestamp `2026-11-02T08:00:00Z` is earlier than the row before it (line 2); sort the rows oldest first"),
            (format!("{h}2026-11-02T08:00:00Z,1\n\n2026-11-02T08:00:00Z,1\n"), "line 4: timestamp `2026-11-02T08:00:00Z` repeats line 2; keep one row per timestamp"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:00:30Z,1\n"), "line 3: this row is 30 seconds after the one before it, less than a minute; aggregate the data to 1-minute (or coarser) rows"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:05:00Z,1\n2026-11-02T08:07:00Z,1\n"), "line 3: this row is 5 minutes after the one before it, which is not a multiple of the 2-minute step set by the smallest gap (line 4); use one regular step"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:02:00Z,1\n2026-11-02T08:05:00Z,1\n"), "line 4: this row is 3 minutes after the one before it, which is not a multiple of the 2-minute step set by the smallest gap (line 3); use one regular step"),
            (format!("{h}2000-01-01T00:00:00Z,1\n2026-01-01T00:00:00Z,1\n"), "the data spans 27351360 minutes, more than the 5270400 (ten years) accepted; trim the time range"),
            ("{\"Datapoints\": [\n  {\"Timestamp\": \"2026-11-02T08:00:00Z\", \"Sum\": 1,}\n]}".into(), "line 2: the JSON is invalid (expected a quoted key); pass the unmodified output of the AWS CLI with `--output json`"),
            ("{\"Label\": \"Invocations\"}".into(), "line 1: the JSON object has neither `MetricDataResults` nor `Datapoints`; export the metric with `aws cloudwatch get-metric-data` or `aws cloudwatch get-metric-statistics`"),
            ("{\"MetricDataResults\": [{\"Timestamps\": [\"2026-11-02T08:00:00Z\"],\n \"Values\": [\"1\"]}]}".into(), "line 2: MetricDataResults[0].Values[0] should be a number; pass the unmodified output of the AWS CLI with `--output json`"),
            ("{\"MetricDataResults\": [\n{\"Timestamps\": [\"2026-11-02T08:00:00Z\"], \"Values\": []}]}".into(), "line 2: MetricDataResults[0] has 1 timestamps but 0 values; pass the unmodified output of `aws cloudwatch get-metric-data`"),
            ("{\"Label\": \"Invocations\", \"Datapoints\": [\n  {\"Timestamp\": \"2026-11-02T08:00:00Z\", \"Average\": 1.0, \"Unit\": \"None\"}\n]}".into(), "line 2: Datapoints[0] has no `Sum` because get-metric-statistics was run without --statistics Sum; run it again with `--statistics Sum`"),
            ("{\"Label\": \"Invocations\", \"Datapoints\": []}".into(), "the CloudWatch output has no datapoints; check the endpoint name, variant and time range (CloudWatch omits periods without invocations)"),
            ("{\"Datapoints\": [\n{\"Timestamp\": \"2026-11-02T08:00:00Z\", \"Sum\": 1},\n{\"Timestamp\": \"2026-11-02T03:00:00-05:00\", \"Sum\": 1}]}".into(), "line 3: timestamp `2026-11-02T03:00:00-05:00` repeats line 2; keep one row per timestamp"),
        ];
        for (input, message) in cases {
            assert_eq!(err(&input), message, "input: {input:?}");
        }
        let g = Generator { timezone: "Mars/Olympus".into(), ..Generator::default() };
        assert_eq!(
            g.validate().unwrap_err().to_string(),
            "generator field `timezone` is `Mars/Olympus`, not an IANA time zone; use a name such as `America/New_York` or `UTC`"
        );
        let g = Generator { peak_end_hour: 25, ..Generator::default() };
        assert_eq!(
            g.validate().unwrap_err().to_string(),
            "generator field `peak_end_hour` is 25; use an hour from 0 to 24"
        );
        let g = Generator { noise: -0.5, ..Generator::default() };
        assert_eq!(
            g.validate().unwrap_err().to_string(),
            "generator field `noise` is -0.5; use a finite number of 0 or more"
        );
        assert_eq!(Generator::default().validate(), Ok(()));
    }

    #[test]
    fn get_metric_data_sums_results_and_sorts_newest_first() {
        let text = r#"{
    "MetricDataResults": [
        {
            "Id": "m1",
            "Label": "AllTraffic",
            "Timestamps": ["2026-11-02T08:02:00+00:00", "2026-11-02T08:01:00+00:00", "2026-11-02T08:00:00+00:00"],
            "Values": [3.0, 2.0, 1.0],
            "StatusCode": "Complete"
        },
        {
            "Id": "m2",
            "Label": "Canary",
            "Timestamps": ["2026-11-02T08:03:00+00:00", "2026-11-02T08:01:00+00:00"],
            "Values": [40.0, 20.0],
            "StatusCode": "Complete"
        }
    ],
    "Messages": []
}"#;
        let t = parse(text).unwrap();
        assert_eq!(t, Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![1.0, 22.0, 3.0, 40.0] });
    }

    #[test]
    fn get_metric_data_with_a_five_minute_period_and_a_missing_period() {
        let text = r#"{"MetricDataResults": [{"Id": "m1", "Label": "Invocations",
            "Timestamps": ["2026-11-02T08:15:00Z", "2026-11-02T08:05:00Z", "2026-11-02T08:00:00Z"],
            "Values": [50, 10, 100], "StatusCode": "Complete"}], "Messages": []}"#;
        let t = parse_cloudwatch(text).unwrap();
        assert_eq!(t.start, utc(2026, 11, 2, 8, 0));
        assert_eq!(t.per_minute, [[20.0; 5], [2.0; 5], [0.0; 5], [10.0; 5]].concat());
    }

    #[test]
    fn get_metric_statistics_uses_sum() {
        let text = r#"{
    "Label": "Invocations",
    "Datapoints": [
        {"Timestamp": "2026-11-02T08:05:00+00:00", "Sum": 12.0, "Unit": "None"},
        {"Timestamp": "2026-11-02T08:00:00+00:00", "Sum": 300.0, "Unit": "None"}
    ]
}"#;
        let t = parse(text).unwrap();
        assert_eq!(t.start, utc(2026, 11, 2, 8, 0));
        assert_eq!(t.per_minute, [[60.0; 5], [2.4; 5]].concat());
    }

    #[test]
    fn fractional_seconds_and_offsets_in_timestamps() {
        let text = r#"{"Datapoints": [
            {"Timestamp": "2026-11-02T03:01:00.000-05:00", "Sum": 2},
            {"Timestamp": "2026-11-02T08:00:00.000000Z", "Sum": 1},
            {"Timestamp": "2026-11-02T08:02:00Z", "Sum": 3}]}"#;
        let t = parse(text).unwrap();
        assert_eq!(t, Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![1.0, 2.0, 3.0] });
        let csv = parse_csv("timestamp,invocations\n2026-11-02T08:00:00.000Z,1\n2026-11-02 08:01:00.0,2\n").unwrap();
        assert_eq!(csv.per_minute, vec![1.0, 2.0]);
        assert!(matches!(
            parse(r#"{"Datapoints": [{"Timestamp": "2026-11-02T08:00:00.5Z", "Sum": 2}]}"#),
            Err(TrafficError::NotWholeMinute { line: 1, .. })
        ));
    }

    #[test]
    fn csv_and_cloudwatch_agree_on_the_same_numbers() {
        // 17 significant digits: the values a naive decimal parser gets one unit off.
        let values = ["0.30000000000000004", "1234.5678901234567", "9007199254740993", "2.2250738585072014e-308", "7"];
        let mut csv = String::from("timestamp,invocations\n");
        let mut ts = Vec::new();
        for (i, v) in values.iter().enumerate() {
            csv.push_str(&format!("2026-11-02T08:0{i}:00Z,{v}\n"));
            ts.push(format!("\"2026-11-02T08:0{i}:00Z\""));
        }
        let json = format!(
            r#"{{"MetricDataResults": [{{"Timestamps": [{}], "Values": [{}]}}]}}"#,
            ts.join(","),
            values.join(",")
        );
        let a = parse(&csv).unwrap();
        let b = parse(&json).unwrap();
        assert_eq!(a, b);
        let expected: Vec<u64> = values.iter().map(|v| v.parse::<f64>().unwrap().to_bits()).collect();
        assert_eq!(b.per_minute.iter().map(|v| v.to_bits()).collect::<Vec<_>>(), expected);
    }

    #[test]
    fn round_trips_are_bit_identical() {
        let t = generate(&Generator { days: 7, seed: 42, ..Generator::default() });
        let csv = to_csv(&t);
        assert!(csv.starts_with("timestamp,invocations\n2026-11-01T00:00:00Z,"));
        assert_eq!(parse_csv(&csv).unwrap(), t);
        assert_eq!(parse(&csv).unwrap(), t);
        let json = to_cloudwatch_json(&t);
        assert!(json.contains("\"2026-11-07T23:59:00+00:00\""));
        assert_eq!(parse_cloudwatch(&json).unwrap(), t);
        assert_eq!(parse(&json).unwrap(), t);
        // Zeros, whole numbers, tiny and huge values.
        let odd = Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![0.0, 1.0, 0.0, 1e-300, 1.7e308, 0.1, 0.0] };
        assert_eq!(parse_csv(&to_csv(&odd)).unwrap(), odd);
        assert_eq!(parse_cloudwatch(&to_cloudwatch_json(&odd)).unwrap(), odd);
    }

    #[test]
    fn to_csv_and_to_cloudwatch_json_shapes() {
        let t = Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![12.0, 0.5] };
        assert_eq!(to_csv(&t), "timestamp,invocations\n2026-11-02T08:00:00Z,12\n2026-11-02T08:01:00Z,0.5\n");
        let json: serde_json::Value = serde_json::from_str(&to_cloudwatch_json(&t)).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "MetricDataResults": [{
                    "Id": "invocations",
                    "Label": "Invocations",
                    "Timestamps": ["2026-11-02T08:01:00+00:00", "2026-11-02T08:00:00+00:00"],
                    "Values": [0.5, 12],
                    "StatusCode": "Complete"
                }],
                "Messages": []
            })
        );
    }

    #[test]
    fn generator_is_deterministic_and_seeded() {
        let g = Generator { days: 3, ..Generator::default() };
        let a = generate(&g);
        let b = generate(&g);
        assert_eq!(
            a.per_minute.iter().map(|v| v.to_bits()).collect::<Vec<_>>(),
            b.per_minute.iter().map(|v| v.to_bits()).collect::<Vec<_>>()
        );
        let c = generate(&Generator { seed: 2, ..g.clone() });
        assert_ne!(a, c);
        assert_eq!(a.start, c.start);
        // Pinned: a change here changes every user's generated traffic (ChaCha8 stream, the
        // order of draws, or the arithmetic); update it only on purpose.
        let first: Vec<u64> = a.per_minute[..3].iter().map(|v| v.to_bits()).collect();
        assert_eq!(first, PINNED_FIRST_MINUTES);
        let total: f64 = a.per_minute.iter().sum();
        assert_eq!(total.to_bits(), PINNED_TOTAL);
    }

    const PINNED_TOTAL: u64 = 4704972092987417440;
    const PINNED_FIRST_MINUTES: [u64; 3] = [4643245083301087590, 4643576530055334036, 4644278270723329051];

    #[test]
    fn generator_length_and_defaults() {
        let g = Generator::default();
        let t = generate(&g);
        assert_eq!(t.per_minute.len(), 30 * 1440);
        assert_eq!(t.start, utc(2026, 11, 1, 0, 0));
        assert!(t.per_minute.iter().all(|v| v.is_finite() && *v >= 0.0));
        assert_eq!(generate(&Generator { days: 2, ..g }).per_minute.len(), 2 * 1440);
        // Seconds in the start are dropped.
        let t = generate(&Generator { days: 1, start: utc(2026, 11, 2, 8, 0) + TimeDelta::seconds(59), ..quiet(1) });
        assert_eq!(t.start, utc(2026, 11, 2, 8, 0));
    }

    #[test]
    fn peak_over_off_peak_is_the_multiplier() {
        // Wednesday 2026-11-04 in New York (EST, UTC-5): peak 08:00-18:00 local = 13:00-23:00Z.
        let t = generate(&quiet(7));
        assert_eq!(at(&t, utc(2026, 11, 4, 15, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 4, 8, 0)), 300.0);
        // The ramps: half way at the middle of the 30 minutes, symmetric around the peak.
        let up = at(&t, utc(2026, 11, 4, 12, 45));
        assert!((up - 300.0 * (1.0 + 3.0 * 15.5 / 30.0)).abs() < 1e-9, "{up}");
        assert_eq!(at(&t, utc(2026, 11, 4, 12, 30)), 300.0 * (1.0 + 3.0 * 0.5 / 30.0));
        assert_eq!(at(&t, utc(2026, 11, 4, 12, 29)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 4, 23, 0)), at(&t, utc(2026, 11, 4, 12, 59)));
        assert_eq!(at(&t, utc(2026, 11, 4, 23, 30)), 300.0);
        // Weekends have no peak.
        assert_eq!(at(&t, utc(2026, 11, 7, 15, 0)), 300.0);

        // With noise, the mean peak over the mean night is roughly the multiplier.
        let t = generate(&Generator { days: 14, bursts_per_day: 0.0, ..Generator::default() });
        let mean = |hour_utc: u32| {
            let values: Vec<f64> = (3..14)
                .filter(|d| ![7, 8].contains(d) && ![1, 2].contains(d))
                .flat_map(|d| (0..60).map(move |m| utc(2026, 11, d, hour_utc, m)))
                .filter(|&when| {
                    matches!(when.weekday(), Weekday::Mon | Weekday::Tue | Weekday::Wed | Weekday::Thu | Weekday::Fri)
                })
                .map(|when| at(&t, when))
                .collect();
            values.iter().sum::<f64>() / values.len() as f64
        };
        let ratio = mean(16) / mean(7);
        assert!((3.8..4.2).contains(&ratio), "{ratio}");
    }

    #[test]
    fn month_start_multiplier_applies_on_local_days() {
        // 2026-11-01 00:00 New York (EST... still EDT until 02:00) is 04:00Z.
        let t = generate(&quiet(4));
        assert_eq!(at(&t, utc(2026, 11, 1, 3, 59)), 300.0); // Sat Oct 31 23:59 local
        assert_eq!(at(&t, utc(2026, 11, 1, 4, 0)), 300.0 * 1.8); // Sun Nov 1 00:00 local
        assert_eq!(at(&t, utc(2026, 11, 3, 4, 59)), 300.0 * 1.8); // Mon Nov 2 23:59 local (EST)
        assert_eq!(at(&t, utc(2026, 11, 3, 5, 0)), 300.0); // Tue Nov 3 00:00 local
                                                           // On top of the peak: Monday Nov 2, 10:00 local.
        assert_eq!(at(&t, utc(2026, 11, 2, 15, 0)), 300.0 * 4.0 * 1.8);
        assert!(generate(&Generator { month_start_days: 0, ..quiet(1) }).per_minute.iter().all(|&v| v == 300.0));
    }

    #[test]
    fn the_peak_follows_daylight_saving() {
        let g = Generator { start: utc(2026, 10, 26, 0, 0), ramp_minutes: 0, month_start_days: 0, ..quiet(14) };
        let t = generate(&g);
        // Friday 2026-10-30, EDT (UTC-4): 08:00 local is 12:00Z.
        assert_eq!(at(&t, utc(2026, 10, 30, 11, 59)), 300.0);
        assert_eq!(at(&t, utc(2026, 10, 30, 12, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 10, 30, 21, 59)), 1200.0);
        assert_eq!(at(&t, utc(2026, 10, 30, 22, 0)), 300.0);
        // Monday 2026-11-02, EST (UTC-5): 08:00 local is 13:00Z.
        assert_eq!(at(&t, utc(2026, 11, 2, 12, 0)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 12, 59)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 13, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 22, 59)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 23, 0)), 300.0);
        // UTC has no such shift.
        let t = generate(&Generator { timezone: "UTC".into(), ..g });
        assert_eq!(at(&t, utc(2026, 11, 2, 8, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 7, 59)), 300.0);
    }

    #[test]
    fn bursts_and_overnight_peaks() {
        let t = generate(&Generator { bursts_per_day: 100.0, ..quiet(1) });
        // Saturday 20:00 to Sunday 20:00 New York: no peak, month start from local midnight.
        let levels = [300.0, 300.0 * 3.0, 300.0 * 1.8, 300.0 * 1.8 * 3.0];
        assert!(t.per_minute.iter().all(|v| levels.contains(v)));
        let bursts = t.per_minute.iter().filter(|&&v| v == levels[1] || v == levels[3]).count();
        assert!((300..1440).contains(&bursts), "{bursts}");
        // A peak from 22:00 to 06:00 UTC on Mondays runs into Tuesday.
        let g = Generator {
            start: utc(2026, 11, 2, 0, 0),
            timezone: "UTC".into(),
            peak_start_hour: 22,
            peak_end_hour: 6,
            peak_days: vec![Weekday::Mon],
            ramp_minutes: 0,
            month_start_days: 0,
            ..quiet(3)
        };
        let t = generate(&g);
        assert_eq!(at(&t, utc(2026, 11, 2, 5, 0)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 2, 23, 0)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 3, 5, 59)), 1200.0);
        assert_eq!(at(&t, utc(2026, 11, 3, 6, 0)), 300.0);
        assert_eq!(at(&t, utc(2026, 11, 3, 23, 0)), 300.0);
    }

    #[test]
    fn generator_serde() {
        let g = Generator::default();
        let json = serde_json::to_value(&g).unwrap();
        assert_eq!(json["start"], "2026-11-01T00:00:00Z");
        assert_eq!(json["peak_days"], serde_json::json!(["Mon", "Tue", "Wed", "Thu", "Fri"]));
        assert_eq!(serde_json::from_value::<Generator>(json).unwrap(), g);
        let partial: Generator =
            serde_json::from_str(r#"{"seed": 7, "peak_days": ["saturday", "Sun"], "start": "2026-12-01 00:00:00"}"#)
                .unwrap();
        assert_eq!(
            partial,
            Generator { seed: 7, peak_days: vec![Weekday::Sat, Weekday::Sun], start: utc(2026, 12, 1, 0, 0), ..g }
        );
        let e = serde_json::from_str::<Generator>(r#"{"peak_days": ["Funday"]}"#).unwrap_err().to_string();
        assert!(e.starts_with("`Funday` is not a weekday; use Mon, Tue, Wed, Thu, Fri, Sat or Sun"), "{e}");
    }

    #[test]
    fn invalid_generators_do_not_panic() {
        let g = Generator {
            timezone: "nowhere".into(),
            days: u32::MAX,
            base_rpm: f64::NAN,
            peak_multiplier: f64::INFINITY,
            peak_start_hour: 99,
            peak_end_hour: 99,
            ramp_minutes: u32::MAX,
            noise: -1.0,
            bursts_per_day: 1e300,
            burst_minutes: u32::MAX,
            start: DateTime::<Utc>::MAX_UTC,
            ..Generator::default()
        };
        assert!(g.validate().is_err());
        let t = generate(&g);
        assert!(t.per_minute.len() <= MAX_DAYS as usize * 1440);
        assert!(t.per_minute.iter().all(|v| v.is_finite() && *v >= 0.0));
        let _ = to_csv(&t);
        let _ = to_cloudwatch_json(&t);
    }

    #[test]
    fn portable_math_is_accurate() {
        for x in [1e-16, 1e-3, 0.02425, 0.3, 0.5, 0.7, 0.99, 1.0, 1.414, 1.415, 2.0, 123.456] {
            let (a, b) = (portable_ln(x), f64::ln(x));
            assert!((a - b).abs() <= 4.0 * f64::EPSILON * b.abs().max(1.0), "{x}: {a} vs {b}");
        }
        assert_eq!(inverse_normal_cdf(0.5), 0.0);
        assert!((inverse_normal_cdf(0.975) - 1.959963984540054).abs() < 1e-8);
        assert!((inverse_normal_cdf(0.001) + 3.090232306167814).abs() < 1e-8);
        assert!(unit(0) > 0.0 && unit(u64::MAX) < 1.0 && unit(0) == 1.0 - unit(u64::MAX));
        assert!(inverse_normal_cdf(unit(0)).is_finite() && inverse_normal_cdf(unit(u64::MAX)).is_finite());
    }

    #[test]
    fn malformed_input_never_panics() {
        let mut inputs: Vec<String> = vec![
            String::new(),
            "\u{feff}".into(),
            "{".into(),
            "[1, 2]".into(),
            "{}".into(),
            "{\"MetricDataResults\": 5}".into(),
            "{\"MetricDataResults\": [{\"Timestamps\": 5, \"Values\": []}]}".into(),
            "{\"Datapoints\": [{\"Timestamp\": 5, \"Sum\": 1}]}".into(),
            "{\"Datapoints\": [{\"Timestamp\": \"2026-11-02T08:00:00Z\", \"Sum\": 1e999}]}".into(),
            "{\"Datapoints\": [{\"Timestamp\": \"2026-11-02T08:00:00Z\", \"Sum\": -0}]}".into(),
            "{\"Datapoints\": [{\"Timestamp\": \"\\ud800\", \"Sum\": 1}]}".into(),
            "{\"Datapoints\": [{\"Timestamp\": \"\\u00e9\\ud83d\\ude00\", \"Sum\": 1}]}".into(),
            "{\"a\": \"\\u12".into(),
            "{\"a\": \"é\\".into(),
            "{\"a\": -}".into(),
            "{\"a\": 1.}".into(),
            "{\"a\": 1e}".into(),
            "{\"a\": tru}".into(),
            "{\"MetricDataResults\": [{\"Timestamps\": [\"-262143-01-01T00:00:00Z\", \"+262142-12-31T23:59:00Z\"], \"Values\": [1, 2]}]}".into(),
            "timestamp,invocations\n+262142-12-31T23:59:00Z,1\n".into(),
            "timestamp,invocations\n2026-11-02T08:00:00Z,99999999999999999999999999999999999999999\n".into(),
            "timestamp,invocations\n2026-11-02T08:00:00Z,1\n2026-11-02T23:59:60Z,1\n".into(),
            "timestamp,invocations\n２０２６-11-02T08:00:00Z,１\n".into(),
            "timestamp,invocations\nÀ,ß\n日本,語\n".into(),
            "timestamp;invocations\n".into(),
            ",\n,\n".into(),
            "[".repeat(100_000),
            format!("{{\"a\":{}", "[".repeat(100_000)),
        ];
        // Mutations of valid inputs: cut, byte-flip and splice, from a fixed seed.
        let csv = to_csv(&Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![1.0, 2.5, 0.0, 4.0] });
        let json = to_cloudwatch_json(&Traffic { start: utc(2026, 11, 2, 8, 0), per_minute: vec![1.0, 2.5] });
        let mut rng = ChaCha8Rng::seed_from_u64(9);
        for _ in 0..3000 {
            let base = if rng.next_u64() % 2 == 0 { &csv } else { &json };
            let mut bytes = base.as_bytes().to_vec();
            for _ in 0..1 + rng.next_u64() % 4 {
                let i = (rng.next_u64() % bytes.len() as u64) as usize;
                match rng.next_u64() % 3 {
                    0 => bytes.truncate(i),
                    1 => bytes[i] = b"{}[]\",:-.e0195 \n#\\Z+T"[(rng.next_u64() % 21) as usize],
                    _ => {
                        bytes.insert(i, 0xC3);
                        bytes.insert(i + 1, 0xA9);
                    }
                }
                if bytes.is_empty() {
                    break;
                }
            }
            inputs.push(String::from_utf8_lossy(&bytes).into_owned());
        }
        for input in &inputs {
            if let Ok(t) = parse(input) {
                assert!(t.per_minute.iter().all(|v| v.is_finite() && *v >= 0.0));
            }
            let _ = parse_csv(input);
            let _ = parse_cloudwatch(input);
        }
    }
}
