//! The only module that touches `aws-sdk-*`: configuration loading (the standard credential
//! chain, `--profile`, the region precedence, `--endpoint-url`, retries, timeouts), one narrow
//! client trait [`Aws`] with the calls endpoint-scale makes, and error mapping to [`AwsError`]:
//! every SDK failure becomes one sentence with the cause and what to do, never a debug dump.
//!
//! Everything above this module speaks endpoint-scale's own types (`resources::*`, the `*Desc`
//! structs here), so plan and apply logic is tested against an in-memory [`Aws`] and end to end
//! against the local emulator, never against SDK mocks. [`pricing`] reads the AWS Price List
//! Query API for `prices fetch`; [`cloudwatch`] reads an endpoint's Invocations history.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::model::Tags;
use crate::resources::{
    AlarmResource, ConfigResource, DeploymentConfig, ModelResource, PolicyResource, ScheduledActionResource,
    TargetResource, WeightAndCapacity,
};

pub mod alarms;
pub mod call_log;
pub mod cloudwatch;
mod instance_types;
pub mod pricing;
pub mod sdk;

pub use instance_types::hosting_instance_types;
pub use sdk::{load, Loaded, SdkAws};

/// How to reach AWS, from flags and the environment.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    /// `--region`: must agree with the spec's `region:` when both are given.
    pub region: Option<String>,
    /// The spec's `region:`, which wins over the environment and the profile.
    pub spec_region: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: Option<u32>,
    pub adaptive_retry: bool,
    /// The longest one attempt of an AWS call may take; [`sdk::DEFAULT_ATTEMPT_TIMEOUT`] if unset.
    pub attempt_timeout: Option<Duration>,
}

/// A region from the environment or the profile that the spec's `region:` overrode: worth a
/// note, since before it was the one used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IgnoredRegion {
    pub spec: String,
    pub ignored: String,
    /// `AWS_REGION`, `AWS_DEFAULT_REGION` or `profile "dev"`.
    pub source: String,
}

impl fmt::Display for IgnoredRegion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the spec's region {} is used, and region {} from {} is ignored",
            self.spec, self.ignored, self.source
        )
    }
}

