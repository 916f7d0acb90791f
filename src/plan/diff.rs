//! The pure diff: desired resources and a [`LiveState`] in, a [`Plan`] out, no I/O.
//!
//! Each endpoint gets its changes (for people and JSON) and its steps (for apply) in the order
//! AWS needs: auto scaling that blocks an UpdateEndpoint goes first, then models and the new
//! config, the endpoint, auto scaling again, and last the deletion of what the endpoint no longer
//! uses (only once it runs the new config).

use std::collections::{BTreeMap, BTreeSet};

use super::rollout;
use super::{Action, Change, EndpointSteps, Launch, Notice, Options, Plan, Step};
use crate::live::{LiveEndpoint, LiveState, Ownership, UnusedResources};
use crate::model::Tags;
use crate::resources::{
    deployment_config, is_derived_name, AlarmResource, ConfigResource, EndpointResource, EndpointVariant, Kind,
    ModelResource, PolicyResource, Resource, ScheduledActionResource, TargetResource, WeightAndCapacity, POLICY_NAME,
    TAG_PREFIX, TAG_PROJECT,
};

/// Weights are f32 in the SageMaker API; compare them as such.
fn same_weight(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-4
}

/// What AddTags/DeleteTags must do to turn `live` into `want`. Keys with `aws:` are AWS's own
/// and are neither compared nor removed.
pub(super) fn tag_delta(live: &Tags, want: &Tags) -> (Tags, Vec<String>) {
    let add: Tags = want.iter().filter(|(k, v)| live.get(*k) != Some(v)).map(|(k, v)| (k.clone(), v.clone())).collect();
    let remove = live.keys().filter(|k| !k.starts_with("aws:") && !want.contains_key(*k)).cloned().collect();
    (add, remove)
}

/// Tags as compared and shown: without AWS's own `aws:` keys.
pub(super) fn own_tags(tags: &Tags) -> Tags {
    tags.iter().filter(|(k, _)| !k.starts_with("aws:")).map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// `None` and `UTC` are the same time zone: PutScheduledAction's default is UTC, and AWS reports an
/// action put with `Timezone: UTC` back in a form the read normalises to none. Both sides of a
/// comparison go through this, so `timezone: UTC` in a spec is not perpetual drift.
fn zone(tz: &Option<String>) -> Option<&str> {
    tz.as_deref().filter(|z| !z.is_empty() && *z != "UTC" && *z != "Etc/UTC")
}

/// The desired resources of one endpoint.
struct Want<'a> {
    models: Vec<&'a ModelResource>,
    config: &'a ConfigResource,
    endpoint: &'a EndpointResource,
    targets: Vec<&'a TargetResource>,
    policies: Vec<&'a PolicyResource>,
    schedules: Vec<&'a ScheduledActionResource>,
    /// The alarms its rollout owns.
    alarms: Vec<&'a AlarmResource>,
    /// [`Options::raise_capacity`].
    raise_capacity: bool,
    /// [`Options::launch`]: the launch time the rollout timelines (and their wait) assume.
    launch: Launch,
}

impl Want<'_> {
    fn secret_keys(&self) -> BTreeSet<String> {
        self.models.iter().flat_map(|m| m.secret_keys.iter().cloned()).collect()
    }
}

fn group(desired: &[Resource]) -> Vec<Want<'_>> {
    let mut order: Vec<&str> = Vec::new();
    let mut by: BTreeMap<&str, Vec<&Resource>> = BTreeMap::new();
    for r in desired {
        if !order.contains(&r.endpoint()) {
            order.push(r.endpoint());
        }
        by.entry(r.endpoint()).or_default().push(r);
    }
    order
        .into_iter()
        .filter_map(|name| {
            let rs = &by[name];
            let config = rs.iter().find_map(|r| match r {
                Resource::EndpointConfig(c) => Some(c),
                _ => None,
            })?;
            let endpoint = rs.iter().find_map(|r| match r {
                Resource::Endpoint(e) => Some(e),
                _ => None,
            })?;
            Some(Want {
                raise_capacity: false,
                launch: Launch::DEFAULT,
                models: rs
                    .iter()
                    .filter_map(|r| match r {
                        Resource::Model(m) => Some(m),
                        _ => None,
                    })
                    .collect(),
                config,
                endpoint,
                targets: rs
                    .iter()
                    .filter_map(|r| match r {
                        Resource::ScalableTarget(t) => Some(t),
                        _ => None,
                    })
                    .collect(),
                policies: rs
                    .iter()
                    .filter_map(|r| match r {
                        Resource::ScalingPolicy(p) => Some(p),
                        _ => None,
                    })
                    .collect(),
                schedules: rs
                    .iter()
                    .filter_map(|r| match r {
                        Resource::ScheduledAction(s) => Some(s),
                        _ => None,
                    })
                    .collect(),
                alarms: rs
                    .iter()
                    .filter_map(|r| match r {
                        Resource::Alarm(a) => Some(a),
                        _ => None,
                    })
                    .collect(),
            })
        })
        .collect()
}

/// Collects the changes and steps of one endpoint.
struct Builder<'p> {
    plan: &'p mut Plan,
    endpoint: String,
    steps: Vec<Step>,
    /// Environment keys the spec marks secret for this endpoint's models: a model read from AWS
    /// (before, or deleted) does not know them, and its values are masked by them too.
    secret_keys: BTreeSet<String>,
    /// See [`EndpointSteps::restore`].
    restore: Vec<Step>,
}

