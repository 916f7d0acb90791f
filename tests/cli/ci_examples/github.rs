//! GitHub Actions, as much of it as examples/ci/github-actions.yml uses, run locally.
//!
//! What the model understands (anything else fails the test at its line and column, before a
//! step runs):
//!
//! - workflow keys `name`, `on` (`pull_request` and `push` with `branches`, which must include
//!   main; `schedule` with `cron`; `workflow_dispatch`; the simulated event must be one of them),
//!   `concurrency`, `permissions`, `env`, `defaults.run.shell: bash`, `jobs`;
//! - job keys `if`, `needs` (earlier jobs; a job whose needs did not all succeed is skipped),
//!   `env`, `outputs`, `environment` (recorded: the test is the reviewer who approves it),
//!   `permissions` (`id-token: write` is required for OIDC credentials), `steps`, and as
//!   plumbing `name`, `runs-on` (ubuntu), `concurrency`, `timeout-minutes`;
//! - step keys `name`, `id`, `if`, `env`, `run` with `shell: bash` or none (`bash -e`, or
//!   `bash --noprofile --norc -eo pipefail` for `bash`, as GitHub's runner), `uses` with `with`,
//!   `timeout-minutes`;
//! - the actions `actions/checkout` (copies the repository), `actions/cache` (`path`, `key`;
//!   restores on a hit, saves after a successful job on a miss; a pull request reads its own and
//!   main's caches), `actions/upload-artifact` and `actions/download-artifact` (`name`, `path`,
//!   `retention-days`, `if-no-files-found`; per run), and `aws-actions/configure-aws-credentials`
//!   (`role-to-assume`, `aws-region`: AssumeRoleWithWebIdentity against the emulator, exporting
//!   the credentials and region to later steps);
//! - `$GITHUB_OUTPUT` lines `name=value`, `$GITHUB_STEP_SUMMARY`; a step that writes
//!   `$GITHUB_ENV` or `$GITHUB_PATH` fails the test (not modelled);
//! - the expressions of [`super::expr`] with the contexts `github.event_name`, `github.ref`,
//!   `runner.os`, `runner.arch`, `env.*`, `secrets.*` and `vars.*` (the test's repository
//!   settings), `steps.ID.outputs.*`, `needs.JOB.outputs.*`, and `always()`, `success()`,
//!   `failure()`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use marked_yaml::Node;

use super::expr::{self, Val};
use super::runner::{copy, Runner, Shell};
use super::yaml::File;

const WORKFLOW_KEYS: &[&str] = &["name", "on", "concurrency", "permissions", "env", "defaults", "jobs"];
const JOB_KEYS: &[&str] = &[
    "name",
    "if",
    "needs",
    "runs-on",
    "permissions",
    "environment",
    "concurrency",
    "env",
    "outputs",
    "steps",
    "timeout-minutes",
];
const STEP_KEYS: &[&str] = &["name", "id", "if", "uses", "with", "run", "env", "shell", "timeout-minutes"];
/// The actions the model runs, with the `with:` keys it understands.
const ACTIONS: &[(&str, &[&str])] = &[
    ("actions/checkout", &[]),
    ("actions/cache", &["path", "key"]),
    ("actions/upload-artifact", &["name", "path", "retention-days", "if-no-files-found"]),
    ("actions/download-artifact", &["name", "path"]),
    ("aws-actions/configure-aws-credentials", &["role-to-assume", "aws-region"]),
];
/// The events a test can simulate, with the ref GitHub gives the run.
const EVENTS: &[(&str, &str)] =
    &[("pull_request", "refs/pull/7/merge"), ("push", "refs/heads/main"), ("schedule", "refs/heads/main")];
const MAIN: &str = "refs/heads/main";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failure,
    Skipped,
}

#[derive(Debug)]
pub struct Step {
    pub name: String,
    pub status: Status,
    /// The shell's output, for `run:` steps that ran.
    pub shell: Option<Shell>,
    /// Why a modelled action failed.
    pub error: Option<String>,
}

