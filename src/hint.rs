//! Command lines that messages suggest ("run `endpoint-scale apply spec.yaml` again"), built in
//! one place so that each is runnable as printed: with the arguments and flags it needs (the
//! spec, `--project`, the AWS flags the user gave), and quoted for a POSIX shell where a path or
//! a name needs it. A test parses every one with the real CLI, and another fails on a command
//! line written into a message by hand anywhere else.

use std::fmt;

/// An `endpoint-scale` command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandLine {
    args: Vec<String>,
}

impl CommandLine {
    /// `endpoint-scale SUBCOMMAND`.
    pub fn new(subcommand: &str) -> Self {
        CommandLine { args: vec!["endpoint-scale".to_string(), subcommand.to_string()] }
    }

    /// A positional argument or a flag without a value.
    pub fn arg(mut self, arg: impl AsRef<str>) -> Self {
        self.args.push(arg.as_ref().to_string());
        self
    }

    /// `flag` when `on`.
    pub fn flag_if(self, on: bool, flag: &str) -> Self {
        if on {
            self.arg(flag)
        } else {
            self
        }
    }

    /// `--flag VALUE`.
    pub fn opt(self, flag: &str, value: impl AsRef<str>) -> Self {
        self.arg(flag).arg(value)
    }

    /// `--flag VALUE` when there is a value (the commands add the AWS flags the user gave this
    /// way, so the suggested command looks at the same account and region).
    pub fn opt_if(self, flag: &str, value: Option<&str>) -> Self {
        match value {
            Some(value) => self.opt(flag, value),
            None => self,
        }
    }

    /// The words of the command line, as a shell passes them to the program.
    pub fn argv(&self) -> &[String] {
        &self.args
    }
}

impl fmt::Display for CommandLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let words: Vec<String> = self.args.iter().map(|a| quote(a)).collect();
        f.write_str(&words.join(" "))
    }
}

/// `endpoint-scale import ENDPOINT --project PROJECT`: writes a spec for an endpoint made by hand.
pub fn import(endpoint: &str, project: &str) -> CommandLine {
    CommandLine::new("import").arg(endpoint).opt("--project", project)
}

/// `endpoint-scale prices fetch --region REGION`: writes official prices for a region (to stdout
/// without `--out`).
pub fn prices_fetch(region: &str, out: Option<&str>) -> CommandLine {
    CommandLine::new("prices").arg("fetch").opt("--region", region).opt_if("--out", out)
}

/// `endpoint-scale prices import FILE [--region REGION]`: a price table from a Price List file.
pub fn prices_import(file: &str, region: Option<&str>, out: Option<&str>) -> CommandLine {
    CommandLine::new("prices").arg("import").arg(file).opt_if("--region", region).opt_if("--out", out)
}

/// `endpoint-scale prices show --region REGION --output json`: the price table a region uses,
/// as the file `--prices` reads.
pub fn prices_show_json(region: &str) -> CommandLine {
    CommandLine::new("prices").arg("show").opt("--region", region).opt("--output", "json")
}

/// `aws sagemaker delete-endpoint --endpoint-name NAME --region REGION`: deletes one endpoint
/// (endpoint-scale's own `destroy` deletes every endpoint of a spec, too much for one that
/// failed). The AWS CLI's own syntax (AWS CLI reference, `sagemaker delete-endpoint`).
pub fn aws_delete_endpoint(endpoint: &str, region: Option<&str>) -> String {
    let mut line = format!("aws sagemaker delete-endpoint --endpoint-name {}", quote(endpoint));
    if let Some(region) = region {
        line.push_str(&format!(" --region {}", quote(region)));
    }
    line
}

