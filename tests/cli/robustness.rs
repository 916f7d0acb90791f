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
