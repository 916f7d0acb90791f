use crate::harness::{assert_expected, es};

#[test]
fn offline_plan_of_the_recommender_human() {
    let out = es(["plan", "--offline", "examples/recommender.yaml"]).run().code(0);
    assert_eq!(out.stderr, "");
    assert_expected("tests/expected/recommender.plan.txt", &out.stdout);
}

#[test]
fn offline_plan_of_the_recommender_json() {
    let out = es(["plan", "--offline", "--output", "json", "examples/recommender.yaml"]).run().code(0);
    assert_expected("tests/expected/recommender.plan.json", &out.stdout);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["format_version"], "1.0");
    assert_eq!(doc["summary"]["create"], 9);
}

#[test]
fn secrets_are_masked_in_both_plan_views() {
    for args in [
        vec!["plan", "--offline", "examples/recommender.yaml"],
        vec!["plan", "--offline", "--output", "json", "examples/recommender.yaml"],
    ] {
        let out = es(args).run().code(0);
        assert!(!out.stdout.contains("fs-7f3a9c1e"), "secret leaked:\n{}", out.stdout);
        assert!(out.stdout.contains("(sensitive)"));
    }
}

#[test]
fn detailed_exitcode_reports_changes_with_2() {
    es(["plan", "--offline", "--detailed-exitcode", "examples/recommender.yaml"]).run().code(2);
}

#[test]
fn invalid_spec_plans_nothing() {
    let out = es(["plan", "--offline", "examples/invalid/t3-instance.yaml"]).run().code(1);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.ends_with("error: spec examples/invalid/t3-instance.yaml is invalid: 1 error, 0 warnings\n"));
}

#[test]
fn saving_or_pruning_needs_the_live_state() {
    let out = es(["plan", "--offline", "--prune", "examples/recommender.yaml"]).run().code(1);
    assert_eq!(out.stderr, "error: --out and --prune need the live state: drop --offline\n");
}

#[test]
fn schema_is_the_committed_one() {
    let out = es(["schema"]).run().code(0);
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(doc["$schema"], "http://json-schema.org/draft-07/schema#");
    assert_eq!(doc["additionalProperties"], false);
    assert_expected("docs/endpoint-scale.schema.json", &out.stdout);
}

#[test]
fn parallelism_is_bounded() {
    for bad in ["0", "101", "many"] {
        let out = es(["plan", "--parallelism", bad, "examples/recommender.yaml"]).run().code(1);
        assert!(
            out.stderr.starts_with(&format!(
                "error: invalid value '{bad}' for '--parallelism <PARALLELISM>': `{bad}` is not a parallelism: write a whole number from 1 to 100\n"
            )),
            "{}",
            out.stderr
        );
    }
}

/// An empty map reads `{}` as in Terraform, not `{  }`.
#[test]
fn an_empty_map_is_shown_as_braces() {
    let out = es(["plan", "--offline", "examples/audited.yaml"]).run().code(0);
    assert!(out.stdout.contains("\n      + environment              = {}\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("{  }"), "{}", out.stdout);
}