/// A SageMaker endpoint as DescribeEndpoint reports it.
#[derive(Debug, Clone, PartialEq)]
pub struct EndpointDesc {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub config_name: String,
    pub failure_reason: Option<String>,
    pub variants: Vec<VariantDesc>,
    /// What a rollout in progress (or rolling back) is doing, from the variants' `VariantStatus`
    /// (PendingDeploymentSummary while Updating, the endpoint's variants while RollingBack), such
    /// as `ActivatingTraffic: Activating traffic on canary capacity of 1 instance(s).`; `None`
    /// when no deployment phase is reported.
    pub phase: Option<String>,
    /// `LastDeploymentConfig`: the DeploymentConfig of the last successful update that had one.
    pub last_deployment: Option<DeploymentConfig>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantDesc {
    pub name: String,
    pub desired_instance_count: Option<u32>,
    pub desired_weight: Option<f64>,
}

/// A scalable target as DescribeScalableTargets reports it, with its ARN (`ScalableTargetARN`),
/// which tagging needs: Application Auto Scaling tags targets by ARN only.
#[derive(Debug, Clone, PartialEq)]
pub struct TargetDesc {
    pub target: TargetResource,
    /// Absent from answers of older API versions; such a target's tags cannot be read or set.
    pub arn: Option<String>,
}

/// A scaling policy as DescribeScalingPolicies reports it. A spec expresses only target tracking
/// on invocations per instance; any other policy (step scaling, another metric) is `other`, with
/// its name and a short description of what it is, and `policy` holds only its identity (the
/// numbers are zero), so it can be shown and deleted but never compared or copied.
#[derive(Debug, Clone, PartialEq)]
pub struct PolicyDesc {
    pub policy: PolicyResource,
    /// `None` for target tracking on invocations per instance; else what the policy is, such as
    /// `StepScaling` or `TargetTrackingScaling on CPUUtilization`.
    pub other: Option<String>,
}

/// A CloudWatch alarm as DescribeAlarms reports it: the fields an owned alarm sets (its
/// `tags` empty: DescribeAlarms does not return them, ListTagsForResource does), its ARN and
/// its state.
#[derive(Debug, Clone, PartialEq)]
pub struct AlarmDesc {
    pub alarm: AlarmResource,
    pub arn: String,
    /// `OK`, `ALARM` or `INSUFFICIENT_DATA`.
    pub state: String,
    /// A composite alarm (only its name, ARN and state are set): never one endpoint-scale owns,
    /// since it creates metric alarms only.
    pub composite: bool,
}

/// A failed AWS call, named by operation and resource, with AWS's own message.
#[derive(Debug, Clone, PartialEq)]
pub struct AwsError {
    pub service: &'static str,
    pub operation: &'static str,
    pub resource: String,
    pub kind: AwsErrorKind,
    pub message: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AwsErrorKind {
    AccessDenied,
    NotFound,
    AlreadyExists,
    Throttled,
    Validation,
    /// No answer: refused, unreachable, timed out, dropped. Transient while polling.
    Connection,
    /// AWS rejected the credentials themselves: expired, unknown or badly signed.
    Credentials,
    /// AWS failed on its side (HTTP 5xx) after the retries.
    Unavailable,
    /// An answer that is not what the API sends (not AWS at the endpoint URL, or a proxy).
    BadResponse,
    /// The request could not be built or signed (a bad endpoint URL or region, no identity).
    Request,
    Other,
}

impl AwsError {
    /// The IAM action an AccessDenied refused, e.g. `sagemaker:UpdateEndpoint`: the one AWS's
    /// message names ("... is not authorized to perform: iam:PassRole on resource: ..."), since
    /// a call can be refused for an action it implies (CreateModel needs iam:PassRole on its
    /// execution role); else the operation's own.
    pub fn iam_action(&self) -> String {
        const PERFORM: &str = "is not authorized to perform: ";
        let named = self.message.split_once(PERFORM).and_then(|(_, rest)| {
            let action = rest.split(|c: char| c.is_whitespace() || c == ',').next()?;
            let (service, name) = action.split_once(':')?;
            let valid = !service.is_empty()
                && !name.is_empty()
                && service.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
                && name.bytes().all(|b| b.is_ascii_alphanumeric());
            valid.then(|| action.to_string())
        });
        named.unwrap_or_else(|| format!("{}:{}", self.service, self.operation))
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // AWS's messages end with a full stop; inside parentheses it would end the sentence early.
        let message = self.message.trim_end_matches('.');
        match self.kind {
            AwsErrorKind::AccessDenied => {
                write!(
                    f,
                    "{} on {} was denied: the IAM action {} is not allowed for these credentials ({})",
                    self.operation,
                    self.resource,
                    self.iam_action(),
                    message
                )?;
                // The one statement iam-policy leaves out unless asked: owned alarms left by a
                // removed `rollout:` (src/iam.rs).
                if self.service == "cloudwatch" && self.operation == "DeleteAlarms" {
                    write!(f, ": add the statement RolloutAlarmsDeleteOwned to the policy (`endpoint-scale iam-policy SPEC --delete-owned-alarms` prints it; without that flag it is only in the policy of a spec with a `rollout:`)")?;
                }
                Ok(())
            }
            AwsErrorKind::Connection => write!(
                f,
                "{} on {} could not reach AWS ({}): check the network, any proxy, and --endpoint-url or AWS_ENDPOINT_URL if set, then run again",
                self.operation, self.resource, message
            ),
            AwsErrorKind::Throttled => write!(
                f,
                "{} on {} was throttled by AWS after every retry ({}): lower --parallelism, raise --max-attempts, or pass --retry-mode adaptive",
                self.operation, self.resource, message
            ),
            AwsErrorKind::Credentials => write!(
                f,
                "{} on {} was refused because AWS does not accept these credentials ({}): renew them (`aws sso login`, new keys or a new session token) and run again",
                self.operation, self.resource, message
            ),
            AwsErrorKind::Unavailable => write!(
                f,
                "{} on {} failed on AWS's side ({}): run again in a while, or raise --max-attempts",
                self.operation, self.resource, message
            ),
            AwsErrorKind::BadResponse => write!(
                f,
                "{} on {} got an answer that is not an AWS response ({}): check that --endpoint-url or AWS_ENDPOINT_URL, if set, points at an AWS API",
                self.operation, self.resource, message
            ),
            AwsErrorKind::Request => write!(
                f,
                "{} on {} could not be sent ({}): check the region, the credentials and --endpoint-url or AWS_ENDPOINT_URL",
                self.operation, self.resource, message
            ),
            _ => write!(f, "{} on {} failed: {}", self.operation, self.resource, self.message),
        }
    }
}

impl std::error::Error for AwsError {}

pub type AwsResult<T> = Result<T, AwsError>;

/// The AWS calls endpoint-scale makes. `describe_*` return `Ok(None)` for a resource that does
/// not exist, so callers never match on error codes.
pub trait Aws: Send + Sync {
    fn describe_endpoint(&self, name: &str) -> impl Future<Output = AwsResult<Option<EndpointDesc>>> + Send;
    fn describe_endpoint_config(&self, name: &str) -> impl Future<Output = AwsResult<Option<ConfigResource>>> + Send;
    fn describe_model(&self, name: &str) -> impl Future<Output = AwsResult<Option<ModelResource>>> + Send;
    fn list_tags(&self, arn: &str) -> impl Future<Output = AwsResult<Tags>> + Send;
    /// The tags of an endpoint config; `None` when it does not exist.
    fn endpoint_config_tags(&self, name: &str) -> impl Future<Output = AwsResult<Option<Tags>>> + Send;
    /// The tags of a model; `None` when it does not exist.
    fn model_tags(&self, name: &str) -> impl Future<Output = AwsResult<Option<Tags>>> + Send;
    /// Names of endpoints (with ARNs), for `--prune`.
    fn list_endpoints(&self) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
    /// Endpoint configs whose names contain `fragment` (all of them when it is empty), with their
    /// ARNs.
    fn list_endpoint_configs(&self, fragment: &str) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;
    /// Models whose names contain `fragment` (all of them when it is empty), with their ARNs.
    fn list_models(&self, fragment: &str) -> impl Future<Output = AwsResult<Vec<(String, String)>>> + Send;

