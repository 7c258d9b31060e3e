//! `Cli` + `Env` + now → resolved configuration. Every rule that spans several flags lives
//! here; later stages never look at `Cli` or at the process environment.
//!
//! Layer `config`: may import `cli`, `ui`, `core`.

use std::collections::HashSet;
use std::time::Duration;

use anyhow::Result;

use crate::cli::{self, ColorWhen, OutputFormat, check_tps};
use crate::core::model::Source;
use crate::core::time;
use crate::ui::error::Hinted;

/// What `Config::new` reads from the process; tests build it by hand.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub stdout_is_tty: bool,
    pub stderr_is_tty: bool,
    /// `CI` is set (no progress display).
    pub ci: bool,
    /// `RUST_LOG` is set and not empty (debug output, as `--debug`).
    pub rust_log: bool,
    pub no_color: Option<String>,
    pub term: Option<String>,
    pub now_ms: i64,
}

impl Env {
    pub fn from_process() -> Env {
        use std::io::IsTerminal;
        crate::ui::term::enable_ansi_on_console();
        Env {
            stdout_is_tty: std::io::stdout().is_terminal(),
            stderr_is_tty: std::io::stderr().is_terminal(),
            ci: std::env::var_os("CI").is_some_and(|v| !v.is_empty()),
            rust_log: std::env::var_os("RUST_LOG").is_some_and(|v| !v.is_empty()),
            no_color: std::env::var("NO_COLOR").ok(),
            term: std::env::var("TERM").ok(),
            now_ms: chrono::Utc::now().timestamp_millis(),
        }
    }
}

/// The time window, in epoch milliseconds, both ends inclusive (as FilterLogEvents).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Window {
    pub start_ms: i64,
    pub end_ms: i64,
}

/// Which resolved groups to read, and which to add.
#[derive(Debug, Clone, Default)]
pub struct Selection {
    /// `None` = every source.
    pub only: Option<HashSet<Source>>,
    /// Empty = every function.
    pub functions: Vec<String>,
    /// Extra log groups (`--log-group`), read as source `extra`.
    pub extra_groups: Vec<String>,
    /// `--route` (#21): only the functions behind it.
    pub route: Option<String>,
    /// The path of a `--url` (#21), for `trace`: the functions behind the routes it matches.
    pub route_path: Option<String>,
    /// `--stack` (#21): the stack's resources, once listed (`app::connect`).
    pub stack: Vec<crate::core::model::StackResource>,
}

impl Selection {
    pub fn new(args: &cli::SelectArgs) -> Selection {
        Selection {
            only: (!args.only.is_empty())
                .then(|| args.only.iter().map(|&s| Source::from(s)).collect()),
            functions: args.functions.clone(),
            extra_groups: args.log_groups.clone(),
            route: args.route.clone(),
            route_path: None,
            stack: Vec::new(),
        }
    }

    /// Whether a resolved group of this source and function is read.
    pub fn wants(&self, source: Source, function: Option<&str>) -> bool {
        if let Some(only) = &self.only
            && !only.contains(&source)
        {
            return false;
        }
        if self.functions.is_empty() {
            return true;
        }
        match (source, function) {
            (Source::Lambda | Source::Authorizer, Some(f)) => {
                self.functions.iter().any(|want| want == f)
            }
            (Source::Lambda | Source::Authorizer, None) => false,
            // --function narrows the Lambda groups; the API's own groups stay unless --only.
            _ => true,
        }
    }
}

/// How events are printed.
#[derive(Debug, Clone)]
pub struct OutputConfig {
    pub format: OutputFormat,
    /// Colour on (never with JSON).
    pub color: bool,
    /// Writing to a terminal: flush per line and neutralise escape sequences in messages.
    pub terminal: bool,
    pub show_group: bool,
    pub show_stream: bool,
    pub show_timestamp: bool,
    pub show_ingestion_time: bool,
    /// `--grep`: only events whose message matches.
    pub grep: Option<regex::Regex>,
    /// `--highlight` terms and request ids, highlighted when colour is on.
    pub highlight: Option<regex::Regex>,
    pub time: crate::core::time::TimeStyle,
}

/// API request ids, Lambda request ids and X-Ray ids: highlighted in coloured output.
const ID_PATTERN: &str = r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b|\b1-[0-9a-f]{8}-[0-9a-f]{24}\b";

