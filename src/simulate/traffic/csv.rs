//! CSV traffic: `timestamp,invocations` rows, as a spreadsheet or a quick script writes them,
//! and the same form written back with `to_csv`. `traffic export` adds a third column,
//! `concurrency` (the endpoint's mean concurrent requests in the row's period, empty where
//! CloudWatch had no datapoint), written by `to_csv_with_concurrency` and read back here.

use std::fmt::Write as _;
use std::io::Read;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};

use super::{
    assemble, check_span, input_minute, minutes, parse_invocations, parse_timestamp, Concurrency, Input, Point,
    Traffic, TrafficError, PERIODS_PER_MINUTE,
};
use crate::diagnostic::shorten;
use crate::simulate::limits::{number, MAX_CONCURRENT_REQUESTS, MAX_INVOCATIONS_PER_MINUTE};

/// One CSV field, trimmed, without the double quotes a spreadsheet may put around it.
fn field(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|x| x.strip_suffix('"')).map(str::trim).unwrap_or(s)
}

/// Reads `timestamp,invocations` rows.
///
/// The header is required (case-insensitive, spaces allowed); blank lines and lines starting
/// with `#` are skipped. Timestamps are RFC 3339 (offsets are converted to UTC) or
/// `2026-11-02 08:00:00` / `2026-11-02T08:00:00` meaning UTC, strictly ascending, with a
/// regular step set by the smallest gap: 10 seconds (timestamps on 10-second boundaries, the
/// first on a whole minute: 10-second traffic) or whole minutes (timestamps on whole minutes; a
/// coarser row's invocations are spread evenly over its minutes). Missing rows count as 0.
pub fn parse_csv(text: &str) -> Result<Traffic, TrafficError> {
    let mut input = Input::new(text.as_bytes());
    input.skip_blank_start()?;
    read_csv(&mut input)
}

/// [`parse_csv`] on a stream, one line at a time: a row beyond the longest accepted span is
/// rejected before the rest of the input is read.
pub(super) fn read_csv<R: Read>(input: &mut Input<R>) -> Result<Traffic, TrafficError> {
    read_csv_measured(input).map(|(traffic, _)| traffic)
}

/// [`read_csv`], with the `concurrency` column when the header has it: each row's mean laid over
/// the row's minutes as the invocations are (not divided: a mean, not a count).
pub(super) fn read_csv_measured<R: Read>(input: &mut Input<R>) -> Result<(Traffic, Option<Concurrency>), TrafficError> {
    let mut header_line = None;
    let mut with_concurrency = false;
    let mut points: Vec<Point> = Vec::new();
    let mut cells: Vec<Option<f64>> = Vec::new();
    while let Some((line, text)) = input.next_line()? {
        let row = text.trim();
        // Skip blank and comment lines.
        if row.is_empty() || row.starts_with('#') {
            continue;
        }
        if header_line.is_none() {
            let names: Vec<&str> = row.split(',').map(field).collect();
            let is_header = matches!(names.as_slice(), [t, i] if t.eq_ignore_ascii_case("timestamp") && i.eq_ignore_ascii_case("invocations"));
            with_concurrency = matches!(names.as_slice(), [t, i, c] if t.eq_ignore_ascii_case("timestamp") && i.eq_ignore_ascii_case("invocations") && c.eq_ignore_ascii_case("concurrency"));
            if !is_header && !with_concurrency {
                return Err(TrafficError::MissingHeader { line, found: shorten(row) });
            }
            header_line = Some(line);
            continue;
        }
        let fields: Vec<&str> = row.split(',').map(field).collect();
        let (ts, inv, cell) = match (fields.as_slice(), with_concurrency) {
            ([ts, inv], false) => (ts, inv, None),
            ([ts, inv, c], true) => (ts, inv, Some(*c)),
            (_, false) => return Err(TrafficError::ColumnCount { line, found: fields.len() }),
            (_, true) => return Err(TrafficError::ConcurrencyColumnCount { line, found: fields.len() }),
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
            // 10-second rows, or whole minutes: a step such as 15 s is refused at once.
            if seconds < 60 && seconds % 10 != 0 {
                return Err(TrafficError::SubMinuteStep { line, seconds });
            }
        }
        let minute = row_minute(&at, ts, line)?;
        let value = parse_invocations(inv, line)?;
        let concurrency = match cell.filter(|c| !c.is_empty()) {
            None => None,
            Some(c) => Some(parse_concurrency(c, line)?),
        };
        let point = Point { at, minute, value, line };
        if let Some(first) = points.first() {
            check_span(first.minute, &point)?;
        }
        points.push(point);
        if with_concurrency {
            cells.push(concurrency);
        }
    }
    let Some(header_line) = header_line else {
        return Err(TrafficError::Empty);
    };
    if points.is_empty() {
        return Err(TrafficError::NoRows { line: header_line });
    }
    let traffic = assemble_rows(&points)?;
    if !with_concurrency {
        return Ok((traffic, None));
    }
    // CloudWatch keeps concurrency at 10 seconds for 3 hours only, and `traffic export` writes
    // it per minute: a concurrency column goes with rows of whole minutes.
    if traffic.periods.is_some() {
        return Err(TrafficError::ConcurrencyTenSeconds { line: header_line });
    }
    // The step `assemble` spread the rows by: the smallest gap (it checked the others).
    let step = points.windows(2).map(|w| w[1].minute - w[0].minute).min().unwrap_or(1).max(1);
    let mut per_minute = vec![None; traffic.per_minute.len()];
    if let Some(first) = points.first() {
        for (p, cell) in points.iter().zip(&cells) {
            let offset = p.minute - first.minute;
            for m in offset..offset.saturating_add(step) {
                if let Some(slot) = usize::try_from(m).ok().and_then(|m| per_minute.get_mut(m)) {
                    *slot = *cell;
                }
            }
        }
    }
    Ok((traffic, Some(Concurrency { per_minute })))
}

