//! Traffic input for the simulator: invocations per minute of one endpoint over time.
//! Three sources feed it (a CSV file, AWS CLI CloudWatch JSON, a seeded generator) and
//! they agree exactly: the same numbers give bit-identical `f64`s whichever way they come in,
//! and `to_csv` / `to_cloudwatch_json` write what `parse_csv` / `parse_cloudwatch` read back.
//!
//! This module owns the [`Traffic`] type, its errors, what the file formats share (timestamps,
//! numbers, and turning sorted points into minutes) and [`read`], which picks the format. Each
//! source is a file of its own: `csv`, `cloudwatch` (the AWS CLI's JSON), `metric` (CloudWatch
//! periods read live by `simulate --traffic cloudwatch`) and `synthetic` (the seeded generator).
//!
//! Input is read as a stream within the bounds of `simulate::limits`: at most
//! [`MAX_INPUT_BYTES`] in all, CSV line by line (each line at most [`MAX_LINE_BYTES`]), and a
//! trace longer than [`MAX_MINUTES`] is rejected at the row that goes beyond, before the rest is
//! read. A file that is not text (`/dev/zero`) fails on its first line.

mod cloudwatch;
pub mod concurrency;
mod csv;
pub mod metric;
mod synthetic;

use std::io::{BufRead, BufReader, Read, Take};

use chrono::{DateTime, Datelike, NaiveDateTime, TimeDelta, Utc};

use super::limits::{
    number, MAX_CONCURRENT_REQUESTS, MAX_INPUT_BYTES, MAX_INVOCATIONS_PER_MINUTE, MAX_LINE_BYTES, MAX_MINUTES, YEARS,
};
use crate::diagnostic::shorten;

pub use cloudwatch::{parse_cloudwatch, to_cloudwatch_json};
pub use concurrency::Concurrency;
pub use csv::{parse_csv, to_csv, to_csv_with_concurrency};
pub use synthetic::{
    allowed as synthetic_allowed, generate, settings_help, Generator, Resolution, SETTINGS as SYNTHETIC_SETTINGS,
};

/// Invocations of one endpoint in each minute from `start` (UTC, on a whole minute), and in
/// each 10-second period when the input has that resolution.
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    pub start: DateTime<Utc>,
    pub per_minute: Vec<f64>,
    /// Invocations in each 10-second period from `start`, [`PERIODS_PER_MINUTE`] per minute, for
    /// 10-second traffic; `per_minute[i]` is then the sum of `periods[6i..6i + 6]`, added in
    /// order from 0 (see [`minute_sum`]), so it is the same bits however the traffic was made.
    pub periods: Option<Vec<f64>>,
}

/// 10-second periods in a minute: the resolution SageMaker publishes its high-resolution
/// metrics at (`ConcurrentRequestsPerModel`, every 10 seconds).
pub const PERIODS_PER_MINUTE: usize = 6;

/// The invocations of one minute from its six periods, added in order from 0: the one rule every
/// source of 10-second traffic uses, so per-minute totals are bit-for-bit the same.
pub fn minute_sum(periods: &[f64]) -> f64 {
    periods.iter().fold(0.0, |sum, p| sum + p)
}

impl Traffic {
    /// Traffic known per minute only.
    pub fn minutes(start: DateTime<Utc>, per_minute: Vec<f64>) -> Self {
        Traffic { start, per_minute, periods: None }
    }

    /// 10-second traffic from its periods; a last minute with fewer than six periods is
    /// completed with zeros (missing periods carry no invocations, as missing rows do).
    pub fn ten_seconds(start: DateTime<Utc>, mut periods: Vec<f64>) -> Self {
        periods.resize(periods.len().div_ceil(PERIODS_PER_MINUTE) * PERIODS_PER_MINUTE, 0.0);
        let per_minute = periods.chunks_exact(PERIODS_PER_MINUTE).map(minute_sum).collect();
        Traffic { start, per_minute, periods: Some(periods) }
    }

    /// Seconds in one period of the traffic: 10 or 60.
    pub fn resolution_seconds(&self) -> u32 {
        if self.periods.is_some() {
            10
        } else {
            60
        }
    }

    /// The first `minutes` minutes (all of them if there are fewer).
    pub fn first_minutes(&self, minutes: usize) -> Traffic {
        let minutes = minutes.min(self.per_minute.len());
        Traffic {
            start: self.start,
            per_minute: self.per_minute[..minutes].to_vec(),
            periods: self.periods.as_ref().map(|p| p[..minutes * PERIODS_PER_MINUTE].to_vec()),
        }
    }
}

