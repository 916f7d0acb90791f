//! A plan is inert data: what would change to make AWS match the spec, computed by the pure
//! function [`diff`] from the desired resources and the [`LiveState`]. It holds
//!
//! - [`Change`]s, one per resource, each with an [`Action`] and `before`/`after` (for people and
//!   for `--output json`);
//! - [`Step`]s, per endpoint, the AWS operations in the order AWS requires (for apply, which reads
//!   nothing else);
//! - [`Notice`]s: endpoints that exist but are not ours (conflicts) and endpoints that cannot be
//!   changed now (busy or failed), which apply leaves alone.
//!
//! This file holds the data; [`diff`] (in `diff.rs`) computes it and [`saved`] is the file format
//! of `plan --out`. The rules `diff` encodes (documented in docs/design.md with their AWS
//! sources): endpoint configs are immutable (a change
//! is a new content-named config, an UpdateEndpoint, and deletion of the old config only once the
//! endpoint runs the new one); UpdateEndpoint keeps live counts (RetainAllVariantProperties);
//! changing the instance type of, or removing, a scaled variant needs its policy deleted and its
//! target deregistered first and everything put back after (deregistering deletes scheduled
//! actions); counts of fixed variants and weights change in place.

mod diff;
mod rollout;
pub mod saved;

use serde::{Deserialize, Serialize};

use crate::model::Tags;
use crate::model::Timeline;
use crate::resources::{
    resource_id, Address, AlarmResource, ConfigResource, DeploymentConfig, Kind, ModelResource, PolicyResource,
    Resource, ScheduledActionResource, TargetResource, WeightAndCapacity,
};

pub use diff::{arn_region, destroy, diff, diff_with};

/// What happens to one resource. `before` is the live resource, `after` the desired one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Action {
    /// Live and desired agree; `before` and `after` are both present and equal.
    NoOp,
    /// Not in AWS yet; `before` is absent.
    Create,
    /// Changed in place; both present, they differ.
    Update,
    /// Cannot change in place: the live one is removed and the desired one put back. The reason
    /// is for display only.
    Replace,
    /// In AWS and owned by this spec, no longer desired; `after` is absent.
    Delete,
}

