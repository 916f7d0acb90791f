//! The validated desired state: what the spec means once every rule has passed.
//!
//! Nothing downstream of `validate` sees a raw spec value. Types here carry only checked data
//! (names that SageMaker accepts, capacity ranges with 1 <= min <= max, parsed schedules), so
//! `resources`, `plan`, `render` and the simulator never re-check or handle invalid input.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::schedule::Schedule;

mod rollout;
pub use rollout::{
    timeline, Capacity, Comparison, OwnedAlarm, Phase, RollbackAlarm, Rollout, Strategy, Timeline, TimelineStep,
};

/// The safety factor AWS recommends starting with ("Load testing your auto scaling
/// configuration" in the SageMaker developer guide) when the spec gives none.
pub const DEFAULT_SAFETY_FACTOR: f64 = 0.5;

/// Application Auto Scaling's cooldown for SageMaker variants when a policy sets none; the spec's
/// default too, so an omitted cooldown means the same in the spec and in AWS.
pub const DEFAULT_COOLDOWN_SECS: u32 = 300;

/// The target for SageMakerVariantInvocationsPerInstance (invocations per instance per minute)
/// from a load-tested maximum: MAX_RPS x SAFETY_FACTOR x 60 (SageMaker developer guide, "Load
/// testing your auto scaling configuration").
///
/// Rounded to 6 decimals so 7 x 0.8 x 60 is sent as 336, not 336.00000000000006.
pub fn scaling_target(max_rps_per_instance: f64, safety_factor: f64) -> f64 {
    (max_rps_per_instance * safety_factor * 60.0 * 1e6).round() / 1e6
}

/// The target for SageMakerVariantConcurrentRequestsPerModelHighResolution (concurrent requests
/// per model container) from a load-tested maximum: MAX_CONCURRENCY x SAFETY_FACTOR, the same
/// recipe as [`scaling_target`] without the per-minute factor (the metric is a count, not a
/// rate). Rounded to 6 decimals like [`scaling_target`].
pub fn concurrency_target(max_concurrency_per_instance: f64, safety_factor: f64) -> f64 {
    (max_concurrency_per_instance * safety_factor * 1e6).round() / 1e6
}

/// What a target tracking policy tracks (`TargetTrackingScalingPolicyConfiguration`'s
/// `PredefinedMetricSpecification` or `CustomizedMetricSpecification`).
///
/// Written in plans and saved plans as the spec writes it: `"concurrent_requests_per_model"`,
/// `{"customized": {...}}`; the default (invocations) is left out so plans that do not use the
/// field read as before.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ScalingMetric {
    /// `SageMakerVariantInvocationsPerInstance`: invocations per instance per minute, emitted
    /// once a minute.
    #[default]
    InvocationsPerInstance,
    /// `SageMakerVariantConcurrentRequestsPerModelHighResolution`: concurrent requests per model
    /// container (queued ones included), emitted every 10 seconds.
    ConcurrentRequestsPerModel,
    /// A CloudWatch metric of the user's choosing.
    Customized(CustomizedMetric),
}

impl ScalingMetric {
    pub fn is_default(&self) -> bool {
        *self == ScalingMetric::InvocationsPerInstance
    }

    /// The `PredefinedMetricType`, for the predefined kinds.
    pub fn predefined_type(&self) -> Option<&'static str> {
        match self {
            ScalingMetric::InvocationsPerInstance => Some("SageMakerVariantInvocationsPerInstance"),
            ScalingMetric::ConcurrentRequestsPerModel => {
                Some("SageMakerVariantConcurrentRequestsPerModelHighResolution")
            }
            ScalingMetric::Customized(_) => None,
        }
    }

    /// The kind for a `PredefinedMetricType` a spec can express.
    pub fn from_predefined(metric_type: &str) -> Option<Self> {
        [ScalingMetric::InvocationsPerInstance, ScalingMetric::ConcurrentRequestsPerModel]
            .into_iter()
            .find(|m| m.predefined_type() == Some(metric_type))
    }

    /// How messages name it: the predefined type, or `namespace/metric (statistic)`.
    pub fn describe(&self) -> String {
        match self {
            ScalingMetric::Customized(c) => format!("{} {} ({})", c.namespace, c.metric_name, c.statistic),
            other => other.predefined_type().unwrap_or_default().to_string(),
        }
    }
}

/// `CustomizedMetricSpecification` without metric math (`Metrics`), which a spec does not offer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct CustomizedMetric {
    pub namespace: String,
    pub metric_name: String,
    /// Sorted by name then value: CloudWatch identifies a metric by the set of its dimensions, so
    /// the order written (or read back) is no difference.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<MetricDimension>,
    /// `Average`, `Minimum`, `Maximum`, `SampleCount` or `Sum`.
    pub statistic: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct MetricDimension {
    pub name: String,
    pub value: String,
}

/// Tag keys and values, sorted by key so output is stable.
pub type Tags = BTreeMap<String, String>;

