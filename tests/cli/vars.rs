//! Variables (`vars:`, `${var.NAME}`, `--var`, `--var-file`, `ENDPOINT_SCALE_VAR_<NAME>`): the
//! environments example, precedence, every error with its text and position, escaping, masking,
//! saved plans (against the emulator: pinned values, `show` without secrets, with `--target`) and
//! `iam-policy`.

use serde_json::Value;

use crate::emulator::emulator;
use crate::harness::{assert_expected, es, Output, TempDir, TempSpec};
use crate::live::{run, FAST};

const EXAMPLE: &str = "examples/environments/recommender.yaml";
const DEV: &str = "examples/environments/envs/dev.yaml";
const PROD: &str = "examples/environments/envs/prod.yaml";

/// A small spec: `env` is required, `max_instances` defaults to 4 (declared on line 5, its
/// default on line 7) and is used on line 19.
const SPEC: &str = "version: 1
vars:
  env:
    description: deployment environment
  max_instances:
    type: number
    default: 4
project: demo-${var.env}
endpoints:
  - name: demo-${var.env}
    model:
      existing: demo-model
    variants:
      - name: main
        instance_type: ml.c5.large
        max_rps_per_instance: 10
        autoscaling:
          min: 1
          max: ${var.max_instances}
";

/// The `max: ${var.max_instances}` error of SPEC when the value is 0, with `note`.
fn max_zero(spec: &TempSpec, note: &str) -> String {
    format!(
        "error: `max` must be a whole number from 1 to 4294967295, found `0`
   --> {path}:19:16
   |
19 |           max: ${{var.max_instances}}
   |                ^^^^^^^^^^^^^^^^^^^^ expected a whole number from 1 to 4294967295
   |
   = note: `${{var.max_instances}}` is `0` ({note})

error: spec {path} is invalid: 1 error, 0 warnings
",
        path = spec.arg()
    )
}

fn file(dir: &TempDir, name: &str, text: &str) -> String {
    let path = dir.path.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_string()
}

