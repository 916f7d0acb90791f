//! Schedules checked as a timeline: a variant's scheduled actions expanded over one year, each in
//! its time zone. AWS runs every action on its own and each one overwrites the bounds it sets, so
//! an action can end another's raise early, by lowering `min` or by capping `max` below it (capacity
//! above a new max is scaled in to it); and a local time that a clock change skips or repeats has
//! no documented AWS behaviour. None of this shows in one expression alone, so it is found here and
//! reported as warnings (docs/spec.md, "Schedules checked as a timeline").
//!
//! The year starts at the earliest `start_time` or `at()` time among the variant's actions, and
//! otherwise at [`DEFAULT_ORIGIN`]: validate does not read the clock, so the same spec always
//! gets the same warnings, dates included.

use std::collections::HashSet;

use chrono::{DateTime, Duration, NaiveDateTime, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;

use crate::diagnostic::Diagnostic;
use crate::model::ScheduleModel;
use crate::schedule::Schedule;
use crate::spec;

use super::super::Validator;

/// Where the year starts when no action has a `start_time` or an `at()`.
pub(crate) const DEFAULT_ORIGIN: &str = "2027-01-01T00:00:00Z";
const YEAR_DAYS: i64 = 365;
/// Firings are listed this far past the year, so a raise late in the year still finds its end.
const LOOKAHEAD_DAYS: i64 = 62;
/// A variant with an action that fires more often than this (about hourly) is not checked for
/// overlaps: the expansion would cost more than the check is worth for such a schedule.
const MAX_FIRINGS: usize = 12_000;

struct Action<'a> {
    spec: &'a spec::ScheduledAction,
    model: &'a ScheduleModel,
    /// Firing instants in order, within the action's `start_time`/`end_time`.
    fires: Vec<DateTime<Utc>>,
}

impl Validator {
    /// The timeline warnings of one variant; `specs` and `models` are its actions, in the same
    /// order (the caller passes them only when every action is valid).
    pub(in crate::validate) fn timeline(&mut self, specs: &[spec::ScheduledAction], models: &[ScheduleModel]) {
        if specs.len() != models.len() {
            return;
        }
        let origin = origin(models);
        let year_end = origin + Duration::days(YEAR_DAYS);
        for (s, m) in specs.iter().zip(models) {
            self.clock_changes(s, m, origin, year_end);
        }
        let mut actions = Vec::new();
        for (s, m) in specs.iter().zip(models) {
            let Some(fires) = fires(m, origin, year_end + Duration::days(LOOKAHEAD_DAYS)) else {
                return;
            };
            actions.push(Action { spec: s, model: m, fires });
        }
        // One warning per pair of actions, whichever rule finds it first.
        let mut reported = HashSet::new();
        self.cut_short(&actions, origin, year_end, &mut reported);
        self.capped_from_the_start(&actions, origin, year_end, &mut reported);
    }

