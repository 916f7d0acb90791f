//! The diff's rules on hand-made live states.

use super::*;
use crate::live::{EndpointDescView, LiveEndpoint, LiveState, Ownership};
use crate::resources::{Kind, Resource};

const SPEC: &str = "version: 1
project: p
endpoints:
  - name: rec
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/rec:1
      execution_role_arn: arn:aws:iam::123456789012:role/R
    variants:
      - name: scaled
        instance_type: ml.c5.large
        initial_instance_count: 2
        max_rps_per_instance: 10
        autoscaling:
          min: 1
          max: 4
          schedules:
            - name: peak
              schedule: cron(0 8 ? * MON-FRI *)
              min: 3
      - name: fixed
        instance_type: ml.m5.large
        initial_instance_count: 1
        initial_weight: 0.5
";

use crate::testing::desired_from_yaml as desired;

/// The live state AWS would report after applying `desired`, with scaled variants at `counts`.
fn live_after(desired: &[Resource], counts: &[(&str, u32)]) -> LiveState {
    let mut state = LiveState::default();
    let config =
        desired.iter().find_map(|r| if let Resource::EndpointConfig(c) = r { Some(c.clone()) } else { None }).unwrap();
    let endpoint =
        desired.iter().find_map(|r| if let Resource::Endpoint(e) = r { Some(e.clone()) } else { None }).unwrap();
    let live = LiveEndpoint {
        desc: EndpointDescView {
            last_deployment: None,
            name: endpoint.name.clone(),
            arn: format!("arn:aws:sagemaker:us-east-1:123456789012:endpoint/{}", endpoint.name),
            status: "InService".into(),
            config_name: config.name.clone(),
            failure_reason: None,
            variants: endpoint
                .variants
                .iter()
                .map(|v| {
                    let count = v.instance_count.or_else(|| counts.iter().find(|c| c.0 == v.name).map(|c| c.1));
                    (v.name.clone(), count, Some(v.weight))
                })
                .collect(),
        },
        tags: endpoint.tags.clone(),
        ownership: Ownership::Ours,
        config: Some(config),
        models: desired
            .iter()
            .filter_map(|r| if let Resource::Model(m) = r { Some(m.clone()) } else { None })
            .collect(),
        targets: desired
            .iter()
            .filter_map(|r| {
                if let Resource::ScalableTarget(t) = r {
                    Some(TargetResource { tags: Tags::new(), ..t.clone() })
                } else {
                    None
                }
            })
            .collect(),
        policies: desired
            .iter()
            .filter_map(|r| if let Resource::ScalingPolicy(p) = r { Some(p.clone()) } else { None })
            .collect(),
        foreign_policies: Vec::new(),
        other_policies: Vec::new(),
        tagged: Default::default(),
        schedules: desired
            .iter()
            .filter_map(|r| if let Resource::ScheduledAction(s) = r { Some(s.clone()) } else { None })
            .collect(),
    };
    state.endpoints.insert(endpoint.name.clone(), live);
    state
}

fn ops(plan: &Plan) -> Vec<&'static str> {
    plan.steps.iter().flat_map(|s| s.steps.iter().map(Step::operation)).collect()
}

fn actions(plan: &Plan) -> Vec<String> {
    plan.changes.iter().filter(|c| c.action != Action::NoOp).map(|c| format!("{:?} {}", c.action, c.address)).collect()
}

#[test]
fn offline_creates_everything_in_aws_order() {
    let plan = diff(&desired(SPEC), &LiveState::default());
    assert_eq!(
        ops(&plan),
        [
            "CreateModel",
            "CreateEndpointConfig",
            "CreateEndpoint",
            "WaitInService",
            "RegisterScalableTarget",
            "PutScalingPolicy",
            "PutScheduledAction"
        ]
    );
    assert_eq!(plan.summary(), Summary { create: 6, ..Summary::default() });
}

#[test]
fn live_equal_to_spec_has_no_changes() {
    let want = desired(SPEC);
    let plan = diff(&want, &live_after(&want, &[("scaled", 3)]));
    assert_eq!(actions(&plan), Vec::<String>::new());
    assert!(plan.steps.is_empty());
    assert!(!plan.has_changes());
}

