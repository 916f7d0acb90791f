//! The metric a variant's target tracking policy tracks (`autoscaling.metric`) and its target.
//!
//! What AWS documents, and where:
//! - Application Auto Scaling's `PredefinedMetricSpecification` takes a `PredefinedMetricType`
//!   from its `MetricType` enum, which lists `SageMakerVariantInvocationsPerInstance` and
//!   `SageMakerVariantConcurrentRequestsPerModelHighResolution`; `ResourceLabel` may be given
//!   only for `ALBRequestCountPerTarget`, so the spec has no place for one (API reference,
//!   PredefinedMetricSpecification).
//! - `CustomizedMetricSpecification.Statistic` is one of `Average`, `Minimum`, `Maximum`,
//!   `SampleCount`, `Sum` (API reference, MetricStatistic). The API model puts no length limits on
//!   the names; CloudWatch does, for every metric: namespace 1 to 255 characters not starting
//!   with `:`, metric name 1 to 255, at most 30 dimensions, dimension names 1 to 255 and values
//!   1 to 1024 (CloudWatch API reference, Metric and Dimension), and its units are the
//!   `StandardUnit` list (MetricDatum). A policy on a metric outside those limits could never see
//!   a datapoint, so they are checked here, and the messages say they are CloudWatch's.
//! - The target: a number (`TargetValue`) that target tracking holds the metric at. The API
//!   takes any double between -2^360 and 2^360; a target of 0 or less is refused here (our rule:
//!   none of these metrics can be held at or below 0 by adding capacity).

use std::collections::HashMap;

use crate::diagnostic::{did_you_mean, shorten, Diagnostic, SourceSpan};
use crate::model::{
    concurrency_target, scaling_target, CustomizedMetric, MetricDimension, ScalingMetric, DEFAULT_SAFETY_FACTOR,
};
use crate::spec::{self, MetricSpec, Pos, TargetSpec};

use super::Validator;

/// The spec's names of the predefined metrics.
pub(super) const METRIC_NAMES: [&str; 2] = ["invocations_per_instance", "concurrent_requests_per_model"];

/// Application Auto Scaling's `MetricStatistic` enum (API reference).
const STATISTICS: [&str; 5] = ["Average", "Minimum", "Maximum", "SampleCount", "Sum"];

/// CloudWatch's `StandardUnit` enum (CloudWatch API reference, MetricDatum).
const UNITS: [&str; 27] = [
    "Seconds",
    "Microseconds",
    "Milliseconds",
    "Bytes",
    "Kilobytes",
    "Megabytes",
    "Gigabytes",
    "Terabytes",
    "Bits",
    "Kilobits",
    "Megabits",
    "Gigabits",
    "Terabits",
    "Percent",
    "Count",
    "Bytes/Second",
    "Kilobytes/Second",
    "Megabytes/Second",
    "Gigabytes/Second",
    "Terabytes/Second",
    "Bits/Second",
    "Kilobits/Second",
    "Megabits/Second",
    "Gigabits/Second",
    "Terabits/Second",
    "Count/Second",
    "None",
];

/// CloudWatch: "You can assign up to 30 dimensions to a metric" (API reference, Dimension).
const MAX_DIMENSIONS: usize = 30;

impl Validator {
    pub(super) fn metric(&mut self, metric: Option<&Pos<MetricSpec>>) -> Option<ScalingMetric> {
        let Some(metric) = metric else { return Some(ScalingMetric::InvocationsPerInstance) };
        match &metric.value {
            MetricSpec::Named(name) => match name.as_str() {
                "invocations_per_instance" => Some(ScalingMetric::InvocationsPerInstance),
                "concurrent_requests_per_model" => Some(ScalingMetric::ConcurrentRequestsPerModel),
                other => {
                    let mut d = Diagnostic::error(format!("unknown metric `{}`", shorten(other))).at(
                        SourceSpan::new(metric.span.line, metric.span.column, other.chars().count()),
                        "unknown metric",
                    );
                    d = match did_you_mean(other, METRIC_NAMES) {
                        Some(best) => d.help(format!("did you mean `{best}`?")),
                        None => d.help(
                            "the metrics are `invocations_per_instance`, `concurrent_requests_per_model`, or `customized: {namespace, metric_name, dimensions, statistic}` for a CloudWatch metric of your choosing",
                        ),
                    };
                    self.error(d);
                    None
                }
            },
            MetricSpec::Customized(c) => self.customized(c),
        }
    }

