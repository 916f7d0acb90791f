use std::process::{Command, Stdio};

use serde_json::Value;

use crate::harness::{es, root, TempSpec};

const TWO_ENDPOINTS: &str = "version: 1
project: demo
endpoints:
  - name: alpha
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/alpha:1
      execution_role_arn: arn:aws:iam::123456789012:role/Alpha
    variants:
      - name: main
        instance_type: ml.c5.large
        max_rps_per_instance: 20
        autoscaling:
          min: 1
          max: 4
  - name: beta
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/beta:1
      execution_role_arn: arn:aws:iam::123456789012:role/Beta
    variants:
      - name: blue
        instance_type: ml.m5.large
      - name: green
        instance_type: ml.m5.large
        initial_weight: 0.1
";

fn render_json(spec: &str) -> Value {
    let out = es(["render", spec]).run().code(0);
    serde_json::from_str(&out.stdout).unwrap()
}

/// Paths of the leaves where two JSON documents differ.
fn differences(a: &Value, b: &Value, path: String, out: &mut Vec<String>) {
    match (a, b) {
        (Value::Object(x), Value::Object(y)) => {
            for k in x.keys().chain(y.keys().filter(|k| !x.contains_key(*k))) {
                differences(
                    x.get(k).unwrap_or(&Value::Null),
                    y.get(k).unwrap_or(&Value::Null),
                    format!("{path}.{k}"),
                    out,
                );
            }
        }
        (Value::Array(x), Value::Array(y)) if x.len() == y.len() => {
            for (i, (p, q)) in x.iter().zip(y).enumerate() {
                differences(p, q, format!("{path}[{i}]"), out);
            }
        }
        _ if a != b => out.push(path),
        _ => {}
    }
}

/// Every spec the project ships, to run a check over all of them.
fn example_specs() -> Vec<String> {
    let mut specs = Vec::new();
    for dir in ["examples", "examples/study"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "yaml") {
                specs.push(path.strip_prefix(root()).unwrap().to_str().unwrap().to_string());
            }
        }
    }
    specs.sort();
    assert!(specs.len() >= 4, "{specs:?}");
    specs
}

#[test]
fn render_is_the_offline_plan_call_for_call() {
    for spec in example_specs() {
        let calls = render_json(&spec);
        let rendered: Vec<&str> = calls.as_array().unwrap().iter().map(|c| c["operation"].as_str().unwrap()).collect();
        let plan: Value =
            serde_json::from_str(&es(["plan", "--offline", "--output", "json", &spec]).run().code(0).stdout).unwrap();
        let planned: Vec<String> = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["operations"].as_array().unwrap().iter())
            .map(|o| o["operation"].as_str().unwrap().to_string())
            .filter(|op| !op.starts_with("Wait"))
            .collect();
        assert_eq!(rendered, planned, "{spec}");
        // The shell script runs the same calls, with the plan's waits between them.
        let shell = es(["render", "--format", "shell", &spec]).run().code(0).stdout;
        let commands: Vec<&str> = shell.lines().filter(|l| l.starts_with("aws ")).collect();
        let waits = plan["steps"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|s| s["operations"].as_array().unwrap().iter())
            .filter(|o| o["operation"] == "WaitInService")
            .count();
        assert_eq!(commands.len(), rendered.len() + waits, "{spec}");
    }
}

#[test]
fn rendering_twice_is_byte_identical() {
    let first = es(["render", "examples/recommender.yaml"]).run().code(0);
    let second = es(["render", "examples/recommender.yaml"]).run().code(0);
    assert_eq!(first.stdout, second.stdout);
    let shell1 = es(["render", "--format", "shell", "examples/recommender.yaml"]).run().code(0);
    let shell2 = es(["render", "--format", "shell", "examples/recommender.yaml"]).run().code(0);
    assert_eq!(shell1.stdout, shell2.stdout);
}

