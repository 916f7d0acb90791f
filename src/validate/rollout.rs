//! Rollouts: UpdateEndpoint's `DeploymentConfig` and the CloudWatch alarms that roll it back.
//!
//! The ranges are the SageMaker API's (botocore `sagemaker/2017-07-24/service-2.json`:
//! `TrafficRoutingConfig`, `CapacitySize`, `BlueGreenUpdatePolicy`, `RollingUpdatePolicy`,
//! `AutoRollbackConfig`, `Alarm`) and CloudWatch's (`PutMetricAlarm`: `Period` 10, 20, 30 or a
//! multiple of 60; `Period` x `EvaluationPeriods` at most 7 days, or 1 day below hour-long
//! periods). The size limits relative to the variant (canary at most 50%, linear steps 10-50%,
//! rolling batches 5-50% of its instances) are checked against `initial_instance_count`; an auto
//! scaled variant runs another count, so the messages say that plan checks again against the
//! live count. The exclusions come from the SageMaker guide, "Deployment guardrails" >
//! "Exclusions": rolling updates are not for multi-variant endpoints, and Inf1 instances make
//! SageMaker fall back to blue/green all at once with no final baking period.

use std::collections::HashMap;

use crate::diagnostic::{did_you_mean, shorten, Diagnostic, SourceSpan};
use crate::model::{Capacity, Comparison, OwnedAlarm, RollbackAlarm, Rollout, Strategy, VariantModel};
use crate::spec::{self, Pos};

use super::{format_duration, parse_duration, Validator};

const STRATEGIES: [&str; 4] = ["all_at_once", "canary", "linear", "rolling"];

/// `WaitIntervalInSeconds` and `TerminationWaitInSeconds`: 0 to 3600.
const MAX_WAIT_SECS: u64 = 3600;
/// `MaximumExecutionTimeoutInSeconds`: 600 to 28800.
const MIN_EXECUTION_SECS: u64 = 600;
const MAX_EXECUTION_SECS: u64 = 28_800;
/// `AutoRollbackConfig.Alarms`: at most 10.
const MAX_ALARMS: usize = 10;
/// CloudWatch `AlarmName` (and SageMaker's `Alarm.AlarmName`): 1 to 255 characters.
const MAX_ALARM_NAME_LEN: usize = 255;

/// `AWS/SageMaker` metrics of a real-time variant, published with the dimensions EndpointName
/// and VariantName (SageMaker guide, "Amazon SageMaker AI metrics in Amazon CloudWatch").
pub const VARIANT_METRICS: &[&str] = &[
    "ConcurrentRequestsPerModel",
    "Invocation4XXErrors",
    "Invocation5XXErrors",
    "InvocationModelErrors",
    "Invocations",
    "InvocationsPerInstance",
    "ModelLatency",
    "ModelSetupTime",
    "OverheadLatency",
];

/// Of those, the ones emitted every 10 seconds (SageMaker guide, "Define a scaling policy");
/// the others once a minute.
const HIGH_RESOLUTION_METRICS: &[&str] = &["ConcurrentRequestsPerModel"];

const STATISTICS: [&str; 5] = ["Average", "Maximum", "Minimum", "SampleCount", "Sum"];

impl Validator {
    /// Checks an endpoint's `rollout`; `variants` are the endpoint's valid variants (sizes are
    /// checked against their initial counts).
    pub(super) fn rollout(
        &mut self,
        r: &spec::Rollout,
        endpoint: &spec::Endpoint,
        variants: &[VariantModel],
    ) -> Option<Rollout> {
        let mut ok = true;
        let strategy_name = r.strategy.as_str();
        if !STRATEGIES.contains(&strategy_name) {
            let mut d = Diagnostic::error(format!("unknown rollout strategy `{}`", shorten(strategy_name)))
                .at(r.strategy.span, "unknown strategy");
            d = match did_you_mean(strategy_name, STRATEGIES) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => {
                    d.help("the strategies are all_at_once, canary, linear (blue/green traffic shifting) and rolling")
                }
            };
            self.error(d);
            return None;
        }
        self.foreign_fields(r, strategy_name);

        let bake = self.wait("bake", Some(&r.bake));
        let termination_wait = self.wait("termination_wait", r.termination_wait.as_ref());
        let max_execution = self.max_execution(r.max_execution_time.as_ref());

