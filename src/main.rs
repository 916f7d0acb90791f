//! The binary's edge: parse arguments, run the command, print the error chain once and map it to
//! an exit code (0 ok / no changes, 1 error, 2 changes with `--detailed-exitcode`).

use std::process::ExitCode;

use clap::Parser;
use endpoint_scale::cli::{self, Cli};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let palette = cli.color.stderr();
    match cli::run(cli) {
        Ok(code) => code,
        Err(err) => {
            let mut message = format!("{} {err}", palette.red("error:"));
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                message.push_str(&format!("\n  caused by: {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            ExitCode::from(cli::exit::ERROR)
        }
    }
}
