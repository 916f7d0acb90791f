//! `recommend`: searches instance type, min, max, target and scheduled minimums for the cheapest
//! auto scaled configurations whose simulated overload stays within a budget, on all cores.
//!
//! Capacity per instance is load-tested on one reference type (the first in the list); other
//! types are assumed to scale with their vCPU count. That is an assumption, said in the output:
//! load-test the winner before relying on it.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;

use chrono::{DateTime, Utc};
use rayon::prelude::*;
use serde::Serialize;

use super::engine::{self, Params, ScheduledEvent, Summary};
use super::limits;
use super::prices::{PriceError, PriceTable};
use crate::model::{scaling_target, ScheduleModel};
use crate::schedule::Schedule;
use crate::spec::write::Document;
use crate::spec::{AutoScaling, Pos, ScheduledAction, Target, Variant};

/// The search space and the budget.
#[derive(Debug, Clone)]
pub struct Search {
    pub max_rps_per_instance: f64,
    pub instance_types: Vec<String>,
    /// Largest acceptable share of invocations beyond capacity (0.001 for 0.1%).
    pub max_overload: f64,
    pub safety_factors: Vec<f64>,
    /// Time zone of the weekday business hours and the month start.
    pub timezone: chrono_tz::Tz,
    pub timezone_name: String,
}

/// One configuration tried.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    pub instance_type: String,
    pub vcpus: u32,
    pub price_per_hour: f64,
    pub price_verified: bool,
    /// Invocations per minute one instance serves (capacity).
    pub capacity_per_instance: f64,
    pub min: u32,
    pub max: u32,
    pub safety_factor: f64,
    /// Invocations per instance per minute.
    pub target: f64,
    /// Minimum raised for weekday business hours (07:30-18:00), if any.
    pub business_hours_min: Option<u32>,
    /// Minimum raised for the first two days of the month (07:45-18:00), if any.
    pub month_start_min: Option<u32>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Ranked {
    pub candidate: Candidate,
    pub summary: Summary,
    pub overload_share: f64,
}

pub struct Outcome {
    pub evaluated: usize,
    /// Candidates run to the end within the budget (those stopped early for cost are not
    /// counted, so this is a lower bound of all feasible ones).
    pub feasible: usize,
    pub best: Vec<Ranked>,
}

/// The schedule templates the search uses, as the cron expressions the winning spec will carry.
pub const BUSINESS_RAISE: &str = "cron(30 7 ? * MON-FRI *)";
pub const BUSINESS_LOWER: &str = "cron(0 18 ? * MON-FRI *)";
pub const MONTH_RAISE: &str = "cron(45 7 1,2 * ? *)";
pub const MONTH_LOWER: &str = "cron(0 18 1,2 * ? *)";

fn fires(expr: &str, search: &Search, start: DateTime<Utc>, minutes: u32) -> Vec<u32> {
    let model = ScheduleModel {
        name: String::new(),
        schedule: expr.parse::<Schedule>().expect("the templates are valid AWS cron"),
        timezone: Some(search.timezone_name.clone()),
        tz: search.timezone,
        start_time: None,
        end_time: None,
        min: Some(1),
        max: None,
    };
    super::schedule_events(&[model], start, minutes).into_iter().map(|e| e.minute).collect()
}

/// Why no candidate list could be built.
#[derive(Debug, thiserror::Error)]
pub enum CandidateError {
    #[error(transparent)]
    Price(#[from] PriceError),
    #[error(
        "the peak of {peak} invocations a minute needs {need} instances of {instance_type} at {rps} requests per second each, more than the {max} the search tries (it goes up to twice the need, within the simulator's {limit}); check --max-rps-per-instance or list larger instance types",
        max = limits::MAX_INSTANCES / 2,
        limit = limits::MAX_INSTANCES
    )]
    TooManyInstances { peak: String, need: String, instance_type: String, rps: String },
    #[error(
        "the search would evaluate more than {max} configurations; list fewer or larger instance types (fewer instances at the peak), or check --max-rps-per-instance",
        max = limits::MAX_CANDIDATES
    )]
    TooManyCandidates,
}

