//! Searching one input and printing what GNU grep prints for it.

use std::collections::VecDeque;
use std::io::{self, BufRead, Write};

use regex::bytes::Regex;

/// What to print, decided once from the command line.
#[derive(Clone, Debug, Default)]
pub struct OutputOptions {
    pub invert: bool,
    pub line_numbers: bool,
    pub count: bool,
    pub files_with_matches: bool,
    pub files_without_match: bool,
    pub only_matching: bool,
    pub quiet: bool,
    pub max_count: Option<u64>,
    pub before: usize,
    pub after: usize,
    pub null_after_name: bool,
    pub binary_as_text: bool,
    pub skip_binary: bool,
    pub line_buffered: bool,
}

/// State shared by all inputs of one run.
pub struct Searcher<'a, W: Write> {
    pub regex: Option<&'a Regex>,
    pub options: &'a OutputOptions,
    pub out: W,
    /// Whether any line has been printed, for `--` separators between context groups.
    printed_any: bool,
}

/// The outcome for one input.
pub struct FileResult {
    pub selected: u64,
}

impl<'a, W: Write> Searcher<'a, W> {
    pub fn new(regex: Option<&'a Regex>, options: &'a OutputOptions, out: W) -> Self {
        Searcher {
            regex,
            options,
            out,
            printed_any: false,
        }
    }

    fn is_match(&self, line: &[u8]) -> bool {
        self.regex.is_some_and(|re| re.is_match(line))
    }

    /// Searches `input`; `name` is `Some` when lines are prefixed with the file name.
    pub fn search(
        &mut self,
        input: &mut dyn BufRead,
        name: Option<&str>,
        display_name: &str,
    ) -> io::Result<FileResult> {
        let o = self.options;
        let context_used = o.before > 0 || o.after > 0;
        let prints_lines = !(o.quiet || o.count || o.files_with_matches || o.files_without_match);
        let mut binary = !o.binary_as_text && input.fill_buf()?.contains(&0);
        if binary && o.skip_binary {
            return Ok(FileResult { selected: 0 });
        }
        let mut before: VecDeque<(u64, Vec<u8>)> = VecDeque::new();
        let mut after_left = 0usize;
        let mut last_printed: Option<u64> = None;
        let mut selected = 0u64;
        let mut binary_matched = false;
        let mut line = Vec::new();
        let mut number = 0u64;
        loop {
            line.clear();
            if input.read_until(b'\n', &mut line)? == 0 {
                break;
            }
            number += 1;
            if line.last() == Some(&b'\n') {
                line.pop();
            }
            if !o.binary_as_text && !binary && line.contains(&0) {
                binary = true;
            }
            let limit_reached = o.max_count.is_some_and(|max| selected >= max);
            if limit_reached {
                // GNU prints the trailing context of the last selected line, then stops.
                if after_left == 0 || !prints_lines {
                    break;
                }
                after_left -= 1;
                self.print_line(name, number, &line, b'-', &mut last_printed)?;
                continue;
            }
            if self.is_match(&line) == o.invert {
                if after_left > 0 && prints_lines {
                    after_left -= 1;
                    self.print_line(name, number, &line, b'-', &mut last_printed)?;
                } else if o.before > 0 {
                    if before.len() == o.before {
                        before.pop_front();
                    }
                    before.push_back((number, line.clone()));
                }
                continue;
            }
            selected += 1;
            if o.quiet || o.files_with_matches || o.files_without_match {
                break;
            }
            if o.count {
                continue;
            }
            if binary {
                binary_matched = true;
                break;
            }
            let first = before.front().map_or(number, |(n, _)| *n);
            if context_used && self.printed_any && last_printed.is_none_or(|l| l + 1 < first) {
                self.out.write_all(b"--\n")?;
            }
            while let Some((n, text)) = before.pop_front() {
                self.print_line(name, n, &text, b'-', &mut last_printed)?;
            }
            if o.only_matching {
                self.print_matches(name, number, &line)?;
                last_printed = Some(number);
            } else {
                self.print_line(name, number, &line, b':', &mut last_printed)?;
            }
            after_left = o.after;
        }
        if binary_matched {
            eprintln!("grep: {display_name}: binary file matches");
        }
        Ok(FileResult { selected })
    }

    fn prefix(&mut self, name: Option<&str>, number: u64, separator: u8) -> io::Result<()> {
        if let Some(name) = name {
            self.out.write_all(name.as_bytes())?;
            let after_name = if self.options.null_after_name {
                0
            } else {
                separator
            };
            self.out.write_all(&[after_name])?;
        }
        if self.options.line_numbers {
            write!(self.out, "{number}")?;
            self.out.write_all(&[separator])?;
        }
        Ok(())
    }

