//! Variables: the spec's `vars:` block, the values given for them (`--var`, `--var-file`,
//! `ENDPOINT_SCALE_VAR_<NAME>`, a saved plan), and `${var.NAME}` in the spec's values.
//!
//! Terraform's input variables are the model, so that one spec can describe dev, staging and
//! prod: a declaration has an optional `description`, `type`, `default` and `sensitive`; one
//! without a default is required; values are taken, lowest precedence first, from the default,
//! the environment, the variables files in order, then `--var` flags in order (Terraform: "Variable
//! Definition Precedence"). Unlike Terraform, every `--var` beats every `--var-file` whatever
//! their order on the command line, as the brief of the feature asked; docs/spec.md says so.
//!
//! Substitution works on the parsed YAML nodes, before the shape check: a value that is exactly
//! `${var.NAME}` becomes a node of the variable's type (so `max: ${var.max}` is checked as the
//! number it holds), a longer one becomes text, and every node keeps the position where the spec
//! wrote it, so each later diagnostic points at the use; [`Variables::annotate`] then says where
//! the value came from. There are no expressions: `${var.NAME}` and the `$${` escape only.
//!
//! Values are never read again as templates: a value holding `${` is text, so no variable expands
//! into another and the result grows at most linearly. It is bounded all the same (a value, one
//! interpolated string and the whole expansion each have a limit below), and so are the inputs.
//!
//! A sensitive variable (declared `sensitive: true`, or feeding a secret container environment
//! value, see `secrets`) may only be used in container environment values, which plans mask; its
//! value is never shown in a diagnostic.

use std::collections::{BTreeMap, BTreeSet};

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::Node;
use serde::{Deserialize, Serialize};

use super::{shape, span_of};
use crate::diagnostic::{did_you_mean, shorten, Diagnostic, Source, SourceSpan};
use crate::secrets;

/// Environment variables `ENDPOINT_SCALE_VAR_<NAME>` give values (Terraform's `TF_VAR_<name>`).
pub const ENV_PREFIX: &str = "ENDPOINT_SCALE_VAR_";

/// Largest variables file read: a file of `NAME: value` lines is a few hundred bytes; a
/// megabyte is far beyond any real one and small enough to read whole.
pub const MAX_VAR_FILE_BYTES: u64 = 1 << 20;

/// Most variables a spec declares.
const MAX_VARIABLES: usize = 1000;

/// Longest variable name (Terraform sets none; a name is also part of an environment variable).
const MAX_NAME_LEN: usize = 64;

/// Longest value, in bytes. The longest spec value SageMaker takes is a 2048-character KMS key
/// ARN (a container environment value: 1024), so 4 KiB leaves room and stops a runaway value.
const MAX_VALUE_BYTES: usize = 4096;

/// Longest string one interpolation may produce, in bytes.
const MAX_RESULT_BYTES: usize = 16 * 1024;

/// Most bytes all uses of variables may insert into one spec together.
const MAX_EXPANSION_BYTES: usize = 1 << 20;

/// A variable's value: a string, a number (kept as written, so `08` interpolates as `08`) or a
/// boolean. Lists and maps are not supported.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Value {
    String(String),
    Number(String),
    Bool(bool),
}

impl Value {
    /// The value in JSON: a string, a number (as written, when JSON reads it as one) or a boolean.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Value::String(s) => serde_json::Value::String(s.clone()),
            Value::Number(n) => serde_json::from_str::<serde_json::Number>(n)
                .map_or_else(|_| serde_json::Value::String(n.clone()), serde_json::Value::Number),
            Value::Bool(b) => serde_json::Value::Bool(*b),
        }
    }

    /// The value as text, as interpolation inserts it.
    pub fn text(&self) -> String {
        match self {
            Value::String(s) | Value::Number(s) => s.clone(),
            Value::Bool(b) => b.to_string(),
        }
    }

    /// Equal values: numbers compare by value (`8` and `8.0`), the rest exactly.
    fn same(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Number(a), Value::Number(b)) => a == b || a.parse::<f64>().ok() == b.parse::<f64>().ok(),
            _ => self == other,
        }
    }

    /// How a message shows the value.
    fn show(&self, sensitive: bool) -> String {
        if sensitive {
            secrets::MASK.to_string()
        } else {
            format!("`{}`", shorten(&self.text()))
        }
    }

    /// A value read from a YAML scalar; `None` for YAML's null (an empty value, `~`, `null`).
    fn of_scalar(node: &MarkedScalarNode) -> Option<Value> {
        let text = node.as_str();
        if !node.may_coerce() {
            return Some(Value::String(text.to_string()));
        }
        if matches!(text, "" | "~" | "null" | "Null" | "NULL") {
            return None;
        }
        Some(match node.as_bool() {
            Some(b) => Value::Bool(b),
            None if is_number(text) => Value::Number(text.to_string()),
            None => Value::String(text.to_string()),
        })
    }

    /// A value given as text (`--var NAME=VALUE`, an environment variable), read as a YAML
    /// scalar: quoted is a string, `true`/`false` a boolean, a number a number, and anything
    /// else the string as written (the empty string included).
    pub fn of_text(raw: &str) -> Value {
        let quoted = |q: char| raw.len() >= 2 && raw.starts_with(q) && raw.ends_with(q);
        if quoted('\'') {
            return Value::String(raw[1..raw.len() - 1].replace("''", "'"));
        }
        if quoted('"') {
            // JSON's escapes are YAML's double-quoted escapes but a few rare ones.
            let unquoted = serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw[1..raw.len() - 1].to_string());
            return Value::String(unquoted);
        }
        match raw {
            "true" | "True" | "TRUE" => Value::Bool(true),
            "false" | "False" | "FALSE" => Value::Bool(false),
            _ if is_number(raw) => Value::Number(raw.to_string()),
            _ => Value::String(raw.to_string()),
        }
    }
}

/// A finite number as YAML and the shape check read one.
fn is_number(text: &str) -> bool {
    text.parse::<f64>().is_ok_and(f64::is_finite)
}

/// A declared `type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    String,
    Number,
    Bool,
}

impl Kind {
    const NAMES: [&'static str; 3] = ["string", "number", "bool"];

    fn parse(text: &str) -> Option<Kind> {
        match text {
            "string" => Some(Kind::String),
            "number" => Some(Kind::Number),
            "bool" => Some(Kind::Bool),
            _ => None,
        }
    }

    /// As written in `type:`.
    fn name(self) -> &'static str {
        match self {
            Kind::String => "string",
            Kind::Number => "number",
            Kind::Bool => "bool",
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Kind::String => "a string",
            Kind::Number => "a number",
            Kind::Bool => "true or false",
        }
    }