impl Builder<'_> {
    fn change(
        &mut self,
        action: Action,
        mut before: Option<Resource>,
        after: Option<Resource>,
        reason: Option<String>,
    ) {
        if let Some(Resource::Model(b)) = &mut before {
            b.secret_keys.extend(self.secret_keys.iter().cloned());
        }
        let address = after.as_ref().or(before.as_ref()).map(Resource::address).expect("a change has a resource");
        self.plan.changes.push(Change { address, endpoint: self.endpoint.clone(), action, before, after, reason });
    }

    /// NoOp when equal, else `changed`.
    fn compare(&mut self, before: Resource, after: Resource, changed: Action, reason: Option<String>) -> bool {
        if before == after {
            self.change(Action::NoOp, Some(before), Some(after), None);
            false
        } else {
            self.change(changed, Some(before), Some(after), reason);
            true
        }
    }

    /// Creates a desired model, unless this project's model of that (content-derived) name is
    /// there already, unused (a failed or interrupted run made it): then it exists, as the plan
    /// and drift say, and is not created again.
    fn create_model(&mut self, m: &ModelResource, unused: Option<&UnusedResources>) {
        if let Some(live) = unused.and_then(|u| u.models.iter().find(|l| l.name == m.name)) {
            let before = ModelResource { tags: m.tags.clone(), ..live.clone() };
            self.change(Action::NoOp, Some(Resource::Model(before)), Some(Resource::Model(m.clone())), None);
            return;
        }
        self.change(Action::Create, None, Some(Resource::Model(m.clone())), None);
        self.steps.push(Step::CreateModel { model: m.clone() });
    }

    /// [`Builder::create_model`] for the endpoint config.
    fn create_config(&mut self, c: &ConfigResource, unused: Option<&UnusedResources>) {
        if let Some(live) = unused.and_then(|u| u.configs.iter().find(|l| l.name == c.name)) {
            let before = ConfigResource { tags: c.tags.clone(), ..live.clone() };
            self.change(
                Action::NoOp,
                Some(Resource::EndpointConfig(before)),
                Some(Resource::EndpointConfig(c.clone())),
                None,
            );
            return;
        }
        self.change(Action::Create, None, Some(Resource::EndpointConfig(c.clone())), None);
        self.steps.push(Step::CreateEndpointConfig { config: c.clone() });
    }

    fn finish(self) {
        if !self.steps.is_empty() {
            self.plan.steps.push(EndpointSteps { endpoint: self.endpoint, steps: self.steps, restore: self.restore });
        }
    }
}

/// The pure diff. The offline plan is `diff(desired, &LiveState::default())`.
pub fn diff(desired: &[Resource], live: &LiveState) -> Plan {
    diff_with(desired, live, &Options::default())
}

/// [`diff`] with choices the user makes per run.
pub fn diff_with(desired: &[Resource], live: &LiveState, options: &Options) -> Plan {
    let mut plan = Plan::default();
    for mut want in group(desired) {
        want.raise_capacity = options.raise_capacity;
        want.launch = options.launch();
        let name = want.endpoint.name.clone();
        let unused = live.unused.get(&name);
        if let Some(notice) = foreign_names(&want, live) {
            plan.conflicts.push(notice);
            continue;
        }
        let project = want.endpoint.tags.get(TAG_PROJECT).cloned().unwrap_or_default();
        let updated = live.endpoints.get(&name).filter(|h| h.ownership == Ownership::Ours && h.desc.is_in_service());
        let blocked = rollout::check(want.endpoint, want.config, &want.alarms, &project, updated, live, want.launch);
        if !blocked.is_empty() {
            plan.blocked.extend(blocked);
            continue;
        }
        let (conflicts, skipped) = (plan.conflicts.len(), plan.skipped.len());
        match live.endpoints.get(&name) {
            None => create_endpoint(&mut plan, &want, unused),
            Some(have) => match &have.ownership {
                Ownership::Unmanaged if want.endpoint.adopt && !have.desc.is_in_service() => {
                    plan.skipped.push(busy_notice(have))
                }
                Ownership::Unmanaged if want.endpoint.adopt => adopt_endpoint(&mut plan, &want, have, unused),
                Ownership::Unmanaged => plan.conflicts.push(Notice {
                    endpoint: name.clone(),
                    message: format!("endpoint {name} exists but is not managed by endpoint-scale (it has no endpoint-scale ownership tags)"),
                    hint: format!(
                        "add `adopt: true` to the endpoint in the spec to bring it under this project (`{}` writes a spec for it), or give the spec's endpoint another name",
                        crate::hint::import(&name, want.endpoint.tags.get(crate::resources::TAG_PROJECT).map_or("", String::as_str))
                    ),
                }),
                Ownership::OtherProject(other) => plan.conflicts.push(Notice {
                    endpoint: name.clone(),
                    message: format!("endpoint {name} belongs to endpoint-scale project {other:?}"),
                    hint: "an endpoint is managed by one spec: remove it from this spec or from the other one".to_string(),
                }),
                Ownership::Ours if !have.desc.is_in_service() => plan.skipped.push(busy_notice(have)),
                Ownership::Ours => update_endpoint(&mut plan, &want, have, unused),
            },
        }
        if (plan.conflicts.len(), plan.skipped.len()) == (conflicts, skipped) {
            rollout_alarms(&mut plan, &want, &project, live);
            if let (Some(rollout), Some(have)) = (&want.endpoint.rollout, updated) {
                let runs = plan.steps_of(&name).is_some_and(|s| {
                    s.steps.iter().any(|s| matches!(s, Step::UpdateEndpoint { deployment: Some(_), .. }))
                });
                if runs {
                    plan.rollouts.push(rollout::rollout_plan(
                        want.endpoint,
                        rollout,
                        want.config,
                        have,
                        live,
                        options.launch(),
                    ));
                }
            }
            if let Some(notice) = updated.and_then(|have| rollout::deferred(&plan, want.endpoint, have)) {
                plan.deferred.push(notice);
            }
        }
    }
    for stray in live.strays.values() {
        delete_endpoint(&mut plan, stray, live.unused.get(&stray.desc.name), "no longer in the spec (--prune)");
        delete_alarms_of(&mut plan, stray, live);
    }
    // What a failed create left of an endpoint that never came to be and left the spec (read
    // only with --prune).
    let wanted: Vec<&str> = group(desired).iter().map(|w| w.endpoint.name.as_str()).collect();
    for (endpoint, unused) in &live.unused {
        if !wanted.contains(&endpoint.as_str())
            && !live.endpoints.contains_key(endpoint)
            && !live.strays.contains_key(endpoint)
        {
            let mut b = Builder {
                endpoint: endpoint.clone(),
                plan: &mut plan,
                steps: Vec::new(),
                secret_keys: BTreeSet::new(),
                restore: Vec::new(),
            };
            delete_unused(&mut b, Some(unused), &[], &[], "left by a failed create, no longer in the spec (--prune)");
            b.finish();
        }
    }
    plan
}

