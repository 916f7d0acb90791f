//! The spec file as written: serde types of the YAML, each value carrying its source position.
//!
//! This is the only module that knows YAML. It parses text into these raw types and checks their
//! *shape* (unknown keys, wrong types, missing keys) against the JSON Schema derived from the same
//! types, so that every shape error is reported at once with its line and column rather than
//! serde's first error only. What the values *mean* is checked later, in `validate`.
//!
//! YAML anchors and aliases are refused by the parser (marked-yaml): a spec is read by reviewers
//! line by line, and refusing aliases also rules out alias-expansion bombs. Variables (`vars:`
//! and `${var.NAME}`, see [`vars`]) are how one spec serves several environments instead; they
//! are substituted in the parsed YAML, before the shape check.
//!
//! The same types are what the tool writes specs from (`import`, `recommend --write`): they
//! serialize to the spec's YAML through [`write`], so written specs use the same keys, and the
//! round-trip tests there prove they read back to the same values.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::ops::Deref;

use schemars::JsonSchema;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::diagnostic::{Diagnostic, Source, SourceSpan};

mod shape;
pub mod vars;
pub mod write;

/// The spec format this build reads.
pub const SPEC_VERSION: u32 = 1;

/// A value with the position where the spec wrote it.
#[derive(Clone)]
pub struct Pos<T> {
    pub value: T,
    pub span: SourceSpan,
}

impl<T> Pos<T> {
    /// A value that stands nowhere in a file: one the tool puts into a spec it writes.
    pub fn new(value: T) -> Self {
        Pos { value, span: SourceSpan::default() }
    }
}

impl<T> Deref for Pos<T> {
    type Target = T;
    fn deref(&self) -> &T {
        &self.value
    }
}

impl<T: fmt::Debug> fmt::Debug for Pos<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.value.fmt(f)
    }
}

impl<T: PartialEq> PartialEq for Pos<T> {
    fn eq(&self, other: &Self) -> bool {
        self.value == other.value
    }
}
impl<T: Eq> Eq for Pos<T> {}
impl<T: PartialOrd> PartialOrd for Pos<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        self.value.partial_cmp(&other.value)
    }
}
impl<T: Ord> Ord for Pos<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.value.cmp(&other.value)
    }
}

impl<'de, T: Deserialize<'de> + Clone> Deserialize<'de> for Pos<T> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let spanned = marked_yaml::Spanned::<T>::deserialize(deserializer)?;
        // marked-yaml 0.8 lends the inner value only by reference; spec values are small.
        Ok(Pos { value: (*spanned).clone(), span: span_of(spanned.span()) })
    }
}

/// Written as the bare value: positions belong to the file a spec was read from.
impl<T: Serialize> Serialize for Pos<T> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.value.serialize(serializer)
    }
}

impl<T: JsonSchema> JsonSchema for Pos<T> {
    fn inline_schema() -> bool {
        T::inline_schema()
    }
    fn schema_name() -> std::borrow::Cow<'static, str> {
        T::schema_name()
    }
    fn schema_id() -> std::borrow::Cow<'static, str> {
        T::schema_id()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        T::json_schema(generator)
    }
}

/// A map of tag keys to values (sorted by key, so output is stable).
pub type TagMap = BTreeMap<Pos<String>, Pos<String>>;

/// An endpoint-scale spec: the endpoints a project wants, and how each scales.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
#[schemars(title = "endpoint-scale spec")]
pub struct Spec {
    /// Spec format version. Must be 1.
    pub version: Pos<u32>,
    /// Variables the spec's values use as `${var.NAME}`, by name. Values come from `--var
    /// NAME=VALUE`, `--var-file FILE`, `ENDPOINT_SCALE_VAR_<NAME>` or the default.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub vars: BTreeMap<Pos<String>, Variable>,
    /// The project this spec describes. It is recorded in the `endpoint-scale:project` tag of
    /// every resource the tool creates, so two specs never touch each other's endpoints.
    pub project: Pos<String>,
    /// AWS region the endpoints live in, for example `us-east-1`. Overridden by `--region`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Pos<String>>,
    /// Tags applied to every resource the tool creates (models, endpoint configs, endpoints,
    /// scalable targets).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: TagMap,
    /// Validation rules to switch off, by name, for example `burstable-autoscaling`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub disable_rules: Vec<Pos<String>>,
    /// The SageMaker real-time endpoints.
    pub endpoints: Vec<Endpoint>,
}

