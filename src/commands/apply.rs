//! `apply`: plan against AWS (or verify a saved plan), show it, confirm, and carry out its steps
//! with progress on stderr. [`execute`] is shared with `destroy` and `import --adopt`.

use std::path::Path;
use std::sync::Arc;

use super::{
    confirm, connect, desired_from, interrupt, plural, read_live, read_text, show_live_plan, write_stdout, WithAws,
};
use super::{CliError, Outcome};
use crate::apply::{self, ApplyError, ApplyOptions, Cancel};
use crate::aws::{SdkAws, WaitOptions};
use crate::cli::{AwsArgs, OutputFormat, WaitArgs};
use crate::diagnostic::Source;
use crate::hint::CommandLine;
use crate::output::{self, ColorChoice};
use crate::plan::saved::SavedPlan;
use crate::plan::{self, Plan};
use crate::progress::Progress;
use crate::resources;

pub async fn run(
    target: &Path,
    auto_approve: bool,
    prune: bool,
    options: plan::Options,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let file = read_text(target)?;
    if let Some(saved) = SavedPlan::parse(&file)? {
        return run_saved(&file.name, saved, auto_approve, args, wait, colour).await;
    }
    let desired = desired_from(&file, colour)?;
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
    let rerun = Rerun {
        command: "apply",
        again: CommandLine::new("apply")
            .arg(&file.name)
            .flag_if(prune, "--prune")
            .flag_if(options.raise_capacity, "--raise-capacity")
            .aws(args),
        plan: CommandLine::new("plan").arg(&file.name).flag_if(prune, "--prune").aws(args),
    };
    let changed = execute(&aws, &plan, &desired.project, &rerun, args, wait, colour).await?;
    complete(changed, colour)
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

async fn run_saved(
    path: &str,
    saved: SavedPlan,
    auto_approve: bool,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let source = Source::new(saved.spec_path.clone(), saved.spec.clone());
    let desired = desired_from(&source, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, saved.prune, args.parallelism).await?;
    let again = saved.plan_again(path).aws(args);
    saved.check_fresh(path, &live, &again)?;
    // Verified, not trusted: what runs is the plan the embedded spec gives (with the options the
    // plan was made with), and only if the file asks for exactly that.
    let plan = plan::diff_with(&resources::desired(&desired), &live, &saved.options);
    saved.check_steps(path, &plan, &again)?;
    output::stdout(&show_live_plan(&plan, &desired, OutputFormat::Human, &target, colour)).map_err(CliError::Write)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.steps.is_empty() {
        confirm(auto_approve, "apply", "Do you want to perform the saved plan?")?;
    }
    // The saved plan is stale once any of its steps ran: what finishes the job is its spec.
    let rerun = Rerun {
        command: "apply",
        again: CommandLine::new("apply")
            .arg(&source.name)
            .flag_if(saved.prune, "--prune")
            .flag_if(saved.options.raise_capacity, "--raise-capacity")
            .aws(args),
        plan: CommandLine::new("plan").arg(&source.name).flag_if(saved.prune, "--prune").aws(args),
    };
    let changed = execute(&aws, &plan, &desired.project, &rerun, args, wait, colour).await?;
    complete(changed, colour)
}

/// Runs a plan's steps with progress on stderr and returns how many endpoints it changed; the
/// first interrupt lets the steps in flight finish and starts no new one, the second stops at
/// once.
pub(super) async fn execute(
    aws: &SdkAws,
    plan: &Plan,
    project: &str,
    rerun: &Rerun,
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
        () = aborted => return Err(CliError::Aborted { plan: rerun.plan.to_string() }),
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
        return Err(CliError::Interrupted { again: rerun.again.to_string() });
    }
    if failed > 0 {
        return Err(CliError::ApplyFailed { command: rerun.command, failed, again: rerun.again.to_string() });
    }
    if !plan.skipped.is_empty() {
        return Err(CliError::Skipped { count: plan.skipped.len(), again: rerun.again.to_string() });
    }
    Ok(outcomes.len())
}
