//! No panic on malformed input: every broken spec exits 1 with an error message.

use crate::harness::{es, root, TempSpec};

#[track_caller]
fn rejects(name: &str, contents: impl AsRef<[u8]>) {
    let spec = TempSpec::new("spec.yaml", contents);
    let out = es(["validate", spec.arg()]).run();
    assert_eq!(out.code, 1, "{name}: exit code {}\n{}", out.code, out.stderr);
    assert!(
        out.stderr.starts_with("error: ") || out.stderr.starts_with("warning: "),
        "{name}: no error message:\n{}",
        out.stderr
    );
    assert!(out.stderr.contains("error: "), "{name}:\n{}", out.stderr);
    assert!(!out.stderr.contains("panicked"), "{name}:\n{}", out.stderr);
}

fn base(variant_extra: &str) -> String {
    crate::harness::spec_with_variant("ml.c5.large", variant_extra)
}

#[test]
fn truncated_specs_never_panic() {
    // A cut can land where the rest is still a valid spec (after a complete variant, say), so
    // each cut must either validate or fail with a message: never panic, never another code.
    let full = std::fs::read_to_string(root().join("examples/recommender.yaml")).unwrap();
    let (mut valid, mut invalid) = (0, 0);
    for cut in (0..full.len()).step_by(7) {
        let spec = TempSpec::new("spec.yaml", &full.as_bytes()[..cut]);
        let out = es(["validate", spec.arg()]).run();
        match out.code {
            0 => {
                valid += 1;
                assert!(out.stdout.contains(": valid ("), "cut at {cut}: {}", out.stdout);
            }
            1 => {
                invalid += 1;
                assert!(out.stderr.contains("error: "), "cut at {cut}: {}", out.stderr);
            }
            other => panic!("cut at {cut}: exit code {other}\n{}", out.stderr),
        }
    }
    assert!(invalid > valid * 3, "{invalid} invalid, {valid} valid");
}

#[test]
fn truncated_mid_token() {
    let full = std::fs::read_to_string(root().join("examples/recommender.yaml")).unwrap();
    for (name, marker) in [
        ("mid instance type", "instance_type: ml.c5.x"),
        ("after a key's colon", "initial_instance_count:"),
        ("mid key", "    variants:\n      - name: primary\n        instance_t"),
        ("mid cron", "schedule: cron(30 7 ? * MON"),
        ("mid role arn", "execution_role_arn: arn:aws:iam::1234"),
        ("before variants", "      environment:\n        SAGEMAKER_TFS_DEFAULT_MODEL_NAME: recommender\n"),
    ] {
        let end = full.find(marker).unwrap_or_else(|| panic!("{marker}")) + marker.len();
        rejects(name, &full[..end]);
    }
}

#[test]
fn empty_and_blank_files() {
    rejects("empty", "");
    rejects("comment only", "# nothing here\n");
    rejects("document marker", "---\n");
    rejects("whitespace", "   \n\n\t\n");
}

#[test]
fn wrong_types() {
    rejects("endpoints scalar", "version: 1\nproject: p\nendpoints: 5\n");
    rejects("version string", "version: one\nproject: p\nendpoints: []\n");
    rejects("tags list", "version: 1\nproject: p\ntags: [a, b]\nendpoints: []\n");
    rejects("variants mapping", "version: 1\nproject: p\nendpoints:\n  - name: e\n    variants: {}\n");
    rejects("top-level list", "- version: 1\n");
    rejects("top-level scalar", "hello\n");
    rejects("bool as count", base("        initial_instance_count: true\n"));
    rejects("null name", "version: 1\nproject:\nendpoints: []\n");
    rejects("quoted number", base("        initial_instance_count: \"2\"\n"));
}

