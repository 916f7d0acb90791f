//! Auto scaling: capacity bounds against the initial count, cooldowns, and the rule that
//! burstable variants cannot be scaled. The metric and its target are checked in `metric`.

use std::collections::HashMap;

use crate::diagnostic::{shorten, Diagnostic, SourceSpan};
use crate::model::scaling_target;
#[cfg(test)]
use crate::model::DEFAULT_SAFETY_FACTOR;
use crate::model::{CapacityRange, Scaling, DEFAULT_COOLDOWN_SECS};
use crate::spec::{self, Pos};

use super::Validator;

/// Cooldowns above this draw a warning. AWS documents no maximum; this is our assumption that a
/// longer cooldown is far more often a unit mistake than an intent.
const COOLDOWN_WARN_SECS: u64 = 3600;

impl Validator {
    pub(super) fn burstable_autoscaling(&mut self, variant: &spec::Variant) {
        let t = &variant.instance_type;
        self.error(
            Diagnostic::error(format!(
                "variant `{}` cannot be auto scaled on burstable instance type `{}`",
                variant.name.as_str(),
                t.as_str()
            ))
            .at(t.span, "burstable instance type")
            .help(
                "AWS refuses to register variants on burstable ml.t2 instances as scalable targets, \
                     because burstable instances already allow for increased capacity under increased workloads \
                     (SageMaker developer guide, \"Configure model auto scaling with the console\")",
            )
            .help(
                "either keep `autoscaling` and choose a non-burstable type (for example ml.c5.large or ml.m5.large), \
                     or remove `autoscaling` and size a fixed ml.t2 variant for the peak; \
                     the simulator (`simulate` with `--compare`) compares the cost and overload of the two",
            )
            .help(
                "if AWS lifts this restriction, add `burstable-autoscaling` to `disable_rules` to switch the check off",
            ),
        );
    }

    pub(super) fn autoscaling(
        &mut self,
        a: &spec::AutoScaling,
        count: u32,
        count_span: Option<SourceSpan>,
        variant_rps: Option<(f64, SourceSpan)>,
    ) -> Option<Scaling> {
        let mut ok = true;
        if *a.min > *a.max {
            ok = false;
            self.error(
                Diagnostic::error(format!("autoscaling `min` ({}) is greater than `max` ({})", *a.min, *a.max))
                    .at(a.min.span, "min above max")
                    .help(format!("raise `max` to at least {} or lower `min`", *a.min)),
            );
        }
        let capacity = CapacityRange::new(*a.min, *a.max);
        if let Some(range) = capacity {
            if range.clamp(count) != count {
                let span = count_span.unwrap_or(a.min.span);
                self.out.push(
                    Diagnostic::warning(format!(
                        "`initial_instance_count` {count} is outside autoscaling's range [{}, {}]",
                        range.min(),
                        range.max()
                    ))
                    .at(span, "outside [min, max]")
                    .help(format!(
                        "the endpoint starts with {count} and auto scaling then moves it to {}; set `initial_instance_count` within the range",
                        range.clamp(count)
                    )),
                );
            }
        }
        let metric = self.metric(a.metric.as_ref());
        let target = metric.as_ref().and_then(|m| self.target(a, m, variant_rps));
        let scale_in = self.cooldown("scale_in_cooldown", a.scale_in_cooldown.as_ref());
        let scale_out = self.cooldown("scale_out_cooldown", a.scale_out_cooldown.as_ref());
        let mut schedules = Vec::new();
        let mut seen: HashMap<&str, SourceSpan> = HashMap::new();
        for s in &a.schedules {
            if let Some(first) = seen.insert(s.name.as_str(), s.name.span) {
                ok = false;
                self.error(
                    Diagnostic::error(format!("schedule `{}` is defined twice in this variant", s.name.as_str()))
                        .at(s.name.span, "defined again here")
                        .help(format!(
                            "the first definition is on line {}; schedule names must be unique within a variant",
                            first.line
                        )),
                );
            }
            match self.schedule(s, capacity) {
                Some(m) => schedules.push(m),
                None => ok = false,
            }
        }
        if ok {
            self.timeline(&a.schedules, &schedules);
        }
        let (capacity, metric, target, scale_in, scale_out) = (capacity?, metric?, target?, scale_in?, scale_out?);
        ok.then_some(Scaling {
            capacity,
            metric,
            target_value: target,
            scale_in_cooldown_secs: scale_in,
            scale_out_cooldown_secs: scale_out,
            disable_scale_in: a.disable_scale_in.as_ref().is_some_and(|d| d.value),
            schedules,
        })
    }

