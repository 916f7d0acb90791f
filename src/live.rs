//! Reads what AWS has for the endpoints of a spec into a [`LiveState`], through [`Aws`] only.
//!
//! Cost, by design: per endpoint DescribeEndpoint, ListTags and DescribeEndpointConfig, plus one
//! DescribeModel per inline (endpoint-scale-named) model; the auto scaling side in batched,
//! paginated calls (DescribeScalableTargets with up to 50 resource ids per page,
//! DescribeScalingPolicies filtered on endpoint-scale's policy name, DescribeScheduledActions for
//! the sagemaker namespace), so N endpoints never cost 3N auto scaling calls. Endpoints are read
//! concurrently, at most `parallelism` at a time.

use std::collections::BTreeMap;

use futures::stream::{self, StreamExt, TryStreamExt};
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::aws::{Aws, AwsResult, EndpointDesc};
use crate::model::Tags;
use crate::resources::{
    resource_id, ConfigResource, ModelResource, PolicyResource, ScheduledActionResource, TargetResource, TAG_MANAGED,
    TAG_PROJECT,
};

/// Who an existing endpoint belongs to, from its tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case", tag = "owner", content = "project")]
pub enum Ownership {
    /// Tagged by endpoint-scale for this spec's project.
    Ours,
    /// Tagged by endpoint-scale for another project.
    OtherProject(String),
    /// No endpoint-scale tags: made by hand or by another tool.
    Unmanaged,
}

/// One endpoint as it exists in AWS, with everything endpoint-scale compares.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LiveEndpoint {
    pub desc: EndpointDescView,
    pub tags: Tags,
    pub ownership: Ownership,
    pub config: Option<ConfigResource>,
    /// Inline models (named `<endpoint>-<hash>`) that the current config uses.
    pub models: Vec<ModelResource>,
    pub targets: Vec<TargetResource>,
    pub policies: Vec<PolicyResource>,
    pub schedules: Vec<ScheduledActionResource>,
}

/// The parts of DescribeEndpoint the plan uses (serializable for the fingerprint).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EndpointDescView {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub config_name: String,
    pub failure_reason: Option<String>,
    /// (variant, desired instance count, desired weight)
    pub variants: Vec<(String, Option<u32>, Option<f64>)>,
}

impl From<EndpointDesc> for EndpointDescView {
    fn from(d: EndpointDesc) -> Self {
        EndpointDescView {
            variants: d.variants.into_iter().map(|v| (v.name, v.desired_instance_count, v.desired_weight)).collect(),
            name: d.name,
            arn: d.arn,
            status: d.status,
            config_name: d.config_name,
            failure_reason: d.failure_reason,
        }
    }
}

impl EndpointDescView {
    pub fn is_in_service(&self) -> bool {
        self.status == "InService"
    }

    pub fn variant(&self, name: &str) -> Option<(Option<u32>, Option<f64>)> {
        self.variants.iter().find(|v| v.0 == name).map(|v| (v.1, v.2))
    }
}

/// What AWS has, as far as one spec is concerned.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct LiveState {
    /// Endpoints of the spec that exist, by name.
    pub endpoints: BTreeMap<String, LiveEndpoint>,
    /// Endpoints of this project that are not in the spec (read only for `--prune`).
    pub strays: BTreeMap<String, LiveEndpoint>,
}

impl LiveState {
    /// A digest of everything the plan was computed from; a saved plan is refused when the live
    /// state's digest has changed since.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
    }
}

/// Is `name` one of the names endpoint-scale gives configs and models of `endpoint`?
pub fn is_derived_name(endpoint: &str, name: &str) -> bool {
    name.strip_prefix(endpoint)
        .and_then(|rest| rest.strip_prefix('-'))
        .is_some_and(|hash| hash.len() == 8 && hash.bytes().all(|b| b.is_ascii_hexdigit()))
}

pub fn ownership(tags: &Tags, project: &str) -> Ownership {
    match (tags.get(TAG_MANAGED).map(String::as_str), tags.get(TAG_PROJECT)) {
        (Some("true"), Some(p)) if p == project => Ownership::Ours,
        (Some("true"), Some(p)) => Ownership::OtherProject(p.clone()),
        _ => Ownership::Unmanaged,
    }
}

