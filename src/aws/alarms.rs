//! CloudWatch metric alarms of rollouts (PutMetricAlarm, DescribeAlarms, DeleteAlarms,
//! ListTagsForResource, TagResource, UntagResource) through aws-sdk-cloudwatch, for
//! [`super::SdkAws`]. GetMetricData (the invocation history) lives in [`super::cloudwatch`].
//!
//! CloudWatch API reference: PutMetricAlarm creates an alarm or overwrites its whole
//! configuration, and ignores `Tags` when the alarm exists (tags change with TagResource and
//! UntagResource); DescribeAlarms takes at most 100 AlarmNames, answers only metric alarms unless
//! AlarmTypes asks for composite ones too, and pages with NextToken; DeleteAlarms takes at most
//! 100 names and ignores names that do not exist.

use std::collections::BTreeSet;

use aws_sdk_cloudwatch as cw;

use super::sdk::error;
use super::{AlarmDesc, AwsError, AwsErrorKind, AwsResult};
use crate::model::Tags;
use crate::resources::AlarmResource;

const CW: &str = "cloudwatch";

/// DescribeAlarms' and DeleteAlarms' limit on AlarmNames per call (API reference).
const NAMES_PER_CALL: usize = 100;

/// Pages of one DescribeAlarms query followed at most (100 alarms a page): 100,000 alarms under
/// one endpoint's names is no answer AWS gives; an endpoint URL that keeps paging is refused
/// rather than followed forever or cut short.
const MAX_PAGES: usize = 1_000;

fn what(names: &[String]) -> String {
    match names {
        [one] => format!("alarm {one}"),
        _ => format!("alarms {}", names.join(", ")),
    }
}

/// The alarms of these names, metric or composite (a team's rollback alarm may be either;
/// SageMaker's AutoRollbackConfiguration takes any CloudWatch alarm by name).
pub(super) async fn describe(client: &cw::Client, names: &[String]) -> AwsResult<Vec<AlarmDesc>> {
    let mut all = Vec::new();
    for chunk in names.chunks(NAMES_PER_CALL) {
        all.extend(pages(client, Some(chunk), None, &what(chunk)).await?);
    }
    all.sort_by(|a: &AlarmDesc, b| a.alarm.name.cmp(&b.alarm.name));
    all.dedup_by(|a, b| a.alarm.name == b.alarm.name);
    Ok(all)
}

/// The metric alarms whose names start with `prefix` (owned alarms are metric alarms).
pub(super) async fn describe_prefix(client: &cw::Client, prefix: &str) -> AwsResult<Vec<AlarmDesc>> {
    pages(client, None, Some(prefix), &format!("alarms named {prefix}*")).await
}

/// Every page of one DescribeAlarms query: by names (metric and composite alarms) or by prefix
/// (metric alarms); the API takes one of the two.
async fn pages(
    client: &cw::Client,
    names: Option<&[String]>,
    prefix: Option<&str>,
    resource: &str,
) -> AwsResult<Vec<AlarmDesc>> {
    let mut types = vec![cw::types::AlarmType::MetricAlarm];
    if names.is_some() {
        types.push(cw::types::AlarmType::CompositeAlarm);
    }
    let mut all = Vec::new();
    let mut paging = Paging::default();
    let mut token: Option<String> = None;
    loop {
        let out = client
            .describe_alarms()
            .set_alarm_names(names.map(<[String]>::to_vec))
            .set_alarm_name_prefix(prefix.map(str::to_string))
            .set_alarm_types(Some(types.clone()))
            .max_records(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| error(e, CW, "DescribeAlarms", resource))?;
        all.extend(out.metric_alarms().iter().map(alarm_desc));
        if names.is_some() {
            all.extend(out.composite_alarms().iter().map(composite_desc));
        }
        match paging.next(out.next_token()) {
            Ok(Some(next)) => token = Some(next),
            Ok(None) => return Ok(all),
            Err(message) => {
                return Err(AwsError {
                    service: CW,
                    operation: "DescribeAlarms",
                    resource: resource.to_string(),
                    kind: AwsErrorKind::BadResponse,
                    message,
                })
            }
        }
    }
}

