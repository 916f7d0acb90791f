//! CloudWatch traffic: the JSON the AWS CLI prints for the SageMaker `Invocations` metric
//! (`get-metric-data` or `get-metric-statistics`), and `get-metric-data`'s form written back.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};
use serde_json::value::RawValue;

use super::{
    assemble, check_span, input_minute, minutes, parse_invocations, parse_timestamp, strip_bom, Point, Traffic,
    TrafficError,
};
use crate::diagnostic::shorten;

/// Reads the JSON the AWS CLI prints for the SageMaker `Invocations` metric:
///
/// - `aws cloudwatch get-metric-data`: `MetricDataResults[].Timestamps` / `.Values`; several
///   results (one per variant, or pages) are summed per timestamp; any order is accepted.
/// - `aws cloudwatch get-metric-statistics`: `Datapoints[].Timestamp` / `.Sum`.
///
/// The period is the smallest gap between timestamps; missing periods are 0 and each period is
/// spread evenly over its minutes, exactly as [`parse_csv`](super::parse_csv) does. Numbers are
/// parsed from their text with Rust's correctly rounded parser, so the same text gives the same
/// `f64` as in a CSV.
pub fn parse_cloudwatch(text: &str) -> Result<Traffic, TrafficError> {
    let text = strip_bom(text);
    if text.trim().is_empty() {
        return Err(TrafficError::Empty);
    }
    let doc = Document::new(text);
    let root = doc.root()?;
    let Some(root_members) = doc.object(root)? else {
        return Err(shape(root, "the JSON", "an object"));
    };
    let mut sums: BTreeMap<i64, Point> = BTreeMap::new();
    let mut span = Span::default();
    if let Some(&results) = root_members.get("MetricDataResults") {
        let results = doc.node(results);
        let results = doc.array(results)?.ok_or_else(|| shape(results, "MetricDataResults", "an array"))?;
        for (r, &result) in results.iter().enumerate() {
            let path = format!("MetricDataResults[{r}]");
            let result = doc.node(result);
            let members = doc.object(result)?.ok_or_else(|| shape(result, &path, "an object"))?;
            let timestamps = array_field(&doc, result, &members, &path, "Timestamps")?;
            let values = array_field(&doc, result, &members, &path, "Values")?;
            if timestamps.len() != values.len() {
                return Err(TrafficError::LengthMismatch {
                    line: result.line,
                    path,
                    timestamps: timestamps.len(),
                    values: values.len(),
                });
            }
            let mut seen = HashSet::new();
            for (i, (&ts, &v)) in timestamps.iter().zip(&values).enumerate() {
                let (point, ts) = cloudwatch_point(
                    &doc,
                    doc.node(ts),
                    &format!("{path}.Timestamps[{i}]"),
                    doc.node(v),
                    &format!("{path}.Values[{i}]"),
                )?;
                if !seen.insert(point.minute) {
                    let previous = sums.get(&point.minute).map_or(point.line, |p| p.line);
                    return Err(TrafficError::Duplicate { line: point.line, value: shorten(&ts), previous });
                }
                span.check(&point)?;
                sums.entry(point.minute).and_modify(|p| p.value += point.value).or_insert(point);
            }
        }
    } else if let Some(&datapoints) = root_members.get("Datapoints") {
        let datapoints = doc.node(datapoints);
        let datapoints = doc.array(datapoints)?.ok_or_else(|| shape(datapoints, "Datapoints", "an array"))?;
        for (i, &d) in datapoints.iter().enumerate() {
            let path = format!("Datapoints[{i}]");
            let d = doc.node(d);
            let members = doc.object(d)?.ok_or_else(|| shape(d, &path, "an object"))?;
            let ts =
                members.get("Timestamp").copied().ok_or_else(|| shape(d, &path, "an object with a `Timestamp`"))?;
            let sum = members
                .get("Sum")
                .copied()
                .ok_or_else(|| TrafficError::MissingSum { line: d.line, path: path.clone() })?;
            let (point, ts) = cloudwatch_point(
                &doc,
                doc.node(ts),
                &format!("{path}.Timestamp"),
                doc.node(sum),
                &format!("{path}.Sum"),
            )?;
            if let Some(previous) = sums.get(&point.minute) {
                return Err(TrafficError::Duplicate { line: point.line, value: shorten(&ts), previous: previous.line });
            }
            span.check(&point)?;
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

/// The earliest and latest minute seen so far, in input order (CloudWatch lists newest first):
/// a point that makes the trace longer than accepted is rejected where it appears.
#[derive(Default)]
struct Span {
    range: Option<(i64, i64)>,
}

impl Span {
    fn check(&mut self, point: &Point) -> Result<(), TrafficError> {
        let (low, high) =
            self.range.map_or((point.minute, point.minute), |(l, h)| (l.min(point.minute), h.max(point.minute)));
        self.range = Some((low, high));
        // The span from the other end to this point.
        check_span(if point.minute == high { low } else { high }, point)
    }
}

fn shape(node: Node<'_>, path: &str, expected: &'static str) -> TrafficError {
    TrafficError::JsonShape { line: node.line, path: path.to_string(), expected }
}

fn array_field<'a>(
    doc: &Document<'a>,
    object: Node<'a>,
    members: &Members<'a>,
    path: &str,
    key: &str,
) -> Result<Vec<&'a RawValue>, TrafficError> {
    let node =
        members.get(key).copied().ok_or_else(|| shape(object, path, "an object with `Timestamps` and `Values`"))?;
    let node = doc.node(node);
    doc.array(node)?.ok_or_else(|| shape(node, &format!("{path}.{key}"), "an array"))
}

/// One period: its timestamp (returned as written, for messages) and its invocations.
fn cloudwatch_point(
    doc: &Document<'_>,
    ts: Node<'_>,
    ts_path: &str,
    value: Node<'_>,
    value_path: &str,
) -> Result<(Point, String), TrafficError> {
    let Some(s) = doc.string(ts)? else {
        return Err(shape(ts, ts_path, "a timestamp string"));
    };
    let line = ts.line;
    let at = parse_timestamp(&s).ok_or_else(|| TrafficError::BadTimestamp { line, value: shorten(&s) })?;
    let minute = input_minute(&at, &s, line)?;
    let Some(number) = value.number_text() else {
        return Err(shape(value, value_path, "a number"));
    };
    let value = parse_invocations(number, value.line)?;
    Ok((Point { at, minute, value, line }, s))
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

/// An object's members (the last one wins when a key repeats, as in serde_json's own maps).
type Members<'a> = BTreeMap<String, &'a RawValue>;

/// The input text, read with serde_json one level at a time.
///
/// Values are kept as [`RawValue`]s, slices of the input, rather than as `serde_json::Value`:
/// a number's text goes to the same parser as a CSV cell (and a non-finite or negative number
/// gets the same message), and a value's address in the input gives its line for messages,
/// which serde_json only reports for its own syntax errors.
struct Document<'a> {
    text: &'a str,
    /// Byte offset of every `\n`, to turn an offset into a line.
    newlines: Vec<usize>,
}

/// A value of the document with the 1-based line where it starts.
#[derive(Clone, Copy)]
struct Node<'a> {
    raw: &'a RawValue,
    line: usize,
}

