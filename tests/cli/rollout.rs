//! Rollouts: the DeploymentConfig UpdateEndpoint will send and the PutMetricAlarm requests of
//! owned alarms, built by the library from specs, are valid requests for the botocore models.

use endpoint_scale::diagnostic::Source;
use endpoint_scale::resources::{alarm_resources, deployment_config};

use crate::harness::root;
use crate::render::check_against_botocore;

/// The UpdateEndpoint and PutMetricAlarm calls of every endpoint of `text`, as `render` prints
/// calls.
fn calls(text: &str) -> Vec<serde_json::Value> {
    let spec = endpoint_scale::spec::parse(&Source::new("spec.yaml", text)).unwrap();
    let desired = endpoint_scale::validate::validate(&spec).desired.unwrap();
    let mut out = Vec::new();
    for e in &desired.endpoints {
        let rollout = e.rollout.as_ref().unwrap();
        out.push(serde_json::json!({"service": "sagemaker", "operation": "UpdateEndpoint", "input": {
            "EndpointName": e.name,
            "EndpointConfigName": format!("{}-0a1b2c3d", e.name),
            "RetainAllVariantProperties": true,
            "DeploymentConfig": deployment_config(rollout),
        }}));
        for alarm in alarm_resources(&desired.project, e) {
            out.push(serde_json::json!({"service": "cloudwatch", "operation": "PutMetricAlarm", "input": alarm.put_metric_alarm_input()}));
        }
    }
    out
}

#[test]
fn deployment_configs_and_owned_alarms_are_valid_requests() {
    let example = std::fs::read_to_string(root().join("examples/rollout-canary.yaml")).unwrap();
    let mut all = calls(&example);
    assert_eq!(all.len(), 2);
    let rollouts = [
        "strategy: all_at_once\n      bake: 0s",
        "strategy: linear\n      linear_step: 25%\n      bake: 1h\n      termination_wait: 1h\n      max_execution_time: 8h",
        "strategy: rolling\n      batch_size: 1\n      rollback_batch_size: 100%\n      bake: 5m\n      max_execution_time: 10m1s",
    ];
    for rollout in rollouts {
        let text = format!(
            "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {{existing: m}}\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n        initial_instance_count: 2\n    rollout:\n      {rollout}\n      rollback_alarms:\n        - name: e-latency\n          metric: ModelLatency\n          statistic: Maximum\n          comparison: \">=\"\n          threshold: 250000\n          period: 10s\n"
        );
        all.extend(calls(&text));
    }
    let report = check_against_botocore(&serde_json::to_string(&all).unwrap());
    assert!(report.starts_with("8 calls valid against botocore "), "{report}");
}

/// The calls view itself (what `render` prints and `apply` sends): the owned alarm's
/// PutMetricAlarm in the rendered spec, and the rollout's UpdateEndpoint, TagResource,
/// UntagResource and DeleteAlarms as the plan's steps render them.
#[test]
fn the_calls_view_of_rollout_steps_passes_the_botocore_check() {
    use endpoint_scale::plan::Step;
    use endpoint_scale::render::calls::step_calls;

    let out = crate::harness::es(["render", "--format", "json", "examples/rollout-canary.yaml"]).run().code(0);
    let rendered: Vec<serde_json::Value> = serde_json::from_str(&out.stdout).unwrap();
    let put: Vec<&serde_json::Value> = rendered.iter().filter(|c| c["operation"] == "PutMetricAlarm").collect();
    assert_eq!(put.len(), 1, "{}", out.stdout);
    assert_eq!(put[0]["service"], "cloudwatch");

    let example = std::fs::read_to_string(root().join("examples/rollout-canary.yaml")).unwrap();
    let spec = endpoint_scale::spec::parse(&Source::new("spec.yaml", &example)).unwrap();
    let desired = endpoint_scale::validate::validate(&spec).desired.unwrap();
    let rollout = desired.endpoints[0].rollout.as_ref().unwrap();
    let tags: endpoint_scale::model::Tags = [("team".to_string(), "ml".to_string())].into();
    let arn = "arn:aws:cloudwatch:us-east-1:123456789012:alarm:product-recommender-5xx".to_string();
    let steps = [
        Step::UpdateEndpoint {
            endpoint: "product-recommender".into(),
            config: "product-recommender-0a1b2c3d".into(),
            deployment: Some(deployment_config(rollout)),
        },
        Step::TagAlarm {
            endpoint: "product-recommender".into(),
            name: "product-recommender-5xx".into(),
            arn,
            add: tags,
            remove: vec!["owner".into()],
        },
        Step::DeleteAlarms { endpoint: "product-recommender".into(), names: vec!["product-recommender-5xx".into()] },
    ];
    let mut calls: Vec<serde_json::Value> = put.into_iter().cloned().collect();
    for step in &steps {
        calls.extend(step_calls(step).into_iter().map(|c| serde_json::to_value(c).unwrap()));
    }
    let operations: Vec<&str> = calls.iter().map(|c| c["operation"].as_str().unwrap()).collect();
    assert_eq!(operations, ["PutMetricAlarm", "UpdateEndpoint", "TagResource", "UntagResource", "DeleteAlarms"]);
    assert_eq!(
        calls[1]["input"]["DeploymentConfig"]["BlueGreenUpdatePolicy"]["TrafficRoutingConfiguration"]["Type"],
        "CANARY"
    );
    let report = check_against_botocore(&serde_json::to_string(&calls).unwrap());
    assert!(report.starts_with("5 calls valid against botocore "), "{report}");
}
