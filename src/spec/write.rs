//! The spec writer: spec-shaped data (the serde types of `spec`) to YAML text that `spec::parse`
//! reads back to the same values.
//!
//! The types serialize to a `serde_json::Value` (field order kept, empty and absent values left
//! out), which is then written as block YAML, two spaces per level, the way the examples are
//! written. A small emitter rather than a YAML crate: the only maintained writer that takes serde
//! types, serde_yaml, is deprecated upstream, and marked-yaml only reads. The subset needed here
//! is small and the tests below pin it.
//!
//! Quoting is what makes a writer correct. A string is written plain only when every YAML reader
//! takes it back as that same string: no indicator at its start, no `: ` or ` #` inside, nothing
//! that YAML 1.1 or 1.2 resolves to a number, boolean, null or date (`"123"`, `"yes"`, `"~"`,
//! `"2026-12-01"`). Everything else is double-quoted with YAML escapes. The spec refuses quoted
//! numbers in number fields, so numbers are always plain, and no anchors, aliases or tags are
//! ever written.

use std::fmt::{self, Write as _};

use serde::{Serialize, Serializer};
use serde_json::Value;

use super::{Pos, Spec, Variant};
use crate::diagnostic::{Diagnostic, Source};

/// A spec, or a fragment of one, ready to be written, with comment lines the writer keeps.
pub struct Document {
    header: Vec<String>,
    root: Node,
}

enum Node {
    /// A scalar already in its written form (quoted if it had to be).
    Scalar(String),
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

struct Entry {
    /// Comment lines written above the key.
    comments: Vec<String>,
    key: String,
    value: Node,
}

impl Document {
    /// A whole spec.
    pub fn spec(spec: &Spec) -> Self {
        Self::of(spec)
    }

    /// A list of variants: what goes under an endpoint's `variants:`.
    pub fn variants(variants: &[Variant]) -> Self {
        Self::of(variants)
    }

    /// One variant, as a mapping (the body of one `- ` entry under `variants:`).
    pub fn variant(variant: &Variant) -> Self {
        Self::of(variant)
    }

    fn of<T: Serialize + ?Sized>(value: &T) -> Self {
        // Serializing the spec types cannot fail: their keys are strings. A non-finite number
        // becomes null, which the spec refuses on reading, as it refuses non-finite numbers.
        let value = serde_json::to_value(value).unwrap_or(Value::Null);
        Document { header: Vec::new(), root: node(&value) }
    }

    /// Adds comment lines (one per line of `text`) at the top of the document.
    pub fn header(mut self, text: &str) -> Self {
        self.header.extend(text.lines().map(str::to_string));
        self
    }

    /// Writes the scalar at `pointer` as `raw`, a value holding variable references (`${`
    /// unescaped, so it reads back as the references); false when no scalar stands there.
    fn reference(&mut self, pointer: &str, raw: &str) -> bool {
        match node_at(&mut self.root, pointer) {
            Some(node @ Node::Scalar(_)) => {
                *node = Node::Scalar(scalar(raw));
                true
            }
            _ => false,
        }
    }

    /// Adds comment lines above the key that `pointer` (a JSON Pointer into the serialized
    /// document, such as `/endpoints/0/variants/1/autoscaling/target`) names.
    ///
    /// # Panics
    /// When nothing stands at `pointer`: callers pass pointers into documents they just built.
    pub fn comment(mut self, pointer: &str, text: &str) -> Self {
        let entry = entry_at(&mut self.root, pointer);
        let entry = entry.unwrap_or_else(|| panic!("no key at {pointer} to comment on"));
        entry.comments.extend(text.lines().map(str::to_string));
        self
    }
}

impl fmt::Display for Document {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for line in &self.header {
            comment_line(&mut out, 0, line);
        }
        match &self.root {
            Node::Map(entries) => write_map(&mut out, entries, 0),
            Node::Seq(items) => write_seq(&mut out, items, 0),
            Node::Scalar(s) => {
                out.push_str(s);
                out.push('\n');
            }
        }
        f.write_str(&out)
    }
}

/// A spec with one variant replaced, as [`replace_variant`] wrote it.
pub struct Replaced {
    pub text: String,
    /// Every line outside the variant is as the file had it, comments included. False when the
    /// file's layout left no place to splice the variant into (a flow-style `{...}` variant or
    /// `[...]` list): the whole spec was then written anew, without the file's comments.
    pub kept_layout: bool,
    /// The variant's variable references (`${var.NAME}`) whose value the replacement changes,
    /// each as "`field` (was `${var.NAME}`)": the text holds the new value there instead, the
    /// same in every environment. The references whose value it keeps are written as they were.
    pub pinned: Vec<String>,
    /// The spec uses variables and was written anew (not `kept_layout`): the text holds this
    /// run's values in place of every `${var.NAME}`, sensitive ones included, so it must not be
    /// written to a file; it serves only to read the change back.
    pub pins_variables: bool,
}

