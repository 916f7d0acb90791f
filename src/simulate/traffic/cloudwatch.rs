//! CloudWatch traffic: the JSON the AWS CLI prints for the SageMaker `Invocations` metric
//! (`get-metric-data` or `get-metric-statistics`), and `get-metric-data`'s form written back.

use std::collections::{BTreeMap, HashSet};
use std::fmt::Write as _;

use chrono::{DateTime, Utc};

use super::{
    assemble, minutes, parse_invocations, parse_timestamp, strip_bom, whole_minute, Point, Traffic, TrafficError,
};
use crate::diagnostic::shorten;

/// Reads the JSON the AWS CLI prints for the SageMaker `Invocations` metric:
///
/// - `aws cloudwatch get-metric-data`: `MetricDataResults[].Timestamps` / `.Values`; several
///   results (one per variant, or pages) are summed per timestamp; any order is accepted.
/// - `aws cloudwatch get-metric-statistics`: `Datapoints[].Timestamp` / `.Sum`.
///
/// The period is the smallest gap between timestamps; missing periods are 0 and each period is
/// spread evenly over its minutes, exactly as [`parse_csv`](super::parse_csv) does. Numbers are parsed with Rust's
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::simulate::traffic::test_support::{err, utc};
    use crate::simulate::traffic::{parse, parse_csv};

    #[test]
    fn every_json_error_says_where_and_how_to_fix() {
        let cases: Vec<(String, &str)> = vec![
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
}