#[test]
fn huge_and_odd_numbers() {
    rejects("huge count", base("        initial_instance_count: 99999999999999999999999\n"));
    rejects("negative count", base("        initial_instance_count: -1\n"));
    rejects("infinite rps", base("        max_rps_per_instance: 1e400\n"));
    rejects("nan weight", base("        initial_weight: .nan\n"));
    rejects("negative weight", base("        initial_weight: -1\n"));
    rejects("huge min", base("        autoscaling:\n          min: 4294967296\n          max: 1\n"));
    rejects("huge cooldown", base("        max_rps_per_instance: 5\n        autoscaling:\n          min: 1\n          max: 2\n          scale_in_cooldown: 99999999999h\n"));
}

#[test]
fn unicode_and_overlong_values() {
    rejects("cjk endpoint name", "version: 1\nproject: p\nendpoints:\n  - name: 端点\n    model: {existing: m}\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n");
    rejects("emoji variant", base("").replace("name: main", "name: \"main-😀\""));
    rejects("rtl project", "version: 1\nproject: \u{202e}p\nendpoints: []\n");
    let long = "a".repeat(500);
    rejects("long endpoint name", base("").replace("name: demo", &format!("name: {long}")));
    rejects("long instance type", base("").replace("ml.c5.large", &"x".repeat(100_000)));
    rejects("unicode instance type", base("").replace("ml.c5.large", "ml.c5.lärge"));
    rejects("unicode cron", base("        max_rps_per_instance: 5\n        autoscaling:\n          min: 1\n          max: 2\n          schedules:\n            - name: s\n              schedule: cron(0 8 ? * MÖN-FRI *)\n              min: 1\n"));
}

