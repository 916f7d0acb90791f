//! `import`: writes a spec for endpoints that exist (made by hand or by another tool) so a team
//! can adopt them. An endpoint that is not yet owned gets `adopt: true`, so the plan of the spec
//! tags it as owned and moves its invocations policy to endpoint-scale's policy name (`import
//! --adopt` shows and applies that plan at once); after that, `plan` shows no changes.
//!
//! The written spec references the endpoints' models as `existing:` (endpoint-scale never
//! changes or deletes those) and keeps live counts, weights, bounds, targets and schedules, and
//! the endpoint config's settings (data capture, KMS key, each variant's volume size and
//! timeouts). It is built as the spec's own types and written by `spec::write`, so its quoting is
//! the spec module's, and it reads back to what was imported.
//!
//! Import is lossless or it fails: a config setting no spec can express (a serverless variant,
//! AsyncInferenceConfig, shadow variants, ...; see `Unsupported`) makes it refuse the endpoint
//! by name, because the next config endpoint-scale created from the written spec would silently
//! drop that setting. Models need no such check: they are written as `existing:`, kept as they are.

use std::fmt;

use crate::live::{LiveEndpoint, LiveState, Ownership};
use crate::model::{ScalingMetric, Tags};
use crate::resources::{ConfigResource, PolicyResource, TargetResource, Unsupported, POLICY_NAME, TAG_PREFIX};
use crate::spec::write::Document;
use crate::spec::{
    self, AutoScaling, MetricSpec, ModelSpec, Pos, ScheduledAction, Spec, TagMap, Target, TargetSpec, SPEC_VERSION,
};

/// An endpoint whose config uses settings a spec cannot express: importing it would drop them.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportError {
    pub endpoint: String,
    pub config: String,
    pub settings: Vec<Unsupported>,
}

impl std::error::Error for ImportError {}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let items: Vec<String> = self.settings.iter().map(|u| refusal(&self.config, u)).collect();
        match items.as_slice() {
            [one] => write!(f, "endpoint {} cannot be imported: {one}", self.endpoint),
            _ => {
                write!(f, "endpoint {} cannot be imported:", self.endpoint)?;
                items.iter().try_for_each(|item| write!(f, "\n  - {item}"))
            }
        }
    }
}

/// "<where> uses <setting>: <why>", for one unsupported setting.
fn refusal(config: &str, u: &Unsupported) -> String {
    const REAL_TIME: &str = "endpoint-scale manages instance-based real-time endpoints";
    let place = match &u.variant {
        Some(v) => format!("variant {v}"),
        None => format!("endpoint config {config}"),
    };
    let why = match u.setting.as_str() {
        "InferenceComponents" => {
            return format!(
                "variant {} has no ModelName: it serves inference components, which endpoint-scale does not manage",
                u.variant.as_deref().unwrap_or_default()
            )
        }
        "ServerlessConfig" => format!("serverless variants are not supported; {REAL_TIME}"),
        "AsyncInferenceConfig" => format!("asynchronous endpoints are not supported; {REAL_TIME}"),
        "ShadowProductionVariants" => "shadow variants are not supported".to_string(),
        "ExplainerConfig" => "online explainability is not supported".to_string(),
        "ExecutionRoleArn" | "VpcConfig" | "EnableNetworkIsolation" => {
            "endpoint configs for inference components are not supported".to_string()
        }
        "ManagedInstanceScaling" => {
            "managed instance scaling is not supported; endpoint-scale scales variants with Application Auto Scaling"
                .to_string()
        }
        "AcceleratorType" => "Elastic Inference accelerators are not supported".to_string(),
        _ => "the spec cannot express it yet, and a written spec would drop it".to_string(),
    };
    format!("{place} uses {}: {why}", u.setting)
}

