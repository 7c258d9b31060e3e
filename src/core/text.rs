//! Text from AWS or from a log made safe for a terminal: control characters, escape
//! sequence introducers and bidi/invisible formatting characters are shown escaped, so a
//! message cannot move the cursor, change the title, clear the screen or hide text. Used
//! on stdout (`render`) and on stderr (`ui`).

/// Make a log message safe to show on a terminal: keep text, newlines and tabs; turn a
/// lone `\r` (Node's line separator) into a newline; show every other control character,
/// escape sequence introducer and bidi/invisible formatting character escaped, so the
/// message cannot move the cursor, change the title, clear the screen or hide text.
pub fn sanitize(msg: &str) -> std::borrow::Cow<'_, str> {
    let needs = msg.chars().any(|c| c != '\n' && c != '\t' && is_unsafe(c));
    if !needs {
        return std::borrow::Cow::Borrowed(msg);
    }
    let mut out = String::with_capacity(msg.len() + 16);
    let mut chars = msg.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\n' | '\t' => out.push(c),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push('\n');
                }
            }
            c if is_unsafe(c) => {
                let _ = std::fmt::Write::write_fmt(&mut out, format_args!("\\u{{{:x}}}", c as u32));
            }
            c => out.push(c),
        }
    }
    std::borrow::Cow::Owned(out)
}

/// A one-line field from AWS or a log (a stream, group, API, stage, function or route
/// name, a request id, a server's error text) made safe for a terminal the same way as
/// [`sanitize`], with newlines, tabs and carriage returns escaped too, so it stays on its
/// line and in its column.
pub fn sanitize_field(s: &str) -> std::borrow::Cow<'_, str> {
    if !s.chars().any(is_unsafe) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_unsafe(c) {
            let _ = std::fmt::Write::write_fmt(&mut out, format_args!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x200B..=0x200F      // zero-width space/joiners, LRM, RLM
            | 0x202A..=0x202E    // bidi embeddings and overrides
            | 0x2060..=0x2069    // word joiner, invisible operators, bidi isolates
            | 0xFEFF)
}
