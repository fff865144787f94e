//! `strftime` in the C locale, for `printf`'s `%(fmt)T`: the common conversions of glibc, with its `-`, `_`, `0`
//! and `^` flags. Time zones: `TZ` as a POSIX zone with a fixed offset (`UTC`, `UTC0`, `EST5`, `<+03>-3`);
//! daylight-saving rules and zoneinfo names are not known (WASI has no zone database): those read as UTC.

const DAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// A broken-down time.
struct Tm {
    year: i64,
    /// 1..=12
    month: u32,
    /// 1..=31
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
    /// 0 = Sunday
    weekday: u32,
    /// 0..=365
    yearday: u32,
    /// Seconds east of UTC, and the zone's name.
    offset: i64,
    zone: String,
    epoch: i64,
}

/// Days since 1970-01-01 → (year, month, day) (Howard Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

/// The zone `TZ` names: (seconds east of UTC, name).
fn zone(tz: Option<&str>) -> (i64, String) {
    let tz = tz.unwrap_or("").trim_start_matches(':');
    let bytes = tz.as_bytes();
    let (name, rest) = if let Some(quoted) = tz.strip_prefix('<') {
        match quoted.find('>') {
            Some(end) => (&quoted[..end], &quoted[end + 1..]),
            None => return (0, "UTC".to_owned()),
        }
    } else {
        let end = bytes
            .iter()
            .position(|b| !b.is_ascii_alphabetic())
            .unwrap_or(bytes.len());
        (&tz[..end], &tz[end..])
    };
    if name.len() < 3 {
        return (0, "UTC".to_owned());
    }
    // [+-]hh[:mm[:ss]], west of UTC positive.
    let (sign, rest) = match rest.as_bytes().first() {
        Some(b'-') => (-1, &rest[1..]),
        Some(b'+') => (1, &rest[1..]),
        _ => (1, rest),
    };
    let mut seconds = 0;
    let mut parts = rest.split(':');
    for unit in [3600, 60, 1] {
        let Some(part) = parts.next() else { break };
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        if digits.is_empty() {
            break;
        }
        seconds += digits.parse::<i64>().unwrap_or(0) * unit;
        if digits.len() < part.len() {
            break;
        }
    }
    if rest.is_empty() || !rest.starts_with(|c: char| c.is_ascii_digit()) {
        // No offset: a zone we cannot look up.
        return (
            0,
            if name.eq_ignore_ascii_case("GMT") {
                "GMT"
            } else {
                "UTC"
            }
            .to_owned(),
        );
    }
    (-sign * seconds, name.to_owned())
}

fn broken_down(epoch: i64, tz: Option<&str>) -> Tm {
    let (offset, zone) = zone(tz);
    let local = epoch.saturating_add(offset);
    let days = local.div_euclid(86_400);
    let secs = local.rem_euclid(86_400);
    let (year, month, day) = civil_from_days(days);
    let mut yearday = day - 1;
    for m in 1..month {
        yearday += match m {
            2 if is_leap(year) => 29,
            2 => 28,
            4 | 6 | 9 | 11 => 30,
            _ => 31,
        };
    }
    Tm {
        year,
        month,
        day,
        hour: (secs / 3600) as u32,
        minute: (secs / 60 % 60) as u32,
        second: (secs % 60) as u32,
        weekday: (days + 4).rem_euclid(7) as u32,
        yearday,
        offset,
        zone,
        epoch,
    }
}

/// ISO 8601 week-based year and week number.
fn iso_week(tm: &Tm) -> (i64, u32) {
    let weeks_in = |year: i64| {
        let p =
            |y: i64| (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400)).rem_euclid(7);
        if p(year) == 4 || p(year - 1) == 3 {
            53
        } else {
            52
        }
    };
    let iso_weekday = i64::from((tm.weekday + 6) % 7 + 1);
    let week = (i64::from(tm.yearday) + 1 - iso_weekday + 10) / 7;
    if week < 1 {
        (tm.year - 1, weeks_in(tm.year - 1) as u32)
    } else if week > weeks_in(tm.year) {
        (tm.year + 1, 1)
    } else {
        (tm.year, week as u32)
    }
}

