//! Command-line arguments: the clap types and the parsers of flag values, nothing else. The
//! commands that run them live in `commands`; exit codes are decided in `main.rs`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

use crate::output::ColorChoice;

#[derive(Debug, Parser)]
#[command(
    name = "endpoint-scale",
    version,
    about = "Provision SageMaker real-time endpoints and their auto scaling from one YAML spec"
)]
pub struct Cli {
    /// When to use colour: auto (on a terminal, unless NO_COLOR is set), always or never.
    #[arg(long, value_enum, default_value_t, global = true)]
    pub color: ColorChoice,
    /// Log every AWS call to stderr (service, operation, resource, HTTP status, attempt,
    /// duration); never credentials, signatures or request bodies. Also ENDPOINT_SCALE_DEBUG=1.
    #[arg(long, global = true, env = "ENDPOINT_SCALE_DEBUG", value_parser = clap::builder::BoolishValueParser::new())]
    pub debug: bool,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Check a spec and report every problem with its line and column.
    Validate {
        /// The spec file (YAML).
        spec: PathBuf,
        /// Treat warnings as errors.
        #[arg(long)]
        strict: bool,
        /// human: each problem with its line; json: {file, valid, errors, warnings, diagnostics}
        /// for CI annotations.
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Print the AWS API calls that create everything in the spec from nothing.
    Render {
        /// The spec file (YAML).
        spec: PathBuf,
        /// json: an array of {service, operation, input}; shell: an AWS CLI script.
        #[arg(long, short, value_enum, default_value_t)]
        format: CallFormat,
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Show what would change to make AWS match the spec.
    Plan {
        /// The spec file (YAML).
        spec: PathBuf,

        /// Plan against an empty live state, without calling AWS.
        #[arg(long)]
        offline: bool,
        /// Also delete endpoints of this project that left the spec.
        #[arg(long)]
        prune: bool,
        /// Before an instance-type change of an auto scaled variant, raise it to its scalable
        /// target's max once it is deregistered (AWS's documented option: headroom while auto
        /// scaling is off for the update).
        #[arg(long)]
        raise_capacity: bool,
        // The launch of a rollout's new instances in the plan's rollout timelines (display only:
        // it changes no AWS call).
        #[command(flatten)]
        launch: LaunchStageArgs,
        /// human: the plan for people; json: the same plan as data (with a format_version).
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
        /// Save the plan, with a fingerprint of the live state, for `apply FILE`.
        #[arg(long = "out", short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// Exit 0 when there are no changes, 2 when there are, 1 on error.
        #[arg(long)]
        detailed_exitcode: bool,
        #[command(flatten)]
        select: Targets,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Make AWS match the spec (or carry out a saved plan).
    Apply {
        /// A spec, or a plan saved with `plan --out`.
        #[arg(value_name = "SPEC|PLANFILE")]
        target: PathBuf,
        /// Do not ask for confirmation (for CI).
        #[arg(long)]
        auto_approve: bool,
        /// Also delete endpoints of this project that left the spec.
        #[arg(long)]
        prune: bool,
        /// Before an instance-type change of an auto scaled variant, raise it to its scalable
        /// target's max once it is deregistered (AWS's documented option: headroom while auto
        /// scaling is off for the update).
        #[arg(long)]
        raise_capacity: bool,
        // The launch of a rollout's new instances in the plan's rollout timelines (display only:
        // it changes no AWS call).
        #[command(flatten)]
        launch: LaunchStageArgs,
        /// human (the plan and a summary line), or json: one document of what was done, at the
        /// end, on stdout (the plan and progress go to stderr); needs --auto-approve or a saved plan.
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
        #[command(flatten)]
        select: Targets,
        // With a saved plan, values must equal those the plan was made with.
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        aws: AwsArgs,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Report drift between AWS and the spec: exit 0 in sync, 2 drift, 1 error.
    Diff {
        /// The spec file (YAML).
        spec: PathBuf,
        /// human: one line per drifted field; json: the same as data.
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
        #[command(flatten)]
        select: Targets,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        aws: AwsArgs,
    },
    /// Delete everything the spec owns: scheduled actions, policies, targets, endpoints, configs, models.
    Destroy {
        /// The spec file (YAML).
        spec: PathBuf,
        /// Do not ask for confirmation (for CI).
        #[arg(long)]
        auto_approve: bool,
        /// human, or json: one document of what was done, at the end, on stdout (the plan and
        /// progress go to stderr); needs --auto-approve.
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
        #[command(flatten)]
        select: Targets,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        aws: AwsArgs,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Show a plan saved with `plan --out` (verified, not applied, without AWS access).
    Show {
        /// The plan file.
        #[arg(value_name = "PLANFILE")]
        plan: PathBuf,
        /// human (as `plan` shows it, under where and when it was made), or json (the JSON plan
        /// with a `saved_plan` object).
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
    },
    /// Print the least-privilege IAM policy that plan, apply, diff or destroy need for a spec.
    #[command(long_about = IAM_POLICY_ABOUT)]
    IamPolicy {
        /// The spec file (YAML).
        spec: PathBuf,
        /// The command the policy is for; `all` is what a pipeline that runs all four needs.
        #[arg(long = "for", value_enum, default_value_t, value_name = "COMMAND")]
        for_command: IamCommand,
        /// The AWS account the policy is for (12 digits); without it ARNs name any account (`*`).
        #[arg(long, value_parser = account_id)]
        account: Option<String>,
        /// The region of the ARNs; the spec's `region:` wins (this may only repeat it). Without
        /// either: any region (`*`).
        #[arg(long)]
        region: Option<String>,
        /// The ARN partition (aws, aws-cn, aws-us-gov, ...); default: the region's.
        #[arg(long, value_parser = partition)]
        partition: Option<String>,
        /// The policy is for plan and apply run with --prune (they read every endpoint of the
        /// account and delete this project's endpoints that left the spec).
        #[arg(long)]
        prune: bool,
        /// Also let apply and destroy delete the project's owned rollout alarms
        /// (RolloutAlarmsDeleteOwned) when no endpoint of the spec has a `rollout:`: once, after
        /// removing the last `rollout:` whose alarms endpoint-scale created.
        #[arg(long)]
        delete_owned_alarms: bool,
        // Names (endpoints, roles, region) may come from variables.
        #[command(flatten)]
        vars: VarArgs,
    },
    /// Write a spec for existing endpoints, so a team can adopt endpoints made by hand.
    Import {
        /// Endpoint names.
        #[arg(required = true)]
        endpoints: Vec<String>,
        /// The project the spec (and, with --adopt, the ownership tags) will name.
        #[arg(long)]
        project: String,
        /// Write the spec here instead of stdout.
        #[arg(long = "out", short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// Also adopt them now: show the plan of the written spec (which tags the endpoints as
        /// owned and moves their invocations policy to endpoint-scale's policy name) and apply it.
        #[arg(long)]
        adopt: bool,
        /// With --adopt: do not ask for confirmation (for CI).
        #[arg(long, requires = "adopt")]
        auto_approve: bool,
        #[command(flatten)]
        aws: AwsArgs,
        #[command(flatten)]
        wait: WaitArgs,
    },
    /// Simulate a traffic profile against a spec: instances, overload, CPU credits and cost.
    Simulate {
        /// The spec file (YAML).
        spec: PathBuf,

        /// A CSV (`timestamp,invocations`) or CloudWatch JSON file, `synthetic[:key=value,...]`,
        /// or `cloudwatch`: the endpoint's Invocations of the last --days days, read from
        /// CloudWatch (needs cloudwatch:GetMetricData).
        #[arg(long)]
        traffic: String,
        /// The endpoint the traffic belongs to (needed when the spec has several).
        #[arg(long)]
        endpoint: Option<String>,
        /// Simulate only the first N days of the traffic; with `--traffic cloudwatch`, read the
        /// last N days (default 14; up to 15 in 1-minute periods, up to 63 in 5-minute ones).
        #[arg(long)]
        days: Option<u32>,
        /// The region to price in when a spec has no `region:` (else AWS_REGION or
        /// AWS_DEFAULT_REGION, else us-east-1). A spec's `region:` wins: this may only repeat it.
        #[arg(long)]
        region: Option<String>,
        /// A price table to use instead of the shipped one (`prices show --output json` prints
        /// one); it must be for the spec's region.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        /// Draw traffic, capacity, instances and credits over time (.svg or .png).
        #[arg(long, value_name = "FILE")]
        chart: Option<PathBuf>,
        /// human: a summary for people; json: the summary and every per-minute series.
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
        /// Other specs to run on the same traffic, side by side.
        #[arg(long, num_args = 1.., value_name = "SPEC")]
        compare: Vec<PathBuf>,
        // The values apply to every spec, each taking those it declares.
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        model: ModelArgs,
        #[command(flatten)]
        concurrency: ConcurrencyArgs,
        /// How `--traffic cloudwatch` reaches AWS (in the spec's region, or --region).
        #[command(flatten)]
        aws: AwsReadArgs,
    },
    /// Search for the cheapest auto scaled configurations within an overload budget; with a
    /// spec, give the best as a change to one of its variants.
    #[command(mut_arg("vars", |a| a.requires("spec")), mut_arg("var_files", |a| a.requires("spec")))]
    Recommend {
        /// A spec whose variant to improve: its load test, instance type and current
        /// configuration (simulated on the same traffic) come from it.
        spec: Option<PathBuf>,
        /// A CSV or CloudWatch JSON file, or `synthetic[:key=value,...]`.
        #[arg(long)]
        traffic: String,
        /// With a spec: the endpoint the traffic belongs to (needed when it has several).
        #[arg(long, requires = "spec")]
        endpoint: Option<String>,
        /// With a spec: the variant to improve (needed when the endpoint has several).
        #[arg(long, requires = "spec")]
        variant: Option<String>,
        /// Requests per second one instance of the `--tested-on` type serves (load-tested).
        /// With a spec: its variant's `max_rps_per_instance`, which this may only repeat.
        #[arg(long, value_parser = max_rps_per_instance, required_unless_present = "spec")]
        max_rps_per_instance: Option<f64>,
        /// The instance type the load test ran on (default: the first of --instance-types).
        /// With a spec: the variant's instance type, which this may only repeat.
        #[arg(long, value_name = "TYPE")]
        tested_on: Option<String>,
        /// Instance types to try; capacity scales with vCPUs from the --tested-on one.
        #[arg(
            long,
            value_delimiter = ',',
            default_value = "ml.c5.large,ml.c5.xlarge,ml.c5.2xlarge,ml.m5.large,ml.m5.xlarge,ml.c6i.large,ml.c6i.xlarge,ml.m6i.large,ml.m6i.xlarge"
        )]
        instance_types: Vec<String>,
        /// Largest acceptable share of invocations beyond capacity: `0.1%` or `0.001`.
        #[arg(long, default_value = "0.1%", value_parser = max_overload)]
        max_overload: f64,
        /// Search on the first N days of the traffic only.
        #[arg(long)]
        days: Option<u32>,
        /// The region to price in (else AWS_REGION or AWS_DEFAULT_REGION, else us-east-1). With
        /// a spec that has a `region:`, the spec's wins: this may only repeat it.
        #[arg(long)]
        region: Option<String>,
        /// A price table to use instead of the shipped one (`prices show --output json` prints
        /// one); with a spec, it must be for the spec's region.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        /// Time zone of the weekday business hours and the month start the schedules follow
        /// (default: the spec's schedules' time zone, else America/New_York).
        #[arg(long)]
        timezone: Option<String>,
        /// How many configurations to show.
        #[arg(long, default_value_t = 5)]
        top: usize,
        /// Write the winner as a spec fragment (a variant) to this file; with a spec, the spec
        /// with the variant changed (every other line as written), to diff and apply.
        #[arg(long, value_name = "FILE")]
        write: Option<PathBuf>,
        /// human: the ranked configurations for people; json: the same as data.
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
        // The spec's variables: only with a spec (checked in the command's `mut_arg`s above).
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        model: ModelArgs,
        /// For a spec variant scaling on concurrent requests per model.
        #[command(flatten)]
        concurrency: ConcurrencyArgs,
        /// How `--traffic cloudwatch` reaches AWS (with a spec).
        #[command(flatten)]
        aws: AwsReadArgs,
    },
    /// Traffic profiles for the simulator.
    #[command(subcommand)]
    Traffic(TrafficCommand),
    /// Price tables: show the one a region uses, get official prices from the AWS Price List.
    #[command(subcommand)]
    Prices(PricesCommand),
    /// Print the JSON Schema of the spec, for editors' YAML language servers.
    Schema,
    /// Print a shell completion script (README.md, "Install", says where each shell reads it).
    Completions {
        /// The shell to complete for.
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Write the man pages: endpoint-scale.1 and one per subcommand (endpoint-scale-plan.1, ...).
    Man {
        /// Write every page into this directory (created if missing), instead of printing the main
        /// page to stdout.
        #[arg(long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
    },
}

/// The long help of `iam-policy`.
const IAM_POLICY_ABOUT: &str = "Print the least-privilege IAM policy that plan, apply, diff or destroy need for a spec.

The policy is an identity-based policy document (JSON) for the principal CI runs endpoint-scale as: \
the SageMaker, Application Auto Scaling, IAM and CloudWatch actions the command calls (or has AWS \
call on its behalf), on the spec's endpoints, on the configs and models endpoint-scale names after \
them (`<endpoint>-` and eight characters), and on the spec's execution roles. Writes are limited by \
tag conditions to what carries the project's `endpoint-scale:project` tag. Statement `Sid`s are \
stable: README.md (IAM permissions) says why each is needed.

ARNs name any account (`*`) unless --account is given, and the spec's region (any region without one).

Examples:
  endpoint-scale iam-policy spec.yaml --for plan > plan-policy.json
  endpoint-scale iam-policy spec.yaml --account 123456789012 > ci-policy.json";

/// Which command an IAM policy is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum IamCommand {
    Plan,
    Apply,
    Diff,
    Destroy,
    /// All four.
    #[default]
    All,
}

/// `--account`: an AWS account id, 12 digits.
fn account_id(text: &str) -> Result<String, String> {
    if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not an AWS account id: write its 12 digits, like 123456789012"))
    }
}

/// `--partition`: `aws` or `aws-` and lower-case words (`aws-cn`, `aws-us-gov`).
fn partition(text: &str) -> Result<String, String> {
    let valid = text.strip_prefix("aws").is_some_and(|rest| {
        rest.split('-').skip(1).all(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_lowercase()))
            && (rest.is_empty() || rest.starts_with('-'))
    });
    if valid {
        Ok(text.to_string())
    } else {
        Err(format!("`{text}` is not an AWS partition: write aws, aws-cn or aws-us-gov"))
    }
}

#[derive(Debug, Subcommand)]
pub enum TrafficCommand {
    /// Print synthetic traffic as CSV: `traffic generate seed=3 days=30 peak_multiplier=5 > traffic.csv`.
    #[command(after_long_help = crate::simulate::traffic::settings_help())]
    Generate {
        /// Generator settings as key=value, over the defaults (`--help` lists them).
        #[arg(value_name = "KEY=VALUE")]
        settings: Vec<String>,
    },
    /// Write an endpoint's Invocations of the last --days days, read from CloudWatch, as the CSV
    /// `simulate --traffic FILE.csv` reads: the study `simulate --traffic cloudwatch` makes,
    /// repeatable offline (needs cloudwatch:GetMetricData).
    Export {
        /// The spec naming the endpoint (and its region).
        spec: PathBuf,
        /// Days back from now to read (up to 15 in 1-minute periods, up to 63 in 5-minute ones).
        #[arg(long, default_value_t = DEFAULT_TRAFFIC_DAYS)]
        days: u32,
        /// The endpoint to read (needed when the spec has several).
        #[arg(long)]
        endpoint: Option<String>,
        /// Write the CSV here (else to stdout).
        #[arg(long = "out", short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// The region to read in when the spec has no `region:` (else AWS_REGION or the
        /// profile's). A spec's `region:` wins: this may only repeat it.
        #[arg(long)]
        region: Option<String>,
        #[command(flatten)]
        vars: VarArgs,
        #[command(flatten)]
        aws: AwsReadArgs,
    },
}

/// Days of CloudWatch history read when --days is not given: within the 15 days CloudWatch keeps
/// one-minute data.
pub const DEFAULT_TRAFFIC_DAYS: u32 = 14;

/// Values for the spec's variables (`vars:`); see docs/spec.md, "Variables and environments".
/// Precedence, lowest first: defaults, ENDPOINT_SCALE_VAR_<NAME>, --var-file, --var.
#[derive(Debug, Clone, Default, Args)]
pub struct VarArgs {
    /// Set a variable: NAME=VALUE, VALUE read as a YAML scalar (repeatable; beats --var-file and
    /// ENDPOINT_SCALE_VAR_<NAME>).
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = var_assignment)]
    pub vars: Vec<(String, String)>,
    /// A YAML file of `NAME: value` lines (repeatable; a later file wins).
    #[arg(long = "var-file", value_name = "FILE")]
    pub var_files: Vec<PathBuf>,
}

