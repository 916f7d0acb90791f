//! Fuzzing on the stable toolchain: the spec parser and validation, variables (a spec and a
//! variables file mutated together), the traffic readers (CSV and CloudWatch JSON, with the
//! simulator run on what they accept), the saved-plan reader and the price readers (price
//! tables, Price List documents, offer files and get-products output) get
//! mutated copies of the repository's own files, and must return (an error is fine) without a
//! panic. cargo-fuzz needs a nightly toolchain; proptest gives mutation, a reproducible seed and
//! shrinking of a failing input to a small one.
//!
//! Budget: `FUZZ_SECONDS` per target (default 3; CI sets it so the whole run stays under a
//! minute) and at most `FUZZ_CASES` inputs per target (default unbounded). `FUZZ_SEED` replays a
//! run; each run prints its seed and how many inputs each target ran. A longer run:
//! `FUZZ_SECONDS=600 cargo test --test fuzz -- --nocapture` (README.md, "Development").

use std::path::Path;
use std::time::{Duration, Instant};

use endpoint_scale::diagnostic::Source;
use endpoint_scale::simulate::prices::{self, pricelist::Collector, PriceTable};
use endpoint_scale::simulate::traffic;
use proptest::prelude::*;
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};

/// Text that tends to sit at an edge of the formats and of the simulator's limits.
const TOKENS: &[&str] = &[
    "\n",
    "\r\n",
    " ",
    ",",
    ":",
    "- ",
    "#",
    "{",
    "}",
    "[",
    "]",
    "\"",
    "\\u",
    "\0",
    "\u{feff}",
    "é",
    "-",
    "0",
    "1e308",
    "6e12",
    "-5",
    "NaN",
    ".nan",
    "inf",
    "4294967295",
    "18446744073709551616",
    "0.000000001",
    "1e-300",
    "9999-12-31T23:59:00Z",
    "1969-12-31T23:59:00Z",
    "+262142-12-31T23:59:00Z",
    "2026-11-02T08:00:00Z",
    "cron(0 8 ? * MON-FRI *)",
    "rate(1 minute)",
    "at(2026-11-02T08:00:00)",
    "Mars/Olympus",
    "&a",
    "*a",
    "!!int",
    "null",
    "true",
    "\"endpoint_scale_plan\": 3",
    "${var.env}",
    "${var.max_instances}",
    "${",
    "$${",
    "}",
    "vars:\n  x: {}\n",
];

#[derive(Debug, Clone)]
enum Mutation {
    /// Replace the byte at a position.
    Set(usize, u8),
    /// Insert a token at a position.
    Insert(usize, usize),
    /// Remove up to `len` bytes at a position.
    Remove(usize, usize),
    /// Copy up to `len` bytes from one position to another (repeats structure: rows, list items).
    Splice(usize, usize, usize),
    /// Cut the input at a position.
    Truncate(usize),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (any::<usize>(), 0..TOKENS.len()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<usize>(), 1usize..64).prop_map(|(at, len)| Mutation::Remove(at, len)),
        (any::<usize>(), any::<usize>(), 1usize..256).prop_map(|(from, to, len)| Mutation::Splice(from, to, len)),
        any::<usize>().prop_map(Mutation::Truncate),
    ]
}

fn apply(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for m in mutations {
        let n = bytes.len();
        let at = |i: usize| if n == 0 { 0 } else { i % (n + 1) };
        match *m {
            Mutation::Set(i, b) if n > 0 => bytes[i % n] = b,
            Mutation::Set(..) => bytes.push(0),
            Mutation::Insert(i, t) => {
                let i = at(i);
                bytes.splice(i..i, TOKENS[t].bytes());
            }
            Mutation::Remove(i, len) => {
                let i = at(i);
                bytes.drain(i..(i + len).min(n));
            }
            Mutation::Splice(from, to, len) => {
                let from = at(from);
                let piece: Vec<u8> = bytes[from..(from + len).min(n)].to_vec();
                let to = at(to);
                bytes.splice(to..to, piece);
            }
            Mutation::Truncate(i) => bytes.truncate(at(i)),
        }
    }
    bytes
}

