//! Exact, order-independent sums of decimals.
//!
//! A `Decimal` holds at most 28–29 significant digits, so adding many of them with `+` rounds
//! whenever a sum needs more, and the rounding depends on the order of the additions: an
//! incremental running total (commit order) and a recompute over the time index (time order)
//! could then disagree in the last digit. [`ExactSum`] keeps the sum as an integer part and a
//! fraction in units of 10⁻²⁸ — wide enough for every `Decimal` — so each addition is exact and
//! the stored state depends only on the multiset of addends. Rounding happens once, when the
//! total is read with [`ExactSum::to_decimal`].

use rkyv::{Archive, Deserialize, Serialize};
use rust_decimal::Decimal;

/// 10²⁸: the fraction unit (the largest `Decimal` scale).
const FRAC_ONE: i128 = 10_000_000_000_000_000_000_000_000_000;
/// Largest `Decimal` scale.
const MAX_SCALE: u32 = 28;

/// An exact sum of decimals: `int + frac / 10²⁸`, with `0 ≤ frac < 10²⁸`.
///
/// # Examples
/// ```
/// use rust_decimal::Decimal;
/// use tradestore::analytics::ExactSum;
/// let third = Decimal::ONE / Decimal::from(3); // 0.3333333333333333333333333333
/// let mut a = ExactSum::default();
/// a.add(Decimal::from(1_000_000_000))?;
/// a.add(third)?;
/// a.add(-Decimal::from(1_000_000_000))?;
/// assert_eq!(a.to_decimal(), Some(third)); // plain `+` would have lost digits of `third`
/// # Ok::<(), tradestore::Error>(())
/// ```
#[derive(
    Archive, Serialize, Deserialize, serde::Serialize, serde::Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default,
)]
pub struct ExactSum {
    /// Whole units (signed).
    pub int: i128,
    /// Fraction in units of 10⁻²⁸, always in `0..10²⁸`.
    pub frac: i128,
}

fn overflow() -> crate::Error {
    crate::Error::validation("realized_pnl", "running sum exceeds 10^38; the fill is refused")
}

impl ExactSum {
    /// Adds `d` exactly.
    ///
    /// # Errors
    /// [`crate::Error::Validation`] if the integer part would exceed ±1.7·10³⁸.
    pub fn add(&mut self, d: Decimal) -> crate::Result<()> {
        let scale = d.scale().min(MAX_SCALE);
        let unit = 10i128.pow(scale);
        let m = d.mantissa();
        let int = m / unit;
        let frac = (m % unit) * 10i128.pow(MAX_SCALE - scale);
        self.add_parts(int, frac)
    }

    /// Adds another sum exactly.
    ///
    /// # Errors
    /// As [`ExactSum::add`].
    pub fn merge(&mut self, other: &ExactSum) -> crate::Result<()> {
        self.add_parts(other.int, other.frac)
    }

    fn add_parts(&mut self, int: i128, frac: i128) -> crate::Result<()> {
        // |frac| < 10^28 for both terms, so one carry or borrow normalises the sum.
        let mut int = self.int.checked_add(int).ok_or_else(overflow)?;
        let mut frac = self.frac + frac;
        if frac >= FRAC_ONE {
            frac -= FRAC_ONE;
            int = int.checked_add(1).ok_or_else(overflow)?;
        } else if frac < 0 {
            frac += FRAC_ONE;
            int = int.checked_sub(1).ok_or_else(overflow)?;
        }
        self.int = int;
        self.frac = frac;
        Ok(())
    }

    /// Whether the sum is zero.
    pub fn is_zero(&self) -> bool {
        self.int == 0 && self.frac == 0
    }

    /// The sum as a `Decimal`, rounded (half to even) to the 28 significant digits a `Decimal`
    /// holds when it needs more; `None` when the whole part is beyond `Decimal`'s range.
    pub fn to_decimal(&self) -> Option<Decimal> {
        let int = Decimal::try_from_i128_with_scale(self.int, 0).ok()?;
        let frac = Decimal::try_from_i128_with_scale(self.frac, MAX_SCALE).ok()?;
        int.checked_add(frac).map(|d| d.normalize())
    }
}

impl ArchivedExactSum {
    /// The sum, read in place.
    pub fn to_native(&self) -> ExactSum {
        ExactSum {
            int: self.int.to_native(),
            frac: self.frac.to_native(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> Decimal {
        s.parse().unwrap()
    }

    #[test]
    fn negative_and_mixed_scales_are_exact() {
        let mut s = ExactSum::default();
        for x in ["-1.5", "0.25", "-0.0000000000000000000000000001", "3"] {
            s.add(d(x)).unwrap();
        }
        assert_eq!(s.to_decimal(), Some(d("1.7499999999999999999999999999")));
        let mut t = ExactSum::default();
        t.add(d("-2.75")).unwrap();
        assert_eq!((t.int, t.frac), (-3, FRAC_ONE / 4));
        assert_eq!(t.to_decimal(), Some(d("-2.75")));
    }

    #[test]
    fn order_does_not_matter() {
        let xs: Vec<Decimal> = (1..200)
            .map(|i| Decimal::from(i * 7_919) / Decimal::from(13 * i + 1) * Decimal::from(1_000_000_007 * (i % 5 - 2)))
            .collect();
        let mut fwd = ExactSum::default();
        xs.iter().for_each(|x| fwd.add(*x).unwrap());
        let mut back = ExactSum::default();
        xs.iter().rev().for_each(|x| back.add(*x).unwrap());
        assert_eq!(fwd, back);
    }
}
