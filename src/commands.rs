//! The commands: each loads what it needs, calls the library, and hands text to `output`.

pub mod simulate;

use std::io::{BufRead, IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use thiserror::Error;

use crate::apply::{self, ApplyError, ApplyOptions, Cancel};
use crate::aws::{self, AwsError, AwsOptions, SdkAws, WaitOptions};
use crate::cli::{exit, AwsArgs, CallFormat, OutputFormat, RetryMode, WaitArgs};
use crate::diagnostic::{self, Source};
use crate::live::{self, LiveState, Ownership};
use crate::model::Desired;
use crate::output::{self, ColorChoice};
use crate::plan::{self, Plan};
use crate::progress::Progress;
use crate::render;
use crate::validate::{self, Validated};
use crate::{resources, spec};

/// Failures a command reports with exit code 1.
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
        "{0} endpoint(s) in the spec exist but are not managed by this project; nothing was changed (see the hints above)"
    )]
    Conflicts(usize),
    #[error("apply needs confirmation: run it in a terminal, or pass --auto-approve (for CI)")]
    NeedsApproval,
    #[error("apply cancelled: nothing was changed")]
    Declined,
    #[error("{path} is not a plan file endpoint-scale can read: {reason}")]
    BadPlanFile { path: String, reason: String },
    #[error(
        "the saved plan {path} is stale: the live state changed since it was made; run `endpoint-scale plan` again"
    )]
    StalePlan { path: String },
    #[error("apply did not complete: {failed} endpoint(s) failed (see the errors above); run apply again after fixing the cause")]
    ApplyFailed { failed: usize },
    #[error("interrupted: the steps listed above were done; run apply again to finish")]
    Interrupted,
    #[error("{0} endpoint(s) were skipped because they cannot be changed now (see above); run apply again once they are InService")]
    Skipped(usize),
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
}

fn counts(errors: usize, warnings: usize) -> String {
    format!("{}, {}", plural(errors, "error"), plural(warnings, "warning"))
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

fn write_stdout(text: &str) -> Result<ExitCode, CliError> {
    match output::stdout(text) {
        Ok(()) => Ok(ExitCode::from(exit::OK)),
        // `endpoint-scale render spec.yaml | head` is not a failure.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(ExitCode::from(exit::OK)),
        Err(e) => Err(CliError::Write(e)),
    }
}

fn read_text(path: &Path) -> Result<Source, CliError> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|err| CliError::Read { path: name.clone(), err })?;
    let text = String::from_utf8(bytes).map_err(|_| CliError::NotUtf8 { path: name.clone() })?;
    Ok(Source::new(name, text))
}

fn check(source: &Source) -> Validated {
    match spec::parse(source) {
        Ok(spec) => validate::validate(&spec),
        Err(mut diagnostics) => {
            diagnostics.sort_by_key(|d| (d.span.line, d.span.column));
            Validated { desired: None, diagnostics }
        }
    }
}

/// Validates a spec; warnings go to stderr, errors make it fail (before any AWS call).
fn desired_from(source: &Source, colour: ColorChoice) -> Result<Desired, CliError> {
    let validated = check(source);
    if !validated.diagnostics.is_empty() {
        output::stderr(&diagnostic::render(source, &validated.diagnostics, colour.stderr().enabled));
    }
    let (errors, warnings) = (validated.errors(), validated.warnings());
    validated.desired.ok_or_else(|| CliError::Invalid { path: source.name.clone(), errors, warnings })
}

fn load(path: &Path, colour: ColorChoice) -> Result<(Source, Desired), CliError> {
    let source = read_text(path)?;
    let desired = desired_from(&source, colour)?;
    Ok((source, desired))
}