/// How people read a resolution: `10-second` or `1-minute`.
pub fn resolution_name(seconds: u32) -> &'static str {
    if seconds == 10 {
        "10-second"
    } else {
        "1-minute"
    }
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
        "line {line}: this row is {} after the one before it; the steps accepted are 10 seconds and whole minutes: aggregate the data to 10-second or 1-minute rows",
        crate::diagnostic::plural(*seconds, "second")
    )]
    SubMinuteStep { line: usize, seconds: i64 },
    #[error(
        "line {line}: timestamp `{value}` is on neither a whole minute nor a 10-second boundary; round it to the minute (seconds :00), or to 10 seconds for 10-second rows"
    )]
    NotTenSeconds { line: usize, value: String },
    #[error(
        "line {line}: the 10-second rows start at `{value}`, not on a whole minute; start with the row at seconds :00 of that minute (a missing period is 0: add a row `{minute},0`)"
    )]
    TenSecondStart { line: usize, value: String, minute: String },
    #[error(
        "line {line}: this row is 10 seconds after the one before it, which makes the whole file 10-second traffic, but only {ten} of the {gaps} steps between rows are 10 seconds; for per-minute traffic fix or remove this row, for 10-second traffic give the periods between the rows (a missing period counts as 0 only within 10-second data)"
    )]
    StrayTenSeconds { line: usize, ten: usize, gaps: usize },
    #[error(
        "line {line}: this row is {gap} minutes after the one before it, which is not a multiple of the {step}-minute step set by the smallest gap (line {step_line}); use one regular step"
    )]
    IrregularStep { line: usize, gap: i64, step: i64, step_line: usize },
    #[error(
        "line {line}: the data spans {minutes} minutes up to here, more than the {max} (366 days) accepted; trim the time range",
        max = MAX_MINUTES
    )]
    TooLong { line: usize, minutes: i64 },
    #[error(
        "line {line}: {per_minute} invocations a minute is more than the {max} accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)",
        max = number(MAX_INVOCATIONS_PER_MINUTE)
    )]
    TooMany { line: usize, per_minute: String },
    #[error(
        "line {line}: timestamp `{value}` is outside the years {} to {} accepted; write a date within them",
        YEARS.start(),
        YEARS.end()
    )]
    YearOutOfRange { line: usize, value: String },
    #[error(
        "the traffic input is larger than {max} bytes (128 MiB), the most read; trim the time range or aggregate to a coarser period",
        max = MAX_INPUT_BYTES
    )]
    TooLarge,
    #[error(
        "line {line}: the line is longer than {max} bytes; a CSV row is a timestamp and a number such as `2026-11-02T08:00:00Z,120`",
        max = MAX_LINE_BYTES
    )]
    LineTooLong { line: usize },
    #[error(
        "line {line}: the traffic input is not text (it holds a NUL byte or invalid UTF-8); give a CSV with the header `timestamp,invocations`, or the JSON of `aws cloudwatch get-metric-data`"
    )]
    NotText { line: usize },
    #[error("the traffic input cannot be read: {reason}")]
    Unreadable { reason: String },
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
    #[error(
        "the CloudWatch data spans {minutes} minutes, more than the {max} (366 days) accepted; ask for fewer --days",
        max = MAX_MINUTES
    )]
    MetricTooLong { minutes: i64 },
    #[error(
        "CloudWatch reports {per_minute} invocations a minute at {at}, more than the {max} accepted",
        max = number(MAX_INVOCATIONS_PER_MINUTE)
    )]
    MetricTooMany { at: String, per_minute: String },
    #[error("CloudWatch returned a datapoint at {at} out of time order or off the period; run again, and report it if it persists")]
    MetricOrder { at: String },
    #[error("line {line}: expected 3 columns (timestamp,invocations,concurrency) but found {found}; write a timestamp, a number and a mean concurrency (or nothing) per row")]
    ConcurrencyColumnCount { line: usize, found: usize },
    #[error("line {line}: concurrency `{value}` is not a mean of concurrent requests from 0 to {max}; write a number such as 2.5, or leave the cell empty where there was no datapoint", max = number(MAX_CONCURRENT_REQUESTS))]
    BadConcurrency { line: usize, value: String },
    #[error(
        "line {line}: the `concurrency` column goes with rows of whole minutes, as `traffic export` writes them, but these rows are 10 seconds apart; drop the column or aggregate the rows to minutes"
    )]
    ConcurrencyTenSeconds { line: usize },
    #[error("CloudWatch reports a mean of {mean} concurrent requests at {at}; a mean of concurrent requests is 0 to {max}", max = number(MAX_CONCURRENT_REQUESTS))]
    MetricConcurrency { at: String, mean: String },
    #[error("setting `{field}` {problem}")]
    InvalidGenerator { field: &'static str, problem: String },
}

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

