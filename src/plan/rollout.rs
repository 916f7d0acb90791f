//! The rollout side of the diff: an endpoint's owned CloudWatch alarms as resources (created,
//! updated in place or deleted, like the other resources), the plan-time checks a rollout needs
//! live state for, and the [`RolloutPlan`] the views show.
//!
//! Order (see docs/design.md): PutMetricAlarm (and TagResource) of owned alarms comes before
//! anything else of the endpoint, so every alarm exists when UpdateEndpoint names it; DeleteAlarms
//! of alarms the spec dropped comes last, after the update that no longer watches them.
//!
//! Checks against live state (SageMaker guide "Deployment guardrails" and the API's
//! DeploymentConfig): the alarms the team owns must exist; an owned alarm's name must not be
//! another's alarm; a rollout cannot change the variant names; CanarySize may be at most 50% of
//! the variant's instances, LinearStepSize 10-50% and a rolling MaximumBatchSize 5-50%, counted on
//! the live instance count (UpdateEndpoint keeps it: RetainAllVariantProperties).

use super::diff::{own_tags, tag_delta};
use super::{Action, Change, Launch, Notice, Plan, RolloutPlan, Step, VariantRollout, WatchedAlarm};
use crate::live::{LiveAlarm, LiveEndpoint, LiveState};
use crate::model::{timeline, Capacity, Phase, RollbackAlarm, Rollout, Strategy, Tags, Timeline};
use crate::resources::{AlarmResource, ConfigResource, ConfigVariant, EndpointResource, Resource};
use crate::validate::format_duration;

/// Slack on top of a rollout's own bound in apply's wait: AWS's time between phases, the polls,
/// a launch slower than assumed, and a blue/green rollback (traffic back to the old fleet, which
/// still runs, and the new fleet deleted). AWS documents none of these durations: an assumption
/// (docs/design.md, "How long apply waits for a rollout").
pub(crate) const WAIT_MARGIN_SECONDS: u64 = 15 * 60;

/// The timeline of each variant of the new config at its live instance count (the spec's
/// initial count for a variant the endpoint does not have yet).
pub(super) fn timelines<'a>(
    rollout: &Rollout,
    config: &'a ConfigResource,
    have: &LiveEndpoint,
    launch: Launch,
) -> Vec<(&'a ConfigVariant, Timeline)> {
    config
        .variants
        .iter()
        .map(|v| {
            let live = have.desc.variant(&v.name).and_then(|(count, _)| count);
            (v, timeline(rollout, live.unwrap_or(v.initial_instance_count), launch.seconds()))
        })
        .collect()
}

/// How long apply waits for an update with this rollout, in seconds, and why. SageMaker rolls
/// the update back by itself once it runs longer than MaximumExecutionTimeoutInSeconds (API
/// BlueGreenUpdatePolicy, RollingUpdatePolicy), so with `max_execution_time` that is the bound;
/// without it (AWS documents no default) the longest timeline at the assumed launch time is.
/// On top: the rollback (rolling: the old config is launched again, in batches of
/// `rollback_batch_size` or all at once, one assumed launch per batch; blue/green: the old
/// fleet still runs) and [`WAIT_MARGIN_SECONDS`]. Apply waits the longer of this and
/// `--wait-timeout`.
pub(crate) fn wait_bound(rollout: &Rollout, timelines: &[(&ConfigVariant, Timeline)]) -> (u64, String) {
    let longest = timelines.iter().map(|(_, t)| t.total_seconds).max().unwrap_or(0);
    let launch = timelines.iter().flat_map(|(_, t)| t.steps.first()).map(|s| s.duration_seconds).max().unwrap_or(0);
    let rollback = match rollout.strategy {
        Strategy::Rolling { rollback_batch, .. } => timelines
            .iter()
            .map(|(_, t)| {
                let batches = rollback_batch.map_or(1, |b| t.instances.div_ceil(b.instances_of(t.instances)));
                u64::from(batches) * launch
            })
            .max()
            .unwrap_or(0),
        _ => 0,
    };
    let (base, what) = match rollout.max_execution_seconds {
        Some(max) => (u64::from(max), format!("max_execution_time {}", format_duration(u64::from(max)))),
        None => (longest, format!("the timeline's {}", format_duration(longest))),
    };
    let mut why = format!("{what}, after which SageMaker rolls the update back by itself");
    if rollout.max_execution_seconds.is_none() {
        why = format!("{what} (no max_execution_time: AWS documents no default)");
    }
    if rollback > 0 {
        why.push_str(&format!(", + {} to launch the old config again on rollback", format_duration(rollback)));
    }
    why.push_str(&format!(", + {} margin", format_duration(WAIT_MARGIN_SECONDS)));
    (base + rollback + WAIT_MARGIN_SECONDS, why)
}

