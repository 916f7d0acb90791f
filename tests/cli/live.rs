//! plan, apply, diff, destroy and import against the local AWS emulator, running the real binary.
//! Each test has its own emulator account, so they run in parallel.

use serde_json::{json, Value};

use crate::emulator::{emulator, is_read, Account};
use crate::harness::{es, root, Output, TempSpec};

pub(crate) const FAST: [&str; 2] = ["--poll-interval", "50ms"];

pub(crate) fn recommender() -> String {
    std::fs::read_to_string(root().join("examples/recommender.yaml")).unwrap()
}

pub(crate) fn run(account: &Account, args: &[&str]) -> Output {
    es(args).envs(account.env()).run()
}

pub(crate) fn apply(account: &Account, spec: &TempSpec) -> Output {
    let mut args = vec!["apply", spec.arg(), "--auto-approve"];
    args.extend(FAST);
    run(account, &args)
}

/// The non-no-op changes of a JSON plan, as "action address".
pub(crate) fn planned(account: &Account, spec: &TempSpec) -> Vec<String> {
    let out = run(account, &["plan", spec.arg(), "--output", "json"]).code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] != json!(["no-op"]))
        .map(|c| {
            format!(
                "{} {}",
                c["change"]["actions"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|a| a.as_str().unwrap())
                    .collect::<Vec<_>>()
                    .join("+"),
                c["address"].as_str().unwrap()
            )
        })
        .collect()
}

pub(crate) fn plan_operations(account: &Account, spec: &TempSpec) -> Vec<String> {
    let out = run(account, &["plan", spec.arg(), "--output", "json"]).code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    doc["steps"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|s| s["operations"].as_array().unwrap().iter().map(|o| o["operation"].as_str().unwrap().to_string()))
        .collect()
}

fn assert_in_sync(account: &Account, spec: &TempSpec) {
    let diff = run(account, &["diff", spec.arg()]).code(0);
    assert_eq!(diff.stdout, "In sync: AWS matches the spec.\n");
    let plan = run(account, &["plan", spec.arg(), "--detailed-exitcode"]).code(0);
    assert_eq!(
        plan.stdout,
        format!(
            "No changes. The endpoints of project \"recommendations\" match the spec (account {}, region us-east-1).\n",
            account.id
        )
    );
}

async fn desired_count(account: &Account, endpoint: &str, variant: &str) -> i32 {
    let d = account.sagemaker().await.describe_endpoint().endpoint_name(endpoint).send().await.unwrap();
    d.production_variants()
        .iter()
        .find(|v| v.variant_name() == Some(variant))
        .unwrap()
        .desired_instance_count()
        .unwrap()
}

/// Someone changes a variant's instance count out of band (the console, a script).
async fn scale_by_hand(account: &Account, endpoint: &str, variant: &str, count: i32) {
    account
        .sagemaker()
        .await
        .update_endpoint_weights_and_capacities()
        .endpoint_name(endpoint)
        .desired_weights_and_capacities(
            aws_sdk_sagemaker::types::DesiredWeightAndCapacity::builder()
                .variant_name(variant)
                .desired_instance_count(count)
                .build(),
        )
        .send()
        .await
        .unwrap();
}

