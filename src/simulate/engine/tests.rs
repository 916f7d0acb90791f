//! Every rule of the model on hand-made traces, asserting the instance count minute by minute.

use super::*;

fn scaled(min: u32, max: u32, target: f64) -> Variant {
    Variant {
        capacity_per_instance: 1000.0,
        price_per_hour: 1.0,
        burstable: None,
        initial_count: min,
        scaling: Some(Scaling {
            min,
            max,
            target,
            scale_in_cooldown_minutes: 0,
            scale_out_cooldown_minutes: 0,
            disable_scale_in: false,
            high_resolution: false,
            events: Vec::new(),
        }),
    }
}

fn no_delay() -> Params {
    Params { launch_delay_minutes: 0, ..Params::default() }
}

/// `[(count, minutes), ...]` expanded.
fn runs(parts: &[(u32, usize)]) -> Vec<u32> {
    parts.iter().flat_map(|&(c, n)| std::iter::repeat_n(c, n)).collect()
}

fn traffic(parts: &[(f64, usize)]) -> Vec<f64> {
    parts.iter().flat_map(|&(v, n)| std::iter::repeat_n(v, n)).collect()
}

fn simulate(inv: &[f64], v: &Variant, p: &Params) -> (Summary, Series) {
    let mut s = Series::default();
    let summary = run(inv, v, p, Some(&mut s));
    (summary, s)
}

#[test]
fn scale_out_needs_three_minutes_above_the_target() {
    // Minute 0 is below; minutes 1, 2, 3 above: the decision comes at the end of minute 3, the
    // new instance is billed (and, with no launch delay, serves) from minute 4.
    let inv = traffic(&[(50.0, 1), (150.0, 8)]);
    let (summary, s) = simulate(&inv, &scaled(1, 10, 100.0), &no_delay());
    assert_eq!(s.billed, runs(&[(1, 4), (2, 5)]));
    assert_eq!(summary.scale_outs, 1);
    // Two minutes above, then a dip: the streak restarts.
    let inv = traffic(&[(150.0, 2), (50.0, 1), (150.0, 2), (50.0, 4)]);
    assert_eq!(simulate(&inv, &scaled(1, 10, 100.0), &no_delay()).1.billed, runs(&[(1, 9)]));
}

#[test]
fn launch_delay_bills_before_serving() {
    let inv = traffic(&[(150.0, 12)]);
    let (_, s) = simulate(&inv, &scaled(1, 10, 100.0), &Params::default());
    // Decision at the end of minute 2 (minutes 0-2 above), billed from 3, serving from 3 + 5 = 8.
    assert_eq!(s.billed, runs(&[(1, 3), (2, 9)]));
    assert_eq!(s.in_service, runs(&[(1, 8), (2, 4)]));
}

#[test]
fn scale_in_needs_fifteen_minutes_below_ninety_percent() {
    // 3 instances, 100 invocations, target 100: 33 per instance, below 90 from minute 0; the
    // 15th minute below is minute 14, so minute 15 bills ceil(100/100) = 1.
    let mut v = scaled(1, 10, 100.0);
    v.initial_count = 3;
    let inv = traffic(&[(100.0, 20)]);
    let (summary, s) = simulate(&inv, &v, &no_delay());
    assert_eq!(s.billed, runs(&[(3, 15), (1, 5)]));
    assert_eq!(summary.scale_ins, 1);
    // At 95% of the target per instance nothing happens (not "usually more than 10% lower").
    let mut v = scaled(1, 10, 100.0);
    v.initial_count = 2;
    assert_eq!(simulate(&traffic(&[(190.0, 30)]), &v, &no_delay()).1.billed, runs(&[(2, 30)]));
}

#[test]
fn disable_scale_in_keeps_capacity() {
    let mut v = scaled(1, 10, 100.0);
    v.initial_count = 3;
    if let Some(s) = &mut v.scaling {
        s.disable_scale_in = true;
    }
    assert_eq!(simulate(&traffic(&[(10.0, 30)]), &v, &no_delay()).1.billed, runs(&[(3, 30)]));
}

