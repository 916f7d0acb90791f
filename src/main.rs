//! The binary's edge: parse arguments, run the command, print the error chain once and map it to
//! an exit code (0 ok / no changes, 1 error, 2 changes with `--detailed-exitcode`).

use std::process::ExitCode;

use clap::Parser;
use endpoint_scale::cli::{self, Cli};

fn main() -> ExitCode {
    // Usage errors exit 1 like every other error: 2 means "changes" (`--detailed-exitcode`).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { cli::exit::ERROR } else { cli::exit::OK });
        }
    };
    let palette = cli.color.stderr();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{} cannot start the async runtime: {err}", palette.red("error:"));
            return ExitCode::from(cli::exit::ERROR);
        }
    };
    match runtime.block_on(cli::run(cli)) {
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
