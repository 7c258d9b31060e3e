//! `--debug` (or a non-empty `RUST_LOG`): one stderr line per AWS request and response —
//! service call, method, URL, headers, status, time — with every secret redacted
//! (`Authorization`, `X-Amz-Security-Token`, SSO bearer tokens, cookies). Bodies are never
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
        crate::progress::clear();
        eprintln!("apitrace: debug: {}", crate::error::shown(&msg.to_string()));
    }
}

/// Headers whose values are secrets.
const SECRET_HEADERS: [&str; 5] = [
    "authorization",
    "x-amz-security-token",
    "x-amz-sso_bearer_token",
    "cookie",
    "proxy-authorization",
];

/// `name: value` pairs, secrets replaced by `<redacted>`.
pub fn redacted_headers<'a>(headers: impl Iterator<Item = (&'a str, &'a str)>) -> String {
    headers
        .map(|(k, v)| {
            if SECRET_HEADERS.iter().any(|s| k.eq_ignore_ascii_case(s)) {
                format!("{k}: <redacted>")
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
            req.uri(),
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
