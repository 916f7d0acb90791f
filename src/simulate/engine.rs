//! The minute-by-minute model of one production variant: traffic in, instances, capacity,
//! overload, CPU credits and cost out. Every assumption is a field of [`Params`] with the default
//! docs/simulation.md gives, with the AWS documentation each rule imitates.
//!
//! The loop is written for speed (`recommend` runs it thousands of times a second): counters
//! instead of metric windows, pre-computed schedule events, no allocation per minute unless a
//! [`Series`] is asked for.
//!
//! It never panics and never allocates without bound, whatever the input: counts and minutes use
//! saturating arithmetic, and instance counts are clamped to [`MAX_INSTANCES`] (the callers reject
//! larger ones with a message first, see `simulate::limits`), because the launch queue and the
//! credit balances hold one entry per instance.

use std::collections::VecDeque;

use serde::Serialize;

use super::limits::MAX_INSTANCES;

/// The model's assumptions, each a parameter.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Params {
    /// Minutes from a scale-out decision until the new instance serves (it is billed meanwhile).
    pub launch_delay_minutes: u32,
    /// Consecutive minutes with the metric above the target before a scale-out (AWS: 3 of 3).
    pub scale_out_datapoints: u32,
    /// Consecutive minutes below `scale_in_ratio` x target before a scale-in (AWS: 15 of 15).
    pub scale_in_datapoints: u32,
    /// Scale in only when the metric is below this share of the target (AWS: "usually more than
    /// 10% lower").
    pub scale_in_ratio: f64,
    /// Whether a burstable instance with no credits left is held at its baseline (standard) or
    /// keeps full speed and runs a credit deficit (unlimited). SageMaker does not document which.
    pub credit_mode: CreditMode,
    /// Consecutive 10-second datapoints above the target before a high-resolution
    /// (concurrency) policy scales out. AWS does not document this alarm; 3 (30 s) is our
    /// assumption (docs/simulation.md). Scale-in uses the one-minute rule above, since the
    /// developer guide says such a policy "scales in at the same speed".
    pub hires_scale_out_periods: u32,
    /// Mean seconds one request takes, turning traffic into concurrency by Little's law
    /// (concurrency = requests per second x seconds per request). Needed only for a variant
    /// scaling on concurrency; no default, since it depends on the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_seconds: Option<f64>,
    /// The stages `launch_delay_minutes` is the sum of, when given as stages.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub launch_stages: Option<LaunchStages>,
}

/// A launch delay in its stages, after the alarm has decided (detection is the alarm's part of
/// the delay, modelled by the datapoint counts). AWS documents timeouts for two of them, not
/// durations (docs/simulation.md): every default is our assumption.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LaunchStages {
    /// An ML instance obtained and booted (not documented by AWS).
    pub provision_minutes: u32,
    /// The inference image pulled from ECR (not documented by AWS).
    pub image_pull_minutes: u32,
    /// The model downloaded from S3 and the container passing its health check (bounded by
    /// `ModelDataDownloadTimeoutInSeconds` and `ContainerStartupHealthCheckTimeoutInSeconds`).
    pub model_load_minutes: u32,
}

impl LaunchStages {
    /// Our assumption, adding up to the default launch delay of 5 minutes.
    pub const DEFAULT: LaunchStages =
        LaunchStages { provision_minutes: 2, image_pull_minutes: 1, model_load_minutes: 2 };

    pub fn total(&self) -> u32 {
        self.provision_minutes.saturating_add(self.image_pull_minutes).saturating_add(self.model_load_minutes)
    }
}

/// 10-second periods in a simulated minute: the resolution of the high-resolution metrics.
pub const PERIODS_PER_MINUTE: u32 = 6;