    fn print_line(
        &mut self,
        name: Option<&str>,
        number: u64,
        line: &[u8],
        separator: u8,
        last_printed: &mut Option<u64>,
    ) -> io::Result<()> {
        if self.options.only_matching && separator == b'-' {
            return Ok(());
        }
        self.prefix(name, number, separator)?;
        self.out.write_all(line)?;
        self.out.write_all(b"\n")?;
        self.end_line()?;
        *last_printed = Some(number);
        Ok(())
    }

    /// `-o`: every non-empty match on its own line (nothing for `-v`, like GNU).
    fn print_matches(&mut self, name: Option<&str>, number: u64, line: &[u8]) -> io::Result<()> {
        let Some(re) = self.regex.filter(|_| !self.options.invert) else {
            return Ok(());
        };
        for m in re.find_iter(line).filter(|m| !m.is_empty()) {
            self.prefix(name, number, b':')?;
            self.out.write_all(m.as_bytes())?;
            self.out.write_all(b"\n")?;
            self.end_line()?;
        }
        Ok(())
    }

    fn end_line(&mut self) -> io::Result<()> {
        self.printed_any = true;
        if self.options.line_buffered {
            self.out.flush()?;
        }
        Ok(())
    }

    /// Prints the per-file summary of `-c`, `-l` and `-L`.
    pub fn summary(
        &mut self,
        name: Option<&str>,
        display_name: &str,
        selected: u64,
    ) -> io::Result<()> {
        let o = self.options;
        let end: &[u8] = if o.null_after_name { b"\0" } else { b"\n" };
        if o.quiet {
            return Ok(());
        }
        if o.files_with_matches && selected > 0 || o.files_without_match && selected == 0 {
            self.out.write_all(display_name.as_bytes())?;
            self.out.write_all(end)?;
        } else if o.count && !o.files_with_matches && !o.files_without_match {
            if let Some(name) = name {
                self.out.write_all(name.as_bytes())?;
                self.out
                    .write_all(if o.null_after_name { b"\0" } else { b":" })?;
            }
            writeln!(self.out, "{selected}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pattern::{MatchOptions, Syntax, compile};

    fn grep(pattern: &str, options: OutputOptions, input: &str, name: Option<&str>) -> String {
        let re = compile(
            &[pattern.to_string()],
            Syntax::Extended,
            MatchOptions::default(),
        )
        .unwrap()
        .unwrap();
        let mut searcher = Searcher::new(Some(&re), &options, Vec::new());
        let result = searcher.search(&mut input.as_bytes(), name, "f").unwrap();
        searcher.summary(name, "f", result.selected).unwrap();
        String::from_utf8(searcher.out).unwrap()
    }

    const TEXT: &str = "a1\nb\nc\nd\ne\nf\na2\ng\na3";

    #[test]
    fn plain_and_numbered() {
        assert_eq!(
            grep("a", OutputOptions::default(), TEXT, None),
            "a1\na2\na3\n"
        );
        let o = OutputOptions {
            line_numbers: true,
            invert: true,
            ..Default::default()
        };
        assert_eq!(grep("[a-e]", o, TEXT, Some("f")), "f:6:f\nf:8:g\n");
    }

    #[test]
    fn context_groups() {
        let o = OutputOptions {
            before: 1,
            after: 1,
            line_numbers: true,
            ..Default::default()
        };
        assert_eq!(
            grep("a", o, TEXT, None),
            "1:a1\n2-b\n--\n6-f\n7:a2\n8-g\n9:a3\n"
        );
        let o = OutputOptions {
            after: 2,
            max_count: Some(1),
            ..Default::default()
        };
        assert_eq!(grep("a", o, TEXT, None), "a1\nb\nc\n");
    }

    #[test]
    fn summaries() {
        let count = OutputOptions {
            count: true,
            max_count: Some(2),
            ..Default::default()
        };
        assert_eq!(grep("a", count, TEXT, Some("f")), "f:2\n");
        let list = OutputOptions {
            files_with_matches: true,
            ..Default::default()
        };
        assert_eq!(grep("a", list, TEXT, None), "f\n");
        let without = OutputOptions {
            files_without_match: true,
            ..Default::default()
        };
        assert_eq!(grep("zz", without, TEXT, None), "f\n");
    }

    #[test]
    fn only_matching() {
        let o = OutputOptions {
            only_matching: true,
            line_numbers: true,
            ..Default::default()
        };
        assert_eq!(grep("[0-9]|b", o, "x1y2\nb\n", None), "1:1\n1:2\n2:b\n");
    }
}