pub(crate) async fn wait_in_service(account: &Account, endpoint: &str) {
    let client = account.sagemaker().await;
    for _ in 0..100 {
        let d = client.describe_endpoint().endpoint_name(endpoint).send().await.unwrap();
        if d.endpoint_status().map(|s| s.as_str()) == Some("InService") {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("{endpoint} never became InService");
}

#[tokio::test]
async fn recommender_lifecycle() {
    let account = emulator().account();
    let v1 = TempSpec::new("recommender.yaml", recommender());

    // Apply creates everything; diff and plan agree it is in sync.
    let out = apply(&account, &v1).code(0);
    assert!(out.stdout.ends_with("Apply complete: 1 endpoint changed.\n"), "{}", out.stdout);
    assert_in_sync(&account, &v1);

    // A new target and a changed schedule: only auto scaling calls, no endpoint update.
    let v2 = TempSpec::new(
        "recommender.yaml",
        recommender().replace("safety_factor: 0.5", "safety_factor: 0.6").replace("min: 5", "min: 6"),
    );
    assert_eq!(
        planned(&account, &v2),
        [
            "update scaling_policy.product-recommender/primary/endpoint-scale-invocations-per-instance",
            "update scheduled_action.product-recommender/primary/month-start-peak"
        ]
    );
    account.clear_requests();
    apply(&account, &v2).code(0);
    let ops = account.operations();
    assert!(
        ops.contains(&"PutScalingPolicy".to_string()) && ops.contains(&"PutScheduledAction".to_string()),
        "{ops:?}"
    );
    assert!(!ops.iter().any(|o| o == "UpdateEndpoint" || o == "CreateEndpointConfig"), "{ops:?}");
    assert_in_sync(&account, &v2);

    // A new instance type for the scaled variant: the documented deregister/update/register order.
    let v3_text = recommender()
        .replace("safety_factor: 0.5", "safety_factor: 0.6")
        .replace("min: 5", "min: 6")
        .replace("instance_type: ml.c5.xlarge", "instance_type: ml.c5.2xlarge");
    let v3 = TempSpec::new("recommender.yaml", &v3_text);
    assert_eq!(
        plan_operations(&account, &v3),
        [
            "DeleteScalingPolicy",
            "DeregisterScalableTarget",
            "CreateEndpointConfig",
            "UpdateEndpoint",
            "WaitInService",
            "RegisterScalableTarget",
            "PutScalingPolicy",
            "PutScheduledAction",
            "PutScheduledAction",
            "PutScheduledAction",
            "PutScheduledAction",
            "DeleteEndpointConfig"
        ]
    );
    let human = run(&account, &["plan", v3.arg()]).code(0);
    assert!(
        human.stdout.contains("  Order of operations (AWS requires it):\n     1. DeleteScalingPolicy"),
        "{}",
        human.stdout
    );
    apply(&account, &v3).code(0);
    let schedules = account
        .autoscaling()
        .await
        .describe_scheduled_actions()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Sagemaker)
        .send()
        .await
        .unwrap();
    let mut names: Vec<&str> = schedules.scheduled_actions().iter().map(|a| a.scheduled_action_name()).collect();
    names.sort();
    assert_eq!(names, ["business-hours-end", "business-hours-start", "month-start-end", "month-start-peak"]);
    assert_in_sync(&account, &v3);

    // Scaled out of band to 5 (a spike), then a new model: the 5 instances stay.
    scale_by_hand(&account, "product-recommender", "primary", 5).await;
    wait_in_service(&account, "product-recommender").await;
    assert_in_sync(&account, &v3);
    let v4 = TempSpec::new("recommender.yaml", v3_text.replace("2.13-cpu", "2.14-cpu"));
    apply(&account, &v4).code(0);
    assert_eq!(desired_count(&account, "product-recommender", "primary").await, 5);
    assert_in_sync(&account, &v4);

    // Destroy leaves nothing owned behind.
    let out = run(&account, &["destroy", v4.arg(), "--auto-approve", "--poll-interval", "50ms"]).code(0);
    assert!(out.stdout.ends_with("\nDestroy complete: 1 endpoint destroyed.\n"), "{}", out.stdout);
    // Again: only that there is nothing to destroy, and where it looked.
    let again = run(&account, &["destroy", v4.arg(), "--auto-approve"]).code(0);
    assert_eq!(again.stdout, format!("Nothing to destroy (account {}, region us-east-1).\n", account.id));
    // Limited by --target, the same words after the warning; with --output json, a document of
    // nothing done (stdout holds it alone) and the words on stderr.
    let targeted = run(&account, &["destroy", v4.arg(), "--auto-approve", "--target", "product-recommender"]).code(0);
    assert_eq!(
        targeted.stdout,
        format!(
            "Warning: limited by --target to endpoint product-recommender: the spec's other endpoints were not read from AWS, and this run shows nothing of them.\n\nNothing to destroy (account {}, region us-east-1).\n",
            account.id
        )
    );
    let json = run(&account, &["destroy", v4.arg(), "--auto-approve", "--output", "json"]).code(0);
    assert_eq!(json.stderr, format!("Nothing to destroy (account {}, region us-east-1).\n", account.id));
    let doc: Value = serde_json::from_str(&json.stdout).unwrap();
    assert_eq!((doc["command"].as_str(), doc["complete"].as_bool()), (Some("destroy"), Some(true)));
    assert_eq!(doc["endpoints"], json!([]));
    let sm = account.sagemaker().await;
    assert!(sm.list_endpoints().send().await.unwrap().endpoints().is_empty());
    assert!(sm.list_endpoint_configs().send().await.unwrap().endpoint_configs().is_empty());
    assert!(sm.list_models().send().await.unwrap().models().is_empty());
    let aas = account.autoscaling().await;
    let targets = aas
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Sagemaker)
        .send()
        .await
        .unwrap();
    assert!(targets.scalable_targets().is_empty());
}

pub(crate) async fn create_existing_model(account: &Account, name: &str) {
    account
        .sagemaker()
        .await
        .create_model()
        .model_name(name)
        .execution_role_arn("arn:aws:iam::123456789012:role/R")
        .primary_container(
            aws_sdk_sagemaker::types::ContainerDefinition::builder()
                .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1")
                .build(),
        )
        .send()
        .await
        .unwrap();
}

