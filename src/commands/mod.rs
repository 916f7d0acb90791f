//! The commands, one file each: every command loads what it needs, calls the library, hands
//! text to `output` and returns an [`Outcome`] or a [`CliError`]. `main` turns those into exit
//! codes; nothing here exits the process.
//!
//! Shared by the commands: reading and validating a spec with its variables' values
//! ([`var_inputs`], [`load`]), connecting to AWS
//! ([`connect`]), reading the live state ([`read_live`]), asking for confirmation ([`confirm`])
//! and writing to stdout ([`write_stdout`]).

mod apply;
mod completions;
mod destroy;
mod diff;
mod iam_policy;
mod import;
mod interrupt;
mod man;
mod plan;
mod prices;
mod render;
mod schema;
mod show;
pub mod simulate;
mod targets;
mod validate;

use std::io::{BufRead, IsTerminal, Read};
use std::path::Path;

use thiserror::Error;

use crate::aws::{self, AwsError, AwsOptions, SdkAws};
use crate::cli::{AwsArgs, Cli, Command, OutputFormat, PricesCommand, RetryMode, TrafficCommand, VarArgs};
use crate::diagnostic::{self, plural, Source};
use crate::live::{self, LiveState};
use crate::model::Desired;
use crate::output::{self, ColorChoice};
use crate::plan::saved::SavedPlanError;
use crate::plan::Plan;
use crate::spec::{self, vars};
use crate::validate::Validated;

/// The AWS flags of this run on a suggested command line (`hint` knows nothing of the CLI's
/// types): `--profile`, `--region`, `--endpoint-url` as given.
trait WithAws {
    fn aws(self, args: &AwsArgs) -> Self;
}

impl WithAws for crate::hint::CommandLine {
    fn aws(self, args: &AwsArgs) -> Self {
        self.opt_if("--profile", args.profile.as_deref())
            .opt_if("--region", args.region.as_deref())
            .opt_if("--endpoint-url", args.endpoint_url.as_deref())
    }
}

/// The variables of this run on a suggested command line that reads the spec again: each
/// `--var-file` and `--var` as given, so the command plans the same spec. A sensitive variable's
/// `--var` is left out (secrets never appear in output): the user gives it again as they did, or
/// through ENDPOINT_SCALE_VAR_<NAME>.
trait WithVars {
    fn vars(self, args: &VarArgs, variables: &vars::Variables) -> Self;
}

impl WithVars for crate::hint::CommandLine {
    fn vars(self, args: &VarArgs, variables: &vars::Variables) -> Self {
        let shown: std::collections::BTreeSet<&str> =
            variables.visible().filter(|(_, value)| value.is_some()).map(|(name, _)| name).collect();
        let line = args.var_files.iter().fold(self, |line, file| line.opt("--var-file", file.display().to_string()));
        args.vars
            .iter()
            .filter(|(name, _)| shown.contains(name.as_str()))
            .fold(line, |line, (name, value)| line.opt("--var", format!("{name}={value}")))
    }
}

/// `--target ENDPOINT` for each target, on a suggested command line.
trait WithTargets {
    fn targets(self, targets: &[String]) -> Self;
}

impl WithTargets for crate::hint::CommandLine {
    fn targets(self, targets: &[String]) -> Self {
        targets.iter().fold(self, |line, target| line.opt("--target", target))
    }
}

/// How a command ended, when it did not fail with an error message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// It did what was asked; with `--detailed-exitcode`, there are no changes.
    Done,
    /// `plan --detailed-exitcode` found changes; `diff` found drift.
    Changes,
    /// It failed and has said why in its own output (`validate --output json`).
    Failed,
}

