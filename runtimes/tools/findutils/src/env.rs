//! `env [-i] [-u NAME]... [-0] [NAME=VALUE]... [COMMAND [ARG]...]`.

use crate::run::{self, Outcome, Stdin};

#[derive(Debug, Default, PartialEq)]
pub struct Opts {
    /// `-i`/`-`/`--ignore-environment`: start from an empty environment.
    pub ignore: bool,
    /// `-u NAME`/`--unset=NAME`, in order.
    pub unset: Vec<String>,
    /// `-0`/`--null`: end output lines with NUL instead of newline.
    pub null: bool,
    /// `NAME=VALUE` operands, in order.
    pub assign: Vec<(String, String)>,
    /// The command and its arguments (empty: print the environment).
    pub command: Vec<String>,
}

/// Parses the arguments (GNU: options stop at the first operand, `--` ends them, `-` alone means
/// `-i`). Errors are messages for `env: …` (exit status 125).
pub fn parse_args(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts::default();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            break;
        } else if a == "-" {
            o.ignore = true;
        } else if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let matches = |full: &str| !name.is_empty() && full.starts_with(name);
            if matches("ignore-environment") && inline.is_none() {
                o.ignore = true;
            } else if matches("null") && inline.is_none() {
                o.null = true;
            } else if matches("unset") {
                let v = match inline {
                    Some(v) => v,
                    None => {
                        let v = args
                            .get(i)
                            .ok_or("option '--unset' requires an argument".to_string())?;
                        i += 1;
                        v.clone()
                    }
                };
                o.unset.push(v);
            } else {
                return Err(format!("unrecognized option '{a}'"));
            }
        } else if let Some(cluster) = a.strip_prefix('-').filter(|c| !c.is_empty()) {
            for (pos, c) in cluster.char_indices() {
                match c {
                    'i' => o.ignore = true,
                    '0' => o.null = true,
                    'u' => {
                        let rest = &cluster[pos + 1..];
                        let v = if rest.is_empty() {
                            let v = args
                                .get(i)
                                .ok_or("option requires an argument -- 'u'".to_string())?;
                            i += 1;
                            v.clone()
                        } else {
                            rest.to_string()
                        };
                        o.unset.push(v);
                        break;
                    }
                    _ => return Err(format!("invalid option -- '{c}'")),
                }
            }
        } else {
            i -= 1;
            break;
        }
    }
    for name in &o.unset {
        if name.is_empty() || name.contains('=') {
            return Err(format!("cannot unset '{name}': Invalid argument"));
        }
    }
    while let Some(a) = args.get(i) {
        match a.split_once('=') {
            Some((n, v)) => o.assign.push((n.to_string(), v.to_string())),
            None => break,
        }
        i += 1;
    }
    o.command = args[i..].to_vec();
    if o.null && !o.command.is_empty() {
        return Err("cannot specify --null (-0) with command".into());
    }
    Ok(o)
}

/// The environment `o` makes from `base`: empty with `-i`, without the `-u` names, then each
/// assignment replacing the variable in place or appended.
pub fn environment(o: &Opts, base: Vec<(String, String)>) -> Vec<(String, String)> {
    let mut env = if o.ignore { Vec::new() } else { base };
    env.retain(|(n, _)| !o.unset.contains(n));
    for (name, value) in &o.assign {
        match env.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value.clone(),
            None => env.push((name.clone(), value.clone())),
        }
    }
    env
}

/// The output without a command: `NAME=VALUE` lines, or NUL-terminated with `-0`.
pub fn render(env: &[(String, String)], null: bool) -> String {
    let end = if null { '\0' } else { '\n' };
    env.iter().map(|(n, v)| format!("{n}={v}{end}")).collect()
}

