//! What endpoint-scale guarantees against a writer of the saved plan, a squatter of its derived
//! names and a reader of its output (docs/design.md, "Threat model"), against the emulator.

use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::emulator::{emulator, is_read, Account};
use crate::harness::{es, Output, TempDir, TempSpec};
use crate::live::{apply, create_existing_model, hand_made_endpoint, recommender, run, FAST};

fn mutating(account: &Account) -> Vec<String> {
    account.operations().into_iter().filter(|o| !is_read(o)).collect()
}

/// Rewrites a saved plan's JSON with `edit`, and its digest to match when `fix_digest`: what an
/// attacker who can write the artifact (but has no signing key) can do.
fn tamper(path: &std::path::Path, fix_digest: bool, edit: impl Fn(&mut Value)) {
    let mut doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    edit(&mut doc);
    if fix_digest {
        let content = json!([
            doc["endpoint_scale_plan"],
            {
                "spec_path": doc["spec_path"],
                "spec": doc["spec"],
                "prune": doc["prune"],
                "options": doc["options"],
                "targets": doc["targets"],
                "account": doc["account"],
                "region": doc["region"],
                "computed_at": doc["computed_at"],
                "live": doc["live"],
                "steps": doc["steps"],
            }
        ]);
        let digest: String =
            Sha256::digest(serde_json::to_vec(&content).unwrap()).iter().map(|b| format!("{b:02x}")).collect();
        doc["digest"] = json!(format!("sha256:{digest}"));
    }
    std::fs::write(path, serde_json::to_string_pretty(&doc).unwrap()).unwrap();
}