/// A config or model the spec would create exists under its derived name without being this
/// project's: creating "over" it would serve someone else's model, so the endpoint is a conflict.
fn foreign_names(want: &Want<'_>, live: &LiveState) -> Option<Notice> {
    let foreign = live.foreign.get(&want.endpoint.name)?;
    let wanted = std::iter::once(("endpoint config", want.config.name.as_str()))
        .chain(want.models.iter().map(|m| ("model", m.name.as_str())));
    for (kind, name) in wanted {
        if let Some((_, owner)) = foreign.iter().find(|(n, _)| n == name) {
            let whose = match owner {
                Ownership::OtherProject(p) => format!("it belongs to endpoint-scale project {p:?}"),
                _ => "it has no endpoint-scale ownership tags".to_string(),
            };
            return Some(Notice {
                endpoint: want.endpoint.name.clone(),
                message: format!("{kind} {name}, which this spec would create, already exists and is not managed by this project ({whose})"),
                hint: format!("endpoint-scale never serves or builds on a {kind} it did not make: delete or rename {name}, then plan again"),
            });
        }
    }
    None
}

/// The plan that deletes every owned endpoint in `live` (and what belongs to it).
pub fn destroy(live: &LiveState) -> Plan {
    let mut plan = Plan::default();
    for have in live.endpoints.values().chain(live.strays.values()) {
        match &have.ownership {
            Ownership::Ours if have.desc.is_in_service() || have.desc.status == "Failed" => {
                delete_endpoint(&mut plan, have, live.unused.get(&have.desc.name), "destroy");
                delete_alarms_of(&mut plan, have, live);
            }
            Ownership::Ours => plan.skipped.push(busy_notice(have)),
            _ => plan.conflicts.push(Notice {
                endpoint: have.desc.name.clone(),
                message: format!("endpoint {} is not managed by this project; it is left alone", have.desc.name),
                hint: "endpoint-scale deletes only what carries its ownership tags for this project".to_string(),
            }),
        }
    }
    // What an interrupted destroy left of endpoints that are already gone.
    for (endpoint, unused) in &live.unused {
        if !live.endpoints.contains_key(endpoint) && !live.strays.contains_key(endpoint) {
            let mut b = Builder {
                endpoint: endpoint.clone(),
                plan: &mut plan,
                steps: Vec::new(),
                secret_keys: BTreeSet::new(),
                restore: Vec::new(),
            };
            delete_unused(&mut b, Some(unused), &[], &[], "destroy");
            b.finish();
        }
    }
    plan
}

/// The owned alarms of the endpoint's rollout: put first, dropped ones deleted last.
fn rollout_alarms(plan: &mut Plan, want: &Want<'_>, project: &str, live: &LiveState) {
    let name = want.endpoint.name.clone();
    // Alarms the spec now lists as the team's own are not deleted, even if this project made them.
    let keep: Vec<&str> = want.endpoint.rollout.iter().flat_map(|r| r.alarms.iter()).map(|a| a.name()).collect();
    let (first, last) = rollout::alarm_changes(plan, &name, project, &want.alarms, &keep, live);
    if first.is_empty() && last.is_empty() {
        return;
    }
    match plan.steps.iter_mut().find(|s| s.endpoint == name) {
        Some(entry) => {
            entry.steps.splice(0..0, first);
            entry.steps.extend(last);
        }
        None => plan.steps.push(EndpointSteps {
            endpoint: name,
            steps: first.into_iter().chain(last).collect(),
            restore: Vec::new(),
        }),
    }
}

/// An endpoint being deleted takes its owned alarms along, after it is gone.
fn delete_alarms_of(plan: &mut Plan, have: &LiveEndpoint, live: &LiveState) {
    let name = have.desc.name.clone();
    let project = have.tags.get(TAG_PROJECT).cloned().unwrap_or_default();
    let (_, last) = rollout::alarm_changes(plan, &name, &project, &[], &[], live);
    if let Some(entry) = plan.steps.iter_mut().find(|s| s.endpoint == name) {
        entry.steps.extend(last);
    }
}

fn busy_notice(have: &LiveEndpoint) -> Notice {
    let name = &have.desc.name;
    let status = &have.desc.status;
    match status.as_str() {
        "Failed" | "OutOfService" | "UpdateRollbackFailed" => Notice {
            endpoint: name.clone(),
            message: format!(
                "endpoint {name} is {status}{}",
                have.desc.failure_reason.as_deref().map(|r| format!(": {r}")).unwrap_or_default()
            ),
            hint: {
                // Only this endpoint: `destroy` would delete every endpoint of the spec.
                let delete = crate::hint::aws_delete_endpoint(name, arn_region(&have.desc.arn));
                if status == "UpdateRollbackFailed" {
                    format!("SageMaker could not roll back a failed update and cannot update it now; look at it in the SageMaker console, or delete it (`{delete}`) and apply again")
                } else {
                    format!("SageMaker cannot update it; delete it (`{delete}`) and apply again")
                }
            },
        },
        _ => Notice {
            endpoint: name.clone(),
            message: format!("endpoint {name} is {status}; it is skipped, not fought over"),
            hint: "run again once it is InService".to_string(),
        },
    }
}

/// The region of an ARN (`arn:aws:sagemaker:us-east-1:123456789012:endpoint/name`).
pub fn arn_region(arn: &str) -> Option<&str> {
    arn.split(':').nth(3).filter(|r| !r.is_empty())
}

/// Why a config or model of this project that the endpoint does not use is deleted.
const UNUSED: &str = "not used by the endpoint: left by an interrupted or failed run";

