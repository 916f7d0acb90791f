//! Shows apply's [`Event`]s: an indicatif spinner per endpoint on a terminal, plain log lines
//! otherwise (CI logs, pipes). The only place that knows indicatif.

use std::collections::HashMap;
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::apply::Event;
use crate::diagnostic::plural;
use crate::output::Palette;

pub struct Progress {
    mode: Mode,
    palette: Palette,
}

enum Mode {
    Bars { multi: MultiProgress, bars: Mutex<HashMap<String, ProgressBar>> },
    Lines { last_status: Mutex<HashMap<String, String>> },
}

impl Progress {
    /// Bars when stderr is a terminal, lines otherwise (and under `--debug`, whose log lines
    /// would tear bars apart).
    pub fn new(palette: Palette) -> Self {
        let mode = if std::io::stderr().is_terminal() && !crate::output::debug_log_on() {
            Mode::Bars {
                multi: MultiProgress::with_draw_target(ProgressDrawTarget::stderr()),
                bars: Mutex::new(HashMap::new()),
            }
        } else {
            Mode::Lines { last_status: Mutex::new(HashMap::new()) }
        };
        Progress { mode, palette }
    }

    pub fn event(&self, event: Event) {
        match &self.mode {
            Mode::Bars { multi, bars } => self.bar(multi, bars, event),
            Mode::Lines { last_status } => self.line(last_status, event),
        }
    }

    fn bar(&self, multi: &MultiProgress, bars: &Mutex<HashMap<String, ProgressBar>>, event: Event) {
        let mut bars = bars.lock().unwrap_or_else(|e| e.into_inner());
        match event {
            Event::Started { endpoint, steps } => {
                let bar = multi.add(ProgressBar::new(steps as u64));
                bar.set_style(
                    ProgressStyle::with_template("{spinner} {prefix:.bold} [{pos}/{len}] {wide_msg} {elapsed}")
                        .unwrap_or_else(|_| ProgressStyle::default_spinner()),
                );
                bar.set_prefix(endpoint.clone());
                bar.enable_steady_tick(Duration::from_millis(120));
                bars.insert(endpoint, bar);
            }
            Event::Step { endpoint, index, description, .. } => {
                if let Some(bar) = bars.get(&endpoint) {
                    bar.set_position(index.saturating_sub(1) as u64);
                    bar.set_message(description);
                }
            }
            Event::Waiting { endpoint, status, phase, elapsed } => {
                if let Some(bar) = bars.get(&endpoint) {
                    let phase = phase.map(|p| format!(", {p}")).unwrap_or_default();
                    bar.set_message(format!("waiting: {status}{phase} ({}s)", elapsed.as_secs()));
                }
            }
            Event::Finished { endpoint } => {
                if let Some(bar) = bars.get(&endpoint) {
                    bar.set_position(bar.length().unwrap_or(0));
                    bar.finish_with_message(self.palette.green("done"));
                }
            }
            Event::Failed { endpoint, error, .. } => {
                if let Some(bar) = bars.get(&endpoint) {
                    bar.abandon_with_message(self.palette.red("failed"));
                }
                let _ = multi.println(format!("{endpoint}: {} {error}", self.palette.red("error:")));
            }
            Event::RestoreFailed { endpoint, error, .. } => {
                let _ = multi.println(format!("{endpoint}: {} {error}", self.palette.red("error:")));
            }
            Event::StepDone { .. } => {}
            Event::Warning { endpoint, message } => {
                let _ = multi.println(format!("{endpoint}: {} {message}", self.palette.yellow("warning:")));
            }
            Event::Restoring { .. } | Event::Restored { .. } => {
                let _ = multi.println(self.restore_text(&event));
            }
            Event::Interrupted { endpoint, done, total } => {
                if let Some(bar) = bars.get(&endpoint) {
                    bar.abandon_with_message(
                        self.palette.yellow(&format!("interrupted after {done} of {}", plural(total, "step"))),
                    );
                }
            }
        }
    }

    /// Said loudly: a restore means the change did not happen and protection was at stake.
    fn restore_text(&self, event: &Event) -> String {
        match event {
            Event::Restoring { endpoint, variants } => format!(
                "{endpoint}: {} the change stopped with {} deregistered: putting back their auto scaling as it was",
                self.palette.yellow("warning:"),
                variants.join(", ")
            ),
            Event::Restored { endpoint, variants } => format!(
                "{endpoint}: {} auto scaling of {} restored as it was before this run (target, policy, scheduled actions)",
                self.palette.yellow("restored:"),
                variants.join(", ")
            ),
            _ => String::new(),
        }
    }

    fn line(&self, last_status: &Mutex<HashMap<String, String>>, event: Event) {
        let text = match event {
            Event::Started { endpoint, steps } => format!("{endpoint}: {}", plural(steps, "step")),
            Event::Step { endpoint, index, total, description } => {
                format!("{endpoint}: [{index}/{total}] {description}")
            }
            Event::Waiting { endpoint, status, phase, elapsed } => {
                // One line per status (or rollout phase) change, not per poll.
                let status = match phase {
                    Some(phase) => format!("{status} ({phase})"),
                    None => status,
                };
                let mut last = last_status.lock().unwrap_or_else(|e| e.into_inner());
                if last.get(&endpoint) == Some(&status) {
                    return;
                }
                last.insert(endpoint.clone(), status.clone());
                format!("{endpoint}: {status} after {}s", elapsed.as_secs())
            }
            Event::Finished { endpoint } => format!("{endpoint}: {}", self.palette.green("done")),
            Event::Failed { endpoint, error, .. } | Event::RestoreFailed { endpoint, error, .. } => {
                format!("{endpoint}: {} {error}", self.palette.red("error:"))
            }
            // The next step's line (or `done`) says it.
            Event::StepDone { .. } => return,
            Event::Warning { endpoint, message } => {
                format!("{endpoint}: {} {message}", self.palette.yellow("warning:"))
            }
            Event::Interrupted { endpoint, done, total } => {
                format!("{endpoint}: interrupted after {done} of {}", plural(total, "step"))
            }
            Event::Restoring { .. } | Event::Restored { .. } => self.restore_text(&event),
        };
        eprintln!("{text}");
    }
}

impl Drop for Progress {
    /// Ends the bars' block with a line break. indicatif leaves the cursor at the end of the last
    /// bar (it pads the line to the terminal's width and counts on the terminal wrapping at the
    /// next character), so whatever is printed next (`Apply complete: ...`, an error) would
    /// otherwise start on the bar's line wherever the terminal does not wrap that way.
    fn drop(&mut self) {
        if let Mode::Bars { bars, .. } = &mut self.mode {
            let bars = std::mem::take(bars.get_mut().unwrap_or_else(|e| e.into_inner()));
            if bars.is_empty() {
                return;
            }
            // Dropped finished bars stay on screen as they were last drawn.
            drop(bars);
            eprintln!();
        }
    }
}