#[test]
fn a_scaled_variants_live_count_is_never_drift() {
    let want = desired(SPEC);
    // Auto scaling moved the scaled variant to 4: that is its job, not drift.
    assert!(!diff(&want, &live_after(&want, &[("scaled", 4)])).has_changes());
}

#[test]
fn policy_and_schedule_changes_touch_only_auto_scaling() {
    let live = live_after(&desired(SPEC), &[("scaled", 2)]);
    let changed = SPEC.replace("max_rps_per_instance: 10", "max_rps_per_instance: 20").replace("min: 3", "min: 2");
    let plan = diff(&desired(&changed), &live);
    assert_eq!(
        actions(&plan),
        [
            "Update scaling_policy.rec/scaled/endpoint-scale-invocations-per-instance",
            "Update scheduled_action.rec/scaled/peak"
        ]
    );
    assert_eq!(ops(&plan), ["PutScalingPolicy", "PutScheduledAction"]);
}

#[test]
fn instance_type_change_of_a_scaled_variant_follows_the_documented_sequence() {
    let live = live_after(&desired(SPEC), &[("scaled", 3)]);
    let changed = SPEC.replace("instance_type: ml.c5.large", "instance_type: ml.c5.xlarge");
    let plan = diff(&desired(&changed), &live);
    assert_eq!(
        ops(&plan),
        [
            "DeleteScalingPolicy",
            "DeregisterScalableTarget",
            "CreateEndpointConfig",
            "UpdateEndpoint",
            "WaitInService",
            "RegisterScalableTarget",
            "PutScalingPolicy",
            "PutScheduledAction",
            "DeleteEndpointConfig"
        ]
    );
    let target = plan.changes.iter().find(|c| c.address.kind == Kind::ScalableTarget).unwrap();
    assert_eq!(target.action, Action::Replace);
    assert!(target
        .reason
        .as_deref()
        .unwrap()
        .starts_with("instance type ml.c5.large -> ml.c5.xlarge: AWS refuses UpdateEndpoint"));
    let schedule = plan.changes.iter().find(|c| c.address.kind == Kind::ScheduledAction).unwrap();
    assert_eq!(schedule.action, Action::Replace);
}

#[test]
fn model_change_keeps_live_counts_and_scaling() {
    let live = live_after(&desired(SPEC), &[("scaled", 4)]);
    let changed = SPEC.replace("rec:1", "rec:2");
    let plan = diff(&desired(&changed), &live);
    assert_eq!(
        ops(&plan),
        [
            "CreateModel",
            "CreateEndpointConfig",
            "UpdateEndpoint",
            "WaitInService",
            "DeleteEndpointConfig",
            "DeleteModel"
        ]
    );
    // No UpdateEndpointWeightsAndCapacities: RetainAllVariantProperties keeps the 4 instances.
    assert!(plan.steps[0].steps.iter().all(|s| !matches!(s, Step::UpdateWeightsAndCapacities { .. })));
}

#[test]
fn fixed_count_or_weight_changes_in_place() {
    let live = live_after(&desired(SPEC), &[("scaled", 2)]);
    let changed = SPEC
        .replace("initial_instance_count: 1", "initial_instance_count: 3")
        .replace("initial_weight: 0.5", "initial_weight: 0.25");
    let plan = diff(&desired(&changed), &live);
    assert_eq!(ops(&plan), ["UpdateEndpointWeightsAndCapacities", "WaitInService"]);
    assert_eq!(
        plan.steps[0].steps[0],
        Step::UpdateWeightsAndCapacities {
            endpoint: "rec".into(),
            changes: vec![WeightAndCapacity { variant: "fixed".into(), instance_count: Some(3), weight: Some(0.25) }]
        }
    );
    assert_eq!(actions(&plan), ["Update endpoint.rec"]);
}

#[test]
fn weights_equal_within_f32_are_not_drift() {
    let want = desired(&SPEC.replace("initial_weight: 0.5", "initial_weight: 0.1"));
    let mut live = live_after(&want, &[("scaled", 2)]);
    for v in &mut live.endpoints.get_mut("rec").unwrap().desc.variants {
        if v.0 == "fixed" {
            v.2 = Some(f64::from(0.1f32));
        }
    }
    assert!(!diff(&want, &live).has_changes());
}

