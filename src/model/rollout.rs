//! A validated rollout (UpdateEndpoint's `DeploymentConfig`) and its timeline.
//!
//! The types carry only values AWS accepts (checked in `validate::rollout`): sizes within their
//! ranges, waits within 0..=3600 s, a maximum execution time within 600..=28800 s, 1 to 10 alarms.
//!
//! [`timeline`] is the pure arithmetic plan renders (with prices) before an update: the phases of
//! the rollout of one variant, how many instances run in each, the peak and the extra
//! instance-seconds a blue/green or rolling update costs. It follows the SageMaker developer
//! guide's description of the strategies ("Deployment guardrails": all at once, canary, linear
//! traffic shifting; rolling deployments). Two parts are our reading, not documented figures:
//! how a percentage becomes instances (rounded up, at least one), and that a final baking period
//! of `bake` follows the last traffic shift of every blue/green strategy (the guide names a
//! "final baking period" without giving its length).

use serde::Serialize;

/// How SageMaker moves an endpoint to a new config.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Strategy {
    /// Blue/green, all traffic shifted in one step (`ALL_AT_ONCE`).
    AllAtOnce,
    /// Blue/green, a canary step then the rest (`CANARY`, `CanarySize`).
    Canary { size: Capacity },
    /// Blue/green, equal steps (`LINEAR`, `LinearStepSize`).
    Linear { step: Capacity },
    /// Rolling (`RollingUpdatePolicy`): batches of new instances replace old ones.
    Rolling { batch: Capacity, rollback_batch: Option<Capacity> },
}

impl Strategy {
    pub fn is_blue_green(&self) -> bool {
        !matches!(self, Strategy::Rolling { .. })
    }

    /// The spec's name of the strategy.
    pub fn name(&self) -> &'static str {
        match self {
            Strategy::AllAtOnce => "all_at_once",
            Strategy::Canary { .. } => "canary",
            Strategy::Linear { .. } => "linear",
            Strategy::Rolling { .. } => "rolling",
        }
    }
}

/// A `CapacitySize`: an instance count (`INSTANCE_COUNT`) or a percentage of the variant's
/// instances (`CAPACITY_PERCENT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Capacity {
    Instances(u32),
    Percent(u32),
}

impl Capacity {
    /// Instances this size stands for in a variant of `total` instances: a percentage rounded up,
    /// at least one, never more than `total` (our assumption: AWS does not document the rounding).
    pub fn instances_of(&self, total: u32) -> u32 {
        let n = match *self {
            Capacity::Instances(n) => n,
            Capacity::Percent(p) => (u64::from(total) * u64::from(p)).div_ceil(100) as u32,
        };
        n.max(1).min(total.max(1))
    }
}

impl std::fmt::Display for Capacity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Capacity::Instances(1) => write!(f, "1 instance"),
            Capacity::Instances(n) => write!(f, "{n} instances"),
            Capacity::Percent(p) => write!(f, "{p}%"),
        }
    }
}

/// The rollout of an endpoint's updates.
#[derive(Debug, Clone, PartialEq)]
pub struct Rollout {
    pub strategy: Strategy,
    /// `WaitIntervalInSeconds`: the baking period after each step, 0..=3600.
    pub bake_seconds: u32,
    /// `TerminationWaitInSeconds` (blue/green only; 0 for rolling), 0..=3600.
    pub termination_wait_seconds: u32,
    /// `MaximumExecutionTimeoutInSeconds`, 600..=28800; AWS's default when `None`.
    pub max_execution_seconds: Option<u32>,
    /// `AutoRollbackConfiguration.Alarms`, 0 to 10 (empty: no automatic rollback).
    pub alarms: Vec<RollbackAlarm>,
}

/// An alarm the rollout watches.
#[derive(Debug, Clone, PartialEq)]
pub enum RollbackAlarm {
    /// An alarm the team owns; endpoint-scale only names it (plan checks that it exists).
    Existing { name: String },
    /// An alarm endpoint-scale creates and owns.
    Owned(OwnedAlarm),
}

