//! `iam-policy`: the printed policy is valid IAM JSON, the example stays what the command prints,
//! and, against an emulator that enforces IAM, the policy lets plan, apply, diff and destroy of
//! examples/recommender.yaml (and of examples/rollout-canary.yaml, for the rollout statements)
//! run as an IAM user that holds only it, while each statement taken
//! out makes a command fail with the AccessDenied sentence that names a denied action of it.
//!
//! IAM enforcement is server-wide in moto, so the proof runs on an emulator of its own
//! (`Emulator::dedicated`), and turns enforcement off again before it stops. What that emulator
//! evaluates, and what it cannot (Condition blocks), is in docs/iam.md.

use serde_json::Value;

use crate::emulator::{Account, Emulator, IamUser};
use crate::harness::{assert_expected, es, Output, TempSpec};
use crate::live::{recommender, FAST};

/// `iam-policy ARGS...` for examples/recommender.yaml, parsed.
fn policy(args: &[&str]) -> Value {
    let mut all = vec!["iam-policy", "examples/recommender.yaml"];
    all.extend(args);
    let out = es(&all).run().code(0);
    assert_eq!(out.stderr, "");
    serde_json::from_str(&out.stdout).expect("iam-policy prints JSON")
}

fn sids(policy: &Value) -> Vec<String> {
    policy["Statement"].as_array().unwrap().iter().map(|s| s["Sid"].as_str().unwrap().to_string()).collect()
}

fn without(policy: &Value, sid: &str) -> Value {
    let mut reduced = policy.clone();
    reduced["Statement"].as_array_mut().unwrap().retain(|s| s["Sid"] != sid);
    reduced
}

fn actions_of(policy: &Value, sid: &str) -> Vec<String> {
    let statement = policy["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == sid).unwrap();
    statement["Action"].as_array().unwrap().iter().map(|a| a.as_str().unwrap().to_string()).collect()
}

#[test]
fn the_printed_policy_is_valid_iam_json_without_wildcard_actions() {
    for command in ["plan", "apply", "diff", "destroy", "all"] {
        let doc = policy(&["--for", command]);
        let top: Vec<&String> = doc.as_object().unwrap().keys().collect();
        assert_eq!(top, ["Version", "Statement"], "{command}");
        assert_eq!(doc["Version"], "2012-10-17");
        let statements = doc["Statement"].as_array().unwrap();
        assert!(!statements.is_empty());
        let mut seen = Vec::new();
        for s in statements {
            let keys: Vec<&String> = s.as_object().unwrap().keys().collect();
            let expected: &[&str] = if s.get("Condition").is_some() {
                &["Sid", "Effect", "Action", "Resource", "Condition"]
            } else {
                &["Sid", "Effect", "Action", "Resource"]
            };
            assert_eq!(keys, expected, "{s}");
            let sid = s["Sid"].as_str().unwrap();
            // IAM: a Sid is alphanumeric and unique within the policy.
            assert!(!sid.is_empty() && sid.chars().all(|c| c.is_ascii_alphanumeric()), "{sid}");
            assert!(!seen.contains(&sid), "duplicate Sid {sid}");
            seen.push(sid);
            assert_eq!(s["Effect"], "Allow");
            for action in s["Action"].as_array().unwrap() {
                let action = action.as_str().unwrap();
                let (service, name) = action.split_once(':').expect("service:Action");
                assert!(!action.contains('*') && !service.is_empty() && !name.is_empty(), "{action}");
            }
            let resources = s["Resource"].as_array().unwrap();
            assert!(!resources.is_empty());
            for r in resources {
                let r = r.as_str().unwrap();
                assert!(r == "*" || r.starts_with("arn:aws:"), "{r}");
            }
            if let Some(condition) = s.get("Condition") {
                for (operator, keys) in condition.as_object().unwrap() {
                    assert_eq!(operator, "StringEquals");
                    assert!(keys.as_object().unwrap().values().all(Value::is_string), "{condition}");
                }
            }
        }
    }
    // Reading commands get no write (RolloutAlarmsRead is DescribeAlarms and ListTagsForResource).
    assert_eq!(
        sids(&policy(&["--for", "plan"])),
        ["SageMakerList", "SageMakerRead", "AutoScalingRead", "AutoScalingReadTags", "RolloutAlarmsRead"]
    );
}

#[test]
fn the_example_policy_is_what_the_command_prints() {
    let out = es(["iam-policy", "examples/recommender.yaml"]).run().code(0);
    assert_expected("examples/iam/recommender-policy.json", &out.stdout);
}

#[test]
fn account_region_and_partition_shape_the_arns() {
    let doc = policy(&["--for", "plan", "--account", "123456789012"]);
    assert_eq!(
        doc["Statement"][1]["Resource"][1],
        "arn:aws:sagemaker:us-east-1:123456789012:endpoint/product-recommender"
    );
    let doc = policy(&["--for", "plan", "--partition", "aws-us-gov", "--region", "us-east-1"]);
    assert_eq!(doc["Statement"][1]["Resource"][1], "arn:aws-us-gov:sagemaker:us-east-1:*:endpoint/product-recommender");

    let out = es(["iam-policy", "examples/recommender.yaml", "--region", "eu-west-1"]).run().code(1);
    assert_eq!(
        out.stderr,
        "error: --region eu-west-1 contradicts the spec's region us-east-1: drop --region, or change `region:` in the spec\n"
    );
    let out = es(["iam-policy", "examples/recommender.yaml", "--account", "12345"]).run().code(1);
    assert!(
        out.stderr.contains("invalid value '12345' for '--account <ACCOUNT>': `12345` is not an AWS account id: write its 12 digits, like 123456789012"),
        "{}",
        out.stderr
    );
    // Without a region in the spec or the flags, any region.
    let spec = TempSpec::new("r.yaml", recommender().replace("region: us-east-1\n", ""));
    let out = es(["iam-policy", spec.arg(), "--for", "plan"]).run().code(0);
    assert!(out.stdout.contains("\"arn:aws:sagemaker:*:*:endpoint/product-recommender\""), "{}", out.stdout);
}

/// Turns IAM enforcement off again however the test ends, so the emulator can be stopped and
/// its state read in a failure report.
struct Enforcing<'e>(&'e Emulator);

