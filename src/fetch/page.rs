//! Reading FilterLogEvents pages without the SDK's deserialiser.
//!
//! Profiles (BENCHMARKS.md) showed nearly half of apitrace's CPU in the SDK turning each
//! page's JSON into `FilteredLogEvent`s (a token-by-token reader, five owned strings per
//! event) and most of the rest in allocating and copying them again into our [`Event`]s.
//! So for FilterLogEvents the SDK still builds, signs, sends and times the call, and
//! classifies every error, but the body of a successful answer is parsed here, straight
//! into [`Event`]s with one `serde_json` pass:
//!
//! - [`Capture`], an interceptor added to each call, wraps the body of a 2xx response in
//!   [`CaptureBody`]. When the SDK reads that body, it reads the real one to the end,
//!   parses it into the call's [`Slot`] and hands the SDK `{}` instead (an empty output).
//! - A body that does not parse (a proxy's HTML page, a cut-off answer) is handed to the
//!   SDK unchanged, so the SDK's error and our retries behave exactly as before; an error
//!   response (4xx/5xx) is never touched.
//! - Nothing is allocated per event: a message or event id without JSON escapes is a
//!   slice of the page's buffer (`model::Text`, reference-counted), and stream names are
//!   shared per page (`Arc<str>`: a group has a few streams, not one per event). A page's
//!   buffer lives until its last event is printed.
//!
//! This departs from STYLE.md §5.3, where an event owns its `message: String` because
//! "the SDK hands us owned strings": the throughput target (#10) is not reachable that way,
//! and the format is small and stable (the JSON 1.1 protocol's `events[]` of five fields
//! and a `nextToken`). See `model::Text`.

use std::borrow::Cow;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::Intercept;
use aws_smithy_runtime_api::client::interceptors::context::BeforeDeserializationInterceptorContextMut;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::config_bag::ConfigBag;
use bytes::Bytes;
use http_body::{Body, Frame};
use serde::Deserialize;

use crate::core::model::{Event, Text};

/// A parsed page: its events (already tagged with the group) and its token.
#[derive(Debug, Default)]
pub struct Page {
    pub events: Vec<Event>,
    pub next_token: Option<String>,
    /// Events whose text could not be decoded as it came (a lone UTF-16 surrogate escape
    /// such as `\udc00`, an invalid escape, invalid UTF-8): what could not be decoded is
    /// U+FFFD, and the rest of the event and of the page is read as usual.
    pub repaired: usize,
    /// From sending the call to its answer's headers: the service's latency, without the
    /// time the body took to arrive.
    pub latency: Option<std::time::Duration>,
}

/// Where one call's parsed page lands.
pub type Slot = Arc<Mutex<Option<Page>>>;

/// The per-call interceptor: capture the body of a successful answer into `slot`.
#[derive(Debug)]
pub struct Capture {
    pub slot: Slot,
    pub group: usize,
    /// When the call was sent (after the rate limiter let it go).
    pub sent: std::time::Instant,
}

impl Intercept for Capture {
    fn name(&self) -> &'static str {
        "CaptureFilterLogEventsPage"
    }

    fn modify_before_deserialization(
        &self,
        context: &mut BeforeDeserializationInterceptorContextMut<'_>,
        _components: &RuntimeComponents,
        _cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        let response = context.response_mut();
        if !response.status().is_success() {
            return Ok(());
        }
        let size = response
            .headers()
            .get("content-length")
            .and_then(|v| v.parse::<usize>().ok())
            .unwrap_or(64 * 1024)
            .min(8 << 20);
        let inner = std::mem::replace(response.body_mut(), SdkBody::taken());
        *response.body_mut() = SdkBody::from_body_1_x(CaptureBody {
            inner,
            buf: Vec::with_capacity(size),
            slot: self.slot.clone(),
            group: self.group,
            latency: self.sent.elapsed(),
            done: false,
        });
        Ok(())
    }
}

/// A response body that parses the real one into a [`Slot`] and yields `{}` (or, when it
/// does not parse, the real bytes).
struct CaptureBody {
    inner: SdkBody,
    buf: Vec<u8>,
    slot: Slot,
    group: usize,
    latency: std::time::Duration,
    done: bool,
}