/// Runs `target` on mutations of `seeds` until the time or case budget is spent; returns the
/// number of inputs run. A panic fails the test with the smallest input proptest finds.
fn fuzz(name: &str, seeds: &[Vec<u8>], target: impl Fn(&[u8])) -> u64 {
    assert!(!seeds.is_empty(), "{name}: no seeds");
    let seconds: f64 = env("FUZZ_SECONDS").unwrap_or(3.0);
    let max_cases: u64 = env("FUZZ_CASES").unwrap_or(u64::MAX);
    let seed: u64 = env("FUZZ_SEED").unwrap_or_else(|| {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64)
    });
    const BATCH: u32 = 64;
    let config = Config { cases: BATCH, failure_persistence: None, max_shrink_iters: 4096, ..Config::default() };
    let strategy = (0..seeds.len(), proptest::collection::vec(mutation(), 0..12));
    let started = Instant::now();
    let budget = Duration::from_secs_f64(seconds);
    let cases = std::cell::Cell::new(0u64);
    // Each seed unchanged first.
    for s in seeds {
        target(s);
        cases.set(cases.get() + 1);
    }
    // A runner per batch (a runner counts its cases for its whole life), each from the run's
    // seed, the target's name and the batch number, so FUZZ_SEED replays the run exactly.
    let mut batch = 0u64;
    while started.elapsed() < budget && cases.get() < max_cases {
        let mut rng_seed = [0u8; 32];
        rng_seed[..8].copy_from_slice(&seed.to_le_bytes());
        rng_seed[8..16].copy_from_slice(&batch.to_le_bytes());
        rng_seed[16..24].copy_from_slice(&(name.len() as u64).to_le_bytes());
        let mut runner = TestRunner::new_with_rng(config.clone(), TestRng::from_seed(RngAlgorithm::ChaCha, &rng_seed));
        let result = runner.run(&strategy, |(which, mutations)| {
            target(&apply(&seeds[which], &mutations));
            cases.set(cases.get() + 1);
            Ok(())
        });
        if let Err(e) = result {
            panic!("{name}: FUZZ_SEED={seed}, batch {batch}: {e}");
        }
        batch += 1;
    }
    let cases = cases.get();
    println!("fuzz {name}: {cases} inputs in {:.1} s (FUZZ_SEED={seed})", started.elapsed().as_secs_f64());
    cases
}

fn env<T: std::str::FromStr>(name: &str) -> Option<T> {
    std::env::var(name).ok().and_then(|v| v.parse().ok())
}

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// Every file of the directories, sorted, as bytes.
fn files(dirs: &[&str]) -> Vec<Vec<u8>> {
    let mut paths: Vec<_> = dirs
        .iter()
        .flat_map(|d| std::fs::read_dir(root().join(d)).unwrap_or_else(|e| panic!("{d}: {e}")))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    paths.sort();
    paths.iter().map(|p| std::fs::read(p).unwrap()).collect()
}

