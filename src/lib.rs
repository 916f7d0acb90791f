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
//! `main.rs` only starts the runtime and maps errors to exit codes; `cli` parses arguments and
//! dispatches; `output` owns the terminal.

pub mod apply;
pub mod aws;
pub mod cli;
pub mod commands;
pub mod diagnostic;
pub mod import;
pub mod live;
pub mod model;
pub mod output;
pub mod plan;
pub mod progress;
pub mod render;
pub mod resources;
pub mod schedule;
pub mod spec;
pub mod validate;