impl Default for Params {
    fn default() -> Self {
        Params {
            launch_delay_minutes: 5,
            scale_out_datapoints: 3,
            scale_in_datapoints: 15,
            scale_in_ratio: 0.9,
            credit_mode: CreditMode::Standard,
            hires_scale_out_periods: 3,
            request_seconds: None,
            launch_stages: None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum CreditMode {
    Standard,
    Unlimited,
}

/// EC2 T2 credit figures of a burstable type (EC2 user guide, "Key concepts and definitions for
/// burstable performance instances"; the table is in docs/simulation.md).
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct Burstable {
    pub vcpus: f64,
    pub credits_per_hour: f64,
    pub max_balance: f64,
    /// Baseline utilisation per vCPU, as a fraction (0.2 for 20%).
    pub baseline: f64,
    pub launch_credits: f64,
}

/// The T2 figures of an ml.t2 hosting type; `None` for other types.
pub fn burstable(instance_type: &str) -> Option<Burstable> {
    let b = |vcpus: f64, credits_per_hour: f64, max_balance: f64, baseline: f64, launch_credits: f64| Burstable {
        vcpus,
        credits_per_hour,
        max_balance,
        baseline,
        launch_credits,
    };
    match instance_type {
        "ml.t2.medium" => Some(b(2.0, 24.0, 576.0, 0.20, 60.0)),
        "ml.t2.large" => Some(b(2.0, 36.0, 864.0, 0.30, 60.0)),
        "ml.t2.xlarge" => Some(b(4.0, 54.0, 1296.0, 0.225, 120.0)),
        "ml.t2.2xlarge" => Some(b(8.0, 81.6, 1958.4, 0.17, 240.0)),
        _ => None,
    }
}

/// A scheduled action firing at a minute of the simulation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ScheduledEvent {
    pub minute: u32,
    pub min: Option<u32>,
    pub max: Option<u32>,
}

/// Target tracking and schedules of one variant, in simulation units.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Scaling {
    pub min: u32,
    pub max: u32,
    /// Invocations per instance per minute. For a concurrency policy, the concurrency target
    /// turned into the invocations per instance per minute that make it (Little's law).
    pub target: f64,
    /// Scales on a high-resolution metric (concurrent requests per model, one datapoint every
    /// 10 s): the scale-out alarm counts 10-second periods, see [`Params::hires_scale_out_periods`].
    pub high_resolution: bool,
    pub scale_in_cooldown_minutes: u32,
    pub scale_out_cooldown_minutes: u32,
    pub disable_scale_in: bool,
    /// Sorted by minute; same-minute events in spec order.
    pub events: Vec<ScheduledEvent>,
}

/// One variant as the simulator sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Variant {
    /// Invocations one instance serves in a minute at most (load-tested max RPS x 60).
    pub capacity_per_instance: f64,
    pub price_per_hour: f64,
    pub burstable: Option<Burstable>,
    pub initial_count: u32,
    pub scaling: Option<Scaling>,
}

/// The figures of one run.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Summary {
    pub minutes: u32,
    /// Seconds in one period of the traffic simulated: 60, or 10 for 10-second traffic (whose
    /// overload is counted per 10-second period).
    pub resolution_seconds: u32,
    pub invocations: f64,
    pub cost: f64,
    pub instance_hours: f64,
    /// Billed instances (in service + launching).
    pub peak_instances: u32,
    pub mean_instances: f64,
    /// Requests beyond capacity: per minute, or per 10-second period for 10-second traffic.
    pub overload_invocations: f64,
    /// Minutes with requests beyond capacity (in any of their periods).
    pub overload_minutes: u32,
    /// Lowest CPU credit balance of any instance (burstable types only).
    pub lowest_credit_balance: Option<f64>,
    /// Minutes in which some instance was held at its baseline for lack of credits.
    pub minutes_at_baseline: u32,
    pub scale_outs: u32,
    pub scale_ins: u32,
    /// The most scale-outs, and the most scale-ins, in one day (24-hour windows from the start;
    /// the two may come from different days).
    pub worst_day_scale_outs: u32,
    pub worst_day_scale_ins: u32,
    /// Scheduled actions that fired (whether or not they moved the count).
    pub scheduled_actions: u32,
}

/// Per-minute values, for `--output json` and the chart.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Series {
    pub invocations: Vec<f64>,
    /// Invocations the in-service instances could serve that minute.
    pub capacity: Vec<f64>,
    pub overload: Vec<f64>,
    pub in_service: Vec<u32>,
    /// In service + launching.
    pub billed: Vec<u32>,
    pub min: Vec<u32>,
    pub max: Vec<u32>,
    /// Lowest credit balance among instances (burstable types only).
    pub credit_balance: Option<Vec<f64>>,
}

/// Where a run may stop early: `recommend` abandons a candidate once it has turned away more
/// than the overload budget or billed more than the candidates it would have to beat.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limits {
    pub max_overload: f64,
    pub max_instance_minutes: u64,
}

/// Scale-outs and scale-ins of the current day and the worst day so far. Touched only when the
/// count moves (a few times a day), so the loop's common path is unchanged.
#[derive(Default)]
struct Days {
    day: u32,
    outs: u32,
    ins: u32,
    worst_outs: u32,
    worst_ins: u32,
}

