//! CloudWatch metric alarms of rollouts (PutMetricAlarm, DescribeAlarms, DeleteAlarms,
//! ListTagsForResource, TagResource, UntagResource) through aws-sdk-cloudwatch, for
//! [`super::SdkAws`]. GetMetricData (the invocation history) lives in [`super::cloudwatch`].
//!
//! CloudWatch API reference: PutMetricAlarm creates an alarm or overwrites its whole
//! configuration, and ignores `Tags` when the alarm exists (tags change with TagResource and
//! UntagResource); DescribeAlarms takes at most 100 AlarmNames and pages with NextToken;
//! DeleteAlarms ignores names that do not exist.

use aws_sdk_cloudwatch as cw;

use super::sdk::error;
use super::{AlarmDesc, AwsErrorKind, AwsResult};
use crate::model::Tags;
use crate::resources::AlarmResource;

const CW: &str = "cloudwatch";

/// DescribeAlarms' limit on AlarmNames per call (API reference).
const NAMES_PER_CALL: usize = 100;

fn what(names: &[String]) -> String {
    match names {
        [one] => format!("alarm {one}"),
        _ => format!("alarms {}", names.join(", ")),
    }
}

pub(super) async fn describe(client: &cw::Client, names: &[String]) -> AwsResult<Vec<AlarmDesc>> {
    let mut all = Vec::new();
    for chunk in names.chunks(NAMES_PER_CALL) {
        all.extend(pages(client, Some(chunk), None, &what(chunk)).await?);
    }
    all.sort_by(|a: &AlarmDesc, b| a.alarm.name.cmp(&b.alarm.name));
    all.dedup_by(|a, b| a.alarm.name == b.alarm.name);
    Ok(all)
}

pub(super) async fn describe_prefix(client: &cw::Client, prefix: &str) -> AwsResult<Vec<AlarmDesc>> {
    pages(client, None, Some(prefix), &format!("alarms named {prefix}*")).await
}

/// Every page of one DescribeAlarms query (by names or by prefix: the API takes one of them).
async fn pages(
    client: &cw::Client,
    names: Option<&[String]>,
    prefix: Option<&str>,
    resource: &str,
) -> AwsResult<Vec<AlarmDesc>> {
    let mut all = Vec::new();
    let mut token: Option<String> = None;
    // A bound on pages: an answer that keeps sending tokens must not make a plan hang.
    for _ in 0..1000 {
        let out = client
            .describe_alarms()
            .set_alarm_names(names.map(<[String]>::to_vec))
            .set_alarm_name_prefix(prefix.map(str::to_string))
            .alarm_types(cw::types::AlarmType::MetricAlarm)
            .max_records(100)
            .set_next_token(token.take())
            .send()
            .await
            .map_err(|e| error(e, CW, "DescribeAlarms", resource))?;
        all.extend(out.metric_alarms().iter().map(alarm_desc));
        match out.next_token().filter(|t| !t.is_empty()) {
            Some(next) => token = Some(next.to_string()),
            None => break,
        }
    }
    Ok(all)
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

pub(super) async fn delete(client: &cw::Client, names: &[String]) -> AwsResult<()> {
    client
        .delete_alarms()
        .set_alarm_names(Some(names.to_vec()))
        .send()
        .await
        .map(|_| ())
        .map_err(|e| error(e, CW, "DeleteAlarms", what(names)))
}