fn regex_arg(flag: &str, re: &str) -> Result<regex::Regex> {
    regex::Regex::new(re).map_err(|e| {
        Hinted::usage(
            format!("invalid {flag} regex '{re}': {}", crate::ui::error::one_line(&e.to_string())),
            "the syntax is Rust's regex crate (like RE2); escape metacharacters with \\, or use a plain word",
        )
        .into()
    })
}

impl OutputConfig {
    pub fn new(args: &cli::OutputArgs, env: &Env) -> Result<OutputConfig> {
        let when = if args.no_color {
            ColorWhen::Never
        } else {
            args.color
        };
        let grep = args
            .grep
            .as_deref()
            .map(|g| regex_arg("--grep", g))
            .transpose()?;
        let mut terms: Vec<String> = Vec::new();
        for h in &args.highlight {
            regex_arg("--highlight", h)?;
            terms.push(format!("(?:{h})"));
        }
        terms.push(format!("(?:{ID_PATTERN})"));
        let highlight = Some(regex_arg("--highlight", &terms.join("|"))?);
        let time = crate::core::time::TimeStyle::new(
            args.local && !args.utc,
            args.timestamp_format.as_deref(),
        )
        .map_err(|e| {
            Hinted::usage(
                e,
                "see `man strftime`; for example --timestamp-format '%H:%M:%S%.3f'",
            )
        })?;
        Ok(OutputConfig {
            format: args.output,
            color: args.output == OutputFormat::Text && color_enabled(when, env),
            terminal: env.stdout_is_tty,
            show_group: !args.no_group,
            show_stream: !args.no_stream,
            show_timestamp: args.timestamp,
            show_ingestion_time: args.ingestion_time,
            grep,
            highlight,
            time,
        })
    }
}

/// `auto` = stdout is a terminal, NO_COLOR unset or empty, TERM not `dumb`.
pub fn color_enabled(when: ColorWhen, env: &Env) -> bool {
    match when {
        ColorWhen::Always => true,
        ColorWhen::Never => false,
        ColorWhen::Auto => {
            env.stdout_is_tty
                && env.no_color.as_deref().is_none_or(str::is_empty)
                && env.term.as_deref() != Some("dumb")
        }
    }
}

/// What `aws` needs to connect, from the AWS flags: plain values, so `aws` does not depend
/// on the command line's types. `call_timeout` is checked where it is used
/// (`Aws::connect`), after the profile and region, as before.
#[derive(Debug, Clone, Default)]
pub struct AwsSettings {
    pub profile: Option<String>,
    pub region: Option<String>,
    pub endpoint_url: Option<String>,
    /// `--call-timeout`, seconds.
    pub call_timeout: f64,
}

impl From<&cli::AwsArgs> for AwsSettings {
    fn from(a: &cli::AwsArgs) -> AwsSettings {
        AwsSettings {
            profile: a.profile.clone(),
            region: a.region.clone(),
            endpoint_url: a.endpoint_url.clone(),
            call_timeout: a.call_timeout,
        }
    }
}

/// `--only` values as sources (the command line's names are `cli`'s; the model's are its own).
impl From<cli::SourceArg> for Source {
    fn from(s: cli::SourceArg) -> Source {
        use cli::SourceArg as A;
        match s {
            A::Execution => Source::Execution,
            A::Access => Source::Access,
            A::Lambda => Source::Lambda,
            A::Authorizer => Source::Authorizer,
            A::Extra => Source::Extra,
        }
    }
}

/// What the user named instead of `--api-id ID --stage STAGE`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookup {
    pub api: Option<String>,
    pub url: Option<String>,
    pub stage: Option<String>,
    /// `--stack NAME` (see `resolve/stack.rs`); `api` then picks one of its APIs.
    pub stack: Option<String>,
}

/// What is to be looked up (`--api`, `--url`, `--stack`) before the API can be resolved.
pub fn lookup(api: &cli::ApiArgs) -> Option<Lookup> {
    (api.api.is_some() || api.url.is_some() || api.stack.is_some()).then(|| Lookup {
        api: api.api.clone(),
        url: api.url.clone(),
        stage: api.stage.clone(),
        stack: api.stack.clone(),
    })
}

