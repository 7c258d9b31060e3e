//! Building AWS clients: region, credentials, endpoint, HTTP client, retries, timeouts.
//!
//! Choices (measured in ../shared/rust-sdk.md):
//! - one rustls + ring HTTP client built by hand (no aws-lc), proxy-aware through
//!   `ProxyConfig::from_env()`, shared by every client and the credential providers;
//! - the region comes from `--aws-region`, then `AWS_REGION`/`AWS_DEFAULT_REGION`, then the
//!   profile; when none is set we fail at once instead of letting aws-config wait on IMDS;
//! - an explicit `--profile` beats credentials in the environment (botocore semantics);
//! - every call has an attempt timeout (the SDK default has none, a silent server would hang
//!   us forever); control-plane clients use the SDK's standard retries, while the CloudWatch
//!   Logs client does **not** retry: `fetch/` retries FilterLogEvents itself so that
//!   throttling can slow the shared rate limiter (adaptive) and be counted.
//!
//! `Aws` holds the base configuration, one ready client each for API Gateway (v1 and v2)
//! and STS (all in the API's region), and the Lambda and CloudWatch Logs clients per
//! region, made on first use from the base configuration. Unit tests build an `Aws` from
//! ready clients instead ([`Aws::from_clients`], test builds only: mocked clients with
//! `aws-smithy-mocks` interceptors), so `resolve` runs its real code against them; a
//! region they do not supply gets a client whose every call fails with HTTP 418.
//!
//! Layer `aws`: clients and what every call shares — `bodycap` (response size cap),
//! `debug` (`--debug`), `paging` (the page-token guard), `ratelimit` (the shared token
//! bucket), `retry` (backoff). `ratelimit` and `retry` are here rather than in `fetch/`
//! (issue #19's sketch) because `resolve` and `follow` use them too, and `resolve` is below
//! `fetch`.
//! May import: `config`, `ui`, `core` (not `cli`: `Aws::connect` takes `config::AwsSettings`).

pub mod bodycap;
pub mod debug;
pub mod paging;
pub mod ratelimit;
pub mod retry;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Result, bail};
use aws_config::meta::region::RegionProviderChain;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_smithy_http_client::{Builder, Connector, proxy::ProxyConfig, tls};
use aws_smithy_types::retry::RetryConfig;
use aws_smithy_types::timeout::TimeoutConfig;

use crate::config::AwsSettings;

/// A service's config builder from the shared config, with the cap on response bodies
/// (`bodycap.rs`) and the `--debug` interceptor when debugging.
macro_rules! debugged {
    ($service:ident, $sdk:expr) => {{
        let mut b = $service::config::Builder::from($sdk).interceptor(crate::aws::bodycap::BodyCap);
        if crate::aws::debug::enabled() {
            b = b.interceptor(crate::aws::debug::DebugLog);
        }
        b
    }};
}

/// Everything needed to talk to AWS: one client per service and region (the Lambda and
/// CloudWatch Logs ones made lazily, per region). Cloning is cheap (clients are shared).
#[derive(Clone)]
pub struct Aws {
    /// The region of the API (from flags, environment or profile).
    pub region: String,
    /// The configuration the per-region clients are made from.
    base: SdkConfig,
    apigateway: aws_sdk_apigateway::Client,
    apigatewayv2: aws_sdk_apigatewayv2::Client,
    sts: aws_sdk_sts::Client,
    logs: Arc<Mutex<HashMap<String, aws_sdk_cloudwatchlogs::Client>>>,
    lambda: Arc<Mutex<HashMap<String, aws_sdk_lambda::Client>>>,
}

/// Ready clients for [`Aws::from_clients`] (tests only). `logs` and `lambda` are per
/// region; the other clients serve the API's region.
#[cfg(test)]
pub struct Clients {
    pub apigateway: aws_sdk_apigateway::Client,
    pub apigatewayv2: aws_sdk_apigatewayv2::Client,
    pub sts: aws_sdk_sts::Client,
    pub logs: Vec<(String, aws_sdk_cloudwatchlogs::Client)>,
    pub lambda: Vec<(String, aws_sdk_lambda::Client)>,
}

