//! `apply --output json` and `destroy --output json`: one results document on stdout, built
//! from apply's events, whatever the outcome; never a prompt.

use serde_json::{json, Value};

use crate::emulator::emulator;
use crate::harness::{TempDir, TempSpec};
use crate::live::{plan_operations, recommender, run, FAST};
use crate::target::TWO;

/// The document with every `duration_seconds` checked to be a number and removed (clock time).
fn document(stdout: &str) -> Value {
    let mut doc: Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert!(doc["duration_seconds"].is_number(), "{doc}");
    doc.as_object_mut().unwrap().remove("duration_seconds");
    for e in doc["endpoints"].as_array_mut().unwrap() {
        assert!(e["duration_seconds"].is_number(), "{e}");
        e.as_object_mut().unwrap().remove("duration_seconds");
    }
    doc
}

/// The steps a plan of `spec` would run, as the document lists them (operation, type, name).
fn planned_steps(account: &crate::emulator::Account, spec: &TempSpec, endpoint: &str) -> Vec<Value> {
    let out = run(account, &["plan", spec.arg(), "--output", "json"]).code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let changes = doc["resource_changes"].as_array().unwrap().clone();
    let name = |kind: &str| -> String {
        changes.iter().find(|c| c["endpoint"] == endpoint && c["type"] == kind).unwrap()["name"]
            .as_str()
            .unwrap()
            .to_string()
    };
    let step = |op: &str, kind: &str, name: String| json!({"operation": op, "type": kind, "name": name});
    vec![
        step("CreateModel", "model", name("model")),
        step("CreateEndpointConfig", "endpoint_config", name("endpoint_config")),
        step("CreateEndpoint", "endpoint", endpoint.to_string()),
        step("WaitInService", "endpoint", endpoint.to_string()),
    ]
}

fn record(endpoint: &str, status: &str, planned: usize, steps: Vec<Value>) -> Value {
    json!({
        "endpoint": endpoint,
        "status": status,
        "steps_planned": planned,
        "steps_done": steps,
        "failure_reason": null,
        "error": null,
        "warnings": [],
        "auto_scaling_restored": [],
        "auto_scaling_missing": [],
    })
}

#[test]
fn apply_and_destroy_write_one_document_of_what_was_done() {
    let account = emulator().account();
    let spec = TempSpec::new("shop.yaml", TWO);
    let (alpha, beta) = (planned_steps(&account, &spec, "alpha"), planned_steps(&account, &spec, "beta"));
    let mut args = vec!["apply", spec.arg(), "--auto-approve", "--output", "json"];
    args.extend(FAST);
    let out = run(&account, &args).code(0);
    let header = |command: &str, complete: bool| {
        json!({
            "format_version": "1.0",
            "command": command,
            "project": "shop",
            "account": account.id,
            "region": "us-east-1",
            "targets": [],
            "complete": complete,
        })
    };
    let mut expected = header("apply", true);
    expected["endpoints"] = json!([record("alpha", "succeeded", 4, alpha), record("beta", "succeeded", 4, beta)]);
    expected["totals"] = json!({"endpoints": 2, "succeeded": 2, "failed": 0, "rolled_back": 0, "interrupted": 0, "skipped": 0, "steps_done": 8});
    assert_eq!(document(&out.stdout), expected);
    // The plan and the progress went to stderr, as plain lines (not a terminal).
    assert!(out.stderr.contains("endpoint-scale plan for project \"shop\""), "{}", out.stderr);
    assert!(out.stderr.contains("alpha: done\n") && out.stderr.contains("beta: done\n"), "{}", out.stderr);

    // Nothing to do: a document with no endpoints.
    let out = run(&account, &args).code(0);
    let mut expected = header("apply", true);
    expected["endpoints"] = json!([]);
    expected["totals"] = json!({"endpoints": 0, "succeeded": 0, "failed": 0, "rolled_back": 0, "interrupted": 0, "skipped": 0, "steps_done": 0});
    assert_eq!(document(&out.stdout), expected);

    let out = run(
        &account,
        &["destroy", spec.arg(), "--target", "beta", "--auto-approve", "--output", "json", "--poll-interval", "50ms"],
    )
    .code(0);
    let doc = document(&out.stdout);
    assert_eq!(doc["command"], "destroy");
    assert_eq!(doc["targets"], json!(["beta"]));
    assert_eq!(doc["endpoints"][0]["status"], "succeeded");
    let ops: Vec<&str> = doc["endpoints"][0]["steps_done"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["operation"].as_str().unwrap())
        .collect();
    assert_eq!(ops, ["DeleteEndpoint", "WaitDeleted", "DeleteEndpointConfig", "DeleteModel"]);
}

