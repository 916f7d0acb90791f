//! `simulate --traffic cloudwatch` and `traffic export` against the emulator's GetMetricData
//! (smithy rpcv2Cbor), with metric data seeded through `POST /_emulator/metrics`.

use serde_json::{json, Value};

use crate::emulator::{emulator, Account, Emulator};
use crate::harness::{assert_expected, es, Output, TempDir, TempSpec};

const SPEC: &str = "version: 1\nproject: demo\nendpoints:\n  - name: demo\n    model:\n      existing: demo-model\n    variants:\n      - name: main\n        instance_type: ml.c5.large\n        initial_instance_count: 1\n        initial_weight: 3\n        max_rps_per_instance: 2\n        autoscaling:\n          min: 1\n          max: 4\n          target:\n            safety_factor: 0.5\n      - name: canary\n        instance_type: ml.c5.large\n        initial_instance_count: 1\n        initial_weight: 1\n        max_rps_per_instance: 2\n";

/// The window ends here: `--days 1` reads 2026-11-01T09:00Z to 2026-11-02T09:00Z.
const NOW: &str = "2026-11-02T09:00:00Z";

/// An hour of main's traffic from 08:00 with no datapoint at 08:10-08:12, and canary's from 08:30.
fn seeded() -> Account {
    let account = emulator().account();
    let main: Vec<Value> =
        (0..60).map(|m| if (10..13).contains(&m) { Value::Null } else { json!(100 + 7 * (m % 11)) }).collect();
    account.control_post(
        "metrics",
        json!({"endpoint": "demo", "variant": "main", "start": "2026-11-02T08:00:00Z", "values": main}),
    );
    let canary: Vec<Value> = (0..30).map(|m| json!(20 + m)).collect();
    account.control_post(
        "metrics",
        json!({"endpoint": "demo", "variant": "canary", "start": "2026-11-02T08:30:00Z", "values": canary}),
    );
    account
}

fn run(account: &Account, args: &[&str]) -> Output {
    let mut env = account.env();
    env.push(("ENDPOINT_SCALE_NOW", NOW.to_string()));
    es(args).envs(env).run()
}

/// The one line for an endpoint whose containers publish no ConcurrentRequestsPerModel.
const NO_CONCURRENCY: &str = "note: CloudWatch has no ConcurrentRequestsPerModel datapoints for variants main, canary of endpoint demo (containers that do not publish it, such as older ones): the request duration is not measured; only Invocations are used\n";

const GAP: &str = "warning: CloudWatch has no Invocations datapoint for 3 of the 60 minutes from 2026-11-02T08:00:00Z to 2026-11-02T09:00:00Z, in 1 gap (the longest 3 minutes): at 2026-11-02T08:10:00Z (3 minutes); they are simulated as 0 invocations (CloudWatch has no datapoint for a period without requests, nor for one whose data is missing)\n";

#[test]
fn simulate_reads_the_endpoint_from_cloudwatch_and_reports_gaps() {
    let account = seeded();
    let spec = TempSpec::new("cw.yaml", SPEC);
    // Run beside the spec, so the output names it the same on every run.
    let mut env = account.env();
    env.push(("ENDPOINT_SCALE_NOW", NOW.to_string()));
    let out = es(["simulate", "cw.yaml", "--traffic", "cloudwatch", "--days", "1"])
        .envs(env)
        .current_dir(spec.path.parent().unwrap())
        .run()
        .code(0);
    assert_eq!(
        out.stderr,
        format!("note: read the Invocations of endpoint demo (variants main, canary) in us-east-1 (Sum per 60 s) from 2026-11-01T09:00:00Z to 2026-11-02T09:00:00Z in 1 GetMetricData call: 57 datapoints from 2026-11-02T08:00:00Z to 2026-11-02T09:00:00Z\n{GAP}{NO_CONCURRENCY}")
    );
    assert_expected("tests/expected/simulate-cloudwatch.txt", &out.stdout);
    assert_eq!(account.operations(), ["GetMetricData"]);
}

/// The document without its traffic's name, which says where it came from.
fn without_label(stdout: &str) -> Value {
    let mut doc: Value = serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    doc.as_object_mut().unwrap().remove("traffic").expect("a traffic label");
    doc
}