#[derive(Debug)]
pub struct Job {
    pub id: String,
    pub status: Status,
    pub steps: Vec<Step>,
    /// Everything the steps wrote to `$GITHUB_STEP_SUMMARY`, in order.
    pub summary: String,
    pub outputs: BTreeMap<String, String>,
    pub environment: Option<String>,
    /// The roles configure-aws-credentials assumed, in order.
    pub roles: Vec<String>,
}

impl Job {
    /// Everything the job's shell steps printed, for failure messages.
    pub fn log(&self) -> String {
        self.steps
            .iter()
            .map(|s| {
                let shell = s.shell.as_ref().map(|o| format!("{}{}", o.stdout, o.stderr)).unwrap_or_default();
                format!("--- {} ({:?}) {}\n{shell}", s.name, s.status, s.error.clone().unwrap_or_default())
            })
            .collect()
    }
}

pub struct Run {
    pub jobs: Vec<Job>,
    /// The run's artifacts by name, each a directory.
    pub artifacts: BTreeMap<String, PathBuf>,
}

impl Run {
    /// The ids of the jobs that ran (not skipped), in order.
    pub fn ran(&self) -> Vec<&str> {
        self.jobs.iter().filter(|j| j.status != Status::Skipped).map(|j| j.id.as_str()).collect()
    }

    #[track_caller]
    pub fn job(&self, id: &str) -> &Job {
        self.jobs.iter().find(|j| j.id == id).unwrap_or_else(|| panic!("no job {id}"))
    }

    #[track_caller]
    pub fn artifact(&self, name: &str) -> &Path {
        self.artifacts
            .get(name)
            .unwrap_or_else(|| panic!("the run uploaded no artifact {name}: {:?}", self.artifacts.keys()))
    }
}

/// A repository with the workflow, its settings (secrets, variables), and the caches that
/// outlive a run.
pub struct Repo {
    file: File,
    runner: Runner,
    checkout: PathBuf,
    secrets: BTreeMap<String, String>,
    vars: BTreeMap<String, String>,
    caches: std::cell::RefCell<BTreeMap<(String, String), PathBuf>>,
    rt: tokio::runtime::Runtime,
}

/// The state of one job while it runs.
struct JobState<'r> {
    event: &'r str,
    env: BTreeMap<String, String>,
    /// What configure-aws-credentials exported.
    exported: BTreeMap<String, String>,
    steps: BTreeMap<String, BTreeMap<String, String>>,
    needs: BTreeMap<String, BTreeMap<String, String>>,
    failed: bool,
    home: PathBuf,
    workspace: PathBuf,
}

impl Repo {
    /// The workflow `text` (read from `path`, for messages), checked, in a repository with the
    /// given secrets and variables whose AWS is at `aws_url`.
    pub fn new(aws_url: &str, path: &str, text: &str, secrets: &[(&str, String)], vars: &[(&str, String)]) -> Repo {
        let runner = Runner::new(aws_url);
        let checkout = runner.fresh("checkout");
        let repo = Repo {
            file: File::load(path, text),
            runner,
            checkout,
            secrets: secrets.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            vars: vars.iter().map(|(k, v)| (k.to_string(), v.clone())).collect(),
            caches: Default::default(),
            rt: tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap(),
        };
        repo.check();
        repo
    }