/// A mean of concurrent requests: a finite number from 0 to [`MAX_CONCURRENT_REQUESTS`].
fn parse_concurrency(text: &str, line: usize) -> Result<f64, TrafficError> {
    text.parse::<f64>()
        .ok()
        .filter(|v| (0.0..=MAX_CONCURRENT_REQUESTS).contains(v))
        .map(|v| v + 0.0)
        .ok_or_else(|| TrafficError::BadConcurrency { line, value: shorten(text) })
}

/// Assembles the rows by their step: the smallest gap sets it. 10 seconds makes 10-second
/// traffic; any other step under a minute is refused, and a step of minutes needs every row on
/// a whole minute.
fn assemble_rows(points: &[Point]) -> Result<Traffic, TrafficError> {
    let step = points.windows(2).map(|w| ((w[1].at - w[0].at).num_seconds(), w[1].line)).min_by_key(|&(gap, _)| gap);
    match step {
        Some((10, line)) => {
            // A per-minute file with one row off the minute would otherwise be read as 10-second
            // traffic, each minute's count in a single period (six times the load in it): a
            // 10-second trace has mostly 10-second steps, even with its empty periods left out.
            let gaps = points.len() - 1;
            let ten = points.windows(2).filter(|w| (w[1].at - w[0].at).num_seconds() == 10).count();
            if ten * 10 < gaps {
                return Err(TrafficError::StrayTenSeconds { line, ten, gaps });
            }
            assemble_ten_seconds(points)
        }
        Some((seconds, line)) if seconds < 60 => Err(TrafficError::SubMinuteStep { line, seconds }),
        _ => {
            if let Some(p) = points.iter().find(|p| p.at.timestamp().rem_euclid(60) != 0) {
                let value = p.at.to_rfc3339_opts(SecondsFormat::Secs, true);
                return Err(TrafficError::NotWholeMinute { line: p.line, value });
            }
            assemble(points)
        }
    }
}

/// The minute of a row's timestamp, which must be on a whole minute or a 10-second boundary
/// (which of the two the trace needs is known once its step is).
fn row_minute(at: &DateTime<Utc>, text: &str, line: usize) -> Result<i64, TrafficError> {
    let second = at.timestamp().rem_euclid(60);
    if second % 10 != 0 || at.timestamp_subsec_nanos() != 0 {
        return Err(TrafficError::NotTenSeconds { line, value: shorten(text) });
    }
    let minute = at.checked_sub_signed(TimeDelta::seconds(second)).unwrap_or(*at);
    input_minute(&minute, text, line)
}

