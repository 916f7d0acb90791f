//! `plan`: what would change, against AWS or (`--offline`) against nothing; `--out` saves it
//! for `apply FILE`; `--target` limits it to some endpoints.

use std::path::Path;

use super::{connect, load, read_live, show_live_plan, show_plan, targets, write_stdout, CliError, Outcome, WithAws};
use crate::cli::{AwsArgs, OutputFormat, VarArgs};
use crate::live::LiveState;
use crate::output::{self, ColorChoice};
use crate::plan::saved::{ReadFrom, SavedPlan};
use crate::{plan, resources};

/// What `plan` was asked for, beyond the spec and AWS access.
pub struct Run<'a> {
    pub format: OutputFormat,
    pub detailed: bool,
    pub out: Option<&'a Path>,
    pub prune: bool,
    pub options: plan::Options,
    /// The variables' values; the saved plan (`out`) pins them.
    pub vars: &'a VarArgs,
}

fn outcome(detailed: bool, plan: &plan::Plan) -> Outcome {
    if detailed && plan.has_changes() {
        Outcome::Changes
    } else {
        Outcome::Done
    }
}

pub fn offline(
    path: &Path,
    format: OutputFormat,
    detailed: bool,
    targets: &[String],
    vars: &VarArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let desired = load(path, vars, colour)?.desired;
    let (desired, targets) = targets::select(desired, targets, false)?;
    let mut plan = plan::diff(&resources::desired(&desired), &LiveState::default());
    plan.targets = targets;
    write_stdout(&show_plan(&plan, &desired, format, true, colour))?;
    Ok(outcome(detailed, &plan))
}

pub async fn run(
    path: &Path,
    run: &Run<'_>,
    targets: &[String],
    args: &AwsArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let super::Loaded { source, desired, variables } = load(path, run.vars, colour)?;
    let (desired, targets) = targets::select(desired, targets, run.prune)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, run.prune, args.parallelism).await?;
    let mut plan = plan::diff_with(&resources::desired(&desired), &live, &run.options);
    plan.targets = targets;
    write_stdout(&show_live_plan(&plan, &desired, run.format, &target, colour))?;
    if let Some(out) = run.out {
        let from = ReadFrom { account: &target.account, region: &target.region };
        // The plan pins the variables' values: `apply FILE` uses them (see `apply::run_saved`).
        SavedPlan::new(&source, variables.values(), run.prune, run.options, &live, &from, &plan).write(out)?;
        let apply = crate::hint::CommandLine::new("apply").arg(out.display().to_string()).aws(args);
        output::stderr(&format!("Saved the plan to {}: run `{apply}` to carry it out.\n", out.display()));
    }
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.blocked.is_empty() {
        return Err(CliError::Blocked(plan.blocked.len()));
    }
    Ok(outcome(run.detailed, &plan))
}
