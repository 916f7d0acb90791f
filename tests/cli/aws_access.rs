//! Where endpoint-scale sends its calls and what it says when they fail: the spec's `region:`
//! wins over the environment and the profile, `--region` may only repeat it, every live plan
//! names its account and region, and every kind of AWS failure is one sentence with what to do.

use std::io::{Read, Write};
use std::net::TcpListener;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::emulator::{emulator, Account};
use crate::harness::{es, Output, TempDir, TempSpec};
use crate::live::{apply, recommender};

fn run_with(account: &Account, args: &[&str], extra: Vec<(&'static str, String)>) -> Output {
    es(args).envs(account.env()).envs(extra).run()
}

/// Credentials and a region of the account, but no emulator URL: for tests that point
/// `--endpoint-url` elsewhere.
fn offline_credentials() -> Vec<(&'static str, String)> {
    vec![
        ("AWS_ACCESS_KEY_ID", "123456789012".to_string()),
        ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
        ("AWS_REGION", "us-east-1".to_string()),
    ]
}

#[tokio::test]
async fn the_spec_region_wins_over_aws_region_with_a_note() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let eu = vec![("AWS_REGION", "eu-west-1".to_string())];
    let out =
        run_with(&account, &["apply", spec.arg(), "--auto-approve", "--poll-interval", "50ms"], eu.clone()).code(0);
    assert!(
        out.stderr.starts_with(
            "note: the spec's region us-east-1 is used, and region eu-west-1 from AWS_REGION is ignored\n"
        ),
        "{}",
        out.stderr
    );
    assert!(
        out.stdout.starts_with(&format!(
            "endpoint-scale plan for project \"recommendations\" (account {}, region us-east-1)\n",
            account.id
        )),
        "{}",
        out.stdout
    );
    // The endpoint is in us-east-1, and nothing in eu-west-1.
    let east = account.sagemaker().await.list_endpoints().send().await.unwrap();
    assert_eq!(east.endpoints().len(), 1);
    let config = aws_sdk_sagemaker::config::Builder::from(&account.sdk_config().await)
        .region(aws_sdk_sagemaker::config::Region::new("eu-west-1"))
        .build();
    let west = aws_sdk_sagemaker::Client::from_conf(config).list_endpoints().send().await.unwrap();
    assert!(west.endpoints().is_empty());

    let out = run_with(&account, &["plan", spec.arg()], eu).code(0);
    assert_eq!(
        out.stdout,
        format!(
            "No changes. The endpoints of project \"recommendations\" match the spec (account {}, region us-east-1).\n",
            account.id
        )
    );
}

#[tokio::test]
async fn the_spec_region_wins_over_the_profile_with_a_note() {
    let account = emulator().account();
    let dir = TempDir::new();
    let config = dir.path.join("config");
    std::fs::write(&config, "[profile dev]\nregion = eu-west-2\n").unwrap();
    let spec = TempSpec::new("r.yaml", recommender());
    let mut env = account.env();
    env.retain(|(k, _)| *k != "AWS_REGION");
    env.push(("AWS_CONFIG_FILE", config.display().to_string()));
    let out = es(["plan", spec.arg(), "--profile", "dev", "--output", "json"]).envs(env).run().code(0);
    assert_eq!(
        out.stderr,
        "note: the spec's region us-east-1 is used, and region eu-west-2 from profile \"dev\" is ignored\n"
    );
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["region"], "us-east-1");
}

#[tokio::test]
async fn a_region_flag_that_contradicts_the_spec_is_refused_before_any_call() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let out = run_with(&account, &["plan", spec.arg(), "--region", "eu-west-1"], vec![]).code(1);
    assert_eq!(
        out.stderr,
        "error: --region eu-west-1 contradicts the spec's region us-east-1: drop --region, or change `region:` in the spec\n"
    );
    assert_eq!(account.operations(), Vec::<String>::new());
    // Repeating the spec's region is fine, and says nothing.
    let out = run_with(&account, &["plan", spec.arg(), "--region", "us-east-1"], vec![]).code(0);
    assert_eq!(out.stderr, "");
}

#[tokio::test]
async fn without_a_spec_region_the_flag_then_the_environment_decide() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender().replace("region: us-east-1\n", ""));
    let region = |args: &[&str]| {
        let out = run_with(&account, args, vec![("AWS_REGION", "eu-west-1".to_string())]).code(0);
        assert_eq!(out.stderr, "");
        serde_json::from_str::<Value>(&out.stdout).unwrap()["region"].clone()
    };
    assert_eq!(region(&["plan", spec.arg(), "--output", "json"]), "eu-west-1");
    assert_eq!(region(&["plan", spec.arg(), "--output", "json", "--region", "eu-central-1"]), "eu-central-1");
}

#[tokio::test]
async fn json_plans_name_the_account_or_say_they_are_offline() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    let fields = |out: Output| {
        let doc: Value = serde_json::from_str(&out.stdout).unwrap();
        json!([doc["format_version"], doc["region"], doc["account"], doc["offline"]])
    };
    let live = run_with(&account, &["plan", spec.arg(), "--output", "json"], vec![]).code(0);
    assert_eq!(fields(live), json!(["1.0", "us-east-1", account.id, false]));
    let drift = run_with(&account, &["diff", spec.arg(), "--output", "json"], vec![]).code(2);
    assert_eq!(fields(drift), json!(["1.0", "us-east-1", account.id, false]));
    let offline = es(["plan", spec.arg(), "--offline", "--output", "json"]).run().code(0);
    assert_eq!(fields(offline), json!(["1.0", "us-east-1", null, true]));
}