impl RollbackAlarm {
    pub fn name(&self) -> &str {
        match self {
            RollbackAlarm::Existing { name } => name,
            RollbackAlarm::Owned(a) => &a.name,
        }
    }
}

/// A CloudWatch alarm on an `AWS/SageMaker` metric of one variant (PutMetricAlarm).
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedAlarm {
    pub name: String,
    /// `MetricName` in the `AWS/SageMaker` namespace, for example `Invocation5XXErrors`.
    pub metric: String,
    pub variant: String,
    /// `Statistic`: `SampleCount`, `Average`, `Sum`, `Minimum` or `Maximum`.
    pub statistic: String,
    pub comparison: Comparison,
    pub threshold: f64,
    /// At least 1.
    pub evaluation_periods: u32,
    /// 10, 20, 30 or a multiple of 60 (PutMetricAlarm `Period`).
    pub period_seconds: u32,
}

/// `ComparisonOperator` of a static-threshold alarm.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Comparison {
    Greater,
    GreaterOrEqual,
    Less,
    LessOrEqual,
}

impl Comparison {
    /// The spec's spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            ">" => Some(Comparison::Greater),
            ">=" => Some(Comparison::GreaterOrEqual),
            "<" => Some(Comparison::Less),
            "<=" => Some(Comparison::LessOrEqual),
            _ => None,
        }
    }

    /// The API's `ComparisonOperator`.
    pub fn operator(self) -> &'static str {
        match self {
            Comparison::Greater => "GreaterThanThreshold",
            Comparison::GreaterOrEqual => "GreaterThanOrEqualToThreshold",
            Comparison::Less => "LessThanThreshold",
            Comparison::LessOrEqual => "LessThanOrEqualToThreshold",
        }
    }
}

/// What happens in one phase of a variant's rollout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "phase", rename_all = "snake_case")]
pub enum Phase {
    /// Blue/green: the whole new (green) fleet is launched beside the old one.
    ProvisionGreen { instances: u32 },
    /// Blue/green: traffic moves to green; `green_instances` of the green fleet now serve
    /// `traffic_percent` of the variant's traffic.
    Shift { step: u32, green_instances: u32, traffic_percent: u32 },
    /// Rolling: one batch of new instances is launched, takes over the traffic of as many old
    /// instances, and those are terminated after the batch's bake.
    Batch { step: u32, instances: u32, new_instances_total: u32, traffic_percent: u32 },
    /// A baking period: the alarms are watched; one in ALARM rolls the update back.
    Bake,
    /// Blue/green: the old fleet is kept, idle, before it is terminated.
    TerminationWait,
}

/// One phase with its length and the instances that run (and are paid for) during it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TimelineStep {
    #[serde(flatten)]
    pub phase: Phase,
    /// Seconds from the start of the update.
    pub start_seconds: u64,
    pub duration_seconds: u64,
    /// Instances of the variant running during the phase, old and new.
    pub running_instances: u32,
    /// Of those, the ones beyond the variant's usual count.
    pub extra_instances: u32,
}

/// The rollout of one variant of `instances` instances.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Timeline {
    pub strategy: &'static str,
    pub instances: u32,
    pub steps: Vec<TimelineStep>,
    /// When the last phase ends.
    pub total_seconds: u64,
    /// The most instances that run at once.
    pub peak_instances: u32,
    /// Instance-seconds beyond the variant's usual count: what the update costs on top.
    pub extra_instance_seconds: u64,
}

impl Timeline {
    /// Seconds the rollout spends waiting (baking and termination wait), as
    /// `MaximumExecutionTimeoutInSeconds` must exceed them.
    pub fn waiting_seconds(&self) -> u64 {
        self.steps
            .iter()
            .filter(|s| matches!(s.phase, Phase::Bake | Phase::TerminationWait))
            .map(|s| s.duration_seconds)
            .sum()
    }

    /// Extra instance-minutes, rounded up: the unit prices per hour divide well into.
    pub fn extra_instance_minutes(&self) -> u64 {
        self.extra_instance_seconds.div_ceil(60)
    }
}

