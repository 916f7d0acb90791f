use crate::harness::{assert_expected, es, root, spec_with_variant, TempSpec};

fn yaml_files(dir: &str) -> Vec<String> {
    let mut files: Vec<String> = std::fs::read_dir(root().join(dir))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "yaml"))
        .map(|p| p.strip_prefix(root()).unwrap().to_str().unwrap().to_string())
        .collect();
    files.sort();
    files
}

#[test]
fn every_example_is_valid() {
    let mut files = yaml_files("examples");
    files.extend(yaml_files("examples/study"));
    assert!(files.len() >= 4, "{files:?}");
    for file in files {
        let out = es(["validate", file.as_str()]).run().code(0);
        assert!(out.stdout.starts_with(&format!("{file}: valid (")), "{}", out.stdout);
        assert_eq!(out.stderr, "");
    }
}

#[test]
fn every_invalid_example_fails_with_its_expected_message() {
    let files = yaml_files("examples/invalid");
    assert!(files.len() >= 15, "{files:?}");
    for file in files {
        let out = es(["validate", file.as_str()]).run().code(1);
        assert_eq!(out.stdout, "", "{file}");
        assert_expected(file.replace(".yaml", ".expected"), &out.stderr);
    }
}

#[test]
fn all_shape_errors_are_reported_at_once() {
    let spec = TempSpec::new(
        "spec.yaml",
        "version: 1\nproject: demo\nendpoints:\n  - name: demo\n    modle:\n      existing: m\n    variants:\n      - name: main\n        initial_instance_count: [1]\n",
    );
    let out = es(["validate", spec.arg()]).run().code(1);
    let p = spec.arg();
    assert_eq!(
        out.stderr,
        format!(
            "error: unknown key `modle` in endpoint
  --> {p}:5:5
  |
5 |     modle:
  |     ^^^^^ unknown key
  |
  = help: did you mean `model`?

error: missing key `instance_type` in variant
  --> {p}:8:9
  |
8 |       - name: main
  |         ^^^^ this variant has no `instance_type`
  |
  = help: add `instance_type:` (SageMaker hosting instance type, for example `ml.c5.xlarge`)

error: `initial_instance_count` must be a whole number, found a list
  --> {p}:9:33
  |
9 |         initial_instance_count: [1]
  |                                 ^^^ expected a whole number

error: spec {p} is invalid: 3 errors, 0 warnings
"
        )
    );
}

#[test]
fn all_meaning_errors_are_reported_at_once() {
    let spec = TempSpec::new(
        "spec.yaml",
        "version: 1\nproject: demo\nendpoints:\n  - name: my_endpoint\n    model:\n      existing: m\n    variants:\n      - name: main\n        instance_type: ml.t3.large\n        autoscaling:\n          min: 3\n          max: 2\n          target:\n            invocations_per_instance: 100\n",
    );
    let out = es(["validate", spec.arg()]).run().code(1);
    let errors: Vec<&str> = out.stderr.lines().filter(|l| l.starts_with("error: ")).collect();
    assert_eq!(
        errors,
        [
            "error: endpoint name `my_endpoint` is not a valid SageMaker name",
            "error: `ml.t3.large` is not a SageMaker hosting instance type",
            "error: autoscaling `min` (3) is greater than `max` (2)",
            &format!("error: spec {} is invalid: 3 errors, 0 warnings", spec.arg()),
        ]
    );
}

#[test]
fn warnings_pass_unless_strict() {
    let spec = TempSpec::new(
        "spec.yaml",
        spec_with_variant(
            "ml.c5.large",
            "        initial_instance_count: 6\n        autoscaling:\n          min: 1\n          max: 4\n          target:\n            invocations_per_instance: 600\n",
        ),
    );
    let p = spec.arg();
    let warning = format!(
        "warning: `initial_instance_count` 6 is outside autoscaling's range [1, 4]
   --> {p}:10:33
   |
10 |         initial_instance_count: 6
   |                                 ^ outside [min, max]
   |
   = help: the endpoint starts with 6 and auto scaling then moves it to 4; set `initial_instance_count` within the range

"
    );
    let out = es(["validate", p]).run().code(0);
    assert_eq!(out.stderr, warning);
    assert_eq!(out.stdout, format!("{p}: valid (1 endpoint, 1 variant, 0 scheduled actions) with 1 warning\n"));
    let strict = es(["validate", "--strict", p]).run().code(1);
    assert_eq!(strict.stderr, format!("{warning}error: spec {p} is invalid: 0 errors, 1 warning\n"));
}

