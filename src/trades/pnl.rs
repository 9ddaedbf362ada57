//! Average-cost position accounting.
//!
//! A position keeps its signed quantity and signed cost basis (`cost`), opening fees included:
//! opening `q` (signed, + buy / − sell) at price `p` with fee `f` adds `q·p + f` to the cost.
//! Closing `c` units of a position of size `|Q|` removes `cost · c / |Q|` of it and realizes
//! `−(s·p) − removed − f_c`, where `s` is the signed closing quantity and `f_c` the fee share of
//! the closing part. A fill that crosses zero is split into its closing and opening parts, the
//! fee pro rata by quantity. All arithmetic is checked: an overflow refuses the fill.

use rust_decimal::Decimal;

use crate::records::{Position, Side};
use crate::{Error, Result};

fn overflow() -> Error {
    Error::validation("qty", "position arithmetic overflows; the fill is refused")
}

fn mul(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_mul(b).ok_or_else(overflow)
}
fn add(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_add(b).ok_or_else(overflow)
}
fn sub(a: Decimal, b: Decimal) -> Result<Decimal> {
    a.checked_sub(b).ok_or_else(overflow)
}
/// `a · num / den`, exact when `num == den`.
fn prorate(a: Decimal, num: Decimal, den: Decimal) -> Result<Decimal> {
    if num == den {
        return Ok(a);
    }
    mul(a, num)?.checked_div(den).ok_or_else(overflow)
}

/// Applies one fill to `pos` and returns the P&L it realized.
///
/// # Errors
/// [`Error::Validation`] if the arithmetic would overflow; `pos` is then unchanged.
pub fn apply_fill(
    pos: &Position,
    side: Side,
    qty: Decimal,
    price: Decimal,
    fee: Decimal,
    ts: i64,
) -> Result<(Position, Decimal)> {
    let mut next = pos.clone();
    let realized = apply_fill_in_place(&mut next, side, qty, price, fee, ts)?;
    Ok((next, realized))
}

/// As [`apply_fill`], updating `pos` itself (no copy of its names); `pos` is unchanged on error.
pub(crate) fn apply_fill_in_place(
    pos: &mut Position,
    side: Side,
    qty: Decimal,
    price: Decimal,
    fee: Decimal,
    ts: i64,
) -> Result<Decimal> {
    let (mut next_qty, mut next_cost) = (pos.qty, pos.cost);
    let signed = if side == Side::Buy { qty } else { -qty };
    let open_qty = pos.qty.abs();
    let closing = !pos.qty.is_zero() && (pos.qty.is_sign_positive() != signed.is_sign_positive());
    let mut realized = Decimal::ZERO;
    let mut rest = qty;
    let mut rest_fee = fee;
    if closing {
        let c = qty.min(open_qty);
        let fee_c = prorate(fee, c, qty)?;
        let removed = prorate(pos.cost, c, open_qty)?;
        let s = if side == Side::Buy { c } else { -c };
        realized = sub(sub(-mul(s, price)?, removed)?, fee_c)?;
        next_qty = add(next_qty, s)?;
        next_cost = if next_qty.is_zero() {
            Decimal::ZERO
        } else {
            sub(next_cost, removed)?
        };
        rest = sub(qty, c)?;
        rest_fee = sub(fee, fee_c)?;
    }
    if !rest.is_zero() {
        let s = if side == Side::Buy { rest } else { -rest };
        next_cost = add(add(next_cost, mul(s, price)?)?, rest_fee)?;
        next_qty = add(next_qty, s)?;
    }
    let realized_pnl = add(pos.realized_pnl, realized)?;
    let fees = add(pos.fees, fee)?;
    pos.qty = next_qty;
    pos.cost = next_cost;
    pos.realized_pnl = realized_pnl;
    pos.fees = fees;
    pos.fills += 1;
    pos.last_ts = ts;
    Ok(realized)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal_macros_free::d;

    mod rust_decimal_macros_free {
        pub fn d(s: &str) -> rust_decimal::Decimal {
            s.parse().unwrap()
        }
    }

    fn step(p: &Position, side: Side, q: &str, px: &str, fee: &str) -> (Position, Decimal) {
        apply_fill(p, side, d(q), d(px), d(fee), 0).unwrap()
    }

    #[test]
    fn long_open_then_partial_and_full_close_with_fees() {
        let p0 = Position::default();
        // Buy 2 @ 100, fee 2 -> cost 202, avg 101.
        let (p1, r1) = step(&p0, Side::Buy, "2", "100", "2");
        assert_eq!((p1.qty, p1.cost, r1), (d("2"), d("202"), d("0")));
        // Sell 1 @ 110, fee 1: removed 101, realized 110 - 101 - 1 = 8.
        let (p2, r2) = step(&p1, Side::Sell, "1", "110", "1");
        assert_eq!((p2.qty, p2.cost, r2), (d("1"), d("101"), d("8")));
        // Sell 1 @ 90, fee 1: realized 90 - 101 - 1 = -12; flat, cost 0.
        let (p3, r3) = step(&p2, Side::Sell, "1", "90", "1");
        assert_eq!((p3.qty, p3.cost, r3), (d("0"), d("0"), d("-12")));
        assert_eq!((p3.realized_pnl, p3.fees, p3.fills), (d("-4"), d("4"), 3));
    }

    #[test]
    fn short_open_and_cover() {
        // Sell 3 @ 50, fee 1.5 -> cost -150 + 1.5 = -148.5 (net proceeds 148.5).
        let (p1, r1) = step(&Position::default(), Side::Sell, "3", "50", "1.5");
        assert_eq!((p1.qty, p1.cost, r1), (d("-3"), d("-148.5"), d("0")));
        // Buy 1 @ 40, fee 0.5: removed -49.5; realized -40 + 49.5 - 0.5 = 9.
        let (p2, r2) = step(&p1, Side::Buy, "1", "40", "0.5");
        assert_eq!((p2.qty, p2.cost, r2), (d("-2"), d("-99"), d("9")));
        // Buy 2 @ 55, fee 1: realized -110 + 99 - 1 = -12.
        let (p3, r3) = step(&p2, Side::Buy, "2", "55", "1");
        assert_eq!((p3.qty, p3.cost, r3), (d("0"), d("0"), d("-12")));
    }

    #[test]
    fn flip_through_zero_splits_fee_pro_rata() {
        // Long 1 @ 100 (fee 0), then sell 3 @ 120 with fee 3: 1 closes, 2 open short.
        let (p1, _) = step(&Position::default(), Side::Buy, "1", "100", "0");
        let (p2, r2) = step(&p1, Side::Sell, "3", "120", "3");
        // Closing part: 120 - 100 - 1 = 19. Opening part: cost -240 + 2 = -238.
        assert_eq!((p2.qty, p2.cost, r2), (d("-2"), d("-238"), d("19")));
        assert_eq!(p2.avg_price(), Some(d("119")));
    }

    #[test]
    fn adding_to_a_position_averages_cost() {
        let (p1, _) = step(&Position::default(), Side::Buy, "1", "100", "0");
        let (p2, r) = step(&p1, Side::Buy, "3", "120", "0");
        assert_eq!((p2.qty, p2.cost, r), (d("4"), d("460"), d("0")));
        assert_eq!(p2.avg_price(), Some(d("115")));
    }

    #[test]
    fn overflow_is_refused_not_panicking() {
        let p = Position {
            qty: Decimal::MAX,
            cost: Decimal::MAX,
            ..Position::default()
        };
        assert!(apply_fill(&p, Side::Buy, Decimal::MAX, Decimal::MAX, d("0"), 0).is_err());
    }
}