/// `get --watch` / `--live`: how to follow (`follow::watch`).
#[derive(Debug, Clone, Copy)]
pub struct WatchSpec {
    pub interval: Duration,
    pub lag_ms: i64,
    /// `--live`: follow through CloudWatch Live Tail sessions (`follow::live`), polling only
    /// the groups it cannot cover.
    pub live: bool,
}

/// A command that reads logs (`get`, `trace`, `errors`, `summary`), resolved.
#[derive(Debug, Clone)]
pub struct GetConfig {
    /// `(api id, stage)`, or `None` when only `--log-group` groups are read.
    pub target: Option<(String, String)>,
    /// `--api`/`--url`, settled into `target` once connected (`app::connect`).
    pub lookup: Option<Lookup>,
    /// `get --stream-prefix` (#21).
    pub stream_prefixes: Vec<String>,
    /// Print console links in `trace`'s text summary (not `--no-links`).
    pub links: bool,
    pub window: Window,
    /// `--since-deploy`: `window.start_ms` is replaced by the deployment time once the
    /// stage has been read (it needs AWS).
    pub since_deploy: bool,
    pub filter_pattern: Option<String>,
    pub select: Selection,
    pub output: OutputConfig,
    pub concurrency: usize,
    /// FilterLogEvents calls per second; `None` = the region's default (known after the
    /// region is resolved, see `fetch::default_tps`).
    pub max_tps: Option<f64>,
    /// `get --request-id` / `trace`: only the lines linked to this request.
    pub request_id: Option<String>,
    pub throttle_budget: Duration,
    /// `--watch`: follow after the window.
    pub watch: Option<WatchSpec>,
    /// `--engine` as asked; `fetch::choose` settles `auto` once the groups are known.
    pub engine: cli::EngineArg,
    /// `--max-scan`: the most `auto` lets Insights scan, in bytes.
    pub max_scan: u64,
}

/// What every log-reading command has: where, when, which groups, how fast.
struct Common<'a> {
    api: &'a cli::ApiArgs,
    start: &'a str,
    end: &'a str,
    since_deploy: bool,
    select: &'a cli::SelectArgs,
    rate: &'a cli::RateArgs,
    aws: &'a cli::AwsArgs,
}

/// The [`Common`] part of any log-reading command's arguments (they share field names).
macro_rules! common {
    ($args:expr) => {
        Common {
            api: &$args.api,
            start: &$args.start,
            end: &$args.end,
            since_deploy: $args.since_deploy,
            select: &$args.select,
            rate: &$args.rate,
            aws: &$args.aws,
        }
    };
}

/// An empty `--api-id`, `--stage`, `--log-group` or `--function` is a usage error (the
/// shell turns an unquoted `$default` into an empty stage).
pub fn check_names(api: &cli::ApiArgs, select: &cli::SelectArgs) -> Result<()> {
    let blank = |v: &str| v.trim().is_empty();
    if api.api_id.as_deref().is_some_and(blank) {
        return Err(Hinted::usage(
            "--api-id is empty",
            "give the API's id, e.g. --api-id abc123 (`apitrace apis` lists them)",
        )
        .into());
    }
    for (flag, v) in [("--api", &api.api), ("--url", &api.url)] {
        if v.as_deref().is_some_and(blank) {
            return Err(Hinted::usage(
                format!("{flag} is empty"),
                "name the API: --api NAME_OR_ID, --url URL or --api-id ID",
            )
            .into());
        }
    }
    if api.stage.as_deref().is_some_and(blank) {
        return Err(Hinted::usage(
            "--stage is empty",
            "an HTTP API's default stage is named $default: quote it so that the shell keeps it, --stage '$default'",
        )
        .into());
    }
    for (flag, values) in [
        ("--log-group", &select.log_groups),
        ("--function", &select.functions),
    ] {
        if values.iter().any(|v| blank(v)) {
            return Err(Hinted::usage(
                format!("{flag} is empty"),
                format!("give {flag} a name, or leave it out"),
            )
            .into());
        }
    }
    Ok(())
}