/// Turns 10-second points (sorted strictly ascending, on 10-second boundaries, at least two)
/// into 10-second traffic. It starts on a whole minute (a first row mid-minute is refused, so
/// the simulation starts where the data does); missing periods are 0, and so are the periods
/// after the last row up to the end of its minute. Each minute, with its rows added in order
/// (as [`super::minute_sum`] adds them), must stay within the per-minute ceiling.
fn assemble_ten_seconds(points: &[Point]) -> Result<Traffic, TrafficError> {
    let Some(first) = points.first() else { return Err(TrafficError::NoDatapoints) };
    let start = first.at.timestamp();
    if start.rem_euclid(60) != 0 {
        let minute = first.at.checked_sub_signed(TimeDelta::seconds(start.rem_euclid(60))).unwrap_or(first.at);
        return Err(TrafficError::TenSecondStart {
            line: first.line,
            value: first.at.to_rfc3339_opts(SecondsFormat::Secs, true),
            minute: minute.to_rfc3339_opts(SecondsFormat::Secs, true),
        });
    }
    let offset = |p: &Point| ((p.at.timestamp() - start) / 10) as usize;
    // `check_span` kept every row within MAX_MINUTES of the first.
    let len = points.last().map_or(0, |p| offset(p) + 1);
    let mut periods = vec![0.0; len];
    let mut minute = (usize::MAX, 0.0f64);
    for p in points {
        let i = offset(p);
        periods[i] = p.value;
        let m = i / PERIODS_PER_MINUTE;
        minute = if m == minute.0 { (m, minute.1 + p.value) } else { (m, 0.0 + p.value) };
        if minute.1 > MAX_INVOCATIONS_PER_MINUTE {
            return Err(TrafficError::TooMany { line: p.line, per_minute: number(minute.1) });
        }
    }
    Ok(Traffic::ten_seconds(first.at, periods))
}