impl<'e> Enforcing<'e> {
    fn on(emulator: &'e Emulator) -> Self {
        emulator.enforce_iam(true);
        Enforcing(emulator)
    }
}

impl Drop for Enforcing<'_> {
    fn drop(&mut self) {
        self.0.enforce_iam(false);
    }
}

fn run_as(user: &IamUser, args: &[&str]) -> Output {
    let mut all = args.to_vec();
    if matches!(args[0], "apply" | "destroy") {
        all.push("--auto-approve");
        all.extend(FAST);
    }
    es(&all).envs(user.env()).run()
}

/// The specs the proof runs: the example; the same with a spec-wide tag changed and one removed
/// (tags change in place: AddTags, DeleteTags, TagResource, UntagResource); and with the model
/// changed (a new model and config, UpdateEndpoint).
struct Specs {
    base: TempSpec,
    retagged: TempSpec,
    updated: TempSpec,
}

impl Specs {
    fn new() -> Self {
        let base = recommender();
        let retagged = base.replace("  team: recommendations\n  cost-center: ml-platform\n", "  team: ml-platform\n");
        assert_ne!(retagged, base);
        let updated = base.replace(
            "SAGEMAKER_TFS_DEFAULT_MODEL_NAME: recommender",
            "SAGEMAKER_TFS_DEFAULT_MODEL_NAME: recommender-v2",
        );
        assert_ne!(updated, base);
        Specs {
            base: TempSpec::new("recommender.yaml", base),
            retagged: TempSpec::new("retagged.yaml", retagged),
            updated: TempSpec::new("updated.yaml", updated),
        }
    }
}

/// Which command shows that a statement is needed: the spec applied first (by a user with the
/// whole policy), then the command run by a user without the statement.
struct Needed {
    sid: &'static str,
    setup: bool,
    command: &'static str,
    spec: fn(&Specs) -> &TempSpec,
}