impl Action {
    /// Terraform's encoding of an action as a list, for the JSON plan.
    pub fn as_list(self) -> &'static [&'static str] {
        match self {
            Action::NoOp => &["no-op"],
            Action::Create => &["create"],
            Action::Update => &["update"],
            Action::Replace => &["delete", "create"],
            Action::Delete => &["delete"],
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            Action::NoOp => " ",
            Action::Create => "+",
            Action::Update => "~",
            Action::Replace => "-/+",
            Action::Delete => "-",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    pub address: Address,
    pub endpoint: String,
    pub action: Action,
    pub before: Option<Resource>,
    pub after: Option<Resource>,
    pub reason: Option<String>,
}

/// One AWS operation of an apply, in order within its endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "op")]
pub enum Step {
    CreateModel {
        model: ModelResource,
    },
    CreateEndpointConfig {
        config: ConfigResource,
    },
    CreateEndpoint {
        endpoint: String,
        config: String,
        tags: Tags,
    },
    /// With RetainAllVariantProperties: live counts and weights survive. `deployment`: the
    /// spec's rollout, sent as DeploymentConfig (absent: SageMaker's default, blue/green all at
    /// once; absent too in plans saved before rollouts existed).
    UpdateEndpoint {
        endpoint: String,
        config: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        deployment: Option<DeploymentConfig>,
    },
    UpdateWeightsAndCapacities {
        endpoint: String,
        changes: Vec<WeightAndCapacity>,
    },
    /// Wait until the endpoint is InService, then check it runs `config` (SageMaker rolls a
    /// failed update back to the old config and reports InService) and, after a capacity
    /// update, that the variants' desired counts and weights are the `expect`ed ones (a rolled
    /// back UpdateEndpointWeightsAndCapacities keeps the config and restores the old ones).
    WaitInService {
        endpoint: String,
        config: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        expect: Vec<WeightAndCapacity>,
        /// The rollback alarms of the rollout being waited for: after a rollback, the one in
        /// ALARM is named (DescribeAlarms).
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        alarms: Vec<String>,
        /// After an update that carries a rollout: how long the rollout may take, in seconds
        /// (see `rollout::wait_bound`); apply waits the longer of this and `--wait-timeout`.
        /// Absent for other waits, and in plans saved before it existed (then `--wait-timeout`).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        rollout_seconds: Option<u64>,
    },
    TagEndpoint {
        endpoint: String,
        arn: String,
        add: Tags,
        remove: Vec<String>,
    },
    /// AddTags/DeleteTags of an owned endpoint config: configs are immutable, tags are not (and
    /// are not part of the content its name hashes). Runs only on a config with this project's
    /// ownership tags.
    TagEndpointConfig {
        endpoint: String,
        name: String,
        arn: String,
        add: Tags,
        remove: Vec<String>,
    },
    /// AddTags/DeleteTags of an owned inline model, like [`Step::TagEndpointConfig`].
    TagModel {
        endpoint: String,
        name: String,
        arn: String,
        add: Tags,
        remove: Vec<String>,
    },
    /// TagResource/UntagResource of an owned endpoint's scalable target (RegisterScalableTarget
    /// tags a target only when it creates it).
    TagScalableTarget {
        endpoint: String,
        variant: String,
        arn: String,
        add: Tags,
        remove: Vec<String>,
    },
    /// The spec's `adopt: true`: add the ownership tags to an endpoint that has none. Runs only
    /// while the endpoint is unmanaged (or already this project's), never on another project's.
    AdoptEndpoint {
        endpoint: String,
        arn: String,
        tags: Tags,
    },
    RegisterScalableTarget {
        target: TargetResource,
    },
    DeregisterScalableTarget {
        endpoint: String,
        variant: String,
    },
    PutScalingPolicy {
        policy: PolicyResource,
    },
    DeleteScalingPolicy {
        endpoint: String,
        variant: String,
        policy_name: String,
    },
    PutScheduledAction {
        action: ScheduledActionResource,
    },
    DeleteScheduledAction {
        endpoint: String,
        variant: String,
        name: String,
    },
    DeleteEndpoint {
        endpoint: String,
    },
    WaitDeleted {
        endpoint: String,
    },
    /// Wait until the endpoint is InService again on whichever config (an update that did not
    /// complete either rolls back or finishes on its own): auto scaling can be registered only
    /// then. Appears only in [`EndpointSteps::restore`].
    WaitSettled {
        endpoint: String,
    },
    DeleteEndpointConfig {
        name: String,
    },
    DeleteModel {
        name: String,
    },
    /// PutMetricAlarm of an alarm the spec owns for the endpoint's rollout: creates it, or
    /// overwrites the configuration of this project's alarm of that name (checked when the step
    /// runs). Runs before the UpdateEndpoint that watches it.
    PutMetricAlarm {
        alarm: AlarmResource,
    },
    /// TagResource/UntagResource of an owned alarm (PutMetricAlarm sets tags only on creation).
    TagAlarm {
        endpoint: String,
        name: String,
        arn: String,
        add: Tags,
        remove: Vec<String>,
    },
    /// DeleteAlarms of owned alarms the spec no longer has, once no update watches them (after
    /// the endpoint's update). Each is deleted only while it carries this project's tags.
    DeleteAlarms {
        endpoint: String,
        names: Vec<String>,
    },
}

impl Step {
    /// The API operation (or `Wait` for waits).
    pub fn operation(&self) -> &'static str {
        match self {
            Step::CreateModel { .. } => "CreateModel",
            Step::CreateEndpointConfig { .. } => "CreateEndpointConfig",
            Step::CreateEndpoint { .. } => "CreateEndpoint",
            Step::UpdateEndpoint { .. } => "UpdateEndpoint",
            Step::UpdateWeightsAndCapacities { .. } => "UpdateEndpointWeightsAndCapacities",
            Step::WaitInService { .. } => "WaitInService",
            Step::AdoptEndpoint { .. } => "AddTags",
            Step::TagEndpoint { add, remove, .. }
            | Step::TagEndpointConfig { add, remove, .. }
            | Step::TagModel { add, remove, .. } => {
                tag_operation(add, remove, ["AddTags", "DeleteTags", "AddTags+DeleteTags"])
            }
            Step::TagScalableTarget { add, remove, .. } => {
                tag_operation(add, remove, ["TagResource", "UntagResource", "TagResource+UntagResource"])
            }
            Step::RegisterScalableTarget { .. } => "RegisterScalableTarget",
            Step::DeregisterScalableTarget { .. } => "DeregisterScalableTarget",
            Step::PutScalingPolicy { .. } => "PutScalingPolicy",
            Step::DeleteScalingPolicy { .. } => "DeleteScalingPolicy",
            Step::PutScheduledAction { .. } => "PutScheduledAction",
            Step::DeleteScheduledAction { .. } => "DeleteScheduledAction",
            Step::DeleteEndpoint { .. } => "DeleteEndpoint",
            Step::WaitDeleted { .. } => "WaitDeleted",
            Step::WaitSettled { .. } => "WaitSettled",
            Step::DeleteEndpointConfig { .. } => "DeleteEndpointConfig",
            Step::DeleteModel { .. } => "DeleteModel",
            Step::PutMetricAlarm { .. } => "PutMetricAlarm",
            Step::TagAlarm { add, remove, .. } => {
                tag_operation(add, remove, ["TagResource", "UntagResource", "TagResource+UntagResource"])
            }
            Step::DeleteAlarms { .. } => "DeleteAlarms",
        }
    }

    /// One line for people: the operation and what it acts on.
    pub fn describe(&self) -> String {
        let what = match self {
            Step::CreateModel { model } => format!("model {}", model.name),
            Step::CreateEndpointConfig { config } => format!("endpoint config {}", config.name),
            Step::CreateEndpoint { endpoint, config, .. } => format!("endpoint {endpoint} on {config}"),
            Step::UpdateEndpoint { endpoint, config, deployment: None } => {
                format!("endpoint {endpoint} to {config}, keeping live instance counts")
            }
            Step::UpdateEndpoint { endpoint, config, deployment: Some(d) } => {
                format!("endpoint {endpoint} to {config}, keeping live instance counts, {}", d.describe())
            }
            Step::UpdateWeightsAndCapacities { endpoint, changes } => {
                let parts: Vec<String> = changes
                    .iter()
                    .map(|c| {
                        let mut p = vec![];
                        if let Some(n) = c.instance_count {
                            p.push(crate::diagnostic::plural(n, "instance"));
                        }
                        if let Some(w) = c.weight {
                            p.push(format!("weight {w}"));
                        }
                        format!("{} {}", c.variant, p.join(", "))
                    })
                    .collect();
                format!("endpoint {endpoint}: {}", parts.join("; "))
            }
            Step::WaitInService { endpoint, config, rollout_seconds: None, .. } => {
                format!("until endpoint {endpoint} is InService on {config}")
            }
            Step::WaitInService { endpoint, config, rollout_seconds: Some(s), .. } => format!(
                "until endpoint {endpoint} is InService on {config} (up to {} for the rollout, or --wait-timeout if longer)",
                crate::validate::format_duration(*s)
            ),
            Step::TagEndpoint { endpoint, .. } => format!("endpoint {endpoint} tags"),
            Step::TagEndpointConfig { name, .. } => format!("endpoint config {name} tags"),
            Step::TagModel { name, .. } => format!("model {name} tags"),
            Step::TagScalableTarget { endpoint, variant, .. } => format!("{} tags", resource_id(endpoint, variant)),
            Step::AdoptEndpoint { endpoint, .. } => format!("endpoint {endpoint} ownership tags (adopt)"),
            Step::RegisterScalableTarget { target } => format!(
                "{} (min {}, max {})",
                resource_id(&target.endpoint, &target.variant),
                target.min_capacity,
                target.max_capacity
            ),
            Step::DeregisterScalableTarget { endpoint, variant } => resource_id(endpoint, variant),
            Step::PutScalingPolicy { policy } => {
                format!("{} on {}", policy.policy_name, resource_id(&policy.endpoint, &policy.variant))
            }
            Step::DeleteScalingPolicy { endpoint, variant, policy_name } => {
                format!("{policy_name} on {}", resource_id(endpoint, variant))
            }
            Step::PutScheduledAction { action } => {
                format!("{} on {}", action.name, resource_id(&action.endpoint, &action.variant))
            }
            Step::DeleteScheduledAction { endpoint, variant, name } => {
                format!("{name} on {}", resource_id(endpoint, variant))
            }
            Step::DeleteEndpoint { endpoint } | Step::WaitDeleted { endpoint } => format!("endpoint {endpoint}"),
            Step::WaitSettled { endpoint } => format!("until endpoint {endpoint} is InService again, on either config"),
            Step::DeleteEndpointConfig { name } => format!("endpoint config {name}"),
            Step::DeleteModel { name } => format!("model {name}"),
            Step::PutMetricAlarm { alarm } => format!("alarm {}", alarm.name),
            Step::TagAlarm { name, .. } => format!("alarm {name} tags"),
            Step::DeleteAlarms { names, .. } => {
                format!("{} {}", if names.len() == 1 { "alarm" } else { "alarms" }, names.join(", "))
            }
        };
        format!("{} {what}", self.operation())
    }

    /// The resource the step acts on, as the plan addresses it: its kind and name (a scalable
    /// target is `endpoint/variant`, a policy or scheduled action `endpoint/variant/name`).
    pub fn subject(&self) -> Address {
        let pair = |endpoint: &str, variant: &str| format!("{endpoint}/{variant}");
        let (kind, name) = match self {
            Step::CreateModel { model } => (Kind::Model, model.name.clone()),
            Step::TagModel { name, .. } | Step::DeleteModel { name } => (Kind::Model, name.clone()),
            Step::CreateEndpointConfig { config } => (Kind::EndpointConfig, config.name.clone()),
            Step::TagEndpointConfig { name, .. } | Step::DeleteEndpointConfig { name } => {
                (Kind::EndpointConfig, name.clone())
            }
            Step::CreateEndpoint { endpoint, .. }
            | Step::UpdateEndpoint { endpoint, .. }
            | Step::UpdateWeightsAndCapacities { endpoint, .. }
            | Step::WaitInService { endpoint, .. }
            | Step::TagEndpoint { endpoint, .. }
            | Step::AdoptEndpoint { endpoint, .. }
            | Step::DeleteEndpoint { endpoint }
            | Step::WaitDeleted { endpoint }
            | Step::WaitSettled { endpoint } => (Kind::Endpoint, endpoint.clone()),
            Step::RegisterScalableTarget { target } => (Kind::ScalableTarget, pair(&target.endpoint, &target.variant)),
            Step::TagScalableTarget { endpoint, variant, .. }
            | Step::DeregisterScalableTarget { endpoint, variant } => (Kind::ScalableTarget, pair(endpoint, variant)),
            Step::PutScalingPolicy { policy } => {
                (Kind::ScalingPolicy, format!("{}/{}", pair(&policy.endpoint, &policy.variant), policy.policy_name))
            }
            Step::DeleteScalingPolicy { endpoint, variant, policy_name } => {
                (Kind::ScalingPolicy, format!("{}/{policy_name}", pair(endpoint, variant)))
            }
            Step::PutScheduledAction { action } => {
                (Kind::ScheduledAction, format!("{}/{}", pair(&action.endpoint, &action.variant), action.name))
            }
            Step::DeleteScheduledAction { endpoint, variant, name } => {
                (Kind::ScheduledAction, format!("{}/{name}", pair(endpoint, variant)))
            }
            Step::PutMetricAlarm { alarm } => (Kind::Alarm, alarm.name.clone()),
            Step::TagAlarm { name, .. } => (Kind::Alarm, name.clone()),
            Step::DeleteAlarms { names, .. } => (Kind::Alarm, names.join(",")),
        };
        Address { kind, name }
    }

    /// Does this step call UpdateEndpoint or a deregistration, whose order people should see?
    fn is_ordering_sensitive(&self) -> bool {
        matches!(
            self,
            Step::UpdateEndpoint { .. }
                | Step::DeregisterScalableTarget { .. }
                | Step::AdoptEndpoint { .. }
                | Step::PutMetricAlarm { .. }
                | Step::DeleteAlarms { .. }
        )
    }
}

