//! The command line as the user types it (clap derive). Nothing here looks at the
//! environment or the network: `config.rs` turns a [`Cli`] into a resolved `Config`.
//!
//! House rules for clap attributes:
//! - long flags are implicit (`#[arg(long)]`), short flags explicit and only where apilogs
//!   had them, so `apilogs get …` command lines keep working;
//! - `value_name` is upper case; doc comments are the help text (first line = `-h`);
//! - AWS flags live in one flattened group, [`AwsArgs`], shared by every subcommand.
//!
//! Layer `cli`: the clap definitions (here), the config file (`userconfig`), clap's errors
//! in apitrace's shape (`usage`), the manual pages (`manpage`).
//! May import: `ui`, `core`.

pub mod manpage;
pub mod usage;
pub mod userconfig;

use anyhow::Result;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::ui::error::Hinted;

#[derive(Debug, Parser)]
#[command(
    name = "apitrace",
    version = env!("APITRACE_VERSION"),
    about = "Find, fetch and merge the CloudWatch logs behind an AWS API Gateway API",
    long_about = "Find, fetch and merge the CloudWatch logs behind an AWS API Gateway API.\n\n\
        apitrace resolves every log group behind an API stage (execution log, access log, \
        the Lambda functions behind integrations and authorizers), fetches them concurrently \
        under a rate limit, and prints one stream merged by timestamp.",
    after_help = "Examples:\n  apitrace get --api-id abc123 --stage prod --start '2h ago'\n  \
        apitrace get --api-id abc123 --stage prod -o json | jq .message\n  \
        apitrace groups --api-id abc123 --stage prod\n  apitrace apis",
    propagate_version = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,

    /// Print no warnings or notes on stderr (errors are still printed).
    #[arg(short = 'q', long, global = true)]
    pub quiet: bool,

    /// Do not read the config file (~/.config/apitrace/config.toml or $APITRACE_CONFIG).
    #[arg(long, global = true)]
    pub no_config: bool,

    /// Print every AWS request and response line on stderr (secrets redacted); a non-empty
    /// RUST_LOG does the same.
    #[arg(long, global = true)]
    pub debug: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Print the logs of every log group behind an API stage, merged by timestamp.
    Get(GetArgs),
    /// List the log groups behind an API stage, whether each exists, and why it was chosen.
    Groups(GroupsArgs),
    /// Follow one API request into the Lambda invocations it caused.
    Trace(TraceArgs),
    /// Find the requests that failed (5xx, Lambda errors and timeouts) and trace each.
    Errors(ErrorsArgs),
    /// Requests by status and route, Lambda durations, cold starts and timeouts.
    Summary(SummaryArgs),
    /// Compare this deployment with a baseline window: per route and function, and new
    /// failure causes; with --fail-on, a gate for CI.
    Compare(CompareArgs),
    /// List the REST, HTTP and WebSocket APIs in the region, with their stages.
    Apis(ApisArgs),
    /// Run your own Logs Insights query across the stage's log groups over the window.
    Query(QueryArgs),
    /// Print a shell completion script (e.g. `apitrace completions bash >
    /// ~/.local/share/bash-completion/completions/apitrace`).
    Completions {
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print a manual page (roff): `apitrace man > apitrace.1`, `apitrace man get`; or
    /// write them all with `--dir` (e.g. `apitrace man --dir ~/.local/share/man/man1`).
    Man {
        /// The page: `apitrace` (the default) or a command (`get`, `trace`, …).
        #[arg(value_name = "COMMAND")]
        page: Option<String>,
        /// Write every page (apitrace.1 and apitrace-COMMAND.1) into this directory,
        /// creating it if needed, and print their paths.
        #[arg(long, value_name = "DIR", conflicts_with = "page")]
        dir: Option<std::path::PathBuf>,
    },
}