/// An endpoint made by hand (no endpoint-scale tags), InService, with config `<endpoint>-hand`.
pub(crate) async fn hand_made_endpoint(
    account: &Account,
    endpoint: &str,
    variant: &str,
    model: &str,
    count: i32,
    tags: &[(&str, &str)],
) {
    let sm = account.sagemaker().await;
    sm.create_endpoint_config()
        .endpoint_config_name(format!("{endpoint}-hand"))
        .production_variants(
            aws_sdk_sagemaker::types::ProductionVariant::builder()
                .variant_name(variant)
                .model_name(model)
                .instance_type(aws_sdk_sagemaker::types::ProductionVariantInstanceType::MlC5Large)
                .initial_instance_count(count)
                .build(),
        )
        .send()
        .await
        .unwrap();
    let tags = tags.iter().map(|(k, v)| aws_sdk_sagemaker::types::Tag::builder().key(*k).value(*v).build()).collect();
    sm.create_endpoint()
        .endpoint_name(endpoint)
        .endpoint_config_name(format!("{endpoint}-hand"))
        .set_tags(Some(tags))
        .send()
        .await
        .unwrap();
    wait_in_service(account, endpoint).await;
}

pub(crate) const FIXED: &str = "version: 1
project: recommendations
endpoints:
  - name: sentiment
    model:
      existing: sentiment-model
    variants:
      - name: main
        instance_type: ml.m5.large
        initial_instance_count: 1
";

#[tokio::test]
async fn a_fixed_variants_count_changes_in_place() {
    let account = emulator().account();
    create_existing_model(&account, "sentiment-model").await;
    let v1 = TempSpec::new("fixed.yaml", FIXED);
    apply(&account, &v1).code(0);
    let v2 = TempSpec::new("fixed.yaml", FIXED.replace("initial_instance_count: 1", "initial_instance_count: 3"));
    assert_eq!(
        run(&account, &["diff", v2.arg()]).code(2).stdout,
        "~ endpoint.sentiment\n    variants[main].instance_count: live 1, spec 3\n"
    );
    account.clear_requests();
    apply(&account, &v2).code(0);
    let ops = account.operations();
    assert!(ops.contains(&"UpdateEndpointWeightsAndCapacities".to_string()), "{ops:?}");
    assert!(!ops.iter().any(|o| o == "UpdateEndpoint" || o == "CreateEndpointConfig"), "{ops:?}");
    assert_eq!(desired_count(&account, "sentiment", "main").await, 3);
    assert_in_sync(&account, &v2);
    // The existing model is used, never owned: destroy leaves it.
    run(&account, &["destroy", v2.arg(), "--auto-approve", "--poll-interval", "50ms"]).code(0);
    let models = account.sagemaker().await.list_models().send().await.unwrap();
    assert_eq!(models.models().iter().map(|m| m.model_name().unwrap()).collect::<Vec<_>>(), ["sentiment-model"]);
}

#[tokio::test]
async fn a_rolled_back_update_fails_apply_with_the_reason_and_stays_planned() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", recommender());
    apply(&account, &v1).code(0);
    account.fail_next_update("product-recommender", "CannotStartContainerError: the image failed its health check");
    let v2 = TempSpec::new("r.yaml", recommender().replace("2.13-cpu", "2.14-cpu"));
    let out = apply(&account, &v2).code(1);
    assert!(
        out.stderr.contains("the update of endpoint product-recommender failed and SageMaker rolled it back to product-recommender-baee9441"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("CannotStartContainerError: the image failed its health check"), "{}", out.stderr);
    assert!(!out.stdout.contains("Apply complete"), "{}", out.stdout);
    run(&account, &["plan", v2.arg(), "--detailed-exitcode"]).code(2);
    // Once the cause is gone, the same apply converges.
    apply(&account, &v2).code(0);
    run(&account, &["plan", v2.arg(), "--detailed-exitcode"]).code(0);
}

#[tokio::test]
async fn throttling_on_30_percent_of_calls_is_absorbed() {
    let account = emulator().account();
    account.inject(json!({"operation": "*", "fault": "throttle", "rate": 0.3, "seed": 7}));
    let spec = TempSpec::new("r.yaml", recommender());
    let mut args = vec!["apply", spec.arg(), "--auto-approve", "--max-attempts", "10"];
    args.extend(FAST);
    run(&account, &args).code(0);
    let throttled = account.requests().iter().filter(|r| r.status == 400).count();
    assert!(throttled > 0, "no call was throttled: the test would prove nothing");
    run(&account, &["plan", spec.arg(), "--detailed-exitcode", "--max-attempts", "10"]).code(0);
}