    /// Adds a file to the repository (what `actions/checkout` checks out).
    pub fn commit(&self, path: &str, contents: &str) {
        let p = self.checkout.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    pub fn workflow_env(&self) -> Vec<(String, String)> {
        match self.root().get_node("env") {
            Some(env) => self.file.strings(env, "env"),
            None => vec![],
        }
    }

    pub fn toolchain_calls(&self) -> Vec<String> {
        self.runner.toolchain_calls()
    }

    fn root(&self) -> &marked_yaml::types::MarkedMappingNode {
        self.file.map(&self.file.root, "the workflow")
    }

    fn jobs(&self) -> Vec<(&str, &Node)> {
        let jobs = self.root().get_node("jobs").unwrap_or_else(|| self.file.fail(&self.file.root, "no jobs"));
        self.file.entries(self.file.map(jobs, "jobs"))
    }

    fn steps<'n>(&self, job: &'n Node, id: &str) -> &'n [Node] {
        let steps =
            self.file.map(job, id).get_node("steps").unwrap_or_else(|| self.file.fail(job, "a job without steps"));
        self.file.list(steps, "steps")
    }

    /// Every key, action and expression of the workflow is one the model understands.
    fn check(&self) {
        let f = &self.file;
        f.only(self.root(), WORKFLOW_KEYS, "the workflow");
        let on = self.root().get_node("on").unwrap_or_else(|| f.fail(&f.root, "no `on:`"));
        f.only(f.map(on, "on"), &["pull_request", "push", "schedule", "workflow_dispatch"], "on");
        for (event, trigger) in f.entries(f.map(on, "on")) {
            match (event, trigger) {
                (_, Node::Scalar(s)) if s.is_empty() => {}
                ("pull_request" | "push", _) => f.only(f.map(trigger, event), &["branches"], &format!("on.{event}")),
                ("schedule", _) => {
                    for entry in f.list(trigger, "on.schedule") {
                        f.only(f.map(entry, "a schedule"), &["cron"], "on.schedule");
                    }
                }
                _ => f.fail(trigger, format!("on.{event} with settings is not modelled")),
            }
        }
        if let Some(defaults) = self.root().get_node("defaults") {
            f.only(f.map(defaults, "defaults"), &["run"], "defaults");
            let run = f.map(defaults, "defaults").get_node("run").unwrap();
            f.only(f.map(run, "defaults.run"), &["shell"], "defaults.run");
            self.shell_flags(f.map(run, "defaults.run").get_node("shell"));
        }
        for (key, value) in self.workflow_env() {
            self.check_text(&value, &format!("env.{key}"), &[], &[]);
        }
        if let Some(c) = self.root().get_node("concurrency") {
            for (k, v) in f.strings(c, "concurrency") {
                self.check_text(&v, &format!("concurrency.{k}"), &[], &[]);
            }
        }
        let mut earlier: Vec<&str> = Vec::new();
        for (id, job) in self.jobs() {
            let map = f.map(job, id);
            f.only(map, JOB_KEYS, &format!("job {id}"));
            let needs = self.needs(job);
            for n in &needs {
                if !earlier.contains(&n.as_str()) {
                    f.fail(job, format!("job {id} needs {n}, which is not an earlier job"));
                }
            }
            if let Some(runs_on) = map.get_node("runs-on") {
                if !f.text(runs_on, "runs-on").starts_with("ubuntu-") {
                    f.fail(runs_on, "only ubuntu runners are modelled");
                }
            }
            if let Some(cond) = map.get_node("if") {
                let names = self.check_expr(f.text(cond, "if"), cond, &[], &needs);
                if names.iter().any(|n| n.ends_with("()")) {
                    f.fail(cond, "status functions in a job's `if` are not modelled");
                }
            }
            for key in ["env", "outputs"] {
                if let Some(node) = map.get_node(key) {
                    for (k, v) in f.strings(node, key) {
                        let ids = self.step_ids(job, id, usize::MAX);
                        self.check_text(&v, &format!("jobs.{id}.{key}.{k}"), &ids, &needs);
                    }
                }
            }
            if let Some(env) = map.get_node("environment") {
                self.environment(env);
            }
            for (i, step) in self.steps(job, id).iter().enumerate() {
                let ids = self.step_ids(job, id, i);
                let s = f.map(step, "a step");
                f.only(s, STEP_KEYS, &format!("a step of job {id}"));
                match (s.get_node("run"), s.get_node("uses")) {
                    (Some(_), None) => {
                        if s.get_node("with").is_some() {
                            f.fail(step, "`with` beside `run`");
                        }
                        self.shell_flags(s.get_node("shell"));
                    }
                    (None, Some(uses)) => {
                        let (known, _) = self.action(uses);
                        if s.get_node("shell").is_some() {
                            f.fail(step, "`shell` beside `uses`");
                        }
                        if let Some(with) = s.get_node("with") {
                            f.only(f.map(with, "with"), known, &format!("the `with` of {}", f.text(uses, "uses")));
                            for (k, v) in f.strings(with, "with") {
                                self.check_text(&v, &format!("with.{k}"), &ids, &needs);
                            }
                        }
                    }
                    _ => f.fail(step, "a step needs exactly one of `run` and `uses`"),
                }
                if let Some(cond) = s.get_node("if") {
                    self.check_expr(f.text(cond, "if"), cond, &ids, &needs);
                }
                if let Some(env) = s.get_node("env") {
                    for (k, v) in f.strings(env, "env") {
                        self.check_text(&v, &format!("env.{k}"), &ids, &needs);
                    }
                }
            }
            earlier.push(id);
        }
    }

    /// The ids of the steps of a job before step `before`.
    fn step_ids(&self, job: &Node, id: &str, before: usize) -> Vec<String> {
        self.steps(job, id)
            .iter()
            .take(before)
            .filter_map(|s| s.as_mapping().and_then(|m| m.get_scalar("id")).map(|i| i.as_str().to_string()))
            .collect()
    }

    fn needs(&self, job: &Node) -> Vec<String> {
        match self.file.map(job, "a job").get_node("needs") {
            None => vec![],
            Some(Node::Scalar(s)) => vec![s.as_str().to_string()],
            Some(n) => self.file.list(n, "needs").iter().map(|x| self.file.text(x, "needs").to_string()).collect(),
        }
    }

    fn environment(&self, env: &Node) -> String {
        match env {
            Node::Scalar(s) => s.as_str().to_string(),
            _ => {
                let m = self.file.map(env, "environment");
                self.file.only(m, &["name", "url"], "environment");
                self.file
                    .text(
                        m.get_node("name").unwrap_or_else(|| self.file.fail(env, "an environment needs a name")),
                        "name",
                    )
                    .to_string()
            }
        }
    }

    /// The with-keys the action takes, and the action's name without its version.
    fn action(&self, uses: &Node) -> (&'static [&'static str], &'static str) {
        let text = self.file.text(uses, "uses");
        let (name, version) =
            text.split_once('@').unwrap_or_else(|| self.file.fail(uses, "pin the action: `owner/name@version`"));
        if version.is_empty() {
            self.file.fail(uses, "pin the action to a version");
        }
        ACTIONS.iter().find(|(a, _)| *a == name).map(|(a, keys)| (*keys, *a)).unwrap_or_else(|| {
            self.file.fail(uses, format!("the action {name} is not modelled by tests/cli/ci_examples/github.rs"))
        })
    }

    fn shell_flags(&self, shell: Option<&Node>) -> &'static [&'static str] {
        match shell.map(|s| self.file.text(s, "shell")) {
            None => &["-e"],
            Some("bash") => &["--noprofile", "--norc", "-eo", "pipefail"],
            Some(other) => self.file.fail(shell.unwrap(), format!("the shell `{other}` is not modelled (only bash)")),
        }
    }

    fn check_text(&self, text: &str, what: &str, steps: &[String], needs: &[String]) {
        let parts = expr::interpolations(text).unwrap_or_else(|e| panic!("{}: {what}: {e}", self.file.path));
        for (_, e) in parts {
            for name in e.names() {
                if !self.known(&name, steps, needs) {
                    panic!("{}: {what}: `{name}` is not a context the model provides", self.file.path);
                }
            }
        }
    }

    fn check_expr(&self, text: &str, node: &Node, steps: &[String], needs: &[String]) -> Vec<String> {
        let inner = text.trim().strip_prefix("${{").and_then(|t| t.strip_suffix("}}")).unwrap_or(text);
        let e = expr::parse(inner).unwrap_or_else(|err| self.file.fail(node, err));
        let names = e.names();
        for name in &names {
            if !self.known(name, steps, needs) {
                self.file.fail(node, format!("`{name}` is not a context the model provides"));
            }
        }
        names
    }

    fn known(&self, name: &str, steps: &[String], needs: &[String]) -> bool {
        let parts: Vec<&str> = name.split('.').collect();
        match parts.as_slice() {
            ["github", "event_name" | "ref"] | ["runner", "os" | "arch"] => true,
            ["always()" | "success()" | "failure()"] => true,
            ["env", _] => true,
            ["secrets", s] => self.secrets.contains_key(*s),
            ["vars", v] => self.vars.contains_key(*v),
            ["steps", id, "outputs", _] => steps.iter().any(|s| s == id),
            ["needs", job, "outputs", _] => needs.iter().any(|n| n == job),
            _ => false,
        }
    }

    /// Runs the workflow for `event` (`pull_request`, `push` to main, `schedule`).
    pub fn run(&self, event: &str) -> Run {
        let git_ref =
            EVENTS.iter().find(|(e, _)| *e == event).unwrap_or_else(|| panic!("event {event} is not simulated")).1;
        let on = self.file.map(self.root().get_node("on").unwrap(), "on");
        let trigger =
            on.get_node(event).unwrap_or_else(|| panic!("{}: the workflow does not run on {event}", self.file.path));
        // The simulated pull request targets main, and the push is to main.
        let branches = trigger.as_mapping().and_then(|m| m.get_node("branches"));
        let on_main = branches
            .is_none_or(|b| self.file.list(b, "branches").iter().any(|x| self.file.text(x, "branch") == "main"));
        assert!(on_main, "{}: the workflow's {event} trigger leaves out main", self.file.path);
        let mut run = Run { jobs: Vec::new(), artifacts: BTreeMap::new() };
        let artifacts = self.runner.fresh("artifacts");
        for (id, job) in self.jobs() {
            let result = self.run_job(id, job, event, git_ref, &run, &artifacts);
            if result.status != Status::Skipped {
                for entry in std::fs::read_dir(&artifacts).unwrap() {
                    let entry = entry.unwrap();
                    run.artifacts.insert(entry.file_name().to_string_lossy().into_owned(), entry.path());
                }
            }
            run.jobs.push(result);
        }
        run
    }

    fn lookup(&self, name: &str, state: &JobState, git_ref: &str) -> Val {
        let parts: Vec<&str> = name.split('.').collect();
        let get = |m: Option<&BTreeMap<String, String>>, k: &str| {
            m.and_then(|m| m.get(k)).map_or(Val::Null, |v| Val::Str(v.clone()))
        };
        match parts.as_slice() {
            ["github", "event_name"] => Val::Str(state.event.to_string()),
            ["github", "ref"] => Val::Str(git_ref.to_string()),
            ["runner", "os"] => Val::Str("Linux".into()),
            ["runner", "arch"] => Val::Str("X64".into()),
            ["always()"] => Val::Bool(true),
            ["success()"] => Val::Bool(!state.failed),
            ["failure()"] => Val::Bool(state.failed),
            ["env", k] => get(Some(&state.env), k),
            ["secrets", k] => get(Some(&self.secrets), k),
            ["vars", k] => get(Some(&self.vars), k),
            ["steps", id, "outputs", k] => get(state.steps.get(*id), k),
            ["needs", job, "outputs", k] => get(state.needs.get(*job), k),
            _ => panic!("`{name}` is not a context the model provides"),
        }
    }

    fn interpolate(&self, text: &str, state: &JobState, git_ref: &str) -> String {
        let mut out = text.to_string();
        let parts = expr::interpolations(text).unwrap();
        for (range, e) in parts.into_iter().rev() {
            out.replace_range(range, &e.eval(&|n| self.lookup(n, state, git_ref)).text());
        }
        out
    }

    fn condition(&self, node: Option<&Node>, state: &JobState, git_ref: &str, step: bool) -> bool {
        let Some(node) = node else { return !step || !state.failed };
        let text = self.file.text(node, "if");
        let inner = text.trim().strip_prefix("${{").and_then(|t| t.strip_suffix("}}")).unwrap_or(text);
        let e = expr::parse(inner).unwrap();
        // GitHub adds `success() &&` to a step condition without a status function.
        let status = e.names().iter().any(|n| n.ends_with("()"));
        (status || !step || !state.failed) && e.eval(&|n| self.lookup(n, state, git_ref)).truthy()
    }

    fn run_job(&self, id: &str, job: &Node, event: &str, git_ref: &str, run: &Run, artifacts: &Path) -> Job {
        let f = &self.file;
        let map = f.map(job, id);
        let mut state = JobState {
            event,
            env: BTreeMap::new(),
            exported: BTreeMap::new(),
            steps: BTreeMap::new(),
            needs: BTreeMap::new(),
            failed: false,
            home: self.runner.fresh("home"),
            workspace: self.runner.fresh("workspace"),
        };
        let mut result = Job {
            id: id.to_string(),
            status: Status::Skipped,
            steps: vec![],
            summary: String::new(),
            outputs: BTreeMap::new(),
            environment: map.get_node("environment").map(|e| self.environment(e)),
            roles: vec![],
        };
        for need in self.needs(job) {
            let needed = run.job(&need);
            if needed.status != Status::Success {
                return result;
            }
            state.needs.insert(need, needed.outputs.clone());
        }
        if !self.condition(map.get_node("if"), &state, git_ref, false) {
            return result;
        }
        for (k, v) in self.workflow_env() {
            let v = self.interpolate(&v, &state, git_ref);
            state.env.insert(k, v);
        }
        if let Some(env) = map.get_node("env") {
            for (k, v) in f.strings(env, "env") {
                let v = self.interpolate(&v, &state, git_ref);
                state.env.insert(k, v);
            }
        }
        let permissions = map.get_node("permissions").or(self.root().get_node("permissions"));
        let id_token = permissions
            .and_then(|p| p.as_mapping())
            .and_then(|p| p.get_scalar("id-token"))
            .is_some_and(|v| v.as_str() == "write");
        let default_shell: Option<Node> = self
            .root()
            .get_node("defaults")
            .and_then(|d| f.map(d, "defaults").get_node("run"))
            .and_then(|r| f.map(r, "defaults.run").get_node("shell"))
            .cloned();
        let mut saves: Vec<(PathBuf, String)> = vec![];
        for step in self.steps(job, id) {
            let s = f.map(step, "a step");
            let name = s
                .get_scalar("name")
                .map(|n| n.as_str().to_string())
                .or_else(|| s.get_scalar("uses").map(|u| u.as_str().to_string()))
                .or_else(|| s.get_scalar("run").map(|r| r.as_str().lines().next().unwrap_or("").to_string()))
                .unwrap();
            if !self.condition(s.get_node("if"), &state, git_ref, true) {
                result.steps.push(Step { name, status: Status::Skipped, shell: None, error: None });
                continue;
            }
            let mut step_env = state.env.clone();
            if let Some(env) = s.get_node("env") {
                for (k, v) in f.strings(env, "env") {
                    let v = self.interpolate(&v, &state, git_ref);
                    step_env.insert(k, v);
                }
            }
            let (status, shell, error, outputs) = if let Some(script) = s.get_scalar("run") {
                let shell_node = s.get_node("shell").cloned().or(default_shell.clone());
                let flags = self.shell_flags(shell_node.as_ref());
                self.run_step(script.as_str(), flags, &step_env, &mut state, git_ref, &mut result.summary)
            } else {
                let with: BTreeMap<String, String> = s
                    .get_node("with")
                    .map(|w| {
                        f.strings(w, "with")
                            .into_iter()
                            .map(|(k, v)| (k, self.interpolate(&v, &state, git_ref)))
                            .collect()
                    })
                    .unwrap_or_default();
                let (_, action) = self.action(s.get_node("uses").unwrap());
                self.run_action(action, &with, id_token, &mut state, artifacts, event, &mut saves, &mut result.roles)
            };
            if let Some(step_id) = s.get_scalar("id") {
                state.steps.insert(step_id.as_str().to_string(), outputs);
            }
            if status == Status::Failure {
                state.failed = true;
            }
            result.steps.push(Step { name, status, shell, error });
        }
        result.status = if state.failed { Status::Failure } else { Status::Success };
        if !state.failed {
            // actions/cache saves in its post step, after a successful job.
            for (path, key) in saves {
                if path.exists() {
                    let stored = self.runner.fresh("cache").join("entry");
                    copy(&path, &stored);
                    self.caches.borrow_mut().insert((git_ref.to_string(), key), stored);
                }
            }
        }
        if let Some(outputs) = map.get_node("outputs") {
            for (k, v) in f.strings(outputs, "outputs") {
                let v = self.interpolate(&v, &state, git_ref);
                result.outputs.insert(k, v);
            }
        }
        result
    }

    fn run_step(
        &self,
        script: &str,
        flags: &[&str],
        step_env: &BTreeMap<String, String>,
        state: &mut JobState,
        git_ref: &str,
        summary: &mut String,
    ) -> (Status, Option<Shell>, Option<String>, BTreeMap<String, String>) {
        let files = self.runner.fresh("step-files");
        let file = |name: &str| {
            let p = files.join(name);
            std::fs::write(&p, "").unwrap();
            p.display().to_string()
        };
        let mut env = self.runner.base_env(&state.home, &[state.home.join(".cargo/bin")]);
        env.extend(state.exported.clone());
        env.extend(step_env.clone());
        env.extend([
            ("GITHUB_ACTIONS".to_string(), "true".to_string()),
            ("GITHUB_EVENT_NAME".into(), state.event.to_string()),
            ("GITHUB_REF".into(), git_ref.to_string()),
            ("GITHUB_WORKSPACE".into(), state.workspace.display().to_string()),
            ("GITHUB_OUTPUT".into(), file("output")),
            ("GITHUB_STEP_SUMMARY".into(), file("summary")),
            ("GITHUB_ENV".into(), file("env")),
            ("GITHUB_PATH".into(), file("path")),
            ("RUNNER_OS".into(), "Linux".into()),
            ("RUNNER_ARCH".into(), "X64".into()),
            ("RUNNER_TEMP".into(), self.runner.fresh("runner-temp").display().to_string()),
        ]);
        let shell = self.runner.bash(flags, script, &env, &state.workspace);
        let read = |name: &str| std::fs::read_to_string(files.join(name)).unwrap();
        for name in ["env", "path"] {
            assert!(
                read(name).is_empty(),
                "a step wrote $GITHUB_{}, which the model does not carry to later steps:\n{script}",
                name.to_uppercase()
            );
        }
        let mut outputs = BTreeMap::new();
        for line in read("output").lines() {
            assert!(!line.contains("<<"), "multi-line $GITHUB_OUTPUT values are not modelled: {line}");
            let (k, v) =
                line.split_once('=').unwrap_or_else(|| panic!("a $GITHUB_OUTPUT line is not name=value: {line}"));
            outputs.insert(k.to_string(), v.to_string());
        }
        summary.push_str(&read("summary"));
        let status = if shell.code == 0 { Status::Success } else { Status::Failure };
        (status, Some(shell), None, outputs)
    }

    #[allow(clippy::too_many_arguments)]
    fn run_action(
        &self,
        action: &str,
        with: &BTreeMap<String, String>,
        id_token: bool,
        state: &mut JobState,
        artifacts: &Path,
        event: &str,
        saves: &mut Vec<(PathBuf, String)>,
        roles: &mut Vec<String>,
    ) -> (Status, Option<Shell>, Option<String>, BTreeMap<String, String>) {
        let input = |k: &str| with.get(k).cloned().unwrap_or_default();
        let fail = |why: String| (Status::Failure, None, Some(why), BTreeMap::new());
        let ok = |outputs: BTreeMap<String, String>| (Status::Success, None, None, outputs);
        let git_ref = EVENTS.iter().find(|(e, _)| *e == event).unwrap().1;
        match action {
            "actions/checkout" => {
                copy(&self.checkout, &state.workspace);
                ok(BTreeMap::new())
            }
            "actions/cache" => {
                let key = input("key");
                let path = expand_home(&input("path"), &state.home);
                // Caches are kept per ref; a pull request also reads main's.
                let scopes: &[&str] = if git_ref == MAIN { &[MAIN] } else { &[git_ref, MAIN] };
                let hit = scopes.iter().find_map(|s| self.caches.borrow().get(&(s.to_string(), key.clone())).cloned());
                let outputs = match hit {
                    Some(stored) => {
                        copy(&stored, &path);
                        BTreeMap::from([("cache-hit".to_string(), "true".to_string())])
                    }
                    None => {
                        saves.push((path, key));
                        BTreeMap::from([("cache-hit".to_string(), "false".to_string())])
                    }
                };
                ok(outputs)
            }
            "actions/upload-artifact" => {
                let name = input("name");
                let target = artifacts.join(&name);
                if name.is_empty() || target.exists() {
                    return fail(format!("an artifact needs a name unique in the run: {name:?}"));
                }
                let mut found = 0;
                for line in input("path").lines().map(str::trim).filter(|l| !l.is_empty()) {
                    assert!(!line.contains(['*', '?', '!']), "artifact path patterns are not modelled: {line}");
                    let from = state.workspace.join(line);
                    if from.exists() {
                        copy(&from, &target.join(line));
                        found += 1;
                    }
                }
                match (found, input("if-no-files-found").as_str()) {
                    (0, "ignore" | "warn") => ok(BTreeMap::new()),
                    (0, _) => fail(format!("no files found for the artifact {name}")),
                    _ => ok(BTreeMap::new()),
                }
            }
            "actions/download-artifact" => {
                let from = artifacts.join(input("name"));
                if !from.exists() {
                    return fail(format!("no artifact {} in this run", input("name")));
                }
                copy(&from, &state.workspace.join(input("path")));
                ok(BTreeMap::new())
            }
            "aws-actions/configure-aws-credentials" => {
                if !id_token {
                    return fail("the job lacks `permissions: id-token: write`, so GitHub issues no OIDC token".into());
                }
                let (role, region) = (input("role-to-assume"), input("aws-region"));
                if role.is_empty() || region.is_empty() {
                    return fail(format!("role-to-assume {role:?} and aws-region {region:?} are both required"));
                }
                let creds = self.rt.block_on(assume_role(&self.runner.aws_url, &role, &region));
                let creds = match creds {
                    Ok(c) => c,
                    Err(e) => return fail(format!("AssumeRoleWithWebIdentity {role}: {e}")),
                };
                roles.push(role);
                state.exported.extend([
                    ("AWS_ACCESS_KEY_ID".to_string(), creds.0),
                    ("AWS_SECRET_ACCESS_KEY".into(), creds.1),
                    ("AWS_SESSION_TOKEN".into(), creds.2),
                    ("AWS_REGION".into(), region.clone()),
                    ("AWS_DEFAULT_REGION".into(), region),
                ]);
                ok(BTreeMap::new())
            }
            other => unreachable!("{other} passed the check"),
        }
    }
}