/// `--var NAME=VALUE`: split at the first `=`; the name is checked against the spec.
fn var_assignment(text: &str) -> Result<(String, String), String> {
    match text.split_once('=') {
        Some((name, value)) if !name.trim().is_empty() => Ok((name.trim().to_string(), value.to_string())),
        _ => Err(format!("`{text}` is not NAME=VALUE")),
    }
}

/// `--target ENDPOINT`: limit plan, apply, diff or destroy to some endpoints of the spec.
#[derive(Debug, Clone, Default, Args)]
pub struct Targets {
    /// Only this endpoint of the spec (repeatable), like terraform's -target: the others are
    /// neither read from AWS nor planned, changed, compared or destroyed.
    #[arg(long = "target", value_name = "ENDPOINT")]
    pub targets: Vec<String>,
}

#[derive(Debug, Subcommand)]
pub enum PricesCommand {
    /// Print the price table simulate uses for a region (shipped, or --prices FILE): per type the
    /// price, vCPUs, memory, provenance, as-of date and source. `--output json` prints the table
    /// itself, which --prices reads back after editing.
    Show {
        /// The region (else AWS_REGION or AWS_DEFAULT_REGION, else us-east-1).
        #[arg(long)]
        region: Option<String>,
        /// Show this table instead of the shipped one.
        #[arg(long, value_name = "FILE")]
        prices: Option<PathBuf>,
        /// human: a table for people; json: the price table itself, which --prices reads back.
        #[arg(long, value_enum, default_value_t)]
        output: OutputFormat,
    },
    /// Write a table of official prices for a region from the AWS Price List Query API
    /// (GetProducts of AmazonSageMaker; needs the IAM action pricing:GetProducts).
    Fetch {
        /// The region to price (the one the endpoints run in), e.g. eu-west-1.
        #[arg(long)]
        region: String,
        /// Write the table here (else to stdout).
        #[arg(long = "out", short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
        /// The region of the Price List API endpoint, not the priced region: AWS documents
        /// endpoints in us-east-1, eu-central-1 and ap-south-1.
        #[arg(long, default_value = "us-east-1")]
        api_region: String,
        #[command(flatten)]
        aws: AwsReadArgs,
    },
    /// Write a table of official prices from a Price List file: the AmazonSageMaker offer file
    /// (.../offers/v1.0/aws/AmazonSageMaker/current/[REGION/]index.json) or saved
    /// `aws pricing get-products --service-code AmazonSageMaker` output.
    Import {
        /// The offer file or get-products output (JSON).
        file: PathBuf,
        /// The region to take, when the file holds several.
        #[arg(long)]
        region: Option<String>,
        /// Write the table here (else to stdout).
        #[arg(long = "out", short = 'o', value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

/// How a command that reads one AWS API reaches AWS (`prices fetch`, `simulate --traffic
/// cloudwatch`, `traffic export`): the flags of [`AwsArgs`] less `--parallelism` (one call at a
/// time) and `--region`, which such a command has with its own meaning (`prices fetch`: the
/// priced region, the API's is `--api-region`; `simulate`: the pricing region, which is also
/// where CloudWatch is read).
#[derive(Debug, Clone, Args)]
pub struct AwsReadArgs {
    /// AWS profile to use (else AWS_PROFILE, else the default profile).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// Send the calls to this URL (else AWS_ENDPOINT_URL), e.g. a local emulator.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Attempts per AWS call, retries included: throttling is absorbed by retrying.
    #[arg(long, default_value_t = 5, value_parser = max_attempts)]
    pub max_attempts: u32,
    /// standard (retries only), or adaptive (after throttling, the client also slows its own
    /// calls down).
    #[arg(long, value_enum, default_value_t)]
    pub retry_mode: RetryMode,
}

/// The simulator's assumptions that are worth a flag (all are in docs/simulation.md).
#[derive(Debug, Clone, Args)]
pub struct ModelArgs {
    /// Minutes from a scale-out decision until the new instance serves. Launch stages given
    /// (--provision-minutes and so on) replace it with their sum.
    #[arg(long, default_value_t = 5, value_parser = launch_delay, conflicts_with_all = ["provision_minutes", "image_pull_minutes", "model_load_minutes"])]
    pub launch_delay: u32,
    #[command(flatten)]
    pub launch: LaunchStageArgs,
    /// Burstable instances without credits: held at baseline (standard) or not (unlimited).
    #[arg(long, value_enum, default_value = "standard")]
    pub credit_mode: crate::simulate::engine::CreditMode,
}

/// How long an instance takes to launch, in stages: one set of flags, defaults and help for
/// `simulate`/`recommend` (scale-out launches) and `plan`/`apply` (a rollout's new instances).
/// AWS documents no launch durations, so every default is an assumption, the same everywhere:
/// [`crate::simulate::engine::LaunchStages::DEFAULT`] (2 + 1 + 2 minutes; a unit test holds the
/// help to it).
#[derive(Debug, Clone, Default, Args)]
pub struct LaunchStageArgs {
    /// Launch stage: minutes to obtain and boot an instance (assumed 2 when not given; AWS
    /// documents no launch durations).
    #[arg(long, value_name = "MINUTES", value_parser = launch_stage)]
    pub provision_minutes: Option<u32>,
    /// Launch stage: minutes to pull the inference image (assumed 1 when not given).
    #[arg(long, value_name = "MINUTES", value_parser = launch_stage)]
    pub image_pull_minutes: Option<u32>,
    /// Launch stage: minutes to download the model and pass the health check (assumed 2 when
    /// not given).
    #[arg(long, value_name = "MINUTES", value_parser = launch_stage)]
    pub model_load_minutes: Option<u32>,
}

impl LaunchStageArgs {
    /// Whether any stage was given.
    pub fn any(&self) -> bool {
        self.provision_minutes.is_some() || self.image_pull_minutes.is_some() || self.model_load_minutes.is_some()
    }

    /// The stages, each not given at its assumed default.
    pub fn stages(&self) -> crate::simulate::engine::LaunchStages {
        let d = crate::simulate::engine::LaunchStages::DEFAULT;
        crate::simulate::engine::LaunchStages {
            provision_minutes: self.provision_minutes.unwrap_or(d.provision_minutes),
            image_pull_minutes: self.image_pull_minutes.unwrap_or(d.image_pull_minutes),
            model_load_minutes: self.model_load_minutes.unwrap_or(d.model_load_minutes),
        }
    }
}

/// The concurrency policy's inputs (`simulate` and `recommend`).
#[derive(Debug, Clone, Args)]
pub struct ConcurrencyArgs {
    /// Mean seconds one request takes: turns traffic into concurrency (requests per second x
    /// seconds) for variants scaling on `concurrent_requests_per_model`; required for them unless
    /// measured from ConcurrentRequestsPerModel (`--traffic cloudwatch` or its export), and wins
    /// over the measured value.
    #[arg(long, value_name = "S", value_parser = request_seconds)]
    pub request_seconds: Option<f64>,
    /// Consecutive 10-second datapoints above the target before a concurrency (high-resolution)
    /// policy scales out. AWS does not document it: 3 (30 s) is an assumption.
    #[arg(long, default_value_t = 3, value_parser = hires_scale_out_periods)]
    pub hires_scale_out_periods: u32,
}

/// How to reach AWS. Credentials come from the standard chain (environment, profile, SSO, IMDS).
#[derive(Debug, Clone, Args)]
pub struct AwsArgs {
    /// AWS profile to use (else AWS_PROFILE, else the default profile).
    #[arg(long, env = "AWS_PROFILE")]
    pub profile: Option<String>,
    /// AWS region. The spec's `region:` wins: this may only repeat it. Without one in the spec:
    /// this, else AWS_REGION or the profile's.
    #[arg(long)]
    pub region: Option<String>,
    /// Send every AWS call to this URL (else AWS_ENDPOINT_URL), e.g. a local emulator.
    #[arg(long)]
    pub endpoint_url: Option<String>,
    /// Attempts per AWS call, retries included: throttling is absorbed by retrying.
    #[arg(long, default_value_t = 5, value_parser = max_attempts)]
    pub max_attempts: u32,
    /// standard (retries only), or adaptive (after throttling, the client also slows its own
    /// calls down: for large fleets under account-wide rate limits).
    #[arg(long, value_enum, default_value_t)]
    pub retry_mode: RetryMode,
    /// AWS calls in flight while reading the live state, and endpoints applied at the same time.
    #[arg(long, default_value_t = 10, value_parser = parallelism)]
    pub parallelism: usize,
}

/// Measured against an account-wide rate limit (scripts/bench-plan --rate-limit 50/50, 1,000
/// endpoints, 10 calls in flight): with standard retries one run in two exhausted its attempts
/// and failed; with adaptive retries every run finished, throttled 30 times instead of 1,300.
/// Standard stays the default: after brief throttling, adaptive keeps the client slowed down
/// (the test suite, which injects throttling, ran four times longer with it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum RetryMode {
    #[default]
    Standard,
    Adaptive,
}

/// The SDK's EndpointInService waiter polls every 30 s; Terraform's fixed 10-minute wait is a
/// known pain (terraform-provider-aws #9584, #39040), so the timeout is a flag, default 30 min.
///
/// The poll interval is capped by the timeout rather than rejected when longer: the default
/// interval (30 s) is longer than a short `--wait-timeout 10s`, and asking for a second flag to
/// say the same thing would be a chore; polling at least once within the timeout is what both
/// mean. The fields hold the capped values.
#[derive(Debug, Clone)]
pub struct WaitArgs {
    pub wait_timeout: std::time::Duration,
    pub poll_interval: std::time::Duration,
}

/// The flags of [`WaitArgs`] as given, before the interval is capped.
#[derive(Debug, Clone, Args)]
struct WaitFlags {
    /// Longest wait for an endpoint to become InService (or deleted): `30m`, `1h`, `900`.
    #[arg(long, default_value = "30m", value_parser = wait_timeout)]
    wait_timeout: std::time::Duration,
    /// Time between DescribeEndpoint polls while waiting (at most --wait-timeout).
    #[arg(long, default_value = "30s", value_parser = poll_interval)]
    poll_interval: std::time::Duration,
}

impl From<WaitFlags> for WaitArgs {
    fn from(f: WaitFlags) -> Self {
        WaitArgs { wait_timeout: f.wait_timeout, poll_interval: f.poll_interval.min(f.wait_timeout) }
    }
}

impl clap::FromArgMatches for WaitArgs {
    fn from_arg_matches(matches: &clap::ArgMatches) -> Result<Self, clap::Error> {
        WaitFlags::from_arg_matches(matches).map(WaitArgs::from)
    }

