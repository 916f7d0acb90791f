//! recommend SPEC: the spec's variant as the starting point, the winner as a change to it.

use serde_json::Value;

use crate::harness::{es, root, TempDir, TempSpec};

/// A week of the study's traffic pattern.
const WEEK: &str = "synthetic:base_rpm=1000,days=7,seed=3";

/// `recommend SPEC` on a week of traffic with two instance types and a 0.25% budget.
fn recommend_spec(spec: &str, extra: &[&str]) -> Vec<String> {
    let mut args: Vec<String> = [
        "recommend",
        spec,
        "--traffic",
        WEEK,
        "--instance-types",
        "ml.c5.xlarge,ml.c5.large",
        "--max-overload",
        "0.25%",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

/// The human output without its timing, the one part that varies from run to run.
fn without_timing(stdout: &str) -> String {
    let Some(start) = stdout.find("configurations in ") else { return stdout.to_string() };
    let from = start + "configurations in ".len();
    let end = stdout[from..].find("); ").map(|i| from + i + 1).unwrap_or(from);
    format!("{}(time){}", &stdout[..from], &stdout[end..])
}

fn json(args: &[String], threads: &str) -> Value {
    let mut args = args.to_vec();
    args.extend(["--output".to_string(), "json".to_string()]);
    let out = es(&args).envs(vec![("RAYON_NUM_THREADS", threads.to_string())]).run().code(0);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

fn simulate_json(args: &[&str]) -> Value {
    let mut args = args.to_vec();
    args.extend(["--output", "json"]);
    let out = es(&args).run().code(0);
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", out.stdout))
}

#[test]
fn recommend_spec_reports_the_winner_as_a_change_to_the_current_variant() {
    let out = es(recommend_spec("examples/recommender.yaml", &[])).run().code(0);
    assert_eq!(out.stderr, "");
    assert_eq!(
        without_timing(&out.stdout),
        "Simulated 7.0 days, 2026-11-01 00:00 UTC to 2026-11-08 00:00 UTC, of 1-minute traffic: synthetic (seed 3)
Prices: us-east-1 USD per instance-hour, shipped table of 2026-11-30
Marks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).
Candidates scale on invocations per instance: target = requests per second x safety factor x 60 (a minute).
Evaluated 422 configurations in (time); 75 ran to the end within 0.25% overload
(runs that went over the overload budget were stopped there).

rank  instance type  min  max    target/min  weekday min  month-start min    cost  instance-h  peak  overload
1     ml.c5.large~     3   13  1,080 (x0.9)            7                7  $78.04       765.1    13     0.24%
2     ml.c5.xlarge~    1    7  1,680 (x0.7)            4                4  $81.00       397.1     7     0.22%

Capacity per instance scaled by vCPUs from ml.c5.xlarge (the spec's `max_rps_per_instance` of product-recommender/primary (examples/recommender.yaml:33:31)): 40 requests per second each; load-test the winner.
Searched 7,119 configurations: simulated 422, the other 6,697 settled by the bounds without a run.

Cost/overload frontier (each less overloaded than every cheaper one):
  $78.04   0.24%  ml.c5.large min 3 max 13 target 1,080 (x0.9) weekday min 7 month-start min 7
  $79.73   0.22%  ml.c5.large min 3 max 13 target 1,080 (x0.9) weekday min 7 month-start min 8
  $85.95   0.18%  ml.c5.large min 3 max 13 target 600 (x0.5)
  $95.32   0.12%  ml.c5.large min 1 max 13 target 480 (x0.4)

Against the current spec (examples/recommender.yaml, product-recommender/primary), on the same traffic:

  ~ instance_type                                   = ml.c5.xlarge -> ml.c5.large
  ~ initial_instance_count                          = 2 -> 3
  ~ max_rps_per_instance                            = 40 -> 20
  ~ autoscaling.min                                 = 1 -> 3
  ~ autoscaling.max                                 = 8 -> 13
  ~ autoscaling.target                              = 1200 -> 1080 (invocations per instance per minute)
  ~ autoscaling.scale_in_cooldown                   = 10m -> 5m
  ~ autoscaling.scale_out_cooldown                  = 2m -> 5m
  ~ autoscaling.schedules[business-hours-start].min = 3 -> 7
  ~ autoscaling.schedules[business-hours-end].min   = 1 -> 3
  ~ autoscaling.schedules[month-start-peak].min     = 5 -> 7
  ~ autoscaling.schedules[month-start-end].min      = 1 -> 3
  Note: max_rps_per_instance 20 is scaled by vCPU count from 40 load-tested on ml.c5.xlarge: load-test it.

Per month (30 days): $380.02 now, $334.45 recommended: saves $45.57 a month (12.0%).
The recommended configuration costs 12.0% less than the current spec ($334.45 vs $380.02) and turns away 7% more requests (0.24% vs 0.22% of invocations over capacity).

Write the spec with this change with --write FILE, then `diff examples/recommender.yaml FILE`, `endpoint-scale simulate examples/recommender.yaml --traffic synthetic:base_rpm=1000,days=7,seed=3 --compare FILE` and `endpoint-scale plan FILE`.
"
    );
}

#[test]
fn the_written_spec_validates_keeps_every_other_line_and_simulates_as_ranked() {
    let dir = TempDir::new();
    let written = dir.path.join("recommended.yaml");
    let path = written.to_str().unwrap();
    let doc = json(&recommend_spec("examples/recommender.yaml", &["--write", path]), "2");
    let out = es(["validate", path]).run().code(0);
    assert_eq!(out.stdout, format!("{path}: valid (1 endpoint, 1 variant, 4 scheduled actions)\n"));
    // Everything before the variant is as the file had it; the variant is the last thing in it.
    let original = std::fs::read_to_string(root().join("examples/recommender.yaml")).unwrap();
    let text = std::fs::read_to_string(&written).unwrap();
    let head = original.split("      - name: primary\n").next().unwrap();
    assert_eq!(
        text.strip_prefix(head).unwrap().lines().take(3).collect::<Vec<_>>(),
        [
            "      # Changed by `endpoint-scale recommend` (traffic: synthetic (seed 3), within 0.25% overload).",
            "      # max_rps_per_instance 20 is scaled by vCPU count from 40 load-tested on ml.c5.xlarge: load-test it.",
            "      - name: primary",
        ]
    );
    // Simulated against the original, it does what recommend said: the winner's figures, and
    // the same saving and change of requests over capacity.
    let sim = simulate_json(&["simulate", "examples/recommender.yaml", "--traffic", WEEK, "--compare", path]);
    let (winner, result) = (&doc["recommendations"][0]["summary"], &sim["results"][1]["summary"]);
    assert_eq!(result["cost"], winner["cost"]);
    assert_eq!(result["overload_invocations"], winner["overload_invocations"]);
    let (verdict, change) = (&sim["verdicts"][0], &doc["change"]["verdict"]);
    let f = |v: &Value| v.as_f64().unwrap();
    assert!((f(&verdict["saving_share"]) - f(&change["saving_share"])).abs() < 1e-12);
    assert!((f(&verdict["overload_change"]) - f(&change["overload_change"])).abs() < 1e-12);
    assert_eq!(doc["change"]["kept_layout"], true);
}

#[test]
fn a_spec_that_is_already_the_best_found_is_left_unchanged() {
    let dir = TempDir::new();
    let first = dir.path.join("first.yaml");
    es(recommend_spec("examples/recommender.yaml", &["--write", first.to_str().unwrap()])).run().code(0);
    // Recommend again from what it wrote: the same search finds nothing better.
    let second = dir.path.join("second.yaml");
    let out = es(recommend_spec(first.to_str().unwrap(), &["--write", second.to_str().unwrap()])).run().code(0);
    assert!(
        out.stdout.ends_with(&format!(
            "Against the current spec ({}, product-recommender/primary), on the same traffic:\n\nThe current configuration is already the best found: $334.45 a month with 0.24% of invocations over capacity, within the 0.25% budget. No change.\n",
            first.display()
        )),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        format!(
            "Wrote {} unchanged (its configuration is already the best found) to {}.\n",
            first.display(),
            second.display()
        )
    );
    assert_eq!(std::fs::read_to_string(&second).unwrap(), std::fs::read_to_string(&first).unwrap());
    let doc = json(&recommend_spec(first.to_str().unwrap(), &[]), "2");
    assert_eq!((&doc["current"]["best"], &doc["change"]), (&Value::Bool(true), &Value::Null));
}

#[test]
fn recommend_spec_gives_the_same_answer_on_one_thread_and_on_four() {
    let args = recommend_spec("examples/study/today-fixed-c5.yaml", &[]);
    let one = json(&args, "1");
    assert_eq!(one, json(&args, "4"));
    // Today's fixed fleet is over the budget: the change costs less and turns fewer away.
    assert_eq!(one["current"]["within_budget"], false);
    // Three instances for the week: 504 instance-hours.
    let price = one["current"]["price_per_hour"].as_f64().unwrap();
    assert_eq!(one["current"]["summary"]["cost"].as_f64().unwrap(), 504.0 * price);
    let fields: Vec<(&str, &str)> = one["change"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .take(4)
        .map(|f| (f["field"].as_str().unwrap(), f["action"].as_str().unwrap()))
        .collect();
    assert_eq!(
        fields,
        [
            ("instance_type", "update"),
            ("max_rps_per_instance", "update"),
            ("autoscaling.min", "create"),
            ("autoscaling.max", "create")
        ]
    );
}

#[test]
fn flags_may_repeat_the_spec_but_not_contradict_it() {
    let base = recommend_spec("examples/recommender.yaml", &[]);
    let agreeing =
        recommend_spec("examples/recommender.yaml", &["--max-rps-per-instance", "40", "--tested-on", "ml.c5.xlarge"]);
    assert_eq!(json(&agreeing, "2"), json(&base, "2"));
    let out = es(recommend_spec("examples/recommender.yaml", &["--max-rps-per-instance", "30"])).run().code(1);
    assert_eq!(
        out.stderr,
        "error: --max-rps-per-instance 30 disagrees with the spec: variant product-recommender/primary has `max_rps_per_instance: 40` (examples/recommender.yaml:33:31); drop the flag, or change the spec\n"
    );
    let out = es(recommend_spec("examples/recommender.yaml", &["--tested-on", "ml.c5.large"])).run().code(1);
    assert_eq!(
        out.stderr,
        "error: --tested-on ml.c5.large disagrees with the spec: the `max_rps_per_instance` of variant product-recommender/primary (examples/recommender.yaml:33:31) is the load test of its own instance type, ml.c5.xlarge; drop the flag, or change the spec\n"
    );
    assert_eq!(out.stdout, "");
}

/// Two variants, three quarters of the traffic to `blue`; `green` has a target but no load test.
const TWO_VARIANTS: &str = "version: 1
project: p
endpoints:
  - name: e
    model: {existing: m}
    variants:
      - name: blue
        instance_type: ml.c5.xlarge
        initial_weight: 3
        max_rps_per_instance: 40
        autoscaling: {min: 1, max: 6}
      - name: green
        instance_type: ml.m5.large
        initial_weight: 1
        autoscaling:
          min: 1
          max: 4
          target: {invocations_per_instance: 600}
  - name: other
    model: {existing: m}
    variants:
      - {name: v, instance_type: ml.c5.large, max_rps_per_instance: 20}
";

#[test]
fn the_variant_and_its_load_test_must_be_named_when_the_spec_leaves_a_choice() {
    let spec = TempSpec::new("two.yaml", TWO_VARIANTS);
    let run = |extra: &[&str]| {
        let mut args = vec!["recommend", spec.arg(), "--traffic", "synthetic:days=1"];
        args.extend(extra);
        es(args).run()
    };
    assert_eq!(
        run(&[]).code(1).stderr,
        "error: the spec has 2 endpoints (e, other); pick the one the traffic belongs to with --endpoint\n"
    );
    assert_eq!(
        run(&["--endpoint", "e"]).code(1).stderr,
        "error: endpoint e has 2 variants (blue, green); pick one with --variant\n"
    );
    assert_eq!(
        run(&["--endpoint", "e", "--variant", "red"]).code(1).stderr,
        "error: variant red is not in endpoint e (its variants: blue, green)\n"
    );
    assert_eq!(
        run(&["--endpoint", "e", "--variant", "green"]).code(1).stderr,
        "error: variant e/green states no load test: add its `max_rps_per_instance` (requests per second one ml.m5.large instance serves, from a load test), or pass --max-rps-per-instance (and --tested-on TYPE if the load test ran on another instance type)\n"
    );
    // --endpoint and --variant belong to a spec; without one the load test is a flag.
    let out =
        es(["recommend", "--traffic", "synthetic:days=1", "--max-rps-per-instance", "20", "--variant", "v"]).run();
    assert!(
        out.stderr.starts_with("error: the following required arguments were not provided:\n  <SPEC>\n"),
        "{}",
        out.stderr
    );
    let out = es(["recommend", "--traffic", "synthetic:days=1"]).run();
    assert!(
        out.stderr.starts_with("error: the following required arguments were not provided:\n  --max-rps-per-instance <MAX_RPS_PER_INSTANCE>\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_variant_without_a_load_test_takes_it_from_the_flags_and_runs_on_its_share_of_the_traffic() {
    let spec = TempSpec::new("two.yaml", TWO_VARIANTS);
    let args: Vec<String> = [
        "recommend",
        spec.arg(),
        "--traffic",
        "synthetic:days=7,seed=3",
        "--endpoint",
        "e",
        "--variant",
        "green",
        "--max-rps-per-instance",
        "15",
        "--instance-types",
        "ml.c5.large",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let doc = json(&args, "2");
    // The variant's own type is always a candidate, and the load test ran on it by default.
    assert_eq!(doc["tested_on"], "ml.m5.large");
    assert_eq!(
        doc["capacity_note"],
        "Capacity per instance scaled by vCPUs from ml.m5.large (--tested-on; default: the variant's instance type): 15 requests per second each; load-test the winner."
    );
    let types: Vec<&str> = doc["recommendations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["candidate"]["instance_type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["ml.c5.large", "ml.m5.large"]);
    // A quarter of the endpoint's traffic, for the current variant and for the candidates.
    let all = simulate_json(&["simulate", "examples/recommender.yaml", "--traffic", "synthetic:days=7,seed=3"]);
    let total = all["results"][0]["summary"]["invocations"].as_f64().unwrap();
    assert_eq!(doc["current"]["traffic_share"], 0.25);
    for invocations in [&doc["current"]["summary"]["invocations"], &doc["recommendations"][0]["summary"]["invocations"]]
    {
        assert!((invocations.as_f64().unwrap() - total / 4.0).abs() < 1e-6 * total, "{invocations} vs {total}");
    }
    let out = es(&args).run().code(0);
    assert!(
        out.stdout.contains("\nAgainst the current spec (") && out.stdout.contains(", e/green), on the same traffic:\nThe variant takes 25.00% of the endpoint's traffic (its `initial_weight` over the sum); the search ran on that share.\n"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains("\n  + max_rps_per_instance = 15\n"), "{}", out.stdout);
}

#[test]
fn a_recommended_configuration_that_oscillates_is_warned_about() {
    let out = es([
        "recommend",
        "--traffic",
        "synthetic:base_rpm=1200,days=7,seed=3",
        "--max-rps-per-instance",
        "40",
        "--instance-types",
        "ml.c5.xlarge",
        "--max-overload",
        "2%",
    ])
    .run()
    .code(0);
    let warnings: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("Warning")).collect();
    assert_eq!(
        warnings,
        ["Warning: rank 1 (ml.c5.xlarge min 1 max 8 target 2,160 (x0.9)) oscillates: it scales out 23.0 and in 22.7 times a day on average (worst day: 36 out, 34 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (2,160 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (5 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (1) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule."]
    );
}

/// The shipped price table with every price cut to $0.00001 an hour: every configuration then
/// costs the same to the cent a month, and the ranking falls to its later keys.
fn tiny_prices(dir: &TempDir) -> String {
    let mut table: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("data/prices-us-east-1.json")).unwrap()).unwrap();
    for price in table["prices"].as_object_mut().unwrap().values_mut() {
        price["per_hour"] = serde_json::json!(0.00001);
    }
    let path = dir.path.join("tiny.json");
    std::fs::write(&path, table.to_string()).unwrap();
    path.to_str().unwrap().to_string()
}

#[test]
fn at_the_same_cost_the_stable_configuration_wins_over_the_cheaper_one_that_oscillates() {
    let dir = TempDir::new();
    let prices = tiny_prices(&dir);
    // Three days without bursts, at a level one to two instances serve: none may turn anything away.
    let traffic = "synthetic:base_rpm=600,days=3,seed=3,bursts_per_day=0,noise=0.1";
    let out = es([
        "recommend",
        "--traffic",
        traffic,
        "--max-rps-per-instance",
        "20",
        "--instance-types",
        "ml.c5.large",
        "--max-overload",
        "0%",
        "--prices",
        &prices,
        "--output",
        "json",
    ])
    .run()
    .code(0);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    let best = &doc["recommendations"][0];
    let c = &best["candidate"];
    assert_eq!(
        (&c["min"], &c["max"], &c["safety_factor"], &c["business_hours_min"], &c["month_start_min"]),
        (&Value::from(2), &Value::from(5), &Value::from(0.7), &Value::from(4), &Value::from(4))
    );
    assert_eq!(best["scalings"]["oscillates"], false);
    assert_eq!((best["summary"]["scale_outs"].as_u64().unwrap() + best["summary"]["scale_ins"].as_u64().unwrap()), 6);
    // The configuration that ordering by exact cost put first: min 1, max 5, x0.5 and a
    // month-start minimum of 2. It is cheaper by a fraction of a cent a month, turns nothing
    // away either, and oscillates.
    let oscillating = TempSpec::new(
        "oscillating.yaml",
        "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      - name: primary\n        instance_type: ml.c5.large\n        max_rps_per_instance: 20\n        autoscaling:\n          min: 1\n          max: 5\n          target: {safety_factor: 0.5}\n          scale_in_cooldown: 5m\n          scale_out_cooldown: 5m\n          schedules:\n            - {name: month-start-peak, schedule: \"cron(45 7 1,2 * ? *)\", timezone: America/New_York, min: 2}\n            - {name: month-start-end, schedule: \"cron(0 18 1,2 * ? *)\", timezone: America/New_York, min: 1}\n",
    );
    let sim = simulate_json(&["simulate", oscillating.arg(), "--traffic", traffic, "--prices", &prices]);
    let result = &sim["results"][0];
    let (cost, best_cost) = (result["summary"]["cost"].as_f64().unwrap(), best["summary"]["cost"].as_f64().unwrap());
    assert!(cost < best_cost, "{cost} vs {best_cost}");
    // Over a 30-day month both are $0.02.
    assert_eq!(((cost * 10.0) * 100.0).round(), ((best_cost * 10.0) * 100.0).round());
    assert_eq!(result["summary"]["overload_invocations"], 0.0);
    assert_eq!(result["scalings"]["oscillates"], true);
}

#[test]
fn with_nothing_within_the_budget_the_current_spec_is_not_called_the_best() {
    let out = es([
        "recommend",
        "examples/recommender.yaml",
        "--traffic",
        "synthetic:base_rpm=1000,days=7,seed=3,burst_multiplier=8",
        "--instance-types",
        "ml.c5.xlarge",
        "--max-overload",
        "0%",
    ])
    .run()
    .code(1);
    assert!(
        out.stdout.ends_with("\nAgainst the current spec (examples/recommender.yaml, product-recommender/primary), on the same traffic:\n\nThe current configuration costs $387.00 a month with 2.04% of invocations over capacity; no configuration found is within the 0% budget.\n"),
        "{}",
        out.stdout
    );
    assert_eq!(
        out.stderr,
        "error: no configuration of ml.c5.xlarge keeps overload within 0%: raise --max-overload, add larger instance types, or check --max-rps-per-instance\n"
    );
}

#[test]
fn recommend_spec_prices_from_the_spec_region_as_simulate_does() {
    let spec = TempSpec::new(
        "eu.yaml",
        std::fs::read_to_string(root().join("examples/recommender.yaml"))
            .unwrap()
            .replace("\nregion: us-east-1\n", "\nregion: eu-west-1\n"),
    );
    let args = |extra: &[&str]| {
        let mut args: Vec<String> =
            ["recommend", spec.arg(), "--traffic", "synthetic:days=1"].iter().map(|s| s.to_string()).collect();
        args.extend(extra.iter().map(|s| s.to_string()));
        args
    };
    // Neither --region nor AWS_REGION is needed: the spec's region picks the table, and the
    // header says so as simulate's does.
    let out = es(args(&[])).run().code(0);
    assert!(
        out.stdout.starts_with("Simulated 1.0 days, 2026-11-01 00:00 UTC to 2026-11-02 00:00 UTC, of 1-minute traffic: synthetic (seed 1)\nPrices: eu-west-1 USD per instance-hour, shipped table of 2026-11-30\nMarks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).\nCandidates scale on invocations per instance: target = requests per second x safety factor x 60 (a minute).\nEvaluated "),
        "{}",
        out.stdout
    );
    let sim = es(["simulate", spec.arg(), "--traffic", "synthetic:days=1"]).run().code(0);
    assert_eq!(sim.stdout.lines().nth(1), out.stdout.lines().nth(1));
    // The spec's region beats AWS_REGION, which only fills in for a spec without one.
    let doc = json(&args(&[]), "2");
    assert_eq!((&doc["prices"]["region"], &doc["prices"]["region_from"]), (&"eu-west-1".into(), &"spec".into()));
    let env = es(args(&["--output", "json"])).envs(vec![("AWS_REGION", "us-west-2".to_string())]).run().code(0);
    assert_eq!(serde_json::from_str::<Value>(&env.stdout).unwrap()["prices"], doc["prices"]);
    // --region may only repeat the spec's, and --prices must be for it: simulate's errors.
    let flag = es(args(&["--region", "us-east-1"])).run().code(1);
    let expected = format!(
        "error: {0}: --region us-east-1 contradicts the spec's region eu-west-1: drop --region, or change `region:` in the spec\n",
        spec.arg()
    );
    assert_eq!((flag.stdout.as_str(), flag.stderr.as_str()), ("", expected.as_str()));
    let sim = es(["simulate", spec.arg(), "--traffic", "synthetic:days=1", "--region", "us-east-1"]).run().code(1);
    assert_eq!(sim.stderr, expected);
    assert_eq!(es(args(&["--region", "eu-west-1", "--output", "json"])).run().code(0).stdout, {
        let same = es(args(&["--output", "json"])).run().code(0);
        same.stdout
    });
    let dir = TempDir::new();
    let east = dir.path.join("east.json");
    std::fs::write(&east, es(["prices", "show", "--region", "us-east-1", "--output", "json"]).run().code(0).stdout)
        .unwrap();
    let out = es(args(&["--prices", east.to_str().unwrap()])).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: {0}: --prices {1} holds prices for us-east-1, but the spec's region is eu-west-1: pass a table for eu-west-1 (`endpoint-scale prices fetch --region eu-west-1` writes one), or change the spec's `region:`\n",
            spec.arg(),
            east.display()
        )
    );
}

/// examples/recommender.yaml with its model in the variant, a sensitive token and the model
/// release as variables, and its `max` from a variable with a default.
fn with_variables() -> String {
    let text = std::fs::read_to_string(root().join("examples/recommender.yaml")).unwrap();
    let model = "    model:
      image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.13-cpu
      model_data_url: s3://acme-ml-models/recommender/2026-11-01/model.tar.gz
      execution_role_arn: arn:aws:iam::123456789012:role/SageMakerRecommenderRole
      environment:
        SAGEMAKER_TFS_DEFAULT_MODEL_NAME: recommender
        FEATURE_STORE_API_TOKEN: fs-7f3a9c1e   # masked in plans: the name looks secret
";
    assert!(text.contains(model));
    text.replace(model, "")
        .replace(
            "version: 1\n",
            "version: 1\nvars:\n  model_version: {}\n  token: {sensitive: true}\n  max_instances: {type: number, default: 8}\n",
        )
        .replace(
            "        instance_type: ml.c5.xlarge\n",
            "        instance_type: ml.c5.xlarge
        model:
          image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.13-cpu
          model_data_url: s3://acme-ml-models/recommender/${var.model_version}/model.tar.gz
          execution_role_arn: arn:aws:iam::123456789012:role/SageMakerRecommenderRole
          environment:
            SAGEMAKER_TFS_DEFAULT_MODEL_NAME: recommender
            FEATURE_STORE_API_TOKEN: ${var.token}
",
        )
        .replace("          max: 8\n", "          max: ${var.max_instances}\n")
}

#[test]
fn recommend_spec_reads_its_variables_and_writes_back_the_references_it_keeps() {
    let spec = TempSpec::new("vars.yaml", with_variables());
    let dir = TempDir::new();
    let vars = dir.path.join("prod.yaml");
    std::fs::write(&vars, "model_version: 2026-11-01\ntoken: s3cr3t-token\n").unwrap();
    let written = dir.path.join("recommended.yaml");
    let var_file = ["--var-file", vars.to_str().unwrap()];
    // Without values for the variables, the spec is invalid, as for simulate.
    let out = es(recommend_spec(spec.arg(), &[])).run().code(1);
    assert!(
        out.stderr.ends_with(&format!("error: spec {} is invalid: 2 errors, 0 warnings\n", spec.arg())),
        "{}",
        out.stderr
    );
    let mut args = recommend_spec(spec.arg(), &var_file);
    args.extend(["--write".to_string(), written.to_str().unwrap().to_string()]);
    let doc = json(&args, "2");
    // The same search and change as from examples/recommender.yaml, whose values these are.
    let plain = json(&recommend_spec("examples/recommender.yaml", &[]), "2");
    assert_eq!(doc["recommendations"], plain["recommendations"]);
    assert_eq!(doc["change"]["fields"], plain["change"]["fields"]);
    // `max` held a variable the change replaces: said in the caveats and in the file.
    let pinned = "The change replaces variables with values, the same in every environment: `autoscaling.max` (was `${var.max_instances}`).";
    assert_eq!(doc["change"]["caveats"][1], pinned);
    let text = std::fs::read_to_string(&written).unwrap();
    assert!(
        text.contains("      # The change replaces variables with values, the same in every environment:\n      #   `autoscaling.max` (was `${var.max_instances}`)\n      - name: primary\n        instance_type: ml.c5.large\n        initial_instance_count: 3\n        model:\n"),
        "{text}"
    );
    // The references whose values stay are written back, and no value of the token is written.
    assert!(
        text.contains("          model_data_url: s3://acme-ml-models/recommender/${var.model_version}/model.tar.gz\n"),
        "{text}"
    );
    assert!(text.contains("            FEATURE_STORE_API_TOKEN: \"${var.token}\"\n"), "{text}");
    assert!(!text.contains("s3cr3t") && !serde_json::to_string(&doc).unwrap().contains("s3cr3t"));
    // The written spec validates with the same values and simulates as ranked.
    let out = es(["validate", written.to_str().unwrap(), var_file[0], var_file[1]]).run().code(0);
    assert_eq!(out.stdout, format!("{}: valid (1 endpoint, 1 variant, 4 scheduled actions)\n", written.display()));
    let sim = simulate_json(&[
        "simulate",
        spec.arg(),
        "--traffic",
        WEEK,
        var_file[0],
        var_file[1],
        "--compare",
        written.to_str().unwrap(),
    ]);
    assert_eq!(sim["results"][1]["summary"]["cost"], doc["recommendations"][0]["summary"]["cost"]);
    // --var beats --var-file, as everywhere.
    let mut args = recommend_spec(spec.arg(), &var_file);
    args.extend(["--var".to_string(), "max_instances=12".to_string()]);
    let max = json(&args, "2")["change"]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["field"] == "autoscaling.max")
        .map(|f| (f["before"].clone(), f["after"].clone()));
    assert_eq!(max, Some(("12".into(), "13".into())));
}

#[test]
fn a_spec_with_variables_is_not_written_anew() {
    let spec = TempSpec::new(
        "flow.yaml",
        "version: 1
vars:
  token: {sensitive: true}
project: p
region: us-east-1
endpoints:
  - name: e
    model:
      image: 763104351884.dkr.ecr.us-east-1.amazonaws.com/tensorflow-inference:2.13-cpu
      execution_role_arn: arn:aws:iam::123456789012:role/R
      environment:
        API_TOKEN: ${var.token}
    variants:
      - {name: v, instance_type: ml.c5.large, max_rps_per_instance: 20, autoscaling: {min: 1, max: 4}}
",
    );
    let run = |extra: &[&str]| {
        let mut args = vec!["recommend", spec.arg(), "--traffic", "synthetic:days=1", "--var", "token=s3cr3t-token"];
        args.extend(extra);
        es(args).run()
    };
    let why = "its layout leaves no place to splice the variant (a flow-style `{...}` variant or `[...]` list), and writing the spec anew would put this run's values in place of its `${var.NAME}` references; write the variant block-style (`- name: ...`, one key per line) and run recommend again";
    // The change is given, with what --write would do.
    let out = run(&[]).code(0);
    assert!(
        out.stdout.ends_with(&format!("\n{}: --write cannot write this change: {why}.\n", spec.arg())),
        "{}",
        out.stdout
    );
    let doc: Value = serde_json::from_str(&run(&["--output", "json"]).code(0).stdout).unwrap();
    assert_eq!(doc["change"]["kept_layout"], false);
    // Writing the whole spec anew would write the token: refused, and nothing is written.
    let dir = TempDir::new();
    let written = dir.path.join("out.yaml");
    let out = run(&["--write", written.to_str().unwrap()]).code(1);
    assert_eq!(
        (out.stdout.as_str(), out.stderr),
        ("", format!("error: cannot write {} with the change: {why}\n", spec.arg()))
    );
    assert!(!written.exists());
}

#[test]
fn variable_values_belong_to_a_spec() {
    let out = es(["recommend", "--traffic", "synthetic:days=1", "--max-rps-per-instance", "20", "--var", "env=prod"])
        .run()
        .code(1);
    assert!(
        out.stderr.starts_with("error: the following required arguments were not provided:\n  <SPEC>\n"),
        "{}",
        out.stderr
    );
    let out = es(["recommend", "examples/recommender.yaml", "--traffic", "synthetic:days=1", "--var", "env=prod"])
        .run()
        .code(1);
    assert_eq!(
        out.stderr,
        "error: --var env: examples/recommender.yaml declares no variable `env`\n = help: the spec declares no variables (`vars:`)\n\nerror: spec examples/recommender.yaml is invalid: 1 error, 0 warnings\n"
    );
}

/// A variant scaling on concurrent requests per model: its load-tested concurrency is 40
/// requests per second x 0.5 s per request.
const CONCURRENCY_SPEC: &str = r#"version: 1
project: chat
region: us-east-1
endpoints:
  - name: chat
    model: {existing: chat-llm}
    variants:
      - name: main
        instance_type: ml.c5.xlarge
        initial_instance_count: 2
        max_rps_per_instance: 40
        autoscaling:
          min: 2
          max: 10
          metric: concurrent_requests_per_model
          target:
            max_concurrency_per_instance: 20   # 40 requests per second x 0.5 s each
            safety_factor: 0.5
"#;

/// A concurrency variant is searched on its own metric: concurrency targets from its
/// `max_concurrency_per_instance` x the safety factors, run through Little's law at
/// --request-seconds with the high-resolution alarm, as simulate runs them; the output says so.
#[test]
fn a_concurrency_variant_is_searched_on_its_own_metric() {
    let spec = TempSpec::new("SPEC.yaml", CONCURRENCY_SPEC);
    let out = es(recommend_spec(spec.arg(), &["--request-seconds", "0.5"])).run().code(0);
    assert_eq!(out.stderr, "");
    assert_eq!(
        without_timing(&out.stdout).replace(spec.arg(), "SPEC.yaml"),
        r#"Simulated 7.0 days, 2026-11-01 00:00 UTC to 2026-11-08 00:00 UTC, of 1-minute traffic: synthetic (seed 3)
Prices: us-east-1 USD per instance-hour, shipped table of 2026-11-30
Marks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).
Candidates scale on concurrent requests per model, as the variant does: target = 20 concurrent requests per ml.c5.xlarge instance (the spec's `autoscaling.target.max_concurrency_per_instance` of chat/main (SPEC.yaml:17:43); scaled by vCPUs on other types) x safety factor, run as invocations at 0.5 s per request (--request-seconds; concurrency = requests per second x seconds per request).
Assumed (AWS does not document the high-resolution alarm): it scales out after 3 consecutive 10-second datapoints above the target (--hires-scale-out-periods), each minute's traffic spread evenly over its six 10-second periods; it scales in like the one-minute policy (15 minutes below 90% of the target).
Evaluated 205 configurations in (time); 70 ran to the end within 0.25% overload
(runs that went over the overload budget were stopped there).

rank  instance type  min  max  concurrency target  weekday min  month-start min    cost  instance-h  peak  overload
1     ml.c5.xlarge~    1    7           18 (x0.9)            3                4  $67.37       330.2     7     0.24%
2     ml.c5.large~     3   13            8 (x0.8)            -                -  $68.41       670.7    13     0.24%

Capacity per instance scaled by vCPUs from ml.c5.xlarge (the spec's `max_rps_per_instance` of chat/main (SPEC.yaml:11:31)): 40 requests per second each; load-test the winner.
Searched 7,119 configurations: simulated 205, the other 6,914 settled by the bounds without a run.

Cost/overload frontier (each less overloaded than every cheaper one):
  $67.37   0.24%  ml.c5.xlarge min 1 max 7 target 18 concurrent (x0.9) weekday min 3 month-start min 4
  $68.41   0.24%  ml.c5.large min 3 max 13 target 8 concurrent (x0.8)
  $72.36   0.21%  ml.c5.large min 1 max 13 target 6 concurrent (x0.6) month-start min 3
  $78.59   0.18%  ml.c5.xlarge min 1 max 7 target 12 concurrent (x0.6)

Warning: rank 2 (ml.c5.large min 3 max 13 target 8 concurrent (x0.8)) oscillates: it scales out 16.3 and in 11.4 times a day on average (worst day: 29 out, 19 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (960 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (5 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (3) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.

Against the current spec (SPEC.yaml, chat/main), on the same traffic:

  ~ initial_instance_count                               = 2 -> 1
  ~ autoscaling.min                                      = 2 -> 1
  ~ autoscaling.max                                      = 10 -> 7
  ~ autoscaling.target                                   = 10 -> 18 (concurrent requests per model)
  + autoscaling.schedules[business-hours-start].schedule = cron(30 7 ? * MON-FRI *)
  + autoscaling.schedules[business-hours-start].timezone = America/New_York
  + autoscaling.schedules[business-hours-start].min      = 3
  + autoscaling.schedules[business-hours-end].schedule   = cron(0 18 ? * MON-FRI *)
  + autoscaling.schedules[business-hours-end].timezone   = America/New_York
  + autoscaling.schedules[business-hours-end].min        = 1
  + autoscaling.schedules[month-start-peak].schedule     = cron(45 7 1,2 * ? *)
  + autoscaling.schedules[month-start-peak].timezone     = America/New_York
  + autoscaling.schedules[month-start-peak].min          = 4
  + autoscaling.schedules[month-start-end].schedule      = cron(0 18 1,2 * ? *)
  + autoscaling.schedules[month-start-end].timezone      = America/New_York
  + autoscaling.schedules[month-start-end].min           = 1

Per month (30 days): $432.58 now, $288.72 recommended: saves $143.86 a month (33.3%).
The recommended configuration costs 33.3% less than the current spec ($288.72 vs $432.58) and turns away 2.3 times as many requests (0.24% vs 0.10% of invocations over capacity).

Warning: SPEC.yaml chat/main oscillates: it scales out 14.7 and in 12.1 times a day on average (worst day: 26 out, 21 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (1,200 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (5 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (2) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.

Write the spec with this change with --write FILE, then `diff SPEC.yaml FILE`, `endpoint-scale simulate SPEC.yaml --traffic synthetic:base_rpm=1000,days=7,seed=3 --compare FILE` and `endpoint-scale plan FILE`.
"#
    );
    // Without a request duration (no --request-seconds, nothing measured), as simulate says it.
    let out = es(recommend_spec(spec.arg(), &[])).run().code(1);
    assert_eq!(
        out.stderr,
        "error: variant chat/main scales on concurrent requests per model: give --request-seconds S, the mean seconds one request takes (from a load test or the ModelLatency metric), so the simulator can turn the traffic into concurrency (requests per second x seconds per request)\n"
    );
}

/// The winner written to the spec keeps the variant's metric, validates, and simulate of it on
/// the same traffic gives exactly recommend's figures: per minute and on 10-second traffic.
#[test]
fn the_written_concurrency_spec_simulates_exactly_as_ranked() {
    let spec = TempSpec::new("chat.yaml", CONCURRENCY_SPEC);
    let dir = TempDir::new();
    for traffic in [WEEK, "synthetic:base_rpm=1000,days=3,seed=3,resolution=10s"] {
        let written = dir.path.join("recommended.yaml");
        let path = written.to_str().unwrap();
        let mut args = recommend_spec(spec.arg(), &["--request-seconds", "0.5", "--write", path]);
        args[3] = traffic.to_string();
        let doc = json(&args, "2");
        assert_eq!(doc["metric"], "concurrent_requests_per_model");
        assert_eq!(doc["concurrency"]["max_concurrency_per_instance"], 20.0);
        assert_eq!(doc["concurrency"]["request_seconds_from"], "--request-seconds");
        let out = es(["validate", path]).run().code(0);
        assert!(out.stdout.starts_with(&format!("{path}: valid (1 endpoint, 1 variant")), "{}", out.stdout);
        let text = std::fs::read_to_string(&written).unwrap();
        let winner = &doc["recommendations"][0];
        let target = winner["candidate"]["concurrency_target"].as_f64().unwrap();
        let factor = winner["candidate"]["safety_factor"].as_f64().unwrap();
        assert!(
            text.contains(&format!(
                "          metric: concurrent_requests_per_model\n          target:\n            max_concurrency_per_instance: 20\n            safety_factor: {factor}\n"
            )),
            "{text}"
        );
        assert_eq!(target, (20.0 * factor * 1e6_f64).round() / 1e6);
        let sim = simulate_json(&["simulate", path, "--traffic", traffic, "--request-seconds", "0.5"]);
        let result = &sim["results"][0];
        assert_eq!(result["concurrency_target"].as_f64(), Some(target));
        assert_eq!(result["summary"], winner["summary"], "{traffic}");
    }
}

/// On 10-second traffic the candidates are ranked on requests over capacity counted per
/// 10-second period, as simulate counts them: the header says so, and the written spec
/// simulates to recommend's figures exactly.
#[test]
fn ten_second_traffic_is_ranked_on_overload_per_period() {
    let ten = "synthetic:base_rpm=1000,days=3,seed=3,resolution=10s";
    let mut args = recommend_spec("examples/recommender.yaml", &[]);
    args[3] = ten.to_string();
    let out = es(&args).run().code(0);
    assert_eq!(
        without_timing(&out.stdout),
        r#"Simulated 3.0 days, 2026-11-01 00:00 UTC to 2026-11-04 00:00 UTC, of 10-second traffic: synthetic (seed 3)
Prices: us-east-1 USD per instance-hour, shipped table of 2026-11-30
Marks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).
Requests over capacity are counted per 10-second period (a sixth of a minute's capacity each), as simulate counts them; scaling decisions and launches stay on whole minutes.
Candidates scale on invocations per instance: target = requests per second x safety factor x 60 (a minute).
Evaluated 591 configurations in (time); 25 ran to the end within 0.25% overload
(runs that went over the overload budget were stopped there).

rank  instance type  min  max    target/min  weekday min  month-start min    cost  instance-h  peak  overload
1     ml.c5.xlarge~    1    8  1,440 (x0.6)            -                2  $37.50       183.8     6     0.24%
2     ml.c5.large~     1   16    600 (x0.5)            -                -  $40.73       399.3    15     0.11%

Capacity per instance scaled by vCPUs from ml.c5.xlarge (the spec's `max_rps_per_instance` of product-recommender/primary (examples/recommender.yaml:33:31)): 40 requests per second each; load-test the winner.
Searched 2,688 configurations: simulated 591, the other 2,097 settled by the bounds without a run.

Cost/overload frontier (each less overloaded than every cheaper one):
  $37.50   0.24%  ml.c5.xlarge min 1 max 8 target 1,440 (x0.6) month-start min 2
  $39.59   0.24%  ml.c5.xlarge min 1 max 8 target 1,440 (x0.6) month-start min 3
  $40.73   0.11%  ml.c5.large min 1 max 16 target 600 (x0.5)
  $41.15   0.11%  ml.c5.large min 1 max 16 target 600 (x0.5) month-start min 4
  $41.92   0.08%  ml.c5.xlarge min 1 max 8 target 1,200 (x0.5)

Warning: rank 1 (ml.c5.xlarge min 1 max 8 target 1,440 (x0.6) month-start min 2) oscillates: it scales out 15.0 and in 14.7 times a day on average (worst day: 23 out, 22 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (1,440 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (5 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (1) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.
Warning: rank 2 (ml.c5.large min 1 max 16 target 600 (x0.5)) oscillates: it scales out 26.7 and in 23.0 times a day on average (worst day: 33 out, 30 in), more than the 24 scaling events a day taken as oscillation. Likely causes, and the knob for each: the traffic per instance sits near the target (600 invocations per instance per minute), so its noise crosses the scale-out and scale-in levels: change `target` (or `safety_factor`) so the usual level is clear of both; the scale-in cooldown (5 min) may be too short to ride out dips: lengthen `scale_in_cooldown`; the minimum (1) may be below the usual traffic's need: raise `min`, or raise it for the busy hours with a schedule.

Against the current spec (examples/recommender.yaml, product-recommender/primary), on the same traffic:

  ~ initial_instance_count                               = 2 -> 1
  ~ autoscaling.target                                   = 1200 -> 1440 (invocations per instance per minute)
  ~ autoscaling.scale_in_cooldown                        = 10m -> 5m
  ~ autoscaling.scale_out_cooldown                       = 2m -> 5m
  - autoscaling.schedules[business-hours-start].schedule = cron(30 7 ? * MON-FRI *)
  - autoscaling.schedules[business-hours-start].timezone = America/New_York
  - autoscaling.schedules[business-hours-start].min      = 3
  - autoscaling.schedules[business-hours-end].schedule   = cron(0 18 ? * MON-FRI *)
  - autoscaling.schedules[business-hours-end].timezone   = America/New_York
  - autoscaling.schedules[business-hours-end].min        = 1
  ~ autoscaling.schedules[month-start-peak].min          = 5 -> 2

Per month (30 days): $483.82 now, $374.95 recommended: saves $108.87 a month (22.5%).
The recommended configuration costs 22.5% less than the current spec ($374.95 vs $483.82) and turns away 2.9 times as many requests (0.24% vs 0.08% of invocations over capacity).

Write the spec with this change with --write FILE, then `diff examples/recommender.yaml FILE`, `endpoint-scale simulate examples/recommender.yaml --traffic synthetic:base_rpm=1000,days=3,seed=3,resolution=10s --compare FILE` and `endpoint-scale plan FILE`.
"#
    );
    let dir = TempDir::new();
    let written = dir.path.join("recommended.yaml");
    let path = written.to_str().unwrap();
    args.extend(["--write".to_string(), path.to_string()]);
    let doc = json(&args, "2");
    assert_eq!(
        (doc["traffic_resolution_seconds"].as_u64(), doc["overload_counted_per_seconds"].as_u64()),
        (Some(10), Some(10))
    );
    let sim = simulate_json(&["simulate", "examples/recommender.yaml", "--traffic", ten, "--compare", path]);
    assert_eq!(sim["results"][1]["summary"], doc["recommendations"][0]["summary"]);
    assert_eq!(sim["results"][0]["summary"], doc["current"]["summary"]);
    assert_eq!(doc["recommendations"][0]["summary"]["resolution_seconds"], 10);
}

/// A customized metric (CPU or GPU utilisation) cannot be derived from request counts: refused
/// before any search, saying why.
#[test]
fn a_variant_on_a_customized_metric_is_refused() {
    let out =
        es(recommend_spec("examples/concurrency.yaml", &["--endpoint", "chat-embed", "--max-rps-per-instance", "5"]))
            .run()
            .code(1);
    assert_eq!(
        out.stderr,
        "error: variant chat-embed/main scales on /aws/sagemaker/Endpoints CPUUtilization (Average): the simulator cannot derive a customized metric (such as CPU or GPU utilisation) from request counts, so recommend searches policies on invocations per instance and on concurrent requests per model only; run recommend on a copy of the spec that scales this variant on one of them (`autoscaling.metric`, with `max_rps_per_instance` from a load test), knowing the real policy reacts differently\n"
    );
    assert_eq!(out.stdout, "");
}
