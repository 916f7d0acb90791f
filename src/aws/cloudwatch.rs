//! CloudWatch GetMetricData (aws-sdk-cloudwatch), for `simulate --traffic cloudwatch` and
//! `traffic export`: the `Sum` of SageMaker's `Invocations` metric (namespace `AWS/SageMaker`,
//! dimensions `EndpointName` and `VariantName`) of each variant of one endpoint, per period, over
//! a time window, and when asked the `Sum` of `ConcurrentRequestsPerModel` (same namespace and
//! dimensions) in the same calls. What comes back is plain data ([`Datapoint`]s per variant,
//! sorted by time): what it means for the simulator (gaps, spreading a period over its minutes,
//! turning concurrency samples into a request duration) is decided in `simulate::traffic::metric`
//! and `simulate::traffic::concurrency`.
//!
//! Bounds, from the CloudWatch API Reference (GetMetricData): one call returns at most 100,800
//! data points over all its queries, so the window is split into chunks of at most that many
//! periods times variants; each chunk's pages are followed through NextToken. The answer is
//! untrusted: a value that is not a finite count, a timestamp outside the chunk or off the
//! period, a repeated timestamp, an unknown query id or a repeated NextToken is an error, never a
//! panic or an endless loop.

use std::collections::BTreeMap;

use aws_config::SdkConfig;
use aws_sdk_cloudwatch as cw;
use aws_smithy_types::DateTime;

use super::sdk::error;
use super::{AwsError, AwsErrorKind};

/// The service name of IAM actions and errors (`cloudwatch:GetMetricData`).
const CLOUDWATCH: &str = "cloudwatch";
const OPERATION: &str = "GetMetricData";

/// The most data points one GetMetricData call returns, over all its metrics (CloudWatch API
/// Reference, GetMetricData: "as many as 100,800 data points").
pub const MAX_DATAPOINTS_PER_CALL: i64 = 100_800;

/// At most this many pages are read per chunk: far more than a chunk of at most
/// [`MAX_DATAPOINTS_PER_CALL`] points needs, so a server that never stops paging ends with an error.
pub const MAX_PAGES: usize = 1_000;

/// What to read: `Invocations` of `variants` of `endpoint`, `period_seconds` per point, from
/// `start` (inclusive) to `end` (exclusive), both in whole seconds since the epoch and multiples
/// of the period; with `concurrency`, also `ConcurrentRequestsPerModel`.
#[derive(Debug, Clone, PartialEq)]
pub struct InvocationsQuery {
    pub endpoint: String,
    pub variants: Vec<String>,
    pub start: i64,
    pub end: i64,
    pub period_seconds: i64,
    pub concurrency: bool,
}

/// The high-resolution metric of concurrent requests per model container (SageMaker developer
/// guide, "Define a scaling policy": emitted every 10 seconds, queued requests included).
pub const CONCURRENCY_METRIC: &str = "ConcurrentRequestsPerModel";

/// One period of one variant: it starts at `at` (seconds since the epoch) and holds `sum` invocations.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Datapoint {
    pub at: i64,
    pub sum: f64,
}

/// What was read: per variant (in the query's order), its datapoints sorted by time.
#[derive(Debug, Clone, PartialEq)]
pub struct Invocations {
    pub per_variant: Vec<Vec<Datapoint>>,
    /// The `Sum` of `ConcurrentRequestsPerModel` per variant, like `per_variant` (every list
    /// empty when the query did not ask for it, or when no datapoint exists).
    pub concurrency: Vec<Vec<Datapoint>>,
    /// GetMetricData calls made (pages included).
    pub calls: usize,
}

/// The time ranges, each of at most `max_points` data points over all `variants` queries, that
/// cover `start..end` in whole periods: `(chunk_start, chunk_end)` pairs in order.
pub fn chunks(start: i64, end: i64, period: i64, variants: usize, max_points: i64) -> Vec<(i64, i64)> {
    let periods_per_chunk = (max_points / variants.max(1) as i64).max(1);
    let span = periods_per_chunk.saturating_mul(period.max(1));
    let mut out = Vec::new();
    let mut at = start;
    while at < end {
        let next = at.saturating_add(span).min(end);
        out.push((at, next));
        at = next;
    }
    out
}

