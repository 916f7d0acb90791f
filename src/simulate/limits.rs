//! Every bound on the simulator's input, in one place, with the reason for each (docs/simulation.md
//! lists them for users). Input outside them is rejected with a message naming the range, so a
//! mistyped unit or a hostile file gets an error instead of a panic, a hang or an allocation the
//! machine cannot make.
//!
//! None of these is an AWS limit; they are our choice of what a simulation of one endpoint can
//! sensibly be asked. The engine is also safe on its own (saturating arithmetic, instance counts
//! clamped to [`MAX_INSTANCES`]), so a bound here is about clear messages, not about soundness.

use std::ops::RangeInclusive;

/// Minutes in a day.
pub const MINUTES_PER_DAY: usize = 1440;

/// The longest traffic accepted, from a file or the generator: a year, leap day included. A year
/// shows every seasonal pattern a scaling policy reacts to; longer traces only cost time (each
/// `recommend` candidate is a full pass over them).
pub const MAX_DAYS: u32 = 366;

/// [`MAX_DAYS`] in minutes: the most minutes a trace may span, checked as each row is read.
pub const MAX_MINUTES: usize = MAX_DAYS as usize * MINUTES_PER_DAY;

/// The most invocations in one minute of traffic (a data point spread over its period): 10^9 a
/// minute is 16.7 million requests a second, orders of magnitude beyond one endpoint; a value above
/// it is a unit mistake (bytes, or a sum over a whole day counted as a minute).
pub const MAX_INVOCATIONS_PER_MINUTE: f64 = 1e9;

/// The largest traffic file read, in bytes (128 MiB). A year of one-minute CSV rows is about
/// 21 MB; a year of one-minute CloudWatch JSON as the AWS CLI prints it is about 38 MB per
/// result, so three variants' results fit. Reading stops at this size, whatever the file.
pub const MAX_INPUT_BYTES: u64 = 128 * 1024 * 1024;

/// The longest CSV line, in bytes. A row is a timestamp and a number (about 40 bytes); this
/// leaves room for comments and stops a file without line breaks (`/dev/zero`) at once.
pub const MAX_LINE_BYTES: usize = 4096;

/// Timestamps accepted in traffic: the years RFC 3339 can write with four digits. Dates beyond
/// them cannot come from CloudWatch, and keeping away from chrono's last date means the end of a
/// simulation (start + [`MAX_MINUTES`]) is always a valid time.
pub const YEARS: RangeInclusive<i32> = 1970..=9999;

/// `--launch-delay`: minutes from a scale-out decision until the instance serves. SageMaker
/// launches take minutes; a day is far beyond any real launch.
pub const LAUNCH_DELAY_MINUTES: RangeInclusive<u32> = 0..=1440;

/// `--provision-minutes`, `--image-pull-minutes`, `--model-load-minutes`: each up to 8 hours,
/// so their sum stays within [`LAUNCH_DELAY_MINUTES`].
pub const LAUNCH_STAGE_MINUTES: RangeInclusive<u32> = 0..=480;

/// `--request-seconds`: the mean duration of one request, from a millisecond to an hour (the
/// longest a SageMaker real-time invocation may take, with streaming, is far below it).
pub const REQUEST_SECONDS: RangeInclusive<f64> = 0.001..=3600.0;

/// The most concurrent requests an endpoint's mean may show in a minute, from CloudWatch or the
/// CSV's `concurrency` column: as [`MAX_INVOCATIONS_PER_MINUTE`], far beyond one endpoint, so a
/// value above it is a unit mistake or a corrupted answer.
pub const MAX_CONCURRENT_REQUESTS: f64 = 1e9;

/// The fewest requests a request duration is measured from (Little's law over the minutes with
/// a `ConcurrentRequestsPerModel` datapoint): below it, the estimate would rest on a handful of
/// requests and the 10-second samples' rounding, so none is made.
pub const MIN_MEASURED_REQUESTS: f64 = 100.0;

/// `--hires-scale-out-periods`: 10-second datapoints before a high-resolution scale-out, from
/// one to an hour's worth.
pub const HIRES_SCALE_OUT_PERIODS: RangeInclusive<u32> = 1..=360;

/// `--max-rps-per-instance` of `recommend`: from one request every 1000 seconds (a slow
/// generative model) to a million a second (a trivial one).
pub const MAX_RPS_PER_INSTANCE: RangeInclusive<f64> = 0.001..=1_000_000.0;

/// The most instances a variant is simulated with (its `max`, its `initial_instance_count` and
/// every scheduled `min`/`max`). It bounds the engine's per-instance state (launch queue, credit
/// balances); SageMaker's default account quotas are far below it.
pub const MAX_INSTANCES: u32 = 1000;

/// The most configurations `recommend` considers. The search settles most of them by the bounds
/// of their neighbours without a run (a 55-instance peak over five types: about 250,000
/// considered, a few thousand simulated), but each is held in memory and the count grows with
/// the square of the instances the peak needs, so a tiny `--max-rps-per-instance` is refused.
pub const MAX_CANDIDATES: usize = 1_000_000;

/// The generator's settings, with the range of each as the messages name it. Multipliers are
/// bounded so that the busiest minute stays within [`MAX_INVOCATIONS_PER_MINUTE`] (checked on
/// their product, see `Generator::validate`).
pub mod generator {
    use std::ops::RangeInclusive;

    pub const DAYS: RangeInclusive<u32> = 1..=super::MAX_DAYS;
    pub const BASE_RPM: RangeInclusive<f64> = 0.0..=super::MAX_INVOCATIONS_PER_MINUTE;
    /// Peak, month-start and burst multipliers: 100 times the base level is already a traffic
    /// shape no policy follows smoothly.
    pub const MULTIPLIER: RangeInclusive<f64> = 0.0..=100.0;
    /// Local hours; 24 is midnight at the end of the day.
    pub const HOUR: RangeInclusive<u32> = 0..=24;
    pub const RAMP_MINUTES: RangeInclusive<u32> = 0..=1440;
    /// Days of a month.
    pub const MONTH_START_DAYS: RangeInclusive<u32> = 0..=31;
    /// Relative standard deviation: 1 already sends a minute to 0 one time in six.
    pub const NOISE: RangeInclusive<f64> = 0.0..=1.0;
    /// At most one burst starting per minute.
    pub const BURSTS_PER_DAY: RangeInclusive<f64> = 0.0..=1440.0;
    pub const BURST_MINUTES: RangeInclusive<u32> = 0..=1440;
    /// Sub-minute spikes an hour (10-second traffic): at most one a minute.
    pub const SPIKES_PER_HOUR: RangeInclusive<f64> = 0.0..=60.0;
}

/// A number for messages: plain up to 10^15, in exponent form beyond (so `1e308` is not 309
/// digits long).
pub fn number(v: f64) -> String {
    if v.is_finite() && v.abs() < 1e15 {
        format!("{v}")
    } else {
        format!("{v:e}")
    }
}

/// `a to b` for a range of numbers, as the messages name it.
pub fn range<T: std::fmt::Display>(r: &RangeInclusive<T>) -> String {
    format!("{} to {}", r.start(), r.end())
}