/// The call(s) a tag step makes: adding, removing or both (`[add, remove, both]`), so a removal
/// is never shown as an addition.
fn tag_operation(add: &Tags, remove: &[String], names: [&'static str; 3]) -> &'static str {
    match (add.is_empty(), remove.is_empty()) {
        (true, false) => names[1],
        (false, false) => names[2],
        _ => names[0],
    }
}

/// The ordered steps of one endpoint.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EndpointSteps {
    pub endpoint: String,
    pub steps: Vec<Step>,
    /// What apply runs when the steps stop (a failure, a rollback, a timeout, an interrupt)
    /// after deregistering a variant that the update was to change, and before registering it
    /// again: a wait until the endpoint settles, then the variant's scalable target, policy and
    /// scheduled actions exactly as they are now. Only the variants actually left without auto
    /// scaling are restored. Empty when no step deregisters such a variant.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub restore: Vec<Step>,
}

impl EndpointSteps {
    /// The variants whose auto scaling `restore` puts back.
    pub fn restores(&self) -> Vec<&str> {
        self.restore
            .iter()
            .filter_map(|s| match s {
                Step::RegisterScalableTarget { target } => Some(target.variant.as_str()),
                _ => None,
            })
            .collect()
    }

    pub fn shows_order(&self) -> bool {
        self.steps.iter().any(Step::is_ordering_sensitive)
    }
}

/// How long launching an instance takes in the rollout timelines, in the stages `simulate` uses
/// for a scale-out launch (`--provision-minutes`, `--image-pull-minutes`, `--model-load-minutes`
/// on plan and apply): AWS publishes no figure, so this is an assumption every view states.
/// Saved with the plan (in [`Options`]), so a saved plan's timeline is the one it was made with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Launch {
    pub provision_minutes: u32,
    pub image_pull_minutes: u32,
    pub model_load_minutes: u32,
}