impl Common<'_> {
    fn config(self, output: OutputConfig, env: &Env) -> Result<GetConfig> {
        check_names(self.api, self.select)?;
        check_tps(self.rate.max_tps)?;
        if self.since_deploy && self.api.target().is_none() && lookup(self.api).is_none() {
            return Err(Hinted::usage(
                "--since-deploy needs --api-id and --stage",
                "name the API and stage whose deployment starts the window",
            )
            .into());
        }
        // With --since-deploy the start is read from AWS later; check the end now.
        let start = if self.since_deploy {
            self.end
        } else {
            self.start
        };
        Ok(GetConfig {
            target: self.api.target(),
            lookup: lookup(self.api),
            stream_prefixes: Vec::new(),
            links: true,
            window: parse_window(start, self.end, env.now_ms)?,
            since_deploy: self.since_deploy,
            filter_pattern: None,
            select: Selection::new(self.select),
            output,
            concurrency: self.rate.concurrency as usize,
            max_tps: self.rate.max_tps,
            request_id: None,
            throttle_budget: budget(self.aws.throttle_budget)?,
            watch: None,
            engine: self.rate.engine,
            max_scan: self.rate.max_scan,
        })
    }
}

impl GetConfig {
    pub fn new(args: &cli::GetArgs, env: &Env) -> Result<GetConfig> {
        let follow = args.watch || args.live;
        let flag = if args.live { "--live" } else { "--watch" };
        if follow && args.rate.engine == cli::EngineArg::Insights {
            return Err(Hinted::usage(
                format!(
                    "{flag} follows with FilterLogEvents; it cannot follow with --engine insights"
                ),
                format!("leave out --engine (or use --engine filter) with {flag}"),
            )
            .into());
        }
        if follow && args.end != "now" {
            return Err(Hinted::usage(
                format!("{flag} follows from now on, so it takes no --end"),
                format!("leave out --end, or leave out {flag} for a fixed window"),
            )
            .into());
        }
        let output = OutputConfig::new(&args.out, env)?;
        let filter_pattern = args.filter_pattern.clone().filter(|p| !p.is_empty());
        if let Some(p) = &filter_pattern
            && p.chars().count() > 1024
        {
            return Err(Hinted::usage(
                "the filter pattern is longer than CloudWatch's limit of 1024 characters",
                "shorten --filter-pattern",
            )
            .into());
        }
        if follow {
            check_duration(
                "--watch-interval",
                args.watch_interval,
                WATCH_INTERVAL,
                "1s",
            )?;
            check_duration("--watch-lag", args.watch_lag, WATCH_LAG, "2s")?;
        }
        let mut cfg = common!(args).config(output, env)?;
        cfg.filter_pattern = filter_pattern;
        cfg.request_id = args.request_id.clone();
        if args.stream_prefixes.iter().any(|p| p.is_empty()) {
            return Err(Hinted::usage(
                "--stream-prefix is empty",
                "give the start of the stream names, e.g. --stream-prefix '2026/12/06/[3]'",
            )
            .into());
        }
        cfg.stream_prefixes = args.stream_prefixes.clone();
        cfg.watch = follow.then_some(WatchSpec {
            live: args.live,
            interval: args.watch_interval,
            lag_ms: args.watch_lag.as_millis() as i64,
        });
        Ok(cfg)
    }

    /// `apitrace trace`, as a `get` of the linked lines.
    pub fn for_trace(args: &cli::TraceArgs, env: &Env) -> Result<GetConfig> {
        let mut cfg = common!(args).config(OutputConfig::new(&args.out, env)?, env)?;
        cfg.request_id = Some(args.request_id.clone());
        cfg.links = !args.no_links;
        Ok(cfg)
    }

    /// `apitrace errors`.
    pub fn for_errors(args: &cli::ErrorsArgs, env: &Env) -> Result<GetConfig> {
        let out = cli::OutputArgs {
            output: if args.output == cli::ErrorsFormat::Json {
                OutputFormat::Json
            } else {
                OutputFormat::Text
            },
            color: if args.output == cli::ErrorsFormat::Github {
                ColorWhen::Never
            } else {
                args.color
            },
            no_color: args.no_color,
            ..cli::OutputArgs::default()
        };
        let mut cfg = common!(args).config(OutputConfig::new(&out, env)?, env)?;
        cfg.links = !args.no_links;
        Ok(cfg)
    }