/// Failures a command reports with an error message.
#[derive(Debug, Error)]
pub enum CliError {
    #[error("cannot read {path}: {err}")]
    Read { path: String, err: std::io::Error },
    #[error("spec {path} is not UTF-8 text")]
    NotUtf8 { path: String },
    #[error("spec {path} is invalid: {}", counts(*errors, *warnings))]
    Invalid { path: String, errors: usize, warnings: usize },
    #[error("--out and --prune need the live state: drop --offline")]
    OfflineOnly,
    #[error(transparent)]
    Config(#[from] aws::sdk::ConfigError),
    #[error(transparent)]
    Aws(#[from] AwsError),
    #[error(
        "{} with resources this project does not manage; nothing was changed (see the hints above)",
        if *.0 == 1 { "1 endpoint of the spec conflicts".to_string() } else { format!("{} endpoints of the spec conflict", .0) }
    )]
    Conflicts(usize),
    #[error(
        "{} as the spec says, given what is live; nothing was changed (see the hints above)",
        if *.0 == 1 { "1 endpoint of the spec cannot be updated".to_string() } else { format!("{} endpoints of the spec cannot be updated", .0) }
    )]
    Blocked(usize),
    #[error("{command} needs confirmation: run it in a terminal, or pass --auto-approve (for CI)")]
    NeedsApproval { command: &'static str },
    #[error("{command} cancelled: nothing was changed")]
    Declined { command: &'static str },
    #[error(transparent)]
    SavedPlan(#[from] SavedPlanError),
    #[error("{command} did not complete: {} failed (see the errors above); after fixing the cause, run `{again}` again", plural(*failed, "endpoint"))]
    ApplyFailed { command: &'static str, failed: usize, again: String },
    #[error("interrupted: the steps listed above were done; run `{again}` to finish")]
    Interrupted { again: String },
    #[error("stopped at once by a second interrupt; the AWS call in flight may or may not have completed: run `{plan}` to see where things stand")]
    Aborted { plan: String },
    #[error(
        "{} skipped because {} cannot be changed now (see above); run `{again}` again once {} InService",
        if *count == 1 { "1 endpoint was".to_string() } else { format!("{count} endpoints were") },
        if *count == 1 { "it" } else { "they" },
        if *count == 1 { "it is" } else { "they are" }
    )]
    Skipped { count: usize, again: String },
    #[error("cannot write {path}: {err}")]
    WriteFile { path: String, err: std::io::Error },
    #[error("cannot write output: {0}")]
    Write(std::io::Error),
    #[error("traffic {path}: {message}")]
    Traffic { path: String, message: String },
    #[error("traffic generator: {0}")]
    Generator(String),
    #[error("{0}")]
    Simulation(String),
    #[error("endpoint {0} does not exist")]
    NoSuchEndpoint(String),
    #[error("endpoint {endpoint} belongs to endpoint-scale project {other:?}; it cannot be adopted by {project:?}")]
    OtherProject { endpoint: String, other: String, project: String },
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error("variables file {path}: {reason}")]
    VarFile { path: String, reason: String },
    #[error("{name} is not UTF-8 text")]
    VarEnv { name: String },
    #[error("unknown variable `{name}` ({given}): none of the specs declares it")]
    UnknownVariable { name: String, given: String },
    #[error(transparent)]
    Target(#[from] targets::TargetError),
    #[error(
        "{command} --output json needs --auto-approve{or_saved}: a confirmation prompt cannot share the terminal with the JSON document"
    )]
    JsonNeedsApproval { command: &'static str, or_saved: &'static str },
    #[error(transparent)]
    Price(#[from] crate::simulate::prices::PriceError),
    #[error("{0}")]
    Prices(String),
}

