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
