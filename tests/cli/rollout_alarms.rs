//! Owned rollout alarms against the emulator, whatever the spec says now: an endpoint whose
//! `rollout:` was removed (before or after a rollout ran) or that was pruned still has its owned
//! alarms found by their `<endpoint>-` prefix and deleted; alarms of other endpoints sharing the
//! prefix are not read as its own; and the IAM policy `iam-policy` prints lets the plan run, with
//! the one statement the deletion needs named by apply's error.

use aws_sdk_cloudwatch::types::{ComparisonOperator, Dimension, Statistic};

use crate::emulator::{emulator, Account, Emulator};
use crate::harness::{es, TempSpec};
use crate::live::{apply, planned, run, FAST};

/// An endpoint of 4 fixed instances; with `rollout`, a canary watching its owned alarm `<name>-5xx`.
fn endpoint(name: &str, rollout: bool) -> String {
    let mut out = format!(
        "  - name: {name}
    model:
      image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.13-cpu
      model_data_url: s3://acme-ml-models/{name}/model.tar.gz
      execution_role_arn: arn:aws:iam::123456789012:role/SageMakerRole
    variants:
      - name: primary
        instance_type: ml.c5.xlarge
        initial_instance_count: 4
"
    );
    if rollout {
        out.push_str(&format!(
            "    rollout:
      strategy: canary
      canary_size: 1
      bake: 10m
      rollback_alarms:
        - name: {name}-5xx
          metric: Invocation5XXErrors
          statistic: Sum
          threshold: 0
"
        ));
    }
    out
}

fn spec(endpoints: &[String]) -> String {
    format!("version: 1\nproject: shop\nregion: us-east-1\nendpoints:\n{}", endpoints.concat())
}

/// A metric alarm made out of band on `namespace` with dimension EndpointName = `endpoint`.
async fn put_alarm(account: &Account, name: &str, namespace: &str, endpoint: &str) {
    account
        .cloudwatch()
        .await
        .put_metric_alarm()
        .alarm_name(name)
        .namespace(namespace)
        .metric_name("Invocation5XXErrors")
        .dimensions(Dimension::builder().name("EndpointName").value(endpoint).build())
        .dimensions(Dimension::builder().name("VariantName").value("primary").build())
        .statistic(Statistic::Sum)
        .period(60)
        .evaluation_periods(1)
        .threshold(1.0)
        .comparison_operator(ComparisonOperator::GreaterThanThreshold)
        .send()
        .await
        .unwrap();
}

/// The names of the account's metric alarms.
async fn alarm_names(account: &Account) -> Vec<String> {
    let out = account.cloudwatch().await.describe_alarms().send().await.unwrap();
    out.metric_alarms().iter().map(|a| a.alarm_name().unwrap_or_default().to_string()).collect()
}

#[tokio::test]
async fn owned_alarms_of_a_removed_rollout_or_a_pruned_endpoint_are_deleted_and_others_never_read() {
    let account = emulator().account();
    // Alarms that are not endpoint prod's: one of endpoint prodx (`prod-` does not match it),
    // and ones `prod-` matches: prod-eu's (its EndpointName), a Billing one (its namespace), a
    // composite one (owned alarms are metric alarms).
    put_alarm(&account, "prodx-errors", "AWS/SageMaker", "prodx").await;
    put_alarm(&account, "prod-eu-latency", "AWS/SageMaker", "prod-eu").await;
    put_alarm(&account, "prod-billing", "AWS/Billing", "prod").await;
    let composite = account.cloudwatch().await;
    composite
        .put_composite_alarm()
        .alarm_name("prod-any")
        .alarm_rule("ALARM(\"prod-eu-latency\")")
        .send()
        .await
        .unwrap();
    let others = ["prod-billing", "prod-eu-latency", "prodx-errors"];

    let with = TempSpec::new("shop.yaml", spec(&[endpoint("prod", true), endpoint("other", false)]));
    apply(&account, &with).code(0);
    assert_eq!(alarm_names(&account).await, ["prod-5xx", "prod-billing", "prod-eu-latency", "prodx-errors"]);

    // A plan reads the spec's alarm by name and each owned endpoint's `<endpoint>-` alarms, and
    // the tags of the one alarm that can be ours only.
    account.clear_requests();
    run(&account, &["plan", with.arg(), "--detailed-exitcode"]).code(0);
    let ops = account.operations();
    let count = |op: &str| ops.iter().filter(|o| *o == op).count();
    assert_eq!((count("DescribeAlarms"), count("ListTagsForResource")), (3, 1), "{ops:?}");

    // `rollout:` removed before any rollout ran: the owned alarm goes, the others stay.
    let without = TempSpec::new("shop.yaml", spec(&[endpoint("prod", false), endpoint("other", false)]));
    assert_eq!(planned(&account, &without), ["delete alarm.prod-5xx"]);
    apply(&account, &without).code(0);
    assert_eq!(alarm_names(&account).await, others);
    run(&account, &["plan", without.arg(), "--detailed-exitcode"]).code(0);

    // An endpoint pruned with its `rollout:` still in place elsewhere: its alarm goes with it.
    apply(&account, &with).code(0);
    let pruned = TempSpec::new("shop.yaml", spec(&[endpoint("other", false)]));
    let mut args = vec!["apply", pruned.arg(), "--prune", "--auto-approve"];
    args.extend(FAST);
    let out = run(&account, &args).code(0);
    assert!(out.stdout.contains("alarm.prod-5xx"), "{}", out.stdout);
    assert_eq!(alarm_names(&account).await, others);
    run(&account, &["plan", pruned.arg(), "--prune", "--detailed-exitcode"]).code(0);
}

