//! The scaling metric per variant (`autoscaling.metric`): each kind validates, renders requests
//! the botocore model accepts, applies and reads back in sync; a target or metric change is an
//! in-place PutScalingPolicy and nothing else; a customized metric changed in AWS is drift; and
//! simulate models the concurrency metric (given --request-seconds) and refuses a customized one.

use aws_sdk_applicationautoscaling::types::{
    CustomizedMetricSpecification, MetricDimension, MetricStatistic, PolicyType, ScalableDimension, ServiceNamespace,
    TargetTrackingScalingPolicyConfiguration,
};
use serde_json::{json, Value};

use crate::emulator::{emulator, Account};
use crate::harness::{es, TempSpec};
use crate::live::{apply, create_existing_model, plan_operations, run};
use crate::render::check_against_botocore;

/// One endpoint, one variant per metric kind.
const SPEC: &str = "version: 1
project: metrics
region: us-east-1
endpoints:
  - name: chat
    model:
      existing: chat-model
    variants:
      - name: rps
        instance_type: ml.c5.large
        max_rps_per_instance: 10
        autoscaling: {min: 1, max: 4}
      - name: streams
        instance_type: ml.c5.large
        autoscaling:
          min: 1
          max: 4
          metric: concurrent_requests_per_model
          target: {max_concurrency_per_instance: 8}
      - name: cpu
        instance_type: ml.c5.large
        autoscaling:
          min: 1
          max: 4
          metric:
            customized:
              namespace: /aws/sagemaker/Endpoints
              metric_name: CPUUtilization
              dimensions:
                - {name: VariantName, value: cpu}
                - {name: EndpointName, value: chat}
              statistic: Average
              unit: Percent
          target: 140
";

fn policy_configs(rendered: &str) -> Vec<Value> {
    let calls: Value = serde_json::from_str(rendered).unwrap();
    calls
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["operation"] == "PutScalingPolicy")
        .map(|c| c["input"]["TargetTrackingScalingPolicyConfiguration"].clone())
        .collect()
}

#[test]
fn each_metric_kind_validates_and_renders_requests_the_api_model_accepts() {
    let spec = TempSpec::new("metrics.yaml", SPEC);
    let out = es(["validate", spec.arg()]).run().code(0);
    assert!(out.stdout.ends_with(": valid (1 endpoint, 3 variants, 0 scheduled actions)\n"), "{}", out.stdout);
    let rendered = es(["render", spec.arg()]).run().code(0).stdout;
    let report = check_against_botocore(&rendered);
    assert!(report.starts_with("8 calls valid against botocore "), "{report}");
    assert_eq!(
        policy_configs(&rendered),
        [
            json!({"TargetValue": 300.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantInvocationsPerInstance"}, "ScaleInCooldown": 300, "ScaleOutCooldown": 300, "DisableScaleIn": false}),
            json!({"TargetValue": 4.0, "PredefinedMetricSpecification": {"PredefinedMetricType": "SageMakerVariantConcurrentRequestsPerModelHighResolution"}, "ScaleInCooldown": 300, "ScaleOutCooldown": 300, "DisableScaleIn": false}),
            json!({"TargetValue": 140.0, "CustomizedMetricSpecification": {"MetricName": "CPUUtilization", "Namespace": "/aws/sagemaker/Endpoints", "Dimensions": [{"Name": "EndpointName", "Value": "chat"}, {"Name": "VariantName", "Value": "cpu"}], "Statistic": "Average", "Unit": "Percent"}, "ScaleInCooldown": 300, "ScaleOutCooldown": 300, "DisableScaleIn": false}),
        ]
    );
    // The shell script sends the same configurations.
    let shell = es(["render", "--format", "shell", spec.arg()]).run().code(0).stdout;
    assert!(shell.contains("SageMakerVariantConcurrentRequestsPerModelHighResolution"), "{shell}");
    assert!(shell.contains("CustomizedMetricSpecification"), "{shell}");
}

#[test]
fn a_metric_of_the_wrong_shape_is_a_shape_error() {
    let spec = TempSpec::new("metrics.yaml", SPEC.replace("metric: concurrent_requests_per_model", "metric: [x]"));
    let out = es(["validate", spec.arg()]).run().code(1);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        "error: `metric` must be a string or a mapping of keys to values, found a list"
    );
    let spec =
        TempSpec::new("metrics.yaml", SPEC.replace("              unit: Percent\n", "              units: Percent\n"));
    let out = es(["validate", spec.arg()]).run().code(1);
    assert_eq!(out.stderr.lines().next().unwrap(), "error: unknown key `units` in customized metric");
}

async fn applied(account: &Account) -> TempSpec {
    create_existing_model(account, "chat-model").await;
    let spec = TempSpec::new("metrics.yaml", SPEC);
    let out = apply(account, &spec);
    assert_eq!(out.code, 0, "{}", out.stderr);
    spec
}

#[tokio::test]
async fn every_kind_round_trips_and_a_target_change_only_puts_the_policy() {
    let account = emulator().account();
    let spec = applied(&account).await;
    run(&account, &["diff", spec.arg()]).code(0);

    let edited = TempSpec::new(
        "metrics.yaml",
        SPEC.replace(
            "target: {max_concurrency_per_instance: 8}",
            "target: {max_concurrency_per_instance: 8, safety_factor: 0.75}",
        )
        .replace("target: 140", "target: 160"),
    );
    assert_eq!(plan_operations(&account, &edited), ["PutScalingPolicy", "PutScalingPolicy"]);
    let out = run(&account, &["plan", edited.arg(), "--color", "never"]).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "endpoint-scale plan for project \"metrics\" (account {}, region us-east-1)\n\nSymbols: ~ update in place\n\nendpoint chat\n  ~ scaling_policy.chat/streams/endpoint-scale-invocations-per-instance\n      ~ target_value       = 4 -> 6\n        # (7 unchanged attributes hidden)\n  ~ scaling_policy.chat/cpu/endpoint-scale-invocations-per-instance\n      ~ target_value       = 140 -> 160\n        # (7 unchanged attributes hidden)\n\nPlan: 0 to create, 2 to update, 0 to replace, 0 to delete.\n",
            account.id
        )
    );
    apply(&account, &edited).code(0);
    run(&account, &["diff", edited.arg()]).code(0);

    // Another metric on the same variant is an in-place update of the same policy too.
    let switched = TempSpec::new(
        "metrics.yaml",
        SPEC.replace(
            "metric: concurrent_requests_per_model\n          target: {max_concurrency_per_instance: 8}",
            "target: {invocations_per_instance: 500}",
        ),
    );
    assert_eq!(plan_operations(&account, &switched), ["PutScalingPolicy", "PutScalingPolicy"]);
    let out = run(&account, &["plan", switched.arg(), "--color", "never"]).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "endpoint-scale plan for project \"metrics\" (account {}, region us-east-1)\n\nSymbols: ~ update in place\n\nendpoint chat\n  ~ scaling_policy.chat/streams/endpoint-scale-invocations-per-instance\n      ~ target_value       = 6 -> 500\n      ~ metric             = \"concurrent_requests_per_model\" -> \"invocations_per_instance\"\n        # (6 unchanged attributes hidden)\n  ~ scaling_policy.chat/cpu/endpoint-scale-invocations-per-instance\n      ~ target_value       = 160 -> 140\n        # (7 unchanged attributes hidden)\n\nPlan: 0 to create, 2 to update, 0 to replace, 0 to delete.\n",
            account.id
        )
    );
    apply(&account, &switched).code(0);
    run(&account, &["diff", switched.arg()]).code(0);
}

