//! Rollouts against the emulator: the plan's timeline, owned alarms as resources, apply's
//! DeploymentConfig, an alarm-triggered rollback, and the plan-time checks that need live state.

use serde_json::{json, Value};

use crate::emulator::{emulator, is_read, Account};
use crate::harness::TempSpec;
use crate::live::{apply, planned, run};

const ENDPOINT: &str = "product-recommender";
const TEAM_ALARM: &str = "recommender-p99-latency";
const OWNED_ALARM: &str = "product-recommender-5xx";

/// A canary over 4 fixed instances, watching a team alarm and an owned one. `model` picks the
/// model data (a change of it is an update that runs the rollout).
fn spec(model: &str, variants: &str, rollout: &str) -> String {
    format!(
        r#"version: 1
project: recommendations
region: us-east-1
endpoints:
  - name: {ENDPOINT}
    model:
      image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.13-cpu
      model_data_url: s3://acme-ml-models/recommender/{model}/model.tar.gz
      execution_role_arn: arn:aws:iam::123456789012:role/SageMakerRecommenderRole
    variants:
{variants}
    rollout:
{rollout}
"#
    )
}

const FOUR: &str = "      - name: primary\n        instance_type: ml.c5.xlarge\n        initial_instance_count: 4";

const CANARY: &str = r#"      strategy: canary
      canary_size: 1
      bake: 10m
      termination_wait: 5m
      max_execution_time: 1h
      rollback_alarms:
        - name: recommender-p99-latency
        - name: product-recommender-5xx
          metric: Invocation5XXErrors
          statistic: Sum
          comparison: ">"
          threshold: 0
          evaluation_periods: 2
          period: 1m"#;

async fn team_alarm(account: &Account) {
    create_alarm(account, TEAM_ALARM).await;
}

/// The names of a spec's rollback alarms the team owns (those without `metric:`).
pub(crate) fn team_alarms(spec: &str) -> Vec<String> {
    let lines: Vec<&str> = spec.lines().map(str::trim).collect();
    let mut out = Vec::new();
    let mut inside = false;
    for (i, line) in lines.iter().enumerate() {
        if line.starts_with("rollback_alarms:") {
            inside = true;
        } else if inside && !line.starts_with('-') && !line.starts_with('#') && line.contains(':') {
            let owned_setting =
                ["metric:", "variant:", "statistic:", "comparison:", "threshold:", "evaluation_periods:", "period:"];
            if !owned_setting.iter().any(|s| line.starts_with(s)) {
                inside = false;
            }
        }
        if let (true, Some(name)) = (inside, line.strip_prefix("- name: ")) {
            if !lines.get(i + 1).is_some_and(|next| next.starts_with("metric:")) {
                out.push(name.split_whitespace().next().unwrap_or_default().to_string());
            }
        }
    }
    out
}

/// A latency alarm on the endpoint's primary variant, as a team would make it.
pub(crate) async fn create_alarm(account: &Account, name: &str) {
    use aws_sdk_cloudwatch::types::Statistic;
    put_alarm(account, name, "ModelLatency", Statistic::Maximum, 1, 500000.0).await;
}

/// PutMetricAlarm on a metric of the endpoint's primary variant, straight to CloudWatch (out of
/// band), missing data not breaching.
async fn put_alarm(
    account: &Account,
    name: &str,
    metric: &str,
    statistic: aws_sdk_cloudwatch::types::Statistic,
    evaluation_periods: i32,
    threshold: f64,
) {
    use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension};
    account
        .cloudwatch()
        .await
        .put_metric_alarm()
        .alarm_name(name)
        .namespace("AWS/SageMaker")
        .metric_name(metric)
        .dimensions(Dimension::builder().name("EndpointName").value(ENDPOINT).build())
        .dimensions(Dimension::builder().name("VariantName").value("primary").build())
        .statistic(statistic)
        .period(60)
        .evaluation_periods(evaluation_periods)
        .threshold(threshold)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .treat_missing_data("notBreaching")
        .send()
        .await
        .unwrap();
}

/// The alarm's threshold and tags as CloudWatch has them.
async fn owned_alarm(account: &Account) -> Option<(f64, Vec<(String, String)>)> {
    let cw = account.cloudwatch().await;
    let out = cw.describe_alarms().alarm_names(OWNED_ALARM).send().await.unwrap();
    let alarm = out.metric_alarms().first()?;
    let tags = cw.list_tags_for_resource().resource_arn(alarm.alarm_arn().unwrap()).send().await.unwrap();
    let mut tags: Vec<(String, String)> = tags
        .tags()
        .iter()
        .map(|t| (t.key().unwrap_or_default().to_string(), t.value().unwrap_or_default().to_string()))
        .collect();
    tags.sort();
    Some((alarm.threshold().unwrap_or_default(), tags))
}

