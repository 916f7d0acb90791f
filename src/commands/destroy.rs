//! `destroy`: delete everything the spec owns, in the order AWS needs, after confirmation.

use std::path::Path;

use super::apply::{complete, execute};
use super::{confirm, connect, load, read_live, show_live_plan, write_stdout, CliError, Outcome};
use crate::cli::{AwsArgs, OutputFormat, VarArgs, WaitArgs};
use crate::output::{self, ColorChoice};
use crate::plan;

pub async fn run(
    path: &Path,
    auto_approve: bool,
    vars: &VarArgs,
    args: &AwsArgs,
    wait: &WaitArgs,
    colour: ColorChoice,
) -> Result<Outcome, CliError> {
    let desired = load(path, vars, colour)?.desired;
    let aws = connect(args, desired.region.as_deref()).await?;
    let (live, target) = read_live(&aws, &desired, false, args.parallelism).await?;
    let plan = plan::destroy(&live);
    output::stdout(&show_live_plan(&plan, &desired, OutputFormat::Human, &target, colour)).map_err(CliError::Write)?;
    if plan.steps.is_empty() {
        return write_stdout("Nothing to destroy.\n");
    }
    confirm(auto_approve, "destroy", "Do you really want to destroy these endpoints and everything of them?")?;
    let changed = execute(
        &aws,
        &plan,
        &desired.project,
        &format!("endpoint-scale destroy {}", path.display()),
        args,
        wait,
        colour,
    )
    .await?;
    complete(changed, colour)
}