/// Runs the command the arguments name.
pub async fn run(cli: Cli) -> Result<Outcome, CliError> {
    let colour = cli.color;
    match cli.command {
        Command::Validate { spec, strict, output, vars } => validate::run(&spec, strict, output, &vars, colour),
        Command::Render { spec, format, vars } => render::run(&spec, format, &vars, colour),
        Command::Plan { spec, offline: true, output, detailed_exitcode, out, prune, select, vars, .. } => {
            if out.is_some() || prune {
                return Err(CliError::OfflineOnly);
            }
            plan::offline(&spec, output, detailed_exitcode, &select.targets, &vars, colour)
        }
        Command::Plan {
            spec,
            output,
            detailed_exitcode,
            out,
            prune,
            raise_capacity,
            launch,
            select,
            vars,
            aws,
            ..
        } => {
            let options = plan_options(raise_capacity, &launch);
            let run = plan::Run {
                format: output,
                detailed: detailed_exitcode,
                out: out.as_deref(),
                prune,
                options,
                vars: &vars,
            };
            plan::run(&spec, &run, &select.targets, &aws, colour).await
        }
        Command::Apply { target, auto_approve, prune, raise_capacity, launch, output, select, vars, aws, wait } => {
            let options = plan_options(raise_capacity, &launch);
            let run = apply::Run {
                auto_approve,
                prune,
                options,
                launch_given: launch.any(),
                format: output,
                targets: &select.targets,
                vars: &vars,
            };
            apply::run(&target, &run, &aws, &wait, colour).await
        }
        Command::Diff { spec, output, select, vars, aws } => {
            diff::run(&spec, output, &select.targets, &vars, &aws, colour).await
        }
        Command::Destroy { spec, auto_approve, output, select, vars, aws, wait } => {
            destroy::run(&spec, auto_approve, output, &select.targets, &vars, &aws, &wait, colour).await
        }
        Command::Show { plan, output } => show::run(&plan, output, colour),
        Command::IamPolicy { spec, for_command, account, region, partition, prune, delete_owned_alarms, vars } => {
            iam_policy::run(&spec, for_command, account, region, partition, prune, delete_owned_alarms, &vars, colour)
        }
        Command::Import { endpoints, project, out, adopt, auto_approve, aws, wait } => {
            import::run(&endpoints, &project, out.as_deref(), adopt, auto_approve, &aws, &wait, colour).await
        }
        Command::Simulate {
            spec,
            traffic,
            endpoint,
            days,
            region,
            prices,
            chart,
            output,
            compare,
            vars,
            model,
            concurrency,
            aws,
        } => {
            let (loaded, measured) = if traffic == simulate::CLOUDWATCH {
                let read = simulate::cloudwatch_traffic(
                    &spec,
                    endpoint.as_deref(),
                    days,
                    true,
                    region.as_deref(),
                    &vars,
                    &aws,
                    colour,
                )
                .await?;
                for note in &read.notes {
                    output::stderr(&format!("{note}\n"));
                }
                ((read.traffic, read.label), read.concurrency)
            } else {
                let (loaded, label, measured) = simulate::load_traffic_measured(&traffic)?;
                let (loaded, measured) = simulate::window_measured(loaded, measured, days)?;
                ((loaded, label), measured)
            };
            simulate::simulate(
                &spec,
                loaded,
                measured.as_ref(),
                endpoint.as_deref(),
                region.as_deref(),
                prices.as_deref(),
                chart.as_deref(),
                output,
                &compare,
                &vars,
                &model,
                Some(&concurrency),
                colour,
            )
        }
        Command::Recommend {
            spec,
            traffic,
            endpoint,
            variant,
            max_rps_per_instance,
            tested_on,
            instance_types,
            max_overload,
            days,
            region,
            prices,
            timezone,
            top,
            write,
            output,
            vars,
            model,
            concurrency,
            aws,
        } => {
            // CloudWatch history is the spec's endpoint's: read it here, as simulate does, with
            // its ConcurrentRequestsPerModel (the request duration of a concurrency policy).
            let (loaded, measured) = match (&spec, traffic == simulate::CLOUDWATCH) {
                (Some(path), true) => {
                    let read = simulate::cloudwatch_traffic(
                        path,
                        endpoint.as_deref(),
                        days,
                        true,
                        region.as_deref(),
                        &vars,
                        &aws,
                        colour,
                    )
                    .await?;
                    for note in &read.notes {
                        output::stderr(&format!("{note}\n"));
                    }
                    ((read.traffic, read.label), read.concurrency)
                }
                _ => {
                    let (loaded, label, measured) = simulate::load_traffic_measured(&traffic)?;
                    let (loaded, measured) = simulate::window_measured(loaded, measured, days)?;
                    ((loaded, label), measured)
                }
            };
            simulate::recommend(
                loaded,
                max_rps_per_instance,
                tested_on.as_deref(),
                &instance_types,
                max_overload,
                region.as_deref(),
                prices.as_deref(),
                timezone.as_deref(),
                top,
                write.as_deref(),
                output,
                &model,
                &concurrency,
                measured.as_ref(),
                spec.as_deref().map(|path| simulate::SpecArgs {
                    path,
                    endpoint: endpoint.as_deref(),
                    variant: variant.as_deref(),
                    vars: &vars,
                    colour,
                    simulate: simulate_again(path, &traffic, endpoint.as_deref(), days, region.as_deref(), &aws),
                }),
            )
        }
        Command::Traffic(TrafficCommand::Generate { settings }) => simulate::generate(&settings),
        Command::Traffic(TrafficCommand::Export { spec, days, endpoint, out, region, vars, aws }) => {
            simulate::export(&spec, days, endpoint.as_deref(), out.as_deref(), region.as_deref(), &vars, &aws, colour)
                .await
        }
        Command::Prices(PricesCommand::Show { region, prices, output }) => {
            prices::show(region.as_deref(), prices.as_deref(), output)
        }
        Command::Prices(PricesCommand::Fetch { region, out, api_region, aws }) => {
            prices::fetch(&region, out.as_deref(), &api_region, &aws).await
        }
        Command::Prices(PricesCommand::Import { file, region, out }) => {
            prices::import(&file, region.as_deref(), out.as_deref())
        }
        Command::Schema => schema::run(),
        Command::Completions { shell } => completions::run(shell),
        Command::Man { out_dir } => man::run(out_dir.as_deref()),
    }
}

