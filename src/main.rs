//! The binary's edge: parse arguments, run the command, print the error chain once and map the
//! result to an exit code. This is the only place that decides exit codes (README.md lists them).

use std::process::ExitCode;

use clap::Parser;
use endpoint_scale::cli::Cli;
use endpoint_scale::commands::{self, CliError, Outcome};

/// Success; with `--detailed-exitcode`, no changes.
const OK: u8 = 0;
/// Any error: invalid spec, AWS error, failed or interrupted apply, usage error.
const ERROR: u8 = 1;
/// `plan --detailed-exitcode` found changes; `diff` found drift.
const CHANGES: u8 = 2;
/// A second interrupt stopped the command at once (128 + SIGINT, as shells report it).
const ABORTED: u8 = 130;

fn main() -> ExitCode {
    // Usage errors exit 1 like every other error: 2 means "changes" (`--detailed-exitcode`).
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(err) => {
            let _ = err.print();
            return ExitCode::from(if err.use_stderr() { ERROR } else { OK });
        }
    };
    if cli.debug {
        endpoint_scale::output::debug_log();
    }
    let palette = cli.color.stderr();
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("{} cannot start the async runtime: {err}", palette.red("error:"));
            return ExitCode::from(ERROR);
        }
    };
    let code = match runtime.block_on(commands::run(cli)) {
        Ok(Outcome::Done) => OK,
        Ok(Outcome::Changes) => CHANGES,
        Ok(Outcome::Failed) => ERROR,
        Err(err) => {
            let mut message = format!("{} {err}", palette.red("error:"));
            let mut source = std::error::Error::source(&err);
            while let Some(cause) = source {
                message.push_str(&format!("\n  caused by: {cause}"));
                source = cause.source();
            }
            eprintln!("{message}");
            match err {
                CliError::Aborted => ABORTED,
                _ => ERROR,
            }
        }
    };
    // Dropping the runtime would wait for a blocked stdin read (the confirmation prompt) after a
    // second interrupt; nothing of ours is left running that needs a graceful end.
    runtime.shutdown_background();
    ExitCode::from(code)
}