/// The bakes and termination wait of a timeline: what it takes whatever the launch time.
fn waits(t: &Timeline) -> u64 {
    t.steps.iter().filter(|s| matches!(s.phase, Phase::Bake | Phase::TerminationWait)).map(|s| s.duration_seconds).sum()
}

/// A `max_execution_time` that is more than `seconds`: rounded up to the next 10 minutes.
fn more_than(seconds: u64) -> u64 {
    (seconds / 600 + 1) * 600
}

/// AWS's highest MaximumExecutionTimeoutInSeconds (API BlueGreenUpdatePolicy, RollingUpdatePolicy).
const MAX_EXECUTION_LIMIT: u64 = 28_800;

/// How to make the rollout fit `max_execution_time` when it needs `need` seconds.
fn fit_hint(rollout: &Rollout, need: u64) -> String {
    let raise = if more_than(need) <= MAX_EXECUTION_LIMIT {
        format!("raise `max_execution_time` to at least {}", format_duration(more_than(need)))
    } else {
        format!("`max_execution_time` cannot cover {} (AWS allows at most 8h)", format_duration(need))
    };
    let steps = match sized(&rollout.strategy) {
        Some((what, ..)) if !matches!(rollout.strategy, Strategy::Canary { .. }) => {
            format!("a larger `{what}` (fewer steps, so fewer bakes) or a shorter `bake`")
        }
        _ => "a shorter `bake`".to_string(),
    };
    format!("{raise}, or take {steps}")
}

/// A note when the spec changes only how the endpoint's updates roll out: no UpdateEndpoint runs
/// now, and the spec's `rollout:` differs from the LastDeploymentConfig AWS reports (the
/// settings of the last update that had one). Nothing about it is sent before the next update,
/// so the plan says so rather than "No changes." alone. Without a LastDeploymentConfig (no
/// rollout has run yet) there is nothing to compare with, and nothing is said. Fields the spec
/// leaves to AWS (the maximum execution time) are not compared, nor the alarms' order.
pub(super) fn deferred(plan: &Plan, endpoint: &EndpointResource, have: &LiveEndpoint) -> Option<Notice> {
    let last = have.desc.last_deployment.as_ref()?;
    let updates =
        plan.steps_of(&endpoint.name).is_some_and(|s| s.steps.iter().any(|s| matches!(s, Step::UpdateEndpoint { .. })));
    if updates {
        return None;
    }
    let notice = |message: String, hint: String| Some(Notice { endpoint: endpoint.name.clone(), message, hint });
    // A spec that dropped `rollout:` says nothing: whether an update without DeploymentConfig
    // clears LastDeploymentConfig is not documented, so the note could never go away.
    let rollout = endpoint.rollout.as_ref()?;
    let want = crate::resources::deployment_config(rollout);
    let comparable = |config: &crate::resources::DeploymentConfig| {
        let mut config = config.clone();
        if rollout.max_execution_seconds.is_none() {
            for policy in config.blue_green_update_policy.iter_mut() {
                policy.maximum_execution_timeout_in_seconds = None;
            }
            for policy in config.rolling_update_policy.iter_mut() {
                policy.maximum_execution_timeout_in_seconds = None;
            }
        }
        if let Some(a) = config.auto_rollback_configuration.as_mut() {
            a.alarms.sort_by(|x, y| x.alarm_name.cmp(&y.alarm_name));
        }
        config
    };
    if comparable(&want) == comparable(last) {
        return None;
    }
    notice(
        format!(
            "endpoint {}: `rollout:` changed: the next update rolls out as {} (the last one rolled out as {})",
            endpoint.name,
            want.describe(),
            last.describe()
        ),
        "nothing is sent now: rollout settings travel with UpdateEndpoint, so they take effect at the next change of the endpoint's config".to_string(),
    )
}