#[tokio::test]
async fn a_customized_metric_changed_in_aws_is_drift() {
    let account = emulator().account();
    let spec = applied(&account).await;
    let dimension = |name: &str, value: &str| MetricDimension::builder().name(name).value(value).build().unwrap();
    let metric = CustomizedMetricSpecification::builder()
        .metric_name("CPUUtilization")
        .namespace("/aws/sagemaker/Endpoints")
        .dimensions(dimension("EndpointName", "chat"))
        .dimensions(dimension("VariantName", "rps"))
        .statistic(MetricStatistic::Average)
        .unit("Percent")
        .build();
    account
        .autoscaling()
        .await
        .put_scaling_policy()
        .policy_name("endpoint-scale-invocations-per-instance")
        .service_namespace(ServiceNamespace::Sagemaker)
        .resource_id("endpoint/chat/variant/cpu")
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .policy_type(PolicyType::TargetTrackingScaling)
        .target_tracking_scaling_policy_configuration(
            TargetTrackingScalingPolicyConfiguration::builder()
                .target_value(140.0)
                .customized_metric_specification(metric)
                .scale_in_cooldown(300)
                .scale_out_cooldown(300)
                .disable_scale_in(false)
                .build()
                .unwrap(),
        )
        .send()
        .await
        .unwrap();
    let out = run(&account, &["diff", spec.arg()]).code(2);
    assert_eq!(
        out.stdout,
        "~ scaling_policy.chat/cpu/endpoint-scale-invocations-per-instance\n    metric.customized.dimensions[VariantName].value: live \"rps\", spec \"cpu\"\n"
    );
    assert_eq!(plan_operations(&account, &spec), ["PutScalingPolicy"]);
    apply(&account, &spec).code(0);
    run(&account, &["diff", spec.arg()]).code(0);
}

#[test]
fn simulate_needs_request_seconds_for_concurrency_and_refuses_a_customized_metric() {
    let spec = TempSpec::new("metrics.yaml", SPEC);
    let out = es(["simulate", spec.arg(), "--traffic", "synthetic:days=1"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!("error: {}: variant chat/streams scales on concurrent requests per model: give --request-seconds S, the mean seconds one request takes (from a load test or the ModelLatency metric), so the simulator can turn the traffic into concurrency (requests per second x seconds per request)\n", spec.arg())
    );
    // With it (and a load-tested capacity), the concurrency variant is modelled; the customized
    // one is still refused.
    let spec = TempSpec::new(
        "metrics.yaml",
        SPEC.replace("      - name: streams\n", "      - name: streams\n        max_rps_per_instance: 10\n"),
    );
    let out = es(["simulate", spec.arg(), "--traffic", "synthetic:days=1", "--request-seconds", "0.5"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!("error: {}: variant chat/cpu scales on /aws/sagemaker/Endpoints CPUUtilization (Average): simulate models target tracking on invocations per instance and on concurrent requests per model only, and would show this policy wrongly; to compare capacity and cost, simulate a copy of the spec that scales this variant on one of them (`autoscaling.metric`, with `max_rps_per_instance` from a load test), knowing the real policy reacts differently\n", spec.arg())
    );
}