/// Refuses an endpoint whose config a spec cannot describe without loss.
fn check_lossless(name: &str, config: Option<&ConfigResource>) -> Result<(), ImportError> {
    match config {
        Some(c) if !c.unsupported.is_empty() => {
            Err(ImportError { endpoint: name.to_string(), config: c.name.clone(), settings: c.unsupported.clone() })
        }
        _ => Ok(()),
    }
}

fn policy_of<'a>(policies: &'a [PolicyResource], endpoint: &str, variant: &str) -> Option<&'a PolicyResource> {
    let mine = policies.iter().filter(|p| p.endpoint == endpoint && p.variant == variant);
    // Prefer endpoint-scale's own policy when a variant has both.
    let list: Vec<&PolicyResource> = mine.collect();
    list.iter().find(|p| p.policy_name == POLICY_NAME).or(list.first()).copied()
}

fn user_tags(tags: &Tags) -> TagMap {
    tags.iter()
        .filter(|(k, _)| !k.starts_with(TAG_PREFIX) && !k.starts_with("aws:"))
        .map(|(k, v)| (Pos::new(k.clone()), Pos::new(v.clone())))
        .collect()
}

const HEADER: &str =
    "`adopt: true` brings an endpoint that is not yet managed under this project: the plan of this spec
shows what that changes (ownership tags, the invocations policy's name) and its apply does it.";

/// Where a variant without an invocations policy gets a placeholder target, and says so.
const NO_POLICY: &str = "No invocations target tracking policy was found: set a target.";

/// The spec text for `endpoints`, or the first endpoint that cannot be written without loss.
pub fn spec_text(
    project: &str,
    endpoints: &[String],
    live: &LiveState,
    policies: &[PolicyResource],
) -> Result<String, ImportError> {
    for e in endpoints.iter().filter_map(|name| live.endpoints.get(name)) {
        check_lossless(&e.desc.name, e.config.as_ref())?;
    }
    let mut unset_targets = Vec::new();
    let mut spec = Spec {
        version: Pos::new(SPEC_VERSION),
        vars: Default::default(),
        project: Pos::new(project.to_string()),
        region: None,
        tags: TagMap::new(),
        disable_rules: Vec::new(),
        endpoints: Vec::new(),
    };
    for e in endpoints.iter().filter_map(|name| live.endpoints.get(name)) {
        let (endpoint, unset) = endpoint(e, policies);
        let index = spec.endpoints.len();
        unset_targets.extend(unset.into_iter().map(|v| format!("/endpoints/{index}/variants/{v}/autoscaling/target")));
        spec.endpoints.push(endpoint);
    }
    let header =
        format!("Written by `endpoint-scale import` from the live endpoints {}.\n{HEADER}", endpoints.join(", "));
    let mut doc = Document::spec(&spec).header(&header);
    for pointer in &unset_targets {
        doc = doc.comment(pointer, NO_POLICY);
    }
    Ok(doc.to_string())
}

/// The endpoint as a spec endpoint, and the indexes of its variants whose target is a
/// placeholder (no invocations policy was found).
fn endpoint(e: &LiveEndpoint, policies: &[PolicyResource]) -> (spec::Endpoint, Vec<usize>) {
    let name = &e.desc.name;
    let mut unset = Vec::new();
    let mut variants = Vec::new();
    for v in e.config.iter().flat_map(|c| &c.variants) {
        let (count, weight) = e.desc.variant(&v.name).unwrap_or((None, None));
        let target = e.targets.iter().find(|t| t.variant == v.name);
        let count = count.unwrap_or(v.initial_instance_count);
        let count = target.map_or(count, |t| count.clamp(t.min_capacity.max(1), t.max_capacity.max(1)));
        let autoscaling = target.map(|t| {
            let policy = policy_of(policies, name, &v.name);
            if policy.is_none() {
                unset.push(variants.len());
            }
            autoscaling(e, &v.name, t, policy)
        });
        let seconds = |s: Option<u32>| s.map(|s| Pos::new(s.to_string()));
        variants.push(spec::Variant {
            name: Pos::new(v.name.clone()),
            instance_type: Pos::new(v.instance_type.clone()),
            initial_instance_count: Some(Pos::new(count)),
            initial_weight: Some(Pos::new(weight.unwrap_or(v.initial_weight))),
            volume_size_in_gb: v.volume_size_in_gb.map(Pos::new),
            model_data_download_timeout: seconds(v.model_data_download_timeout),
            container_startup_health_check_timeout: seconds(v.container_startup_health_check_timeout),
            model: Some(ModelSpec { existing: Some(Pos::new(v.model_name.clone())), ..ModelSpec::default() }),
            max_rps_per_instance: None,
            autoscaling,
        });
    }
    // An endpoint that is not yet owned is adopted by the plan of this spec (and by `--adopt`).
    let adopt = (e.ownership != Ownership::Ours).then(|| Pos::new(true));
    let config = e.config.as_ref();
    let endpoint = spec::Endpoint {
        name: Pos::new(name.clone()),
        tags: user_tags(&e.tags),
        adopt,
        model: None,
        kms_key_id: config.and_then(|c| c.kms_key_id.clone()).map(Pos::new),
        data_capture: config.and_then(|c| c.data_capture.as_ref()).map(data_capture),
        variants,
        // DescribeEndpoint shows only the last rollout's settings, not the team's intent.
        rollout: None,
    };
    (endpoint, unset)
}

fn data_capture(d: &crate::model::DataCapture) -> spec::DataCapture {
    let list = |items: &[String]| items.iter().cloned().map(Pos::new).collect();
    spec::DataCapture {
        // Enabled is the default: written only when capture is off.
        enable_capture: (!d.enable_capture).then(|| Pos::new(false)),
        initial_sampling_percentage: Pos::new(d.initial_sampling_percentage),
        destination_s3_uri: Pos::new(d.destination_s3_uri.clone()),
        kms_key_id: d.kms_key_id.clone().map(Pos::new),
        capture_options: list(&d.capture_options),
        csv_content_types: list(&d.csv_content_types),
        json_content_types: list(&d.json_content_types),
    }
}

/// The spec's `metric` for a policy's metric; none for the default.
fn spec_metric(metric: &ScalingMetric) -> Option<MetricSpec> {
    match metric {
        ScalingMetric::InvocationsPerInstance => None,
        ScalingMetric::ConcurrentRequestsPerModel => Some(MetricSpec::Named("concurrent_requests_per_model".into())),
        ScalingMetric::Customized(c) => Some(MetricSpec::Customized(spec::CustomizedMetric {
            namespace: Pos::new(c.namespace.clone()),
            metric_name: Pos::new(c.metric_name.clone()),
            dimensions: c
                .dimensions
                .iter()
                .map(|d| spec::MetricDimension { name: Pos::new(d.name.clone()), value: Pos::new(d.value.clone()) })
                .collect(),
            statistic: Pos::new(c.statistic.clone()),
            unit: c.unit.clone().map(Pos::new),
        })),
    }
}

fn autoscaling(e: &LiveEndpoint, variant: &str, t: &TargetResource, policy: Option<&PolicyResource>) -> AutoScaling {
    let target = |value: f64| Target { invocations_per_instance: Some(Pos::new(value)), ..Target::default() };
    let schedules = e
        .schedules
        .iter()
        .filter(|s| s.variant == variant)
        .map(|s| ScheduledAction {
            name: Pos::new(s.name.clone()),
            schedule: Pos::new(s.schedule.clone()),
            timezone: s.timezone.clone().map(Pos::new),
            start_time: s.start_time.clone().map(Pos::new),
            end_time: s.end_time.clone().map(Pos::new),
            min: s.min_capacity.map(Pos::new),
            max: s.max_capacity.map(Pos::new),
        })
        .collect();
    AutoScaling {
        min: Pos::new(t.min_capacity),
        max: Pos::new(t.max_capacity),
        metric: policy.and_then(|p| spec_metric(&p.metric)).map(Pos::new),
        // Without a policy the target is a placeholder the header comment asks to replace.
        target: Some(Pos::new(match policy {
            Some(p) if !p.metric.is_default() => TargetSpec::Value(p.target_value),
            _ => TargetSpec::Derived(target(policy.map_or(0.0, |p| p.target_value))),
        })),
        scale_in_cooldown: policy.map(|p| Pos::new(p.scale_in_cooldown.to_string())),
        scale_out_cooldown: policy.map(|p| Pos::new(p.scale_out_cooldown.to_string())),
        disable_scale_in: policy.filter(|p| p.disable_scale_in).map(|_| Pos::new(true)),
        schedules,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Source;
    use crate::live::EndpointDescView;
    use crate::resources::{ConfigResource, ConfigVariant, ScheduledActionResource};

    fn live_endpoint(name: &str, tags: &[(&str, &str)], variants: &[&str]) -> LiveEndpoint {
        LiveEndpoint {
            desc: EndpointDescView {
                name: name.into(),
                arn: format!("arn:aws:sagemaker:us-east-1:123456789012:endpoint/{name}"),
                status: "InService".into(),
                config_name: format!("{name}-config"),
                failure_reason: None,
                variants: variants.iter().map(|v| (v.to_string(), Some(2), Some(1.0))).collect(),
                last_deployment: None,
            },
            tags: tags.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ownership: Ownership::Unmanaged,
            config: Some(ConfigResource {
                name: format!("{name}-config"),
                endpoint: name.into(),
                variants: variants
                    .iter()
                    .map(|v| ConfigVariant {
                        name: v.to_string(),
                        model_name: "hand-model".into(),
                        instance_type: "ml.c5.large".into(),
                        initial_instance_count: 1,
                        initial_weight: 1.0,
                        volume_size_in_gb: None,
                        model_data_download_timeout: None,
                        container_startup_health_check_timeout: None,
                    })
                    .collect(),
                tags: Tags::new(),
                kms_key_id: None,
                data_capture: None,
                unsupported: Vec::new(),
            }),
            models: Vec::new(),
            targets: Vec::new(),
            policies: Vec::new(),
            foreign_policies: Vec::new(),
            other_policies: Vec::new(),
            tagged: Default::default(),
            schedules: Vec::new(),
        }
    }

    fn target(endpoint: &str, variant: &str) -> TargetResource {
        TargetResource {
            endpoint: endpoint.into(),
            variant: variant.into(),
            min_capacity: 1,
            max_capacity: 4,
            tags: Tags::new(),
        }
    }

    /// The endpoint of the emulator test `import_adopts_a_hand_made_endpoint...`, read offline.
    fn legacy() -> (LiveState, Vec<PolicyResource>) {
        let mut e =
            live_endpoint("legacy", &[("team", "search"), ("aws:cloudformation:stack-name", "x")], &["primary"]);
        e.targets.push(target("legacy", "primary"));
        e.schedules.push(ScheduledActionResource {
            endpoint: "legacy".into(),
            variant: "primary".into(),
            name: "morning".into(),
            schedule: "cron(0 8 ? * MON-FRI *)".into(),
            timezone: Some("Europe/Berlin".into()),
            start_time: None,
            end_time: None,
            min_capacity: Some(2),
            max_capacity: None,
        });
        let policy = PolicyResource {
            endpoint: "legacy".into(),
            variant: "primary".into(),
            policy_name: "HandMadePolicy".into(),
            metric: Default::default(),
            target_value: 750.0,
            scale_in_cooldown: 600,
            scale_out_cooldown: 60,
            disable_scale_in: false,
        };
        let live = LiveState {
            endpoints: [("legacy".to_string(), e)].into(),
            strays: Default::default(),
            unused: Default::default(),
            foreign: Default::default(),
            ..Default::default()
        };
        (live, vec![policy])
    }

    /// Parses the written text, writes the parsed spec again and parses that: the same values.
    fn assert_reads_back(text: &str) -> crate::spec::Spec {
        let parse = |t: &str| crate::spec::parse(&Source::new("i.yaml", t)).unwrap_or_else(|d| panic!("{d:?}\n{t}"));
        let first = parse(text);
        let second = parse(&Document::spec(&first).to_string());
        assert_eq!(format!("{first:?}"), format!("{second:?}"));
        first
    }

    #[test]
    fn writes_the_expected_spec_for_a_hand_made_endpoint() {
        let (live, policies) = legacy();
        let text = spec_text("search", &["legacy".into()], &live, &policies).unwrap();
        let expected =
            std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/expected/import.legacy.yaml")).unwrap();
        assert_eq!(text, expected);
        let spec = assert_reads_back(&text);
        let validated = crate::validate::validate(&spec);
        assert_eq!(validated.errors(), 0, "{:?}", validated.diagnostics);
        let scaling = validated.desired.unwrap().endpoints[0].variants[0].scaling.clone().unwrap();
        assert_eq!(
            (scaling.target_value, scaling.scale_in_cooldown_secs, scaling.scale_out_cooldown_secs),
            (750.0, 600, 60)
        );
    }

    #[test]
    fn settings_a_spec_cannot_express_refuse_the_import_by_name() {
        let (mut live, policies) = legacy();
        let config = live.endpoints.get_mut("legacy").unwrap().config.as_mut().unwrap();
        config.unsupported = vec![
            Unsupported { setting: "ExplainerConfig".into(), variant: None },
            Unsupported { setting: "InferenceComponents".into(), variant: Some("primary".into()) },
            Unsupported { setting: "RoutingConfig".into(), variant: Some("primary".into()) },
        ];
        let err = spec_text("search", &["legacy".into()], &live, &policies).unwrap_err();
        assert_eq!(
            err.to_string(),
            "endpoint legacy cannot be imported:
  - endpoint config legacy-config uses ExplainerConfig: online explainability is not supported
  - variant primary has no ModelName: it serves inference components, which endpoint-scale does not manage
  - variant primary uses RoutingConfig: the spec cannot express it yet, and a written spec would drop it"
        );
    }

    #[test]
    fn awkward_live_values_are_quoted_and_a_missing_policy_is_marked() {
        let mut e = live_endpoint("odd", &[("year", "2024"), ("on-call", "yes"), ("note", "a: b # c")], &["a", "b"]);
        e.targets.push(target("odd", "b"));
        e.schedules.push(ScheduledActionResource {
            endpoint: "odd".into(),
            variant: "b".into(),
            name: "once".into(),
            schedule: "at(2026-12-01T08:00:00)".into(),
            timezone: None,
            start_time: Some("2026-11-01T00:00:00Z".into()),
            end_time: None,
            min_capacity: None,
            max_capacity: Some(3),
        });
        let live = LiveState {
            endpoints: [("odd".to_string(), e)].into(),
            strays: Default::default(),
            unused: Default::default(),
            foreign: Default::default(),
            ..Default::default()
        };
        let text = spec_text("p", &["odd".into()], &live, &[]).unwrap();
        assert!(
            text.contains("    tags:\n      note: \"a: b # c\"\n      on-call: \"yes\"\n      year: \"2024\"\n"),
            "{text}"
        );
        assert!(
            text.contains(&format!(
                "          # {NO_POLICY}\n          target:\n            invocations_per_instance: 0\n"
            )),
            "{text}"
        );
        let spec = assert_reads_back(&text);
        assert_eq!(
            spec.endpoints[0].tags.values().map(|v| v.as_str()).collect::<Vec<_>>(),
            ["a: b # c", "yes", "2024"]
        );
        let schedule = &spec.endpoints[0].variants[1].autoscaling.as_ref().unwrap().schedules[0];
        assert_eq!(schedule.start_time.as_deref().map(String::as_str), Some("2026-11-01T00:00:00Z"));
    }
}
