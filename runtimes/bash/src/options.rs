//! bash's option scanning for builtins whose options take no argument (its `internal_getopt`): leading words
//! of `-` and letters are options, `--` ends them, `-` alone is an operand.

/// The option letters given (in order, repeats kept) and the operands after them, or the first option that is
/// not one of `letters` (as `-z`, the way bash names it in `invalid option`).
pub(crate) fn scan<'a>(
    args: &'a [String],
    letters: &str,
) -> Result<(Vec<char>, &'a [String]), String> {
    let mut given = Vec::new();
    let mut i = 0;
    while let Some(arg) = args.get(i) {
        if arg == "--" {
            i += 1;
            break;
        }
        let Some(word) = arg.strip_prefix('-').filter(|w| !w.is_empty()) else {
            break;
        };
        for letter in word.chars() {
            if !letters.contains(letter) {
                return Err(format!("-{letter}"));
            }
            given.push(letter);
        }
        i += 1;
    }
    Ok((given, &args[i..]))
}

/// The operands of a builtin that takes no options (`exit`, `return`, `shift`): a leading `--` is skipped.
pub(crate) fn operands(args: &[String]) -> &[String] {
    match args.first().map(String::as_str) {
        Some("--") => &args[1..],
        _ => args,
    }
}

/// [`scan`] for a builtin: an option it does not have is reported on its stderr as bash reports it
/// (`main.sh: line 1: cd: -z: invalid option` and the usage line), and the `Err` is the status, 2.
pub(crate) fn scan_for<'a, SE: brush_core::ShellExtensions>(
    context: &brush_core::ExecutionContext<'_, SE>,
    args: &'a [String],
    letters: &str,
) -> Result<(Vec<char>, &'a [String]), brush_core::ExecutionResult> {
    scan(args, letters).map_err(|option| invalid(context, &option))
}

/// Reports an option the builtin does not have on its stderr as bash reports it (`main.sh: line 1: cd: -z:
/// invalid option` and the usage line) and returns bash's status for it, 2.
pub(crate) fn invalid<SE: brush_core::ShellExtensions>(
    context: &brush_core::ExecutionContext<'_, SE>,
    option: &str,
) -> brush_core::ExecutionResult {
    use std::io::Write as _;
    let message = crate::errors::invalid_option(&context.command_name, option);
    let prefix = crate::errors::shell_prefix(context.shell);
    let _ = writeln!(context.stderr(), "{prefix}{message}");
    brush_core::ExecutionResult::new(2)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        s.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn options_end_at_the_first_operand_or_double_dash() {
        let args = words("-LP -e dir -P");
        let (given, operands) = scan(&args, "LPe").unwrap();
        assert_eq!(given, ['L', 'P', 'e']);
        assert_eq!(operands, ["dir", "-P"]);

        let args = words("-- -P");
        let (given, operands) = scan(&args, "LP").unwrap();
        assert!(given.is_empty());
        assert_eq!(operands, ["-P"]);

        let args = words("- x");
        assert_eq!(scan(&args, "L").unwrap().1, ["-", "x"]);
    }

    #[test]
    fn an_unknown_letter_is_named_as_bash_names_it() {
        assert_eq!(scan(&words("-Lz dir"), "LP"), Err("-z".to_owned()));
    }
}