/// `simulate SPEC` on the traffic recommend read (the same file, generator or CloudWatch window,
/// with the AWS flags CloudWatch was read with), for recommend's closing suggestion; recommend
/// adds the variables.
fn simulate_again(
    spec: &Path,
    traffic: &str,
    endpoint: Option<&str>,
    days: Option<u32>,
    region: Option<&str>,
    aws: &crate::cli::AwsReadArgs,
) -> crate::hint::CommandLine {
    let line = crate::hint::CommandLine::new("simulate")
        .arg(spec.display().to_string())
        .opt("--traffic", traffic)
        .opt_if("--endpoint", endpoint)
        .opt_if("--days", days.map(|d| d.to_string()).as_deref())
        .opt_if("--region", region);
    if traffic == simulate::CLOUDWATCH {
        line.opt_if("--profile", aws.profile.as_deref()).opt_if("--endpoint-url", aws.endpoint_url.as_deref())
    } else {
        line
    }
}

/// The per-run choices of plan and apply: the launch stages always recorded (each not given at
/// its assumed default), so a saved plan keeps the timeline it showed.
fn plan_options(raise_capacity: bool, launch: &crate::cli::LaunchStageArgs) -> crate::plan::Options {
    crate::plan::Options { raise_capacity, launch: Some(crate::plan::Launch::from_stages(launch.stages())) }
}

fn counts(errors: usize, warnings: usize) -> String {
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

fn write_stdout(text: &str) -> Result<Outcome, CliError> {
    match output::stdout(text) {
        Ok(()) => Ok(Outcome::Done),
        // `endpoint-scale render spec.yaml | head` is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(Outcome::Done),
        Err(e) => Err(CliError::Write(e)),
    }
}

fn read_text(path: &Path) -> Result<Source, CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| CliError::Read { path: name.clone(), err })?;
    let text = String::from_utf8(bytes).map_err(|_| CliError::NotUtf8 { path: name.clone() })?;
    Ok(Source::new(name, text))
}

/// The values a command was given for a spec's variables: `--var`, the `--var-file` files
/// (read here, within `vars::MAX_VAR_FILE_BYTES`) and the `ENDPOINT_SCALE_VAR_<NAME>`
/// environment variables.
fn var_inputs(args: &VarArgs) -> Result<vars::Inputs, CliError> {
    let files = args.var_files.iter().map(|p| read_var_file(p)).collect::<Result<_, _>>()?;
    let mut env = Vec::new();
    for (key, value) in std::env::vars_os() {
        let Some(name) = key.to_str().and_then(|k| k.strip_prefix(vars::ENV_PREFIX)) else { continue };
        let value =
            value.into_string().map_err(|_| CliError::VarEnv { name: format!("{}{name}", vars::ENV_PREFIX) })?;
        env.push((name.to_string(), value));
    }
    env.sort();
    Ok(vars::Inputs { env, files, flags: args.vars.clone(), ..vars::Inputs::default() })
}