/// An endpoint with the rollout applied on model `v1`.
async fn deployed(account: &Account) -> TempSpec {
    account.configure(json!({"transition_seconds": 0}));
    team_alarm(account).await;
    let v1 = TempSpec::new("r.yaml", spec("v1", FOUR, CANARY));
    apply(account, &v1).code(0);
    v1
}

#[test]
fn team_alarms_are_those_without_a_metric() {
    assert_eq!(team_alarms(&spec("v1", FOUR, CANARY)), [TEAM_ALARM]);
}

#[tokio::test]
async fn a_saved_plan_keeps_the_launch_stages_it_was_made_with() {
    let account = emulator().account();
    deployed(&account).await;
    let v2 = TempSpec::new("r.yaml", spec("v2", FOUR, CANARY));
    let file = v2.path.with_file_name("r.plan");
    let file = file.to_str().unwrap();
    run(&account, &["plan", v2.arg(), "--image-pull-minutes", "3", "--out", file]).code(0);
    let shown = run(&account, &["show", file]).code(0).stdout;
    assert!(shown.contains("  options:   --image-pull-minutes 3\n"), "{shown}");
    assert!(shown.contains("      0s       7m       8         launch the new fleet (4 instances)\n"), "{shown}");
    let doc: Value = serde_json::from_str(&run(&account, &["show", file, "--output", "json"]).code(0).stdout).unwrap();
    assert_eq!(doc["rollouts"][0]["launch_seconds"], 420);
    assert_eq!(
        doc["saved_plan"]["launch"],
        json!({"provision_minutes": 2, "image_pull_minutes": 3, "model_load_minutes": 2})
    );
    // Other stages at apply would show another timeline than the one approved: refused.
    account.clear_requests();
    let out = run(&account, &["apply", file, "--auto-approve", "--image-pull-minutes", "1"]).code(1);
    assert!(
        out.stderr.starts_with(&format!("error: the saved plan {file} was made with other launch stages (--provision-minutes 2 --image-pull-minutes 3 --model-load-minutes 2); nothing was changed. A saved plan keeps the rollout timeline it showed: run `endpoint-scale apply {file}")),
        "{}",
        out.stderr
    );
    assert!(account.operations().iter().all(|o| is_read(o)), "{:?}", account.operations());
    // So are choices that change the steps, given to a plan made without them.
    for flag in ["--prune", "--raise-capacity"] {
        let out = run(&account, &["apply", file, "--auto-approve", flag]).code(1);
        let stderr = out.stderr.replace(&account.url, "URL");
        assert!(
            stderr.starts_with(&format!("error: the saved plan {file} was made without {flag}; nothing was changed. A saved plan runs with the choices it was made with: run `endpoint-scale apply {file}")),
            "{stderr}"
        );
        assert!(stderr.contains(&format!("` without {flag}, or make the plan again with it\n")), "{stderr}");
    }
    assert!(account.operations().iter().all(|o| is_read(o)), "{:?}", account.operations());
    // The same stages, or none, apply the plan as saved.
    let out = run(&account, &["apply", file, "--auto-approve", "--image-pull-minutes", "3", "--poll-interval", "50ms"])
        .code(0);
    assert!(
        out.stdout.contains("      0s       7m       8         launch the new fleet (4 instances)\n"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_canary_rollout_succeeds_and_runs_the_phases_the_plan_showed() {
    let account = emulator().account();
    let v1 = deployed(&account).await;
    // The owned alarm was created with the ownership tags; the first deployment ran no rollout.
    let tags = |pairs: &[(&str, &str)]| pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect::<Vec<_>>();
    assert_eq!(
        owned_alarm(&account).await,
        Some((
            0.0,
            tags(&[
                ("endpoint-scale:endpoint", ENDPOINT),
                ("endpoint-scale:managed", "true"),
                ("endpoint-scale:project", "recommendations")
            ])
        ))
    );
    assert_eq!(planned(&account, &v1), Vec::<String>::new());

    let v2 = TempSpec::new("r.yaml", spec("v2", FOUR, CANARY));
    let human = run(&account, &["plan", v2.arg()]).code(0);
    assert!(
        human.stdout.contains(
            "
  Rollout: canary, rolled back by alarm recommender-p99-latency (the team's), product-recommender-5xx (owned)
    variant primary (4 x ml.c5.xlarge, the live count):
      at       for      running   what happens
      0s       5m       8         launch the new fleet (4 instances)
      5m       0s       8         shift 1: 25% of traffic to 1 instance of the new fleet
      5m       10m      8         bake: the alarms are watched
      15m      0s       8         shift 2: 100% of traffic to 4 instances of the new fleet
      15m      10m      8         bake: the alarms are watched
      25m      5m       8         termination wait: the old fleet idles, then is terminated
      done after 30m; peak 8 instances; 2.00 extra instance-hours, "
        ),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("    Assumed: launching instances takes 5m = provision 2m + image pull 1m + model load 2m (AWS documents no launch durations; --provision-minutes, --image-pull-minutes, --model-load-minutes change them).\n    The update is rolled back if it takes longer than 1h.\n    Apply waits up to 1h15m for it: max_execution_time 1h, after which SageMaker rolls the update back by itself, + 15m margin (or --wait-timeout, if longer).\n    On rollback: If an alarm goes into ALARM"),
        "{}",
        human.stdout
    );
    assert!(
        human.stdout.contains("UpdateEndpoint endpoint product-recommender to product-recommender-"),
        "{}",
        human.stdout
    );
    let out = run(&account, &["plan", v2.arg(), "--output", "json"]).code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let plan_rollout = &doc["rollouts"][0];
    assert_eq!(plan_rollout["strategy"], "canary");
    assert_eq!(
        plan_rollout["launch"],
        json!({"provision_minutes": 2, "image_pull_minutes": 1, "model_load_minutes": 2})
    );
    assert_eq!(plan_rollout["launch_seconds"], 300);
    let timeline = &plan_rollout["variants"][0]["timeline"];
    assert_eq!(timeline["peak_instances"], 8);
    // The stages are the simulator's flags: a stage not given keeps its default.
    let staged = run(&account, &["plan", v2.arg(), "--provision-minutes", "6", "--model-load-minutes", "0"]).code(0);
    assert!(
        staged.stdout.contains("      0s       7m       8         launch the new fleet (4 instances)\n")
            && staged.stdout.contains(
                "    Assumed: launching instances takes 7m = provision 6m + image pull 1m + model load 0m (AWS"
            ),
        "{}",
        staged.stdout
    );

    apply(&account, &v2).code(0);
    let history = account.rollouts(ENDPOINT);
    let rollouts = history["rollouts"].as_array().unwrap();
    assert_eq!(rollouts.len(), 1, "{history}");
    assert_eq!(rollouts[0]["outcome"], "succeeded");
    assert_eq!(rollouts[0]["strategy"], "CANARY");
    assert_eq!(rollouts[0]["alarms"], json!([TEAM_ALARM, OWNED_ALARM]));
    // The plan's phases, in the emulator's words: (kind, traffic share, wait, instances running).
    let planned_phases: Vec<(String, Option<u64>, Option<u64>, u64)> = timeline["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            let kind = match s["phase"].as_str().unwrap() {
                "provision_green" => "creating",
                "shift" => "activating-traffic",
                "bake" => "baking",
                other => other,
            };
            let wait = (kind == "baking").then(|| s["duration_seconds"].as_u64().unwrap());
            (kind.replace('_', "-"), s["traffic_percent"].as_u64(), wait, s["running_instances"].as_u64().unwrap())
        })
        .collect();
    let ran: Vec<(String, Option<u64>, Option<u64>, u64)> = rollouts[0]["phases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["kind"] != "deleting")
        .map(|p| {
            let kind = p["kind"].as_str().unwrap().to_string();
            let traffic = (kind == "activating-traffic").then(|| p["traffic_percent"].as_u64().unwrap());
            let wait = (kind == "baking").then(|| p["wait_seconds"].as_u64().unwrap());
            (kind, traffic, wait, p["instances"]["total"].as_u64().unwrap())
        })
        .collect();
    // The termination wait is a baking phase of TerminationWaitInSeconds in the emulator.
    let ran: Vec<(String, Option<u64>, Option<u64>, u64)> = ran
        .into_iter()
        .map(|(k, t, w, n)| if k == "termination-wait" { (k, t, None, n) } else { (k, t, w, n) })
        .collect();
    assert_eq!(ran, planned_phases, "{history}");
    assert_eq!(planned(&account, &v2), Vec::<String>::new());

    // A change of `rollout:` alone sends nothing: the plan says when it takes effect, and it is
    // not drift.
    let v3 = TempSpec::new("r.yaml", spec("v2", FOUR, &CANARY.replace("bake: 10m", "bake: 20m")));
    let out = run(&account, &["plan", v3.arg()]).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "Rollouts: settings that take effect at the next update
  ! endpoint product-recommender: `rollout:` changed: the next update rolls out as blue/green canary of 1 instance, 1200 s bakes, rolled back by recommender-p99-latency, product-recommender-5xx (the last one rolled out as blue/green canary of 1 instance, 600 s bakes, rolled back by recommender-p99-latency, product-recommender-5xx)
    hint: nothing is sent now: rollout settings travel with UpdateEndpoint, so they take effect at the next change of the endpoint's config

No changes. The endpoints of project \"recommendations\" match the spec (account {}, region us-east-1).
",
            account.id
        )
    );
    let doc: Value =
        serde_json::from_str(&run(&account, &["plan", v3.arg(), "--output", "json"]).code(0).stdout).unwrap();
    assert_eq!(doc["deferred_rollouts"][0]["endpoint"], ENDPOINT);
    assert_eq!(planned(&account, &v3), Vec::<String>::new());
    run(&account, &["diff", v3.arg()]).code(0);
}

#[tokio::test]
async fn an_alarm_during_the_bake_rolls_back_and_apply_names_it() {
    let account = emulator().account();
    deployed(&account).await;
    account.control_post(
        "rollout-alarm",
        json!({"endpoint": ENDPOINT, "alarm": OWNED_ALARM, "phase": "baking", "step": 1}),
    );
    // One DescribeEndpoint poll per phase, so the progress shows each.
    account.configure(json!({"transition_polls": 1}));
    let v2 = TempSpec::new("r.yaml", spec("v2", FOUR, CANARY));
    let out = apply(&account, &v2).code(1);
    assert!(
        out.stderr.contains(&format!(
            "the rollout of endpoint {ENDPOINT} was rolled back by SageMaker because alarm {OWNED_ALARM} went into ALARM; the endpoint still runs {ENDPOINT}-"
        )),
        "{}",
        out.stderr
    );
    assert!(
        out.stderr.contains(&format!(": Deployment rolled back: CloudWatch alarm {OWNED_ALARM} of the AutoRollbackConfiguration went into ALARM state. Find out what the alarm saw, fix the cause and run apply again: the next plan shows the update again")),
        "{}",
        out.stderr
    );
    // The progress follows the rollout's phases (one line per change; `after 0s` with no delay).
    assert!(
        out.stderr.contains(&format!("{ENDPOINT}: Updating (Creating: Launching 4 instance(s).) after 0s\n{ENDPOINT}: Updating (ActivatingTraffic: Activating traffic on canary capacity of 1 instance(s).) after 0s\n{ENDPOINT}: RollingBack (ActivatingTraffic: Rolling back all traffic to the old fleet of 4 instance(s).) after 0s\n")),
        "{}",
        out.stderr
    );
    // Apply reports the rollback as soon as the endpoint is RollingBack; SageMaker finishes it.
    let sm = account.sagemaker().await;
    for _ in 0..20 {
        let d = sm.describe_endpoint().endpoint_name(ENDPOINT).send().await.unwrap();
        if d.endpoint_status().map(|s| s.as_str()) == Some("InService") {
            break;
        }
    }
    let history = account.rollouts(ENDPOINT);
    assert_eq!(history["rollouts"][0]["outcome"], "rolled-back", "{history}");
    // Nothing changed in AWS: the next plan shows the same update.
    let next = planned(&account, &v2);
    assert!(next.contains(&format!("update endpoint.{ENDPOINT}")), "{next:?}");
}

#[tokio::test]
async fn an_owned_alarm_changed_out_of_band_is_drift() {
    let account = emulator().account();
    let v1 = deployed(&account).await;
    // The owned alarm's threshold changed by hand: 5 where the spec says 0.
    put_alarm(&account, OWNED_ALARM, "Invocation5XXErrors", aws_sdk_cloudwatch::types::Statistic::Sum, 2, 5.0).await;
    let diff = run(&account, &["diff", v1.arg()]).code(2);
    assert!(diff.stdout.contains(&format!("alarm.{OWNED_ALARM}")), "{}", diff.stdout);
    assert!(diff.stdout.contains("threshold"), "{}", diff.stdout);
    assert_eq!(planned(&account, &v1), vec![format!("update alarm.{OWNED_ALARM}")]);
    apply(&account, &v1).code(0);
    assert_eq!(owned_alarm(&account).await.map(|a| a.0), Some(0.0));
    assert_eq!(planned(&account, &v1), Vec::<String>::new());

    // Dropped from the spec: deleted, after the update that no longer watches it.
    let team_only = CANARY.split("\n        - name: product-recommender-5xx").next().unwrap();
    let v2 = TempSpec::new("r.yaml", spec("v2", FOUR, team_only));
    let plan = run(&account, &["plan", v2.arg()]).code(0);
    assert!(plan.stdout.contains(&format!("  - alarm.{OWNED_ALARM}")), "{}", plan.stdout);
    let steps = plan.stdout.split("Order of operations").nth(1).unwrap();
    assert!(
        steps.find("UpdateEndpoint").unwrap() < steps.find(&format!("DeleteAlarms alarm {OWNED_ALARM}")).unwrap(),
        "{}",
        plan.stdout
    );
    apply(&account, &v2).code(0);
    assert_eq!(owned_alarm(&account).await, None);
}

#[tokio::test]
async fn a_team_alarm_that_does_not_exist_is_a_plan_error() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", spec("v1", FOUR, CANARY));
    let out = run(&account, &["plan", v1.arg()]).code(1);
    assert!(
        out.stdout.contains("Blocked: the spec's rollout cannot update these endpoints as they are live\n  ! rollback alarm recommender-p99-latency of endpoint product-recommender does not exist in CloudWatch\n    hint: create the alarm first (SageMaker refuses an update whose rollback alarms do not exist), give it a `metric:` so endpoint-scale creates and owns it, or remove it from `rollback_alarms`\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        "error: 1 endpoint of the spec cannot be updated as the spec says, given what is live; nothing was changed (see the hints above)\n"
    );
}

#[tokio::test]
async fn a_canary_is_checked_against_the_live_instance_count() {
    let account = emulator().account();
    account.configure(json!({"transition_seconds": 0}));
    team_alarm(&account).await;
    let scaled = "      - name: primary\n        instance_type: ml.c5.xlarge\n        initial_instance_count: 4\n        max_rps_per_instance: 40\n        autoscaling:\n          min: 1\n          max: 8\n          target:\n            safety_factor: 0.5";
    let two = CANARY.replace("canary_size: 1", "canary_size: 2");
    apply(&account, &TempSpec::new("r.yaml", spec("v1", scaled, &two))).code(0);
    // Auto scaling (here: by hand) took the variant down to 3 instances.
    scale_to(&account, 3).await;
    let v2 = TempSpec::new("r.yaml", spec("v2", scaled, &two));
    let out = run(&account, &["plan", v2.arg()]).code(1);
    assert!(
        out.stdout.contains("  ! endpoint product-recommender: canary_size 2 instances is 66% of variant primary's 3 instances live now; AWS allows at most 50% of the variant's instances for CanarySize\n    hint: set `canary_size:` to a percentage (at most 50%) so it follows the live count, or to an instance count that fits 3\n"),
        "{}",
        out.stdout
    );
}

/// Sets the live instance count of the endpoint's primary variant, as auto scaling would.
async fn scale_to(account: &Account, count: i32) {
    account
        .sagemaker()
        .await
        .update_endpoint_weights_and_capacities()
        .endpoint_name(ENDPOINT)
        .desired_weights_and_capacities(
            aws_sdk_sagemaker::types::DesiredWeightAndCapacity::builder()
                .variant_name("primary")
                .desired_instance_count(count)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn a_percentage_is_checked_rounded_up_at_the_live_instance_count() {
    let account = emulator().account();
    account.configure(json!({"transition_seconds": 0}));
    team_alarm(&account).await;
    let scaled = "      - name: primary\n        instance_type: ml.c5.xlarge\n        initial_instance_count: 4\n        max_rps_per_instance: 40\n        autoscaling:\n          min: 1\n          max: 8\n          target:\n            safety_factor: 0.5";
    let half = CANARY.replace("canary_size: 1", "canary_size: 50%");
    apply(&account, &TempSpec::new("r.yaml", spec("v1", scaled, &half))).code(0);
    let v2 = TempSpec::new("r.yaml", spec("v2", scaled, &half));
    // 50% of 3 rounds up to 2, 66%: AWS may or may not take it, so the plan warns and goes on.
    scale_to(&account, 3).await;
    let out = run(&account, &["plan", v2.arg()]).code(0);
    assert!(
        out.stdout.contains("      warning: canary_size 50% of variant primary's 3 instances live now rounds up to 2 instances (66%), more than the 50% AWS allows for CanarySize; AWS does not document its rounding (we assume up), so SageMaker may refuse the update or shift fewer: use a percentage that is a whole number of instances at 3, or an instance count\n"),
        "{}",
        out.stdout
    );
    let doc: Value =
        serde_json::from_str(&run(&account, &["plan", v2.arg(), "--output", "json"]).code(0).stdout).unwrap();
    assert!(doc["rollouts"][0]["variants"][0]["warning"]
        .as_str()
        .unwrap()
        .starts_with("canary_size 50% of variant primary's 3 instances"));
    // 50% of 1 is that instance, the whole variant: no canary at all, a blocked plan.
    scale_to(&account, 1).await;
    let out = run(&account, &["plan", v2.arg()]).code(1);
    assert!(
        out.stdout.contains("  ! endpoint product-recommender: canary_size 50% of variant primary's 1 instance live now is 1 instance (rounded up), all of them; AWS allows at most 50% of the variant's instances for CanarySize\n    hint: a canary rollout shifts part of the fleet at a time: raise the variant to at least 2 instances first, or remove `rollout:` for this change (the update then replaces the fleet all at once) and add it back after\n"),
        "{}",
        out.stdout
    );
    // At 4, 50% is 2 instances: neither.
    scale_to(&account, 4).await;
    let out = run(&account, &["plan", v2.arg()]).code(0);
    assert!(
        !out.stdout.contains("warning:") && out.stdout.contains("shift 1: 50% of traffic to 2 instances"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_rollout_cannot_rename_variants() {
    let account = emulator().account();
    deployed(&account).await;
    let renamed = TempSpec::new(
        "r.yaml",
        spec(
            "v2",
            &FOUR.replace("name: primary", "name: main"),
            &CANARY.replace(
                "product-recommender-5xx\n          metric",
                "product-recommender-5xx\n          variant: main\n          metric",
            ),
        ),
    );
    let out = run(&account, &["plan", renamed.arg()]).code(1);
    assert!(
        out.stdout.contains("  ! endpoint product-recommender: a rollout cannot change the variant names (live: primary; spec: main)\n    hint: SageMaker's deployment guardrails need the same variants before and after the update: keep the variant names, or remove `rollout:` for this change (the update then replaces the fleet all at once) and add it back after\n"),
        "{}",
        out.stdout
    );
}

#[tokio::test]
async fn a_rollout_outlasting_the_wait_timeout_still_completes() {
    let account = emulator().account();
    deployed(&account).await;
    let v2 = TempSpec::new("r.yaml", spec("v2", FOUR, CANARY));
    // The wait after the update is the rollout's: max_execution_time 1h + 15m margin.
    let plan = run(&account, &["plan", v2.arg()]).code(0);
    assert!(
        plan.stdout.contains(&format!("WaitInService until endpoint {ENDPOINT} is InService on {ENDPOINT}-"))
            && plan.stdout.contains(" (up to 1h15m for the rollout, or --wait-timeout if longer)\n"),
        "{}",
        plan.stdout
    );
    assert!(
        plan.stdout.contains("    Apply waits up to 1h15m for it: max_execution_time 1h, after which SageMaker rolls the update back by itself, + 15m margin (or --wait-timeout, if longer).\n"),
        "{}",
        plan.stdout
    );
    // Each of the canary's 7 phases takes 0.4 s: the rollout runs longer than --wait-timeout 1s.
    account.configure(json!({"transition_seconds": 0.4}));
    let started = std::time::Instant::now();
    let out = run(&account, &["apply", v2.arg(), "--auto-approve", "--poll-interval", "100ms", "--wait-timeout", "1"]);
    let took = started.elapsed();
    out.code(0);
    assert!(took > std::time::Duration::from_secs(2), "{took:?}");
    let history = account.rollouts(ENDPOINT);
    assert_eq!(history["rollouts"][0]["outcome"], "succeeded", "{history}");
    assert_eq!(planned(&account, &v2), Vec::<String>::new());
}