/// Small traffic files: a few hours of generated CSV and CloudWatch JSON, coarse and odd rows.
fn traffic_seeds() -> Vec<Vec<u8>> {
    let g = traffic::Generator { days: 1, seed: 3, ..traffic::Generator::default() };
    let mut day = traffic::generate(&g);
    day.per_minute.truncate(180);
    let mut seeds = vec![
        traffic::to_csv(&day).into_bytes(),
        traffic::to_cloudwatch_json(&day.first_minutes(40))
            .into_bytes(),
        b"timestamp,invocations\n2026-11-02T08:00:00Z,100\n2026-11-02T08:05:00Z,5\n2026-11-02T08:15:00Z,7\n".to_vec(),
        b"\xef\xbb\xbf# export\nTimestamp , INVOCATIONS\r\n2026-11-02 03:00:00-05:00,1\r\n\"2026-11-02T08:01:00.000Z\",\"4\"\n".to_vec(),
        br#"{"Label": "Invocations", "Datapoints": [{"Timestamp": "2026-11-02T08:00:00Z", "Sum": 12.0, "Unit": "None"}, {"Timestamp": "2026-11-02T08:05:00Z", "Sum": 3.0, "Unit": "None"}]}"#.to_vec(),
    ];
    seeds.push(br#"{"MetricDataResults": [{"Timestamps": ["2026-11-02T08:01:00Z", "2026-11-02T08:00:00Z"], "Values": [1, 2]}, {"Timestamps": ["2026-11-02T08:00:00Z"], "Values": [5]}]}"#.to_vec());
    // 10-second rows (an hour of the generator's), and the concurrency column of `traffic export`.
    let g = traffic::Generator { resolution: traffic::Resolution::TenSeconds, ..g };
    let fine = traffic::to_csv(&traffic::generate(&g));
    seeds.push(fine.lines().take(361).flat_map(|l| [l, "\n"]).collect::<String>().into_bytes());
    seeds.push(b"timestamp,invocations,concurrency\n2026-11-02T08:00:00Z,120,1.5\n2026-11-02T08:01:00Z,60,\n2026-11-02T08:03:00Z,90,0.25\n".to_vec());
    seeds
}

#[test]
fn fuzz_spec_parser_and_validation() {
    let seeds = files(&["examples", "examples/invalid", "examples/study", "examples/environments", "tests/expected"]);
    fuzz("spec", &seeds, |bytes| {
        let source = Source::new("fuzz.yaml", String::from_utf8_lossy(bytes).into_owned());
        if let Ok(spec) = endpoint_scale::spec::parse(&source) {
            let validated = endpoint_scale::validate::validate(&spec);
            // What validates, the simulator takes (or refuses with a message).
            if let Some(desired) = validated.desired {
                let traffic = vec![500.0; 120];
                let prices = endpoint_scale::simulate::prices::PriceTable::shipped();
                let start = chrono::DateTime::from_timestamp(1_793_491_200, 0).unwrap();
                if let Ok(prepared) = endpoint_scale::simulate::prepare(&desired, None, &prices, start, 120, Some(0.5))
                {
                    let params = endpoint_scale::simulate::engine::Params::default();
                    endpoint_scale::simulate::simulate("fuzz", &prepared, &traffic, None, &params, true);
                }
            }
        }
    });
}

/// A spec and a variables file in one input, split at the first NUL byte, with a flag and an
/// environment value besides; what parses is validated, its diagnostics annotated and rendered.
#[test]
fn fuzz_variables() {
    let spec = std::fs::read(root().join("examples/environments/recommender.yaml")).unwrap();
    let mut seeds: Vec<Vec<u8>> = files(&["examples/environments/envs"])
        .into_iter()
        .map(|values| [spec.as_slice(), b"\0", values.as_slice()].concat())
        .collect();
    // Many uses of a long value: the expansion limits.
    let long = format!("env: {}\n", "x".repeat(4000));
    let many: String = (0..40).map(|i| format!("  k{i}: \"${{var.env}}${{var.env}}\"\n")).collect();
    seeds
        .push(format!("version: 1\nvars:\n  env: {{}}\nproject: p\ntags:\n{many}endpoints: []\n\0{long}").into_bytes());
    fuzz("variables", &seeds, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let (spec, values) = text.split_once('\0').unwrap_or((&text, ""));
        let source = Source::new("fuzz.yaml", spec);
        let inputs = endpoint_scale::spec::vars::Inputs {
            env: vec![("max_instances".into(), "3".into())],
            files: vec![Source::new("vars.yaml", values)],
            flags: vec![("capture".into(), "true".into())],
            ..Default::default()
        };
        match endpoint_scale::spec::parse_with(&source, &inputs) {
            Ok(parsed) => {
                let mut validated = endpoint_scale::validate::validate(&parsed.spec);
                parsed.variables.annotate(&mut validated.diagnostics);
                endpoint_scale::diagnostic::render_files(&source, &inputs.files, &validated.diagnostics, false);
            }
            Err(diagnostics) => {
                endpoint_scale::diagnostic::render_files(&source, &inputs.files, &diagnostics, false);
            }
        }
    });
}