pub fn main(args: &[String]) -> i32 {
    match args.first().map(String::as_str) {
        Some("--help") => {
            println!("Usage: env [OPTION]... [-] [NAME=VALUE]... [COMMAND [ARG]...]");
            return 0;
        }
        Some("--version") => {
            println!("env (kruntimes findutils) 9.4");
            return 0;
        }
        _ => {}
    }
    let o = match parse_args(args) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("env: {e}");
            if !e.starts_with("cannot unset") {
                eprintln!("Try 'env --help' for more information.");
            }
            return 125;
        }
    };
    let env = environment(&o, std::env::vars().collect());
    let Some((program, rest)) = o.command.split_first() else {
        use std::io::Write;
        let mut out = std::io::stdout().lock();
        return match out
            .write_all(render(&env, o.null).as_bytes())
            .and_then(|()| out.flush())
        {
            Ok(()) => 0,
            Err(e) => {
                eprintln!("env: write error: {e}");
                125
            }
        };
    };
    match run::run_with_env(program, rest, Stdin::Inherit, &env) {
        Outcome::Exited(code) => i32::from(code),
        Outcome::NotFound => {
            eprintln!("env: '{program}': No such file or directory");
            127
        }
        Outcome::CannotRun(m) => {
            eprintln!("env: '{program}': {m}");
            126
        }
        // Like the shell reports a child that trapped (134, SIGABRT) or was killed (137).
        Outcome::Crashed(m) if m == "killed" => 137,
        Outcome::Crashed(m) => {
            eprintln!("{program}: {}", m.strip_prefix("trapped: ").unwrap_or(&m));
            134
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    fn pairs(v: &[(&str, &str)]) -> Vec<(String, String)> {
        v.iter()
            .map(|(n, v)| (n.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn parsing() {
        let o = parse_args(&s(&["-i", "-u", "A", "-uB", "X=1", "Y=a=b", "cmd", "Z=2"])).unwrap();
        assert!(o.ignore && !o.null);
        assert_eq!(o.unset, s(&["A", "B"]));
        assert_eq!(o.assign, pairs(&[("X", "1"), ("Y", "a=b")]));
        assert_eq!(o.command, s(&["cmd", "Z=2"]));

        let o = parse_args(&s(&["-", "--unset=A", "--unset", "B", "--null"])).unwrap();
        assert!(o.ignore && o.null);
        assert_eq!(o.unset, s(&["A", "B"]));
        assert!(o.command.is_empty());

        let o = parse_args(&s(&["-0i", "--", "-x=1"])).unwrap();
        assert!(o.ignore && o.null);
        assert_eq!(o.assign, pairs(&[("-x", "1")]));

        // Options stop at the first operand.
        let o = parse_args(&s(&["A=1", "-i"])).unwrap();
        assert!(!o.ignore);
        assert_eq!(o.command, s(&["-i"]));
        let o = parse_args(&s(&["ls", "-l"])).unwrap();
        assert_eq!(o.command, s(&["ls", "-l"]));
        assert_eq!(parse_args(&[]).unwrap(), Opts::default());
    }

    #[test]
    fn parse_errors() {
        assert_eq!(
            parse_args(&s(&["-x"])).unwrap_err(),
            "invalid option -- 'x'"
        );
        assert_eq!(
            parse_args(&s(&["--bogus"])).unwrap_err(),
            "unrecognized option '--bogus'"
        );
        assert_eq!(
            parse_args(&s(&["-u"])).unwrap_err(),
            "option requires an argument -- 'u'"
        );
        assert_eq!(
            parse_args(&s(&["-u", "A=B"])).unwrap_err(),
            "cannot unset 'A=B': Invalid argument"
        );
        assert_eq!(
            parse_args(&s(&["-0", "true"])).unwrap_err(),
            "cannot specify --null (-0) with command"
        );
    }

    #[test]
    fn environments() {
        let base = pairs(&[("A", "1"), ("B", "2"), ("C", "3")]);
        let o = parse_args(&s(&["-u", "A", "B=x", "D=4", "D=5"])).unwrap();
        assert_eq!(
            environment(&o, base.clone()),
            pairs(&[("B", "x"), ("C", "3"), ("D", "5")])
        );
        let o = parse_args(&s(&["-i", "A=9"])).unwrap();
        assert_eq!(environment(&o, base.clone()), pairs(&[("A", "9")]));
        let o = parse_args(&[]).unwrap();
        assert_eq!(environment(&o, base.clone()), base);
    }

    #[test]
    fn rendering() {
        let env = pairs(&[("A", "1"), ("B", "x y")]);
        assert_eq!(render(&env, false), "A=1\nB=x y\n");
        assert_eq!(render(&env, true), "A=1\0B=x y\0");
    }

    #[test]
    fn runs_commands_with_the_environment() {
        let env = pairs(&[("PATH", "/usr/bin:/bin"), ("KRT_ENV_TEST", "7")]);
        let args = s(&["-c", "exit $KRT_ENV_TEST"]);
        assert_eq!(
            run::run_with_env("/bin/sh", &args, Stdin::Inherit, &env),
            Outcome::Exited(7)
        );
        assert_eq!(
            run::run_with_env("krt-no-such-program", &[], Stdin::Inherit, &env),
            Outcome::NotFound
        );
    }
}