/// The spec `source` with the variant at `endpoints[endpoint].variants[variant]` replaced by
/// `replacement`, preceded by `note` as comment lines. The variant's lines (and the comments
/// among them, which described the old values) are replaced; every other line stays as written,
/// so `diff` shows the change alone.
///
/// The spec is read with the variable values `inputs` gives (those the caller read it with),
/// and the variant's `${var.NAME}` references are kept where the replacement keeps their value,
/// so the rewritten spec still serves every environment.
///
/// The result is read back before it is returned: it must mean the old spec with only that
/// variant changed. When it does not (a layout the splice does not handle), the whole spec is
/// written from its values instead, which always reads back (the round-trip tests above).
/// Errors only when `source` is not a spec or has no such variant.
pub fn replace_variant(
    source: &Source,
    inputs: &super::vars::Inputs,
    endpoint: usize,
    variant: usize,
    replacement: Variant,
    note: &str,
) -> Result<Replaced, Vec<Diagnostic>> {
    let parsed = super::parse_with(source, inputs)?;
    let uses_variables = parsed.variables.used();
    let mut original = parsed.spec;
    let missing = || vec![Diagnostic::error(format!("the spec has no variant {variant} in endpoint {endpoint}"))];
    let slot = original.endpoints.get_mut(endpoint).and_then(|e| e.variants.get_mut(variant)).ok_or_else(missing)?;
    let expected = format!("{replacement:?}");
    let old = std::mem::replace(slot, replacement);
    // The references in the variant as written: kept where the value stays, else reported.
    let (old_value, new_value) = (
        serde_json::to_value(&old).unwrap_or(Value::Null),
        serde_json::to_value(&original.endpoints[endpoint].variants[variant]).unwrap_or(Value::Null),
    );
    let mut document = Document::variant(&original.endpoints[endpoint].variants[variant]);
    let mut pinned = Vec::new();
    for (pointer, raw) in variant_node(source, endpoint, variant).map(references).unwrap_or_default() {
        let kept = new_value.pointer(&pointer).is_some_and(|v| Some(v) == old_value.pointer(&pointer));
        if kept && document.reference(&pointer, &raw) {
            continue;
        }
        pinned.push(format!("`{}` (was `{raw}`)", field_name(&old_value, &pointer)));
    }
    let mut header = note.to_string();
    if !pinned.is_empty() {
        header.push_str("\nThe change replaces variables with values, the same in every environment:");
        for p in &pinned {
            header.push_str(&format!("\n  {p}"));
        }
    }
    if let Some(text) = splice(source, endpoint, variant, &document, &header) {
        if means(&text, inputs, &original, endpoint, variant, &expected) {
            return Ok(Replaced { text, kept_layout: true, pinned, pins_variables: false });
        }
    }
    let text = Document::spec(&original).header(note).to_string();
    Ok(Replaced { text, kept_layout: false, pinned, pins_variables: uses_variables })
}

/// Whether `text` read with `inputs` means `spec` (which holds the replacement) with the variant
/// `expected`.
fn means(
    text: &str,
    inputs: &super::vars::Inputs,
    spec: &Spec,
    endpoint: usize,
    variant: usize,
    expected: &str,
) -> bool {
    let Ok(back) = super::parse_with(&Source::new("replaced", text), inputs) else { return false };
    let back = back.spec;
    let got = back.endpoints.get(endpoint).and_then(|e| e.variants.get(variant));
    got.is_some_and(|v| format!("{v:?}") == expected) && format!("{back:?}") == format!("{spec:?}")
}

/// The variant at `endpoints[endpoint].variants[variant]` in the YAML tree as written (before
/// its variables are substituted).
fn variant_node(source: &Source, endpoint: usize, variant: usize) -> Option<marked_yaml::Node> {
    let root = super::load_node(source).ok()?;
    let node = root
        .as_mapping()?
        .get_node("endpoints")?
        .as_sequence()?
        .get_node(endpoint)?
        .as_mapping()?
        .get_node("variants")?
        .as_sequence()?
        .get_node(variant)?
        .clone();
    Some(node)
}

/// A JSON Pointer into a variant as the change's fields name it: `autoscaling.min`, and a list
/// item by its `name` when it has one (`autoscaling.schedules[business-hours-start].min`).
fn field_name(variant: &Value, pointer: &str) -> String {
    let mut out = String::new();
    let mut at = Some(variant);
    for step in pointer.trim_start_matches('/').split('/').map(|s| s.replace("~1", "/").replace("~0", "~")) {
        let here = at;
        at = here.and_then(|v| match v {
            Value::Array(items) => items.get(step.parse::<usize>().ok()?),
            Value::Object(map) => map.get(&step),
            _ => None,
        });
        match here {
            Some(Value::Array(_)) => {
                let name = at.and_then(|v| v.get("name")).and_then(Value::as_str).map_or(step, str::to_string);
                out.push_str(&format!("[{name}]"));
            }
            _ => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(&step);
            }
        }
    }
    out
}

