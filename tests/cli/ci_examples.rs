//! The CI pipelines in examples/ci cannot rot: each test reads one of them with a YAML parser,
//! runs its jobs for a pull (merge) request, a push to main and a schedule, with the `run:` /
//! `script:` shell steps exactly as written, in bash, against the local AWS emulator, and checks
//! the flow the README promises: the plan in the summary (or the job's artifacts) and saved as an
//! artifact; after the merge, the approved apply carries out main's saved plan; the drift check
//! passes in sync and fails with exit 2 once something changed by hand.
//!
//! Only what a CI service provides is substituted: the checkout, the caches, the artifact store,
//! the OIDC credentials (an AssumeRoleWithWebIdentity against the emulator), the repository's
//! secrets and variables, the reviewer who approves the deployment, and the toolchain (a `cargo`
//! that "installs" the binary this test run built; see `runner`). What each model understands is
//! listed in `github` and `gitlab`; a CI file that uses anything else (a new key, action,
//! expression or shell) fails the test at its line and column instead of being skipped.

mod expr;
mod github;
mod gitlab;
mod runner;
mod yaml;

use std::path::Path;

use serde_json::{json, Value};

use crate::emulator::{emulator, Account};
use crate::harness::{es, root};
use crate::live::recommender;

const PLAN_KEY: &str = "ci-examples-plan-key-5f0c3a9d";
const IN_SYNC: &str = "In sync: AWS matches the spec.\n";
/// What `diff` prints for the scheduled action `change_by_hand` adds.
const DRIFT: &str = "- scheduled_action.product-recommender/primary/weekend-off: in AWS, not in the spec, on a target this project owns: it would change the variant's bounds\n";

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The value of `name` in a list of variables.
fn var(vars: &[(String, String)], name: &str) -> String {
    vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_else(|| panic!("no variable {name}"))
}

/// An account on the emulator where endpoints are InService at once, so apply's 30-second polls
/// (the CI files use the defaults) never wait; and its two roles.
fn account() -> (Account, String, String) {
    let account = emulator().account();
    account.configure(json!({"transition_seconds": 0}));
    let read_role = format!("arn:aws:iam::{}:role/endpoint-scale-read", account.id);
    let apply_role = format!("arn:aws:iam::{}:role/endpoint-scale-apply", account.id);
    (account, read_role, apply_role)
}

/// `endpoint-scale show plan.bin` in `dir`, as a reviewer would run it.
fn show(dir: &Path, key: Option<&str>) -> crate::harness::Output {
    let env = key.map(|k| vec![("ENDPOINT_SCALE_PLAN_KEY", k.to_string())]).unwrap_or_default();
    es(["show", "plan.bin"]).current_dir(dir).envs(env).run()
}

fn sdk<T>(f: impl std::future::Future<Output = T>) -> T {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(f)
}

async fn endpoint_status(account: &Account) -> Option<String> {
    let sm = account.sagemaker().await;
    let d = sm.describe_endpoint().endpoint_name("product-recommender").send().await.ok()?;
    d.endpoint_status().map(|s| s.as_str().to_string())
}

/// Someone adds a scheduled action to the endpoint's scalable target in the console.
async fn change_by_hand(account: &Account) {
    use aws_sdk_applicationautoscaling::types::{ScalableDimension, ScalableTargetAction, ServiceNamespace};
    account
        .autoscaling()
        .await
        .put_scheduled_action()
        .service_namespace(ServiceNamespace::Sagemaker)
        .scheduled_action_name("weekend-off")
        .resource_id("endpoint/product-recommender/variant/primary")
        .scalable_dimension(ScalableDimension::SageMakerVariantDesiredInstanceCount)
        .schedule("cron(0 0 ? * SAT *)")
        .scalable_target_action(ScalableTargetAction::builder().max_capacity(1).build())
        .send()
        .await
        .unwrap();
}

