//! The layout is part of the design (docs/design.md): these tests keep its boundaries from
//! eroding. Each one reads the source as text.
//!
//! - only `src/aws*` touches the AWS SDK, only the spec module touches YAML, only the progress
//!   view touches indicatif, only `main.rs` exits the process;
//! - the top-level modules depend on each other without a cycle;
//! - every source file starts with a `//!` doc saying what it owns.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use crate::harness::root;

/// Every `.rs` file under `src/`, as (path relative to the root, text).
fn sources() -> Vec<(String, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&root().join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap();
            (p.strip_prefix(root()).unwrap().to_str().unwrap().to_string(), text)
        })
        .collect()
}

/// The top-level module a file belongs to (`src/plan/diff.rs` -> `plan`); `main.rs` and
/// `lib.rs` are the crate root.
fn top_module(path: &str) -> String {
    let rest = path.strip_prefix("src/").unwrap();
    let first = rest.split('/').next().unwrap();
    first.strip_suffix(".rs").unwrap_or(first).to_string()
}

/// Files that mention `needle` outside comments.
fn files_using(needle: &str) -> Vec<String> {
    sources()
        .into_iter()
        .filter(|(_, text)| text.lines().any(|l| !l.trim_start().starts_with("//") && l.contains(needle)))
        .map(|(path, _)| path)
        .collect()
}

#[test]
fn only_the_adapters_touch_their_crates() {
    let outside = |needle: &str, allowed: &dyn Fn(&str) -> bool| -> Vec<String> {
        files_using(needle).into_iter().filter(|p| !allowed(p)).collect()
    };
    let aws = |p: &str| p == "src/aws.rs" || p.starts_with("src/aws/");
    assert_eq!(outside("aws_sdk", &aws), Vec::<String>::new(), "only src/aws* may use the AWS SDK");
    assert_eq!(outside("aws_smithy", &aws), Vec::<String>::new(), "only src/aws* may use the AWS SDK");
    assert_eq!(outside("aws_config", &aws), Vec::<String>::new(), "only src/aws* may use the AWS SDK");
    let spec = |p: &str| p == "src/spec.rs" || p.starts_with("src/spec/");
    assert_eq!(outside("marked_yaml", &spec), Vec::<String>::new(), "only the spec module reads YAML");
    assert_eq!(outside("indicatif", &|p| p == "src/progress.rs"), Vec::<String>::new());
    assert_eq!(outside("process::exit", &|p| p == "src/main.rs"), Vec::<String>::new());
}

/// The top-level modules each file refers to through `crate::`. Unit tests may use any stage
/// (a spec test validates what it wrote), so test modules and test-only files do not count.
fn dependencies() -> BTreeMap<String, BTreeSet<String>> {
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, text) in sources() {
        if path.ends_with("/tests.rs") || path == "src/testing.rs" {
            continue;
        }
        let from = top_module(&path);
        let deps = graph.entry(from.clone()).or_default();
        let text = text.split("#[cfg(test)]\nmod tests").next().unwrap_or_default();
        let code: String = text.lines().filter(|l| !l.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
        let mut rest = code.as_str();
        while let Some(at) = rest.find("crate::") {
            rest = &rest[at + "crate::".len()..];
            let names: Vec<String> = if let Some(group) = rest.strip_prefix('{') {
                // `crate::{a, b::c, d}`: the first segment of each path at depth 0.
                let mut depth = 0;
                let mut items = vec![String::new()];
                for c in group.chars() {
                    match c {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => items.push(String::new()),
                        _ if depth == 0 => items.last_mut().unwrap().push(c),
                        _ => {}
                    }
                }
                items.iter().map(|i| i.trim().split("::").next().unwrap_or("").to_string()).collect()
            } else {
                vec![rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect()]
            };
            for name in names.into_iter().filter(|n| !n.is_empty() && *n != from && *n != "self") {
                deps.insert(name);
            }
        }
    }
    graph
}

#[test]
fn modules_depend_on_each_other_without_a_cycle() {
    let graph = dependencies();
    // Depth-first search; a module met again while on the stack closes a cycle.
    fn visit(
        node: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        stack: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(at) = stack.iter().position(|n| n == node) {
            let mut cycle = stack[at..].to_vec();
            cycle.push(node.to_string());
            return Some(cycle);
        }
        if done.contains(node) {
            return None;
        }
        stack.push(node.to_string());
        for next in graph.get(node).into_iter().flatten() {
            if let Some(cycle) = visit(next, graph, stack, done) {
                return Some(cycle);
            }
        }
        stack.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for node in graph.keys() {
        if let Some(cycle) = visit(node, &graph, &mut Vec::new(), &mut done) {
            panic!("import cycle: {}\nthe graph: {graph:#?}", cycle.join(" -> "));
        }
    }
    // The pipeline's direction, spelled out: nothing below the commands reaches up to them.
    for (module, deps) in &graph {
        if !["main", "lib", "commands"].contains(&module.as_str()) {
            assert!(!deps.contains("commands") && !deps.contains("cli"), "{module} depends on the CLI: {deps:?}");
        }
    }
}

#[test]
fn every_source_file_says_what_it_owns() {
    let undocumented: Vec<String> =
        sources().into_iter().filter(|(_, text)| !text.trim_start().starts_with("//!")).map(|(path, _)| path).collect();
    assert_eq!(undocumented, Vec::<String>::new());
}