const NEEDED: &[Needed] = &[
    Needed { sid: "SageMakerList", setup: false, command: "plan", spec: |s| &s.base },
    Needed { sid: "SageMakerRead", setup: false, command: "plan", spec: |s| &s.base },
    Needed { sid: "AutoScalingRead", setup: false, command: "plan", spec: |s| &s.base },
    Needed { sid: "AutoScalingReadTags", setup: true, command: "apply", spec: |s| &s.retagged },
    Needed { sid: "SageMakerCreate", setup: false, command: "apply", spec: |s| &s.base },
    Needed { sid: "PassExecutionRoles", setup: false, command: "apply", spec: |s| &s.base },
    Needed { sid: "SageMakerUpdateOwned", setup: true, command: "apply", spec: |s| &s.updated },
    Needed { sid: "SageMakerTagOwned", setup: true, command: "apply", spec: |s| &s.retagged },
    Needed { sid: "SageMakerDeleteOwned", setup: true, command: "destroy", spec: |s| &s.base },
    Needed { sid: "AutoScalingConfigure", setup: false, command: "apply", spec: |s| &s.base },
    Needed { sid: "AutoScalingRemove", setup: true, command: "destroy", spec: |s| &s.base },
    // TagResource stays allowed by AutoScalingTagOnRegister (the emulator ignores conditions):
    // the untagging of the removed tag shows the statement is needed.
    Needed { sid: "AutoScalingTagOwned", setup: true, command: "apply", spec: |s| &s.retagged },
    Needed { sid: "AutoScalingServiceLinkedRole", setup: false, command: "apply", spec: |s| &s.base },
    Needed { sid: "TargetTrackingAlarms", setup: false, command: "apply", spec: |s| &s.base },
    // Every plan of an owned endpoint looks for its owned alarms (`<endpoint>-*`), rollout or not.
    Needed { sid: "RolloutAlarmsRead", setup: true, command: "plan", spec: |s| &s.base },
];

/// Statements the emulator cannot show to be needed, and why (docs/iam.md).
const UNDETECTABLE: &[(&str, &str)] = &[(
    "AutoScalingTagOnRegister",
    "the TagResource that RegisterScalableTarget implies is not checked, and AutoScalingTagOwned allows TagResource too once conditions are ignored",
)];

/// An endpoint of the example's name made by hand, on a config of any name.
async fn hand_made_endpoint(account: &Account) {
    use aws_sdk_sagemaker::types::{ContainerDefinition, ProductionVariant, ProductionVariantInstanceType};
    let sm = account.sagemaker().await;
    let container = ContainerDefinition::builder().image("image").build();
    sm.create_model()
        .model_name("hand-model")
        .execution_role_arn("arn:aws:iam::123456789012:role/r")
        .primary_container(container)
        .send()
        .await
        .unwrap();
    let variant = ProductionVariant::builder()
        .variant_name("primary")
        .model_name("hand-model")
        .instance_type(ProductionVariantInstanceType::MlC5Large)
        .initial_instance_count(1)
        .build();
    sm.create_endpoint_config().endpoint_config_name("hand-config").production_variants(variant).send().await.unwrap();
    sm.create_endpoint().endpoint_name("product-recommender").endpoint_config_name("hand-config").send().await.unwrap();
}

