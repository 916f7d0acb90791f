//! `show PLANFILE`: a saved plan shown as `plan` showed it, verified like `apply` verifies it,
//! without AWS access.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::emulator::emulator;
use crate::harness::{es, Output, TempDir, TempSpec};
use crate::live::{recommender, run};
use crate::target::{two_v2, TWO};

/// `show` with no AWS configuration at all: no endpoint URL, credentials or region.
fn show(args: &[&str], extra: &[(&'static str, &str)]) -> Output {
    let mut all = vec!["show"];
    all.extend(args);
    es(all).envs(extra.iter().map(|(k, v)| (*k, v.to_string())).collect()).run()
}

fn sha256(text: &str) -> String {
    format!("sha256:{}", Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect::<String>())
}

/// The file's `computed_at`, which the header repeats.
fn computed_at(file: &str) -> String {
    let doc: Value = serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
    doc["computed_at"].as_str().unwrap().to_string()
}

#[test]
fn show_prints_the_saved_plan_as_plan_did_without_aws() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let dir = TempDir::new();
    let file = dir.path.join("release.plan");
    let file = file.to_str().unwrap();
    let plan = run(&account, &["plan", spec.arg(), "--out", file]).code(0);

    let out = show(&[file], &[]).code(0);
    let at = computed_at(file);
    assert!(at.len() == 20 && at.ends_with('Z'), "{at}");
    assert_eq!(
        out.stdout,
        format!(
            "Saved plan {file}, made {at} against account {}, region us-east-1\n  spec:      {} ({})\n  signature: none (ENDPOINT_SCALE_PLAN_KEY was not set when it was made)\n\n{}\nThis is the plan as it was made: `endpoint-scale apply {file}` checks it against AWS first, and refuses it if AWS has changed since.\n",
            account.id,
            spec.arg(),
            sha256(&recommender()),
            plan.stdout
        )
    );
    assert_eq!(out.stderr, "");

    let json_plan = run(&account, &["plan", spec.arg(), "--output", "json"]).code(0);
    let mut expected: Value = serde_json::from_str(&json_plan.stdout).unwrap();
    expected["saved_plan"] = json!({
        "path": file,
        "computed_at": at,
        "account": account.id,
        "region": "us-east-1",
        "spec_path": spec.arg(),
        "spec_digest": sha256(&recommender()),
        "targets": [],
        "prune": false,
        "raise_capacity": false,
        "launch": {"provision_minutes": 2, "image_pull_minutes": 1, "model_load_minutes": 2},
        "signed": false,
        "variables": {},
    });
    let out = show(&[file, "--output", "json"], &[]).code(0);
    assert_eq!(serde_json::from_str::<Value>(&out.stdout).unwrap(), expected);

    // A plan made stale by a change since is still shown: only apply checks it against AWS.
    run(&account, &["apply", file, "--auto-approve", "--poll-interval", "50ms"]).code(0);
    show(&[file], &[]).code(0);
}

#[test]
fn show_names_targets_options_and_a_verified_signature() {
    let account = emulator().account();
    let v1 = TempSpec::new("shop.yaml", TWO);
    run(&account, &["apply", v1.arg(), "--auto-approve", "--poll-interval", "50ms"]).code(0);
    let v2 = TempSpec::new("shop.yaml", two_v2());
    let dir = TempDir::new();
    let file = dir.path.join("alpha.plan");
    let file = file.to_str().unwrap();
    let key = [("ENDPOINT_SCALE_PLAN_KEY", "k3y")];
    let mut env = account.env();
    env.push(("ENDPOINT_SCALE_PLAN_KEY", "k3y".to_string()));
    let plan = es(["plan", v2.arg(), "--target", "alpha", "--raise-capacity", "--out", file]).envs(env).run().code(0);

    let out = show(&[file], &key).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "Saved plan {file}, made {} against account {}, region us-east-1\n  spec:      {} ({})\n  targets:   alpha\n  options:   --raise-capacity\n  signature: HMAC-SHA256, verified with ENDPOINT_SCALE_PLAN_KEY\n\n{}\nThis is the plan as it was made: `endpoint-scale apply {file}` checks it against AWS first, and refuses it if AWS has changed since.\n",
            computed_at(file),
            account.id,
            v2.arg(),
            sha256(&two_v2()),
            plan.stdout
        )
    );
    let doc: Value = serde_json::from_str(&show(&[file, "--output", "json"], &key).code(0).stdout).unwrap();
    assert_eq!(doc["targets"], json!(["alpha"]));
    assert_eq!(doc["saved_plan"]["targets"], json!(["alpha"]));
    assert_eq!(doc["saved_plan"]["raise_capacity"], json!(true));
    assert_eq!(doc["saved_plan"]["signed"], json!(true));

    // Verified like apply verifies it.
    assert_eq!(
        show(&[file], &[]).code(1).stderr,
        format!("error: {file}: the plan is signed: set ENDPOINT_SCALE_PLAN_KEY to the key it was signed with\n")
    );
    assert_eq!(
        show(&[file], &[("ENDPOINT_SCALE_PLAN_KEY", "other")]).code(1).stderr,
        format!("error: {file}: its signature does not match: it was changed, or signed with another ENDPOINT_SCALE_PLAN_KEY\n")
    );
}

#[test]
fn show_refuses_what_apply_refuses() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let dir = TempDir::new();
    let file = dir.path.join("release.plan");
    let file = file.to_str().unwrap();
    run(&account, &["plan", spec.arg(), "--out", file]).code(0);
    let edited = dir.path.join("edited.plan");
    std::fs::write(&edited, std::fs::read_to_string(file).unwrap().replace("2.13-cpu", "2.14-cpu")).unwrap();
    let edited = edited.to_str().unwrap();
    assert_eq!(
        show(&[edited], &[]).code(1).stderr,
        format!("error: {edited} is not a plan file endpoint-scale can read: its digest does not match its contents: it was changed or corrupted after `plan --out` wrote it\n")
    );
    assert_eq!(
        show(&[spec.arg()], &[]).code(1).stderr,
        format!(
            "error: {0} is not a plan file endpoint-scale can read: it is not a saved plan (those are written by `endpoint-scale plan --out FILE`); for the plan of a spec, run `endpoint-scale plan {0}`\n",
            spec.arg()
        )
    );
}