impl Launch {
    /// The assumption when no stage is given: the simulator's, the one default of both.
    pub const DEFAULT: Launch = Launch::from_stages(crate::simulate::engine::LaunchStages::DEFAULT);

    pub const fn from_stages(s: crate::simulate::engine::LaunchStages) -> Launch {
        Launch {
            provision_minutes: s.provision_minutes,
            image_pull_minutes: s.image_pull_minutes,
            model_load_minutes: s.model_load_minutes,
        }
    }

    /// The whole launch, in seconds (the timeline's launch phase).
    pub fn seconds(&self) -> u32 {
        self.provision_minutes
            .saturating_add(self.image_pull_minutes)
            .saturating_add(self.model_load_minutes)
            .saturating_mul(60)
    }
}

impl Default for Launch {
    fn default() -> Self {
        Launch::DEFAULT
    }
}

/// What an endpoint's update with a rollout will do: the strategy, the alarms it watches, each
/// variant's timeline at its live instance count, and what happens on a rollback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RolloutPlan {
    pub endpoint: String,
    pub strategy: &'static str,
    pub alarms: Vec<WatchedAlarm>,
    pub variants: Vec<VariantRollout>,
    /// The assumed launch of the new instances, in its stages.
    pub launch: Launch,
    /// Their sum, in seconds: the length of each launch in the timelines.
    pub launch_seconds: u32,
    /// MaximumExecutionTimeoutInSeconds; `None`: AWS's default.
    pub max_execution_seconds: Option<u32>,
    /// How long apply waits for the rollout at most (the WaitInService step's
    /// `rollout_seconds`), and why that long.
    pub wait_seconds: u64,
    pub wait_reason: String,
    /// What may make the rollout roll back by itself (the timeline reaching
    /// max_execution_time with the assumed launch time; a watched alarm in ALARM now).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// One sentence: what SageMaker does when an alarm fires.
    pub rollback: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WatchedAlarm {
    pub name: String,
    /// Created and owned by endpoint-scale (else the team's own).
    pub owned: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantRollout {
    pub variant: String,
    pub instance_type: String,
    pub timeline: Timeline,
    /// The step's percentage, rounded up at the live count, is more than AWS allows (but not
    /// all of the variant, which blocks the plan): AWS may refuse the update.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub warning: Option<String>,
}

/// An endpoint the plan leaves alone, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Notice {
    pub endpoint: String,
    pub message: String,
    pub hint: String,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct Plan {
    pub changes: Vec<Change>,
    pub steps: Vec<EndpointSteps>,
    /// Endpoints that exist but are not owned by this project: never modified.
    pub conflicts: Vec<Notice>,
    /// Owned endpoints that cannot be changed now (Creating, Updating, Failed, ...).
    pub skipped: Vec<Notice>,
    /// Endpoints whose update the spec's rollout cannot carry out against the live state (a
    /// missing team alarm, renamed variants, a size beyond AWS's limits at the live count): the
    /// plan leaves them alone and fails, with a fix each.
    pub blocked: Vec<Notice>,
    /// Live variants the spec scales that run without auto scaling while an update is planned:
    /// their auto scaling is registered first, before anything else of the endpoint.
    pub unprotected: Vec<Notice>,
    /// The rollouts the plan's UpdateEndpoint steps run: what each will do, in time.
    pub rollouts: Vec<RolloutPlan>,
    /// Endpoints whose spec changed only how their updates roll out (`rollout:` differs from
    /// the LastDeploymentConfig AWS reports) while no update runs now: nothing is sent, the
    /// settings take effect at the next update. Informational: not a change, not drift.
    pub deferred: Vec<Notice>,
    /// The endpoints the run was limited to (`--target`), in spec order; empty when it covers
    /// the whole spec. Like Terraform's `-target`: the other endpoints were not read, so the
    /// plan says nothing about them, and every view says so.
    pub targets: Vec<String>,
}

/// Choices a user makes for one plan, beyond the spec. A saved plan records them, so apply
/// recomputes the same plan.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Options {
    /// Before an instance-type change of a scaled variant, once it is deregistered, raise its
    /// instance count to its scalable target's maximum (UpdateEndpointWeightsAndCapacities, then
    /// a wait): the documented way to keep headroom while auto scaling is off.
    #[serde(default)]
    pub raise_capacity: bool,
    /// The launch stages of the rollout timelines (display only: no step depends on them).
    /// Absent in plans saved without rollout timelines' stages: [`Launch::DEFAULT`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub launch: Option<Launch>,
}