/// The timeline of the rollout of one variant of `instances` instances, when launching
/// instances takes `launch_seconds` (AWS publishes no figure: plan passes its assumption, the
/// sum of its launch stages).
///
/// Blue/green: the green fleet (as many instances as the variant has) is launched, traffic
/// shifts in the strategy's steps with a bake after each, then the old fleet waits
/// `termination_wait` and is terminated; both fleets run throughout, so the peak is twice the
/// count. Rolling: per batch, the batch's new instances are launched, take traffic and bake,
/// then as many old instances are terminated; the peak is the count plus one batch.
pub fn timeline(rollout: &Rollout, instances: u32, launch_seconds: u32) -> Timeline {
    let n = instances.max(1);
    let bake = u64::from(rollout.bake_seconds);
    let provision = u64::from(launch_seconds);
    let mut steps: Vec<TimelineStep> = Vec::new();
    let mut clock = 0u64;
    let mut push = |phase: Phase, duration: u64, running: u32| {
        steps.push(TimelineStep {
            phase,
            start_seconds: clock,
            duration_seconds: duration,
            running_instances: running,
            extra_instances: running.saturating_sub(n),
        });
        clock += duration;
    };
    match rollout.strategy {
        Strategy::Rolling { batch, .. } => {
            let size = batch.instances_of(n);
            let (mut done, mut step) = (0u32, 0u32);
            while done < n {
                step += 1;
                let this = size.min(n - done);
                done += this;
                push(
                    Phase::Batch {
                        step,
                        instances: this,
                        new_instances_total: done,
                        traffic_percent: percent(done, n),
                    },
                    provision,
                    n + this,
                );
                push(Phase::Bake, bake, n + this);
            }
        }
        blue_green => {
            push(Phase::ProvisionGreen { instances: n }, provision, 2 * n);
            let first = match blue_green {
                Strategy::Canary { size } => size.instances_of(n),
                Strategy::Linear { step } => step.instances_of(n),
                _ => n,
            };
            let each = match blue_green {
                Strategy::Linear { .. } => first,
                _ => n,
            };
            let (mut active, mut step) = (0u32, 0u32);
            while active < n {
                step += 1;
                active = if step == 1 { first } else { (active + each).min(n) };
                push(Phase::Shift { step, green_instances: active, traffic_percent: percent(active, n) }, 0, 2 * n);
                push(Phase::Bake, bake, 2 * n);
            }
            push(Phase::TerminationWait, u64::from(rollout.termination_wait_seconds), 2 * n);
        }
    }
    let peak_instances = steps.iter().map(|s| s.running_instances).max().unwrap_or(n);
    let extra_instance_seconds = steps.iter().map(|s| u64::from(s.extra_instances) * s.duration_seconds).sum();
    Timeline {
        strategy: rollout.strategy.name(),
        instances: n,
        steps,
        total_seconds: clock,
        peak_instances,
        extra_instance_seconds,
    }
}