/// Every scalar under `node` that holds a `${`, as (JSON Pointer, text as written).
fn references(node: marked_yaml::Node) -> Vec<(String, String)> {
    fn walk(node: &marked_yaml::Node, pointer: String, out: &mut Vec<(String, String)>) {
        let step = |k: &str| format!("{pointer}/{}", k.replace('~', "~0").replace('/', "~1"));
        match node {
            marked_yaml::Node::Scalar(s) if s.as_str().contains("${") => out.push((pointer, s.as_str().to_string())),
            marked_yaml::Node::Scalar(_) => {}
            marked_yaml::Node::Mapping(m) => m.iter().for_each(|(k, v)| walk(v, step(k.as_str()), out)),
            marked_yaml::Node::Sequence(items) => {
                items.iter().enumerate().for_each(|(i, v)| walk(v, step(&i.to_string()), out))
            }
        }
    }
    let mut out = Vec::new();
    walk(&node, String::new(), &mut out);
    out
}

/// The text with the variant's lines replaced, for a block-style variant (`- name: ...` with
/// its keys on their own lines); `None` for any other layout.
fn splice(source: &Source, endpoint: usize, variant: usize, replacement: &Document, note: &str) -> Option<String> {
    let root = variant_node(source, endpoint, variant)?;
    let node = root.as_mapping()?;
    // The mapping's own start marker stands after its first key (at the `:`): the variant
    // starts at its first key.
    let start = node.keys().filter_map(|k| k.span().start()).min_by_key(|m| m.character())?;
    let end = node.span().end()?;
    let lines: Vec<&str> = source.text.split_inclusive('\n').collect();
    // Markers count lines and columns from 1, in characters.
    let first = start.line().checked_sub(1)?;
    let line = *lines.get(first)?;
    let prefix: String = line.chars().take(start.column().checked_sub(1)?).collect();
    // The entry's dash and the indentation before it: `      - ` (a flow-style `- {name: ...`
    // or a first key on its own line is left to the fallback).
    let dash = prefix.trim_end();
    if !dash.ends_with('-') || !dash[..dash.len() - 1].chars().all(|c| c == ' ') {
        return None;
    }
    // The mapping ends where the next token starts; the comments and blank lines just before
    // that belong to what follows.
    let mut last = end.line().checked_sub(1)?.min(lines.len());
    while last > first + 1 && is_blank_or_comment(lines[last - 1]) {
        last -= 1;
    }
    if last <= first {
        return None;
    }
    let indent = " ".repeat(prefix.chars().count());
    let mut out: String = lines[..first].concat();
    let dash_indent = &prefix[..prefix.len() - prefix.trim_start().len()];
    for n in note.lines() {
        out.push_str(dash_indent);
        out.push_str(if n.is_empty() { "#" } else { "# " });
        out.push_str(n);
        out.push('\n');
    }
    out.push_str(&prefix);
    for (i, l) in replacement.to_string().lines().enumerate() {
        if i > 0 {
            out.push_str(&indent);
        }
        out.push_str(l);
        out.push('\n');
    }
    out.push_str(&lines[last..].concat());
    Some(out)
}

fn is_blank_or_comment(line: &str) -> bool {
    let t = line.trim();
    t.is_empty() || t.starts_with('#')
}

/// The node at `pointer` (a JSON Pointer; empty for the root).
fn node_at<'a>(root: &'a mut Node, pointer: &str) -> Option<&'a mut Node> {
    if pointer.is_empty() {
        return Some(root);
    }
    let mut node = root;
    for step in pointer.strip_prefix('/')?.split('/').map(|s| s.replace("~1", "/").replace("~0", "~")) {
        node = match node {
            Node::Map(entries) => &mut entries.iter_mut().find(|e| e.key == step)?.value,
            Node::Seq(items) => items.get_mut(step.parse::<usize>().ok()?)?,
            Node::Scalar(_) => return None,
        };
    }
    Some(node)
}

fn entry_at<'a>(root: &'a mut Node, pointer: &str) -> Option<&'a mut Entry> {
    let mut steps = pointer.strip_prefix('/')?.split('/').map(|s| s.replace("~1", "/").replace("~0", "~")).peekable();
    let mut node = root;
    while let Some(step) = steps.next() {
        match node {
            Node::Map(entries) => {
                // Keys are stored as written; pointers name struct fields, which are plain.
                let entry = entries.iter_mut().find(|e| e.key == step)?;
                if steps.peek().is_none() {
                    return Some(entry);
                }
                node = &mut entry.value;
            }
            Node::Seq(items) => node = items.get_mut(step.parse::<usize>().ok()?)?,
            Node::Scalar(_) => return None,
        }
    }
    None
}

fn node(value: &Value) -> Node {
    match value {
        Value::Null => Node::Scalar("null".into()),
        Value::Bool(b) => Node::Scalar(b.to_string()),
        Value::Number(n) => Node::Scalar(number(n)),
        // `${` would read back as a variable reference: `$${` is its escape.
        Value::String(s) => Node::Scalar(scalar(&s.replace("${", "$${"))),
        Value::Array(items) => Node::Seq(items.iter().map(node).collect()),
        Value::Object(map) => {
            Node::Map(map.iter().map(|(k, v)| Entry { comments: Vec::new(), key: key(k), value: node(v) }).collect())
        }
    }
}