/// The results document of a successful apply of the recommender in `account`.
fn assert_applied(result: &Value, account: &Account) {
    assert_eq!(result["command"], "apply", "{result:#}");
    assert_eq!(result["account"], account.id.as_str());
    assert_eq!(result["complete"], true, "{result:#}");
    let endpoints: Vec<(&str, &str)> = result["endpoints"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["endpoint"].as_str().unwrap(), e["status"].as_str().unwrap()))
        .collect();
    assert_eq!(endpoints, [("product-recommender", "succeeded")]);
}

fn cargo_installs(calls: &[String]) -> usize {
    calls.iter().filter(|c| c.starts_with("cargo install ")).count()
}

#[test]
fn the_github_actions_example_plans_pull_requests_applies_the_approved_plan_and_reports_drift() {
    use github::Status;
    let (account, read_role, apply_role) = account();
    let path = "examples/ci/github-actions.yml";
    let repo = github::Repo::new(
        &account.url,
        path,
        &read(&root().join(path)),
        &[("ENDPOINT_SCALE_PLAN_KEY", PLAN_KEY.to_string())],
        &[("ENDPOINT_SCALE_READ_ROLE_ARN", read_role.clone()), ("ENDPOINT_SCALE_APPLY_ROLE_ARN", apply_role.clone())],
    );
    repo.commit(&var(&repo.workflow_env(), "SPEC"), &recommender());

    // A pull request: validate and plan with the read-only role; the plan goes to the summary,
    // the saved plan to an artifact, unsigned (only main's plans are signed, so this one can never
    // be applied); nothing changes in AWS.
    let pr = repo.run("pull_request");
    assert_eq!(pr.ran(), ["plan"]);
    let plan = pr.job("plan");
    assert_eq!(plan.status, Status::Success, "{}", plan.log());
    assert_eq!(plan.roles, [read_role.as_str()]);
    assert_eq!(plan.outputs["changes"], "true");
    let saved = pr.artifact("endpoint-scale-plan");
    let shown = show(saved, None).code(0).stdout;
    assert!(shown.starts_with("Saved plan plan.bin, made "), "{shown}");
    assert!(shown.contains("\n  signature: none (ENDPOINT_SCALE_PLAN_KEY was not set when it was made)\n"), "{shown}");
    assert!(shown.contains("\nPlan: 9 to create, 0 to update, 0 to replace, 0 to delete.\n"), "{shown}");
    assert_eq!(read(&saved.join("plan.txt")), shown);
    assert!(plan.summary.contains(&shown), "the step summary does not hold the plan:\n{}", plan.summary);
    assert_eq!(sdk(endpoint_status(&account)), None);
    assert_eq!(cargo_installs(&repo.toolchain_calls()), 1, "the job built endpoint-scale once");

    // The merge: main plans again with the read-only role, and the apply job (in the
    // `production` environment, which the test approves) carries out that saved plan with the
    // apply role. Caches of a pull request are not main's, so main's plan job builds again; the
    // apply job finds the binary in main's cache.
    let merged = repo.run("push");
    assert_eq!(merged.ran(), ["plan", "apply"]);
    let (plan, apply) = (merged.job("plan"), merged.job("apply"));
    assert_eq!(plan.status, Status::Success, "{}", plan.log());
    assert_eq!(apply.status, Status::Success, "{}", apply.log());
    assert_eq!(apply.environment.as_deref(), Some("production"));
    assert_eq!(plan.roles, [read_role.as_str()]);
    assert_eq!(apply.roles, [apply_role.as_str()]);
    let result: Value =
        serde_json::from_str(&read(&merged.artifact("endpoint-scale-apply-result").join("result.json"))).unwrap();
    assert_applied(&result, &account);
    assert!(apply.summary.contains("\n| product-recommender | succeeded | 10 of 10 |  |\n"), "{}", apply.summary);
    assert_eq!(sdk(endpoint_status(&account)).as_deref(), Some("InService"));
    assert_eq!(cargo_installs(&repo.toolchain_calls()), 2);
    // The saved plan was signed with the repository's key: without the key it is refused.
    assert_eq!(
        show(merged.artifact("endpoint-scale-plan"), None).code(1).stderr,
        "error: plan.bin: the plan is signed: set ENDPOINT_SCALE_PLAN_KEY to the key it was signed with\n"
    );

    // A merge that changes nothing in AWS plans, and has nothing to approve.
    let again = repo.run("push");
    assert_eq!(again.ran(), ["plan"]);
    assert_eq!(again.job("plan").outputs["changes"], "false");

    // The morning drift check: in sync.
    let morning = repo.run("schedule");
    assert_eq!(morning.ran(), ["drift"]);
    let drift = morning.job("drift");
    assert_eq!(drift.status, Status::Success, "{}", drift.log());
    assert_eq!(drift.roles, [read_role.as_str()]);
    let check = drift.steps.iter().rev().find_map(|s| s.shell.as_ref()).unwrap();
    assert_eq!(check.stdout, IN_SYNC);

    // Someone changes the endpoint's scaling by hand: the next check fails with exit 2, says so,
    // and shows the drift in the log and the summary.
    sdk(change_by_hand(&account));
    let next = repo.run("schedule");
    let drift = next.job("drift");
    assert_eq!(drift.status, Status::Failure);
    let failed = drift.steps.iter().find(|s| s.status == Status::Failure).unwrap();
    let check = failed.shell.as_ref().unwrap();
    assert_eq!(check.code, 2, "{}", drift.log());
    assert!(check.stdout.starts_with(DRIFT), "{}", check.stdout);
    assert!(check.stdout.contains("\n::error title=Drift::AWS differs from "), "{}", check.stdout);
    assert!(drift.summary.contains(DRIFT), "{}", drift.summary);
}

