//! Shell-style wildcard matching (fnmatch without flags): `*`, `?`, `[...]` (with `!`/`^`
//! negation and ranges), and `\` escapes. `*` also matches `/` and leading dots, as in find.

/// Does `pat` match all of `s`? With `fold`, ASCII letters match case-insensitively.
pub fn matches(pat: &str, s: &str, fold: bool) -> bool {
    let p: Vec<char> = pat.chars().collect();
    let t: Vec<char> = s.chars().collect();
    let eq = |a: char, b: char| {
        if fold {
            a.to_lowercase().eq(b.to_lowercase())
        } else {
            a == b
        }
    };
    let (mut pi, mut ti) = (0, 0);
    let (mut star_p, mut star_t) = (None::<usize>, 0);
    while ti < t.len() {
        let mut advanced = false;
        if pi < p.len() {
            match p[pi] {
                '*' => {
                    star_p = Some(pi);
                    star_t = ti;
                    pi += 1;
                    continue;
                }
                '?' => {
                    pi += 1;
                    ti += 1;
                    advanced = true;
                }
                '[' => {
                    if let Some((ok, len)) = class(&p[pi..], t[ti], fold) {
                        if ok {
                            pi += len;
                            ti += 1;
                            advanced = true;
                        }
                    } else if eq('[', t[ti]) {
                        pi += 1;
                        ti += 1;
                        advanced = true;
                    }
                }
                '\\' if pi + 1 < p.len() => {
                    if eq(p[pi + 1], t[ti]) {
                        pi += 2;
                        ti += 1;
                        advanced = true;
                    }
                }
                c => {
                    if eq(c, t[ti]) {
                        pi += 1;
                        ti += 1;
                        advanced = true;
                    }
                }
            }
        }
        if advanced {
            continue;
        }
        match star_p {
            Some(sp) => {
                pi = sp + 1;
                star_t += 1;
                ti = star_t;
            }
            None => return false,
        }
    }
    p[pi..].iter().all(|&c| c == '*')
}

/// Matches a bracket expression at the start of `p`: (matched, length), or `None` if unclosed.
fn class(p: &[char], c: char, fold: bool) -> Option<(bool, usize)> {
    let mut i = 1;
    let negate = matches!(p.get(i), Some('!') | Some('^'));
    if negate {
        i += 1;
    }
    let cl = if fold { c.to_ascii_lowercase() } else { c };
    let mut matched = false;
    let mut first = true;
    loop {
        let &x = p.get(i)?;
        if x == ']' && !first {
            return Some((matched != negate, i + 1));
        }
        first = false;
        if x == '[' && p.get(i + 1) == Some(&':') {
            let rest: String = p[i + 2..].iter().collect();
            if let Some(end) = rest.find(":]") {
                let name = &rest[..end];
                let ok = match name {
                    "alpha" => c.is_alphabetic(),
                    "digit" => c.is_ascii_digit(),
                    "alnum" => c.is_alphanumeric(),
                    "upper" => c.is_uppercase(),
                    "lower" => c.is_lowercase(),
                    "space" => c.is_whitespace(),
                    "punct" => c.is_ascii_punctuation(),
                    "xdigit" => c.is_ascii_hexdigit(),
                    _ => false,
                };
                matched |= ok;
                i += 2 + name.chars().count() + 2;
                continue;
            }
        }
        let lo = if fold { x.to_ascii_lowercase() } else { x };
        if p.get(i + 1) == Some(&'-') && p.get(i + 2).is_some_and(|&e| e != ']') {
            let hi = if fold {
                p[i + 2].to_ascii_lowercase()
            } else {
                p[i + 2]
            };
            if lo <= cl && cl <= hi {
                matched = true;
            }
            i += 3;
        } else {
            if lo == cl {
                matched = true;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn globs() {
        assert!(matches("*.rs", "main.rs", false));
        assert!(matches("*", ".hidden", false));
        assert!(!matches("*.rs", "main.rsx", false));
        assert!(matches("a?c", "abc", false));
        assert!(matches("[a-c]x", "bx", false));
        assert!(!matches("[!a-c]x", "bx", false));
        assert!(matches("*.TXT", "a.txt", true));
        assert!(matches("./a/*", "./a/b/c", false));
        assert!(matches("\\*", "*", false));
        assert!(matches("[[:digit:]]*", "7up", false));
        assert!(matches("a*b*c", "axxbyyc", false));
        assert!(!matches("a*b*c", "axxbyy", false));
    }
}
