//! `apply`: plan against AWS (or verify a saved plan), show it, confirm, and carry out its steps
//! with progress on stderr. [`execute`] is shared with `destroy` and `import --adopt`.
//!
//! With `--output json` the plan and the progress go to stderr and stdout holds only the results
//! document (`results`), written at the end whatever the outcome, once steps have started. It
//! never prompts then: it needs `--auto-approve`, or a saved plan (saving it was the approval,
//! as with `terraform apply PLANFILE`).

use std::path::Path;
use std::sync::Arc;

use super::{confirm, connect, desired_from, interrupt, plural, read_live, read_text, show_live_plan, targets};
use super::{var_inputs, write_stdout, CliError, Outcome, Target, WithAws, WithTargets, WithVars};
use crate::apply::{self, ApplyError, ApplyOptions, Cancel};
use crate::aws::{SdkAws, WaitOptions};
use crate::cli::{AwsArgs, OutputFormat, VarArgs, WaitArgs};
use crate::diagnostic::Source;
use crate::hint::CommandLine;
use crate::model::Desired;
use crate::output::{self, ColorChoice};
use crate::plan::saved::{ReadFrom, SavedPlan, SavedPlanError};
use crate::plan::{self, Plan};
use crate::progress::Progress;
use crate::resources;
use crate::results::{self, Results};
use crate::spec::vars::Pinned;

/// What `apply` was asked for, beyond the file and AWS access.
pub struct Run<'a> {
    pub auto_approve: bool,
    pub prune: bool,
    pub options: plan::Options,
    /// A launch stage was given on the command line (with a saved plan, they must equal its own).
    pub launch_given: bool,
    pub format: OutputFormat,
    pub targets: &'a [String],
    /// The variables' values; with a saved plan, any given must equal those it pins.
    pub vars: &'a VarArgs,
}

pub async fn run(
    path: &Path,
    run: &Run<'_>,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let file = read_text(path)?;
    if let Some(saved) = SavedPlan::parse(&file)? {
        if !run.targets.is_empty() {
            return Err(targets::TargetError::SavedPlan.into());
        }
        return run_saved(&file.name, saved, run, args, wait, colour).await;
    }
    if run.format == OutputFormat::Json && !run.auto_approve {
        return Err(CliError::JsonNeedsApproval { command: "apply", or_saved: " (or a plan saved with `plan --out`)" });
    }
    let (desired, variables) = desired_from(&file, &var_inputs(run.vars)?, colour)?;
    let (desired, selected) = targets::select(desired, run.targets, run.prune)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, run.prune, args.parallelism).await?;
    let mut plan = plan::diff_with(&resources::desired(&desired), &live, &run.options);
    plan.targets = selected;
    show(&plan, &desired, &target, run.format, colour)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.blocked.is_empty() {
        return Err(CliError::Blocked(plan.blocked.len()));
    }
    if !plan.steps.is_empty() {
        confirm(run.auto_approve, "apply", "Do you want to perform these actions?")?;
    }
    let rerun = Rerun {
        command: "apply",
        again: CommandLine::new("apply")
            .arg(&file.name)
            .targets(&plan.targets)
            .flag_if(run.prune, "--prune")
            .flag_if(run.options.raise_capacity, "--raise-capacity")
            .vars(run.vars, &variables)
            .aws(args),
        plan: CommandLine::new("plan")
            .arg(&file.name)
            .targets(&plan.targets)
            .flag_if(run.prune, "--prune")
            .vars(run.vars, &variables)
            .aws(args),
    };
    finish(&aws, &plan, &desired, &target, &rerun, run.format, args, wait, colour).await
}

/// The plan for people: on stdout, or on stderr when stdout is for the JSON document.
fn show(
    plan: &Plan,
    desired: &Desired,
    target: &Target,
    format: OutputFormat,
    colour: ColorChoice,
) -> Result<(), CliError> {
    let text = show_live_plan(plan, desired, OutputFormat::Human, target, colour);
    match format {
        OutputFormat::Human => output::stdout(&text).map_err(CliError::Write),
        OutputFormat::Json => {
            output::stderr(&text);
            Ok(())
        }
    }
}