#[tokio::test]
async fn a_500_on_update_endpoint_fails_cleanly_and_a_rerun_converges() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", recommender());
    apply(&account, &v1).code(0);
    let v2 = TempSpec::new("r.yaml", recommender().replace("2.13-cpu", "2.14-cpu"));
    account.inject(json!({"operation": "UpdateEndpoint", "fault": "500", "count": 1}));
    let mut args = vec!["apply", v2.arg(), "--auto-approve", "--max-attempts", "1"];
    args.extend(FAST);
    let out = run(&account, &args).code(1);
    assert!(out.stderr.contains("UpdateEndpoint on endpoint product-recommender failed"), "{}", out.stderr);
    assert!(
        out.stderr.ends_with(&format!(
            "error: apply did not complete: 1 endpoint failed (see the errors above); after fixing the cause, run `endpoint-scale apply {}` again\n",
            v2.arg()
        )),
        "{}",
        out.stderr
    );
    // The model and config the failed run made exist: not "missing", and not created again.
    let diff = run(&account, &["diff", v2.arg()]).code(2);
    assert!(!diff.stdout.contains("missing in AWS"), "{}", diff.stdout);
    assert!(!plan_operations(&account, &v2).iter().any(|o| o.starts_with("Create")));
    apply(&account, &v2).code(0);
    run(&account, &["plan", v2.arg(), "--detailed-exitcode"]).code(0);
    // The config made by the failed run and then superseded is gone too.
    let configs = account.sagemaker().await.list_endpoint_configs().send().await.unwrap();
    assert_eq!(configs.endpoint_configs().len(), 1);
}

#[tokio::test]
async fn the_plan_shows_the_clean_up_of_what_a_failed_run_left_behind() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", recommender());
    apply(&account, &v1).code(0);
    // v2's model and config are created, then its UpdateEndpoint fails: both are left unused.
    let v2 = TempSpec::new("r.yaml", recommender().replace("2.13-cpu", "2.14-cpu"));
    let v2_calls: Value = serde_json::from_str(&es(["render", v2.arg()]).run().code(0).stdout).unwrap();
    let (v2_model, v2_config) = (
        v2_calls[0]["input"]["ModelName"].as_str().unwrap().to_string(),
        v2_calls[1]["input"]["EndpointConfigName"].as_str().unwrap().to_string(),
    );
    account.inject(json!({"operation": "UpdateEndpoint", "fault": "500", "count": 1}));
    let mut args = vec!["apply", v2.arg(), "--auto-approve", "--max-attempts", "1"];
    args.extend(FAST);
    run(&account, &args).code(1);
    // A config named like ours but not tagged for this project is never touched.
    let sm = account.sagemaker().await;
    sm.create_endpoint_config()
        .endpoint_config_name("product-recommender-0000beef")
        .production_variants(
            aws_sdk_sagemaker::types::ProductionVariant::builder()
                .variant_name("primary")
                .model_name(&v2_model)
                .instance_type(aws_sdk_sagemaker::types::ProductionVariantInstanceType::MlC5Large)
                .initial_instance_count(1)
                .build(),
        )
        .send()
        .await
        .unwrap();

    // Back to v1: the plan deletes what v2 left, before anything happens, and says why.
    assert_eq!(
        planned(&account, &v1),
        [format!("delete endpoint_config.{v2_config}"), format!("delete model.{v2_model}")]
    );
    assert_eq!(plan_operations(&account, &v1), ["DeleteEndpointConfig", "DeleteModel"]);
    let out = run(&account, &["plan", v1.arg()]).code(0);
    assert!(out.stdout.contains("not used by the endpoint: left by an interrupted or failed run"), "{}", out.stdout);
    // A failing clean-up step is a warning, not a failed endpoint: the next plan shows it again.
    account.inject(json!({"operation": "DeleteModel", "fault": "500", "count": 1}));
    let mut args = vec!["apply", v1.arg(), "--auto-approve", "--max-attempts", "1"];
    args.extend(FAST);
    let out = run(&account, &args).code(0);
    assert!(
        out.stderr.contains(&format!(
            "product-recommender: warning: DeleteModel model {v2_model}: DeleteModel on model {v2_model} failed"
        )),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("it is left for the next run, whose plan shows it again"), "{}", out.stderr);
    assert_eq!(plan_operations(&account, &v1), ["DeleteModel"]);
    account.clear_requests();
    apply(&account, &v1).code(0);
    let mutating: Vec<String> = account.operations().into_iter().filter(|o| !is_read(o)).collect();
    assert_eq!(mutating, ["DeleteModel"]);
    assert_in_sync(&account, &v1);
    let configs = sm.list_endpoint_configs().send().await.unwrap();
    let mut names: Vec<&str> = configs.endpoint_configs().iter().filter_map(|c| c.endpoint_config_name()).collect();
    names.sort();
    assert_eq!(names.len(), 2, "{names:?}");
    assert!(names.contains(&"product-recommender-0000beef"), "{names:?}");
}