pub fn validate(path: &Path, strict: bool, format: OutputFormat, colour: ColorChoice) -> Result<ExitCode, CliError> {
    let source = read_text(path)?;
    let validated = check(&source);
    let failed = validated.errors() > 0 || (strict && validated.warnings() > 0);
    match format {
        OutputFormat::Json => {
            let doc = serde_json::json!({
                "file": source.name,
                "valid": !failed,
                "errors": validated.errors(),
                "warnings": validated.warnings(),
                "diagnostics": validated.diagnostics,
            });
            let mut text = serde_json::to_string_pretty(&doc).unwrap_or_default();
            text.push('\n');
            write_stdout(&text)?;
            Ok(ExitCode::from(if failed { exit::ERROR } else { exit::OK }))
        }
        OutputFormat::Human => {
            if !validated.diagnostics.is_empty() {
                output::stderr(&diagnostic::render(&source, &validated.diagnostics, colour.stderr().enabled));
            }
            if failed {
                return Err(CliError::Invalid {
                    path: source.name,
                    errors: validated.errors(),
                    warnings: validated.warnings(),
                });
            }
            let desired = validated.desired.as_ref().expect("no errors means a model");
            let variants: usize = desired.endpoints.iter().map(|e| e.variants.len()).sum();
            let schedules: usize = desired
                .endpoints
                .iter()
                .flat_map(|e| &e.variants)
                .filter_map(|v| v.scaling.as_ref())
                .map(|s| s.schedules.len())
                .sum();
            let mut line = format!(
                "{}: valid ({}, {}, {})",
                source.name,
                plural(desired.endpoints.len(), "endpoint"),
                plural(variants, "variant"),
                plural(schedules, "scheduled action")
            );
            if validated.warnings() > 0 {
                line.push_str(&format!(" with {}", plural(validated.warnings(), "warning")));
            }
            line.push('\n');
            write_stdout(&line)
        }
    }
}

pub fn render(path: &Path, format: CallFormat, colour: ColorChoice) -> Result<ExitCode, CliError> {
    let (source, desired) = load(path, colour)?;
    let calls = render::calls::create_calls(&resources::desired(&desired));
    let text = match format {
        CallFormat::Json => render::calls::to_json(&calls),
        CallFormat::Shell => render::calls::to_shell(&calls, &source.name, desired.region.as_deref()),
    };
    write_stdout(&text)
}

pub fn schema() -> Result<ExitCode, CliError> {
    let mut text = serde_json::to_string_pretty(&spec::json_schema()).unwrap_or_default();
    text.push('\n');
    write_stdout(&text)
}

fn show_plan(plan: &Plan, desired: &Desired, format: OutputFormat, offline: bool, colour: ColorChoice) -> String {
    match format {
        OutputFormat::Human => render::human::render(
            plan,
            &render::human::PlanContext { project: &desired.project, offline },
            &colour.stdout(),
        ),
        OutputFormat::Json => render::json::render(
            plan,
            &render::json::JsonContext { project: &desired.project, region: desired.region.as_deref(), offline },
        ),
    }
}

pub fn plan_offline(
    path: &Path,
    format: OutputFormat,
    detailed: bool,
    colour: ColorChoice,
) -> Result<ExitCode, CliError> {
    let (_, desired) = load(path, colour)?;
    let plan = plan::diff(&resources::desired(&desired), &LiveState::default());
    write_stdout(&show_plan(&plan, &desired, format, true, colour))?;
    Ok(ExitCode::from(if detailed && plan.has_changes() { exit::CHANGES } else { exit::OK }))
}

async fn connect(args: &AwsArgs, spec_region: Option<&str>) -> Result<SdkAws, CliError> {
    let options = AwsOptions {
        profile: args.profile.clone(),
        region: args.region.clone(),
        spec_region: spec_region.map(str::to_string),
        endpoint_url: args.endpoint_url.clone(),
        max_attempts: Some(args.max_attempts),
        adaptive_retry: args.retry_mode == RetryMode::Adaptive,
    };
    let config = aws::load(&options).await?;
    Ok(SdkAws::new(&config))
}

async fn read_live(aws: &SdkAws, desired: &Desired, prune: bool, parallelism: usize) -> Result<LiveState, CliError> {
    let names: Vec<String> = desired.endpoints.iter().map(|e| e.name.clone()).collect();
    Ok(live::read(aws, &desired.project, &names, prune, parallelism).await?)
}

/// A plan saved by `plan --out`: the spec it was made from, the live state's fingerprint, and
/// the steps. It contains the spec's environment values, secrets included, like a Terraform
/// plan file: keep it where the spec is kept.
#[derive(serde::Serialize, serde::Deserialize)]
struct PlanFile {
    endpoint_scale_plan: u32,
    spec_path: String,
    spec: String,
    prune: bool,
    live_fingerprint: String,
    steps: Vec<plan::EndpointSteps>,
}

const PLAN_FILE_VERSION: u32 = 1;