    fn update_from_arg_matches(&mut self, matches: &clap::ArgMatches) -> Result<(), clap::Error> {
        let mut flags = WaitFlags { wait_timeout: self.wait_timeout, poll_interval: self.poll_interval };
        flags.update_from_arg_matches(matches)?;
        *self = flags.into();
        Ok(())
    }
}

impl Args for WaitArgs {
    fn augment_args(cmd: clap::Command) -> clap::Command {
        WaitFlags::augment_args(cmd)
    }

    fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
        WaitFlags::augment_args_for_update(cmd)
    }
}

/// `--max-attempts`: the SDK retries with exponential backoff capped at 20 s, so 20 attempts
/// already wait several minutes for one call; more is a stuck loop, not resilience.
const MAX_ATTEMPTS: std::ops::RangeInclusive<u32> = 1..=20;

/// `--wait-timeout`: a second up to a day (SageMaker's own health-check and download timeouts
/// are at most an hour each, so a day is far beyond any real wait).
const WAIT_TIMEOUT: std::ops::RangeInclusive<std::time::Duration> =
    std::time::Duration::from_secs(1)..=std::time::Duration::from_secs(24 * 3600);

/// `--poll-interval`: 10 ms (tests against the local emulator) up to an hour.
const POLL_INTERVAL: std::ops::RangeInclusive<std::time::Duration> =
    std::time::Duration::from_millis(10)..=std::time::Duration::from_secs(3600);