#[test]
fn unmanaged_endpoints_are_conflicts_and_never_touched() {
    let want = desired(SPEC);
    let mut live = live_after(&desired(&SPEC.replace("rec:1", "rec:0")), &[("scaled", 2)]);
    live.endpoints.get_mut("rec").unwrap().ownership = Ownership::Unmanaged;
    let plan = diff(&want, &live);
    assert!(plan.changes.is_empty() && plan.steps.is_empty());
    assert_eq!(plan.conflicts.len(), 1);
    assert!(plan.conflicts[0].hint.starts_with("add `adopt: true` to the endpoint in the spec"));
}

#[test]
fn adopting_tags_the_endpoint_first_and_renames_its_hand_made_policy() {
    let want = desired(&SPEC.replace("  - name: rec\n", "  - name: rec\n    adopt: true\n"));
    let mut live = live_after(&want, &[("scaled", 2)]);
    let have = live.endpoints.get_mut("rec").unwrap();
    have.ownership = Ownership::Unmanaged;
    have.tags.retain(|k, _| !k.starts_with("endpoint-scale:"));
    let mut hand_made = have.policies.remove(0);
    hand_made.policy_name = "HandMade".into();
    have.foreign_policies.push(hand_made.clone());
    let plan = diff(&want, &live);
    assert!(plan.conflicts.is_empty());
    assert_eq!(ops(&plan), ["AddTags", "PutScalingPolicy", "DeleteScalingPolicy"]);
    let Step::AdoptEndpoint { tags, .. } = &plan.steps[0].steps[0] else { panic!("{:?}", plan.steps[0].steps) };
    assert_eq!(
        tags.keys().collect::<Vec<_>>(),
        ["endpoint-scale:endpoint", "endpoint-scale:managed", "endpoint-scale:project"]
    );
    assert_eq!(
        plan.steps[0].steps[2],
        Step::DeleteScalingPolicy { endpoint: "rec".into(), variant: "scaled".into(), policy_name: "HandMade".into() }
    );
    let changed: Vec<(Action, String)> = plan
        .changes
        .iter()
        .filter(|c| c.action != Action::NoOp)
        .map(|c| (c.action, c.reason.clone().unwrap_or_default()))
        .collect();
    assert_eq!(
        changed,
        [
            (Action::Update, "adopted: tagged as managed by endpoint-scale project \"p\"".to_string()),
            (
                Action::Replace,
                "adopted: the hand-made policy \"HandMade\" is put back under endpoint-scale's name \"endpoint-scale-invocations-per-instance\"".to_string()
            ),
        ]
    );
    // Once adopted, `adopt: true` changes nothing: the plan of the adopted state is empty.
    let adopted = live_after(&want, &[("scaled", 2)]);
    assert!(!diff(&want, &adopted).has_changes());
}

#[test]
fn another_projects_endpoint_is_never_adopted() {
    let want = desired(&SPEC.replace("  - name: rec\n", "  - name: rec\n    adopt: true\n"));
    let mut live = live_after(&want, &[("scaled", 2)]);
    live.endpoints.get_mut("rec").unwrap().ownership = Ownership::OtherProject("q".into());
    let plan = diff(&want, &live);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.conflicts[0].message, "endpoint rec belongs to endpoint-scale project \"q\"");
}

#[test]
fn busy_endpoints_are_skipped() {
    let want = desired(SPEC);
    let mut live = live_after(&want, &[("scaled", 2)]);
    live.endpoints.get_mut("rec").unwrap().desc.status = "Updating".into();
    let plan = diff(&desired(&SPEC.replace("rec:1", "rec:2")), &live);
    assert!(plan.steps.is_empty());
    assert_eq!(plan.skipped[0].message, "endpoint rec is Updating; it is skipped, not fought over");
    assert!(plan.has_changes());
}

#[test]
fn destroy_removes_scaling_first_then_the_endpoint_then_config_and_models() {
    let live = live_after(&desired(SPEC), &[("scaled", 2)]);
    let plan = destroy(&live);
    assert_eq!(
        ops(&plan),
        [
            "DeleteScalingPolicy",
            "DeregisterScalableTarget",
            "DeleteEndpoint",
            "WaitDeleted",
            "DeleteEndpointConfig",
            "DeleteModel"
        ]
    );
}