/// A variable the spec's values use as `${var.NAME}` (Terraform's `variable` block).
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variable {
    /// What the variable is for: for readers of the spec, not used by the tool.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Pos<String>>,
    /// `string`, `number` or `bool`: values are converted to it, and refused when they cannot
    /// be. Without it, a value has the type it is written with.
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "variable_type_schema")]
    pub kind: Option<Pos<String>>,
    /// The value when none is given. A variable without a default is required.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(schema_with = "variable_default_schema")]
    pub default: Option<Pos<String>>,
    /// Never show the value: it may then only be used in container environment values, which
    /// plans mask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sensitive: Option<Pos<bool>>,
}

/// One SageMaker real-time endpoint.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoint {
    /// Endpoint name: letters, digits and hyphens, at most 54 characters (the tool appends a
    /// 9-character content hash to derive config and model names, which SageMaker caps at 63).
    pub name: Pos<String>,
    /// Tags for this endpoint's resources, on top of the spec-wide tags.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub tags: TagMap,
    /// Bring an endpoint that exists without endpoint-scale's ownership tags (made by hand or by
    /// another tool) under this project: the plan tags it as owned and moves its invocations
    /// target tracking policy to endpoint-scale's policy name. No effect once it is owned; an
    /// endpoint of another endpoint-scale project is never adopted.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub adopt: Option<Pos<bool>>,
    /// The model the variants serve, unless a variant names its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSpec>,
    /// KMS key that encrypts the storage volumes of the endpoint's instances (the endpoint
    /// config's `KmsKeyId`): a key id, key ARN, alias name (`alias/...`) or alias ARN.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Pos<String>>,
    /// Capture of requests and responses to S3 (the endpoint config's `DataCaptureConfig`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_capture: Option<DataCapture>,
    /// Production variants. At least one.
    pub variants: Vec<Variant>,
    /// How SageMaker moves the endpoint to a new endpoint config (UpdateEndpoint's
    /// `DeploymentConfig`): blue/green all at once, canary or linear, or rolling, with the
    /// CloudWatch alarms that roll it back. Without it SageMaker updates blue/green, all at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollout: Option<Rollout>,
}

/// UpdateEndpoint's `DeploymentConfig`, as the spec writes it (see docs/spec.md, "Rollouts").
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Rollout {
    /// `all_at_once`, `canary` or `linear` (blue/green traffic shifting), or `rolling`.
    pub strategy: Pos<String>,
    /// Canary only: the first traffic step, an instance count (`1`) or a percentage of the
    /// variant's instances (`"25%"`); at most 50% of the variant's instances.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "capacity_schema")]
    pub canary_size: Option<Pos<String>>,
    /// Linear only: each traffic step, 10% to 50% of the variant's instances (`"25%"`), or an
    /// instance count.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "capacity_schema")]
    pub linear_step: Option<Pos<String>>,
    /// Rolling only: instances replaced per batch, 5% to 50% of the variant's instances
    /// (`"25%"`), or an instance count.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "capacity_schema")]
    pub batch_size: Option<Pos<String>>,
    /// Rolling only: instances restored per batch on rollback. Default (AWS): all at once.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "capacity_schema")]
    pub rollback_batch_size: Option<Pos<String>>,
    /// The baking period after each traffic step, 0s to 1h (`WaitIntervalInSeconds`).
    #[serde(serialize_with = "write::duration_required")]
    #[schemars(schema_with = "duration_schema")]
    pub bake: Pos<String>,
    /// Blue/green only: how long the old fleet is kept after the last step, 0s to 1h
    /// (`TerminationWaitInSeconds`). Default 0s.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "duration_schema")]
    pub termination_wait: Option<Pos<String>>,
    /// Time limit of the whole rollout, 10m to 8h (`MaximumExecutionTimeoutInSeconds`); longer
    /// than its waits. Default: AWS's.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "duration_schema")]
    pub max_execution_time: Option<Pos<String>>,
    /// 1 to 10 CloudWatch alarms; if one goes to ALARM during the rollout, SageMaker rolls back.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rollback_alarms: Vec<RollbackAlarm>,
}