#[test]
fn the_gitlab_example_plans_merge_requests_applies_the_approved_plan_and_reports_drift() {
    use gitlab::{Source, Status};
    let (account, read_role, apply_role) = account();
    let path = "examples/ci/gitlab-ci.yml";
    let project = gitlab::Project::new(
        &account.url,
        path,
        &read(&root().join(path)),
        &[
            ("AWS_READ_ROLE_ARN", read_role.clone(), false),
            ("AWS_APPLY_ROLE_ARN", apply_role.clone(), true),
            ("ENDPOINT_SCALE_PLAN_KEY", PLAN_KEY.to_string(), true),
        ],
    );
    project.commit(&var(&project.file_variables(), "SPEC"), &recommender());

    // A merge request: validate and plan with the read-only role; the plan as artifacts. The
    // plan key is a protected variable, so a merge request's plan is unsigned: apply, which has
    // the key, would refuse it.
    let mr = project.run(Source::MergeRequest);
    assert_eq!(mr.created(), ["plan"]);
    let plan = mr.job("plan");
    assert_eq!(plan.status, Status::Success, "{}", plan.log());
    assert_eq!(plan.variables["AWS_ROLE_ARN"], read_role);
    let saved = plan.artifacts.as_deref().unwrap();
    let shown = show(saved, None).code(0).stdout;
    assert!(shown.contains("\n  signature: none (ENDPOINT_SCALE_PLAN_KEY was not set when it was made)\n"), "{shown}");
    assert!(shown.contains("\nPlan: 9 to create, 0 to update, 0 to replace, 0 to delete.\n"), "{shown}");
    assert_eq!(read(&saved.join("plan.txt")), shown);
    assert!(plan.log().contains("\nPlan: 9 to create, 0 to update, 0 to replace, 0 to delete.\n"), "{}", plan.log());
    assert_eq!(sdk(endpoint_status(&account)), None);
    assert_eq!(cargo_installs(&project.toolchain_calls()), 1);

    // The merge: main plans again; the manual apply job in the `production` environment (started
    // by the test, as someone allowed to deploy) carries out that signed plan with the apply role.
    let main = project.run(Source::Push);
    assert_eq!(main.created(), ["plan", "apply"]);
    let (plan, apply) = (main.job("plan"), main.job("apply"));
    assert_eq!(plan.status, Status::Success, "{}", plan.log());
    assert_eq!((apply.when.as_str(), apply.environment.as_deref()), ("manual", Some("production")));
    assert_eq!(apply.status, Status::Success, "{}", apply.log());
    assert_eq!(apply.variables["AWS_ROLE_ARN"], apply_role);
    let result: Value = serde_json::from_str(&read(&apply.artifacts.as_deref().unwrap().join("result.json"))).unwrap();
    assert_applied(&result, &account);
    assert_eq!(sdk(endpoint_status(&account)).as_deref(), Some("InService"));
    assert_eq!(
        show(plan.artifacts.as_deref().unwrap(), None).code(1).stderr,
        "error: plan.bin: the plan is signed: set ENDPOINT_SCALE_PLAN_KEY to the key it was signed with\n"
    );
    assert_eq!(cargo_installs(&project.toolchain_calls()), 2, "protected and unprotected refs have their own caches");

    // The scheduled pipeline: in sync; after a change by hand, the drift job fails with exit 2.
    let schedule = project.run(Source::Schedule);
    assert_eq!(schedule.created(), ["drift"]);
    let drift = schedule.job("drift");
    assert_eq!(drift.status, Status::Success, "{}", drift.log());
    assert_eq!(drift.shell.as_ref().unwrap().stdout, IN_SYNC);
    sdk(change_by_hand(&account));
    let drift = project.run(Source::Schedule).jobs.remove(0);
    let shell = drift.shell.as_ref().unwrap();
    assert_eq!((drift.status, shell.code), (Status::Failed, 2), "{}", drift.log());
    assert!(shell.stdout.starts_with(DRIFT), "{}", shell.stdout);
    assert!(shell.stdout.contains("\nDrift: AWS differs from "), "{}", shell.stdout);
    assert_eq!(cargo_installs(&project.toolchain_calls()), 2);
}