/// Which API and stage; shared by `get` and `groups`. Both may be left out when
/// `--log-group` names the groups to read (then nothing is resolved).
#[derive(Debug, Args, Clone)]
#[command(group(clap::ArgGroup::new("which_api").args(["api_id", "api", "url", "stack"]).multiple(true)))]
pub struct ApiArgs {
    /// The API id (REST, HTTP or WebSocket), e.g. abc123 (see `apitrace apis`).
    #[arg(
        long,
        value_name = "ID",
        requires = "stage",
        required_unless_present_any = ["log_groups", "api", "url", "stack"],
        conflicts_with_all = ["api", "url"]
    )]
    pub api_id: Option<String>,

    /// The API by name or id, looked up across the REST, HTTP and WebSocket APIs of the
    /// region (a name shared by several APIs is an error listing them); --stage may be
    /// left out when the API has exactly one stage.
    #[arg(long, value_name = "NAME_OR_ID")]
    pub api: Option<String>,

    /// The URL that was called: https://ID.execute-api.REGION.amazonaws.com/STAGE/path
    /// names the API, region and stage; a custom domain
    /// (https://api.example.com/v1/orders/42) is resolved through its API mappings.
    #[arg(long, value_name = "URL", conflicts_with_all = ["stage", "api"])]
    pub url: Option<String>,

    /// A CloudFormation (SAM, CDK) stack: its API (name one with --api when it has
    /// several) and every Lambda function it defines, nested stacks included.
    #[arg(long, value_name = "NAME", conflicts_with_all = ["api_id", "url"])]
    pub stack: Option<String>,

    /// The stage name, e.g. prod (HTTP APIs often use $default).
    #[arg(long, value_name = "STAGE", requires = "which_api")]
    pub stage: Option<String>,
}

impl ApiArgs {
    /// `(api id, stage)` when an API was named by id.
    pub fn target(&self) -> Option<(String, String)> {
        Some((self.api_id.clone()?, self.stage.clone()?))
    }
}

/// The window a command reads, shared by `get`, `trace`, `errors`, `summary` and `query`.
/// The help and the default here are those of `errors`, `summary` and `query`; `command()`
/// gives `get` (`5m ago`) and `trace` (`24h ago`) their own.
#[derive(Debug, Args, Clone)]
pub struct WindowArgs {
    /// Start of the window (see TIME in `apitrace get --help`).
    #[arg(short = 's', long, value_name = "TIME", default_value = "1h ago")]
    pub start: String,

    /// End of the window.
    #[arg(short = 'e', long, value_name = "TIME", default_value = "now")]
    pub end: String,

    /// Start the window at the stage's current deployment (less a minute), instead of --start.
    #[arg(long, conflicts_with = "start")]
    pub since_deploy: bool,
}

/// Which log groups to read, beyond the resolved ones; shared by `get` and `groups`.
#[derive(Debug, Args, Clone, Default)]
pub struct SelectArgs {
    /// Only these sources (comma list): execution, access, lambda, authorizer, extra.
    #[arg(long, value_name = "SOURCES", value_delimiter = ',')]
    pub only: Vec<SourceArg>,

    /// Only this function's Lambda log group (repeatable), plus the API's own groups.
    #[arg(long = "function", value_name = "NAME")]
    pub functions: Vec<String>,

    /// Also read this log group, as source `extra` (repeatable); with no --api-id, read
    /// only these groups.
    #[arg(long = "log-group", value_name = "NAME")]
    pub log_groups: Vec<String>,

    /// Only the Lambda functions behind this route: 'GET /orders/{id}' as the API defines
    /// it, or a path that was called ('GET /orders/42'); the API's own logs and its
    /// authorizers are still read. summary and errors count only its requests.
    #[arg(long, value_name = "ROUTE")]
    pub route: Option<String>,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("follow").args(["watch", "live"]).multiple(true)))]
pub struct GetArgs {
    #[command(flatten)]
    pub api: ApiArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// CloudWatch filter pattern, passed to FilterLogEvents for every group.
    ///
    /// A request id must be quoted for CloudWatch: -f '"0f1e2d3c-…"'.
    #[arg(short = 'f', long, value_name = "PATTERN")]
    pub filter_pattern: Option<String>,