/// The plan-time errors of an endpoint's rollout against live state, as notices with a fix.
/// `have` is the live endpoint when the plan updates it (its config changes).
pub(super) fn check(
    endpoint: &EndpointResource,
    config: &ConfigResource,
    alarms: &[&AlarmResource],
    project: &str,
    have: Option<&LiveEndpoint>,
    live: &LiveState,
    launch: Launch,
) -> Vec<Notice> {
    let Some(rollout) = &endpoint.rollout else { return Vec::new() };
    let name = &endpoint.name;
    let notice = |message: String, hint: String| Notice { endpoint: name.clone(), message, hint };
    let mut out = Vec::new();
    // Only a live read knows which alarms exist (an offline plan reads nothing).
    if !live.alarms_read.is_empty() {
        for a in &rollout.alarms {
            if let RollbackAlarm::Existing { name: alarm } = a {
                if !live.alarms.contains_key(alarm) {
                    out.push(notice(
                        format!("rollback alarm {alarm} of endpoint {name} does not exist in CloudWatch"),
                        "create the alarm first (SageMaker refuses an update whose rollback alarms do not exist), give it a `metric:` so endpoint-scale creates and owns it, or remove it from `rollback_alarms`".to_string(),
                    ));
                }
            }
        }
        for a in alarms {
            if let Some(l) = live.alarms.get(&a.name) {
                if l.owner(project) != Some(name.as_str()) {
                    let why = if l.composite {
                        "it is a composite alarm, and endpoint-scale owns only the metric alarms it creates".to_string()
                    } else {
                        format!("it has no ownership tags of project {project:?} for endpoint {name}")
                    };
                    out.push(notice(
                        format!("alarm {} exists in CloudWatch and is not this endpoint's ({why})", a.name),
                        "give the owned alarm another `name:`, or drop its `metric:` (and the other settings) to watch the existing alarm as the team's own".to_string(),
                    ));
                }
            }
        }
    }
    let Some(have) = have else { return out };
    if have.config.as_ref().is_some_and(|c| c.content() == config.content()) {
        return out; // no UpdateEndpoint: the rollout does not run
    }
    let mut live_names: Vec<&str> = have.desc.variants.iter().map(|v| v.0.as_str()).collect();
    let mut spec_names: Vec<&str> = config.variants.iter().map(|v| v.name.as_str()).collect();
    live_names.sort();
    spec_names.sort();
    if live_names != spec_names {
        out.push(notice(
            format!(
                "endpoint {name}: a rollout cannot change the variant names (live: {}; spec: {})",
                live_names.join(", "),
                spec_names.join(", ")
            ),
            "SageMaker's deployment guardrails need the same variants before and after the update: keep the variant names, or remove `rollout:` for this change (the update then replaces the fleet all at once) and add it back after".to_string(),
        ));
        return out;
    }
    // SageMaker rolls back an update that runs longer than MaximumExecutionTimeoutInSeconds:
    // when the bakes and the termination wait alone reach it at the live count, every update
    // would roll back, whatever the launch time (a timeline that reaches it only with the
    // assumed launch time is a warning in the rollout plan).
    if let Some(max) = rollout.max_execution_seconds {
        for (v, t) in timelines(rollout, config, have, launch) {
            let waits = waits(&t);
            if waits >= u64::from(max) {
                out.push(notice(
                    format!(
                        "endpoint {name}: the rollout's bakes and termination wait alone take {} at variant {}'s {} live now, not less than max_execution_time {}: SageMaker would roll back every update when it runs out of time",
                        format_duration(waits),
                        v.name,
                        crate::diagnostic::plural(t.instances, "instance"),
                        format_duration(u64::from(max))
                    ),
                    format!(
                        "{} (the timeline takes {} with the assumed launch time of {})",
                        fit_hint(rollout, t.total_seconds),
                        format_duration(t.total_seconds),
                        format_duration(u64::from(launch.seconds()))
                    ),
                ));
                return out;
            }
        }
    }
    for (variant, count, _) in &have.desc.variants {
        let Some(count) = count.filter(|c| *c > 0) else { continue };
        let Some((what, field, low, high, capacity)) = sized(&rollout.strategy) else { continue };
        if let Capacity::Percent(p) = capacity {
            // Rounded up (our assumption, docs/spec.md): at most 50% of a single instance is that
            // instance, the whole variant (only a 1-instance variant gets here), so there is no
            // partial step, which no reading of AWS's rule allows.
            let n = capacity.instances_of(count);
            if n >= count {
                out.push(notice(
                    format!(
                        "endpoint {name}: {what} {p}% of variant {variant}'s {} live now is {} (rounded up), all of them; AWS allows {} of the variant's instances for {field}",
                        crate::diagnostic::plural(count, "instance"),
                        crate::diagnostic::plural(n, "instance"),
                        allowed(low, high)
                    ),
                    format!("a {} rollout shifts part of the fleet at a time: raise the variant to at least 2 instances first, or remove `rollout:` for this change (the update then replaces the fleet all at once) and add it back after", rollout.strategy.name()),
                ));
            }
            continue;
        }
        let Capacity::Instances(n) = capacity else { continue };
        let percent = u64::from(n) * 100 / u64::from(count);
        let too_big = u64::from(n) * 100 > u64::from(count) * high;
        let too_small = u64::from(n) * 100 < u64::from(count) * low;
        if too_big || too_small {
            let allowed = allowed(low, high);
            out.push(notice(
                format!(
                    "endpoint {name}: {what} {} is {percent}% of variant {variant}'s {} live now; AWS allows {allowed} of the variant's instances for {field}",
                    crate::diagnostic::plural(n, "instance"),
                    crate::diagnostic::plural(count, "instance")
                ),
                format!("set `{what}:` to a percentage ({allowed}) so it follows the live count, or to an instance count that fits {count}"),
            ));
        }
    }
    out
}

