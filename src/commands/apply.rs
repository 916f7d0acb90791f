//! `apply`: plan against AWS (or verify a saved plan), show it, confirm, and carry out its steps
//! with progress on stderr. [`execute`] is shared with `destroy` and `import --adopt`.

use std::path::Path;
use std::sync::Arc;

use super::{confirm, connect, desired_from, interrupt, plural, read_live, read_text, show_live_plan, var_inputs};
use super::{write_stdout, CliError, Outcome};
use crate::apply::{self, ApplyError, ApplyOptions, Cancel};
use crate::aws::{SdkAws, WaitOptions};
use crate::cli::{AwsArgs, OutputFormat, VarArgs, WaitArgs};
use crate::diagnostic::Source;
use crate::output::{self, ColorChoice};
use crate::plan::saved::{SavedPlan, SavedPlanError};
use crate::plan::{self, Plan};
use crate::progress::Progress;
use crate::resources;
use crate::spec::vars::Pinned;

#[allow(clippy::too_many_arguments)]
pub async fn run(
    target: &Path,
    auto_approve: bool,
    prune: bool,
    options: plan::Options,
    vars: &VarArgs,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let file = read_text(target)?;
    if let Some(saved) = SavedPlan::parse(&file)? {
        return run_saved(&file.name, saved, auto_approve, vars, args, wait, colour).await;
    }
    let (desired, _) = desired_from(&file, &var_inputs(vars)?, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, prune, args.parallelism).await?;
    let plan = plan::diff_with(&resources::desired(&desired), &live, &options);
    output::stdout(&show_live_plan(&plan, &desired, OutputFormat::Human, &target, colour)).map_err(CliError::Write)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.steps.is_empty() {
        confirm(auto_approve, "apply", "Do you want to perform these actions?")?;
    }
    let changed =
        execute(&aws, &plan, &desired.project, &format!("endpoint-scale apply {}", file.name), args, wait, colour)
            .await?;
    complete(changed, colour)
}

/// The line that ends a successful apply or destroy.
pub(super) fn complete(changed: usize, colour: ColorChoice) -> Result<Outcome, CliError> {
    write_stdout(&format!("{} {} changed.\n", colour.stdout().green("Apply complete:"), plural(changed, "endpoint")))
}

/// A saved plan runs with the variable values it was made with, as Terraform's does: the spec and
/// the values together are what the plan showed. A value given again must be the same; a
/// different one is refused rather than ignored, since ignoring it would apply something other
/// than what the command line asks for.
async fn run_saved(
    path: &str,
    saved: SavedPlan,
    auto_approve: bool,
    vars: &VarArgs,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let source = Source::new(saved.spec_path.clone(), saved.spec.clone());
    let mut inputs = var_inputs(vars)?;
    inputs.pinned = Some(Pinned { plan: path.to_string(), values: saved.vars.clone() });
    let (desired, variables) = desired_from(&source, &inputs, colour)?;
    let differing = variables.differing_from_pinned();
    if !differing.is_empty() {
        return Err(SavedPlanError::Variables { path: path.to_string(), differing: differing.join(", ") }.into());
    }
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, saved.prune, args.parallelism).await?;
    saved.check_fresh(path, &live)?;
    // Verified, not trusted: what runs is the plan the embedded spec gives (with the options the
    // plan was made with), and only if the file asks for exactly that.
    let plan = plan::diff_with(&resources::desired(&desired), &live, &saved.options);
    saved.check_steps(path, &plan)?;
    output::stdout(&show_live_plan(&plan, &desired, OutputFormat::Human, &target, colour)).map_err(CliError::Write)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.steps.is_empty() {
        confirm(auto_approve, "apply", "Do you want to perform the saved plan?")?;
    }
    let changed =
        execute(&aws, &plan, &desired.project, &format!("endpoint-scale apply {}", source.name), args, wait, colour)
            .await?;
    complete(changed, colour)
}

/// Runs a plan's steps with progress on stderr and returns how many endpoints it changed; the
/// first interrupt lets the steps in flight finish and starts no new one, the second stops at
/// once.
pub(super) async fn execute(
    aws: &SdkAws,
    plan: &Plan,
    project: &str,
    rerun: &str,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<usize, CliError> {
    let cancel = Arc::new(Cancel::default());
    let aborted = interrupt::listen(cancel.clone());
    let palette = colour.stderr();
    let progress = Progress::new(palette);
    let events = |e| progress.event(e);
    let options = ApplyOptions {
        wait: WaitOptions { timeout: wait.wait_timeout, poll_interval: wait.poll_interval },
        parallelism: args.parallelism,
    };
    let outcomes = tokio::select! {
        outcomes = apply::apply(aws, plan, project, options, &events, &cancel) => outcomes,
        () = aborted => return Err(CliError::Aborted),
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
        text.push_str(&format!("Run `{rerun}` to register them again with their policy and scheduled actions.\n"));
        output::stderr(&text);
    }
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
    Ok(outcomes.len())
}
