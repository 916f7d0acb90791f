//! Diagnostics about a spec: what is wrong, where, and how to fix it.
//!
//! Every check (shape, meaning, rules) reports through [`Diagnostic`] so that one renderer shows
//! them all alike, rustc-style: `file:line:column`, the offending line, a caret label and a help
//! line. Positions are 1-based lines and character columns, as editors count them.

use codespan_reporting::diagnostic::{Diagnostic as CsDiagnostic, Label};
use codespan_reporting::files::SimpleFile;
use codespan_reporting::term::{self, termcolor::Buffer, Chars, Config};
use serde::Serialize;

/// A spec file's name and text.
#[derive(Debug, Clone)]
pub struct Source {
    pub name: String,
    pub text: String,
}

impl Source {
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> Self {
        Source { name: name.into(), text: text.into() }
    }
}

/// Where a value stands in the spec. `line == 0` means "no position" (a whole-file problem).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct SourceSpan {
    pub line: usize,
    pub column: usize,
    /// Length in characters; 0 means "the token that starts here".
    #[serde(skip)]
    pub len: usize,
}

impl SourceSpan {
    pub fn new(line: usize, column: usize, len: usize) -> Self {
        SourceSpan { line, column, len }
    }

    pub fn is_known(&self) -> bool {
        self.line > 0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// One finding about a spec.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnostic {
    pub severity: Severity,
    pub message: String,
    /// The file the position is in, when it is not the spec: a variables file (`--var-file`),
    /// or where a value without a file came from (`--var NAME`, an environment variable).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<String>,
    #[serde(flatten)]
    pub span: SourceSpan,
    #[serde(skip)]
    pub label: String,
    /// What the reader needs to know besides the message, one line each: where a variable's
    /// value came from.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// How to fix it, one line each.
    pub help: Vec<String>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>) -> Self {
        Self::new(Severity::Error, message.into())
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Self::new(Severity::Warning, message.into())
    }

    fn new(severity: Severity, message: String) -> Self {
        Diagnostic {
            severity,
            message,
            file: None,
            span: SourceSpan::default(),
            label: String::new(),
            notes: Vec::new(),
            help: Vec::new(),
        }
    }

    pub fn at(mut self, span: SourceSpan, label: impl Into<String>) -> Self {
        self.span = span;
        self.label = label.into();
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help.push(help.into());
        self
    }

    pub fn note(mut self, note: impl Into<String>) -> Self {
        self.notes.push(note.into());
        self
    }

