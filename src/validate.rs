//! Spec -> model: every rule about what the values mean, each failure a diagnostic with its
//! position, all of them collected in one pass.
//!
//! Rules come from the SageMaker and Application Auto Scaling API (name patterns, limits, the
//! hosting instance type enum) and from shared/aws-facts.md (burstable variants cannot be auto
//! scaled). Where the tool assumes rather than knows, the message says so. A rule that AWS may
//! lift one day can be switched off by name in `disable_rules`.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::aws::hosting_instance_types;
use crate::diagnostic::{did_you_mean, shorten, Diagnostic, SourceSpan};
use crate::model::{
    scaling_target, CapacityRange, Desired, EndpointModel, EnvValue, InlineModel, InstanceType, ModelRef, Scaling,
    ScheduleModel, Tags, VariantModel, DEFAULT_COOLDOWN_SECS, DEFAULT_SAFETY_FACTOR,
};
use crate::schedule::{parse_timezone, Schedule};
use crate::spec::{self, Pos, Spec, SPEC_VERSION};

/// Length of the suffix the tool appends to an endpoint name to name its configs and models:
/// a hyphen and eight hex digits of a content hash.
pub const NAME_SUFFIX_LEN: usize = 9;
/// SageMaker's limit for endpoint, endpoint config, model and variant names.
const MAX_NAME_LEN: usize = 63;
/// Cooldowns above this draw a warning. AWS documents no maximum; this is our assumption that a
/// longer cooldown is far more often a unit mistake than an intent.
const COOLDOWN_WARN_SECS: u64 = 3600;

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
        for rule in &spec.disable_rules {
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
            let mut tags = global_tags.clone();
            tags.extend(self.tags(&endpoint.tags));
            if tags.len() + crate::resources::OWNERSHIP_TAG_COUNT > 50 {
                self.error(
                    Diagnostic::error(format!(
                        "endpoint `{}` has {} tags; with the tool's {} ownership tags that is over AWS's limit of 50",
                        endpoint.name.as_str(),
                        tags.len(),
                        crate::resources::OWNERSHIP_TAG_COUNT
                    ))
                    .at(endpoint.name.span, "too many tags"),
                );
            }
            if let Some(model) = self.endpoint(endpoint, tags) {
                endpoints.push(model);
            }
        }
        Some(Desired {
            project: spec.project.value.clone(),
            region: spec.region.as_ref().map(|r| r.value.clone()),
            endpoints,
        })
    }

    fn project(&mut self, project: &Pos<String>) {
        let ok = !project.is_empty()
            && project.len() <= 128
            && project.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
        if !ok {
            self.error(
                Diagnostic::error(format!("project name `{}` is not valid", shorten(project)))
                    .at(project.span, "invalid project name")
                    .help("use 1 to 128 ASCII letters, digits, `-`, `_` or `.`; it becomes the value of the `endpoint-scale:project` tag"),
            );
        }
    }

    fn region(&mut self, region: &Pos<String>) {
        let parts: Vec<&str> = region.split('-').collect();
        let ok = parts.len() >= 3
            && parts[0].len() == 2
            && parts.iter().all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit()))
            && parts.last().is_some_and(|p| p.chars().all(|c| c.is_ascii_digit()));
        if !ok {
            self.error(
                Diagnostic::error(format!("`{}` is not an AWS region name", shorten(region)))
                    .at(region.span, "not a region")
                    .help("write a region code such as `us-east-1` or `eu-west-1`"),
            );
        }
    }

    fn tags(&mut self, tags: &spec::TagMap) -> Tags {
        let mut out = Tags::new();
        for (key, value) in tags {
            let valid_chars = |s: &str| s.chars().all(|c| c.is_alphanumeric() || c == ' ' || "_.:/=+-@".contains(c));
            if key.is_empty() || key.chars().count() > 128 || !valid_chars(key) {
                self.error(
                    Diagnostic::error(format!("tag key `{}` is not valid", shorten(key)))
                        .at(key.span, "invalid tag key")
                        .help("tag keys are 1 to 128 letters, digits, spaces or `_ . : / = + - @`"),
                );
            } else if key.to_ascii_lowercase().starts_with("aws:") {
                self.error(
                    Diagnostic::error(format!("tag key `{}` uses the reserved prefix `aws:`", key.as_str()))
                        .at(key.span, "reserved prefix")
                        .help("AWS reserves `aws:` for its own tags; choose another key"),
                );
            } else if key.to_ascii_lowercase().starts_with(crate::resources::TAG_PREFIX) {
                self.error(
                    Diagnostic::error(format!(
                        "tag key `{}` uses the reserved prefix `{}`",
                        key.as_str(),
                        crate::resources::TAG_PREFIX
                    ))
                    .at(key.span, "reserved prefix")
                    .help("endpoint-scale sets these ownership tags itself; choose another key"),
                );
            }
            if value.chars().count() > 256 || !valid_chars(value) {
                self.error(
                    Diagnostic::error(format!("tag value `{}` is not valid", shorten(value)))
                        .at(value.span, "invalid tag value")
                        .help("tag values are at most 256 letters, digits, spaces or `_ . : / = + - @`"),
                );
            }
            out.insert(key.value.clone(), value.value.clone());
        }
        out
    }

    fn sagemaker_name(&mut self, what: &str, name: &Pos<String>, max_len: usize) -> bool {
        // SageMaker's pattern: [a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}
        let valid = !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            && !name.starts_with('-')
            && !name.ends_with('-');
        if !valid {
            self.error(
                Diagnostic::error(format!("{what} name `{}` is not a valid SageMaker name", shorten(name)))
                    .at(name.span, "invalid name")
                    .help("use ASCII letters, digits and hyphens, starting and ending with a letter or digit"),
            );
            return false;
        }
        let len = name.chars().count();
        if len > max_len {
            let mut d = Diagnostic::error(format!("{what} name `{}` is {len} characters long", shorten(name)))
                .at(name.span, "too long");
            d = if max_len < MAX_NAME_LEN {
                d.help(format!(
                    "endpoint-scale names this endpoint's configs and models `<endpoint>-<8-character hash>`, which SageMaker caps at {MAX_NAME_LEN} characters; shorten the name to {max_len} characters or fewer"
                ))
            } else {
                d.help(format!("SageMaker allows at most {MAX_NAME_LEN} characters"))
            };
            self.error(d);
            return false;
        }
        true
    }

    fn endpoint(&mut self, endpoint: &spec::Endpoint, tags: Tags) -> Option<EndpointModel> {
        self.sagemaker_name("endpoint", &endpoint.name, MAX_NAME_LEN - NAME_SUFFIX_LEN);
        let endpoint_model = endpoint.model.as_ref().and_then(|m| self.model(m, endpoint.name.span));
        if endpoint.variants.is_empty() {
            self.error(
                Diagnostic::error(format!("endpoint `{}` has no variants", endpoint.name.as_str()))
                    .at(endpoint.name.span, "no variants")
                    .help("add at least one entry under `variants:`"),
            );
        }
        if endpoint.variants.len() > 10 {
            self.error(
                Diagnostic::error(format!(
                    "endpoint `{}` has {} variants; SageMaker allows at most 10",
                    endpoint.name.as_str(),
                    endpoint.variants.len()
                ))
                .at(endpoint.name.span, "too many variants"),
            );
        }
        let mut seen: HashMap<&str, SourceSpan> = HashMap::new();
        let mut variants = Vec::new();
        for variant in &endpoint.variants {
            if let Some(first) = seen.insert(variant.name.as_str(), variant.name.span) {
                self.error(
                    Diagnostic::error(format!(
                        "variant `{}` is defined twice in endpoint `{}`",
                        variant.name.as_str(),
                        endpoint.name.as_str()
                    ))
                    .at(variant.name.span, "defined again here")
                    .help(format!(
                        "the first definition is on line {}; variant names must be unique within an endpoint",
                        first.line
                    )),
                );
            }
            if let Some(v) = self.variant(variant, endpoint_model.as_ref(), endpoint.model.is_some()) {
                variants.push(v);
            }
        }
        let total_weight: f64 = variants.iter().map(|v| v.initial_weight).sum();
        if !variants.is_empty() && variants.len() == endpoint.variants.len() && total_weight <= 0.0 {
            self.error(
                Diagnostic::error(format!("the variant weights of endpoint `{}` add up to 0", endpoint.name.as_str()))
                    .at(endpoint.name.span, "no traffic would reach any variant")
                    .help("give at least one variant a positive `initial_weight`"),
            );
        }
        Some(EndpointModel { name: endpoint.name.value.clone(), tags, variants })
    }

    fn model(&mut self, model: &spec::ModelSpec, owner: SourceSpan) -> Option<ModelRef> {
        let inline_keys: Vec<(&str, SourceSpan)> = [
            ("image", model.image.as_ref().map(|p| p.span)),
            ("model_data_url", model.model_data_url.as_ref().map(|p| p.span)),
            ("execution_role_arn", model.execution_role_arn.as_ref().map(|p| p.span)),
        ]
        .into_iter()
        .filter_map(|(k, s)| s.map(|s| (k, s)))
        .chain(model.environment.keys().next().map(|k| ("environment", k.span)))
        .chain(model.secret_environment.keys().next().map(|k| ("secret_environment", k.span)))
        .collect();
        if let Some(existing) = &model.existing {
            if let Some((key, span)) = inline_keys.first() {
                self.error(
                    Diagnostic::error(format!("a model is either `existing` or defined inline, but this one also sets `{key}`"))
                        .at(*span, "inline model field")
                        .help("remove `existing` to have endpoint-scale create the model, or remove the inline fields to use the existing model"),
                );
                return None;
            }
            let name = existing.clone();
            return self.sagemaker_name("model", &name, MAX_NAME_LEN).then_some(ModelRef::Existing(name.value));
        }
        let Some(image) = &model.image else {
            let span = inline_keys.first().map_or(owner, |(_, s)| *s);
            self.error(
                Diagnostic::error(
                    "a model needs either `existing` (a model that exists) or `image` (one endpoint-scale creates)",
                )
                .at(span, "model without `existing` or `image`")
                .help("add `existing: <model name>` or `image: <ECR image URI>`"),
            );
            return None;
        };
        let mut ok = true;
        if image.is_empty() || image.chars().any(char::is_whitespace) || image.len() > 255 {
            ok = false;
            self.error(
                Diagnostic::error(format!("`{}` is not a container image URI", shorten(image)))
                    .at(image.span, "invalid image")
                    .help("write an image URI such as `123456789012.dkr.ecr.us-east-1.amazonaws.com/repo:tag`"),
            );
        }
        if let Some(url) = &model.model_data_url {
            let ok_url =
                (url.starts_with("s3://") || url.starts_with("https://")) && url.len() <= 1024 && url.len() > 8;
            if !ok_url {
                ok = false;
                self.error(
                    Diagnostic::error(format!("`{}` is not an S3 or HTTPS URL", shorten(url)))
                        .at(url.span, "invalid model data URL")
                        .help("write the S3 URL of the model artifacts, for example `s3://bucket/path/model.tar.gz`"),
                );
            }
        }
        let role = match &model.execution_role_arn {
            Some(role) if is_role_arn(role) => Some(role.value.clone()),
            Some(role) => {
                self.error(
                    Diagnostic::error(format!("`{}` is not an IAM role ARN", shorten(role)))
                        .at(role.span, "invalid role ARN")
                        .help("write `arn:aws:iam::<12-digit account id>:role/<role name>`"),
                );
                None
            }
            None => {
                self.error(
                    Diagnostic::error("an inline model needs `execution_role_arn`")
                        .at(image.span, "model defined here")
                        .help("add `execution_role_arn: arn:aws:iam::<account>:role/<role>`, the role SageMaker assumes to pull the image and artifacts"),
                );
                None
            }
        };
        let mut environment = BTreeMap::new();
        let entries =
            model.environment.iter().map(|e| (e, false)).chain(model.secret_environment.iter().map(|e| (e, true)));
        for ((key, value), explicit_secret) in entries {
            let key_ok = key.chars().next().is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
                && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                && key.len() <= 1024;
            if !key_ok {
                ok = false;
                self.error(
                    Diagnostic::error(format!("environment variable name `{}` is not valid", shorten(key)))
                        .at(key.span, "invalid name")
                        .help("use ASCII letters, digits and `_`, not starting with a digit"),
                );
            }
            if value.len() > 1024 {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "the value of `{}` is {} bytes; SageMaker allows 1024",
                        key.as_str(),
                        value.len()
                    ))
                    .at(value.span, "too long"),
                );
            }
            let secret = explicit_secret || looks_secret(key);
            if environment.insert(key.value.clone(), EnvValue { value: value.value.clone(), secret }).is_some() {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "environment variable `{}` is set in both `environment` and `secret_environment`",
                        key.as_str()
                    ))
                    .at(key.span, "set again here")
                    .help("keep it in one of the two maps"),
                );
            }
        }
        if environment.len() > 100 {
            ok = false;
            self.error(
                Diagnostic::error(format!(
                    "the model sets {} environment variables; SageMaker allows 100",
                    environment.len()
                ))
                .at(image.span, "in this model"),
            );
        }
        let role = role?;
        ok.then(|| {
            ModelRef::Inline(InlineModel {
                image: image.value.clone(),
                model_data_url: model.model_data_url.as_ref().map(|u| u.value.clone()),
                execution_role_arn: role,
                environment,
            })
        })
    }

    fn variant(
        &mut self,
        variant: &spec::Variant,
        endpoint_model: Option<&ModelRef>,
        endpoint_has_model: bool,
    ) -> Option<VariantModel> {
        let name_ok = self.sagemaker_name("variant", &variant.name, MAX_NAME_LEN);
        let instance_type = self.instance_type(&variant.instance_type);
        let model = match &variant.model {
            Some(m) => self.model(m, variant.name.span),
            None if endpoint_has_model => endpoint_model.cloned(),
            None => {
                self.error(
                    Diagnostic::error(format!("variant `{}` has no model", variant.name.as_str()))
                        .at(variant.name.span, "no model for this variant")
                        .help("add `model:` to the variant or to its endpoint"),
                );
                None
            }
        };
        let count = variant.initial_instance_count.as_ref().map_or(1, |c| c.value);
        let weight = variant.initial_weight.as_ref().map_or(1.0, |w| w.value);
        if let Some(w) = &variant.initial_weight {
            if !(w.value >= 0.0 && w.value.is_finite()) {
                self.error(
                    Diagnostic::error(format!("`initial_weight` must be 0 or more, found {}", w.value))
                        .at(w.span, "negative weight")
                        .help("weights are relative shares of traffic: 1 for an only variant, 0 to send it none"),
                );
            }
        }
        let max_rps = variant.max_rps_per_instance.as_ref().and_then(|r| self.positive("max_rps_per_instance", r));
        let scaling = match &variant.autoscaling {
            Some(a) => {
                if let Some(t) = &instance_type {
                    if t.is_burstable() && self.rule_on("burstable-autoscaling") {
                        self.burstable_autoscaling(variant);
                    }
                }
                self.autoscaling(a, count, variant.initial_instance_count.as_ref().map(|c| c.span), max_rps)
            }
            None => None,
        };
        let scaling_ok = variant.autoscaling.is_none() || scaling.is_some();
        let valid = name_ok && scaling_ok && weight >= 0.0;
        match (instance_type, model) {
            (Some(instance_type), Some(model)) if valid => Some(VariantModel {
                name: variant.name.value.clone(),
                instance_type,
                initial_instance_count: count,
                initial_weight: weight,
                model,
                max_rps_per_instance: max_rps,
                scaling,
            }),
            _ => None,
        }
    }

    fn instance_type(&mut self, t: &Pos<String>) -> Option<InstanceType> {
        let known = hosting_instance_types();
        if known.contains(&t.as_str()) {
            return Some(InstanceType::new_checked(t));
        }
        let mut d = Diagnostic::error(format!("`{}` is not a SageMaker hosting instance type", shorten(t)))
            .at(t.span, "not a hosting instance type");
        let bare = t.strip_prefix("ml.").unwrap_or(t);
        if let Some(size) = bare.strip_prefix("t3.").or_else(|| bare.strip_prefix("t3a.")) {
            d = d.help(
                "ml.t3 instances exist for notebooks, training and processing, not for real-time endpoints; \
                 the burstable family for hosting is ml.t2 (ml.t2.medium, ml.t2.large, ml.t2.xlarge, ml.t2.2xlarge)",
            );
            let t2 = format!("ml.t2.{size}");
            if known.contains(&t2.as_str()) {
                d = d.help(format!("did you mean `{t2}`?"));
            }
        } else if !t.starts_with("ml.") && known.contains(&format!("ml.{}", t.as_str()).as_str()) {
            d = d.help(format!("SageMaker instance types start with `ml.`: did you mean `ml.{}`?", t.as_str()));
        } else {
            d = match did_you_mean(t, known.iter().copied()) {
                Some(best) => d.help(format!("did you mean `{best}`?")),
                None => {
                    d.help("see the ProductionVariantInstanceType list in the SageMaker API reference for valid types")
                }
            };
        }
        self.error(d);
        None
    }

    fn burstable_autoscaling(&mut self, variant: &spec::Variant) {
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
                     `endpoint-scale simulate` compares the cost and overload of the two",
            )
            .help(
                "if AWS lifts this restriction, add `burstable-autoscaling` to `disable_rules` to switch the check off",
            ),
        );
    }

    fn positive(&mut self, key: &str, value: &Pos<f64>) -> Option<f64> {
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

    fn autoscaling(
        &mut self,
        a: &spec::AutoScaling,
        count: u32,
        count_span: Option<SourceSpan>,
        variant_rps: Option<f64>,
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
        let target = self.target(a, variant_rps);
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
        let (capacity, target, scale_in, scale_out) = (capacity?, target?, scale_in?, scale_out?);
        ok.then_some(Scaling {
            capacity,
            target_value: target,
            scale_in_cooldown_secs: scale_in,
            scale_out_cooldown_secs: scale_out,
            disable_scale_in: a.disable_scale_in.as_ref().is_some_and(|d| d.value),
            schedules,
        })
    }

    fn target(&mut self, a: &spec::AutoScaling, variant_rps: Option<f64>) -> Option<f64> {
        let t = a.target.as_ref();
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
            return self.positive("invocations_per_instance", direct);
        }
        let rps = match target_rps {
            Some(r) => self.positive("max_rps_per_instance", r)?,
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
        let factor = match safety {
            Some(s) if s.value > 0.0 && s.value <= 1.0 => s.value,
            Some(s) => {
                self.error(
                    Diagnostic::error(format!(
                        "`safety_factor` must be greater than 0 and at most 1, found {}",
                        s.value
                    ))
                    .at(s.span, "outside (0, 1]")
                    .help("it is the share of the load-tested maximum to aim for; AWS suggests starting at 0.5"),
                );
                return None;
            }
            None => DEFAULT_SAFETY_FACTOR,
        };
        Some(scaling_target(rps, factor))
    }

    fn cooldown(&mut self, key: &str, value: Option<&Pos<String>>) -> Option<u32> {
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

    fn schedule(&mut self, s: &spec::ScheduledAction, capacity: Option<CapacityRange>) -> Option<ScheduleModel> {
        let mut ok = true;
        let name_ok = !s.name.is_empty()
            && s.name.chars().count() <= 256
            && !s.name.starts_with(' ')
            && !s.name.ends_with(' ')
            && !s.name.chars().any(|c| c.is_control() || matches!(c, ':' | '/' | '|'));
        if !name_ok {
            ok = false;
            self.error(
                Diagnostic::error(format!("schedule name `{}` is not valid", shorten(&s.name)))
                    .at(s.name.span, "invalid name")
                    .help(
                        "use 1 to 256 characters without `:`, `/`, `|`, control characters or leading/trailing spaces",
                    ),
            );
        }
        let schedule = match s.schedule.trim().parse::<Schedule>() {
            Ok(parsed) => Some(parsed),
            Err(err) => {
                let mut d = Diagnostic::error(format!("invalid schedule `{}`: {}", shorten(&s.schedule), err.message))
                    .at(s.schedule.span, "invalid schedule");
                if let Some(help) = err.help {
                    d = d.help(help);
                }
                self.error(d);
                None
            }
        };
        let tz = match &s.timezone {
            None => Some(chrono_tz::Tz::UTC),
            Some(name) => match parse_timezone(name) {
                Ok(tz) => Some(tz),
                Err(err) => {
                    let mut d = Diagnostic::error(err.message).at(name.span, "unknown time zone");
                    d = d.help(err.help.unwrap_or_else(|| {
                        "use an IANA time zone name such as `America/New_York` or `Europe/Berlin`".into()
                    }));
                    self.error(d);
                    None
                }
            },
        };
        let start = s.start_time.as_ref().map(|t| self.timestamp("start_time", t));
        let end = s.end_time.as_ref().map(|t| self.timestamp("end_time", t));
        if let (Some(Some(a)), Some(Some(b)), Some(end_pos)) = (start, end, &s.end_time) {
            if b <= a {
                ok = false;
                self.error(
                    Diagnostic::error("`end_time` is not after `start_time`")
                        .at(end_pos.span, "ends before it starts")
                        .help("swap the two, or move `end_time` later"),
                );
            }
        }
        let min = s.min.as_ref();
        let max = s.max.as_ref();
        if min.is_none() && max.is_none() {
            ok = false;
            self.error(
                Diagnostic::error(format!("schedule `{}` sets neither `min` nor `max`", s.name.as_str()))
                    .at(s.name.span, "does nothing")
                    .help("a scheduled action replaces min and/or max when it fires; set at least one"),
            );
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo.value > hi.value {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "schedule `{}` sets `min` ({}) above `max` ({})",
                        s.name.as_str(),
                        lo.value,
                        hi.value
                    ))
                    .at(lo.span, "min above max")
                    .help("lower `min` or raise `max`"),
                );
            }
        }
        if let Some(range) = capacity {
            // Only one bound set: the other stays whatever it is when the action fires. Against
            // the policy's own bounds, a conflict means AWS would be asked for min > max.
            match (min, max) {
                (Some(lo), None) if lo.value > range.max() => self.out.push(
                    Diagnostic::warning(format!(
                        "schedule `{}` raises `min` to {} but leaves `max` at the policy's {}",
                        s.name.as_str(),
                        lo.value,
                        range.max()
                    ))
                    .at(lo.span, "above the policy's max")
                    .help(format!(
                        "also set `max: {}` (or more) in this schedule, or raise the policy's `max`",
                        lo.value
                    )),
                ),
                (None, Some(hi)) if hi.value < range.min() => self.out.push(
                    Diagnostic::warning(format!(
                        "schedule `{}` lowers `max` to {} but leaves `min` at the policy's {}",
                        s.name.as_str(),
                        hi.value,
                        range.min()
                    ))
                    .at(hi.span, "below the policy's min")
                    .help(format!(
                        "also set `min: {}` (or less) in this schedule, or lower the policy's `min`",
                        hi.value
                    )),
                ),
                _ => {}
            }
        }
        let (schedule, tz) = (schedule?, tz?);
        let start = start.flatten();
        let end = end.flatten();
        if s.start_time.is_some() && start.is_none() || s.end_time.is_some() && end.is_none() {
            return None;
        }
        ok.then(|| ScheduleModel {
            name: s.name.value.clone(),
            schedule,
            timezone: s.timezone.as_ref().map(|t| t.value.clone()),
            tz,
            start_time: start,
            end_time: end,
            min: min.map(|m| m.value),
            max: max.map(|m| m.value),
        })
    }

    fn timestamp(&mut self, key: &str, value: &Pos<String>) -> Option<DateTime<Utc>> {
        match DateTime::parse_from_rfc3339(value) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.error(
                    Diagnostic::error(format!("`{key}` `{}` is not an RFC 3339 timestamp", shorten(value)))
                        .at(value.span, "invalid timestamp")
                        .help("write a timestamp with its offset, for example `2026-12-01T00:00:00Z`"),
                );
                None
            }
        }
    }
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