/// The whole minutes since the epoch of timestamp `at` (written `text` at `line`), which must be
/// within [`YEARS`] and on a whole minute.
fn input_minute(at: &DateTime<Utc>, text: &str, line: usize) -> Result<i64, TrafficError> {
    if !YEARS.contains(&at.year()) {
        return Err(TrafficError::YearOutOfRange { line, value: shorten(text) });
    }
    whole_minute(at).ok_or_else(|| TrafficError::NotWholeMinute { line, value: shorten(text) })
}

/// Rejects a trace as soon as a point lies [`MAX_MINUTES`] or more after the first one.
fn check_span(first_minute: i64, point: &Point) -> Result<(), TrafficError> {
    let offset = point.minute.saturating_sub(first_minute).saturating_abs();
    if offset >= MAX_MINUTES as i64 {
        return Err(TrafficError::TooLong { line: point.line, minutes: offset.saturating_add(1) });
    }
    Ok(())
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
    let len = usize::try_from(minutes)
        .ok()
        .filter(|&m| m <= MAX_MINUTES)
        .ok_or(TrafficError::TooLong { line: last.line, minutes })?;
    // `step` <= `len` <= MAX_MINUTES, so these casts are exact.
    let step_len = step as usize;
    let divisor = step as f64;
    for p in points {
        // A sum of CloudWatch results may be infinite: outside the range like any large value.
        if !(0.0..=MAX_INVOCATIONS_PER_MINUTE).contains(&(p.value / divisor)) {
            return Err(TrafficError::TooMany { line: p.line, per_minute: number(p.value / divisor) });
        }
    }
    let mut per_minute = vec![0.0; len];
    for p in points {
        let offset = (p.minute - first.minute) as usize;
        let share = p.value / divisor;
        per_minute[offset..offset + step_len].fill(share);
    }
    Ok(Traffic::minutes(first.at, per_minute))
}

/// Removes a byte-order mark that spreadsheet exports put in front of the text.
fn strip_bom(text: &str) -> &str {
    text.strip_prefix('\u{feff}').unwrap_or(text)
}

/// Each minute's start with its invocations (stopping, never panicking, at chrono's last date).
fn minutes(traffic: &Traffic) -> impl Iterator<Item = (DateTime<Utc>, f64)> + '_ {
    traffic.per_minute.iter().enumerate().map_while(|(i, &v)| {
        let at = traffic.start.checked_add_signed(TimeDelta::try_minutes(i64::try_from(i).ok()?)?)?;
        Some((at, v))
    })
}

/// Reads traffic from a file or a pipe and detects the format: a JSON object (first non-blank
/// character `{`) is CloudWatch output, anything else is CSV. CSV is read line by line; JSON is
/// read whole (serde_json checks its syntax in one pass), both within [`MAX_INPUT_BYTES`].
pub fn read<R: Read>(reader: R) -> Result<Traffic, TrafficError> {
    let mut input = Input::new(reader);
    if input.skip_blank_start()? == Some(b'{') {
        let text = input.rest()?;
        parse_cloudwatch(&text)
    } else {
        csv::read_csv(&mut input)
    }
}

/// [`read`], with the concurrency of a CSV's third column (`timestamp,invocations,concurrency`,
/// as `traffic export` writes it); CloudWatch JSON and two-column CSV have none.
pub fn read_measured<R: Read>(reader: R) -> Result<(Traffic, Option<Concurrency>), TrafficError> {
    let mut input = Input::new(reader);
    if input.skip_blank_start()? == Some(b'{') {
        let text = input.rest()?;
        Ok((parse_cloudwatch(&text)?, None))
    } else {
        csv::read_csv_measured(&mut input)
    }
}

/// [`read`] of text already in memory.
pub fn parse(text: &str) -> Result<Traffic, TrafficError> {
    read(text.as_bytes())
}

/// The input stream, counted in lines and bounded in bytes.
struct Input<R> {
    /// At most MAX_INPUT_BYTES + 1 bytes of the input: reading the extra byte means too large.
    reader: BufReader<Take<R>>,
    /// Lines read so far (the 1-based number of the last line returned).
    line: usize,
    buf: Vec<u8>,
}

