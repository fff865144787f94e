//! The functions `bc -l` adds: `e()` exp, `l()` natural log, `s()` sine, `c()` cosine, `a()` arctangent (radians).
//!
//! Each is computed in fixed point with [`GUARD`] digits beyond the scale asked for, then truncated to it, which is
//! how GNU bc's library results read (checked against bc 1.07.1 in `bc.rs`'s tests).

use num_bigint::BigInt;
use num_integer::Integer as _;
use num_traits::{Signed, Zero};

use crate::bc::Num;

/// Extra digits carried through the series and reductions.
const GUARD: u32 = 15;

/// `name(x)` with `scale` digits after the point.
pub(crate) fn function(name: &str, x: &Num, scale: u32) -> Result<Num, String> {
    let w = scale + GUARD;
    let fx = Fixed::new(w);
    let (v, s) = x.parts();
    let x = fx.of_decimal(v, s);
    let result = match name {
        "e" => fx.exp(&x),
        "l" if !x.is_positive() => return Err("l() of a number that is not positive".into()),
        "l" => fx.ln(&x),
        "s" => fx.sin(&x),
        "c" => {
            let quarter = fx.half(&fx.pi());
            fx.sin(&(x + quarter))
        }
        "a" => fx.atan(&x),
        other => return Err(format!("Function {other} not defined.")),
    };
    Ok(Num::fixed(result, w).at(scale))
}

/// Fixed-point arithmetic on integers holding `value * 10^w`.
struct Fixed {
    w: u32,
    one: BigInt,
}

impl Fixed {
    fn new(w: u32) -> Self {
        Fixed {
            w,
            one: num_traits::pow(BigInt::from(10), w as usize),
        }
    }

    fn of_decimal(&self, v: &BigInt, s: u32) -> BigInt {
        if s <= self.w {
            v * num_traits::pow(BigInt::from(10), (self.w - s) as usize)
        } else {
            v / num_traits::pow(BigInt::from(10), (s - self.w) as usize)
        }
    }

    fn mul(&self, a: &BigInt, b: &BigInt) -> BigInt {
        a * b / &self.one
    }

    fn div(&self, a: &BigInt, b: &BigInt) -> BigInt {
        a * &self.one / b
    }

    fn half(&self, a: &BigInt) -> BigInt {
        a / 2
    }

    fn sqrt(&self, a: &BigInt) -> BigInt {
        (a * &self.one).sqrt()
    }

    fn exp(&self, x: &BigInt) -> BigInt {
        if x.is_negative() {
            return self.div(&self.one, &self.exp(&-x));
        }
        // e^x = (e^(x / 2^k))^(2^k), with x / 2^k below 1/2 for a short series.
        let mut x = x.clone();
        let mut k = 0;
        while x > self.half(&self.one) {
            x /= 2;
            k += 1;
        }
        let (mut sum, mut term) = (self.one.clone(), self.one.clone());
        let mut n = 1u32;
        while !term.is_zero() {
            term = self.mul(&term, &x) / n;
            sum += &term;
            n += 1;
        }
        for _ in 0..k {
            sum = self.mul(&sum, &sum);
        }
        sum
    }

    fn ln(&self, x: &BigInt) -> BigInt {
        // ln x = 2^k ln(x^(1 / 2^k)), brought near 1; then ln y = 2 atanh((y - 1) / (y + 1)).
        let mut y = x.clone();
        let mut k = 0;
        let two = &self.one * 2;
        while y > two || y < self.half(&self.one) {
            y = self.sqrt(&y);
            k += 1;
        }
        let z = self.div(&(&y - &self.one), &(&y + &self.one));
        let z2 = self.mul(&z, &z);
        let (mut sum, mut power) = (z.clone(), z);
        let mut n = 3u32;
        loop {
            power = self.mul(&power, &z2);
            let term = &power / n;
            if term.is_zero() {
                break;
            }
            sum += term;
            n += 2;
        }
        sum * 2 * num_traits::pow(BigInt::from(2), k)
    }

    fn atan(&self, x: &BigInt) -> BigInt {
        if x.is_negative() {
            return -self.atan(&-x);
        }
        // atan x = 2 atan(x / (1 + sqrt(1 + x^2))), until x is small.
        let mut x = x.clone();
        let mut k = 0;
        let small = &self.one / 10;
        while x > small {
            let root = self.sqrt(&(&self.one + self.mul(&x, &x)));
            x = self.div(&x, &(&self.one + root));
            k += 1;
        }
        let x2 = self.mul(&x, &x);
        let (mut sum, mut power) = (x.clone(), x);
        let mut n = 3u32;
        let mut negative = true;
        loop {
            power = self.mul(&power, &x2);
            let term = &power / n;
            if term.is_zero() {
                break;
            }
            if negative {
                sum -= term;
            } else {
                sum += term;
            }
            negative = !negative;
            n += 2;
        }
        sum * num_traits::pow(BigInt::from(2), k)
    }

    fn pi(&self) -> BigInt {
        self.atan(&self.one) * 4
    }

    fn sin(&self, x: &BigInt) -> BigInt {
        // Into [-pi, pi] by whole turns, then the Taylor series.
        let turn = self.pi() * 2;
        let turns = (x + self.half(&turn)).div_floor(&turn);
        let x = x - turns * &turn;
        let x2 = self.mul(&x, &x);
        let (mut sum, mut term) = (x.clone(), x);
        let mut n = 1u32;
        while !term.is_zero() {
            term = -self.mul(&term, &x2) / (2 * n * (2 * n + 1));
            sum += &term;
            n += 1;
        }
        sum
    }
}