fn max_attempts(text: &str) -> Result<u32, String> {
    text.trim().parse::<u32>().ok().filter(|n| MAX_ATTEMPTS.contains(n)).ok_or_else(|| {
        format!("`{text}` is not a number of attempts from {} to {}", MAX_ATTEMPTS.start(), MAX_ATTEMPTS.end())
    })
}

fn wait_timeout(text: &str) -> Result<std::time::Duration, String> {
    bounded_duration(text, &WAIT_TIMEOUT, "from 1s to 24h")
}

fn poll_interval(text: &str) -> Result<std::time::Duration, String> {
    bounded_duration(text, &POLL_INTERVAL, "from 10ms to 1h")
}

fn bounded_duration(
    text: &str,
    range: &std::ops::RangeInclusive<std::time::Duration>,
    allowed: &str,
) -> Result<std::time::Duration, String> {
    let d = parse_duration(text)?;
    if range.contains(&d) {
        Ok(d)
    } else {
        Err(format!("`{text}` is out of range: use a duration {allowed}"))
    }
}

/// `--launch-delay`, within `simulate::limits::LAUNCH_DELAY_MINUTES`.
fn launch_delay(text: &str) -> Result<u32, String> {
    whole_in(text, crate::simulate::limits::LAUNCH_DELAY_MINUTES, "minutes")
}