pub async fn plan(
    path: &Path,
    format: OutputFormat,
    detailed: bool,
    out: Option<&Path>,
    prune: bool,
    args: &AwsArgs,
    colour: ColorChoice,
) -> Result<ExitCode, CliError> {
    let (source, desired) = load(path, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let live = read_live(&aws, &desired, prune, args.parallelism).await?;
    let plan = plan::diff(&resources::desired(&desired), &live);
    write_stdout(&show_plan(&plan, &desired, format, false, colour))?;
    if let Some(out) = out {
        let file = PlanFile {
            endpoint_scale_plan: PLAN_FILE_VERSION,
            spec_path: source.name.clone(),
            spec: source.text.clone(),
            prune,
            live_fingerprint: live.fingerprint(),
            steps: plan.steps.clone(),
        };
        let text = serde_json::to_string_pretty(&file).unwrap_or_default();
        write_private(out, &text).map_err(|err| CliError::WriteFile { path: out.display().to_string(), err })?;
        output::stderr(&format!(
            "Saved the plan to {}: run `endpoint-scale apply {}` to carry it out.\n",
            out.display(),
            out.display()
        ));
    }
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    Ok(ExitCode::from(if detailed && plan.has_changes() { exit::CHANGES } else { exit::OK }))
}

fn write_private(path: &Path, text: &str) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    options.open(path)?.write_all(text.as_bytes())
}

fn confirm(auto_approve: bool, question: &str) -> Result<(), CliError> {
    if auto_approve {
        return Ok(());
    }
    if !std::io::stdin().is_terminal() {
        return Err(CliError::NeedsApproval);
    }
    output::stderr(&format!("\n{question} Only 'yes' will be accepted: "));
    let mut answer = String::new();
    std::io::stdin().lock().read_line(&mut answer).map_err(CliError::Write)?;
    if answer.trim() == "yes" {
        Ok(())
    } else {
        Err(CliError::Declined)
    }
}

fn wait_options(wait: &WaitArgs) -> WaitOptions {
    WaitOptions { timeout: wait.wait_timeout, poll_interval: wait.poll_interval }
}