fn apply_file(account: &Account, plan: &str, extra: &[(&'static str, &str)]) -> Output {
    let mut args = vec!["apply", plan, "--auto-approve"];
    args.extend(FAST);
    let mut env = account.env();
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    es(args).envs(env).run()
}

#[tokio::test]
async fn a_tampered_saved_plan_is_refused_and_nothing_changes() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", recommender());
    apply(&account, &v1).code(0);
    create_existing_model(&account, "victim-model").await;
    hand_made_endpoint(&account, "victim", "main", "victim-model", 1, &[]).await;
    let v2 = TempSpec::new("r.yaml", recommender().replace("2.13-cpu", "2.14-cpu"));
    let dir = TempDir::new();
    let plan = dir.path.join("release.plan");
    let plan_arg = plan.to_str().unwrap();
    let fresh = || run(&account, &["plan", v2.arg(), "--out", plan_arg]).code(0);
    let extra_delete = |doc: &mut Value| {
        doc["steps"][0]["steps"].as_array_mut().unwrap().push(json!({"op": "DeleteEndpoint", "endpoint": "victim"}))
    };
    let refused = |out: Output, expected: &str| {
        let out = out.code(1);
        assert!(out.stderr.contains(expected), "{expected:?} not in:\n{}", out.stderr);
        assert_eq!(mutating(&account), Vec::<String>::new());
    };

    // An appended step, digest left as it was: the file is reported as changed.
    fresh();
    account.clear_requests();
    tamper(&plan, false, extra_delete);
    refused(
        apply_file(&account, plan_arg, &[]),
        &format!(
            "error: {plan_arg} is not a plan file endpoint-scale can read: its digest does not match its contents"
        ),
    );
    // The same with the digest recomputed: the steps are not those of the embedded spec.
    fresh();
    account.clear_requests();
    tamper(&plan, true, extra_delete);
    refused(
        apply_file(&account, plan_arg, &[]),
        &format!("error: the saved plan {plan_arg} does not match its own spec: the file has 7 steps, the spec gives 6; nothing was changed."),
    );
    // An edited count and an edited image, digest recomputed.
    fresh();
    account.clear_requests();
    tamper(&plan, true, |doc| {
        doc["steps"][0]["steps"][1]["config"]["variants"][0]["initial_instance_count"] = json!(100000)
    });
    refused(
        apply_file(&account, plan_arg, &[]),
        "step 2 (`product-recommender: CreateEndpointConfig endpoint config product-recommender-",
    );
    fresh();
    account.clear_requests();
    tamper(&plan, true, |doc| doc["steps"][0]["steps"][0]["model"]["image"] = json!("attacker.example/evil:1"));
    refused(
        apply_file(&account, plan_arg, &[]),
        "step 1 (`product-recommender: CreateModel model product-recommender-",
    );
    // A truncated file is reported as such, not read as a spec.
    fresh();
    let text = std::fs::read_to_string(&plan).unwrap();
    std::fs::write(&plan, &text[..text.len() / 2]).unwrap();
    account.clear_requests();
    refused(
        apply_file(&account, plan_arg, &[]),
        &format!("error: {plan_arg} is not a plan file endpoint-scale can read: it is corrupted or truncated ("),
    );
    assert!(account.sagemaker().await.describe_endpoint().endpoint_name("victim").send().await.is_ok());

    // Signed plans: a key at apply time accepts only plans signed with it.
    let key = [("ENDPOINT_SCALE_PLAN_KEY", "pipeline-secret")];
    es(["plan", v2.arg(), "--out", plan_arg])
        .envs(account.env().into_iter().chain([("ENDPOINT_SCALE_PLAN_KEY", "pipeline-secret".to_string())]).collect())
        .run()
        .code(0);
    account.clear_requests();
    refused(
        apply_file(&account, plan_arg, &[]),
        &format!("error: {plan_arg}: the plan is signed: set ENDPOINT_SCALE_PLAN_KEY to the key it was signed with"),
    );
    refused(
        apply_file(&account, plan_arg, &[("ENDPOINT_SCALE_PLAN_KEY", "guess")]),
        &format!("error: {plan_arg}: its signature does not match"),
    );
    apply_file(&account, plan_arg, &key).code(0);
    run(&account, &["plan", v2.arg(), "--detailed-exitcode"]).code(0);
}

#[tokio::test]
async fn a_model_or_config_squatting_on_a_derived_name_is_a_conflict_and_never_served() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let calls: Value = serde_json::from_str(&es(["render", spec.arg()]).run().code(0).stdout).unwrap();
    let model = calls[0]["input"]["ModelName"].as_str().unwrap().to_string();
    let config = calls[1]["input"]["EndpointConfigName"].as_str().unwrap().to_string();
    // Someone computes the content-derived name and creates a model of their own under it.
    let sm = account.sagemaker().await;
    sm.create_model()
        .model_name(&model)
        .execution_role_arn("arn:aws:iam::123456789012:role/Attacker")
        .primary_container(
            aws_sdk_sagemaker::types::ContainerDefinition::builder()
                .image("123456789012.dkr.ecr.us-east-1.amazonaws.com/evil:1")
                .build(),
        )
        .send()
        .await
        .unwrap();
    account.clear_requests();
    let out = run(&account, &["plan", spec.arg()]).code(1);
    assert!(
        out.stdout.contains(&format!("! model {model}, which this spec would create, already exists and is not managed by this project (it has no endpoint-scale ownership tags)")),
        "{}",
        out.stdout
    );
    let out = apply(&account, &spec).code(1);
    assert!(
        out.stderr.ends_with("error: 1 endpoint(s) of the spec conflict with resources this project does not manage; nothing was changed (see the hints above)\n"),
        "{}",
        out.stderr
    );
    assert_eq!(mutating(&account), Vec::<String>::new());
    assert!(sm.describe_endpoint().endpoint_name("product-recommender").send().await.is_err());

    // The same with only the config squatted (the model name is free again).
    sm.delete_model().model_name(&model).send().await.unwrap();
    crate::live::create_existing_model(&account, "anything").await;
    sm.create_endpoint_config()
        .endpoint_config_name(&config)
        .production_variants(
            aws_sdk_sagemaker::types::ProductionVariant::builder()
                .variant_name("primary")
                .model_name("anything")
                .instance_type(aws_sdk_sagemaker::types::ProductionVariantInstanceType::MlC5Large)
                .initial_instance_count(1)
                .build(),
        )
        .send()
        .await
        .unwrap();
    account.clear_requests();
    let out = apply(&account, &spec).code(1);
    assert!(
        out.stdout.contains(&format!("! endpoint config {config}, which this spec would create, already exists and is not managed by this project (it has no endpoint-scale ownership tags)")),
        "{}",
        out.stdout
    );
    assert_eq!(mutating(&account), Vec::<String>::new());
    assert!(sm.describe_endpoint().endpoint_name("product-recommender").send().await.is_err());
}

const PLANTED: [&str; 3] = ["PLANTED-in-url", "PLANTED-declared", "PLANTED-by-name"];