    fn create_model(&self, model: &ModelResource) -> impl Future<Output = AwsResult<()>> + Send;
    fn create_endpoint_config(&self, config: &ConfigResource) -> impl Future<Output = AwsResult<()>> + Send;
    fn create_endpoint(&self, name: &str, config: &str, tags: &Tags) -> impl Future<Output = AwsResult<()>> + Send;
    /// UpdateEndpoint with RetainAllVariantProperties, so live counts and weights survive, and
    /// the rollout's DeploymentConfig when there is one (RetainDeploymentConfig is never set:
    /// the plan states the rollout, see docs/design.md).
    fn update_endpoint(
        &self,
        name: &str,
        config: &str,
        deployment: Option<&DeploymentConfig>,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn update_weights_and_capacities(
        &self,
        name: &str,
        changes: &[WeightAndCapacity],
    ) -> impl Future<Output = AwsResult<()>> + Send;
    fn add_tags(&self, arn: &str, tags: &Tags) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_tags(&self, arn: &str, keys: &[String]) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_endpoint(&self, name: &str) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_endpoint_config(&self, name: &str) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_model(&self, name: &str) -> impl Future<Output = AwsResult<()>> + Send;

    /// Scalable targets of these variants (resource ids), however many: pages are followed.
    fn describe_scalable_targets(
        &self,
        resource_ids: &[String],
    ) -> impl Future<Output = AwsResult<Vec<TargetDesc>>> + Send;
    /// Scaling policies of the sagemaker namespace, only those named `policy_names` unless it is
    /// empty.
    fn describe_scaling_policies(
        &self,
        policy_names: &[String],
    ) -> impl Future<Output = AwsResult<Vec<PolicyDesc>>> + Send;
    /// ListTagsForResource of a scalable target (one ARN per call: the API has no batch form).
    fn list_target_tags(&self, arn: &str) -> impl Future<Output = AwsResult<Tags>> + Send;
    /// TagResource of a scalable target (RegisterScalableTarget's tags apply only on creation).
    fn tag_target(&self, arn: &str, tags: &Tags) -> impl Future<Output = AwsResult<()>> + Send;
    /// UntagResource of a scalable target.
    fn untag_target(&self, arn: &str, keys: &[String]) -> impl Future<Output = AwsResult<()>> + Send;
    /// Every scheduled action in the sagemaker namespace.
    fn describe_scheduled_actions(&self) -> impl Future<Output = AwsResult<Vec<ScheduledActionResource>>> + Send;
    fn register_scalable_target(&self, target: &TargetResource) -> impl Future<Output = AwsResult<()>> + Send;
    fn deregister_scalable_target(&self, endpoint: &str, variant: &str) -> impl Future<Output = AwsResult<()>> + Send;
    fn put_scaling_policy(&self, policy: &PolicyResource) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_scaling_policy(
        &self,
        endpoint: &str,
        variant: &str,
        policy_name: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
    /// DescribeAlarms of the metric and composite alarms of these names (AlarmNames, 100 a
    /// call, pages followed); names that do not exist are absent from the answer.
    fn describe_alarms(&self, names: &[String]) -> impl Future<Output = AwsResult<Vec<AlarmDesc>>> + Send;
    /// DescribeAlarms of the metric alarms whose names start with `prefix` (pages followed).
    fn describe_alarms_with_prefix(&self, prefix: &str) -> impl Future<Output = AwsResult<Vec<AlarmDesc>>> + Send;
    /// ListTagsForResource of an alarm; `None` when it does not exist.
    fn alarm_tags(&self, arn: &str) -> impl Future<Output = AwsResult<Option<Tags>>> + Send;
    /// PutMetricAlarm with the alarm's tags: creates the alarm or overwrites its configuration
    /// (CloudWatch applies `Tags` only when it creates the alarm).
    fn put_metric_alarm(&self, alarm: &AlarmResource) -> impl Future<Output = AwsResult<()>> + Send;
    /// TagResource of an alarm.
    fn tag_alarm(&self, arn: &str, tags: &Tags) -> impl Future<Output = AwsResult<()>> + Send;
    /// UntagResource of an alarm.
    fn untag_alarm(&self, arn: &str, keys: &[String]) -> impl Future<Output = AwsResult<()>> + Send;
    /// DeleteAlarms (100 names a call); names that do not exist are ignored by CloudWatch.
    fn delete_alarms(&self, names: &[String]) -> impl Future<Output = AwsResult<()>> + Send;
    fn put_scheduled_action(&self, action: &ScheduledActionResource) -> impl Future<Output = AwsResult<()>> + Send;
    fn delete_scheduled_action(
        &self,
        endpoint: &str,
        variant: &str,
        name: &str,
    ) -> impl Future<Output = AwsResult<()>> + Send;
}

/// Timing of waits for InService / deletion.
#[derive(Debug, Clone, Copy)]
pub struct WaitOptions {
    pub timeout: Duration,
    pub poll_interval: Duration,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_names_the_iam_action() {
        let e = AwsError {
            service: "sagemaker",
            operation: "UpdateEndpoint",
            resource: "endpoint rec".into(),
            kind: AwsErrorKind::AccessDenied,
            message: "User: arn:aws:iam::1:user/ci is not authorized to perform: sagemaker:UpdateEndpoint".into(),
        };
        assert_eq!(
            e.to_string(),
            "UpdateEndpoint on endpoint rec was denied: the IAM action sagemaker:UpdateEndpoint is not allowed for these credentials (User: arn:aws:iam::1:user/ci is not authorized to perform: sagemaker:UpdateEndpoint)"
        );
    }

    #[test]
    fn access_denied_names_the_action_aws_refused() {
        let denied = |message: &str| AwsError {
            service: "sagemaker",
            operation: "CreateModel",
            resource: "model m".into(),
            kind: AwsErrorKind::AccessDenied,
            message: message.into(),
        };
        // CreateModel refused for the execution role it passes: the sentence names iam:PassRole.
        let e = denied("User: arn:aws:iam::1:user/ci is not authorized to perform: iam:PassRole on resource: arn:aws:iam::1:role/r because no identity-based policy allows the iam:PassRole action");
        assert_eq!(e.iam_action(), "iam:PassRole");
        assert_eq!(
            e.to_string(),
            "CreateModel on model m was denied: the IAM action iam:PassRole is not allowed for these credentials (User: arn:aws:iam::1:user/ci is not authorized to perform: iam:PassRole on resource: arn:aws:iam::1:role/r because no identity-based policy allows the iam:PassRole action)"
        );
        assert_eq!(
            denied("User: x is not authorized to perform: sagemaker:CreateModel").iam_action(),
            "sagemaker:CreateModel"
        );
        // A message without the action, or with something else there: the operation's own.
        assert_eq!(denied("Access denied").iam_action(), "sagemaker:CreateModel");
        assert_eq!(denied("User: x is not authorized to perform: this").iam_action(), "sagemaker:CreateModel");
    }
}