impl Days {
    fn record(&mut self, t: u32, out: bool) {
        let day = t / 1440;
        if day != self.day {
            self.day = day;
            self.outs = 0;
            self.ins = 0;
        }
        if out {
            self.outs = self.outs.saturating_add(1);
            self.worst_outs = self.worst_outs.max(self.outs);
        } else {
            self.ins = self.ins.saturating_add(1);
            self.worst_ins = self.worst_ins.max(self.ins);
        }
    }
}

struct State {
    desired: u32,
    serving: u32,
    /// Credit balance of each in-service instance (burstable types only).
    credits: Vec<f64>,
    /// (minute it starts serving, credit balance) of each launching instance, oldest first.
    launching: VecDeque<(u32, f64)>,
}

impl State {
    fn billed(&self) -> u32 {
        self.serving + self.launching.len() as u32
    }

    /// Removes instances at once: launching ones first (they serve nobody), newest first. Which
    /// instance AWS removes is not documented; newest-first is our assumption.
    fn remove(&mut self, count: u32) {
        for _ in 0..count {
            if self.launching.pop_back().is_none() && self.serving > 0 {
                self.serving -= 1;
                self.credits.pop();
            }
        }
    }

    fn set_desired(&mut self, desired: u32, t: u32, params: &Params, credits: f64) {
        if desired > self.desired {
            // Saturating: a launch delay past the end of the traffic means never serving.
            let ready = t.saturating_add(1).saturating_add(params.launch_delay_minutes);
            for _ in 0..desired - self.desired {
                self.launching.push_back((ready, credits));
            }
        } else {
            self.remove(self.desired - desired);
        }
        self.desired = desired;
    }
}

/// Simulates one variant over `invocations` (its traffic per minute).
pub fn run(invocations: &[f64], variant: &Variant, params: &Params, series: Option<&mut Series>) -> Summary {
    let summary = match (variant.burstable.is_some(), series.is_some()) {
        (true, true) => run_inner::<true, true, false>(invocations, &[], variant, params, series, None),
        (true, false) => run_inner::<true, false, false>(invocations, &[], variant, params, None, None),
        (false, true) => run_inner::<false, true, false>(invocations, &[], variant, params, series, None),
        (false, false) => run_inner::<false, false, false>(invocations, &[], variant, params, None, None),
    };
    summary.expect("a run without limits always finishes")
}

/// Simulates one variant over 10-second traffic: `periods` holds the invocations of each
/// 10-second period ([`PERIODS_PER_MINUTE`] a minute) and `invocations` their per-minute sums.
/// Overload is counted per period (capacity / 6 each), and a high-resolution policy's scale-out
/// alarm counts the periods above the target; the rest works on minutes as [`run`] does. Minutes
/// beyond the periods given are not simulated.
pub fn run_periods(
    invocations: &[f64],
    periods: &[f64],
    variant: &Variant,
    params: &Params,
    series: Option<&mut Series>,
) -> Summary {
    let minutes = invocations.len().min(periods.len() / PERIODS_PER_MINUTE as usize);
    let (invocations, periods) = (&invocations[..minutes], &periods[..minutes * PERIODS_PER_MINUTE as usize]);
    let summary = match (variant.burstable.is_some(), series.is_some()) {
        (true, true) => run_inner::<true, true, true>(invocations, periods, variant, params, series, None),
        (true, false) => run_inner::<true, false, true>(invocations, periods, variant, params, None, None),
        (false, true) => run_inner::<false, true, true>(invocations, periods, variant, params, series, None),
        (false, false) => run_inner::<false, false, true>(invocations, periods, variant, params, None, None),
    };
    summary.expect("a run without limits always finishes")
}

/// Like [`run`], but gives up (`None`) as soon as `limits` are exceeded.
pub fn run_within(invocations: &[f64], variant: &Variant, params: &Params, limits: Limits) -> Option<Summary> {
    if variant.burstable.is_some() {
        run_inner::<true, false, false>(invocations, &[], variant, params, None, Some(limits))
    } else {
        run_inner::<false, false, false>(invocations, &[], variant, params, None, Some(limits))
    }
}