#[test]
fn removing_a_scaled_variant_deregisters_before_the_update() {
    let live = live_after(&desired(SPEC), &[("scaled", 2)]);
    let only_fixed = "version: 1
project: p
endpoints:
  - name: rec
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/rec:1
      execution_role_arn: arn:aws:iam::123456789012:role/R
    variants:
      - name: fixed
        instance_type: ml.m5.large
        initial_instance_count: 1
        initial_weight: 0.5
";
    let plan = diff(&desired(only_fixed), &live);
    let o = ops(&plan);
    let deregister = o.iter().position(|s| *s == "DeregisterScalableTarget").unwrap();
    let update = o.iter().position(|s| *s == "UpdateEndpoint").unwrap();
    assert!(deregister < update, "{o:?}");
    assert!(actions(&plan).contains(&"Delete scalable_target.rec/scaled".to_string()));
}

#[test]
fn a_schedule_in_utc_reads_back_without_a_zone_and_is_not_drift() {
    let utc = SPEC.replace("min: 3\n", "min: 3\n              timezone: UTC\n");
    let want = desired(&utc);
    let mut live = live_after(&want, &[("scaled", 2)]);
    // AWS's default zone: what the read reports for an action put with `Timezone: UTC`.
    live.endpoints.get_mut("rec").unwrap().schedules[0].timezone = None;
    assert!(!diff(&want, &live).has_changes());
    // Another zone is still a change.
    live.endpoints.get_mut("rec").unwrap().schedules[0].timezone = Some("Europe/Berlin".into());
    assert_eq!(ops(&diff(&want, &live)), ["PutScheduledAction"]);
}

#[test]
fn changed_tags_are_tagging_steps_on_config_model_and_target_never_new_names() {
    let want = desired(SPEC);
    let mut live = live_after(&want, &[("scaled", 2)]);
    let have = live.endpoints.get_mut("rec").unwrap();
    let mut old = have.tags.clone();
    old.insert("team".into(), "old".into());
    have.tags = old.clone();
    let config = have.config.as_mut().unwrap();
    config.tags = old.clone();
    have.tagged.config = Some("arn:config".into());
    for m in &mut have.models {
        m.tags = old.clone();
        have.tagged.models.insert(m.name.clone(), "arn:model".into());
    }
    have.targets[0].tags = old.clone();
    have.tagged.targets.insert("scaled".into(), "arn:target".into());
    let plan = diff(&want, &live);
    // Only removals (the spec has no `team` tag): the calls that remove, never AddTags.
    assert_eq!(ops(&plan), ["DeleteTags", "DeleteTags", "DeleteTags", "UntagResource"]);
    assert!(plan.steps[0].steps.iter().all(|s| match s {
        Step::TagEndpointConfig { remove, .. }
        | Step::TagModel { remove, .. }
        | Step::TagScalableTarget { remove, .. }
        | Step::TagEndpoint { remove, .. } => remove == &["team".to_string()],
        _ => false,
    }));
}

#[test]
fn policies_on_an_owned_target_besides_ours_are_deleted_with_a_reason() {
    let want = desired(SPEC);
    let mut live = live_after(&want, &[("scaled", 2)]);
    let have = live.endpoints.get_mut("rec").unwrap();
    let ours = have.policies[0].clone();
    have.foreign_policies.push(PolicyResource { policy_name: "by-hand".into(), ..ours.clone() });
    have.other_policies.push((PolicyResource { policy_name: "steps".into(), ..ours }, "StepScaling".into()));
    let plan = diff(&want, &live);
    assert_eq!(actions(&plan), ["Delete scaling_policy.rec/scaled/by-hand", "Delete scaling_policy.rec/scaled/steps"]);
    assert_eq!(ops(&plan), ["DeleteScalingPolicy", "DeleteScalingPolicy"]);
    let reason = plan.changes.iter().find_map(|c| c.reason.as_deref().filter(|r| r.contains("steps"))).unwrap();
    assert!(reason.starts_with("the policy \"steps\" (StepScaling) is not in the spec, on a target this project owns"));
}

