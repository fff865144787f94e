//! Which program runs a script: its `#!` line, or bash when it has none (as bash does).

/// The program and extra arguments of a script's `#!` line; bash when there is none (as bash does).
pub(crate) fn interpreter(head: &[u8]) -> (String, Vec<String>) {
    let Some(rest) = head.strip_prefix(b"#!") else {
        return ("bash".to_owned(), Vec::new());
    };
    let line = rest.split(|b| *b == b'\n').next().unwrap_or_default();
    let line = String::from_utf8_lossy(line);
    let mut words = line.split_whitespace();
    let Some(first) = words.next() else {
        return ("bash".to_owned(), Vec::new());
    };
    let mut name = first.rsplit('/').next().unwrap_or(first).to_owned();
    let mut extra: Vec<String> = words.map(str::to_owned).collect();
    if name == "env" && !extra.is_empty() {
        name = extra.remove(0);
    }
    (name, extra)
}

#[cfg(test)]
mod tests {
    use super::interpreter;

    #[test]
    fn shebang_lines_name_the_interpreter() {
        assert_eq!(interpreter(b"#!/bin/bash\necho"), ("bash".into(), vec![]));
        assert_eq!(
            interpreter(b"#!/usr/bin/env python3\n"),
            ("python3".into(), vec![])
        );
        assert_eq!(
            interpreter(b"#!/bin/sh -e\n"),
            ("sh".into(), vec!["-e".to_owned()])
        );
        assert_eq!(interpreter(b"echo hi\n"), ("bash".into(), vec![]));
    }
}