/// Formats `epoch` (seconds) with a `strftime` format in zone `tz`.
pub(crate) fn format(fmt: &[u8], epoch: i64, tz: Option<&str>) -> Vec<u8> {
    format_tm(fmt, &broken_down(epoch, tz))
}

fn format_tm(fmt: &[u8], tm: &Tm) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < fmt.len() {
        if fmt[i] != b'%' {
            out.push(fmt[i]);
            i += 1;
            continue;
        }
        let start = i;
        i += 1;
        let mut pad: Option<u8> = None;
        let mut upper = false;
        while let Some(&flag) = fmt.get(i) {
            match flag {
                b'-' => pad = Some(0),
                b'_' => pad = Some(b' '),
                b'0' => pad = Some(b'0'),
                b'^' => upper = true,
                b'#' => {}
                _ => break,
            }
            i += 1;
        }
        let mut width = 0;
        while let Some(d) = fmt.get(i).filter(|b| b.is_ascii_digit()) {
            width = width * 10 + usize::from(d - b'0');
            i += 1;
        }
        while matches!(fmt.get(i), Some(b'E' | b'O')) {
            i += 1;
        }
        let Some(&conversion) = fmt.get(i) else {
            out.extend_from_slice(&fmt[start..]);
            break;
        };
        i += 1;
        match conversion_text(tm, conversion) {
            Some((text, natural_pad, natural_width)) => {
                let text = if upper {
                    text.to_ascii_uppercase()
                } else {
                    text
                };
                let pad_byte = pad.unwrap_or(natural_pad);
                let width = if width > 0 {
                    width
                } else if pad == Some(0) {
                    0
                } else {
                    natural_width
                };
                let (negative, digits) = match text.strip_prefix('-') {
                    Some(d) if natural_width > 0 => (true, d.to_owned()),
                    _ => (false, text),
                };
                let digits = if natural_width > 0 {
                    digits.trim_start_matches('0').to_owned()
                } else {
                    digits
                };
                let digits = if natural_width > 0 && digits.is_empty() {
                    "0".to_owned()
                } else {
                    digits
                };
                let body_len = digits.len() + usize::from(negative);
                let fill = width.saturating_sub(body_len);
                if negative {
                    out.push(b'-');
                }
                if pad_byte != 0 || natural_width == 0 {
                    let byte = if pad_byte == 0 { b' ' } else { pad_byte };
                    out.extend(std::iter::repeat_n(byte, fill));
                }
                out.extend_from_slice(digits.as_bytes());
            }
            None => out.extend_from_slice(&fmt[start..i]),
        }
    }
    out
}