fn is_role_arn(arn: &str) -> bool {
    // RoleArn pattern from the SageMaker API model: arn:aws[a-z\-]*:iam::\d{12}:role/?[a-zA-Z_0-9+=,.@\-_/]+
    let Some(rest) = arn.strip_prefix("arn:aws") else { return false };
    let Some((partition, rest)) = rest.split_once(":iam::") else { return false };
    if !partition.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
        return false;
    }
    let Some((account, role)) = rest.split_once(":role") else { return false };
    let role = role.strip_prefix('/').unwrap_or(role);
    account.len() == 12
        && account.bytes().all(|b| b.is_ascii_digit())
        && !role.is_empty()
        && role.chars().all(|c| c.is_ascii_alphanumeric() || "+=,.@-_/".contains(c))
        && arn.len() <= 2048
}

/// Environment variable names that usually hold credentials. Masking is display-only, so a
/// false positive costs nothing.
pub fn looks_secret(key: &str) -> bool {
    const MARKERS: &[&str] =
        &["SECRET", "PASSWORD", "PASSWD", "TOKEN", "API_KEY", "APIKEY", "PRIVATE_KEY", "CREDENTIAL", "ACCESS_KEY"];
    let upper = key.to_ascii_uppercase();
    MARKERS.iter().any(|m| upper.contains(m))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::is_burstable;

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
    fn role_arns() {
        assert!(is_role_arn("arn:aws:iam::123456789012:role/SageMakerRole"));
        assert!(is_role_arn("arn:aws-cn:iam::123456789012:role/path/Role"));
        assert!(!is_role_arn("arn:aws:iam::1234:role/R"));
        assert!(!is_role_arn("arn:aws:iam::123456789012:user/R"));
    }

    #[test]
    fn secret_names() {
        assert!(looks_secret("FEATURE_STORE_TOKEN"));
        assert!(looks_secret("db_password"));
        assert!(!looks_secret("SAGEMAKER_TFS_DEFAULT_MODEL_NAME"));
    }

    #[test]
    fn burstable_family_is_ml_t2_and_in_the_sdk_enum() {
        let burstable: Vec<&str> = hosting_instance_types().iter().copied().filter(|t| is_burstable(t)).collect();
        assert_eq!(burstable, ["ml.t2.2xlarge", "ml.t2.large", "ml.t2.medium", "ml.t2.xlarge"]);
    }
}