impl Aws {
    /// Resolve region and credentials and build the shared configuration.
    pub async fn connect(args: &AwsSettings) -> Result<Aws> {
        check_profile(args)?;
        let http = http_client();
        let region = resolve_region(args).await?;
        let attempt = crate::config::seconds(
            "--call-timeout",
            args.call_timeout,
            crate::config::CALL_TIMEOUT_SECS,
            "20",
        )?;
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(5))
            .operation_attempt_timeout(attempt)
            .operation_timeout(attempt * 4)
            .build();
        let retry = RetryConfig::standard()
            .with_max_attempts(5)
            .with_initial_backoff(Duration::from_millis(200))
            .with_max_backoff(Duration::from_secs(5));
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(http.clone())
            .region(Region::new(region.clone()))
            .timeout_config(timeouts)
            .retry_config(retry);
        if let Some(url) = &args.endpoint_url {
            loader = loader.endpoint_url(url);
        }
        if let Some(p) = &args.profile {
            loader = loader.profile_name(p);
        }
        let mut base = loader.load().await;
        if let Some(p) = &args.profile {
            // aws-config lets environment keys win over an explicit profile; the AWS CLI
            // (and apilogs) do the opposite, which is what a user typing --profile means.
            let provider = aws_config::profile::ProfileFileCredentialsProvider::builder()
                .configure(
                    &aws_config::provider_config::ProviderConfig::default()
                        .with_http_client(http)
                        .with_region(Some(Region::new(region.clone()))),
                )
                .profile_name(p)
                .build();
            base = base
                .into_builder()
                .credentials_provider(
                    aws_credential_types::provider::SharedCredentialsProvider::new(provider),
                )
                .build();
        }
        check_credentials(&base, args.profile.as_deref()).await?;
        Ok(Aws {
            apigateway: aws_sdk_apigateway::Client::from_conf(
                debugged!(aws_sdk_apigateway, &base).build(),
            ),
            apigatewayv2: aws_sdk_apigatewayv2::Client::from_conf(
                debugged!(aws_sdk_apigatewayv2, &base).build(),
            ),
            sts: aws_sdk_sts::Client::from_conf(debugged!(aws_sdk_sts, &base).build()),
            logs: Default::default(),
            lambda: Default::default(),
            region,
            base,
        })
    }

    /// An `Aws` made of ready (mocked) clients, for unit tests. A Lambda or Logs client
    /// asked for a region not in `clients` is made from a base configuration whose HTTP
    /// client answers every request with HTTP 418, so a stray call fails (and shows in the
    /// results) instead of reaching the network.
    #[cfg(test)]
    pub fn from_clients(region: &str, clients: Clients) -> Aws {
        let base = SdkConfig::builder()
            .behavior_version(BehaviorVersion::latest())
            .region(Region::new(region.to_string()))
            .credentials_provider(
                aws_credential_types::provider::SharedCredentialsProvider::new(
                    aws_credential_types::Credentials::new("test", "test", None, None, "test"),
                ),
            )
            .retry_config(RetryConfig::disabled())
            .http_client(aws_smithy_mocks::create_mock_http_client())
            .build();
        Aws {
            region: region.to_string(),
            base,
            apigateway: clients.apigateway,
            apigatewayv2: clients.apigatewayv2,
            sts: clients.sts,
            logs: Arc::new(Mutex::new(clients.logs.into_iter().collect())),
            lambda: Arc::new(Mutex::new(clients.lambda.into_iter().collect())),
        }
    }

    /// The same credentials and settings, with the API Gateway clients in `region` (an
    /// execute-api URL of another region, #21).
    pub fn in_region(&self, region: &str) -> Aws {
        if region == self.region {
            return self.clone();
        }
        let base = self.config_for(region);
        Aws {
            apigateway: aws_sdk_apigateway::Client::from_conf(
                debugged!(aws_sdk_apigateway, &base).build(),
            ),
            apigatewayv2: aws_sdk_apigatewayv2::Client::from_conf(
                debugged!(aws_sdk_apigatewayv2, &base).build(),
            ),
            sts: self.sts.clone(),
            logs: self.logs.clone(),
            lambda: self.lambda.clone(),
            region: region.to_string(),
            base,
        }
    }

    fn config_for(&self, region: &str) -> SdkConfig {
        if region == self.region {
            self.base.clone()
        } else {
            self.base
                .to_builder()
                .region(Region::new(region.to_string()))
                .build()
        }
    }

    /// The CloudWatch Logs client for `region` (no SDK retries: see the module doc).
    pub fn logs(&self, region: &str) -> aws_sdk_cloudwatchlogs::Client {
        let mut map = self.logs.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(region.to_string())
            .or_insert_with(|| {
                let mut conf = debugged!(aws_sdk_cloudwatchlogs, &self.config_for(region))
                    .retry_config(RetryConfig::disabled());
                if self.base.endpoint_url().is_some() {
                    conf = conf.interceptor(NoHostPrefix);
                }
                let conf = conf.build();
                aws_sdk_cloudwatchlogs::Client::from_conf(conf)
            })
            .clone()
    }

    pub fn lambda(&self, region: &str) -> aws_sdk_lambda::Client {
        let mut map = self.lambda.lock().unwrap_or_else(|e| e.into_inner());
        map.entry(region.to_string())
            .or_insert_with(|| {
                aws_sdk_lambda::Client::from_conf(
                    debugged!(aws_sdk_lambda, &self.config_for(region)).build(),
                )
            })
            .clone()
    }

    pub fn apigateway(&self) -> aws_sdk_apigateway::Client {
        self.apigateway.clone()
    }

    pub fn apigatewayv2(&self) -> aws_sdk_apigatewayv2::Client {
        self.apigatewayv2.clone()
    }

    pub fn sts(&self) -> aws_sdk_sts::Client {
        self.sts.clone()
    }

    /// A CloudFormation client for this region (`--stack`, #21): made on demand, since at
    /// most one stack's listing is read per run.
    pub fn cloudformation(&self) -> aws_sdk_cloudformation::Client {
        aws_sdk_cloudformation::Client::from_conf(
            debugged!(aws_sdk_cloudformation, &self.base).build(),
        )
    }
}

