//! Schedules checked as a timeline: a variant's scheduled actions expanded over one year, each in
//! its time zone. AWS runs every action on its own and each one overwrites the bounds it sets, so
//! an action can end another's raise early; and a local time that a clock change skips or repeats
//! has no documented AWS behaviour. Neither shows in one expression alone, so both are found here
//! and reported as warnings (docs/spec.md, "Schedules checked as a timeline").
//!
//! The year starts at the earliest `start_time` or `at()` time among the variant's actions, and
//! otherwise at [`DEFAULT_ORIGIN`]: validate does not read the clock, so the same spec always
//! gets the same warnings, dates included.

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
        self.cut_short(&actions, origin, year_end);
    }

    /// Rule: action A sets `min` to a; A's own lowering L is, of the actions that set a lower
    /// `min` and fire after each of A's firings, preferably those that fire no more often than A
    /// in the year, the one whose next firing after A comes soonest in the worst case (ties: the
    /// first in the spec). A daily or weekday action is then not taken for a monthly raise's own
    /// end. Another action B that sets a `min` below a and fires after A and before L's next
    /// firing cuts A's raise short.
    fn cut_short(&mut self, actions: &[Action<'_>], origin: DateTime<Utc>, year_end: DateTime<Utc>) {
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
                let (Some(lower), Some(min_pos)) = (b.model.min.filter(|m| *m < raise), b.spec.min.as_ref()) else {
                    continue;
                };
                let mut hits = raises.iter().filter_map(|t| {
                    let end = next_fire(&l.fires, *t)?;
                    let cut = next_fire(&b.fires, *t)?;
                    (cut < end).then_some((*t, cut, end))
                });
                let Some((raised, cut, end)) = hits.next() else { continue };
                let times = 1 + hits.count();
                let tz = b.model.tz;
                let day = cut.with_timezone(&tz).date_naive();
                let clock = |t: DateTime<Utc>| {
                    let local = t.with_timezone(&tz);
                    let format = if local.date_naive() == day { "%H:%M" } else { "%Y-%m-%d %H:%M" };
                    local.format(format).to_string()
                };
                let (a_name, b_name, l_name) = (a.spec.name.as_str(), b.spec.name.as_str(), l.spec.name.as_str());
                self.out.push(
                    Diagnostic::warning(format!(
                        "schedule `{b_name}` cuts short `{a_name}`: on {day} at {} ({}) it sets `min` to {lower} while `{a_name}` holds it at {raise} from {} until `{l_name}` at {}",
                        clock(cut),
                        b.model.timezone.as_deref().unwrap_or("UTC"),
                        clock(raised),
                        clock(end),
                    ))
                    .at(min_pos.span, format!("lowers the `min` of `{a_name}`"))
                    .help(format!(
                        "scheduled actions overwrite each other's bounds, the last to fire wins; this happens {times} time{} in the year from {}. Give `{b_name}` a schedule that skips the days of `{a_name}`, set its `min` to {raise} or more, or move `{a_name}` and `{l_name}` so that `{b_name}` does not fire between them",
                        if times == 1 { "" } else { "s" },
                        origin.format("%Y-%m-%d %H:%M UTC"),
                    )),
                );
            }
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