/// Deletes the endpoint's unused configs, then its unused models, except those named in `keep`
/// (what the desired endpoint will use again).
fn delete_unused(
    b: &mut Builder<'_>,
    unused: Option<&UnusedResources>,
    keep_configs: &[&str],
    keep_models: &[&str],
    why: &str,
) {
    let Some(unused) = unused else { return };
    for c in unused.configs.iter().filter(|c| !keep_configs.contains(&c.name.as_str())) {
        b.change(Action::Delete, Some(Resource::EndpointConfig(c.clone())), None, Some(why.to_string()));
        b.steps.push(Step::DeleteEndpointConfig { name: c.name.clone() });
    }
    for m in unused.models.iter().filter(|m| !keep_models.contains(&m.name.as_str())) {
        b.change(Action::Delete, Some(Resource::Model(m.clone())), None, Some(why.to_string()));
        b.steps.push(Step::DeleteModel { name: m.name.clone() });
    }
}

/// The names of the desired endpoint's config and models, which an unused-resource clean-up keeps.
fn wanted_names<'a>(want: &'a Want<'_>) -> (Vec<&'a str>, Vec<&'a str>) {
    (vec![want.config.name.as_str()], want.models.iter().map(|m| m.name.as_str()).collect())
}

fn create_endpoint(plan: &mut Plan, want: &Want<'_>, unused: Option<&UnusedResources>) {
    let mut b = Builder {
        endpoint: want.endpoint.name.clone(),
        plan,
        steps: Vec::new(),
        secret_keys: want.secret_keys(),
        restore: Vec::new(),
    };
    for m in &want.models {
        b.create_model(m, unused);
    }
    b.create_config(want.config, unused);
    b.change(
        Action::Create,
        None,
        Some(Resource::Endpoint(EndpointResource { rollout: None, ..want.endpoint.clone() })),
        None,
    );
    b.steps.push(Step::CreateEndpoint {
        endpoint: want.endpoint.name.clone(),
        config: want.config.name.clone(),
        tags: want.endpoint.tags.clone(),
    });
    b.steps.push(Step::WaitInService {
        endpoint: want.endpoint.name.clone(),
        config: want.config.name.clone(),
        expect: Vec::new(),
        alarms: Vec::new(),
        rollout_seconds: None,
    });
    for t in &want.targets {
        put_back_scaling(&mut b, want, &t.variant, |_| (Action::Create, None, None));
    }
    let (configs, models) = wanted_names(want);
    delete_unused(&mut b, unused, &configs, &models, UNUSED);
    b.finish();
}

/// Registers a variant's target, puts its policy and its scheduled actions: the changes get the
/// action (and reason) `how` says for the live counterpart.
fn put_back_scaling(
    b: &mut Builder<'_>,
    want: &Want<'_>,
    variant: &str,
    how: impl Fn(&Resource) -> (Action, Option<Resource>, Option<String>),
) {
    let resources: Vec<Resource> = want
        .targets
        .iter()
        .filter(|t| t.variant == variant)
        .map(|t| Resource::ScalableTarget((*t).clone()))
        .chain(want.policies.iter().filter(|p| p.variant == variant).map(|p| Resource::ScalingPolicy((*p).clone())))
        .chain(want.schedules.iter().filter(|s| s.variant == variant).map(|s| Resource::ScheduledAction((*s).clone())))
        .collect();
    for r in resources {
        let (action, before, reason) = how(&r);
        b.change(action, before, Some(r.clone()), reason);
        b.steps.push(match r {
            Resource::ScalableTarget(t) => Step::RegisterScalableTarget { target: t },
            Resource::ScalingPolicy(p) => Step::PutScalingPolicy { policy: p },
            Resource::ScheduledAction(s) => Step::PutScheduledAction { action: s },
            _ => unreachable!("only auto scaling resources are put back"),
        });
    }
}

/// An owned endpoint in service. A live variant the spec scales but that has no scalable target
/// while the endpoint is about to be updated lost its auto scaling (a run killed between
/// deregistering and updating, or a hand-made change): it is registered again first, with the
/// spec's bounds, policy and scheduled actions, so that whatever happens to the update the
/// variant is not left at a fixed count. The rest of the plan then treats it as registered.
fn update_endpoint(plan: &mut Plan, want: &Want<'_>, have: &LiveEndpoint, unused: Option<&UnusedResources>) {
    let config_changes = have.config.as_ref().is_none_or(|c| c.content() != want.config.content());
    let missing: Vec<&TargetResource> = want
        .targets
        .iter()
        .copied()
        .filter(|t| config_changes && have.desc.variant(&t.variant).is_some())
        .filter(|t| !have.targets.iter().any(|h| h.variant == t.variant))
        .collect();
    if missing.is_empty() {
        return diff_owned(plan, want, have, unused);
    }
    let name = want.endpoint.name.clone();
    let mut restored = have.clone();
    let mut first = Vec::new();
    for t in &missing {
        restored.targets.push((*t).clone());
        first.push(Step::RegisterScalableTarget { target: (*t).clone() });
        for p in want.policies.iter().filter(|p| p.variant == t.variant) {
            restored.policies.push((*p).clone());
            first.push(Step::PutScalingPolicy { policy: (*p).clone() });
        }
        for s in want.schedules.iter().filter(|s| s.variant == t.variant) {
            restored.schedules.push((*s).clone());
            first.push(Step::PutScheduledAction { action: (*s).clone() });
        }
        plan.unprotected.push(Notice {
            endpoint: name.clone(),
            message: format!("variant {}/{} runs without auto scaling", name, t.variant),
            hint: "it is registered again first, with the spec's bounds, policy and scheduled actions, before the endpoint is updated".to_string(),
        });
    }
    let first_change = plan.changes.len();
    diff_owned(plan, want, &restored, unused);
    let variants: Vec<&str> = missing.iter().map(|t| t.variant.as_str()).collect();
    for change in &mut plan.changes[first_change..] {
        let variant = match &change.after {
            Some(Resource::ScalableTarget(t)) => Some(&t.variant),
            Some(Resource::ScalingPolicy(p)) => Some(&p.variant),
            Some(Resource::ScheduledAction(s)) => Some(&s.variant),
            _ => None,
        };
        if variant.is_some_and(|v| variants.contains(&v.as_str())) && change.action == Action::NoOp {
            change.action = Action::Create;
            change.before = None;
            change.reason = Some("missing on a live variant: registered first".to_string());
        }
    }
    match plan.steps.iter_mut().find(|s| s.endpoint == name) {
        Some(entry) => {
            entry.steps.splice(0..0, first);
        }
        None => plan.steps.push(EndpointSteps { endpoint: name, steps: first, restore: Vec::new() }),
    }
}