/// With a custom endpoint, the `stream-` host prefix the SDK gives StartLiveTail would name
/// a host that does not exist (`stream-127.0.0.1`, `stream-vpce-…`): the call goes to the
/// endpoint as given, as every other call does.
#[derive(Debug)]
struct NoHostPrefix;

impl aws_smithy_runtime_api::client::interceptors::Intercept for NoHostPrefix {
    fn name(&self) -> &'static str {
        "NoHostPrefix"
    }

    fn modify_before_signing(
        &self,
        context: &mut aws_smithy_runtime_api::client::interceptors::context::BeforeTransmitInterceptorContextMut<'_>,
        _components: &aws_smithy_runtime_api::client::runtime_components::RuntimeComponents,
        _cfg: &mut aws_smithy_types::config_bag::ConfigBag,
    ) -> std::result::Result<(), aws_smithy_runtime_api::box_error::BoxError> {
        let request = context.request_mut();
        if let Some(uri) = strip_host_prefix(request.uri()) {
            request.set_uri(uri)?;
        }
        Ok(())
    }
}

/// `scheme://stream-host…` → `scheme://host…` (None when there is no such prefix).
fn strip_host_prefix(uri: &str) -> Option<String> {
    let (scheme, rest) = uri.split_once("://")?;
    Some(format!("{scheme}://{}", rest.strip_prefix("stream-")?))
}