    pub(super) fn cooldown(&mut self, key: &str, value: Option<&Pos<String>>) -> Option<u32> {
        let Some(value) = value else { return Some(DEFAULT_COOLDOWN_SECS) };
        let Some(secs) = parse_duration(value) else {
            self.error(
                Diagnostic::error(format!("`{key}` `{}` is not a duration", shorten(value)))
                    .at(value.span, "not a duration")
                    .help("write whole seconds (`300`) or numbers with units s, m, h (`90s`, `5m`, `1h30m`)"),
            );
            return None;
        };
        if secs > i32::MAX as u64 {
            self.error(
                Diagnostic::error(format!("`{key}` is {secs} seconds, more than the API accepts ({})", i32::MAX))
                    .at(value.span, "too long"),
            );
            return None;
        }
        if secs > COOLDOWN_WARN_SECS {
            self.out.push(
                Diagnostic::warning(format!("`{key}` is {secs} seconds, over an hour"))
                    .at(value.span, "long cooldown")
                    .help(
                        "AWS documents no maximum, but cooldowns are usually minutes; check the unit (`5m`, not `5h`)",
                    ),
            );
        }
        Some(secs as u32)
    }
}

/// The largest `TargetValue` Application Auto Scaling accepts: "Values must be in the range of
/// -2^360 to 2^360" (API reference, TargetTrackingScalingPolicyConfiguration).
pub const MAX_TARGET_VALUE: f64 = 2.348_542_582_773_833_2e108;

/// A number for messages: plain up to 10^15, in exponent form beyond (so `1e302` is not 303
/// digits long).
pub(super) fn number(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// The smallest `max_rps_per_instance` whose target at `factor` does not round to 0, rounded up
/// to 3 significant digits and written out in decimals (as a spec would carry it).
pub(super) fn smallest_rps(factor: f64) -> String {
    // round(rps x factor x 60 x 10^6) >= 1 needs rps >= 0.5 / (factor x 60 x 10^6).
    let exact = 0.5 / (factor * 60.0 * 1e6);
    let decimals = (2 - exact.log10().floor() as i32).max(0) as usize;
    let scale = 10f64.powi(decimals as i32);
    let mut shown = (exact * scale).ceil() / scale;
    // Guard against the float product landing just under a half.
    if scaling_target(shown, factor) == 0.0 {
        shown += 1.0 / scale;
    }
    format!("{shown:.decimals$}")
}

/// Whole seconds (`300`) or numbers with units s, m, h in descending order (`1h30m`, `90s`).
pub fn parse_duration(text: &str) -> Option<u64> {
    let text = text.trim();
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().ok();
    }
    let mut total: u64 = 0;
    let mut number = String::new();
    let mut last_rank = 3;
    for c in text.chars() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let (rank, factor) = match c {
            'h' => (2, 3600),
            'm' => (1, 60),
            's' => (0, 1),
            _ => return None,
        };
        if number.is_empty() || rank >= last_rank {
            return None;
        }
        last_rank = rank;
        total = total.checked_add(number.parse::<u64>().ok()?.checked_mul(factor)?)?;
        number.clear();
    }
    (number.is_empty() && !text.is_empty()).then_some(total)
}