    /// `value` as this type, converted as Terraform converts primitives: anything to a string,
    /// a string that reads as a number or a boolean to that.
    fn convert(self, value: &Value) -> Option<Value> {
        match (self, value) {
            (Kind::String, v) => Some(Value::String(v.text())),
            (Kind::Number, Value::Number(n)) => Some(Value::Number(n.clone())),
            (Kind::Number, Value::String(s)) if is_number(s.trim()) => Some(Value::Number(s.trim().to_string())),
            (Kind::Bool, Value::Bool(b)) => Some(Value::Bool(*b)),
            (Kind::Bool, Value::String(s)) if s == "true" || s == "false" => Some(Value::Bool(s == "true")),
            _ => None,
        }
    }
}

/// Where a value came from: for the notes of diagnostics, and for diagnostics about the value.
#[derive(Debug, Clone)]
enum Origin {
    /// The declaration's `default`, at this position in the spec.
    Default(SourceSpan),
    /// `ENDPOINT_SCALE_VAR_<NAME>`.
    Env,
    /// A variables file, at this position in it.
    File { file: String, span: SourceSpan },
    /// `--var NAME=<raw>`.
    Flag { raw: String },
    /// The values a saved plan was made with.
    Saved { plan: String },
}

impl Origin {
    /// "from --var-file envs/prod.yaml:3", for a note; values only when not sensitive.
    fn describe(&self, name: &str, spec: &str, sensitive: bool) -> String {
        match self {
            Origin::Default(span) => format!("the default at {spec}:{}", span.line),
            Origin::Env => format!("from {ENV_PREFIX}{name}"),
            Origin::File { file, span } => format!("from --var-file {file}:{}", span.line),
            Origin::Flag { .. } if sensitive => format!("from --var {name}"),
            Origin::Flag { raw } => format!("from --var {name}={}", shorten(raw)),
            Origin::Saved { plan } => format!("from the saved plan {plan}"),
        }
    }

    /// The source without the value, for messages about a saved plan.
    fn source(&self, name: &str, spec: &str) -> String {
        match self {
            Origin::Flag { .. } => format!("--var {name}"),
            other => other.describe(name, spec, true).trim_start_matches("from ").to_string(),
        }
    }

    /// A diagnostic about the value `name` took from here. A sensitive value's own line is
    /// never quoted: the diagnostic then points at the declaration, or names the line only.
    fn diagnostic(&self, name: &str, decl: SourceSpan, sensitive: bool, message: String, label: &str) -> Diagnostic {
        let d = Diagnostic::error(message);
        match self {
            Origin::Default(_) if sensitive => d.at(decl, "this sensitive variable's default"),
            Origin::Default(span) => d.at(*span, label),
            Origin::File { file, span } if sensitive => d.in_file(format!("{file}:{}", span.line)),
            Origin::File { file, span } => d.in_file(file.clone()).at(*span, label),
            Origin::Flag { .. } => d.in_file(format!("--var {name}")),
            Origin::Env => d.in_file(format!("{ENV_PREFIX}{name}")),
            Origin::Saved { plan } => d.in_file(plan.clone()),
        }
    }
}

/// The values given for a spec's variables, besides the defaults in the spec.
#[derive(Debug, Clone, Default)]
pub struct Inputs {
    /// `ENDPOINT_SCALE_VAR_<NAME>` variables, as (NAME, value); those the spec does not declare
    /// are ignored (a CI job may set them for several specs), as Terraform ignores `TF_VAR_`s.
    pub env: Vec<(String, String)>,
    /// `--var-file` files, in the order given: a later one wins.
    pub files: Vec<Source>,
    /// `--var NAME=VALUE`, in the order given: a later one wins, and every one beats the files.
    pub flags: Vec<(String, String)>,
    /// The values a saved plan pins: they are the values, and a value given besides must equal
    /// its pinned one (see [`Variables::differing_from_pinned`]).
    pub pinned: Option<Pinned>,
    /// Names the spec does not declare are recorded rather than refused (`simulate --compare`:
    /// a value may be meant for another of the specs).
    pub allow_undeclared: bool,
}

/// The variable values of a saved plan.
#[derive(Debug, Clone)]
pub struct Pinned {
    /// The plan file, for messages.
    pub plan: String,
    pub values: BTreeMap<String, Value>,
}

/// One variable's value, where it came from, and whether it is sensitive.
#[derive(Debug, Clone)]
struct Resolved {
    value: Value,
    origin: Origin,
    sensitive: bool,
}

/// One `${var.NAME}` in the spec.
#[derive(Debug, Clone)]
struct Use {
    /// Where the value holding it starts: where diagnostics about that value point.
    value: SourceSpan,
    /// The `${var.NAME}` text itself.
    token: SourceSpan,
    name: String,
    /// The container environment variable this value sets, if it is one.
    env: Option<EnvSite>,
}

#[derive(Debug, Clone)]
struct EnvSite {
    key: String,
    /// Under `secret_environment`, or secret by the key's name or by the value (`secrets`).
    secret: bool,
}

/// The variables of a parsed spec: their values and where each was used.
#[derive(Debug, Clone, Default)]
pub struct Variables {
    spec: String,
    resolved: BTreeMap<String, Resolved>,
    /// The value given at this run for each variable (environment, files, flags), when a saved
    /// plan pins the values instead.
    given: BTreeMap<String, (Value, Origin)>,
    uses: Vec<Use>,
    /// Names given but not declared, with where they were given (with `allow_undeclared`).
    undeclared: Vec<(String, String)>,
}

impl Variables {
    /// Adds to each diagnostic about a value that uses variables (same position, or the same
    /// line) a note per variable: its value (masked when sensitive) and where it came from.
    pub fn annotate(&self, diagnostics: &mut [Diagnostic]) {
        if self.uses.is_empty() {
            return;
        }
        for d in diagnostics.iter_mut().filter(|d| d.file.is_none() && d.span.is_known()) {
            let at = |u: &&Use| (u.value.line, u.value.column) == (d.span.line, d.span.column);
            let exact: Vec<&Use> = self.uses.iter().filter(at).collect();
            let uses = if exact.is_empty() {
                self.uses.iter().filter(|u| u.value.line == d.span.line).collect()
            } else {
                exact
            };
            let mut seen = BTreeSet::new();
            for u in uses {
                if !seen.insert(u.name.as_str()) {
                    continue;
                }
                if let Some(r) = self.resolved.get(&u.name) {
                    d.notes.push(format!(
                        "`${{var.{}}}` is {} ({})",
                        u.name,
                        r.value.show(r.sensitive),
                        r.origin.describe(&u.name, &self.spec, r.sensitive)
                    ));
                }
            }
        }
    }