#[tokio::test]
async fn the_policy_is_enough_for_every_command_and_every_statement_is_needed() {
    let emulator = Emulator::dedicated();
    let specs = Specs::new();
    let for_account = |account: &str, command: &str| policy(&["--for", command, "--account", account]);

    // Users are made while IAM is not enforced: the accounts' own keys are nobody's.
    let main = emulator.account();
    let everything = for_account(&main.id, "all");
    let ci = main.iam_user("ci", &everything.to_string());
    let per_command: Vec<(&str, IamUser)> = ["plan", "apply", "diff", "destroy"]
        .into_iter()
        .map(|c| (c, main.iam_user(&format!("ci-{c}"), &for_account(&main.id, c).to_string())))
        .collect();
    let user = |command: &str| &per_command.iter().find(|(c, _)| *c == command).unwrap().1;
    // The policy of a spec whose endpoint has another name: resources are really checked.
    let other =
        TempSpec::new("other.yaml", recommender().replace("name: product-recommender", "name: other-recommender"));
    let out = es(["iam-policy", other.arg(), "--for", "plan", "--account", &main.id]).run().code(0);
    let elsewhere = main.iam_user("ci-elsewhere", &out.stdout);
    let statements = sids(&everything);
    let mut covered: Vec<&str> = NEEDED.iter().map(|n| n.sid).chain(UNDETECTABLE.iter().map(|u| u.0)).collect();
    covered.sort();
    let mut listed: Vec<&str> = statements.iter().map(String::as_str).collect();
    listed.sort();
    assert_eq!(
        covered, listed,
        "every statement of the recommender's policy is proven needed or listed as undetectable"
    );
    let reduced: Vec<(String, Account, IamUser, IamUser)> = statements
        .iter()
        .map(|sid| {
            let account = emulator.account();
            let whole = for_account(&account.id, "all");
            let full = account.iam_user("ci", &whole.to_string());
            let minus = account.iam_user(&format!("ci-without-{sid}"), &without(&whole, sid).to_string());
            (sid.clone(), account, full, minus)
        })
        .collect();

    // A hand-made endpoint of the same name: plan's policy cannot read its config, and need not.
    let taken = emulator.account();
    hand_made_endpoint(&taken).await;
    let planner = taken.iam_user("ci-plan", &for_account(&taken.id, "plan").to_string());

    let _enforcing = Enforcing::on(&emulator);
    let out = run_as(&planner, &["plan", specs.base.arg()]).code(1);
    assert_eq!(
        out.stderr,
        "error: 1 endpoint of the spec conflicts with resources this project does not manage; nothing was changed (see the hints above)\n"
    );
    let (base, retagged, updated) = (specs.base.arg(), specs.retagged.arg(), specs.updated.arg());

    // The whole policy: the lifecycle of the example, tag and model changes included.
    run_as(&ci, &["plan", base]).code(0);
    run_as(&ci, &["apply", base]).code(0);
    let out = run_as(&ci, &["plan", base]).code(0);
    assert!(out.stdout.starts_with("No changes."), "{}", out.stdout);
    run_as(&ci, &["diff", base]).code(0);
    run_as(&ci, &["apply", retagged]).code(0);
    run_as(&ci, &["apply", updated]).code(0);
    run_as(&ci, &["destroy", updated]).code(0);

    // A policy for other names does not reach this spec's endpoint.
    let out = run_as(&elsewhere, &["plan", base]).code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: DescribeEndpoint on endpoint product-recommender was denied: the IAM action sagemaker:DescribeEndpoint is not allowed for these credentials (User: {} is not authorized to perform: sagemaker:DescribeEndpoint on resource: arn:aws:sagemaker:us-east-1:{}:endpoint/product-recommender because no identity-based policy allows the sagemaker:DescribeEndpoint action)\n",
            elsewhere.arn, main.id
        )
    );

    // Each command's own policy is enough for it.
    run_as(user("plan"), &["plan", base]).code(0);
    run_as(user("apply"), &["apply", base]).code(0);
    run_as(user("diff"), &["diff", base]).code(0);
    run_as(user("apply"), &["apply", retagged]).code(0);
    run_as(user("apply"), &["apply", updated]).code(0);
    run_as(user("plan"), &["plan", updated]).code(0);
    run_as(user("destroy"), &["destroy", updated]).code(0);
    let out = run_as(user("plan"), &["plan", base]).code(0);
    assert!(!out.stdout.starts_with("No changes."), "destroy left nothing behind: {}", out.stdout);

    // Without any one statement, a command fails and names a denied action of that statement.
    for (sid, account, full, minus) in &reduced {
        if let Some((_, why)) = UNDETECTABLE.iter().find(|u| u.0 == sid) {
            // The emulator cannot tell it is missing: the apply it would be needed for works.
            run_as(minus, &["apply", base]).code(0);
            eprintln!("{sid}: not detectable by the emulator ({why})");
            continue;
        }
        let needed = NEEDED.iter().find(|n| n.sid == sid).unwrap();
        if needed.setup {
            run_as(full, &["apply", base]).code(0);
        }
        let out = run_as(minus, &[needed.command, (needed.spec)(&specs).arg()]);
        assert_eq!(out.code, 1, "{sid}: {} should fail\n{}{}", needed.command, out.stdout, out.stderr);
        let denied = actions_of(&everything, sid).into_iter().find(|action| {
            out.stderr.contains(&format!(
                "was denied: the IAM action {action} is not allowed for these credentials (User: {} is not authorized to perform: {action}",
                minus.arn
            ))
        });
        assert!(denied.is_some(), "{sid}: no denial of an action of the statement\n{}", out.stderr);
        if sid == "PassExecutionRoles" {
            // The sentence in full: the action CreateModel implies is the one named.
            let expected = format!(
                "CreateModel on model product-recommender-21559474 was denied: the IAM action iam:PassRole is not allowed for these credentials (User: arn:aws:iam::{}:user/ci-without-PassExecutionRoles is not authorized to perform: iam:PassRole on resource: arn:aws:iam::123456789012:role/SageMakerRecommenderRole because no identity-based policy allows the iam:PassRole action)",
                account.id
            );
            assert!(out.stderr.contains(&expected), "{}", out.stderr);
        }
    }
}

