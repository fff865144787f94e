//! Linux signal names and numbers, for `kill` and `timeout`.
//!
//! A component has no signal handlers: sending a child any signal that would end a Linux process stops it at once
//! (`kruntimes:runtime/spawn` `child.kill`), and its status is then 128 + the signal's number, as bash reports a
//! process killed by that signal.

/// The standard signals, numbered 1 to 31 (x86-64 Linux, as `kill -l` lists them).
const STANDARD: [&str; 31] = [
    "HUP", "INT", "QUIT", "ILL", "TRAP", "ABRT", "BUS", "FPE", "KILL", "USR1", "SEGV", "USR2",
    "PIPE", "ALRM", "TERM", "STKFLT", "CHLD", "CONT", "STOP", "TSTP", "TTIN", "TTOU", "URG",
    "XCPU", "XFSZ", "VTALRM", "PROF", "WINCH", "IO", "PWR", "SYS",
];

/// The first and last real-time signals.
const RTMIN: u8 = 34;
const RTMAX: u8 = 64;

/// `SIGTERM`, the default of `kill` and `timeout`.
pub(crate) const TERM: u8 = 15;

/// The name of signal `n` without `SIG` (`TERM`, `RTMIN+1`), or `None` when there is no such signal.
pub(crate) fn name(n: u8) -> Option<String> {
    match n {
        1..=31 => Some(STANDARD[usize::from(n - 1)].to_owned()),
        RTMIN => Some("RTMIN".to_owned()),
        RTMAX => Some("RTMAX".to_owned()),
        35..=49 => Some(format!("RTMIN+{}", n - RTMIN)),
        50..=63 => Some(format!("RTMAX-{}", RTMAX - n)),
        _ => None,
    }
}

/// A signal given by name (any case, with or without `SIG`) or number; 0 is the "does it run" check.
pub(crate) fn parse(spec: &str) -> Option<u8> {
    if let Ok(n) = spec.parse::<u8>() {
        return (n == 0 || name(n).is_some()).then_some(n);
    }
    let upper = spec.to_ascii_uppercase();
    let bare = upper.strip_prefix("SIG").unwrap_or(&upper);
    (1..=RTMAX).find(|&n| name(n).as_deref() == Some(bare))
}

/// Whether signal `n` leaves a Linux process running unless it has a handler (`CHLD`, `CONT`, `URG`, `WINCH`).
pub(crate) fn ignored_by_default(n: u8) -> bool {
    matches!(n, 17 | 18 | 23 | 28)
}

/// Whether signal `n` stops (suspends) a process, which a component cannot be.
pub(crate) fn stops(n: u8) -> bool {
    matches!(n, 19..=22)
}

/// `kill -l` without operands: every signal as `%2d) SIGNAME`, five to a line, tab-separated.
pub(crate) fn table() -> String {
    let mut out = String::new();
    let mut column = 0;
    for n in 1..=RTMAX {
        let Some(name) = name(n) else { continue };
        out.push_str(&format!("{n:2}) SIG{name}\t"));
        column += 1;
        if column == 5 {
            out.pop();
            out.push('\n');
            column = 0;
        }
    }
    if column != 0 {
        out.push('\n');
    }
    out
}

/// `kill -l SPEC`: a number (or an exit status above 128) gives the name, a name gives the number.
pub(crate) fn list_one(spec: &str) -> Option<String> {
    if let Ok(n) = spec.parse::<u32>() {
        let n = if n > 128 { n - 128 } else { n };
        return match n {
            0 => Some("EXIT".to_owned()),
            _ => u8::try_from(n).ok().and_then(name),
        };
    }
    if spec.eq_ignore_ascii_case("EXIT") {
        return Some("0".to_owned());
    }
    parse(spec).map(|n| n.to_string())
}

/// A duration as `timeout` and `sleep` take it: a decimal number of seconds, or with a suffix `s`, `m`, `h` or
/// `d`. Returns nanoseconds (saturating), or `None` when it is not a duration.
pub(crate) fn duration_ns(text: &str) -> Option<u64> {
    let (number, unit) = match text.char_indices().last()? {
        (at, c @ ('s' | 'm' | 'h' | 'd')) => (&text[..at], c),
        _ => (text, 's'),
    };
    if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return None;
    }
    let seconds: f64 = number.parse().ok()?;
    let scale = match unit {
        'm' => 60.0,
        'h' => 3_600.0,
        'd' => 86_400.0,
        _ => 1.0,
    };
    let ns = seconds * scale * 1e9;
    // `as` saturates at u64::MAX for a duration too long to represent: it never ends.
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Some(ns.ceil() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_numbers_are_linux_ones() {
        assert_eq!(name(9).as_deref(), Some("KILL"));
        assert_eq!(name(31).as_deref(), Some("SYS"));
        assert_eq!(name(32), None);
        assert_eq!(name(35).as_deref(), Some("RTMIN+1"));
        assert_eq!(name(63).as_deref(), Some("RTMAX-1"));
        assert_eq!(parse("term"), Some(15));
        assert_eq!(parse("SIGKILL"), Some(9));
        assert_eq!(parse("0"), Some(0));
        assert_eq!(parse("RTMIN+1"), Some(35));
        assert_eq!(parse("FOO"), None);
        assert_eq!(parse("99"), None);
    }

    #[test]
    fn the_table_is_bash_kill_l() {
        let table = table();
        assert!(
            table.starts_with(" 1) SIGHUP\t 2) SIGINT\t 3) SIGQUIT\t 4) SIGILL\t 5) SIGTRAP\n")
        );
        assert!(table.ends_with("63) SIGRTMAX-1\t64) SIGRTMAX\t\n"));
        assert_eq!(table.lines().count(), 13);
    }

    #[test]
    fn list_one_maps_both_ways() {
        assert_eq!(list_one("143").as_deref(), Some("TERM"));
        assert_eq!(list_one("term").as_deref(), Some("15"));
        assert_eq!(list_one("0").as_deref(), Some("EXIT"));
        assert_eq!(list_one("EXIT").as_deref(), Some("0"));
        assert_eq!(list_one("256"), None);
    }

    #[test]
    fn durations_take_gnu_suffixes() {
        assert_eq!(duration_ns("2"), Some(2_000_000_000));
        assert_eq!(duration_ns("0.5s"), Some(500_000_000));
        assert_eq!(duration_ns("1m"), Some(60_000_000_000));
        assert_eq!(duration_ns("1.5h"), Some(5_400_000_000_000));
        assert_eq!(duration_ns("0"), Some(0));
        assert_eq!(duration_ns("x"), None);
        assert_eq!(duration_ns("-1"), None);
        assert_eq!(duration_ns("s"), None);
        assert_eq!(duration_ns("1e999"), None);
    }
}
