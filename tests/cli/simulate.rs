//! simulate, recommend and traffic generate, running the real binary (offline).

use serde_json::Value;

use crate::harness::{es, root, TempDir, TempSpec};

fn json_of(args: &[&str]) -> Value {
    let out = es(args).run().code(0);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn csv_cloudwatch_and_generated_traffic_with_the_same_numbers_give_identical_results() {
    let dir = TempDir::new();
    let csv = es(["traffic", "generate", "days=3", "seed=9"]).run().code(0).stdout;
    let csv_path = dir.path.join("traffic.csv");
    std::fs::write(&csv_path, &csv).unwrap();
    let parsed = endpoint_scale::simulate::traffic::parse_csv(&csv).unwrap();
    let json_path = dir.path.join("traffic.json");
    std::fs::write(&json_path, endpoint_scale::simulate::traffic::to_cloudwatch_json(&parsed)).unwrap();

    let run = |source: &str| {
        let mut doc = json_of(&["simulate", "examples/recommender.yaml", "--traffic", source, "--output", "json"]);
        doc.as_object_mut().unwrap().remove("traffic");
        doc
    };
    let generated = run("synthetic:days=3,seed=9");
    assert_eq!(generated["minutes"], 3 * 1440);
    assert_eq!(run(csv_path.to_str().unwrap()), generated);
    assert_eq!(run(json_path.to_str().unwrap()), generated);
}

#[test]
fn json_output_carries_the_per_minute_series() {
    let doc = json_of(&["simulate", "examples/recommender.yaml", "--traffic", "synthetic:days=2", "--output", "json"]);
    assert_eq!(doc["format_version"], "2.0");
    assert_eq!(doc["step_seconds"], 60);
    let result = &doc["results"][0];
    assert_eq!(result["endpoint"], "product-recommender");
    for key in ["invocations", "capacity", "overload", "in_service", "billed", "min", "max"] {
        assert_eq!(result["series"][key].as_array().unwrap().len(), 2 * 1440, "{key}");
    }
    assert_eq!(result["series"]["credit_balance"], Value::Null);
    let s = &result["summary"];
    assert_eq!(s["minutes"], 2 * 1440);
    assert!(s["cost"].as_f64().unwrap() > 0.0);
}

#[test]
fn the_chart_is_a_valid_image() {
    let dir = TempDir::new();
    for name in ["chart.png", "chart.svg"] {
        let path = dir.path.join(name);
        let out = es([
            "simulate",
            "examples/burstable.yaml",
            "--traffic",
            "synthetic:days=2,base_rpm=100",
            "--chart",
            path.to_str().unwrap(),
        ])
        .run()
        .code(0);
        assert_eq!(out.stderr, format!("Wrote the chart to {}.\n", path.display()));
        let bytes = std::fs::read(&path).unwrap();
        if name.ends_with(".png") {
            assert_eq!(&bytes[..8], b"\x89PNG\r\n\x1a\n");
            assert_eq!(&bytes[12..16], b"IHDR");
            assert_eq!(u32::from_be_bytes(bytes[16..20].try_into().unwrap()), 1200);
            assert_eq!(u32::from_be_bytes(bytes[20..24].try_into().unwrap()), 900);
        } else {
            let text = String::from_utf8(bytes).unwrap();
            assert!(text.starts_with("<svg") || text.starts_with("<?xml"), "{}", &text[..80]);
            assert!(text.contains("CPU credit balance"), "the burstable run has a credits panel");
        }
    }
}

#[test]
fn compare_runs_several_specs_on_the_same_traffic() {
    let fixed = TempSpec::new(
        "fixed.yaml",
        std::fs::read_to_string(root().join("examples/recommender.yaml"))
            .unwrap()
            .split("        autoscaling:")
            .next()
            .unwrap()
            .replace("initial_instance_count: 2", "initial_instance_count: 3"),
    );
    let doc = json_of(&[
        "simulate",
        "examples/recommender.yaml",
        "--traffic",
        "synthetic:days=7",
        "--compare",
        fixed.arg(),
        "--output",
        "json",
    ]);
    let results = doc["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    assert_eq!(results[1]["label"], fixed.arg());
    // A fixed fleet of 3 for 7 days: 3 x 168 hours.
    assert_eq!(results[1]["summary"]["instance_hours"], 504.0);
    let price = results[1]["price_per_hour"].as_f64().unwrap();
    assert_eq!(results[1]["summary"]["cost"].as_f64().unwrap(), 504.0 * price);
    let human =
        es(["simulate", "examples/recommender.yaml", "--traffic", "synthetic:days=7", "--compare", fixed.arg()])
            .run()
            .code(0);
    let rows: Vec<&str> = human.stdout.lines().filter(|l| l.contains("product-recommender/primary")).collect();
    assert_eq!(rows.len(), 2, "{}", human.stdout);
}

#[test]
fn a_variant_without_a_capacity_figure_is_a_clear_error() {
    let spec = TempSpec::new(
        "s.yaml",
        "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n",
    );
    let out = es(["simulate", spec.arg(), "--traffic", "synthetic:days=1"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!("error: {}: variant e/v has no `max_rps_per_instance`: the simulator needs the load-tested requests per second one instance serves\n", spec.arg())
    );
}

#[test]
fn unknown_generator_settings_name_the_valid_ones() {
    let out = es(["traffic", "generate", "sede=3"]).run().code(1);
    assert!(
        out.stderr.starts_with("error: traffic generator: unknown generator setting `sede`; the settings are "),
        "{}",
        out.stderr
    );
}

#[test]
fn recommend_ranks_configurations_and_writes_a_valid_variant() {
    let dir = TempDir::new();
    let fragment = dir.path.join("winner.yaml");
    let out = es([
        "recommend",
        "--traffic",
        "synthetic:days=7",
        "--max-rps-per-instance",
        "20",
        "--instance-types",
        "ml.c5.large,ml.c5.xlarge",
        "--write",
        fragment.to_str().unwrap(),
        "--output",
        "json",
    ])
    .run()
    .code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let best = doc["recommendations"].as_array().unwrap();
    // The best configuration of each type.
    assert_eq!(best.len(), 2);
    let costs: Vec<f64> = best.iter().map(|r| r["summary"]["cost"].as_f64().unwrap()).collect();
    assert!(costs.windows(2).all(|w| w[0] <= w[1]), "{costs:?}");
    assert!(best.iter().all(|r| r["overload_share"].as_f64().unwrap() <= 0.001));
    assert!(doc["considered"].as_u64().unwrap() > 100);
    assert!(doc["evaluated"].as_u64().unwrap() < doc["considered"].as_u64().unwrap());
    // The fragment is a variant a spec can use as is.
    let variant = std::fs::read_to_string(&fragment).unwrap();
    let indented: String =
        variant.lines().map(|l| if l.is_empty() { "\n".to_string() } else { format!("      {l}\n") }).collect();
    let spec = TempSpec::new(
        "spec.yaml",
        format!(
            "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {{existing: m}}\n    variants:\n{indented}"
        ),
    );
    es(["validate", spec.arg()]).run().code(0);
    // And simulating it gives the figures recommend ranked it with.
    let sim = json_of(&["simulate", spec.arg(), "--traffic", "synthetic:days=7", "--output", "json"]);
    assert_eq!(sim["results"][0]["summary"]["cost"], best[0]["summary"]["cost"]);
    assert_eq!(sim["results"][0]["summary"]["overload_invocations"], best[0]["summary"]["overload_invocations"]);
}

// recommend: burstable fleets, the load-tested type, determinism and the search's work.

fn recommend_json(args: &[&str], threads: &str) -> Value {
    let out = es(["recommend", "--traffic", "synthetic:days=7", "--max-rps-per-instance", "20", "--output", "json"]
        .iter()
        .chain(args))
    .envs(vec![("RAYON_NUM_THREADS", threads.to_string())])
    .run()
    .code(0);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn recommend_never_auto_scales_a_burstable_type() {
    let doc = recommend_json(&["--instance-types", "ml.t2.medium,ml.t2.large,ml.c5.large"], "2");
    for r in doc["recommendations"].as_array().unwrap().iter().chain(doc["frontier"].as_array().unwrap()) {
        let c = &r["candidate"];
        if c["instance_type"].as_str().unwrap().starts_with("ml.t2.") {
            assert_eq!(c["fixed_fleet"], true, "{c}");
            assert_eq!(c["min"], c["max"], "{c}");
            assert_eq!((&c["business_hours_min"], &c["month_start_min"]), (&Value::Null, &Value::Null), "{c}");
        }
    }
    let ranked: Vec<&str> = doc["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["candidate"]["instance_type"].as_str().unwrap())
        .collect();
    assert_eq!(ranked, ["ml.c5.large", "ml.t2.medium", "ml.t2.large"]);
    let out = es([
        "recommend",
        "--traffic",
        "synthetic:days=7",
        "--max-rps-per-instance",
        "20",
        "--instance-types",
        "ml.t2.medium,ml.t2.large",
    ])
    .run()
    .code(0);
    let notes: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("Rank ")).collect();
    assert_eq!(
        notes,
        [
            "Rank 1: ml.t2.medium fixed fleet of 4: burstable instances cannot be auto scaled.",
            "Rank 2: ml.t2.large fixed fleet of 3: burstable instances cannot be auto scaled."
        ]
    );
    assert!(!out.stdout.contains("autoscaling:"), "{}", out.stdout);
    assert!(out.stdout.contains("# Fixed fleet: burstable instances cannot be auto scaled.\n"), "{}", out.stdout);
}

#[test]
fn tested_on_names_the_load_tested_type_and_scales_the_others_from_it() {
    let capacities = |doc: &Value| -> Vec<(String, f64)> {
        doc["recommendations"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let c = &r["candidate"];
                (c["instance_type"].as_str().unwrap().to_string(), c["capacity_per_instance"].as_f64().unwrap())
            })
            .collect()
    };
    let types = ["--instance-types", "ml.c5.large,ml.c5.xlarge"];
    let default = recommend_json(&types, "2");
    assert_eq!(
        default["capacity_note"],
        "Capacity per instance scaled by vCPUs from ml.c5.large (--tested-on; default: the first listed type): 20 requests per second each; load-test the winner."
    );
    assert_eq!(capacities(&default), [("ml.c5.large".to_string(), 1200.0), ("ml.c5.xlarge".to_string(), 2400.0)]);
    let xlarge = recommend_json(&[types[0], types[1], "--tested-on", "ml.c5.xlarge"], "2");
    assert_eq!(xlarge["tested_on"], "ml.c5.xlarge");
    assert_eq!(
        xlarge["capacity_note"],
        "Capacity per instance scaled by vCPUs from ml.c5.xlarge (--tested-on): 20 requests per second each; load-test the winner."
    );
    assert_eq!(capacities(&xlarge), [("ml.c5.large".to_string(), 600.0), ("ml.c5.xlarge".to_string(), 1200.0)]);
}

#[test]
fn recommend_gives_the_same_answer_on_one_thread_and_on_four() {
    let args = ["--instance-types", "ml.c5.large,ml.c5.xlarge,ml.m5.large,ml.t2.medium"];
    let one = recommend_json(&args, "1");
    assert_eq!(one, recommend_json(&args, "4"));
    assert_eq!(one, recommend_json(&args, "4"));
    // One configuration per instance type, cheapest first.
    let types: Vec<&str> = one["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["candidate"]["instance_type"].as_str().unwrap())
        .collect();
    let mut distinct = types.clone();
    distinct.sort();
    distinct.dedup();
    assert_eq!(distinct.len(), types.len(), "{types:?}");
}

/// What follows the per-variant table: the verdicts and any warnings.
fn after_table(stdout: &str) -> String {
    let start = stdout.find("\nVerdict").or_else(|| stdout.find("\nWarning")).unwrap_or(stdout.len());
    stdout[start..].to_string()
}

const WEEK: &str = "synthetic:base_rpm=1000,days=7,seed=3";

#[test]
fn compare_gives_a_verdict_on_each_spec_against_the_first() {
    let out = es([
        "simulate",
        "examples/recommender.yaml",
        "--traffic",
        WEEK,
        "--compare",
        "examples/study/today-fixed-c5.yaml",
        "examples/study/fixed-burstable.yaml",
    ])
    .run()
    .code(0);
    assert_eq!(
        after_table(&out.stdout),
        "
Verdict, against the first spec (examples/recommender.yaml):

spec                                 saving               over capacity  change    peak
examples/study/today-fixed-c5.yaml   -$14.14 (-16.0%)    0.96% vs 0.22%   +335%  3 vs 8
examples/study/fixed-burstable.yaml  -$98.65 (-111.3%)  18.65% vs 0.22%  +8315%  5 vs 8

examples/study/today-fixed-c5.yaml costs 16.0% more than examples/recommender.yaml ($102.82 vs $88.67) and turns away 4.4 times as many requests (0.96% vs 0.22% of invocations over capacity).
examples/study/fixed-burstable.yaml costs 111.3% more than examples/recommender.yaml ($187.32 vs $88.67) and turns away 84.2 times as many requests (18.65% vs 0.22% of invocations over capacity).
"
    );
    // With today's fleet first, it is the baseline.
    let out = es([
        "simulate",
        "examples/study/today-fixed-c5.yaml",
        "--traffic",
        WEEK,
        "--compare",
        "examples/recommender.yaml",
    ])
    .run()
    .code(0);
    assert_eq!(
        after_table(&out.stdout),
        "
Verdict, against the first spec (examples/study/today-fixed-c5.yaml):

spec                       saving            over capacity  change    peak
examples/recommender.yaml  $14.14 (+13.8%)  0.22% vs 0.96%    -77%  8 vs 3

examples/recommender.yaml costs 13.8% less than examples/study/today-fixed-c5.yaml ($88.67 vs $102.82) and turns away 77% fewer requests (0.22% vs 0.96% of invocations over capacity).
"
    );
    // A single spec has nothing to compare with.
    let out = es(["simulate", "examples/recommender.yaml", "--traffic", WEEK]).run().code(0);
    assert_eq!(after_table(&out.stdout), "");
}

#[test]
fn the_json_verdict_carries_the_numbers() {
    let doc = json_of(&[
        "simulate",
        "examples/study/today-fixed-c5.yaml",
        "--traffic",
        WEEK,
        "--compare",
        "examples/recommender.yaml",
        "--output",
        "json",
    ]);
    let verdicts = doc["verdicts"].as_array().unwrap();
    assert_eq!(verdicts.len(), 1);
    let v = &verdicts[0];
    assert_eq!(v["label"], "examples/recommender.yaml");
    assert_eq!(v["baseline"], "examples/study/today-fixed-c5.yaml");
    let results = doc["results"].as_array().unwrap();
    let (base, this) = (&results[0]["summary"], &results[1]["summary"]);
    assert_eq!(v["cost"], this["cost"]);
    assert_eq!(v["baseline_cost"], base["cost"]);
    let f = |x: &Value| x.as_f64().unwrap();
    assert_eq!(f(&v["saving"]), f(&base["cost"]) - f(&this["cost"]));
    assert_eq!(f(&v["saving_share"]), f(&v["saving"]) / f(&base["cost"]));
    assert_eq!(v["overload_invocations"], this["overload_invocations"]);
    assert_eq!(v["baseline_overload_invocations"], base["overload_invocations"]);
    assert_eq!(f(&v["overload_share"]), f(&this["overload_invocations"]) / f(&this["invocations"]));
    let change =
        (f(&this["overload_invocations"]) - f(&base["overload_invocations"])) / f(&base["overload_invocations"]);
    assert_eq!(f(&v["overload_change"]), change);
    assert_eq!((f(&v["saving_share"]) * 1000.0).round(), 138.0);
    assert_eq!((change * 100.0).round(), -77.0);
    assert_eq!(v["peak_instances"], 8);
    assert_eq!(v["baseline_peak_instances"], 3);
    // How often the auto scaled spec scales; a fixed fleet has no such figures.
    assert_eq!(results[0].get("scalings"), None);
    let s = &results[1]["scalings"];
    assert_eq!(s["oscillates"], false);
    assert_eq!(s["threshold_per_day"], 24.0);
    assert_eq!(s["worst_day_scale_outs"], 9);
    assert_eq!(s["worst_day_scale_ins"], 9);
    assert_eq!(f(&s["scale_ins_per_day"]), 5.0);
}

#[test]
fn a_spec_that_oscillates_is_warned_about_with_its_knobs() {
    // The README's example: 1,200 invocations a minute off-peak sit right at the target of one
    // instance, so the count flaps between one and two all night.
    let out = es(["simulate", "examples/recommender.yaml", "--traffic", "synthetic:base_rpm=1200,days=7,seed=3"])
        .run()
        .code(0);
    assert_eq!(
        after_table(&out.stdout),
        "
Warning: examples/recommender.yaml product-recommender/primary oscillates: it scales out 26.9 and in 26.9 times a day on average (worst day: 44 out, 43 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (1,200 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (10 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (1) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.
"
    );
    // At 1,000 a minute it scales with the daily pattern only: no warning.
    let out = es(["simulate", "examples/recommender.yaml", "--traffic", WEEK]).run().code(0);
    assert!(!out.stdout.contains("Warning"), "{}", out.stdout);
}

/// Two specs that differ only in the scaling metric, on three days of a month-start spike: the
/// concurrency policy (high-resolution alarm) scales out sooner and turns fewer requests away.
/// The output states how concurrency was derived and the assumed alarm.
#[test]
fn compare_a_concurrency_policy_with_the_invocations_policy() {
    let args = [
        "simulate",
        "examples/study/spike-invocations.yaml",
        "--compare",
        "examples/study/spike-concurrency.yaml",
        "--traffic",
        "synthetic:base_rpm=1000,days=3",
        "--request-seconds",
        "0.1",
    ];
    let out = es(args).run().code(0);
    assert_eq!(
        out.stdout,
        "Simulated 3.0 days, 2026-11-01 00:00 UTC to 2026-11-04 00:00 UTC, of 1-minute traffic: synthetic (seed 1) (11,979,419 invocations)
Prices: us-east-1 USD per instance-hour, shipped table of 2026-11-30
Marks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).
examples/study/spike-concurrency.yaml product-recommender/primary scales on concurrent requests per model: target 2 concurrent requests per instance, 1200 invocations per instance per minute at 0.1 s per request (--request-seconds; concurrency = requests per second x seconds per request).
Assumed (AWS does not document the high-resolution alarm): it scales out after 3 consecutive 10-second datapoints above the target (--hires-scale-out-periods), each minute's traffic spread evenly over its six 10-second periods; it scales in like the one-minute policy (15 minutes below 90% of the target).

spec                                   variant                      instance type    cost  instance-h  peak  mean       overload  overload min  lowest credits  at baseline  out/in/sched
examples/study/spike-invocations.yaml  product-recommender/primary  ml.c5.xlarge~  $42.16       206.7     7  2.87  5,870 (0.05%)             8               -            -        12/9/0
examples/study/spike-concurrency.yaml  product-recommender/primary  ml.c5.xlarge~  $45.00       220.6     8  3.06  4,263 (0.04%)             6               -            -       65/51/0

Verdict, against the first spec (examples/study/spike-invocations.yaml):

spec                                   saving           over capacity  change    peak
examples/study/spike-concurrency.yaml  -$2.84 (-6.7%)  0.04% vs 0.05%    -27%  8 vs 7

examples/study/spike-concurrency.yaml costs 6.7% more than examples/study/spike-invocations.yaml ($45.00 vs $42.16) and turns away 27% fewer requests (0.04% vs 0.05% of invocations over capacity).

Warning: examples/study/spike-concurrency.yaml product-recommender/primary oscillates: it scales out 21.7 and in 17.0 times a day on average (worst day: 36 out, 24 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (1,200 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (10 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (1) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.
"
    );
    let out = es(args.iter().copied().chain(["--output", "json", "--hires-scale-out-periods", "6"])).run().code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["params"]["request_seconds"], 0.1);
    assert_eq!(doc["params"]["hires_scale_out_periods"], 6);
    assert_eq!(doc["results"][0].get("concurrency_target"), None);
    assert_eq!(doc["results"][1]["concurrency_target"], 2.0);
    // Without --request-seconds the concurrency spec cannot be simulated.
    let out = es(&args[..6]).run().code(1);
    assert_eq!(
        out.stderr,
        "error: examples/study/spike-concurrency.yaml: variant product-recommender/primary scales on concurrent requests per model: give --request-seconds S, the mean seconds one request takes (from a load test or the ModelLatency metric), so the simulator can turn the traffic into concurrency (requests per second x seconds per request)\n"
    );
}

/// The same two specs on 10-second traffic with the same minutes: the one-minute policy scales
/// exactly as before (it sees minute sums) but the spikes inside minutes are overload now; the
/// high-resolution alarm sees them and turns fewer requests away. A 10-second CSV written by
/// `traffic generate` gives the same result; the output and the JSON say the resolution.
#[test]
fn compare_the_two_policies_on_ten_second_traffic() {
    let compare = [
        "simulate",
        "examples/study/spike-invocations.yaml",
        "--compare",
        "examples/study/spike-concurrency.yaml",
        "--request-seconds",
        "0.1",
        "--traffic",
    ];
    let synthetic = "synthetic:base_rpm=1000,days=3,resolution=10s";
    let out = es(compare.iter().copied().chain([synthetic])).run().code(0);
    let expected = "Simulated 3.0 days, 2026-11-01 00:00 UTC to 2026-11-04 00:00 UTC, of 10-second traffic: synthetic (seed 1) (11,979,419 invocations)
Prices: us-east-1 USD per instance-hour, shipped table of 2026-11-30
Marks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).
Requests over capacity are counted per 10-second period (a sixth of a minute's capacity each); scaling decisions, launches and the series stay on whole minutes.
examples/study/spike-concurrency.yaml product-recommender/primary scales on concurrent requests per model: target 2 concurrent requests per instance, 1200 invocations per instance per minute at 0.1 s per request (--request-seconds; concurrency = requests per second x seconds per request).
Assumed (AWS does not document the high-resolution alarm): it scales out after 3 consecutive 10-second datapoints above the target (--hires-scale-out-periods), each datapoint from one 10-second period of the traffic; it scales in like the one-minute policy (15 minutes below 90% of the target).

spec                                   variant                      instance type    cost  instance-h  peak  mean       overload  overload min  lowest credits  at baseline  out/in/sched
examples/study/spike-invocations.yaml  product-recommender/primary  ml.c5.xlarge~  $42.16       206.7     7  2.87  8,990 (0.08%)            25               -            -        12/9/0
examples/study/spike-concurrency.yaml  product-recommender/primary  ml.c5.xlarge~  $49.37       242.0     8  3.36  5,721 (0.05%)            19               -            -     156/145/0

Verdict, against the first spec (examples/study/spike-invocations.yaml):

spec                                   saving            over capacity  change    peak
examples/study/spike-concurrency.yaml  -$7.21 (-17.1%)  0.05% vs 0.08%    -36%  8 vs 7

examples/study/spike-concurrency.yaml costs 17.1% more than examples/study/spike-invocations.yaml ($49.37 vs $42.16) and turns away 36% fewer requests (0.05% vs 0.08% of invocations over capacity).

Warning: examples/study/spike-concurrency.yaml product-recommender/primary oscillates: it scales out 52.0 and in 48.3 times a day on average (worst day: 55 out, 50 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (1,200 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (10 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (1) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.
";
    assert_eq!(out.stdout, expected);
    // Written as a 10-second CSV and read back: the same simulation.
    let dir = TempDir::new();
    let csv = es(["traffic", "generate", "base_rpm=1000", "days=3", "resolution=10s"]).run().code(0).stdout;
    assert!(csv.starts_with("timestamp,invocations\n2026-11-01T00:00:00Z,"));
    assert!(csv.contains("\n2026-11-01T00:00:10Z,"));
    assert_eq!(csv.lines().count(), 1 + 3 * 1440 * 6);
    let path = dir.path.join("ten.csv");
    std::fs::write(&path, &csv).unwrap();
    let path = path.to_str().unwrap();
    let from_file = es(compare.iter().copied().chain([path])).run().code(0);
    assert_eq!(from_file.stdout, expected.replace("synthetic (seed 1)", path));
    // The JSON says the resolution, at the top and in each summary; the series stay per minute.
    let doc = json_of(&compare.iter().copied().chain([path, "--output", "json"]).collect::<Vec<_>>());
    assert_eq!((doc["traffic_resolution_seconds"].as_u64(), doc["step_seconds"].as_u64()), (Some(10), Some(60)));
    assert_eq!(doc["results"][1]["summary"]["resolution_seconds"], 10);
    assert_eq!(doc["results"][1]["series"]["overload"].as_array().unwrap().len(), 3 * 1440);
    // The same minutes as 1-minute traffic: the one-minute policy's scaling is unchanged.
    let minutes = json_of(
        &compare.iter().copied().chain(["synthetic:base_rpm=1000,days=3", "--output", "json"]).collect::<Vec<_>>(),
    );
    assert_eq!(minutes["traffic_resolution_seconds"], 60);
    assert_eq!(minutes["results"][0]["series"]["billed"], doc["results"][0]["series"]["billed"]);
}

/// The launch delay given as stages: their sum replaces --launch-delay (stages not given take
/// their assumed defaults), the output says so, and the two ways cannot be mixed.
#[test]
fn launch_delay_stages_add_up_to_the_launch_delay() {
    let run = |extra: &[&str]| {
        let args = ["simulate", "examples/study/spike-invocations.yaml", "--traffic", "synthetic:base_rpm=1000,days=3"];
        es(args.iter().chain(extra)).run()
    };
    let staged = run(&["--provision-minutes", "4"]).code(0).stdout;
    let single = run(&["--launch-delay", "7"]).code(0).stdout;
    let line = "Launch delay: 7 minutes = provision 4 + image pull 1 + model load 2 (--provision-minutes, --image-pull-minutes, --model-load-minutes; a stage not given is assumed: AWS documents no launch durations).\n";
    assert_eq!(staged, single.replacen("\n\n", &format!("\n{line}\n"), 1));
    // All three given: only they count. Zero stages: an instance serves from the next minute.
    let all = run(&["--provision-minutes", "0", "--image-pull-minutes", "0", "--model-load-minutes", "0"]).code(0);
    let zero = run(&["--launch-delay", "0"]).code(0);
    let line0 = line.replace(
        "7 minutes = provision 4 + image pull 1 + model load 2",
        "0 minutes = provision 0 + image pull 0 + model load 0",
    );
    assert_eq!(all.stdout, zero.stdout.replacen("\n\n", &format!("\n{line0}\n"), 1));
    assert_ne!(all.stdout, staged);
    let out = run(&["--launch-delay", "7", "--model-load-minutes", "1"]).code(1);
    assert!(out.stderr.starts_with(
        "error: the argument '--launch-delay <LAUNCH_DELAY>' cannot be used with '--model-load-minutes <MINUTES>'"
    ));
    let out = run(&["--provision-minutes", "481"]).code(1);
    assert!(out.stderr.starts_with(
        "error: invalid value '481' for '--provision-minutes <MINUTES>': `481` is not a whole number of minutes from 0 to 480"
    ));
}