    /// `apitrace query` (#21): the window and groups; the query runs on Logs Insights.
    pub fn for_query(args: &cli::QueryArgs, env: &Env) -> Result<GetConfig> {
        let rate = cli::RateArgs {
            concurrency: 1,
            max_tps: None,
            engine: cli::EngineArg::Insights,
            max_scan: 0,
        };
        let out = cli::OutputArgs {
            output: args.output,
            color: ColorWhen::Never,
            no_color: true,
            ..cli::OutputArgs::default()
        };
        Common {
            api: &args.api,
            start: &args.start,
            end: &args.end,
            since_deploy: args.since_deploy,
            select: &args.select,
            rate: &rate,
            aws: &args.aws,
        }
        .config(OutputConfig::new(&out, env)?, env)
    }

    /// `apitrace summary`.
    pub fn for_summary(args: &cli::SummaryArgs, env: &Env) -> Result<GetConfig> {
        let out = cli::OutputArgs {
            output: args.output,
            color: ColorWhen::Never,
            no_color: true,
            ..cli::OutputArgs::default()
        };
        common!(args).config(OutputConfig::new(&out, env)?, env)
    }
}

/// The bounds of the number flags (a value outside is a usage error, never a panic, an
/// overflow or a run that waits for years).
pub const CALL_TIMEOUT_SECS: (f64, f64) = (0.1, 3600.0);
pub const THROTTLE_BUDGET_SECS: (f64, f64) = (0.0, 86_400.0);
const WATCH_INTERVAL: (Duration, Duration) =
    (Duration::from_millis(100), Duration::from_secs(3600));
const WATCH_LAG: (Duration, Duration) = (Duration::ZERO, Duration::from_secs(600));

/// `secs` for `flag` as a duration, if within `(min, max)` seconds.
pub fn seconds(flag: &str, secs: f64, (min, max): (f64, f64), example: &str) -> Result<Duration> {
    if secs.is_finite() && (min..=max).contains(&secs) {
        Ok(Duration::from_secs_f64(secs))
    } else {
        Err(Hinted::usage(
            format!("{flag} must be a number of seconds from {min} to {max}, not {secs}"),
            format!("for example {flag} {example}"),
        )
        .into())
    }
}

fn budget(secs: f64) -> Result<Duration> {
    seconds("--throttle-budget", secs, THROTTLE_BUDGET_SECS, "60")
}

/// A `--watch-interval` or `--watch-lag` within its bounds.
fn check_duration(
    flag: &str,
    d: Duration,
    (min, max): (Duration, Duration),
    example: &str,
) -> Result<()> {
    if (min..=max).contains(&d) {
        Ok(())
    } else {
        Err(Hinted::usage(
            format!(
                "{flag} must be from {} to {}, not {}",
                humantime::format_duration(min),
                humantime::format_duration(max),
                humantime::format_duration(d)
            ),
            format!("for example {flag} {example}"),
        )
        .into())
    }
}