/// Reads the live state of `endpoints` (and, with `prune`, of every endpoint of `project`).
pub async fn read<A: Aws>(
    aws: &A,
    project: &str,
    endpoints: &[String],
    prune: bool,
    parallelism: usize,
) -> AwsResult<LiveState> {
    let mut names: Vec<String> = endpoints.to_vec();
    let mut stray_names = Vec::new();
    if prune {
        for (name, _) in aws.list_endpoints().await? {
            if !endpoints.contains(&name) {
                stray_names.push(name.clone());
                names.push(name);
            }
        }
    }
    let found: Vec<Option<LiveEndpoint>> = stream::iter(names.iter())
        .map(|name| read_endpoint(aws, project, name, stray_names.contains(name)))
        .buffered(parallelism.max(1))
        .try_collect()
        .await?;
    let mut found: Vec<LiveEndpoint> = found.into_iter().flatten().collect();

    let ids: Vec<String> = found
        .iter()
        .flat_map(|e| {
            let mut variants: Vec<&str> = e.desc.variants.iter().map(|v| v.0.as_str()).collect();
            if let Some(c) = &e.config {
                variants.extend(c.variants.iter().map(|v| v.name.as_str()));
            }
            variants.sort();
            variants.dedup();
            variants.into_iter().map(|v| resource_id(&e.desc.name, v)).collect::<Vec<_>>()
        })
        .collect();
    if !ids.is_empty() {
        let targets = aws.describe_scalable_targets(&ids).await?;
        let policies = aws.describe_scaling_policies(&[crate::resources::POLICY_NAME.to_string()]).await?;
        let schedules = aws.describe_scheduled_actions().await?;
        for e in &mut found {
            let name = e.desc.name.clone();
            e.targets = targets.iter().filter(|t| t.endpoint == name).cloned().collect();
            e.policies = policies.iter().filter(|p| p.endpoint == name).cloned().collect();
            e.schedules = schedules.iter().filter(|s| s.endpoint == name).cloned().collect();
            e.targets.sort_by(|a, b| a.variant.cmp(&b.variant));
            e.policies.sort_by(|a, b| (&a.variant, &a.policy_name).cmp(&(&b.variant, &b.policy_name)));
            e.schedules.sort_by(|a, b| (&a.variant, &a.name).cmp(&(&b.variant, &b.name)));
        }
    }
    let mut state = LiveState::default();
    for e in found {
        let name = e.desc.name.clone();
        if stray_names.contains(&name) {
            state.strays.insert(name, e);
        } else {
            state.endpoints.insert(name, e);
        }
    }
    Ok(state)
}

/// Reads one endpoint. A stray (`--prune`) that is not ours is dropped after its tags, without
/// reading its config and models: other endpoints in the account are not our business.
async fn read_endpoint<A: Aws>(aws: &A, project: &str, name: &str, stray: bool) -> AwsResult<Option<LiveEndpoint>> {
    let Some(desc) = aws.describe_endpoint(name).await? else { return Ok(None) };
    let tags = aws.list_tags(&desc.arn).await?;
    let ownership = ownership(&tags, project);
    if stray && ownership != Ownership::Ours {
        return Ok(None);
    }
    let mut config = aws.describe_endpoint_config(&desc.config_name).await?;
    let mut models = Vec::new();
    if let Some(c) = &mut config {
        c.endpoint = name.to_string();
        let mut inline: Vec<&str> =
            c.variants.iter().map(|v| v.model_name.as_str()).filter(|m| is_derived_name(name, m)).collect();
        inline.sort();
        inline.dedup();
        for model in inline {
            if let Some(mut m) = aws.describe_model(model).await? {
                m.endpoint = name.to_string();
                models.push(m);
            }
        }
    }
    Ok(Some(LiveEndpoint {
        desc: desc.into(),
        tags,
        ownership,
        config,
        models,
        targets: Vec::new(),
        policies: Vec::new(),
        schedules: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derived_names() {
        assert!(is_derived_name("rec", "rec-0a1b2c3d"));
        assert!(!is_derived_name("rec", "rec-prod-0a1b2c3d"));
        assert!(!is_derived_name("rec", "rec-0a1b2c3"));
        assert!(!is_derived_name("rec", "recommender-model"));
    }

    #[test]
    fn ownership_needs_both_tags_and_the_project() {
        let tags =
            |pairs: &[(&str, &str)]| -> Tags { pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect() };
        assert_eq!(ownership(&tags(&[(TAG_MANAGED, "true"), (TAG_PROJECT, "p")]), "p"), Ownership::Ours);
        assert_eq!(
            ownership(&tags(&[(TAG_MANAGED, "true"), (TAG_PROJECT, "q")]), "p"),
            Ownership::OtherProject("q".into())
        );
        assert_eq!(ownership(&tags(&[(TAG_PROJECT, "p")]), "p"), Ownership::Unmanaged);
        assert_eq!(ownership(&Tags::new(), "p"), Ownership::Unmanaged);
    }
}