fn with_env(args: &[&str], env: &[(&'static str, &str)]) -> Output {
    es(args).envs(env.iter().map(|(k, v)| (*k, v.to_string())).collect()).run()
}

#[test]
fn the_environments_example_plans_dev_and_prod() {
    for (name, values) in [("dev", DEV), ("prod", PROD)] {
        let out = es(["plan", "--offline", EXAMPLE, "--var-file", values]).run().code(0);
        assert_eq!(out.stderr, "");
        assert_expected(format!("tests/expected/environments.{name}.plan.txt"), &out.stdout);
        let out = es(["render", "--format", "shell", EXAMPLE, "--var-file", values]).run().code(0);
        assert_expected(format!("tests/expected/environments.{name}.render.sh"), &out.stdout);
    }
    let out = es(["validate", EXAMPLE, "--var-file", PROD]).run().code(0);
    assert_eq!(out.stdout, format!("{EXAMPLE}: valid (1 endpoint, 1 variant, 2 scheduled actions)\n"));
}

#[test]
fn values_follow_the_documented_precedence() {
    let spec = TempSpec::new("spec.yaml", SPEC);
    let dir = TempDir::new();
    let three = file(&dir, "three.yaml", "max_instances: 3\n");
    let five = file(&dir, "five.yaml", "max_instances: 5\n");
    let max = |args: &[&str], env: &[(&'static str, &str)]| -> Value {
        let mut all = vec!["render", spec.arg(), "--var", "env=dev"];
        all.extend(args);
        let calls: Value = serde_json::from_str(&with_env(&all, env).code(0).stdout).unwrap();
        calls.as_array().unwrap().iter().find(|c| c["operation"] == "RegisterScalableTarget").unwrap()["input"]
            ["MaxCapacity"]
            .clone()
    };
    let env = [("ENDPOINT_SCALE_VAR_max_instances", "2")];
    // The default, then the environment, the files (a later one wins), the flags (the last wins).
    assert_eq!(max(&[], &[]), 4);
    assert_eq!(max(&[], &env), 2);
    assert_eq!(max(&["--var-file", &three], &env), 3);
    assert_eq!(max(&["--var-file", &three, "--var-file", &five], &env), 5);
    assert_eq!(max(&["--var-file", &five, "--var-file", &three], &env), 3);
    // A flag beats every file, wherever it stands on the command line.
    assert_eq!(max(&["--var", "max_instances=6", "--var-file", &five], &env), 6);
    assert_eq!(max(&["--var", "max_instances=6", "--var", "max_instances=7"], &env), 7);
    // Names are case-sensitive, as Terraform's TF_VAR_ are: another case is another variable.
    assert_eq!(max(&[], &[("ENDPOINT_SCALE_VAR_MAX_INSTANCES", "2")]), 4);
}

#[test]
fn an_undeclared_variable_is_an_error_at_its_use() {
    let spec = TempSpec::new("spec.yaml", SPEC.replace("max: ${var.max_instances}", "max: ${var.max_instance}"));
    let out = es(["validate", spec.arg(), "--var", "env=dev"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: variable `max_instance` is not declared
   --> {path}:19:16
   |
19 |           max: ${{var.max_instance}}
   |                ^^^^^^^^^^^^^^^^^^^ not declared in `vars:`
   |
   = help: did you mean `max_instances`?

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
    // Without a `vars:` block, the help says how to start one; `validate --output json` has it.
    let spec = TempSpec::new("spec.yaml", crate::harness::spec_with_variant("${var.type}", ""));
    let out = es(["validate", "--output", "json", spec.arg()]).run().code(1);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["diagnostics"],
        serde_json::json!([{
            "severity": "error",
            "message": "variable `type` is not declared",
            "line": 9,
            "column": 24,
            "help": ["declare it in a `vars:` block at the top of the spec (`vars:` / `  type: {}`); see docs/spec.md, \"Variables and environments\""]
        }])
    );
}

#[test]
fn a_required_variable_without_a_value_names_its_declaration_and_how_to_pass_it() {
    let spec = TempSpec::new("spec.yaml", SPEC);
    let out = es(["plan", "--offline", spec.arg()]).run().code(1);
    assert_eq!(out.stdout, "");
    assert_eq!(
        out.stderr,
        format!(
            "error: no value for variable `env`
  --> {path}:3:3
  |
3 |   env:
  |   ^^^ required: it has no default
  |
  = help: pass `--var env=VALUE`, put `env: VALUE` in a `--var-file`, or set ENDPOINT_SCALE_VAR_env; or give it a `default:`

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
}

#[test]
fn unknown_variables_on_the_command_line_or_in_a_file_are_errors() {
    let spec = TempSpec::new("spec.yaml", SPEC);
    let dir = TempDir::new();
    let values = file(&dir, "prod.yaml", "env: prod\nmax_instanses: 8\n");
    let out = es(["validate", spec.arg(), "--var", "max_instnces=8", "--var-file", &values]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: unknown variable `max_instanses`
  --> {values}:2:1
  |
2 | max_instanses: 8
  | ^^^^^^^^^^^^^ not declared in {path}
  |
  = help: did you mean `max_instances`?

error: --var max_instnces: {path} declares no variable `max_instnces`
 = help: did you mean `max_instances`?

error: spec {path} is invalid: 2 errors, 0 warnings
",
            path = spec.arg()
        )
    );
    // The environment may hold values for other specs: an undeclared one is ignored.
    with_env(&["validate", spec.arg(), "--var", "env=dev"], &[("ENDPOINT_SCALE_VAR_region", "x")]).code(0);
    // `--var` needs NAME=VALUE.
    let out = es(["validate", spec.arg(), "--var", "env"]).run().code(1);
    assert!(
        out.stderr.starts_with("error: invalid value 'env' for '--var <NAME=VALUE>': `env` is not NAME=VALUE"),
        "{}",
        out.stderr
    );
}

#[test]
fn a_value_refused_after_substitution_says_where_it_came_from() {
    let spec = TempSpec::new("spec.yaml", SPEC);
    let dir = TempDir::new();
    let values = file(&dir, "prod.yaml", "# production\nenv: prod\nmax_instances: 0\n");
    let out = es(["validate", spec.arg(), "--var", "env=dev", "--var", "max_instances=0"]).run().code(1);
    assert_eq!(out.stderr, max_zero(&spec, "from --var max_instances=0"));
    let out = es(["validate", spec.arg(), "--var-file", &values]).run().code(1);
    assert_eq!(out.stderr, max_zero(&spec, &format!("from --var-file {values}:3")));
    let out =
        with_env(&["validate", spec.arg(), "--var", "env=dev"], &[("ENDPOINT_SCALE_VAR_max_instances", "0")]).code(1);
    assert_eq!(out.stderr, max_zero(&spec, "from ENDPOINT_SCALE_VAR_max_instances"));
    let zero_default = TempSpec::new("spec.yaml", SPEC.replace("default: 4", "default: 0"));
    let out = es(["validate", zero_default.arg(), "--var", "env=dev"]).run().code(1);
    assert_eq!(out.stderr, max_zero(&zero_default, &format!("the default at {}:7", zero_default.arg())));

    // Interpolated into a longer value: the note names the variable, the error the whole value.
    let out = es(["validate", spec.arg(), "--var", "env=Dev_1"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: endpoint name `demo-Dev_1` is not a valid SageMaker name
   --> {path}:10:11
   |
10 |   - name: demo-${{var.env}}
   |           ^^^^^^^^^^^^^^^ invalid name
   |
   = note: `${{var.env}}` is `Dev_1` (from --var env=Dev_1)
   = help: use ASCII letters, digits and hyphens, starting and ending with a letter or digit

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
}

#[test]
fn a_value_of_the_wrong_type_is_refused_where_it_was_given() {
    let spec = TempSpec::new("spec.yaml", SPEC);
    let dir = TempDir::new();
    let values = file(&dir, "prod.yaml", "env: prod\nmax_instances: eight\n");
    let out = es(["validate", spec.arg(), "--var-file", &values]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: `max_instances` must be a number, found `eight`
  --> {values}:2:16
  |
2 | max_instances: eight
  |                ^^^^^ expected a number
  |
  = help: the variable is declared `type: number`

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
    let out = es(["validate", spec.arg(), "--var", "env=dev", "--var", "max_instances=true"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: --var max_instances: `max_instances` must be a number, found `true`
 = help: the variable is declared `type: number`

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
    // A quoted number converts to a declared number, as in Terraform; a list is refused.
    let quoted = file(&dir, "quoted.yaml", "env: prod\nmax_instances: \"6\"\n");
    es(["validate", spec.arg(), "--var-file", &quoted]).run().code(0);
    let list = file(&dir, "list.yaml", "env: [a, b]\n");
    let out = es(["validate", spec.arg(), "--var-file", &list]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: `env` must be a string, a number or true or false, found a list
  --> {list}:1:6
  |
1 | env: [a, b]
  |      ^^^^^^ not a single value
  |
  = help: variables hold single values; lists and maps are not supported

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
    // Without a declared type, a value has the type it is written with: a string where a number
    // goes is the shape error of a quoted number.
    let untyped = TempSpec::new("spec.yaml", SPEC.replace("    type: number\n", ""));
    let out = es(["validate", untyped.arg(), "--var", "env=dev", "--var", "max_instances='8'"]).run().code(1);
    assert!(
        out.stderr.starts_with("error: `max` must be a whole number, found the quoted string `8`\n"),
        "{}",
        out.stderr
    );
}

#[test]
fn dollar_dollar_is_a_literal_and_nothing_else_is_interpolated() {
    let text = SPEC.replace("  max_instances:\n", "  suffix: {}\n  max_instances:\n").replace(
        "      existing: demo-model\n",
        "      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/demo:1\n      execution_role_arn: arn:aws:iam::123456789012:role/Demo\n      environment:\n        PATH_TEMPLATE: $${HOME}/bin:${var.suffix}\n",
    );
    let spec = TempSpec::new("spec.yaml", &text);
    let args = ["render", spec.arg(), "--var", "env=dev", "--var", "suffix=${x}"];
    let calls: Value = serde_json::from_str(&es(args).run().code(0).stdout).unwrap();
    // The escape gives `${`, and a value is never read again: `${x}` stays as given.
    assert_eq!(calls[0]["input"]["PrimaryContainer"]["Environment"]["PATH_TEMPLATE"], "${HOME}/bin:${x}");

    let spec = TempSpec::new("spec.yaml", text.replace("$${HOME}", "${env.HOME}"));
    let out = es(["validate", spec.arg(), "--var", "env=dev", "--var", "suffix=x"]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: `${{env.HOME}}` is not a variable reference
   --> {path}:16:24
   |
16 |         PATH_TEMPLATE: ${{env.HOME}}/bin:${{var.suffix}}
   |                        ^^^^^^^^^^^ only `${{var.NAME}}` is supported
   |
   = help: values may use `${{var.NAME}}` and nothing else (no expressions or functions); write `$${{` for a literal `${{`

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
    let spec =
        TempSpec::new("spec.yaml", SPEC.replace("project: demo-${var.env}", "project: demo\ntags:\n  ${var.env}: x"));
    let out = es(["validate", spec.arg(), "--var", "env=dev"]).run().code(1);
    assert!(out.stderr.starts_with("error: variables are not allowed in mapping keys\n"), "{}", out.stderr);
}

/// A spec whose model reads a token from a sensitive variable.
fn with_token(extra: &str) -> String {
    SPEC.replace("  max_instances:\n", "  token:\n    sensitive: true\n  max_instances:\n").replace(
        "      existing: demo-model\n",
        &format!("      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/demo:1\n      execution_role_arn: arn:aws:iam::123456789012:role/Demo\n      environment:\n        UPSTREAM: ${{var.token}}\n{extra}"),
    )
}

#[test]
fn a_sensitive_value_is_masked_and_stays_in_environment_values() {
    const SECRET: &str = "s3cr3t-v4lue";
    let spec = TempSpec::new("spec.yaml", with_token(""));
    // `UPSTREAM` does not look secret by name or value: the variable makes it secret.
    for output in ["human", "json"] {
        let args = ["plan", "--offline", spec.arg(), "--var", "env=dev", "--output", output];
        let out = with_env(&args, &[("ENDPOINT_SCALE_VAR_token", SECRET)]).code(0);
        assert!(!out.stdout.contains(SECRET) && !out.stderr.contains(SECRET), "{}{}", out.stdout, out.stderr);
        assert!(out.stdout.contains("(sensitive)"), "{}", out.stdout);
    }
    // A variable that feeds a secret-named value is sensitive too: never in a name.
    let spec = TempSpec::new(
        "spec.yaml",
        with_token("        API_TOKEN: ${var.env}\n").replace("  - name: demo-${var.env}", "  - name: demo"),
    );
    let out = es(["validate", spec.arg(), "--var", "token=x", "--var", &format!("env={SECRET}")]).run().code(1);
    assert!(!out.stderr.contains(SECRET), "{}", out.stderr);
    assert_eq!(
        out.stderr,
        format!(
            "error: sensitive variable `env` may only be used in container environment values
   --> {path}:10:15
   |
10 | project: demo-${{var.env}}
   |               ^^^^^^^^^^ plans would show its value here
   |
   = note: it also sets the secret container environment value `API_TOKEN`, so it is treated as sensitive everywhere
   = help: use it under `environment:` or `secret_environment:` only, or use another variable here

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
    // A refused value of a sensitive variable is not shown, nor is its line.
    let dir = TempDir::new();
    let values = file(&dir, "secrets.yaml", &format!("token: [{SECRET}]\n"));
    let spec = TempSpec::new("spec.yaml", with_token(""));
    let out = es(["validate", spec.arg(), "--var", "env=dev", "--var-file", &values]).run().code(1);
    assert_eq!(
        out.stderr,
        format!(
            "error: {values}:1: `token` must be a string, a number or true or false, found a list
 = help: variables hold single values; lists and maps are not supported

error: spec {path} is invalid: 1 error, 0 warnings
",
            path = spec.arg()
        )
    );
}

#[test]
fn variables_files_are_bounded_yaml_mappings() {
    let spec = TempSpec::new("spec.yaml", SPEC);
    let dir = TempDir::new();
    let big = file(&dir, "big.yaml", &format!("env: {}\n", "x".repeat(1 << 20)));
    let out = es(["validate", spec.arg(), "--var-file", &big]).run().code(1);
    assert_eq!(
        out.stderr,
        format!("error: variables file {big}: it is larger than 1 MiB; it holds `NAME: value` lines\n")
    );
    let list = file(&dir, "list.yaml", "- env: dev\n");
    let out = es(["validate", spec.arg(), "--var-file", &list]).run().code(1);
    assert!(
        out.stderr.starts_with("error: a variables file must be a mapping of variable names to values\n"),
        "{}",
        out.stderr
    );
    let anchors = file(&dir, "anchors.yaml", "env: &e dev\nother: *e\n");
    let out = es(["validate", spec.arg(), "--var-file", &anchors]).run().code(1);
    assert!(
        out.stderr.starts_with("error: YAML anchors and aliases are not supported in variables files\n"),
        "{}",
        out.stderr
    );
    let long = es(["validate", spec.arg(), "--var", &format!("env={}", "a".repeat(5000))]).run().code(1);
    assert!(
        long.stderr.starts_with("error: --var env: the value of `env` is 5000 bytes; a variable holds at most 4096\n"),
        "{}",
        long.stderr
    );
}

#[test]
fn simulate_takes_the_values_and_each_compared_spec_those_it_declares() {
    let other = TempSpec::new(
        "fixed.yaml",
        crate::harness::spec_with_variant("ml.c5.large", "        max_rps_per_instance: 10\n"),
    );
    let args = |extra: &[&str]| {
        let mut a = vec!["simulate", EXAMPLE, "--traffic", "synthetic:days=1", "--output", "json", "--var-file", PROD];
        a.extend(extra);
        a.into_iter().map(str::to_string).collect::<Vec<_>>()
    };
    let doc: Value = serde_json::from_str(&es(args(&["--compare", other.arg()])).run().code(0).stdout).unwrap();
    assert_eq!(doc["results"][0]["endpoint"], "product-recommender-prod");
    assert_eq!(doc["results"][1]["endpoint"], "demo");
    let out = es(args(&["--compare", other.arg(), "--var", "nothing=1"])).run().code(1);
    assert_eq!(out.stderr, "error: unknown variable `nothing` (--var nothing): none of the specs declares it\n");
}

#[tokio::test]
async fn a_saved_plan_applies_the_values_it_was_made_with() {
    let account = emulator().account();
    let dir = TempDir::new();
    let plan = dir.path.join("prod.plan");
    let plan_arg = plan.to_str().unwrap();
    run(&account, &["plan", EXAMPLE, "--var-file", PROD, "--out", plan_arg]).code(0);
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    assert_eq!(saved["vars"]["env"], serde_json::json!({"string": "prod"}));
    assert_eq!(saved["vars"]["max_instances"], serde_json::json!({"number": "8"}));
    assert_eq!(saved["vars"]["capture"], serde_json::json!({"bool": true}));

    // A different value at apply time, from a flag or the environment, is refused before any
    // AWS call, naming the variable and the source, not the value.
    let apply = |extra: &[&str], env: &[(&'static str, &str)]| {
        let mut args = vec!["apply", plan_arg, "--auto-approve"];
        args.extend(FAST);
        args.extend(extra);
        es(args).envs(account.env().into_iter().chain(env.iter().map(|(k, v)| (*k, v.to_string()))).collect()).run()
    };
    let refused = |out: Output, differing: &str| {
        assert_eq!(
            out.code(1).stderr,
            format!(
                "error: the saved plan {plan_arg} was made with other variable values: {differing} differs; nothing was changed. A saved plan applies the values it was made with: run `endpoint-scale apply {plan_arg}` without these values, or make the plan again with them\n"
            )
        );
        assert_eq!(account.operations(), Vec::<String>::new());
    };
    account.clear_requests();
    refused(apply(&["--var", "max_instances=9"], &[]), "`max_instances` (from --var max_instances)");
    refused(apply(&[], &[("ENDPOINT_SCALE_VAR_env", "dev")]), "`env` (from ENDPOINT_SCALE_VAR_env)");
    let out = apply(&["--var", "nothing=1"], &[]).code(1);
    assert!(out.stderr.starts_with("error: --var nothing: "), "{}", out.stderr);

    // The same values given again are accepted; without any, the plan's own are used.
    apply(&["--var-file", PROD, "--var", "max_instances=8.0"], &[]).code(0);
    let sm = account.sagemaker().await;
    let endpoint = sm.describe_endpoint().endpoint_name("product-recommender-prod").send().await.unwrap();
    assert_eq!(endpoint.production_variants()[0].current_instance_count(), Some(2));
    let target = account
        .autoscaling()
        .await
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Sagemaker)
        .send()
        .await
        .unwrap();
    assert_eq!(target.scalable_targets()[0].max_capacity(), 8);
    run(&account, &["plan", EXAMPLE, "--var-file", PROD, "--detailed-exitcode"]).code(0);

    // A plan of dev saved, applied with no values given: dev's values, from the file.
    run(&account, &["plan", EXAMPLE, "--var-file", DEV, "--out", plan_arg]).code(0);
    account.clear_requests();
    apply(&[], &[]).code(0);
    assert!(account.operations().iter().any(|o| o == "CreateEndpoint"));
    run(&account, &["plan", EXAMPLE, "--var-file", DEV, "--detailed-exitcode"]).code(0);
    // Each environment is its own project: dev's apply left prod alone.
    run(&account, &["plan", EXAMPLE, "--var-file", PROD, "--detailed-exitcode", "--prune"]).code(0);
}

/// Two endpoints named after `env`, one of them reading a sensitive token.
const TWO_ENDPOINTS: &str = "version: 1
vars:
  env:
    description: deployment environment
  max_instances:
    type: number
    default: 4
  token:
    sensitive: true
project: demo-${var.env}
endpoints:
  - name: demo-${var.env}
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/demo:1
      execution_role_arn: arn:aws:iam::123456789012:role/Demo
      environment:
        UPSTREAM: ${var.token}
    variants:
      - name: main
        instance_type: ml.c5.large
        max_rps_per_instance: 10
        autoscaling:
          min: 1
          max: ${var.max_instances}
  - name: other-${var.env}
    model:
      image: 123456789012.dkr.ecr.us-east-1.amazonaws.com/demo:1
      execution_role_arn: arn:aws:iam::123456789012:role/Demo
    variants:
      - name: main
        instance_type: ml.c5.large
        max_rps_per_instance: 10
        autoscaling:
          min: 1
          max: 2
";

fn sha256_hex(text: &str) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

#[tokio::test]
async fn a_saved_plan_with_variables_and_targets_is_shown_without_secrets_and_applied_with_its_values() {
    const SECRET: &str = "s3cr3t-v4lue";
    let account = emulator().account();
    let spec = TempSpec::new("spec.yaml", TWO_ENDPOINTS);
    let dir = TempDir::new();
    let plan = dir.path.join("stage.plan");
    let plan_arg = plan.to_str().unwrap();
    let mut env = account.env();
    env.push(("ENDPOINT_SCALE_VAR_token", SECRET.to_string()));
    let args = ["plan", spec.arg(), "--var", "env=stage", "--var", "max_instances=3", "--target", "demo-stage"];
    let planned = es(args.iter().copied().chain(["--out", plan_arg])).envs(env).run().code(0);
    assert!(!planned.stdout.contains(SECRET), "{}", planned.stdout);

    // `show` lists the values the plan pins, a sensitive one masked, above the plan as `plan`
    // showed it; a value in the environment now plays no part (no AWS access either).
    let show = |extra: &[&str]| {
        let args: Vec<&str> = ["show", plan_arg].iter().chain(extra).copied().collect();
        es(args).envs(vec![("ENDPOINT_SCALE_VAR_env", "prod".to_string())]).run().code(0)
    };
    let saved: Value = serde_json::from_str(&std::fs::read_to_string(&plan).unwrap()).unwrap();
    let out = show(&[]);
    assert_eq!(
        out.stdout,
        format!(
            "Saved plan {plan_arg}, made {at} against account {account}, region us-east-1
  spec:      {spec} (sha256:{digest})
  variables: env = `stage`
             max_instances = `3`
             token = (sensitive)
  targets:   demo-stage
  signature: none (ENDPOINT_SCALE_PLAN_KEY was not set when it was made)

{plan}
This is the plan as it was made: `endpoint-scale apply {plan_arg}` checks it against AWS first, and refuses it if AWS has changed since.
",
            at = saved["computed_at"].as_str().unwrap(),
            account = account.id,
            spec = spec.arg(),
            digest = sha256_hex(TWO_ENDPOINTS),
            plan = planned.stdout,
        )
    );
    assert!(!out.stdout.contains(SECRET) && !out.stdout.contains("other-stage"), "{}", out.stdout);
    let out = show(&["--output", "json"]);
    assert!(!out.stdout.contains(SECRET), "{}", out.stdout);
    let doc: Value = serde_json::from_str(&out.stdout).unwrap();
    assert_eq!(
        doc["saved_plan"]["variables"],
        serde_json::json!({
            "env": { "value": "stage", "sensitive": false },
            "max_instances": { "value": 3, "sensitive": false },
            "token": { "sensitive": true },
        })
    );
    assert_eq!(doc["saved_plan"]["targets"], serde_json::json!(["demo-stage"]));

    // Applied with no values given (not even the token): the plan's own, for its target only.
    account.clear_requests();
    let mut args = vec!["apply", plan_arg, "--auto-approve"];
    args.extend(FAST);
    run(&account, &args).code(0);
    let sm = account.sagemaker().await;
    assert!(sm.describe_endpoint().endpoint_name("other-stage").send().await.is_err());
    let endpoint = sm.describe_endpoint().endpoint_name("demo-stage").send().await.unwrap();
    let config = sm
        .describe_endpoint_config()
        .endpoint_config_name(endpoint.endpoint_config_name().unwrap())
        .send()
        .await
        .unwrap();
    let model =
        sm.describe_model().model_name(config.production_variants()[0].model_name().unwrap()).send().await.unwrap();
    let environment = model.primary_container().unwrap().environment().unwrap();
    assert_eq!(environment.get("UPSTREAM").map(String::as_str), Some(SECRET));
    let target = account
        .autoscaling()
        .await
        .describe_scalable_targets()
        .service_namespace(aws_sdk_applicationautoscaling::types::ServiceNamespace::Sagemaker)
        .send()
        .await
        .unwrap();
    assert_eq!(target.scalable_targets()[0].max_capacity(), 3);
}

#[test]
fn iam_policy_names_what_the_variables_resolve_to() {
    let policy = |values: &str| -> Value {
        let out = es(["iam-policy", EXAMPLE, "--for", "apply", "--var-file", values]).run().code(0);
        serde_json::from_str(&out.stdout).unwrap()
    };
    let statement = |doc: &Value, sid: &str| -> Value {
        doc["Statement"].as_array().unwrap().iter().find(|s| s["Sid"] == sid).unwrap()["Resource"].clone()
    };
    for (values, env) in [(PROD, "prod"), (DEV, "dev")] {
        let doc = policy(values);
        assert_eq!(
            statement(&doc, "SageMakerRead"),
            serde_json::json!([
                format!("arn:aws:sagemaker:us-east-1:*:endpoint-config/product-recommender-{env}-????????"),
                format!("arn:aws:sagemaker:us-east-1:*:endpoint/product-recommender-{env}"),
                format!("arn:aws:sagemaker:us-east-1:*:model/product-recommender-{env}-????????"),
            ])
        );
        assert_eq!(
            statement(&doc, "PassExecutionRoles"),
            serde_json::json!([format!("arn:aws:iam::123456789012:role/SageMakerRecommender-{env}")])
        );
    }
    // Without a value for the required `env`, there is no policy to print.
    let out = es(["iam-policy", EXAMPLE]).run().code(1);
    assert!(out.stderr.starts_with("error: no value for variable `env`\n"), "{}", out.stderr);
    assert_eq!(out.stdout, "");
}
