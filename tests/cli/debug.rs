//! `--debug` (and ENDPOINT_SCALE_DEBUG=1): every AWS call attempt logged on stderr, with no
//! credential, signature or environment value in it, against the emulator.

use serde_json::json;

use crate::emulator::{emulator, Account};
use crate::harness::{es, Output, TempSpec};
use crate::live::{recommender, FAST};

const SECRET_KEY: &str = "wJalrXUtnFEMI-K7MDENG-bPxRfiCYSECRETKEY";
const SESSION_TOKEN: &str = "IQoJb3JpZ2luX2VjEXAMPLESESSIONTOKEN";
const ENV_VALUE: &str = "fs-7f3a9c1e-0d5e-PRIVATE";

/// The account's environment with secret-looking credentials.
fn run(account: &Account, args: &[&str], extra: &[(&'static str, &str)]) -> Output {
    let mut env = account.env();
    env.push(("AWS_SECRET_ACCESS_KEY", SECRET_KEY.to_string()));
    env.push(("AWS_SESSION_TOKEN", SESSION_TOKEN.to_string()));
    env.extend(extra.iter().map(|(k, v)| (*k, v.to_string())));
    es(args).envs(env).run()
}

fn spec() -> TempSpec {
    TempSpec::new("r.yaml", recommender().replace("fs-7f3a9c1e", ENV_VALUE))
}

/// The log lines without their timestamp and duration, sorted (reads run concurrently); every
/// line is checked to have both.
fn calls(stderr: &str) -> Vec<String> {
    let mut lines: Vec<String> = stderr
        .lines()
        .filter(|l| l.contains(" DEBUG aws "))
        .map(|l| {
            let (time, rest) = l.split_once(" DEBUG ").unwrap();
            assert!(time.ends_with('Z') && time.starts_with("20"), "{l}");
            let (call, ms) = rest.rsplit_once(" duration_ms=").unwrap();
            assert!(ms.parse::<u64>().is_ok(), "{l}");
            call.to_string()
        })
        .collect();
    lines.sort();
    lines
}

#[track_caller]
fn assert_no_secret(out: &Output) {
    for text in [&out.stdout, &out.stderr] {
        for secret in
            [SECRET_KEY, SESSION_TOKEN, ENV_VALUE, "Authorization", "Signature", "Credential=", "Security-Token"]
        {
            assert!(!text.contains(secret), "{secret} in:\n{text}");
        }
    }
}

#[test]
fn plan_logs_every_call_and_no_secret() {
    let account = emulator().account();
    let spec = spec();
    let out = run(&account, &["plan", spec.arg(), "--debug"], &[]).code(0);
    assert_eq!(
        calls(&out.stderr),
        [
            "aws service=application-autoscaling operation=DescribeScalableTargets resource=\"scalable-target endpoint/product-recommender/variant/primary\" attempt=1 status=200",
            "aws service=application-autoscaling operation=DescribeScalingPolicies attempt=1 status=200",
            "aws service=application-autoscaling operation=DescribeScheduledActions attempt=1 status=200",
            "aws service=sagemaker operation=DescribeEndpoint resource=\"endpoint product-recommender\" attempt=1 status=400 error=ValidationException",
            "aws service=sagemaker operation=ListEndpointConfigs attempt=1 status=200",
            "aws service=sagemaker operation=ListModels attempt=1 status=200",
            "aws service=sts operation=GetCallerIdentity attempt=1 status=200",
        ]
    );
    assert_no_secret(&out);
    // The plan itself is what it is without --debug: the log is on stderr only.
    let plain = run(&account, &["plan", spec.arg()], &[]).code(0);
    assert_eq!(out.stdout, plain.stdout);
    assert_eq!(plain.stderr, "");
    // ENDPOINT_SCALE_DEBUG=1 turns it on, 0 leaves it off.
    let on = run(&account, &["plan", spec.arg()], &[("ENDPOINT_SCALE_DEBUG", "1")]).code(0);
    assert_eq!(calls(&on.stderr).len(), 7);
    let off = run(&account, &["plan", spec.arg()], &[("ENDPOINT_SCALE_DEBUG", "0")]).code(0);
    assert_eq!(off.stderr, "");
}

#[test]
fn apply_logs_its_writes_and_retries_without_secrets() {
    let account = emulator().account();
    let spec = spec();
    account.inject(json!({"operation": "CreateModel", "fault": "500", "count": 1}));
    let mut args = vec!["apply", spec.arg(), "--auto-approve", "--debug"];
    args.extend(FAST);
    let out = run(&account, &args, &[]).code(0);
    let calls = calls(&out.stderr);
    let create_model: Vec<&String> = calls.iter().filter(|c| c.contains("operation=CreateModel ")).collect();
    let model = create_model[0].split("resource=\"model ").nth(1).unwrap().split('"').next().unwrap();
    assert_eq!(
        create_model,
        [
            &format!("aws service=sagemaker operation=CreateModel resource=\"model {model}\" attempt=1 status=500 error=InternalFailure"),
            &format!("aws service=sagemaker operation=CreateModel resource=\"model {model}\" attempt=2 status=200"),
        ]
    );
    for expected in [
        "aws service=sagemaker operation=CreateEndpoint resource=\"endpoint product-recommender\" attempt=1 status=200",
        "aws service=application-autoscaling operation=RegisterScalableTarget resource=\"scalable-target endpoint/product-recommender/variant/primary\" attempt=1 status=200",
        "aws service=application-autoscaling operation=PutScalingPolicy resource=\"scalable-target endpoint/product-recommender/variant/primary\" attempt=1 status=200",
    ] {
        assert!(calls.iter().any(|c| c == expected), "{expected} not in {calls:#?}");
    }
    // Every call the emulator saw is in the log, once per attempt.
    assert_eq!(calls.len(), account.requests().len());
    assert_no_secret(&out);
}
