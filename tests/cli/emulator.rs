//! The local AWS emulator (tests/emulator: moto server plus endpoint-scale's patches), as tests
//! use it: one call starts it for the whole test binary, and each test takes its own AWS account
//! so tests running in parallel never see each other's endpoints, faults or request logs.
//!
//! The emulator exits by itself when this test process does (`--exit-with`), so a run never
//! leaves a server behind.

use std::process::Command;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::harness::root;

pub struct Emulator {
    pub url: String,
    /// How long `scripts/emulator start` took, for the readiness test.
    pub started_in: Duration,
    _state_dir: crate::harness::TempDir,
}

static EMULATOR: OnceLock<Emulator> = OnceLock::new();
static NEXT_ACCOUNT: AtomicU64 = AtomicU64::new(0);

/// The emulator for this test binary, started on first use. Fails the test (never skips it)
/// when the emulator cannot start.
pub fn emulator() -> &'static Emulator {
    EMULATOR.get_or_init(Emulator::start)
}

impl Emulator {
    /// An emulator of the calling test's own (a second server process), stopped when dropped:
    /// for what is server-wide, such as moto's IAM enforcement, which would refuse every other
    /// test's calls on the shared one.
    pub fn dedicated() -> Emulator {
        Emulator::start()
    }

    fn start() -> Emulator {
        let state_dir = crate::harness::TempDir::new();
        let started = Instant::now();
        let out = Command::new(root().join("scripts/emulator"))
            .arg("start")
            .arg("--state-dir")
            .arg(&state_dir.path)
            .arg("--exit-with")
            .arg(std::process::id().to_string())
            .output()
            .expect("run scripts/emulator (needs bash and python3)");
        assert!(
            out.status.success(),
            "scripts/emulator start failed:\n{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        let stdout = String::from_utf8(out.stdout).unwrap();
        let url = stdout.lines().last().expect("scripts/emulator prints its URL").trim().to_string();
        assert!(url.starts_with("http://127.0.0.1:"), "unexpected emulator URL {url:?}");
        Emulator { url, started_in: started.elapsed(), _state_dir: state_dir }
    }

    /// Turns moto's IAM enforcement on (every call is then authenticated and checked against
    /// the caller's IAM policies) or off: `POST /moto-api/reset-auth` with a plain-text count
    /// of calls to let through first (`0`), or `inf` for never.
    pub fn enforce_iam(&self, on: bool) {
        let url = format!("{}/moto-api/reset-auth", self.url);
        ureq::post(&url)
            .content_type("text/plain")
            .send(if on { "0" } else { "inf" })
            .unwrap_or_else(|e| panic!("POST {url}: {e}"));
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        // The shared emulator is a static and never dropped; a dedicated one stops with its test.
        let _ = Command::new(root().join("scripts/emulator"))
            .arg("stop")
            .arg("--state-dir")
            .arg(&self._state_dir.path)
            .output();
    }
}

/// One AWS account on the emulator: its id doubles as the access key id.
pub struct Account {
    pub id: String,
    pub url: String,
}

impl Emulator {
    pub fn account(&self) -> Account {
        // 12 digits, unique per test process and call: pid keeps concurrent test binaries apart.
        let n = NEXT_ACCOUNT.fetch_add(1, Ordering::SeqCst);
        let id = format!("{:06}{:06}", std::process::id() % 1_000_000, n);
        Account { id, url: self.url.clone() }
    }
}

/// An IAM user of an emulator account, with an access key (see [`Account::iam_user`]).
pub struct IamUser {
    pub arn: String,
    pub access_key_id: String,
    pub secret_access_key: String,
    url: String,
}

impl IamUser {
    /// The environment that makes the endpoint-scale binary call as this user.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_ACCESS_KEY_ID", self.access_key_id.clone()),
            ("AWS_SECRET_ACCESS_KEY", self.secret_access_key.clone()),
            ("AWS_REGION", "us-east-1".to_string()),
        ]
    }
}

impl Account {
    /// Creates IAM user `name` in this account with `policy` (a JSON document) as its only
    /// policy, and an access key (the emulator's `/_emulator/iam-user`). Only while IAM is not
    /// enforced: the account's own credentials are no IAM user's.
    pub fn iam_user(&self, name: &str, policy: &str) -> IamUser {
        let policy: Value = serde_json::from_str(policy).expect("the policy is JSON");
        let user = self.control("POST", "iam-user", Some(json!({"user": name, "policy": policy})));
        let field = |key: &str| user[key].as_str().unwrap_or_else(|| panic!("iam-user answered {user}")).to_string();
        IamUser {
            arn: field("arn"),
            access_key_id: field("access_key_id"),
            secret_access_key: field("secret_access_key"),
            url: self.url.clone(),
        }
    }

