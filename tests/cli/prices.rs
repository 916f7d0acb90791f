//! Prices: the spec's region picks the table (or the output says which region was assumed),
//! `--prices` must be for that region, `prices show` prints and exports the table, and
//! `prices fetch` (against the emulator's Price List API) and `prices import` (an offer file and
//! saved get-products output) write official tables.

use serde_json::{json, Value};

use crate::emulator::emulator;
use crate::harness::{assert_expected, es, root, TempDir, TempSpec};

const MARKS: &str = "Marks: * third-party price (copied from a public source that quotes the AWS Price List), ~ estimate (derived; see `endpoint-scale prices show`); unmarked prices are official (read from the AWS Price List).";

/// Two ml.c5.xlarge for a day, with the spec's `region:` when given.
fn fixed_pair(region: Option<&str>) -> String {
    format!(
        "version: 1\nproject: demo\n{}endpoints:\n  - name: demo\n    model:\n      existing: demo-model\n    variants:\n      - name: main\n        instance_type: ml.c5.xlarge\n        initial_instance_count: 2\n        max_rps_per_instance: 40\n",
        region.map_or(String::new(), |r| format!("region: {r}\n"))
    )
}

const DAY: &str = "synthetic:days=1";

/// The lines before the table of results.
fn header(stdout: &str) -> String {
    stdout.split("\n\n").next().unwrap_or_default().to_string() + "\n"
}