/// Reads the query's datapoints, chunk by chunk and page by page. `max_datapoints` asks for
/// smaller pages (GetMetricData's MaxDatapoints); `None` leaves AWS's default (100,800).
pub async fn invocations(
    config: &SdkConfig,
    query: &InvocationsQuery,
    max_datapoints: Option<i32>,
) -> Result<Invocations, AwsError> {
    let client = cw::Client::new(config);
    let resource = resource(query);
    // One query per variant and metric; the ids say which (`v0` Invocations, `c0` concurrency).
    let metrics: &[(&str, char)] =
        if query.concurrency { &[("Invocations", 'v'), (CONCURRENCY_METRIC, 'c')] } else { &[("Invocations", 'v')] };
    let queries: Vec<cw::types::MetricDataQuery> = metrics
        .iter()
        .flat_map(|&(name, prefix)| {
            query.variants.iter().enumerate().map(move |(i, variant)| (name, prefix, i, variant))
        })
        .map(|(name, prefix, i, variant)| {
            let metric = cw::types::Metric::builder()
                .namespace("AWS/SageMaker")
                .metric_name(name)
                .dimensions(cw::types::Dimension::builder().name("EndpointName").value(&query.endpoint).build())
                .dimensions(cw::types::Dimension::builder().name("VariantName").value(variant).build())
                .build();
            // Sum for both: of Invocations, the requests; of the concurrency samples, what
            // `simulate::traffic::concurrency` turns into concurrency-seconds (docs/simulation.md).
            let stat = cw::types::MetricStat::builder()
                .metric(metric)
                // The period is at most 300 s here; the conversion cannot fail.
                .period(i32::try_from(query.period_seconds).unwrap_or(60))
                .stat("Sum")
                .build();
            cw::types::MetricDataQuery::builder().id(query_id(prefix, i)).metric_stat(stat).return_data(true).build()
        })
        .collect();
    let mut per_variant: Vec<BTreeMap<i64, f64>> = vec![BTreeMap::new(); query.variants.len()];
    let mut concurrency: Vec<BTreeMap<i64, f64>> = vec![BTreeMap::new(); query.variants.len()];
    let mut calls = 0;
    for (chunk_start, chunk_end) in
        chunks(query.start, query.end, query.period_seconds, queries.len(), MAX_DATAPOINTS_PER_CALL)
    {
        let mut token: Option<String> = None;
        let mut pages = 0;
        loop {
            if pages >= MAX_PAGES {
                return Err(bad_answer(&resource, format!("still paging after {MAX_PAGES} pages")));
            }
            let page = client
                .get_metric_data()
                .set_metric_data_queries(Some(queries.clone()))
                .start_time(DateTime::from_secs(chunk_start))
                .end_time(DateTime::from_secs(chunk_end))
                .scan_by(cw::types::ScanBy::TimestampAscending)
                .set_max_datapoints(max_datapoints)
                .set_next_token(token.clone())
                .send()
                .await
                .map_err(|e| error(e, CLOUDWATCH, OPERATION, resource.clone()))?;
            pages += 1;
            calls += 1;
            for result in page.metric_data_results() {
                let status = result.status_code().map(|s| s.as_str().to_string());
                check_status(status.as_deref(), result.messages(), &resource)?;
                let Some((prefix, i)) = result.id().and_then(|id| parse_query_id(id, query.variants.len())) else {
                    return Err(bad_answer(
                        &resource,
                        format!("a result for query id {:?}, which was not asked for", result.id().unwrap_or("")),
                    ));
                };
                let timestamps: Vec<(i64, u32)> =
                    result.timestamps().iter().map(|t| (t.secs(), t.subsec_nanos())).collect();
                let (into, what) = match prefix {
                    'c' if query.concurrency => (&mut concurrency[i], "a sum of concurrent requests"),
                    'v' => (&mut per_variant[i], "a count of invocations"),
                    _ => {
                        return Err(bad_answer(
                            &resource,
                            format!("a result for query id {:?}, which was not asked for", result.id().unwrap_or("")),
                        ))
                    }
                };
                add_points(into, &timestamps, result.values(), (chunk_start, chunk_end), query, &resource, what)?;
            }
            match page.next_token().filter(|t| !t.is_empty()) {
                // A token that repeats would page forever.
                Some(next) if token.as_deref() == Some(next) => {
                    return Err(bad_answer(&resource, "the same NextToken twice".to_string()));
                }
                Some(next) => token = Some(next.to_string()),
                None => break,
            }
        }
    }
    let points = |maps: Vec<BTreeMap<i64, f64>>| -> Vec<Vec<Datapoint>> {
        maps.into_iter().map(|points| points.into_iter().map(|(at, sum)| Datapoint { at, sum }).collect()).collect()
    };
    Ok(Invocations { per_variant: points(per_variant), concurrency: points(concurrency), calls })
}