        let counts: Vec<(&str, u32)> = variants.iter().map(|v| (v.name.as_str(), v.initial_instance_count)).collect();
        let strategy = match strategy_name {
            "all_at_once" => Some(Strategy::AllAtOnce),
            "canary" => self
                .size(r, "canary_size", r.canary_size.as_ref(), (1, 50), &counts)
                .map(|size| Strategy::Canary { size }),
            "linear" => self
                .size(r, "linear_step", r.linear_step.as_ref(), (10, 50), &counts)
                .map(|step| Strategy::Linear { step }),
            _ => {
                let batch = self.size(r, "batch_size", r.batch_size.as_ref(), (5, 50), &counts);
                let rollback = match &r.rollback_batch_size {
                    Some(size) => self.rollback_size(size).map(Some),
                    None => Some(None),
                };
                if endpoint.variants.len() > 1 {
                    ok = false;
                    self.error(
                        Diagnostic::error(format!(
                            "a rolling rollout cannot update endpoint `{}`: it has {} variants",
                            endpoint.name.as_str(),
                            endpoint.variants.len()
                        ))
                        .at(r.strategy.span, "rolling on a multi-variant endpoint")
                        .help("SageMaker excludes multi-variant endpoints from rolling deployments (SageMaker guide, \"Deployment guardrails\" > \"Exclusions\")")
                        .help("use `strategy: canary` or `linear` (blue/green), or split the variants into endpoints of their own"),
                    );
                }
                match (batch, rollback) {
                    (Some(batch), Some(rollback_batch)) => Some(Strategy::Rolling { batch, rollback_batch }),
                    _ => None,
                }
            }
        };
        let alarms = self.rollback_alarms(r, endpoint);
        let (strategy, bake, termination_wait, max_execution, alarms) =
            (strategy?, bake?, termination_wait?, max_execution?, alarms?);
        let rollout = Rollout {
            strategy,
            bake_seconds: bake,
            termination_wait_seconds: if strategy.is_blue_green() { termination_wait } else { 0 },
            max_execution_seconds: max_execution,
            alarms,
        };
        if let (Some(max), Some(span)) = (max_execution, r.max_execution_time.as_ref().map(|m| m.span)) {
            ok &= self.execution_covers_waits(&rollout, max, span, &counts);
        }
        self.fallbacks(r, &rollout, variants);
        ok.then_some(rollout)
    }

    /// Fields that belong to another strategy are errors: AWS would not take them together.
    fn foreign_fields(&mut self, r: &spec::Rollout, strategy: &str) {
        let fields: [(&str, Option<SourceSpan>, &[&str]); 5] = [
            ("canary_size", r.canary_size.as_ref().map(|p| p.span), &["canary"]),
            ("linear_step", r.linear_step.as_ref().map(|p| p.span), &["linear"]),
            ("batch_size", r.batch_size.as_ref().map(|p| p.span), &["rolling"]),
            ("rollback_batch_size", r.rollback_batch_size.as_ref().map(|p| p.span), &["rolling"]),
            ("termination_wait", r.termination_wait.as_ref().map(|p| p.span), &["all_at_once", "canary", "linear"]),
        ];
        for (field, span, belongs) in fields {
            let Some(span) = span else { continue };
            if belongs.contains(&strategy) {
                continue;
            }
            let owner = match belongs {
                [one] => format!("`strategy: {one}`"),
                _ => "blue/green strategies (all_at_once, canary, linear)".to_string(),
            };
            self.error(
                Diagnostic::error(format!("`{field}` does not apply to a {strategy} rollout"))
                    .at(span, format!("not used by {strategy}"))
                    .help(format!("`{field}` belongs to {owner}; remove it, or change the strategy")),
            );
        }
    }

    /// A wait of 0s to 1h (`WaitIntervalInSeconds`, `TerminationWaitInSeconds`); absent is 0.
    fn wait(&mut self, key: &str, value: Option<&Pos<String>>) -> Option<u32> {
        let Some(value) = value else { return Some(0) };
        let secs = self.rollout_duration(key, value)?;
        if secs > MAX_WAIT_SECS {
            self.error(
                Diagnostic::error(format!("`{key}` is {}, more than the 1h SageMaker allows", format_duration(secs)))
                    .at(value.span, "too long")
                    .help(format!("SageMaker takes 0s to 1h for `{key}` (API `{}`)", api_name(key))),
            );
            return None;
        }
        Some(secs as u32)
    }

    fn max_execution(&mut self, value: Option<&Pos<String>>) -> Option<Option<u32>> {
        let Some(value) = value else { return Some(None) };
        let secs = self.rollout_duration("max_execution_time", value)?;
        if !(MIN_EXECUTION_SECS..=MAX_EXECUTION_SECS).contains(&secs) {
            self.error(
                Diagnostic::error(format!(
                    "`max_execution_time` is {}, outside the 10m to 8h SageMaker allows",
                    format_duration(secs)
                ))
                .at(value.span, "out of range")
                .help("SageMaker takes 600 to 28800 seconds (API `MaximumExecutionTimeoutInSeconds`); leave it out for AWS's default"),
            );
            return None;
        }
        Some(Some(secs as u32))
    }

    fn rollout_duration(&mut self, key: &str, value: &Pos<String>) -> Option<u64> {
        let secs = parse_duration(value);
        if secs.is_none() {
            self.error(
                Diagnostic::error(format!("`{key}` `{}` is not a duration", shorten(value)))
                    .at(value.span, "not a duration")
                    .help("write whole seconds (`300`) or numbers with units s, m, h (`90s`, `10m`, `1h`)"),
            );
        }
        secs
    }

    /// A traffic or batch size: an instance count or a percentage within `percent` (inclusive),
    /// required for its strategy, and within the same share of each variant's initial count.
    fn size(
        &mut self,
        r: &spec::Rollout,
        key: &str,
        value: Option<&Pos<String>>,
        (lo, hi): (u32, u32),
        counts: &[(&str, u32)],
    ) -> Option<Capacity> {
        let Some(value) = value else {
            let example = if key == "canary_size" { "1" } else { "25%" };
            self.error(
                Diagnostic::error(format!("a {} rollout needs `{key}`", r.strategy.as_str()))
                    .at(r.strategy.span, format!("no `{key}`"))
                    .help(format!(
                        "add `{key}: {example}` (an instance count, or a percentage of the variant's instances)"
                    )),
            );
            return None;
        };
        let capacity = self.capacity(key, value)?;
        let range = if lo == 1 { format!("at most {hi}%") } else { format!("{lo}% to {hi}%") };
        match capacity {
            Capacity::Percent(p) if p < lo || p > hi => {
                self.error(
                    Diagnostic::error(format!("`{key}` is {p}%; SageMaker takes {range} of the variant's instances"))
                        .at(value.span, "out of range")
                        .help(format!("choose a percentage {range}, for example `{key}: \"{}%\"`", hi.min(25).max(lo)))
                        .help(source(key)),
                );
                None
            }
            Capacity::Instances(n) => {
                // n instances of `count` must be within [lo%, hi%]: lo*count <= 100n <= hi*count.
                let bad = counts.iter().find(|(_, count)| {
                    let (n, count) = (u64::from(n), u64::from(*count));
                    100 * n > u64::from(hi) * count || 100 * n < u64::from(lo) * count
                });
                if let Some((variant, count)) = bad {
                    let (min, max) = (
                        (u64::from(*count) * u64::from(lo)).div_ceil(100).max(1),
                        u64::from(*count) * u64::from(hi) / 100,
                    );
                    let fix = if max == 0 {
                        format!("give variant `{variant}` at least {} instances, or use another strategy", 100 / hi)
                    } else if min == max {
                        format!("use `{key}: {min}`")
                    } else {
                        format!("use {min} to {max} instances")
                    };
                    let side = if 100 * u64::from(n) > u64::from(hi) * u64::from(*count) {
                        format!("more than {hi}%")
                    } else {
                        format!("less than {lo}%")
                    };
                    self.error(
                        Diagnostic::error(format!(
                            "`{key}` of {} is {side} of variant `{variant}`'s {count} instances",
                            Capacity::Instances(n)
                        ))
                        .at(value.span, "out of range")
                        .help(format!("{fix}, or a percentage ({range})"))
                        .help(format!(
                            "{}; checked against `initial_instance_count` here, and again against the live instance count by plan",
                            source(key)
                        )),
                    );
                    return None;
                }
                Some(capacity)
            }
            _ => Some(capacity),
        }
    }

    fn rollback_size(&mut self, value: &Pos<String>) -> Option<Capacity> {
        let capacity = self.capacity("rollback_batch_size", value)?;
        if let Capacity::Percent(p) = capacity {
            if p > 100 {
                self.error(
                    Diagnostic::error(format!("`rollback_batch_size` is {p}%, more than all of the variant"))
                        .at(value.span, "over 100%")
                        .help("choose at most \"100%\", or leave it out: SageMaker then restores the whole old fleet at once"),
                );
                return None;
            }
        }
        Some(capacity)
    }

    /// `2` (INSTANCE_COUNT) or `"25%"` (CAPACITY_PERCENT); the API's `Value` is at least 1.
    fn capacity(&mut self, key: &str, value: &Pos<String>) -> Option<Capacity> {
        let text = value.trim();
        let (digits, percent) = match text.strip_suffix('%') {
            Some(d) => (d.trim_end(), true),
            None => (text, false),
        };
        let number = (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
            .then(|| digits.parse::<u32>().ok())
            .flatten();
        let Some(number) = number else {
            self.error(
                Diagnostic::error(format!("`{key}` `{}` is not an instance count or a percentage", shorten(value)))
                    .at(value.span, "expected a count or a percentage")
                    .help(format!("write a number of instances (`{key}: 1`) or a percentage (`{key}: 25%`)")),
            );
            return None;
        };
        if number == 0 {
            self.error(
                Diagnostic::error(format!("`{key}` is 0; SageMaker takes at least 1"))
                    .at(value.span, "zero")
                    .help("a size is at least one instance or 1%"),
            );
            return None;
        }
        Some(if percent { Capacity::Percent(number) } else { Capacity::Instances(number) })
    }

    /// `MaximumExecutionTimeoutInSeconds` "should be larger than the total waiting time specified
    /// in TerminationWaitInSeconds and WaitIntervalInSeconds" (API BlueGreenUpdatePolicy). The
    /// total is our reading: one bake per traffic step (rolling: per batch) plus the termination
    /// wait; a canary counts one bake. The guide also names a final baking period after a
    /// canary's last shift; counting it too draws a warning only.
    fn execution_covers_waits(&mut self, r: &Rollout, max: u32, span: SourceSpan, counts: &[(&str, u32)]) -> bool {
        let bake = u64::from(r.bake_seconds);
        let wait = u64::from(r.termination_wait_seconds);
        let most = counts.iter().map(|(_, c)| *c).max().unwrap_or(1);
        let (required, formula) = match r.strategy {
            Strategy::AllAtOnce | Strategy::Canary { .. } => (bake + wait, "bake + termination_wait".to_string()),
            Strategy::Linear { step } => {
                let steps = steps(step, most);
                (steps * bake + wait, format!("{steps} steps x bake + termination_wait"))
            }
            Strategy::Rolling { batch, .. } => {
                let batches = steps(batch, most);
                (batches * bake, format!("{batches} batches x bake"))
            }
        };
        let max = u64::from(max);
        if max <= required {
            self.error(
                Diagnostic::error(format!(
                    "`max_execution_time` ({}) is not longer than the rollout's waits ({formula} = {})",
                    format_duration(max),
                    format_duration(required)
                ))
                .at(span, "too short for the waits")
                .help(format!(
                    "raise it above {} (plus time to launch instances), or shorten `bake`; SageMaker wants the timeout larger than the waits (API BlueGreenUpdatePolicy)",
                    format_duration(required)
                )),
            );
            return false;
        }
        if matches!(r.strategy, Strategy::Canary { .. }) && max <= 2 * bake + wait {
            self.out.push(
                Diagnostic::warning(format!(
                    "`max_execution_time` ({}) may not cover the canary's final baking period (2 x bake + termination_wait = {})",
                    format_duration(max),
                    format_duration(2 * bake + wait)
                ))
                .at(span, "may time out")
                .help("the SageMaker guide describes a final baking period after the last traffic shift; endpoint-scale assumes it lasts `bake`"),
            );
        }
        true
    }

    /// What SageMaker changes or blocks for this endpoint: warnings, the spec stays valid.
    fn fallbacks(&mut self, r: &spec::Rollout, rollout: &Rollout, variants: &[VariantModel]) {
        let inf1: Vec<&str> = variants
            .iter()
            .filter(|v| v.instance_type.as_str().starts_with("ml.inf1."))
            .map(|v| v.name.as_str())
            .collect();
        if !inf1.is_empty() && rollout.strategy != Strategy::AllAtOnce {
            self.out.push(
                Diagnostic::warning(format!(
                    "SageMaker falls back to all at once instead of a {} rollout: variant{} {} {} on Inf1 instances",
                    rollout.strategy.name(),
                    if inf1.len() == 1 { "" } else { "s" },
                    list(&inf1),
                    if inf1.len() == 1 { "runs" } else { "run" }
                ))
                .at(r.strategy.span, "falls back to all at once")
                .help("endpoints on Inf1 (Inferentia) instances fall back to blue/green with all at once traffic shifting and no final baking period (SageMaker guide, \"Deployment guardrails\" > \"Exclusions\")")
                .help("use `strategy: all_at_once`, or an Inferentia2 (ml.inf2) or other instance type"),
            );
        }
        let scaled: Vec<&str> = variants.iter().filter(|v| v.scaling.is_some()).map(|v| v.name.as_str()).collect();
        if !scaled.is_empty() {
            let limit = match rollout.max_execution_seconds {
                Some(s) => format!("up to `max_execution_time`, {}", format_duration(u64::from(s))),
                None => "up to AWS's default time limit".to_string(),
            };
            self.out.push(
                Diagnostic::warning(format!(
                    "auto scaling of {} is blocked while the rollout runs",
                    if scaled.len() == 1 { format!("variant {}", list(&scaled)) } else { format!("variants {}", list(&scaled)) }
                ))
                .at(r.strategy.span, "no scaling during the update")
                .help(format!(
                    "SageMaker does not scale a variant while its endpoint is updating (SageMaker guide, \"Update endpoints that use auto scaling\"); this rollout can take {limit}"
                ))
                .help("raise the capacity before the update (a scheduled action or `min`) if a peak may come during it; plan re-checks the live count"),
            );
        }
    }

    fn rollback_alarms(&mut self, r: &spec::Rollout, endpoint: &spec::Endpoint) -> Option<Vec<RollbackAlarm>> {
        if r.rollback_alarms.is_empty() && r.strategy.as_str() != "all_at_once" {
            self.out.push(
                Diagnostic::warning(format!("the {} rollout has no `rollback_alarms`", r.strategy.as_str()))
                    .at(r.strategy.span, "nothing rolls it back")
                    .help("without alarms SageMaker bakes each step but never rolls back on its own; add `rollback_alarms`, for example on the variant's Invocation5XXErrors"),
            );
        }
        let mut ok = true;
        if let Some(extra) = r.rollback_alarms.get(MAX_ALARMS) {
            ok = false;
            self.error(
                Diagnostic::error(format!(
                    "the rollout has {} rollback alarms; SageMaker watches at most {MAX_ALARMS}",
                    r.rollback_alarms.len()
                ))
                .at(extra.name.span, "the 11th alarm")
                .help("combine alarms into a CloudWatch composite alarm the team owns, or drop the least useful ones"),
            );
        }
        let mut seen: HashMap<&str, SourceSpan> = HashMap::new();
        let mut alarms = Vec::new();
        for a in &r.rollback_alarms {
            if let Some(first) = seen.insert(a.name.as_str(), a.name.span) {
                ok = false;
                self.error(
                    Diagnostic::error(format!("rollback alarm `{}` is listed twice", shorten(&a.name)))
                        .at(a.name.span, "listed again here")
                        .help(format!("the first is on line {}; list each alarm once", first.line)),
                );
                continue;
            }
            match self.rollback_alarm(a, endpoint) {
                Some(alarm) => alarms.push(alarm),
                None => ok = false,
            }
        }
        ok.then_some(alarms)
    }

    fn rollback_alarm(&mut self, a: &spec::RollbackAlarm, endpoint: &spec::Endpoint) -> Option<RollbackAlarm> {
        let name_ok = self.alarm_name(&a.name);
        let Some(metric) = &a.metric else {
            // An alarm the team owns: nothing else to say about it.
            let owned_only = [
                ("variant", a.variant.as_ref().map(|p| p.span)),
                ("statistic", a.statistic.as_ref().map(|p| p.span)),
                ("comparison", a.comparison.as_ref().map(|p| p.span)),
                ("threshold", a.threshold.as_ref().map(|p| p.span)),
                ("evaluation_periods", a.evaluation_periods.as_ref().map(|p| p.span)),
                ("period", a.period.as_ref().map(|p| p.span)),
            ];
            let mut ok = name_ok;
            for (field, span) in owned_only {
                let Some(span) = span else { continue };
                ok = false;
                self.error(
                    Diagnostic::error(format!("`{field}` needs `metric`: alarm `{}` has none", shorten(&a.name)))
                        .at(span, "only for alarms endpoint-scale creates")
                        .help("add `metric:` (for example `Invocation5XXErrors`) for endpoint-scale to create and own the alarm, or remove the field to watch an alarm the team owns"),
                );
            }
            return ok.then(|| RollbackAlarm::Existing { name: a.name.value.clone() });
        };
        let mut ok = name_ok;
        let prefix = format!("{}-", endpoint.name.as_str());
        if name_ok && !a.name.starts_with(&prefix) {
            // live.rs finds the alarms an endpoint owns by this prefix (one dropped from the spec
            // is deleted only when found) and `iam-policy` allows writes on `alarm:<endpoint>-*`.
            ok = false;
            self.error(
                Diagnostic::error(format!(
                    "alarm `{}` is created by endpoint-scale for endpoint `{}`, so its name must start with `{prefix}`",
                    shorten(&a.name),
                    endpoint.name.as_str()
                ))
                .at(a.name.span, "not named after its endpoint")
                .help(format!(
                    "endpoint-scale finds the alarms it owns by their endpoint's name (to delete one dropped from the spec) and `iam-policy` lets apply write only `{prefix}*` alarms: name it `{prefix}{}`, or drop `metric:` (and the other settings) to watch an alarm the team owns",
                    shorten(&a.name)
                )),
            );
        }
        if !VARIANT_METRICS.contains(&metric.as_str()) {
            ok = false;
            let mut d = Diagnostic::error(format!("`{}` is not a SageMaker variant metric", shorten(metric)))
                .at(metric.span, "unknown metric");
            d = match did_you_mean(metric, VARIANT_METRICS.iter().copied()) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => d.help(format!(
                    "endpoint-scale creates alarms on the AWS/SageMaker metrics of a variant: {}; for any other, create the alarm yourself and list it by `name` only",
                    VARIANT_METRICS.join(", ")
                )),
            };
            self.error(d);
        }
        let variant = match &a.variant {
            Some(v) => {
                if !endpoint.variants.iter().any(|ev| ev.name.value == v.value) {
                    ok = false;
                    let names: Vec<&str> = endpoint.variants.iter().map(|ev| ev.name.as_str()).collect();
                    let mut d = Diagnostic::error(format!(
                        "alarm `{}` watches variant `{}`, which endpoint `{}` does not have",
                        shorten(&a.name),
                        shorten(v),
                        endpoint.name.as_str()
                    ))
                    .at(v.span, "no such variant");
                    d = match did_you_mean(v, names.iter().copied()) {
                        Some(best) => d.help(format!("did you mean `{best}`?")),
                        None => d.help(format!("the endpoint's variants are: {}", names.join(", "))),
                    };
                    self.error(d);
                }
                Some(v.value.clone())
            }
            None if endpoint.variants.len() == 1 => Some(endpoint.variants[0].name.value.clone()),
            None => {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "alarm `{}` needs `variant`: endpoint `{}` has {} variants",
                        shorten(&a.name),
                        endpoint.name.as_str(),
                        endpoint.variants.len()
                    ))
                    .at(a.name.span, "which variant?")
                    .help(format!(
                        "add `variant:` with one of: {}",
                        endpoint.variants.iter().map(|v| v.name.as_str()).collect::<Vec<_>>().join(", ")
                    )),
                );
                None
            }
        };
        let statistic = match &a.statistic {
            Some(s) if STATISTICS.contains(&s.as_str()) => Some(s.value.clone()),
            Some(s) => {
                ok = false;
                let mut d = Diagnostic::error(format!("`statistic` `{}` is not a CloudWatch statistic", shorten(s)))
                    .at(s.span, "unknown statistic");
                d = match did_you_mean(s, STATISTICS) {
                    Some(best) => d.help(format!("did you mean `{best}`?")),
                    None => d.help(format!("use one of: {}", STATISTICS.join(", "))),
                };
                self.error(d);
                None
            }
            None => {
                ok = false;
                self.error(
                    Diagnostic::error(format!("alarm `{}` needs `statistic`", shorten(&a.name)))
                        .at(metric.span, "no statistic")
                        .help("add `statistic:`: `Sum` for error counts (Invocation5XXErrors), `Average` or `Maximum` for latencies (ModelLatency)"),
                );
                None
            }
        };
        let comparison = match &a.comparison {
            None => Some(Comparison::Greater),
            Some(c) => match Comparison::parse(c.trim()) {
                Some(c) => Some(c),
                None => {
                    ok = false;
                    self.error(
                        Diagnostic::error(format!("`comparison` `{}` is not a comparison", shorten(c)))
                            .at(c.span, "unknown comparison")
                            .help("use `>`, `>=`, `<` or `<=` (in quotes: `comparison: \">=\"`)"),
                    );
                    None
                }
            },
        };
        let threshold = match &a.threshold {
            Some(t) => Some(t.value),
            None => {
                ok = false;
                self.error(
                    Diagnostic::error(format!("alarm `{}` needs `threshold`", shorten(&a.name)))
                        .at(metric.span, "no threshold")
                        .help("add `threshold:`, the value the statistic is compared with, in the metric's unit (ModelLatency is in microseconds)"),
                );
                None
            }
        };
        let evaluation_periods = a.evaluation_periods.as_ref().map_or(1, |e| e.value);
        let period = self.alarm_period(a, metric, evaluation_periods);
        if !ok {
            return None;
        }
        Some(RollbackAlarm::Owned(OwnedAlarm {
            name: a.name.value.clone(),
            metric: metric.value.clone(),
            variant: variant?,
            statistic: statistic?,
            comparison: comparison?,
            threshold: threshold?,
            evaluation_periods,
            period_seconds: period?,
        }))
    }

    /// CloudWatch alarm names: 1 to 255 characters, no ASCII control characters (PutMetricAlarm),
    /// not only white space (SageMaker `AlarmName` pattern `(?!\s*$).+`).
    fn alarm_name(&mut self, name: &Pos<String>) -> bool {
        let problem = if name.trim().is_empty() {
            Some("is empty".to_string())
        } else if name.chars().count() > MAX_ALARM_NAME_LEN {
            Some(format!("is {} characters long, more than {MAX_ALARM_NAME_LEN}", name.chars().count()))
        } else if name.chars().any(|c| c.is_ascii_control()) {
            Some("contains a control character".to_string())
        } else {
            None
        };
        let Some(problem) = problem else { return true };
        self.error(
            Diagnostic::error(format!("alarm name `{}` {problem}", shorten(name)))
                .at(name.span, "invalid alarm name")
                .help("CloudWatch alarm names are 1 to 255 characters without control characters, for example `product-recommender-5xx`"),
        );
        false
    }

    /// `Period`: 10, 20, 30 or a multiple of 60 seconds; with `EvaluationPeriods` at most 7 days,
    /// or 1 day for periods under an hour (PutMetricAlarm).
    fn alarm_period(&mut self, a: &spec::RollbackAlarm, metric: &Pos<String>, evaluation_periods: u32) -> Option<u32> {
        let (secs, span) = match &a.period {
            None => (60, None),
            Some(p) => (self.rollout_duration("period", p)?, Some(p.span)),
        };
        let span_or = span.unwrap_or(metric.span);
        if !(matches!(secs, 10 | 20 | 30) || (secs > 0 && secs % 60 == 0)) {
            self.error(
                Diagnostic::error(format!(
                    "`period` is {}; CloudWatch takes 10s, 20s, 30s or a multiple of 1m",
                    format_duration(secs)
                ))
                .at(span_or, "invalid period")
                .help(format!(
                    "use `period: {}` (PutMetricAlarm `Period`)",
                    if secs < 60 { "30s".to_string() } else { format!("{}m", secs.div_ceil(60)) }
                )),
            );
            return None;
        }
        let total = secs.saturating_mul(u64::from(evaluation_periods));
        let limit = if secs < 3600 { 86_400 } else { 604_800 };
        if total > limit {
            self.error(
                Diagnostic::error(format!(
                    "alarm `{}` evaluates {} ({evaluation_periods} x {}), more than CloudWatch's {}",
                    shorten(&a.name),
                    format_duration(total),
                    format_duration(secs),
                    if limit == 86_400 { "1 day for periods under an hour" } else { "7 days" }
                ))
                .at(a.evaluation_periods.as_ref().map_or(span_or, |e| e.span), "evaluation too long")
                .help("lower `evaluation_periods` or `period` (PutMetricAlarm: Period x EvaluationPeriods)"),
            );
            return None;
        }
        if secs < 60
            && !HIGH_RESOLUTION_METRICS.contains(&metric.as_str())
            && VARIANT_METRICS.contains(&metric.as_str())
        {
            self.out.push(
                Diagnostic::warning(format!("`period` is {} but `{}` is published once a minute", format_duration(secs), metric.as_str()))
                    .at(span_or, "shorter than the metric's resolution")
                    .help("CloudWatch then still evaluates the metric once a minute (PutMetricAlarm `Period`); use `period: 1m`"),
            );
        }
        Some(secs as u32)
    }
}

