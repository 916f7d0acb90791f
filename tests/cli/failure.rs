//! An instance-type change of a scaled variant deregisters it before UpdateEndpoint (AWS refuses
//! the update otherwise). Whatever stops the change after that point, the variant must not be
//! left at a fixed count: apply puts its auto scaling back as it was, and a run killed in that
//! window is repaired by the next one, first.

use serde_json::json;

use crate::emulator::{emulator, Account};
use crate::harness::{es, TempSpec};
use crate::live::{apply, create_existing_model, recommender, run, wait_in_service, FIXED};

fn bigger() -> String {
    recommender().replace("instance_type: ml.c5.xlarge", "instance_type: ml.c5.2xlarge")
}

/// The variant's scalable target bounds, policy names and scheduled action names, as AWS has them.
async fn scaling(account: &Account) -> (Option<(i32, i32)>, Vec<String>, Vec<String>) {
    use aws_sdk_applicationautoscaling::types::ServiceNamespace;
    let aas = account.autoscaling().await;
    let id = "endpoint/product-recommender/variant/primary";
    let targets = aas
        .describe_scalable_targets()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_ids(id)
        .send()
        .await
        .unwrap();
    let target = targets.scalable_targets().first().map(|t| (t.min_capacity(), t.max_capacity()));
    let policies = aas
        .describe_scaling_policies()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(id)
        .send()
        .await
        .unwrap();
    let mut policies: Vec<String> = policies.scaling_policies().iter().map(|p| p.policy_name().to_string()).collect();
    policies.sort();
    let actions = aas
        .describe_scheduled_actions()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id(id)
        .send()
        .await
        .unwrap();
    let mut actions: Vec<String> =
        actions.scheduled_actions().iter().map(|a| a.scheduled_action_name().to_string()).collect();
    actions.sort();
    (target, policies, actions)
}

fn as_applied() -> (Option<(i32, i32)>, Vec<String>, Vec<String>) {
    (
        Some((1, 8)),
        vec!["endpoint-scale-invocations-per-instance".to_string()],
        ["business-hours-end", "business-hours-start", "month-start-end", "month-start-peak"]
            .map(String::from)
            .to_vec(),
    )
}

#[tokio::test]
async fn a_rolled_back_instance_type_change_puts_auto_scaling_back() {
    let account = emulator().account();
    apply(&account, &TempSpec::new("r.yaml", recommender())).code(0);
    assert_eq!(scaling(&account).await, as_applied());
    account.fail_next_update("product-recommender", "the new instance type failed its health check");
    let spec = TempSpec::new("r.yaml", bigger());
    // The plan says what would happen, before anything does.
    let plan = run(&account, &["plan", spec.arg()]).code(0);
    assert!(
        plan.stdout.contains("  If the update does not complete (rollback, timeout, interrupt, error), apply puts the auto\n  scaling of primary back as it is now:\n     - WaitSettled until endpoint product-recommender is InService again, on either config\n     - RegisterScalableTarget endpoint/product-recommender/variant/primary (min 1, max 8)\n"),
        "{}",
        plan.stdout
    );
    let out = apply(&account, &spec).code(1);
    assert!(out.stderr.contains("SageMaker rolled it back"), "{}", out.stderr);
    assert!(
        out.stderr.contains("product-recommender: restored: auto scaling of primary restored as it was before this run (target, policy, scheduled actions)"),
        "{}",
        out.stderr
    );
    assert_eq!(scaling(&account).await, as_applied());
}

#[tokio::test]
async fn a_timed_out_instance_type_change_puts_auto_scaling_back() {
    let account = emulator().account();
    apply(&account, &TempSpec::new("r.yaml", recommender())).code(0);
    account.configure(json!({"transition_seconds": 2}));
    let spec = TempSpec::new("r.yaml", bigger());
    let out =
        run(&account, &["apply", spec.arg(), "--auto-approve", "--poll-interval", "100ms", "--wait-timeout", "1500ms"])
            .code(1);
    assert!(out.stderr.contains("timed out after 1s waiting for endpoint product-recommender"), "{}", out.stderr);
    assert!(out.stderr.contains("auto scaling of primary restored as it was before this run"), "{}", out.stderr);
    assert_eq!(scaling(&account).await, as_applied());
}

#[tokio::test]
async fn an_interrupted_instance_type_change_puts_auto_scaling_back() {
    let account = emulator().account();
    apply(&account, &TempSpec::new("r.yaml", recommender())).code(0);
    account.configure(json!({"transition_seconds": 2}));
    let spec = TempSpec::new("r.yaml", bigger());
    account.clear_requests();
    let child = es(["apply", spec.arg(), "--auto-approve", "--poll-interval", "100ms"]).envs(account.env()).spawn();
    for _ in 0..100 {
        if account.operations().iter().any(|o| o == "UpdateEndpoint") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    std::process::Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("auto scaling of primary restored as it was before this run"), "{stderr}");
    assert_eq!(scaling(&account).await, as_applied());
}