/// A word as a POSIX shell reads it back unchanged: bare when it has only safe characters,
/// otherwise in single quotes (a single quote inside written as `'\''`).
pub fn quote(word: &str) -> String {
    let safe = |c: char| c.is_ascii_alphanumeric() || "-_./:=@%+,".contains(c);
    if !word.is_empty() && word.chars().all(safe) {
        word.to_string()
    } else {
        format!("'{}'", word.replace('\'', r"'\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cli::Cli;
    use clap::Parser;

    /// Splits a POSIX shell word list with single quotes (what [`quote`] writes).
    fn split(line: &str) -> Vec<String> {
        let mut words = Vec::new();
        let mut word = String::new();
        let mut in_word = false;
        let mut chars = line.chars();
        while let Some(c) = chars.next() {
            match c {
                '\'' => {
                    in_word = true;
                    for q in chars.by_ref() {
                        if q == '\'' {
                            break;
                        }
                        word.push(q);
                    }
                }
                '\\' => {
                    in_word = true;
                    word.extend(chars.next());
                }
                ' ' if in_word => {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                ' ' => {}
                c => {
                    in_word = true;
                    word.push(c);
                }
            }
        }
        if in_word {
            words.push(word);
        }
        words
    }

    /// Parses a printed command line with the real CLI: why it would not run, if it would not.
    fn parse_error(line: &str) -> Option<String> {
        Cli::try_parse_from(split(line)).err().map(|e| e.to_string())
    }

    #[track_caller]
    fn runnable(line: &str) {
        if let Some(e) = parse_error(line) {
            panic!("`{line}` is not runnable as printed: {e}");
        }
    }

    #[test]
    fn quoting_survives_the_shell() {
        for word in ["spec.yaml", "my specs/prod.yaml", "it's.yaml", "", "$HOME", "a\"b"] {
            assert_eq!(split(&quote(word)), [word], "{word}");
        }
        assert_eq!(quote("examples/recommender.yaml"), "examples/recommender.yaml");
        assert_eq!(quote("my specs/prod.yaml"), "'my specs/prod.yaml'");
    }

    #[test]
    fn every_suggested_command_line_parses() {
        let aws = |line: CommandLine| {
            line.opt_if("--profile", Some("prod"))
                .opt_if("--region", Some("eu-west-1"))
                .opt_if("--endpoint-url", Some("http://127.0.0.1:5000"))
        };
        let lines = [
            import("product-recommender", "recommendations").to_string(),
            aws(CommandLine::new("apply").arg("my specs/prod.yaml").flag_if(true, "--prune")).to_string(),
            aws(CommandLine::new("destroy").arg("spec.yaml")).to_string(),
            CommandLine::new("plan").arg("spec.yaml").opt("--out", "release.plan").to_string(),
            CommandLine::new("plan").arg("spec.yaml").opt("--target", "alpha").opt("--var", "env=prod").to_string(),
            prices_fetch("eu-west-1", None).to_string(),
            prices_fetch("eu-west-1", Some("prices-eu-west-1.json")).to_string(),
            prices_import("index.json", Some("eu-west-1"), Some("prices.json")).to_string(),
            prices_import("my offer.json", None, None).to_string(),
            prices_show_json("ap-south-2").to_string(),
        ];
        for line in lines {
            runnable(&line);
        }
        assert_eq!(
            import("product-recommender", "recommendations").to_string(),
            "endpoint-scale import product-recommender --project recommendations"
        );
    }

    /// A command line written into a message by hand (`endpoint-scale plan` without its spec)
    /// is not runnable: every suggestion goes through [`CommandLine`]. Lines that say what made
    /// a file ("Generated by `endpoint-scale render`") are provenance, not suggestions.
    #[test]
    fn no_command_line_is_written_by_hand() {
        let mut found = Vec::new();
        let mut stack = vec![std::path::PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/src"))];
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                    continue;
                }
                if path.ends_with("hint.rs") || path.extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(&path).unwrap();
                for (n, line) in text.lines().enumerate() {
                    let code = line.trim_start();
                    if code.starts_with("//") {
                        continue;
                    }
                    let mut rest = line;
                    while let Some(at) = rest.find("`endpoint-scale ") {
                        let before = &rest[..at];
                        let after = &rest[at + 1..];
                        let Some(end) = after.find('`') else { break };
                        let command = &after[..end];
                        let provenance = before.trim_end().ends_with(" by");
                        if !provenance && (command.contains('{') || parse_error(command).is_some()) {
                            found.push(format!("{}:{}: `{command}`", path.display(), n + 1));
                        }
                        rest = &after[end + 1..];
                    }
                }
            }
        }
        assert!(
            found.is_empty(),
            "command lines written by hand; build them with hint::CommandLine:\n{}",
            found.join("\n")
        );
    }
}
