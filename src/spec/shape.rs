//! The shape check: walks the parsed YAML nodes against the spec's JSON Schema and reports every
//! unknown key, missing key and wrongly typed value with its position.
//!
//! It understands the subset of JSON Schema that schemars emits for the spec types: `$ref`,
//! `type` (single or a list), `properties`, `required`, `additionalProperties`, `items`,
//! `anyOf` with a null branch (an `Option`), `format` for integer widths, `minimum`, `pattern`.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoadError, Node};
use serde_json::Value;

use super::{span_at, span_of};
use crate::diagnostic::{did_you_mean, shorten, Diagnostic, SourceSpan};

/// What a value is called in messages: the mapping's kind ("variant") or the key ("`min`").
#[derive(Clone, Copy)]
struct Ctx<'a> {
    /// The key this value stands under, if any.
    key: Option<&'a str>,
    /// The kind of object this value is, from its schema definition name.
    kind: &'a str,
    /// Where the key stands: an empty value has no useful position of its own.
    key_span: Option<SourceSpan>,
}

pub(super) fn check(root: &Value, node: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    let mut walker = Walker { root, out: &mut out };
    walker.node(root, node, Ctx { key: None, kind: "spec", key_span: None });
    out
}

/// Checks the value of the top-level key `key` alone (the `vars:` block, which is read before
/// the rest of the spec).
pub(super) fn check_property(root: &Value, key: &str, key_span: SourceSpan, node: &Node) -> Vec<Diagnostic> {
    let mut out = Vec::new();
    if let Some(schema) = root.get("properties").and_then(|p| p.get(key)) {
        let mut walker = Walker { root, out: &mut out };
        walker.node(schema, node, Ctx { key: Some(key), kind: "spec", key_span: Some(key_span) });
    }
    out
}

struct Walker<'s, 'o> {
    root: &'s Value,
    out: &'o mut Vec<Diagnostic>,
}

