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

/// The month-start trap of docs/spec.md: weekday actions fire inside the month-start raise.
const MONTH_START_TRAP: &str = "        max_rps_per_instance: 20
        autoscaling:
          min: 1
          max: 8
          schedules:
            - name: month-start-raise
              schedule: cron(0 6 1 * ? *)
              timezone: America/New_York
              min: 6
            - name: month-start-lower
              schedule: cron(0 20 1 * ? *)
              timezone: America/New_York
              min: 1
            - name: weekday-raise
              schedule: cron(30 7 ? * MON-FRI *)
              timezone: America/New_York
              min: 4
            - name: weekday-lower
              schedule: cron(0 18 ? * MON-FRI *)
              timezone: America/New_York
              min: 1
";

#[test]
fn an_action_that_cuts_short_another_raise_warns_with_the_first_date() {
    let spec = TempSpec::new("spec.yaml", spec_with_variant("ml.c5.large", MONTH_START_TRAP));
    let p = spec.arg();
    let warnings = format!(
        "warning: schedule `weekday-raise` cuts short `month-start-raise`: on 2027-01-01 at 07:30 (America/New_York) it sets `min` to 4 while `month-start-raise` holds it at 6 from 06:00 until `month-start-lower` at 20:00
   --> {p}:26:20
   |
26 |               min: 4
   |                    ^ lowers the `min` of `month-start-raise`
   |
   = help: scheduled actions overwrite each other's bounds, the last to fire wins; this happens 10 times in the year from 2027-01-01 00:00 UTC. Give `weekday-raise` a schedule that skips the days of `month-start-raise`, set its `min` to 6 or more, or move `month-start-raise` and `month-start-lower` so that `weekday-raise` does not fire between them

warning: schedule `weekday-lower` cuts short `month-start-raise`: on 2027-01-01 at 18:00 (America/New_York) it sets `min` to 1 while `month-start-raise` holds it at 6 from 06:00 until `month-start-lower` at 20:00
   --> {p}:30:20
   |
30 |               min: 1
   |                    ^ lowers the `min` of `month-start-raise`
   |
   = help: scheduled actions overwrite each other's bounds, the last to fire wins; this happens 10 times in the year from 2027-01-01 00:00 UTC. Give `weekday-lower` a schedule that skips the days of `month-start-raise`, set its `min` to 6 or more, or move `month-start-raise` and `month-start-lower` so that `weekday-lower` does not fire between them

"
    );
    let out = es(["validate", p]).run().code(0);
    assert_eq!(out.stderr, warnings);
    assert_eq!(out.stdout, format!("{p}: valid (1 endpoint, 1 variant, 4 scheduled actions) with 2 warnings\n"));
    let strict = es(["validate", "--strict", p]).run().code(1);
    assert_eq!(strict.stderr, format!("{warnings}error: spec {p} is invalid: 0 errors, 2 warnings\n"));

    // The fix examples/recommender.yaml uses: the month-start raise fires after the weekday raise
    // and ends with the weekday lowering. No warning.
    let fixed = MONTH_START_TRAP
        .replace("cron(0 6 1 * ? *)", "cron(45 7 1 * ? *)")
        .replace("cron(0 20 1 * ? *)", "cron(0 18 1 * ? *)");
    let spec = TempSpec::new("spec.yaml", spec_with_variant("ml.c5.large", &fixed));
    let out = es(["validate", spec.arg()]).run().code(0);
    assert_eq!(out.stderr, "");
}

#[test]
fn local_times_a_clock_change_skips_or_repeats_warn() {
    let spec = TempSpec::new(
        "spec.yaml",
        spec_with_variant(
            "ml.c5.large",
            "        max_rps_per_instance: 20
        autoscaling:
          min: 1
          max: 4
          schedules:
            - name: sunday-batch
              schedule: cron(30 2 ? * SUN *)
              timezone: America/Chicago
              min: 3
            - name: sunday-batch-end
              schedule: cron(30 1 ? * SUN *)
              timezone: America/Chicago
              min: 1
",
        ),
    );
    let p = spec.arg();
    let out = es(["validate", p]).run().code(0);
    assert_eq!(
        out.stderr,
        format!(
            "warning: schedule `sunday-batch` is due at 02:30 local time, which America/Chicago skips on 2027-03-14: clocks go forward from 02:00 to 03:00
   --> {p}:16:25
   |
16 |               schedule: cron(30 2 ? * SUN *)
   |                         ^^^^^^^^^^^^^^^^^^^^ skipped on 2027-03-14
   |
   = help: AWS does not document when, or whether, an action runs at a local time that a clock change skips; schedule it outside 02:00-03:00

warning: schedule `sunday-batch-end` is due at 01:30 local time, which happens twice in America/Chicago on 2027-11-07: clocks go back from 02:00 to 01:00
   --> {p}:20:25
   |
20 |               schedule: cron(30 1 ? * SUN *)
   |                         ^^^^^^^^^^^^^^^^^^^^ repeated on 2027-11-07
   |
   = help: AWS does not document whether an action at a repeated local time runs once or twice; schedule it outside 01:00-02:00

"
        )
    );
    assert_eq!(out.stdout, format!("{p}: valid (1 endpoint, 1 variant, 2 scheduled actions) with 2 warnings\n"));
}

/// A tab is reported where it is (the YAML scanner points past it, or at the scalar before it),
/// and the help says what to do.
#[test]
fn a_tab_is_reported_at_its_own_line_and_column() {
    for (text, line, column) in [
        ("version: 1\nproject: demo\nendpoints:\n  - name: demo\n    variants:\n\t- name: main\n", 6, 1),
        ("version: 1\nproject: demo\nendpoints:\n  - name: demo\n    variants:\n    \t- name: main\n", 6, 5),
        ("version: 1\nproject: demo\nendpoints:\n  - name: demo\n\tvariants: []\n", 5, 1),
    ] {
        let spec = TempSpec::new("tab.yaml", text);
        let out = es(["validate", "--output", "json", spec.arg()]).run().code(1);
        let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
        let d = &doc["diagnostics"][0];
        assert_eq!((d["line"].as_u64(), d["column"].as_u64()), (Some(line), Some(column)), "{text:?}");
        assert_eq!(d["help"][0], "indent with spaces: YAML does not allow tabs in indentation");
    }
    let spec = TempSpec::new("tab.yaml", "version: 1\nproject: demo\nendpoints:\n  - name: demo\n\tvariants: []\n");
    let out = es(["validate", spec.arg()]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: invalid YAML: while scanning a plain scalar, found a tab\n  --> {0}:5:1\n  |\n5 |     variants: []\n  | ^^^^ tab\n  |\n  = help: indent with spaces: YAML does not allow tabs in indentation\n\nerror: spec {0} is invalid: 1 error, 0 warnings\n",
            spec.arg()
        )
    );
}

#[test]
fn an_instance_type_in_upper_case_gets_the_lower_case_one() {
    let spec = TempSpec::new("upper.yaml", spec_with_variant("ML.C5.XLARGE", ""));
    let out = es(["validate", spec.arg()]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: `ML.C5.XLARGE` is not a SageMaker hosting instance type\n  --> {0}:9:24\n  |\n9 |         instance_type: ML.C5.XLARGE\n  |                        ^^^^^^^^^^^^ not a hosting instance type\n  |\n  = help: instance types are written in lower case: did you mean `ml.c5.xlarge`?\n\nerror: spec {0} is invalid: 1 error, 0 warnings\n",
            spec.arg()
        )
    );
}