/// The whole desired state of one spec.
#[derive(Debug, Clone, PartialEq)]
pub struct Desired {
    pub project: String,
    pub region: Option<String>,
    pub endpoints: Vec<EndpointModel>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct EndpointModel {
    pub name: String,
    /// Spec-wide tags with this endpoint's tags laid over them (ownership tags not included).
    pub tags: Tags,
    pub variants: Vec<VariantModel>,
    /// `adopt: true`: an unmanaged endpoint of this name is brought under the project.
    pub adopt: bool,
    /// KmsKeyId of the endpoint config: the key that encrypts the instances' storage volumes.
    pub kms_key_id: Option<String>,
    /// DataCaptureConfig of the endpoint config.
    pub data_capture: Option<DataCapture>,
    /// The `DeploymentConfig` UpdateEndpoint sends; `None`: SageMaker's default (blue/green,
    /// all at once).
    pub rollout: Option<Rollout>,
}

/// Capture of requests and responses to S3 (SageMaker API `DataCaptureConfig`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct DataCapture {
    /// `EnableCapture`; the API's default is enabled, and endpoint-scale always sends it.
    pub enable_capture: bool,
    /// 0 to 100.
    pub initial_sampling_percentage: u32,
    pub destination_s3_uri: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<String>,
    /// `CaptureMode` values, in spec order: `Input`, `Output`, `InputAndOutput`.
    pub capture_options: Vec<String>,
    /// `CaptureContentTypeHeader.CsvContentTypes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub csv_content_types: Vec<String>,
    /// `CaptureContentTypeHeader.JsonContentTypes`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_content_types: Vec<String>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantModel {
    pub name: String,
    pub instance_type: InstanceType,
    pub initial_instance_count: u32,
    pub initial_weight: f64,
    pub model: ModelRef,
    /// Load-tested requests per second one instance serves; the simulator's capacity figure.
    pub max_rps_per_instance: Option<f64>,
    pub scaling: Option<Scaling>,
    /// `VolumeSizeInGB`, 1 to 512.
    pub volume_size_in_gb: Option<u32>,
    /// `ModelDataDownloadTimeoutInSeconds`, 60 to 3600.
    pub model_data_download_timeout_secs: Option<u32>,
    /// `ContainerStartupHealthCheckTimeoutInSeconds`, 60 to 3600.
    pub container_startup_health_check_timeout_secs: Option<u32>,
}

/// A SageMaker hosting instance type, checked against the SDK's `ProductionVariantInstanceType`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct InstanceType(String);

impl InstanceType {
    /// Only `validate` builds these, after checking the name.
    pub(crate) fn new_checked(name: &str) -> Self {
        InstanceType(name.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The ml.t2 family is the only burstable hosting family: the `ProductionVariantInstanceType`
    /// enum of the SageMaker API has no other burstable type (ml.t3 is for notebooks and training).
    pub fn is_burstable(&self) -> bool {
        is_burstable(&self.0)
    }
}

pub(crate) fn is_burstable(instance_type: &str) -> bool {
    instance_type.starts_with("ml.t2.")
}

impl std::fmt::Display for InstanceType {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Which model a variant serves.
#[derive(Debug, Clone, PartialEq)]
pub enum ModelRef {
    /// A model that exists already; the tool never creates, changes or deletes it.
    Existing(String),
    /// A model the tool creates (and owns) under a content-derived name.
    Inline(InlineModel),
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InlineModel {
    pub image: String,
    pub model_data_url: Option<String>,
    pub execution_role_arn: String,
    pub environment: BTreeMap<String, EnvValue>,
    /// The model's `VpcConfig`.
    pub vpc: Option<Vpc>,
    /// `EnableNetworkIsolation`; `false` is what AWS does without it, so only `true` is sent.
    pub enable_network_isolation: bool,
    /// The container's `Mode` as the spec wrote it: `SingleModel` or `MultiModel`.
    pub mode: Option<String>,
}

/// A model's `VpcConfig`: the security groups and subnets of its containers' network interfaces.
#[derive(Debug, Clone, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub struct Vpc {
    pub security_group_ids: Vec<String>,
    pub subnets: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnvValue {
    pub value: String,
    /// Masked in human output; always sent to AWS unchanged.
    pub secret: bool,
}

/// A target tracking policy plus scheduled actions.
#[derive(Debug, Clone, PartialEq)]
pub struct Scaling {
    pub capacity: CapacityRange,
    /// What the policy tracks.
    pub metric: ScalingMetric,
    /// In the metric's unit (invocations per instance per minute for the default metric).
    pub target_value: f64,
    pub scale_in_cooldown_secs: u32,
    pub scale_out_cooldown_secs: u32,
    pub disable_scale_in: bool,
    pub schedules: Vec<ScheduleModel>,
}

/// MinCapacity and MaxCapacity of a scalable target, with 1 <= min <= max.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapacityRange {
    min: u32,
    max: u32,
}

impl CapacityRange {
    pub fn new(min: u32, max: u32) -> Option<Self> {
        (1 <= min && min <= max).then_some(CapacityRange { min, max })
    }

    pub fn min(&self) -> u32 {
        self.min
    }

    pub fn max(&self) -> u32 {
        self.max
    }

    pub fn clamp(&self, count: u32) -> u32 {
        count.clamp(self.min, self.max)
    }
}

/// A scheduled action: at its times, replace min and/or max.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduleModel {
    pub name: String,
    pub schedule: Schedule,
    /// The IANA name as written (AWS takes the name); `tz` is the parsed zone.
    pub timezone: Option<String>,
    pub tz: chrono_tz::Tz,
    pub start_time: Option<DateTime<Utc>>,
    pub end_time: Option<DateTime<Utc>>,
    pub min: Option<u32>,
    pub max: Option<u32>,
}