/// Carries out the plan and says how it went: `Apply complete` or the JSON document.
#[allow(clippy::too_many_arguments)]
async fn finish(
    aws: &SdkAws,
    plan: &Plan,
    desired: &Desired,
    target: &Target,
    rerun: &Rerun,
    format: OutputFormat,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let json = results::Context {
        command: "apply",
        project: &desired.project,
        account: &target.account,
        region: &target.region,
    };
    let json = (format == OutputFormat::Json).then_some(&json);
    let changed = execute(aws, plan, &desired.project, rerun, json, args, wait, colour).await?;
    match format {
        OutputFormat::Human => complete(changed, colour),
        OutputFormat::Json => Ok(Outcome::Done),
    }
}

/// The line that ends a successful apply.
pub(super) fn complete(changed: usize, colour: ColorChoice) -> Result<Outcome, CliError> {
    write_stdout(&format!("{} {} changed.\n", colour.stdout().green("Apply complete:"), plural(changed, "endpoint")))
}

/// What to run after an apply (or destroy) that did not complete: the same command again, and
/// the plan that shows where things stand.
pub(super) struct Rerun {
    /// The command as messages name it: `apply`, `destroy`, `import --adopt`.
    pub command: &'static str,
    pub again: CommandLine,
    pub plan: CommandLine,
}

/// A saved plan runs with the variable values it was made with, as Terraform's does: the spec and
/// the values together are what the plan showed. A value given again must be the same; a
/// different one is refused rather than ignored, since ignoring it would apply something other
/// than what the command line asks for.
async fn run_saved(
    path: &str,
    saved: SavedPlan,
    run: &Run<'_>,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let source = Source::new(saved.spec_path.clone(), saved.spec.clone());
    let mut inputs = var_inputs(run.vars)?;
    inputs.pinned = Some(Pinned { plan: path.to_string(), values: saved.vars.clone() });
    let (desired, variables) = desired_from(&source, &inputs, colour)?;
    let differing = variables.differing_from_pinned();
    if !differing.is_empty() {
        let apply = CommandLine::new("apply").arg(path).aws(args).to_string();
        return Err(SavedPlanError::Variables { path: path.to_string(), differing: differing.join(", "), apply }.into());
    }
    // --prune and --raise-capacity change the steps: given to a plan made without them, they
    // would be ignored, and apply would do less than the command line says.
    for (given, made_with, flag) in [
        (run.prune, saved.prune, "--prune"),
        (run.options.raise_capacity, saved.options.raise_capacity, "--raise-capacity"),
    ] {
        if given && !made_with {
            let apply = CommandLine::new("apply").arg(path).aws(args).to_string();
            return Err(SavedPlanError::Choice { path: path.to_string(), flag, apply }.into());
        }
    }
    if run.launch_given && run.options.launch() != saved.options.launch() {
        let l = saved.options.launch();
        let apply = CommandLine::new("apply").arg(path).aws(args).to_string();
        return Err(SavedPlanError::Launch {
            path: path.to_string(),
            saved: format!(
                "--provision-minutes {} --image-pull-minutes {} --model-load-minutes {}",
                l.provision_minutes, l.image_pull_minutes, l.model_load_minutes
            ),
            apply,
        }
        .into());
    }
    // The saved targets, not flags: they are part of what the file's digest pins.
    let (desired, selected) = targets::select(desired, &saved.targets, saved.prune)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, saved.prune, args.parallelism).await?;
    let again = saved.plan_again(path).aws(args);
    saved.check_fresh(path, &ReadFrom { account: &target.account, region: &target.region }, &live, &again)?;
    // Verified, not trusted: what runs is the plan the embedded spec gives (with the options the
    // plan was made with), and only if the file asks for exactly that.
    let mut plan = plan::diff_with(&resources::desired(&desired), &live, &saved.options);
    plan.targets = selected;
    saved.check_steps(path, &plan, &again)?;
    show(&plan, &desired, &target, run.format, colour)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.blocked.is_empty() {
        return Err(CliError::Blocked(plan.blocked.len()));
    }
    // With --output json the saved plan is the approval: nothing may prompt beside the document.
    if !plan.steps.is_empty() && run.format == OutputFormat::Human {
        confirm(run.auto_approve, "apply", "Do you want to perform the saved plan?")?;
    }
    // The saved plan is stale once any of its steps ran: what finishes the job is its spec (with
    // the plan's targets; the variables' values it pinned are the user's to give again).
    let rerun = Rerun {
        command: "apply",
        again: CommandLine::new("apply")
            .arg(&source.name)
            .targets(&plan.targets)
            .flag_if(saved.prune, "--prune")
            .flag_if(saved.options.raise_capacity, "--raise-capacity")
            .aws(args),
        plan: CommandLine::new("plan")
            .arg(&source.name)
            .targets(&plan.targets)
            .flag_if(saved.prune, "--prune")
            .aws(args),
    };
    finish(&aws, &plan, &desired, &target, &rerun, run.format, args, wait, colour).await
}