/// The header and one row per minute: `2026-11-02T08:00:00Z,120`. Invocations use Rust's
/// shortest round-trip formatting, so [`parse_csv`] reads back identical `f64`s (an empty
/// traffic gives the header alone, which does not parse back).
pub fn to_csv(traffic: &Traffic) -> String {
    if let Some(periods) = &traffic.periods {
        return ten_second_csv(traffic.start, periods);
    }
    let mut out = String::with_capacity(32 * (traffic.per_minute.len() + 1));
    out.push_str("timestamp,invocations\n");
    for (at, v) in minutes(traffic) {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{},{v}", at.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    out
}

/// [`to_csv`] with the `concurrency` column: `2026-11-02T08:00:00Z,120,1.5`, or an empty cell
/// where the minute has no datapoint. [`read_measured`](super::read_measured) reads back identical
/// `f64`s.
pub fn to_csv_with_concurrency(traffic: &Traffic, concurrency: &Concurrency) -> String {
    let mut out = String::with_capacity(40 * (traffic.per_minute.len() + 1));
    out.push_str("timestamp,invocations,concurrency\n");
    for (i, (at, v)) in minutes(traffic).enumerate() {
        let at = at.to_rfc3339_opts(SecondsFormat::Secs, true);
        // Writing to a String cannot fail.
        let _ = match concurrency.per_minute.get(i).copied().flatten() {
            Some(c) => writeln!(out, "{at},{v},{c}"),
            None => writeln!(out, "{at},{v},"),
        };
    }
    out
}

/// One row per 10-second period, `2026-11-02T08:00:10Z,20`, every period written (zeros too),
/// so [`parse_csv`] reads back the same periods and so the same minutes.
fn ten_second_csv(start: DateTime<Utc>, periods: &[f64]) -> String {
    let mut out = String::with_capacity(32 * (periods.len() + 1));
    out.push_str("timestamp,invocations\n");
    for (i, v) in periods.iter().enumerate() {
        let Some(at) = i64::try_from(i)
            .ok()
            .and_then(|i| TimeDelta::try_seconds(i.saturating_mul(10)))
            .and_then(|d| start.checked_add_signed(d))
        else {
            break;
        };
        let _ = writeln!(out, "{},{v}", at.to_rfc3339_opts(SecondsFormat::Secs, true));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::traffic::test_support::{err, utc};

    #[test]
    fn every_csv_error_says_where_and_how_to_fix() {
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
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:00:30Z,1\n"), "line 3: this row is 30 seconds after the one before it; the steps accepted are 10 seconds and whole minutes: aggregate the data to 10-second or 1-minute rows"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:00:15Z,1\n"), "line 3: this row is 15 seconds after the one before it; the steps accepted are 10 seconds and whole minutes: aggregate the data to 10-second or 1-minute rows"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:00:07Z,1\n"), "line 3: this row is 7 seconds after the one before it; the steps accepted are 10 seconds and whole minutes: aggregate the data to 10-second or 1-minute rows"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:00:20Z,1\n2026-11-02T08:01:00Z,1\n"), "line 3: this row is 20 seconds after the one before it; the steps accepted are 10 seconds and whole minutes: aggregate the data to 10-second or 1-minute rows"),
            (format!("{h}2026-11-02T08:00:05Z,1\n"), "line 2: timestamp `2026-11-02T08:00:05Z` is on neither a whole minute nor a 10-second boundary; round it to the minute (seconds :00), or to 10 seconds for 10-second rows"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:01:15Z,1\n"), "line 3: timestamp `2026-11-02T08:01:15Z` is on neither a whole minute nor a 10-second boundary; round it to the minute (seconds :00), or to 10 seconds for 10-second rows"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:01:00Z,1\n2026-11-02T08:02:30Z,1\n"), "line 4: timestamp `2026-11-02T08:02:30Z` is not on a whole minute; round it to the minute (seconds :00)"),
            (format!("{h}2026-11-02T08:00:40Z,1\n2026-11-02T08:00:50Z,1\n"), "line 2: the 10-second rows start at `2026-11-02T08:00:40Z`, not on a whole minute; start with the row at seconds :00 of that minute (a missing period is 0: add a row `2026-11-02T08:00:00Z,0`)"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:00:10Z,6e8\n2026-11-02T08:00:20Z,4e8\n2026-11-02T08:01:00Z,1\n"), "line 4: 1000000001 invocations a minute is more than the 1000000000 accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)"),
            (format!("{h}2026-01-01T00:00:00Z,1\n2026-01-01T00:00:10Z,1\n2027-01-02T00:00:00Z,1\n"), "line 4: the data spans 527041 minutes up to here, more than the 527040 (366 days) accepted; trim the time range"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:05:00Z,1\n2026-11-02T08:07:00Z,1\n"), "line 3: this row is 5 minutes after the one before it, which is not a multiple of the 2-minute step set by the smallest gap (line 4); use one regular step"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:02:00Z,1\n2026-11-02T08:05:00Z,1\n"), "line 4: this row is 3 minutes after the one before it, which is not a multiple of the 2-minute step set by the smallest gap (line 3); use one regular step"),
            (format!("{h}2000-01-01T00:00:00Z,1\n2026-01-01T00:00:00Z,1\n"), "line 3: the data spans 13675681 minutes up to here, more than the 527040 (366 days) accepted; trim the time range"),
            (format!("{h}2026-01-01T00:00:00Z,1\n2027-01-02T00:00:00Z,1\n"), "line 3: the data spans 527041 minutes up to here, more than the 527040 (366 days) accepted; trim the time range"),
            (format!("{h}2026-01-01T00:00:00Z,1\n2026-01-01T00:07:00Z,1\n2027-01-01T23:57:00Z,1\n"), "line 4: the data spans 527044 minutes up to here, more than the 527040 (366 days) accepted; trim the time range"),
            (format!("{h}1969-12-31T23:59:00Z,1\n"), "line 2: timestamp `1969-12-31T23:59:00Z` is outside the years 1970 to 9999 accepted; write a date within them"),
            (format!("{h}2026-11-02T08:00:00Z,6e12\n"), "line 2: 6000000000000 invocations a minute is more than the 1000000000 accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)"),
            (format!("{h}2026-11-02T08:00:00Z,1e308\n"), "line 2: 1e308 invocations a minute is more than the 1000000000 accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)"),
            (format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:05:00Z,5000000005\n"), "line 3: 1000000001 invocations a minute is more than the 1000000000 accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)"),
            (format!("{h}2026-11-02T08:00:00Z,{}\n", "1".repeat(5000)), "line 2: the line is longer than 4096 bytes; a CSV row is a timestamp and a number such as `2026-11-02T08:00:00Z,120`"),
            ("\0\0\0".into(), "line 1: the traffic input is not text (it holds a NUL byte or invalid UTF-8); give a CSV with the header `timestamp,invocations`, or the JSON of `aws cloudwatch get-metric-data`"),
            (format!("\n\n{h}2026-11-02T08:00:00Z,1\0\n"), "line 4: the traffic input is not text (it holds a NUL byte or invalid UTF-8); give a CSV with the header `timestamp,invocations`, or the JSON of `aws cloudwatch get-metric-data`"),
        ];
        for (input, message) in cases {
            assert_eq!(err(&input), message, "input: {input:?}");
        }
    }

    #[test]
    fn csv_one_minute_rows() {
        let t = parse_csv(
            "timestamp,invocations\n2026-11-02T08:00:00Z,12\n2026-11-02T08:01:00Z,0.5\n2026-11-02T08:02:00Z,7\n",
        )
        .unwrap();
        assert_eq!(t, Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![12.0, 0.5, 7.0]));
    }

    #[test]
    fn csv_header_comments_blank_lines_offsets_and_naive_times() {
        let text = "\u{feff}# exported by hand\n\n  Timestamp , INVOCATIONS  \r\n2026-11-02 03:00:00-05:00,1\r\n\n# note\n2026-11-02 08:01:00,2\n2026-11-02T08:02:00,3\n\"2026-11-02T08:03:00.000Z\",\"4\"\n";
        let t = parse_csv(text).unwrap();
        assert_eq!(t, Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![1.0, 2.0, 3.0, 4.0]));
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
    fn csv_ten_second_rows() {
        let h = "timestamp,invocations\n";
        let rows = "2026-11-02T08:00:00Z,1\n2026-11-02T08:00:10Z,2\n2026-11-02T08:00:30Z,4\n2026-11-02T08:00:50Z,0.5\n2026-11-02T08:01:00Z,3\n2026-11-02T08:01:20Z,7\n";
        let t = parse_csv(&format!("{h}{rows}")).unwrap();
        assert_eq!(t.start, utc(2026, 11, 2, 8, 0));
        // Missing periods are 0, and so is the rest of the last minute.
        let periods = vec![1.0, 2.0, 0.0, 4.0, 0.0, 0.5, 3.0, 0.0, 7.0, 0.0, 0.0, 0.0];
        assert_eq!(t.periods.as_ref(), Some(&periods));
        assert_eq!(t.per_minute, vec![7.5, 10.0]);
        assert_eq!(t, Traffic::ten_seconds(utc(2026, 11, 2, 8, 0), periods));
        assert_eq!(t.resolution_seconds(), 10);
        // Written back: every period, zeros too, and read back the same.
        let csv = to_csv(&t);
        assert_eq!(
            csv,
            format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:00:10Z,2\n2026-11-02T08:00:20Z,0\n2026-11-02T08:00:30Z,4\n2026-11-02T08:00:40Z,0\n2026-11-02T08:00:50Z,0.5\n2026-11-02T08:01:00Z,3\n2026-11-02T08:01:10Z,0\n2026-11-02T08:01:20Z,7\n2026-11-02T08:01:30Z,0\n2026-11-02T08:01:40Z,0\n2026-11-02T08:01:50Z,0\n")
        );
        assert_eq!(parse_csv(&csv).unwrap(), t);
        // A one-minute trace is unchanged: no periods.
        let minutes = parse_csv(&format!("{h}2026-11-02T08:00:00Z,1\n2026-11-02T08:01:00Z,2\n")).unwrap();
        assert_eq!((minutes.periods, minutes.per_minute), (None, vec![1.0, 2.0]));
    }

    #[test]
    fn a_stray_row_does_not_make_a_minute_file_ten_second_traffic() {
        let mut text = String::from("timestamp,invocations\n");
        for m in 0..20 {
            text.push_str(&format!("2026-11-02T08:{m:02}:00Z,60\n"));
            if m == 5 {
                text.push_str("2026-11-02T08:05:10Z,60\n");
            }
        }
        assert_eq!(
            parse_csv(&text).unwrap_err().to_string(),
            "line 8: this row is 10 seconds after the one before it, which makes the whole file 10-second traffic, but only 1 of the 20 steps between rows are 10 seconds; for per-minute traffic fix or remove this row, for 10-second traffic give the periods between the rows (a missing period counts as 0 only within 10-second data)"
        );
        // A 10-second trace whose empty periods are left out is still one.
        let sparse = "timestamp,invocations\n2026-11-02T08:00:00Z,1\n2026-11-02T08:00:10Z,2\n2026-11-02T08:01:00Z,3\n";
        assert_eq!(
            parse_csv(sparse).unwrap().periods.as_deref(),
            Some(&[1.0, 2.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0][..])
        );
    }

    #[test]
    fn a_concurrency_column_goes_with_whole_minutes() {
        let text = "timestamp,invocations,concurrency\n2026-11-02T08:00:00Z,6,1.5\n2026-11-02T08:00:10Z,6,\n";
        let err = crate::simulate::traffic::read_measured(text.as_bytes()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "line 1: the `concurrency` column goes with rows of whole minutes, as `traffic export` writes them, but these rows are 10 seconds apart; drop the column or aggregate the rows to minutes"
        );
    }

    #[test]
    fn ten_second_round_trip_is_bit_identical() {
        let values = [0.30000000000000004, 1234.5678901234567, 0.0, 1e-300, 99999999.99999994, 7.0, 0.1, 0.2, 0.7];
        let periods: Vec<f64> = (0..6 * 50).map(|i| values[i % values.len()] * ((i % 7) as f64 + 1.0)).collect();
        let t = Traffic::ten_seconds(utc(2026, 11, 2, 23, 58), periods);
        let back = parse_csv(&to_csv(&t)).unwrap();
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(back.periods.as_ref().unwrap()), bits(t.periods.as_ref().unwrap()));
        assert_eq!(bits(&back.per_minute), bits(&t.per_minute));
        assert_eq!(back, t);
    }
}