/// A whole number of `unit` within `range`, for the simulator's integer flags.
fn whole_in(text: &str, range: std::ops::RangeInclusive<u32>, unit: &str) -> Result<u32, String> {
    text.trim()
        .parse::<u32>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| format!("`{text}` is not a whole number of {unit} from {} to {}", range.start(), range.end()))
}

/// A launch stage's minutes, within `simulate::limits::LAUNCH_STAGE_MINUTES`.
fn launch_stage(text: &str) -> Result<u32, String> {
    whole_in(text, crate::simulate::limits::LAUNCH_STAGE_MINUTES, "minutes")
}

/// `--request-seconds`, within `simulate::limits::REQUEST_SECONDS`.
fn request_seconds(text: &str) -> Result<f64, String> {
    let range = crate::simulate::limits::REQUEST_SECONDS;
    text.trim()
        .parse::<f64>()
        .ok()
        .filter(|n| range.contains(n))
        .ok_or_else(|| format!("`{text}` is not a number of seconds from {} to {}", range.start(), range.end()))
}

/// `--hires-scale-out-periods`, within `simulate::limits::HIRES_SCALE_OUT_PERIODS`.
fn hires_scale_out_periods(text: &str) -> Result<u32, String> {
    whole_in(text, crate::simulate::limits::HIRES_SCALE_OUT_PERIODS, "10-second periods")
}