/// Follows NextToken: a token seen before would page forever, and more than [`MAX_PAGES`] pages
/// is no AWS answer; either is an error, never a silently partial list.
#[derive(Default)]
struct Paging {
    seen: BTreeSet<String>,
    pages: usize,
}

impl Paging {
    /// The token of the next page after one more page, `None` after the last.
    fn next(&mut self, token: Option<&str>) -> Result<Option<String>, String> {
        self.pages += 1;
        let Some(token) = token.filter(|t| !t.is_empty()) else { return Ok(None) };
        if self.seen.contains(token) {
            return Err(format!("the same NextToken again after {} pages", self.pages));
        }
        if self.pages >= MAX_PAGES {
            return Err(format!("still paging after {MAX_PAGES} pages"));
        }
        self.seen.insert(token.to_string());
        Ok(Some(token.to_string()))
    }
}

/// A composite alarm: its name, ARN and state. It has no metric, so it never equals an alarm
/// endpoint-scale would create, and it is never read as one of ours.
fn composite_desc(a: &cw::types::CompositeAlarm) -> AlarmDesc {
    AlarmDesc {
        alarm: AlarmResource {
            name: a.alarm_name().unwrap_or_default().to_string(),
            endpoint: String::new(),
            variant: String::new(),
            namespace: String::new(),
            metric_name: String::new(),
            statistic: String::new(),
            period: 0,
            evaluation_periods: 0,
            threshold: 0.0,
            comparison_operator: String::new(),
            treat_missing_data: String::new(),
            tags: Tags::new(),
        },
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        state: a.state_value().map(|s| s.as_str().to_string()).unwrap_or_default(),
        composite: true,
    }
}

/// An alarm as endpoint-scale compares it; what it does not set (an extended statistic, other
/// dimensions) shows as a difference from any desired alarm, never as equal.
fn alarm_desc(a: &cw::types::MetricAlarm) -> AlarmDesc {
    let dimension = |name: &str| {
        a.dimensions().iter().find(|d| d.name() == Some(name)).and_then(|d| d.value()).unwrap_or_default().to_string()
    };
    let statistic = match (a.statistic(), a.extended_statistic()) {
        (Some(s), _) => s.as_str().to_string(),
        (None, Some(extended)) => extended.to_string(),
        (None, None) => String::new(),
    };
    AlarmDesc {
        alarm: AlarmResource {
            name: a.alarm_name().unwrap_or_default().to_string(),
            endpoint: dimension("EndpointName"),
            variant: dimension("VariantName"),
            namespace: a.namespace().unwrap_or_default().to_string(),
            metric_name: a.metric_name().unwrap_or_default().to_string(),
            statistic,
            period: a.period().unwrap_or(0).max(0) as u32,
            evaluation_periods: a.evaluation_periods().unwrap_or(0).max(0) as u32,
            threshold: a.threshold().unwrap_or(0.0),
            comparison_operator: a.comparison_operator().map(|c| c.as_str().to_string()).unwrap_or_default(),
            // Absent means `missing` (API reference, PutMetricAlarm TreatMissingData).
            treat_missing_data: a.treat_missing_data().unwrap_or("missing").to_string(),
            tags: Tags::new(),
        },
        arn: a.alarm_arn().unwrap_or_default().to_string(),
        state: a.state_value().map(|s| s.as_str().to_string()).unwrap_or_default(),
        composite: false,
    }
}

pub(super) async fn tags(client: &cw::Client, arn: &str) -> AwsResult<Option<Tags>> {
    match client.list_tags_for_resource().resource_arn(arn).send().await {
        Ok(out) => Ok(Some(
            out.tags()
                .iter()
                .filter_map(|t| Some((t.key()?.to_string(), t.value().unwrap_or_default().to_string())))
                .collect(),
        )),
        Err(e) => {
            let e = error(e, CW, "ListTagsForResource", arn);
            if e.kind == AwsErrorKind::NotFound {
                Ok(None)
            } else {
                Err(e)
            }
        }
    }
}