    /// Every variable's value, for a saved plan to pin.
    pub fn values(&self) -> BTreeMap<String, Value> {
        self.resolved.iter().map(|(k, r)| (k.clone(), r.value.clone())).collect()
    }

    /// With pinned values: the variables given a different value at this run, each as "`NAME`
    /// (from SOURCE)", values left out (they may be secret).
    pub fn differing_from_pinned(&self) -> Vec<String> {
        self.given
            .iter()
            .filter(|(name, (value, _))| self.resolved.get(*name).is_some_and(|r| !r.value.same(value)))
            .map(|(name, (_, origin))| format!("`{name}` (from {})", origin.source(name, &self.spec)))
            .collect()
    }

    /// Every variable with what may be shown of its value: `None` for a sensitive one (declared
    /// so, or feeding a secret container environment value).
    pub fn visible(&self) -> impl Iterator<Item = (&str, Option<&Value>)> {
        self.resolved.iter().map(|(name, r)| (name.as_str(), (!r.sensitive).then_some(&r.value)))
    }

    /// Whether the spec holds any `${var.NAME}`.
    pub fn used(&self) -> bool {
        !self.uses.is_empty()
    }

    /// The names the spec declares.
    pub fn declared(&self) -> impl Iterator<Item = &str> {
        self.resolved.keys().map(String::as_str)
    }

    /// Names given that the spec does not declare, each with where it was given (only with
    /// [`Inputs::allow_undeclared`]).
    pub fn undeclared(&self) -> &[(String, String)] {
        &self.undeclared
    }
}

/// A declaration under `vars:`.
struct Declaration {
    name: String,
    /// The name where it is declared.
    span: SourceSpan,
    kind: Option<Kind>,
    default: Option<(Value, SourceSpan)>,
    /// It has a default, which was refused (with a diagnostic of its own).
    bad_default: bool,
    sensitive: bool,
}

/// (line, column) positions of values in the spec.
pub(super) type Positions = BTreeSet<(usize, usize)>;

/// Resolves the spec's variables and substitutes them in `node` (the whole spec); returns the
/// variables and where the environment values that take a sensitive one stand, or every problem
/// found. `schema` is the spec's JSON Schema (for the shape of the `vars:` block).
pub(super) fn apply(
    schema: &serde_json::Value,
    node: &mut Node,
    source: &Source,
    inputs: &Inputs,
) -> Result<(Variables, Positions), Vec<Diagnostic>> {
    let Some(top) = node.as_mapping() else { return Ok(Default::default()) };
    let mut diagnostics = Vec::new();
    let declarations = match top.iter().find(|(k, _)| k.as_str() == "vars") {
        Some((key, block)) => {
            let key_span = key_span(key);
            let shape = shape::check_property(schema, "vars", key_span, block);
            if !shape.is_empty() {
                return Err(shape);
            }
            declarations(block.as_mapping(), &mut diagnostics)
        }
        None => Vec::new(),
    };
    let mut variables = resolve(&declarations, source, inputs, &mut diagnostics);
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    let mut walker = Walker {
        lines: line_starts(&source.text),
        text: &source.text,
        declared: &declarations,
        resolved: &variables.resolved,
        uses: Vec::new(),
        out: Vec::new(),
        expansion: 0,
        anchor: (0, 0, 0),
    };
    walker.top(node);
    let Walker { uses, out, .. } = walker;
    diagnostics = out;
    let sensitive = sensitivity(&declarations, &uses, &mut diagnostics);
    if !diagnostics.is_empty() {
        return Err(diagnostics);
    }
    for name in &sensitive {
        if let Some(r) = variables.resolved.get_mut(name) {
            r.sensitive = true;
        }
    }
    // Environment values that take a sensitive variable are masked like secret ones.
    let masked = uses
        .iter()
        .filter(|u| u.env.is_some() && sensitive.contains(&u.name))
        .map(|u| (u.value.line, u.value.column))
        .collect();
    variables.uses = uses;
    Ok((variables, masked))
}

/// The name of a mapping key, as a span covering it.
fn key_span(key: &MarkedScalarNode) -> SourceSpan {
    let s = span_of(key.span());
    SourceSpan::new(s.line, s.column, key.as_str().chars().count())
}

/// A valid name: Terraform's identifiers without `-`, which an environment variable name cannot
/// hold portably.
fn valid_name(name: &str) -> bool {
    name.len() <= MAX_NAME_LEN
        && name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
}

fn declarations(block: Option<&MarkedMappingNode>, out: &mut Vec<Diagnostic>) -> Vec<Declaration> {
    let mut found = Vec::new();
    for (key, body) in block.into_iter().flat_map(|b| b.iter()) {
        let span = key_span(key);
        let name = key.as_str();
        if found.len() == MAX_VARIABLES {
            out.push(
                Diagnostic::error(format!("the spec declares more than {MAX_VARIABLES} variables"))
                    .at(span, "one too many"),
            );
            break;
        }
        if !valid_name(name) {
            out.push(
                Diagnostic::error(format!("variable name `{}` is not valid", shorten(name)))
                    .at(span, "invalid name")
                    .help(format!(
                        "use ASCII letters, digits and `_`, starting with a letter, at most {MAX_NAME_LEN} characters: the name is also part of the environment variable {ENV_PREFIX}<NAME>"
                    )),
            );
            continue;
        }
        // The shape check has passed: a mapping of known keys, each of the right type.
        let body = body.as_mapping();
        let field = |k: &str| body.and_then(|b| b.get_scalar(k));
        let sensitive = field("sensitive").and_then(MarkedScalarNode::as_bool).unwrap_or(false);
        let kind = match field("type") {
            Some(t) => match Kind::parse(t.as_str()) {
                Some(kind) => Some(kind),
                None => {
                    let mut d = Diagnostic::error(format!("unknown variable type `{}`", shorten(t.as_str())))
                        .at(span_of(t.span()), "unknown type");
                    d = match did_you_mean(t.as_str(), Kind::NAMES) {
                        Some(best) => d.help(format!("did you mean `{best}`?")),
                        None => d.help("the types are `string`, `number` and `bool`; lists and maps are not supported"),
                    };
                    out.push(d);
                    continue;
                }
            },
            None => None,
        };
        let mut declaration =
            Declaration { name: name.to_string(), span, kind, default: None, bad_default: false, sensitive };
        if let Some(node) = field("default") {
            let at = span_of(node.span());
            let origin = Origin::Default(at);
            let raw = Value::of_scalar(node).unwrap_or_else(|| Value::String(String::new()));
            let value = match &raw {
                Value::String(s) if s.contains("${") => match template(s) {
                    Ok(pieces) if pieces.iter().all(|p| matches!(p, Piece::Text(_))) => {
                        Some(Value::String(pieces.into_iter().map(|p| p.text()).collect()))
                    }
                    _ => {
                        out.push(
                            origin
                                .diagnostic(
                                    name,
                                    span,
                                    sensitive,
                                    format!("the default of `{name}` uses a variable"),
                                    "a variable in a default",
                                )
                                .help("a default is a plain value: variables cannot refer to each other; write `$${` for a literal `${`"),
                        );
                        None
                    }
                },
                _ => Some(raw),
            };
            match value.and_then(|v| checked(name, &declaration, v, &origin, out)) {
                Some(value) => declaration.default = Some((value, at)),
                None => declaration.bad_default = true,
            }
        }
        found.push(declaration);
    }
    found
}

