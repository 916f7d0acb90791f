//! `destroy`: delete everything the spec owns, in the order AWS needs, after confirmation.

use std::path::Path;

use super::apply::{execute, Rerun};
use super::{confirm, connect, load, plural, read_live, write_stdout, CliError, Outcome, WithAws};
use crate::cli::{AwsArgs, WaitArgs};
use crate::hint::CommandLine;
use crate::output::{self, ColorChoice};
use crate::plan;
use crate::render::human::{self, PlanContext};

pub async fn run(
    path: &Path,
    auto_approve: bool,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let (source, desired) = load(path, colour)?;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, false, args.parallelism).await?;
    let plan = plan::destroy(&live);
    let context = PlanContext {
        project: &desired.project,
        offline: false,
        region: Some(&target.region),
        account: Some(&target.account),
        destroy: true,
    };
    // With nothing to delete this is the one line "Nothing to destroy (account ..., region ...)."
    output::stdout(&human::render(&plan, &context, &colour.stdout())).map_err(CliError::Write)?;
    if plan.steps.is_empty() {
        return Ok(Outcome::Done);
    }
    confirm(auto_approve, "destroy", "Do you really want to destroy these endpoints and everything of them?")?;
    let rerun = Rerun {
        command: "destroy",
        again: CommandLine::new("destroy").arg(&source.name).aws(args),
        plan: CommandLine::new("plan").arg(&source.name).aws(args),
    };
    let destroyed = execute(&aws, &plan, &desired.project, &rerun, args, wait, colour).await?;
    write_stdout(&format!(
        "{} {} destroyed.\n",
        colour.stdout().green("Destroy complete:"),
        plural(destroyed, "endpoint")
    ))
}
