//! `import`: write a spec for endpoints made by hand; `--adopt` also brings them under this
//! project.

use std::path::Path;

use super::{connect, write_stdout, CliError, Outcome};
use crate::cli::AwsArgs;
use crate::live::{self, Ownership};
use crate::output;

pub async fn run(
    endpoints: &[String],
    project: &str,
    out: Option<&Path>,
    adopt: bool,
    args: &AwsArgs,
) -> Result<Outcome, CliError> {
    let aws = connect(args, None).await?;
    let wanted: Vec<live::Wanted> =
        endpoints.iter().map(|e| live::Wanted { endpoint: e.clone(), variants: Vec::new() }).collect();
    let live = live::read(&aws, project, &wanted, false, args.parallelism).await?;
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
    Ok(Outcome::Done)
}