#[tokio::test]
async fn destroy_names_the_account_it_deletes_from() {
    let account = emulator().account();
    let spec = TempSpec::new("r.yaml", recommender());
    apply(&account, &spec).code(0);
    let out = run_with(&account, &["destroy", spec.arg(), "--auto-approve", "--poll-interval", "50ms"], vec![]).code(0);
    assert!(
        out.stdout.starts_with(&format!(
            "endpoint-scale plan for project \"recommendations\" (account {}, region us-east-1)\n",
            account.id
        )),
        "{}",
        out.stdout
    );
}

#[test]
fn an_unreachable_endpoint_url_is_one_sentence() {
    let out = es(["plan", "examples/recommender.yaml", "--endpoint-url", "http://127.0.0.1:9", "--max-attempts", "1"])
        .envs(offline_credentials())
        .run()
        .code(1);
    assert_eq!(
        out.stderr,
        "error: GetCallerIdentity on the caller identity could not reach AWS (http://127.0.0.1:9: connection refused): check the network, any proxy, and --endpoint-url or AWS_ENDPOINT_URL if set, then run again\n"
    );
}

/// A server that accepts connections and never answers: without an attempt timeout the SDK
/// would wait forever (it sets only a connect timeout).
#[test]
fn an_endpoint_that_never_answers_times_out() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for stream in listener.incoming() {
            held.push(stream);
        }
    });
    let started = Instant::now();
    let mut env = offline_credentials();
    env.push(("ENDPOINT_SCALE_CALL_TIMEOUT", "0.3".to_string()));
    let out = es(["plan", "examples/recommender.yaml", "--endpoint-url", &url, "--max-attempts", "1"])
        .envs(env)
        .run()
        .code(1);
    assert_eq!(
        out.stderr,
        format!("error: GetCallerIdentity on the caller identity could not reach AWS ({url}: no answer within 300ms, the limit ENDPOINT_SCALE_CALL_TIMEOUT sets): check the network, any proxy, and --endpoint-url or AWS_ENDPOINT_URL if set, then run again\n")
    );
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
}

#[test]
fn a_bad_call_timeout_is_refused() {
    let mut env = offline_credentials();
    env.push(("ENDPOINT_SCALE_CALL_TIMEOUT", "soon".to_string()));
    let out = es(["plan", "examples/recommender.yaml"]).envs(env).run().code(1);
    assert_eq!(
        out.stderr,
        "error: ENDPOINT_SCALE_CALL_TIMEOUT must be a number of seconds above 0, like 30 or 2.5, not \"soon\"\n"
    );
}

/// A web server that is not AWS: every request gets `200 OK` and `hello`.
#[test]
fn an_endpoint_that_is_not_aws_says_so() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut buf = [0u8; 65536];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Type: text/xml\r\n\r\nhello");
        }
    });
    let out = es(["plan", "examples/recommender.yaml", "--endpoint-url", &url, "--max-attempts", "1"])
        .envs(offline_credentials())
        .run()
        .code(1);
    assert_eq!(
        out.stderr,
        "error: GetCallerIdentity on the caller identity got an answer that is not an AWS response (HTTP 200): check that --endpoint-url or AWS_ENDPOINT_URL, if set, points at an AWS API\n"
    );
}

#[test]
fn a_region_that_cannot_make_an_endpoint_is_a_request_error() {
    let spec = TempSpec::new("r.yaml", recommender().replace("region: us-east-1\n", ""));
    let out = es(["plan", spec.arg(), "--region", "not a region", "--max-attempts", "1"])
        .envs(offline_credentials())
        .run()
        .code(1);
    assert_eq!(
        out.stderr,
        "error: GetCallerIdentity on the caller identity could not be sent (invalid value for field: `region` - must be a valid host label): check the region, the credentials and --endpoint-url or AWS_ENDPOINT_URL\n"
    );
}

#[test]
fn emulator_faults_are_one_sentence_each() {
    let account = emulator().account();
    let spec = "examples/recommender.yaml";
    let cases = [
        ("500", "GetCallerIdentity on the caller identity failed on AWS's side (InternalFailure: An internal error occurred (injected by the emulator)): run again in a while, or raise --max-attempts".to_string()),
        ("503", "GetCallerIdentity on the caller identity failed on AWS's side (ServiceUnavailable: Service is unavailable (injected by the emulator)): run again in a while, or raise --max-attempts".to_string()),
        ("throttle", "GetCallerIdentity on the caller identity was throttled by AWS after every retry (Rate exceeded): lower --parallelism, raise --max-attempts, or pass --retry-mode adaptive".to_string()),
        ("drop", format!("GetCallerIdentity on the caller identity could not reach AWS ({}: connection closed before message completed): check the network, any proxy, and --endpoint-url or AWS_ENDPOINT_URL if set, then run again", account.url)),
    ];
    for (fault, sentence) in cases {
        account.clear_faults();
        account.inject(json!({"operation": "*", "fault": fault}));
        let out = run_with(&account, &["plan", spec, "--max-attempts", "1"], vec![]).code(1);
        assert_eq!(out.stderr, format!("error: {sentence}\n"), "fault {fault}");
    }
    // A fault on a SageMaker read alone: the read's own sentence.
    account.clear_faults();
    account.inject(json!({"operation": "DescribeEndpoint", "fault": "500"}));
    let out = run_with(&account, &["plan", spec, "--max-attempts", "1"], vec![]).code(1);
    assert_eq!(
        out.stderr,
        "error: DescribeEndpoint on endpoint product-recommender failed on AWS's side (InternalFailure: An internal error occurred (injected by the emulator)): run again in a while, or raise --max-attempts\n"
    );
}
