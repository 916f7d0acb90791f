//! Views of a plan and of the AWS calls a spec stands for. Every view is a pure function from
//! data to text; none of them prints.
//!
//! - [`calls`]: the ordered AWS API calls that create a spec from nothing, as JSON request
//!   bodies or as an AWS CLI script;
//! - [`human`]: the terraform-style plan for people;
//! - [`json`]: the same plan for machines, with a `format_version`;
//! - [`chart`]: a simulation's traffic, capacity, instances and credits over time, the one view
//!   drawn to a file (SVG or PNG) rather than returned as text;
//! - [`simulation`]: simulation results side by side, and recommend's ranking;
//! - [`rollout`]: an update's rollout (timeline, peak, extra cost, alarms), in both plans;
//! - [`change`]: `recommend SPEC`'s answer as a change to the spec's variant.

pub mod calls;
pub mod change;
pub mod chart;
pub mod drift;
pub mod human;
pub mod json;
pub mod rollout;
pub mod simulation;