/// The resource named in errors: `the Invocations metric of endpoint demo (variant a, b)`.
fn resource(query: &InvocationsQuery) -> String {
    let metrics = if query.concurrency {
        format!("the Invocations and {CONCURRENCY_METRIC} metrics")
    } else {
        "the Invocations metric".to_string()
    };
    format!("{metrics} of endpoint {} (variant {})", query.endpoint, query.variants.join(", "))
}

/// Query ids must start with a lower-case letter (API Reference, MetricDataQuery.Id): `v` for
/// Invocations, `c` for concurrency, then the variant's index.
fn query_id(prefix: char, i: usize) -> String {
    format!("{prefix}{i}")
}

fn parse_query_id(id: &str, count: usize) -> Option<(char, usize)> {
    let prefix = id.chars().next().filter(|c| matches!(c, 'v' | 'c'))?;
    id[1..].parse::<usize>().ok().filter(|&i| i < count && query_id(prefix, i) == id).map(|i| (prefix, i))
}

/// A result's StatusCode: `Complete`, or `PartialData` (more follows under NextToken); an
/// `InternalError` or `Forbidden` result carries no usable data.
fn check_status(status: Option<&str>, messages: &[cw::types::MessageData], resource: &str) -> Result<(), AwsError> {
    let said = || {
        messages
            .iter()
            .map(|m| format!("{}: {}", m.code().unwrap_or(""), m.value().unwrap_or("")))
            .collect::<Vec<_>>()
            .join("; ")
    };
    match status {
        None | Some("Complete") | Some("PartialData") => Ok(()),
        Some("Forbidden") => Err(AwsError {
            service: CLOUDWATCH,
            operation: OPERATION,
            resource: resource.to_string(),
            kind: AwsErrorKind::AccessDenied,
            message: format!("the result's StatusCode is Forbidden {}", said()).trim_end().to_string(),
        }),
        Some(other) => Err(AwsError {
            service: CLOUDWATCH,
            operation: OPERATION,
            resource: resource.to_string(),
            kind: AwsErrorKind::Unavailable,
            message: format!("the result's StatusCode is {} {}", crate::diagnostic::shorten(other), said())
                .trim_end()
                .to_string(),
        }),
    }
}

/// Checks one result's points and adds them to its variant's.
fn add_points(
    into: &mut BTreeMap<i64, f64>,
    timestamps: &[(i64, u32)],
    values: &[f64],
    (chunk_start, chunk_end): (i64, i64),
    query: &InvocationsQuery,
    resource: &str,
    what: &str,
) -> Result<(), AwsError> {
    if timestamps.len() != values.len() {
        return Err(bad_answer(
            resource,
            format!("a result has {} timestamps but {} values", timestamps.len(), values.len()),
        ));
    }
    for (&(at, nanos), &sum) in timestamps.iter().zip(values) {
        let when = || chrono::DateTime::from_timestamp(at, 0).map_or(at.to_string(), |t| t.to_rfc3339());
        if nanos != 0 || at < chunk_start || at >= chunk_end || (at - query.start) % query.period_seconds != 0 {
            return Err(bad_answer(
                resource,
                format!(
                    "a datapoint at {} is outside the time range asked for or not on a {}-second period",
                    when(),
                    query.period_seconds
                ),
            ));
        }
        if !sum.is_finite() || sum < 0.0 {
            return Err(bad_answer(resource, format!("the datapoint at {} is {sum}, not {what}", when())));
        }
        if into.insert(at, sum + 0.0).is_some() {
            return Err(bad_answer(resource, format!("the datapoint at {} is there twice", when())));
        }
    }
    Ok(())
}

