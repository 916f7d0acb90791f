//! What installing the tool gives besides the binary: shell completions, man pages and help.

use crate::harness::{es, TempDir};

const SUBCOMMANDS: [&str; 16] = [
    "validate",
    "render",
    "plan",
    "apply",
    "diff",
    "destroy",
    "show",
    "iam-policy",
    "import",
    "simulate",
    "recommend",
    "traffic",
    "prices",
    "schema",
    "completions",
    "man",
];

/// Subcommands of subcommands, with their parent: each has its own man page.
const NESTED: [(&str, &str); 5] =
    [("traffic", "generate"), ("traffic", "export"), ("prices", "show"), ("prices", "fetch"), ("prices", "import")];

#[test]
fn completions_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = es(["completions", shell]).run().code(0);
        assert!(out.stdout.len() > 1000, "{shell}: {}", out.stdout);
        assert_eq!(out.stderr, "");
        // Every subcommand and a nested flag are completed.
        for word in ["destroy", "auto-approve", "poll-interval", "iam-policy", "prices", "target", "var-file", "debug"]
        {
            assert!(out.stdout.contains(word), "{shell} completion lacks {word}");
        }
    }
    let out = es(["completions", "tcsh"]).run().code(1);
    assert!(out.stderr.starts_with("error: invalid value 'tcsh' for '<SHELL>'"), "{}", out.stderr);
}

#[test]
fn the_bash_completion_is_valid_bash() {
    let out = es(["completions", "bash"]).run().code(0);
    let dir = TempDir::new();
    let script = dir.path.join("endpoint-scale.bash");
    std::fs::write(&script, &out.stdout).unwrap();
    let check = std::process::Command::new("bash").arg("-n").arg(&script).output().unwrap();
    assert!(check.status.success(), "{}", String::from_utf8_lossy(&check.stderr));
    // Loaded into a shell, it registers itself for the command.
    let loaded = std::process::Command::new("bash")
        .arg("-c")
        .arg(format!("source {} && complete -p endpoint-scale", script.display()))
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("endpoint-scale"), "{loaded:?}");
}

#[test]
fn the_man_page_on_stdout_names_every_command() {
    let out = es(["man"]).run().code(0);
    assert!(
        out.stdout.starts_with(".ie \\n(.g .ds Aq \\(aq\n") || out.stdout.contains(".TH endpoint-scale 1"),
        "{}",
        out.stdout
    );
    assert!(out.stdout.contains(".TH endpoint-scale 1"), "{}", out.stdout);
    for sub in SUBCOMMANDS {
        assert!(
            out.stdout.contains(&format!("endpoint\\-scale\\-{}(1)", sub.replace('-', "\\-")))
                || out.stdout.contains(&format!("\n{sub}\n")),
            "{sub} missing from the man page"
        );
    }
}

#[test]
fn man_out_dir_writes_a_page_per_subcommand_that_man_renders() {
    let dir = TempDir::new();
    let pages = dir.path.join("man1");
    let out = es(["man", "--out-dir", pages.to_str().unwrap()]).run().code(0);
    assert_eq!(out.stderr, format!("Wrote the man pages to {}.\n", pages.display()));
    let mut names: Vec<String> =
        std::fs::read_dir(&pages).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    let mut want: Vec<String> = SUBCOMMANDS
        .iter()
        .map(|s| format!("endpoint-scale-{s}.1"))
        .chain(NESTED.iter().map(|(parent, sub)| format!("endpoint-scale-{parent}-{sub}.1")))
        .chain(["endpoint-scale.1".to_string()])
        .collect();
    want.sort();
    assert_eq!(names, want);
    let plan = std::fs::read_to_string(pages.join("endpoint-scale-plan.1")).unwrap();
    assert!(plan.contains(".TH plan 1") || plan.contains(".TH endpoint-scale-plan 1"), "{plan}");
    assert!(plan.contains("\\-\\-detailed\\-exitcode"), "{plan}");
    // Where man(1) is installed, every page renders without a warning.
    if std::process::Command::new("man").arg("--version").output().is_ok_and(|o| o.status.success()) {
        for name in &names {
            let render = std::process::Command::new("man")
                .args(["--warnings", "-l", "-P", "cat"])
                .arg(pages.join(name))
                .env("MANWIDTH", "100")
                .output()
                .unwrap();
            assert!(render.status.success(), "{name}: {}", String::from_utf8_lossy(&render.stderr));
            // Layout notes about one long word (recommend's default list of instance types,
            // commas without spaces) are not markup errors.
            let stderr = String::from_utf8_lossy(&render.stderr);
            let warnings: Vec<&str> = stderr.lines().filter(|l| !l.ends_with("can't break line")).collect();
            assert_eq!(warnings, Vec::<&str>::new(), "{name}");
            assert!(!render.stdout.is_empty(), "{name}");
        }
    }
}

#[test]
fn traffic_generate_help_lists_the_settings_with_defaults() {
    let out = es(["traffic", "generate", "--help"]).run().code(0);
    assert!(out.stdout.contains("Settings (key=value; default, meaning, accepted values):\n"), "{}", out.stdout);
    assert!(out.stdout.contains("\n  base_rpm                300.0\n"), "{}", out.stdout);
    assert!(!out.stdout.contains("docs/simulation.md"), "{}", out.stdout);
    // A list setting is written as the help shows it.
    let csv = es(["traffic", "generate", "days=1", "peak_days=Mon,Fri"]).run().code(0);
    assert_eq!(csv.stdout.lines().count(), 1 + 1440);
}