/// The sized step of a strategy: (spec key, API field, lowest and highest percent AWS allows of
/// the variant's instances, the spec's size); `None` for all at once.
fn sized(strategy: &Strategy) -> Option<(&'static str, &'static str, u64, u64, Capacity)> {
    match *strategy {
        Strategy::Canary { size } => Some(("canary_size", "CanarySize", 0, 50, size)),
        Strategy::Linear { step } => Some(("linear_step", "LinearStepSize", 10, 50, step)),
        Strategy::Rolling { batch, .. } => Some(("batch_size", "MaximumBatchSize", 5, 50, batch)),
        Strategy::AllAtOnce => None,
    }
}

fn allowed(low: u64, high: u64) -> String {
    if low == 0 {
        format!("at most {high}%")
    } else {
        format!("{low}% to {high}%")
    }
}

/// A percentage size that, rounded up at the live count, is more than AWS's highest share but
/// not all of the variant: the spec's percentage is within AWS's range, and AWS does not document
/// how it rounds, so it may take it (a warning, not a blocked plan).
fn rounding_warning(rollout: &Rollout, variant: &str, count: u32) -> Option<String> {
    let (what, field, _, high, capacity) = sized(&rollout.strategy)?;
    let Capacity::Percent(p) = capacity else { return None };
    let n = capacity.instances_of(count);
    (n < count && u64::from(n) * 100 > u64::from(count) * high).then(|| {
        format!(
            "{what} {p}% of variant {variant}'s {} live now rounds up to {} ({}%), more than the {high}% AWS allows for {field}; AWS does not document its rounding (we assume up), so SageMaker may refuse the update or shift fewer: use a percentage that is a whole number of instances at {count}, or an instance count",
            crate::diagnostic::plural(count, "instance"),
            crate::diagnostic::plural(n, "instance"),
            u64::from(n) * 100 / u64::from(count)
        )
    })
}

/// The changes and steps of the endpoint's owned alarms: puts (and tag updates) to run before
/// the endpoint's other steps, and deletes to run after them.
pub(super) fn alarm_changes(
    plan: &mut Plan,
    endpoint: &str,
    project: &str,
    want: &[&AlarmResource],
    keep: &[&str],
    live: &LiveState,
) -> (Vec<Step>, Vec<Step>) {
    let mut first = Vec::new();
    let change = |action: Action, before: Option<&AlarmResource>, after: Option<&AlarmResource>| Change {
        address: after.or(before).map(|a| Resource::Alarm(a.clone()).address()).expect("a change has a resource"),
        endpoint: endpoint.to_string(),
        action,
        before: before.cloned().map(Resource::Alarm),
        after: after.cloned().map(Resource::Alarm),
        reason: None,
    };
    for a in want {
        match live.alarms.get(&a.name) {
            None => {
                plan.changes.push(change(Action::Create, None, Some(a)));
                first.push(Step::PutMetricAlarm { alarm: (*a).clone() });
            }
            Some(l) => {
                let before = AlarmResource { tags: own_tags(&l.alarm.tags), ..l.alarm.clone() };
                let config_differs = AlarmResource { tags: Tags::new(), ..before.clone() }
                    != AlarmResource { tags: Tags::new(), ..(*a).clone() };
                let (add, remove) = tag_delta(&l.alarm.tags, &a.tags);
                if !config_differs && add.is_empty() && remove.is_empty() {
                    plan.changes.push(change(Action::NoOp, Some(&before), Some(a)));
                    continue;
                }
                plan.changes.push(change(Action::Update, Some(&before), Some(a)));
                if config_differs {
                    first.push(Step::PutMetricAlarm { alarm: (*a).clone() });
                }
                if !add.is_empty() || !remove.is_empty() {
                    first.push(Step::TagAlarm {
                        endpoint: endpoint.to_string(),
                        name: a.name.clone(),
                        arn: l.arn.clone(),
                        add,
                        remove,
                    });
                }
            }
        }
    }
    let dropped: Vec<&LiveAlarm> = live
        .alarms
        .values()
        .filter(|l| l.owner(project) == Some(endpoint))
        .filter(|l| !want.iter().any(|a| a.name == l.alarm.name) && !keep.contains(&l.alarm.name.as_str()))
        .collect();
    let mut last = Vec::new();
    for l in &dropped {
        plan.changes.push(change(Action::Delete, Some(&l.alarm), None));
    }
    if !dropped.is_empty() {
        last.push(Step::DeleteAlarms {
            endpoint: endpoint.to_string(),
            names: dropped.iter().map(|l| l.alarm.name.clone()).collect(),
        });
    }
    (first, last)
}

