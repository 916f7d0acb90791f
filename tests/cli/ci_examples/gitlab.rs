//! GitLab CI/CD, as much of it as examples/ci/gitlab-ci.yml uses, run locally.
//!
//! What the model understands (anything else fails the test at its line and column, before a
//! job runs):
//!
//! - top-level `stages`, `variables`, `default` (`image`, `cache`, `before_script`), and jobs;
//!   hidden jobs (`.name`, for `extends`) and other global keywords are not modelled;
//! - job keys `stage`, `rules` (`if`, `when`: `on_success`, `manual` (the test starts it, as the
//!   person allowed to deploy would) or `never`; the first rule that matches decides, no match
//!   means no job), `needs` (names or `job:`/`artifacts:`), `variables`, `id_tokens` (`aud`),
//!   `before_script`, `script`, `cache` (`key`, `paths`; kept apart for protected and
//!   unprotected refs, restored before the job and saved after a successful one), `artifacts`
//!   (`paths`, `when`, `expire_in`, `expose_as`; passed to the jobs that need them, or to every
//!   later stage without `needs`), `environment` (`name`; recorded), and as plumbing `image`,
//!   `resource_group`, `allow_failure: false`, `interruptible`, `timeout`, `tags`;
//! - variables: predefined ones, the file's, the job's, and the project's CI/CD variables
//!   (protected ones only in pipelines of protected branches), with `$NAME` expansion in
//!   values and cache keys; `rules: if:` with the expressions of [`super::expr`];
//! - scripts: `before_script` (the job's, else the default) and `script` in one
//!   `bash --noprofile --norc -eo pipefail` shell, as GitLab's runner runs them.

use std::collections::BTreeMap;
use std::path::PathBuf;

use marked_yaml::Node;

use super::expr::{self, Val};
use super::runner::{copy, expand, Runner, Shell};
use super::yaml::File;

const TOP_KEYS: &[&str] = &["stages", "variables", "default"];
/// GitLab's global keywords the model does not run: a file that uses one fails the test.
const UNMODELLED_GLOBAL: &[&str] =
    &["include", "workflow", "image", "services", "cache", "before_script", "after_script", "pages", "types", "spec"];
const DEFAULT_KEYS: &[&str] = &["image", "cache", "before_script"];
const JOB_KEYS: &[&str] = &[
    "stage",
    "rules",
    "needs",
    "variables",
    "id_tokens",
    "before_script",
    "script",
    "cache",
    "artifacts",
    "environment",
    "image",
    "resource_group",
    "allow_failure",
    "interruptible",
    "timeout",
    "tags",
];
const PROJECT_ID: &str = "4242";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// A merge request from `feature` into main.
    MergeRequest,
    /// A push (a merge) to main.
    Push,
    /// A pipeline schedule on main.
    Schedule,
}

impl Source {
    fn name(self) -> &'static str {
        match self {
            Source::MergeRequest => "merge_request_event",
            Source::Push => "push",
            Source::Schedule => "schedule",
        }
    }

    fn protected(self) -> bool {
        self != Source::MergeRequest
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Success,
    Failed,
    Skipped,
}

#[derive(Debug)]
pub struct Job {
    pub name: String,
    /// The `when` of the rule that created it.
    pub when: String,
    pub status: Status,
    pub shell: Option<Shell>,
    pub environment: Option<String>,
    /// The job's variables after expansion (what the YAML sets for it).
    pub variables: BTreeMap<String, String>,
    /// The job's artifacts, a directory.
    pub artifacts: Option<PathBuf>,
}

impl Job {
    pub fn log(&self) -> String {
        self.shell.as_ref().map(|s| format!("{}{}", s.stdout, s.stderr)).unwrap_or_default()
    }
}

pub struct Pipeline {
    pub jobs: Vec<Job>,
}

impl Pipeline {
    /// The names of the jobs the pipeline created, in the order they ran.
    pub fn created(&self) -> Vec<&str> {
        self.jobs.iter().map(|j| j.name.as_str()).collect()
    }