/// Resolve credentials once, up front, so a missing or expired login is one clear error
/// instead of a failure of every call.
async fn check_credentials(conf: &SdkConfig, profile: Option<&str>) -> Result<()> {
    use aws_credential_types::provider::ProvideCredentials;
    let Some(provider) = conf.credentials_provider() else {
        bail!(crate::ui::error::Hinted::new(
            "no AWS credentials provider is configured",
            CREDENTIALS_HINT
        ));
    };
    if let Err(e) = provider.provide_credentials().await {
        let mut detail = crate::ui::error::chain_text(&e);
        let lower = detail.to_ascii_lowercase();
        let hint = if lower.contains("sso") {
            "the SSO session may have expired: run `aws sso login` (with --profile if you use one)"
        } else {
            CREDENTIALS_HINT
        };
        if lower.contains("no credentials found in chain") {
            detail = "none found (tried the environment, the profile files, web identity, ECS and instance metadata)".into();
        } else if profile.is_some() && lower.trim_end() == "the credential provider was not enabled"
        {
            detail = "the profile is not defined in ~/.aws/config or ~/.aws/credentials, or has no credentials".into();
        }
        let what = match profile {
            Some(p) => format!("cannot load AWS credentials for profile '{p}'"),
            None => "cannot load AWS credentials".to_string(),
        };
        bail!(crate::ui::error::Hinted::new(
            format!("{what}: {detail}"),
            hint
        ));
    }
    Ok(())
}

/// `--profile NAME` (or `AWS_PROFILE`) that neither profile file defines: one error that
/// lists the profiles that are defined, before the region or credentials lookups fail on
/// it with messages that do not name the cause.
fn check_profile(args: &AwsSettings) -> Result<()> {
    let (name, from) = match (&args.profile, std::env::var("AWS_PROFILE")) {
        (Some(p), _) => (p.clone(), "--profile"),
        (None, Ok(p)) if !p.is_empty() => (p, "AWS_PROFILE"),
        _ => return Ok(()),
    };
    // As the SDK: HOME, and on Windows (where HOME is usually unset) USERPROFILE.
    let home = std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE").filter(|_| cfg!(windows)))
        .map(std::path::PathBuf::from);
    let file = |var: &str, default: &str| -> Option<std::path::PathBuf> {
        match std::env::var_os(var).filter(|v| !v.is_empty()) {
            Some(v) => {
                let v = v.to_string_lossy().into_owned();
                let rest = v
                    .strip_prefix("~/")
                    .or_else(|| v.strip_prefix("~\\").filter(|_| cfg!(windows)));
                match (rest, &home) {
                    (Some(rest), Some(h)) => Some(h.join(rest)),
                    _ => Some(v.into()),
                }
            }
            None => home.as_ref().map(|h| h.join(".aws").join(default)),
        }
    };
    let config = file("AWS_CONFIG_FILE", "config").and_then(|p| std::fs::read_to_string(p).ok());
    let creds = file("AWS_SHARED_CREDENTIALS_FILE", "credentials")
        .and_then(|p| std::fs::read_to_string(p).ok());
    let profiles = defined_profiles(
        config.as_deref().unwrap_or(""),
        creds.as_deref().unwrap_or(""),
    );
    if profiles.contains(&name) {
        return Ok(());
    }
    let hint = if profiles.is_empty() {
        "no profile is defined (no [profile NAME] in ~/.aws/config, no [NAME] in \
         ~/.aws/credentials): run `aws configure --profile NAME`, or drop the profile and use \
         AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY"
            .to_string()
    } else {
        format!("the profiles defined are: {}", profiles.join(", "))
    };
    bail!(crate::ui::error::Hinted::new(
        format!(
            "AWS profile '{name}' (from {from}) is not defined in ~/.aws/config or ~/.aws/credentials"
        ),
        hint
    ))
}

