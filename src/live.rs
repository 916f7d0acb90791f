//! Reads what AWS has for the endpoints of a spec into a [`LiveState`], through [`Aws`] only.
//!
//! Cost, by design: per endpoint DescribeEndpoint, ListTags and DescribeEndpointConfig, plus one
//! DescribeModel per inline (endpoint-scale-named) model; the auto scaling side in batched,
//! paginated calls (DescribeScalableTargets with up to 50 resource ids per call,
//! DescribeScalingPolicies and DescribeScheduledActions for the sagemaker namespace), so N
//! endpoints never cost 3N auto scaling calls; and one listing of the account's configs and
//! models (pages of 100), from which the configs and models an endpoint no longer uses are found
//! (ListTags and a Describe each, only for those). For an owned endpoint the tags of its config,
//! inline models and scalable targets are read too (ListTags each, ListTagsForResource per target:
//! that API has no batch form), so a changed tag reaches them all. All calls share one queue of
//! `parallelism` slots (see [`read`]).
//!
//! Rollout alarms: one DescribeAlarms (100 names a call, metric and composite alarms) of the
//! alarms the spec's rollouts name and those the endpoints' LastDeploymentConfig watched; one
//! DescribeAlarms by AlarmNamePrefix `<endpoint>-` (metric alarms) per owned endpoint of the
//! spec and per owned stray, with or without a `rollout:`, since validation names every owned
//! alarm `<endpoint>-...` and an endpoint whose `rollout:` was removed (or that left the spec)
//! still has them; of the prefix's answer only alarms on namespace AWS/SageMaker with dimension
//! EndpointName = the endpoint are kept (nothing else can be ours: `prod-` also matches alarms of
//! endpoint `prod-eu`, and anyone's). Then ListTagsForResource of each kept metric alarm the spec
//! does not list as the team's own, for its ownership. CloudWatch cannot filter alarms by tag or
//! dimension, and listing every alarm of the account costs a call per 100 alarms of it.
//! So every owned alarm is found whatever the spec says now, and deleted when dropped. Only an
//! owned alarm named otherwise by a build from before the `<endpoint>-` rule, and dropped before
//! any rollout used it, is not found: it stays (an alarm without actions, harmless) and is
//! deleted by hand. Cost: one DescribeAlarms per owned endpoint on every read, plus the tag reads
//! of its alarms.

use std::collections::BTreeMap;

use std::future::Future;

use futures::future::{join, try_join, try_join3, try_join_all};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::Semaphore;

use crate::aws::{AlarmDesc, Aws, AwsErrorKind, AwsResult, EndpointDesc, PolicyDesc, TargetDesc};
use crate::model::Tags;
use crate::resources::{
    is_derived_name, resource_id, AlarmResource, ConfigResource, DeploymentConfig, Kind, ModelResource, PolicyResource,
    ScheduledActionResource, TargetResource, ALARM_NAMESPACE, POLICY_NAME, TAG_ENDPOINT, TAG_MANAGED, TAG_PREFIX,
    TAG_PROJECT,
};

/// Who an existing endpoint belongs to, from its tags.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveEndpoint {
    pub desc: EndpointDescView,
    pub tags: Tags,
    pub ownership: Ownership,
    pub config: Option<ConfigResource>,
    /// Inline models (named `<endpoint>-<hash>`) that the current config uses.
    pub models: Vec<ModelResource>,
    pub targets: Vec<TargetResource>,
    /// endpoint-scale's invocations target tracking policies.
    pub policies: Vec<PolicyResource>,
    /// Invocations target tracking policies under other names: made by hand. Adoption takes one
    /// per variant over; on an owned target the others are extra (see `other_policies`).
    pub foreign_policies: Vec<PolicyResource>,
    /// Policies a spec cannot express (step scaling, target tracking on another metric), with
    /// what they are; only their identity is read.
    pub other_policies: Vec<(PolicyResource, String)>,
    pub schedules: Vec<ScheduledActionResource>,
    /// Where the tags of the config, the inline models and the scalable targets were read (into
    /// their `tags`), by ARN; a resource missing here has unknown tags (not ours, or not listed).
    pub tagged: TaggedArns,
}