#[test]
fn the_exported_csv_simulates_the_same() {
    let account = seeded();
    let spec = TempSpec::new("cw.yaml", SPEC);
    let dir = TempDir::new();
    let csv = dir.path.join("traffic.csv");
    let out = run(&account, &["traffic", "export", spec.arg(), "--days", "1", "--out", csv.to_str().unwrap()]).code(0);
    assert!(
        out.stderr.ends_with(&format!("{GAP}{NO_CONCURRENCY}Wrote 60 minutes of traffic to {}.\n", csv.display())),
        "{}",
        out.stderr
    );
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.starts_with("# endpoint-scale traffic export\n# note: read the Invocations of endpoint demo"),
        "{text}"
    );
    assert!(
        text.contains(&format!("# {GAP}# {NO_CONCURRENCY}timestamp,invocations\n2026-11-02T08:00:00Z,100\n")),
        "{text}"
    );
    assert!(text.contains("\n2026-11-02T08:10:00Z,0\n2026-11-02T08:11:00Z,0\n"), "{text}");
    // Main and canary are summed: 100 + 7 * (30 % 11) + 20.
    assert!(text.contains("\n2026-11-02T08:30:00Z,176\n"), "{text}");
    let live =
        run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1", "--output", "json"]).code(0);
    let offline =
        run(&account, &["simulate", spec.arg(), "--traffic", csv.to_str().unwrap(), "--output", "json"]).code(0);
    assert_eq!(without_label(&live.stdout), without_label(&offline.stdout));
    // Without --out, the CSV goes to stdout.
    let out = run(&account, &["traffic", "export", spec.arg(), "--days", "1"]).code(0);
    assert_eq!(out.stdout, text);
}

#[test]
fn pages_are_followed() {
    let account = seeded();
    account.control_post("cloudwatch", json!({"page_size": 25}));
    let spec = TempSpec::new("cw.yaml", SPEC);
    let paged = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(0);
    // 57 + 30 datapoints of the two variants, 25 a page.
    assert_eq!(account.operations(), vec!["GetMetricData"; 4]);
    assert!(paged.stderr.contains("in 4 GetMetricData calls: 57 datapoints"), "{}", paged.stderr);
    account.control_post("cloudwatch", json!({"page_size": null}));
    let whole = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(0);
    assert_eq!(paged.stdout, whole.stdout);
}

#[test]
fn more_than_five_minute_retention_is_refused_and_beyond_one_minute_reads_five_minute_sums() {
    let account = seeded();
    let spec = TempSpec::new("cw.yaml", SPEC);
    let out = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "64"]).code(1);
    assert_eq!(
        out.stderr,
        "error: --days 64 reaches beyond what CloudWatch keeps at a resolution the simulator can use: one-minute data for 15 days and five-minute data for 63 (older data is kept only as hourly sums); give --days 63 or less, or simulate a CSV of older traffic\n"
    );
    assert!(account.operations().is_empty());
    let out = run(&account, &["traffic", "export", spec.arg(), "--days", "20"]).code(0);
    assert!(out.stderr.contains("note: --days 20 reaches beyond the 15 days CloudWatch keeps one-minute data, so the whole window is read in 5-minute sums, each spread evenly over its 5 minutes\n"), "{}", out.stderr);
    // 08:00-08:05 of main: 100+107+114+121+128 = 570, 114 a minute.
    assert!(
        out.stdout.contains("timestamp,invocations\n2026-11-02T08:00:00Z,114\n2026-11-02T08:01:00Z,114\n"),
        "{}",
        out.stdout
    );
}

