//! Scheduled actions: unique names in AWS's pattern, the schedule expression and time zone
//! (parsed by `schedule`), start before end, and min/max against the policy's bounds. Then
//! `timeline` checks a variant's actions together, over a year: one cutting short another's
//! raise, and local times that a clock change skips or repeats.

use chrono::{DateTime, Utc};

use crate::diagnostic::{shorten, Diagnostic};
use crate::model::{CapacityRange, ScheduleModel};
use crate::schedule::{parse_timezone, Schedule};
use crate::spec::{self, Pos};

use super::Validator;

mod timeline;

impl Validator {
    pub(super) fn schedule(
        &mut self,
        s: &spec::ScheduledAction,
        capacity: Option<CapacityRange>,
    ) -> Option<ScheduleModel> {
        let mut ok = true;
        let name_ok = !s.name.is_empty()
            && s.name.chars().count() <= 256
            && !s.name.starts_with(' ')
            && !s.name.ends_with(' ')
            && !s.name.chars().any(|c| c.is_control() || matches!(c, ':' | '/' | '|'));
        if !name_ok {
            ok = false;
            self.error(
                Diagnostic::error(format!("schedule name `{}` is not valid", shorten(&s.name)))
                    .at(s.name.span, "invalid name")
                    .help(
                        "use 1 to 256 characters without `:`, `/`, `|`, control characters or leading/trailing spaces",
                    ),
            );
        }
        let schedule = match s.schedule.trim().parse::<Schedule>() {
            Ok(parsed) => Some(parsed),
            Err(err) => {
                let mut d = Diagnostic::error(format!("invalid schedule `{}`: {}", shorten(&s.schedule), err.message))
                    .at(s.schedule.span, "invalid schedule");
                if let Some(help) = err.help {
                    d = d.help(help);
                }
                self.error(d);
                None
            }
        };
        let tz = match &s.timezone {
            None => Some(chrono_tz::Tz::UTC),
            Some(name) => match parse_timezone(name) {
                Ok(tz) => Some(tz),
                Err(err) => {
                    let mut d = Diagnostic::error(err.message).at(name.span, "not an IANA time zone");
                    d = d.help(err.help.unwrap_or_else(|| {
                        "use an IANA time zone name such as `America/New_York` or `Europe/Berlin`".into()
                    }));
                    self.error(d);
                    None
                }
            },
        };
        let start = s.start_time.as_ref().map(|t| self.timestamp("start_time", t));
        let end = s.end_time.as_ref().map(|t| self.timestamp("end_time", t));
        if let (Some(Some(a)), Some(Some(b)), Some(end_pos)) = (start, end, &s.end_time) {
            if b <= a {
                ok = false;
                self.error(
                    Diagnostic::error("`end_time` is not after `start_time`")
                        .at(end_pos.span, "ends before it starts")
                        .help("swap the two, or move `end_time` later"),
                );
            }
        }
        let min = s.min.as_ref();
        let max = s.max.as_ref();
        if min.is_none() && max.is_none() {
            ok = false;
            self.error(
                Diagnostic::error(format!("schedule `{}` sets neither `min` nor `max`", s.name.as_str()))
                    .at(s.name.span, "does nothing")
                    .help("a scheduled action replaces min and/or max when it fires; set at least one"),
            );
        }
        if let (Some(lo), Some(hi)) = (min, max) {
            if lo.value > hi.value {
                ok = false;
                self.error(
                    Diagnostic::error(format!(
                        "schedule `{}` sets `min` ({}) above `max` ({})",
                        s.name.as_str(),
                        lo.value,
                        hi.value
                    ))
                    .at(lo.span, "min above max")
                    .help("lower `min` or raise `max`"),
                );
            }
        }
        if let Some(range) = capacity {
            // Only one bound set: the other stays whatever it is when the action fires. Against
            // the policy's own bounds, a conflict means AWS would be asked for min > max.
            match (min, max) {
                (Some(lo), None) if lo.value > range.max() => self.out.push(
                    Diagnostic::warning(format!(
                        "schedule `{}` raises `min` to {} but leaves `max` at the policy's {}",
                        s.name.as_str(),
                        lo.value,
                        range.max()
                    ))
                    .at(lo.span, "above the policy's max")
                    .help(format!(
                        "also set `max: {}` (or more) in this schedule, or raise the policy's `max`",
                        lo.value
                    )),
                ),
                (None, Some(hi)) if hi.value < range.min() => self.out.push(
                    Diagnostic::warning(format!(
                        "schedule `{}` lowers `max` to {} but leaves `min` at the policy's {}",
                        s.name.as_str(),
                        hi.value,
                        range.min()
                    ))
                    .at(hi.span, "below the policy's min")
                    .help(format!(
                        "also set `min: {}` (or less) in this schedule, or lower the policy's `min`",
                        hi.value
                    )),
                ),
                _ => {}
            }
        }
        let (schedule, tz) = (schedule?, tz?);
        let start = start.flatten();
        let end = end.flatten();
        if s.start_time.is_some() && start.is_none() || s.end_time.is_some() && end.is_none() {
            return None;
        }
        ok.then(|| ScheduleModel {
            name: s.name.value.clone(),
            schedule,
            timezone: s.timezone.as_ref().map(|t| t.value.clone()),
            tz,
            start_time: start,
            end_time: end,
            min: min.map(|m| m.value),
            max: max.map(|m| m.value),
        })
    }

    pub(super) fn timestamp(&mut self, key: &str, value: &Pos<String>) -> Option<DateTime<Utc>> {
        match DateTime::parse_from_rfc3339(value) {
            Ok(t) => Some(t.with_timezone(&Utc)),
            Err(_) => {
                self.error(
                    Diagnostic::error(format!("`{key}` `{}` is not an RFC 3339 timestamp", shorten(value)))
                        .at(value.span, "invalid timestamp")
                        .help("write a timestamp with its offset, for example `2026-12-01T00:00:00Z`"),
                );
                None
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::{diagnostics, with_variant};

    fn with_schedule(schedule: &str) -> String {
        with_variant(&format!(
            "        autoscaling:\n          min: 1\n          max: 2\n          target: {{invocations_per_instance: 100}}\n          schedules:\n            - {schedule}\n"
        ))
    }

    #[test]
    fn a_schedule_sets_min_or_max_and_ends_after_it_starts() {
        let text = with_schedule(
            "{name: s, schedule: rate(1 day), start_time: \"2026-12-02T00:00:00Z\", end_time: \"2026-12-01T00:00:00Z\"}",
        );
        assert_eq!(
            diagnostics(&text),
            ["14:22 schedule `s` sets neither `min` nor `max`", "14:94 `end_time` is not after `start_time`"]
        );
    }

    #[test]
    fn raising_min_above_the_policy_max_warns() {
        let text = with_schedule("{name: s, schedule: \"cron(0 8 ? * MON-FRI *)\", timezone: Europe/Berlin, min: 3}");
        assert_eq!(diagnostics(&text), ["14:92 schedule `s` raises `min` to 3 but leaves `max` at the policy's 2"]);
    }
}