#[test]
fn scale_in_cooldown_blocks_the_next_scale_in() {
    let mut v = scaled(1, 10, 100.0);
    v.initial_count = 4;
    if let Some(s) = &mut v.scaling {
        s.scale_in_cooldown_minutes = 10;
    }
    // 250/4 = 62.5 < 90: scale in at minute 14 to ceil(250/100) = 3. From minute 20 traffic is
    // 50, so 1 would do, but the cooldown runs to minute 24: scale in then.
    let inv = traffic(&[(250.0, 20), (50.0, 10)]);
    let (summary, s) = simulate(&inv, &v, &no_delay());
    assert_eq!(s.billed, runs(&[(4, 15), (3, 10), (1, 5)]));
    assert_eq!(summary.scale_ins, 2);
}

#[test]
fn a_scale_out_ends_the_scale_in_cooldown() {
    let mut v = scaled(1, 10, 100.0);
    v.initial_count = 3;
    if let Some(s) = &mut v.scaling {
        s.scale_in_cooldown_minutes = 1000;
    }
    // Scale in at 14 (to 1), spike at 15-17 (150 > 100: scale out at 17 to 2), then quiet: the
    // long scale-in cooldown was ended by the scale-out, so 15 quiet minutes (18-32) suffice.
    let inv = traffic(&[(100.0, 15), (150.0, 3), (10.0, 17)]);
    let (summary, s) = simulate(&inv, &v, &no_delay());
    assert_eq!(s.billed, runs(&[(3, 15), (1, 3), (2, 15), (1, 2)]));
    assert_eq!((summary.scale_ins, summary.scale_outs), (2, 1));
}

#[test]
fn during_the_scale_out_cooldown_only_a_larger_count_is_applied() {
    let mut v = scaled(1, 10, 100.0);
    if let Some(s) = &mut v.scaling {
        s.scale_out_cooldown_minutes = 30;
    }
    // 250 for 5 minutes: out to 3 at minute 2. Still 250 (proposal 3 = desired): nothing. Then
    // 450 inside the cooldown: 450/3 = 150 > 100 for 3 minutes, out to 5 at minute 7.
    let inv = traffic(&[(250.0, 5), (450.0, 5)]);
    let (summary, s) = simulate(&inv, &v, &no_delay());
    assert_eq!(s.billed, runs(&[(1, 3), (3, 5), (5, 2)]));
    assert_eq!(summary.scale_outs, 2);
}

#[test]
fn proposals_are_clamped_to_min_and_max() {
    let v = scaled(2, 4, 100.0);
    let inv = traffic(&[(10_000.0, 10)]);
    assert_eq!(simulate(&inv, &v, &no_delay()).1.billed, runs(&[(2, 3), (4, 7)]));
    let mut v = scaled(2, 4, 100.0);
    v.initial_count = 4;
    let inv = traffic(&[(0.0, 20)]);
    assert_eq!(simulate(&inv, &v, &no_delay()).1.billed, runs(&[(4, 15), (2, 5)]));
}

#[test]
fn scheduled_actions_move_the_count_into_the_new_bounds_at_once() {
    let mut v = scaled(1, 10, 100.0);
    if let Some(s) = &mut v.scaling {
        s.scale_in_cooldown_minutes = 1000;
        s.events = vec![
            ScheduledEvent { minute: 5, min: Some(4), max: None },
            ScheduledEvent { minute: 10, min: Some(1), max: Some(2) },
        ];
    }
    // Quiet traffic: the raise at 5 launches 3 (billed from 5: no cooldown, no trigger needed);
    // the lower bound max 2 at 10 removes 2 at once.
    let inv = traffic(&[(10.0, 15)]);
    let (summary, s) = simulate(&inv, &v, &Params::default());
    assert_eq!(s.billed, runs(&[(1, 5), (4, 5), (2, 5)]));
    assert_eq!(s.in_service, runs(&[(1, 11), (2, 4)]));
    assert_eq!(summary.scheduled_actions, 2);
}

#[test]
fn overload_is_what_exceeds_capacity() {
    let mut v = scaled(1, 1, 100.0);
    v.capacity_per_instance = 100.0;
    let (summary, s) = simulate(&traffic(&[(80.0, 2), (130.0, 3)]), &v, &no_delay());
    assert_eq!(s.overload, [0.0, 0.0, 30.0, 30.0, 30.0]);
    assert_eq!((summary.overload_invocations, summary.overload_minutes), (90.0, 3));
}