fn diff_owned(plan: &mut Plan, want: &Want<'_>, have: &LiveEndpoint, unused: Option<&UnusedResources>) {
    let name = want.endpoint.name.clone();
    let mut b = Builder {
        endpoint: name.clone(),
        plan,
        steps: Vec::new(),
        secret_keys: want.secret_keys(),
        restore: Vec::new(),
    };
    let live_config = have.config.clone();
    // Configs are compared by content, not name: an adopted endpoint keeps its hand-made config
    // as long as its content (variants, models, instance types and the config's settings, see
    // `ConfigResource::content`) agrees.
    let config_changes = live_config.as_ref().is_none_or(|c| c.content() != want.config.content());
    let final_config = if config_changes { want.config.name.clone() } else { have.desc.config_name.clone() };
    let live_type = |variant: &str| {
        live_config
            .as_ref()
            .and_then(|c| c.variants.iter().find(|v| v.name == variant))
            .map(|v| v.instance_type.clone())
    };
    let want_type =
        |variant: &str| want.config.variants.iter().find(|v| v.name == variant).map(|v| v.instance_type.clone());

    // Auto scaling that must go before UpdateEndpoint: variants whose instance type changes or
    // that leave the endpoint while registered (AWS refuses the update otherwise), and variants
    // that stop being scaled.
    let mut pre = Vec::new();
    let mut reregistered: Vec<String> = Vec::new();
    for t in &have.targets {
        let wanted = want.targets.iter().any(|w| w.variant == t.variant);
        let type_change = config_changes && wanted && live_type(&t.variant) != want_type(&t.variant);
        let removed = want_type(&t.variant).is_none();
        if type_change || removed || !wanted {
            let extra = extra_policies(have, &t.variant).into_iter().map(|(p, _)| p);
            for p in have.policies.iter().filter(|p| p.variant == t.variant).chain(extra) {
                pre.push(Step::DeleteScalingPolicy {
                    endpoint: name.clone(),
                    variant: t.variant.clone(),
                    policy_name: p.policy_name.clone(),
                });
            }
            pre.push(Step::DeregisterScalableTarget { endpoint: name.clone(), variant: t.variant.clone() });
            reregistered.push(t.variant.clone());
            // AWS's documented option ("Update endpoints that use auto scaling"): with auto
            // scaling off for the update, raise the variant to its maximum first, so a spike
            // during the update meets the most capacity the team allowed.
            let live_count = have.desc.variant(&t.variant).and_then(|(count, _)| count);
            if want.raise_capacity && type_change && live_count.is_some_and(|c| c < t.max_capacity) {
                let raise = vec![WeightAndCapacity {
                    variant: t.variant.clone(),
                    instance_count: Some(t.max_capacity),
                    weight: None,
                }];
                pre.push(Step::UpdateWeightsAndCapacities { endpoint: name.clone(), changes: raise.clone() });
                pre.push(Step::WaitInService {
                    endpoint: name.clone(),
                    config: have.desc.config_name.clone(),
                    expect: raise,
                    alarms: Vec::new(),
                    rollout_seconds: None,
                });
            }
            // Should the update not complete, the variant stays live on its old instance type:
            // its auto scaling goes back exactly as it is now (a variant that stops being scaled
            // is already where the spec wants it).
            if type_change || removed {
                if b.restore.is_empty() {
                    b.restore.push(Step::WaitSettled { endpoint: name.clone() });
                }
                b.restore.push(Step::RegisterScalableTarget { target: t.clone() });
                for p in have.policies.iter().filter(|p| p.variant == t.variant) {
                    b.restore.push(Step::PutScalingPolicy { policy: p.clone() });
                }
                for s in have.schedules.iter().filter(|s| s.variant == t.variant) {
                    b.restore.push(Step::PutScheduledAction { action: s.clone() });
                }
            }
        }
    }
    b.steps.extend(pre);

    // Models and config.
    if config_changes {
        for m in &want.models {
            match have.models.iter().find(|l| l.name == m.name) {
                Some(l) => model_tags(&mut b, have, l, m),
                None => b.create_model(m, unused),
            }
        }
        b.create_config(want.config, unused);
    } else {
        for m in &have.models {
            match want.models.iter().find(|w| w.name == m.name) {
                Some(w) => model_tags(&mut b, have, m, w),
                None => {
                    b.change(Action::NoOp, Some(Resource::Model(m.clone())), Some(Resource::Model(m.clone())), None)
                }
            }
        }
        if let Some(c) = &live_config {
            let after = ConfigResource { tags: want.config.tags.clone(), ..c.clone() };
            match &have.tagged.config {
                // An owned config whose tags were read: a changed tag is an update in place.
                Some(arn) => {
                    let before = ConfigResource { tags: own_tags(&c.tags), ..c.clone() };
                    let (add, remove) = tag_delta(&c.tags, &want.config.tags);
                    let reason =
                        "tags change in place; configs are immutable, but tags are not part of them".to_string();
                    if b.compare(
                        Resource::EndpointConfig(before),
                        Resource::EndpointConfig(after),
                        Action::Update,
                        Some(reason),
                    ) {
                        b.steps.push(Step::TagEndpointConfig {
                            endpoint: name.clone(),
                            name: c.name.clone(),
                            arn: arn.clone(),
                            add,
                            remove,
                        });
                    }
                }
                // A hand-made config of an adopted endpoint is not endpoint-scale's to tag.
                None => b.change(
                    Action::NoOp,
                    Some(Resource::EndpointConfig(after.clone())),
                    Some(Resource::EndpointConfig(after)),
                    None,
                ),
            }
        }
    }

    // The endpoint: config, runtime weights and counts, tags.
    let before = EndpointResource {
        rollout: None,
        name: name.clone(),
        config_name: have.desc.config_name.clone(),
        variants: have
            .desc
            .variants
            .iter()
            .map(|(v, count, weight)| {
                let scaled =
                    want.endpoint.variants.iter().find(|w| &w.name == v).is_none_or(|w| w.instance_count.is_none());
                EndpointVariant {
                    name: v.clone(),
                    instance_count: if scaled { None } else { *count },
                    weight: weight.unwrap_or(1.0),
                }
            })
            .collect(),
        tags: have.tags.iter().filter(|(k, _)| !k.starts_with("aws:")).map(|(k, v)| (k.clone(), v.clone())).collect(),
        adopt: false,
    };
    // `adopt` and `rollout` are instructions, not attributes.
    let mut after = EndpointResource { adopt: false, rollout: None, ..want.endpoint.clone() };
    after.config_name = final_config.clone();
    // After an update, variants new to the endpoint start from the config; only variants that
    // exist on both sides have weights and counts to compare.
    let mut capacity = Vec::new();
    for w in &want.endpoint.variants {
        let Some((count, weight)) = have.desc.variant(&w.name) else { continue };
        let weight_change = weight.is_none_or(|l| !same_weight(l, w.weight));
        let count_change = w.instance_count.is_some() && w.instance_count != count;
        if weight_change || count_change {
            capacity.push(WeightAndCapacity {
                variant: w.name.clone(),
                instance_count: if count_change { w.instance_count } else { None },
                weight: weight_change.then_some(w.weight),
            });
        }
    }
    // Normalise weights that agree within f32 precision so they do not show as changes.
    let mut shown_before = before.clone();
    for v in &mut shown_before.variants {
        if let Some(w) = after.variants.iter().find(|w| w.name == v.name) {
            if same_weight(v.weight, w.weight) {
                v.weight = w.weight;
            }
        }
    }
    let reason = config_changes.then(|| {
        let old = live_config.as_ref().map_or("a missing config".to_string(), |c| c.name.clone());
        format!("endpoint configs are immutable: {old} -> {}", want.config.name)
    });
    b.compare(Resource::Endpoint(shown_before), Resource::Endpoint(after), Action::Update, reason);
    if config_changes {
        b.steps.push(Step::UpdateEndpoint {
            endpoint: name.clone(),
            config: want.config.name.clone(),
            deployment: want.endpoint.rollout.as_ref().map(deployment_config),
        });
        b.steps.push(Step::WaitInService {
            endpoint: name.clone(),
            config: want.config.name.clone(),
            expect: Vec::new(),
            alarms: want.endpoint.rollout.iter().flat_map(|r| r.alarms.iter()).map(|a| a.name().to_string()).collect(),
            rollout_seconds: want
                .endpoint
                .rollout
                .as_ref()
                .map(|r| rollout::wait_bound(r, &rollout::timelines(r, want.config, have, want.launch)).0),
        });
    }
    if !capacity.is_empty() {
        b.steps.push(Step::UpdateWeightsAndCapacities { endpoint: name.clone(), changes: capacity.clone() });
        b.steps.push(Step::WaitInService {
            endpoint: name.clone(),
            config: final_config.clone(),
            expect: capacity,
            alarms: Vec::new(),
            rollout_seconds: None,
        });
    }
    let (add, remove) = tag_delta(&have.tags, &want.endpoint.tags);
    if !add.is_empty() || !remove.is_empty() {
        b.steps.push(Step::TagEndpoint { endpoint: name.clone(), arn: have.desc.arn.clone(), add, remove });
    }

    // Auto scaling after the endpoint.
    for t in &want.targets {
        let variant = t.variant.as_str();
        if reregistered.iter().any(|r| r == variant) {
            let old_type = live_type(variant).unwrap_or_default();
            let new_type = want_type(variant).unwrap_or_default();
            let lookup = |r: &Resource| live_counterpart(have, r);
            put_back_scaling(&mut b, want, variant, |r| {
                let reason = match r.kind() {
                    Kind::ScalableTarget => format!(
                        "instance type {old_type} -> {new_type}: AWS refuses UpdateEndpoint while the variant is a registered scalable target, so it is deregistered first and registered again after"
                    ),
                    Kind::ScalingPolicy => "deleted before the target is deregistered, put back after".to_string(),
                    _ => "deregistering the target deletes it; put back after".to_string(),
                };
                match lookup(r) {
                    Some(live) => (Action::Replace, Some(live), Some(reason)),
                    None => (Action::Create, None, None),
                }
            });
            continue;
        }
        let resources: Vec<Resource> = std::iter::once(Resource::ScalableTarget((*t).clone()))
            .chain(want.policies.iter().filter(|p| p.variant == variant).map(|p| Resource::ScalingPolicy((*p).clone())))
            .chain(
                want.schedules.iter().filter(|s| s.variant == variant).map(|s| Resource::ScheduledAction((*s).clone())),
            )
            .collect();
        for r in resources {
            // A target's tags change with TagResource/UntagResource, its bounds with
            // RegisterScalableTarget (which tags only what it creates): one change, either step.
            let mut retag = None;
            if let (Resource::ScalableTarget(w), Some(arn)) = (&r, have.tagged.targets.get(variant)) {
                if let Some(live) = have.targets.iter().find(|t| t.variant == variant) {
                    let (add, remove) = tag_delta(&live.tags, &w.tags);
                    if !add.is_empty() || !remove.is_empty() {
                        retag = Some(Step::TagScalableTarget {
                            endpoint: name.clone(),
                            variant: variant.to_string(),
                            arn: arn.clone(),
                            add,
                            remove,
                        });
                    }
                }
            }
            let bounds_change = match live_counterpart(have, &r) {
                Some(live) => {
                    let shown = match (&live, have.targets.iter().find(|t| t.variant == variant)) {
                        (Resource::ScalableTarget(l), Some(t)) if retag.is_some() => {
                            Resource::ScalableTarget(TargetResource { tags: own_tags(&t.tags), ..l.clone() })
                        }
                        _ => live.clone(),
                    };
                    b.compare(shown, r.clone(), Action::Update, None);
                    live != r
                }
                None => {
                    b.change(Action::Create, None, Some(r.clone()), None);
                    true
                }
            };
            b.steps.extend(retag);
            if bounds_change {
                b.steps.push(match r {
                    Resource::ScalableTarget(t) => Step::RegisterScalableTarget { target: t },
                    Resource::ScalingPolicy(p) => Step::PutScalingPolicy { policy: p },
                    Resource::ScheduledAction(s) => Step::PutScheduledAction { action: s },
                    _ => unreachable!(),
                });
            }
        }
    }
    // Live auto scaling that is no longer wanted.
    for t in &have.targets {
        let wanted = want.targets.iter().any(|w| w.variant == t.variant);
        let live_policies = have.policies.iter().filter(|p| p.variant == t.variant);
        let live_schedules = have.schedules.iter().filter(|s| s.variant == t.variant);
        if !wanted {
            let reason = Some("the variant is no longer auto scaled".to_string());
            for s in live_schedules {
                b.change(Action::Delete, Some(Resource::ScheduledAction(s.clone())), None, reason.clone());
            }
            for p in live_policies.chain(extra_policies(have, &t.variant).into_iter().map(|(p, _)| p)) {
                b.change(Action::Delete, Some(Resource::ScalingPolicy(p.clone())), None, reason.clone());
            }
            b.change(Action::Delete, Some(Resource::ScalableTarget(t.clone())), None, reason);
            continue;
        }
        let reregister = reregistered.contains(&t.variant);
        for (p, what) in extra_policies(have, &t.variant) {
            let reason = format!(
                "{what} not in the spec, on a target this project owns: several policies on one target scale out if any asks and in only if all agree, so it would scale the variant too"
            );
            b.change(Action::Delete, Some(Resource::ScalingPolicy(p.clone())), None, Some(reason));
            if !reregister {
                b.steps.push(Step::DeleteScalingPolicy {
                    endpoint: name.clone(),
                    variant: p.variant.clone(),
                    policy_name: p.policy_name.clone(),
                });
            }
        }
        for s in live_schedules.filter(|s| !want.schedules.iter().any(|w| w.variant == s.variant && w.name == s.name)) {
            let reason = "not in the spec, on a target this project owns: it would change the variant's bounds";
            b.change(Action::Delete, Some(Resource::ScheduledAction(s.clone())), None, Some(reason.to_string()));
            if !reregister {
                b.steps.push(Step::DeleteScheduledAction {
                    endpoint: name.clone(),
                    variant: s.variant.clone(),
                    name: s.name.clone(),
                });
            }
        }
    }

    // Clean-up once the endpoint runs the new config.
    if config_changes {
        if let Some(old) = &live_config {
            if is_derived_name(&name, &old.name) && old.name != want.config.name {
                let shown = ConfigResource { tags: want.config.tags.clone(), ..old.clone() };
                b.change(
                    Action::Delete,
                    Some(Resource::EndpointConfig(shown)),
                    None,
                    Some(format!("superseded by {}; deleted once the endpoint is InService on it", want.config.name)),
                );
                b.steps.push(Step::DeleteEndpointConfig { name: old.name.clone() });
            }
        }
        for m in have.models.iter().filter(|m| !want.models.iter().any(|w| w.name == m.name)) {
            b.change(Action::Delete, Some(Resource::Model(m.clone())), None, Some("no longer used".to_string()));
            b.steps.push(Step::DeleteModel { name: m.name.clone() });
        }
    }
    let (configs, models) = wanted_names(want);
    delete_unused(&mut b, unused, &configs, &models, UNUSED);
    b.finish();
}