/// The message of the panic `f` raises.
fn panic_message(f: impl FnOnce()) -> String {
    let err = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).expect_err("no panic");
    err.downcast_ref::<String>().cloned().or_else(|| err.downcast_ref::<&str>().map(|s| s.to_string())).unwrap()
}

#[test]
fn a_ci_file_using_what_the_models_do_not_understand_fails_at_its_line() {
    let github = |text: &str| panic_message(|| drop(github::Repo::new("http://unused", "w.yml", text, &[], &[])));
    let job = "on:\n  push:\njobs:\n  plan:\n    runs-on: ubuntu-latest\n    steps:\n";
    assert_eq!(
        github(&format!("{job}      - run: make\n        working-directory: deploy\n")),
        "w.yml:8:9: `working-directory` in a step of job plan is not a key tests/cli/ci_examples.rs understands (it knows name, id, if, uses, with, run, env, shell, timeout-minutes): teach the model what it does before using it"
    );
    assert_eq!(
        github(&format!("{job}      - uses: hashicorp/setup-terraform@v3\n")),
        "w.yml:7:15: the action hashicorp/setup-terraform is not modelled by tests/cli/ci_examples/github.rs"
    );
    assert_eq!(
        github(&format!("{job}      - run: make\n        if: contains(github.ref, 'main')\n")),
        "w.yml:8:13: `,` is not an operator this test understands, in `contains(github.ref, 'main')`"
    );
    assert_eq!(
        github(&format!("{job}      - run: make\n        env:\n          WHO: ${{{{ github.actor }}}}\n")),
        "w.yml: env.WHO: `github.actor` is not a context the model provides"
    );
    assert_eq!(
        github(&format!("{job}      - run: make\n        shell: pwsh\n")),
        "w.yml:8:16: the shell `pwsh` is not modelled (only bash)"
    );
    let gitlab = |text: &str| panic_message(|| drop(gitlab::Project::new("http://unused", "g.yml", text, &[])));
    assert_eq!(
        gitlab("plan:\n  rules:\n    - when: always\n  script: [make]\n  after_script: [cleanup]\n"),
        "g.yml:5:3: `after_script` in job plan is not a key tests/cli/ci_examples.rs understands (it knows stage, rules, needs, variables, id_tokens, before_script, script, cache, artifacts, environment, image, resource_group, allow_failure, interruptible, timeout, tags): teach the model what it does before using it"
    );
    assert_eq!(
        gitlab("workflow:\n  rules: []\nplan:\n  script: [make]\n"),
        "g.yml:1:1: `workflow` is not modelled by tests/cli/ci_examples/gitlab.rs"
    );
}
