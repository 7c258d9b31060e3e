//! `--debug` (or a non-empty `RUST_LOG`): one stderr line per AWS request and response —
//! service call, method, URL, headers, status, time — with every secret redacted
//! (`Authorization`, `X-Amz-Security-Token`, SSO bearer tokens, cookies; in URLs, the
//! user info of `http://user:password@host` and query-string credentials such as
//! `X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`). Bodies are never
//! printed: they hold log data, not diagnostics, and may be large.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::{
    BeforeDeserializationInterceptorContextRef, BeforeTransmitInterceptorContextRef,
};
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::config_bag::{ConfigBag, Storable, StoreReplace};

static ON: AtomicBool = AtomicBool::new(false);

pub fn enable(on: bool) {
    ON.store(on, Ordering::Relaxed);
}

pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Print one debug line (no-op unless enabled).
pub fn log(msg: impl std::fmt::Display) {
    if enabled() {
        crate::ui::progress::clear();
        eprintln!(
            "apitrace: debug: {}",
            crate::ui::error::shown(&msg.to_string())
        );
    }
}

/// Headers whose values are secrets.
const SECRET_HEADERS: [&str; 6] = [
    "authorization",
    "x-amz-security-token",
    "x-amz-sso_bearer_token",
    "cookie",
    "set-cookie",
    "proxy-authorization",
];

/// Headers whose values are URLs (redacted as URLs).
const URL_HEADERS: [&str; 2] = ["location", "content-location"];

/// Query parameters whose names contain one of these (case-insensitive) hold a secret:
/// SigV4 presigning (`X-Amz-Signature`, `X-Amz-Credential`, `X-Amz-Security-Token`), SigV2
/// (`Signature`, `AWSAccessKeyId`) and the usual token, key and password names.
const SECRET_PARAMS: [&str; 9] = [
    "signature",
    "credential",
    "token",
    "password",
    "passwd",
    "secret",
    "accesskey",
    "access_key",
    "api_key",
];

/// `url` with its user info (`user:password@`) and the values of secret query
/// parameters replaced by `<redacted>`; the rest (scheme, host, path, other parameters)
/// is kept for debugging.
pub fn redacted_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(i) => (&url[..i + 3], &url[i + 3..]),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let authority = match authority.rfind('@') {
        Some(at) => format!("<redacted>@{}", &authority[at + 1..]),
        None => authority.to_string(),
    };
    let (before_fragment, fragment) = match tail.find('#') {
        Some(i) => tail.split_at(i),
        None => (tail, ""),
    };
    let tail = match before_fragment.split_once('?') {
        None => before_fragment.to_string(),
        Some((path, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| {
                    let name = p.split('=').next().unwrap_or("");
                    let lower = name.to_ascii_lowercase().replace("%5f", "_");
                    if p.contains('=') && SECRET_PARAMS.iter().any(|s| lower.contains(s)) {
                        format!("{name}=<redacted>")
                    } else {
                        p.to_string()
                    }
                })
                .collect();
            format!("{path}?{}", params.join("&"))
        }
    };
    format!("{scheme}{authority}{tail}{fragment}")
}

/// `name: value` pairs, secrets replaced by `<redacted>`.
pub fn redacted_headers<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    headers
        .map(|(k, v)| {
            if SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                format!("{k}: <redacted>")
            } else if URL_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                format!("{k}: {}", redacted_url(v))
            } else {
                format!("{k}: {v}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Debug)]
struct Started(Instant);

impl Storable for Started {
    type Storer = StoreReplace<Self>;
}

/// The interceptor added to every client when debugging.
#[derive(Debug)]
pub struct DebugLog;

impl Intercept for DebugLog {
    fn name(&self) -> &'static str {
        "apitrace-debug"
    }

    fn read_before_transmit(
        &self,
        context: &BeforeTransmitInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let req = context.request();
        cfg.interceptor_state().store_put(Started(Instant::now()));
        log(format!(
            "→ {} {} [{}]",
            req.method(),
            redacted_url(req.uri()),
            redacted_headers(req.headers().iter())
        ));
        Ok(())
    }

    fn read_after_transmit(
        &self,
        context: &BeforeDeserializationInterceptorContextRef<'_>,
        _rc: &RuntimeComponents,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let res = context.response();
        let ms = cfg
            .load::<Started>()
            .map(|s| s.0.elapsed().as_millis())
            .unwrap_or(0);
        log(format!(
            "← {} in {ms} ms [{}]",
            res.status().as_u16(),
            redacted_headers(res.headers().iter())
        ));
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_in_urls_are_redacted() {
        assert_eq!(
            redacted_url("http://usr:PASSWORD@127.0.0.1:4566/"),
            "http://<redacted>@127.0.0.1:4566/"
        );
        assert_eq!(redacted_url("https://user@host"), "https://<redacted>@host");
        assert_eq!(
            redacted_url(
                "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20261205&\
                 X-Amz-Security-Token=IQoJ&X-Amz-Signature=abc123&x-amz-signedheaders=host&limit=5#f"
            ),
            "https://b.s3.amazonaws.com/k?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=<redacted>&\
             X-Amz-Security-Token=<redacted>&X-Amz-Signature=<redacted>&x-amz-signedheaders=host&limit=5#f"
        );
        assert_eq!(
            redacted_url(
                "http://h/p?Signature=s&AWSAccessKeyId=AKIA&access_token=t&password=p&position=x"
            ),
            "http://h/p?Signature=<redacted>&AWSAccessKeyId=<redacted>&access_token=<redacted>&password=<redacted>&position=x"
        );
        // What has no secret is unchanged, an @ in the path is not user info.
        for plain in [
            "https://logs.us-east-1.amazonaws.com/",
            "https://apigateway.eu-west-1.amazonaws.com/restapis/abc/stages/prod",
            "http://h/a@b?limit=500&position=abc",
            "/relative?x=1",
        ] {
            assert_eq!(redacted_url(plain), plain);
        }
        let h = [("Location", "http://u:p@h/x?X-Amz-Signature=s")];
        assert_eq!(
            redacted_headers(h.iter().copied()),
            "Location: http://<redacted>@h/x?X-Amz-Signature=<redacted>"
        );
    }

    #[test]
    fn secrets_are_redacted() {
        let h = [
            (
                "Authorization",
                "AWS4-HMAC-SHA256 Credential=AKID/…, Signature=abc",
            ),
            ("X-Amz-Security-Token", "IQoJb3JpZ2luX2VjE…"),
            ("x-amz-target", "Logs_20140328.FilterLogEvents"),
            ("Cookie", "session=1"),
        ];
        let s = redacted_headers(h.iter().copied());
        assert_eq!(
            s,
            "Authorization: <redacted>, X-Amz-Security-Token: <redacted>, x-amz-target: Logs_20140328.FilterLogEvents, Cookie: <redacted>"
        );
    }
}