/// A CloudWatch alarm the rollout watches: one the team owns (`name` only) or, with `metric`,
/// one endpoint-scale creates and owns on a metric of the endpoint's variant.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RollbackAlarm {
    /// The alarm's name (unique in the account and region).
    pub name: Pos<String>,
    /// An `AWS/SageMaker` metric of the variant, for example `Invocation5XXErrors` or
    /// `ModelLatency`: endpoint-scale then creates and owns the alarm.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Pos<String>>,
    /// The variant whose metric is watched; optional when the endpoint has one variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub variant: Option<Pos<String>>,
    /// `Sum`, `Average`, `Maximum`, `Minimum` or `SampleCount`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistic: Option<Pos<String>>,
    /// `>`, `>=`, `<` or `<=`: how the statistic compares with `threshold`. Default `>`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comparison: Option<Pos<String>>,
    /// The value the statistic is compared with, in the metric's unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Pos<f64>>,
    /// Consecutive periods the comparison must hold before the alarm fires. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub evaluation_periods: Option<Pos<u32>>,
    /// Length of one period: 10s, 20s, 30s or a multiple of 1m. Default 1m.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "duration_schema")]
    pub period: Option<Pos<String>>,
}

/// The endpoint config's `DataCaptureConfig`: which requests and responses SageMaker writes to
/// S3.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DataCapture {
    /// Whether capture is on (`EnableCapture`). Default true, as in the API.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_capture: Option<Pos<bool>>,
    /// Percentage of requests captured, 0 to 100 (`InitialSamplingPercentage`).
    #[schemars(range(min = 0, max = 100))]
    pub initial_sampling_percentage: Pos<u32>,
    /// Where captured data goes: an `s3://` URI, at most 512 characters (`DestinationS3Uri`).
    pub destination_s3_uri: Pos<String>,
    /// KMS key that encrypts the captured data in S3 (`KmsKeyId`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kms_key_id: Option<Pos<String>>,
    /// What is captured: 1 to 32 of `Input`, `Output`, `InputAndOutput` (`CaptureOptions`).
    pub capture_options: Vec<Pos<String>>,
    /// Content types captured as CSV text, 1 to 10 (`CaptureContentTypeHeader.CsvContentTypes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub csv_content_types: Vec<Pos<String>>,
    /// Content types captured as JSON text, 1 to 10 (`CaptureContentTypeHeader.JsonContentTypes`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub json_content_types: Vec<Pos<String>>,
}