/// Owned alarm names are account-wide: two endpoints (or one endpoint's owned alarm and another
/// endpoint's team alarm) may not use the same name. Called once for the whole spec.
pub(super) fn alarm_collisions(v: &mut Validator, endpoints: &[spec::Endpoint]) {
    let mut first: HashMap<&str, (&str, SourceSpan, bool)> = HashMap::new();
    for e in endpoints {
        let Some(r) = &e.rollout else { continue };
        let mut this_endpoint: Vec<&str> = Vec::new();
        for a in &r.rollback_alarms {
            if this_endpoint.contains(&a.name.as_str()) {
                continue; // a duplicate within the endpoint is reported by `rollback_alarms`
            }
            this_endpoint.push(a.name.as_str());
            let owned = a.metric.is_some();
            match first.get(a.name.as_str()) {
                Some(&(other, span, other_owned)) if owned || other_owned => {
                    v.error(
                        Diagnostic::error(format!(
                            "alarm `{}` of endpoint `{}` is also an alarm of endpoint `{other}`",
                            shorten(&a.name),
                            e.name.as_str()
                        ))
                        .at(a.name.span, "same alarm name")
                        .help(format!(
                            "CloudWatch alarm names are unique in the account and region, and endpoint-scale creates alarms with `metric` for one endpoint only (first on line {}); rename one of them, for example this one `{}-{}`",
                            span.line,
                            e.name.as_str(),
                            a.metric.as_ref().map(|m| m.as_str()).unwrap_or("alarm").to_lowercase()
                        )),
                    );
                }
                Some(_) => {}
                None => {
                    first.insert(a.name.as_str(), (e.name.as_str(), a.name.span, owned));
                }
            }
        }
    }
}