/// `value` converted to the declaration's type and within the size limit; else a diagnostic
/// at `origin`.
fn checked(name: &str, decl: &Declaration, value: Value, origin: &Origin, out: &mut Vec<Diagnostic>) -> Option<Value> {
    let sensitive = decl.sensitive;
    if value.text().len() > MAX_VALUE_BYTES {
        out.push(
            origin
                .diagnostic(
                    name,
                    decl.span,
                    sensitive,
                    format!(
                        "the value of `{name}` is {} bytes; a variable holds at most {MAX_VALUE_BYTES}",
                        value.text().len()
                    ),
                    "too long",
                )
                .help("no value the spec takes is that long"),
        );
        return None;
    }
    if let Value::Number(n) = &value {
        // Only a saved plan (a file anyone may edit) can hold a number that is not one.
        if !is_number(n) {
            out.push(origin.diagnostic(
                name,
                decl.span,
                sensitive,
                format!("the value of `{name}` is not a number"),
                "not a number",
            ));
            return None;
        }
    }
    let Some(kind) = decl.kind else { return Some(value) };
    match kind.convert(&value) {
        Some(v) => Some(v),
        None => {
            let found = if sensitive { "a value that is not".to_string() } else { value.show(false) };
            out.push(
                origin
                    .diagnostic(
                        name,
                        decl.span,
                        sensitive,
                        format!("`{name}` must be {}, found {found}", kind.describe()),
                        &format!("expected {}", kind.describe()),
                    )
                    .help(format!("the variable is declared `type: {}`", kind.name())),
            );
            None
        }
    }
}

/// Every value given, by precedence, then each declaration's value.
fn resolve(declarations: &[Declaration], source: &Source, inputs: &Inputs, out: &mut Vec<Diagnostic>) -> Variables {
    let declared: BTreeMap<&str, &Declaration> = declarations.iter().map(|d| (d.name.as_str(), d)).collect();
    let names = || declarations.iter().map(|d| d.name.as_str());
    let mut given: BTreeMap<String, (Value, Origin)> = BTreeMap::new();
    let mut undeclared = Vec::new();
    // Names whose given value was refused: their diagnostic says enough, "no value" would not.
    let mut refused: BTreeSet<String> = BTreeSet::new();
    let mut unreadable = false;
    // Lowest precedence first; a later value replaces an earlier one.
    for (name, raw) in &inputs.env {
        if declared.contains_key(name.as_str()) {
            given.insert(name.clone(), (Value::of_text(raw), Origin::Env));
        }
    }
    for file in &inputs.files {
        let sensitive: BTreeSet<&str> = declarations.iter().filter(|d| d.sensitive).map(|d| d.name.as_str()).collect();
        // A file that does not read as a mapping may have held any value: no "no value" then.
        let Some(entries) = var_file(file, &sensitive, &mut refused, out) else {
            unreadable = true;
            continue;
        };
        for (name, key, value, origin) in entries {
            if declared.contains_key(name.as_str()) {
                given.insert(name, (value, origin));
            } else if inputs.allow_undeclared {
                undeclared.push((name, format!("--var-file {}:{}", file.name, key.line)));
            } else {
                let d = Diagnostic::error(format!("unknown variable `{}`", shorten(&name)))
                    .in_file(file.name.clone())
                    .at(key, format!("not declared in {}", source.name));
                out.push(suggest(d, &name, names()));
            }
        }
    }
    for (name, raw) in &inputs.flags {
        if declared.contains_key(name.as_str()) {
            given.insert(name.clone(), (Value::of_text(raw), Origin::Flag { raw: raw.clone() }));
        } else if inputs.allow_undeclared {
            undeclared.push((name.clone(), format!("--var {name}")));
        } else {
            let d = Diagnostic::error(format!("{} declares no variable `{}`", source.name, shorten(name)))
                .in_file(format!("--var {}", shorten(name)));
            out.push(suggest(d, name, names()));
        }
    }
    let mut resolved = BTreeMap::new();
    let mut given_checked = BTreeMap::new();
    if let Some(pinned) = &inputs.pinned {
        for name in pinned.values.keys().filter(|n| !declared.contains_key(n.as_str())) {
            out.push(
                Diagnostic::error(format!(
                    "the saved plan holds a value for `{}`, which its spec does not declare",
                    shorten(name)
                ))
                .in_file(pinned.plan.clone()),
            );
        }
    }
    for decl in declarations {
        let name = decl.name.as_str();
        let from_run = given.remove(name).and_then(|(v, o)| {
            let value = checked(name, decl, v, &o, out);
            if value.is_none() {
                refused.insert(name.to_string());
            }
            value.map(|v| (v, o))
        });
        let pinned = inputs.pinned.as_ref().and_then(|p| {
            let value = p.values.get(name)?.clone();
            let origin = Origin::Saved { plan: p.plan.clone() };
            checked(name, decl, value, &origin, out).map(|v| (v, origin))
        });
        let chosen = match (pinned, from_run) {
            (Some(pinned), run) => {
                if let Some(run) = run {
                    given_checked.insert(name.to_string(), run);
                }
                Some(pinned)
            }
            (None, Some(run)) => Some(run),
            (None, None) => decl.default.clone().map(|(v, at)| (v, Origin::Default(at))),
        };
        match chosen {
            Some((value, origin)) => {
                resolved.insert(name.to_string(), Resolved { value, origin, sensitive: decl.sensitive });
            }
            None if !decl.bad_default && !refused.contains(name) && !unreadable => out.push(
                Diagnostic::error(format!("no value for variable `{name}`"))
                    .at(decl.span, "required: it has no default")
                    .help(format!(
                        "pass `--var {name}=VALUE`, put `{name}: VALUE` in a `--var-file`, or set {ENV_PREFIX}{name}; or give it a `default:`"
                    )),
            ),
            // A refused value has its own diagnostic already.
            None => {}
        }
    }
    Variables { spec: source.name.clone(), resolved, given: given_checked, uses: Vec::new(), undeclared }
}