/// `--max-rps-per-instance`, within `simulate::limits::MAX_RPS_PER_INSTANCE`.
fn max_rps_per_instance(text: &str) -> Result<f64, String> {
    let range = crate::simulate::limits::MAX_RPS_PER_INSTANCE;
    text.trim().parse::<f64>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
        format!("`{text}` is not a number of requests per second from {} to {}", range.start(), range.end())
    })
}

fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    if let Some(ms) = text.strip_suffix("ms").and_then(|n| n.parse::<u64>().ok()) {
        return Ok(std::time::Duration::from_millis(ms));
    }
    crate::validate::parse_duration(text)
        .map(std::time::Duration::from_secs)
        .ok_or_else(|| format!("`{text}` is not a duration: write `90s`, `5m`, `1h30m`, `500ms` or whole seconds"))
}

/// Calls in flight: at least one, and no more than AWS's per-account rate limits could use.
fn parallelism(text: &str) -> Result<usize, String> {
    text.parse::<usize>()
        .ok()
        .filter(|n| (1..=100).contains(n))
        .ok_or_else(|| format!("`{text}` is not a parallelism: write a whole number from 1 to 100"))
}

/// A share of invocations: `0.1%` or `0.001`, between 0 and 1.
fn max_overload(text: &str) -> Result<f64, String> {
    let (number, scale) = match text.strip_suffix('%') {
        Some(n) => (n, 100.0),
        None => (text, 1.0),
    };
    number
        .trim()
        .parse::<f64>()
        .ok()
        .map(|n| n / scale)
        .filter(|n| (0.0..=1.0).contains(n))
        .ok_or_else(|| format!("`{text}` is not a share: write `0.1%` or `0.001`"))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum OutputFormat {
    #[default]
    Human,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum, Default)]