#[test]
fn fuzz_traffic_readers() {
    let seeds = traffic_seeds();
    fuzz("traffic", &seeds, |bytes| {
        let read = traffic::read(bytes);
        if let Ok((t, Some(c))) = traffic::read_measured(bytes) {
            assert_eq!(c.per_minute.len(), t.per_minute.len(), "concurrency not laid over the minutes");
        }
        let text = String::from_utf8_lossy(bytes);
        let _ = traffic::parse_csv(&text);
        let _ = traffic::parse_cloudwatch(&text);
        if let Ok(t) = read {
            assert!(t.per_minute.iter().all(|v| (0.0..=1e9).contains(v)), "a value outside the limits was accepted");
            // The simulator on what the readers accept: a scaled and a burstable variant.
            let traffic = &t.per_minute[..t.per_minute.len().min(20_000)];
            for (instance_type, scaling) in [("ml.c5.large", true), ("ml.t2.medium", false)] {
                let v = endpoint_scale::simulate::engine::Variant {
                    capacity_per_instance: 600.0,
                    price_per_hour: 0.1,
                    burstable: endpoint_scale::simulate::engine::burstable(instance_type),
                    initial_count: 1,
                    scaling: scaling.then(|| endpoint_scale::simulate::engine::Scaling {
                        min: 1,
                        max: 1000,
                        target: 0.000001,
                        scale_in_cooldown_minutes: 5,
                        scale_out_cooldown_minutes: 5,
                        disable_scale_in: false,
                        // Both alarm models, on alternate traces.
                        high_resolution: traffic.len() % 2 == 0,
                        events: Vec::new(),
                    }),
                };
                endpoint_scale::simulate::engine::run(traffic, &v, &Default::default(), None);
                if let Some(periods) = &t.periods {
                    let periods = &periods[..periods.len().min(traffic.len() * 6)];
                    endpoint_scale::simulate::engine::run_periods(traffic, periods, &v, &Default::default(), None);
                }
            }
        }
    });
}

#[test]
fn fuzz_saved_plan_reader() {
    let spec = std::fs::read_to_string(root().join("examples/recommender.yaml")).unwrap();
    let plan = serde_json::json!({
        "endpoint_scale_plan": 3,
        "spec_path": "examples/recommender.yaml",
        "spec": spec,
        "prune": false,
        "targets": ["product-recommender"],
        "account": "123456789012",
        "region": "us-east-1",
        "computed_at": "2026-11-02T08:00:00Z",
        "live": {"endpoints": {}, "strays": {}, "unused": {}, "foreign": {}},
        "steps": [],
        "digest": "sha256:0000000000000000000000000000000000000000000000000000000000000000",
        "signature": "hmac-sha256:00"
    });
    let mut seeds = files(&["tests/expected"]);
    seeds.push(serde_json::to_vec_pretty(&plan).unwrap());
    fuzz("saved plan", &seeds, |bytes| {
        let source = Source::new("fuzz.plan", String::from_utf8_lossy(bytes).into_owned());
        let _ = endpoint_scale::plan::saved::SavedPlan::parse(&source);
    });
}

#[test]
fn fuzz_price_readers() {
    let mut seeds = files(&["tests/prices", "data"]);
    // Single GetProducts documents, as the Query API sends them.
    for fixture in files(&["tests/emulator/fixtures/pricing"]) {
        let docs: Vec<serde_json::Value> = serde_json::from_slice(&fixture).unwrap();
        seeds.extend(docs.iter().map(|d| d.to_string().into_bytes()));
    }
    fuzz("prices", &seeds, |bytes| {
        let text = String::from_utf8_lossy(bytes);
        let _ = PriceTable::parse("fuzz.json", &text);
        // What the readers accept makes a table that passes the checks of --prices.
        let mut collector = Collector::new();
        if prices::import::read(bytes, &mut collector).is_ok() {
            if let Ok(got) = collector.finish(None) {
                let table = got.into_table("fuzz".to_string());
                assert_eq!(table.check(), Ok(()), "an imported table fails its own checks");
            }
        }
        let mut collector = Collector::new();
        if collector.document("fuzz", &text).is_ok() {
            if let Ok(got) = collector.finish(None) {
                assert_eq!(got.into_table("fuzz".to_string()).check(), Ok(()), "a fetched table fails its own checks");
            }
        }
    });
}