/// A model: either an existing SageMaker model (`existing`) or one the tool creates (`image`,
/// `execution_role_arn` and optionally `model_data_url`, `environment`, `secret_environment`).
#[derive(Debug, Default, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ModelSpec {
    /// Name of an existing SageMaker model. The tool uses it but never creates, changes or
    /// deletes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub existing: Option<Pos<String>>,
    /// Inference container image URI (ECR).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Pos<String>>,
    /// S3 URL of the model artifacts (`model.tar.gz`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model_data_url: Option<Pos<String>>,
    /// IAM role SageMaker assumes to pull the image and the artifacts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub execution_role_arn: Option<Pos<String>>,
    /// Container environment variables. Values whose names look secret (TOKEN, SECRET,
    /// PASSWORD, API_KEY, ...) are masked in plan output (human and JSON).
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<Pos<String>, Pos<String>>,
    /// Container environment variables that are always masked in plan output. They are passed
    /// to SageMaker unchanged.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub secret_environment: BTreeMap<Pos<String>, Pos<String>>,
    /// Whether the container serves one model or many: `SingleModel` or `MultiModel` (`Mode`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mode: Option<Pos<String>>,
    /// The VPC the model's containers run in (`VpcConfig`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vpc: Option<Vpc>,
    /// When true the containers make no network calls in or out (`EnableNetworkIsolation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enable_network_isolation: Option<Pos<bool>>,
    /// Keys of `environment` whose value takes a sensitive variable: masked like
    /// `secret_environment` ones. Set by the parser, never written in a spec.
    #[serde(skip)]
    #[schemars(skip)]
    pub sensitive_environment: BTreeSet<String>,
}

/// A model's `VpcConfig`.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Vpc {
    /// 1 to 5 security group ids, for example `sg-0123456789abcdef0`.
    pub security_group_ids: Vec<Pos<String>>,
    /// 1 to 16 subnet ids, for example `subnet-0123456789abcdef0`.
    pub subnets: Vec<Pos<String>>,
}

/// A production variant of an endpoint.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Variant {
    /// Variant name, unique within the endpoint.
    pub name: Pos<String>,
    /// SageMaker hosting instance type, for example `ml.c5.xlarge`.
    pub instance_type: Pos<String>,
    /// Instances the variant starts with. Default 1. With auto scaling it must lie within
    /// [min, max]; updates keep the live count instead of resetting to this.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub initial_instance_count: Option<Pos<u32>>,
    /// Relative share of the endpoint's traffic. Default 1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub initial_weight: Option<Pos<f64>>,
    /// Size of each instance's ML storage volume in GB, 1 to 512 (`VolumeSizeInGB`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1, max = 512))]
    pub volume_size_in_gb: Option<Pos<u32>>,
    /// How long SageMaker may take to download the model data, 60s to 1h:
    /// `600`, `10m` (`ModelDataDownloadTimeoutInSeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "duration_schema")]
    pub model_data_download_timeout: Option<Pos<String>>,
    /// How long the container may take to pass its first health check, 60s to 1h:
    /// `600`, `10m` (`ContainerStartupHealthCheckTimeoutInSeconds`).
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "duration_schema")]
    pub container_startup_health_check_timeout: Option<Pos<String>>,
    /// Model for this variant; defaults to the endpoint's `model`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<ModelSpec>,
    /// Requests per second one instance serves at its limit, measured by a load test. Used to
    /// derive the scaling target and by the simulator.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rps_per_instance: Option<Pos<f64>>,
    /// Application Auto Scaling for this variant. Omit for a fixed-size variant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub autoscaling: Option<AutoScaling>,
}

/// A target tracking policy on the variant's `metric`, plus scheduled actions.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AutoScaling {
    /// Fewest instances (MinCapacity). At least 1.
    #[schemars(range(min = 1))]
    pub min: Pos<u32>,
    /// Most instances (MaxCapacity).
    #[schemars(range(min = 1))]
    pub max: Pos<u32>,
    /// What the policy tracks: `invocations_per_instance` (default), `concurrent_requests_per_model`
    /// (high-resolution) or `customized: {...}` (a CloudWatch metric of your choosing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metric: Option<Pos<MetricSpec>>,
    /// The value the policy holds the metric at: a number, or a mapping that derives it from a
    /// load test. Default: derived from the variant's `max_rps_per_instance` with a safety factor
    /// of 0.5 (invocations metric only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Pos<TargetSpec>>,
    /// Wait after a scale-in before the next one: `300`, `300s`, `5m`, `1h`. Default 5m.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "duration_schema")]
    pub scale_in_cooldown: Option<Pos<String>>,
    /// Wait after a scale-out before a further one: `300`, `300s`, `5m`, `1h`. Default 5m.
    #[serde(default, skip_serializing_if = "Option::is_none", serialize_with = "write::duration")]
    #[schemars(schema_with = "duration_schema")]
    pub scale_out_cooldown: Option<Pos<String>>,
    /// When true the policy never removes instances (only schedules or people do).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disable_scale_in: Option<Pos<bool>>,
    /// Scheduled changes of min and max, for predictable peaks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub schedules: Vec<ScheduledAction>,
}