impl<R: Read> Input<R> {
    fn new(reader: R) -> Self {
        Input { reader: BufReader::new(reader.take(MAX_INPUT_BYTES + 1)), line: 0, buf: Vec::new() }
    }

    fn too_large(&self) -> bool {
        self.reader.get_ref().limit() == 0
    }

    fn fill(&mut self) -> Result<&[u8], TrafficError> {
        self.reader.fill_buf().map_err(|e| TrafficError::Unreadable { reason: e.to_string() })
    }

    /// Skips a byte-order mark (spreadsheet exports put one in front) and ASCII white space,
    /// counting the lines skipped, and returns the first other byte without consuming it.
    fn skip_blank_start(&mut self) -> Result<Option<u8>, TrafficError> {
        const BOM: &[u8] = "\u{feff}".as_bytes();
        if self.fill()?.starts_with(BOM) {
            self.reader.consume(BOM.len());
        }
        loop {
            let buf = self.fill()?;
            if buf.is_empty() {
                return if self.too_large() { Err(TrafficError::TooLarge) } else { Ok(None) };
            }
            let blank = buf.iter().take_while(|b| b.is_ascii_whitespace()).count();
            let first = buf.get(blank).copied();
            let lines = buf[..blank].iter().filter(|&&b| b == b'\n').count();
            self.reader.consume(blank);
            self.line += lines;
            if first.is_some() {
                return Ok(first);
            }
        }
    }

    /// The next line without its line ending, with its 1-based number; `None` at the end.
    fn next_line(&mut self) -> Result<Option<(usize, &str)>, TrafficError> {
        self.buf.clear();
        let limit = MAX_LINE_BYTES as u64 + 1;
        (&mut self.reader)
            .take(limit)
            .read_until(b'\n', &mut self.buf)
            .map_err(|e| TrafficError::Unreadable { reason: e.to_string() })?;
        if self.too_large() {
            return Err(TrafficError::TooLarge);
        }
        if self.buf.is_empty() {
            return Ok(None);
        }
        self.line += 1;
        let line = self.line;
        if self.buf.contains(&0) {
            return Err(TrafficError::NotText { line });
        }
        if self.buf.len() > MAX_LINE_BYTES && self.buf.last() != Some(&b'\n') {
            return Err(TrafficError::LineTooLong { line });
        }
        let text = std::str::from_utf8(&self.buf).map_err(|_| TrafficError::NotText { line })?;
        Ok(Some((line, text.trim_end_matches(['\n', '\r']))))
    }

    /// The rest of the input as text, behind as many line breaks as were skipped so that line
    /// numbers count from the start of the input.
    fn rest(&mut self) -> Result<String, TrafficError> {
        let mut bytes = vec![b'\n'; self.line];
        self.reader.read_to_end(&mut bytes).map_err(|e| TrafficError::Unreadable { reason: e.to_string() })?;
        if self.too_large() {
            return Err(TrafficError::TooLarge);
        }
        String::from_utf8(bytes).map_err(|e| {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            TrafficError::NotText { line: valid.iter().filter(|&&b| b == b'\n').count() + 1 }
        })
    }
}

/// Helpers shared by the tests of this module and its submodules.
#[cfg(test)]
mod test_support {
    use chrono::{DateTime, TimeZone, Utc};

    pub(super) fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, 0).unwrap()
    }

    /// The message `parse` gives for `text`.
    pub(super) fn err(text: &str) -> String {
        super::parse(text).unwrap_err().to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::test_support::utc;
    use super::*;
    use rand::{Rng, SeedableRng};
    use rand_chacha::ChaCha8Rng;

    #[test]
    fn csv_and_cloudwatch_agree_on_the_same_numbers() {
        // 17 significant digits: the values a naive decimal parser gets one unit off.
        let values =
            ["0.30000000000000004", "1234.5678901234567", "999999999.99999994", "2.2250738585072014e-308", "7"];
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
        let odd = Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![0.0, 1.0, 0.0, 1e-300, 1e9, 0.1, 0.0]);
        assert_eq!(parse_csv(&to_csv(&odd)).unwrap(), odd);
        assert_eq!(parse_cloudwatch(&to_cloudwatch_json(&odd)).unwrap(), odd);
    }

    #[test]
    fn to_csv_and_to_cloudwatch_json_shapes() {
        let t = Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![12.0, 0.5]);
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
        let csv = to_csv(&Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![1.0, 2.5, 0.0, 4.0]));
        let json = to_cloudwatch_json(&Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![1.0, 2.5]));
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