#[tokio::test]
async fn a_run_killed_after_deregistering_is_repaired_first_by_the_next_one() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    apply(&account, &spec).code(0);
    // What a run killed right after DeregisterScalableTarget leaves: the variant without auto
    // scaling (deregistering also deletes the policy and the scheduled actions).
    use aws_sdk_applicationautoscaling::types::{ScalableDimension, ServiceNamespace};
    account
        .autoscaling()
        .await
        .deregister_scalable_target()
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id("endpoint/product-recommender/variant/primary")
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .send()
        .await
        .unwrap();
    assert_eq!(scaling(&account).await.0, None);
    let bigger = TempSpec::new("r.yaml", bigger());
    let plan = run(&account, &["plan", bigger.arg()]).code(0);
    assert!(
        plan.stdout.starts_with("Unprotected: auto scaling is missing and is put back first\n  ! variant product-recommender/primary runs without auto scaling\n"),
        "{}",
        plan.stdout
    );
    let diff = run(&account, &["diff", bigger.arg()]);
    assert!(
        diff.stdout.starts_with("! variant product-recommender/primary runs without auto scaling"),
        "{}",
        diff.stdout
    );
    // The update fails again: the variant is protected all the same.
    account.fail_next_update("product-recommender", "still failing");
    let out = apply(&account, &bigger).code(1);
    assert!(out.stderr.contains("SageMaker rolled it back"), "{}", out.stderr);
    assert_eq!(scaling(&account).await, as_applied());
    // And once the update goes through, everything converges.
    wait_in_service(&account, "product-recommender").await;
    apply(&account, &bigger).code(0);
    run(&account, &["plan", bigger.arg(), "--detailed-exitcode"]).code(0);
}

/// DescribeEndpoint calls after the first `after` call in the request log.
fn polls_after(account: &Account, after: &str) -> usize {
    let ops = account.operations();
    let start = ops.iter().position(|o| o == after).expect("the call was made");
    ops[start..].iter().filter(|o| *o == "DescribeEndpoint").count()
}

#[tokio::test]
async fn a_rolled_back_capacity_update_fails_at_once_with_the_reason() {
    let account = emulator().account();
    create_existing_model(&account, "sentiment-model").await;
    apply(&account, &TempSpec::new("fixed.yaml", FIXED)).code(0);
    let more = TempSpec::new("fixed.yaml", FIXED.replace("initial_instance_count: 1", "initial_instance_count: 3"));
    account.control_post(
        "fail-next-update",
        json!({"endpoint": "sentiment", "reason": "insufficient capacity", "operation": "UpdateEndpointWeightsAndCapacities"}),
    );
    account.clear_requests();
    let out = apply(&account, &more).code(1);
    assert!(
        out.stderr.contains("sentiment: error: the capacity update of endpoint sentiment did not take effect (variant main has 1 instance desired, not 3): SageMaker rolled it back: insufficient capacity. Fix the cause (instance quota, capacity in the region) and run apply again"),
        "{}",
        out.stderr
    );
    // Updating, then RollingBack: stopped at the first poll that showed it.
    assert_eq!(polls_after(&account, "UpdateEndpointWeightsAndCapacities"), 2);
    // Once it is back, the plan still wants the change: nothing was claimed that did not happen.
    wait_in_service(&account, "sentiment").await;
    assert_eq!(crate::live::plan_operations(&account, &more), ["UpdateEndpointWeightsAndCapacities", "WaitInService"]);
}

#[tokio::test]
async fn an_update_rollback_failed_fails_at_once_and_says_what_to_do() {
    let account = emulator().account();
    create_existing_model(&account, "sentiment-model").await;
    apply(&account, &TempSpec::new("fixed.yaml", FIXED)).code(0);
    let more = TempSpec::new("fixed.yaml", FIXED.replace("initial_instance_count: 1", "initial_instance_count: 3"));
    account.control_post(
        "fail-next-update",
        json!({"endpoint": "sentiment", "reason": "boom", "operation": "UpdateEndpointWeightsAndCapacities", "rollback": "fails"}),
    );
    let out = apply(&account, &more).code(1);
    assert!(out.stderr.contains("the capacity update of endpoint sentiment did not take effect"), "{}", out.stderr);
    // The next run finds it UpdateRollbackFailed: a defined plan that says what to do.
    for _ in 0..5 {
        run(&account, &["diff", more.arg()]);
    }
    let plan = run(&account, &["plan", more.arg()]).code(0);
    assert!(
        plan.stdout
            .contains("  ! endpoint sentiment is UpdateRollbackFailed: boom\n    hint: SageMaker could not roll back a failed update and cannot update it now; look at it in the SageMaker console, or delete it (`aws sagemaker delete-endpoint --endpoint-name sentiment --region us-east-1`) and apply again\n"),
        "{}",
        plan.stdout
    );
}