/// Seconds as the spec writes them, the inverse of [`parse_duration`]: `0s`, `90s` as `1m30s`,
/// `5m`, `1h30m`, `8h`. Every view of a duration (validation messages, the rollout timeline,
/// a recommended cooldown) writes it this way.
pub fn format_duration(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, secs % 3600 / 60, secs % 60);
    let mut out = String::new();
    if h > 0 {
        out.push_str(&format!("{h}h"));
    }
    if m > 0 {
        out.push_str(&format!("{m}m"));
    }
    if s > 0 || out.is_empty() {
        out.push_str(&format!("{s}s"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::tests::{diagnostics, with_variant};
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("300"), Some(300));
        assert_eq!(parse_duration("5m"), Some(300));
        assert_eq!(parse_duration("1h30m"), Some(5400));
        assert_eq!(parse_duration("90s"), Some(90));
        assert_eq!(parse_duration("5 min"), None);
        assert_eq!(parse_duration("m"), None);
        assert_eq!(parse_duration("30m1h"), None);
        assert_eq!(parse_duration(""), None);
        assert_eq!(parse_duration("99999999999999999999999h"), None);
    }

    #[test]
    fn durations_are_written_as_the_spec_writes_them() {
        for (secs, text) in [
            (0, "0s"),
            (61, "1m1s"),
            (90, "1m30s"),
            (300, "5m"),
            (3600, "1h"),
            (3900, "1h5m"),
            (5400, "1h30m"),
            (28_800, "8h"),
        ] {
            assert_eq!(format_duration(secs), text);
            assert_eq!(parse_duration(text), Some(secs));
        }
    }

    fn scaling(lines: &str) -> Scaling {
        let text = with_variant(lines);
        let spec = crate::spec::parse(&crate::diagnostic::Source::new("s.yaml", &text)).unwrap();
        let desired = crate::validate::validate(&spec).desired.expect("valid");
        desired.endpoints[0].variants[0].scaling.clone().expect("scaled")
    }

    #[test]
    fn the_target_is_derived_from_the_load_test_with_the_shared_formula() {
        let s = scaling(
            "        max_rps_per_instance: 7\n        autoscaling: {min: 1, max: 2, target: {safety_factor: 0.8}}\n",
        );
        assert_eq!(s.target_value, 336.0);
        assert_eq!(s.target_value, scaling_target(7.0, 0.8));
        let s = scaling("        max_rps_per_instance: 40\n        autoscaling: {min: 1, max: 2}\n");
        assert_eq!(s.target_value, scaling_target(40.0, DEFAULT_SAFETY_FACTOR));
        assert_eq!(
            (s.scale_in_cooldown_secs, s.scale_out_cooldown_secs),
            (DEFAULT_COOLDOWN_SECS, DEFAULT_COOLDOWN_SECS)
        );
    }

    #[test]
    fn a_target_that_rounds_to_0_is_refused_with_the_smallest_figure_that_works() {
        let text = with_variant("        max_rps_per_instance: 0.000000001\n        autoscaling: {min: 1, max: 2}\n");
        assert_eq!(
            diagnostics(&text),
            ["9:31 the target rounds to 0 invocations per instance per minute (max_rps_per_instance 0.000000001 x safety_factor 0.5 x 60, to 6 decimals)"]
        );
        let text = with_variant(
            "        autoscaling: {min: 1, max: 2, target: {max_rps_per_instance: 0.000000009, safety_factor: 0.9}}\n",
        );
        assert_eq!(
            diagnostics(&text),
            ["9:70 the target rounds to 0 invocations per instance per minute (max_rps_per_instance 0.000000009 x safety_factor 0.9 x 60, to 6 decimals)"]
        );
        assert_eq!(smallest_rps(0.5), "0.0000000167");
        assert_eq!(smallest_rps(0.9), "0.00000000926");
        assert_eq!(smallest_rps(1.0), "0.00000000834");
        for factor in [0.5, 0.9, 1.0, 0.3, 0.123] {
            let rps: f64 = smallest_rps(factor).parse().unwrap();
            assert!(scaling_target(rps, factor) > 0.0, "{factor}");
        }
        // At the smallest figure the spec is valid.
        scaling("        max_rps_per_instance: 0.0000000167\n        autoscaling: {min: 1, max: 2}\n");
    }

    #[test]
    fn a_target_beyond_the_api_range_is_refused_at_the_figure_it_comes_from() {
        assert_eq!(MAX_TARGET_VALUE, 2f64.powi(360));
        // 1e302 x 0.5 x 60 x 10^6 overflows to infinity inside the formula.
        assert_eq!(scaling_target(1e302, 0.5), f64::INFINITY);
        let text = with_variant("        max_rps_per_instance: 1e302\n        autoscaling: {min: 1, max: 2}\n");
        assert_eq!(
            diagnostics(&text),
            ["9:31 the target max_rps_per_instance 1e302 x safety_factor 0.5 x 60 is above the largest target Application Auto Scaling accepts (2^360, about 2.3e108)"]
        );
        // Finite but above 2^360: 1e107 x 0.9 x 60 = 5.4e108.
        let text = with_variant(
            "        autoscaling: {min: 1, max: 2, target: {max_rps_per_instance: 1e107, safety_factor: 0.9}}\n",
        );
        assert_eq!(
            diagnostics(&text),
            ["9:70 the target max_rps_per_instance 1e107 x safety_factor 0.9 x 60 is above the largest target Application Auto Scaling accepts (2^360, about 2.3e108)"]
        );
        let text = with_variant("        autoscaling: {min: 1, max: 2, target: {invocations_per_instance: 1e200}}\n");
        assert_eq!(
            diagnostics(&text),
            ["9:74 `invocations_per_instance` 1e200 is above the largest target Application Auto Scaling accepts (2^360, about 2.3e108)"]
        );
        // Within the range, a large figure is still a target.
        assert_eq!(
            scaling("        max_rps_per_instance: 1e100\n        autoscaling: {min: 1, max: 2}\n").target_value,
            3e101
        );
    }

    #[test]
    fn long_cooldowns_warn() {
        let text = with_variant(
            "        autoscaling: {min: 1, max: 2, target: {invocations_per_instance: 100}, scale_in_cooldown: 2h}\n",
        );
        assert_eq!(diagnostics(&text), ["9:99 `scale_in_cooldown` is 7200 seconds, over an hour"]);
    }

    #[test]
    fn burstable_variants_are_not_scaled_unless_the_rule_is_off() {
        let lines = "        autoscaling: {min: 1, max: 2, target: {invocations_per_instance: 100}}\n";
        let text = with_variant(lines).replace("ml.c5.large", "ml.t2.medium");
        assert_eq!(
            diagnostics(&text),
            ["8:24 variant `v` cannot be auto scaled on burstable instance type `ml.t2.medium`"]
        );
        let off = text.replace("version: 1\n", "version: 1\ndisable_rules: [burstable-autoscaling]\n");
        assert_eq!(diagnostics(&off), Vec::<String>::new());
    }
}