#[test]
fn yaml_bombs_and_deep_nesting() {
    let mut bomb = String::from("a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (name, prev) in
        ["b", "c", "d", "e", "f", "g", "h", "i"].into_iter().zip(["a", "b", "c", "d", "e", "f", "g", "h"])
    {
        bomb.push_str(&format!(
            "{name}: &{name} [*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev},*{prev}]\n"
        ));
    }
    rejects("billion laughs", &bomb);
    rejects(
        "deep flow nesting",
        format!("version: 1\nproject: p\nendpoints: {}{}\n", "[".repeat(20_000), "]".repeat(20_000)),
    );
    let mut block = String::from("version: 1\nproject: p\nendpoints:\n");
    for depth in 0..2_000 {
        block.push_str(&format!("{}- \n", "  ".repeat(depth)));
    }
    rejects("deep block nesting", &block);
}

#[test]
fn bytes_that_are_not_yaml_text() {
    rejects("not utf-8", [0xff, 0xfe, 0x00, 0x41, 0x80]);
    rejects("nul byte", "version: 1\0\nproject: p\n");
    rejects("tabs for indentation", "version: 1\nproject: p\nendpoints:\n\t- name: e\n");
    rejects("duplicate keys", "version: 1\nversion: 1\nproject: p\nendpoints: []\n");
    rejects("unclosed quote", "version: 1\nproject: \"p\nendpoints: []\n");
    rejects("yaml tag", "version: !!int 1\nproject: p\nendpoints: []\n");
}

/// The first line of stderr of a run that must fail with exit 1 (never 101, a panic).
#[track_caller]
fn first_error_line(args: &[&str]) -> String {
    let out = es(args).run().code(1);
    assert!(!out.stderr.contains("panicked"), "{}", out.stderr);
    out.stderr.lines().next().unwrap_or_default().to_string()
}

fn traffic_file(name: &str, contents: impl AsRef<[u8]>) -> TempSpec {
    TempSpec::new(name, contents)
}

const SPEC: &str = "examples/recommender.yaml";

#[test]
fn traffic_beyond_the_invocations_limit_is_refused() {
    let csv = traffic_file(
        "t.csv",
        "timestamp,invocations\n2026-11-02T08:00:00Z,6e12\n2026-11-02T08:01:00Z,6e12\n2026-11-02T08:02:00Z,6e12\n",
    );
    let message = "line 2: 6000000000000 invocations a minute is more than the 1000000000 accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)";
    assert_eq!(
        first_error_line(&["simulate", SPEC, "--traffic", csv.arg()]),
        format!("error: traffic {}: {message}", csv.arg())
    );
    assert_eq!(
        first_error_line(&["recommend", "--traffic", csv.arg(), "--max-rps-per-instance", "10"]),
        format!("error: traffic {}: {message}", csv.arg())
    );
    let json = traffic_file(
        "t.json",
        "{\"Datapoints\": [\n  {\"Timestamp\": \"2026-11-02T08:00:00Z\", \"Sum\": 1e308},\n  {\"Timestamp\": \"2026-11-02T08:01:00Z\", \"Sum\": 1e308}\n]}\n",
    );
    assert_eq!(
        first_error_line(&["simulate", SPEC, "--traffic", json.arg()]),
        format!("error: traffic {}: line 2: 1e308 invocations a minute is more than the 1000000000 accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)", json.arg())
    );
    // Two get-metric-data results of 1e308 each sum to infinity: still this message.
    let sum = traffic_file(
        "sum.json",
        "{\"MetricDataResults\": [\n{\"Timestamps\": [\"2026-11-02T08:00:00Z\"], \"Values\": [1.7e308]},\n{\"Timestamps\": [\"2026-11-02T08:00:00Z\"], \"Values\": [1.7e308]}]}\n",
    );
    assert_eq!(
        first_error_line(&["recommend", "--traffic", sum.arg(), "--max-rps-per-instance", "10"]),
        format!("error: traffic {}: line 2: inf invocations a minute is more than the 1000000000 accepted; check that the data counts invocations (a row of a coarser period is spread over its minutes)", sum.arg())
    );
}

#[test]
fn generator_settings_are_checked_with_their_range() {
    let cases = [
        ("synthetic:base_rpm=1e13", "setting `base_rpm` is 10000000000000; use a number of invocations a minute from 0 to 1000000000"),
        ("synthetic:base_rpm=-5", "setting `base_rpm` is -5; use a number of invocations a minute from 0 to 1000000000"),
        ("synthetic:peak_start_hour=25", "setting `peak_start_hour` is 25; use an hour from 0 to 24"),
        ("synthetic:timezone=Mars/Olympus", "setting `timezone` is `Mars/Olympus`, not a known time zone; use an IANA name such as `UTC` or `America/New_York`"),
        ("synthetic:timezone=Europe/Pariss", "setting `timezone` is `Europe/Pariss`, not a known time zone; did you mean `Europe/Paris`?"),
        ("synthetic:days=-1", "setting `days` is `-1`; use a whole number of days from 1 to 366"),
        ("synthetic:days=367", "setting `days` is 367; use a whole number of days from 1 to 366"),
        ("synthetic:noise=lots", "setting `noise` is `lots`; use a number from 0 to 1"),
    ];
    for (source, message) in cases {
        assert_eq!(
            first_error_line(&["simulate", SPEC, "--traffic", source]),
            format!("error: traffic generator: {message}"),
            "{source}"
        );
    }
    assert_eq!(
        first_error_line(&["traffic", "generate", "peak_end_hour=99"]),
        "error: traffic generator: setting `peak_end_hour` is 99; use an hour from 0 to 24"
    );
}

#[test]
fn flag_values_out_of_range_name_the_range() {
    let cases: [(&[&str], &str); 6] = [
        (
            &["simulate", SPEC, "--traffic", "synthetic:days=1", "--launch-delay", "4294967295"],
            "error: invalid value '4294967295' for '--launch-delay <LAUNCH_DELAY>': `4294967295` is not a whole number of minutes from 0 to 1440",
        ),
        (
            &["recommend", "--traffic", "synthetic:days=1", "--max-rps-per-instance", "1e-300"],
            "error: invalid value '1e-300' for '--max-rps-per-instance <MAX_RPS_PER_INSTANCE>': `1e-300` is not a number of requests per second from 0.001 to 1000000",
        ),
        (
            &["plan", SPEC, "--max-attempts", "4294967295"],
            "error: invalid value '4294967295' for '--max-attempts <MAX_ATTEMPTS>': `4294967295` is not a number of attempts from 1 to 20",
        ),
        (
            &["apply", SPEC, "--max-attempts", "0"],
            "error: invalid value '0' for '--max-attempts <MAX_ATTEMPTS>': `0` is not a number of attempts from 1 to 20",
        ),
        (
            &["apply", SPEC, "--poll-interval", "2h"],
            "error: invalid value '2h' for '--poll-interval <POLL_INTERVAL>': `2h` is out of range: use a duration from 10ms to 1h",
        ),
        (
            &["destroy", SPEC, "--wait-timeout", "48h"],
            "error: invalid value '48h' for '--wait-timeout <WAIT_TIMEOUT>': `48h` is out of range: use a duration from 1s to 24h",
        ),
    ];
    for (args, message) in cases {
        assert_eq!(first_error_line(args), message, "{args:?}");
    }
}

#[test]
fn a_poll_interval_longer_than_the_timeout_is_capped_by_it() {
    use clap::Parser;
    let cli = endpoint_scale::cli::Cli::try_parse_from([
        "endpoint-scale",
        "apply",
        SPEC,
        "--wait-timeout",
        "10s",
        "--poll-interval",
        "1h",
    ])
    .unwrap();
    let endpoint_scale::cli::Command::Apply { wait, .. } = cli.command else { panic!("apply") };
    assert_eq!(wait.wait_timeout, std::time::Duration::from_secs(10));
    assert_eq!(wait.poll_interval, std::time::Duration::from_secs(10));
}

#[test]
fn a_target_that_rounds_to_0_is_refused() {
    let spec = TempSpec::new(
        "tiny.yaml",
        base("        max_rps_per_instance: 0.000000001\n        autoscaling: {min: 1, max: 2}\n"),
    );
    let out = es(["validate", spec.arg()]).run().code(1);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        "error: the target rounds to 0 invocations per instance per minute (max_rps_per_instance 0.000000001 x safety_factor 0.5 x 60, to 6 decimals)"
    );
    // At the figure the target comes from, not at autoscaling's `min`.
    assert!(out.stderr.contains(&format!("--> {}:10:31", spec.arg())), "{}", out.stderr);
    assert!(out.stderr.contains("= help: the smallest target is 0.000001; at safety_factor 0.5 that needs `max_rps_per_instance` of at least 0.0000000167, or give `target: { invocations_per_instance: N }`"), "{}", out.stderr);
    let out = es(["simulate", spec.arg(), "--traffic", "synthetic:days=1"]).run().code(1);
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn a_target_that_overflows_is_refused_at_its_figure() {
    let spec = TempSpec::new(
        "huge.yaml",
        base("        max_rps_per_instance: 1e302\n        autoscaling: {min: 1, max: 2}\n"),
    );
    let out = es(["validate", spec.arg()]).run().code(1);
    assert_eq!(
        out.stderr.lines().next().unwrap(),
        "error: the target max_rps_per_instance 1e302 x safety_factor 0.5 x 60 is above the largest target Application Auto Scaling accepts (2^360, about 2.3e108)"
    );
    assert!(out.stderr.contains(&format!("--> {}:10:31", spec.arg())), "{}", out.stderr);
    let out = es(["simulate", spec.arg(), "--traffic", "synthetic:days=1"]).run().code(1);
    assert!(!out.stderr.contains("panicked"));
}

#[test]
fn recommend_refuses_a_search_it_could_not_finish() {
    assert_eq!(
        first_error_line(&["recommend", "--traffic", "synthetic:days=1,noise=0,bursts_per_day=0", "--max-rps-per-instance", "0.001"]),
        "error: the peak of 540 invocations a minute needs 9000 instances of ml.c5.large at 0.001 requests per second each, more than the 500 the search tries (it goes up to twice the need, within the simulator's 1000); check --max-rps-per-instance or list larger instance types"
    );
    assert_eq!(
        first_error_line(&["recommend", "--traffic", "synthetic:days=1", "--max-rps-per-instance", "0.1"]),
        "error: the search would consider more than 1000000 configurations; list fewer or larger instance types (fewer instances at the peak), or check --max-rps-per-instance"
    );
}

#[test]
fn a_spec_beyond_the_instance_limit_is_refused_by_the_simulator() {
    let spec = TempSpec::new(
        "big.yaml",
        base("        max_rps_per_instance: 5\n        autoscaling: {min: 1, max: 4294967295}\n"),
    );
    assert_eq!(
        first_error_line(&["simulate", spec.arg(), "--traffic", "synthetic:days=1"]),
        format!("error: {}: variant demo/main has autoscaling max 4294967295; the simulator models 1 to 1000 instances per variant", spec.arg())
    );
}

#[test]
fn traffic_that_is_not_text_or_too_long_is_refused_quickly() {
    let started = std::time::Instant::now();
    assert_eq!(
        first_error_line(&["simulate", SPEC, "--traffic", "/dev/zero"]),
        "error: traffic /dev/zero: line 1: the traffic input is not text (it holds a NUL byte or invalid UTF-8); give a CSV with the header `timestamp,invocations`, or the JSON of `aws cloudwatch get-metric-data`"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "{:?}", started.elapsed());

    // Ten million one-minute rows: rejected at the first row beyond 366 days, without reading
    // the rest. The file is written lazily by a thread through a pipe, and the reader stops
    // long before the writer is done.
    let dir = crate::harness::TempDir::new();
    let fifo = dir.path.join("rows.csv");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let writer = {
        let fifo = fifo.clone();
        std::thread::spawn(move || {
            use std::io::Write;
            let mut f = std::io::BufWriter::new(std::fs::OpenOptions::new().write(true).open(&fifo).unwrap());
            let start = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00Z").unwrap();
            let _ = writeln!(f, "timestamp,invocations");
            let mut written = 0usize;
            for i in 0..10_000_000i64 {
                let at = start + chrono::Duration::minutes(i);
                if writeln!(f, "{},10", at.format("%Y-%m-%dT%H:%M:%SZ")).is_err() {
                    break; // the reader has stopped
                }
                written += 1;
            }
            written
        })
    };
    let out = es(["simulate", SPEC, "--traffic", fifo.to_str().unwrap()]).run().code(1);
    assert_eq!(
        out.stderr,
        format!("error: traffic {}: line 527042: the data spans 527041 minutes up to here, more than the 527040 (366 days) accepted; trim the time range\n", fifo.display())
    );
    let written = writer.join().unwrap();
    assert!(written < 1_000_000, "{written} rows written before the reader stopped");

    let long =
        traffic_file("long.csv", format!("timestamp,invocations\n2026-11-02T08:00:00Z,{}\n", "9".repeat(10_000)));
    assert_eq!(
        first_error_line(&["simulate", SPEC, "--traffic", long.arg()]),
        format!("error: traffic {}: line 2: the line is longer than 4096 bytes; a CSV row is a timestamp and a number such as `2026-11-02T08:00:00Z,120`", long.arg())
    );
}

#[test]
fn json_output_is_proportional_to_the_trace() {
    // A year of minutes: the document is about 37 bytes per minute and variant, never a copy per
    // value of the whole series.
    let out = es(["simulate", SPEC, "--traffic", "synthetic:days=366", "--output", "json"]).run().code(0);
    let minutes = 366 * 1440;
    assert!(out.stdout.len() < 50 * minutes, "{} bytes", out.stdout.len());
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["minutes"], minutes);
    assert_eq!(doc["results"][0]["series"]["billed"].as_array().unwrap().len(), minutes);
}