fn bad_answer(resource: &str, message: String) -> AwsError {
    AwsError {
        service: CLOUDWATCH,
        operation: OPERATION,
        resource: resource.to_string(),
        kind: AwsErrorKind::BadResponse,
        message,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use aws_smithy_runtime_api::client::orchestrator::HttpResponse;
    use aws_smithy_runtime_api::client::result::SdkError;
    use aws_smithy_types::body::SdkBody;
    use aws_smithy_types::error::ErrorMetadata;
    use cw::operation::get_metric_data::GetMetricDataError;

    fn query() -> InvocationsQuery {
        InvocationsQuery {
            endpoint: "e".into(),
            variants: vec!["a".into()],
            start: 0,
            end: 600,
            period_seconds: 60,
            concurrency: false,
        }
    }

    #[test]
    fn chunks_cover_the_window_within_the_datapoint_limit() {
        assert_eq!(chunks(0, 600, 60, 1, 100_800), vec![(0, 600)]);
        assert_eq!(chunks(0, 600, 60, 1, 4), vec![(0, 240), (240, 480), (480, 600)]);
        // Two variants: two points per period.
        assert_eq!(chunks(0, 600, 60, 2, 4), vec![(0, 120), (120, 240), (240, 360), (360, 480), (480, 600)]);
        // 15 days of one-minute points of 6 variants: 129,600 points, two calls.
        assert_eq!(chunks(0, 15 * 86_400, 60, 6, MAX_DATAPOINTS_PER_CALL).len(), 2);
        assert!(chunks(0, 0, 60, 1, 10).is_empty());
    }

    #[test]
    fn query_ids_round_trip_and_reject_strangers() {
        assert_eq!(parse_query_id("v1", 2), Some(('v', 1)));
        assert_eq!(parse_query_id("c0", 2), Some(('c', 0)));
        assert_eq!(parse_query_id("v2", 2), None);
        assert_eq!(parse_query_id("v01", 2), None);
        assert_eq!(parse_query_id("x", 2), None);
        assert_eq!(parse_query_id("", 2), None);
        assert_eq!(parse_query_id("é1", 2), None);
    }

    #[test]
    fn malformed_points_are_errors() {
        let q = query();
        let mut into = BTreeMap::new();
        let err = |ts: &[(i64, u32)], vs: &[f64], into: &mut BTreeMap<i64, f64>| {
            add_points(into, ts, vs, (0, 600), &q, "r", "a count of invocations").unwrap_err().message
        };
        assert_eq!(err(&[(0, 0)], &[], &mut into), "a result has 1 timestamps but 0 values");
        assert_eq!(
            err(&[(30, 0)], &[1.0], &mut into),
            "a datapoint at 1970-01-01T00:00:30+00:00 is outside the time range asked for or not on a 60-second period"
        );
        assert_eq!(
            err(&[(600, 0)], &[1.0], &mut into),
            "a datapoint at 1970-01-01T00:10:00+00:00 is outside the time range asked for or not on a 60-second period"
        );
        assert_eq!(
            err(&[(60, 0)], &[f64::NAN], &mut into),
            "the datapoint at 1970-01-01T00:01:00+00:00 is NaN, not a count of invocations"
        );
        assert_eq!(
            err(&[(60, 0)], &[-1.0], &mut into),
            "the datapoint at 1970-01-01T00:01:00+00:00 is -1, not a count of invocations"
        );
        assert_eq!(
            err(&[(60, 0), (60, 0)], &[1.0, 2.0], &mut into),
            "the datapoint at 1970-01-01T00:01:00+00:00 is there twice"
        );
        assert_eq!(
            err(&[(i64::MAX - 7, 0)], &[1.0], &mut into),
            format!("a datapoint at {} is outside the time range asked for or not on a 60-second period", i64::MAX - 7)
        );
    }

    #[test]
    fn statuses() {
        assert!(check_status(Some("PartialData"), &[], "r").is_ok());
        let e = check_status(Some("InternalError"), &[], "r").unwrap_err();
        assert_eq!(e.kind, AwsErrorKind::Unavailable);
        let e = check_status(Some("Forbidden"), &[], "r").unwrap_err();
        assert_eq!(e.kind, AwsErrorKind::AccessDenied);
        assert_eq!(e.iam_action(), "cloudwatch:GetMetricData");
    }

    #[test]
    fn access_denied_names_the_iam_action() {
        let meta = ErrorMetadata::builder()
            .code("AccessDenied")
            .message("User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:GetMetricData")
            .build();
        let raw = HttpResponse::new(403.try_into().unwrap(), SdkBody::empty());
        let err = SdkError::service_error(GetMetricDataError::generic(meta), raw);
        let e = error(err, CLOUDWATCH, OPERATION, resource(&query()));
        assert_eq!(
            e.to_string(),
            "GetMetricData on the Invocations metric of endpoint e (variant a) was denied: the IAM action cloudwatch:GetMetricData is not allowed for these credentials (User: arn:aws:iam::123456789012:user/ci is not authorized to perform: cloudwatch:GetMetricData)"
        );
    }
}