fn suggest<'a>(d: Diagnostic, name: &str, names: impl Iterator<Item = &'a str> + Clone) -> Diagnostic {
    match did_you_mean(name, names.clone()) {
        Some(best) => d.help(format!("did you mean `{best}`?")),
        None => {
            let all: Vec<&str> = names.collect();
            if all.is_empty() {
                d.help("the spec declares no variables (`vars:`)")
            } else {
                d.help(format!("the spec declares: {}", all.join(", ")))
            }
        }
    }
}

/// The `NAME: value` entries of a variables file, each with where its name stands, or `None`
/// when it does not read as a mapping; problems go to `out`, positioned in the file (by line
/// only for a `sensitive` variable, whose line is then not quoted).
fn var_file(
    file: &Source,
    sensitive: &BTreeSet<&str>,
    refused: &mut BTreeSet<String>,
    out: &mut Vec<Diagnostic>,
) -> Option<Vec<(String, SourceSpan, Value, Origin)>> {
    if shape::is_blank(&file.text) {
        return Some(Vec::new());
    }
    let options = marked_yaml::LoaderOptions::default().error_on_duplicate_keys(true).prevent_coercion(true);
    let node = match marked_yaml::parse_yaml_with_options(0, &file.text, options) {
        Ok(node) => node,
        Err(marked_yaml::LoadError::TopLevelMustBeMapping(m)) => {
            out.push(
                Diagnostic::error("a variables file must be a mapping of variable names to values")
                    .in_file(file.name.clone())
                    .at(super::span_at(&m), "expected `NAME: value`"),
            );
            return None;
        }
        Err(err) => {
            let mut d = shape::load_error(&err).in_file(file.name.clone());
            d.message = d.message.replace("in specs", "in variables files");
            out.push(d);
            return None;
        }
    };
    let mut values = Vec::new();
    for (key, node) in node.as_mapping().into_iter().flat_map(|m| m.iter()) {
        let name = key.as_str().to_string();
        let at = span_of(node.span());
        let origin = Origin::File { file: file.name.clone(), span: at };
        let secret = sensitive.contains(name.as_str());
        let place = |d: Diagnostic, span: SourceSpan, label: &str| {
            if secret {
                d.in_file(format!("{}:{}", file.name, span.line))
            } else {
                d.in_file(file.name.clone()).at(span, label)
            }
        };
        if !matches!(node, Node::Scalar(s) if Value::of_scalar(s).is_some()) {
            refused.insert(name.clone());
        }
        match node {
            Node::Scalar(s) => match Value::of_scalar(s) {
                Some(value) => values.push((name, key_span(key), value, origin)),
                None => out.push(
                    place(Diagnostic::error(format!("`{}` has no value", shorten(&name))), key_span(key), "no value")
                        .help("write a value, or remove the line to keep the default"),
                ),
            },
            other => {
                let found = if matches!(other, Node::Mapping(_)) { "a mapping" } else { "a list" };
                let d = Diagnostic::error(format!(
                    "`{}` must be a string, a number or true or false, found {found}",
                    shorten(&name)
                ));
                out.push(
                    place(d, at, "not a single value")
                        .help("variables hold single values; lists and maps are not supported"),
                );
            }
        }
    }
    Some(values)
}

/// A piece of a templated value.
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(String),
    /// `${var.NAME}`: the name and the text as written.
    Var {
        name: &'a str,
        raw: &'a str,
    },
}

impl Piece<'_> {
    fn text(self) -> String {
        match self {
            Piece::Text(t) => t,
            Piece::Var { raw, .. } => raw.to_string(),
        }
    }
}

/// A `${...}` that is not `${var.NAME}`: its text, and what is wrong.
#[derive(Debug, PartialEq)]
struct TemplateError<'a> {
    raw: &'a str,
    unterminated: bool,
}

/// Splits a value into text and `${var.NAME}` pieces; `$${` is a literal `${`. Whitespace
/// inside the braces is allowed, as in Terraform.
fn template(text: &str) -> Result<Vec<Piece<'_>>, TemplateError<'_>> {
    let mut pieces = Vec::new();
    let mut literal = String::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        literal.push_str(&rest[..at]);
        let tail = &rest[at..];
        if let Some(after) = tail.strip_prefix("$${") {
            literal.push_str("${");
            rest = after;
        } else if tail.starts_with("${") {
            let Some(end) = tail.find('}') else {
                return Err(TemplateError { raw: tail, unterminated: true });
            };
            let raw = &tail[..=end];
            let inner = raw[2..raw.len() - 1].trim();
            match inner.strip_prefix("var.") {
                Some(name) if valid_name(name) => {
                    if !literal.is_empty() {
                        pieces.push(Piece::Text(std::mem::take(&mut literal)));
                    }
                    pieces.push(Piece::Var { name, raw });
                }
                _ => return Err(TemplateError { raw, unterminated: false }),
            }
            rest = &tail[end + 1..];
        } else {
            literal.push('$');
            rest = &tail[1..];
        }
    }
    literal.push_str(rest);
    if !literal.is_empty() || pieces.is_empty() {
        pieces.push(Piece::Text(literal));
    }
    Ok(pieces)
}

/// Byte offsets where each line of `text` starts.
fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0).chain(text.match_indices('\n').map(|(i, _)| i + 1)).collect()
}

struct Walker<'a> {
    lines: Vec<usize>,
    text: &'a str,
    declared: &'a [Declaration],
    resolved: &'a BTreeMap<String, Resolved>,
    uses: Vec<Use>,
    out: Vec<Diagnostic>,
    /// Bytes inserted so far.
    expansion: usize,
    /// The last (line, column, byte offset) converted, where [`Walker::offset`] resumes.
    anchor: (usize, usize, usize),
}