    /// Rule: action A sets `min` to a; A's own lowering L is, of the actions that set a lower
    /// `min` and fire after each of A's firings, preferably those that fire no more often than A
    /// in the year, the one whose next firing after A comes soonest in the worst case (ties: the
    /// first in the spec). A daily or weekday action is then not taken for a monthly raise's own
    /// end. Another action B that fires after A and before L's next firing cuts A's raise short
    /// when it sets a `min` below a, or caps it when it sets a `max` below a (AWS scales capacity
    /// above the new max in to it, so the raise cannot hold).
    fn cut_short(
        &mut self,
        actions: &[Action<'_>],
        origin: DateTime<Utc>,
        year_end: DateTime<Utc>,
        reported: &mut HashSet<(usize, usize)>,
    ) {
        for (ai, a) in actions.iter().enumerate() {
            let Some(raise) = a.model.min else { continue };
            let raises: Vec<DateTime<Utc>> = a.fires.iter().copied().filter(|t| *t < year_end).collect();
            if raises.is_empty() {
                continue;
            }
            let lowering = actions
                .iter()
                .enumerate()
                .filter(|(i, l)| *i != ai && l.model.min.is_some_and(|m| m < raise))
                .filter_map(|(i, l)| {
                    let gaps = raises.iter().map(|t| next_fire(&l.fires, *t).map(|n| n - *t));
                    let worst = gaps.collect::<Option<Vec<_>>>()?.into_iter().max()?;
                    let more_often = l.fires.iter().filter(|t| **t < year_end).count() > raises.len();
                    Some((more_often, worst, i))
                })
                .min();
            let Some((_, _, li)) = lowering else { continue };
            let l = &actions[li];
            for (bi, b) in actions.iter().enumerate() {
                if bi == ai || bi == li {
                    continue;
                }
                // Lowering `min` takes precedence: an action that lowers both is reported once.
                let cut_by = match (b.model.min.filter(|m| *m < raise), b.spec.min.as_ref()) {
                    (Some(lower), Some(pos)) => Some(("min", lower, pos)),
                    _ => match (b.model.max.filter(|m| *m < raise), b.spec.max.as_ref()) {
                        (Some(cap), Some(pos)) => Some(("max", cap, pos)),
                        _ => None,
                    },
                };
                let Some((bound, lower, bound_pos)) = cut_by else { continue };
                let mut hits = raises.iter().filter_map(|t| {
                    let end = next_fire(&l.fires, *t)?;
                    let cut = next_fire(&b.fires, *t)?;
                    (cut < end).then_some((*t, cut, end))
                });
                let Some((raised, cut, end)) = hits.next() else { continue };
                let times = 1 + hits.count();
                reported.insert((bi, ai));
                let tz = b.model.tz;
                let day = cut.with_timezone(&tz).date_naive();
                let clock = |t: DateTime<Utc>| {
                    let local = t.with_timezone(&tz);
                    let format = if local.date_naive() == day { "%H:%M" } else { "%Y-%m-%d %H:%M" };
                    local.format(format).to_string()
                };
                let (a_name, b_name, l_name) = (a.spec.name.as_str(), b.spec.name.as_str(), l.spec.name.as_str());
                let (verb, label, how) = if bound == "min" {
                    ("cuts short", format!("lowers the `min` of `{a_name}`"), "the last to fire wins")
                } else {
                    (
                        "caps",
                        format!("caps the raised `min` of `{a_name}`"),
                        "the last to fire wins, and capacity above a new `max` is scaled in to it",
                    )
                };
                let holds = if bound == "min" { "holds it" } else { "holds `min`" };
                self.out.push(
                    Diagnostic::warning(format!(
                        "schedule `{b_name}` {verb} `{a_name}`: on {day} at {} ({}) it sets `{bound}` to {lower} while `{a_name}` {holds} at {raise} from {} until `{l_name}` at {}",
                        clock(cut),
                        b.model.timezone.as_deref().unwrap_or("UTC"),
                        clock(raised),
                        clock(end),
                    ))
                    .at(bound_pos.span, label)
                    .help(format!(
                        "scheduled actions overwrite each other's bounds, {how}; this happens {times} time{} in the year from {}. Give `{b_name}` a schedule that skips the days of `{a_name}`, set its `{bound}` to {raise} or more, or move `{a_name}` and `{l_name}` so that `{b_name}` does not fire between them",
                        if times == 1 { "" } else { "s" },
                        origin.format("%Y-%m-%d %H:%M UTC"),
                    )),
                );
            }
        }
    }

    /// Rule: action A raises `min` to a without setting `max`, so the `max` in force when it
    /// fires is whatever the last action to set one left (any action, A's own lowering
    /// included). When that is below a, A's raise is capped from the start: AWS scales capacity
    /// above `max` in to it (the policy's own `max` is checked where each action is).
    fn capped_from_the_start(
        &mut self,
        actions: &[Action<'_>],
        origin: DateTime<Utc>,
        year_end: DateTime<Utc>,
        reported: &mut HashSet<(usize, usize)>,
    ) {
        for (ai, a) in actions.iter().enumerate() {
            let (Some(raise), None) = (a.model.min, a.model.max) else { continue };
            let raises = a.fires.iter().copied().filter(|t| *t < year_end);
            // At each firing of A, the action that last set `max` (at the same instant, the later
            // in the spec: AWS documents no order) and when.
            let mut hits = raises.filter_map(|t| {
                let (at, ci) = actions
                    .iter()
                    .enumerate()
                    .filter(|(ci, c)| *ci != ai && c.model.max.is_some())
                    .filter_map(|(ci, c)| last_fire(&c.fires, t).map(|at| (at, ci)))
                    .max()?;
                let cap = actions[ci].model.max?;
                (cap < raise).then_some((t, at, ci, cap))
            });
            let Some((raised, since, ci, cap)) = hits.next() else { continue };
            let c = &actions[ci];
            let Some(max_pos) = c.spec.max.as_ref() else { continue };
            if !reported.insert((ci, ai)) {
                continue;
            }
            // Later firings capped by this same action.
            let times = 1 + hits.filter(|(_, _, other, _)| *other == ci).count();
            let tz = a.model.tz;
            let day = raised.with_timezone(&tz).date_naive();
            let clock = |t: DateTime<Utc>| {
                let local = t.with_timezone(&tz);
                let format = if local.date_naive() == day { "%H:%M" } else { "%Y-%m-%d %H:%M" };
                local.format(format).to_string()
            };
            let (a_name, c_name) = (a.spec.name.as_str(), c.spec.name.as_str());
            self.out.push(
                Diagnostic::warning(format!(
                    "schedule `{c_name}` caps `{a_name}`: on {day} at {} ({}) `{a_name}` raises `min` to {raise} while `{c_name}` holds `max` at {cap} (since {})",
                    clock(raised),
                    a.model.timezone.as_deref().unwrap_or("UTC"),
                    clock(since),
                ))
                .at(max_pos.span, format!("caps the raised `min` of `{a_name}`"))
                .help(format!(
                    "an action changes only the bounds it sets, and capacity above `max` is scaled in to it, so `{a_name}` gets at most {cap} instances; this happens {times} time{} in the year from {}. Also set `max: {raise}` (or more) in `{a_name}`, or set the `max` of `{c_name}` to {raise} or more",
                    if times == 1 { "" } else { "s" },
                    origin.format("%Y-%m-%d %H:%M UTC"),
                )),
            );
        }
    }

    /// Rule: a cron or `at()` action whose local time falls in a clock change's gap (the time
    /// does not exist that day) or overlap (it happens twice), within the year and the action's
    /// `start_time`/`end_time`. One warning per action and kind, with the first date.
    fn clock_changes(
        &mut self,
        s: &spec::ScheduledAction,
        m: &ScheduleModel,
        origin: DateTime<Utc>,
        end: DateTime<Utc>,
    ) {
        if matches!(m.schedule, Schedule::Rate { .. }) {
            return;
        }
        let zone = m.timezone.as_deref().unwrap_or("UTC");
        let (mut skipped_seen, mut repeated_seen) = (false, false);
        for (at, before, after) in transitions(m.tz, origin, end) {
            if m.start_time.is_some_and(|t| at < t) || m.end_time.is_some_and(|t| at > t) {
                continue;
            }
            let skipped = after > before;
            if (skipped && skipped_seen) || (!skipped && repeated_seen) {
                continue;
            }
            let lo = at.naive_utc() + Duration::seconds(i64::from(before.min(after)));
            let hi = at.naive_utc() + Duration::seconds(i64::from(before.max(after)));
            let mut minute = lo;
            while minute < hi && !matches_local(&m.schedule, minute) {
                minute += Duration::minutes(1);
            }
            if minute >= hi {
                continue;
            }
            let (date, time, lo, hi) = (minute.date(), minute.format("%H:%M"), lo.format("%H:%M"), hi.format("%H:%M"));
            let name = s.name.as_str();
            let d = if skipped {
                skipped_seen = true;
                Diagnostic::warning(format!(
                    "schedule `{name}` is due at {time} local time, which {zone} skips on {date}: clocks go forward from {lo} to {hi}"
                ))
                .at(s.schedule.span, format!("skipped on {date}"))
                .help(format!(
                    "AWS does not document when, or whether, an action runs at a local time that a clock change skips; schedule it outside {lo}-{hi}"
                ))
            } else {
                repeated_seen = true;
                Diagnostic::warning(format!(
                    "schedule `{name}` is due at {time} local time, which happens twice in {zone} on {date}: clocks go back from {hi} to {lo}"
                ))
                .at(s.schedule.span, format!("repeated on {date}"))
                .help(format!(
                    "AWS does not document whether an action at a repeated local time runs once or twice; schedule it outside {lo}-{hi}"
                ))
            };
            self.out.push(d);
        }
    }
}

fn origin(models: &[ScheduleModel]) -> DateTime<Utc> {
    let fixed = || DateTime::parse_from_rfc3339(DEFAULT_ORIGIN).map(|t| t.with_timezone(&Utc)).unwrap_or_default();
    models
        .iter()
        .flat_map(|m| {
            let at = match &m.schedule {
                Schedule::At(local) => m.tz.from_local_datetime(local).earliest().map(|t| t.with_timezone(&Utc)),
                _ => None,
            };
            m.start_time.into_iter().chain(at)
        })
        .min()
        .unwrap_or_else(fixed)
}

/// The action's firings from `origin` to `until`, within its `start_time` and `end_time`;
/// `None` when there are too many to check.
fn fires(m: &ScheduleModel, origin: DateTime<Utc>, until: DateTime<Utc>) -> Option<Vec<DateTime<Utc>>> {
    // AWS counts rate() from the action's start time; without one, from the year's start.
    let start = m.start_time.unwrap_or(origin);
    let mut cursor = origin.max(start) - Duration::seconds(1);
    let mut out = Vec::new();
    while let Some(t) = m.schedule.next_after(cursor, m.tz, start) {
        if t > until || m.end_time.is_some_and(|end| t > end) {
            break;
        }
        if out.len() == MAX_FIRINGS {
            return None;
        }
        out.push(t);
        cursor = t;
    }
    Some(out)
}

fn next_fire(fires: &[DateTime<Utc>], after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    fires.get(fires.partition_point(|f| *f <= after)).copied()
}

/// The last firing at or before `at`.
fn last_fire(fires: &[DateTime<Utc>], at: DateTime<Utc>) -> Option<DateTime<Utc>> {
    fires.partition_point(|f| *f <= at).checked_sub(1).map(|i| fires[i])
}

fn matches_local(schedule: &Schedule, minute: NaiveDateTime) -> bool {
    match schedule {
        Schedule::Cron(cron) => cron.matches_local(minute),
        Schedule::At(at) => at.with_second(0) == Some(minute),
        Schedule::Rate { .. } => false,
    }
}

/// The zone's clock changes in `[from, to)`: the instant (to the minute) and the UTC offsets
/// before and after, in seconds.
fn transitions(tz: Tz, from: DateTime<Utc>, to: DateTime<Utc>) -> Vec<(DateTime<Utc>, i32, i32)> {
    let offset = |t: DateTime<Utc>| tz.offset_from_utc_datetime(&t.naive_utc()).fix().local_minus_utc();
    let mut out = Vec::new();
    let mut t = from;
    let mut current = offset(t);
    while t < to {
        let next = t + Duration::hours(1);
        let changed = offset(next);
        if changed != current {
            let (mut lo, mut hi) = (t, next);
            while hi - lo > Duration::minutes(1) {
                let mid = lo + (hi - lo) / 2;
                if offset(mid) == current {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            // Clock changes happen on whole minutes and `hi` is less than a minute past it.
            let at = hi.with_second(0).and_then(|h| h.with_nanosecond(0)).unwrap_or(hi);
            out.push((at, current, changed));
            current = changed;
        }
        t = next;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::super::tests::{diagnostics, with_variant};

    fn with_schedules(schedules: &[&str]) -> String {
        let list: String = schedules.iter().map(|s| format!("            - {s}\n")).collect();
        with_variant(&format!(
            "        autoscaling:\n          min: 1\n          max: 8\n          target: {{invocations_per_instance: 100}}\n          schedules:\n{list}"
        ))
    }

    #[test]
    fn nested_raises_that_do_not_lower_each_other_are_quiet() {
        // A lunch peak inside business hours: its lowering goes back to the business-hours min.
        let text = with_schedules(&[
            "{name: day, schedule: \"cron(30 7 ? * MON-FRI *)\", min: 3}",
            "{name: lunch, schedule: \"cron(0 12 ? * MON-FRI *)\", min: 6}",
            "{name: lunch-end, schedule: \"cron(0 14 ? * MON-FRI *)\", min: 3}",
            "{name: night, schedule: \"cron(0 18 ? * MON-FRI *)\", min: 1}",
        ]);
        assert_eq!(diagnostics(&text), Vec::<String>::new());
    }

    /// Full warnings (message and help) as "line:column message | help".
    fn warnings(text: &str) -> Vec<String> {
        let spec = crate::spec::parse(&crate::diagnostic::Source::new("s.yaml", text)).unwrap();
        crate::validate::validate(&spec)
            .diagnostics
            .iter()
            .map(|d| format!("{}:{} {} | {}", d.span.line, d.span.column, d.message, d.help.join(" | ")))
            .collect()
    }

    #[test]
    fn an_action_that_caps_max_below_a_raise_caps_it() {
        // 2027-01-01 is a Friday: the lunch action caps the day's raise of `min` at 12:00.
        let text = with_schedules(&[
            "{name: day, schedule: \"cron(30 7 ? * MON-FRI *)\", min: 5}",
            "{name: lunch, schedule: \"cron(0 12 ? * MON-FRI *)\", max: 3}",
            "{name: night, schedule: \"cron(0 18 ? * MON-FRI *)\", min: 1, max: 8}",
        ]);
        assert_eq!(
            warnings(&text),
            ["15:72 schedule `lunch` caps `day`: on 2027-01-01 at 12:00 (UTC) it sets `max` to 3 while `day` holds `min` at 5 from 07:30 until `night` at 18:00 | scheduled actions overwrite each other's bounds, the last to fire wins, and capacity above a new `max` is scaled in to it; this happens 261 times in the year from 2027-01-01 00:00 UTC. Give `lunch` a schedule that skips the days of `day`, set its `max` to 5 or more, or move `day` and `night` so that `lunch` does not fire between them"]
        );
        // An action that lowers both bounds is reported once, for its `min` (a daily action
        // inside a monthly raise, as in the test below).
        let text = with_schedules(&[
            "{name: peak, schedule: \"cron(0 6 1 * ? *)\", min: 6, max: 8}",
            "{name: peak-end, schedule: \"cron(0 20 1 * ? *)\", min: 1}",
            "{name: daily, schedule: \"cron(0 12 * * ? *)\", min: 2, max: 3}",
        ]);
        let w = warnings(&text);
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].starts_with(
                "16:66 schedule `daily` cuts short `peak`: on 2027-01-01 at 12:00 (UTC) it sets `min` to 2"
            ),
            "{w:?}"
        );
    }

    #[test]
    fn a_max_left_low_by_an_earlier_action_caps_the_next_raise() {
        // `night` lowers max to 2 and nothing restores it: from the second weekday on, `day`
        // raises min to 5 under a max of 2. (The first firing runs under the policy's max, 8.)
        let text = with_schedules(&[
            "{name: day, schedule: \"cron(30 7 ? * MON-FRI *)\", min: 5}",
            "{name: night, schedule: \"cron(0 18 ? * MON-FRI *)\", min: 1, max: 2}",
        ]);
        assert_eq!(
            warnings(&text),
            ["15:80 schedule `night` caps `day`: on 2027-01-04 at 07:30 (UTC) `day` raises `min` to 5 while `night` holds `max` at 2 (since 2027-01-01 18:00) | an action changes only the bounds it sets, and capacity above `max` is scaled in to it, so `day` gets at most 2 instances; this happens 260 times in the year from 2027-01-01 00:00 UTC. Also set `max: 5` (or more) in `day`, or set the `max` of `night` to 5 or more"]
        );
        // Restoring max in the raise itself, or leaving it high enough, is quiet.
        let text = with_schedules(&[
            "{name: day, schedule: \"cron(30 7 ? * MON-FRI *)\", min: 5, max: 8}",
            "{name: night, schedule: \"cron(0 18 ? * MON-FRI *)\", min: 1, max: 2}",
        ]);
        assert_eq!(warnings(&text), Vec::<String>::new());
        let text = with_schedules(&[
            "{name: day, schedule: \"cron(30 7 ? * MON-FRI *)\", min: 5}",
            "{name: night, schedule: \"cron(0 18 ? * MON-FRI *)\", min: 1, max: 5}",
        ]);
        assert_eq!(warnings(&text), Vec::<String>::new());
    }

    #[test]
    fn the_year_starts_at_the_earliest_start_time_and_skips_utc() {
        let text = with_schedules(&[
            "{name: peak, schedule: \"cron(0 6 1 * ? *)\", min: 6, start_time: \"2030-06-01T00:00:00Z\"}",
            "{name: peak-end, schedule: \"cron(0 20 1 * ? *)\", min: 1}",
            "{name: daily, schedule: \"cron(0 12 * * ? *)\", min: 2}",
        ]);
        let d = diagnostics(&text);
        assert_eq!(d.len(), 1, "{d:?}");
        assert!(d[0].starts_with("16:66 schedule `daily` cuts short `peak`: on 2030-06-01 at 12:00 (UTC)"), "{d:?}");
        assert!(d[0].ends_with("from 06:00 until `peak-end` at 20:00"), "{d:?}");
    }

    #[test]
    fn an_at_in_a_gap_warns_and_a_rate_never_does() {
        let text = with_schedules(&[
            "{name: once, schedule: \"at(2027-03-28T02:30:00)\", timezone: Europe/Berlin, min: 2}",
            "{name: often, schedule: rate(1 hour), timezone: Europe/Berlin, min: 1}",
        ]);
        assert_eq!(
            diagnostics(&text),
            ["14:38 schedule `once` is due at 02:30 local time, which Europe/Berlin skips on 2027-03-28: clocks go forward from 02:00 to 03:00"]
        );
    }
}