/// Builds the candidates: every listed type x min x max x safety factor x scheduled minimums,
/// at most [`limits::MAX_CANDIDATES`] (their number grows with the square of the instances the
/// peak needs, each bounded by [`limits::MAX_INSTANCES`]).
pub fn candidates(
    search: &Search,
    prices: &PriceTable,
    peak_per_minute: f64,
) -> Result<Vec<Candidate>, CandidateError> {
    let reference = prices.get(&search.instance_types[0])?.vcpus.max(1);
    let mut out = Vec::new();
    for t in &search.instance_types {
        let price = prices.get(t)?;
        let capacity = search.max_rps_per_instance * 60.0 * f64::from(price.vcpus) / f64::from(reference);
        let rps = search.max_rps_per_instance * f64::from(price.vcpus) / f64::from(reference);
        // Enough instances to serve the peak at full load, and some headroom above it (up to
        // twice as many, so the need itself is bounded by half the instance limit).
        let need_f = (peak_per_minute / capacity).ceil().max(1.0);
        if !(1.0..=f64::from(limits::MAX_INSTANCES / 2)).contains(&need_f) {
            return Err(CandidateError::TooManyInstances {
                peak: limits::number(peak_per_minute.round()),
                need: limits::number(need_f),
                instance_type: t.clone(),
                rps: limits::number(rps),
            });
        }
        let need = need_f as u32;
        let mut maxes = vec![need, need + 1, need * 2];
        maxes.dedup();
        for min in 1..=need.min(3) {
            for &max in maxes.iter().filter(|m| **m >= min) {
                for &sf in &search.safety_factors {
                    let raised: Vec<Option<u32>> =
                        std::iter::once(None).chain((min + 1..=max.min(need + 1)).map(Some)).collect();
                    for &business in &raised {
                        // The month-start action fires after the weekday one; a month-start
                        // minimum below the weekday one would lower capacity on busy days.
                        for &month in raised.iter().filter(|m| business.is_none() || **m >= business) {
                            if out.len() == limits::MAX_CANDIDATES {
                                return Err(CandidateError::TooManyCandidates);
                            }
                            out.push(Candidate {
                                instance_type: t.clone(),
                                vcpus: price.vcpus,
                                price_per_hour: price.per_hour,
                                price_verified: price.verified,
                                capacity_per_instance: capacity,
                                min,
                                max,
                                safety_factor: sf,
                                target: scaling_target(rps, sf),
                                business_hours_min: business,
                                month_start_min: month,
                            });
                        }
                    }
                }
            }
        }
    }
    Ok(out)
}

/// The scheduled events of a candidate, from the template fire times.
fn events(c: &Candidate, business: &(Vec<u32>, Vec<u32>), month: &(Vec<u32>, Vec<u32>)) -> Vec<ScheduledEvent> {
    let mut ev = Vec::new();
    if let Some(m) = c.business_hours_min {
        ev.extend(business.0.iter().map(|&minute| (minute, 0, ScheduledEvent { minute, min: Some(m), max: None })));
        ev.extend(business.1.iter().map(|&minute| (minute, 1, ScheduledEvent { minute, min: Some(c.min), max: None })));
    }
    if let Some(m) = c.month_start_min {
        ev.extend(month.0.iter().map(|&minute| (minute, 2, ScheduledEvent { minute, min: Some(m), max: None })));
        ev.extend(month.1.iter().map(|&minute| (minute, 3, ScheduledEvent { minute, min: Some(c.min), max: None })));
    }
    ev.sort_by_key(|(minute, order, _)| (*minute, *order));
    ev.into_iter().map(|(_, _, e)| e).collect()
}

pub fn variant_of(c: &Candidate, events: Vec<ScheduledEvent>) -> engine::Variant {
    engine::Variant {
        capacity_per_instance: c.capacity_per_instance,
        price_per_hour: c.price_per_hour,
        burstable: engine::burstable(&c.instance_type),
        initial_count: c.min,
        scaling: Some(engine::Scaling {
            min: c.min,
            max: c.max,
            target: c.target,
            scale_in_cooldown_minutes: 5,
            scale_out_cooldown_minutes: 5,
            disable_scale_in: false,
            events,
        }),
    }
}

/// The cost a candidate has to beat to enter the top list, shared by the worker threads.
struct Bound {
    top: usize,
    costs: Mutex<Vec<f64>>,
    /// The current cut-off as f64 bits (infinity until the list is full).
    cut: AtomicU64,
}

impl Bound {
    fn new(top: usize) -> Self {
        Bound { top: top.max(1), costs: Mutex::new(Vec::new()), cut: AtomicU64::new(f64::INFINITY.to_bits()) }
    }

    fn cut(&self) -> f64 {
        f64::from_bits(self.cut.load(Ordering::Relaxed))
    }

    fn offer(&self, cost: f64) {
        let mut costs = self.costs.lock().unwrap_or_else(|e| e.into_inner());
        costs.push(cost);
        costs.sort_by(f64::total_cmp);
        costs.truncate(self.top);
        if costs.len() == self.top {
            self.cut.store(costs[self.top - 1].to_bits(), Ordering::Relaxed);
        }
    }
}