impl Walker<'_> {
    /// The spec's top level: everything but the `vars:` block, which is never substituted.
    fn top(&mut self, node: &mut Node) {
        if let Node::Mapping(map) = node {
            for (key, value) in map.iter_mut() {
                if key.as_str() != "vars" {
                    self.key(key);
                    self.node(value, Some(key.as_str()), None);
                }
            }
        }
    }

    /// `parent` is the key the node stands under; `env` the environment variable it sets.
    fn node(&mut self, node: &mut Node, parent: Option<&str>, env: Option<EnvSite>) {
        if self.expansion > MAX_EXPANSION_BYTES {
            return;
        }
        match node {
            Node::Mapping(map) => {
                let env_map = matches!(parent, Some("environment" | "secret_environment"));
                let secret_map = parent == Some("secret_environment");
                for (key, value) in map.iter_mut() {
                    self.key(key);
                    let site = env_map.then(|| EnvSite { key: key.as_str().to_string(), secret: secret_map });
                    self.node(value, Some(key.as_str()), site);
                }
            }
            Node::Sequence(items) => {
                for item in items.iter_mut() {
                    self.node(item, None, None);
                }
            }
            Node::Scalar(scalar) if scalar.as_str().contains("${") => {
                if let Some(replaced) = self.scalar(scalar, env) {
                    *scalar = replaced;
                }
            }
            Node::Scalar(_) => {}
        }
    }

    fn key(&mut self, key: &MarkedScalarNode) {
        if key.as_str().contains("${") {
            self.out.push(
                Diagnostic::error("variables are not allowed in mapping keys")
                    .at(span_of(key.span()), "a key with `${`")
                    .help("write the key out; variables may stand in values only"),
            );
        }
    }

    /// The scalar with its variables substituted, or `None` after a diagnostic.
    fn scalar(&mut self, scalar: &MarkedScalarNode, env: Option<EnvSite>) -> Option<MarkedScalarNode> {
        let start = span_of(scalar.span());
        let mut cursor = self.cursor(start, scalar.as_str().len());
        let pieces = match template(scalar.as_str()) {
            Ok(pieces) => pieces,
            Err(e) => {
                let at = self.locate(&mut cursor, e.raw);
                let d = if e.unterminated {
                    Diagnostic::error(format!("`{}` has no closing `}}`", shorten(e.raw))).at(at, "unterminated `${`")
                } else {
                    Diagnostic::error(format!("`{}` is not a variable reference", shorten(e.raw)))
                        .at(at, "only `${var.NAME}` is supported")
                };
                self.out.push(d.help(
                    "values may use `${var.NAME}` and nothing else (no expressions or functions); write `$${` for a literal `${`",
                ));
                return None;
            }
        };
        let whole = matches!(pieces.as_slice(), [Piece::Var { .. }]);
        let mut text = String::new();
        let mut ok = true;
        let mut typed = None;
        let mut uses = Vec::new();
        for piece in pieces {
            match piece {
                Piece::Text(t) => text.push_str(&t),
                Piece::Var { name, raw } => {
                    let token = self.locate(&mut cursor, raw);
                    let Some(r) = self.resolved.get(name) else {
                        ok = false;
                        self.undeclared(name, token);
                        continue;
                    };
                    let value = r.value.text();
                    self.expansion += value.len();
                    if self.expansion > MAX_EXPANSION_BYTES {
                        self.out.push(
                            Diagnostic::error(format!(
                                "variables expand the spec by more than {} MiB",
                                MAX_EXPANSION_BYTES >> 20
                            ))
                            .at(token, "the limit is reached here")
                            .help("use shorter values or fewer variables"),
                        );
                        return None;
                    }
                    text.push_str(&value);
                    typed = Some(r.value.clone());
                    uses.push((name.to_string(), token));
                }
            }
        }
        if !ok {
            return None;
        }
        // An environment value is secret by its map, its name, or what it holds once
        // substituted (`secrets::is_secret`), as the plan will judge it.
        let env = env.map(|site| EnvSite { secret: site.secret || secrets::is_secret(&site.key, &text), ..site });
        self.uses.extend(uses.into_iter().map(|(name, token)| Use { value: start, token, name, env: env.clone() }));
        if text.len() > MAX_RESULT_BYTES {
            self.out.push(
                Diagnostic::error(format!(
                    "this value is {} bytes once its variables are substituted; the limit is {} KiB",
                    text.len(),
                    MAX_RESULT_BYTES >> 10
                ))
                .at(start, "too long"),
            );
            return None;
        }
        let mut node = MarkedScalarNode::new(*scalar.span(), text);
        // Exactly `${var.NAME}` keeps the variable's type; anything longer is a string, and a
        // value with only `$${` escapes keeps how it was written.
        node.set_coerce(match (&typed, whole) {
            (Some(v), true) => !matches!(v, Value::String(_)),
            (Some(_), false) => false,
            (None, _) => scalar.may_coerce(),
        });
        Some(node)
    }

    fn undeclared(&mut self, name: &str, token: SourceSpan) {
        let names = self.declared.iter().map(|d| d.name.as_str());
        let mut d =
            Diagnostic::error(format!("variable `{name}` is not declared")).at(token, "not declared in `vars:`");
        d = match did_you_mean(name, names.clone()) {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None if self.declared.is_empty() => d.help(format!(
                "declare it in a `vars:` block at the top of the spec (`vars:` / `  {name}: {{}}`); see docs/spec.md, \"Variables and environments\""
            )),
            None => d.help(format!(
                "declare it under `vars:`; the spec declares: {}",
                names.collect::<Vec<_>>().join(", ")
            )),
        };
        self.out.push(d);
    }

    /// Where the search for a value's `${...}` starts: at the value, reaching at most ten bytes
    /// of source per byte of value (`\U0001F600` is the longest escape for the least text),
    /// so that every value's search is bounded by its own size.
    fn cursor(&mut self, start: SourceSpan, len: usize) -> Cursor {
        let byte = self.offset(start.line, start.column);
        let reach = len.saturating_mul(10).saturating_add(2);
        let end = byte.map_or(0, |b| b.saturating_add(reach).min(self.line_end(start.line)));
        Cursor { start, column: start.column, byte, end }
    }

    /// The byte offset where `line` ends (its line break, or the end of the text).
    fn line_end(&self, line: usize) -> usize {
        self.lines.get(line).map_or(self.text.len(), |next| next - 1)
    }

    /// The byte offset of a (1-based) line and character column. Values are met in document
    /// order, so counting resumes from the last position asked for on the same line: a spec
    /// written on one long line costs linear time, not quadratic.
    fn offset(&mut self, line: usize, column: usize) -> Option<usize> {
        let start = *self.lines.get(line.checked_sub(1)?)?;
        let end = self.line_end(line);
        let (mut col, mut byte) = match self.anchor {
            (l, c, b) if l == line && c <= column => (c, b),
            _ => (1, start),
        };
        while col < column {
            byte += self.text.get(byte..end)?.chars().next()?.len_utf8();
            col += 1;
        }
        self.anchor = (line, col, byte);
        Some(byte)
    }

    /// Where `raw` stands in the value, searching from `cursor` (then moved past it); the
    /// value's start when it is not found there (a value over several lines, or written with
    /// escapes).
    fn locate(&self, cursor: &mut Cursor, raw: &str) -> SourceSpan {
        let fallback = SourceSpan::new(cursor.start.line, cursor.start.column, 0);
        let Some(from) = cursor.byte else { return fallback };
        let Some(found) = self.text.get(from..cursor.end).and_then(|w| w.find(raw)) else { return fallback };
        let column = cursor.column + self.text[from..from + found].chars().count();
        let len = raw.chars().count();
        cursor.byte = Some(from + found + raw.len());
        cursor.column = column + len;
        SourceSpan::new(cursor.start.line, column, len)
    }
}

