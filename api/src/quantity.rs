//! Parsing of Kubernetes quantities (`64Mi`, `2`, `500m`) into exact values.
//!
//! The API uses quantities for logical capacity (`runs: 4`) and for memory limits (`256Mi`).
//! Only the forms Kubernetes itself accepts are accepted; anything else is an error naming the input.

use std::fmt;

/// A parsed quantity, exact to the milli-unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Milli(pub i128);

impl Milli {
    /// The value as a whole number, if it has no fractional part.
    pub fn whole(self) -> Option<i128> {
        (self.0 % 1000 == 0).then_some(self.0 / 1000)
    }
}

/// Why a quantity did not parse.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QuantityError {
    /// The input, as given.
    pub input: String,
}

impl fmt::Display for QuantityError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{:?} is not a quantity (examples: 4, 500m, 64Mi, 1G)",
            self.input
        )
    }
}

impl std::error::Error for QuantityError {}

/// Parses a quantity such as `4`, `1.5`, `500m`, `64Mi`, `2G` or `1e3`.
pub fn parse(input: &str) -> Result<Milli, QuantityError> {
    let err = || QuantityError {
        input: input.to_owned(),
    };
    let s = input.trim();
    if s.is_empty() || s.len() > 64 {
        return Err(err());
    }
    let (sign, s) = match s.as_bytes()[0] {
        b'-' => (-1i128, &s[1..]),
        b'+' => (1, &s[1..]),
        _ => (1, s),
    };
    let split = s
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(s.len());
    let (number, suffix) = s.split_at(split);
    let (int_part, frac_part) = number.split_once('.').unwrap_or((number, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(err());
    }
    // Multiplier as (numerator, power of ten) so that decimal and binary suffixes stay exact.
    let (mul, exp10): (i128, i32) = match suffix {
        "" => (1, 0),
        "m" => (1, -3),
        "k" => (1, 3),
        "M" => (1, 6),
        "G" => (1, 9),
        "T" => (1, 12),
        "P" => (1, 15),
        "E" => (1, 18),
        "Ki" => (1 << 10, 0),
        "Mi" => (1 << 20, 0),
        "Gi" => (1 << 30, 0),
        "Ti" => (1 << 40, 0),
        "Pi" => (1 << 50, 0),
        "Ei" => (1 << 60, 0),
        e if e.starts_with(['e', 'E']) => (1, e[1..].parse::<i32>().map_err(|_| err())?),
        _ => return Err(err()),
    };
    if frac_part.len() > 18 || !(-3..=18).contains(&exp10) {
        return Err(err());
    }
    let digits = format!("{int_part}{frac_part}");
    let mantissa: i128 = if digits.is_empty() {
        0
    } else {
        digits.parse().map_err(|_| err())?
    };
    // value = mantissa * 10^(exp10 - frac_len) * mul, expressed in milli-units.
    let scale = exp10 + 3 - frac_part.len() as i32;
    let mut milli = mantissa.checked_mul(mul).ok_or_else(err)?;
    if scale >= 0 {
        milli = milli
            .checked_mul(10i128.checked_pow(scale as u32).ok_or_else(err)?)
            .ok_or_else(err)?;
    } else {
        // Kubernetes rounds sub-milli precision up; we keep that rule.
        let div = 10i128.checked_pow((-scale) as u32).ok_or_else(err)?;
        milli = (milli + div - 1) / div;
    }
    Ok(Milli(sign * milli))
}

/// Parses a quantity that must be a whole, non-negative number of bytes or units.
pub fn parse_whole(input: &str) -> Result<u64, QuantityError> {
    let err = || QuantityError {
        input: input.to_owned(),
    };
    let v = parse(input)?.whole().ok_or_else(err)?;
    u64::try_from(v).map_err(|_| err())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_forms_kubernetes_accepts() {
        assert_eq!(parse("4").unwrap(), Milli(4000));
        assert_eq!(parse("500m").unwrap(), Milli(500));
        assert_eq!(parse("1.5").unwrap(), Milli(1500));
        assert_eq!(parse("64Mi").unwrap(), Milli(64 * 1024 * 1024 * 1000));
        assert_eq!(parse("2G").unwrap(), Milli(2_000_000_000_000));
        assert_eq!(parse("1e3").unwrap(), Milli(1_000_000));
        assert_eq!(parse("-2").unwrap(), Milli(-2000));
        assert_eq!(parse(".5").unwrap(), Milli(500));
    }

    #[test]
    fn rejects_what_kubernetes_rejects() {
        for bad in ["", "abc", "1x", "Mi", "1.2.3", "--1", "1 Mi"] {
            assert!(parse(bad).is_err(), "{bad:?} should not parse");
        }
    }

    #[test]
    fn whole_numbers_have_no_fraction() {
        assert_eq!(parse_whole("256Mi").unwrap(), 256 * 1024 * 1024);
        assert_eq!(parse_whole("3").unwrap(), 3);
        assert!(parse_whole("1.5").is_err());
        assert!(parse_whole("-1").is_err());
        assert!(parse_whole("500m").is_err());
    }
}