#[tokio::test]
async fn two_applies_started_together_both_end_and_a_third_converges() {
    let account = emulator().account();
    // Endpoints take a moment to come up, so the two runs overlap for real.
    account.configure(json!({"transition_seconds": 1}));
    let mut spec = String::from("version: 1\nproject: recommendations\nregion: us-east-1\nendpoints:\n");
    for i in 0..5 {
        spec.push_str(&format!(
            "  - name: e{i}\n    model:\n      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/m:{i}\n      execution_role_arn: arn:aws:iam::123456789012:role/R\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n        max_rps_per_instance: 10\n        autoscaling:\n          min: 1\n          max: 3\n"
        ));
    }
    let spec = TempSpec::new("five.yaml", spec);
    let start = || es(["apply", spec.arg(), "--auto-approve", "--poll-interval", "100ms"]).envs(account.env()).spawn();
    let (a, b) = (start(), start());
    let (a, b) = (a.wait_with_output().unwrap(), b.wait_with_output().unwrap());
    // Both end: each either succeeds, or fails cleanly on what the other is doing.
    for out in [&a, &b] {
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(matches!(out.status.code(), Some(0) | Some(1)), "{stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    for i in 0..5 {
        wait_in_service(&account, &format!("e{i}")).await;
    }
    apply(&account, &spec).code(0);
    let out = run(&account, &["plan", spec.arg(), "--detailed-exitcode"]).code(0);
    assert!(out.stdout.starts_with("No changes."), "{}", out.stdout);
    // Nothing owned is left unused: one model and one config per endpoint.
    let sm = account.sagemaker().await;
    assert_eq!(sm.list_models().max_results(100).send().await.unwrap().models().len(), 5);
    assert_eq!(sm.list_endpoint_configs().max_results(100).send().await.unwrap().endpoint_configs().len(), 5);
}

#[tokio::test]
async fn raise_capacity_raises_a_deregistered_variant_to_its_max_before_the_update() {
    let account = emulator().account();
    apply(&account, &TempSpec::new("r.yaml", recommender())).code(0);
    let spec = TempSpec::new("r.yaml", bigger());
    let ops: Vec<String> = {
        let out = run(&account, &["plan", spec.arg(), "--raise-capacity", "--output", "json"]).code(0);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        doc["steps"][0]["operations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|o| o["description"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        ops[..4],
        [
            "DeleteScalingPolicy endpoint-scale-invocations-per-instance on endpoint/product-recommender/variant/primary",
            "DeregisterScalableTarget endpoint/product-recommender/variant/primary",
            "UpdateEndpointWeightsAndCapacities endpoint product-recommender: primary 8 instances",
            "WaitInService until endpoint product-recommender is InService on product-recommender-baee9441",
        ]
    );
    let args = ["apply", spec.arg(), "--auto-approve", "--raise-capacity", "--poll-interval", "50ms"];
    account.clear_requests();
    run(&account, &args).code(0);
    let log = account.operations();
    let at = |op: &str| log.iter().position(|o| o == op).unwrap();
    assert!(at("DeregisterScalableTarget") < at("UpdateEndpointWeightsAndCapacities"), "{log:?}");
    assert!(at("UpdateEndpointWeightsAndCapacities") < at("UpdateEndpoint"), "{log:?}");
    assert_eq!(scaling(&account).await, as_applied());
    run(&account, &["plan", spec.arg(), "--detailed-exitcode"]).code(0);
}

#[tokio::test]
async fn what_a_failed_create_leaves_is_deleted_by_destroy_and_by_apply_prune() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let sm = account.sagemaker().await;
    let counts = || async {
        (
            sm.list_models().send().await.unwrap().models().len(),
            sm.list_endpoint_configs().send().await.unwrap().endpoint_configs().len(),
        )
    };
    let fail_create = || {
        account.control_post("faults", json!({"operation": "CreateEndpoint", "fault": "500", "count": 1}));
        run(&account, &["apply", spec.arg(), "--auto-approve", "--max-attempts", "1", "--poll-interval", "50ms"])
            .code(1)
    };
    fail_create();
    assert_eq!(counts().await, (1, 1));
    // destroy finds them although the endpoint never came to be.
    let out = run(&account, &["destroy", spec.arg(), "--auto-approve", "--poll-interval", "50ms"]).code(0);
    assert!(out.stdout.contains("- endpoint_config.product-recommender-"), "{}", out.stdout);
    assert_eq!(counts().await, (0, 0));

    // Again, then the endpoint leaves the spec: apply --prune deletes what its failed create left.
    fail_create();
    create_existing_model(&account, "sentiment-model").await;
    let other = TempSpec::new("fixed.yaml", FIXED);
    let plan = run(&account, &["plan", other.arg(), "--prune"]).code(0);
    assert!(plan.stdout.contains("left by a failed create, no longer in the spec (--prune)"), "{}", plan.stdout);
    run(&account, &["apply", other.arg(), "--auto-approve", "--prune", "--poll-interval", "50ms"]).code(0);
    // Left: the `existing:` model and the sentiment endpoint's config.
    let models: Vec<String> = sm
        .list_models()
        .send()
        .await
        .unwrap()
        .models()
        .iter()
        .filter_map(|m| m.model_name().map(String::from))
        .collect();
    assert_eq!(models, ["sentiment-model"]);
    assert_eq!(counts().await.1, 1);
}
