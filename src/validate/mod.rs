//! Spec -> model: every rule about what the values mean, each failure a diagnostic with its
//! position, all of them collected in one pass.
//!
//! Rules come from the SageMaker and Application Auto Scaling API (name patterns, limits, the
//! hosting instance type enum) and from the SageMaker developer guide (burstable variants cannot
//! be auto scaled: "Configure model auto scaling with the console"). Where the tool assumes rather than knows, the message says so. A rule that AWS may
//! lift one day can be switched off by name in `disable_rules`.
//!
//! One [`Validator`] walks the spec top-down and collects diagnostics; its rules live in one file
//! per family, in the order the walk meets them: `names` (project, region, SageMaker names),
//! `tags`, `variants` (endpoints' variant lists, instance types, weights), `models` (existing
//! or inline, environment), `hosting` (settings passed through to SageMaker: data capture, KMS
//! keys, volume, timeouts, VPC, network isolation, container mode), `scaling` (capacity, target,
//! cooldowns, the burstable rule), `schedules` and `rollout` (DeploymentConfig and its rollback
//! alarms). This file holds the entry point, the spec-level rules and shared helpers.

use std::collections::HashMap;

use crate::diagnostic::{did_you_mean, Diagnostic, SourceSpan};
use crate::model::Desired;
use crate::spec::{Pos, Spec, SPEC_VERSION};

mod hosting;
mod metric;
mod models;
mod names;
mod rollout;
mod scaling;
mod schedules;
mod tags;
mod variants;

pub use names::NAME_SUFFIX_LEN;
pub use scaling::{format_duration, parse_duration};

/// The rules a spec may switch off in `disable_rules`, with what each one checks.
pub const RULES: &[(&str, &str)] = &[(
    "burstable-autoscaling",
    "auto scaling is refused on burstable ml.t2 variants, because AWS refuses to register them as scalable targets",
)];

/// The outcome of validation: the model when there is no error, and every diagnostic.
pub struct Validated {
    pub desired: Option<Desired>,
    pub diagnostics: Vec<Diagnostic>,
}

impl Validated {
    pub fn errors(&self) -> usize {
        self.diagnostics.iter().filter(|d| d.is_error()).count()
    }

    pub fn warnings(&self) -> usize {
        self.diagnostics.len() - self.errors()
    }
}

pub fn validate(spec: &Spec) -> Validated {
    let mut v = Validator { out: Vec::new(), disabled: Vec::new() };
    let desired = v.spec(spec);
    let desired = if v.out.iter().any(Diagnostic::is_error) { None } else { desired };
    let mut diagnostics = v.out;
    diagnostics.sort_by_key(|d| (d.span.line, d.span.column));
    Validated { desired, diagnostics }
}

/// Collects diagnostics (errors and warnings alike) while the rules build the model.
struct Validator {
    out: Vec<Diagnostic>,
    disabled: Vec<&'static str>,
}

impl Validator {
    fn error(&mut self, d: Diagnostic) {
        self.out.push(d);
    }

    fn rule_on(&self, rule: &str) -> bool {
        !self.disabled.contains(&rule)
    }

    fn spec(&mut self, spec: &Spec) -> Option<Desired> {
        if *spec.version != SPEC_VERSION {
            self.error(
                Diagnostic::error(format!("unsupported spec version {}", *spec.version))
                    .at(spec.version.span, "unsupported version")
                    .help(format!("this build of endpoint-scale reads `version: {SPEC_VERSION}`")),
            );
        }
        self.project(&spec.project);
        if let Some(region) = &spec.region {
            self.region(region);
        }
        self.disable_rules(&spec.disable_rules);
        let global_tags = self.tags(&spec.tags);
        if spec.endpoints.is_empty() {
            self.error(
                Diagnostic::error("the spec has no endpoints")
                    .at(spec.project.span, "in this spec")
                    .help("add an endpoint under `endpoints:`; see examples/recommender.yaml"),
            );
        }
        let mut seen: HashMap<&str, SourceSpan> = HashMap::new();
        let mut endpoints = Vec::new();
        for endpoint in &spec.endpoints {
            if let Some(first) = seen.insert(endpoint.name.as_str(), endpoint.name.span) {
                self.error(
                    Diagnostic::error(format!("endpoint `{}` is defined twice", endpoint.name.as_str()))
                        .at(endpoint.name.span, "defined again here")
                        .help(format!("the first definition is on line {}; endpoint names must be unique", first.line)),
                );
            }
            let tags = self.endpoint_tags(&global_tags, endpoint);
            if let Some(model) = self.endpoint(endpoint, tags) {
                endpoints.push(model);
            }
        }
        rollout::alarm_collisions(self, &spec.endpoints);
        Some(Desired {
            project: spec.project.value.clone(),
            region: spec.region.as_ref().map(|r| r.value.clone()),
            endpoints,
        })
    }

    /// Records the rules the spec switches off; an unknown name is an error, with the known ones.
    fn disable_rules(&mut self, rules: &[Pos<String>]) {
        for rule in rules {
            match RULES.iter().find(|(name, _)| *name == rule.as_str()) {
                Some((name, _)) => self.disabled.push(name),
                None => {
                    let names = RULES.iter().map(|(n, _)| *n);
                    let mut d = Diagnostic::error(format!("unknown rule `{}` in `disable_rules`", rule.as_str()))
                        .at(rule.span, "unknown rule");
                    d = match did_you_mean(rule, names.clone()) {
                        Some(best) => d.help(format!("did you mean `{best}`?")),
                        None => {
                            d.help(format!("rules that can be switched off: {}", names.collect::<Vec<_>>().join(", ")))
                        }
                    };
                    self.error(d);
                }
            }
        }
    }

    pub(super) fn positive(&mut self, key: &str, value: &Pos<f64>) -> Option<f64> {
        if value.value > 0.0 && value.value.is_finite() {
            Some(value.value)
        } else {
            self.error(
                Diagnostic::error(format!("`{key}` must be greater than 0, found {}", value.value))
                    .at(value.span, "not positive"),
            );
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Source;

    /// Validates spec text that parses; every diagnostic as "line:column message".
    pub(super) fn diagnostics(text: &str) -> Vec<String> {
        let spec = crate::spec::parse(&Source::new("s.yaml", text)).unwrap_or_else(|d| panic!("{d:?}"));
        validate(&spec).diagnostics.iter().map(|d| format!("{}:{} {}", d.span.line, d.span.column, d.message)).collect()
    }

    /// A valid spec with one endpoint `e` and one variant `v`; `variant` adds lines to the
    /// variant (indented 8 spaces).
    pub(super) fn with_variant(variant: &str) -> String {
        format!(
            "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {{existing: m}}\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n{variant}"
        )
    }

    #[test]
    fn a_minimal_spec_is_valid() {
        assert_eq!(diagnostics(&with_variant("")), Vec::<String>::new());
    }

    #[test]
    fn unknown_rules_and_versions_are_errors() {
        let text = with_variant("").replace("version: 1\n", "version: 2\ndisable_rules: [burstable-autoscalin]\n");
        assert_eq!(
            diagnostics(&text),
            ["1:10 unsupported spec version 2", "2:17 unknown rule `burstable-autoscalin` in `disable_rules`"]
        );
    }

    #[test]
    fn endpoints_are_unique() {
        let text = with_variant("")
            + "  - name: e\n    model: {existing: m}\n    variants: [{name: v, instance_type: ml.c5.large}]\n";
        assert_eq!(diagnostics(&text), ["9:11 endpoint `e` is defined twice"]);
    }
}
