//! `--target ENDPOINT` on plan, apply, diff and destroy, against the emulator: only the named
//! endpoints are read and changed, the clean-up of unused configs and models stays within them,
//! and a saved plan keeps its targets.

use serde_json::json;

use crate::emulator::{emulator, Account};
use crate::harness::{TempDir, TempSpec};
use crate::live::{planned, run, FAST};

pub(crate) const TWO: &str = "version: 1
project: shop
region: us-east-1
endpoints:
  - name: alpha
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/alpha:1
      execution_role_arn: arn:aws:iam::123456789012:role/R
    variants:
      - name: main
        instance_type: ml.m5.large
        initial_instance_count: 1
  - name: beta
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/beta:1
      execution_role_arn: arn:aws:iam::123456789012:role/R
    variants:
      - name: main
        instance_type: ml.m5.large
        initial_instance_count: 1
";

/// Both endpoints' images changed: each gets a new model and config.
pub(crate) fn two_v2() -> String {
    TWO.replace("alpha:1", "alpha:2").replace("beta:1", "beta:2")
}

fn apply_args<'a>(spec: &'a TempSpec, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec!["apply", spec.arg(), "--auto-approve"];
    args.extend(FAST);
    args.extend(extra);
    args
}

/// The endpoints DescribeEndpoint was asked about, from the --debug log.
fn described(stderr: &str) -> Vec<String> {
    let mut names: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains("operation=DescribeEndpoint "))
        .filter_map(|l| l.split("resource=\"endpoint ").nth(1)?.split('"').next().map(str::to_string))
        .collect();
    names.sort();
    names.dedup();
    names
}

fn warning(names: &str) -> String {
    format!(
        "Warning: limited by --target to {names}: the spec's other endpoints were not read from AWS, and this run shows nothing of them.\n"
    )
}

#[test]
fn a_targeted_run_reads_plans_and_applies_only_the_named_endpoint() {
    let account = emulator().account();
    let spec = TempSpec::new("shop.yaml", TWO);

    let out = run(&account, &["plan", spec.arg(), "--target", "beta", "--debug"]).code(0);
    assert_eq!(described(&out.stderr), ["beta"]);
    assert!(out.stdout.starts_with(&format!(
        "{}\nendpoint-scale plan for project \"shop\" (account {}, region us-east-1)\n",
        warning("endpoint beta"),
        account.id
    )));
    assert!(out.stdout.contains("\nendpoint beta\n") && !out.stdout.contains("alpha"), "{}", out.stdout);
    assert!(out.stdout.ends_with("Plan: 3 to create, 0 to update, 0 to replace, 0 to delete.\n"), "{}", out.stdout);
    let doc: serde_json::Value = serde_json::from_str(
        &run(&account, &["plan", spec.arg(), "--target", "beta", "--output", "json"]).code(0).stdout,
    )
    .unwrap();
    assert_eq!(doc["targets"], json!(["beta"]));
    assert_eq!(doc["summary"]["create"], 3);

    let out = run(&account, &apply_args(&spec, &["--target", "alpha", "--debug"])).code(0);
    assert_eq!(described(&out.stderr), ["alpha"]);
    assert!(out.stdout.ends_with("Apply complete: 1 endpoint changed.\n"), "{}", out.stdout);
    // beta was left alone: only an untargeted diff sees it missing.
    let diff = run(&account, &["diff", spec.arg(), "--target", "alpha"]).code(0);
    assert_eq!(
        diff.stdout,
        format!("{}In sync: AWS matches the spec for the targeted endpoints.\n", warning("endpoint alpha"))
    );
    let diff = run(&account, &["diff", spec.arg(), "--target", "beta"]).code(2);
    assert_eq!(
        diff.stdout,
        format!(
            "{}+ model.{}: in the spec, missing in AWS\n+ endpoint_config.{}: in the spec, missing in AWS\n+ endpoint.beta: in the spec, missing in AWS\n",
            warning("endpoint beta"),
            name_of(&account, &spec, "beta", "model"),
            name_of(&account, &spec, "beta", "endpoint_config"),
        )
    );
    let plan = run(&account, &["plan", spec.arg(), "--target", "alpha", "--detailed-exitcode"]).code(0);
    assert_eq!(
        plan.stdout,
        format!(
            "{}\nNo changes. The targeted endpoints of project \"shop\" match the spec (account {}, region us-east-1).\n",
            warning("endpoint alpha"),
            account.id
        )
    );

    // destroy --target deletes only the named endpoint's resources.
    run(&account, &apply_args(&spec, &[])).code(0);
    let out = run(&account, &["destroy", spec.arg(), "--target", "beta", "--auto-approve", "--poll-interval", "50ms"])
        .code(0);
    assert!(out.stdout.starts_with(&warning("endpoint beta")), "{}", out.stdout);
    assert!(!out.stdout.contains("alpha"), "{}", out.stdout);
    assert_eq!(planned(&account, &spec), planned_creates(&account, &spec, "beta"));
}

/// What the plan of `endpoint` alone creates, as "action address".
fn planned_creates(account: &Account, spec: &TempSpec, endpoint: &str) -> Vec<String> {
    ["model", "endpoint_config"]
        .iter()
        .map(|kind| format!("create {kind}.{}", name_of(account, spec, endpoint, kind)))
        .chain([format!("create endpoint.{endpoint}")])
        .collect()
}

