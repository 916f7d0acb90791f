//! What a CI runner provides, for the models of GitHub Actions and GitLab CI: a fresh workspace
//! and home per job, a toolchain, bash, a cache and an artifact store, and AWS (here the local
//! emulator). The steps themselves run as the CI files write them.
//!
//! The toolchain is the one thing faked: building endpoint-scale in a test would take minutes, so
//! `cargo` is a stand-in that accepts only `cargo install --locked ... endpoint-scale` and puts
//! the binary this test run built where cargo would (`--root DIR`/bin, else `$CARGO_HOME/bin`,
//! else `~/.cargo/bin`), and `apt-get` (with `sudo`) only records what it was asked to install.
//! Nothing else is on PATH but the system directories, so a job that skips the install finds no
//! `endpoint-scale`.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::harness::TempDir;

/// A step may take this long; a hung step fails the test instead of hanging it.
const STEP_TIMEOUT: Duration = Duration::from_secs(180);

/// The system part of PATH, after the job's own directories.
const SYSTEM_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

pub struct Runner {
    pub dir: TempDir,
    /// The stand-in toolchain (cargo, apt-get, sudo).
    toolchain: PathBuf,
    /// Every toolchain call, one line each (`cargo install --locked ...`).
    toolchain_log: PathBuf,
    pub aws_url: String,
    next: std::cell::Cell<usize>,
}

/// What one shell step did.
#[derive(Debug, Clone)]
pub struct Shell {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Runner {
    pub fn new(aws_url: &str) -> Runner {
        for dir in SYSTEM_PATH.split(':') {
            assert!(
                !Path::new(dir).join("endpoint-scale").exists(),
                "{dir}/endpoint-scale exists: the CI examples' install steps cannot be tested on this machine"
            );
        }
        let dir = TempDir::new();
        let toolchain = dir.path.join("toolchain");
        std::fs::create_dir_all(&toolchain).unwrap();
        let toolchain_log = dir.path.join("toolchain.log");
        let built = env!("CARGO_BIN_EXE_endpoint-scale");
        let log = toolchain_log.display();
        write_script(
            &toolchain.join("cargo"),
            &format!(
                r#"#!/usr/bin/env bash
# The CI examples test's cargo: only `cargo install --locked` of endpoint-scale.
set -euo pipefail
echo "cargo $*" >> '{log}'
called="cargo $*"
fail() {{ echo "test cargo: $1 (got: $called)" >&2; exit 97; }}
[ "${{1:-}}" = install ] || fail "only \`cargo install\` is provided"
shift
root="${{CARGO_INSTALL_ROOT:-${{CARGO_HOME:-$HOME/.cargo}}}}" locked=0 source=0 package=
while [ $# -gt 0 ]; do
  case "$1" in
    --locked) locked=1 ;;
    --root) root=$2; shift ;;
    --git|--path) source=1; shift ;;
    --tag|--branch|--rev) shift ;;
    -*) fail "the option $1 is not modelled" ;;
    *) [ -z "$package" ] || fail "one package at a time"; package=$1 ;;
  esac
  shift