/// ARNs of the owned resources of an endpoint whose tags were read: tagging steps need them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaggedArns {
    pub config: Option<String>,
    /// By model name.
    pub models: BTreeMap<String, String>,
    /// By variant.
    pub targets: BTreeMap<String, String>,
}

/// The parts of DescribeEndpoint the plan uses (serializable for the fingerprint).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointDescView {
    pub name: String,
    pub arn: String,
    pub status: String,
    pub config_name: String,
    pub failure_reason: Option<String>,
    /// (variant, desired instance count, desired weight)
    pub variants: Vec<(String, Option<u32>, Option<f64>)>,
    /// `LastDeploymentConfig` (absent from plans saved before rollouts existed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_deployment: Option<DeploymentConfig>,
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
            last_deployment: d.last_deployment,
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
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LiveState {
    /// Endpoints of the spec that exist, by name.
    pub endpoints: BTreeMap<String, LiveEndpoint>,
    /// Endpoints of this project that are not in the spec (read only for `--prune`).
    pub strays: BTreeMap<String, LiveEndpoint>,
    /// Configs and models of this project, named for an endpoint (of the spec, or a stray), that
    /// the endpoint does not use: what an interrupted or failed run left behind. By endpoint.
    pub unused: BTreeMap<String, UnusedResources>,
    /// Configs and models named like an endpoint's derived names that are not this project's
    /// (someone else's, possibly made to be served by our endpoint): names and owners. By endpoint.
    pub foreign: BTreeMap<String, Vec<(String, Ownership)>>,
    /// CloudWatch alarms found among [`LiveState::alarms_read`], by name.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub alarms: BTreeMap<String, LiveAlarm>,
    /// The alarm names DescribeAlarms was asked about: a rollout alarm of the spec missing from
    /// [`LiveState::alarms`] but named here does not exist (empty when nothing was read, as
    /// offline).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alarms_read: Vec<String>,
}

/// A CloudWatch alarm as DescribeAlarms reported it, with its tags when they were read.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveAlarm {
    /// Its configuration, and its tags (empty when not read).
    pub alarm: AlarmResource,
    pub arn: String,
    pub state: String,
    /// Its tags were read (ListTagsForResource): only those of metric alarms the spec does not
    /// list as the team's own.
    pub tagged: bool,
    /// A composite alarm: a team's rollback alarm may be one; never ours, its tags are not read.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub composite: bool,
}

impl LiveAlarm {
    /// The endpoint of this project that owns it, from its ownership tags.
    pub fn owner(&self, project: &str) -> Option<&str> {
        (ownership(&self.alarm.tags, project) == Ownership::Ours)
            .then(|| self.alarm.tags.get(TAG_ENDPOINT).map(String::as_str))
            .flatten()
    }
}

/// Owned configs and models an endpoint does not use.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct UnusedResources {
    pub configs: Vec<ConfigResource>,
    pub models: Vec<ModelResource>,
}