impl<'s> Walker<'s, '_> {
    fn resolve(&self, schema: &'s Value) -> (&'s Value, Option<&'s str>) {
        if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
            let name = reference.rsplit('/').next();
            let target = reference.strip_prefix('#').and_then(|ptr| self.root.pointer(ptr));
            if let Some(target) = target {
                return (target, name);
            }
        }
        (schema, None)
    }

    fn node(&mut self, schema: &'s Value, node: &Node, ctx: Ctx<'_>) {
        let (schema, def) = self.resolve(schema);
        let kind_owned;
        let ctx = match def {
            Some(def) => {
                kind_owned = kind_of(def);
                Ctx { kind: kind_owned, ..ctx }
            }
            None => ctx,
        };
        // An Option<Struct> is `anyOf: [{$ref}, {type: null}]`: check the non-null branch.
        if let Some(branches) = schema.get("anyOf").and_then(Value::as_array) {
            let non_null: Vec<&Value> =
                branches.iter().filter(|b| b.get("type") != Some(&Value::from("null"))).collect();
            if let [only] = non_null.as_slice() {
                return self.node(only, node, ctx);
            }
            // A value of either kind (`target: 70` or `target: {...}`): the branch whose type
            // fits the node; when none does, the error names every type the branches allow.
            let fits = non_null.iter().copied().find(|b| {
                let types = types_of(self.resolve(b).0);
                match node {
                    Node::Mapping(_) => types.contains(&"object"),
                    Node::Sequence(_) => types.contains(&"array"),
                    Node::Scalar(_) => types.iter().any(|t| is_scalar_type(t)),
                }
            });
            if let Some(branch) = fits {
                return self.node(branch, node, ctx);
            }
            if !non_null.is_empty() {
                let types: Vec<&str> = non_null.iter().flat_map(|b| types_of(self.resolve(b).0)).collect();
                return self.mismatch(&types, node, ctx);
            }
        }
        let types = types_of(schema);
        match node {
            Node::Mapping(map) if types.contains(&"object") => self.mapping(schema, map, ctx),
            Node::Sequence(seq) if types.contains(&"array") => {
                if let Some(items) = schema.get("items") {
                    for item in seq.iter() {
                        self.node(items, item, Ctx { key_span: None, ..ctx });
                    }
                }
            }
            Node::Scalar(scalar) if types.iter().any(|t| is_scalar_type(t)) => self.scalar(schema, &types, scalar, ctx),
            _ => self.mismatch(&types, node, ctx),
        }
    }

    fn mismatch(&mut self, types: &[&str], node: &Node, ctx: Ctx<'_>) {
        let found = match node {
            Node::Mapping(_) => "a mapping",
            Node::Sequence(_) => "a list",
            Node::Scalar(s) if is_null(s) => "nothing",
            Node::Scalar(_) => "a single value",
        };
        let expected = describe(types);
        let span = match (node, ctx.key_span) {
            (Node::Scalar(s), Some(key_span)) if is_null(s) => key_span,
            _ => span_of(node.span()),
        };
        self.out.push(
            Diagnostic::error(format!("{} must be {expected}, found {found}", name(ctx)))
                .at(span, format!("expected {expected}")),
        );
    }

    fn mapping(&mut self, schema: &'s Value, map: &MarkedMappingNode, ctx: Ctx<'_>) {
        let properties = schema.get("properties").and_then(Value::as_object);
        let additional = schema.get("additionalProperties");
        for (key, value) in map.iter() {
            let key_name = key.as_str();
            let start = span_of(key.span());
            let value_ctx = Ctx {
                key: Some(key_name),
                kind: ctx.kind,
                key_span: Some(SourceSpan::new(start.line, start.column, key_name.chars().count())),
            };
            match properties.and_then(|p| p.get(key_name)) {
                Some(prop) => self.node(prop, value, value_ctx),
                None => match additional {
                    Some(Value::Bool(false)) => self.unknown_key(key, properties, ctx),
                    Some(extra @ Value::Object(_)) => self.node(extra, value, value_ctx),
                    _ => {}
                },
            }
        }
        let required = schema.get("required").and_then(Value::as_array).into_iter().flatten();
        for key in required.filter_map(Value::as_str) {
            if map.get_node(key).is_none() {
                let hint = properties
                    .and_then(|p| p.get(key))
                    .and_then(|p| self.resolve(p).0.get("description").or_else(|| p.get("description")))
                    .and_then(Value::as_str)
                    .map(first_sentence);
                // Point at the mapping's first key: the start of the block a reader looks for.
                let span = map.keys().next().map_or_else(
                    || span_of(map.span()),
                    |k| {
                        let s = span_of(k.span());
                        SourceSpan::new(s.line, s.column, k.as_str().chars().count())
                    },
                );
                let mut d = Diagnostic::error(format!("missing key `{key}` in {}", ctx.kind))
                    .at(span, format!("this {} has no `{key}`", ctx.kind));
                d = d.help(match hint {
                    Some(hint) => format!("add `{key}:` ({hint})"),
                    None => format!("add `{key}:`"),
                });
                self.out.push(d);
            }
        }
    }

    fn unknown_key(
        &mut self,
        key: &MarkedScalarNode,
        properties: Option<&serde_json::Map<String, Value>>,
        ctx: Ctx<'_>,
    ) {
        let known: Vec<&str> = properties.map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
        let span = span_of(key.span());
        let span = SourceSpan::new(span.line, span.column, key.as_str().chars().count());
        let mut d =
            Diagnostic::error(format!("unknown key `{}` in {}", key.as_str(), ctx.kind)).at(span, "unknown key");
        d = match did_you_mean(key.as_str(), known.iter().copied()) {
            Some(best) => d.help(format!("did you mean `{best}`?")),
            None => d.help(format!("the keys of {} are: {}", article(ctx.kind), known.join(", "))),
        };
        self.out.push(d);
    }

    fn scalar(&mut self, schema: &Value, types: &[&str], scalar: &MarkedScalarNode, ctx: Ctx<'_>) {
        let text = scalar.as_str();
        let ok = types.iter().any(|t| match *t {
            "string" => !is_null(scalar),
            "boolean" => scalar.as_bool().is_some(),
            // A quoted "2" is a string in YAML; accepting it would hide a typed-in mistake.
            "integer" => scalar.may_coerce() && integer_fits(schema, text),
            "number" => text.parse::<f64>().is_ok_and(f64::is_finite) && scalar.may_coerce(),
            _ => false,
        });
        if ok {
            // Patterns (the duration one) are checked with a better message in validation.
            return;
        }
        let integer_out_of_range = types.contains(&"integer") && scalar.may_coerce() && text.parse::<i128>().is_ok();
        let infinite = types.contains(&"number") && text.parse::<f64>().is_ok_and(f64::is_infinite);
        let expected = if integer_out_of_range {
            let (lo, hi) = integer_bounds(schema);
            format!("a whole number from {lo} to {hi}")
        } else if infinite {
            "a finite number".to_string()
        } else {
            describe(types)
        };
        let (found, span) = match (is_null(scalar), ctx.key_span) {
            (true, Some(key_span)) => ("nothing".to_string(), key_span),
            (true, None) => ("nothing".to_string(), span_of(scalar.span())),
            (false, _) if !scalar.may_coerce() => {
                (format!("the quoted string `{}`", shorten(text)), span_of(scalar.span()))
            }
            (false, _) => (format!("`{}`", shorten(text)), span_of(scalar.span())),
        };
        self.out.push(
            Diagnostic::error(format!("{} must be {expected}, found {found}", name(ctx)))
                .at(span, format!("expected {expected}")),
        );
    }
}