/// What the endpoint's update will do when it runs its rollout, at the live instance counts
/// (the spec's initial counts for variants the endpoint does not have yet).
pub(super) fn rollout_plan(
    endpoint: &EndpointResource,
    rollout: &Rollout,
    config: &ConfigResource,
    have: &LiveEndpoint,
    live: &LiveState,
    launch: Launch,
) -> RolloutPlan {
    let timelines = timelines(rollout, config, have, launch);
    let (wait_seconds, wait_reason) = wait_bound(rollout, &timelines);
    let mut warnings = Vec::new();
    if let Some(max) = rollout.max_execution_seconds {
        // `check` blocked the plan when the waits alone reach it: here only the launch does.
        if let Some((v, t)) =
            timelines.iter().filter(|(_, t)| t.total_seconds >= u64::from(max)).max_by_key(|(_, t)| t.total_seconds)
        {
            warnings.push(format!(
                "with the assumed launch time of {}, variant {}'s timeline takes {}, not less than max_execution_time {}: SageMaker rolls the update back when it runs out of time; {} (or, if launches are faster, give the real times with --provision-minutes, --image-pull-minutes, --model-load-minutes)",
                format_duration(u64::from(launch.seconds())),
                v.name,
                format_duration(t.total_seconds),
                format_duration(u64::from(max)),
                fit_hint(rollout, t.total_seconds)
            ));
        }
    }
    // Only a live read knows the alarms' states. SageMaker watches the alarms during the
    // deployment (guide "Auto-Rollback Configuration and Monitoring"): one in ALARM already
    // rolls the update back as soon as it is watched.
    for a in &rollout.alarms {
        if let Some(l) = live.alarms.get(a.name()).filter(|l| l.state == "ALARM") {
            warnings.push(format!(
                "rollback alarm {} is in ALARM now: SageMaker would roll the update back as soon as it watches it; find out what it sees and apply once it is OK",
                l.alarm.name
            ));
        }
    }
    let variants = timelines
        .into_iter()
        .map(|(v, timeline)| VariantRollout {
            variant: v.name.clone(),
            instance_type: v.instance_type.clone(),
            warning: rounding_warning(rollout, &v.name, timeline.instances.max(1)),
            timeline,
        })
        .collect();
    let rollback = if rollout.strategy.is_blue_green() {
        "If an alarm goes into ALARM before the update completes (or it runs out of time), SageMaker shifts all traffic back to the old fleet, deletes the new one and the endpoint stays on its current config; apply then fails (exit 1) naming the alarm, and the next plan shows the update again."
    } else {
        "If an alarm goes into ALARM before the update completes (or it runs out of time), SageMaker replaces the updated batches with the old config again (in batches of rollback_batch_size, or all at once) and the endpoint stays on its current config; apply then fails (exit 1) naming the alarm, and the next plan shows the update again."
    };
    RolloutPlan {
        endpoint: endpoint.name.clone(),
        strategy: rollout.strategy.name(),
        alarms: rollout
            .alarms
            .iter()
            .map(|a| WatchedAlarm { name: a.name().to_string(), owned: matches!(a, RollbackAlarm::Owned(_)) })
            .collect(),
        variants,
        launch,
        launch_seconds: launch.seconds(),
        max_execution_seconds: rollout.max_execution_seconds,
        wait_seconds,
        wait_reason,
        warnings,
        rollback: rollback.to_string(),
    }
}