impl Body for CaptureBody {
    type Data = Bytes;
    type Error = BoxError;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, BoxError>>> {
        let this = self.get_mut();
        if this.done {
            return Poll::Ready(None);
        }
        loop {
            match Pin::new(&mut this.inner).poll_frame(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(frame))) => {
                    if let Ok(data) = frame.into_data() {
                        if this.buf.len() + data.len() > crate::aws::bodycap::MAX_BODY {
                            this.done = true;
                            this.buf = Vec::new();
                            return Poll::Ready(Some(Err(crate::aws::bodycap::too_big())));
                        }
                        this.buf.extend_from_slice(&data);
                    }
                }
                Poll::Ready(None) => {
                    this.done = true;
                    let buf = Bytes::from(std::mem::take(&mut this.buf));
                    let out = match parse(&buf, this.group) {
                        Some(mut page) => {
                            page.latency = Some(this.latency);
                            *this.slot.lock().unwrap_or_else(|e| e.into_inner()) = Some(page);
                            Bytes::from_static(b"{}")
                        }
                        None => buf,
                    };
                    return Poll::Ready(Some(Ok(Frame::data(out))));
                }
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done
    }
}

#[derive(Deserialize)]
struct RawEvent<'a> {
    #[serde(rename = "logStreamName", borrow, default)]
    stream: Option<Cow<'a, str>>,
    #[serde(default)]
    timestamp: Option<i64>,
    #[serde(borrow, default)]
    message: Option<Cow<'a, str>>,
    #[serde(rename = "ingestionTime", default)]
    ingestion_time: Option<i64>,
    #[serde(rename = "eventId", borrow, default)]
    event_id: Option<Cow<'a, str>>,
}

/// A string of the page: a shared slice of it when it had no escapes, else owned.
fn text(page: &Bytes, s: Option<Cow<'_, str>>) -> Text {
    match s {
        Some(Cow::Borrowed(b)) => Text::shared(page, b),
        Some(Cow::Owned(o)) => o.into(),
        None => Text::default(),
    }
}

/// A page's stream names, each allocated once (a group has a few streams, a page
/// thousands of events).
#[derive(Default)]
struct Streams(std::collections::HashSet<Arc<str>>);

impl Streams {
    fn intern(&mut self, name: &str) -> Arc<str> {
        if let Some(s) = self.0.get(name) {
            return s.clone();
        }
        let s: Arc<str> = Arc::from(name);
        self.0.insert(s.clone());
        s
    }
}

/// Builds a page's events straight from the JSON (no intermediate vector of raw events).
struct PageSeed<'b> {
    body: &'b Bytes,
    group: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for PageSeed<'_> {
    type Value = Page;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Page, D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> serde::de::Visitor<'de> for PageSeed<'_> {
    type Value = Page;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a FilterLogEvents response")
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Page, A::Error> {
        let mut page = Page::default();
        while let Some(key) = map.next_key::<Cow<'de, str>>()? {
            match &*key {
                "events" => {
                    page.events = map.next_value_seed(EventsSeed {
                        body: self.body,
                        group: self.group,
                    })?
                }
                "nextToken" => page.next_token = map.next_value::<Option<String>>()?,
                _ => {
                    map.next_value::<serde::de::IgnoredAny>()?;
                }
            }
        }
        page.next_token = page.next_token.filter(|t| !t.is_empty());
        Ok(page)
    }
}

struct EventsSeed<'b> {
    body: &'b Bytes,
    group: usize,
}

