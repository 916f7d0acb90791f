//! The AWS resources a validated model stands for: names, attributes and ownership tags, exactly
//! as they will exist in AWS. Plan and render both start here, so they can never disagree.
//!
//! Endpoint configs are immutable in SageMaker, so each is named after its endpoint plus a short
//! hash of its content: the same spec always yields the same name, a changed config a new name,
//! and nothing is ever mutated in place. Inline models are named the same way. Instance counts and
//! weights are left out of the config hash on purpose: they are runtime properties that
//! endpoint-scale changes in place (UpdateEndpointWeightsAndCapacities) and preserves across
//! updates, so they must not force a new config.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::model::{
    Capacity, DataCapture, Desired, EndpointModel, ModelRef, OwnedAlarm, RollbackAlarm, Rollout, ScalingMetric,
    Strategy, Tags, VariantModel, Vpc,
};

/// Prefix of the tags the tool sets on what it creates; users may not set such tags.
pub const TAG_PREFIX: &str = "endpoint-scale:";
pub const TAG_MANAGED: &str = "endpoint-scale:managed";
pub const TAG_PROJECT: &str = "endpoint-scale:project";
pub const TAG_ENDPOINT: &str = "endpoint-scale:endpoint";
pub const OWNERSHIP_TAG_COUNT: usize = 3;

/// The one target tracking policy the tool puts on a scaled variant.
pub const POLICY_NAME: &str = "endpoint-scale-invocations-per-instance";
pub const SCALABLE_DIMENSION: &str = "sagemaker:variant:DesiredInstanceCount";

/// Resource kinds in the order AWS needs them created.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    Model,
    EndpointConfig,
    Endpoint,
    ScalableTarget,
    ScalingPolicy,
    ScheduledAction,
    /// A CloudWatch alarm endpoint-scale owns for a rollout.
    Alarm,
}

impl Kind {
    pub fn as_str(self) -> &'static str {
        match self {
            Kind::Model => "model",
            Kind::EndpointConfig => "endpoint_config",
            Kind::Endpoint => "endpoint",
            Kind::ScalableTarget => "scalable_target",
            Kind::ScalingPolicy => "scaling_policy",
            Kind::ScheduledAction => "scheduled_action",
            Kind::Alarm => "alarm",
        }
    }
}

/// A resource's identity: its kind and a name unique within the kind.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Address {
    pub kind: Kind,
    pub name: String,
}

impl fmt::Display for Address {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.kind.as_str(), self.name)
    }
}

/// One AWS resource with the attributes endpoint-scale manages.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Resource {
    Model(ModelResource),
    EndpointConfig(ConfigResource),
    Endpoint(EndpointResource),
    ScalableTarget(TargetResource),
    ScalingPolicy(PolicyResource),
    ScheduledAction(ScheduledActionResource),
    Alarm(AlarmResource),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ModelResource {
    pub name: String,
    #[serde(skip, default)]
    pub endpoint: String,
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub model_data_url: Option<String>,
    pub execution_role_arn: String,
    pub environment: BTreeMap<String, String>,
    /// Environment keys whose values are masked in plan output.
    #[serde(skip, default)]
    pub secret_keys: BTreeSet<String>,
    pub tags: Tags,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<Vpc>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub enable_network_isolation: bool,
    /// The container's `Mode` (`SingleModel`, `MultiModel`) when one is set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigResource {
    pub name: String,
    #[serde(skip, default)]
    pub endpoint: String,
    pub variants: Vec<ConfigVariant>,
    pub tags: Tags,
    /// `KmsKeyId`: the key that encrypts the storage volumes of the endpoint's instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_capture: Option<DataCapture>,
    /// What a config read from AWS uses that a spec cannot express (a serverless variant,
    /// AsyncInferenceConfig, ...): `import` refuses such an endpoint, and the diff sees such a
    /// config as different from any desired one. Always empty for a desired config.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unsupported: Vec<Unsupported>,
}

