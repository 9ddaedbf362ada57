//! Exact decimals as Arrow Decimal128: every value of a column is rescaled, without rounding,
//! to the largest scale found in the column.

use std::sync::Arc;

use arrow_array::{ArrayRef, Decimal128Array};
use arrow_schema::{DataType, Field};
use rust_decimal::Decimal;

use crate::{Error, Result};

/// Precision of every exported decimal column (the Decimal128 maximum).
pub const PRECISION: u8 = 38;

/// The smallest scale that holds every value exactly.
pub fn scale_for(values: impl IntoIterator<Item = Decimal>) -> u32 {
    values.into_iter().map(|d| d.scale()).max().unwrap_or(0)
}

/// `d` as an integer count of `10^-scale` units, exactly.
///
/// # Errors
/// [`Error::Validation`] if `d` has more places than `scale` or does not fit 38 digits.
pub fn to_units(field: &str, d: Decimal, scale: u32) -> Result<i128> {
    let too_big = || Error::validation(field, format!("{d} does not fit Decimal128({PRECISION}, {scale})"));
    let shift = scale
        .checked_sub(d.scale())
        .ok_or_else(|| Error::validation(field, format!("{d} has more than {scale} decimal places")))?;
    let v = d
        .mantissa()
        .checked_mul(10i128.checked_pow(shift).ok_or_else(too_big)?)
        .ok_or_else(too_big)?;
    if v.unsigned_abs() >= 10u128.pow(u32::from(PRECISION)) {
        return Err(too_big());
    }
    Ok(v)
}

/// A Decimal128 field of `scale`.
pub fn field(name: &str, scale: u32, nullable: bool) -> Field {
    Field::new(name, DataType::Decimal128(PRECISION, scale as i8), nullable)
}

/// A Decimal128 column of `values` at `scale`.
///
/// # Errors
/// As [`to_units`].
pub fn column(name: &str, values: &[Decimal], scale: u32) -> Result<ArrayRef> {
    column_opt(name, &values.iter().map(|d| Some(*d)).collect::<Vec<_>>(), scale)
}

/// A Decimal128 column from integer counts of `10^-scale` units.
///
/// # Errors
/// [`Error::Validation`] if a value has more than 38 digits.
pub fn column_units(name: &str, units: Vec<i128>, scale: u32) -> Result<ArrayRef> {
    if units
        .iter()
        .any(|u| u.unsigned_abs() >= 10u128.pow(u32::from(PRECISION)))
    {
        return Err(Error::validation(
            name,
            format!("a sum does not fit Decimal128({PRECISION}, {scale})"),
        ));
    }
    let arr = Decimal128Array::from(units)
        .with_precision_and_scale(PRECISION, scale as i8)
        .map_err(|e| Error::validation(name, e.to_string()))?;
    Ok(Arc::new(arr))
}

/// A nullable Decimal128 column of `values` at `scale`.
///
/// # Errors
/// As [`to_units`].
pub fn column_opt(name: &str, values: &[Option<Decimal>], scale: u32) -> Result<ArrayRef> {
    let units = values
        .iter()
        .map(|v| v.map(|d| to_units(name, d, scale)).transpose())
        .collect::<Result<Vec<Option<i128>>>>()?;
    let arr = Decimal128Array::from(units)
        .with_precision_and_scale(PRECISION, scale as i8)
        .map_err(|e| Error::validation(name, e.to_string()))?;
    Ok(Arc::new(arr))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rescales_exactly_or_refuses() {
        assert_eq!(to_units("x", Decimal::new(12345, 2), 4).unwrap(), 1_234_500);
        assert!(to_units("x", Decimal::new(12345, 5), 4).is_err());
        assert!(to_units("x", Decimal::MAX, 18).is_err());
        assert_eq!(scale_for([Decimal::new(1, 3), Decimal::new(5, 8)]), 8);
    }
}
