//! The CLI's progress bar: the same fraction a job reports to the API, drawn on the terminal.

use indicatif::{ProgressBar, ProgressStyle};

pub fn bar(message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(1000);
    bar.set_style(
        ProgressStyle::with_template("{msg:>10} [{bar:40.cyan/blue}] {percent:>3}% {elapsed}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message(message);
    bar
}

/// A callback for the store's long operations: updates `bar`, never cancels.
pub fn reporter(bar: &ProgressBar) -> impl FnMut(f64) -> bool + Send + 'static {
    let bar = bar.clone();
    move |fraction| {
        bar.set_position((fraction.clamp(0.0, 1.0) * 1000.0) as u64);
        true
    }
}