#[test]
fn credits_run_out_and_recover() {
    // One ml.t2.medium serving up to 100 a minute: at 100 it spends 2 credits a minute and earns
    // 0.4; from 60 launch credits it runs out after 37 full minutes (60 - 37 x 1.6 = 0.8; in
    // minute 37 it can afford 1.2/2 = 60%), then is held at its 20% baseline (20 a minute).
    // At 10 a minute (10% of one instance: 0.2 credits spent, 0.4 earned) it recovers 0.2 a minute.
    let v = Variant {
        capacity_per_instance: 100.0,
        price_per_hour: 0.056,
        burstable: burstable("ml.t2.medium"),
        initial_count: 1,
        scaling: None,
    };
    let inv = traffic(&[(100.0, 45), (10.0, 10)]);
    let (summary, s) = simulate(&inv, &v, &Params::default());
    let capacity: Vec<f64> = s.capacity.iter().map(|c| (c * 1000.0).round() / 1000.0).collect();
    assert_eq!(&capacity[..37], vec![100.0; 37].as_slice());
    assert_eq!(capacity[37], 60.0);
    assert_eq!(&capacity[38..45], vec![20.0; 7].as_slice());
    assert_eq!(&capacity[45..], vec![100.0; 10].as_slice());
    assert_eq!(summary.minutes_at_baseline, 8);
    assert_eq!(summary.lowest_credit_balance, Some(0.0));
    let balance = s.credit_balance.unwrap();
    assert!((balance[54] - 10.0 * 0.2).abs() < 1e-9, "{}", balance[54]);
    // Unlimited mode never throttles; the balance goes negative instead.
    let (summary, _) = simulate(&inv, &v, &Params { credit_mode: CreditMode::Unlimited, ..Params::default() });
    assert_eq!((summary.minutes_at_baseline, summary.overload_minutes), (0, 0));
    assert!(summary.lowest_credit_balance.unwrap() < 0.0);
}

#[test]
fn a_fixed_fleets_cost_is_instances_times_hours_times_price() {
    let v = Variant {
        capacity_per_instance: 100.0,
        price_per_hour: 0.204,
        burstable: None,
        initial_count: 3,
        scaling: None,
    };
    let minutes = 30 * 24 * 60;
    let summary = run(&vec![50.0; minutes], &v, &Params::default(), None);
    let hours = 30.0 * 24.0;
    assert_eq!(summary.cost, 3.0 * hours * 0.204);
    assert_eq!(summary.instance_hours, 3.0 * hours);
    assert_eq!((summary.peak_instances, summary.mean_instances), (3, 3.0));
}

/// Each arithmetic limit of the engine: values at and beyond the edge of their type give a
/// result, never a panic, and instance counts stay within MAX_INSTANCES.
#[test]
fn ceil_saturates_at_the_edge_of_u32() {
    assert_eq!(ceil_u32(0.0), 0);
    assert_eq!(ceil_u32(0.5), 1);
    assert_eq!(ceil_u32(4_294_967_294.5), u32::MAX);
    assert_eq!(ceil_u32(4_294_967_295.0), u32::MAX);
    assert_eq!(ceil_u32(4_294_967_295.5), u32::MAX);
    assert_eq!(ceil_u32(f64::MAX), u32::MAX);
    assert_eq!(ceil_u32(f64::INFINITY), u32::MAX);
    assert_eq!(ceil_u32(f64::NAN), 0);
}

#[test]
fn huge_traffic_scales_to_the_instance_limit() {
    // 6e12 invocations a minute (the CSV) and 1e308 (its CloudWatch JSON): the proposed
    // count saturates, the bounds clamp it to MAX_INSTANCES.
    for inv in [6e12, 1e308, f64::MAX] {
        let v = scaled(1, u32::MAX, 1e-6);
        let (summary, series) = simulate(&traffic(&[(inv, 30)]), &v, &no_delay());
        assert_eq!(summary.peak_instances, MAX_INSTANCES, "{inv}");
        assert!(series.billed.iter().all(|&b| b <= MAX_INSTANCES));
        assert_eq!(summary.scale_outs, 1);
    }
    // Two minutes of f64::MAX overflow the total to infinity: a value, not a panic.
    let summary = run(&[f64::MAX, f64::MAX], &scaled(1, 2, 1.0), &no_delay(), None);
    assert_eq!(summary.invocations, f64::INFINITY);
}