fn types_of(schema: &Value) -> Vec<&str> {
    match schema.get("type") {
        Some(Value::String(t)) => vec![t.as_str()],
        Some(Value::Array(ts)) => ts.iter().filter_map(Value::as_str).filter(|t| *t != "null").collect(),
        _ => Vec::new(),
    }
}

fn is_scalar_type(t: &str) -> bool {
    matches!(t, "string" | "integer" | "number" | "boolean")
}

/// An unquoted empty value, `~` or `null`: YAML's null, which no spec field accepts.
fn is_null(scalar: &MarkedScalarNode) -> bool {
    scalar.may_coerce() && matches!(scalar.as_str(), "" | "~" | "null" | "Null" | "NULL")
}

fn integer_bounds(schema: &Value) -> (i128, i128) {
    let (lo, hi) = match schema.get("format").and_then(Value::as_str) {
        Some("uint32") => (0, u32::MAX as i128),
        Some("int32") => (i32::MIN as i128, i32::MAX as i128),
        Some("uint64") => (0, u64::MAX as i128),
        _ => (i64::MIN as i128, i64::MAX as i128),
    };
    let lo = schema.get("minimum").and_then(Value::as_i64).map_or(lo, |m| lo.max(m as i128));
    (lo, hi)
}

fn integer_fits(schema: &Value, text: &str) -> bool {
    let (lo, hi) = integer_bounds(schema);
    text.parse::<i128>().is_ok_and(|n| (lo..=hi).contains(&n))
}

fn describe(types: &[&str]) -> String {
    let parts: Vec<String> = types
        .iter()
        .map(|t| match *t {
            "object" => "a mapping of keys to values".to_string(),
            "array" => "a list".to_string(),
            "string" => "a string".to_string(),
            "boolean" => "true or false".to_string(),
            "number" => "a number".to_string(),
            "integer" => "a whole number".to_string(),
            other => other.to_string(),
        })
        .collect();
    if parts.is_empty() {
        "a value".to_string()
    } else {
        parts.join(" or ")
    }
}

fn name(ctx: Ctx<'_>) -> String {
    match ctx.key {
        Some(key) => format!("`{key}`"),
        None => format!("the {}", ctx.kind),
    }
}

fn kind_of(def: &str) -> &'static str {
    match def {
        "Endpoint" => "endpoint",
        "ModelSpec" => "model",
        "Variant" => "variant",
        "AutoScaling" => "autoscaling",
        "Target" | "TargetSpec" => "target",
        "MetricSpec" => "metric",
        "CustomizedMetric" => "customized metric",
        "MetricDimension" => "dimension",
        "ScheduledAction" => "schedule",
        "Variable" => "variable",
        "Rollout" => "rollout",
        "RollbackAlarm" => "rollback alarm",
        _ => "spec",
    }
}