    /// Places the diagnostic in another file than the spec (see [`Diagnostic::file`]).
    pub fn in_file(mut self, file: impl Into<String>) -> Self {
        self.file = Some(file.into());
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Renders diagnostics of the spec `source` and of the variables files `others`: the spec's
/// first, then each other file's in the order given, then those that stand in no file (a
/// `--var` flag, an environment variable). A diagnostic's [`Diagnostic::file`] says which.
pub fn render_files(source: &Source, others: &[Source], diagnostics: &[Diagnostic], colour: bool) -> String {
    let mut out = render(source, &of_file(diagnostics, None), colour);
    for other in others {
        out.push_str(&render(other, &of_file(diagnostics, Some(&other.name)), colour));
    }
    let mut elsewhere: Vec<&str> = Vec::new();
    for file in diagnostics.iter().filter_map(|d| d.file.as_deref()) {
        if !others.iter().any(|o| o.name == file) && !elsewhere.contains(&file) {
            elsewhere.push(file);
        }
    }
    for name in elsewhere {
        out.push_str(&render(&Source::new(name, ""), &of_file(diagnostics, Some(name)), colour));
    }
    out
}

fn of_file(diagnostics: &[Diagnostic], file: Option<&str>) -> Vec<Diagnostic> {
    diagnostics.iter().filter(|d| d.file.as_deref() == file).cloned().collect()
}

/// Renders diagnostics the way rustc does, in spec order (by line, then column).
pub fn render(source: &Source, diagnostics: &[Diagnostic], colour: bool) -> String {
    // The quoted lines never show a secret value; masking keeps every position.
    let masked = crate::secrets::mask_source(&source.text);
    let file = SimpleFile::new(source.name.as_str(), masked.as_str());
    let config = Config { chars: Chars::ascii(), ..Config::default() };
    let mut sorted: Vec<&Diagnostic> = diagnostics.iter().collect();
    sorted.sort_by_key(|d| (d.span.line, d.span.column));
    let mut out = if colour { Buffer::ansi() } else { Buffer::no_color() };
    for diagnostic in sorted {
        let mut cs = match diagnostic.severity {
            Severity::Error => CsDiagnostic::error(),
            Severity::Warning => CsDiagnostic::warning(),
        }
        .with_message(&diagnostic.message)
        .with_notes(
            diagnostic
                .notes
                .iter()
                .map(|n| format!("note: {n}"))
                .chain(diagnostic.help.iter().map(|h| format!("help: {h}")))
                .collect(),
        );
        if let Some(range) = byte_range(&source.text, diagnostic.span) {
            cs = cs.with_labels(vec![Label::primary((), range).with_message(&diagnostic.label)]);
        } else {
            // No position (a whole-file problem, or an empty file): name the file at least.
            cs.message = format!("{}: {}", source.name, cs.message);
        }
        // Writing to an in-memory buffer cannot fail for a file we built ourselves.
        let _ = term::emit_to_write_style(&mut out, &config, &file, &cs);
    }
    String::from_utf8_lossy(out.as_slice()).into_owned()
}

/// Maps a (line, character column, length) span to byte offsets in `text`. A zero length covers
/// the token that starts there: a quoted string to its closing quote, else up to a comment or the
/// end of the line.
fn byte_range(text: &str, span: SourceSpan) -> Option<std::ops::Range<usize>> {
    if !span.is_known() {
        return None;
    }
    let line_start =
        if span.line == 1 { 0 } else { text.match_indices('\n').nth(span.line - 2).map(|(i, _)| i + 1)? };
    let line_end = text[line_start..].find('\n').map_or(text.len(), |i| line_start + i);
    let line = &text[line_start..line_end];
    let col_byte = line.char_indices().nth(span.column.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
    let rest = &line[col_byte..];
    let len_bytes =
        if span.len > 0 { rest.char_indices().nth(span.len).map_or(rest.len(), |(i, _)| i) } else { token_len(rest) };
    let start = line_start + col_byte;
    Some(start..start + len_bytes.max(if rest.is_empty() { 0 } else { 1 }))
}

fn token_len(rest: &str) -> usize {
    let mut chars = rest.char_indices();
    match chars.next() {
        Some((_, q @ ('"' | '\''))) => chars.find(|&(_, c)| c == q).map_or(rest.len(), |(i, c)| i + c.len_utf8()),
        Some(_) => {
            let end = rest.find(" #").unwrap_or(rest.len());
            let token = rest[..end].trim_end();
            // A mapping key: stop at its colon so only the key is underlined.
            match token.find(": ") {
                Some(i) => i,
                None => token.strip_suffix(':').map_or(token.len(), str::len),
            }
        }
        None => 0,
    }
}

/// A value as quoted in a message: at most 60 characters, then `...`. Every module that echoes
/// user text (spec values, schedule expressions, traffic files) uses this one helper, so a huge
/// input never floods a message and the ellipsis looks the same everywhere. It counts chars,
/// never bytes, so unicode input cannot cause a bad slice.
pub fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    if text.chars().count() <= MAX {
        text.to_string()
    } else {
        format!("{}...", text.chars().take(MAX).collect::<String>())
    }
}

/// The closest of `candidates` to `word`, when close enough to be a plausible typo.
pub fn did_you_mean<'a>(word: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::jaro_winkler(word, c), c))
        .filter(|(score, _)| *score > 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_position_line_label_and_help() {
        let source = Source::new("s.yaml", "a: 1\nnmae: x\n");
        let d = Diagnostic::error("unknown key `nmae`")
            .at(SourceSpan::new(2, 1, 0), "unknown key")
            .help("did you mean `name`?");
        let text = render(&source, &[d], false);
        assert_eq!(
            text,
            "error: unknown key `nmae`\n  --> s.yaml:2:1\n  |\n2 | nmae: x\n  | ^^^^ unknown key\n  |\n  = help: did you mean `name`?\n\n"
        );
    }

    #[test]
    fn quoted_token_is_underlined_whole() {
        assert_eq!(token_len("\"ml.t3 x\" # c"), 9);
        assert_eq!(token_len("ml.c5.large # c"), 11);
        assert_eq!(token_len("key: value"), 3);
    }

    #[test]
    fn shorten_keeps_60_characters_and_marks_the_cut() {
        assert_eq!(shorten("cron(0 8 ? * MON-FRI *)"), "cron(0 8 ? * MON-FRI *)");
        assert_eq!(shorten(&"é".repeat(60)), "é".repeat(60));
        assert_eq!(shorten(&"é".repeat(61)), format!("{}...", "é".repeat(60)));
    }

    #[test]
    fn suggestions_only_when_close() {
        assert_eq!(did_you_mean("instance_typ", ["name", "instance_type"]), Some("instance_type"));
        assert_eq!(did_you_mean("zzz", ["name", "instance_type"]), None);
    }
}