/// `adopt: true` on an endpoint that exists without ownership tags: the plan of the endpoint as
/// if it were already this project's, preceded by the step that tags it, and with each variant's
/// hand-made invocations policy put back under endpoint-scale's policy name.
fn adopt_endpoint(plan: &mut Plan, want: &Want<'_>, have: &LiveEndpoint, unused: Option<&UnusedResources>) {
    let name = want.endpoint.name.clone();
    let ownership_tags: Tags = want
        .endpoint
        .tags
        .iter()
        .filter(|(k, _)| k.starts_with(TAG_PREFIX))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    // One hand-made policy per variant is taken over: the first by name, as import writes it.
    let mut renamed: Vec<&PolicyResource> = Vec::new();
    for p in &have.foreign_policies {
        if !renamed.iter().any(|r| r.variant == p.variant) && !have.policies.iter().any(|o| o.variant == p.variant) {
            renamed.push(p);
        }
    }
    let mut adopted = have.clone();
    adopted.foreign_policies.retain(|p| !renamed.contains(&p));
    adopted.ownership = Ownership::Ours;
    adopted.tags.extend(ownership_tags.clone());
    adopted
        .policies
        .extend(renamed.iter().map(|p| PolicyResource { policy_name: POLICY_NAME.to_string(), ..(*p).clone() }));
    let first_change = plan.changes.len();
    update_endpoint(plan, want, &adopted, unused);

    let reason = format!(
        "adopted: tagged as managed by endpoint-scale project {:?}",
        want.endpoint.tags.get(TAG_PROJECT).map_or("", String::as_str)
    );
    let mut rename_steps = Vec::new();
    for change in &mut plan.changes[first_change..] {
        match (&change.after, change.action) {
            (Some(Resource::Endpoint(after)), _) => {
                let mut before = match &change.before {
                    Some(Resource::Endpoint(b)) => b.clone(),
                    _ => after.clone(),
                };
                before.tags.retain(|k, _| !ownership_tags.contains_key(k));
                change.before = Some(Resource::Endpoint(before));
                change.action = Action::Update;
                change.reason = Some(reason.clone());
            }
            (Some(Resource::ScalingPolicy(after)), action) => {
                let Some(old) = renamed.iter().find(|p| p.variant == after.variant) else { continue };
                if action == Action::NoOp {
                    rename_steps.push(Step::PutScalingPolicy { policy: after.clone() });
                }
                rename_steps.push(Step::DeleteScalingPolicy {
                    endpoint: name.clone(),
                    variant: old.variant.clone(),
                    policy_name: old.policy_name.clone(),
                });
                change.before = Some(Resource::ScalingPolicy((*old).clone()));
                change.action = Action::Replace;
                change.reason = Some(format!(
                    "adopted: the hand-made policy {:?} is put back under endpoint-scale's name {POLICY_NAME:?}",
                    old.policy_name
                ));
            }
            _ => {}
        }
    }
    let adopt = Step::AdoptEndpoint { endpoint: name.clone(), arn: have.desc.arn.clone(), tags: ownership_tags };
    match plan.steps.iter_mut().find(|s| s.endpoint == name) {
        Some(entry) => {
            entry.steps.insert(0, adopt);
            entry.steps.extend(rename_steps);
        }
        None => plan.steps.push(EndpointSteps {
            endpoint: name,
            steps: std::iter::once(adopt).chain(rename_steps).collect(),
            restore: Vec::new(),
        }),
    }
}