    /// After the window, keep following: poll every group and print new events as they
    /// arrive, merged in time order (Ctrl-C to stop).
    #[arg(short = 'w', long, conflicts_with_all = ["request_id"])]
    pub watch: bool,

    /// Follow like --watch, but through CloudWatch Live Tail sessions (sub-second, billed
    /// per session-minute; up to 10 groups a session). Falls back to polling, with a
    /// warning, where Live Tail is refused or unsupported.
    #[arg(long, conflicts_with_all = ["request_id"])]
    pub live: bool,

    /// How often --watch polls each group (e.g. 1s, 500ms, 5s; 100ms to 1h).
    #[arg(long, value_name = "DURATION", default_value = "1s", value_parser = parse_duration, requires = "follow")]
    pub watch_interval: std::time::Duration,

    /// How long --watch and --live hold events so that late-ingested and slower groups'
    /// events still print in order (at most 10m).
    #[arg(long, value_name = "DURATION", default_value = "2s", value_parser = parse_duration, requires = "follow")]
    pub watch_lag: std::time::Duration,

    /// Print only the lines of this request (API request id or extended id) and of the
    /// Lambda invocations it caused, as `trace` finds them, in `get`'s format.
    #[arg(long, value_name = "ID")]
    pub request_id: Option<String>,

    /// Only the log streams whose name starts with this (repeatable), in every group: e.g.
    /// '2026/12/06/[3]' for version 3 of a function. One prefix is sent to CloudWatch
    /// (logStreamNamePrefix); several are matched here, after reading every stream.
    #[arg(long = "stream-prefix", value_name = "PREFIX", conflicts_with_all = ["watch", "live", "request_id"])]
    pub stream_prefixes: Vec<String>,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub out: OutputArgs,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// The API request id (x-amzn-RequestId, a UUID) or the extended request id
    /// (x-amz-apigw-id; the `apigw-requestid` of an HTTP API).
    #[arg(value_name = "REQUEST_ID")]
    pub request_id: String,

    #[command(flatten)]
    pub api: ApiArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// Leave the CloudWatch console links out of the text summary (JSON keeps `links`).
    #[arg(long)]
    pub no_links: bool,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub out: OutputArgs,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

/// How fast to call FilterLogEvents; shared by the commands that read logs.
#[derive(Debug, Args, Clone)]
pub struct RateArgs {
    /// FilterLogEvents calls in flight at once, across all groups.
    #[arg(long, value_name = "N", default_value_t = 8, value_parser = clap::value_parser!(u32).range(1..=64))]
    pub concurrency: u32,

    /// FilterLogEvents calls per second per region, 0.1 to 10000 [default: under the
    /// region's quota: 20 in us-east-1, 8 in most regions, 4 where the quota is 5].
    #[arg(long, value_name = "N")]
    pub max_tps: Option<f64>,

    /// Search engine: filter (FilterLogEvents pages), insights (CloudWatch Logs Insights
    /// queries, server-side, billed per GB scanned), or auto (insights for long windows over
    /// big groups, and for traces over more than 6 hours).
    #[arg(long, value_enum, value_name = "ENGINE", default_value_t = EngineArg::Auto)]
    pub engine: EngineArg,