/// Evaluates every candidate on `traffic` (in parallel) and returns the cheapest `top` within
/// the overload budget. A run stops as soon as its overload exceeds the budget or its bill
/// exceeds the `top`-th cheapest feasible candidate found so far (it cannot enter the list);
/// cheap candidates are tried first so the bar drops early.
pub fn search(
    search: &Search,
    candidates: &[Candidate],
    traffic: &[f64],
    start: DateTime<Utc>,
    params: &Params,
    top: usize,
) -> Outcome {
    let minutes = traffic.len() as u32;
    let business = (fires(BUSINESS_RAISE, search, start, minutes), fires(BUSINESS_LOWER, search, start, minutes));
    let month = (fires(MONTH_RAISE, search, start, minutes), fires(MONTH_LOWER, search, start, minutes));
    let total: f64 = traffic.iter().sum();
    let budget = search.max_overload * total;
    let mut order: Vec<&Candidate> = candidates.iter().collect();
    order.sort_by(|a, b| (f64::from(a.min) * a.price_per_hour).total_cmp(&(f64::from(b.min) * b.price_per_hour)));
    let bound = Bound::new(top);
    let feasible = AtomicUsize::new(0);
    let mut ranked: Vec<Ranked> = order
        .par_iter()
        .filter_map(|c| {
            let cut = bound.cut();
            let max_instance_minutes =
                if cut.is_finite() { (cut * 60.0 / c.price_per_hour).floor() as u64 } else { u64::MAX };
            let variant = variant_of(c, events(c, &business, &month));
            // Branch and bound: the bounds in force are a floor on the bill; a candidate whose
            // floor already costs more than the list's cut-off cannot enter it.
            if floor_instance_minutes(&variant, minutes) > max_instance_minutes {
                return None;
            }
            let limits = engine::Limits { max_overload: budget, max_instance_minutes };
            // None: stopped early, over the overload budget or too dear to enter the list.
            let summary = engine::run_within(traffic, &variant, params, limits)?;
            feasible.fetch_add(1, Ordering::Relaxed);
            bound.offer(summary.cost);
            let share = if total > 0.0 { summary.overload_invocations / total } else { 0.0 };
            Some(Ranked { candidate: (*c).clone(), summary, overload_share: share })
        })
        .collect();
    ranked.sort_by(|a, b| {
        a.summary
            .cost
            .total_cmp(&b.summary.cost)
            .then(a.overload_share.total_cmp(&b.overload_share))
            .then(a.candidate.instance_type.cmp(&b.candidate.instance_type))
    });
    ranked.truncate(top);
    Outcome { evaluated: candidates.len(), feasible: feasible.into_inner(), best: ranked }
}

/// Instance-minutes the variant is billed at least: MinCapacity in force, minute by minute.
fn floor_instance_minutes(v: &engine::Variant, minutes: u32) -> u64 {
    let Some(s) = &v.scaling else { return u64::from(v.initial_count) * u64::from(minutes) };
    let (mut min, mut from, mut total) = (s.min, 0u32, 0u64);
    for e in s.events.iter().take_while(|e| e.minute < minutes) {
        total += u64::from(min) * u64::from(e.minute - from);
        from = e.minute;
        min = e.min.unwrap_or(min);
    }
    total + u64::from(min) * u64::from(minutes - from)
}