/// A search position in one value (see [`Walker::cursor`]).
struct Cursor {
    /// Where the value starts.
    start: SourceSpan,
    /// The column and byte offset the search continues from.
    column: usize,
    byte: Option<usize>,
    /// The byte offset the search stops at.
    end: usize,
}

/// The sensitive variables: declared so, or feeding a secret environment value. A sensitive
/// variable used anywhere but in a container environment value is an error: plans show those
/// values.
fn sensitivity(declarations: &[Declaration], uses: &[Use], out: &mut Vec<Diagnostic>) -> BTreeSet<String> {
    let mut sensitive: BTreeSet<String> = declarations.iter().filter(|d| d.sensitive).map(|d| d.name.clone()).collect();
    // An environment value is secret by its map or name, or by what it holds once substituted;
    // a variable feeding a secret value is then secret as well, everywhere.
    let mut feeds: BTreeMap<&str, &EnvSite> = BTreeMap::new();
    for u in uses {
        if let Some(site) = u.env.as_ref().filter(|s| s.secret) {
            feeds.entry(u.name.as_str()).or_insert(site);
            sensitive.insert(u.name.clone());
        }
    }
    for u in uses.iter().filter(|u| u.env.is_none() && sensitive.contains(&u.name)) {
        let why = match feeds.get(u.name.as_str()) {
            Some(site) if !declarations.iter().any(|d| d.name == u.name && d.sensitive) => format!(
                "it also sets the secret container environment value `{}`, so it is treated as sensitive everywhere",
                site.key
            ),
            _ => "it is declared `sensitive: true`".to_string(),
        };
        out.push(
            Diagnostic::error(format!(
                "sensitive variable `{}` may only be used in container environment values",
                u.name
            ))
            .at(u.token, "plans would show its value here")
            .note(why)
            .help("use it under `environment:` or `secret_environment:` only, or use another variable here"),
        );
    }
    sensitive
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_split_into_text_and_variables() {
        assert_eq!(template("plain").unwrap(), [Piece::Text("plain".into())]);
        assert_eq!(template("${var.a}").unwrap(), [Piece::Var { name: "a", raw: "${var.a}" }]);
        assert_eq!(template("${ var.a }").unwrap(), [Piece::Var { name: "a", raw: "${ var.a }" }]);
        assert_eq!(
            template("r-${var.env}-x").unwrap(),
            [Piece::Text("r-".into()), Piece::Var { name: "env", raw: "${var.env}" }, Piece::Text("-x".into())]
        );
        assert_eq!(template("$${var.a} $5 $").unwrap(), [Piece::Text("${var.a} $5 $".into())]);
        assert_eq!(template("$$${x}").unwrap(), [Piece::Text("$${x}".into())]);
        assert_eq!(template("a ${HOME}"), Err(TemplateError { raw: "${HOME}", unterminated: false }));
        assert_eq!(template("${var.a.b}"), Err(TemplateError { raw: "${var.a.b}", unterminated: false }));
        assert_eq!(template("${upper(var.a)}"), Err(TemplateError { raw: "${upper(var.a)}", unterminated: false }));
        assert_eq!(template("x ${var.a"), Err(TemplateError { raw: "${var.a", unterminated: true }));
        assert_eq!(template("${}"), Err(TemplateError { raw: "${}", unterminated: false }));
    }

    #[test]
    fn text_values_read_as_yaml_scalars() {
        assert_eq!(Value::of_text("8"), Value::Number("8".into()));
        assert_eq!(Value::of_text("-0.5e3"), Value::Number("-0.5e3".into()));
        assert_eq!(Value::of_text("true"), Value::Bool(true));
        assert_eq!(Value::of_text("'8'"), Value::String("8".into()));
        assert_eq!(Value::of_text("\"a\\tb\""), Value::String("a\tb".into()));
        assert_eq!(Value::of_text("'it''s'"), Value::String("it's".into()));
        assert_eq!(Value::of_text("repo:tag # not a comment"), Value::String("repo:tag # not a comment".into()));
        assert_eq!(Value::of_text(""), Value::String(String::new()));
        assert_eq!(Value::of_text("inf"), Value::String("inf".into()));
        assert_eq!(Value::of_text("yes"), Value::String("yes".into()));
    }

    #[test]
    fn types_convert_as_terraform_converts_primitives() {
        let n = |s: &str| Value::Number(s.into());
        let s = |s: &str| Value::String(s.into());
        assert_eq!(Kind::String.convert(&n("08")), Some(s("08")));
        assert_eq!(Kind::String.convert(&Value::Bool(true)), Some(s("true")));
        assert_eq!(Kind::Number.convert(&s(" 4 ")), Some(n("4")));
        assert_eq!(Kind::Number.convert(&s("four")), None);
        assert_eq!(Kind::Bool.convert(&s("false")), Some(Value::Bool(false)));
        assert_eq!(Kind::Bool.convert(&n("1")), None);
        assert!(n("8").same(&n("8.0")));
        assert!(!n("8").same(&s("8")));
    }

    const SPEC: &str = "version: 1\nvars:\n  n: {default: 2}\n  name: {type: string}\nproject: p\nendpoints:\n  - name: e-${var.name}\n    model: {existing: m}\n    variants:\n      - name: v\n        instance_type: ml.c5.large\n        initial_instance_count: ${var.n}\n";

    fn parse(text: &str, inputs: &Inputs) -> Result<crate::spec::Parsed, Vec<String>> {
        crate::spec::parse_with(&Source::new("s.yaml", text), inputs)
            .map_err(|ds| ds.iter().map(|d| format!("{}:{} {}", d.span.line, d.span.column, d.message)).collect())
    }

    fn flags(pairs: &[(&str, &str)]) -> Inputs {
        Inputs { flags: pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(), ..Inputs::default() }
    }

    #[test]
    fn a_whole_reference_takes_the_type_and_a_longer_one_is_text() {
        let parsed = parse(SPEC, &flags(&[("name", "7")])).unwrap();
        let endpoint = &parsed.spec.endpoints[0];
        // `name` is declared a string: 7 becomes "7", interpolated as text.
        assert_eq!(endpoint.name.value, "e-7");
        assert_eq!((endpoint.name.span.line, endpoint.name.span.column), (7, 11));
        let count = endpoint.variants[0].initial_instance_count.as_ref().unwrap();
        assert_eq!((count.value, count.span.line, count.span.column), (2, 12, 33));
        // A string where a number goes is refused as a quoted number is, at the use.
        let text = SPEC.replace("initial_instance_count: ${var.n}", "initial_instance_count: ${var.name}");
        assert_eq!(
            parse(&text, &flags(&[("name", "3")])).unwrap_err(),
            ["12:33 `initial_instance_count` must be a whole number, found the quoted string `3`"]
        );
    }

    #[test]
    fn expansion_is_bounded_per_value_and_per_spec() {
        let big = "x".repeat(MAX_VALUE_BYTES);
        let five = SPEC.replace("e-${var.name}", "${var.name}${var.name}${var.name}${var.name}${var.name}");
        assert_eq!(
            parse(&five, &flags(&[("name", &big)])).unwrap_err(),
            ["7:11 this value is 20480 bytes once its variables are substituted; the limit is 16 KiB"]
        );
        let mut many = SPEC.to_string();
        many.push_str("tags:\n");
        for i in 0..300 {
            many.push_str(&format!("  k{i}: ${{var.name}}\n"));
        }
        let errors = parse(&many, &flags(&[("name", &big)])).unwrap_err();
        assert_eq!(errors, ["268:9 variables expand the spec by more than 1 MiB"]);
        let too_long = parse(SPEC, &flags(&[("name", &format!("{big}x"))])).unwrap_err();
        assert_eq!(too_long, ["0:0 the value of `name` is 4097 bytes; a variable holds at most 4096"]);
    }

    #[test]
    fn a_saved_plan_pins_the_values_and_a_different_one_given_is_reported() {
        let pinned =
            Pinned { plan: "p.plan".into(), values: [("name".to_string(), Value::String("prod".into()))].into() };
        let inputs = Inputs { pinned: Some(pinned.clone()), ..flags(&[("n", "3")]) };
        let parsed = parse(SPEC, &inputs).unwrap();
        assert_eq!(parsed.spec.endpoints[0].name.value, "e-prod");
        // `n` is not pinned (an older plan, say): the flag gives it; nothing differs.
        assert_eq!(parsed.variables.differing_from_pinned(), Vec::<String>::new());
        let inputs = Inputs { pinned: Some(pinned), ..flags(&[("name", "dev")]) };
        let parsed = parse(SPEC, &inputs).unwrap();
        assert_eq!(parsed.spec.endpoints[0].name.value, "e-prod");
        assert_eq!(parsed.variables.differing_from_pinned(), ["`name` (from --var name)"]);
        assert_eq!(
            parsed.variables.values(),
            [("n".to_string(), Value::Number("2".into())), ("name".to_string(), Value::String("prod".into()))].into()
        );
    }

    #[test]
    fn declarations_are_checked() {
        let text = SPEC.replace("  n: {default: 2}\n", "  n: {default: two, type: numbr}\n  9lives: {}\n");
        assert_eq!(
            parse(&text, &flags(&[("name", "x")])).unwrap_err(),
            ["3:27 unknown variable type `numbr`", "4:3 variable name `9lives` is not valid"]
        );
        let text = SPEC.replace("  n: {default: 2}\n", "  n: {default: two, type: number}\n");
        assert_eq!(parse(&text, &flags(&[("name", "x")])).unwrap_err(), ["3:16 `n` must be a number, found `two`"]);
        let text = SPEC.replace("  n: {default: 2}\n", "  n: {default: \"${var.name}\"}\n");
        assert_eq!(parse(&text, &flags(&[("name", "x")])).unwrap_err(), ["3:16 the default of `n` uses a variable"]);
        let text = SPEC.replace("  n: {default: 2}\n", "  n: {defualt: 2}\n");
        assert_eq!(parse(&text, &flags(&[("name", "x")])).unwrap_err(), ["3:7 unknown key `defualt` in variable"]);
    }

    #[test]
    fn tokens_are_located_on_their_line() {
        let text = "a: 1\nname: \"r-${var.env}-${var.env}\"\n";
        let mut walker = Walker {
            lines: line_starts(text),
            text,
            declared: &[],
            resolved: &BTreeMap::new(),
            uses: Vec::new(),
            out: Vec::new(),
            expansion: 0,
            anchor: (0, 0, 0),
        };
        let mut cursor = walker.cursor(SourceSpan::new(2, 7, 0), 20);
        assert_eq!(walker.locate(&mut cursor, "${var.env}"), SourceSpan::new(2, 10, 10));
        assert_eq!(walker.locate(&mut cursor, "${var.env}"), SourceSpan::new(2, 21, 10));
        assert_eq!(walker.locate(&mut cursor, "${var.env}"), SourceSpan::new(2, 7, 0));
        // Past the end of the text, or of its line: the value's start.
        let mut cursor = walker.cursor(SourceSpan::new(9, 1, 0), 3);
        assert_eq!(walker.locate(&mut cursor, "${var.env}"), SourceSpan::new(9, 1, 0));
        let mut cursor = walker.cursor(SourceSpan::new(1, 40, 0), 3);
        assert_eq!(walker.locate(&mut cursor, "${var.env}"), SourceSpan::new(1, 40, 0));
    }
}