done
[ "$locked" = 1 ] || fail "install with --locked: the dependency versions endpoint-scale was tested with"
[ "$source" = 1 ] || fail "name the source with --git or --path (endpoint-scale is not on crates.io)"
[ "$package" = endpoint-scale ] || fail "the package is endpoint-scale"
mkdir -p "$root/bin"
cp '{built}' "$root/bin/endpoint-scale"
echo "  Installed package \`endpoint-scale\` (executable \`endpoint-scale\`) in $root/bin"
"#
            ),
        );
        write_script(
            &toolchain.join("apt-get"),
            &format!(
                "#!/usr/bin/env bash\necho \"apt-get $*\" >> '{log}'\ncase \"${{1:-}}\" in update|install) ;; *) echo \"test apt-get: only update and install\" >&2; exit 97 ;; esac\n"
            ),
        );
        write_script(&toolchain.join("sudo"), "#!/usr/bin/env bash\nexec \"$@\"\n");
        Runner { dir, toolchain, toolchain_log, aws_url: aws_url.to_string(), next: std::cell::Cell::new(0) }
    }

    /// A fresh directory under the runner's, for a job's workspace or home.
    pub fn fresh(&self, what: &str) -> PathBuf {
        let n = self.next.get();
        self.next.set(n + 1);
        let path = self.dir.path.join(format!("{what}-{n}"));
        std::fs::create_dir_all(&path).unwrap();
        path
    }

    /// The toolchain calls so far.
    pub fn toolchain_calls(&self) -> Vec<String> {
        std::fs::read_to_string(&self.toolchain_log).unwrap_or_default().lines().map(str::to_string).collect()
    }

    /// The environment every job starts from: a home, the PATH, and AWS (the emulator's URL; the
    /// credentials come from the jobs). Nothing of the test process's environment leaks in.
    pub fn base_env(&self, home: &Path, path_first: &[PathBuf]) -> Vec<(String, String)> {
        let mut path: Vec<String> = path_first.iter().map(|p| p.display().to_string()).collect();
        path.push(self.toolchain.display().to_string());
        path.push(SYSTEM_PATH.to_string());
        vec![
            ("HOME".into(), home.display().to_string()),
            ("PATH".into(), path.join(":")),
            ("LANG".into(), "C.UTF-8".into()),
            ("CI".into(), "true".into()),
            // AWS is the emulator; and never a profile, a credentials file or IMDS of this machine.
            ("AWS_ENDPOINT_URL".into(), self.aws_url.clone()),
            ("AWS_CONFIG_FILE".into(), "/nonexistent".into()),
            ("AWS_SHARED_CREDENTIALS_FILE".into(), "/nonexistent".into()),
            ("AWS_EC2_METADATA_DISABLED".into(), "true".into()),
        ]
    }

    /// Runs `script` with `bash FLAGS script` in `cwd`, with exactly `env`.
    pub fn bash(&self, flags: &[&str], script: &str, env: &[(String, String)], cwd: &Path) -> Shell {
        let n = self.next.get();
        self.next.set(n + 1);
        let file = self.dir.path.join(format!("step-{n}.sh"));
        std::fs::write(&file, script).unwrap();
        let (out, err) = (self.dir.path.join(format!("step-{n}.out")), self.dir.path.join(format!("step-{n}.err")));
        let mut cmd = Command::new("/bin/bash");
        cmd.args(flags).arg(&file).current_dir(cwd).env_clear().stdin(Stdio::null());
        cmd.stdout(File::create(&out).unwrap()).stderr(File::create(&err).unwrap());
        cmd.envs(env.iter().map(|(k, v)| (k, v)));
        std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
        let mut child = cmd.spawn().expect("run bash");
        let started = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > STEP_TIMEOUT {
                // The whole process group: bash and whatever it started.
                let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).status();
                let _ = child.wait();
                panic!("a step ran longer than {STEP_TIMEOUT:?}:\n{script}\n--- output\n{}", read(&out));
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        Shell { code: status.code().unwrap_or(-1), stdout: read(&out), stderr: read(&err) }
    }
}

fn read(path: &Path) -> String {
    String::from_utf8_lossy(&std::fs::read(path).unwrap_or_default()).into_owned()
}

/// Writes an executable. A child process writes it: a file this (multi-threaded) test process
/// held open for writing could be inherited by a process another test forks at that moment, and
/// executing it would then fail with "Text file busy".
fn write_script(path: &Path, text: &str) {
    use std::io::Write;
    let mut child = Command::new("/bin/sh")
        .args(["-c", "cat > \"$1\" && chmod 755 \"$1\"", "sh"])
        .arg(path)
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
    assert!(child.wait().unwrap().success(), "write {}", path.display());
}

/// Copies a file or a directory's contents (modes kept), creating `to`'s parents; with `cp`, for
/// the reason [`write_script`] gives (the copies include the endpoint-scale binary).
pub fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(if from.is_dir() { to } else { to.parent().unwrap() }).unwrap();
    let mut cmd = Command::new("cp");
    cmd.arg("-Rp");
    if from.is_dir() {
        cmd.arg(from.join(".")).arg(to);
    } else {
        cmd.arg(from).arg(to);
    }
    let status = cmd.status().unwrap();
    assert!(status.success(), "copy {} to {}", from.display(), to.display());
}

/// Expands GitLab's `$NAME` and `${NAME}` from `vars`; a name that is not there is an error,
/// since the examples only refer to variables the pipeline defines.
pub fn expand(text: &str, vars: &dyn Fn(&str) -> Option<String>) -> Result<String, String> {
    let mut out = String::new();
    let mut rest = text;
    while let Some(i) = rest.find('$') {
        out.push_str(&rest[..i]);
        let after = &rest[i + 1..];
        let (name, len) = if let Some(braced) = after.strip_prefix('{') {
            let end = braced.find('}').ok_or(format!("unterminated ${{ in `{text}`"))?;
            (&braced[..end], end + 2)
        } else {
            let end = after.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).unwrap_or(after.len());
            (&after[..end], end)
        };
        if name.is_empty() {
            return Err(format!("a `$` without a name in `{text}`"));
        }
        out.push_str(&vars(name).ok_or(format!("`{text}` refers to ${name}, which the pipeline does not define"))?);
        rest = &after[len..];
    }
    out.push_str(rest);
    Ok(out)
}