#[test]
fn burstable_rule_can_be_switched_off_by_name() {
    let original = std::fs::read_to_string(root().join("examples/invalid/burstable-autoscaling.yaml")).unwrap();
    es(["validate", "examples/invalid/burstable-autoscaling.yaml"]).run().code(1);
    let switched_off = original.replace("project: demo\n", "project: demo\ndisable_rules: [burstable-autoscaling]\n");
    assert_ne!(switched_off, original);
    let spec = TempSpec::new("spec.yaml", switched_off);
    let out = es(["validate", spec.arg()]).run().code(0);
    assert_eq!(out.stderr, "");
}

#[test]
fn t3_is_refused_even_without_autoscaling() {
    let spec = TempSpec::new("spec.yaml", spec_with_variant("ml.t3.medium", ""));
    let out = es(["validate", spec.arg()]).run().code(1);
    assert!(out.stderr.contains("the burstable family for hosting is ml.t2"), "{}", out.stderr);
    assert!(out.stderr.contains("did you mean `ml.t2.medium`?"), "{}", out.stderr);
}

#[test]
fn schedule_bound_conflicts_warn() {
    let spec = TempSpec::new(
        "spec.yaml",
        spec_with_variant(
            "ml.c5.large",
            "        max_rps_per_instance: 10\n        autoscaling:\n          min: 1\n          max: 4\n          schedules:\n            - name: peak\n              schedule: cron(0 8 ? * MON-FRI *)\n              min: 6\n",
        ),
    );
    let out = es(["validate", spec.arg()]).run().code(0);
    assert!(
        out.stderr.starts_with("warning: schedule `peak` raises `min` to 6 but leaves `max` at the policy's 4\n"),
        "{}",
        out.stderr
    );
    assert!(out.stderr.contains("help: also set `max: 6` (or more) in this schedule"), "{}", out.stderr);
}

#[test]
fn json_output_lists_diagnostics_with_positions() {
    let out = es(["validate", "--output", "json", "examples/invalid/unknown-key.yaml"]).run().code(1);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["valid"], false);
    assert_eq!(doc["errors"], 1);
    assert_eq!(
        doc["diagnostics"][0],
        serde_json::json!({
            "severity": "error",
            "message": "unknown key `initial_instance_cout` in variant",
            "line": 11,
            "column": 9,
            "help": ["did you mean `initial_instance_count`?"]
        })
    );
}

#[test]
fn a_missing_file_is_one_clear_line() {
    let out = es(["validate", "no/such/spec.yaml"]).run().code(1);
    assert_eq!(out.stderr, "error: cannot read no/such/spec.yaml: No such file or directory (os error 2)\n");
}

#[test]
fn an_empty_model_points_at_its_owner() {
    let spec = TempSpec::new(
        "spec.yaml",
        "version: 1\nproject: demo\nendpoints:\n  - name: demo\n    model: {}\n    variants:\n      - name: main\n        instance_type: ml.c5.large\n",
    );
    let out = es(["validate", spec.arg()]).run().code(1);
    assert!(
        out.stderr.starts_with(&format!(
            "error: a model needs either `existing` (a model that exists) or `image` (one endpoint-scale creates)\n  --> {}:4:11\n",
            spec.arg()
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn zero_instances_is_a_shape_error_editors_also_see() {
    let spec = TempSpec::new("spec.yaml", spec_with_variant("ml.c5.large", "        initial_instance_count: 0\n"));
    let out = es(["validate", spec.arg()]).run().code(1);
    assert!(
        out.stderr
            .starts_with("error: `initial_instance_count` must be a whole number from 1 to 4294967295, found `0`\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn usage_errors_exit_1_not_2() {
    // 2 is reserved for "changes" (`plan --detailed-exitcode`).
    let out = es(["frobnicate"]).run().code(1);
    assert!(out.stderr.starts_with("error: unrecognized subcommand 'frobnicate'"), "{}", out.stderr);
    es(["--help"]).run().code(0);
}