#[test]
fn a_rolled_back_update_and_a_failed_call_are_reported_with_their_reasons() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", recommender());
    run(&account, &["apply", v1.arg(), "--auto-approve", "--poll-interval", "50ms"]).code(0);
    let bigger = TempSpec::new("r.yaml", recommender().replace("ml.c5.xlarge", "ml.c5.2xlarge"));
    let operations = plan_operations(&account, &bigger);
    account.fail_next_update("product-recommender", "the new instance type failed its health check");
    let mut args = vec!["apply", bigger.arg(), "--auto-approve", "--output", "json"];
    args.extend(FAST);
    let out = run(&account, &args).code(1);
    let doc = document(&out.stdout);
    let endpoint = &doc["endpoints"][0];
    assert_eq!(endpoint["status"], "rolled_back");
    assert_eq!(endpoint["failure_reason"], "the new instance type failed its health check");
    assert!(
        endpoint["error"].as_str().unwrap().starts_with(
            "the update of endpoint product-recommender failed and SageMaker rolled it back to product-recommender-"
        ),
        "{endpoint}"
    );
    assert_eq!(endpoint["auto_scaling_restored"], json!(["primary"]));
    assert_eq!(endpoint["steps_planned"], operations.len());
    // Done: every step before the wait that saw the rollback.
    let wait = operations.iter().position(|o| o == "WaitInService").unwrap();
    let done: Vec<&str> =
        endpoint["steps_done"].as_array().unwrap().iter().map(|s| s["operation"].as_str().unwrap()).collect();
    assert_eq!(done, operations[..wait].iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(doc["complete"], false);
    assert_eq!(doc["totals"]["rolled_back"], 1);
    // The error sentence is on stderr too, as apply always says it; stdout holds the document only.
    assert!(out.stderr.ends_with("error: apply did not complete: 1 endpoint(s) failed (see the errors above); run apply again after fixing the cause\n"), "{}", out.stderr);

    // A call that fails outright: the reason is the error sentence.
    let shop = TempSpec::new("shop.yaml", TWO);
    account.inject(json!({"operation": "CreateEndpoint", "fault": "500", "count": 1}));
    let mut args =
        vec!["apply", shop.arg(), "--auto-approve", "--output", "json", "--max-attempts", "1", "--target", "alpha"];
    args.extend(FAST);
    let doc = document(&run(&account, &args).code(1).stdout);
    let endpoint = &doc["endpoints"][0];
    assert_eq!(endpoint["status"], "failed");
    assert_eq!(endpoint["failure_reason"], endpoint["error"]);
    assert!(
        endpoint["error"].as_str().unwrap().starts_with("CreateEndpoint on endpoint alpha failed on AWS's side"),
        "{endpoint}"
    );
    assert_eq!(endpoint["steps_done"].as_array().unwrap().len(), 2);
    assert_eq!(doc["totals"]["failed"], 1);
}

#[test]
fn json_output_never_prompts() {
    let account = emulator().account();
    let spec = TempSpec::new("shop.yaml", TWO);
    let out = run(&account, &["apply", spec.arg(), "--output", "json"]).code(1);
    assert_eq!(
        out.stderr,
        "error: apply --output json needs --auto-approve (or a plan saved with `plan --out`): a confirmation prompt cannot share the terminal with the JSON document\n"
    );
    let out = run(&account, &["destroy", spec.arg(), "--output", "json"]).code(1);
    assert_eq!(
        out.stderr,
        "error: destroy --output json needs --auto-approve: a confirmation prompt cannot share the terminal with the JSON document\n"
    );
    assert_eq!(account.operations(), Vec::<String>::new());
    // A saved plan was the approval: it runs without --auto-approve.
    let dir = TempDir::new();
    let file = dir.path.join("shop.plan");
    let file = file.to_str().unwrap();
    run(&account, &["plan", spec.arg(), "--out", file]).code(0);
    let mut args = vec!["apply", file, "--output", "json"];
    args.extend(FAST);
    let doc = document(&run(&account, &args).code(0).stdout);
    assert_eq!(doc["totals"]["succeeded"], 2);
}