fn cw_tags(tags: &Tags) -> Vec<cw::types::Tag> {
    tags.iter().map(|(k, v)| cw::types::Tag::builder().key(k).value(v).build()).collect()
}

pub(super) async fn put(client: &cw::Client, alarm: &AlarmResource) -> AwsResult<()> {
    let dimension = |name: &str, value: &str| cw::types::Dimension::builder().name(name).value(value).build();
    client
        .put_metric_alarm()
        .alarm_name(&alarm.name)
        .namespace(&alarm.namespace)
        .metric_name(&alarm.metric_name)
        .dimensions(dimension("EndpointName", &alarm.endpoint))
        .dimensions(dimension("VariantName", &alarm.variant))
        .statistic(cw::types::Statistic::from(alarm.statistic.as_str()))
        .period(i32::try_from(alarm.period).unwrap_or(i32::MAX))
        .evaluation_periods(i32::try_from(alarm.evaluation_periods).unwrap_or(i32::MAX))
        .threshold(alarm.threshold)
        .comparison_operator(cw::types::ComparisonOperator::from(alarm.comparison_operator.as_str()))
        .treat_missing_data(&alarm.treat_missing_data)
        .set_tags((!alarm.tags.is_empty()).then(|| cw_tags(&alarm.tags)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error(e, CW, "PutMetricAlarm", format!("alarm {}", alarm.name)))
}

pub(super) async fn tag(client: &cw::Client, arn: &str, tags: &Tags) -> AwsResult<()> {
    client
        .tag_resource()
        .resource_arn(arn)
        .set_tags(Some(cw_tags(tags)))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error(e, CW, "TagResource", arn))
}

pub(super) async fn untag(client: &cw::Client, arn: &str, keys: &[String]) -> AwsResult<()> {
    client
        .untag_resource()
        .resource_arn(arn)
        .set_tag_keys(Some(keys.to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error(e, CW, "UntagResource", arn))
}

/// DeleteAlarms, 100 names a call (API reference).
pub(super) async fn delete(client: &cw::Client, names: &[String]) -> AwsResult<()> {
    for chunk in names.chunks(NAMES_PER_CALL) {
        client
            .delete_alarms()
            .set_alarm_names(Some(chunk.to_vec()))
            .send()
            .await
            .map_err(|e| error(e, CW, "DeleteAlarms", what(chunk)))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_stops_at_the_last_page() {
        let mut paging = Paging::default();
        assert_eq!(paging.next(Some("a")), Ok(Some("a".to_string())));
        assert_eq!(paging.next(Some("b")), Ok(Some("b".to_string())));
        assert_eq!(paging.next(Some("")), Ok(None));
        assert_eq!(Paging::default().next(None), Ok(None));
    }

    #[test]
    fn a_repeated_token_is_an_error_not_a_partial_list() {
        let mut paging = Paging::default();
        assert_eq!(paging.next(Some("a")), Ok(Some("a".to_string())));
        assert_eq!(paging.next(Some("b")), Ok(Some("b".to_string())));
        // A cycle, not only the token just sent.
        assert_eq!(paging.next(Some("a")), Err("the same NextToken again after 3 pages".to_string()));
    }

    #[test]
    fn paging_past_the_cap_is_an_error() {
        let mut paging = Paging::default();
        for i in 1..MAX_PAGES {
            assert_eq!(paging.next(Some(&i.to_string())), Ok(Some(i.to_string())));
        }
        assert_eq!(paging.next(Some("last")), Err("still paging after 1000 pages".to_string()));
        // The last page may end exactly at the cap.
        let mut paging = Paging::default();
        for i in 1..MAX_PAGES {
            paging.next(Some(&i.to_string())).unwrap();
        }
        assert_eq!(paging.next(None), Ok(None));
    }
}
