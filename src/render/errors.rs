//! A failing request as `apitrace errors` prints it: its title and one-line detail.

pub fn failure_title(
    f: &crate::analyze::failures::Failure,
    t: Option<&crate::analyze::trace::Trace>,
) -> String {
    let status = f.status.map_or("failed".to_string(), |s| s.to_string());
    match t {
        Some(t) => format!(
            "{status} {} {}",
            t.facts.method.as_deref().unwrap_or("?"),
            t.facts.path.as_deref().unwrap_or("?")
        ),
        None => status,
    }
}

pub fn failure_detail(t: &crate::analyze::trace::Trace) -> String {
    let mut s = String::new();
    for l in &t.lambdas {
        s.push_str(&format!(
            "; lambda {} {} {}",
            l.function.as_deref().unwrap_or(&l.log_group),
            l.request_id,
            l.status
        ));
    }
    if let Some(a) = &t.authorizer {
        s.push_str(&format!(
            "; authorizer {} {}",
            a.function.as_deref().unwrap_or("?"),
            a.status
        ));
    }
    if let Some(r) = &t.facts.rejected {
        s.push_str(&format!("; {r}"));
    }
    if t.facts.lambda_throttled {
        s.push_str("; Lambda throttled (429)");
    }
    s
}