/// The target of the policy: a number in the metric's unit, or a mapping ([`Target`]).
#[derive(Debug, Clone, PartialEq)]
pub enum TargetSpec {
    /// `target: N`: the value itself, in the metric's unit.
    Value(f64),
    /// `target: {...}`: given per metric, or derived from a load test.
    Derived(Target),
}

/// The value target tracking holds the metric at, given or derived from a load test.
#[derive(Debug, Clone, Default, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Target {
    /// The target directly, in invocations per instance per minute (invocations metric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocations_per_instance: Option<Pos<f64>>,
    /// Load-tested requests per second per instance; defaults to the variant's
    /// `max_rps_per_instance`. Target = max_rps_per_instance x safety_factor x 60 (invocations
    /// metric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_rps_per_instance: Option<Pos<f64>>,
    /// Load-tested concurrent requests one instance serves at its limit. Target =
    /// max_concurrency_per_instance x safety_factor (`concurrent_requests_per_model` metric).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_concurrency_per_instance: Option<Pos<f64>>,
    /// Share of the tested maximum to aim for, in (0, 1]. Default 0.5 (AWS's advice).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub safety_factor: Option<Pos<f64>>,
}

impl Serialize for TargetSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            TargetSpec::Value(v) => v.serialize(serializer),
            TargetSpec::Derived(t) => t.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for TargetSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = TargetSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a number or a mapping")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<TargetSpec, E> {
                // marked-yaml hands scalars over as text; the shape check has made sure it is a number.
                v.parse().map(TargetSpec::Value).map_err(|_| E::custom(format!("`{v}` is not a number")))
            }
            fn visit_f64<E: serde::de::Error>(self, v: f64) -> Result<TargetSpec, E> {
                Ok(TargetSpec::Value(v))
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<TargetSpec, E> {
                Ok(TargetSpec::Value(v as f64))
            }
            fn visit_i64<E: serde::de::Error>(self, v: i64) -> Result<TargetSpec, E> {
                Ok(TargetSpec::Value(v as f64))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, map: A) -> Result<TargetSpec, A::Error> {
                Target::deserialize(serde::de::value::MapAccessDeserializer::new(map)).map(TargetSpec::Derived)
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for TargetSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "TargetSpec".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let derived = generator.subschema_for::<Target>();
        schemars::json_schema!({
            "description": "The target: a number in the metric's unit (`target: 70`), or a mapping that gives or derives it.",
            "anyOf": [{"type": "number"}, derived]
        })
    }
}

/// The metric the policy tracks: a predefined one by name, or a customized CloudWatch metric.
#[derive(Debug, Clone, PartialEq)]
pub enum MetricSpec {
    /// `invocations_per_instance` or `concurrent_requests_per_model` (checked in validation).
    Named(String),
    /// `customized: {...}`.
    Customized(CustomizedMetric),
}

/// A CloudWatch metric of your choosing (`CustomizedMetricSpecification`).
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomizedMetric {
    /// CloudWatch namespace, for example `/aws/sagemaker/Endpoints` (instance metrics such as
    /// `CPUUtilization`, `GPUUtilization`).
    pub namespace: Pos<String>,
    /// Metric name, for example `CPUUtilization`.
    pub metric_name: Pos<String>,
    /// The metric's dimensions, exactly as it is published, for example `EndpointName` and
    /// `VariantName`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dimensions: Vec<MetricDimension>,
    /// `Average`, `Minimum`, `Maximum`, `SampleCount` or `Sum`.
    pub statistic: Pos<String>,
    /// The metric's CloudWatch unit, for example `Percent`. Optional.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Pos<String>>,
}

