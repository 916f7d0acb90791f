//! The only module that touches `aws-sdk-*`: configuration loading (the standard credential
//! chain, `--profile`, `--region`, `--endpoint-url`, retries), one narrow client trait [`Aws`]
//! with the calls endpoint-scale makes, and error mapping to [`AwsError`].
//!
//! Everything above this module speaks endpoint-scale's own types (`resources::*`, the `*Desc`
//! structs here), so plan and apply logic is tested against an in-memory [`Aws`] and end to end
//! against the local emulator, never against SDK mocks.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use crate::model::Tags;
use crate::resources::{
    ConfigResource, ModelResource, PolicyResource, ScheduledActionResource, TargetResource, WeightAndCapacity,
};

mod instance_types;
pub mod sdk;

pub use instance_types::hosting_instance_types;
pub use sdk::{load, SdkAws};

/// How to reach AWS, from flags and the environment.
#[derive(Debug, Clone, Default)]
pub struct AwsOptions {
    pub profile: Option<String>,
    pub region: Option<String>,
    /// Falls back to the spec's `region:` when neither flag nor environment sets one.
    pub spec_region: Option<String>,
    pub endpoint_url: Option<String>,
    pub max_attempts: Option<u32>,
    pub adaptive_retry: bool,
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct VariantDesc {
    pub name: String,
    pub desired_instance_count: Option<u32>,
    pub desired_weight: Option<f64>,
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
    Connection,
    Other,
}

impl AwsError {
    /// The IAM action an AccessDenied refused, e.g. `sagemaker:UpdateEndpoint`.
    pub fn iam_action(&self) -> String {
        format!("{}:{}", self.service, self.operation)
    }
}

impl fmt::Display for AwsError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.kind {
            AwsErrorKind::AccessDenied => write!(
                f,
                "{} on {} was denied: the IAM action {} is not allowed for these credentials ({})",
                self.operation,
                self.resource,
                self.iam_action(),
                self.message
            ),
            AwsErrorKind::Connection => {
                write!(f, "{} on {} could not reach AWS: {}", self.operation, self.resource, self.message)
            }
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
    /// UpdateEndpoint with RetainAllVariantProperties, so live counts and weights survive.
    fn update_endpoint(&self, name: &str, config: &str) -> impl Future<Output = AwsResult<()>> + Send;
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
    ) -> impl Future<Output = AwsResult<Vec<TargetResource>>> + Send;
    /// Target tracking policies on SageMakerVariantInvocationsPerInstance in the sagemaker
    /// namespace, only those named `policy_names` unless it is empty.
    fn describe_scaling_policies(
        &self,
        policy_names: &[String],
    ) -> impl Future<Output = AwsResult<Vec<PolicyResource>>> + Send;
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
}