/// `part` of `whole` in whole percent, rounded down except that all of it is 100.
fn percent(part: u32, whole: u32) -> u32 {
    if part >= whole {
        100
    } else {
        (u64::from(part) * 100 / u64::from(whole.max(1))) as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rollout(strategy: Strategy, bake: u32, termination_wait: u32) -> Rollout {
        Rollout {
            strategy,
            bake_seconds: bake,
            termination_wait_seconds: termination_wait,
            max_execution_seconds: None,
            alarms: Vec::new(),
        }
    }

    /// Each step as (phase, start, duration, running) for compact assertions.
    fn rows(t: &Timeline) -> Vec<(Phase, u64, u64, u32)> {
        t.steps.iter().map(|s| (s.phase.clone(), s.start_seconds, s.duration_seconds, s.running_instances)).collect()
    }

    #[test]
    fn canary_of_one_instance_on_four() {
        let t = timeline(&rollout(Strategy::Canary { size: Capacity::Instances(1) }, 600, 300), 4, 300);
        assert_eq!(
            rows(&t),
            [
                (Phase::ProvisionGreen { instances: 4 }, 0, 300, 8),
                (Phase::Shift { step: 1, green_instances: 1, traffic_percent: 25 }, 300, 0, 8),
                (Phase::Bake, 300, 600, 8),
                (Phase::Shift { step: 2, green_instances: 4, traffic_percent: 100 }, 900, 0, 8),
                (Phase::Bake, 900, 600, 8),
                (Phase::TerminationWait, 1500, 300, 8),
            ]
        );
        assert_eq!((t.total_seconds, t.peak_instances), (1800, 8));
        // Four extra instances for the whole 30 minutes.
        assert_eq!((t.extra_instance_seconds, t.extra_instance_minutes()), (4 * 1800, 120));
        assert_eq!(t.waiting_seconds(), 1500);
    }

    #[test]
    fn linear_in_steps_of_a_third_rounds_up() {
        // 34% of 5 instances is 1.7: two instances per step, so three steps (2, 4, 5).
        let t = timeline(&rollout(Strategy::Linear { step: Capacity::Percent(34) }, 300, 0), 5, 120);
        assert_eq!(
            rows(&t),
            [
                (Phase::ProvisionGreen { instances: 5 }, 0, 120, 10),
                (Phase::Shift { step: 1, green_instances: 2, traffic_percent: 40 }, 120, 0, 10),
                (Phase::Bake, 120, 300, 10),
                (Phase::Shift { step: 2, green_instances: 4, traffic_percent: 80 }, 420, 0, 10),
                (Phase::Bake, 420, 300, 10),
                (Phase::Shift { step: 3, green_instances: 5, traffic_percent: 100 }, 720, 0, 10),
                (Phase::Bake, 720, 300, 10),
                (Phase::TerminationWait, 1020, 0, 10),
            ]
        );
        assert_eq!((t.total_seconds, t.peak_instances, t.extra_instance_seconds), (1020, 10, 5 * 1020));
        assert_eq!(t.waiting_seconds(), 900);
    }

    #[test]
    fn rolling_in_batches_of_two_on_five() {
        let rolling = Strategy::Rolling { batch: Capacity::Instances(2), rollback_batch: None };
        let t = timeline(&rollout(rolling, 600, 0), 5, 300);
        assert_eq!(
            rows(&t),
            [
                (Phase::Batch { step: 1, instances: 2, new_instances_total: 2, traffic_percent: 40 }, 0, 300, 7),
                (Phase::Bake, 300, 600, 7),
                (Phase::Batch { step: 2, instances: 2, new_instances_total: 4, traffic_percent: 80 }, 900, 300, 7),
                (Phase::Bake, 1200, 600, 7),
                (Phase::Batch { step: 3, instances: 1, new_instances_total: 5, traffic_percent: 100 }, 1800, 300, 6),
                (Phase::Bake, 2100, 600, 6),
            ]
        );
        assert_eq!((t.total_seconds, t.peak_instances), (2700, 7));
        // 2 extra for 900 s twice, 1 extra for 900 s.
        assert_eq!(t.extra_instance_seconds, 2 * 900 + 2 * 900 + 900);
        assert_eq!(t.waiting_seconds(), 1800);
    }

    #[test]
    fn all_at_once_is_one_shift_and_one_bake() {
        let t = timeline(&rollout(Strategy::AllAtOnce, 60, 0), 2, 0);
        assert_eq!(t.steps.len(), 4);
        assert_eq!((t.total_seconds, t.peak_instances, t.extra_instance_seconds), (60, 4, 120));
    }

    #[test]
    fn percentages_round_up_to_at_least_one_instance() {
        assert_eq!(Capacity::Percent(10).instances_of(3), 1);
        assert_eq!(Capacity::Percent(50).instances_of(3), 2);
        assert_eq!(Capacity::Percent(50).instances_of(4), 2);
        assert_eq!(Capacity::Instances(9).instances_of(4), 4);
        assert_eq!(Capacity::Percent(5).instances_of(u32::MAX), u32::MAX / 20 + 1);
    }
}