/// Profile names of a config file (`[default]`, `[profile NAME]`) and a credentials file
/// (`[NAME]`), sorted, without duplicates.
fn defined_profiles(config: &str, credentials: &str) -> Vec<String> {
    let sections = |text: &str| -> Vec<String> {
        text.lines()
            .filter_map(|l| {
                let l = l.trim();
                l.strip_prefix('[')?
                    .strip_suffix(']')
                    .map(|s| s.trim().to_string())
            })
            .collect()
    };
    let mut names: Vec<String> = sections(config)
        .into_iter()
        .filter_map(|s| match s.split_once(char::is_whitespace) {
            Some(("profile", n)) => Some(n.trim().to_string()),
            Some(_) => None,
            None => (s == "default").then_some(s),
        })
        .chain(sections(credentials))
        .collect();
    names.sort();
    names.dedup();
    names
}

const CREDENTIALS_HINT: &str = "set AWS_PROFILE or pass --profile NAME (profiles live in ~/.aws/config), \
    or export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run `aws sso login`";

/// The rustls + ring client, honouring HTTP(S)_PROXY / NO_PROXY like the SDK's default one.
fn http_client() -> aws_smithy_runtime_api::client::http::SharedHttpClient {
    Builder::new().build_with_connector_fn(|settings, rc| {
        let mut cb = Connector::builder().tls_provider(tls::Provider::Rustls(
            tls::rustls_provider::CryptoMode::Ring,
        ));
        cb.set_connector_settings(settings.cloned());
        if let Some(rc) = rc {
            cb.set_sleep_impl(rc.sleep_impl());
        }
        cb.set_proxy_config(Some(ProxyConfig::from_env()));
        cb.build()
    })
}

async fn resolve_region(args: &AwsSettings) -> Result<String> {
    if let Some(r) = &args.region {
        return check_region(r);
    }
    let mut profile = aws_config::profile::ProfileFileRegionProvider::builder();
    if let Some(p) = &args.profile {
        profile = profile.profile_name(p);
    }
    let chain = RegionProviderChain::first_try(
        aws_config::environment::EnvironmentVariableRegionProvider::new(),
    )
    .or_else(profile.build());
    match chain.region().await {
        Some(r) => check_region(r.as_ref()),
        None => bail!(crate::ui::error::Hinted::new(
            "no AWS region is configured",
            "pass --region REGION, or set AWS_REGION, or add region = … to your profile in ~/.aws/config",
        )),
    }
}

/// A region name must look like one (`eu-west-1`, `us-gov-west-1`): a typo would otherwise
/// become a DNS failure much later.
fn check_region(r: &str) -> Result<String> {
    let ok = !r.is_empty()
        && r.len() <= 32
        && r.split('-').count() >= 3
        && r.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && r.ends_with(|c: char| c.is_ascii_digit());
    if ok {
        Ok(r.to_string())
    } else {
        bail!(crate::ui::error::Hinted::usage(
            format!("'{r}' is not an AWS region name"),
            "regions look like us-east-1 or eu-west-1",
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn live_tail_host_prefix_is_dropped_for_a_custom_endpoint() {
        assert_eq!(
            strip_host_prefix("http://stream-127.0.0.1:4566/").as_deref(),
            Some("http://127.0.0.1:4566/")
        );
        assert_eq!(strip_host_prefix("https://logs.example.com/"), None);
    }

    #[test]
    fn profiles_come_from_both_files() {
        let config = "[default]\nregion = us-east-1\n[profile dev]\nregion=eu-west-1\n\
                      [sso-session corp]\nsso_region = us-east-1\n[ profile  ops ]\n";
        let creds = "[default]\naws_access_key_id = x\n[legacy]\n";
        assert_eq!(
            defined_profiles(config, creds),
            ["default", "dev", "legacy", "ops"]
        );
        assert!(defined_profiles("", "").is_empty());
    }

    #[test]
    fn region_names() {
        for ok in ["us-east-1", "eu-west-1", "us-gov-west-1", "ap-southeast-3"] {
            assert!(check_region(ok).is_ok(), "{ok}");
        }
        for bad in [
            "",
            "useast1",
            "us-east",
            "US-EAST-1",
            "eu west 1",
            "eu-west-1a",
        ] {
            assert!(check_region(bad).is_err(), "{bad}");
        }
    }
}