fn secret_spec(suffix: &str) -> String {
    recommender().replace(
        "        SAGEMAKER_TFS_DEFAULT_MODEL_NAME: recommender\n",
        &format!(
            "        SAGEMAKER_TFS_DEFAULT_MODEL_NAME: recommender\n        DATABASE_URL: postgres://admin:PLANTED-in-url{suffix}@db.internal/app\n        DB_PASSWORD: PLANTED-by-name{suffix}\n      secret_environment:\n        LOOKS_HARMLESS: PLANTED-declared{suffix}\n"
        ),
    )
}

#[track_caller]
fn no_secret(what: &str, out: &Output) {
    for planted in PLANTED {
        assert!(
            !out.stdout.contains(planted) && !out.stderr.contains(planted),
            "{what} shows {planted}:\n{}\n{}",
            out.stdout,
            out.stderr
        );
    }
}

#[tokio::test]
async fn a_planted_secret_appears_in_no_output() {
    let account = emulator().account();
    let v1 = TempSpec::new("r.yaml", secret_spec(""));
    assert!(std::fs::read_to_string(&v1.path).unwrap().contains("secret_environment"));
    no_secret("validate", &es(["validate", v1.arg()]).run().code(0));
    no_secret("offline plan", &es(["plan", "--offline", v1.arg()]).run().code(0));
    no_secret("offline JSON plan", &es(["plan", "--offline", "--output", "json", v1.arg()]).run().code(0));
    no_secret("apply", &apply(&account, &v1).code(0));
    // The values change: plans and drift show before and after, both masked.
    let v2 = TempSpec::new("r.yaml", secret_spec("-v2"));
    for (what, args) in [
        ("plan", vec!["plan", v2.arg()]),
        ("JSON plan", vec!["plan", "--output", "json", v2.arg()]),
        ("diff", vec!["diff", v2.arg()]),
        ("JSON diff", vec!["diff", "--output", "json", v2.arg()]),
    ] {
        let out = run(&account, &args);
        assert!(out.code == 0 || out.code == 2, "{what}: {}", out.stderr);
        no_secret(what, &out);
    }
    let dir = TempDir::new();
    let plan = dir.path.join("v2.plan");
    no_secret("plan --out", &run(&account, &["plan", v2.arg(), "--out", plan.to_str().unwrap()]).code(0));
    let mut args = vec!["apply", plan.to_str().unwrap(), "--auto-approve"];
    args.extend(FAST);
    no_secret("apply of a saved plan", &run(&account, &args).code(0));
    // A validation error quoting the line of a secret value.
    let invalid = TempSpec::new(
        "bad.yaml",
        secret_spec("").replace(
            "        LOOKS_HARMLESS: PLANTED-declared\n",
            "        LOOKS_HARMLESS: PLANTED-declared\n        DB_PASSWORD: PLANTED-by-name\n",
        ),
    );
    let out = es(["validate", invalid.arg()]).run().code(1);
    assert!(out.stderr.contains("DB_PASSWORD: ***************"), "{}", out.stderr);
    no_secret("a validation error", &out);
}

#[cfg(unix)]
#[tokio::test]
async fn a_saved_plan_is_a_private_file_never_written_through_a_link() {
    use std::os::unix::fs::PermissionsExt;
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let dir = TempDir::new();
    let plan = dir.path.join("release.plan");
    std::fs::write(&plan, "old").unwrap();
    std::fs::set_permissions(&plan, std::fs::Permissions::from_mode(0o644)).unwrap();
    run(&account, &["plan", spec.arg(), "--out", plan.to_str().unwrap()]).code(0);
    assert_eq!(std::fs::metadata(&plan).unwrap().permissions().mode() & 0o777, 0o600);
    let target = dir.path.join("elsewhere");
    std::fs::write(&target, "untouched").unwrap();
    let link = dir.path.join("link.plan");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let out = run(&account, &["plan", spec.arg(), "--out", link.to_str().unwrap()]).code(1);
    assert!(
        out.stderr.ends_with(&format!("error: {} is a symbolic link: a saved plan holds the spec's secrets and is never written through a link; name a regular file\n", link.display())),
        "{}",
        out.stderr
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "untouched");
}

#[tokio::test]
async fn sigterm_is_an_interrupt_like_ctrl_c() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let (code, stderr) = crate::live::interrupted_apply(&account, &spec, "-TERM");
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("What was done before the interrupt:\n  product-recommender: 3 of 10 steps\n"), "{stderr}");
    assert!(
        stderr.ends_with("error: interrupted: the steps listed above were done; run apply again to finish\n"),
        "{stderr}"
    );
}