/// One dimension of a customized metric.
#[derive(Debug, Clone, PartialEq, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MetricDimension {
    /// Dimension name, for example `EndpointName`.
    pub name: Pos<String>,
    /// Dimension value, for example the endpoint's name.
    pub value: Pos<String>,
}

impl Serialize for MetricSpec {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        match self {
            MetricSpec::Named(name) => name.serialize(serializer),
            MetricSpec::Customized(c) => {
                let mut map = serializer.serialize_map(Some(1))?;
                map.serialize_entry("customized", c)?;
                map.end()
            }
        }
    }
}

impl<'de> Deserialize<'de> for MetricSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> serde::de::Visitor<'de> for V {
            type Value = MetricSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a metric name or a mapping with `customized`")
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MetricSpec, E> {
                Ok(MetricSpec::Named(v.to_string()))
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<MetricSpec, A::Error> {
                let mut found = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key != "customized" || found.is_some() {
                        return Err(serde::de::Error::unknown_field(&key, &["customized"]));
                    }
                    found = Some(map.next_value::<CustomizedMetric>()?);
                }
                found.map(MetricSpec::Customized).ok_or_else(|| serde::de::Error::missing_field("customized"))
            }
        }
        deserializer.deserialize_any(V)
    }
}

impl JsonSchema for MetricSpec {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "MetricSpec".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        let customized = generator.subschema_for::<CustomizedMetric>();
        schemars::json_schema!({
            "description": "The metric the target tracking policy tracks: `invocations_per_instance` (SageMakerVariantInvocationsPerInstance, one-minute), `concurrent_requests_per_model` (SageMakerVariantConcurrentRequestsPerModelHighResolution, every 10 seconds), or `customized: {...}`.",
            "anyOf": [
                {"type": "string", "enum": ["invocations_per_instance", "concurrent_requests_per_model"]},
                {
                    "type": "object",
                    "properties": {"customized": customized},
                    "required": ["customized"],
                    "additionalProperties": false
                }
            ]
        })
    }
}

/// A PutScheduledAction: at its times, replace the variant's min and/or max.
#[derive(Debug, Deserialize, Serialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScheduledAction {
    /// Action name, unique within the variant.
    pub name: Pos<String>,
    /// `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, `rate(N unit)` or
    /// `at(yyyy-mm-ddThh:mm:ss)`. Weekdays at 08:00: `cron(0 8 ? * MON-FRI *)`.
    pub schedule: Pos<String>,
    /// IANA time zone the schedule is read in, for example `America/New_York`. Default UTC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub timezone: Option<Pos<String>>,
    /// The action is active from this instant (RFC 3339, for example `2026-12-01T00:00:00Z`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start_time: Option<Pos<String>>,
    /// The action is active until this instant (RFC 3339).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_time: Option<Pos<String>>,
    /// New MinCapacity when the action fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub min: Option<Pos<u32>>,
    /// New MaxCapacity when the action fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(range(min = 1))]
    pub max: Option<Pos<u32>>,
}

fn variable_type_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": "string", "enum": ["string", "number", "bool"] })
}

fn variable_default_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({ "type": ["string", "number", "boolean"] })
}

fn capacity_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "integer"],
        "description": "An instance count (`2`) or a percentage of the variant's instances (`\"25%\"`).",
        "pattern": "^([0-9]+%?)$"
    })
}

fn duration_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
    schemars::json_schema!({
        "type": ["string", "integer"],
        "description": "A duration: whole seconds, or a number with a unit s, m or h (`90s`, `5m`, `1h`, `1h30m`).",
        "pattern": "^([0-9]+|(?=[0-9])([0-9]+h)?([0-9]+m)?([0-9]+s)?)$"
    })
}

