//! Integration tests: they run the real `endpoint-scale` binary and assert its output exactly.
//!
//! Expected outputs live beside what produces them (`examples/invalid/*.expected`,
//! `tests/expected/`). After an intended change of output, regenerate them with
//! `UPDATE_EXPECTED=1 cargo test` and review the diff.

mod emulator;
mod harness;

mod aws_access;
mod ci_examples;
mod cloudwatch;
mod debug;
mod emulator_smoke;
mod failure;
mod iam;
mod install;
mod live;
mod lossless;
mod metrics;
mod results_json;
mod rollout;
mod rollout_alarms;
mod rollout_apply;
mod show;
mod target;

mod drift;
mod layout;
mod plan;
mod prices;
mod recommend;
mod render;
mod robustness;
mod security;
mod simulate;
mod validate;
mod vars;