impl<'de> serde::de::DeserializeSeed<'de> for EventsSeed<'_> {
    type Value = Vec<Event>;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Vec<Event>, D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> serde::de::Visitor<'de> for EventsSeed<'_> {
    type Value = Vec<Event>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a list of log events")
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Vec<Event>, A::Error> {
        // About 150 bytes of JSON per event at the least: one allocation for most pages.
        let mut out = Vec::with_capacity((self.body.len() / 150).min(10_000));
        let mut streams = Streams::default();
        while let Some(e) = seq.next_element::<RawEvent<'de>>()? {
            let stream = streams.intern(e.stream.as_deref().unwrap_or(""));
            out.push(Event {
                timestamp: e.timestamp.unwrap_or(0),
                ingestion_time: e.ingestion_time.unwrap_or(0),
                event_id: text(self.body, e.event_id),
                stream,
                message: text(self.body, e.message),
                group: self.group,
            });
        }
        Ok(out)
    }
}

/// A FilterLogEvents body → our events (None when it is not one). Messages and ids
/// without escapes stay in `body` (see [`Text`]). The [`Scan`]ner reads the usual page;
/// anything it does not expect (a number with a fraction, odd syntax) goes to the
/// `serde_json` path, which reads any valid JSON.
pub fn parse(body: &Bytes, group: usize) -> Option<Page> {
    // One UTF-8 check of the whole body, so neither parser need check each string.
    let Ok(text) = std::str::from_utf8(body) else {
        // Invalid UTF-8 (never from AWS): read the page with U+FFFD for what is not.
        let fixed = Bytes::from(String::from_utf8_lossy(body).into_owned());
        let text = std::str::from_utf8(&fixed).ok()?;
        let mut page = parse_text(&fixed, text, group)?;
        page.repaired = page.repaired.max(count_replaced(&page.events));
        return Some(page);
    };
    parse_text(body, text, group)
}

fn parse_text(body: &Bytes, text: &str, group: usize) -> Option<Page> {
    use serde::de::DeserializeSeed;
    if let Some(page) = Scan::new(body, text, group).page() {
        return Some(page);
    }
    let serde = |body: &Bytes, text: &str| {
        let mut de = serde_json::Deserializer::from_str(text);
        let page = PageSeed { body, group }.deserialize(&mut de).ok()?;
        de.end().ok()?;
        Some(page)
    };
    if let Some(page) = serde(body, text) {
        return Some(page);
    }
    // Lone surrogate escapes fail `serde_json` too: the same body with each one replaced by
    // `\ufffd` (as long), once more.
    let fixed = Bytes::from(repair_surrogates(text)?);
    let text = std::str::from_utf8(&fixed).ok()?;
    let mut page = serde(&fixed, text)?;
    page.repaired = count_replaced(&page.events).max(1);
    Some(page)
}

/// Events with U+FFFD in their text (after a repair of the whole page).
fn count_replaced(events: &[Event]) -> usize {
    events
        .iter()
        .filter(|e| e.message.contains('\u{FFFD}') || e.stream.contains('\u{FFFD}'))
        .count()
}

/// `text` with every lone UTF-16 surrogate escape (`\ud800`–`\udfff` not in a valid
/// pair) replaced by `\ufffd`; `None` when there is none.
fn repair_surrogates(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    let hex = |at: usize| -> Option<u16> {
        let h = b.get(at..at + 4)?;
        u16::from_str_radix(std::str::from_utf8(h).ok()?, 16).ok()
    };
    while let Some(off) = memchr::memchr(b'\\', &b[i..]) {
        let at = i + off;
        if b.get(at + 1) != Some(&b'u') {
            i = at + 2; // any other escape, `\\` included
            continue;
        }
        let Some(u) = hex(at + 2) else {
            i = at + 2;
            continue;
        };
        let paired = (0xD800..0xDC00).contains(&u)
            && b.get(at + 6) == Some(&b'\\')
            && b.get(at + 7) == Some(&b'u')
            && hex(at + 8).is_some_and(|l| (0xDC00..0xE000).contains(&l));
        if paired {
            i = at + 12;
        } else if (0xD800..0xE000).contains(&u) {
            out.get_or_insert_with(|| b.to_vec())[at + 2..at + 6].copy_from_slice(b"fffd");
            i = at + 6;
        } else {
            i = at + 6;
        }
    }
    out.and_then(|v| String::from_utf8(v).ok())
}