/// Integers as integers; floats in Rust's shortest form that reads back to the same bits, which
/// never uses an exponent and drops a zero fraction (`40`, `0.5`, `336`).
fn number(n: &serde_json::Number) -> String {
    match (n.as_u64(), n.as_i64(), n.as_f64()) {
        (Some(u), _, _) => u.to_string(),
        (None, Some(i), _) => i.to_string(),
        (None, None, Some(f)) => format!("{f}"),
        _ => n.to_string(),
    }
}

fn write_map(out: &mut String, entries: &[Entry], indent: usize) {
    for e in entries {
        for c in &e.comments {
            comment_line(out, indent, c);
        }
        pad(out, indent);
        out.push_str(&e.key);
        out.push(':');
        match &e.value {
            Node::Scalar(s) => {
                out.push(' ');
                out.push_str(s);
                out.push('\n');
            }
            Node::Map(m) if m.is_empty() => out.push_str(" {}\n"),
            Node::Seq(s) if s.is_empty() => out.push_str(" []\n"),
            Node::Map(m) => {
                out.push('\n');
                write_map(out, m, indent + 2);
            }
            // Sequence items stand one level in from their key, as in the examples.
            Node::Seq(s) => {
                out.push('\n');
                write_seq(out, s, indent + 2);
            }
        }
    }
}

fn write_seq(out: &mut String, items: &[Node], indent: usize) {
    for item in items {
        match item {
            Node::Scalar(s) => {
                pad(out, indent);
                out.push_str("- ");
                out.push_str(s);
                out.push('\n');
            }
            Node::Map(m) if m.is_empty() => {
                pad(out, indent);
                out.push_str("- {}\n");
            }
            Node::Seq(s) if s.is_empty() => {
                pad(out, indent);
                out.push_str("- []\n");
            }
            // `- first: ...` with the other keys under `first`: write the mapping two columns
            // in, then put the dash into the indentation of its first key line.
            Node::Map(m) => {
                let mut block = String::new();
                write_map(&mut block, m, indent + 2);
                let mut dashed = false;
                for line in block.lines() {
                    if !dashed && !line.trim_start().starts_with('#') {
                        dashed = true;
                        pad(out, indent);
                        out.push_str("- ");
                        out.push_str(&line[indent + 2..]);
                    } else {
                        out.push_str(line);
                    }
                    out.push('\n');
                }
            }
            Node::Seq(s) => {
                pad(out, indent);
                out.push_str("-\n");
                write_seq(out, s, indent + 2);
            }
        }
    }
}

fn comment_line(out: &mut String, indent: usize, text: &str) {
    pad(out, indent);
    out.push('#');
    if !text.is_empty() {
        out.push(' ');
        out.push_str(text);
    }
    out.push('\n');
}

fn pad(out: &mut String, indent: usize) {
    out.extend(std::iter::repeat_n(' ', indent));
}

/// A string value as YAML: plain when every reader takes it back as this string, else
/// double-quoted.
pub(crate) fn scalar(text: &str) -> String {
    if is_plain(text) {
        text.to_string()
    } else {
        double_quoted(text)
    }
}

/// A mapping key: as a value, and quoted also when it holds a `:`, which some readers take for
/// the end of a plain key.
fn key(text: &str) -> String {
    if text.contains(':') {
        double_quoted(text)
    } else {
        scalar(text)
    }
}

fn is_plain(text: &str) -> bool {
    let Some(first) = text.chars().next() else { return false };
    // Indicators (`-`, `?`, `:`, `[`, `{`, `#`, `&`, `*`, `!`, `|`, `>`, quotes, `%`, `@`, a
    // backtick), a leading `.` (`.inf`) or `+`, and leading spaces are all outside this set.
    (first.is_ascii_alphanumeric() || first == '/' || first == '_')
        // Printable ASCII only: tabs, line breaks and other characters are escaped in quotes.
        && text.chars().all(|c| c.is_ascii_graphic() || c == ' ')
        // Trailing spaces are not part of a plain scalar.
        && !text.ends_with(' ')
        // `: ` ends a key and ` #` starts a comment.
        && !text.contains(": ")
        && !text.contains(" #")
        && !text.ends_with(':')
        && !resolves_to_other_type(text)
}

/// Plain text that YAML 1.2 (core schema) or YAML 1.1 reads as a boolean, null, number or date.
fn resolves_to_other_type(text: &str) -> bool {
    let lower = text.to_ascii_lowercase();
    if matches!(lower.as_str(), "true" | "false" | "yes" | "no" | "y" | "n" | "on" | "off" | "null" | "~") {
        return true;
    }
    // Rust's parser takes decimal numbers, exponents, `inf` and `nan`.
    if text.parse::<f64>().is_ok() {
        return true;
    }
    // Hex and octal (`0x1F`, `0o17`), YAML 1.1's `1_000` and sexagesimal `1:30`, and dates
    // (`2026-12-01`): a leading digit followed only by digits, hex letters and separators.
    // Quoting a string that only looks like these (`1d`) costs nothing.
    text.starts_with(|c: char| c.is_ascii_digit())
        && text
            .chars()
            .all(|c| c.is_ascii_hexdigit() || matches!(c, 'x' | 'X' | 'o' | 'O' | '_' | '.' | ':' | '+' | '-'))
}