pub enum CallFormat {
    /// A JSON array of {service, operation, input}.
    #[default]
    Json,
    /// A shell script of `aws ... --cli-input-json` commands.
    Shell,
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    /// Every command, argument and flag says what it is for in `--help` (and so in the man pages
    /// and completions): a new flag without a doc comment fails here.
    #[test]
    fn every_command_and_argument_has_help() {
        fn walk(cmd: &clap::Command, path: &str, missing: &mut Vec<String>) {
            if cmd.get_about().is_none() && cmd.get_long_about().is_none() {
                missing.push(format!("`{path}` (the command)"));
            }
            for arg in cmd.get_arguments() {
                if arg.get_help().is_none() && arg.get_long_help().is_none() {
                    missing.push(format!("`{path}` {}", arg.get_id()));
                }
            }
            for sub in cmd.get_subcommands() {
                walk(sub, &format!("{path} {}", sub.get_name()), missing);
            }
        }
        let mut cmd = Cli::command();
        cmd.build();
        let mut missing = Vec::new();
        walk(&cmd, "endpoint-scale", &mut missing);
        assert!(missing.is_empty(), "without help text (add a `///` doc comment):\n{}", missing.join("\n"));
    }

    #[test]
    fn traffic_generate_help_lists_every_setting_with_its_default() {
        let mut cmd = Cli::command();
        let help =
            cmd.find_subcommand_mut("traffic").unwrap().find_subcommand_mut("generate").unwrap().render_long_help();
        let help = help.to_string();
        for (key, _) in crate::simulate::traffic::SYNTHETIC_SETTINGS {
            assert!(help.contains(&format!("\n  {key} ")), "{key} missing from\n{help}");
        }
        assert!(help.contains("peak_days               Mon,Tue,Wed,Thu,Fri\n"), "{help}");
    }

    /// The launch stages' help states the defaults the code assumes, for every command that
    /// takes them.
    #[test]
    fn launch_stage_help_states_the_shared_defaults() {
        let d = crate::simulate::engine::LaunchStages::DEFAULT;
        let mut cmd = Cli::command();
        for name in ["simulate", "recommend", "plan", "apply"] {
            let sub = cmd.find_subcommand_mut(name).unwrap();
            let help =
                |id: &str| sub.get_arguments().find(|a| a.get_id() == id).unwrap().get_help().unwrap().to_string();
            assert!(
                help("provision_minutes").contains(&format!("(assumed {} when not given", d.provision_minutes)),
                "{name}"
            );
            assert!(
                help("image_pull_minutes").contains(&format!("(assumed {} when not given", d.image_pull_minutes)),
                "{name}"
            );
            assert!(
                help("model_load_minutes").contains(&format!("(assumed {} when not given", d.model_load_minutes)),
                "{name}"
            );
        }
    }
}