/// A setting of a live endpoint config that endpoint-scale cannot express.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unsupported {
    /// The API member, as the SageMaker API reference names it (`ServerlessConfig`).
    pub setting: String,
    /// The production variant that sets it, for a per-variant setting.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
}

impl ConfigResource {
    /// What makes two configs the same config: everything but the name, the tags and the
    /// runtime counts and weights (see the module doc). The diff compares configs by this, and
    /// the derived name hashes it, so the two cannot disagree.
    ///
    /// Settings a spec leaves out are left out here too (not written as null), so adding a
    /// setting to the spec format never renames the configs of specs that do not use it.
    pub fn content(&self) -> serde_json::Value {
        let variants: Vec<serde_json::Value> = self
            .variants
            .iter()
            .map(|v| {
                let mut o =
                    serde_json::json!({"name": v.name, "model_name": v.model_name, "instance_type": v.instance_type});
                let extra = [
                    ("volume_size_in_gb", v.volume_size_in_gb),
                    ("model_data_download_timeout", v.model_data_download_timeout),
                    ("container_startup_health_check_timeout", v.container_startup_health_check_timeout),
                ];
                for (key, value) in extra {
                    if let Some(value) = value {
                        o[key] = serde_json::json!(value);
                    }
                }
                o
            })
            .collect();
        let variants = serde_json::Value::Array(variants);
        if self.kms_key_id.is_none() && self.data_capture.is_none() && self.unsupported.is_empty() {
            // The form every config had before endpoint-level settings existed.
            return variants;
        }
        let mut o = serde_json::json!({"variants": variants});
        if let Some(key) = &self.kms_key_id {
            o["kms_key_id"] = serde_json::json!(key);
        }
        if let Some(capture) = &self.data_capture {
            o["data_capture"] = serde_json::json!(capture);
        }
        if !self.unsupported.is_empty() {
            o["unsupported"] = serde_json::json!(self.unsupported);
        }
        o
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConfigVariant {
    pub name: String,
    pub model_name: String,
    pub instance_type: String,
    pub initial_instance_count: u32,
    pub initial_weight: f64,
    /// `VolumeSizeInGB`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub volume_size_in_gb: Option<u32>,
    /// `ModelDataDownloadTimeoutInSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_data_download_timeout: Option<u32>,
    /// `ContainerStartupHealthCheckTimeoutInSeconds`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub container_startup_health_check_timeout: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointResource {
    pub name: String,
    pub config_name: String,
    /// Runtime weights and counts, changed in place (UpdateEndpointWeightsAndCapacities).
    pub variants: Vec<EndpointVariant>,
    pub tags: Tags,
    /// The spec's `adopt: true`: an unmanaged endpoint of this name is brought under the project.
    #[serde(skip, default)]
    pub adopt: bool,
    /// The spec's rollout: how UpdateEndpoint replaces the fleet (its DeploymentConfig). An
    /// instruction for updates, not an attribute AWS keeps on the endpoint, so it is never
    /// compared (the diff clears it on both sides).
    #[serde(skip, default)]
    pub rollout: Option<Rollout>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointVariant {
    pub name: String,
    /// The spec's count for a fixed variant; absent for an auto scaled one, whose count belongs
    /// to Application Auto Scaling and is never reset by endpoint-scale.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub instance_count: Option<u32>,
    pub weight: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TargetResource {
    pub endpoint: String,
    pub variant: String,
    pub min_capacity: u32,
    pub max_capacity: u32,
    pub tags: Tags,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PolicyResource {
    pub endpoint: String,
    pub variant: String,
    pub policy_name: String,
    /// What the policy tracks; left out of plans when it is the default (invocations).
    #[serde(default, skip_serializing_if = "ScalingMetric::is_default")]
    pub metric: ScalingMetric,
    /// In the metric's unit (invocations per instance per minute for the default metric).
    pub target_value: f64,
    pub scale_in_cooldown: u32,
    pub scale_out_cooldown: u32,
    pub disable_scale_in: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduledActionResource {
    pub endpoint: String,
    pub variant: String,
    pub name: String,
    pub schedule: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timezone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub start_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end_time: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_capacity: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_capacity: Option<u32>,
}

/// One variant's new weight and/or count for UpdateEndpointWeightsAndCapacities.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct WeightAndCapacity {
    pub variant: String,
    pub instance_count: Option<u32>,
    pub weight: Option<f64>,
}

/// Application Auto Scaling's resource id of a variant.
pub fn resource_id(endpoint: &str, variant: &str) -> String {
    format!("endpoint/{endpoint}/variant/{variant}")
}

impl Resource {
    pub fn kind(&self) -> Kind {
        match self {
            Resource::Model(_) => Kind::Model,
            Resource::EndpointConfig(_) => Kind::EndpointConfig,
            Resource::Endpoint(_) => Kind::Endpoint,
            Resource::ScalableTarget(_) => Kind::ScalableTarget,
            Resource::ScalingPolicy(_) => Kind::ScalingPolicy,
            Resource::ScheduledAction(_) => Kind::ScheduledAction,
            Resource::Alarm(_) => Kind::Alarm,
        }
    }

    pub fn address(&self) -> Address {
        let name = match self {
            Resource::Model(m) => m.name.clone(),
            Resource::EndpointConfig(c) => c.name.clone(),
            Resource::Endpoint(e) => e.name.clone(),
            Resource::ScalableTarget(t) => format!("{}/{}", t.endpoint, t.variant),
            Resource::ScalingPolicy(p) => format!("{}/{}/{}", p.endpoint, p.variant, p.policy_name),
            Resource::ScheduledAction(s) => format!("{}/{}/{}", s.endpoint, s.variant, s.name),
            Resource::Alarm(a) => a.name.clone(),
        };
        Address { kind: self.kind(), name }
    }

    /// The endpoint this resource belongs to, which groups it in plans.
    pub fn endpoint(&self) -> &str {
        match self {
            Resource::Model(m) => &m.endpoint,
            Resource::EndpointConfig(c) => &c.endpoint,
            Resource::Endpoint(e) => &e.name,
            Resource::ScalableTarget(t) => &t.endpoint,
            Resource::ScalingPolicy(p) => &p.endpoint,
            Resource::ScheduledAction(s) => &s.endpoint,
            Resource::Alarm(a) => &a.endpoint,
        }
    }

    /// The attributes as JSON, with secret environment values masked for display: those the
    /// spec marks secret, and any that look secret by name or by value (a model read from AWS
    /// carries no marks).
    /// [`Resource::display_attributes`] of both sides of an update. A policy on the default
    /// metric leaves `metric` out; when the other side has one, the default is written out so a
    /// change of metric reads `"concurrent_requests_per_model" -> "invocations_per_instance"`.
    pub fn display_pair(before: &Resource, after: &Resource) -> (serde_json::Value, serde_json::Value) {
        let (mut b, mut a) = (before.display_attributes(), after.display_attributes());
        if let (Resource::ScalingPolicy(_), Resource::ScalingPolicy(_)) = (before, after) {
            let default = serde_json::to_value(ScalingMetric::default()).unwrap_or_default();
            let (in_b, in_a) = (b.get("metric").is_some(), a.get("metric").is_some());
            for (side, other_has) in [(&mut b, in_a), (&mut a, in_b)] {
                if let (Some(map), true) = (side.as_object_mut(), other_has) {
                    map.entry("metric").or_insert_with(|| default.clone());
                }
            }
        }
        (b, a)
    }

    pub fn display_attributes(&self) -> serde_json::Value {
        let mut value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        if let (Resource::Model(m), Some(env)) = (self, value.get_mut("environment").and_then(|e| e.as_object_mut())) {
            for (key, v) in env.iter_mut() {
                let secret = m.secret_keys.contains(key) || crate::secrets::is_secret(key, v.as_str().unwrap_or(""));
                if secret {
                    *v = serde_json::Value::String(crate::secrets::MASK.to_string());
                }
            }
        }
        value
    }
}

/// The resources a desired state consists of, in creation order per endpoint.
pub fn desired(desired: &Desired) -> Vec<Resource> {
    desired.endpoints.iter().flat_map(|e| endpoint_resources(&desired.project, e)).collect()
}

fn ownership_tags(project: &str, endpoint: &EndpointModel) -> Tags {
    let mut tags = endpoint.tags.clone();
    tags.insert(TAG_MANAGED.to_string(), "true".to_string());
    tags.insert(TAG_PROJECT.to_string(), project.to_string());
    tags.insert(TAG_ENDPOINT.to_string(), endpoint.name.clone());
    tags
}

fn endpoint_resources(project: &str, endpoint: &EndpointModel) -> Vec<Resource> {
    let tags = ownership_tags(project, endpoint);
    let mut models: Vec<ModelResource> = Vec::new();
    let mut variants = Vec::new();
    for v in &endpoint.variants {
        let model_name = match &v.model {
            ModelRef::Existing(name) => name.clone(),
            ModelRef::Inline(m) => {
                let environment: BTreeMap<String, String> =
                    m.environment.iter().map(|(k, e)| (k.clone(), e.value.clone())).collect();
                let mut content = serde_json::json!({
                    "image": m.image,
                    "model_data_url": m.model_data_url,
                    "execution_role_arn": m.execution_role_arn,
                    "environment": environment,
                });
                // Added only when set, so models that do not use them keep their names.
                if let Some(vpc) = &m.vpc {
                    content["vpc"] = serde_json::json!(vpc);
                }
                if m.enable_network_isolation {
                    content["enable_network_isolation"] = serde_json::json!(true);
                }
                if let Some(mode) = &m.mode {
                    content["mode"] = serde_json::json!(mode);
                }
                let name = hashed_name(&endpoint.name, &content);
                if !models.iter().any(|existing| existing.name == name) {
                    models.push(ModelResource {
                        name: name.clone(),
                        endpoint: endpoint.name.clone(),
                        image: m.image.clone(),
                        model_data_url: m.model_data_url.clone(),
                        execution_role_arn: m.execution_role_arn.clone(),
                        environment,
                        secret_keys: m.environment.iter().filter(|(_, e)| e.secret).map(|(k, _)| k.clone()).collect(),
                        tags: tags.clone(),
                        vpc: m.vpc.clone(),
                        enable_network_isolation: m.enable_network_isolation,
                        mode: m.mode.clone(),
                    });
                }
                name
            }
        };
        variants.push(ConfigVariant {
            name: v.name.clone(),
            model_name,
            instance_type: v.instance_type.to_string(),
            initial_instance_count: v.initial_instance_count,
            initial_weight: v.initial_weight,
            volume_size_in_gb: v.volume_size_in_gb,
            model_data_download_timeout: v.model_data_download_timeout_secs,
            container_startup_health_check_timeout: v.container_startup_health_check_timeout_secs,
        });
    }
    let mut config = ConfigResource {
        name: String::new(),
        endpoint: endpoint.name.clone(),
        variants,
        tags: tags.clone(),
        kms_key_id: endpoint.kms_key_id.clone(),
        data_capture: endpoint.data_capture.clone(),
        unsupported: Vec::new(),
    };
    config.name = hashed_name(&endpoint.name, &config.content());
    let config_name = config.name.clone();

    let mut out: Vec<Resource> = models.into_iter().map(Resource::Model).collect();
    out.push(Resource::EndpointConfig(config));
    let runtime = endpoint
        .variants
        .iter()
        .map(|v| EndpointVariant {
            name: v.name.clone(),
            instance_count: v.scaling.is_none().then_some(v.initial_instance_count),
            weight: v.initial_weight,
        })
        .collect();
    out.push(Resource::Endpoint(EndpointResource {
        name: endpoint.name.clone(),
        config_name,
        variants: runtime,
        tags: tags.clone(),
        adopt: endpoint.adopt,
        rollout: endpoint.rollout.clone(),
    }));
    for v in &endpoint.variants {
        out.extend(scaling_resources(&endpoint.name, v, &tags));
    }
    out.extend(alarm_resources(project, endpoint).into_iter().map(Resource::Alarm));
    out
}

fn scaling_resources(endpoint: &str, v: &VariantModel, tags: &Tags) -> Vec<Resource> {
    let Some(s) = &v.scaling else { return Vec::new() };
    let mut out = vec![
        Resource::ScalableTarget(TargetResource {
            endpoint: endpoint.to_string(),
            variant: v.name.clone(),
            min_capacity: s.capacity.min(),
            max_capacity: s.capacity.max(),
            tags: tags.clone(),
        }),
        Resource::ScalingPolicy(PolicyResource {
            endpoint: endpoint.to_string(),
            variant: v.name.clone(),
            policy_name: POLICY_NAME.to_string(),
            metric: s.metric.clone(),
            target_value: s.target_value,
            scale_in_cooldown: s.scale_in_cooldown_secs,
            scale_out_cooldown: s.scale_out_cooldown_secs,
            disable_scale_in: s.disable_scale_in,
        }),
    ];
    for sched in &s.schedules {
        out.push(Resource::ScheduledAction(ScheduledActionResource {
            endpoint: endpoint.to_string(),
            variant: v.name.clone(),
            name: sched.name.clone(),
            schedule: sched.schedule.to_string(),
            timezone: sched.timezone.clone(),
            start_time: sched.start_time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            end_time: sched.end_time.map(|t| t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
            min_capacity: sched.min,
            max_capacity: sched.max,
        }));
    }
    out
}

/// UpdateEndpoint's `DeploymentConfig` member, in the API's JSON shape (SageMaker API
/// reference, DeploymentConfig): exactly one of the two policies, and the rollback alarms.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeploymentConfig {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blue_green_update_policy: Option<BlueGreenUpdatePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rolling_update_policy: Option<RollingUpdatePolicy>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_rollback_configuration: Option<AutoRollbackConfig>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct BlueGreenUpdatePolicy {
    pub traffic_routing_configuration: TrafficRoutingConfig,
    pub termination_wait_in_seconds: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_execution_timeout_in_seconds: Option<u32>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct TrafficRoutingConfig {
    /// `ALL_AT_ONCE`, `CANARY` or `LINEAR`.
    #[serde(rename = "Type")]
    pub kind: String,
    pub wait_interval_in_seconds: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canary_size: Option<CapacitySize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub linear_step_size: Option<CapacitySize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RollingUpdatePolicy {
    pub maximum_batch_size: CapacitySize,
    pub wait_interval_in_seconds: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_execution_timeout_in_seconds: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollback_maximum_batch_size: Option<CapacitySize>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct CapacitySize {
    /// `INSTANCE_COUNT` or `CAPACITY_PERCENT`.
    #[serde(rename = "Type")]
    pub kind: String,
    pub value: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AutoRollbackConfig {
    pub alarms: Vec<AlarmRef>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct AlarmRef {
    pub alarm_name: String,
}

impl From<Capacity> for CapacitySize {
    fn from(c: Capacity) -> Self {
        match c {
            Capacity::Instances(n) => CapacitySize { kind: "INSTANCE_COUNT".to_string(), value: n },
            Capacity::Percent(p) => CapacitySize { kind: "CAPACITY_PERCENT".to_string(), value: p },
        }
    }
}

impl DeploymentConfig {
    /// A few words for step lists: `canary of 1 instance, 600 s bakes, 2 rollback alarms`.
    pub fn describe(&self) -> String {
        let size = |c: &CapacitySize| match c.kind.as_str() {
            "CAPACITY_PERCENT" => format!("{}%", c.value),
            _ => crate::diagnostic::plural(c.value, "instance"),
        };
        let mut text = match (&self.blue_green_update_policy, &self.rolling_update_policy) {
            (_, Some(r)) => {
                format!("rolling in batches of {}, {} s bakes", size(&r.maximum_batch_size), r.wait_interval_in_seconds)
            }
            (Some(b), None) => {
                let t = &b.traffic_routing_configuration;
                let how = match (t.kind.as_str(), &t.canary_size, &t.linear_step_size) {
                    ("CANARY", Some(c), _) => format!("blue/green canary of {}", size(c)),
                    ("LINEAR", _, Some(c)) => format!("blue/green linear in steps of {}", size(c)),
                    _ => "blue/green all at once".to_string(),
                };
                format!("{how}, {} s bakes", t.wait_interval_in_seconds)
            }
            (None, None) => "blue/green all at once".to_string(),
        };
        if let Some(a) = &self.auto_rollback_configuration {
            let names: Vec<&str> = a.alarms.iter().map(|x| x.alarm_name.as_str()).collect();
            text.push_str(&format!(", rolled back by {}", names.join(", ")));
        }
        text
    }
}

/// The `DeploymentConfig` UpdateEndpoint sends for a rollout.
pub fn deployment_config(rollout: &Rollout) -> DeploymentConfig {
    let (blue_green, rolling) = match rollout.strategy {
        Strategy::Rolling { batch, rollback_batch } => (
            None,
            Some(RollingUpdatePolicy {
                maximum_batch_size: batch.into(),
                wait_interval_in_seconds: rollout.bake_seconds,
                maximum_execution_timeout_in_seconds: rollout.max_execution_seconds,
                rollback_maximum_batch_size: rollback_batch.map(CapacitySize::from),
            }),
        ),
        blue_green => {
            let (kind, canary_size, linear_step_size) = match blue_green {
                Strategy::Canary { size } => ("CANARY", Some(size.into()), None),
                Strategy::Linear { step } => ("LINEAR", None, Some(step.into())),
                _ => ("ALL_AT_ONCE", None, None),
            };
            let routing = TrafficRoutingConfig {
                kind: kind.to_string(),
                wait_interval_in_seconds: rollout.bake_seconds,
                canary_size,
                linear_step_size,
            };
            (
                Some(BlueGreenUpdatePolicy {
                    traffic_routing_configuration: routing,
                    termination_wait_in_seconds: rollout.termination_wait_seconds,
                    maximum_execution_timeout_in_seconds: rollout.max_execution_seconds,
                }),
                None,
            )
        }
    };
    let alarms: Vec<AlarmRef> = rollout.alarms.iter().map(|a| AlarmRef { alarm_name: a.name().to_string() }).collect();
    DeploymentConfig {
        blue_green_update_policy: blue_green,
        rolling_update_policy: rolling,
        // The API's list takes 1 to 10 alarms: no alarms, no configuration.
        auto_rollback_configuration: (!alarms.is_empty()).then_some(AutoRollbackConfig { alarms }),
    }
}

/// The namespace of the SageMaker invocation metrics owned alarms watch.
pub const ALARM_NAMESPACE: &str = "AWS/SageMaker";

/// A CloudWatch alarm endpoint-scale creates and owns for a rollout (PutMetricAlarm,
/// DescribeAlarms, DeleteAlarms): every field it sends.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AlarmResource {
    pub name: String,
    pub endpoint: String,
    pub variant: String,
    /// Always [`ALARM_NAMESPACE`].
    pub namespace: String,
    pub metric_name: String,
    pub statistic: String,
    pub period: u32,
    pub evaluation_periods: u32,
    pub threshold: f64,
    /// The API's `ComparisonOperator`, for example `GreaterThanThreshold`.
    pub comparison_operator: String,
    /// `notBreaching`: no invocations during a bake is no reason to roll back.
    pub treat_missing_data: String,
    pub tags: Tags,
}

impl AlarmResource {
    /// The PutMetricAlarm request, in the API's JSON shape. The alarm has no actions: SageMaker
    /// watches its state during the rollout.
    pub fn put_metric_alarm_input(&self) -> serde_json::Value {
        let tags: Vec<serde_json::Value> =
            self.tags.iter().map(|(k, v)| serde_json::json!({"Key": k, "Value": v})).collect();
        serde_json::json!({
            "AlarmName": self.name,
            "Namespace": self.namespace,
            "MetricName": self.metric_name,
            "Dimensions": [
                {"Name": "EndpointName", "Value": self.endpoint},
                {"Name": "VariantName", "Value": self.variant},
            ],
            "Statistic": self.statistic,
            "Period": self.period,
            "EvaluationPeriods": self.evaluation_periods,
            "Threshold": self.threshold,
            "ComparisonOperator": self.comparison_operator,
            "TreatMissingData": self.treat_missing_data,
            "Tags": tags,
        })
    }
}

/// The alarms endpoint-scale owns for an endpoint's rollout, with the ownership tags every
/// resource of the endpoint carries.
pub fn alarm_resources(project: &str, endpoint: &EndpointModel) -> Vec<AlarmResource> {
    let Some(rollout) = &endpoint.rollout else { return Vec::new() };
    let tags = ownership_tags(project, endpoint);
    rollout
        .alarms
        .iter()
        .filter_map(|a| match a {
            RollbackAlarm::Owned(o) => Some(o),
            RollbackAlarm::Existing { .. } => None,
        })
        .map(|o: &OwnedAlarm| AlarmResource {
            name: o.name.clone(),
            endpoint: endpoint.name.clone(),
            variant: o.variant.clone(),
            namespace: ALARM_NAMESPACE.to_string(),
            metric_name: o.metric.clone(),
            statistic: o.statistic.clone(),
            period: o.period_seconds,
            evaluation_periods: o.evaluation_periods,
            threshold: o.threshold,
            comparison_operator: o.comparison.operator().to_string(),
            treat_missing_data: "notBreaching".to_string(),
            tags: tags.clone(),
        })
        .collect()
}

/// `<endpoint>-<first 8 hex digits of SHA-256 of the canonical JSON content>`.
/// Length of the suffix the tool appends to an endpoint name to name its configs and models:
/// a hyphen and eight hex digits of a content hash (see [`hashed_name`]).
pub const NAME_SUFFIX_LEN: usize = 9;

/// Is `name` one of the names endpoint-scale gives configs and models of `endpoint` (see
/// [`hashed_name`]: the endpoint's name, a hyphen, eight hex digits)?
pub fn is_derived_name(endpoint: &str, name: &str) -> bool {
    name.strip_prefix(endpoint)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hash| hash.len() == NAME_SUFFIX_LEN - 1 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn hashed_name(endpoint: &str, content: &serde_json::Value) -> String {
    // serde_json writes object keys in insertion order, and every object here is built with a
    // fixed key order (or is a BTreeMap), so the bytes are canonical for the same content.
    let digest = Sha256::digest(content.to_string().as_bytes());
    let hex: String = digest.iter().take(4).map(|b| format!("{b:02x}")).collect();
    format!("{endpoint}-{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canary() -> Rollout {
        Rollout {
            strategy: Strategy::Canary { size: Capacity::Instances(1) },
            bake_seconds: 600,
            termination_wait_seconds: 300,
            max_execution_seconds: Some(3600),
            alarms: vec![
                RollbackAlarm::Existing { name: "team-latency".into() },
                RollbackAlarm::Owned(OwnedAlarm {
                    name: "e-5xx".into(),
                    metric: "Invocation5XXErrors".into(),
                    variant: "primary".into(),
                    statistic: "Sum".into(),
                    comparison: crate::model::Comparison::GreaterOrEqual,
                    threshold: 1.0,
                    evaluation_periods: 2,
                    period_seconds: 60,
                }),
            ],
        }
    }

    #[test]
    fn deployment_config_of_a_canary() {
        let json = serde_json::to_value(deployment_config(&canary())).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "BlueGreenUpdatePolicy": {
                    "TrafficRoutingConfiguration": {
                        "Type": "CANARY",
                        "WaitIntervalInSeconds": 600,
                        "CanarySize": {"Type": "INSTANCE_COUNT", "Value": 1}
                    },
                    "TerminationWaitInSeconds": 300,
                    "MaximumExecutionTimeoutInSeconds": 3600
                },
                "AutoRollbackConfiguration": {"Alarms": [{"AlarmName": "team-latency"}, {"AlarmName": "e-5xx"}]}
            })
        );
    }

    #[test]
    fn deployment_config_of_linear_and_rolling() {
        let mut r = canary();
        r.strategy = Strategy::Linear { step: Capacity::Percent(25) };
        r.alarms.clear();
        r.max_execution_seconds = None;
        assert_eq!(
            serde_json::to_value(deployment_config(&r)).unwrap(),
            serde_json::json!({"BlueGreenUpdatePolicy": {
                "TrafficRoutingConfiguration": {
                    "Type": "LINEAR",
                    "WaitIntervalInSeconds": 600,
                    "LinearStepSize": {"Type": "CAPACITY_PERCENT", "Value": 25}
                },
                "TerminationWaitInSeconds": 300
            }})
        );
        r.strategy = Strategy::Rolling { batch: Capacity::Percent(20), rollback_batch: Some(Capacity::Instances(2)) };
        r.termination_wait_seconds = 0;
        assert_eq!(
            serde_json::to_value(deployment_config(&r)).unwrap(),
            serde_json::json!({"RollingUpdatePolicy": {
                "MaximumBatchSize": {"Type": "CAPACITY_PERCENT", "Value": 20},
                "WaitIntervalInSeconds": 600,
                "RollbackMaximumBatchSize": {"Type": "INSTANCE_COUNT", "Value": 2}
            }})
        );
    }

    #[test]
    fn owned_alarms_are_resources_with_ownership_tags() {
        let endpoint = EndpointModel {
            name: "e".into(),
            tags: [("team".to_string(), "ml".to_string())].into(),
            variants: Vec::new(),
            adopt: false,
            kms_key_id: None,
            data_capture: None,
            rollout: Some(canary()),
        };
        let alarms = alarm_resources("p", &endpoint);
        assert_eq!(alarms.len(), 1, "the team's alarm is not one of ours");
        assert_eq!(
            alarms[0].put_metric_alarm_input(),
            serde_json::json!({
                "AlarmName": "e-5xx",
                "Namespace": "AWS/SageMaker",
                "MetricName": "Invocation5XXErrors",
                "Dimensions": [{"Name": "EndpointName", "Value": "e"}, {"Name": "VariantName", "Value": "primary"}],
                "Statistic": "Sum",
                "Period": 60,
                "EvaluationPeriods": 2,
                "Threshold": 1.0,
                "ComparisonOperator": "GreaterThanOrEqualToThreshold",
                "TreatMissingData": "notBreaching",
                "Tags": [
                    {"Key": "endpoint-scale:endpoint", "Value": "e"},
                    {"Key": "endpoint-scale:managed", "Value": "true"},
                    {"Key": "endpoint-scale:project", "Value": "p"},
                    {"Key": "team", "Value": "ml"}
                ]
            })
        );
    }

    #[test]
    fn derived_names() {
        assert!(is_derived_name("rec", "rec-0a1b2c3d"));
        assert!(!is_derived_name("rec", "rec-prod-0a1b2c3d"));
        assert!(!is_derived_name("rec", "rec-0a1b2c3"));
        assert!(!is_derived_name("rec", "recommender-model"));
        assert!(is_derived_name("rec", &hashed_name("rec", &serde_json::json!({"x": 1}))));
    }

    #[test]
    fn hashed_names_are_stable_and_content_sensitive() {
        let a = hashed_name("e", &serde_json::json!({"x": 1}));
        assert_eq!(a, hashed_name("e", &serde_json::json!({"x": 1})));
        assert_ne!(a, hashed_name("e", &serde_json::json!({"x": 2})));
        assert_eq!(a.len(), "e".len() + NAME_SUFFIX_LEN);
    }
}