fn json(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn a_spec_in_eu_west_1_is_priced_from_the_eu_west_1_table() {
    let spec = TempSpec::new("eu.yaml", fixed_pair(Some("eu-west-1")));
    let out = es(["simulate", spec.arg(), "--traffic", DAY]).run().code(0);
    // 2 instances x 24 h x 0.23 (the eu-west-1 estimate for ml.c5.xlarge; us-east-1's is 0.204).
    assert_eq!(
        out.stdout,
        format!(
            "Simulated 1.0 days, 2026-11-01 00:00 UTC to 2026-11-02 00:00 UTC, of 1-minute traffic: synthetic (seed 1) (720,751 invocations)
Prices: eu-west-1 USD per instance-hour, shipped table of 2026-11-30
{MARKS}

spec{pad}  variant    instance type    cost  instance-h  peak  mean  overload  overload min  lowest credits  at baseline  out/in/sched
{path}  demo/main  ml.c5.xlarge~  $11.04        48.0     2  2.00    0 (0%)             0               -            -         0/0/0
",
            pad = " ".repeat(spec.arg().len() - 4),
            path = spec.arg(),
        )
    );
    let doc = json(&es(["simulate", spec.arg(), "--traffic", DAY, "--output", "json"]).run().code(0).stdout);
    assert_eq!(doc["format_version"], "2.0");
    let result = &doc["results"][0];
    assert_eq!((&result["price_per_hour"], &result["price_region"]), (&json!(0.23), &json!("eu-west-1")));
    assert_eq!(result["price_provenance"], "estimate");
    assert_eq!(result.get("price_verified"), None);
    let prices = &doc["prices"];
    assert_eq!(prices.as_array().unwrap().len(), 1);
    assert_eq!(
        (&prices[0]["region"], &prices[0]["region_from"], &prices[0]["file"], &prices[0]["date"]),
        (&json!("eu-west-1"), &json!("spec"), &Value::Null, &json!("2026-11-30"))
    );
    assert_eq!(prices[0]["specs"], json!([spec.arg()]));
    assert!(prices[0]["source"].as_str().unwrap().starts_with("Compiled 2026-11-30"));
}

#[test]
fn without_a_spec_region_the_output_says_which_region_and_how_to_change_it() {
    let spec = TempSpec::new("any.yaml", fixed_pair(None));
    let run = |extra: &[&str], env: Vec<(&'static str, String)>| {
        let mut args = vec!["simulate", spec.arg(), "--traffic", DAY];
        args.extend_from_slice(extra);
        es(args).envs(env).run().code(0).stdout
    };
    assert_eq!(
        header(&run(&[], vec![])),
        format!("Simulated 1.0 days, 2026-11-01 00:00 UTC to 2026-11-02 00:00 UTC, of 1-minute traffic: synthetic (seed 1) (720,751 invocations)
Prices: us-east-1 USD per instance-hour, shipped table of 2026-11-30
Region us-east-1 is assumed: no spec `region:`, --region, AWS_REGION or AWS_DEFAULT_REGION names one; add `region:` to the spec or pass --region to price another region.
{MARKS}
")
    );
    let env = vec![("AWS_DEFAULT_REGION", "us-west-2".to_string()), ("AWS_REGION", "eu-west-1".to_string())];
    let lines: Vec<String> = header(&run(&[], env.clone())).lines().skip(1).take(2).map(String::from).collect();
    assert_eq!(
        lines,
        [
            "Prices: eu-west-1 USD per instance-hour, shipped table of 2026-11-30",
            "Region eu-west-1 is taken from AWS_REGION: no spec `region:` or --region names one; add `region:` to the spec or pass --region to price another region.",
        ]
    );
    // --region is asked for: no sentence, and it wins over the environment.
    let lines: Vec<String> =
        header(&run(&["--region", "us-west-2"], env.clone())).lines().skip(1).take(2).map(String::from).collect();
    assert_eq!(lines, ["Prices: us-west-2 USD per instance-hour, shipped table of 2026-11-30", MARKS]);
    let doc = json(&run(&["--output", "json"], env));
    assert_eq!(
        (&doc["prices"][0]["region"], &doc["prices"][0]["region_from"]),
        (&json!("eu-west-1"), &json!("AWS_REGION"))
    );
    // The spec's region wins over the environment, and a contradicting --region is an error.
    let eu = TempSpec::new("eu.yaml", fixed_pair(Some("eu-west-1")));
    let out = es(["simulate", eu.arg(), "--traffic", DAY, "--region", "us-west-2"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!("error: {}: --region us-west-2 contradicts the spec's region eu-west-1: drop --region, or change `region:` in the spec\n", eu.arg())
    );
}

#[test]
fn a_region_without_a_table_says_how_to_get_prices() {
    let spec = TempSpec::new("mumbai.yaml", fixed_pair(Some("ap-south-1")));
    let out = es(["simulate", spec.arg(), "--traffic", DAY]).run().code(1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!("error: {}: no price table ships for region ap-south-1 (tables ship for eu-west-1, us-east-1, us-west-2). Get official prices with `endpoint-scale prices fetch --region ap-south-1 --out prices-ap-south-1.json` (needs the IAM action pricing:GetProducts), or from the AmazonSageMaker offer file or saved `aws pricing get-products` output with `endpoint-scale prices import FILE --region ap-south-1 --out prices-ap-south-1.json`; then pass --prices prices-ap-south-1.json\n", spec.arg())
    );
}

#[test]
fn a_prices_file_for_another_region_than_the_spec_is_an_error() {
    let dir = TempDir::new();
    let east = dir.path.join("east.json");
    let table = es(["prices", "show", "--region", "us-east-1", "--output", "json"]).run().code(0).stdout;
    std::fs::write(&east, table).unwrap();
    let spec = TempSpec::new("eu.yaml", fixed_pair(Some("eu-west-1")));
    let out = es(["simulate", spec.arg(), "--traffic", DAY, "--prices", east.to_str().unwrap()]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: {}: --prices {} holds prices for us-east-1, but the spec's region is eu-west-1: pass a table for eu-west-1 (`endpoint-scale prices fetch --region eu-west-1` writes one), or change the spec's `region:`\n",
            spec.arg(),
            east.display()
        )
    );
    // A spec without a region takes the file's, and says where the prices come from.
    let any = TempSpec::new("any.yaml", fixed_pair(None));
    let out = es(["simulate", any.arg(), "--traffic", DAY, "--prices", east.to_str().unwrap()]).run().code(0);
    assert_eq!(
        header(&out.stdout).lines().nth(1).unwrap(),
        format!("Prices: us-east-1 USD per instance-hour, table {} of 2026-11-30", east.display())
    );
}

#[test]
fn compared_specs_in_different_regions_are_each_priced_from_their_own_table() {
    let eu = TempSpec::new("eu.yaml", fixed_pair(Some("eu-west-1")));
    let east = TempSpec::new("east.yaml", fixed_pair(Some("us-east-1")));
    let out = es(["simulate", eu.arg(), "--traffic", DAY, "--compare", east.arg()]).run().code(0);
    let lines: Vec<&str> = out.stdout.lines().skip(1).take(2).collect();
    assert_eq!(
        lines,
        [
            format!("Prices for {}: eu-west-1 USD per instance-hour, shipped table of 2026-11-30", eu.arg()),
            format!("Prices for {}: us-east-1 USD per instance-hour, shipped table of 2026-11-30", east.arg()),
        ]
    );
    // 48 instance-hours at 0.23 and at 0.204.
    assert!(
        out.stdout.contains(&format!("{} costs 11.3% less than {} ($9.79 vs $11.04)", east.arg(), eu.arg())),
        "{}",
        out.stdout
    );
}

#[test]
fn prices_show_prints_the_table_and_exports_one_that_prices_reads_back() {
    let out = es(["prices", "show", "--region", "eu-west-1"]).run().code(0);
    assert_expected("tests/expected/prices-show-eu-west-1.txt", &out.stdout);
    assert_eq!(out.stderr, "");
    let exported = es(["prices", "show", "--region", "eu-west-1", "--output", "json"]).run().code(0);
    assert_eq!(exported.stderr, "");
    let shipped: Value =
        serde_json::from_str(&std::fs::read_to_string(root().join("data/prices-eu-west-1.json")).unwrap()).unwrap();
    assert_eq!(json(&exported.stdout), shipped);

    // Edit the export, and --prices uses it: same table, same results, the file named.
    let dir = TempDir::new();
    let path = dir.path.join("p.json");
    std::fs::write(&path, &exported.stdout).unwrap();
    let again = es(["prices", "show", "--prices", path.to_str().unwrap(), "--output", "json"]).run().code(0);
    assert_eq!(again.stdout, exported.stdout);
    let spec = TempSpec::new("eu.yaml", fixed_pair(Some("eu-west-1")));
    let shipped_run = es(["simulate", spec.arg(), "--traffic", DAY]).run().code(0).stdout;
    let file_run =
        es(["simulate", spec.arg(), "--traffic", DAY, "--prices", path.to_str().unwrap()]).run().code(0).stdout;
    assert_eq!(file_run, shipped_run.replace("shipped table of", &format!("table {} of", path.display())));
    let mut edited = json(&exported.stdout);
    edited["prices"]["ml.c5.xlarge"]["per_hour"] = json!(0.5);
    edited["prices"]["ml.c5.xlarge"]["provenance"] = json!("official");
    std::fs::write(&path, serde_json::to_string_pretty(&edited).unwrap()).unwrap();
    let edited_run =
        es(["simulate", spec.arg(), "--traffic", DAY, "--prices", path.to_str().unwrap()]).run().code(0).stdout;
    assert!(edited_run.contains("demo/main  ml.c5.xlarge   $24.00        48.0"), "{edited_run}");

    // Without a region: the assumption goes to stderr, so stdout stays a table.
    let assumed = es(["prices", "show", "--output", "json"]).run().code(0);
    assert_eq!(json(&assumed.stdout)["region"], "us-east-1");
    assert_eq!(
        assumed.stderr,
        "note: Region us-east-1 is assumed: no spec `region:`, --region, AWS_REGION or AWS_DEFAULT_REGION names one; add `region:` to the spec or pass --region to price another region.\n"
    );
}

#[test]
fn an_old_format_table_gets_what_changed_and_how_to_convert_it() {
    let old = TempSpec::new(
        "old.json",
        r#"{"region": "us-east-1", "currency": "USD", "unit": "per instance-hour", "date": "2026-11-29", "source": "s",
  "prices": {"ml.c5.xlarge": {"per_hour": 0.204, "vcpus": 4, "memory_gib": 8, "verified": false, "source": "x"}}}"#,
    );
    let spec = TempSpec::new("any.yaml", fixed_pair(None));
    let out = es(["simulate", spec.arg(), "--traffic", DAY, "--prices", old.arg()]).run().code(1);
    assert_eq!(
        out.stderr,
        format!("error: {}: price file {} is in the old format (`verified` per price, no `\"format\": 2`). Format 2 replaces `verified` by `provenance` (\"official\": read from the AWS Price List; \"third-party\": copied from a public source that quotes it; \"estimate\": derived) and adds `as_of` (YYYY-MM-DD) per price. To convert it, add `\"format\": 2` at the top and, in each price, replace `\"verified\": true` by `\"provenance\": \"third-party\"` (\"official\" only if you read it from the Price List yourself) and `\"verified\": false` by `\"provenance\": \"estimate\"`, and add `\"as_of\"`; or start again from `endpoint-scale prices show --region REGION --output json`, or get official prices with `endpoint-scale prices fetch --region REGION` or `prices import`\n", spec.arg(), old.arg())
    );
    let out = es(["prices", "show", "--prices", old.arg()]).run().code(1);
    assert!(out.stderr.starts_with(&format!("error: price file {} is in the old format", old.arg())), "{}", out.stderr);
}

#[test]
fn recommend_prices_in_the_region_asked_for() {
    let args = [
        "recommend",
        "--traffic",
        "synthetic:days=2,base_rpm=200",
        "--max-rps-per-instance",
        "40",
        "--instance-types",
        "ml.c5.large,ml.c5.xlarge",
        "--region",
        "eu-west-1",
    ];
    let out = es(args).run().code(0);
    assert_eq!(
        out.stdout.lines().skip(1).take(2).collect::<Vec<_>>(),
        ["Prices: eu-west-1 USD per instance-hour, shipped table of 2026-11-30", MARKS]
    );
    assert!(out.stdout.contains("\n1     ml.c5.large~ "), "{}", out.stdout);
    let mut json_args = args.to_vec();
    json_args.extend(["--output", "json"]);
    let doc = json(&es(json_args).run().code(0).stdout);
    assert_eq!((&doc["prices"]["region"], &doc["prices"]["region_from"]), (&json!("eu-west-1"), &json!("--region")));
    let candidate = &doc["recommendations"][0]["candidate"];
    assert_eq!((&candidate["price_per_hour"], &candidate["price_provenance"]), (&json!(0.115), &json!("estimate")));
}

/// `prices fetch` against the emulator's Price List API for one account.
fn fetch(account: &crate::emulator::Account, args: &[&str]) -> crate::harness::Output {
    let mut all = vec!["prices", "fetch"];
    all.extend_from_slice(args);
    es(all).envs(account.env()).run()
}

#[test]
fn prices_fetch_writes_the_official_table_of_the_region() {
    let account = emulator().account();
    let out = fetch(&account, &["--region", "eu-west-1"]).code(0);
    assert_expected("tests/expected/prices-fetch-eu-west-1.json", &out.stdout);
    assert_eq!(
        out.stderr,
        "Read AmazonSageMaker prices for eu-west-1 from the Price List API in 1 page: 8 products, of which 4 real-time hosting prices for eu-west-1 are kept.\n"
    );
    let table = json(&out.stdout);
    // Only `<CODE>-Host:ml.<type>`: training, asynchronous, serverless and storage are left out.
    assert_eq!(
        table["prices"].as_object().unwrap().keys().collect::<Vec<_>>(),
        ["ml.c5.large", "ml.c5.xlarge", "ml.m5.xlarge", "ml.t2.medium"]
    );
    assert!(table["prices"].as_object().unwrap().values().all(|p| p["provenance"] == "official"));
    assert_eq!(account.operations(), ["GetProducts"]);

    // What fetch wrote, simulate uses: the row is official, so unmarked.
    let dir = TempDir::new();
    let path = dir.path.join("eu.json");
    let out = fetch(&account, &["--region", "eu-west-1", "--out", path.to_str().unwrap()]).code(0);
    assert_eq!(out.stdout, "");
    assert!(out
        .stderr
        .ends_with(&format!("Wrote the eu-west-1 table to {0}; use it with --prices {0}.\n", path.display())));
    assert_eq!(std::fs::read_to_string(&path).unwrap(), serde_json::to_string_pretty(&table).unwrap() + "\n");
    let spec = TempSpec::new("eu.yaml", fixed_pair(Some("eu-west-1")));
    let run = es(["simulate", spec.arg(), "--traffic", DAY, "--prices", path.to_str().unwrap()]).run().code(0);
    assert!(run.stdout.contains("demo/main  ml.c5.xlarge   $11.04"), "{}", run.stdout);
}

#[test]
fn prices_fetch_follows_every_page() {
    let account = emulator().account();
    account.control_post("pricing", json!({"page_size": 2}));
    let out = fetch(&account, &["--region", "us-east-1"]).code(0);
    assert_eq!(
        out.stderr,
        "Read AmazonSageMaker prices for us-east-1 from the Price List API in 5 pages: 9 products, of which 5 real-time hosting prices for us-east-1 are kept.\n"
    );
    assert_expected("tests/expected/prices-fetch-us-east-1.json", &out.stdout);
    assert_eq!(account.operations(), vec!["GetProducts"; 5]);
    // The capacity block's $0 placeholder under USE1-Host:ml.m5.large is not a price.
    assert_eq!(json(&out.stdout)["prices"]["ml.m5.large"]["per_hour"], 0.115);
}

#[test]
fn prices_fetch_says_when_the_region_has_no_hosting_prices() {
    let account = emulator().account();
    let out = fetch(&account, &["--region", "ap-south-1"]).code(1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        "error: prices fetch --region ap-south-1: no SageMaker real-time hosting price for ap-south-1 among the 0 products read; nothing was written\n"
    );
    let out = fetch(&account, &["--region", "Ireland"]).code(1);
    assert_eq!(out.stderr, "error: --region \"Ireland\" is not a region name like eu-west-1\n");
}

#[test]
fn prices_import_of_an_offer_file_and_of_get_products_output_give_the_fetched_table() {
    let offer = es(["prices", "import", "tests/prices/offer-file.json", "--region", "eu-west-1"]).run().code(0);
    assert_eq!(
        offer.stderr,
        "Read the AmazonSageMaker offer file published 2026-11-20 from tests/prices/offer-file.json: 17 products, of which 4 real-time hosting prices for eu-west-1 are kept.\n"
    );
    let saved = es(["prices", "import", "tests/prices/get-products-eu-west-1.json"]).run().code(0);
    assert_eq!(
        saved.stderr,
        "Read `aws pricing get-products` output (8 products) from tests/prices/get-products-eu-west-1.json: 8 products, of which 4 real-time hosting prices for eu-west-1 are kept.\n"
    );
    let fetched = json(&std::fs::read_to_string(root().join("tests/expected/prices-fetch-eu-west-1.json")).unwrap());
    let (mut offer, mut saved) = (json(&offer.stdout), json(&saved.stdout));
    // The same products make the same table; only the account of where it came from differs.
    assert_eq!(
        offer["source"],
        "AWS Price List bulk offer file of AmazonSageMaker, publicationDate 2026-11-20: the real-time hosting usage types (<CODE>-Host:ml.<type>) of eu-west-1, 17 products read; imported with `endpoint-scale prices import offer-file.json --region eu-west-1`."
    );
    assert_eq!(
        saved["source"],
        "AWS Price List Query API answer saved by `aws pricing get-products` (AmazonSageMaker), latest publicationDate 2026-11-20: the real-time hosting usage types (<CODE>-Host:ml.<type>) of eu-west-1, 8 products read; imported with `endpoint-scale prices import get-products-eu-west-1.json --region eu-west-1`."
    );
    for doc in [&mut offer, &mut saved] {
        doc["source"] = fetched["source"].clone();
        assert_eq!(*doc, fetched);
    }
    // The offer file holds two regions: one must be picked.
    let out = es(["prices", "import", "tests/prices/offer-file.json"]).run().code(1);
    assert_eq!(
        out.stderr,
        "error: tests/prices/offer-file.json: it has hosting prices for 2 regions (eu-west-1, us-east-1): pick one with --region; nothing was written\n"
    );
}

#[test]
fn malformed_price_list_files_are_errors_not_panics() {
    let dir = TempDir::new();
    let offer = std::fs::read_to_string(root().join("tests/prices/offer-file.json")).unwrap();
    let cases: Vec<(&str, String, &str)> = vec![
        ("truncated.json", offer[..offer.len() / 2].to_string(), "not valid JSON: EOF while parsing"),
        ("array.json", "[]".to_string(), "not valid JSON: invalid type: sequence, expected a JSON object"),
        (
            "other.json",
            r#"{"offerCode": "AmazonEC2", "products": {}}"#.to_string(),
            "it is the offer file of AmazonEC2, not of AmazonSageMaker",
        ),
        (
            "item.json",
            r#"{"PriceList": ["{\"product\": 1}"]}"#.to_string(),
            "PriceList item 1 is not a Price List product: no `product` object",
        ),
        (
            "empty.json",
            r#"{"PriceList": []}"#.to_string(),
            "no SageMaker real-time hosting price among the 0 products read (usage types <CODE>-Host:ml.<type>)",
        ),
        ("binary.json", "\u{0}\u{1}garbage".to_string(), "not valid JSON: expected value"),
    ];
    for (name, text, message) in cases {
        let path = dir.path.join(name);
        std::fs::write(&path, text).unwrap();
        let out = es(["prices", "import", path.to_str().unwrap()]).run().code(1);
        let prefix = format!("error: {}: {message}", path.display());
        assert!(out.stderr.starts_with(&prefix), "{name}: {}", out.stderr);
        assert!(out.stderr.ends_with("; nothing was written\n"), "{name}: {}", out.stderr);
    }
    // A hosting product without what a row needs is skipped and reported, not fatal.
    let mut doc = json(&std::fs::read_to_string(root().join("tests/prices/get-products-eu-west-1.json")).unwrap());
    let mut first = json(doc["PriceList"][0].as_str().unwrap());
    first["product"]["attributes"]["vCpu"] = json!("NA");
    doc["PriceList"][0] = json!(first.to_string());
    let path = dir.path.join("no-vcpu.json");
    std::fs::write(&path, doc.to_string()).unwrap();
    let out = es(["prices", "import", path.to_str().unwrap()]).run().code(0);
    assert!(
        out.stderr.ends_with("of which 3 real-time hosting prices for eu-west-1 are kept.\nwarning: skipped EU-Host:ml.c5.large (SKU EMUEUHOSTC5L0001): vCpu \"NA\" is not a number of vCPUs\n"),
        "{}",
        out.stderr
    );
}