/// `iam-policy ARGS...` for the spec, as JSON text.
fn policy(spec: &TempSpec, account: &str, extra: &[&str]) -> String {
    let mut args = vec!["iam-policy", spec.arg(), "--for", "all", "--account", account];
    args.extend(extra);
    es(&args).run().code(0).stdout
}

fn as_user(user: &crate::emulator::IamUser, args: &[&str]) -> crate::harness::Output {
    let mut all = args.to_vec();
    if matches!(args[0], "apply" | "destroy") {
        all.push("--auto-approve");
        all.extend(FAST);
    }
    es(&all).envs(user.env()).run()
}

#[tokio::test]
async fn after_the_last_rollout_is_removed_plan_runs_under_the_printed_policy_and_apply_names_the_missing_statement() {
    let emulator = Emulator::dedicated();
    let account = emulator.account();
    let first = TempSpec::new("shop.yaml", spec(&[endpoint("prod", true)]));
    let updated = TempSpec::new("shop.yaml", spec(&[endpoint("prod", true)]).replace("prod/model", "prod/model-v2"));
    let removed = TempSpec::new("shop.yaml", spec(&[endpoint("prod", false)]));
    let full = account.iam_user("ci-rollout", &policy(&first, &account.id, &[]));
    let default = account.iam_user("ci", &policy(&removed, &account.id, &[]));
    let cleanup = account.iam_user("ci-cleanup", &policy(&removed, &account.id, &["--delete-owned-alarms"]));

    emulator.enforce_iam(true);
    let result = std::panic::catch_unwind(|| {
        // A rollout runs: LastDeploymentConfig now names the owned alarm.
        as_user(&full, &["apply", first.arg()]).code(0);
        let out = as_user(&full, &["apply", updated.arg()]).code(0);
        assert!(out.stdout.contains("canary"), "{}", out.stdout);
        // The spec without `rollout:`, under the policy iam-policy prints for it: plan reads the
        // alarms (RolloutAlarmsRead is in every policy) and deletes the owned one.
        let out = as_user(&default, &["plan", removed.arg()]).code(0);
        assert!(out.stdout.contains("- alarm.prod-5xx"), "{}", out.stdout);
        // Apply is refused the deletion, and says which statement to add.
        let out = as_user(&default, &["apply", removed.arg()]).code(1);
        assert!(
            out.stderr.contains(&format!(
                "DeleteAlarms on alarm prod-5xx was denied: the IAM action cloudwatch:DeleteAlarms is not allowed for these credentials (User: {} is not authorized to perform: cloudwatch:DeleteAlarms on resource: arn:aws:cloudwatch:us-east-1:{}:alarm:prod-5xx because no identity-based policy allows the cloudwatch:DeleteAlarms action): add the statement RolloutAlarmsDeleteOwned to the policy (`endpoint-scale iam-policy SPEC --delete-owned-alarms` prints it; without that flag it is only in the policy of a spec with a `rollout:`)",
                default.arn, account.id
            )),
            "{}",
            out.stderr
        );
        // With the statement, apply deletes it; then the default policy plans no change.
        as_user(&cleanup, &["apply", removed.arg()]).code(0);
        let out = as_user(&default, &["plan", removed.arg()]).code(0);
        assert!(out.stdout.starts_with("No changes."), "{}", out.stdout);
    });
    emulator.enforce_iam(false);
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
    assert_eq!(alarm_names(&account).await, Vec::<String>::new());
}

#[tokio::test]
async fn a_composite_team_alarm_exists_and_a_composite_alarm_under_an_owned_name_is_not_ours() {
    let account = emulator().account();
    let cw = account.cloudwatch().await;
    for name in ["team-any", "prod-5xx"] {
        cw.put_composite_alarm().alarm_name(name).alarm_rule("FALSE").send().await.unwrap();
    }
    let text =
        spec(&[endpoint("prod", true)]).replace("rollback_alarms:\n", "rollback_alarms:\n        - name: team-any\n");
    let spec = TempSpec::new("shop.yaml", text);
    let out = run(&account, &["plan", spec.arg()]).code(1);
    // The team's composite alarm is found; the owned name is taken by an alarm that is not ours.
    assert!(!out.stdout.contains("team-any of endpoint prod does not exist"), "{}", out.stdout);
    assert!(
        out.stdout.contains("alarm prod-5xx exists in CloudWatch and is not this endpoint's (it is a composite alarm, and endpoint-scale owns only the metric alarms it creates)"),
        "{}",
        out.stdout
    );
    cw.delete_alarms().alarm_names("prod-5xx").send().await.unwrap();
    let out = run(&account, &["plan", spec.arg(), "--detailed-exitcode"]).code(2);
    assert!(out.stdout.contains("+ alarm.prod-5xx"), "{}", out.stdout);
}