    /// The most that --engine auto lets Logs Insights scan (billed per GB scanned), e.g.
    /// 500MB, 1GB, 0 for never; estimated before any query from the groups' stored bytes
    /// and the share of their retention the window covers. Over it, auto pages with
    /// FilterLogEvents instead; --engine insights runs the query whatever it costs.
    #[arg(long, value_name = "SIZE", default_value = "1GB", value_parser = parse_size)]
    pub max_scan: u64,
}

/// A size in bytes: a number with an optional unit (B, KB, MB, GB, TB: powers of 1000;
/// KiB, MiB, GiB, TiB: powers of 1024).
pub fn parse_size(s: &str) -> Result<u64, String> {
    let t = s.trim();
    let split = t
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(t.len());
    let (num, unit) = t.split_at(split);
    let n: f64 = num
        .parse()
        .map_err(|_| format!("'{s}' is not a size (examples: 500MB, 1GB, 2GiB, 0)"))?;
    let mult: f64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1.0,
        "kb" | "k" => 1e3,
        "mb" | "m" => 1e6,
        "gb" | "g" => 1e9,
        "tb" | "t" => 1e12,
        "kib" => 1024.0,
        "mib" => 1024.0 * 1024.0,
        "gib" => 1024.0 * 1024.0 * 1024.0,
        "tib" => 1024.0 * 1024.0 * 1024.0 * 1024.0,
        u => {
            return Err(format!(
                "unknown size unit '{u}' (B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)"
            ));
        }
    };
    let bytes = n * mult;
    if !bytes.is_finite() || bytes > 1e18 {
        return Err(format!("'{s}' is too large (at most 1000PB)"));
    }
    Ok(bytes as u64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Auto,
    Filter,
    Insights,
}

#[derive(Debug, Args)]
pub struct ErrorsArgs {
    #[command(flatten)]
    pub api: ApiArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// Also report requests that ended with a 4xx status.
    #[arg(long)]
    pub include_4xx: bool,

    /// Leave out the CloudWatch console link (a Logs Insights query for the request's ids)
    /// printed under each failure in text and added to each GitHub annotation (JSON keeps
    /// `links`).
    #[arg(long)]
    pub no_links: bool,

    /// Trace at most this many failing requests (the oldest first; 0 to 100000); say how
    /// many were left out.
    #[arg(long, value_name = "N", default_value_t = 20,
          value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(0..=100_000))]
    pub limit: usize,

    /// Output: text (summary line and lines per request), json (an array of trace
    /// objects; with --group one object, its causes in `groups`), or github (GitHub
    /// Actions annotations and log groups).
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", default_value_t = ErrorsFormat::Text)]
    pub output: ErrorsFormat,

    /// Exit 1 when any failing request was found (for a smoke-test step in CI).
    #[arg(long)]
    pub fail_on_errors: bool,

    /// Group the failing requests by cause (one block, annotation or JSON object per
    /// cause, with one traced example); text and github output do so by default when
    /// more requests failed than --limit.
    #[arg(long, overrides_with = "no_group")]
    pub group: bool,

    /// One trace per failing request, never grouped.
    #[arg(long, overrides_with = "group")]
    pub no_group: bool,

    /// When to use colours (text output): auto, always, never.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Same as --color never.
    #[arg(long, overrides_with = "color")]
    pub no_color: bool,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ErrorsFormat {
    Text,
    Json,
    Github,
}

#[derive(Debug, Args)]
pub struct SummaryArgs {
    #[command(flatten)]
    pub api: ApiArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

/// `apitrace compare` (#22).
#[derive(Debug, Args)]
pub struct CompareArgs {
    #[command(flatten)]
    pub api: ApiArgs,

    /// Start of the current window [default: the stage's current deployment].
    #[arg(short = 's', long, value_name = "TIME")]
    pub start: Option<String>,

    /// End of the current window.
    #[arg(short = 'e', long, value_name = "TIME", default_value = "now")]
    pub end: String,

    /// Start of the baseline [default: as long before the current window as it lasts].
    #[arg(long, value_name = "TIME")]
    pub baseline_start: Option<String>,

    /// End of the baseline [default: the start of the current window].
    #[arg(long, value_name = "TIME")]
    pub baseline_end: Option<String>,

    /// The baseline is the previous deployment's time: from it to the current deployment
    /// (the stage's API deployments are listed).
    #[arg(long, conflicts_with_all = ["start", "baseline_start", "baseline_end"])]
    pub previous_deploy: bool,