    /// The environment a child process (the endpoint-scale binary) needs to talk to this account.
    pub fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.url.clone()),
            ("AWS_ACCESS_KEY_ID", self.id.clone()),
            ("AWS_SECRET_ACCESS_KEY", "test".to_string()),
            ("AWS_REGION", "us-east-1".to_string()),
        ]
    }

    pub async fn sagemaker(&self) -> aws_sdk_sagemaker::Client {
        aws_sdk_sagemaker::Client::new(&self.sdk_config().await)
    }

    pub async fn autoscaling(&self) -> aws_sdk_applicationautoscaling::Client {
        aws_sdk_applicationautoscaling::Client::new(&self.sdk_config().await)
    }

    pub async fn cloudwatch(&self) -> aws_sdk_cloudwatch::Client {
        aws_sdk_cloudwatch::Client::new(&self.sdk_config().await)
    }

    /// The rollouts of an endpoint as the emulator recorded them (`GET /_emulator/rollouts`).
    pub fn rollouts(&self, endpoint: &str) -> Value {
        self.control("GET", &format!("rollouts?endpoint={endpoint}"), None)
    }

    pub fn clear_requests(&self) {
        self.control("DELETE", "requests", None);
    }

    /// An SDK config for this account, for tests that call AWS directly.
    pub async fn sdk_config(&self) -> aws_config::SdkConfig {
        let creds = aws_sdk_sagemaker::config::Credentials::new(&self.id, "test", None, None, "emulator");
        aws_config::defaults(aws_config::BehaviorVersion::latest())
            .endpoint_url(&self.url)
            .region(aws_config::Region::new("us-east-1"))
            .credentials_provider(creds)
            .load()
            .await
    }

    fn control(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        let join = if path.contains('?') { '&' } else { '?' };
        let url = format!("{}/_emulator/{path}{join}account={}", self.url, self.id);
        let agent = ureq::Agent::new_with_defaults();
        let response = match (method, body) {
            ("GET", _) => agent.get(&url).call(),
            ("DELETE", _) => agent.delete(&url).call(),
            (_, Some(body)) => agent.post(&url).send_json(body),
            (_, None) => agent.post(&url).send_empty(),
        };
        let mut response = response.unwrap_or_else(|e| panic!("{method} {url}: {e}"));
        response.body_mut().read_json().unwrap_or(Value::Null)
    }

    /// Every AWS request this account made, in order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        let log = self.control("GET", "requests", None);
        log.as_array()
            .expect("request log is a list")
            .iter()
            .map(|r| LoggedRequest {
                operation: r["operation"].as_str().unwrap_or_default().to_string(),
                status: r["status"].as_u64().unwrap_or_default() as u16,
            })
            .collect()
    }

    pub fn operations(&self) -> Vec<String> {
        self.requests().into_iter().map(|r| r.operation).collect()
    }

    pub fn clear_faults(&self) {
        self.control("DELETE", "faults", None);
    }

    /// Injects a fault, e.g. `json!({"operation": "UpdateEndpoint", "fault": "500", "count": 1})`.
    pub fn inject(&self, fault: Value) {
        self.control("POST", "faults", Some(fault));
    }

    pub fn fail_next_update(&self, endpoint: &str, reason: &str) {
        self.control("POST", "fail-next-update", Some(json!({"endpoint": endpoint, "reason": reason})));
    }

    /// POST to any control path of the emulator (see tests/emulator/README.md).
    pub fn control_post(&self, path: &str, body: Value) {
        self.control("POST", path, Some(body));
    }

    pub fn configure(&self, config: Value) {
        self.control("POST", "config", Some(config));
    }
}

/// Calls that change nothing: Describe*, List* and STS GetCallerIdentity (every live plan asks
/// which account it reads).
pub fn is_read(operation: &str) -> bool {
    operation.starts_with("Describe") || operation.starts_with("List") || operation == "GetCallerIdentity"
}

#[derive(Debug, Clone, PartialEq)]
pub struct LoggedRequest {
    pub operation: String,
    pub status: u16,
}