/// Runs a plan's steps with progress on stderr and returns how many endpoints it changed; the
/// first interrupt lets the steps in flight finish and starts no new one, the second stops at
/// once. With `json`, the results document goes to stdout at the end, whatever the outcome.
#[allow(clippy::too_many_arguments)]
pub(super) async fn execute(
    aws: &SdkAws,
    plan: &Plan,
    project: &str,
    rerun: &Rerun,
    json: Option<&results::Context<'_>>,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<usize, CliError> {
    let results = Results::new(plan);
    let report = |result: Result<usize, CliError>| -> Result<usize, CliError> {
        if let Some(ctx) = json {
            write_stdout(&results.render(ctx, &plan.targets))?;
        }
        result
    };
    let cancel = Arc::new(Cancel::default());
    let aborted = interrupt::listen(cancel.clone());
    let palette = colour.stderr();
    let progress = Progress::new(palette);
    let events = |e: apply::Event| {
        if json.is_some() {
            results.event(&e);
        }
        progress.event(e);
    };
    let options = ApplyOptions {
        wait: WaitOptions { timeout: wait.wait_timeout, poll_interval: wait.poll_interval },
        parallelism: args.parallelism,
    };
    let outcomes = tokio::select! {
        outcomes = apply::apply(aws, plan, project, options, &events, &cancel) => outcomes,
        () = aborted => return report(Err(CliError::Aborted { plan: rerun.plan.to_string() })),
    };
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let interrupted = outcomes.iter().any(|o| o.result == Err(ApplyError::Interrupted));
    let unprotected: Vec<(&str, &str)> =
        outcomes.iter().flat_map(|o| o.unprotected.iter().map(|v| (o.endpoint.as_str(), v.as_str()))).collect();
    if !unprotected.is_empty() {
        let mut text = String::from(
            "\nWarning: these variants have no auto scaling right now (deregistered, not registered again, and putting it back failed):\n",
        );
        for (endpoint, variant) in &unprotected {
            text.push_str(&format!("  {endpoint}/{variant}\n"));
        }
        text.push_str(&format!(
            "Run `{}` to register them again with their policy and scheduled actions.\n",
            rerun.again
        ));
        output::stderr(&text);
    }
    if interrupted {
        let mut text = String::from("\nWhat was done before the interrupt:\n");
        for o in &outcomes {
            text.push_str(&format!("  {}: {} of {}\n", o.endpoint, o.done, plural(o.total, "step")));
        }
        output::stderr(&text);
        return report(Err(CliError::Interrupted { again: rerun.again.to_string() }));
    }
    if failed > 0 {
        return report(Err(CliError::ApplyFailed { command: rerun.command, failed, again: rerun.again.to_string() }));
    }
    if !plan.skipped.is_empty() {
        return report(Err(CliError::Skipped { count: plan.skipped.len(), again: rerun.again.to_string() }));
    }
    report(Ok(outcomes.len()))
}