    fn customized(&mut self, c: &spec::CustomizedMetric) -> Option<ScalingMetric> {
        let mut ok = true;
        ok &= self.cloudwatch_name("namespace", &c.namespace, 255, true);
        ok &= self.cloudwatch_name("metric_name", &c.metric_name, 255, false);
        if c.dimensions.len() > MAX_DIMENSIONS {
            ok = false;
            let extra = &c.dimensions[MAX_DIMENSIONS];
            self.error(
                Diagnostic::error(format!(
                    "the customized metric has {} dimensions, more than CloudWatch allows a metric ({MAX_DIMENSIONS})",
                    c.dimensions.len()
                ))
                .at(extra.name.span, "dimension 31")
                .help("give the dimensions the metric is published with; CloudWatch assigns at most 30 to a metric (API reference, Dimension)"),
            );
        }
        let mut seen: HashMap<&str, SourceSpan> = HashMap::new();
        for d in &c.dimensions {
            ok &= self.cloudwatch_name("name", &d.name, 255, true);
            ok &= self.cloudwatch_name("value", &d.value, 1024, false);
            if let Some(first) = seen.insert(d.name.as_str(), d.name.span) {
                ok = false;
                self.error(
                    Diagnostic::error(format!("dimension `{}` is given twice", shorten(&d.name)))
                        .at(d.name.span, "given again here")
                        .help(format!(
                            "the first is on line {}; a dimension is a name/value pair that identifies the metric, so each name appears once (endpoint-scale's rule)",
                            first.line
                        )),
                );
            }
        }
        if !STATISTICS.contains(&c.statistic.as_str()) {
            ok = false;
            let mut d = Diagnostic::error(format!("unknown statistic `{}`", shorten(&c.statistic)))
                .at(c.statistic.span, "not a statistic");
            d = match did_you_mean(&c.statistic, STATISTICS) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help(format!("Application Auto Scaling takes one of {}", STATISTICS.join(", "))),
            };
            self.error(d);
        }
        if let Some(unit) = &c.unit {
            if !UNITS.contains(&unit.as_str()) {
                ok = false;
                let mut d = Diagnostic::error(format!("unknown unit `{}`", shorten(unit)))
                    .at(unit.span, "not a CloudWatch unit");
                d = match did_you_mean(unit, UNITS) {
                    Some(best) => d.help(format!("did you mean `{best}`?")),
                    None => d.help("use a CloudWatch unit (MetricDatum in the CloudWatch API reference), for example `Percent`, `Count`, `Milliseconds`, or leave `unit` out"),
                };
                self.error(d);
            }
        }
        if !ok {
            return None;
        }
        let mut dimensions: Vec<MetricDimension> = c
            .dimensions
            .iter()
            .map(|d| MetricDimension { name: d.name.value.clone(), value: d.value.value.clone() })
            .collect();
        dimensions.sort();
        Some(ScalingMetric::Customized(CustomizedMetric {
            namespace: c.namespace.value.clone(),
            metric_name: c.metric_name.value.clone(),
            dimensions,
            statistic: c.statistic.value.clone(),
            unit: c.unit.as_ref().map(|u| u.value.clone()),
        }))
    }

    /// CloudWatch's rules for namespaces, metric names and dimensions: 1 to `max` characters,
    /// ASCII, some non-blank character; namespaces and dimension names may not start with `:`.
    fn cloudwatch_name(&mut self, key: &str, value: &Pos<String>, max: usize, no_colon: bool) -> bool {
        let text = value.as_str();
        let problem = if text.trim().is_empty() {
            Some("is empty".to_string())
        } else if text.chars().count() > max {
            Some(format!("is {} characters long, more than {max}", text.chars().count()))
        } else if !text.is_ascii() || text.chars().any(|c| c.is_ascii_control()) {
            Some("has a character that is not printable ASCII".to_string())
        } else if no_colon && text.starts_with(':') {
            Some("starts with `:`".to_string())
        } else {
            None
        };
        let Some(problem) = problem else { return true };
        self.error(
            Diagnostic::error(format!("`{key}` `{}` {problem}", shorten(text))).at(value.span, "not a CloudWatch name").help(
                format!(
                    "CloudWatch takes 1 to {max} printable ASCII characters here{} (CloudWatch API reference, Metric and Dimension); copy it from `aws cloudwatch list-metrics`",
                    if no_colon { ", not starting with `:`" } else { "" }
                ),
            ),
        );
        false
    }

    /// The target value for `metric`: given (`target: N`, or per metric in the mapping) or
    /// derived from a load test.
    pub(super) fn target(
        &mut self,
        a: &spec::AutoScaling,
        metric: &ScalingMetric,
        variant_rps: Option<(f64, SourceSpan)>,
    ) -> Option<f64> {
        let given = a.target.as_ref();
        if let Some(Pos { value: TargetSpec::Value(v), span }) = given {
            let target = self.positive("target", &Pos { value: *v, span: *span })?;
            return self.within_api_range(target, *span, &format!("`target` {}", super::scaling::number(target)));
        }
        let t = match given {
            Some(Pos { value: TargetSpec::Derived(t), .. }) => Some(t),
            _ => None,
        };
        match metric {
            ScalingMetric::InvocationsPerInstance => {
                if let Some(c) = t.and_then(|t| t.max_concurrency_per_instance.as_ref()) {
                    self.wrong_key(
                        c.span,
                        "max_concurrency_per_instance",
                        "concurrent_requests_per_model",
                        "invocations_per_instance",
                    );
                    return None;
                }
                self.invocations_target(a, t, variant_rps)
            }
            ScalingMetric::ConcurrentRequestsPerModel => {
                let t = t.cloned().unwrap_or_default();
                let wrong = t
                    .invocations_per_instance
                    .as_ref()
                    .map(|p| ("invocations_per_instance", p.span))
                    .or(t.max_rps_per_instance.as_ref().map(|p| ("max_rps_per_instance", p.span)));
                if let Some((key, span)) = wrong {
                    self.wrong_key(span, key, "invocations_per_instance", "concurrent_requests_per_model");
                    return None;
                }
                let Some(max) = &t.max_concurrency_per_instance else {
                    self.error(
                        Diagnostic::error("autoscaling on `concurrent_requests_per_model` has no target")
                            .at(given.map_or(a.min.span, |g| g.span), "no target for this policy")
                            .help("give `target: N` (concurrent requests per model container), or `target: { max_concurrency_per_instance: N }` from a load test (target = N x safety_factor, default 0.5)"),
                    );
                    return None;
                };
                let max = self.positive("max_concurrency_per_instance", max)?;
                let factor = self.safety_factor(t.safety_factor.as_ref())?;
                let target = concurrency_target(max, factor);
                if target == 0.0 {
                    self.error(
                        Diagnostic::error(format!(
                            "the target rounds to 0 concurrent requests (max_concurrency_per_instance {max} x safety_factor {factor}, to 6 decimals)"
                        ))
                        .at(t.max_concurrency_per_instance.as_ref().map_or(a.min.span, |m| m.span), "target rounds to 0")
                        .help("the smallest target is 0.000001; give `target: N` directly"),
                    );
                    return None;
                }
                let span = t.max_concurrency_per_instance.as_ref().map_or(a.min.span, |m| m.span);
                self.within_api_range(
                    target,
                    span,
                    &format!(
                        "the target max_concurrency_per_instance {} x safety_factor {factor}",
                        super::scaling::number(max)
                    ),
                )
            }
            ScalingMetric::Customized(c) => {
                let span = given.map_or(a.min.span, |g| g.span);
                let (message, label) = if given.is_some() {
                    ("a customized metric's target is a number, not a mapping", "a mapping")
                } else {
                    ("autoscaling on a customized metric has no target", "no target for this policy")
                };
                self.error(Diagnostic::error(message).at(span, label).help(format!(
                    "give `target: N` in the unit of {} {} ({}), for example `target: 70` to hold an average CPUUtilization at 70%",
                    c.namespace.as_str(),
                    c.metric_name.as_str(),
                    c.statistic.as_str()
                )));
                None
            }
        }
    }

    fn wrong_key(&mut self, span: SourceSpan, key: &str, belongs_to: &str, metric: &str) {
        self.error(
            Diagnostic::error(format!("`{key}` derives a target for `{belongs_to}`, but the metric is `{metric}`"))
                .at(span, "for another metric")
                .help(format!("set `metric: {belongs_to}`, or give this metric's target (`target: N`)")),
        );
    }

    fn safety_factor(&mut self, safety: Option<&Pos<f64>>) -> Option<f64> {
        match safety {
            Some(s) if s.value > 0.0 && s.value <= 1.0 => Some(s.value),
            Some(s) => {
                self.error(
                    Diagnostic::error(format!(
                        "`safety_factor` must be greater than 0 and at most 1, found {}",
                        s.value
                    ))
                    .at(s.span, "outside (0, 1]")
                    .help("it is the share of the load-tested maximum to aim for; AWS suggests starting at 0.5"),
                );
                None
            }
            None => Some(DEFAULT_SAFETY_FACTOR),
        }
    }

    fn invocations_target(
        &mut self,
        a: &spec::AutoScaling,
        t: Option<&spec::Target>,
        variant_rps: Option<(f64, SourceSpan)>,
    ) -> Option<f64> {
        let direct = t.and_then(|t| t.invocations_per_instance.as_ref());
        let target_rps = t.and_then(|t| t.max_rps_per_instance.as_ref());
        let safety = t.and_then(|t| t.safety_factor.as_ref());
        if let Some(direct) = direct {
            if let Some(other) =
                target_rps.map(|r| ("max_rps_per_instance", r.span)).or(safety.map(|s| ("safety_factor", s.span)))
            {
                self.error(
                    Diagnostic::error(format!("`target` sets both `invocations_per_instance` and `{}`", other.0))
                        .at(other.1, "conflicting target")
                        .help("give the target directly (`invocations_per_instance`) or derive it (`max_rps_per_instance` and `safety_factor`), not both"),
                );
                return None;
            }
            let target = self.positive("invocations_per_instance", direct)?;
            return self.within_api_range(
                target,
                direct.span,
                &format!("`invocations_per_instance` {}", super::scaling::number(target)),
            );
        }
        let (rps, rps_span) = match target_rps {
            Some(r) => (self.positive("max_rps_per_instance", r)?, r.span),
            None => match variant_rps {
                Some(r) => r,
                None => {
                    self.error(
                        Diagnostic::error("autoscaling has no target")
                            .at(a.min.span, "no target for this policy")
                            .help("set the variant's `max_rps_per_instance` (from a load test), or `target: { invocations_per_instance: N }` (invocations per instance per minute)"),
                    );
                    return None;
                }
            },
        };
        let factor = self.safety_factor(safety)?;
        let target = scaling_target(rps, factor);
        if target == 0.0 {
            // The formula rounds to 6 decimals; a tiny load-tested figure would send
            // `TargetValue: 0`, which Application Auto Scaling refuses. Reported at the figure the
            // target came from: the policy's `max_rps_per_instance`, else the variant's.
            let span = rps_span;
            self.error(
                Diagnostic::error(format!(
                    "the target rounds to 0 invocations per instance per minute (max_rps_per_instance {rps} x safety_factor {factor} x 60, to 6 decimals)"
                ))
                .at(span, "target rounds to 0")
                .help(format!(
                    "the smallest target is 0.000001; at safety_factor {factor} that needs `max_rps_per_instance` of at least {}, or give `target: {{ invocations_per_instance: N }}`",
                    super::scaling::smallest_rps(factor)
                )),
            );
            return None;
        }
        // A huge figure overflows the formula to infinity (1e302 x 0.5 x 60 x 10^6), or gives a
        // target beyond the API's range: either would be sent as a TargetValue AWS refuses.
        self.within_api_range(
            target,
            rps_span,
            &format!("the target max_rps_per_instance {} x safety_factor {factor} x 60", super::scaling::number(rps)),
        )
    }

    /// `TargetValue` within what Application Auto Scaling accepts (2^360; see
    /// [`super::scaling::MAX_TARGET_VALUE`]); `what` names the figure for the message.
    fn within_api_range(&mut self, target: f64, span: SourceSpan, what: &str) -> Option<f64> {
        if target.is_finite() && target <= super::scaling::MAX_TARGET_VALUE {
            return Some(target);
        }
        self.error(
            Diagnostic::error(format!(
                "{what} is above the largest target Application Auto Scaling accepts (2^360, about 2.3e108)"
            ))
            .at(span, "target too large")
            .help("check the figure and its unit: a load-tested requests per second (or concurrency) per instance, or a target in the metric's own unit"),
        );
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{diagnostics, with_variant};
    use super::*;

    fn scaling(lines: &str) -> crate::model::Scaling {
        let text = with_variant(lines);
        let spec = crate::spec::parse(&crate::diagnostic::Source::new("s.yaml", &text)).unwrap();
        let desired = crate::validate::validate(&spec).desired.expect("valid");
        desired.endpoints[0].variants[0].scaling.clone().expect("scaled")
    }

    #[test]
    fn the_default_metric_and_its_target_are_unchanged() {
        let s = scaling(
            "        max_rps_per_instance: 7\n        autoscaling: {min: 1, max: 2, target: {safety_factor: 0.8}}\n",
        );
        assert_eq!((s.metric, s.target_value), (ScalingMetric::InvocationsPerInstance, 336.0));
        let s = scaling("        autoscaling: {min: 1, max: 2, target: 90}\n");
        assert_eq!((s.metric, s.target_value), (ScalingMetric::InvocationsPerInstance, 90.0));
    }

    #[test]
    fn a_concurrency_target_is_given_or_derived_without_the_per_minute_factor() {
        let s = scaling("        autoscaling: {min: 1, max: 2, metric: concurrent_requests_per_model, target: {max_concurrency_per_instance: 7, safety_factor: 0.8}}\n");
        assert_eq!((s.metric, s.target_value), (ScalingMetric::ConcurrentRequestsPerModel, 5.6));
        assert_eq!(s.target_value, concurrency_target(7.0, 0.8));
        let s = scaling("        autoscaling: {min: 1, max: 2, metric: concurrent_requests_per_model, target: {max_concurrency_per_instance: 8}}\n");
        assert_eq!(s.target_value, 4.0);
        let s = scaling("        autoscaling: {min: 1, max: 2, metric: concurrent_requests_per_model, target: 5}\n");
        assert_eq!(s.target_value, 5.0);
    }

    #[test]
    fn a_customized_metric_keeps_its_fields_with_dimensions_sorted() {
        let s = scaling(
            "        autoscaling:\n          min: 1\n          max: 2\n          target: 70\n          metric:\n            customized:\n              namespace: /aws/sagemaker/Endpoints\n              metric_name: GPUUtilization\n              dimensions: [{name: VariantName, value: v}, {name: EndpointName, value: e}]\n              statistic: Maximum\n",
        );
        let ScalingMetric::Customized(c) = s.metric else { panic!("{:?}", s.metric) };
        assert_eq!(
            (c.namespace.as_str(), c.metric_name.as_str(), c.statistic.as_str()),
            ("/aws/sagemaker/Endpoints", "GPUUtilization", "Maximum")
        );
        let names: Vec<&str> = c.dimensions.iter().map(|d| d.name.as_str()).collect();
        assert_eq!(names, ["EndpointName", "VariantName"]);
        assert_eq!(c.unit, None);
        assert_eq!(s.target_value, 70.0);
    }

    #[test]
    fn targets_and_limits_are_checked_with_positions() {
        let text = with_variant("        autoscaling: {min: 1, max: 2, metric: concurrent_requests_per_model}\n");
        assert_eq!(diagnostics(&text), ["9:28 autoscaling on `concurrent_requests_per_model` has no target"]);
        let text = with_variant("        autoscaling: {min: 1, max: 2, target: -3}\n");
        assert_eq!(diagnostics(&text), ["9:47 `target` must be greater than 0, found -3"]);
        let dims: String = (0..31).map(|i| format!("{{name: d{i}, value: x}}, ")).collect();
        let text = with_variant(&format!(
            "        autoscaling: {{min: 1, max: 2, target: 1, metric: {{customized: {{namespace: n, metric_name: m, statistic: Sum, dimensions: [{dims}]}}}}}}\n"
        ));
        let out = diagnostics(&text);
        assert_eq!(out.len(), 1, "{out:?}");
        assert!(
            out[0].ends_with(" the customized metric has 31 dimensions, more than CloudWatch allows a metric (30)"),
            "{out:?}"
        );
    }
}