/// The JSON Schema editors get (`endpoint-scale schema`): the one the shape check uses, where
/// every number and boolean may also be written `${var.NAME}`. The shape check needs no such
/// branch: it runs after substitution.
pub fn editor_schema() -> serde_json::Value {
    use serde_json::{json, Value};
    let mut schema = json_schema();
    let reference = json!({ "$ref": "#/definitions/VariableReference" });
    // Wraps a property that takes numbers or booleans: `anyOf` its schema and a reference.
    let wrap = |prop: &mut Value| {
        let types: Vec<&str> = match prop.get("type") {
            Some(Value::String(t)) => vec![t.as_str()],
            Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        };
        if !types.iter().any(|t| matches!(*t, "integer" | "number" | "boolean")) {
            return;
        }
        let Value::Object(mut inner) = prop.take() else { return };
        let mut outer = serde_json::Map::new();
        if let Some(description) = inner.remove("description") {
            outer.insert("description".into(), description);
        }
        outer.insert("anyOf".into(), json!([Value::Object(inner), reference.clone()]));
        *prop = Value::Object(outer);
    };
    let properties = |object: &mut Value| {
        if let Some(Value::Object(props)) = object.get_mut("properties") {
            props.iter_mut().filter(|(k, _)| *k != "vars").for_each(|(_, p)| wrap(p));
        }
    };
    properties(&mut schema);
    if let Some(Value::Object(definitions)) = schema.get_mut("definitions") {
        definitions.iter_mut().filter(|(k, _)| *k != "Variable").for_each(|(_, d)| properties(d));
        definitions.insert(
            "VariableReference".into(),
            json!({
                "type": "string",
                "pattern": r"^\$\{\s*var\.[A-Za-z][A-Za-z0-9_]*\s*\}$",
                "description": "`${var.NAME}`: the value of the variable NAME declared under `vars:`, with its type."
            }),
        );
    }
    schema
}

/// The JSON Schema of the spec, for the shape check (and, with variables, for editors:
/// [`editor_schema`]).
pub fn json_schema() -> serde_json::Value {
    let generator = schemars::generate::SchemaSettings::draft07().into_generator();
    let schema = generator.into_root_schema_for::<Spec>();
    let mut value = schema.to_value();
    forbid_null(&mut value);
    value
}

/// schemars lets every `Option` be `null`; the spec never accepts an empty value (it is almost
/// always a value forgotten after the colon), so the schema editors see must not either.
fn forbid_null(schema: &mut serde_json::Value) {
    use serde_json::Value;
    match schema {
        Value::Object(map) => {
            if let Some(Value::Array(types)) = map.get_mut("type") {
                types.retain(|t| t != "null");
                if types.len() == 1 {
                    let only = types.remove(0);
                    map.insert("type".into(), only);
                }
            }
            if let Some(Value::Array(branches)) = map.get("anyOf") {
                let kept: Vec<Value> =
                    branches.iter().filter(|b| b.get("type") != Some(&Value::from("null"))).cloned().collect();
                if kept.len() == 1 {
                    map.remove("anyOf");
                    if let Value::Object(only) = &kept[0] {
                        for (k, v) in only {
                            map.insert(k.clone(), v.clone());
                        }
                    }
                } else {
                    map.insert("anyOf".into(), Value::Array(kept));
                }
            }
            map.values_mut().for_each(forbid_null);
        }
        Value::Array(items) => items.iter_mut().for_each(forbid_null),
        _ => {}
    }
}

/// Where a YAML marker points, as a diagnostic position.
pub(crate) fn span_at(marker: &marked_yaml::Marker) -> SourceSpan {
    SourceSpan { line: marker.line(), column: marker.column(), len: 0 }
}

/// Where a YAML node starts, as a diagnostic position.
pub(crate) fn span_of(span: &marked_yaml::Span) -> SourceSpan {
    span.start().map(span_at).unwrap_or_default()
}