#[tokio::test]
async fn an_unowned_endpoint_of_the_same_name_is_never_modified() {
    let account = emulator().account();
    create_existing_model(&account, "hand-model").await;
    hand_made_endpoint(&account, "product-recommender", "primary", "hand-model", 1, &[]).await;
    account.clear_requests();
    let spec = TempSpec::new("r.yaml", recommender());
    let out = apply(&account, &spec).code(1);
    assert!(
        out.stdout.contains("! endpoint product-recommender exists but is not managed by endpoint-scale"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("hint: add `adopt: true` to the endpoint in the spec to bring it under this project (`endpoint-scale import product-recommender --project recommendations` writes a spec for it)"), "{}", out.stdout);
    let ops = account.operations();
    assert!(ops.iter().all(|o| is_read(o)), "mutating call made: {ops:?}");
}

const TWO: &str = "version: 1
project: recommendations
endpoints:
  - name: keep
    model: {existing: m}
    variants:
      - name: main
        instance_type: ml.c5.large
  - name: drop
    model: {existing: m}
    variants:
      - name: main
        instance_type: ml.c5.large
";

#[tokio::test]
async fn prune_deletes_only_tagged_endpoints_of_the_project() {
    let account = emulator().account();
    create_existing_model(&account, "m").await;
    let two = TempSpec::new("two.yaml", TWO);
    apply(&account, &two).code(0);
    // A hand-made endpoint and one of another project live in the same account.
    let other = TempSpec::new(
        "other.yaml",
        TWO.replace("project: recommendations", "project: other")
            .replace("name: keep", "name: theirs")
            .replace("name: drop", "name: theirs-too"),
    );
    apply(&account, &other).code(0);
    hand_made_endpoint(&account, "handmade", "main", "m", 1, &[]).await;
    let sm = account.sagemaker().await;

    let one = TempSpec::new("two.yaml", TWO.split("  - name: drop").next().unwrap());
    // Without --prune the endpoint that left the spec stays.
    assert_eq!(planned(&account, &one), Vec::<String>::new());
    let mut args = vec!["apply", one.arg(), "--auto-approve", "--prune"];
    args.extend(FAST);
    run(&account, &args).code(0);
    let mut left: Vec<String> = sm
        .list_endpoints()
        .send()
        .await
        .unwrap()
        .endpoints()
        .iter()
        .map(|e| e.endpoint_name().unwrap().to_string())
        .collect();
    left.sort();
    assert_eq!(left, ["handmade", "keep", "theirs", "theirs-too"]);
}

#[tokio::test]
async fn a_saved_plan_made_stale_out_of_band_is_refused() {
    let account = emulator().account();
    create_existing_model(&account, "sentiment-model").await;
    let v1 = TempSpec::new("fixed.yaml", FIXED);
    apply(&account, &v1).code(0);
    let v2 = TempSpec::new("fixed.yaml", FIXED.replace("instance_type: ml.m5.large", "instance_type: ml.m5.xlarge"));
    let plan_file = v2.path.with_file_name("fixed.plan");
    let plan_arg = plan_file.to_str().unwrap();
    run(&account, &["plan", v2.arg(), "--out", plan_arg]).code(0);
    // Someone scales the endpoint by hand after the plan was made.
    scale_by_hand(&account, "sentiment", "main", 2).await;
    wait_in_service(&account, "sentiment").await;
    account.clear_requests();
    let out = run(&account, &["apply", plan_arg, "--auto-approve"]).code(1);
    assert!(out.stderr.contains(&format!("error: the saved plan {plan_arg} is stale")), "{}", out.stderr);
    let ops = account.operations();
    assert!(ops.iter().all(|o| is_read(o)), "{ops:?}");
    // A fresh saved plan applies.
    run(&account, &["plan", v2.arg(), "--out", plan_arg]).code(0);
    let mut args = vec!["apply", plan_arg, "--auto-approve"];
    args.extend(FAST);
    run(&account, &args).code(0);
    run(&account, &["plan", v2.arg(), "--detailed-exitcode"]).code(0);
}

#[tokio::test]
async fn apply_without_a_terminal_or_auto_approve_refuses() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let out = run(&account, &["apply", spec.arg()]).code(1);
    assert!(
        out.stderr
            .ends_with("error: apply needs confirmation: run it in a terminal, or pass --auto-approve (for CI)\n"),
        "{}",
        out.stderr
    );
    assert!(account.operations().iter().all(|o| is_read(o)));
}