#[test]
fn counts_beyond_the_instance_limit_are_clamped() {
    let v = Variant { initial_count: u32::MAX, scaling: None, ..scaled(1, 1, 1.0) };
    assert_eq!(run(&[1.0; 3], &v, &no_delay(), None).peak_instances, MAX_INSTANCES);
    // min above max, and a scheduled action to u32::MAX.
    let mut v = scaled(5, 2, 1.0);
    if let Some(s) = &mut v.scaling {
        s.events.push(ScheduledEvent { minute: 1, min: Some(u32::MAX), max: Some(u32::MAX) });
    }
    let (summary, series) = simulate(&[1.0; 3], &v, &no_delay());
    assert_eq!(series.billed, [5, MAX_INSTANCES, MAX_INSTANCES]);
    assert_eq!(summary.peak_instances, MAX_INSTANCES);
    // A burstable fleet at the limit holds one balance per instance, no more.
    let t2 = Variant { burstable: burstable("ml.t2.medium"), ..v };
    assert_eq!(run(&[1.0; 3], &t2, &no_delay(), None).peak_instances, MAX_INSTANCES);
}

#[test]
fn a_launch_delay_and_a_cooldown_at_u32_max_never_overflow() {
    let p = Params { launch_delay_minutes: u32::MAX, ..Params::default() };
    let (summary, series) = simulate(&traffic(&[(5000.0, 10)]), &scaled(1, 3, 100.0), &p);
    // The instances launched at minute 2 never serve: billed, not in service.
    assert_eq!(series.in_service, [1; 10]);
    assert_eq!(series.billed[9], 3);
    assert_eq!(summary.scale_outs, 1);
    let mut v = scaled(1, 3, 100.0);
    if let Some(s) = &mut v.scaling {
        s.scale_in_cooldown_minutes = u32::MAX;
    }
    let summary = run(&traffic(&[(5000.0, 10), (0.0, 40)]), &v, &no_delay(), None);
    assert_eq!((summary.scale_outs, summary.scale_ins), (1, 1));
}

#[test]
fn scaling_events_are_counted_per_day() {
    // Day 0: out and in twice; day 1: out once. 16 minutes below clear the 15-of-15 scale-in.
    let flap = [(150.0, 3), (50.0, 16)];
    let mut parts: Vec<(f64, usize)> = [flap, flap].concat();
    parts.push((50.0, 1440 - 2 * 19));
    parts.push((150.0, 3));
    parts.push((150.0, 20));
    let inv = traffic(&parts);
    let (summary, _) = simulate(&inv, &scaled(1, 10, 100.0), &no_delay());
    assert_eq!((summary.scale_outs, summary.scale_ins), (3, 2));
    assert_eq!((summary.worst_day_scale_outs, summary.worst_day_scale_ins), (2, 2));
}

#[test]
fn a_high_resolution_policy_scales_out_within_the_first_minute_above_the_target() {
    // A step from 50 to 150 invocations a minute at minute 1, target 100.
    let inv = traffic(&[(50.0, 1), (150.0, 8)]);
    let hires = |v: Variant| Variant { scaling: v.scaling.map(|s| Scaling { high_resolution: true, ..s }), ..v };
    // One-minute policy: three minutes above (1, 2, 3), decision at the end of minute 3.
    let (_, s) = simulate(&inv, &scaled(1, 10, 100.0), &no_delay());
    assert_eq!(s.billed, runs(&[(1, 4), (2, 5)]));
    // High resolution, 3 datapoints of 10 s: minute 1 holds six datapoints above, so the alarm
    // fires 30 s into minute 1 and the instance is billed from minute 2, two minutes earlier.
    let (summary, s) = simulate(&inv, &hires(scaled(1, 10, 100.0)), &no_delay());
    assert_eq!(s.billed, runs(&[(1, 2), (2, 7)]));
    assert_eq!(summary.scale_outs, 1);
    // 12 datapoints (two minutes): minutes 1 and 2 above, billed from minute 3.
    let p = Params { hires_scale_out_periods: 12, ..no_delay() };
    assert_eq!(simulate(&inv, &hires(scaled(1, 10, 100.0)), &p).1.billed, runs(&[(1, 3), (2, 6)]));
    // 7 datapoints: a minute is six, so the seventh comes in minute 2 too.
    let p = Params { hires_scale_out_periods: 7, ..no_delay() };
    assert_eq!(simulate(&inv, &hires(scaled(1, 10, 100.0)), &p).1.billed, runs(&[(1, 3), (2, 6)]));
    // With the default 5-minute launch delay it serves from minute 2 + 5 = 7, against 9.
    let (_, s) = simulate(&inv, &hires(scaled(1, 10, 100.0)), &Params::default());
    assert_eq!(s.in_service, runs(&[(1, 7), (2, 2)]));
}