/// The YAML tree of spec text, with the positions of every node, read as [`parse`] reads it
/// (before its variables are substituted).
pub(crate) fn load_node(source: &Source) -> Result<marked_yaml::Node, Vec<Diagnostic>> {
    let options = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    marked_yaml::parse_yaml_with_options(0, &source.text, options)
        .map_err(|err| vec![shape::load_error(&err, &source.text)])
}

/// A spec read with its variables.
#[derive(Debug)]
pub struct Parsed {
    pub spec: Spec,
    pub variables: vars::Variables,
}

/// Parses spec text without variable values besides the defaults. On failure returns every
/// shape diagnostic found.
pub fn parse(source: &Source) -> Result<Spec, Vec<Diagnostic>> {
    parse_with(source, &vars::Inputs::default()).map(|p| p.spec)
}

/// Parses spec text, its variables taking their values from `inputs`. On failure returns every
/// diagnostic found; those about a variables file or a flag name it in [`Diagnostic::file`].
pub fn parse_with(source: &Source, inputs: &vars::Inputs) -> Result<Parsed, Vec<Diagnostic>> {
    if shape::is_blank(&source.text) {
        return Err(vec![Diagnostic::error("the spec is empty").help(
            "start from examples/recommender.yaml; a spec needs at least `version`, `project` and `endpoints`",
        )]);
    }
    let mut node = load_node(source)?;
    let schema = json_schema();
    let (variables, masked) = vars::apply(&schema, &mut node, source, inputs)?;
    let mut diagnostics = shape::check(&schema, &node);
    if !diagnostics.is_empty() {
        variables.annotate(&mut diagnostics);
        return Err(diagnostics);
    }
    let mut spec = marked_yaml::from_node::<Spec>(&node).map_err(|err| {
        // The shape check mirrors the schema of these types, so this is only reached by a
        // mismatch between the two: report it rather than panic.
        let span = err.start_mark().map(|m| span_at(&m)).unwrap_or_default();
        vec![Diagnostic::error(format!("cannot read the spec: {}", err.into_inner())).at(span, "here")]
    })?;
    if !masked.is_empty() {
        mark_sensitive_environment(&mut spec, &masked);
    }
    Ok(Parsed { spec, variables })
}

/// Records in each model the `environment` keys whose value (at a position in `masked`) takes a
/// sensitive variable.
fn mark_sensitive_environment(spec: &mut Spec, masked: &vars::Positions) {
    let models = spec
        .endpoints
        .iter_mut()
        .flat_map(|e| e.model.iter_mut().chain(e.variants.iter_mut().filter_map(|v| v.model.as_mut())));
    for model in models {
        let keys: Vec<String> = model
            .environment
            .iter()
            .filter(|(_, v)| masked.contains(&(v.span.line, v.span.column)))
            .map(|(k, _)| k.value.clone())
            .collect();
        model.sensitive_environment.extend(keys);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_str(text: &str) -> Result<Spec, Vec<Diagnostic>> {
        parse(&Source::new("spec.yaml", text))
    }

    #[test]
    fn positions_are_recorded() {
        let spec = parse_str(
            "version: 1\nproject: p\nendpoints:\n  - name: e\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n",
        )
        .unwrap();
        let variant = &spec.endpoints[0].variants[0];
        assert_eq!(variant.instance_type.value, "ml.c5.large");
        assert_eq!((variant.instance_type.span.line, variant.instance_type.span.column), (7, 24));
    }

    #[test]
    fn anchors_are_refused() {
        let err = parse_str("version: 1\nproject: &p p\nendpoints: []\n").unwrap_err();
        assert_eq!(err.len(), 1);
        assert!(err[0].message.contains("anchors"), "{}", err[0].message);
    }

    #[test]
    fn schema_names_every_top_level_key() {
        let schema = json_schema();
        let props = schema["properties"].as_object().unwrap();
        let keys: Vec<&str> = props.keys().map(String::as_str).collect();
        assert_eq!(keys, ["version", "vars", "project", "region", "tags", "disable_rules", "endpoints"]);
        assert_eq!(schema["additionalProperties"], false);
    }
}