/// The derived name of `endpoint`'s model or endpoint config in the plan of `spec`.
fn name_of(account: &Account, spec: &TempSpec, endpoint: &str, kind: &str) -> String {
    let out = run(account, &["plan", spec.arg(), "--offline", "--output", "json"]).code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["endpoint"] == endpoint && c["type"] == kind)
        .and_then(|c| c["name"].as_str())
        .unwrap()
        .to_string()
}

#[test]
fn the_clean_up_of_unused_configs_and_models_stays_within_the_targets() {
    let account = emulator().account();
    let v1 = TempSpec::new("shop.yaml", TWO);
    let v2 = TempSpec::new("shop.yaml", two_v2());
    run(&account, &apply_args(&v1, &[])).code(0);
    // v2's models and configs are created, then both updates fail: all four are left unused.
    account.inject(json!({"operation": "UpdateEndpoint", "fault": "500", "count": 2}));
    run(&account, &apply_args(&v2, &["--max-attempts", "1"])).code(1);
    let left = |endpoint: &str| {
        vec![
            format!("delete endpoint_config.{}", name_of(&account, &v2, endpoint, "endpoint_config")),
            format!("delete model.{}", name_of(&account, &v2, endpoint, "model")),
        ]
    };
    let mut both = left("alpha");
    both.extend(left("beta"));
    assert_eq!(planned(&account, &v1), both);
    let targeted = run(&account, &["plan", v1.arg(), "--target", "alpha", "--output", "json"]).code(0);
    let doc: serde_json::Value = serde_json::from_str(&targeted.stdout).unwrap();
    let deletes: Vec<String> = doc["resource_changes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["change"]["actions"] == json!(["delete"]))
        .map(|c| format!("delete {}", c["address"].as_str().unwrap()))
        .collect();
    assert_eq!(deletes, left("alpha"));
    run(&account, &apply_args(&v1, &["--target", "alpha"])).code(0);
    assert_eq!(planned(&account, &v1), left("beta"));
}

#[test]
fn unknown_targets_and_target_with_prune_are_refused() {
    let account = emulator().account();
    let spec = TempSpec::new("shop.yaml", TWO);
    let out = run(&account, &["plan", spec.arg(), "--target", "alpah"]).code(1);
    assert_eq!(
        out.stderr,
        "error: --target alpah: the spec has no endpoint of that name (did you mean `alpha`?); its endpoints are alpha, beta\n"
    );
    assert_eq!(out.stdout, "");
    let out = run(&account, &["destroy", spec.arg(), "--target", "gamma", "--auto-approve"]).code(1);
    assert_eq!(
        out.stderr,
        "error: --target gamma: the spec has no endpoint of that name; its endpoints are alpha, beta\n"
    );
    let out = run(&account, &["apply", spec.arg(), "--target", "alpha", "--prune", "--auto-approve"]).code(1);
    assert_eq!(
        out.stderr,
        "error: --target and --prune cannot be combined: --prune deletes endpoints that left the spec, and --target names endpoints of the spec. Run the targeted command without --prune, then the prune on its own\n"
    );
    // Nothing was read: the spec is checked first.
    assert_eq!(account.operations(), Vec::<String>::new());
}

#[test]
fn a_saved_plan_keeps_its_targets_and_apply_honours_them() {
    let account = emulator().account();
    let v1 = TempSpec::new("shop.yaml", TWO);
    let v2 = TempSpec::new("shop.yaml", two_v2());
    run(&account, &apply_args(&v1, &[])).code(0);
    let dir = TempDir::new();
    let file = dir.path.join("alpha.plan");
    let file = file.to_str().unwrap();
    run(&account, &["plan", v2.arg(), "--target", "alpha", "--out", file]).code(0);
    let saved: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    assert_eq!(saved["targets"], json!(["alpha"]));

    let out = run(&account, &["apply", file, "--target", "beta", "--auto-approve"]).code(1);
    assert_eq!(
        out.stderr,
        "error: --target does not apply to a saved plan: the plan keeps the targets it was made with (`endpoint-scale show FILE` lists them); make a new plan with `plan --target ... --out FILE`\n"
    );
    // Widening the targets in the file breaks its digest.
    let widened = std::fs::read_to_string(file).unwrap().replace("\"alpha\"\n  ]", "\"alpha\",\n    \"beta\"\n  ]");
    let wide = dir.path.join("wide.plan");
    std::fs::write(&wide, widened).unwrap();
    let out = run(&account, &["apply", wide.to_str().unwrap(), "--auto-approve"]).code(1);
    assert!(out.stderr.contains("its digest does not match its contents"), "{}", out.stderr);

    let mut args = vec!["apply", file, "--auto-approve"];
    args.extend(FAST);
    let out = run(&account, &args).code(0);
    assert!(out.stdout.starts_with(&warning("endpoint alpha")), "{}", out.stdout);
    assert!(out.stdout.ends_with("Apply complete: 1 endpoint changed.\n"), "{}", out.stdout);
    // Only alpha moved to v2: beta's change is still to do.
    let rest: Vec<String> = planned(&account, &v2);
    assert!(!rest.is_empty() && rest.iter().all(|c| c.contains("beta")), "{rest:?}");
}