/// Traffic steps (linear) or batches (rolling) for `count` instances.
fn steps(size: Capacity, count: u32) -> u64 {
    let per = u64::from(size.instances_of(count).max(1));
    u64::from(count.max(1)).div_ceil(per)
}

fn source(key: &str) -> &'static str {
    match key {
        "canary_size" => {
            "AWS: CanarySize must be at most 50% of the variant's instance count (API TrafficRoutingConfig)"
        }
        "linear_step" => {
            "AWS: LinearStepSize must be 10-50% of the variant's instance count (API TrafficRoutingConfig)"
        }
        _ => "AWS: MaximumBatchSize must be 5-50% of the variant's instance count (API RollingUpdatePolicy)",
    }
}

fn api_name(key: &str) -> &'static str {
    match key {
        "bake" => "WaitIntervalInSeconds",
        _ => "TerminationWaitInSeconds",
    }
}

/// `a`, `a` and `b`, `a`, `b` and `c`, each in backquotes.
fn list(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} and {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::diagnostics;

    /// A valid spec with endpoint `e` (one variant `v` of `count` instances) and `rollout`
    /// lines (indented 6 spaces).
    fn with_rollout(count: u32, rollout: &str) -> String {
        format!(
            "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {{existing: m}}\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n        initial_instance_count: {count}\n    rollout:\n{rollout}"
        )
    }

    #[test]
    fn a_canary_with_an_owned_and_a_team_alarm_is_valid() {
        let text = with_rollout(
            4,
            "      strategy: canary\n      canary_size: 1\n      bake: 10m\n      max_execution_time: 1h\n      rollback_alarms:\n        - name: team-alarm\n        - name: e-5xx\n          metric: Invocation5XXErrors\n          statistic: Sum\n          threshold: 1\n",
        );
        assert_eq!(diagnostics(&text), Vec::<String>::new());
    }

    #[test]
    fn sizes_are_checked_against_the_initial_count() {
        let text = with_rollout(
            3,
            "      strategy: canary\n      canary_size: 2\n      bake: 1m\n      rollback_alarms: [{name: a}]\n",
        );
        assert_eq!(
            diagnostics(&text),
            ["12:20 `canary_size` of 2 instances is more than 50% of variant `v`'s 3 instances"]
        );
        let text = with_rollout(
            20,
            "      strategy: linear\n      linear_step: 1\n      bake: 1m\n      rollback_alarms: [{name: a}]\n",
        );
        assert_eq!(
            diagnostics(&text),
            ["12:20 `linear_step` of 1 instance is less than 10% of variant `v`'s 20 instances"]
        );
        let text = with_rollout(
            20,
            "      strategy: rolling\n      batch_size: 4%\n      bake: 1m\n      rollback_alarms: [{name: a}]\n",
        );
        assert_eq!(
            diagnostics(&text),
            ["12:19 `batch_size` is 4%; SageMaker takes 5% to 50% of the variant's instances"]
        );
    }

    #[test]
    fn linear_waits_count_every_step() {
        // 25% steps: four bakes of 5m = 20m, plus 1m termination wait: a 20m limit is too short.
        let text = with_rollout(
            4,
            "      strategy: linear\n      linear_step: 25%\n      bake: 5m\n      termination_wait: 1m\n      max_execution_time: 20m\n      rollback_alarms: [{name: a}]\n",
        );
        assert_eq!(
            diagnostics(&text),
            ["15:27 `max_execution_time` (20m) is not longer than the rollout's waits (4 steps x bake + termination_wait = 21m)"]
        );
    }
}