#[test]
fn no_data_and_malformed_answers_are_errors_not_panics() {
    let account = emulator().account();
    let spec = TempSpec::new("cw.yaml", SPEC);
    let out = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(1);
    assert_eq!(
        out.stderr,
        "error: CloudWatch has no datapoints for the Invocations of endpoint demo (variants main, canary) in us-east-1 from 2026-11-01T09:00:00Z to 2026-11-02T09:00:00Z: check that the endpoint served requests then, and the region and the spec's endpoint and variant names\n"
    );
    let account = seeded();
    for (corrupt, message) in [
        ("lengths", "a result has 57 timestamps but 58 values"),
        (
            "off-period",
            "a datapoint at 2026-11-01T09:00:30+00:00 is outside the time range asked for or not on a 60-second period",
        ),
        ("negative", "the datapoint at 2026-11-01T09:00:00+00:00 is -5, not a count of invocations"),
    ] {
        account.control_post("cloudwatch", json!({"corrupt": corrupt}));
        let out = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(1);
        assert_eq!(
            out.stderr,
            format!("error: GetMetricData on the Invocations and ConcurrentRequestsPerModel metrics of endpoint demo (variant main, canary) got an answer that is not an AWS response ({message}): check that --endpoint-url or AWS_ENDPOINT_URL, if set, points at an AWS API\n")
        );
    }
    account.control_post("cloudwatch", json!({"corrupt": "not-cbor"}));
    let out = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(1);
    assert!(
        out.stderr
            .starts_with("error: GetMetricData on the Invocations and ConcurrentRequestsPerModel metrics of endpoint demo (variant main, canary) "),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
}

#[test]
fn access_denied_names_cloudwatch_get_metric_data() {
    let emulator = Emulator::dedicated();
    let account = emulator.account();
    let user = account.iam_user("analyst", r#"{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sagemaker:DescribeEndpoint", "Resource": "*"}]}"#);
    let spec = TempSpec::new("cw.yaml", SPEC);
    emulator.enforce_iam(true);
    let mut env = user.env();
    env.push(("ENDPOINT_SCALE_NOW", NOW.to_string()));
    let out = es(["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).envs(env).run();
    emulator.enforce_iam(false);
    let out = out.code(1);
    assert_eq!(
        out.stderr,
        format!("error: GetMetricData on the Invocations and ConcurrentRequestsPerModel metrics of endpoint demo (variant main, canary) was denied: the IAM action cloudwatch:GetMetricData is not allowed for these credentials (User: {} is not authorized to perform: cloudwatch:GetMetricData because no identity-based policy allows the cloudwatch:GetMetricData action)\n", user.arn)
    );
}

/// `recommend SPEC --traffic cloudwatch` searches on what CloudWatch holds: the same answer as
/// recommending on the exported CSV.
#[test]
fn recommend_reads_the_same_history_as_the_export() {
    let account = seeded();
    let spec = TempSpec::new("cw.yaml", SPEC);
    let dir = TempDir::new();
    let csv = dir.path.join("traffic.csv");
    run(&account, &["traffic", "export", spec.arg(), "--days", "1", "--out", csv.to_str().unwrap()]).code(0);
    let recommend = |traffic: &[&str]| {
        let mut args = vec!["recommend", spec.arg(), "--variant", "main", "--traffic"];
        args.extend(traffic);
        args.extend(["--instance-types", "ml.c5.large,ml.c5.xlarge", "--output", "json"]);
        let out = run(&account, &args).code(0);
        let mut doc: Value = serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout));
        let doc = doc.as_object_mut().unwrap();
        doc.remove("traffic").expect("a traffic label");
        (Value::Object(doc.clone()), out.stderr)
    };
    // `--days 1` is the window CloudWatch is read for; the CSV holds just what was read.
    let (live, stderr) = recommend(&["cloudwatch", "--days", "1"]);
    assert!(stderr.contains(GAP), "{stderr}");
    let (offline, _) = recommend(&[csv.to_str().unwrap()]);
    assert_eq!(live, offline);
    assert_eq!(account.operations(), ["GetMetricData", "GetMetricData"]);
}

/// A variant scaling on concurrency, with no `--request-seconds` of its own.
const CONCURRENCY_SPEC: &str = "version: 1\nproject: chat\nendpoints:\n  - name: chat\n    model:\n      existing: chat-llm\n    variants:\n      - name: main\n        instance_type: ml.c5.large\n        initial_instance_count: 1\n        max_rps_per_instance: 20\n        autoscaling:\n          min: 1\n          max: 6\n          metric: concurrent_requests_per_model\n          target:\n            max_concurrency_per_instance: 8\n            safety_factor: 0.5\n";

/// An hour of chat/main from 08:00: 600 + 60 x (m % 7) requests a minute, each 0.25 s in the
/// container, so two containers hold (requests per second x 0.25) / 2 each, sampled every 10 s.
fn seeded_concurrency(with_concurrency: bool) -> Account {
    let account = emulator().account();
    let per_minute: Vec<f64> = (0..60).map(|m| 600.0 + 60.0 * f64::from(m % 7)).collect();
    account.control_post(
        "metrics",
        json!({"endpoint": "chat", "variant": "main", "start": "2026-11-02T08:00:00Z", "values": per_minute}),
    );
    if with_concurrency {
        let samples: Vec<f64> = per_minute.iter().flat_map(|&n| [n / 60.0 * 0.25 / 2.0; 6]).collect();
        for instance in ["i-a", "i-b"] {
            account.control_post(
                "metrics",
                json!({"endpoint": "chat", "variant": "main", "start": "2026-11-02T08:00:00Z", "values": samples,
                       "metric": "ConcurrentRequestsPerModel", "step_seconds": 10, "instance": instance}),
            );
        }
    }
    account
}

const READ_CHAT: &str = "note: read the Invocations of endpoint chat (variant main) in us-east-1 (Sum per 60 s) from 2026-11-01T09:00:00Z to 2026-11-02T09:00:00Z in 1 GetMetricData call: 60 datapoints from 2026-11-02T08:00:00Z to 2026-11-02T09:00:00Z\n";
/// 60 x 600 + 60 x (8 x 21 + 0 + 1 + 2 + 3) = 46,440 requests in the hour.
const MEASURED: &str = "note: measured from ConcurrentRequestsPerModel over 60 minutes: 0.250 s per request (Little's law: mean concurrency / arrival rate, over 46440 requests; time in the container, queueing included)";

#[test]
fn a_concurrency_policy_uses_the_request_duration_measured_from_cloudwatch() {
    let account = seeded_concurrency(true);
    let spec = TempSpec::new("chat.yaml", CONCURRENCY_SPEC);
    let live = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(0);
    assert_eq!(live.stderr, format!("{READ_CHAT}{MEASURED}\n"));
    assert!(
        live.stdout.contains("chat/main scales on concurrent requests per model: target 4 concurrent requests per instance, 960 invocations per instance per minute at 0.25 s per request (measured from ConcurrentRequestsPerModel; concurrency = requests per second x seconds per request).\n"),
        "{}",
        live.stdout
    );
    // The export keeps the concurrency: its simulation is the same, measurement included.
    let dir = TempDir::new();
    let csv = dir.path.join("traffic.csv");
    run(&account, &["traffic", "export", spec.arg(), "--days", "1", "--out", csv.to_str().unwrap()]).code(0);
    let text = std::fs::read_to_string(&csv).unwrap();
    assert!(
        text.contains(
            "\ntimestamp,invocations,concurrency\n2026-11-02T08:00:00Z,600,2.5\n2026-11-02T08:01:00Z,660,2.75\n"
        ),
        "{text}"
    );
    let json = |traffic: &[&str]| {
        let mut args = vec!["simulate", spec.arg(), "--traffic"];
        args.extend(traffic);
        args.extend(["--output", "json"]);
        let out = run(&account, &args).code(0);
        (without_label(&out.stdout), out.stderr)
    };
    let (live, _) = json(&["cloudwatch", "--days", "1"]);
    let (offline, stderr) = json(&[csv.to_str().unwrap()]);
    assert_eq!(stderr, format!("{MEASURED}\n"));
    assert_eq!(live, offline);
    assert_eq!(live["request_seconds_from"], "ConcurrentRequestsPerModel");
    assert_eq!(live["params"]["request_seconds"], 0.25);
    // An explicit --request-seconds wins, and both say so.
    let out =
        run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1", "--request-seconds", "0.5"])
            .code(0);
    assert_eq!(out.stderr, format!("{READ_CHAT}{MEASURED}; --request-seconds 0.5 is used instead\n"));
    assert!(out.stdout.contains("at 0.5 s per request (--request-seconds; concurrency"), "{}", out.stdout);
}

#[test]
fn without_concurrency_datapoints_a_concurrency_policy_still_needs_the_flag() {
    let account = seeded_concurrency(false);
    let spec = TempSpec::new("chat.yaml", CONCURRENCY_SPEC);
    let out = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(1);
    assert_eq!(
        out.stderr,
        format!("{READ_CHAT}note: CloudWatch has no ConcurrentRequestsPerModel datapoints for variant main of endpoint chat (containers that do not publish it, such as older ones): the request duration is not measured; only Invocations are used\nerror: {}: variant chat/main scales on concurrent requests per model: give --request-seconds S, the mean seconds one request takes (from a load test or the ModelLatency metric), so the simulator can turn the traffic into concurrency (requests per second x seconds per request)\n", spec.arg())
    );
    let out =
        run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1", "--request-seconds", "0.25"])
            .code(0);
    assert!(out.stdout.contains("at 0.25 s per request (--request-seconds; concurrency"), "{}", out.stdout);
    // The export has no concurrency column then: nothing was measured.
    let out = run(&account, &["traffic", "export", spec.arg(), "--days", "1"]).code(0);
    assert!(out.stdout.contains("\ntimestamp,invocations\n2026-11-02T08:00:00Z,600\n"), "{}", out.stdout);
}

#[test]
fn absurd_concurrency_from_cloudwatch_is_an_error() {
    let account = seeded_concurrency(false);
    account.control_post(
        "metrics",
        json!({"endpoint": "chat", "variant": "main", "start": "2026-11-02T08:00:00Z", "values": [1e300],
               "metric": "ConcurrentRequestsPerModel", "step_seconds": 10}),
    );
    let spec = TempSpec::new("chat.yaml", CONCURRENCY_SPEC);
    let out = run(&account, &["simulate", spec.arg(), "--traffic", "cloudwatch", "--days", "1"]).code(1);
    assert_eq!(
        out.stderr,
        // 10^300 in one 10-second sample: a mean of 10^300 x 10 / 60 over the minute.
        "error: traffic cloudwatch: CloudWatch reports a mean of 1.6666666666666668e299 concurrent requests at 2026-11-02T08:00:00Z; a mean of concurrent requests is 0 to 1000000000\n"
    );
}