    /// A gate rule (repeatable): exit 3 when any holds. METRIC>VALUE, e.g. '5xx-rate>1%',
    /// 'p95>+20%', 'p99>+200ms', 'fn-error-rate>+2pp', or new-errors. Metrics: 5xx-rate,
    /// 4xx-rate, p50, p95, p99 (per route); fn-error-rate, fn-timeout-rate, fn-p95 (per
    /// function); new-errors.
    #[arg(long = "fail-on", value_name = "RULE")]
    pub fail_on: Vec<String>,

    /// Fewest requests (or invocations) a route (or function) needs in a window for a
    /// rule to judge it.
    #[arg(long, value_name = "N", default_value_t = 20)]
    pub min_samples: u64,

    /// Count 4xx requests' causes too (an authorizer's deny, a WAF block, throttling,
    /// a missing token), not only 5xx: they then count for new-errors.
    #[arg(long)]
    pub include_4xx: bool,

    /// Output: text (tables), json (one object), or github (annotations for the rules that
    /// held, and the tables in a log group).
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", default_value_t = ErrorsFormat::Text)]
    pub output: ErrorsFormat,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub rate: RateArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct GroupsArgs {
    #[command(flatten)]
    pub api: ApiArgs,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Output format.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// Leave out the CloudWatch console link of each group, printed after the table (JSON
    /// keeps `console_url`).
    #[arg(long)]
    pub no_links: bool,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The Logs Insights query, e.g. 'fields @timestamp, @message | filter @message like /ERROR/
    /// | limit 20'.
    #[arg(
        value_name = "QUERY",
        required_unless_present = "query_file",
        conflicts_with = "query_file"
    )]
    pub query: Option<String>,

    /// Read the query from this file (- for standard input).
    #[arg(long, value_name = "FILE")]
    pub query_file: Option<std::path::PathBuf>,

    #[command(flatten)]
    pub api: ApiArgs,

    #[command(flatten)]
    pub window: WindowArgs,

    /// Output: text (an aligned table on a terminal, tab-separated values in a pipe) or json
    /// (JSON Lines, one object per row).
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub select: SelectArgs,

    #[command(flatten)]
    pub aws: AwsArgs,
}

#[derive(Debug, Args)]
pub struct ApisArgs {
    /// Output format.
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    #[command(flatten)]
    pub aws: AwsArgs,
}

/// Output format and colour; shared by the commands that print events.
#[derive(Debug, Args, Clone)]
pub struct OutputArgs {
    /// Output format: text lines, or JSON Lines (one object per event).
    #[arg(short = 'o', long, value_enum, value_name = "FORMAT", default_value_t = OutputFormat::Text)]
    pub output: OutputFormat,

    /// When to use colours: auto = only on a terminal, and not when NO_COLOR is set.
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    /// Same as --color never.
    #[arg(long, overrides_with = "color")]
    pub no_color: bool,

    /// Do not print the log group name.
    #[arg(short = 'G', long)]
    pub no_group: bool,

    /// Do not print the log stream name.
    #[arg(short = 'S', long)]
    pub no_stream: bool,

    /// Print the event timestamp (ISO 8601, UTC, milliseconds).
    #[arg(long)]
    pub timestamp: bool,

    /// Print the ingestion time (ISO 8601, UTC, milliseconds).
    #[arg(long)]
    pub ingestion_time: bool,

    /// Only print events whose message matches this regex (client-side, after
    /// --filter-pattern).
    #[arg(long, value_name = "REGEX")]
    pub grep: Option<String>,

    /// Highlight matches of this regex (repeatable); request ids are highlighted anyway.
    #[arg(long, value_name = "REGEX")]
    pub highlight: Vec<String>,

    /// Print times in the local time zone (with its offset) instead of UTC.
    #[arg(long, overrides_with = "utc")]
    pub local: bool,

    /// Print times in UTC (the default).
    #[arg(long, overrides_with = "local")]
    pub utc: bool,