/// The live resource with the same address as `want`, with the attributes AWS does not report
/// back (target tags) taken from `want` so they do not show as drift.
fn live_counterpart(have: &LiveEndpoint, want: &Resource) -> Option<Resource> {
    match want {
        Resource::ScalableTarget(w) => have
            .targets
            .iter()
            .find(|t| t.variant == w.variant)
            .map(|t| Resource::ScalableTarget(TargetResource { tags: w.tags.clone(), ..t.clone() })),
        Resource::ScalingPolicy(w) => have
            .policies
            .iter()
            .find(|p| p.variant == w.variant && p.policy_name == w.policy_name)
            .map(|p| Resource::ScalingPolicy(p.clone())),
        Resource::ScheduledAction(w) => {
            have.schedules.iter().find(|s| s.variant == w.variant && s.name == w.name).map(|s| {
                let timezone =
                    if zone(&s.timezone) == zone(&w.timezone) { w.timezone.clone() } else { s.timezone.clone() };
                Resource::ScheduledAction(ScheduledActionResource { timezone, ..s.clone() })
            })
        }
        _ => None,
    }
}

/// Policies on a variant's target besides endpoint-scale's own: hand-made invocations policies
/// and policies a spec cannot express, with what they are (for the reason of their deletion).
fn extra_policies<'a>(have: &'a LiveEndpoint, variant: &str) -> Vec<(&'a PolicyResource, String)> {
    let hand_made = have
        .foreign_policies
        .iter()
        .filter(|p| p.variant == variant)
        .map(|p| (p, format!("the policy {:?} (target tracking on {}) is", p.policy_name, p.metric.describe())));
    let other = have
        .other_policies
        .iter()
        .filter(|(p, _)| p.variant == variant)
        .map(|(p, what)| (p, format!("the policy {:?} ({what}) is", p.policy_name)));
    hand_made.chain(other).collect()
}