impl LiveState {
    /// A digest of everything the plan was computed from; a saved plan is refused when the live
    /// state's digest has changed since.
    pub fn fingerprint(&self) -> String {
        let json = serde_json::to_vec(self).unwrap_or_default();
        Sha256::digest(&json).iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Puts back the one thing serialization leaves out (a saved plan holds the live state):
    /// which endpoint each config and model was read for, as [`read`] sets it.
    pub fn relink(&mut self) {
        for (name, e) in self.endpoints.iter_mut().chain(self.strays.iter_mut()) {
            if let Some(c) = &mut e.config {
                c.endpoint = name.clone();
            }
            for m in &mut e.models {
                m.endpoint = name.clone();
            }
        }
        for (name, unused) in &mut self.unused {
            for c in &mut unused.configs {
                c.endpoint = name.clone();
            }
            for m in &mut unused.models {
                m.endpoint = name.clone();
            }
        }
    }
}

pub fn ownership(tags: &Tags, project: &str) -> Ownership {
    match (tags.get(TAG_MANAGED).map(String::as_str), tags.get(TAG_PROJECT)) {
        (Some("true"), Some(p)) if p == project => Ownership::Ours,
        (Some("true"), Some(p)) => Ownership::OtherProject(p.clone()),
        _ => Ownership::Unmanaged,
    }
}

/// The endpoints to read: their names and, when known from the spec, their variants (so the
/// auto scaling reads can start before SageMaker has answered).
#[derive(Debug, Clone, Default)]
pub struct Wanted {
    pub endpoint: String,
    pub variants: Vec<String>,
    /// The spec adopts it (or `import` reads it): its invocations policies are read under any
    /// name, not only endpoint-scale's.
    pub adopt: bool,
    /// The spec's tags for its resources (without the ownership tags). The tags of its config,
    /// models and scalable targets are read only when the endpoint's own tags differ from these:
    /// a tag change in the spec shows on the endpoint first, and steady-state reads stay at
    /// their budget. `None` reads them always.
    pub tags: Option<Tags>,
    /// The rollout's alarms: (name, owned by endpoint-scale). Owned ones, and any alarm a live
    /// deployment watched, have their tags read; the team's own only their existence.
    pub alarms: Vec<(String, bool)>,
}

/// At most `limit` AWS calls in flight, whichever endpoint they belong to: one queue for the
/// whole read, so a slow endpoint never leaves a slot idle.
struct Gate(Semaphore);

impl Gate {
    async fn call<T>(&self, call: impl Future<Output = T>) -> T {
        // The semaphore is never closed, so acquiring cannot fail; a failure would only lift the limit.
        let _permit = self.0.acquire().await.ok();
        call.await
    }
}

/// Reads the live state of `endpoints` (and, with `prune`, of every endpoint of `project`).
///
/// The reads form a dependency graph, not waves: per endpoint DescribeEndpoint, then ListTags
/// beside DescribeEndpointConfig, then the config's models together; the auto scaling reads and
/// the account's config and model lists need nothing from those and start at once. Every call
/// waits for one of `parallelism` slots.
pub async fn read<A: Aws>(
    aws: &A,
    project: &str,
    endpoints: &[Wanted],
    prune: bool,
    parallelism: usize,
) -> AwsResult<LiveState> {
    let gate = Gate(Semaphore::new(parallelism.max(1)));
    let gate = &gate;
    let spec_ids: Vec<String> =
        endpoints.iter().flat_map(|e| e.variants.iter().map(|v| resource_id(&e.endpoint, v))).collect();
    // Every policy of the namespace, not only endpoint-scale's: one added by hand to an owned
    // target scales it too, so the diff must see it (and adoption takes hand-made ones over).
    // The API filters by one ResourceId or by names, not by a list of targets, so reading the
    // namespace is one call per 50 policies of the account, like the scheduled actions.
    let policy_names: Vec<String> = Vec::new();
    let scaling = async {
        let targets = try_join_all(spec_ids.chunks(50).map(|ids| gate.call(aws.describe_scalable_targets(ids))));
        let policies = gate.call(aws.describe_scaling_policies(&policy_names));
        let schedules = gate.call(aws.describe_scheduled_actions());
        try_join3(targets, policies, schedules).await
    };
    // Every config and model of the account, by name: what the spec's endpoints no longer use is
    // found among them. A few pages in most accounts, read beside everything else.
    let listings = try_join(gate.call(aws.list_endpoint_configs("")), gate.call(aws.list_models("")));
    let sagemaker = async {
        let mut names: Vec<(String, bool)> = endpoints.iter().map(|e| (e.endpoint.clone(), false)).collect();
        if prune {
            for (name, _) in gate.call(aws.list_endpoints()).await? {
                if !names.iter().any(|(n, _)| *n == name) {
                    names.push((name, true));
                }
            }
        }
        let found = try_join_all(names.iter().map(|(name, stray)| {
            let adopt = endpoints.iter().any(|w| w.endpoint == *name && w.adopt);
            read_endpoint(aws, gate, project, name, *stray, adopt)
        }))
        .await?;
        AwsResult::Ok((names, found))
    };
    let ((targets, policies, schedules), (configs, models), (names, found)) =
        try_join3(scaling, listings, sagemaker).await?;
    let mut targets: Vec<TargetDesc> = targets.into_iter().flatten().collect();
    let mut found: Vec<LiveEndpoint> = found.into_iter().flatten().collect();

    // Variants the spec does not name (removed from it, or a stray's) are read after SageMaker
    // said which exist.
    let extra: Vec<String> = found
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
        .filter(|id| !spec_ids.contains(id))
        .collect();
    for found_targets in try_join_all(extra.chunks(50).map(|ids| gate.call(aws.describe_scalable_targets(ids)))).await?
    {
        targets.extend(found_targets);
    }
    let mut target_arns: BTreeMap<(String, String), String> = BTreeMap::new();
    for t in &targets {
        if let Some(arn) = &t.arn {
            target_arns.insert((t.target.endpoint.clone(), t.target.variant.clone()), arn.clone());
        }
    }
    let by_name = |p: &&PolicyDesc, name: &str| p.policy.endpoint == name;
    for e in &mut found {
        let name = e.desc.name.clone();
        e.targets = targets.iter().filter(|t| t.target.endpoint == name).map(|t| t.target.clone()).collect();
        // endpoint-scale's name is always compared (a hand-made policy under it is overwritten).
        e.policies = policies
            .iter()
            .filter(|p| by_name(p, &name) && p.policy.policy_name == POLICY_NAME)
            .map(|p| p.policy.clone())
            .collect();
        e.foreign_policies = policies
            .iter()
            .filter(|p| by_name(p, &name) && p.policy.policy_name != POLICY_NAME && p.other.is_none())
            .map(|p| p.policy.clone())
            .collect();
        e.foreign_policies.sort_by(|a, b| (&a.variant, &a.policy_name).cmp(&(&b.variant, &b.policy_name)));
        e.other_policies = policies
            .iter()
            .filter(|p| by_name(p, &name) && p.policy.policy_name != POLICY_NAME)
            .filter_map(|p| Some((p.policy.clone(), p.other.clone()?)))
            .collect();
        e.other_policies.sort_by(|a, b| (&a.0.variant, &a.0.policy_name).cmp(&(&b.0.variant, &b.0.policy_name)));
        e.schedules = schedules.iter().filter(|s| s.endpoint == name).cloned().collect();
        e.targets.sort_by(|a, b| a.variant.cmp(&b.variant));
        e.targets.dedup_by(|a, b| a.variant == b.variant);
        e.policies.sort_by(|a, b| (&a.variant, &a.policy_name).cmp(&(&b.variant, &b.policy_name)));
        e.schedules.sort_by(|a, b| (&a.variant, &a.name).cmp(&(&b.variant, &b.name)));
    }

    // Tags of what an owned endpoint of the spec uses: its config (when endpoint-scale named it),
    // its inline models and its scalable targets, so a changed tag reaches them all. The ARNs
    // come from the listings and DescribeScalableTargets: one ListTags per config and model and
    // one ListTagsForResource per target (that API takes one ARN), all at once.
    let arn_of = |list: &[(String, String)], name: &str| list.iter().find(|(n, _)| n == name).map(|(_, a)| a.clone());
    let mut tag_reads = Vec::new();
    for (i, e) in found.iter().enumerate() {
        // Ours, or about to be (adopt: its targets get the spec's tags in the same plan).
        let adopting =
            e.ownership == Ownership::Unmanaged && endpoints.iter().any(|w| w.endpoint == e.desc.name && w.adopt);
        if !(e.ownership == Ownership::Ours || adopting) || names.iter().any(|(n, stray)| *n == e.desc.name && *stray) {
            continue;
        }
        let user_tags: Tags = e
            .tags
            .iter()
            .filter(|(k, _)| !k.starts_with(TAG_PREFIX) && !k.starts_with("aws:"))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let spec_tags = endpoints.iter().find(|w| w.endpoint == e.desc.name).and_then(|w| w.tags.as_ref());
        if !adopting && spec_tags.is_some_and(|t| *t == user_tags) {
            continue;
        }
        if let Some(c) = e.config.as_ref().filter(|c| is_derived_name(&e.desc.name, &c.name)) {
            if let Some(arn) = arn_of(&configs, &c.name) {
                tag_reads.push((i, Tagged::Config, arn));
            }
        }
        for m in &e.models {
            if let Some(arn) = arn_of(&models, &m.name) {
                tag_reads.push((i, Tagged::Model(m.name.clone()), arn));
            }
        }
        for t in &e.targets {
            if let Some(arn) = target_arns.get(&(t.endpoint.clone(), t.variant.clone())) {
                tag_reads.push((i, Tagged::Target(t.variant.clone()), arn.clone()));
            }
        }
    }
    let read_tags = tag_reads.iter().map(|(_, what, arn)| async move {
        match what {
            Tagged::Target(_) => gate.call(aws.list_target_tags(arn)).await,
            _ => gate.call(aws.list_tags(arn)).await,
        }
    });
    for ((i, what, arn), tags) in tag_reads.iter().zip(try_join_all(read_tags).await?) {
        let e = &mut found[*i];
        match what {
            Tagged::Config => {
                if let Some(c) = &mut e.config {
                    c.tags = tags;
                    e.tagged.config = Some(arn.clone());
                }
            }
            Tagged::Model(name) => {
                if let Some(m) = e.models.iter_mut().find(|m| m.name == *name) {
                    m.tags = tags;
                    e.tagged.models.insert(name.clone(), arn.clone());
                }
            }
            Tagged::Target(variant) => {
                if let Some(t) = e.targets.iter_mut().find(|t| t.variant == *variant) {
                    t.tags = tags;
                    e.tagged.targets.insert(variant.clone(), arn.clone());
                }
            }
        }
    }

    // Owned configs and models named for an endpoint that its current config does not use.
    let mut candidates = Vec::new();
    for (name, stray) in &names {
        let live = found.iter().find(|e| e.desc.name == *name);
        if *stray && live.is_none() {
            continue; // a stray that is not ours
        }
        if live.is_some_and(|e| e.ownership != Ownership::Ours) {
            continue; // a conflict: nothing of it is ours to delete
        }
        let current = live.map(|e| e.desc.config_name.as_str());
        let used: Vec<&str> = live
            .and_then(|e| e.config.as_ref())
            .map(|c| c.variants.iter().map(|v| v.model_name.as_str()).collect())
            .unwrap_or_default();
        for (config, arn) in configs.iter().filter(|(c, _)| is_derived_name(name, c) && Some(c.as_str()) != current) {
            candidates.push((name.clone(), Kind::EndpointConfig, config.clone(), arn.clone()));
        }
        for (model, arn) in models.iter().filter(|(m, _)| is_derived_name(name, m) && !used.contains(&m.as_str())) {
            candidates.push((name.clone(), Kind::Model, model.clone(), arn.clone()));
        }
    }
    // With --prune, also what a failed create left of an endpoint that no longer exists and
    // left the spec: derived names whose endpoint is nowhere (the account's endpoints were
    // listed for --prune), kept only if their tags make them this project's.
    if prune {
        let orphan = |name: &str| -> Option<String> {
            let (endpoint, _) = name.rsplit_once('-')?;
            (is_derived_name(endpoint, name) && !names.iter().any(|(n, _)| n == endpoint)).then(|| endpoint.to_string())
        };
        for (config, arn) in configs.iter() {
            if let Some(endpoint) = orphan(config) {
                candidates.push((endpoint, Kind::EndpointConfig, config.clone(), arn.clone()));
            }
        }
        for (model, arn) in models.iter() {
            if let Some(endpoint) = orphan(model) {
                candidates.push((endpoint, Kind::Model, model.clone(), arn.clone()));
            }
        }
    }
    let read_unused = candidates.iter().map(|(endpoint, kind, name, arn)| async move {
        let owner = ownership(&gate.call(aws.list_tags(arn)).await?, project);
        if owner != Ownership::Ours {
            return AwsResult::Ok(Some(Unused::Foreign(endpoint.clone(), name.clone(), owner)));
        }
        Ok(match kind {
            Kind::EndpointConfig => gate.call(aws.describe_endpoint_config(name)).await?.map(|mut c| {
                c.endpoint = endpoint.clone();
                Unused::Config(c)
            }),
            _ => gate.call(aws.describe_model(name)).await?.map(|mut m| {
                m.endpoint = endpoint.clone();
                Unused::Model(m)
            }),
        })
    });
    let mut state = LiveState::default();
    for unused in try_join_all(read_unused).await?.into_iter().flatten() {
        match unused {
            Unused::Config(c) => state.unused.entry(c.endpoint.clone()).or_default().configs.push(c),
            Unused::Model(m) => state.unused.entry(m.endpoint.clone()).or_default().models.push(m),
            Unused::Foreign(endpoint, name, owner) => state.foreign.entry(endpoint).or_default().push((name, owner)),
        }
    }
    read_alarms(aws, gate, endpoints, &found, &mut state).await?;
    for e in found {
        let name = e.desc.name.clone();
        if names.iter().any(|(n, stray)| *n == name && *stray) {
            state.strays.insert(name, e);
        } else {
            state.endpoints.insert(name, e);
        }
    }
    Ok(state)
}

/// The alarms of the spec's rollouts and of the endpoints' last deployments, and those named
/// after each owned endpoint (see the module doc): one DescribeAlarms per 100 names and one per
/// owned endpoint, then the tags of those that may be owned.
async fn read_alarms<A: Aws>(
    aws: &A,
    gate: &Gate,
    endpoints: &[Wanted],
    found: &[LiveEndpoint],
    state: &mut LiveState,
) -> AwsResult<()> {
    let mut names: Vec<String> = endpoints.iter().flat_map(|w| w.alarms.iter().map(|(n, _)| n.clone())).collect();
    for e in found.iter().filter(|e| e.ownership == Ownership::Ours) {
        if let Some(rollback) = e.desc.last_deployment.as_ref().and_then(|d| d.auto_rollback_configuration.as_ref()) {
            names.extend(rollback.alarms.iter().map(|a| a.alarm_name.clone()));
        }
    }
    names.sort();
    names.dedup();
    let team: Vec<&str> =
        endpoints.iter().flat_map(|w| w.alarms.iter().filter(|(_, owned)| !owned).map(|(n, _)| n.as_str())).collect();
    let owned: Vec<&str> =
        found.iter().filter(|e| e.ownership == Ownership::Ours).map(|e| e.desc.name.as_str()).collect();
    let named = async {
        if names.is_empty() {
            return AwsResult::Ok(Vec::new());
        }
        gate.call(aws.describe_alarms(&names)).await
    };
    let (named, prefixed) = try_join(
        named,
        try_join_all(owned.iter().map(|e| async move {
            let alarms = gate.call(aws.describe_alarms_with_prefix(&format!("{e}-"))).await?;
            AwsResult::Ok(alarms.into_iter().filter(|a| watches(a, e)).collect::<Vec<_>>())
        })),
    )
    .await?;
    let mut found = named;
    for a in prefixed.into_iter().flatten() {
        if !found.iter().any(|f| f.alarm.name == a.alarm.name) {
            found.push(a);
        }
    }
    let team = &team;
    let tags = try_join_all(found.iter().map(|a| async move {
        // A composite alarm is never ours (endpoint-scale creates metric alarms only).
        if team.contains(&a.alarm.name.as_str()) || a.arn.is_empty() || a.composite {
            return AwsResult::Ok(None);
        }
        gate.call(aws.alarm_tags(&a.arn)).await
    }))
    .await?;
    for (a, tags) in found.into_iter().zip(tags) {
        let tagged = tags.is_some();
        let mut alarm = a.alarm;
        alarm.tags = tags.unwrap_or_default();
        let live = LiveAlarm { alarm, arn: a.arn, state: a.state, tagged, composite: a.composite };
        state.alarms.insert(live.alarm.name.clone(), live);
    }
    state.alarms_read = names;
    Ok(())
}

/// A metric alarm on an AWS/SageMaker metric of `endpoint`: only such an alarm, among those
/// named `<endpoint>-...`, can be one endpoint-scale made for it.
fn watches(a: &AlarmDesc, endpoint: &str) -> bool {
    !a.composite && a.alarm.namespace == ALARM_NAMESPACE && a.alarm.endpoint == endpoint
}

enum Tagged {
    Config,
    Model(String),
    Target(String),
}

enum Unused {
    Config(ConfigResource),
    Model(ModelResource),
    Foreign(String, String, Ownership),
}

/// Reads one endpoint. A stray (`--prune`) that is not ours is dropped after its tags, without
/// reading its config and models: other endpoints in the account are not our business.
///
/// The config of a spec endpoint is read beside its tags, before they say whose it is. When the
/// endpoint turns out not to be ours (a conflict, unless the spec adopts it), a config we may
/// not read is no error: the plan needs only the owner, and the least-privilege policy
/// (`iam-policy`) allows reading only the configs this project names.
async fn read_endpoint<A: Aws>(
    aws: &A,
    gate: &Gate,
    project: &str,
    name: &str,
    stray: bool,
    adopt: bool,
) -> AwsResult<Option<LiveEndpoint>> {
    let Some(desc) = gate.call(aws.describe_endpoint(name)).await? else { return Ok(None) };
    let config = async {
        if stray {
            // Read only once the tags say it is ours.
            return AwsResult::Ok((None, Vec::new()));
        }
        read_config(aws, gate, name, &desc.config_name).await
    };
    let (tags, read) = join(gate.call(aws.list_tags(&desc.arn)), config).await;
    let tags = tags?;
    let ownership = ownership(&tags, project);
    let (config, models) = match read {
        Err(e) if e.kind == AwsErrorKind::AccessDenied && ownership != Ownership::Ours && !adopt => (None, Vec::new()),
        other => other?,
    };
    let (config, models) = match (stray, &ownership) {
        (true, Ownership::Ours) => read_config(aws, gate, name, &desc.config_name).await?,
        (true, _) => return Ok(None),
        (false, _) => (config, models),
    };
    Ok(Some(LiveEndpoint {
        desc: desc.into(),
        tags,
        ownership,
        config,
        models,
        targets: Vec::new(),
        policies: Vec::new(),
        foreign_policies: Vec::new(),
        other_policies: Vec::new(),
        schedules: Vec::new(),
        tagged: TaggedArns::default(),
    }))
}

/// An endpoint's config and, together, the inline models it uses.
async fn read_config<A: Aws>(
    aws: &A,
    gate: &Gate,
    endpoint: &str,
    config_name: &str,
) -> AwsResult<(Option<ConfigResource>, Vec<ModelResource>)> {
    let Some(mut config) = gate.call(aws.describe_endpoint_config(config_name)).await? else {
        return Ok((None, Vec::new()));
    };
    config.endpoint = endpoint.to_string();
    let mut inline: Vec<&str> =
        config.variants.iter().map(|v| v.model_name.as_str()).filter(|m| is_derived_name(endpoint, m)).collect();
    inline.sort();
    inline.dedup();
    let models = try_join_all(inline.into_iter().map(|m| gate.call(aws.describe_model(m)))).await?;
    let models = models
        .into_iter()
        .flatten()
        .map(|mut m| {
            m.endpoint = endpoint.to_string();
            m
        })
        .collect();
    Ok((Some(config), models))
}

#[cfg(test)]
mod tests {
    use super::*;

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