fn read_var_file(path: &Path) -> Result<Source, CliError> {
    let name = path.display().to_string();
    let file = std::fs::File::open(path).map_err(|err| CliError::Read { path: name.clone(), err })?;
    let mut bytes = Vec::new();
    file.take(vars::MAX_VAR_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|err| CliError::Read { path: name.clone(), err })?;
    if bytes.len() as u64 > vars::MAX_VAR_FILE_BYTES {
        return Err(CliError::VarFile {
            path: name,
            reason: format!("it is larger than {} MiB; it holds `NAME: value` lines", vars::MAX_VAR_FILE_BYTES >> 20),
        });
    }
    let text = String::from_utf8(bytes)
        .map_err(|_| CliError::VarFile { path: name.clone(), reason: "it is not UTF-8 text".to_string() })?;
    Ok(Source::new(name, text))
}

/// Parses and validates a spec with its variables; every diagnostic says where a substituted
/// value came from.
fn check(source: &Source, inputs: &vars::Inputs) -> (Validated, Option<vars::Variables>) {
    match spec::parse_with(source, inputs) {
        Ok(parsed) => {
            let mut validated = crate::validate::validate(&parsed.spec);
            parsed.variables.annotate(&mut validated.diagnostics);
            (validated, Some(parsed.variables))
        }
        Err(mut diagnostics) => {
            diagnostics.sort_by_key(|d| (d.span.line, d.span.column));
            (Validated { desired: None, diagnostics }, None)
        }
    }
}

/// The diagnostics of a spec and of its variables files, as text.
fn render_diagnostics(source: &Source, inputs: &vars::Inputs, validated: &Validated, colour: ColorChoice) -> String {
    diagnostic::render_files(source, &inputs.files, &validated.diagnostics, colour.stderr().enabled)
}

/// Validates a spec; warnings go to stderr, errors make it fail (before any AWS call).
fn desired_from(
    source: &Source,
    inputs: &vars::Inputs,
    colour: ColorChoice,
) -> Result<(Desired, vars::Variables), CliError> {
    let (validated, variables) = check(source, inputs);
    if !validated.diagnostics.is_empty() {
        output::stderr(&render_diagnostics(source, inputs, &validated, colour));
    }
    let (errors, warnings) = (validated.errors(), validated.warnings());
    match (validated.desired, variables) {
        (Some(desired), Some(variables)) => Ok((desired, variables)),
        _ => Err(CliError::Invalid { path: source.name.clone(), errors, warnings }),
    }
}

/// A spec read, its variables resolved, and validated.
struct Loaded {
    source: Source,
    desired: Desired,
    variables: vars::Variables,
}

fn load(path: &Path, args: &VarArgs, colour: ColorChoice) -> Result<Loaded, CliError> {
    let source = read_text(path)?;
    let inputs = var_inputs(args)?;
    let (desired, variables) = desired_from(&source, &inputs, colour)?;
    Ok(Loaded { source, desired, variables })
}

/// The region and account a live plan was made against, for its header: a plan that does not
/// say where it looked cannot be checked against where it should have.
struct Target {
    region: String,
    account: String,
}

/// A plan with no live read behind it (`plan --offline`).
fn show_plan(plan: &Plan, desired: &Desired, format: OutputFormat, offline: bool, colour: ColorChoice) -> String {
    render_plan(plan, desired, format, offline, None, colour)
}

/// A plan of the live state read from `target`.
fn show_live_plan(
    plan: &Plan,
    desired: &Desired,
    format: OutputFormat,
    target: &Target,
    colour: ColorChoice,
) -> String {
    render_plan(plan, desired, format, false, Some(target), colour)
}