/// `show` recomputes a saved plan from the live state inside the file: that state must read back
/// as it was written (the configs' and models' endpoints, which are not serialized, put back),
/// with the same fingerprint, and give the same plan.
#[test]
fn a_saved_live_state_reads_back_to_the_same_plan() {
    let before = desired(SPEC);
    let mut live = live_after(&before, &[("scaled", 3)]);
    let old = live.endpoints["rec"].config.clone().unwrap();
    let unused = ConfigResource { name: "rec-00000000".into(), ..old };
    live.unused.entry("rec".into()).or_default().configs.push(unused);
    let changed = desired(&SPEC.replace("rec:1", "rec:2"));
    let plan = Plan { targets: vec!["rec".into()], ..diff(&changed, &live) };
    let source = crate::diagnostic::Source::new("s.yaml", SPEC.replace("rec:1", "rec:2"));
    let from = saved::ReadFrom { account: "123456789012", region: "us-east-1" };
    let file = saved::SavedPlan::new(&source, Default::default(), false, Options::default(), &live, &from, &plan);
    let text = file.to_text(None);
    let read = saved::SavedPlan::parse(&crate::diagnostic::Source::new("x.plan", text)).unwrap().unwrap();
    assert_eq!(read.live, live);
    assert_eq!(read.live.fingerprint(), live.fingerprint());
    assert_eq!(read.targets, vec!["rec".to_string()]);
    assert_eq!(diff(&changed, &read.live), diff(&changed, &live));
    let again = read.plan_again("x.plan");
    // Made again with the targets it was made with.
    assert_eq!(again.to_string(), "endpoint-scale plan s.yaml --target rec --out x.plan");
    assert!(read.check_steps("x.plan", &diff(&changed, &read.live), &again).is_ok());
    assert!(read.check_fresh("x.plan", &from, &live, &again).is_ok());
    let elsewhere = saved::ReadFrom { account: "210987654321", region: "us-east-1" };
    assert_eq!(
        read.check_fresh("x.plan", &elsewhere, &live, &again).unwrap_err().to_string(),
        "the saved plan x.plan was made against account 123456789012 (region us-east-1), but these credentials and settings reach account 210987654321 (region us-east-1); nothing was changed: use the credentials the plan was made with, or make a new plan"
    );
}

const ROLLOUT: &str = "    rollout:
      strategy: canary
      canary_size: 1
      bake: 10m
      rollback_alarms:
        - name: rec-5xx
          variant: fixed
          metric: Invocation5XXErrors
          statistic: Sum
          threshold: 1
";

#[test]
fn a_rollout_update_puts_its_alarm_first_and_sends_the_deployment_config() {
    let two_fixed = SPEC.replace("initial_instance_count: 1", "initial_instance_count: 2");
    let mut live = live_after(&desired(&two_fixed), &[("scaled", 4)]);
    let v2 = desired(&format!("{}{ROLLOUT}", two_fixed.replace("rec:1", "rec:2")));
    let plan = diff(&v2, &live);
    let steps = &plan.steps_of("rec").unwrap().steps;
    assert_eq!(steps[0].operation(), "PutMetricAlarm");
    let update = steps.iter().find(|s| s.operation() == "UpdateEndpoint").unwrap();
    assert!(matches!(update, Step::UpdateEndpoint { deployment: Some(_), .. }));
    // The timeline runs at the live counts: 4 scaled instances (not the initial 2), 1 fixed.
    let rollout = &plan.rollouts[0];
    let counts: Vec<(&str, u32)> =
        rollout.variants.iter().map(|v| (v.variant.as_str(), v.timeline.instances)).collect();
    assert_eq!(counts, [("scaled", 4), ("fixed", 2)]);
    // Without launch stages: the simulator's assumed 2 + 1 + 2 minutes, the launch phase.
    assert_eq!(rollout.launch, Launch::DEFAULT);
    assert_eq!(rollout.launch_seconds, 300);
    assert_eq!(rollout.variants[0].timeline.steps[0].duration_seconds, 300);
    let staged = Options {
        launch: Some(Launch { provision_minutes: 4, image_pull_minutes: 0, model_load_minutes: 3 }),
        ..Options::default()
    };
    let plan = diff_with(&v2, &live, &staged);
    assert_eq!(plan.rollouts[0].launch_seconds, 420);
    assert_eq!(plan.rollouts[0].variants[0].timeline.steps[0].duration_seconds, 420);

    // The fixed variant runs 1 instance now (changed by hand): a canary of 1 is more than half
    // of it, so the endpoint is blocked and nothing of it runs.
    for v in &mut live.endpoints.get_mut("rec").unwrap().desc.variants {
        if v.0 == "fixed" {
            v.1 = Some(1);
        }
    }
    let plan = diff(&v2, &live);
    assert_eq!(plan.blocked.len(), 1, "{:?}", plan.blocked);
    assert!(plan.blocked[0].message.contains("canary_size 1 instance is 100% of variant fixed's 1 instance live now"));
    assert!(plan.steps.is_empty());
}