#[test]
fn a_high_resolution_policy_scales_in_at_the_one_minute_speed() {
    // 300 a minute on 3 instances, then 50: 15 minutes below 90% of the target either way.
    let inv = traffic(&[(300.0, 1), (50.0, 20)]);
    let mut v = scaled(1, 10, 100.0);
    v.initial_count = 3;
    let (_, minute) = simulate(&inv, &v, &no_delay());
    v.scaling.as_mut().unwrap().high_resolution = true;
    let (_, hires) = simulate(&inv, &v, &no_delay());
    assert_eq!(hires.billed, minute.billed);
    assert_eq!(hires.billed, runs(&[(3, 16), (1, 5)]));
}

/// Ten-second periods: `base` in each, and `burst` in the periods `from..to` (period indices
/// from the start), over `minutes` minutes.
fn periods(minutes: usize, base: f64, burst: f64, bursts: std::ops::Range<usize>) -> Vec<f64> {
    (0..minutes * 6).map(|i| if bursts.contains(&i) { burst } else { base }).collect()
}

fn minute_sums(periods: &[f64]) -> Vec<f64> {
    periods.chunks_exact(6).map(crate::simulate::traffic::minute_sum).collect()
}

fn simulate_periods(periods: &[f64], v: &Variant, p: &Params) -> (Summary, Series) {
    let mut s = Series::default();
    let summary = run_periods(&minute_sums(periods), periods, v, p, Some(&mut s));
    (summary, s)
}

fn hires(v: Variant) -> Variant {
    Variant { scaling: v.scaling.map(|s| Scaling { high_resolution: true, ..s }), ..v }
}

#[test]
fn with_ten_second_traffic_the_high_resolution_alarm_counts_real_periods() {
    // 10 invocations a period (60 a minute), target 100 a minute: 16.7 a period. Bursts of 30.
    // A 20-second burst (periods 2 and 3 of minute 3): two datapoints above, no scale-out, and
    // the minute's 100 is not above the one-minute target either.
    let twenty = periods(10, 10.0, 30.0, 20..22);
    assert_eq!(minute_sums(&twenty)[3], 100.0);
    let (summary, s) = simulate_periods(&twenty, &hires(scaled(1, 10, 100.0)), &no_delay());
    assert_eq!((summary.scale_outs, s.billed), (0, runs(&[(1, 10)])));
    assert_eq!(summary.resolution_seconds, 10);
    // A 40-second burst (periods 1 to 4 of minute 3): the third period above is the 30th
    // second, so the decision is taken in minute 3 and, with no launch delay, the instance
    // serves from minute 4; for the busiest period (30 x 6 = 180 a minute) 2 instances.
    let forty = periods(10, 10.0, 30.0, 19..23);
    let (summary, s) = simulate_periods(&forty, &hires(scaled(1, 10, 100.0)), &no_delay());
    assert_eq!((summary.scale_outs, s.billed), (1, runs(&[(1, 4), (2, 6)])));
    // The same 40 seconds across a minute boundary (periods 4, 5 of minute 3 and 0, 1 of
    // minute 4): the third datapoint is in minute 4, serving from minute 5.
    let across = periods(10, 10.0, 30.0, 22..26);
    let (_, s) = simulate_periods(&across, &hires(scaled(1, 10, 100.0)), &no_delay());
    assert_eq!(s.billed, runs(&[(1, 5), (2, 5)]));
    // With 5 datapoints assumed, 40 seconds is not enough.
    let p = Params { hires_scale_out_periods: 5, ..no_delay() };
    assert_eq!(simulate_periods(&forty, &hires(scaled(1, 10, 100.0)), &p).0.scale_outs, 0);
    // The one-minute policy sees minute sums: 140 in minute 3 is one minute above, no
    // scale-out, exactly as on the per-minute traffic.
    for trace in [&twenty, &forty, &across] {
        let (summary, s) = simulate_periods(trace, &scaled(1, 10, 100.0), &no_delay());
        let (minute_summary, minute) = simulate(&minute_sums(trace), &scaled(1, 10, 100.0), &no_delay());
        assert_eq!((summary.scale_outs, &s.billed), (0, &minute.billed));
        assert_eq!(Summary { resolution_seconds: 60, ..summary }, minute_summary);
    }
}

