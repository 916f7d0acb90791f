//! A small builder so each test reads like a story: `es(["plan", spec]).run().code(0)`.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

pub struct Run {
    cmd: Command,
}

/// `endpoint-scale ARGS...`, run from the repository root with colour off.
pub fn es<I, S>(args: I) -> Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<std::ffi::OsStr>,
{
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_endpoint-scale"));
    cmd.args(args).current_dir(root()).env("NO_COLOR", "1").stdin(std::process::Stdio::null());
    // Tests never reach a real AWS account: no ambient credentials, profiles or IMDS.
    for var in [
        "AWS_PROFILE",
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_REGION",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL",
    ] {
        cmd.env_remove(var);
    }
    cmd.env("AWS_EC2_METADATA_DISABLED", "true")
        .env("AWS_CONFIG_FILE", "/nonexistent")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent");
    Run { cmd }
}

#[derive(Debug)]
pub struct Output {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn envs(mut self, vars: Vec<(&'static str, String)>) -> Self {
        self.cmd.envs(vars);
        self
    }

    /// Runs in `dir` instead of the repository root.
    pub fn current_dir(mut self, dir: &Path) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    pub fn spawn(mut self) -> std::process::Child {
        self.cmd.stdout(std::process::Stdio::piped()).stderr(std::process::Stdio::piped());
        self.cmd.spawn().expect("spawn endpoint-scale")
    }

    pub fn run(mut self) -> Output {
        let out = self.cmd.output().expect("run endpoint-scale");
        Output {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }
}

impl Output {
    #[track_caller]
    pub fn code(self, expected: i32) -> Self {
        assert_eq!(self.code, expected, "exit code\n--- stdout\n{}\n--- stderr\n{}", self.stdout, self.stderr);
        self
    }
}

/// Compares `actual` with the file at `path` (relative to the repository root), or rewrites the
/// file when UPDATE_EXPECTED is set.
#[track_caller]
pub fn assert_expected(path: impl AsRef<Path>, actual: &str) {
    let path = root().join(path);
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing; run with UPDATE_EXPECTED=1 to create it", path.display()));
    if expected != actual {
        panic!(
            "output differs from {}\n--- expected\n{expected}\n--- actual\n{actual}\n(run with UPDATE_EXPECTED=1 to accept)",
            path.display()
        );
    }
}

/// A spec written to a temporary file that lives as long as the value.
pub struct TempSpec {
    _dir: TempDir,
    pub path: PathBuf,
}

impl TempSpec {
    pub fn new(name: &str, contents: impl AsRef<[u8]>) -> Self {
        let dir = TempDir::new();
        let path = dir.path.join(name);
        std::fs::write(&path, contents).unwrap();
        TempSpec { _dir: dir, path }
    }

    pub fn arg(&self) -> &str {
        self.path.to_str().unwrap()
    }
}

/// A fresh directory under the system temp dir, removed on drop.
pub struct TempDir {
    pub path: PathBuf,
}

impl TempDir {
    pub fn new() -> Self {
        static NEXT: AtomicUsize = AtomicUsize::new(0);
        let n = NEXT.fetch_add(1, Ordering::SeqCst);
        let path = std::env::temp_dir().join(format!("endpoint-scale-test-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&path).unwrap();
        TempDir { path }
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// A minimal valid spec with `variant` lines appended to its one variant (indented 8 spaces).
pub fn spec_with_variant(instance_type: &str, variant: &str) -> String {
    format!(
        "version: 1\nproject: demo\nendpoints:\n  - name: demo\n    model:\n      existing: demo-model\n    variants:\n      - name: main\n        instance_type: {instance_type}\n{variant}"
    )
}
