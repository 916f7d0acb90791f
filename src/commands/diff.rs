//! `diff`: drift between AWS and the spec, field by field; exit 0 in sync, 2 drift.
//!
//! Unlike `plan`, `diff` also lists the account's endpoints (ListEndpoints, and ListTags of each
//! endpoint not in the spec, as `--prune` does) so that an owned endpoint that left the spec is
//! reported; `plan` pays for that only with `--prune`. An endpoint in a transition (Creating,
//! Updating, ...) cannot be compared: it is noted and does not by itself make diff exit 2.
//! With `--target`, only the named endpoints are read and compared, and strays are not looked
//! for (they are not among the targets).

use std::path::Path;

use super::{connect, load, read_live, show_live_plan, targets, write_stdout, CliError, Outcome};
use super::{WithAws, WithVars};
use crate::cli::{AwsArgs, OutputFormat, VarArgs};
use crate::output::ColorChoice;
use crate::{plan, render, resources};

pub async fn run(
    path: &Path,
    format: OutputFormat,
    targets: &[String],
    vars: &VarArgs,
    args: &AwsArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let super::Loaded { source, desired, variables } = load(path, vars, colour)?;
    let (desired, selected) = targets::select(desired, targets, false)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, selected.is_empty(), args.parallelism).await?;
    let mut plan = plan::diff(&resources::desired(&desired), &live);
    plan.targets = selected;
    let context = render::drift::Context {
        busy: plan
            .skipped
            .iter()
            .filter_map(|n| live.endpoints.get(&n.endpoint))
            .filter(|e| in_transition(&e.desc.status))
            .map(|e| (e.desc.name.clone(), e.desc.status.clone()))
            .collect(),
        strays: live.strays.keys().cloned().collect(),
        prune: crate::hint::CommandLine::new("apply").arg(&source.name).arg("--prune").vars(vars, &variables).aws(args),
    };
    let text = match format {
        OutputFormat::Human => render::drift::render(&plan, &context),
        OutputFormat::Json => show_live_plan(&plan, &desired, OutputFormat::Json, &target, colour),
    };
    write_stdout(&text)?;
    if !plan.conflicts.is_empty() {
        return Err(CliError::Conflicts(plan.conflicts.len()));
    }
    if !plan.blocked.is_empty() {
        return Err(CliError::Blocked(plan.blocked.len()));
    }
    let drift = plan.changes.iter().any(|c| c.action != plan::Action::NoOp)
        || plan.skipped.iter().any(|n| !context.busy.contains_key(&n.endpoint));
    Ok(if drift { Outcome::Changes } else { Outcome::Done })
}

/// Statuses an endpoint passes through on its own (API DescribeEndpoint): it is compared once it
/// is InService again. Failed, OutOfService and UpdateRollbackFailed need someone: drift.
fn in_transition(status: &str) -> bool {
    matches!(status, "Creating" | "Updating" | "SystemUpdating" | "RollingBack" | "Deleting")
}