#[test]
fn with_ten_second_traffic_overload_is_counted_per_period() {
    // One instance serving 60 a minute (10 a period). Minute 1 brings its 60 in one period:
    // the minute total is within capacity, but 50 of that period's 60 are turned away.
    let mut fixed = scaled(1, 1, 100.0);
    fixed.capacity_per_instance = 60.0;
    let mut trace = periods(3, 10.0, 0.0, 6..11);
    trace[11] = 60.0;
    assert_eq!(minute_sums(&trace), vec![60.0, 60.0, 60.0]);
    let (summary, s) = simulate_periods(&trace, &fixed, &no_delay());
    assert_eq!((summary.overload_invocations, summary.overload_minutes), (50.0, 1));
    assert_eq!(s.overload, vec![0.0, 50.0, 0.0]);
    assert_eq!(simulate(&minute_sums(&trace), &fixed, &no_delay()).0.overload_invocations, 0.0);
}

#[test]
fn uniform_ten_second_traffic_gives_the_per_minute_result() {
    // Six equal periods a minute are what the per-minute model assumes: the same run.
    let inv = traffic(&[(60.0, 1), (180.0, 8), (30.0, 30)]);
    let uniform: Vec<f64> = inv.iter().flat_map(|&m| [m / 6.0; 6]).collect();
    for v in [scaled(1, 10, 100.0), hires(scaled(1, 10, 100.0))] {
        let (summary, s) = simulate_periods(&uniform, &v, &Params::default());
        let (minute_summary, minute) = simulate(&inv, &v, &Params::default());
        assert_eq!(s, minute);
        assert_eq!(Summary { resolution_seconds: 60, ..summary }, minute_summary);
    }
}

/// `recommend` on 10-second traffic: the limited run is the full run while within the limits
/// (overload counted per period, more than per minute for a burst inside a minute), and stops
/// once the per-period overload passes the budget even where the per-minute one would not.
#[test]
fn a_limited_run_on_periods_counts_overload_per_period() {
    let v = scaled(1, 1, 100_000.0);
    // One minute of 900 (within the 1,000 capacity as a minute) all in its first 10 seconds.
    let mut periods = vec![100.0; 6 * 10];
    periods[6 * 5..6 * 6].copy_from_slice(&[900.0, 0.0, 0.0, 0.0, 0.0, 0.0]);
    let minutes: Vec<f64> = periods.chunks_exact(6).map(|c| c.iter().sum()).collect();
    let full = run_periods(&minutes, &periods, &v, &Params::default(), None);
    // A sixth of the capacity (166.67) per period: 900 - 166.67 over it.
    assert!((full.overload_invocations - (900.0 - 1000.0 / 6.0)).abs() < 1e-9, "{full:?}");
    assert_eq!(run(&minutes, &v, &Params::default(), None).overload_invocations, 0.0);
    let roomy = Limits { max_overload: 1000.0, max_instance_minutes: u64::MAX };
    assert_eq!(run_periods_within(&minutes, &periods, &v, &Params::default(), roomy), Some(full));
    let tight = Limits { max_overload: 700.0, max_instance_minutes: u64::MAX };
    assert_eq!(run_periods_within(&minutes, &periods, &v, &Params::default(), tight), None);
    assert!(run_within(&minutes, &v, &Params::default(), tight).is_some());
}
