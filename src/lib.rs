//! endpoint-scale: provision Amazon SageMaker real-time endpoints and their auto scaling from one
//! declarative YAML spec.
//!
//! The pipeline, one module per stage:
//!
//! ```text
//! spec (YAML, positions) -> validate -> model (typed desired state) -> resources (AWS resources,
//! content-named) -> plan::diff(desired, live) -> render (human | JSON | AWS calls)
//! ```
//!
//! Against AWS: `aws` (the only code that touches the SDK) -> `live` (a LiveState) -> the same
//! `plan::diff` -> `apply` (executes the plan's steps, emits events that `progress` shows and
//! `results` gathers for `--output json`).
//! Offline: `simulate` runs traffic against the model (engine, prices, chart, recommend).
//!
//! `main.rs` only starts the runtime and maps errors to exit codes; `cli` parses arguments and
//! `commands` runs them; `output` owns the terminal.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod diagnostic;
pub mod iam;
pub mod import;
pub mod live;
pub mod model;
pub mod output;
pub mod plan;
pub mod progress;
pub mod render;
pub mod resources;
pub mod results;
pub mod schedule;
pub mod secrets;
pub mod simulate;
pub mod spec;
#[cfg(test)]
mod testing;
pub mod validate;
