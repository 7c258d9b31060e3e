//! A cap on the size of every response body (#16): a server (or something between us and
//! AWS) that answers 200 and never ends its body would otherwise grow memory without
//! bound while the SDK collects it. AWS's biggest answers are FilterLogEvents pages of at
//! most 1 MB of messages (a few MB as JSON), so a body past [`MAX_BODY`] fails that call
//! attempt as an interrupted response, which is retried like any other.
//!
//! [`BodyCap`] is on every client (`aws/mod.rs`); Live Tail's event stream, endless by
//! design, is left alone. `page.rs` checks the same limit while it collects a page.

use std::pin::Pin;
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame};

/// The largest response body read: 32 MiB (8 times the biggest FilterLogEvents page seen).
pub const MAX_BODY: usize = 32 << 20;

/// The error of a body past the cap.
pub fn too_big() -> BoxError {
    format!(
        "the response body is larger than {} MiB (an answer that does not end?)",
        MAX_BODY >> 20
    )
    .into()
}

/// The interceptor: wrap each response body (but an event stream's) in [`Capped`].
#[derive(Debug)]
pub struct BodyCap;

impl Intercept for BodyCap {
    fn name(&self) -> &'static str {
        "BodyCap"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        let stream = response
            .headers()
            .get("content-type")
            .is_some_and(|t| t.starts_with("application/vnd.amazon.eventstream"));
        if stream {
            return Ok(());
        }
        let inner = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = SdkBody::from_body_1_x(Capped { inner, seen: 0 });
        Ok(())
    }
}

/// A body that fails once more than [`MAX_BODY`] bytes have come.
struct Capped {
    inner: SdkBody,
    seen: usize,
}

impl Body for Capped {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        let polled = Pin::new(&mut this.inner).poll_frame(cx);
        if let Poll::Ready(Some(Ok(frame))) = &polled
            && let Some(data) = frame.data_ref()
        {
            this.seen += data.len();
            if this.seen > MAX_BODY {
                return Poll::Ready(Some(Err(too_big())));
            }
        }
        polled
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> http_body::SizeHint {
        self.inner.size_hint()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `n` chunks of 1 MiB.
    struct Chunks(usize);

    impl Body for Chunks {
        type Data = Bytes;
        type Error = BoxError;
        fn poll_frame(
            mut self: Pin<&mut Self>,
            _cx: &mut Context<'_>,
        ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
            if self.0 == 0 {
                return Poll::Ready(None);
            }
            self.0 -= 1;
            Poll::Ready(Some(Ok(Frame::data(Bytes::from(vec![b'x'; 1 << 20])))))
        }
    }

    /// A capped body of `chunks` MiB, read to its end (or its first error).
    async fn read(chunks: usize) -> Result<usize, BoxError> {
        let inner = SdkBody::from_body_1_x(Chunks(chunks));
        let mut body = Capped { inner, seen: 0 };
        let mut n = 0;
        while let Some(f) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_frame(cx)).await {
            n += f?.into_data().map_or(0, |d| d.len());
        }
        Ok(n)
    }

    #[tokio::test]
    async fn a_body_past_the_cap_fails() {
        assert_eq!(read(MAX_BODY >> 20).await.unwrap(), MAX_BODY);
        let e = read((MAX_BODY >> 20) + 1).await.unwrap_err();
        assert!(e.to_string().contains("larger than 32 MiB"), "{e}");
    }
}