/// `iam-policy ARGS...` for the spec at `path`, parsed.
fn policy_of(path: &str, args: &[&str]) -> Value {
    let mut all = vec!["iam-policy", path];
    all.extend(args);
    let out = es(&all).run().code(0);
    serde_json::from_str(&out.stdout).expect("iam-policy prints JSON")
}

/// The rollout statements, each with the command that shows it is needed (the spec applied
/// first by a user with the whole policy when `setup`) and the CloudWatch action denied.
const ROLLOUT_NEEDED: &[(&str, bool, &str, &str)] = &[
    ("RolloutAlarmsRead", false, "plan", "cloudwatch:DescribeAlarms"),
    ("RolloutAlarmsWrite", false, "apply", "cloudwatch:PutMetricAlarm"),
    ("RolloutAlarmsDeleteOwned", true, "destroy", "cloudwatch:DeleteAlarms"),
];

#[tokio::test]
async fn the_policy_of_a_spec_with_a_rollout_is_enough_and_each_rollout_statement_is_needed() {
    let emulator = Emulator::dedicated();
    let canary = "examples/rollout-canary.yaml";
    let base = std::fs::read_to_string(crate::harness::root().join(canary)).unwrap();
    let updated = base.replace("recommender/2026-11-01/model.tar.gz", "recommender/2026-11-02/model.tar.gz");
    assert_ne!(updated, base);
    let (base_spec, updated_spec) = (TempSpec::new("canary.yaml", base), TempSpec::new("canary-v2.yaml", updated));
    let (base, updated) = (base_spec.arg(), updated_spec.arg());
    let for_account = |account: &str, command: &str| policy_of(canary, &["--for", command, "--account", account]);

    let main = emulator.account();
    crate::rollout_apply::create_alarm(&main, "recommender-p99-latency").await;
    let everything = for_account(&main.id, "all");
    for (sid, ..) in ROLLOUT_NEEDED {
        assert!(sids(&everything).iter().any(|s| s == sid), "{sid} missing from {everything}");
    }
    let ci = main.iam_user("ci", &everything.to_string());
    let per_command: Vec<(&str, IamUser)> = ["plan", "apply", "diff", "destroy"]
        .into_iter()
        .map(|c| (c, main.iam_user(&format!("ci-{c}"), &for_account(&main.id, c).to_string())))
        .collect();
    let user = |command: &str| &per_command.iter().find(|(c, _)| *c == command).unwrap().1;
    let mut reduced: Vec<(&str, bool, &str, &str, IamUser, IamUser)> = Vec::new();
    for &(sid, setup, command, action) in ROLLOUT_NEEDED {
        let account = emulator.account();
        crate::rollout_apply::create_alarm(&account, "recommender-p99-latency").await;
        let whole = for_account(&account.id, "all");
        let full = account.iam_user("ci", &whole.to_string());
        let minus = account.iam_user(&format!("ci-without-{sid}"), &without(&whole, sid).to_string());
        reduced.push((sid, setup, command, action, full, minus));
    }

    let _enforcing = Enforcing::on(&emulator);
    // The whole policy: create (the owned alarm first), a model change that runs the canary, diff,
    // destroy (the owned alarm too).
    run_as(&ci, &["plan", base]).code(0);
    run_as(&ci, &["apply", base]).code(0);
    let out = run_as(&ci, &["plan", updated]).code(0);
    assert!(out.stdout.contains("  Rollout: canary, rolled back by alarm"), "{}", out.stdout);
    run_as(&ci, &["apply", updated]).code(0);
    run_as(&ci, &["diff", updated]).code(0);
    run_as(&ci, &["destroy", updated]).code(0);

    // Each command's own policy is enough for it.
    run_as(user("plan"), &["plan", base]).code(0);
    run_as(user("apply"), &["apply", base]).code(0);
    run_as(user("apply"), &["apply", updated]).code(0);
    run_as(user("diff"), &["diff", updated]).code(0);
    run_as(user("destroy"), &["destroy", updated]).code(0);

    // Without a rollout statement, a command fails naming the CloudWatch action denied.
    for (sid, setup, command, action, full, minus) in &reduced {
        if *setup {
            run_as(full, &["apply", base]).code(0);
        }
        let out = run_as(minus, &[command, base]);
        assert_eq!(out.code, 1, "{sid}: {command} should fail\n{}{}", out.stdout, out.stderr);
        assert!(
            out.stderr.contains(&format!(
                "was denied: the IAM action {action} is not allowed for these credentials (User: {} is not authorized to perform: {action}",
                minus.arn
            )),
            "{sid}: {}",
            out.stderr
        );
    }
}