/// An inline model the endpoint keeps: its tags are compared when they were read, and changed in
/// place (models are immutable, but tags are not part of the content their names hash).
fn model_tags(b: &mut Builder<'_>, have: &LiveEndpoint, live: &ModelResource, want: &ModelResource) {
    let Some(arn) = have.tagged.models.get(&live.name) else {
        b.change(Action::NoOp, Some(Resource::Model(live.clone())), Some(Resource::Model(want.clone())), None);
        return;
    };
    let before = ModelResource { tags: own_tags(&live.tags), ..live.clone() };
    let (add, remove) = tag_delta(&live.tags, &want.tags);
    if add.is_empty() && remove.is_empty() {
        // Equal as far as the plan goes (the live model's content is what its name says).
        b.change(Action::NoOp, Some(Resource::Model(before)), Some(Resource::Model(want.clone())), None);
        return;
    }
    let reason = "tags change in place; models are immutable, but tags are not part of them".to_string();
    b.change(Action::Update, Some(Resource::Model(before)), Some(Resource::Model(want.clone())), Some(reason));
    b.steps.push(Step::TagModel {
        endpoint: b.endpoint.clone(),
        name: live.name.clone(),
        arn: arn.clone(),
        add,
        remove,
    });
}

/// Deletes an owned endpoint and everything of it: scaling first, then the endpoint, then its
/// config and inline models.
fn delete_endpoint(plan: &mut Plan, have: &LiveEndpoint, unused: Option<&UnusedResources>, why: &str) {
    let name = have.desc.name.clone();
    let mut b =
        Builder { endpoint: name.clone(), plan, steps: Vec::new(), secret_keys: BTreeSet::new(), restore: Vec::new() };
    let reason = Some(why.to_string());
    for s in &have.schedules {
        b.change(Action::Delete, Some(Resource::ScheduledAction(s.clone())), None, reason.clone());
    }
    for p in &have.policies {
        b.change(Action::Delete, Some(Resource::ScalingPolicy(p.clone())), None, reason.clone());
        b.steps.push(Step::DeleteScalingPolicy {
            endpoint: name.clone(),
            variant: p.variant.clone(),
            policy_name: p.policy_name.clone(),
        });
    }
    for t in &have.targets {
        b.change(Action::Delete, Some(Resource::ScalableTarget(t.clone())), None, reason.clone());
        // Deregistering also deletes the target's scheduled actions (API reference).
        b.steps.push(Step::DeregisterScalableTarget { endpoint: name.clone(), variant: t.variant.clone() });
    }
    let endpoint = EndpointResource {
        name: name.clone(),
        config_name: have.desc.config_name.clone(),
        variants: Vec::new(),
        tags: have.tags.clone(),
        adopt: false,
        rollout: None,
    };
    b.change(Action::Delete, Some(Resource::Endpoint(endpoint)), None, reason.clone());
    b.steps.push(Step::DeleteEndpoint { endpoint: name.clone() });
    b.steps.push(Step::WaitDeleted { endpoint: name.clone() });
    if let Some(c) = &have.config {
        if is_derived_name(&name, &c.name) {
            b.change(Action::Delete, Some(Resource::EndpointConfig(c.clone())), None, reason.clone());
            b.steps.push(Step::DeleteEndpointConfig { name: c.name.clone() });
        }
    }
    for m in &have.models {
        b.change(Action::Delete, Some(Resource::Model(m.clone())), None, reason.clone());
        b.steps.push(Step::DeleteModel { name: m.name.clone() });
    }
    delete_unused(&mut b, unused, &[], &[], why);
    b.finish();
}