impl Node<'_> {
    /// The number's text, if the value is a number (serde_json has checked its syntax).
    fn number_text(&self) -> Option<&str> {
        let text = self.raw.get();
        text.starts_with(|c: char| c == '-' || c.is_ascii_digit()).then_some(text)
    }

    fn starts_with(&self, c: char) -> bool {
        self.raw.get().starts_with(c)
    }
}

impl<'a> Document<'a> {
    fn new(text: &'a str) -> Self {
        let newlines = text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i).collect();
        Document { text, newlines }
    }

    /// The whole document. This pass checks the syntax of everything (serde_json skips over
    /// nested values without recursing, so deep nesting cannot overflow the stack); the reads
    /// below only decode one level of what it has checked.
    fn root(&self) -> Result<Node<'a>, TrafficError> {
        let raw = serde_json::from_str::<&RawValue>(self.text).map_err(|e| invalid(&e, 1))?;
        Ok(self.node(raw))
    }

    fn node(&self, raw: &'a RawValue) -> Node<'a> {
        // A RawValue borrows from the input, so its address is its position in the input.
        let offset = (raw.get().as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        Node { raw, line: self.newlines.partition_point(|&nl| nl < offset) + 1 }
    }

    fn object(&self, node: Node<'a>) -> Result<Option<Members<'a>>, TrafficError> {
        self.read(node, '{')
    }

    fn array(&self, node: Node<'a>) -> Result<Option<Vec<&'a RawValue>>, TrafficError> {
        self.read(node, '[')
    }

    fn string(&self, node: Node<'a>) -> Result<Option<String>, TrafficError> {
        self.read(node, '"')
    }

    /// One level of `node` when it starts with `first`, `None` for another kind of value. The
    /// syntax is already checked, but a string can still hold an escape that is no character
    /// (a lone surrogate), which only shows when it is decoded.
    fn read<T: serde::Deserialize<'a>>(&self, node: Node<'a>, first: char) -> Result<Option<T>, TrafficError> {
        if !node.starts_with(first) {
            return Ok(None);
        }
        serde_json::from_str(node.raw.get()).map(Some).map_err(|e| invalid(&e, node.line))
    }
}

/// serde_json's error as an `InvalidJson` on the line of the input where it occurred, for an error
/// found reading a value that starts on `first_line`.
fn invalid(e: &serde_json::Error, first_line: usize) -> TrafficError {
    let message = e.to_string();
    // serde_json ends its message with the position; the line is given in front instead, counted
    // in the whole input.
    let position = format!(" at line {} column {}", e.line(), e.column());
    let reason = message.strip_suffix(&position).unwrap_or(&message).to_string();
    TrafficError::InvalidJson { line: first_line + e.line().saturating_sub(1), reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::traffic::test_support::{err, utc};
    use crate::simulate::traffic::{parse, parse_csv};

    #[test]
    fn every_json_error_says_where_and_how_to_fix() {
        let cases: Vec<(String, &str)> = vec![
            ("{\"Datapoints\": [\n  {\"Timestamp\": \"2026-11-02T08:00:00Z\", \"Sum\": 1,}\n]}".into(), "line 2: the JSON is invalid (key must be a string); pass the unmodified output of the AWS CLI with `--output json`"),
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
    }

    /// The line of a value deep in the document, as the AWS CLI lays it out (one value a line).
    #[test]
    fn errors_name_the_line_of_the_value_at_fault() {
        let layout = |timestamps: &str, values: &str| {
            format!("{{\n  \"MetricDataResults\": [\n    {{\n      \"Timestamps\": [\n{timestamps}\n      ],\n      \"Values\": [\n{values}\n      ]\n    }}\n  ]\n}}\n")
        };
        let ts = "        \"2026-11-02T08:01:00Z\",\n        \"2026-11-02T08:00:00Z\"";
        let cases = [
            (
                layout("        \"2026-11-02T08:01:00Z\",\n        \"yesterday\"", "        1,\n        2"),
                "line 6: `yesterday` is not a timestamp; write RFC 3339 such as `2026-11-02T08:00:00Z` or `2026-11-02 08:00:00` (UTC)",
            ),
            (
                layout(ts, "        1,\n        1e999"),
                "line 10: invocations `1e999` is not a finite number; write a number of invocations such as 120",
            ),
            (
                layout(ts, "        -0.5,\n        2"),
                "line 9: invocations `-0.5` is negative; write 0 or more",
            ),
            (
                layout(ts, "        1,\n        null"),
                "line 10: MetricDataResults[0].Values[1] should be a number; pass the unmodified output of the AWS CLI with `--output json`",
            ),
            (
                layout("        \"2026-11-02T08:00:00Z\",\n        \"\\ud800\"", "        1,\n        2"),
                "line 6: the JSON is invalid (unexpected end of hex escape); pass the unmodified output of the AWS CLI with `--output json`",
            ),
            (
                format!("{}x\n", layout(ts, "        1,\n        2")),
                "line 15: the JSON is invalid (trailing characters); pass the unmodified output of the AWS CLI with `--output json`",
            ),
        ];
        for (input, message) in cases {
            assert_eq!(err(&input), message, "input: {input}");
        }
    }

    #[test]
    fn deep_nesting_is_an_error_not_a_stack_overflow() {
        let deep = format!("{{\"Datapoints\": {}{}}}", "[".repeat(100_000), "]".repeat(100_000));
        assert_eq!(
            err(&deep),
            "line 1: Datapoints[0] should be an object; pass the unmodified output of the AWS CLI with `--output json`"
        );
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
        assert_eq!(t, Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![1.0, 22.0, 3.0, 40.0]));
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
        assert_eq!(t, Traffic::minutes(utc(2026, 11, 2, 8, 0), vec![1.0, 2.0, 3.0]));
        let csv = parse_csv("timestamp,invocations\n2026-11-02T08:00:00.000Z,1\n2026-11-02 08:01:00.0,2\n").unwrap();
        assert_eq!(csv.per_minute, vec![1.0, 2.0]);
        assert!(matches!(
            parse(r#"{"Datapoints": [{"Timestamp": "2026-11-02T08:00:00.5Z", "Sum": 2}]}"#),
            Err(TrafficError::NotWholeMinute { line: 1, .. })
        ));
    }
}