impl Options {
    /// The launch stages the plan's timelines use.
    pub fn launch(&self) -> Launch {
        self.launch.unwrap_or_default()
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Summary {
    pub create: usize,
    pub update: usize,
    pub replace: usize,
    pub delete: usize,
    pub no_op: usize,
}

impl Plan {
    pub fn summary(&self) -> Summary {
        let mut s = Summary::default();
        for c in &self.changes {
            match c.action {
                Action::NoOp => s.no_op += 1,
                Action::Create => s.create += 1,
                Action::Update => s.update += 1,
                Action::Replace => s.replace += 1,
                Action::Delete => s.delete += 1,
            }
        }
        s
    }

    /// Anything to do, or anything that stands in the way of knowing (busy endpoints).
    pub fn has_changes(&self) -> bool {
        self.changes.iter().any(|c| c.action != Action::NoOp) || !self.skipped.is_empty()
    }

    /// The changes of each endpoint, endpoints in first-seen order.
    pub fn by_endpoint(&self) -> Vec<(&str, Vec<&Change>)> {
        let mut groups: Vec<(&str, Vec<&Change>)> = Vec::new();
        for c in &self.changes {
            match groups.iter_mut().find(|(e, _)| *e == c.endpoint) {
                Some((_, list)) => list.push(c),
                None => groups.push((&c.endpoint, vec![c])),
            }
        }
        groups
    }

    pub fn steps_of(&self, endpoint: &str) -> Option<&EndpointSteps> {
        self.steps.iter().find(|s| s.endpoint == endpoint)
    }
}

#[cfg(test)]
mod tests;