fn article(kind: &str) -> String {
    match kind {
        "endpoint" | "autoscaling" => format!("an {kind}"),
        _ => format!("a {kind}"),
    }
}

fn first_sentence(text: &str) -> String {
    let text = text.split(". ").next().unwrap_or(text).trim_end_matches('.');
    // Lower-case a leading capital, but not a name such as "SageMaker" or "AWS".
    let first_word = text.split_whitespace().next().unwrap_or("");
    if first_word.chars().skip(1).any(char::is_uppercase) {
        return text.to_string();
    }
    let mut chars = text.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

/// Turns a YAML load error (syntax, anchors, duplicate keys) into a diagnostic.
pub(super) fn load_error(err: &LoadError, text: &str) -> Diagnostic {
    match err {
        LoadError::TopLevelMustBeMapping(m) => {
            Diagnostic::error("the spec must be a mapping of keys to values at its top level")
                .at(span_at(m), "expected `version:`, `project:`, `endpoints:` ...")
        }
        LoadError::TopLevelMustBeSequence(m) => Diagnostic::error("the spec must be a mapping").at(span_at(m), "here"),
        LoadError::UnexpectedAnchor(m) => Diagnostic::error("YAML anchors and aliases are not supported in specs")
            .at(span_at(m), "anchor or alias")
            .help("write the value out in full; a spec is reviewed line by line, and aliases hide what a line means"),
        LoadError::MappingKeyMustBeScalar(m) => {
            Diagnostic::error("mapping keys must be plain strings").at(span_at(m), "complex key")
        }
        LoadError::UnexpectedTag(m) => Diagnostic::error("YAML tags (`!name`) are not supported in specs")
            .at(span_at(m), "tag")
            .help("remove the tag; write the plain value"),
        LoadError::ScanError(m, scan) if scan.info().contains("tab") => {
            Diagnostic::error(format!("invalid YAML: {}", scan.info()))
                .at(tab_near(text, span_at(m)), "tab")
                .help("indent with spaces: YAML does not allow tabs in indentation")
        }
        LoadError::ScanError(m, scan) => Diagnostic::error(format!("invalid YAML: {}", scan.info()))
            .at(span_at(m), "here")
            .help("check the indentation and quoting on this line and the one before it"),
        LoadError::DuplicateKey(inner) => {
            let first = span_of(inner.prev_key.span());
            let key = inner.key.as_str();
            Diagnostic::error(format!("duplicate key `{key}`"))
                .at(
                    SourceSpan::new(
                        span_of(inner.key.span()).line,
                        span_of(inner.key.span()).column,
                        key.chars().count(),
                    ),
                    "written again here",
                )
                .help(format!("`{key}` is already set on line {}; keep one of them", first.line))
        }
    }
}

/// Where the tab is that a YAML scan error is about. The scanner points past it (at the text
/// a tab indents) or at the start of the scalar whose next line it indents, never at the tab
/// itself: take the first tab of the blanks just before the marker, else the next tab after it.
fn tab_near(text: &str, at: SourceSpan) -> SourceSpan {
    let tab = |line: usize, column: usize| SourceSpan::new(line, column, 1);
    let Some(line) = text.lines().nth(at.line.saturating_sub(1)) else { return at };
    let before: Vec<char> = line.chars().take(at.column.saturating_sub(1)).collect();
    let blanks = before.iter().rev().take_while(|c| **c == ' ' || **c == '\t').count();
    let run = before.len() - blanks;
    if let Some(i) = before[run..].iter().position(|c| *c == '\t') {
        return tab(at.line, run + i + 1);
    }
    let mut column = before.len();
    for (i, line) in text.lines().enumerate().skip(at.line.saturating_sub(1)) {
        if let Some(c) = line.chars().skip(column).position(|c| c == '\t') {
            return tab(i + 1, column + c + 1);
        }
        column = 0;
    }
    at
}

/// Nothing but blank lines, comments and document markers.
pub(super) fn is_blank(text: &str) -> bool {
    text.lines().all(|l| {
        let l = l.trim();
        l.is_empty() || l.starts_with('#') || l == "---" || l == "..."
    })
}