/// A double-quoted YAML scalar. Characters YAML does not print, and the line breaks YAML would
/// fold inside quotes (NEL, LS, PS), are escaped.
fn double_quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            ' '..='~' => out.push(c),
            '\u{a0}'..='\u{d7ff}' | '\u{e000}'..='\u{fffd}' | '\u{10000}'..
                if !matches!(c, '\u{2028}' | '\u{2029}' | '\u{feff}') =>
            {
                out.push(c)
            }
            c if u32::from(c) <= 0xffff => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08X}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Cooldowns as people write them: whole seconds as a number (`600`), other durations as text
/// (`5m`). Text that a number would not give back exactly (`0600`) stays text.
pub(super) fn duration<S: Serializer>(value: &Option<Pos<String>>, serializer: S) -> Result<S::Ok, S::Error> {
    let Some(text) = value else { return serializer.serialize_none() };
    match text.parse::<u64>() {
        Ok(secs) if secs.to_string() == **text => serializer.serialize_u64(secs),
        _ => serializer.serialize_str(text),
    }
}

/// [`duration`] for a required field.
pub(super) fn duration_required<S: Serializer>(value: &Pos<String>, serializer: S) -> Result<S::Ok, S::Error> {
    match value.parse::<u64>() {
        Ok(secs) if secs.to_string() == **value => serializer.serialize_u64(secs),
        _ => serializer.serialize_str(value),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::diagnostic::Source;
    use crate::spec::vars::Inputs;
    use crate::spec::{parse, AutoScaling, Endpoint, ModelSpec, Target, TargetSpec};

    fn parse_text(text: &str) -> Spec {
        parse(&Source::new("spec.yaml", text)).unwrap_or_else(|d| panic!("{d:?}\n{text}"))
    }

    /// Parse, write, parse again: the two specs hold the same values (Debug shows every field
    /// and, through `Pos`, no positions), and validate to the same model.
    fn assert_round_trip(text: &str) -> String {
        let first = parse_text(text);
        let written = Document::spec(&first).to_string();
        let second = parse_text(&written);
        assert_eq!(format!("{first:#?}"), format!("{second:#?}"), "written:\n{written}");
        let (a, b) = (crate::validate::validate(&first), crate::validate::validate(&second));
        assert_eq!(a.desired, b.desired, "written:\n{written}");
        assert_eq!(a.diagnostics.len(), b.diagnostics.len());
        written
    }

    fn example_files() -> Vec<std::path::PathBuf> {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("examples");
        let mut files = Vec::new();
        for dir in [root.clone(), root.join("study")] {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "yaml") {
                    files.push(path);
                }
            }
        }
        files.sort();
        files
    }

    #[test]
    fn every_example_round_trips() {
        let files = example_files();
        assert!(files.len() >= 4, "{files:?}");
        for path in files {
            let text = std::fs::read_to_string(&path).unwrap();
            let written = assert_round_trip(&text);
            // Writing what was written changes nothing: the output is canonical.
            assert_eq!(Document::spec(&parse_text(&written)).to_string(), written, "{}", path.display());
        }
    }

    #[test]
    fn writes_block_yaml_like_the_examples() {
        let written = assert_round_trip(
            "version: 1\nproject: p\ntags: {b: '2', a: x}\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      - {name: v, instance_type: ml.c5.large, initial_weight: 0.5, autoscaling: {min: 1, max: 2, scale_in_cooldown: 600, scale_out_cooldown: \"0600\", schedules: [{name: s, schedule: rate(1 hour), min: 2}]}}\n",
        );
        assert_eq!(
            written,
            r#"version: 1
project: p
tags:
  a: x
  b: "2"
endpoints:
  - name: e
    model:
      existing: m
    variants:
      - name: v
        instance_type: ml.c5.large
        initial_weight: 0.5
        autoscaling:
          min: 1
          max: 2
          scale_in_cooldown: 600
          scale_out_cooldown: "0600"
          schedules:
            - name: s
              schedule: rate(1 hour)
              min: 2
"#
        );
    }

    #[test]
    fn strings_are_quoted_only_when_yaml_would_read_something_else() {
        let plain = [
            "ml.c5.large",
            "cron(0 8 ? * MON-FRI *)",
            "2026-12-01T00:00:00Z",
            "s3://bucket/model.tar.gz",
            "arn:aws:iam::123456789012:role/R",
            "America/New_York",
            "5m",
            "a#b",
            "fs-7f3a9c1e",
            "_JAVA_OPTIONS",
            "say \"hi\"",
        ];
        for text in plain {
            assert_eq!(scalar(text), text);
        }
        let quoted = [
            ("true", r#""true""#),
            ("No", r#""No""#),
            ("off", r#""off""#),
            ("~", r#""~""#),
            ("null", r#""null""#),
            ("", r#""""#),
            ("123", r#""123""#),
            ("1e3", r#""1e3""#),
            ("0x1F", r#""0x1F""#),
            ("1_000", r#""1_000""#),
            ("1:30", r#""1:30""#),
            ("2026-12-01", r#""2026-12-01""#),
            (".inf", r#"".inf""#),
            ("nan", r#""nan""#),
            ("-x", r#""-x""#),
            ("*x", r#""*x""#),
            ("&x", r#""&x""#),
            ("!x", r#""!x""#),
            ("a: b", r#""a: b""#),
            ("a #b", r#""a #b""#),
            ("a:", r#""a:""#),
            ("a ", r#""a ""#),
            (" a", r#"" a""#),
            ("\"hi\"", r#""\"hi\"""#),
            ("tab\there", r#""tab\there""#),
            ("two\nlines", r#""two\nlines""#),
            ("caf\u{e9}", "\"caf\u{e9}\""),
            ("nel\u{85}", r#""nel\u0085""#),
            ("bell\u{7}", r#""bell\u0007""#),
        ];
        for (text, written) in quoted {
            assert_eq!(scalar(text), written, "{text:?}");
        }
    }

    #[test]
    fn awkward_strings_read_back_unchanged() {
        let awkward = [
            "true",
            "123",
            "0600",
            "1:30",
            "a: b",
            "a #b",
            "-",
            "- x",
            "? x",
            "[x]",
            "{x}",
            "'x'",
            "\"x\"",
            "%x",
            "@x",
            "`x`",
            "|",
            ">",
            "x ",
            " x",
            "",
            "tab\t",
            "nl\n",
            "cr\r",
            "back\\slash",
            "caf\u{e9}",
            "\u{85}\u{2028}\u{2029}\u{feff}",
            "\u{1}\u{7f}\u{9f}",
            "emoji \u{1f600}",
            "ns:key",
            "k: v # c",
            // Read back literally, not as variable references.
            "${var.x}",
            "$${x}",
            "a ${b} $c",
        ];
        for text in awkward {
            let mut tags = BTreeMap::new();
            // Keys never hold `${` (the reader refuses it; AWS tag keys and environment names
            // cannot hold `$`), so only values carry those.
            let key = if text.contains("${") { "k".to_string() } else { text.to_string() };
            tags.insert(Pos::new(format!("k{key}")), Pos::new(text.to_string()));
            tags.insert(Pos::new(key), Pos::new("v".to_string()));
            let spec = Spec {
                version: Pos::new(1),
                vars: BTreeMap::new(),
                project: Pos::new(text.to_string()),
                region: None,
                tags,
                disable_rules: vec![Pos::new(text.to_string())],
                endpoints: Vec::new(),
            };
            let written = Document::spec(&spec).to_string();
            let back = parse_text(&written);
            assert_eq!(back.project.value, text, "{written}");
            assert_eq!(back.disable_rules[0].value, text, "{written}");
            assert_eq!(format!("{:?}", back.tags), format!("{:?}", spec.tags), "{written}");
        }
    }

    #[test]
    fn numbers_read_back_to_the_same_bits() {
        for weight in [0.1, 1.0, 40.0, 1e-7, 1e300, 0.30000000000000004, 123456.789, f64::MIN_POSITIVE] {
            let variant = Variant {
                name: Pos::new("v".into()),
                instance_type: Pos::new("ml.c5.large".into()),
                initial_instance_count: Some(Pos::new(u32::MAX)),
                initial_weight: Some(Pos::new(weight)),
                volume_size_in_gb: None,
                model_data_download_timeout: None,
                container_startup_health_check_timeout: None,
                model: None,
                max_rps_per_instance: None,
                autoscaling: None,
            };
            let spec = Spec {
                version: Pos::new(1),
                vars: BTreeMap::new(),
                project: Pos::new("p".into()),
                region: None,
                tags: BTreeMap::new(),
                disable_rules: Vec::new(),
                endpoints: vec![Endpoint {
                    name: Pos::new("e".into()),
                    tags: BTreeMap::new(),
                    adopt: None,
                    model: Some(ModelSpec { existing: Some(Pos::new("m".into())), ..ModelSpec::default() }),
                    kms_key_id: None,
                    data_capture: None,
                    variants: vec![variant],
                    rollout: None,
                }],
            };
            let back = parse_text(&Document::spec(&spec).to_string());
            let v = &back.endpoints[0].variants[0];
            assert_eq!(v.initial_weight.as_ref().unwrap().value.to_bits(), weight.to_bits());
            assert_eq!(v.initial_instance_count.as_ref().unwrap().value, u32::MAX);
        }
    }

    #[test]
    fn a_variant_list_is_a_fragment_with_comments() {
        let variant = Variant {
            name: Pos::new("primary".into()),
            instance_type: Pos::new("ml.c5.large".into()),
            initial_instance_count: None,
            initial_weight: None,
            volume_size_in_gb: None,
            model_data_download_timeout: None,
            container_startup_health_check_timeout: None,
            model: None,
            max_rps_per_instance: Some(Pos::new(20.0)),
            autoscaling: Some(AutoScaling {
                min: Pos::new(1),
                max: Pos::new(2),
                metric: None,
                target: Some(Pos::new(TargetSpec::Derived(Target {
                    safety_factor: Some(Pos::new(0.5)),
                    ..Target::default()
                }))),
                scale_in_cooldown: None,
                scale_out_cooldown: None,
                disable_scale_in: Some(Pos::new(true)),
                schedules: Vec::new(),
            }),
        };
        let written = Document::variants(&[variant])
            .header("first\n\nsecond")
            .comment("/0/autoscaling/target", "why this target")
            .comment("/0/name", "on the first key")
            .to_string();
        assert_eq!(
            written,
            "# first\n#\n# second\n  # on the first key\n- name: primary\n  instance_type: ml.c5.large\n  max_rps_per_instance: 20\n  autoscaling:\n    min: 1\n    max: 2\n    # why this target\n    target:\n      safety_factor: 0.5\n    disable_scale_in: true\n"
        );
    }

    fn small_variant(name: &str, instance_type: &str) -> Variant {
        Variant {
            name: Pos::new(name.into()),
            instance_type: Pos::new(instance_type.into()),
            initial_instance_count: Some(Pos::new(2)),
            initial_weight: None,
            volume_size_in_gb: None,
            model_data_download_timeout: None,
            container_startup_health_check_timeout: None,
            model: None,
            max_rps_per_instance: Some(Pos::new(20.0)),
            autoscaling: Some(AutoScaling {
                min: Pos::new(2),
                max: Pos::new(6),
                metric: None,
                target: Some(Pos::new(TargetSpec::Derived(Target {
                    safety_factor: Some(Pos::new(0.7)),
                    ..Target::default()
                }))),
                scale_in_cooldown: None,
                scale_out_cooldown: None,
                disable_scale_in: None,
                schedules: Vec::new(),
            }),
        }
    }

    #[test]
    fn a_replaced_variant_leaves_every_other_line_as_written() {
        let text = "# top comment\nversion: 1\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      # the first variant\n      - name: a\n        instance_type: ml.c5.xlarge   # sized for the peak\n        # a comment inside it\n        initial_instance_count: 3\n\n      # the second variant\n      - name: b\n        instance_type: ml.c5.large\n  - name: f\n    model: {existing: m}\n    variants:\n      - {name: c, instance_type: ml.c5.large}\n";
        let source = Source::new("spec.yaml", text);
        let replaced =
            replace_variant(&source, &Inputs::default(), 0, 0, small_variant("a", "ml.c5.large"), "changed\nby a test")
                .unwrap();
        assert!(replaced.kept_layout);
        assert_eq!(
            replaced.text,
            "# top comment\nversion: 1\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      # the first variant\n      # changed\n      # by a test\n      - name: a\n        instance_type: ml.c5.large\n        initial_instance_count: 2\n        max_rps_per_instance: 20\n        autoscaling:\n          min: 2\n          max: 6\n          target:\n            safety_factor: 0.7\n\n      # the second variant\n      - name: b\n        instance_type: ml.c5.large\n  - name: f\n    model: {existing: m}\n    variants:\n      - {name: c, instance_type: ml.c5.large}\n"
        );
        // The last variant of an endpoint, and of the file (no newline at its end).
        let replaced =
            replace_variant(&source, &Inputs::default(), 0, 1, small_variant("b", "ml.m5.large"), "x").unwrap();
        assert!(replaced.kept_layout);
        assert!(
            replaced.text.contains(
                "      # the second variant\n      # x\n      - name: b\n        instance_type: ml.m5.large\n"
            ),
            "{}",
            replaced.text
        );
        assert!(replaced.text.ends_with("          target:\n            safety_factor: 0.7\n  - name: f\n    model: {existing: m}\n    variants:\n      - {name: c, instance_type: ml.c5.large}\n"), "{}", replaced.text);
        let at_the_end = Source::new("spec.yaml", "version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      - name: a\n        instance_type: ml.c5.xlarge");
        let replaced =
            replace_variant(&at_the_end, &Inputs::default(), 0, 0, small_variant("a", "ml.c5.large"), "x").unwrap();
        assert!(replaced.kept_layout);
        assert!(replaced.text.starts_with("version: 1\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      # x\n      - name: a\n        instance_type: ml.c5.large\n"), "{}", replaced.text);
    }

    #[test]
    fn a_flow_style_variant_is_replaced_by_writing_the_whole_spec() {
        let text = "version: 1\nproject: p  # a comment\nendpoints:\n  - name: f\n    model: {existing: m}\n    variants:\n      - {name: c, instance_type: ml.c5.large}\n      - name: d\n        instance_type: ml.c5.large\n";
        let source = Source::new("spec.yaml", text);
        for (variant, name) in [(0, "c"), (1, "d")] {
            let replaced =
                replace_variant(&source, &Inputs::default(), 0, variant, small_variant(name, "ml.m5.large"), "note")
                    .unwrap();
            let back = parse_text(&replaced.text);
            assert_eq!(back.endpoints[0].variants[variant].instance_type.value, "ml.m5.large");
            assert_eq!(back.endpoints[0].variants[1 - variant].instance_type.value, "ml.c5.large");
            // The block-style one is spliced; the flow-style one makes the whole spec written.
            assert_eq!(replaced.kept_layout, variant == 1, "{}", replaced.text);
            assert_eq!(replaced.text.contains("# a comment"), variant == 1, "{}", replaced.text);
        }
        let in_a_flow_list = Source::new("spec.yaml", "version: 1\nproject: p\nendpoints:\n  - name: f\n    model: {existing: m}\n    variants: [{name: c, instance_type: ml.c5.large}]\n");
        let replaced =
            replace_variant(&in_a_flow_list, &Inputs::default(), 0, 0, small_variant("c", "ml.m5.large"), "note")
                .unwrap();
        assert!(!replaced.kept_layout);
        assert!(replaced.text.starts_with("# note\nversion: 1\n"), "{}", replaced.text);
        assert_eq!(parse_text(&replaced.text).endpoints[0].variants[0].instance_type.value, "ml.m5.large");
        assert!(
            replace_variant(&in_a_flow_list, &Inputs::default(), 0, 1, small_variant("c", "ml.m5.large"), "").is_err()
        );
    }

    #[test]
    fn a_replaced_variant_keeps_the_references_whose_value_stays() {
        let text = "version: 1\nvars:\n  type: {default: ml.c5.large}\n  count: {type: number}\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants:\n      - name: a-${var.type}\n        instance_type: ${var.type}\n        initial_instance_count: ${var.count}\n";
        let source = Source::new("spec.yaml", text);
        let inputs = Inputs { flags: vec![("count".into(), "3".into())], ..Inputs::default() };
        // The name and type keep their values; the count changes from 3 to 2.
        let mut replacement = small_variant("a-ml.c5.large", "ml.c5.large");
        replacement.autoscaling = None;
        let replaced = replace_variant(&source, &inputs, 0, 0, replacement, "note").unwrap();
        assert!(replaced.kept_layout && !replaced.pins_variables);
        assert_eq!(replaced.pinned, ["`initial_instance_count` (was `${var.count}`)"]);
        assert!(
            replaced.text.ends_with("      # note\n      # The change replaces variables with values, the same in every environment:\n      #   `initial_instance_count` (was `${var.count}`)\n      - name: a-${var.type}\n        instance_type: \"${var.type}\"\n        initial_instance_count: 2\n        max_rps_per_instance: 20\n"),
            "{}",
            replaced.text
        );
        // Read with another value, the kept references follow it.
        let other = Inputs {
            flags: vec![("type".into(), "ml.m5.large".into()), ("count".into(), "3".into())],
            ..Inputs::default()
        };
        let back = crate::spec::parse_with(&Source::new("r.yaml", replaced.text.as_str()), &other).unwrap().spec;
        let v = &back.endpoints[0].variants[0];
        assert_eq!((v.name.value.as_str(), v.instance_type.value.as_str()), ("a-ml.m5.large", "ml.m5.large"));
    }

    #[test]
    fn a_spec_with_variables_written_anew_is_marked_as_holding_their_values() {
        let text = "version: 1\nvars:\n  type: {}\nproject: p\nendpoints:\n  - name: e\n    model: {existing: m}\n    variants: [{name: c, instance_type: \"${var.type}\"}]\n";
        let inputs = Inputs { flags: vec![("type".into(), "ml.c5.large".into())], ..Inputs::default() };
        let replaced =
            replace_variant(&Source::new("spec.yaml", text), &inputs, 0, 0, small_variant("c", "ml.m5.large"), "")
                .unwrap();
        assert!(!replaced.kept_layout && replaced.pins_variables);
        assert_eq!(replaced.pinned, ["`instance_type` (was `${var.type}`)"]);
    }

    #[test]
    fn fields_are_named_as_the_change_names_them() {
        let variant = serde_json::json!({"autoscaling": {"schedules": [{"name": "peak", "min": 2}, {"min": 1}]}});
        assert_eq!(field_name(&variant, "/autoscaling/schedules/0/min"), "autoscaling.schedules[peak].min");
        assert_eq!(field_name(&variant, "/autoscaling/schedules/1/min"), "autoscaling.schedules[1].min");
        assert_eq!(field_name(&variant, "/model/environment/A~1B"), "model.environment.A/B");
    }

    #[test]
    #[should_panic(expected = "no key at /0/nothing")]
    fn a_comment_must_stand_somewhere() {
        let _ = Document::variants(&[]).comment("/0/nothing", "x");
    }
}
