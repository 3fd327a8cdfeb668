//! What the coordinator sees while drafts go out, on stderr: a bar when stderr is a
//! terminal (done/total, rate, time left, accepted, rejected, retrying), one line per
//! draft otherwise (logs, CI), and with `--quiet` only the drafts that went wrong.
//! Ctrl-C is acknowledged at once, in every mode, and the bar then says so until the
//! drafts in flight are answered.

use std::collections::HashSet;
use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// The bar's line. On Unix it ends in two blanks and the cursor rests on them (CSI 2 D)
/// rather than at the right edge, where indicatif leaves it: the `^C` that the terminal
/// echoes then stays on the bar's line, which the next draw clears, instead of wrapping
/// to a new line and leaving a stale copy of the bar behind. (Windows consoles may not
/// take the escape, and Ctrl-C is not caught there.)
const BAR: &str = if cfg!(unix) {
    "{spinner} {pos}/{len} [{wide_bar}] {rate} ETA {eta}  {msg}  \x1b[2D"
} else {
    "{spinner} {pos}/{len} [{wide_bar}] {rate} ETA {eta}  {msg}"
};

/// How a finished draft is shown.
pub struct Line<'a> {
    /// `000245.json (loan 000245)`.
    pub draft: &'a str,
    pub kind: Kind,
    /// For an accepted draft, its id; otherwise what went wrong.
    pub text: &'a str,
}

/// The outcome of a finished draft, as counted on the bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Accepted,
    /// Rejected, or not stored after every retry.
    Rejected,
    /// Sent, outcome unknown.
    Uncertain,
}

/// The progress display of one upload.
pub struct Progress {
    mode: Mode,
    total: usize,
    done: usize,
    accepted: usize,
    rejected: usize,
    uncertain: usize,
    retrying: HashSet<usize>,
    /// Ctrl-C came: no new draft starts.
    interrupted: bool,
}

enum Mode {
    Bar(ProgressBar),
    Lines,
    Quiet,
}

impl Progress {
    /// A bar if stderr is a terminal, lines otherwise, nothing but errors if `quiet`.
    pub fn start(total: usize, quiet: bool) -> Self {
        let mode = if quiet {
            Mode::Quiet
        } else if std::io::stderr().is_terminal() {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            if let Ok(style) = ProgressStyle::with_template(BAR) {
                bar.set_style(
                    style
                        .with_key(
                            "rate",
                            |state: &indicatif::ProgressState, w: &mut dyn std::fmt::Write| {
                                let _ = write!(w, "{:.1}/s", state.per_sec());
                            },
                        )
                        .progress_chars("=> "),
                );
            }
            bar.enable_steady_tick(Duration::from_millis(120));
            Mode::Bar(bar)
        } else {
            Mode::Lines
        };
        let progress = Progress {
            mode,
            total,
            done: 0,
            accepted: 0,
            rejected: 0,
            uncertain: 0,
            retrying: HashSet::new(),
            interrupted: false,
        };
        progress.update();
        progress
    }

    /// A draft is waiting to be tried again.
    pub fn retrying(&mut self, index: usize, draft: &str, why: &str) {
        self.retrying.insert(index);
        match &self.mode {
            Mode::Bar(_) => self.update(),
            Mode::Lines => eprintln!("kiva-drafts: retrying {draft}: {why}"),
            Mode::Quiet => {}
        }
    }

    /// A draft is done.
    pub fn finished(&mut self, index: usize, line: &Line<'_>) {
        self.retrying.remove(&index);
        self.done += 1;
        match line.kind {
            Kind::Accepted => self.accepted += 1,
            Kind::Rejected => self.rejected += 1,
            Kind::Uncertain => self.uncertain += 1,
        }
        let accepted = line.kind == Kind::Accepted;
        let width = self.total.to_string().len();
        match &self.mode {
            Mode::Bar(bar) => {
                if !accepted {
                    bar.println(format!("kiva-drafts: error: {}: {}", line.draft, line.text));
                }
                bar.inc(1);
                self.update();
            }
            Mode::Lines if accepted => eprintln!(
                "kiva-drafts: [{:>width$}/{}] accepted {}: {}",
                self.done, self.total, line.draft, line.text
            ),
            Mode::Lines | Mode::Quiet if !accepted => {
                eprintln!("kiva-drafts: error: {}: {}", line.draft, line.text);
            }
            Mode::Lines | Mode::Quiet => {}
        }
    }

    /// Ctrl-C came while `in_flight` requests were out: says what happens now.
    pub fn interrupted(&mut self, in_flight: usize) {
        self.interrupted = true;
        let text = if in_flight == 0 {
            "kiva-drafts: interrupted: starting no more drafts".to_string()
        } else {
            format!(
                "kiva-drafts: interrupted: starting no more drafts; waiting for the answer{s} to the {in_flight} in flight (Ctrl-C again stops at once and leaves {them} uncertain)",
                s = if in_flight == 1 { "" } else { "s" },
                them = if in_flight == 1 { "it" } else { "them" },
            )
        };
        match &self.mode {
            Mode::Bar(bar) => {
                bar.println(text);
                self.update();
            }
            Mode::Lines | Mode::Quiet => eprintln!("{text}"),
        }
    }

    /// Removes the bar.
    pub fn finish(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.finish_and_clear();
        }
    }

    fn update(&self) {
        if let Mode::Bar(bar) = &self.mode {
            bar.set_message(format!(
                "{}accepted {}  rejected {}  uncertain {}  retrying {}",
                if self.interrupted {
                    "interrupted  "
                } else {
                    ""
                },
                self.accepted,
                self.rejected,
                self.uncertain,
                self.retrying.len()
            ));
        }
    }
}