/// Runs a plan's steps with progress on stderr and Ctrl-C handling, then cleans up unused
/// configs and models of the spec's other owned endpoints too.
async fn execute(
    aws: &SdkAws,
    plan: &Plan,
    project: &str,
    clean: &[String],
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<ExitCode, CliError> {
    let cancel = Arc::new(Cancel::default());
    let on_signal = cancel.clone();
    let palette = colour.stderr();
    tokio::spawn(async move {
        if tokio::signal::ctrl_c().await.is_ok() {
            output::stderr(
                "\nInterrupt: finishing the AWS call in flight and starting no new step (Ctrl-C again to quit now)\n",
            );
            on_signal.cancel();
            if tokio::signal::ctrl_c().await.is_ok() {
                std::process::exit(130);
            }
        }
    });
    let progress = Progress::new(palette);
    let events = |e| progress.event(e);
    let options = ApplyOptions { wait: wait_options(wait), parallelism: args.parallelism };
    let outcomes = apply::apply(aws, plan, project, options, &events, &cancel).await;
    for endpoint in clean.iter().filter(|e| plan.steps_of(e).is_none()) {
        if cancel.is_cancelled() {
            break;
        }
        if let Err(e) = apply::clean_up(aws, endpoint, project, &events).await {
            progress.event(apply::Event::Failed { endpoint: endpoint.clone(), error: e.to_string() });
        }
    }
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let interrupted = outcomes.iter().any(|o| o.result == Err(ApplyError::Interrupted));
    if interrupted {
        let mut text = String::from("\nWhat was done before the interrupt:\n");
        for o in &outcomes {
            text.push_str(&format!("  {}: {} of {} steps\n", o.endpoint, o.done, o.total));
        }
        output::stderr(&text);
        return Err(CliError::Interrupted);
    }
    if failed > 0 {
        return Err(CliError::ApplyFailed { failed });
    }
    if !plan.skipped.is_empty() {
        return Err(CliError::Skipped(plan.skipped.len()));
    }
    let changed = outcomes.len();
    write_stdout(&format!("{} {} changed.\n", palette.green("Apply complete:"), plural(changed, "endpoint")))
}

pub async fn apply(
    target: &Path,
    auto_approve: bool,
    prune: bool,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<ExitCode, CliError> {
    let file = read_text(target)?;
    if let Some(saved) = parse_plan_file(&file)? {
        return apply_saved(&file.name, saved, auto_approve, args, wait, colour).await;
    }
    let desired = desired_from(&file, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let live = read_live(&aws, &desired, prune, args.parallelism).await?;
    let plan = plan::diff(&resources::desired(&desired), &live);
    output::stdout(&show_plan(&plan, &desired, OutputFormat::Human, false, colour)).map_err(CliError::Write)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    let owned: Vec<String> =
        live.endpoints.iter().filter(|(_, e)| e.ownership == Ownership::Ours).map(|(n, _)| n.clone()).collect();
    if !plan.steps.is_empty() {
        confirm(auto_approve, "Do you want to perform these actions?")?;
    }
    execute(&aws, &plan, &desired.project, &owned, args, wait, colour).await
}

fn parse_plan_file(file: &Source) -> Result<Option<PlanFile>, CliError> {
    let Ok(value) = serde_json::from_str::<serde_json::Value>(&file.text) else { return Ok(None) };
    if value.get("endpoint_scale_plan").is_none() {
        return Ok(None);
    }
    let saved: PlanFile = serde_json::from_value(value)
        .map_err(|e| CliError::BadPlanFile { path: file.name.clone(), reason: e.to_string() })?;
    if saved.endpoint_scale_plan != PLAN_FILE_VERSION {
        return Err(CliError::BadPlanFile {
            path: file.name.clone(),
            reason: format!("plan file version {} (this build reads {PLAN_FILE_VERSION})", saved.endpoint_scale_plan),
        });
    }
    Ok(Some(saved))
}

async fn apply_saved(
    path: &str,
    saved: PlanFile,
    auto_approve: bool,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<ExitCode, CliError> {
    let source = Source::new(saved.spec_path.clone(), saved.spec.clone());
    let desired = desired_from(&source, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let live = read_live(&aws, &desired, saved.prune, args.parallelism).await?;
    if live.fingerprint() != saved.live_fingerprint {
        return Err(CliError::StalePlan { path: path.to_string() });
    }
    let plan = Plan { steps: saved.steps, ..plan::diff(&resources::desired(&desired), &live) };
    output::stdout(&show_plan(&plan, &desired, OutputFormat::Human, false, colour)).map_err(CliError::Write)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.steps.is_empty() {
        confirm(auto_approve, "Do you want to perform the saved plan?")?;
    }
    let owned: Vec<String> =
        live.endpoints.iter().filter(|(_, e)| e.ownership == Ownership::Ours).map(|(n, _)| n.clone()).collect();
    execute(&aws, &plan, &desired.project, &owned, args, wait, colour).await
}

pub async fn diff(
    path: &Path,
    format: OutputFormat,
    args: &AwsArgs,
    colour: ColorChoice,
) -> Result<ExitCode, CliError> {
    let (_, desired) = load(path, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let live = read_live(&aws, &desired, false, args.parallelism).await?;
    let plan = plan::diff(&resources::desired(&desired), &live);
    let text = match format {
        OutputFormat::Human => render::drift::render(&plan),
        OutputFormat::Json => show_plan(&plan, &desired, OutputFormat::Json, false, colour),
    };
    write_stdout(&text)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    Ok(ExitCode::from(if plan.has_changes() { exit::CHANGES } else { exit::OK }))
}

pub async fn destroy(
    path: &Path,
    auto_approve: bool,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<ExitCode, CliError> {
    let (_, desired) = load(path, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let live = read_live(&aws, &desired, false, args.parallelism).await?;
    let plan = plan::destroy(&live);
    output::stdout(&show_plan(&plan, &desired, OutputFormat::Human, false, colour)).map_err(CliError::Write)?;
    if plan.steps.is_empty() {
        return write_stdout("Nothing to destroy.\n");
    }
    confirm(auto_approve, "Do you really want to destroy these endpoints and everything of them?")?;
    let owned: Vec<String> = plan.steps.iter().map(|s| s.endpoint.clone()).collect();
    execute(&aws, &plan, &desired.project, &owned, args, wait, colour).await
}

pub async fn import(
    endpoints: &[String],
    project: &str,
    out: Option<&Path>,
    adopt: bool,
    args: &AwsArgs,
) -> Result<ExitCode, CliError> {
    let aws = connect(args, None).await?;
    let live = live::read(&aws, project, endpoints, false, args.parallelism).await?;
    let policies = crate::import::foreign_policies(&aws, &live).await?;
    for name in endpoints {
        match live.endpoints.get(name).map(|e| &e.ownership) {
            None => return Err(CliError::NoSuchEndpoint(name.clone())),
            Some(Ownership::OtherProject(other)) => {
                return Err(CliError::OtherProject {
                    endpoint: name.clone(),
                    other: other.clone(),
                    project: project.to_string(),
                })
            }
            _ => {}
        }
    }
    let text = crate::import::spec_text(project, endpoints, &live, &policies);
    match out {
        Some(path) => {
            std::fs::write(path, &text).map_err(|err| CliError::WriteFile { path: path.display().to_string(), err })?;
            output::stderr(&format!("Wrote {}.\n", path.display()));
        }
        None => {
            write_stdout(&text)?;
        }
    }
    if adopt {
        for line in crate::import::adopt(&aws, project, endpoints, &live, &policies).await? {
            output::stderr(&format!("{line}\n"));
        }
    }
    Ok(ExitCode::from(exit::OK))
}