/// Parse `--start`/`--end`; an unparseable TIME or start after end is a usage error.
pub fn parse_window(start: &str, end: &str, now_ms: i64) -> Result<Window> {
    let parse = |flag: &str, s: &str| {
        time::parse_time(s, now_ms).map_err(|e| {
            // Split "detail; accepted forms: …" into the message and the hint.
            let (detail, forms) = match e.find(time::ACCEPTED_FORMS) {
                Some(i) => (e[..i].trim_end_matches([' ', ';']), time::ACCEPTED_FORMS),
                None => (e.as_str(), ""),
            };
            let message = if detail.starts_with("cannot parse") || detail.is_empty() {
                format!("invalid {flag} '{s}'")
            } else {
                format!("invalid {flag} '{s}': {detail}")
            };
            Hinted::usage(message, forms)
        })
    };
    let start_ms = parse("--start", start)?;
    let end_ms = parse("--end", end)?;
    if start_ms > end_ms {
        return Err(Hinted::usage(
            format!(
                "--start ({}) is after --end ({})",
                time::format_ms(start_ms),
                time::format_ms(end_ms)
            ),
            "swap them, or give --start an earlier time such as '2h ago'",
        )
        .into());
    }
    Ok(Window { start_ms, end_ms })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(tty: bool, no_color: Option<&str>, term: Option<&str>) -> Env {
        Env {
            stdout_is_tty: tty,
            stderr_is_tty: tty,
            ci: false,
            rust_log: false,
            no_color: no_color.map(String::from),
            term: term.map(String::from),
            now_ms: 1_795_955_696_789,
        }
    }

    #[test]
    fn colour_decision_table() {
        use ColorWhen::*;
        let cases = [
            (Auto, env(true, None, Some("xterm")), true),
            (Auto, env(true, Some(""), None), true),
            (Auto, env(true, Some("1"), None), false),
            (Auto, env(true, None, Some("dumb")), false),
            (Auto, env(false, None, None), false),
            (Always, env(false, Some("1"), Some("dumb")), true),
            (Never, env(true, None, None), false),
        ];
        for (when, e, want) in cases {
            assert_eq!(color_enabled(when, &e), want, "{when:?} {e:?}");
        }
    }

    #[test]
    fn json_is_never_coloured() {
        let args = cli::OutputArgs {
            output: OutputFormat::Json,
            color: ColorWhen::Always,
            ..cli::OutputArgs::default()
        };
        assert!(
            !OutputConfig::new(&args, &env(true, None, None))
                .unwrap()
                .color
        );
        let args = cli::OutputArgs {
            output: OutputFormat::Text,
            color: ColorWhen::Always,
            no_color: true,
            ..cli::OutputArgs::default()
        };
        assert!(
            !OutputConfig::new(&args, &env(true, None, None))
                .unwrap()
                .color
        );
        let bad = cli::OutputArgs {
            grep: Some("(".into()),
            ..cli::OutputArgs::default()
        };
        let e = OutputConfig::new(&bad, &env(false, None, None)).unwrap_err();
        assert_eq!(
            e.downcast_ref::<Hinted>().unwrap().code,
            crate::ui::error::EXIT_USAGE
        );
    }

    #[test]
    fn window_rules() {
        let now = 1_795_955_696_789;
        let w = parse_window("5m ago", "now", now).unwrap();
        assert_eq!(w.end_ms - w.start_ms, 300_000);
        let e = parse_window("now", "1h ago", now).unwrap_err();
        let h = e.downcast_ref::<Hinted>().unwrap();
        assert_eq!(h.code, crate::ui::error::EXIT_USAGE);
        assert!(h.message.contains("is after --end"), "{}", h.message);
        let e = parse_window("lunchtime", "now", now).unwrap_err();
        let h = e.downcast_ref::<Hinted>().unwrap();
        assert_eq!(h.message, "invalid --start 'lunchtime'");
        assert!(h.hint.as_deref().unwrap().starts_with("accepted forms"));
    }

    #[test]
    fn number_flags_are_bounded() {
        let code = |r: Result<Duration>| r.unwrap_err().downcast_ref::<Hinted>().unwrap().code;
        for bad in [1e30, f64::INFINITY, f64::NAN, -1.0, 0.0, 3601.0] {
            assert_eq!(
                code(seconds("--call-timeout", bad, CALL_TIMEOUT_SECS, "20")),
                crate::ui::error::EXIT_USAGE,
                "{bad}"
            );
        }
        assert_eq!(
            seconds("--call-timeout", 0.1, CALL_TIMEOUT_SECS, "20").unwrap(),
            Duration::from_millis(100)
        );
        assert!(budget(0.0).is_ok() && budget(86_400.0).is_ok() && budget(1e30).is_err());
        assert!(check_tps(Some(1e-9)).is_err() && check_tps(Some(1e30)).is_err());
        assert!(check_tps(Some(0.1)).is_ok() && check_tps(None).is_ok());
        let d = |s: u64| Duration::from_secs(s);
        assert!(check_duration("--watch-lag", d(601), WATCH_LAG, "2s").is_err());
        assert!(check_duration("--watch-interval", d(1), WATCH_INTERVAL, "1s").is_ok());
        assert!(
            check_duration(
                "--watch-interval",
                Duration::from_millis(10),
                WATCH_INTERVAL,
                "1s"
            )
            .is_err()
        );
    }

    #[test]
    fn selection_rules() {
        let s = Selection {
            only: None,
            functions: vec!["a".into()],
            extra_groups: vec![],
            ..Selection::default()
        };
        assert!(s.wants(Source::Execution, None));
        assert!(s.wants(Source::Lambda, Some("a")));
        assert!(!s.wants(Source::Lambda, Some("b")));
        assert!(!s.wants(Source::Authorizer, Some("b")));
        let s = Selection {
            only: Some([Source::Lambda].into_iter().collect()),
            ..Selection::default()
        };
        assert!(!s.wants(Source::Execution, None));
        assert!(s.wants(Source::Lambda, Some("x")));
        assert!(!s.wants(Source::Authorizer, Some("x")));
    }
}
