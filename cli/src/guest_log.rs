//! `kruntimes.log(...)` records of a local Run on krt's stderr. On a cluster they go to runtimed's log; the host
//! emits them as `tracing` events of target `guest`, which this layer prints as `krt: log info: message` lines
//! (and nothing else: krt's own diagnostics are not tracing events).

use std::fmt::Write as _;

use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::Layer;
use tracing_subscriber::layer::{Context, SubscriberExt as _};

/// Prints guest log records on stderr for the rest of the process.
pub(crate) fn show_on_stderr() {
    let subscriber = tracing_subscriber::registry().with(GuestLog);
    // Only the first call in a process takes effect; a second one (never made) would change nothing.
    let _ = tracing::subscriber::set_global_default(subscriber);
}

/// The layer: `guest` events only.
struct GuestLog;

impl<S: Subscriber> Layer<S> for GuestLog {
    fn enabled(&self, metadata: &tracing::Metadata<'_>, _ctx: Context<'_, S>) -> bool {
        metadata.target() == "guest"
    }

    fn on_event(&self, event: &Event<'_>, _ctx: Context<'_, S>) {
        let mut visitor = Message::default();
        event.record(&mut visitor);
        eprintln!(
            "{}",
            line(*event.metadata().level(), visitor.critical, &visitor.text)
        );
    }
}

/// The line for one record: the level as the guest gave it, the message with control characters escaped.
fn line(level: Level, critical: bool, message: &str) -> String {
    let level = match level {
        _ if critical => "critical",
        Level::TRACE => "trace",
        Level::DEBUG => "debug",
        Level::INFO => "info",
        Level::WARN => "warn",
        Level::ERROR => "error",
    };
    format!(
        "krt: log {level}: {}",
        crate::output::terminal_safe(message)
    )
}

#[derive(Default)]
struct Message {
    text: String,
    critical: bool,
}

impl Visit for Message {
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.text.push_str(value);
        }
    }

    fn record_bool(&mut self, field: &Field, value: bool) {
        if field.name() == "critical" {
            self.critical = value;
        }
    }

    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.text, "{value:?}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_one_escaped_line_with_their_level() {
        assert_eq!(line(Level::INFO, false, "page 3"), "krt: log info: page 3");
        assert_eq!(line(Level::ERROR, true, "down"), "krt: log critical: down");
        assert!(!line(Level::WARN, false, "a\u{1b}[2Jb").contains('\u{1b}'));
    }
}
