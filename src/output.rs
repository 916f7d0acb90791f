//! Terminal output: where colour is decided and where text reaches stdout and stderr.
//!
//! Colour is used only when the stream is a terminal, `NO_COLOR` is unset (https://no-color.org)
//! and `--color` does not say otherwise. Everything else in the crate builds strings; this module
//! owns the streams.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};

use clap::ValueEnum;

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum ColorChoice {
    /// Colour on a terminal, unless NO_COLOR is set.
    #[default]
    Auto,
    Always,
    Never,
}

impl ColorChoice {
    fn enabled(self, is_terminal: bool) -> bool {
        match self {
            ColorChoice::Always => true,
            ColorChoice::Never => false,
            ColorChoice::Auto => is_terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty()),
        }
    }

    pub fn stdout(self) -> Palette {
        Palette { enabled: self.enabled(std::io::stdout().is_terminal()) }
    }

    pub fn stderr(self) -> Palette {
        Palette { enabled: self.enabled(std::io::stderr().is_terminal()) }
    }
}

/// ANSI styling that is a no-op when colour is off.
#[derive(Debug, Clone, Copy)]
pub struct Palette {
    pub enabled: bool,
}

impl Palette {
    pub fn plain() -> Self {
        Palette { enabled: false }
    }

    fn paint(&self, code: &str, text: &str) -> String {
        if self.enabled {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    pub fn bold(&self, text: &str) -> String {
        self.paint("1", text)
    }

    /// Bold red, for errors.
    pub fn red(&self, text: &str) -> String {
        self.paint("1;31", text)
    }

    /// Plain red, for what is removed.
    pub fn dim_red(&self, text: &str) -> String {
        self.paint("31", text)
    }

    pub fn magenta(&self, text: &str) -> String {
        self.paint("35", text)
    }

    pub fn green(&self, text: &str) -> String {
        self.paint("32", text)
    }

    pub fn yellow(&self, text: &str) -> String {
        self.paint("33", text)
    }
}

/// Writes to stdout. A closed pipe (`| head`) is not an error worth reporting.
pub fn stdout(text: &str) -> std::io::Result<()> {
    let mut out = std::io::stdout().lock();
    out.write_all(text.as_bytes())?;
    out.flush()
}

pub fn stderr(text: &str) {
    let _ = std::io::stderr().lock().write_all(text.as_bytes());
}

static DEBUG_LOG: AtomicBool = AtomicBool::new(false);

/// `--debug`: shows the AWS call log (`aws::call_log`) on stderr, one line per attempt, and
/// nothing else that uses `tracing` (the SDK's own events stay off: they can show more than a
/// log should). Progress then writes plain lines, which interleave with the log, not bars.
pub fn debug_log() {
    use tracing_subscriber::prelude::*;
    let only_calls =
        tracing_subscriber::filter::Targets::new().with_target(crate::aws::call_log::TARGET, tracing::Level::DEBUG);
    let layer = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_filter(only_calls);
    if tracing_subscriber::registry().with(layer).try_init().is_ok() {
        DEBUG_LOG.store(true, Ordering::SeqCst);
    }
}

/// Is the AWS call log on?
pub fn debug_log_on() -> bool {
    DEBUG_LOG.load(Ordering::SeqCst)
}