    /// strftime format for --timestamp / --ingestion-time and the trace summary, e.g.
    /// '%H:%M:%S%.3f' [default: ISO 8601 with milliseconds and offset].
    #[arg(long, value_name = "FORMAT")]
    pub timestamp_format: Option<String>,
}

impl Default for OutputArgs {
    fn default() -> OutputArgs {
        OutputArgs {
            output: OutputFormat::Text,
            color: ColorWhen::Auto,
            no_color: false,
            no_group: false,
            no_stream: false,
            timestamp: false,
            ingestion_time: false,
            grep: None,
            highlight: Vec::new(),
            local: false,
            utc: false,
            timestamp_format: None,
        }
    }
}

/// How to reach AWS; shared by every command.
#[derive(Debug, Args, Clone)]
pub struct AwsArgs {
    /// AWS profile from ~/.aws/config [env: AWS_PROFILE]; an explicit profile wins over
    /// credentials in the environment, as in the AWS CLI.
    #[arg(long, value_name = "NAME")]
    pub profile: Option<String>,

    /// AWS region [env: AWS_REGION, AWS_DEFAULT_REGION, or the profile's region].
    #[arg(long = "aws-region", visible_alias = "region", value_name = "REGION")]
    pub region: Option<String>,

    /// Send every AWS call to this endpoint (an emulator, a proxy) [env: AWS_ENDPOINT_URL].
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,