fn expand_home(path: &str, home: &Path) -> PathBuf {
    match path.strip_prefix("~/") {
        Some(rest) => home.join(rest),
        None => PathBuf::from(path),
    }
}

/// A token in the shape of GitHub's OIDC token; the emulator, like any STS stand-in, does not
/// verify its signature.
const OIDC_TOKEN: &str = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL3Rva2VuLmFjdGlvbnMuZ2l0aHVidXNlcmNvbnRlbnQuY29tIiwiYXVkIjoic3RzLmFtYXpvbmF3cy5jb20ifQ.c2lnbmF0dXJl";

/// What configure-aws-credentials does with `role-to-assume`: AssumeRoleWithWebIdentity.
async fn assume_role(url: &str, role: &str, region: &str) -> Result<(String, String, String), String> {
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .endpoint_url(url)
        .region(aws_config::Region::new(region.to_string()))
        .no_credentials()
        .load()
        .await;
    let out = aws_sdk_sts::Client::new(&config)
        .assume_role_with_web_identity()
        .role_arn(role)
        .role_session_name("GitHubActions")
        .web_identity_token(OIDC_TOKEN)
        .send()
        .await
        .map_err(|e| format!("{}", aws_smithy_types::error::display::DisplayErrorContext(e)))?;
    let c = out.credentials().ok_or("no credentials in the answer")?;
    Ok((c.access_key_id().to_string(), c.secret_access_key().to_string(), c.session_token().to_string()))
}
