//! Reading the CI files with marked-yaml (already endpoint-scale's YAML parser), so every
//! complaint names the file, line and column of what the models do not understand.

use marked_yaml::types::{MarkedMappingNode, MarkedScalarNode};
use marked_yaml::{LoaderOptions, Node};

/// A CI file: its path (for messages) and its root mapping.
pub struct File {
    pub path: String,
    pub root: Node,
}

impl File {
    pub fn load(path: &str, text: &str) -> File {
        let options = LoaderOptions::default().error_on_duplicate_keys(true);
        let root = marked_yaml::parse_yaml_with_options(0, text, options)
            .unwrap_or_else(|e| panic!("{path}: not YAML this test can read: {e}"));
        File { path: path.to_string(), root }
    }

    /// `path:line:column` of a node.
    pub fn at(&self, node: &Node) -> String {
        match node.span().start() {
            Some(m) => format!("{}:{}:{}", self.path, m.line(), m.column()),
            None => self.path.clone(),
        }
    }

    pub fn at_key(&self, key: &MarkedScalarNode) -> String {
        match key.span().start() {
            Some(m) => format!("{}:{}:{}", self.path, m.line(), m.column()),
            None => self.path.clone(),
        }
    }

    #[track_caller]
    pub fn fail(&self, node: &Node, message: impl std::fmt::Display) -> ! {
        panic!("{}: {message}", self.at(node))
    }

    #[track_caller]
    pub fn map<'a>(&self, node: &'a Node, what: &str) -> &'a MarkedMappingNode {
        node.as_mapping().unwrap_or_else(|| self.fail(node, format!("{what} must be a mapping")))
    }

    #[track_caller]
    pub fn text<'a>(&self, node: &'a Node, what: &str) -> &'a str {
        node.as_scalar().map(|s| s.as_str()).unwrap_or_else(|| self.fail(node, format!("{what} must be a scalar")))
    }

    #[track_caller]
    pub fn list<'a>(&self, node: &'a Node, what: &str) -> &'a [Node] {
        node.as_sequence().map(|s| s.as_slice()).unwrap_or_else(|| self.fail(node, format!("{what} must be a list")))
    }

    /// The entries of a mapping, in file order, as (key, value).
    pub fn entries<'a>(&self, map: &'a MarkedMappingNode) -> Vec<(&'a str, &'a Node)> {
        map.iter().map(|(k, v)| (k.as_str(), v)).collect()
    }

    /// A mapping of scalars (`env:`, `variables:`, `with:`), in file order.
    pub fn strings(&self, node: &Node, what: &str) -> Vec<(String, String)> {
        let map = self.map(node, what);
        self.entries(map)
            .into_iter()
            .map(|(k, v)| (k.to_string(), self.text(v, &format!("{what}.{k}")).to_string()))
            .collect()
    }

    /// Fails on any key of `map` outside `known`: a key the model would otherwise ignore could
    /// change what the pipeline does.
    #[track_caller]
    pub fn only(&self, map: &MarkedMappingNode, known: &[&str], what: &str) {
        for (key, _) in map.iter() {
            if !known.contains(&key.as_str()) {
                panic!(
                    "{}: `{}` in {what} is not a key tests/cli/ci_examples.rs understands (it knows {}): teach the model what it does before using it",
                    self.at_key(key),
                    key.as_str(),
                    known.join(", ")
                );
            }
        }
    }
}
