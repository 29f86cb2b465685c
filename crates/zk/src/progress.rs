//! A spinner with elapsed time for long steps (setup, proving), on standard error, hidden when
//! standard error is not a terminal.

use indicatif::{ProgressBar, ProgressStyle};

/// A running step.
#[derive(Debug)]
pub(crate) struct Progress(ProgressBar);

impl Progress {
    pub(crate) fn start(message: String) -> Self {
        let bar = ProgressBar::new_spinner();
        bar.set_style(
            ProgressStyle::with_template("{spinner} {msg} [{elapsed_precise}]")
                .expect("a valid template"),
        );
        bar.set_message(message);
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
        Self(bar)
    }

    pub(crate) fn finish(self) {
        self.0.finish();
    }
}