#[tokio::test]
async fn reading_50_endpoints_costs_few_calls() {
    let account = emulator().account();
    let mut spec = String::from("version: 1\nproject: recommendations\nendpoints:\n");
    for i in 0..50 {
        spec.push_str(&format!(
            "  - name: e{i:02}\n    model:\n      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/m:1\n      execution_role_arn: arn:aws:iam::123456789012:role/R\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n        max_rps_per_instance: 10\n        autoscaling:\n          min: 1\n          max: 3\n          schedules:\n            - name: peak\n              schedule: cron(0 8 ? * MON-FRI *)\n              min: 2\n"
        ));
    }
    let spec = TempSpec::new("fifty.yaml", spec);
    apply(&account, &spec).code(0);
    account.clear_requests();
    run(&account, &["plan", spec.arg(), "--detailed-exitcode"]).code(0);
    let ops = account.operations();
    let count = |op: &str| ops.iter().filter(|o| *o == op).count();
    // Per endpoint: DescribeEndpoint, ListTags, DescribeEndpointConfig, DescribeModel. The tags of
    // its config, model and scalable target are read only when the endpoint's own tags differ
    // from the spec's (a tag change shows there first): none here.
    assert_eq!(
        (count("DescribeEndpoint"), count("DescribeEndpointConfig"), count("ListTags"), count("DescribeModel")),
        (50, 50, 50, 50)
    );
    let autoscaling =
        count("DescribeScalableTargets") + count("DescribeScalingPolicies") + count("DescribeScheduledActions");
    assert_eq!(autoscaling, 3, "{ops:?}");
    assert_eq!(count("ListTagsForResource"), 0, "{ops:?}");
    // One listing of the account's configs and models finds what the endpoints no longer use.
    assert_eq!((count("ListEndpointConfigs"), count("ListModels")), (1, 1), "{ops:?}");
    // One DescribeAlarms by prefix (`<endpoint>-`) per owned endpoint: the alarms a removed
    // `rollout:` may have left. None found, so no tag read.
    assert_eq!(count("DescribeAlarms"), 50, "{ops:?}");
    // The account the plan names, asked for once, beside the reads.
    assert_eq!(count("GetCallerIdentity"), 1, "{ops:?}");
    assert_eq!(ops.len(), 256, "{ops:?}");
    // A tag change in the spec: now the config's, the model's and the target's tags are read too.
    let retagged = TempSpec::new(
        "fifty.yaml",
        std::fs::read_to_string(&spec.path)
            .unwrap()
            .replace("project: recommendations\n", "project: recommendations\ntags:\n  team: search\n"),
    );
    account.clear_requests();
    run(&account, &["plan", retagged.arg()]).code(0);
    let ops = account.operations();
    let count = |op: &str| ops.iter().filter(|o| *o == op).count();
    assert_eq!((count("ListTags"), count("ListTagsForResource")), (150, 50), "{ops:?}");
}

/// A hand-made endpoint `legacy` with a scalable target, a target tracking policy named
/// `HandMadePolicy` and a scheduled action, as a team would have built it in the console.
async fn legacy_endpoint(account: &Account) {
    create_existing_model(account, "hand-model").await;
    hand_made_endpoint(account, "legacy", "primary", "hand-model", 2, &[("team", "search")]).await;
    use aws_sdk_applicationautoscaling::types::{
        MetricType, PolicyType, PredefinedMetricSpecification, ScalableDimension, ScalableTargetAction,
        ServiceNamespace, TargetTrackingScalingPolicyConfiguration,
    };
    let aas = account.autoscaling().await;
    let id = "endpoint/legacy/variant/primary";
    aas.register_scalable_target()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(id)
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .min_capacity(1)
        .max_capacity(4)
        .send()
        .await
        .unwrap();
    aas.put_scaling_policy()
        .policy_name("HandMadePolicy")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(id)
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(750.0)
                .predefined_metric_specification(
                    PredefinedMetricSpecification::builder()
                        .predefined_metric_type(MetricType::SageMakerVariantInvocationsPerInstance)
                        .build()
                        .unwrap(),
                )
                .scale_in_cooldown(600)
                .scale_out_cooldown(60)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    aas.put_scheduled_action()
        .service_namespace(ServiceNamespace::Sagemaker)
        .scheduled_action_name("morning")
        .resource_id(id)
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .schedule("cron(0 8 ? * MON-FRI *)")
        .timezone("Europe/Berlin")
        .scalable_target_action(ScalableTargetAction::builder().min_capacity(2).build())
        .send()
        .await
        .unwrap();
}