fn render_plan(
    plan: &Plan,
    desired: &Desired,
    format: OutputFormat,
    offline: bool,
    target: Option<&Target>,
    colour: ColorChoice,
) -> String {
    // Offline, the spec's region is still where the plan would apply: it is authoritative.
    let region = target.map_or(desired.region.as_deref(), |t| Some(t.region.as_str()));
    let account = target.map(|t| t.account.as_str());
    match format {
        OutputFormat::Human => crate::render::human::render(
            plan,
            &crate::render::human::PlanContext { project: &desired.project, offline, region, account, destroy: false },
            &colour.stdout(),
        ),
        OutputFormat::Json => crate::render::json::render(
            plan,
            &crate::render::json::JsonContext { project: &desired.project, region, account, offline },
        ),
    }
}

/// Loads the AWS configuration (the spec's region wins; see `aws::sdk::load`) and says on stderr
/// when the spec's region overrode the environment's or the profile's.
async fn connect(args: &AwsArgs, spec_region: Option<&str>) -> Result<SdkAws, CliError> {
    let options = AwsOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        spec_region: spec_region.map(str::to_string),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: Some(args.max_attempts),
        adaptive_retry: args.retry_mode == RetryMode::Adaptive,
        attempt_timeout: aws::sdk::attempt_timeout_from_env()?,
    };
    let loaded = aws::load(&options).await?;
    if let Some(ignored) = &loaded.ignored_region {
        output::stderr(&format!("note: {ignored}\n"));
    }
    Ok(SdkAws::new(&loaded.config))
}

/// Reads the live state and, at the same time (no extra round trip), the account the
/// credentials belong to.
async fn read_live(
    aws: &SdkAws,
    desired: &Desired,
    prune: bool,
    parallelism: usize,
) -> Result<(LiveState, Target), CliError> {
    let wanted: Vec<live::Wanted> = desired
        .endpoints
        .iter()
        .map(|e| live::Wanted {
            endpoint: e.name.clone(),
            variants: e.variants.iter().map(|v| v.name.clone()).collect(),
            adopt: e.adopt,
            tags: Some(e.tags.clone()),
            alarms: e
                .rollout
                .iter()
                .flat_map(|r| r.alarms.iter())
                .map(|a| (a.name().to_string(), matches!(a, crate::model::RollbackAlarm::Owned(_))))
                .collect(),
        })
        .collect();
    let (live, account) =
        tokio::join!(live::read(aws, &desired.project, &wanted, prune, parallelism), aws.caller_account());
    // When AWS cannot be reached both fail; GetCallerIdentity's error is the one that names the
    // endpoint URL, and it is the same whichever of the concurrent reads failed first.
    let account = account?;
    Ok((live?, Target { region: aws.region().to_string(), account }))
}

/// Asks `question` on a terminal; only `yes` goes on. Without a terminal it refuses rather than
/// hang, unless `auto_approve`.
fn confirm(auto_approve: bool, command: &'static str, question: &str) -> Result<(), CliError> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NeedsApproval { command });
    }
    output::stderr(&format!("\n{question} Only 'yes' will be accepted: "));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(CliError::Write)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::Declined { command })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::hint::CommandLine;

    /// A command line suggested after a run repeats the variables' sources and the targets, so it
    /// plans the same spec; a sensitive value given with --var is never printed.
    #[test]
    fn suggested_lines_repeat_vars_and_targets_but_no_secret() {
        let spec = "version: 1
vars:
  env: {}
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
";
        let flags = vec![("env".to_string(), "dev env".to_string()), ("token".to_string(), "s3cr3t".to_string())];
        let inputs = vars::Inputs { flags: flags.clone(), ..vars::Inputs::default() };
        let parsed = spec::parse_with(&Source::new("s.yaml", spec), &inputs).unwrap();
        let args = VarArgs { vars: flags, var_files: vec!["envs/dev.yaml".into()] };
        let line = CommandLine::new("apply")
            .arg("s.yaml")
            .targets(&["demo-dev env".to_string()])
            .vars(&args, &parsed.variables)
            .to_string();
        assert_eq!(
            line,
            "endpoint-scale apply s.yaml --target 'demo-dev env' --var-file envs/dev.yaml --var 'env=dev env'"
        );
        assert!(!line.contains("s3cr3t"));
    }
}