/// A JSON string's content (between the quotes) decoded, with U+FFFD for what cannot be:
/// lone surrogates, unknown escapes. The slow path, for strings `serde_json` refuses.
fn unescape_lossy(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    let hex = |chars: &mut std::str::Chars| -> Option<u32> {
        let h: String = chars.by_ref().take(4).collect();
        (h.len() == 4).then(|| u32::from_str_radix(&h, 16).ok())?
    };
    let mut pending_high: Option<u32> = None;
    while let Some(c) = chars.next() {
        if c != '\\' {
            if pending_high.take().is_some() {
                out.push('\u{FFFD}');
            }
            out.push(c);
            continue;
        }
        let e = chars.next();
        if e != Some('u') && pending_high.take().is_some() {
            out.push('\u{FFFD}');
        }
        match e {
            Some('"') => out.push('"'),
            Some('\\') => out.push('\\'),
            Some('/') => out.push('/'),
            Some('b') => out.push('\u{8}'),
            Some('f') => out.push('\u{c}'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some('t') => out.push('\t'),
            Some('u') => match hex(&mut chars) {
                Some(u @ 0xD800..0xDC00) => {
                    if pending_high.replace(u).is_some() {
                        out.push('\u{FFFD}');
                    }
                }
                Some(u @ 0xDC00..0xE000) => match pending_high.take() {
                    Some(h) => out.push(
                        char::from_u32(0x10000 + ((h - 0xD800) << 10) + (u - 0xDC00))
                            .unwrap_or('\u{FFFD}'),
                    ),
                    None => out.push('\u{FFFD}'),
                },
                Some(u) => {
                    if pending_high.take().is_some() {
                        out.push('\u{FFFD}');
                    }
                    out.push(char::from_u32(u).unwrap_or('\u{FFFD}'));
                }
                None => {
                    if pending_high.take().is_some() {
                        out.push('\u{FFFD}');
                    }
                    out.push('\u{FFFD}');
                }
            },
            _ => out.push('\u{FFFD}'),
        }
    }
    if pending_high.is_some() {
        out.push('\u{FFFD}');
    }
    out
}

/// A hand-written reader of exactly the JSON a FilterLogEvents answer has (an object with
/// `events`, an array of flat objects of strings and integers, and `nextToken`; other keys
/// skipped): about twice as fast as `serde_json`'s generic visitor (#10). `None` as soon
/// as anything is unexpected.
struct Scan<'a> {
    body: &'a Bytes,
    text: &'a str,
    b: &'a [u8],
    i: usize,
    group: usize,
    /// Set when a string of the current event needed [`unescape_lossy`].
    lossy: std::cell::Cell<bool>,
}

/// A string's place in the text, and whether it has escapes.
struct Str {
    start: usize,
    end: usize,
    escaped: bool,
}