/// Like [`run_periods`], but gives up (`None`) as soon as `limits` are exceeded: `recommend`
/// on 10-second traffic, counting overload per period as `simulate` does.
pub fn run_periods_within(
    invocations: &[f64],
    periods: &[f64],
    variant: &Variant,
    params: &Params,
    limits: Limits,
) -> Option<Summary> {
    let minutes = invocations.len().min(periods.len() / PERIODS_PER_MINUTE as usize);
    let (invocations, periods) = (&invocations[..minutes], &periods[..minutes * PERIODS_PER_MINUTE as usize]);
    if variant.burstable.is_some() {
        run_inner::<true, false, true>(invocations, periods, variant, params, None, Some(limits))
    } else {
        run_inner::<false, false, true>(invocations, periods, variant, params, None, Some(limits))
    }
}

// The hot loop of `recommend`: no division and no allocation per minute, the credit model
// compiled out for non-burstable types (BURST = false) and the series for runs without one, and
// the 10-second periods for per-minute traffic (TEN = false: the loop is the per-minute one).
fn run_inner<const BURST: bool, const SERIES: bool, const TEN: bool>(
    invocations: &[f64],
    periods: &[f64],
    variant: &Variant,
    params: &Params,
    mut series: Option<&mut Series>,
    limits: Option<Limits>,
) -> Option<Summary> {
    // Minutes are counted in u32 (4 billion minutes, far beyond any accepted trace).
    let invocations = &invocations[..invocations.len().min(u32::MAX as usize)];
    let launch_credits = variant.burstable.map_or(0.0, |b| b.launch_credits);
    // Bounds as the engine uses them: at most MAX_INSTANCES, and max never below min.
    let bounds = |s: &Scaling| {
        let min = s.min.min(MAX_INSTANCES);
        (min, s.max.clamp(min, MAX_INSTANCES))
    };
    let initial_count = variant.initial_count.min(MAX_INSTANCES);
    let initial = variant.scaling.as_ref().map_or(initial_count, |s| {
        let (min, max) = bounds(s);
        initial_count.clamp(min, max)
    });
    let mut st = State {
        desired: initial,
        serving: initial,
        credits: if BURST { vec![launch_credits; initial as usize] } else { Vec::new() },
        launching: VecDeque::new(),
    };
    let (mut min, mut max) = variant.scaling.as_ref().map_or((initial, initial), bounds);
    let no_events: &[ScheduledEvent] = &[];
    let events = variant.scaling.as_ref().map_or(no_events, |s| s.events.as_slice());
    let mut next_event = 0usize;
    let mut next_event_minute = events.first().map_or(u32::MAX, |e| e.minute);
    let (target, scale_in_level) =
        variant.scaling.as_ref().map_or((f64::INFINITY, 0.0), |s| (s.target, s.target * params.scale_in_ratio));
    // The scale-out alarm counts minutes, or 10-second periods for a high-resolution metric: with
    // 10-second traffic (TEN) each period above the target is a datapoint above it; with
    // per-minute traffic a minute is taken as uniform over its six periods, so a minute above
    // the target adds six datapoints above it.
    let high_resolution = variant.scaling.as_ref().is_some_and(|s| s.high_resolution);
    let (above_step, out_datapoints) = if high_resolution {
        (PERIODS_PER_MINUTE, params.hires_scale_out_periods)
    } else {
        (1, params.scale_out_datapoints)
    };
    let mut above = 0u32;
    let mut below = 0u32;
    let mut scale_in_until: Option<u32> = None;
    let mut days = Days::default();
    let mut summary = Summary {
        minutes: invocations.len() as u32,
        resolution_seconds: if TEN { 10 } else { 60 },
        ..Summary::default()
    };
    let mut instance_minutes: u64 = 0;
    let mut lowest = f64::INFINITY;
    // Kept in locals (registers) rather than in `summary` inside the loop.
    let mut overload_total = 0.0f64;
    let mut overload_minutes = 0u32;
    let mut peak = 0u32;
    // Recomputed only when the in-service count changes: the metric thresholds as invocations.
    let mut cached_serving = u32::MAX;
    let (mut n, mut full_capacity, mut out_level, mut in_level) = (1.0f64, 0.0f64, 0.0f64, 0.0f64);
    // With 10-second traffic: the scale-out level of one period (TEN only).
    let mut period_out_level = 0.0f64;
    let cap = variant.capacity_per_instance;
    let (max_overload, max_instance_minutes) =
        limits.map_or((f64::INFINITY, u64::MAX), |l| (l.max_overload, l.max_instance_minutes));

    if let Some(s) = series.as_deref_mut() {
        let n = invocations.len();
        *s = Series {
            invocations: Vec::with_capacity(n),
            capacity: Vec::with_capacity(n),
            overload: Vec::with_capacity(n),
            in_service: Vec::with_capacity(n),
            billed: Vec::with_capacity(n),
            min: Vec::with_capacity(n),
            max: Vec::with_capacity(n),
            credit_balance: BURST.then(|| Vec::with_capacity(n)),
        };
    }

    for (t, &inv) in invocations.iter().enumerate() {
        let t = t as u32;
        // 1. Scheduled actions replace min/max and move the count into the new bounds at once,
        //    ignoring cooldowns.
        while next_event_minute <= t {
            let ev = events[next_event];
            next_event += 1;
            next_event_minute = events.get(next_event).map_or(u32::MAX, |e| e.minute);
            summary.scheduled_actions = summary.scheduled_actions.saturating_add(1);
            min = ev.min.map_or(min, |m| m.min(MAX_INSTANCES));
            max = ev.max.map_or(max, |m| m.min(MAX_INSTANCES));
            let bounded = st.desired.max(min).min(max.max(min));
            if bounded != st.desired {
                st.set_desired(bounded, t, params, launch_credits);
            }
        }
        // 2. Launched instances that are ready start serving.
        while st.launching.front().is_some_and(|(ready, _)| *ready <= t) {
            let (_, credits) = st.launching.pop_front().expect("checked");
            st.serving += 1;
            if BURST {
                st.credits.push(credits);
            }
        }
        // 3. Serve: load spread evenly over in-service instances.
        let billed = st.billed();
        instance_minutes += u64::from(billed);
        peak = peak.max(billed);
        if st.serving != cached_serving {
            cached_serving = st.serving;
            n = f64::from(st.serving.max(1));
            full_capacity = cap * f64::from(st.serving);
            out_level = target * n;
            in_level = scale_in_level * n;
            if TEN {
                period_out_level = out_level / f64::from(PERIODS_PER_MINUTE);
            }
        }
        let mut capacity = full_capacity;
        if BURST {
            let b = variant.burstable.expect("BURST runs have T2 figures");
            // 1 credit = one vCPU at 100% for a minute; capacity is proportional to CPU.
            let wanted = (inv / n / cap).min(1.0);
            let earn = b.credits_per_hour / 60.0;
            let mut throttled = false;
            capacity = 0.0;
            for balance in &mut st.credits {
                let affordable = (*balance + earn) / b.vcpus;
                let used = match params.credit_mode {
                    CreditMode::Unlimited => wanted,
                    CreditMode::Standard if affordable >= wanted => wanted,
                    CreditMode::Standard => {
                        throttled = true;
                        affordable.max(b.baseline).min(wanted)
                    }
                };
                *balance = (*balance + earn - b.vcpus * used).min(b.max_balance);
                if params.credit_mode == CreditMode::Standard {
                    *balance = balance.max(0.0);
                }
                lowest = lowest.min(*balance);
                capacity += if used < wanted { used * cap } else { cap };
            }
            for (_, balance) in &st.launching {
                lowest = lowest.min(*balance);
            }
            if throttled {
                summary.minutes_at_baseline = summary.minutes_at_baseline.saturating_add(1);
            }
        }
        // With 10-second traffic: this minute's periods, the most invocations in one of them,
        // and the requests over capacity counted period by period (a sixth of the minute's).
        let mut minute_overload = 0.0f64;
        let mut busiest_period = 0.0f64;
        let these: &[f64] = if TEN {
            let first = t as usize * PERIODS_PER_MINUTE as usize;
            let these = &periods[first..first + PERIODS_PER_MINUTE as usize];
            let period_capacity = capacity / f64::from(PERIODS_PER_MINUTE);
            for &p in these {
                minute_overload += (p - period_capacity).max(0.0);
                busiest_period = busiest_period.max(p);
            }
            these
        } else {
            &[]
        };
        if TEN {
            if minute_overload > 0.0 {
                overload_total += minute_overload;
                overload_minutes = overload_minutes.saturating_add(1);
            }
        } else if inv > capacity {
            overload_total += inv - capacity;
            overload_minutes = overload_minutes.saturating_add(1);
        }
        if let Some(s) = series.as_deref_mut().filter(|_| SERIES) {
            s.invocations.push(inv);
            s.capacity.push(capacity);
            s.overload.push(if TEN { minute_overload } else { (inv - capacity).max(0.0) });
            s.in_service.push(st.serving);
            s.billed.push(billed);
            s.min.push(min);
            s.max.push(max);
            if let Some(c) = &mut s.credit_balance {
                c.push(st.credits.iter().copied().fold(f64::INFINITY, f64::min));
            }
        }
        if overload_total > max_overload || instance_minutes > max_instance_minutes {
            return None;
        }

        // 4. Target tracking on invocations per in-service instance (m > target is compared as
        //    invocations > target x instances, to keep divisions out of the loop).
        let Some(scaling) = &variant.scaling else { continue };
        // Branch-free: traffic hovering around the target would mispredict a branch here.
        let mut alarm = false;
        if TEN && high_resolution {
            // Each 10-second datapoint in turn; the alarm goes off if the run of periods above
            // the target reaches the count at any of them (the decision is taken this minute).
            for &p in these {
                above = above.saturating_add(1) * u32::from(p > period_out_level);
                alarm |= above >= out_datapoints;
            }
        } else {
            above = above.saturating_add(above_step) * u32::from(inv > out_level);
            alarm = above >= out_datapoints;
        }
        below = below.saturating_add(1) * u32::from(inv < in_level);
        // Only when a move is possible: at max nothing scales out, at min nothing scales in.
        let out = alarm && st.desired < max;
        let scale_in = below >= params.scale_in_datapoints
            && st.desired > min
            && !scaling.disable_scale_in
            && scale_in_until.is_none_or(|until| t >= until);
        if !out && !scale_in {
            continue;
        }
        let proposed = ceil_u32(inv / target).clamp(min, max.max(min));
        // A high-resolution policy on 10-second traffic scales out for the busiest period of
        // the minute, at the rate of a minute (x 6), as its metric reports it.
        let proposed_out = if TEN && high_resolution {
            ceil_u32(busiest_period * f64::from(PERIODS_PER_MINUTE) / target).clamp(min, max.max(min)).max(proposed)
        } else {
            proposed
        };
        if out && proposed_out > st.desired {
            // AWS: during the scale-out cooldown the capacity just added counts towards the next
            // scale-out, so only a larger count is applied; outside it the rule is the same.
            // The scale-out cooldown therefore never blocks a larger scale-out here, and a
            // scale-out ends a running scale-in cooldown.
            st.set_desired(proposed_out, t, params, launch_credits);
            summary.scale_outs = summary.scale_outs.saturating_add(1);
            days.record(t, true);
            scale_in_until = None;
        } else if scale_in && proposed < st.desired {
            st.set_desired(proposed, t, params, launch_credits);
            summary.scale_ins = summary.scale_ins.saturating_add(1);
            days.record(t, false);
            scale_in_until = Some(t.saturating_add(scaling.scale_in_cooldown_minutes));
        }
    }
    summary.invocations = sum(invocations);
    summary.overload_invocations = overload_total;
    summary.overload_minutes = overload_minutes;
    summary.peak_instances = peak;
    summary.worst_day_scale_outs = days.worst_outs;
    summary.worst_day_scale_ins = days.worst_ins;
    summary.instance_hours = instance_minutes as f64 / 60.0;
    summary.cost = summary.instance_hours * variant.price_per_hour;
    summary.mean_instances =
        if invocations.is_empty() { 0.0 } else { instance_minutes as f64 / invocations.len() as f64 };
    summary.lowest_credit_balance = BURST.then_some(lowest);
    Some(summary)
}

/// `ceil` without a libm call (not inlined on baseline x86-64), for non-negative values;
/// saturating at `u32::MAX` (the `as` cast saturates too, and NaN gives 0).
fn ceil_u32(x: f64) -> u32 {
    let whole = x as u32;
    whole.saturating_add(u32::from(f64::from(whole) < x))
}

/// Sum in four lanes: a separate pass that keeps the add's dependency chain out of the main loop
/// and lets the compiler vectorise (the order of additions is fixed, so results are repeatable).
fn sum(values: &[f64]) -> f64 {
    let mut lanes = [0.0f64; 4];
    let chunks = values.chunks_exact(4);
    let rest: f64 = chunks.remainder().iter().sum();
    for c in chunks {
        lanes[0] += c[0];
        lanes[1] += c[1];
        lanes[2] += c[2];
        lanes[3] += c[3];
    }
    (lanes[0] + lanes[1]) + (lanes[2] + lanes[3]) + rest
}

#[cfg(test)]
mod tests;