#[test]
fn changing_one_variant_field_renames_only_that_endpoints_config() {
    let before = TempSpec::new("before.yaml", TWO_ENDPOINTS);
    let changed = TWO_ENDPOINTS.replacen(
        "      - name: green\n        instance_type: ml.m5.large",
        "      - name: green\n        instance_type: ml.m5.xlarge",
        1,
    );
    assert_ne!(changed, TWO_ENDPOINTS);
    let after = TempSpec::new("after.yaml", changed);
    let (a, b) = (render_json(before.arg()), render_json(after.arg()));
    let mut diffs = Vec::new();
    differences(&a, &b, String::new(), &mut diffs);

    let ops: Vec<&str> = a.as_array().unwrap().iter().map(|c| c["operation"].as_str().unwrap()).collect();
    assert_eq!(
        ops,
        // The plan's order: one endpoint after the other, each as apply runs it.
        [
            "CreateModel",
            "CreateEndpointConfig",
            "CreateEndpoint",
            "RegisterScalableTarget",
            "PutScalingPolicy",
            "CreateModel",
            "CreateEndpointConfig",
            "CreateEndpoint",
        ]
    );
    assert_eq!(
        diffs,
        [
            "[6].input.EndpointConfigName",
            "[6].input.ProductionVariants[1].InstanceType",
            "[7].input.EndpointConfigName",
        ]
    );
    let old = a[6]["input"]["EndpointConfigName"].as_str().unwrap();
    let new = b[6]["input"]["EndpointConfigName"].as_str().unwrap();
    assert!(old.starts_with("beta-") && new.starts_with("beta-") && old != new, "{old} {new}");
    assert_eq!(b[7]["input"]["EndpointConfigName"], new);
}

#[test]
fn counts_and_weights_do_not_rename_configs() {
    // They are runtime properties changed in place (UpdateEndpointWeightsAndCapacities), so a
    // new config for them would be churn.
    let before = TempSpec::new("before.yaml", TWO_ENDPOINTS);
    let after = TempSpec::new("after.yaml", TWO_ENDPOINTS.replace("initial_weight: 0.1", "initial_weight: 0.5"));
    let (a, b) = (render_json(before.arg()), render_json(after.arg()));
    assert_eq!(a[6]["input"]["EndpointConfigName"], b[6]["input"]["EndpointConfigName"]);
    assert_ne!(a[6]["input"]["ProductionVariants"][1], b[6]["input"]["ProductionVariants"][1]);
}

fn python() -> String {
    let out = Command::new(root().join("scripts/python-env"))
        .stderr(Stdio::inherit())
        .output()
        .expect("scripts/python-env creates the test virtualenv (it needs python3 and PyPI)");
    assert!(out.status.success(), "scripts/python-env failed");
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

pub(crate) fn check_against_botocore(calls: &str) -> String {
    use std::io::Write;
    let mut child = Command::new(python())
        .arg(root().join("tests/check_requests.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(calls.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "botocore rejected the rendered calls:\n{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    stdout
}

#[test]
fn rendered_inputs_are_valid_requests_for_the_aws_api_models() {
    let out = es(["render", "examples/recommender.yaml"]).run().code(0);
    let report = check_against_botocore(&out.stdout);
    assert!(report.starts_with("9 calls valid against botocore "), "{report}");

    let spec = TempSpec::new(
        "spec.yaml",
        TWO_ENDPOINTS.replace(
            "          max: 4\n",
            "          max: 4\n          disable_scale_in: true\n          schedules:\n            - name: once\n              schedule: at(2027-01-01T08:00:00)\n              start_time: 2026-12-01T00:00:00Z\n              end_time: 2027-02-01T00:00:00Z\n              min: 2\n              max: 6\n",
        ),
    );
    let out = es(["render", spec.arg()]).run().code(0);
    let report = check_against_botocore(&out.stdout);
    assert!(report.starts_with("9 calls valid against botocore "), "{report}");
}

#[test]
fn the_checker_itself_rejects_a_bad_request() {
    // Guards the test above: a checker that accepts everything would make it pass vacuously.
    let bad = r#"[{"service":"sagemaker","operation":"CreateEndpoint","input":{"EndpointName":"x","Bogus":1}}]"#;
    let mut child = Command::new(python())
        .arg(root().join("tests/check_requests.py"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(bad.as_bytes()).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("Missing required parameter in input: \"EndpointConfigName\""), "{text}");
    assert!(text.contains("Unknown parameter in input: \"Bogus\""), "{text}");
}

#[test]
fn secrets_reach_the_calls_unmasked() {
    let out = es(["render", "examples/recommender.yaml"]).run().code(0);
    assert!(out.stdout.contains("\"FEATURE_STORE_API_TOKEN\": \"fs-7f3a9c1e\""));
    assert!(!out.stdout.contains("(sensitive)"));
}

#[test]
fn shell_script_matches_expected() {
    let out = es(["render", "--format", "shell", "examples/recommender.yaml"]).run().code(0);
    crate::harness::assert_expected("tests/expected/recommender.render.sh", &out.stdout);
}