impl<'a> Scan<'a> {
    fn new(body: &'a Bytes, text: &'a str, group: usize) -> Scan<'a> {
        Scan {
            body,
            text,
            b: text.as_bytes(),
            i: 0,
            group,
            lossy: std::cell::Cell::new(false),
        }
    }

    fn ws(&mut self) {
        while let Some(b' ' | b'\n' | b'\r' | b'\t') = self.b.get(self.i) {
            self.i += 1;
        }
    }

    fn eat(&mut self, c: u8) -> Option<()> {
        self.ws();
        (self.b.get(self.i) == Some(&c)).then(|| self.i += 1)
    }

    fn peek(&mut self) -> Option<u8> {
        self.ws();
        self.b.get(self.i).copied()
    }

    /// A string at the cursor.
    fn string(&mut self) -> Option<Str> {
        self.eat(b'"')?;
        let start = self.i;
        let mut escaped = false;
        loop {
            let at = self.i + memchr::memchr2(b'"', b'\\', &self.b[self.i..])?;
            if self.b[at] == b'"' {
                self.i = at + 1;
                return Some(Str {
                    start,
                    end: at,
                    escaped,
                });
            }
            escaped = true;
            self.i = at + 2;
        }
    }

    fn text_of(&self, s: &Str) -> Option<Text> {
        if !s.escaped {
            return Some(Text::shared(self.body, &self.text[s.start..s.end]));
        }
        let quoted = &self.text[s.start - 1..s.end + 1];
        match serde_json::from_str::<String>(quoted) {
            Ok(t) => Some(Text::from(t)),
            Err(_) => {
                self.lossy.set(true);
                Some(Text::from(unescape_lossy(&self.text[s.start..s.end])))
            }
        }
    }

    fn int(&mut self) -> Option<i64> {
        self.ws();
        let start = self.i;
        if self.b.get(self.i) == Some(&b'-') {
            self.i += 1;
        }
        while let Some(b'0'..=b'9') = self.b.get(self.i) {
            self.i += 1;
        }
        if let Some(b'.' | b'e' | b'E') = self.b.get(self.i) {
            return None;
        }
        self.text[start..self.i].parse().ok()
    }

    /// Skip any value (of a key we do not read).
    fn skip(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => depth = depth.checked_sub(1)?,
                        _ => {}
                    }
                    self.i += 1;
                    if depth == 0 {
                        return Some(());
                    }
                }
            }
            _ => {
                while let Some(c) = self.b.get(self.i) {
                    if matches!(c, b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t') {
                        break;
                    }
                    self.i += 1;
                }
                Some(())
            }
        }
    }

    /// `{ "k": v, ... }`, calling `each` with each key (it must read the value).
    fn object(&mut self, mut each: impl FnMut(&mut Self, &str) -> Option<()>) -> Option<()> {
        self.eat(b'{')?;
        if self.eat(b'}').is_some() {
            return Some(());
        }
        loop {
            let k = self.string()?;
            if k.escaped {
                return None;
            }
            self.eat(b':')?;
            let key = &self.text[k.start..k.end];
            each(self, key)?;
            if self.eat(b',').is_none() {
                return self.eat(b'}');
            }
        }
    }

    fn null_or<T>(&mut self, read: impl FnOnce(&mut Self) -> Option<T>) -> Option<Option<T>> {
        if self.peek()? == b'n' {
            self.b.get(self.i..self.i + 4).filter(|n| n == b"null")?;
            self.i += 4;
            return Some(None);
        }
        read(self).map(Some)
    }

    fn page(mut self) -> Option<Page> {
        let mut page = Page::default();
        let mut repaired = 0;
        self.object(|s, key| match key {
            "events" => {
                page.events = s.null_or(|s| s.events(&mut repaired))?.unwrap_or_default();
                Some(())
            }
            "nextToken" => {
                let t = s.null_or(|s| s.string())?;
                page.next_token = match t {
                    Some(t) => Some(s.text_of(&t)?.to_string()).filter(|t| !t.is_empty()),
                    None => None,
                };
                Some(())
            }
            _ => s.skip(),
        })?;
        self.ws();
        page.repaired = repaired;
        (self.i == self.b.len()).then_some(page)
    }

    fn events(&mut self, repaired: &mut usize) -> Option<Vec<Event>> {
        let mut out = Vec::with_capacity((self.b.len() / 150).min(10_000));
        let mut streams = Streams::default();
        let no_stream = streams.intern("");
        self.eat(b'[')?;
        if self.eat(b']').is_some() {
            return Some(out);
        }
        loop {
            self.lossy.set(false);
            let mut e = Event {
                timestamp: 0,
                ingestion_time: 0,
                event_id: Text::default(),
                stream: no_stream.clone(),
                message: Text::default(),
                group: self.group,
            };
            let mut stream: Option<Str> = None;
            self.object(|s, key| {
                match key {
                    "logStreamName" => stream = s.null_or(|s| s.string())?,
                    "timestamp" => e.timestamp = s.null_or(|s| s.int())?.unwrap_or(0),
                    "ingestionTime" => e.ingestion_time = s.null_or(|s| s.int())?.unwrap_or(0),
                    "message" => {
                        if let Some(m) = s.null_or(|s| s.string())? {
                            e.message = s.text_of(&m)?;
                        }
                    }
                    "eventId" => {
                        if let Some(m) = s.null_or(|s| s.string())? {
                            e.event_id = s.text_of(&m)?;
                        }
                    }
                    _ => s.skip()?,
                }
                Some(())
            })?;
            if let Some(st) = stream {
                let name = if st.escaped {
                    std::borrow::Cow::Owned(self.text_of(&st)?.to_string())
                } else {
                    std::borrow::Cow::Borrowed(&self.text[st.start..st.end])
                };
                e.stream = streams.intern(&name);
            }
            if self.lossy.take() {
                *repaired += 1;
            }
            out.push(e);
            if self.eat(b',').is_none() {
                self.eat(b']')?;
                return Some(out);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_page_with_escapes_unicode_and_a_token() {
        let body = br#"{"events":[
            {"logStreamName":"a","timestamp":1,"message":"plain","ingestionTime":2,"eventId":"10"},
            {"logStreamName":"a","timestamp":3,"message":"q\"uote\n caf\u00e9 \ud83d\ude80","ingestionTime":4,"eventId":"11"},
            {"logStreamName":"b\/c","timestamp":5,"message":"","ingestionTime":6,"eventId":"12"}
        ],"searchedLogStreams":[],"nextToken":"tok"}"#;
        let p = parse(&Bytes::from_static(body), 7).unwrap();
        assert_eq!(p.next_token.as_deref(), Some("tok"));
        assert_eq!(p.events.len(), 3);
        assert_eq!(p.events[1].message, "q\"uote\n café 🚀");
        assert_eq!(&*p.events[2].stream, "b/c");
        assert_eq!((p.events[2].timestamp, p.events[2].ingestion_time), (5, 6));
        assert_eq!(p.events[0].event_id, "10");
        assert!(p.events.iter().all(|e| e.group == 7));
        // Consecutive events of one stream share its name.
        assert!(Arc::ptr_eq(&p.events[0].stream, &p.events[1].stream));
    }

    /// The same page through the scanner and through `serde_json`.
    fn both(text: &str) -> (Option<Page>, Option<Page>) {
        use serde::de::DeserializeSeed;
        let body = Bytes::from(text.to_string());
        let text = std::str::from_utf8(&body).unwrap();
        let scan = Scan::new(&body, text, 3).page();
        let mut de = serde_json::Deserializer::from_str(text);
        let serde = PageSeed {
            body: &body,
            group: 3,
        }
        .deserialize(&mut de)
        .ok()
        .filter(|_| de.end().is_ok());
        (scan, serde)
    }

    #[test]
    fn the_scanner_reads_pages_as_serde_json_does() {
        // xorshift: deterministic random pages.
        let mut x = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x
        };
        let pieces = [
            "plain",
            "q\"uote",
            "back\\slash",
            "new\nline",
            "tab\t",
            "\u{1}",
            "café",
            "🚀",
            "/",
            " ",
            "{\"json\":[1,2]}",
            "",
        ];
        for round in 0..300 {
            let mut events = Vec::new();
            for _ in 0..(next() % 6) {
                let mut msg = String::new();
                for _ in 0..(next() % 5) {
                    msg.push_str(pieces[(next() % pieces.len() as u64) as usize]);
                }
                let mut e = serde_json::Map::new();
                let mut keys = vec![
                    "logStreamName",
                    "timestamp",
                    "message",
                    "ingestionTime",
                    "eventId",
                    "extra",
                ];
                // Any key order, some keys missing.
                for k in (1..keys.len()).rev() {
                    keys.swap(k, (next() % (k as u64 + 1)) as usize);
                }
                for k in keys {
                    if next() % 7 == 0 {
                        continue;
                    }
                    let v = match k {
                        "timestamp" | "ingestionTime" => {
                            serde_json::json!((next() % 2_000_000_000_000) as i64 - 5)
                        }
                        "message" => serde_json::json!(msg),
                        "extra" => serde_json::json!({"a": [1, "x]", {"b": null}], "c": true}),
                        "eventId" => serde_json::json!(format!("{}", next())),
                        _ => serde_json::json!(format!("s{}", next() % 3)),
                    };
                    e.insert(k.to_string(), v);
                }
                events.push(serde_json::Value::Object(e));
            }
            let mut page = serde_json::json!({"events": events, "searchedLogStreams": [{"logStreamName": "s", "searchedCompletely": false}]});
            if next() % 2 == 0 {
                page["nextToken"] = serde_json::json!(format!("tok/{round}+=="));
            }
            let text = if round % 2 == 0 {
                serde_json::to_string(&page).unwrap()
            } else {
                serde_json::to_string_pretty(&page).unwrap()
            };
            let (scan, serde) = both(&text);
            let (scan, serde) = (scan.expect(&text), serde.expect(&text));
            assert_eq!(scan.events, serde.events, "{text}");
            assert_eq!(scan.next_token, serde.next_token, "{text}");
        }
        // What the scanner leaves to serde_json, and what neither reads.
        assert!(both(r#"{"events":[{"timestamp":1.5}]}"#).0.is_none());
        assert!(both(r#"{"events":[{"timestamp":1e3}]}"#).0.is_none());
        for bad in [
            r#"{"events":[{"message":"x"}"#,
            r#"{"events":[]} x"#,
            r#"[]"#,
            "",
        ] {
            let (scan, serde) = both(bad);
            assert!(scan.is_none() && serde.is_none(), "{bad}");
        }
    }

    #[test]
    fn undecodable_text_is_replaced_and_the_page_still_read() {
        // A lone low surrogate, a lone high one before text, a valid pair, a bad escape.
        let body = br#"{"events":[
            {"logStreamName":"a","timestamp":1,"message":"lone \udc00 low","ingestionTime":2,"eventId":"1"},
            {"logStreamName":"a","timestamp":3,"message":"ok \ud83d\ude80","ingestionTime":4,"eventId":"2"},
            {"logStreamName":"a","timestamp":5,"message":"high \ud83d! and \ud800","ingestionTime":6,"eventId":"3"},
            {"logStreamName":"a","timestamp":7,"message":"bad \x escape","ingestionTime":8,"eventId":"4"}
        ],"nextToken":"t"}"#;
        let p = parse(&Bytes::from_static(body), 0).expect("the page is read");
        let msgs: Vec<&str> = p.events.iter().map(|e| &*e.message).collect();
        assert_eq!(
            msgs,
            [
                "lone \u{FFFD} low",
                "ok 🚀",
                "high \u{FFFD}! and \u{FFFD}",
                "bad \u{FFFD} escape"
            ]
        );
        assert_eq!((p.repaired, p.next_token.as_deref()), (3, Some("t")));
        // Through the serde_json path (an escaped key, which the scanner leaves to it).
        let body = br#"{"ev\u0065nts":[{"timestamp":1,"message":"x\udc00"},{"timestamp":2,"message":"y"}]}"#;
        let p = parse(&Bytes::from_static(body), 0).expect("the page is read");
        assert_eq!(p.events[0].message, "x\u{FFFD}");
        assert_eq!(p.repaired, 1);
        // Invalid UTF-8 in a message.
        let body = b"{\"events\":[{\"timestamp\":1,\"message\":\"a\xff b\"}]}";
        let p = parse(&Bytes::from_static(body), 0).expect("the page is read");
        assert_eq!(p.events[0].message, "a\u{FFFD} b");
        assert_eq!(p.repaired, 1);
        // Nothing to repair: nothing counted.
        let p = parse(
            &Bytes::from_static(br#"{"events":[{"message":"\u00e9"}]}"#),
            0,
        )
        .unwrap();
        assert_eq!((p.repaired, &*p.events[0].message), (0, "é"));
    }

    #[test]
    fn the_last_page_and_bodies_that_are_not_pages() {
        let parse = |b: &'static [u8]| parse(&Bytes::from_static(b), 0);
        let p = parse(br#"{"events":[],"nextToken":""}"#).unwrap();
        assert!(p.events.is_empty() && p.next_token.is_none());
        assert!(parse(br#"{}"#).unwrap().events.is_empty());
        assert!(parse(b"<html>502 Bad Gateway</html>").is_none());
        assert!(parse(br#"{"events":[{"message":"cut"#).is_none());
    }
}