    /// Timeout for one AWS call attempt, in seconds, 0.1 to 3600 (retries come on top).
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 20.0,
        hide_short_help = true
    )]
    pub call_timeout: f64,

    /// How long one FilterLogEvents call may keep being throttled before its log group
    /// fails, in seconds, 0 to 86400.
    #[arg(
        long,
        value_name = "SECS",
        default_value_t = 120.0,
        hide_short_help = true
    )]
    pub throttle_budget: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum OutputFormat {
    Text,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

/// The `source` of a log group, as the user names it in `--only`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, ValueEnum)]
pub enum SourceArg {
    Execution,
    Access,
    Lambda,
    Authorizer,
    Extra,
}

fn parse_duration(s: &str) -> Result<std::time::Duration, String> {
    humantime::parse_duration(s.trim()).map_err(|e| format!("{e} (examples: 1s, 500ms, 2m)"))
}

/// Appended to `get --help`: the TIME forms.
pub const TIME_HELP: &str = "TIME: now, today, yesterday; a span before now (2h, '2h ago', 90m, 1d2h, \
30s, '2 hours ago', '1 week'); RFC 3339 (2026-11-29T10:00:00Z, …+01:00); 2026-11-29, \
'2026-11-29 10:00[:00]', 2026-11-29T10:00[:00] (UTC); epoch seconds (10 digits) or \
milliseconds (13 digits).";

/// The clap command with the TIME help attached to `get`.
pub fn command() -> clap::Command {
    use clap::CommandFactory;
    Cli::command()
        .mut_subcommand("get", |c| {
            c.after_help(TIME_HELP)
                .mut_arg("start", |a| {
                    a.help("Start of the window (see TIME below)")
                        .default_value("5m ago")
                })
                .mut_arg("end", |a| a.help("End of the window (see TIME below)"))
        })
        .mut_subcommand("trace", |c| {
            c.after_help(TIME_HELP).mut_arg("output", |a| {
                a.help("Output format: text (a summary, then the lines), or JSON (one object: the summary fields and its events)")
            })
            .mut_arg("start", |a| {
                a.help("Start of the window to search (see TIME in `apitrace get --help`)")
                    .default_value("24h ago")
            })
            .mut_arg("end", |a| a.help("End of the window to search"))
            .mut_arg("since_deploy", |a| {
                a.help("Search from the stage's current deployment (less a minute), instead of --start")
            })
        })
        .mut_subcommand("errors", |c| c.after_help(TIME_HELP))
        .mut_subcommand("summary", |c| c.after_help(TIME_HELP))
        .mut_subcommand("compare", |c| c.after_help(TIME_HELP))
}

/// Parse `args` (the program name first) with `defaults` (the config file's settings, if
/// any) as the flags' defaults. Nothing is read, printed or exited here: `config::command_line`
/// decides what a `clap::Error` (help, version, a usage error) comes to.
pub fn parse_from(
    args: &[std::ffi::OsString],
    defaults: Option<&[(&'static str, String)]>,
) -> Result<Cli, clap::Error> {
    use clap::FromArgMatches;
    let mut cmd = command();
    if let Some(settings) = defaults {
        cmd = userconfig::apply(cmd, settings);
    }
    let matches = cmd.try_get_matches_from(args)?;
    Cli::from_arg_matches(&matches)
}

/// The bounds of `--max-tps` (also checked for the config file's `max-tps`).
pub const MAX_TPS: (f64, f64) = (0.1, 10_000.0);

/// A `--max-tps` within [`MAX_TPS`].
pub fn check_tps(tps: Option<f64>) -> Result<()> {
    let (min, max) = MAX_TPS;
    match tps {
        Some(t) if !(t.is_finite() && (min..=max).contains(&t)) => Err(Hinted::usage(
            format!("--max-tps must be a number of calls per second from {min} to {max}, not {t}"),
            "for example --max-tps 5",
        )
        .into()),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_or_log_groups_are_required() {
        let parse = |args: &[&str]| {
            command()
                .try_get_matches_from(args)
                .map(|_| ())
                .map_err(|e| e.kind())
        };
        use clap::error::ErrorKind::MissingRequiredArgument as Missing;
        assert_eq!(parse(&["apitrace", "get"]), Err(Missing));
        assert_eq!(parse(&["apitrace", "get", "--api-id", "a"]), Err(Missing));
        assert_eq!(parse(&["apitrace", "get", "--stage", "a"]), Err(Missing));
        assert_eq!(parse(&["apitrace", "get", "--log-group", "g"]), Ok(()));
        assert_eq!(
            parse(&["apitrace", "get", "--api-id", "a", "--stage", "p"]),
            Ok(())
        );
    }

    #[test]
    fn sizes() {
        assert_eq!(parse_size("0"), Ok(0));
        assert_eq!(parse_size("1GB"), Ok(1_000_000_000));
        assert_eq!(parse_size("500 MB"), Ok(500_000_000));
        assert_eq!(parse_size("1.5gb"), Ok(1_500_000_000));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("123"), Ok(123));
        assert!(parse_size("lots").unwrap_err().contains("is not a size"));
        assert!(
            parse_size("3 parsecs")
                .unwrap_err()
                .contains("unknown size unit")
        );
        assert!(parse_size("1e30").is_err());
    }

    #[test]
    fn verify_cli() {
        command().debug_assert();
    }

    #[test]
    fn apilogs_style_command_line_parses() {
        use clap::FromArgMatches;
        let m = command()
            .try_get_matches_from([
                "apitrace",
                "get",
                "--api-id",
                "abc",
                "--stage",
                "prod",
                "-s",
                "2h ago",
                "-f",
                "ERROR",
                "-G",
                "-S",
                "--timestamp",
                "--region",
                "eu-west-1",
                "--only",
                "execution,lambda",
                "--function",
                "a",
                "--function",
                "b",
            ])
            .unwrap();
        let Command::Get(g) = Cli::from_arg_matches(&m).unwrap().command else {
            panic!("not get")
        };
        assert_eq!(g.api.target(), Some(("abc".into(), "prod".into())));
        assert_eq!(g.window.start, "2h ago");
        assert_eq!(g.window.end, "now");
        assert!(g.out.no_group && g.out.no_stream && g.out.timestamp && !g.out.ingestion_time);
        assert_eq!(g.aws.region.as_deref(), Some("eu-west-1"));
        assert_eq!(g.select.only, vec![SourceArg::Execution, SourceArg::Lambda]);
        assert_eq!(g.select.functions, vec!["a", "b"]);
    }
}
