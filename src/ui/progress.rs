//! Progress on stderr while a long fetch writes its output elsewhere: groups done of total,
//! pages, events, throttles waited out, elapsed time. Shown only when stderr is a
//! terminal, stdout is not (the lines go to a file or a pipe), `CI` is unset and
//! `--quiet` is off, and only once the fetch has taken a second; the line is cleared
//! before anything else is written to stderr, and at the end.

use std::io::Write;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::core::model::FetchStats;

static ACTIVE: AtomicBool = AtomicBool::new(false);

/// Clear the progress line, if one is shown (call before writing to stderr).
pub fn clear() {
    if ACTIVE.load(Ordering::SeqCst) {
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(b"\r\x1b[2K");
        let _ = e.flush();
    }
}

/// Whether progress should be shown, from the process's terminals and environment.
pub fn wanted(stdout_is_tty: bool, stderr_is_tty: bool, ci: bool, quiet: bool) -> bool {
    stderr_is_tty && !stdout_is_tty && !ci && !quiet
}

/// The progress line for these counters.
pub fn line(stats: &FetchStats, total_groups: usize, elapsed: Duration) -> String {
    let n = |a: &std::sync::atomic::AtomicU64| a.load(Ordering::Relaxed);
    format!(
        "apitrace: {}/{} groups, {} pages, {} events, {} throttled, {:.1} s",
        n(&stats.groups_done),
        total_groups,
        n(&stats.pages),
        n(&stats.events),
        n(&stats.throttles),
        elapsed.as_secs_f64()
    )
}

/// Shows progress until dropped.
pub struct Progress {
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Progress {
    pub fn start(stats: Arc<FetchStats>, total_groups: usize, enabled: bool) -> Progress {
        Progress::start_with(stats, total_groups, enabled, Arc::new(String::new))
    }

    /// The same, with `extra()` appended to the line (e.g. `errors`' failures found and
    /// linked).
    pub fn start_with(
        stats: Arc<FetchStats>,
        total_groups: usize,
        enabled: bool,
        extra: Arc<dyn Fn() -> String + Send + Sync>,
    ) -> Progress {
        if !enabled {
            return Progress { task: None };
        }
        let t0 = Instant::now();
        let task = tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(1)).await;
            ACTIVE.store(true, Ordering::SeqCst);
            loop {
                {
                    let mut e = std::io::stderr().lock();
                    let more = extra();
                    let sep = if more.is_empty() { "" } else { ", " };
                    let _ = write!(
                        e,
                        "\r\x1b[2K{}{sep}{more}",
                        line(&stats, total_groups, t0.elapsed())
                    );
                    let _ = e.flush();
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        });
        Progress { task: Some(task) }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        if let Some(t) = self.task.take() {
            t.abort();
            clear();
            ACTIVE.store(false, Ordering::SeqCst);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shown_only_for_a_person_waiting_on_a_redirected_output() {
        assert!(wanted(false, true, false, false));
        assert!(
            !wanted(true, true, false, false),
            "lines are on the terminal already"
        );
        assert!(!wanted(false, false, false, false), "stderr is a pipe");
        assert!(!wanted(false, true, true, false), "CI");
        assert!(!wanted(false, true, false, true), "--quiet");
    }

    #[test]
    fn the_line() {
        let s = FetchStats::default();
        s.pages.store(12, Ordering::Relaxed);
        s.events.store(8432, Ordering::Relaxed);
        s.groups_done.store(3, Ordering::Relaxed);
        assert_eq!(
            line(&s, 7, Duration::from_millis(1234)),
            "apitrace: 3/7 groups, 12 pages, 8432 events, 0 throttled, 1.2 s"
        );
    }
}