/// The winner as a spec fragment: a variant to paste under an endpoint's `variants:`.
pub fn fragment(c: &Candidate, max_rps_reference: f64, timezone: &str) -> String {
    let rps = (c.capacity_per_instance / 60.0 * 1000.0).round() / 1000.0;
    let mut header = "Recommended by `endpoint-scale recommend`. Paste under an endpoint's `variants:`.".to_string();
    if (rps - max_rps_reference).abs() > 1e-9 {
        header.push_str(&format!(
            "\nmax_rps_per_instance {rps} is scaled from the load-tested {max_rps_reference} by vCPU count: load-test it."
        ));
    }
    let schedule = |name: &str, expr: &str, min: u32| ScheduledAction {
        name: Pos::new(name.to_string()),
        schedule: Pos::new(expr.to_string()),
        timezone: Some(Pos::new(timezone.to_string())),
        start_time: None,
        end_time: None,
        min: Some(Pos::new(min)),
        max: None,
    };
    let mut schedules = Vec::new();
    if let Some(m) = c.business_hours_min {
        schedules.push(schedule("business-hours-start", BUSINESS_RAISE, m));
        schedules.push(schedule("business-hours-end", BUSINESS_LOWER, c.min));
    }
    if let Some(m) = c.month_start_min {
        schedules.push(schedule("month-start-peak", MONTH_RAISE, m));
        schedules.push(schedule("month-start-end", MONTH_LOWER, c.min));
    }
    // The engine ran the candidate with 5-minute cooldowns (`variant_of`); the fragment says so
    // rather than leaning on the default, so the spec simulates as ranked.
    let cooldown = || Some(Pos::new("5m".to_string()));
    let variant = Variant {
        name: Pos::new("primary".to_string()),
        instance_type: Pos::new(c.instance_type.clone()),
        initial_instance_count: Some(Pos::new(c.min)),
        initial_weight: None,
        volume_size_in_gb: None,
        model_data_download_timeout: None,
        container_startup_health_check_timeout: None,
        model: None,
        max_rps_per_instance: Some(Pos::new(rps)),
        autoscaling: Some(AutoScaling {
            min: Pos::new(c.min),
            max: Pos::new(c.max),
            target: Some(Target { safety_factor: Some(Pos::new(c.safety_factor)), ..Target::default() }),
            scale_in_cooldown: cooldown(),
            scale_out_cooldown: cooldown(),
            disable_scale_in: None,
            schedules,
        }),
    };
    Document::variants(&[variant]).header(&header).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Source;

    fn winner() -> Candidate {
        Candidate {
            instance_type: "ml.c5.xlarge".into(),
            vcpus: 4,
            price_per_hour: 0.238,
            price_verified: true,
            capacity_per_instance: 40.0 * 60.0,
            min: 1,
            max: 4,
            safety_factor: 0.6,
            target: scaling_target(40.0, 0.6),
            business_hours_min: Some(2),
            month_start_min: Some(3),
        }
    }

    /// The fragment pasted under `variants:` of a minimal spec, as the CLI test does.
    fn in_a_spec(fragment: &str) -> String {
        let indented: String = fragment.lines().map(|l| format!("      {l}\n")).collect();
        format!(
            "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {{existing: m}}\n    variants:\n{indented}"
        )
    }

    #[test]
    fn the_fragment_is_a_variant_that_reads_back_to_the_candidate() {
        let text = fragment(&winner(), 20.0, "America/New_York");
        assert_eq!(
            text,
            "# Recommended by `endpoint-scale recommend`. Paste under an endpoint's `variants:`.
# max_rps_per_instance 40 is scaled from the load-tested 20 by vCPU count: load-test it.
- name: primary
  instance_type: ml.c5.xlarge
  initial_instance_count: 1
  max_rps_per_instance: 40
  autoscaling:
    min: 1
    max: 4
    target:
      safety_factor: 0.6
    scale_in_cooldown: 5m
    scale_out_cooldown: 5m
    schedules:
      - name: business-hours-start
        schedule: cron(30 7 ? * MON-FRI *)
        timezone: America/New_York
        min: 2
      - name: business-hours-end
        schedule: cron(0 18 ? * MON-FRI *)
        timezone: America/New_York
        min: 1
      - name: month-start-peak
        schedule: cron(45 7 1,2 * ? *)
        timezone: America/New_York
        min: 3
      - name: month-start-end
        schedule: cron(0 18 1,2 * ? *)
        timezone: America/New_York
        min: 1
"
        );
        let parse = |t: &str| crate::spec::parse(&Source::new("s.yaml", t)).unwrap_or_else(|d| panic!("{d:?}\n{t}"));
        let spec = parse(&in_a_spec(&text));
        // Round trip: the parsed variant written again reads back the same.
        let again = parse(&in_a_spec(&Document::variants(&spec.endpoints[0].variants).to_string()));
        assert_eq!(format!("{:?}", spec.endpoints[0].variants), format!("{:?}", again.endpoints[0].variants));
        // And it means the candidate: same target, bounds and cooldowns as the engine ran.
        let desired = crate::validate::validate(&spec).desired.expect("valid");
        let scaling = desired.endpoints[0].variants[0].scaling.clone().expect("scaled");
        assert_eq!(scaling.target_value, winner().target);
        assert_eq!((scaling.capacity.min(), scaling.capacity.max()), (1, 4));
        assert_eq!((scaling.scale_in_cooldown_secs, scaling.scale_out_cooldown_secs), (300, 300));
        assert_eq!(scaling.schedules.len(), 4);
    }

    #[test]
    fn no_scaling_note_for_the_reference_type() {
        let c = Candidate { business_hours_min: None, month_start_min: None, ..winner() };
        let text = fragment(&c, 40.0, "UTC");
        assert!(text.starts_with(
            "# Recommended by `endpoint-scale recommend`. Paste under an endpoint's `variants:`.\n- name: primary\n"
        ));
        assert!(!text.contains("schedules"));
    }
}