#[tokio::test]
async fn import_adopts_a_hand_made_endpoint_and_plan_then_shows_no_changes() {
    let account = emulator().account();
    legacy_endpoint(&account).await;
    let dir = crate::harness::TempDir::new();
    let spec_path = dir.path.join("legacy.yaml");
    let spec_arg = spec_path.to_str().unwrap();
    let mut args = vec!["import", "legacy", "--project", "search", "--out", spec_arg, "--adopt", "--auto-approve"];
    args.extend(FAST);
    let out = run(&account, &args).code(0);
    // The adoption is a plan, shown before it runs.
    for line in [
        "~ endpoint.legacy",
        "-/+ scaling_policy.legacy/primary/endpoint-scale-invocations-per-instance",
        "1. AddTags endpoint legacy ownership tags (adopt)",
        "2. TagResource endpoint/legacy/variant/primary tags",
        "3. PutScalingPolicy endpoint-scale-invocations-per-instance on endpoint/legacy/variant/primary",
        "4. DeleteScalingPolicy HandMadePolicy on endpoint/legacy/variant/primary",
        "Adopted: 1 endpoint changed.",
    ] {
        assert!(out.stderr.contains(line), "{line:?} not in:\n{}", out.stderr);
    }
    let written = std::fs::read_to_string(&spec_path).unwrap();
    crate::harness::assert_expected("tests/expected/import.legacy.yaml", &written);
    es(["validate", spec_arg]).run().code(0);
    let out = run(&account, &["plan", spec_arg, "--detailed-exitcode"]).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "No changes. The endpoints of project \"search\" match the spec (account {}, region us-east-1).\n",
            account.id
        )
    );
}

#[tokio::test]
async fn adoption_is_a_plan_a_saved_plan_carries_and_apply_runs() {
    let account = emulator().account();
    legacy_endpoint(&account).await;
    let dir = crate::harness::TempDir::new();
    let spec_path = dir.path.join("legacy.yaml");
    let spec = spec_path.to_str().unwrap();
    run(&account, &["import", "legacy", "--project", "search", "--out", spec]).code(0);
    account.clear_requests();
    // --adopt without a terminal or --auto-approve changes nothing.
    let out = run(&account, &["import", "legacy", "--project", "search", "--adopt"]).code(1);
    assert!(
        out.stderr.ends_with(
            "error: import --adopt needs confirmation: run it in a terminal, or pass --auto-approve (for CI)\n"
        ),
        "{}",
        out.stderr
    );
    assert!(account.operations().iter().all(|o| is_read(o)));
    let ops = run(&account, &["plan", spec, "--output", "json"]).code(0).stdout;
    let doc: Value = serde_json::from_str(&ops).unwrap();
    let ops: Vec<&str> =
        doc["steps"][0]["operations"].as_array().unwrap().iter().map(|o| o["operation"].as_str().unwrap()).collect();
    // The hand-made target gets the spec's tags (ownership included) like every owned target.
    assert_eq!(ops, ["AddTags", "TagResource", "PutScalingPolicy", "DeleteScalingPolicy"]);
    let plan_file = dir.path.join("adopt.plan");
    let plan_arg = plan_file.to_str().unwrap();
    run(&account, &["plan", spec, "--out", plan_arg]).code(0);
    let saved = std::fs::read_to_string(&plan_file).unwrap();
    assert!(saved.contains("\"op\": \"AdoptEndpoint\""), "{saved}");
    let mut args = vec!["apply", plan_arg, "--auto-approve"];
    args.extend(FAST);
    run(&account, &args).code(0);
    let out = run(&account, &["plan", spec, "--detailed-exitcode"]).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "No changes. The endpoints of project \"search\" match the spec (account {}, region us-east-1).\n",
            account.id
        )
    );
}

#[tokio::test]
async fn missing_region_or_credentials_is_one_clear_sentence() {
    let spec = TempSpec::new("r.yaml", recommender().replace("region: us-east-1\n", ""));
    let out = es(["plan", spec.arg()]).run().code(1);
    assert_eq!(
        out.stderr,
        "error: no AWS region is set: pass --region, set AWS_REGION, add `region:` to the spec, or set a region in your AWS profile\n"
    );
    let out = es(["plan", spec.arg(), "--region", "us-east-1"]).run().code(1);
    assert!(
        out.stderr.starts_with("error: no AWS credentials found: set AWS_PROFILE (or pass --profile), run `aws sso login` for an SSO profile, or set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"),
        "{}",
        out.stderr
    );
}