#[test]
fn an_update_step_saved_before_rollouts_reads_without_a_deployment_config() {
    let old: Step =
        serde_json::from_str(r#"{"op": "UpdateEndpoint", "endpoint": "e", "config": "e-0a1b2c3d"}"#).unwrap();
    assert_eq!(old, Step::UpdateEndpoint { endpoint: "e".into(), config: "e-0a1b2c3d".into(), deployment: None });
    assert_eq!(serde_json::to_string(&old).unwrap(), r#"{"op":"UpdateEndpoint","endpoint":"e","config":"e-0a1b2c3d"}"#);
}

/// One scaled variant (up to 20 instances) rolling one instance at a time with 10-minute bakes:
/// `max` is its max_execution_time.
fn rolling(max: &str, rollback: &str) -> String {
    format!(
        "version: 1
project: p
endpoints:
  - name: rec
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/rec:MODEL
      execution_role_arn: arn:aws:iam::123456789012:role/R
    variants:
      - name: main
        instance_type: ml.c5.large
        initial_instance_count: 2
        max_rps_per_instance: 10
        autoscaling:
          min: 1
          max: 20
    rollout:
      strategy: rolling
      batch_size: 1
      bake: 10m
      max_execution_time: {max}
{rollback}      rollback_alarms:
        - name: rec-5xx
          metric: Invocation5XXErrors
          statistic: Sum
          threshold: 1
"
    )
}

/// The plan of model 2 over model 1 running with `count` live instances.
fn rolling_plan(max: &str, rollback: &str, count: u32) -> Plan {
    let v1 = rolling(max, rollback).replace("MODEL", "1");
    let live = live_after(&desired(&v1), &[("main", count)]);
    diff(&desired(&v1.replace("rec:1", "rec:2")), &live)
}

#[test]
fn a_rollout_whose_bakes_alone_reach_max_execution_time_at_the_live_count_is_blocked() {
    // 20 batches of 1 with 10-minute bakes: 3h20m of bakes alone, against 1h.
    let plan = rolling_plan("1h", "", 20);
    assert!(plan.steps.is_empty());
    assert_eq!(
        plan.blocked,
        [Notice {
            endpoint: "rec".into(),
            message: "endpoint rec: the rollout's bakes and termination wait alone take 3h20m at variant main's 20 instances live now, not less than max_execution_time 1h: SageMaker would roll back every update when it runs out of time".into(),
            hint: "raise `max_execution_time` to at least 5h10m, or take a larger `batch_size` (fewer steps, so fewer bakes) or a shorter `bake` (the timeline takes 5h with the assumed launch time of 5m)".into(),
        }]
    );
    // Beyond AWS's 8 hours only larger steps help.
    let plan = rolling_plan("2h", "", 40);
    assert!(
        plan.blocked[0].hint.starts_with(
            "`max_execution_time` cannot cover 10h (AWS allows at most 8h), or take a larger `batch_size`"
        ),
        "{:?}",
        plan.blocked
    );
}

#[test]
fn a_rollout_that_reaches_max_execution_time_only_with_the_assumed_launch_is_a_warning() {
    // 10 batches: 1h40m of bakes (less than 2h), 2h30m with the 5-minute launches.
    let plan = rolling_plan("2h", "", 10);
    assert!(plan.blocked.is_empty(), "{:?}", plan.blocked);
    assert_eq!(
        plan.rollouts[0].warnings,
        ["with the assumed launch time of 5m, variant main's timeline takes 2h30m, not less than max_execution_time 2h: SageMaker rolls the update back when it runs out of time; raise `max_execution_time` to at least 2h40m, or take a larger `batch_size` (fewer steps, so fewer bakes) or a shorter `bake` (or, if launches are faster, give the real times with --provision-minutes, --image-pull-minutes, --model-load-minutes)"]
    );
    let text = crate::render::rollout::text(&plan.rollouts[0], None);
    assert!(
        text.contains("\n    warning: with the assumed launch time of 5m, variant main's timeline takes 2h30m,"),
        "{text}"
    );
    // Within it: no warning.
    assert!(rolling_plan("3h", "", 10).rollouts[0].warnings.is_empty());
}

#[test]
fn the_wait_of_a_rollout_is_its_bound_plus_the_rollback_and_a_margin() {
    // max_execution_time 3h; rolled back 5 instances at a time over 10: two 5-minute launches.
    let plan = rolling_plan("3h", "      rollback_batch_size: 5\n", 10);
    let r = &plan.rollouts[0];
    assert_eq!(r.wait_seconds, 3 * 3600 + 2 * 300 + 15 * 60);
    assert_eq!(
        r.wait_reason,
        "max_execution_time 3h, after which SageMaker rolls the update back by itself, + 10m to launch the old config again on rollback, + 15m margin"
    );
    let wait = plan.steps_of("rec").unwrap().steps.iter().find(|s| s.operation() == "WaitInService").unwrap();
    assert!(matches!(wait, Step::WaitInService { rollout_seconds: Some(s), .. } if *s == r.wait_seconds));
    assert!(
        wait.describe().ends_with(" (up to 3h25m for the rollout, or --wait-timeout if longer)"),
        "{}",
        wait.describe()
    );
    // Rolled back all at once (AWS's default): one launch.
    assert_eq!(rolling_plan("3h", "", 10).rollouts[0].wait_seconds, 3 * 3600 + 300 + 15 * 60);
    // Blue/green without max_execution_time: the timeline (launch 5m, 2 bakes of 10m) + margin.
    let two_fixed = SPEC.replace("initial_instance_count: 1", "initial_instance_count: 2");
    let live = live_after(&desired(&two_fixed), &[("scaled", 4)]);
    let plan = diff(&desired(&format!("{}{ROLLOUT}", two_fixed.replace("rec:1", "rec:2"))), &live);
    assert_eq!(plan.rollouts[0].wait_seconds, 25 * 60 + 15 * 60);
    assert_eq!(
        plan.rollouts[0].wait_reason,
        "the timeline's 25m (no max_execution_time: AWS documents no default), + 15m margin"
    );
}

#[test]
fn a_wait_saved_before_rollout_waits_existed_reads_without_one() {
    let old: Step =
        serde_json::from_str(r#"{"op": "WaitInService", "endpoint": "e", "config": "e-0a1b2c3d", "alarms": ["a"]}"#)
            .unwrap();
    assert!(matches!(old, Step::WaitInService { rollout_seconds: None, .. }));
    assert_eq!(
        serde_json::to_string(&old).unwrap(),
        r#"{"op":"WaitInService","endpoint":"e","config":"e-0a1b2c3d","alarms":["a"]}"#
    );
}

#[test]
fn a_watched_alarm_in_alarm_before_the_update_is_a_warning() {
    let v1 = rolling("3h", "").replace("MODEL", "1");
    let mut live = live_after(&desired(&v1), &[("main", 2)]);
    let alarm = desired(&v1).into_iter().find_map(|r| if let Resource::Alarm(a) = r { Some(a) } else { None }).unwrap();
    live.alarms_read = vec!["rec-5xx".into()];
    live.alarms.insert(
        "rec-5xx".into(),
        crate::live::LiveAlarm {
            alarm,
            arn: "arn:aws:cloudwatch:us-east-1:123456789012:alarm:rec-5xx".into(),
            state: "ALARM".into(),
            tagged: true,
            composite: false,
        },
    );
    let plan = diff(&desired(&v1.replace("rec:1", "rec:2")), &live);
    assert_eq!(
        plan.rollouts[0].warnings,
        ["rollback alarm rec-5xx is in ALARM now: SageMaker would roll the update back as soon as it watches it; find out what it sees and apply once it is OK"]
    );
    live.alarms.get_mut("rec-5xx").unwrap().state = "OK".into();
    assert!(diff(&desired(&v1.replace("rec:1", "rec:2")), &live).rollouts[0].warnings.is_empty());
}