/// A conversion's text, the padding byte and width numbers get by default (width 0: not a number).
fn conversion_text(tm: &Tm, conversion: u8) -> Option<(String, u8, usize)> {
    let num = |v: i64, width: usize| Some((v.to_string(), b'0', width));
    let space = |v: i64| Some((v.to_string(), b' ', 2));
    let text = |s: String| Some((s, b' ', 0));
    let hour12 = |h: u32| if h.is_multiple_of(12) { 12 } else { h % 12 };
    match conversion {
        b'a' => text(DAYS[tm.weekday as usize][..3].to_owned()),
        b'A' => text(DAYS[tm.weekday as usize].to_owned()),
        b'b' | b'h' => text(MONTHS[tm.month as usize - 1][..3].to_owned()),
        b'B' => text(MONTHS[tm.month as usize - 1].to_owned()),
        b'c' => text(sub(tm, b"%a %b %e %H:%M:%S %Y")),
        b'C' => num(tm.year.div_euclid(100), 2),
        b'd' => num(tm.day.into(), 2),
        b'D' | b'x' => text(sub(tm, b"%m/%d/%y")),
        b'e' => space(tm.day.into()),
        b'F' => text(sub(tm, b"%Y-%m-%d")),
        b'g' => num(iso_week(tm).0.rem_euclid(100), 2),
        b'G' => num(iso_week(tm).0, 1),
        b'H' => num(tm.hour.into(), 2),
        b'I' => num(hour12(tm.hour).into(), 2),
        b'j' => num(i64::from(tm.yearday) + 1, 3),
        b'k' => space(tm.hour.into()),
        b'l' => space(hour12(tm.hour).into()),
        b'm' => num(tm.month.into(), 2),
        b'M' => num(tm.minute.into(), 2),
        b'n' => text("\n".to_owned()),
        b'p' => text(if tm.hour < 12 { "AM" } else { "PM" }.to_owned()),
        b'P' => text(if tm.hour < 12 { "am" } else { "pm" }.to_owned()),
        b'r' => text(sub(tm, b"%I:%M:%S %p")),
        b'R' => text(sub(tm, b"%H:%M")),
        b's' => num(tm.epoch, 1),
        b'S' => num(tm.second.into(), 2),
        b't' => text("\t".to_owned()),
        b'T' | b'X' => text(sub(tm, b"%H:%M:%S")),
        b'u' => num(((tm.weekday + 6) % 7 + 1).into(), 1),
        b'U' => num(((tm.yearday + 7 - tm.weekday) / 7).into(), 2),
        b'V' => num(iso_week(tm).1.into(), 2),
        b'w' => num(tm.weekday.into(), 1),
        b'W' => num(((tm.yearday + 7 - (tm.weekday + 6) % 7) / 7).into(), 2),
        b'y' => num(tm.year.rem_euclid(100), 2),
        b'Y' => num(tm.year, 1),
        b'z' => {
            let sign = if tm.offset < 0 { '-' } else { '+' };
            let abs = tm.offset.abs();
            text(format!("{sign}{:02}{:02}", abs / 3600, abs / 60 % 60))
        }
        b'Z' => text(tm.zone.clone()),
        b'%' => text("%".to_owned()),
        _ => None,
    }
}

fn sub(tm: &Tm, fmt: &[u8]) -> String {
    String::from_utf8_lossy(&format_tm(fmt, tm)).into_owned()
}

#[cfg(test)]
mod tests {
    use super::format;

    fn f(fmt: &str, epoch: i64, tz: &str) -> String {
        String::from_utf8(format(fmt.as_bytes(), epoch, Some(tz))).unwrap()
    }

    #[test]
    fn formats_like_glibc_in_the_c_locale() {
        assert_eq!(f("%Y-%m-%d %H:%M:%S", 0, "UTC"), "1970-01-01 00:00:00");
        assert_eq!(
            f("%F %T %a %b %j", 1_700_000_000, "UTC"),
            "2023-11-14 22:13:20 Tue Nov 318"
        );
        assert_eq!(
            f("%c|%x|%X|%D|%e|%k|%l|%p", 1_700_000_000, "UTC"),
            "Tue Nov 14 22:13:20 2023|11/14/23|22:13:20|11/14/23|14|22|10|PM"
        );
        assert_eq!(
            f("%G-%V %U %W %u %w %C %y %s", 1_700_000_000, "UTC"),
            "2023-46 46 46 2 2 20 23 1700000000"
        );
        assert_eq!(f("%G-%V", 1_104_537_600, "UTC"), "2004-53");
        assert_eq!(f("%Q %-d %_H %Ez %Z %%", 0, "UTC"), "%Q 1  0 +0000 UTC %");
        assert_eq!(f("%H %z %Z", 0, "EST5"), "19 -0500 EST");
        assert_eq!(f("%H %z", 0, "<+0530>-5:30"), "05 +0530");
        assert_eq!(f("%Y %m %d", -86_400, "UTC"), "1969 12 31");
    }
}