/// Applies the recommender (endpoints take 3 seconds to come up) and sends `signal` while apply
/// waits for InService; returns the exit code and stderr.
pub(crate) fn interrupted_apply(account: &Account, spec: &TempSpec, signal: &str) -> (Option<i32>, String) {
    account.configure(json!({"transition_seconds": 3}));
    let child = es(["apply", spec.arg(), "--auto-approve", "--poll-interval", "100ms"]).envs(account.env()).spawn();
    let pid = child.id();
    for _ in 0..100 {
        if account.operations().iter().filter(|o| *o == "DescribeEndpoint").count() >= 3 {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    std::process::Command::new("kill").args([signal, &pid.to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    (out.status.code(), String::from_utf8_lossy(&out.stderr).into_owned())
}

#[tokio::test]
async fn ctrl_c_starts_no_new_step_and_says_what_was_done() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let (code, stderr) = interrupted_apply(&account, &spec, "-INT");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("Interrupt: finishing the AWS call in flight and starting no new step"), "{stderr}");
    assert!(stderr.contains("What was done before the interrupt:\n  product-recommender: 3 of 10 steps\n"), "{stderr}");
    assert!(!account.operations().contains(&"RegisterScalableTarget".to_string()));
    // Running apply again picks up where the interrupted one stopped.
    wait_in_service(&account, "product-recommender").await;
    apply(&account, &spec).code(0);
    assert_in_sync(&account, &spec);
}

#[tokio::test]
async fn a_busy_endpoint_is_reported_and_skipped_not_fought_over() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    apply(&account, &spec).code(0);
    // Someone scales it by hand; the update takes a while.
    account.configure(json!({"transition_seconds": 60}));
    scale_by_hand(&account, "product-recommender", "primary", 3).await;
    let changed = TempSpec::new("r.yaml", recommender().replace("2.13-cpu", "2.14-cpu"));
    account.clear_requests();
    let out = apply(&account, &changed).code(1);
    assert!(
        out.stdout.contains("  ! endpoint product-recommender is Updating; it is skipped, not fought over\n    hint: run again once it is InService\n"),
        "{}",
        out.stdout
    );
    assert!(
        out.stderr.ends_with(&format!(
            "error: 1 endpoint was skipped because it cannot be changed now (see above); run `endpoint-scale apply {}` again once it is InService\n",
            changed.arg()
        )),
        "{}",
        out.stderr
    );
    let ops = account.operations();
    assert!(ops.iter().all(|o| is_read(o)), "{ops:?}");
}

#[tokio::test]
async fn a_wait_that_runs_out_fails_with_the_timeout_and_what_to_do() {
    let account = emulator().account();
    account.configure(json!({"transition_seconds": 60}));
    let spec = TempSpec::new("r.yaml", recommender());
    let out =
        run(&account, &["apply", spec.arg(), "--auto-approve", "--poll-interval", "100ms", "--wait-timeout", "1"])
            .code(1);
    assert!(
        out.stderr.contains(
            "product-recommender: error: timed out after 1s waiting for endpoint product-recommender (still Creating); it keeps changing in AWS: run apply again once it is InService, or raise --wait-timeout"
        ),
        "{}",
        out.stderr
    );
    assert!(!account.operations().contains(&"RegisterScalableTarget".to_string()));
}

/// On a terminal, apply's progress bars end with a line break: the final line starts on a line
/// of its own instead of running into the last bar (indicatif leaves the cursor at its end).
/// `script` gives the binary a pseudo-terminal, as an interactive shell does.
#[tokio::test]
async fn on_a_terminal_the_final_line_starts_below_the_progress_bars() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let command =
        format!("{} apply {} --auto-approve --poll-interval 50ms", env!("CARGO_BIN_EXE_endpoint-scale"), spec.arg());
    let out = std::process::Command::new("script")
        .args(["-qec", &command, "/dev/null"])
        .envs(account.env())
        .env("NO_COLOR", "1")
        .env("COLUMNS", "100")
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
        .env_remove("AWS_PROFILE")
        .stdin(std::process::Stdio::null())
        .output()
        .expect("run script(1)");
    let screen = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{screen}");
    let end = screen.find("Apply complete: 1 endpoint changed.").unwrap_or_else(|| panic!("{screen:?}"));
    // The bar's last drawing (`done`, padded to the width), then a line break, then the line.
    let before = &screen[..end];
    assert!(
        before.ends_with("\r\n"),
        "the final line runs into the bar: {:?}",
        &before[before.len().saturating_sub(120)..]
    );
    let bar = before.trim_end_matches("\r\n").rsplit(['\r', '\n']).next().unwrap_or_default();
    assert!(bar.contains("product-recommender [10/10] done"), "{bar:?}");
}