    #[track_caller]
    pub fn job(&self, name: &str) -> &Job {
        self.jobs.iter().find(|j| j.name == name).unwrap_or_else(|| panic!("no job {name}"))
    }
}

/// A project with the CI file, its CI/CD variables (name, value, protected) and the runner's
/// cache.
pub struct Project {
    file: File,
    runner: Runner,
    checkout: PathBuf,
    variables: Vec<(String, String, bool)>,
    caches: std::cell::RefCell<BTreeMap<(bool, String), PathBuf>>,
    pipelines: std::cell::Cell<usize>,
}

impl Project {
    /// The CI file `text` (read from `path`, for messages), checked, in a project with the given
    /// CI/CD variables (name, value, protected) whose AWS is at `aws_url`.
    pub fn new(aws_url: &str, path: &str, text: &str, variables: &[(&str, String, bool)]) -> Project {
        let runner = Runner::new(aws_url);
        let checkout = runner.fresh("checkout");
        let project = Project {
            file: File::load(path, text),
            runner,
            checkout,
            variables: variables.iter().map(|(k, v, p)| (k.to_string(), v.clone(), *p)).collect(),
            caches: Default::default(),
            pipelines: std::cell::Cell::new(0),
        };
        project.check();
        project
    }

    /// Adds a file to the repository (what every job's clone holds).
    pub fn commit(&self, path: &str, contents: &str) {
        let p = self.checkout.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, contents).unwrap();
    }

    pub fn file_variables(&self) -> Vec<(String, String)> {
        match self.top().get_node("variables") {
            Some(v) => self.file.strings(v, "variables"),
            None => vec![],
        }
    }

    pub fn toolchain_calls(&self) -> Vec<String> {
        self.runner.toolchain_calls()
    }

    fn top(&self) -> &marked_yaml::types::MarkedMappingNode {
        self.file.map(&self.file.root, "the CI file")
    }

    fn stages(&self) -> Vec<String> {
        match self.top().get_node("stages") {
            Some(s) => self.file.list(s, "stages").iter().map(|x| self.file.text(x, "stage").to_string()).collect(),
            None => ["build", "test", "deploy"].map(String::from).to_vec(),
        }
    }

    fn jobs(&self) -> Vec<(&str, &Node)> {
        self.file.entries(self.top()).into_iter().filter(|(k, _)| !TOP_KEYS.contains(k)).collect()
    }

    fn default(&self, key: &str) -> Option<&Node> {
        self.top().get_node("default").and_then(|d| self.file.map(d, "default").get_node(key))
    }

    fn check(&self) {
        let f = &self.file;
        for (key, _) in self.top().iter() {
            if UNMODELLED_GLOBAL.contains(&key.as_str()) || key.starts_with('.') {
                panic!("{}: `{}` is not modelled by tests/cli/ci_examples/gitlab.rs", f.at_key(key), key.as_str());
            }
        }
        if let Some(d) = self.top().get_node("default") {
            f.only(f.map(d, "default"), DEFAULT_KEYS, "default");
        }
        let stages = self.stages();
        let mut names: Vec<&str> = vec![];
        for (name, job) in self.jobs() {
            let m = f.map(job, name);
            f.only(m, JOB_KEYS, &format!("job {name}"));
            let stage = m.get_node("stage").map(|s| f.text(s, "stage")).unwrap_or("test");
            if !stages.iter().any(|s| s == stage) {
                f.fail(job, format!("the stage {stage} is not in `stages`"));
            }
            if m.get_node("script").is_none() {
                f.fail(job, "a job needs a script");
            }
            let rules = m.get_node("rules").unwrap_or_else(|| f.fail(job, "a job without `rules` is not modelled"));
            for rule in f.list(rules, "rules") {
                let r = f.map(rule, "a rule");
                f.only(r, &["if", "when"], "a rule");
                if let Some(cond) = r.get_node("if") {
                    expr::parse(f.text(cond, "if")).unwrap_or_else(|e| f.fail(cond, e));
                }
                if let Some(when) = r.get_node("when") {
                    if !["on_success", "manual", "never"].contains(&f.text(when, "when")) {
                        f.fail(when, "only `when: on_success`, `manual` and `never` are modelled");
                    }
                }
            }
            if let Some(a) = m.get_node("allow_failure") {
                if f.text(a, "allow_failure") != "false" {
                    f.fail(a, "only `allow_failure: false` is modelled");
                }
            }
            for need in self.needs(job) {
                if !names.contains(&need.0.as_str()) {
                    f.fail(job, format!("job {name} needs {}, which is not an earlier job", need.0));
                }
            }
            if let Some(tokens) = m.get_node("id_tokens") {
                for (token, spec) in f.entries(f.map(tokens, "id_tokens")) {
                    f.only(f.map(spec, token), &["aud"], &format!("id_tokens.{token}"));
                }
            }
            if let Some(a) = m.get_node("artifacts") {
                let am = f.map(a, "artifacts");
                f.only(am, &["paths", "when", "expire_in", "expose_as", "name"], "artifacts");
                if let Some(when) = am.get_node("when") {
                    if !["on_success", "always"].contains(&f.text(when, "when")) {
                        f.fail(when, "only `when: on_success` and `always` are modelled");
                    }
                }
            }
            if let Some(env) = m.get_node("environment") {
                self.environment(env);
            }
            if let Some(v) = m.get_node("variables") {
                f.strings(v, "variables");
            }
            names.push(name);
        }
        let caches = self.jobs().into_iter().filter_map(|(name, job)| f.map(job, name).get_node("cache"));
        for c in caches.chain(self.default("cache")) {
            f.only(f.map(c, "cache"), &["key", "paths"], "cache");
            if f.map(c, "cache").get_node("paths").is_none() {
                f.fail(c, "a cache needs `paths`");
            }
        }
    }

    fn needs(&self, job: &Node) -> Vec<(String, bool)> {
        let f = &self.file;
        let Some(needs) = f.map(job, "a job").get_node("needs") else { return vec![] };
        f.list(needs, "needs")
            .iter()
            .map(|n| match n {
                Node::Scalar(s) => (s.as_str().to_string(), true),
                _ => {
                    let m = f.map(n, "a need");
                    f.only(m, &["job", "artifacts"], "a need");
                    let job = f.text(m.get_node("job").unwrap_or_else(|| f.fail(n, "a need names its job")), "job");
                    let artifacts = m.get_node("artifacts").is_none_or(|a| f.text(a, "artifacts") == "true");
                    (job.to_string(), artifacts)
                }
            })
            .collect()
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

    fn list_of_text(&self, node: &Node, what: &str) -> Vec<String> {
        self.file.list(node, what).iter().map(|x| self.file.text(x, what).to_string()).collect()
    }

    /// Runs the pipeline GitLab creates for `source`.
    pub fn run(&self, source: Source) -> Pipeline {
        let f = &self.file;
        let n = self.pipelines.get() + 1;
        self.pipelines.set(n);
        let mut predefined: BTreeMap<String, String> = [
            ("CI", "true"),
            ("GITLAB_CI", "true"),
            ("CI_PIPELINE_SOURCE", source.name()),
            ("CI_DEFAULT_BRANCH", "main"),
            ("CI_PROJECT_ID", PROJECT_ID),
            ("CI_PROJECT_PATH", "platform/recommendations"),
            ("CI_COMMIT_REF_PROTECTED", if source.protected() { "true" } else { "false" }),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        predefined.insert("CI_PIPELINE_ID".into(), format!("{}", 9000 + n));
        match source {
            Source::MergeRequest => {
                predefined.insert("CI_COMMIT_REF_NAME".into(), "feature".into());
                predefined.insert("CI_MERGE_REQUEST_IID".into(), "7".into());
                predefined.insert("CI_MERGE_REQUEST_SOURCE_BRANCH_NAME".into(), "feature".into());
                predefined.insert("CI_MERGE_REQUEST_TARGET_BRANCH_NAME".into(), "main".into());
            }
            Source::Push | Source::Schedule => {
                predefined.insert("CI_COMMIT_REF_NAME".into(), "main".into());
                predefined.insert("CI_COMMIT_BRANCH".into(), "main".into());
            }
        }
        let project: BTreeMap<String, String> = self
            .variables
            .iter()
            .filter(|(_, _, p)| !*p || source.protected())
            .map(|(k, v, _)| (k.clone(), v.clone()))
            .collect();
        // Rules see the predefined, the file's and the project's variables.
        let mut global = predefined.clone();
        for (k, v) in self.file_variables() {
            let v = expand(&v, &|name| global.get(name).or(project.get(name)).cloned()).unwrap();
            global.insert(k, v);
        }
        global.extend(project.clone());

        // Which jobs the pipeline has, and in which order: by stage, then as written.
        let stages = self.stages();
        let mut created: Vec<(usize, &str, &Node, String)> = vec![];
        for (name, job) in self.jobs() {
            let m = f.map(job, name);
            let mut when = None;
            for rule in f.list(m.get_node("rules").unwrap(), "rules") {
                let r = f.map(rule, "a rule");
                let matches = r.get_node("if").is_none_or(|cond| {
                    let e = expr::parse(f.text(cond, "if")).unwrap();
                    e.eval(&|v| {
                        let name =
                            v.strip_prefix('$').unwrap_or_else(|| f.fail(cond, format!("`{v}` is not a $variable")));
                        global.get(name).map_or(Val::Null, |x| Val::Str(x.clone()))
                    })
                    .truthy()
                });
                if matches {
                    when = Some(r.get_scalar("when").map_or("on_success", |w| w.as_str()).to_string());
                    break;
                }
            }
            match when.as_deref() {
                None | Some("never") => {}
                Some(w) => {
                    let stage = m.get_scalar("stage").map_or("test", |s| s.as_str());
                    let index = stages.iter().position(|s| s == stage).unwrap();
                    created.push((index, name, job, w.to_string()));
                }
            }
        }
        created.sort_by_key(|(index, ..)| *index);

        let mut pipeline = Pipeline { jobs: vec![] };
        let mut failed_stage: Option<usize> = None;
        for (index, name, job, when) in created {
            let skipped = failed_stage.is_some_and(|s| s < index);
            let result = if skipped {
                Job {
                    name: name.to_string(),
                    when,
                    status: Status::Skipped,
                    shell: None,
                    environment: None,
                    variables: BTreeMap::new(),
                    artifacts: None,
                }
            } else {
                self.run_job(name, job, when, source, &global, &project, &pipeline)
            };
            if result.status == Status::Failed {
                failed_stage = Some(failed_stage.map_or(index, |s| s.min(index)));
            }
            pipeline.jobs.push(result);
        }
        pipeline
    }

    #[allow(clippy::too_many_arguments)]
    fn run_job(
        &self,
        name: &str,
        job: &Node,
        when: String,
        source: Source,
        global: &BTreeMap<String, String>,
        project: &BTreeMap<String, String>,
        pipeline: &Pipeline,
    ) -> Job {
        let f = &self.file;
        let m = f.map(job, name);
        let workspace = self.runner.fresh("project");
        let home = self.runner.fresh("home");
        copy(&self.checkout, &workspace);

        // Variables: predefined < the file's < the job's < the project's (GitLab's precedence).
        let mut vars = global.clone();
        vars.insert("CI_PROJECT_DIR".into(), workspace.display().to_string());
        vars.insert("CI_JOB_NAME".into(), name.to_string());
        vars.insert("CI_JOB_ID".into(), format!("{}", 70000 + pipeline.jobs.len()));
        let environment = m.get_node("environment").map(|e| self.environment(e));
        if let Some(env) = &environment {
            vars.insert("CI_ENVIRONMENT_NAME".into(), env.clone());
        }
        let mut job_vars = BTreeMap::new();
        if let Some(v) = m.get_node("variables") {
            for (k, v) in f.strings(v, "variables") {
                let value =
                    expand(&v, &|n| vars.get(n).cloned()).unwrap_or_else(|e| panic!("{}: job {name}: {e}", f.path));
                job_vars.insert(k, value);
            }
        }
        vars.extend(job_vars.clone());
        vars.extend(project.clone());
        if let Some(tokens) = m.get_node("id_tokens") {
            for (token, spec) in f.entries(f.map(tokens, "id_tokens")) {
                if f.map(spec, token).get_node("aud").is_none() {
                    f.fail(spec, "an ID token needs `aud`");
                }
                vars.insert(token.to_string(), ID_TOKEN.to_string());
            }
        }

        // The cache, then the artifacts of the jobs it needs (or of every earlier stage).
        let cache = m.get_node("cache").or(self.default("cache"));
        let cache = cache.map(|c| {
            let c = f.map(c, "cache");
            let key = expand(c.get_scalar("key").map_or("default", |k| k.as_str()), &|n| vars.get(n).cloned()).unwrap();
            let paths = self.list_of_text(c.get_node("paths").unwrap(), "cache.paths");
            (key, paths)
        });
        if let Some((key, _)) = &cache {
            if let Some(stored) = self.caches.borrow().get(&(source.protected(), key.clone())) {
                copy(stored, &workspace);
            }
        }
        let needs = self.needs(job);
        let from: Vec<&Job> = if m.get_node("needs").is_some() {
            needs.iter().filter(|(_, a)| *a).map(|(n, _)| pipeline.job(n)).collect()
        } else {
            pipeline.jobs.iter().collect()
        };
        for dep in from {
            if let Some(dir) = &dep.artifacts {
                copy(dir, &workspace);
            }
        }

        let mut script = String::new();
        let before = m.get_node("before_script").or(self.default("before_script"));
        for part in [before, m.get_node("script")].into_iter().flatten() {
            for line in self.list_of_text(part, "script") {
                script.push_str(&line);
                script.push('\n');
            }
        }
        let mut env = self.runner.base_env(&home, &[]);
        env.extend(vars.clone());
        let shell = self.runner.bash(&["--noprofile", "--norc", "-eo", "pipefail"], &script, &env, &workspace);
        let status = if shell.code == 0 { Status::Success } else { Status::Failed };

        if let (Some((key, paths)), Status::Success) = (&cache, status) {
            let stored = self.runner.fresh("cache");
            for p in paths {
                if workspace.join(p).exists() {
                    copy(&workspace.join(p), &stored.join(p));
                }
            }
            self.caches.borrow_mut().insert((source.protected(), key.clone()), stored);
        }
        let artifacts = m.get_node("artifacts").and_then(|a| {
            let am = f.map(a, "artifacts");
            let when = am.get_scalar("when").map_or("on_success", |w| w.as_str());
            if when == "on_success" && status != Status::Success {
                return None;
            }
            let dir = self.runner.fresh("artifacts");
            for p in self.list_of_text(am.get_node("paths").unwrap(), "artifacts.paths") {
                assert!(!p.contains('*'), "artifact path patterns are not modelled: {p}");
                if workspace.join(&p).exists() {
                    copy(&workspace.join(&p), &dir.join(&p));
                }
            }
            Some(dir)
        });
        Job { name: name.to_string(), when, status, shell: Some(shell), environment, variables: job_vars, artifacts }
    }
}

/// A token in the shape of GitLab's ID tokens (a JWT); the emulator, like any STS stand-in,
/// does not verify its signature.
const ID_TOKEN: &str =
    "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2dpdGxhYi5jb20iLCJhdWQiOiJodHRwczovL2dpdGxhYi5jb20ifQ.c2lnbmF0dXJl";
